"""System information: the services' reachability and a line for each entry."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, get_system_health_info

from custom_components.parqex.const import CONF_PUSH, DOMAIN
from tests.conftest import Simulator, setup


async def health(hass: HomeAssistant) -> dict[str, Any]:
    """The integration's system information, with the checks Home Assistant awaits awaited."""
    info = await get_system_health_info(hass, DOMAIN)
    return {
        key: await value if asyncio.iscoroutine(value) else value for key, value in info.items()
    }


async def test_reachability_and_each_entry(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
) -> None:
    assert await async_setup_component(hass, "system_health", {})
    hass.config_entries.async_update_entry(seam_entry, options={CONF_PUSH: False})
    await setup(hass, parqex_entry)

    info = await health(hass)

    assert info["parqex_reachable"] == "ok"
    assert info["seam_reachable"] == "ok"
    lines = dict(line.split(": ", 1) for line in info["entries"].split("; "))
    assert set(lines) == {parqex_entry.title, seam_entry.title}
    seam_line = lines[seam_entry.title]
    assert seam_line.startswith("answered the last poll (last answer 20")
    assert f"{len(simulator.state.devices)} devices, push off" in seam_line
    assert "push" not in lines[parqex_entry.title]

    # The service stops answering: the next poll says so, and when it last answered.
    simulator.fault(service="seam", status=503, count=10)
    await seam_entry.runtime_data.async_refresh()
    info = await health(hass)
    seam_line = dict(line.split(": ", 1) for line in info["entries"].split("; "))[seam_entry.title]
    assert seam_line.startswith("did not answer the last poll (last answer 20")


async def test_no_entries(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "system_health", {})
    assert await async_setup_component(hass, DOMAIN, {})
    info = await health(hass)
    assert info == {"entries": "none"}
