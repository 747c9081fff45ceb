"""The webhook events the simulator delivers, against `components.schemas.event` of the spec.

Each row makes something happen the way a test or a developer would (the simulator's control
API, or a command through our real client), waits for every delivery it caused, and checks
each delivered event with the spec. The row names the event types it must cause, so a row
that stops causing them fails rather than passing with nothing checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import ClientSession
import pytest

from custom_components.parqex.api.errors import ActionAttemptFailedError
from custom_components.parqex.api.seam.client import SeamClient

from .endpoints import CONFIRM_TIMEOUT
from .openapi import OpenApiSpec
from .recording import EventSink, RecordingSimulator

pytestmark = [pytest.mark.fake_seam, pytest.mark.timeout(60)]

ACCESS_CODE_ID: Final = "5d1f8a3c-2b4e-4c6d-8e9f-0a1b2c3d4e5f"
# Louder than any noise threshold a sensor could have.
LOUD_DECIBELS: Final = 130.0


@dataclass(frozen=True, slots=True)
class World:
    """The running simulator, reached through its control API and through our client."""

    simulator: RecordingSimulator
    http: ClientSession
    client: SeamClient

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        """A control API request; fails the test unless the simulator accepts it."""
        url = f"{self.simulator.url}/_simulator{path}"
        async with self.http.request(method, url, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def change(self, device_id: str, changes: dict[str, Any]) -> None:
        """Change a device as if from the outside (at the door, at the wall)."""
        await self.control("POST", f"/seam/devices/{device_id}", changes)

    def device(self, capability: str, **properties: Any) -> dict[str, Any]:
        """The first device with the capability whose properties have these values."""
        for device in self.simulator.state.devices.values():
            held = device.get("properties", {})
            if capability in device.get("capabilities_supported", []) and all(
                held.get(key) == value for key, value in properties.items()
            ):
                return device
        raise AssertionError(f"the simulator holds no {capability} device with {properties}")


async def lock_moved_at_the_door(world: World) -> None:
    lock = world.device("lock", locked=True)
    await world.change(
        lock["device_id"], {"properties": {"locked": False}, "event": {"method": "manual"}}
    )
    await world.change(
        lock["device_id"],
        {
            "properties": {"locked": True},
            "event": {"method": "keycode", "access_code_id": ACCESS_CODE_ID},
        },
    )


async def lock_commands_through_seam(world: World) -> None:
    lock = world.device("lock", locked=True)
    await world.client.async_set_locked(lock["device_id"], False, timeout=CONFIRM_TIMEOUT)
    await world.client.async_set_locked(lock["device_id"], True, timeout=CONFIRM_TIMEOUT)


async def lock_command_that_fails(world: World) -> None:
    lock = world.device("lock", locked=True)
    await world.control("POST", "/seam/actions", {"outcome": "error", "delay": 0.05})
    with pytest.raises(ActionAttemptFailedError):
        await world.client.async_set_locked(lock["device_id"], False, timeout=CONFIRM_TIMEOUT)


async def device_offline_and_back(world: World) -> None:
    device = world.device("lock", online=True)
    await world.change(device["device_id"], {"properties": {"online": False}})
    await world.change(device["device_id"], {"properties": {"online": True}})


async def battery_runs_low(world: World) -> None:
    device = world.device("lock")
    await world.change(device["device_id"], {"properties": {"battery_level": 0.07}})


async def device_removed(world: World) -> None:
    await world.control("DELETE", f"/seam/devices/{world.device('lock')['device_id']}")


async def thermostat_commands_through_seam(world: World) -> None:
    thermostat = world.device("thermostat")
    device_id = thermostat["device_id"]
    client = world.client
    await client.async_confirmed(client.async_thermostat_heat(device_id, 21.0))
    await client.async_confirmed(client.async_thermostat_set_fan_mode(device_id, "on"))
    await client.async_confirmed(client.async_thermostat_off(device_id))
    presets = [
        d
        for d in world.simulator.state.devices.values()
        if d.get("properties", {}).get("available_climate_presets")
    ]
    assert presets, "the simulator holds no thermostat with climate presets"
    key = presets[0]["properties"]["available_climate_presets"][0]["climate_preset_key"]
    await client.async_confirmed(
        client.async_thermostat_activate_climate_preset(presets[0]["device_id"], key)
    )


async def thermostat_changed_at_the_wall(world: World) -> None:
    thermostat = world.device("thermostat", is_heating=True)
    set_point = thermostat["properties"]["current_climate_setting"]["heating_set_point_celsius"]
    await world.change(
        thermostat["device_id"],
        {"properties": {"current_climate_setting": {"heating_set_point_celsius": set_point + 1}}},
    )
    # Warmer than the new set point: the room reached it, and the heating stops.
    await world.change(
        thermostat["device_id"], {"properties": {"temperature_celsius": set_point + 2}}
    )


async def noise_over_a_threshold(world: World) -> None:
    sensor = world.device("noise_detection")
    await world.change(sensor["device_id"], {"properties": {"noise_level_decibels": LOUD_DECIBELS}})


type Trigger = Callable[[World], Awaitable[None]]

# What happens, and the event types it must cause (it may cause others; all are checked).
TRIGGERS: Final[dict[str, tuple[Trigger, frozenset[str]]]] = {
    "lock moved at the door": (
        lock_moved_at_the_door,
        frozenset({"lock.locked", "lock.unlocked"}),
    ),
    "lock commands through Seam": (
        lock_commands_through_seam,
        frozenset(
            {
                "lock.locked",
                "lock.unlocked",
                "action_attempt.lock_door.succeeded",
                "action_attempt.unlock_door.succeeded",
            }
        ),
    ),
    "lock command that fails": (
        lock_command_that_fails,
        frozenset({"action_attempt.unlock_door.failed"}),
    ),
    "device offline and back": (
        device_offline_and_back,
        frozenset({"device.disconnected", "device.connected"}),
    ),
    "battery runs low": (battery_runs_low, frozenset({"device.battery_status_changed"})),
    "device removed": (device_removed, frozenset({"device.removed"})),
    "thermostat commands through Seam": (
        thermostat_commands_through_seam,
        frozenset({"thermostat.manually_adjusted", "thermostat.climate_preset_activated"}),
    ),
    "thermostat changed at the wall": (
        thermostat_changed_at_the_wall,
        frozenset(
            {
                "thermostat.manually_adjusted",
                "thermostat.temperature_changed",
                "thermostat.temperature_reached_set_point",
            }
        ),
    ),
    "noise over a threshold": (
        noise_over_a_threshold,
        frozenset({"noise_sensor.noise_threshold_triggered"}),
    ),
}


@pytest.mark.parametrize("name", TRIGGERS)
async def test_delivered_events_match_the_spec(
    name: str,
    seam_spec: OpenApiSpec,
    recorded: RecordingSimulator,
    event_sink: EventSink,
    http: ClientSession,
) -> None:
    trigger, expected = TRIGGERS[name]
    await trigger(World(recorded, http, recorded.client(http)))
    events = await event_sink.settled()
    delivered = {event.get("event_type") for event in events if isinstance(event, dict)}
    assert expected <= delivered, f"missing {sorted(expected - delivered)}; got {delivered}"
    schema = seam_spec.component("event")
    # One line per distinct problem: the same event type delivered twice fails the same way.
    problems = list(
        dict.fromkeys(
            f"{event.get('event_type')} {line}"
            for event in events
            for line in seam_spec.problems(schema, event)
        )
    )
    assert problems == [], "\n".join(problems)
