"""Seam's thermostats: what a command asks for, checked as Seam checks it, and how the room reacts.

A climate setting is the shape of `properties.current_climate_setting`. Every temperature is
kept in both scales; one given in a single scale gets the other by `seeds.fahrenheit` or
`seeds.celsius`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
import math
from typing import Any, Final

from .seeds import Json, celsius, fahrenheit, fahrenheit_difference

# The set points each of Seam's HVAC modes works to.
SET_POINTS: Final[dict[str, tuple[str, ...]]] = {
    "off": (),
    "heat": ("heating",),
    "cool": ("cooling",),
    "heat_cool": ("heating", "cooling"),
    "eco": (),
}
HEATING_MODES: Final = ("heat", "heat_cool")
COOLING_MODES: Final = ("cool", "heat_cool")
# What a manual adjustment changes, as `thermostat.manually_adjusted` reports it.
MANUAL_FIELDS: Final = (
    "hvac_mode_setting",
    "fan_mode_setting",
    "heating_set_point_celsius",
    "heating_set_point_fahrenheit",
    "cooling_set_point_celsius",
    "cooling_set_point_fahrenheit",
)
# What names the climate preset a setting came from; a manual change leaves the preset.
PRESET_FIELDS: Final = (
    "climate_preset_key",
    "climate_preset_mode",
    "name",
    "display_name",
    "can_edit",
    "can_delete",
    "can_use_with_thermostat_daily_programs",
    "ecobee_metadata",
)
# Sums of tenths in floating point land a hair off (21.0 + 1.5 vs 22.5): compare with slack.
_SLACK: Final = 1e-6


class InvalidInput(Exception):
    """A request Seam refuses with 400 `invalid_input`; the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ClimateChange:
    """What a thermostat command does once it succeeds.

    `setting` is merged into the current climate setting, unless `preset_key` is set: then it
    is that climate preset's setting and replaces the current one.
    """

    setting: Json
    preset_key: str | None = None


def required(body: Json, name: str) -> Any:
    """A required field of a request body."""
    value = body.get(name)
    if value is None:
        raise InvalidInput(f"{name} is required")
    return value


def scaled(body: Json, stem: str) -> tuple[float, float] | None:
    """`{stem}_celsius` or `{stem}_fahrenheit` of a body, in °C and °F; None when neither."""
    given_celsius = body.get(f"{stem}_celsius")
    given_fahrenheit = body.get(f"{stem}_fahrenheit")
    for name, value in (
        (f"{stem}_celsius", given_celsius),
        (f"{stem}_fahrenheit", given_fahrenheit),
    ):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidInput(f"{name} must be a number")
    if given_celsius is not None and given_fahrenheit is not None:
        raise InvalidInput(f"Give {stem}_celsius or {stem}_fahrenheit, not both")
    if given_celsius is not None:
        return given_celsius, fahrenheit(given_celsius)
    if given_fahrenheit is not None:
        return celsius(given_fahrenheit), given_fahrenheit
    return None


def _set_point(properties: Json, body: Json, kind: str) -> tuple[float, float]:
    """The `kind` ("heating" or "cooling") set point asked for, else the one in use; checked."""
    stem = f"{kind}_set_point"
    current = properties.get("current_climate_setting") or {}
    pair = scaled(body, stem)
    if pair is None:
        if f"{stem}_celsius" not in current:
            raise InvalidInput(
                f"{stem}_celsius or {stem}_fahrenheit is required: the thermostat has none yet"
            )
        pair = current[f"{stem}_celsius"], current[f"{stem}_fahrenheit"]
    low = properties.get(f"min_{stem}_celsius", -math.inf)
    high = properties.get(f"max_{stem}_celsius", math.inf)
    if not low - _SLACK <= pair[0] <= high + _SLACK:
        raise InvalidInput(
            f"The {kind} set point must be between {low} °C ({fahrenheit(low)} °F) and "
            f"{high} °C ({fahrenheit(high)} °F)"
        )
    return pair


def mode_change(device: Json, mode: Any, body: Json) -> ClimateChange:
    """Switch to HVAC mode `mode` with the set points it works to (from `body`, else kept).

    A set point outside the thermostat's limits, or heating and cooling set points closer than
    its minimum difference, is refused.
    """
    properties = device["properties"]
    available = properties.get("available_hvac_mode_settings", [])
    if mode not in available:
        raise InvalidInput(
            f"hvac_mode_setting must be one of this thermostat's: {', '.join(available)}"
        )
    setting: Json = {"hvac_mode_setting": mode}
    for kind in SET_POINTS.get(mode, ()):
        setting[f"{kind}_set_point_celsius"], setting[f"{kind}_set_point_fahrenheit"] = _set_point(
            properties, body, kind
        )
    if mode == "heat_cool":
        delta = properties.get("min_heating_cooling_delta_celsius", 0.0)
        gap = setting["cooling_set_point_celsius"] - setting["heating_set_point_celsius"]
        if gap < delta - _SLACK:
            raise InvalidInput(
                f"The cooling set point must be at least {delta} °C "
                f"({fahrenheit_difference(delta)} °F) above the "
                "heating set point"
            )
    return ClimateChange(setting=setting)


def fan_change(device: Json, body: Json) -> ClimateChange:
    """Run the fan as `fan_mode_setting` (or the deprecated `fan_mode`) says."""
    if body.get("fan_mode_setting") is None and body.get("fan_mode") is not None:
        body = {"fan_mode_setting": body["fan_mode"]}
    mode = required(body, "fan_mode_setting")
    available = device["properties"].get("available_fan_mode_settings", [])
    if mode not in available:
        raise InvalidInput(
            f"fan_mode_setting must be one of this thermostat's: {', '.join(available)}"
        )
    return ClimateChange(setting={"fan_mode_setting": mode})


def preset_change(device: Json, body: Json) -> ClimateChange:
    """Apply the climate preset `climate_preset_key` names."""
    key = required(body, "climate_preset_key")
    if not isinstance(key, str):
        raise InvalidInput("climate_preset_key must be a string")
    for preset in device["properties"].get("available_climate_presets", []):
        if preset["climate_preset_key"] == key:
            return ClimateChange(setting=copy.deepcopy(preset), preset_key=key)
    raise InvalidInput(f"The thermostat has no climate preset {key!r}")


def adjusted(setting: Json, changes: Json) -> Json:
    """A climate setting after a manual change: it no longer is the preset it may have been."""
    after = {**setting, **changes}
    if "climate_preset_key" not in changes and any(
        after.get(name) != setting.get(name) for name in MANUAL_FIELDS
    ):
        for name in PRESET_FIELDS:
            after.pop(name, None)
    return after


def manual_fields(setting: Json) -> Json:
    """The fields of a setting that `thermostat.manually_adjusted` reports."""
    return {name: setting[name] for name in MANUAL_FIELDS if name in setting}


def fill_scales(target: Json, given: Json, stem: str) -> None:
    """Give `target` the scale of `stem` that `given` left out, if it gave only one."""
    in_celsius, in_fahrenheit = f"{stem}_celsius", f"{stem}_fahrenheit"
    if in_celsius in given and in_fahrenheit not in given:
        target[in_fahrenheit] = fahrenheit(given[in_celsius])
    elif in_fahrenheit in given and in_celsius not in given:
        target[in_celsius] = celsius(given[in_fahrenheit])


def activity(properties: Json) -> dict[str, bool]:
    """`is_heating`, `is_cooling`, `is_fan_running` for the room's temperature and the setting.

    A thermostat heats while its mode heats and the room is below the heating set point (and
    cools likewise); the fan runs with either, or always when it is set `on`.
    """
    setting = properties.get("current_climate_setting") or {}
    mode = setting.get("hvac_mode_setting")
    temperature = properties.get("temperature_celsius", math.nan)
    heating = mode in HEATING_MODES and temperature < setting.get(
        "heating_set_point_celsius", -math.inf
    )
    cooling = mode in COOLING_MODES and temperature > setting.get(
        "cooling_set_point_celsius", math.inf
    )
    return {
        "is_heating": heating,
        "is_cooling": cooling,
        "is_fan_running": heating or cooling or setting.get("fan_mode_setting") == "on",
    }


def reached_set_point(before: Json, after: Json) -> str | None:
    """Which set point ("heating" or "cooling") the room just reached; None if none.

    The room reaches one when the thermostat was working towards it and no longer needs to.
    """
    was, now = activity(before), activity(after)
    mode = (after.get("current_climate_setting") or {}).get("hvac_mode_setting")
    if was["is_heating"] and not now["is_heating"] and mode in HEATING_MODES:
        return "heating"
    if was["is_cooling"] and not now["is_cooling"] and mode in COOLING_MODES:
        return "cooling"
    return None
