"""scripts/update-pins against a small PyPI served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import importlib.util
import io
import json
from pathlib import Path
import shutil
import sys
import threading
from types import ModuleType
import zipfile

import pytest

ROOT = Path(__file__).parent.parent


def load_update_pins() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_pins", ROOT / "scripts/update_pins.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up by name while the module is being run.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def wheel(constraints: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("homeassistant/package_constraints.txt", constraints)
    return buffer.getvalue()


TESTED_CONSTRAINTS = "# pins\nhassil==9.9.9\nPyTurboJPEG==2.0.0\nmsgspec==0.1.0\naiohttp==4.0\n"
NEWEST_CONSTRAINTS = "home-assistant-frontend==20270101.0\nhassil==9.9.10\n"


@pytest.fixture
def index(socket_enabled: None) -> Iterator[str]:
    """A PyPI JSON API with a newer plugin (pinning 2026.12.3) and Home Assistant 2027.1.0."""
    routes: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    routes.update(
        {
            "/pypi/pytest-homeassistant-custom-component/json": json.dumps(
                {
                    "info": {
                        "version": "0.13.400",
                        "requires_dist": ["pytest==9.9", "homeassistant==2026.12.3"],
                    }
                }
            ).encode(),
        }
    )
    releases = {}
    for version, constraints in (
        ("2026.12.3", TESTED_CONSTRAINTS),
        ("2027.1.0", NEWEST_CONSTRAINTS),
    ):
        path = f"/files/homeassistant-{version}-py3-none-any.whl"
        releases[version] = [
            {"filename": path.rsplit("/", 1)[1] + ".metadata", "url": url + path + ".metadata"},
            # Relative to the JSON's URL, as some mirrors give it.
            {"filename": path.rsplit("/", 1)[1], "url": "../.." + path},
        ]
        routes[path] = wheel(constraints)
    routes["/pypi/homeassistant/json"] = json.dumps(
        {"info": {"version": "2027.1.0"}, "releases": releases}
    ).encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def test_update_pins_moves_only_versions(index: str, tmp_path: Path) -> None:
    for name in ("requirements_test.txt", "requirements_ha.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    before = {
        name: (tmp_path / name).read_text()
        for name in ("requirements_test.txt", "requirements_ha.txt")
    }
    update_pins = load_update_pins()

    assert update_pins.main(["--check", "--index", index, "--root", str(tmp_path)]) == 1
    assert (tmp_path / "requirements_test.txt").read_text() == before["requirements_test.txt"]

    assert update_pins.main(["--index", index, "--root", str(tmp_path)]) == 0
    test_reqs = (tmp_path / "requirements_test.txt").read_text()
    ha_reqs = (tmp_path / "requirements_ha.txt").read_text()
    assert "pytest-homeassistant-custom-component==0.13.400\n" in test_reqs
    assert "homeassistant==2026.12.3\n" in test_reqs
    # Packages pinned by the tested release's constraints follow them...
    assert "hassil==9.9.9\n" in test_reqs
    assert "PyTurboJPEG==2.0.0\n" in test_reqs
    # ...but the integration's own requirement stays as manifest.json pins it.
    assert "msgspec==0.1.0" not in test_reqs
    assert "homeassistant==2027.1.0\n" in ha_reqs
    assert "home-assistant-frontend==20270101.0\n" in ha_reqs
    # Comments, order and every other line stay.
    for name, text in (("requirements_test.txt", test_reqs), ("requirements_ha.txt", ha_reqs)):
        old_lines, new_lines = before[name].splitlines(), text.splitlines()
        assert len(old_lines) == len(new_lines)
        for old, new in zip(old_lines, new_lines, strict=True):
            assert old == new or old.split("==")[0] == new.split("==")[0]

    assert update_pins.main(["--check", "--index", index, "--root", str(tmp_path)]) == 0


def test_current_pins_agree_with_each_other() -> None:
    """The test plugin's Home Assistant and the one installed for the suite are the same."""
    import homeassistant.const

    pins = dict(
        line.split("==", 1)
        for line in (ROOT / "requirements_test.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert pins["homeassistant"] == homeassistant.const.__version__
