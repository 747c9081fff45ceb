"""A hostile or broken service changes what the entry shows, never what it leaks or keeps."""

from __future__ import annotations

import json
import logging
from types import TracebackType

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import CONF_ACCESS_TOKEN
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY
from tests.conftest import Simulator, poll, setup


def frames(error: BaseException | None) -> list[TracebackType]:
    """Every traceback entry of an error and of the errors it was raised from."""
    found = []
    while error is not None:
        traceback = error.__traceback__
        while traceback is not None:
            found.append(traceback)
            traceback = traceback.tb_next
        error = error.__cause__ or error.__context__
    return found


async def test_a_failed_answer_is_not_kept_alive(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await setup(hass, parqex_entry)
    # Five megabytes that are not JSON: the poll fails on it.
    simulator.fault(service="parqex", status=200, body="x" * 5_000_000)
    await poll(hass, freezer, 30)
    coordinator = parqex_entry.runtime_data
    assert not coordinator.last_update_success
    kept = [
        name
        for entry in frames(coordinator.last_exception)
        for name, value in entry.tb_frame.f_locals.items()
        if isinstance(value, bytes | str) and len(value) > 1_000_000
    ]
    assert kept == []
    assert frames(coordinator.last_exception), "the check above must have frames to look at"


@pytest.mark.parametrize("service", ["parqex", "seam"])
async def test_an_echoed_secret_reaches_no_log_or_error(
    hass: HomeAssistant,
    simulator: Simulator,
    parqex_entry: MockConfigEntry,
    seam_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    service: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = DEFAULT_PARQEX_TOKEN if service == "parqex" else DEFAULT_SEAM_API_KEY
    entry = parqex_entry if service == "parqex" else seam_entry
    await setup(hass, entry)
    echo = json.dumps({"error": {"type": "server_error", "message": f"bad {secret}"}})
    simulator.fault(service=service, status=500, body=echo, headers={"seam-request-id": secret})
    await poll(hass, freezer, 60)
    coordinator = entry.runtime_data
    assert not coordinator.last_update_success
    assert "REDACTED" in str(coordinator.last_exception.__cause__)
    assert secret not in str(coordinator.last_exception.__cause__)
    assert secret not in caplog.text

    # At setup the failure becomes the entry's reason, which the UI shows.
    await hass.config_entries.async_unload(entry.entry_id)
    simulator.fault(service=service, status=500, body=echo)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert secret not in entry.reason
    assert secret not in caplog.text


async def test_an_unsendable_stored_token_asks_to_sign_in_again(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        parqex_entry, data={**parqex_entry.data, CONF_ACCESS_TOKEN: "line\nbreak"}
    )
    await hass.config_entries.async_setup(parqex_entry.entry_id)
    await hass.async_block_till_done()
    assert parqex_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler("parqex")
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert simulator.requests_to("parqex") == 0
