"""What the benchmark's parts share: sizes, the result keys, and timing helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
import gc
import math
import os
import statistics
import time
from typing import Any, Final

# Every key of the JSON result, in the order of the table, with its target.
TARGETS: Final[dict[str, tuple[str, float | None]]] = {
    "seam_parse_sdk_ratio": (">=", 10.0),
    "seam_parse_floor_ratio": ("<=", 2.0),
    "parqex_parse_floor_ratio": ("<=", 2.0),
    "unchanged_poll_state_writes": ("==", 0),
    "one_change_poll_state_writes": ("==", 1),
    "unchanged_poll_floor_ratio": ("<=", 1.5),
    "setup_seconds_per_1000_devices": ("report", None),
    "setup_scaling_ratio": ("<=", 2.2),
    "import_ms": ("<=", 50.0),
    "seam_sdk_import_ms": ("report", None),
    "lock_confirm_overhead_s": ("<=", 0.5),
    "climate_confirm_overhead_s": ("<=", 0.5),
    "cover_confirm_overhead_s": ("<=", 2.0),
    "token_refreshes_per_expiry": ("==", 1),
    # Large accounts: Seam devices, then LARGE_FACTOR times as many (the `_1x`, `_5x` keys).
    "setup_max_loop_stall_ms_1x": ("<=", 250.0),
    "setup_max_loop_stall_ms_5x": ("report", None),
    "poll_max_loop_stall_ms_1x": ("<=", 50.0),
    "poll_max_loop_stall_ms_5x": ("report", None),
    "rss_mb_per_1000_devices_1x": ("report", None),
    "rss_mb_per_1000_devices_5x": ("report", None),
    "rss_scaling_ratio": ("<=", 1.2),
    "webhook_apply_ms_p99_1x": ("report", None),
    "webhook_apply_ms_p99_5x": ("<=", 5.0),
}
SDK_KEYS: Final = ("seam_parse_sdk_ratio", "seam_sdk_import_ms")
# The large account is measured at `large_devices` Seam devices and at this many times as many.
LARGE_FACTOR: Final = 5

# How the runner tells the Home Assistant part (a pytest session) what to do.
ENV_CONFIG: Final = "PARQEX_BENCH_CONFIG"
ENV_OUTPUT: Final = "PARQEX_BENCH_OUTPUT"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sizes:
    """How big and how often: the full benchmark, or a tiny one for the test suite."""

    # Parse benchmarks: Seam devices in one body; ParqEx controllers of 3 doors each.
    parse_devices: int = 1000
    parse_controllers: int = 1000
    parse_repeats: int = 15
    # Polls in Home Assistant: this many ParqEx doors and this many Seam devices.
    poll_doors: int = 1000
    poll_devices: int = 1000
    poll_repeats: int = 9
    # Config entry setup: Seam entries of this many devices, then twice as many. Home Assistant
    # (2026) enables at most 10,000 entities per config entry; twice 800 devices is 9,600.
    setup_devices: int = 800
    setup_repeats: int = 3
    # A first, unrecorded setup loads what a process loads once (modules, caches).
    setup_warm_up: int = 1
    # Lock commands: how many, and how long the simulated lock takes to act.
    lock_commands: int = 5
    action_delay: float = 1.0
    # Thermostat commands (climate.set_temperature), with the same simulated delay.
    climate_commands: int = 5
    # Door commands (cover.open_cover / close_cover): how many, and how long a simulated door
    # takes to get there.
    cover_commands: int = 5
    travel_time: float = 1.0
    # OAuth refreshes: how long an access token lasts, how many times it runs out (by a frozen
    # clock that moves a second at a time), and what uses the token at once at every step:
    # polls of the coordinator, and reads on its client outside the coordinator's own lock.
    token_lifetime: int = 30
    token_expiries: int = 10
    concurrent_polls: int = 2
    concurrent_reads: int = 2
    # Large accounts: a Seam entry of this many devices, then of LARGE_FACTOR times as many,
    # each set up in a fresh Home Assistant; then polls that find one device changed, and
    # verified webhook deliveries.
    large_devices: int = 1000
    large_polls: int = 5
    webhook_deliveries: int = 200
    # Fresh interpreters per import figure (the SDK's takes seconds a time, and is only reported).
    import_repeats: int = 11
    sdk_import_repeats: int = 5

    def to_env(self) -> str:
        """The sizes as one environment variable value."""
        return ",".join(f"{key}={value}" for key, value in asdict(self).items())

    @classmethod
    def from_env(cls) -> Sizes:
        """The sizes the runner passed, or the full ones."""
        raw = os.environ.get(ENV_CONFIG, "")
        fields: dict[str, Any] = {}
        for item in filter(None, raw.split(",")):
            key, value = item.split("=", 1)
            kind = cls.__dataclass_fields__[key].type
            fields[key] = float(value) if kind == "float" else int(value)
        return cls(**fields)


FULL: Final = Sizes()
QUICK: Final = Sizes(
    parse_devices=5,
    parse_controllers=5,
    parse_repeats=3,
    poll_doors=5,
    poll_devices=5,
    poll_repeats=2,
    setup_devices=5,
    setup_repeats=1,
    setup_warm_up=0,
    lock_commands=1,
    action_delay=0.1,
    climate_commands=1,
    cover_commands=1,
    token_expiries=3,
    large_devices=5,
    large_polls=2,
    webhook_deliveries=5,
    import_repeats=1,
    sdk_import_repeats=1,
)


def median(values: list[float]) -> float:
    """The median; a benchmark with no runs is a bug."""
    return statistics.median(values)


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value at least `percent` % of values reach."""
    ordered = sorted(values)
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def timed(function: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds one call takes, after a full collection so earlier garbage is not billed."""
    gc.collect()
    start = clock()
    function()
    return clock() - start


def interleaved(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Time each function `repeats` times, taking turns, after one untimed warm-up each.

    Taking turns spreads any slow spell of the machine over every contender alike.
    """
    for function in functions.values():
        function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            times[name].append(timed(function))
    return times
