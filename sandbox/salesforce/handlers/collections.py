"""sObject Collections: create, update, upsert by external id, delete, retrieve.

At most 200 records a request; results come back one per input record, in order. With
allOrNone every write of the request is undone if any record fails, and the records that
were fine report ALL_OR_NONE_OPERATION_ROLLED_BACK.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError, RecordError, json_response, rolled_back
from sandbox.salesforce.handlers.base import Org, api_call, json_body, sobject_or_404
from sandbox.salesforce.handlers.sobjects import render_record
from sandbox.salesforce.state import Session
from sandbox.salesforce.values import is_valid_id, normalise_id
from sandbox.salesforce.writes import WriteBatch, check_field_names

MAX_RECORDS = 200
Outcome = dict[str, Any]


def _too_many() -> ApiError:
    return ApiError(400, "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit more than 200 records into this call")


def _payload(req: ApiRequest) -> tuple[list[Any], bool]:
    body = json_body(req)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Request body must be an object with a "
                       "'records' list")
    records = body["records"]
    if not records:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "At least 1 record is required.")
    if len(records) > MAX_RECORDS:
        raise _too_many()
    return records, bool(body.get("allOrNone", False))


def _type_of(record: Any) -> schema.SObjectDef:
    if not isinstance(record, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "each record must be a JSON object")
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not name:
        raise RecordError("INVALID_TYPE", "Must send a concrete entity type.", [])
    o = schema.sobject(str(name))
    if o is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return o


def _precheck_fields(records: list[Any]) -> None:
    """Unknown fields fail the whole request: the body cannot be deserialised."""
    for record in records:
        try:
            o = _type_of(record)
        except RecordError:
            continue
        try:
            check_field_names(o, record.keys())
        except RecordError as exc:
            raise exc.as_api_error() from None


def _run(org: Org, session: Session, records: list[Any], all_or_none: bool,
         op: Callable[[WriteBatch, dict[str, Any], int], Outcome]) -> list[Outcome]:
    with org.state.lock:
        batch = WriteBatch(org.state, session.user_id)
        results: list[Outcome] = []
        failed = False
        for index, record in enumerate(records):
            savepoint = batch.savepoint()
            try:
                results.append(op(batch, record, index))
            except RecordError as exc:
                batch.rollback_to(savepoint)
                failed = True
                results.append({"success": False, "errors": [exc.as_result()]})
        if all_or_none and failed:
            batch.rollback()
            results = [r if not r["success"] else
                       {"id": None, "success": False, "errors": [rolled_back().as_result()]}
                       for r in results]
        else:
            batch.commit()
        return results


@api_call
def create(org: Org, req: ApiRequest, session: Session) -> Response:
    records, all_or_none = _payload(req)
    _precheck_fields(records)

    def op(batch: WriteBatch, record: dict[str, Any], _i: int) -> Outcome:
        o = _type_of(record)
        if record.get("Id"):
            raise RecordError("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        body = {k: v for k, v in record.items() if k not in ("attributes", "Id")}
        return {"id": batch.insert(o, body), "success": True, "errors": []}

    return json_response(_run(org, session, records, all_or_none, op))


@api_call
def update(org: Org, req: ApiRequest, session: Session) -> Response:
    records, all_or_none = _payload(req)
    _precheck_fields(records)

    def op(batch: WriteBatch, record: dict[str, Any], _i: int) -> Outcome:
        o = _type_of(record)
        record_id = record.get("Id")
        if not record_id:
            raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
        body = {k: v for k, v in record.items() if k not in ("attributes", "Id")}
        return {"id": batch.update(o, str(record_id), body), "success": True, "errors": []}

    return json_response(_run(org, session, records, all_or_none, op))


@api_call
def upsert(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    f = o.field(req.path_params["field"])
    if f is None or not (f.external_id or f.id_lookup):
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not "
                       f"accessible: {req.path_params['field']}")
    records, all_or_none = _payload(req)
    _precheck_fields(records)
    keys = [str(r.get(f.name, "")).lower() if isinstance(r, dict) and r.get(f.name) else None
            for r in records]
    repeated = {k for k, n in Counter(k for k in keys if k).items() if n > 1}

    def op(batch: WriteBatch, record: dict[str, Any], index: int) -> Outcome:
        record_type = _type_of(record)
        if record_type.name != o.name:
            raise RecordError("INVALID_TYPE", f"Record type {record_type.name} does not match "
                              f"the upsert type {o.name}", [])
        value = record.get(f.name)
        if keys[index] in repeated:
            raise RecordError("DUPLICATE_EXTERNAL_ID",
                              f"Duplicate external id specified: {value}", [f.name])
        body = {k: v for k, v in record.items() if k != "attributes"}
        record_id, created = batch.upsert(o, f, value, body)
        return {"id": record_id, "success": True, "errors": [], "created": created}

    return json_response(_run(org, session, records, all_or_none, op))


@api_call
def delete(org: Org, req: ApiRequest, session: Session) -> Response:
    raw = ",".join(req.multi_params("ids"))
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if not ids:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "At least 1 Id is required.")
    if len(ids) > MAX_RECORDS:
        raise _too_many()
    all_or_none = req.params.get("allOrNone", "false").lower() == "true"

    def op(batch: WriteBatch, record_id: Any, _i: int) -> Outcome:
        o = schema.BY_PREFIX.get(str(record_id)[:3]) if is_valid_id(str(record_id)) else None
        if o is None:
            raise RecordError("MALFORMED_ID", f"malformed id {record_id}", [])
        current = org.state.records[o.name].get(normalise_id(record_id))
        if current is not None and current.get("IsDeleted"):
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        return {"id": batch.delete(o, str(record_id)), "success": True, "errors": []}

    results = _run(org, session, ids, all_or_none, op)
    for record_id, result in zip(ids, results, strict=True):
        result.setdefault("id", record_id)  # delete failures still name the id they were about
    return json_response(results)


@api_call
def retrieve(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    ids = [i for i in req.params.get("ids", "").split(",") if i]
    fields = [f for f in req.params.get("fields", "").split(",") if f]
    if not ids or not fields:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "Both ids and fields are required.")
    if len(ids) > 2000:
        raise _too_many()
    version = req.path_params["version"]
    out: list[Any] = []
    for rid in ids:
        record = org.state.records[o.name].get(normalise_id(rid)) if is_valid_id(rid) else None
        out.append(None if record is None or record.get("IsDeleted")
                   else render_record(o, record, version, fields))
    return json_response(out)
