"""Seam's OpenAPI 3.0 spec as JSON Schema (draft 2020-12), and validation with readable errors.

The spec is the oracle: a request our client sends, an answer the simulator gives, or a webhook
event it delivers is checked against the schema Seam publishes for it. OpenAPI 3.0 schemas are
almost JSON Schema; `to_json_schema` converts what differs:

- `nullable: true` allows null (added to `type` and `enum`, or offered as an `anyOf` branch
  next to `$ref` and combinators);
- `exclusiveMinimum: true` / `exclusiveMaximum: true` (booleans beside `minimum` / `maximum`)
  become 2020-12's numeric bounds;
- `$ref: "#/components/schemas/NAME"` points at `#/$defs/NAME` of the validated document, which
  carries every converted component;
- `x-*` extensions, `discriminator` and purely descriptive keywords are dropped. Without the
  discriminator `oneOf` still decides (each variant's tag is a one-value enum); `problems`
  then reports the errors of the variant whose tags the instance carries, not the whole oneOf.

`format` is asserted for the formats the spec uses with checks of our own (uuid, date-time, uri,
email); `float` and unknown formats pass, as JSON Schema says. `undeclared` goes beyond the spec's
own strictness for what we send: a request field the spec does not name is reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
import json
import re
from typing import Any, Final

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

type Json = dict[str, Any]

REF_PREFIX: Final = "#/components/schemas/"
DEFS_PREFIX: Final = "#/$defs/"
# OpenAPI keywords that say nothing JSON Schema can check, or that `problems` replaces.
DROPPED: Final = frozenset(
    {"description", "example", "externalDocs", "xml", "discriminator", "nullable"}
)
# Keywords whose value is one schema, and those whose value is a list or a map of schemas.
ONE_SCHEMA: Final = ("items", "additionalProperties", "not")
SCHEMA_LISTS: Final = ("allOf", "oneOf", "anyOf")
SCHEMA_MAPS: Final = ("properties", "patternProperties")
COMBINATORS: Final = ("$ref", "not", *SCHEMA_LISTS)
# How much of a value an error message quotes.
QUOTE_CHARS: Final = 80

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3339's date-time: a date, `T`, a time with optional fraction, and a required offset.
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_INDEX = re.compile(r"\[\d+\]")


def to_json_schema(schema: Any) -> Any:
    """One OpenAPI 3.0 Schema Object (and everything in it) as a draft 2020-12 schema."""
    if not isinstance(schema, dict):
        return schema  # `additionalProperties: true` and the like
    converted: Json = {}
    for key, value in schema.items():
        if key.startswith("x-") or key in DROPPED:
            continue
        if key == "$ref":
            converted[key] = _ref(value)
        elif key in ONE_SCHEMA:
            converted[key] = to_json_schema(value)
        elif key in SCHEMA_LISTS:
            converted[key] = [to_json_schema(branch) for branch in value]
        elif key in SCHEMA_MAPS:
            converted[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        else:
            converted[key] = value
    _exclusive_bound(converted, "exclusiveMinimum", "minimum")
    _exclusive_bound(converted, "exclusiveMaximum", "maximum")
    if schema.get("nullable") is True:
        return _nullable(converted)
    return converted


def _ref(target: str) -> str:
    if not target.startswith(REF_PREFIX):
        raise ValueError(f"unsupported $ref {target!r}: only {REF_PREFIX}NAME is converted")
    return DEFS_PREFIX + target.removeprefix(REF_PREFIX)


def _exclusive_bound(schema: Json, exclusive: str, bound: str) -> None:
    """OpenAPI 3.0's boolean flag on `minimum`/`maximum` as 2020-12's numeric keyword."""
    flag = schema.get(exclusive)
    if not isinstance(flag, bool):
        return
    del schema[exclusive]
    if flag and bound in schema:
        schema[exclusive] = schema.pop(bound)


def _nullable(schema: Json) -> Json:
    """`schema` that also accepts null."""
    if any(key in schema for key in COMBINATORS):
        # `type` cannot reach into a $ref or a oneOf: null is a branch of its own.
        return {"anyOf": [{"type": "null"}, schema]}
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = types if "null" in types else [*types, "null"]
    # An enum lists every allowed value; OpenAPI 3.0 users read `nullable` as adding null.
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _checks_strings(pattern: re.Pattern[str]) -> Any:
    def check(value: object) -> bool:
        return not isinstance(value, str) or pattern.fullmatch(value) is not None

    return check


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.fullmatch(value) is None:
        return False
    try:
        # The pattern accepts 2026-13-45; the calendar does not.
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def format_checker() -> FormatChecker:
    """The formats of Seam's spec that can be wrong, each checked on strings only."""
    checker = FormatChecker(formats=())
    checker.checks("uuid")(_checks_strings(_UUID))
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_checks_strings(_URI))
    checker.checks("email")(_checks_strings(_EMAIL))
    return checker


class OpenApiSpec:
    """An OpenAPI 3.0 document: its operations' schemas, converted, and validation."""

    def __init__(self, document: Json, *, check_formats: bool = True) -> None:
        self.document = document
        components = document.get("components", {}).get("schemas", {})
        self.defs: Json = {name: to_json_schema(schema) for name, schema in components.items()}
        self._formats = format_checker() if check_formats else None

    @property
    def paths(self) -> Mapping[str, Json]:
        """The spec's path items by path."""
        paths: Mapping[str, Json] = self.document["paths"]
        return paths

    def operation(self, path: str, method: str = "post") -> Json:
        """The operation object of `method` on `path`; fails when the spec has none."""
        item = self.paths.get(path)
        if item is None or method not in item:
            raise KeyError(f"the spec has no {method.upper()} {path}")
        operation: Json = item[method]
        return operation

    def response(self, path: str, status: int, method: str = "post") -> Json | None:
        """The response object the spec declares for `status`, None when it declares none."""
        responses: Json = self.operation(path, method)["responses"]
        declared: Json | None = responses.get(str(status))
        return declared

    def request_schema(self, path: str, method: str = "post") -> Json | None:
        """The JSON request body's schema, converted; None when the operation takes none."""
        body = self.operation(path, method).get("requestBody")
        return _json_content(body) if body else None

    def response_schema(self, path: str, status: int, method: str = "post") -> Json | None:
        """The JSON answer's schema for `status`, converted; None when the spec has none."""
        declared = self.response(path, status, method)
        return _json_content(declared) if declared else None

    def component(self, name: str) -> Json:
        """`#/components/schemas/NAME`, as a schema to validate against."""
        if name not in self.defs:
            raise KeyError(f"the spec has no component schema {name!r}")
        return {"$ref": DEFS_PREFIX + name}

    def validator(self, schema: Json) -> Draft202012Validator:
        """A validator of `schema` (converted), with every component reachable by $ref."""
        return Draft202012Validator({**schema, "$defs": self.defs}, format_checker=self._formats)

    def problems(self, schema: Json, instance: Any) -> list[str]:
        """What in `instance` breaks `schema`: one line per distinct problem, empty if none.

        Lines read `$.path: message`; array indices become `[*]` and repeats are counted, so
        one mismatch shared by every device is one line.
        """
        found = [
            line
            for error in self.validator(schema).iter_errors(instance)
            for line in _explain(error)
        ]
        return _summarise(found)

    def undeclared(self, schema: Json, instance: Any) -> list[str]:
        """The top-level fields of `instance` that `schema` does not name, one line each.

        OpenAPI objects accept fields they do not declare, so a misspelt field in a request
        would pass `problems`; a request that names a field the spec does not know is a bug
        of ours. Of a oneOf, the variant the instance names counts.
        """
        if not isinstance(instance, dict):
            return []
        names = self._names(schema, instance)
        if not names:
            return []  # a free-form object: there is nothing to hold the fields to
        return [
            f"$.{name}: the spec declares no such field" for name in instance if name not in names
        ]

    def _names(self, schema: Any, instance: Json) -> set[str]:
        if not isinstance(schema, dict):
            return set()
        if "$ref" in schema:
            return self._names(self.defs[schema["$ref"].removeprefix(DEFS_PREFIX)], instance)
        names = set(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            names |= self._names(part, instance)
        for key in ("oneOf", "anyOf"):
            branches = schema.get(key, [])
            index, _ = _variant(branches, instance)
            for branch in branches if index is None else [branches[index]]:
                names |= self._names(branch, instance)
        return names


def _json_content(container: Json) -> Json | None:
    content = container.get("content", {}).get("application/json")
    if content is None or "schema" not in content:
        return None
    converted: Json = to_json_schema(content["schema"])
    return converted


def _tags(branch: Any) -> dict[str, Any]:
    """The properties a oneOf variant pins to one value: how an instance names its variant."""
    if not isinstance(branch, dict):
        return {}
    properties = branch.get("properties", {})
    return {
        name: sub["enum"][0]
        for name, sub in properties.items()
        if isinstance(sub, dict) and isinstance(sub.get("enum"), list) and len(sub["enum"]) == 1
    }


def _variant(branches: list[Any], instance: Any) -> tuple[int | None, list[str]]:
    """The one branch whose tags `instance` carries, and the tag names the branches use."""
    names = sorted({name for branch in branches for name in _tags(branch)})
    if not isinstance(instance, dict):
        return None, names
    matching = [
        index
        for index, branch in enumerate(branches)
        if (tags := _tags(branch)) and all(instance.get(k) == v for k, v in tags.items())
    ]
    return (matching[0] if len(matching) == 1 else None), names


def _explain(error: ValidationError) -> Iterator[str]:
    where = error.json_path
    if error.validator in ("oneOf", "anyOf") and isinstance(error.validator_value, list):
        index, names = _variant(error.validator_value, error.instance)
        if index is not None:
            inside = [sub for sub in error.context or () if sub.relative_schema_path[0] == index]
            if inside:
                for sub in inside:
                    yield from _explain(sub)
                return
        elif names and isinstance(error.instance, dict):
            # The tags this instance names itself by (all tag names when it carries none).
            shown = [name for name in names if name in error.instance] or names
            carried = ", ".join(f"{name}={error.instance.get(name)!r}" for name in shown)
            yield f"{where}: no variant of the spec has {carried}"
            return
    yield f"{where}: {_message(error)}"


def _quote(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3] + "..."


def _message(error: ValidationError) -> str:
    """The error in a line: what was expected and what came, quoting little of the value."""
    expected = error.validator_value
    got = _quote(error.instance)
    match error.validator:
        case "required" | "additionalProperties" | "dependentRequired":
            return error.message
        case "type":
            return f"expected type {expected}, got {got}"
        case "enum":
            return f"expected one of {_quote(expected)}, got {got}"
        case "const":
            return f"expected {_quote(expected)}, got {got}"
        case "format":
            return f"expected format {expected!r}, got {got}"
        case "oneOf" if not error.context:
            # No branch failed: more than one matched, which oneOf forbids.
            return f"matches more than one branch of oneOf, got {got}"
        case "oneOf" | "anyOf":
            return f"matches no branch of {error.validator}, got {got}"
        case _:
            return f"{error.validator} {_quote(expected)} fails for {got}"


def _summarise(lines: Iterable[str]) -> list[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        where, _, message = line.partition(": ")
        counts[f"{_INDEX.sub('[*]', where)}: {message}"] += 1
    return [line if count == 1 else f"{line} (x{count})" for line, count in counts.items()]
