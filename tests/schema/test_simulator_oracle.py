"""Seam's published OpenAPI spec as the oracle of our client and of the simulator.

For every endpoint our client calls (the table in `tests.schema.endpoints`), the real
`SeamClient` talks to the running simulator; every request body it sent must match the
operation's request schema and every 200 answer the operation's 200 schema. The simulator's
refusals (401, 400, 404, 429) are checked against the spec's response for that status when the
spec gives that response a JSON schema.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import ClientSession
import pytest

from custom_components.parqex.api.errors import ApiError
from simulator.seeds import (
    BACK_DOOR_ID,
    DEFAULT_USER_IDENTITY_ID,
    FRONT_DOOR_ID,
    FRONT_FAMILY_CODE_ID,
)

from .endpoints import ENDPOINTS, Call, Endpoint, Household
from .openapi import OpenApiSpec
from .recording import WRONG_API_KEY, EventSink, RecordingSimulator, exchange_problems

pytestmark = [pytest.mark.fake_seam, pytest.mark.timeout(120)]


def _first_device(devices: list[dict[str, Any]], capability: str, **wanted: Any) -> str:
    for device in devices:
        if capability in device.get("capabilities_supported", []) and all(
            device.get(key) == value for key, value in wanted.items()
        ):
            device_id: str = device["device_id"]
            return device_id
    raise AssertionError(f"the simulator's seeds have no {capability} device with {wanted}")


def _climate_preset(devices: list[dict[str, Any]]) -> tuple[str, str]:
    """A thermostat with climate presets, and one preset's key; the first thermostat if none."""
    thermostats = [d for d in devices if "thermostat" in d.get("capabilities_supported", [])]
    assert thermostats, "the simulator's seeds have no thermostat"
    for device in thermostats:
        presets = device.get("properties", {}).get("available_climate_presets") or []
        if presets:
            return device["device_id"], presets[0]["climate_preset_key"]
    return thermostats[0]["device_id"], "home"


@pytest.fixture
async def household(
    recorded: RecordingSimulator, event_sink: EventSink, http: ClientSession
) -> Household:
    """What the calls act on: seeded devices, and a webhook and a command made through Seam."""
    devices = list(recorded.state.devices.values())
    lock_id = _first_device(devices, "lock", can_remotely_lock=True)
    thermostat_id, preset_key = _climate_preset(devices)
    client = recorded.client(http)
    webhook = await client.async_create_webhook(event_sink.url, ("lock.locked",))
    attempt = await client.async_unlock_door(lock_id)
    return Household(
        user_identity_id=DEFAULT_USER_IDENTITY_ID,
        device_ids=tuple(recorded.state.devices),
        lock_id=lock_id,
        thermostat_id=thermostat_id,
        climate_preset_key=preset_key,
        webhook_url=event_sink.url,
        webhook_id=webhook.webhook_id,
        action_attempt_id=attempt.action_attempt_id,
        code_lock_id=FRONT_DOOR_ID,
        access_code_id=FRONT_FAMILY_CODE_ID,
        auto_lock_id=BACK_DOOR_ID,
    )


def test_every_row_is_an_operation_of_the_spec(seam_spec: OpenApiSpec) -> None:
    missing = []
    for endpoint in ENDPOINTS:
        try:
            seam_spec.operation(endpoint.path, "post")
        except KeyError as err:
            missing.append(err.args[0])
    assert missing == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.path for e in ENDPOINTS])
async def test_requests_and_answers_match_the_spec(
    endpoint: Endpoint,
    seam_spec: OpenApiSpec,
    recorded: RecordingSimulator,
    household: Household,
    http: ClientSession,
) -> None:
    first = len(recorded.exchanges)
    failure: Exception | None = None
    try:
        await endpoint.call(recorded.client(http), household)
    except ApiError as err:
        failure = err
    sent = recorded.exchanges[first:]
    # Every exchange of the call, the polls of its action attempts included.
    problems = [line for exchange in sent for line in exchange_problems(seam_spec, exchange)]
    assert problems == [], "\n".join(problems)
    answered = [e.status for e in sent if e.path == endpoint.path]
    assert failure is None, f"{endpoint.path} answered {answered}: {failure}"
    assert 200 in answered, f"{endpoint.path} was never answered 200 ({answered})"


def _refusals() -> list[tuple[Endpoint, int, Call | None]]:
    cases: list[tuple[Endpoint, int, Call | None]] = []
    for endpoint in ENDPOINTS:
        # None: the row's own call, with an API key the simulator does not know.
        cases.append((endpoint, 401, None))
        cases.extend((endpoint, status, call) for status, call in endpoint.refusals.items())
    return cases


REFUSALS: Final = _refusals()


@pytest.mark.parametrize(
    ("endpoint", "status", "call"), REFUSALS, ids=[f"{e.path}-{s}" for e, s, _ in REFUSALS]
)
async def test_refusals_match_the_spec(
    endpoint: Endpoint,
    status: int,
    call: Call | None,
    seam_spec: OpenApiSpec,
    recorded: RecordingSimulator,
    household: Household,
    http: ClientSession,
) -> None:
    if call is None:
        client, call = recorded.client(http, WRONG_API_KEY), endpoint.call
    else:
        client = recorded.client(http)
    first = len(recorded.exchanges)
    with pytest.raises(ApiError):
        await call(client, household)
    sent = [e for e in recorded.exchanges[first:] if e.path == endpoint.path]
    assert sent, f"nothing was sent to {endpoint.path}"
    refused = sent[-1]
    assert refused.status == status, f"{endpoint.path} answered {refused.status}, not {status}"
    # The spec gives most refusals no body schema (or no response at all): then only the
    # status is checked. A schema the spec adds later is enforced here at once.
    schema = seam_spec.response_schema(endpoint.path, status)
    if schema is not None:
        assert seam_spec.problems(schema, refused.answer) == []
