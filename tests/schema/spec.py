"""Seam's OpenAPI spec, as published in the npm package pinned by tests/fake_seam.

The spec is the default export of `@seamapi/types/lib/seam/connect/openapi.js`. The package's
`exports` map does not list that file, so Node cannot import it by package name; it is imported
by its path under tests/fake_seam/node_modules, which `fake_seam_installed` has made match the
lock file. Node writes it as JSON once per test session, to a file under pytest's base
temporary directory named after the package's version; later loads in the session read it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
import subprocess
from typing import Final

import pytest

from .openapi import OpenApiSpec

FAKE_SEAM_DIR: Final = Path(__file__).parent.parent / "fake_seam"
TYPES_DIR: Final = FAKE_SEAM_DIR / "node_modules" / "@seamapi" / "types"
SPEC_MODULE: Final = "./node_modules/@seamapi/types/lib/seam/connect/openapi.js"
# Fixed code: imports the module by path and prints its default export.
DUMP_SCRIPT: Final = (
    f"const spec = await import({json.dumps(SPEC_MODULE)});"
    "process.stdout.write(JSON.stringify(spec.default));"
)
DUMP_TIMEOUT: Final = 60.0


def types_version() -> str:
    """The installed `@seamapi/types` version."""
    version: str = json.loads((TYPES_DIR / "package.json").read_text())["version"]
    return version


def dump_openapi(node: str, target: Path) -> None:
    """Write the installed package's spec to `target` as JSON; fails the test if Node cannot."""
    try:
        done = subprocess.run(
            [node, "--input-type=module", "-e", DUMP_SCRIPT],
            cwd=FAKE_SEAM_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=DUMP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"Node took longer than {DUMP_TIMEOUT:g} s to print Seam's OpenAPI spec")
    if done.returncode != 0:
        pytest.fail(f"Node could not print Seam's OpenAPI spec:\n{done.stderr.decode()[-4000:]}")
    document = json.loads(done.stdout)
    if not str(document.get("openapi", "")).startswith("3.0."):
        pytest.fail(f"expected an OpenAPI 3.0 document, got openapi={document.get('openapi')!r}")
    target.write_bytes(done.stdout)


@functools.cache
def _load(path: Path) -> OpenApiSpec:
    # Both conftests register the fixture; the second registration reuses the converted spec.
    return OpenApiSpec(json.loads(path.read_bytes()))


@pytest.fixture(scope="session")
def seam_spec(fake_seam_installed: str, tmp_path_factory: pytest.TempPathFactory) -> OpenApiSpec:
    """Seam's OpenAPI spec from the pinned `@seamapi/types`, converted for validation."""
    target = tmp_path_factory.getbasetemp() / f"seam-openapi-{types_version()}.json"
    if not target.is_file():
        dump_openapi(fake_seam_installed, target)
    return _load(target)
