"""Snapshots of every platform's states, registry entries and devices from the seed data."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import PropertyMock, patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.parqex import PLATFORMS_BY_SERVICE
from custom_components.parqex.devices import firmware_version
from tests.conftest import setup


@pytest.fixture(autouse=True)
def all_entities_enabled() -> Iterator[None]:
    """Snapshot the entities that are disabled by default too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        PropertyMock(return_value=True),
    ):
        yield


@pytest.mark.parametrize(
    ("service", "platform"),
    [
        ("parqex", Platform.BINARY_SENSOR),
        ("parqex", Platform.COVER),
        ("parqex", Platform.EVENT),
        ("parqex", Platform.SENSOR),
        ("seam", Platform.BINARY_SENSOR),
        ("seam", Platform.CLIMATE),
        ("seam", Platform.EVENT),
        ("seam", Platform.LOCK),
        ("seam", Platform.NUMBER),
        ("seam", Platform.SENSOR),
        ("seam", Platform.SWITCH),
    ],
)
async def test_entities(
    hass: HomeAssistant,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    service: str,
    platform: Platform,
) -> None:
    with patch.dict(PLATFORMS_BY_SERVICE, {"parqex": [platform], "seam": [platform]}):
        await setup(hass, parqex_entry)
    entry = seam_entry if service == "seam" else parqex_entry
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_devices(
    hass: HomeAssistant,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await setup(hass, parqex_entry)
    for entry in (parqex_entry, seam_entry):
        devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        for device in sorted(devices, key=lambda device: sorted(device.identifiers)):
            ((_, identifier),) = device.identifiers
            via = device_registry.async_get(device.via_device_id) if device.via_device_id else None
            assert {
                "device": device,
                "via": sorted(via.identifiers) if via else None,
            } == snapshot(name=identifier)


@pytest.mark.parametrize(
    ("reported", "shown"),
    [("0", None), ("", None), (" 0 ", None), (None, None), ("2.1.7", "2.1.7"), (" 3.0 ", "3.0")],
)
def test_firmware_version_means_something(reported: str | None, shown: str | None) -> None:
    assert firmware_version(reported) == shown
