"""Entity endpoints: read `GET /{entity}/{id}`, create/update `POST /{entity}` (update when
the body has `Id`; `"sparse": true` changes only the fields sent), `?operation=delete|void`,
and the `requestid` replay that makes a retried write return the first answer."""

from __future__ import annotations

import copy
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.qbo import wire
from sandbox.qbo.entities import RULES
from sandbox.qbo.entities.base import check_properties, merged
from sandbox.qbo.faults import (
    QboFault,
    invalid_id,
    object_not_found,
    required_missing,
    stale_object,
    unsupported_operation,
)
from sandbox.qbo.handlers.base import Qbo, api_call, fault_response, ok
from sandbox.qbo.state import BY_LOWER, Company, Entity

REQUEST_ID_MAX = 50


def entity_name(raw: str, path: str) -> str:
    name = BY_LOWER.get(raw.lower())
    if name is None:
        raise unsupported_operation(f"Could not find resource for relative : {path} of full "
                                    f"path: {path}")
    return name


def read_entity(company: Company, entity: str, entity_id: str) -> Entity:
    if entity == "CompanyInfo" and entity_id == company.realm_id:
        entity_id = "1"
    if not (entity_id.isdigit() or (entity == "TaxCode" and entity_id in ("TAX", "NON"))):
        raise invalid_id(entity_id)
    row = company.find(entity, entity_id)
    if row is None:
        raise object_not_found()
    return row


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = wire.loads(raw or b"{}")
    except ValueError:
        raise QboFault(400, "2010", "Request has invalid or unsupported property",
                       "Error parsing object: the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise QboFault(400, "2010", "Request has invalid or unsupported property",
                       "Error parsing object: expected a JSON object")
    return body


def write_entity(company: Company, entity: str, body: dict[str, Any],
                 operation: str | None) -> Entity:
    """Create, update, delete or void one entity; raises QboFault (nothing written)."""
    rules = RULES[entity]
    check_properties(entity, body)
    if operation in ("delete", "void") or "Id" in body:
        current = company.find(entity, str(body.get("Id"))) if body.get("Id") is not None \
            else None
        if current is None:
            raise object_not_found()
        if body.get("SyncToken") is None:
            raise required_missing("SyncToken")
        if str(body["SyncToken"]) != current["SyncToken"]:
            raise stale_object()
        before = copy.deepcopy(current)
        if operation == "delete":
            rules.before_delete(company, current)
            tomb = company.delete(entity, current)
            rules.after_write(company, before, None)
            return {"domain": "QBO", "status": "Deleted", "Id": tomb["Id"]}
        if operation == "void":
            if not rules.voidable:
                raise unsupported_operation(f"Void {entity}")
            row = rules.void(company, copy.deepcopy(current))
        else:
            sparse = body.get("sparse") is True or str(body.get("sparse")).lower() == "true"
            row = rules.prepare(company, merged(before, body, sparse, rules.keep), before)
        row["SyncToken"] = str(int(current["SyncToken"]) + 1)
        row["MetaData"] = {**current["MetaData"], "LastUpdatedTime": company.stamp()}
        row["sparse"] = False
        company.save(entity, row)
        rules.after_write(company, before, row)
        return row
    if operation not in (None, "", "create", "update"):
        raise unsupported_operation(f"{operation}")
    row = rules.prepare(company, {k: v for k, v in body.items()
                                  if k not in ("SyncToken", "MetaData", "sparse")}, None)
    stamp = company.stamp()
    row = {"domain": "QBO", "sparse": False, "Id": company.next_id(entity), "SyncToken": "0",
           "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}, **row}
    company.save(entity, row)
    rules.after_write(company, None, row)
    return row


@api_call
def read(qbo: Qbo, req: ApiRequest, company: Company) -> Response:
    entity = entity_name(req.path_params["entity"], req.path)
    return ok(company, {entity: read_entity(company, entity, req.path_params["id"])})


@api_call
def preferences(qbo: Qbo, req: ApiRequest, company: Company) -> Response:
    return ok(company, {"Preferences": read_entity(company, "Preferences", "1")})


def replayed(company: Company, req: ApiRequest) -> tuple[str | None, Response | None]:
    """`requestid`: a repeat of an answered request gets the stored answer, nothing is written."""
    request_id = req.params.get("requestid") or None
    if request_id is None:
        return None, None
    if len(request_id) > REQUEST_ID_MAX:
        raise QboFault(400, "2050", "Invalid String", "requestid is longer than 50 characters",
                       element="requestid")
    hit = company.replay(request_id)
    if hit is None:
        return request_id, None
    status, body = hit
    return request_id, Response(body, status_code=status, media_type=wire.JSON_TYPE,
                                headers={"intuit_tid": wire.intuit_tid()})


@api_call
def write(qbo: Qbo, req: ApiRequest, company: Company) -> Response:
    entity = entity_name(req.path_params["entity"], req.path)
    request_id, replay = replayed(company, req)
    if replay is not None:
        return replay
    operation = (req.params.get("operation") or "").lower() or None
    try:
        with company.store.transaction():
            row = write_entity(company, entity, parse_body(req.body), operation)
    except QboFault as fault:
        return fault_response(fault, company)
    text = wire.dumps({entity: row, "time": company.time()})
    if request_id:
        company.remember(request_id, 200, text)
    return Response(text, media_type=wire.JSON_TYPE, headers={"intuit_tid": wire.intuit_tid()})
