"""The simulator and a real Home Assistant, each in its own process on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# The newest Home Assistant release (requirements_ha.txt), made by scripts/setup beside .venv:
# the suite itself runs on the release its test plugin supports, the real process on this one.
HASS_PYTHON = REPO / ".venv-ha" / "bin" / "python"
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0


@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """Replace the suite-wide fixture: Home Assistant runs in its own process here, not in ours."""


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for[T](
    check: Callable[[], T | None], what: str, timeout: float, alive: Callable[[], bool]
) -> T:
    """Call `check` until it returns something other than None, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if (result := check()) is not None:
            return result
        if not alive():
            pytest.fail(f"a process exited while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


class HttpError(AssertionError):
    """An HTTP answer other than 2xx, with its body for the failure message."""

    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} answered {status}: {body[:500]}")
        self.status = status


@dataclass
class Http:
    """JSON over urllib to one server; a bearer token once there is one."""

    base_url: str
    token: str | None = None

    def send(
        self, method: str, path: str, body: Any = None, *, form: bool = False
    ) -> tuple[str, bytes]:
        """Send a request and return the answer's content type and bytes."""
        headers = {"Accept": "application/json"}
        data = None
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        url = self.base_url + path
        # Always http://127.0.0.1:<port>, built by the fixtures.
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as err:
            raise HttpError(method, url, err.code, err.read().decode(errors="replace")) from None

    def request(self, method: str, path: str, body: Any = None, *, form: bool = False) -> Any:
        """Send a request and return the decoded JSON answer (text when it is not JSON)."""
        _, raw = self.send(method, path, body, form=form)
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return raw.decode()

    def get(self, path: str) -> Any:
        """GET `path`."""
        return self.request("GET", path)

    def get_bytes(self, path: str) -> tuple[str, bytes]:
        """GET `path` as it is: its content type and bytes."""
        return self.send("GET", path)

    def websocket(self, *messages: dict[str, Any]) -> list[Any]:
        """Log in on the websocket API, send each command, and return each one's result."""
        assert self.token, "the websocket API needs an access token"
        return asyncio.run(self._websocket(self.token, messages))

    async def _websocket(self, token: str, messages: tuple[dict[str, Any], ...]) -> list[Any]:
        results = []
        timeout = aiohttp.ClientWSTimeout(ws_receive=30)
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(self.base_url + "/api/websocket", timeout=timeout) as ws,
        ):
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": token})
            answer = await ws.receive_json()
            assert answer["type"] == "auth_ok", answer
            for number, message in enumerate(messages, start=1):
                await ws.send_json({**message, "id": number})
                # Only commands are sent, so the next message is this command's answer.
                answer = await ws.receive_json()
                assert answer["id"] == number, answer
                assert answer["type"] == "result", answer
                assert answer["success"], answer
                results.append(answer["result"])
        return results

    def post(self, path: str, body: Any = None) -> Any:
        """POST `body` as JSON to `path`."""
        return self.request("POST", path, {} if body is None else body)

    def answers(self, path: str) -> bool | None:
        """True once the server answers `path` at all, None while it does not."""
        try:
            self.get(path)
        except HttpError:
            return True
        except urllib.error.URLError, ConnectionError:
            return None
        return True


@dataclass
class Process:
    """A child process whose output goes to a file."""

    name: str
    popen: subprocess.Popen[bytes]
    output: Path

    def alive(self) -> bool:
        """Whether it still runs."""
        return self.popen.poll() is None

    def stop(self) -> int:
        """SIGTERM, wait for it to finish, and only then insist; return the exit code."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            pytest.fail(f"{self.name} did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM")


def start(name: str, args: list[str], output: Path) -> Process:
    """Start `args` with custom_components and simulator importable, from `output`'s folder."""
    # Without the coverage plugin's variables: measuring a whole Home Assistant would slow it
    # down a lot, and these tests are about behaviour, not coverage.
    env = {key: value for key, value in os.environ.items() if not key.startswith("COV_CORE_")}
    env["PYTHONPATH"] = str(REPO)
    with output.open("wb") as out:
        popen = subprocess.Popen(
            args, cwd=output.parent, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    return Process(name, popen, output)


@dataclass
class SimulatorProcess:
    """`python -m simulator` on a free port, and its control API."""

    url: str
    process: Process
    http: Http = field(init=False)

    def __post_init__(self) -> None:
        self.http = Http(self.url)


@dataclass
class HassProcess:
    """Home Assistant (.venv-ha's) on a free port with a fresh configuration directory."""

    url: str
    config_dir: Path
    process: Process
    http: Http = field(init=False)

    def __post_init__(self) -> None:
        self.http = Http(self.url)

    @property
    def log(self) -> Path:
        """Home Assistant's own log file."""
        return self.config_dir / "home-assistant.log"


@pytest.fixture
def simulator_process(socket_enabled: None, tmp_path: Path) -> Iterator[SimulatorProcess]:
    """The simulator of both services, without a scenario: nothing changes unless asked."""
    port = free_port()
    process = start(
        "the simulator",
        [sys.executable, "-m", "simulator", "--host", HOST, "--port", str(port)],
        tmp_path / "simulator.out",
    )
    try:
        simulator = SimulatorProcess(f"http://{HOST}:{port}", process)
        wait_for(
            lambda: simulator.http.answers("/_simulator/state"),
            "the simulator",
            STARTUP_TIMEOUT,
            process.alive,
        )
        yield simulator
    finally:
        process.stop()


@pytest.fixture
def hass_process(socket_enabled: None, tmp_path: Path) -> Iterator[HassProcess]:
    """Home Assistant with the development configuration (config/), on a free port."""
    if not HASS_PYTHON.exists():
        pytest.fail(f"{HASS_PYTHON} is missing: run scripts/setup")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    port = free_port()
    # scripts/develop's configuration, so this test also proves that one starts cleanly.
    config = yaml.safe_load((REPO / "config" / "configuration.yaml").read_text())
    config["http"] = {**config["http"], "server_host": HOST, "server_port": port}
    (config_dir / "configuration.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    process = start(
        "Home Assistant",
        # --skip-pip: a package scripts/setup does not install must fail here, not be installed.
        [str(HASS_PYTHON), "-m", "homeassistant", "--config", str(config_dir), "--skip-pip"],
        tmp_path / "hass.out",
    )
    try:
        hass = HassProcess(f"http://{HOST}:{port}", config_dir, process)
        # /auth/providers needs no login (it answers 400 until there is an owner), so waiting
        # on it leaves no failed-login warnings behind.
        wait_for(
            lambda: hass.http.answers("/auth/providers"),
            "Home Assistant to answer",
            STARTUP_TIMEOUT,
            process.alive,
        )
        yield hass
    finally:
        process.stop()
        # Shown by pytest only when the test failed.
        for path in (process.output, config_dir / "home-assistant.log"):
            if path.exists():
                print(f"==> {path} (last 60 lines)")
                print("\n".join(path.read_text(errors="replace").splitlines()[-60:]))
