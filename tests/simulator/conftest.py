"""What the simulator's own tests share: a clock moved by hand, the events sent, Seam requests."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.seeds import DEFAULT_SEAM_API_KEY, Json
from tests.conftest import Simulator

SEAM_HEADERS = {"Authorization": f"Bearer {DEFAULT_SEAM_API_KEY}"}


async def seam(http: ClientSession, simulator: Simulator, path: str, body: Any) -> tuple[int, Any]:
    """Post `body` to a Seam route of the simulator with its API key; the status and answer."""
    async with http.post(simulator.url + path, json=body, headers=SEAM_HEADERS) as response:
        return response.status, await response.json()


class Clock:
    """A clock for the simulator that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(simulator: Simulator) -> Clock:
    """The simulator's clock, moved by hand: commands settle only when it passes their delay."""
    fake = Clock()
    simulator.state.clock = fake
    return fake


@pytest.fixture
def events(simulator: Simulator) -> list[Json]:
    """Every event the simulator sends from now on, in order."""
    seen: list[Json] = []
    simulator.state.hub.create("http://127.0.0.1:9/hook", None)
    simulator.state.hub.send = lambda _, event: seen.append(event)
    return seen
