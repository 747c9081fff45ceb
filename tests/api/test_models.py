"""Parsers on odd, malformed and random payloads."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
import orjson
import pytest

from custom_components.parqex.api import ApiError, InvalidResponseError, SeamDeviceError
from custom_components.parqex.api.parqex.models import (
    decode_parqex_token,
    decode_parqex_user,
    parse_parqex_sync,
)
from custom_components.parqex.api.seam.models import parse_seam_action_attempt, parse_seam_devices
from custom_components.parqex.api.seam.webhooks import parse_event, parse_webhook
from custom_components.parqex.api.transport import parse_retry_after
from simulator.seeds import (
    generate_parqex_controllers,
    generate_seam_devices,
    parqex_doc_controllers,
    seam_seed_devices,
)
from tests.strategies import attempt_bodies, parqex_bodies, seam_bodies


def _body(payload: Any) -> bytes:
    return orjson.dumps(payload)


def _door_ids(account: Any, controller_id: str) -> tuple[str, ...]:
    return tuple(door.id for door in account.controllers[controller_id].doors)


def test_parqex_skips_only_the_malformed_objects() -> None:
    controllers = parqex_doc_controllers()
    controllers[0]["doors"].append({"id": 7, "name": "bad id"})
    controllers[0]["doors"].append({"id": "extra", "name": " Ünïcödé  Gäräge ", "zzz": [1]})
    controllers[0]["doors"].append("not a door")
    controllers[1]["active"] = "yes"
    controllers.append(None)
    controllers.append({"id": "bare"})
    controllers.append({"id": "no doors", "doors": None})
    controllers.append({"id": "odd doors", "doors": "none"})

    account = parse_parqex_sync(_body({"devices": controllers, "unknown": True}))

    assert set(account.controllers) == {"9d9e5e0e093a06d5f16e1116d108d0c7", "bare", "no doors"}
    assert account.doors["extra"].name == "Ünïcödé  Gäräge"
    assert account.doors["extra"].state is None
    assert account.doors["extra"].is_open is None
    assert account.doors["extra"].active is True
    assert account.controllers["bare"].doors == ()
    # Two bad doors, the second controller (its door goes with it), the null controller and the
    # one whose doors are not a list.
    assert account.skipped == 5
    assert "a42308f43dbfaa8b1960a20ac4317b05" not in account.doors


def test_parqex_nulls_and_missing_fields() -> None:
    account = parse_parqex_sync(
        _body(
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

    account = parse_parqex_sync(_body({"devices": [first, second]}))

    assert list(account.controllers) == [first["id"]]
    assert _door_ids(account, first["id"]) == (
        first["doors"][0]["id"],
        first["doors"][1]["id"],
    )
    assert account.doors[first["doors"][0]["id"]].state == first["doors"][0]["state"]
    assert account.skipped == 2


def test_parqex_door_listed_under_two_controllers() -> None:
    first, second = generate_parqex_controllers(2, 1)
    second["doors"][0]["id"] = first["doors"][0]["id"]
    account = parse_parqex_sync(_body({"devices": [first, second]}))
    assert _door_ids(account, second["id"]) == ()
    assert _door_ids(account, first["id"]) == (first["doors"][0]["id"],)
    assert account.skipped == 1


def test_parqex_empty_account() -> None:
    account = parse_parqex_sync(_body({"devices": []}))
    assert (account.controllers, account.doors, account.skipped) == ({}, {}, 0)


@pytest.mark.parametrize("payload", [None, [], {"devices": None}, {"devices": {}}, "x", 3])
def test_parqex_wrong_top_level_shape(payload: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_parqex_sync(_body(payload))


def test_seam_skips_only_the_malformed_devices() -> None:
    devices = seam_seed_devices()[:5]
    devices[0]["properties"]["locked"] = "yes"
    devices[1]["errors"] = [{"message": "no code"}]
    devices[2]["capabilities_supported"] = ["lock", 5]
    devices.append({"device_id": devices[3]["device_id"]})
    devices.append(
        {"device_id": "bare", "properties": None, "location": None, "nickname": " Nick "}
    )
    devices.append({"device_id": "x", "errors": "none"})
    devices.append(7)

    parsed = parse_seam_devices(_body({"devices": devices}))

    assert list(parsed.devices) == [devices[3]["device_id"], devices[4]["device_id"], "bare"]
    assert parsed.skipped == 6
    bare = parsed.devices["bare"]
    assert bare.name == "Nick"
    assert (bare.online, bare.locked, bare.battery_level) == (None, None, None)
    assert bare.can_remotely_lock is False
    assert bare.remotely_operable is False


def test_seam_battery_sources_and_clamping() -> None:
    parsed = parse_seam_devices(
        _body(
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
    )
    assert parsed.devices["a"].battery_level == 1.0
    assert parsed.devices["b"].battery_level == 0.0
    assert parsed.devices["c"].keypad_battery_level == 0.3
    assert parsed.devices["c"].name == "august_lock"
    assert (
        parse_seam_devices(_body({"devices": [{"device_id": "d"}]})).devices["d"].name
        == "Seam device"
    )


def test_seam_integer_levels_and_non_object_errors() -> None:
    parsed = parse_seam_devices(
        _body(
            {
                "devices": [
                    {"device_id": "whole", "properties": {"battery_level": 1}},
                    {"device_id": "odd", "errors": ["device_offline"]},
                ]
            }
        )
    )
    assert parsed.devices["whole"].battery_level == 1.0
    assert list(parsed.devices) == ["whole"]
    assert parsed.skipped == 1


def test_seam_generated_full_property_devices_parse() -> None:
    parsed = parse_seam_devices(_body({"devices": generate_seam_devices(20), "ok": True}))
    assert len(parsed.devices) == 20
    assert parsed.skipped == 0
    device = next(iter(parsed.devices.values()))
    assert device.keypad_battery_level == 0.8
    assert device.model == "Generated Lock"
    assert device.image_url == "https://connect.getseam.com/assets/images/devices/unknown-lock.png"


@pytest.mark.parametrize(
    "payload", [None, [], {"ok": True}, {"devices": None}, {"accessible_devices": {}}]
)
def test_seam_wrong_top_level_shape(payload: Any) -> None:
    with pytest.raises(InvalidResponseError):
        parse_seam_devices(_body(payload))


def test_action_attempt_error_fields() -> None:
    attempt = parse_seam_action_attempt(
        _body(
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
    )
    assert (attempt.error_type, attempt.error_message) == ("action_attempt_expired", "Expired")


PARSERS = [parse_parqex_sync, parse_seam_devices, parse_seam_action_attempt, parse_webhook]


@pytest.mark.parametrize("parse", [*PARSERS, parse_event])
@pytest.mark.parametrize("body", [b"", b"<html>502</html>", b'{"devices": [', b"\xff\xfe"])
def test_bodies_that_are_not_json(parse: Any, body: bytes) -> None:
    with pytest.raises(InvalidResponseError, match="not JSON"):
        parse(body)


@pytest.mark.parametrize("parse", PARSERS)
def test_malformed_answers_name_the_place_never_the_value(parse: Any) -> None:
    secret = "whsec_dG9wIHNlY3JldA=="
    payload = {
        key: {"status": {"secret": secret}, "action_attempt_id": [secret], "url": 1}
        for key in ("devices", "action_attempt", "webhook")
    }
    with pytest.raises(InvalidResponseError) as caught:
        parse(_body(payload))
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value)


def test_one_bad_object_costs_nothing_else() -> None:
    """The answer parses the same whole or, once one object is broken, taken apart."""
    controllers = generate_parqex_controllers(4, 3)
    devices = generate_seam_devices(4)
    whole_account = parse_parqex_sync(_body({"devices": controllers}))
    whole_devices = parse_seam_devices(_body({"devices": devices}))

    broken_account = parse_parqex_sync(
        _body({"devices": [*controllers, {"id": "bad", "registered": "yes"}]})
    )
    broken_devices = parse_seam_devices(_body({"devices": [*devices, {"device_id": ["bad"]}]}))

    assert (broken_account.controllers, broken_account.skipped) == (whole_account.controllers, 1)
    assert broken_account.doors == whole_account.doors
    assert (broken_devices.devices, broken_devices.skipped) == (whole_devices.devices, 1)


def test_seam_nulls_are_empty_readings() -> None:
    parsed = parse_seam_devices(
        _body(
            {
                "devices": [
                    {
                        "device_id": "n",
                        "properties": {"battery": None, "model": None, "accessory_keypad": {}},
                        "location": None,
                        "errors": None,
                        "warnings": None,
                        "capabilities_supported": None,
                    }
                ]
            }
        )
    )
    device = parsed.devices["n"]
    assert (device.errors, device.warnings, device.capabilities) == ((), (), ())
    assert (device.location_name, device.model, device.manufacturer) == (None, None, None)
    assert (device.battery_status, device.keypad_battery_level) == (None, None)
    assert parsed.skipped == 0


def test_seam_device_after_events() -> None:
    device = parse_seam_devices(
        _body(
            {
                "devices": [
                    {
                        "device_id": "d",
                        "properties": {
                            "locked": True,
                            "online": True,
                            "battery": {"level": 0.5, "status": "good"},
                        },
                    }
                ]
            }
        )
    ).devices["d"]

    assert device.with_locked(False).locked is False
    offline = device.with_connection(False, (SeamDeviceError(code="device_disconnected"),))
    assert (offline.online, offline.error_codes) == (False, frozenset({"device_disconnected"}))
    assert offline.locked is True
    low = device.with_battery(1.4, None)
    assert (low.battery_level, low.battery_status) == (1.0, "good")
    worded = device.with_battery(None, "low")
    assert (worded.battery_level, worded.battery_status) == (0.5, "low")
    # The reading it replaced is untouched: models are values.
    assert (device.locked, device.battery_status) == (True, "good")


def test_seam_device_list_after_events() -> None:
    listed = parse_seam_devices(
        _body(
            {
                "devices": [
                    {"device_id": "a", "properties": {"serial_number": "SN-1", "locked": True}},
                    {"device_id": "b"},
                ]
            }
        )
    )
    first = listed.devices["a"]
    assert (first.serial_number, listed.devices["b"].serial_number) == ("SN-1", None)

    unlocked = listed.with_device(first.with_locked(False))
    assert list(unlocked.devices) == ["a", "b"]
    assert unlocked.devices["a"].locked is False
    added = listed.with_device(
        parse_seam_devices(_body({"devices": [{"device_id": "c"}]})).devices["c"]
    )
    assert list(added.devices) == ["a", "b", "c"]
    removed = listed.without_device("a")
    assert (list(removed.devices), removed.skipped) == (["b"], listed.skipped)
    assert listed.without_device("unknown") == listed
    # The list it replaced is untouched.
    assert list(listed.devices) == ["a", "b"]
    assert listed.devices["a"].locked is True


def test_parqex_values_are_read_as_sent() -> None:
    account = parse_parqex_sync(
        _body(
            {
                "devices": [
                    {
                        "id": "c",
                        "bluetooth_mac_address": "000000000000",
                        "last_contact": "2026-11-20T08:15:00+01:00",
                        "doors": [
                            {
                                "id": "d",
                                "bluetooth_sensor": False,
                                "bluetooth_sensor_battery_level": 0,
                                "bluetooth_sensor_mac_address": "401175900000",
                                "active": False,
                            },
                            # ParqEx deprecated `image`, `light` and `sensor`; a door that
                            # still carries them (with any value) decodes all the same.
                            {
                                "id": "legacy",
                                "name": "Legacy",
                                "state": "CLOSED",
                                "image": "https://cdn.parqex.com/door.png",
                                "light": True,
                                "sensor": "yes",
                            },
                        ],
                    }
                ]
            }
        )
    )
    controller, door = account.controllers["c"], account.doors["d"]
    assert controller.active is True
    assert controller.bluetooth_mac_address is None
    assert controller.reported_bluetooth_mac_address == "000000000000"
    assert controller.last_contact is not None
    assert controller.last_contact.utcoffset() is not None
    assert controller.last_contact.isoformat() == "2026-11-20T08:15:00+01:00"
    assert door.bluetooth_sensor_battery_level is None
    assert door.reported_bluetooth_sensor_battery_level == 0
    assert (door.active, door.bluetooth_sensor_mac) == (False, "401175900000")
    legacy = account.doors["legacy"]
    assert (legacy.name, legacy.is_open) == ("Legacy", False)
    assert account.skipped == 0
    for deprecated in ("image", "light", "sensor"):
        assert not hasattr(legacy, deprecated)


def _user_info(data: Any) -> bytes:
    return _body({"success": True, "timestamp": "2026-11-20 08:15:00", "data": data})


@pytest.mark.parametrize(
    ("first_name", "last_name", "name"),
    [
        ("Pat", "Garage", "Pat Garage"),
        ("  Pat ", " Garage\t", "Pat Garage"),
        ("Pat", None, "Pat"),
        (None, "Garage", "Garage"),
        ("   ", "Garage", "Garage"),
        ("", "", ""),
        (None, None, ""),
    ],
)
def test_parqex_user_name(first_name: str | None, last_name: str | None, name: str) -> None:
    user = decode_parqex_user(
        _user_info({"id": "u1", "first_name": first_name, "last_name": last_name})
    )
    assert (user.id, user.name) == ("u1", name)
    # The decoded fields stay as sent; only `name` tidies them.
    assert (user.first_name, user.last_name) == (first_name, last_name)


def test_parqex_user_without_names_and_with_unknown_fields() -> None:
    user = decode_parqex_user(_user_info({"id": "u2", "email": "pat@example.com"}))
    assert (user.id, user.first_name, user.last_name, user.name) == ("u2", None, None, "")


@pytest.mark.parametrize(
    "payload",
    [
        {"success": True},
        {"data": None},
        {"data": []},
        {"data": {"first_name": "Pat"}},
        {"data": {"id": ""}},
        {"data": {"id": 7}},
        {"data": {"id": "u", "first_name": 3}},
        [{"data": {"id": "u"}}],
    ],
)
def test_parqex_user_info_of_the_wrong_shape(payload: Any) -> None:
    with pytest.raises(InvalidResponseError, match="ParqEx user-info is malformed"):
        decode_parqex_user(_body(payload))


def test_parqex_user_info_that_is_not_json() -> None:
    with pytest.raises(InvalidResponseError, match="ParqEx user-info is not JSON"):
        decode_parqex_user(b"<html>Service temporarily degraded</html>")


ACCESS_TOKEN = "pqx_at_secret-access"
REFRESH_TOKEN = "pqx_rt_secret-refresh"


def test_parqex_token_decodes() -> None:
    token = decode_parqex_token(
        _body(
            {
                "access_token": ACCESS_TOKEN,
                "refresh_token": REFRESH_TOKEN,
                "expires_in": 3600,
                "token_type": "Bearer",
                "scope": "OPENDOOR,CLOSEDOOR",
                "id_token": "ignored",
            }
        )
    )
    assert (token.access_token, token.refresh_token) == (ACCESS_TOKEN, REFRESH_TOKEN)
    assert (token.expires_in, token.token_type, token.scope) == (
        3600,
        "Bearer",
        "OPENDOOR,CLOSEDOOR",
    )


def test_parqex_token_with_only_what_is_required() -> None:
    token = decode_parqex_token(_body({"access_token": ACCESS_TOKEN, "expires_in": 0}))
    assert (token.expires_in, token.refresh_token, token.token_type, token.scope) == (
        0,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"access_token": ACCESS_TOKEN, "expires_in": -1},
        {"access_token": ACCESS_TOKEN},
        {"access_token": ACCESS_TOKEN, "expires_in": "3600"},
        {"access_token": ACCESS_TOKEN, "expires_in": 1.5},
        {"access_token": "", "expires_in": 3600},
        {"refresh_token": REFRESH_TOKEN, "expires_in": 3600},
        {"access_token": ACCESS_TOKEN, "expires_in": 3600, "refresh_token": 5},
        {"error": "invalid_grant"},
        [],
    ],
)
def test_parqex_token_of_the_wrong_shape(payload: Any) -> None:
    with pytest.raises(InvalidResponseError, match="ParqEx token answer is malformed") as caught:
        decode_parqex_token(_body(payload))
    assert ACCESS_TOKEN not in str(caught.value)
    assert REFRESH_TOKEN not in str(caught.value)


def test_parqex_token_negative_lifetime_names_the_field() -> None:
    with pytest.raises(InvalidResponseError, match=r"expires_in"):
        decode_parqex_token(_body({"access_token": ACCESS_TOKEN, "expires_in": -30}))


def test_parqex_token_repr_hides_the_tokens() -> None:
    token = decode_parqex_token(
        _body(
            {
                "access_token": ACCESS_TOKEN,
                "refresh_token": REFRESH_TOKEN,
                "expires_in": 3600,
                "scope": "OPENDOOR",
            }
        )
    )
    for shown in (repr(token), str(token), f"{token}", f"{[token]}"):
        assert ACCESS_TOKEN not in shown
        assert REFRESH_TOKEN not in shown
    assert repr(token) == "ParqexToken(expires_in=3600, scope='OPENDOOR')"


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
        account = parse_parqex_sync(_body(payload))
    except ApiError:
        return
    listed = [door for controller in account.controllers.values() for door in controller.doors]
    assert [door.id for door in listed] == list(account.doors)
    for door in listed:
        assert account.doors[door.id] is door
        assert door.is_open in (True, False, None)
        assert door.name


@_FUZZ
@given(seam_bodies)
def test_fuzz_seam_only_raises_client_errors(payload: Any) -> None:
    try:
        devices = parse_seam_devices(_body(payload))
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
        parse_seam_action_attempt(_body(payload))
    except ApiError:
        return
