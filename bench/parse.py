"""Parse benchmarks: our clients against the Seam SDK and against bare `orjson.loads`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from custom_components.parqex.api.parqex.models import parse_parqex_sync
from custom_components.parqex.api.seam.models import parse_seam_devices
from simulator.seeds import generate_parqex_controllers, generate_seam_devices

from .common import Sizes, interleaved, median

SEAM_LIST_PATH = "/user_identities/list_accessible_devices"


def seam_body(devices: int) -> bytes:
    """A `list_accessible_devices` answer as the simulator sends it (full property set)."""
    return orjson.dumps({"devices": generate_seam_devices(devices), "ok": True})


def parqex_body(controllers: int, doors_per_controller: int = 3) -> bytes:
    """A `/sync` answer as the simulator sends it."""
    return orjson.dumps({"devices": generate_parqex_controllers(controllers, doors_per_controller)})


def sdk_parser() -> Callable[[bytes], list[Any]] | None:
    """What the Seam SDK does with a `list_accessible_devices` body, None without the SDK.

    The SDK's route method (`UserIdentities.list_accessible_devices`) hands the httpx response
    to its response handler, which decodes it with `response.json()`, then reads the list with
    `unwrap_list` and builds each entry with `Device.from_dict`. This is exactly that, minus the
    network: an `httpx.Response` holding the body.
    """
    try:
        import httpx
        from seam.client import SeamHttpResponseHandler
        from seam.resources.device import Device
        from seam.response import unwrap_list
    except ImportError:
        return None
    handler = SeamHttpResponseHandler()
    request = httpx.Request("POST", "https://connect.getseam.com" + SEAM_LIST_PATH)

    def parse(body: bytes) -> list[Any]:
        response = httpx.Response(
            200, content=body, headers={"content-type": "application/json"}, request=request
        )
        decoded = handler._handle_response(response)
        return [Device.from_dict(item) for item in unwrap_list(decoded, "devices", SEAM_LIST_PATH)]

    return parse


def _check(
    sizes: Sizes, seam: bytes, parqex: bytes, sdk: Callable[[bytes], list[Any]] | None
) -> None:
    """Every contender must really produce every object, or the race means nothing."""
    assert len(parse_seam_devices(seam).devices) == sizes.parse_devices
    assert len(parse_parqex_sync(parqex).doors) == 3 * sizes.parse_controllers
    if sdk is not None:
        devices = sdk(seam)
        assert len(devices) == sizes.parse_devices
        assert devices[0].properties.battery_level is not None


def run(sizes: Sizes) -> tuple[dict[str, float | None], dict[str, str]]:
    """The parse figures, and notes on them for the table."""
    seam = seam_body(sizes.parse_devices)
    parqex = parqex_body(sizes.parse_controllers)
    sdk = sdk_parser()
    _check(sizes, seam, parqex, sdk)

    contenders: dict[str, Callable[[], object]] = {
        "seam_ours": lambda: parse_seam_devices(seam),
        "seam_floor": lambda: orjson.loads(seam),
        "parqex_ours": lambda: parse_parqex_sync(parqex),
        "parqex_floor": lambda: orjson.loads(parqex),
    }
    if sdk is not None:
        contenders["seam_sdk"] = lambda: sdk(seam)
    times = {
        name: median(values)
        for name, values in interleaved(contenders, sizes.parse_repeats).items()
    }

    results: dict[str, float | None] = {
        "seam_parse_sdk_ratio": times["seam_sdk"] / times["seam_ours"] if sdk else None,
        "seam_parse_floor_ratio": times["seam_ours"] / times["seam_floor"],
        "parqex_parse_floor_ratio": times["parqex_ours"] / times["parqex_floor"],
    }
    ms = {name: f"{value * 1000:.1f} ms" for name, value in times.items()}
    notes = {
        "seam_parse_sdk_ratio": (
            f"SDK {ms['seam_sdk']} / ours {ms['seam_ours']} "
            f"({sizes.parse_devices} devices, {len(seam) / 1e6:.1f} MB)"
            if sdk
            else "seam SDK not installed (pip install -r requirements_bench.txt)"
        ),
        "seam_parse_floor_ratio": f"ours {ms['seam_ours']} / orjson.loads {ms['seam_floor']}",
        "parqex_parse_floor_ratio": (
            f"ours {ms['parqex_ours']} / orjson.loads {ms['parqex_floor']} "
            f"({sizes.parse_controllers} x 3 doors, {len(parqex) / 1e6:.1f} MB)"
        ),
    }
    return results, notes
