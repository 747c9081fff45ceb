"""Errors raised by the ParqEx and Seam clients.

Every failure of a request ends as one of these, so callers catch `ApiError` and nothing else.
Messages never contain credentials: they are built only from status codes, service error types
and service messages.
"""

from __future__ import annotations


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
    """The service does not know the requested object (404), e.g. a Seam user identity."""


class ServiceUnavailableError(ApiError):
    """The service could not be reached or failed (5xx, timeout, connection error)."""


class InvalidResponseError(ApiError):
    """The service answered with a body that is not the documented shape."""


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
