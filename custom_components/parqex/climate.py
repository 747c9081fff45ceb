"""Seam thermostats: modes, set points, fan and presets, each change confirmed by Seam."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    FAN_AUTO,
    FAN_ON,
    PRESET_ECO,
    ClimateEntity,
    ClimateEntityDescription,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    ATTR_TEMPERATURE,
    PRECISION_TENTHS,
    PRECISION_WHOLE,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    CELSIUS,
    HVAC_COOL,
    HVAC_ECO,
    HVAC_HEAT,
    HVAC_HEAT_COOL,
    HVAC_OFF,
    SeamActionAttempt,
    SeamDevice,
    SeamThermostat,
)
from .const import DOMAIN
from .coordinator import ParqexConfigEntry
from .entity import async_add_seam_entities
from .seam_command import SeamCommandEntity, device_unavailable

# Commands to one thermostat are serialized by the entity itself; thermostats act independently.
PARALLEL_UPDATES = 0

HVAC_MODES: Final = {
    HVAC_OFF: HVACMode.OFF,
    HVAC_HEAT: HVACMode.HEAT,
    HVAC_COOL: HVACMode.COOL,
    HVAC_HEAT_COOL: HVACMode.HEAT_COOL,
}
SEAM_HVAC_MODES: Final = {mode: seam for seam, mode in HVAC_MODES.items()}
FAN_CIRCULATE: Final = "circulate"
FAN_MODES: Final = {"auto": FAN_AUTO, "on": FAN_ON, "circulate": FAN_CIRCULATE}
SEAM_FAN_MODES: Final = {mode: seam for seam, mode in FAN_MODES.items()}
# The modes tried, in order, when the thermostat is turned on and its last mode is unknown.
TURN_ON_MODES: Final = (HVACMode.HEAT_COOL, HVACMode.HEAT, HVACMode.COOL)


@dataclass(frozen=True, kw_only=True)
class SeamClimateDescription(ClimateEntityDescription):
    """A Seam thermostat."""

    exists_fn: Callable[[SeamDevice], bool]


SEAM_THERMOSTAT = SeamClimateDescription(
    key="thermostat",
    name=None,
    translation_key="thermostat",
    exists_fn=lambda device: device.thermostat is not None,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a climate entity for every Seam thermostat, now and as they appear."""
    async_add_seam_entities(entry, async_add_entities, (SEAM_THERMOSTAT,), SeamClimate)


def preset_names(thermostat: SeamThermostat) -> dict[str, str]:
    """Each preset's key by the name shown for it; a name used twice gets its key added."""
    names: dict[str, str] = {}
    if HVAC_ECO in thermostat.hvac_modes:
        names[PRESET_ECO] = HVAC_ECO
    labels = [preset.label for preset in thermostat.presets]
    for preset, label in zip(thermostat.presets, labels, strict=True):
        name = label
        if labels.count(label) > 1 or name in names:
            name = f"{label} ({preset.climate_preset_key})"
        names.setdefault(name, preset.climate_preset_key)
    return names


def _setting(thermostat: SeamThermostat, **changes: Any) -> Callable[[SeamDevice], SeamDevice]:
    """The thermostat as a confirmed command leaves it; set points in its scale.

    Any change but a preset's own leaves no preset in use, as Seam then reports.
    """
    changes.setdefault("climate_preset_key", None)
    return partial(SeamDevice.with_climate_setting, scale=thermostat.scale, **changes)


class SeamClimate(SeamCommandEntity, ClimateEntity):
    """A thermostat reached through Seam."""

    entity_description: SeamClimateDescription
    _attr_precision = PRECISION_TENTHS
    # The mode the thermostat last ran in, for turning it on again.
    _last_on_mode: HVACMode | None = None

    @property
    def thermostat(self) -> SeamThermostat | None:
        """The thermostat's current climate fields."""
        device = self.device
        return device.thermostat if device else None

    @property
    def native_temperature_unit(self) -> str:
        """The scale the thermostat reports; Home Assistant converts for the user."""
        thermostat = self.thermostat
        if thermostat is None or thermostat.scale == CELSIUS:
            return UnitOfTemperature.CELSIUS
        return UnitOfTemperature.FAHRENHEIT

    @property
    def target_temperature_step(self) -> float:
        """Half degrees Celsius, whole degrees Fahrenheit, as thermostats' own displays do."""
        return 0.5 if self.native_temperature_unit == UnitOfTemperature.CELSIUS else PRECISION_WHOLE

    @property
    def supported_features(self) -> ClimateEntityFeature:
        """What the thermostat offers."""
        thermostat = self.thermostat
        if thermostat is None:
            return ClimateEntityFeature(0)
        modes = thermostat.hvac_modes
        features = ClimateEntityFeature(0)
        if HVAC_HEAT in modes or HVAC_COOL in modes:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE
        if HVAC_HEAT_COOL in modes:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE_RANGE
        if thermostat.fan_modes:
            features |= ClimateEntityFeature.FAN_MODE
        if preset_names(thermostat):
            features |= ClimateEntityFeature.PRESET_MODE
        if HVAC_OFF in modes and len(self.hvac_modes) > 1:
            features |= ClimateEntityFeature.TURN_OFF | ClimateEntityFeature.TURN_ON
        return features

    @property
    def native_current_temperature(self) -> float | None:
        """The room temperature."""
        thermostat = self.thermostat
        return thermostat.temperature if thermostat else None

    @property
    def current_humidity(self) -> float | None:
        """The room's relative humidity."""
        thermostat = self.thermostat
        return thermostat.humidity if thermostat else None

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """The modes the thermostat offers (Seam's `eco` is a preset here)."""
        thermostat = self.thermostat
        if thermostat is None:
            return []
        return [HVAC_MODES[mode] for mode in thermostat.hvac_modes if mode in HVAC_MODES]

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The current mode; in eco, the mode eco keeps the room in."""
        thermostat = self.thermostat
        if thermostat is None or thermostat.hvac_mode is None:
            return None
        if thermostat.hvac_mode == HVAC_ECO:
            modes = self.hvac_modes
            return next((mode for mode in TURN_ON_MODES if mode in modes), None)
        return HVAC_MODES.get(thermostat.hvac_mode)

    @property
    def hvac_action(self) -> HVACAction | None:
        """What the thermostat is doing now."""
        thermostat = self.thermostat
        if thermostat is None:
            return None
        if thermostat.hvac_mode == HVAC_OFF:
            return HVACAction.OFF
        if thermostat.is_heating:
            return HVACAction.HEATING
        if thermostat.is_cooling:
            return HVACAction.COOLING
        if thermostat.is_fan_running:
            return HVACAction.FAN
        return HVACAction.IDLE

    @property
    def _single_set_point(self) -> bool:
        """Whether the mode keeps one temperature (heat or cool) rather than a range."""
        thermostat = self.thermostat
        return thermostat is not None and thermostat.hvac_mode in (HVAC_HEAT, HVAC_COOL)

    @property
    def native_target_temperature(self) -> float | None:
        """The set point of the heat or cool mode."""
        thermostat = self.thermostat
        if thermostat is None or not self._single_set_point:
            return None
        if thermostat.hvac_mode == HVAC_HEAT:
            return thermostat.heating_set_point
        return thermostat.cooling_set_point

    @property
    def native_target_temperature_low(self) -> float | None:
        """The heating set point, while the thermostat keeps a range."""
        thermostat = self.thermostat
        if thermostat is None or thermostat.hvac_mode not in (HVAC_HEAT_COOL, HVAC_ECO):
            return None
        return thermostat.heating_set_point

    @property
    def native_target_temperature_high(self) -> float | None:
        """The cooling set point, while the thermostat keeps a range."""
        thermostat = self.thermostat
        if thermostat is None or thermostat.hvac_mode not in (HVAC_HEAT_COOL, HVAC_ECO):
            return None
        return thermostat.cooling_set_point

    # Home Assistant before 2026.11 reads the names without `native_`; later releases read the
    # native ones, and take both from one class without a deprecation warning.
    temperature_unit = native_temperature_unit
    current_temperature = native_current_temperature
    target_temperature = native_target_temperature
    target_temperature_low = native_target_temperature_low
    target_temperature_high = native_target_temperature_high

    @property
    def min_temp(self) -> float:
        """The lowest set point the current mode accepts."""
        low, _ = self._limits(self.thermostat)
        return super().min_temp if low is None else low

    @property
    def max_temp(self) -> float:
        """The highest set point the current mode accepts."""
        _, high = self._limits(self.thermostat)
        return super().max_temp if high is None else high

    @staticmethod
    def _limits(thermostat: SeamThermostat | None) -> tuple[float | None, float | None]:
        if thermostat is None:
            return None, None
        if thermostat.hvac_mode == HVAC_HEAT:
            return thermostat.heating_limits
        if thermostat.hvac_mode == HVAC_COOL:
            return thermostat.cooling_limits
        # A range: from the lowest heating to the highest cooling set point.
        return thermostat.heating_limits[0], thermostat.cooling_limits[1]

    @property
    def fan_modes(self) -> list[str] | None:
        """The fan settings the thermostat offers."""
        thermostat = self.thermostat
        if thermostat is None:
            return None
        return [FAN_MODES[mode] for mode in thermostat.fan_modes if mode in FAN_MODES]

    @property
    def fan_mode(self) -> str | None:
        """The fan setting."""
        thermostat = self.thermostat
        return FAN_MODES.get(thermostat.fan_mode or "") if thermostat else None

    @property
    def preset_modes(self) -> list[str] | None:
        """Eco, where the thermostat has it, and the climate presets saved on it, by name."""
        thermostat = self.thermostat
        return list(preset_names(thermostat)) if thermostat else None

    @property
    def preset_mode(self) -> str | None:
        """The preset in use: eco, or the climate preset the setting came from."""
        thermostat = self.thermostat
        if thermostat is None:
            return None
        if thermostat.hvac_mode == HVAC_ECO:
            return PRESET_ECO
        key = thermostat.preset_key
        return next(
            (
                name
                for name, preset_key in preset_names(thermostat).items()
                if preset_key == key and name != PRESET_ECO
            ),
            None,
        )

    def _shown(self) -> tuple[Any, ...]:
        # A thermostat's modes, presets and limits may change with its data too.
        return (*super()._shown(), self.capability_attributes)

    @callback
    def _handle_coordinator_update(self) -> None:
        mode = self.hvac_mode
        if mode not in (None, HVACMode.OFF):
            self._last_on_mode = mode
        super()._handle_coordinator_update()

    def _require_thermostat(self) -> tuple[SeamThermostat, dict[str, str]]:
        device = self._require_device()
        thermostat = device.thermostat
        if thermostat is None:
            # Seam no longer calls it a thermostat; the entity goes with the next update.
            raise device_unavailable(device.name)
        return thermostat, {"name": device.name}

    async def _async_climate_command(
        self,
        placeholders: dict[str, str],
        send: Callable[[], Awaitable[SeamActionAttempt]],
        confirmed: Callable[[SeamDevice], SeamDevice],
    ) -> None:
        """Send a command; on failure the thermostat is read again, so its real setting shows."""
        await self._async_command(
            placeholders,
            send,
            partial(self.coordinator.async_confirm, self.device_id, confirmed),
            recheck_on_failure=True,
        )

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Switch the thermostat to a mode, with the set points it keeps (Seam asks for them)."""
        thermostat, placeholders = self._require_thermostat()
        client = self.coordinator.client
        mode = SEAM_HVAC_MODES[hvac_mode]
        heating, cooling, scale = (
            thermostat.heating_set_point,
            thermostat.cooling_set_point,
            thermostat.scale,
        )
        send = {
            HVAC_OFF: partial(client.async_thermostat_off, self.device_id),
            HVAC_HEAT: partial(client.async_thermostat_heat, self.device_id, heating, scale=scale),
            HVAC_COOL: partial(client.async_thermostat_cool, self.device_id, cooling, scale=scale),
            HVAC_HEAT_COOL: partial(
                client.async_thermostat_heat_cool, self.device_id, heating, cooling, scale=scale
            ),
        }[mode]
        await self._async_climate_command(
            placeholders, send, _setting(thermostat, hvac_mode_setting=mode)
        )

    async def async_turn_on(self) -> None:
        """Run the thermostat in the mode it last ran in, else one its set points are known for."""
        thermostat, _ = self._require_thermostat()
        modes = self.hvac_modes
        if self._last_on_mode in modes:
            await self.async_set_hvac_mode(self._last_on_mode)
            return
        heating = thermostat.heating_set_point is not None
        cooling = thermostat.cooling_set_point is not None
        ready = {
            HVACMode.HEAT_COOL: heating and cooling,
            HVACMode.HEAT: heating,
            HVACMode.COOL: cooling,
        }
        candidates = [mode for mode in TURN_ON_MODES if mode in modes]
        await self.async_set_hvac_mode(
            next((mode for mode in candidates if ready[mode]), candidates[0])
        )

    async def async_turn_off(self) -> None:
        """Stop heating and cooling."""
        await self.async_set_hvac_mode(HVACMode.OFF)

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the set point of the heat or cool mode, or the range of heat_cool.

        Values the thermostat would refuse are refused here, before anything is sent.
        """
        thermostat, placeholders = self._require_thermostat()
        requested: HVACMode | None = kwargs.get(ATTR_HVAC_MODE)
        low: float | None = kwargs.get(ATTR_TARGET_TEMP_LOW)
        high: float | None = kwargs.get(ATTR_TARGET_TEMP_HIGH)
        if low is not None and high is not None:
            mode = HVAC_HEAT_COOL
        elif requested is not None:
            mode = SEAM_HVAC_MODES.get(requested, HVAC_OFF)
        else:
            mode = thermostat.hvac_mode or HVAC_OFF
        if mode not in thermostat.hvac_modes or mode in (HVAC_OFF, HVAC_ECO):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="thermostat_set_point_mode",
                translation_placeholders=placeholders,
            )
        client = self.coordinator.client
        scale = thermostat.scale
        heating: float | None = None
        cooling: float | None = None
        if mode == HVAC_HEAT_COOL:
            if low is None or high is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="thermostat_range_required",
                    translation_placeholders=placeholders,
                )
            low = self._checked(low, thermostat.heating_limits, placeholders)
            high = self._checked(high, thermostat.cooling_limits, placeholders)
            self._check_delta(thermostat, low, high, placeholders)
            send = partial(
                client.async_thermostat_heat_cool, self.device_id, low, high, scale=scale
            )
            heating, cooling = low, high
        elif mode == HVAC_HEAT:
            # Without a range Home Assistant's schema requires `temperature`.
            heating = self._checked(
                kwargs[ATTR_TEMPERATURE], thermostat.heating_limits, placeholders
            )
            send = partial(client.async_thermostat_heat, self.device_id, heating, scale=scale)
        else:
            cooling = self._checked(
                kwargs[ATTR_TEMPERATURE], thermostat.cooling_limits, placeholders
            )
            send = partial(client.async_thermostat_cool, self.device_id, cooling, scale=scale)
        await self._async_climate_command(
            placeholders,
            send,
            _setting(
                thermostat,
                hvac_mode_setting=mode,
                heating_set_point=heating,
                cooling_set_point=cooling,
            ),
        )

    def _checked(
        self,
        value: float,
        limits: tuple[float | None, float | None],
        placeholders: dict[str, str],
    ) -> float:
        """A set point rounded to a tenth, refused when outside the thermostat's limits."""
        value = round(value, 1)
        low, high = limits
        if (low is not None and value < low) or (high is not None and value > high):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="thermostat_set_point_out_of_range",
                translation_placeholders={
                    **placeholders,
                    "value": f"{value:g}",
                    "min": "-" if low is None else f"{low:g}",
                    "max": "-" if high is None else f"{high:g}",
                    "unit": self.native_temperature_unit,
                },
            )
        return value

    def _check_delta(
        self, thermostat: SeamThermostat, low: float, high: float, placeholders: dict[str, str]
    ) -> None:
        """Refuse a range narrower than the thermostat allows between heating and cooling."""
        delta = thermostat.min_delta or 0.0
        if high - low < delta:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="thermostat_range_too_narrow",
                translation_placeholders={
                    **placeholders,
                    "delta": f"{delta:g}",
                    "unit": self.native_temperature_unit,
                },
            )

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Run the fan `auto`, `on` or `circulate`."""
        thermostat, placeholders = self._require_thermostat()
        setting = SEAM_FAN_MODES[fan_mode]
        await self._async_climate_command(
            placeholders,
            partial(self.coordinator.client.async_thermostat_set_fan_mode, self.device_id, setting),
            _setting(thermostat, fan_mode_setting=setting),
        )

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Switch to eco, or apply a climate preset saved on the thermostat."""
        thermostat, placeholders = self._require_thermostat()
        client = self.coordinator.client
        key = preset_names(thermostat)[preset_mode]
        if preset_mode == PRESET_ECO:
            await self._async_climate_command(
                placeholders,
                partial(client.async_thermostat_set_hvac_mode, self.device_id, HVAC_ECO),
                _setting(
                    thermostat,
                    hvac_mode_setting=HVAC_ECO,
                ),
            )
            return
        await self._async_climate_command(
            placeholders,
            partial(client.async_thermostat_activate_climate_preset, self.device_id, key),
            _setting(thermostat, climate_preset_key=key),
        )
