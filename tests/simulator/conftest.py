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


# The error type Seam's answer carries for each refusal the simulator makes.
ERROR_TYPES = {400: "invalid_input", 404: "device_not_found", 429: "rate_limited"}


async def ok(http: ClientSession, simulator: Simulator, path: str, **body: Any) -> Json:
    """A request Seam answers 200: its answer."""
    status, answer = await seam(http, simulator, path, body)
    assert status == 200, answer
    assert answer["ok"] is True
    result: Json = answer
    return result


async def refused(
    http: ClientSession, simulator: Simulator, path: str, body: Any, status: int = 400
) -> str:
    """A request Seam refuses with `status`: its error message."""
    answer_status, answer = await seam(http, simulator, path, body)
    assert answer_status == status, answer
    assert answer["ok"] is False
    assert answer["error"]["type"] == ERROR_TYPES[status]
    message: str = answer["error"]["message"]
    return message


async def control(
    http: ClientSession, simulator: Simulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """A request to the simulator's control API: the status and answer."""
    async with http.request(method, f"{simulator.url}/_simulator{path}", json=body) as response:
        return response.status, await response.json()


@pytest.fixture
def instant(simulator: Simulator) -> None:
    """Commands settle as they are made."""
    simulator.state.action_settings.delay = 0
