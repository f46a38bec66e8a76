"""A new company's starting data: CompanyInfo, Preferences, chart of accounts, tax codes,
two service items. Non-US companies get one tax code per VAT rate the platform uses plus a
two-rate group (GST + PST) and an exempt code; US companies get the `TAX`/`NON` pseudo codes
and a combined state + county code, as QBO's US edition has.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.qbo.money import CURRENCY_NAMES
from sandbox.qbo.state import Company

# Value of one unit in EUR: the sandbox's exchange-rate table (QBO's own rate feed).
EUR_VALUE = {
    "EUR": Decimal("1"), "USD": Decimal("0.92"), "GBP": Decimal("1.17"),
    "CHF": Decimal("1.04"), "JPY": Decimal("0.0062"), "CAD": Decimal("0.68"),
    "AUD": Decimal("0.61"), "SEK": Decimal("0.088"), "DKK": Decimal("0.134"),
    "NOK": Decimal("0.087"), "PLN": Decimal("0.23"), "CZK": Decimal("0.04"),
}

_ACCOUNTS = [
    ("Sales", "Income", "SalesOfProductIncome"),
    ("Services", "Income", "ServiceFeeIncome"),
    ("Inventory Asset", "Other Current Asset", "Inventory"),
    ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("Discounts given", "Income", "DiscountsRefundsGiven"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Checking", "Bank", "Checking"),
]
CLASSIFICATION = {"Income": "Revenue", "Other Income": "Revenue", "Expense": "Expense",
                  "Other Expense": "Expense", "Cost of Goods Sold": "Expense", "Bank": "Asset",
                  "Other Current Asset": "Asset", "Fixed Asset": "Asset", "Other Asset": "Asset",
                  "Accounts Receivable": "Asset", "Accounts Payable": "Liability",
                  "Credit Card": "Liability", "Other Current Liability": "Liability",
                  "Long Term Liability": "Liability", "Equity": "Equity"}

_VAT_RATES = [("20", "S"), ("19", "S"), ("10", "R"), ("7", "R"), ("5.5", "R"), ("8.1", "S"),
              ("2.6", "R"), ("21", "S"), ("9", "R"), ("0", "Z")]


def exchange_rate(foreign: str, home: str) -> Decimal | None:
    """Home units per one foreign unit (QBO's `ExchangeRate` direction)."""
    if foreign not in EUR_VALUE or home not in EUR_VALUE:
        return None
    return (EUR_VALUE[foreign] / EUR_VALUE[home]).quantize(Decimal("0.000001"))


def _base(company: Company, row_id: str) -> dict[str, Any]:
    stamp = company.stamp()
    return {"domain": "QBO", "sparse": False, "Id": row_id, "SyncToken": "0",
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}}


def seed_company(company: Company) -> None:
    s = company.settings
    home = {"value": s.home_currency, "name": CURRENCY_NAMES.get(s.home_currency, s.home_currency)}
    company.save("CompanyInfo", {
        **_base(company, "1"), "CompanyName": s.company_name, "LegalName": s.company_name,
        "Country": s.country, "CompanyAddr": {"Id": "1", "Country": s.country},
        "SupportedLanguages": "en", "DefaultTimeZone": s.timezone,
        "CompanyStartDate": company.today().isoformat(), "FiscalYearStartMonth": "January",
        "NameValue": [{"Name": "IsQbdtMigrated", "Value": "false"}]})
    company.save("Preferences", {
        **_base(company, "1"),
        "AccountingInfoPrefs": {"TrackDepartments": False, "ClassTrackingPerTxn": False},
        "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDiscount": True,
                            "AllowDeposit": True, "DefaultTerms": {"value": "3"}},
        "CurrencyPrefs": {"MultiCurrencyEnabled": s.multi_currency, "HomeCurrency": home},
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": not s.us},
        "OtherPrefs": {"NameValue": [{"Name": "SalesFormsPrefs.DefaultCustomerMessage",
                                      "Value": "Thank you for your business."}]}})
    for i, (name, kind, sub) in enumerate(_ACCOUNTS, start=1):
        company.save("Account", {**_base(company, str(i)), "Name": name,
                                 "FullyQualifiedName": name, "SubAccount": False,
                                 "Active": True, "Classification": CLASSIFICATION[kind],
                                 "AccountType": kind, "AccountSubType": sub,
                                 "CurrentBalance": Decimal(0),
                                 "CurrentBalanceWithSubAccounts": Decimal(0),
                                 "CurrencyRef": home})
    company.counters["Account"] = len(_ACCOUNTS)
    if s.us:
        _seed_us_tax(company)
    else:
        _seed_vat(company)
    for i, name in enumerate(("Services", "Hours"), start=1):
        company.save("Item", {**_base(company, str(i)), "Name": name, "FullyQualifiedName": name,
                              "Active": True, "Type": "Service", "Taxable": s.us,
                              "UnitPrice": Decimal(0), "TrackQtyOnHand": False,
                              "IncomeAccountRef": {"value": "2", "name": "Services"}})
    company.counters["Item"] = 2
    company._persist_counters()


def _rate(company: Company, rate_id: str, name: str, value: Decimal) -> None:
    company.save("TaxRate", {**_base(company, rate_id), "Name": name, "Description": name,
                             "Active": True, "RateValue": value, "SpecialTaxType": "NONE",
                             "DisplayType": "ReadOnly",
                             "EffectiveTaxRate": [{"RateValue": value,
                                                   "EffectiveDate": "1970-01-01T00:00:00Z"}]})


def _code(company: Company, code_id: str, name: str, rates: list[tuple[str, str]],
          taxable: bool = True) -> None:
    detail = [{"TaxRateRef": {"value": rid, "name": rname}, "TaxTypeApplicable": "TaxOnAmount",
               "TaxOrder": 0} for rid, rname in rates]
    company.save("TaxCode", {**_base(company, code_id), "Name": name, "Description": name,
                             "Active": True, "Hidden": False, "Taxable": taxable,
                             "TaxGroup": True, "SalesTaxRateList": {"TaxRateDetail": detail},
                             "PurchaseTaxRateList": {"TaxRateDetail": []}})


def _seed_vat(company: Company) -> None:
    for i, (value, kind) in enumerate(_VAT_RATES, start=1):
        _rate(company, str(i), f"{value}% {kind}", Decimal(value))
        _code(company, str(i + 1), f"{value}% {kind}", [(str(i), f"{value}% {kind}")])
    n = len(_VAT_RATES)
    _rate(company, str(n + 1), "GST 5%", Decimal(5))
    _rate(company, str(n + 2), "PST 8%", Decimal(8))
    _code(company, str(n + 2), "GST/PST", [(str(n + 1), "GST 5%"), (str(n + 2), "PST 8%")])
    _code(company, str(n + 3), "Exempt", [(str(n), "0% Z")], taxable=False)


def _seed_us_tax(company: Company) -> None:
    _rate(company, "1", "California", Decimal("7.25"))
    _rate(company, "2", "Santa Clara County", Decimal("1.75"))
    _code(company, "TAX", "TAX", [], taxable=True)
    _code(company, "NON", "NON", [], taxable=False)
    _code(company, "2", "California Combined", [("1", "California"), ("2", "Santa Clara County")])
