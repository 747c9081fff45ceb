"""A slow background story for the development setup: doors move, locks turn, batteries drain."""

from __future__ import annotations

import asyncio
import random

from .state import SimulatorState


def scenario_step(state: SimulatorState, rng: random.Random) -> str:
    """Make one change a household would make; return what changed, for the log."""
    doors = [door for controller in state.controllers.values() for door in controller["doors"]]
    locks = [
        device
        for device in state.devices.values()
        if "locked" in device.get("properties", {}) and device["properties"].get("online", True)
    ]
    choice = rng.random()
    if doors and choice < 0.45:
        door = rng.choice(doors)
        new_state = "CLOSED" if door.get("state") == "OPEN" else "OPEN"
        state.update_door(door["id"], {"state": new_state})
        return f"door {door.get('name', '').strip()} -> {new_state}"
    if locks and choice < 0.85:
        lock = rng.choice(locks)
        locked = not lock["properties"]["locked"]
        changes: dict[str, object] = {"locked": locked}
        if "door_open" in lock["properties"]:
            changes["door_open"] = False if locked else rng.random() < 0.5
        state.update_device(lock["device_id"], {"properties": changes})
        return f"lock {lock['display_name']} -> {'locked' if locked else 'unlocked'}"
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
