"""/Contacts and /Items: reads, PUT create, POST create-or-update, single updates, delete."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero import contacts as domain
from sandbox.xero.errors import RecordInvalid, validation_exception
from sandbox.xero.handlers.base import (
    Xero,
    accounting,
    echo,
    elements,
    flag,
    listing,
    param,
    public,
    run_batch,
    unit_dp,
)
from sandbox.xero.handlers.reads import Collection, find_or_404, read_many, read_one
from sandbox.xero.money import round_to
from sandbox.xero.state import Record, Tenant


def _render_contact(record: Record, req: ApiRequest, _many: bool) -> Record:
    out = public(record)
    if flag(req, "summaryOnly", False):
        for name in ("Addresses", "Phones", "ContactPersons", "ContactGroups"):
            out.pop(name, None)
    return out


def _visible_contact(record: Record, req: ApiRequest) -> bool:
    """ARCHIVED contacts only with includeArchived=true; searchTerm over name/number/email."""
    if record["ContactStatus"] == "ARCHIVED" and not flag(req, "includeArchived", False):
        return False
    term = (param(req, "searchTerm") or "").strip().lower()
    if term:
        haystack = " ".join(str(record.get(f) or "") for f in (
            "Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress"))
        return term in haystack.lower()
    return True


def _render_item(record: Record, req: ApiRequest, _many: bool = False) -> Record:
    out = public(record)
    if unit_dp(req) != 4:
        for details in ("SalesDetails", "PurchaseDetails"):
            if "UnitPrice" in out.get(details, {}):
                out[details]["UnitPrice"] = round_to(out[details]["UnitPrice"], 2)
    return out


CONTACTS = Collection("Contact", "Contacts", "ContactID", _render_contact, paged=True,
                      visible=_visible_contact)
ITEMS = Collection("Item", "Items", "ItemID", _render_item)


def _contact_writer(xero: Xero, tenant: Tenant, update: bool,
                    existing: Record | None = None) -> Any:
    def apply(element: dict[str, Any]) -> Record:
        target = existing
        if target is None:
            target = domain.match_contact(tenant, element, by_name=update)
            if target is not None and not update:
                raise RecordInvalid("Contact already exists; use POST to update it")
        record = domain.stamp(xero.state, domain.build_contact(tenant, element, target))
        xero.state.put(tenant, "Contact", [record])
        return record
    return apply


def _item_writer(xero: Xero, req: ApiRequest, tenant: Tenant, update: bool,
                 existing: Record | None = None) -> Any:
    def apply(element: dict[str, Any]) -> Record:
        target = existing if existing is not None else domain.match_item(tenant, element)
        if target is not None and existing is None and not update:
            raise RecordInvalid(f"Item code '{target['Code']}' already exists")
        record = domain.build_item(tenant, element, target, unit_dp(req))
        xero.state.put(tenant, "Item", [domain.stamp(xero.state, record)])
        return record
    return apply


def _single(xero: Xero, req: ApiRequest, key: str, apply: Any, render: Any,
            error_flag: str | None) -> Response:
    items = elements(req, key)
    element = items[0] if items else {}
    try:
        return listing(xero, key, [render(apply(element))])
    except RecordInvalid as exc:
        raise validation_exception([echo(element, exc.messages, error_flag)]) from None


@accounting
def get_contacts(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, CONTACTS)


@accounting
def get_contact(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_one(xero, req, tenant, CONTACTS, req.path_params["id"])


@accounting
def put_contacts(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return run_batch(xero, req, "Contacts", elements(req, "Contacts"),
                     _contact_writer(xero, tenant, False), public, "HasValidationErrors")


@accounting
def post_contacts(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return run_batch(xero, req, "Contacts", elements(req, "Contacts"),
                     _contact_writer(xero, tenant, True), public, "HasValidationErrors")


@accounting
def post_contact(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    record = find_or_404(tenant, "Contact", req.path_params["id"])
    return _single(xero, req, "Contacts", _contact_writer(xero, tenant, True, record), public,
                   "HasValidationErrors")


@accounting
def get_items(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, ITEMS)


@accounting
def get_item(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    key = req.path_params["id"]
    record = tenant.get("Item", key) or next(
        (i for i in tenant.rows("Item") if i["Code"].lower() == key.lower()), None)
    return listing(xero, "Items", [_render_item(record or find_or_404(tenant, "Item", key),
                                                req)])


@accounting
def put_items(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return run_batch(xero, req, "Items", elements(req, "Items"),
                     _item_writer(xero, req, tenant, False),
                     lambda r: _render_item(r, req), None)


@accounting
def post_items(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return run_batch(xero, req, "Items", elements(req, "Items"),
                     _item_writer(xero, req, tenant, True), lambda r: _render_item(r, req), None)


@accounting
def post_item(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    record = find_or_404(tenant, "Item", req.path_params["id"])
    return _single(xero, req, "Items", _item_writer(xero, req, tenant, True, record),
                   lambda r: _render_item(r, req), None)


@accounting
def delete_item(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    record = find_or_404(tenant, "Item", req.path_params["id"])
    tenant.objects["Item"].pop(record["ItemID"], None)
    xero.state.store.execute("DELETE FROM objects WHERE tenant = ? AND kind = 'Item' AND id = ?",
                             (tenant.id, record["ItemID"]))
    return Response(status_code=204)
