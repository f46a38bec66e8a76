"""Bulk API 2.0: ingest jobs (CSV in, per-row results out) and query jobs (CSV pages).

Ingest jobs are processed when the client marks them UploadComplete, inside that request,
so a job is JobComplete by the first poll. Results use the job's delimiter and line ending;
every value is quoted, as the real service writes them.
"""

from __future__ import annotations

import base64
import csv
import gc
import io
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.salesforce import schema, soql
from sandbox.salesforce.errors import ApiError, RecordError, json_response
from sandbox.salesforce.handlers.base import Org, api_call, json_body
from sandbox.salesforce.handlers.query import lookup_for, run_query
from sandbox.salesforce.state import OrgState, Session
from sandbox.salesforce.values import render_bulk_datetime, render_datetime
from sandbox.salesforce.writes import WriteBatch, find_matches

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "upsert", "update", "delete", "hardDelete")
_PUBLIC_SKIP = ("_data", "_success", "_failed", "_unprocessed", "_rows", "_columns")


_JOBS_RUNNING = 0  # jobs inside _gc_paused, across the server's threads
_GC_LOCK = threading.Lock()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a job runs. A job allocates a few short-lived
    containers per row (next to no cycles), and every collection they trigger walks all
    the records the org holds, hundreds of thousands after a load; the first collection
    after the job frees whatever it would have. Counted, so that a job ending on one
    thread does not turn the collector back on under another one still running."""
    global _JOBS_RUNNING
    with _GC_LOCK:
        _JOBS_RUNNING += 1
        gc.disable()
    try:
        yield
    finally:
        with _GC_LOCK:
            _JOBS_RUNNING -= 1
            if not _JOBS_RUNNING:
                gc.enable()


def _invalid_job(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if k not in _PUBLIC_SKIP}


def _get_job(state: OrgState, req: ApiRequest, kind: str) -> dict[str, Any]:
    job = state.jobs.get(req.path_params["job"])
    if job is None or job["jobType"] != kind:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def _new_job(org: Org, req: ApiRequest, session: Session, body: dict[str, Any],
             kind: str) -> dict[str, Any]:
    delimiter = body.get("columnDelimiter", "COMMA")
    line_ending = body.get("lineEnding", "LF")
    if delimiter not in DELIMITERS:
        raise _invalid_job(f"Invalid column delimiter: {delimiter}")
    if line_ending not in LINE_ENDINGS:
        raise _invalid_job(f"Invalid line ending: {line_ending}")
    if body.get("contentType", "CSV") != "CSV":
        raise _invalid_job("Only CSV content type is supported")
    stamp = render_datetime(org.state.clock.now())
    version = req.path_params["version"]
    job_id = org.state.new_id("750")
    return {
        "id": job_id, "operation": body.get("operation"), "object": body.get("object"),
        "createdById": session.user_id, "createdDate": stamp, "systemModstamp": stamp,
        "state": "Open", "concurrencyMode": "Parallel", "contentType": "CSV",
        "apiVersion": float(version), "jobType": kind, "lineEnding": line_ending,
        "columnDelimiter": delimiter,
    }


# ----- ingest ---------------------------------------------------------------------------
@api_call
def create_ingest_job(org: Org, req: ApiRequest, session: Session) -> Response:
    body = json_body(req)
    if not isinstance(body, dict):
        raise _invalid_job("Invalid job definition")
    operation = body.get("operation")
    if operation not in INGEST_OPERATIONS:
        raise _invalid_job(f"Invalid operation: {operation}")
    o = schema.sobject(str(body.get("object") or ""))
    if o is None or not o.writable:
        raise _invalid_job(f"Unable to find object: {body.get('object')}")
    ext = body.get("externalIdFieldName")
    if operation == "upsert":
        f = o.field(str(ext or ""))
        if not ext:
            raise _invalid_job(f"External ID was blank for {o.name}. An External ID must be "
                               "specified for upsert.")
        if f is None or not (f.external_id or f.id_lookup):
            raise _invalid_job(f"The field {ext} is not an External ID or Id field for "
                               f"{o.name}")
    job = _new_job(org, req, session, body, "V2Ingest")
    job["object"] = o.name
    if operation == "upsert":
        job["externalIdFieldName"] = o.field(ext).name  # type: ignore[union-attr]
    job["contentUrl"] = f"services/data/v{req.path_params['version']}/jobs/ingest/{job['id']}/batches"
    job.update({"numberRecordsProcessed": 0, "numberRecordsFailed": 0, "retries": 0,
                "totalProcessingTime": 0, "apiActiveProcessingTime": 0,
                "apexProcessingTime": 0, "_data": ""})
    with org.state.lock:
        org.state.persist_job(job)
    return json_response(_job_view(job))


@api_call
def upload_batch(org: Org, req: ApiRequest, session: Session) -> Response:
    with org.state.lock:
        job = _get_job(org.state, req, "V2Ingest")
        if job["state"] != "Open":
            raise ApiError(409, "INVALIDJOBSTATE", f"Job {job['id']} is not open for upload "
                           f"(state {job['state']})")
        text = req.body.decode("utf-8-sig", "replace")
        if not text.strip():
            raise ApiError(400, "INVALIDBATCH", "Batch data is empty")
        if job["_data"]:
            rest = text.partition("\n")[2]
            text = rest  # later uploads repeat the header row
        job["_data"] += text
        org.state.persist_job(job)
    return Response(status_code=201)


@api_call
def get_ingest_job(org: Org, req: ApiRequest, session: Session) -> Response:
    return json_response(_job_view(_get_job(org.state, req, "V2Ingest")))


@api_call
def list_ingest_jobs(org: Org, req: ApiRequest, session: Session) -> Response:
    jobs = [_job_view(j) for j in org.state.jobs.values() if j["jobType"] == "V2Ingest"]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


@api_call
def delete_job(org: Org, req: ApiRequest, session: Session) -> Response:
    kind = "V2Query" if "/jobs/query/" in req.path else "V2Ingest"
    with org.state.lock:
        job = _get_job(org.state, req, kind)
        if job["state"] in ("Open", "UploadComplete", "InProgress"):
            raise ApiError(400, "INVALIDJOBSTATE", "Job must be closed before deletion")
        org.state.delete_job(job["id"])
    return Response(status_code=204)


@api_call
def patch_ingest_job(org: Org, req: ApiRequest, session: Session) -> Response:
    body = json_body(req)
    target = body.get("state") if isinstance(body, dict) else None
    with org.state.lock:
        job = _get_job(org.state, req, "V2Ingest")
        if target == "Aborted" and job["state"] in ("Open", "UploadComplete", "InProgress"):
            job["state"] = "Aborted"
            job["_unprocessed"] = job.get("_data", "")
        elif target == "UploadComplete" and job["state"] == "Open":
            job["state"] = "UploadComplete"
            with _gc_paused():
                _process(org.state, job, session)
        else:
            raise ApiError(400, "INVALIDJOBSTATE",
                           f"Cannot change job state from {job['state']} to {target}")
        job["systemModstamp"] = render_datetime(org.state.clock.now())
        org.state.persist_job(job)
        view = _job_view(job)
    view["state"] = target  # the PATCH answer echoes the requested state
    return json_response(view)


def _fail_job(job: dict[str, Any], message: str) -> None:
    job["state"] = "Failed"
    job["errorMessage"] = message
    job["_unprocessed"] = job.get("_data", "")


def _process(state: OrgState, job: dict[str, Any], session: Session) -> None:
    started = time.perf_counter()
    o = schema.SOBJECTS[job["object"].lower()]
    delimiter = DELIMITERS[job["columnDelimiter"]]
    data: str = job.get("_data", "")
    if not data.strip():
        _fail_job(job, "InvalidBatch : No data uploaded")
        return
    if job["lineEnding"] == "LF" and "\r\n" in data:
        _fail_job(job, "ClientInputError : LineEnding is invalid on user data. Current "
                       "LineEnding setting is LF")
        return
    rows = list(csv.reader(io.StringIO(data), delimiter=delimiter))
    header, body_rows = rows[0], [r for r in rows[1:] if r]
    try:
        columns = [_column(o, name) for name in header]
    except RecordError as exc:
        _fail_job(job, exc.message)
        return
    operation = job["operation"]
    ext_name = job.get("externalIdFieldName")
    ext = o.field(ext_name) if ext_name else None
    if operation in ("delete", "hardDelete") and [c[0] for c in columns] != ["Id"]:
        _fail_job(job, "InvalidBatch : The 'delete' batch must contain only 'Id'")
        return
    seen: Counter[str] = Counter()
    if ext is not None:
        position = next((i for i, c in enumerate(columns) if c[0] == ext.name), None)
        if position is None:
            _fail_job(job, f"InvalidBatch : Field name not found : {ext.name}")
            return
        seen.update(r[position].lower() for r in body_rows if position < len(r) and r[position])
    out_delim = delimiter
    eol = LINE_ENDINGS[job["lineEnding"]]
    succeeded: list[list[str]] = []  # result rows, written in one go after the loop
    failed_rows: list[list[str]] = []
    batch = WriteBatch(state, session.user_id)
    n_failed = 0
    for row in body_rows:
        savepoint = batch.savepoint()
        row_id = ""
        try:
            values, row_id = _row_values(state, o, columns, row)
            if operation == "insert":
                if row_id:
                    raise RecordError("INVALID_FIELD", "cannot specify Id in an insert call",
                                      ["Id"])
                rid, created = batch.insert(o, values), True
            elif operation == "update":
                if not row_id:
                    raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call")
                rid, created = batch.update(o, row_id, values), False
            elif operation in ("delete", "hardDelete"):
                if not row_id:
                    raise RecordError("MISSING_ARGUMENT", "Id not specified in a delete call")
                rid, created = batch.delete(o, row_id), False
            else:
                assert ext is not None
                key = row_id if ext.name == "Id" else values.get(ext.name)
                if key and seen.get(str(key).lower(), 0) > 1:
                    raise RecordError("DUPLICATE_EXTERNAL_ID",
                                      f"Duplicate external id specified: {key}", [ext.name])
                rid, created = batch.upsert(o, ext, key, values)
            succeeded.append([rid, "true" if created else "false", *row])
        except RecordError as exc:
            batch.rollback_to(savepoint)
            n_failed += 1
            failed_rows.append([row_id, exc.as_bulk_text(), *row])
    batch.commit()
    header_text = delimiter.join(header)

    def results(second: str, rows: list[list[str]]) -> str:
        """A result CSV: sf__Id, `second`, the uploaded columns; every cell quoted."""
        out = io.StringIO()
        out.write(f'"sf__Id"{out_delim}"{second}"{out_delim}{header_text}{eol}')
        csv.writer(out, delimiter=out_delim, lineterminator=eol,
                   quoting=csv.QUOTE_ALL).writerows(rows)
        return out.getvalue()

    success, failed = results("sf__Created", succeeded), results("sf__Error", failed_rows)
    elapsed_ms = max(1, round((time.perf_counter() - started) * 1000))
    job.update({
        "state": "JobComplete", "numberRecordsProcessed": len(body_rows),
        "numberRecordsFailed": n_failed, "_success": success,
        "_failed": failed, "_unprocessed": header_text + eol,
        # milliseconds spent processing, as Salesforce reports them (the bench reads them
        # to tell the stand-in org's time from Concord's)
        "totalProcessingTime": elapsed_ms, "apiActiveProcessingTime": elapsed_ms,
    })


Column = tuple[str, schema.FieldDef | None, schema.SObjectDef | None]


def _column(o: schema.SObjectDef, name: str) -> Column:
    """(field name to set, external-id field on the parent, parent object) for a header cell."""
    if "." in name:
        rel, _, ext_name = name.partition(".")
        ref = o.relationships.get(rel.lower())
        target = schema.sobject(ref.reference_to[0]) if ref else None
        ext = target.field(ext_name) if target else None
        if ref is None or target is None or ext is None or not (ext.external_id or
                                                                ext.name == "Id"):
            raise RecordError("INVALID_FIELD", f"InvalidBatch : Field name not found : {name}")
        return ref.name, ext, target
    f = o.field(name)
    if f is None:
        raise RecordError("INVALID_FIELD", f"InvalidBatch : Field name not found : {name}")
    return f.name, None, None


def _row_values(state: OrgState, o: schema.SObjectDef, columns: list[Column],
                row: list[str]) -> tuple[dict[str, Any], str]:
    """CSV cells → field values: empty = leave as is, `#N/A` = set null."""
    values: dict[str, Any] = {}
    row_id = ""
    for (name, parent_ext, parent), cell in zip(columns, row, strict=False):
        if name == "Id":
            row_id = cell
            continue
        if cell == "":
            continue
        if cell == "#N/A":
            values[name] = None
            continue
        if parent_ext is not None and parent is not None:
            hits = find_matches(state, parent, parent_ext, cell)
            if not hits:
                raise RecordError("INVALID_FIELD", f"Foreign key external ID: {cell} not found "
                                  f"for field {parent_ext.name} in entity {parent.name}")
            values[name] = hits[0]
            continue
        values[name] = cell
    return values, row_id


_RESULT_KEYS = {"successfulresults": "_success", "failedresults": "_failed",
                "unprocessedrecords": "_unprocessed"}


@api_call
def ingest_results(org: Org, req: ApiRequest, session: Session) -> Response:
    job = _get_job(org.state, req, "V2Ingest")
    key = _RESULT_KEYS[req.path_params["result"].lower()]
    if key != "_unprocessed" and job["state"] not in ("JobComplete", "Failed"):
        raise ApiError(400, "INVALIDJOBSTATE", "Job is not complete")
    text = job.get(key)
    if text is None:
        text = ""
    return Response(text, media_type="text/csv")


# ----- query ----------------------------------------------------------------------------
def _csv_cell(value: Any, ftype: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if ftype == "datetime":
        return render_bulk_datetime(str(value))
    return str(value)


def _csv_rows(query: soql.Query, hits: list[Any], lookup: soql.RecordLookup) -> list[list[str]]:
    """The result cells (`_csv_cell` of each selected value), built a column at a time:
    one comprehension per field instead of two calls per cell."""
    columns = []
    for path in query.fields:
        ftype, value = path.leaf.type, soql.getter(path, lookup)
        values = [value(r) for r in hits]
        if ftype == "datetime":
            cells = [render_bulk_datetime(v) if type(v) is str else _csv_cell(v, ftype)
                     for v in values]
        else:
            cells = [v if type(v) is str else "" if v is None else _csv_cell(v, ftype)
                     for v in values]
        columns.append(cells)
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in hits]


@api_call
def create_query_job(org: Org, req: ApiRequest, session: Session) -> Response:
    body = json_body(req)
    if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
        raise _invalid_job("Invalid operation; expected query or queryAll")
    text = body.get("query") or ""
    with _gc_paused():
        query, hits = run_query(org.state, text, body["operation"] == "queryAll")
        if query.count_only:
            raise ApiError(400, "INVALIDJOB",
                           "Aggregate queries are not supported by Bulk API 2.0")
        job = _new_job(org, req, session, body, "V2Query")
        job["object"] = query.sobject.name
        job["query"] = text
        job["_columns"] = [p.text if p.hops else p.leaf.name for p in query.fields]
        job["_rows"] = _csv_rows(query, hits, lookup_for(org.state))
    response = _job_view(job)
    response["state"] = "UploadComplete"
    job.update({"state": "JobComplete", "numberRecordsProcessed": len(hits), "retries": 0,
                "totalProcessingTime": 1})
    with org.state.lock:
        org.state.persist_job(job)
    return json_response(response)


@api_call
def get_query_job(org: Org, req: ApiRequest, session: Session) -> Response:
    return json_response(_job_view(_get_job(org.state, req, "V2Query")))


@api_call
def patch_query_job(org: Org, req: ApiRequest, session: Session) -> Response:
    body = json_body(req)
    with org.state.lock:
        job = _get_job(org.state, req, "V2Query")
        if not isinstance(body, dict) or body.get("state") != "Aborted" or \
                job["state"] not in ("UploadComplete", "InProgress"):
            raise ApiError(400, "INVALIDJOBSTATE", f"Cannot change job state from "
                           f"{job['state']}")
        job["state"] = "Aborted"
        org.state.persist_job(job)
    return json_response(_job_view(job))


@api_call
def list_query_jobs(org: Org, req: ApiRequest, session: Session) -> Response:
    jobs = [_job_view(j) for j in org.state.jobs.values() if j["jobType"] == "V2Query"]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int:
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


@api_call
def query_results(org: Org, req: ApiRequest, session: Session) -> Response:
    job = _get_job(org.state, req, "V2Query")
    if job["state"] != "JobComplete":
        raise ApiError(400, "INVALIDJOBSTATE", "Job is not complete")
    rows: list[list[str]] = job.get("_rows", [])
    try:
        max_records = int(req.params.get("maxRecords") or 50000)
    except ValueError:
        raise ApiError(400, "INVALIDREQUEST", "maxRecords must be a number") from None
    locator = req.params.get("locator")
    start = _offset(locator) if locator and locator != "null" else 0
    chunk = rows[start:start + max_records]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITERS[job["columnDelimiter"]],
                        lineterminator=LINE_ENDINGS[job["lineEnding"]], quoting=csv.QUOTE_ALL)
    writer.writerow(job.get("_columns", []))
    writer.writerows(chunk)
    end = start + len(chunk)
    headers = {"Sforce-Locator": _locator(end) if end < len(rows) else "null",
               "Sforce-NumberOfRecords": str(len(chunk))}
    return Response(out.getvalue(), media_type="text/csv", headers=headers)
