"""Seam's side of webhooks: subscriptions, events, and Svix-signed deliveries.

Deliveries go to loopback URLs only: the simulator never sends anything off this machine.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import hmac
import ipaddress
import itertools
import secrets
import time
from typing import Any
from urllib.parse import urlsplit
import uuid

import aiohttp
import orjson

from .seeds import WORKSPACE_ID, Json


def is_loopback_host(host: str) -> bool:
    """Whether `host` names this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether `url` is http(s) to this machine."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")


def svix_headers(secret: str, body: bytes, *, message_id: str, timestamp: int) -> dict[str, str]:
    """The headers Svix signs a delivery with."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    payload = f"{message_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode()
    return {
        "svix-id": message_id,
        "svix-timestamp": str(timestamp),
        "svix-signature": f"v1,{signature}",
        "Content-Type": "application/json",
    }


@dataclass(slots=True, kw_only=True)
class Webhook:
    """A subscription to Seam events."""

    webhook_id: str
    url: str
    event_types: list[str]
    secret: str

    def as_json(self) -> Json:
        """The webhook as Seam shows it."""
        return {
            "webhook_id": self.webhook_id,
            "url": self.url,
            "event_types": self.event_types,
            "secret": self.secret,
        }


@dataclass(slots=True, kw_only=True)
class Delivery:
    """One delivery attempt, for tests to inspect."""

    url: str
    event_type: str
    status: int | None


@dataclass(slots=True)
class WebhookHub:
    """Subscriptions and the deliveries made to them."""

    webhooks: dict[str, Webhook] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    # Set while the app runs: schedules a delivery on the event loop.
    send: Callable[[Webhook, Json], None] | None = None
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def create(self, url: str, event_types: list[str] | None) -> Webhook:
        """Subscribe `url` to `event_types` (all events when None)."""
        webhook = Webhook(
            webhook_id=str(uuid.uuid4()),
            url=url,
            event_types=list(event_types or []),
            secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        )
        self.webhooks[webhook.webhook_id] = webhook
        return webhook

    def emit(
        self,
        event_type: str,
        device_id: str | None,
        *,
        keep_null: Collection[str] = (),
        **fields: Any,
    ) -> Json:
        """Record an event and deliver it to every subscriber that wants it.

        A field given as None is left out, unless `keep_null` names it (Seam requires some
        fields even when they are null).
        """
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        event: Json = {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "device_id": device_id,
            "workspace_id": WORKSPACE_ID,
            "created_at": now,
            "occurred_at": now,
            **{
                key: value for key, value in fields.items() if value is not None or key in keep_null
            },
        }
        for webhook in self.webhooks.values():
            if self.send is not None and (
                not webhook.event_types or event_type in webhook.event_types
            ):
                self.send(webhook, event)
        return event

    def message_id(self) -> str:
        """A new Svix message id."""
        return f"msg_sim{next(self._counter):08d}"


async def deliver(
    session: aiohttp.ClientSession, hub: WebhookHub, webhook: Webhook, event: Json
) -> None:
    """POST one signed event; a failure is recorded, never raised."""
    body = orjson.dumps(event)
    headers = svix_headers(
        webhook.secret, body, message_id=hub.message_id(), timestamp=int(time.time())
    )
    status: int | None = None
    try:
        async with session.post(
            webhook.url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
        ) as response:
            status = response.status
    except aiohttp.ClientError, TimeoutError:
        status = None
    hub.deliveries.append(Delivery(url=webhook.url, event_type=event["event_type"], status=status))


def start_delivering(hub: WebhookHub) -> Callable[[], Awaitable[None]]:
    """Deliver events as tasks on the running loop; returns the coroutine function that stops."""
    session = aiohttp.ClientSession()
    tasks: set[asyncio.Task[None]] = set()

    def send(webhook: Webhook, event: Json) -> None:
        task = asyncio.get_running_loop().create_task(deliver(session, hub, webhook, event))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    hub.send = send

    async def stop() -> None:
        hub.send = None
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await session.close()

    return stop
