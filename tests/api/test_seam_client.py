"""SeamClient against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession
import pytest

from custom_components.parqex.api import (
    ActionAttemptFailedError,
    ActionAttemptTimeoutError,
    ActionAttemptUnconfirmedError,
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    RateLimitError,
    RequestRejectedError,
    SeamClient,
    ServiceUnavailableError,
    async_confirm_action_attempt,
)
from simulator.seeds import DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID, seam_seed_devices
from tests.conftest import Simulator

FRONT_DOOR = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_DOOR = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
PADLOCK = "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503"
SIDE_DOOR = "e9f0a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a04"
THERMOSTAT = "054765c8-a2fc-4599-b486-14c19f462c45"


def client_for(simulator: Simulator, http: ClientSession) -> SeamClient:
    return SeamClient(http, DEFAULT_SEAM_API_KEY, base_url=simulator.url)


async def test_lists_devices_with_a_json_post(simulator: Simulator, http: ClientSession) -> None:
    devices = await client_for(simulator, http).async_list_accessible_devices(
        DEFAULT_USER_IDENTITY_ID
    )

    (logged,) = simulator.state.requests
    assert (logged.method, logged.path) == ("POST", "/user_identities/list_accessible_devices")
    assert logged.headers["Authorization"] == "Bearer ***"
    assert logged.headers["Content-Type"] == "application/json"
    assert devices.skipped == 0
    assert list(devices.devices) == [device["device_id"] for device in seam_seed_devices()]

    front = devices.devices[FRONT_DOOR]
    assert front.name == "Front Door"
    assert front.device_type == "schlage_lock"
    assert (front.locked, front.door_open, front.online) == (True, False, True)
    assert front.battery_level == 0.86
    assert front.battery_status == "good"
    assert (front.manufacturer, front.model) == ("Schlage", "Encode Plus")
    assert front.can_remotely_lock is front.can_remotely_unlock is True
    assert front.remotely_operable is True
    assert front.location_name == "Home"

    back = devices.devices[BACK_DOOR]
    assert back.door_open is None
    assert back.keypad_battery_level == 0.62
    assert back.battery_status == "low"

    assert devices.devices[PADLOCK].can_remotely_lock is False
    assert devices.devices[SIDE_DOOR].error_codes == frozenset({"device_offline"})
    thermostat = devices.devices[THERMOSTAT]
    assert thermostat.locked is None
    assert thermostat.battery_level is None
    assert thermostat.capabilities == ("thermostat",)


@pytest.mark.parametrize(
    "keys", [("accessible_devices",), ("devices", "accessible_devices")], ids=["legacy", "both"]
)
async def test_reads_the_legacy_key(
    simulator: Simulator, http: ClientSession, keys: tuple[str, ...]
) -> None:
    simulator.state.seam_device_keys = keys
    devices = await client_for(simulator, http).async_list_accessible_devices(
        DEFAULT_USER_IDENTITY_ID
    )
    assert len(devices.devices) == len(seam_seed_devices())


async def test_prefers_devices_over_the_deprecated_key(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(
        service="seam",
        status=200,
        body='{"devices": [], "accessible_devices": [{"device_id": "x"}], "ok": true}',
    )
    devices = await client_for(simulator, http).async_list_accessible_devices(
        DEFAULT_USER_IDENTITY_ID
    )
    assert devices.devices == {}


async def test_wrong_api_key(simulator: Simulator, http: ClientSession) -> None:
    client = SeamClient(http, "seam_wrong_key_123", base_url=simulator.url)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)
    assert "unauthorized" in str(caught.value)
    assert "seam_wrong_key_123" not in str(caught.value)
    assert "request id" in str(caught.value)


async def test_unknown_user_identity(simulator: Simulator, http: ClientSession) -> None:
    with pytest.raises(NotFoundError, match="user_identity_not_found"):
        await client_for(simulator, http).async_list_accessible_devices(
            "00000000-0000-4000-8000-000000000000"
        )


async def test_invalid_input(simulator: Simulator, http: ClientSession) -> None:
    with pytest.raises(RequestRejectedError) as caught:
        await client_for(simulator, http).async_list_accessible_devices("not-a-uuid")
    assert caught.value.error_type == "invalid_input"


async def test_server_errors(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="seam", status=503)
    with pytest.raises(ServiceUnavailableError):
        await client_for(simulator, http).async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)


async def test_wrong_top_level_shape(simulator: Simulator, http: ClientSession) -> None:
    simulator.fault(service="seam", mode="wrong_shape")
    with pytest.raises(InvalidResponseError):
        await client_for(simulator, http).async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)


async def test_lock_is_confirmed_after_the_delay(simulator: Simulator, http: ClientSession) -> None:
    simulator.state.action_settings.delay = 0.3
    client = client_for(simulator, http)

    attempt = await client.async_set_locked(BACK_DOOR, True)

    assert attempt.status == "success"
    assert attempt.action_type == "LOCK_DOOR"
    assert attempt.was_confirmed_by_device is True
    assert simulator.state.devices[BACK_DOOR]["properties"]["locked"] is True
    polls = [r for r in simulator.state.requests if r.path == "/action_attempts/get"]
    # Read every 0.25 s at first: the 0.3 s command is seen settled on the second read.
    assert len(polls) == 2


async def test_unlock_command_returns_a_pending_attempt(
    simulator: Simulator, http: ClientSession
) -> None:
    attempt = await client_for(simulator, http).async_unlock_door(FRONT_DOOR)
    assert attempt.status == "pending"
    assert attempt.action_type == "UNLOCK_DOOR"
    assert attempt.error_type is None


async def test_failed_command_carries_seams_message(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.state.action_settings.delay = 0
    simulator.state.action_settings.outcome = "error"
    simulator.state.action_settings.error_message = "Lock jammed"
    with pytest.raises(ActionAttemptFailedError, match="Lock jammed") as caught:
        await client_for(simulator, http).async_set_locked(FRONT_DOOR, False)
    assert caught.value.error_type == "uncategorized_error"
    assert simulator.state.devices[FRONT_DOOR]["properties"]["locked"] is True


async def test_unconfirmed_command_times_out(simulator: Simulator, http: ClientSession) -> None:
    simulator.state.action_settings.outcome = "pending"
    with pytest.raises(ActionAttemptTimeoutError):
        await client_for(simulator, http).async_set_locked(FRONT_DOOR, False, timeout=0.6)


async def test_confirmation_backs_off(
    simulator: Simulator, http: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulator.state.action_settings.outcome = "pending"
    client = client_for(simulator, http)
    attempt = await client.async_lock_door(FRONT_DOOR)
    asked: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float) -> None:
        # The transport yields to the loop (sleep(0)) between chunks of every answer.
        if delay:
            asked.append(delay)
        await real_sleep(delay)

    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    with pytest.raises(ActionAttemptTimeoutError):
        await async_confirm_action_attempt(
            client, attempt, timeout=0.7, first_delay=0.05, max_delay=0.2, fast_reads=2
        )
    assert asked[:4] == [0.05, 0.05, 0.1, 0.2]
    assert all(delay <= 0.2 for delay in asked)
    polls = [r for r in simulator.state.requests if r.path == "/action_attempts/get"]
    assert len(polls) == len(asked)


async def test_an_unknown_settled_status_is_a_failure(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(
        service="seam",
        path="/locks/lock_door",
        status=200,
        body='{"action_attempt": {"action_attempt_id": "a", "status": "cancelled"}, "ok": true}',
    )
    with pytest.raises(ActionAttemptFailedError, match="cancelled"):
        await client_for(simulator, http).async_set_locked(FRONT_DOOR, True)


@pytest.mark.parametrize(
    "body",
    [
        '{"ok": true}',
        '{"action_attempt": {"status": "pending"}, "ok": true}',
        '{"action_attempt": {"action_attempt_id": "a", "status": 3}, "ok": true}',
        "[]",
    ],
)
async def test_malformed_action_attempt(
    simulator: Simulator, http: ClientSession, body: str
) -> None:
    simulator.fault(service="seam", path="/locks/lock_door", status=200, body=body)
    with pytest.raises(InvalidResponseError):
        await client_for(simulator, http).async_lock_door(FRONT_DOOR)


async def test_unknown_device_command(simulator: Simulator, http: ClientSession) -> None:
    with pytest.raises(NotFoundError, match="device_not_found"):
        await client_for(simulator, http).async_lock_door("00000000-0000-4000-8000-000000000000")


async def test_commands_are_rate_limited_per_device(
    simulator: Simulator, http: ClientSession
) -> None:
    client = client_for(simulator, http)
    for _ in range(15):
        await client.async_lock_door(FRONT_DOOR)
    await client.async_unlock_door(FRONT_DOOR)
    await client.async_lock_door(BACK_DOOR)
    with pytest.raises(RateLimitError) as caught:
        await client.async_lock_door(FRONT_DOOR)
    assert caught.value.retry_after is None


async def test_lists_compare_by_value(simulator: Simulator, http: ClientSession) -> None:
    """The coordinator tells an unchanged answer by equality, so equality must mean it."""
    client = client_for(simulator, http)
    first = await client.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)
    again = await client.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)
    assert again == first
    assert again is not first
    simulator.state.update_device(FRONT_DOOR, {"properties": {"locked": False}})
    changed = await client.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)
    assert changed != first
    assert changed.devices[FRONT_DOOR].locked is False


def test_repr_hides_the_key(http: ClientSession) -> None:
    client = SeamClient(http, DEFAULT_SEAM_API_KEY)
    assert DEFAULT_SEAM_API_KEY not in repr(client)
    assert client.base_url == "https://connect.getseam.com"


async def test_reads_one_device(simulator: Simulator, http: ClientSession) -> None:
    simulator.state.update_device(FRONT_DOOR, {"properties": {"locked": False}})
    device = await client_for(simulator, http).async_get_device(FRONT_DOOR)
    assert (device.device_id, device.name, device.locked) == (FRONT_DOOR, "Front Door", False)
    assert simulator.state.requests[-1].path == "/devices/get"
    with pytest.raises(NotFoundError):
        await client_for(simulator, http).async_get_device("no-such-device")


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        ({"status": 429, "headers": {"Retry-After": "30"}}, RateLimitError),
        ({"status": 500}, ServiceUnavailableError),
        ({"mode": "disconnect"}, ServiceUnavailableError),
        ({"mode": "not_json"}, InvalidResponseError),
    ],
    ids=["429", "500", "dropped", "not_json"],
)
async def test_accepted_command_whose_outcome_cannot_be_read(
    simulator: Simulator, http: ClientSession, fault: dict[str, object], cause: type[Exception]
) -> None:
    """Once Seam accepted a command, a failed follow-up is not a failed command."""
    simulator.state.action_settings.delay = 0.05
    simulator.fault(service="seam", path="/action_attempts/get", **fault)
    with pytest.raises(ActionAttemptUnconfirmedError) as caught:
        await client_for(simulator, http).async_set_locked(FRONT_DOOR, False)
    assert isinstance(caught.value.__cause__, cause)
    assert "accepted" in str(caught.value)
    assert DEFAULT_SEAM_API_KEY not in str(caught.value)


async def test_refused_command_is_not_called_accepted(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(service="seam", path="/locks/unlock_door", status=500)
    with pytest.raises(ServiceUnavailableError):
        await client_for(simulator, http).async_set_locked(FRONT_DOOR, False)
