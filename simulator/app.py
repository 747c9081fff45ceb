"""The simulator's HTTP face: ParqEx and Seam routes, and the `/_simulator/` control API.

ParqEx: `GET /oauth/v1/endpoints/sync` and `GET /oauth/v1/endpoints/user-info`; toggling with
`POST /oauth/v1/endpoints/toggle` (or `/oauth/v1/endpoint/toggle`, per the `toggle_path`
setting) and who toggled what with `GET /oauth/v1/endpoints/toggle-history` (see
`simulator.parqex_history`); OAuth 2.0 with `GET /oauth/v2/endpoints/authorization/` (a
sign-in page; with `approve=yes` a 302 to the redirect URL with `code` and `state`) and
`/oauth/v2/endpoints/token/` (GET with a query, or POST with a form; both paths also without
the slash). The seeded client, users and tokens are in `simulator.seeds`.

The control API (JSON in and out, under `/_simulator`): `GET /state`, `POST /reset`,
`POST /generate`; ParqEx controllers and doors and Seam devices under `/parqex/...` and
`/seam/...`; `GET`/`POST /parqex/settings` (any of `token_lifetime`, `travel_time`,
`toggle_failure`, `toggle_path`, `door_stuck`, `authorizing_user`; answers all of them),
`POST /parqex/oauth/clients` (`client_id`, `client_secret`, `redirect_uris`, `local_redirects`),
`POST /parqex/oauth/clients/{client_id}/redirect_uris` (`redirect_uri`),
`POST /parqex/oauth/tokens` (tokens for `user_id` without the sign-in, as the token endpoint
answers), `DELETE /parqex/oauth/tokens` (revoke every code and token issued),
`POST /parqex/oauth/expire` (every access token issued expires now), `GET /parqex/toggles`
(the API's toggles), `GET /parqex/toggle-history` (every door's history, oldest first),
`POST /parqex/doors/{door_id}/operate` (someone opens or closes a door from the app or by the
wall button: see `SimulatorState.operate_door`);
`POST /seam/actions` (how commands end: an `ActionSettings`'s fields, for every command or,
with `action_types`, for those only), `POST /seam/events`, `GET /seam/deliveries`;
`POST /faults` (a `Fault`'s fields, see `simulator.state.Fault`) and `DELETE /faults`;
`GET /requests` (the request log, with what each request was answered) and `DELETE /requests`;
`POST /gzip` with `{"parqex": bool, "seam": bool}` (either or both: whether that service gzips
its 200 answers for clients that accept gzip; ParqEx does, Seam does not, until changed or
reset). `POST /reset` also restores every ParqEx setting and OAuth client.
`POST /seam/devices/{device_id}` changes a device as if from the wall: see
`SimulatorState.update_device` for how thermostats and noise sensors follow and what they send.
`POST /seam/devices/{device_id}/keypad` with `{"code": "1234"}` types a code on a lock's keypad:
it unlocks for a code the lock holds, else refuses it; the answer says which
(`access_granted`, `reason_code`, `access_code_id`, `locked`).

Seam (API key as bearer): `/user_identities/list_accessible_devices`, `/devices/get`,
`/locks/lock_door`, `/locks/unlock_door`, `/locks/configure_auto_lock`, `/action_attempts/get`,
`/webhooks/{create, delete, list}`; access codes: `/access_codes/{list, get, create, update,
delete}` (create, update and delete answer an action attempt) and
`/access_codes/unmanaged/list`; thermostats: `/thermostats/{heat, cool, heat_cool, off,
set_hvac_mode, set_fan_mode, activate_climate_preset}` (each answers an action attempt) and the
sandbox's `/thermostats/simulate/{hvac_mode_adjusted, temperature_reached}`; noise sensors:
`/noise_sensors/noise_thresholds/list` and `/noise_sensors/simulate/trigger_noise_threshold`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
import functools
import gzip
import html
import struct
import time
from typing import Any, Final
from urllib.parse import quote, urlencode
import uuid
import zlib

from aiohttp import web
import orjson

from .access_codes import AccessCode, page, plan_create, plan_update
from .parqex_history import HistoryQueryError, parqex_time
from .seeds import (
    DEFAULT_PARQEX_CLIENT_ID,
    DEFAULT_PARQEX_USER,
    PARQEX_AUTHORIZE_PATH,
    PARQEX_SYNC_PATH,
    PARQEX_TOGGLE_HISTORY_PATH,
    PARQEX_TOGGLE_PATHS,
    PARQEX_TOKEN_PATH,
    PARQEX_USER_INFO_PATH,
    Json,
)
from .state import (
    BOMB_ANSWER_BYTES,
    HUGE_ANSWER_BYTES,
    Fault,
    LoggedRequest,
    SimulatorError,
    SimulatorState,
)
from .thermostats import (
    ClimateChange,
    InvalidInput,
    fan_change,
    mode_change,
    preset_change,
    required,
    scaled,
)
from .webhooks import is_loopback_url, start_delivering

STATE_KEY: Final = web.AppKey("state", SimulatorState)
# ParqEx requires all five; a missing one is answered "Invalid Access Token".
PARQEX_REQUIRED_HEADERS: Final = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip",
    "Accept-Charset": "utf-8",
    "Content-Type": "application/json",
}

SEAM_REQUEST_ID_HEADER: Final = "seam-request-id"
# The modes Seam's sandbox can pretend someone set at the thermostat (eco is not one).
SIMULATED_HVAC_MODES: Final = ("off", "heat", "cool", "heat_cool")
# What every oversized answer is made of: this, spaces, then `]}` (valid JSON if read whole).
HUGE_HEAD: Final = b'{"devices": ['
HUGE_TAIL: Final = b"]}"
_BLOCK: Final = 1024 * 1024
_SPACES: Final = b" " * _BLOCK
# A gzip member header: deflate, no name or time, maximum compression, unknown system.
_GZIP_HEADER: Final = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
# Compressed blocks of the bomb written at once: 64 MB decoded in about 64 KB.
_BOMB_BLOCKS_PER_WRITE: Final = 64

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
type SeamHandler = Callable[[web.Request, Json], Awaitable[web.Response]]


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def _json_body(request: web.Request, service: str, body: bytes) -> web.Response:
    """A 200 JSON answer, gzip-encoded if the service is set to and the client accepts it."""
    gzip_on = request.app[STATE_KEY].gzip_answers[service]
    if gzip_on and "gzip" in request.headers.get("Accept-Encoding", ""):
        return web.Response(
            body=gzip.compress(body, compresslevel=5),
            content_type="application/json",
            headers={"Content-Encoding": "gzip"},
        )
    return web.Response(body=body, content_type="application/json")


def _seam_ok(request: web.Request, data: Json) -> web.Response:
    return _json_body(request, "seam", orjson.dumps(data))


def _seam_error(status: int, error_type: str, message: str, **headers: str) -> web.Response:
    return _json(
        {"error": {"type": error_type, "message": message}, "ok": False},
        status,
        {SEAM_REQUEST_ID_HEADER: str(uuid.uuid4()), **headers},
    )


def _invalid_access_token() -> web.Response:
    return _json({"error": "Invalid Access Token"}, 401)


def _bearer(request: web.Request) -> str:
    """The credential of the request's `Authorization: Bearer ...` header (or the whole value)."""
    value = request.headers.get("Authorization", "")
    scheme, _, credential = value.partition(" ")
    return credential if scheme.lower() == "bearer" else value


def _echo_secret(fault: Fault, logged: LoggedRequest, secret: str) -> web.Response:
    """An error answer that repeats `secret`, as sent and URL-encoded, as careless services do."""
    encoded = quote(secret, safe="")
    message = f"Internal error while handling credential {secret} (encoded: {encoded})"
    body: Json = (
        {"error": {"type": "internal_server_error", "message": message}, "ok": False}
        if logged.service == "seam"
        else {"error": message}
    )
    logged.echoed_secret = bool(secret)
    return _json(
        body, fault.status, {SEAM_REQUEST_ID_HEADER: f"req_{secret}_{encoded}", **fault.headers}
    )


async def _write(
    response: web.StreamResponse, logged: LoggedRequest, data: bytes | memoryview
) -> None:
    await response.write(data)
    logged.body_bytes += len(data)


async def _huge(
    request: web.Request, fault: Fault, logged: LoggedRequest, *, chunked: bool
) -> web.StreamResponse:
    """`{"devices": [` and spaces up to `fault.size` bytes, streamed a megabyte at a time."""
    size = max(fault.size or HUGE_ANSWER_BYTES, len(HUGE_HEAD) + len(HUGE_TAIL))
    response = web.StreamResponse()
    response.content_type = "application/json"
    if chunked:
        response.enable_chunked_encoding()
    else:
        response.content_length = size
    logged.status = response.status
    await response.prepare(request)
    padding = size - len(HUGE_HEAD) - len(HUGE_TAIL)
    spaces = memoryview(_SPACES)
    # A client that gives up closes the connection; the rest is not sent.
    with contextlib.suppress(ConnectionError):
        await _write(response, logged, HUGE_HEAD)
        while padding:
            piece = spaces[: min(padding, _BLOCK)]
            await _write(response, logged, piece)
            padding -= len(piece)
        await _write(response, logged, HUGE_TAIL)
        await response.write_eof()
    return response


@dataclass(frozen=True, slots=True)
class GzipBomb:
    """A gzip stream of `size` decoded bytes, kept as the few pieces it repeats.

    The stream is `start`, `count` times `block` (each a megabyte of spaces), then `end` (the
    last spaces, `]}`, and the gzip trailer with the CRC and the size).
    """

    size: int
    start: bytes
    block: bytes
    count: int
    end: bytes
    # `_BOMB_BLOCKS_PER_WRITE` blocks, written at once.
    batch: bytes

    @property
    def length(self) -> int:
        """Bytes of the compressed stream."""
        return len(self.start) + self.count * len(self.block) + len(self.end)

    def chunks(self) -> list[bytes]:
        """The stream in the order to send it; the batch is the same object each time."""
        batches, rest = divmod(self.count, _BOMB_BLOCKS_PER_WRITE)
        return [self.start, *([self.batch] * batches), self.block * rest, self.end]


@functools.cache
def gzip_bomb(size: int) -> GzipBomb:
    """The gzip answer that decodes to `size` bytes of `{"devices": [`, spaces, `]}`.

    After a full flush the compressor has forgotten everything before it, so a megabyte of
    spaces always compresses to the same kilobyte and may be repeated: only one block is ever
    compressed. The CRC of the decoded stream is the one costly part (half a second for 2 GB);
    it is computed once per size.
    """
    size = max(size, len(HUGE_HEAD) + len(HUGE_TAIL))
    count, rest = divmod(size - len(HUGE_HEAD) - len(HUGE_TAIL), _BLOCK)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = _GZIP_HEADER + deflate.compress(HUGE_HEAD) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(_SPACES) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = b" " * rest + HUGE_TAIL
    crc = zlib.crc32(HUGE_HEAD)
    for _ in range(count):
        crc = zlib.crc32(_SPACES, crc)
    crc = zlib.crc32(last, crc)
    end = deflate.compress(last) + deflate.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF)
    return GzipBomb(
        size=size,
        start=start,
        block=block,
        count=count,
        end=end,
        batch=block * _BOMB_BLOCKS_PER_WRITE,
    )


async def _bomb(request: web.Request, fault: Fault, logged: LoggedRequest) -> web.StreamResponse:
    """A small gzip answer that decodes to `fault.size` bytes."""
    bomb = await asyncio.to_thread(gzip_bomb, fault.size or BOMB_ANSWER_BYTES)
    response = web.StreamResponse(headers={"Content-Encoding": "gzip"})
    response.content_type = "application/json"
    response.content_length = bomb.length
    logged.status, logged.encoding = response.status, "gzip"
    await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        for chunk in bomb.chunks():
            await _write(response, logged, chunk)
        await response.write_eof()
    return response


async def _apply_fault(
    request: web.Request,
    fault: Fault,
    answer: Callable[[], Awaitable[web.Response]],
    logged: LoggedRequest,
) -> web.StreamResponse:
    if fault.mode == "hang":
        await asyncio.sleep(fault.delay)
        return await answer()
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.mode == "status":
        return web.Response(
            body=fault.body.encode(),
            status=fault.status,
            headers=fault.headers,
            content_type="application/json",
        )
    if fault.mode == "redirect":
        raise web.HTTPFound(fault.location)
    if fault.mode == "not_json":
        return web.Response(
            text="<html>Service temporarily degraded</html>", content_type="text/html"
        )
    if fault.mode == "wrong_shape":
        return _json([{"devices": []}])
    if fault.mode == "truncated":
        real = await answer()
        body = real.body if isinstance(real.body, bytes) else b""
        if real.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return web.Response(body=body[: len(body) // 2], content_type="application/json")
    if fault.mode == "disconnect":
        # Headers and part of the body, then the connection drops: the client cannot mistake
        # it for a connection that was merely stale and retry.
        partial = web.StreamResponse(headers={"Content-Length": "4096"})
        partial.content_type = "application/json"
        logged.status = partial.status
        await partial.prepare(request)
        await _write(partial, logged, HUGE_HEAD)
        if request.transport is not None:
            request.transport.close()
        return partial
    if fault.mode == "echo_secret":
        return _echo_secret(fault, logged, _bearer(request))
    if fault.mode in ("huge", "huge_chunked"):
        return await _huge(request, fault, logged, chunked=fault.mode == "huge_chunked")
    if fault.mode == "bomb":
        return await _bomb(request, fault, logged)
    if fault.mode == "deep_nesting":
        nested = b"[" * fault.depth + b"]" * fault.depth
        return web.Response(body=b'{"devices": ' + nested + b"}", content_type="application/json")
    raise web.HTTPBadRequest(text=f"unknown fault mode {fault.mode}")


def _service_route(service: str, handler: Handler) -> Handler:
    """Log the request, then apply a pending fault or answer normally; log the answer."""

    async def route(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE_KEY]
        logged = state.log_request(
            service, request.method, request.path, request.headers, request.query
        )
        if logged is None:
            return web.Response(status=503, text="simulator request budget exhausted")
        fault = state.take_fault(service, request.path)

        async def answer() -> web.Response:
            response = await handler(request)
            assert isinstance(response, web.Response)
            return response

        state.in_flight[service] += 1
        state.max_in_flight[service] = max(state.max_in_flight[service], state.in_flight[service])
        try:
            if fault is not None:
                logged.fault = fault.mode
                response = await _apply_fault(request, fault, answer, logged)
            else:
                response = await answer()
        except web.HTTPException as err:
            logged.status = err.status
            raise
        finally:
            state.in_flight[service] -= 1
        # Streamed answers (already sent) noted their own.
        if not response.prepared:
            logged.status = response.status
            logged.encoding = response.headers.get("Content-Encoding")
            body = response.body if isinstance(response, web.Response) else None
            logged.body_bytes = len(body) if isinstance(body, bytes) else 0
        return response

    return route


def _parqex_user(request: web.Request) -> Json | None:
    """The user of a ParqEx API request: all five headers and a good token; else None."""
    headers = request.headers
    for name, value in PARQEX_REQUIRED_HEADERS.items():
        if value not in headers.get(name, ""):
            return None
    return request.app[STATE_KEY].parqex_user(headers.get("Authorization", ""))


async def parqex_sync(request: web.Request) -> web.StreamResponse:
    """`GET /oauth/v1/endpoints/sync`."""
    if _parqex_user(request) is None:
        return _invalid_access_token()
    return _json_body(request, "parqex", orjson.dumps(request.app[STATE_KEY].parqex_sync()))


def _parqex_data(request: web.Request, data: Json) -> web.Response:
    """ParqEx's answer carrying `data`."""
    answer = {"success": True, "timestamp": parqex_time(time.time()), "data": data}
    return _json_body(request, "parqex", orjson.dumps(answer))


async def parqex_user_info(request: web.Request) -> web.StreamResponse:
    """`GET /oauth/v1/endpoints/user-info`: the token's user."""
    user = _parqex_user(request)
    if user is None:
        return _invalid_access_token()
    return _parqex_data(request, {key: user[key] for key in ("id", "first_name", "last_name")})


async def parqex_toggle_history(request: web.Request) -> web.StreamResponse:
    """`GET /oauth/v1/endpoints/toggle-history`: a door's, a controller's or the user's."""
    user = _parqex_user(request)
    if user is None:
        return _invalid_access_token()
    try:
        events = request.app[STATE_KEY].toggle_history.answer(request.query, str(user["id"]))
    except HistoryQueryError as err:
        return _json({"error": str(err)}, 400)
    return _parqex_data(request, {"toggle_events": events})


def _parqex_toggle(form: str) -> Handler:
    """`POST` to the toggle path of `form` ("plural" or "singular"); 404 unless it is in use.

    Every answer the docs show is 200 with `"success": true`; the outcome is the `message`.
    """

    async def handler(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE_KEY]
        if state.toggle_path != form:
            raise web.HTTPNotFound
        user = _parqex_user(request)
        if user is None:
            return _invalid_access_token()
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            body = None
        message = state.toggle(str(user["id"]), body)
        answer = {"success": True, "timestamp": int(time.time() * 1000), "message": message}
        return _json_body(request, "parqex", orjson.dumps(answer))

    return handler


def _html(status: int, title: str, body: str) -> web.Response:
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return web.Response(text=page, status=status, content_type="text/html")


async def parqex_authorize(request: web.Request) -> web.StreamResponse:
    """`GET /oauth/v2/endpoints/authorization/`: sign-in page, then back to the client.

    A request that cannot be sent back (unknown client, unregistered redirect URL, another
    response type, no or unknown scope) is a 400 page saying why. Otherwise the page links to
    the same URL with `approve=yes`, which redirects to `redirect_uri?code=...&state=...`.
    """
    state = request.app[STATE_KEY]
    query = request.query
    problem = state.authorization_problem(query)
    if problem is not None:
        return _html(400, "ParqEx sign-in refused", f"<p>{html.escape(problem)}</p>")
    redirect_uri = query["redirect_uri"]
    if query.get("approve") != "yes":
        user = state.parqex_users.get(state.authorizing_user, {})
        approve = request.rel_url.update_query(approve="yes")
        name = f"{user.get('first_name', '?')} {user.get('last_name', '?')}"
        return _html(
            200,
            "Sign in to ParqEx (simulator)",
            f"<p>{html.escape(query['client_id'])} asks to open and close your doors.</p>\n"
            f"<p>Signed in as {html.escape(name)}.</p>\n"
            f'<p><a id="approve" href="{html.escape(str(approve))}">Approve</a></p>',
        )
    code = state.issue_code(query["client_id"], redirect_uri)
    returned = {"code": code} | ({"state": query["state"]} if "state" in query else {})
    separator = "&" if "?" in redirect_uri else "?"
    return web.Response(
        status=302, headers={"Location": redirect_uri + separator + urlencode(returned)}
    )


async def parqex_token(request: web.Request) -> web.StreamResponse:
    """The token endpoint: GET with a query (as documented) or POST with a form."""
    fields = {str(name): value for name, value in request.query.items()}
    if request.method == "POST":
        form = await request.post()
        fields |= {str(name): value for name, value in form.items() if isinstance(value, str)}
    status, answer = request.app[STATE_KEY].token_request(fields)
    if status != 200:
        return _json(answer, status)
    return _json_body(request, "parqex", orjson.dumps(answer))


def _seam_authorized(request: web.Request) -> bool:
    return request.headers.get("Authorization") == f"Bearer {request.app[STATE_KEY].seam_api_key}"


async def _seam_body(request: web.Request) -> Json:
    if request.method == "GET":
        return dict(request.query)
    try:
        body = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError:
        raise web.HTTPBadRequest(text="body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body is not a JSON object")
    return body


class DeviceNotFoundError(Exception):
    """A Seam request names a device Seam does not have."""


class AccessCodeNotFoundError(Exception):
    """A Seam request names an access code Seam does not have."""


def _seam_handler(handler: SeamHandler) -> Handler:
    """Check the API key and read the arguments (JSON body, or query for GET).

    A handler refuses a request by raising `InvalidInput` (400), `DeviceNotFoundError` or
    `AccessCodeNotFoundError` (404).
    """

    async def route(request: web.Request) -> web.StreamResponse:
        if not _seam_authorized(request):
            return _seam_error(401, "unauthorized", "Unauthorized")
        try:
            body = await _seam_body(request)
        except web.HTTPBadRequest as err:
            return _seam_error(400, "invalid_input", err.text or "invalid input")
        try:
            return await handler(request, body)
        except InvalidInput as err:
            return _seam_error(400, "invalid_input", str(err))
        except DeviceNotFoundError:
            return _seam_error(404, "device_not_found", "Device not found")
        except AccessCodeNotFoundError:
            return _seam_error(404, "access_code_not_found", "Access code not found")

    return route


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


async def seam_list_accessible_devices(request: web.Request, body: Json) -> web.Response:
    """`/user_identities/list_accessible_devices`."""
    state = request.app[STATE_KEY]
    user_identity_id = body.get("user_identity_id")
    if not isinstance(user_identity_id, str) or not _is_uuid(user_identity_id):
        return _seam_error(400, "invalid_input", "user_identity_id must be a UUID")
    devices = state.seam_devices(user_identity_id)
    if devices is None:
        return _seam_error(404, "user_identity_not_found", "User identity not found")
    answer: Json = dict.fromkeys(state.seam_device_keys, devices)
    answer["ok"] = True
    return _seam_ok(request, answer)


async def seam_get_device(request: web.Request, body: Json) -> web.Response:
    """`/devices/get`, by `device_id`."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    device = state.devices.get(str(body.get("device_id")))
    if device is None:
        return _seam_error(404, "device_not_found", "Device not found")
    return _seam_ok(request, {"device": device, "ok": True})


def _lock_command(action_type: str) -> SeamHandler:
    async def handler(request: web.Request, body: Json) -> web.Response:
        state = request.app[STATE_KEY]
        device = state.devices.get(str(body.get("device_id")))
        if device is None:
            return _seam_error(404, "device_not_found", "Device not found")
        if "lock" not in device.get("capabilities_supported", []):
            return _seam_error(400, "invalid_input", "Device is not a lock")
        if not state.command_allowed(device["device_id"], action_type):
            return _seam_error(429, "rate_limited", "Too many requests for this device")
        attempt = state.start_action(device["device_id"], action_type)
        return _seam_ok(request, {"action_attempt": attempt.as_json(), "ok": True})

    return handler


def _string(body: Json, name: str) -> str:
    """A required string field of a request body."""
    value = required(body, name)
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string")
    return value


def _device(state: SimulatorState, body: Json) -> Json:
    """The device a request's `device_id` names."""
    device = state.devices.get(_string(body, "device_id"))
    if device is None:
        raise DeviceNotFoundError
    return device


def _device_with(state: SimulatorState, body: Json, capability: str) -> Json:
    """The device a request's `device_id` names, which must have `capability`."""
    device = _device(state, body)
    if capability not in device.get("capabilities_supported", []):
        raise InvalidInput(f"Device does not support {capability}")
    return device


def _thermostat_command(
    action_type: str, plan: Callable[[Json, Json], ClimateChange]
) -> SeamHandler:
    """A thermostat command: `plan` checks the request and says what it will change."""

    async def handler(request: web.Request, body: Json) -> web.Response:
        state = request.app[STATE_KEY]
        device = _device_with(state, body, "thermostat")
        climate = plan(device, body)
        if not state.command_allowed(device["device_id"], action_type):
            return _seam_error(429, "rate_limited", "Too many requests for this device")
        attempt = state.start_action(device["device_id"], action_type, climate)
        return _seam_ok(request, {"action_attempt": attempt.as_json(), "ok": True})

    return handler


def _hvac_mode(mode: str) -> SeamHandler:
    """`/thermostats/heat`, `/cool`, `/heat_cool` and `/off`."""
    return _thermostat_command(
        "SET_HVAC_MODE", lambda device, body: mode_change(device, mode, body)
    )


async def seam_simulate_hvac_mode_adjusted(request: web.Request, body: Json) -> web.Response:
    """`/thermostats/simulate/hvac_mode_adjusted`: someone changed the mode at the thermostat."""
    state = request.app[STATE_KEY]
    device = _device_with(state, body, "thermostat")
    mode = required(body, "hvac_mode")
    if mode not in SIMULATED_HVAC_MODES:
        raise InvalidInput(f"hvac_mode must be one of {', '.join(SIMULATED_HVAC_MODES)}")
    setting = mode_change(device, mode, body).setting
    state.update_device(device["device_id"], {"properties": {"current_climate_setting": setting}})
    return _seam_ok(request, {"ok": True})


async def seam_simulate_temperature_reached(request: web.Request, body: Json) -> web.Response:
    """`/thermostats/simulate/temperature_reached`: the room gets to a temperature."""
    state = request.app[STATE_KEY]
    device = _device_with(state, body, "thermostat")
    temperature = scaled(body, "temperature")
    if temperature is None:
        raise InvalidInput("temperature_celsius or temperature_fahrenheit is required")
    degrees_celsius, degrees_fahrenheit = temperature
    state.update_device(
        device["device_id"],
        {
            "properties": {
                "temperature_celsius": degrees_celsius,
                "temperature_fahrenheit": degrees_fahrenheit,
            }
        },
    )
    return _seam_ok(request, {"ok": True})


async def seam_list_noise_thresholds(request: web.Request, body: Json) -> web.Response:
    """`/noise_sensors/noise_thresholds/list`, by `device_id`."""
    state = request.app[STATE_KEY]
    device = _device_with(state, body, "noise_detection")
    thresholds = state.noise_thresholds_of(device["device_id"])
    return _seam_ok(request, {"noise_thresholds": thresholds, "ok": True})


async def seam_trigger_noise_threshold(request: web.Request, body: Json) -> web.Response:
    """`/noise_sensors/simulate/trigger_noise_threshold`: noise over the active threshold."""
    state = request.app[STATE_KEY]
    device = _device_with(state, body, "noise_detection")
    if not state.trigger_noise_threshold(device["device_id"]):
        raise InvalidInput("No noise threshold of this device is active now")
    return _seam_ok(request, {"ok": True})


def _rate_limited() -> web.Response:
    return _seam_error(429, "rate_limited", "Too many requests for this device")


def _managed_code(state: SimulatorState, body: Json) -> AccessCode:
    """The code Seam manages that a request's `access_code_id` names."""
    code = state.access_codes.get(_string(body, "access_code_id"))
    if code is None or not code.is_managed:
        raise AccessCodeNotFoundError
    return code


def _code_device(state: SimulatorState, body: Json) -> Json:
    """The device a request puts a code on: one that has Seam program its codes online."""
    device = _device_with(state, body, "access_code")
    if not device.get("can_program_online_access_codes"):
        raise InvalidInput("This device cannot program access codes online")
    return device


def _others(
    state: SimulatorState, device_id: str, but: AccessCode | None = None
) -> list[AccessCode]:
    """Every code on a device, managed or not, but `but`: what a new code must not repeat."""
    return [
        code
        for code in state.access_codes.values()
        if code.device_id == device_id and code is not but
    ]


def _code_page(request: web.Request, body: Json, codes: list[AccessCode]) -> web.Response:
    """A page of codes with Seam's `pagination`: the next page's cursor, and its URL."""
    shown, cursor = page([code.as_json() for code in codes], body)
    url = None
    if cursor is not None:
        # The next page's URL repeats the request's own arguments, so a GET of it continues.
        query: dict[str, str] = {
            key: str(body[key]) for key in ("device_id", "limit") if key in body
        }
        query["page_cursor"] = cursor
        url = str(request.url.with_query(query))
    pagination = {
        "has_next_page": cursor is not None,
        "next_page_cursor": cursor,
        "next_page_url": url,
    }
    return _seam_ok(request, {"access_codes": shown, "pagination": pagination, "ok": True})


async def seam_list_access_codes(request: web.Request, body: Json) -> web.Response:
    """`/access_codes/list`: by `device_id`, or `access_code_ids`, or both; paginated."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    device_id, wanted = body.get("device_id"), body.get("access_code_ids")
    if device_id is None and wanted is None:
        raise InvalidInput("device_id or access_code_ids is required")
    codes = [code for code in state.access_codes.values() if code.is_managed]
    if device_id is not None:
        device_id = _device(state, body)["device_id"]
        codes = [code for code in codes if code.device_id == device_id]
    if wanted is not None:
        if not (isinstance(wanted, list) and all(isinstance(i, str) for i in wanted)):
            raise InvalidInput("access_code_ids must be a list of strings")
        codes = [code for code in codes if code.access_code_id in wanted]
    return _code_page(request, body, codes)


async def seam_list_unmanaged_access_codes(request: web.Request, body: Json) -> web.Response:
    """`/access_codes/unmanaged/list`, by `device_id`: codes set outside Seam; paginated."""
    state = request.app[STATE_KEY]
    device = _device(state, body)
    return _code_page(request, body, state.access_codes_of(device["device_id"], managed=False))


async def seam_get_access_code(request: web.Request, body: Json) -> web.Response:
    """`/access_codes/get`: by `access_code_id`, or by `device_id` and `code`."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    if body.get("access_code_id") is None and body.get("code") is not None:
        device = _device(state, body)
        pin = _string(body, "code")
        code = next((c for c in state.access_codes_of(device["device_id"]) if c.code == pin), None)
        if code is None:
            raise AccessCodeNotFoundError
    else:
        code = _managed_code(state, body)
    return _seam_ok(request, {"access_code": code.as_json(), "ok": True})


async def seam_create_access_code(request: web.Request, body: Json) -> web.Response:
    """`/access_codes/create`: a new code, set on the device by an action attempt."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    device = _code_device(state, body)
    planned = plan_create(device, body, _others(state, device["device_id"]))
    if not state.command_allowed(device["device_id"], "CREATE_ACCESS_CODE"):
        return _rate_limited()
    code, attempt = state.create_access_code(device, planned)
    answer = {"access_code": code.as_json(), "action_attempt": attempt.as_json(), "ok": True}
    return _seam_ok(request, answer)


async def seam_update_access_code(request: web.Request, body: Json) -> web.Response:
    """`/access_codes/update`: any of `name`, `code`, `starts_at`, `ends_at`, `type`."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    code = _managed_code(state, body)
    if code.status == "removing":
        raise InvalidInput("The access code is being deleted")
    device = state.devices[code.device_id]
    changes = plan_update(device, code, body, _others(state, code.device_id, but=code))
    if not state.command_allowed(code.device_id, "UPDATE_ACCESS_CODE"):
        return _rate_limited()
    attempt = state.update_access_code(code, device, changes)
    return _seam_ok(request, {"action_attempt": attempt.as_json(), "ok": True})


async def seam_delete_access_code(request: web.Request, body: Json) -> web.Response:
    """`/access_codes/delete`: the code goes once it is off the device."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    code = _managed_code(state, body)
    if not state.command_allowed(code.device_id, "DELETE_ACCESS_CODE"):
        return _rate_limited()
    attempt = state.delete_access_code(code)
    return _seam_ok(request, {"action_attempt": attempt.as_json(), "ok": True})


async def seam_configure_auto_lock(request: web.Request, body: Json) -> web.Response:
    """`/locks/configure_auto_lock`: auto-lock on or off, and its delay (1 to 60 seconds)."""
    state = request.app[STATE_KEY]
    device = _device_with(state, body, "lock")
    if not device.get("can_configure_auto_lock"):
        raise InvalidInput("This lock cannot configure auto-lock")
    enabled = required(body, "auto_lock_enabled")
    if not isinstance(enabled, bool):
        raise InvalidInput("auto_lock_enabled must be true or false")
    change: Json = {"auto_lock_enabled": enabled}
    delay = body.get("auto_lock_delay_seconds")
    if delay is not None:
        if isinstance(delay, bool) or not isinstance(delay, int | float) or not 1 <= delay <= 60:
            raise InvalidInput("auto_lock_delay_seconds must be a number from 1 to 60")
        change["auto_lock_delay_seconds"] = delay
    if not state.command_allowed(device["device_id"], "CONFIGURE_AUTO_LOCK"):
        return _rate_limited()
    attempt = state.start_action(device["device_id"], "CONFIGURE_AUTO_LOCK", auto_lock=change)
    return _seam_ok(request, {"action_attempt": attempt.as_json(), "ok": True})


async def seam_create_webhook(request: web.Request, body: Json) -> web.Response:
    """`/webhooks/create`: deliveries go to loopback URLs only."""
    url = body.get("url")
    if not isinstance(url, str) or not is_loopback_url(url):
        return _seam_error(400, "invalid_input", "url must be http(s) to this machine")
    event_types = body.get("event_types")
    webhook = request.app[STATE_KEY].hub.create(
        url, event_types if isinstance(event_types, list) else None
    )
    return _seam_ok(request, {"webhook": webhook.as_json(), "ok": True})


async def seam_delete_webhook(request: web.Request, body: Json) -> web.Response:
    """`/webhooks/delete`."""
    if request.app[STATE_KEY].hub.webhooks.pop(str(body.get("webhook_id")), None) is None:
        return _seam_error(404, "webhook_not_found", "Webhook not found")
    return _seam_ok(request, {"ok": True})


async def seam_list_webhooks(request: web.Request, _: Json) -> web.Response:
    """`/webhooks/list`."""
    hooks = request.app[STATE_KEY].hub.webhooks.values()
    return _seam_ok(request, {"webhooks": [hook.as_json() for hook in hooks], "ok": True})


async def seam_get_action_attempt(request: web.Request, body: Json) -> web.Response:
    """`/action_attempts/get`."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    attempt = state.action_attempts.get(str(body.get("action_attempt_id")))
    if attempt is None:
        return _seam_error(404, "action_attempt_not_found", "Action attempt not found")
    return _seam_ok(request, {"action_attempt": attempt.as_json(), "ok": True})


# Control API


def _control(handler: Callable[[SimulatorState, web.Request, Json], Any]) -> Handler:
    """Run a control handler against the state; its result is the JSON answer."""

    async def route(request: web.Request) -> web.StreamResponse:
        body: Json = {}
        if request.can_read_body:
            body = orjson.loads(await request.read())
        try:
            result = handler(request.app[STATE_KEY], request, body)
        except SimulatorError as err:
            return _json({"error": str(err)}, 404)
        return _json({"ok": True} if result is None else result)

    return route


def _fault_from_json(body: Json) -> Fault:
    fields = {key: body[key] for key in Fault.__dataclass_fields__ if key in body}
    retry_after = body.get("retry_after")
    fault = Fault(**fields)
    if retry_after is not None:
        fault.headers = {**fault.headers, "Retry-After": str(retry_after)}
    return fault


def _add_fault(state: SimulatorState, _: web.Request, body: Json) -> None:
    state.faults.append(_fault_from_json(body))


def _generate(state: SimulatorState, _: web.Request, body: Json) -> None:
    state.generate(
        controllers=int(body.get("controllers", 0)),
        doors_per_controller=int(body.get("doors_per_controller", 3)),
        devices=int(body.get("devices", 0)),
    )


def _emit_event(state: SimulatorState, _: web.Request, body: Json) -> Json:
    fields = {k: v for k, v in body.items() if k not in ("event_type", "device_id")}
    return state.hub.emit(str(body["event_type"]), body.get("device_id"), **fields)


def _reset(state: SimulatorState, _: web.Request, __: Json) -> None:
    state.reset()


def _clear_faults(state: SimulatorState, _: web.Request, __: Json) -> None:
    state.faults.clear()


def _clear_requests(state: SimulatorState, _: web.Request, __: Json) -> None:
    state.requests.clear()


def _mint_tokens(state: SimulatorState, _: web.Request, body: Json) -> Json:
    user_id = body.get("user_id", DEFAULT_PARQEX_USER["id"])
    client_id = body.get("client_id", DEFAULT_PARQEX_CLIENT_ID)
    if user_id not in state.parqex_users:
        raise SimulatorError(f"no ParqEx user {user_id}")
    if client_id not in state.oauth_clients:
        raise SimulatorError(f"no OAuth client {client_id}")
    return state.issue_tokens(str(user_id), str(client_id))


def _revoke_tokens(state: SimulatorState, _: web.Request, __: Json) -> None:
    state.revoke_oauth_tokens()


def _info(name: str) -> Callable[[web.Request], str]:
    return lambda request: request.match_info[name]


_door_id, _controller_id, _device_id = _info("door_id"), _info("controller_id"), _info("device_id")
_client_id = _info("client_id")


def build_app(state: SimulatorState | None = None) -> web.Application:
    """The simulator as an aiohttp application holding `state` (fresh seeds by default)."""
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[STATE_KEY] = state or SimulatorState()
    seam_routes: dict[str, SeamHandler] = {
        "/user_identities/list_accessible_devices": seam_list_accessible_devices,
        "/locks/lock_door": _lock_command("LOCK_DOOR"),
        "/locks/unlock_door": _lock_command("UNLOCK_DOOR"),
        "/locks/configure_auto_lock": seam_configure_auto_lock,
        "/access_codes/list": seam_list_access_codes,
        "/access_codes/get": seam_get_access_code,
        "/access_codes/create": seam_create_access_code,
        "/access_codes/update": seam_update_access_code,
        "/access_codes/delete": seam_delete_access_code,
        "/access_codes/unmanaged/list": seam_list_unmanaged_access_codes,
        "/thermostats/heat": _hvac_mode("heat"),
        "/thermostats/cool": _hvac_mode("cool"),
        "/thermostats/heat_cool": _hvac_mode("heat_cool"),
        "/thermostats/off": _hvac_mode("off"),
        "/thermostats/set_hvac_mode": _thermostat_command(
            "SET_HVAC_MODE",
            lambda device, body: mode_change(device, required(body, "hvac_mode_setting"), body),
        ),
        "/thermostats/set_fan_mode": _thermostat_command("SET_FAN_MODE", fan_change),
        "/thermostats/activate_climate_preset": _thermostat_command(
            "ACTIVATE_CLIMATE_PRESET", preset_change
        ),
        "/thermostats/simulate/hvac_mode_adjusted": seam_simulate_hvac_mode_adjusted,
        "/thermostats/simulate/temperature_reached": seam_simulate_temperature_reached,
        "/noise_sensors/noise_thresholds/list": seam_list_noise_thresholds,
        "/noise_sensors/simulate/trigger_noise_threshold": seam_trigger_noise_threshold,
        "/action_attempts/get": seam_get_action_attempt,
        "/devices/get": seam_get_device,
        "/webhooks/create": seam_create_webhook,
        "/webhooks/delete": seam_delete_webhook,
        "/webhooks/list": seam_list_webhooks,
    }
    app.router.add_get(PARQEX_SYNC_PATH, _service_route("parqex", parqex_sync))
    app.router.add_get(PARQEX_USER_INFO_PATH, _service_route("parqex", parqex_user_info))
    app.router.add_get(PARQEX_TOGGLE_HISTORY_PATH, _service_route("parqex", parqex_toggle_history))
    for form, path in PARQEX_TOGGLE_PATHS.items():
        app.router.add_post(path, _service_route("parqex", _parqex_toggle(form)))
    authorize = _service_route("parqex", parqex_authorize)
    token = _service_route("parqex", parqex_token)
    for path in (PARQEX_AUTHORIZE_PATH, PARQEX_AUTHORIZE_PATH.rstrip("/")):
        app.router.add_get(path, authorize)
    for path in (PARQEX_TOKEN_PATH, PARQEX_TOKEN_PATH.rstrip("/")):
        app.router.add_get(path, token)
        app.router.add_post(path, token)
    for path, seam_handler in seam_routes.items():
        route = _service_route("seam", _seam_handler(seam_handler))
        app.router.add_post(path, route)
        app.router.add_get(path, route)
    control: list[tuple[str, str, Callable[[SimulatorState, web.Request, Json], Any]]] = [
        ("GET", "/state", lambda s, _, __: s.snapshot()),
        ("POST", "/reset", _reset),
        ("POST", "/generate", _generate),
        ("POST", "/parqex/controllers", lambda s, _, b: s.add_controller(b)),
        (
            "POST",
            "/parqex/controllers/{controller_id}",
            lambda s, r, b: s.update_controller(_controller_id(r), b),
        ),
        (
            "DELETE",
            "/parqex/controllers/{controller_id}",
            lambda s, r, _: s.remove_controller(_controller_id(r)),
        ),
        (
            "POST",
            "/parqex/controllers/{controller_id}/doors",
            lambda s, r, b: s.add_door(_controller_id(r), b),
        ),
        ("POST", "/parqex/doors/{door_id}", lambda s, r, b: s.update_door(_door_id(r), b)),
        (
            "POST",
            "/parqex/doors/{door_id}/operate",
            lambda s, r, b: s.operate_door(_door_id(r), b),
        ),
        ("DELETE", "/parqex/doors/{door_id}", lambda s, r, _: s.remove_door(_door_id(r))),
        ("GET", "/parqex/settings", lambda s, _, __: s.parqex_settings()),
        ("POST", "/parqex/settings", lambda s, _, b: s.set_parqex_settings(b)),
        ("POST", "/parqex/oauth/clients", lambda s, _, b: s.add_oauth_client(b)),
        (
            "POST",
            "/parqex/oauth/clients/{client_id}/redirect_uris",
            lambda s, r, b: s.add_redirect_uri(_client_id(r), b.get("redirect_uri")),
        ),
        ("POST", "/parqex/oauth/tokens", _mint_tokens),
        ("DELETE", "/parqex/oauth/tokens", _revoke_tokens),
        ("POST", "/parqex/oauth/expire", lambda s, _, __: {"expired": s.expire_access_tokens()}),
        (
            "GET",
            "/parqex/toggles",
            lambda s, _, __: [toggle.as_json() for toggle in s.toggles],
        ),
        (
            "GET",
            "/parqex/toggle-history",
            lambda s, _, __: [event.as_json() for event in s.toggle_history.events()],
        ),
        ("POST", "/seam/devices", lambda s, _, b: s.add_device(b)),
        ("POST", "/seam/devices/{device_id}", lambda s, r, b: s.update_device(_device_id(r), b)),
        ("DELETE", "/seam/devices/{device_id}", lambda s, r, _: s.remove_device(_device_id(r))),
        (
            "POST",
            "/seam/devices/{device_id}/keypad",
            lambda s, r, b: s.enter_code(_device_id(r), b.get("code")),
        ),
        ("POST", "/seam/actions", lambda s, _, b: s.set_action_settings(b)),
        ("POST", "/seam/events", _emit_event),
        (
            "GET",
            "/seam/deliveries",
            lambda s, _, __: [
                {"url": d.url, "event_type": d.event_type, "status": d.status}
                for d in s.hub.deliveries
            ],
        ),
        ("POST", "/faults", _add_fault),
        ("DELETE", "/faults", _clear_faults),
        ("GET", "/requests", lambda s, _, __: [r.as_json() for r in s.requests]),
        ("DELETE", "/requests", _clear_requests),
        ("POST", "/gzip", lambda s, _, b: s.set_gzip_answers(b)),
    ]
    for method, path, handler in control:
        app.router.add_route(method, "/_simulator" + path, _control(handler))
    app.cleanup_ctx.append(_delivering)
    return app


async def _delivering(app: web.Application) -> AsyncIterator[None]:
    """Deliver webhook events while the app runs."""
    stop = start_delivering(app[STATE_KEY].hub)
    yield
    await stop()
