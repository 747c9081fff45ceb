"""Fixtures of the simulator's own tests: a clock moved by hand, and the events it sends."""

from __future__ import annotations

import pytest

from simulator.seeds import Json
from tests.conftest import Simulator


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
