"""The simulator's access codes and auto-lock against Seam's OpenAPI spec.

Every request these tests send must match its operation's request schema, every 200 answer the
operation's 200 schema (a refusal its status's schema, when the spec gives one), and every event
sent on the way `components.schemas.event`. The spec comes from the npm package that
tests/fake_seam pins, hence the marker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.seeds import (
    BACK_DOOR_ID,
    DEFAULT_SEAM_API_KEY,
    FRONT_CLEANER_CODE_ID,
    FRONT_DOOR_ID,
    FRONT_FAMILY_CODE_ID,
    Json,
)
from tests.conftest import Simulator
from tests.fake_seam.conftest import fake_seam_installed  # noqa: F401  (seam_spec needs it)
from tests.schema.openapi import OpenApiSpec
from tests.schema.recording import Exchange, exchange_problems
from tests.schema.spec import seam_spec  # noqa: F401  (the spec, once per session)
from tests.simulator.conftest import Clock

pytestmark = [pytest.mark.fake_seam, pytest.mark.timeout(120)]

FRONT, BACK = FRONT_DOOR_ID, BACK_DOOR_ID
PADLOCK = "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503"
GARAGE = "e9f0a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a04"
UNKNOWN = "00000000-0000-4000-8000-00000000dead"
SEAM_HEADERS = {"Authorization": f"Bearer {DEFAULT_SEAM_API_KEY}"}


class Seam:
    """Seam's routes of a running simulator, each exchange kept for the spec to judge."""

    def __init__(self, simulator: Simulator, http: ClientSession) -> None:
        self.simulator = simulator
        self.http = http
        self.exchanges: list[Exchange] = []

    async def call(self, path: str, status: int = 200, **body: Any) -> Any:
        """POST `body` to `path`; the answer, which must have `status`."""
        async with self.http.post(
            self.simulator.url + path, json=body, headers=SEAM_HEADERS
        ) as response:
            answer = await response.json()
            self.exchanges.append(Exchange("POST", path, body, response.status, answer))
        assert response.status == status, answer
        return answer

    async def keypad(self, device_id: str, code: str) -> None:
        url = f"{self.simulator.url}/_simulator/seam/devices/{device_id}/keypad"
        async with self.http.post(url, json={"code": code}) as response:
            assert response.status == 200

    async def control(self, path: str, body: Json) -> None:
        async with self.http.post(f"{self.simulator.url}/_simulator{path}", json=body) as response:
            assert response.status == 200

    def problems(self, spec: OpenApiSpec) -> list[str]:
        """How the exchanges differ from the spec, refusals included."""
        found = [line for exchange in self.exchanges for line in exchange_problems(spec, exchange)]
        for exchange in self.exchanges:
            if exchange.status == 200:
                continue
            schema = spec.response_schema(exchange.path, exchange.status)
            if schema is not None:
                found += [
                    f"{exchange.path} {exchange.status} {line}"
                    for line in spec.problems(schema, exchange.answer)
                ]
        return found


async def codes_made_changed_and_deleted(seam: Seam, clock: Clock) -> None:
    """Every route, with commands seen pending and settled, and the refusals."""
    for device_id in (FRONT, BACK, PADLOCK, GARAGE):
        await seam.call("/devices/get", device_id=device_id)
    first = await seam.call("/access_codes/list", device_id=FRONT, limit=1)
    await seam.call(
        "/access_codes/list",
        device_id=FRONT,
        limit=1,
        page_cursor=first["pagination"]["next_page_cursor"],
    )
    await seam.call("/access_codes/list", access_code_ids=[FRONT_CLEANER_CODE_ID])
    await seam.call("/access_codes/unmanaged/list", device_id=BACK)
    await seam.call("/access_codes/unmanaged/list", device_id=BACK, limit=1)
    await seam.call("/access_codes/get", access_code_id=FRONT_FAMILY_CODE_ID)
    await seam.call("/access_codes/get", device_id=FRONT, code="739146")

    made = await seam.call("/access_codes/create", device_id=FRONT, name="Grandma", code="2468")
    code_id = made["access_code"]["access_code_id"]
    await seam.call(
        "/access_codes/create",
        device_id=BACK,
        name="Visitor",
        starts_at="2026-12-24T18:00:00+01:00",
        ends_at="2026-12-26T12:00:00Z",
    )
    await seam.call("/access_codes/create", device_id=FRONT, preferred_code_length=6)
    await seam.call(
        "/action_attempts/get", action_attempt_id=made["action_attempt"]["action_attempt_id"]
    )
    clock.now += 1
    await seam.call(
        "/action_attempts/get", action_attempt_id=made["action_attempt"]["action_attempt_id"]
    )
    updated = await seam.call(
        "/access_codes/update",
        access_code_id=code_id,
        name="Gran",
        code="2469",
        starts_at="2027-01-01T00:00:00Z",
        ends_at="2027-02-01T00:00:00Z",
    )
    await seam.call("/access_codes/get", access_code_id=code_id)
    clock.now += 1
    await seam.call(
        "/action_attempts/get", action_attempt_id=updated["action_attempt"]["action_attempt_id"]
    )
    await seam.call("/access_codes/update", access_code_id=code_id, type="ongoing")
    clock.now += 1
    deleted = await seam.call("/access_codes/delete", access_code_id=code_id)
    await seam.call("/access_codes/get", access_code_id=code_id)
    clock.now += 1
    await seam.call(
        "/action_attempts/get", action_attempt_id=deleted["action_attempt"]["action_attempt_id"]
    )

    await seam.call("/access_codes/create", 400, device_id=FRONT, code="1234")
    await seam.call("/access_codes/create", 400, device_id=PADLOCK)
    await seam.call("/access_codes/get", 404, access_code_id=UNKNOWN)
    await seam.call("/access_codes/list", 404, device_id=UNKNOWN)
    await seam.call("/access_codes/delete", 404, access_code_id=code_id)
    await seam.call("/locks/configure_auto_lock", 400, device_id=FRONT, auto_lock_enabled=True)
    # Two updates of the Front Door's codes so far; ten a minute are allowed.
    for _ in range(8):
        await seam.call("/access_codes/update", access_code_id=FRONT_FAMILY_CODE_ID, name="Us")
    await seam.call("/access_codes/update", 429, access_code_id=FRONT_FAMILY_CODE_ID, name="We")


async def codes_that_fail(seam: Seam, clock: Clock) -> None:
    """A code that will not go on the lock, and one that will not come off."""
    await seam.control(
        "/seam/actions",
        {"delay": 0, "outcome": "error", "action_types": ["CREATE_ACCESS_CODE"]},
    )
    failed = await seam.call("/access_codes/create", device_id=GARAGE, code="1593")
    await seam.call("/access_codes/get", access_code_id=failed["access_code"]["access_code_id"])
    await seam.control(
        "/seam/actions",
        {"delay": 0, "outcome": "error", "action_types": ["DELETE_ACCESS_CODE"]},
    )
    stuck = await seam.call("/access_codes/delete", access_code_id=FRONT_FAMILY_CODE_ID)
    await seam.call(
        "/action_attempts/get", action_attempt_id=stuck["action_attempt"]["action_attempt_id"]
    )
    await seam.call("/access_codes/get", access_code_id=FRONT_FAMILY_CODE_ID)


async def keypad_and_auto_lock(seam: Seam, clock: Clock) -> None:
    """Codes typed at the door, right and wrong, and a lock that relocks itself."""
    configured = await seam.call(
        "/locks/configure_auto_lock",
        device_id=BACK,
        auto_lock_enabled=True,
        auto_lock_delay_seconds=5,
    )
    clock.now += 1
    await seam.call(
        "/action_attempts/get",
        action_attempt_id=configured["action_attempt"]["action_attempt_id"],
    )
    await seam.control(f"/seam/devices/{BACK}", {"properties": {"locked": True}})
    await seam.keypad(BACK, "53791")
    await seam.keypad(BACK, "3366")
    await seam.keypad(FRONT, "0000")
    seam.simulator.state.wall_clock = lambda: datetime(2027, 6, 1, tzinfo=UTC)
    await seam.keypad(FRONT, "739146")
    clock.now += 5
    await seam.call("/devices/get", device_id=BACK)


type Scenario = Callable[[Seam, Clock], Awaitable[None]]

# Each scenario, and the event types it must send (so one that stops sending them fails rather
# than passing with nothing checked).
SCENARIOS: dict[str, tuple[Scenario, set[str]]] = {
    "codes made, changed and deleted": (
        codes_made_changed_and_deleted,
        {
            "access_code.created",
            "access_code.set_on_device",
            "access_code.changed",
            "access_code.removed_from_device",
            "access_code.deleted",
        },
    ),
    "codes that fail": (
        codes_that_fail,
        {"access_code.failed_to_set_on_device", "access_code.failed_to_remove_from_device"},
    ),
    "keypad and auto-lock": (
        keypad_and_auto_lock,
        {"lock.unlocked", "lock.locked", "lock.access_denied"},
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_answers_and_events_match_the_spec(
    name: str,
    seam_spec: OpenApiSpec,  # noqa: F811
    simulator: Simulator,
    http: ClientSession,
    clock: Clock,
    events: list[Json],
) -> None:
    scenario, expected = SCENARIOS[name]
    seam = Seam(simulator, http)
    await scenario(seam, clock)
    problems = seam.problems(seam_spec)
    assert problems == [], "\n".join(problems)
    sent = {event["event_type"] for event in events}
    assert expected <= sent, f"missing {sorted(expected - sent)}"
    schema = seam_spec.component("event")
    event_problems = [
        f"{event['event_type']} {line}"
        for event in events
        for line in seam_spec.problems(schema, event)
    ]
    assert event_problems == [], "\n".join(event_problems)
