"""Config entry migrations: older entries brought to what this version stores."""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from .api import ApiError, ParqexClient, ParqexUser
from .const import (
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
    CONF_WEBHOOK_ID,
    DOMAIN,
    LOGGER,
)
from .coordinator import ParqexConfigEntry, entry_scope

# Entries made before ParqEx's user-info was read: a token hash as unique id, one title.
LEGACY_PARQEX_PREFIX: Final = "parqex_"
LEGACY_PARQEX_TITLE: Final = "ParqEx"
VERSION: Final = 1
MINOR_VERSION: Final = 2
# What minor version 1 kept in the options though the integration, not the user, manages it.
_PUSH_STATE: Final = (
    CONF_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_ID,
    CONF_SEAM_WEBHOOK_SECRET,
    CONF_SEAM_WEBHOOK_URL,
)


def parqex_title(user: ParqexUser) -> str:
    """An entry's title: the name of the ParqEx user it signs in as."""
    return user.name or f"ParqEx {user.id[:8]}"


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


async def async_adopt_parqex_account_id(
    hass: HomeAssistant, entry: ParqexConfigEntry, client: ParqexClient
) -> None:
    """Give a ParqEx entry made by a token hash its account's id and name, once it works.

    Entries made before ParqEx's user-info was read are identified by a hash of their token
    (prefix `parqex_`). A failure waits for the next start; so does an account that another
    entry already has (the user is told in the log which entries are the same account).
    """
    if not (entry.unique_id or "").startswith(LEGACY_PARQEX_PREFIX):
        return
    try:
        user = await client.async_get_user()
    except ApiError as err:
        LOGGER.debug("%s keeps its old id until ParqEx names the account: %s", entry.title, err)
        return
    other = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, user.id)
    if other is not None:
        LOGGER.warning(
            "%s and %s are the same ParqEx account; delete one of them", entry.title, other.title
        )
        return
    title = parqex_title(user) if entry.title == LEGACY_PARQEX_TITLE else entry.title
    hass.config_entries.async_update_entry(entry, unique_id=user.id, title=title)
