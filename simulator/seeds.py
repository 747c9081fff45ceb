"""Payloads the simulator starts with, and generators of large synthetic accounts.

Everything here is JSON-shaped (plain dicts and lists), exactly what the services send.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Final
import uuid

# A static access token of the default ParqEx user: never expires, for tests and development
# that skip OAuth (`SimulatorState.parqex_token` may replace it).
DEFAULT_PARQEX_TOKEN: Final = "simulated-parqex-access-token"
DEFAULT_SEAM_API_KEY: Final = "seam_simulated_api_key_0123456789"
DEFAULT_USER_IDENTITY_ID: Final = "f3a328b4-dd04-4370-9000-d52b7a01b0bf"
WORKSPACE_ID: Final = "398d80b7-3f96-47c2-b85a-6f8ba21d07be"
CONNECTED_ACCOUNT_ID: Final = "44284499-a50b-4947-86c1-58264f014be5"

type Json = dict[str, Any]

# Where the seeded household is: device locations and the noise thresholds' daily times.
SEED_TIME_ZONE: Final = "America/Los_Angeles"
NEST_THERMOSTAT_ID: Final = "054765c8-a2fc-4599-b486-14c19f462c45"
ECOBEE_THERMOSTAT_ID: Final = "b2e7c4a9-5d31-4f8e-a6c2-7d9e1f3a5b06"
MINUT_SENSOR_ID: Final = "d4a6f8b1-2c3e-4d5f-8a9b-0c1d2e3f4a07"
NOISEAWARE_ZONE_ID: Final = "f1e2d3c4-b5a6-4978-8d9e-af0b1c2d3e08"
FRONT_DOOR_ID: Final = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_DOOR_ID: Final = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
# The seeded keypad codes: managed by Seam ("Family", "Cleaner") and set at the lock itself.
FRONT_FAMILY_CODE_ID: Final = "c0de0001-7c1a-4e5e-9a55-2f0c8b1d6e01"
FRONT_CLEANER_CODE_ID: Final = "c0de0002-7c1a-4e5e-9a55-2f0c8b1d6e01"
FRONT_UNMANAGED_CODE_ID: Final = "c0de0003-7c1a-4e5e-9a55-2f0c8b1d6e01"
BACK_FAMILY_CODE_ID: Final = "c0de0001-0b6f-4a2c-b7a9-51d3f4e2a902"
BACK_CLEANER_CODE_ID: Final = "c0de0002-0b6f-4a2c-b7a9-51d3f4e2a902"
BACK_UNMANAGED_CODE_ID: Final = "c0de0003-0b6f-4a2c-b7a9-51d3f4e2a902"
# The cleaner's codes open the doors for this stretch of time.
CLEANER_STARTS_AT: Final = "2026-11-01T08:00:00.000Z"
CLEANER_ENDS_AT: Final = "2027-05-01T08:00:00.000Z"

# ParqEx's paths (the authorization and token endpoints answer with and without the slash).
PARQEX_SYNC_PATH: Final = "/oauth/v1/endpoints/sync"
PARQEX_USER_INFO_PATH: Final = "/oauth/v1/endpoints/user-info"
PARQEX_TOGGLE_HISTORY_PATH: Final = "/oauth/v1/endpoints/toggle-history"
PARQEX_AUTHORIZE_PATH: Final = "/oauth/v2/endpoints/authorization/"
PARQEX_TOKEN_PATH: Final = "/oauth/v2/endpoints/token/"
# The toggle path: the docs print both forms; `SimulatorState.toggle_path` picks the one that
# answers, the other is a plain 404.
PARQEX_TOGGLE_PATHS: Final = {
    "plural": "/oauth/v1/endpoints/toggle",
    "singular": "/oauth/v1/endpoint/toggle",
}

# OAuth 2.0 (authorization code, rotating refresh tokens): the seeded client.
DEFAULT_PARQEX_CLIENT_ID: Final = "parqex-dev-client"
DEFAULT_PARQEX_CLIENT_SECRET: Final = "parqex-dev-secret"
# Redirect URLs the seeded client accepts as they are: Home Assistant's test harness and My
# Home Assistant. It also accepts any local Home Assistant's callback (`LOCAL_REDIRECT_PATTERN`).
DEFAULT_PARQEX_REDIRECT_URIS: Final = (
    "https://example.com/auth/external/callback",
    "https://my.home-assistant.io/redirect/oauth",
)
LOCAL_REDIRECT_PATTERN: Final = (
    r"http://(?:127\.0\.0\.1|localhost):[0-9]{1,5}/auth/external/callback"
)
PARQEX_SCOPES: Final = ("OPENDOOR", "CLOSEDOOR")
# Seconds an access token lasts (`SimulatorState.token_lifetime`), and an authorization code.
DEFAULT_TOKEN_LIFETIME: Final = 3600
AUTHORIZATION_CODE_LIFETIME: Final = 600

# ParqEx users: the default one owns `DEFAULT_PARQEX_TOKEN` and approves sign-ins; the guest
# is another account, for "wrong account" tests (`SimulatorState.authorizing_user`).
DEFAULT_PARQEX_USER: Final[Json] = {
    "id": "5f2b9c1e7a3d4e6f8091a2b3c4d5e6f7",
    "first_name": "Pat",
    "last_name": "Garage",
}
GUEST_PARQEX_USER: Final[Json] = {
    "id": "b7e4a1c9d2f6403e8a5b9c0d1e2f3a4b",
    "first_name": "Alex",
    "last_name": "Guest",
}
# Someone else at home with access to the same doors: operates them from the ParqEx app and
# never signs in to the integration, so only the toggle history names them.
FAMILY_PARQEX_USER: Final[Json] = {
    "id": "e9c3d5a7b1f24e6a8c0d2f4b6a8c0e1d",
    "first_name": "Jamie",
    "last_name": "Rivera",
}
# Only the toggle history shows e-mail addresses.
PARQEX_EMAIL_ADDRESSES: Final = {
    DEFAULT_PARQEX_USER["id"]: "pat.garage@example.com",
    GUEST_PARQEX_USER["id"]: "alex.guest@example.com",
    FAMILY_PARQEX_USER["id"]: "jamie.rivera@example.com",
}

# Toggling: seconds a door takes to move (`SimulatorState.travel_time`), and the answers.
DEFAULT_TRAVEL_TIME: Final = 5.0
TOGGLE_ACCEPTED: Final = "200"
TOGGLE_MALFORMED: Final = "Error communicating with ParqEx Controller. Malformed Request. (400)"
TOGGLE_NOT_FOUND: Final = (
    "Sorry, your ParqEx Controller can't be found. "
    "Please unplug the ParqEx Controller and then plug it back in."
)
# What each `SimulatorState.toggle_failure` answers.
TOGGLE_FAILURES: Final = {
    "400": TOGGLE_MALFORMED,
    "401": "Error communicating with ParqEx Controller. Authentication error. (401)",
    "428": (
        "Your ParqEx Controller requires pairing a door sensor before the request can be "
        "processed. (428)"
    ),
    "501": "Error communicating with ParqEx Controller. Not Implemented error. (501)",
    "not_found": TOGGLE_NOT_FOUND,
}


def parqex_doc_controllers() -> list[Json]:
    """The two controllers of ParqEx's "Get User Devices" example, field for field."""
    return [
        {
            "active": True,
            "number_of_entities_controlled": 3,
            "owner_last_name": "Production",
            "registered": True,
            "bluetooth_onboard": False,
            "last_contact": "2020-12-18 18:47:25",
            "bluetooth_mac_address": "000000000000",
            "owner_first_name": "ParqEx",
            "time_before_door_open_alert": 900,
            "blackbox_code": "20000c2a6908848d",
            "doors": [
                {
                    "entity_number": 1,
                    "door_auto_close_delay": 0,
                    "bluetooth_sensor_mac_address": "000000000000",
                    "name": "Kitty",
                    "active": True,
                    "bluetooth_sensor_battery_level": 0,
                    "sensor": False,
                    "door_auto_close_enabled": False,
                    "last_toggled": "2020-12-18 18:32:25",
                    "user_relationship": "Has Access",
                    "image": "",
                    "light": False,
                    "bluetooth_sensor": False,
                    "state": "OPEN",
                    "id": "70fc7ebd63d841d9a9f06ff815be1e7c",
                }
            ],
            "id": "9d9e5e0e093a06d5f16e1116d108d0c7",
            "software_version": "0",
        },
        {
            "active": True,
            "number_of_entities_controlled": 3,
            "owner_last_name": "Test",
            "registered": True,
            "bluetooth_onboard": False,
            "last_contact": "2020-08-21 02:33:37",
            "bluetooth_mac_address": "000000000000",
            "owner_first_name": "ParqEx",
            "time_before_door_open_alert": 900,
            "blackbox_code": "30000c2a691dd625",
            "doors": [
                {
                    "bluetooth_sensor_mac_address": "4011759015b7",
                    "light": False,
                    "image": "",
                    "state": "OPEN",
                    "door_auto_close_enabled": True,
                    "entity_number": 1,
                    "sensor": False,
                    "bluetooth_sensor_battery_level": 98,
                    "last_toggled": "2020-08-21 02:33:37",
                    "bluetooth_sensor": True,
                    "active": True,
                    "name": "Last Door! ",
                    "id": "a42308f43dbfaa8b1960a20ac4317b05",
                    "user_relationship": "Owner",
                    "door_auto_close_delay": 3600,
                }
            ],
            "id": "35ff0e08ac8eb84ca097a894541ba049",
            "software_version": "0",
        },
    ]


def _hex_id(*parts: object) -> str:
    return hashlib.md5(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def generate_parqex_controllers(count: int, doors_per_controller: int) -> list[Json]:
    """`count` controllers with `doors_per_controller` doors each, deterministic ids."""
    controllers = []
    for index in range(count):
        doors = []
        for number in range(1, doors_per_controller + 1):
            has_sensor = number % 2 == 1
            doors.append(
                {
                    "entity_number": number,
                    "door_auto_close_delay": 600 * number,
                    "bluetooth_sensor_mac_address": f"40117590{index % 0xFFFF:04x}"
                    if has_sensor
                    else "000000000000",
                    "name": f"Garage {index + 1} door {number}",
                    "active": True,
                    "bluetooth_sensor_battery_level": 40 + (index + number) % 60
                    if has_sensor
                    else 0,
                    "sensor": not has_sensor,
                    "door_auto_close_enabled": number == 1,
                    "last_toggled": "2026-11-20 08:15:00",
                    "user_relationship": "Owner" if index % 3 else "Has Access",
                    "image": "",
                    "light": False,
                    "bluetooth_sensor": has_sensor,
                    "state": "CLOSED" if (index + number) % 2 else "OPEN",
                    "id": _hex_id("door", index, number),
                }
            )
        controllers.append(
            {
                "active": True,
                "number_of_entities_controlled": max(3, doors_per_controller),
                "owner_last_name": f"Owner{index}",
                "registered": True,
                "bluetooth_onboard": False,
                "last_contact": "2026-11-20 08:15:00",
                "bluetooth_mac_address": "000000000000",
                "owner_first_name": "Generated",
                "time_before_door_open_alert": 900,
                "blackbox_code": f"{index + 1:016x}",
                "doors": doors,
                "id": _hex_id("controller", index),
                "software_version": "2.4.1",
            }
        )
    return controllers


def _lock(
    device_id: str,
    device_type: str,
    name: str,
    *,
    manufacturer: str,
    model: str,
    locked: bool,
    battery: float | None,
    door_open: bool | None = None,
    online: bool = True,
    remote: bool = True,
    online_codes: bool = True,
    code_lengths: tuple[int, ...] = (4, 5, 6, 7, 8),
    code_constraints: list[Json] | None = None,
    auto_lock_delay: float | None = None,
    extra_properties: Json | None = None,
    errors: list[Json] | None = None,
) -> Json:
    """A seeded lock with a keypad; `auto_lock_delay` for one that can auto-lock (off at first)."""
    properties: Json = {
        "online": online,
        "locked": locked,
        "manufacturer": manufacturer.lower(),
        "model": {
            "display_name": model,
            "manufacturer_display_name": manufacturer,
            "has_built_in_keypad": True,
            "can_connect_accessory_keypad": False,
        },
        "serial_number": _hex_id("serial", device_id)[:12].upper(),
        "image_url": f"https://connect.getseam.com/assets/images/devices/{device_type}.png",
        "image_alt_text": f"{manufacturer} {model}",
        "has_direct_power": False,
        "online_access_codes_enabled": online_codes,
        "offline_access_codes_enabled": False,
        "supported_code_lengths": list(code_lengths),
        "max_active_codes_supported": 20,
    }
    if online_codes:
        properties["code_constraints"] = code_constraints or []
    if auto_lock_delay is not None:
        properties["auto_lock_enabled"] = False
        properties["auto_lock_delay_seconds"] = auto_lock_delay
    if battery is not None:
        properties["battery_level"] = battery
        properties["battery"] = {"level": battery, "status": battery_status(battery)}
    if door_open is not None:
        properties["door_open"] = door_open
    properties.update(extra_properties or {})
    return _device(
        device_id,
        device_type,
        name,
        ["access_code", "lock"],
        properties,
        errors=errors,
        flags={
            "can_remotely_lock": remote,
            "can_remotely_unlock": remote,
            "can_program_online_access_codes": online_codes,
            "can_program_offline_access_codes": False,
            "can_unlock_with_code": True,
            "can_configure_auto_lock": auto_lock_delay is not None,
        },
    )


def _device(
    device_id: str,
    device_type: str,
    name: str,
    capabilities: list[str],
    properties: Json,
    *,
    errors: list[Json] | None = None,
    created_at: str = "2026-01-15T10:00:00.000Z",
    flags: dict[str, bool] | None = None,
) -> Json:
    """A seeded device with what every Seam device carries, `flags` at the top level."""
    # Seam requires the provider's own name for the device besides the display name.
    properties = {"name": name, "appearance": {"name": name}, **properties}
    return {
        "device_id": device_id,
        "device_type": device_type,
        "nickname": "",
        "display_name": name,
        "capabilities_supported": capabilities,
        "properties": properties,
        "location": {"location_name": "Home", "timezone": SEED_TIME_ZONE},
        "connected_account_id": CONNECTED_ACCOUNT_ID,
        "workspace_id": WORKSPACE_ID,
        "space_ids": [],
        "created_at": created_at,
        "errors": errors or [],
        "warnings": [],
        "is_managed": True,
        "custom_metadata": {},
        **(flags or {}),
    }


def battery_status(level: float) -> str:
    """Seam's word for a battery level."""
    if level < 0.1:
        return "critical"
    if level < 0.25:
        return "low"
    if level < 0.9:
        return "good"
    return "full"


def seam_seed_devices() -> list[Json]:
    """A household as Seam would show it: varied locks, a fault, thermostats, noise sensors."""
    return [
        _lock(
            FRONT_DOOR_ID,
            "schlage_lock",
            "Front Door",
            manufacturer="Schlage",
            model="Encode Plus",
            locked=True,
            battery=0.86,
            door_open=False,
            code_lengths=(4, 6),
            code_constraints=[
                {"constraint_type": "no_ascending_or_descending_sequence"},
                {"constraint_type": "no_all_same_digits"},
                {"constraint_type": "name_length", "max_length": 20},
            ],
        ),
        _lock(
            BACK_DOOR_ID,
            "august_lock",
            "Back Door",
            manufacturer="August",
            model="Wi-Fi Smart Lock",
            locked=False,
            battery=0.18,
            code_lengths=(4, 5, 6),
            code_constraints=[
                {"constraint_type": "no_zeros"},
                {"constraint_type": "cannot_start_with_12"},
                {"constraint_type": "name_must_be_unique"},
            ],
            auto_lock_delay=30,
            extra_properties={"keypad_battery": {"level": 0.62}},
        ),
        _lock(
            "c5d8e1f3-6a7b-4c2d-9e0f-a1b2c3d4e503",
            "igloohome_lock",
            "Storage Padlock",
            manufacturer="igloohome",
            model="Padlock 2",
            locked=True,
            battery=0.55,
            remote=False,
            # Its codes are made offline, by the maker's algorithm: Seam programs none.
            online_codes=False,
        ),
        _lock(
            "e9f0a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a04",
            "yale_lock",
            "Garage Side Door",
            manufacturer="Yale",
            model="Assure Lock 2",
            locked=True,
            battery=0.74,
            online=False,
            errors=[
                {
                    "error_code": "device_offline",
                    "message": "Device is offline",
                    "is_device_error": True,
                    "created_at": "2026-11-20T07:00:00.000Z",
                }
            ],
        ),
        _nest_thermostat(),
        _ecobee_thermostat(),
        _minut_sensor(),
        _noiseaware_zone(),
    ]


def seam_seed_access_codes() -> list[Json]:
    """The keypad codes of the Front and Back Doors, all on their locks already.

    Each door has an ongoing "Family" code and a time-bound "Cleaner" code that Seam manages,
    and a code someone set at the lock itself (`is_managed` false).
    """
    codes: list[Json] = []
    for device_id, ids, pins in (
        (
            FRONT_DOOR_ID,
            (FRONT_FAMILY_CODE_ID, FRONT_CLEANER_CODE_ID, FRONT_UNMANAGED_CODE_ID),
            ("4819", "739146", "6257"),
        ),
        (
            BACK_DOOR_ID,
            (BACK_FAMILY_CODE_ID, BACK_CLEANER_CODE_ID, BACK_UNMANAGED_CODE_ID),
            ("53791", "8642", "3366"),
        ),
    ):
        family, cleaner, unmanaged = ids
        family_pin, cleaner_pin, unmanaged_pin = pins
        codes += [
            {
                "access_code_id": family,
                "device_id": device_id,
                "name": "Family",
                "code": family_pin,
                "created_at": "2026-02-01T09:00:00.000Z",
            },
            {
                "access_code_id": cleaner,
                "device_id": device_id,
                "name": "Cleaner",
                "code": cleaner_pin,
                "starts_at": CLEANER_STARTS_AT,
                "ends_at": CLEANER_ENDS_AT,
                "created_at": "2026-10-25T17:30:00.000Z",
            },
            {
                "access_code_id": unmanaged,
                "device_id": device_id,
                "name": "Dog Walker" if device_id == FRONT_DOOR_ID else "Handyman",
                "code": unmanaged_pin,
                "is_managed": False,
                "created_at": "2026-06-12T14:05:00.000Z",
            },
        ]
    return codes


def fahrenheit(celsius: float) -> float:
    """A temperature in °C as Seam shows it in °F, to a tenth of a degree."""
    return round(celsius * 9 / 5 + 32, 1)


def celsius(fahrenheit: float) -> float:
    """A temperature in °F as Seam shows it in °C, to a tenth of a degree."""
    return round((fahrenheit - 32) * 5 / 9, 1)


def fahrenheit_difference(celsius_difference: float) -> float:
    """A difference of temperatures in °C, in °F (no 32 °F offset), to a tenth of a degree."""
    return round(celsius_difference * 9 / 5, 1)


def in_both_scales(stem: str, degrees_celsius: float) -> Json:
    """`{stem}_celsius` and `{stem}_fahrenheit`: Seam always sends a temperature in both."""
    return {f"{stem}_celsius": degrees_celsius, f"{stem}_fahrenheit": fahrenheit(degrees_celsius)}


def _set_point_limits(
    heating: tuple[float, float], cooling: tuple[float, float], delta: float
) -> Json:
    limits: Json = {}
    for kind, (low, high) in (("heating", heating), ("cooling", cooling)):
        limits |= in_both_scales(f"min_{kind}_set_point", low)
        limits |= in_both_scales(f"max_{kind}_set_point", high)
    return limits | {
        "min_heating_cooling_delta_celsius": delta,
        "min_heating_cooling_delta_fahrenheit": fahrenheit_difference(delta),
    }


def _hvac_flags() -> dict[str, bool]:
    return {
        "can_hvac_heat": True,
        "can_hvac_cool": True,
        "can_hvac_heat_cool": True,
        "can_turn_off_hvac": True,
    }


def _nest_thermostat() -> Json:
    properties: Json = {
        "online": True,
        "manufacturer": "nest",
        "model": {"display_name": "Thermostat", "manufacturer_display_name": "Nest"},
        "has_direct_power": True,
        "nest_metadata": {
            "nest_device_id": "enterprises/sim-project/devices/hallway-thermostat",
            "device_name": "enterprises/sim-project/devices/hallway-thermostat",
            "device_custom_name": "Hallway",
            "display_name": "Hallway",
        },
        **in_both_scales("temperature", 19.6),
        "relative_humidity": 0.46,
        "available_hvac_mode_settings": ["off", "heat", "cool", "heat_cool", "eco"],
        "available_fan_mode_settings": ["auto", "on"],
        "available_climate_presets": [],
        "fallback_climate_preset_key": None,
        "current_climate_setting": {
            "hvac_mode_setting": "heat",
            "fan_mode_setting": "auto",
            **in_both_scales("heating_set_point", 20.5),
            "manual_override_allowed": True,
        },
        # Below its heating set point, so heating, and the fan runs with it.
        "is_heating": True,
        "is_cooling": False,
        "is_fan_running": True,
        **_set_point_limits(heating=(9.0, 32.0), cooling=(9.0, 32.0), delta=1.5),
    }
    return _device(
        NEST_THERMOSTAT_ID,
        "nest_thermostat",
        "Hallway Thermostat",
        ["thermostat"],
        properties,
        created_at="2024-02-29T21:57:33.397Z",
        flags=_hvac_flags(),
    )


def _ecobee_preset(key: str, name: str, heating: float, cooling: float) -> Json:
    return {
        "climate_preset_key": key,
        "climate_preset_mode": key,
        "name": name,
        "display_name": name,
        "can_edit": True,
        "can_delete": False,
        "can_use_with_thermostat_daily_programs": True,
        "manual_override_allowed": True,
        "hvac_mode_setting": "heat_cool",
        "fan_mode_setting": "auto",
        **in_both_scales("heating_set_point", heating),
        **in_both_scales("cooling_set_point", cooling),
        "ecobee_metadata": {"climate_ref": key, "is_optimized": False, "owner": "system"},
    }


def _ecobee_thermostat() -> Json:
    presets = [
        _ecobee_preset("home", "Home", 20.0, 24.0),
        _ecobee_preset("away", "Away", 16.0, 27.0),
        _ecobee_preset("sleep", "Sleep", 18.0, 25.0),
    ]
    properties: Json = {
        "online": True,
        "manufacturer": "ecobee",
        "model": {
            "display_name": "Smart Thermostat Premium",
            "manufacturer_display_name": "ecobee",
        },
        "has_direct_power": True,
        "ecobee_metadata": {"ecobee_device_id": "521771542315", "device_name": "Living Room"},
        **in_both_scales("temperature", 22.2),
        "relative_humidity": 0.38,
        "available_hvac_mode_settings": ["off", "heat", "cool", "heat_cool"],
        "available_fan_mode_settings": ["auto", "on", "circulate"],
        "available_climate_presets": presets,
        "fallback_climate_preset_key": "home",
        "current_climate_setting": copy.deepcopy(presets[0]),
        # Between its set points: resting.
        "is_heating": False,
        "is_cooling": False,
        "is_fan_running": False,
        **_set_point_limits(heating=(7.0, 26.0), cooling=(18.0, 33.0), delta=1.5),
    }
    return _device(
        ECOBEE_THERMOSTAT_ID,
        "ecobee_thermostat",
        "Living Room Thermostat",
        ["thermostat"],
        properties,
        flags=_hvac_flags(),
    )


def _minut_sensor() -> Json:
    measured = "2026-11-20T08:00:00.000Z"
    readings = {
        "temperature": 21.8,
        "humidity": 41.5,
        "pressure": 1013.2,
        "sound": 42.3,
        "accelerometer_z": -1.0,
    }
    properties: Json = {
        "online": True,
        "manufacturer": "minut",
        "model": {"display_name": "Point", "manufacturer_display_name": "Minut"},
        "has_direct_power": False,
        "battery_level": 0.72,
        "battery": {"level": 0.72, "status": battery_status(0.72)},
        "noise_level_decibels": readings["sound"],
        "currently_triggering_noise_threshold_ids": [],
        "minut_metadata": {
            "device_id": "61a8e2f3c1b0d40013a2f9e4",
            "device_name": "Living Room",
            "latest_sensor_values": {
                sensor: {"time": measured, "value": value} for sensor, value in readings.items()
            },
        },
    }
    return _device(
        MINUT_SENSOR_ID,
        "minut_sensor",
        "Living Room Noise Sensor",
        ["noise_detection", "battery"],
        properties,
    )


def _noiseaware_zone() -> Json:
    properties: Json = {
        "online": True,
        "manufacturer": "noiseaware",
        "model": {"display_name": "Outdoor Sensor", "manufacturer_display_name": "NoiseAware"},
        "has_direct_power": True,
        "noise_level_decibels": 38.0,
        "currently_triggering_noise_threshold_ids": [],
        "noiseaware_metadata": {
            "device_id": "NA-7731",
            "device_model": "outdoor",
            "device_name": "Patio",
            "noise_level_decibel": 38.0,
        },
    }
    return _device(
        NOISEAWARE_ZONE_ID,
        "noiseaware_activity_zone",
        "Patio Noise Zone",
        ["noise_detection"],
        properties,
    )


def seam_seed_noise_thresholds() -> list[Json]:
    """Each noise sensor's thresholds: quiet at night, a party alert by day."""
    return [
        _noise_threshold(
            "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a11", MINUT_SENSOR_ID, "Quiet hours", 60.0, night=True
        ),
        _noise_threshold(
            "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a12",
            MINUT_SENSOR_ID,
            "Party alert",
            80.0,
            night=False,
        ),
        _noise_threshold(
            "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a21",
            NOISEAWARE_ZONE_ID,
            "Quiet hours",
            55.0,
            night=True,
        ),
        _noise_threshold(
            "7e5c3a1f-0b2d-4e6f-9a8b-1c2d3e4f5a22",
            NOISEAWARE_ZONE_ID,
            "Party alert",
            75.0,
            night=False,
        ),
    ]


def _noise_threshold(
    threshold_id: str, device_id: str, name: str, decibels: float, *, night: bool
) -> Json:
    # Seam writes a daily time with its zone: `HH:MM:SS[Area/City]`.
    starts, ends = ("22:00:00", "08:00:00") if night else ("08:00:00", "22:00:00")
    return {
        "noise_threshold_id": threshold_id,
        "device_id": device_id,
        "name": name,
        "noise_threshold_decibels": decibels,
        "starts_daily_at": f"{starts}[{SEED_TIME_ZONE}]",
        "ends_daily_at": f"{ends}[{SEED_TIME_ZONE}]",
    }


def _full_property_template() -> Json:
    """A device carrying every property group of the Seam doc's schema sample."""
    metadata_names = (
        "schlage",
        "smartthings",
        "lockly",
        "kwikset",
        "igloo",
        "hubitat",
        "ecobee",
        "sensi",
        "brivo",
        "genie",
    )
    properties: Json = {
        "online": True,
        "accessory_keypad": {"is_connected": True, "battery": {"level": 0.8}},
        "appearance": {"name": "Lock"},
        "model": {
            "can_connect_accessory_keypad": True,
            "display_name": "Generated Lock",
            "manufacturer_display_name": "Generated",
            "has_built_in_keypad": True,
        },
        "has_direct_power": False,
        "battery_level": 0.8,
        "battery": {"level": 0.8, "status": "good"},
        "manufacturer": "generated",
        "image_url": "https://connect.getseam.com/assets/images/devices/unknown-lock.png",
        "image_alt_text": "Generated lock",
        "serial_number": "SN-GEN",
        "online_access_codes_enabled": True,
        "offline_access_codes_enabled": True,
        "noise_level_decibels": 31.5,
        "currently_triggering_noise_threshold_ids": [],
        "august_metadata": {
            "lock_id": "lock",
            "lock_name": "Lock",
            "house_name": "Home",
            "has_keypad": True,
            "keypad_battery_level": "Full",
            "model": "ASL-03",
            "house_id": "house",
        },
        "ttlock_metadata": {
            "lock_id": 1,
            "lock_alias": "Lock",
            "feature_value": "F4",
            "features": {
                "passcode": True,
                "passcode_management": True,
                "unlock_via_gateway": True,
                "lock_command": True,
                "incomplete_keyboard_passcode": False,
                "wifi": True,
            },
            "has_gateway": True,
            "wireless_keypads": [{"wireless_keypad_id": 1, "wireless_keypad_name": "Keypad"}],
        },
        "minut_metadata": {
            "device_id": "minut",
            "device_name": "Minut",
            "latest_sensor_values": {
                sensor: {"time": "2026-11-20T08:00:00.000Z", "value": 1.5}
                for sensor in ("temperature", "sound", "humidity", "pressure", "accelerometer_z")
            },
        },
        "dormakaba_oracode_metadata": {
            "door_id": 1,
            "door_name": "Door",
            "device_id": 1,
            "door_is_wireless": True,
            "site_name": "Site",
            "iana_timezone": "Europe/Berlin",
            "predefined_time_slots": [
                {
                    "name": "Stay",
                    "prefix": 1,
                    "check_in_time": "15:00",
                    "check_out_time": "11:00",
                    "is_24_hour": False,
                    "is_biweekly_mode": False,
                    "is_one_shot": False,
                    "is_master": False,
                    "ext_dormakaba_oracode_user_level_prefix": 1,
                    "dormakaba_oracode_user_level_id": "123e4567-e89b-12d3-a456-426614174000",
                }
            ],
        },
        "code_constraints": [{"constraint_type": "no_zeros"}],
        "supported_code_lengths": [4, 6],
        "max_active_codes_supported": 50,
        "supports_backup_access_code_pool": True,
        "has_native_entry_events": True,
        "locked": True,
        "keypad_battery": {"level": 0.8},
        "door_open": False,
        "temperature_fahrenheit": 70.5,
        "temperature_celsius": 21.4,
        "relative_humidity": 0.45,
        "available_hvac_mode_settings": ["off", "heat", "cool", "heat_cool"],
        "available_fan_mode_settings": ["auto", "on"],
        "available_climate_preset_modes": ["home", "away"],
        "is_heating": False,
        "is_cooling": False,
        "is_fan_running": False,
        "is_temporary_manual_override_active": False,
        "current_climate_setting": {
            "climate_preset_key": "home",
            "can_edit": True,
            "can_delete": False,
            "can_program": True,
            "name": "Home",
            "display_name": "Home",
            "climate_preset_mode": "home",
            "fan_mode_setting": "auto",
            "hvac_mode_setting": "heat_cool",
            "cooling_set_point_celsius": 24.0,
            "heating_set_point_celsius": 20.0,
            "cooling_set_point_fahrenheit": 75.2,
            "heating_set_point_fahrenheit": 68.0,
        },
        "temperature_threshold": {
            "lower_limit_celsius": 10.0,
            "lower_limit_fahrenheit": 50.0,
            "upper_limit_celsius": 30.0,
            "upper_limit_fahrenheit": 86.0,
        },
    }
    for name in metadata_names:
        properties[f"{name}_metadata"] = {
            "device_id": name,
            "device_name": f"{name} device",
            "model": "model",
        }
    return properties


def generate_seam_devices(count: int) -> list[Json]:
    """`count` locks with the full property set of the Seam doc, deterministic ids."""
    template = _full_property_template()
    devices = []
    for index in range(count):
        properties = copy.deepcopy(template)
        level = round(0.05 + (index % 95) / 100, 2)
        properties["battery_level"] = level
        properties["battery"] = {"level": level, "status": battery_status(level)}
        properties["locked"] = index % 2 == 0
        properties["door_open"] = index % 7 == 0
        properties["serial_number"] = f"SN-{index:06d}"
        device_id = str(uuid.UUID(_hex_id("seam", index)))
        devices.append(
            {
                "device_id": device_id,
                "device_type": "august_lock",
                "nickname": f"Lock {index + 1}",
                "display_name": f"Generated Lock {index + 1}",
                "capabilities_supported": ["access_code", "lock", "battery"],
                "properties": properties,
                "location": {"location_name": "Building", "timezone": "UTC"},
                "connected_account_id": CONNECTED_ACCOUNT_ID,
                "workspace_id": WORKSPACE_ID,
                "errors": [],
                "warnings": [],
                "created_at": "2026-01-15T10:00:00.000Z",
                "is_managed": True,
                "custom_metadata": {"unit": str(index)},
                "can_remotely_unlock": True,
                "can_remotely_lock": True,
                "can_program_offline_access_codes": True,
                "can_program_online_access_codes": True,
                "can_simulate_removal": True,
                "can_simulate_connection": True,
                "can_simulate_disconnection": True,
                "can_unlock_with_code": True,
            }
        )
    return devices
