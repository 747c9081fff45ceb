"""Every fault of the matrix, for each service it applies to, while running and at setup."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
import logging
import re
import tracemalloc
from typing import Any
from unittest.mock import patch
from urllib.parse import quote

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
import orjson
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.parqex import PLATFORMS_BY_SERVICE
from custom_components.parqex.api import (
    ParqexClient,
    RateLimitError,
    ResponseTooLargeError,
    SeamClient,
)
from custom_components.parqex.api.transport import MAX_ANSWER_BYTES
from custom_components.parqex.const import CONF_ACCESS_TOKEN, CONF_API_KEY, CONF_URL, MAX_BACKOFF
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY
from simulator.state import HUGE_ANSWER_BYTES, LoggedRequest
from tests.conftest import Simulator, find_entity, setup

from .matrix import (
    BYSTANDER_OBJECTS,
    MATRIX,
    ONE_SKIPPED,
    PROBE_OBJECTS,
    REAUTH,
    SEAM,
    UNAVAILABLE,
    WORKS,
    FaultCase,
)

POLLS_DURING_FAULT = 4
# Credentials that URL-encoding changes, for the rows that echo them (`odd_credential`).
ODD_CREDENTIALS = {"parqex": "parqex/odd+token=1&x", "seam": "seam_odd/key+2=&y"}
SECRETS = (DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, *ODD_CREDENTIALS.values())
# The entity each service's faults are watched on, and one that a bad object must not touch:
# (platform, entity description key) of the door or lock of PROBE_OBJECTS / BYSTANDER_OBJECTS.
# A ParqEx door is a cover (its binary sensor is disabled by default).
WATCHED = {"parqex": ("cover", "cover"), "seam": ("lock", "lock")}

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


def _state(hass: HomeAssistant, entity_id: str | None) -> str:
    """The state of an entity that must have one."""
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _device_name(hass: HomeAssistant, entity_id: str | None) -> str | None:
    """The name of the registry device an entity belongs to."""
    assert entity_id is not None
    entity = er.async_get(hass).async_get(entity_id)
    assert entity is not None
    assert entity.device_id is not None
    device = dr.async_get(hass).async_get(entity.device_id)
    assert device is not None
    return device.name


def _entry_state(entry: MockConfigEntry) -> ConfigEntryState:
    """The entry's state now (a function, so a type checker does not carry it over)."""
    state: ConfigEntryState = entry.state
    return state


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


def _refuse_connections(hass: HomeAssistant, entry: MockConfigEntry, port: int) -> None:
    """Point the running entry's client at a port nobody listens on.

    The client is built on Home Assistant's shared session, as the coordinator's is.
    """
    coordinator = entry.runtime_data
    session = async_get_clientsession(hass)
    url = f"http://127.0.0.1:{port}"
    if isinstance(coordinator.client, SeamClient):
        coordinator.client = SeamClient(session, DEFAULT_SEAM_API_KEY, base_url=url)
    else:
        coordinator.client = ParqexClient(session, DEFAULT_PARQEX_TOKEN, base_url=url)


def _use_odd_credential(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator, service: str
) -> str:
    """Give the entry (and the simulated account) a credential that URL-encoding changes."""
    secret = ODD_CREDENTIALS[service]
    assert quote(secret, safe="") != secret
    key = CONF_API_KEY if service == SEAM else CONF_ACCESS_TOKEN
    hass.config_entries.async_update_entry(entry, data={**entry.data, key: secret})
    if service == SEAM:
        simulator.state.seam_api_key = secret
    else:
        simulator.state.parqex_token = secret
    return secret


def _answers(simulator: Simulator, service: str, first: int) -> list[LoggedRequest]:
    """The simulator's log of `service` requests (and its answers), from the `first` on."""
    return [r for r in simulator.state.requests if r.service == service][first:]


def _states(
    hass: HomeAssistant, entity_ids: set[str]
) -> dict[str, tuple[str, dict[str, Any]] | None]:
    """State and attributes of each entity (None for one disabled by default)."""
    states: dict[str, tuple[str, dict[str, Any]] | None] = {}
    for entity_id in entity_ids:
        state = hass.states.get(entity_id)
        states[entity_id] = None if state is None else (state.state, dict(state.attributes))
    return states


def _simulator_socket_reset(record: logging.LogRecord) -> bool:
    """asyncio's debug record of a reset connection (seen on the simulator's end)."""
    return (
        record.name == "asyncio"
        and record.levelno == logging.DEBUG
        and record.exc_info is not None
        and isinstance(record.exc_info[1], ConnectionResetError)
        and re.search(r"Fatal (read|write) error on socket transport", record.getMessage())
        is not None
    )


def _check_answers(case: FaultCase, answers: list[LoggedRequest]) -> None:
    """The simulator really answered each poll of the fault as the row says."""
    assert len(answers) == POLLS_DURING_FAULT
    mode = case.fault_fields.get("mode", "status") if case.fault_fields else None
    for answer in answers:
        assert answer.fault == mode
        if mode == "echo_secret":
            assert answer.echoed_secret
            assert answer.status == case.fault_fields["status"]
        elif mode == "huge":
            # Refused on its Content-Length: no more was sent than the socket buffers took.
            assert answer.status == 200
            assert answer.body_bytes < MAX_ANSWER_BYTES // 2
        elif mode == "huge_chunked":
            # Read up to the limit, then let go long before the end.
            assert answer.status == 200
            assert MAX_ANSWER_BYTES <= answer.body_bytes < HUGE_ANSWER_BYTES
        elif mode == "bomb" or case.id == "gzip":
            assert (answer.status, answer.encoding) == (200, "gzip")


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
    odd_secret = None
    if case.odd_credential:
        odd_secret = _use_odd_credential(hass, entry, simulator, service)
    if case.baseline is not None:
        case.baseline(simulator.state, service)
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
    baseline = _states(hass, entity_ids) if case.baseline is not None else None
    if case.baseline is not None:
        # The setup's answers were the plain ones the fault's are compared with.
        setup_answers = _answers(simulator, service, 0)
        assert setup_answers
        assert all((r.status, r.encoding) == (200, None) for r in setup_answers)
    caplog.clear()
    before = simulator.requests_to(service)

    if case.id == "connection_refused":
        _refuse_connections(hass, entry, unused_tcp_port)
    else:
        case.install(simulator.state, service)
    intervals = []
    tracing = case.max_memory is not None and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    traced_before = tracemalloc.get_traced_memory()[0]
    try:
        for _ in range(POLLS_DURING_FAULT):
            await coordinator.async_refresh()
            intervals.append(coordinator.update_interval)
            await _server_settled(simulator, service)
        peak_memory = tracemalloc.get_traced_memory()[1] - traced_before
    finally:
        if tracing:
            tracemalloc.stop()
    await hass.async_block_till_done()
    cause = coordinator.last_exception.__cause__ if coordinator.last_exception else None
    errors_seen = [
        str(coordinator.last_exception),
        repr(coordinator.last_exception),
        str(cause),
        repr(cause),
    ]

    # One request per poll: the client never retries on its own.
    sent = simulator.requests_to(service) - before
    assert sent == (0 if case.id == "connection_refused" else POLLS_DURING_FAULT)
    assert simulator.state.max_in_flight[service] <= 1
    if case.id != "connection_refused":
        _check_answers(case, _answers(simulator, service, before))
    if odd_secret is not None:
        # The request log keeps the credential masked, as it is shown by the control API.
        assert odd_secret not in str(_answers(simulator, service, 0))
    if case.error is not None:
        assert isinstance(cause, case.error), repr(cause)
        assert case.error_text in str(cause)
        if isinstance(cause, RateLimitError):
            assert cause.retry_after == case.retry_after
    if case.max_memory is not None:
        # The answer was never held whole: 200 MB or 2 GB would show here.
        assert peak_memory < case.max_memory, f"{peak_memory / 2**20:.0f} MB"

    if case.outcome == REAUTH:
        (flow,) = hass.config_entries.flow.async_progress()
        assert flow["context"]["source"] == SOURCE_REAUTH
        assert flow["context"]["entry_id"] == entry.entry_id
        assert _state(hass, probe_id) == STATE_UNAVAILABLE
        # Refused credentials are not tried again on a timer: polling waits for the user.
        polled = simulator.requests_to(service)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=2))
        await hass.async_block_till_done(wait_background_tasks=True)
        assert simulator.requests_to(service) == polled
    elif case.outcome == UNAVAILABLE:
        assert _state(hass, probe_id) == STATE_UNAVAILABLE
        assert intervals == _expected_intervals(case, coordinator.base_interval)
        if case.retry_after is not None:
            # Nothing is sent before the wait is over, and the next poll comes when it is.
            # (A scheduled poll runs up to a second either side of its interval.)
            polled = simulator.requests_to(service)
            async_fire_time_changed(hass, dt_util.utcnow() + intervals[-1] - timedelta(seconds=3))
            await hass.async_block_till_done(wait_background_tasks=True)
            assert simulator.requests_to(service) == polled
            async_fire_time_changed(hass, dt_util.utcnow() + intervals[-1] + timedelta(seconds=2))
            await hass.async_block_till_done(wait_background_tasks=True)
            assert simulator.requests_to(service) == polled + 1
    elif case.outcome == ONE_SKIPPED:
        assert _state(hass, probe_id) == STATE_UNAVAILABLE
        assert _state(hass, _bystander(hass, service)) != STATE_UNAVAILABLE
        # Kept in the registry.
        _device_name(hass, probe_id)
    else:
        assert case.outcome == WORKS
        assert coordinator.last_update_success
        if case.id == "ten_thousand":
            data = coordinator.data
            count = len(data.doors) if service == "parqex" else len(data.devices)
            assert count >= 10_000
            assert len(dr.async_entries_for_config_entry(device_registry, entry.entry_id)) >= 10_000
        else:
            assert _state(hass, probe_id) != STATE_UNAVAILABLE
        if case.id == "unicode_names":
            assert _device_name(hass, probe_id) in ("Garáge 北 🚗", "Porte d\u2019entrée 🔐")
        if case.id == "duplicate_ids" and service == "parqex":
            # The first listing (open) wins over the twin's closed door.
            assert _state(hass, probe_id) == "open"
        if baseline is not None:
            assert any(baseline.values())
            assert _states(hass, entity_ids) == baseline

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
        assert _state(hass, probe_id) != STATE_UNAVAILABLE
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
    records = caplog.records
    if case.error is ResponseTooLargeError:
        # The client hangs up on a body it refuses, with the rest unread, so the simulator's
        # socket is reset; asyncio notes that at debug level, with the error attached.
        records = [r for r in records if not _simulator_socket_reset(r)]
    with_errors = [f"{r.name}: {r.getMessage()} ({r.exc_info[1]!r})" for r in records if r.exc_info]
    assert with_errors == []
    assert not any("Traceback" in caplog.handler.format(r) for r in records)

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
    if case.odd_credential:
        _use_odd_credential(hass, entry, simulator, service)
    if case.baseline is not None:
        case.baseline(simulator.state, service)
    url = entry.data[CONF_URL]
    if case.id == "connection_refused":
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_URL: f"http://127.0.0.1:{unused_tcp_port}"}
        )
    else:
        case.install(simulator.state, service)

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if case.id == "connection_refused":
        assert simulator.requests_to(service) == 0
    else:
        assert simulator.requests_to(service) >= 1
    if case.odd_credential:
        assert all(r.echoed_secret for r in _answers(simulator, service, 0))

    if case.outcome == REAUTH:
        assert entry.state is ConfigEntryState.SETUP_ERROR
        (flow,) = hass.config_entries.flow.async_progress()
        assert flow["context"]["source"] == SOURCE_REAUTH
    else:
        assert entry.state is ConfigEntryState.SETUP_RETRY
    # The other service's entry is not affected.
    assert other.state is ConfigEntryState.LOADED
    # The reason is shown in the UI.
    for secret in SECRETS:
        assert secret not in caplog.text
        assert secret not in (entry.reason or "")

    simulator.state.faults.clear()
    simulator.state.reset()
    if case.id == "connection_refused":
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_URL: url})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert _entry_state(entry) is ConfigEntryState.LOADED
    assert _state(hass, _probe(hass, service)) != STATE_UNAVAILABLE
