"""Async client of the ParqEx cloud API: doors, the user, door commands and history, tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp
import msgspec

from ..errors import (
    AuthenticationError,
    DoorCommandError,
    InvalidResponseError,
    NotFoundError,
    scrub,
)
from ..transport import DEFAULT_TIMEOUT, request, validate_base_url, validate_credential
from .models import (
    ParqexAccount,
    ParqexToggleHistory,
    ParqexToken,
    ParqexUser,
    decode_parqex_token,
    decode_parqex_user,
    parse_parqex_sync,
    parse_parqex_toggle_history,
)

PARQEX_DEFAULT_URL: Final = "https://api.parqex.com"
PARQEX_SYNC_PATH: Final = "/oauth/v1/endpoints/sync"
PARQEX_USER_INFO_PATH: Final = "/oauth/v1/endpoints/user-info"
# The page's header; its example adds a trailing slash, on another host, as for toggle.
PARQEX_TOGGLE_HISTORY_PATH: Final = "/oauth/v1/endpoints/toggle-history"
# ParqEx's page names the toggle path in the singular in its header and in the plural (like
# every other path) in its example: the plural is tried first, the singular once on 404.
PARQEX_TOGGLE_PATHS: Final = ("/oauth/v1/endpoints/toggle", "/oauth/v1/endpoint/toggle")
PARQEX_AUTHORIZE_PATH: Final = "/oauth/v2/endpoints/authorization/"
PARQEX_TOKEN_PATH: Final = "/oauth/v2/endpoints/token/"  # noqa: S105 (a path)
PARQEX_SCOPES: Final = ("OPENDOOR", "CLOSEDOOR")
# ParqEx's documented answer to a missing header or a bad token.
INVALID_ACCESS_TOKEN: Final = b"Invalid Access Token"
TOGGLE_ACCEPTED: Final = "200"

type AccessToken = str | Callable[[], Awaitable[str]]


class _ToggleAnswer(msgspec.Struct, frozen=True):
    # Every documented answer says `success: true`, failures too: only `message` tells.
    message: str | None = None


_TOGGLE_ANSWER: Final = msgspec.json.Decoder(_ToggleAnswer)
# What a refused toggle's message contains, and the reason the integration names it by.
_TOGGLE_REFUSALS: Final = (
    ("(428)", "sensor_required"),
    ("(400)", "malformed"),
    ("(501)", "not_implemented"),
    ("can't be found", "controller_offline"),
)


class ParqexClient:
    """Talks to ParqEx for one account, with a fixed access token or one fetched per request.

    A callable `access_token` is awaited before every request: an OAuth session refreshes
    the token there when it is about to expire.
    """

    __slots__ = ("_base_url", "_session", "_timeout", "_toggle_path", "_token", "_token_source")

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessToken,
        *,
        base_url: str = PARQEX_DEFAULT_URL,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._session = session
        if isinstance(access_token, str):
            self._token: str | None = validate_credential(access_token)
            self._token_source: Callable[[], Awaitable[str]] | None = None
        else:
            self._token, self._token_source = None, access_token
        self._base_url = validate_base_url(base_url)
        self._timeout = request_timeout
        self._toggle_path = PARQEX_TOGGLE_PATHS[0]

    def __repr__(self) -> str:
        return f"ParqexClient(base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        """The service URL this client talks to."""
        return self._base_url

    async def _access_token(self) -> str:
        if self._token_source is None:
            assert self._token is not None
            return self._token
        return validate_credential(await self._token_source())

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[bytes, str]:
        """The answer's body, and the token it was sent with (to scrub what it repeats)."""
        token = await self._access_token()
        payload = await request(
            self._session,
            "ParqEx",
            method,
            self._base_url + path,
            # ParqEx documents exactly these five headers and answers "Invalid Access Token"
            # when any one is missing.
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "Accept-Charset": "utf-8",
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            },
            body=None if body is None else msgspec.json.encode(body),
            timeout=self._timeout,
            auth_marker=INVALID_ACCESS_TOKEN,
            secrets=(token,),
        )
        return payload, token

    async def _get[T](self, path: str, parse: Callable[[bytes], T]) -> T:
        """GET `path` and parse the answer; one that does not parse may be a refused token."""
        payload, _ = await self._request("GET", path)
        try:
            return parse(payload)
        except InvalidResponseError:
            _raise_if_token_refused(payload)
            raise

    async def async_get_devices(self) -> ParqexAccount:
        """Every controller the user owns or was granted, with the state of every door."""
        return await self._get(PARQEX_SYNC_PATH, parse_parqex_sync)

    async def async_get_user(self) -> ParqexUser:
        """The signed-in user: ParqEx's stable id of the account, and the user's name."""
        return await self._get(PARQEX_USER_INFO_PATH, decode_parqex_user)

    async def async_toggle_history(
        self,
        *,
        start: date,
        end: date,
        door_id: str | None = None,
        device_id: str | None = None,
    ) -> ParqexToggleHistory:
        """Who asked which door for which state, from `start` to `end` (whole days, UTC).

        With `door_id` the history of that door, with `device_id` that of every door of that
        controller, with neither the signed-in user's own toggles. Events come newest first;
        malformed ones are skipped and counted.
        """
        if door_id is not None and device_id is not None:
            raise ValueError("A toggle history is of a door or of a controller, not both")
        if door_id is not None:
            query = {"history_type": "door", "door_id": door_id}
        elif device_id is not None:
            query = {"history_type": "device", "device_id": device_id}
        else:
            query = {"history_type": "user"}
        query |= {"start_date": f"{start:%Y-%m-%d}", "end_date": f"{end:%Y-%m-%d}"}
        return await self._get(
            f"{PARQEX_TOGGLE_HISTORY_PATH}?{urlencode(query)}", parse_parqex_toggle_history
        )

    async def async_toggle(self, door_id: str, *, open_door: bool) -> None:
        """Ask the door's controller to open or close it; returns once ParqEx accepted it.

        The door moves afterwards: only `/sync` shows when it got there. Raises
        `DoorCommandError` naming the reason when ParqEx refuses, `AuthenticationError`
        when it refuses the credentials.
        """
        body = {"door_id": door_id, "door_state": "OPEN" if open_door else "CLOSED"}
        try:
            payload, token = await self._request("POST", self._toggle_path, body)
        except NotFoundError:
            if self._toggle_path != PARQEX_TOGGLE_PATHS[0]:
                raise
            payload, token = await self._request("POST", PARQEX_TOGGLE_PATHS[1], body)
            self._toggle_path = PARQEX_TOGGLE_PATHS[1]
        self._check_toggle_answer(payload, token)

    @staticmethod
    def _check_toggle_answer(payload: bytes, token: str) -> None:
        try:
            message = (_TOGGLE_ANSWER.decode(payload).message or "").strip()
        except msgspec.DecodeError, msgspec.ValidationError, RecursionError:
            raise InvalidResponseError("ParqEx toggle answer is not the documented shape") from None
        if message == TOGGLE_ACCEPTED:
            return
        if not message:
            _raise_if_token_refused(payload)
            raise DoorCommandError("ParqEx refused the door command without saying why", "unknown")
        shown = scrub(message, (token,))
        if "(401)" in message:
            raise AuthenticationError(f"ParqEx refused the door command: {shown}")
        reason = next((name for mark, name in _TOGGLE_REFUSALS if mark in message), "unknown")
        raise DoorCommandError(f"ParqEx refused the door command: {shown}", reason)


def _raise_if_token_refused(payload: bytes) -> None:
    """A 2xx answer that is not what was asked for but says the token is invalid is a refusal."""
    if INVALID_ACCESS_TOKEN in payload:
        raise AuthenticationError("ParqEx refused the access token")


def authorize_url(base_url: str) -> str:
    """Where ParqEx's users sign in and approve an application."""
    return validate_base_url(base_url) + PARQEX_AUTHORIZE_PATH


async def async_request_token(
    session: aiohttp.ClientSession,
    base_url: str,
    params: dict[str, str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> ParqexToken:
    """Exchange a code or a refresh token at ParqEx's token endpoint.

    ParqEx documents a GET with the client's credentials and the grant in the query. Every
    refresh returns a new refresh token; the one sent is spent. A refused grant raises
    `AuthenticationError` (401) or `RequestRejectedError` (400); an unreachable or failing
    endpoint `ServiceUnavailableError`.
    """
    secrets = tuple(
        params[key] for key in ("client_secret", "code", "refresh_token") if params.get(key)
    )
    url = validate_base_url(base_url) + PARQEX_TOKEN_PATH
    payload = await request(
        session,
        "ParqEx",
        "GET",
        f"{url}?{urlencode(params)}",
        headers={
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=timeout,
        secrets=secrets,
    )
    return decode_parqex_token(payload)
