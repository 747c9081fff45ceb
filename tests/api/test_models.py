"""Parsers on odd, malformed and random payloads."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
import pytest

from custom_components.parqex.api import ApiError, InvalidResponseError
from custom_components.parqex.api.models import (
    parse_parqex_sync,
    parse_seam_action_attempt,
    parse_seam_devices,
)
from custom_components.parqex.api.transport import parse_retry_after
from simulator.seeds import (
    generate_parqex_controllers,
    generate_seam_devices,
    parqex_doc_controllers,
    seam_seed_devices,
)
from tests.strategies import attempt_bodies, parqex_bodies, seam_bodies


def test_parqex_skips_only_the_malformed_objects() -> None:
    controllers = parqex_doc_controllers()
    controllers[0]["doors"].append({"id": 7, "name": "bad id"})
    controllers[0]["doors"].append({"id": "extra", "name": " Ünïcödé  Gäräge ", "zzz": [1]})
    controllers[0]["doors"].append("not a door")
    controllers[1]["active"] = "yes"
    controllers.append(None)
    controllers.append({"id": "bare"})

    account = parse_parqex_sync({"devices": controllers, "unknown": True})

    assert set(account.controllers) == {"9d9e5e0e093a06d5f16e1116d108d0c7", "bare"}
    assert account.doors["extra"].name == "Ünïcödé  Gäräge"
    assert account.doors["extra"].state is None
    assert account.doors["extra"].is_open is None
    assert account.doors["extra"].active is True
    assert account.controllers["bare"].door_ids == ()
    # Two bad doors, the second controller (its door goes with it), and the null controller.
    assert account.skipped == 4
    assert "a42308f43dbfaa8b1960a20ac4317b05" not in account.doors


def test_parqex_nulls_and_missing_fields() -> None:
    account = parse_parqex_sync(
        {
            "devices": [
                {
                    "id": "c",
                    "doors": [
                        {"id": "d", "name": None, "entity_number": 2, "state": "CLOSED"},
                        {"id": "e", "name": "   ", "state": "STOPPED", "last_toggled": "later"},
                    ],
                    "registered": None,
                    "last_contact": None,
                }
            ]
        }
    )
    assert account.doors["d"].name == "Door 2"
    assert account.doors["d"].is_open is False
    assert account.doors["e"].name == "Door"
    assert account.doors["e"].is_open is None
    assert account.doors["e"].last_toggled is None
    assert account.controllers["c"].registered is None
    assert account.controllers["c"].last_contact is None


def test_parqex_duplicate_ids_keep_the_first() -> None:
    first, second = generate_parqex_controllers(2, 2)
    second["id"] = first["id"]
    twin = dict(first["doors"][0], state="CLOSED")
    first["doors"].append(twin)

    account = parse_parqex_sync({"devices": [first, second]})

    assert list(account.controllers) == [first["id"]]
    assert account.controllers[first["id"]].door_ids == (
        first["doors"][0]["id"],
        first["doors"][1]["id"],
    )
    assert account.doors[first["doors"][0]["id"]].state == first["doors"][0]["state"]
    assert account.skipped == 2


def test_parqex_door_listed_under_two_controllers() -> None:
    first, second = generate_parqex_controllers(2, 1)
    second["doors"][0]["id"] = first["doors"][0]["id"]
    account = parse_parqex_sync({"devices": [first, second]})
    assert account.controllers[second["id"]].door_ids == ()
    assert account.doors[first["doors"][0]["id"]].controller_id == first["id"]
    assert account.skipped == 1


def test_parqex_empty_account() -> None:
    account = parse_parqex_sync({"devices": []})
    assert (account.controllers, account.doors, account.skipped) == ({}, {}, 0)


@pytest.mark.parametrize("payload", [None, [], {"devices": None}, {"devices": {}}, "x", 3])
def test_parqex_wrong_top_level_shape(payload: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_parqex_sync(payload)


def test_seam_skips_only_the_malformed_devices() -> None:
    devices = seam_seed_devices()
    devices[0]["properties"]["locked"] = "yes"
    devices[1]["errors"] = [{"message": "no code"}]
    devices[2]["capabilities_supported"] = ["lock", 5]
    devices.append({"device_id": devices[3]["device_id"]})
    devices.append(
        {"device_id": "bare", "properties": None, "location": None, "nickname": " Nick "}
    )
    devices.append({"device_id": "x", "errors": "none"})
    devices.append(7)

    parsed = parse_seam_devices({"devices": devices})

    assert list(parsed.devices) == [devices[3]["device_id"], devices[4]["device_id"], "bare"]
    assert parsed.skipped == 6
    bare = parsed.devices["bare"]
    assert bare.name == "Nick"
    assert (bare.online, bare.locked, bare.battery_level) == (None, None, None)
    assert bare.can_remotely_lock is False


def test_seam_battery_sources_and_clamping() -> None:
    parsed = parse_seam_devices(
        {
            "devices": [
                {"device_id": "a", "properties": {"battery": {"level": 1.7, "status": "full"}}},
                {"device_id": "b", "properties": {"battery_level": -0.2}},
                {
                    "device_id": "c",
                    "properties": {"accessory_keypad": {"battery": {"level": 0.3}}},
                    "device_type": "august_lock",
                },
            ]
        }
    )
    assert parsed.devices["a"].battery_level == 1.0
    assert parsed.devices["b"].battery_level == 0.0
    assert parsed.devices["c"].keypad_battery_level == 0.3
    assert parsed.devices["c"].name == "august_lock"
    assert parse_seam_devices({"devices": [{"device_id": "d"}]}).devices["d"].name == "Seam device"


def test_seam_integer_levels_and_non_object_errors() -> None:
    parsed = parse_seam_devices(
        {
            "devices": [
                {"device_id": "whole", "properties": {"battery_level": 1}},
                {"device_id": "odd", "errors": ["device_offline"]},
            ]
        }
    )
    assert parsed.devices["whole"].battery_level == 1.0
    assert list(parsed.devices) == ["whole"]
    assert parsed.skipped == 1


def test_seam_generated_full_property_devices_parse() -> None:
    parsed = parse_seam_devices({"devices": generate_seam_devices(20), "ok": True})
    assert len(parsed.devices) == 20
    assert parsed.skipped == 0
    device = next(iter(parsed.devices.values()))
    assert device.keypad_battery_level == 0.8
    assert device.model == "Generated Lock"


@pytest.mark.parametrize(
    "payload", [None, [], {"ok": True}, {"devices": None}, {"accessible_devices": {}}]
)
def test_seam_wrong_top_level_shape(payload: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_seam_devices(payload)


def test_action_attempt_error_fields() -> None:
    attempt = parse_seam_action_attempt(
        {
            "action_attempt": {
                "action_attempt_id": "a",
                "action_type": "UNLOCK_DOOR",
                "status": "error",
                "result": None,
                "error": {"type": "action_attempt_expired", "message": "Expired"},
            }
        }
    )
    assert (attempt.error_type, attempt.error_message) == ("action_attempt_expired", "Expired")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("30", 30.0),
        (" 5 ", 5.0),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        # "-0000" means "zone unknown": read as UTC.
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),
    ],
)
def test_retry_after_forms(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


_FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(parqex_bodies)
def test_fuzz_parqex_only_raises_client_errors(payload: Any) -> None:
    try:
        account = parse_parqex_sync(payload)
    except ApiError:
        return
    for door in account.doors.values():
        assert door.id in account.controllers[door.controller_id].door_ids
        assert door.is_open in (True, False, None)


@_FUZZ
@given(seam_bodies)
def test_fuzz_seam_only_raises_client_errors(payload: Any) -> None:
    try:
        devices = parse_seam_devices(payload)
    except ApiError:
        return
    for device in devices.devices.values():
        assert device.battery_level is None or 0.0 <= device.battery_level <= 1.0
        assert isinstance(device.name, str)
        assert device.name


@_FUZZ
@given(attempt_bodies)
def test_fuzz_action_attempt_only_raises_client_errors(payload: Any) -> None:
    try:
        parse_seam_action_attempt(payload)
    except ApiError:
        return
