"""Who opened the garage, and doors left open: ParqEx's history as activity events."""

from __future__ import annotations

from datetime import timedelta
import time
from typing import Any, cast

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.cover import DOMAIN as COVER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, Event, HomeAssistant, State, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.parqex.api import ParqexAccount, ParqexClient, ParqexToggleHistory
from custom_components.parqex.api.parqex.models import (
    parse_parqex_sync,
    parse_parqex_toggle_history,
)
from custom_components.parqex.const import activity_signal
from custom_components.parqex.diagnostics import async_get_config_entry_diagnostics
from custom_components.parqex.door_activity import (
    HISTORY_COOLDOWN,
    MAX_EVENTS_PER_DOOR,
    DoorActivity,
    DoorHistory,
)
from simulator.parqex_history import parqex_time
from simulator.seeds import FAMILY_PARQEX_USER, PARQEX_EMAIL_ADDRESSES, Json
from tests.conftest import Simulator, find_entity, poll, setup

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
FIRST_CONTROLLER = "9d9e5e0e093a06d5f16e1116d108d0c7"
SYNC = "/oauth/v1/endpoints/sync"
HISTORY = "/oauth/v1/endpoints/toggle-history"
JAMIE = FAMILY_PARQEX_USER["id"]
WORKSHOP = "0c0ffee0c0ffee0c0ffee0c0ffee0c0f"
CLOSE_IN_APP = {"door_state": "CLOSED", "channel": "ParqEx App", "user_id": JAMIE}
# The wall button is logged under the controller's owner, by name.
LAST_DOOR_OWNER = "ParqEx Test"
# The seeded doors' controller lets a door stay open 900 s before alerting.
ALERT = 900


@pytest.fixture
async def doors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
) -> Simulator:
    """The ParqEx entry set up; doors travel 4 s by the frozen clock."""
    simulator.state.clock = time.monotonic
    simulator.state.travel_time = 4.0
    await setup(hass, parqex_entry)
    return simulator


def requests(simulator: Simulator, path: str) -> int:
    return sum(1 for r in simulator.state.requests if r.path == path)


def activities(hass: HomeAssistant, door_id: str) -> list[dict[str, Any]]:
    """Every event the door's activity entity fires from now on: its type and attributes."""
    entity_id = find_entity(hass, "event", door_id, "activity")
    fired: list[dict[str, Any]] = []

    @callback
    def changed(event: Event[Any]) -> None:
        new: State | None = event.data["new_state"]
        if event.data["entity_id"] == entity_id and new is not None and new.state != "unknown":
            fired.append(dict(new.attributes))

    hass.bus.async_listen("state_changed", changed)
    return fired


def left_open(hass: HomeAssistant, door_id: str) -> str:
    state = hass.states.get(find_entity(hass, "binary_sensor", door_id, "left_open"))
    assert state is not None
    return state.state


async def next_poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """One poll, then as long as the history read it may start waits."""
    await poll(hass, freezer, 30)
    await poll(hass, freezer, 5)


async def test_app_user_shows_who_and_how_within_one_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    fired = activities(hass, LAST_DOOR)
    doors.state.operate_door(LAST_DOOR, CLOSE_IN_APP)
    await poll(hass, freezer, 4)
    syncs = requests(doors, SYNC)
    await next_poll(hass, freezer)

    assert requests(doors, SYNC) == syncs + 1
    assert requests(doors, HISTORY) == 1
    (activity,) = fired
    assert activity["event_type"] == "closed"
    assert activity["user"] == "Jamie Rivera"
    assert activity["channel"] == "ParqEx App"
    assert activity["success"] is True
    # The e-mail address ParqEx sends is never shown.
    assert PARQEX_EMAIL_ADDRESSES[JAMIE] not in str(hass.states.async_all())


async def test_quiet_polls_read_no_history(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    before = len(doors.state.requests)
    for _ in range(4):
        await next_poll(hass, freezer)
    paths = [r.path for r in list(doors.state.requests)[before:]]
    assert paths
    assert set(paths) == {SYNC}


async def test_one_history_request_per_change(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
) -> None:
    simulator.state.clock = time.monotonic
    simulator.state.add_door(
        FIRST_CONTROLLER, {"id": WORKSHOP, "name": "Workshop", "state": "CLOSED", "active": True}
    )
    await setup(hass, parqex_entry)
    kitty, workshop = activities(hass, KITTY), activities(hass, WORKSHOP)
    last_door = activities(hass, LAST_DOOR)

    # Two doors of one controller in one poll: one request for both.
    simulator.state.operate_door(KITTY, {"door_state": "CLOSED", "channel": "ParqEx Web"})
    simulator.state.operate_door(WORKSHOP, {"door_state": "OPEN", "channel": "Door Sensor"})
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert requests(simulator, HISTORY) == 1
    assert [(a["event_type"], a["user"], a["channel"]) for a in kitty] == [
        ("closed", "Pat Garage", "ParqEx Web")
    ]
    # The wall button is logged under the controller's owner.
    assert [(a["event_type"], a["user"], a["channel"]) for a in workshop] == [
        ("opened", "ParqEx Production", "Door Sensor")
    ]

    # Doors of two controllers: one request for each controller.
    simulator.state.operate_door(KITTY, {"door_state": "OPEN", "user_id": JAMIE})
    simulator.state.operate_door(LAST_DOOR, CLOSE_IN_APP)
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert requests(simulator, HISTORY) == 3
    assert [a["event_type"] for a in kitty] == ["closed", "opened"]
    assert [a["user"] for a in last_door] == ["Jamie Rivera"]


async def test_failed_attempt_and_the_move_after_it(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    fired = activities(hass, LAST_DOOR)
    doors.state.toggle_failure = "Sorry, your ParqEx Controller can't be found."
    doors.state.operate_door(LAST_DOOR, CLOSE_IN_APP)
    # A failed attempt changes no door: nothing is read for it by itself.
    await next_poll(hass, freezer)
    assert requests(doors, HISTORY) == 0
    doors.state.toggle_failure = None
    freezer.tick(timedelta(seconds=1))
    doors.state.operate_door(LAST_DOOR, {"door_state": "CLOSED", "channel": "Door Sensor"})
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert [(a["user"], a["success"]) for a in fired] == [
        ("Jamie Rivera", False),
        (LAST_DOOR_OWNER, True),
    ]


async def test_command_from_home_assistant_is_announced_at_once_and_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    doors: Simulator,
    hass_admin_user: Any,
) -> None:
    fired = activities(hass, KITTY)
    cover = find_entity(hass, "cover", KITTY, "cover")
    await hass.services.async_call(
        COVER_DOMAIN,
        "close_cover",
        {ATTR_ENTITY_ID: cover},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    await hass.async_block_till_done()
    (activity,) = fired
    assert activity["event_type"] == "closed"
    assert activity["user"] == hass_admin_user.name
    assert activity["channel"] == "Home Assistant"
    assert activity["success"] is True

    # ParqEx's history has the same command (its API channel): it is not announced again.
    for _ in range(3):
        await next_poll(hass, freezer)
    assert requests(doors, HISTORY) >= 1
    assert len(fired) == 1


async def test_history_before_home_assistant_started_is_not_replayed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
) -> None:
    simulator.state.clock = time.monotonic
    simulator.state.travel_time = 1.0
    simulator.state.operate_door(LAST_DOOR, CLOSE_IN_APP)
    freezer.tick(timedelta(minutes=5))
    await setup(hass, parqex_entry)
    fired = activities(hass, LAST_DOOR)
    simulator.state.operate_door(KITTY, {"door_state": "CLOSED", "channel": "ParqEx Web"})
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert requests(simulator, HISTORY) == 1
    assert fired == []


async def test_unreadable_history_costs_nothing_more(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    fired = activities(hass, KITTY)
    doors.fault(service="parqex", path=HISTORY, status=500)
    doors.state.operate_door(KITTY, {"door_state": "CLOSED", "channel": "ParqEx Web"})
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert requests(doors, HISTORY) == 1
    assert fired == []
    assert hass.states.get(find_entity(hass, "cover", KITTY, "cover")).state == "closed"


async def test_malformed_events_are_skipped_and_counted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    doors: Simulator,
    parqex_entry: MockConfigEntry,
) -> None:
    fired = activities(hass, KITTY)
    good = {
        "door_id": KITTY,
        "door_name": "Kitty",
        "door_state": "CLOSED",
        "channel": "ParqEx Web",
        "user": {
            "id": JAMIE,
            "first_name": "Jamie",
            "last_name": "Rivera",
            "email_address": PARQEX_EMAIL_ADDRESSES[JAMIE],
        },
        "was_success": True,
        "toggle_date_time": parqex_time(time.time() + 1),
    }
    body = {"data": {"toggle_events": [good, {"door_id": KITTY}, {"was_success": "yes"}, 7]}}
    doors.fault(service="parqex", path=HISTORY, status=200, body=orjson.dumps(body).decode())
    doors.state.operate_door(KITTY, {"door_state": "CLOSED", "channel": "ParqEx Web"})
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)

    assert [(a["event_type"], a["user"]) for a in fired] == [("closed", "Jamie Rivera")]
    diagnostics = await async_get_config_entry_diagnostics(hass, parqex_entry)
    assert diagnostics["door_history"] == {"reads": 1, "skipped": 3}
    assert "Jamie" not in str(diagnostics)
    assert "Rivera" not in str(diagnostics)


async def test_left_open_since_before_home_assistant_started(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    # Kitty has been open since 2020.
    assert left_open(hass, KITTY) == "on"
    doors.state.operate_door(KITTY, {"door_state": "CLOSED", "channel": "ParqEx Web"})
    await next_poll(hass, freezer)
    assert left_open(hass, KITTY) == "off"


async def test_left_open_turns_on_by_its_timer_alone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    assert left_open(hass, LAST_DOOR) == "on"
    doors.state.operate_door(LAST_DOOR, CLOSE_IN_APP)
    await next_poll(hass, freezer)
    assert left_open(hass, LAST_DOOR) == "off"
    doors.state.operate_door(LAST_DOOR, {"door_state": "OPEN", "user_id": JAMIE})
    await next_poll(hass, freezer)
    assert hass.states.get(find_entity(hass, "cover", LAST_DOOR, "cover")).state == "open"
    assert left_open(hass, LAST_DOOR) == "off"

    # Polls with nothing new tell no entity; the alert time running out turns it on.
    since = len(doors.state.requests)
    await poll(hass, freezer, ALERT - 60)
    assert left_open(hass, LAST_DOOR) == "off"
    await poll(hass, freezer, 60)
    assert left_open(hass, LAST_DOOR) == "on"
    assert {r.path for r in list(doors.state.requests)[since:]} == {SYNC}

    doors.state.operate_door(LAST_DOOR, {"door_state": "CLOSED", "channel": "Door Sensor"})
    await next_poll(hass, freezer)
    assert left_open(hass, LAST_DOOR) == "off"


async def test_left_open_when_parqex_clock_runs_ahead(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    # ParqEx says the door moved an hour from now: it counts from when it was seen open.
    doors.state.update_door(
        LAST_DOOR, {"state": "OPEN", "last_toggled": parqex_time(time.time() + 3600)}
    )
    await poll(hass, freezer, 30)
    assert left_open(hass, LAST_DOOR) == "off"
    await poll(hass, freezer, ALERT)
    assert left_open(hass, LAST_DOOR) == "on"


def history_event(when: float, state: str = "OPEN", user: str = "u1", **extra: Any) -> Json:
    return {
        "door_id": KITTY,
        "door_state": state,
        "channel": "ParqEx App",
        "user": {"id": user, "first_name": "Jamie", "last_name": "Rivera"},
        "was_success": True,
        "toggle_date_time": parqex_time(when),
        **extra,
    }


class StubClient:
    """A ParqEx client whose history answer the test sets."""

    def __init__(self) -> None:
        self.answer: list[Json] = []

    async def async_toggle_history(self, **_: Any) -> ParqexToggleHistory:
        return parse_parqex_toggle_history(orjson.dumps({"data": {"toggle_events": self.answer}}))


def account(state: str, last_toggled: float) -> ParqexAccount:
    door = {"id": KITTY, "name": "Kitty", "state": state, "last_toggled": parqex_time(last_toggled)}
    return parse_parqex_sync(orjson.dumps({"devices": [{"id": FIRST_CONTROLLER, "doors": [door]}]}))


async def test_history_edges(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, parqex_entry: MockConfigEntry
) -> None:
    """Floods are capped, events in the same second told apart, unknown states skipped."""
    client = StubClient()
    history = DoorHistory(hass, parqex_entry, cast(ParqexClient, client))
    fired: list[DoorActivity] = []
    async_dispatcher_connect(hass, activity_signal(parqex_entry.entry_id, KITTY), fired.append)
    start = time.time()
    history.async_note_answer(None, account("CLOSED", start - 60))

    freezer.tick(timedelta(seconds=30))
    now = time.time()
    client.answer = [history_event(now, user=f"u{n}") for n in range(MAX_EVENTS_PER_DOOR + 5)] + [
        history_event(now - 1, state="STUCK"),
        history_event(start - 120),
    ]
    history.async_note_answer(account("CLOSED", start - 60), account("OPEN", now))
    freezer.tick(timedelta(seconds=HISTORY_COOLDOWN + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    # Newest first, at most the cap; the odd state and what came before start are not told.
    assert len(fired) == MAX_EVENTS_PER_DOOR
    assert history.reads == 1

    # The same second again, with one event more: only the new one is told.
    client.answer = [history_event(now, user="late"), *client.answer]
    history.async_note_answer(account("OPEN", now), account("CLOSED", now))
    freezer.tick(timedelta(seconds=HISTORY_COOLDOWN + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(fired) == MAX_EVENTS_PER_DOOR + 1
    history.async_shutdown()
