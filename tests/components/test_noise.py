"""Seam noise sensors: noise level, climate readings of Minut sensors, alerts and their events."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import RECONCILE_COOLDOWN
from simulator.seeds import MINUT_SENSOR_ID, NOISEAWARE_ZONE_ID
from tests.components.conftest import deliver
from tests.conftest import Simulator, find_entity, poll, setup

QUIET_HOURS = "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a11"


def state(hass: HomeAssistant, platform: str, device_id: str, key: str) -> str:
    current = hass.states.get(find_entity(hass, platform, device_id, key))
    assert current is not None
    return current.state


async def test_noise_sensors_report(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    await setup(hass, seam_entry)
    assert state(hass, "sensor", MINUT_SENSOR_ID, "noise_level") == "42.3"
    assert state(hass, "sensor", MINUT_SENSOR_ID, "minut_temperature") == "21.8"
    assert state(hass, "sensor", MINUT_SENSOR_ID, "minut_humidity") == "41.5"
    assert state(hass, "sensor", MINUT_SENSOR_ID, "battery") == "72"
    assert state(hass, "binary_sensor", MINUT_SENSOR_ID, "noise_alert") == "off"
    assert state(hass, "sensor", NOISEAWARE_ZONE_ID, "noise_level") == "38.0"
    assert state(hass, "binary_sensor", NOISEAWARE_ZONE_ID, "noise_alert") == "off"
    # A NoiseAware zone has no climate readings, and neither kind is a lock.
    activity = hass.states.get(find_entity(hass, "event", NOISEAWARE_ZONE_ID, "activity"))
    assert activity.attributes["event_types"] == ["noise_threshold_triggered"]

    simulator.state.update_device(
        MINUT_SENSOR_ID,
        {
            "properties": {
                "noise_level_decibels": 71.0,
                "currently_triggering_noise_threshold_ids": [QUIET_HOURS],
            }
        },
    )
    await seam_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, "sensor", MINUT_SENSOR_ID, "noise_level") == "71.0"
    assert state(hass, "binary_sensor", MINUT_SENSOR_ID, "noise_alert") == "on"


async def test_noise_event_alerts_at_once_and_tells_the_threshold(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    manual: MockConfigEntry,
    web: TestClient,
) -> None:
    polls = simulator.requests_to("seam")
    event = {
        "event_type": "noise_sensor.noise_threshold_triggered",
        "device_id": MINUT_SENSOR_ID,
        "noise_threshold_id": QUIET_HOURS,
        "noise_threshold_name": "Quiet hours",
        "noise_level_decibels": 68.5,
    }
    assert await deliver(web, event) == 200

    assert state(hass, "binary_sensor", MINUT_SENSOR_ID, "noise_alert") == "on"
    assert state(hass, "sensor", MINUT_SENSOR_ID, "noise_level") == "68.5"
    activity = hass.states.get(find_entity(hass, "event", MINUT_SENSOR_ID, "activity"))
    assert activity.attributes["event_type"] == "noise_threshold_triggered"
    assert activity.attributes["threshold_name"] == "Quiet hours"
    assert activity.attributes["noise_level_decibels"] == 68.5

    # Seam never says the noise ended: one debounced poll reads which thresholds still are
    # exceeded (none, in the simulator), and the alert clears.
    await poll(hass, freezer, RECONCILE_COOLDOWN)
    assert simulator.requests_to("seam") == polls + 1
    assert state(hass, "binary_sensor", MINUT_SENSOR_ID, "noise_alert") == "off"
