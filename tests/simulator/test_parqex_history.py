"""The simulator's ParqEx toggle history: every channel, its users, its queries and its bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import gzip
import random
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession
import orjson
import pytest

from simulator.parqex_history import HISTORY_PER_DOOR, ToggleHistory
from simulator.scenario import scenario_step
from simulator.seeds import (
    DEFAULT_PARQEX_USER,
    FAMILY_PARQEX_USER,
    GUEST_PARQEX_USER,
    PARQEX_EMAIL_ADDRESSES,
    PARQEX_TOGGLE_HISTORY_PATH,
    PARQEX_TOGGLE_PATHS,
    TOGGLE_ACCEPTED,
    TOGGLE_FAILURES,
    TOGGLE_MALFORMED,
    TOGGLE_NOT_FOUND,
    Json,
)
from simulator.state import SimulatorState
from tests.conftest import Simulator
from tests.simulator.conftest import Clock, control
from tests.simulator.test_simulator import (
    FIRST,
    KITTY,
    LAST_DOOR,
    PARQEX_HEADERS,
    parqex_call,
    sign_in_tokens,
    toggle,
)

SECOND = "35ff0e08ac8eb84ca097a894541ba049"
PAT, ALEX, JAMIE = DEFAULT_PARQEX_USER, GUEST_PARQEX_USER, FAMILY_PARQEX_USER
NOV_20 = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


def history_user(user: Json) -> Json:
    """A user as the history names them."""
    return {**user, "email_address": PARQEX_EMAIL_ADDRESSES[user["id"]]}


async def history(
    http: ClientSession, simulator: Simulator, token: str | None = None, **query: str
) -> tuple[int, Any]:
    """Ask `toggle-history` with `query` (as the static token's user by default)."""
    path = f"{PARQEX_TOGGLE_HISTORY_PATH}?{urlencode(query)}"
    if token is None:
        return await parqex_call(http, simulator, path)
    return await parqex_call(http, simulator, path, token=token)


async def events_of(http: ClientSession, simulator: Simulator, **query: str) -> list[Json]:
    """The `toggle_events` of a query ParqEx answers."""
    status, answer = await history(http, simulator, **query)
    assert status == 200, answer
    assert answer["success"] is True
    events: list[Json] = answer["data"]["toggle_events"]
    return events


async def operate(
    http: ClientSession, simulator: Simulator, door_id: str, **body: Any
) -> tuple[int, Any]:
    return await control(http, simulator, "POST", f"/parqex/doors/{door_id}/operate", body)


def door_state(simulator: Simulator, door_id: str) -> str:
    """A door's state once every door that got there by now moved."""
    simulator.state.settle_toggles()
    state: str = simulator.state._door(door_id)["state"]
    return state


@pytest.fixture
def days(simulator: Simulator) -> list[datetime]:
    """The wall-clock times events are logged at; the last one given stays."""
    moments = [NOV_20]
    simulator.state.wall_clock = lambda: moments[-1]
    return moments


async def test_the_integrations_toggles_are_the_api_channel(
    simulator: Simulator, http: ClientSession, clock: Clock, days: list[datetime]
) -> None:
    status, answer = await toggle(http, simulator, {"door_id": KITTY, "door_state": "CLOSED"})
    assert (status, answer["message"]) == (200, TOGGLE_ACCEPTED)

    status, answer = await history(http, simulator, history_type="door", door_id=KITTY)

    assert status == 200
    assert set(answer) == {"success", "timestamp", "data"}
    assert answer["data"] == {
        "toggle_events": [
            {
                "door_id": KITTY,
                "door_name": "Kitty",
                "door_state": "CLOSED",
                "channel": "ParqEx API",
                "user": history_user(PAT),
                "was_success": True,
                "toggle_date_time": "2026-11-20 07:30:00",
            }
        ]
    }
    # Logged when asked; the door gets there later, and that adds nothing.
    assert door_state(simulator, KITTY) == "OPEN"
    clock.now += 5
    assert len(await events_of(http, simulator, history_type="door", door_id=KITTY)) == 1
    assert door_state(simulator, KITTY) == "CLOSED"


async def test_a_signed_in_users_toggles_are_theirs(
    simulator: Simulator, http: ClientSession
) -> None:
    await control(http, simulator, "POST", "/parqex/settings", {"authorizing_user": ALEX["id"]})
    token = (await sign_in_tokens(http, simulator))["access_token"]
    await toggle(http, simulator, {"door_id": LAST_DOOR, "door_state": "CLOSED"}, token=token)

    (event,) = await events_of(http, simulator, history_type="door", door_id=LAST_DOOR)

    assert (event["channel"], event["user"]) == ("ParqEx API", history_user(ALEX))
    assert event["user"]["email_address"] == "alex.guest@example.com"


@pytest.mark.parametrize("channel", ["ParqEx App", "ParqEx Web"])
@pytest.mark.parametrize("user", [PAT, ALEX, JAMIE], ids=lambda user: user["first_name"])
async def test_anyone_operates_a_door_from_the_app(
    simulator: Simulator, http: ClientSession, clock: Clock, channel: str, user: Json
) -> None:
    status, event = await operate(http, simulator, KITTY, channel=channel, user_id=user["id"])

    assert status == 200
    assert event["channel"] == channel
    assert event["user"] == history_user(user)
    # Asked for the state the door is not in, and it goes there like a toggle.
    assert (event["door_state"], event["was_success"]) == ("CLOSED", True)
    assert door_state(simulator, KITTY) == "OPEN"
    clock.now += 5
    assert door_state(simulator, KITTY) == "CLOSED"
    assert await events_of(http, simulator, history_type="door", door_id=KITTY) == [event]
    # Only the integration's own toggles are the API's.
    assert simulator.state.toggles == []


async def test_the_app_is_the_accounts_user_by_default(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.state.travel_time = 0
    _, first = await operate(http, simulator, KITTY)
    _, second = await operate(http, simulator, KITTY, door_state="CLOSED")
    _, third = await operate(http, simulator, KITTY)

    assert [(e["channel"], e["user"]["id"]) for e in (first, second, third)] == [
        ("ParqEx App", PAT["id"])
    ] * 3
    # Asking for the state the door is in is logged all the same.
    assert [e["door_state"] for e in (first, second, third)] == ["CLOSED", "CLOSED", "OPEN"]
    assert door_state(simulator, KITTY) == "OPEN"


async def test_the_wall_button_is_logged_by_the_door_sensor(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    simulator.state.door_stuck = True
    status, event = await operate(http, simulator, LAST_DOOR, channel="Door Sensor")

    assert status == 200
    # ParqEx names the controller's owner, with an empty id, as in its documented example.
    assert event["user"] == {
        "id": "",
        "first_name": "ParqEx",
        "last_name": "Test",
        "email_address": "",
    }
    assert (event["channel"], event["door_state"], event["was_success"]) == (
        "Door Sensor",
        "CLOSED",
        True,
    )
    assert event["door_name"] == "Last Door! "
    # A stuck door stays stuck, whoever presses the button.
    clock.now += 60
    assert door_state(simulator, LAST_DOOR) == "OPEN"


async def test_a_controller_without_owner_names(simulator: Simulator) -> None:
    simulator.state.add_controller({"id": "c3", "doors": [{"id": "d3", "state": "CLOSED"}]})
    event = simulator.state.operate_door("d3", {"channel": "Door Sensor"})
    assert (event["door_name"], event["door_state"]) == ("", "OPEN")
    assert event["user"] == {"id": "", "first_name": "", "last_name": "", "email_address": ""}


@pytest.mark.parametrize(
    ("door_id", "body", "error"),
    [
        ("nope", {}, "no door nope"),
        (KITTY, {"channel": "ParqEx API"}, "channel must be one of"),
        (KITTY, {"channel": None}, "channel must be one of"),
        (KITTY, {"door_state": "open"}, "door_state must be OPEN or CLOSED"),
        (KITTY, {"user_id": "nobody"}, "no ParqEx user nobody"),
        (KITTY, {"channel": "Door Sensor", "user_id": PAT["id"]}, "the controller's owner"),
    ],
)
async def test_operations_that_cannot_be(
    simulator: Simulator, http: ClientSession, door_id: str, body: Json, error: str
) -> None:
    status, answer = await operate(http, simulator, door_id, **body)
    assert status == 404
    assert error in answer["error"]
    assert simulator.state.toggle_history.events() == []
    assert door_state(simulator, KITTY) == "OPEN"


@pytest.mark.parametrize("failure", list(TOGGLE_FAILURES))
async def test_failed_toggles_are_logged_as_failed(
    simulator: Simulator, http: ClientSession, clock: Clock, failure: str
) -> None:
    simulator.state.travel_time = 0
    await control(http, simulator, "POST", "/parqex/settings", {"toggle_failure": failure})

    _, answer = await toggle(http, simulator, {"door_id": KITTY, "door_state": "CLOSED"})
    assert answer["message"] == TOGGLE_FAILURES[failure]
    # A request that names no door of the account has no history to go into.
    await toggle(http, simulator, {"door_id": KITTY})
    await toggle(http, simulator, {"door_id": "0" * 32, "door_state": "CLOSED"})
    _, from_app = await operate(http, simulator, KITTY, user_id=JAMIE["id"])
    # The wall button does not go through the cloud.
    _, from_wall = await operate(http, simulator, KITTY, channel="Door Sensor")

    events = await events_of(http, simulator, history_type="door", door_id=KITTY)
    assert [(e["channel"], e["door_state"], e["was_success"]) for e in events] == [
        ("ParqEx API", "CLOSED", False),
        ("ParqEx App", "CLOSED", False),
        ("Door Sensor", "CLOSED", True),
    ]
    assert events[1:] == [from_app, from_wall]
    assert simulator.state.toggles == []
    assert door_state(simulator, KITTY) == "CLOSED"


async def test_malformed_and_unknown_toggles_are_not_logged(
    simulator: Simulator, http: ClientSession
) -> None:
    for body, message in (
        ({"door_id": KITTY, "door_state": "AJAR"}, TOGGLE_MALFORMED),
        ({"door_id": "0" * 32, "door_state": "OPEN"}, TOGGLE_NOT_FOUND),
    ):
        assert (await toggle(http, simulator, body))[1]["message"] == message
    assert simulator.state.toggle_history.events() == []


async def test_door_device_and_user_histories(
    simulator: Simulator, http: ClientSession, days: list[datetime]
) -> None:
    state = simulator.state
    state.travel_time = 0
    alex_token = state.issue_tokens(ALEX["id"])["access_token"]
    state.toggle(PAT["id"], {"door_id": KITTY, "door_state": "CLOSED"})
    days.append(NOV_20 + timedelta(minutes=1))
    state.operate_door(LAST_DOOR, {"user_id": JAMIE["id"]})
    days.append(NOV_20 + timedelta(minutes=2))
    state.toggle(ALEX["id"], {"door_id": LAST_DOOR, "door_state": "OPEN"})
    days.append(NOV_20 + timedelta(minutes=3))
    state.operate_door(KITTY, {"channel": "Door Sensor"})
    days.append(NOV_20 + timedelta(minutes=4))
    state.operate_door(KITTY, {"channel": "ParqEx Web"})

    def seen(events: list[Json]) -> list[tuple[str, str, str]]:
        return [(e["door_id"], e["channel"], e["user"]["first_name"]) for e in events]

    # Oldest first, as the simulator lists every history.
    assert seen(await events_of(http, simulator, history_type="door", door_id=KITTY)) == [
        (KITTY, "ParqEx API", "Pat"),
        (KITTY, "Door Sensor", "ParqEx"),
        (KITTY, "ParqEx Web", "Pat"),
    ]
    assert seen(await events_of(http, simulator, history_type="device", device_id=SECOND)) == [
        (LAST_DOOR, "ParqEx App", "Jamie"),
        (LAST_DOOR, "ParqEx API", "Alex"),
    ]
    # A user's history is what they asked, through any channel, on any door.
    assert seen(await events_of(http, simulator, history_type="user")) == [
        (KITTY, "ParqEx API", "Pat"),
        (KITTY, "ParqEx Web", "Pat"),
    ]
    status, answer = await history(http, simulator, alex_token, history_type="user")
    assert status == 200
    assert seen(answer["data"]["toggle_events"]) == [(LAST_DOOR, "ParqEx API", "Alex")]
    # Ids the account does not know have no history.
    assert await events_of(http, simulator, history_type="door", door_id=FIRST) == []
    assert await events_of(http, simulator, history_type="device", device_id=KITTY) == []
    # The control API shows every door's, oldest first.
    _, everything = await control(http, simulator, "GET", "/parqex/toggle-history")
    assert [e["toggle_date_time"][-5:] for e in everything] == [
        f"{minute:02d}:00" for minute in range(30, 35)
    ]


async def test_dates_select_whole_utc_days(
    simulator: Simulator, http: ClientSession, days: list[datetime]
) -> None:
    for moment in (
        datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 15, 12, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
    ):
        days.append(moment)
        simulator.state.operate_door(KITTY, {})

    async def times(**dates: str) -> list[str]:
        events = await events_of(http, simulator, history_type="door", door_id=KITTY, **dates)
        return [event["toggle_date_time"] for event in events]

    november = ["2026-11-01 00:00:00", "2026-11-15 12:00:00", "2026-11-30 23:59:59"]
    assert await times(start_date="2026-11-01", end_date="2026-11-30") == november
    assert await times(start_date="2026-11-15", end_date="2026-11-15") == [november[1]]
    assert await times(start_date="2026-11-30") == [november[2], "2026-12-01 00:00:00"]
    assert await times(end_date="2026-10-31") == ["2026-10-31 23:59:59"]
    assert len(await times()) == 5
    assert await times(start_date="2026-12-01", end_date="2026-11-01") == []


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({}, "history_type must be door, device or user"),
        ({"history_type": "controller"}, "history_type must be"),
        ({"history_type": "door"}, "door_id is required"),
        ({"history_type": "door", "door_id": ""}, "door_id is required"),
        ({"history_type": "device", "door_id": KITTY}, "device_id is required"),
        ({"history_type": "user", "start_date": "2026-11-1"}, "start_date must be a date"),
        ({"history_type": "user", "end_date": "2026-02-30"}, "end_date must be a date"),
        ({"history_type": "user", "end_date": "20261130"}, "end_date must be a date"),
        ({"history_type": "user", "start_date": "today"}, "start_date must be a date"),
    ],
)
async def test_queries_that_cannot_be_answered(
    simulator: Simulator, http: ClientSession, query: dict[str, str], error: str
) -> None:
    status, answer = await history(http, simulator, **query)
    assert status == 400
    assert error in answer["error"]


@pytest.mark.parametrize(
    "missing", ["Accept", "Accept-Encoding", "Accept-Charset", "Authorization", "Content-Type"]
)
async def test_the_history_needs_the_five_headers(
    simulator: Simulator, http: ClientSession, missing: str
) -> None:
    path = f"{PARQEX_TOGGLE_HISTORY_PATH}?history_type=user"
    assert await parqex_call(http, simulator, path, drop=missing) == (
        401,
        {"error": "Invalid Access Token"},
    )
    assert (await history(http, simulator, "pqx_at_unknown", history_type="user"))[0] == 401


async def test_the_history_answers_gzip(simulator: Simulator, http: ClientSession) -> None:
    simulator.state.operate_door(KITTY, {})
    async with http.get(
        f"{simulator.url}{PARQEX_TOGGLE_HISTORY_PATH}?history_type=door&door_id={KITTY}",
        headers=PARQEX_HEADERS,
        auto_decompress=False,
    ) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        answer = orjson.loads(gzip.decompress(await response.read()))
    assert len(answer["data"]["toggle_events"]) == 1


async def test_each_door_keeps_its_last_events(simulator: Simulator, http: ClientSession) -> None:
    state = simulator.state
    state.travel_time = 0
    assert state.toggle_history.per_door == HISTORY_PER_DOOR == 500
    moments = iter(range(HISTORY_PER_DOOR + 6))
    state.wall_clock = lambda: NOV_20 + timedelta(seconds=next(moments))
    state.operate_door(LAST_DOOR, {})
    for _ in range(HISTORY_PER_DOOR + 5):
        state.operate_door(KITTY, {})

    kept = await events_of(http, simulator, history_type="door", door_id=KITTY)
    assert len(kept) == HISTORY_PER_DOOR
    # The oldest five went.
    assert kept[0]["toggle_date_time"] == "2026-11-20 07:30:06"
    assert len(await events_of(http, simulator, history_type="door", door_id=LAST_DOOR)) == 1

    small = ToggleHistory(per_door=2)
    for event in state.toggle_history.events()[:4]:
        small.record(event)
    assert [event.door_id for event in small.events()] == [LAST_DOOR, KITTY, KITTY]


async def test_reset_forgets_the_history(simulator: Simulator, http: ClientSession) -> None:
    simulator.state.operate_door(KITTY, {})
    assert (await control(http, simulator, "POST", "/reset"))[0] == 200
    assert (await control(http, simulator, "GET", "/parqex/toggle-history")) == (200, [])


async def test_faults_apply_to_the_history(simulator: Simulator, http: ClientSession) -> None:
    await control(
        http,
        simulator,
        "POST",
        "/faults",
        {
            "service": "parqex",
            "path": PARQEX_TOGGLE_HISTORY_PATH,
            "status": 503,
            "body": '{"error": "down"}',
        },
    )
    assert (await history(http, simulator, history_type="user"))[0] == 503
    (logged,) = simulator.state.requests
    assert (logged.path, logged.status, logged.fault) == (PARQEX_TOGGLE_HISTORY_PATH, 503, "status")
    assert logged.query == {"history_type": "user"}
    assert (await history(http, simulator, history_type="user"))[0] == 200


async def test_a_toggle_fault_is_not_one_of_the_history(
    simulator: Simulator, http: ClientSession
) -> None:
    """A fault's path is a route and those below it, not every path that starts alike."""
    down = '{"error": "down"}'
    simulator.fault(service="parqex", path=PARQEX_TOGGLE_PATHS["plural"], status=500, body=down)
    simulator.fault(service="parqex", path="/oauth/v1/endpoints/", status=502, body=down)

    assert (await history(http, simulator, history_type="user"))[0] == 502
    assert (await toggle(http, simulator, {"door_id": KITTY, "door_state": "OPEN"}))[0] == 500


def test_the_scenario_operates_doors_from_the_app_and_the_wall() -> None:
    state = SimulatorState()
    rng = random.Random(7)  # noqa: S311 (reproducible)
    changes = [scenario_step(state, rng) for _ in range(200)]

    events = state.toggle_history.events()
    assert {(e.channel, e.user["first_name"]) for e in events} == {
        ("Door Sensor", "ParqEx"),
        ("ParqEx App", "Jamie"),
        ("ParqEx Web", "Jamie"),
        ("ParqEx App", "Pat"),
        ("ParqEx Web", "Pat"),
    }
    assert all(event.was_success for event in events)
    moved = [c for c in changes if c.startswith("door ") and "battery" not in c]
    assert len(moved) == len(events)
    assert any(change.endswith("(Door Sensor, ParqEx Test)") for change in moved)
    assert any(change.endswith("(ParqEx App, Jamie Rivera)") for change in moved)

    # The app fails with the cloud; the wall button does not.
    state.toggle_failure = "not_found"
    changes = [scenario_step(state, rng) for _ in range(100)]
    assert any(change.endswith("Rivera, failed)") for change in changes)
    assert not any(change.endswith("Test, failed)") for change in changes)
