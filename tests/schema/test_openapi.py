"""The OpenAPI 3.0 to JSON Schema helper, on small documents written for each rule, and the
loader on the pinned spec."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .openapi import OpenApiSpec, to_json_schema
from .recording import Exchange, exchange_problems
from .spec import FAKE_SEAM_DIR, types_version

PET_ID = "3f0c2b9e-7a1d-4c5e-9b8a-6d4e2f1a0c9b"
WHEN = "2026-11-20T08:15:00.000Z"


def _spec(schemas: dict[str, Any], paths: dict[str, Any] | None = None) -> OpenApiSpec:
    return OpenApiSpec(
        {"openapi": "3.0.0", "components": {"schemas": schemas}, "paths": paths or {}}
    )


def _problems(schema: dict[str, Any], instance: Any, **schemas: Any) -> list[str]:
    spec = _spec(schemas)
    return spec.problems(to_json_schema(schema), instance)


def test_nullable_adds_null_to_the_type_and_the_enum() -> None:
    nullable = {"type": "string", "enum": ["on", "off"], "nullable": True}
    assert _problems(nullable, None) == []
    assert _problems(nullable, "on") == []
    assert _problems(nullable, "dim") == ['$: expected one of ["on", "off", null], got "dim"']
    # Without `nullable`, null is refused as OpenAPI 3.0 says.
    assert _problems({"type": "string"}, None) == ["$: expected type string, got null"]


def test_nullable_reference_is_null_or_the_referenced_schema() -> None:
    pet = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    owner = {"properties": {"pet": {"$ref": "#/components/schemas/pet", "nullable": True}}}
    assert _problems(owner, {"pet": None}, pet=pet) == []
    assert _problems(owner, {"pet": {"name": "Rex"}}, pet=pet) == []
    assert _problems(owner, {"pet": {}}, pet=pet) != []


def test_nullable_without_a_type_allows_anything() -> None:
    # Seam's action attempts say `error: {nullable: true}` with no type.
    assert _problems({"nullable": True}, None) == []
    assert _problems({"nullable": True}, {"type": "x"}) == []


def test_references_resolve_through_components() -> None:
    schemas = {
        "pet": {
            "type": "object",
            "required": ["pet_id", "toy"],
            "properties": {
                "pet_id": {"type": "string", "format": "uuid"},
                "toy": {"$ref": "#/components/schemas/toy"},
            },
        },
        "toy": {"type": "object", "properties": {"squeaks": {"type": "boolean"}}},
    }
    spec = _spec(schemas)
    good = {"pet_id": PET_ID, "toy": {"squeaks": True}}
    assert spec.problems(spec.component("pet"), good) == []
    assert spec.problems(spec.component("pet"), {**good, "toy": {"squeaks": "yes"}}) == [
        '$.toy.squeaks: expected type boolean, got "yes"'
    ]
    with pytest.raises(KeyError, match="no component schema 'cat'"):
        spec.component("cat")


def test_references_outside_components_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        to_json_schema({"$ref": "https://example.invalid/schema.json"})


def test_required_is_reported_by_name() -> None:
    schema = {"type": "object", "required": ["device_id", "ok"]}
    assert _problems(schema, {"ok": True}) == ["$: 'device_id' is a required property"]


def test_all_of_applies_every_part() -> None:
    schema = {
        "allOf": [
            {
                "type": "object",
                "required": ["online"],
                "properties": {"online": {"type": "boolean"}},
            },
            {"allOf": [{"required": ["locked"], "properties": {"locked": {"type": "boolean"}}}]},
        ]
    }
    assert _problems(schema, {"online": True, "locked": False}) == []
    assert _problems(schema, {"online": "yes"}) == [
        '$.online: expected type boolean, got "yes"',
        "$: 'locked' is a required property",
    ]


EVENT = {
    "oneOf": [
        {
            "type": "object",
            "required": ["event_type", "method"],
            "properties": {
                "event_type": {"type": "string", "enum": ["lock.locked"]},
                "method": {"type": "string", "enum": ["keycode", "manual"]},
            },
        },
        {
            "type": "object",
            "required": ["event_type"],
            "properties": {"event_type": {"type": "string", "enum": ["device.connected"]}},
        },
    ],
    "discriminator": {"propertyName": "event_type"},
}


def test_one_of_reports_the_variant_the_instance_names() -> None:
    assert _problems(EVENT, {"event_type": "lock.locked", "method": "manual"}) == []
    assert _problems(EVENT, {"event_type": "device.connected"}) == []
    # Not "valid under no schema": what is wrong in the lock.locked variant.
    assert _problems(EVENT, {"event_type": "lock.locked", "method": "seamapi"}) == [
        '$.method: expected one of ["keycode", "manual"], got "seamapi"'
    ]
    assert _problems(EVENT, {"event_type": "lock.locked"}) == ["$: 'method' is a required property"]


def test_one_of_without_a_matching_variant_names_the_tags() -> None:
    assert _problems(EVENT, {"event_type": "lock.jammed"}) == [
        "$: no variant of the spec has event_type='lock.jammed'"
    ]


def test_one_of_without_tags_says_how_it_failed() -> None:
    device_type = {"oneOf": [{"type": "string", "enum": ["august_lock"]}, {"type": "string"}]}
    assert _problems(device_type, 5) == ["$: matches no branch of oneOf, got 5"]
    assert _problems(device_type, "august_lock") == [
        '$: matches more than one branch of oneOf, got "august_lock"'
    ]


def test_exclusive_bounds_become_numbers() -> None:
    schema = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1}
    assert to_json_schema(schema) == {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    assert _problems(schema, 0) != []
    assert _problems(schema, 0.5) == []
    assert to_json_schema({"minimum": 0, "exclusiveMinimum": False}) == {"minimum": 0}


def test_extensions_and_descriptions_are_dropped_but_property_names_kept() -> None:
    schema = {
        "type": "object",
        "description": "A thing.",
        "x-route-path": "/things",
        "discriminator": {"propertyName": "kind"},
        "properties": {"x-kind": {"type": "string", "x-undocumented": "internal"}},
    }
    assert to_json_schema(schema) == {
        "type": "object",
        "properties": {"x-kind": {"type": "string"}},
    }


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("uuid", PET_ID, "device1"),
        ("date-time", WHEN, "2026-11-20 08:15:00"),
        ("date-time", "2026-11-20T08:15:00+01:00", "2026-13-45T08:15:00Z"),
        ("uri", "https://connect.getseam.com/x.png", "not a uri"),
        ("email", "tenant@example.com", "tenant"),
    ],
)
def test_formats_are_checked(fmt: str, good: str, bad: str) -> None:
    schema = {"type": "string", "format": fmt}
    assert _problems(schema, good) == []
    assert _problems(schema, bad) == [f"$: expected format {fmt!r}, got {json.dumps(bad)}"]
    # Formats check strings only; `float` is not a format JSON Schema knows.
    assert _problems({"format": fmt}, 12) == []
    assert _problems({"type": "number", "format": "float"}, 1.5) == []


def test_formats_can_be_left_unchecked() -> None:
    spec = OpenApiSpec({"paths": {}}, check_formats=False)
    assert spec.problems({"type": "string", "format": "uuid"}, "device1") == []


def test_one_problem_shared_by_every_item_is_one_line() -> None:
    schema = {"type": "array", "items": {"type": "object", "required": ["space_ids"]}}
    assert _problems(schema, [{}, {}, {"space_ids": []}, {}]) == [
        "$[*]: 'space_ids' is a required property (x3)"
    ]


OPERATIONS = {
    "/devices/get": {
        "post": {
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["device_id"],
                            "properties": {"device_id": {"type": "string", "format": "uuid"}},
                        }
                    }
                }
            },
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["ok"],
                                "properties": {"ok": {"type": "boolean"}},
                            }
                        }
                    },
                },
                "400": {"description": "Bad Request"},
            },
        }
    }
}


def test_operations_give_their_request_and_response_schemas() -> None:
    spec = _spec({}, OPERATIONS)
    request = spec.request_schema("/devices/get")
    assert request is not None
    assert spec.problems(request, {"device_id": PET_ID}) == []
    assert spec.problems(request, {"device_id": "device1"}) == [
        "$.device_id: expected format 'uuid', got \"device1\""
    ]
    answer = spec.response_schema("/devices/get", 200)
    assert answer is not None
    assert spec.problems(answer, {"ok": "yes"}) == ['$.ok: expected type boolean, got "yes"']
    # Declared without a body schema, and not declared at all.
    assert spec.response("/devices/get", 400) == {"description": "Bad Request"}
    assert spec.response_schema("/devices/get", 400) is None
    assert spec.response("/devices/get", 404) is None
    with pytest.raises(KeyError, match="no POST /devices/list"):
        spec.operation("/devices/list")
    with pytest.raises(KeyError, match="no GET /devices/get"):
        spec.operation("/devices/get", "get")


def test_an_exchange_is_held_to_its_request_and_200_answer_schemas() -> None:
    spec = _spec({}, OPERATIONS)
    good = Exchange("POST", "/devices/get", {"device_id": PET_ID}, 200, {"ok": True})
    assert exchange_problems(spec, good) == []
    misspelt = Exchange("POST", "/devices/get", {"device_id": PET_ID, "devise": 1}, 200, {})
    assert exchange_problems(spec, misspelt) == [
        "POST /devices/get request $.devise: the spec declares no such field",
        "POST /devices/get answer $: 'ok' is a required property",
    ]
    # Only a 200 answer has a schema to meet; the request is checked whatever the answer.
    refused = Exchange("POST", "/devices/get", {}, 404, "Not Found")
    assert exchange_problems(spec, refused) == [
        "POST /devices/get request $: 'device_id' is a required property"
    ]
    unknown = Exchange("POST", "/devices/list", {}, 200, {})
    assert exchange_problems(spec, unknown) == [
        "POST /devices/list: the spec has no POST /devices/list"
    ]


def test_fields_a_request_schema_does_not_name_are_reported() -> None:
    mode = {
        "oneOf": [
            {
                "properties": {
                    "device_id": {"type": "string"},
                    "hvac_mode_setting": {"enum": ["off"]},
                }
            },
            {
                "properties": {
                    "device_id": {"type": "string"},
                    "hvac_mode_setting": {"enum": ["heat"]},
                    "heating_set_point_celsius": {"type": "number"},
                }
            },
        ]
    }
    spec = _spec({"mode": mode})
    schema = {"allOf": [{"$ref": "#/$defs/mode"}, {"properties": {"sync": {"type": "boolean"}}}]}
    heat = {"device_id": "d", "hvac_mode_setting": "heat", "heating_set_point_celsius": 20}
    assert spec.undeclared(schema, {**heat, "sync": True}) == []
    assert spec.undeclared(schema, {**heat, "heating_set_point": 20}) == [
        "$.heating_set_point: the spec declares no such field"
    ]
    # The variant the request names counts: "off" has no set point.
    off = {**heat, "hvac_mode_setting": "off"}
    assert spec.undeclared(schema, off) == [
        "$.heating_set_point_celsius: the spec declares no such field"
    ]
    assert spec.undeclared(schema, None) == []
    assert spec.undeclared({"type": "object"}, {"anything": 1}) == []


@pytest.mark.fake_seam
def test_the_pinned_spec_is_loaded_and_converted(seam_spec: OpenApiSpec) -> None:
    lock = json.loads((FAKE_SEAM_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@seamapi/types"]["version"] == types_version()
    assert str(seam_spec.document["openapi"]).startswith("3.0.")
    # Every component converts, and a $ref from an operation reaches one.
    answer = seam_spec.response_schema("/locks/lock_door", 200)
    assert answer is not None
    attempt = {
        "action_attempt_id": PET_ID,
        "action_type": "LOCK_DOOR",
        "status": "pending",
        "result": None,
        "error": None,
    }
    assert seam_spec.problems(answer, {"action_attempt": attempt, "ok": True}) == []
    wrong = {"action_attempt": {**attempt, "status": "done"}}
    assert sorted(seam_spec.problems(answer, wrong)) == [
        "$.action_attempt: no variant of the spec has action_type='LOCK_DOOR', status='done'",
        "$: 'ok' is a required property",
    ]
