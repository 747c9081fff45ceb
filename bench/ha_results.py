"""Raw measurements of the Home Assistant benchmark, written out when its session ends."""

from __future__ import annotations

from typing import Any

# Measurement name -> list of values (one per repeat), or a note for the table.
RESULTS: dict[str, Any] = {}


def record(name: str, value: float) -> None:
    """Keep one more value of a measurement."""
    RESULTS.setdefault(name, []).append(value)
