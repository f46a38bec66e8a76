"""What every entity write shares: unknown-property checks (2010), full vs sparse update,
SyncToken and MetaData bookkeeping."""

from __future__ import annotations

from typing import Any

from sandbox.qbo.faults import QboFault, unsupported_operation, unsupported_property
from sandbox.qbo.state import Company, Entity
from sandbox.qbo.xsd_properties import KNOWN_PROPERTIES

SERVER_FIELDS = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse", "status"})


def check_properties(entity: str, body: dict[str, Any]) -> None:
    """Reject keys the v3 schema does not know, at the top level and in lines (as QBO does)."""
    known = KNOWN_PROPERTIES.get(entity, frozenset())
    for key in body:
        if key not in known:
            raise unsupported_property(key, entity, known)
    for line in body.get("Line") or []:
        if not isinstance(line, dict):
            continue
        for key in line:
            if key not in KNOWN_PROPERTIES["Line"]:
                raise unsupported_property(key, "Line", KNOWN_PROPERTIES["Line"])
        for detail in ("SalesItemLineDetail", "DiscountLineDetail"):
            if isinstance(line.get(detail), dict):
                for key in line[detail]:
                    if key not in KNOWN_PROPERTIES[detail]:
                        raise unsupported_property(key, detail, KNOWN_PROPERTIES[detail])


def merged(current: Entity, body: dict[str, Any], sparse: bool, keep: frozenset[str]) -> Entity:
    """Sparse: change only what is sent. Full: the body replaces every writable field."""
    if sparse:
        out = dict(current)
        out.update({k: v for k, v in body.items() if k not in SERVER_FIELDS})
        return out
    out = {k: v for k, v in current.items() if k in SERVER_FIELDS or k in keep}
    out.update({k: v for k, v in body.items() if k not in SERVER_FIELDS})
    return out


def flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


class Rules:
    """Default: a read-only entity. Subclasses implement `prepare` (validate + compute)."""

    name = ""
    deletable = False
    voidable = False
    # fields a full update keeps although the body omits them (server-maintained)
    keep: frozenset[str] = frozenset()

    def prepare(self, company: Company, row: Entity, current: Entity | None) -> Entity:
        raise unsupported_operation(f"{'Update' if current else 'Create'} {self.name}")

    def after_write(self, company: Company, before: Entity | None, after: Entity | None) -> None:
        """Side effects on other entities (balances); runs inside the request's lock."""

    def void(self, company: Company, row: Entity) -> Entity:
        raise unsupported_operation(f"Void {self.name}")

    def before_delete(self, company: Company, row: Entity) -> None:
        if not self.deletable:
            raise unsupported_operation(f"Delete {self.name}")


class ReadOnlyRules(Rules):
    def __init__(self, name: str) -> None:
        self.name = name


def name_clash(company: Company, entity: str, field: str, value: str,
               own_id: str | None) -> bool:
    wanted = value.strip().lower()
    return any(str(r.get(field, "")).strip().lower() == wanted and r["Id"] != own_id
               for r in company.rows(entity).values())


def require_text(row: Entity, field: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise QboFault(400, "2020", "Required param missing, need to supply the required value "
                       "for the API", f"Required parameter {field} is missing in the request")
    return value.strip()
