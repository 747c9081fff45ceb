"""Async client of the ParqEx cloud API."""

from __future__ import annotations

from typing import Final

import aiohttp

from .errors import AuthenticationError, InvalidResponseError
from .models import ParqexAccount, parse_parqex_sync
from .transport import DEFAULT_TIMEOUT, request, validate_base_url, validate_credential

PARQEX_DEFAULT_URL: Final = "https://api.parqex.com"
PARQEX_SYNC_PATH: Final = "/oauth/v1/endpoints/sync"
# ParqEx's documented answer to a missing header or a bad token.
INVALID_ACCESS_TOKEN: Final = b"Invalid Access Token"


class ParqexClient:
    """Reads a ParqEx account's controllers and doors from `/oauth/v1/endpoints/sync`."""

    __slots__ = ("_access_token", "_base_url", "_session", "_timeout")

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: str,
        *,
        base_url: str = PARQEX_DEFAULT_URL,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._session = session
        self._access_token = validate_credential(access_token)
        self._base_url = validate_base_url(base_url)
        self._timeout = request_timeout

    def __repr__(self) -> str:
        return f"ParqexClient(base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        """The service URL this client talks to."""
        return self._base_url

    def _headers(self) -> dict[str, str]:
        # ParqEx documents exactly these five headers and answers "Invalid Access Token" when
        # any one is missing.
        return {
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "Accept-Charset": "utf-8",
            "Authorization": f"Bearer {self._access_token}",
            "Content-Type": "application/json",
        }

    async def async_get_devices(self) -> ParqexAccount:
        """Every controller the user owns or was granted, with the state of every door."""
        payload = await request(
            self._session,
            "ParqEx",
            "GET",
            self._base_url + PARQEX_SYNC_PATH,
            headers=self._headers(),
            timeout=self._timeout,
            auth_marker=INVALID_ACCESS_TOKEN,
            secrets=(self._access_token,),
        )
        try:
            return parse_parqex_sync(payload)
        except InvalidResponseError:
            # A 200 that is not a device list but says the token is invalid is a refusal.
            if INVALID_ACCESS_TOKEN in payload:
                raise AuthenticationError("ParqEx refused the access token") from None
            raise
