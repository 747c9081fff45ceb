"""Fixtures shared by every test: the simulator on 127.0.0.1 and custom integrations enabled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.parqex.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DOMAIN,
)
from custom_components.parqex.coordinator import entry_scope
from custom_components.parqex.entity import entity_unique_id
from custom_components.parqex.migration import MINOR_VERSION
from simulator import Fault, SimulatorState, build_app
from simulator.seeds import (
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_PARQEX_USER,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_USER_IDENTITY_ID,
)


@dataclass
class Simulator:
    """A running simulator: its state, for arranging and inspecting, and its URL."""

    state: SimulatorState
    url: str

    def fault(self, **fields: Any) -> Fault:
        """Queue a fault for the next matching requests."""
        fault = Fault(**fields)
        self.state.faults.append(fault)
        return fault

    def requests_to(self, service: str) -> int:
        """How many requests of `service` the simulator received."""
        return sum(1 for logged in self.state.requests if logged.service == service)


def find_entity(
    hass: HomeAssistant,
    platform: str,
    object_id: str,
    key: str,
    entry: MockConfigEntry | None = None,
) -> str:
    """The entity id Home Assistant gave an entity of this integration, found by unique id.

    Entity ids are Home Assistant's to choose (since 2026.6 they carry the device's area), so
    tests never guess them. Without `entry`, exactly one entry may have the entity.
    """
    registry = er.async_get(hass)
    entries = [entry] if entry else hass.config_entries.async_entries(DOMAIN)
    found = [
        entity_id
        for candidate in entries
        if (
            entity_id := registry.async_get_entity_id(
                platform, DOMAIN, entity_unique_id(entry_scope(candidate), object_id, key)
            )
        )
    ]
    assert len(found) == 1, f"{len(found)} {platform} entities for {object_id} {key}"
    return found[0]


def record_states(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Every state an entity is written with from now on, in order."""
    seen: list[str] = []

    # A callback runs in the event loop as the event fires, not later in the executor.
    @callback
    def changed(event: Event) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"]:
            seen.append(event.data["new_state"].state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
    return seen


def state_writes(hass: HomeAssistant) -> list[str]:
    """The entity id of every state written from now on, changed or merely reported."""
    written: list[str] = []

    @callback
    def wrote(event: Event) -> None:
        written.append(event.data["entity_id"])

    @callback
    def every(event_data: Any) -> bool:
        return True

    hass.bus.async_listen(EVENT_STATE_CHANGED, wrote)
    # Home Assistant only lets a listener hear state_reported through a filter.
    hass.bus.async_listen(EVENT_STATE_REPORTED, wrote, event_filter=every)
    return written


def find_device(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> dr.DeviceEntry:
    """The registry's device of an entry with this identifier; fails when there is none."""
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, identifier), entry.entry_id)
    assert device is not None, f"no device {identifier}"
    return device


def has_device(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> bool:
    """Whether the registry holds a device of an entry with this identifier."""
    device_registry = dr.async_get(hass)
    return (
        device_registry.async_get_device_by_identifier((DOMAIN, identifier), entry.entry_id)
        is not None
    )


@pytest.fixture(autouse=True)
def no_deprecation_records(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test during which Home Assistant or anything else logged a deprecation."""
    yield
    deprecated = [
        record.getMessage()
        for record in caplog.get_records("call") + caplog.get_records("setup")
        if "deprecat" in record.getMessage().lower()
    ]
    assert not deprecated, f"deprecation records: {deprecated}"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots serialized as Home Assistant does: no random ids or times."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load `custom_components/parqex` in every test."""


@pytest.fixture(autouse=True)
async def application_credentials(hass: HomeAssistant) -> None:
    """Set up what the integration depends on before a test starts Home Assistant's server.

    `application_credentials` registers HTTP views, which a running server no longer takes.
    """
    assert await async_setup_component(hass, "application_credentials", {})


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Both services on 127.0.0.1 for the length of one test, then stopped.

    Sockets may be created, but Home Assistant's test plugin still allows connections to
    127.0.0.1 only.
    """
    state = SimulatorState(request_budget=20_000)
    # A request the client gave up on is not left running on the server.
    server = TestServer(build_app(state), host="127.0.0.1", handler_cancellation=True)
    await server.start_server()
    try:
        yield Simulator(state=state, url=str(server.make_url("")).rstrip("/"))
    finally:
        await server.close()


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[ClientSession]:
    """A plain aiohttp session, for the API package's own tests."""
    async with ClientSession() as session:
        yield session


def add_parqex_token_entry(
    hass: HomeAssistant, simulator: Simulator, *, title: str, unique_id: str, **extra: Any
) -> MockConfigEntry:
    """A ParqEx entry of the simulator's static access token, added to Home Assistant.

    `extra` goes to `MockConfigEntry` (an entry id, options, an older minor version).
    """
    entry = MockConfigEntry(
        **{
            "domain": DOMAIN,
            "title": title,
            "unique_id": unique_id,
            "data": {CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, CONF_URL: simulator.url},
            "minor_version": MINOR_VERSION,
            **extra,
        }
    )
    entry.add_to_hass(hass)
    return entry


def add_seam_entry(
    hass: HomeAssistant, simulator: Simulator, user_identity_id: str, **extra: Any
) -> MockConfigEntry:
    """A Seam entry of a user identity of the simulator's workspace, added to Home Assistant.

    `extra` goes to `MockConfigEntry` (an entry id, options, an older minor version).
    """
    entry = MockConfigEntry(
        **{
            "domain": DOMAIN,
            "title": f"Seam user {user_identity_id[:8]}",
            "unique_id": user_identity_id,
            "data": {
                CONF_API_KEY: DEFAULT_SEAM_API_KEY,
                CONF_USER_IDENTITY_ID: user_identity_id,
                CONF_URL: simulator.url,
            },
            "minor_version": MINOR_VERSION,
            **extra,
        }
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def parqex_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """A ParqEx entry for the simulator's account, added to Home Assistant."""
    return add_parqex_token_entry(
        hass,
        simulator,
        title="Pat Garage",
        unique_id=DEFAULT_PARQEX_USER["id"],
        entry_id="parqex_entry_id",
    )


@pytest.fixture
def seam_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """A Seam entry for the simulator's user identity, added to Home Assistant."""
    return add_seam_entry(hass, simulator, DEFAULT_USER_IDENTITY_ID, entry_id="seam_entry_id")


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the integration up (every entry added so far) and wait for the platforms."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let `seconds` pass so the coordinator polls, and wait for it.

    The coordinator adds up to a second of jitter to each interval; the extra second covers
    it. Scheduled polls run as background tasks, so those are waited for too.
    """
    freezer.tick(timedelta(seconds=seconds + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
