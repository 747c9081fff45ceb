"""Commands sent to a service: when each device may be sent the next one."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .api import ActionAttemptUnconfirmedError, ApiError, RateLimitError
from .const import DOMAIN

# When a service answers 429 without saying how long to wait: Seam's limit is per minute.
DEFAULT_RETRY_SECONDS: Final = 60.0


class CommandPacer:
    """When each device may next be sent a command.

    A device is held back after a service asked to wait, or to keep the pace a service asks
    of its clients. A command refused here is never sent: sending it would only earn another
    refusal.
    """

    __slots__ = ("_not_before", "_queues")

    def __init__(self) -> None:
        """No device is held back yet."""
        self._not_before: dict[str, float] = {}
        self._queues: dict[str, asyncio.Lock] = {}

    def queue(self, object_id: str) -> asyncio.Lock:
        """What a command to `object_id` holds while it runs: one command per device at once.

        Every entity of a device shares it, so a lock's own commands, its auto-lock's and its
        codes' never cross.
        """
        return self._queues.setdefault(object_id, asyncio.Lock())

    def seconds_left(self, object_id: str) -> int:
        """Whole seconds until `object_id` may be sent a command; 0 when it may now."""
        not_before = self._not_before.get(object_id)
        if not_before is None:
            return 0
        left = not_before - time.monotonic()
        if left <= 0:
            del self._not_before[object_id]
            return 0
        return math.ceil(left)

    def hold(self, object_id: str, seconds: float) -> None:
        """Send `object_id` no command for `seconds`, unless it is held longer already."""
        not_before = time.monotonic() + seconds
        self._not_before[object_id] = max(self._not_before.get(object_id, 0.0), not_before)

    def hold_after(self, object_id: str, err: ApiError) -> None:
        """Hold a device back for as long as a 429 asked, also one met following a command."""
        cause = err.__cause__ if isinstance(err, ActionAttemptUnconfirmedError) else err
        if isinstance(cause, RateLimitError):
            self.hold(object_id, cause.retry_after or DEFAULT_RETRY_SECONDS)

    def raise_if_held(
        self, object_id: str, translation_key: str, placeholders: dict[str, str]
    ) -> None:
        """Refuse a command to a device that is held back, saying for how long."""
        if seconds := self.seconds_left(object_id):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=translation_key,
                translation_placeholders={**placeholders, "seconds": str(seconds)},
            )
