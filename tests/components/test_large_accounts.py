"""Large Seam accounts: entities added in slices, updates that touch only what changed.

Nothing here is timed (the benchmark shows how long things take): the tests count what runs
between slices, which entities an update reaches, and what memory a failed answer leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
import gc
import itertools
import tracemalloc
from typing import Any
from unittest.mock import patch

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.adding import SLICE, EntityAdder, Scope
from custom_components.parqex.const import CONF_WEBHOOK_SECRET, DOMAIN
from custom_components.parqex.coordinator import SeamCoordinator
from custom_components.parqex.entity import ChangeOnlyEntity, SeamEntity
from simulator.seeds import generate_seam_devices
from tests.components.conftest import SECRET, deliver, push_options
from tests.conftest import Simulator, find_device, find_entity, setup, state_writes

# Home Assistant's limit of enabled entities per config entry.
ENTITY_LIMIT = "homeassistant.helpers.entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY"
# Big enough that setup takes many slices of every platform.
DEVICES = 300


def entry_entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Every entity the entry has registered."""
    return {
        registry_entry.entity_id
        for registry_entry in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }


def device_entity_ids(hass: HomeAssistant, entry: MockConfigEntry, device_id: str) -> set[str]:
    """The entities of one Seam device of the entry."""
    device = find_device(hass, entry, device_id)
    return {
        registry_entry.entity_id
        for registry_entry in er.async_entries_for_device(er.async_get(hass), device.id)
    }


def coordinator_of(entry: MockConfigEntry) -> SeamCoordinator:
    coordinator = entry.runtime_data
    assert isinstance(coordinator, SeamCoordinator)
    return coordinator


def turn_lock(simulator: Simulator, coordinator: SeamCoordinator, device_id: str) -> None:
    """Lock the lock in the simulator if it is shown unlocked, else unlock it."""
    locked = coordinator.data.devices[device_id].locked
    simulator.state.update_device(device_id, {"properties": {"locked": not locked}})


@contextmanager
def entities_looked_at() -> Iterator[list[str]]:
    """The entity id of every entity that compared what it shows with what it wrote."""
    looked_at: list[str] = []
    original = ChangeOnlyEntity._shown

    def shown(self: ChangeOnlyEntity[Any]) -> tuple[Any, ...]:
        looked_at.append(self.entity_id)
        return original(self)

    with patch.object(ChangeOnlyEntity, "_shown", shown):
        yield looked_at


@contextmanager
def candidates_looked_at() -> Iterator[list[int]]:
    """How many objects each platform looked at for new entities, one count per look."""
    counts: list[int] = []
    original = Scope.select

    def select(self: Scope, objects: Mapping[str, Any]) -> list[tuple[str, Any]]:
        wanted = list(original(self, objects))
        counts.append(len(wanted))
        return wanted

    with patch.object(Scope, "select", select):
        yield counts


async def test_setup_hands_entities_over_in_slices(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    """Another task runs between slices, while devices and entities are still being added."""
    simulator.state.generate(devices=DEVICES)
    device_registry = dr.async_get(hass)
    entities_seen: list[int] = []
    devices_seen: list[int] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            entities_seen.append(len(hass.states.async_all()))
            devices_seen.append(
                len(dr.async_entries_for_config_entry(device_registry, seam_entry.entry_id))
            )
            await asyncio.sleep(0)

    probing = asyncio.get_running_loop().create_task(probe())
    await setup(hass, seam_entry)
    done.set()
    await probing

    assert len(hass.states.async_all("lock")) == DEVICES
    total = len(hass.states.async_all())
    per_device = total // DEVICES
    assert total == per_device * DEVICES
    # The probe saw the entities arrive a slice at a time, never most of them at once.
    partial = {count for count in entities_seen if 0 < count < total}
    assert len(partial) >= DEVICES // SLICE
    steps = [after - before for before, after in itertools.pairwise(entities_seen)]
    assert max(steps) <= 2 * SLICE * per_device
    # The devices were registered in slices too, before any entity.
    assert any(0 < count < DEVICES for count in devices_seen)


async def test_unload_while_adding_adds_nothing_more(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    """An entry unloaded before its entities are all added stops adding; set up again, all come."""
    simulator.state.generate(devices=DEVICES)
    assert await hass.config_entries.async_setup(seam_entry.entry_id)
    # The platforms are set up; most of their entities are still to come.
    assert 0 < len(hass.states.async_all("lock")) < DEVICES

    assert await hass.config_entries.async_unload(seam_entry.entry_id)
    at_unload = entry_entity_ids(hass, seam_entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert seam_entry.state is ConfigEntryState.NOT_LOADED
    assert entry_entity_ids(hass, seam_entry) == at_unload
    # What was added is shown unavailable, as for any unloaded entry; nothing was added after.
    shown = [state for state in hass.states.async_all() if state.entity_id in at_unload]
    assert shown
    assert {state.state for state in shown} == {STATE_UNAVAILABLE}
    assert len(hass.states.async_all()) == len(at_unload)

    await setup(hass, seam_entry)
    locks = hass.states.async_all("lock")
    assert len(locks) == DEVICES
    assert STATE_UNAVAILABLE not in {state.state for state in locks}


async def test_device_added_later_gets_its_entities(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    simulator.state.generate(devices=2 * SLICE)
    await setup(hass, seam_entry)
    newcomer = generate_seam_devices(2 * SLICE + 1)[-1]
    simulator.state.add_device(newcomer)

    with candidates_looked_at() as counts:
        await coordinator_of(seam_entry).async_refresh()
        await hass.async_block_till_done()

    lock = hass.states.get(find_entity(hass, "lock", newcomer["device_id"], "lock"))
    assert lock is not None
    assert lock.state in ("locked", "unlocked")
    # Only the newcomer was looked at for new entities.
    assert counts
    assert set(counts) == {1}


async def test_push_event_touches_only_its_device(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry, web: TestClient
) -> None:
    """One delivery reaches the entities of its device, whatever the size of the account."""
    simulator.state.generate(devices=2 * SLICE)
    push_options(seam_entry, hass, **{CONF_WEBHOOK_SECRET: SECRET})
    await setup(hass, seam_entry)
    coordinator = coordinator_of(seam_entry)
    device_id = next(iter(coordinator.data.devices))
    locked = coordinator.data.devices[device_id].locked
    lock = find_entity(hass, "lock", device_id, "lock")
    own = device_entity_ids(hass, seam_entry, device_id)
    written = state_writes(hass)

    with entities_looked_at() as looked_at, candidates_looked_at() as counts:
        status = await deliver(
            web,
            {
                "event_type": "lock.unlocked" if locked else "lock.locked",
                "device_id": device_id,
                "method": "manual",
            },
        )
    assert status == 200
    assert hass.states.get(lock).state == ("unlocked" if locked else "locked")
    assert lock in written
    assert set(written) <= own
    assert lock in looked_at
    assert set(looked_at) <= own
    # The platforms looked for new entities of that device alone.
    assert counts
    assert set(counts) == {1}


async def test_poll_with_one_change_touches_only_that_device(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    simulator.state.generate(devices=2 * SLICE)
    await setup(hass, seam_entry)
    coordinator = coordinator_of(seam_entry)
    device_id = list(coordinator.data.devices)[SLICE]
    untouched = next(iter(coordinator.data.devices.values()))
    turn_lock(simulator, coordinator, device_id)
    own = device_entity_ids(hass, seam_entry, device_id)

    written = state_writes(hass)
    with entities_looked_at() as looked_at:
        await coordinator.async_refresh()
        await hass.async_block_till_done()

    assert written == [find_entity(hass, "lock", device_id, "lock")]
    assert set(looked_at) <= own
    # A device that did not change keeps the object already shown.
    assert coordinator.data.devices[untouched.device_id] is untouched


async def test_recovery_tells_every_entity(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    """After a failed poll, the next good one shows every entity again, not just the changed."""
    simulator.state.generate(devices=2 * SLICE)
    await setup(hass, seam_entry)
    coordinator = coordinator_of(seam_entry)
    simulator.fault(service="seam", status=500)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert {state.state for state in hass.states.async_all("lock")} == {STATE_UNAVAILABLE}

    device_id = next(iter(coordinator.data.devices))
    turn_lock(simulator, coordinator, device_id)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert STATE_UNAVAILABLE not in {state.state for state in hass.states.async_all("lock")}


async def test_device_listeners_go_with_their_entities(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    """A device that leaves takes its listeners along: nothing is kept for it."""
    simulator.state.generate(devices=2 * SLICE)
    await setup(hass, seam_entry)
    coordinator = coordinator_of(seam_entry)
    device_id = next(iter(coordinator.data.devices))
    assert device_id in coordinator._device_listeners
    simulator.state.remove_device(device_id)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert device_id not in coordinator.data.devices
    assert device_id not in coordinator._device_listeners
    assert len(coordinator._device_listeners) == 2 * SLICE - 1

    assert await hass.config_entries.async_unload(seam_entry.entry_id)
    assert not coordinator._device_listeners
    assert not coordinator._entry_listeners


def enabled_entities(hass: HomeAssistant, entry: MockConfigEntry) -> int:
    return er.async_get(hass).entities.get_enabled_count_for_config_entry_id(entry.entry_id)


async def test_entities_over_home_assistants_limit_are_a_repair_issue(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    """Entities Home Assistant refuses for its per-entry limit are said once, not retried."""
    simulator.state.generate(devices=10)
    limit = 25
    issue_id = f"{seam_entry.entry_id}_entity_limit"
    issues = ir.async_get(hass)
    with patch(ENTITY_LIMIT, limit):
        await setup(hass, seam_entry)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert enabled_entities(hass, seam_entry) == limit
        issue = issues.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.translation_key == "entity_limit"
        assert issue.translation_placeholders == {"service": "Seam", "limit": str(limit)}

        # A device with entities refused changes: they are not built again.
        coordinator = coordinator_of(seam_entry)
        left_out = min(
            coordinator.data.devices,
            key=lambda device_id: len(device_entity_ids(hass, seam_entry, device_id)),
        )
        shown = device_entity_ids(hass, seam_entry, left_out)
        turn_lock(simulator, coordinator, left_out)
        with (
            candidates_looked_at() as counts,
            patch.object(
                SeamEntity, "__init__", autospec=True, side_effect=SeamEntity.__init__
            ) as built,
        ):
            await coordinator.async_refresh()
            await hass.async_block_till_done()
        assert counts
        assert set(counts) == {1}
        assert built.call_count == 0
        assert device_entity_ids(hass, seam_entry, left_out) == shown
        assert enabled_entities(hass, seam_entry) == limit
        assert issues.async_get_issue(DOMAIN, issue_id) is not None

    # With room (entities disabled, or fewer devices), a reload adds the rest and withdraws it.
    assert await hass.config_entries.async_reload(seam_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert enabled_entities(hass, seam_entry) > limit
    assert device_entity_ids(hass, seam_entry, left_out) > shown
    assert issues.async_get_issue(DOMAIN, issue_id) is None


def integration_memory(snapshot: tracemalloc.Snapshot) -> int:
    """Python memory still held that was allocated while the integration's code ran.

    The simulator runs in this process too; what its server keeps is not the integration's.
    """
    ours = tracemalloc.Filter(True, "*/custom_components/*", all_frames=True)
    return sum(stat.size for stat in snapshot.filter_traces([ours]).statistics("filename"))


async def test_failed_answers_leave_nothing_behind(
    hass: HomeAssistant, simulator: Simulator, seam_entry: MockConfigEntry
) -> None:
    """Neither a large error answer nor a large malformed one stays in memory after the poll."""
    await setup(hass, seam_entry)
    coordinator = coordinator_of(seam_entry)

    async def fail(bodies: list[str]) -> None:
        for status, body in zip((500, 200), bodies, strict=True):
            simulator.fault(service="seam", status=status, body=body)
            await coordinator.async_refresh()
            await hass.async_block_till_done()
            assert not coordinator.last_update_success

    # Small answers of the same kinds first: what the first failure loads once (the error
    # message's translations) is not what a failure leaves.
    await fail(["x", "{x"])
    size = 8_000_000
    bodies = ["x" * size, "{" + "x" * size]
    tracemalloc.stop()
    # Deep tracebacks: an answer is read many frames below the integration's own code.
    tracemalloc.start(64)
    try:
        gc.collect()
        before = integration_memory(tracemalloc.take_snapshot())
        await fail(bodies)
        del bodies
        gc.collect()
        kept = integration_memory(tracemalloc.take_snapshot()) - before
    finally:
        tracemalloc.stop()
    # The two answers were 16 MB; what is left is at most the bounded error and log records.
    assert kept < 1_000_000, f"{kept / 2**10:.0f} kB kept"


class Plain(Entity):
    """An entity that only knows its candidate key."""

    def __init__(self, key: str) -> None:
        """Remember the key."""
        self.key = key


def plain_adder(
    hass: HomeAssistant, objects: dict[str, int]
) -> tuple[EntityAdder, list[list[str]]]:
    """An adder of a loaded entry with one candidate per object."""
    entry = MockConfigEntry(domain=DOMAIN, state=ConfigEntryState.LOADED)
    entry.add_to_hass(hass)

    def candidates(scope: Scope) -> Iterator[tuple[str, partial[Plain]]]:
        for object_id, _ in scope.select(objects):
            yield object_id, partial(Plain, object_id)

    batches: list[list[str]] = []

    def add(entities: Iterable[Entity], *_: Any, **__: Any) -> None:
        batches.append([entity.key for entity in entities if isinstance(entity, Plain)])

    def left_out() -> None:
        raise AssertionError("an entity was refused")

    return EntityAdder(hass, entry, add, candidates, left_out), batches


async def test_an_adder_adds_every_object_once_in_slices(hass: HomeAssistant) -> None:
    objects = {f"object{number}": number for number in range(3 * SLICE + 1)}
    adder, batches = plain_adder(hass, objects)
    adder.async_request(None)
    # One slice now; the rest in a task that yields between slices.
    assert batches == [list(objects)[:SLICE]]
    await hass.async_block_till_done()
    assert [len(batch) for batch in batches] == [SLICE, SLICE, SLICE, 1]
    assert [key for batch in batches for key in batch] == list(objects)
    # Looked at again, whole or by object, nothing is added twice.
    adder.async_request(None)
    adder.async_request(list(objects))
    await hass.async_block_till_done()
    assert len(batches) == 4
    # A new object alone is looked at and added.
    objects["newcomer"] = 0
    adder.async_request(["newcomer"])
    assert batches[-1] == ["newcomer"]


async def test_a_stopped_adder_adds_nothing_more(hass: HomeAssistant) -> None:
    objects = {f"object{number}": number for number in range(4 * SLICE)}
    adder, batches = plain_adder(hass, objects)
    adder.async_request(None)
    assert batches == [list(objects)[:SLICE]]
    adder.async_stop()
    await hass.async_block_till_done()
    adder.async_request(list(objects))
    await hass.async_block_till_done()
    assert batches == [list(objects)[:SLICE]]
