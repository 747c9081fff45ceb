"""The simulated Seam's noise sensors: seeds, thresholds, noise from the wall, the sandbox route."""

from __future__ import annotations

from datetime import UTC, datetime
import time
from zoneinfo import ZoneInfo

from aiohttp import ClientSession

from simulator.noise import daily_time, is_active, triggering
from simulator.seeds import (
    MINUT_SENSOR_ID,
    NOISEAWARE_ZONE_ID,
    SEED_TIME_ZONE,
    Json,
    seam_seed_devices,
    seam_seed_noise_thresholds,
)
from simulator.state import SimulatorState
from tests.conftest import Simulator
from tests.simulator.conftest import seam

MINUT = MINUT_SENSOR_ID
PATIO = NOISEAWARE_ZONE_ID
NEST = "054765c8-a2fc-4599-b486-14c19f462c45"
QUIET_INDOORS = "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a11"
PARTY_INDOORS = "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a12"
PARTY_PATIO = "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a22"
HOME = ZoneInfo(SEED_TIME_ZONE)
NIGHT = datetime(2026, 11, 20, 23, 30, tzinfo=HOME)
DAY = datetime(2026, 11, 20, 14, 0, tzinfo=HOME)
TRIGGERED = "noise_sensor.noise_threshold_triggered"


def at(simulator: Simulator, when: datetime) -> None:
    simulator.state.wall_clock = lambda: when


def noise(simulator: Simulator, device_id: str) -> tuple[float, list[str]]:
    properties = simulator.state.devices[device_id]["properties"]
    return (
        properties["noise_level_decibels"],
        properties["currently_triggering_noise_threshold_ids"],
    )


def test_the_seeded_noise_sensors() -> None:
    devices = {device["device_id"]: device for device in seam_seed_devices()}
    minut, patio = devices[MINUT], devices[PATIO]
    assert (minut["display_name"], minut["device_type"]) == (
        "Living Room Noise Sensor",
        "minut_sensor",
    )
    assert minut["capabilities_supported"] == ["noise_detection", "battery"]
    assert minut["properties"]["battery"] == {"level": 0.72, "status": "good"}
    readings = minut["properties"]["minut_metadata"]["latest_sensor_values"]
    assert set(readings) == {"temperature", "humidity", "pressure", "sound", "accelerometer_z"}
    assert readings["humidity"]["value"] == 41.5
    assert readings["sound"]["value"] == minut["properties"]["noise_level_decibels"]
    assert (patio["display_name"], patio["device_type"]) == (
        "Patio Noise Zone",
        "noiseaware_activity_zone",
    )
    assert patio["capabilities_supported"] == ["noise_detection"]
    assert "battery" not in patio["properties"]
    assert patio["properties"]["noiseaware_metadata"]["device_model"] == "outdoor"
    for device in (minut, patio):
        assert device["properties"]["currently_triggering_noise_threshold_ids"] == []

    thresholds = seam_seed_noise_thresholds()
    assert [(t["device_id"], t["name"], t["noise_threshold_decibels"]) for t in thresholds] == [
        (MINUT, "Quiet hours", 60.0),
        (MINUT, "Party alert", 80.0),
        (PATIO, "Quiet hours", 55.0),
        (PATIO, "Party alert", 75.0),
    ]
    assert thresholds[0]["starts_daily_at"] == "22:00:00[America/Los_Angeles]"
    assert thresholds[0]["ends_daily_at"] == "08:00:00[America/Los_Angeles]"
    assert len({t["noise_threshold_id"] for t in thresholds}) == 4


def test_thresholds_go_by_the_real_time_unless_told() -> None:
    now = SimulatorState().wall_clock()
    assert now.tzinfo is UTC
    assert abs(now.timestamp() - time.time()) < 60


def test_a_threshold_is_active_in_its_daily_span() -> None:
    quiet, party = seam_seed_noise_thresholds()[:2]
    # Each hour of the home's day belongs to exactly one of the two.
    for hour in range(24):
        when = datetime(2026, 11, 20, hour, 30, tzinfo=HOME)
        assert is_active(quiet, when) != is_active(party, when), hour
    assert is_active(quiet, NIGHT)
    assert is_active(party, DAY)
    assert not is_active(party, datetime(2026, 11, 20, 22, 0, tzinfo=HOME))
    # Times are the threshold's zone's: 14:00 at home is 22:00 in UTC.
    assert is_active(party, DAY.astimezone(UTC))
    utc_evening = {**party, "starts_daily_at": "20:00:00", "ends_daily_at": "23:00:00"}
    assert daily_time("20:00:00")[1] == ZoneInfo("UTC")
    assert is_active(utc_evening, DAY)
    assert triggering(80.0, [quiet, party], DAY) == [PARTY_INDOORS]
    assert triggering(79.9, [quiet, party], DAY) == []


async def test_thresholds_are_listed_per_sensor(simulator: Simulator, http: ClientSession) -> None:
    status, answer = await seam(
        http, simulator, "/noise_sensors/noise_thresholds/list", {"device_id": PATIO}
    )
    assert status == 200
    assert answer["ok"] is True
    assert [t["name"] for t in answer["noise_thresholds"]] == ["Quiet hours", "Party alert"]
    assert {t["device_id"] for t in answer["noise_thresholds"]} == {PATIO}
    status, answer = await seam(
        http, simulator, "/noise_sensors/noise_thresholds/list", {"device_id": NEST}
    )
    assert (status, answer["error"]["message"]) == (400, "Device does not support noise_detection")


def test_noise_from_the_wall_sets_off_thresholds(simulator: Simulator, events: list[Json]) -> None:
    at(simulator, NIGHT)
    state = simulator.state
    state.update_device(MINUT, {"properties": {"noise_level_decibels": 59.9}})
    assert noise(simulator, MINUT) == (59.9, [])
    assert events == []

    state.update_device(MINUT, {"properties": {"noise_level_decibels": 64.0}})
    assert noise(simulator, MINUT) == (64.0, [QUIET_INDOORS])
    (event,) = events
    assert event["event_type"] == TRIGGERED
    assert event["device_id"] == MINUT
    assert event["connected_account_id"] == state.devices[MINUT]["connected_account_id"]
    assert (event["noise_threshold_id"], event["noise_threshold_name"]) == (
        QUIET_INDOORS,
        "Quiet hours",
    )
    assert event["noise_level_decibels"] == 64.0
    sound = state.devices[MINUT]["properties"]["minut_metadata"]["latest_sensor_values"]["sound"]
    assert sound == {"time": "2026-11-21T07:30:00.000Z", "value": 64.0}

    # Still over it: not newly triggered. Quiet again: nothing triggering.
    state.update_device(MINUT, {"properties": {"noise_level_decibels": 70.0}})
    assert len(events) == 1
    state.update_device(MINUT, {"properties": {"noise_level_decibels": 40.0}})
    assert noise(simulator, MINUT) == (40.0, [])
    assert len(events) == 1


def test_triggering_thresholds_given_from_the_wall(
    simulator: Simulator, events: list[Json]
) -> None:
    at(simulator, DAY)
    state = simulator.state
    state.update_device(
        PATIO,
        {
            "properties": {
                "noise_level_decibels": 50.0,
                "currently_triggering_noise_threshold_ids": [PARTY_PATIO, "not-a-threshold"],
            }
        },
    )
    # As given, even under the threshold.
    assert noise(simulator, PATIO) == (50.0, [PARTY_PATIO, "not-a-threshold"])
    assert state.devices[PATIO]["properties"]["noiseaware_metadata"]["noise_level_decibel"] == 50.0
    assert [(e["noise_threshold_id"], e.get("noise_threshold_name")) for e in events] == [
        (PARTY_PATIO, "Party alert"),
        ("not-a-threshold", None),
    ]
    events.clear()
    state.update_device(
        PATIO, {"properties": {"currently_triggering_noise_threshold_ids": [PARTY_PATIO]}}
    )
    assert events == []


async def test_simulate_trigger_noise_threshold(
    simulator: Simulator, http: ClientSession, events: list[Json]
) -> None:
    path = "/noise_sensors/simulate/trigger_noise_threshold"
    at(simulator, NIGHT)
    assert await seam(http, simulator, path, {"device_id": MINUT}) == (200, {"ok": True})
    # Five decibels over the 60 dB of quiet hours.
    assert noise(simulator, MINUT) == (65.0, [QUIET_INDOORS])
    assert [(e["event_type"], e["noise_level_decibels"]) for e in events] == [(TRIGGERED, 65.0)]

    at(simulator, DAY)
    await seam(http, simulator, path, {"device_id": PATIO})
    assert noise(simulator, PATIO) == (80.0, [PARTY_PATIO])
    # Already louder than that: the noise stays, the threshold is set off.
    simulator.state.update_device(
        MINUT,
        {
            "properties": {
                "noise_level_decibels": 90.0,
                "currently_triggering_noise_threshold_ids": [],
            }
        },
    )
    await seam(http, simulator, path, {"device_id": MINUT})
    assert noise(simulator, MINUT) == (90.0, [PARTY_INDOORS])
    assert events[-1]["noise_threshold_name"] == "Party alert"

    for threshold_id in list(simulator.state.noise_thresholds):
        del simulator.state.noise_thresholds[threshold_id]
    status, answer = await seam(http, simulator, path, {"device_id": MINUT})
    assert (status, answer["error"]["type"]) == (400, "invalid_input")
    assert answer["error"]["message"] == "No noise threshold of this device is active now"
    for body, expected in [
        ({}, (400, "invalid_input")),
        ({"device_id": NEST}, (400, "invalid_input")),
        ({"device_id": "00000000-0000-4000-8000-000000000000"}, (404, "device_not_found")),
    ]:
        status, answer = await seam(http, simulator, path, body)
        assert (status, answer["error"]["type"]) == expected


async def test_reset_restores_the_thresholds_and_the_quiet(
    simulator: Simulator, http: ClientSession
) -> None:
    at(simulator, NIGHT)
    simulator.state.trigger_noise_threshold(MINUT)
    simulator.state.noise_thresholds.clear()
    async with http.post(f"{simulator.url}/_simulator/reset") as response:
        assert response.status == 200
    assert list(simulator.state.noise_thresholds.values()) == seam_seed_noise_thresholds()
    assert noise(simulator, MINUT) == (42.3, [])
    async with http.get(f"{simulator.url}/_simulator/state") as response:
        snapshot = await response.json()
    assert snapshot["seam"]["noise_thresholds"] == seam_seed_noise_thresholds()
