"""Errors raised by the ParqEx and Seam clients.

Every failure of a request ends as one of these, so callers catch `ApiError` and nothing else.
Messages never contain credentials: they are built from status codes and from service text that
`scrub` has cleaned of the caller's secrets and cut to a bounded length.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import quote, quote_plus

REDACTED: Final = "**REDACTED**"
# Service text longer than this is cut: it ends up in logs, the UI and repair issues.
MAX_SERVICE_TEXT: Final = 300


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` from a service, made safe to show: secrets removed, one line, bounded length.

    Services and proxies may echo the credential they refused, also URL-encoded. Control
    characters go too, so a message cannot forge log lines.
    """
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, REDACTED)
    text = "".join(char if char.isprintable() else " " for char in text)
    if len(text) > MAX_SERVICE_TEXT:
        text = text[: MAX_SERVICE_TEXT - 1] + "…"
    return text


class ApiError(Exception):
    """Base of every error the clients raise."""


class InsecureUrlError(ApiError, ValueError):
    """A base URL that is neither https nor http to a loopback host."""


class AuthenticationError(ApiError):
    """The access token or API key was refused (401, 403, or "Invalid Access Token")."""


class RateLimitError(ApiError):
    """The service asked us to slow down (429).

    `retry_after` is the number of seconds the service asked us to wait, or None when it did
    not say.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFoundError(ApiError):
    """The service does not know the requested object (404), e.g. a Seam user identity.

    `error_type` is the service's reason when it gave one (Seam: `user_identity_not_found`);
    a 404 without one usually means the service URL is not the service's.
    """

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type


class InvalidCredentialsError(AuthenticationError):
    """A token or key that cannot be sent at all (it holds spaces or control characters)."""


class ServiceUnavailableError(ApiError):
    """The service could not be reached or failed (5xx, timeout, connection error)."""


class InvalidResponseError(ApiError):
    """The service answered with a body that is not the documented shape."""


class ResponseTooLargeError(InvalidResponseError):
    """An answer larger than the clients accept; it was not read further."""


class RequestRejectedError(ApiError):
    """The service refused the request for another reason (e.g. Seam 400 `invalid_input`).

    `error_type` is the service's machine-readable reason when it gave one.
    """

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type


class ActionAttemptFailedError(ApiError):
    """Seam reported that a lock or unlock command failed on the device."""

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type


class ActionAttemptTimeoutError(ApiError):
    """A lock or unlock command was not confirmed before the deadline."""


class ActionAttemptUnconfirmedError(ApiError):
    """Seam accepted a command, but following it to its end failed.

    The device may already have moved: its state must be read again. The failure that
    interrupted the follow-up is the `__cause__`.
    """


class DoorCommandError(ApiError):
    """ParqEx refused to open or close a door; `reason` says why.

    `sensor_required` (the controller needs a paired door sensor), `malformed`,
    `not_implemented`, `controller_offline`, or `unknown`.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
