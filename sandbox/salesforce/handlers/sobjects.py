"""sObject REST: create, read, update, delete by Id, and read/upsert/delete by external id."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError, RecordError, json_response, not_found
from sandbox.salesforce.handlers.base import Org, api_call, json_body, sobject_or_404
from sandbox.salesforce.state import Record, Session
from sandbox.salesforce.values import is_valid_id, normalise_id
from sandbox.salesforce.writes import WriteBatch, find_matches


def render_record(o: schema.SObjectDef, record: Record, version: str,
                  fields: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {
        "type": o.name, "url": f"/services/data/v{version}/sobjects/{o.name}/{record['Id']}"}}
    names = fields or [f.name for f in o.fields]
    for name in names:
        f = o.field(name)
        if f is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity "
                           f"'{o.name}'. If you are attempting to use a custom field, be sure to "
                           "append the '__c' after the custom field name. Please reference your "
                           "WSDL or the describe call for the appropriate names.")
        out[f.name] = record.get(f.name)
    return out


def _fields_param(req: ApiRequest) -> list[str] | None:
    raw = req.params.get("fields")
    return [p.strip() for p in raw.split(",") if p.strip()] if raw else None


def _body(req: ApiRequest) -> dict[str, Any]:
    body = json_body(req)
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of "
                       f"{'SObject'} from {type(body).__name__} value")
    return body


def _write(org: Org, session: Session, action: Any) -> Any:
    with org.state.lock:
        batch = WriteBatch(org.state, session.user_id)
        try:
            result = action(batch)
        except RecordError as exc:
            batch.rollback()
            raise exc.as_api_error() from None
        batch.commit()
        return result


def _ext_field(o: schema.SObjectDef, name: str) -> schema.FieldDef:
    f = o.field(name)
    if f is None or not (f.external_id or f.id_lookup):
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not "
                       f"accessible: {name}")
    return f


@api_call
def create(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    body = _body(req)
    if "Id" in body or "id" in body:
        raise ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
    record_id = _write(org, session, lambda b: b.insert(o, body))
    return json_response({"id": record_id, "success": True, "errors": []}, 201)


def _live_or_404(org: Org, o: schema.SObjectDef, raw_id: str) -> Record:
    if not is_valid_id(raw_id):
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is not "
                       f"accessible: {raw_id}")
    record = org.state.records[o.name].get(normalise_id(raw_id))
    if record is None or record.get("IsDeleted"):
        raise not_found()
    return record


@api_call
def get(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    record = _live_or_404(org, o, req.path_params["id"])
    return json_response(render_record(o, record, req.path_params["version"], _fields_param(req)))


@api_call
def update(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    record = _live_or_404(org, o, req.path_params["id"])
    body = _body(req)
    _write(org, session, lambda b: b.update(o, record["Id"], body))
    return Response(status_code=204)


@api_call
def delete(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    raw = req.path_params["id"]
    if is_valid_id(raw):
        record = org.state.records[o.name].get(normalise_id(raw))
        if record is not None and record.get("IsDeleted"):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
    record = _live_or_404(org, o, raw)
    _write(org, session, lambda b: b.delete(o, record["Id"]))
    return Response(status_code=204)


def _matches(org: Org, session: Session, o: schema.SObjectDef, f: schema.FieldDef,
             value: str) -> list[str]:
    return find_matches(org.state, o, f, value)


def _multiple(o: schema.SObjectDef, ids: list[str], version: str) -> Response:
    return json_response([f"/services/data/v{version}/sobjects/{o.name}/{i}" for i in ids], 300)


@api_call
def get_by_external_id(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    f = _ext_field(o, req.path_params["field"])
    version = req.path_params["version"]
    hits = _matches(org, session, o, f, req.path_params["value"])
    if not hits:
        raise not_found()
    if len(hits) > 1:
        return _multiple(o, hits, version)
    record = org.state.records[o.name][hits[0]]
    return json_response(render_record(o, record, version, _fields_param(req)))


@api_call
def upsert_by_external_id(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    f = _ext_field(o, req.path_params["field"])
    value = req.path_params["value"]
    body = _body(req)
    hits = _matches(org, session, o, f, value)
    if len(hits) > 1:
        return _multiple(o, hits, req.path_params["version"])
    record_id, created = _write(org, session, lambda b: b.upsert(o, f, value, body))
    return json_response({"id": record_id, "success": True, "errors": [], "created": created},
                         201 if created else 200)


@api_call
def delete_by_external_id(org: Org, req: ApiRequest, session: Session) -> Response:
    o = sobject_or_404(req.path_params["sobject"])
    f = _ext_field(o, req.path_params["field"])
    hits = _matches(org, session, o, f, req.path_params["value"])
    if not hits:
        raise not_found()
    if len(hits) > 1:
        return _multiple(o, hits, req.path_params["version"])
    _write(org, session, lambda b: b.delete(o, hits[0]))
    return Response(status_code=204)
