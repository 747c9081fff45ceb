"""Base entities: one per kind of object the services report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any, Protocol

from homeassistant.core import callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .adding import EntityAdder, EntityCandidate, EntityCandidates, Scope
from .api import ParqexController, ParqexDoor, SeamDevice
from .const import DOMAIN, SEAM_OFFLINE_ERRORS
from .coordinator import CloudCoordinator, ParqexConfigEntry, ParqexCoordinator, SeamCoordinator
from .devices import door_sensor_identifier

_UNWRITTEN: Any = object()


def entity_unique_id(scope: str, object_id: str, key: str) -> str:
    """The unique id of the entity that shows reading `key` of a controller, door or device.

    `scope` is the entry's (`entry_scope`): two entries may list the same object.
    """
    return f"{scope}_{object_id}_{key}"


class ChangeOnlyEntity[CoordinatorT: CloudCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity that writes its state only when what it shows has changed.

    The coordinator tells every entity of the entry when any byte of the answer changed; each
    entity then compares what it would show with what it last wrote, so one door moving
    writes one state instead of every entity's.
    """

    _attr_has_entity_name = True
    _written: Any = _UNWRITTEN

    def _shown(self) -> tuple[Any, ...]:
        return (self.available, self.state, self.state_attributes, self.extra_state_attributes)

    @property
    def _device_identifier(self) -> str:
        """The registry identifier of the entity's device."""
        raise NotImplementedError

    @property
    def device_info(self) -> DeviceInfo:
        """The entity's device, built when Home Assistant asks (adding it), not kept.

        The coordinator registers the device itself; the entity only points at it.
        """
        return DeviceInfo(identifiers={(DOMAIN, self._device_identifier)})

    @callback
    def _async_write_ha_state(self) -> None:
        """Write the state and remember what was written.

        Home Assistant's hook for customising a write; every write, whoever asked for it,
        passes here.
        """
        self._written = self._shown()
        super()._async_write_ha_state()

    @callback
    def _handle_coordinator_update(self) -> None:
        if self._shown() != self._written:
            self.async_write_ha_state()


class ParqexControllerEntity(ChangeOnlyEntity[ParqexCoordinator]):
    """An entity of a ParqEx controller."""

    def __init__(
        self, coordinator: ParqexCoordinator, controller_id: str, description: EntityDescription
    ) -> None:
        """Describe the controller's device from its current data."""
        super().__init__(coordinator)
        self.entity_description = description
        self.controller_id = controller_id
        self._attr_unique_id = entity_unique_id(coordinator.scope, controller_id, description.key)

    @property
    def _device_identifier(self) -> str:
        return self.controller_id

    @property
    def controller(self) -> ParqexController | None:
        """The controller's current data, None once it left the account."""
        return self.coordinator.data.controllers.get(self.controller_id)

    @property
    def available(self) -> bool:
        """Available while the service answers and the controller is listed and active."""
        controller = self.controller
        return super().available and controller is not None and controller.active


class ParqexDoorEntity(ChangeOnlyEntity[ParqexCoordinator]):
    """An entity of a door; each door is a device of its own under its controller."""

    def __init__(
        self, coordinator: ParqexCoordinator, door_id: str, description: EntityDescription
    ) -> None:
        """Describe the door's device from its current data."""
        super().__init__(coordinator)
        self.entity_description = description
        self.door_id = door_id
        self._attr_unique_id = entity_unique_id(coordinator.scope, door_id, description.key)

    @property
    def _device_identifier(self) -> str:
        return self.door_id

    @property
    def door(self) -> ParqexDoor | None:
        """The door's current data, None once it left the account."""
        return self.coordinator.data.doors.get(self.door_id)

    @property
    def available(self) -> bool:
        """Available while the service answers and the door is listed and active."""
        door = self.door
        return super().available and door is not None and door.active


class ParqexDoorSensorEntity(ParqexDoorEntity):
    """An entity of a door's Bluetooth sensor, a device of its own attached to the door."""

    @property
    def _device_identifier(self) -> str:
        return door_sensor_identifier(self.door_id)


class SeamEntity(ChangeOnlyEntity[SeamCoordinator]):
    """An entity of a device shared through Seam."""

    # Entities that report connectivity stay available when the device is offline.
    _available_when_offline = False
    # The platform and key of the entity that shows the same reading another way, which
    # this one replaces when the device gains or loses a capability.
    _replaces: tuple[str, str] | None = None

    def __init__(
        self, coordinator: SeamCoordinator, device_id: str, description: EntityDescription
    ) -> None:
        """Describe the Seam device; its id is the listener's context (see CloudCoordinator)."""
        super().__init__(coordinator, device_id)
        self.entity_description = description
        self.device_id = device_id
        self._attr_unique_id = entity_unique_id(coordinator.scope, device_id, description.key)

    @property
    def _device_identifier(self) -> str:
        return self.device_id

    async def async_added_to_hass(self) -> None:
        """Take the place of the entity this one replaces, if it was registered."""
        await super().async_added_to_hass()
        if self._replaces is None:
            return
        domain, key = self._replaces
        registry = er.async_get(self.hass)
        unique_id = entity_unique_id(self.coordinator.scope, self.device_id, key)
        if replaced := registry.async_get_entity_id(domain, DOMAIN, unique_id):
            registry.async_remove(replaced)

    @property
    def device(self) -> SeamDevice | None:
        """The device's current data, None once it is no longer shared."""
        return self.coordinator.data.devices.get(self.device_id)

    @property
    def available(self) -> bool:
        """Available while the service answers and the device is shared and reachable."""
        device = self.device
        if not super().available or device is None:
            return False
        return self._available_when_offline or not device.error_codes & SEAM_OFFLINE_ERRORS


class DescribedReading[ObjectT](Protocol):
    """An entity description that says whether an object has its reading."""

    @property
    def key(self) -> str:
        """The description's key, the last part of the unique id."""

    @property
    def exists_fn(self) -> Callable[[ObjectT], bool]:
        """Whether the object reports this reading at all."""


def described_entities[ObjectT, DescriptionT: DescribedReading[Any]](
    scope: Scope,
    objects: Mapping[str, ObjectT],
    descriptions: Iterable[DescriptionT],
    build: Callable[[str, DescriptionT], Entity],
) -> Iterator[EntityCandidate]:
    """An entity candidate for every reading each object the scope selects has."""
    for object_id, obj in scope.select(objects):
        for description in descriptions:
            if description.exists_fn(obj):
                yield f"{object_id}_{description.key}", partial(build, object_id, description)


@callback
def async_add_new_entities(
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    candidates: EntityCandidates,
) -> None:
    """Add entities now, and after every update for objects or readings that are new.

    `candidates` yields a unique key and a factory for every entity the current data calls
    for, of the objects its scope selects (see `adding`). A large account is added in
    slices: the first now, the rest by a task of the entry that yields to the event loop
    between slices. After an update, only the objects it changed are looked at, when the
    coordinator says which.
    """
    coordinator = entry.runtime_data
    adder = EntityAdder(
        coordinator.hass,
        entry,
        async_add_entities,
        candidates,
        coordinator.async_entity_left_out,
    )
    adder.async_request(None)
    entry.async_on_unload(adder.async_stop)
    entry.async_on_unload(
        coordinator.async_add_listener(lambda: adder.async_request(coordinator.updated_devices))
    )


@callback
def async_add_seam_entities[DescriptionT: DescribedReading[Any]](
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: tuple[DescriptionT, ...],
    build: Callable[[SeamCoordinator, str, DescriptionT], Entity],
) -> None:
    """Set up a platform whose entities all belong to Seam devices."""
    coordinator = entry.runtime_data
    assert isinstance(coordinator, SeamCoordinator)

    def candidates(scope: Scope) -> Iterator[EntityCandidate]:
        yield from described_entities(
            scope, coordinator.data.devices, descriptions, partial(build, coordinator)
        )

    async_add_new_entities(entry, async_add_entities, candidates)
