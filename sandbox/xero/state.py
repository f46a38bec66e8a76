"""The tenants' books: in-memory per tenant and kind, written through to SQLite.

Records are kept in wire form (PascalCase keys, Decimal money, `/Date(…)/` dates) so reads
are a filter and a copy. One lock serialises every request's reads and writes, the way a
single Xero org applies a batch as a unit.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.common.clock import MonotonicClock
from sandbox.common.store import StateStore
from sandbox.xero import seed
from sandbox.xero.wire import ms

Record = dict[str, Any]
# kind -> the id field of its records
KINDS = {"Organisation": "OrganisationID", "Account": "AccountID", "TaxRate": "TaxType",
         "Currency": "Code", "Contact": "ContactID", "Item": "ItemID",
         "Invoice": "InvoiceID", "Payment": "PaymentID", "CreditNote": "CreditNoteID"}
TRANSACTIONAL = ("Contact", "Item", "Invoice", "Payment", "CreditNote")


def _revive(value: Any) -> Any:
    """JSON → records: money was stored as {"$d": "1.10"} to keep Decimal exact."""
    if isinstance(value, dict):
        if set(value) == {"$d"}:
            return Decimal(value["$d"])
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": f"{value:f}"}
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    return value


@dataclass
class Tenant:
    id: str
    name: str
    connection_id: str
    auth_event_id: str
    created: str
    objects: dict[str, dict[str, Record]] = field(default_factory=dict)

    def rows(self, kind: str) -> list[Record]:
        return list(self.objects.setdefault(kind, {}).values())

    def get(self, kind: str, key: str | None) -> Record | None:
        if not key:
            return None
        table = self.objects.setdefault(kind, {})
        return table.get(key) or table.get(key.lower()) or next(
            (r for k, r in table.items() if k.lower() == key.lower()), None)

    @property
    def organisation(self) -> Record:
        return self.rows("Organisation")[0]

    @property
    def base_currency(self) -> str:
        return str(self.organisation["BaseCurrency"])

    def connection(self) -> dict[str, Any]:
        return {"id": self.connection_id, "authEventId": self.auth_event_id,
                "tenantId": self.id, "tenantType": "ORGANISATION", "tenantName": self.name,
                "createdDateUtc": self.created, "updatedDateUtc": self.created}


class XeroState:
    def __init__(self, store: StateStore, clock: MonotonicClock) -> None:
        self.store, self.clock = store, clock
        self.lock = threading.RLock()
        store.execute("CREATE TABLE IF NOT EXISTS objects (tenant TEXT, kind TEXT, id TEXT, "
                      "seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL, "
                      "UNIQUE (tenant, kind, id))")
        store.execute("CREATE TABLE IF NOT EXISTS idempotency (tenant TEXT, key TEXT, "
                      "status INTEGER, body BLOB, media_type TEXT, PRIMARY KEY (tenant, key))")
        self.tenants: dict[str, Tenant] = {}
        for meta in store.get_json("tenants", []):
            self.tenants[meta["id"]] = Tenant(**meta)
        if not self.tenants:
            self._create_tenant(seed.ORG_NAME)
        latest = 0
        for tenant_id, kind, data in store.execute(
                "SELECT tenant, kind, data FROM objects ORDER BY seq"):
            record = _revive(json.loads(data))
            self.tenants[tenant_id].objects.setdefault(kind, {})[record[KINDS[kind]]] = record
            latest = max(latest, int(record.get("_updated_ms", 0)))
        clock.advance_past(datetime.fromtimestamp(latest / 1000, UTC))

    def _create_tenant(self, name: str) -> Tenant:
        created = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        tenant = Tenant(str(uuid.uuid4()), name, str(uuid.uuid4()), str(uuid.uuid4()), created)
        self.tenants[tenant.id] = tenant
        self.store.put_json("tenants", [
            {"id": t.id, "name": t.name, "connection_id": t.connection_id,
             "auth_event_id": t.auth_event_id, "created": t.created}
            for t in self.tenants.values()])
        self._seed(tenant)
        return tenant

    def _seed(self, tenant: Tenant) -> None:
        now = self.stamp_ms()
        self.put(tenant, "Organisation", [seed.organisation(tenant.id, now)])
        self.put(tenant, "Account", [{**a, "UpdatedDateUTC": f"/Date({now}+0000)/"}
                                     for a in seed.accounts()])
        self.put(tenant, "TaxRate", seed.tax_rates())
        self.put(tenant, "Currency", [{"Code": code, "Description": desc}
                                      for code, (desc, on, _r) in seed.CURRENCIES.items() if on])

    def tenant(self, tenant_id: str | None) -> Tenant | None:
        if not tenant_id:
            return None
        return self.tenants.get(tenant_id.strip().lower())

    def stamp_ms(self) -> int:
        """A strictly increasing wall-clock stamp for UpdatedDateUTC."""
        return ms(self.clock.tick())

    def put(self, tenant: Tenant, kind: str, records: Iterable[Record]) -> None:
        key = KINDS[kind]
        table = tenant.objects.setdefault(kind, {})
        rows = []
        for record in records:
            table[record[key]] = record
            rows.append((tenant.id, kind, record[key], json.dumps(_freeze(record))))
        self.store.executemany(
            "INSERT INTO objects (tenant, kind, id, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (tenant, kind, id) DO UPDATE SET data = excluded.data", rows)

    def next_number(self, tenant: Tenant, prefix: str) -> str:
        counters = self.store.get_json(f"numbers/{tenant.id}", {})
        counters[prefix] = counters.get(prefix, 0) + 1
        self.store.put_json(f"numbers/{tenant.id}", counters)
        return f"{prefix}-{counters[prefix]:04d}"

    def remembered(self, tenant: Tenant, key: str) -> tuple[int, bytes, str] | None:
        row = self.store.execute(
            "SELECT status, body, media_type FROM idempotency WHERE tenant = ? AND key = ?",
            (tenant.id, key)).fetchone()
        return (int(row[0]), bytes(row[1]), str(row[2])) if row else None

    def remember(self, tenant: Tenant, key: str, status: int, body: bytes, media_type: str) -> None:
        self.store.execute("INSERT OR IGNORE INTO idempotency VALUES (?, ?, ?, ?, ?)",
                           (tenant.id, key, status, body, media_type))

    def wipe(self) -> None:
        """Control-plane reset: drop contacts, items, documents, payments, idempotency keys
        and numbering; chart of accounts, tax rates and currencies are re-seeded."""
        with self.lock:
            self.store.execute("DELETE FROM objects")
            self.store.execute("DELETE FROM idempotency")
            for tenant in self.tenants.values():
                tenant.objects.clear()
                self.store.put_json(f"numbers/{tenant.id}", {})
                self._seed(tenant)
