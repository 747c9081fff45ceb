"""Repair issues for problems only the user can fix at the service."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import DOMAIN
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY
from tests.conftest import Simulator, find_entity, poll, setup

CONTROLLER = "35ff0e08ac8eb84ca097a894541ba049"
FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
DISCONNECTED = {
    "errors": [{"error_code": "account_disconnected", "message": "Account disconnected"}]
}


def ours(issue_registry: ir.IssueRegistry) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in issue_registry.issues.items()
        if domain == DOMAIN
    }


async def test_unregistered_controller(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, parqex_entry)
    assert ours(issue_registry) == {}
    simulator.state.update_controller(CONTROLLER, {"registered": False})
    await poll(hass, freezer, 30)

    (issue,) = ours(issue_registry).values()
    assert issue.issue_id == f"{parqex_entry.entry_id}_unregistered_{CONTROLLER}"
    assert issue.translation_key == "controller_not_registered"
    assert issue.translation_placeholders == {"controller": "ParqEx controller d625"}
    assert issue.severity is ir.IssueSeverity.WARNING
    assert DEFAULT_PARQEX_TOKEN not in str(issue.to_json())

    simulator.state.update_controller(CONTROLLER, {"registered": True})
    await poll(hass, freezer, 30)
    assert ours(issue_registry) == {}


async def test_disconnected_account_is_one_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, seam_entry)
    front = find_entity(hass, "lock", FRONT_ID, "lock")
    simulator.state.update_device(FRONT_ID, DISCONNECTED)
    simulator.state.update_device(BACK_ID, DISCONNECTED)
    await poll(hass, freezer, 60)

    (issue,) = ours(issue_registry).values()
    assert issue.translation_key == "account_disconnected"
    assert issue.translation_placeholders == {"devices": "Back Door, Front Door"}
    assert DEFAULT_SEAM_API_KEY not in str(issue.to_json())
    assert hass.states.get(front).state == "unavailable"

    simulator.state.update_device(FRONT_ID, {"errors": []})
    simulator.state.update_device(BACK_ID, {"errors": []})
    await poll(hass, freezer, 60)
    assert ours(issue_registry) == {}
    assert hass.states.get(front).state == "locked"


async def test_issue_that_cleared_while_unloaded_is_withdrawn(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    simulator.state.update_device(FRONT_ID, DISCONNECTED)
    await setup(hass, seam_entry)
    assert len(ours(issue_registry)) == 1
    assert await hass.config_entries.async_unload(seam_entry.entry_id)
    simulator.state.update_device(FRONT_ID, {"errors": []})

    assert await hass.config_entries.async_setup(seam_entry.entry_id)
    await hass.async_block_till_done()
    assert ours(issue_registry) == {}


async def test_deleting_the_entry_withdraws_its_issues(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    simulator.state.update_device(FRONT_ID, DISCONNECTED)
    simulator.state.update_controller(CONTROLLER, {"registered": False})
    await setup(hass, seam_entry)
    assert len(ours(issue_registry)) == 2

    assert await hass.config_entries.async_remove(seam_entry.entry_id)
    await hass.async_block_till_done()
    (remaining,) = ours(issue_registry)
    assert remaining.startswith(parqex_entry.entry_id)
