"""/Invoices and /CreditNotes: reads, batch create (PUT), create-or-update (POST), single
updates (POST /{id}: status changes, void, delete) and credit-note allocations."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero import documents as docs
from sandbox.xero.errors import RecordInvalid, validation_exception
from sandbox.xero.handlers.base import (
    Xero,
    accounting,
    echo,
    elements,
    flag,
    listing,
    param,
    run_batch,
    unit_dp,
)
from sandbox.xero.handlers.reads import Collection, find_or_404, read_many
from sandbox.xero.settlements import allocate_credit
from sandbox.xero.state import Record, Tenant


def _render(kind: docs.DocKind) -> Any:
    def render(record: Record, req: ApiRequest, many: bool) -> Record:
        # Xero returns line items on a list read only when paging (spec: `page` param doc)
        with_lines = not many or param(req, "page") is not None or kind is docs.CREDIT_NOTE
        return docs.render(record, unitdp=unit_dp(req), lines=with_lines,
                           summary_only=flag(req, "summaryOnly", False))
    return render


INVOICES = Collection("Invoice", "Invoices", "InvoiceID", _render(docs.INVOICE), paged=True,
                      list_filters={"InvoiceNumbers": "InvoiceNumber",
                                    "ContactIDs": "Contact.ContactID", "Statuses": "Status"})
CREDIT_NOTES = Collection("CreditNote", "CreditNotes", "CreditNoteID",
                          _render(docs.CREDIT_NOTE), paged=True)


def _lookup(tenant: Tenant, kind: docs.DocKind, key: str) -> Record:
    """Path ids may be the GUID or the document number (Xero accepts both)."""
    record = tenant.get(kind.name, key)
    if record is None:
        record = next((r for r in tenant.rows(kind.name)
                       if r.get(kind.number_field, "").lower() == key.lower()), None)
    return record if record is not None else find_or_404(tenant, kind.name, key)


def _match(tenant: Tenant, kind: docs.DocKind, element: dict[str, Any], update: bool
           ) -> Record | None:
    key = element.get(kind.id_field)
    if key:
        found = tenant.get(kind.name, str(key))
        if found is None:
            raise RecordInvalid(f"{kind.label} could not be found")
        if not update:
            raise RecordInvalid(f"{kind.label} already exists; use POST to update it")
        return found
    number = element.get(kind.number_field)
    doc_type = element.get("Type")
    if update and number and doc_type in kind.number_prefix:
        return next((r for r in tenant.rows(kind.name) if r["Type"] == doc_type
                     and r.get(kind.number_field, "").lower() == str(number).lower()
                     and r["Status"] != "DELETED"), None)
    return None


def _writer(xero: Xero, req: ApiRequest, tenant: Tenant, kind: docs.DocKind, update: bool,
            existing: Record | None = None) -> Any:
    def apply(element: dict[str, Any]) -> Record:
        target = existing if existing is not None else _match(tenant, kind, element, update)
        record = docs.build(xero.state, tenant, kind, element, target, unit_dp(req))
        docs.stamp(xero.state, record)
        xero.state.put(tenant, kind.name, [record])
        return record
    return apply


def _render_written(req: ApiRequest) -> Any:
    return lambda record: docs.render(record, unitdp=unit_dp(req))


def _batch(xero: Xero, req: ApiRequest, tenant: Tenant, kind: docs.DocKind, key: str,
           update: bool) -> Response:
    return run_batch(xero, req, key, elements(req, key), _writer(xero, req, tenant, kind, update),
                     _render_written(req), "HasErrors")


def _update_one(xero: Xero, req: ApiRequest, tenant: Tenant, kind: docs.DocKind, key: str,
                doc_id: str) -> Response:
    record = _lookup(tenant, kind, doc_id)
    items = elements(req, key)
    apply = _writer(xero, req, tenant, kind, True, record)
    try:
        rows = [docs.render(apply(items[0] if items else {}), unitdp=unit_dp(req))]
    except RecordInvalid as exc:
        raise validation_exception([echo(items[0] if items else {}, exc.messages,
                                         "HasErrors")]) from None
    return listing(xero, key, rows)


@accounting
def get_invoices(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, INVOICES)


@accounting
def get_invoice(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    record = _lookup(tenant, docs.INVOICE, req.path_params["id"])
    return listing(xero, "Invoices", [INVOICES.render(record, req, False)])


@accounting
def put_invoices(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return _batch(xero, req, tenant, docs.INVOICE, "Invoices", update=False)


@accounting
def post_invoices(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return _batch(xero, req, tenant, docs.INVOICE, "Invoices", update=True)


@accounting
def post_invoice(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return _update_one(xero, req, tenant, docs.INVOICE, "Invoices", req.path_params["id"])


@accounting
def get_credit_notes(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, CREDIT_NOTES)


@accounting
def get_credit_note(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    record = _lookup(tenant, docs.CREDIT_NOTE, req.path_params["id"])
    return listing(xero, "CreditNotes", [CREDIT_NOTES.render(record, req, False)])


@accounting
def put_credit_notes(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return _batch(xero, req, tenant, docs.CREDIT_NOTE, "CreditNotes", update=False)


@accounting
def post_credit_notes(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return _batch(xero, req, tenant, docs.CREDIT_NOTE, "CreditNotes", update=True)


@accounting
def post_credit_note(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return _update_one(xero, req, tenant, docs.CREDIT_NOTE, "CreditNotes",
                       req.path_params["id"])


@accounting
def put_allocations(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    credit = _lookup(tenant, docs.CREDIT_NOTE, req.path_params["id"])
    return run_batch(xero, req, "Allocations", elements(req, "Allocations"),
                     lambda element: allocate_credit(xero.state, tenant, credit, element),
                     lambda row: row, None)
