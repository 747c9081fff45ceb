"""The fault matrix: every fault a cloud service throws at the integration, and what follows.

The same table drives the tests in `test_fault_matrix.py` and the README's "Reliability"
section; `python -m tests.reliability.matrix` prints the README table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

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
    retry_after: float | None = None

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


def _huge(state: SimulatorState, service: str) -> None:
    if service == PARQEX:
        state.generate(controllers=3_334, doors_per_controller=3, devices=len(state.devices))
    else:
        state.generate(controllers=len(state.controllers), devices=10_000)


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
        mutate=_huge,
    ),
    FaultCase(
        id="gzip",
        fault="gzip-encoded answer",
        behaviour="decoded as usual",
        outcome=WORKS,
        mutate=lambda state, service: None,
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
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_table())
