"""The org's state: records, unique indexes, users, tokens, API usage, bulk jobs.

The working set lives in memory (queries over 10,000 rows stay fast) and every change is
written through to SQLite in the state dir, so a restart resumes the same org.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.common.clock import MonotonicClock
from sandbox.common.store import StateStore
from sandbox.reference import HOUSE_ACCOUNT_OWNER, INTEGRATION_USER, SALESFORCE_USERS, sf_id
from sandbox.salesforce import schema
from sandbox.salesforce.values import parse_datetime, render_datetime

ORG_ID = sf_id("00D", 1)
DEFAULT_DAILY_LIMIT = 100_000
Record = dict[str, Any]
# built once, compact: a bulk job persists every record it wrote (only `_load` reads it back)
_encode_record = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(frozen=True)
class Session:
    token: str
    user_id: str


class OrgState:
    def __init__(self, store: StateStore, clock: MonotonicClock, *,
                 daily_limit: int | None = None, token_ttl: float | None = None) -> None:
        self.store = store
        self.lock = store.lock
        self.clock = clock
        self.token_ttl = token_ttl
        self.records: dict[str, dict[str, Record]] = {o.name: {} for o in schema.SOBJECTS.values()}
        self.unique: dict[tuple[str, str], dict[str, str]] = {}
        self.cursors: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        # read once: a read and a write of the kv store per id made bulk inserts crawl
        self._id_counters: dict[str, int] = store.get_json("id_counters", {})
        store.execute("CREATE TABLE IF NOT EXISTS records "
                      "(id TEXT PRIMARY KEY, sobject TEXT NOT NULL, data TEXT NOT NULL)")
        store.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        store.execute("CREATE TABLE IF NOT EXISTS tokens "
                      "(token TEXT PRIMARY KEY, user_id TEXT NOT NULL, issued_at REAL NOT NULL, "
                      "epoch INTEGER NOT NULL)")
        self._load()
        if daily_limit is not None:
            self.set_usage(maximum=daily_limit)

    # ----- loading and seeding -------------------------------------------------------------
    def _load(self) -> None:
        latest = None
        for sobject, data in self.store.execute("SELECT sobject, data FROM records"):
            record = json.loads(data)
            self.records[sobject][record["Id"]] = record
            stamp = parse_datetime(record["SystemModstamp"])
            latest = stamp if latest is None or (stamp and stamp > latest) else latest
        if latest is not None:
            self.clock.advance_past(latest)
        for job_id, data in self.store.execute("SELECT id, data FROM jobs"):
            self.jobs[job_id] = json.loads(data)
        self._rebuild_indexes()
        if not self.records["User"]:
            self._seed_users()
        self.credentials()  # create on first start

    def _seed_users(self) -> None:
        stamp = render_datetime(self.clock.tick())
        for user in (*SALESFORCE_USERS, INTEGRATION_USER):
            first, _, last = user.name.partition(" ")
            record = {
                "Id": user.id, "IsDeleted": False, "Username": user.username,
                "LastName": last or first, "FirstName": first if last else None,
                "Name": user.name, "Email": user.email, "Alias": (first[:1] + last[:4]).lower(),
                "IsActive": user.is_active, "TimeZoneSidKey": "Europe/Berlin",
                "CreatedDate": stamp, "CreatedById": HOUSE_ACCOUNT_OWNER.id,
                "LastModifiedDate": stamp, "LastModifiedById": HOUSE_ACCOUNT_OWNER.id,
                "SystemModstamp": stamp,
            }
            self.records["User"][user.id] = record
        self.persist("User", list(self.records["User"]))

    def _rebuild_indexes(self) -> None:
        self.unique = {}
        for o in schema.SOBJECTS.values():
            for f in o.fields:
                if f.unique:
                    index = self.unique.setdefault((o.name, f.name), {})
                    for record in self.records[o.name].values():
                        value = record.get(f.name)
                        if value and not record.get("IsDeleted"):
                            index[str(value).lower()] = record["Id"]

    # ----- ids, persistence ----------------------------------------------------------------
    def new_id(self, prefix: str, *, deferred: bool = False) -> str:
        """The next id for `prefix`. `deferred` leaves saving the counter to the caller's
        `save_id_counters()` (a write batch saves it once, in its own transaction)."""
        with self.lock:
            n = self._id_counters.get(prefix, 0) + 1
            self._id_counters[prefix] = n
            if not deferred:
                self.save_id_counters()
            return sf_id(prefix, n + 1000)

    def save_id_counters(self) -> None:
        """Persist the counters, so a restart never hands out an id twice."""
        with self.lock:
            self.store.put_json("id_counters", self._id_counters)

    def persist(self, sobject: str, ids: Iterable[str]) -> None:
        rows = [(rid, sobject, _encode_record(self.records[sobject][rid])) for rid in ids]
        self.store.executemany(
            "INSERT INTO records (id, sobject, data) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data", rows)

    def persist_job(self, job: dict[str, Any]) -> None:
        self.jobs[job["id"]] = job
        self.store.execute(
            "INSERT INTO jobs (id, data) VALUES (?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data", (job["id"], json.dumps(job)))

    def delete_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.store.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def wipe(self) -> None:
        """Control plane reset: drop every record except users, and all bulk jobs."""
        with self.lock:
            for name, rows in self.records.items():
                if name != "User":
                    rows.clear()
            self.jobs.clear()
            self.cursors.clear()
            self.store.execute("DELETE FROM records WHERE sobject != 'User'")
            self.store.execute("DELETE FROM jobs")
            self._rebuild_indexes()

    def find(self, record_id: str) -> tuple[schema.SObjectDef, Record] | None:
        o = schema.BY_PREFIX.get(record_id[:3])
        if o is None:
            return None
        record = self.records[o.name].get(record_id)
        return (o, record) if record is not None else None

    def user(self, user_id: str) -> Record | None:
        return self.records["User"].get(user_id)

    # ----- credentials and tokens ----------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        with self.lock:
            creds = self.store.get_json("credentials")
            if creds is None:
                creds = {
                    "client_id": "3MVG9sandbox." + secrets.token_urlsafe(24),
                    "client_secret": secrets.token_hex(32),
                    "username": HOUSE_ACCOUNT_OWNER.username,
                    "password": secrets.token_urlsafe(12),
                }
                self.store.put_json("credentials", creds)
            return dict(creds)

    def token_epoch(self) -> int:
        return int(self.store.get_json("token_epoch", 0))

    def issue_token(self, user_id: str) -> tuple[str, datetime]:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(72)}"
        issued = self.clock.now()
        self.store.execute("INSERT INTO tokens VALUES (?, ?, ?, ?)",
                           (token, user_id, issued.timestamp(), self.token_epoch()))
        return token, issued

    def session(self, token: str) -> Session | None:
        row = self.store.execute(
            "SELECT user_id, issued_at, epoch FROM tokens WHERE token = ?", (token,)).fetchone()
        if row is None or row[2] != self.token_epoch():
            return None
        if self.token_ttl is not None and self.clock.now().timestamp() - row[1] > self.token_ttl:
            return None
        return Session(token, row[0])

    def ready_token(self) -> str:
        """The `access_token` of the ready line: reused across restarts while still valid."""
        with self.lock:
            token = self.store.get_json("ready_token")
            if token is None or self.session(token) is None:
                token, _ = self.issue_token(HOUSE_ACCOUNT_OWNER.id)
                self.store.put_json("ready_token", token)
            return token

    def expire_tokens(self) -> int:
        with self.lock:
            epoch = self.token_epoch() + 1
            self.store.put_json("token_epoch", epoch)
            return epoch

    # ----- daily API usage -----------------------------------------------------------------
    def usage(self) -> dict[str, int]:
        return dict(self.store.get_json("usage", {"used": 0, "max": DEFAULT_DAILY_LIMIT}))

    def set_usage(self, *, used: int | None = None, maximum: int | None = None) -> dict[str, int]:
        with self.lock:
            usage = self.usage()
            if maximum is not None:
                usage["max"] = int(maximum)
            if used is not None:
                usage["used"] = int(used)
            self.store.put_json("usage", usage)
            return usage

    def charge_call(self) -> tuple[bool, dict[str, int]]:
        """Count one API request; False when the daily allowance is already used up."""
        with self.lock:
            usage = self.usage()
            if usage["used"] >= usage["max"]:
                return False, usage
            usage["used"] += 1
            self.store.put_json("usage", usage)
            return True, usage
