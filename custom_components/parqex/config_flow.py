"""Config flow: a ParqEx account (OAuth sign-in or an access token) or a Seam user identity."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any
import uuid

from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2FlowHandler
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
    ParqexUser,
    SeamClient,
    validate_base_url,
)
from .const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_AUTH_IMPLEMENTATION,
    CONF_CONTROL_DOORS,
    CONF_PUSH,
    CONF_SCAN_INTERVAL,
    CONF_TOKEN,
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
from .coordinator import control_doors, entry_service, scan_interval
from .migration import MINOR_VERSION, VERSION, parqex_title
from .oauth import ParqexOAuth2Implementation
from .push import usable_secret, webhook_url_for_display

# Tokens, API keys and signing secrets: typed hidden (the repairs fix flow asks with it too).
SECRET_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector()
# The expert fields (the service URL) live in this collapsed section of the form.
SECTION_ADVANCED = "advanced"
MAX_SCAN_INTERVAL = 3600
# Seam's error type for a user identity its workspace does not have.
SEAM_USER_IDENTITY_NOT_FOUND = "user_identity_not_found"
# The menu's ways to add an entry.
STEP_PARQEX_TOKEN = "parqex_token"  # noqa: S105 (a step id)


def _secret_key(data: Mapping[str, Any]) -> str:
    return CONF_API_KEY if entry_service(data) == SERVICE_SEAM else CONF_ACCESS_TOKEN


def _errors_of(err: Exception, *, seam: bool) -> dict[str, str]:
    """The form error a failed check of new credentials shows."""
    match err:
        case InsecureUrlError():
            return {"base": "insecure_url"}
        case InvalidCredentialsError():
            return {"base": "malformed_credential"}
        case AuthenticationError():
            return {"base": "invalid_auth"}
        case NotFoundError() if seam and err.error_type == SEAM_USER_IDENTITY_NOT_FOUND:
            return {"base": "user_identity_not_found"}
        case NotFoundError():
            return {"base": "url_not_found"}
        case ApiError():
            return {"base": "cannot_connect"}
    LOGGER.exception("Unexpected error while checking credentials", exc_info=err)
    return {"base": "unknown"}


async def async_check_seam(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, str]:
    """Call Seam with the given entry data; return form errors, empty when it works."""
    try:
        client = SeamClient(
            async_get_clientsession(hass), data[CONF_API_KEY], base_url=data[CONF_URL]
        )
        await client.async_list_accessible_devices(data[CONF_USER_IDENTITY_ID])
    except Exception as err:
        return _errors_of(err, seam=True)
    return {}


async def async_check_parqex(
    hass: HomeAssistant, access_token: str, url: str
) -> tuple[ParqexUser | None, dict[str, str]]:
    """The account a ParqEx token signs in as; or the form errors when it does not work."""
    try:
        client = ParqexClient(async_get_clientsession(hass), access_token, base_url=url)
        return await client.async_get_user(), {}
    except Exception as err:
        return None, _errors_of(err, seam=False)


class ParqexConfigFlow(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Adds one entry per ParqEx account or Seam user identity."""

    DOMAIN = DOMAIN
    VERSION = VERSION
    MINOR_VERSION = MINOR_VERSION

    def __init__(self) -> None:
        """Sign-in with ParqEx starts at its default URL."""
        super().__init__()
        self._parqex_url = PARQEX_DEFAULT_URL

    @property
    def logger(self) -> logging.Logger:
        """Where Home Assistant's OAuth helper logs."""
        return LOGGER

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> ParqexOptionsFlow:
        """The options flow: polling interval, door control or push updates."""
        return ParqexOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which service, and for ParqEx which way of signing in."""
        return self.async_show_menu(
            step_id="user", menu_options=[SERVICE_PARQEX, STEP_PARQEX_TOKEN, SERVICE_SEAM]
        )

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

    # ParqEx, signing in at ParqEx (OAuth 2.0).

    async def async_step_parqex(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Sign in at ParqEx with the application credentials ParqEx support issued."""
        schema = vol.Schema(self._url_section(PARQEX_DEFAULT_URL))
        if user_input is None:
            return self._show("parqex", schema, None, {})
        url = self._url(user_input, PARQEX_DEFAULT_URL)
        try:
            self._parqex_url = validate_base_url(url)
        except InsecureUrlError:
            return self._show(
                "parqex", schema, {SECTION_ADVANCED: {CONF_URL: url}}, {"base": "insecure_url"}
            )
        return await self.async_step_pick_implementation()

    async def async_step_auth(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Send the user to ParqEx's sign-in at the chosen service URL."""
        # ParqEx's credentials are the only implementation: application credentials.
        assert isinstance(self.flow_impl, ParqexOAuth2Implementation)
        self.flow_impl = self.flow_impl.at(self._parqex_url)
        return await super().async_step_auth(user_input)

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Signed in: an entry named after the ParqEx account, or the one signing in again."""
        user, errors = await async_check_parqex(
            self.hass, data[CONF_TOKEN]["access_token"], self._parqex_url
        )
        if user is None:
            return self.async_abort(
                reason="cannot_connect" if errors["base"] != "invalid_auth" else "invalid_auth"
            )
        return await self._async_finish_parqex(user, {**data, CONF_URL: self._parqex_url})

    async def _async_finish_parqex(
        self, user: ParqexUser, data: dict[str, Any]
    ) -> ConfigFlowResult:
        await self.async_set_unique_id(user.id)
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            return self.async_update_reload_and_abort(entry, data=data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=parqex_title(user), data=data)

    # ParqEx, with an access token the user already has.

    async def async_step_parqex_token(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add a ParqEx account by an access token obtained elsewhere."""
        schema = vol.Schema(
            {
                vol.Required(CONF_ACCESS_TOKEN): SECRET_SELECTOR,
                **self._url_section(PARQEX_DEFAULT_URL),
            }
        )
        if user_input is None:
            return self._show(STEP_PARQEX_TOKEN, schema, None, {})
        data = {
            CONF_ACCESS_TOKEN: user_input[CONF_ACCESS_TOKEN].strip(),
            CONF_URL: self._url(user_input, PARQEX_DEFAULT_URL),
        }
        user, errors = await async_check_parqex(self.hass, data[CONF_ACCESS_TOKEN], data[CONF_URL])
        if user is None:
            # The form keeps what was entered, the URL inside its section.
            return self._show(
                STEP_PARQEX_TOKEN,
                schema,
                {**data, SECTION_ADVANCED: {CONF_URL: data[CONF_URL]}},
                errors,
            )
        return await self._async_finish_parqex(user, data)

    # Seam.

    async def async_step_seam(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add the devices Seam shares with one user identity."""
        schema = vol.Schema(
            {
                vol.Required(CONF_API_KEY): SECRET_SELECTOR,
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
        await self.async_set_unique_id(user_identity_id)
        self._abort_if_unique_id_configured()
        errors = await async_check_seam(self.hass, data)
        if not errors:
            return self.async_create_entry(title=f"Seam user {user_identity_id[:8]}", data=data)
        return self._show(
            "seam", schema, {**data, SECTION_ADVANCED: {CONF_URL: data[CONF_URL]}}, errors
        )

    # Signing in again and changing an entry.

    async def _async_update_with_secret(
        self,
        step_id: str,
        schema: vol.Schema,
        entry: ConfigEntry,
        data: dict[str, Any],
        user_input: Mapping[str, Any],
    ) -> ConfigFlowResult:
        """Check a new secret or URL of a token or Seam entry, then store it and reload."""
        if entry_service(data) == SERVICE_SEAM:
            errors = await async_check_seam(self.hass, data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        else:
            user, errors = await async_check_parqex(
                self.hass, data[CONF_ACCESS_TOKEN], data[CONF_URL]
            )
            if user is not None:
                return await self._async_finish_parqex(user, data)
        return self._show(step_id, schema, user_input, errors, {"title": entry.title})

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication when the service refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in at ParqEx again, or enter the secret that was refused."""
        entry = self._get_reauth_entry()
        if CONF_AUTH_IMPLEMENTATION in entry.data:
            if user_input is None:
                return self.async_show_form(
                    step_id="reauth_confirm",
                    description_placeholders={"title": entry.title},
                )
            self._parqex_url = entry.data[CONF_URL]
            return await self.async_step_pick_implementation()
        key = _secret_key(entry.data)
        schema = vol.Schema({vol.Required(key): SECRET_SELECTOR})
        if user_input is None:
            return self._show("reauth_confirm", schema, None, {}, {"title": entry.title})
        data = {**entry.data, key: user_input[key].strip()}
        return await self._async_update_with_secret(
            "reauth_confirm", schema, entry, data, user_input
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the secret and/or the service URL of an entry in place."""
        entry = self._get_reconfigure_entry()
        signed_in = CONF_AUTH_IMPLEMENTATION in entry.data
        key = _secret_key(entry.data)
        fields: dict[vol.Marker, Any] = {} if signed_in else {vol.Optional(key): SECRET_SELECTOR}
        schema = vol.Schema({**fields, vol.Required(CONF_URL, default=entry.data[CONF_URL]): _URL})
        if user_input is None:
            return self._show("reconfigure", schema, None, {}, {"title": entry.title})
        url = user_input[CONF_URL].strip()
        if signed_in:
            # New tokens for the new URL: sign in there.
            try:
                self._parqex_url = validate_base_url(url)
            except InsecureUrlError:
                return self._show(
                    "reconfigure",
                    schema,
                    user_input,
                    {"base": "insecure_url"},
                    {"title": entry.title},
                )
            return await self.async_step_pick_implementation()
        data = {**entry.data, CONF_URL: url}
        if user_input.get(key, "").strip():
            data[key] = user_input[key].strip()
        return await self._async_update_with_secret("reconfigure", schema, entry, data, user_input)


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
        """ParqEx: the polling interval, and whether Home Assistant may open and close doors."""
        if entry_service(self.config_entry.data) == SERVICE_SEAM:
            return await self.async_step_seam(user_input)
        if user_input is not None:
            return self._save(
                user_input, **{CONF_CONTROL_DOORS: bool(user_input[CONF_CONTROL_DOORS])}
            )
        schema = vol.Schema(
            {
                **self._interval_field(),
                vol.Required(
                    CONF_CONTROL_DOORS, default=control_doors(self.config_entry)
                ): BooleanSelector(),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)

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
                if not usable_secret(secret):
                    errors[CONF_WEBHOOK_SECRET] = "invalid_webhook_secret"
                extra[CONF_WEBHOOK_SECRET] = secret
            if not errors:
                return self._save(user_input, **extra)
        schema = vol.Schema(
            {
                **self._interval_field(),
                vol.Required(CONF_PUSH, default=bool(options.get(CONF_PUSH))): BooleanSelector(),
                vol.Optional(CONF_WEBHOOK_SECRET): SECRET_SELECTOR,
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
