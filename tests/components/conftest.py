"""Fixtures for the integration's tests: config entries pointing at the simulator."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.parqex.config_flow import parqex_unique_id
from custom_components.parqex.const import (
    CONF_ACCESS_TOKEN,
    CONF_API_KEY,
    CONF_URL,
    CONF_USER_IDENTITY_ID,
    DOMAIN,
)
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID
from tests.conftest import Simulator


@pytest.fixture
def parqex_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """A ParqEx entry for the simulator's account, added to Home Assistant."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ParqEx",
        unique_id=parqex_unique_id(DEFAULT_PARQEX_TOKEN),
        data={CONF_ACCESS_TOKEN: DEFAULT_PARQEX_TOKEN, CONF_URL: simulator.url},
        entry_id="parqex_entry_id",
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
def seam_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """A Seam entry for the simulator's user identity, added to Home Assistant."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Seam user f3a328b4",
        unique_id=DEFAULT_USER_IDENTITY_ID,
        data={
            CONF_API_KEY: DEFAULT_SEAM_API_KEY,
            CONF_USER_IDENTITY_ID: DEFAULT_USER_IDENTITY_ID,
            CONF_URL: simulator.url,
        },
        entry_id="seam_entry_id",
    )
    entry.add_to_hass(hass)
    return entry


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the integration up (every entry added so far) and wait for the platforms."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let `seconds` pass so the coordinator polls, and wait for it.

    The coordinator adds up to a second of jitter to each interval; the extra second covers
    it. Scheduled polls run as background tasks, so those are waited for too.
    """
    freezer.tick(timedelta(seconds=seconds + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
