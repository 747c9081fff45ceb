"""Seam locks' auto-lock, switched on and off, each change confirmed through Seam."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SeamDevice
from .auto_lock import SeamAutoLockEntity
from .coordinator import ParqexConfigEntry
from .entity import async_add_seam_entities

# Commands to one lock are serialized by its entities; locks act independently.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SeamAutoLockSwitchDescription(SwitchEntityDescription):
    """A Seam lock's auto-lock switch."""

    exists_fn: Callable[[SeamDevice], bool]


SEAM_AUTO_LOCK = SeamAutoLockSwitchDescription(
    key="auto_lock",
    translation_key="auto_lock",
    entity_category=EntityCategory.CONFIG,
    exists_fn=lambda device: (
        device.can_configure_auto_lock and device.auto_lock_enabled is not None
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an auto-lock switch for every Seam lock that can configure it, now and later."""
    async_add_seam_entities(entry, async_add_entities, (SEAM_AUTO_LOCK,), SeamAutoLockSwitch)


class SeamAutoLockSwitch(SeamAutoLockEntity, SwitchEntity):
    """Whether a lock reached through Seam locks itself again after it was unlocked."""

    entity_description: SeamAutoLockSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Whether Seam reports auto-lock on."""
        device = self.device
        return None if device is None else device.auto_lock_enabled

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn auto-lock on with the delay set, returning once Seam confirms it."""
        await self._async_configure_auto_lock(True, None)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn auto-lock off, returning once Seam confirms it."""
        await self._async_configure_auto_lock(False, None)
