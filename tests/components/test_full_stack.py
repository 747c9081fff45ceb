"""The whole stack with no mocks: config flow -> coordinator -> entities -> simulator change."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.parqex.config_flow import SECTION_ADVANCED
from custom_components.parqex.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DOMAIN,
)
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID
from tests.conftest import Simulator, find_entity, poll

LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
BACK_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"


async def _add(hass: HomeAssistant, service: str, user_input: dict[str, Any]) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": service}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_parqex_door_closes(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    await _add(
        hass,
        "parqex_token",
        {CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, SECTION_ADVANCED: {CONF_URL: simulator.url}},
    )
    door = find_entity(hass, "cover", LAST_DOOR, "cover")
    battery = find_entity(hass, "sensor", LAST_DOOR, "sensor_battery")
    assert hass.states.get(door).state == "open"
    assert hass.states.get(battery).state == "98"

    simulator.state.update_door(
        LAST_DOOR,
        {"state": "CLOSED", "bluetooth_sensor_battery_level": 97},
    )
    await poll(hass, freezer, 30)

    assert hass.states.get(door).state == "closed"
    assert hass.states.get(battery).state == "97"
    assert hass.states.get(find_entity(hass, "cover", KITTY, "cover")).state == "open"


async def test_seam_lock_turned_by_hand(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    await _add(
        hass,
        "seam",
        {
            CONF_API_KEY: DEFAULT_SEAM_API_KEY,
            CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
            SECTION_ADVANCED: {CONF_URL: simulator.url},
        },
    )
    lock = find_entity(hass, "lock", BACK_ID, "lock")
    assert hass.states.get(lock).state == "unlocked"

    simulator.state.update_device(
        BACK_ID,
        {"properties": {"locked": True, "battery_level": 0.17}},
    )
    await poll(hass, freezer, 60)

    assert hass.states.get(lock).state == "locked"
    assert hass.states.get(find_entity(hass, "sensor", BACK_ID, "battery")).state == "17"
