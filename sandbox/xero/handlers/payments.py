"""/Payments: reads, PUT batch and POST single create, POST /{id} {Status: DELETED}."""

from __future__ import annotations

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero.errors import RecordInvalid, validation_exception
from sandbox.xero.handlers.base import Xero, accounting, echo, elements, listing, public, run_batch
from sandbox.xero.handlers.reads import Collection, find_or_404, read_many, read_one
from sandbox.xero.settlements import apply_payment, delete_payment
from sandbox.xero.state import Record, Tenant

PAYMENTS = Collection("Payment", "Payments", "PaymentID",
                      lambda record, _req, _many: public(record), paged=True)


@accounting
def get_payments(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, PAYMENTS)


@accounting
def get_payment(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_one(xero, req, tenant, PAYMENTS, req.path_params["id"])


def _apply(xero: Xero, tenant: Tenant) -> object:
    return lambda element: apply_payment(xero.state, tenant, element)


@accounting
def put_payments(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return run_batch(xero, req, "Payments", elements(req, "Payments"), _apply(xero, tenant),
                     public, "HasValidationErrors")


@accounting
def post_payments(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return run_batch(xero, req, "Payments", elements(req, "Payments"), _apply(xero, tenant),
                     public, "HasValidationErrors")


@accounting
def post_payment(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    """Payments are not edited; the only change is `{"Status":"DELETED"}` (reverses it)."""
    payment: Record = find_or_404(tenant, "Payment", req.path_params["id"])
    items = elements(req, "Payments")
    element = items[0] if items else {}
    try:
        if str(element.get("Status", "")).upper() != "DELETED":
            raise RecordInvalid("A payment can only be deleted (Status DELETED)")
        row = public(delete_payment(xero.state, tenant, payment))
    except RecordInvalid as exc:
        raise validation_exception([echo(element, exc.messages, "HasValidationErrors")]) \
            from None
    return listing(xero, "Payments", [row])
