"""Checking ``manifest.yaml`` against ``slack_manifest.schema.json`` (Slack's published limits).

:func:`problems` understands the JSON Schema keywords that file uses (``type``, ``properties``,
``required``, ``additionalProperties: false``, ``items``, ``minItems``/``maxItems``,
``uniqueItems``, ``minLength``/``maxLength``, ``pattern``, ``enum``) and refuses any other, so
a limit added to the file is never silently ignored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("slack_manifest.schema.json")
KNOWN = {
    "$comment",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
}
TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
}


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def problems(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Everything about ``value`` that ``schema`` does not allow, one line each."""
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError(f"{path}: schema keywords this checker does not know: {unknown}")
    expected = schema.get("type")
    if expected is not None:
        ok = isinstance(value, TYPES[expected]) and not (
            expected == "integer" and isinstance(value, bool)
        )
        if not ok:
            return [f"{path}: expected {expected}, got {type(value).__name__}"]
    found: list[str] = []
    if isinstance(value, dict):
        found += _object(value, schema, path)
    if isinstance(value, list):
        found += _array(value, schema, path)
    if isinstance(value, str):
        found += _string(value, schema, path)
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} is not one of Slack's values")
    return found


def _object(value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    found = [f"{path}: {key} is required" for key in schema.get("required", []) if key not in value]
    properties: dict[str, Any] = schema.get("properties", {})
    for key, item in value.items():
        if key in properties:
            found += problems(item, properties[key], f"{path}.{key}")
        elif schema.get("additionalProperties") is False:
            found.append(f"{path}: {key} is not a field Slack knows")
    return found


def _array(value: list[Any], schema: dict[str, Any], path: str) -> list[str]:
    found: list[str] = []
    if len(value) < schema.get("minItems", 0):
        found.append(f"{path}: fewer than {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        found.append(f"{path}: more than {schema['maxItems']} items")
    if schema.get("uniqueItems"):
        seen = [json.dumps(item, sort_keys=True) for item in value]
        if len(set(seen)) != len(seen):
            found.append(f"{path}: items repeat")
    if "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], f"{path}[{index}]")
    return found


def _string(value: str, schema: dict[str, Any], path: str) -> list[str]:
    found: list[str] = []
    if len(value) < schema.get("minLength", 0):
        found.append(f"{path}: {len(value)} characters, at least {schema['minLength']} needed")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(f"{path}: {len(value)} characters, at most {schema['maxLength']} allowed")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{path}: {value!r} does not match {schema['pattern']}")
    return found
