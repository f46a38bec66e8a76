"""The sandbox's companies (realms): entities, tombstones, ids, `requestid` replays.

Each realm is one QBO company. The working set lives in memory and every change is written
through to SQLite in the state dir, so a restart resumes the same companies. Handlers hold
`store.lock` for a whole request, which makes each request atomic.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.common.store import StateStore
from sandbox.qbo import wire
from sandbox.qbo.faults import object_not_found

Entity = dict[str, Any]
ENTITY_NAMES = ("Account", "Customer", "Item", "Invoice", "Payment", "TaxCode", "TaxRate",
                "CompanyInfo", "Preferences")
BY_LOWER = {name.lower(): name for name in ENTITY_NAMES}


@dataclass
class RealmSettings:
    realm_id: str
    company_name: str
    country: str
    home_currency: str
    multi_currency: bool
    timezone: str

    @property
    def us(self) -> bool:
        return self.country == "US"


@dataclass
class Company:
    """One realm: its settings, live entities and delete tombstones (for CDC)."""

    settings: RealmSettings
    store: StateStore
    entities: dict[str, dict[str, Entity]] = field(default_factory=dict)
    tombstones: dict[str, dict[str, Entity]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def realm_id(self) -> str:
        return self.settings.realm_id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    # ----- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC)

    def stamp(self) -> str:
        return wire.render_stamp(self.now(), self.tz)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def time(self) -> str:
        return wire.render_time(self.now(), self.tz)

    # ----- lookup ----------------------------------------------------------------------------
    def rows(self, entity: str) -> dict[str, Entity]:
        return self.entities.setdefault(entity, {})

    def find(self, entity: str, entity_id: str | None) -> Entity | None:
        if entity_id is None:
            return None
        return self.rows(entity).get(str(entity_id))

    def require(self, entity: str, ref: Any, *, active: bool = True) -> Entity:
        """A referenced entity (`{"value": id}` or id); 610 when missing or inactive."""
        entity_id = ref.get("value") if isinstance(ref, dict) else ref
        row = self.find(entity, None if entity_id is None else str(entity_id))
        if row is None or (active and row.get("Active") is False):
            raise object_not_found(f"{entity} {entity_id}")
        return row

    def ref(self, entity: str, entity_id: str, name_field: str = "Name") -> dict[str, str]:
        row = self.find(entity, entity_id)
        out = {"value": str(entity_id)}
        if row is not None and row.get(name_field):
            out["name"] = str(row[name_field])
        return out

    # ----- writes ----------------------------------------------------------------------------
    def next_id(self, entity: str) -> str:
        key = "Txn" if entity in ("Invoice", "Payment") else entity
        n = self.counters.get(key, 0) + 1
        self.counters[key] = n
        self._persist_counters()
        return str(n)

    def next_doc_number(self) -> str:
        n = self.counters.get("DocNumber", 1000) + 1
        self.counters["DocNumber"] = n
        self._persist_counters()
        return str(n)

    def save(self, entity: str, row: Entity) -> None:
        self.rows(entity)[row["Id"]] = row
        self.store.execute(
            "INSERT INTO entities (realm, entity, id, data, deleted) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT(realm, entity, id) DO UPDATE SET data = excluded.data, deleted = 0",
            (self.realm_id, entity, row["Id"], wire.dumps(row)))

    def delete(self, entity: str, row: Entity) -> Entity:
        self.rows(entity).pop(row["Id"], None)
        tomb = {"domain": "QBO", "status": "Deleted", "Id": row["Id"],
                "MetaData": {"LastUpdatedTime": self.stamp()}}
        self.tombstones.setdefault(entity, {})[row["Id"]] = tomb
        self.store.execute(
            "INSERT INTO entities (realm, entity, id, data, deleted) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT(realm, entity, id) DO UPDATE SET data = excluded.data, deleted = 1",
            (self.realm_id, entity, row["Id"], wire.dumps(tomb)))
        return tomb

    def _persist_counters(self) -> None:
        self.store.put_json(f"counters:{self.realm_id}", self.counters)

    # ----- requestid replay ------------------------------------------------------------------
    def replay(self, request_id: str) -> tuple[int, str] | None:
        row = self.store.execute(
            "SELECT status, body FROM replays WHERE realm = ? AND request_id = ?",
            (self.realm_id, request_id)).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def remember(self, request_id: str, status: int, body: str) -> None:
        self.store.execute(
            "INSERT OR IGNORE INTO replays (realm, request_id, status, body) VALUES (?, ?, ?, ?)",
            (self.realm_id, request_id, status, body))

    def changed_since(self, entity: str, since: datetime) -> Iterator[Entity]:
        for row in list(self.rows(entity).values()) + list(
                self.tombstones.get(entity, {}).values()):
            stamp = wire.parse_stamp(row["MetaData"]["LastUpdatedTime"])
            if stamp is not None and stamp >= since:
                yield row


class SandboxState:
    """All realms plus the store they persist to."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.lock = store.lock
        self.companies: dict[str, Company] = {}
        store.execute("CREATE TABLE IF NOT EXISTS realms (realm TEXT PRIMARY KEY, data TEXT)")
        store.execute("CREATE TABLE IF NOT EXISTS entities (realm TEXT, entity TEXT, id TEXT, "
                      "data TEXT, deleted INTEGER, PRIMARY KEY (realm, entity, id))")
        store.execute("CREATE TABLE IF NOT EXISTS replays (realm TEXT, request_id TEXT, "
                      "status INTEGER, body TEXT, PRIMARY KEY (realm, request_id))")
        self._load()

    def _load(self) -> None:
        for realm_id, data in self.store.execute("SELECT realm, data FROM realms").fetchall():
            settings = RealmSettings(**json.loads(data))
            company = Company(settings, self.store)
            company.counters = dict(self.store.get_json(f"counters:{realm_id}", {}))
            self.companies[realm_id] = company
        rows = self.store.execute("SELECT realm, entity, id, data, deleted FROM entities")
        for realm_id, entity, entity_id, data, deleted in rows.fetchall():
            company = self.companies.get(realm_id)
            if company is None:
                continue
            target = company.tombstones if deleted else company.entities
            target.setdefault(entity, {})[entity_id] = wire.loads(data)

    def add_realm(self, *, company_name: str, country: str, home_currency: str,
                  multi_currency: bool, timezone: str) -> Company:
        with self.lock:
            realm_id = str(9130350000000000 + secrets.randbelow(10**9))
            settings = RealmSettings(realm_id, company_name, country.upper(),
                                     home_currency.upper(), multi_currency, timezone)
            self.store.execute("INSERT INTO realms (realm, data) VALUES (?, ?)",
                               (realm_id, json.dumps(settings.__dict__)))
            company = Company(settings, self.store)
            self.companies[realm_id] = company
            return company

    def company(self, realm_id: str) -> Company | None:
        return self.companies.get(realm_id)


def cdc_cutoff(now: datetime, days: int = 30) -> datetime:
    return now - timedelta(days=days)
