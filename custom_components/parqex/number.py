"""Seam locks' auto-lock delay, each change confirmed through Seam."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SeamDevice
from .auto_lock import SeamAutoLockEntity
from .coordinator import ParqexConfigEntry
from .entity import async_add_seam_entities

# Commands to one lock are serialized by its entities; locks act independently.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SeamAutoLockDelayDescription(NumberEntityDescription):
    """How long after an unlock a Seam lock locks itself again."""

    exists_fn: Callable[[SeamDevice], bool]


SEAM_AUTO_LOCK_DELAY = SeamAutoLockDelayDescription(
    key="auto_lock_delay",
    translation_key="auto_lock_delay",
    device_class=NumberDeviceClass.DURATION,
    native_unit_of_measurement=UnitOfTime.SECONDS,
    # Seam takes 1 to 60 seconds; Home Assistant refuses values outside them itself.
    native_min_value=1,
    native_max_value=60,
    native_step=1,
    mode=NumberMode.BOX,
    entity_category=EntityCategory.CONFIG,
    exists_fn=lambda device: (
        device.can_configure_auto_lock and device.auto_lock_delay_seconds is not None
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an auto-lock delay for every Seam lock that can configure it, now and later."""
    async_add_seam_entities(entry, async_add_entities, (SEAM_AUTO_LOCK_DELAY,), SeamAutoLockDelay)


class SeamAutoLockDelay(SeamAutoLockEntity, NumberEntity):
    """The auto-lock delay of a lock reached through Seam."""

    entity_description: SeamAutoLockDelayDescription

    @property
    def available(self) -> bool:
        """Available while Seam also reports whether auto-lock is on.

        Seam takes the delay only together with that setting, which is sent unchanged.
        """
        device = self.device
        return super().available and device is not None and device.auto_lock_enabled is not None

    @property
    def native_value(self) -> float | None:
        """The delay Seam reports, in seconds."""
        device = self.device
        return None if device is None else device.auto_lock_delay_seconds

    async def async_set_native_value(self, value: float) -> None:
        """Set the delay in whole seconds, auto-lock on or off as it is then.

        Returns once Seam confirms it.
        """
        # A value given in another unit may arrive with a fraction; Seam takes whole seconds.
        await self._async_configure_auto_lock(None, round(value))
