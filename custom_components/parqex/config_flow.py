"""Config flow: add a ParqEx account or a Seam user identity, reauthenticate, reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
import hashlib
from typing import Any
import uuid

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from .api import (
    PARQEX_DEFAULT_URL,
    SEAM_DEFAULT_URL,
    ApiError,
    AuthenticationError,
    InsecureUrlError,
    InvalidCredentialsError,
    NotFoundError,
    ParqexClient,
    SeamClient,
    WebhookVerificationError,
    decode_secret,
)
from .const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_PUSH,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    LOGGER,
    MIN_SCAN_INTERVAL,
    SERVICE_PARQEX,
    SERVICE_SEAM,
)
from .coordinator import entry_service, scan_interval
from .migration import MINOR_VERSION, VERSION
from .push import webhook_url_for_display

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector()
# The expert fields (the service URL) live in this collapsed section of the form.
SECTION_ADVANCED = "advanced"
MAX_SCAN_INTERVAL = 3600
# Seam's error type for a user identity its workspace does not have.
SEAM_USER_IDENTITY_NOT_FOUND = "user_identity_not_found"


def parqex_unique_id(access_token: str) -> str:
    """A stable id for a ParqEx account that does not reveal its token.

    ParqEx's `/sync` names no account, so the token is all that identifies one.
    """
    return "parqex_" + hashlib.sha256(access_token.encode()).hexdigest()[:32]


def _secret_key(data: Mapping[str, Any]) -> str:
    return CONF_API_KEY if entry_service(data) == SERVICE_SEAM else CONF_ACCESS_TOKEN


def _unique_id(data: Mapping[str, Any]) -> str:
    if entry_service(data) == SERVICE_SEAM:
        return str(data[CONF_USER_IDENTITY_ID])
    return parqex_unique_id(data[CONF_ACCESS_TOKEN])


async def async_validate(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, str]:
    """Call the service with the given entry data; return form errors, empty when it works."""
    session = async_get_clientsession(hass)
    seam = entry_service(data) == SERVICE_SEAM
    try:
        if seam:
            client = SeamClient(session, data[CONF_API_KEY], base_url=data[CONF_URL])
            await client.async_list_accessible_devices(data[CONF_USER_IDENTITY_ID])
        else:
            parqex = ParqexClient(session, data[CONF_ACCESS_TOKEN], base_url=data[CONF_URL])
            await parqex.async_get_devices()
    except InsecureUrlError:
        return {"base": "insecure_url"}
    except InvalidCredentialsError:
        return {"base": "malformed_credential"}
    except AuthenticationError:
        return {"base": "invalid_auth"}
    except NotFoundError as err:
        if seam and err.error_type == SEAM_USER_IDENTITY_NOT_FOUND:
            return {"base": "user_identity_not_found"}
        return {"base": "url_not_found"}
    except ApiError:
        return {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error while checking the %s credentials", entry_service(data))
        return {"base": "unknown"}
    return {}


class ParqexConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds one entry per ParqEx account or Seam user identity."""

    VERSION = VERSION
    MINOR_VERSION = MINOR_VERSION

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> ParqexOptionsFlow:
        """The options flow: polling interval, and push updates for Seam entries."""
        return ParqexOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which service to add."""
        return self.async_show_menu(step_id="user", menu_options=[SERVICE_PARQEX, SERVICE_SEAM])

    @staticmethod
    def _url_section(default: str) -> dict[vol.Marker, Any]:
        # Optional: input without the section means the default URL.
        return {
            vol.Optional(SECTION_ADVANCED): section(
                vol.Schema({vol.Required(CONF_URL, default=default): _URL}), {"collapsed": True}
            )
        }

    @staticmethod
    def _url(user_input: Mapping[str, Any], default: str) -> str:
        return str(user_input.get(SECTION_ADVANCED, {}).get(CONF_URL, default)).strip()

    async def _async_create(
        self, step_id: str, schema: vol.Schema, data: dict[str, Any], title: str
    ) -> ConfigFlowResult:
        await self.async_set_unique_id(_unique_id(data))
        self._abort_if_unique_id_configured()
        errors = await async_validate(self.hass, data)
        if not errors:
            return self.async_create_entry(title=title, data=data)
        # The form keeps what was entered, the URL inside its section.
        return self._show(
            step_id, schema, {**data, SECTION_ADVANCED: {CONF_URL: data[CONF_URL]}}, errors
        )

    def _show(
        self,
        step_id: str,
        schema: vol.Schema,
        user_input: Mapping[str, Any] | None,
        errors: dict[str, str],
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_parqex(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a ParqEx account by its access token."""
        schema = vol.Schema(
            {vol.Required(CONF_ACCESS_TOKEN): _PASSWORD, **self._url_section(PARQEX_DEFAULT_URL)}
        )
        if user_input is None:
            return self._show("parqex", schema, None, {})
        data = {
            CONF_ACCESS_TOKEN: user_input[CONF_ACCESS_TOKEN].strip(),
            CONF_URL: self._url(user_input, PARQEX_DEFAULT_URL),
        }
        return await self._async_create("parqex", schema, data, "ParqEx")

    async def async_step_seam(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add the devices Seam shares with one user identity."""
        schema = vol.Schema(
            {
                vol.Required(CONF_API_KEY): _PASSWORD,
                vol.Required(CONF_USER_IDENTITY_ID): _TEXT,
                **self._url_section(SEAM_DEFAULT_URL),
            }
        )
        if user_input is None:
            return self._show("seam", schema, None, {})
        try:
            user_identity_id = str(uuid.UUID(user_input[CONF_USER_IDENTITY_ID].strip()))
        except ValueError:
            return self._show(
                "seam", schema, user_input, {CONF_USER_IDENTITY_ID: "invalid_user_identity_id"}
            )
        data = {
            CONF_API_KEY: user_input[CONF_API_KEY].strip(),
            CONF_USER_IDENTITY_ID: user_identity_id,
            CONF_URL: self._url(user_input, SEAM_DEFAULT_URL),
        }
        return await self._async_create("seam", schema, data, f"Seam user {user_identity_id[:8]}")

    async def _async_update_entry(
        self,
        step_id: str,
        schema: vol.Schema,
        entry: ConfigEntry,
        data: dict[str, Any],
        user_input: Mapping[str, Any],
    ) -> ConfigFlowResult:
        """Check new data for an existing entry, then store it and reload the entry."""
        errors = await async_validate(self.hass, data)
        if errors:
            return self._show(step_id, schema, user_input, errors, {"title": entry.title})
        unique_id = _unique_id(data)
        if unique_id != entry.unique_id:
            # A new ParqEx token is a new id; it must not be another entry's account.
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
        return self.async_update_reload_and_abort(entry, unique_id=unique_id, data=data)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication when the service refused the stored secret."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask only for the secret that was refused."""
        entry = self._get_reauth_entry()
        key = _secret_key(entry.data)
        schema = vol.Schema({vol.Required(key): _PASSWORD})
        if user_input is None:
            return self._show("reauth_confirm", schema, None, {}, {"title": entry.title})
        data = {**entry.data, key: user_input[key].strip()}
        return await self._async_update_entry("reauth_confirm", schema, entry, data, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the secret and/or the service URL of an entry in place."""
        entry = self._get_reconfigure_entry()
        key = _secret_key(entry.data)
        schema = vol.Schema(
            {
                vol.Optional(key): _PASSWORD,
                vol.Required(CONF_URL, default=entry.data[CONF_URL]): _URL,
            }
        )
        if user_input is None:
            return self._show("reconfigure", schema, None, {}, {"title": entry.title})
        data = {**entry.data, CONF_URL: user_input[CONF_URL].strip()}
        if user_input.get(key, "").strip():
            data[key] = user_input[key].strip()
        return await self._async_update_entry("reconfigure", schema, entry, data, user_input)


class ParqexOptionsFlow(OptionsFlow):
    """How often to poll and, for Seam, whether to take push updates."""

    def _interval_field(self) -> dict[vol.Marker, Any]:
        current = int(scan_interval(self.config_entry).total_seconds())
        return {
            vol.Required(CONF_SCAN_INTERVAL, default=current): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_SCAN_INTERVAL,
                    max=MAX_SCAN_INTERVAL,
                    step=1,
                    unit_of_measurement="s",
                    mode=NumberSelectorMode.BOX,
                )
            )
        }

    def _save(self, user_input: dict[str, Any], **extra: Any) -> ConfigFlowResult:
        return self.async_create_entry(
            data={
                **self.config_entry.options,
                CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                **extra,
            }
        )

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the polling interval in seconds."""
        if entry_service(self.config_entry.data) == SERVICE_SEAM:
            return await self.async_step_seam(user_input)
        if user_input is not None:
            return self._save(user_input)
        return self.async_show_form(step_id="init", data_schema=vol.Schema(self._interval_field()))

    async def async_step_seam(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Polling interval, push updates, and the secret of a webhook added by hand."""
        entry = self.config_entry
        options = entry.options
        webhook_id = entry.data.get(CONF_WEBHOOK_ID)
        if webhook_id is None:
            # Kept from the first time the URL is shown: a user may copy it into Seam's
            # console and come back later. Unguessable: the URL is all a sender needs
            # besides the signature.
            webhook_id = webhook.async_generate_id()
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
            )
        errors: dict[str, str] = {}
        if user_input is not None:
            secret = user_input.get(CONF_WEBHOOK_SECRET, "").strip()
            extra: dict[str, Any] = {CONF_PUSH: bool(user_input[CONF_PUSH])}
            if secret:
                try:
                    decode_secret(secret)
                except WebhookVerificationError:
                    errors[CONF_WEBHOOK_SECRET] = "invalid_webhook_secret"
                extra[CONF_WEBHOOK_SECRET] = secret
            if not errors:
                return self._save(user_input, **extra)
        schema = vol.Schema(
            {
                **self._interval_field(),
                vol.Required(CONF_PUSH, default=bool(options.get(CONF_PUSH))): BooleanSelector(),
                vol.Optional(CONF_WEBHOOK_SECRET): _PASSWORD,
            }
        )
        return self.async_show_form(
            step_id="seam",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "webhook_url": webhook_url_for_display(self.hass, webhook_id)
            },
        )
