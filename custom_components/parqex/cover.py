"""ParqEx garage doors as covers: opened and closed through ParqEx's toggle, shown truthfully."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.cover import (
    DOMAIN as COVER_DOMAIN,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityDescription,
    CoverEntityFeature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import const
from .adding import EntityCandidate, Scope
from .api import ApiError, AuthenticationError, DoorCommandError, ParqexDoor, RateLimitError
from .const import DOMAIN, DOOR_POSITION_KEY
from .coordinator import ParqexConfigEntry, ParqexCoordinator, control_doors
from .entity import (
    ParqexDoorEntity,
    async_add_new_entities,
    described_entities,
)

# Commands to one door are serialized by the entity itself; doors act independently.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DoorCoverDescription(CoverEntityDescription):
    """A door's cover; every door has one."""

    exists_fn: Callable[[ParqexDoor], bool] = lambda _: True


DOOR_COVER = DoorCoverDescription(key="cover", name=None, device_class=CoverDeviceClass.GARAGE)
# The translated error of each reason ParqEx gives for refusing a toggle.
REFUSALS: Final = {
    "sensor_required": "door_sensor_required",
    "malformed": "door_command_malformed",
    "not_implemented": "door_command_not_implemented",
    "controller_offline": "door_controller_offline",
}


@callback
def apply_door_control(hass: HomeAssistant, entry: ParqexConfigEntry) -> None:
    """Make the registry match the door-control option before the platforms load.

    Switched off, the doors' covers go and their position sensors, which start disabled
    while the covers show the same, are enabled; switched on, the sensors are left as the
    user has them.
    """
    if control_doors(entry):
        return
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain == COVER_DOMAIN:
            registry.async_remove(entity.entity_id)
        elif (
            entity.domain == BINARY_SENSOR_DOMAIN
            and entity.unique_id.endswith(f"_{DOOR_POSITION_KEY}")
            and entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        ):
            registry.async_update_entity(entity.entity_id, disabled_by=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a cover for every door, now and as they appear, unless control is switched off."""
    coordinator = entry.runtime_data
    assert isinstance(coordinator, ParqexCoordinator)
    if not control_doors(entry):
        return

    def candidates(scope: Scope) -> Iterator[EntityCandidate]:
        yield from described_entities(
            scope, coordinator.data.doors, (DOOR_COVER,), partial(ParqexDoorCover, coordinator)
        )

    async_add_new_entities(entry, async_add_entities, candidates)


class ParqexDoorCover(ParqexDoorEntity, CoverEntity):
    """A garage door Home Assistant can open and close."""

    _attr_supported_features = CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE

    def __init__(
        self, coordinator: ParqexCoordinator, door_id: str, description: DoorCoverDescription
    ) -> None:
        """Start with no command under way."""
        super().__init__(coordinator, door_id, description)
        self._command = asyncio.Lock()
        # True while a command to open is being sent, False to close; None otherwise.
        self._sending: bool | None = None

    @property
    def is_closed(self) -> bool | None:
        """Closed as ParqEx reports it; None for a state it does not document."""
        door = self.door
        return None if door is None or door.is_open is None else not door.is_open

    def _moving_to(self) -> bool | None:
        if self._sending is not None:
            return self._sending
        move = self.coordinator.moving.get(self.door_id)
        return None if move is None else move.open_door

    @property
    def is_opening(self) -> bool:
        """Whether the door was told to open and has not reported open yet."""
        return self._moving_to() is True

    @property
    def is_closing(self) -> bool:
        """Whether the door was told to close and has not reported closed yet."""
        return self._moving_to() is False

    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open the door; it shows opening until ParqEx reports it open."""
        await self._async_move(open_door=True)

    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close the door; it shows closing until ParqEx reports it closed."""
        await self._async_move(open_door=False)

    async def _async_move(self, *, open_door: bool) -> None:
        door = self.door
        if door is None:
            # The door's name went with it; the device keeps the last one shown.
            device = self.device_entry
            name = (device.name_by_user or device.name) if device else None
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="door_unavailable",
                translation_placeholders={"name": name or self.door_id},
            )
        placeholders = {"name": door.name}
        coordinator = self.coordinator
        async with self._command:
            door = self.door
            if door is not None and door.is_open is open_door and self._moving_to() is None:
                # Already there: ParqEx is not asked at all.
                return
            coordinator.commands.raise_if_held(self.door_id, "door_command_paced", placeholders)
            self._sending = open_door
            self.async_write_ha_state()
            try:
                await coordinator.client.async_toggle(self.door_id, open_door=open_door)
            except BaseException as err:
                # Whatever went wrong, the door is not shown opening or closing any more.
                self._sending = None
                self.async_write_ha_state()
                if not isinstance(err, ApiError):
                    raise
                raise self._command_error(err, placeholders) from err
            self._sending = None
            coordinator.commands.hold(self.door_id, const.DOOR_COMMAND_PACING)
            coordinator.async_door_commanded(self.door_id, open_door=open_door)
            coordinator.history.async_command_sent(
                self.door_id, open_door=open_door, user=await self._async_commanding_user()
            )

    async def _async_commanding_user(self) -> str | None:
        """The name of the Home Assistant user whose action moved the door, when one did."""
        user_id = self._context.user_id if self._context else None
        user = await self.hass.auth.async_get_user(user_id) if user_id else None
        return user.name if user else None

    def _command_error(self, err: ApiError, placeholders: dict[str, str]) -> HomeAssistantError:
        """The translated error a refused or failed door command shows."""
        key, extra = "door_command_error", {"error": str(err)}
        if isinstance(err, AuthenticationError):
            self.coordinator.config_entry.async_start_reauth(self.hass)
            key, extra = "door_command_auth_failed", {}
        elif isinstance(err, DoorCommandError):
            key = REFUSALS.get(err.reason, "door_command_refused")
        elif isinstance(err, RateLimitError):
            self.coordinator.commands.hold_after(self.door_id, err)
            seconds = self.coordinator.commands.seconds_left(self.door_id)
            key, extra = "door_command_paced", {"seconds": str(seconds)}
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={**placeholders, **extra},
        )
