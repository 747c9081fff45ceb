"""Every fault of the matrix, for each service it applies to, while running and at setup."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
import logging
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.parqex import PLATFORMS_BY_SERVICE
from custom_components.parqex.api import ParqexClient, SeamClient
from custom_components.parqex.const import MAX_BACKOFF
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY
from tests.conftest import Simulator, find_entity, setup

from .matrix import (
    BYSTANDER_OBJECTS,
    MATRIX,
    ONE_SKIPPED,
    PROBE_OBJECTS,
    REAUTH,
    UNAVAILABLE,
    WORKS,
    FaultCase,
)

POLLS_DURING_FAULT = 4
SECRETS = (DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY)
# The entity each service's faults are watched on, and one that a bad object must not touch:
# (platform, entity description key) of the door or lock of PROBE_OBJECTS / BYSTANDER_OBJECTS.
WATCHED = {"parqex": ("binary_sensor", "door"), "seam": ("lock", "lock")}

CASES = [
    pytest.param(case, service, id=case.test_id(service))
    for case in MATRIX
    for service in case.services
]
SETUP_CASES = [
    pytest.param(case, service, id=case.test_id(service))
    for case in MATRIX
    for service in case.services
    if case.outcome in (REAUTH, UNAVAILABLE)
]


@pytest.fixture(autouse=True)
def short_timeout(case: FaultCase) -> Iterator[None]:
    """For a hanging service, requests time out in 0.3 s so the test is quick."""
    timeout = 0.3 if case.id == "hang" else 10.0
    with patch("custom_components.parqex.const.REQUEST_TIMEOUT", timeout):
        yield


def _entry(
    service: str, parqex_entry: MockConfigEntry, seam_entry: MockConfigEntry
) -> MockConfigEntry:
    return seam_entry if service == "seam" else parqex_entry


def _probe(hass: HomeAssistant, service: str) -> str:
    """The entity id of the entity each service's faults are watched on."""
    platform, key = WATCHED[service]
    return find_entity(hass, platform, PROBE_OBJECTS[service], key)


def _bystander(hass: HomeAssistant, service: str) -> str:
    """The entity id of an entity of the same kind that a bad object must not touch."""
    platform, key = WATCHED[service]
    return find_entity(hass, platform, BYSTANDER_OBJECTS[service], key)


def _expected_intervals(case: FaultCase, base: timedelta) -> list[timedelta]:
    if case.retry_after is not None:
        return [max(base, timedelta(seconds=case.retry_after))] * POLLS_DURING_FAULT
    return [min(base * 2**n, max(MAX_BACKOFF, base)) for n in range(1, POLLS_DURING_FAULT + 1)]


async def _server_settled(simulator: Simulator, service: str) -> None:
    """Wait (at most a second) until the server has dropped requests the client gave up on.

    Real polls are tens of seconds apart; here they follow each other at once.
    """
    for _ in range(100):
        if not simulator.state.in_flight[service]:
            return
        await asyncio.sleep(0.01)


def _refuse_connections(entry: MockConfigEntry, port: int) -> None:
    """Point the entry's client at a port nobody listens on."""
    coordinator = entry.runtime_data
    session = coordinator.client._session
    url = f"http://127.0.0.1:{port}"
    if isinstance(coordinator.client, SeamClient):
        coordinator.client = SeamClient(session, DEFAULT_SEAM_API_KEY, base_url=url)
    else:
        coordinator.client = ParqexClient(session, DEFAULT_PARQEX_TOKEN, base_url=url)


@pytest.mark.parametrize(("case", "service"), CASES)
async def test_fault_while_running(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    unused_tcp_port: int,
    case: FaultCase,
    service: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = _entry(service, parqex_entry, seam_entry)
    platforms = {} if case.id == "ten_thousand" else PLATFORMS_BY_SERVICE
    with patch.dict(
        PLATFORMS_BY_SERVICE, {key: [] for key in PLATFORMS_BY_SERVICE} if platforms == {} else {}
    ):
        await setup(hass, entry)
    coordinator = entry.runtime_data
    client = coordinator.client
    # With 10,000 objects no platform is set up: there is no entity to watch.
    probe_id = None if case.id == "ten_thousand" else _probe(hass, service)
    entity_ids = {
        e.entity_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    caplog.clear()
    before = simulator.requests_to(service)

    if case.id == "connection_refused":
        _refuse_connections(entry, unused_tcp_port)
    else:
        case.install(simulator.state, service)
    intervals = []
    for _ in range(POLLS_DURING_FAULT):
        await coordinator.async_refresh()
        intervals.append(coordinator.update_interval)
        await _server_settled(simulator, service)
    await hass.async_block_till_done()
    errors_seen = [str(coordinator.last_exception), repr(coordinator.last_exception)]

    # One request per poll: the client never retries on its own.
    sent = simulator.requests_to(service) - before
    assert sent == (0 if case.id == "connection_refused" else POLLS_DURING_FAULT)
    assert simulator.state.max_in_flight[service] <= 1

    probe = hass.states.get(probe_id) if probe_id is not None else None
    if case.outcome == REAUTH:
        (flow,) = hass.config_entries.flow.async_progress()
        assert flow["context"]["source"] == SOURCE_REAUTH
        assert flow["context"]["entry_id"] == entry.entry_id
        assert probe.state == STATE_UNAVAILABLE
        # Refused credentials are not tried again on a timer: polling waits for the user.
        assert coordinator._unsub_refresh is None
    elif case.outcome == UNAVAILABLE:
        assert probe.state == STATE_UNAVAILABLE
        assert intervals == _expected_intervals(case, coordinator.base_interval)
    elif case.outcome == ONE_SKIPPED:
        assert probe.state == STATE_UNAVAILABLE
        assert hass.states.get(_bystander(hass, service)).state != STATE_UNAVAILABLE
        assert device_registry.async_get(entity_registry.async_get(probe_id).device_id)
    else:
        assert case.outcome == WORKS
        assert coordinator.last_update_success
        if case.id == "ten_thousand":
            data = coordinator.data
            count = len(data.doors) if service == "parqex" else len(data.devices)
            assert count >= 10_000
            assert len(dr.async_entries_for_config_entry(device_registry, entry.entry_id)) >= 10_000
        else:
            assert probe.state != STATE_UNAVAILABLE
        if case.id == "unicode_names":
            device = device_registry.async_get(entity_registry.async_get(probe_id).device_id)
            assert device.name in ("Garáge 北 🚗", "Porte d\u2019entrée 🔐")
        if case.id == "duplicate_ids" and service == "parqex":
            assert probe.state == "on"

    # Recovery with the same entities: on the next good poll, without a reload; after
    # refused credentials, once the user signs in again.
    simulator.state.faults.clear()
    simulator.state.reset()
    coordinator.client = client
    if case.outcome == REAUTH:
        secret_key, secret = (
            ("api_key", DEFAULT_SEAM_API_KEY)
            if service == "seam"
            else ("access_token", DEFAULT_PARQEX_TOKEN)
        )
        result = await hass.config_entries.flow.async_configure(
            flow["flow_id"], {secret_key: secret}
        )
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
        coordinator = entry.runtime_data
    else:
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert coordinator.update_interval == coordinator.base_interval
    if probe_id is not None:
        assert hass.states.get(probe_id).state != STATE_UNAVAILABLE
    now = {e.entity_id for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)}
    assert now == entity_ids

    # Said once when it went, once when it came back; never with a traceback.
    ours = [r for r in caplog.records if r.name.startswith("custom_components.parqex")]
    infos = [r.getMessage() for r in ours if r.levelno >= logging.INFO]
    if case.outcome == UNAVAILABLE:
        assert len(infos) == 2
        assert "is unavailable" in infos[0]
        assert "recovered" in infos[1]
    elif case.outcome == REAUTH:
        # Signing in again reloads the entry: the new coordinator starts out available.
        assert len(infos) == 1
        assert "is unavailable" in infos[0]
    else:
        assert infos == []
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text

    # No secret anywhere a user might paste from.
    diagnostics = orjson.dumps(
        await get_diagnostics_for_config_entry(hass, hass_client, entry)
    ).decode()
    issues = str([issue.to_json() for issue in issue_registry.issues.values()])
    for secret in SECRETS:
        for text in (caplog.text, diagnostics, issues, *errors_seen):
            assert secret not in text


@pytest.mark.parametrize(("case", "service"), SETUP_CASES)
async def test_fault_at_setup(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    unused_tcp_port: int,
    case: FaultCase,
    service: str,
) -> None:
    entry = _entry(service, parqex_entry, seam_entry)
    other = seam_entry if entry is parqex_entry else parqex_entry
    if case.id == "connection_refused":
        simulator.fault(service=service, mode="disconnect", count=10_000)
    else:
        case.install(simulator.state, service)

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    if case.outcome == REAUTH:
        assert entry.state is ConfigEntryState.SETUP_ERROR
        (flow,) = hass.config_entries.flow.async_progress()
        assert flow["context"]["source"] == SOURCE_REAUTH
    else:
        assert entry.state is ConfigEntryState.SETUP_RETRY
    # The other service's entry is not affected.
    assert other.state is ConfigEntryState.LOADED
    for secret in SECRETS:
        assert secret not in caplog.text

    simulator.state.faults.clear()
    simulator.state.reset()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(_probe(hass, service)).state != STATE_UNAVAILABLE
