"""The simulator's mutable world: accounts, devices, action attempts, faults and a request log."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import copy
from dataclasses import dataclass, field
import itertools
import time
from typing import Any, Final
import uuid

from .seeds import (
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_USER_IDENTITY_ID,
    Json,
    battery_status,
    generate_parqex_controllers,
    generate_seam_devices,
    parqex_doc_controllers,
    seam_seed_devices,
)
from .webhooks import WebhookHub

# Seam's documented limit: 15 lock and 15 unlock requests a minute for each device.
SEAM_COMMANDS_PER_MINUTE: Final = 15
REQUEST_LOG_SIZE: Final = 5000
SERVICES: Final = ("parqex", "seam")
# Which services gzip their 200 answers (when the client accepts gzip) after a reset: ParqEx
# does; Seam's answers stay plain unless a test turns it on (`SimulatorState.gzip_answers`).
GZIP_ANSWERS: Final = {"parqex": True, "seam": False}
# Decoded sizes of the "huge" answers and of the gzip "bomb", unless a fault says otherwise.
HUGE_ANSWER_BYTES: Final = 200 * 1024 * 1024
BOMB_ANSWER_BYTES: Final = 2 * 1024 * 1024 * 1024
NESTING_DEPTH: Final = 100_000


class SimulatorError(Exception):
    """A control request names something the simulator does not hold."""


@dataclass(slots=True, kw_only=True)
class Fault:
    """What to do instead of answering normally, for the next `count` matching requests.

    `mode` is one of:

    - "status": answer `status` with `body` and `headers` (a hostile `Retry-After` is one of
      these headers);
    - "hang": wait `delay` seconds, then answer normally;
    - "truncated" (half of the real body), "not_json" (HTML), "wrong_shape" (a JSON list);
    - "disconnect": headers and a little of the body, then the connection is closed;
    - "redirect": 302 to `location`;
    - "echo_secret": answer `status` (500 by default) with an error in the service's shape
      (Seam: `{"error": {"type", "message"}}`, ParqEx: `{"error": "..."}`) whose message repeats
      the request's bearer credential as sent and URL-encoded, and a `seam-request-id` header
      that repeats it too;
    - "huge": a 200 JSON answer of `size` bytes (200 MB by default) with its Content-Length:
      `{"devices": [`, spaces, `]}`, streamed, so the simulator never holds it;
    - "huge_chunked": the same without Content-Length (chunked transfer encoding);
    - "bomb": a 200 gzip answer (`Content-Encoding: gzip`, with its small Content-Length) that
      decodes to `size` bytes (2 GB by default) of the same JSON; the compressed stream is a
      few kilobytes repeated, built once per size;
    - "deep_nesting": a 200 answer `{"devices": [[[...]]]}` nested `depth` levels deep.

    Every answer is recorded on the request's `LoggedRequest` (status, encoding, body bytes
    written, the fault applied and whether the credential was echoed).
    """

    service: str | None = None
    path: str | None = None
    count: int = 1
    mode: str = "status"
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    location: str = ""
    # Decoded bytes of a "huge", "huge_chunked" or "bomb" answer; None for the mode's default.
    size: int | None = None
    depth: int = NESTING_DEPTH

    def matches(self, service: str, path: str) -> bool:
        """Whether a request to `path` of `service` is one this fault is for."""
        return (self.service in (None, service)) and (
            self.path is None or path.startswith(self.path)
        )


@dataclass(slots=True, kw_only=True)
class ActionAttempt:
    """A lock or unlock command the simulated Seam is carrying out."""

    action_attempt_id: str
    action_type: str
    device_id: str
    settles_at: float
    outcome: str
    error_type: str
    error_message: str
    status: str = "pending"

    def as_json(self) -> Json:
        """The action attempt as Seam shows it."""
        result: Json | None = None
        error: Json | None = None
        if self.status == "success":
            result = {"was_confirmed_by_device": True}
        elif self.status == "error":
            error = {"type": self.error_type, "message": self.error_message}
        return {
            "action_attempt_id": self.action_attempt_id,
            "action_type": self.action_type,
            "status": self.status,
            "result": result,
            "error": error,
        }


@dataclass(slots=True, kw_only=True)
class ActionSettings:
    """How the next lock and unlock commands behave.

    `outcome` is "success", "error" or "pending" (never settles, for timeouts).
    """

    delay: float = 1.0
    outcome: str = "success"
    error_type: str = "uncategorized_error"
    error_message: str = "The lock did not respond to the command"


@dataclass(slots=True, kw_only=True)
class LoggedRequest:
    """One request the simulator received (secrets masked), and what it answered.

    The answer's fields are filled in as it is sent: `status` and `encoding` (its
    Content-Encoding, None for a plain body) once it starts, `body_bytes` as the body is written
    (for a streamed answer, what the client had taken when it let go, give or take the socket
    buffers), `fault` is the mode of the fault applied, and `echoed_secret` says whether the
    answer repeated the request's credential.
    """

    time: float
    service: str
    method: str
    path: str
    headers: dict[str, str]
    status: int | None = None
    encoding: str | None = None
    body_bytes: int = 0
    fault: str | None = None
    echoed_secret: bool = False

    def as_json(self) -> Json:
        """The logged request as the control API shows it."""
        return {
            "time": self.time,
            "service": self.service,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "status": self.status,
            "encoding": self.encoding,
            "body_bytes": self.body_bytes,
            "fault": self.fault,
            "echoed_secret": self.echoed_secret,
        }


def mask_headers(headers: Any) -> dict[str, str]:
    """Request headers with the credential replaced, as the request log keeps them."""
    masked = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if " " in value else ""
            masked[str(name)] = f"{scheme} ***".strip()
        else:
            masked[str(name)] = value
    return masked


class SimulatorState:
    """Holds both services' data. Every control request and every scenario step goes here."""

    def __init__(
        self,
        *,
        parqex_token: str = DEFAULT_PARQEX_TOKEN,
        seam_api_key: str = DEFAULT_SEAM_API_KEY,
        user_identity_id: str = DEFAULT_USER_IDENTITY_ID,
        clock: Callable[[], float] = time.monotonic,
        request_budget: int | None = None,
    ) -> None:
        # Servers started by tests answer a bounded number of requests, then refuse.
        self.request_budget = request_budget
        self.parqex_token = parqex_token
        self.seam_api_key = seam_api_key
        self.clock = clock
        self.controllers: dict[str, Json] = {}
        self.user_identities: dict[str, list[str]] = {user_identity_id: []}
        self.default_user_identity_id = user_identity_id
        self.devices: dict[str, Json] = {}
        self.action_attempts: dict[str, ActionAttempt] = {}
        self.action_settings = ActionSettings()
        self.commands: dict[tuple[str, str], deque[float]] = {}
        self.faults: list[Fault] = []
        self.requests: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        # Requests being answered right now, and the most there ever were, per service.
        self.in_flight: dict[str, int] = dict.fromkeys(SERVICES, 0)
        self.max_in_flight: dict[str, int] = dict.fromkeys(SERVICES, 0)
        # Seam answers with `devices`; older answers carried only `accessible_devices`.
        self.seam_device_keys: tuple[str, ...] = ("devices",)
        # Per service: whether its 200 answers are gzip-encoded when the client accepts gzip.
        self.gzip_answers: dict[str, bool] = dict(GZIP_ANSWERS)
        self._ids = itertools.count(1)
        self.hub = WebhookHub()
        self.reset()

    def reset(self) -> None:
        """Back to the seed data, with no faults, attempts or logged requests."""
        self.controllers = {c["id"]: c for c in parqex_doc_controllers()}
        self.devices = {d["device_id"]: d for d in seam_seed_devices()}
        self.user_identities = {self.default_user_identity_id: list(self.devices)}
        self.action_attempts.clear()
        self.action_settings = ActionSettings()
        self.commands.clear()
        self.faults.clear()
        self.requests.clear()
        self.hub.deliveries.clear()
        self.max_in_flight = dict.fromkeys(SERVICES, 0)
        self.seam_device_keys = ("devices",)
        self.gzip_answers = dict(GZIP_ANSWERS)

    def generate(
        self, *, controllers: int = 0, doors_per_controller: int = 3, devices: int = 0
    ) -> None:
        """Replace the accounts with generated ones of the given sizes."""
        self.controllers = {
            c["id"]: c for c in generate_parqex_controllers(controllers, doors_per_controller)
        }
        self.devices = {d["device_id"]: d for d in generate_seam_devices(devices)}
        self.user_identities[self.default_user_identity_id] = list(self.devices)

    # ParqEx

    def parqex_sync(self) -> Json:
        """The `/sync` answer for the current state."""
        return {"devices": list(self.controllers.values())}

    def _door(self, door_id: str) -> Json:
        for controller in self.controllers.values():
            for door in controller["doors"]:
                if door["id"] == door_id:
                    found: Json = door
                    return found
        raise SimulatorError(f"no door {door_id}")

    def update_door(self, door_id: str, changes: Json) -> Json:
        """Change fields of a door; a new `state` also moves `last_toggled`."""
        door = self._door(door_id)
        if (
            "state" in changes
            and changes["state"] != door.get("state")
            and "last_toggled" not in changes
        ):
            door["last_toggled"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        door.update(changes)
        return door

    def add_controller(self, controller: Json) -> Json:
        """Add (or replace) a controller given in ParqEx's shape."""
        controller.setdefault("doors", [])
        self.controllers[str(controller["id"])] = controller
        return controller

    def update_controller(self, controller_id: str, changes: Json) -> Json:
        """Change fields of a controller."""
        if controller_id not in self.controllers:
            raise SimulatorError(f"no controller {controller_id}")
        self.controllers[controller_id].update(changes)
        return self.controllers[controller_id]

    def remove_controller(self, controller_id: str) -> None:
        """Take a controller and its doors off the account."""
        if self.controllers.pop(controller_id, None) is None:
            raise SimulatorError(f"no controller {controller_id}")

    def add_door(self, controller_id: str, door: Json) -> Json:
        """Add a door, in ParqEx's shape, to a controller."""
        if controller_id not in self.controllers:
            raise SimulatorError(f"no controller {controller_id}")
        self.controllers[controller_id]["doors"].append(door)
        return door

    def remove_door(self, door_id: str) -> None:
        """Take a door off its controller."""
        for controller in self.controllers.values():
            kept = [door for door in controller["doors"] if door["id"] != door_id]
            if len(kept) != len(controller["doors"]):
                controller["doors"] = kept
                return
        raise SimulatorError(f"no door {door_id}")

    # Seam

    def seam_devices(self, user_identity_id: str) -> list[Json] | None:
        """The devices shared with a user identity, None for an unknown identity."""
        self.settle_action_attempts()
        device_ids = self.user_identities.get(user_identity_id)
        if device_ids is None:
            return None
        return [self.devices[device_id] for device_id in device_ids if device_id in self.devices]

    def add_device(self, device: Json, user_identity_id: str | None = None) -> Json:
        """Add a device in Seam's shape and share it with the user identity."""
        device.setdefault("device_id", str(uuid.uuid4()))
        device.setdefault("properties", {"online": True})
        self.devices[device["device_id"]] = device
        shared = self.user_identities.setdefault(
            user_identity_id or self.default_user_identity_id, []
        )
        if device["device_id"] not in shared:
            shared.append(device["device_id"])
        return device

    def update_device(self, device_id: str, changes: Json) -> Json:
        """Merge changes into a device; `properties` is merged key by key."""
        device = self.devices.get(device_id)
        if device is None:
            raise SimulatorError(f"no device {device_id}")
        changes = dict(changes)
        # How the change happened, for the event it sends (e.g. {"method": "keycode"}).
        how: Json = changes.pop("event", None) or {}
        properties = changes.pop("properties", None)
        device.update(changes)
        if properties:
            before = dict(device.setdefault("properties", {}))
            device["properties"].update(properties)
            level = properties.get("battery_level")
            if isinstance(level, int | float) and not isinstance(level, bool):
                device["properties"]["battery"] = {"level": level, "status": battery_status(level)}
            self._emit_changes(device_id, before, device["properties"], how)
        return device

    def _emit_changes(self, device_id: str, before: Json, after: Json, how: Json) -> None:
        """Send the events Seam sends when a device's properties change."""
        if "locked" in after and after["locked"] != before.get("locked"):
            event_type = "lock.locked" if after["locked"] else "lock.unlocked"
            self.hub.emit(
                event_type,
                device_id,
                method=how.get("method", "manual"),
                **{key: how[key] for key in ("access_code_id", "user_identity_id") if key in how},
            )
        if "online" in after and after["online"] != before.get("online"):
            self.hub.emit(
                "device.connected" if after["online"] else "device.disconnected", device_id
            )
        level = after.get("battery_level")
        if level is not None and level != before.get("battery_level"):
            self.hub.emit(
                "device.battery_status_changed",
                device_id,
                battery_level=level,
                battery_status=battery_status(level),
            )

    def remove_device(self, device_id: str) -> None:
        """Remove a device from Seam altogether."""
        if self.devices.pop(device_id, None) is None:
            raise SimulatorError(f"no device {device_id}")
        self.hub.emit("device.removed", device_id)
        for shared in self.user_identities.values():
            if device_id in shared:
                shared.remove(device_id)

    def command_allowed(self, device_id: str, action_type: str) -> bool:
        """Apply Seam's per-device command rate limit; False means answer 429."""
        now = self.clock()
        window = self.commands.setdefault((device_id, action_type), deque())
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= SEAM_COMMANDS_PER_MINUTE:
            return False
        window.append(now)
        return True

    def start_action(self, device_id: str, action_type: str) -> ActionAttempt:
        """Record a pending lock or unlock command that settles after the configured delay."""
        settings = self.action_settings
        attempt = ActionAttempt(
            action_attempt_id=str(uuid.UUID(int=next(self._ids))),
            action_type=action_type,
            device_id=device_id,
            settles_at=self.clock() + settings.delay,
            outcome=settings.outcome,
            error_type=settings.error_type,
            error_message=settings.error_message,
        )
        self.action_attempts[attempt.action_attempt_id] = attempt
        self.settle_action_attempts()
        return attempt

    def settle_action_attempts(self) -> list[ActionAttempt]:
        """Finish every command whose time has come; a successful one moves the lock."""
        now = self.clock()
        settled = []
        for attempt in self.action_attempts.values():
            if (
                attempt.status != "pending"
                or attempt.outcome == "pending"
                or now < attempt.settles_at
            ):
                continue
            attempt.status = attempt.outcome
            outcome = "succeeded" if attempt.status == "success" else "failed"
            if attempt.status == "success" and attempt.device_id in self.devices:
                properties = self.devices[attempt.device_id].setdefault("properties", {})
                locked = attempt.action_type == "LOCK_DOOR"
                if properties.get("locked") != locked:
                    properties["locked"] = locked
                    self.hub.emit(
                        "lock.locked" if locked else "lock.unlocked",
                        attempt.device_id,
                        method="seamapi",
                    )
            self.hub.emit(
                f"action_attempt.{attempt.action_type.lower()}.{outcome}",
                attempt.device_id,
                action_attempt_id=attempt.action_attempt_id,
            )
            settled.append(attempt)
        return settled

    # Faults and the request log

    def take_fault(self, service: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any, counting it down."""
        for fault in self.faults:
            if fault.matches(service, path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def log_request(
        self, service: str, method: str, path: str, headers: Any
    ) -> LoggedRequest | None:
        """Keep a masked record of a service request; None once the request budget is spent.

        The record is returned so the answer can be noted on it.
        """
        if self.request_budget is not None:
            if self.request_budget <= 0:
                return None
            self.request_budget -= 1
        logged = LoggedRequest(
            time=time.time(),
            service=service,
            method=method,
            path=path,
            headers=mask_headers(headers),
        )
        self.requests.append(logged)
        return logged

    def set_gzip_answers(self, changes: dict[str, Any]) -> dict[str, bool]:
        """Turn gzip-encoded answers on or off per service; the setting afterwards."""
        if not isinstance(changes, dict):
            raise SimulatorError("gzip settings are an object of services")
        for service, enabled in changes.items():
            if service not in SERVICES:
                raise SimulatorError(f"no service {service}")
            if not isinstance(enabled, bool):
                raise SimulatorError(f"gzip for {service} must be true or false")
            self.gzip_answers[service] = enabled
        return dict(self.gzip_answers)

    def snapshot(self) -> Json:
        """The whole state, for the control API."""
        return {
            "parqex": self.parqex_sync(),
            "seam": {
                "devices": list(self.devices.values()),
                "user_identities": copy.deepcopy(self.user_identities),
                "action_attempts": [a.as_json() for a in self.action_attempts.values()],
            },
            "faults": len(self.faults),
            "gzip_answers": dict(self.gzip_answers),
        }
