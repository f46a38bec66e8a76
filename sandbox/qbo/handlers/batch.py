"""`POST /batch`: up to 30 items, each a create/update/delete/void of one entity or a query.
Every item succeeds or fails on its own (HTTP 200, a `Fault` per failed `bId`); nothing is
rolled back for the others."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.qbo import wire
from sandbox.qbo.faults import QboFault, required_missing
from sandbox.qbo.handlers.base import Qbo, api_call, fault_response
from sandbox.qbo.handlers.entities import parse_body, replayed, write_entity
from sandbox.qbo.handlers.query import run_query
from sandbox.qbo.state import BY_LOWER, Company

MAX_ITEMS = 30
OPERATIONS = ("create", "update", "delete", "void")


def _item(company: Company, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise QboFault(400, "2010", "Request has invalid or unsupported property",
                       "BatchItemRequest items must be objects")
    if "Query" in item:
        return {"QueryResponse": run_query(company, str(item["Query"]))}
    entities = [k for k in item if k.lower() in BY_LOWER]
    if len(entities) != 1:
        raise required_missing("BatchItemRequest entity")
    entity = BY_LOWER[entities[0].lower()]
    operation = str(item.get("operation") or "create").lower()
    if operation not in OPERATIONS:
        raise QboFault(400, "2170", "Invalid Enumeration", f"Invalid Enumeration : {operation}",
                       element="operation")
    body = item[entities[0]]
    if not isinstance(body, dict):
        raise required_missing(entity)
    if operation == "update" and "Id" not in body:
        raise required_missing("Id")
    if operation == "create":
        body = {k: v for k, v in body.items() if k != "Id"}
    with company.store.transaction():
        row = write_entity(company, entity, body, operation if operation in ("delete", "void")
                           else None)
    return {entity: row}


@api_call
def batch(qbo: Qbo, req: ApiRequest, company: Company) -> Response:
    request_id, replay = replayed(company, req)
    if replay is not None:
        return replay
    items = parse_body(req.body).get("BatchItemRequest")
    if not isinstance(items, list) or not items:
        raise required_missing("BatchItemRequest")
    if len(items) > MAX_ITEMS:
        return fault_response(QboFault(
            400, "1000", "Batch request exceeds the maximum", f"Batch requests may carry at most "
            f"{MAX_ITEMS} BatchItemRequest items; supplied: {len(items)}"), company)
    out = []
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        try:
            result = _item(company, item)
        except QboFault as fault:
            result = {"Fault": fault.body(in_batch=True)}
        out.append({**result, "bId": bid})
    text = wire.dumps({"BatchItemResponse": out, "time": company.time()})
    if request_id:
        company.remember(request_id, 200, text)
    return Response(text, media_type=wire.JSON_TYPE, headers={"intuit_tid": wire.intuit_tid()})
