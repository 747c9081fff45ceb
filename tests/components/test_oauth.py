"""Signing in with ParqEx (OAuth 2.0) against the simulator, and keeping the tokens fresh."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from aiohttp import ClientSession
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.config_entry_oauth2_flow import ImplementationUnavailableError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.parqex.config_flow import SECTION_ADVANCED
from custom_components.parqex.const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_TOKEN,
    CONF_URL,
    DOMAIN,
)
from custom_components.parqex.migration import MINOR_VERSION
from simulator.seeds import (
    DEFAULT_PARQEX_CLIENT_ID,
    DEFAULT_PARQEX_CLIENT_SECRET,
    DEFAULT_PARQEX_USER,
    GUEST_PARQEX_USER,
)
from tests.conftest import Simulator, add_parqex_token_entry, find_entity, poll, setup

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
TOKEN_PATH = "/oauth/v2/endpoints/token/"
USER_INFO_PATH = "/oauth/v1/endpoints/user-info"

pytestmark = pytest.mark.usefixtures("current_request_with_host")


@pytest.fixture(autouse=True)
async def credentials(hass: HomeAssistant) -> None:
    """The client id and secret ParqEx issued, entered under Application credentials."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(DEFAULT_PARQEX_CLIENT_ID, DEFAULT_PARQEX_CLIENT_SECRET)
    )


def signed_in_entry(
    hass: HomeAssistant, simulator: Simulator, *, expires_in: float = 3600
) -> MockConfigEntry:
    """A ParqEx entry signed in with ParqEx, its token expiring in `expires_in` seconds."""
    token = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])
    token["expires_at"] = time.time() + expires_in
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Pat Garage",
        unique_id=DEFAULT_PARQEX_USER["id"],
        data={CONF_AUTH_IMPLEMENTATION: DOMAIN, CONF_TOKEN: token, CONF_URL: simulator.url},
        minor_version=MINOR_VERSION,
    )
    entry.add_to_hass(hass)
    return entry


async def approve_at_parqex(
    hass: HomeAssistant,
    result: Any,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
) -> Any:
    """Do what the user's browser does at ParqEx and back; return the flow's next result."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    async with http.get(result["url"] + "&approve=yes", allow_redirects=False) as answer:
        assert answer.status == 302, await answer.text()
        location = urlsplit(answer.headers["Location"])
    client = await hass_client_no_auth()
    callback = await client.get(f"{location.path}?{location.query}")
    assert callback.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def start_sign_in(hass: HomeAssistant, url: str) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "parqex"}
    )
    assert result["step_id"] == "parqex"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {SECTION_ADVANCED: {CONF_URL: url}}
    )


async def test_sign_in_creates_an_entry_named_after_the_account(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    result = await start_sign_in(hass, simulator.url)
    authorize = urlsplit(result["url"])
    query = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}" == simulator.url
    assert authorize.path == "/oauth/v2/endpoints/authorization/"
    assert query["scope"] == ["OPENDOOR,CLOSEDOOR"]
    assert query["client_id"] == [DEFAULT_PARQEX_CLIENT_ID]
    assert query["redirect_uri"] == ["https://example.com/auth/external/callback"]

    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Pat Garage"
    entry = result["result"]
    assert entry.unique_id == DEFAULT_PARQEX_USER["id"]
    assert entry.data[CONF_URL] == simulator.url
    token = entry.data[CONF_TOKEN]
    assert token["refresh_token"]
    assert token["access_token"]
    assert token["expires_at"] > time.time() + 3000
    # ParqEx's token request is a GET with the grant in the query, as documented.
    (exchange,) = [r for r in simulator.state.requests if r.path == TOKEN_PATH]
    assert exchange.method == "GET"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(find_entity(hass, "cover", KITTY, "cover")).state == "open"


async def test_signing_in_to_an_account_already_added_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
    parqex_entry: MockConfigEntry,
) -> None:
    result = await start_sign_in(hass, simulator.url)
    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_sign_in_at_an_insecure_url_is_refused(hass: HomeAssistant) -> None:
    result = await start_sign_in(hass, "http://192.168.1.20")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "insecure_url"}


@pytest.mark.parametrize(("status", "reason"), [(401, "invalid_auth"), (503, "cannot_connect")])
async def test_user_info_failing_after_sign_in_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
    status: int,
    reason: str,
) -> None:
    result = await start_sign_in(hass, simulator.url)
    simulator.fault(service="parqex", path=USER_INFO_PATH, status=status)
    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_refused_code_exchange_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    result = await start_sign_in(hass, simulator.url)
    simulator.fault(
        service="parqex", path=TOKEN_PATH, status=400, body='{"error": "invalid_grant"}'
    )
    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "oauth_failed"


async def test_signing_in_again(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    entry = signed_in_entry(hass, simulator)
    await setup(hass, entry)
    old_refresh = entry.data[CONF_TOKEN]["refresh_token"]
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN]["refresh_token"] != old_refresh
    assert entry.unique_id == DEFAULT_PARQEX_USER["id"]


async def test_signing_in_again_as_another_account_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    entry = signed_in_entry(hass, simulator)
    token = dict(entry.data[CONF_TOKEN])
    simulator.state.authorizing_user = GUEST_PARQEX_USER["id"]
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data[CONF_TOKEN] == token


async def test_reconfiguring_a_signed_in_entry_signs_in_at_the_new_url(
    hass: HomeAssistant,
    simulator: Simulator,
    http: ClientSession,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    entry = signed_in_entry(hass, simulator)
    await setup(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    assert [str(key) for key in result["data_schema"].schema] == [CONF_URL]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "http://192.168.1.20"}
    )
    assert result["errors"] == {"base": "insecure_url"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f" {simulator.url} "}
    )
    result = await approve_at_parqex(hass, result, http, hass_client_no_auth)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_URL] == simulator.url


# Keeping the tokens fresh.


async def test_an_expiring_token_is_refreshed_once_and_the_new_refresh_token_kept(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = signed_in_entry(hass, simulator, expires_in=5)
    spent = entry.data[CONF_TOKEN]["refresh_token"]
    await setup(hass, entry)
    assert simulator.state.token_requests["refresh_token"] == 1
    token = entry.data[CONF_TOKEN]
    assert token["refresh_token"] != spent
    assert token["expires_at"] > time.time() + 3000
    assert spent not in simulator.state.refresh_tokens
    assert hass.states.get(find_entity(hass, "cover", KITTY, "cover")).state == "open"

    # Many requests later within the token's lifetime: no further refresh.
    coordinator = entry.runtime_data
    for _ in range(5):
        await coordinator.async_refresh()
    assert simulator.state.token_requests["refresh_token"] == 1


async def test_requests_at_once_share_one_refresh(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = signed_in_entry(hass, simulator)
    await setup(hass, entry)
    coordinator = entry.runtime_data
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_TOKEN: {**entry.data[CONF_TOKEN], "expires_at": 0}}
    )
    await asyncio.gather(
        coordinator.async_refresh(),
        coordinator.client.async_get_user(),
        coordinator.client.async_get_devices(),
    )
    assert simulator.state.token_requests["refresh_token"] == 1
    assert coordinator.last_update_success


async def test_a_refused_refresh_asks_to_sign_in_again(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = signed_in_entry(hass, simulator, expires_in=5)
    simulator.state.revoke_oauth_tokens()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH


@pytest.mark.parametrize("fault", [{"status": 503}, {"mode": "hang", "delay": 2.0}])
async def test_a_failing_token_endpoint_is_retried_without_reauthentication(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
) -> None:
    entry = signed_in_entry(hass, simulator)
    await setup(hass, entry)
    coordinator = entry.runtime_data
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_TOKEN: {**entry.data[CONF_TOKEN], "expires_at": 0}}
    )
    simulator.fault(service="parqex", path=TOKEN_PATH, count=3, **fault)
    with patch("custom_components.parqex.const.REQUEST_TIMEOUT", 0.3):
        await coordinator.async_refresh()
    assert not coordinator.last_update_success
    assert hass.config_entries.flow.async_progress() == []
    assert coordinator.update_interval.total_seconds() > coordinator.base_interval.total_seconds()
    # The token endpoint back: the next poll refreshes and recovers.
    simulator.state.faults.clear()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert entry.data[CONF_TOKEN]["expires_at"] > time.time() + 3000
    # The simulator's own access log prints the query ParqEx documents; Home Assistant's and
    # the integration's records never hold the secret.
    ours = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]
    assert not [m for m in ours if DEFAULT_PARQEX_CLIENT_SECRET in m]


async def test_deleted_application_credentials_ask_to_sign_in_again(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = signed_in_entry(hass, simulator)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_AUTH_IMPLEMENTATION: "deleted_credentials"}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH


async def test_unavailable_application_credentials_retry_setup(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = signed_in_entry(hass, simulator)
    with patch(
        "custom_components.parqex.oauth.async_get_config_entry_implementation",
        side_effect=ImplementationUnavailableError,
    ):
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


# Entries made before the account's id was read.


async def test_a_token_entry_adopts_its_accounts_id_on_start(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = add_parqex_token_entry(
        hass, simulator, title="ParqEx", unique_id="parqex_0123456789abcdef0123456789abcdef"
    )
    await setup(hass, entry)
    assert entry.unique_id == DEFAULT_PARQEX_USER["id"]
    assert entry.title == "Pat Garage"


async def test_adopting_waits_while_user_info_fails_or_another_entry_has_the_account(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    legacy = add_parqex_token_entry(
        hass, simulator, title="My garage", unique_id="parqex_0123456789abcdef0123456789abcdef"
    )
    simulator.fault(service="parqex", path=USER_INFO_PATH, status=503)
    await hass.config_entries.async_setup(legacy.entry_id)
    await hass.async_block_till_done()
    assert legacy.unique_id.startswith("parqex_")
    assert "keeps its old id" in caplog.text

    # The same account as `parqex_entry`: left as it is, and the user told.
    assert await hass.config_entries.async_reload(legacy.entry_id)
    await hass.async_block_till_done()
    assert legacy.unique_id.startswith("parqex_")
    assert legacy.title == "My garage"
    assert "are the same ParqEx account" in caplog.text


async def test_the_credentials_form_says_which_redirect_url_to_register(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "application_credentials/config"})
    answer = await client.receive_json()
    assert answer["success"]
    placeholders = answer["result"]["integrations"][DOMAIN]["description_placeholders"]
    assert placeholders == {"redirect_url": "https://my.home-assistant.io/redirect/oauth"}


async def test_an_entry_keeps_working_across_many_token_lifetimes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, simulator: Simulator
) -> None:
    """Five lifetimes of a 10-minute token, polled every 30 s: one refresh per lifetime."""
    simulator.state.clock = time.monotonic
    simulator.state.token_lifetime = 600
    entry = signed_in_entry(hass, simulator, expires_in=600)
    await setup(hass, entry)
    cover = find_entity(hass, "cover", KITTY, "cover")
    for _ in range(5 * 600 // 30):
        await poll(hass, freezer, 30)
        assert hass.states.get(cover).state == "open"
    assert simulator.state.token_requests["refresh_token"] == 5
    assert hass.config_entries.flow.async_progress() == []
    assert entry.runtime_data.last_update_success
