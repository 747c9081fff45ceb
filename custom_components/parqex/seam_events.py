"""What Seam's webhook events mean for the devices shown, and how each lock last moved."""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import SeamDevice, SeamDeviceError, SeamDevices, SeamEvent
from .const import DOMAIN

LOCK_EVENTS: Final = frozenset({"lock.locked", "lock.unlocked"})
# Events that change one known device in a way the event itself says; others mean "poll".
DEVICE_EVENTS: Final = LOCK_EVENTS | {
    "device.connected",
    "device.disconnected",
    "device.low_battery",
    "device.battery_status_changed",
    "device.removed",
}
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
# Seam's `method` of a lock event, in the words Home Assistant shows.
METHODS: Final = {
    "keycode": "keycode",
    "manual": "manual",
    "automatic": "automatic",
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
    user_identity_id: str | None = None
    at: float = field(default_factory=time.monotonic)


def activity_signal(entry: ConfigEntry) -> str:
    """The dispatcher signal that announces a lock's new activity."""
    return f"{DOMAIN}_{entry.entry_id}_activity"


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
    # A battery event; it may carry the level, the status word, or both.
    return device.with_battery(event.battery_level, event.battery_status)


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


class LockActivities:
    """How each lock of an entry last moved, announced to the entry's activity entities."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Nothing known yet."""
        self._hass = hass
        self._signal = activity_signal(entry)
        self._last: dict[str, LockActivity] = {}

    def get(self, device_id: str) -> LockActivity | None:
        """The lock's last known activity."""
        return self._last.get(device_id)

    @callback
    def announce(self, device_id: str, activity: LockActivity) -> None:
        """Record how a lock moved; announce it unless it repeats what is already known.

        A command confirmed here is soon announced again by Seam's own webhook event.
        """
        last = self._last.get(device_id)
        self._last[device_id] = activity
        if (
            last is not None
            and last.locked is activity.locked
            and last.method == activity.method
            and activity.at - last.at < ACTIVITY_REPEAT_WINDOW
        ):
            return
        async_dispatcher_send(self._hass, self._signal, device_id, activity)
