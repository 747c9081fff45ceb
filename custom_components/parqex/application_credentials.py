"""Application credentials: the client id and secret ParqEx support issues for an install."""

from __future__ import annotations

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2Implementation

from .oauth import ParqexOAuth2Implementation


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> AbstractOAuth2Implementation:
    """ParqEx's authorization server, with ParqEx's token request."""
    return ParqexOAuth2Implementation(hass, auth_domain, credential)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """What the credentials form says about where to get them."""
    return {"redirect_url": "https://my.home-assistant.io/redirect/oauth"}
