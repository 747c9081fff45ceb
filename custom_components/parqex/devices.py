"""What Home Assistant's device registry holds for each controller, door, sensor and lock."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .api import ParqexAccount, ParqexController, ParqexDoor, SeamDevice, SeamDevices
from .const import DOMAIN, LOGGER, MANUFACTURER_PARQEX, MANUFACTURER_SEAM

# Devices written to or looked at in the registry (about 50 µs each) between two yields to
# the event loop, so a large account's registration never holds Home Assistant long.
REGISTRY_SLICE: Final = 100


@dataclass(frozen=True, slots=True)
class RegistryDevice:
    """A device to register, and the identifier of the device it is reached through.

    The registry links a child to its parent by the parent's registry id, which exists only
    once the parent is registered; the coordinator resolves it when it registers the child.
    """

    info: DeviceInfo
    via: str | None = None


def door_sensor_identifier(door_id: str) -> str:
    """The registry identifier of a door's Bluetooth sensor device."""
    return f"{door_id}_sensor"


def firmware_version(reported: str | None) -> str | None:
    """The controller's firmware version; ParqEx sends "0" where it has none to tell."""
    if reported is None or reported.strip() in ("", "0"):
        return None
    return reported.strip()


def controller_device(controller: ParqexController) -> RegistryDevice:
    """A ParqEx controller, named after the end of its hardware code."""
    code = controller.blackbox_code or controller.id
    return RegistryDevice(
        DeviceInfo(
            identifiers={(DOMAIN, controller.id)},
            manufacturer=MANUFACTURER_PARQEX,
            model="Controller",
            name=f"ParqEx controller {code[-4:]}",
            serial_number=controller.blackbox_code,
            sw_version=firmware_version(controller.software_version),
        )
    )


def door_device(door: ParqexDoor, controller_id: str) -> RegistryDevice:
    """A door: a device of its own, reached through its controller."""
    return RegistryDevice(
        DeviceInfo(
            identifiers={(DOMAIN, door.id)},
            manufacturer=MANUFACTURER_PARQEX,
            model="Garage door",
            name=door.name,
        ),
        via=controller_id,
    )


def door_sensor_device(door: ParqexDoor) -> RegistryDevice:
    """A door's Bluetooth sensor, so its battery is clearly the sensor's and not the door's.

    Its MAC address is not registered as a connection: the registry merges devices that share
    one, and the service may report the same address for two sensors.
    """
    return RegistryDevice(
        DeviceInfo(
            identifiers={(DOMAIN, door_sensor_identifier(door.id))},
            manufacturer=MANUFACTURER_PARQEX,
            model="Bluetooth door sensor",
            name=f"{door.name} sensor",
        ),
        via=door.id,
    )


def seam_device(device: SeamDevice) -> RegistryDevice:
    """A device shared through Seam, described by its maker's model data."""
    return RegistryDevice(
        DeviceInfo(
            identifiers={(DOMAIN, device.device_id)},
            manufacturer=device.manufacturer or MANUFACTURER_SEAM,
            model=device.model,
            model_id=device.device_type,
            name=device.name,
            serial_number=device.serial_number,
            suggested_area=device.location_name,
        )
    )


def parqex_devices(account: ParqexAccount) -> dict[str, RegistryDevice]:
    """Every device of a ParqEx account by identifier, parents before their children."""
    devices: dict[str, RegistryDevice] = {}
    for controller_id, controller in account.controllers.items():
        devices[controller_id] = controller_device(controller)
        for door in controller.doors:
            devices[door.id] = door_device(door, controller_id)
            if door.bluetooth_sensor:
                devices[door_sensor_identifier(door.id)] = door_sensor_device(door)
    return devices


def seam_devices(devices: SeamDevices) -> dict[str, RegistryDevice]:
    """Every device shared with a Seam user identity, by identifier."""
    return {device_id: seam_device(device) for device_id, device in devices.devices.items()}


class DeviceRegistrySync:
    """Keeps an entry's devices in the device registry in step with what the service lists.

    Devices are registered before any entity is added, so a door's controller exists before
    the door is linked to it. Only devices that changed are written again. Removal happens
    only on complete answers: a device that was merely malformed once keeps its entities and
    settings.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str) -> None:
        """Nothing registered by this run yet."""
        self._hass = hass
        self._entry_id = entry_id
        self._name = name
        # What was last written, by identifier; None until the first answer is registered.
        self._registered: dict[str, RegistryDevice] | None = None

    async def async_sync(
        self,
        updates: Mapping[str, RegistryDevice],
        identifiers: Collection[str],
        *,
        complete: bool,
    ) -> None:
        """Register new or changed devices and take off those gone, yielding between slices.

        `updates`: registry entries of devices that may have changed (all of an answer's, or
        only those the coordinator saw change); `identifiers`: every device the answer lists.
        """
        for _ in self._steps(updates, identifiers, complete=complete):
            await asyncio.sleep(0)

    @callback
    def async_take_off_gone(self, identifiers: Collection[str]) -> None:
        """Take off the registered devices no longer listed, at once (one device left)."""
        list(self._steps({}, identifiers, complete=True))

    def _steps(
        self,
        updates: Mapping[str, RegistryDevice],
        identifiers: Collection[str],
        *,
        complete: bool,
    ) -> Iterator[None]:
        """The work of a sync, yielding after every REGISTRY_SLICE devices."""
        registry = dr.async_get(self._hass)
        entry_id = self._entry_id
        first = self._registered is None
        registered = self._registered = self._registered or {}
        written = 0
        for identifier, wanted in updates.items():
            if registered.get(identifier) == wanted:
                continue
            info = wanted.info
            if wanted.via is not None and (
                parent := registry.async_get_device_by_identifier((DOMAIN, wanted.via), entry_id)
            ):
                info = DeviceInfo(**info, via_device_id=parent.id)
            registry.async_get_or_create(config_entry_id=entry_id, **info)
            registered[identifier] = wanted
            written += 1
            if written % REGISTRY_SLICE == 0:
                yield
        if not complete:
            # What is missing may only be malformed this time: it stays registered.
            LOGGER.debug("%s: an answer had malformed objects; they were left out", self._name)
            return
        gone = [identifier for identifier in registered if identifier not in identifiers]
        for identifier in gone:
            del registered[identifier]
        if first:
            # Devices registered before a restart may have left meanwhile: every device of
            # the entry is looked at once.
            looked_at = dr.async_entries_for_config_entry(registry, entry_id)
        else:
            looked_at = [
                device
                for identifier in gone
                if (
                    device := registry.async_get_device_by_identifier(
                        (DOMAIN, identifier), entry_id
                    )
                )
            ]
        for number, device in enumerate(looked_at, 1):
            ours = [value for domain, value in device.identifiers if domain == DOMAIN]
            if ours and not any(value in identifiers for value in ours):
                registry.async_update_device(device.id, remove_config_entry_id=entry_id)
            if number % REGISTRY_SLICE == 0:
                yield
