"""The benchmark runs end to end on tiny sizes and reports every figure.

Nothing here is timed: performance is shown by `scripts/bench`, never asserted in tests. The
benchmark runs as `python -m bench` in a child process (it starts Home Assistant's pytest
harness and the simulator itself); scripts/bench is not used because it would install the
Seam SDK, and the suite must not need the network. Without the SDK the two SDK figures are null
and everything else is still measured.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
import subprocess
import sys

from bench.common import SDK_KEYS, TARGETS

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_reports_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    # Coverage of the child processes is not collected: the benchmark is no test of the code.
    env = {name: value for name, value in os.environ.items() if not name.startswith("COV_CORE")}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]

    figures = json.loads(output.read_text(encoding="utf-8"))
    assert set(figures) == set(TARGETS)
    sdk_installed = importlib.util.find_spec("seam") is not None
    for key, value in figures.items():
        if key in SDK_KEYS and not sdk_installed:
            assert value is None, key
        else:
            assert isinstance(value, int | float), key
            assert not isinstance(value, bool), key
    # Counts, not timings: they hold at any size.
    assert figures["unchanged_poll_state_writes"] == 0
    assert figures["one_change_poll_state_writes"] == 1
    # By a frozen clock: one refresh grant per expiry of the OAuth access token.
    assert figures["token_refreshes_per_expiry"] == 1
    # Every line of the table is printed.
    for key in TARGETS:
        assert key in result.stdout


def test_hostile_answers_bench_measures_each_case(tmp_path: Path) -> None:
    """`python -m bench.hostile` on the seed answer and one refused 200 MB answer."""
    output = tmp_path / "hostile.json"
    env = {name: value for name, value in os.environ.items() if not name.startswith("COV_CORE")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hostile",
            "--repeats",
            "1",
            "--cases",
            "seam_seed",
            "parqex_huge",
            "--json",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    rows = {row["case"]: row for row in json.loads(output.read_text(encoding="utf-8"))}
    assert set(rows) == {"seam_seed", "parqex_huge"}
    assert rows["parqex_huge"]["outcome"].startswith("ResponseTooLargeError")
    assert rows["seam_seed"]["outcome"].startswith("ok")
