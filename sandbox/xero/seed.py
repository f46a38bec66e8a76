"""The seeded organisation: a EUR-based company with a UK-style chart of accounts and tax
rates (OUTPUT2/INPUT2 20 %, reduced 5 %, exempt and zero-rated 0 %) plus the German 19 %/7 %
rates an org adds itself (Xero names user-made rates TAX001, TAX002, …)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

BASE_CURRENCY = "EUR"
ORG_NAME = "Concord Sandbox GmbH"

# Code, Name, Type, TaxType, extra
_ACCOUNTS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("090", "Business Bank Account", "BANK", "NONE",
     {"BankAccountNumber": "DE89370400440532013000", "BankAccountType": "BANK",
      "CurrencyCode": "EUR"}),
    ("091", "Business Savings Account", "BANK", "NONE",
     {"BankAccountNumber": "DE02120300000000202051", "BankAccountType": "BANK",
      "CurrencyCode": "EUR"}),
    ("092", "USD Account", "BANK", "NONE",
     {"BankAccountNumber": "US-0001-7788", "BankAccountType": "BANK", "CurrencyCode": "USD"}),
    ("200", "Sales", "REVENUE", "OUTPUT2", {}),
    ("201", "Sales Germany", "REVENUE", "TAX001", {}),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", {}),
    ("270", "Interest Income", "REVENUE", "EXEMPTOUTPUT", {}),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", {}),
    ("400", "Advertising", "OVERHEADS", "INPUT2", {}),
    ("404", "Bank Fees", "OVERHEADS", "EXEMPTINPUT", {}),
    ("408", "Cleaning", "OVERHEADS", "INPUT2", {}),
    ("412", "Consulting & Accounting", "EXPENSE", "INPUT2", {}),
    ("429", "General Expenses", "OVERHEADS", "INPUT2", {}),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT2", {}),
    ("469", "Rent", "OVERHEADS", "INPUT2", {}),
    ("610", "Accounts Receivable", "CURRENT", "NONE", {"SystemAccount": "DEBTORS"}),
    ("630", "Inventory", "INVENTORY", "NONE", {}),
    ("710", "Office Equipment", "FIXED", "INPUT2", {}),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", {"SystemAccount": "CREDITORS"}),
    ("820", "VAT", "CURRLIAB", "NONE", {"SystemAccount": "GST"}),
    ("960", "Retained Earnings", "EQUITY", "NONE", {"SystemAccount": "RETAINEDEARNINGS"}),
    ("970", "Owner A Funds Introduced", "EQUITY", "NONE", {}),
]
_CLASS = {"BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
          "CURRLIAB": "LIABILITY", "EQUITY": "EQUITY", "REVENUE": "REVENUE", "SALES": "REVENUE",
          "OTHERINCOME": "REVENUE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE",
          "OVERHEADS": "EXPENSE"}

# TaxType, Name, ReportTaxType, rate %, applies to revenue (else expenses)
_TAX_RATES: list[tuple[str, str, str, str, bool | None]] = [
    ("OUTPUT2", "20% (VAT on Income)", "OUTPUT", "20.0000", True),
    ("INPUT2", "20% (VAT on Expenses)", "INPUT", "20.0000", False),
    ("RROUTPUT", "5% (VAT on Income)", "OUTPUT", "5.0000", True),
    ("RRINPUT", "5% (VAT on Expenses)", "INPUT", "5.0000", False),
    ("ZERORATEDOUTPUT", "Zero Rated Income", "ZERORATEDOUTPUT", "0.0000", True),
    ("ZERORATEDINPUT", "Zero Rated Expenses", "ZERORATEDINPUT", "0.0000", False),
    ("EXEMPTOUTPUT", "Exempt Income", "EXEMPTOUTPUT", "0.0000", True),
    ("EXEMPTINPUT", "Exempt Expenses", "EXEMPTINPUT", "0.0000", False),
    ("NONE", "No VAT", "NONE", "0.0000", None),
    ("TAX001", "USt 19%", "OUTPUT", "19.0000", True),
    ("TAX002", "USt 7%", "OUTPUT", "7.0000", True),
    ("TAX003", "Vorsteuer 19%", "INPUT", "19.0000", False),
    ("TAX004", "Vorsteuer 7%", "INPUT", "7.0000", False),
]

# Code -> (Description, enabled at start, stand-in "XE.com day rate": units per 1 EUR)
CURRENCIES: dict[str, tuple[str, bool, Decimal]] = {
    "EUR": ("Euro", True, Decimal(1)),
    "GBP": ("British Pound", True, Decimal("0.852300")),
    "USD": ("United States Dollar", True, Decimal("1.084500")),
    "CHF": ("Swiss Franc", True, Decimal("0.941200")),
    "JPY": ("Japanese Yen", True, Decimal("162.370000")),
    "AUD": ("Australian Dollar", False, Decimal("1.652100")),
    "CAD": ("Canadian Dollar", False, Decimal("1.471900")),
    "SEK": ("Swedish Krona", False, Decimal("11.412000")),
    "DKK": ("Danish Krone", False, Decimal("7.459800")),
    "PLN": ("Polish Zloty", False, Decimal("4.318700")),
}


def accounts() -> list[dict[str, Any]]:
    rows = []
    for code, name, kind, tax_type, extra in _ACCOUNTS:
        rows.append({
            "AccountID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"xero-sandbox/account/{code}")),
            "Code": code, "Name": name, "Type": kind, "TaxType": tax_type, "Status": "ACTIVE",
            "Class": _CLASS[kind], "EnablePaymentsToAccount": kind == "BANK",
            "ShowInExpenseClaims": _CLASS[kind] == "EXPENSE", "HasAttachments": False,
            "ReportingCode": f"{_CLASS[kind][:3]}", "AddToWatchlist": False,
            "BankAccountType": "", **extra,
        })
    return rows


def tax_rates() -> list[dict[str, Any]]:
    rows = []
    for tax_type, name, report, rate, revenue in _TAX_RATES:
        rows.append({
            "Name": name, "TaxType": tax_type, "ReportTaxType": report, "Status": "ACTIVE",
            "TaxComponents": [{"Name": "VAT", "Rate": Decimal(rate), "IsCompound": False,
                               "IsNonRecoverable": False}],
            "CanApplyToAssets": revenue is not True, "CanApplyToEquity": revenue is not True,
            "CanApplyToExpenses": revenue is not True, "CanApplyToLiabilities": True,
            "CanApplyToRevenue": revenue is not False,
            "DisplayTaxRate": Decimal(rate), "EffectiveRate": Decimal(rate),
        })
    return rows


def organisation(tenant_id: str, created_ms: int) -> dict[str, Any]:
    return {
        "OrganisationID": tenant_id, "APIKey": "", "Name": ORG_NAME,
        "LegalName": ORG_NAME, "PaysTax": True, "Version": "GLOBAL",
        "OrganisationType": "COMPANY", "BaseCurrency": BASE_CURRENCY, "CountryCode": "DE",
        "IsDemoCompany": False, "OrganisationStatus": "ACTIVE", "RegistrationNumber": "HRB 12345",
        "TaxNumber": "DE123456789", "FinancialYearEndDay": 31, "FinancialYearEndMonth": 12,
        "SalesTaxBasis": "ACCRUALS", "SalesTaxPeriod": "MONTHLY",
        "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": f"/Date({created_ms}+0000)/", "Timezone": "WEUROPESTANDARDTIME",
        "OrganisationEntityType": "COMPANY", "ShortCode": "!cOnC0", "Class": "STANDARD",
        "Edition": "BUSINESS", "LineOfBusiness": "Field services",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "Hafenstraße 1",
                       "City": "Hamburg", "PostalCode": "20457", "Country": "Germany"}],
        "Phones": [], "ExternalLinks": [],
        "PaymentTerms": {"Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
                         "Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}},
    }
