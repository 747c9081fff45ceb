"""The project's own scripts: setup says clearly what is missing; CI runs the test command."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
import shutil
import subprocess
import sys

import pytest

ROOT = Path(__file__).parent.parent


# Stands in for a Python that is too old: the real interpreter, reporting 3.14.1 to the code it
# is given with -c (scripts/setup's version check), and noting that it was asked.
TOO_OLD_PYTHON = """#!{bash}
echo "$0 $*" >>{asked}
exec {python} -c '{prologue}' "${{@:2}}"
""".replace(
    "{prologue}",
    'import sys; code = sys.argv.pop(1); sys.version_info = (3, 14, 1, "final", 0); exec(code)',
)


def test_setup_without_python_3142_says_so(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup", tmp_path / "scripts" / "setup")
    for requirements in ("requirements_test.txt", "requirements_ha.txt"):
        shutil.copy(ROOT / requirements, tmp_path)
    # A PATH with only the tools setup needs to decide: a python3 and python3.14 that are 3.14.1,
    # no pyenv, no uv, and no apt-get, so the machine does not look like Debian as root (where
    # setup would build a Debian root with its python3.14 instead). HOME is a fresh folder.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "cat", "cut", "sha256sum", "dirname", "id"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    asked = tmp_path / "asked"
    bash = shutil.which("bash")
    assert bash
    for name in ("python3", "python3.14"):
        stub = bin_dir / name
        stub.write_text(TOO_OLD_PYTHON.format(bash=bash, asked=asked, python=sys.executable))
        stub.chmod(0o755)
    result = subprocess.run(
        ["bash", "scripts/setup"],
        cwd=tmp_path,
        env={"PATH": str(bin_dir), "HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Python >= 3.14.2 is needed" in result.stderr
    assert "uv python install 3.14" in result.stderr
    assert "PARQEX_PYTHON" in result.stderr
    assert "Debian" not in result.stderr
    # The 3.14.1 on PATH was found and turned down, not missed.
    assert f"{bin_dir / 'python3.14'} -c" in asked.read_text()
    assert not (tmp_path / ".venv").exists()
    assert not (tmp_path / ".venv-ha").exists()


def test_too_old_python_stub_is_too_old(tmp_path: Path) -> None:
    """The stub above really fails setup's version check, and only because of its version."""
    stub = tmp_path / "python3"
    bash = shutil.which("bash")
    assert bash
    stub.write_text(
        TOO_OLD_PYTHON.format(bash=bash, asked=tmp_path / "asked", python=sys.executable)
    )
    stub.chmod(0o755)
    check = "import sys; sys.exit(sys.version_info[:3] < tuple(int(p) for p in sys.argv[1:]))"
    assert subprocess.run([stub, "-c", check, "3", "14", "2"], check=False).returncode == 1
    assert subprocess.run([stub, "-c", check, "3", "14", "1"], check=False).returncode == 0


def environment_stamps() -> dict[str, str | None]:
    """Each environment's requirements stamp, None where it has none."""
    stamps: dict[str, str | None] = {}
    for venv in (".venv", ".venv-ha"):
        stamp = ROOT / venv / ".requirements.sha256"
        stamps[venv] = stamp.read_text() if stamp.exists() else None
    return stamps


def test_setup_is_quick_when_nothing_changed() -> None:
    # Both environments must be current already; otherwise this would reinstall the suite's own
    # environment under it.
    for venv, requirements in (
        (".venv", "requirements_test.txt"),
        (".venv-ha", "requirements_ha.txt"),
    ):
        wanted = hashlib.sha256(
            (ROOT / requirements).read_bytes() + (ROOT / "scripts" / "setup").read_bytes()
        ).hexdigest()
        if environment_stamps()[venv] != wanted + "\n":
            pytest.fail(f"{venv} is not up to date with {requirements}: run scripts/setup first")
    before = environment_stamps()
    result = subprocess.run(
        [str(ROOT / "scripts" / "setup")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ},
    )
    # Nothing to make, download or install: setup says nothing at all and changes no stamp.
    assert result.stdout == ""
    assert result.stderr == ""
    assert environment_stamps() == before


def test_tls_verification_is_never_turned_off() -> None:
    for path in (ROOT / "custom_components").rglob("*.py"):
        text = path.read_text()
        for forbidden in ("ssl=False", "verify_ssl", "CERT_NONE", "check_hostname = False"):
            assert forbidden not in text, f"{path}: {forbidden}"


def test_screenshot_script_is_sound_and_explains_itself(tmp_path: Path) -> None:
    """scripts/screenshot parses, documents itself, and refuses plainly without Chromium.

    Nothing is started: a browser and Home Assistant would make this slow, and the script
    checks its arguments and Chromium before it starts scripts/develop.
    """
    script = ROOT / "scripts" / "screenshot"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, **env},
            cwd=tmp_path,
        )

    shown = run("--help")
    assert shown.returncode == 0, shown.stderr
    for expected in ("docs/dashboard.png", "scripts/develop", "--path", "--output", "chromium"):
        assert expected in shown.stdout
    wrong = run("--no-such-option")
    assert wrong.returncode == 2
    assert "unknown argument: --no-such-option" in wrong.stderr
    assert run("--path", "home").returncode == 2
    assert run("--timeout", "soon").returncode == 2
    missing = run(CHROMIUM=str(tmp_path / "no-chromium"))
    assert missing.returncode == 1
    assert "apt-get install chromium" in missing.stderr
    assert "starting scripts/develop" not in missing.stderr
    # The DevTools half is Python: it must at least import and parse its arguments.
    helper = subprocess.run(
        [str(ROOT / "scripts" / "python"), "scripts/screenshot.py", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert helper.returncode == 0, helper.stderr
    assert "--devtools-port" in helper.stdout
