"""Keypad codes of Seam locks: a cache for naming who unlocked, checks and Seam's code limits.

Codes are read per lock only when something needs them (a keypad unlock by a code not known
yet, a `get_codes` action, a change of codes Seam announced), never on a poll, and a cached
list is trusted for `CODE_CACHE_SECONDS`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
import math
import time
from typing import Any, Final

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import SeamAccessCode, SeamClient, SeamDevice
from .const import DOMAIN, LOGGER

CODE_CACHE_SECONDS: Final = 600.0
# Seam's limits per lock and minute.
CODE_LIMITS: Final = {"create": 10, "update": 10, "delete": 20}
CODE_LIMIT_WINDOW: Final = 60.0


@dataclass(slots=True)
class _LockCodes:
    """One lock's codes as last read, and when."""

    codes: dict[str, SeamAccessCode]
    read_at: float


@dataclass(slots=True)
class AccessCodeCache:
    """The codes of each lock of an entry, read on demand and kept for a while."""

    client: SeamClient
    _locks: dict[str, _LockCodes] = field(default_factory=dict)
    _reading: dict[str, asyncio.Lock] = field(default_factory=dict)

    def name(self, device_id: str, access_code_id: str) -> str | None:
        """The name of a code as last read; None when it is not known."""
        cached = self._locks.get(device_id)
        code = cached.codes.get(access_code_id) if cached else None
        return code.name if code and code.name else None

    def knows(self, device_id: str, access_code_id: str) -> bool:
        """Whether the fresh cache of a lock holds a code (so no read can tell more)."""
        cached = self._locks.get(device_id)
        if cached is None or time.monotonic() - cached.read_at > CODE_CACHE_SECONDS:
            return False
        return access_code_id in cached.codes

    def forget(self, device_id: str) -> None:
        """Drop a lock's codes: Seam said they changed."""
        self._locks.pop(device_id, None)

    async def async_codes(self, device_id: str, *, fresh: bool = False) -> list[SeamAccessCode]:
        """Every code of a lock, managed or not; read again when stale or `fresh` is asked.

        One lock is read once at a time: a read asked for meanwhile waits for it.
        """
        async with self._reading.setdefault(device_id, asyncio.Lock()):
            cached = self._locks.get(device_id)
            if fresh or cached is None or time.monotonic() - cached.read_at > CODE_CACHE_SECONDS:
                cached = await self._read(device_id)
            return list(cached.codes.values())

    async def _read(self, device_id: str) -> _LockCodes:
        started = time.monotonic()
        managed = await self.client.async_list_access_codes(device_id)
        unmanaged = await self.client.async_list_unmanaged_access_codes(device_id)
        codes = {code.access_code_id: code for code in (*managed, *unmanaged)}
        cached = self._locks[device_id] = _LockCodes(codes=codes, read_at=started)
        LOGGER.debug("Read %d keypad codes of %s", len(codes), device_id)
        return cached


@dataclass(slots=True)
class CodeLimits:
    """Seam's per-lock limits on code changes, kept locally so nothing is sent to be refused."""

    _sent: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def raise_if_exceeded(self, device_id: str, kind: str, placeholders: dict[str, str]) -> None:
        """Refuse a change when the lock had its minute's worth; note it otherwise."""
        now = time.monotonic()
        sent = self._sent.setdefault((device_id, kind), deque())
        while sent and now - sent[0] >= CODE_LIMIT_WINDOW:
            sent.popleft()
        if len(sent) >= CODE_LIMITS[kind]:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="code_rate_limited",
                translation_placeholders={
                    **placeholders,
                    "limit": str(CODE_LIMITS[kind]),
                    "seconds": str(math.ceil(CODE_LIMIT_WINDOW - (now - sent[0]))),
                },
            )
        sent.append(now)


def _refuse(key: str, placeholders: dict[str, str]) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _has_sequence(code: str) -> bool:
    """Whether three digits in a row count up or down by one (such as 123 or 987)."""
    steps = [int(b) - int(a) for a, b in pairwise(code)]
    return any(first == second and abs(first) == 1 for first, second in pairwise(steps))


# Rules Seam lists in `code_constraints` that a code can be checked against here, each with
# the message that says the rule in the user's words, and whether a code keeps it.
CODE_RULES: Final[dict[str, tuple[str, Callable[[str], bool]]]] = {
    "no_zeros": ("code_rule_no_zeros", lambda code: "0" not in code),
    "cannot_start_with_12": (
        "code_rule_cannot_start_with_12",
        lambda code: not code.startswith("12"),
    ),
    "no_all_same_digits": ("code_rule_no_all_same_digits", lambda code: len(set(code)) > 1),
    "at_least_three_unique_digits": (
        "code_rule_at_least_three_unique_digits",
        lambda code: len(set(code)) >= 3,
    ),
    "no_ascending_or_descending_sequence": (
        "code_rule_no_ascending_or_descending_sequence",
        lambda code: not _has_sequence(code),
    ),
    "no_triple_consecutive_ints": (
        "code_rule_no_triple_consecutive_ints",
        lambda code: not _has_sequence(code),
    ),
    "cannot_contain_089": (
        "code_rule_cannot_contain_089",
        lambda code: not any(digit in code for digit in "089"),
    ),
    "cannot_contain_0789": (
        "code_rule_cannot_contain_0789",
        lambda code: not any(digit in code for digit in "0789"),
    ),
}


def check_code(device: SeamDevice, code: str, placeholders: dict[str, str]) -> None:
    """Refuse a code the lock would not take: digits only, a length and rules it supports."""
    if not code.isdecimal() or not code.isascii():
        raise _refuse("code_not_digits", placeholders)
    lengths = sorted(device.supported_code_lengths)
    if lengths and len(code) not in lengths:
        if len(lengths) == 1:
            raise _refuse("code_length", {**placeholders, "length": str(lengths[0])})
        # A list of numbers after a colon reads the same in every language.
        raise _refuse("code_lengths", {**placeholders, "lengths": ", ".join(map(str, lengths))})
    for rule in sorted(device.code_constraints & CODE_RULES.keys()):
        message, keeps = CODE_RULES[rule]
        if not keeps(code):
            # The first rule the code breaks, said in a sentence of its own.
            raise _refuse(message, placeholders)


def time_frame(
    starts_at: datetime | None, ends_at: datetime | None, placeholders: dict[str, str]
) -> tuple[str | None, str | None]:
    """A code's time frame as Seam takes it (ISO 8601, UTC); both ends or neither.

    A time without a zone is Home Assistant's local time. The end must be after the start and
    still to come.
    """
    if starts_at is None and ends_at is None:
        return None, None
    if starts_at is None or ends_at is None:
        raise _refuse("code_time_frame_incomplete", placeholders)
    start, end = (
        dt_util.as_utc(
            moment if moment.tzinfo else moment.replace(tzinfo=dt_util.get_default_time_zone())
        )
        for moment in (starts_at, ends_at)
    )
    if end <= start or end <= dt_util.utcnow():
        raise _refuse("code_time_frame", placeholders)
    return start.isoformat(), end.isoformat()


def check_can_program(device: SeamDevice, placeholders: dict[str, str]) -> None:
    """Refuse code changes on a lock Seam cannot program codes on while it is online."""
    if not device.can_program_online_access_codes:
        raise _refuse("codes_not_supported", placeholders)


def find_code(
    codes: Iterable[SeamAccessCode], wanted: str, placeholders: dict[str, str]
) -> SeamAccessCode:
    """A code by its id, or by its name where exactly one code has it."""
    codes = list(codes)
    for code in codes:
        if code.access_code_id == wanted:
            return code
    named = [code for code in codes if code.name == wanted]
    if len(named) == 1:
        return named[0]
    raise _refuse("code_ambiguous" if named else "code_not_found", {**placeholders, "code": wanted})


def code_as_json(code: SeamAccessCode) -> dict[str, Any]:
    """What `get_codes` answers for a code; the code itself goes only to who asked."""
    return {
        "access_code_id": code.access_code_id,
        "name": code.name,
        "code": code.code,
        "type": code.type,
        "starts_at": code.starts_at.isoformat() if code.starts_at else None,
        "ends_at": code.ends_at.isoformat() if code.ends_at else None,
        "status": code.status,
        "set_on_device": code.is_set_on_device,
        "managed": code.is_managed is not False,
        "errors": [error.error_code for error in code.errors if error.error_code],
    }
