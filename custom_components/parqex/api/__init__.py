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
    DoorCommandError,
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
from .parqex.client import (
    PARQEX_DEFAULT_URL,
    PARQEX_SCOPES,
    AccessToken,
    ParqexClient,
    async_request_token,
    authorize_url,
)
from .parqex.models import ParqexAccount, ParqexController, ParqexDoor, ParqexToken, ParqexUser
from .seam.client import SEAM_DEFAULT_URL, SeamClient, async_confirm_action_attempt
from .seam.models import SeamActionAttempt, SeamDevice, SeamDeviceError, SeamDevices
from .seam.webhooks import (
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
from .transport import validate_base_url, validate_credential

__all__ = [
    "EVENT_TYPES",
    "PARQEX_DEFAULT_URL",
    "PARQEX_SCOPES",
    "SEAM_DEFAULT_URL",
    "AccessToken",
    "ActionAttemptFailedError",
    "ActionAttemptTimeoutError",
    "ActionAttemptUnconfirmedError",
    "ApiError",
    "AuthenticationError",
    "DeliveryTooLargeError",
    "DoorCommandError",
    "InsecureUrlError",
    "InvalidCredentialsError",
    "InvalidResponseError",
    "NotFoundError",
    "ParqexAccount",
    "ParqexClient",
    "ParqexController",
    "ParqexDoor",
    "ParqexToken",
    "ParqexUser",
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
    "async_request_token",
    "authorize_url",
    "decode_secret",
    "parse_event",
    "read_delivery",
    "scrub",
    "validate_base_url",
    "validate_credential",
    "verify_delivery",
]
