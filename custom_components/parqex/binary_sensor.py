"""Binary sensors: ParqEx doors, auto-close, left open; Seam doors, lock states, links, noise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .adding import EntityCandidate, Scope
from .api import ParqexDoor, SeamDevice
from .const import DOOR_POSITION_KEY, LOCK_STATE_KEY
from .coordinator import ParqexConfigEntry, ParqexCoordinator, SeamCoordinator, control_doors
from .entity import (
    ParqexDoorEntity,
    SeamEntity,
    async_add_new_entities,
    described_entities,
)

# Entities only read the coordinator's data; updates are never requested per entity.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ParqexBinarySensorDescription[ObjectT](BinarySensorEntityDescription):
    """A yes/no reading of a door or a Seam device."""

    is_on_fn: Callable[[ObjectT], bool | None]
    exists_fn: Callable[[ObjectT], bool] = lambda _: True
    # Used instead of `translation_key` where the device's name already says it, so that a
    # lock named "Front Door" gets "Front Door Position", not "Front Door Door".
    translation_key_when_named: str | None = None
    # The platform and key of the entity that shows this reading another way (see SeamEntity).
    replaces: tuple[str, str] | None = None
    # Connectivity stays readable while the device is offline: it is what says so.
    available_when_offline: bool = False
    # A door's position, disabled by default where the door is a cover: alarm panels that
    # take only binary sensors can still enable it.
    disabled_when_doors_controlled: bool = False


PARQEX_DOOR_BINARY_SENSORS: tuple[ParqexBinarySensorDescription[ParqexDoor], ...] = (
    ParqexBinarySensorDescription(
        key=DOOR_POSITION_KEY,
        name=None,
        device_class=BinarySensorDeviceClass.GARAGE_DOOR,
        is_on_fn=lambda door: door.is_open,
        disabled_when_doors_controlled=True,
    ),
    ParqexBinarySensorDescription(
        key="auto_close",
        translation_key="auto_close",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda door: door.auto_close_enabled,
        exists_fn=lambda door: door.auto_close_enabled is not None,
    ),
)


@dataclass(frozen=True, kw_only=True)
class LeftOpenDescription(BinarySensorEntityDescription):
    """A door's left-open alert; its state is worked out by `ParqexDoorLeftOpen` itself."""


# On once a door has stayed open past its controller's open-door alert time.
LEFT_OPEN = LeftOpenDescription(
    key="left_open", translation_key="left_open", device_class=BinarySensorDeviceClass.PROBLEM
)

SEAM_BINARY_SENSORS: tuple[ParqexBinarySensorDescription[SeamDevice], ...] = (
    ParqexBinarySensorDescription(
        key="door",
        translation_key="door",
        translation_key_when_named="door_position",
        device_class=BinarySensorDeviceClass.DOOR,
        is_on_fn=lambda device: device.door_open,
        exists_fn=lambda device: device.door_open is not None,
    ),
    # A lock Seam cannot lock or unlock: its state, with no buttons that could only fail.
    ParqexBinarySensorDescription(
        key=LOCK_STATE_KEY,
        name=None,
        device_class=BinarySensorDeviceClass.LOCK,
        is_on_fn=lambda device: None if device.locked is None else not device.locked,
        exists_fn=lambda device: device.locked is not None and not device.remotely_operable,
        replaces=(Platform.LOCK, "lock"),
    ),
    ParqexBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda device: device.online,
        exists_fn=lambda device: device.online is not None,
        available_when_offline=True,
    ),
    ParqexBinarySensorDescription(
        key="noise_alert",
        translation_key="noise_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda device: device.noise_alert,
        exists_fn=lambda device: device.is_noise_sensor and device.noise_alert is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for every door or device, now and as they appear."""
    coordinator = entry.runtime_data

    def candidates(scope: Scope) -> Iterator[EntityCandidate]:
        if isinstance(coordinator, ParqexCoordinator):
            yield from described_entities(
                scope,
                coordinator.data.doors,
                PARQEX_DOOR_BINARY_SENSORS,
                partial(ParqexDoorBinarySensor, coordinator),
            )
            for controller_id, controller in scope.select(coordinator.data.controllers):
                if controller.time_before_door_open_alert:
                    for door in controller.doors:
                        yield (
                            f"{door.id}_{LEFT_OPEN.key}",
                            partial(ParqexDoorLeftOpen, coordinator, door.id, controller_id),
                        )
        else:
            yield from described_entities(
                scope,
                coordinator.data.devices,
                SEAM_BINARY_SENSORS,
                partial(SeamBinarySensor, coordinator),
            )

    async_add_new_entities(entry, async_add_entities, candidates)


class ParqexDoorBinarySensor(ParqexDoorEntity, BinarySensorEntity):
    """A door's position or auto-close setting."""

    entity_description: ParqexBinarySensorDescription[ParqexDoor]

    def __init__(
        self,
        coordinator: ParqexCoordinator,
        door_id: str,
        description: ParqexBinarySensorDescription[ParqexDoor],
    ) -> None:
        """Start disabled where the door's cover shows the same."""
        super().__init__(coordinator, door_id, description)
        if description.disabled_when_doors_controlled:
            self._attr_entity_registry_enabled_default = not control_doors(coordinator.config_entry)

    @property
    def is_on(self) -> bool | None:
        """The reading, None when the door reports a state it does not document."""
        door = self.door
        return None if door is None else self.entity_description.is_on_fn(door)


class SeamBinarySensor(SeamEntity, BinarySensorEntity):
    """A Seam device's door sensor, lock state, cloud link or noise alert."""

    entity_description: ParqexBinarySensorDescription[SeamDevice]

    def __init__(
        self,
        coordinator: SeamCoordinator,
        device_id: str,
        description: ParqexBinarySensorDescription[SeamDevice],
    ) -> None:
        """Keep connectivity visible while the device is offline; avoid doubled words."""
        super().__init__(coordinator, device_id, description)
        self._available_when_offline = description.available_when_offline
        self._replaces = description.replaces
        device = coordinator.data.devices[device_id]
        if description.translation_key_when_named and description.translation_key in (
            device.name.casefold().split()
        ):
            self._attr_translation_key = description.translation_key_when_named

    @property
    def is_on(self) -> bool | None:
        """The reading."""
        device = self.device
        return None if device is None else self.entity_description.is_on_fn(device)


class ParqexDoorLeftOpen(ParqexDoorEntity, BinarySensorEntity):
    """On once a door has been open longer than its controller's open-door alert allows.

    Worked out here, with a timer for the moment the alert time runs out: no request. The
    door counts as open since ParqEx's last move of it, or since Home Assistant first saw it
    open where that is earlier (ParqEx's clock may run ahead) or unknown.
    """

    def __init__(self, coordinator: ParqexCoordinator, door_id: str, controller_id: str) -> None:
        """Nothing known of the door being open yet."""
        super().__init__(coordinator, door_id, LEFT_OPEN)
        self.controller_id = controller_id
        self._seen_open_at: datetime | None = None
        self._deadline: datetime | None = None
        self._cancel_timer: CALLBACK_TYPE | None = None

    @property
    def is_on(self) -> bool | None:
        """Whether the door is open and its alert time has run out."""
        door = self.door
        if door is None or door.is_open is None:
            return None
        return self._deadline is not None and dt_util.utcnow() >= self._deadline

    async def async_added_to_hass(self) -> None:
        """Start the timer for a door that is already open (also since before a restart)."""
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_deadline)
        self._follow_door()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._follow_door()
        super()._handle_coordinator_update()

    @callback
    def _follow_door(self) -> None:
        """Work out when the open door's alert time runs out; be woken then."""
        door = self.door
        controller = self.coordinator.data.controllers.get(self.controller_id)
        alert = controller.time_before_door_open_alert if controller else None
        if door is None or not door.is_open or not alert:
            self._seen_open_at = None
            deadline = None
        else:
            now = dt_util.utcnow()
            self._seen_open_at = self._seen_open_at or now
            opened = min(door.last_toggled or now, self._seen_open_at)
            deadline = opened + timedelta(seconds=alert)
        if deadline == self._deadline:
            return
        self._cancel_deadline()
        self._deadline = deadline
        if deadline is not None and deadline > dt_util.utcnow():
            self._cancel_timer = async_track_point_in_utc_time(
                self.hass, self._deadline_reached, deadline
            )

    @callback
    def _deadline_reached(self, _: datetime) -> None:
        self._cancel_timer = None
        super()._handle_coordinator_update()

    @callback
    def _cancel_deadline(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None
