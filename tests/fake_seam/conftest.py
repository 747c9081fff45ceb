"""Node and the pinned npm packages of tests/fake_seam, for every test that needs them.

tests/schema uses them too (Seam's OpenAPI spec comes from the pinned `@seamapi/types`), so
the fixtures live here rather than in one test module.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
from typing import Any

import pytest

from tests.schema.openapi import OpenApiSpec
from tests.schema.spec import seam_spec  # noqa: F401  (fake_spec is made from it)

HERE = Path(__file__).parent
PACKAGE = "@seamapi/fake-seam-connect"
INSTALL_TIMEOUT = 240.0
INSTALL_LOCK = ".install.lock"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not on PATH: the fake_seam tests need Node.js 20+ and npm "
            "(deselect them with `-m 'not fake_seam'`)"
        )
    return path


def _installed_matches_lock() -> bool:
    """Whether node_modules holds exactly what package.json / package-lock.json ask for."""
    modules = HERE / "node_modules"
    installed_lock = modules / ".package-lock.json"
    if not installed_lock.is_file():
        return False
    installed: dict[str, Any] = json.loads(installed_lock.read_text())["packages"]
    lock_file = HERE / "package-lock.json"
    if lock_file.is_file():
        wanted = json.loads(lock_file.read_text())["packages"]
        return all(
            installed.get(path, {}).get("version") == entry.get("version")
            for path, entry in wanted.items()
            if path.startswith("node_modules/")
        )
    pinned = json.loads((HERE / "package.json").read_text())["dependencies"][PACKAGE]
    return bool(installed.get(f"node_modules/{PACKAGE}", {}).get("version") == pinned)


def _run_npm(npm: str, *args: str) -> None:
    # Own process group, so a timeout stops npm and anything it started. Fixed arguments.
    process = subprocess.Popen(
        [npm, *args, "--no-audit", "--no-fund"],
        cwd=HERE,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"npm {args[0]} in {HERE} took longer than {INSTALL_TIMEOUT:g} s")
    if process.returncode != 0:
        pytest.fail(f"npm {args[0]} failed ({process.returncode}):\n{output.decode()[-4000:]}")


@pytest.fixture(scope="session")
def fake_seam_installed() -> str:
    """Node's path, once the pinned packages are installed in tests/fake_seam/node_modules.

    Test workers run in parallel, and `npm ci` first deletes node_modules: one worker installs
    while the others wait on a file lock, then find the packages in place.
    """
    node = _tool("node")
    npm = _tool("npm")
    with (HERE / INSTALL_LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed_matches_lock():
            _run_npm(npm, "ci" if (HERE / "package-lock.json").is_file() else "install")
            assert _installed_matches_lock(), "npm finished but node_modules still differs"
    return node


@pytest.fixture(scope="session")
def fake_spec(seam_spec: OpenApiSpec) -> OpenApiSpec:  # noqa: F811
    """Seam's spec for the fake's exchanges: every check but `format`.

    The fake mints its own ids ("action_attempt1", "workspace1") where Seam's are UUIDs, and
    our client sends them back, so formats would only find the fake's nature.
    """
    return OpenApiSpec(seam_spec.document, check_formats=False)
