"""Coordinators that poll ParqEx and Seam, one per config entry."""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
import time
import traceback
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import entity_platform, entity_registry as er, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from . import const
from .api import (
    AccessToken,
    ApiError,
    AuthenticationError,
    ParqexAccount,
    ParqexClient,
    RateLimitError,
    SeamClient,
    SeamDevice,
    SeamDevices,
    SeamEvent,
)
from .codes import AccessCodeCache, CodeLimits
from .commands import CommandPacer
from .const import (
    CONF_API_KEY,
    CONF_CONTROL_DOORS,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DEFAULT_PARQEX_SCAN_INTERVAL,
    DEFAULT_SEAM_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_BACKOFF,
    PUSH_POLL_INTERVAL,
    PUSH_SILENCE,
    RECONCILE_COOLDOWN,
    SERVICE_PARQEX,
    SERVICE_SEAM,
)
from .devices import (
    DeviceRegistrySync,
    RegistryDevice,
    controller_device,
    parqex_devices,
    seam_device,
    seam_devices,
)
from .door_activity import DoorHistory
from .seam_events import (
    ACCESS_CODE_EVENT_PREFIX,
    ACCESS_DENIED_EVENT,
    DEVICE_EVENTS,
    LOCK_EVENTS,
    METHOD_REMOTE,
    METHOD_UNKNOWN,
    METHODS,
    NOISE_EVENT,
    AccessDeniedActivity,
    CodeActivity,
    DeviceActivities,
    LockActivity,
    NoiseActivity,
    event_device,
    may_concern_unknown,
)

type ParqexConfigEntry = ConfigEntry[ParqexCoordinator | SeamCoordinator]

# Devices of a large answer compared with those shown (a few µs each) between two yields to
# the event loop, so the comparison never holds Home Assistant long.
COMPARE_SLICE: Final = 500


@dataclass(frozen=True, slots=True)
class Problem:
    """A condition the user must fix at the service, shown as a repair issue."""

    translation_key: str
    placeholders: dict[str, str]
    # Whether the repair comes with a flow that fixes it (see repairs.py).
    fixable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes[DataT]:
    """What an answer changed against the data shown, device by device."""

    # The answer to show; devices that did not change keep the objects already shown.
    data: DataT
    # The devices that changed, came or went, in the answer's order (gone ones last); None
    # for the first answer, which every listener is told of.
    devices: tuple[str, ...] | None
    # The registry entries of the changed devices still listed, and every device's identifier.
    registry: Mapping[str, RegistryDevice]
    identifiers: Collection[str]


def issue_prefix(entry: ConfigEntry) -> str:
    """What the ids of an entry's repair issues start with."""
    return f"{entry.entry_id}_"


def entry_issue_ids(hass: HomeAssistant, entry: ConfigEntry) -> list[str]:
    """The ids of the repair issues an entry has raised, as the registry holds them now."""
    prefix = issue_prefix(entry)
    return [
        issue_id
        for domain, issue_id in ir.async_get(hass).issues
        if domain == DOMAIN and issue_id.startswith(prefix)
    ]


def entry_service(data: Mapping[str, Any]) -> str:
    """Which service an entry's data is for: Seam entries carry an API key."""
    return SERVICE_SEAM if CONF_API_KEY in data else SERVICE_PARQEX


def entry_scope(entry: ConfigEntry) -> str:
    """What an entry's entity unique ids start with, so entries sharing a device never collide.

    A lock shared with two Seam user identities, or a controller an owner and a guest both
    see, then has the entities of each entry. Seam: the user identity; ParqEx: the entry
    itself, as `/sync` names no account.
    """
    if entry_service(entry.data) == SERVICE_SEAM:
        return str(entry.data[CONF_USER_IDENTITY_ID])
    return entry.entry_id


def control_doors(entry: ConfigEntry) -> bool:
    """Whether a ParqEx entry's doors are covers Home Assistant may open and close."""
    return bool(entry.options.get(CONF_CONTROL_DOORS, True))


def scan_interval(entry: ConfigEntry) -> timedelta:
    """The polling interval the user chose, or the service's default."""
    default = (
        DEFAULT_SEAM_SCAN_INTERVAL
        if entry_service(entry.data) == SERVICE_SEAM
        else DEFAULT_PARQEX_SCAN_INTERVAL
    )
    return timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, default))


class CloudCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """What both services share: error mapping, backoff, log-once and stale devices.

    A listener whose context is a device id (a Seam entity's) is told only of updates that
    concern its device, so a push event or a poll that changed one device costs that device's
    entities, not the entry's thousands. An update that cannot say which devices it changed,
    or one that changes whether the service answers, tells every listener.
    """

    config_entry: ParqexConfigEntry
    service_name: str

    def __init__(self, hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
        """Poll at the entry's interval; write to listeners only when the data changed."""
        self.base_interval = scan_interval(entry)
        self.scope = entry_scope(entry)
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
        # When the service last answered a poll, for the system information.
        self.last_answer_at: datetime | None = None
        # When the request behind the data shown left; an answer to an earlier request is
        # older news and is never shown over it.
        self._shown_since = float("-inf")
        # Issues raised before a reload are still in the registry; start from them so those
        # that cleared meanwhile are withdrawn.
        self._problems = {
            issue_id.removeprefix(self._issue_prefix) for issue_id in entry_issue_ids(hass, entry)
        }
        self._device_sync = DeviceRegistrySync(hass, entry.entry_id, self.name)
        # Whether Home Assistant refused to add an entity (see `async_entity_left_out`).
        self._entity_left_out = False
        # Listeners by the device they show (their context), and those of no one device.
        self._device_listeners: dict[str, dict[CALLBACK_TYPE, CALLBACK_TYPE]] = {}
        self._entry_listeners: dict[CALLBACK_TYPE, CALLBACK_TYPE] = {}
        # The devices the update being told is about, while it is told; None: every device.
        self.updated_devices: tuple[str, ...] | None = None
        # The devices the data about to be told changed, when the update that got it knows.
        self._changed_devices: tuple[str, ...] | None = None
        # When each device may next be sent a command.
        self.commands = CommandPacer()
        # Polls asked for after commands and events: many in a row cost one request.
        self._reconcile = Debouncer(
            hass, LOGGER, cooldown=RECONCILE_COOLDOWN, immediate=False, function=self.async_refresh
        )

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Ask the service for the current data."""

    @abstractmethod
    def devices(self, data: DataT) -> dict[str, RegistryDevice]:
        """The registry entry of every device the data describes, by identifier."""

    def current_device_identifiers(self) -> set[str]:
        """The registry identifiers of every device in the last answer."""
        return set(self.devices(self.data))

    async def _async_changes(self, data: DataT) -> Changes[DataT] | None:
        """What an answer changed against the data shown, when the coordinator can tell.

        None (the default): the answer is compared whole, every device is registered again
        where it changed, and every listener is told.
        """
        return None

    @callback
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen for updates; with a device id as `context`, for updates about that device.

        Home Assistant's own bookkeeping (polling while anyone listens) is kept as it is.
        """
        remove = super().async_add_listener(update_callback, context)
        group = (
            self._device_listeners.setdefault(context, {})
            if isinstance(context, str)
            else self._entry_listeners
        )
        group[remove] = update_callback
        return partial(self._remove_listener, remove, context)

    @callback
    def _remove_listener(self, remove: CALLBACK_TYPE, context: Any) -> None:
        remove()
        if not isinstance(context, str):
            del self._entry_listeners[remove]
            return
        group = self._device_listeners[context]
        del group[remove]
        if not group:
            del self._device_listeners[context]

    @callback
    def async_update_listeners(self) -> None:
        """Tell listeners of new data: those of the devices it changed, when that is known."""
        devices, self._changed_devices = self._changed_devices, None
        if devices is not None:
            self.async_update_device_listeners(devices)
            return
        outer, self.updated_devices = self.updated_devices, None
        try:
            super().async_update_listeners()
        finally:
            self.updated_devices = outer

    @callback
    def async_update_device_listeners(self, devices: Iterable[str]) -> None:
        """Tell the listeners of these devices, and those of no one device, of an update.

        The latter (the platforms looking for new entities) read `updated_devices` meanwhile.
        """
        outer, self.updated_devices = self.updated_devices, tuple(devices)
        try:
            for device_id in self.updated_devices:
                if listeners := self._device_listeners.get(device_id):
                    self._call_listeners(listeners)
            self._call_listeners(self._entry_listeners)
        finally:
            self.updated_devices = outer

    @callback
    def _call_listeners(self, listeners: Mapping[CALLBACK_TYPE, CALLBACK_TYPE]) -> None:
        for update_callback in list(listeners.values()):
            try:
                update_callback()
            except Exception:
                self.logger.exception(
                    "Unexpected error updating listener %s for %s", id(update_callback), self.name
                )

    @abstractmethod
    def problems(self, data: DataT) -> dict[str, Problem]:
        """What the user has to fix outside Home Assistant, by a stable key."""

    @abstractmethod
    def skipped(self, data: DataT) -> int:
        """How many objects of the last answer were malformed and left out."""

    def normal_interval(self) -> timedelta:
        """How often to poll while the service answers."""
        return self.base_interval

    def set_base_interval(self, interval: timedelta) -> None:
        """Apply a new polling interval chosen in the options."""
        self.base_interval = interval
        self._apply_normal_interval()

    def _apply_normal_interval(self) -> None:
        """Poll at the normal interval, unless a failure is being backed off from."""
        if not self._failures:
            self.update_interval = self.normal_interval()

    def _backoff(self, retry_after: float | None = None) -> timedelta:
        """The wait before the next poll after `self._failures` failures in a row."""
        if retry_after is not None:
            return max(self.base_interval, timedelta(seconds=retry_after))
        doubled = self.base_interval * (1 << min(self._failures, 10))
        return max(self.base_interval, min(doubled, MAX_BACKOFF))

    def _update_error(self, err: ApiError) -> Exception:
        """What a failed poll raises for Home Assistant, with the next poll's time set."""
        if isinstance(err, AuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"service": self.service_name},
            )
        self._failures += 1
        if isinstance(err, RateLimitError):
            self.update_interval = self._backoff(err.retry_after)
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={
                    "service": self.service_name,
                    "seconds": str(int(self.update_interval.total_seconds())),
                },
            )
        self.update_interval = self._backoff()
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"service": self.service_name, "error": str(err)},
        )

    async def _async_update_data(self) -> DataT:
        started = time.monotonic()
        try:
            data = await self._async_fetch()
        except ApiError as err:
            # Home Assistant keeps the last failure; its frames must not keep the failed
            # answer (up to the clients' size limit) alive with it.
            traceback.clear_frames(err.__traceback__)
            raise self._update_error(err) from err
        self._failures = 0
        self.last_answer_at = dt_util.utcnow()
        self._apply_normal_interval()
        if started < self._shown_since:
            return self.data
        changes = await self._async_changes(data)
        if started < self._shown_since:
            # Something newer was shown while the answer was compared.
            return self.data
        self._shown_since = started
        complete = not self.skipped(data)
        if changes is None:
            if data == self.data:
                # An unchanged answer: nothing to register or raise, and the data already
                # shown stays, so Home Assistant tells no entity about it.
                return self.data
            devices = self.devices(data)
            await self._device_sync.async_sync(devices, devices.keys(), complete=complete)
        else:
            if changes.data is self.data:
                return self.data
            data = changes.data
            await self._device_sync.async_sync(
                changes.registry, changes.identifiers, complete=complete
            )
        if started < self._shown_since:
            # Something newer was shown while the devices were registered.
            return self.data
        self._sync_repair_issues(self._entry_problems(data))
        if changes is not None and self.last_update_success:
            # Only these devices' listeners are told (a recovery tells everyone).
            self._changed_devices = changes.devices
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
        try:
            await super()._async_refresh(
                log_failures=False,
                raise_on_auth_failed=raise_on_auth_failed,
                scheduled=scheduled,
                raise_on_entry_error=raise_on_entry_error,
            )
        finally:
            # Set by an update whose data was then not told (e.g. unchanged after all).
            self._changed_devices = None
        if log_failures and was_available and not self.last_update_success:
            self.logger.info("%s is unavailable: %s", self.name, self.last_exception)

    @callback
    def async_reconcile(self) -> None:
        """Poll soon, to pick up what a command or an event may have changed besides itself.

        However many ask within the cooldown, one list request follows.
        """
        self._reconcile.async_schedule_call()

    async def async_shutdown(self) -> None:
        """Stop the reconciling poll with the coordinator."""
        self._reconcile.async_shutdown()
        await super().async_shutdown()

    @callback
    def _show(
        self, data: DataT, since: float | None = None, *, devices: tuple[str, ...] | None = None
    ) -> None:
        """Show data newer than any poll that left before `since` (default: now).

        Used for a confirmation, an event, or one device read again. `devices`: the only
        devices whose data changed, whose listeners alone are told (unless the service was
        shown unavailable until now: then everyone is).
        """
        self._shown_since = time.monotonic() if since is None else since
        self._changed_devices = devices if self.last_update_success else None
        self.async_set_updated_data(data)

    @callback
    def async_refresh_problems(self) -> None:
        """Bring repair issues up to date without waiting for the next poll."""
        if self.data is not None:
            self._sync_repair_issues(self._entry_problems(self.data))

    @callback
    def async_entity_left_out(self) -> None:
        """Home Assistant refused to add an entity: the entry has all the enabled ones it may.

        The user is told once, at the first refusal (thousands may follow in a large account).
        """
        if not self._entity_left_out:
            self._entity_left_out = True
            self.async_refresh_problems()

    def _entry_problems(self, data: DataT) -> dict[str, Problem]:
        """The service's problems, and the entry's own: entities refused for the limit."""
        problems = self.problems(data)
        limit = entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
        enabled = er.async_get(self.hass).entities.get_enabled_count_for_config_entry_id(
            self.config_entry.entry_id
        )
        if self._entity_left_out and enabled >= limit:
            problems["entity_limit"] = Problem(
                "entity_limit", {"service": self.service_name, "limit": str(limit)}
            )
        return problems

    @callback
    def _sync_repair_issues(self, problems: dict[str, Problem]) -> None:
        """Raise a repair issue for each new problem; withdraw those that cleared."""
        for key, problem in problems.items():
            if key not in self._problems:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    self._issue_prefix + key,
                    is_fixable=problem.fixable,
                    data={"entry_id": self.config_entry.entry_id} if problem.fixable else None,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key=problem.translation_key,
                    translation_placeholders=problem.placeholders,
                )
        for key in self._problems - problems.keys():
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_prefix + key)
        self._problems = set(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class DoorMove:
    """A door told to move: whether it is opening, and by when it should have arrived."""

    open_door: bool
    arrive_by: float


class ParqexCoordinator(CloudCoordinator[ParqexAccount]):
    """Polls a ParqEx account's `/sync`, quickly while a door it was told to move travels."""

    service_name = "ParqEx"

    def __init__(
        self, hass: HomeAssistant, entry: ParqexConfigEntry, access_token: AccessToken
    ) -> None:
        """Build the client on Home Assistant's shared session.

        `access_token` is the entry's token, or what fetches a fresh one from its OAuth
        session before each request.
        """
        self.client = ParqexClient(
            async_get_clientsession(hass),
            access_token,
            base_url=entry.data[CONF_URL],
            request_timeout=const.REQUEST_TIMEOUT,
        )
        # Doors told to move and not there yet.
        self.moving: dict[str, DoorMove] = {}
        self._moves_settled = False
        self._follow: CALLBACK_TYPE | None = None
        # Who moved the doors, from ParqEx's history, read when a door changes.
        self.history = DoorHistory(hass, entry, self.client)
        super().__init__(hass, entry)

    async def _async_fetch(self) -> ParqexAccount:
        account = await self.client.async_get_devices()
        self._settle_moves(account)
        self.history.async_note_answer(self.data, account)
        return account

    @callback
    def async_door_commanded(self, door_id: str, *, open_door: bool) -> None:
        """ParqEx accepted a command: show the door moving, and read `/sync` quickly.

        Polls already under way left before the command; they are not shown over it.
        """
        self._shown_since = time.monotonic()
        self.moving[door_id] = DoorMove(
            open_door=open_door, arrive_by=time.monotonic() + const.DOOR_TRAVEL_LIMIT
        )
        self.async_update_listeners()
        self._schedule_follow()

    @callback
    def _schedule_follow(self) -> None:
        if self._follow is None and self.moving:
            self._follow = async_call_later(
                self.hass, const.DOOR_POLL_INTERVAL, self._async_follow_moves
            )

    async def _async_follow_moves(self, _: datetime) -> None:
        self._follow = None
        await self.async_refresh()
        if self._moves_settled:
            # An unchanged answer tells no entity; a door that stopped moving must be told.
            self._moves_settled = False
            self.async_update_listeners()
        self._schedule_follow()

    def _settle_moves(self, account: ParqexAccount) -> None:
        """Stop showing doors as moving once they report the state asked for, or time is up."""
        now = time.monotonic()
        for door_id, move in list(self.moving.items()):
            door = account.doors.get(door_id)
            arrived = door is not None and door.is_open is move.open_door
            if not arrived and now < move.arrive_by:
                continue
            del self.moving[door_id]
            self._moves_settled = True
            if not arrived:
                LOGGER.warning(
                    "%s: %s did not report %s within %d seconds of the command; showing "
                    "what ParqEx reports",
                    self.name,
                    door.name if door else door_id,
                    "open" if move.open_door else "closed",
                    const.DOOR_TRAVEL_LIMIT,
                )

    async def async_shutdown(self) -> None:
        """Stop following moving doors, and reading their history, with the coordinator."""
        if self._follow is not None:
            self._follow()
            self._follow = None
        self.history.async_shutdown()
        await super().async_shutdown()

    def devices(self, data: ParqexAccount) -> dict[str, RegistryDevice]:
        """Controllers, doors, and the Bluetooth sensors of doors that have one."""
        return parqex_devices(data)

    def problems(self, data: ParqexAccount) -> dict[str, Problem]:
        """Controllers that are not registered with ParqEx any more."""
        return {
            f"unregistered_{controller_id}": Problem(
                "controller_not_registered",
                {"controller": controller_device(controller).info.get("name") or controller_id},
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
        # Everything `async_shutdown` touches exists before the base class can fail.
        self.push_active = False
        self._push_silence: CALLBACK_TYPE | None = None
        self.client = SeamClient(
            async_get_clientsession(hass),
            entry.data[CONF_API_KEY],
            base_url=entry.data[CONF_URL],
            request_timeout=const.REQUEST_TIMEOUT,
        )
        super().__init__(hass, entry)
        self.user_identity_id: str = entry.data[CONF_USER_IDENTITY_ID]
        # Problems of the push set-up, kept by the push module and shown with the others.
        self.push_problems: dict[str, Problem] = {}
        # How each lock last moved and what each noise sensor heard, for the activity
        # entities (and a lock's `changed_by`).
        self.activity = DeviceActivities(hass, entry)
        # The locks' keypad codes, read when needed, and Seam's limits on changing them.
        self.codes = AccessCodeCache(self.client)
        self.code_limits = CodeLimits()

    async def _async_fetch(self) -> SeamDevices:
        return await self.client.async_list_accessible_devices(self.user_identity_id)

    async def _async_changes(self, data: SeamDevices) -> Changes[SeamDevices]:
        """The devices an answer changed, compared one by one in slices.

        A device that did not change keeps the object already shown, so the next comparison
        (and Home Assistant's own, of the whole data) finds it at once. Every device of the
        first answer is new.
        """
        # None before the first answer, whatever Home Assistant's annotation says.
        shown: SeamDevices | None = self.data
        before = shown.devices if shown is not None else {}
        devices: dict[str, SeamDevice] = {}
        changed: list[str] = []
        registry: dict[str, RegistryDevice] = {}
        for number, (device_id, device) in enumerate(data.devices.items(), 1):
            previous = before.get(device_id)
            if previous is not None and previous == device:
                devices[device_id] = previous
            else:
                devices[device_id] = device
                changed.append(device_id)
                registry[device_id] = seam_device(device)
            if number % COMPARE_SLICE == 0:
                await asyncio.sleep(0)
        if shown is None:
            return Changes(data=data, devices=None, registry=registry, identifiers=devices.keys())
        gone = [device_id for device_id in before if device_id not in devices]
        for device_id in gone:
            # Nothing is kept of a device that is no longer listed.
            self.codes.forget(device_id)
        changed.extend(gone)
        if not changed and data.skipped == shown.skipped:
            return Changes(data=shown, devices=(), registry={}, identifiers=before.keys())
        return Changes(
            data=SeamDevices(devices=devices, skipped=data.skipped),
            devices=tuple(changed),
            registry=registry,
            identifiers=devices.keys(),
        )

    def normal_interval(self) -> timedelta:
        """Slower while webhook deliveries keep the data current."""
        if self.push_active:
            return max(self.base_interval, PUSH_POLL_INTERVAL)
        return self.base_interval

    @callback
    def _cancel_push_silence(self) -> None:
        if self._push_silence is not None:
            self._push_silence()
            self._push_silence = None

    @callback
    def async_push_received(self) -> None:
        """A verified delivery arrived: poll only to reconcile until deliveries stop."""
        self._cancel_push_silence()
        self._push_silence = async_call_later(self.hass, PUSH_SILENCE, self._async_push_went_quiet)
        self.push_active = True
        self._apply_normal_interval()

    async def _async_push_went_quiet(self, _: datetime) -> None:
        """No delivery for a while: poll at the normal interval again, starting now."""
        self._push_silence = None
        self.push_active = False
        self._apply_normal_interval()
        await self.async_request_refresh()

    async def async_shutdown(self) -> None:
        """Stop the silence timer with the coordinator."""
        self._cancel_push_silence()
        await super().async_shutdown()

    @callback
    def async_confirm(self, device_id: str, confirmed: Callable[[SeamDevice], SeamDevice]) -> None:
        """Show what Seam just confirmed for a command from Home Assistant, at once.

        `confirmed` is the device as the command leaves it. Polls already under way left
        before the confirmation and may carry the old state; they are not shown over it, so
        the device never bounces back.
        """
        device = self.data.devices.get(device_id)
        if device is not None:
            self._show(self.data.with_device(confirmed(device)), devices=(device_id,))

    @callback
    def async_confirm_lock(self, device_id: str, locked: bool) -> None:
        """Show a lock state Seam just confirmed, and tell it as the lock's activity."""
        self.activity.announce(device_id, LockActivity(locked=locked, method=METHOD_REMOTE))
        self.async_confirm(device_id, lambda device: device.with_locked(locked))

    async def async_recheck_device(self, device_id: str) -> None:
        """Read one device again at once, after a command whose outcome is not known."""
        started = time.monotonic()
        try:
            device = await self.client.async_get_device(device_id)
        except ApiError as err:
            LOGGER.debug("%s: could not read %s again: %s", self.name, device_id, err)
            self.async_reconcile()
            return
        if started < self._shown_since or device_id not in self.data.devices:
            return
        self._show(self.data.with_device(device), since=started, devices=(device_id,))

    @callback
    def async_apply_event(self, event: SeamEvent) -> None:
        """Show what a webhook event says at once.

        Seam delivers every event of the workspace: events about devices this user identity
        does not have are dropped, unless they may mean a device was just shared with it.
        Events the data cannot absorb ask for a reconciling poll.
        """
        devices = self.data.devices
        device = devices.get(event.device_id) if event.device_id else None
        if device is None:
            if may_concern_unknown(self.data, event):
                self.async_reconcile()
            return
        if event.event_type.startswith(ACCESS_CODE_EVENT_PREFIX):
            # Read again when a code's name is next needed, not now.
            self.codes.forget(device.device_id)
            return
        if event.event_type == ACCESS_DENIED_EVENT:
            reason = event.reason.reason_code if event.reason else None
            self._announce_code_activity(
                device, AccessDeniedActivity(reason=reason, access_code_id=event.access_code_id)
            )
            return
        if event.event_type not in DEVICE_EVENTS:
            self.async_reconcile()
            return
        if event.event_type == "device.removed":
            self.codes.forget(device.device_id)
            self._show(self.data.without_device(device.device_id), devices=(device.device_id,))
            self._device_sync.async_take_off_gone(self.data.devices.keys())
            return
        if event.event_type in LOCK_EVENTS:
            self._announce_code_activity(
                device,
                LockActivity(
                    locked=event.event_type == "lock.locked",
                    method=METHODS.get(event.method or "", METHOD_UNKNOWN),
                    access_code_id=event.access_code_id,
                    user_identity_id=event.user_identity_id,
                ),
            )
        elif event.event_type == NOISE_EVENT:
            self.activity.announce(
                device.device_id,
                NoiseActivity(
                    threshold_name=event.noise_threshold_name,
                    threshold_id=event.noise_threshold_id,
                    decibels=event.noise_level_decibels,
                ),
            )
            # Seam tells no end of the noise: its list of thresholds exceeded is read again.
            self.async_reconcile()
        updated = event_device(device, event)
        self._show(self.data.with_device(updated), devices=(device.device_id,))

    @callback
    def _announce_code_activity(self, device: SeamDevice, activity: CodeActivity) -> None:
        """Announce a lock's activity with the name of the keypad code involved.

        Names come from the cache of codes; a code it does not know yet (new since the lock's
        codes were read, or none read yet) costs one read of that lock's codes first.
        """
        code_id = activity.access_code_id
        if code_id is None:
            self.activity.announce(device.device_id, activity)
            return
        if (
            self.codes.knows(device.device_id, code_id)
            or not device.can_program_online_access_codes
        ):
            named = replace(activity, access_code_name=self.codes.name(device.device_id, code_id))
            self.activity.announce(device.device_id, named)
            return
        self.config_entry.async_create_background_task(
            self.hass,
            self._async_announce_after_reading_codes(device.device_id, activity),
            "parqex seam code names",
        )

    async def _async_announce_after_reading_codes(
        self, device_id: str, activity: CodeActivity
    ) -> None:
        try:
            await self.codes.async_codes(device_id)
        except ApiError as err:
            LOGGER.debug("%s: could not read the codes of %s: %s", self.name, device_id, err)
        name = self.codes.name(device_id, activity.access_code_id or "")
        self.activity.announce(device_id, replace(activity, access_code_name=name))
        # The lock's `changed_by` says the name now; its entity compares and writes.
        self.async_update_device_listeners((device_id,))

    def devices(self, data: SeamDevices) -> dict[str, RegistryDevice]:
        """Every device shared with the user identity."""
        return seam_devices(data)

    def problems(self, data: SeamDevices) -> dict[str, Problem]:
        """Connected accounts (e.g. a lock maker's cloud login) that Seam lost access to."""
        disconnected: dict[str, list[str]] = {}
        for device in data.devices.values():
            if "account_disconnected" in device.error_codes:
                account = device.connected_account_id or device.device_id
                disconnected.setdefault(account, []).append(device.name)
        problems = {
            f"account_disconnected_{account}": Problem(
                "account_disconnected", {"devices": ", ".join(sorted(names))}
            )
            for account, names in disconnected.items()
        }
        return {**problems, **self.push_problems}

    def skipped(self, data: SeamDevices) -> int:
        """Malformed devices of the last answer."""
        return data.skipped
