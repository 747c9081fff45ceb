"""Devices two entries both list, registry identity, and entries stored by older versions."""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import (
    CONF_PUSH,
    CONF_SCAN_INTERVAL,
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
    CONF_WEBHOOK_ID,
    DOMAIN,
)
from custom_components.parqex.migration import MINOR_VERSION
from simulator.seeds import DEFAULT_USER_IDENTITY_ID
from tests.conftest import (
    Simulator,
    add_parqex_token_entry,
    add_seam_entry,
    find_device,
    find_entity,
    setup,
)

FRONT_DOOR = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_DOOR = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
GUEST_IDENTITY = "0d5f1a7e-9b8c-4e3d-a2f1-6c5b4a3d2e1f"


def entity_ids(registry: er.EntityRegistry, entry: MockConfigEntry) -> set[str]:
    return {e.entity_id for e in er.async_entries_for_config_entry(registry, entry.entry_id)}


@pytest.fixture
def guest_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """A second Seam user identity of the same workspace, shown only the front door."""
    simulator.state.user_identities[GUEST_IDENTITY] = [FRONT_DOOR]
    return add_seam_entry(hass, simulator, GUEST_IDENTITY)


async def test_lock_shared_with_two_user_identities(
    hass: HomeAssistant,
    seam_entry: MockConfigEntry,
    guest_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup(hass, seam_entry)
    assert guest_entry.state is ConfigEntryState.LOADED

    owner_lock = find_entity(hass, "lock", FRONT_DOOR, "lock", seam_entry)
    guest_lock = find_entity(hass, "lock", FRONT_DOOR, "lock", guest_entry)
    assert owner_lock != guest_lock
    assert hass.states.get(owner_lock).state == hass.states.get(guest_lock).state == "locked"
    # The guest has every entity of the lock the owner has, and nothing of the back door.
    owner_keys = {
        e.unique_id.removeprefix(f"{DEFAULT_USER_IDENTITY_ID}_")
        for e in er.async_entries_for_config_entry(entity_registry, seam_entry.entry_id)
        if FRONT_DOOR in e.unique_id
    }
    guest_keys = {
        e.unique_id.removeprefix(f"{GUEST_IDENTITY}_")
        for e in er.async_entries_for_config_entry(entity_registry, guest_entry.entry_id)
    }
    assert guest_keys == owner_keys
    assert "does not generate unique IDs" not in caplog.text

    # Home Assistant keeps a device per entry: each sees the lock under its own device.
    owner_device = find_device(hass, seam_entry, FRONT_DOOR)
    guest_device = find_device(hass, guest_entry, FRONT_DOOR)
    assert owner_device.id != guest_device.id
    assert entity_registry.async_get(guest_lock).device_id == guest_device.id

    # The guest leaving takes only the guest's entities and device.
    assert await hass.config_entries.async_remove(guest_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(owner_lock).state == "locked"
    assert device_registry.async_get(owner_device.id) is not None
    assert device_registry.async_get(guest_device.id) is None


async def test_controller_seen_by_two_parqex_accounts(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An owner's and a guest's accounts list the same controller and doors."""
    guest = add_parqex_token_entry(
        hass, simulator, title="ParqEx (guest)", unique_id="parqex_guest"
    )
    await setup(hass, parqex_entry)
    assert guest.state is ConfigEntryState.LOADED

    owner_ids = entity_ids(entity_registry, parqex_entry)
    guest_ids = entity_ids(entity_registry, guest)
    assert len(guest_ids) == len(owner_ids) > 0
    assert not owner_ids & guest_ids
    owner_door = find_entity(hass, "cover", KITTY, "cover", parqex_entry)
    guest_door = find_entity(hass, "cover", KITTY, "cover", guest)
    assert hass.states.get(owner_door).state == hass.states.get(guest_door).state == "open"
    assert "does not generate unique IDs" not in caplog.text


async def test_door_sensors_reporting_one_mac_stay_two_devices(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    mac = next(
        door["bluetooth_sensor_mac_address"]
        for controller in simulator.state.controllers.values()
        for door in controller["doors"]
        if door["id"] == LAST_DOOR
    )
    simulator.state.update_door(
        KITTY,
        {
            "bluetooth_sensor": True,
            "bluetooth_sensor_mac_address": mac,
            "bluetooth_sensor_battery_level": 55,
        },
    )
    await setup(hass, parqex_entry)

    kitty = find_device(hass, parqex_entry, f"{KITTY}_sensor")
    last = find_device(hass, parqex_entry, f"{LAST_DOOR}_sensor")
    assert kitty.id != last.id
    kitty_battery = find_entity(hass, "sensor", KITTY, "sensor_battery")
    last_battery = find_entity(hass, "sensor", LAST_DOOR, "sensor_battery")
    assert hass.states.get(kitty_battery).state != hass.states.get(last_battery).state

    # When one door loses its sensor, its device goes; the other's stays.
    simulator.state.update_door(KITTY, {"bluetooth_sensor": False})
    await parqex_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert device_registry.async_get(kitty.id) is None
    assert device_registry.async_get(last.id) is not None


async def test_entry_of_minor_version_1_is_migrated(
    hass: HomeAssistant,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unique ids gain the entry's scope with entity ids and settings kept; push state moves."""
    caplog.set_level(logging.DEBUG)
    entry = add_seam_entry(
        hass,
        simulator,
        DEFAULT_USER_IDENTITY_ID,
        options={
            CONF_SCAN_INTERVAL: 120,
            CONF_PUSH: False,
            CONF_WEBHOOK_ID: "a" * 32,
            CONF_SEAM_WEBHOOK_ID: "hook-1",
            CONF_SEAM_WEBHOOK_SECRET: "whsec_c2VjcmV0",
            CONF_SEAM_WEBHOOK_URL: "https://example.org/api/webhook/" + "a" * 32,
        },
        minor_version=1,
    )
    renamed = entity_registry.async_get_or_create(
        "lock",
        DOMAIN,
        f"{FRONT_DOOR}_lock",
        config_entry=entry,
        suggested_object_id="my_front_door",
    )
    entity_registry.async_update_entity(renamed.entity_id, name="Front (mine)")
    disabled = entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{BACK_DOOR}_battery",
        config_entry=entry,
        disabled_by=er.RegistryEntryDisabler.USER,
    )

    await setup(hass, entry)

    assert entry.minor_version == MINOR_VERSION
    assert (
        find_entity(hass, "lock", FRONT_DOOR, "lock") == renamed.entity_id == "lock.my_front_door"
    )
    assert entity_registry.async_get(renamed.entity_id).name == "Front (mine)"
    assert hass.states.get(renamed.entity_id).state == "locked"
    migrated = entity_registry.async_get(disabled.entity_id)
    assert migrated.unique_id == f"{DEFAULT_USER_IDENTITY_ID}_{BACK_DOOR}_battery"
    assert migrated.disabled_by is er.RegistryEntryDisabler.USER
    assert not [e for e in entity_registry.entities.values() if e.unique_id.startswith(FRONT_DOOR)]
    # Options keep what the user chose; what the integration manages moved to the data.
    assert dict(entry.options) == {CONF_SCAN_INTERVAL: 120, CONF_PUSH: False}
    assert entry.data[CONF_WEBHOOK_ID] == "a" * 32
    assert entry.data[CONF_SEAM_WEBHOOK_ID] == "hook-1"
    assert entry.data[CONF_SEAM_WEBHOOK_SECRET] == "whsec_c2VjcmV0"
    assert "whsec_c2VjcmV0" not in caplog.text


async def test_parqex_entry_of_minor_version_1_is_migrated(
    hass: HomeAssistant, simulator: Simulator, entity_registry: er.EntityRegistry
) -> None:
    entry = add_parqex_token_entry(
        hass, simulator, title="ParqEx", unique_id="parqex_owner", minor_version=1
    )
    old = entity_registry.async_get_or_create(
        "binary_sensor", DOMAIN, f"{KITTY}_door", config_entry=entry
    )
    # One already scoped, as a migration interrupted before the entry was saved leaves it.
    interrupted = entity_registry.async_get_or_create(
        "sensor", DOMAIN, f"{entry.entry_id}_{LAST_DOOR}_sensor_battery", config_entry=entry
    )

    await setup(hass, entry)

    assert entry.minor_version == MINOR_VERSION
    assert dict(entry.options) == {}
    assert entity_registry.async_get(old.entity_id).unique_id == f"{entry.entry_id}_{KITTY}_door"
    assert find_entity(hass, "binary_sensor", KITTY, "door") == old.entity_id
    assert find_entity(hass, "sensor", LAST_DOOR, "sensor_battery") == interrupted.entity_id


async def test_entry_of_a_newer_minor_version_loads(
    hass: HomeAssistant, seam_entry: MockConfigEntry
) -> None:
    """A downgrade within the major version keeps working: nothing newer is required."""
    hass.config_entries.async_update_entry(seam_entry, minor_version=MINOR_VERSION + 1)
    await setup(hass, seam_entry)
    assert seam_entry.state is ConfigEntryState.LOADED
    assert seam_entry.minor_version == MINOR_VERSION + 1
    assert hass.states.get(find_entity(hass, "lock", FRONT_DOOR, "lock")).state == "locked"
