"""Seam's payloads: the devices shared with a user identity, and action attempts."""

from __future__ import annotations

from typing import Any, Final, Self

import msgspec
from msgspec import field

from ..decoding import Identifier, Model, convert, decode, decode_any, decode_whole
from ..errors import InvalidResponseError
from .thermostat import (
    NO_CLIMATE_SETTING,
    SeamClimatePreset,
    SeamClimateSetting,
    SeamThermostat,
    TemperatureScale,
    set_point_changes,
    to_celsius,
    to_fahrenheit,
)

CAPABILITY_THERMOSTAT: Final = "thermostat"
CAPABILITY_NOISE_DETECTION: Final = "noise_detection"


def _level(value: float | None) -> float | None:
    """A 0..1 battery level; values out of range are clamped, not trusted blindly."""
    return None if value is None else min(max(value, 0.0), 1.0)


class SeamDeviceError(Model, frozen=True):
    """An entry of a Seam device's `errors` list."""

    code: Identifier = field(name="error_code")
    message: str | None = None


class SeamDeviceWarning(Model, frozen=True):
    """An entry of a Seam device's `warnings` list."""

    code: Identifier = field(name="warning_code")
    message: str | None = None


class SeamBattery(Model, frozen=True):
    """`properties.battery`: Seam's level (0..1) and its word for it."""

    level: float | None = None
    status: str | None = None


class SeamBatteryLevel(Model, frozen=True):
    """A keypad's battery: only a level."""

    level: float | None = None


class SeamKeypad(Model, frozen=True):
    """`properties.accessory_keypad`: a keypad paired with the lock."""

    battery: SeamBatteryLevel | None = None


class SeamDeviceModel(Model, frozen=True):
    """`properties.model`: what the maker calls the device."""

    display_name: str | None = None
    manufacturer_display_name: str | None = None


class SeamSensorValue(Model, frozen=True):
    """One of a Minut sensor's latest readings."""

    value: float | None = None


class SeamMinutReadings(Model, frozen=True):
    """`minut_metadata.latest_sensor_values`: a Minut sensor's climate readings."""

    temperature: SeamSensorValue | None = None
    humidity: SeamSensorValue | None = None


class SeamMinutMetadata(Model, frozen=True):
    """`minut_metadata`: what Minut itself reports about the sensor."""

    latest_sensor_values: SeamMinutReadings | None = None


class SeamCodeConstraint(Model, frozen=True):
    """An entry of `code_constraints`: a rule the lock's keypad codes or their names follow."""

    constraint_type: str | None = None
    min_length: float | None = None
    max_length: float | None = None


class SeamDeviceProperties(Model, frozen=True):
    """`properties`: the device's readings and facts."""

    online: bool | None = None
    locked: bool | None = None
    door_open: bool | None = None
    battery_level: float | None = None
    battery: SeamBattery | None = None
    keypad_battery: SeamBatteryLevel | None = None
    accessory_keypad: SeamKeypad | None = None
    model: SeamDeviceModel | None = None
    manufacturer: str | None = None
    serial_number: str | None = None
    image_url: str | None = None
    # Thermostats
    temperature_celsius: float | None = None
    temperature_fahrenheit: float | None = None
    relative_humidity: float | None = None
    current_climate_setting: SeamClimateSetting | None = None
    available_hvac_mode_settings: tuple[str, ...] | None = None
    available_fan_mode_settings: tuple[str, ...] | None = None
    available_climate_presets: tuple[SeamClimatePreset, ...] | None = None
    min_heating_set_point_celsius: float | None = None
    min_heating_set_point_fahrenheit: float | None = None
    max_heating_set_point_celsius: float | None = None
    max_heating_set_point_fahrenheit: float | None = None
    min_cooling_set_point_celsius: float | None = None
    min_cooling_set_point_fahrenheit: float | None = None
    max_cooling_set_point_celsius: float | None = None
    max_cooling_set_point_fahrenheit: float | None = None
    min_heating_cooling_delta_celsius: float | None = None
    min_heating_cooling_delta_fahrenheit: float | None = None
    is_heating: bool | None = None
    is_cooling: bool | None = None
    is_fan_running: bool | None = None
    # Keypad codes and auto-lock
    supported_code_lengths: tuple[float, ...] | None = None
    code_constraints: tuple[SeamCodeConstraint, ...] | None = None
    auto_lock_enabled: bool | None = None
    auto_lock_delay_seconds: float | None = None
    # Noise sensors
    noise_level_decibels: float | None = None
    currently_triggering_noise_threshold_ids: tuple[str, ...] | None = None
    minut_metadata: SeamMinutMetadata | None = None


class SeamLocation(Model, frozen=True):
    """`location`: where the device is, when someone said."""

    location_name: str | None = None


_NO_PROPERTIES: Final = SeamDeviceProperties()
_NO_BATTERY: Final = SeamBattery()
_NO_MINUT_READINGS: Final = SeamMinutReadings()


class SeamDevice(Model, frozen=True):
    """A device shared with a Seam user identity."""

    device_id: Identifier
    device_type: str | None = None
    display_name: str | None = None
    nickname: str | None = None
    reported_properties: SeamDeviceProperties | None = field(default=None, name="properties")
    location: SeamLocation | None = None
    reported_can_remotely_lock: bool | None = field(default=None, name="can_remotely_lock")
    reported_can_remotely_unlock: bool | None = field(default=None, name="can_remotely_unlock")
    reported_capabilities: tuple[str, ...] | None = field(
        default=None, name="capabilities_supported"
    )
    reported_errors: tuple[SeamDeviceError, ...] | None = field(default=None, name="errors")
    reported_warnings: tuple[SeamDeviceWarning, ...] | None = field(default=None, name="warnings")
    connected_account_id: str | None = None
    reported_can_hvac_heat: bool | None = field(default=None, name="can_hvac_heat")
    reported_can_hvac_cool: bool | None = field(default=None, name="can_hvac_cool")
    reported_can_hvac_heat_cool: bool | None = field(default=None, name="can_hvac_heat_cool")
    reported_can_turn_off_hvac: bool | None = field(default=None, name="can_turn_off_hvac")
    reported_can_program_online_access_codes: bool | None = field(
        default=None, name="can_program_online_access_codes"
    )
    reported_can_configure_auto_lock: bool | None = field(
        default=None, name="can_configure_auto_lock"
    )

    @property
    def properties(self) -> SeamDeviceProperties:
        """The device's properties; an empty set when Seam sent none."""
        return self.reported_properties or _NO_PROPERTIES

    @property
    def name(self) -> str:
        """What the user calls the device: its nickname, else Seam's display name."""
        for candidate in (self.nickname, self.display_name):
            if candidate and candidate.strip():
                return candidate.strip()
        return self.device_type or "Seam device"

    @property
    def online(self) -> bool | None:
        """Whether Seam reaches the device."""
        return self.properties.online

    @property
    def locked(self) -> bool | None:
        """Whether the lock is locked."""
        return self.properties.locked

    @property
    def door_open(self) -> bool | None:
        """Whether the door the device watches is open."""
        return self.properties.door_open

    @property
    def battery_level(self) -> float | None:
        """The battery level, 0..1: Seam's top-level reading, else the one in `battery`."""
        properties = self.properties
        if properties.battery_level is not None:
            return _level(properties.battery_level)
        return _level((properties.battery or _NO_BATTERY).level)

    @property
    def battery_status(self) -> str | None:
        """Seam's word for the battery: critical, low, good or full."""
        return (self.properties.battery or _NO_BATTERY).status

    @property
    def keypad_battery_level(self) -> float | None:
        """The battery of the keypad paired with the lock, 0..1."""
        properties = self.properties
        if properties.keypad_battery is not None and properties.keypad_battery.level is not None:
            return _level(properties.keypad_battery.level)
        keypad = properties.accessory_keypad
        return _level(keypad.battery.level) if keypad and keypad.battery else None

    @property
    def manufacturer(self) -> str | None:
        """Who made the device."""
        properties = self.properties
        model = properties.model
        return (model and model.manufacturer_display_name) or properties.manufacturer

    @property
    def model(self) -> str | None:
        """The maker's name for the model."""
        model = self.properties.model
        return model.display_name if model else None

    @property
    def serial_number(self) -> str | None:
        """The device's serial number."""
        return self.properties.serial_number

    @property
    def image_url(self) -> str | None:
        """A picture of the model."""
        return self.properties.image_url

    @property
    def location_name(self) -> str | None:
        """The name of the place the device is in."""
        return self.location.location_name if self.location else None

    @property
    def can_remotely_lock(self) -> bool:
        """Whether Seam can lock the device."""
        return self.reported_can_remotely_lock is True

    @property
    def can_remotely_unlock(self) -> bool:
        """Whether Seam can unlock the device."""
        return self.reported_can_remotely_unlock is True

    @property
    def remotely_operable(self) -> bool:
        """Whether Seam can lock or unlock the device at all."""
        return self.can_remotely_lock or self.can_remotely_unlock

    @property
    def capabilities(self) -> tuple[str, ...]:
        """What the device can do, in Seam's words (`lock`, `battery`, `thermostat`...)."""
        return self.reported_capabilities or ()

    @property
    def errors(self) -> tuple[SeamDeviceError, ...]:
        """What is wrong with the device now."""
        return self.reported_errors or ()

    @property
    def warnings(self) -> tuple[SeamDeviceWarning, ...]:
        """What may soon be wrong with the device."""
        return self.reported_warnings or ()

    @property
    def error_codes(self) -> frozenset[str]:
        """The `error_code` of every entry in the device's `errors`."""
        return frozenset(error.code for error in self.errors)

    @property
    def can_program_online_access_codes(self) -> bool:
        """Whether Seam can put keypad codes on the lock while it is online."""
        return self.reported_can_program_online_access_codes is True

    @property
    def supported_code_lengths(self) -> tuple[int, ...]:
        """The numbers of digits the lock's keypad codes may have; empty when Seam says none."""
        return tuple(int(length) for length in self.properties.supported_code_lengths or ())

    @property
    def code_constraints(self) -> frozenset[str]:
        """The kinds of rule the lock's codes follow (`no_zeros`, `cannot_start_with_12`...)."""
        return frozenset(
            constraint.constraint_type
            for constraint in self.properties.code_constraints or ()
            if constraint.constraint_type
        )

    @property
    def can_configure_auto_lock(self) -> bool:
        """Whether Seam can switch the lock's auto-lock and set its delay."""
        return self.reported_can_configure_auto_lock is True

    @property
    def auto_lock_enabled(self) -> bool | None:
        """Whether the lock locks itself again after it was unlocked."""
        return self.properties.auto_lock_enabled

    @property
    def auto_lock_delay_seconds(self) -> float | None:
        """How long after an unlock the lock locks itself again."""
        return self.properties.auto_lock_delay_seconds

    @property
    def thermostat(self) -> SeamThermostat | None:
        """The device's climate fields, when it is a thermostat."""
        return SeamThermostat(self) if CAPABILITY_THERMOSTAT in self.capabilities else None

    @property
    def is_noise_sensor(self) -> bool:
        """Whether the device listens for noise."""
        return CAPABILITY_NOISE_DETECTION in self.capabilities

    @property
    def noise_level(self) -> float | None:
        """The noise level in decibels."""
        return self.properties.noise_level_decibels

    @property
    def noise_alert(self) -> bool | None:
        """Whether any of the sensor's noise thresholds is exceeded now."""
        triggering = self.properties.currently_triggering_noise_threshold_ids
        return None if triggering is None else bool(triggering)

    @property
    def _minut_readings(self) -> SeamMinutReadings:
        metadata = self.properties.minut_metadata
        return (metadata and metadata.latest_sensor_values) or _NO_MINUT_READINGS

    @property
    def minut_temperature(self) -> float | None:
        """A Minut sensor's latest temperature, in Celsius as Minut reports it."""
        reading = self._minut_readings.temperature
        return reading.value if reading else None

    @property
    def minut_humidity(self) -> float | None:
        """A Minut sensor's latest relative humidity, in percent as Minut reports it."""
        reading = self._minut_readings.humidity
        return reading.value if reading else None

    def _with_properties(self, **changes: Any) -> Self:
        properties = msgspec.structs.replace(self.properties, **changes)
        return msgspec.structs.replace(self, reported_properties=properties)

    def with_locked(self, locked: bool) -> Self:
        """The device after it locked or unlocked."""
        return self._with_properties(locked=locked)

    def with_connection(self, online: bool, errors: tuple[SeamDeviceError, ...]) -> Self:
        """The device after Seam lost or regained it."""
        return msgspec.structs.replace(self._with_properties(online=online), reported_errors=errors)

    def with_climate_setting(
        self,
        *,
        scale: TemperatureScale,
        heating_set_point: float | None = None,
        cooling_set_point: float | None = None,
        **changes: str | None,
    ) -> Self:
        """The device after its climate setting changed.

        Set points are given in `scale` and kept in both; other fields (`hvac_mode_setting`,
        `fan_mode_setting`, `climate_preset_key`) as given.
        """
        setting = self.properties.current_climate_setting or NO_CLIMATE_SETTING
        setting = msgspec.structs.replace(
            setting, **changes, **set_point_changes(scale, heating_set_point, cooling_set_point)
        )
        return self._with_properties(current_climate_setting=setting)

    def with_temperature(self, celsius: float | None, fahrenheit: float | None) -> Self:
        """The device after a new room temperature; a scale not given is converted."""
        if celsius is None:
            if fahrenheit is None:
                return self
            celsius = to_celsius(fahrenheit)
        elif fahrenheit is None:
            fahrenheit = to_fahrenheit(celsius)
        return self._with_properties(temperature_celsius=celsius, temperature_fahrenheit=fahrenheit)

    def with_noise_level(self, decibels: float | None) -> Self:
        """The device after a new noise reading; no reading keeps the last one."""
        return self if decibels is None else self._with_properties(noise_level_decibels=decibels)

    def with_auto_lock(self, enabled: bool, delay_seconds: float | None) -> Self:
        """The device after its auto-lock was configured; no delay given keeps the one set."""
        if delay_seconds is None:
            delay_seconds = self.auto_lock_delay_seconds
        return self._with_properties(
            auto_lock_enabled=enabled, auto_lock_delay_seconds=delay_seconds
        )

    def with_noise_triggered(self, threshold_id: str | None) -> Self:
        """The device after Seam said one of its noise thresholds was exceeded."""
        triggering = self.properties.currently_triggering_noise_threshold_ids or ()
        if threshold_id is None or threshold_id in triggering:
            return self
        return self._with_properties(
            currently_triggering_noise_threshold_ids=(*triggering, threshold_id)
        )

    def with_battery(self, level: float | None, status: str | None) -> Self:
        """The device after a battery reading; a reading without level or status keeps it."""
        battery = self.properties.battery or _NO_BATTERY
        if level is None:
            level = self.battery_level
        return self._with_properties(
            battery_level=level,
            battery=SeamBattery(level=level, status=status or battery.status),
        )


class SeamDevices(Model, frozen=True):
    """The devices of one user identity, keyed by `device_id`."""

    devices: dict[str, SeamDevice]
    skipped: int

    def with_device(self, device: SeamDevice) -> Self:
        """The list with `device` in place of its earlier reading."""
        return msgspec.structs.replace(self, devices={**self.devices, device.device_id: device})

    def without_device(self, device_id: str) -> Self:
        """The list without a device that is no longer shared."""
        devices = {key: device for key, device in self.devices.items() if key != device_id}
        return msgspec.structs.replace(self, devices=devices)


class _SeamDeviceList(Model, frozen=True):
    # `devices` is the current key; `accessible_devices` is its deprecated twin, sent beside it
    # (and alone in older answers). The twin is kept as bytes and decoded only when needed.
    devices: list[SeamDevice] | None = None
    accessible_devices: msgspec.Raw = field(default_factory=msgspec.Raw)


_SEAM_DEVICE_LIST: Final = msgspec.json.Decoder(_SeamDeviceList)
_SEAM_LEGACY_LIST: Final = msgspec.json.Decoder(list[SeamDevice])


def _seam_devices(listed: list[SeamDevice], skipped: int) -> SeamDevices:
    """Keep the first listing of every device; count the others as skipped."""
    devices: dict[str, SeamDevice] = {}
    for device in listed:
        if device.device_id in devices:
            skipped += 1
        else:
            devices[device.device_id] = device
    return SeamDevices(devices=devices, skipped=skipped)


def parse_seam_devices(body: bytes) -> SeamDevices:
    """Build `SeamDevices` from a `list_accessible_devices` body."""
    answer = decode_whole(body, _SEAM_DEVICE_LIST, "Seam answer")
    if answer is not None:
        listed = answer.devices
        if listed is None and answer.accessible_devices:
            listed = decode_whole(answer.accessible_devices, _SEAM_LEGACY_LIST, "Seam answer")
        if listed is not None:
            return _seam_devices(listed, 0)
    # Not decodable whole: taken apart device by device, so one bad device costs only itself.
    payload = decode_any(body, "Seam answer")
    if type(payload) is not dict:
        raise InvalidResponseError("Seam answer is not a JSON object")
    raw_devices = payload.get("devices")
    if raw_devices is None:
        raw_devices = payload.get("accessible_devices")
    if type(raw_devices) is not list:
        raise InvalidResponseError("Seam answer has no list of devices")
    converted = [convert(raw, SeamDevice) for raw in raw_devices]
    devices = [device for device in converted if device is not None]
    return _seam_devices(devices, len(converted) - len(devices))


class _SeamDeviceAnswer(Model, frozen=True):
    device: SeamDevice


_SEAM_DEVICE_ANSWER: Final = msgspec.json.Decoder(_SeamDeviceAnswer)


def parse_seam_device(body: bytes) -> SeamDevice:
    """Build a `SeamDevice` from a `/devices/get` body."""
    return decode(body, _SEAM_DEVICE_ANSWER, "Seam device").device


class SeamActionResult(Model, frozen=True):
    """`action_attempt.result` of a finished command."""

    was_confirmed_by_device: bool | None = None


class SeamActionFailure(Model, frozen=True):
    """`action_attempt.error` of a failed command."""

    type: str | None = None
    message: str | None = None


class SeamActionAttempt(Model, frozen=True):
    """A Seam action attempt: the service's record of one lock or unlock command."""

    action_attempt_id: Identifier
    status: Identifier
    action_type: str | None = None
    result: SeamActionResult | None = None
    error: SeamActionFailure | None = None

    @property
    def was_confirmed_by_device(self) -> bool | None:
        """Whether the lock itself confirmed the command, when Seam knows."""
        return self.result.was_confirmed_by_device if self.result else None

    @property
    def error_type(self) -> str | None:
        """Seam's code for why the command failed."""
        return self.error.type if self.error else None

    @property
    def error_message(self) -> str | None:
        """Seam's words for why the command failed."""
        return self.error.message if self.error else None


class _ActionAttemptAnswer(Model, frozen=True):
    action_attempt: SeamActionAttempt


_ACTION_ATTEMPT_ANSWER: Final = msgspec.json.Decoder(_ActionAttemptAnswer)


def parse_seam_action_attempt(body: bytes) -> SeamActionAttempt:
    """Build a `SeamActionAttempt` from a body carrying `action_attempt`."""
    return decode(body, _ACTION_ATTEMPT_ANSWER, "Seam action attempt").action_attempt
