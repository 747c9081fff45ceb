"""Seam webhook deliveries: Svix signature checks and the events they carry.

Seam sends events through Svix. A delivery is genuine when `svix-signature` holds
`v1,<base64 HMAC-SHA256>` of `"{svix-id}.{svix-timestamp}.{body}"` keyed with the base64 part of
the `whsec_` secret, and its timestamp is close to now (old deliveries may be replays).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
import hashlib
import hmac
import time
from typing import Any, Final

import orjson

from .errors import ApiError, InvalidResponseError
from .models import MalformedObjectError, optional_number, optional_str, required_str

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 (a prefix, not a secret)
TIMESTAMP_TOLERANCE: Final = 300
MAX_BODY_BYTES: Final = 64 * 1024
# The events the integration acts on; Seam sends nothing else to a webhook it created.
EVENT_TYPES: Final = (
    "lock.locked",
    "lock.unlocked",
    "device.connected",
    "device.disconnected",
    "device.low_battery",
    "device.battery_status_changed",
    "device.removed",
    "device.tampered",
    "connected_account.disconnected",
    "action_attempt.lock_door.succeeded",
    "action_attempt.lock_door.failed",
    "action_attempt.unlock_door.succeeded",
    "action_attempt.unlock_door.failed",
)


class WebhookVerificationError(ApiError):
    """A delivery that is not provably from Seam, or not fresh."""


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; raises `WebhookVerificationError` if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise WebhookVerificationError("A Seam webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("The webhook secret is not valid base64") from None
    if not key:
        raise WebhookVerificationError("The webhook secret is empty")
    return key


def verify_delivery(
    key: bytes, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> str:
    """Check a delivery's signature and age; return its `svix-id`.

    Raises `WebhookVerificationError` naming the check that failed (never the secret).
    """
    delivery_id = headers.get("svix-id", "")
    timestamp = headers.get("svix-timestamp", "")
    signatures = headers.get("svix-signature", "")
    if not delivery_id or not timestamp.isdigit() or not signatures:
        raise WebhookVerificationError("Delivery lacks the Svix headers")
    if abs((time.time() if now is None else now) - int(timestamp)) > TIMESTAMP_TOLERANCE:
        raise WebhookVerificationError("Delivery timestamp is too far from now")
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return delivery_id
    raise WebhookVerificationError("Delivery signature does not match the secret")


@dataclass(frozen=True, slots=True, kw_only=True)
class SeamEvent:
    """One Seam event, with the fields the integration uses."""

    event_id: str | None
    event_type: str
    device_id: str | None
    method: str | None
    access_code_id: str | None
    user_identity_id: str | None
    battery_level: float | None
    battery_status: str | None


def parse_event(body: bytes) -> SeamEvent:
    """Read a verified delivery's body; raises `InvalidResponseError` when it is no event."""
    try:
        raw: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidResponseError("Delivery body is not JSON") from None
    # Deliveries carry the event itself; some relays wrap it in `data`.
    if type(raw) is dict and "event_type" not in raw and type(raw.get("data")) is dict:
        raw = raw["data"]
    if type(raw) is not dict:
        raise InvalidResponseError("Delivery body is not an event")
    try:
        return SeamEvent(
            event_id=optional_str(raw, "event_id"),
            event_type=required_str(raw, "event_type"),
            device_id=optional_str(raw, "device_id"),
            method=optional_str(raw, "method"),
            access_code_id=optional_str(raw, "access_code_id"),
            user_identity_id=optional_str(raw, "user_identity_id"),
            battery_level=optional_number(raw, "battery_level"),
            battery_status=optional_str(raw, "battery_status"),
        )
    except MalformedObjectError as err:
        raise InvalidResponseError(f"Event has a malformed {err}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class SeamWebhook:
    """A webhook Seam delivers events to."""

    webhook_id: str
    url: str | None
    secret: str | None

    def __repr__(self) -> str:
        return f"SeamWebhook(webhook_id={self.webhook_id!r}, url={self.url!r})"


def parse_webhook(payload: Any) -> SeamWebhook:
    """Build a `SeamWebhook` from a body carrying `webhook`."""
    raw = payload.get("webhook") if type(payload) is dict else None
    if type(raw) is not dict:
        raise InvalidResponseError("Seam answer has no webhook")
    try:
        return SeamWebhook(
            webhook_id=required_str(raw, "webhook_id"),
            url=optional_str(raw, "url"),
            secret=optional_str(raw, "secret"),
        )
    except MalformedObjectError as err:
        raise InvalidResponseError(f"Seam webhook has a malformed {err}") from None
