"""The whole stack with no mocks: config flow -> coordinator -> entities -> simulator change."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.parqex.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DOMAIN,
)
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID
from tests.conftest import Simulator, poll


async def _add(hass: HomeAssistant, service: str, user_input: dict[str, str]) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, "show_advanced_options": True}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": service}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_parqex_door_closes(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    await _add(hass, "parqex", {CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, CONF_URL: simulator.url})
    assert hass.states.get("binary_sensor.last_door").state == "on"
    assert hass.states.get("sensor.last_door_sensor_battery").state == "98"

    simulator.state.update_door(
        "a42308f43dbfaa8b1960a20ac4317b05",
        {"state": "CLOSED", "bluetooth_sensor_battery_level": 97},
    )
    await poll(hass, freezer, 30)

    assert hass.states.get("binary_sensor.last_door").state == "off"
    assert hass.states.get("sensor.last_door_sensor_battery").state == "97"
    assert hass.states.get("binary_sensor.kitty").state == "on"


async def test_seam_lock_turned_by_hand(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    await _add(
        hass,
        "seam",
        {
            CONF_API_KEY: DEFAULT_SEAM_API_KEY,
            CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
            CONF_URL: simulator.url,
        },
    )
    assert hass.states.get("lock.back_door").state == "unlocked"

    simulator.state.update_device(
        "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902",
        {"properties": {"locked": True, "battery_level": 0.17}},
    )
    await poll(hass, freezer, 60)

    assert hass.states.get("lock.back_door").state == "locked"
    assert hass.states.get("sensor.back_door_battery").state == "17"
