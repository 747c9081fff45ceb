"""Change-only state writes: a quiet poll writes nothing, one change writes one state."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import Simulator, find_entity, setup, state_writes

LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
BACK_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"


async def refresh_all(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    for entry in entries:
        await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_identical_poll_writes_nothing(
    hass: HomeAssistant, parqex_entry: MockConfigEntry, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    written = state_writes(hass)
    shown = [entry.runtime_data.data for entry in (parqex_entry, seam_entry)]
    await refresh_all(hass, parqex_entry, seam_entry)
    assert written == []
    # An equal answer leaves the data already shown in place, so no listener hears of it.
    assert parqex_entry.runtime_data.data is shown[0]
    assert seam_entry.runtime_data.data is shown[1]


async def test_one_door_change_writes_that_door_only(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
) -> None:
    await setup(hass, parqex_entry)
    written = state_writes(hass)
    # A door closes; its last-toggled time is kept, so only the door's entities change: the
    # cover, and Left open (it had been open since 2020).
    simulator.state.update_door(
        LAST_DOOR, {"state": "CLOSED", "last_toggled": "2020-08-21 02:33:37"}
    )
    await refresh_all(hass, parqex_entry, seam_entry)
    assert sorted(written) == sorted(
        [
            find_entity(hass, "cover", LAST_DOOR, "cover"),
            find_entity(hass, "binary_sensor", LAST_DOOR, "left_open"),
        ]
    )


async def test_one_lock_change_writes_that_lock_only(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
) -> None:
    await setup(hass, parqex_entry)
    written = state_writes(hass)
    simulator.state.update_device(BACK_ID, {"properties": {"locked": True}})
    await refresh_all(hass, parqex_entry, seam_entry)
    assert written == [find_entity(hass, "lock", BACK_ID, "lock")]


async def test_a_moved_door_writes_its_position_and_its_time(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    written = state_writes(hass)
    simulator.state.update_door(LAST_DOOR, {"state": "CLOSED"})
    await refresh_all(hass, parqex_entry)
    assert sorted(written) == sorted(
        [
            find_entity(hass, "cover", LAST_DOOR, "cover"),
            find_entity(hass, "sensor", LAST_DOOR, "last_toggled"),
            find_entity(hass, "binary_sensor", LAST_DOOR, "left_open"),
        ]
    )
