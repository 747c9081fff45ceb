"""Commands from Seam entities: one at a time per device, paced, shown only once confirmed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import EntityDescription

from .api import (
    ActionAttemptFailedError,
    ActionAttemptTimeoutError,
    ActionAttemptUnconfirmedError,
    ApiError,
    AuthenticationError,
    RateLimitError,
    SeamActionAttempt,
    SeamDevice,
)
from .api.seam.client import CONFIRM_TIMEOUT
from .const import DOMAIN
from .coordinator import SeamCoordinator
from .entity import SeamEntity

# How long a command may stay unconfirmed before the user is told and the device re-read.
COMMAND_TIMEOUT = CONFIRM_TIMEOUT


def seam_command_error(
    err: ApiError, placeholders: dict[str, str], seconds: int
) -> HomeAssistantError:
    """The translated error a failed command shows; Seam's text is already scrubbed."""
    key = "command_error"
    extra = {"error": str(err)}
    if isinstance(err, AuthenticationError):
        key, extra = "command_auth_failed", {}
    elif isinstance(err, RateLimitError):
        key, extra = "command_rate_limited", {"seconds": str(seconds)}
    elif isinstance(err, ActionAttemptFailedError):
        key = "command_failed"
    elif isinstance(err, ActionAttemptTimeoutError):
        key, extra = "command_timeout", {}
    elif isinstance(err, ActionAttemptUnconfirmedError):
        key = "command_unconfirmed"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={**placeholders, **extra},
    )


def device_unavailable(name: str) -> HomeAssistantError:
    """The error of a command to a device that is no longer there to take it."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="device_unavailable",
        translation_placeholders={"name": name},
    )


class SeamCommandEntity(SeamEntity):
    """A Seam entity that sends commands and shows their outcome only once Seam confirms it."""

    def __init__(
        self, coordinator: SeamCoordinator, device_id: str, description: EntityDescription
    ) -> None:
        """Start with no command under way."""
        super().__init__(coordinator, device_id, description)
        self._command = coordinator.commands.queue(device_id)
        # What the command under way is heading for (a lock: True while locking), or None.
        self._command_target: object = None

    def _require_device(self) -> SeamDevice:
        """The device's current data; a device no longer shared takes no command."""
        device = self.device
        if device is None:
            raise device_unavailable(self.device_id)
        return device

    async def _async_command(
        self,
        placeholders: dict[str, str],
        send: Callable[[], Awaitable[SeamActionAttempt | None]],
        confirm: Callable[[], None],
        *,
        target: object = None,
        recheck_on_failure: bool = False,
    ) -> None:
        """Send a command once the ones before it finished, and show what Seam confirmed.

        `send` sends it; `confirm` shows its outcome once Seam confirmed it; `target` is shown
        while it is under way. A failure raises a translated error, and reads the device again
        where its state may have changed (with `recheck_on_failure`, always, so the real
        setting is shown).
        """
        coordinator = self.coordinator
        async with self._command:
            # Checked once the commands queued before this one have run: one of them may
            # have been told to wait.
            coordinator.commands.raise_if_held(self.device_id, "command_rate_limited", placeholders)
            self._command_target = target
            self._handle_coordinator_update()
            try:
                await coordinator.client.async_confirmed(send(), timeout=COMMAND_TIMEOUT)
            except BaseException as err:
                # Whatever went wrong, the command is not shown under way any more.
                self._command_target = None
                self._handle_coordinator_update()
                if not isinstance(err, ApiError):
                    raise
                coordinator.commands.hold_after(self.device_id, err)
                self._after_failure(err, recheck_on_failure)
                seconds = coordinator.commands.seconds_left(self.device_id)
                raise seam_command_error(err, placeholders, seconds) from err
            self._command_target = None
            confirm()
            # Writes only if confirming changed nothing the coordinator would announce.
            self._handle_coordinator_update()
        coordinator.async_reconcile()

    def _after_failure(self, err: ApiError, recheck: bool) -> None:
        """Start what a failed command calls for: signing in again, or reading the device."""
        coordinator = self.coordinator
        if isinstance(err, AuthenticationError):
            coordinator.config_entry.async_start_reauth(self.hass)
        elif recheck or isinstance(err, ActionAttemptTimeoutError | ActionAttemptUnconfirmedError):
            # The device may have changed: it is read again now, not at the next poll.
            coordinator.config_entry.async_create_background_task(
                self.hass,
                coordinator.async_recheck_device(self.device_id),
                "parqex seam device recheck",
            )
