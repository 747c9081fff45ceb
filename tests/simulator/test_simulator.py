"""The simulator's control API, CLI and scenario, as tests, develop and the bench use them."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from aiohttp import ClientConnectorError, ClientSession
import pytest

from simulator.__main__ import parse_args, serve
from simulator.scenario import run_scenario, scenario_step
from simulator.state import SimulatorState, mask_headers
from tests.conftest import Simulator

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
FIRST = "9d9e5e0e093a06d5f16e1116d108d0c7"
FRONT_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"


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
