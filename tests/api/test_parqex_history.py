"""ParqexClient.async_toggle_history against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from aiohttp import ClientSession
import msgspec
import orjson
import pytest

from custom_components.parqex.api import (
    ApiError,
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    ParqexClient,
    ParqexToggleEvent,
    ParqexToggleHistory,
    RateLimitError,
    RequestRejectedError,
    ResponseTooLargeError,
    ServiceUnavailableError,
    transport,
)
from custom_components.parqex.api.parqex.models import parse_parqex_toggle_history
from simulator.seeds import (
    DEFAULT_PARQEX_USER,
    FAMILY_PARQEX_USER,
    GUEST_PARQEX_USER,
    PARQEX_TOGGLE_HISTORY_PATH,
)
from tests.api.test_parqex_client import KITTY, TOKEN, client_for
from tests.conftest import Simulator

LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
FIRST_CONTROLLER = "9d9e5e0e093a06d5f16e1116d108d0c7"
START, END = date(2026, 11, 1), date(2026, 11, 30)
# ParqEx's documented example, made JSON (the page leaves `timestamp` empty and a comma over).
DOCUMENTED_EVENT: dict[str, Any] = {
    "door_id": "69668e34-2b60-49aa-b42a-7e01ebc0cb58",
    "door_name": "Main Door",
    "door_state": "OPEN",
    "channel": "Door Sensor",
    "user": {
        "id": "",
        "first_name": "John",
        "last_name": "Doe",
        "email_address": "test@example.com",
    },
    "was_success": True,
    "toggle_date_time": "2019-12-12",
}


def _answer(events: Any) -> str:
    """A toggle-history answer listing `events`."""
    return orjson.dumps(
        {"success": True, "timestamp": 1, "data": {"toggle_events": events}}
    ).decode()


def _event(**changes: Any) -> dict[str, Any]:
    """The documented event, changed; a `None` change leaves the field out."""
    event = {**DOCUMENTED_EVENT, **changes}
    return {key: value for key, value in event.items() if value is not None}


async def _history_of(
    simulator: Simulator, http: ClientSession, body: str, **ids: str
) -> ParqexToggleHistory:
    simulator.fault(service="parqex", path=PARQEX_TOGGLE_HISTORY_PATH, status=200, body=body)
    return await client_for(simulator, http).async_toggle_history(start=START, end=END, **ids)


@pytest.mark.parametrize(
    ("ids", "selection"),
    [
        ({"door_id": KITTY}, {"history_type": "door", "door_id": KITTY}),
        (
            {"device_id": FIRST_CONTROLLER},
            {"history_type": "device", "device_id": FIRST_CONTROLLER},
        ),
        ({}, {"history_type": "user"}),
    ],
    ids=["door", "device", "user"],
)
async def test_sends_the_documented_query(
    simulator: Simulator, http: ClientSession, ids: dict[str, str], selection: dict[str, str]
) -> None:
    history = await client_for(simulator, http).async_toggle_history(
        start=START, end=datetime(2026, 11, 30, 23, 59, tzinfo=UTC), **ids
    )

    assert history == ParqexToggleHistory(events=(), skipped=0)
    (logged,) = simulator.state.requests
    assert (logged.method, logged.path, logged.status) == ("GET", PARQEX_TOGGLE_HISTORY_PATH, 200)
    assert logged.query == {**selection, "start_date": "2026-11-01", "end_date": "2026-11-30"}
    assert list(logged.query) == [*selection, "start_date", "end_date"]
    assert logged.headers["Authorization"] == "Bearer ***"
    assert logged.headers["Accept"] == "application/json"


async def test_a_door_and_a_controller_at_once_are_refused(
    simulator: Simulator, http: ClientSession
) -> None:
    with pytest.raises(ValueError, match="not both"):
        await client_for(simulator, http).async_toggle_history(
            start=START, end=END, door_id=KITTY, device_id=FIRST_CONTROLLER
        )
    assert list(simulator.state.requests) == []


async def test_who_opened_the_door_newest_first(simulator: Simulator, http: ClientSession) -> None:
    """The integration, Jamie from the app and the wall button, as the simulator logs them."""
    state = simulator.state
    state.travel_time = 0
    moments = iter(datetime(2026, 11, 20, 7, minute, tzinfo=UTC) for minute in range(10))
    state.wall_clock = lambda: next(moments)
    client = client_for(simulator, http)

    await client.async_toggle(KITTY, open_door=False)
    state.operate_door(KITTY, {"user_id": FAMILY_PARQEX_USER["id"]})
    state.operate_door(KITTY, {"channel": "Door Sensor"})
    state.toggle_failure = "428"
    with pytest.raises(ApiError):
        await client.async_toggle(KITTY, open_door=True)
    history = await client.async_toggle_history(start=START, end=END, door_id=KITTY)

    assert history.skipped == 0
    assert [event.time.minute for event in history.events] == [3, 2, 1, 0]
    failed, sensor, jamie, integration = history.events
    assert (failed.channel, failed.success, failed.requested_open) == ("ParqEx API", False, True)
    assert (integration.channel, integration.success) == ("ParqEx API", True)
    assert integration.requested_open is False
    assert integration.time == datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
    assert integration.door_id == KITTY
    assert integration.door_name == "Kitty"
    assert integration.user is not None
    assert (integration.user.id, integration.user.name) == (DEFAULT_PARQEX_USER["id"], "Pat Garage")
    assert (jamie.channel, jamie.requested_open, jamie.success) == ("ParqEx App", True, True)
    assert jamie.user is not None
    assert (jamie.user.id, jamie.user.name) == (FAMILY_PARQEX_USER["id"], "Jamie Rivera")
    # The wall button is logged under the controller's owner, without an id.
    assert (sensor.channel, sensor.requested_open) == ("Door Sensor", False)
    assert sensor.user is not None
    assert (sensor.user.id, sensor.user.name) == (None, "ParqEx Production")


async def test_the_users_own_and_a_controllers_history(
    simulator: Simulator, http: ClientSession
) -> None:
    state = simulator.state
    guest_token = state.issue_tokens(GUEST_PARQEX_USER["id"])["access_token"]
    guest = ParqexClient(http, guest_token, base_url=simulator.url)
    await guest.async_toggle(LAST_DOOR, open_door=False)
    await client_for(simulator, http).async_toggle(KITTY, open_door=False)
    today = datetime.now(UTC).date()

    mine = await guest.async_toggle_history(start=today, end=today)
    first = await guest.async_toggle_history(start=today, end=today, device_id=FIRST_CONTROLLER)

    assert [(event.door_id, event.user.id if event.user else None) for event in mine.events] == [
        (LAST_DOOR, GUEST_PARQEX_USER["id"])
    ]
    assert [event.door_id for event in first.events] == [KITTY]


async def test_the_documented_example(simulator: Simulator, http: ClientSession) -> None:
    history = await _history_of(simulator, http, _answer([DOCUMENTED_EVENT]))

    (event,) = history.events
    assert history.skipped == 0
    assert event.door_id == "69668e34-2b60-49aa-b42a-7e01ebc0cb58"
    assert (event.door_name, event.requested_open, event.success) == ("Main Door", True, True)
    assert event.channel == "Door Sensor"
    # A date alone is the start of that day, in UTC as every ParqEx time.
    assert event.time == datetime(2019, 12, 12, tzinfo=UTC)
    assert event.user is not None
    assert (event.user.id, event.user.name) == (None, "John Doe")
    assert (event.user.first_name, event.user.last_name) == ("John", "Doe")
    # The e-mail address is personal data nothing needs: it is not even decoded.
    assert "test@example.com" not in repr(msgspec.structs.asdict(event.user))


async def test_events_are_sorted_newest_first(simulator: Simulator, http: ClientSession) -> None:
    times = [
        "2026-11-20 08:00:00",
        "2026-11-21 06:30:00",
        "2026-11-20T09:00:00+02:00",  # 07:00 UTC
        "2026-11-21 06:30:00",
        "2026-11-19",
    ]
    events = [_event(door_name=f"#{n}", toggle_date_time=t) for n, t in enumerate(times)]

    history = await _history_of(simulator, http, _answer(events))

    # Events of the same time stay in the order ParqEx listed them.
    assert [event.door_name for event in history.events] == ["#1", "#3", "#0", "#2", "#4"]
    assert history.events[3].time == datetime(2026, 11, 20, 9, tzinfo=timezone(timedelta(hours=2)))
    assert history.events[2].time.tzinfo is UTC


@pytest.mark.parametrize(
    "malformed",
    [
        "not an event",
        None,
        _event(door_id=None),
        _event(door_id=""),
        _event(door_id=7),
        _event(toggle_date_time=None),
        _event(toggle_date_time="yesterday"),
        _event(toggle_date_time="2026-13-40 25:00:00"),
        _event(toggle_date_time=1_700_000_000),
        _event(was_success=None),
        _event(was_success="yes"),
        _event(door_state=1),
        _event(door_name=["Main"]),
        _event(channel=3),
        _event(user="John Doe"),
        _event(user={"id": 5}),
        _event(user={"first_name": {"x": 1}}),
    ],
    ids=lambda malformed: repr(malformed)[:60],
)
async def test_a_malformed_event_is_skipped_and_counted(
    simulator: Simulator, http: ClientSession, malformed: Any
) -> None:
    good = _event(toggle_date_time="2026-11-20 08:00:00")

    history = await _history_of(simulator, http, _answer([good, malformed, DOCUMENTED_EVENT]))

    assert history.skipped == 1
    assert [event.time.year for event in history.events] == [2026, 2019]


async def test_every_event_malformed(simulator: Simulator, http: ClientSession) -> None:
    history = await _history_of(simulator, http, _answer([{}, [], "x"]))
    assert history == ParqexToggleHistory(events=(), skipped=3)


async def test_missing_and_null_fields_of_an_event(
    simulator: Simulator, http: ClientSession
) -> None:
    events = [
        {"door_id": "d1", "was_success": False, "toggle_date_time": "2026-11-20 08:00:00"},
        _event(door_name=None, channel=None, user=None),
        _event(door_name="  Last Door! ", door_state="AJAR", user={"first_name": " Jamie "}),
        _event(door_name="  ", door_state="CLOSED", user={"id": "u1", "email_address": 7}),
        {**DOCUMENTED_EVENT, "door_name": None, "channel": None, "user": None, "extra": [1]},
    ]

    history = await _history_of(simulator, http, _answer(events))

    assert history.skipped == 0
    bare, *documented = history.events
    assert (bare.door_id, bare.success) == ("d1", False)
    assert (bare.door_name, bare.door_state, bare.channel, bare.user) == (None, None, None, None)
    assert bare.requested_open is None
    absent, renamed, blank, nulls = documented
    assert (absent.door_name, absent.channel, absent.user) == (None, None, None)
    assert (renamed.door_name, renamed.door_state, renamed.requested_open) == (
        "Last Door!",
        "AJAR",
        None,
    )
    assert renamed.user is not None
    assert (renamed.user.id, renamed.user.name) == (None, "Jamie")
    assert (blank.door_name, blank.requested_open) == (None, False)
    assert blank.user is not None
    assert (blank.user.id, blank.user.name) == ("u1", "")
    assert nulls == absent


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "{}",
        '{"success": true}',
        '{"data": null}',
        '{"data": []}',
        '{"data": {}}',
        '{"data": {"toggle_events": null}}',
        '{"data": {"toggle_events": {"door_id": "d1"}}}',
        '{"success": true, "message": "Sorry, your ParqEx Controller can\'t be found."}',
        "",
        "<html>Bad gateway</html>",
        '{"data": {"toggle_events": [' + "[" * 1_000_000 + "]" * 1_000_000 + "]}}",
    ],
    ids=lambda body: body[:40],
)
async def test_an_answer_without_a_list_of_events_is_invalid(
    simulator: Simulator, http: ClientSession, body: str
) -> None:
    with pytest.raises(InvalidResponseError, match="ParqEx toggle-history answer"):
        await _history_of(simulator, http, body)


@pytest.mark.parametrize("mode", ["not_json", "wrong_shape", "truncated", "deep_nesting"])
async def test_broken_answers_are_invalid(
    simulator: Simulator, http: ClientSession, mode: str
) -> None:
    simulator.state.operate_door(KITTY, {})
    simulator.fault(service="parqex", path=PARQEX_TOGGLE_HISTORY_PATH, mode=mode)
    today = datetime.now(UTC).date()
    with pytest.raises(InvalidResponseError):
        await client_for(simulator, http).async_toggle_history(
            start=today, end=today, door_id=KITTY
        )


async def test_a_200_saying_invalid_access_token_is_a_refusal(
    simulator: Simulator, http: ClientSession
) -> None:
    with pytest.raises(AuthenticationError):
        await _history_of(simulator, http, '{"error": "Invalid Access Token"}')


async def test_a_refused_token(simulator: Simulator, http: ClientSession) -> None:
    client = ParqexClient(http, "not-the-token", base_url=simulator.url)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_toggle_history(start=START, end=END)
    assert "not-the-token" not in str(caught.value)


async def test_a_token_source_is_awaited(simulator: Simulator, http: ClientSession) -> None:
    handed_out: list[str] = []

    async def source() -> str:
        handed_out.append(TOKEN)
        return TOKEN

    client = ParqexClient(http, source, base_url=simulator.url)
    history = await client.async_toggle_history(start=START, end=END, door_id=KITTY)
    assert (history.events, handed_out) == ((), [TOKEN])


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, RequestRejectedError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, ServiceUnavailableError),
        (503, ServiceUnavailableError),
    ],
)
async def test_status_codes_map_to_errors(
    simulator: Simulator, http: ClientSession, status: int, error: type[ApiError]
) -> None:
    simulator.fault(
        service="parqex",
        path=PARQEX_TOGGLE_HISTORY_PATH,
        status=status,
        headers={"Retry-After": "30"},
    )
    with pytest.raises(error) as caught:
        await client_for(simulator, http).async_toggle_history(start=START, end=END)
    if isinstance(caught.value, RateLimitError):
        assert caught.value.retry_after == 30


async def test_an_echoed_token_is_scrubbed(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="parqex", path=PARQEX_TOGGLE_HISTORY_PATH, mode="echo_secret")
    with pytest.raises(ServiceUnavailableError) as caught:
        await client_for(simulator, http).async_toggle_history(start=START, end=END)
    assert simulator.state.requests[-1].echoed_secret
    assert TOKEN not in str(caught.value)


async def test_a_slow_or_lost_answer_is_unavailable(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(service="parqex", path=PARQEX_TOGGLE_HISTORY_PATH, mode="hang", delay=2)
    with pytest.raises(ServiceUnavailableError, match=r"within 0\.2 s"):
        await client_for(simulator, http, request_timeout=0.2).async_toggle_history(
            start=START, end=END
        )
    simulator.fault(service="parqex", path=PARQEX_TOGGLE_HISTORY_PATH, mode="disconnect")
    with pytest.raises(ServiceUnavailableError):
        await client_for(simulator, http).async_toggle_history(start=START, end=END)


@pytest.mark.parametrize("mode", ["huge", "huge_chunked", "bomb"])
async def test_an_oversized_answer_is_refused(
    simulator: Simulator, http: ClientSession, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1024 * 1024)
    simulator.fault(
        service="parqex", path=PARQEX_TOGGLE_HISTORY_PATH, mode=mode, size=8 * 1024 * 1024
    )
    with pytest.raises(ResponseTooLargeError):
        await client_for(simulator, http).async_toggle_history(start=START, end=END)


def test_repr_keeps_personal_data_out() -> None:
    history = parse_parqex_toggle_history(_answer([DOCUMENTED_EVENT]).encode())
    (event,) = history.events
    assert event.user is not None

    for shown in (repr(history), repr(event), repr(event.user), str(event)):
        for personal in ("test@example.com", "John", "Doe"):
            assert personal not in shown
    assert repr(event) == (
        "ParqexToggleEvent(door_id='69668e34-2b60-49aa-b42a-7e01ebc0cb58', door_state='OPEN', "
        "channel='Door Sensor', success=True, user=ParqexToggleUser(id=None), "
        "toggle_date_time='2019-12-12')"
    )


def test_an_event_with_an_unreadable_time_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="toggle_date_time is not a date and time"):
        ParqexToggleEvent(door_id="d1", reported_time="soon", success=True)
