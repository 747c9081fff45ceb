"""What Seam's webhook events mean for the devices shown, and each device's latest activity."""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import CELSIUS, FAHRENHEIT, SeamDevice, SeamDeviceError, SeamDevices, SeamEvent
from .const import activity_signal

LOCK_EVENTS: Final = frozenset({"lock.locked", "lock.unlocked"})
CLIMATE_SETTING_EVENT: Final = "thermostat.manually_adjusted"
# Events that carry the room temperature.
TEMPERATURE_EVENTS: Final = frozenset(
    {
        "thermostat.temperature_changed",
        "thermostat.temperature_reached_set_point",
        "thermostat.temperature_threshold_exceeded",
        "thermostat.temperature_threshold_no_longer_exceeded",
    }
)
NOISE_EVENT: Final = "noise_sensor.noise_threshold_triggered"
ACCESS_DENIED_EVENT: Final = "lock.access_denied"
# Events that say a lock's keypad codes changed.
ACCESS_CODE_EVENT_PREFIX: Final = "access_code."
# Events that change one known device in a way the event itself says; others mean "poll".
DEVICE_EVENTS: Final = (
    LOCK_EVENTS
    | TEMPERATURE_EVENTS
    | {
        "device.connected",
        "device.disconnected",
        "device.low_battery",
        "device.battery_status_changed",
        "device.removed",
        CLIMATE_SETTING_EVENT,
        NOISE_EVENT,
    }
)
# Events that can mean a device was just added or shared, so it may be ours though unknown.
NEWLY_SHARED_EVENTS: Final = frozenset(
    {
        "device.added",
        "device.unmanaged.converted_to_managed",
        "access_grant.access_granted_to_door",
        "access_grant.access_granted_to_all_doors",
        "connected_account.completed_first_sync",
        "connected_account.completed_first_sync_after_reconnection",
    }
)
METHOD_REMOTE: Final = "remote"
METHOD_UNKNOWN: Final = "unknown"
# Seam's `method` of a lock event, in the words Home Assistant shows. Seam's spec says `remote`
# for a command through Seam or an app; its older documents said `seamapi`.
METHODS: Final = {
    "keycode": "keycode",
    "manual": "manual",
    "automatic": "automatic",
    "card": "card",
    "remote": METHOD_REMOTE,
    "seamapi": METHOD_REMOTE,
}
ACTIVITY_REPEAT_WINDOW: Final = 60.0
_UNREACHABLE: Final = frozenset({"device_offline", "device_disconnected"})


@dataclass(frozen=True, slots=True, kw_only=True)
class LockActivity:
    """How a lock last moved: the method and, when Seam says, which code or person."""

    locked: bool
    method: str
    access_code_id: str | None = None
    access_code_name: str | None = None
    user_identity_id: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def event_type(self) -> str:
        """The activity entity's event type for it."""
        return "locked" if self.locked else "unlocked"

    @property
    def changed_by(self) -> str:
        """Who moved the lock: the keypad code's name when known, else the method."""
        return self.access_code_name or self.method

    @property
    def attributes(self) -> dict[str, Any]:
        """What the activity entity tells with it."""
        return {
            "method": self.method,
            "access_code_id": self.access_code_id,
            "access_code_name": self.access_code_name,
            "user_identity_id": self.user_identity_id,
        }

    def repeats(self, last: LockActivity) -> bool:
        """Whether this is `last` announced again, as Seam's event after a confirmed command."""
        return (
            last.locked is self.locked
            and last.method == self.method
            and self.at - last.at < ACTIVITY_REPEAT_WINDOW
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoiseActivity:
    """A noise sensor heard more than one of its thresholds allows."""

    threshold_name: str | None
    threshold_id: str | None
    decibels: float | None

    @property
    def event_type(self) -> str:
        """The activity entity's event type for it."""
        return "noise_threshold_triggered"

    @property
    def attributes(self) -> dict[str, Any]:
        """What the activity entity tells with it."""
        return {
            "threshold_name": self.threshold_name,
            "threshold_id": self.threshold_id,
            "noise_level_decibels": self.decibels,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessDeniedActivity:
    """A lock refused someone at its keypad."""

    reason: str | None
    access_code_id: str | None = None
    access_code_name: str | None = None

    @property
    def event_type(self) -> str:
        """The activity entity's event type for it."""
        return "access_denied"

    @property
    def attributes(self) -> dict[str, Any]:
        """What the activity entity tells with it."""
        return {
            "reason": self.reason,
            "access_code_id": self.access_code_id,
            "access_code_name": self.access_code_name,
        }


type CodeActivity = LockActivity | AccessDeniedActivity
type Activity = LockActivity | NoiseActivity | AccessDeniedActivity


def event_device(device: SeamDevice, event: SeamEvent) -> SeamDevice:
    """The device as a webhook event leaves it."""
    kind = event.event_type
    if kind in LOCK_EVENTS:
        return device.with_locked(kind == "lock.locked")
    if kind == "device.connected":
        errors = tuple(error for error in device.errors if error.code not in _UNREACHABLE)
        return device.with_connection(True, errors)
    if kind == "device.disconnected":
        errors = device.errors
        if "device_disconnected" not in device.error_codes:
            errors = (*errors, SeamDeviceError(code="device_disconnected"))
        return device.with_connection(False, errors)
    if kind == CLIMATE_SETTING_EVENT:
        return _adjusted_device(device, event)
    if kind in TEMPERATURE_EVENTS:
        return device.with_temperature(event.temperature_celsius, event.temperature_fahrenheit)
    if kind == NOISE_EVENT:
        return device.with_noise_level(event.noise_level_decibels).with_noise_triggered(
            event.noise_threshold_id
        )
    # A battery event; it may carry the level, the status word, or both.
    return device.with_battery(event.battery_level, event.battery_status)


def _adjusted_device(device: SeamDevice, event: SeamEvent) -> SeamDevice:
    """The thermostat after a change of setting, in the scale the event gives set points in."""
    changes = {
        name: value
        for name, value in (
            ("hvac_mode_setting", event.hvac_mode_setting),
            ("fan_mode_setting", event.fan_mode_setting),
        )
        if value is not None
    }
    if event.heating_set_point_celsius is not None or event.cooling_set_point_celsius is not None:
        return device.with_climate_setting(
            scale=CELSIUS,
            heating_set_point=event.heating_set_point_celsius,
            cooling_set_point=event.cooling_set_point_celsius,
            **changes,
        )
    return device.with_climate_setting(
        scale=FAHRENHEIT,
        heating_set_point=event.heating_set_point_fahrenheit,
        cooling_set_point=event.cooling_set_point_fahrenheit,
        **changes,
    )


def may_concern_unknown(data: SeamDevices, event: SeamEvent) -> bool:
    """Whether an event about no device the identity has may still change what it has.

    Seam delivers every event of the workspace; most are about other identities' devices.
    """
    if event.event_type in NEWLY_SHARED_EVENTS:
        return True
    account = event.connected_account_id
    return (
        event.device_id is None
        and account is not None
        and any(device.connected_account_id == account for device in data.devices.values())
    )


class DeviceActivities:
    """Each device's latest activity, announced to the entry's activity entities."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Nothing known yet."""
        self._hass = hass
        self._entry_id = entry.entry_id
        self._last: dict[str, LockActivity] = {}

    def last_lock_activity(self, device_id: str) -> LockActivity | None:
        """How the lock last moved, when known."""
        return self._last.get(device_id)

    @callback
    def announce(self, device_id: str, activity: Activity) -> None:
        """Announce an activity, unless it repeats how the lock last moved."""
        if isinstance(activity, LockActivity):
            last = self._last.get(device_id)
            self._last[device_id] = activity
            if last is not None and activity.repeats(last):
                return
        async_dispatcher_send(self._hass, activity_signal(self._entry_id, device_id), activity)
