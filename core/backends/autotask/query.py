"""Query filters for ``POST /V1.0/{Entity}/query``, built from documented operators only.

Autotask silently ignores an operator it does not know and returns *unfiltered* rows, so an
operator never comes from user text: only the constants below, checked here. User text may only
ever be a filter *value*.
"""

from __future__ import annotations

from typing import Any

# Comparison operators documented for REST queries.
COMPARISONS = frozenset(
    {
        "eq",
        "noteq",
        "gt",
        "gte",
        "lt",
        "lte",
        "beginsWith",
        "endsWith",
        "contains",
        "exist",
        "notExist",
        "in",
        "notIn",
    }
)
MAX_RECORDS = 500

Filter = dict[str, Any]


def cond(op: str, field: str, value: Any = None) -> Filter:
    """One comparison. ``op`` must be a documented operator (a programming error otherwise)."""
    if op not in COMPARISONS:
        raise ValueError(f"undocumented Autotask filter operator {op!r}")
    if not field.replace("_", "").isalnum():
        raise ValueError(f"not an Autotask field name: {field!r}")
    item: Filter = {"op": op, "field": field}
    if op not in ("exist", "notExist"):
        item["value"] = value
    return item


def eq(field: str, value: Any) -> Filter:
    return cond("eq", field, value)


def any_of(*items: Filter) -> Filter:
    """Items joined with ``or`` (a single item is returned as it is)."""
    if len(items) == 1:
        return items[0]
    return {"op": "or", "items": list(items)}


def query_body(
    filters: list[Filter], *, max_records: int = MAX_RECORDS, include: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A ``QueryModel`` body. Autotask wants at least one filter item: none means "all"."""
    if not 1 <= max_records <= MAX_RECORDS:
        raise ValueError(f"MaxRecords must be 1..{MAX_RECORDS}, not {max_records}")
    body: dict[str, Any] = {
        "filter": filters or [cond("exist", "id")],
        "MaxRecords": max_records,
    }
    if include:
        body["IncludeFields"] = list(include)
    return body
