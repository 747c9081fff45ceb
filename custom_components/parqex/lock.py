"""Seam locks: state from polling, commands confirmed through Seam's action attempts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    ApiError,
    SeamAccessCode,
    SeamActionAttempt,
    SeamCreatedAccessCode,
    SeamDevice,
)
from .codes import check_can_program, check_code, code_as_json, find_code, time_frame
from .const import DOMAIN, LOCK_STATE_KEY
from .coordinator import ParqexConfigEntry
from .entity import async_add_seam_entities
from .seam_command import SeamCommandEntity, seam_command_error

# Commands to one lock are serialized by the entity itself; locks act independently.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SeamLockDescription(LockEntityDescription):
    """A Seam device's lock."""

    exists_fn: Callable[[SeamDevice], bool]


SEAM_LOCK = SeamLockDescription(
    key="lock",
    name=None,
    # A lock Seam cannot drive is a lock-state binary sensor instead, which this entity
    # replaces once Seam says it can.
    exists_fn=lambda device: device.locked is not None and device.remotely_operable,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ParqexConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a lock for every Seam device that reports one, now and as they appear."""
    async_add_seam_entities(entry, async_add_entities, (SEAM_LOCK,), SeamLock)


class SeamLock(SeamCommandEntity, LockEntity):
    """A lock reached through Seam."""

    entity_description: SeamLockDescription
    _replaces = (Platform.BINARY_SENSOR, LOCK_STATE_KEY)

    @property
    def is_locked(self) -> bool | None:
        """Whether Seam reports the lock locked."""
        device = self.device
        return None if device is None else device.locked

    @property
    def changed_by(self) -> str | None:
        """Who or what last moved the lock: a keypad code's name, else how it moved."""
        activity = self.coordinator.activity.last_lock_activity(self.device_id)
        return activity.changed_by if activity else None

    @property
    def is_locking(self) -> bool:
        """Whether a lock command is under way."""
        return self._command_target is True

    @property
    def is_unlocking(self) -> bool:
        """Whether an unlock command is under way."""
        return self._command_target is False

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock, returning once Seam confirms it."""
        await self._async_set_locked(True)

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock, returning once Seam confirms it."""
        await self._async_set_locked(False)

    def _code_lock(self) -> tuple[SeamDevice, dict[str, str]]:
        """The device, if Seam can program its codes; its placeholders for errors."""
        device = self._require_device()
        placeholders = {"name": device.name}
        check_can_program(device, placeholders)
        return device, placeholders

    async def async_get_codes(self) -> ServiceResponse:
        """Every keypad code of the lock, read from Seam now."""
        _, placeholders = self._code_lock()
        try:
            codes = await self.coordinator.codes.async_codes(self.device_id, fresh=True)
        except ApiError as err:
            raise seam_command_error(err, placeholders, 0) from err
        return {"codes": [code_as_json(code) for code in codes]}

    async def async_add_code(
        self,
        name: str,
        code: str | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> ServiceResponse:
        """Put a code on the lock, once Seam confirms it is set; its id and the code."""
        device, placeholders = self._code_lock()
        if code is not None:
            check_code(device, code, placeholders)
        start, end = time_frame(starts_at, ends_at, placeholders)
        self.coordinator.code_limits.raise_if_exceeded(self.device_id, "create", placeholders)
        client = self.coordinator.client
        created: list[SeamCreatedAccessCode] = []

        async def send() -> SeamActionAttempt | None:
            answer = await client.async_create_access_code(
                self.device_id, name, code, starts_at=start, ends_at=end
            )
            created.append(answer)
            return answer.action_attempt

        await self._async_code_command(placeholders, send)
        new = created[0].access_code
        return {"access_code_id": new.access_code_id, "code": new.code or code}

    async def async_update_code(
        self,
        code_id: str,
        name: str | None = None,
        code: str | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> None:
        """Change a code (found by id, or by its name where that is unique)."""
        device, placeholders = self._code_lock()
        existing = await self._find_code(code_id, placeholders)
        if code is not None:
            check_code(device, code, placeholders)
        start, end = time_frame(starts_at, ends_at, placeholders)
        self.coordinator.code_limits.raise_if_exceeded(self.device_id, "update", placeholders)
        await self._async_code_command(
            placeholders,
            partial(
                self.coordinator.client.async_update_access_code,
                existing.access_code_id,
                name=name,
                code=code,
                starts_at=start,
                ends_at=end,
            ),
        )

    async def async_delete_code(self, code_id: str) -> None:
        """Take a code off the lock (found by id, or by its name where that is unique)."""
        _, placeholders = self._code_lock()
        existing = await self._find_code(code_id, placeholders)
        self.coordinator.code_limits.raise_if_exceeded(self.device_id, "delete", placeholders)
        await self._async_code_command(
            placeholders,
            partial(self.coordinator.client.async_delete_access_code, existing.access_code_id),
        )

    async def _find_code(self, wanted: str, placeholders: dict[str, str]) -> SeamAccessCode:
        try:
            codes = await self.coordinator.codes.async_codes(self.device_id)
        except ApiError as err:
            raise seam_command_error(err, placeholders, 0) from err
        return find_code(codes, wanted, placeholders)

    async def _async_code_command(
        self,
        placeholders: dict[str, str],
        send: Callable[[], Awaitable[SeamActionAttempt | None]],
    ) -> None:
        """Send a code change; once confirmed, the lock's codes are read again when needed."""
        await self._async_command(
            placeholders, send, partial(self.coordinator.codes.forget, self.device_id)
        )

    async def _async_set_locked(self, locked: bool) -> None:
        device = self._require_device()
        placeholders = {"name": device.name, "action": "lock" if locked else "unlock"}
        if not (device.can_remotely_lock if locked else device.can_remotely_unlock):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_remotely_controllable",
                translation_placeholders=placeholders,
            )
        client = self.coordinator.client
        await self._async_command(
            placeholders,
            partial(client.async_lock_door if locked else client.async_unlock_door, self.device_id),
            partial(self.coordinator.async_confirm_lock, self.device_id, locked),
            target=locked,
        )
