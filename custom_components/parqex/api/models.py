"""Typed models of the ParqEx and Seam payloads, and the parsers that build them.

The models are frozen msgspec Structs that mirror the services' JSON and declare only the fields
this package reports: msgspec decodes a body straight into them, checking each field's type,
and steps over everything else without building a Python object for it. A Seam device carries
kilobytes of vendor metadata, so that skipping is most of the speed.

Whatever needs a rule (a default name, a clamped battery level, a timestamp without a zone) is
a property that applies it when read, so the decoded values stay exactly what the service
sent. A controller, door or device whose own fields have the wrong type is skipped and counted;
the rest of the response still parses. Missing optional fields and nulls become None, unknown
fields are ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any, Final, Self

import msgspec
from msgspec import Meta, Struct, field

from .errors import InvalidResponseError

PARQEX_DOOR_OPEN: Final = "OPEN"
PARQEX_DOOR_CLOSED: Final = "CLOSED"
# ParqEx reports "no MAC" as twelve zeros rather than leaving the field out.
NO_MAC: Final = "000000000000"

type Identifier = Annotated[str, Meta(min_length=1)]


class Model(Struct, frozen=True, gc=False):
    """A decoded payload object: immutable, compared by value, never part of a cycle."""


def decode[T](body: bytes, decoder: msgspec.json.Decoder[T], what: str) -> T:
    """Decode `body` with `decoder`, raising `InvalidResponseError` naming `what` on failure.

    The message names the offending path (such as `$.devices[3].id`) but never a value, so no
    credential or personal data can reach a log through it.
    """
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as err:
        raise InvalidResponseError(f"{what} is malformed: {err}") from None
    except msgspec.DecodeError:
        raise InvalidResponseError(f"{what} is not JSON") from None
    except RecursionError:
        raise InvalidResponseError(f"{what} is nested too deeply") from None


def _decode_whole[T](body: bytes, decoder: msgspec.json.Decoder[T], what: str) -> T | None:
    """Decode `body` with `decoder`; None when it is JSON but some value has the wrong type.

    A list answer that does not decode whole is then taken apart (see `_ANY`), so one
    malformed object costs only itself.
    """
    try:
        return decoder.decode(body)
    except msgspec.ValidationError:
        return None
    except msgspec.DecodeError:
        raise InvalidResponseError(f"{what} is not JSON") from None
    except RecursionError:
        raise InvalidResponseError(f"{what} is nested too deeply") from None


_ANY: Final = msgspec.json.Decoder()


def _decode_any(body: bytes, what: str) -> Any:
    """`body` as plain JSON values, to be taken apart object by object."""
    return decode(body, _ANY, what)


def _convert[T](raw: Any, model: type[T]) -> T | None:
    """`raw` (decoded JSON) as `model`, or None when it does not fit."""
    try:
        return msgspec.convert(raw, model)
    except msgspec.ValidationError, RecursionError:
        return None


def _timestamp(value: str | None) -> datetime | None:
    """Read a ParqEx timestamp such as "2020-12-18 18:47:25".

    ParqEx gives no zone; the controllers report in UTC, so a naive value is read as UTC. A
    string that is not a date at all is no reading rather than an error.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _mac(value: str | None) -> str | None:
    return None if not value or value == NO_MAC else value


def _level(value: float | None) -> float | None:
    """A 0..1 battery level; values out of range are clamped, not trusted blindly."""
    return None if value is None else min(max(value, 0.0), 1.0)


class ParqexDoor(Model, frozen=True):
    """A door driven by a ParqEx controller."""

    id: Identifier
    entity_number: int | None = None
    reported_name: str | None = field(default=None, name="name")
    state: str | None = None
    reported_active: bool | None = field(default=None, name="active")
    reported_last_toggled: str | None = field(default=None, name="last_toggled")
    user_relationship: str | None = None
    auto_close_enabled: bool | None = field(default=None, name="door_auto_close_enabled")
    auto_close_delay: int | None = field(default=None, name="door_auto_close_delay")
    reported_bluetooth_sensor: bool | None = field(default=None, name="bluetooth_sensor")
    reported_bluetooth_sensor_mac: str | None = field(
        default=None, name="bluetooth_sensor_mac_address"
    )
    reported_bluetooth_sensor_battery_level: int | None = field(
        default=None, name="bluetooth_sensor_battery_level"
    )

    @property
    def name(self) -> str:
        """The door's name; users type names such as "Last Door! ", the blank is not part of it."""
        name = (self.reported_name or "").strip()
        return name or f"Door {self.entity_number or ''}".strip()

    @property
    def active(self) -> bool:
        """False only when ParqEx says so."""
        return self.reported_active is not False

    @property
    def last_toggled(self) -> datetime | None:
        """When the door last moved."""
        return _timestamp(self.reported_last_toggled)

    @property
    def bluetooth_sensor(self) -> bool:
        """Whether a Bluetooth door sensor is paired."""
        return self.reported_bluetooth_sensor is True

    @property
    def bluetooth_sensor_mac(self) -> str | None:
        """The paired sensor's MAC address."""
        return _mac(self.reported_bluetooth_sensor_mac)

    @property
    def bluetooth_sensor_battery_level(self) -> int | None:
        """The sensor's battery in percent; without a sensor ParqEx reports 0, no reading."""
        return self.reported_bluetooth_sensor_battery_level if self.bluetooth_sensor else None

    @property
    def is_open(self) -> bool | None:
        """True when OPEN, False when CLOSED, None for any other word ParqEx may send."""
        if self.state == PARQEX_DOOR_OPEN:
            return True
        if self.state == PARQEX_DOOR_CLOSED:
            return False
        return None


class ParqexController(Model, frozen=True):
    """A ParqEx controller ("device" in ParqEx's words) and the doors it drives."""

    id: Identifier
    blackbox_code: str | None = None
    reported_active: bool | None = field(default=None, name="active")
    registered: bool | None = None
    reported_last_contact: str | None = field(default=None, name="last_contact")
    software_version: str | None = None
    owner_first_name: str | None = None
    owner_last_name: str | None = None
    number_of_entities_controlled: int | None = None
    time_before_door_open_alert: int | None = None
    bluetooth_onboard: bool | None = None
    reported_bluetooth_mac_address: str | None = field(default=None, name="bluetooth_mac_address")
    doors: tuple[ParqexDoor, ...] = ()

    @property
    def active(self) -> bool:
        """False only when ParqEx says so."""
        return self.reported_active is not False

    @property
    def last_contact(self) -> datetime | None:
        """When the controller last reached ParqEx."""
        return _timestamp(self.reported_last_contact)

    @property
    def bluetooth_mac_address(self) -> str | None:
        """The controller's own Bluetooth MAC address."""
        return _mac(self.reported_bluetooth_mac_address)


class ParqexAccount(Model, frozen=True, dict=True, gc=True):
    """Everything one `/sync` answer says; each door is listed once, under its first controller."""

    controllers: dict[str, ParqexController]
    skipped: int

    @cached_property
    def doors(self) -> dict[str, ParqexDoor]:
        """Every door by id, for O(1) look-ups."""
        return {
            door.id: door for controller in self.controllers.values() for door in controller.doors
        }


class _ParqexSync(Model, frozen=True):
    devices: list[ParqexController]


_PARQEX_SYNC: Final = msgspec.json.Decoder(_ParqexSync)


def _parqex_account(listed: list[ParqexController], skipped: int) -> ParqexAccount:
    """Keep the first listing of every controller and door; count the others as skipped."""
    controllers: dict[str, ParqexController] = {}
    door_ids: set[str] = set()
    for listing in listed:
        if listing.id in controllers:
            skipped += 1
            continue
        doors: list[ParqexDoor] = []
        for door in listing.doors:
            if door.id not in door_ids:
                door_ids.add(door.id)
                doors.append(door)
        dropped = len(listing.doors) - len(doors)
        skipped += dropped
        controllers[listing.id] = (
            msgspec.structs.replace(listing, doors=tuple(doors)) if dropped else listing
        )
    return ParqexAccount(controllers=controllers, skipped=skipped)


def _lenient_parqex_controller(raw: Any) -> tuple[ParqexController | None, int]:
    """A controller that did not decode whole: keep it without its bad doors if it can be.

    Returns the controller (None when its own fields are bad) and how many doors were dropped.
    """
    if type(raw) is not dict:
        return None, 0
    raw_doors = raw.get("doors")
    if raw_doors is None:
        raw_doors = []
    elif type(raw_doors) is not list:
        return None, 0
    controller = _convert({**raw, "doors": []}, ParqexController)
    if controller is None:
        return None, 0
    doors = [door for door in (_convert(item, ParqexDoor) for item in raw_doors) if door]
    return msgspec.structs.replace(controller, doors=tuple(doors)), len(raw_doors) - len(doors)


def parse_parqex_sync(body: bytes) -> ParqexAccount:
    """Build a `ParqexAccount` from a `/sync` body."""
    answer = _decode_whole(body, _PARQEX_SYNC, "ParqEx /sync answer")
    if answer is not None:
        return _parqex_account(answer.devices, 0)
    payload = _decode_any(body, "ParqEx /sync answer")
    if type(payload) is not dict or type(payload.get("devices")) is not list:
        raise InvalidResponseError("ParqEx /sync answer has no list of devices")
    listed: list[ParqexController] = []
    skipped = 0
    for raw in payload["devices"]:
        controller, bad_doors = _lenient_parqex_controller(raw)
        if controller is None:
            skipped += 1
        else:
            listed.append(controller)
            skipped += bad_doors
    return _parqex_account(listed, skipped)


class ParqexUser(Model, frozen=True):
    """The signed-in ParqEx user: the account's stable id and the user's name."""

    id: Identifier
    first_name: str | None = None
    last_name: str | None = None

    @property
    def name(self) -> str:
        """The user's full name, as well as ParqEx gives it."""
        return " ".join(
            part.strip() for part in (self.first_name, self.last_name) if part and part.strip()
        )


class _UserInfo(Model, frozen=True):
    data: ParqexUser


_USER_INFO: Final = msgspec.json.Decoder(_UserInfo)


def decode_parqex_user(body: bytes) -> ParqexUser:
    """Build a `ParqexUser` from a `user-info` body."""
    return decode(body, _USER_INFO, "ParqEx user-info").data


class ParqexToken(Model, frozen=True):
    """Tokens from ParqEx's token endpoint; `expires_in` seconds from when it answered."""

    access_token: Identifier
    expires_in: Annotated[int, Meta(ge=0)]
    refresh_token: str | None = None
    token_type: str | None = None
    scope: str | None = None

    def __repr__(self) -> str:
        return f"ParqexToken(expires_in={self.expires_in!r}, scope={self.scope!r})"


_TOKEN: Final = msgspec.json.Decoder(ParqexToken)


def decode_parqex_token(body: bytes) -> ParqexToken:
    """Build a `ParqexToken` from a token endpoint body."""
    return decode(body, _TOKEN, "ParqEx token answer")


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


class SeamLocation(Model, frozen=True):
    """`location`: where the device is, when someone said."""

    location_name: str | None = None


_NO_PROPERTIES: Final = SeamDeviceProperties()
_NO_BATTERY: Final = SeamBattery()


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

    def _with_properties(self, **changes: Any) -> Self:
        properties = msgspec.structs.replace(self.properties, **changes)
        return msgspec.structs.replace(self, reported_properties=properties)

    def with_locked(self, locked: bool) -> Self:
        """The device after it locked or unlocked."""
        return self._with_properties(locked=locked)

    def with_connection(self, online: bool, errors: tuple[SeamDeviceError, ...]) -> Self:
        """The device after Seam lost or regained it."""
        return msgspec.structs.replace(self._with_properties(online=online), reported_errors=errors)

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
    # `devices` is the current key; `accessible_devices` is its deprecated twin that older
    # answers carry alone.
    devices: list[SeamDevice] | None = None
    accessible_devices: list[SeamDevice] | None = None


_SEAM_DEVICE_LIST: Final = msgspec.json.Decoder(_SeamDeviceList)


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
    answer = _decode_whole(body, _SEAM_DEVICE_LIST, "Seam answer")
    if answer is not None:
        listed = answer.devices if answer.devices is not None else answer.accessible_devices
        if listed is None:
            raise InvalidResponseError("Seam answer has no list of devices")
        return _seam_devices(listed, 0)
    payload = _decode_any(body, "Seam answer")
    if type(payload) is not dict:
        raise InvalidResponseError("Seam answer is not a JSON object")
    raw_devices = payload.get("devices")
    if raw_devices is None:
        raw_devices = payload.get("accessible_devices")
    if type(raw_devices) is not list:
        raise InvalidResponseError("Seam answer has no list of devices")
    converted = [_convert(raw, SeamDevice) for raw in raw_devices]
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
