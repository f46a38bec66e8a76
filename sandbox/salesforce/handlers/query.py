"""`/query` and `/queryAll` with 2,000-row pages behind `nextRecordsUrl`.

A query's result set is fixed when it runs (a cursor, as on the real server); later pages
come from that snapshot even if records change meanwhile.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.reference import sf_id
from sandbox.salesforce import soql
from sandbox.salesforce.errors import ApiError, json_response
from sandbox.salesforce.handlers.base import Org, api_call
from sandbox.salesforce.state import OrgState, Session

PAGE_SIZE = 2000
MAX_OPEN_CURSORS = 200
_cursor_numbers = itertools.count(1)
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def lookup_for(state: OrgState) -> soql.RecordLookup:
    def lookup(sobject: str, record_id: str) -> dict[str, Any] | None:
        return state.records.get(sobject, {}).get(record_id)
    return lookup


def run_query(state: OrgState, text: str, include_deleted: bool) -> tuple[soql.Query, list[Any]]:
    query = soql.parse(text)
    lookup = lookup_for(state)
    with state.lock:
        rows = list(state.records[query.sobject.name].values())
        if not include_deleted:
            rows = [r for r in rows if not r.get("IsDeleted")]
        return query, soql.run(query, rows, lookup)


def _page_size(req: ApiRequest) -> int:
    m = _BATCH_RE.search(req.headers.get("sforce-query-options", ""))
    return max(200, min(PAGE_SIZE, int(m.group(1)))) if m else PAGE_SIZE


def _page(state: OrgState, cursor: str, offset: int, version: str, endpoint: str) -> dict:
    entry = state.cursors.get(cursor)
    if entry is None:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    rows, size = entry["rows"], entry["page_size"]
    chunk = rows[offset:offset + size]
    body: dict[str, Any] = {"totalSize": len(rows), "done": offset + size >= len(rows)}
    if not body["done"]:
        body["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{cursor}-{offset + size}"
    else:
        state.cursors.pop(cursor, None)
    body["records"] = chunk
    return body


def _handle(org: Org, req: ApiRequest, include_deleted: bool) -> Response:
    text = req.params.get("q")
    if text is None:
        raise ApiError(400, "MALFORMED_QUERY", "SOQL statements cannot be empty or null")
    state = org.state
    version = req.path_params["version"]
    query, hits = run_query(state, text, include_deleted)
    if query.count_only:
        return json_response({"totalSize": len(hits), "done": True, "records": []})
    lookup = lookup_for(state)
    rendered = [soql.render(query, r, version, lookup) for r in hits]
    size = _page_size(req)
    if len(rendered) <= size:
        return json_response({"totalSize": len(rendered), "done": True, "records": rendered})
    cursor = sf_id("01g", next(_cursor_numbers))
    while len(state.cursors) >= MAX_OPEN_CURSORS:  # abandoned cursors: drop the oldest
        state.cursors.pop(next(iter(state.cursors)))
    state.cursors[cursor] = {"rows": rendered, "page_size": size}
    endpoint = "queryAll" if include_deleted else "query"
    return json_response(_page(state, cursor, 0, version, endpoint))


def _more(org: Org, req: ApiRequest, endpoint: str) -> Response:
    cursor, _, offset = req.path_params["cursor"].partition("-")
    if not offset.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return json_response(_page(org.state, cursor, int(offset), req.path_params["version"],
                               endpoint))


@api_call
def query(org: Org, req: ApiRequest, session: Session) -> Response:
    return _handle(org, req, include_deleted=False)


@api_call
def query_all(org: Org, req: ApiRequest, session: Session) -> Response:
    return _handle(org, req, include_deleted=True)


@api_call
def query_more(org: Org, req: ApiRequest, session: Session) -> Response:
    return _more(org, req, "query")


@api_call
def query_all_more(org: Org, req: ApiRequest, session: Session) -> Response:
    return _more(org, req, "queryAll")
