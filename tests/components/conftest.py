"""Fixtures shared by the Seam platform tests: the entry set up, the webhook, signed deliveries."""

from __future__ import annotations

import base64
import time
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex.const import CONF_PUSH, CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET
from simulator.webhooks import svix_headers
from tests.conftest import Simulator, setup

HOOK_ID = "0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(b"a manual signing secret!").decode()


@pytest.fixture
async def web(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> TestClient:
    """Home Assistant's HTTP server on 127.0.0.1, reachable by the simulator."""
    assert await async_setup_component(hass, "webhook", {})
    return await hass_client_no_auth()


def push_options(entry: MockConfigEntry, hass: HomeAssistant, **options: Any) -> None:
    """Push switched on, with the webhook id the options form would have stored."""
    hass.config_entries.async_update_entry(
        entry,
        data={**entry.data, CONF_WEBHOOK_ID: HOOK_ID},
        options={CONF_PUSH: True, **options},
    )


async def deliver(
    web: TestClient,
    event: dict[str, Any],
    *,
    secret: str = SECRET,
    message_id: str = "msg_1",
    timestamp: int | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> int:
    """Deliver `event` to the webhook as Seam would, signed with `secret`; the answer's status."""
    payload = body if body is not None else orjson.dumps(event)
    signed = svix_headers(
        secret,
        payload,
        message_id=message_id,
        timestamp=int(time.time()) if timestamp is None else timestamp,
    )
    response = await web.post(
        f"/api/webhook/{HOOK_ID}", data=payload, headers={**signed, **(headers or {})}
    )
    return response.status


@pytest.fixture
async def manual(
    hass: HomeAssistant, seam_entry: MockConfigEntry, web: TestClient
) -> MockConfigEntry:
    """Push set up by hand: the secret of a webhook the user added in Seam's console."""
    push_options(seam_entry, hass, **{CONF_WEBHOOK_SECRET: SECRET})
    await setup(hass, seam_entry)
    return seam_entry


@pytest.fixture
async def seam(hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry) -> Simulator:
    """The Seam entry set up, with commands that settle quickly."""
    simulator.state.action_settings.delay = 0.3
    await setup(hass, seam_entry)
    return simulator
