"""Activity: an event each time a door is asked to move, a lock moves or a room gets too loud."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .adding import EntityCandidate, Scope
from .api import ParqexDoor, SeamDevice
from .const import activity_signal
from .coordinator import ParqexConfigEntry, SeamCoordinator
from .door_activity import DoorActivity
from .entity import (
    ParqexDoorEntity,
    SeamEntity,
    async_add_new_entities,
    async_add_seam_entities,
    described_entities,
)
from .seam_events import Activity

# Events are pushed by the coordinator; nothing is requested per entity.
PARALLEL_UPDATES = 0

LOCK_EVENT_TYPES = ("locked", "unlocked", "access_denied")
DOOR_EVENT_TYPES = ("opened", "closed")
NOISE_EVENT_TYPES = ("noise_threshold_triggered",)


def _is_lock(device: SeamDevice) -> bool:
    return device.locked is not None


@dataclass(frozen=True, kw_only=True)
class ActivityDescription[ObjectT](EventEntityDescription):
    """A door's or a device's activity."""

    exists_fn: Callable[[ObjectT], bool] = lambda _: True


SEAM_ACTIVITY = ActivityDescription[SeamDevice](
    key="activity",
    translation_key="activity",
    exists_fn=lambda device: _is_lock(device) or device.is_noise_sensor,
)


DOOR_ACTIVITY = ActivityDescription[ParqexDoor](
    key="activity", translation_key="door_activity", event_types=list(DOOR_EVENT_TYPES)
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an activity entity for every door, Seam lock and noise sensor, now and as they appear."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, SeamCoordinator):
        async_add_seam_entities(entry, async_add_entities, (SEAM_ACTIVITY,), SeamActivity)
        return

    def candidates(scope: Scope) -> Iterator[EntityCandidate]:
        yield from described_entities(
            scope,
            coordinator.data.doors,
            (DOOR_ACTIVITY,),
            partial(ParqexDoorActivity, coordinator),
        )

    async_add_new_entities(entry, async_add_entities, candidates)


class ActivityEventEntity(EventEntity):
    """An event entity fired by one door's or device's activity signal (`activity_signal`)."""

    @property
    def _activity_signal(self) -> str:
        raise NotImplementedError

    async def async_added_to_hass(self) -> None:
        """Listen for this door's or device's activity."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, self._activity_signal, self._activity)
        )

    @callback
    def _activity(self, activity: DoorActivity | Activity) -> None:
        if activity.event_type not in self.event_types:
            return
        self._trigger_event(activity.event_type, activity.attributes)
        self.async_write_ha_state()


class ParqexDoorActivity(ParqexDoorEntity, ActivityEventEntity):
    """A door's activity: `opened` or `closed` asked, by whom, how, and whether it worked.

    Commands from Home Assistant fire at once; the rest comes from ParqEx's history, read when
    a poll shows the door changed.
    """

    @property
    def _activity_signal(self) -> str:
        return activity_signal(self.coordinator.config_entry.entry_id, self.door_id)


class SeamActivity(SeamEntity, ActivityEventEntity):
    """A device's activity events.

    A lock fires `locked` or `unlocked` with the method, access code and user identity; a noise
    sensor fires `noise_threshold_triggered` with the threshold's name.
    """

    entity_description: ActivityDescription[SeamDevice]

    def __init__(
        self,
        coordinator: SeamCoordinator,
        device_id: str,
        description: ActivityDescription[SeamDevice],
    ) -> None:
        """Offer the event types of what the device is."""
        super().__init__(coordinator, device_id, description)
        device = coordinator.data.devices[device_id]
        event_types: list[str] = []
        if _is_lock(device):
            event_types.extend(LOCK_EVENT_TYPES)
        if device.is_noise_sensor:
            event_types.extend(NOISE_EVENT_TYPES)
        self._attr_event_types = event_types

    @property
    def _activity_signal(self) -> str:
        return activity_signal(self.coordinator.config_entry.entry_id, self.device_id)
