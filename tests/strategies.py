"""Hypothesis strategies for schema-shaped payloads: the documented keys, random values."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from simulator.seeds import parqex_doc_controllers

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    st.text(max_size=12),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _shaped(keys: list[str], children: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    values = {key: children.get(key, _json) for key in keys}
    return st.one_of(
        st.fixed_dictionaries({}, optional=values),
        _json,
    )


_DOOR_KEYS = list(parqex_doc_controllers()[1]["doors"][0])
_CONTROLLER_KEYS = [key for key in parqex_doc_controllers()[0] if key != "doors"]
_door = _shaped(_DOOR_KEYS, {"id": st.one_of(st.text(max_size=4), _scalars)})
_controller = _shaped(
    [*_CONTROLLER_KEYS, "doors"],
    {"doors": st.one_of(st.lists(_door, max_size=4), _json), "id": st.text(max_size=3)},
)
parqex_bodies = st.one_of(
    st.fixed_dictionaries({"devices": st.lists(_controller, max_size=5)}), _json
)

_SEAM_PROPERTY_KEYS = [
    "online",
    "locked",
    "door_open",
    "battery_level",
    "battery",
    "keypad_battery",
    "accessory_keypad",
    "model",
    "manufacturer",
    "serial_number",
    "image_url",
]
_properties = _shaped(
    _SEAM_PROPERTY_KEYS,
    {
        "battery": _shaped(["level", "status"], {}),
        "model": _shaped(["display_name", "manufacturer_display_name"], {}),
        "accessory_keypad": _shaped(["battery"], {"battery": _shaped(["level"], {})}),
    },
)
_problem = _shaped(["error_code", "warning_code", "message"], {})
_device = _shaped(
    [
        "device_id",
        "device_type",
        "display_name",
        "nickname",
        "properties",
        "location",
        "can_remotely_lock",
        "can_remotely_unlock",
        "capabilities_supported",
        "errors",
        "warnings",
        "connected_account_id",
    ],
    {
        "device_id": st.text(max_size=3),
        "properties": _properties,
        "errors": st.lists(_problem, max_size=2),
        "warnings": st.lists(_problem, max_size=2),
        "capabilities_supported": st.lists(st.one_of(st.text(max_size=5), _scalars), max_size=3),
        "location": _shaped(["location_name", "timezone"], {}),
    },
)
seam_bodies = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "devices": st.lists(_device, max_size=5),
            "accessible_devices": st.lists(_device, max_size=5),
        },
    ),
    _json,
)
attempt_bodies = st.one_of(
    st.fixed_dictionaries(
        {
            "action_attempt": _shaped(
                ["action_attempt_id", "action_type", "status", "result", "error"], {}
            )
        }
    ),
    _json,
)
