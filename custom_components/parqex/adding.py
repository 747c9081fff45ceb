"""Adding entities in slices, so thousands of them never hold Home Assistant's event loop.

Home Assistant adds a batch of entities without yielding to the event loop: registry entries,
the device link and the first state write, about 0.2 ms an entity. A Seam account of 1,000
locks has 6,000 entities, which in one batch froze Home Assistant for over a second. Here a
platform's entities are looked for and handed over a few objects (devices, doors,
controllers) at a time; after the first slice the rest follow in a task of the config entry,
yielding between slices.

An update then looks only at the objects it changed: the coordinator says which
(`updated_devices`), and a platform's candidates are asked for those objects alone (see
`Scope`), so a push event about one device costs that device's candidates, not the account's.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

# Objects whose entities are looked for and added at once: a Seam device has up to a few
# entities a platform, so a slice is some tens of entities, a few milliseconds.
SLICE: Final = 16
# While an entry is in one of these states its platforms may still add entities.
_ADDING_STATES: Final = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)


@dataclass(slots=True)
class Scope:
    """The objects a platform looks at for new entities now, by id.

    `only` None: the first look, which takes no object yet; it collects every object's id in
    `found`, to be looked at a slice at a time.
    """

    only: Collection[str] | None
    found: list[str] = field(default_factory=list)

    def select[ObjectT](self, objects: Mapping[str, ObjectT]) -> Iterable[tuple[str, ObjectT]]:
        """The objects of this mapping to look at now, with their ids."""
        if self.only is None:
            self.found.extend(objects)
            return ()
        return [(object_id, objects[object_id]) for object_id in self.only if object_id in objects]


type EntityCandidate = tuple[str, Callable[[], Entity]]
# A unique key and a factory for every entity the current data calls for, of the objects
# the scope selects.
type EntityCandidates = Callable[[Scope], Iterable[EntityCandidate]]


class EntityAdder:
    """Adds one platform's new entities of one entry, a slice of objects at a time.

    A key is forgotten when its entity is removed, so a device that comes back gets its
    entities again. An entity disabled in the registry is never added (Home Assistant aborts
    it, which also runs its removal callbacks): its key stays known, or it would be built and
    aborted again on every update. So does the key of an entity Home Assistant refused before
    registering it (an entry may have at most 10,000 enabled entities); `left_out` is told.

    Adding stops for good once the entry unloads (its state leaves setup/loaded at once; the
    unload callback follows later): a slice never adds to a platform already reset.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        async_add_entities: AddConfigEntryEntitiesCallback,
        candidates: EntityCandidates,
        left_out: Callable[[], None],
    ) -> None:
        """Nothing known or queued yet."""
        self._hass = hass
        self._entry = entry
        self._add = async_add_entities
        self._candidates = candidates
        self._left_out = left_out
        self._known: set[str] = set()
        # Objects to look at, in order, and the same as a set.
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._busy = False
        self._stopped = False

    @callback
    def async_stop(self) -> None:
        """Add nothing more (the entry unloads)."""
        self._stopped = True
        self._queue.clear()
        self._queued.clear()

    @callback
    def async_request(self, objects: Iterable[str] | None) -> None:
        """Look for new entities of these objects (None: of every object) and add them.

        A slice is looked at now; more are left to a task of the entry that yields between
        slices.
        """
        if not self._active():
            return
        if objects is None:
            everything = Scope(None)
            # Candidates come from generators: running one through collects the ids.
            list(self._candidates(everything))
            objects = everything.found
        for object_id in objects:
            if object_id not in self._queued:
                self._queued.add(object_id)
                self._queue.append(object_id)
        if self._busy or not self._queue:
            return
        self._add_slice()
        if self._queue:
            self._busy = True
            self._entry.async_create_task(
                self._hass, self._async_add_rest(), "parqex add entities", eager_start=False
            )

    def _active(self) -> bool:
        return (
            not self._stopped and self._entry.state in _ADDING_STATES and not self._hass.is_stopping
        )

    async def _async_add_rest(self) -> None:
        try:
            while self._queue and self._active():
                self._add_slice()
                await asyncio.sleep(0)
        finally:
            self._busy = False

    @callback
    def _add_slice(self) -> None:
        """Add the new entities of the next SLICE objects, as the data shows them now."""
        objects = [self._queue.popleft() for _ in range(min(SLICE, len(self._queue)))]
        self._queued.difference_update(objects)
        new: list[Entity] = []
        for key, build in self._candidates(Scope(objects)):
            if key in self._known:
                continue
            self._known.add(key)
            entity = build()
            entity.async_on_remove(partial(self._forget, key, entity))
            new.append(entity)
        if new:
            self._add(new)

    @callback
    def _forget(self, key: str, entity: Entity) -> None:
        if not entity.entity_id:
            # Home Assistant names an entity when it registers it: this one it refused.
            self._left_out()
        elif not (entity.registry_entry and entity.registry_entry.disabled):
            self._known.discard(key)
