"""Seam access codes: the keypad codes of a lock, managed through Seam or set at the lock.

A code is a secret: it is never part of a model's `repr`, and the client keeps it out of
error texts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import msgspec

from ..decoding import Identifier, Model, decode
from .models import SeamActionAttempt

# Seam's statuses of a code on its lock.
CODE_SET: Final = "set"
CODE_TYPE_TIME_BOUND: Final = "time_bound"
# At most this many pages of codes are read for one lock (Seam's pages hold up to 500).
MAX_CODE_PAGES: Final = 20


def _time(value: str | None) -> datetime | None:
    """An ISO 8601 time Seam sends; anything else is no time rather than an error."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class SeamAccessCodeError(Model, frozen=True):
    """An entry of a code's `errors`: why it is not (yet) on the lock."""

    error_code: str | None = None
    message: str | None = None


class SeamAccessCode(Model, frozen=True):
    """One keypad code of a lock."""

    access_code_id: Identifier
    device_id: str | None = None
    name: str | None = None
    code: str | None = None
    type: str | None = None
    status: str | None = None
    is_managed: bool | None = None
    reported_starts_at: str | None = msgspec.field(default=None, name="starts_at")
    reported_ends_at: str | None = msgspec.field(default=None, name="ends_at")
    errors: tuple[SeamAccessCodeError, ...] = ()

    def __repr__(self) -> str:
        return f"SeamAccessCode(access_code_id={self.access_code_id!r}, status={self.status!r})"

    @property
    def starts_at(self) -> datetime | None:
        """When a time-bound code starts to open the lock."""
        return _time(self.reported_starts_at)

    @property
    def ends_at(self) -> datetime | None:
        """When a time-bound code stops opening the lock."""
        return _time(self.reported_ends_at)

    @property
    def is_set_on_device(self) -> bool:
        """Whether the lock has the code now."""
        return self.status == CODE_SET


class _Pagination(Model, frozen=True):
    next_page_cursor: str | None = None


class SeamAccessCodePage(Model, frozen=True):
    """One page of a lock's codes, and where the next one starts."""

    access_codes: tuple[SeamAccessCode, ...]
    pagination: _Pagination | None = None

    @property
    def next_page_cursor(self) -> str | None:
        """The cursor of the next page; None on the last."""
        return self.pagination.next_page_cursor if self.pagination else None


_PAGE: Final = msgspec.json.Decoder(SeamAccessCodePage)


def parse_access_code_page(body: bytes) -> SeamAccessCodePage:
    """Build a page of codes from a `/access_codes/list` or `/unmanaged/list` body."""
    return decode(body, _PAGE, "Seam access codes")


class SeamCreatedAccessCode(Model, frozen=True):
    """A code Seam accepted to create, and the action attempt that sets it on the lock.

    Seam's answers before action attempts (and its fake server still) carry the code alone:
    the code's own `status` then says whether the lock has it.
    """

    access_code: SeamAccessCode
    action_attempt: SeamActionAttempt | None = None


_CREATED: Final = msgspec.json.Decoder(SeamCreatedAccessCode)


def parse_created_access_code(body: bytes) -> SeamCreatedAccessCode:
    """Build the answer of `/access_codes/create`."""
    return decode(body, _CREATED, "Seam access code")
