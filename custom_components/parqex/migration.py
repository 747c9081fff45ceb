"""Config entry migrations: older entries brought to what this version stores."""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from .const import (
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
    CONF_WEBHOOK_ID,
    LOGGER,
)
from .coordinator import ParqexConfigEntry, entry_scope

VERSION: Final = 1
MINOR_VERSION: Final = 2
# What minor version 1 kept in the options though the integration, not the user, manages it.
_PUSH_STATE: Final = (
    CONF_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
)


async def async_migrate(hass: HomeAssistant, entry: ParqexConfigEntry) -> bool:
    """Migrate an entry of an older minor version (Home Assistant refuses newer versions)."""
    if entry.minor_version < 2:
        await _async_scope_entity_unique_ids(hass, entry)
        data, options = dict(entry.data), dict(entry.options)
        for key in _PUSH_STATE:
            if key in options:
                data[key] = options.pop(key)
        hass.config_entries.async_update_entry(entry, data=data, options=options, minor_version=2)
        LOGGER.debug("Migrated %s to version %s.%s", entry.title, VERSION, 2)
    return True


async def _async_scope_entity_unique_ids(hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
    """Prefix the entry's scope to unique ids made before entries could share a device.

    The registry entries stay the same, so entity ids, names and settings are kept.
    """
    prefix = entry_scope(entry) + "_"

    @callback
    def scoped(entity: er.RegistryEntry) -> dict[str, str] | None:
        # Already scoped when an earlier run was interrupted before the entry was saved.
        if entity.unique_id.startswith(prefix):
            return None
        return {"new_unique_id": prefix + entity.unique_id}

    await er.async_migrate_entries(hass, entry.entry_id, scoped)
