"""`python -m bench.hostile`: what hostile answers cost the real API clients.

The simulator runs in a process of its own (`bench/simserver.py`) on 127.0.0.1. Every case runs
in a fresh interpreter: `ParqexClient` or `SeamClient` on a plain `aiohttp.ClientSession`
sends one request that is answered normally (to load what a first request loads and open the
connection), the case's fault is installed through the simulator's control API, and then one
more request is measured:

- memory: the growth of the process's resident set at its highest while the request ran
  (`VmHWM` of /proc/self/status, after the high-water mark was reset to the current size by
  writing 5 to /proc/self/clear_refs), and, in another fresh interpreter, tracemalloc's peak of
  Python allocations during the request;
- the longest event-loop stall: the largest gap between the wake-ups of a coroutine that
  sleeps 10 ms at a time while the request runs (10 ms is the floor);
- the wall time of the request, and how it ended.

The simulator's own resident set growth during the request is read the same way. Each case
runs `--repeats` times (3 by default): the table shows the median time and the largest
memory and stall figures.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
import gc
import json
import os
from pathlib import Path
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
MB: Final = 1024 * 1024
TICK: Final = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One request to measure."""

    name: str
    service: str
    what: str
    # Fields of a simulator fault for the measured request; None: a normal answer.
    fault: dict[str, Any] | None = None
    # The simulator's `/generate` arguments; None: its seed accounts.
    generate: dict[str, int] | None = None


CASES: Final = (
    Case(name="parqex_seed", service="parqex", what="ParqEx, normal answer (seed: 2 controllers)"),
    Case(name="seam_seed", service="seam", what="Seam, normal answer (seed: 5 devices)"),
    Case(
        name="parqex_1000",
        service="parqex",
        what="ParqEx, normal answer: 1,000 controllers x 3 doors",
        generate={"controllers": 1000, "doors_per_controller": 3},
    ),
    Case(
        name="seam_1000",
        service="seam",
        what="Seam, normal answer: 1,000 devices",
        generate={"devices": 1000},
    ),
    Case(
        name="seam_10000",
        service="seam",
        what="Seam, normal answer: 10,000 devices (the matrix's largest)",
        generate={"devices": 10_000},
    ),
    *(
        Case(
            name=f"{service}_{name}",
            service=service,
            what=f"{'Seam' if service == 'seam' else 'ParqEx'}, {what}",
            fault=fault,
        )
        for name, what, fault in (
            ("huge", "200 MB answer with Content-Length", {"mode": "huge"}),
            ("huge_chunked", "200 MB answer, chunked", {"mode": "huge_chunked"}),
            ("bomb", "gzip bomb: 2 MB that decode to 2 GB", {"mode": "bomb"}),
        )
        for service in ("parqex", "seam")
    ),
)


# The child: one measured request.


def _status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes."""
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    return {
        key: int(value) * 1024
        for key, value in re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)
    }


def _reset_high_water_mark(pid: int | str = "self") -> bool:
    """Set a process's VmHWM to its current VmRSS; False where Linux does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


@dataclass(slots=True)
class _Ticker:
    """Sleeps 10 ms at a time and keeps the longest gap between wake-ups."""

    longest: float = 0.0
    ticks: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not self._stop.is_set():
            await asyncio.sleep(TICK)
            now = loop.time()
            self.longest = max(self.longest, now - last)
            self.ticks += 1
            last = now

    def stop(self) -> None:
        self._stop.set()


async def _control(session: Any, url: str, method: str, path: str, body: Any = None) -> None:
    async with session.request(method, f"{url}/_simulator{path}", json=body) as response:
        response.raise_for_status()
        await response.read()


async def measure(case: Case, url: str, mode: str, sim_pid: int | None) -> dict[str, Any]:
    """Run the case once in this process; `mode` is "rss" or "tracemalloc"."""
    import aiohttp

    from custom_components.parqex.api import ApiError, ParqexClient, SeamClient
    from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID

    async with aiohttp.ClientSession() as session:
        await _control(session, url, "POST", "/reset")
        if case.generate is not None:
            await _control(session, url, "POST", "/generate", case.generate)
        if case.service == "parqex":
            parqex = ParqexClient(session, DEFAULT_PARQEX_TOKEN, base_url=url)

            async def fetch() -> int:
                return len((await parqex.async_get_devices()).doors)

        else:
            seam = SeamClient(session, DEFAULT_SEAM_API_KEY, base_url=url)

            async def fetch() -> int:
                return len(
                    (await seam.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)).devices
                )

        await fetch()
        if case.fault is not None:
            await _control(session, url, "POST", "/faults", {"service": case.service, **case.fault})
        gc.collect()
        sim_before = None
        if sim_pid is not None and _reset_high_water_mark(sim_pid):
            sim_before = _status(sim_pid)["VmRSS"]
        hwm_reset = _reset_high_water_mark()
        before = _status()
        if mode == "tracemalloc":
            tracemalloc.start()
        ticker = _Ticker()
        ticking = asyncio.create_task(ticker.run())
        await asyncio.sleep(0)
        started = time.perf_counter()
        try:
            outcome = f"ok: {await fetch()} objects"
        except ApiError as err:
            outcome = f"{type(err).__name__}: {err}"
        elapsed = time.perf_counter() - started
        ticker.stop()
        await ticking
        result: dict[str, Any] = {"case": case.name, "mode": mode, "outcome": outcome}
        if mode == "tracemalloc":
            result["traced_peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            after = _status()
            result |= {
                "seconds": elapsed,
                "longest_gap": ticker.longest,
                "ticks": ticker.ticks,
                "rss_peak_growth": after["VmHWM"] - before["VmRSS"],
                "rss_before": before["VmRSS"],
                "hwm_reset": hwm_reset,
            }
            if sim_pid is not None and sim_before is not None:
                result["simulator_rss_peak_growth"] = _status(sim_pid)["VmHWM"] - sim_before
    return result


# The parent: the simulator, one child per run, the table.


class SimulatorProcess:
    """bench/simserver.py in a child process."""

    def __init__(self) -> None:
        """Start it and wait for its port."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.simserver"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.fullmatch(r"port (\d+)\n", line)
        if match is None:
            self.close()
            raise SystemExit(f"the simulator did not start: {line!r}")
        self.url = f"http://127.0.0.1:{match.group(1)}"

    def close(self) -> None:
        """Stop it (closing its standard input is its signal)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _run_child(case: Case, url: str, mode: str, sim_pid: int) -> dict[str, Any]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("COV_CORE")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hostile",
            "--child",
            case.name,
            "--url",
            url,
            "--mode",
            mode,
            "--sim-pid",
            str(sim_pid),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{case.name} ({mode}) failed:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def run_all(cases: list[Case], repeats: int) -> list[dict[str, Any]]:
    """Every case, `repeats` times for RSS, stall and time, once for tracemalloc."""
    simulator = SimulatorProcess()
    rows = []
    try:
        pid = simulator.process.pid
        for case in cases:
            runs = [_run_child(case, simulator.url, "rss", pid) for _ in range(repeats)]
            traced = _run_child(case, simulator.url, "tracemalloc", pid)
            outcomes = {run["outcome"] for run in runs} | {traced["outcome"]}
            row = {
                "case": case.name,
                "what": case.what,
                "outcome": " | ".join(sorted(outcomes)),
                "seconds": statistics.median(run["seconds"] for run in runs),
                "longest_gap_ms": max(run["longest_gap"] for run in runs) * 1000,
                "rss_peak_growth_mb": max(run["rss_peak_growth"] for run in runs) / MB,
                "traced_peak_mb": traced["traced_peak"] / MB,
                "simulator_rss_peak_growth_mb": max(
                    (run.get("simulator_rss_peak_growth") or 0) for run in runs
                )
                / MB,
                "rss_before_mb": runs[0]["rss_before"] / MB,
                "hwm_reset": all(run["hwm_reset"] for run in runs),
            }
            rows.append(row)
            print(_line(row), flush=True)
    finally:
        simulator.close()
    return rows


HEADER: Final = (
    "| case | outcome | time | longest loop gap | RSS peak growth | tracemalloc peak "
    "| simulator RSS growth |\n|---|---|---|---|---|---|---|"
)


def _line(row: dict[str, Any]) -> str:
    outcome = row["outcome"]
    if len(outcome) > 60:
        outcome = outcome[:59] + "…"
    return (
        f"| {row['what']} | {outcome} | {row['seconds']:.3f} s | {row['longest_gap_ms']:.0f} ms "
        f"| {row['rss_peak_growth_mb']:.1f} MB | {row['traced_peak_mb']:.1f} MB "
        f"| {row['simulator_rss_peak_growth_mb']:.1f} MB |"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    names = [case.name for case in CASES]
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the rows here")
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--cases", nargs="+", choices=names, metavar="CASE", help="only these")
    # One measured run in this process (what the parent starts).
    parser.add_argument("--child", choices=names, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["rss", "tracemalloc"], help=argparse.SUPPRESS)
    parser.add_argument("--sim-pid", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    by_name = {case.name: case for case in CASES}
    if args.child is not None:
        result = asyncio.run(measure(by_name[args.child], args.url, args.mode, args.sim_pid))
        print(json.dumps(result))
        return
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    cases = [by_name[name] for name in args.cases] if args.cases else list(CASES)
    started = time.perf_counter()
    print(HEADER, flush=True)
    rows = run_all(cases, args.repeats)
    print(f"\n{len(rows)} cases in {time.perf_counter() - started:.0f} s")
    if not all(row["hwm_reset"] for row in rows):
        print("note: /proc/self/clear_refs was not writable; RSS growth includes start-up peaks")
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
