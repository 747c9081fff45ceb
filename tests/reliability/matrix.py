"""The fault matrix: every fault a cloud service throws at the integration, and what follows.

The same table drives the tests in `test_fault_matrix.py` and the README's "Reliability"
section; `python -m tests.reliability.matrix` prints the README table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Final

from custom_components.parqex.api import (
    ApiError,
    InvalidResponseError,
    RateLimitError,
    ResponseTooLargeError,
    ServiceUnavailableError,
)
from custom_components.parqex.api.transport import MAX_ANSWER_BYTES, MAX_RETRY_AFTER
from simulator import Fault, SimulatorState

PARQEX: Final = "parqex"
SEAM: Final = "seam"
BOTH: Final = (PARQEX, SEAM)
LIST_PATHS: Final = {
    PARQEX: "/oauth/v1/endpoints/sync",
    SEAM: "/user_identities/list_accessible_devices",
}

# The door and the lock each service's faults are watched on (`_malformed_object` breaks them),
# and one of each that a bad object must not touch.
PROBE_OBJECTS: Final = {
    PARQEX: "70fc7ebd63d841d9a9f06ff815be1e7c",  # door "Kitty"
    SEAM: "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01",  # lock "Front Door"
}
BYSTANDER_OBJECTS: Final = {
    PARQEX: "a42308f43dbfaa8b1960a20ac4317b05",  # door "Last Door! "
    SEAM: "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902",  # lock "Back Door"
}

# What the integration does about a fault.
REAUTH: Final = "reauth"
UNAVAILABLE: Final = "unavailable"
ONE_SKIPPED: Final = "one_skipped"
WORKS: Final = "works"


@dataclass(frozen=True, kw_only=True)
class FaultCase:
    """One row of the matrix."""

    id: str
    fault: str
    behaviour: str
    outcome: str
    services: tuple[str, ...] = BOTH
    # Fields of a simulator `Fault` on the service's list endpoint, repeated while it lasts.
    fault_fields: dict[str, Any] = field(default_factory=dict)
    # Or a change to the simulator's data (for faults in the payload itself).
    mutate: Callable[[SimulatorState, str], None] | None = None
    # How the simulator answers before the fault, from setup on (the baseline it is compared
    # with), when that is not its default.
    baseline: Callable[[SimulatorState, str], None] | None = None
    # The wait the service asked for and the integration keeps to (seconds), if any.
    retry_after: float | None = None
    # The client error the failed polls end in (the `__cause__` of the coordinator's failure),
    # and text its message holds.
    error: type[ApiError] | None = None
    error_text: str = ""
    # The entry holds a credential that URL-encoding changes, so an echo carries two forms.
    odd_credential: bool = False
    # The most Python memory (tracemalloc's peak, bytes) the polls of the fault may take.
    max_memory: int | None = None

    def install(self, state: SimulatorState, service: str) -> None:
        """Make the simulator misbehave this way."""
        if self.mutate is not None:
            self.mutate(state, service)
        else:
            state.faults.append(
                Fault(service=service, path=LIST_PATHS[service], count=10_000, **self.fault_fields)
            )

    def test_id(self, service: str) -> str:
        """The pytest id of this row for one service."""
        return f"{self.id}-{service}"


def _malformed_object(state: SimulatorState, service: str) -> None:
    if service == PARQEX:
        state.update_door(PROBE_OBJECTS[PARQEX], {"state": 1, "active": "yes"})
    else:
        state.update_device(PROBE_OBJECTS[SEAM], {"properties": {"locked": "x"}})


def _duplicates(state: SimulatorState, service: str) -> None:
    if service == PARQEX:
        first = next(iter(state.controllers.values()))
        # The same controller listed again under a second key, with its door closed.
        twin = {**first, "doors": [{**first["doors"][0], "state": "CLOSED"}]}
        state.controllers["twin"] = twin
    else:
        shared = state.user_identities[state.default_user_identity_id]
        shared.append(shared[0])


def _unicode_names(state: SimulatorState, service: str) -> None:
    if service == PARQEX:
        state.update_door(PROBE_OBJECTS[PARQEX], {"name": "  Garáge 北 🚗\t"})
    else:
        state.update_device(PROBE_OBJECTS[SEAM], {"nickname": "  Porte d\u2019entrée 🔐 "})


def _plain_answers(state: SimulatorState, service: str) -> None:
    state.gzip_answers[service] = False


def _gzip_answers(state: SimulatorState, service: str) -> None:
    state.gzip_answers[service] = True


def _ten_thousand(state: SimulatorState, service: str) -> None:
    if service == PARQEX:
        state.generate(controllers=3_334, doors_per_controller=3, devices=len(state.devices))
    else:
        state.generate(controllers=len(state.controllers), devices=10_000)
        # The generated devices carry every vendor's metadata of Seam's documentation, 4.7 KB
        # each, about twice a real device; with Seam's deprecated twin of the list as well,
        # 10,000 of them would pass the 64 MB answer limit that 10,000 real devices stay under.
        state.seam_device_keys = ("devices",)


MATRIX: Final[tuple[FaultCase, ...]] = (
    FaultCase(
        id="http_401",
        fault="HTTP 401",
        behaviour=(
            "reauthentication starts; entities unavailable; no more requests until the user "
            "signs in again"
        ),
        outcome=REAUTH,
        fault_fields={"status": 401},
    ),
    FaultCase(
        id="http_403",
        fault="HTTP 403",
        behaviour="as 401",
        outcome=REAUTH,
        fault_fields={"status": 403},
    ),
    FaultCase(
        id="user_identity_gone",
        fault="HTTP 404 (user identity deleted)",
        behaviour="entities unavailable, polled with backoff; setup retried",
        outcome=UNAVAILABLE,
        services=(SEAM,),
        fault_fields={
            "status": 404,
            "body": '{"error": {"type": "user_identity_not_found", "message": "gone"}}',
        },
    ),
    FaultCase(
        id="http_429_retry_after",
        fault="HTTP 429 with `Retry-After: 900`",
        behaviour="entities unavailable; no request before 900 s have passed",
        outcome=UNAVAILABLE,
        fault_fields={"status": 429, "headers": {"Retry-After": "900"}},
        retry_after=900,
    ),
    FaultCase(
        id="http_429",
        fault="HTTP 429 without `Retry-After`",
        behaviour="entities unavailable; interval doubles up to 5 minutes",
        outcome=UNAVAILABLE,
        fault_fields={"status": 429},
    ),
    *(
        FaultCase(
            id=f"http_{status}",
            fault=f"HTTP {status}",
            behaviour="entities unavailable; interval doubles up to 5 minutes; setup retried",
            outcome=UNAVAILABLE,
            fault_fields={"status": status, "body": "<html>upstream error</html>"},
        )
        for status in (500, 502, 503)
    ),
    FaultCase(
        id="hang",
        fault="request hangs past the timeout",
        behaviour="timed out; entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "hang", "delay": 2.0},
    ),
    FaultCase(
        id="connection_refused",
        fault="connection refused",
        behaviour="entities unavailable; backoff",
        outcome=UNAVAILABLE,
    ),
    FaultCase(
        id="dropped",
        fault="connection dropped mid-body",
        behaviour="entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "disconnect"},
    ),
    FaultCase(
        id="truncated",
        fault="truncated JSON body",
        behaviour="entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "truncated"},
    ),
    FaultCase(
        id="not_json",
        fault="HTML instead of JSON",
        behaviour="entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "not_json"},
    ),
    FaultCase(
        id="wrong_shape",
        fault="JSON of the wrong top-level shape",
        behaviour="entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "wrong_shape"},
    ),
    FaultCase(
        id="malformed_object",
        fault="one door or device with wrong-typed fields",
        behaviour="only that door or device unavailable, kept in the registry; the rest updates",
        outcome=ONE_SKIPPED,
        mutate=_malformed_object,
    ),
    FaultCase(
        id="duplicate_ids",
        fault="the same id listed twice",
        behaviour="the first listing wins; no duplicate entities",
        outcome=WORKS,
        mutate=_duplicates,
    ),
    FaultCase(
        id="unicode_names",
        fault="names with unicode and surrounding white space",
        behaviour="names trimmed, shown as given; entity ids unchanged",
        outcome=WORKS,
        mutate=_unicode_names,
    ),
    FaultCase(
        id="ten_thousand",
        fault="10,000 doors or devices in one answer",
        behaviour="all parsed and registered",
        outcome=WORKS,
        mutate=_ten_thousand,
    ),
    FaultCase(
        id="gzip",
        fault="gzip-encoded answer after plain ones",
        behaviour="decoded as usual: every entity shows what the plain answer showed",
        outcome=WORKS,
        baseline=_plain_answers,
        mutate=_gzip_answers,
    ),
    FaultCase(
        id="echoed_secret",
        fault=(
            "HTTP 500 whose error message and `seam-request-id` header repeat the credential, "
            "as sent and URL-encoded"
        ),
        behaviour=(
            "entities unavailable; backoff; the credential is scrubbed from the error: it "
            "reaches no log, error, setup reason, repair issue or diagnostics"
        ),
        outcome=UNAVAILABLE,
        fault_fields={"mode": "echo_secret", "status": 500},
        error=ServiceUnavailableError,
        error_text="**REDACTED**",
        odd_credential=True,
    ),
    FaultCase(
        id="huge_body",
        fault="200 MB answer with its `Content-Length`",
        behaviour="refused unread (the limit is 64 MB decoded); entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "huge"},
        error=ResponseTooLargeError,
        error_text="more than 64 MB",
        max_memory=16 * 1024 * 1024,
    ),
    FaultCase(
        id="huge_chunked",
        fault="200 MB answer without `Content-Length` (chunked)",
        behaviour="reading stops at 64 MB; entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "huge_chunked"},
        error=ResponseTooLargeError,
        error_text="more than 64 MB",
        max_memory=MAX_ANSWER_BYTES + 32 * 1024 * 1024,
    ),
    FaultCase(
        id="compression_bomb",
        fault="2 MB of gzip that decodes to 2 GB",
        behaviour="decoding stops at 64 MB; entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "bomb"},
        error=ResponseTooLargeError,
        error_text="more than 64 MB",
        max_memory=MAX_ANSWER_BYTES + 32 * 1024 * 1024,
    ),
    FaultCase(
        id="deep_nesting",
        fault="JSON nested 100,000 levels deep",
        behaviour="refused as nested too deeply, without a crash; entities unavailable; backoff",
        outcome=UNAVAILABLE,
        fault_fields={"mode": "deep_nesting"},
        error=InvalidResponseError,
        error_text="nested too deeply",
    ),
    FaultCase(
        id="retry_after_hostile_superscript",
        fault="HTTP 429 with `Retry-After: ²` (a digit, but not an ASCII one)",
        behaviour="the header is ignored; entities unavailable; interval doubles up to 5 minutes",
        outcome=UNAVAILABLE,
        fault_fields={"status": 429, "headers": {"Retry-After": "²"}},
        error=RateLimitError,
    ),
    FaultCase(
        id="retry_after_hostile_huge",
        fault="HTTP 429 with `Retry-After: 99999999999999999999`",
        behaviour=(
            "entities unavailable; waits the 1-hour cap, not the seconds asked for, then asks again"
        ),
        outcome=UNAVAILABLE,
        fault_fields={"status": 429, "headers": {"Retry-After": "99999999999999999999"}},
        retry_after=MAX_RETRY_AFTER,
        error=RateLimitError,
    ),
    FaultCase(
        id="retry_after_hostile_date",
        fault="HTTP 429 with `Retry-After` a date ten years ahead",
        behaviour="entities unavailable; waits the 1-hour cap, then asks again",
        outcome=UNAVAILABLE,
        fault_fields={
            "status": 429,
            "headers": {
                "Retry-After": format_datetime(
                    datetime.now(UTC) + timedelta(days=3653), usegmt=True
                )
            },
        },
        retry_after=MAX_RETRY_AFTER,
        error=RateLimitError,
    ),
)


@dataclass(frozen=True, kw_only=True)
class ScenarioRow:
    """A row whose fault is not in the list answer: commands, push deliveries, shared devices.

    Each is proven end to end against the simulator by the tests it names (file::function);
    `test_fault_matrix.py` checks they exist.
    """

    id: str
    fault: str
    behaviour: str
    services: tuple[str, ...]
    tests: tuple[str, ...]


SCENARIOS: Final[tuple[ScenarioRow, ...]] = (
    ScenarioRow(
        id="confirmation_lost",
        fault="Seam accepted a lock command, then reading its outcome failed (429, 500, dropped)",
        behaviour=(
            "the error says the outcome could not be read and the state is being read again; "
            "the lock is read again at once and shows what happened; never left locking"
        ),
        services=(SEAM,),
        tests=(
            "tests/components/test_lock.py::test_accepted_command_whose_outcome_cannot_be_read",
            "tests/components/test_lock.py::test_unconfirmed_command_times_out_and_rereads_the_lock",
            "tests/components/test_lock.py::test_unexpected_error_clears_the_transitional_state",
        ),
    ),
    ScenarioRow(
        id="command_retry_after",
        fault="HTTP 429 with `Retry-After: 30` on a lock command, 30 commands queued",
        behaviour=(
            "one is sent; the other 29 are refused without being sent, saying the seconds left; "
            "the next goes out once the 30 s are over"
        ),
        services=(SEAM,),
        tests=(
            "tests/components/test_lock.py::test_rate_limited_command_holds_the_lock_back",
            "tests/components/test_lock.py::test_sixteenth_command_in_a_minute_is_refused_then_held",
        ),
    ),
    ScenarioRow(
        id="command_burst",
        fault="30 lock commands back to back",
        behaviour="each confirmed and shown at once; one reconciling list request for all 30",
        services=(SEAM,),
        tests=("tests/components/test_lock.py::test_thirty_commands_cost_one_list_request",),
    ),
    ScenarioRow(
        id="delivery_in_pieces",
        fault="a webhook delivery whose body arrives in several TCP pieces, or never ends",
        behaviour=("read whole, then verified and applied; past 64 KB refused with 413 unread"),
        services=(SEAM,),
        tests=(
            "tests/components/test_push.py::test_delivery_arriving_in_pieces_is_verified_whole",
            "tests/components/test_push.py::test_oversized_delivery_in_pieces_is_refused",
        ),
    ),
    ScenarioRow(
        id="forged_deliveries",
        fault="requests to the webhook that fail verification (forged, stale, wrong secret)",
        behaviour=(
            "answered 401 and otherwise ignored: push stays on, polling unchanged; a repair "
            "issue only after 10 minutes of failures with none verified"
        ),
        services=(SEAM,),
        tests=(
            "tests/components/test_push.py::test_bad_deliveries_change_nothing",
            "tests/components/test_push.py::test_deliveries_that_keep_failing_raise_a_repair",
        ),
    ),
    ScenarioRow(
        id="foreign_events",
        fault="webhook events about devices of other user identities in the workspace",
        behaviour=(
            "no request; events that may mean a device was newly shared cost one poll together"
        ),
        services=(SEAM,),
        tests=(
            "tests/components/test_push.py::test_events_about_other_devices_cost_no_request",
            "tests/components/test_push.py::test_newly_shared_device_is_found_with_one_poll",
        ),
    ),
    ScenarioRow(
        id="shared_device",
        fault="two entries list the same lock or controller; two sensors report one MAC",
        behaviour=(
            "each entry gets all its entities; the sensors stay two devices; older entries are "
            "migrated with entity ids and settings kept"
        ),
        services=BOTH,
        tests=(
            "tests/components/test_shared_devices.py::test_lock_shared_with_two_user_identities",
            "tests/components/test_shared_devices.py::test_controller_seen_by_two_parqex_accounts",
            "tests/components/test_shared_devices.py::test_door_sensors_reporting_one_mac_stay_two_devices",
            "tests/components/test_shared_devices.py::test_entry_of_minor_version_1_is_migrated",
        ),
    ),
)

_SERVICE_NAMES: Final = {PARQEX: "ParqEx", SEAM: "Seam"}
TEST_FILE: Final = "tests/reliability/test_fault_matrix.py"


def render_table() -> str:
    """The README's fault table, in Markdown."""
    lines = [
        "| Fault | Services | What the integration does | Test |",
        "|---|---|---|---|",
    ]
    for case in MATRIX:
        services = ", ".join(_SERVICE_NAMES[service] for service in case.services)
        lines.append(
            f"| {case.fault} | {services} | {case.behaviour} | "
            f"`test_fault_matrix.py::*[{case.id}-*]` |"
        )
    for row in SCENARIOS:
        services = ", ".join(_SERVICE_NAMES[service] for service in row.services)
        tests = ", ".join(f"`{test.removeprefix('tests/')}`" for test in row.tests)
        lines.append(f"| {row.fault} | {services} | {row.behaviour} | {tests} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_table())
