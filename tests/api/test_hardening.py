"""What a hostile or broken service sends is data: bounded, scrubbed, and always an `ApiError`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus
import zlib

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.parqex.api import (
    ActionAttemptFailedError,
    ApiError,
    AuthenticationError,
    InsecureUrlError,
    InvalidCredentialsError,
    InvalidResponseError,
    NotFoundError,
    ParqexClient,
    RequestRejectedError,
    ResponseTooLargeError,
    SeamClient,
    scrub,
    transport,
    validate_base_url,
)
from custom_components.parqex.api.errors import MAX_SERVICE_TEXT, REDACTED
from custom_components.parqex.api.parqex.models import parse_parqex_sync
from custom_components.parqex.api.seam.models import parse_seam_action_attempt, parse_seam_devices
from custom_components.parqex.api.seam.webhooks import parse_event
from custom_components.parqex.api.transport import MAX_RETRY_AFTER, parse_retry_after
from simulator.seeds import DEFAULT_PARQEX_USER, PARQEX_TOGGLE_PATHS, PARQEX_USER_INFO_PATH
from tests.conftest import Simulator

SECRET = "tok/en+with=odd&chars"
API_KEY = "seam_test_key_123"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve(socket_enabled: None) -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start a one-route server on 127.0.0.1 answering every path with `handler`."""
    servers: list[TestServer] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("")).rstrip("/")

    yield start
    for server in servers:
        await server.close()


def test_scrub_removes_secrets_in_every_form() -> None:
    # As sent, URL-encoded the usual ways (a credential has no spaces, so quote_plus adds none).
    forms = sorted({SECRET, quote(SECRET), quote(SECRET, safe=""), quote_plus(SECRET)})
    assert len(forms) == 3
    cleaned = scrub(" | ".join(forms) + "\nforged line", (SECRET,))
    assert cleaned == " | ".join([REDACTED] * 3) + " forged line"
    assert len(scrub("x" * 10_000, ())) == MAX_SERVICE_TEXT
    # An entry without a secret (none stored yet) scrubs nothing rather than everything.
    assert scrub("text", ("",)) == "text"


async def test_an_echoed_secret_never_reaches_the_error(
    serve: Callable[[Handler], Awaitable[str]], http: ClientSession
) -> None:
    async def echo(request: web.Request) -> web.Response:
        sent = request.headers["Authorization"]
        return web.json_response(
            {"error": {"type": f"bad_{API_KEY}", "message": f"rejected {sent}"}},
            status=500,
            headers={"seam-request-id": f"req-{API_KEY}"},
        )

    url = await serve(echo)
    with pytest.raises(ApiError) as caught:
        await SeamClient(http, API_KEY, base_url=url).async_list_accessible_devices("u")
    assert API_KEY not in str(caught.value)
    assert REDACTED in str(caught.value)

    with pytest.raises(ApiError) as caught:
        await ParqexClient(http, SECRET, base_url=url).async_get_devices()
    assert SECRET not in str(caught.value)


async def test_a_failed_command_does_not_repeat_the_key(
    serve: Callable[[Handler], Awaitable[str]], http: ClientSession
) -> None:
    async def failed(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "action_attempt": {
                    "action_attempt_id": "a",
                    "status": "error",
                    "error": {"type": f"t_{API_KEY}", "message": f"key {API_KEY} refused"},
                }
            }
        )

    url = await serve(failed)
    with pytest.raises(ActionAttemptFailedError) as caught:
        await SeamClient(http, API_KEY, base_url=url).async_set_locked("d", True)
    assert API_KEY not in str(caught.value)
    assert caught.value.error_type is not None
    assert API_KEY not in caught.value.error_type


async def test_a_body_declared_too_large_is_refused_unread(
    serve: Callable[[Handler], Awaitable[str]], http: ClientSession
) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(200 * 1024 * 1024)})
        await response.prepare(request)
        await response.write(b'{"devices": [')
        return response

    url = await serve(huge)
    with pytest.raises(ResponseTooLargeError, match="more than 64 MB"):
        await ParqexClient(http, SECRET, base_url=url).async_get_devices()


async def test_reading_stops_at_the_limit(
    serve: Callable[[Handler], Awaitable[str]], http: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1024 * 1024)

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(64):
            await response.write(b" " * 65536)
        return response

    url = await serve(endless)
    with pytest.raises(ResponseTooLargeError):
        await ParqexClient(http, SECRET, base_url=url).async_get_devices()


async def test_a_compression_bomb_stops_at_the_limit(
    serve: Callable[[Handler], Awaitable[str]], http: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    # 64 MB of spaces in about 64 KB.
    bomb = b"".join(compressor.compress(b" " * (1024 * 1024)) for _ in range(64))
    bomb += compressor.flush()
    assert len(bomb) < 200 * 1024

    async def gzipped(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    url = await serve(gzipped)
    with pytest.raises(ResponseTooLargeError):
        await ParqexClient(http, SECRET, base_url=url).async_get_devices()


@pytest.mark.parametrize(
    "parse", [parse_parqex_sync, parse_seam_devices, parse_seam_action_attempt, parse_event]
)
@pytest.mark.parametrize("shape", ["list", "object", "top"])
def test_deep_nesting_is_an_invalid_answer(parse: Callable[[bytes], object], shape: str) -> None:
    depth = 1_000_000
    nested = {
        "list": b'{"devices": ' + b"[" * depth + b"]" * depth + b"}",
        "object": b'{"devices": [{"device_id": "a", "id": "b", "properties": '
        + b'{"x": ' * depth
        + b"1"
        + b"}" * depth
        + b"}]}",
        "top": b"[" * depth + b"]" * depth,
    }[shape]
    with pytest.raises(InvalidResponseError):
        parse(nested)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("²", None),
        ("٣", None),
        ("-5", None),
        ("1.5", None),
        ("99999999999999999999", MAX_RETRY_AFTER),
        ("7200", MAX_RETRY_AFTER),
        ("30", 30.0),
        ("Wed, 21 Oct 2036 07:28:00 GMT", MAX_RETRY_AFTER),
        ("Wed, 21 Oct 99999 07:28:00 GMT", None),
        ("Tue, 01 Jan 2019 00:00:00 GMT", 0.0),
        ("soon", None),
    ],
)
def test_retry_after_is_bounded(header: str, expected: float | None) -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == expected


@pytest.mark.parametrize("credential", ["line\nbreak", "has space", "", "tab\t", "ünicode"])
def test_unsendable_credentials_are_refused_up_front(http: ClientSession, credential: str) -> None:
    with pytest.raises(InvalidCredentialsError):
        ParqexClient(http, credential)
    with pytest.raises(InvalidCredentialsError):
        SeamClient(http, credential)


@pytest.mark.parametrize(
    "url", ["http://[::1", "https://host:99999", "https://host:0", "https://:443", "ftp://x"]
)
def test_malformed_urls_are_insecure_url_errors(url: str) -> None:
    with pytest.raises(InsecureUrlError):
        validate_base_url(url)


async def test_a_request_the_http_library_refuses_is_an_api_error(
    http: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ValueError("Newline or carriage return character detected in HTTP status")

    monkeypatch.setattr(http, "request", refuse)
    with pytest.raises(RequestRejectedError, match="could not be sent"):
        await ParqexClient(http, SECRET, base_url="https://parqex.invalid").async_get_devices()


async def test_not_found_carries_the_service_reason(
    serve: Callable[[Handler], Awaitable[str]], http: ClientSession
) -> None:
    async def not_found(request: web.Request) -> web.Response:
        if request.path.startswith("/user_identities"):
            return web.json_response(
                {"error": {"type": "user_identity_not_found", "message": "no"}}, status=404
            )
        return web.Response(status=404, text="<html>Not Found</html>")

    url = await serve(not_found)
    client = SeamClient(http, API_KEY, base_url=url)
    with pytest.raises(NotFoundError) as caught:
        await client.async_list_accessible_devices("u")
    assert caught.value.error_type == "user_identity_not_found"
    with pytest.raises(NotFoundError) as caught:
        await ParqexClient(http, SECRET, base_url=url).async_get_devices()
    assert caught.value.error_type is None


@pytest.mark.parametrize("path", [PARQEX_USER_INFO_PATH, PARQEX_TOGGLE_PATHS["plural"]])
@pytest.mark.parametrize("callable_token", [False, True])
async def test_new_parqex_requests_never_repeat_the_token(
    simulator: Simulator, http: ClientSession, path: str, callable_token: bool
) -> None:
    """user-info and toggle scrub the token a service echoes, fixed or fetched per request."""
    token = simulator.state.issue_tokens(DEFAULT_PARQEX_USER["id"])["access_token"]

    async def source() -> str:
        return token

    client = ParqexClient(http, source if callable_token else token, base_url=simulator.url)

    async def ask() -> object:
        if path == PARQEX_USER_INFO_PATH:
            return await client.async_get_user()
        return await client.async_toggle("70fc7ebd63d841d9a9f06ff815be1e7c", open_door=True)

    for status in (500, 401, 400):
        simulator.fault(service="parqex", path=path, mode="echo_secret", status=status)
        with pytest.raises(ApiError) as caught:
            await ask()
        assert simulator.state.requests[-1].echoed_secret
        assert token not in str(caught.value)
        assert quote(token, safe="") not in str(caught.value)
        if status == 401:
            assert isinstance(caught.value, AuthenticationError)
    assert simulator.state.toggles == []


@pytest.mark.parametrize("mode", ["huge", "huge_chunked", "bomb"])
async def test_a_huge_toggle_answer_is_refused(
    simulator: Simulator, http: ClientSession, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1024 * 1024)
    simulator.fault(
        service="parqex", path=PARQEX_TOGGLE_PATHS["plural"], mode=mode, size=8 * 1024 * 1024
    )
    client = ParqexClient(http, SECRET, base_url=simulator.url)
    with pytest.raises(ResponseTooLargeError):
        await client.async_toggle("70fc7ebd63d841d9a9f06ff815be1e7c", open_door=True)
