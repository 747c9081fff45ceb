"""Every Seam endpoint our client calls, and how the oracle tests make it call each one.

One row per path. `call` drives our real `SeamClient` through calls that must succeed;
`refusals` maps an HTTP status to a call the simulator must refuse with it. Every row is also
called with an API key the simulator does not know, which must be refused with 401, so that
answer is checked too. To add an endpoint, add its row: `test_every_client_path_has_a_row`
fails until there is one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from custom_components.parqex.api import SeamActionAttempt, SeamCreatedAccessCode
from custom_components.parqex.api.seam.client import SeamClient
from simulator.state import SEAM_COMMANDS_PER_MINUTE

# How long a test waits for a command to be confirmed (the simulator settles in 50 ms).
CONFIRM_TIMEOUT: Final = 10.0
# Not a Seam id of anything: what "not found" is asked with.
UNKNOWN_ID: Final = "00000000-0000-4000-8000-00000000dead"


@dataclass(frozen=True, slots=True)
class Household:
    """The ids of what the simulator holds that the calls act on."""

    user_identity_id: str
    device_ids: tuple[str, ...]
    lock_id: str
    thermostat_id: str
    climate_preset_key: str
    webhook_url: str
    webhook_id: str
    action_attempt_id: str
    # A lock Seam programs keypad codes on, one of its codes, and a lock with auto-lock.
    code_lock_id: str
    access_code_id: str
    auto_lock_id: str


type Call = Callable[[SeamClient, Household], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One path our client posts to, the calls that exercise it, and its refusals."""

    path: str
    call: Call
    refusals: Mapping[int, Call] = field(default_factory=dict)


def each(*calls: Call) -> Call:
    """The calls one after another."""

    async def run(client: SeamClient, house: Household) -> None:
        for call in calls:
            await call(client, house)

    return run


def confirmed(call: Call) -> Call:
    """A command call followed to its end, as the integration sends commands."""
    return lambda client, house: client.async_confirmed(
        call(client, house), timeout=CONFIRM_TIMEOUT
    )


def every_device(call: Callable[[SeamClient, str], Awaitable[Any]]) -> Call:
    """The call for each device the simulator holds, one after another."""

    async def run(client: SeamClient, house: Household) -> None:
        for device_id in house.device_ids:
            await call(client, device_id)

    return run


def created(call: Callable[[SeamClient, Household], Awaitable[SeamCreatedAccessCode]]) -> Call:
    """A code creation followed to its end: the creation's action attempt is what is followed."""

    async def attempt(client: SeamClient, house: Household) -> SeamActionAttempt:
        return (await call(client, house)).action_attempt

    return confirmed(attempt)


def until_refused(call: Call) -> Call:
    """The call repeated past Seam's per-device command limit; stops at the first refusal."""
    return each(*[call] * (SEAM_COMMANDS_PER_MINUTE + 2))


ENDPOINTS: Final = (
    Endpoint(
        "/user_identities/list_accessible_devices",
        lambda c, h: c.async_list_accessible_devices(h.user_identity_id),
        {
            400: lambda c, h: c.async_list_accessible_devices("not-a-uuid"),
            404: lambda c, h: c.async_list_accessible_devices(UNKNOWN_ID),
        },
    ),
    Endpoint(
        "/devices/get",
        # Every seeded device, so every kind the simulator holds is compared with the spec.
        every_device(lambda c, device_id: c.async_get_device(device_id)),
        {404: lambda c, h: c.async_get_device(UNKNOWN_ID)},
    ),
    Endpoint(
        "/locks/lock_door",
        confirmed(lambda c, h: c.async_lock_door(h.lock_id)),
        {
            400: lambda c, h: c.async_lock_door(h.thermostat_id),
            404: lambda c, h: c.async_lock_door(UNKNOWN_ID),
            429: until_refused(lambda c, h: c.async_lock_door(h.lock_id)),
        },
    ),
    Endpoint(
        "/locks/unlock_door",
        confirmed(lambda c, h: c.async_unlock_door(h.lock_id)),
        {
            400: lambda c, h: c.async_unlock_door(h.thermostat_id),
            404: lambda c, h: c.async_unlock_door(UNKNOWN_ID),
            429: until_refused(lambda c, h: c.async_unlock_door(h.lock_id)),
        },
    ),
    Endpoint(
        "/action_attempts/get",
        lambda c, h: c.async_get_action_attempt(h.action_attempt_id),
        {404: lambda c, h: c.async_get_action_attempt(UNKNOWN_ID)},
    ),
    Endpoint(
        "/webhooks/create",
        lambda c, h: c.async_create_webhook(h.webhook_url, ("lock.locked", "lock.unlocked")),
        {400: lambda c, h: c.async_create_webhook("https://example.invalid/seam", ())},
    ),
    Endpoint(
        "/webhooks/delete",
        lambda c, h: c.async_delete_webhook(h.webhook_id),
        {404: lambda c, h: c.async_delete_webhook(UNKNOWN_ID)},
    ),
    Endpoint(
        "/thermostats/heat",
        each(
            confirmed(lambda c, h: c.async_thermostat_heat(h.thermostat_id, 21.5)),
            confirmed(
                lambda c, h: c.async_thermostat_heat(h.thermostat_id, 70.0, scale="fahrenheit")
            ),
            confirmed(lambda c, h: c.async_thermostat_heat(h.thermostat_id)),
        ),
        {404: lambda c, h: c.async_thermostat_heat(UNKNOWN_ID, 21.5)},
    ),
    Endpoint(
        "/thermostats/cool",
        each(
            confirmed(lambda c, h: c.async_thermostat_cool(h.thermostat_id, 24.5)),
            confirmed(
                lambda c, h: c.async_thermostat_cool(h.thermostat_id, 76.0, scale="fahrenheit")
            ),
            confirmed(lambda c, h: c.async_thermostat_cool(h.thermostat_id)),
        ),
        {404: lambda c, h: c.async_thermostat_cool(UNKNOWN_ID, 24.5)},
    ),
    Endpoint(
        "/thermostats/heat_cool",
        each(
            confirmed(lambda c, h: c.async_thermostat_heat_cool(h.thermostat_id, 20.0, 24.0)),
            confirmed(
                lambda c, h: c.async_thermostat_heat_cool(
                    h.thermostat_id, 68.0, 76.0, scale="fahrenheit"
                )
            ),
            confirmed(lambda c, h: c.async_thermostat_heat_cool(h.thermostat_id)),
        ),
        {404: lambda c, h: c.async_thermostat_heat_cool(UNKNOWN_ID, 20.0, 24.0)},
    ),
    Endpoint(
        "/thermostats/off",
        confirmed(lambda c, h: c.async_thermostat_off(h.thermostat_id)),
        {404: lambda c, h: c.async_thermostat_off(UNKNOWN_ID)},
    ),
    Endpoint(
        "/thermostats/set_hvac_mode",
        each(
            confirmed(lambda c, h: c.async_thermostat_set_hvac_mode(h.thermostat_id, "off")),
            confirmed(
                lambda c, h: c.async_thermostat_set_hvac_mode(
                    h.thermostat_id, "heat", heating_set_point=21.0
                )
            ),
            confirmed(
                lambda c, h: c.async_thermostat_set_hvac_mode(
                    h.thermostat_id, "cool", cooling_set_point=77.0, scale="fahrenheit"
                )
            ),
            confirmed(
                lambda c, h: c.async_thermostat_set_hvac_mode(
                    h.thermostat_id, "heat_cool", heating_set_point=19.0, cooling_set_point=25.0
                )
            ),
        ),
        {404: lambda c, h: c.async_thermostat_set_hvac_mode(UNKNOWN_ID, "off")},
    ),
    Endpoint(
        "/thermostats/set_fan_mode",
        each(
            confirmed(lambda c, h: c.async_thermostat_set_fan_mode(h.thermostat_id, "on")),
            confirmed(lambda c, h: c.async_thermostat_set_fan_mode(h.thermostat_id, "auto")),
        ),
        {404: lambda c, h: c.async_thermostat_set_fan_mode(UNKNOWN_ID, "auto")},
    ),
    Endpoint(
        "/thermostats/activate_climate_preset",
        confirmed(
            lambda c, h: c.async_thermostat_activate_climate_preset(
                h.thermostat_id, h.climate_preset_key
            )
        ),
        {404: lambda c, h: c.async_thermostat_activate_climate_preset(UNKNOWN_ID, "home")},
    ),
    Endpoint(
        "/access_codes/list",
        lambda c, h: c.async_list_access_codes(h.code_lock_id),
        {404: lambda c, h: c.async_list_access_codes(UNKNOWN_ID)},
    ),
    Endpoint(
        "/access_codes/unmanaged/list",
        lambda c, h: c.async_list_unmanaged_access_codes(h.code_lock_id),
        {404: lambda c, h: c.async_list_unmanaged_access_codes(UNKNOWN_ID)},
    ),
    Endpoint(
        "/access_codes/create",
        each(
            created(lambda c, h: c.async_create_access_code(h.code_lock_id, "Oracle", "4826")),
            created(lambda c, h: c.async_create_access_code(h.code_lock_id, "Generated")),
            created(
                lambda c, h: c.async_create_access_code(
                    h.code_lock_id,
                    "Weekend",
                    "5937",
                    starts_at="2030-01-04T15:00:00+00:00",
                    ends_at="2030-01-06T11:00:00+00:00",
                )
            ),
        ),
        {
            400: lambda c, h: c.async_create_access_code(h.code_lock_id, "Bad", "48a6"),
            404: lambda c, h: c.async_create_access_code(UNKNOWN_ID, "Nobody", "4826"),
        },
    ),
    Endpoint(
        "/access_codes/update",
        each(
            confirmed(lambda c, h: c.async_update_access_code(h.access_code_id, name="Renamed")),
            confirmed(lambda c, h: c.async_update_access_code(h.access_code_id, code="4913")),
        ),
        {404: lambda c, h: c.async_update_access_code(UNKNOWN_ID, name="Nobody")},
    ),
    Endpoint(
        "/access_codes/delete",
        confirmed(lambda c, h: c.async_delete_access_code(h.access_code_id)),
        {404: lambda c, h: c.async_delete_access_code(UNKNOWN_ID)},
    ),
    Endpoint(
        "/locks/configure_auto_lock",
        each(
            confirmed(lambda c, h: c.async_configure_auto_lock(h.auto_lock_id, True, 20)),
            confirmed(lambda c, h: c.async_configure_auto_lock(h.auto_lock_id, False)),
        ),
        {
            400: lambda c, h: c.async_configure_auto_lock(h.code_lock_id, True),
            404: lambda c, h: c.async_configure_auto_lock(UNKNOWN_ID, True),
        },
    ),
)
