"""Svix verification and Seam event parsing, with the simulator as the signer."""

from __future__ import annotations

import asyncio
import base64
import time
from unittest.mock import Mock

import aiohttp
from aiohttp import ClientSession
import orjson
import pytest

from custom_components.parqex.api import (
    EVENT_TYPES,
    DeliveryTooLargeError,
    InvalidResponseError,
    NotFoundError,
    RequestRejectedError,
    SeamClient,
    WebhookVerificationError,
    decode_secret,
    parse_event,
    read_delivery,
    verify_delivery,
)
from custom_components.parqex.api.seam.webhooks import parse_webhook
from simulator.seeds import DEFAULT_SEAM_API_KEY
from simulator.webhooks import svix_headers
from tests.conftest import Simulator

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123").decode()
KEY = decode_secret(SECRET)
BODY = orjson.dumps(
    {
        "event_id": "e1",
        "event_type": "lock.unlocked",
        "device_id": "d1",
        "method": "keycode",
        "access_code_id": "c1",
        "occurred_at": "2026-11-21T10:00:00.000Z",
    }
)


def signed(
    body: bytes = BODY, *, timestamp: int | None = None, secret: str = SECRET
) -> dict[str, str]:
    return svix_headers(
        secret,
        body,
        message_id="msg_1",
        timestamp=int(time.time()) if timestamp is None else timestamp,
    )


def test_a_genuine_delivery_verifies() -> None:
    assert verify_delivery(KEY, signed(), BODY) == "msg_1"


def test_any_of_several_signatures_may_match() -> None:
    headers = signed()
    headers["svix-signature"] = f"v1,AAAA v2,zzz {headers['svix-signature']}"
    assert verify_delivery(KEY, headers, BODY) == "msg_1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: (h, b + b" "), "signature"),
        (lambda h, b: ({**h, "svix-id": "msg_2"}, b), "signature"),
        (lambda h, b: ({**h, "svix-signature": "v1,bm90IGl0"}, b), "signature"),
        (
            lambda h, b: ({**h, "svix-signature": h["svix-signature"].replace("v1", "v0")}, b),
            "signature",
        ),
        (lambda h, b: ({k: v for k, v in h.items() if k != "svix-id"}, b), "headers"),
        (lambda h, b: ({**h, "svix-timestamp": "soon"}, b), "headers"),
    ],
)
def test_tampered_deliveries_are_refused(change, reason: str) -> None:  # type: ignore[no-untyped-def]
    headers, body = change(signed(), BODY)
    with pytest.raises(WebhookVerificationError, match=reason):
        verify_delivery(KEY, headers, body)


def test_wrong_secret() -> None:
    other = "whsec_" + base64.b64encode(b"another secret key!!").decode()
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_delivery(KEY, signed(secret=other), BODY)


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_stale_or_future_timestamps(age: int) -> None:
    with pytest.raises(WebhookVerificationError, match="too far"):
        verify_delivery(KEY, signed(timestamp=int(time.time()) - age), BODY)


def test_messages_never_contain_the_secret() -> None:
    for headers in (signed(timestamp=0), {**signed(), "svix-signature": "v1,x"}, {}):
        with pytest.raises(WebhookVerificationError) as caught:
            verify_delivery(KEY, headers, BODY)
        assert SECRET not in str(caught.value)
        assert SECRET.removeprefix("whsec_") not in str(caught.value)


@pytest.mark.parametrize("secret", ["abc", "whsec_", "whsec_***notbase64***"])
def test_malformed_secrets(secret: str) -> None:
    with pytest.raises(WebhookVerificationError):
        decode_secret(secret)


def test_event_fields() -> None:
    event = parse_event(BODY)
    assert (event.event_type, event.device_id, event.method, event.access_code_id) == (
        "lock.unlocked",
        "d1",
        "keycode",
        "c1",
    )
    assert event.battery_level is None
    wrapped = parse_event(
        orjson.dumps({"data": {"event_type": "device.low_battery", "battery_level": 0.1}})
    )
    assert (wrapped.event_type, wrapped.battery_level) == ("device.low_battery", 0.1)


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"device_id": "d"}', b'{"event_type": "x", "method": 3}']
)
def test_bodies_that_are_not_events(body: bytes) -> None:
    with pytest.raises(InvalidResponseError):
        parse_event(body)


@pytest.mark.parametrize("payload", [{}, {"webhook": []}, {"webhook": {"url": "x"}}])
def test_malformed_webhook_answers(payload: object) -> None:
    with pytest.raises(InvalidResponseError):
        parse_webhook(orjson.dumps(payload))


async def test_create_and_delete_a_webhook(simulator: Simulator, http: ClientSession) -> None:
    client = SeamClient(http, DEFAULT_SEAM_API_KEY, base_url=simulator.url)
    created = await client.async_create_webhook("http://127.0.0.1:1/hook", EVENT_TYPES)
    assert created.secret is not None
    assert created.secret.startswith("whsec_")
    assert created.secret not in repr(created)
    assert simulator.state.hub.webhooks[created.webhook_id].event_types == list(EVENT_TYPES)
    await client.async_delete_webhook(created.webhook_id)
    assert simulator.state.hub.webhooks == {}
    with pytest.raises(NotFoundError):
        await client.async_delete_webhook(created.webhook_id)


async def test_simulator_delivers_only_to_this_machine(
    simulator: Simulator, http: ClientSession
) -> None:
    client = SeamClient(http, DEFAULT_SEAM_API_KEY, base_url=simulator.url)
    with pytest.raises(RequestRejectedError):
        await client.async_create_webhook("https://example.com/hook", EVENT_TYPES)


def _stream(*pieces: bytes, eof: bool = True) -> aiohttp.StreamReader:
    reader = aiohttp.StreamReader(Mock(), 2**16, loop=asyncio.get_running_loop())
    for piece in pieces:
        reader.feed_data(piece)
    if eof:
        reader.feed_eof()
    return reader


async def test_a_delivery_is_read_whole_however_it_arrives() -> None:
    reader = _stream(b'{"event_type": ', eof=False)

    async def rest() -> None:
        await asyncio.sleep(0.01)
        reader.feed_data(b'"lock.locked"}')
        reader.feed_eof()

    task = asyncio.create_task(rest())
    assert await read_delivery(reader, None) == b'{"event_type": "lock.locked"}'
    await task


async def test_a_delivery_of_exactly_the_limit_is_read() -> None:
    assert await read_delivery(_stream(b"x" * 5, b"y" * 5), 10, limit=10) == b"xxxxxyyyyy"


async def test_an_oversized_delivery_is_not_read_further() -> None:
    reader = _stream(b"x" * 6, b"y" * 6)
    with pytest.raises(DeliveryTooLargeError):
        await read_delivery(reader, None, limit=10)
    # A declared length over the limit is refused before reading anything.
    untouched = _stream(b"x" * 6)
    with pytest.raises(DeliveryTooLargeError, match="declares 11 bytes"):
        await read_delivery(untouched, 11, limit=10)
    assert untouched.total_bytes == 6
    assert await untouched.read() == b"x" * 6
