"""Signing in with ParqEx: its authorization server, at the service URL an entry uses."""

from __future__ import annotations

from typing import Any, Self

from aiohttp import ClientConnectionError, ClientError, ClientResponseError, RequestInfo
from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import OAuth2TokenRequestReauthError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
import msgspec
from yarl import URL

from . import const
from .api import (
    PARQEX_DEFAULT_URL,
    PARQEX_SCOPES,
    AccessToken,
    ApiError,
    AuthenticationError,
    RateLimitError,
    RequestRejectedError,
    ServiceUnavailableError,
    async_request_token,
    authorize_url,
)
from .api.parqex.client import PARQEX_TOKEN_PATH
from .const import CONF_ACCESS_TOKEN, CONF_AUTH_IMPLEMENTATION, CONF_URL


class ParqexOAuth2Implementation(AuthImplementation):
    """ParqEx's OAuth 2.0 authorization code flow with the user's application credentials.

    ParqEx's token request is a GET with everything in the query, not the usual form POST;
    its answers are read by the API package, bounded and with secrets kept out of errors.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        auth_domain: str,
        credential: ClientCredential,
        base_url: str = PARQEX_DEFAULT_URL,
    ) -> None:
        """Use ParqEx's authorization server at `base_url`."""
        super().__init__(
            hass,
            auth_domain,
            credential,
            AuthorizationServer(
                authorize_url=authorize_url(base_url), token_url=base_url + PARQEX_TOKEN_PATH
            ),
        )
        self._credential = credential
        self.base_url = base_url

    def at(self, base_url: str) -> Self:
        """The same credentials at another service URL (a test server)."""
        return type(self)(self.hass, self.domain, self._credential, base_url)

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """The scopes a door integration needs: opening and closing doors."""
        return {"scope": ",".join(PARQEX_SCOPES)}

    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Ask ParqEx for tokens; failures in the terms Home Assistant's OAuth helper maps.

        A refused grant (400, 401) means signing in again; a failing or unreachable endpoint
        is only retried.
        """
        params = {
            **{key: str(value) for key, value in data.items()},
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        try:
            token = await async_request_token(
                async_get_clientsession(self.hass),
                self.base_url,
                params,
                timeout=const.REQUEST_TIMEOUT,
            )
        except (AuthenticationError, RequestRejectedError, RateLimitError) as err:
            status = 429 if isinstance(err, RateLimitError) else 400
            raise ClientResponseError(self._request_info(), (), status=status) from err
        except ApiError as err:
            raise ClientConnectionError(str(err)) from err
        return {
            key: value for key, value in msgspec.structs.asdict(token).items() if value is not None
        }

    def _request_info(self) -> RequestInfo:
        url = URL(self.token_url)
        # What the error names: the URL; no header of the request is kept with it.
        headers: Any = {}
        return RequestInfo(url, "GET", headers, url)


async def async_access_token(hass: HomeAssistant, entry: ConfigEntry) -> AccessToken:
    """A ParqEx entry's access token: pasted, or kept fresh by its OAuth session."""
    if CONF_AUTH_IMPLEMENTATION not in entry.data:
        return str(entry.data[CONF_ACCESS_TOKEN])
    # Credentials that are gone raise what asks to sign in again; ones that cannot be
    # reached for now, what retries the setup.
    implementation = await async_get_config_entry_implementation(hass, entry)
    assert isinstance(implementation, ParqexOAuth2Implementation)
    session = OAuth2Session(hass, entry, implementation.at(entry.data[CONF_URL]))

    async def fresh_access_token() -> str:
        # The session refreshes at most once at a time and stores the new refresh token at
        # once: ParqEx spends the old one.
        try:
            await session.async_ensure_token_valid()
        except OAuth2TokenRequestReauthError as err:
            raise AuthenticationError("ParqEx refused the refresh token") from err
        except ClientError as err:
            # Every other failure of a token request, before or after an answer.
            raise ServiceUnavailableError("ParqEx's token endpoint failed") from err
        return str(session.token["access_token"])

    return fresh_access_token
