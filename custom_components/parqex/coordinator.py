"""Coordinators that poll ParqEx and Seam, one per config entry."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from . import const
from .api import (
    ApiError,
    AuthenticationError,
    ParqexAccount,
    ParqexClient,
    RateLimitError,
    SeamClient,
    SeamDevices,
)
from .const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DEFAULT_PARQEX_SCAN_INTERVAL,
    DEFAULT_SEAM_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_BACKOFF,
    SERVICE_PARQEX,
    SERVICE_SEAM,
)
from .devices import controller_device, parqex_devices, seam_devices

type ParqexConfigEntry = ConfigEntry[ParqexCoordinator | SeamCoordinator]


@dataclass(frozen=True, slots=True)
class Problem:
    """A condition the user must fix at the service, shown as a repair issue."""

    translation_key: str
    placeholders: dict[str, str]


def issue_prefix(entry: ConfigEntry) -> str:
    """What the ids of an entry's repair issues start with."""
    return f"{entry.entry_id}_"


def entry_service(data: Mapping[str, Any]) -> str:
    """Which service an entry's data is for: Seam entries carry an API key."""
    return SERVICE_SEAM if CONF_API_KEY in data else SERVICE_PARQEX


def scan_interval(entry: ConfigEntry) -> timedelta:
    """The polling interval the user chose, or the service's default."""
    default = (
        DEFAULT_SEAM_SCAN_INTERVAL
        if entry_service(entry.data) == SERVICE_SEAM
        else DEFAULT_PARQEX_SCAN_INTERVAL
    )
    return timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, default))


class CloudCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """What both services share: error mapping, backoff, log-once and stale devices."""

    config_entry: ParqexConfigEntry
    service_name: str

    def __init__(self, hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
        """Poll at the entry's interval; write to listeners only when the data changed."""
        self.base_interval = scan_interval(entry)
        self._issue_prefix = issue_prefix(entry)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{self.service_name} ({entry.title})",
            update_interval=self.base_interval,
            always_update=False,
        )
        self._failures = 0
        # When the request behind the data shown left; an answer to an earlier request is
        # older news and is never shown over it.
        self._shown_since = float("-inf")
        # Issues raised before a reload are still in the registry; start from them so those
        # that cleared meanwhile are withdrawn.
        self._problems = {
            issue_id.removeprefix(self._issue_prefix)
            for domain, issue_id in ir.async_get(hass).issues
            if domain == DOMAIN and issue_id.startswith(self._issue_prefix)
        }
        # What was last written to the device registry, so only changes are written again.
        self._registered: dict[str, DeviceInfo] | None = None

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Ask the service for the current data."""

    @abstractmethod
    def devices(self, data: DataT) -> dict[str, DeviceInfo]:
        """The registry entry of every device the data describes, by identifier."""

    def current_device_identifiers(self) -> set[str]:
        """The registry identifiers of every device in the last answer."""
        return set(self.devices(self.data))

    @abstractmethod
    def problems(self, data: DataT) -> dict[str, Problem]:
        """What the user has to fix outside Home Assistant, by a stable key."""

    @abstractmethod
    def skipped(self, data: DataT) -> int:
        """How many objects of the last answer were malformed and left out."""

    def set_base_interval(self, interval: timedelta) -> None:
        """Apply a new polling interval chosen in the options."""
        self.base_interval = interval
        if not self._failures:
            self.update_interval = interval

    def _backoff(self, retry_after: float | None = None) -> timedelta:
        """The wait before the next poll after `self._failures` failures in a row."""
        if retry_after is not None:
            return max(self.base_interval, timedelta(seconds=retry_after))
        doubled = self.base_interval * (1 << min(self._failures, 10))
        return max(self.base_interval, min(doubled, MAX_BACKOFF))

    async def _async_update_data(self) -> DataT:
        started = time.monotonic()
        try:
            data = await self._async_fetch()
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"service": self.service_name},
            ) from err
        except RateLimitError as err:
            self._failures += 1
            self.update_interval = self._backoff(err.retry_after)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={
                    "service": self.service_name,
                    "seconds": str(int(self.update_interval.total_seconds())),
                },
            ) from err
        except ApiError as err:
            self._failures += 1
            self.update_interval = self._backoff()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"service": self.service_name, "error": str(err)},
            ) from err
        self._failures = 0
        self.update_interval = self.base_interval
        if started < self._shown_since:
            return self.data
        self._shown_since = started
        self._sync_device_registry(self.devices(data), complete=not self.skipped(data))
        self._sync_repair_issues(self.problems(data))
        return data

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        # The base class logs a failed poll as an error; an unreachable cloud is expected
        # weather, so it is said once at info level here (recovery is logged by the base).
        was_available = self.last_update_success
        await super()._async_refresh(
            log_failures=False,
            raise_on_auth_failed=raise_on_auth_failed,
            scheduled=scheduled,
            raise_on_entry_error=raise_on_entry_error,
        )
        if log_failures and was_available and not self.last_update_success:
            self.logger.info("%s is unavailable: %s", self.name, self.last_exception)

    @callback
    def _sync_repair_issues(self, problems: dict[str, Problem]) -> None:
        """Raise a repair issue for each new problem; withdraw those that cleared."""
        for key, problem in problems.items():
            if key not in self._problems:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    self._issue_prefix + key,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=problem.translation_key,
                    translation_placeholders=problem.placeholders,
                )
        for key in self._problems - problems.keys():
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_prefix + key)
        self._problems = set(problems)

    @callback
    def _sync_device_registry(self, devices: dict[str, DeviceInfo], *, complete: bool) -> None:
        """Register new or changed devices, and take off those that left the account.

        Devices are registered here, before any entity is added, so a door's controller
        exists before the door names it as `via_device`. Removal happens only on complete
        answers: a device that was merely malformed once keeps its entities and settings.
        """
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        previous = self._registered or {}
        for identifier, info in devices.items():
            if previous.get(identifier) != info:
                registry.async_get_or_create(config_entry_id=entry_id, **info)
        gone = self._registered is None or not previous.keys() <= devices.keys()
        self._registered = devices
        if not complete:
            LOGGER.debug("%s: an answer had malformed objects; they were left out", self.name)
            return
        if gone:
            for device in dr.async_entries_for_config_entry(registry, entry_id):
                ours = {value for domain, value in device.identifiers if domain == DOMAIN}
                if ours and not ours & devices.keys():
                    registry.async_update_device(device.id, remove_config_entry_id=entry_id)


class ParqexCoordinator(CloudCoordinator[ParqexAccount]):
    """Polls a ParqEx account's `/sync`."""

    service_name = "ParqEx"

    def __init__(self, hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
        """Build the client on Home Assistant's shared session."""
        super().__init__(hass, entry)
        self.client = ParqexClient(
            async_get_clientsession(hass),
            entry.data[CONF_ACCESS_TOKEN],
            base_url=entry.data[CONF_URL],
            request_timeout=const.REQUEST_TIMEOUT,
        )

    async def _async_fetch(self) -> ParqexAccount:
        return await self.client.async_get_devices()

    def devices(self, data: ParqexAccount) -> dict[str, DeviceInfo]:
        """Controllers, doors, and the Bluetooth sensors of doors that have one."""
        return parqex_devices(data)

    def problems(self, data: ParqexAccount) -> dict[str, Problem]:
        """Controllers that are not registered with ParqEx any more."""
        return {
            f"unregistered_{controller_id}": Problem(
                "controller_not_registered",
                {"controller": controller_device(controller)["name"] or controller_id},
            )
            for controller_id, controller in data.controllers.items()
            if controller.registered is False
        }

    def skipped(self, data: ParqexAccount) -> int:
        """Malformed controllers and doors of the last answer."""
        return data.skipped


class SeamCoordinator(CloudCoordinator[SeamDevices]):
    """Polls the devices shared with one Seam user identity."""

    service_name = "Seam"

    def __init__(self, hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
        """Build the client on Home Assistant's shared session."""
        super().__init__(hass, entry)
        self.client = SeamClient(
            async_get_clientsession(hass),
            entry.data[CONF_API_KEY],
            base_url=entry.data[CONF_URL],
            request_timeout=const.REQUEST_TIMEOUT,
        )
        self.user_identity_id: str = entry.data[CONF_USER_IDENTITY_ID]

    async def _async_fetch(self) -> SeamDevices:
        return await self.client.async_list_accessible_devices(self.user_identity_id)

    @callback
    def async_confirm_lock(self, device_id: str, locked: bool) -> None:
        """Show a lock state Seam just confirmed, at once.

        Polls already under way left before the confirmation and may carry the old state;
        they are not shown over it, so the lock never bounces back.
        """
        self._shown_since = time.monotonic()
        device = self.data.devices.get(device_id)
        if device is not None and device.locked is not locked:
            devices = {**self.data.devices, device_id: replace(device, locked=locked)}
            self.async_set_updated_data(replace(self.data, devices=devices))

    def devices(self, data: SeamDevices) -> dict[str, DeviceInfo]:
        """Every device shared with the user identity."""
        return seam_devices(data)

    def problems(self, data: SeamDevices) -> dict[str, Problem]:
        """Connected accounts (e.g. a lock maker's cloud login) that Seam lost access to."""
        disconnected: dict[str, list[str]] = {}
        for device in data.devices.values():
            if "account_disconnected" in device.error_codes:
                account = device.connected_account_id or device.device_id
                disconnected.setdefault(account, []).append(device.name)
        return {
            f"account_disconnected_{account}": Problem(
                "account_disconnected", {"devices": ", ".join(sorted(names))}
            )
            for account, names in disconnected.items()
        }

    def skipped(self, data: SeamDevices) -> int:
        """Malformed devices of the last answer."""
        return data.skipped
