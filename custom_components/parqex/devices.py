"""What Home Assistant's device registry holds for each controller, door, sensor and lock."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.helpers.device_registry import DeviceInfo

from .api import ParqexAccount, ParqexController, ParqexDoor, SeamDevice, SeamDevices
from .const import DOMAIN, MANUFACTURER_PARQEX, MANUFACTURER_SEAM


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
