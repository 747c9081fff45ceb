"""Typed models of the ParqEx and Seam payloads, and the parsers that build them.

Parsers read the decoded JSON (orjson output) directly: no reflection over fields, one pass per
object. A controller, door or device whose own fields have the wrong type is skipped and
counted; the rest of the response still parses. Missing optional fields become None, unknown
fields are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from .errors import InvalidResponseError

PARQEX_DOOR_OPEN: Final = "OPEN"
PARQEX_DOOR_CLOSED: Final = "CLOSED"
# ParqEx reports "no MAC" as twelve zeros rather than leaving the field out.
NO_MAC: Final = "000000000000"


class MalformedObjectError(Exception):
    """One object of a response has a field of the wrong type; the object is skipped."""


def optional_str(raw: dict[str, Any], key: str) -> str | None:
    """`raw[key]` if it is a string, None if absent or null; otherwise the object is malformed."""
    value = raw.get(key)
    if value is None or type(value) is str:
        return value
    raise MalformedObjectError(key)


def required_str(raw: dict[str, Any], key: str) -> str:
    """`raw[key]`, which must be a non-empty string."""
    value = raw.get(key)
    if type(value) is str and value:
        return value
    raise MalformedObjectError(key)


def _bool(raw: dict[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    if value is None or type(value) is bool:
        return value
    raise MalformedObjectError(key)


def _int(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    # bool is a subclass of int; `true` is not a number of seconds.
    if value is None or type(value) is int:
        return value
    raise MalformedObjectError(key)


def optional_number(raw: dict[str, Any], key: str) -> float | None:
    """`raw[key]` as a float if it is a number (not a bool), None if absent or null."""
    value = raw.get(key)
    if value is None or type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    raise MalformedObjectError(key)


def _dict(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if type(value) is dict:
        return value
    raise MalformedObjectError(key)


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if type(value) is list:
        return value
    raise MalformedObjectError(key)


def _timestamp(raw: dict[str, Any], key: str) -> datetime | None:
    """Read a ParqEx timestamp such as "2020-12-18 18:47:25".

    ParqEx gives no zone; the controllers report in UTC, so a naive value is read as UTC. A
    string that is not a date at all becomes None rather than costing the whole controller.
    """
    value = optional_str(raw, key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _mac(raw: dict[str, Any], key: str) -> str | None:
    value = optional_str(raw, key)
    if not value or value == NO_MAC:
        return None
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class ParqexDoor:
    """A door driven by a ParqEx controller."""

    id: str
    controller_id: str
    entity_number: int | None
    name: str
    state: str | None
    active: bool
    last_toggled: datetime | None
    user_relationship: str | None
    auto_close_enabled: bool | None
    auto_close_delay: int | None
    wired_sensor: bool | None
    bluetooth_sensor: bool
    bluetooth_sensor_mac: str | None
    bluetooth_sensor_battery_level: int | None
    light: bool | None
    image: str | None

    @property
    def is_open(self) -> bool | None:
        """True when OPEN, False when CLOSED, None for any other word ParqEx may send."""
        if self.state == PARQEX_DOOR_OPEN:
            return True
        if self.state == PARQEX_DOOR_CLOSED:
            return False
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParqexController:
    """A ParqEx controller ("device" in ParqEx's words) and its doors."""

    id: str
    blackbox_code: str | None
    active: bool
    registered: bool | None
    last_contact: datetime | None
    software_version: str | None
    owner_first_name: str | None
    owner_last_name: str | None
    number_of_entities_controlled: int | None
    time_before_door_open_alert: int | None
    bluetooth_onboard: bool | None
    bluetooth_mac_address: str | None
    door_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ParqexAccount:
    """Everything one `/sync` answer says, keyed by id for O(1) look-ups."""

    controllers: dict[str, ParqexController]
    doors: dict[str, ParqexDoor]
    skipped: int


def _parse_parqex_door(raw: Any, controller_id: str) -> ParqexDoor:
    if type(raw) is not dict:
        raise MalformedObjectError("door")
    name = optional_str(raw, "name")
    entity_number = _int(raw, "entity_number")
    bluetooth_sensor = _bool(raw, "bluetooth_sensor") is True
    return ParqexDoor(
        id=required_str(raw, "id"),
        controller_id=controller_id,
        entity_number=entity_number,
        # Users type names such as "Last Door! "; the trailing blank is not part of the name.
        name=(name or "").strip() or f"Door {entity_number or ''}".strip(),
        state=optional_str(raw, "state"),
        active=_bool(raw, "active") is not False,
        last_toggled=_timestamp(raw, "last_toggled"),
        user_relationship=optional_str(raw, "user_relationship"),
        auto_close_enabled=_bool(raw, "door_auto_close_enabled"),
        auto_close_delay=_int(raw, "door_auto_close_delay"),
        wired_sensor=_bool(raw, "sensor"),
        bluetooth_sensor=bluetooth_sensor,
        bluetooth_sensor_mac=_mac(raw, "bluetooth_sensor_mac_address"),
        # Without a paired sensor ParqEx reports level 0, which is no reading at all.
        bluetooth_sensor_battery_level=(
            _int(raw, "bluetooth_sensor_battery_level") if bluetooth_sensor else None
        ),
        light=_bool(raw, "light"),
        image=optional_str(raw, "image") or None,
    )


def _parse_parqex_controller(
    raw: Any, doors: dict[str, ParqexDoor]
) -> tuple[ParqexController, int]:
    """Parse one controller, adding its good doors to `doors`; return it and its bad doors.

    Doors are added only once the controller itself has parsed, so a bad controller leaves
    nothing behind.
    """
    if type(raw) is not dict:
        raise MalformedObjectError("controller")
    controller_id = required_str(raw, "id")
    parsed_doors: list[ParqexDoor] = []
    skipped = 0
    for raw_door in _list(raw, "doors"):
        try:
            parsed_doors.append(_parse_parqex_door(raw_door, controller_id))
        except MalformedObjectError:
            skipped += 1
    door_ids: list[str] = []
    for door in parsed_doors:
        # A door listed twice is reported once; the first listing wins.
        if door.id in doors or door.id in door_ids:
            skipped += 1
        else:
            door_ids.append(door.id)
    controller = ParqexController(
        id=controller_id,
        blackbox_code=optional_str(raw, "blackbox_code"),
        active=_bool(raw, "active") is not False,
        registered=_bool(raw, "registered"),
        last_contact=_timestamp(raw, "last_contact"),
        software_version=optional_str(raw, "software_version"),
        owner_first_name=optional_str(raw, "owner_first_name"),
        owner_last_name=optional_str(raw, "owner_last_name"),
        number_of_entities_controlled=_int(raw, "number_of_entities_controlled"),
        time_before_door_open_alert=_int(raw, "time_before_door_open_alert"),
        bluetooth_onboard=_bool(raw, "bluetooth_onboard"),
        bluetooth_mac_address=_mac(raw, "bluetooth_mac_address"),
        door_ids=tuple(door_ids),
    )
    kept = set(door_ids)
    for door in parsed_doors:
        if door.id in kept:
            doors[door.id] = door
            kept.discard(door.id)
    return controller, skipped


def parse_parqex_sync(payload: Any) -> ParqexAccount:
    """Build a `ParqexAccount` from a decoded `/sync` body."""
    if type(payload) is not dict or type(payload.get("devices")) is not list:
        raise InvalidResponseError("ParqEx /sync answer has no list of devices")
    controllers: dict[str, ParqexController] = {}
    doors: dict[str, ParqexDoor] = {}
    skipped = 0
    for raw in payload["devices"]:
        if type(raw) is dict and raw.get("id") in controllers:
            # A controller listed twice is reported once; the first listing wins.
            skipped += 1
            continue
        try:
            controller, bad_doors = _parse_parqex_controller(raw, doors)
        except MalformedObjectError:
            skipped += 1
            continue
        skipped += bad_doors
        controllers[controller.id] = controller
    return ParqexAccount(controllers=controllers, doors=doors, skipped=skipped)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeamDeviceError:
    """An entry of a Seam device's `errors` or `warnings` list."""

    code: str
    message: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SeamDevice:
    """A device shared with a Seam user identity."""

    device_id: str
    device_type: str | None
    display_name: str | None
    nickname: str | None
    online: bool | None
    locked: bool | None
    door_open: bool | None
    battery_level: float | None
    battery_status: str | None
    keypad_battery_level: float | None
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    image_url: str | None
    can_remotely_lock: bool
    can_remotely_unlock: bool
    capabilities: tuple[str, ...]
    errors: tuple[SeamDeviceError, ...]
    warnings: tuple[SeamDeviceError, ...]
    connected_account_id: str | None
    location_name: str | None

    @property
    def name(self) -> str:
        """What the user calls the device: its nickname, else Seam's display name."""
        for candidate in (self.nickname, self.display_name):
            if candidate and candidate.strip():
                return candidate.strip()
        return self.device_type or "Seam device"

    @property
    def error_codes(self) -> frozenset[str]:
        """The `error_code` of every entry in the device's `errors`."""
        return frozenset(error.code for error in self.errors)


def _level(raw: dict[str, Any], key: str) -> float | None:
    """Read a 0..1 battery level; values out of range are clamped, not trusted blindly."""
    value = optional_number(raw, key)
    if value is None:
        return None
    return min(max(value, 0.0), 1.0)


def _problems(raw: dict[str, Any], key: str, code_key: str) -> tuple[SeamDeviceError, ...]:
    problems = []
    for entry in _list(raw, key):
        if type(entry) is not dict:
            raise MalformedObjectError(key)
        problems.append(
            SeamDeviceError(
                code=required_str(entry, code_key), message=optional_str(entry, "message")
            )
        )
    return tuple(problems)


def _parse_seam_device(raw: Any) -> SeamDevice:
    if type(raw) is not dict:
        raise MalformedObjectError("device")
    properties = _dict(raw, "properties")
    battery = _dict(properties, "battery")
    model = _dict(properties, "model")
    location = _dict(raw, "location")
    keypad_level = _level(_dict(properties, "keypad_battery"), "level")
    if keypad_level is None:
        keypad = _dict(properties, "accessory_keypad")
        keypad_level = _level(_dict(keypad, "battery"), "level")
    battery_level = _level(properties, "battery_level")
    if battery_level is None:
        battery_level = _level(battery, "level")
    capabilities = _list(raw, "capabilities_supported")
    if any(type(capability) is not str for capability in capabilities):
        raise MalformedObjectError("capabilities_supported")
    return SeamDevice(
        device_id=required_str(raw, "device_id"),
        device_type=optional_str(raw, "device_type"),
        display_name=optional_str(raw, "display_name"),
        nickname=optional_str(raw, "nickname"),
        online=_bool(properties, "online"),
        locked=_bool(properties, "locked"),
        door_open=_bool(properties, "door_open"),
        battery_level=battery_level,
        battery_status=optional_str(battery, "status"),
        keypad_battery_level=keypad_level,
        manufacturer=optional_str(model, "manufacturer_display_name")
        or optional_str(properties, "manufacturer"),
        model=optional_str(model, "display_name"),
        serial_number=optional_str(properties, "serial_number"),
        image_url=optional_str(properties, "image_url"),
        can_remotely_lock=_bool(raw, "can_remotely_lock") is True,
        can_remotely_unlock=_bool(raw, "can_remotely_unlock") is True,
        capabilities=tuple(capabilities),
        errors=_problems(raw, "errors", "error_code"),
        warnings=_problems(raw, "warnings", "warning_code"),
        connected_account_id=optional_str(raw, "connected_account_id"),
        location_name=optional_str(location, "location_name"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeamDevices:
    """The devices of one user identity, keyed by `device_id`."""

    devices: dict[str, SeamDevice]
    skipped: int


def parse_seam_devices(payload: Any) -> SeamDevices:
    """Build `SeamDevices` from a decoded `list_accessible_devices` body.

    `devices` is the current key; `accessible_devices` is its deprecated twin that older
    answers carry alone.
    """
    if type(payload) is not dict:
        raise InvalidResponseError("Seam answer is not a JSON object")
    raw_devices = payload.get("devices")
    if raw_devices is None:
        raw_devices = payload.get("accessible_devices")
    if type(raw_devices) is not list:
        raise InvalidResponseError("Seam answer has no list of devices")
    devices: dict[str, SeamDevice] = {}
    skipped = 0
    for raw in raw_devices:
        try:
            device = _parse_seam_device(raw)
        except MalformedObjectError:
            skipped += 1
            continue
        if device.device_id in devices:
            skipped += 1
            continue
        devices[device.device_id] = device
    return SeamDevices(devices=devices, skipped=skipped)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeamActionAttempt:
    """A Seam action attempt: the service's record of one lock or unlock command."""

    action_attempt_id: str
    action_type: str | None
    status: str
    was_confirmed_by_device: bool | None
    error_type: str | None
    error_message: str | None


def parse_seam_action_attempt(payload: Any) -> SeamActionAttempt:
    """Build a `SeamActionAttempt` from a body carrying `action_attempt`."""
    raw = payload.get("action_attempt") if type(payload) is dict else None
    if type(raw) is not dict:
        raise InvalidResponseError("Seam answer has no action attempt")
    try:
        result = _dict(raw, "result")
        error = _dict(raw, "error")
        status = required_str(raw, "status")
        return SeamActionAttempt(
            action_attempt_id=required_str(raw, "action_attempt_id"),
            action_type=optional_str(raw, "action_type"),
            status=status,
            was_confirmed_by_device=_bool(result, "was_confirmed_by_device"),
            error_type=optional_str(error, "type"),
            error_message=optional_str(error, "message"),
        )
    except MalformedObjectError as err:
        raise InvalidResponseError(f"Seam action attempt has a malformed {err}") from None
