"""`GET|POST /query` (the query language) and `GET /cdc` (change data capture)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.qbo import query as qlang
from sandbox.qbo import wire
from sandbox.qbo.faults import QboFault, invalid_query, required_missing
from sandbox.qbo.handlers.base import Qbo, api_call, ok
from sandbox.qbo.state import BY_LOWER, Company
from sandbox.qbo.xsd_properties import KNOWN_PROPERTIES

CDC_MAX_PER_ENTITY = 1000
CDC_LOOKBACK = timedelta(days=30)


def run_query(company: Company, text: str) -> dict[str, Any]:
    parsed = qlang.parse(text)
    entity = BY_LOWER.get(parsed.entity.lower())
    if entity is None:
        raise invalid_query(f"QueryValidationError: invalid context declaration: "
                            f"{parsed.entity}", code="4001")
    qlang.validate_paths(parsed, KNOWN_PROPERTIES[entity])
    return qlang.execute(parsed, company.rows(entity).values(), entity)


@api_call
def query(qbo: Qbo, req: ApiRequest, company: Company) -> Response:
    text = req.params.get("query")
    if text is None and req.method == "POST":
        text = req.body.decode("utf-8", "replace")
    if not text or not text.strip():
        raise required_missing("query")
    return ok(company, {"QueryResponse": run_query(company, text)})


@api_call
def cdc(qbo: Qbo, req: ApiRequest, company: Company) -> Response:
    """Live rows changed at or after `changedSince`, plus tombstones of deletes. Like the
    recorded service (cdc/basic.yml asks from 2011), an older changedSince is answered, but
    tombstones are kept for 30 days only; `POST /__sandbox/cdc {"enforce_30_days": true}`
    turns on the documented refusal instead."""
    names = [n.strip() for n in (req.params.get("entities") or "").split(",") if n.strip()]
    if not names:
        raise required_missing("entities")
    raw_since = req.params.get("changedSince")
    if not raw_since:
        raise required_missing("changedSince")
    since = wire.parse_stamp(raw_since)
    if since is None:
        raise QboFault(400, "2070", "Invalid Date", f"Invalid Date : {raw_since}",
                       element="changedSince")
    now = company.now()
    if company.store.get_json("cdc_enforce_30_days", False) and since < now - CDC_LOOKBACK:
        raise invalid_query("QueryValidationError: changedSince must be within the last 30 "
                            "days")
    responses = []
    for raw in names:
        entity = BY_LOWER.get(raw.lower())
        if entity is None:
            raise invalid_query(f"QueryValidationError: invalid context declaration: {raw}",
                                code="4001")
        rows = [r for r in company.changed_since(entity, since)
                if r.get("status") != "Deleted" or _recent(r, now - CDC_LOOKBACK)]
        rows.sort(key=lambda r: wire.parse_stamp(r["MetaData"]["LastUpdatedTime"]))
        rows = rows[:CDC_MAX_PER_ENTITY]
        responses.append({entity: rows, "startPosition": 1, "maxResults": len(rows)}
                         if rows else {})
    return ok(company, {"CDCResponse": [{"QueryResponse": responses}]})


def _recent(row: dict[str, Any], cutoff: Any) -> bool:
    stamp = wire.parse_stamp(row["MetaData"]["LastUpdatedTime"])
    return stamp is not None and stamp >= cutoff
