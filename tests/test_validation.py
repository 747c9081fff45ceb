"""What hassfest and the HACS action would check, done here since neither runs offline."""

from __future__ import annotations

import ast
from importlib.metadata import version
import json
from pathlib import Path
import struct
from typing import Any

import homeassistant
from homeassistant.helpers.entity import EntityDescription
import pytest
import yaml

from custom_components.parqex import binary_sensor, climate, event, lock, number, sensor, switch

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "parqex"
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text())
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())
ICONS = json.loads((INTEGRATION / "icons.json").read_text())
PLATFORM_MODULES = {
    "binary_sensor": binary_sensor,
    "climate": climate,
    "event": event,
    "lock": lock,
    "number": number,
    "sensor": sensor,
    "switch": switch,
}
# What hassfest allows in a step's `sections` entry.
SECTION_KEYS = {"name", "description", "data", "data_description"}


def descriptions() -> list[tuple[str, EntityDescription]]:
    """Every entity description the platforms declare."""
    found = []
    for platform, module in PLATFORM_MODULES.items():
        for value in vars(module).values():
            items = value if isinstance(value, tuple) else (value,)
            found.extend((platform, item) for item in items if isinstance(item, EntityDescription))
    return found


def code_constants() -> tuple[set[str], set[str], set[str]]:
    """String literals of the integration: all, `translation_key=` values, `Problem` keys."""
    literals: set[str] = set()
    translation_keys: set[str] = set()
    problems: set[str] = set()
    for path in INTEGRATION.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.keyword) and node.arg == "translation_key":
                if isinstance(node.value, ast.Constant):
                    translation_keys.add(node.value.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Problem"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                problems.add(node.args[0].value)
    return literals, translation_keys, problems


def test_manifest() -> None:
    for key in ("domain", "name", "version", "codeowners", "documentation", "issue_tracker"):
        assert MANIFEST[key], key
    assert MANIFEST["domain"] == "parqex"
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["iot_class"] == "cloud_polling"
    assert MANIFEST["integration_type"] == "hub"
    assert "webhook" in MANIFEST["dependencies"]
    # hassfest: domain and name first, then the rest sorted.
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])
    assert MANIFEST["version"].count(".") == 2


def test_requirements_are_pinned_new_and_the_ones_tested() -> None:
    """Every requirement is an exact pin of something Home Assistant does not ship already,
    and the tests run against that very version."""
    constraints = (Path(homeassistant.__file__).parent / "package_constraints.txt").read_text()
    shipped = {line.split("==")[0].strip().lower() for line in constraints.splitlines()}
    tested = (ROOT / "requirements_test.txt").read_text().splitlines()
    assert MANIFEST["requirements"]
    for requirement in MANIFEST["requirements"]:
        name, _, pinned = requirement.partition("==")
        assert pinned, requirement
        assert name.lower() not in shipped, requirement
        assert requirement in tested, requirement
        assert version(name) == pinned, requirement


def test_hacs_json() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    allowed = {
        "name",
        "homeassistant",
        "hacs",
        "country",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "persistent_directory",
        "render_readme",
    }
    assert hacs["name"]
    assert set(hacs) <= allowed
    assert hacs["homeassistant"] == "2026.9.0"


def test_translations_match_strings() -> None:
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    assert english == STRINGS


def test_entity_translations_both_ways() -> None:
    used = {
        (platform, key)
        for platform, d in descriptions()
        for key in (d.translation_key, getattr(d, "translation_key_when_named", None))
        if key
    }
    declared = {(platform, key) for platform, keys in STRINGS["entity"].items() for key in keys}
    assert used == declared
    for platform, description in descriptions():
        # An entity named after its device (name None) translates only its states.
        if description.translation_key and description.name is not None:
            assert STRINGS["entity"][platform][description.translation_key]["name"]


def test_icons_for_every_entity_that_needs_one() -> None:
    needing = {
        (platform, d.translation_key)
        for platform, d in descriptions()
        if d.translation_key and d.device_class is None
    }
    declared = {(platform, key) for platform, keys in ICONS["entity"].items() for key in keys}
    assert needing <= declared, needing - declared
    known = {(platform, d.translation_key) for platform, d in descriptions()}
    assert declared <= known, declared - known
    for platform, key in declared:
        icons = ICONS["entity"][platform][key]
        # An entry may only add icons for attribute states, keeping the platform's default.
        assert icons.get("default", "mdi:").startswith("mdi:")
        assert "default" in icons or "state_attributes" in icons
        for attribute in icons.get("state_attributes", {}).values():
            assert all(icon.startswith("mdi:") for icon in attribute["state"].values())


def test_exception_and_issue_keys_both_ways() -> None:
    literals, translation_keys, problems = code_constants()
    entity_keys = {key for keys in STRINGS["entity"].values() for key in keys}
    exception_keys = set(STRINGS["exceptions"])
    assert translation_keys - entity_keys <= exception_keys
    # The lock picks its error key at run time; every declared key must still be in the code.
    assert exception_keys <= literals
    assert problems == set(STRINGS["issues"])


def test_config_errors_and_aborts_are_declared_and_used() -> None:
    literals, _, _ = code_constants()
    errors = set(STRINGS["config"]["error"]) | set(STRINGS["options"].get("error", {}))
    assert errors <= literals
    # Form errors: dicts keyed by "base" or a field constant, or `errors[...] = "..."`.
    flow = ast.parse((INTEGRATION / "config_flow.py").read_text())
    values: list[ast.expr] = []
    for node in ast.walk(flow):
        if isinstance(node, ast.Dict):
            values.extend(
                value
                for key, value in zip(node.keys, node.values, strict=True)
                if (isinstance(key, ast.Constant) and key.value == "base")
                or (isinstance(key, ast.Name) and key.id.startswith("CONF_"))
            )
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            values.append(node.value)
    shown: set[str] = set()
    for value in values:
        branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
        shown.update(
            branch.value
            for branch in branches
            if isinstance(branch, ast.Constant) and isinstance(branch.value, str)
        )
    assert shown == errors
    # Home Assistant's OAuth flow translates its own abort reasons (sign-in failures).
    assert set(STRINGS["config"]["abort"]) == {
        "already_configured",
        "already_in_progress",
        "reauth_successful",
        "reconfigure_successful",
        "wrong_account",
        "cannot_connect",
        "invalid_auth",
    }


@pytest.mark.parametrize(
    "steps",
    [STRINGS["config"]["step"], STRINGS["options"]["step"]],
    ids=["config", "options"],
)
def test_every_field_has_a_description(steps: dict[str, Any]) -> None:
    literals, _, _ = code_constants()
    for name, step in steps.items():
        fields = step.get("data", {})
        described = step.get("data_description", {})
        assert set(fields) == set(described), name
        assert all(described.values()), name
        # A form section (a collapsed group of fields) labels and describes its own fields.
        for section_name, section in step.get("sections", {}).items():
            where = f"{name}.sections.{section_name}"
            assert section_name in literals, where
            assert set(section) <= SECTION_KEYS, where
            assert section.get("name"), where
            section_fields = section.get("data", {})
            section_described = section.get("data_description", {})
            assert section_fields, where
            assert set(section_fields) == set(section_described), where
            assert all(section_fields.values()), where
            assert all(section_described.values()), where


def test_quality_scale_is_complete() -> None:
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    expected = {
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
        "async-dependency",
        "inject-websession",
        "strict-typing",
    }
    assert set(rules) == expected
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in ("done", "exempt"), name
        if status == "exempt":
            assert rule["comment"], name


def test_every_platform_declares_parallel_updates() -> None:
    for module in PLATFORM_MODULES.values():
        assert module.PARALLEL_UPDATES == 0


@pytest.mark.parametrize(
    ("name", "size"),
    [("icon.png", 256), ("icon@2x.png", 512), ("logo.png", None), ("logo@2x.png", None)],
)
def test_brand_images(name: str, size: int | None) -> None:
    data = (INTEGRATION / "brand" / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    if size is not None:
        assert (width, height) == (size, size)
    assert width > 0
    assert height > 0
