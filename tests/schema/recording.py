"""What the oracle tests record: Seam exchanges on the wire, and delivered webhook events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import gzip
import json
from typing import Any, Final

from aiohttp import ClientSession, web

from custom_components.parqex.api.seam.client import SeamClient
from simulator import SimulatorState
from simulator.seeds import DEFAULT_SEAM_API_KEY

from .openapi import OpenApiSpec

# A key the simulator does not know, for the 401 answers.
WRONG_API_KEY: Final = "seam_wrong_key_for_the_oracle_tests"
DELIVERY_TIMEOUT: Final = 5.0
CONTROL_PREFIX: Final = "/_simulator/"


def parse_json(payload: bytes) -> Any:
    """The JSON of a body; the text itself when it is not JSON (so the mismatch shows it)."""
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode(errors="replace")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One Seam request as it went over the wire, and the answer to it."""

    method: str
    path: str
    body: Any
    status: int
    answer: Any


def exchange_problems(spec: OpenApiSpec, exchange: Exchange) -> list[str]:
    """How one exchange differs from the spec: its request body, and a 200 answer."""
    where = f"{exchange.method} {exchange.path}"
    method = exchange.method.lower()
    try:
        request_schema = spec.request_schema(exchange.path, method)
    except KeyError as err:
        return [f"{where}: {err.args[0]}"]
    problems = []
    if request_schema is not None:
        # Our requests are held to the fields the spec names, not only to its types.
        found = spec.problems(request_schema, exchange.body)
        found += spec.undeclared(request_schema, exchange.body)
        problems += [f"{where} request {line}" for line in found]
    if exchange.status == 200:
        schema = spec.response_schema(exchange.path, 200, method)
        if schema is None:
            problems.append(f"{where}: the spec has no JSON schema for its 200 answer")
        else:
            problems += [
                f"{where} answer {line}" for line in spec.problems(schema, exchange.answer)
            ]
    return problems


def recorder(exchanges: list[Exchange]) -> Any:
    """A middleware keeping every Seam request's JSON body and its answer's JSON."""

    @web.middleware
    async def record(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        # aiohttp keeps the body it read, so the handler reads the same bytes again.
        body = parse_json(await request.read())
        try:
            response = await handler(request)
        except web.HTTPException as err:
            exchanges.append(Exchange(request.method, request.path, body, err.status, err.text))
            raise
        payload = response.body if isinstance(response, web.Response) else None
        raw = payload if isinstance(payload, bytes) else b""
        if response.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        exchanges.append(
            Exchange(request.method, request.path, body, response.status, parse_json(raw))
        )
        return response

    return record


@dataclass
class RecordingSimulator:
    """A running simulator and every Seam exchange it had, oldest first."""

    url: str
    state: SimulatorState
    exchanges: list[Exchange] = field(default_factory=list)

    def client(self, session: ClientSession, api_key: str = DEFAULT_SEAM_API_KEY) -> SeamClient:
        """Our real Seam client, pointed at this simulator."""
        return SeamClient(session, api_key, base_url=self.url)


@dataclass
class EventSink:
    """Every webhook event the simulator delivered, as JSON, and how many it sent off."""

    url: str
    events: list[Any] = field(default_factory=list)
    sent: int = 0
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def receive(self, event: Any) -> None:
        """Keep a delivered event."""
        self.events.append(event)
        self._arrived.set()

    async def settled(self) -> list[Any]:
        """The events, once every delivery sent off so far has arrived (bounded)."""
        async with asyncio.timeout(DELIVERY_TIMEOUT):
            while len(self.events) < self.sent:
                self._arrived.clear()
                await self._arrived.wait()
        return list(self.events)
