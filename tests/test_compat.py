"""The Home Assistant releases the integration claims to run on have everything it imports.

hacs.json names the oldest release; the check reads that release's wheel (scripts/setup
downloads it) and the two installed releases without importing them: every module and name the
integration imports from Home Assistant must be defined there, and every other package it
imports must be Home Assistant's own requirement or the integration's.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
import email
import json
from pathlib import Path
import sys
import zipfile

import pytest

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "parqex"
MINIMUM = json.loads((ROOT / "hacs.json").read_text())["homeassistant"]

type ReadFile = Callable[[str], str | None]


@dataclass(frozen=True)
class Release:
    """One Home Assistant release's files, read without importing anything."""

    version: str
    read: ReadFile
    requirements: frozenset[str]


def _requirement_names(metadata: str) -> frozenset[str]:
    message = email.message_from_string(metadata)
    names = set()
    for requirement in message.get_all("Requires-Dist") or []:
        name = requirement.split(";")[0].strip()
        for separator in "=<>!~[ (":
            name = name.split(separator)[0]
        names.add(name.lower().replace("_", "-"))
    return frozenset(names)


def wheel_release(path: Path) -> Release:
    """A release from its wheel."""
    archive = zipfile.ZipFile(path)
    names = set(archive.namelist())

    def read(name: str) -> str | None:
        return archive.read(name).decode() if name in names else None

    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    version = path.name.split("-")[1]
    return Release(version, read, _requirement_names(archive.read(metadata).decode()))


def installed_release(site_packages: Path) -> Release:
    """A release installed in an environment's site-packages."""

    def read(name: str) -> str | None:
        path = site_packages / name
        return path.read_text() if path.is_file() else None

    dist_info = next(site_packages.glob("homeassistant-*.dist-info"))
    version = dist_info.name.removeprefix("homeassistant-").removesuffix(".dist-info")
    metadata = (dist_info / "METADATA").read_text()
    return Release(version, read, _requirement_names(metadata))


def integration_imports() -> Iterator[tuple[Path, ast.ImportFrom | ast.Import]]:
    """Every import statement of the integration that is not relative."""
    for path in sorted(INTEGRATION.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import) or (
                isinstance(node, ast.ImportFrom) and not node.level
            ):
                yield path, node


def _module_source(release: Release, module: str) -> str | None:
    base = module.replace(".", "/")
    source = release.read(f"{base}.py")
    return source if source is not None else release.read(f"{base}/__init__.py")


def defined_names(source: str) -> set[str]:
    """Names a module defines at its top level, also under `if`/`try` blocks."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(ast.parse(source).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.TypeAlias):
            names.add(node.name.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.If | ast.Try):
            pending.extend(node.body + node.orelse)
            if isinstance(node, ast.Try):
                pending.extend(node.finalbody)
                for handler in node.handlers:
                    pending.extend(handler.body)
    return names


def missing_names(release: Release) -> list[str]:
    """What the integration imports from Home Assistant that the release does not define."""
    missing = []
    for path, node in integration_imports():
        where = path.relative_to(ROOT)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("homeassistant") and (
                    _module_source(release, alias.name) is None
                ):
                    missing.append(f"{where}: module {alias.name}")
            continue
        module = node.module or ""
        if not module.startswith("homeassistant"):
            continue
        source = _module_source(release, module)
        if source is None:
            missing.append(f"{where}: module {module}")
            continue
        defined = defined_names(source)
        for alias in node.names:
            is_submodule = _module_source(release, f"{module}.{alias.name}") is not None
            if alias.name not in defined and not is_submodule:
                missing.append(f"{where}: {module}.{alias.name}")
    return missing


def foreign_packages(release: Release) -> list[str]:
    """Packages the integration imports that neither Home Assistant nor its manifest provides."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    own = {requirement.split("==")[0].lower() for requirement in manifest["requirements"]}
    foreign = set()
    for _, node in integration_imports():
        modules = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
        for module in modules:
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top in {"homeassistant", "custom_components"}:
                continue
            if top not in own and top not in release.requirements:
                foreign.add(top)
    return sorted(foreign)


def releases() -> Iterator[object]:
    wheels = sorted((ROOT / ".venv" / "ha-wheels").glob(f"homeassistant-{MINIMUM}-*.whl"))
    yield pytest.param(wheels, id=f"minimum-{MINIMUM}")
    for venv in (".venv", ".venv-ha"):
        yield pytest.param(venv, id=venv)


def _release(where: object) -> Release:
    if isinstance(where, list):
        assert where, f"scripts/setup downloads the Home Assistant {MINIMUM} wheel; it is missing"
        return wheel_release(where[0])
    site_packages = next((ROOT / str(where) / "lib").glob("python3*/site-packages"))
    return installed_release(site_packages)


@pytest.mark.parametrize("where", releases())
def test_release_has_everything_imported(where: object) -> None:
    release = _release(where)
    assert missing_names(release) == [], f"missing in Home Assistant {release.version}"
    assert foreign_packages(release) == [], f"not provided with Home Assistant {release.version}"


def test_checker_sees_a_missing_name() -> None:
    """The check can fail: a release without `section` or probatio is caught."""
    installed = _release(".venv")

    def without_section(name: str) -> str | None:
        source = installed.read(name)
        if name == "homeassistant/data_entry_flow.py" and source is not None:
            return source.replace("class section:", "class renamed_section:")
        return source

    stripped = Release("test", without_section, installed.requirements - {"probatio"})
    assert any(
        entry.endswith("homeassistant.data_entry_flow.section") for entry in missing_names(stripped)
    )
    assert foreign_packages(stripped) == ["probatio"]


def test_minimum_is_the_same_everywhere() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"Home Assistant {MINIMUM} or newer" in readme
