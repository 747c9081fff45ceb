"""Seam's noise sensors: which of a sensor's noise thresholds a noise level sets off, and when.

A threshold is active daily from `starts_daily_at` to `ends_daily_at`, written as Seam writes
them, `HH:MM:SS[Area/City]` (a span that ends before it starts runs past midnight). A level at
or above an active threshold's `noise_threshold_decibels` triggers it, as in Seam's own fake.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from .seeds import Json


def daily_time(text: str) -> tuple[time, ZoneInfo]:
    """A threshold's daily time and the zone it is in (UTC when it names none)."""
    clock, _, zone = text.partition("[")
    return time.fromisoformat(clock), ZoneInfo(zone.rstrip("]") or "UTC")


def is_active(threshold: Json, now: datetime) -> bool:
    """Whether the threshold applies at `now` (an aware datetime)."""
    starts, zone = daily_time(threshold["starts_daily_at"])
    ends, _ = daily_time(threshold["ends_daily_at"])
    local = now.astimezone(zone).time()
    if starts <= ends:
        return starts <= local < ends
    return local >= starts or local < ends


def triggering(level: float, thresholds: Iterable[Json], now: datetime) -> list[str]:
    """The ids of the thresholds that `level` decibels sets off at `now`."""
    return [
        threshold["noise_threshold_id"]
        for threshold in thresholds
        if is_active(threshold, now) and level >= threshold["noise_threshold_decibels"]
    ]
