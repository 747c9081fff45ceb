"""Large accounts: one Seam entry of many devices, measured in a pytest session of its own.

`python -m bench` runs this module once per size, each time in a fresh process
(`-k "warmup or 1x"`, then `-k "warmup or 5x"`): resident memory is only meaningful in a
process that has not held and freed more before, and the other benchmarks' garbage is not
collected during these. An unrecorded warm-up case first loads what a process loads once
(platform modules, translations, caches).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
import ctypes
import gc
import time
from typing import Any, Self
from unittest.mock import patch

from aiohttp import ClientSession
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util.ulid import ulid_now
import orjson
import pytest
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.parqex.const import (
    CONF_PUSH,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
)
from custom_components.parqex.coordinator import SeamCoordinator
from custom_components.parqex.entity import entity_unique_id
from simulator.webhooks import svix_headers

from .common import LARGE_FACTOR, QUICK, Sizes
from .ha_bench import LOCK_DOMAIN, generate, seam_entry, state_writes
from .ha_results import RESULTS, record

SIZES = Sizes.from_env()
# Push set up by hand: the webhook Home Assistant listens on, and the secret of the webhook
# the user added in Seam's console.
WEBHOOK_ID = "0123456789abcdef0123456789abcdef"
WEBHOOK_SECRET = "whsec_YSBtYW51YWwgc2lnbmluZyBzZWNyZXQh"
# Home Assistant enables at most 10,000 entities per config entry (a Seam lock has six). The
# limit is lifted here, so what is measured grows with the account rather than stopping there.
ENTITY_LIMIT = "homeassistant.helpers.entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load `custom_components/parqex` in every benchmark of this module."""


class LoopStalls:
    """The longest time one event-loop handle ran (a callback, or one step of a task) meanwhile.

    While a handle runs nothing else can, so this is the longest Home Assistant was frozen.
    Every handle of the loop passes `asyncio.Handle._run`; it is wrapped here, in the benchmark
    only. Python's garbage collections run inside whichever handle allocates when one is due;
    their share of the longest handle is kept apart (`longest_gc`), and so is the longest
    handle less its collections (`longest_without_gc`).
    """

    def __init__(self) -> None:
        """Nothing measured yet."""
        self.longest = 0.0
        self.longest_gc = 0.0
        self.longest_without_gc = 0.0
        self.where = ""
        self._original = asyncio.Handle._run
        self._collecting_since = 0.0
        self._collected = 0.0

    def _collection(self, phase: str, _: dict[str, Any]) -> None:
        if phase == "start":
            self._collecting_since = time.perf_counter()
        else:
            self._collected += time.perf_counter() - self._collecting_since

    def __enter__(self) -> Self:
        """Time every handle from now on."""
        original = self._original

        def run(handle: asyncio.Handle) -> None:
            # Read before it runs: a handle may forget its callback once run or cancelled.
            function = getattr(handle, "_callback", None)
            collected = self._collected
            start = time.perf_counter()
            original(handle)
            took = time.perf_counter() - start
            in_gc = self._collected - collected
            if took > self.longest:
                self.longest, self.longest_gc = took, in_gc
                self.where = describe(function)
            self.longest_without_gc = max(self.longest_without_gc, took - in_gc)

        gc.callbacks.append(self._collection)
        asyncio.Handle._run = run  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        """Stop timing."""
        asyncio.Handle._run = self._original  # type: ignore[method-assign]
        gc.callbacks.remove(self._collection)


def describe(function: Callable[..., Any] | None) -> str:
    """What a handle ran: the task's name for a step of a task, else the callback's name."""
    owner = getattr(function, "__self__", None)
    if isinstance(owner, asyncio.Task):
        return owner.get_name()
    return str(getattr(function, "__qualname__", function))


def rss_mb() -> float:
    """The process's resident memory now, after a full collection and freed heap given back.

    glibc keeps freed memory for reuse; `malloc_trim` returns it, so what is counted is what is
    held, not what the allocator keeps at hand.
    """
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


# Devices of each case, by its id.
CASES = {
    "warmup": QUICK.large_devices,
    "1x": SIZES.large_devices,
    f"{LARGE_FACTOR}x": SIZES.large_devices * LARGE_FACTOR,
}


@pytest.mark.parametrize("size", list(CASES))
async def test_large_account(
    hass: HomeAssistant,
    control: ClientSession,
    simulator_url: str,
    hass_client_no_auth: ClientSessionGenerator,
    size: str,
) -> None:
    """Setup, polls that find one device changed, and verified webhook deliveries.

    Figures: the longest stretch the event loop did not yield during setup and during each
    poll, resident memory grown by the setup, and the time from Home Assistant's webhook
    handler receiving a verified delivery to its answer (the lock's state written within).
    """
    recorded = size != "warmup"
    devices = CASES[size]
    await generate(control, doors=0, devices=devices)
    # What registers HTTP views goes first: a running server takes no more.
    for component in ("application_credentials", "webhook"):
        assert await async_setup_component(hass, component, {})
    client = await hass_client_no_auth()
    entry = seam_entry(
        simulator_url,
        data={CONF_WEBHOOK_ID: WEBHOOK_ID},
        options={CONF_PUSH: True, CONF_WEBHOOK_SECRET: WEBHOOK_SECRET},
    )
    entry.add_to_hass(hass)
    with patch(ENTITY_LIMIT, 10 * devices + 10_000):
        before = rss_mb()
        with LoopStalls() as stalls:
            start = time.perf_counter()
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            elapsed = time.perf_counter() - start
        grown = rss_mb() - before
    coordinator = entry.runtime_data
    assert isinstance(coordinator, SeamCoordinator)
    assert len(hass.states.async_all(LOCK_DOMAIN)) == devices
    if recorded:
        record(f"large_setup_stall_s_{size}", stalls.longest)
        record(f"large_setup_stall_gc_s_{size}", stalls.longest_gc)
        record(f"large_setup_stall_without_gc_s_{size}", stalls.longest_without_gc)
        RESULTS[f"large_setup_stall_where_{size}"] = stalls.where
        record(f"large_setup_s_{size}", elapsed)
        record(f"large_rss_mb_{size}", grown)
        RESULTS[f"large_devices_{size}"] = devices
        RESULTS[f"large_entities_{size}"] = len(hass.states.async_all())

    registry = er.async_get(hass)
    ids = list(coordinator.data.devices)

    def lock_entity(device_id: str) -> str:
        entity_id = registry.async_get_entity_id(
            LOCK_DOMAIN, DOMAIN, entity_unique_id(coordinator.scope, device_id, "lock")
        )
        assert entity_id is not None
        return entity_id

    # Polls whose answer changed one device: a lock turned by hand.
    for repeat in range(SIZES.large_polls):
        device_id = ids[(repeat * 7919) % devices]
        locked = coordinator.data.devices[device_id].locked
        async with control.post(
            f"/_simulator/seam/devices/{device_id}", json={"properties": {"locked": not locked}}
        ) as response:
            response.raise_for_status()
        gc.collect()
        with state_writes(hass) as written, LoopStalls() as stalls:
            await coordinator.async_refresh()
            await hass.async_block_till_done()
        assert coordinator.last_update_success
        assert coordinator.data.devices[device_id].locked is not locked
        assert lock_entity(device_id) in written
        if recorded:
            record(f"large_poll_stall_s_{size}", stalls.longest)
            record(f"large_poll_stall_gc_s_{size}", stalls.longest_gc)
            record(f"large_poll_writes_{size}", len(written))
            RESULTS[f"large_poll_stall_where_{size}"] = stalls.where

    # Verified webhook deliveries, each about another lock across the account, turning it.
    handled: list[float] = []
    real_handle = webhook.async_handle_webhook

    async def timed_handle(*args: Any) -> Any:
        start = time.perf_counter()
        try:
            return await real_handle(*args)
        finally:
            handled.append(time.perf_counter() - start)

    round_trips: list[float] = []
    gc.collect()
    with patch.object(webhook, "async_handle_webhook", timed_handle):
        for delivery in range(SIZES.webhook_deliveries):
            device_id = ids[(delivery * 104729) % devices]
            locked = coordinator.data.devices[device_id].locked
            body = orjson.dumps(
                {
                    "event_id": ulid_now(),
                    "event_type": "lock.unlocked" if locked else "lock.locked",
                    "device_id": device_id,
                    "method": "manual",
                }
            )
            headers = svix_headers(
                WEBHOOK_SECRET, body, message_id=f"msg_{delivery}", timestamp=int(time.time())
            )
            entity_id = lock_entity(device_id)
            with state_writes(hass) as written:
                start = time.perf_counter()
                response = await client.post(
                    f"/api/webhook/{WEBHOOK_ID}", data=body, headers=headers
                )
                round_trips.append(time.perf_counter() - start)
                assert response.status == 200, await response.text()
                # Written before the handler answered.
                assert entity_id in written
    assert len(handled) == SIZES.webhook_deliveries
    if recorded:
        RESULTS[f"webhook_apply_s_{size}"] = handled
        RESULTS[f"webhook_round_trip_s_{size}"] = round_trips
