"""Every body the sandbox returns for the operations Concord uses validates against Xero's
own OpenAPI spec (shared/api-specs/xero, v16.1.0), with jsonschema + referencing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from sandbox.harness import SandboxInfo, loopback_session
from tests.sandbox.xero_fixtures import (  # noqa: F401 - fixtures
    XeroClient,
    create,
    line,
    sales_invoice,
    tag,
    xero,
    xero_info,
    xero_sandbox,
)

# Xero's own OpenAPI description, vendored unmodified (see its README).
SPECS = Path(__file__).resolve().parents[1] / "fixtures" / "xero_openapi"


def _json_safe(value: Any) -> Any:
    """YAML gives dates/datetimes in `example`s; the validator only needs JSON types."""
    return json.loads(json.dumps(value, default=str))


@cache
def _spec(name: str) -> dict[str, Any]:
    return _json_safe(yaml.safe_load((SPECS / name).read_text()))


def validator(spec_name: str, path: str, method: str, status: str = "200") -> Draft4Validator:
    spec = _spec(spec_name)
    response = spec["paths"][path][method]["responses"][status]
    if "$ref" in response:  # e.g. #/components/responses/400Error
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    uri = f"urn:xero:{spec_name}"
    registry = Registry().with_resource(uri, Resource.from_contents(
        spec, default_specification=DRAFT4))
    schema = response["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = {"$ref": f"{uri}{schema['$ref']}"}
    else:
        schema = json.loads(json.dumps(schema).replace('"$ref": "#', f'"$ref": "{uri}#'))
    return Draft4Validator(schema, registry=registry)


class Wire:
    """Raw HTTP to collect exact response bodies (what xero-python would deserialise)."""

    def __init__(self, info: SandboxInfo, client: XeroClient) -> None:
        self.info, self.client, self.session = info, client, loopback_session(info)

    def __call__(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.client.token['access_token']}",
                   "xero-tenant-id": self.client.tenant_id, "Accept": "application/json"}
        response = self.session.request(method, f"{self.info.base_url}{path}",
                                        headers=headers, **kwargs)
        assert response.status_code == status, response.text
        return response.json(parse_float=Decimal)


def _plain(body: Any) -> Any:
    return json.loads(json.dumps(body, default=float))


def check(spec_path: str, method: str, body: Any, status: str = "200") -> None:
    errors = sorted(validator("xero_accounting.yaml", spec_path, method, status)
                    .iter_errors(_plain(body)), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_reads_validate(xero: XeroClient, xero_info: SandboxInfo, tag: str) -> None:  # noqa: F811
    wire = Wire(xero_info, xero)
    invoice = create(xero, sales_invoice(tag, [line("2", "10.00")], status="AUTHORISED",
                                         date=date(2026, 3, 1))).invoices[0]
    check("/Organisation", "get", wire("GET", "/Organisation"))
    check("/Accounts", "get", wire("GET", "/Accounts"))
    check("/TaxRates", "get", wire("GET", "/TaxRates"))
    check("/Currencies", "get", wire("GET", "/Currencies"))
    check("/Contacts", "get", wire("GET", "/Contacts", params={"page": 1}))
    check("/Contacts/{ContactID}", "get", wire("GET", f"/Contacts/{invoice.contact.contact_id}"))
    check("/Invoices", "get", wire("GET", "/Invoices", params={"page": 1, "unitdp": 4}))
    check("/Invoices", "get", wire("GET", "/Invoices", params={"summaryOnly": "true"}))
    check("/Invoices/{InvoiceID}", "get", wire("GET", f"/Invoices/{invoice.invoice_id}"))
    check("/Items", "get", wire("GET", "/Items"))
    check("/Payments", "get", wire("GET", "/Payments", params={"page": 1}))
    check("/CreditNotes", "get", wire("GET", "/CreditNotes", params={"page": 1}))


def test_writes_and_errors_validate(xero: XeroClient, xero_info: SandboxInfo,  # noqa: F811
                                    tag: str) -> None:  # noqa: F811
    wire = Wire(xero_info, xero)
    contacts = wire("PUT", "/Contacts", json={"Contacts": [{"Name": f"{tag} AG"}]})
    check("/Contacts", "put", contacts)
    contact_id = contacts["Contacts"][0]["ContactID"]
    check("/Contacts", "post", wire("POST", "/Contacts", json={"Contacts": [
        {"ContactID": contact_id, "EmailAddress": "x@example.com"}]}))
    check("/Items", "put", wire("PUT", "/Items", json={"Items": [
        {"Code": tag, "Name": "Widget", "SalesDetails": {"UnitPrice": 12.5, "AccountCode": "200",
                                                         "TaxType": "OUTPUT2"}}]}))
    good = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Status": "AUTHORISED",
            "Date": "2026-03-01", "LineItems": [{"Description": "x", "Quantity": 1,
                                                 "ItemCode": tag}]}
    bad = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": [
        {"Description": "x", "Quantity": 1, "UnitAmount": 1, "AccountCode": "999"}]}
    batch = wire("PUT", "/Invoices", params={"summarizeErrors": "false"},
                 json={"Invoices": [good, bad]})
    check("/Invoices", "put", batch)
    assert batch["Invoices"][0]["Total"] == Decimal("15.00")  # item price 12.50 + 20 %
    invoice_id = batch["Invoices"][0]["InvoiceID"]
    check("/Invoices", "post", wire("POST", "/Invoices", json={"Invoices": [good]}))
    error = wire("PUT", "/Invoices", status=400, json={"Invoices": [bad]})
    check("/Invoices", "put", error, status="400")
    check("/Invoices/{InvoiceID}", "post", wire("POST", f"/Invoices/{invoice_id}", json={
        "Invoices": [{"Reference": "edited"}]}))
    payment = wire("PUT", "/Payments", json={"Payments": [{
        "Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Amount": 5,
        "Date": "2026-03-02"}]})
    check("/Payments", "put", payment)
    check("/Payments/{PaymentID}", "post", wire(
        "POST", f"/Payments/{payment['Payments'][0]['PaymentID']}",
        json={"Payments": [{"Status": "DELETED"}]}))
    credit = wire("PUT", "/CreditNotes", json={"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id}, "Status": "AUTHORISED",
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 5,
                       "AccountCode": "200"}]}]})
    check("/CreditNotes", "put", credit)
    allocation = wire("PUT", f"/CreditNotes/{credit['CreditNotes'][0]['CreditNoteID']}"
                             "/Allocations", json={"Allocations": [{
                                 "Invoice": {"InvoiceID": invoice_id}, "Amount": 6,
                                 "Date": "2026-03-03"}]})
    check("/CreditNotes/{CreditNoteID}/Allocations", "put", allocation)


def test_connections_validate_against_the_identity_spec(xero: XeroClient,  # noqa: F811
                                                        xero_info: SandboxInfo) -> None:  # noqa: F811
    body = loopback_session(xero_info).get(
        xero_info.extra["connections_url"],
        headers={"Authorization": f"Bearer {xero.token['access_token']}"}).json()
    errors = list(validator("xero-identity.yaml", "/Connections", "get").iter_errors(body))
    assert not errors and body
