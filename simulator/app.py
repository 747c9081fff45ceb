"""The simulator's HTTP face: ParqEx and Seam routes, and the `/_simulator/` control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import gzip
from typing import Any, Final
import uuid

from aiohttp import web
import orjson

from .seeds import Json
from .state import ActionSettings, Fault, SimulatorError, SimulatorState
from .webhooks import is_loopback_url, start_delivering

STATE_KEY: Final = web.AppKey("state", SimulatorState)
PARQEX_SYNC_PATH: Final = "/oauth/v1/endpoints/sync"
# ParqEx requires all five; a missing one is answered "Invalid Access Token".
PARQEX_REQUIRED_HEADERS: Final = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip",
    "Accept-Charset": "utf-8",
    "Content-Type": "application/json",
}

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def _json_body(request: web.Request, body: bytes) -> web.Response:
    """A 200 JSON answer, gzip-encoded when the client accepts it, as both clouds do."""
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        return web.Response(
            body=gzip.compress(body, compresslevel=5),
            content_type="application/json",
            headers={"Content-Encoding": "gzip"},
        )
    return web.Response(body=body, content_type="application/json")


def _seam_error(status: int, error_type: str, message: str, **headers: str) -> web.Response:
    return _json(
        {"error": {"type": error_type, "message": message}, "ok": False},
        status,
        {"seam-request-id": str(uuid.uuid4()), **headers},
    )


def _invalid_access_token() -> web.Response:
    return _json({"error": "Invalid Access Token"}, 401)


async def _apply_fault(
    request: web.Request, fault: Fault, answer: Callable[[], Awaitable[web.Response]]
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
        await partial.prepare(request)
        await partial.write(b'{"devices": [')
        if request.transport is not None:
            request.transport.close()
        return partial
    raise web.HTTPBadRequest(text=f"unknown fault mode {fault.mode}")


def _service_route(service: str, handler: Handler) -> Handler:
    """Log the request, then apply a pending fault or answer normally."""

    async def route(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE_KEY]
        if not state.log_request(service, request.method, request.path, request.headers):
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
                return await _apply_fault(request, fault, answer)
            return await answer()
        finally:
            state.in_flight[service] -= 1

    return route


async def parqex_sync(request: web.Request) -> web.StreamResponse:
    """`GET /oauth/v1/endpoints/sync`."""
    state = request.app[STATE_KEY]
    headers = request.headers
    for name, value in PARQEX_REQUIRED_HEADERS.items():
        if value not in headers.get(name, ""):
            return _invalid_access_token()
    if headers.get("Authorization") != f"Bearer {state.parqex_token}":
        return _invalid_access_token()
    return _json_body(request, orjson.dumps(state.parqex_sync()))


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


def _seam_handler(handler: Callable[[web.Request, Json], Awaitable[web.Response]]) -> Handler:
    """Check the API key and read the arguments (JSON body, or query for GET)."""

    async def route(request: web.Request) -> web.StreamResponse:
        if not _seam_authorized(request):
            return _seam_error(401, "unauthorized", "Unauthorized")
        try:
            body = await _seam_body(request)
        except web.HTTPBadRequest as err:
            return _seam_error(400, "invalid_input", err.text or "invalid input")
        return await handler(request, body)

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
    return _json(answer)


async def seam_get_device(request: web.Request, body: Json) -> web.Response:
    """`/devices/get`, by `device_id`."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    device = state.devices.get(str(body.get("device_id")))
    if device is None:
        return _seam_error(404, "device_not_found", "Device not found")
    return _json({"device": device, "ok": True})


def _lock_command(action_type: str) -> Callable[[web.Request, Json], Awaitable[web.Response]]:
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
        return _json({"action_attempt": attempt.as_json(), "ok": True})

    return handler


async def seam_create_webhook(request: web.Request, body: Json) -> web.Response:
    """`/webhooks/create`: deliveries go to loopback URLs only."""
    url = body.get("url")
    if not isinstance(url, str) or not is_loopback_url(url):
        return _seam_error(400, "invalid_input", "url must be http(s) to this machine")
    event_types = body.get("event_types")
    webhook = request.app[STATE_KEY].hub.create(
        url, event_types if isinstance(event_types, list) else None
    )
    return _json({"webhook": webhook.as_json(), "ok": True})


async def seam_delete_webhook(request: web.Request, body: Json) -> web.Response:
    """`/webhooks/delete`."""
    if request.app[STATE_KEY].hub.webhooks.pop(str(body.get("webhook_id")), None) is None:
        return _seam_error(404, "webhook_not_found", "Webhook not found")
    return _json({"ok": True})


async def seam_list_webhooks(request: web.Request, _: Json) -> web.Response:
    """`/webhooks/list`."""
    hooks = request.app[STATE_KEY].hub.webhooks.values()
    return _json({"webhooks": [hook.as_json() for hook in hooks], "ok": True})


async def seam_get_action_attempt(request: web.Request, body: Json) -> web.Response:
    """`/action_attempts/get`."""
    state = request.app[STATE_KEY]
    state.settle_action_attempts()
    attempt = state.action_attempts.get(str(body.get("action_attempt_id")))
    if attempt is None:
        return _seam_error(404, "action_attempt_not_found", "Action attempt not found")
    return _json({"action_attempt": attempt.as_json(), "ok": True})


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


def _set_actions(state: SimulatorState, _: web.Request, body: Json) -> None:
    fields = {key: body[key] for key in ActionSettings.__dataclass_fields__ if key in body}
    state.action_settings = ActionSettings(**fields)


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


def _info(name: str) -> Callable[[web.Request], str]:
    return lambda request: request.match_info[name]


_door_id, _controller_id, _device_id = _info("door_id"), _info("controller_id"), _info("device_id")


def build_app(state: SimulatorState | None = None) -> web.Application:
    """The simulator as an aiohttp application holding `state` (fresh seeds by default)."""
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[STATE_KEY] = state or SimulatorState()
    seam_routes: dict[str, Callable[[web.Request, Json], Awaitable[web.Response]]] = {
        "/user_identities/list_accessible_devices": seam_list_accessible_devices,
        "/locks/lock_door": _lock_command("LOCK_DOOR"),
        "/locks/unlock_door": _lock_command("UNLOCK_DOOR"),
        "/action_attempts/get": seam_get_action_attempt,
        "/devices/get": seam_get_device,
        "/webhooks/create": seam_create_webhook,
        "/webhooks/delete": seam_delete_webhook,
        "/webhooks/list": seam_list_webhooks,
    }
    app.router.add_get(PARQEX_SYNC_PATH, _service_route("parqex", parqex_sync))
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
        ("DELETE", "/parqex/doors/{door_id}", lambda s, r, _: s.remove_door(_door_id(r))),
        ("POST", "/seam/devices", lambda s, _, b: s.add_device(b)),
        ("POST", "/seam/devices/{device_id}", lambda s, r, b: s.update_device(_device_id(r), b)),
        ("DELETE", "/seam/devices/{device_id}", lambda s, r, _: s.remove_device(_device_id(r))),
        ("POST", "/seam/actions", _set_actions),
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
