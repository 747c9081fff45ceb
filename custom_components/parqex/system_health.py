"""System information: whether each service is reachable, and how each entry is doing."""

from __future__ import annotations

from typing import Any

from homeassistant.components import system_health
from homeassistant.core import HomeAssistant, callback

from .const import CONF_PUSH, DOMAIN, SERVICE_PARQEX, SERVICE_SEAM
from .coordinator import ParqexConfigEntry, SeamCoordinator, entry_service


@callback
def async_register(hass: HomeAssistant, register: system_health.SystemHealthRegistration) -> None:
    """Tell Home Assistant what the integration reports in its system information."""
    register.async_register_info(system_health_info)


def _push(entry: ParqexConfigEntry) -> str:
    coordinator = entry.runtime_data
    if not isinstance(coordinator, SeamCoordinator):
        return ""
    if not entry.options.get(CONF_PUSH):
        return ", push off"
    return ", push receiving" if coordinator.push_active else ", push on, nothing received lately"


def _summary(entry: ParqexConfigEntry) -> str:
    """One entry in a line: the last poll, its devices and push."""
    coordinator = entry.runtime_data
    answered = "answered" if coordinator.last_update_success else "did not answer"
    when = (
        coordinator.last_answer_at.isoformat(timespec="seconds")
        if coordinator.last_answer_at
        else "never"
    )
    devices = len(coordinator.current_device_identifiers()) if coordinator.data is not None else 0
    return (
        f"{entry.title}: {answered} the last poll (last answer {when}), "
        f"{devices} devices{_push(entry)}"
    )


async def system_health_info(hass: HomeAssistant) -> dict[str, Any]:
    """Whether ParqEx and Seam can be reached from here, and a line for each entry."""
    entries: list[ParqexConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    info: dict[str, Any] = {}
    for service, key in ((SERVICE_PARQEX, "parqex_reachable"), (SERVICE_SEAM, "seam_reachable")):
        urls = sorted(
            {
                entry.runtime_data.client.base_url
                for entry in entries
                if entry_service(entry.data) == service
            }
        )
        if urls:
            info[key] = system_health.async_check_can_reach_url(hass, urls[0])
    info["entries"] = "; ".join(_summary(entry) for entry in entries) or "none"
    return info
