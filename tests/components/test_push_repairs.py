"""The push repairs fix in place: the full webhook URL, the secret, a delivery that checks it."""

from __future__ import annotations

import base64
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import CONF_PUSH, CONF_WEBHOOK_SECRET, DOMAIN
from custom_components.parqex.push import push_verdict_signal
from tests.components.conftest import HOOK_ID, SECRET, deliver, push_options
from tests.conftest import Simulator, find_entity, setup

FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
UNLOCKED = {"event_type": "lock.unlocked", "device_id": FRONT_ID}
WRONG = "whsec_" + base64.b64encode(b"a secret that was rotated").decode()


@pytest.fixture(autouse=True)
async def repairs(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "repairs", {})


async def start_fix(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return dict(await manager.async_init(DOMAIN, context={"issue_id": issue_id}))


async def answer(hass: HomeAssistant, flow_id: str, data: dict[str, Any] | None = None) -> Any:
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return await manager.async_configure(flow_id, data)


async def settle(hass: HomeAssistant, flow_id: str) -> Any:
    """Let the wait for a delivery end, then take the step it leads to."""
    await hass.async_block_till_done(wait_background_tasks=True)
    return await answer(hass, flow_id)


async def test_push_not_set_up_is_fixed_in_place(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
) -> None:
    # Home Assistant has no external URL, so only the user can give Seam the webhook.
    push_options(seam_entry, hass)
    await setup(hass, seam_entry)
    issue_id = f"{seam_entry.entry_id}_push_not_set_up"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.data == {"entry_id": seam_entry.entry_id}
    # Without a secret, deliveries are refused.
    assert await deliver(web, UNLOCKED) == 401

    result = await start_fix(hass, issue_id)
    assert result["step_id"] == "secret"
    url = result["description_placeholders"]["webhook_url"]
    assert url.endswith(f"/api/webhook/{HOOK_ID}")

    result = await answer(hass, result["flow_id"], {CONF_WEBHOOK_SECRET: "whsec_!!"})
    assert result["errors"] == {CONF_WEBHOOK_SECRET: "invalid_webhook_secret"}
    assert CONF_WEBHOOK_SECRET not in seam_entry.options

    result = await answer(hass, result["flow_id"], {CONF_WEBHOOK_SECRET: f"  {SECRET} "})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "wait_for_delivery"
    await hass.async_block_till_done()
    # The entry restarted with the secret; the repair it raised is gone with the old setup.
    assert seam_entry.options[CONF_WEBHOOK_SECRET] == SECRET
    assert seam_entry.options[CONF_PUSH] is True
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    assert await deliver(web, UNLOCKED) == 200
    result = await settle(hass, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    lock = find_entity(hass, "lock", FRONT_ID, "lock")
    assert hass.states.get(lock).state == "unlocked"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def rejected_issue(
    hass: HomeAssistant, entry: MockConfigEntry, web: TestClient, issue_registry: ir.IssueRegistry
) -> str:
    """Push set up by hand with a secret Seam no longer signs with, until the repair shows."""
    push_options(entry, hass, **{CONF_WEBHOOK_SECRET: WRONG})
    await setup(hass, entry)
    clock = [1000.0]
    with patch("custom_components.parqex.push.time.monotonic", side_effect=lambda: clock[0]):
        for n in range(3):
            clock[0] += 400.0
            assert await deliver(web, UNLOCKED, message_id=f"m{n}") == 401
    issue_id = f"{entry.entry_id}_push_rejected"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    return issue_id


async def test_rejected_push_asks_again_until_a_delivery_verifies(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = await rejected_issue(hass, seam_entry, web, issue_registry)
    result = await start_fix(hass, issue_id)
    assert result["step_id"] == "secret"
    assert result["errors"] == {}

    # The same wrong secret again: nothing restarts, and Seam's next delivery fails with it.
    result = await answer(hass, result["flow_id"], {CONF_WEBHOOK_SECRET: WRONG})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert await deliver(web, UNLOCKED, message_id="m10") == 401
    result = await settle(hass, result["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "secret"
    assert result["errors"] == {"base": "webhook_secret_rejected"}

    # A delivery judged with the old secret while the entry restarts does not count.
    result = await answer(hass, result["flow_id"], {CONF_WEBHOOK_SECRET: SECRET})
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    # (The flow is listening now; the restart with the new secret has not happened yet.)
    async_dispatcher_send(hass, push_verdict_signal(seam_entry.entry_id), False)
    await hass.async_block_till_done()
    assert seam_entry.options[CONF_WEBHOOK_SECRET] == SECRET
    manager = repairs_flow_manager(hass)
    assert manager is not None
    assert manager.async_get(result["flow_id"])["step_id"] == "verify"

    assert await deliver(web, UNLOCKED, message_id="m12") == 200
    result = await settle(hass, result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_no_delivery_keeps_the_secret(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    web: TestClient,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = await rejected_issue(hass, seam_entry, web, issue_registry)
    result = await start_fix(hass, issue_id)
    with patch("custom_components.parqex.repairs.DELIVERY_WAIT", 0.01):
        result = await answer(hass, result["flow_id"], {CONF_WEBHOOK_SECRET: SECRET})
        result = await settle(hass, result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_delivery_yet"
    assert seam_entry.options[CONF_WEBHOOK_SECRET] == SECRET
    # Saved and restarted: the next delivery is verified with it.
    assert await deliver(web, UNLOCKED, message_id="m20") == 200
