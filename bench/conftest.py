"""Fixtures of the Home Assistant benchmark: the simulator in its own process, and the results.

This plays the part tests/conftest.py plays for the tests: sockets may be opened (Home Assistant's
test plugin still allows only 127.0.0.1), and bench/ha_bench.py enables custom integrations. Two
habits of the test plugin that production Home Assistant does not share are undone, so they are
not billed to the integration: asyncio debug mode and INFO-level logging.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import json
import logging
import os
from pathlib import Path
import subprocess
import sys

from aiohttp import ClientSession
import pytest

from .common import ENV_OUTPUT, Sizes
from .ha_results import RESULTS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def enable_event_loop_debug() -> None:
    """Leave asyncio's debug mode off, as in production (Home Assistant's test plugin sets it).

    Debug mode records a stack trace at every task and callback it schedules, which would be
    billed to every figure here.
    """


@pytest.fixture(autouse=True)
def production_log_level() -> Iterator[None]:
    """Log at WARNING, as a production Home Assistant does unless started with --verbose.

    The test plugin logs at INFO and pytest keeps every record: one per entity registered.
    """
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    yield
    root.setLevel(level)


@pytest.fixture(scope="session")
def sizes() -> Sizes:
    """The sizes the runner asked for."""
    return Sizes.from_env()


@pytest.fixture(scope="session")
def simulator_url() -> Iterator[str]:
    """Start `bench.simserver` once for the session; its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.simserver"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("port "), f"simulator did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def control(simulator_url: str, socket_enabled: None) -> AsyncIterator[ClientSession]:
    """A session for the simulator's control API."""
    async with ClientSession(base_url=simulator_url) as session:
        yield session


@pytest.fixture(scope="session", autouse=True)
def write_results() -> Iterator[None]:
    """Hand every measurement to the runner once the session ends."""
    yield
    output = os.environ.get(ENV_OUTPUT)
    if output:
        Path(output).write_text(json.dumps(RESULTS, indent=2), encoding="utf-8")
