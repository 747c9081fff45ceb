"""Seam locks: state from polling, commands confirmed through Seam's action attempts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SeamDevice
from .const import DOMAIN
from .coordinator import ParqexConfigEntry
from .entity import async_add_seam_entities
from .seam_command import SeamCommandEntity

# Commands to one lock are serialized by the entity itself; locks act independently.
PARALLEL_UPDATES = 0


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


class SeamLock(SeamCommandEntity, LockEntity):
    """A lock reached through Seam."""

    entity_description: SeamLockDescription

    @property
    def is_locked(self) -> bool | None:
        """Whether Seam reports the lock locked."""
        device = self.device
        return None if device is None else device.locked

    @property
    def changed_by(self) -> str | None:
        """How the lock last moved: keycode, manual, automatic or remote."""
        activity = self.coordinator.activity.last_lock_activity(self.device_id)
        return activity.method if activity else None

    @property
    def is_locking(self) -> bool:
        """Whether a lock command is under way."""
        return self._command_target is True

    @property
    def is_unlocking(self) -> bool:
        """Whether an unlock command is under way."""
        return self._command_target is False

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
        client = self.coordinator.client
        await self._async_command(
            placeholders,
            partial(client.async_lock_door if locked else client.async_unlock_door, self.device_id),
            partial(self.coordinator.async_confirm_lock, self.device_id, locked),
            target=locked,
        )
