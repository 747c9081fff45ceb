"""A slow background story for the development setup.

Doors move (from the app, by Pat or Jamie, or by the wall button), locks turn, rooms warm and
cool, a party gets loud now and then, batteries drain.
"""

from __future__ import annotations

import asyncio
import random

from .parqex_history import CHANNEL_APP, CHANNEL_SENSOR, CHANNEL_WEB
from .seeds import DEFAULT_PARQEX_USER, FAMILY_PARQEX_USER, Json
from .state import SimulatorState


def _someone_operates(state: SimulatorState, door: Json, rng: random.Random) -> str:
    """Someone at home opens or closes a door by the wall button, or from the app or the web."""
    who = rng.random()
    if who < 0.4:
        body: Json = {"channel": CHANNEL_SENSOR}
    else:
        user = FAMILY_PARQEX_USER if who < 0.7 else DEFAULT_PARQEX_USER
        body = {"channel": rng.choice((CHANNEL_APP, CHANNEL_WEB)), "user_id": user["id"]}
    event = state.operate_door(door["id"], body)
    by = f"{event['user']['first_name']} {event['user']['last_name']}"
    failed = "" if event["was_success"] else ", failed"
    return (
        f"door {event['door_name'].strip()} -> {event['door_state']} "
        f"({event['channel']}, {by}{failed})"
    )


def scenario_step(state: SimulatorState, rng: random.Random) -> str:
    """Make one change a household would make; return what changed, for the log."""
    doors = [door for controller in state.controllers.values() for door in controller["doors"]]
    locks = [
        device
        for device in state.devices.values()
        if "locked" in device.get("properties", {}) and device["properties"].get("online", True)
    ]
    online = [device for device in state.devices.values() if device["properties"].get("online")]
    thermostats = [d for d in online if "thermostat" in d.get("capabilities_supported", ())]
    noise_sensors = [d for d in online if "noise_detection" in d.get("capabilities_supported", ())]
    choice = rng.random()
    if doors and choice < 0.35:
        return _someone_operates(state, rng.choice(doors), rng)
    if locks and choice < 0.65:
        lock = rng.choice(locks)
        locked = not lock["properties"]["locked"]
        changes: dict[str, object] = {"locked": locked}
        if "door_open" in lock["properties"]:
            changes["door_open"] = False if locked else rng.random() < 0.5
        state.update_device(lock["device_id"], {"properties": changes})
        return f"lock {lock['display_name']} -> {'locked' if locked else 'unlocked'}"
    if thermostats and choice < 0.8:
        thermostat = rng.choice(thermostats)
        room = thermostat["properties"]["temperature_celsius"] + rng.choice((-0.3, 0.3))
        state.update_device(
            thermostat["device_id"], {"properties": {"temperature_celsius": round(room, 1)}}
        )
        return f"thermostat {thermostat['display_name']} room -> {room:.1f} °C"
    if noise_sensors and choice < 0.95:
        sensor = rng.choice(noise_sensors)
        # Mostly a quiet room; one time in five a party loud enough for any threshold.
        level = round(rng.uniform(85, 95) if rng.random() < 0.2 else rng.uniform(35, 50), 1)
        state.update_device(sensor["device_id"], {"properties": {"noise_level_decibels": level}})
        return f"noise sensor {sensor['display_name']} -> {level} dB"
    sensors = [door for door in doors if door.get("bluetooth_sensor")]
    if sensors:
        door = rng.choice(sensors)
        level = max(5, int(door.get("bluetooth_sensor_battery_level") or 100) - 1)
        state.update_door(door["id"], {"bluetooth_sensor_battery_level": level})
        return f"door sensor {door.get('name', '').strip()} battery -> {level}%"
    return "nothing"


async def run_scenario(state: SimulatorState, interval: float, seed: int | None = None) -> None:
    """Apply a scenario step every `interval` seconds until cancelled."""
    rng = random.Random(seed)
    while True:
        await asyncio.sleep(interval)
        print(f"simulator scenario: {scenario_step(state, rng)}", flush=True)
