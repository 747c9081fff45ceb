"""Async clients for the ParqEx and Seam cloud APIs.

This package imports nothing from Home Assistant: it needs only aiohttp and msgspec, and takes
the caller's `aiohttp.ClientSession`.
"""

from .errors import (
    ActionAttemptFailedError,
    ActionAttemptTimeoutError,
    ActionAttemptUnconfirmedError,
    ApiError,
    AuthenticationError,
    InsecureUrlError,
    InvalidCredentialsError,
    InvalidResponseError,
    NotFoundError,
    RateLimitError,
    RequestRejectedError,
    ResponseTooLargeError,
    ServiceUnavailableError,
    scrub,
)
from .models import (
    ParqexAccount,
    ParqexController,
    ParqexDoor,
    SeamActionAttempt,
    SeamDevice,
    SeamDeviceError,
    SeamDevices,
)
from .parqex import PARQEX_DEFAULT_URL, ParqexClient
from .seam import SEAM_DEFAULT_URL, SeamClient, async_confirm_action_attempt
from .transport import validate_base_url, validate_credential
from .webhooks import (
    EVENT_TYPES,
    DeliveryTooLargeError,
    SeamEvent,
    SeamWebhook,
    WebhookVerificationError,
    decode_secret,
    parse_event,
    read_delivery,
    verify_delivery,
)

__all__ = [
    "EVENT_TYPES",
    "PARQEX_DEFAULT_URL",
    "SEAM_DEFAULT_URL",
    "ActionAttemptFailedError",
    "ActionAttemptTimeoutError",
    "ActionAttemptUnconfirmedError",
    "ApiError",
    "AuthenticationError",
    "DeliveryTooLargeError",
    "InsecureUrlError",
    "InvalidCredentialsError",
    "InvalidResponseError",
    "NotFoundError",
    "ParqexAccount",
    "ParqexClient",
    "ParqexController",
    "ParqexDoor",
    "RateLimitError",
    "RequestRejectedError",
    "ResponseTooLargeError",
    "SeamActionAttempt",
    "SeamClient",
    "SeamDevice",
    "SeamDeviceError",
    "SeamDevices",
    "SeamEvent",
    "SeamWebhook",
    "ServiceUnavailableError",
    "WebhookVerificationError",
    "async_confirm_action_attempt",
    "decode_secret",
    "parse_event",
    "read_delivery",
    "scrub",
    "validate_base_url",
    "validate_credential",
    "verify_delivery",
]
