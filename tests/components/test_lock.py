"""Seam lock commands against the simulator: confirmed, serialized, never bouncing back."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.api import SeamClient
from custom_components.parqex.const import DOMAIN, RECONCILE_COOLDOWN
from custom_components.parqex.entity import entity_unique_id
from tests.conftest import Simulator, find_entity, poll, record_states

FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
PADLOCK_ID = "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503"
LIST_PATH = "/user_identities/list_accessible_devices"


def front(hass: HomeAssistant) -> str:
    """The front door lock's entity id, as Home Assistant named it."""
    return find_entity(hass, "lock", FRONT_ID, "lock")


async def call(hass: HomeAssistant, service: str, entity_id: str | None = None) -> None:
    """Call a lock service on an entity, the front door lock unless told otherwise."""
    entity_id = entity_id or front(hass)
    await hass.services.async_call(LOCK_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True)


def paths(simulator: Simulator) -> list[str]:
    return [r.path for r in simulator.state.requests if r.path != LIST_PATH]


def list_requests(simulator: Simulator) -> int:
    return sum(1 for r in simulator.state.requests if r.path == LIST_PATH)


async def test_unlock_is_confirmed_then_reconciled(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seam: Simulator
) -> None:
    # The simulator settles commands by the clock, which the freezer stops.
    seam.state.action_settings.delay = 0
    states = record_states(hass, front(hass))
    lists_before = list_requests(seam)

    await call(hass, "unlock")

    assert states == ["unlocking", "unlocked"]
    assert seam.state.devices[FRONT_ID]["properties"]["locked"] is False
    assert hass.states.get(front(hass)).attributes["changed_by"] == "remote"
    assert paths(seam) == ["/locks/unlock_door"]
    # The confirmation is shown without a poll; one follows once the cooldown has passed.
    assert list_requests(seam) == lists_before
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert list_requests(seam) == lists_before + 1
    assert states == ["unlocking", "unlocked"]


async def test_thirty_commands_cost_one_list_request(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seam: Simulator
) -> None:
    seam.state.action_settings.delay = 0
    lists_before = list_requests(seam)
    # Seam allows 15 of each command a minute per lock: 15 unlocks and 15 locks.
    for n in range(30):
        await call(hass, "unlock" if n % 2 == 0 else "lock")
    assert len([p for p in paths(seam) if p.startswith("/locks/")]) == 30
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert list_requests(seam) == lists_before + 1
    assert hass.states.get(front(hass)).state == "locked"


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


async def test_unconfirmed_command_times_out_and_rereads_the_lock(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.outcome = "pending"
    # The lock moved, but Seam never settles the action attempt.
    seam.state.update_device(FRONT_ID, {"properties": {"locked": False}})
    lists_before = list_requests(seam)
    with (
        patch("custom_components.parqex.seam_command.COMMAND_TIMEOUT", 0.6),
        pytest.raises(HomeAssistantError) as caught,
    ):
        await call(hass, "unlock")
    assert caught.value.translation_key == "command_timeout"
    await hass.async_block_till_done(wait_background_tasks=True)
    # The one device was read again at once, without listing them all.
    assert paths(seam)[-1] == "/devices/get"
    assert list_requests(seam) == lists_before
    assert hass.states.get(front(hass)).state == "unlocked"


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "headers": {"Retry-After": "30"}},
        {"status": 500, "body": "<html>upstream error</html>"},
        {"mode": "disconnect"},
    ],
    ids=["429", "500", "dropped"],
)
async def test_accepted_command_whose_outcome_cannot_be_read(
    hass: HomeAssistant, seam: Simulator, fault: dict[str, Any]
) -> None:
    """Seam unlocked, but reading the action attempt failed: the user is not told "failed"."""
    seam.state.action_settings.delay = 0.05
    states = record_states(hass, front(hass))
    seam.fault(service="seam", path="/action_attempts/get", **fault)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "unlock")
    assert caught.value.translation_key == "command_unconfirmed"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert seam.state.devices[FRONT_ID]["properties"]["locked"] is False
    assert paths(seam)[-1] == "/devices/get"
    assert states == ["unlocking", "locked", "unlocked"]


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


async def test_rate_limited_command_holds_the_lock_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seam: Simulator
) -> None:
    """After a 429 with Retry-After: 30, queued commands are refused without being sent."""
    seam.state.action_settings.delay = 0
    seam.fault(service="seam", path="/locks/lock_door", status=429, headers={"Retry-After": "30"})
    results = await asyncio.gather(*(call(hass, "lock") for _ in range(30)), return_exceptions=True)
    assert all(isinstance(result, HomeAssistantError) for result in results)
    keys = {result.translation_key for result in results}
    assert keys == {"command_rate_limited"}
    assert [p for p in paths(seam) if p.startswith("/locks/")] == ["/locks/lock_door"]
    assert {result.translation_placeholders["seconds"] for result in results} <= {"29", "30"}
    assert hass.states.get(front(hass)).state == "locked"

    freezer.tick(31)
    await call(hass, "lock")
    assert [p for p in paths(seam) if p.startswith("/locks/")] == ["/locks/lock_door"] * 2


async def test_sixteenth_command_in_a_minute_is_refused_then_held(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.delay = 0
    for _ in range(15):
        await call(hass, "lock")
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "lock")
    # Seam said no more without saying for how long: a minute, its window.
    assert caught.value.translation_placeholders["seconds"] == "60"
    sent = len(paths(seam))
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "unlock")
    assert caught.value.translation_key == "command_rate_limited"
    assert len(paths(seam)) == sent


async def test_unexpected_error_clears_the_transitional_state(
    hass: HomeAssistant, seam: Simulator
) -> None:
    states = record_states(hass, front(hass))
    with (
        patch.object(SeamClient, "async_unlock_door", side_effect=RuntimeError("bug")),
        pytest.raises(RuntimeError),
    ):
        await call(hass, "unlock")
    assert states == ["unlocking", "locked"]


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


def registered(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> bool:
    """Whether the padlock has an entity of this kind in the entity registry."""
    unique_id = entity_unique_id(entry.runtime_data.scope, PADLOCK_ID, key)
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id) is not None


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_lock_seam_cannot_drive_is_a_lock_state_sensor(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    state_sensor = find_entity(hass, "binary_sensor", PADLOCK_ID, "lock_state")
    shown = hass.states.get(state_sensor)
    assert shown.state == "off"
    assert shown.attributes["device_class"] == "lock"
    assert not registered(hass, seam_entry, "lock", "lock")

    seam.state.update_device(PADLOCK_ID, {"properties": {"locked": False}})
    await refresh(hass, seam_entry)
    assert hass.states.get(state_sensor).state == "on"

    # Seam learns to drive it: a lock takes the sensor's place, and gives it back later.
    seam.state.update_device(PADLOCK_ID, {"can_remotely_lock": True})
    await refresh(hass, seam_entry)
    padlock = find_entity(hass, "lock", PADLOCK_ID, "lock")
    assert hass.states.get(padlock).state == "unlocked"
    assert not registered(hass, seam_entry, "binary_sensor", "lock_state")
    assert hass.states.get(state_sensor) is None

    await call(hass, "lock", padlock)
    assert hass.states.get(padlock).state == "locked"
    # It can lock but not unlock: the refusal comes before anything is sent.
    sent = len(paths(seam))
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "unlock", padlock)
    assert caught.value.translation_key == "not_remotely_controllable"
    assert len(paths(seam)) == sent

    seam.state.update_device(PADLOCK_ID, {"can_remotely_lock": False})
    await refresh(hass, seam_entry)
    assert not registered(hass, seam_entry, "lock", "lock")
    assert (
        hass.states.get(find_entity(hass, "binary_sensor", PADLOCK_ID, "lock_state")).state == "off"
    )


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


async def test_failed_reread_falls_back_to_one_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seam: Simulator
) -> None:
    seam.state.action_settings.outcome = "pending"
    seam.state.update_device(FRONT_ID, {"properties": {"locked": False}})
    seam.fault(service="seam", path="/devices/get", status=503)
    lists_before = list_requests(seam)
    with (
        patch("custom_components.parqex.seam_command.COMMAND_TIMEOUT", 0),
        pytest.raises(HomeAssistantError),
    ):
        await call(hass, "unlock")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(front(hass)).state == "locked"
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert list_requests(seam) == lists_before + 1
    assert hass.states.get(front(hass)).state == "unlocked"


async def test_reread_older_than_what_is_shown_is_dropped(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    coordinator = seam_entry.runtime_data
    # The re-read leaves, then a confirmation arrives before its (older) answer.
    seam.fault(service="seam", path="/devices/get", mode="hang", delay=0.3)
    reread = asyncio.create_task(coordinator.async_recheck_device(FRONT_ID))
    await asyncio.sleep(0.05)
    coordinator.async_confirm_lock(FRONT_ID, False)
    await reread
    await hass.async_block_till_done()
    assert hass.states.get(front(hass)).state == "unlocked"


async def test_reread_of_a_device_no_longer_shared_changes_nothing(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    coordinator = seam_entry.runtime_data
    seam.state.user_identities[seam.state.default_user_identity_id].remove(FRONT_ID)
    await coordinator.async_refresh()
    data = coordinator.data
    await coordinator.async_recheck_device(FRONT_ID)
    assert coordinator.data is data
    assert FRONT_ID not in coordinator.data.devices
