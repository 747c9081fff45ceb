"""The simulator's control API, CLI and scenario, as tests, develop and the bench use them."""

from __future__ import annotations

import asyncio
import gzip
import random
import struct
from typing import Any
from urllib.parse import quote
import zlib

from aiohttp import ClientConnectorError, ClientPayloadError, ClientSession
import orjson
import pytest

from simulator.__main__ import parse_args, serve
from simulator.app import HUGE_HEAD, HUGE_TAIL, PARQEX_SYNC_PATH, gzip_bomb
from simulator.scenario import run_scenario, scenario_step
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID
from simulator.state import (
    BOMB_ANSWER_BYTES,
    HUGE_ANSWER_BYTES,
    NESTING_DEPTH,
    SimulatorState,
    mask_headers,
)
from tests.conftest import Simulator

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
SEAM_HEADERS = {"Authorization": f"Bearer {DEFAULT_SEAM_API_KEY}"}


async def control(
    http: ClientSession, simulator: Simulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, f"{simulator.url}/_simulator{path}", json=body) as response:
        return response.status, await response.json()


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
    assert len(simulator.state.devices) == 5


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


def test_scenario_changes_doors_locks_and_batteries() -> None:
    state = SimulatorState()
    rng = random.Random(3)  # noqa: S311 (reproducible)
    changes = [scenario_step(state, rng) for _ in range(60)]
    assert any(change.startswith("door ") for change in changes)
    assert any(change.startswith("lock ") for change in changes)
    assert any("battery" in change for change in changes)
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
    assert len(orjson.loads(seam_body)["devices"]) == 5
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
        assert len((await response.json())["devices"]) == 5


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
