"""What a Seam lock's auto-lock switch and delay share: one command carrying both settings."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial

from .api import SeamActionAttempt, SeamDevice
from .seam_command import SeamCommandEntity, device_unavailable


class SeamAutoLockEntity(SeamCommandEntity):
    """An entity that configures a lock's auto-lock: its switch, or its delay.

    Each command carries both settings; the device's one command queue makes each leave only
    once the one before was confirmed, so none sends back what the last one changed.
    """

    async def _async_configure_auto_lock(
        self, enabled: bool | None, delay_seconds: int | None
    ) -> None:
        """Configure auto-lock, showing the new setting only once Seam confirmed it.

        `enabled` None sends the setting the lock has when the command leaves (Seam asks for
        it in every command); `delay_seconds` None keeps the delay set. A failure reads the
        lock again, so the setting it really has is shown.
        """
        placeholders = {"name": self._require_device().name}
        client = self.coordinator.client
        sent = enabled

        def send() -> Awaitable[SeamActionAttempt]:
            nonlocal sent
            # Read only now that the commands queued before this one were confirmed: a
            # delay set right after the switch was turned on must not turn it off again.
            if sent is None:
                sent = self._require_device().auto_lock_enabled
                if sent is None:
                    raise device_unavailable(self.device_id)
            return client.async_configure_auto_lock(self.device_id, sent, delay_seconds)

        def confirmed(device: SeamDevice) -> SeamDevice:
            # `send` ran before Seam could confirm anything, so the setting is known.
            assert sent is not None
            return device.with_auto_lock(sent, delay_seconds)

        await self._async_command(
            placeholders,
            send,
            partial(self.coordinator.async_confirm, self.device_id, confirmed),
            recheck_on_failure=True,
        )
