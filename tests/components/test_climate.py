"""Seam thermostats against the simulator: readings, and every change confirmed before it shows."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.components.climate import (
    ATTR_CURRENT_HUMIDITY,
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_FAN_MODES,
    ATTR_HVAC_ACTION,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    ATTR_PRESET_MODE,
    ATTR_PRESET_MODES,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    DOMAIN as CLIMATE_DOMAIN,
    ClimateEntityFeature,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES, ATTR_TEMPERATURE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.api.seam.models import parse_seam_device
from custom_components.parqex.climate import preset_names
from simulator.seeds import ECOBEE_THERMOSTAT_ID, NEST_THERMOSTAT_ID
from tests.components.conftest import deliver
from tests.conftest import Simulator, find_entity, setup

LIST_PATH = "/user_identities/list_accessible_devices"


def nest(hass: HomeAssistant) -> str:
    return find_entity(hass, CLIMATE_DOMAIN, NEST_THERMOSTAT_ID, "thermostat")


def ecobee(hass: HomeAssistant) -> str:
    return find_entity(hass, CLIMATE_DOMAIN, ECOBEE_THERMOSTAT_ID, "thermostat")


def attributes(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return dict(state.attributes)


def setting(simulator: Simulator, device_id: str) -> dict[str, Any]:
    """The thermostat's setting as the simulated Seam holds it."""
    current: dict[str, Any] = simulator.state.devices[device_id]["properties"][
        "current_climate_setting"
    ]
    return current


def commands(simulator: Simulator) -> list[str]:
    return [r.path for r in simulator.state.requests if r.path.startswith("/thermostats/")]


async def call(hass: HomeAssistant, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def test_thermostats_read_as_seam_reports_them(hass: HomeAssistant, seam: Simulator) -> None:
    hallway = hass.states.get(nest(hass))
    assert hallway.state == "heat"
    assert hallway.attributes[ATTR_HVAC_MODES] == ["off", "heat", "cool", "heat_cool"]
    assert hallway.attributes[ATTR_PRESET_MODES] == ["eco"]
    assert hallway.attributes[ATTR_FAN_MODES] == ["auto", "on"]
    assert hallway.attributes[ATTR_FAN_MODE] == "auto"
    assert hallway.attributes[ATTR_TEMPERATURE] == 20.5
    assert hallway.attributes[ATTR_CURRENT_TEMPERATURE] == 19.6
    assert hallway.attributes[ATTR_CURRENT_HUMIDITY] == 46
    assert hallway.attributes[ATTR_HVAC_ACTION] == "heating"
    assert (hallway.attributes[ATTR_MIN_TEMP], hallway.attributes[ATTR_MAX_TEMP]) == (9, 32)
    assert hallway.attributes[ATTR_PRESET_MODE] is None

    living = attributes(hass, ecobee(hass))
    assert hass.states.get(ecobee(hass)).state == "heat_cool"
    assert (living[ATTR_TARGET_TEMP_LOW], living[ATTR_TARGET_TEMP_HIGH]) == (20, 24)
    assert living[ATTR_TEMPERATURE] is None
    assert living[ATTR_PRESET_MODES] == ["Home", "Away", "Sleep"]
    assert living[ATTR_PRESET_MODE] == "Home"
    assert living[ATTR_FAN_MODES] == ["auto", "on", "circulate"]
    assert living[ATTR_HVAC_ACTION] == "idle"
    # A range spans the lowest heating to the highest cooling set point.
    assert (living[ATTR_MIN_TEMP], living[ATTR_MAX_TEMP]) == (7, 33)
    features = ClimateEntityFeature(living[ATTR_SUPPORTED_FEATURES])
    assert features == (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.TARGET_TEMPERATURE_RANGE
        | ClimateEntityFeature.FAN_MODE
        | ClimateEntityFeature.PRESET_MODE
        | ClimateEntityFeature.TURN_OFF
        | ClimateEntityFeature.TURN_ON
    )


async def test_set_point_shows_only_once_confirmed(hass: HomeAssistant, seam: Simulator) -> None:
    entity_id = nest(hass)
    shown: list[float | None] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        new_state = event.data["new_state"]
        assert new_state is not None
        shown.append(new_state.attributes.get(ATTR_TEMPERATURE))

    async_track_state_change_event(hass, entity_id, changed)
    await call(hass, "set_temperature", entity_id, temperature=22)

    assert commands(seam) == ["/thermostats/heat"]
    assert setting(seam, NEST_THERMOSTAT_ID)["heating_set_point_celsius"] == 22
    # One write, after Seam confirmed: never a value Seam had not taken.
    assert shown == [22]


async def test_range_and_modes_are_sent_to_their_routes(
    hass: HomeAssistant, seam: Simulator
) -> None:
    entity_id = ecobee(hass)
    await call(hass, "set_temperature", entity_id, target_temp_low=19, target_temp_high=25.5)
    assert (setting(seam, ECOBEE_THERMOSTAT_ID)["heating_set_point_celsius"]) == 19
    assert (setting(seam, ECOBEE_THERMOSTAT_ID)["cooling_set_point_celsius"]) == 25.5
    shown = attributes(hass, entity_id)
    assert (shown[ATTR_TARGET_TEMP_LOW], shown[ATTR_TARGET_TEMP_HIGH]) == (19, 25.5)
    # Set by hand, the range is no preset's any more.
    assert shown[ATTR_PRESET_MODE] is None

    await call(hass, "set_hvac_mode", entity_id, hvac_mode="cool")
    assert hass.states.get(entity_id).state == "cool"
    await call(hass, "set_temperature", entity_id, temperature=26)
    assert attributes(hass, entity_id)[ATTR_TEMPERATURE] == 26
    await call(hass, "turn_off", entity_id)
    assert hass.states.get(entity_id).state == "off"
    assert attributes(hass, entity_id)[ATTR_HVAC_ACTION] == "off"
    # Turning on again returns to the mode it last ran in.
    await call(hass, "turn_on", entity_id)
    assert hass.states.get(entity_id).state == "cool"
    await call(hass, "set_hvac_mode", entity_id, hvac_mode="heat")
    await call(hass, "set_hvac_mode", entity_id, hvac_mode="heat_cool")
    assert setting(seam, ECOBEE_THERMOSTAT_ID)["hvac_mode_setting"] == "heat_cool"
    assert commands(seam) == [
        "/thermostats/heat_cool",
        "/thermostats/cool",
        "/thermostats/cool",
        "/thermostats/off",
        "/thermostats/cool",
        "/thermostats/heat",
        "/thermostats/heat_cool",
    ]


async def test_turn_on_without_a_known_mode_picks_one_with_set_points(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    simulator.state.action_settings.delay = 0
    simulator.state.devices[NEST_THERMOSTAT_ID]["properties"]["current_climate_setting"][
        "hvac_mode_setting"
    ] = "off"
    await setup(hass, seam_entry)
    # The widest mode the thermostat has set points for: heating only.
    await call(hass, "turn_on", nest(hass))
    assert hass.states.get(nest(hass)).state == "heat"


async def test_fan_and_presets(hass: HomeAssistant, seam: Simulator) -> None:
    living = ecobee(hass)
    await call(hass, "set_fan_mode", living, fan_mode="circulate")
    assert attributes(hass, living)[ATTR_FAN_MODE] == "circulate"
    assert setting(seam, ECOBEE_THERMOSTAT_ID)["fan_mode_setting"] == "circulate"

    await call(hass, "set_preset_mode", living, preset_mode="Away")
    assert attributes(hass, living)[ATTR_PRESET_MODE] == "Away"
    assert setting(seam, ECOBEE_THERMOSTAT_ID)["climate_preset_key"] == "away"

    hallway = nest(hass)
    await call(hass, "set_preset_mode", hallway, preset_mode="eco")
    assert attributes(hass, hallway)[ATTR_PRESET_MODE] == "eco"
    # Eco keeps the room in a range; the mode shown is the range mode.
    assert hass.states.get(hallway).state == "heat_cool"
    assert setting(seam, NEST_THERMOSTAT_ID)["hvac_mode_setting"] == "eco"
    assert commands(seam) == [
        "/thermostats/set_fan_mode",
        "/thermostats/activate_climate_preset",
        "/thermostats/set_hvac_mode",
    ]


@pytest.mark.parametrize(
    ("thermostat", "data", "key"),
    [
        # Above the ecobee's heating limit (26 °C), within Home Assistant's overall 7-33.
        (
            "ecobee",
            {"target_temp_low": 27, "target_temp_high": 30},
            "thermostat_set_point_out_of_range",
        ),
        # Closer than the 1.5 °C the ecobee needs between heating and cooling.
        ("ecobee", {"target_temp_low": 22, "target_temp_high": 23}, "thermostat_range_too_narrow"),
        ("ecobee", {"temperature": 21}, "thermostat_range_required"),
        ("nest", {"temperature": 21, "hvac_mode": "off"}, "thermostat_set_point_mode"),
    ],
    ids=["out_of_range", "too_narrow", "range_required", "off"],
)
async def test_refused_set_points_are_never_sent(
    hass: HomeAssistant, seam: Simulator, thermostat: str, data: dict[str, Any], key: str
) -> None:
    entity_id = ecobee(hass) if thermostat == "ecobee" else nest(hass)
    before = attributes(hass, entity_id)
    with pytest.raises(ServiceValidationError) as caught:
        await call(hass, "set_temperature", entity_id, **data)
    assert caught.value.translation_key == key
    assert "Thermostat" in str(caught.value)
    assert commands(seam) == []
    assert attributes(hass, entity_id) == before


async def test_failed_command_shows_seams_message_and_the_real_setting(
    hass: HomeAssistant, seam: Simulator
) -> None:
    seam.state.action_settings.outcome = "error"
    seam.state.action_settings.error_message = "The thermostat did not answer"
    entity_id = nest(hass)
    # Someone changed the set point at the wall; only a read shows it.
    seam.state.devices[NEST_THERMOSTAT_ID]["properties"]["current_climate_setting"][
        "heating_set_point_celsius"
    ] = 18.5

    with pytest.raises(HomeAssistantError, match="did not answer") as caught:
        await call(hass, "set_temperature", entity_id, temperature=23)
    assert caught.value.translation_key == "command_failed"
    await hass.async_block_till_done(wait_background_tasks=True)

    gets = [r.path for r in seam.state.requests if r.path == "/devices/get"]
    assert gets == ["/devices/get"]
    assert attributes(hass, entity_id)[ATTR_TEMPERATURE] == 18.5


async def test_rate_limited_thermostat_is_held_back(hass: HomeAssistant, seam: Simulator) -> None:
    seam.fault(
        service="seam",
        path="/thermostats/set_fan_mode",
        status=429,
        headers={"Retry-After": "30"},
        body='{"error": {"type": "rate_limited", "message": "slow down"}, "ok": false}',
    )
    entity_id = ecobee(hass)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "set_fan_mode", entity_id, fan_mode="on")
    assert caught.value.translation_key == "command_rate_limited"
    with pytest.raises(HomeAssistantError) as refused:
        await call(hass, "set_fan_mode", entity_id, fan_mode="on")
    assert refused.value.translation_placeholders["seconds"] in {"29", "30"}
    assert commands(seam) == ["/thermostats/set_fan_mode"]


async def test_commands_to_one_thermostat_are_serialized(
    hass: HomeAssistant, seam: Simulator
) -> None:
    entity_id = ecobee(hass)
    await asyncio.gather(
        call(hass, "set_fan_mode", entity_id, fan_mode="on"),
        call(hass, "set_hvac_mode", entity_id, hvac_mode="heat"),
    )
    sent = [r.path for r in seam.state.requests if r.path != LIST_PATH]
    first = sent.index("/thermostats/set_fan_mode")
    second = sent.index("/thermostats/heat")
    # The second command left only once the first was confirmed.
    assert first < second
    assert "/action_attempts/get" in sent[first:second]
    assert attributes(hass, entity_id)[ATTR_FAN_MODE] == "on"
    assert hass.states.get(entity_id).state == "heat"


async def test_poll_racing_a_command_does_not_bounce_back(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    coordinator = seam_entry.runtime_data
    stale = orjson.dumps(
        {"devices": seam.state.seam_devices(seam.state.default_user_identity_id), "ok": True}
    ).decode()
    seam.fault(service="seam", path=LIST_PATH, status=200, body=stale, delay=1.0)
    entity_id = nest(hass)
    racing_poll = asyncio.create_task(coordinator.async_refresh())
    await asyncio.sleep(0.05)

    await call(hass, "set_temperature", entity_id, temperature=21.5)
    await racing_poll
    await hass.async_block_till_done()

    assert attributes(hass, entity_id)[ATTR_TEMPERATURE] == 21.5


async def test_fahrenheit_thermostat_is_read_and_driven_in_fahrenheit(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    hass.config.units = US_CUSTOMARY_SYSTEM
    simulator.state.action_settings.delay = 0
    properties = simulator.state.devices[NEST_THERMOSTAT_ID]["properties"]
    for name in list(properties):
        if name.endswith("_celsius"):
            del properties[name]
    properties["current_climate_setting"] = {
        key: value
        for key, value in properties["current_climate_setting"].items()
        if not key.endswith("_celsius")
    }
    await setup(hass, seam_entry)
    entity_id = nest(hass)
    shown = attributes(hass, entity_id)
    assert (
        shown[ATTR_TEMPERATURE]
        == properties["current_climate_setting"]["heating_set_point_fahrenheit"]
    )

    await call(hass, "set_temperature", entity_id, temperature=71)
    assert setting(simulator, NEST_THERMOSTAT_ID)["heating_set_point_fahrenheit"] == 71
    assert attributes(hass, entity_id)[ATTR_TEMPERATURE] == 71


async def test_thermostat_events_update_at_once(
    hass: HomeAssistant, simulator: Simulator, manual: MockConfigEntry, web: TestClient
) -> None:
    entity_id = ecobee(hass)
    temperature = find_entity(hass, "sensor", ECOBEE_THERMOSTAT_ID, "temperature")

    async def send(n: int, event_type: str, **fields: Any) -> None:
        event = {"event_type": event_type, "device_id": ECOBEE_THERMOSTAT_ID, **fields}
        assert await deliver(web, event, message_id=f"msg_{n}") == 200

    await send(
        1,
        "thermostat.manually_adjusted",
        method="external",
        hvac_mode_setting="cool",
        cooling_set_point_celsius=23.5,
        cooling_set_point_fahrenheit=74.3,
    )
    assert hass.states.get(entity_id).state == "cool"
    assert attributes(hass, entity_id)[ATTR_TEMPERATURE] == 23.5
    await send(
        2, "thermostat.temperature_changed", temperature_celsius=23.1, temperature_fahrenheit=73.6
    )
    assert attributes(hass, entity_id)[ATTR_CURRENT_TEMPERATURE] == 23.1
    assert hass.states.get(temperature).state == "23.1"
    await send(3, "thermostat.manually_adjusted", method="external", fan_mode_setting="on")
    assert attributes(hass, entity_id)[ATTR_FAN_MODE] == "on"
    assert hass.states.get(entity_id).state == "cool"


def test_preset_names_stay_apart() -> None:
    """Two presets of one name, or one named like eco, each keep a name of their own."""
    body = {
        "device": {
            "device_id": "t",
            "capabilities_supported": ["thermostat"],
            "properties": {
                "available_hvac_mode_settings": ["heat", "eco"],
                "available_climate_presets": [
                    {"climate_preset_key": "home", "display_name": "Home"},
                    {"climate_preset_key": "home_2", "display_name": "Home"},
                    {"climate_preset_key": "saver", "display_name": "eco"},
                    {"climate_preset_key": "plain", "display_name": " ", "name": None},
                ],
            },
        }
    }
    thermostat = parse_seam_device(orjson.dumps(body)).thermostat
    assert thermostat is not None
    assert preset_names(thermostat) == {
        "eco": "eco",
        "Home (home)": "home",
        "Home (home_2)": "home_2",
        "eco (saver)": "saver",
        "plain": "plain",
    }


async def test_thermostat_that_leaves_is_unavailable(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    entity_id = nest(hass)
    coordinator = seam_entry.runtime_data
    gone = coordinator.data.without_device(NEST_THERMOSTAT_ID)
    # Its entities are told before the registry takes them off.
    coordinator.async_set_updated_data(gone)
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == "unavailable"
    # Home Assistant skips unavailable entities, so only a command already on its way meets
    # a thermostat that has just gone; call the entity as such a command would.
    entity = hass.data[CLIMATE_DOMAIN].get_entity(entity_id)
    with pytest.raises(HomeAssistantError) as caught:
        await entity.async_set_hvac_mode("cool")
    assert caught.value.translation_key == "device_unavailable"
    assert commands(seam) == []


@pytest.mark.parametrize(
    ("running", "action"),
    [
        ({"is_heating": False, "is_cooling": True, "is_fan_running": True}, "cooling"),
        ({"is_heating": False, "is_cooling": False, "is_fan_running": True}, "fan"),
    ],
)
async def test_what_the_thermostat_is_doing(
    hass: HomeAssistant,
    simulator: Simulator,
    seam_entry: MockConfigEntry,
    running: dict[str, bool],
    action: str,
) -> None:
    simulator.state.devices[NEST_THERMOSTAT_ID]["properties"].update(running)
    await setup(hass, seam_entry)
    assert attributes(hass, nest(hass))[ATTR_HVAC_ACTION] == action


async def test_new_preset_is_offered_at_the_next_poll(
    hass: HomeAssistant, seam: Simulator, seam_entry: MockConfigEntry
) -> None:
    """Modes, presets and limits are written when only they change."""
    properties = seam.state.devices[ECOBEE_THERMOSTAT_ID]["properties"]
    vacation = {**properties["available_climate_presets"][1], "climate_preset_key": "vacation"}
    properties["available_climate_presets"].append({**vacation, "display_name": "Vacation"})
    await seam_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert attributes(hass, ecobee(hass))[ATTR_PRESET_MODES] == [
        "Home",
        "Away",
        "Sleep",
        "Vacation",
    ]
