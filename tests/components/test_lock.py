"""Seam lock commands against the simulator: confirmed, serialized, never bouncing back."""

from __future__ import annotations

import asyncio
from unittest.mock import patch

from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import Simulator, find_entity, setup

FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
PADLOCK_ID = "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503"


@pytest.fixture
async def seam(hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry) -> Simulator:
    """The Seam entry set up, with commands that settle quickly."""
    simulator.state.action_settings.delay = 0.3
    await setup(hass, seam_entry)
    return simulator


def front(hass: HomeAssistant) -> str:
    """The front door lock's entity id, as Home Assistant named it."""
    return find_entity(hass, "lock", FRONT_ID, "lock")


def record_states(hass: HomeAssistant, entity_id: str) -> list[str]:
    seen: list[str] = []

    # A callback runs in the event loop as the event fires, not later in the executor.
    @callback
    def changed(event: Event) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"]:
            seen.append(event.data["new_state"].state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
    return seen


async def call(hass: HomeAssistant, service: str, entity_id: str | None = None) -> None:
    """Call a lock service on an entity, the front door lock unless told otherwise."""
    entity_id = entity_id or front(hass)
    await hass.services.async_call(LOCK_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True)


def paths(simulator: Simulator) -> list[str]:
    return [
        r.path
        for r in simulator.state.requests
        if r.path != "/user_identities/list_accessible_devices"
    ]


async def test_unlock_is_confirmed_then_refreshed(hass: HomeAssistant, seam: Simulator) -> None:
    states = record_states(hass, front(hass))
    polls_before = seam.requests_to("seam")

    await call(hass, "unlock")

    assert states == ["unlocking", "unlocked"]
    assert seam.state.devices[FRONT_ID]["properties"]["locked"] is False
    assert hass.states.get(front(hass)).attributes["changed_by"] == "remote"
    assert paths(seam)[0] == "/locks/unlock_door"
    assert set(paths(seam)[1:]) == {"/action_attempts/get"}
    # The refresh after the command read the list again.
    lists = [r for r in seam.state.requests if r.path == "/user_identities/list_accessible_devices"]
    assert len(lists) >= 2
    assert seam.requests_to("seam") > polls_before


async def test_failed_command_shows_seams_message_and_the_real_state(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.outcome = "error"
    seam.state.action_settings.error_message = "The bolt is jammed"
    states = record_states(hass, front(hass))

    with pytest.raises(HomeAssistantError, match="The bolt is jammed") as caught:
        await call(hass, "unlock")

    assert caught.value.translation_key == "command_failed"
    assert states == ["unlocking", "locked"]
    assert seam.state.devices[FRONT_ID]["properties"]["locked"] is True


async def test_unconfirmed_command_times_out_and_rereads(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.outcome = "pending"
    before = [
        r for r in seam.state.requests if r.path == "/user_identities/list_accessible_devices"
    ]
    with (
        patch("custom_components.parqex.lock.COMMAND_TIMEOUT", 0.6),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await call(hass, "unlock")
    assert caught.value.translation_key == "command_timeout"
    after = [r for r in seam.state.requests if r.path == "/user_identities/list_accessible_devices"]
    assert len(after) > len(before)
    assert hass.states.get(front(hass)).state == "locked"


@pytest.mark.parametrize(("headers", "seconds"), [({}, "60"), ({"Retry-After": "25"}, "25")])
async def test_rate_limited_command_says_when_to_retry(
    hass: HomeAssistant, seam: Simulator, headers: dict[str, str], seconds: str
) -> None:
    seam.fault(service="seam", path="/locks/unlock_door", status=429, headers=headers)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "unlock")
    assert caught.value.translation_key == "command_rate_limited"
    assert caught.value.translation_placeholders["seconds"] == seconds
    assert hass.states.get(front(hass)).state == "locked"


async def test_sixteenth_command_in_a_minute_is_refused(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.delay = 0
    for _ in range(15):
        await call(hass, "lock")
    with pytest.raises(HomeAssistantError, match="15 commands a minute"):
        await call(hass, "lock")


async def test_refused_key_during_a_command_starts_reauth(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    seam.fault(service="seam", path="/locks/lock_door", status=401)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "lock")
    assert caught.value.translation_key == "command_auth_failed"
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["context"]["entry_id"] == seam_entry.entry_id


async def test_other_service_errors(hass: HomeAssistant, seam: Simulator) -> None:
    seam.fault(service="seam", path="/locks/lock_door", status=502)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "lock")
    assert caught.value.translation_key == "command_error"


async def test_locking_a_locked_lock_succeeds(hass: HomeAssistant, seam: Simulator) -> None:
    await call(hass, "lock")
    assert hass.states.get(front(hass)).state == "locked"
    assert paths(seam)[0] == "/locks/lock_door"


async def test_lock_that_cannot_be_driven_remotely(hass: HomeAssistant, seam: Simulator) -> None:
    padlock = find_entity(hass, "lock", PADLOCK_ID, "lock")
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "unlock", padlock)
    assert caught.value.translation_key == "not_remotely_controllable"
    assert paths(seam) == []
    assert hass.states.get(padlock).state == "locked"


async def test_device_gone_before_the_command(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    entity = hass.data[LOCK_DOMAIN].get_entity(front(hass))
    seam.state.update_device(FRONT_ID, {"properties": {"locked": "odd"}})
    await seam_entry.runtime_data.async_refresh()
    # Home Assistant skips unavailable entities, so only a command already on its way
    # meets a device that has just gone; call the entity as such a command would.
    with pytest.raises(HomeAssistantError) as caught:
        await entity.async_unlock()
    assert caught.value.translation_key == "device_unavailable"


async def test_poll_racing_a_command_does_not_bounce_back(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    coordinator = seam_entry.runtime_data
    # A poll that leaves before the command and answers after it, with the old state.
    stale = orjson.dumps(
        {"devices": seam.state.seam_devices(seam.state.default_user_identity_id), "ok": True}
    ).decode()
    seam.fault(
        service="seam",
        path="/user_identities/list_accessible_devices",
        status=200,
        body=stale,
        delay=1.0,
    )
    states = record_states(hass, front(hass))
    racing_poll = asyncio.create_task(coordinator.async_refresh())
    await asyncio.sleep(0.05)

    await call(hass, "unlock")
    await racing_poll
    await hass.async_block_till_done()

    assert states == ["unlocking", "unlocked"]
    assert hass.states.get(front(hass)).state == "unlocked"
    assert coordinator.data.devices[FRONT_ID].locked is False
    # A poll that starts after the confirmation is the truth again.
    seam.state.update_device(FRONT_ID, {"properties": {"locked": True}})
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(front(hass)).state == "locked"


async def test_commands_to_one_lock_are_serialized(hass: HomeAssistant, seam: Simulator) -> None:
    states = record_states(hass, front(hass))
    await asyncio.gather(call(hass, "unlock"), call(hass, "lock"))

    commands = [p for p in paths(seam) if p.startswith("/locks/")]
    assert commands == ["/locks/unlock_door", "/locks/lock_door"]
    first_done = paths(seam).index("/locks/lock_door")
    assert "/action_attempts/get" in paths(seam)[1:first_done]
    assert states == ["unlocking", "unlocked", "locking", "locked"]
    assert seam.state.devices[FRONT_ID]["properties"]["locked"] is True
