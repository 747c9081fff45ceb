"""ParqEx's payloads: controllers and their doors, the signed-in user, toggle history, tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from operator import attrgetter
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta, field

from ..decoding import Identifier, Model, convert, decode, decode_any, decode_whole
from ..errors import InvalidResponseError

PARQEX_DOOR_OPEN: Final = "OPEN"
PARQEX_DOOR_CLOSED: Final = "CLOSED"
# ParqEx reports "no MAC" as twelve zeros rather than leaving the field out.
NO_MAC: Final = "000000000000"


def _utc_time(value: str) -> datetime:
    """Read a ParqEx timestamp such as "2020-12-18 18:47:25"; ValueError if it is none.

    ParqEx gives no zone; the controllers report in UTC, so a naive value is read as UTC.
    """
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _timestamp(value: str | None) -> datetime | None:
    """A timestamp that may be missing: a string that is not a date at all is no reading."""
    if not value:
        return None
    try:
        return _utc_time(value)
    except ValueError:
        return None


def _is_open(state: str | None) -> bool | None:
    """True for OPEN, False for CLOSED, None for any other word ParqEx may send."""
    if state == PARQEX_DOOR_OPEN:
        return True
    if state == PARQEX_DOOR_CLOSED:
        return False
    return None


def _full_name(first_name: str | None, last_name: str | None) -> str:
    return " ".join(part.strip() for part in (first_name, last_name) if part and part.strip())


def _mac(value: str | None) -> str | None:
    return None if not value or value == NO_MAC else value


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
        return _is_open(self.state)


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
    controller = convert({**raw, "doors": []}, ParqexController)
    if controller is None:
        return None, 0
    doors = [door for door in (convert(item, ParqexDoor) for item in raw_doors) if door]
    return msgspec.structs.replace(controller, doors=tuple(doors)), len(raw_doors) - len(doors)


def parse_parqex_sync(body: bytes) -> ParqexAccount:
    """Build a `ParqexAccount` from a `/sync` body."""
    answer = decode_whole(body, _PARQEX_SYNC, "ParqEx /sync answer")
    if answer is not None:
        return _parqex_account(answer.devices, 0)
    payload = decode_any(body, "ParqEx /sync answer")
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
        return _full_name(self.first_name, self.last_name)


class _UserInfo(Model, frozen=True):
    data: ParqexUser


_USER_INFO: Final = msgspec.json.Decoder(_UserInfo)


def decode_parqex_user(body: bytes) -> ParqexUser:
    """Build a `ParqexUser` from a `user-info` body."""
    return decode(body, _USER_INFO, "ParqEx user-info").data


class ParqexToggleUser(Model, frozen=True):
    """The user a toggle-history event names; the names stay out of `repr`.

    ParqEx also sends the user's `email_address`: personal data nothing here needs, so it is
    not decoded.
    """

    reported_id: str | None = field(default=None, name="id")
    first_name: str | None = None
    last_name: str | None = None

    def __repr__(self) -> str:
        return f"ParqexToggleUser(id={self.id!r})"

    @property
    def id(self) -> str | None:
        """ParqEx's id of the user; its documented Door Sensor event names the user without one."""
        return self.reported_id or None

    @property
    def name(self) -> str:
        """The user's full name, as well as ParqEx gives it."""
        return _full_name(self.first_name, self.last_name)


class ParqexToggleEvent(Model, frozen=True):
    """One entry of ParqEx's toggle history: which state was asked of a door, by whom, how.

    ParqEx documents each field by one example only. Read here: `door_id`, `was_success` and a
    readable `toggle_date_time` make an event, an object without them is skipped; the rest may
    be missing or null.
    """

    door_id: Identifier
    reported_time: str = field(name="toggle_date_time")
    success: bool = field(name="was_success")
    reported_door_name: str | None = field(default=None, name="door_name")
    door_state: str | None = None
    # How the door was asked: "Door Sensor", "ParqEx Web", ... (ParqEx lists no set of them).
    channel: str | None = None
    user: ParqexToggleUser | None = None

    def __post_init__(self) -> None:
        # Checked while decoding, so every event kept has a `time` to be sorted by.
        try:
            _utc_time(self.reported_time)
        except ValueError:
            raise ValueError("toggle_date_time is not a date and time") from None

    def __repr__(self) -> str:
        return (
            f"ParqexToggleEvent(door_id={self.door_id!r}, door_state={self.door_state!r}, "
            f"channel={self.channel!r}, success={self.success!r}, user={self.user!r}, "
            f"toggle_date_time={self.reported_time!r})"
        )

    @property
    def time(self) -> datetime:
        """When the door was asked. ParqEx's example gives a date alone: that reads as midnight."""
        return _utc_time(self.reported_time)

    @property
    def door_name(self) -> str | None:
        """The door's name as the event gives it, without surrounding blanks."""
        return (self.reported_door_name or "").strip() or None

    @property
    def requested_open(self) -> bool | None:
        """True when asked to open, False to close, None for any other word ParqEx may send."""
        return _is_open(self.door_state)


class ParqexToggleHistory(Model, frozen=True):
    """One `toggle-history` answer: its events newest first, and how many were malformed.

    Events of the same time keep the order ParqEx listed them in (its pages do not say which
    order that is).
    """

    events: tuple[ParqexToggleEvent, ...]
    skipped: int


class _ToggleEvents(Model, frozen=True):
    toggle_events: list[ParqexToggleEvent]


class _ToggleHistoryAnswer(Model, frozen=True):
    data: _ToggleEvents


_TOGGLE_HISTORY: Final = msgspec.json.Decoder(_ToggleHistoryAnswer)


def _toggle_history(events: list[ParqexToggleEvent], skipped: int) -> ParqexToggleHistory:
    return ParqexToggleHistory(
        events=tuple(sorted(events, key=attrgetter("time"), reverse=True)), skipped=skipped
    )


def parse_parqex_toggle_history(body: bytes) -> ParqexToggleHistory:
    """Build a `ParqexToggleHistory` from a `toggle-history` body."""
    answer = decode_whole(body, _TOGGLE_HISTORY, "ParqEx toggle-history answer")
    if answer is not None:
        return _toggle_history(answer.data.toggle_events, 0)
    payload = decode_any(body, "ParqEx toggle-history answer")
    data = payload.get("data") if type(payload) is dict else None
    if type(data) is not dict or type(data.get("toggle_events")) is not list:
        raise InvalidResponseError("ParqEx toggle-history answer has no list of toggle events")
    listed = data["toggle_events"]
    events = [event for event in (convert(raw, ParqexToggleEvent) for raw in listed) if event]
    return _toggle_history(events, len(listed) - len(events))


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
