"""Seam webhook deliveries: Svix signature checks and the events they carry.

Seam sends events through Svix. A delivery is genuine when `svix-signature` holds
`v1,<base64 HMAC-SHA256>` of `"{svix-id}.{svix-timestamp}.{body}"` keyed with the base64 part of
the `whsec_` secret, and its timestamp is close to now (old deliveries may be replays).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
import hashlib
import hmac
import time
from typing import Final

import aiohttp
import msgspec

from ..decoding import Identifier, Model, decode
from ..errors import ApiError
from ..transport import read_bounded

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
    "device.added",
    "device.unmanaged.converted_to_managed",
    "access_grant.access_granted_to_door",
    "access_grant.access_granted_to_all_doors",
    "connected_account.disconnected",
    "connected_account.completed_first_sync",
    "connected_account.completed_first_sync_after_reconnection",
    "action_attempt.lock_door.succeeded",
    "action_attempt.lock_door.failed",
    "action_attempt.unlock_door.succeeded",
    "action_attempt.unlock_door.failed",
    "thermostat.manually_adjusted",
    "thermostat.climate_preset_activated",
    "thermostat.temperature_changed",
    "thermostat.temperature_reached_set_point",
    "thermostat.temperature_threshold_exceeded",
    "thermostat.temperature_threshold_no_longer_exceeded",
    "noise_sensor.noise_threshold_triggered",
    "lock.access_denied",
    "access_code.created",
    "access_code.changed",
    "access_code.deleted",
    "access_code.set_on_device",
    "access_code.removed_from_device",
    "access_code.failed_to_set_on_device",
)


class WebhookVerificationError(ApiError):
    """A delivery that is not provably from Seam, or not fresh."""


class DeliveryTooLargeError(WebhookVerificationError):
    """A delivery larger than any Seam event; it was not read further."""


async def read_delivery(
    content: aiohttp.StreamReader, declared_length: int | None, limit: int = MAX_BODY_BYTES
) -> bytes:
    """The whole body of a delivery, however many pieces it arrives in, up to `limit` bytes.

    The signature covers the whole body, so a body read only as far as it had arrived
    would fail verification. Raises `DeliveryTooLargeError` past the limit.
    """

    def too_large(declared: int | None) -> DeliveryTooLargeError:
        if declared is not None:
            return DeliveryTooLargeError(f"Delivery declares {declared} bytes")
        return DeliveryTooLargeError(f"Delivery is larger than {limit} bytes")

    return await read_bounded(content, declared_length, limit, too_large)


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; raises `WebhookVerificationError` if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise WebhookVerificationError("A Seam webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error, ValueError:
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


class SeamEventReason(Model, frozen=True):
    """Why Seam says something happened (a denied keypad code, say)."""

    reason_code: str | None = None


class SeamEvent(Model, frozen=True):
    """One Seam event, with the fields the integration uses."""

    event_type: Identifier
    event_id: str | None = None
    device_id: str | None = None
    connected_account_id: str | None = None
    method: str | None = None
    access_code_id: str | None = None
    user_identity_id: str | None = None
    battery_level: float | None = None
    battery_status: str | None = None
    # Thermostat events
    hvac_mode_setting: str | None = None
    fan_mode_setting: str | None = None
    heating_set_point_celsius: float | None = None
    heating_set_point_fahrenheit: float | None = None
    cooling_set_point_celsius: float | None = None
    cooling_set_point_fahrenheit: float | None = None
    temperature_celsius: float | None = None
    temperature_fahrenheit: float | None = None
    # `lock.access_denied`
    reason: SeamEventReason | None = None
    # Noise sensor events
    noise_level_decibels: float | None = None
    noise_threshold_id: str | None = None
    noise_threshold_name: str | None = None


class _Delivery(Model, frozen=True):
    # Deliveries carry the event itself; some relays wrap it in `data`.
    event_type: str | None = None
    data: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


_DELIVERY: Final = msgspec.json.Decoder(_Delivery)
_EVENT: Final = msgspec.json.Decoder(SeamEvent)


def parse_event(body: bytes) -> SeamEvent:
    """Read a verified delivery's body; raises `InvalidResponseError` when it is no event."""
    delivery = decode(body, _DELIVERY, "Delivery body")
    if delivery.event_type is None and delivery.data:
        body = delivery.data
    return decode(body, _EVENT, "Delivery event")


class SeamWebhook(Model, frozen=True):
    """A webhook Seam delivers events to."""

    webhook_id: Identifier
    url: str | None = None
    secret: str | None = None

    def __repr__(self) -> str:
        return f"SeamWebhook(webhook_id={self.webhook_id!r}, url={self.url!r})"


class _WebhookAnswer(Model, frozen=True):
    webhook: SeamWebhook


_WEBHOOK_ANSWER: Final = msgspec.json.Decoder(_WebhookAnswer)


def parse_webhook(body: bytes) -> SeamWebhook:
    """Build a `SeamWebhook` from a body carrying `webhook`."""
    return decode(body, _WEBHOOK_ANSWER, "Seam webhook").webhook
