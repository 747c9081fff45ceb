"""Keypad codes and auto-lock in the API package: models, requests, and the simulator's answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import orjson
import pytest

from custom_components.parqex.api import RequestRejectedError, SeamClient
from custom_components.parqex.api.seam.access_codes import (
    MAX_CODE_PAGES,
    SeamAccessCode,
    parse_created_access_code,
)
from custom_components.parqex.api.seam.models import parse_seam_device
from custom_components.parqex.api.seam.webhooks import parse_event
from simulator.seeds import (
    BACK_DOOR_ID,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_USER_IDENTITY_ID,
    FRONT_DOOR_ID,
    FRONT_FAMILY_CODE_ID,
)
from tests.conftest import Simulator


def client_for(url: str, http: ClientSession) -> SeamClient:
    return SeamClient(http, DEFAULT_SEAM_API_KEY, base_url=url)


async def test_codes_and_auto_lock_against_the_simulator(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.state.action_settings.delay = 0
    client = client_for(simulator.url, http)
    devices = (await client.async_list_accessible_devices(DEFAULT_USER_IDENTITY_ID)).devices
    front, back = devices[FRONT_DOOR_ID], devices[BACK_DOOR_ID]
    assert front.can_program_online_access_codes
    assert front.supported_code_lengths == (4, 6)
    assert "no_ascending_or_descending_sequence" in front.code_constraints
    assert (back.can_configure_auto_lock, back.auto_lock_enabled) == (True, False)
    assert back.auto_lock_delay_seconds == 30
    assert not front.can_configure_auto_lock

    codes = {
        code.access_code_id: code for code in await client.async_list_access_codes(FRONT_DOOR_ID)
    }
    family = codes[FRONT_FAMILY_CODE_ID]
    assert (family.name, family.code, family.type) == ("Family", "4819", "ongoing")
    assert family.is_set_on_device
    assert family.starts_at is None
    # A code is a secret: its repr leaves it out.
    assert "4819" not in repr(family)
    unmanaged = await client.async_list_unmanaged_access_codes(FRONT_DOOR_ID)
    assert [code.is_managed for code in unmanaged] == [False]

    created = await client.async_create_access_code(
        FRONT_DOOR_ID,
        "Guest",
        "4826",
        starts_at="2030-01-04T15:00:00+00:00",
        ends_at="2030-01-06T11:00:00+00:00",
    )
    await client.async_confirmed(_attempt(created.action_attempt))
    assert created.access_code.starts_at is not None
    assert created.access_code.ends_at is not None
    await client.async_confirmed(
        client.async_update_access_code(created.access_code.access_code_id, ongoing=True)
    )
    await client.async_confirmed(client.async_delete_access_code(FRONT_FAMILY_CODE_ID))
    left = {code.name for code in await client.async_list_access_codes(FRONT_DOOR_ID)}
    assert "Family" not in left

    await client.async_confirmed(client.async_configure_auto_lock(BACK_DOOR_ID, True, 15))
    back = await client.async_get_device(BACK_DOOR_ID)
    assert (back.auto_lock_enabled, back.auto_lock_delay_seconds) == (True, 15)


async def _attempt(attempt: Any) -> Any:
    return attempt


async def test_seam_text_never_repeats_a_code_sent(
    simulator: Simulator, http: ClientSession
) -> None:
    simulator.fault(
        service="seam",
        path="/access_codes/update",
        status=400,
        body='{"error": {"type": "invalid_input", "message": "code 4913 is taken"}, "ok": false}',
    )
    client = client_for(simulator.url, http)
    with pytest.raises(RequestRejectedError) as caught:
        await client.async_update_access_code(FRONT_FAMILY_CODE_ID, code="4913")
    assert "4913" not in str(caught.value)


@pytest.fixture
async def paged(socket_enabled: None) -> AsyncIterator[tuple[str, list[Any]]]:
    """A stand-in for Seam that answers every list with one more page, forever."""
    received: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        page = len(received)
        code = {"access_code_id": f"code-{page}", "name": f"Code {page}", "code": "4826"}
        return web.json_response(
            {
                "access_codes": [code],
                "pagination": {"next_page_cursor": f"after-{page}"},
                "ok": True,
            }
        )

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), received
    finally:
        await server.close()


async def test_pages_are_followed_and_bounded(
    paged: tuple[str, list[Any]], http: ClientSession
) -> None:
    url, received = paged
    codes = await client_for(url, http).async_list_access_codes("lock")
    assert len(codes) == MAX_CODE_PAGES
    assert received[0] == {"device_id": "lock"}
    assert received[1] == {"device_id": "lock", "page_cursor": "after-1"}


def test_code_times_and_device_fields_as_seam_sends_them() -> None:
    code = SeamAccessCode(access_code_id="c", reported_starts_at="yesterday", reported_ends_at="")
    assert (code.starts_at, code.ends_at, code.is_set_on_device) == (None, None, False)
    device = parse_seam_device(
        orjson.dumps(
            {
                "device_id": "d",
                "properties": {
                    "supported_code_lengths": [4.0, 6.0],
                    "code_constraints": [{"constraint_type": "no_zeros"}, {"min_length": 2}],
                    "auto_lock_enabled": True,
                    "auto_lock_delay_seconds": 45,
                },
            }
        ).join((b'{"device": ', b"}"))
    )
    assert device.supported_code_lengths == (4, 6)
    assert device.code_constraints == frozenset({"no_zeros"})
    assert device.with_auto_lock(False, None).auto_lock_delay_seconds == 45
    assert device.with_auto_lock(True, 10).auto_lock_delay_seconds == 10
    bare = parse_seam_device(b'{"device": {"device_id": "b"}}')
    assert (bare.supported_code_lengths, bare.code_constraints) == ((), frozenset())
    assert not bare.can_program_online_access_codes


def test_access_denied_reason() -> None:
    event = parse_event(
        b'{"event_type": "lock.access_denied", "device_id": "d", "reason": {"reason_code": "x"}}'
    )
    assert event.reason is not None
    assert event.reason.reason_code == "x"


async def test_creation_answered_without_an_action_attempt(http: ClientSession) -> None:
    """Seam's older answer (and its fake's) carries the code alone: accepted is done."""
    created = parse_created_access_code(
        b'{"access_code": {"access_code_id": "c", "status": "setting"}, "ok": true}'
    )
    assert created.action_attempt is None

    async def send() -> None:
        return created.action_attempt

    client = SeamClient(http, DEFAULT_SEAM_API_KEY, base_url="http://127.0.0.1:9")
    assert await client.async_confirmed(send()) is None
