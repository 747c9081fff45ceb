"""A bounded soak: 500 polls of both services with random faults and changes, time frozen."""

from __future__ import annotations

import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import DOMAIN
from custom_components.parqex.coordinator import entry_scope
from custom_components.parqex.entity import entity_unique_id
from simulator.scenario import scenario_step
from tests.conftest import Simulator, poll, setup

from .matrix import LIST_PATHS

POLLS = 500
# Credentials refused stop polling until the user signs in again; the fault matrix covers
# that path, so the soak throws every other fault.
FAULTS: list[dict[str, Any]] = [
    {"status": 500},
    {"status": 502},
    {"status": 503},
    {"status": 429},
    {"status": 429, "headers": {"Retry-After": "45"}},
    {"mode": "not_json"},
    {"mode": "truncated"},
    {"mode": "wrong_shape"},
    {"mode": "disconnect"},
]


def polls_so_far(simulator: Simulator) -> int:
    return sum(1 for r in simulator.state.requests if r.path in LIST_PATHS.values())


def churn(simulator: Simulator, rng: random.Random, step: int) -> None:
    """Add a door or a lock now and then, and take earlier additions away again."""
    state = simulator.state
    if rng.random() < 0.5:
        controller = rng.choice(list(state.controllers))
        state.add_door(
            controller,
            {"id": f"soak{step}", "name": f"Soak {step}", "state": "CLOSED", "active": True},
        )
    else:
        state.add_device(
            {
                "device_id": f"00000000-0000-4000-8000-{step:012d}",
                "display_name": f"Soak lock {step}",
                "properties": {"online": True, "locked": True},
                "capabilities_supported": ["lock"],
            }
        )
    added_doors = [
        door["id"]
        for controller in state.controllers.values()
        for door in controller["doors"]
        if door["id"].startswith("soak")
    ]
    if len(added_doors) > 3:
        state.remove_door(added_doors[0])
    added_locks = [device for device in state.devices if device.startswith("00000000-")]
    if len(added_locks) > 3:
        state.remove_device(added_locks[0])


def entity_state(hass: HomeAssistant, platform: str, object_id: str, key: str) -> str | None:
    """The state of an entity found by unique id; None while it is not registered."""
    registry = er.async_get(hass)
    for entry in hass.config_entries.async_entries(DOMAIN):
        unique_id = entity_unique_id(entry_scope(entry), object_id, key)
        if entity_id := registry.async_get_entity_id(platform, DOMAIN, unique_id):
            state = hass.states.get(entity_id)
            return state.state if state else None
    return None


async def test_soak_ends_consistent(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, parqex_entry)
    coordinators = [parqex_entry.runtime_data, seam_entry.runtime_data]
    rng = random.Random(20261121)  # noqa: S311 (a reproducible soak, not a secret)
    step = 0
    while polls_so_far(simulator) < POLLS:
        step += 1
        roll = rng.random()
        if roll < 0.2:
            service = rng.choice(list(LIST_PATHS))
            simulator.fault(
                service=service,
                path=LIST_PATHS[service],
                count=rng.randint(1, 3),
                **rng.choice(FAULTS),
            )
        elif roll < 0.8:
            scenario_step(simulator.state, rng)
        else:
            churn(simulator, rng, step)
        tick = min(c.update_interval.total_seconds() for c in coordinators)
        await poll(hass, freezer, tick)

    simulator.state.faults.clear()
    for _ in range(3):
        await poll(hass, freezer, max(c.update_interval.total_seconds() for c in coordinators))
    assert all(c.last_update_success for c in coordinators)
    assert max(simulator.state.max_in_flight.values()) <= 1

    doors = [door for c in simulator.state.controllers.values() for door in c["doors"]]
    assert len(doors) >= 2
    for door in doors:
        expected = "open" if door["state"] == "OPEN" else "closed"
        assert entity_state(hass, "cover", door["id"], "cover") == expected
    for device_id, device in simulator.state.devices.items():
        locked = device["properties"].get("locked")
        if locked is None:
            continue
        # A lock Seam cannot drive is a lock-state binary sensor (on: unlocked).
        if device.get("can_remotely_lock") or device.get("can_remotely_unlock"):
            shown = entity_state(hass, "lock", device_id, "lock")
            expected = "locked" if locked else "unlocked"
        else:
            shown = entity_state(hass, "binary_sensor", device_id, "lock_state")
            expected = "off" if locked else "on"
        if (
            "device_offline" in {e["error_code"] for e in device["errors"]}
            if device.get("errors")
            else set()
        ):
            assert shown == "unavailable"
        else:
            assert shown == expected
    # Nothing left behind: the coordinators stop polling when their entries unload.
    for entry in (parqex_entry, seam_entry):
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    requests = len(simulator.state.requests)
    await poll(hass, freezer, 3600)
    assert len(simulator.state.requests) == requests
