"""The simulated Seam's thermostats: seeds, commands, changes from the wall, and their events."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession
import pytest

from simulator.seeds import (
    DEFAULT_USER_IDENTITY_ID,
    ECOBEE_THERMOSTAT_ID,
    NEST_THERMOSTAT_ID,
    Json,
    celsius,
    fahrenheit,
    seam_seed_devices,
)
from simulator.state import SEAM_COMMANDS_PER_MINUTE
from simulator.thermostats import activity
from tests.conftest import Simulator
from tests.simulator.conftest import SEAM_HEADERS, Clock, control, ok, refused, seam

NEST = NEST_THERMOSTAT_ID
ECOBEE = ECOBEE_THERMOSTAT_ID
FRONT_LOCK = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
PRESET_REQUIRED = (
    "climate_preset_key",
    "can_edit",
    "can_delete",
    "can_use_with_thermostat_daily_programs",
    "display_name",
    "manual_override_allowed",
)


async def command(http: ClientSession, simulator: Simulator, path: str, **body: Any) -> Json:
    """A command that Seam accepts: its action attempt."""
    attempt: Json = (await ok(http, simulator, path, **body))["action_attempt"]
    return attempt


def setting(simulator: Simulator, device_id: str) -> Json:
    current: Json = simulator.state.devices[device_id]["properties"]["current_climate_setting"]
    return current


def flags(simulator: Simulator, device_id: str) -> tuple[bool, bool, bool]:
    properties = simulator.state.devices[device_id]["properties"]
    return properties["is_heating"], properties["is_cooling"], properties["is_fan_running"]


def only(events: list[Json], event_type: str) -> Json:
    (event,) = [event for event in events if event["event_type"] == event_type]
    return event


def scales_agree(data: Json) -> None:
    """Every temperature is in both scales, and they say the same."""
    for key, value in data.items():
        if key.endswith("_celsius") and "delta" not in key:
            assert data[key.removesuffix("_celsius") + "_fahrenheit"] == fahrenheit(value), key


# Seeds


def test_the_seeded_thermostats() -> None:
    devices = {device["device_id"]: device for device in seam_seed_devices()}
    nest, ecobee = devices[NEST], devices[ECOBEE]
    assert (nest["display_name"], ecobee["display_name"]) == (
        "Hallway Thermostat",
        "Living Room Thermostat",
    )
    for device in (nest, ecobee):
        properties = device["properties"]
        assert device["capabilities_supported"] == ["thermostat"]
        assert all(
            device[flag]
            for flag in (
                "can_hvac_heat",
                "can_hvac_cool",
                "can_hvac_heat_cool",
                "can_turn_off_hvac",
            )
        )
        assert 0 <= properties["relative_humidity"] <= 1
        scales_agree(properties)
        scales_agree(properties["current_climate_setting"])
        # What the thermostat is doing is what its setting and the room make it do.
        assert activity(properties) == {
            key: properties[key] for key in ("is_heating", "is_cooling", "is_fan_running")
        }
        assert "battery" not in properties
        assert properties["min_heating_cooling_delta_celsius"] == 1.5
        assert properties["min_heating_cooling_delta_fahrenheit"] == 2.7

    nest_properties = nest["properties"]
    assert nest_properties["available_hvac_mode_settings"] == [
        "off",
        "heat",
        "cool",
        "heat_cool",
        "eco",
    ]
    assert nest_properties["available_fan_mode_settings"] == ["auto", "on"]
    assert nest_properties["available_climate_presets"] == []
    assert nest_properties["current_climate_setting"]["hvac_mode_setting"] == "heat"
    assert nest_properties["current_climate_setting"]["heating_set_point_celsius"] == 20.5
    assert nest_properties["is_heating"] is True

    ecobee_properties = ecobee["properties"]
    assert ecobee_properties["available_hvac_mode_settings"] == ["off", "heat", "cool", "heat_cool"]
    assert ecobee_properties["available_fan_mode_settings"] == ["auto", "on", "circulate"]
    presets = ecobee_properties["available_climate_presets"]
    assert [preset["display_name"] for preset in presets] == ["Home", "Away", "Sleep"]
    for preset in presets:
        assert all(key in preset for key in PRESET_REQUIRED)
        scales_agree(preset)
    current = ecobee_properties["current_climate_setting"]
    assert current == presets[0]
    assert (
        current["hvac_mode_setting"],
        current["heating_set_point_celsius"],
        current["cooling_set_point_celsius"],
    ) == ("heat_cool", 20.0, 24.0)
    assert ecobee_properties["fallback_climate_preset_key"] == "home"


def test_conversions_round_to_a_tenth() -> None:
    assert fahrenheit(20.5) == 68.9
    assert fahrenheit(-40) == -40
    assert celsius(70) == 21.1
    assert celsius(212) == 100


async def test_seeded_thermostats_are_shared_with_the_default_identity(
    simulator: Simulator, http: ClientSession
) -> None:
    async with http.get(
        simulator.url + "/user_identities/list_accessible_devices",
        params={"user_identity_id": DEFAULT_USER_IDENTITY_ID},
        headers=SEAM_HEADERS,
    ) as response:
        listed = {device["device_id"] for device in (await response.json())["devices"]}
    assert {NEST, ECOBEE} <= listed


# Commands


async def test_heat_settles_after_the_delay(
    simulator: Simulator, http: ClientSession, clock: Clock, events: list[Json]
) -> None:
    attempt = await command(
        http, simulator, "/thermostats/heat", device_id=NEST, heating_set_point_celsius=22
    )
    assert attempt["action_type"] == "SET_HVAC_MODE"
    assert (attempt["status"], attempt["result"], attempt["error"]) == ("pending", None, None)
    assert setting(simulator, NEST)["heating_set_point_celsius"] == 20.5
    assert events == []

    clock.now += simulator.state.action_settings.delay
    status, answer = await seam(
        http,
        simulator,
        "/action_attempts/get",
        {"action_attempt_id": attempt["action_attempt_id"]},
    )
    assert status == 200
    assert answer["action_attempt"]["status"] == "success"
    assert answer["action_attempt"]["result"] == {}
    assert setting(simulator, NEST)["heating_set_point_celsius"] == 22
    assert setting(simulator, NEST)["heating_set_point_fahrenheit"] == 71.6
    (event,) = events
    assert event["event_type"] == "thermostat.manually_adjusted"
    assert event["method"] == "seam"
    assert event["device_id"] == NEST
    assert event["connected_account_id"] == simulator.state.devices[NEST]["connected_account_id"]
    assert (event["hvac_mode_setting"], event["fan_mode_setting"]) == ("heat", "auto")
    assert (event["heating_set_point_celsius"], event["heating_set_point_fahrenheit"]) == (22, 71.6)
    assert "cooling_set_point_celsius" not in event


@pytest.mark.usefixtures("instant")
async def test_set_points_are_kept_in_both_scales(
    simulator: Simulator, http: ClientSession
) -> None:
    await command(
        http, simulator, "/thermostats/heat", device_id=NEST, heating_set_point_fahrenheit=70
    )
    assert setting(simulator, NEST)["heating_set_point_celsius"] == 21.1
    assert setting(simulator, NEST)["heating_set_point_fahrenheit"] == 70
    # Without a set point, the one in use stays.
    await command(http, simulator, "/thermostats/heat", device_id=NEST)
    assert setting(simulator, NEST)["heating_set_point_fahrenheit"] == 70


@pytest.mark.usefixtures("instant")
async def test_cool_heat_cool_and_off_move_the_hvac(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    # The room is at 19.6 °C and the Nest heats to 20.5 °C.
    assert flags(simulator, NEST) == (True, False, True)
    message = await refused(http, simulator, "/thermostats/cool", {"device_id": NEST})
    assert "cooling_set_point_celsius" in message

    await command(
        http, simulator, "/thermostats/cool", device_id=NEST, cooling_set_point_celsius=18
    )
    assert setting(simulator, NEST)["hvac_mode_setting"] == "cool"
    assert flags(simulator, NEST) == (False, True, True)

    await command(
        http,
        simulator,
        "/thermostats/heat_cool",
        device_id=NEST,
        heating_set_point_celsius=17,
        cooling_set_point_fahrenheit=75.2,
    )
    current = setting(simulator, NEST)
    assert current["hvac_mode_setting"] == "heat_cool"
    assert (current["heating_set_point_celsius"], current["heating_set_point_fahrenheit"]) == (
        17,
        62.6,
    )
    assert (current["cooling_set_point_celsius"], current["cooling_set_point_fahrenheit"]) == (
        24.0,
        75.2,
    )
    assert flags(simulator, NEST) == (False, False, False)

    await command(http, simulator, "/thermostats/off", device_id=NEST)
    assert setting(simulator, NEST)["hvac_mode_setting"] == "off"
    assert flags(simulator, NEST) == (False, False, False)
    assert [event["hvac_mode_setting"] for event in events] == ["cool", "heat_cool", "off"]
    assert {event["method"] for event in events} == {"seam"}


@pytest.mark.usefixtures("instant")
async def test_set_hvac_mode(simulator: Simulator, http: ClientSession) -> None:
    attempt = await command(
        http, simulator, "/thermostats/set_hvac_mode", device_id=NEST, hvac_mode_setting="eco"
    )
    assert (attempt["action_type"], attempt["status"]) == ("SET_HVAC_MODE", "success")
    assert setting(simulator, NEST)["hvac_mode_setting"] == "eco"
    assert flags(simulator, NEST) == (False, False, False)
    await command(
        http,
        simulator,
        "/thermostats/set_hvac_mode",
        device_id=NEST,
        hvac_mode_setting="heat",
        heating_set_point_celsius=25,
    )
    assert setting(simulator, NEST)["heating_set_point_celsius"] == 25
    assert flags(simulator, NEST) == (True, False, True)

    missing = await refused(http, simulator, "/thermostats/set_hvac_mode", {"device_id": NEST})
    assert missing == "hvac_mode_setting is required"
    # The ecobee has no eco mode; 5 is no mode at all.
    for mode in ("eco", 5):
        message = await refused(
            http,
            simulator,
            "/thermostats/set_hvac_mode",
            {"device_id": ECOBEE, "hvac_mode_setting": mode},
        )
        assert (
            message
            == "hvac_mode_setting must be one of this thermostat's: off, heat, cool, heat_cool"
        )


@pytest.mark.usefixtures("instant")
async def test_set_points_are_checked(simulator: Simulator, http: ClientSession) -> None:
    cases: list[tuple[str, Json, str]] = [
        ("/thermostats/heat", {"heating_set_point_celsius": 33}, "between 9.0 °C (48.2 °F)"),
        ("/thermostats/heat", {"heating_set_point_fahrenheit": 48}, "heating set point"),
        ("/thermostats/cool", {"cooling_set_point_celsius": 8.9}, "cooling set point"),
        (
            "/thermostats/heat_cool",
            {"heating_set_point_celsius": 21, "cooling_set_point_celsius": 22},
            "at least 1.5 °C (2.7 °F) above",
        ),
        ("/thermostats/heat", {"heating_set_point_celsius": "21"}, "must be a number"),
        ("/thermostats/heat", {"heating_set_point_celsius": True}, "must be a number"),
        (
            "/thermostats/heat",
            {"heating_set_point_celsius": 21, "heating_set_point_fahrenheit": 70},
            "not both",
        ),
    ]
    for path, body, expected in cases:
        message = await refused(http, simulator, path, {"device_id": NEST, **body})
        assert expected in message, (body, message)
    # The limits themselves are allowed, the minimum difference too.
    await command(
        http, simulator, "/thermostats/heat", device_id=NEST, heating_set_point_fahrenheit=48.2
    )
    await command(
        http,
        simulator,
        "/thermostats/heat_cool",
        device_id=NEST,
        heating_set_point_celsius=21,
        cooling_set_point_celsius=22.5,
    )
    assert setting(simulator, NEST)["cooling_set_point_celsius"] == 22.5
    # The seeded Nest never had these changed.
    assert simulator.state.devices[NEST]["properties"]["max_heating_set_point_celsius"] == 32.0


async def test_commands_name_a_thermostat(simulator: Simulator, http: ClientSession) -> None:
    paths = [
        "/thermostats/heat",
        "/thermostats/cool",
        "/thermostats/heat_cool",
        "/thermostats/off",
        "/thermostats/set_hvac_mode",
        "/thermostats/set_fan_mode",
        "/thermostats/activate_climate_preset",
        "/thermostats/simulate/hvac_mode_adjusted",
        "/thermostats/simulate/temperature_reached",
    ]
    for path in paths:
        unknown = {"device_id": "00000000-0000-4000-8000-000000000000"}
        assert await refused(http, simulator, path, unknown, 404) == "Device not found"
        assert await refused(http, simulator, path, {}) == "device_id is required"
        assert (
            await refused(http, simulator, path, {"device_id": 7}) == "device_id must be a string"
        )
        message = await refused(http, simulator, path, {"device_id": FRONT_LOCK})
        assert message == "Device does not support thermostat"
    async with http.post(simulator.url + "/thermostats/heat", json={"device_id": NEST}) as response:
        assert response.status == 401
    assert simulator.state.action_attempts == {}


@pytest.mark.usefixtures("instant")
async def test_set_fan_mode(simulator: Simulator, http: ClientSession, events: list[Json]) -> None:
    attempt = await command(
        http, simulator, "/thermostats/set_fan_mode", device_id=ECOBEE, fan_mode_setting="on"
    )
    assert (attempt["action_type"], attempt["result"]) == ("SET_FAN_MODE", {})
    assert setting(simulator, ECOBEE)["fan_mode_setting"] == "on"
    assert flags(simulator, ECOBEE) == (False, False, True)
    # The deprecated name still works; the current one wins when both are given.
    await command(
        http, simulator, "/thermostats/set_fan_mode", device_id=ECOBEE, fan_mode="circulate"
    )
    assert setting(simulator, ECOBEE)["fan_mode_setting"] == "circulate"
    await command(
        http,
        simulator,
        "/thermostats/set_fan_mode",
        device_id=ECOBEE,
        fan_mode_setting="auto",
        fan_mode="on",
    )
    assert setting(simulator, ECOBEE)["fan_mode_setting"] == "auto"
    assert flags(simulator, ECOBEE) == (False, False, False)
    assert [event["fan_mode_setting"] for event in events] == ["on", "circulate", "auto"]

    missing = await refused(http, simulator, "/thermostats/set_fan_mode", {"device_id": NEST})
    assert missing == "fan_mode_setting is required"
    message = await refused(
        http,
        simulator,
        "/thermostats/set_fan_mode",
        {"device_id": NEST, "fan_mode_setting": "circulate"},
    )
    assert message == "fan_mode_setting must be one of this thermostat's: auto, on"


@pytest.mark.usefixtures("instant")
async def test_climate_presets(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    attempt = await command(
        http,
        simulator,
        "/thermostats/activate_climate_preset",
        device_id=ECOBEE,
        climate_preset_key="away",
    )
    assert (attempt["action_type"], attempt["result"]) == ("ACTIVATE_CLIMATE_PRESET", {})
    properties = simulator.state.devices[ECOBEE]["properties"]
    away = properties["available_climate_presets"][1]
    assert setting(simulator, ECOBEE) == away
    assert setting(simulator, ECOBEE) is not away
    # 22.2 °C is between Away's 16 and 27 °C.
    assert flags(simulator, ECOBEE) == (False, False, False)
    (event,) = events
    assert event["event_type"] == "thermostat.climate_preset_activated"
    assert event["climate_preset_key"] == "away"
    assert event["is_fallback_climate_preset"] is False
    assert event["thermostat_schedule_id"] is None
    assert event["connected_account_id"] == simulator.state.devices[ECOBEE]["connected_account_id"]

    await command(
        http,
        simulator,
        "/thermostats/activate_climate_preset",
        device_id=ECOBEE,
        climate_preset_key="home",
    )
    assert events[-1]["is_fallback_climate_preset"] is True
    assert setting(simulator, ECOBEE)["display_name"] == "Home"

    # A manual change leaves the preset behind.
    await command(
        http, simulator, "/thermostats/heat", device_id=ECOBEE, heating_set_point_celsius=23
    )
    current = setting(simulator, ECOBEE)
    assert "climate_preset_key" not in current
    assert "display_name" not in current
    assert (current["hvac_mode_setting"], current["heating_set_point_celsius"]) == ("heat", 23)
    assert current["cooling_set_point_celsius"] == 24.0
    assert current["manual_override_allowed"] is True
    assert flags(simulator, ECOBEE) == (True, False, True)
    assert events[-1]["event_type"] == "thermostat.manually_adjusted"

    for body, expected in [
        ({"device_id": ECOBEE}, "climate_preset_key is required"),
        ({"device_id": ECOBEE, "climate_preset_key": 1}, "climate_preset_key must be a string"),
        ({"device_id": ECOBEE, "climate_preset_key": "vacation"}, "no climate preset 'vacation'"),
        ({"device_id": NEST, "climate_preset_key": "home"}, "no climate preset 'home'"),
    ]:
        message = await refused(http, simulator, "/thermostats/activate_climate_preset", body)
        assert expected in message


async def test_a_failed_or_pending_command_changes_nothing(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    status, _ = await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {"delay": 0, "outcome": "error", "error_type": "device_offline", "error_message": "Gone"},
    )
    assert status == 200
    attempt = await command(http, simulator, "/thermostats/off", device_id=NEST)
    assert attempt["status"] == "error"
    assert (attempt["result"], attempt["error"]) == (
        None,
        {"type": "device_offline", "message": "Gone"},
    )

    await control(http, simulator, "POST", "/seam/actions", {"delay": 0, "outcome": "pending"})
    attempt = await command(http, simulator, "/thermostats/off", device_id=NEST)
    assert (attempt["status"], attempt["result"], attempt["error"]) == ("pending", None, None)
    simulator.state.settle_action_attempts()
    assert simulator.state.action_attempts[attempt["action_attempt_id"]].status == "pending"

    assert setting(simulator, NEST)["hvac_mode_setting"] == "heat"
    # Seam has no action attempt events for thermostats.
    assert events == []


async def test_action_settings_per_action_type(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    await control(http, simulator, "POST", "/seam/actions", {"delay": 0})
    status, _ = await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {"delay": 0, "outcome": "error", "action_types": ["SET_FAN_MODE", "UNLOCK_DOOR"]},
    )
    assert status == 200
    fan = await command(
        http, simulator, "/thermostats/set_fan_mode", device_id=NEST, fan_mode_setting="on"
    )
    mode = await command(http, simulator, "/thermostats/off", device_id=NEST)
    unlock = await command(http, simulator, "/locks/unlock_door", device_id=FRONT_LOCK)
    lock = await command(http, simulator, "/locks/lock_door", device_id=FRONT_LOCK)
    assert [fan["status"], mode["status"], unlock["status"], lock["status"]] == [
        "error",
        "success",
        "error",
        "success",
    ]
    assert fan["error"]["message"] == "The device did not respond to the command"
    # A lock's result is still confirmed by the device.
    assert lock["result"] == {"was_confirmed_by_device": True}
    lock_events = [event for event in events if event["event_type"].startswith("action_attempt.")]
    assert [
        (event["event_type"], event["action_type"], event["status"]) for event in lock_events
    ] == [
        ("action_attempt.unlock_door.failed", "UNLOCK_DOOR", "error"),
        ("action_attempt.lock_door.succeeded", "LOCK_DOOR", "success"),
    ]
    assert all(event["connected_account_id"] for event in lock_events)

    for bad, expected in [
        ({"action_types": "SET_FAN_MODE"}, "action_types must be a list"),
        ({"action_types": ["SET_FAN_MODE", "OPEN_WINDOW"]}, "no action type OPEN_WINDOW"),
    ]:
        status, answer = await control(http, simulator, "POST", "/seam/actions", bad)
        assert (status, answer["error"]) == (404, expected)

    # Settings for every command replace those per type.
    await control(http, simulator, "POST", "/seam/actions", {"delay": 0})
    fan = await command(
        http, simulator, "/thermostats/set_fan_mode", device_id=NEST, fan_mode_setting="on"
    )
    assert fan["status"] == "success"
    await control(
        http,
        simulator,
        "POST",
        "/seam/actions",
        {"outcome": "error", "action_types": ["SET_FAN_MODE"]},
    )
    await control(http, simulator, "POST", "/reset")
    assert simulator.state.action_settings_by_type == {}
    assert simulator.state.settings_for("SET_FAN_MODE").outcome == "success"


async def test_thermostat_commands_are_rate_limited_per_action_type(
    simulator: Simulator, http: ClientSession
) -> None:
    for _ in range(SEAM_COMMANDS_PER_MINUTE):
        await command(http, simulator, "/thermostats/off", device_id=NEST)
    # Every SET_HVAC_MODE route counts towards the same limit.
    await refused(http, simulator, "/thermostats/heat", {"device_id": NEST}, 429)
    await command(
        http, simulator, "/thermostats/set_fan_mode", device_id=NEST, fan_mode_setting="on"
    )
    await command(http, simulator, "/thermostats/off", device_id=ECOBEE)
    # A refused request is not a command.
    assert len(simulator.state.action_attempts) == SEAM_COMMANDS_PER_MINUTE + 2


# Changes from the wall


async def test_a_setting_changed_at_the_wall(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    status, device = await control(
        http,
        simulator,
        "POST",
        f"/seam/devices/{ECOBEE}",
        {
            "properties": {
                "current_climate_setting": {
                    "hvac_mode_setting": "cool",
                    "cooling_set_point_celsius": 21,
                }
            }
        },
    )
    assert status == 200
    current = device["properties"]["current_climate_setting"]
    assert (current["hvac_mode_setting"], current["cooling_set_point_fahrenheit"]) == ("cool", 69.8)
    # Merged: the heating set point stays; the Home preset no longer applies.
    assert current["heating_set_point_celsius"] == 20.0
    assert "climate_preset_key" not in current
    # 22.2 °C is above 21 °C: cooling.
    assert flags(simulator, ECOBEE) == (False, True, True)
    (event,) = events
    assert event["event_type"] == "thermostat.manually_adjusted"
    assert event["method"] == "external"
    assert {key: event[key] for key in event if "setting" in key or "set_point" in key} == {
        "hvac_mode_setting": "cool",
        "cooling_set_point_celsius": 21,
        "cooling_set_point_fahrenheit": 69.8,
    }

    # The same setting again changes nothing, and says nothing.
    simulator.state.update_device(
        ECOBEE, {"properties": {"current_climate_setting": {"cooling_set_point_fahrenheit": 69.8}}}
    )
    assert len(events) == 1
    assert setting(simulator, ECOBEE)["cooling_set_point_celsius"] == 21
    # A whole preset given from the wall stays that preset.
    home = simulator.state.devices[ECOBEE]["properties"]["available_climate_presets"][0]
    simulator.state.update_device(ECOBEE, {"properties": {"current_climate_setting": home}})
    assert setting(simulator, ECOBEE)["climate_preset_key"] == "home"


def test_the_room_warms_to_the_set_point(simulator: Simulator, events: list[Json]) -> None:
    state = simulator.state
    state.update_device(NEST, {"properties": {"temperature_fahrenheit": 68}})
    properties = state.devices[NEST]["properties"]
    assert properties["temperature_celsius"] == 20.0
    assert flags(simulator, NEST) == (True, False, True)
    changed = only(events, "thermostat.temperature_changed")
    assert (changed["temperature_celsius"], changed["temperature_fahrenheit"]) == (20.0, 68)
    assert changed["connected_account_id"] == state.devices[NEST]["connected_account_id"]

    events.clear()
    state.update_device(NEST, {"properties": {"temperature_celsius": 20.6}})
    assert properties["temperature_fahrenheit"] == 69.1
    assert flags(simulator, NEST) == (False, False, False)
    reached = only(events, "thermostat.temperature_reached_set_point")
    assert (reached["temperature_celsius"], reached["temperature_fahrenheit"]) == (20.6, 69.1)
    assert (reached["desired_temperature_celsius"], reached["desired_temperature_fahrenheit"]) == (
        20.5,
        68.9,
    )

    # Cooler again: heating again, nothing reached; the same temperature says nothing.
    events.clear()
    state.update_device(NEST, {"properties": {"temperature_celsius": 19.0}})
    state.update_device(NEST, {"properties": {"temperature_celsius": 19.0}})
    assert [event["event_type"] for event in events] == ["thermostat.temperature_changed"]
    assert flags(simulator, NEST) == (True, False, True)
    # What the thermostat does, when given, is taken as given.
    state.update_device(NEST, {"properties": {"temperature_celsius": 25.0, "is_heating": True}})
    assert flags(simulator, NEST) == (True, False, True)


def test_the_room_cools_to_the_set_point(simulator: Simulator, events: list[Json]) -> None:
    state = simulator.state
    state.update_device(
        NEST,
        {
            "properties": {
                "current_climate_setting": {
                    "hvac_mode_setting": "cool",
                    "cooling_set_point_celsius": 18,
                }
            }
        },
    )
    assert flags(simulator, NEST) == (False, True, True)
    state.update_device(NEST, {"properties": {"temperature_celsius": 17.9}})
    reached = only(events, "thermostat.temperature_reached_set_point")
    assert reached["desired_temperature_celsius"] == 18
    assert flags(simulator, NEST) == (False, False, False)
    # A room that cools while the thermostat heats reaches nothing.
    events.clear()
    state.update_device(
        NEST, {"properties": {"current_climate_setting": {"hvac_mode_setting": "heat"}}}
    )
    state.update_device(NEST, {"properties": {"temperature_celsius": 15}})
    assert "thermostat.temperature_reached_set_point" not in [e["event_type"] for e in events]


async def test_simulate_hvac_mode_adjusted(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    path = "/thermostats/simulate/hvac_mode_adjusted"
    status, answer = await seam(
        http,
        simulator,
        path,
        {
            "device_id": NEST,
            "hvac_mode": "heat_cool",
            "heating_set_point_fahrenheit": 64.4,
            "cooling_set_point_celsius": 26,
        },
    )
    assert (status, answer) == (200, {"ok": True})
    current = setting(simulator, NEST)
    assert current["hvac_mode_setting"] == "heat_cool"
    assert (current["heating_set_point_celsius"], current["cooling_set_point_fahrenheit"]) == (
        18.0,
        78.8,
    )
    # The seam command path was not used: no action attempt, and the method is external.
    assert simulator.state.action_attempts == {}
    (event,) = events
    assert (event["event_type"], event["method"]) == ("thermostat.manually_adjusted", "external")
    assert event["hvac_mode_setting"] == "heat_cool"
    assert "heating_set_point_celsius" in event

    await seam(http, simulator, path, {"device_id": NEST, "hvac_mode": "off"})
    assert setting(simulator, NEST)["hvac_mode_setting"] == "off"
    assert events[-1]["hvac_mode_setting"] == "off"
    for body, expected in [
        ({"device_id": NEST}, "hvac_mode is required"),
        (
            {"device_id": NEST, "hvac_mode": "eco"},
            "hvac_mode must be one of off, heat, cool, heat_cool",
        ),
        ({"device_id": NEST, "hvac_mode": ["heat"]}, "hvac_mode must be one of"),
        ({"device_id": NEST, "hvac_mode": "heat", "heating_set_point_celsius": 40}, "between"),
    ]:
        assert expected in await refused(http, simulator, path, body)


async def test_simulate_temperature_reached(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    path = "/thermostats/simulate/temperature_reached"
    status, answer = await seam(
        http, simulator, path, {"device_id": NEST, "temperature_celsius": 20.5}
    )
    assert (status, answer) == (200, {"ok": True})
    assert [event["event_type"] for event in events] == [
        "thermostat.temperature_changed",
        "thermostat.temperature_reached_set_point",
    ]
    assert flags(simulator, NEST) == (False, False, False)
    await seam(http, simulator, path, {"device_id": ECOBEE, "temperature_fahrenheit": 80})
    properties = simulator.state.devices[ECOBEE]["properties"]
    assert (properties["temperature_celsius"], properties["temperature_fahrenheit"]) == (26.7, 80)
    assert flags(simulator, ECOBEE) == (False, True, True)
    for body, expected in [
        ({"device_id": NEST}, "temperature_celsius or temperature_fahrenheit is required"),
        ({"device_id": NEST, "temperature_celsius": 20, "temperature_fahrenheit": 68}, "not both"),
        ({"device_id": NEST, "temperature_celsius": "warm"}, "must be a number"),
    ]:
        assert expected in await refused(http, simulator, path, body)


@pytest.mark.usefixtures("instant")
async def test_reset_restores_the_thermostats(simulator: Simulator, http: ClientSession) -> None:
    await command(http, simulator, "/thermostats/off", device_id=NEST)
    await command(
        http,
        simulator,
        "/thermostats/activate_climate_preset",
        device_id=ECOBEE,
        climate_preset_key="sleep",
    )
    simulator.state.update_device(NEST, {"properties": {"temperature_celsius": 30}})
    await control(http, simulator, "POST", "/reset")
    seeds = {device["device_id"]: device for device in seam_seed_devices()}
    assert simulator.state.devices[NEST] == seeds[NEST]
    assert simulator.state.devices[ECOBEE] == seeds[ECOBEE]
