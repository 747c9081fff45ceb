"""Our Seam client against Seam's own fake server (npm `@seamapi/fake-seam-connect`).

The simulator is ours, so it can only repeat what we believe Seam sends. This test runs Seam's
published fake under Node and drives the integration through it, so request and response
shapes come from Seam's code rather than ours.

The fake has no `/user_identities/list_accessible_devices`; a small front server answers that
route from the fake's `/devices/list` and passes every other request through untouched.

The thermostat commands go through our client alone (no Home Assistant): each must change the
fake's own record of the thermostat, and each exchange is checked against Seam's OpenAPI spec
(tests/schema), save for the fake's few known departures from it (`FAKE_DEVIATIONS`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import select
import subprocess
import time
from typing import Any
import uuid

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from homeassistant.components.lock import DOMAIN as LOCK_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.api.seam.client import SeamClient, TemperatureScale
from custom_components.parqex.api.seam.models import SeamActionAttempt
from custom_components.parqex.const import CONF_API_KEY, CONF_URL, CONF_USER_IDENTITY_ID, DOMAIN
from custom_components.parqex.migration import MINOR_VERSION
from tests.conftest import find_entity
from tests.schema.openapi import OpenApiSpec
from tests.schema.recording import Exchange as SpecExchange, exchange_problems

HERE = Path(__file__).parent
START_TIMEOUT = 30.0
# The fake also stops itself when stdin closes; this is the backstop if the test dies oddly.
FAKE_MAX_SECONDS = 240
LIST_ROUTE = "/user_identities/list_accessible_devices"
# Headers that describe one hop, not the request; aiohttp sets its own.
HOP_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "accept-encoding"}
)

pytestmark = [pytest.mark.fake_seam, pytest.mark.timeout(300)]


@dataclass(frozen=True)
class FakeSeam:
    """The running fake and what serve.mjs seeded."""

    url: str
    api_key: str
    device_id: str
    thermostat_id: str
    workspace_id: str


def _read_announcement(process: subprocess.Popen[bytes], stderr_path: Path) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        try:
            message = json.loads(line)
        except ValueError:
            continue  # the fake's own log lines
        if isinstance(message, dict) and isinstance(message.get("fake_seam"), dict):
            seeded: dict[str, Any] = message["fake_seam"]
            return seeded
    pytest.fail(
        f"serve.mjs did not announce itself within {START_TIMEOUT:g} s "
        f"(exit code {process.poll()}):\n{stderr_path.read_text()[-4000:]}"
    )


@pytest.fixture
def fake_seam(fake_seam_installed: str, tmp_path: Path) -> Iterator[FakeSeam]:
    """Seam's fake on 127.0.0.1, seeded with a locked, remotely controllable lock and an ecobee
    thermostat."""
    stderr_path = tmp_path / "fake_seam.stderr"
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [fake_seam_installed, "--import", "./loopback.mjs", "serve.mjs"],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "FAKE_SEAM_MAX_SECONDS": str(FAKE_MAX_SECONDS)},
        )
    try:
        seeded = _read_announcement(process, stderr_path)
        yield FakeSeam(
            url=f"http://127.0.0.1:{seeded['port']}",
            api_key=seeded["api_key"],
            device_id=seeded["device_id"],
            thermostat_id=seeded["thermostat_id"],
            workspace_id=seeded["workspace_id"],
        )
    finally:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.close()  # serve.mjs exits when its stdin closes
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@dataclass
class Exchange:
    """One request our client sent through the front, and what came back."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any


@dataclass
class Front:
    """The front server's URL and every exchange it saw."""

    url: str
    exchanges: list[Exchange] = field(default_factory=list)

    def to(self, path: str) -> list[Exchange]:
        return [exchange for exchange in self.exchanges if exchange.path == path]


def _json_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def _seam_error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"type": error_type, "message": message}, "ok": False}, status=status
    )


async def _list_accessible_devices(
    request: web.Request, fake: FakeSeam, session: ClientSession
) -> web.Response:
    """What real Seam answers: the identity's devices, unpaginated.

    The fake has no link between user identities and devices, so every device of the
    workspace counts as shared; the id only has to be a UUID, as Seam's ids are.
    """
    try:
        body = await request.json()
        uuid.UUID(body["user_identity_id"])
    except ValueError, KeyError, TypeError:
        return _seam_error(400, "invalid_input", "user_identity_id must be a UUID")
    auth = {"Authorization": request.headers.get("Authorization", "")}
    devices: list[Any] = []
    cursor = None
    while True:
        query: dict[str, Any] = {"limit": 500}
        if cursor:
            query["page_cursor"] = cursor
        async with session.post(f"{fake.url}/devices/list", json=query, headers=auth) as reply:
            payload = await reply.read()
            if reply.status != 200:
                return web.Response(
                    status=reply.status, body=payload, content_type="application/json"
                )
        page = json.loads(payload)
        devices.extend(page["devices"])
        cursor = page["pagination"]["next_page_cursor"]
        if not cursor:
            return web.json_response({"devices": devices, "ok": True})


async def _pass_through(
    request: web.Request, fake: FakeSeam, session: ClientSession, body: bytes
) -> web.Response:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
    async with session.request(
        request.method,
        f"{fake.url}{request.path_qs}",
        headers=headers,
        data=body,
        allow_redirects=False,
    ) as reply:
        payload = await reply.read()
        response = web.Response(status=reply.status, body=payload)
        for name in ("Content-Type", "seam-request-id"):
            if name in reply.headers:
                response.headers[name] = reply.headers[name]
        return response


@pytest.fixture
async def fake_http(socket_enabled: None) -> AsyncIterator[ClientSession]:
    """A session of the test's own, for the front server and for reading the fake."""
    async with ClientSession() as session:
        yield session


@pytest.fixture
async def front(fake_seam: FakeSeam, fake_http: ClientSession) -> AsyncIterator[Front]:
    """Seam's API as our client calls it, on 127.0.0.1, backed by the fake."""
    front = Front(url="")

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        if request.method == "POST" and request.path == LIST_ROUTE:
            response = await _list_accessible_devices(request, fake_seam, fake_http)
        else:
            response = await _pass_through(request, fake_seam, fake_http, body)
        assert isinstance(response.body, bytes)
        front.exchanges.append(
            Exchange(
                method=request.method,
                path=request.path,
                headers=dict(request.headers),
                body=_json_or_text(body),
                status=response.status,
                response=_json_or_text(response.body),
            )
        )
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        front.url = str(server.make_url("")).rstrip("/")
        yield front
    finally:
        await server.close()


async def _fake_locked(fake: FakeSeam, session: ClientSession) -> bool:
    """The fake's own record of the lock, read past the front and the integration."""
    async with session.post(
        f"{fake.url}/devices/get",
        json={"device_id": fake.device_id},
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as reply:
        assert reply.status == 200, await reply.text()
        payload = await reply.json()
    locked = payload["device"]["properties"]["locked"]
    assert isinstance(locked, bool)
    return locked


async def _set_up_entry(hass: HomeAssistant, fake: FakeSeam, front: Front) -> MockConfigEntry:
    """A Seam entry of a new user identity, set up against the front of the fake."""
    user_identity_id = str(uuid.uuid4())
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Seam user (fake)",
        unique_id=user_identity_id,
        minor_version=MINOR_VERSION,
        data={
            CONF_API_KEY: fake.api_key,
            CONF_USER_IDENTITY_ID: user_identity_id,
            CONF_URL: front.url,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_lock_round_trip_through_seams_fake(
    hass: HomeAssistant, fake_seam: FakeSeam, front: Front, fake_http: ClientSession
) -> None:
    entry = await _set_up_entry(hass, fake_seam, front)

    entity_id = find_entity(hass, LOCK_DOMAIN, fake_seam.device_id, "lock")
    assert _state(hass, entity_id) == "locked"
    assert await _fake_locked(fake_seam, fake_http) is True
    battery = find_entity(hass, "sensor", fake_seam.device_id, "battery")
    assert float(_state(hass, battery)) == 80

    # Our client's listing request, as the front received it.
    listing = front.to(LIST_ROUTE)[0]
    assert listing.method == "POST"
    assert listing.headers["Authorization"] == f"Bearer {fake_seam.api_key}"
    assert listing.headers["Content-Type"] == "application/json"
    assert listing.body == {"user_identity_id": entry.data[CONF_USER_IDENTITY_ID]}
    assert listing.status == 200

    for service, state, locked, action_type in (
        ("unlock", "unlocked", False, "UNLOCK_DOOR"),
        ("lock", "locked", True, "LOCK_DOOR"),
    ):
        first = len(front.exchanges)
        await hass.services.async_call(
            LOCK_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
        )
        await hass.async_block_till_done()
        assert _state(hass, entity_id) == state
        assert await _fake_locked(fake_seam, fake_http) is locked

        # Every request went to a route the fake knows, and it accepted all of them.
        sent = front.exchanges[first:]
        assert all(exchange.status == 200 for exchange in sent), sent
        command = sent[0]
        assert command.path == f"/locks/{service}_door"
        assert command.body == {"device_id": fake_seam.device_id}
        attempt = command.response["action_attempt"]
        assert attempt["action_type"] == action_type
        # The fake answers the command as pending but stores it as settled at once.
        assert attempt["status"] == "pending"
        polls = [exchange for exchange in sent if exchange.path == "/action_attempts/get"]
        assert polls
        assert polls[0].body == {"action_attempt_id": attempt["action_attempt_id"]}
        assert polls[-1].response["action_attempt"]["status"] == "success"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def _fake_thermostat(fake: FakeSeam, session: ClientSession) -> dict[str, Any]:
    """The fake's own record of the thermostat's properties, read past the front."""
    async with session.post(
        f"{fake.url}/devices/get",
        json={"device_id": fake.thermostat_id},
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as reply:
        assert reply.status == 200, await reply.text()
        payload = await reply.json()
    properties: dict[str, Any] = payload["device"]["properties"]
    return properties


def _dig(properties: dict[str, Any], dotted: str) -> Any:
    value: Any = properties
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _celsius(fahrenheit: float) -> float:
    return (fahrenheit - 32) * 5 / 9


# Where the fake (1.86.0, the newest) answers other than Seam's spec says, and only there:
# it names the attempts of heat, cool, heat_cool and off after the route where the spec has
# SET_HVAC_MODE, and it settles an attempt with `result: null` where the spec's success has an
# object. Our requests (never excused: these match answers only), and everything else the fake
# answers, must match the spec.
FAKE_DEVIATIONS = (
    re.compile(
        r"POST /(thermostats/(heat|cool|heat_cool|off)|action_attempts/get) answer "
        r"\$\.action_attempt: no variant of the spec has "
        r"action_type='(SET_HEAT|SET_COOL|SET_HEAT_COOL|SET_THERMOSTAT_OFF)', "
        r"status='(pending|success)'"
    ),
    re.compile(
        r"POST /action_attempts/get answer \$\.action_attempt\.result: "
        r"expected type object, got null"
    ),
)

type ThermostatCall = Callable[[SeamClient, str], Awaitable[SeamActionAttempt]]
CLIMATE = "current_climate_setting"
F: TemperatureScale = "fahrenheit"

# The fake has no /thermostats/set_hvac_mode nor /thermostats/activate_climate_preset.
# Each command: our client's call, the path it posts to, the set-point field it must send,
# and what the fake's record must then hold (dotted paths into the device's properties).
THERMOSTAT_COMMANDS: dict[str, tuple[ThermostatCall, str, dict[str, Any], dict[str, Any]]] = {
    "heat": (
        lambda c, t: c.async_thermostat_heat(t, 21.5),
        "/thermostats/heat",
        {"heating_set_point_celsius": 21.5},
        {f"{CLIMATE}.hvac_mode_setting": "heat", f"{CLIMATE}.heating_set_point_celsius": 21.5},
    ),
    "heat in fahrenheit": (
        lambda c, t: c.async_thermostat_heat(t, 71.0, scale=F),
        "/thermostats/heat",
        {"heating_set_point_fahrenheit": 71.0},
        {
            f"{CLIMATE}.hvac_mode_setting": "heat",
            f"{CLIMATE}.heating_set_point_celsius": pytest.approx(_celsius(71.0), abs=0.05),
        },
    ),
    "cool": (
        lambda c, t: c.async_thermostat_cool(t, 24.5),
        "/thermostats/cool",
        {"cooling_set_point_celsius": 24.5},
        {f"{CLIMATE}.hvac_mode_setting": "cool", f"{CLIMATE}.cooling_set_point_celsius": 24.5},
    ),
    "heat_cool": (
        lambda c, t: c.async_thermostat_heat_cool(t, 20.0, 23.0),
        "/thermostats/heat_cool",
        {"heating_set_point_celsius": 20.0, "cooling_set_point_celsius": 23.0},
        {
            f"{CLIMATE}.hvac_mode_setting": "heat_cool",
            f"{CLIMATE}.heating_set_point_celsius": 20.0,
            f"{CLIMATE}.cooling_set_point_celsius": 23.0,
        },
    ),
    "off": (
        lambda c, t: c.async_thermostat_off(t),
        "/thermostats/off",
        {},
        {f"{CLIMATE}.hvac_mode_setting": "off"},
    ),
    "fan on": (
        lambda c, t: c.async_thermostat_set_fan_mode(t, "on"),
        "/thermostats/set_fan_mode",
        {"fan_mode_setting": "on"},
        {"fan_mode_setting": "on"},
    ),
}


@pytest.mark.parametrize("command", THERMOSTAT_COMMANDS)
async def test_thermostat_command_through_seams_fake(
    command: str,
    fake_seam: FakeSeam,
    front: Front,
    fake_http: ClientSession,
    fake_spec: OpenApiSpec,
) -> None:
    call, path, fields, expected = THERMOSTAT_COMMANDS[command]
    before = await _fake_thermostat(fake_seam, fake_http)
    # The seeded thermostat is not already as the command leaves it.
    assert {key: _dig(before, key) for key in expected} != expected

    client = SeamClient(fake_http, fake_seam.api_key, base_url=front.url)
    attempt = await client.async_confirmed(call(client, fake_seam.thermostat_id), timeout=10)
    assert attempt.status == "success"
    after = await _fake_thermostat(fake_seam, fake_http)
    assert {key: _dig(after, key) for key in expected} == expected

    # Our request, then the polls of its action attempt, all accepted by the fake.
    sent = front.exchanges
    assert [exchange.status for exchange in sent] == [200] * len(sent), sent
    assert sent[0].path == path
    assert sent[0].body == {"device_id": fake_seam.thermostat_id, **fields}
    polls = [exchange for exchange in sent[1:] if exchange.path == "/action_attempts/get"]
    assert len(polls) == len(sent) - 1 >= 1
    problems = [
        line
        for e in sent
        for line in exchange_problems(
            fake_spec, SpecExchange(e.method, e.path, e.body, e.status, e.response)
        )
    ]
    unexpected = [line for line in problems if not any(d.fullmatch(line) for d in FAKE_DEVIATIONS)]
    assert unexpected == [], "\n".join(unexpected)


async def test_climate_round_trip_through_seams_fake(
    hass: HomeAssistant, fake_seam: FakeSeam, front: Front, fake_http: ClientSession
) -> None:
    """The thermostat card's commands, from Home Assistant through Seam's own fake."""
    entry = await _set_up_entry(hass, fake_seam, front)
    entity_id = find_entity(hass, "climate", fake_seam.thermostat_id, "thermostat")
    assert _state(hass, entity_id) == "heat_cool"

    async def climate(service: str, **data: Any) -> dict[str, Any]:
        """Call a climate service; the fake's own record of the thermostat's setting after."""
        await hass.services.async_call(
            "climate", service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
        )
        await hass.async_block_till_done()
        properties = await _fake_thermostat(fake_seam, fake_http)
        # The fake keeps the fan in the deprecated top-level field only.
        setting: dict[str, Any] = {
            **properties["current_climate_setting"],
            "fan_mode_setting": properties["fan_mode_setting"],
        }
        return setting

    setting = await climate("set_temperature", target_temp_low=18.5, target_temp_high=26)
    assert (setting["heating_set_point_celsius"], setting["cooling_set_point_celsius"]) == (
        18.5,
        26,
    )
    shown = hass.states.get(entity_id)
    assert shown is not None
    assert (shown.attributes["target_temp_low"], shown.attributes["target_temp_high"]) == (18.5, 26)

    setting = await climate("set_hvac_mode", hvac_mode="cool")
    assert setting["hvac_mode_setting"] == "cool"
    setting = await climate("set_temperature", temperature=24)
    assert setting["cooling_set_point_celsius"] == 24
    assert _state(hass, entity_id) == "cool"
    setting = await climate("set_fan_mode", fan_mode="on")
    assert setting["fan_mode_setting"] == "on"
    setting = await climate("turn_off")
    assert setting["hvac_mode_setting"] == "off"
    assert _state(hass, entity_id) == "off"
    # Every command went to a route the fake knows, and it accepted all of them.
    commands = [e.path for e in front.exchanges if e.path.startswith("/thermostats/")]
    assert commands == [
        "/thermostats/heat_cool",
        "/thermostats/cool",
        "/thermostats/cool",
        "/thermostats/set_fan_mode",
        "/thermostats/off",
    ]
    assert all(exchange.status == 200 for exchange in front.exchanges)

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_keypad_codes_through_seams_fake(
    hass: HomeAssistant, fake_seam: FakeSeam, front: Front
) -> None:
    """The code actions a code manager drives, from Home Assistant through Seam's own fake."""
    entry = await _set_up_entry(hass, fake_seam, front)
    entity_id = find_entity(hass, LOCK_DOMAIN, fake_seam.device_id, "lock")

    async def act(service: str, **data: Any) -> Any:
        return await hass.services.async_call(
            DOMAIN,
            service,
            {ATTR_ENTITY_ID: entity_id, **data},
            blocking=True,
            return_response=service in ("get_codes", "add_code"),
        )

    async def codes() -> dict[str, dict[str, Any]]:
        answer = await act("get_codes")
        return {code["name"]: code for code in answer[entity_id]["codes"]}

    added = (await act("add_code", name="Guest", code="4826"))[entity_id]
    assert added["code"] == "4826"
    guest = (await codes())["Guest"]
    assert (guest["access_code_id"], guest["code"]) == (added["access_code_id"], "4826")

    await act("update_code", code_id=added["access_code_id"], name="Guest weekend")
    assert "Guest weekend" in await codes()
    await act("delete_code", code_id="Guest weekend")
    assert "Guest weekend" not in await codes()

    sent = [e.path for e in front.exchanges if e.path.startswith("/access_codes/")]
    for path in ("/access_codes/create", "/access_codes/update", "/access_codes/delete"):
        assert path in sent
    assert all(exchange.status == 200 for exchange in front.exchanges), [
        (e.path, e.status, e.response) for e in front.exchanges if e.status != 200
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)
