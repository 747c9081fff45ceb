"""Seam locks: state from polling, commands confirmed through Seam's action attempts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    ActionAttemptFailedError,
    ActionAttemptTimeoutError,
    ActionAttemptUnconfirmedError,
    ApiError,
    AuthenticationError,
    RateLimitError,
    SeamDevice,
)
from .api.seam.client import CONFIRM_TIMEOUT
from .const import DOMAIN
from .coordinator import ParqexConfigEntry, SeamCoordinator
from .entity import SeamEntity, async_add_seam_entities

# Commands to one lock are serialized by the entity itself; locks act independently.
PARALLEL_UPDATES = 0
# How long a command may stay unconfirmed before the user is told and the state re-read.
COMMAND_TIMEOUT = CONFIRM_TIMEOUT


@dataclass(frozen=True, kw_only=True)
class SeamLockDescription(LockEntityDescription):
    """A Seam device's lock."""

    exists_fn: Callable[[SeamDevice], bool]


SEAM_LOCK = SeamLockDescription(
    key="lock",
    name=None,
    exists_fn=lambda device: device.locked is not None,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a lock for every Seam device that reports one, now and as they appear."""
    async_add_seam_entities(entry, async_add_entities, (SEAM_LOCK,), SeamLock)


def seam_command_error(
    err: ApiError, placeholders: dict[str, str], seconds: int
) -> HomeAssistantError:
    """The translated error a failed lock command shows; Seam's text is already scrubbed."""
    key = "command_error"
    extra = {"error": str(err)}
    if isinstance(err, AuthenticationError):
        key, extra = "command_auth_failed", {}
    elif isinstance(err, RateLimitError):
        key, extra = "command_rate_limited", {"seconds": str(seconds)}
    elif isinstance(err, ActionAttemptFailedError):
        key = "command_failed"
    elif isinstance(err, ActionAttemptTimeoutError):
        key, extra = "command_timeout", {}
    elif isinstance(err, ActionAttemptUnconfirmedError):
        key = "command_unconfirmed"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={**placeholders, **extra},
    )


class SeamLock(SeamEntity, LockEntity):
    """A lock reached through Seam."""

    entity_description: SeamLockDescription

    def __init__(
        self, coordinator: SeamCoordinator, device_id: str, description: SeamLockDescription
    ) -> None:
        """Start with no command under way."""
        super().__init__(coordinator, device_id, description)
        self._command = asyncio.Lock()
        # True while locking, False while unlocking, None otherwise.
        self._target: bool | None = None

    @property
    def is_locked(self) -> bool | None:
        """Whether Seam reports the lock locked."""
        device = self.device
        return None if device is None else device.locked

    @property
    def changed_by(self) -> str | None:
        """How the lock last moved: keycode, manual, automatic or remote."""
        activity = self.coordinator.activity.get(self.device_id)
        return activity.method if activity else None

    @property
    def is_locking(self) -> bool:
        """Whether a lock command is under way."""
        return self._target is True

    @property
    def is_unlocking(self) -> bool:
        """Whether an unlock command is under way."""
        return self._target is False

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock, returning once Seam confirms it."""
        await self._async_set_locked(True)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock, returning once Seam confirms it."""
        await self._async_set_locked(False)

    async def _async_set_locked(self, locked: bool) -> None:
        device = self.device
        if device is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="device_unavailable",
                translation_placeholders={"name": self.device_id},
            )
        placeholders = {"name": device.name, "action": "lock" if locked else "unlock"}
        if not (device.can_remotely_lock if locked else device.can_remotely_unlock):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_remotely_controllable",
                translation_placeholders=placeholders,
            )
        coordinator = self.coordinator
        async with self._command:
            # Checked once the commands queued before this one have run: one of them may
            # have been told to wait.
            coordinator.commands.raise_if_held(self.device_id, "command_rate_limited", placeholders)
            self._target = locked
            self.async_write_ha_state()
            try:
                await coordinator.client.async_set_locked(
                    self.device_id, locked, timeout=COMMAND_TIMEOUT
                )
            except BaseException as err:
                # Whatever went wrong, the lock is not shown locking or unlocking any more.
                self._target = None
                self.async_write_ha_state()
                if not isinstance(err, ApiError):
                    raise
                coordinator.commands.hold_after(self.device_id, err)
                self._after_failure(err)
                seconds = coordinator.commands.seconds_left(self.device_id)
                raise seam_command_error(err, placeholders, seconds) from err
            self._target = None
            coordinator.async_confirm_lock(self.device_id, locked)
            # Writes only if confirming changed nothing the coordinator would announce.
            self._handle_coordinator_update()
        coordinator.async_reconcile()

    def _after_failure(self, err: ApiError) -> None:
        """Start what a failed command calls for: signing in again, or reading the lock again."""
        coordinator = self.coordinator
        if isinstance(err, AuthenticationError):
            coordinator.config_entry.async_start_reauth(self.hass)
        elif isinstance(err, ActionAttemptTimeoutError | ActionAttemptUnconfirmedError):
            # The lock may have moved: its state is read again now, not at the next poll.
            coordinator.config_entry.async_create_background_task(
                self.hass,
                coordinator.async_recheck_device(self.device_id),
                "parqex seam lock recheck",
            )
