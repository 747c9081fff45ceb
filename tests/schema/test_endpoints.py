"""The oracle's table covers every Seam path our client posts to, and nothing else."""

from __future__ import annotations

import ast
from pathlib import Path
import re
from typing import Final

from custom_components.parqex.api.seam import client as client_module

from .endpoints import ENDPOINTS

CLIENT_SOURCE: Final = Path(client_module.__file__)
# A Seam path as the client writes it: "/group/action", lowercase words.
PATH_LITERAL: Final = re.compile(r"/[a-z_]+(?:/[a-z_]+)+")


def client_paths(source: str) -> set[str]:
    """Every Seam path a module's source names (string literals shaped like a path)."""
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and PATH_LITERAL.fullmatch(node.value)
    }


def test_the_scan_finds_paths_wherever_the_client_writes_them() -> None:
    source = """
GET = "/devices/get"
async def lock(self):
    await self._post("/locks/lock_door", {})
    return f"/not/{self}"  # not a literal path
URL = "https://connect.getseam.com"
NOTE = "see /docs for more"
"""
    assert client_paths(source) == {"/devices/get", "/locks/lock_door"}


def test_every_client_path_has_a_row() -> None:
    """A path the client posts to without an oracle row fails here; so does a stale row."""
    paths = client_paths(CLIENT_SOURCE.read_text())
    rows = [endpoint.path for endpoint in ENDPOINTS]
    assert len(set(rows)) == len(rows), "one row per path"
    missing = sorted(paths - set(rows))
    assert missing == [], f"add a row for each to tests/schema/endpoints.py: {missing}"
    stale = sorted(set(rows) - paths)
    assert stale == [], f"rows of paths the client no longer calls: {stale}"
