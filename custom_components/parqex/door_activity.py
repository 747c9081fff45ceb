"""Who moved each ParqEx door: its toggle history, read only when `/sync` shows a door changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .api import ApiError, ParqexAccount, ParqexClient, ParqexToggleEvent
from .const import LOGGER, activity_signal

# Doors that change in polls this close together cost one history request.
HISTORY_COOLDOWN: Final = 5.0
# A history event this close to a command sent from Home Assistant (same door, same state) is
# that command, already announced. ParqEx's clock and Home Assistant's may differ a little.
COMMAND_MATCH_WINDOW: Final = timedelta(minutes=2)
# New events announced per door per read; more than this in a few seconds would be a flood.
MAX_EVENTS_PER_DOOR: Final = 10
CHANNEL_HOME_ASSISTANT: Final = "Home Assistant"
# ParqEx's channel for a door the door sensor saw move: never a command from anywhere.
CHANNEL_DOOR_SENSOR: Final = "Door Sensor"


@dataclass(frozen=True, slots=True, kw_only=True)
class DoorActivity:
    """A door asked to open or close: by whom, through which channel, and whether it worked."""

    opened: bool
    user: str | None
    channel: str | None
    success: bool
    time: datetime

    @property
    def event_type(self) -> str:
        """The activity entity's event type."""
        return "opened" if self.opened else "closed"

    @property
    def attributes(self) -> dict[str, Any]:
        """The event's attributes."""
        return {"user": self.user, "channel": self.channel, "success": self.success}


type _EventKey = tuple[datetime, str | None, str | None, str | None, bool]


def _key(event: ParqexToggleEvent) -> _EventKey:
    """What tells apart two history events of one door in the same second."""
    user_id = event.user.id if event.user else None
    return (event.time, event.door_state, event.channel, user_id, event.success)


def _controllers_with_changed_doors(before: ParqexAccount, after: ParqexAccount) -> set[str]:
    """The controllers with a known door whose state or last move changed."""
    old_doors = before.doors
    return {
        controller_id
        for controller_id, controller in after.controllers.items()
        for door in controller.doors
        if (old := old_doors.get(door.id)) is not None
        and (old.state, old.reported_last_toggled) != (door.state, door.reported_last_toggled)
    }


class DoorHistory:
    """Reads ParqEx's toggle history when doors change and announces what is new in it."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: ParqexClient) -> None:
        """Nothing read yet; the first answer of `/sync` sets where each door's history starts."""
        self._hass = hass
        self._entry = entry
        self._client = client
        # Per door: the time of the newest history event accounted for, and those of its
        # events accounted for (ParqEx's times are whole seconds). Older events (those before
        # Home Assistant started, too) are never announced.
        self._seen: dict[str, tuple[datetime, set[_EventKey]]] = {}
        # Controllers with a changed door whose history has not been read yet.
        self._pending: set[str] = set()
        # Per door: commands sent from Home Assistant (state asked, when), announced at once.
        self._commands: dict[str, list[tuple[bool, datetime]]] = {}
        self.reads = 0
        self.skipped = 0
        self._debouncer = Debouncer(
            hass,
            LOGGER,
            cooldown=HISTORY_COOLDOWN,
            immediate=False,
            function=self._async_read,
            background=True,
        )

    @callback
    def async_note_answer(self, before: ParqexAccount | None, after: ParqexAccount) -> None:
        """Compare a `/sync` answer with the last one; read the history where a door changed."""
        # ParqEx's times are whole seconds: an event in this second is after this moment.
        now = dt_util.utcnow().replace(microsecond=0)
        for door_id, door in after.doors.items():
            if door_id not in self._seen:
                last_move = door.last_toggled
                self._seen[door_id] = (min(last_move, now) if last_move else now, set())
        if before is None:
            return
        changed = _controllers_with_changed_doors(before, after)
        if changed:
            self._pending |= changed
            self._debouncer.async_schedule_call()

    @callback
    def async_command_sent(self, door_id: str, *, open_door: bool, user: str | None) -> None:
        """Announce a command ParqEx accepted from Home Assistant; its history event is skipped."""
        now = dt_util.utcnow()
        commands = [
            command
            for command in self._commands.get(door_id, ())
            if now - command[1] <= COMMAND_MATCH_WINDOW
        ]
        commands.append((open_door, now))
        self._commands[door_id] = commands
        self._announce(
            door_id,
            DoorActivity(
                opened=open_door,
                user=user,
                channel=CHANNEL_HOME_ASSISTANT,
                success=True,
                time=now,
            ),
        )

    async def _async_read(self) -> None:
        """Read the history of every controller with a changed door, one request each."""
        controllers, self._pending = self._pending, set()
        today = dt_util.utcnow().date()
        for controller_id in sorted(controllers):
            try:
                history = await self._client.async_toggle_history(
                    device_id=controller_id, start=today - timedelta(days=1), end=today
                )
            except ApiError as err:
                LOGGER.debug("%s: could not read the doors' history: %s", self._entry.title, err)
                continue
            self.reads += 1
            if history.skipped:
                self.skipped += history.skipped
                LOGGER.debug(
                    "%s: skipped %d malformed history events", self._entry.title, history.skipped
                )
            self._take(history.events)

    @callback
    def _take(self, events: tuple[ParqexToggleEvent, ...]) -> None:
        """Announce, oldest first, the events newer than each door's last one accounted for."""
        new: dict[str, list[ParqexToggleEvent]] = {}
        for event in events:
            seen = self._seen.get(event.door_id)
            if seen is None or event.time < seen[0] or _key(event) in seen[1]:
                continue
            new.setdefault(event.door_id, []).append(event)
        for door_id, door_events in new.items():
            newest = door_events[0].time
            seen_time, seen_keys = self._seen[door_id]
            self._seen[door_id] = (
                newest,
                {_key(event) for event in door_events if event.time == newest}
                | (seen_keys if seen_time == newest else set()),
            )
            # A flood is old news but for its newest few.
            for event in reversed(door_events[:MAX_EVENTS_PER_DOOR]):
                if event.requested_open is None or self._was_sent_from_here(door_id, event):
                    continue
                self._announce(
                    door_id,
                    DoorActivity(
                        opened=event.requested_open,
                        user=event.user.name if event.user and event.user.name else None,
                        channel=event.channel,
                        success=event.success,
                        time=event.time,
                    ),
                )

    def _was_sent_from_here(self, door_id: str, event: ParqexToggleEvent) -> bool:
        """Whether the event is a command from Home Assistant; each command matches once."""
        commands = self._commands.get(door_id, [])
        for command in commands:
            open_door, sent = command
            if (
                open_door is event.requested_open
                and event.channel != CHANNEL_DOOR_SENSOR
                and abs(event.time - sent) <= COMMAND_MATCH_WINDOW
            ):
                commands.remove(command)
                return True
        return False

    @callback
    def _announce(self, door_id: str, activity: DoorActivity) -> None:
        async_dispatcher_send(self._hass, activity_signal(self._entry.entry_id, door_id), activity)

    @callback
    def async_shutdown(self) -> None:
        """Read nothing more."""
        self._debouncer.async_shutdown()
