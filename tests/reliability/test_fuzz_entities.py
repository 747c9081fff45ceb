"""Random schema-shaped payloads through the real platforms: nothing escapes, states stay valid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from hypothesis import HealthCheck, given, settings, strategies as st
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import Simulator, setup
from tests.strategies import parqex_bodies, seam_bodies

EXAMPLES = 150
VALID = {
    "binary_sensor": {"on", "off"},
    "lock": {"locked", "unlocked", "locking", "unlocking", "jammed", "open", "opening"},
}


def draw(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """Let hypothesis generate `count` payloads; they are replayed through Home Assistant."""
    drawn: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(payload: Any) -> None:
        drawn.append(payload)

    collect()
    return drawn


def assert_valid(state: State) -> None:
    """A state every card, automation and voice assistant can read."""
    if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return
    attributes = state.attributes
    if state.domain in VALID:
        assert state.state in VALID[state.domain], state
    elif attributes.get("device_class") == "timestamp":
        datetime.fromisoformat(state.state)
    elif attributes.get("unit_of_measurement"):
        value = float(state.state)
        if attributes.get("device_class") == "battery":
            assert 0 <= value <= 100, state


@pytest.mark.parametrize("service", ["parqex", "seam"])
async def test_random_payloads_keep_entities_valid(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    service: str,
) -> None:
    await setup(hass, parqex_entry)
    entry = seam_entry if service == "seam" else parqex_entry
    coordinator = entry.runtime_data
    bodies = draw(parqex_bodies if service == "parqex" else seam_bodies, EXAMPLES)
    path = (
        "/oauth/v1/endpoints/sync"
        if service == "parqex"
        else "/user_identities/list_accessible_devices"
    )

    for body in bodies:
        simulator.fault(service=service, path=path, status=200, body=orjson.dumps(body).decode())
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        for state in hass.states.async_all():
            assert_valid(state)
    # And back to real data, cleanly.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
