"""URL table of the sandbox Xero with the call kind each endpoint is counted under.
Paths match case-insensitively (xero-python asks for `/Connections`, xero-node for
`/connections`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from starlette.responses import Response

from sandbox.common.router import ApiRequest, Router
from sandbox.xero.handlers import contacts, documents, identity, payments, settings
from sandbox.xero.handlers.base import Xero

API = "/api.xro/2.0"
ID = r"(?P<id>[^/]+)"

ROUTES: list[tuple[str, str, Callable[[Xero, ApiRequest], Response], str, str]] = [
    ("GET", "/identity/connect/authorize", identity.authorize, "authorize",
     "/identity/connect/authorize"),
    ("POST", "/connect/token", identity.token, "token", "/connect/token"),
    ("GET", "/connections", identity.connections, "connections", "/connections"),
    ("GET", "/Organisation", settings.get_organisation, "organisation", "/Organisation"),
    ("GET", "/Accounts", settings.get_accounts, "accounts", "/Accounts"),
    ("GET", f"/Accounts/{ID}", settings.get_account, "accounts", "/Accounts/{id}"),
    ("GET", "/TaxRates", settings.get_tax_rates, "taxrates", "/TaxRates"),
    ("GET", f"/TaxRates/{ID}", settings.get_tax_rate, "taxrates", "/TaxRates/{TaxType}"),
    ("GET", "/Currencies", settings.get_currencies, "currencies", "/Currencies"),
    ("PUT", "/Currencies", settings.put_currencies, "currencies", "/Currencies"),
    ("GET", "/Contacts", contacts.get_contacts, "contacts", "/Contacts"),
    ("PUT", "/Contacts", contacts.put_contacts, "contacts", "/Contacts"),
    ("POST", "/Contacts", contacts.post_contacts, "contacts", "/Contacts"),
    ("GET", f"/Contacts/{ID}", contacts.get_contact, "contacts", "/Contacts/{id}"),
    ("POST", f"/Contacts/{ID}", contacts.post_contact, "contacts", "/Contacts/{id}"),
    ("GET", "/Items", contacts.get_items, "items", "/Items"),
    ("PUT", "/Items", contacts.put_items, "items", "/Items"),
    ("POST", "/Items", contacts.post_items, "items", "/Items"),
    ("GET", f"/Items/{ID}", contacts.get_item, "items", "/Items/{id}"),
    ("POST", f"/Items/{ID}", contacts.post_item, "items", "/Items/{id}"),
    ("DELETE", f"/Items/{ID}", contacts.delete_item, "items", "/Items/{id}"),
    ("GET", "/Invoices", documents.get_invoices, "invoices", "/Invoices"),
    ("PUT", "/Invoices", documents.put_invoices, "invoices", "/Invoices"),
    ("POST", "/Invoices", documents.post_invoices, "invoices", "/Invoices"),
    ("GET", f"/Invoices/{ID}", documents.get_invoice, "invoices", "/Invoices/{id}"),
    ("POST", f"/Invoices/{ID}", documents.post_invoice, "invoices", "/Invoices/{id}"),
    ("GET", "/CreditNotes", documents.get_credit_notes, "creditnotes", "/CreditNotes"),
    ("PUT", "/CreditNotes", documents.put_credit_notes, "creditnotes", "/CreditNotes"),
    ("POST", "/CreditNotes", documents.post_credit_notes, "creditnotes", "/CreditNotes"),
    ("GET", f"/CreditNotes/{ID}", documents.get_credit_note, "creditnotes", "/CreditNotes/{id}"),
    ("POST", f"/CreditNotes/{ID}", documents.post_credit_note, "creditnotes",
     "/CreditNotes/{id}"),
    ("PUT", f"/CreditNotes/{ID}/Allocations", documents.put_allocations, "creditnotes",
     "/CreditNotes/{id}/Allocations"),
    ("GET", "/Payments", payments.get_payments, "payments", "/Payments"),
    ("PUT", "/Payments", payments.put_payments, "payments", "/Payments"),
    ("POST", "/Payments", payments.post_payments, "payments", "/Payments"),
    ("GET", f"/Payments/{ID}", payments.get_payment, "payments", "/Payments/{id}"),
    ("POST", f"/Payments/{ID}", payments.post_payment, "payments", "/Payments/{id}"),
]

IDENTITY_KINDS = frozenset({"authorize", "token", "connections"})


def build_router(xero: Xero) -> Router:
    router = Router()
    for method, path, handler, kind, name in ROUTES:
        prefix = "" if kind in IDENTITY_KINDS else API
        router.add(method, f"(?i){prefix}{path}", partial(handler, xero), kind=kind,
                   name=f"{prefix}{name}")
    return router
