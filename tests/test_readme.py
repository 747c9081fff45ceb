"""The README stays true: the fault table and the commands it promises."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re

import pytest

from tests.reliability.matrix import MATRIX, SCENARIOS, ScenarioRow, render_table

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_fault_table_matches_the_matrix() -> None:
    match = re.search(
        r"<!-- fault-matrix:start -->\n(.*?)\n<!-- fault-matrix:end -->", README, re.DOTALL
    )
    assert match, "the README lost its fault-matrix markers"
    assert match.group(1) == render_table(), (
        "README's Reliability table is stale: replace it with "
        "the output of `python -m tests.reliability.matrix`"
    )


def test_ci_runs_the_readme_test_command() -> None:
    assert "scripts/test " in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^scripts/test$", ci, re.MULTILINE)


def test_readme_commands_exist() -> None:
    for command in ("scripts/develop", "scripts/test", "scripts/setup", "scripts/lint"):
        assert command in README
        assert (ROOT / command).exists(), command


@pytest.mark.parametrize("row", SCENARIOS, ids=lambda row: row.id)
def test_scenario_rows_name_tests_that_exist(row: ScenarioRow) -> None:
    """A row of the README's table stands on tests that are there to run."""
    assert row.tests
    for test in row.tests:
        path, _, name = test.partition("::")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined = {
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        assert name in defined, test
    assert len({r.id for r in (*MATRIX, *SCENARIOS)}) == len(MATRIX) + len(SCENARIOS)


def test_repository_url_is_the_manifests() -> None:
    """The README names one repository, the one manifest.json points users to."""
    manifest = json.loads((ROOT / "custom_components/parqex/manifest.json").read_text())
    url = manifest["documentation"]
    assert manifest["issue_tracker"] == f"{url}/issues"
    owner, name = url.removeprefix("https://github.com/").split("/")
    mentioned = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", README))
    assert mentioned == {url}
    assert f"owner={owner}&repository={name}&category=integration" in README


def test_every_language_is_named() -> None:
    languages = {"de": "German", "fr": "French", "es": "Spanish", "nl": "Dutch", "en": "English"}
    shipped = {
        path.stem for path in (ROOT / "custom_components/parqex/translations").glob("*.json")
    }
    assert shipped == set(languages)
    for language in languages.values():
        assert language in README
