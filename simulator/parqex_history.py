"""ParqEx's toggle history: which state was asked of which door, by whom, through what, when.

ParqEx documents `GET /oauth/v1/endpoints/toggle-history` with one example: `history_type`
"door" (with `door_id`), "device" (with `device_id`, a controller) or "user", `start_date` and
`end_date` as YYYY-MM-DD, and the answer's `data.toggle_events[]`. Where the page is silent the
simulator chooses, and says so where it does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
import re
import time
from typing import Final

from .seeds import Json

# Events kept per door; older ones are forgotten.
HISTORY_PER_DOOR: Final = 500
# ParqEx does not say which channel its API's own toggles are logged under: this is a guess.
CHANNEL_API: Final = "ParqEx API"
CHANNEL_APP: Final = "ParqEx App"
CHANNEL_WEB: Final = "ParqEx Web"
# The door moved by its wall button (or by hand), as its sensor reports it.
CHANNEL_SENSOR: Final = "Door Sensor"
# The ways a door is operated without the integration (`SimulatorState.operate_door`).
OUTSIDE_CHANNELS: Final = (CHANNEL_APP, CHANNEL_WEB, CHANNEL_SENSOR)
_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class HistoryQueryError(ValueError):
    """A toggle-history query the simulator refuses (HTTP 400; ParqEx documents no refusal)."""


def parqex_time(when: float) -> str:
    """A wall-clock time as ParqEx writes it: `YYYY-MM-DD HH:MM:SS`, UTC, no zone."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))


def event_user(user: Json, email_address: str) -> Json:
    """A ParqEx user as a toggle-history event names them."""
    return {
        "id": user["id"],
        "first_name": user["first_name"],
        "last_name": user["last_name"],
        "email_address": email_address,
    }


def sensor_user(controller: Json) -> Json:
    """Whom a Door Sensor event names: the controller's owner, without an id.

    ParqEx's one example of such an event names a user whose id is empty. The simulator knows
    an owner only by the names `/sync` gives, so the e-mail address is empty too.
    """
    return {
        "id": "",
        "first_name": controller.get("owner_first_name") or "",
        "last_name": controller.get("owner_last_name") or "",
        "email_address": "",
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class ToggleEvent:
    """A request for `door_state` of a door; `time` is wall-clock seconds."""

    door_id: str
    controller_id: str
    door_name: str
    door_state: str
    channel: str
    user: Json
    was_success: bool
    time: float

    @property
    def day(self) -> date:
        """The UTC day of the event, which `start_date` and `end_date` select by."""
        return datetime.fromtimestamp(self.time, UTC).date()

    def as_json(self) -> Json:
        """The event as `toggle-history` lists it."""
        return {
            "door_id": self.door_id,
            "door_name": self.door_name,
            "door_state": self.door_state,
            "channel": self.channel,
            "user": dict(self.user),
            "was_success": self.was_success,
            # ParqEx's example shows a date alone; the simulator writes the time too, as ParqEx
            # writes `last_toggled`.
            "toggle_date_time": parqex_time(self.time),
        }


def _required(query: Mapping[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise HistoryQueryError(f"{name} is required for this history_type")
    return value


def _day(query: Mapping[str, str], name: str) -> date | None:
    """A date bound of the query; None when it is not given (the page does not require it)."""
    value = query.get(name)
    if value is None:
        return None
    if _DAY.fullmatch(value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise HistoryQueryError(f"{name} must be a date as YYYY-MM-DD")


class ToggleHistory:
    """The last `per_door` events of every door."""

    def __init__(self, per_door: int = HISTORY_PER_DOOR) -> None:
        self.per_door = per_door
        self._doors: dict[str, deque[ToggleEvent]] = {}

    def record(self, event: ToggleEvent) -> None:
        """Keep an event, forgetting its door's oldest one past `per_door`."""
        kept = self._doors.setdefault(event.door_id, deque(maxlen=self.per_door))
        kept.append(event)

    def clear(self) -> None:
        """Forget every event."""
        self._doors.clear()

    def events(self) -> list[ToggleEvent]:
        """Every event kept, oldest first."""
        return sorted(
            (event for kept in self._doors.values() for event in kept),
            key=lambda event: event.time,
        )

    def answer(self, query: Mapping[str, str], user_id: str) -> list[Json]:
        """The `toggle_events` a query of `user_id` is answered with, oldest first.

        "door" is one door's history, "device" that of a controller's doors, "user" the
        requests `user_id` made (ParqEx does not say more). An id the account does not know
        has no history. The page does not give the order; a client must not rely on it.
        """
        history_type = query.get("history_type")
        if history_type == "door":
            events = list(self._doors.get(_required(query, "door_id"), ()))
        elif history_type == "device":
            device_id = _required(query, "device_id")
            events = [event for event in self.events() if event.controller_id == device_id]
        elif history_type == "user":
            events = [event for event in self.events() if event.user["id"] == user_id]
        else:
            raise HistoryQueryError("history_type must be door, device or user")
        start, end = _day(query, "start_date"), _day(query, "end_date")
        return [
            event.as_json()
            for event in events
            if (start is None or start <= event.day) and (end is None or event.day <= end)
        ]
