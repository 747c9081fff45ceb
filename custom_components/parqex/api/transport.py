"""The one place where the clients talk HTTP: URL checks, timeouts and error mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import ipaddress
import logging
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
import msgspec

from .errors import (
    AuthenticationError,
    InsecureUrlError,
    InvalidResponseError,
    NotFoundError,
    RateLimitError,
    RequestRejectedError,
    ServiceUnavailableError,
)
from .models import Model

_LOGGER = logging.getLogger(__package__)

DEFAULT_TIMEOUT: Final = 10.0
# Seam tags every answer with this id; support asks for it.
SEAM_REQUEST_ID_HEADER: Final = "seam-request-id"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise `InsecureUrlError`.

    Credentials may only travel over TLS; plain http is allowed to this machine alone, which is
    where the simulator and test servers live.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        raise InsecureUrlError(f"Not a usable service URL: {url!r}")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return url.rstrip("/")
    raise InsecureUrlError(
        f"Refusing {parts.scheme}://{host}: use https, or http to a loopback address only"
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header in either of its forms (seconds or a date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _ServiceError(Model, frozen=True):
    type: str | None = None
    message: str | None = None


class _ErrorAnswer(Model, frozen=True):
    error: _ServiceError | None = None


_ERROR_ANSWER: Final = msgspec.json.Decoder(_ErrorAnswer)


def _service_error(body: bytes) -> tuple[str | None, str | None]:
    """Seam's `{"error": {"type", "message"}}`; (None, None) for any other body."""
    try:
        error = _ERROR_ANSWER.decode(body).error
    except msgspec.DecodeError:
        return None, None
    return (error.type, error.message) if error else (None, None)


def _raise_for_status(
    service: str, status: int, headers: Any, body: bytes, auth_marker: bytes | None
) -> None:
    if status < 300:
        return
    if auth_marker is not None and auth_marker in body:
        raise AuthenticationError(f"{service} refused the credentials (HTTP {status})")
    error_type, message = _service_error(body)
    detail = f"{service} answered HTTP {status}"
    if error_type or message:
        detail += f" ({': '.join(part for part in (error_type, message) if part)})"
    request_id = headers.get(SEAM_REQUEST_ID_HEADER)
    if request_id:
        detail += f" [request id {request_id}]"
    if status in (401, 403):
        raise AuthenticationError(detail)
    if status == 429:
        raise RateLimitError(detail, parse_retry_after(headers.get("Retry-After")))
    if status == 404:
        raise NotFoundError(detail)
    if status >= 500:
        raise ServiceUnavailableError(detail)
    if 300 <= status < 400:
        # Redirects are never followed: the Authorization header must not reach another host.
        raise InvalidResponseError(f"{service} answered with a redirect (HTTP {status})")
    raise RequestRejectedError(detail, error_type)


async def request(
    session: aiohttp.ClientSession,
    service: str,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    timeout: float,
    auth_marker: bytes | None = None,
) -> bytes:
    """Send one request; return the raw body of a 2xx answer, or raise an `ApiError`.

    `auth_marker` is text that, in an error body, means the credentials were refused whatever
    the status code says.
    """
    try:
        async with session.request(
            method,
            url,
            headers=headers,
            data=body,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            payload = await response.read()
            status, response_headers = response.status, response.headers
    except TimeoutError as err:
        raise ServiceUnavailableError(f"{service} did not answer within {timeout:g} s") from err
    except aiohttp.ClientError as err:
        # The aiohttp message names the host and the failure, never request headers.
        raise ServiceUnavailableError(f"Cannot reach {service}: {type(err).__name__}") from err
    _raise_for_status(service, status, response_headers, payload, auth_marker)
    return payload
