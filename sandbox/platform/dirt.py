"""The defects the generator injects, how often, and what share of rows that makes.

`RATES` are the knobs (a per-row probability, or per eligible row where noted);
`claimed_rates()` turns them into the share of the table's rows expected to carry
each kind, which is what the meta table claims and the acceptance test measures.
Every injected defect is one row in the `dirt` table (table, record id, field, kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.platform.countries import BY_CODE


@dataclass(frozen=True)
class DirtKind:
    table: str
    field: str | None
    meaning: str


KINDS: dict[str, DirtKind] = {
    "company_duplicate": DirtKind("companies", None, "second/third row of one real company"),
    "company_vat_invalid": DirtKind("companies", "vat_id", "check digit does not match"),
    "company_vat_format": DirtKind("companies", "vat_id",
                                   "valid id typed with spaces, lower case or no prefix"),
    "company_email_invalid": DirtKind("companies", "email", "not an e-mail address"),
    "company_phone_invalid": DirtKind("companies", "phone", "not a phone number"),
    "company_currency_spelling": DirtKind("companies", "currency", "symbol/word, not ISO"),
    "company_country_spelling": DirtKind("companies", "country", "name/word, not ISO code"),
    "company_credit_limit_format": DirtKind("companies", "credit_limit",
                                            "German/English thousands style"),
    "company_industry_unknown": DirtKind("companies", "industry",
                                         "not in Salesforce's Industry picklist"),
    "company_name_too_long": DirtKind("companies", "name", "longer than 255 characters"),
    "company_street_too_long": DirtKind("companies", "street", "longer than 255 characters"),
    "company_rep_unmapped": DirtKind("companies", "sales_rep_id",
                                     "rep has no Salesforce user"),
    "company_rep_inactive": DirtKind("companies", "sales_rep_id",
                                     "rep's Salesforce user is inactive"),
    "company_rep_missing": DirtKind("companies", "sales_rep_id", "no sales rep"),
    "company_deleted": DirtKind("companies", "deleted_at", "soft-deleted"),
    "contact_duplicate": DirtKind("contacts", None,
                                  "same person twice in one company row"),
    "contact_cross_duplicate": DirtKind("contacts", None,
                                        "same person under a duplicate company row"),
    "contact_email_invalid": DirtKind("contacts", "email", "not an e-mail address"),
    "contact_email_missing": DirtKind("contacts", "email", "no e-mail address"),
    "contact_last_contacted_iso": DirtKind("contacts", "last_contacted",
                                           "ISO instead of German format"),
    "contact_last_contacted_nonexistent": DirtKind(
        "contacts", "last_contacted", "local time inside the spring-forward gap"),
    "contact_deleted": DirtKind("contacts", "deleted_at", "soft-deleted"),
    "item_price_format": DirtKind("items", "unit_price", "German/English thousands style"),
    "item_currency_spelling": DirtKind("items", "currency", "symbol/word, not ISO"),
    "item_tax_rate_spelling": DirtKind("items", "tax_rate", "'19%', '0.19', '19,0'..."),
    "item_tax_rate_invalid": DirtKind("items", "tax_rate", "garbage or shifted decimal"),
    "invoice_currency_spelling": DirtKind("invoices", "currency", "symbol/word, not ISO"),
    "invoice_discount_spelling": DirtKind("invoices", "discount", "'5%', '0.05', ''..."),
    "line_price_format": DirtKind("invoice_lines", "unit_price", "German thousands style"),
    "line_tax_rate_spelling": DirtKind("invoice_lines", "tax_rate", "'19%', '0.19'..."),
    "line_tax_rate_invalid": DirtKind("invoice_lines", "tax_rate",
                                      "garbage or shifted decimal"),
    "line_discount_spelling": DirtKind("invoice_lines", "discount", "'10%', '0.1', ''..."),
}

RATES: dict[str, float] = {
    "company_duplicate": 0.03,
    "company_vat_invalid": 0.03,  # of rows that have a VAT id
    "company_vat_format": 0.03,  # of non-duplicate rows with a VAT id
    "company_email_invalid": 0.03,
    "company_phone_invalid": 0.02,
    "company_currency_spelling": 0.30,
    "company_country_spelling": 0.35,
    "company_credit_limit_format": 0.10,
    "company_industry_unknown": 0.04,
    "company_name_too_long": 0.01,
    "company_street_too_long": 0.01,
    "company_rep_unmapped": 0.03,
    "company_rep_inactive": 0.03,
    "company_rep_missing": 0.03,
    "company_deleted": 0.02,
    "contact_duplicate": 0.03,
    "contact_email_invalid": 0.03,
    "contact_email_missing": 0.05,
    "contact_last_contacted_iso": 0.10,
    "contact_last_contacted_nonexistent": 0.005,
    "contact_deleted": 0.02,
    "item_price_format": 0.10,
    "item_currency_spelling": 0.10,
    "item_tax_rate_spelling": 0.30,
    "item_tax_rate_invalid": 0.03,
    "invoice_currency_spelling": 0.20,
    "invoice_discount_spelling": 0.05,
    "line_price_format": 0.01,
    "line_tax_rate_spelling": 0.25,
    "line_tax_rate_invalid": 0.01,
    "line_discount_spelling": 0.05,
}

# Structural constants the claims depend on.
VAT_MISSING = 0.10  # companies (outside the US) whose VAT id was never entered
DUP_VAT_VARIANT = 0.5  # duplicate rows whose VAT id is typed differently
CROSS_SHARE = 0.5  # contacts of a duplicate row that are people of the original row
CONTACTS_PER_ROW = ((1, 0.35), (2, 0.35), (3, 0.2), (4, 0.1))


def mean_contacts() -> float:
    return sum(n * p for n, p in CONTACTS_PER_ROW)


def within_duplicate_probability(rates: dict[str, float] = RATES) -> float:
    """Per-position chance for positions after the first, so the per-row share is the rate."""
    mean = mean_contacts()
    return rates["contact_duplicate"] * mean / (mean - 1)


def share_with_vat() -> float:
    return sum(c.weight for c in BY_CODE.values() if c.code != "US") * (1 - VAT_MISSING)


def claimed_rates(rates: dict[str, float] = RATES) -> dict[str, float]:
    """Expected share of its table's rows carrying each kind of dirt."""
    claims = dict(rates)
    has_vat = share_with_vat()
    dup = rates["company_duplicate"]
    claims["company_vat_invalid"] = rates["company_vat_invalid"] * has_vat
    claims["company_vat_format"] = has_vat * (
        dup * DUP_VAT_VARIANT + (1 - dup) * rates["company_vat_format"])
    claims["contact_cross_duplicate"] = dup * (1 - rates["contact_duplicate"]) * CROSS_SHARE
    return {k: round(claims[k], 6) for k in KINDS}
