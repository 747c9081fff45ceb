"""Seam locks' auto-lock switch and delay against the simulator: every change confirmed first."""

from __future__ import annotations

import asyncio
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.number import (
    ATTR_MAX,
    ATTR_MIN,
    ATTR_MODE,
    ATTR_STEP,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.number import SeamAutoLockDelay
from custom_components.parqex.switch import SeamAutoLockSwitch
from simulator.seeds import BACK_DOOR_ID
from tests.conftest import Simulator, find_entity, record_states

LIST_PATH = "/user_identities/list_accessible_devices"
CONFIGURE_PATH = "/locks/configure_auto_lock"


class Clock:
    """A clock for the simulator that moves only when told, so auto-lock relocks on cue."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def switch(hass: HomeAssistant) -> str:
    """The Back Door's auto-lock switch, as Home Assistant named it."""
    return find_entity(hass, SWITCH_DOMAIN, BACK_DOOR_ID, "auto_lock")


def delay(hass: HomeAssistant) -> str:
    """The Back Door's auto-lock delay, as Home Assistant named it."""
    return find_entity(hass, NUMBER_DOMAIN, BACK_DOOR_ID, "auto_lock_delay")


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def back_door(simulator: Simulator) -> dict[str, Any]:
    """The Back Door's properties as the simulated Seam holds them."""
    properties: dict[str, Any] = simulator.state.devices[BACK_DOOR_ID]["properties"]
    return properties


def paths(simulator: Simulator) -> list[str]:
    return [r.path for r in simulator.state.requests if r.path != LIST_PATH]


def configured(simulator: Simulator) -> int:
    """How many auto-lock commands reached the simulator."""
    return paths(simulator).count(CONFIGURE_PATH)


async def turn(hass: HomeAssistant, on: bool) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: switch(hass)},
        blocking=True,
    )


async def set_delay(hass: HomeAssistant, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: delay(hass), "value": value},
        blocking=True,
    )


async def test_only_locks_that_can_configure_auto_lock_get_the_controls(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, seam_entry.entry_id)
    controls = sorted(
        (entry.domain, entry.unique_id)
        for entry in entries
        if entry.domain in (SWITCH_DOMAIN, NUMBER_DOMAIN)
    )
    # The Front Door and the padlock cannot configure auto-lock: the Back Door alone has it.
    assert [domain for domain, _ in controls] == [NUMBER_DOMAIN, SWITCH_DOMAIN]
    assert all(BACK_DOOR_ID in unique_id for _, unique_id in controls)
    for entity_id in (switch(hass), delay(hass)):
        entry = registry.async_get(entity_id)
        assert entry is not None
        assert entry.entity_category is EntityCategory.CONFIG

    assert state(hass, switch(hass)) == "off"
    number = hass.states.get(delay(hass))
    assert number is not None
    assert float(number.state) == 30
    assert number.attributes[ATTR_UNIT_OF_MEASUREMENT] == "s"
    assert (number.attributes[ATTR_MIN], number.attributes[ATTR_MAX]) == (1, 60)
    assert number.attributes[ATTR_STEP] == 1
    assert number.attributes[ATTR_MODE] == "box"


async def test_lock_reporting_no_auto_lock_state_gets_no_switch(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    simulator.state.update_device(BACK_DOOR_ID, {"properties": {"auto_lock_enabled": None}})
    assert await hass.config_entries.async_setup(seam_entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    domains = {
        entry.domain for entry in er.async_entries_for_config_entry(registry, seam_entry.entry_id)
    }
    assert SWITCH_DOMAIN not in domains
    # The delay is known, but cannot be set without the setting Seam asks for with it.
    assert state(hass, delay(hass)) == "unavailable"


async def test_switching_on_shows_only_once_confirmed(hass: HomeAssistant, seam: Simulator) -> None:
    states = record_states(hass, switch(hass))
    command = asyncio.create_task(turn(hass, True))
    # The simulator settles the command after 0.3 s: until then, nothing changes.
    await asyncio.sleep(0.15)
    assert paths(seam)[0] == CONFIGURE_PATH
    assert back_door(seam)["auto_lock_enabled"] is False
    assert state(hass, switch(hass)) == "off"

    await command

    assert back_door(seam)["auto_lock_enabled"] is True
    # The delay set is kept.
    assert back_door(seam)["auto_lock_delay_seconds"] == 30
    assert float(state(hass, delay(hass))) == 30
    # One write, once Seam confirmed it.
    assert states == ["on"]
    assert "/action_attempts/get" in paths(seam)

    await turn(hass, False)
    assert back_door(seam)["auto_lock_enabled"] is False
    assert states == ["on", "off"]


async def test_delay_is_sent_and_shown(hass: HomeAssistant, seam: Simulator) -> None:
    await set_delay(hass, 12)
    assert back_door(seam)["auto_lock_delay_seconds"] == 12
    assert float(state(hass, delay(hass))) == 12
    # Setting the delay leaves auto-lock as it was: off.
    assert back_door(seam)["auto_lock_enabled"] is False
    assert state(hass, switch(hass)) == "off"

    await turn(hass, True)
    # A fraction (from a display unit other than seconds) is sent as whole seconds.
    await set_delay(hass, 7.6)
    assert back_door(seam)["auto_lock_delay_seconds"] == 8
    assert float(state(hass, delay(hass))) == 8
    assert back_door(seam)["auto_lock_enabled"] is True
    assert state(hass, switch(hass)) == "on"


@pytest.mark.parametrize("value", [0, 61])
async def test_delay_outside_seams_range_is_never_sent(
    hass: HomeAssistant, seam: Simulator, value: float
) -> None:
    with pytest.raises(ServiceValidationError):
        await set_delay(hass, value)
    assert configured(seam) == 0
    assert float(state(hass, delay(hass))) == 30


async def test_failed_command_shows_seams_message_and_the_real_setting(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.outcome = "error"
    seam.state.action_settings.error_message = "The lock did not answer"
    # Someone turned auto-lock on in the lock's own app; only a read shows it.
    seam.state.update_device(BACK_DOOR_ID, {"properties": {"auto_lock_enabled": True}})
    states = record_states(hass, switch(hass))

    with pytest.raises(HomeAssistantError, match="did not answer") as caught:
        await set_delay(hass, 20)
    assert caught.value.translation_key == "command_failed"
    await hass.async_block_till_done(wait_background_tasks=True)

    assert paths(seam)[-1] == "/devices/get"
    assert back_door(seam)["auto_lock_delay_seconds"] == 30
    assert float(state(hass, delay(hass))) == 30
    assert states == ["on"]


async def test_lock_relocks_itself_after_the_delay(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    clock = Clock()
    seam.state.clock = clock
    # Commands settle at once: the simulator's clock only moves when told.
    seam.state.action_settings.delay = 0
    coordinator = seam_entry.runtime_data
    lock = find_entity(hass, "lock", BACK_DOOR_ID, "lock")
    await set_delay(hass, 5)
    await turn(hass, True)

    # Locked, then unlocked at the door: the lock's 5 seconds start now.
    seam.state.update_device(BACK_DOOR_ID, {"properties": {"locked": True}})
    seam.state.update_device(BACK_DOOR_ID, {"properties": {"locked": False}})
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, lock) == "unlocked"

    clock.now += 4
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, lock) == "unlocked"

    clock.now += 2
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, lock) == "locked"


async def test_commands_to_one_locks_auto_lock_are_serialized(
    hass: HomeAssistant, seam: Simulator
) -> None:
    await asyncio.gather(turn(hass, True), set_delay(hass, 10))

    sent = paths(seam)
    first = sent.index(CONFIGURE_PATH)
    second = sent.index(CONFIGURE_PATH, first + 1)
    # The second command left only once the first was confirmed ...
    assert "/action_attempts/get" in sent[first:second]
    # ... and carried the setting the first one left: auto-lock stays on.
    assert back_door(seam)["auto_lock_enabled"] is True
    assert back_door(seam)["auto_lock_delay_seconds"] == 10
    assert state(hass, switch(hass)) == "on"
    assert float(state(hass, delay(hass))) == 10


async def test_rate_limited_auto_lock_is_held_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seam: Simulator
) -> None:
    seam.state.action_settings.delay = 0
    seam.fault(
        service="seam",
        path=CONFIGURE_PATH,
        status=429,
        headers={"Retry-After": "30"},
        body='{"error": {"type": "rate_limited", "message": "slow down"}, "ok": false}',
    )
    with pytest.raises(HomeAssistantError) as caught:
        await turn(hass, True)
    assert caught.value.translation_key == "command_rate_limited"
    # The next command, from the delay too, is refused without being sent.
    with pytest.raises(HomeAssistantError) as refused:
        await set_delay(hass, 15)
    assert refused.value.translation_key == "command_rate_limited"
    assert refused.value.translation_placeholders["seconds"] in {"29", "30"}
    assert configured(seam) == 1
    assert state(hass, switch(hass)) == "off"

    freezer.tick(31)
    await turn(hass, True)
    assert configured(seam) == 2
    assert state(hass, switch(hass)) == "on"


async def test_lock_gone_before_the_command(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    toggle = hass.data[SWITCH_DOMAIN].get_entity(switch(hass))
    number = hass.data[NUMBER_DOMAIN].get_entity(delay(hass))
    assert isinstance(toggle, SeamAutoLockSwitch)
    assert isinstance(number, SeamAutoLockDelay)
    coordinator = seam_entry.runtime_data
    coordinator.async_set_updated_data(coordinator.data.without_device(BACK_DOOR_ID))
    await hass.async_block_till_done()
    assert toggle.is_on is None
    assert number.native_value is None
    # Home Assistant skips unavailable entities, so only a command already on its way meets
    # a lock that has just gone; call the entities as such a command would.
    with pytest.raises(HomeAssistantError) as caught:
        await toggle.async_turn_on()
    assert caught.value.translation_key == "device_unavailable"
    with pytest.raises(HomeAssistantError) as caught:
        await number.async_set_native_value(10)
    assert caught.value.translation_key == "device_unavailable"
    assert configured(seam) == 0


async def test_auto_lock_state_no_longer_reported(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    number = hass.data[NUMBER_DOMAIN].get_entity(delay(hass))
    assert isinstance(number, SeamAutoLockDelay)
    seam.state.update_device(BACK_DOOR_ID, {"properties": {"auto_lock_enabled": None}})
    await seam_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, switch(hass)) == "unknown"
    # The delay cannot be sent without the setting Seam asks for with it.
    assert state(hass, delay(hass)) == "unavailable"
    with pytest.raises(HomeAssistantError) as caught:
        await number.async_set_native_value(10)
    assert caught.value.translation_key == "device_unavailable"
    assert configured(seam) == 0

    # Turning auto-lock on needs no earlier setting, and makes the delay settable again.
    await turn(hass, True)
    assert state(hass, switch(hass)) == "on"
    assert float(state(hass, delay(hass))) == 30
    await set_delay(hass, 9)
    assert back_door(seam)["auto_lock_delay_seconds"] == 9
    assert back_door(seam)["auto_lock_enabled"] is True
