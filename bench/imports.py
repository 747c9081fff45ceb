"""Import cost, from `python -X importtime` in fresh interpreters.

For the integration, Home Assistant's own modules are imported first, so only the cost of the
integration's modules and anything new they bring in is counted; any Home Assistant module still
imported during the measured part is left out together with everything it imports.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
import re
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "parqex"
MARK = "--- parqex bench: measured part starts ---"
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)\s*$")
# Home Assistant runs from cached bytecode; a shell that sets PYTHONDONTWRITEBYTECODE would
# otherwise bill compiling every module from source to every run.
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def integration_modules() -> list[str]:
    """custom_components.parqex, its API package, and every submodule of both."""
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    return modules


def homeassistant_imports() -> list[str]:
    """Every Home Assistant module the integration's source imports."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from homeassistant.components import webhook` imports a module too.
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found.update(name for name in names if name.split(".")[0] == "homeassistant")
    return sorted(found)


def _own_microseconds(stderr: str, excluded_prefix: str | None) -> int:
    """Self time of every module imported after MARK, less excluded subtrees.

    -X importtime lists a module after everything it imported, indented one level deeper, so
    read backwards a module comes before its imports.
    """
    lines = stderr.split(MARK, 1)[1].splitlines()
    total = 0
    stack: list[tuple[int, bool]] = []
    for line in reversed(lines):
        match = _LINE.match(line)
        if match is None:
            continue
        own, depth, name = int(match[1]), len(match[3]), match[4]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        excluded = bool(stack and stack[-1][1]) or (
            excluded_prefix is not None
            and (name == excluded_prefix or name.startswith(excluded_prefix + "."))
        )
        stack.append((depth, excluded))
        if not excluded:
            total += own
    return total


def _measure(preload: list[str], measured: list[str], excluded_prefix: str | None) -> float:
    code = "\n".join(
        [
            "import sys",
            *(f"try:\n    import {module}\nexcept ImportError:\n    pass" for module in preload),
            # A collection owed to the preloaded modules is not the measured modules' cost.
            "import gc",
            "gc.collect()",
            f"sys.stderr.write({MARK!r} + '\\n')",
            "sys.stderr.flush()",
            *(f"import {module}" for module in measured),
        ]
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        env=_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    return _own_microseconds(result.stderr, excluded_prefix) / 1000


def integration_import_ms(repeats: int) -> list[float]:
    """Milliseconds to import the integration once Home Assistant itself is loaded, per run."""
    preload, measured = homeassistant_imports(), integration_modules()
    if repeats > 1:
        _measure(preload, measured, "homeassistant")  # compiles any stale bytecode
    return [_measure(preload, measured, "homeassistant") for _ in range(repeats)]


def seam_sdk_import_ms(repeats: int) -> list[float] | None:
    """Milliseconds for `import seam` in a fresh interpreter, per run; None without the SDK."""
    try:
        first = _measure([], ["seam"], None)  # also compiles any bytecode not yet cached
    except subprocess.CalledProcessError:
        return None
    if repeats == 1:
        return [first]
    return [_measure([], ["seam"], None) for _ in range(repeats)]
