"""The config flow, against the simulator over real HTTP, at 100% coverage."""

from __future__ import annotations

from collections.abc import AsyncIterator
import socket
from typing import Any
from unittest.mock import patch

from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import entity_registry as er
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.parqex.api import ParqexUser
from custom_components.parqex.config_flow import SECTION_ADVANCED
from custom_components.parqex.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_CONTROL_DOORS,
    CONF_PUSH,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DOMAIN,
)
from simulator.seeds import (
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_PARQEX_USER,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_USER_IDENTITY_ID,
    GUEST_PARQEX_USER,
)
from tests.conftest import Simulator, find_entity, setup

FRONT_DOOR = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"


async def _form(hass: HomeAssistant, menu_choice: str) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["parqex", "parqex_token", "seam"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": menu_choice}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == menu_choice
    assert result["errors"] == {}
    return result


async def _start(hass: HomeAssistant, menu_choice: str) -> str:
    return (await _form(hass, menu_choice))["flow_id"]


def _suggested(schema: probatio.Schema) -> dict[str, Any]:
    """The values a form shows filled in, those of a section nested under its name."""
    suggested: dict[str, Any] = {}
    for key, val in schema.schema.items():
        if isinstance(val, section):
            suggested[str(key)] = _suggested(val.schema)
        elif key.description and "suggested_value" in key.description:
            suggested[str(key)] = key.description["suggested_value"]
    return suggested


async def test_add_parqex_account(hass: HomeAssistant, simulator: Simulator) -> None:
    flow_id = await _start(hass, "parqex_token")
    with patch("custom_components.parqex.async_setup_entry", return_value=True) as setup_entry:
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {
                CONF_ACCESS_TOKEN: f"  {DEFAULT_PARQEX_TOKEN} ",
                SECTION_ADVANCED: {CONF_URL: simulator.url},
            },
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Named and identified after the account ParqEx's user-info names.
    assert result["title"] == "Pat Garage"
    assert result["data"] == {CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, CONF_URL: simulator.url}
    assert result["result"].unique_id == DEFAULT_PARQEX_USER["id"]
    assert len(setup_entry.mock_calls) == 1


async def test_add_seam_user_identity(hass: HomeAssistant, simulator: Simulator) -> None:
    flow_id = await _start(hass, "seam")
    with patch("custom_components.parqex.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {
                CONF_API_KEY: DEFAULT_SEAM_API_KEY,
                CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID.upper(),
                SECTION_ADVANCED: {CONF_URL: simulator.url},
            },
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Seam user f3a328b4"
    assert result["data"] == {
        CONF_API_KEY: DEFAULT_SEAM_API_KEY,
        CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
        CONF_URL: simulator.url,
    }
    assert result["result"].unique_id == DEFAULT_USER_IDENTITY_ID


@pytest.mark.parametrize(
    ("step", "fields", "default_url"),
    [
        ("parqex_token", [CONF_ACCESS_TOKEN], "https://api.parqex.com"),
        ("seam", [CONF_API_KEY, CONF_USER_IDENTITY_ID], "https://connect.getseam.com"),
    ],
)
async def test_url_in_a_collapsed_section(
    hass: HomeAssistant, step: str, fields: list[str], default_url: str
) -> None:
    form = await _form(hass, step)
    schema = form["data_schema"]
    assert [str(key) for key in schema.schema] == [*fields, SECTION_ADVANCED]
    (advanced,) = (val for key, val in schema.schema.items() if key == SECTION_ADVANCED)
    assert advanced.options == {"collapsed": True}
    (url,) = advanced.schema.schema
    assert str(url) == CONF_URL
    assert url.default() == default_url


@pytest.mark.parametrize(
    "advanced", [pytest.param(None, id="section_omitted"), pytest.param({}, id="section_empty")]
)
async def test_default_urls(hass: HomeAssistant, advanced: dict[str, str] | None) -> None:
    section_input = {} if advanced is None else {SECTION_ADVANCED: advanced}
    flow_id = await _start(hass, "parqex_token")
    with (
        patch(
            "custom_components.parqex.config_flow.ParqexClient.async_get_user",
            return_value=ParqexUser(id="someone"),
        ),
        patch("custom_components.parqex.async_setup_entry", return_value=True),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_ACCESS_TOKEN: "token", **section_input}
        )
    assert result["data"][CONF_URL] == "https://api.parqex.com"

    flow_id = await _start(hass, "seam")
    with (
        patch(
            "custom_components.parqex.config_flow.SeamClient.async_list_accessible_devices",
            return_value=None,
        ),
        patch("custom_components.parqex.async_setup_entry", return_value=True),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {
                CONF_API_KEY: "seam_key",
                CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
                **section_input,
            },
        )
    assert result["data"][CONF_URL] == "https://connect.getseam.com"


@pytest.mark.parametrize(
    ("fault", "errors"),
    [
        ({"status": 401}, {"base": "invalid_auth"}),
        ({"status": 503}, {"base": "cannot_connect"}),
        # A 404 without the service's reason: the URL is not the service's.
        ({"status": 404}, {"base": "url_not_found"}),
        ({"status": 429}, {"base": "cannot_connect"}),
        ({"mode": "not_json"}, {"base": "cannot_connect"}),
    ],
)
async def test_parqex_errors_then_recover(
    hass: HomeAssistant, simulator: Simulator, fault: dict[str, object], errors: dict[str, str]
) -> None:
    flow_id = await _start(hass, "parqex_token")
    simulator.fault(service="parqex", **fault)
    user_input = {
        CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN,
        SECTION_ADVANCED: {CONF_URL: simulator.url},
    }

    result = await hass.config_entries.flow.async_configure(flow_id, user_input)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # What the user typed is kept in the form.
    assert result["data_schema"](user_input)
    assert _suggested(result["data_schema"]) == user_input
    with patch("custom_components.parqex.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("user_input", "fault", "errors"),
    [
        ({CONF_API_KEY: "seam_wrong"}, None, {"base": "invalid_auth"}),
        (
            {CONF_USER_IDENTITY_ID: "00000000-0000-4000-8000-000000000000"},
            None,
            {"base": "user_identity_not_found"},
        ),
        (
            {CONF_USER_IDENTITY_ID: "not-a-uuid"},
            None,
            {CONF_USER_IDENTITY_ID: "invalid_user_identity_id"},
        ),
        ({}, {"status": 500}, {"base": "cannot_connect"}),
        ({}, {"status": 404}, {"base": "url_not_found"}),
        ({CONF_API_KEY: "seam_two words"}, None, {"base": "malformed_credential"}),
        (
            {SECTION_ADVANCED: {CONF_URL: "http://192.168.1.20:8080"}},
            None,
            {"base": "insecure_url"},
        ),
    ],
)
async def test_seam_errors_then_recover(
    hass: HomeAssistant,
    simulator: Simulator,
    user_input: dict[str, Any],
    fault: dict[str, object] | None,
    errors: dict[str, str],
) -> None:
    flow_id = await _start(hass, "seam")
    if fault:
        simulator.fault(service="seam", **fault)
    good = {
        CONF_API_KEY: DEFAULT_SEAM_API_KEY,
        CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
        SECTION_ADVANCED: {CONF_URL: simulator.url},
    }
    result = await hass.config_entries.flow.async_configure(flow_id, {**good, **user_input})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # What the user typed is kept in the form.
    assert _suggested(result["data_schema"]) == {**good, **user_input}
    with patch("custom_components.parqex.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_malformed_access_token_is_not_sent(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    flow_id = await _start(hass, "parqex_token")
    user_input = {
        CONF_ACCESS_TOKEN: "two words",
        SECTION_ADVANCED: {CONF_URL: simulator.url},
    }
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["errors"] == {"base": "malformed_credential"}
    assert simulator.requests_to("parqex") == 0
    assert _suggested(result["data_schema"]) == user_input


async def test_unexpected_error_is_unknown(hass: HomeAssistant, simulator: Simulator) -> None:
    flow_id = await _start(hass, "parqex_token")
    with patch(
        "custom_components.parqex.config_flow.ParqexClient.async_get_user",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, SECTION_ADVANCED: {CONF_URL: simulator.url}},
        )
    assert result["errors"] == {"base": "unknown"}


async def test_same_account_twice_aborts(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
) -> None:
    flow_id = await _start(hass, "parqex_token")
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, SECTION_ADVANCED: {CONF_URL: simulator.url}},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    flow_id = await _start(hass, "seam")
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_API_KEY: "another_key",
            CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
            SECTION_ADVANCED: {CONF_URL: simulator.url},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_asks_only_for_the_secret(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, seam_entry)
    simulator.state.seam_api_key = "seam_new_key"
    result = await seam_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert [str(key) for key in result["data_schema"].schema] == [CONF_API_KEY]
    assert result["description_placeholders"]["title"] == seam_entry.title

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "seam_still_wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "seam_new_key"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert seam_entry.data[CONF_API_KEY] == "seam_new_key"
    assert seam_entry.data[CONF_USER_IDENTITY_ID] == DEFAULT_USER_IDENTITY_ID
    assert seam_entry.unique_id == DEFAULT_USER_IDENTITY_ID
    await hass.async_block_till_done()
    assert hass.states.get(find_entity(hass, "lock", FRONT_DOOR, "lock")).state == "locked"


async def test_parqex_reauth_with_a_new_token(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    simulator.state.parqex_token = "rotated-token"
    result = await parqex_entry.start_reauth_flow(hass)
    assert [str(key) for key in result["data_schema"].schema] == [CONF_ACCESS_TOKEN]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: "rotated-token"}
    )
    assert result["reason"] == "reauth_successful"
    assert parqex_entry.unique_id == DEFAULT_PARQEX_USER["id"]
    assert parqex_entry.data == {CONF_ACCESS_TOKEN: "rotated-token", CONF_URL: simulator.url}


async def test_reauth_with_another_accounts_token_aborts(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    guest_token = simulator.state.issue_tokens(GUEST_PARQEX_USER["id"])["access_token"]
    result = await parqex_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: guest_token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert parqex_entry.data[CONF_ACCESS_TOKEN] == DEFAULT_PARQEX_TOKEN


async def test_reauth_with_a_refused_token_shows_the_error(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    result = await parqex_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: "not-a-token-parqex-knows"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}


class _Ipv4Resolver(ThreadedResolver):
    """Resolves to IPv4 only: the test plugin allows connections to 127.0.0.1 alone."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return await super().resolve(host, port, socket.AF_INET)


@pytest.fixture
async def resolver_on_the_test_loop() -> AsyncIterator[None]:
    """A DNS resolver usable from this test's event loop, so `localhost` can be resolved.

    The test plugin hands every test one aiodns resolver made on the session's event loop
    (its `mock_zeroconf_resolver`); tests run on a loop of their own, where resolving with it
    fails with "attached to a different loop". This one is made on the test's loop.
    """
    resolver = _Ipv4Resolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    with patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=resolver):
        yield


@pytest.mark.usefixtures("resolver_on_the_test_loop")
async def test_reconfigure_url_keeps_the_secret(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, seam_entry)
    result = await seam_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "http://example.com"}
    )
    assert result["errors"] == {"base": "insecure_url"}

    new_url = simulator.url.replace("127.0.0.1", "localhost")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "  ", CONF_URL: new_url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert seam_entry.data == {
        CONF_API_KEY: DEFAULT_SEAM_API_KEY,
        CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
        CONF_URL: new_url,
    }


async def test_reconfigure_secret(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    simulator.state.parqex_token = "second-token"
    result = await parqex_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCESS_TOKEN: "second-token", CONF_URL: simulator.url}
    )
    assert result["reason"] == "reconfigure_successful"
    assert parqex_entry.data[CONF_ACCESS_TOKEN] == "second-token"
    assert parqex_entry.unique_id == DEFAULT_PARQEX_USER["id"]


@pytest.mark.parametrize(("seam", "default"), [(False, 30), (True, 60)])
async def test_options_set_the_polling_interval(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    seam: bool,
    default: int,
) -> None:
    entry = seam_entry if seam else parqex_entry
    await setup(hass, entry)
    coordinator = entry.runtime_data
    assert coordinator.update_interval.total_seconds() == default

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == ("seam" if seam else "init")
    schema = result["data_schema"]
    assert schema({})[CONF_SCAN_INTERVAL] == default
    user_input: dict[str, object] = {CONF_SCAN_INTERVAL: 15.0}
    if seam:
        user_input[CONF_PUSH] = False
    else:
        assert schema({})[CONF_CONTROL_DOORS] is True
        user_input[CONF_CONTROL_DOORS] = True
    polls = simulator.requests_to("seam" if seam else "parqex")
    result = await hass.config_entries.options.async_configure(result["flow_id"], user_input)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The new interval counts from a poll made now, not from the one already scheduled.
    assert simulator.requests_to("seam" if seam else "parqex") == polls + 1
    assert entry.options[CONF_SCAN_INTERVAL] == 15
    assert coordinator.update_interval.total_seconds() == 15
    # The interval is applied in place, without a reload.
    assert entry.runtime_data is coordinator
    with pytest.raises(vol.Invalid, match="too small"):
        schema({CONF_SCAN_INTERVAL: 5})


async def test_switching_door_control_off_reloads_with_sensors_only(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    cover = find_entity(hass, "cover", KITTY, "cover")
    result = await hass.config_entries.options.async_init(parqex_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 30, CONF_CONTROL_DOORS: False}
    )
    await hass.async_block_till_done()
    assert parqex_entry.options[CONF_CONTROL_DOORS] is False
    # The door's position sensor, disabled while the cover showed it, is back.
    assert hass.states.get(find_entity(hass, "binary_sensor", KITTY, "door")).state == "on"
    assert hass.states.get(cover) is None
    assert er.async_get(hass).async_get(cover) is None
