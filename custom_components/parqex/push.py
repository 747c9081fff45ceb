"""Push updates from Seam: a Home Assistant webhook, registered with Seam where it can be."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
import time
from typing import Any, Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .api import (
    EVENT_TYPES,
    ApiError,
    DeliveryTooLargeError,
    InvalidResponseError,
    SeamClient,
    WebhookVerificationError,
    decode_secret,
    parse_event,
    read_delivery,
    verify_delivery,
)
from .const import (
    CONF_API_KEY,
    CONF_CLOUDHOOK,
    CONF_PUSH,
    CONF_SEAM_WEBHOOK_EVENT_TYPES,
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
    CONF_URL,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    DOMAIN,
    LOGGER,
)
from .coordinator import ParqexConfigEntry, Problem, SeamCoordinator

# Svix retries a delivery until it is acknowledged; remember enough ids to ignore repeats.
SEEN_DELIVERIES: Final = 1000
# Anyone who learns the URL can post to it, so one rejected request proves nothing. Deliveries
# that keep failing for this long, this many times, with none verified, mean a wrong secret.
REJECTIONS_FOR_REPAIR: Final = 3
REJECTION_SPAN: Final = 10 * 60.0


def push_verdict_signal(entry_id: str) -> str:
    """The signal sent with each signed delivery: True if it verified, False if it did not."""
    return f"{DOMAIN}_{entry_id}_push_verdict"


def usable_secret(secret: str) -> bool:
    """Whether a signing secret typed into a form can verify deliveries."""
    try:
        decode_secret(secret)
    except WebhookVerificationError:
        return False
    return True


def push_settings(options: Mapping[str, Any]) -> tuple[bool, str | None]:
    """The options that decide whether and how push runs."""
    return bool(options.get(CONF_PUSH)), options.get(CONF_WEBHOOK_SECRET)


def webhook_url_for_display(hass: HomeAssistant, webhook_id: str) -> str:
    """The URL to paste into Seam's console, as well as Home Assistant can tell it."""
    try:
        return webhook.async_generate_url(hass, webhook_id)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


async def async_external_webhook_url(
    hass: HomeAssistant, webhook_id: str
) -> tuple[str, bool] | None:
    """A URL Seam can reach, and whether it is a Home Assistant Cloud webhook made for it.

    None when Home Assistant has neither a cloud subscription nor an external URL.
    """
    if "cloud" in hass.config.components:
        # Imported only when cloud is loaded: it is optional, and heavy to import.
        from homeassistant.components import cloud  # noqa: PLC0415

        if cloud.async_active_subscription(hass):
            return await cloud.async_get_or_create_cloudhook(hass, webhook_id), True
    try:
        base = get_url(hass, allow_internal=False, prefer_external=True)
    except NoURLAvailableError:
        return None
    return base + webhook.async_generate_path(webhook_id), False


async def async_delete_push(hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
    """Remove what the integration set up for push: Seam's webhook and its cloudhook."""
    await async_delete_seam_webhook(hass, entry)
    if entry.data.get(CONF_CLOUDHOOK) and "cloud" in hass.config.components:
        from homeassistant.components import cloud  # noqa: PLC0415

        try:
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
        except cloud.CloudNotAvailable:
            LOGGER.warning("Could not remove the Home Assistant Cloud webhook of %s", entry.title)


async def async_delete_seam_webhook(hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
    """Remove the webhook the integration registered with Seam, if any."""
    seam_webhook_id = entry.data.get(CONF_SEAM_WEBHOOK_ID)
    if not seam_webhook_id:
        return
    client = SeamClient(
        async_get_clientsession(hass), entry.data[CONF_API_KEY], base_url=entry.data[CONF_URL]
    )
    try:
        await client.async_delete_webhook(seam_webhook_id)
    except ApiError as err:
        LOGGER.warning("Could not remove the push webhook from Seam: %s", err)


class SeamPush:
    """Receives Seam's webhook deliveries for one entry and hands verified events on."""

    def __init__(
        self, hass: HomeAssistant, entry: ParqexConfigEntry, coordinator: SeamCoordinator
    ) -> None:
        """Prepare; nothing is registered until `async_start`."""
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.webhook_id: str = entry.data[CONF_WEBHOOK_ID]
        self._key: bytes | None = None
        self._seen: deque[str] = deque(maxlen=SEEN_DELIVERIES)
        # Requests that failed verification since the last verified delivery, and when the
        # first of them came.
        self._rejected = 0
        self._first_rejected = 0.0

    async def async_start(self) -> None:
        """Listen for deliveries and make sure Seam sends them."""
        webhook.async_register(
            self.hass,
            DOMAIN,
            f"Seam ({self.entry.title})",
            self.webhook_id,
            self._async_handle,
            allowed_methods=("POST",),
        )
        secret = self.entry.options.get(CONF_WEBHOOK_SECRET) or await self._async_register()
        if secret:
            try:
                self._key = decode_secret(secret)
            except WebhookVerificationError as err:
                LOGGER.warning("The stored Seam webhook secret is unusable: %s", err)
        if self._key is None:
            self._raise_problem(
                Problem(
                    "push_not_set_up",
                    {"webhook_url": webhook_url_for_display(self.hass, self.webhook_id)},
                    fixable=True,
                )
            )

    @callback
    def async_stop(self) -> None:
        """Stop listening; Seam's webhook stays until the entry is deleted."""
        webhook.async_unregister(self.hass, self.webhook_id)

    async def _async_register(self) -> str | None:
        """Register with Seam when Home Assistant is reachable from outside; return the secret."""
        found = await async_external_webhook_url(self.hass, self.webhook_id)
        if found is None:
            return None
        url, cloudhook = found
        data = self.entry.data
        if (
            data.get(CONF_SEAM_WEBHOOK_URL) == url
            and data.get(CONF_SEAM_WEBHOOK_SECRET)
            and data.get(CONF_SEAM_WEBHOOK_EVENT_TYPES) == list(EVENT_TYPES)
        ):
            return str(data[CONF_SEAM_WEBHOOK_SECRET])
        await async_delete_seam_webhook(self.hass, self.entry)
        try:
            created = await self.coordinator.client.async_create_webhook(url, EVENT_TYPES)
        except ApiError as err:
            LOGGER.warning("Could not register push updates with Seam: %s", err)
            return None
        self.hass.config_entries.async_update_entry(
            self.entry,
            data={
                **self.entry.data,
                CONF_CLOUDHOOK: cloudhook,
                CONF_SEAM_WEBHOOK_ID: created.webhook_id,
                CONF_SEAM_WEBHOOK_SECRET: created.secret,
                CONF_SEAM_WEBHOOK_URL: url,
                CONF_SEAM_WEBHOOK_EVENT_TYPES: list(EVENT_TYPES),
            },
        )
        return created.secret

    @callback
    def _raise_problem(self, problem: Problem) -> None:
        self.coordinator.push_problems[problem.translation_key] = problem
        self.coordinator.async_refresh_problems()

    @callback
    def _clear_problem(self, translation_key: str) -> None:
        if self.coordinator.push_problems.pop(translation_key, None) is not None:
            self.coordinator.async_refresh_problems()

    async def _async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Answer one request to the webhook; only a verified delivery changes anything."""
        try:
            body = await read_delivery(request.content, request.content_length)
        except DeliveryTooLargeError:
            return web.Response(status=413, text="too large")
        if self._key is None:
            return web.Response(status=401, text="push is not set up")
        try:
            delivery_id = verify_delivery(self._key, request.headers, body)
        except WebhookVerificationError as err:
            LOGGER.debug("Rejected a request to the Seam webhook: %s", err)
            async_dispatcher_send(self.hass, push_verdict_signal(self.entry.entry_id), False)
            self._note_rejection()
            return web.Response(status=401, text="not verified")
        async_dispatcher_send(self.hass, push_verdict_signal(self.entry.entry_id), True)
        if delivery_id in self._seen:
            return web.Response(status=200, text="already received")
        try:
            event = parse_event(body)
        except InvalidResponseError as err:
            LOGGER.debug("Ignored a Seam webhook delivery: %s", err)
            return web.Response(status=400, text="not an event")
        self._seen.append(delivery_id)
        self._rejected = 0
        self._clear_problem("push_rejected")
        self.coordinator.async_push_received()
        self.coordinator.async_apply_event(event)
        return web.Response(status=200, text="ok")

    @callback
    def _note_rejection(self) -> None:
        """Raise the "rejected" repair once requests keep failing and none is verified."""
        now = time.monotonic()
        if not self._rejected:
            self._first_rejected = now
        self._rejected += 1
        if self._rejected >= REJECTIONS_FOR_REPAIR and now - self._first_rejected >= REJECTION_SPAN:
            self._raise_problem(Problem("push_rejected", {}, fixable=True))
