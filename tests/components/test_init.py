"""Setting entries up and down, and what happens when the service fails or changes."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.parqex.const import CONF_API_KEY, CONF_URL, DOMAIN
from tests.conftest import Simulator, find_device, find_entity, has_device, poll, setup

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
FIRST_CONTROLLER = "9d9e5e0e093a06d5f16e1116d108d0c7"
FRONT_DOOR = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_DOOR = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
GARAGE_SIDE_DOOR = "e9f0a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a04"
SECOND_CONTROLLER = "35ff0e08ac8eb84ca097a894541ba049"
SHED = "11111111-2222-4333-8444-555555555555"


async def test_setup_and_unload(
    hass: HomeAssistant, parqex_entry: MockConfigEntry, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, parqex_entry)
    assert parqex_entry.state is ConfigEntryState.LOADED
    assert seam_entry.state is ConfigEntryState.LOADED
    kitty = find_entity(hass, "cover", KITTY, "cover")
    front_door = find_entity(hass, "lock", FRONT_DOOR, "lock")
    assert hass.states.get(kitty).state == "open"
    assert hass.states.get(front_door).state == "locked"

    assert await hass.config_entries.async_unload(parqex_entry.entry_id)
    await hass.async_block_till_done()
    assert parqex_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(kitty).state == STATE_UNAVAILABLE
    # The other service's entry is untouched.
    assert hass.states.get(front_door).state == "locked"


@pytest.mark.parametrize("fault", [{"status": 503}, {"mode": "not_json"}, {"status": 429}])
async def test_service_down_at_setup_retries(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    fault: dict[str, object],
) -> None:
    simulator.fault(service="parqex", **fault)
    await hass.config_entries.async_setup(parqex_entry.entry_id)
    assert parqex_entry.state is ConfigEntryState.SETUP_RETRY


async def test_refused_credentials_at_setup_start_reauth(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    simulator.state.seam_api_key = "seam_rotated"
    await hass.config_entries.async_setup(seam_entry.entry_id)
    assert seam_entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["context"]["entry_id"] == seam_entry.entry_id


async def test_stored_insecure_url_is_an_error(
    hass: HomeAssistant, parqex_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        parqex_entry, data={**parqex_entry.data, CONF_URL: "http://parqex.example"}
    )
    await hass.config_entries.async_setup(parqex_entry.entry_id)
    assert parqex_entry.state is ConfigEntryState.SETUP_ERROR
    assert "Reconfigure the entry" in (parqex_entry.reason or "")


async def test_unavailable_then_back_logs_once(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup(hass, parqex_entry)
    kitty = find_entity(hass, "cover", KITTY, "cover")
    caplog.set_level(logging.INFO, logger="custom_components.parqex")
    caplog.clear()
    simulator.fault(service="parqex", status=503, count=3)

    await poll(hass, freezer, 30)
    assert hass.states.get(kitty).state == STATE_UNAVAILABLE
    await poll(hass, freezer, 60)
    await poll(hass, freezer, 120)
    assert simulator.state.faults == []
    await poll(hass, freezer, 240)

    assert hass.states.get(kitty).state == "open"
    ours = [r for r in caplog.records if r.name.startswith("custom_components.parqex")]
    assert [(r.levelno, r.getMessage().split(":")[0]) for r in ours] == [
        (logging.INFO, "ParqEx (Pat Garage) is unavailable"),
        (logging.INFO, "Fetching ParqEx (Pat Garage) data recovered"),
    ]
    assert all(r.exc_info is None for r in ours)


async def test_backoff_while_the_service_fails(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, parqex_entry)
    coordinator = parqex_entry.runtime_data
    simulator.fault(service="parqex", status=500, count=100)
    intervals = []
    for _ in range(6):
        await poll(hass, freezer, coordinator.update_interval.total_seconds())
        intervals.append(coordinator.update_interval.total_seconds())
    assert intervals == [60, 120, 240, 300, 300, 300]
    simulator.state.faults.clear()
    await poll(hass, freezer, 300)
    assert coordinator.update_interval.total_seconds() == 30


async def test_retry_after_postpones_the_next_poll(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, seam_entry)
    coordinator = seam_entry.runtime_data
    simulator.fault(service="seam", status=429, headers={"Retry-After": "600"})
    await poll(hass, freezer, 60)
    assert coordinator.update_interval == timedelta(seconds=600)
    before = simulator.requests_to("seam")
    await poll(hass, freezer, 597)
    assert simulator.requests_to("seam") == before
    await poll(hass, freezer, 2)
    assert simulator.requests_to("seam") == before + 1
    assert hass.states.get(find_entity(hass, "lock", FRONT_DOOR, "lock")).state == "locked"


async def test_credentials_refused_while_running_start_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, parqex_entry)
    simulator.state.parqex_token = "rotated"
    await poll(hass, freezer, 30)
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert hass.states.get(find_entity(hass, "cover", KITTY, "cover")).state == (STATE_UNAVAILABLE)


async def test_new_devices_appear_without_reload(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
) -> None:
    await setup(hass, parqex_entry)
    simulator.state.add_door(
        FIRST_CONTROLLER,
        {
            "id": "newdoor",
            "name": "Workshop",
            "state": "CLOSED",
            "active": True,
            "bluetooth_sensor": True,
            "bluetooth_sensor_battery_level": 77,
        },
    )
    simulator.state.add_device(
        {
            "device_id": SHED,
            "display_name": "Shed",
            "properties": {"online": True, "locked": False, "battery_level": 0.5},
            "capabilities_supported": ["lock"],
            "can_remotely_lock": True,
            "can_remotely_unlock": True,
        }
    )
    await poll(hass, freezer, 60)

    assert hass.states.get(find_entity(hass, "cover", "newdoor", "cover")).state == "closed"
    assert hass.states.get(find_entity(hass, "sensor", "newdoor", "sensor_battery")).state == "77"
    assert hass.states.get(find_entity(hass, "lock", SHED, "lock")).state == "unlocked"
    assert hass.states.get(find_entity(hass, "sensor", SHED, "battery")).state == "50"
    door = find_device(hass, parqex_entry, "newdoor")
    assert door.via_device_id == find_device(hass, parqex_entry, FIRST_CONTROLLER).id


async def test_removed_devices_leave_the_registry(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    await setup(hass, parqex_entry)
    find_device(hass, parqex_entry, f"{LAST_DOOR}_sensor")
    last_door = find_entity(hass, "cover", LAST_DOOR, "cover")
    front_door = find_entity(hass, "lock", FRONT_DOOR, "lock")
    kitty = find_entity(hass, "cover", KITTY, "cover")
    simulator.state.remove_controller(SECOND_CONTROLLER)
    simulator.state.remove_device(FRONT_DOOR)
    await poll(hass, freezer, 60)

    for identifier in (SECOND_CONTROLLER, LAST_DOOR, f"{LAST_DOOR}_sensor", FRONT_DOOR):
        for entry in (parqex_entry, seam_entry):
            assert not has_device(hass, entry, identifier)
    assert hass.states.get(last_door) is None
    assert entity_registry.async_get(front_door) is None
    assert hass.states.get(kitty).state == "open"

    # A device that comes back gets its entities again.
    simulator.state.reset()
    await poll(hass, freezer, 60)
    assert hass.states.get(find_entity(hass, "cover", LAST_DOOR, "cover")).state == "open"
    assert hass.states.get(find_entity(hass, "lock", FRONT_DOOR, "lock")).state == "locked"


async def test_malformed_device_is_unavailable_not_removed(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, seam_entry)
    front_door = find_entity(hass, "lock", FRONT_DOOR, "lock")
    back_door = find_entity(hass, "lock", BACK_DOOR, "lock")
    simulator.state.update_device(FRONT_DOOR, {"properties": {"locked": "maybe"}})
    simulator.state.update_device(BACK_DOOR, {"properties": {"locked": True}})
    await poll(hass, freezer, 60)

    assert hass.states.get(front_door).state == STATE_UNAVAILABLE
    assert hass.states.get(back_door).state == "locked"
    assert has_device(hass, seam_entry, FRONT_DOOR)

    simulator.state.update_device(FRONT_DOOR, {"properties": {"locked": False}})
    await poll(hass, freezer, 60)
    assert hass.states.get(front_door).state == "unlocked"


async def test_inactive_door_and_offline_device_are_unavailable(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, parqex_entry)
    garage_side_door = find_entity(hass, "lock", GARAGE_SIDE_DOOR, "lock")
    assert hass.states.get(garage_side_door).state == STATE_UNAVAILABLE
    # Connectivity stays readable: it is what says the device is offline.
    connection = find_entity(hass, "binary_sensor", GARAGE_SIDE_DOOR, "online")
    assert hass.states.get(connection).state == "off"
    simulator.state.update_door(KITTY, {"active": False})
    await poll(hass, freezer, 60)
    assert hass.states.get(find_entity(hass, "cover", KITTY, "cover")).state == (STATE_UNAVAILABLE)
    assert hass.states.get(find_entity(hass, "cover", LAST_DOOR, "cover")).state == "open"


async def test_manual_device_removal(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    await setup(hass, parqex_entry)
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    kitty = find_device(hass, parqex_entry, KITTY)
    stale = device_registry.async_get_or_create(
        config_entry_id=parqex_entry.entry_id, identifiers={(DOMAIN, "gone")}
    )

    # `remove_config_entry` is deprecated (it logs so); `remove` takes the device alone.
    await client.send_json_auto_id({"type": "config/device_registry/remove", "device_id": kitty.id})
    response = await client.receive_json()
    assert not response["success"]
    assert "rejected by integration" in response["error"]["message"]
    await client.send_json_auto_id({"type": "config/device_registry/remove", "device_id": stale.id})
    assert (await client.receive_json())["success"]
    assert device_registry.async_get(stale.id) is None


async def test_unloading_an_entry_whose_setup_failed(
    hass: HomeAssistant, seam_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """A stored key that cannot be sent fails setup before the coordinator is whole."""
    hass.config_entries.async_update_entry(
        seam_entry, data={**seam_entry.data, CONF_API_KEY: "seam_two\nlines"}
    )
    await hass.config_entries.async_setup(seam_entry.entry_id)
    assert seam_entry.state is ConfigEntryState.SETUP_ERROR
    assert await hass.config_entries.async_unload(seam_entry.entry_id)
    assert await hass.config_entries.async_remove(seam_entry.entry_id)
    await hass.async_block_till_done()
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
