"""Async client of the Seam API: devices shared with a user identity, and their commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Final, overload

import aiohttp
import msgspec

from ..errors import (
    ActionAttemptFailedError,
    ActionAttemptTimeoutError,
    ActionAttemptUnconfirmedError,
    ApiError,
    scrub,
)
from ..transport import DEFAULT_TIMEOUT, request, validate_base_url, validate_credential
from .access_codes import (
    MAX_CODE_PAGES,
    SeamAccessCode,
    SeamCreatedAccessCode,
    parse_access_code_page,
    parse_created_access_code,
)
from .models import (
    SeamActionAttempt,
    SeamDevice,
    SeamDevices,
    parse_seam_action_attempt,
    parse_seam_device,
    parse_seam_devices,
)
from .thermostat import TemperatureScale
from .webhooks import SeamWebhook, parse_webhook

SEAM_DEFAULT_URL: Final = "https://connect.getseam.com"
ACTION_PENDING: Final = "pending"
ACTION_SUCCESS: Final = "success"
ACTION_ERROR: Final = "error"
# How a command is followed to its end: Seam usually settles within a few seconds; polling
# quickly at first and then every 2 s keeps the wait short without hammering the service.
CONFIRM_TIMEOUT: Final = 20.0
CONFIRM_FIRST_DELAY: Final = 0.25
CONFIRM_MAX_DELAY: Final = 2.0
# Most locks move within two seconds: read at the first delay that many times, then back off.
CONFIRM_FAST_READS: Final = 8


def _given(**fields: Any) -> dict[str, Any]:
    """The fields of a request body that were given; one left as None is not sent."""
    return {name: value for name, value in fields.items() if value is not None}


def _set_points(
    scale: TemperatureScale, heating: float | None = None, cooling: float | None = None
) -> dict[str, Any]:
    """The set-point fields of a thermostat command, named in the scale they are given in."""
    return _given(**{f"heating_set_point_{scale}": heating, f"cooling_set_point_{scale}": cooling})


class SeamClient:
    """Talks to Seam with an API key."""

    __slots__ = ("_api_key", "_base_url", "_session", "_timeout")

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        *,
        base_url: str = SEAM_DEFAULT_URL,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._session = session
        self._api_key = validate_credential(api_key)
        self._base_url = validate_base_url(base_url)
        self._timeout = request_timeout

    def __repr__(self) -> str:
        return f"SeamClient(base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        """The service URL this client talks to."""
        return self._base_url

    def scrub(self, text: str) -> str:
        """Service text made safe to show: without the API key, one line, bounded."""
        return scrub(text, (self._api_key,))

    async def _post(
        self, path: str, body: dict[str, Any], *, secrets: tuple[str, ...] = ()
    ) -> bytes:
        # `secrets`: what the request carries besides the API key (a keypad code) and an
        # error text must not repeat.
        return await request(
            self._session,
            "Seam",
            "POST",
            self._base_url + path,
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {self._api_key}",
                "Content-Type": "application/json",
            },
            body=msgspec.json.encode(body),
            timeout=self._timeout,
            secrets=(self._api_key, *secrets),
        )

    async def async_list_accessible_devices(self, user_identity_id: str) -> SeamDevices:
        """Every device shared with the user identity."""
        return parse_seam_devices(
            await self._post(
                "/user_identities/list_accessible_devices", {"user_identity_id": user_identity_id}
            )
        )

    async def async_get_device(self, device_id: str) -> SeamDevice:
        """One device as Seam knows it now."""
        return parse_seam_device(await self._post("/devices/get", {"device_id": device_id}))

    async def async_lock_door(self, device_id: str) -> SeamActionAttempt:
        """Ask Seam to lock; the answer is the action attempt that tracks the command."""
        return await self._command("/locks/lock_door", {"device_id": device_id})

    async def async_unlock_door(self, device_id: str) -> SeamActionAttempt:
        """Ask Seam to unlock; the answer is the action attempt that tracks the command."""
        return await self._command("/locks/unlock_door", {"device_id": device_id})

    async def async_get_action_attempt(self, action_attempt_id: str) -> SeamActionAttempt:
        """The current record of an action attempt."""
        return parse_seam_action_attempt(
            await self._post("/action_attempts/get", {"action_attempt_id": action_attempt_id})
        )

    async def async_create_webhook(self, url: str, event_types: tuple[str, ...]) -> SeamWebhook:
        """Ask Seam to deliver these events to `url`; the answer carries the signing secret."""
        return parse_webhook(
            await self._post("/webhooks/create", {"url": url, "event_types": list(event_types)})
        )

    async def async_delete_webhook(self, webhook_id: str) -> None:
        """Stop Seam delivering to a webhook created earlier."""
        await self._post("/webhooks/delete", {"webhook_id": webhook_id})

    async def _command(self, path: str, body: dict[str, Any]) -> SeamActionAttempt:
        return parse_seam_action_attempt(await self._post(path, body))

    async def async_thermostat_heat(
        self,
        device_id: str,
        heating_set_point: float | None = None,
        *,
        scale: TemperatureScale = "celsius",
    ) -> SeamActionAttempt:
        """Ask a thermostat to heat, to `heating_set_point` when given."""
        return await self._command(
            "/thermostats/heat", {"device_id": device_id, **_set_points(scale, heating_set_point)}
        )

    async def async_thermostat_cool(
        self,
        device_id: str,
        cooling_set_point: float | None = None,
        *,
        scale: TemperatureScale = "celsius",
    ) -> SeamActionAttempt:
        """Ask a thermostat to cool, to `cooling_set_point` when given."""
        return await self._command(
            "/thermostats/cool",
            {"device_id": device_id, **_set_points(scale, cooling=cooling_set_point)},
        )

    async def async_thermostat_heat_cool(
        self,
        device_id: str,
        heating_set_point: float | None = None,
        cooling_set_point: float | None = None,
        *,
        scale: TemperatureScale = "celsius",
    ) -> SeamActionAttempt:
        """Ask a thermostat to keep the temperature between two set points."""
        return await self._command(
            "/thermostats/heat_cool",
            {"device_id": device_id, **_set_points(scale, heating_set_point, cooling_set_point)},
        )

    async def async_thermostat_off(self, device_id: str) -> SeamActionAttempt:
        """Ask a thermostat to stop heating and cooling."""
        return await self._command("/thermostats/off", {"device_id": device_id})

    async def async_thermostat_set_hvac_mode(
        self,
        device_id: str,
        hvac_mode_setting: str,
        *,
        heating_set_point: float | None = None,
        cooling_set_point: float | None = None,
        scale: TemperatureScale = "celsius",
    ) -> SeamActionAttempt:
        """Ask a thermostat for any mode Seam knows, `eco` included."""
        return await self._command(
            "/thermostats/set_hvac_mode",
            {
                "device_id": device_id,
                "hvac_mode_setting": hvac_mode_setting,
                **_set_points(scale, heating_set_point, cooling_set_point),
            },
        )

    async def async_thermostat_set_fan_mode(
        self, device_id: str, fan_mode_setting: str
    ) -> SeamActionAttempt:
        """Ask a thermostat to run its fan `auto`, `on` or `circulate`."""
        return await self._command(
            "/thermostats/set_fan_mode",
            {"device_id": device_id, "fan_mode_setting": fan_mode_setting},
        )

    async def async_thermostat_activate_climate_preset(
        self, device_id: str, climate_preset_key: str
    ) -> SeamActionAttempt:
        """Ask a thermostat to apply one of its climate presets."""
        return await self._command(
            "/thermostats/activate_climate_preset",
            {"device_id": device_id, "climate_preset_key": climate_preset_key},
        )

    async def async_configure_auto_lock(
        self, device_id: str, enabled: bool, delay_seconds: int | None = None
    ) -> SeamActionAttempt:
        """Ask a lock to lock itself again `delay_seconds` after an unlock, or not to."""
        body = {
            "device_id": device_id,
            "auto_lock_enabled": enabled,
            **_given(auto_lock_delay_seconds=delay_seconds),
        }
        return await self._command("/locks/configure_auto_lock", body)

    async def _list_codes(self, path: str, device_id: str) -> list[SeamAccessCode]:
        codes: list[SeamAccessCode] = []
        body: dict[str, Any] = {"device_id": device_id}
        for _ in range(MAX_CODE_PAGES):
            page = parse_access_code_page(await self._post(path, body))
            codes.extend(page.access_codes)
            if not page.next_page_cursor:
                break
            body = {"device_id": device_id, "page_cursor": page.next_page_cursor}
        return codes

    async def async_list_access_codes(self, device_id: str) -> list[SeamAccessCode]:
        """Every code of a lock that Seam manages, all pages of them."""
        return await self._list_codes("/access_codes/list", device_id)

    async def async_list_unmanaged_access_codes(self, device_id: str) -> list[SeamAccessCode]:
        """Every code set at the lock (or in its maker's app) rather than through Seam."""
        return await self._list_codes("/access_codes/unmanaged/list", device_id)

    async def async_create_access_code(
        self,
        device_id: str,
        name: str,
        code: str | None = None,
        *,
        starts_at: str | None = None,
        ends_at: str | None = None,
    ) -> SeamCreatedAccessCode:
        """Ask Seam to put a code on a lock; without `code`, Seam makes one up.

        `starts_at` and `ends_at` (ISO 8601) make it a time-bound code.
        """
        body = {
            "device_id": device_id,
            "name": name,
            **_given(code=code, starts_at=starts_at, ends_at=ends_at),
        }
        return parse_created_access_code(
            await self._post("/access_codes/create", body, secrets=(code,) if code else ())
        )

    async def async_update_access_code(
        self,
        access_code_id: str,
        *,
        name: str | None = None,
        code: str | None = None,
        starts_at: str | None = None,
        ends_at: str | None = None,
        ongoing: bool = False,
    ) -> SeamActionAttempt:
        """Change a code; `ongoing` makes a time-bound code open the lock at any time."""
        body = {
            "access_code_id": access_code_id,
            **_given(
                name=name,
                code=code,
                starts_at=starts_at,
                ends_at=ends_at,
                type="ongoing" if ongoing else None,
            ),
        }
        return parse_seam_action_attempt(
            await self._post("/access_codes/update", body, secrets=(code,) if code else ())
        )

    async def async_delete_access_code(self, access_code_id: str) -> SeamActionAttempt:
        """Ask Seam to take a code off its lock and forget it."""
        return await self._command("/access_codes/delete", {"access_code_id": access_code_id})

    @overload
    async def async_confirmed(
        self, command: Awaitable[SeamActionAttempt], *, timeout: float = ...
    ) -> SeamActionAttempt: ...

    @overload
    async def async_confirmed(
        self, command: Awaitable[SeamActionAttempt | None], *, timeout: float = ...
    ) -> SeamActionAttempt | None: ...

    async def async_confirmed(
        self, command: Awaitable[SeamActionAttempt | None], *, timeout: float = CONFIRM_TIMEOUT
    ) -> SeamActionAttempt | None:
        """Send a command, and return only once Seam confirms it succeeded.

        `command` is one of the command methods' calls, not yet awaited; one that yields no
        action attempt (Seam's older answer to creating a code) is done once accepted. Raises
        `ActionAttemptFailedError` when Seam reports the command failed,
        `ActionAttemptTimeoutError` when it is still pending after `timeout` seconds, and
        `ActionAttemptUnconfirmedError` when Seam accepted it but reading its outcome failed.
        Any other error means Seam did not accept the command.
        """
        attempt = await command
        if attempt is None:
            return None
        try:
            return await async_confirm_action_attempt(self, attempt, timeout=timeout)
        except ActionAttemptFailedError, ActionAttemptTimeoutError:
            raise
        except ApiError as err:
            raise ActionAttemptUnconfirmedError(
                f"Seam accepted the command, but its outcome could not be read: {err}"
            ) from err

    async def async_set_locked(
        self, device_id: str, locked: bool, *, timeout: float = CONFIRM_TIMEOUT
    ) -> SeamActionAttempt:
        """Lock or unlock, and return only once Seam confirms it (see `async_confirmed`)."""
        command = self.async_lock_door(device_id) if locked else self.async_unlock_door(device_id)
        return await self.async_confirmed(command, timeout=timeout)


async def async_confirm_action_attempt(
    client: SeamClient,
    attempt: SeamActionAttempt,
    *,
    timeout: float = CONFIRM_TIMEOUT,
    first_delay: float = CONFIRM_FIRST_DELAY,
    max_delay: float = CONFIRM_MAX_DELAY,
    fast_reads: int = CONFIRM_FAST_READS,
) -> SeamActionAttempt:
    """Follow an action attempt until Seam settles it: quick reads first, then backing off."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = first_delay
    reads = 0
    while attempt.status == ACTION_PENDING:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise ActionAttemptTimeoutError(
                f"Seam did not confirm the command within {timeout:g} s"
            )
        await asyncio.sleep(min(delay, remaining))
        attempt = await client.async_get_action_attempt(attempt.action_attempt_id)
        reads += 1
        if reads >= fast_reads:
            delay = min(delay * 2, max_delay)
    if attempt.status != ACTION_SUCCESS:
        raise ActionAttemptFailedError(
            client.scrub(
                attempt.error_message or f"Seam reports the command ended as {attempt.status!r}"
            ),
            client.scrub(attempt.error_type) if attempt.error_type else None,
        )
    return attempt
