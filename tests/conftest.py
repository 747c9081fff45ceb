"""Fixtures shared by every test: the simulator on 127.0.0.1 and custom integrations enabled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from simulator import Fault, SimulatorState, build_app


@dataclass
class Simulator:
    """A running simulator: its state, for arranging and inspecting, and its URL."""

    state: SimulatorState
    url: str

    def fault(self, **fields: Any) -> Fault:
        """Queue a fault for the next matching requests."""
        fault = Fault(**fields)
        self.state.faults.append(fault)
        return fault

    def requests_to(self, service: str) -> int:
        """How many requests of `service` the simulator received."""
        return sum(1 for logged in self.state.requests if logged.service == service)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots serialized as Home Assistant does: no random ids or times."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load `custom_components/parqex` in every test."""


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Both services on 127.0.0.1 for the length of one test, then stopped.

    Sockets may be created, but Home Assistant's test plugin still allows connections to
    127.0.0.1 only.
    """
    state = SimulatorState(request_budget=20_000)
    server = TestServer(build_app(state), host="127.0.0.1")
    await server.start_server()
    try:
        yield Simulator(state=state, url=str(server.make_url("")).rstrip("/"))
    finally:
        await server.close()


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[ClientSession]:
    """A plain aiohttp session, for the API package's own tests."""
    async with ClientSession() as session:
        yield session
