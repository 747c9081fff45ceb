"""Seam's access codes (keypad PINs): the codes locks hold, and requests checked as Seam would.

A device says which codes it takes with `properties.supported_code_lengths` and
`properties.code_constraints`; a request that breaks them is refused with `InvalidInput` (400
`invalid_input`). Times are ISO 8601 with a zone, kept as Seam writes them (`seam_time`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
import math
import re
import secrets
import string
from typing import Any, Final

from .seeds import WORKSPACE_ID, Json
from .thermostats import InvalidInput

# The lengths Seam's own request schema allows, for a device that names none.
DEFAULT_CODE_LENGTHS: Final = tuple(range(4, 13))
# Random codes tried before a code is declared impossible on the device.
GENERATION_TRIES: Final = 2000
_DIGITS: Final = re.compile(r"[0-9]+")
_CURSOR: Final = re.compile(r"offset:([0-9]+)")
CANNOT_SPECIFY_PIN_CODE: Final = "cannot_specify_pin_code"
UNIQUE_FIRST_FOUR_DIGITS: Final = "unique_first_four_digits"


def _steps(code: str) -> list[int]:
    return [int(after) - int(before) for before, after in pairwise(code)]


def _has_run_of_three(code: str) -> bool:
    """Whether three digits in a row count up or down by one ("123", "987")."""
    steps = _steps(code)
    return any(first == second and abs(first) == 1 for first, second in pairwise(steps))


def _is_sequence(code: str) -> bool:
    """Whether the whole code counts up or down by one ("1234", "6543")."""
    steps = set(_steps(code))
    return steps in ({1}, {-1})


@dataclass(frozen=True, slots=True)
class CodeRule:
    """A digit constraint Seam names, and how a code breaks it."""

    accepts: Callable[[str], bool]
    # Completes "The code ...".
    refusal: str


# The constraints on the digits themselves. The rest Seam names (`cannot_specify_pin_code`,
# `unique_first_four_digits` and the name constraints) need more than the code and are checked
# where they apply; `pin_code_matches_existing_set` and `start_date_in_future` are not modelled.
CODE_RULES: Final[dict[str, CodeRule]] = {
    "no_zeros": CodeRule(lambda code: "0" not in code, "must not contain 0"),
    "cannot_start_with_12": CodeRule(
        lambda code: not code.startswith("12"), "must not start with 12"
    ),
    "no_triple_consecutive_ints": CodeRule(
        lambda code: not _has_run_of_three(code),
        "must not have three digits in a row that count up or down",
    ),
    "no_ascending_or_descending_sequence": CodeRule(
        lambda code: not _is_sequence(code), "must not count up or down all the way"
    ),
    "at_least_three_unique_digits": CodeRule(
        lambda code: len(set(code)) >= 3, "must have at least three different digits"
    ),
    "cannot_contain_089": CodeRule(
        lambda code: not set(code) & set("089"), "must not contain 0, 8 or 9"
    ),
    "cannot_contain_0789": CodeRule(
        lambda code: not set(code) & set("0789"), "must not contain 0, 7, 8 or 9"
    ),
    "no_all_same_digits": CodeRule(
        lambda code: len(set(code)) > 1, "must not be one digit repeated"
    ),
}


def seam_time(when: datetime) -> str:
    """A time as Seam writes it: UTC, milliseconds, `Z`."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any, name: str) -> datetime:
    """An ISO 8601 time of a request; one without a zone is refused, as it is ambiguous."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be an ISO 8601 date and time")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 date and time") from None
    if when.tzinfo is None:
        raise InvalidInput(f"{name} must give its time zone (for example Z)")
    return when


@dataclass(slots=True, kw_only=True)
class AccessCode:
    """A code on a lock's keypad: one Seam manages, or one set outside Seam (`is_managed`).

    `status` is Seam's (`setting`, `set`, `removing`, `unset`); `on_device` says whether the
    lock takes the code right now, so a code still being set opens nothing. `waiting_for` is
    the action attempt whose end decides the status: an older attempt settles without effect.
    """

    access_code_id: str
    device_id: str
    name: str | None
    code: str
    created_at: str
    starts_at: str | None = None
    ends_at: str | None = None
    is_managed: bool = True
    status: str = "setting"
    on_device: bool = False
    errors: list[Json] = field(default_factory=list)
    pending_mutations: list[Json] = field(default_factory=list)
    waiting_for: str | None = None

    @property
    def type(self) -> str:
        """`time_bound` when the code has a time frame, else `ongoing`."""
        return "ongoing" if self.starts_at is None and self.ends_at is None else "time_bound"

    def inactive_reason(self, now: datetime) -> str | None:
        """Why the lock refuses the code at `now` (Seam's `reason_code`); None when it opens."""
        if self.starts_at is not None and now < parse_time(self.starts_at, "starts_at"):
            return "unknown_code"  # not on the lock yet
        if self.ends_at is not None and now >= parse_time(self.ends_at, "ends_at"):
            return "expired_code"
        return None

    def as_json(self) -> Json:
        """The code as Seam shows it (an `access_code` or an `unmanaged_access_code`)."""
        shown: Json = {
            "access_code_id": self.access_code_id,
            "device_id": self.device_id,
            "workspace_id": WORKSPACE_ID,
            "name": self.name,
            "code": self.code,
            "type": self.type,
            "status": self.status,
            "is_managed": self.is_managed,
            "errors": copy.deepcopy(self.errors),
            "warnings": [],
            "created_at": self.created_at,
        }
        if self.type == "time_bound":
            shown |= {"starts_at": self.starts_at, "ends_at": self.ends_at}
        if self.is_managed:
            shown |= {
                "common_code_key": None,
                "is_backup_access_code_available": False,
                "is_external_modification_allowed": False,
                "is_one_time_use": False,
                "is_offline_access_code": False,
                "pending_mutations": copy.deepcopy(self.pending_mutations),
            }
        return shown


def _either(lengths: list[int]) -> str:
    """`4 or 6`, `4, 5 or 6`."""
    *rest, last = map(str, lengths)
    return f"{', '.join(rest)} or {last}" if rest else last


def supported_lengths(device: Json) -> list[int]:
    """The code lengths a device takes."""
    lengths = device.get("properties", {}).get("supported_code_lengths")
    return [int(length) for length in lengths or DEFAULT_CODE_LENGTHS]


def constraints(device: Json) -> list[Json]:
    """A device's `code_constraints`."""
    found: list[Json] = device.get("properties", {}).get("code_constraints") or []
    return found


def _kinds(device: Json) -> set[str]:
    return {str(constraint.get("constraint_type")) for constraint in constraints(device)}


def code_problem(device: Json, code: str, others: Iterable[AccessCode]) -> str | None:
    """Why the device refuses `code` beside its `others`; None when it takes it."""
    lengths = supported_lengths(device)
    if len(code) not in lengths:
        return f"The code must be {_either(lengths)} digits long"
    kinds = _kinds(device)
    for kind in sorted(kinds & CODE_RULES.keys()):
        rule = CODE_RULES[kind]
        if not rule.accepts(code):
            return f"The code {rule.refusal}"
    others = list(others)
    if any(other.code == code for other in others):
        return "The device already has this code"
    if UNIQUE_FIRST_FOUR_DIGITS in kinds and any(other.code[:4] == code[:4] for other in others):
        return "Another code on the device starts with the same four digits"
    return None


def check_code(device: Json, code: Any, others: Iterable[AccessCode]) -> str:
    """A code a request chose, as the device would take it; refused otherwise."""
    if not isinstance(code, str) or _DIGITS.fullmatch(code) is None:
        raise InvalidInput("code must be a string of digits")
    if CANNOT_SPECIFY_PIN_CODE in _kinds(device):
        raise InvalidInput("This device makes up its own codes: leave code out")
    problem = code_problem(device, code, others)
    if problem is not None:
        raise InvalidInput(problem)
    return code


def generate_code(device: Json, others: Iterable[AccessCode], preferred_length: Any = None) -> str:
    """A random code the device takes: `preferred_length` digits, else its shortest length."""
    lengths = supported_lengths(device)
    if preferred_length is None:
        length = min(lengths)
    elif (
        isinstance(preferred_length, bool)
        or not isinstance(preferred_length, int | float)
        or preferred_length not in lengths
    ):
        raise InvalidInput(f"preferred_code_length must be {_either(lengths)}")
    else:
        length = int(preferred_length)
    others = list(others)
    for _ in range(GENERATION_TRIES):
        candidate = "".join(secrets.choice(string.digits) for _ in range(length))
        if code_problem(device, candidate, others) is None:
            return candidate
    raise InvalidInput(f"No {length}-digit code meets this device's constraints")


def check_name(device: Json, name: Any, others: Iterable[AccessCode]) -> str | None:
    """A code's name as a request gave it (None for none), within the device's constraints."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise InvalidInput("name must be a string")
    for constraint in constraints(device):
        kind = constraint.get("constraint_type")
        if kind == "name_length":
            shortest = constraint.get("min_length", 0)
            longest = constraint.get("max_length", math.inf)
            if len(name) < shortest:
                raise InvalidInput(f"name must be at least {shortest:g} characters long")
            if len(name) > longest:
                raise InvalidInput(f"name must be at most {longest:g} characters long")
        elif kind == "name_must_be_unique" and any(other.name == name for other in others):
            raise InvalidInput("Another code on the device has this name")
    return name


def time_frame(starts_at: Any, ends_at: Any, *, required: bool) -> tuple[str | None, str | None]:
    """A checked time frame, as Seam writes it; (None, None) for an ongoing code.

    Without `required`, giving neither time means an ongoing code.
    """
    if starts_at is None and ends_at is None and not required:
        return None, None
    if starts_at is None or ends_at is None:
        raise InvalidInput("A time-bound code needs both starts_at and ends_at")
    starts, ends = parse_time(starts_at, "starts_at"), parse_time(ends_at, "ends_at")
    if ends <= starts:
        raise InvalidInput("ends_at must be after starts_at")
    return seam_time(starts), seam_time(ends)


def plan_create(device: Json, body: Json, others: list[AccessCode]) -> Json:
    """A new code's `name`, `code`, `starts_at` and `ends_at`, from a create request.

    Without `code`, one is made up (of `preferred_code_length` digits, if given).
    """
    name = check_name(device, body.get("name"), others)
    starts_at, ends_at = time_frame(body.get("starts_at"), body.get("ends_at"), required=False)
    code = body.get("code")
    if code is None:
        code = generate_code(device, others, body.get("preferred_code_length"))
    else:
        code = check_code(device, code, others)
    return {"name": name, "code": code, "starts_at": starts_at, "ends_at": ends_at}


def plan_update(device: Json, current: AccessCode, body: Json, others: list[AccessCode]) -> Json:
    """What an update request changes: some of `name`, `code`, `starts_at` and `ends_at`.

    `type: ongoing` drops the time frame; `type: time_bound`, or a new `starts_at` or
    `ends_at`, makes a time-bound code of the times given and those the code had.
    """
    changes: Json = {}
    if "name" in body:
        changes["name"] = check_name(device, body["name"], others)
    if body.get("code") is not None:
        changes["code"] = check_code(device, body["code"], others)
    kind = body.get("type")
    if kind not in (None, "ongoing", "time_bound"):
        raise InvalidInput("type must be ongoing or time_bound")
    starts_at, ends_at = body.get("starts_at"), body.get("ends_at")
    if kind == "ongoing":
        if starts_at is not None or ends_at is not None:
            raise InvalidInput("An ongoing code has no starts_at or ends_at")
        changes |= {"starts_at": None, "ends_at": None}
    elif kind == "time_bound" or starts_at is not None or ends_at is not None:
        changes["starts_at"], changes["ends_at"] = time_frame(
            current.starts_at if starts_at is None else starts_at,
            current.ends_at if ends_at is None else ends_at,
            required=True,
        )
    return changes


def _whole_number(value: Any, name: str) -> int:
    # A GET request's query gives numbers as text.
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{name} must be a whole number, at least 1")
    return value


def page_cursor(offset: int) -> str:
    """The opaque cursor of the page that starts at `offset`."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: Any) -> int:
    if cursor is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(str(cursor).encode()).decode()
    except binascii.Error, UnicodeDecodeError:
        decoded = ""
    found = _CURSOR.fullmatch(decoded)
    if found is None:
        raise InvalidInput("page_cursor is not one this list gave")
    return int(found.group(1))


def page(items: list[Json], body: Json) -> tuple[list[Json], str | None]:
    """The page of `items` a list request asks for (`limit`, `page_cursor`), and the next cursor.

    The cursor is None on the last page.
    """
    offset = _offset(body.get("page_cursor"))
    limit = body.get("limit")
    end = len(items) if limit is None else offset + _whole_number(limit, "limit")
    return items[offset:end], page_cursor(end) if end < len(items) else None
