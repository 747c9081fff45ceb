"""Seam thermostats: the climate fields of a device, read in the scale the device reports.

Seam gives every temperature twice, as `..._celsius` and `..._fahrenheit`. A thermostat is read
in Celsius unless it reports its room temperature only in Fahrenheit; commands are sent in the
same scale, so a value the user picked is never rounded through the other one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from ..decoding import Identifier, Model

if TYPE_CHECKING:
    from .models import SeamDevice

type TemperatureScale = Literal["celsius", "fahrenheit"]

CELSIUS: Final = "celsius"
FAHRENHEIT: Final = "fahrenheit"
HVAC_OFF: Final = "off"
HVAC_HEAT: Final = "heat"
HVAC_COOL: Final = "cool"
HVAC_HEAT_COOL: Final = "heat_cool"
HVAC_ECO: Final = "eco"


def to_fahrenheit(celsius: float) -> float:
    """A Celsius reading in Fahrenheit, to the tenth Seam reports."""
    return round(celsius * 9 / 5 + 32, 1)


def to_celsius(fahrenheit: float) -> float:
    """A Fahrenheit reading in Celsius, to the tenth Seam reports."""
    return round((fahrenheit - 32) * 5 / 9, 1)


class SeamClimateSetting(Model, frozen=True):
    """`current_climate_setting`: the mode, set points and fan the thermostat keeps to."""

    hvac_mode_setting: str | None = None
    fan_mode_setting: str | None = None
    heating_set_point_celsius: float | None = None
    heating_set_point_fahrenheit: float | None = None
    cooling_set_point_celsius: float | None = None
    cooling_set_point_fahrenheit: float | None = None
    climate_preset_key: str | None = None


class SeamClimatePreset(Model, frozen=True):
    """An entry of `available_climate_presets`: a named setting the user saved."""

    climate_preset_key: Identifier
    display_name: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        """What the user calls the preset: its display name, else its name, else its key."""
        for candidate in (self.display_name, self.name):
            if candidate and candidate.strip():
                return candidate.strip()
        return self.climate_preset_key


NO_CLIMATE_SETTING: Final = SeamClimateSetting()


def set_point_changes(
    scale: TemperatureScale, heating: float | None, cooling: float | None
) -> dict[str, float]:
    """The `SeamClimateSetting` fields for set points given in `scale`, in both scales."""
    changes: dict[str, float] = {}
    for kind, value in (("heating", heating), ("cooling", cooling)):
        if value is None:
            continue
        if scale == CELSIUS:
            changes[f"{kind}_set_point_celsius"] = value
            changes[f"{kind}_set_point_fahrenheit"] = to_fahrenheit(value)
        else:
            changes[f"{kind}_set_point_fahrenheit"] = value
            changes[f"{kind}_set_point_celsius"] = to_celsius(value)
    return changes


class SeamThermostat:
    """A thermostat's climate fields, each in the scale the thermostat is read in."""

    __slots__ = ("_device", "_properties", "_setting", "scale")

    def __init__(self, device: SeamDevice) -> None:
        """Read `device`, which has Seam's `thermostat` capability."""
        self._device = device
        properties = self._properties = device.properties
        self._setting = properties.current_climate_setting or NO_CLIMATE_SETTING
        only_fahrenheit = (
            properties.temperature_celsius is None and properties.temperature_fahrenheit is not None
        )
        self.scale: TemperatureScale = FAHRENHEIT if only_fahrenheit else CELSIUS

    def _in_scale(self, celsius: float | None, fahrenheit: float | None) -> float | None:
        return celsius if self.scale == CELSIUS else fahrenheit

    @property
    def temperature(self) -> float | None:
        """The room temperature."""
        properties = self._properties
        return self._in_scale(properties.temperature_celsius, properties.temperature_fahrenheit)

    @property
    def humidity(self) -> float | None:
        """The relative humidity in percent (Seam reports 0..1)."""
        humidity = self._properties.relative_humidity
        return None if humidity is None else round(min(max(humidity, 0.0), 1.0) * 100, 1)

    @property
    def hvac_mode(self) -> str | None:
        """The mode setting: off, heat, cool, heat_cool or eco."""
        return self._setting.hvac_mode_setting

    @property
    def fan_mode(self) -> str | None:
        """The fan setting: auto, on or circulate."""
        return self._setting.fan_mode_setting

    @property
    def heating_set_point(self) -> float | None:
        """The temperature the thermostat heats to."""
        setting = self._setting
        return self._in_scale(
            setting.heating_set_point_celsius, setting.heating_set_point_fahrenheit
        )

    @property
    def cooling_set_point(self) -> float | None:
        """The temperature the thermostat cools to."""
        setting = self._setting
        return self._in_scale(
            setting.cooling_set_point_celsius, setting.cooling_set_point_fahrenheit
        )

    @property
    def hvac_modes(self) -> tuple[str, ...]:
        """The modes the thermostat offers; from its capability flags when it lists none."""
        listed = self._properties.available_hvac_mode_settings
        if listed is not None:
            return listed
        device = self._device
        flags = (
            (HVAC_OFF, device.reported_can_turn_off_hvac),
            (HVAC_HEAT, device.reported_can_hvac_heat),
            (HVAC_COOL, device.reported_can_hvac_cool),
            (HVAC_HEAT_COOL, device.reported_can_hvac_heat_cool),
        )
        return tuple(mode for mode, able in flags if able)

    @property
    def fan_modes(self) -> tuple[str, ...]:
        """The fan settings the thermostat offers."""
        return self._properties.available_fan_mode_settings or ()

    @property
    def presets(self) -> tuple[SeamClimatePreset, ...]:
        """The climate presets saved on the thermostat."""
        return self._properties.available_climate_presets or ()

    @property
    def preset_key(self) -> str | None:
        """The key of the climate preset in use, if any."""
        return self._setting.climate_preset_key

    @property
    def heating_limits(self) -> tuple[float | None, float | None]:
        """The lowest and highest heating set point the thermostat accepts."""
        p = self._properties
        return (
            self._in_scale(p.min_heating_set_point_celsius, p.min_heating_set_point_fahrenheit),
            self._in_scale(p.max_heating_set_point_celsius, p.max_heating_set_point_fahrenheit),
        )

    @property
    def cooling_limits(self) -> tuple[float | None, float | None]:
        """The lowest and highest cooling set point the thermostat accepts."""
        p = self._properties
        return (
            self._in_scale(p.min_cooling_set_point_celsius, p.min_cooling_set_point_fahrenheit),
            self._in_scale(p.max_cooling_set_point_celsius, p.max_cooling_set_point_fahrenheit),
        )

    @property
    def min_delta(self) -> float | None:
        """How far apart heating and cooling set points must be at least."""
        p = self._properties
        return self._in_scale(
            p.min_heating_cooling_delta_celsius, p.min_heating_cooling_delta_fahrenheit
        )

    @property
    def is_heating(self) -> bool:
        """Whether the thermostat is heating now."""
        return self._properties.is_heating is True

    @property
    def is_cooling(self) -> bool:
        """Whether the thermostat is cooling now."""
        return self._properties.is_cooling is True

    @property
    def is_fan_running(self) -> bool:
        """Whether the fan runs now."""
        return self._properties.is_fan_running is True
