"""The README stays true: the fault table and the commands it promises."""

from __future__ import annotations

from pathlib import Path
import re

from tests.reliability.matrix import render_table

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
