"""The ParqEx integration: ParqEx garage doors and Seam locks in Home Assistant."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    issue_registry as ir,
)
from homeassistant.helpers.typing import ConfigType

from .api import InsecureUrlError, InvalidCredentialsError
from .const import CONF_CONTROL_DOORS, DOMAIN, SERVICE_PARQEX, SERVICE_SEAM
from .coordinator import (
    ParqexConfigEntry,
    ParqexCoordinator,
    SeamCoordinator,
    entry_issue_ids,
    entry_service,
    scan_interval,
)
from .cover import apply_door_control
from .migration import async_adopt_parqex_account_id, async_migrate
from .oauth import async_access_token
from .push import SeamPush, async_delete_push, push_settings
from .services import async_setup_services

PLATFORMS_BY_SERVICE: dict[str, list[Platform]] = {
    SERVICE_PARQEX: [Platform.BINARY_SENSOR, Platform.COVER, Platform.EVENT, Platform.SENSOR],
    SERVICE_SEAM: [
        Platform.BINARY_SENSOR,
        Platform.CLIMATE,
        Platform.EVENT,
        Platform.LOCK,
        Platform.NUMBER,
        Platform.SENSOR,
        Platform.SWITCH,
    ],
}


CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions, whatever entries exist."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ParqexConfigEntry) -> bool:
    """Poll the entry's service once, then set up its platforms."""
    service = entry_service(entry.data)
    coordinator_class = SeamCoordinator if service == SERVICE_SEAM else ParqexCoordinator
    coordinator: ParqexCoordinator | SeamCoordinator
    try:
        if coordinator_class is SeamCoordinator:
            coordinator = SeamCoordinator(hass, entry)
        else:
            coordinator = ParqexCoordinator(hass, entry, await async_access_token(hass, entry))
    except InsecureUrlError as err:
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="insecure_url") from err
    except InvalidCredentialsError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"service": coordinator_class.service_name},
        ) from err
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    if isinstance(coordinator, ParqexCoordinator):
        await async_adopt_parqex_account_id(hass, entry, coordinator.client)
        apply_door_control(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS_BY_SERVICE[service])
    if isinstance(coordinator, SeamCoordinator) and push_settings(entry.options)[0]:
        push = SeamPush(hass, entry, coordinator)
        entry.async_on_unload(push.async_stop)
        await push.async_start()
    entry.async_on_unload(
        entry.add_update_listener(partial(_async_options_updated, options=dict(entry.options)))
    )
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: ParqexConfigEntry) -> bool:
    """Bring an entry stored by an older version up to date."""
    return await async_migrate(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: ParqexConfigEntry) -> bool:
    """Unload the entry's platforms; the coordinator stops with them."""
    return await hass.config_entries.async_unload_platforms(
        entry, PLATFORMS_BY_SERVICE[entry_service(entry.data)]
    )


async def async_remove_entry(hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
    """Withdraw the repair issues of a deleted entry and stop Seam delivering to it."""
    await async_delete_push(hass, entry)
    for issue_id in entry_issue_ids(hass, entry):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


def _reload_settings(options: Mapping[str, Any]) -> tuple[Any, ...]:
    """The options that decide which entities and listeners an entry has."""
    return (*push_settings(options), options.get(CONF_CONTROL_DOORS, True))


async def _async_options_updated(
    hass: HomeAssistant, entry: ParqexConfigEntry, *, options: dict[str, Any]
) -> None:
    """Apply a new polling interval in place; any other change of the options needs a reload.

    Called for every change of the entry, also to the data the integration keeps itself.
    """
    if entry.options == options:
        return
    if _reload_settings(entry.options) != _reload_settings(options):
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    coordinator = entry.runtime_data
    coordinator.set_base_interval(scan_interval(entry))
    # The poll already scheduled would otherwise keep the old interval's time.
    await coordinator.async_request_refresh()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ParqexConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only once the service no longer reports it."""
    current = entry.runtime_data.current_device_identifiers()
    return not any(domain == DOMAIN and value in current for domain, value in device.identifiers)
