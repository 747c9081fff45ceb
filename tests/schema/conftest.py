"""Fixtures of the oracle tests: Seam's spec, a simulator that records every Seam exchange on
the wire, and a webhook receiver that keeps every event the simulator delivers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from simulator import ActionSettings, SimulatorState, build_app
from simulator.webhooks import Webhook
from tests.fake_seam.conftest import fake_seam_installed  # noqa: F401  (seam_spec needs it)
from tests.schema.spec import seam_spec  # noqa: F401  (session fixture of the oracle tests)

from .recording import EventSink, RecordingSimulator, parse_json, recorder

# Requests a test's simulator answers before it refuses (a runaway loop ends quickly).
REQUEST_BUDGET: Final = 2_000
# Commands settle this long after they are sent: long enough to be read as pending first.
ACTION_DELAY: Final = 0.05


@pytest.fixture
async def recorded(socket_enabled: None) -> AsyncIterator[RecordingSimulator]:
    """The simulator on 127.0.0.1 with its seeds, recording; stopped after the test."""
    state = SimulatorState(request_budget=REQUEST_BUDGET)
    state.action_settings = ActionSettings(delay=ACTION_DELAY)
    simulator = RecordingSimulator(url="", state=state)
    app = build_app(state)
    app.middlewares.append(recorder(simulator.exchanges))
    server = TestServer(app, host="127.0.0.1", handler_cancellation=True)
    await server.start_server()
    try:
        simulator.url = str(server.make_url("")).rstrip("/")
        yield simulator
    finally:
        await server.close()


@pytest.fixture
async def event_sink(recorded: RecordingSimulator) -> AsyncIterator[EventSink]:
    """A receiver subscribed to every event of the simulator, on 127.0.0.1."""
    sink = EventSink(url="")

    async def receive(request: web.Request) -> web.Response:
        sink.receive(parse_json(await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/seam-events", receive)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    hub = recorded.state.hub
    deliver = hub.send
    assert deliver is not None, "the simulator delivers webhooks only while it runs"

    # Counting what the hub sends off tells when every delivery has arrived.
    def counted(webhook: Webhook, event: Any) -> None:
        sink.sent += 1
        deliver(webhook, event)

    hub.send = counted
    try:
        sink.url = str(server.make_url("/seam-events"))
        # No event types: every event, as a webhook created without them gets.
        hub.create(sink.url, None)
        yield sink
    finally:
        hub.send = deliver
        await server.close()
