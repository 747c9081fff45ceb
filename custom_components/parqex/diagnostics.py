"""Diagnostics: what the integration sees, with secrets and personal data removed."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
import msgspec

from .const import CONF_ACCESS_TOKEN, CONF_API_KEY, CONF_TOKEN
from .coordinator import ParqexConfigEntry, ParqexCoordinator

# Every key that carries a secret, identifies a person, or names a piece of hardware.
TO_REDACT: Final = {
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_TOKEN,
    "refresh_token",
    "client_secret",
    "unique_id",
    "owner_first_name",
    "owner_last_name",
    "blackbox_code",
    "bluetooth_mac_address",
    "bluetooth_sensor_mac_address",
    "serial_number",
    "connected_account_id",
    "image",
    "image_url",
    "location",
    "location_name",
    "secret",
    "webhook_id",
    "webhook_secret",
    "seam_webhook_id",
    "seam_webhook_secret",
    "seam_webhook_url",
    "access_code_id",
    # A keypad code; the data shown holds none today, and must never.
    "code",
    "user_identity_id",
    # People named in ParqEx's door history.
    "first_name",
    "last_name",
    "email_address",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ParqexConfigEntry
) -> dict[str, Any]:
    """The entry, its coordinator's state and the last data, redacted."""
    coordinator = entry.runtime_data
    diagnostics = {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "coordinator": {
            "service": coordinator.service_name,
            "last_update_success": coordinator.last_update_success,
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds() if coordinator.update_interval else None
            ),
            "last_exception": repr(coordinator.last_exception)
            if coordinator.last_exception
            else None,
        },
        # What the service sent, in its own words, minus what was skipped as malformed. A trip
        # through JSON turns tuples into the lists that redaction walks into.
        "data": async_redact_data(
            msgspec.json.decode(msgspec.json.encode(coordinator.data)), TO_REDACT
        ),
    }
    if isinstance(coordinator, ParqexCoordinator):
        # Counts only: who moved which door is personal data.
        history = coordinator.history
        diagnostics["door_history"] = {"reads": history.reads, "skipped": history.skipped}
    return diagnostics
