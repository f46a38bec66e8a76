"""Organisation, chart of accounts, tax rates and currencies (read; currencies can be
enabled with PUT /Currencies)."""

from __future__ import annotations

from starlette.responses import Response

from sandbox.common.router import ApiRequest
from sandbox.xero import seed
from sandbox.xero.errors import validation_exception
from sandbox.xero.handlers.base import Xero, accounting, echo, elements, listing, public
from sandbox.xero.handlers.reads import Collection, read_many, read_one
from sandbox.xero.state import Record, Tenant


def _plain(record: Record, _req: ApiRequest, _many: bool) -> Record:
    return public(record)


ACCOUNTS = Collection("Account", "Accounts", "AccountID", _plain)
TAX_RATES = Collection("TaxRate", "TaxRates", "TaxType", _plain,
                       list_filters={"TaxType": "TaxType"})
CURRENCIES = Collection("Currency", "Currencies", "Code", _plain)


@accounting
def get_organisation(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return listing(xero, "Organisations", [public(tenant.organisation)])


@accounting
def get_accounts(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, ACCOUNTS)


@accounting
def get_account(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_one(xero, req, tenant, ACCOUNTS, req.path_params["id"])


@accounting
def get_tax_rates(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, TAX_RATES)


@accounting
def get_tax_rate(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_one(xero, req, tenant, TAX_RATES, req.path_params["id"])


@accounting
def get_currencies(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    return read_many(xero, req, tenant, CURRENCIES)


@accounting
def put_currencies(xero: Xero, req: ApiRequest, tenant: Tenant) -> Response:
    """Enable a currency the sandbox knows a day rate for."""
    items = elements(req, "Currencies")
    element = items[0] if items else {}
    code = str(element.get("Code") or "").upper()
    if code not in seed.CURRENCIES:
        raise validation_exception([echo(element, [f"Currency code '{code}' is not supported"],
                                         None)])
    record = tenant.get("Currency", code) or {"Code": code,
                                              "Description": seed.CURRENCIES[code][0]}
    xero.state.put(tenant, "Currency", [record])
    return listing(xero, "Currencies", [public(record)])
