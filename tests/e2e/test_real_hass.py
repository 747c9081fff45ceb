"""A real `hass` process against the simulator: add both services, watch changes, unlock, stop."""

from __future__ import annotations

import re
from typing import Any

import pytest

from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID
from tests.e2e.conftest import HassProcess, Http, SimulatorProcess, wait_for

KITTY_DOOR_ID = "70fc7ebd63d841d9a9f06ff815be1e7c"
FRONT_DOOR_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_DOOR_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
KITTY = "binary_sensor.kitty"
FRONT_DOOR = "lock.front_door"
BACK_DOOR = "lock.back_door"
CLIENT_ID = "http://127.0.0.1/"
# A poll every 10 s (the least the options allow): a change shows within this.
POLL_WAIT = 30.0

LOG_RECORD = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) \([^)]*\) \[(?P<logger>[^\]]+)\] (?P<msg>.*)")
# Home Assistant says this of every custom integration; it is not about this one's behaviour.
UNTESTED_WARNING = "We found a custom integration parqex which has not been tested"

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def log_problems(text: str) -> list[str]:
    """WARNING and worse records from the integration or about it, tracebacks included."""
    records: list[list[str]] = []
    for line in text.splitlines():
        if LOG_RECORD.match(line) or not records:
            records.append([line])
        else:
            records[-1].append(line)
    problems = []
    for lines in records:
        match = LOG_RECORD.match(lines[0])
        if match is None or match["level"] not in ("WARNING", "ERROR", "CRITICAL"):
            continue
        if match["logger"] == "homeassistant.loader" and match["msg"].startswith(UNTESTED_WARNING):
            continue
        record = "\n".join(lines)
        if match["logger"].startswith("custom_components.parqex") or "parqex" in record.lower():
            problems.append(record)
    return problems


def test_log_problems_filter() -> None:
    text = "\n".join(
        [
            "2026-01-01 10:00:00.000 WARNING (SyncWorker_0) [homeassistant.loader] "
            f"{UNTESTED_WARNING} by Home Assistant.",
            "2026-01-01 10:00:00.001 DEBUG (MainThread) [custom_components.parqex] polled",
            "2026-01-01 10:00:00.002 WARNING (MainThread) [custom_components.parqex.lock] slow",
            "2026-01-01 10:00:00.003 ERROR (MainThread) [homeassistant.config_entries] Error "
            "setting up entry ParqEx for parqex",
            "Traceback (most recent call last):",
            '  File "custom_components/parqex/__init__.py", line 1',
            "2026-01-01 10:00:00.004 ERROR (MainThread) [homeassistant.components.http] other",
        ]
    )
    problems = log_problems(text)
    assert [problem.split("] ", 1)[1].splitlines()[0] for problem in problems] == [
        "slow",
        "Error setting up entry ParqEx for parqex",
    ]
    assert "Traceback" in problems[1]


def log_in(hass: HassProcess) -> Http:
    """Create the owner through onboarding and return a client holding their access token."""
    answer = hass.http.post(
        "/api/onboarding/users",
        {
            "name": "E2E",
            "username": "e2e",
            "password": "e2e-password",
            "client_id": CLIENT_ID,
            "language": "en",
        },
    )
    tokens = hass.http.request(
        "POST",
        "/auth/token",
        {"grant_type": "authorization_code", "code": answer["auth_code"], "client_id": CLIENT_ID},
        form=True,
    )
    return Http(hass.url, tokens["access_token"])


def add_entry(api: Http, service: str, fields: dict[str, str]) -> dict[str, Any]:
    """Go through the config flow as the frontend does, in advanced mode."""
    step = api.post(
        "/api/config/config_entries/flow", {"handler": "parqex", "show_advanced_options": True}
    )
    assert step["type"] == "menu"
    assert step["menu_options"] == ["parqex", "seam"]
    path = f"/api/config/config_entries/flow/{step['flow_id']}"
    step = api.post(path, {"next_step_id": service})
    assert step["type"] == "form"
    assert step["step_id"] == service
    assert {field["name"] for field in step["data_schema"]} == {*fields}
    step = api.post(path, fields)
    assert step["type"] == "create_entry", step
    entry: dict[str, Any] = step["result"]
    assert entry["state"] == "loaded"
    return entry


def poll_every_10_seconds(api: Http, entry_id: str) -> None:
    """Set the shortest polling interval in the options, then reload so it applies at once.

    Other options keep their defaults.
    """
    step = api.post("/api/config/config_entries/options/flow", {"handler": entry_id})
    assert step["type"] == "form"
    assert "scan_interval" in {field["name"] for field in step["data_schema"]}
    step = api.post(
        f"/api/config/config_entries/options/flow/{step['flow_id']}", {"scan_interval": 10}
    )
    assert step["type"] == "create_entry", step
    assert api.post(f"/api/config/config_entries/entry/{entry_id}/reload") == {
        "require_restart": False
    }


def states(api: Http) -> dict[str, str]:
    """Every entity's state."""
    return {state["entity_id"]: state["state"] for state in api.get("/api/states")}


def test_real_home_assistant(
    simulator_process: SimulatorProcess, hass_process: HassProcess
) -> None:
    simulator = simulator_process.http
    alive = hass_process.process.alive
    api = log_in(hass_process)

    parqex = add_entry(
        api, "parqex", {"access_token": DEFAULT_PARQEX_TOKEN, "url": simulator_process.url}
    )
    seam = add_entry(
        api,
        "seam",
        {
            "api_key": DEFAULT_SEAM_API_KEY,
            "user_identity_id": DEFAULT_USER_IDENTITY_ID,
            "url": simulator_process.url,
        },
    )
    for entry in (parqex, seam):
        poll_every_10_seconds(api, entry["entry_id"])
    entries = api.get("/api/config/config_entries/entry?domain=parqex")
    assert sorted(entry["state"] for entry in entries) == ["loaded", "loaded"]

    def loaded_states() -> dict[str, str] | None:
        current = states(api)
        wanted = (KITTY, FRONT_DOOR, BACK_DOOR)
        return current if all(current.get(e) not in (None, "unavailable") for e in wanted) else None

    before = wait_for(loaded_states, "the entities after the reload", POLL_WAIT, alive)
    assert (before[KITTY], before[FRONT_DOOR], before[BACK_DOOR]) == ("on", "locked", "unlocked")

    # Someone closes the garage door, unlocks the front door and locks the back door.
    simulator.post(f"/_simulator/parqex/doors/{KITTY_DOOR_ID}", {"state": "CLOSED"})
    simulator.post(f"/_simulator/seam/devices/{FRONT_DOOR_ID}", {"properties": {"locked": False}})
    simulator.post(f"/_simulator/seam/devices/{BACK_DOOR_ID}", {"properties": {"locked": True}})

    def changed() -> dict[str, str] | None:
        current = states(api)
        seen = (current[KITTY], current[FRONT_DOOR], current[BACK_DOOR])
        print("states:", seen)  # shown when the test fails
        return current if seen == ("off", "unlocked", "locked") else None

    wait_for(changed, "the next polls to show the changes", POLL_WAIT, alive)

    # Unlocking through Home Assistant returns once Seam confirmed it.
    api.post("/api/services/lock/unlock", {"entity_id": BACK_DOOR})
    devices = {
        device["device_id"]: device
        for device in simulator.get("/_simulator/state")["seam"]["devices"]
    }
    assert devices[BACK_DOOR_ID]["properties"]["locked"] is False
    assert states(api)[BACK_DOOR] == "unlocked"

    assert hass_process.process.stop() == 0
    problems = log_problems(hass_process.log.read_text())
    assert not problems, "\n\n".join(problems)
