"""The simulator's control API, CLI and scenario, as tests, develop and the bench use them."""

from __future__ import annotations

import asyncio
import gzip
import random
import struct
import time
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
import zlib

from aiohttp import ClientConnectorError, ClientPayloadError, ClientSession
import orjson
import pytest

from simulator.__main__ import parse_args, serve
from simulator.app import HUGE_HEAD, HUGE_TAIL, PARQEX_SYNC_PATH, gzip_bomb
from simulator.scenario import run_scenario, scenario_step
from simulator.seeds import (
    AUTHORIZATION_CODE_LIFETIME,
    DEFAULT_PARQEX_CLIENT_ID,
    DEFAULT_PARQEX_CLIENT_SECRET,
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_PARQEX_USER,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_TOKEN_LIFETIME,
    DEFAULT_TRAVEL_TIME,
    DEFAULT_USER_IDENTITY_ID,
    GUEST_PARQEX_USER,
    PARQEX_AUTHORIZE_PATH,
    PARQEX_TOGGLE_PATHS,
    PARQEX_TOKEN_PATH,
    PARQEX_USER_INFO_PATH,
    TOGGLE_ACCEPTED,
    TOGGLE_FAILURES,
    TOGGLE_MALFORMED,
    TOGGLE_NOT_FOUND,
    seam_seed_devices,
)
from simulator.state import (
    BOMB_ANSWER_BYTES,
    HUGE_ANSWER_BYTES,
    NESTING_DEPTH,
    SimulatorState,
    mask_headers,
    mask_query,
)
from tests.conftest import Simulator
from tests.simulator.conftest import SEAM_HEADERS, Clock, control

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
FIRST = "9d9e5e0e093a06d5f16e1116d108d0c7"
FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
SEAM_LIST_PATH = "/user_identities/list_accessible_devices"
MB = 1024 * 1024
# The headers ParqEx requires, as the integration sends them.
PARQEX_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip",
    "Accept-Charset": "utf-8",
    "Authorization": f"Bearer {DEFAULT_PARQEX_TOKEN}",
    "Content-Type": "application/json",
}


async def test_parqex_control(simulator: Simulator, http: ClientSession) -> None:
    assert (await control(http, simulator, "POST", f"/parqex/doors/{KITTY}", {"state": "CLOSED"}))[
        0
    ] == 200
    assert simulator.state._door(KITTY)["state"] == "CLOSED"
    await control(http, simulator, "POST", "/parqex/controllers", {"id": "c3", "registered": True})
    await control(http, simulator, "POST", "/parqex/controllers/c3", {"registered": False})
    await control(
        http, simulator, "POST", "/parqex/controllers/c3/doors", {"id": "d3", "state": "OPEN"}
    )
    assert simulator.state.controllers["c3"]["registered"] is False
    assert simulator.state._door("d3")["state"] == "OPEN"
    await control(http, simulator, "DELETE", "/parqex/doors/d3")
    await control(http, simulator, "DELETE", "/parqex/controllers/c3")
    assert "c3" not in simulator.state.controllers
    for method, path in [
        ("POST", "/parqex/doors/nope"),
        ("DELETE", "/parqex/doors/nope"),
        ("POST", "/parqex/controllers/nope"),
        ("DELETE", "/parqex/controllers/nope"),
        ("POST", "/parqex/controllers/nope/doors"),
    ]:
        status, body = await control(http, simulator, method, path, {})
        assert status == 404, path
        assert "nope" in body["error"]


async def test_seam_control(simulator: Simulator, http: ClientSession) -> None:
    status, device = await control(
        http, simulator, "POST", "/seam/devices", {"display_name": "New"}
    )
    assert status == 200
    device_id = device["device_id"]
    await control(
        http,
        simulator,
        "POST",
        f"/seam/devices/{device_id}",
        {"properties": {"battery_level": 0.05}},
    )
    assert simulator.state.devices[device_id]["properties"]["battery"]["status"] == "critical"
    await control(http, simulator, "DELETE", f"/seam/devices/{device_id}")
    assert device_id not in simulator.state.devices
    assert (await control(http, simulator, "DELETE", f"/seam/devices/{device_id}"))[0] == 404
    assert (await control(http, simulator, "POST", "/seam/devices/nope", {}))[0] == 404
    await control(http, simulator, "POST", "/seam/actions", {"delay": 0, "outcome": "error"})
    assert simulator.state.action_settings.outcome == "error"


async def test_faults_requests_and_state(simulator: Simulator, http: ClientSession) -> None:
    await control(
        http, simulator, "POST", "/faults", {"service": "parqex", "status": 503, "retry_after": 7}
    )
    assert simulator.state.faults[0].headers == {"Retry-After": "7"}
    await control(http, simulator, "DELETE", "/faults")
    assert simulator.state.faults == []
    async with http.get(
        simulator.url + "/oauth/v1/endpoints/sync", headers={"Authorization": "Bearer secret-token"}
    ):
        pass
    _, logged = await control(http, simulator, "GET", "/requests")
    assert logged[0]["headers"]["Authorization"] == "Bearer ***"
    await control(http, simulator, "DELETE", "/requests")
    assert list(simulator.state.requests) == []
    _, snapshot = await control(http, simulator, "GET", "/state")
    assert len(snapshot["parqex"]["devices"]) == 2
    await control(
        http,
        simulator,
        "POST",
        "/generate",
        {"controllers": 4, "doors_per_controller": 2, "devices": 3},
    )
    assert len(simulator.state.controllers) == 4
    assert len(simulator.state.devices) == 3
    await control(http, simulator, "POST", "/reset")
    assert len(simulator.state.devices) == len(seam_seed_devices())


async def test_events_and_deliveries(simulator: Simulator, http: ClientSession) -> None:
    status, event = await control(
        http,
        simulator,
        "POST",
        "/seam/events",
        {"event_type": "device.tampered", "device_id": FRONT_ID},
    )
    assert status == 200
    assert event["event_type"] == "device.tampered"
    _, deliveries = await control(http, simulator, "GET", "/seam/deliveries")
    assert deliveries == []


async def test_deliveries_to_an_unreachable_subscriber_are_recorded(
    simulator: Simulator, http: ClientSession, unused_tcp_port: int
) -> None:
    simulator.state.hub.create(f"http://127.0.0.1:{unused_tcp_port}/hook", ["lock.unlocked"])
    simulator.state.update_device(FRONT_ID, {"properties": {"locked": False}})
    simulator.state.update_device(FRONT_ID, {"properties": {"online": False}})
    for _ in range(300):
        if simulator.state.hub.deliveries:
            break
        await asyncio.sleep(0.01)
    (delivery,) = simulator.state.hub.deliveries
    assert (delivery.event_type, delivery.status) == ("lock.unlocked", None)


async def test_budget_and_odd_requests(simulator: Simulator, http: ClientSession) -> None:
    headers = {"Authorization": "Bearer seam_simulated_api_key_0123456789"}
    async with http.post(
        simulator.url + "/locks/lock_door", data=b"{not json", headers=headers
    ) as r:
        assert r.status == 400
    async with http.post(simulator.url + "/locks/lock_door", json=[1], headers=headers) as r:
        assert r.status == 400
    async with http.post(
        simulator.url + "/locks/lock_door",
        json={"device_id": "054765c8-a2fc-4599-b486-14c19f462c45"},
        headers=headers,
    ) as r:
        assert r.status == 400  # a thermostat is not a lock
    async with http.post(
        simulator.url + "/action_attempts/get", json={"action_attempt_id": "x"}, headers=headers
    ) as r:
        assert r.status == 404
    async with http.post(
        simulator.url + "/webhooks/delete", json={"webhook_id": "x"}, headers=headers
    ) as r:
        assert r.status == 404
    async with http.post(simulator.url + "/webhooks/list", json={}, headers=headers) as r:
        assert (await r.json())["webhooks"] == []
    simulator.fault(service="seam", mode="bogus")
    async with http.post(simulator.url + "/webhooks/list", json={}, headers=headers) as r:
        assert r.status == 400
    simulator.state.request_budget = 0
    async with http.post(simulator.url + "/webhooks/list", json={}, headers=headers) as r:
        assert r.status == 503


async def test_action_attempts_settle_and_fail(simulator: Simulator) -> None:
    state = simulator.state
    state.action_settings.delay = 0
    state.start_action(FRONT_ID, "UNLOCK_DOOR")
    assert state.devices[FRONT_ID]["properties"]["locked"] is False
    state.remove_device(FRONT_ID)
    state.action_settings.outcome = "error"
    attempt = state.start_action(FRONT_ID, "LOCK_DOOR")
    assert attempt.status == "error"
    assert attempt.as_json()["error"]["type"] == "uncategorized_error"


def test_scenario_changes_doors_locks_climate_noise_and_batteries() -> None:
    state = SimulatorState()
    sent: list[str] = []
    state.hub.create("http://127.0.0.1:1/hook", None)
    state.hub.send = lambda _, event: sent.append(event["event_type"])
    rng = random.Random(3)  # noqa: S311 (reproducible)
    changes = [scenario_step(state, rng) for _ in range(200)]
    for kind in ("door ", "lock ", "thermostat ", "noise sensor "):
        assert any(change.startswith(kind) for change in changes), kind
    assert any("battery" in change for change in changes)
    # Rooms warm and cool, and loud parties trip a noise threshold now and then.
    assert "thermostat.temperature_changed" in sent
    assert "noise_sensor.noise_threshold_triggered" in sent
    empty = SimulatorState()
    empty.generate()
    assert scenario_step(empty, rng) == "nothing"


async def test_scenario_runs_until_cancelled() -> None:
    state = SimulatorState()
    before = repr(state.snapshot())
    task = asyncio.create_task(run_scenario(state, 0.01, seed=1))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert repr(state.snapshot()) != before


def test_cli_binds_to_loopback_only() -> None:
    args = parse_args(["--port", "9999", "--controllers", "2", "--devices", "3", "--scenario", "5"])
    assert (args.host, args.port, args.controllers, args.devices, args.scenario) == (
        "127.0.0.1",
        9999,
        2,
        3,
        5.0,
    )
    with pytest.raises(SystemExit):
        parse_args(["--host", "0.0.0.0"])  # noqa: S104 (what must be refused)


async def test_cli_serves_until_cancelled(http: ClientSession, unused_tcp_port: int) -> None:
    args = parse_args(
        ["--port", str(unused_tcp_port), "--devices", "2", "--controllers", "1", "--scenario", "30"]
    )
    task = asyncio.create_task(serve(args))
    try:
        for _ in range(300):
            try:
                async with http.get(f"http://127.0.0.1:{unused_tcp_port}/_simulator/state") as r:
                    assert len((await r.json())["seam"]["devices"]) == 2
                    break
            except ClientConnectorError:
                await asyncio.sleep(0.01)
        else:
            pytest.fail("the simulator did not start")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_masking_keeps_other_headers() -> None:
    assert mask_headers({"Authorization": "token", "X": "y"}) == {"Authorization": "***", "X": "y"}


async def ask(
    http: ClientSession,
    simulator: Simulator,
    service: str,
    *,
    token: str | None = None,
    decode: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    """One list request to `service` as the integration sends it: status, headers, body."""
    if service == "parqex":
        headers = dict(PARQEX_HEADERS)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = http.get(
            simulator.url + PARQEX_SYNC_PATH, headers=headers, auto_decompress=decode
        )
    else:
        headers = {"Authorization": f"Bearer {token or DEFAULT_SEAM_API_KEY}"}
        request = http.post(
            simulator.url + SEAM_LIST_PATH,
            json={"user_identity_id": DEFAULT_USER_IDENTITY_ID},
            headers=headers,
            auto_decompress=decode,
        )
    async with request as response:
        return response.status, dict(response.headers), await response.read()


@pytest.mark.parametrize("service", ["parqex", "seam"])
async def test_echo_secret_repeats_the_credential_as_sent_and_encoded(
    simulator: Simulator, http: ClientSession, service: str
) -> None:
    secret = "odd/tok+en=1&x"
    encoded = quote(secret, safe="")
    assert encoded != secret
    simulator.fault(service=service, mode="echo_secret")

    status, headers, body = await ask(http, simulator, service, token=secret)

    assert status == 500
    error = orjson.loads(body)["error"]
    message = error["message"] if service == "seam" else error
    assert isinstance(message, str)
    assert secret in message
    assert encoded in message
    if service == "seam":
        assert error["type"] == "internal_server_error"
    assert secret in headers["seam-request-id"]
    (logged,) = simulator.state.requests
    assert (logged.status, logged.fault, logged.echoed_secret) == (500, "echo_secret", True)
    # The log itself still masks it.
    assert secret not in str(logged.as_json())


async def test_echo_secret_takes_its_status(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="seam", mode="echo_secret", status=503)
    status, _, _ = await ask(http, simulator, "seam")
    assert status == 503


@pytest.mark.parametrize("mode", ["huge", "huge_chunked"])
@pytest.mark.parametrize("service", ["parqex", "seam"])
async def test_huge_answers_are_json_of_the_size_asked(
    simulator: Simulator, http: ClientSession, mode: str, service: str
) -> None:
    size = 3 * MB + 5
    simulator.fault(service=service, mode=mode, size=size)

    status, headers, body = await ask(http, simulator, service)

    assert status == 200
    assert len(body) == size
    assert body.startswith(HUGE_HEAD)
    assert body.endswith(HUGE_TAIL)
    assert orjson.loads(body) == {"devices": []}
    if mode == "huge":
        assert headers["Content-Length"] == str(size)
    else:
        assert "Content-Length" not in headers
        assert headers["Transfer-Encoding"] == "chunked"
    (logged,) = simulator.state.requests
    assert (logged.status, logged.encoding, logged.body_bytes) == (200, None, size)


@pytest.mark.parametrize("mode", ["huge", "huge_chunked"])
async def test_a_huge_answer_is_200_mb_and_stops_when_the_client_goes(
    simulator: Simulator, http: ClientSession, mode: str
) -> None:
    simulator.fault(service="parqex", mode=mode)
    async with http.get(simulator.url + PARQEX_SYNC_PATH, headers=PARQEX_HEADERS) as response:
        if mode == "huge":
            assert response.content_length == HUGE_ANSWER_BYTES
        assert (await response.content.readexactly(len(HUGE_HEAD))) == HUGE_HEAD
        response.close()
    for _ in range(300):
        if not simulator.state.in_flight["parqex"]:
            break
        await asyncio.sleep(0.01)
    (logged,) = simulator.state.requests
    assert simulator.state.in_flight["parqex"] == 0
    assert 0 < logged.body_bytes < HUGE_ANSWER_BYTES


@pytest.mark.parametrize("service", ["parqex", "seam"])
async def test_a_bomb_is_small_gzip_of_the_size_asked(
    simulator: Simulator, http: ClientSession, service: str
) -> None:
    size = 5 * MB + 7
    simulator.fault(service=service, mode="bomb", size=size)

    status, headers, raw = await ask(http, simulator, service, decode=False)

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Length"] == str(len(raw))
    assert len(raw) < 16 * 1024
    # gzip checks the CRC and the length in the trailer.
    body = gzip.decompress(raw)
    assert len(body) == size
    assert orjson.loads(body) == {"devices": []}
    (logged,) = simulator.state.requests
    assert (logged.status, logged.encoding, logged.body_bytes) == (200, "gzip", len(raw))


def test_the_default_bomb_is_2_gb_in_2_mb() -> None:
    bomb = gzip_bomb(BOMB_ANSWER_BYTES)
    assert bomb.size == BOMB_ANSWER_BYTES == 2 * 1024 * MB
    assert bomb.length < 3 * MB
    assert bomb.length == sum(len(chunk) for chunk in bomb.chunks())
    # Every repeated block decodes on its own to a megabyte of spaces...
    assert zlib.decompressobj(-zlib.MAX_WBITS).decompress(bomb.block) == b" " * MB
    # ...and they add up to the size the trailer declares.
    assert len(HUGE_HEAD) + bomb.count * MB + len(HUGE_TAIL) <= BOMB_ANSWER_BYTES
    assert BOMB_ANSWER_BYTES - bomb.count * MB - len(HUGE_HEAD) - len(HUGE_TAIL) < MB
    assert struct.unpack("<I", bomb.end[-4:]) == (BOMB_ANSWER_BYTES & 0xFFFFFFFF,)
    assert gzip_bomb(BOMB_ANSWER_BYTES) is bomb


@pytest.mark.parametrize("service", ["parqex", "seam"])
async def test_deep_nesting(simulator: Simulator, http: ClientSession, service: str) -> None:
    simulator.fault(service=service, mode="deep_nesting")
    status, _, body = await ask(http, simulator, service)
    assert status == 200
    assert body == b'{"devices": ' + b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH + b"}"

    simulator.fault(service=service, mode="deep_nesting", depth=3)
    _, _, body = await ask(http, simulator, service)
    assert orjson.loads(body) == {"devices": [[[]]]}


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "Wed, 21 Oct 2036 07:28:00 GMT"])
async def test_a_hostile_retry_after_arrives_as_given(
    simulator: Simulator, http: ClientSession, value: str
) -> None:
    simulator.fault(service="parqex", status=429, headers={"Retry-After": value})
    status, headers, _ = await ask(http, simulator, "parqex")
    assert status == 429
    assert headers["Retry-After"] == value


async def test_gzip_answers_are_switched_per_service(
    simulator: Simulator, http: ClientSession
) -> None:
    # ParqEx gzips, Seam does not, until told otherwise.
    _, snapshot = await control(http, simulator, "GET", "/state")
    assert snapshot["gzip_answers"] == {"parqex": True, "seam": False}
    _, parqex_headers, _ = await ask(http, simulator, "parqex")
    _, seam_headers, _ = await ask(http, simulator, "seam")
    assert parqex_headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in seam_headers

    status, setting = await control(
        http, simulator, "POST", "/gzip", {"parqex": False, "seam": True}
    )
    assert (status, setting) == (200, {"parqex": False, "seam": True})
    _, parqex_headers, parqex_body = await ask(http, simulator, "parqex")
    _, seam_headers, seam_body = await ask(http, simulator, "seam")
    assert "Content-Encoding" not in parqex_headers
    assert seam_headers["Content-Encoding"] == "gzip"
    assert len(orjson.loads(parqex_body)["devices"]) == 2
    assert len(orjson.loads(seam_body)["devices"]) == len(seam_seed_devices())
    # Seam's other answers too.
    async with http.post(
        simulator.url + "/webhooks/list", json={}, headers=SEAM_HEADERS
    ) as response:
        assert response.headers["Content-Encoding"] == "gzip"

    _, logged = await control(http, simulator, "GET", "/requests")
    assert [(r["service"], r["status"], r["encoding"]) for r in logged] == [
        ("parqex", 200, "gzip"),
        ("seam", 200, None),
        ("parqex", 200, None),
        ("seam", 200, "gzip"),
        ("seam", 200, "gzip"),
    ]
    for body in ({"nope": True}, {"seam": "yes"}, ["seam"]):
        status, error = await control(http, simulator, "POST", "/gzip", body)
        assert status == 404
        assert "error" in error
    await control(http, simulator, "POST", "/reset")
    assert simulator.state.gzip_answers == {"parqex": True, "seam": False}


async def test_the_request_log_shows_each_answer(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="parqex", status=503, body="down")
    simulator.fault(service="parqex", mode="disconnect")
    simulator.fault(service="parqex", mode="redirect", location="http://127.0.0.1:1/")
    await ask(http, simulator, "parqex")
    with pytest.raises(ClientPayloadError):
        await ask(http, simulator, "parqex")
    async with http.get(
        simulator.url + PARQEX_SYNC_PATH, headers=PARQEX_HEADERS, allow_redirects=False
    ) as response:
        assert response.status == 302
    await ask(http, simulator, "parqex")
    _, logged = await control(http, simulator, "GET", "/requests")
    assert [(r["status"], r["fault"], r["body_bytes"]) for r in logged[:3]] == [
        (503, "status", 4),
        (200, "disconnect", len(HUGE_HEAD)),
        (302, "redirect", 0),
    ]
    assert (logged[3]["status"], logged[3]["fault"], logged[3]["encoding"]) == (200, None, "gzip")
    assert logged[3]["body_bytes"] > 0
    assert all(r["echoed_secret"] is False for r in logged)


# Simulator-only checks that used to live with the client tests.


async def test_parqex_answers_gzip_to_a_client_that_accepts_it(
    simulator: Simulator, http: ClientSession
) -> None:
    status, headers, body = await ask(http, simulator, "parqex", decode=False)
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert len(orjson.loads(gzip.decompress(body))["devices"]) == 2


@pytest.mark.parametrize(
    "missing", ["Accept", "Accept-Encoding", "Accept-Charset", "Authorization", "Content-Type"]
)
async def test_parqex_refuses_a_request_missing_a_header(
    simulator: Simulator, http: ClientSession, missing: str
) -> None:
    headers = dict(PARQEX_HEADERS)
    del headers[missing]
    skip = {"Accept", "Accept-Encoding"} & {missing}
    async with http.get(
        simulator.url + PARQEX_SYNC_PATH, headers=headers, skip_auto_headers=skip
    ) as raw:
        assert raw.status == 401
        assert await raw.json() == {"error": "Invalid Access Token"}


async def test_seam_accepts_get_with_a_query(simulator: Simulator, http: ClientSession) -> None:
    async with http.get(
        simulator.url + SEAM_LIST_PATH,
        params={"user_identity_id": DEFAULT_USER_IDENTITY_ID},
        headers=SEAM_HEADERS,
    ) as response:
        assert response.status == 200
        assert len((await response.json())["devices"]) == len(seam_seed_devices())


async def test_seam_delivers_only_to_this_machine(
    simulator: Simulator, http: ClientSession
) -> None:
    async with http.post(
        simulator.url + "/webhooks/create",
        json={"url": "https://example.com/hook", "event_types": ["lock.locked"]},
        headers=SEAM_HEADERS,
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"]["type"] == "invalid_input"
    assert simulator.state.hub.webhooks == {}


async def test_seam_limits_commands_per_device_and_action(
    simulator: Simulator, http: ClientSession
) -> None:
    async def command(path: str, device_id: str) -> int:
        async with http.post(
            simulator.url + path, json={"device_id": device_id}, headers=SEAM_HEADERS
        ) as response:
            return response.status

    assert {await command("/locks/lock_door", FRONT_ID) for _ in range(15)} == {200}
    assert await command("/locks/unlock_door", FRONT_ID) == 200
    assert await command("/locks/lock_door", BACK_ID) == 200
    assert await command("/locks/lock_door", FRONT_ID) == 429


# ParqEx OAuth 2.0, user-info and toggling.

LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
HA_REDIRECT = "https://example.com/auth/external/callback"
PLURAL_TOGGLE = PARQEX_TOGGLE_PATHS["plural"]
SINGULAR_TOGGLE = PARQEX_TOGGLE_PATHS["singular"]
# A state as Home Assistant sends one (a JWT), with characters that need encoding besides.
STATE = "eyJhbGciOiJIUzI1NiJ9.eyJmbG93X2lkIjoiMSJ9.c2ln+/= &x"


def authorize_query(**changes: str | None) -> dict[str, str]:
    """The query of an authorization request from the seeded client, with `changes`."""
    query: dict[str, str | None] = {
        "response_type": "code",
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "redirect_uri": HA_REDIRECT,
        "scope": "OPENDOOR,CLOSEDOOR",
        "state": STATE,
    }
    query.update(changes)
    return {key: value for key, value in query.items() if value is not None}


async def authorize(
    http: ClientSession, simulator: Simulator, path: str = PARQEX_AUTHORIZE_PATH, **query: str
) -> tuple[int, str, str | None]:
    """An authorization request: status, page and `Location`, redirects not followed."""
    async with http.get(
        simulator.url + path, params=authorize_query(**query), allow_redirects=False
    ) as response:
        return response.status, await response.text(), response.headers.get("Location")


async def sign_in(
    http: ClientSession, simulator: Simulator, redirect_uri: str = HA_REDIRECT
) -> str:
    """Approve a sign-in; the code it came back with."""
    status, _, location = await authorize(http, simulator, approve="yes", redirect_uri=redirect_uri)
    assert status == 302
    assert location is not None
    return parse_qs(urlsplit(location).query)["code"][0]


async def token_call(
    http: ClientSession,
    simulator: Simulator,
    fields: dict[str, str],
    *,
    method: str = "GET",
    path: str = PARQEX_TOKEN_PATH,
) -> tuple[int, Any]:
    """The token endpoint, asked with a query (GET) or a form (POST)."""
    url = simulator.url + path
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = (
        http.get(url, params=fields, headers=headers)
        if method == "GET"
        else http.post(url, data=fields)
    )
    async with request as response:
        return response.status, await response.json()


def code_fields(code: str, **changes: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "client_secret": DEFAULT_PARQEX_CLIENT_SECRET,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": HA_REDIRECT,
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def refresh_fields(refresh_token: str, **changes: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "client_secret": DEFAULT_PARQEX_CLIENT_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


async def sign_in_tokens(http: ClientSession, simulator: Simulator) -> dict[str, Any]:
    """Sign in and exchange the code: the token answer."""
    status, tokens = await token_call(http, simulator, code_fields(await sign_in(http, simulator)))
    assert status == 200
    assert isinstance(tokens, dict)
    return tokens


async def parqex_call(
    http: ClientSession,
    simulator: Simulator,
    path: str,
    *,
    token: str = DEFAULT_PARQEX_TOKEN,
    body: Any = None,
    drop: str | None = None,
) -> tuple[int, Any]:
    """A ParqEx API call with the five headers (less `drop`): GET, or POST with `body`."""
    headers = {**PARQEX_HEADERS, "Authorization": f"Bearer {token}"}
    if drop is not None:
        del headers[drop]
    skip = {"Accept", "Accept-Encoding"} & {drop}
    data = None if body is None else (body if isinstance(body, bytes) else orjson.dumps(body))
    async with http.request(
        "GET" if body is None else "POST",
        simulator.url + path,
        data=data,
        headers=headers,
        skip_auto_headers=skip,
    ) as response:
        raw = await response.read()
        if response.content_type != "application/json":
            return response.status, raw.decode()
        return response.status, orjson.loads(raw)


async def toggle(
    http: ClientSession,
    simulator: Simulator,
    body: Any,
    *,
    path: str = PLURAL_TOGGLE,
    token: str = DEFAULT_PARQEX_TOKEN,
) -> tuple[int, Any]:
    return await parqex_call(http, simulator, path, token=token, body=body)


def door_state(simulator: Simulator, door_id: str = KITTY) -> tuple[str, str]:
    """A door's state and last toggle as `/sync` shows them."""
    for controller in simulator.state.parqex_sync()["devices"]:
        for door in controller["doors"]:
            if door["id"] == door_id:
                return door["state"], door["last_toggled"]
    raise AssertionError(door_id)


@pytest.mark.parametrize("path", [PARQEX_AUTHORIZE_PATH, PARQEX_AUTHORIZE_PATH.rstrip("/")])
async def test_authorize_shows_a_sign_in_page(
    simulator: Simulator, http: ClientSession, path: str
) -> None:
    status, page, location = await authorize(http, simulator, path, scope="opendoor, CloseDoor")
    assert (status, location) == (200, None)
    assert "Sign in to ParqEx (simulator)" in page
    assert "Pat Garage" in page
    # The link is the same request with approve=yes.
    href = page.split('id="approve" href="')[1].split('"')[0].replace("&amp;", "&")
    link = urlsplit(href)
    assert link.path == path
    assert {key: value[0] for key, value in parse_qs(link.query).items()} == {
        **authorize_query(scope="opendoor, CloseDoor"),
        "approve": "yes",
    }
    assert simulator.state.oauth_codes == {}


@pytest.mark.parametrize(
    "redirect_uri",
    [
        HA_REDIRECT,
        "https://my.home-assistant.io/redirect/oauth",
        "http://127.0.0.1:8123/auth/external/callback",
        "http://localhost:18123/auth/external/callback",
    ],
)
async def test_approving_redirects_with_a_code_and_the_state(
    simulator: Simulator, http: ClientSession, redirect_uri: str
) -> None:
    status, _, location = await authorize(http, simulator, approve="yes", redirect_uri=redirect_uri)
    assert status == 302
    assert location is not None
    assert location.startswith(redirect_uri + "?code=")
    returned = parse_qs(urlsplit(location).query)
    assert returned["state"] == [STATE]
    (code,) = returned["code"]
    grant = simulator.state.oauth_codes[code]
    assert (grant.client_id, grant.redirect_uri, grant.user_id) == (
        DEFAULT_PARQEX_CLIENT_ID,
        redirect_uri,
        DEFAULT_PARQEX_USER["id"],
    )
    # Each approval is a fresh code.
    assert await sign_in(http, simulator, redirect_uri) != code


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"client_id": "someone-else"}, "Unknown client_id"),
        ({"client_id": None}, "Unknown client_id"),
        ({"redirect_uri": "https://evil.example/auth/external/callback"}, "redirect_uri"),
        ({"redirect_uri": "http://127.0.0.1:8123/auth/other"}, "redirect_uri"),
        ({"redirect_uri": "http://192.168.1.5:8123/auth/external/callback"}, "redirect_uri"),
        ({"redirect_uri": "https://127.0.0.1:8123/auth/external/callback"}, "redirect_uri"),
        ({"redirect_uri": None}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
        ({"response_type": None}, "response_type"),
        ({"scope": None}, "scope is missing"),
        ({"scope": "OPENDOOR,FLY"}, "Unknown scope: FLY"),
    ],
)
@pytest.mark.parametrize("approve", ["no", "yes"])
async def test_authorize_refuses_without_redirecting(
    simulator: Simulator,
    http: ClientSession,
    changes: dict[str, str | None],
    reason: str,
    approve: str,
) -> None:
    async with http.get(
        simulator.url + PARQEX_AUTHORIZE_PATH,
        params={**authorize_query(**changes), **({"approve": "yes"} if approve == "yes" else {})},
        allow_redirects=False,
    ) as response:
        assert response.status == 400
        assert response.content_type == "text/html"
        assert "Location" not in response.headers
        assert reason in await response.text()
    assert simulator.state.oauth_codes == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", [PARQEX_TOKEN_PATH, PARQEX_TOKEN_PATH.rstrip("/")])
async def test_a_code_is_exchanged_for_tokens_once(
    simulator: Simulator, http: ClientSession, clock: Clock, method: str, path: str
) -> None:
    code = await sign_in(http, simulator)
    status, tokens = await token_call(http, simulator, code_fields(code), method=method, path=path)
    assert status == 200
    assert set(tokens) == {"access_token", "refresh_token", "expires_in", "token_type", "scope"}
    assert tokens["expires_in"] == DEFAULT_TOKEN_LIFETIME == 3600
    assert (tokens["token_type"], tokens["scope"]) == ("Bearer", "OPENDOOR,CLOSEDOOR")
    grant = simulator.state.access_tokens[tokens["access_token"]]
    assert grant.expires_at == clock.now + 3600
    # The token opens the API.
    status, synced = await parqex_call(
        http, simulator, PARQEX_SYNC_PATH, token=tokens["access_token"]
    )
    assert status == 200
    assert len(synced["devices"]) == 2
    # The code is spent.
    assert await token_call(http, simulator, code_fields(code), method=method, path=path) == (
        400,
        {"error": "invalid_grant"},
    )
    assert simulator.state.token_requests == {"authorization_code": 2, "refresh_token": 0}


async def test_a_code_is_bound_to_its_client_and_redirect_and_expires(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    invalid_grant = (400, {"error": "invalid_grant"})
    # Another redirect URL than the code was issued for (and the code is then spent).
    code = await sign_in(http, simulator)
    local = "http://127.0.0.1:8123/auth/external/callback"
    assert await token_call(http, simulator, code_fields(code, redirect_uri=local)) == invalid_grant
    assert await token_call(http, simulator, code_fields(code)) == invalid_grant
    # Another client.
    await control(
        http,
        simulator,
        "POST",
        "/parqex/oauth/clients",
        {"client_id": "other", "client_secret": "other-secret", "redirect_uris": [HA_REDIRECT]},
    )
    code = await sign_in(http, simulator)
    other = code_fields(code, client_id="other", client_secret="other-secret")
    assert await token_call(http, simulator, other) == invalid_grant
    # An unknown code.
    assert await token_call(http, simulator, code_fields("pqx_code_nope")) == invalid_grant
    # A code lasts ten minutes.
    code = await sign_in(http, simulator)
    clock.now += AUTHORIZATION_CODE_LIFETIME
    assert AUTHORIZATION_CODE_LIFETIME == 600
    assert await token_call(http, simulator, code_fields(code)) == invalid_grant
    code = await sign_in(http, simulator)
    clock.now += AUTHORIZATION_CODE_LIFETIME - 1
    assert (await token_call(http, simulator, code_fields(code)))[0] == 200


@pytest.mark.parametrize(
    "changes",
    [
        {"client_secret": "wrong"},
        {"client_id": "someone-else"},
        {"client_secret": DEFAULT_PARQEX_CLIENT_SECRET + "x"},
    ],
)
async def test_wrong_client_credentials_are_invalid_client(
    simulator: Simulator, http: ClientSession, changes: dict[str, str]
) -> None:
    code = await sign_in(http, simulator)
    assert await token_call(http, simulator, code_fields(code, **changes)) == (
        401,
        {"error": "invalid_client"},
    )
    # The code was not spent by a client that could not prove itself.
    assert (await token_call(http, simulator, code_fields(code)))[0] == 200
    tokens = await sign_in_tokens(http, simulator)
    assert await token_call(
        http, simulator, refresh_fields(tokens["refresh_token"], **changes)
    ) == (401, {"error": "invalid_client"})


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"grant_type": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_id": None}, "invalid_request"),
        ({"client_secret": None}, "invalid_request"),
        ({"code": None}, "invalid_request"),
        ({"code": ""}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
async def test_incomplete_token_requests(
    simulator: Simulator, http: ClientSession, fields: dict[str, str | None], error: str
) -> None:
    request = code_fields("some-code") | fields
    asked = {key: value for key, value in request.items() if value is not None}
    assert await token_call(http, simulator, asked) == (
        400,
        {"error": error},
    )


async def test_a_json_token_request_is_incomplete(
    simulator: Simulator, http: ClientSession
) -> None:
    async with http.post(
        simulator.url + PARQEX_TOKEN_PATH, json=code_fields(await sign_in(http, simulator))
    ) as response:
        assert response.status == 400
        assert await response.json() == {"error": "invalid_request"}


async def test_every_refresh_rotates_the_refresh_token(
    simulator: Simulator, http: ClientSession
) -> None:
    first = await sign_in_tokens(http, simulator)
    status, second = await token_call(http, simulator, refresh_fields(first["refresh_token"]))
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["expires_in"] == 3600
    # The old refresh token is spent; the new one works (by form too), once.
    assert await token_call(http, simulator, refresh_fields(first["refresh_token"])) == (
        400,
        {"error": "invalid_grant"},
    )
    status, third = await token_call(
        http, simulator, refresh_fields(second["refresh_token"]), method="POST"
    )
    assert status == 200
    assert await token_call(http, simulator, refresh_fields("pqx_rt_unknown")) == (
        400,
        {"error": "invalid_grant"},
    )
    # A refresh revokes nothing else: every access token still works.
    for tokens in (first, second, third):
        status, _ = await parqex_call(
            http, simulator, PARQEX_USER_INFO_PATH, token=tokens["access_token"]
        )
        assert status == 200
    assert simulator.state.token_requests == {"authorization_code": 1, "refresh_token": 4}
    assert len(simulator.state.refresh_tokens) == 1


async def test_a_refresh_token_belongs_to_its_client(
    simulator: Simulator, http: ClientSession
) -> None:
    tokens = await sign_in_tokens(http, simulator)
    simulator.state.add_oauth_client({"client_id": "other", "client_secret": "s"})
    other = refresh_fields(tokens["refresh_token"], client_id="other", client_secret="s")
    assert await token_call(http, simulator, other) == (400, {"error": "invalid_grant"})
    assert (await token_call(http, simulator, refresh_fields(tokens["refresh_token"])))[0] == 200


async def test_access_tokens_expire_after_their_lifetime(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    status, settings = await control(
        http, simulator, "POST", "/parqex/settings", {"token_lifetime": 60}
    )
    assert (status, settings["token_lifetime"]) == (200, 60)
    tokens = await sign_in_tokens(http, simulator)
    assert tokens["expires_in"] == 60
    access = tokens["access_token"]
    clock.now += 59
    for path in (PARQEX_SYNC_PATH, PARQEX_USER_INFO_PATH):
        assert (await parqex_call(http, simulator, path, token=access))[0] == 200
    clock.now += 1
    for path in (PARQEX_SYNC_PATH, PARQEX_USER_INFO_PATH):
        assert await parqex_call(http, simulator, path, token=access) == (
            401,
            {"error": "Invalid Access Token"},
        )
    assert await toggle(
        http, simulator, {"door_id": KITTY, "door_state": "CLOSED"}, token=access
    ) == (401, {"error": "Invalid Access Token"})
    # The refresh token outlives it; the static token never expires.
    status, fresh = await token_call(http, simulator, refresh_fields(tokens["refresh_token"]))
    assert status == 200
    assert (await parqex_call(http, simulator, PARQEX_SYNC_PATH, token=fresh["access_token"]))[
        0
    ] == 200
    clock.now += 10**9
    assert (await parqex_call(http, simulator, PARQEX_SYNC_PATH))[0] == 200
    # Unknown tokens, and tokens in another scheme, are no good either.
    assert (await parqex_call(http, simulator, PARQEX_SYNC_PATH, token="pqx_at_nope"))[0] == 401
    assert simulator.state.parqex_user(f"Token {fresh['access_token']}") is None


async def test_user_info_is_the_tokens_user(simulator: Simulator, http: ClientSession) -> None:
    status, info = await parqex_call(http, simulator, PARQEX_USER_INFO_PATH)
    assert status == 200
    assert info["success"] is True
    assert time.strptime(info["timestamp"], "%Y-%m-%d %H:%M:%S")
    assert info["data"] == DEFAULT_PARQEX_USER
    assert DEFAULT_PARQEX_USER == {
        "id": "5f2b9c1e7a3d4e6f8091a2b3c4d5e6f7",
        "first_name": "Pat",
        "last_name": "Garage",
    }
    pat = await sign_in_tokens(http, simulator)
    # Another account signs in.
    status, _ = await control(
        http, simulator, "POST", "/parqex/settings", {"authorizing_user": GUEST_PARQEX_USER["id"]}
    )
    assert status == 200
    _, page, _ = await authorize(http, simulator)
    assert "Alex Guest" in page
    alex = await sign_in_tokens(http, simulator)
    for tokens, user in ((pat, DEFAULT_PARQEX_USER), (alex, GUEST_PARQEX_USER)):
        status, info = await parqex_call(
            http, simulator, PARQEX_USER_INFO_PATH, token=tokens["access_token"]
        )
        assert (status, info["data"]) == (200, user)
        # Refreshed tokens stay the same user's.
        _, refreshed = await token_call(http, simulator, refresh_fields(tokens["refresh_token"]))
        _, info = await parqex_call(
            http, simulator, PARQEX_USER_INFO_PATH, token=refreshed["access_token"]
        )
        assert info["data"] == user
    # Both see the same doors.
    _, pat_sync = await parqex_call(http, simulator, PARQEX_SYNC_PATH, token=pat["access_token"])
    _, alex_sync = await parqex_call(http, simulator, PARQEX_SYNC_PATH, token=alex["access_token"])
    assert pat_sync == alex_sync
    assert GUEST_PARQEX_USER["id"] != DEFAULT_PARQEX_USER["id"]
    assert len(GUEST_PARQEX_USER["id"]) == 32


@pytest.mark.parametrize(
    "missing", ["Accept", "Accept-Encoding", "Accept-Charset", "Authorization", "Content-Type"]
)
@pytest.mark.parametrize("path", [PARQEX_USER_INFO_PATH, PLURAL_TOGGLE])
async def test_user_info_and_toggle_need_the_five_headers(
    simulator: Simulator, http: ClientSession, missing: str, path: str
) -> None:
    body = {"door_id": KITTY, "door_state": "CLOSED"} if path == PLURAL_TOGGLE else None
    assert await parqex_call(http, simulator, path, body=body, drop=missing) == (
        401,
        {"error": "Invalid Access Token"},
    )
    assert simulator.state.toggles == []


async def test_user_info_and_toggle_answer_gzip(simulator: Simulator, http: ClientSession) -> None:
    for path, body in (
        (PARQEX_USER_INFO_PATH, None),
        (PLURAL_TOGGLE, {"door_id": KITTY, "door_state": "CLOSED"}),
    ):
        async with http.request(
            "GET" if body is None else "POST",
            simulator.url + path,
            json=body,
            headers=PARQEX_HEADERS,
            auto_decompress=False,
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Encoding"] == "gzip"
            assert orjson.loads(gzip.decompress(await response.read()))["success"] is True


async def test_the_toggle_path_is_plural_or_singular(
    simulator: Simulator, http: ClientSession
) -> None:
    body = {"door_id": KITTY, "door_state": "CLOSED"}
    status, answer = await toggle(http, simulator, body)
    assert (status, answer["success"], answer["message"]) == (200, True, TOGGLE_ACCEPTED)
    assert isinstance(answer["timestamp"], int)
    status, text = await toggle(http, simulator, body, path=SINGULAR_TOGGLE)
    assert (status, text) == (404, "404: Not Found")

    assert (
        await control(http, simulator, "POST", "/parqex/settings", {"toggle_path": "singular"})
    )[1]["toggle_path"] == "singular"
    assert (await toggle(http, simulator, body, path=PLURAL_TOGGLE))[0] == 404
    status, answer = await toggle(http, simulator, body, path=SINGULAR_TOGGLE)
    assert (status, answer["message"]) == (200, TOGGLE_ACCEPTED)
    # A 404 is checked before the token: the route is not there at all.
    assert (await toggle(http, simulator, body, path=PLURAL_TOGGLE, token="bad"))[0] == 404
    assert [toggle.door_id for toggle in simulator.state.toggles] == [KITTY, KITTY]
    # Only POST.
    async with http.get(simulator.url + PLURAL_TOGGLE, headers=PARQEX_HEADERS) as response:
        assert response.status == 405


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", TOGGLE_MALFORMED),
        (b"", TOGGLE_MALFORMED),
        ([KITTY, "OPEN"], TOGGLE_MALFORMED),
        ({"door_state": "OPEN"}, TOGGLE_MALFORMED),
        ({"door_id": KITTY}, TOGGLE_MALFORMED),
        ({"door_id": "", "door_state": "OPEN"}, TOGGLE_MALFORMED),
        ({"door_id": 7, "door_state": "OPEN"}, TOGGLE_MALFORMED),
        ({"door_id": KITTY, "door_state": "open"}, TOGGLE_MALFORMED),
        ({"door_id": KITTY, "door_state": "AJAR"}, TOGGLE_MALFORMED),
        ({"door_id": "0" * 32, "door_state": "OPEN"}, TOGGLE_NOT_FOUND),
    ],
)
async def test_refused_toggles_still_say_success(
    simulator: Simulator, http: ClientSession, body: Any, message: str
) -> None:
    status, answer = await toggle(http, simulator, body)
    assert (status, answer["success"], answer["message"]) == (200, True, message)
    assert simulator.state.toggles == []


async def test_toggle_messages_are_the_documented_ones() -> None:
    assert (
        TOGGLE_MALFORMED == "Error communicating with ParqEx Controller. Malformed Request. (400)"
    )
    assert TOGGLE_NOT_FOUND == (
        "Sorry, your ParqEx Controller can't be found. "
        "Please unplug the ParqEx Controller and then plug it back in."
    )
    assert TOGGLE_FAILURES == {
        "400": TOGGLE_MALFORMED,
        "401": "Error communicating with ParqEx Controller. Authentication error. (401)",
        "428": "Your ParqEx Controller requires pairing a door sensor before the request can be "
        "processed. (428)",
        "501": "Error communicating with ParqEx Controller. Not Implemented error. (501)",
        "not_found": TOGGLE_NOT_FOUND,
    }


@pytest.mark.parametrize("failure", list(TOGGLE_FAILURES))
async def test_an_injected_toggle_failure_answers_every_toggle(
    simulator: Simulator, http: ClientSession, clock: Clock, failure: str
) -> None:
    status, settings = await control(
        http, simulator, "POST", "/parqex/settings", {"toggle_failure": failure}
    )
    assert (status, settings["toggle_failure"]) == (200, failure)
    for body in ({"door_id": KITTY, "door_state": "CLOSED"}, {"door_id": LAST_DOOR}):
        status, answer = await toggle(http, simulator, body)
        assert (status, answer["success"], answer["message"]) == (
            200,
            True,
            TOGGLE_FAILURES[failure],
        )
    clock.now += 60
    assert door_state(simulator)[0] == "OPEN"
    assert simulator.state.toggles == []
    # Until cleared.
    await control(http, simulator, "POST", "/parqex/settings", {"toggle_failure": None})
    status, answer = await toggle(http, simulator, {"door_id": KITTY, "door_state": "CLOSED"})
    assert answer["message"] == TOGGLE_ACCEPTED


async def test_a_door_moves_after_the_travel_time(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    assert simulator.state.travel_time == DEFAULT_TRAVEL_TIME == 5.0
    before = door_state(simulator)
    assert before[0] == "OPEN"
    token = (await sign_in_tokens(http, simulator))["access_token"]
    status, answer = await toggle(
        http, simulator, {"door_id": KITTY, "door_state": "CLOSED"}, token=token
    )
    assert (status, answer["message"]) == (200, TOGGLE_ACCEPTED)
    (record,) = simulator.state.toggles
    assert (record.door_id, record.door_state, record.user_id) == (
        KITTY,
        "CLOSED",
        DEFAULT_PARQEX_USER["id"],
    )
    assert record.as_json()["status"] == "moving"
    clock.now += 4.9
    assert door_state(simulator) == before
    clock.now += 0.1
    _, synced = await parqex_call(http, simulator, PARQEX_SYNC_PATH)
    kitty = synced["devices"][0]["doors"][0]
    assert kitty["state"] == "CLOSED"
    assert kitty["last_toggled"] == time.strftime(
        "%Y-%m-%d %H:%M:%S", time.gmtime(record.time + 5.0)
    )
    assert kitty["last_toggled"] != before[1]
    assert record.as_json() == {
        "door_id": KITTY,
        "door_state": "CLOSED",
        "user_id": DEFAULT_PARQEX_USER["id"],
        "toggle_date_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(record.time)),
        "status": "done",
        "stuck": False,
    }
    # Asking for the state the door is in is accepted and changes nothing.
    simulator.state.update_door(KITTY, {"last_toggled": "2020-12-18 18:32:25"})
    assert (await toggle(http, simulator, {"door_id": KITTY, "door_state": "CLOSED"}))[1][
        "message"
    ] == TOGGLE_ACCEPTED
    clock.now += 5
    assert door_state(simulator) == ("CLOSED", "2020-12-18 18:32:25")
    assert len(simulator.state.toggles) == 2
    # With no travel time the door is there at once.
    await control(http, simulator, "POST", "/parqex/settings", {"travel_time": 0})
    await toggle(http, simulator, {"door_id": KITTY, "door_state": "OPEN"})
    assert door_state(simulator)[0] == "OPEN"


async def test_toggles_settle_in_the_order_the_doors_get_there(
    simulator: Simulator, clock: Clock
) -> None:
    state = simulator.state
    user = DEFAULT_PARQEX_USER["id"]
    state.travel_time = 10
    assert state.toggle(user, {"door_id": KITTY, "door_state": "CLOSED"}) == TOGGLE_ACCEPTED
    state.travel_time = 2
    clock.now += 1
    assert state.toggle(user, {"door_id": KITTY, "door_state": "OPEN"}) == TOGGLE_ACCEPTED
    assert state.toggle(user, {"door_id": LAST_DOOR, "door_state": "CLOSED"}) == TOGGLE_ACCEPTED
    # The second toggle gets there first; the first one closes the door last.
    clock.now += 2
    assert [t.door_id for t in state.settle_toggles()] == [KITTY, LAST_DOOR]
    assert door_state(simulator)[0] == "OPEN"
    assert door_state(simulator, LAST_DOOR)[0] == "CLOSED"
    clock.now += 7
    assert door_state(simulator)[0] == "CLOSED"
    assert state.settle_toggles() == []
    # A door taken off while moving is skipped.
    state.toggle(user, {"door_id": LAST_DOOR, "door_state": "OPEN"})
    state.remove_door(LAST_DOOR)
    clock.now += 2
    (settled,) = state.settle_toggles()
    assert settled.done


async def test_a_stuck_door_never_gets_there(
    simulator: Simulator, http: ClientSession, clock: Clock
) -> None:
    status, settings = await control(
        http, simulator, "POST", "/parqex/settings", {"door_stuck": True}
    )
    assert (status, settings["door_stuck"]) == (200, True)
    _, answer = await toggle(http, simulator, {"door_id": KITTY, "door_state": "CLOSED"})
    assert answer["message"] == TOGGLE_ACCEPTED
    clock.now += 10**6
    assert door_state(simulator)[0] == "OPEN"
    _, toggles = await control(http, simulator, "GET", "/parqex/toggles")
    assert [(t["status"], t["stuck"]) for t in toggles] == [("moving", True)]
    # Freed, the next toggle goes through; the stuck one stays stuck.
    await control(http, simulator, "POST", "/parqex/settings", {"door_stuck": False})
    await toggle(http, simulator, {"door_id": KITTY, "door_state": "CLOSED"})
    clock.now += 5
    assert door_state(simulator)[0] == "CLOSED"
    assert [t.done for t in simulator.state.toggles] == [False, True]


async def test_parqex_settings_are_checked_shown_and_reset(
    simulator: Simulator, http: ClientSession
) -> None:
    defaults = {
        "token_lifetime": 3600,
        "travel_time": 5.0,
        "toggle_failure": None,
        "toggle_path": "plural",
        "door_stuck": False,
        "authorizing_user": DEFAULT_PARQEX_USER["id"],
    }
    assert await control(http, simulator, "GET", "/parqex/settings") == (200, defaults)
    changed = {
        "token_lifetime": 120,
        "travel_time": 1.5,
        "toggle_failure": "428",
        "toggle_path": "singular",
        "door_stuck": True,
        "authorizing_user": GUEST_PARQEX_USER["id"],
    }
    assert await control(http, simulator, "POST", "/parqex/settings", changed) == (200, changed)
    for bad in (
        {"token_lifetime": -1},
        {"token_lifetime": 1.5},
        {"token_lifetime": True},
        {"travel_time": "5"},
        {"travel_time": -0.1},
        {"toggle_failure": "500"},
        {"toggle_path": "both"},
        {"door_stuck": "yes"},
        {"authorizing_user": "nobody"},
        {"tokens": 1},
        # Nothing is applied when any value is wrong.
        {"travel_time": 9, "toggle_path": "both"},
    ):
        status, error = await control(http, simulator, "POST", "/parqex/settings", bad)
        assert status == 404, bad
        assert "error" in error
    assert (await control(http, simulator, "POST", "/parqex/settings", ["x"]))[0] == 404
    assert simulator.state.parqex_settings() == changed
    simulator.state.toggle(GUEST_PARQEX_USER["id"], {"door_id": KITTY, "door_state": "CLOSED"})
    simulator.state.issue_tokens(GUEST_PARQEX_USER["id"])
    _, snapshot = await control(http, simulator, "GET", "/state")
    assert snapshot["parqex_settings"] == changed
    assert snapshot["parqex_users"] == [DEFAULT_PARQEX_USER, GUEST_PARQEX_USER]
    assert snapshot["parqex_oauth"] == {
        "clients": [
            {
                "client_id": DEFAULT_PARQEX_CLIENT_ID,
                "redirect_uris": [HA_REDIRECT, "https://my.home-assistant.io/redirect/oauth"],
                "local_redirects": True,
            }
        ],
        "codes": 0,
        "access_tokens": 1,
        "refresh_tokens": 1,
        "token_requests": {"authorization_code": 0, "refresh_token": 0},
    }
    # The failure was set: nothing recorded.
    assert snapshot["parqex_toggles"] == []
    await control(http, simulator, "POST", "/reset")
    assert simulator.state.parqex_settings() == defaults
    assert simulator.state.access_tokens == {}
    assert simulator.state.refresh_tokens == {}


async def test_oauth_clients_and_redirect_urls_are_added(
    simulator: Simulator, http: ClientSession
) -> None:
    status, client = await control(
        http,
        simulator,
        "POST",
        "/parqex/oauth/clients",
        {"client_id": "partner", "client_secret": "partner-secret"},
    )
    assert (status, client) == (
        200,
        {"client_id": "partner", "redirect_uris": [], "local_redirects": False},
    )
    partner = {"client_id": "partner"}
    local = "http://127.0.0.1:8123/auth/external/callback"
    # No local Home Assistant unless asked for.
    assert (await authorize(http, simulator, **partner, redirect_uri=local))[0] == 400
    status, client = await control(
        http,
        simulator,
        "POST",
        "/parqex/oauth/clients/partner/redirect_uris",
        {"redirect_uri": "https://ha.example.net/auth/external/callback"},
    )
    assert client["redirect_uris"] == ["https://ha.example.net/auth/external/callback"]
    # Adding it twice keeps one.
    await control(
        http,
        simulator,
        "POST",
        "/parqex/oauth/clients/partner/redirect_uris",
        {"redirect_uri": "https://ha.example.net/auth/external/callback"},
    )
    status, _, location = await authorize(
        http,
        simulator,
        **partner,
        redirect_uri="https://ha.example.net/auth/external/callback",
        approve="yes",
    )
    assert status == 302
    assert location is not None
    code = parse_qs(urlsplit(location).query)["code"][0]
    fields = code_fields(
        code,
        client_id="partner",
        client_secret="partner-secret",
        redirect_uri="https://ha.example.net/auth/external/callback",
    )
    assert (await token_call(http, simulator, fields))[0] == 200
    # The seeded client can get more redirect URLs too.
    await control(
        http,
        simulator,
        "POST",
        f"/parqex/oauth/clients/{DEFAULT_PARQEX_CLIENT_ID}/redirect_uris",
        {"redirect_uri": "https://other.example/cb"},
    )
    assert (await authorize(http, simulator, redirect_uri="https://other.example/cb"))[0] == 200
    for path, body in (
        ("/parqex/oauth/clients", {"client_id": "", "client_secret": "s"}),
        ("/parqex/oauth/clients", {"client_id": "c"}),
        ("/parqex/oauth/clients", {"client_id": "c", "client_secret": "s", "redirect_uris": "x"}),
        ("/parqex/oauth/clients", {"client_id": "c", "client_secret": "s", "local_redirects": 1}),
        ("/parqex/oauth/clients/nope/redirect_uris", {"redirect_uri": "https://x.example/cb"}),
        ("/parqex/oauth/clients/partner/redirect_uris", {"redirect_uri": 5}),
    ):
        status, error = await control(http, simulator, "POST", path, body)
        assert status == 404, body
        assert "error" in error
    await control(http, simulator, "POST", "/reset")
    assert list(simulator.state.oauth_clients) == [DEFAULT_PARQEX_CLIENT_ID]


async def test_tokens_are_minted_expired_and_revoked_by_control(
    simulator: Simulator, http: ClientSession
) -> None:
    status, minted = await control(
        http, simulator, "POST", "/parqex/oauth/tokens", {"user_id": GUEST_PARQEX_USER["id"]}
    )
    assert status == 200
    assert minted["expires_in"] == 3600
    _, info = await parqex_call(
        http, simulator, PARQEX_USER_INFO_PATH, token=minted["access_token"]
    )
    assert info["data"] == GUEST_PARQEX_USER
    _, default = await control(http, simulator, "POST", "/parqex/oauth/tokens")
    assert (
        simulator.state.access_tokens[default["access_token"]].user_id
        == (DEFAULT_PARQEX_USER["id"])
    )
    for bad in ({"user_id": "nobody"}, {"client_id": "nobody"}):
        assert (await control(http, simulator, "POST", "/parqex/oauth/tokens", bad))[0] == 404
    # Expired: access tokens are refused, refresh tokens still work.
    assert await control(http, simulator, "POST", "/parqex/oauth/expire") == (200, {"expired": 2})
    assert (await parqex_call(http, simulator, PARQEX_SYNC_PATH, token=minted["access_token"]))[
        0
    ] == 401
    status, refreshed = await token_call(http, simulator, refresh_fields(minted["refresh_token"]))
    assert status == 200
    # Revoked: nothing issued works any more; the static token does.
    code = await sign_in(http, simulator)
    assert await control(http, simulator, "DELETE", "/parqex/oauth/tokens") == (200, {"ok": True})
    assert (await parqex_call(http, simulator, PARQEX_SYNC_PATH, token=refreshed["access_token"]))[
        0
    ] == 401
    assert (await token_call(http, simulator, refresh_fields(refreshed["refresh_token"])))[0] == 400
    assert (await token_call(http, simulator, code_fields(code)))[0] == 400
    assert (await parqex_call(http, simulator, PARQEX_SYNC_PATH))[0] == 200


async def test_the_request_log_masks_oauth_secrets(
    simulator: Simulator, http: ClientSession
) -> None:
    code = await sign_in(http, simulator)
    await token_call(http, simulator, code_fields(code))
    tokens = await sign_in_tokens(http, simulator)
    await token_call(http, simulator, refresh_fields(tokens["refresh_token"]), method="POST")
    _, logged = await control(http, simulator, "GET", "/requests")
    assert [(r["method"], r["path"], r["status"]) for r in logged] == [
        ("GET", PARQEX_AUTHORIZE_PATH, 302),
        ("GET", PARQEX_TOKEN_PATH, 200),
        ("GET", PARQEX_AUTHORIZE_PATH, 302),
        ("GET", PARQEX_TOKEN_PATH, 200),
        ("POST", PARQEX_TOKEN_PATH, 200),
    ]
    assert all(r["service"] == "parqex" for r in logged)
    assert logged[0]["query"]["state"] == STATE
    assert logged[1]["query"] == {
        "client_id": DEFAULT_PARQEX_CLIENT_ID,
        "client_secret": "***",
        "grant_type": "authorization_code",
        "code": "***",
        "redirect_uri": HA_REDIRECT,
    }
    assert logged[4]["query"] == {}  # a form body is not logged
    text = str(logged)
    for secret in (DEFAULT_PARQEX_CLIENT_SECRET, code, tokens["refresh_token"]):
        assert secret not in text
    assert mask_query({"access_token": "a", "refresh_token": "b", "x": "c"}) == {
        "access_token": "***",
        "refresh_token": "***",
        "x": "c",
    }


@pytest.mark.parametrize(
    ("path", "method"),
    [
        (PARQEX_TOKEN_PATH, "POST"),
        (PARQEX_AUTHORIZE_PATH, "GET"),
        (PARQEX_USER_INFO_PATH, "GET"),
        (PLURAL_TOGGLE, "POST"),
    ],
)
async def test_faults_and_the_budget_apply_to_the_new_routes(
    simulator: Simulator, http: ClientSession, path: str, method: str
) -> None:
    simulator.fault(service="parqex", path=path, status=503, body='{"error": "down"}')
    async with http.request(method, simulator.url + path, headers=PARQEX_HEADERS) as response:
        assert response.status == 503
    (logged,) = simulator.state.requests
    assert (logged.path, logged.status, logged.fault) == (path, 503, "status")
    simulator.state.request_budget = 0
    async with http.request(method, simulator.url + path, headers=PARQEX_HEADERS) as response:
        assert response.status == 503
        assert await response.text() == "simulator request budget exhausted"


def test_cli_sets_token_lifetime_and_travel_time() -> None:
    args = parse_args(["--token-lifetime", "90", "--travel-time", "0.5"])
    assert (args.token_lifetime, args.travel_time) == (90, 0.5)
    defaults = parse_args([])
    assert (defaults.token_lifetime, defaults.travel_time) == (3600, 5.0)
    for bad in (["--token-lifetime", "-1"], ["--travel-time", "-2"], ["--travel-time", "nan"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


async def test_cli_serves_the_settings(http: ClientSession, unused_tcp_port: int) -> None:
    args = parse_args(["--port", str(unused_tcp_port), "--token-lifetime", "90"])
    task = asyncio.create_task(serve(args))
    try:
        for _ in range(300):
            try:
                async with http.get(
                    f"http://127.0.0.1:{unused_tcp_port}/_simulator/parqex/settings"
                ) as r:
                    assert (await r.json())["token_lifetime"] == 90
                    break
            except ClientConnectorError:
                await asyncio.sleep(0.01)
        else:
            pytest.fail("the simulator did not start")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def test_help_gives_every_option_a_description_and_its_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wide enough that no value is broken across lines.
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    # Joined back to one line per option, as argparse wraps long help.
    text = " ".join(capsys.readouterr().out.split())
    for option, default in (
        ("--host", "127.0.0.1"),
        ("--port", "8300"),
        ("--parqex-token", DEFAULT_PARQEX_TOKEN),
        ("--seam-api-key", DEFAULT_SEAM_API_KEY),
        ("--user-identity-id", DEFAULT_USER_IDENTITY_ID),
        ("--doors", "3"),
        ("--action-delay", "1.0"),
        ("--token-lifetime", str(DEFAULT_TOKEN_LIFETIME)),
        ("--travel-time", str(DEFAULT_TRAVEL_TIME)),
    ):
        assert option in text
        assert f"(default: {default})" in text, option
    for option in ("--controllers", "--devices", "--scenario"):
        assert option in text
    assert "default: None" not in text
    assert "parqex-dev-client" in text
