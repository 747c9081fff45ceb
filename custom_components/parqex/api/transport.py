"""The one place where the clients talk HTTP: URL checks, timeouts and error mapping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import ipaddress
import logging
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
import msgspec

from .decoding import Model
from .errors import (
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

_LOGGER = logging.getLogger(__package__)

DEFAULT_TIMEOUT: Final = 10.0
# No answer of either service comes near this once decoded; a larger one is refused unread
# (10,000 Seam devices are about 47 MB).
MAX_ANSWER_BYTES: Final = 64 * 1024 * 1024
_READ_CHUNK: Final = 64 * 1024
# However long a service asks us to wait, we wait at most this long before asking again.
MAX_RETRY_AFTER: Final = 3600.0
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
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise InsecureUrlError("Not a usable service URL") from None
    if not host or port == 0 or parts.username or parts.password or parts.query or parts.fragment:
        raise InsecureUrlError("Not a usable service URL")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return url.rstrip("/")
    raise InsecureUrlError(
        f"Refusing {parts.scheme}://{host}: use https, or http to a loopback address only"
    )


def validate_credential(secret: str) -> str:
    """Return `secret`, or raise `InvalidCredentialsError` if no HTTP header can carry it."""
    if not secret or not all("!" <= char <= "~" for char in secret):
        raise InvalidCredentialsError("The credential holds characters a token never has")
    return secret


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header in either of its forms (seconds or a date).

    Anything else is no advice (None); the wait is capped at `MAX_RETRY_AFTER`.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError, OverflowError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


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
    except msgspec.DecodeError, RecursionError:
        return None, None
    return (error.type, error.message) if error else (None, None)


def status_error(
    service: str,
    status: int,
    headers: Any,
    body: bytes,
    *,
    auth_marker: bytes | None = None,
    secrets: tuple[str, ...] = (),
) -> ApiError | None:
    """The error a non-2xx answer means, None for a 2xx one.

    Returned rather than raised, so the caller can let go of the body first: an exception
    keeps its frames, and their locals, alive for as long as it is kept.
    """
    if status < 300:
        return None
    if auth_marker is not None and auth_marker in body:
        return AuthenticationError(f"{service} refused the credentials (HTTP {status})")
    error_type, message = _service_error(body)
    error_type = scrub(error_type, secrets) if error_type else None
    detail = f"{service} answered HTTP {status}"
    if error_type or message:
        text = ": ".join(part for part in (error_type, message) if part)
        detail += f" ({scrub(text, secrets)})"
    request_id = headers.get(SEAM_REQUEST_ID_HEADER)
    if request_id:
        detail += f" [request id {scrub(request_id, secrets)}]"
    if status in (401, 403):
        return AuthenticationError(detail)
    if status == 429:
        return RateLimitError(detail, parse_retry_after(headers.get("Retry-After")))
    if status == 404:
        return NotFoundError(detail, error_type)
    if status >= 500:
        return ServiceUnavailableError(detail)
    if 300 <= status < 400:
        # Redirects are never followed: the Authorization header must not reach another host.
        return InvalidResponseError(f"{service} answered with a redirect (HTTP {status})")
    return RequestRejectedError(detail, error_type)


async def read_bounded(
    content: aiohttp.StreamReader,
    declared_length: int | None,
    limit: int,
    too_large: Callable[[int | None], ApiError],
) -> bytes:
    """A whole body, however many pieces it arrives in; refused past `limit` bytes.

    A declared length over the limit is refused before anything is read. Otherwise the bytes
    are counted as they arrive (decoded ones, for a compressed answer), so a small body that
    would expand to gigabytes stops at the limit. `too_large` builds the error from the
    declared length, None when it was the counting that stopped.
    """
    if declared_length is not None and declared_length > limit:
        raise too_large(declared_length)
    chunks: list[bytes] = []
    size = 0
    while chunk := await content.read(min(_READ_CHUNK, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            chunks.clear()
            raise too_large(None)
        chunks.append(chunk)
        # Reading what is already buffered does not wait, and a compressed answer refills
        # the buffer as fast as it is read: let the event loop run between chunks.
        await asyncio.sleep(0)
    return b"".join(chunks)


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
    secrets: tuple[str, ...] = (),
) -> bytes:
    """Send one request; return the raw body of a 2xx answer, or raise an `ApiError`.

    `auth_marker` is text that, in an error body, means the credentials were refused whatever
    the status code says. `secrets` are scrubbed from any service text an error repeats.
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
            payload = await read_bounded(
                response.content,
                response.content_length,
                MAX_ANSWER_BYTES,
                lambda _: ResponseTooLargeError(
                    f"{service} answered with more than {MAX_ANSWER_BYTES // (1024 * 1024)} MB"
                ),
            )
            status, response_headers = response.status, response.headers
    except TimeoutError as err:
        raise ServiceUnavailableError(f"{service} did not answer within {timeout:g} s") from err
    except aiohttp.ClientError as err:
        # The aiohttp message names the host and the failure, never request headers.
        raise ServiceUnavailableError(f"Cannot reach {service}: {type(err).__name__}") from err
    except ValueError as err:
        # aiohttp refuses a header value or URL it cannot send; the value is not repeated.
        raise RequestRejectedError(f"{service} request could not be sent") from err
    error = status_error(
        service, status, response_headers, payload, auth_marker=auth_marker, secrets=secrets
    )
    if error is not None:
        del payload
        raise error
    return payload
