"""Sensors: ParqEx controller and door details, door sensor and Seam batteries, climate, noise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfSoundPressure,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .adding import EntityCandidate, Scope
from .api import CELSIUS, ParqexController, ParqexDoor, SeamDevice
from .coordinator import ParqexConfigEntry, ParqexCoordinator
from .entity import (
    ParqexControllerEntity,
    ParqexDoorEntity,
    ParqexDoorSensorEntity,
    SeamEntity,
    async_add_new_entities,
    described_entities,
)

# Entities only read the coordinator's data; updates are never requested per entity.
PARALLEL_UPDATES = 0

type SensorValue = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class ParqexSensorDescription[ObjectT](SensorEntityDescription):
    """A reading of a controller, a door (or its sensor) or a Seam device."""

    value_fn: Callable[[ObjectT], SensorValue]
    exists_fn: Callable[[ObjectT], bool] = lambda _: True
    # The unit, where it depends on the object (a thermostat's scale).
    unit_fn: Callable[[ObjectT], str] | None = None


def percent(level: float | None) -> int | None:
    """Seam's 0..1 battery level as the whole percent Home Assistant shows."""
    return None if level is None else round(level * 100)


PARQEX_CONTROLLER_SENSORS: tuple[ParqexSensorDescription[ParqexController], ...] = (
    ParqexSensorDescription(
        key="last_contact",
        translation_key="last_contact",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda controller: controller.last_contact,
    ),
    ParqexSensorDescription(
        key="open_alert_threshold",
        translation_key="open_alert_threshold",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda controller: controller.time_before_door_open_alert,
        exists_fn=lambda controller: controller.time_before_door_open_alert is not None,
    ),
    ParqexSensorDescription(
        key="doors_supported",
        translation_key="doors_supported",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda controller: controller.number_of_entities_controlled,
        exists_fn=lambda controller: controller.number_of_entities_controlled is not None,
    ),
)

PARQEX_DOOR_SENSORS: tuple[ParqexSensorDescription[ParqexDoor], ...] = (
    ParqexSensorDescription(
        key="last_toggled",
        translation_key="last_toggled",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda door: door.last_toggled,
    ),
    ParqexSensorDescription(
        key="auto_close_delay",
        translation_key="auto_close_delay",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda door: door.auto_close_delay,
        exists_fn=lambda door: door.auto_close_delay is not None,
    ),
    ParqexSensorDescription(
        key="user_relationship",
        translation_key="user_relationship",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda door: door.user_relationship,
        exists_fn=lambda door: door.user_relationship is not None,
    ),
)

PARQEX_DOOR_SENSOR_BATTERY = ParqexSensorDescription[ParqexDoor](
    key="sensor_battery",
    device_class=SensorDeviceClass.BATTERY,
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda door: door.bluetooth_sensor_battery_level,
    exists_fn=lambda door: door.bluetooth_sensor,
)


def _thermostat_temperature(device: SeamDevice) -> float | None:
    thermostat = device.thermostat
    return thermostat.temperature if thermostat else None


def _thermostat_humidity(device: SeamDevice) -> float | None:
    thermostat = device.thermostat
    return thermostat.humidity if thermostat else None


def _temperature_unit(device: SeamDevice) -> str:
    """The scale a device reports its temperature in; Home Assistant converts for the user."""
    thermostat = device.thermostat
    if thermostat is None or thermostat.scale == CELSIUS:
        return UnitOfTemperature.CELSIUS
    return UnitOfTemperature.FAHRENHEIT


SEAM_SENSORS: tuple[ParqexSensorDescription[SeamDevice], ...] = (
    ParqexSensorDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: percent(device.battery_level),
        exists_fn=lambda device: device.battery_level is not None,
    ),
    ParqexSensorDescription(
        key="keypad_battery",
        translation_key="keypad_battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: percent(device.keypad_battery_level),
        exists_fn=lambda device: device.keypad_battery_level is not None,
    ),
    ParqexSensorDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_thermostat_temperature,
        unit_fn=_temperature_unit,
        exists_fn=lambda device: _thermostat_temperature(device) is not None,
    ),
    ParqexSensorDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_thermostat_humidity,
        exists_fn=lambda device: _thermostat_humidity(device) is not None,
    ),
    # A Minut sensor reports temperature (Celsius) and humidity (percent) besides noise.
    ParqexSensorDescription(
        key="minut_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda device: device.minut_temperature,
        exists_fn=lambda device: device.is_noise_sensor and device.minut_temperature is not None,
    ),
    ParqexSensorDescription(
        key="minut_humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda device: device.minut_humidity,
        exists_fn=lambda device: device.is_noise_sensor and device.minut_humidity is not None,
    ),
    ParqexSensorDescription(
        key="noise_level",
        translation_key="noise_level",
        device_class=SensorDeviceClass.SOUND_PRESSURE,
        native_unit_of_measurement=UnitOfSoundPressure.DECIBEL,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda device: device.noise_level,
        exists_fn=lambda device: device.is_noise_sensor and device.noise_level is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every controller, door, door sensor or device, now and as they appear."""
    coordinator = entry.runtime_data

    def candidates(scope: Scope) -> Iterator[EntityCandidate]:
        if isinstance(coordinator, ParqexCoordinator):
            data = coordinator.data
            yield from described_entities(
                scope,
                data.controllers,
                PARQEX_CONTROLLER_SENSORS,
                partial(ParqexControllerSensor, coordinator),
            )
            yield from described_entities(
                scope, data.doors, PARQEX_DOOR_SENSORS, partial(ParqexDoorSensor, coordinator)
            )
            yield from described_entities(
                scope,
                data.doors,
                (PARQEX_DOOR_SENSOR_BATTERY,),
                partial(ParqexDoorSensorBattery, coordinator),
            )
        else:
            yield from described_entities(
                scope, coordinator.data.devices, SEAM_SENSORS, partial(SeamSensor, coordinator)
            )

    async_add_new_entities(entry, async_add_entities, candidates)


class ParqexControllerSensor(ParqexControllerEntity, SensorEntity):
    """A controller's last contact, open-alert threshold or door capacity."""

    entity_description: ParqexSensorDescription[ParqexController]

    @property
    def native_value(self) -> SensorValue:
        """The reading."""
        controller = self.controller
        return None if controller is None else self.entity_description.value_fn(controller)


class ParqexDoorSensor(ParqexDoorEntity, SensorEntity):
    """A door's last movement, auto-close delay or the user's role."""

    entity_description: ParqexSensorDescription[ParqexDoor]

    @property
    def native_value(self) -> SensorValue:
        """The reading."""
        door = self.door
        return None if door is None else self.entity_description.value_fn(door)


class ParqexDoorSensorBattery(ParqexDoorSensorEntity, ParqexDoorSensor):
    """The battery of a door's Bluetooth sensor, on the sensor's own device."""


class SeamSensor(SeamEntity, SensorEntity):
    """A Seam device's battery, keypad battery, temperature, humidity or noise level."""

    entity_description: ParqexSensorDescription[SeamDevice]

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The reading's unit, from the device where it depends on it."""
        unit_fn = self.entity_description.unit_fn
        device = self.device
        if unit_fn is None or device is None:
            return super().native_unit_of_measurement
        return unit_fn(device)

    @property
    def native_value(self) -> SensorValue:
        """The reading."""
        device = self.device
        return None if device is None else self.entity_description.value_fn(device)
