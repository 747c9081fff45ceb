"""The parse benchmarks, run first in the benchmark's pytest session (no Home Assistant yet).

Running them here rather than in `python -m bench` itself spares a process that would import
Home Assistant (the integration's package does) and the Seam SDK once more.
"""

from __future__ import annotations

from . import parse
from .common import Sizes
from .ha_results import RESULTS


def test_parse(sizes: Sizes) -> None:
    """Our parsers against the Seam SDK and against bare orjson.loads."""
    figures, notes = parse.run(sizes)
    RESULTS["parse_figures"] = figures
    RESULTS["parse_notes"] = notes
