"""Run every benchmark, print the table, and optionally write the figures as JSON."""

from __future__ import annotations

import argparse
from dataclasses import replace
import json
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time
from typing import Any

from . import imports
from .common import (
    ENV_CONFIG,
    ENV_OUTPUT,
    FULL,
    LARGE_FACTOR,
    QUICK,
    TARGETS,
    Sizes,
    median,
    percentile,
)

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here")
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and few repeats, for the test suite"
    )
    parser.add_argument(
        "--size",
        type=int,
        metavar="N",
        help="N devices, doors and controllers instead of 1,000 (with the full repeats)",
    )
    return parser.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    """The sizes the options ask for."""
    sizes = QUICK if args.quick else FULL
    if args.size is not None:
        if args.size < 1:
            raise SystemExit("--size must be at least 1")
        sizes = replace(
            sizes,
            parse_devices=args.size,
            parse_controllers=args.size,
            poll_doors=args.size,
            poll_devices=args.size,
            setup_devices=args.size,
            large_devices=args.size,
            lock_commands=min(sizes.lock_commands, (args.size + 1) // 2),
            climate_commands=min(sizes.climate_commands, args.size),
            cover_commands=min(sizes.cover_commands, args.size),
        )
    return sizes


class HomeAssistantRun:
    """Benchmarks in Home Assistant's harness: a pytest session in a child process."""

    def __init__(
        self,
        sizes: Sizes,
        tests: tuple[str, ...] = ("bench/parse_bench.py", "bench/ha_bench.py"),
        select: str | None = None,
    ) -> None:
        """Start the session: `tests` (files), only the cases `select` (`-k`) picks."""
        self._scratch = tempfile.TemporaryDirectory()
        self._output = Path(self._scratch.name) / "ha.json"
        # A fresh session: nothing of a surrounding pytest run (xdist worker, coverage) leaks in.
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("PYTEST_XDIST", "PYTEST_CURRENT_TEST", "COV_CORE"))
        }
        env |= {ENV_CONFIG: sizes.to_env(), ENV_OUTPUT: str(self._output)}
        command = [
            sys.executable,
            "-m",
            "pytest",
            *tests,
            *(("-k", select) if select else ()),
            "-q",
            "-p",
            "no:cacheprovider",
            "--timeout=900",
        ]
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def stop(self) -> None:
        """End the session early (the runner failed elsewhere)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        self._scratch.cleanup()

    def result(self) -> dict[str, Any]:
        """Wait for the session; its raw measurements."""
        try:
            output, _ = self._process.communicate()
            if self._process.returncode != 0:
                sys.stderr.write(output[-20000:])
                raise SystemExit(
                    f"the Home Assistant benchmark failed (pytest exit {self._process.returncode})"
                )
            raw: dict[str, Any] = json.loads(self._output.read_text(encoding="utf-8"))
            return raw
        finally:
            self._scratch.cleanup()


def home_assistant_figures(
    sizes: Sizes, raw: dict[str, Any]
) -> tuple[dict[str, float | None], dict[str, str]]:
    """The figures of the Home Assistant part, and notes on them."""
    ms = {
        name: median(raw[name]) * 1000 for name in raw if name.startswith(("poll_cpu", "floor_cpu"))
    }
    poll = ms["poll_cpu_parqex"] + ms["poll_cpu_seam"]
    floor = ms["floor_cpu_parqex"] + ms["floor_cpu_seam"]
    setup_1x, setup_2x = median(raw["setup_s_1x"]), median(raw["setup_s_2x"])
    refresh = raw["token_refresh"]
    figures: dict[str, float | None] = {
        # Counts are the worst of the repeated polls, not a median.
        "unchanged_poll_state_writes": max(raw["unchanged_poll_state_writes"]),
        "one_change_poll_state_writes": max(raw["one_change_poll_state_writes"]),
        "unchanged_poll_floor_ratio": poll / floor,
        "setup_seconds_per_1000_devices": setup_1x * 1000 / sizes.setup_devices,
        "setup_scaling_ratio": setup_2x / setup_1x,
        "lock_confirm_overhead_s": median(raw["lock_confirm_overhead_s"]),
        "climate_confirm_overhead_s": median(raw["climate_confirm_overhead_s"]),
        "cover_confirm_overhead_s": median(raw["cover_confirm_overhead_s"]),
        "token_refreshes_per_expiry": refresh["refresh_grants"] / refresh["expiries"],
    }
    polled = (
        f"{sizes.poll_doors} doors + {sizes.poll_devices} devices, {raw['poll_entities']} entities"
    )
    notes = {
        "unchanged_poll_state_writes": polled,
        "one_change_poll_state_writes": (
            f"entities whose state changed: {max(raw['one_change_poll_changed_entities'])} "
            f"({', '.join(raw['one_change_poll_written'])})"
        ),
        "unchanged_poll_floor_ratio": (
            f"CPU {poll:.1f} ms / {floor:.1f} ms; ParqEx {ms['poll_cpu_parqex']:.1f} / "
            f"{ms['floor_cpu_parqex']:.1f} = {ms['poll_cpu_parqex'] / ms['floor_cpu_parqex']:.2f}, "
            f"Seam {ms['poll_cpu_seam']:.1f} / {ms['floor_cpu_seam']:.1f} = "
            f"{ms['poll_cpu_seam'] / ms['floor_cpu_seam']:.2f}"
        ),
        "setup_seconds_per_1000_devices": (
            f"{sizes.setup_devices} devices ({raw['setup_entities_1x']} entities): "
            f"{setup_1x:.2f} s "
            f"(+ {median(raw['setup_http_s_1x']):.2f} s in HTTP, not counted)"
        ),
        "setup_scaling_ratio": (
            f"{2 * sizes.setup_devices} devices ({raw['setup_entities_2x']} entities): "
            f"{setup_2x:.2f} s "
            f"(+ {median(raw['setup_http_s_2x']):.2f} s in HTTP, not counted)"
        ),
        "lock_confirm_overhead_s": (
            f"simulated lock delay {raw['lock_action_delay_s']:g} s; runs: "
            + ", ".join(f"{value:.2f}" for value in raw["lock_confirm_overhead_s"])
        ),
        "climate_confirm_overhead_s": (
            f"simulated action-attempt delay {raw['lock_action_delay_s']:g} s, set points "
            "alternated on one thermostat beside the setup above; runs: "
            + ", ".join(f"{value:.2f}" for value in raw["climate_confirm_overhead_s"])
        ),
        "cover_confirm_overhead_s": (
            f"simulated door travel {raw['cover_travel_time_s']:g} s, /sync read every "
            f"{raw['door_poll_interval_s']:g} s while a door moves; runs: "
            + ", ".join(f"{value:.2f}" for value in raw["cover_confirm_overhead_s"])
        ),
        "token_refreshes_per_expiry": (
            f"{refresh['refresh_grants']} refresh grants / {refresh['expiries']} expiries: "
            f"{refresh['token_lifetime_s']} s tokens refreshed {refresh['margin_s']} s early, "
            f"{refresh['elapsed_s']} s of frozen time, each second {refresh['concurrent_polls']} "
            f"polls + {refresh['concurrent_reads']} reads at once ({refresh['requests']} in all, "
            f"{refresh['failed']} failed)"
        ),
    }
    large_figures, large_notes = large_account_figures(raw)
    figures.update(large_figures)
    notes.update(large_notes)
    return figures, notes


def large_account_figures(raw: dict[str, Any]) -> tuple[dict[str, float | None], dict[str, str]]:
    """The large-account figures, at `large_devices` Seam devices and LARGE_FACTOR times that."""
    figures: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    per_1000: dict[str, float] = {}
    for size in ("1x", f"{LARGE_FACTOR}x"):
        devices = raw[f"large_devices_{size}"]
        entities = raw[f"large_entities_{size}"]
        setup_stalls = [value * 1000 for value in raw[f"large_setup_stall_s_{size}"]]
        poll_stalls = [value * 1000 for value in raw[f"large_poll_stall_s_{size}"]]
        grown = median(raw[f"large_rss_mb_{size}"])
        applied = [value * 1000 for value in raw[f"webhook_apply_s_{size}"]]
        round_trips = [value * 1000 for value in raw[f"webhook_round_trip_s_{size}"]]
        figures[f"setup_max_loop_stall_ms_{size}"] = median(setup_stalls)
        figures[f"poll_max_loop_stall_ms_{size}"] = median(poll_stalls)
        per_1000[size] = figures[f"rss_mb_per_1000_devices_{size}"] = grown * 1000 / devices
        figures[f"webhook_apply_ms_p99_{size}"] = percentile(applied, 99)
        notes[f"setup_max_loop_stall_ms_{size}"] = (
            f"{devices} devices ({entities} entities), setup "
            f"{median(raw[f'large_setup_s_{size}']):.2f} s wall; longest in "
            f"{raw[f'large_setup_stall_where_{size}']}, "
            f"{median(raw[f'large_setup_stall_gc_s_{size}']) * 1000:.0f} ms of it garbage "
            "collection; longest less collections "
            f"{median(raw[f'large_setup_stall_without_gc_s_{size}']) * 1000:.0f} ms"
        )
        notes[f"poll_max_loop_stall_ms_{size}"] = (
            f"{len(poll_stalls)} polls, one lock changed each; runs: "
            + ", ".join(f"{value:.1f}" for value in poll_stalls)
            + " (garbage collection in the longest: "
            + ", ".join(f"{value * 1000:.0f}" for value in raw[f"large_poll_stall_gc_s_{size}"])
            + f"); states written: {max(raw[f'large_poll_writes_{size}'])}; longest in "
            + raw[f"large_poll_stall_where_{size}"]
        )
        notes[f"rss_mb_per_1000_devices_{size}"] = (
            f"{grown:.0f} MB for {devices} devices after setup (collected, heap trimmed)"
        )
        notes[f"webhook_apply_ms_p99_{size}"] = (
            f"{len(applied)} deliveries in Home Assistant's webhook handler: median "
            f"{median(applied):.2f} ms, max {max(applied):.2f} ms; HTTP round trip median "
            f"{median(round_trips):.2f} ms"
        )
    one, many = (per_1000[size] for size in ("1x", f"{LARGE_FACTOR}x"))
    figures["rss_scaling_ratio"] = many / one
    notes["rss_scaling_ratio"] = (
        f"MB per 1,000 devices at {raw[f'large_devices_{LARGE_FACTOR}x']} / at "
        f"{raw['large_devices_1x']} devices"
    )
    return figures, notes


def verdict(key: str, value: float | None) -> str:
    """Whether a figure meets its target."""
    op, target = TARGETS[key]
    if value is None:
        return "n/a"
    if op == "report" or target is None:
        return "-"
    met = {
        ">=": value >= target,
        "<=": value <= target,
        "==": value == target,
    }[op]
    return "met" if met else "MISSED"


def table(figures: dict[str, float | None], notes: dict[str, str]) -> str:
    """The figures as a text table."""
    rows = [("key", "value", "target", "", "notes")]
    for key, (op, target) in TARGETS.items():
        value = figures[key]
        shown = (
            "null" if value is None else f"{value:.3g}" if isinstance(value, float) else str(value)
        )
        wanted = "report" if target is None else f"{op} {target:g}"
        rows.append((key, shown, wanted, verdict(key, value), notes.get(key, "")))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m bench`."""
    args = parse_args(argv)
    sizes = sizes_from(args)
    started = time.monotonic()
    figures: dict[str, float | None] = {}
    notes: dict[str, str] = {}

    def phase(name: str) -> None:
        print(f"bench: {time.monotonic() - started:5.1f} s  {name}", flush=True)

    # The quick run only checks that everything runs, so its parts overlap; a real run keeps
    # them apart, or they would slow each other down.
    home_assistant = HomeAssistantRun(sizes) if args.quick else None
    try:
        phase("imports (fresh interpreters)")
        own = imports.integration_import_ms(sizes.import_repeats)
        sdk = imports.seam_sdk_import_ms(sizes.sdk_import_repeats)
    except BaseException:
        if home_assistant is not None:
            home_assistant.stop()
        raise
    figures["import_ms"] = median(own)
    notes["import_ms"] = (
        f"custom_components.parqex + .api and submodules, Home Assistant preloaded; "
        f"{len(own)} fresh interpreters, fastest {min(own):.1f} ms"
    )
    figures["seam_sdk_import_ms"] = None if sdk is None else median(sdk)
    notes["seam_sdk_import_ms"] = (
        "seam SDK not installed" if sdk is None else f"import seam; fastest {min(sdk):.0f} ms"
    )

    phase(
        "parsing, then Home Assistant: polls, lock and door commands, token refreshes, setup "
        "(one pytest session)"
    )
    raw = (home_assistant or HomeAssistantRun(sizes)).result()
    for size in ("1x", f"{LARGE_FACTOR}x"):
        phase(f"large account, {size} (a fresh pytest session)")
        raw |= HomeAssistantRun(sizes, ("bench/large_bench.py",), f"warmup or {size}").result()
    figures.update(raw["parse_figures"])
    notes.update(raw["parse_notes"])
    ha_figures, ha_notes = home_assistant_figures(sizes, raw)
    figures.update(ha_figures)
    notes.update(ha_notes)
    phase("done")

    result = {key: figures[key] for key in TARGETS}
    print()
    print(table(result, notes))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
