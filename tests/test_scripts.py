"""The project's own scripts: setup says clearly what is missing; CI runs the test command."""

from __future__ import annotations

import os
from pathlib import Path
import shutil
import subprocess

ROOT = Path(__file__).parent.parent


def test_setup_without_python_313_says_so(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup", tmp_path / "scripts" / "setup")
    shutil.copy(ROOT / "requirements_test.txt", tmp_path)
    # A PATH with only the system's tools: its python3 is not 3.13 and there is no pyenv.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "cat", "cut", "sha256sum", "dirname"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run(
        ["bash", "scripts/setup"],
        cwd=tmp_path,
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Python 3.13 is required" in result.stderr
    assert "pyenv install 3.13" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_setup_is_quick_when_nothing_changed() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "setup")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ},
    )
    assert result.stdout == ""


def test_tls_verification_is_never_turned_off() -> None:
    for path in (ROOT / "custom_components").rglob("*.py"):
        text = path.read_text()
        for forbidden in ("ssl=False", "verify_ssl", "CERT_NONE", "check_hostname = False"):
            assert forbidden not in text, f"{path}: {forbidden}"
