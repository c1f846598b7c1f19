"""Writes ``tests/data/autotask_models.json``: the fields of the Autotask models the loopback fake
serves, taken from the public Swagger document (run once, when the fake learns a new entity).

    python -m bench.autotask_models path/to/autotask-rest-v1.swagger.json

The tests read only the JSON file this writes, so a clone of the repository runs everything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "data" / "autotask_models.json"

# The fake's entity key -> the Swagger model it follows.
MODELS = {
    "tickets": "TicketModel",
    "ticketnotes": "TicketNoteModel",
    "contacts": "ContactModel",
    "resources": "ResourceModel",
    "resourceservicedeskroles": "ResourceServiceDeskRoleModel",
    "ticketcategories": "TicketCategoryModel",
    "ticketcategoryfielddefaults": "TicketCategoryFieldDefaultsModel",
    "ticketattachments": "TicketAttachmentModel",
    # updates: TicketWebhooks are newer than the Swagger document; they share the shape of
    # CompanyWebhooks (Autotask's <EntityName>Webhooks article), so the fake follows those.
    "ticketwebhooks": "CompanyWebhookModel",
    "ticketwebhookfields": "CompanyWebhookFieldModel",
    "ticketwebhookexcludedresources": "CompanyWebhookExcludedResourceModel",
    "query": "QueryModel",
    "filter": "Filter",
}


def field_type(spec: dict[str, Any]) -> str:
    """``integer``, ``number``, ``string``, ``date-time``, ``boolean``, ``array`` or ``object``."""
    kind = spec.get("type")
    if kind == "string" and spec.get("format") == "date-time":
        return "date-time"
    if isinstance(kind, str):
        return kind
    return "object"  # a $ref (UserDefinedField lists, Filter values, SOAP expressions)


def extract(swagger: dict[str, Any]) -> dict[str, Any]:
    definitions = swagger["definitions"]
    return {
        entity: {
            "model": model,
            "fields": {
                name: field_type(spec) for name, spec in definitions[model]["properties"].items()
            },
        }
        for entity, model in MODELS.items()
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.autotask_models path/to/autotask-rest-v1.swagger.json")
        return 2
    source = Path(argv[0])
    models = extract(json.loads(source.read_text(encoding="utf-8")))
    OUTPUT.write_text(json.dumps(models, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    names = ", ".join(str(entry["model"]) for entry in models.values())
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {names}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
