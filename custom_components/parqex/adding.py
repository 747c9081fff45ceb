"""Adding entities in slices, so thousands of them never hold Home Assistant's event loop.

Home Assistant adds a batch of entities without yielding to the event loop: registry entries,
the device link and the first state write, about 0.2 ms an entity. A Seam account of 1,000
locks has 6,000 entities, which in one batch froze Home Assistant for over a second. Here a
platform's entities are looked for and handed over a few objects (devices, doors) at a time;
after the first slice the rest follow in a task of the config entry, yielding between slices.

An update then looks only at the objects it changed: the coordinator says which
(`updated_devices`) and `described_entities` yields only their candidates (see `scoped`), so
a push event about one device costs that device's candidates, not the account's.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
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
# New entities added at once from candidates `scoped` does not cover (they are looked at
# whole each time, so a slice of them is counted in entities).
UNSCOPED_SLICE: Final = 4 * SLICE
# While an entry is in one of these states its platforms may still add entities.
_ADDING_STATES: Final = (ConfigEntryState.SETUP_IN_PROGRESS, ConfigEntryState.LOADED)


@dataclass(slots=True)
class Scope:
    """The objects whose entity candidates are wanted now.

    `only` None: none; the ids of every object are collected in `found` instead, to be
    looked at in slices.
    """

    only: Collection[str] | None
    found: list[str] = field(default_factory=list)


_SCOPE: ContextVar[Scope | None] = ContextVar("parqex_entity_scope", default=None)


@contextmanager
def _within(scope: Scope) -> Iterator[None]:
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def scoped[ObjectT](objects: Iterable[tuple[str, ObjectT]]) -> Iterable[tuple[str, ObjectT]]:
    """The objects whose candidates are wanted now: all of them, unless an adder is looking.

    `objects` is a dict's `items()`: the dict then gives the wanted objects at once, so a
    slice or an update costs its own objects only. Other iterables are taken whole.
    """
    scope = _SCOPE.get()
    mapping = getattr(objects, "mapping", None)
    if scope is None or not isinstance(mapping, Mapping):
        return objects
    if scope.only is None:
        scope.found.extend(mapping)
        return ()
    return [(object_id, mapping[object_id]) for object_id in scope.only if object_id in mapping]


type Candidates = Callable[[], Iterable[tuple[str, Callable[[], Entity]]]]


class EntityAdder:
    """Adds one platform's new entities of one entry, a slice of objects at a time.

    `candidates` yields a unique key and a factory for every entity the current data calls
    for. A key is forgotten when its entity is removed, so a device that comes back gets its
    entities again. An entity disabled in the registry is never added (Home Assistant aborts
    it, which also runs its removal callbacks): its key stays known, or it would be built and
    aborted again on every update.

    Adding stops for good once the entry unloads (its state leaves setup/loaded at once; the
    unload callback follows later): a slice never adds to a platform already reset.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        async_add_entities: AddConfigEntryEntitiesCallback,
        candidates: Candidates,
    ) -> None:
        """Nothing known or queued yet."""
        self._hass = hass
        self._entry = entry
        self._add = async_add_entities
        self._candidates = candidates
        self._known: set[str] = set()
        # Objects to look at, in order, and the same as a set.
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        # Whether candidates `scoped` does not cover are still to be added.
        self._unscoped = False
        self._busy = False
        self._stopped = False

    @callback
    def async_stop(self) -> None:
        """Add nothing more (the entry unloads)."""
        self._stopped = True
        self._queue.clear()
        self._queued.clear()
        self._unscoped = False

    @callback
    def async_request(self, objects: Iterable[str] | None) -> None:
        """Look for new entities of these objects (None: of every object) and add them.

        A slice is looked at now; more are left to a task of the entry that yields between
        slices. Candidates of objects `scoped` does not know (not a dict's items) are looked at
        whole, every time; they are added UNSCOPED_SLICE at a time.
        """
        if not self._active():
            return
        if objects is None:
            scope = Scope(None)
            with _within(scope):
                unscoped = list(self._candidates())
            self._unscoped = any(key not in self._known for key, _ in unscoped)
            objects = scope.found
        for object_id in objects:
            if object_id not in self._queued:
                self._queued.add(object_id)
                self._queue.append(object_id)
        if self._busy or not self._pending():
            return
        self._busy = True
        try:
            self._add_slice()
        finally:
            self._busy = False
        if self._pending():
            self._busy = True
            self._entry.async_create_task(
                self._hass, self._async_add_rest(), "parqex add entities", eager_start=False
            )

    def _pending(self) -> bool:
        return bool(self._queue) or self._unscoped

    def _active(self) -> bool:
        return (
            not self._stopped and self._entry.state in _ADDING_STATES and not self._hass.is_stopping
        )

    async def _async_add_rest(self) -> None:
        try:
            while self._pending() and self._active():
                self._add_slice()
                await asyncio.sleep(0)
        finally:
            self._busy = False

    @callback
    def _add_slice(self) -> None:
        """Add the new entities of the next SLICE objects, as the data shows them now.

        Candidates `scoped` does not cover come along every time; UNSCOPED_SLICE new ones are
        added while any are left, none once they are all known.
        """
        objects = [self._queue.popleft() for _ in range(min(SLICE, len(self._queue)))]
        self._queued.difference_update(objects)
        with _within(Scope(objects)):
            candidates = list(self._candidates())
        if not self._unscoped:
            self._add_new(candidates)
            return
        self._unscoped = self._add_new(candidates, limit=UNSCOPED_SLICE)
        if self._unscoped:
            # Some were held back, maybe the objects' own: they are looked at again next time.
            self._queue.extendleft(reversed(objects))
            self._queued.update(objects)

    @callback
    def _add_new(
        self, candidates: Iterable[tuple[str, Callable[[], Entity]]], limit: int | None = None
    ) -> bool:
        """Add the candidates not known yet, at most `limit`; whether new ones were left."""
        new: list[Entity] = []
        left = False
        for key, build in candidates:
            if key in self._known:
                continue
            if limit is not None and len(new) >= limit:
                left = True
                break
            self._known.add(key)
            entity = build()
            entity.async_on_remove(partial(self._forget, key, entity))
            new.append(entity)
        if new:
            self._add(new)
        return left

    @callback
    def _forget(self, key: str, entity: Entity) -> None:
        if not (entity.registry_entry and entity.registry_entry.disabled):
            self._known.discard(key)
