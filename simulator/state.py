"""The simulator's mutable world: accounts, devices, action attempts, faults and a request log.

ParqEx's side also holds OAuth 2.0 (clients, authorization codes, access and refresh tokens),
its users, door toggles that take `travel_time` seconds to finish, and the toggle history of
every door (the integration's toggles and those from the app or the wall button). Seam's side
also holds the noise sensors' thresholds and the locks' keypad codes, keeps thermostats and
noise sensors coherent as they change, and relocks locks whose auto-lock delay has passed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hmac
import itertools
import re
import secrets
import time
from typing import Any, Final
import uuid

from .access_codes import AccessCode, seam_time
from .noise import is_active, triggering
from .parqex_history import (
    CHANNEL_API,
    CHANNEL_APP,
    CHANNEL_SENSOR,
    OUTSIDE_CHANNELS,
    ToggleEvent,
    ToggleHistory,
    event_user,
    parqex_time,
    sensor_user,
)
from .seeds import (
    AUTHORIZATION_CODE_LIFETIME,
    DEFAULT_PARQEX_CLIENT_ID,
    DEFAULT_PARQEX_CLIENT_SECRET,
    DEFAULT_PARQEX_REDIRECT_URIS,
    DEFAULT_PARQEX_TOKEN,
    DEFAULT_PARQEX_USER,
    DEFAULT_SEAM_API_KEY,
    DEFAULT_TOKEN_LIFETIME,
    DEFAULT_TRAVEL_TIME,
    DEFAULT_USER_IDENTITY_ID,
    FAMILY_PARQEX_USER,
    GUEST_PARQEX_USER,
    LOCAL_REDIRECT_PATTERN,
    PARQEX_EMAIL_ADDRESSES,
    PARQEX_SCOPES,
    PARQEX_TOGGLE_PATHS,
    TOGGLE_ACCEPTED,
    TOGGLE_FAILURES,
    TOGGLE_MALFORMED,
    TOGGLE_NOT_FOUND,
    Json,
    battery_status,
    generate_parqex_controllers,
    generate_seam_devices,
    parqex_doc_controllers,
    seam_seed_access_codes,
    seam_seed_devices,
    seam_seed_noise_thresholds,
)
from .thermostats import (
    ClimateChange,
    activity,
    adjusted,
    fill_scales,
    manual_fields,
    reached_set_point,
)
from .webhooks import WebhookHub

# Seam's documented limit: 15 lock and 15 unlock requests a minute for each device; the
# simulator applies it to each action type of every command, except those Seam documents
# their own limits for (`COMMANDS_PER_MINUTE`).
SEAM_COMMANDS_PER_MINUTE: Final = 15
COMMANDS_PER_MINUTE: Final = {
    "CREATE_ACCESS_CODE": 10,
    "UPDATE_ACCESS_CODE": 10,
    "DELETE_ACCESS_CODE": 20,
}
LOCK_ACTION_TYPES: Final = ("LOCK_DOOR", "UNLOCK_DOOR")
THERMOSTAT_ACTION_TYPES: Final = ("SET_HVAC_MODE", "SET_FAN_MODE", "ACTIVATE_CLIMATE_PRESET")
ACCESS_CODE_ACTION_TYPES: Final = ("CREATE_ACCESS_CODE", "UPDATE_ACCESS_CODE", "DELETE_ACCESS_CODE")
ACTION_TYPES: Final = (
    LOCK_ACTION_TYPES
    + THERMOSTAT_ACTION_TYPES
    + ACCESS_CODE_ACTION_TYPES
    + ("CONFIGURE_AUTO_LOCK",)
)
# The auto-lock delay of a lock that has auto-lock on but names no delay.
DEFAULT_AUTO_LOCK_DELAY: Final = 30.0
# What `lock.access_denied` says for each reason the simulated keypads refuse a code.
ACCESS_DENIED_MESSAGES: Final = {
    "unknown_code": "The lock does not know this code",
    "expired_code": "This code no longer opens the lock",
}
# A triggered noise threshold is set off by this many decibels over it.
NOISE_TRIGGER_MARGIN: Final = 5.0
REQUEST_LOG_SIZE: Final = 5000
SERVICES: Final = ("parqex", "seam")
# Which services gzip their 200 answers (when the client accepts gzip) after a reset: ParqEx
# does; Seam's answers stay plain unless a test turns it on (`SimulatorState.gzip_answers`).
GZIP_ANSWERS: Final = {"parqex": True, "seam": False}
# Decoded sizes of the "huge" answers and of the gzip "bomb", unless a fault says otherwise.
HUGE_ANSWER_BYTES: Final = 200 * 1024 * 1024
BOMB_ANSWER_BYTES: Final = 2 * 1024 * 1024 * 1024
NESTING_DEPTH: Final = 100_000
# Query parameters the request log masks (the token endpoint is documented as a GET).
SECRET_QUERY_KEYS: Final = frozenset({"client_secret", "code", "refresh_token", "access_token"})
SEAM_DEVICE_KEYS: Final = ("devices", "accessible_devices")
GRANT_TYPES: Final = ("authorization_code", "refresh_token")
DOOR_STATES: Final = ("OPEN", "CLOSED")


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
        """Whether a request to `path` of `service` is one this fault is for.

        `path` names a route and the routes below it: a fault of ParqEx's toggle is not one of
        its `toggle-history`.
        """
        return (self.service in (None, service)) and (
            self.path is None
            or path == self.path
            or path.startswith(self.path if self.path.endswith("/") else self.path + "/")
        )


@dataclass(slots=True, kw_only=True)
class ActionAttempt:
    """A command the simulated Seam is carrying out: lock, thermostat, access code, auto-lock.

    `climate` is what a thermostat command changes once it succeeds, `auto_lock` the properties
    an auto-lock configuration sets; `access_code_id` names the code an access code command
    is about. `result_json` is the result Seam shows once it succeeded, when it says more than
    the action type's usual one.
    """

    action_attempt_id: str
    action_type: str
    device_id: str
    settles_at: float
    outcome: str
    error_type: str
    error_message: str
    status: str = "pending"
    climate: ClimateChange | None = None
    access_code_id: str | None = None
    auto_lock: Json | None = None
    result_json: Json | None = None

    def as_json(self) -> Json:
        """The action attempt as Seam shows it."""
        result: Json | None = None
        error: Json | None = None
        if self.status == "success":
            # Seam's result of any other command is an empty object.
            if self.result_json is not None:
                result = self.result_json
            elif self.action_type in LOCK_ACTION_TYPES:
                result = {"was_confirmed_by_device": True}
            else:
                result = {}
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
    """How the next commands behave.

    `outcome` is "success", "error" or "pending" (never settles, for timeouts). An access code
    command that ends in error leaves its code failed to set on (or remove from) the device.
    """

    delay: float = 1.0
    outcome: str = "success"
    error_type: str = "uncategorized_error"
    error_message: str = "The device did not respond to the command"


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
    # The query string's parameters, secret ones masked (`SECRET_QUERY_KEYS`).
    query: dict[str, str] = field(default_factory=dict)
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
            "query": self.query,
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


def mask_query(query: Mapping[str, str]) -> dict[str, str]:
    """Query parameters with the secret ones (`SECRET_QUERY_KEYS`) replaced."""
    return {
        str(name): "***" if name in SECRET_QUERY_KEYS else value for name, value in query.items()
    }


@dataclass(slots=True, kw_only=True)
class OAuthClient:
    """An application ParqEx issued credentials to, for its registered redirect URLs."""

    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    # Whether any local Home Assistant's callback (`LOCAL_REDIRECT_PATTERN`) is accepted too.
    local_redirects: bool = False

    def accepts(self, redirect_uri: str) -> bool:
        """Whether the client may be sent back to `redirect_uri`."""
        return redirect_uri in self.redirect_uris or (
            self.local_redirects and re.fullmatch(LOCAL_REDIRECT_PATTERN, redirect_uri) is not None
        )

    def as_json(self) -> Json:
        """The client as the control API shows it (without its secret)."""
        return {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "local_redirects": self.local_redirects,
        }


@dataclass(slots=True, kw_only=True)
class Grant:
    """An authorization code, access token or refresh token: whose, for which client, until when.

    `expires_at` is by `SimulatorState.clock`; None lasts until spent (refresh tokens).
    `redirect_uri` is what a code was issued for.
    """

    client_id: str
    user_id: str
    expires_at: float | None = None
    redirect_uri: str = ""

    def expired(self, now: float) -> bool:
        """Whether the grant is no longer good at `now`."""
        return self.expires_at is not None and now >= self.expires_at


@dataclass(slots=True, kw_only=True)
class ParqexToggle:
    """A door set moving: it gets to `door_state` after `travel_time` seconds.

    `time` is the wall-clock time of the request (for `last_toggled`), `requested_at` the same
    moment by `SimulatorState.clock`. A `travel_time` of None is a stuck door: it never gets
    there. `user_id` is empty for the wall button.
    """

    door_id: str
    door_state: str
    user_id: str
    time: float
    requested_at: float
    travel_time: float | None
    done: bool = False

    @property
    def settles_at(self) -> float | None:
        """When, by the state's clock, the door gets there; None for never."""
        return None if self.travel_time is None else self.requested_at + self.travel_time

    def as_json(self) -> Json:
        """The toggle as the control API shows it."""
        return {
            "door_id": self.door_id,
            "door_state": self.door_state,
            "user_id": self.user_id,
            "toggle_date_time": parqex_time(self.time),
            "status": "done" if self.done else "moving",
            "stuck": self.travel_time is None,
        }


def _toggle_request(body: Any) -> tuple[str, str] | None:
    """The door and state a toggle's body asks for; None for a malformed one."""
    if not isinstance(body, dict):
        return None
    door_id, door_state = body.get("door_id"), body.get("door_state")
    if not (isinstance(door_id, str) and door_id) or door_state not in DOOR_STATES:
        return None
    return door_id, str(door_state)


def _oauth_error(status: int, error: str) -> tuple[int, Json]:
    return status, {"error": error}


def _utc_now() -> datetime:
    return datetime.now(UTC)


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
        # For every action type, unless `action_settings_by_type` has its own.
        self.action_settings = ActionSettings()
        self.action_settings_by_type: dict[str, ActionSettings] = {}
        self.noise_thresholds: dict[str, Json] = {}
        # Keypad codes of every device, managed by Seam or not, by id.
        self.access_codes: dict[str, AccessCode] = {}
        # When, by `clock`, each unlocked lock with auto-lock on locks itself again.
        self.relocks: dict[str, float] = {}
        # Noise thresholds and time-bound codes apply by the wall clock, which tests may set.
        self.wall_clock: Callable[[], datetime] = _utc_now
        self.commands: dict[tuple[str, str], deque[float]] = {}
        self.faults: list[Fault] = []
        self.requests: deque[LoggedRequest] = deque(maxlen=REQUEST_LOG_SIZE)
        # Requests being answered right now, and the most there ever were, per service.
        self.in_flight: dict[str, int] = dict.fromkeys(SERVICES, 0)
        self.max_in_flight: dict[str, int] = dict.fromkeys(SERVICES, 0)
        # Seam answers with `devices` and its deprecated twin `accessible_devices` (the spec
        # requires both); older answers carried only `accessible_devices`.
        self.seam_device_keys: tuple[str, ...] = SEAM_DEVICE_KEYS
        # Per service: whether its 200 answers are gzip-encoded when the client accepts gzip.
        self.gzip_answers: dict[str, bool] = dict(GZIP_ANSWERS)
        self._ids = itertools.count(1)
        self.hub = WebhookHub()
        # ParqEx users by id; OAuth clients by id; codes, access and refresh tokens by value.
        self.parqex_users: dict[str, Json] = {}
        # Users who operate the doors from the app but never sign in here, by id.
        self.app_users: dict[str, Json] = {}
        self.oauth_clients: dict[str, OAuthClient] = {}
        self.oauth_codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        # Token endpoint requests by grant type (whatever grant type was sent, even refused).
        self.token_requests: dict[str, int] = {}
        # The knobs of `parqex_settings()`, all restored by `reset()`.
        self.token_lifetime: int = DEFAULT_TOKEN_LIFETIME
        self.authorizing_user: str = DEFAULT_PARQEX_USER["id"]
        self.travel_time: float = DEFAULT_TRAVEL_TIME
        self.toggle_failure: str | None = None
        self.toggle_path: str = "plural"
        self.door_stuck: bool = False
        # Every toggle of the API accepted, oldest first, and every door still moving.
        self.toggles: list[ParqexToggle] = []
        self._moving: list[ParqexToggle] = []
        self.toggle_history = ToggleHistory()
        self.reset()

    def reset(self) -> None:
        """Back to the seed data, with no faults, attempts or logged requests."""
        self.controllers = {c["id"]: c for c in parqex_doc_controllers()}
        self.devices = {d["device_id"]: d for d in seam_seed_devices()}
        self.user_identities = {self.default_user_identity_id: list(self.devices)}
        self.noise_thresholds = {t["noise_threshold_id"]: t for t in seam_seed_noise_thresholds()}
        self.access_codes = {
            seed["access_code_id"]: AccessCode(status="set", on_device=True, **seed)
            for seed in seam_seed_access_codes()
        }
        self.relocks.clear()
        self.action_attempts.clear()
        self.action_settings = ActionSettings()
        self.action_settings_by_type.clear()
        self.commands.clear()
        self.faults.clear()
        self.requests.clear()
        self.hub.deliveries.clear()
        self.max_in_flight = dict.fromkeys(SERVICES, 0)
        self.seam_device_keys = SEAM_DEVICE_KEYS
        self.gzip_answers = dict(GZIP_ANSWERS)
        self.parqex_users = {
            user["id"]: dict(user) for user in (DEFAULT_PARQEX_USER, GUEST_PARQEX_USER)
        }
        self.app_users = {FAMILY_PARQEX_USER["id"]: dict(FAMILY_PARQEX_USER)}
        self.oauth_clients = {
            DEFAULT_PARQEX_CLIENT_ID: OAuthClient(
                client_id=DEFAULT_PARQEX_CLIENT_ID,
                client_secret=DEFAULT_PARQEX_CLIENT_SECRET,
                redirect_uris=list(DEFAULT_PARQEX_REDIRECT_URIS),
                local_redirects=True,
            )
        }
        self.oauth_codes.clear()
        self.access_tokens.clear()
        self.refresh_tokens.clear()
        self.token_requests = dict.fromkeys(GRANT_TYPES, 0)
        self.token_lifetime = DEFAULT_TOKEN_LIFETIME
        self.authorizing_user = DEFAULT_PARQEX_USER["id"]
        self.travel_time = DEFAULT_TRAVEL_TIME
        self.toggle_failure = None
        self.toggle_path = "plural"
        self.door_stuck = False
        self.toggles.clear()
        self._moving.clear()
        self.toggle_history.clear()

    def generate(
        self, *, controllers: int = 0, doors_per_controller: int = 3, devices: int = 0
    ) -> None:
        """Replace the accounts with generated ones of the given sizes."""
        self.controllers = {
            c["id"]: c for c in generate_parqex_controllers(controllers, doors_per_controller)
        }
        self.devices = {d["device_id"]: d for d in generate_seam_devices(devices)}
        self.user_identities[self.default_user_identity_id] = list(self.devices)
        # The codes and timers of the devices replaced go with them.
        self.access_codes.clear()
        self.relocks.clear()

    # ParqEx

    def parqex_sync(self) -> Json:
        """The `/sync` answer for the current state (doors that got there moved)."""
        self.settle_toggles()
        return {"devices": list(self.controllers.values())}

    def parqex_user(self, authorization: str) -> Json | None:
        """The user an `Authorization` header's token belongs to; None if it is no good.

        The static `parqex_token` is the default user's and never expires; tokens issued by
        OAuth last `token_lifetime` seconds from issue, by `clock`.
        """
        if authorization == f"Bearer {self.parqex_token}":
            return self.parqex_users.get(DEFAULT_PARQEX_USER["id"])
        scheme, _, token = authorization.partition(" ")
        grant = self.access_tokens.get(token) if scheme == "Bearer" else None
        if grant is None or grant.expired(self.clock()):
            return None
        return self.parqex_users.get(grant.user_id)

    # ParqEx OAuth

    def authorization_problem(self, query: Mapping[str, str]) -> str | None:
        """Why an authorization request is refused (never redirected), None if it is fine."""
        client = self.oauth_clients.get(query.get("client_id", ""))
        if client is None:
            return "Unknown client_id."
        if not client.accepts(query.get("redirect_uri", "")):
            return "This redirect_uri is not registered for this client."
        if query.get("response_type") != "code":
            return "Unsupported response_type: only code is supported."
        scopes = [scope.strip().upper() for scope in query.get("scope", "").split(",")]
        scopes = [scope for scope in scopes if scope]
        if not scopes:
            return "The scope is missing: ask for OPENDOOR, CLOSEDOOR or both."
        unknown = [scope for scope in scopes if scope not in PARQEX_SCOPES]
        if unknown:
            return f"Unknown scope: {', '.join(unknown)}."
        return None

    def issue_code(self, client_id: str, redirect_uri: str) -> str:
        """A fresh authorization code, approved by `authorizing_user`, for this client/URL."""
        code = "pqx_code_" + secrets.token_urlsafe(18)
        self.oauth_codes[code] = Grant(
            client_id=client_id,
            user_id=self.authorizing_user,
            expires_at=self.clock() + AUTHORIZATION_CODE_LIFETIME,
            redirect_uri=redirect_uri,
        )
        return code

    def issue_tokens(self, user_id: str, client_id: str = DEFAULT_PARQEX_CLIENT_ID) -> Json:
        """A new access and refresh token for `user_id`, as the token endpoint answers."""
        access_token = "pqx_at_" + secrets.token_urlsafe(24)
        refresh_token = "pqx_rt_" + secrets.token_urlsafe(24)
        lifetime = self.token_lifetime
        self.access_tokens[access_token] = Grant(
            client_id=client_id, user_id=user_id, expires_at=self.clock() + lifetime
        )
        self.refresh_tokens[refresh_token] = Grant(client_id=client_id, user_id=user_id)
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_in": lifetime,
            "token_type": "Bearer",
            "scope": ",".join(PARQEX_SCOPES),
        }

    def token_request(self, fields: Mapping[str, str]) -> tuple[int, Json]:
        """Answer the token endpoint: HTTP status and JSON body.

        Both grants need `client_id` and `client_secret`; `authorization_code` also `code` and
        `redirect_uri`, `refresh_token` also `refresh_token`. A code is spent by its first
        exchange, a refresh token by its first use; a refresh revokes nothing else.
        """
        grant_type = fields.get("grant_type", "")
        if grant_type:
            self.token_requests[grant_type] = self.token_requests.get(grant_type, 0) + 1
        if not grant_type:
            return _oauth_error(400, "invalid_request")
        if grant_type not in GRANT_TYPES:
            return _oauth_error(400, "unsupported_grant_type")
        needed = ["client_id", "client_secret"]
        needed += ["code", "redirect_uri"] if grant_type == "authorization_code" else [grant_type]
        if not all(fields.get(name) for name in needed):
            return _oauth_error(400, "invalid_request")
        client = self.oauth_clients.get(fields["client_id"])
        if client is None or not hmac.compare_digest(
            client.client_secret.encode(), fields["client_secret"].encode()
        ):
            return _oauth_error(401, "invalid_client")
        if grant_type == "authorization_code":
            grant = self.oauth_codes.pop(fields["code"], None)
            if (
                grant is None
                or grant.client_id != client.client_id
                or grant.redirect_uri != fields["redirect_uri"]
                or grant.expired(self.clock())
            ):
                return _oauth_error(400, "invalid_grant")
        else:
            grant = self.refresh_tokens.get(fields["refresh_token"])
            if grant is None or grant.client_id != client.client_id:
                return _oauth_error(400, "invalid_grant")
            del self.refresh_tokens[fields["refresh_token"]]
        return 200, self.issue_tokens(grant.user_id, client.client_id)

    def add_oauth_client(self, body: Json) -> Json:
        """Add (or replace) an OAuth client.

        `body`: `client_id`, `client_secret`, optional `redirect_uris` (a list) and
        `local_redirects` (whether any local Home Assistant's callback is accepted; false).
        """
        client_id, client_secret = body.get("client_id"), body.get("client_secret")
        redirect_uris = body.get("redirect_uris", [])
        local_redirects = body.get("local_redirects", False)
        if not (isinstance(client_id, str) and client_id):
            raise SimulatorError("client_id must be a non-empty string")
        if not (isinstance(client_secret, str) and client_secret):
            raise SimulatorError("client_secret must be a non-empty string")
        if not (isinstance(redirect_uris, list) and all(isinstance(u, str) for u in redirect_uris)):
            raise SimulatorError("redirect_uris must be a list of strings")
        if not isinstance(local_redirects, bool):
            raise SimulatorError("local_redirects must be true or false")
        client = OAuthClient(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=list(redirect_uris),
            local_redirects=local_redirects,
        )
        self.oauth_clients[client_id] = client
        return client.as_json()

    def add_redirect_uri(self, client_id: str, redirect_uri: Any) -> Json:
        """Register one more redirect URL for a client."""
        client = self.oauth_clients.get(client_id)
        if client is None:
            raise SimulatorError(f"no OAuth client {client_id}")
        if not (isinstance(redirect_uri, str) and redirect_uri):
            raise SimulatorError("redirect_uri must be a non-empty string")
        if redirect_uri not in client.redirect_uris:
            client.redirect_uris.append(redirect_uri)
        return client.as_json()

    def expire_access_tokens(self) -> int:
        """Make every access token issued so far expire now; how many there were."""
        now = self.clock()
        for grant in self.access_tokens.values():
            grant.expires_at = now
        return len(self.access_tokens)

    def revoke_oauth_tokens(self) -> None:
        """Forget every code, access and refresh token issued (the static token stays)."""
        self.oauth_codes.clear()
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    # ParqEx toggling

    def toggle(self, user_id: str, body: Any) -> str:
        """Answer a toggle request by `user_id`: the `message` ParqEx answers with.

        While `toggle_failure` is set, every toggle is answered with its message. An accepted
        toggle is recorded in `toggles`; the door keeps its state for `travel_time` seconds
        (for ever while `door_stuck`), then takes the requested one. Every toggle of a door
        the account has goes into its history, refused ones as failed.
        """
        request = _toggle_request(body)
        located = None if request is None else self._located_door(request[0])
        if self.toggle_failure is not None:
            message = TOGGLE_FAILURES[self.toggle_failure]
        elif request is None:
            return TOGGLE_MALFORMED
        elif located is None:
            return TOGGLE_NOT_FOUND
        else:
            message = TOGGLE_ACCEPTED
        if request is None or located is None:
            return message
        user = self._history_user(user_id)
        event = self._record(
            located, request[1], CHANNEL_API, user, succeeded=message == TOGGLE_ACCEPTED
        )
        if event.was_success:
            self.toggles.append(self._move(event))
        return message

    def operate_door(self, door_id: str, body: Json) -> Json:
        """Someone operates a door without the integration; the history event it made.

        `body`: `door_state` ("OPEN" or "CLOSED"; by default the one the door is not in),
        `channel` (`OUTSIDE_CHANNELS`, "ParqEx App" by default) and, but for the "Door Sensor"
        (the wall button, logged under the controller's owner), `user_id` (any ParqEx user,
        the account's own by default). The app goes through the cloud: it fails while
        `toggle_failure` is set. The door moves as it does for a toggle.
        """
        located = self._located_door(door_id)
        if located is None:
            raise SimulatorError(f"no door {door_id}")
        controller, door = located
        self.settle_toggles()
        door_state = body.get("door_state", "CLOSED" if door.get("state") == "OPEN" else "OPEN")
        if door_state not in DOOR_STATES:
            raise SimulatorError("door_state must be OPEN or CLOSED")
        channel = body.get("channel", CHANNEL_APP)
        if channel not in OUTSIDE_CHANNELS:
            raise SimulatorError(f"channel must be one of {', '.join(OUTSIDE_CHANNELS)}")
        if channel == CHANNEL_SENSOR:
            if "user_id" in body:
                raise SimulatorError("the door sensor names the controller's owner, not a user")
            user, succeeded = sensor_user(controller), True
        else:
            user = self._history_user(str(body.get("user_id", DEFAULT_PARQEX_USER["id"])))
            succeeded = self.toggle_failure is None
        event = self._record(located, door_state, channel, user, succeeded=succeeded)
        if event.was_success:
            self._move(event)
        return event.as_json()

    def _history_user(self, user_id: str) -> Json:
        user = self.parqex_users.get(user_id) or self.app_users.get(user_id)
        if user is None:
            raise SimulatorError(f"no ParqEx user {user_id}")
        return event_user(user, PARQEX_EMAIL_ADDRESSES.get(user_id, ""))

    def _record(
        self,
        located: tuple[Json, Json],
        door_state: str,
        channel: str,
        user: Json,
        *,
        succeeded: bool,
    ) -> ToggleEvent:
        controller, door = located
        event = ToggleEvent(
            door_id=door["id"],
            controller_id=controller["id"],
            door_name=door.get("name", ""),
            door_state=door_state,
            channel=channel,
            user=user,
            was_success=succeeded,
            time=self.wall_clock().timestamp(),
        )
        self.toggle_history.record(event)
        return event

    def _move(self, event: ToggleEvent) -> ParqexToggle:
        """Set the door of a request that went through moving to the state it asked for."""
        self.settle_toggles()
        move = ParqexToggle(
            door_id=event.door_id,
            door_state=event.door_state,
            user_id=event.user["id"],
            time=event.time,
            requested_at=self.clock(),
            travel_time=None if self.door_stuck else self.travel_time,
        )
        self._moving.append(move)
        self.settle_toggles()
        return move

    def settle_toggles(self) -> list[ParqexToggle]:
        """Finish every toggle whose door got there by now, in the order they got there."""
        now = self.clock()
        due: list[ParqexToggle] = []
        moving: list[ParqexToggle] = []
        for toggle in self._moving:
            settles_at = toggle.settles_at
            (due if settles_at is not None and now >= settles_at else moving).append(toggle)
        if not due:
            return []
        self._moving = moving
        due.sort(key=lambda toggle: toggle.settles_at or 0.0)
        for toggle in due:
            toggle.done = True
            try:
                door = self._door(toggle.door_id)
            except SimulatorError:
                continue  # taken off meanwhile
            if door.get("state") != toggle.door_state:
                door["state"] = toggle.door_state
                door["last_toggled"] = parqex_time(toggle.time + (toggle.travel_time or 0.0))
        return due

    def parqex_settings(self) -> Json:
        """The ParqEx knobs the control API sets."""
        return {
            "token_lifetime": self.token_lifetime,
            "travel_time": self.travel_time,
            "toggle_failure": self.toggle_failure,
            "toggle_path": self.toggle_path,
            "door_stuck": self.door_stuck,
            "authorizing_user": self.authorizing_user,
        }

    def set_parqex_settings(self, changes: Any) -> Json:
        """Change some of the `parqex_settings()`; all of them afterwards.

        Every value is checked before any is applied.
        """
        if not isinstance(changes, dict):
            raise SimulatorError("ParqEx settings are an object")

        def number(name: str, value: Any) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise SimulatorError(f"{name} must be a number of seconds, at least 0")
            return value

        checked: Json = {}
        for name, value in changes.items():
            if name == "token_lifetime":
                if not isinstance(value, int):
                    raise SimulatorError("token_lifetime must be whole seconds")
                checked[name] = int(number(name, value))
            elif name == "travel_time":
                checked[name] = float(number(name, value))
            elif name == "toggle_failure":
                if value is not None and value not in TOGGLE_FAILURES:
                    raise SimulatorError(
                        f"toggle_failure must be null or one of {', '.join(TOGGLE_FAILURES)}"
                    )
                checked[name] = value
            elif name == "toggle_path":
                if value not in PARQEX_TOGGLE_PATHS:
                    raise SimulatorError("toggle_path must be plural or singular")
                checked[name] = value
            elif name == "door_stuck":
                if not isinstance(value, bool):
                    raise SimulatorError("door_stuck must be true or false")
                checked[name] = value
            elif name == "authorizing_user":
                if value not in self.parqex_users:
                    raise SimulatorError(f"no ParqEx user {value}")
                checked[name] = value
            else:
                raise SimulatorError(f"no ParqEx setting {name}")
        for name, value in checked.items():
            setattr(self, name, value)
        return self.parqex_settings()

    def _located_door(self, door_id: str) -> tuple[Json, Json] | None:
        """A door and its controller."""
        for controller in self.controllers.values():
            for door in controller["doors"]:
                if door["id"] == door_id:
                    return controller, door
        return None

    def _door(self, door_id: str) -> Json:
        located = self._located_door(door_id)
        if located is None:
            raise SimulatorError(f"no door {door_id}")
        return located[1]

    def update_door(self, door_id: str, changes: Json) -> Json:
        """Change fields of a door; a new `state` also moves `last_toggled`."""
        door = self._door(door_id)
        if (
            "state" in changes
            and changes["state"] != door.get("state")
            and "last_toggled" not in changes
        ):
            door["last_toggled"] = parqex_time(time.time())
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
        """Merge changes into a device; `properties` is merged key by key.

        A change from "the wall" is followed as the device would follow it: a temperature or
        set point given in one scale gets the other, `current_climate_setting` is merged into
        the one in use, the HVAC starts or stops with them (unless `is_heating`, `is_cooling`
        or `is_fan_running` is given), and a new noise level sets off the noise thresholds it
        is over (unless `currently_triggering_noise_threshold_ids` is given). Each sends the
        event Seam sends.
        """
        device = self.devices.get(device_id)
        if device is None:
            raise SimulatorError(f"no device {device_id}")
        changes = dict(changes)
        # How the change happened, for the event it sends (e.g. {"method": "keycode"}).
        how: Json = changes.pop("event", None) or {}
        properties = changes.pop("properties", None)
        device.update(changes)
        if properties:
            after = device.setdefault("properties", {})
            before = dict(after)
            after.update(properties)
            level = properties.get("battery_level")
            if isinstance(level, int | float) and not isinstance(level, bool):
                after["battery"] = {"level": level, "status": battery_status(level)}
            self._emit_changes(device, before, after, how)
            if after.get("locked") != before.get("locked"):
                self._follow_auto_lock(device, self.clock())
            self._follow_climate(device, before, properties)
            self._follow_noise(device, before, properties)
        return device

    def _device_event(self, event_type: str, device: Json, **fields: Any) -> None:
        """Send an event about a device, with the account it is connected through."""
        self.hub.emit(
            event_type,
            device["device_id"],
            connected_account_id=device.get("connected_account_id"),
            **fields,
        )

    def _emit_changes(self, device: Json, before: Json, after: Json, how: Json) -> None:
        """Send the events Seam sends when a device's properties change."""
        if "locked" in after and after["locked"] != before.get("locked"):
            event_type = "lock.locked" if after["locked"] else "lock.unlocked"
            self._device_event(
                event_type,
                device,
                method=how.get("method", "manual"),
                **{key: how[key] for key in ("access_code_id", "user_identity_id") if key in how},
            )
        if "online" in after and after["online"] != before.get("online"):
            if after["online"]:
                self._device_event("device.connected", device)
            else:
                # Seam says why a device went away, and what is wrong with it and its account.
                self._device_event(
                    "device.disconnected",
                    device,
                    error_code="device_disconnected",
                    device_errors=copy.deepcopy(device.get("errors") or []),
                    device_warnings=copy.deepcopy(device.get("warnings") or []),
                    connected_account_errors=[],
                    connected_account_warnings=[],
                )
        level = after.get("battery_level")
        if level is not None and level != before.get("battery_level"):
            self._device_event(
                "device.battery_status_changed",
                device,
                battery_level=level,
                battery_status=battery_status(level),
            )

    def _follow_climate(self, device: Json, before: Json, given: Json) -> None:
        """Keep a thermostat coherent after a change from the wall, and say what changed."""
        after = device["properties"]
        if "current_climate_setting" in given:
            setting = dict(given["current_climate_setting"])
            for kind in ("heating", "cooling"):
                fill_scales(setting, setting, f"{kind}_set_point")
            old = before.get("current_climate_setting") or {}
            after["current_climate_setting"] = adjusted(old, setting)
            new = manual_fields(after["current_climate_setting"])
            moved = {name: value for name, value in new.items() if old.get(name) != value}
            if moved:
                self._device_event(
                    "thermostat.manually_adjusted", device, method="external", **moved
                )
        fill_scales(after, given, "temperature")
        temperature_moved = after.get("temperature_celsius") != before.get("temperature_celsius")
        if temperature_moved:
            self._device_event(
                "thermostat.temperature_changed",
                device,
                temperature_celsius=after["temperature_celsius"],
                temperature_fahrenheit=after["temperature_fahrenheit"],
            )
        if not {"is_heating", "is_cooling", "is_fan_running"} & given.keys() and (
            temperature_moved or "current_climate_setting" in given
        ):
            after.update(activity(after))
        reached = reached_set_point(before, after) if temperature_moved else None
        if reached is not None:
            setting = after["current_climate_setting"]
            self._device_event(
                "thermostat.temperature_reached_set_point",
                device,
                temperature_celsius=after["temperature_celsius"],
                temperature_fahrenheit=after["temperature_fahrenheit"],
                desired_temperature_celsius=setting[f"{reached}_set_point_celsius"],
                desired_temperature_fahrenheit=setting[f"{reached}_set_point_fahrenheit"],
            )

    def _follow_noise(self, device: Json, before: Json, given: Json) -> None:
        """Set off the noise thresholds a new noise level is over; report each newly set off."""
        after = device["properties"]
        level = after.get("noise_level_decibels")
        ids_key = "currently_triggering_noise_threshold_ids"
        if "noise_level_decibels" in given:
            if ids_key not in given:
                after[ids_key] = triggering(
                    level, self.noise_thresholds_of(device["device_id"]), self.wall_clock()
                )
            # The provider's own reading moves with it.
            if "minut_metadata" in after:
                readings = after["minut_metadata"].setdefault("latest_sensor_values", {})
                readings["sound"] = {"time": seam_time(self.wall_clock()), "value": level}
            if "noiseaware_metadata" in after:
                after["noiseaware_metadata"]["noise_level_decibel"] = level
        earlier = before.get(ids_key) or []
        for threshold_id in after.get(ids_key) or []:
            if threshold_id not in earlier:
                self._device_event(
                    "noise_sensor.noise_threshold_triggered",
                    device,
                    noise_threshold_id=threshold_id,
                    noise_threshold_name=self.noise_thresholds.get(threshold_id, {}).get("name"),
                    noise_level_decibels=level,
                )

    def noise_thresholds_of(self, device_id: str) -> list[Json]:
        """A noise sensor's thresholds."""
        return [t for t in self.noise_thresholds.values() if t["device_id"] == device_id]

    def trigger_noise_threshold(self, device_id: str) -> bool:
        """Make the noise go over the sensor's active thresholds; False if none is active."""
        now = self.wall_clock()
        active = [
            threshold["noise_threshold_decibels"]
            for threshold in self.noise_thresholds_of(device_id)
            if is_active(threshold, now)
        ]
        if not active:
            return False
        level = self.devices[device_id]["properties"].get("noise_level_decibels", 0.0)
        loud = max(level, max(active) + NOISE_TRIGGER_MARGIN)
        self.update_device(device_id, {"properties": {"noise_level_decibels": loud}})
        return True

    def remove_device(self, device_id: str) -> None:
        """Remove a device from Seam altogether."""
        device = self.devices.pop(device_id, None)
        if device is None:
            raise SimulatorError(f"no device {device_id}")
        self._device_event("device.removed", device)
        for shared in self.user_identities.values():
            if device_id in shared:
                shared.remove(device_id)
        # Seam forgets the codes of a device it no longer has.
        self.access_codes = {
            code_id: code
            for code_id, code in self.access_codes.items()
            if code.device_id != device_id
        }
        self.relocks.pop(device_id, None)

    def command_allowed(self, device_id: str, action_type: str) -> bool:
        """Apply Seam's per-device command rate limit; False means answer 429."""
        now = self.clock()
        window = self.commands.setdefault((device_id, action_type), deque())
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= COMMANDS_PER_MINUTE.get(action_type, SEAM_COMMANDS_PER_MINUTE):
            return False
        window.append(now)
        return True

    def settings_for(self, action_type: str) -> ActionSettings:
        """How a command of `action_type` behaves."""
        return self.action_settings_by_type.get(action_type, self.action_settings)

    def set_action_settings(self, body: Json) -> None:
        """Set how commands behave: an `ActionSettings`'s fields, and `action_types`.

        Without `action_types` the settings are for every command (and replace any given per
        type); with them (a list of `ACTION_TYPES`), for those commands only.
        """
        fields = {key: body[key] for key in ActionSettings.__dataclass_fields__ if key in body}
        settings = ActionSettings(**fields)
        action_types = body.get("action_types")
        if action_types is None:
            self.action_settings = settings
            self.action_settings_by_type.clear()
            return
        if not isinstance(action_types, list):
            raise SimulatorError("action_types must be a list")
        unknown = [name for name in action_types if name not in ACTION_TYPES]
        if unknown:
            raise SimulatorError(f"no action type {', '.join(map(str, unknown))}")
        for name in action_types:
            self.action_settings_by_type[name] = settings

    def start_action(
        self,
        device_id: str,
        action_type: str,
        climate: ClimateChange | None = None,
        *,
        access_code: AccessCode | None = None,
        auto_lock: Json | None = None,
    ) -> ActionAttempt:
        """Record a pending command that settles after the configured delay.

        A thermostat command says what it changes in `climate`, an auto-lock configuration
        in `auto_lock`; an access code command names its code, which then waits for it.
        """
        settings = self.settings_for(action_type)
        attempt = ActionAttempt(
            action_attempt_id=str(uuid.UUID(int=next(self._ids))),
            action_type=action_type,
            device_id=device_id,
            settles_at=self.clock() + settings.delay,
            outcome=settings.outcome,
            error_type=settings.error_type,
            error_message=settings.error_message,
            climate=climate,
            auto_lock=auto_lock,
        )
        if access_code is not None:
            attempt.access_code_id = access_code.access_code_id
            access_code.waiting_for = attempt.action_attempt_id
        self.action_attempts[attempt.action_attempt_id] = attempt
        self.settle_action_attempts()
        return attempt

    def settle_action_attempts(self) -> list[ActionAttempt]:
        """Finish every command whose time has come, then relock what auto-lock relocks.

        A successful command moves the device; an access code command sets or removes its
        code (or fails to).
        """
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
            device = self.devices.get(attempt.device_id)
            if device is not None:
                self._carry_out(attempt, device)
            # Seam has action attempt events for locks only.
            if attempt.action_type in LOCK_ACTION_TYPES:
                outcome = "succeeded" if attempt.status == "success" else "failed"
                self.hub.emit(
                    f"action_attempt.{attempt.action_type.lower()}.{outcome}",
                    attempt.device_id,
                    action_attempt_id=attempt.action_attempt_id,
                    action_type=attempt.action_type,
                    status=attempt.status,
                    connected_account_id=(device or {}).get("connected_account_id"),
                )
            settled.append(attempt)
        self.settle_auto_locks()
        return settled

    def _carry_out(self, attempt: ActionAttempt, device: Json) -> None:
        """What a command that just settled does to its device."""
        if attempt.access_code_id is not None:
            self._settle_access_code(attempt, device)
        elif attempt.status != "success":
            return
        elif attempt.climate is not None:
            self._apply_climate(device, attempt.climate)
        elif attempt.auto_lock is not None:
            device["properties"].update(attempt.auto_lock)
        else:
            self._move_lock(device, attempt.action_type == "LOCK_DOOR", since=attempt.settles_at)

    def _move_lock(
        self,
        device: Json,
        locked: bool,
        *,
        method: str = "remote",
        since: float | None = None,
        **fields: Any,
    ) -> None:
        """Lock or unlock, and say so (`fields` go in the event); `since` is when, by `clock`."""
        properties = device.setdefault("properties", {})
        if properties.get("locked") != locked:
            properties["locked"] = locked
            self._device_event(
                "lock.locked" if locked else "lock.unlocked", device, method=method, **fields
            )
            self._follow_auto_lock(device, self.clock() if since is None else since)

    def _follow_auto_lock(self, device: Json, since: float) -> None:
        """Start the auto-lock timer of a lock unlocked at `since`; a locked lock needs none."""
        properties = device["properties"]
        device_id = device["device_id"]
        if properties.get("locked") is False and properties.get("auto_lock_enabled"):
            delay = properties.get("auto_lock_delay_seconds", DEFAULT_AUTO_LOCK_DELAY)
            self.relocks[device_id] = since + delay
        else:
            self.relocks.pop(device_id, None)

    def settle_auto_locks(self) -> None:
        """Lock every lock whose auto-lock delay has passed, in the order they were due.

        A lock whose auto-lock was turned off meanwhile stays unlocked.
        """
        now = self.clock()
        due = sorted((at, device_id) for device_id, at in self.relocks.items() if now >= at)
        for _, device_id in due:
            del self.relocks[device_id]
            device = self.devices.get(device_id)
            if device is not None and device["properties"].get("auto_lock_enabled"):
                self._move_lock(device, True, method="automatic")

    def _apply_climate(self, device: Json, climate: ClimateChange) -> None:
        """Carry out a thermostat command that succeeded, and send Seam's event for it."""
        properties = device["properties"]
        current = properties.get("current_climate_setting") or {}
        preset_key = climate.preset_key
        properties["current_climate_setting"] = (
            adjusted(current, climate.setting)
            if preset_key is None
            else copy.deepcopy(climate.setting)
        )
        properties.update(activity(properties))
        if preset_key is None:
            self._device_event(
                "thermostat.manually_adjusted",
                device,
                method="seam",
                **manual_fields(properties["current_climate_setting"]),
            )
            return
        self._device_event(
            "thermostat.climate_preset_activated",
            device,
            climate_preset_key=preset_key,
            is_fallback_climate_preset=preset_key == properties.get("fallback_climate_preset_key"),
            thermostat_schedule_id=None,
            keep_null=("thermostat_schedule_id",),
        )

    # Seam access codes

    def access_codes_of(self, device_id: str, *, managed: bool = True) -> list[AccessCode]:
        """A device's codes that Seam manages (or, with `managed` false, those it does not)."""
        return [
            code
            for code in self.access_codes.values()
            if code.device_id == device_id and code.is_managed == managed
        ]

    def _mutation(self, mutation_code: str, message: str, **fields: Any) -> Json:
        """A pending mutation of a code, as Seam lists it while the device catches up."""
        return {
            "mutation_code": mutation_code,
            "message": message,
            "created_at": seam_time(self.wall_clock()),
            **fields,
        }

    def _code_event(
        self, event_type: str, device: Json, access_code: AccessCode, **fields: Any
    ) -> None:
        self._device_event(event_type, device, access_code_id=access_code.access_code_id, **fields)

    def create_access_code(self, device: Json, planned: Json) -> tuple[AccessCode, ActionAttempt]:
        """Add a code Seam manages, and start setting it on the device.

        `planned` holds the code's checked `name`, `code`, `starts_at` and `ends_at`.
        """
        code = AccessCode(
            access_code_id=str(uuid.uuid4()),
            device_id=device["device_id"],
            created_at=seam_time(self.wall_clock()),
            **planned,
        )
        code.pending_mutations = [
            self._mutation("creating", "Setting the access code on the device")
        ]
        self.access_codes[code.access_code_id] = code
        self._code_event("access_code.created", device, code)
        attempt = self.start_action(device["device_id"], "CREATE_ACCESS_CODE", access_code=code)
        return code, attempt

    def update_access_code(self, code: AccessCode, device: Json, changes: Json) -> ActionAttempt:
        """Change a code (`changes`: checked new values), and start setting it again.

        A new PIN or time frame has to go to the device, and so does any change of a code
        that failed to set; a new name alone does not.
        """
        moved = {key: value for key, value in changes.items() if getattr(code, key) != value}
        mutations = []
        if "name" in moved:
            mutations.append(
                self._mutation(
                    "updating_name",
                    "Renaming the access code",
                    **{"from": {"name": code.name}, "to": {"name": moved["name"]}},
                )
            )
        if "code" in moved:
            mutations.append(
                self._mutation(
                    "updating_code",
                    "Changing the code on the device",
                    **{"from": {"code": code.code}, "to": {"code": moved["code"]}},
                )
            )
        if moved.keys() & {"starts_at", "ends_at"}:
            # A new time frame is always given whole (`access_codes.plan_update`).
            before = {"starts_at": code.starts_at, "ends_at": code.ends_at}
            after = {"starts_at": changes["starts_at"], "ends_at": changes["ends_at"]}
            mutations.append(
                self._mutation(
                    "updating_time_frame",
                    "Changing when the access code works",
                    **{"from": before, "to": after},
                )
            )
        changed_properties = [
            {"property": key, "from": getattr(code, key), "to": value}
            for key, value in moved.items()
        ]
        for key, value in moved.items():
            setattr(code, key, value)
        if changed_properties:
            self._code_event(
                "access_code.changed", device, code, changed_properties=changed_properties
            )
        if moved.keys() - {"name"} or code.status == "unset":
            # Until the device has the new code, it takes neither the old nor the new one.
            code.status, code.on_device, code.errors = "setting", False, []
        code.pending_mutations = mutations
        return self.start_action(code.device_id, "UPDATE_ACCESS_CODE", access_code=code)

    def delete_access_code(self, code: AccessCode) -> ActionAttempt:
        """Start removing a code from its device; it is gone once that succeeds."""
        code.status = "removing"
        code.pending_mutations = [
            self._mutation("deleting", "Removing the access code from the device")
        ]
        return self.start_action(code.device_id, "DELETE_ACCESS_CODE", access_code=code)

    def _settle_access_code(self, attempt: ActionAttempt, device: Json) -> None:
        """Set or remove the code of an access code command that just settled."""
        code = self.access_codes.get(str(attempt.access_code_id))
        if code is None or code.waiting_for != attempt.action_attempt_id:
            return  # deleted, or a later command decides what becomes of it
        code.waiting_for = None
        code.pending_mutations = []
        if attempt.action_type == "DELETE_ACCESS_CODE":
            self._finish_removing(attempt, device, code)
        else:
            self._finish_setting(attempt, device, code)

    def _finish_setting(self, attempt: ActionAttempt, device: Json, code: AccessCode) -> None:
        if attempt.status == "success":
            if code.status == "setting":
                code.status, code.on_device = "set", True
                self._code_event("access_code.set_on_device", device, code, code=code.code)
            attempt.result_json = {"access_code": code.as_json()}
        elif code.status == "setting":
            code.status = "unset"
            code.errors = [self._code_error("failed_to_set_on_device", attempt)]
            self._code_failure_event("access_code.failed_to_set_on_device", device, code)

    def _finish_removing(self, attempt: ActionAttempt, device: Json, code: AccessCode) -> None:
        if attempt.status == "success":
            del self.access_codes[code.access_code_id]
            if code.on_device:
                self._code_event("access_code.removed_from_device", device, code)
            self._code_event("access_code.deleted", device, code, code=code.code)
            return
        code.status = "set" if code.on_device else "unset"
        code.errors = [self._code_error("failed_to_remove_from_device", attempt)]
        self._code_failure_event("access_code.failed_to_remove_from_device", device, code)

    def _code_error(self, error_code: str, attempt: ActionAttempt) -> Json:
        return {
            "error_code": error_code,
            "is_access_code_error": True,
            "message": attempt.error_message,
            "created_at": seam_time(self.wall_clock()),
        }

    def _code_failure_event(self, event_type: str, device: Json, code: AccessCode) -> None:
        """Seam's event of a code the device would not take, with everything that is wrong."""
        self._code_event(
            event_type,
            device,
            code,
            access_code_errors=copy.deepcopy(code.errors),
            access_code_warnings=[],
            device_errors=copy.deepcopy(device.get("errors") or []),
            device_warnings=copy.deepcopy(device.get("warnings") or []),
            connected_account_errors=[],
            connected_account_warnings=[],
        )

    def enter_code(self, device_id: str, entered: Any) -> Json:
        """Someone types `entered` on a lock's keypad: it unlocks for a code it holds.

        A code the lock holds opens it within the code's time frame (`lock.unlocked`, method
        `keycode`); any other entry is refused (`lock.access_denied`) and the lock stays as it
        was. The answer says what happened.
        """
        device = self.devices.get(device_id)
        if device is None:
            raise SimulatorError(f"no device {device_id}")
        if "lock" not in device.get("capabilities_supported", []):
            raise SimulatorError(f"device {device_id} is not a lock")
        if not (isinstance(entered, str) and entered):
            raise SimulatorError("code must be a non-empty string")
        self.settle_action_attempts()
        match = next(
            (
                code
                for code in self.access_codes.values()
                if code.device_id == device_id and code.code == entered and code.on_device
            ),
            None,
        )
        if match is None:
            return self._deny_entry(device, "unknown_code", None)
        reason = match.inactive_reason(self.wall_clock())
        if reason is not None:
            return self._deny_entry(device, reason, match)
        self._move_lock(
            device,
            False,
            method="keycode",
            access_code_id=match.access_code_id,
            access_code_is_managed=match.is_managed,
        )
        return {
            "access_granted": True,
            "reason_code": None,
            "access_code_id": match.access_code_id,
            "locked": False,
        }

    def _deny_entry(self, device: Json, reason: str, code: AccessCode | None) -> Json:
        """Refuse a keypad entry: the lock stays as it was, and Seam hears why."""
        access_code_id = None if code is None else code.access_code_id
        self._device_event(
            "lock.access_denied",
            device,
            access_code_id=access_code_id,
            reason={"reason_code": reason, "message": ACCESS_DENIED_MESSAGES[reason]},
        )
        return {
            "access_granted": False,
            "reason_code": reason,
            "access_code_id": access_code_id,
            "locked": device["properties"].get("locked"),
        }

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
        self,
        service: str,
        method: str,
        path: str,
        headers: Any,
        query: Mapping[str, str] | None = None,
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
            query=mask_query(query or {}),
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
                "noise_thresholds": list(self.noise_thresholds.values()),
                "access_codes": [code.as_json() for code in self.access_codes.values()],
            },
            "faults": len(self.faults),
            "gzip_answers": dict(self.gzip_answers),
            "parqex_settings": self.parqex_settings(),
            "parqex_users": [dict(user) for user in self.parqex_users.values()],
            "parqex_oauth": {
                "clients": [client.as_json() for client in self.oauth_clients.values()],
                "codes": len(self.oauth_codes),
                "access_tokens": len(self.access_tokens),
                "refresh_tokens": len(self.refresh_tokens),
                "token_requests": dict(self.token_requests),
            },
            "parqex_toggles": [toggle.as_json() for toggle in self.toggles],
        }
