"""A real Home Assistant (.venv-ha's release) against the simulator: add both services, watch
changes, unlock, stop; then read its log for what the integration said and did.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
import re
from typing import Any

import pytest

from custom_components.parqex.const import DOMAIN
from custom_components.parqex.entity import entity_unique_id
from simulator.seeds import DEFAULT_PARQEX_TOKEN, DEFAULT_SEAM_API_KEY, DEFAULT_USER_IDENTITY_ID
from tests.e2e.conftest import REPO, HassProcess, Http, SimulatorProcess, wait_for

KITTY_DOOR_ID = "70fc7ebd63d841d9a9f06ff815be1e7c"
FRONT_DOOR_ID = "7c1a9e5e-3d2b-4f7a-9a55-2f0c8b1d6e01"
BACK_DOOR_ID = "0b6f0a2c-8e4d-4c1b-b7a9-51d3f4e2a902"
# (platform, object id, key): Home Assistant chooses the entity ids (since 2026.6 they carry
# the device's area), so the test finds them in its entity registry by unique id.
# A ParqEx door is a cover (its binary sensor is disabled by default).
KITTY = ("cover", KITTY_DOOR_ID, "cover")
FRONT_DOOR = ("lock", FRONT_DOOR_ID, "lock")
BACK_DOOR = ("lock", BACK_DOOR_ID, "lock")
CLIENT_ID = "http://127.0.0.1/"
# A poll every 10 s (the least the options allow): a change shows within this.
POLL_WAIT = 30.0
INTEGRATION = REPO / "custom_components" / DOMAIN
# The integration's own loggers: this one and its children (manifest.json's "loggers").
OWN_LOGGER = f"custom_components.{DOMAIN}"

LOG_RECORD = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) \([^)]*\) \[(?P<logger>[^\]]+)\] (?P<msg>.*)")
TRACEBACK_FILE = re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+', re.MULTILINE)
# The domain as a name of its own, not part of another word or of a folder's name (ha-parqex).
NAMES_DOMAIN = re.compile(rf"(?<![\w-]){DOMAIN}(?![\w-])")

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


@dataclass
class LogRecord:
    """One record of home-assistant.log: its first line and what follows it (a traceback)."""

    level: str | None
    logger: str | None
    lines: list[str]

    @property
    def text(self) -> str:
        """The whole record."""
        return "\n".join(self.lines)

    @property
    def is_own(self) -> bool:
        """Whether one of the integration's own loggers wrote it."""
        return self.logger is not None and (
            self.logger == OWN_LOGGER or self.logger.startswith(OWN_LOGGER + ".")
        )

    @property
    def ran_integration_code(self) -> bool:
        """Whether its traceback passes through the integration's own files."""
        return any(
            Path(match["path"]).is_relative_to(INTEGRATION)
            for match in TRACEBACK_FILE.finditer(self.text)
        )


def log_records(text: str) -> list[LogRecord]:
    """The log's records; lines before the first one form a record of their own."""
    records: list[LogRecord] = []
    for line in text.splitlines():
        if match := LOG_RECORD.match(line):
            records.append(LogRecord(match["level"], match["logger"], [line]))
        elif records:
            records[-1].lines.append(line)
        else:
            records.append(LogRecord(None, None, [line]))
    return records


def log_problems(text: str) -> list[str]:
    """WARNING and worse records of the integration's own loggers, or from its own code.

    Judged by logger name and by the files a traceback passes through, never by substrings:
    a clone in a folder named ha-parqex puts that name in every unrelated traceback.
    """
    return [
        record.text
        for record in log_records(text)
        if record.level in ("WARNING", "ERROR", "CRITICAL")
        and (record.is_own or record.ran_integration_code)
    ]


def log_deprecations(text: str, repo: Path = REPO) -> list[str]:
    """Lines, of any level, that speak of a deprecation and concern the integration.

    A line concerns it when one of its loggers wrote the record, when the record's traceback
    runs its code, or when the line names the domain (Home Assistant's "custom integration
    'parqex' ... is deprecated", a warning's custom_components/parqex/... path). The checkout's
    own path is left out first, whatever its folder is called.
    """
    return [
        line
        for record in log_records(text)
        for line in record.lines
        if "deprecat" in line.casefold()
        and (
            record.is_own
            or record.ran_integration_code
            or NAMES_DOMAIN.search(line.replace(str(repo), "<checkout>"))
        )
    ]


def test_log_problems_filter() -> None:
    text = "\n".join(
        [
            "2026-01-01 10:00:00.000 WARNING (SyncWorker_0) [homeassistant.loader] "
            "We found a custom integration parqex which has not been tested by Home Assistant.",
            "2026-01-01 10:00:00.001 DEBUG (MainThread) [custom_components.parqex] polled",
            "2026-01-01 10:00:00.002 WARNING (MainThread) [custom_components.parqex.lock] slow",
            "2026-01-01 10:00:00.003 ERROR (MainThread) [homeassistant.config_entries] Error "
            "setting up entry ParqEx for parqex",
            "Traceback (most recent call last):",
            f'  File "{INTEGRATION}/__init__.py", line 1, in async_setup_entry',
            # Someone else's traceback from a clone in a folder named ha-parqex.
            "2026-01-01 10:00:00.004 ERROR (MainThread) [homeassistant.components.camera.img_util]"
            " Error loading libturbojpeg; Camera snapshot performance will be sub-optimal",
            "Traceback (most recent call last):",
            '  File "/home/dev/ha-parqex/.venv-ha/lib/python3.14/site-packages/turbojpeg.py", '
            "line 300, in __init__",
            "OSError: Unable to locate turbojpeg library automatically.",
            "2026-01-01 10:00:00.005 ERROR (MainThread) [homeassistant.components.http] parqex",
            "2026-01-01 10:00:00.006 ERROR (MainThread) [custom_components.parqexample] other",
        ]
    )
    problems = log_problems(text)
    assert [problem.split("] ", 1)[1].splitlines()[0] for problem in problems] == [
        "slow",
        "Error setting up entry ParqEx for parqex",
    ]
    assert "Traceback" in problems[1]


def test_log_deprecations_filter() -> None:
    repo = Path("/home/dev/parqex")
    lines = [
        "2026-01-01 10:00:00.000 WARNING (MainThread) [homeassistant.helpers.frame] Detected "
        "that custom integration 'parqex' calls old_api, which is deprecated",
        "2026-01-01 10:00:00.001 DEBUG (MainThread) [custom_components.parqex.api] Seam says "
        "this endpoint is Deprecated",
        "2026-01-01 10:00:00.002 WARNING (MainThread) [py.warnings] "
        f"{repo}/custom_components/parqex/api/seam/client.py:3: DeprecationWarning: old",
        # The checkout's own folder is called parqex here: no concern of the integration.
        "2026-01-01 10:00:00.003 WARNING (MainThread) [py.warnings] "
        f"{repo}/.venv-ha/lib/python3.14/site-packages/foo.py:1: DeprecationWarning: bar",
        "2026-01-01 10:00:00.004 WARNING (MainThread) [py.warnings] "
        "/home/dev/ha-parqex/.venv-ha/lib/python3.14/site-packages/foo.py:1: "
        "DeprecationWarning: baz",
        "2026-01-01 10:00:00.005 WARNING (MainThread) [homeassistant.components.http] "
        "deprecated option given to parqex",
        "2026-01-01 10:00:00.006 INFO (MainThread) [homeassistant.setup] deprecated thing",
        "2026-01-01 10:00:00.007 ERROR (MainThread) [homeassistant.helpers.entity] Failed",
        "Traceback (most recent call last):",
        f'  File "{INTEGRATION}/lock.py", line 1, in async_lock',
        "DeprecationWarning: old call",
    ]
    assert log_deprecations("\n".join(lines), repo) == [lines[i] for i in (0, 1, 2, 5, 10)]


def pinned_hass_version() -> str:
    """The Home Assistant release .venv-ha holds (requirements_ha.txt)."""
    pin = re.search(
        r"^homeassistant==(\S+)$", (REPO / "requirements_ha.txt").read_text(), re.MULTILINE
    )
    assert pin, "requirements_ha.txt pins no homeassistant"
    return pin[1]


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


def add_entry(api: Http, step_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Go through the config flow as the frontend does; a dict value fills a section.

    `step_id` is the menu's choice: `parqex` (signing in at ParqEx), `parqex_token` (an access
    token obtained elsewhere) or `seam`.
    """
    step = api.post("/api/config/config_entries/flow", {"handler": DOMAIN})
    assert step["type"] == "menu"
    assert step["menu_options"] == ["parqex", "parqex_token", "seam"]
    path = f"/api/config/config_entries/flow/{step['flow_id']}"
    step = api.post(path, {"next_step_id": step_id})
    assert step["type"] == "form"
    assert step["step_id"] == step_id
    schema = {field["name"]: field for field in step["data_schema"]}
    assert {*schema} == {*fields}
    for name, value in fields.items():
        if isinstance(value, dict):
            # The expert fields: a section the form shows collapsed.
            assert schema[name]["type"] == "expandable"
            assert schema[name]["expanded"] is False
            assert {field["name"] for field in schema[name]["schema"]} == {*value}
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


def find_entities(api: Http, *wanted: tuple[str, str, str]) -> list[str] | None:
    """The entity ids of the integration's (platform, object id, key) entities, in order.

    Looked up in the entity registry by unique id, the way Home Assistant itself does; None
    while any of them is not registered yet. Unique ids start with the entry's scope: the
    user identity of a Seam entry, the entry id of a ParqEx one.
    """
    (registry,) = api.websocket({"type": "config/entity_registry/list"})
    ours = [entry for entry in registry if entry["platform"] == DOMAIN]
    by_unique_id = {
        (entry["entity_id"].split(".", 1)[0], entry["unique_id"]): entry["entity_id"]
        for entry in ours
    }
    scopes = {DEFAULT_USER_IDENTITY_ID} | {entry["config_entry_id"] for entry in ours}
    found = [
        next(
            (
                by_unique_id[platform, unique_id]
                for scope in scopes
                if (platform, unique_id := entity_unique_id(scope, object_id, key)) in by_unique_id
            ),
            None,
        )
        for platform, object_id, key in wanted
    ]
    return None if None in found else [entity_id for entity_id in found if entity_id]


def states(api: Http) -> dict[str, str]:
    """Every entity's state."""
    return {state["entity_id"]: state["state"] for state in api.get("/api/states")}


def test_real_home_assistant(
    simulator_process: SimulatorProcess, hass_process: HassProcess
) -> None:
    simulator = simulator_process.http
    alive = hass_process.process.alive
    api = log_in(hass_process)
    assert api.get("/api/config")["version"] == pinned_hass_version()

    parqex = add_entry(
        api,
        "parqex_token",
        {"access_token": DEFAULT_PARQEX_TOKEN, "advanced": {"url": simulator_process.url}},
    )
    seam = add_entry(
        api,
        "seam",
        {
            "api_key": DEFAULT_SEAM_API_KEY,
            "user_identity_id": DEFAULT_USER_IDENTITY_ID,
            "advanced": {"url": simulator_process.url},
        },
    )
    for entry in (parqex, seam):
        poll_every_10_seconds(api, entry["entry_id"])
    entries = api.get(f"/api/config/config_entries/entry?domain={DOMAIN}")
    assert sorted(entry["state"] for entry in entries) == ["loaded", "loaded"]

    kitty, front_door, back_door = wait_for(
        lambda: find_entities(api, KITTY, FRONT_DOOR, BACK_DOOR),
        "the entities in the entity registry",
        POLL_WAIT,
        alive,
    )

    def loaded_states() -> dict[str, str] | None:
        current = states(api)
        wanted = (kitty, front_door, back_door)
        return current if all(current.get(e) not in (None, "unavailable") for e in wanted) else None

    before = wait_for(loaded_states, "the entities after the reload", POLL_WAIT, alive)
    assert (before[kitty], before[front_door], before[back_door]) == (
        "open",
        "locked",
        "unlocked",
    )

    # Someone closes the garage door, unlocks the front door and locks the back door.
    simulator.post(f"/_simulator/parqex/doors/{KITTY_DOOR_ID}", {"state": "CLOSED"})
    simulator.post(f"/_simulator/seam/devices/{FRONT_DOOR_ID}", {"properties": {"locked": False}})
    simulator.post(f"/_simulator/seam/devices/{BACK_DOOR_ID}", {"properties": {"locked": True}})

    def changed() -> dict[str, str] | None:
        current = states(api)
        seen = (current[kitty], current[front_door], current[back_door])
        print("states:", seen)  # shown when the test fails
        return current if seen == ("closed", "unlocked", "locked") else None

    wait_for(changed, "the next polls to show the changes", POLL_WAIT, alive)

    # Unlocking through Home Assistant returns once Seam confirmed it.
    api.post("/api/services/lock/unlock", {"entity_id": back_door})
    devices = {
        device["device_id"]: device
        for device in simulator.get("/_simulator/state")["seam"]["devices"]
    }
    assert devices[BACK_DOOR_ID]["properties"]["locked"] is False
    assert states(api)[back_door] == "unlocked"

    # Home Assistant serves the integration's own brand images (2026.3+), to a logged-in user.
    content_type, icon = api.get_bytes(f"/api/brands/integration/{DOMAIN}/icon.png")
    assert content_type == "image/png"
    assert icon == (INTEGRATION / "brand" / "icon.png").read_bytes()

    assert hass_process.process.stop() == 0
    log = hass_process.log.read_text()
    problems = log_problems(log)
    assert not problems, "\n\n".join(problems)
    deprecations = log_deprecations(log)
    assert not deprecations, "\n".join(deprecations)
