"""The GET side shared by every collection: If-Modified-Since, IDs, where, order, paging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero.errors import bad_request, not_found
from sandbox.xero.handlers.base import Xero, list_param, listing, param
from sandbox.xero.query import apply_order, paginate, parse_where
from sandbox.xero.state import Record, Tenant
from sandbox.xero.wire import ms, parse_if_modified_since

MAX_IDS = 52  # Xero answers 404 past ~52–55 GUIDs in IDs= (URL length; xero.md)


@dataclass(frozen=True)
class Collection:
    kind: str
    key: str  # envelope key: "Invoices"
    id_field: str
    render: Callable[[Record, ApiRequest, bool], Record]  # (record, req, many) -> wire
    paged: bool = False
    # query parameter -> record field it filters (comma-separated values)
    list_filters: dict[str, str] = field(default_factory=dict)
    visible: Callable[[Record, ApiRequest], bool] = lambda _r, _q: True


def read_many(xero: Xero, req: ApiRequest, tenant: Tenant, spec: Collection) -> Response:
    rows = [r for r in tenant.rows(spec.kind) if spec.visible(r, req)]
    since_header = req.headers.get("if-modified-since")
    if since_header:
        since = parse_if_modified_since(since_header)
        if since is None:
            raise bad_request(f"Invalid If-Modified-Since header: {since_header}")
        rows = [r for r in rows if int(r.get("_updated_ms", 0)) >= ms(since)]
    ids = list_param(req, "IDs")
    if len(ids) > MAX_IDS:
        raise not_found()
    if ids:
        wanted = {i.lower() for i in ids}
        rows = [r for r in rows if str(r[spec.id_field]).lower() in wanted]
    for name, field_path in spec.list_filters.items():
        values = {v.lower() for v in list_param(req, name)}
        if values:
            rows = [r for r in rows if _field(r, field_path).lower() in values]
    predicate = parse_where(param(req, "where"))
    rows = [r for r in rows if predicate(r)]
    rows = apply_order(rows, param(req, "order"))
    page = paginate(rows, param(req, "page") if spec.paged else None, param(req, "pageSize"))
    rendered = [spec.render(r, req, True) for r in page.rows]
    return listing(xero, spec.key, rendered, page.pagination)


def read_one(xero: Xero, req: ApiRequest, tenant: Tenant, spec: Collection, key: str
             ) -> Response:
    record = find_or_404(tenant, spec.kind, key)
    return listing(xero, spec.key, [spec.render(record, req, False)])


def find_or_404(tenant: Tenant, kind: str, key: str) -> Record:
    record = tenant.get(kind, key)
    if record is None:
        raise not_found()
    return record


def _field(record: Record, path: str) -> str:
    value: object = record
    for part in path.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value or "")
