"""ParqEx doors as covers against the simulator: commands, travel, refusals, pacing."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.cover import DOMAIN as COVER_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.api import ParqexClient
from custom_components.parqex.binary_sensor import ParqexDoorBinarySensor
from custom_components.parqex.const import CONF_CONTROL_DOORS, DOOR_POLL_INTERVAL
from tests.conftest import Simulator, find_entity, poll, record_states, setup

KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"
LAST_DOOR = "a42308f43dbfaa8b1960a20ac4317b05"
TOGGLE_PLURAL = "/oauth/v1/endpoints/toggle"
TOGGLE_SINGULAR = "/oauth/v1/endpoint/toggle"
SYNC = "/oauth/v1/endpoints/sync"


@pytest.fixture
async def doors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
) -> Simulator:
    """The ParqEx entry set up with its doors as covers; doors take 4 s to travel.

    The simulator's doors travel by the frozen clock, which the tests move.
    """
    simulator.state.clock = time.monotonic
    simulator.state.travel_time = 4.0
    await setup(hass, parqex_entry)
    return simulator


def kitty(hass: HomeAssistant) -> str:
    return find_entity(hass, "cover", KITTY, "cover")


async def call(hass: HomeAssistant, service: str, entity_id: str) -> None:
    await hass.services.async_call(
        COVER_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


def paths(simulator: Simulator, *wanted: str) -> list[str]:
    return [r.path for r in simulator.state.requests if r.path in wanted]


async def test_close_shows_closing_until_the_door_reports_closed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    cover = kitty(hass)
    states = record_states(hass, cover)
    syncs = len(paths(doors, SYNC))

    await call(hass, "close_cover", cover)

    assert states == ["closing"]
    (toggle,) = doors.state.toggles
    assert (toggle.door_id, toggle.door_state) == (KITTY, "CLOSED")
    # `/sync` is read every 2 s while the door travels; it takes 4 s here.
    await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    assert states == ["closing"]
    await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    assert states == ["closing", "closed"]
    # Quick reads only while it moved, then the normal interval again.
    fast = len(paths(doors, SYNC)) - syncs
    assert 2 <= fast <= 3
    await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    assert len(paths(doors, SYNC)) - syncs == fast


async def test_door_already_there_gets_no_request(hass: HomeAssistant, doors: Simulator) -> None:
    await call(hass, "open_cover", kitty(hass))
    assert paths(doors, TOGGLE_PLURAL, TOGGLE_SINGULAR) == []
    assert hass.states.get(kitty(hass)).state == "open"


@pytest.mark.parametrize(
    ("failure", "key"),
    [
        ("400", "door_command_malformed"),
        ("428", "door_sensor_required"),
        ("501", "door_command_not_implemented"),
        ("not_found", "door_controller_offline"),
    ],
)
async def test_refusals_say_why_and_show_the_door_as_it_is(
    hass: HomeAssistant, doors: Simulator, failure: str, key: str
) -> None:
    doors.state.toggle_failure = failure
    states = record_states(hass, kitty(hass))
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "close_cover", kitty(hass))
    assert caught.value.translation_key == key
    assert caught.value.translation_placeholders["name"] == "Kitty"
    assert states == ["closing", "open"]
    # ParqEx said `success: true`; the message was read, not the flag.
    assert doors.state.toggles == []


async def test_refused_credentials_start_reauthentication(
    hass: HomeAssistant, doors: Simulator, parqex_entry: MockConfigEntry
) -> None:
    doors.state.toggle_failure = "401"
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "close_cover", kitty(hass))
    assert caught.value.translation_key == "door_command_auth_failed"
    (flow,) = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["context"]["entry_id"] == parqex_entry.entry_id


@pytest.mark.parametrize("fault", [{"status": 502}, {"mode": "disconnect"}, {"mode": "not_json"}])
async def test_failed_requests_give_a_clear_error(
    hass: HomeAssistant, doors: Simulator, fault: dict[str, Any]
) -> None:
    doors.fault(service="parqex", path=TOGGLE_PLURAL, **fault)
    states = record_states(hass, kitty(hass))
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "close_cover", kitty(hass))
    assert caught.value.translation_key == "door_command_error"
    assert states == ["closing", "open"]


async def test_a_second_command_within_20_seconds_is_not_sent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    cover = kitty(hass)
    await call(hass, "close_cover", cover)
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "open_cover", cover)
    assert caught.value.translation_key == "door_command_paced"
    assert caught.value.translation_placeholders["seconds"] in {"19", "20"}
    assert len(doors.state.toggles) == 1

    for _ in range(11):
        await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    assert hass.states.get(cover).state == "closed"
    await call(hass, "open_cover", cover)
    assert len(doors.state.toggles) == 2


async def test_rate_limited_command_waits_what_parqex_asks(
    hass: HomeAssistant, doors: Simulator
) -> None:
    doors.fault(service="parqex", path=TOGGLE_PLURAL, status=429, headers={"Retry-After": "45"})
    with pytest.raises(HomeAssistantError) as caught:
        await call(hass, "close_cover", kitty(hass))
    assert caught.value.translation_key == "door_command_paced"
    assert caught.value.translation_placeholders["seconds"] == "45"
    with pytest.raises(HomeAssistantError):
        await call(hass, "close_cover", kitty(hass))
    assert len(paths(doors, TOGGLE_PLURAL)) == 1


async def test_a_door_that_never_arrives_shows_what_parqex_reports(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    doors: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    doors.state.door_stuck = True
    cover = kitty(hass)
    states = record_states(hass, cover)
    with patch("custom_components.parqex.const.DOOR_TRAVEL_LIMIT", 10.0):
        await call(hass, "close_cover", cover)
        for _ in range(7):
            await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    assert states == ["closing", "open"]
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("custom_components.parqex")
    ]
    assert len(warnings) == 1
    assert "did not report closed within 10 seconds" in warnings[0].getMessage()


async def test_a_poll_that_left_before_the_command_does_not_bounce_back(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    """On the real clock: the stale answer is slow on purpose, which a frozen clock stops."""
    simulator.state.travel_time = 0.3
    await setup(hass, parqex_entry)
    coordinator = parqex_entry.runtime_data
    cover = kitty(hass)
    # A poll leaves before the command; its answer (door open) comes after the command.
    stale = orjson.dumps(simulator.state.parqex_sync()).decode()
    simulator.fault(service="parqex", path=SYNC, status=200, body=stale, delay=0.2)
    states = record_states(hass, cover)
    racing_poll = asyncio.create_task(coordinator.async_refresh())
    await asyncio.sleep(0.05)
    with patch("custom_components.parqex.const.DOOR_POLL_INTERVAL", 0.1):
        await call(hass, "close_cover", cover)
        await racing_poll
        assert states == ["closing"]
        for _ in range(100):
            if states[-1] == "closed":
                break
            await asyncio.sleep(0.02)
    assert states == ["closing", "closed"]


async def test_the_singular_toggle_path_is_found_and_remembered(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, doors: Simulator
) -> None:
    doors.state.toggle_path = "singular"
    cover = kitty(hass)
    await call(hass, "close_cover", cover)
    assert paths(doors, TOGGLE_PLURAL, TOGGLE_SINGULAR) == [TOGGLE_PLURAL, TOGGLE_SINGULAR]
    for _ in range(11):
        await poll(hass, freezer, DOOR_POLL_INTERVAL - 1)
    await call(hass, "open_cover", cover)
    assert paths(doors, TOGGLE_PLURAL, TOGGLE_SINGULAR) == [
        TOGGLE_PLURAL,
        TOGGLE_SINGULAR,
        TOGGLE_SINGULAR,
    ]


async def test_unexpected_error_clears_the_transitional_state(
    hass: HomeAssistant, doors: Simulator
) -> None:
    states = record_states(hass, kitty(hass))
    with (
        patch.object(ParqexClient, "async_toggle", side_effect=RuntimeError("bug")),
        pytest.raises(RuntimeError),
    ):
        await call(hass, "close_cover", kitty(hass))
    assert states == ["closing", "open"]


async def test_door_gone_before_the_command(
    hass: HomeAssistant, doors: Simulator, parqex_entry: MockConfigEntry
) -> None:
    entity = hass.data[COVER_DOMAIN].get_entity(kitty(hass))
    doors.state.update_door(KITTY, {"state": 1, "active": "yes"})
    await parqex_entry.runtime_data.async_refresh()
    with pytest.raises(HomeAssistantError) as caught:
        await entity.async_close_cover()
    assert caught.value.translation_key == "door_unavailable"
    # Named as the user knows it, not by ParqEx's id.
    assert caught.value.translation_placeholders == {"name": entity.device_entry.name}
    assert KITTY not in str(caught.value)


async def test_door_position_sensor_is_disabled_where_the_cover_shows_it(
    hass: HomeAssistant, doors: Simulator, entity_registry: er.EntityRegistry
) -> None:
    sensor = entity_registry.async_get(find_entity(hass, "binary_sensor", KITTY, "door"))
    assert sensor.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_control_off_makes_doors_sensors_only(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    hass.config_entries.async_update_entry(parqex_entry, options={CONF_CONTROL_DOORS: False})
    await setup(hass, parqex_entry)
    covers = [
        e
        for e in er.async_entries_for_config_entry(entity_registry, parqex_entry.entry_id)
        if e.domain == COVER_DOMAIN
    ]
    assert covers == []
    door = find_entity(hass, "binary_sensor", KITTY, "door")
    assert entity_registry.async_get(door).disabled_by is None
    assert hass.states.get(door).state == "on"


async def test_a_disabled_position_sensor_is_built_once_not_on_every_update(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    """Home Assistant aborts adding a disabled entity; it is not offered again each poll."""
    built: list[tuple[str, str]] = []
    original = ParqexDoorBinarySensor.__init__

    def counting(self: ParqexDoorBinarySensor, *args: Any) -> None:
        built.append((args[1], args[2].key))
        original(self, *args)

    with patch.object(ParqexDoorBinarySensor, "__init__", counting):
        await setup(hass, parqex_entry)
        for state in ("CLOSED", "OPEN", "CLOSED"):
            simulator.state.update_door(LAST_DOOR, {"state": state})
            await parqex_entry.runtime_data.async_refresh()
            await hass.async_block_till_done()
    assert built.count((KITTY, "door")) == 1
    assert built.count((LAST_DOOR, "door")) == 1
