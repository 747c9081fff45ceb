"""The simulated Seam's keypad codes and auto-lock: seeds, routes, checks, events, the keypad."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.access_codes import (
    CODE_RULES,
    AccessCode,
    check_code,
    check_name,
    code_problem,
    page_cursor,
)
from simulator.seeds import (
    BACK_CLEANER_CODE_ID,
    BACK_DOOR_ID,
    BACK_FAMILY_CODE_ID,
    BACK_UNMANAGED_CODE_ID,
    CLEANER_ENDS_AT,
    CLEANER_STARTS_AT,
    FRONT_CLEANER_CODE_ID,
    FRONT_DOOR_ID,
    FRONT_FAMILY_CODE_ID,
    FRONT_UNMANAGED_CODE_ID,
    NEST_THERMOSTAT_ID,
    Json,
    seam_seed_access_codes,
    seam_seed_devices,
)
from simulator.state import DEFAULT_AUTO_LOCK_DELAY, SimulatorState
from simulator.thermostats import InvalidInput
from tests.conftest import Simulator
from tests.simulator.conftest import SEAM_HEADERS, Clock, control, ok, refused, seam

FRONT, BACK = FRONT_DOOR_ID, BACK_DOOR_ID
PADLOCK = "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503"
GARAGE = "e9f0a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a04"
UNKNOWN = "00000000-0000-4000-8000-00000000dead"
# Inside the seeded cleaner codes' time frame, and after it.
DURING_CLEANING = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
AFTER_CLEANING = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)
# What every access code event carries besides Seam's own fields.
CODE_EVENT_FIELDS = {"access_code_id", "device_id", "connected_account_id"}


@pytest.fixture
def cleaning_day(simulator: Simulator) -> None:
    """The wall clock stands inside the cleaner codes' time frame."""
    simulator.state.wall_clock = lambda: DURING_CLEANING


async def not_found(http: ClientSession, simulator: Simulator, path: str, body: Any) -> str:
    """What a 404 answer says is missing: its error type."""
    status, answer = await seam(http, simulator, path, body)
    assert status == 404, answer
    error_type: str = answer["error"]["type"]
    return error_type


async def keypad(http: ClientSession, simulator: Simulator, device_id: str, code: Any) -> Json:
    status, answer = await control(
        http, simulator, "POST", f"/seam/devices/{device_id}/keypad", {"code": code}
    )
    assert status == 200, answer
    result: Json = answer
    return result


async def create(http: ClientSession, simulator: Simulator, **body: Any) -> tuple[Json, Json]:
    """A code Seam accepts to create: the code and the action attempt it answered."""
    answer = await ok(http, simulator, "/access_codes/create", **body)
    return answer["access_code"], answer["action_attempt"]


async def get_code(http: ClientSession, simulator: Simulator, access_code_id: str) -> Json:
    answer = await ok(http, simulator, "/access_codes/get", access_code_id=access_code_id)
    code: Json = answer["access_code"]
    return code


async def attempt(http: ClientSession, simulator: Simulator, action_attempt_id: str) -> Json:
    answer = await ok(http, simulator, "/action_attempts/get", action_attempt_id=action_attempt_id)
    found: Json = answer["action_attempt"]
    return found


def types(events: list[Json]) -> list[str]:
    return [event["event_type"] for event in events]


def only(events: list[Json], event_type: str) -> Json:
    (event,) = [event for event in events if event["event_type"] == event_type]
    return event


def is_locked(simulator: Simulator, device_id: str) -> bool:
    locked: bool = simulator.state.devices[device_id]["properties"]["locked"]
    return locked


def account(simulator: Simulator, device_id: str) -> str:
    account_id: str = simulator.state.devices[device_id]["connected_account_id"]
    return account_id


# Seeds


def test_the_seeded_codes() -> None:
    seeds = {code["access_code_id"]: code for code in seam_seed_access_codes()}
    summary = {
        code_id: (code["device_id"], code["name"], code["code"], code.get("is_managed", True))
        for code_id, code in seeds.items()
    }
    assert summary == {
        FRONT_FAMILY_CODE_ID: (FRONT, "Family", "4819", True),
        FRONT_CLEANER_CODE_ID: (FRONT, "Cleaner", "739146", True),
        FRONT_UNMANAGED_CODE_ID: (FRONT, "Dog Walker", "6257", False),
        BACK_FAMILY_CODE_ID: (BACK, "Family", "53791", True),
        BACK_CLEANER_CODE_ID: (BACK, "Cleaner", "8642", True),
        BACK_UNMANAGED_CODE_ID: (BACK, "Handyman", "3366", False),
    }
    for cleaner in (FRONT_CLEANER_CODE_ID, BACK_CLEANER_CODE_ID):
        assert (seeds[cleaner]["starts_at"], seeds[cleaner]["ends_at"]) == (
            CLEANER_STARTS_AT,
            CLEANER_ENDS_AT,
        )
    state = SimulatorState()
    for code in state.access_codes.values():
        assert (code.status, code.on_device) == ("set", True)
        # Every seeded code is one its lock would take beside its others.
        others = [
            other
            for other in state.access_codes.values()
            if other.device_id == code.device_id and other is not code
        ]
        assert code_problem(state.devices[code.device_id], code.code, others) is None
    assert state.access_codes[FRONT_CLEANER_CODE_ID].type == "time_bound"
    assert state.access_codes[FRONT_FAMILY_CODE_ID].type == "ongoing"


def test_the_seeded_locks_say_what_codes_they_take() -> None:
    devices = {device["device_id"]: device for device in seam_seed_devices()}
    front, back, padlock, garage = (devices[i] for i in (FRONT, BACK, PADLOCK, GARAGE))
    for lock in (front, back, garage):
        assert lock["can_program_online_access_codes"] is True
        assert lock["properties"]["online_access_codes_enabled"] is True
        assert lock["properties"]["max_active_codes_supported"] == 20
    assert front["properties"]["supported_code_lengths"] == [4, 6]
    assert [c["constraint_type"] for c in front["properties"]["code_constraints"]] == [
        "no_ascending_or_descending_sequence",
        "no_all_same_digits",
        "name_length",
    ]
    assert back["properties"]["supported_code_lengths"] == [4, 5, 6]
    assert [c["constraint_type"] for c in back["properties"]["code_constraints"]] == [
        "no_zeros",
        "cannot_start_with_12",
        "name_must_be_unique",
    ]
    assert garage["properties"]["code_constraints"] == []
    # The padlock's codes are made offline by igloohome: Seam programs none.
    assert padlock["can_program_online_access_codes"] is False
    assert padlock["properties"]["online_access_codes_enabled"] is False
    assert "code_constraints" not in padlock["properties"]
    # Only the Back Door can auto-lock, and it starts with auto-lock off.
    assert [d["display_name"] for d in devices.values() if d.get("can_configure_auto_lock")] == [
        "Back Door"
    ]
    assert (
        back["properties"]["auto_lock_enabled"],
        back["properties"]["auto_lock_delay_seconds"],
    ) == (
        False,
        30,
    )
    assert all(lock["can_unlock_with_code"] for lock in (front, back, padlock, garage))


# Listing and getting


async def test_list_a_devices_codes(simulator: Simulator, http: ClientSession) -> None:
    answer = await ok(http, simulator, "/access_codes/list", device_id=FRONT)
    family, cleaner = answer["access_codes"]
    assert answer["pagination"] == {
        "has_next_page": False,
        "next_page_cursor": None,
        "next_page_url": None,
    }
    assert (family["access_code_id"], family["name"], family["code"]) == (
        FRONT_FAMILY_CODE_ID,
        "Family",
        "4819",
    )
    assert (family["type"], family["status"], family["is_managed"]) == ("ongoing", "set", True)
    assert "starts_at" not in family
    assert (family["errors"], family["warnings"], family["pending_mutations"]) == ([], [], [])
    assert family["workspace_id"] == simulator.state.devices[FRONT]["workspace_id"]
    assert family["created_at"] == "2026-02-01T09:00:00.000Z"
    assert (cleaner["type"], cleaner["starts_at"], cleaner["ends_at"]) == (
        "time_bound",
        CLEANER_STARTS_AT,
        CLEANER_ENDS_AT,
    )

    chosen = await ok(
        http,
        simulator,
        "/access_codes/list",
        access_code_ids=[BACK_CLEANER_CODE_ID, FRONT_CLEANER_CODE_ID, UNKNOWN],
    )
    assert [c["access_code_id"] for c in chosen["access_codes"]] == [
        FRONT_CLEANER_CODE_ID,
        BACK_CLEANER_CODE_ID,
    ]
    both = await ok(
        http,
        simulator,
        "/access_codes/list",
        device_id=BACK,
        access_code_ids=[FRONT_CLEANER_CODE_ID, BACK_FAMILY_CODE_ID],
    )
    assert [c["access_code_id"] for c in both["access_codes"]] == [BACK_FAMILY_CODE_ID]
    # An unmanaged code's id is not a managed code's.
    unmanaged = await ok(
        http, simulator, "/access_codes/list", access_code_ids=[FRONT_UNMANAGED_CODE_ID]
    )
    assert unmanaged["access_codes"] == []
    thermostat = await ok(http, simulator, "/access_codes/list", device_id=NEST_THERMOSTAT_ID)
    assert thermostat["access_codes"] == []

    path = "/access_codes/list"
    assert await refused(http, simulator, path, {}) == "device_id or access_code_ids is required"
    assert await not_found(http, simulator, path, {"device_id": UNKNOWN}) == "device_not_found"
    message = await refused(http, simulator, path, {"access_code_ids": FRONT_FAMILY_CODE_ID})
    assert message == "access_code_ids must be a list of strings"
    assert "must be a list" in await refused(http, simulator, path, {"access_code_ids": [1]})
    # GET with a query, as the Python SDK sends it.
    async with http.get(
        simulator.url + path, params={"device_id": BACK}, headers=SEAM_HEADERS
    ) as response:
        assert [c["name"] for c in (await response.json())["access_codes"]] == [
            "Family",
            "Cleaner",
        ]
    async with http.post(simulator.url + path, json={"device_id": FRONT}) as response:
        assert response.status == 401


async def test_list_unmanaged_codes(simulator: Simulator, http: ClientSession) -> None:
    path = "/access_codes/unmanaged/list"
    answer = await ok(http, simulator, path, device_id=FRONT)
    (walker,) = answer["access_codes"]
    assert walker == {
        "access_code_id": FRONT_UNMANAGED_CODE_ID,
        "device_id": FRONT,
        "workspace_id": simulator.state.devices[FRONT]["workspace_id"],
        "name": "Dog Walker",
        "code": "6257",
        "type": "ongoing",
        "status": "set",
        "is_managed": False,
        "errors": [],
        "warnings": [],
        "created_at": "2026-06-12T14:05:00.000Z",
    }
    assert answer["pagination"]["has_next_page"] is False
    padlock = await ok(http, simulator, path, device_id=PADLOCK)
    assert padlock["access_codes"] == []
    assert await refused(http, simulator, path, {}) == "device_id is required"
    assert await refused(http, simulator, path, {"device_id": 5}) == "device_id must be a string"
    assert await not_found(http, simulator, path, {"device_id": UNKNOWN}) == "device_not_found"


@pytest.mark.usefixtures("instant")
async def test_lists_are_paginated(simulator: Simulator, http: ClientSession) -> None:
    for pin in ("2580", "3691", "4826"):
        await create(http, simulator, device_id=FRONT, code=pin)
    first = await ok(http, simulator, "/access_codes/list", device_id=FRONT, limit=2)
    assert [c["code"] for c in first["access_codes"]] == ["4819", "739146"]
    pagination = first["pagination"]
    assert pagination["has_next_page"] is True
    assert pagination["next_page_cursor"] == page_cursor(2)
    # The next page's URL asks for it again, by GET.
    async with http.get(pagination["next_page_url"], headers=SEAM_HEADERS) as response:
        second = await response.json()
    assert [c["code"] for c in second["access_codes"]] == ["2580", "3691"]
    third = await ok(
        http,
        simulator,
        "/access_codes/list",
        device_id=FRONT,
        limit=2,
        page_cursor=second["pagination"]["next_page_cursor"],
    )
    assert [c["code"] for c in third["access_codes"]] == ["4826"]
    assert third["pagination"] == {
        "has_next_page": False,
        "next_page_cursor": None,
        "next_page_url": None,
    }
    # Without a limit, everything from the cursor on.
    rest = await ok(
        http, simulator, "/access_codes/list", device_id=FRONT, page_cursor=page_cursor(3)
    )
    assert [c["code"] for c in rest["access_codes"]] == ["3691", "4826"]

    unmanaged = await ok(http, simulator, "/access_codes/unmanaged/list", device_id=BACK, limit=1)
    assert [c["name"] for c in unmanaged["access_codes"]] == ["Handyman"]
    assert unmanaged["pagination"]["has_next_page"] is False

    for bad in (0, -1, 1.5, True, "two"):
        message = await refused(
            http, simulator, "/access_codes/list", {"device_id": FRONT, "limit": bad}
        )
        assert message == "limit must be a whole number, at least 1"
    for cursor in ("not-a-cursor", "b2Zmc2V0Oi0x", 12, "//8="):
        message = await refused(
            http, simulator, "/access_codes/list", {"device_id": FRONT, "page_cursor": cursor}
        )
        assert message == "page_cursor is not one this list gave"


async def test_get_a_code(simulator: Simulator, http: ClientSession) -> None:
    code = await get_code(http, simulator, BACK_CLEANER_CODE_ID)
    assert (code["name"], code["code"], code["type"]) == ("Cleaner", "8642", "time_bound")
    by_pin = await ok(http, simulator, "/access_codes/get", device_id=BACK, code="53791")
    assert by_pin["access_code"]["access_code_id"] == BACK_FAMILY_CODE_ID

    path = "/access_codes/get"
    for body in (
        {"access_code_id": UNKNOWN},
        # Unmanaged codes are listed under their own routes.
        {"access_code_id": FRONT_UNMANAGED_CODE_ID},
        {"device_id": FRONT, "code": "6257"},
        {"device_id": FRONT, "code": "53791"},
    ):
        assert await not_found(http, simulator, path, body) == "access_code_not_found"
    assert await not_found(http, simulator, path, {"device_id": UNKNOWN, "code": "1"}) == (
        "device_not_found"
    )
    assert await refused(http, simulator, path, {}) == "access_code_id is required"
    assert await refused(http, simulator, path, {"device_id": FRONT}) == (
        "access_code_id is required"
    )
    message = await refused(http, simulator, path, {"access_code_id": ["x"]})
    assert message == "access_code_id must be a string"
    message = await refused(http, simulator, path, {"device_id": FRONT, "code": 4819})
    assert message == "code must be a string"


# Creating


async def test_a_new_code_is_set_after_the_delay(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    code, action = await create(http, simulator, device_id=FRONT, name="Grandma", code="2468")
    assert (code["name"], code["code"], code["type"], code["status"]) == (
        "Grandma",
        "2468",
        "ongoing",
        "setting",
    )
    (mutation,) = code["pending_mutations"]
    assert mutation["mutation_code"] == "creating"
    assert mutation["created_at"].endswith("Z")
    assert (action["action_type"], action["status"], action["result"]) == (
        "CREATE_ACCESS_CODE",
        "pending",
        None,
    )
    created = only(events, "access_code.created")
    assert created["access_code_id"] == code["access_code_id"]
    assert (created["device_id"], created["connected_account_id"]) == (
        FRONT,
        account(simulator, FRONT),
    )
    assert created.keys() >= CODE_EVENT_FIELDS
    assert types(events) == ["access_code.created"]
    # Not on the lock yet: typing it opens nothing.
    assert (await keypad(http, simulator, FRONT, "2468"))["access_granted"] is False

    clock.now += simulator.state.action_settings.delay
    settled = await attempt(http, simulator, action["action_attempt_id"])
    assert settled["status"] == "success"
    assert settled["result"]["access_code"]["status"] == "set"
    assert settled["result"]["access_code"]["access_code_id"] == code["access_code_id"]
    now_set = await get_code(http, simulator, code["access_code_id"])
    assert (now_set["status"], now_set["pending_mutations"]) == ("set", [])
    set_on_device = only(events, "access_code.set_on_device")
    assert (set_on_device["code"], set_on_device["access_code_id"]) == (
        "2468",
        code["access_code_id"],
    )
    assert set_on_device["connected_account_id"] == account(simulator, FRONT)
    assert (await keypad(http, simulator, FRONT, "2468"))["access_granted"] is True


@pytest.mark.usefixtures("instant")
async def test_a_time_bound_code(simulator: Simulator, http: ClientSession) -> None:
    code, action = await create(
        http,
        simulator,
        device_id=BACK,
        name="Visitor",
        code="4683",
        starts_at="2026-12-24T18:00:00+01:00",
        ends_at="2026-12-26T12:00:00Z",
    )
    assert code["type"] == "time_bound"
    # Written as Seam writes times, in UTC.
    assert (code["starts_at"], code["ends_at"]) == (
        "2026-12-24T17:00:00.000Z",
        "2026-12-26T12:00:00.000Z",
    )
    assert code["status"] == "set"
    assert action["status"] == "success"
    # Without a name the code has none.
    nameless, _ = await create(http, simulator, device_id=BACK, code="4684")
    assert nameless["name"] is None


@pytest.mark.usefixtures("instant")
async def test_a_code_is_made_up_when_none_is_given(
    simulator: Simulator, http: ClientSession
) -> None:
    made: list[str] = []
    for _ in range(8):
        code, _ = await create(http, simulator, device_id=BACK, name=f"Guest {len(made)}")
        made.append(code["code"])
    for pin in made:
        assert len(pin) == 4
        assert pin.isdigit()
        assert "0" not in pin
        assert not pin.startswith("12")
    # Never one the lock already has.
    assert len({*made, "8642", "3366"}) == len(made) + 2
    longer, _ = await create(http, simulator, device_id=FRONT, name="Long", preferred_code_length=6)
    assert len(longer["code"]) == 6
    for preferred in (5, "6", True):
        message = await refused(
            http,
            simulator,
            "/access_codes/create",
            {"device_id": FRONT, "preferred_code_length": preferred},
        )
        assert message == "preferred_code_length must be 4 or 6"


@pytest.mark.usefixtures("instant")
async def test_devices_that_make_up_their_own_codes(
    simulator: Simulator, http: ClientSession
) -> None:
    state = simulator.state
    own = state.add_device(
        {
            "display_name": "Keypad that picks",
            "capabilities_supported": ["access_code", "lock"],
            "can_program_online_access_codes": True,
            "properties": {
                "online": True,
                "locked": True,
                "supported_code_lengths": [6],
                "code_constraints": [{"constraint_type": "cannot_specify_pin_code"}],
            },
        }
    )
    message = await refused(
        http, simulator, "/access_codes/create", {"device_id": own["device_id"], "code": "123456"}
    )
    assert message == "This device makes up its own codes: leave code out"
    code, _ = await create(http, simulator, device_id=own["device_id"])
    assert len(code["code"]) == 6
    impossible = state.add_device(
        {
            "capabilities_supported": ["access_code", "lock"],
            "can_program_online_access_codes": True,
            "properties": {
                "online": True,
                "supported_code_lengths": [2],
                "code_constraints": [{"constraint_type": "at_least_three_unique_digits"}],
            },
        }
    )
    message = await refused(
        http, simulator, "/access_codes/create", {"device_id": impossible["device_id"]}
    )
    assert message == "No 2-digit code meets this device's constraints"
    # A device that names no code lengths takes Seam's 4 to 12 digits.
    plain = state.add_device(
        {
            "capabilities_supported": ["access_code"],
            "can_program_online_access_codes": True,
        }
    )
    for pin in ("1234", "123456789012"):
        await create(http, simulator, device_id=plain["device_id"], code=pin)
    message = await refused(
        http,
        simulator,
        "/access_codes/create",
        {"device_id": plain["device_id"], "code": "1234567890123"},
    )
    assert message == "The code must be 4, 5, 6, 7, 8, 9, 10, 11 or 12 digits long"


async def test_create_is_checked(simulator: Simulator, http: ClientSession) -> None:
    cases: list[tuple[Json, str]] = [
        ({}, "device_id is required"),
        ({"device_id": NEST_THERMOSTAT_ID}, "Device does not support access_code"),
        ({"device_id": PADLOCK, "code": "2580"}, "This device cannot program access codes online"),
        ({"device_id": FRONT, "code": "12a4"}, "code must be a string of digits"),
        ({"device_id": FRONT, "code": "١٢٣٤"}, "code must be a string of digits"),
        ({"device_id": FRONT, "code": 2580}, "code must be a string of digits"),
        ({"device_id": FRONT, "code": "25803"}, "The code must be 4 or 6 digits long"),
        ({"device_id": FRONT, "code": "3456"}, "The code must not count up or down all the way"),
        ({"device_id": FRONT, "code": "7777"}, "The code must not be one digit repeated"),
        ({"device_id": FRONT, "code": "4819"}, "The device already has this code"),
        # The code someone set at the lock counts too.
        ({"device_id": FRONT, "code": "6257"}, "The device already has this code"),
        ({"device_id": BACK, "code": "2045"}, "The code must not contain 0"),
        ({"device_id": BACK, "code": "1258"}, "The code must not start with 12"),
        ({"device_id": BACK, "code": "2581", "name": "Family"}, "has this name"),
        ({"device_id": FRONT, "name": "x" * 21}, "name must be at most 20 characters long"),
        ({"device_id": FRONT, "name": 7}, "name must be a string"),
        (
            {"device_id": FRONT, "starts_at": "2026-12-01T10:00:00Z"},
            "A time-bound code needs both starts_at and ends_at",
        ),
        (
            {"device_id": FRONT, "ends_at": "2026-12-01T10:00:00Z"},
            "A time-bound code needs both starts_at and ends_at",
        ),
        (
            {
                "device_id": FRONT,
                "starts_at": "2026-12-01T10:00:00Z",
                "ends_at": "2026-12-01T11:00:00+01:00",
            },
            "ends_at must be after starts_at",
        ),
        (
            {"device_id": FRONT, "starts_at": "2026-12-01T10:00:00", "ends_at": "2026-12-02"},
            "starts_at must give its time zone (for example Z)",
        ),
        (
            {"device_id": FRONT, "starts_at": "tomorrow", "ends_at": "2026-12-02T10:00:00Z"},
            "starts_at must be an ISO 8601 date and time",
        ),
        (
            {"device_id": FRONT, "starts_at": "2026-12-01T10:00:00Z", "ends_at": 1800000000},
            "ends_at must be an ISO 8601 date and time",
        ),
    ]
    for body, expected in cases:
        message = await refused(http, simulator, "/access_codes/create", body)
        assert expected in message, (body, message)
    assert await not_found(http, simulator, "/access_codes/create", {"device_id": UNKNOWN}) == (
        "device_not_found"
    )
    async with http.post(
        simulator.url + "/access_codes/create", json={"device_id": FRONT, "code": "2580"}
    ) as response:
        assert response.status == 401
    # A refused request made nothing.
    assert len(simulator.state.access_codes) == len(seam_seed_access_codes())
    assert simulator.state.action_attempts == {}


# The constraints, one by one


@pytest.mark.parametrize(
    ("constraint", "taken", "refused_code"),
    [
        ("no_zeros", "1234", "1034"),
        ("cannot_start_with_12", "2134", "1234"),
        ("no_triple_consecutive_ints", "1247", "4123"),
        ("no_triple_consecutive_ints", "9758", "1987"),
        ("no_ascending_or_descending_sequence", "1235", "2345"),
        ("no_ascending_or_descending_sequence", "5431", "6543"),
        ("at_least_three_unique_digits", "1123", "1122"),
        ("cannot_contain_089", "1237", "1238"),
        ("cannot_contain_089", "1234", "9123"),
        ("cannot_contain_0789", "1234", "1237"),
        ("no_all_same_digits", "1112", "1111"),
    ],
)
def test_each_digit_constraint(constraint: str, taken: str, refused_code: str) -> None:
    device: Json = {
        "properties": {
            "supported_code_lengths": [4],
            "code_constraints": [{"constraint_type": constraint}],
        }
    }
    assert code_problem(device, taken, []) is None
    problem = code_problem(device, refused_code, [])
    assert problem == f"The code {CODE_RULES[constraint].refusal}"
    # A constraint the simulator does not model lets every code through.
    unmodelled: Json = {"properties": {"code_constraints": [{"constraint_type": "new_rule"}]}}
    assert code_problem(unmodelled, refused_code, []) is None


def test_unique_first_four_digits() -> None:
    device: Json = {
        "properties": {
            "supported_code_lengths": [6],
            "code_constraints": [{"constraint_type": "unique_first_four_digits"}],
        }
    }
    held = AccessCode(
        access_code_id=UNKNOWN, device_id="d", name=None, code="246813", created_at=""
    )
    assert code_problem(device, "135792", [held]) is None
    assert code_problem(device, "246899", [held]) == (
        "Another code on the device starts with the same four digits"
    )
    with pytest.raises(InvalidInput, match="same four digits"):
        check_code(device, "246899", [held])
    # Without the constraint only the whole code must differ.
    assert code_problem({"properties": {"supported_code_lengths": [6]}}, "246899", [held]) is None


def test_name_length_limits() -> None:
    device: Json = {
        "properties": {"code_constraints": [{"constraint_type": "name_length", "min_length": 3}]}
    }
    assert check_name(device, "Ann", []) == "Ann"
    with pytest.raises(InvalidInput, match="name must be at least 3 characters long"):
        check_name(device, "Al", [])
    # Without a maximum any length goes.
    assert check_name(device, "A" * 500, []) == "A" * 500


# Updating


async def test_a_new_name_alone_stays_set(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    answer = await ok(
        http,
        simulator,
        "/access_codes/update",
        access_code_id=FRONT_FAMILY_CODE_ID,
        name="Family and friends",
    )
    action = answer["action_attempt"]
    assert (action["action_type"], action["status"]) == ("UPDATE_ACCESS_CODE", "pending")
    code = await get_code(http, simulator, FRONT_FAMILY_CODE_ID)
    assert (code["name"], code["status"]) == ("Family and friends", "set")
    (mutation,) = code["pending_mutations"]
    assert mutation["mutation_code"] == "updating_name"
    assert (mutation["from"], mutation["to"]) == (
        {"name": "Family"},
        {"name": "Family and friends"},
    )
    changed = only(events, "access_code.changed")
    assert changed["changed_properties"] == [
        {"property": "name", "from": "Family", "to": "Family and friends"}
    ]
    assert changed.keys() >= CODE_EVENT_FIELDS
    # The lock still takes the code meanwhile.
    assert (await keypad(http, simulator, FRONT, "4819"))["access_granted"] is True

    clock.now += simulator.state.action_settings.delay
    settled = await attempt(http, simulator, action["action_attempt_id"])
    assert settled["result"]["access_code"]["name"] == "Family and friends"
    assert (await get_code(http, simulator, FRONT_FAMILY_CODE_ID))["pending_mutations"] == []
    assert "access_code.set_on_device" not in types(events)


async def test_a_new_code_is_set_again(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    answer = await ok(
        http, simulator, "/access_codes/update", access_code_id=BACK_FAMILY_CODE_ID, code="97531"
    )
    code = await get_code(http, simulator, BACK_FAMILY_CODE_ID)
    assert (code["code"], code["status"]) == ("97531", "setting")
    (mutation,) = code["pending_mutations"]
    assert (mutation["mutation_code"], mutation["from"], mutation["to"]) == (
        "updating_code",
        {"code": "53791"},
        {"code": "97531"},
    )
    assert only(events, "access_code.changed")["changed_properties"] == [
        {"property": "code", "from": "53791", "to": "97531"}
    ]
    # Until the lock has the new code, neither code opens it.
    simulator.state.update_device(BACK, {"properties": {"locked": True}})
    for pin in ("53791", "97531"):
        assert (await keypad(http, simulator, BACK, pin))["access_granted"] is False

    clock.now += simulator.state.action_settings.delay
    settled = await attempt(http, simulator, answer["action_attempt"]["action_attempt_id"])
    assert settled["result"]["access_code"]["status"] == "set"
    assert only(events, "access_code.set_on_device")["code"] == "97531"
    assert (await keypad(http, simulator, BACK, "97531"))["access_granted"] is True


@pytest.mark.usefixtures("instant")
async def test_a_new_time_frame(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    path = "/access_codes/update"
    await ok(
        http,
        simulator,
        path,
        access_code_id=FRONT_FAMILY_CODE_ID,
        starts_at="2027-01-01T00:00:00Z",
        ends_at="2027-02-01T00:00:00Z",
    )
    code = await get_code(http, simulator, FRONT_FAMILY_CODE_ID)
    assert (code["type"], code["starts_at"], code["ends_at"]) == (
        "time_bound",
        "2027-01-01T00:00:00.000Z",
        "2027-02-01T00:00:00.000Z",
    )
    assert code["status"] == "set"
    assert only(events, "access_code.changed")["changed_properties"] == [
        {"property": "starts_at", "from": None, "to": "2027-01-01T00:00:00.000Z"},
        {"property": "ends_at", "from": None, "to": "2027-02-01T00:00:00.000Z"},
    ]
    # A new end alone keeps the start.
    await ok(
        http, simulator, path, access_code_id=FRONT_FAMILY_CODE_ID, ends_at="2027-03-01T00:00:00Z"
    )
    code = await get_code(http, simulator, FRONT_FAMILY_CODE_ID)
    assert (code["starts_at"], code["ends_at"]) == (
        "2027-01-01T00:00:00.000Z",
        "2027-03-01T00:00:00.000Z",
    )
    await ok(http, simulator, path, access_code_id=FRONT_FAMILY_CODE_ID, type="ongoing")
    code = await get_code(http, simulator, FRONT_FAMILY_CODE_ID)
    assert code["type"] == "ongoing"
    assert "starts_at" not in code
    # `type: time_bound` with both times, and an update that changes nothing says nothing.
    await ok(
        http,
        simulator,
        path,
        access_code_id=FRONT_CLEANER_CODE_ID,
        type="time_bound",
        starts_at=CLEANER_STARTS_AT,
        ends_at=CLEANER_ENDS_AT,
        name="Cleaner",
        code="739146",
    )
    assert types(events).count("access_code.changed") == 3

    for body, expected in [
        ({"type": "weekly"}, "type must be ongoing or time_bound"),
        ({"type": "time_bound"}, "needs both starts_at and ends_at"),
        ({"type": "ongoing", "ends_at": "2027-03-01T00:00:00Z"}, "has no starts_at"),
        ({"starts_at": "2027-03-01T00:00:00Z"}, "needs both starts_at and ends_at"),
        ({"code": "1234"}, "must not count up or down"),
        # Another code's PIN and the seeded unmanaged code's are taken.
        ({"code": "739146"}, "The device already has this code"),
        ({"code": "6257"}, "The device already has this code"),
        ({"name": "y" * 30}, "name must be at most 20 characters long"),
    ]:
        message = await refused(
            http, simulator, path, {"access_code_id": FRONT_FAMILY_CODE_ID, **body}
        )
        assert expected in message, (body, message)
    # A time frame around the cleaner's own: its start moves after its end.
    message = await refused(
        http,
        simulator,
        path,
        {"access_code_id": FRONT_CLEANER_CODE_ID, "starts_at": "2027-06-01T00:00:00Z"},
    )
    assert message == "ends_at must be after starts_at"


@pytest.mark.usefixtures("instant")
async def test_names_must_differ_only_from_other_codes(
    simulator: Simulator, http: ClientSession
) -> None:
    path = "/access_codes/update"
    await ok(http, simulator, path, access_code_id=BACK_FAMILY_CODE_ID, name="Family")
    message = await refused(
        http, simulator, path, {"access_code_id": BACK_FAMILY_CODE_ID, "name": "Cleaner"}
    )
    assert message == "Another code on the device has this name"
    # The Front Door has no such constraint.
    await ok(http, simulator, path, access_code_id=FRONT_FAMILY_CODE_ID, name="Cleaner")
    # The name may be taken away.
    await ok(http, simulator, path, access_code_id=FRONT_FAMILY_CODE_ID, name=None)
    assert (await get_code(http, simulator, FRONT_FAMILY_CODE_ID))["name"] is None


async def test_update_refusals(simulator: Simulator, http: ClientSession, clock: Clock) -> None:
    path = "/access_codes/update"
    for body in ({"access_code_id": UNKNOWN}, {"access_code_id": BACK_UNMANAGED_CODE_ID}):
        assert await not_found(http, simulator, path, body) == "access_code_not_found"
    assert await refused(http, simulator, path, {"name": "x"}) == "access_code_id is required"
    await ok(http, simulator, "/access_codes/delete", access_code_id=BACK_CLEANER_CODE_ID)
    message = await refused(
        http, simulator, path, {"access_code_id": BACK_CLEANER_CODE_ID, "name": "x"}
    )
    assert message == "The access code is being deleted"


# Deleting


async def test_delete_a_code(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    answer = await ok(http, simulator, "/access_codes/delete", access_code_id=FRONT_FAMILY_CODE_ID)
    action = answer["action_attempt"]
    assert (action["action_type"], action["status"]) == ("DELETE_ACCESS_CODE", "pending")
    assert set(answer) == {"action_attempt", "ok"}
    code = await get_code(http, simulator, FRONT_FAMILY_CODE_ID)
    assert code["status"] == "removing"
    assert [m["mutation_code"] for m in code["pending_mutations"]] == ["deleting"]
    assert events == []
    # Still on the lock until it is removed.
    assert (await keypad(http, simulator, FRONT, "4819"))["access_granted"] is True

    clock.now += simulator.state.action_settings.delay
    settled = await attempt(http, simulator, action["action_attempt_id"])
    assert (settled["status"], settled["result"]) == ("success", {})
    path = "/access_codes/get"
    assert await not_found(http, simulator, path, {"access_code_id": FRONT_FAMILY_CODE_ID}) == (
        "access_code_not_found"
    )
    removed = only(events, "access_code.removed_from_device")
    deleted = only(events, "access_code.deleted")
    assert types(events).index("access_code.removed_from_device") < types(events).index(
        "access_code.deleted"
    )
    assert removed["access_code_id"] == deleted["access_code_id"] == FRONT_FAMILY_CODE_ID
    assert deleted["code"] == "4819"
    assert removed.keys() >= CODE_EVENT_FIELDS
    listed = await ok(http, simulator, "/access_codes/list", device_id=FRONT)
    assert [c["name"] for c in listed["access_codes"]] == ["Cleaner"]
    simulator.state.update_device(FRONT, {"properties": {"locked": True}})
    assert (await keypad(http, simulator, FRONT, "4819"))["access_granted"] is False

    for body in (
        {"access_code_id": FRONT_FAMILY_CODE_ID},
        {"access_code_id": BACK_UNMANAGED_CODE_ID},
    ):
        assert await not_found(http, simulator, "/access_codes/delete", body) == (
            "access_code_not_found"
        )


async def test_a_code_deleted_while_it_is_being_set(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    code, created = await create(http, simulator, device_id=BACK, code="4682")
    deleting = await ok(
        http, simulator, "/access_codes/delete", access_code_id=code["access_code_id"]
    )
    clock.now += simulator.state.action_settings.delay
    # The creation ends without setting a code that is going away.
    assert (await attempt(http, simulator, created["action_attempt_id"]))["result"] == {}
    finished = await attempt(http, simulator, deleting["action_attempt"]["action_attempt_id"])
    assert finished["status"] == "success"
    # It never was on the lock: deleted, not removed from it.
    assert types(events) == ["access_code.created", "access_code.deleted"]
    assert code["access_code_id"] not in simulator.state.access_codes


# Failures


async def test_a_code_that_fails_to_set(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    status, _ = await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {
            "delay": 0,
            "outcome": "error",
            "error_type": "failed_to_set_on_device",
            "error_message": "The keypad is full",
            "action_types": ["CREATE_ACCESS_CODE", "UPDATE_ACCESS_CODE"],
        },
    )
    assert status == 200
    simulator.state.action_settings.delay = 0
    code, action = await create(http, simulator, device_id=GARAGE, name="Plumber", code="1593")
    assert (code["status"], code["pending_mutations"]) == ("unset", [])
    (error,) = code["errors"]
    assert (error["error_code"], error["message"], error["is_access_code_error"]) == (
        "failed_to_set_on_device",
        "The keypad is full",
        True,
    )
    assert action["status"] == "error"
    assert action["error"] == {"type": "failed_to_set_on_device", "message": "The keypad is full"}
    failed = only(events, "access_code.failed_to_set_on_device")
    assert failed["access_code_id"] == code["access_code_id"]
    assert failed["access_code_errors"] == [error]
    # The Garage Side Door is offline: the event says so.
    garage = simulator.state.devices[GARAGE]
    assert failed["device_errors"] == garage["errors"]
    assert failed["device_warnings"] == []
    assert (failed["connected_account_errors"], failed["connected_account_warnings"]) == ([], [])
    assert failed["access_code_warnings"] == []
    assert "access_code.set_on_device" not in types(events)
    assert (await keypad(http, simulator, GARAGE, "1593"))["access_granted"] is False

    # A name-only change of a set code that fails leaves the code as it was.
    events.clear()
    await ok(http, simulator, "/access_codes/update", access_code_id=FRONT_FAMILY_CODE_ID, name="F")
    family = await get_code(http, simulator, FRONT_FAMILY_CODE_ID)
    assert (family["name"], family["status"], family["errors"]) == ("F", "set", [])
    assert types(events) == ["access_code.changed"]

    # Any update of a code that failed sets it again; this time it goes through.
    await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {"delay": 0, "action_types": ["UPDATE_ACCESS_CODE"]},
    )
    events.clear()
    await ok(
        http,
        simulator,
        "/access_codes/update",
        access_code_id=code["access_code_id"],
        name="Plumber",
    )
    retried = await get_code(http, simulator, code["access_code_id"])
    assert (retried["status"], retried["errors"]) == ("set", [])
    assert types(events) == ["access_code.set_on_device"]


async def test_a_code_that_fails_to_come_off(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {"delay": 0, "outcome": "error", "action_types": ["DELETE_ACCESS_CODE"]},
    )
    answer = await ok(http, simulator, "/access_codes/delete", access_code_id=BACK_FAMILY_CODE_ID)
    assert answer["action_attempt"]["status"] == "error"
    code = await get_code(http, simulator, BACK_FAMILY_CODE_ID)
    assert (code["status"], code["pending_mutations"]) == ("set", [])
    assert [e["error_code"] for e in code["errors"]] == ["failed_to_remove_from_device"]
    failed = only(events, "access_code.failed_to_remove_from_device")
    assert failed["access_code_errors"][0]["message"] == "The device did not respond to the command"
    assert failed["device_errors"] == []

    # A code that never got on the lock goes back to unset.
    await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {"delay": 0, "outcome": "error", "action_types": ["CREATE_ACCESS_CODE"]},
    )
    unset, _ = await create(http, simulator, device_id=BACK, code="4685")
    await ok(http, simulator, "/access_codes/delete", access_code_id=unset["access_code_id"])
    assert (await get_code(http, simulator, unset["access_code_id"]))["status"] == "unset"


async def test_a_code_that_never_settles(simulator: Simulator, http: ClientSession) -> None:
    await control(http, simulator, "POST", "/seam/actions", {"delay": 0, "outcome": "pending"})
    code, action = await create(http, simulator, device_id=FRONT, code="2580")
    simulator.state.settle_action_attempts()
    assert (await get_code(http, simulator, code["access_code_id"]))["status"] == "setting"
    assert (await attempt(http, simulator, action["action_attempt_id"]))["status"] == "pending"


# Rate limits


async def test_access_code_commands_are_rate_limited(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    for _ in range(10):
        await create(http, simulator, device_id=FRONT)
    assert "Too many" in await refused(
        http, simulator, "/access_codes/create", {"device_id": FRONT}, 429
    )
    # Another device, and other commands on this one, have limits of their own.
    await create(http, simulator, device_id=BACK)
    for index in range(10):
        await ok(
            http,
            simulator,
            "/access_codes/update",
            access_code_id=FRONT_FAMILY_CODE_ID,
            name=f"Family {index}",
        )
    assert "Too many" in await refused(
        http,
        simulator,
        "/access_codes/update",
        {"access_code_id": FRONT_FAMILY_CODE_ID, "name": "Family"},
        429,
    )
    for _ in range(20):
        await ok(http, simulator, "/access_codes/delete", access_code_id=FRONT_CLEANER_CODE_ID)
    assert "Too many" in await refused(
        http, simulator, "/access_codes/delete", {"access_code_id": FRONT_CLEANER_CODE_ID}, 429
    )
    # A minute later the device may again.
    clock.now += 60
    await create(http, simulator, device_id=FRONT)


# The keypad


@pytest.mark.usefixtures("cleaning_day")
async def test_the_keypad_opens_for_a_code_it_holds(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    assert is_locked(simulator, FRONT)
    answer = await keypad(http, simulator, FRONT, "4819")
    assert answer == {
        "access_granted": True,
        "reason_code": None,
        "access_code_id": FRONT_FAMILY_CODE_ID,
        "locked": False,
    }
    assert not is_locked(simulator, FRONT)
    unlocked = only(events, "lock.unlocked")
    assert (unlocked["method"], unlocked["access_code_id"], unlocked["access_code_is_managed"]) == (
        "keycode",
        FRONT_FAMILY_CODE_ID,
        True,
    )
    assert (unlocked["device_id"], unlocked["connected_account_id"]) == (
        FRONT,
        account(simulator, FRONT),
    )
    # The code set at the lock opens it too; the cleaner's within its time frame.
    for pin, code_id, managed in (
        ("6257", FRONT_UNMANAGED_CODE_ID, False),
        ("739146", FRONT_CLEANER_CODE_ID, True),
    ):
        simulator.state.update_device(FRONT, {"properties": {"locked": True}})
        events.clear()
        assert (await keypad(http, simulator, FRONT, pin))["access_code_id"] == code_id
        unlocked = only(events, "lock.unlocked")
        assert (unlocked["access_code_id"], unlocked["access_code_is_managed"]) == (
            code_id,
            managed,
        )
    # An unlocked lock stays unlocked, and says nothing new.
    events.clear()
    assert not is_locked(simulator, BACK)
    answer = await keypad(http, simulator, BACK, "53791")
    assert (answer["access_granted"], answer["locked"]) == (True, False)
    assert events == []


async def test_the_keypad_refuses_other_codes(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    state = simulator.state
    # The Back Door's code does not open the Front Door.
    for pin in ("0000", "53791"):
        answer = await keypad(http, simulator, FRONT, pin)
        assert answer == {
            "access_granted": False,
            "reason_code": "unknown_code",
            "access_code_id": None,
            "locked": True,
        }
    assert is_locked(simulator, FRONT)
    denied = [event for event in events if event["event_type"] == "lock.access_denied"]
    assert len(denied) == len(events) == 2
    assert denied[0]["reason"] == {
        "reason_code": "unknown_code",
        "message": "The lock does not know this code",
    }
    assert (denied[0]["device_id"], denied[0]["connected_account_id"]) == (
        FRONT,
        account(simulator, FRONT),
    )
    assert "access_code_id" not in denied[0]

    # The cleaner's code outside its time frame.
    events.clear()
    state.wall_clock = lambda: AFTER_CLEANING
    answer = await keypad(http, simulator, FRONT, "739146")
    assert (answer["reason_code"], answer["access_code_id"]) == (
        "expired_code",
        FRONT_CLEANER_CODE_ID,
    )
    expired = only(events, "lock.access_denied")
    assert expired["reason"] == {
        "reason_code": "expired_code",
        "message": "This code no longer opens the lock",
    }
    assert expired["access_code_id"] == FRONT_CLEANER_CODE_ID
    state.wall_clock = lambda: datetime(2026, 10, 31, tzinfo=UTC)
    early = await keypad(http, simulator, FRONT, "739146")
    assert (early["reason_code"], early["access_code_id"]) == (
        "unknown_code",
        FRONT_CLEANER_CODE_ID,
    )
    assert is_locked(simulator, FRONT)
    assert "lock.unlocked" not in types(events)


async def test_the_keypad_of_what_is_no_lock(simulator: Simulator, http: ClientSession) -> None:
    for device_id, body, expected in [
        (UNKNOWN, {"code": "1234"}, f"no device {UNKNOWN}"),
        (NEST_THERMOSTAT_ID, {"code": "1234"}, f"device {NEST_THERMOSTAT_ID} is not a lock"),
        (FRONT, {}, "code must be a non-empty string"),
        (FRONT, {"code": ""}, "code must be a non-empty string"),
        (FRONT, {"code": 4819}, "code must be a non-empty string"),
    ]:
        status, answer = await control(
            http, simulator, "POST", f"/seam/devices/{device_id}/keypad", body
        )
        assert (status, answer) == (404, {"error": expected})
    assert is_locked(simulator, FRONT)


# Auto-lock


async def test_configure_auto_lock(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    properties = simulator.state.devices[BACK]["properties"]
    answer = await ok(
        http,
        simulator,
        "/locks/configure_auto_lock",
        device_id=BACK,
        auto_lock_enabled=True,
        auto_lock_delay_seconds=5,
    )
    action = answer["action_attempt"]
    assert (action["action_type"], action["status"]) == ("CONFIGURE_AUTO_LOCK", "pending")
    assert properties["auto_lock_enabled"] is False
    clock.now += simulator.state.action_settings.delay
    settled = await attempt(http, simulator, action["action_attempt_id"])
    assert (settled["status"], settled["result"]) == ("success", {})
    assert (properties["auto_lock_enabled"], properties["auto_lock_delay_seconds"]) == (True, 5)
    # Turned off without a delay, the delay stays.
    simulator.state.action_settings.delay = 0
    await ok(http, simulator, "/locks/configure_auto_lock", device_id=BACK, auto_lock_enabled=False)
    assert (properties["auto_lock_enabled"], properties["auto_lock_delay_seconds"]) == (False, 5)
    for delay in (1, 60, 12.5):
        await ok(
            http,
            simulator,
            "/locks/configure_auto_lock",
            device_id=BACK,
            auto_lock_enabled=True,
            auto_lock_delay_seconds=delay,
        )
        assert properties["auto_lock_delay_seconds"] == delay
    assert events == []

    path = "/locks/configure_auto_lock"
    for body, expected in [
        ({"auto_lock_enabled": True}, "device_id is required"),
        ({"device_id": FRONT, "auto_lock_enabled": True}, "This lock cannot configure auto-lock"),
        ({"device_id": NEST_THERMOSTAT_ID, "auto_lock_enabled": True}, "does not support lock"),
        ({"device_id": BACK}, "auto_lock_enabled is required"),
        ({"device_id": BACK, "auto_lock_enabled": "yes"}, "must be true or false"),
    ] + [
        (
            {"device_id": BACK, "auto_lock_enabled": True, "auto_lock_delay_seconds": delay},
            "auto_lock_delay_seconds must be a number from 1 to 60",
        )
        for delay in (0, 0.5, 61, True, "5")
    ]:
        assert expected in await refused(http, simulator, path, body), body
    assert await not_found(
        http, simulator, path, {"device_id": UNKNOWN, "auto_lock_enabled": True}
    ) == ("device_not_found")

    # A configuration that fails changes nothing; the limit is Seam's usual 15 a minute.
    simulator.state.action_settings.outcome = "error"
    for _ in range(10):
        await ok(http, simulator, path, device_id=BACK, auto_lock_enabled=False)
    assert properties["auto_lock_enabled"] is True
    assert "Too many" in await refused(
        http, simulator, path, {"device_id": BACK, "auto_lock_enabled": False}, 429
    )


async def enable_auto_lock(
    http: ClientSession, simulator: Simulator, device_id: str, delay: float
) -> None:
    simulator.state.action_settings.delay = 0
    await ok(
        http,
        simulator,
        "/locks/configure_auto_lock",
        device_id=device_id,
        auto_lock_enabled=True,
        auto_lock_delay_seconds=delay,
    )
    simulator.state.action_settings.delay = 1.0


async def test_auto_lock_relocks_after_its_delay(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    state = simulator.state
    await enable_auto_lock(http, simulator, BACK, 5)
    # Left unlocked from before, the Back Door has no timer yet.
    assert state.relocks == {}
    state.update_device(BACK, {"properties": {"locked": True}})
    events.clear()

    await keypad(http, simulator, BACK, "53791")
    assert state.relocks == {BACK: clock.now + 5}
    clock.now += 4
    async with http.post(
        simulator.url + "/devices/get", json={"device_id": BACK}, headers=SEAM_HEADERS
    ) as response:
        assert (await response.json())["device"]["properties"]["locked"] is False
    clock.now += 1
    async with http.post(
        simulator.url + "/devices/get", json={"device_id": BACK}, headers=SEAM_HEADERS
    ) as response:
        assert (await response.json())["device"]["properties"]["locked"] is True
    assert types(events) == ["lock.unlocked", "lock.locked"]
    relocked = events[-1]
    assert (relocked["method"], relocked["device_id"], relocked["connected_account_id"]) == (
        "automatic",
        BACK,
        account(simulator, BACK),
    )
    assert "access_code_id" not in relocked
    assert state.relocks == {}

    # Unlocked from the control API (as if by hand): relocked too.
    events.clear()
    await control(
        http, simulator, "POST", f"/seam/devices/{BACK}", {"properties": {"locked": False}}
    )
    clock.now += 5
    state.settle_action_attempts()
    assert types(events) == ["lock.unlocked", "lock.locked"]

    # Locked again by hand before the delay: nothing more happens.
    events.clear()
    await keypad(http, simulator, BACK, "53791")
    state.update_device(BACK, {"properties": {"locked": True}})
    assert state.relocks == {}
    clock.now += 10
    state.settle_action_attempts()
    assert types(events) == ["lock.unlocked", "lock.locked"]
    assert events[-1]["method"] == "manual"


async def test_auto_lock_after_a_remote_unlock(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    state = simulator.state
    await enable_auto_lock(http, simulator, BACK, 5)
    state.update_device(BACK, {"properties": {"locked": True}})
    events.clear()
    unlock = await ok(http, simulator, "/locks/unlock_door", device_id=BACK)
    unlocked_at = clock.now + state.action_settings.delay
    # Asked later, the lock is found unlocked since the command settled: the delay runs from then.
    clock.now += 5
    await attempt(http, simulator, unlock["action_attempt"]["action_attempt_id"])
    assert not is_locked(simulator, BACK)
    assert state.relocks == {BACK: unlocked_at + 5}
    clock.now += 1
    state.settle_action_attempts()
    assert is_locked(simulator, BACK)

    # Nobody asks until long after: the lock unlocked, then relocked itself, in that order.
    events.clear()
    unlock = await ok(http, simulator, "/locks/unlock_door", device_id=BACK)
    clock.now += 100
    await attempt(http, simulator, unlock["action_attempt"]["action_attempt_id"])
    assert types(events) == [
        "lock.unlocked",
        "action_attempt.unlock_door.succeeded",
        "lock.locked",
    ]
    assert [event.get("method") for event in events] == ["remote", None, "automatic"]
    assert is_locked(simulator, BACK)


async def test_auto_lock_turned_off_or_the_lock_gone(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    state = simulator.state
    await enable_auto_lock(http, simulator, BACK, 5)
    state.update_device(BACK, {"properties": {"locked": True}})
    await keypad(http, simulator, BACK, "53791")
    # Turned off before the delay: the lock stays unlocked.
    state.update_device(BACK, {"properties": {"auto_lock_enabled": False}})
    clock.now += 5
    state.settle_action_attempts()
    assert not is_locked(simulator, BACK)
    assert state.relocks == {}

    state.update_device(BACK, {"properties": {"auto_lock_enabled": True, "locked": True}})
    await keypad(http, simulator, BACK, "53791")
    assert BACK in state.relocks
    state.remove_device(BACK)
    assert state.relocks == {}
    assert state.access_codes_of(BACK) == []
    assert state.access_codes_of(BACK, managed=False) == []
    assert FRONT_FAMILY_CODE_ID in state.access_codes
    # A timer of a device that went some other way is dropped quietly.
    state.relocks["gone"] = clock.now
    state.settle_auto_locks()
    assert state.relocks == {}


async def test_auto_lock_without_a_delay_waits_30_seconds(
    simulator: Simulator, clock: Clock
) -> None:
    state = simulator.state
    state.update_device(FRONT, {"properties": {"auto_lock_enabled": True}})
    state.update_device(FRONT, {"properties": {"locked": False}})
    assert state.relocks == {FRONT: clock.now + DEFAULT_AUTO_LOCK_DELAY}
    clock.now += DEFAULT_AUTO_LOCK_DELAY
    state.settle_action_attempts()
    assert is_locked(simulator, FRONT)


# Reset and the rest of the state


async def test_reset_restores_the_codes_and_auto_lock(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    state = simulator.state
    seeded = [code.as_json() for code in state.access_codes.values()]
    await enable_auto_lock(http, simulator, BACK, 5)
    await create(http, simulator, device_id=FRONT, code="2580")
    await ok(http, simulator, "/access_codes/delete", access_code_id=BACK_FAMILY_CODE_ID)
    await ok(
        http, simulator, "/access_codes/update", access_code_id=FRONT_FAMILY_CODE_ID, code="2468"
    )
    state.update_device(BACK, {"properties": {"locked": True}})
    await keypad(http, simulator, BACK, "3366")
    assert state.relocks
    _, snapshot = await control(http, simulator, "GET", "/state")
    assert len(snapshot["seam"]["access_codes"]) == len(seeded) + 1

    status, _ = await control(http, simulator, "POST", "/reset")
    assert status == 200
    assert [code.as_json() for code in state.access_codes.values()] == seeded
    assert state.relocks == {}
    assert state.devices[BACK] == {d["device_id"]: d for d in seam_seed_devices()}[BACK]
    _, snapshot = await control(http, simulator, "GET", "/state")
    assert snapshot["seam"]["access_codes"] == seeded

    # Generated devices come without codes: the seeded ones went with their devices.
    state.generate(devices=2)
    assert state.access_codes == {}
    assert state.relocks == {}
    generated = next(iter(state.devices))
    code, _ = await create(http, simulator, device_id=generated, name="Unit 1")
    assert len(code["code"]) == 4
    assert "0" not in code["code"]
