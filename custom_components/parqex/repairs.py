"""Fix flows for the push repairs: take the webhook's signing secret and check it on a delivery."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
import probatio as vol

from .config_flow import SECRET_SELECTOR
from .const import CONF_PUSH, CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET
from .coordinator import ParqexConfigEntry
from .push import push_verdict_signal, usable_secret, webhook_url_for_display

# Seam delivers only when something happens; a user asked to lock or unlock a device needs a
# few minutes at most. After that the secret stays saved and a wrong one raises the repair again.
DELIVERY_WAIT: Final = 300.0
SECRET_SCHEMA: Final = vol.Schema({vol.Required(CONF_WEBHOOK_SECRET): SECRET_SELECTOR})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The flow that fixes a push repair of the entry named in the issue's data."""
    assert data is not None
    entry: ParqexConfigEntry | None = hass.config_entries.async_get_entry(str(data["entry_id"]))
    assert entry is not None
    return PushSecretFlow(entry)


class PushSecretFlow(RepairsFlow):
    """Show the full webhook URL, take the signing secret, and wait for a delivery it verifies."""

    def __init__(self, entry: ParqexConfigEntry) -> None:
        """Fix push for this entry."""
        self._entry = entry
        self._verdict: asyncio.Task[bool | None] | None = None

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Start with the secret."""
        return await self.async_step_secret()

    async def async_step_secret(
        self, user_input: dict[str, Any] | None = None, *, rejected: bool = False
    ) -> RepairsFlowResult:
        """The webhook URL to give Seam, and the signing secret Seam shows for it."""
        errors = {"base": "webhook_secret_rejected"} if rejected else {}
        if user_input is not None:
            secret = str(user_input[CONF_WEBHOOK_SECRET]).strip()
            if not usable_secret(secret):
                errors = {CONF_WEBHOOK_SECRET: "invalid_webhook_secret"}
            else:
                # In the background: waiting up to minutes must not hold Home Assistant's
                # "everything done" (nor tests) for that long.
                self._verdict = self.hass.async_create_background_task(
                    self._async_next_verdict(secret), f"{self._entry.title} push secret check"
                )
                return await self.async_step_verify()
        return self.async_show_form(
            step_id="secret",
            data_schema=SECRET_SCHEMA,
            errors=errors,
            description_placeholders={
                "webhook_url": webhook_url_for_display(self.hass, self._entry.data[CONF_WEBHOOK_ID])
            },
        )

    async def async_step_verify(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Wait for Seam's next delivery while the entry restarts with the secret."""
        assert self._verdict is not None
        if not self._verdict.done():
            return self.async_show_progress(
                step_id="verify", progress_action="wait_for_delivery", progress_task=self._verdict
            )
        outcome = {True: "verified", False: "rejected", None: "unverified"}
        return self.async_show_progress_done(next_step_id=outcome[self._verdict.result()])

    async def async_step_verified(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """A delivery was verified with the secret: push works."""
        return self.async_create_entry(data={})

    async def async_step_rejected(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """A delivery did not verify with the secret: ask again."""
        return await self.async_step_secret(rejected=True)

    async def async_step_unverified(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Nothing arrived to check the secret with; it stays saved."""
        return self.async_abort(reason="no_delivery_yet")

    async def _async_next_verdict(self, secret: str) -> bool | None:
        """Save the secret; whether the first delivery judged with it verifies (None: none came).

        A new secret restarts the entry; until then deliveries are judged with the old one,
        so only the restarted entry's verdicts count.
        """
        entry = self._entry
        before = getattr(entry, "runtime_data", None)
        options = {**entry.options, CONF_PUSH: True, CONF_WEBHOOK_SECRET: secret}
        restarts = options != entry.options
        verdict: asyncio.Future[bool] = self.hass.loop.create_future()

        @callback
        def heard(verified: bool) -> None:
            restarted = (
                entry.state is ConfigEntryState.LOADED
                and getattr(entry, "runtime_data", None) is not before
            )
            if not verdict.done() and (restarted or not restarts):
                verdict.set_result(verified)

        unsubscribe = async_dispatcher_connect(
            self.hass, push_verdict_signal(entry.entry_id), heard
        )
        try:
            self.hass.config_entries.async_update_entry(entry, options=options)
            async with asyncio.timeout(DELIVERY_WAIT):
                return await verdict
        except TimeoutError:
            return None
        finally:
            unsubscribe()
