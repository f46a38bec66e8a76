"""Ledger revisions; alembic skips this file."""
