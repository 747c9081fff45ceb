"""Move the Home Assistant pins to the newest releases (run it as scripts/update-pins).

- requirements_test.txt: the newest pytest-homeassistant-custom-component, the Home Assistant
  release it pins, and the packages taken from that release's package_constraints.txt.
- requirements_ha.txt: the newest Home Assistant release and the frontend its constraints pin.

Nothing but those version numbers changes; comments and order stay. `--check` only says whether
the pins are current (exit 1 when not). `--index` points at another PyPI (the tests use a local
one).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import io
import json
from pathlib import Path
import re
import sys
from typing import Any
import urllib.parse
import urllib.request
import zipfile

PYPI = "https://pypi.org"
PLUGIN = "pytest-homeassistant-custom-component"
HOMEASSISTANT = "homeassistant"
FRONTEND = "home-assistant-frontend"
CONSTRAINTS = "homeassistant/package_constraints.txt"
ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)\s*$")


def normalize(name: str) -> str:
    """A package name as PyPI compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Index:
    """Reads package metadata and wheels from a PyPI-compatible JSON API."""

    url: str = PYPI

    def _get(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            body: bytes = response.read()
        return body

    def project(self, name: str) -> dict[str, Any]:
        """PyPI's JSON for a project: the newest release's `info` and every release's files."""
        url = f"{self.url.rstrip('/')}/pypi/{name}/json"
        data: dict[str, Any] = json.loads(self._get(url))
        return data

    def constraints(self, version: str) -> dict[str, str]:
        """The exact pins of a Home Assistant release's package_constraints.txt, by name."""
        files = self.project(HOMEASSISTANT)["releases"].get(version, [])
        project_url = f"{self.url.rstrip('/')}/pypi/{HOMEASSISTANT}/json"
        wheels = [file for file in files if file["filename"].endswith(".whl")]
        if not wheels:
            raise SystemExit(f"update-pins: Home Assistant {version} has no wheel")
        # Mirrors may give file URLs relative to the JSON's own URL.
        wheel_url = urllib.parse.urljoin(project_url, wheels[0]["url"])
        with zipfile.ZipFile(io.BytesIO(self._get(wheel_url))) as wheel:
            text = wheel.read(CONSTRAINTS).decode()
        pins = {}
        for line in text.splitlines():
            if match := PIN.match(line.strip()):
                pins[normalize(match["name"])] = match["version"]
        return pins


def plugin_pin(index: Index) -> tuple[str, str]:
    """The newest test plugin release and the Home Assistant release it pins."""
    info = index.project(PLUGIN)["info"]
    for requirement in info.get("requires_dist") or []:
        match = re.match(r"^homeassistant\s*==\s*([^\s;]+)", requirement)
        if match:
            return info["version"], match[1]
    raise SystemExit(f"update-pins: {PLUGIN} {info['version']} pins no homeassistant release")


def repin(text: str, versions: dict[str, str]) -> str:
    """`text` with every `name==version` line whose name is in `versions` moved to it."""
    lines = []
    for line in text.splitlines(keepends=True):
        match = PIN.match(line.strip())
        if match and normalize(match["name"]) in versions:
            lines.append(f"{match['name']}=={versions[normalize(match['name'])]}\n")
        else:
            lines.append(line)
    return "".join(lines)


def updated_files(index: Index, root: Path) -> dict[Path, str]:
    """The new text of each requirements file whose pins move."""
    plugin_version, tested_ha = plugin_pin(index)
    newest_ha = index.project(HOMEASSISTANT)["info"]["version"]
    tested = index.constraints(tested_ha)
    newest = index.constraints(newest_ha)
    test_pins = {
        **tested,
        normalize(PLUGIN): plugin_version,
        HOMEASSISTANT: tested_ha,
    }
    ha_pins = {HOMEASSISTANT: newest_ha, FRONTEND: newest[FRONTEND]}
    # The integration's own requirement is pinned by manifest.json, not by Home Assistant.
    test_pins.pop("msgspec", None)
    changed = {}
    for name, pins in (("requirements_test.txt", test_pins), ("requirements_ha.txt", ha_pins)):
        path = root / name
        old = path.read_text()
        new = repin(old, pins)
        if new != old:
            changed[path] = new
    return changed


def main(argv: list[str] | None = None) -> int:
    """Rewrite the pins (or, with --check, only report); 1 when --check finds them stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if stale")
    parser.add_argument("--index", default=PYPI, help=f"PyPI JSON API base (default {PYPI})")
    parser.add_argument("--root", type=Path, default=ROOT, help="where the requirements live")
    args = parser.parse_args(argv)
    changed = updated_files(Index(args.index), args.root)
    for path, text in changed.items():
        old = {line for line in path.read_text().splitlines() if PIN.match(line)}
        for line in text.splitlines():
            if PIN.match(line) and line not in old:
                print(f"{path.name}: {line}")
        if not args.check:
            path.write_text(text)
    if not changed:
        print("update-pins: every pin is current")
        return 0
    if args.check:
        return 1
    print("update-pins: run scripts/test to try the new pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
