"""The sandbox platform's tables: the contract the platform extractor is written against.

Everything the old system stores is TEXT the way it was typed (money, rates, currency,
country); timestamps are naive Europe/Berlin 'YYYY-MM-DD HH:MM:SS'. Tables prefixed
`truth_` plus `dirt` are ground truth for tests and never part of the "real" platform.
Indexes are created after the bulk load (`INDEXES`), which is several times faster.
"""

from __future__ import annotations

import sqlite3

TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE sales_reps (
    id INTEGER PRIMARY KEY, name TEXT, email TEXT, salesforce_user_id TEXT NULL,
    active INTEGER, login TEXT
);
CREATE TABLE companies (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, vat_id TEXT, trade_register_no TEXT,
    street TEXT, postal_code TEXT, city TEXT, country TEXT, phone TEXT, email TEXT,
    website TEXT, industry TEXT, customer_status TEXT, sales_rep_id INTEGER NULL,
    currency TEXT, credit_limit TEXT, created_at TEXT, updated_at TEXT, deleted_at TEXT NULL
);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY, company_id INTEGER, first_name TEXT, last_name TEXT, email TEXT,
    phone TEXT, mobile TEXT, title TEXT, last_contacted TEXT, created_at TEXT,
    updated_at TEXT, deleted_at TEXT NULL
);
CREATE TABLE items (
    id INTEGER PRIMARY KEY, sku TEXT, name TEXT, description TEXT, item_type TEXT,
    unit_price TEXT, currency TEXT, tax_rate TEXT, active INTEGER, created_at TEXT,
    updated_at TEXT
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY, invoice_number TEXT UNIQUE, company_id INTEGER, issue_date TEXT,
    due_date TEXT, currency TEXT, status TEXT, discount TEXT, created_at TEXT, updated_at TEXT
);
CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY, invoice_id INTEGER, line_no INTEGER, item_id INTEGER NULL,
    description TEXT, quantity TEXT, unit_price TEXT, tax_rate TEXT, discount TEXT
);
CREATE TABLE edit_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, table_name TEXT, record_id INTEGER, field TEXT NULL,
    old_value TEXT, new_value TEXT, changed_at TEXT, changed_by TEXT, action TEXT
);
CREATE TABLE truth_companies (
    company_id INTEGER PRIMARY KEY, entity_id INTEGER, country_code TEXT, vat_id TEXT
);
CREATE TABLE truth_contacts (contact_id INTEGER PRIMARY KEY, person_id INTEGER);
CREATE TABLE dirt (table_name TEXT, record_id INTEGER, field TEXT, kind TEXT);
"""

STAGING = """
CREATE TABLE stage.edit_staging (
    sort_key INTEGER, seq INTEGER, table_name TEXT, record_id INTEGER, field TEXT,
    old_value TEXT, new_value TEXT, changed_at TEXT, changed_by TEXT, action TEXT
);
"""

INDEXES = {
    "ix_companies_updated_at": "companies(updated_at)",
    "ix_contacts_updated_at": "contacts(updated_at)",
    "ix_contacts_company_id": "contacts(company_id)",
    "ix_invoices_updated_at": "invoices(updated_at)",
    "ix_invoices_company_id": "invoices(company_id)",
    "ix_invoice_lines_invoice_id": "invoice_lines(invoice_id)",
    "ix_items_updated_at": "items(updated_at)",
    "ix_edit_history_changed_at": "edit_history(changed_at)",
    "ix_edit_history_record": "edit_history(table_name, record_id)",
    "ix_dirt_kind": "dirt(kind)",
    "ix_dirt_record": "dirt(table_name, record_id)",
    "ix_truth_companies_entity": "truth_companies(entity_id)",
    "ix_truth_contacts_person": "truth_contacts(person_id)",
}

PLATFORM_TABLES = ("sales_reps", "companies", "contacts", "items", "invoices", "invoice_lines",
                   "edit_history")
TRUTH_TABLES = ("truth_companies", "truth_contacts", "dirt")


def create_tables(conn: sqlite3.Connection) -> None:
    conn.executescript(TABLES)


def create_indexes(conn: sqlite3.Connection) -> None:
    for name, target in INDEXES.items():
        conn.execute(f"CREATE INDEX {name} ON {target}")
