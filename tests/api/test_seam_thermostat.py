"""Seam thermostats and noise sensors in the API package: readings, scales and commands."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import orjson
import pytest

from custom_components.parqex.api import CELSIUS, FAHRENHEIT, SeamClient, SeamDevice
from custom_components.parqex.api.seam.models import parse_seam_device, parse_seam_devices
from custom_components.parqex.api.seam.thermostat import to_celsius, to_fahrenheit
from custom_components.parqex.api.seam.webhooks import parse_event
from simulator.seeds import (
    DEFAULT_SEAM_API_KEY,
    DEFAULT_USER_IDENTITY_ID,
    ECOBEE_THERMOSTAT_ID,
    MINUT_SENSOR_ID,
    NEST_THERMOSTAT_ID,
    NOISEAWARE_ZONE_ID,
)
from tests.conftest import Simulator


def device(properties: dict[str, Any], **top: Any) -> SeamDevice:
    body = {"device": {"device_id": "d", "properties": properties, **top}}
    return parse_seam_device(orjson.dumps(body))


def thermostat_device(properties: dict[str, Any], **top: Any) -> SeamDevice:
    return device(properties, capabilities_supported=["thermostat"], **top)


async def test_seeded_thermostats_and_sensors(simulator: Simulator, http: ClientSession) -> None:
    client = SeamClient(http, DEFAULT_SEAM_API_KEY, base_url=simulator.url)
    devices = (await client.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)).devices

    living = devices[ECOBEE_THERMOSTAT_ID].thermostat
    assert living is not None
    assert living.scale == CELSIUS
    assert (living.temperature, living.humidity) == (22.2, 38.0)
    assert (living.hvac_mode, living.fan_mode) == ("heat_cool", "auto")
    assert (living.heating_set_point, living.cooling_set_point) == (20.0, 24.0)
    assert living.hvac_modes == ("off", "heat", "cool", "heat_cool")
    assert living.fan_modes == ("auto", "on", "circulate")
    assert [preset.label for preset in living.presets] == ["Home", "Away", "Sleep"]
    assert living.preset_key == "home"
    assert living.heating_limits == (7.0, 26.0)
    assert living.cooling_limits == (18.0, 33.0)
    assert living.min_delta == 1.5
    assert (living.is_heating, living.is_cooling, living.is_fan_running) == (False,) * 3

    hallway = devices[NEST_THERMOSTAT_ID].thermostat
    assert hallway is not None
    assert (hallway.is_heating, hallway.is_fan_running) == (True, True)
    assert "eco" in hallway.hvac_modes
    assert hallway.presets == ()

    minut = devices[MINUT_SENSOR_ID]
    assert minut.thermostat is None
    assert minut.is_noise_sensor
    assert (minut.noise_level, minut.noise_alert) == (42.3, False)
    assert (minut.minut_temperature, minut.minut_humidity) == (21.8, 41.5)
    zone = devices[NOISEAWARE_ZONE_ID]
    assert (zone.minut_temperature, zone.minut_humidity) == (None, None)
    assert not devices[ECOBEE_THERMOSTAT_ID].is_noise_sensor


def test_fahrenheit_only_thermostat_is_read_in_fahrenheit() -> None:
    thermostat = thermostat_device(
        {
            "temperature_fahrenheit": 70.0,
            "min_heating_set_point_fahrenheit": 45.0,
            "max_heating_set_point_fahrenheit": 90.0,
            "min_cooling_set_point_fahrenheit": 60.0,
            "max_cooling_set_point_fahrenheit": 92.0,
            "min_heating_cooling_delta_fahrenheit": 3.0,
            "current_climate_setting": {
                "heating_set_point_fahrenheit": 68.0,
                "cooling_set_point_fahrenheit": 75.0,
            },
        }
    ).thermostat
    assert thermostat is not None
    assert thermostat.scale == FAHRENHEIT
    assert (thermostat.temperature, thermostat.heating_set_point) == (70.0, 68.0)
    assert thermostat.cooling_set_point == 75.0
    assert thermostat.heating_limits == (45.0, 90.0)
    assert thermostat.cooling_limits == (60.0, 92.0)
    assert thermostat.min_delta == 3.0


def test_modes_from_capability_flags_when_none_are_listed() -> None:
    thermostat = thermostat_device(
        {}, can_hvac_heat=True, can_hvac_cool=False, can_turn_off_hvac=True
    ).thermostat
    assert thermostat is not None
    assert thermostat.hvac_modes == ("off", "heat")
    # Nothing said: no mode, no readings, nothing running.
    assert (thermostat.hvac_mode, thermostat.temperature, thermostat.humidity) == (None,) * 3
    assert thermostat.is_heating is False


def test_humidity_out_of_range_is_clamped() -> None:
    thermostat = thermostat_device({"relative_humidity": 1.7}).thermostat
    assert thermostat is not None
    assert thermostat.humidity == 100.0


def test_devices_change_as_confirmed_commands_and_events_say() -> None:
    thermostat = thermostat_device({"temperature_celsius": 20.0})
    heated = thermostat.with_climate_setting(
        scale=CELSIUS, heating_set_point=21.5, hvac_mode_setting="heat"
    )
    setting = heated.properties.current_climate_setting
    assert setting is not None
    assert (setting.heating_set_point_celsius, setting.heating_set_point_fahrenheit) == (21.5, 70.7)
    assert setting.cooling_set_point_celsius is None
    assert setting.hvac_mode_setting == "heat"
    cooled = heated.with_climate_setting(scale=FAHRENHEIT, cooling_set_point=77.0)
    setting = cooled.properties.current_climate_setting
    assert setting is not None
    assert (setting.cooling_set_point_celsius, setting.hvac_mode_setting) == (25.0, "heat")

    assert thermostat.with_temperature(None, None) is thermostat
    warmer = thermostat.with_temperature(22.0, None).properties
    assert (warmer.temperature_celsius, warmer.temperature_fahrenheit) == (22.0, 71.6)
    colder = thermostat.with_temperature(None, 50.0).properties
    assert (colder.temperature_celsius, colder.temperature_fahrenheit) == (10.0, 50.0)

    sensor = device({"noise_level_decibels": 40.0}, capabilities_supported=["noise_detection"])
    assert sensor.noise_alert is None
    assert sensor.with_noise_level(None) is sensor
    assert sensor.with_noise_level(66.0).noise_level == 66.0
    assert sensor.with_noise_triggered(None) is sensor
    alerted = sensor.with_noise_triggered("quiet")
    assert alerted.noise_alert is True
    assert alerted.with_noise_triggered("quiet") is alerted
    assert alerted.with_noise_triggered(
        "party"
    ).properties.currently_triggering_noise_threshold_ids == (
        "quiet",
        "party",
    )


@pytest.mark.parametrize(("celsius", "fahrenheit"), [(0.0, 32.0), (21.5, 70.7), (-40.0, -40.0)])
def test_scales_convert_to_a_tenth(celsius: float, fahrenheit: float) -> None:
    assert to_fahrenheit(celsius) == fahrenheit
    assert to_celsius(fahrenheit) == celsius


def test_malformed_thermostat_fields_cost_only_their_device() -> None:
    body = {
        "devices": [
            {"device_id": "bad", "properties": {"available_hvac_mode_settings": "heat"}},
            {"device_id": "good", "properties": {"temperature_celsius": 20}},
        ]
    }
    devices = parse_seam_devices(orjson.dumps(body))
    assert list(devices.devices) == ["good"]
    assert devices.skipped == 1


def test_thermostat_and_noise_event_fields() -> None:
    event = parse_event(
        orjson.dumps(
            {
                "event_type": "thermostat.manually_adjusted",
                "device_id": "d",
                "hvac_mode_setting": "cool",
                "fan_mode_setting": "on",
                "cooling_set_point_celsius": 24.0,
                "cooling_set_point_fahrenheit": 75.2,
                "method": "external",
            }
        )
    )
    assert (event.hvac_mode_setting, event.fan_mode_setting) == ("cool", "on")
    assert event.cooling_set_point_celsius == 24.0
    noise = parse_event(
        orjson.dumps(
            {
                "event_type": "noise_sensor.noise_threshold_triggered",
                "device_id": "d",
                "noise_threshold_id": "t",
                "noise_threshold_name": "Quiet hours",
                "noise_level_decibels": 71.5,
            }
        )
    )
    assert (noise.noise_threshold_name, noise.noise_level_decibels) == ("Quiet hours", 71.5)


type Command = Callable[[SeamClient], Awaitable[Any]]


@pytest.fixture
async def recorder(socket_enabled: None) -> AsyncIterator[tuple[str, list[tuple[str, Any]]]]:
    """A stand-in for Seam that records each command's path and body, and accepts it."""
    received: list[tuple[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        received.append((request.path, await request.json()))
        attempt = {"action_attempt_id": "a", "status": "success", "action_type": "X"}
        return web.json_response({"action_attempt": attempt, "ok": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), received
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("command", "path", "body"),
    [
        (
            lambda c: c.async_thermostat_heat("d", 21.5),
            "/thermostats/heat",
            {"device_id": "d", "heating_set_point_celsius": 21.5},
        ),
        (lambda c: c.async_thermostat_heat("d"), "/thermostats/heat", {"device_id": "d"}),
        (
            lambda c: c.async_thermostat_cool("d", 75.0, scale="fahrenheit"),
            "/thermostats/cool",
            {"device_id": "d", "cooling_set_point_fahrenheit": 75.0},
        ),
        (
            lambda c: c.async_thermostat_heat_cool("d", 20.0, 24.0),
            "/thermostats/heat_cool",
            {
                "device_id": "d",
                "heating_set_point_celsius": 20.0,
                "cooling_set_point_celsius": 24.0,
            },
        ),
        (lambda c: c.async_thermostat_off("d"), "/thermostats/off", {"device_id": "d"}),
        (
            lambda c: c.async_thermostat_set_hvac_mode("d", "eco"),
            "/thermostats/set_hvac_mode",
            {"device_id": "d", "hvac_mode_setting": "eco"},
        ),
        (
            lambda c: c.async_thermostat_set_hvac_mode("d", "heat", heating_set_point=19.0),
            "/thermostats/set_hvac_mode",
            {"device_id": "d", "hvac_mode_setting": "heat", "heating_set_point_celsius": 19.0},
        ),
        (
            lambda c: c.async_thermostat_set_fan_mode("d", "circulate"),
            "/thermostats/set_fan_mode",
            {"device_id": "d", "fan_mode_setting": "circulate"},
        ),
        (
            lambda c: c.async_thermostat_activate_climate_preset("d", "away"),
            "/thermostats/activate_climate_preset",
            {"device_id": "d", "climate_preset_key": "away"},
        ),
    ],
    ids=[
        "heat",
        "heat_keeping_set_point",
        "cool_fahrenheit",
        "heat_cool",
        "off",
        "eco",
        "set_hvac_mode_with_set_point",
        "fan",
        "preset",
    ],
)
async def test_commands_send_seams_fields(
    recorder: tuple[str, list[tuple[str, Any]]],
    http: ClientSession,
    command: Command,
    path: str,
    body: dict[str, Any],
) -> None:
    url, received = recorder
    client = SeamClient(http, DEFAULT_SEAM_API_KEY, base_url=url)
    attempt = await client.async_confirmed(command(client))
    assert attempt.status == "success"
    assert received == [(path, body)]
