"""Invoices, payments and credit notes through the real xero-python client."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from xero_python.accounting.models import (
    Account,
    Allocation,
    Allocations,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    Payment,
    PaymentDelete,
)
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException

from sandbox.harness import SandboxInfo, loopback_session
from tests.sandbox.xero_fixtures import (  # noqa: F401 - fixtures
    XeroClient,
    create,
    line,
    sales_invoice,
    tag,
    xero,
    xero_control,
    xero_info,
    xero_sandbox,
)


def _authorised(xero: XeroClient, name: str, *lines: tuple[str, str]) -> Invoice:  # noqa: F811
    invoice = sales_invoice(name, [line(q, u) for q, u in lines], status="AUTHORISED",
                            date=date(2026, 3, 15), due_date=date(2026, 4, 14))
    created = create(xero, invoice).invoices[0]
    assert not created.has_errors, created.validation_errors
    return created


def test_batch_of_50_with_one_invalid_creates_49_and_flags_the_bad_one(
        xero: XeroClient, tag: str) -> None:  # noqa: F811
    batch = [sales_invoice(f"{tag} customer {i % 5}", [line("1", f"{10 + i}.00")],
                           reference=f"{tag}-{i}") for i in range(50)]
    batch[17] = sales_invoice(f"{tag} customer", [line("1", "10.00", account="999")],
                              reference=f"{tag}-17")
    result = create(xero, *batch).invoices
    assert len(result) == 50
    assert [r.reference for r in result] == [f"{tag}-{i}" for i in range(50)]  # input order
    bad = result[17]
    assert bad.has_errors is True and bad.status_attribute_string == "ERROR"
    assert [e.message for e in bad.validation_errors] == ["Account could not be found"]
    assert bad.invoice_id is None
    good = [r for i, r in enumerate(result) if i != 17]
    assert all(r.status_attribute_string == "OK" and r.invoice_id for r in good)
    stored = xero.accounting.get_invoices(xero.tenant_id, where=f'Reference.StartsWith("{tag}")')
    assert len(stored.invoices) == 49


def test_default_summarize_errors_gives_400_but_valid_ones_are_still_created(
        xero: XeroClient, tag: str) -> None:  # noqa: F811
    invoices = Invoices(invoices=[
        sales_invoice(tag, [line("1", "5.00")], reference=f"{tag}-ok"),
        Invoice(type="ACCREC", line_items=[line("1", "5.00")], reference=f"{tag}-bad")])
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.accounting.create_invoices(xero.tenant_id, invoices)
    error = raised.value.error_data
    assert error["Type"] == "ValidationException" and error["ErrorNumber"] == 10
    assert [e["Reference"] for e in error["Elements"]] == [f"{tag}-bad"]  # echo of the object
    assert error["Elements"][0]["ValidationErrors"] == [
        {"Message": "A Contact must be specified for this type of transaction"}]
    stored = xero.accounting.get_invoices(xero.tenant_id, where=f'Reference=="{tag}-ok"')
    assert len(stored.invoices) == 1


def test_invoice_number_must_be_unique_per_type(xero: XeroClient, tag: str) -> None:  # noqa: F811
    first = create(xero, sales_invoice(tag, [line("1", "1.00")], invoice_number=tag))
    assert first.invoices[0].invoice_number == tag
    again = create(xero, sales_invoice(tag, [line("1", "1.00")], invoice_number=tag))
    assert [e.message for e in again.invoices[0].validation_errors] == [
        "Invoice # must be unique."]
    bill = create(xero, Invoice(type="ACCPAY", contact=Contact(name=tag), invoice_number=tag,
                                line_items=[line("1", "1.00", "INPUT2", "400")]))
    assert not bill.invoices[0].has_errors  # the same number on another type is fine


def test_post_updates_by_invoice_number_instead_of_duplicating(
        xero: XeroClient, tag: str) -> None:  # noqa: F811
    create(xero, sales_invoice(tag, [line("1", "10.00")], invoice_number=tag))
    updated = xero.accounting.update_or_create_invoices(
        xero.tenant_id, Invoices(invoices=[sales_invoice(tag, [line("2", "10.00")],
                                                         invoice_number=tag)]),
        summarize_errors=False).invoices[0]
    assert updated.total == Decimal("24.00")
    assert len(xero.accounting.get_invoices(xero.tenant_id, invoice_numbers=[tag]).invoices) == 1


def test_paging_returns_every_invoice_once_with_pagination(xero: XeroClient,  # noqa: F811
                                                           tag: str) -> None:  # noqa: F811
    create(xero, *[sales_invoice(tag, [line("1", "1.00")], reference=f"{tag}-{i}")
                   for i in range(25)])
    where = f'Reference.StartsWith("{tag}")'
    seen: list[str] = []
    page = 1
    while True:
        result = xero.accounting.get_invoices(xero.tenant_id, where=where, page=page,
                                              page_size=10, order="Reference ASC")
        seen += [i.reference for i in result.invoices]
        assert all(i.line_items for i in result.invoices)  # paged reads carry lines
        assert result.pagination.item_count == 25 and result.pagination.page_count == 3
        if len(result.invoices) < 10:
            break
        page += 1
    assert seen == sorted(f"{tag}-{i}" for i in range(25))
    unpaged = xero.accounting.get_invoices(xero.tenant_id, where=where)
    assert len(unpaged.invoices) == 25 and unpaged.invoices[0].line_items is None


def test_page_size_is_capped_at_1000(xero_info: SandboxInfo) -> None:  # noqa: F811
    response = loopback_session(xero_info).get(
        f"{xero_info.base_url}/Invoices", params={"page": 1, "pageSize": 5000},
        headers={"Authorization": f"Bearer {xero_info.credentials['access_token']}",
                 "xero-tenant-id": xero_info.credentials["tenant_id"],
                 "Accept": "application/json"})
    assert response.json()["pagination"]["pageSize"] == 1000


def test_if_modified_since_returns_only_later_changes(xero: XeroClient,  # noqa: F811
                                                      tag: str) -> None:  # noqa: F811
    old = create(xero, sales_invoice(tag, [line("1", "1.00")], reference=f"{tag}-old"))
    time.sleep(1.1)  # Xero compares at whole seconds
    watermark = datetime.now(UTC).replace(microsecond=0)
    new = create(xero, sales_invoice(tag, [line("1", "1.00")], reference=f"{tag}-new"))
    changed = xero.accounting.get_invoices(xero.tenant_id, if_modified_since=watermark,
                                           where=f'Contact.Name=="{tag}"')
    assert [i.reference for i in changed.invoices] == [f"{tag}-new"]
    assert changed.invoices[0].updated_date_utc >= watermark
    assert old.invoices[0].updated_date_utc < new.invoices[0].updated_date_utc
    # an update moves the old one past the watermark too
    xero.accounting.update_invoice(xero.tenant_id, old.invoices[0].invoice_id,
                                   Invoices(invoices=[Invoice(reference=f"{tag}-old2")]))
    changed = xero.accounting.get_invoices(xero.tenant_id, if_modified_since=watermark,
                                           where=f'Contact.Name=="{tag}"')
    assert sorted(i.reference for i in changed.invoices) == [f"{tag}-new", f"{tag}-old2"]


def test_idempotency_key_replay_returns_the_original_and_writes_nothing(
        xero: XeroClient, tag: str) -> None:  # noqa: F811
    key = str(uuid.uuid4())
    invoice = sales_invoice(tag, [line("3", "7.50")], reference=tag)
    first = create(xero, invoice, idempotency_key=key).invoices[0]
    second = create(xero, invoice, idempotency_key=key).invoices[0]
    assert second.invoice_id == first.invoice_id
    assert second.invoice_number == first.invoice_number
    stored = xero.accounting.get_invoices(xero.tenant_id, where=f'Reference=="{tag}"')
    assert len(stored.invoices) == 1
    third = create(xero, invoice, idempotency_key=str(uuid.uuid4())).invoices[0]
    assert third.invoice_id != first.invoice_id  # a new key is a new request


def test_payments_lower_amount_due_and_move_the_invoice_to_paid(
        xero: XeroClient, tag: str) -> None:  # noqa: F811
    invoice = _authorised(xero, tag, ("2", "50.00"))  # 100 + 20 % = 120
    assert invoice.amount_due == Decimal("120.00")
    pay = xero.accounting.create_payment(xero.tenant_id, Payment(
        invoice=Invoice(invoice_id=invoice.invoice_id), account=Account(code="090"),
        date=date(2026, 3, 20), amount=Decimal("20.00"), reference=tag)).payments[0]
    assert pay.payment_type == "ACCRECPAYMENT" and pay.status == "AUTHORISED"
    partly = xero.accounting.get_invoice(xero.tenant_id, invoice.invoice_id).invoices[0]
    assert (partly.status, partly.amount_due, partly.amount_paid) == (
        "AUTHORISED", Decimal("100.00"), Decimal("20.00"))
    too_much = xero.accounting.create_payments(xero.tenant_id, Payments_of(
        invoice.invoice_id, "100.01"), summarize_errors=False).payments[0]
    assert too_much.validation_errors[0].message == (
        "Payment amount exceeds the amount outstanding on this document")
    xero.accounting.create_payments(xero.tenant_id, Payments_of(invoice.invoice_id, "100.00"))
    paid = xero.accounting.get_invoice(xero.tenant_id, invoice.invoice_id).invoices[0]
    assert (paid.status, paid.amount_due, paid.amount_paid) == (
        "PAID", Decimal("0.00"), Decimal("120.00"))
    assert paid.fully_paid_on_date == date(2026, 3, 21)
    assert len(paid.payments) == 2
    # a PAID invoice cannot be edited, and deleting a payment reopens it
    edit = xero.accounting.update_or_create_invoices(xero.tenant_id, Invoices(invoices=[
        Invoice(invoice_id=invoice.invoice_id, reference="late edit")]),
        summarize_errors=False).invoices[0]
    assert edit.has_errors
    xero.accounting.delete_payment(xero.tenant_id, pay.payment_id,
                                   PaymentDelete(status="DELETED"))
    reopened = xero.accounting.get_invoice(xero.tenant_id, invoice.invoice_id).invoices[0]
    assert (reopened.status, reopened.amount_due) == ("AUTHORISED", Decimal("20.00"))


def Payments_of(invoice_id: str, amount: str) -> object:
    from xero_python.accounting.models import Payments
    return Payments(payments=[Payment(invoice=Invoice(invoice_id=invoice_id),
                                      account=Account(code="090"), date=date(2026, 3, 21),
                                      amount=Decimal(amount))])


def test_payment_on_a_draft_is_refused(xero: XeroClient, tag: str) -> None:  # noqa: F811
    draft = create(xero, sales_invoice(tag, [line("1", "10.00")])).invoices[0]
    refused = xero.accounting.create_payments(xero.tenant_id, Payments_of(
        draft.invoice_id, "1.00"), summarize_errors=False).payments[0]
    assert refused.has_validation_errors is True
    assert refused.validation_errors[0].message == (
        "Payments can only be made against AUTHORISED documents")


def test_status_machine_void_and_delete(xero: XeroClient, tag: str) -> None:  # noqa: F811
    draft = create(xero, sales_invoice(tag, [line("1", "10.00")])).invoices[0]
    with pytest.raises(AccountingBadRequestException):  # drafts are deleted, not voided
        xero.accounting.update_invoice(xero.tenant_id, draft.invoice_id,
                                       Invoices(invoices=[Invoice(status="VOIDED")]))
    deleted = xero.accounting.update_invoice(xero.tenant_id, draft.invoice_id, Invoices(
        invoices=[Invoice(status="DELETED")])).invoices[0]
    assert deleted.status == "DELETED"
    approved = _authorised(xero, tag, ("1", "10.00"))
    with pytest.raises(AccountingBadRequestException):  # authorised: void, not delete
        xero.accounting.update_invoice(xero.tenant_id, approved.invoice_id,
                                       Invoices(invoices=[Invoice(status="DELETED")]))
    with pytest.raises(AccountingBadRequestException):  # PAID only through payments
        xero.accounting.update_invoice(xero.tenant_id, approved.invoice_id,
                                       Invoices(invoices=[Invoice(status="PAID")]))
    voided = xero.accounting.update_invoice(xero.tenant_id, approved.invoice_id, Invoices(
        invoices=[Invoice(status="VOIDED")])).invoices[0]
    assert voided.status == "VOIDED"
    with pytest.raises(AccountingBadRequestException) as raised:
        xero.accounting.update_invoice(xero.tenant_id, approved.invoice_id,
                                       Invoices(invoices=[Invoice(reference="x")]))
    assert raised.value.reason == "Invoice not of valid status for modification"


def test_dates_are_midnight_utc_and_due_date_defaults_from_terms(
        xero: XeroClient, xero_info: SandboxInfo, tag: str) -> None:  # noqa: F811
    made = create(xero, sales_invoice(tag, [line("1", "1.00")], date=date(2026, 1, 31))
                  ).invoices[0]
    assert made.date == date(2026, 1, 31) and made.due_date == date(2026, 2, 14)
    raw = loopback_session(xero_info).get(
        f"{xero_info.base_url}/Invoices/{made.invoice_id}",
        headers={"Authorization": f"Bearer {xero.token['access_token']}",
                 "xero-tenant-id": xero.tenant_id, "Accept": "application/json"}).json()
    assert raw["Status"] == "OK" and raw["ProviderName"] and raw["DateTimeUTC"].startswith(
        "/Date(")
    invoice = raw["Invoices"][0]
    assert invoice["Date"] == "/Date(1769817600000+0000)/"  # 2026-01-31T00:00:00Z
    assert invoice["DateString"] == "2026-01-31T00:00:00"
    assert invoice["UpdatedDateUTC"].endswith("+0000)/")


def test_unknown_invoice_is_404(xero: XeroClient) -> None:  # noqa: F811
    with pytest.raises(HTTPStatusException) as raised:
        xero.accounting.get_invoice(xero.tenant_id, str(uuid.uuid4()))
    assert raised.value.status == 404


def test_contacts_post_upserts_by_name_and_put_refuses_duplicates(
        xero: XeroClient, tag: str) -> None:  # noqa: F811
    made = xero.accounting.create_contacts(xero.tenant_id, Contacts(contacts=[
        Contact(name=f"{tag} GmbH", email_address="a@example.com")])).contacts[0]
    again = xero.accounting.create_contacts(xero.tenant_id, Contacts(contacts=[
        Contact(name=f"{tag} GmbH")]), summarize_errors=False).contacts[0]
    assert again.has_validation_errors is True
    assert "must be unique across all active contacts" in again.validation_errors[0].message
    updated = xero.accounting.update_or_create_contacts(xero.tenant_id, Contacts(contacts=[
        Contact(name=f"{tag} GmbH", email_address="b@example.com")])).contacts[0]
    assert updated.contact_id == made.contact_id and updated.email_address == "b@example.com"
    found = xero.accounting.get_contacts(xero.tenant_id, search_term=tag, page=1)
    assert [c.contact_id for c in found.contacts] == [made.contact_id]


def test_credit_note_allocation_settles_an_invoice(xero: XeroClient, tag: str) -> None:  # noqa: F811
    invoice = _authorised(xero, tag, ("1", "100.00"))
    credit = xero.accounting.create_credit_notes(xero.tenant_id, CreditNotes(credit_notes=[
        CreditNote(type="ACCRECCREDIT", contact=Contact(contact_id=invoice.contact.contact_id),
                   status="AUTHORISED", line_items=[line("1", "100.00")],
                   date=date(2026, 3, 16))])).credit_notes[0]
    assert credit.total == Decimal("120.00") and credit.remaining_credit == Decimal("120.00")
    xero.accounting.create_credit_note_allocation(
        xero.tenant_id, credit.credit_note_id, Allocations(allocations=[Allocation(
            invoice=Invoice(invoice_id=invoice.invoice_id), amount=Decimal("120.00"),
            date=date(2026, 3, 17))]))
    settled = xero.accounting.get_invoice(xero.tenant_id, invoice.invoice_id).invoices[0]
    assert (settled.status, settled.amount_due, settled.amount_credited) == (
        "PAID", Decimal("0.00"), Decimal("120.00"))
    used = xero.accounting.get_credit_note(xero.tenant_id, credit.credit_note_id)
    assert used.credit_notes[0].status == "PAID"
    assert used.credit_notes[0].remaining_credit == Decimal("0.00")


def test_foreign_currency_rate_is_units_per_euro(xero: XeroClient, tag: str) -> None:  # noqa: F811
    euro = create(xero, sales_invoice(tag, [line("1", "10.00")])).invoices[0]
    assert euro.currency_code.value == "EUR" and euro.currency_rate == Decimal("1")
    pounds = create(xero, sales_invoice(tag, [line("1", "10.00")], currency_code=CurrencyCode.GBP,
                                        currency_rate=Decimal("0.85"))).invoices[0]
    assert pounds.currency_rate == Decimal("0.85")
    default = create(xero, sales_invoice(tag, [line("1", "10.00")], currency_code=CurrencyCode.USD)
                     ).invoices[0]
    assert default.currency_rate == Decimal("1.0845")  # the sandbox's fixed day rate
    refused = create(xero, sales_invoice(tag, [line("1", "10.00")], currency_code=CurrencyCode.AUD)
                     ).invoices[0]
    assert "not enabled" in refused.validation_errors[0].message


def test_updated_stamps_are_strictly_increasing(xero: XeroClient, tag: str) -> None:  # noqa: F811
    made = create(xero, *[sales_invoice(tag, [line("1", "1.00")]) for _ in range(5)]).invoices
    stamps = [i.updated_date_utc for i in made]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    assert stamps[-1] - stamps[0] < timedelta(seconds=5)
