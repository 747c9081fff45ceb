"""Lock activity: an event each time a Seam lock locks or unlocks, saying how and by whom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SeamDevice
from .coordinator import ParqexConfigEntry
from .entity import SeamEntity, async_add_seam_entities
from .seam_events import LockActivity, activity_signal

# Events are pushed by the coordinator; nothing is requested per entity.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SeamActivityDescription(EventEntityDescription):
    """A lock's activity."""

    exists_fn: Callable[[SeamDevice], bool]


SEAM_ACTIVITY = SeamActivityDescription(
    key="activity",
    translation_key="activity",
    event_types=["locked", "unlocked"],
    exists_fn=lambda device: device.locked is not None,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an activity entity for every Seam lock, now and as they appear."""
    async_add_seam_entities(entry, async_add_entities, (SEAM_ACTIVITY,), SeamLockActivity)


class SeamLockActivity(SeamEntity, EventEntity):
    """Fires `locked` or `unlocked` with the method, access code and user identity."""

    entity_description: SeamActivityDescription

    async def async_added_to_hass(self) -> None:
        """Listen for this lock's activity."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, activity_signal(self.coordinator.config_entry), self._activity
            )
        )

    @callback
    def _activity(self, device_id: str, activity: LockActivity) -> None:
        if device_id != self.device_id:
            return
        self._trigger_event(
            "locked" if activity.locked else "unlocked",
            {
                "method": activity.method,
                "access_code_id": activity.access_code_id,
                "user_identity_id": activity.user_identity_id,
            },
        )
        self.async_write_ha_state()
