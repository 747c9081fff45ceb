"""The Home Assistant part of the benchmark, run by `python -m bench` as a pytest session.

`scripts/python -m pytest bench/parse_bench.py bench/ha_bench.py` runs it on its own, at full
size unless PARQEX_BENCH_CONFIG says otherwise; the raw figures go to the file
PARQEX_BENCH_OUTPUT names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
import gc
import math
import time
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.cover import CoverState
from homeassistant.components.lock import LockState
from homeassistant.const import ATTR_ENTITY_ID, EVENT_STATE_CHANGED, EVENT_STATE_REPORTED, Platform
from homeassistant.core import Event, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import CLOCK_OUT_OF_SYNC_MAX_SEC
from homeassistant.setup import async_setup_component
import orjson
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.parqex import const
from custom_components.parqex.api import ApiError
from custom_components.parqex.api.parqex.client import INVALID_ACCESS_TOKEN, PARQEX_SYNC_PATH
from custom_components.parqex.api.transport import request
from custom_components.parqex.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_AUTH_IMPLEMENTATION,
    CONF_TOKEN,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DOMAIN,
)
from custom_components.parqex.coordinator import ParqexCoordinator, SeamCoordinator
from custom_components.parqex.entity import entity_unique_id
from custom_components.parqex.migration import MINOR_VERSION, VERSION
from simulator import SimulatorState, build_app
from simulator.parqex_history import parqex_time
from simulator.seeds import (
    DEFAULT_PARQEX_CLIENT_ID,
    DEFAULT_PARQEX_CLIENT_SECRET,
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_PARQEX_USER,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_USER_IDENTITY_ID,
    ECOBEE_THERMOSTAT_ID,
    generate_parqex_controllers,
    seam_seed_devices,
)

from .common import Sizes
from .ha_results import RESULTS, record

SEAM_LIST_PATH = "/user_identities/list_accessible_devices"
# What the integration's ParqEx client sends with every request (ParqEx wants all five).
PARQEX_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip",
    "Accept-Charset": "utf-8",
    "Authorization": f"Bearer {DEFAULT_PARQEX_TOKEN}",
    "Content-Type": "application/json",
}
LOCK_DOMAIN = Platform.LOCK.value
COVER_DOMAIN = Platform.COVER.value
CLIMATE_DOMAIN = Platform.CLIMATE.value
DOORS_PER_CONTROLLER = 3
SIZES = Sizes.from_env()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load `custom_components/parqex` in every benchmark of this module."""


def parqex_entry(url: str) -> MockConfigEntry:
    """A ParqEx entry for the simulator's account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="ParqEx",
        unique_id="parqex-bench",
        data={CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, CONF_URL: url},
    )


def seam_entry(url: str, **extra: Any) -> MockConfigEntry:
    """A Seam entry for the simulator's user identity; `extra` goes to `MockConfigEntry`."""
    data = {
        CONF_API_KEY: DEFAULT_SEAM_API_KEY,
        CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
        CONF_URL: url,
    }
    return MockConfigEntry(
        domain=DOMAIN,
        title="Seam",
        unique_id=DEFAULT_USER_IDENTITY_ID,
        **{**extra, "data": {**data, **extra.get("data", {})}},
    )


async def generate(control: ClientSession, *, doors: int, devices: int) -> None:
    """Fresh accounts with exactly `doors` ParqEx doors (3 a controller) and `devices` locks."""
    controllers = math.ceil(doors / DOORS_PER_CONTROLLER)
    for path, body in (
        ("/_simulator/reset", {}),
        (
            "/_simulator/generate",
            {
                "controllers": controllers,
                "doors_per_controller": DOORS_PER_CONTROLLER,
                "devices": devices,
            },
        ),
    ):
        async with control.post(path, json=body) as response:
            response.raise_for_status()
    # The last controller keeps only as many doors as make the total exact.
    extra = controllers * DOORS_PER_CONTROLLER - doors
    if extra:
        last = generate_parqex_controllers(controllers, DOORS_PER_CONTROLLER)[-1]
        for door in last["doors"][-extra:]:
            async with control.delete(f"/_simulator/parqex/doors/{door['id']}") as response:
                response.raise_for_status()


async def setup(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    """Add the entries and set the integration up."""
    for entry in entries:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entries[0].entry_id)
    await hass.async_block_till_done()
    for entry in entries:
        assert entry.runtime_data.last_update_success


@contextmanager
def state_writes(hass: HomeAssistant) -> Iterator[list[str]]:
    """The entity id of every state written (changed or merely reported) meanwhile."""
    written: list[str] = []

    @callback
    def every(_: Any) -> bool:
        return True

    @callback
    def seen(event: Event[Any]) -> None:
        written.append(event.data["entity_id"])

    # Home Assistant requires a filter for state_reported; this one lets every event through.
    unsubscribe = [
        hass.bus.async_listen(EVENT_STATE_CHANGED, seen, every),
        hass.bus.async_listen(EVENT_STATE_REPORTED, seen, every),
    ]
    try:
        yield written
    finally:
        for remove in unsubscribe:
            remove()


def shown(hass: HomeAssistant) -> dict[str, tuple[str, dict[str, Any]]]:
    """What every entity shows."""
    return {
        state.entity_id: (state.state, dict(state.attributes)) for state in hass.states.async_all()
    }


async def cpu_seconds(run: Callable[[], Any]) -> float:
    """Process CPU seconds of one awaited run; the simulator's process is not billed."""
    gc.collect()
    start = time.process_time()
    await run()
    return time.process_time() - start


async def test_polls(hass: HomeAssistant, control: ClientSession, simulator_url: str) -> None:
    """State writes and CPU time of polls, then lock and door command latency, on one setup."""
    await generate(control, doors=SIZES.poll_doors, devices=SIZES.poll_devices)
    parqex, seam = parqex_entry(simulator_url), seam_entry(simulator_url)
    await setup(hass, parqex, seam)
    parqex_coordinator, seam_coordinator = parqex.runtime_data, seam.runtime_data
    assert isinstance(parqex_coordinator, ParqexCoordinator)
    assert isinstance(seam_coordinator, SeamCoordinator)
    assert len(parqex_coordinator.data.doors) == SIZES.poll_doors
    assert len(seam_coordinator.data.devices) == SIZES.poll_devices
    RESULTS["poll_entities"] = len(hass.states.async_all())

    async def poll(coordinator: ParqexCoordinator | SeamCoordinator) -> None:
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert coordinator.last_update_success

    session = async_get_clientsession(hass)

    async def parqex_floor() -> None:
        body = await request(
            session,
            "ParqEx",
            "GET",
            simulator_url + PARQEX_SYNC_PATH,
            headers=PARQEX_HEADERS,
            timeout=10,
            auth_marker=INVALID_ACCESS_TOKEN,
        )
        orjson.loads(body)

    async def seam_floor() -> None:
        body = await request(
            session,
            "Seam",
            "POST",
            simulator_url + SEAM_LIST_PATH,
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {DEFAULT_SEAM_API_KEY}",
                "Content-Type": "application/json",
            },
            body=orjson.dumps({"user_identity_id": DEFAULT_USER_IDENTITY_ID}),
            timeout=10,
        )
        orjson.loads(body)

    # Unchanged polls: nothing may be written, and the CPU they take against the floor.
    runs: dict[str, Callable[[], Any]] = {
        "poll_cpu_parqex": lambda: poll(parqex_coordinator),
        "poll_cpu_seam": lambda: poll(seam_coordinator),
        "floor_cpu_parqex": parqex_floor,
        "floor_cpu_seam": seam_floor,
    }
    for run in runs.values():
        await run()
    for _ in range(SIZES.poll_repeats):
        with state_writes(hass) as written:
            for name in ("poll_cpu_parqex", "poll_cpu_seam"):
                record(name, await cpu_seconds(runs[name]))
        record("unchanged_poll_state_writes", len(written))
        for name in ("floor_cpu_parqex", "floor_cpu_seam"):
            record(name, await cpu_seconds(runs[name]))

    # One door moves (its last_toggled kept, so exactly one entity's state changes). The kept
    # time is recent: a door open past its alert time would turn its Left open sensor on too.
    door = generate_parqex_controllers(1, DOORS_PER_CONTROLLER)[0]["doors"][0]
    door["last_toggled"] = parqex_time(time.time())
    async with control.post(
        f"/_simulator/parqex/doors/{door['id']}", json={"last_toggled": door["last_toggled"]}
    ) as response:
        response.raise_for_status()
    await poll(parqex_coordinator)
    for repeat in range(SIZES.poll_repeats):
        before = shown(hass)
        moved = "OPEN" if (door["state"] == "CLOSED") == (repeat % 2 == 0) else "CLOSED"
        async with control.post(
            f"/_simulator/parqex/doors/{door['id']}",
            json={"state": moved, "last_toggled": door["last_toggled"]},
        ) as response:
            response.raise_for_status()
        with state_writes(hass) as written:
            await poll(parqex_coordinator)
            await poll(seam_coordinator)
        after = shown(hass)
        changed = [
            entity_id for entity_id, value in after.items() if before.get(entity_id) != value
        ]
        record("one_change_poll_state_writes", len(written))
        record("one_change_poll_changed_entities", len(changed))
        RESULTS["one_change_poll_written"] = sorted(set(written))

    await lock_commands(hass, control)
    await climate_commands(hass, control, seam_coordinator)
    await cover_commands(hass, control)


async def seconds_to_state(
    hass: HomeAssistant,
    domain: str,
    service: str,
    entity_id: str,
    wanted: Callable[[State], bool],
    *,
    timeout: float,
    data: dict[str, Any] | None = None,
) -> float:
    """Seconds from calling `domain.service` on an entity until `wanted` holds (real time)."""
    reached: asyncio.Future[float] = hass.loop.create_future()

    @callback
    def seen(event: Event[Any]) -> None:
        new_state = event.data["new_state"]
        if (
            event.data["entity_id"] == entity_id
            and new_state is not None
            and wanted(new_state)
            and not reached.done()
        ):
            reached.set_result(time.perf_counter())

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, seen)
    try:
        start = time.perf_counter()
        await hass.services.async_call(
            domain, service, {ATTR_ENTITY_ID: entity_id, **(data or {})}, blocking=True
        )
        async with asyncio.timeout(timeout):
            shown_at = await reached
    except TimeoutError:
        raise AssertionError(f"{entity_id} did not show the change within {timeout:g} s") from None
    finally:
        unsubscribe()
    return shown_at - start


def state_is(wanted: str) -> Callable[[State], bool]:
    """Whether a state is `wanted`."""
    return lambda state: state.state == wanted


async def lock_commands(hass: HomeAssistant, control: ClientSession) -> None:
    """Time from `lock.unlock` to the confirmed `unlocked` state, less the lock's own delay."""
    delay = SIZES.action_delay
    async with control.post("/_simulator/seam/actions", json={"delay": delay}) as response:
        response.raise_for_status()
    locked = [
        state.entity_id
        for state in hass.states.async_all(LOCK_DOMAIN)
        if state.state == LockState.LOCKED
    ]
    assert len(locked) >= SIZES.lock_commands
    for entity_id in locked[: SIZES.lock_commands]:
        elapsed = await seconds_to_state(
            hass, LOCK_DOMAIN, "unlock", entity_id, state_is(LockState.UNLOCKED), timeout=60
        )
        record("lock_confirm_overhead_s", elapsed - delay)
    RESULTS["lock_action_delay_s"] = delay


async def climate_commands(
    hass: HomeAssistant, control: ClientSession, coordinator: SeamCoordinator
) -> None:
    """Time from `climate.set_temperature` to the confirmed set point, less the action delay.

    The generated account has locks only: one seeded thermostat is shared with it first.
    """
    delay = SIZES.action_delay
    (thermostat,) = (
        device for device in seam_seed_devices() if device["device_id"] == ECOBEE_THERMOSTAT_ID
    )
    async with control.post("/_simulator/seam/devices", json=thermostat) as response:
        response.raise_for_status()
    async with control.post("/_simulator/seam/actions", json={"delay": delay}) as response:
        response.raise_for_status()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    entity_id = er.async_get(hass).async_get_entity_id(
        CLIMATE_DOMAIN,
        DOMAIN,
        entity_unique_id(coordinator.scope, ECOBEE_THERMOSTAT_ID, "thermostat"),
    )
    assert entity_id is not None
    for run in range(SIZES.climate_commands):
        low, high = (19.0, 25.0) if run % 2 == 0 else (20.0, 24.5)
        elapsed = await seconds_to_state(
            hass,
            CLIMATE_DOMAIN,
            "set_temperature",
            entity_id,
            lambda state, low=low, high=high: (
                state.attributes.get("target_temp_low") == low
                and state.attributes.get("target_temp_high") == high
            ),
            timeout=60,
            data={"target_temp_low": low, "target_temp_high": high},
        )
        record("climate_confirm_overhead_s", elapsed - delay)


async def cover_commands(hass: HomeAssistant, control: ClientSession) -> None:
    """Time from `cover.open_cover` (or close) to the door shown open (closed), less its travel.

    Each command goes to another door: ParqEx asks for 20 s between commands to one door.
    """
    travel = SIZES.travel_time
    async with control.post(
        "/_simulator/parqex/settings", json={"travel_time": travel}
    ) as response:
        response.raise_for_status()
    doors = [
        state
        for state in hass.states.async_all(COVER_DOMAIN)
        if state.state in (CoverState.OPEN, CoverState.CLOSED)
    ]
    assert len(doors) >= SIZES.cover_commands
    for door in doors[: SIZES.cover_commands]:
        opening = door.state == CoverState.CLOSED
        elapsed = await seconds_to_state(
            hass,
            COVER_DOMAIN,
            "open_cover" if opening else "close_cover",
            door.entity_id,
            state_is(CoverState.OPEN if opening else CoverState.CLOSED),
            timeout=const.DOOR_TRAVEL_LIMIT + travel + 10,
        )
        record("cover_confirm_overhead_s", elapsed - travel)
    RESULTS["cover_travel_time_s"] = travel
    RESULTS["door_poll_interval_s"] = const.DOOR_POLL_INTERVAL


async def use_token_at_once(coordinator: ParqexCoordinator) -> list[bool]:
    """Polls of the coordinator and reads on its client, all at once; whether each worked.

    Home Assistant runs one refresh of a coordinator at a time, so the direct reads (what a
    door command does) are what really meet at the token.
    """

    async def poll() -> bool:
        await coordinator.async_refresh()
        return coordinator.last_update_success

    async def read() -> bool:
        try:
            await coordinator.client.async_get_devices()
        except ApiError:
            return False
        return True

    return await asyncio.gather(
        *(poll() for _ in range(SIZES.concurrent_polls)),
        *(read() for _ in range(SIZES.concurrent_reads)),
    )


async def test_token_refreshes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """Refresh grants of a signed-in ParqEx entry per expiry of its access token.

    The simulator runs in this process on Home Assistant's loop, by the same frozen clock,
    which moves a second at a time. At every step the coordinator polls and its client reads
    `/sync` directly, several of each at once (its own scheduled poll also runs when due).
    Home Assistant refreshes a token CLOCK_OUT_OF_SYNC_MAX_SEC (20 s) before it expires, so by
    its clock a token runs out every `token_lifetime - CLOCK_OUT_OF_SYNC_MAX_SEC` seconds: one
    expiry, which should cost exactly one refresh grant however many requests meet there.
    """
    state = SimulatorState()
    # time.monotonic is freezegun's by now: the simulator's tokens expire by the frozen clock.
    state.clock = time.monotonic
    state.generate(controllers=2, doors_per_controller=DOORS_PER_CONTROLLER)
    state.set_parqex_settings({"token_lifetime": SIZES.token_lifetime})
    usable = SIZES.token_lifetime - CLOCK_OUT_OF_SYNC_MAX_SEC
    assert usable > 0, "a token must outlast Home Assistant's refresh margin"
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(DEFAULT_PARQEX_CLIENT_ID, DEFAULT_PARQEX_CLIENT_SECRET)
    )
    server = TestServer(build_app(state), host="127.0.0.1")
    await server.start_server()
    try:
        tokens = state.issue_tokens(DEFAULT_PARQEX_USER["id"])
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="ParqEx (OAuth)",
            unique_id=DEFAULT_PARQEX_USER["id"],
            version=VERSION,
            minor_version=MINOR_VERSION,
            data={
                CONF_AUTH_IMPLEMENTATION: DOMAIN,
                CONF_TOKEN: {**tokens, "expires_at": time.time() + tokens["expires_in"]},
                CONF_URL: str(server.make_url("")).rstrip("/"),
            },
        )
        await setup(hass, entry)
        coordinator = entry.runtime_data
        assert isinstance(coordinator, ParqexCoordinator)
        before = dict(state.token_requests)
        requests = failed = 0
        for _ in range(SIZES.token_expiries * usable):
            freezer.tick(1)
            async_fire_time_changed(hass)
            answered = await use_token_at_once(coordinator)
            requests += len(answered)
            failed += answered.count(False)
            await hass.async_block_till_done(wait_background_tasks=True)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await server.close()
    RESULTS["token_refresh"] = {
        "refresh_grants": state.token_requests["refresh_token"] - before["refresh_token"],
        "expiries": SIZES.token_expiries,
        "elapsed_s": SIZES.token_expiries * usable,
        "token_lifetime_s": SIZES.token_lifetime,
        "margin_s": CLOCK_OUT_OF_SYNC_MAX_SEC,
        "requests": requests,
        "concurrent_polls": SIZES.concurrent_polls,
        "concurrent_reads": SIZES.concurrent_reads,
        "failed": failed,
    }


SETUP_CASES = [("warm-up", 1, True)] * SIZES.setup_warm_up + [
    (f"{factor}x-{repeat + 1}", factor, False)
    for repeat in range(SIZES.setup_repeats)
    for factor in (1, 2)
]


@pytest.mark.parametrize(
    ("factor", "warm_up"),
    [(factor, warm_up) for _, factor, warm_up in SETUP_CASES],
    ids=[name for name, _, _ in SETUP_CASES],
)
async def test_setup(
    hass: HomeAssistant, control: ClientSession, simulator_url: str, factor: int, warm_up: bool
) -> None:
    """Config entry setup time for a Seam entry, without the time spent in HTTP requests.

    The warm-up case loads what the process loads once (modules, caches) and is not recorded.
    """
    devices = SIZES.setup_devices * factor
    await generate(control, doors=0, devices=devices)
    entry = seam_entry(simulator_url)
    entry.add_to_hass(hass)
    in_http = 0.0
    real_request = request

    async def timed_request(*args: Any, **kwargs: Any) -> bytes:
        nonlocal in_http
        start = time.perf_counter()
        try:
            return await real_request(*args, **kwargs)
        finally:
            in_http += time.perf_counter() - start

    with patch("custom_components.parqex.api.seam.client.request", timed_request):
        gc.collect()
        start = time.perf_counter()
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        elapsed = time.perf_counter() - start
    # Every device is set up (each has a lock); the other platforms come along.
    assert len(hass.states.async_all(LOCK_DOMAIN)) == devices
    RESULTS[f"setup_entities_{factor}x"] = len(hass.states.async_all())
    if not warm_up:
        record(f"setup_s_{factor}x", elapsed - in_http)
        record(f"setup_http_s_{factor}x", in_http)
