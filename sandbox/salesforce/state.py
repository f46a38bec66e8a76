"""The org's state: records, unique indexes, users, tokens, API usage, bulk jobs.

The working set lives in memory (queries over 10,000 rows stay fast) and every change is
written through to SQLite in the state dir, so a restart resumes the same org.
"""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sandbox.common.clock import MonotonicClock
from sandbox.common.store import StateStore
from sandbox.reference import (
    BASE62,
    CHECKSUM_ALPHABET,
    HOUSE_ACCOUNT_OWNER,
    INTEGRATION_USER,
    SALESFORCE_USERS,
    sf_id,
)
from sandbox.salesforce import schema
from sandbox.salesforce.values import parse_datetime, render_datetime

ORG_ID = sf_id("00D", 1)
DEFAULT_DAILY_LIMIT = 100_000
Record = dict[str, Any]
# built once, compact: a bulk job persists every record it wrote (only `_load` reads it back)
_encode_record = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

JOB_PAYLOADS = ("_data", "_success", "_failed", "_unprocessed", "_rows")
"""A bulk job's big parts (the uploaded CSV, the result CSVs, a query's rows), persisted
apart from its fields."""
_JSON_PAYLOADS = frozenset({"_rows"})  # the others are text as they are

SYSTEM_FIELDS = frozenset({"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
                           "LastModifiedById", "SystemModstamp"})
_STAMP_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                 "SystemModstamp")
# What a new record starts from, per sObject (copied per insert; the Id is filled in).
BLANK_RECORDS: dict[str, Record] = {
    o.name: {"Id": None, "IsDeleted": False,
             **{f.name: False if f.type == "boolean" else None for f in o.fields
                if f.name not in SYSTEM_FIELDS}}
    for o in schema.SOBJECTS.values()
}


def _layout(sobject: str) -> tuple[str, tuple[str, ...]]:
    """(tag, field names) of the key order every inserted record has: the blank record's,
    then the stamps `WriteBatch.insert` adds. The tag names the list for the stored rows."""
    names = (*BLANK_RECORDS[sobject], *_STAMP_FIELDS)
    return f"{sobject}/{zlib.crc32(chr(0).join(names).encode()):08x}", names


# A record with its sObject's standard key order is stored as a JSON array, [tag, values…]:
# encoding (and decoding) ~50 keys per record was most of a bulk job's persistence time.
# Any other record is stored as a JSON object, as before.
_LAYOUTS: dict[str, tuple[str, tuple[str, ...]]] = {
    o.name: _layout(o.name) for o in schema.SOBJECTS.values()}


# the last two base-62 digits of an id, and their bits in the last checksum character
_PAIRS = [(a + b, ("A" <= a <= "Z") << 3 | ("A" <= b <= "Z") << 4)
          for a in BASE62 for b in BASE62]


@lru_cache(maxsize=64)
def _id_head(prefix: str, high: int) -> tuple[str, str, int]:
    """For ids `high * 3844 + (0..3843)`: their first 13 characters, first two checksum
    characters and the bits the first 13 give the third (all from `sf_id` itself)."""
    full = sf_id(prefix, high * 3844)
    return full[:13], full[15:17], CHECKSUM_ALPHABET.index(full[17])


def _format_id(prefix: str, n: int) -> str:
    """`sf_id(prefix, n)`, cheaply: a bulk job mints one per record, and consecutive ids
    share all but their last two digits (test_salesforce_storage checks the two agree)."""
    if len(prefix) != 3 or not 0 <= n < 62 ** 9:
        return sf_id(prefix, n)
    high, low = divmod(n, 3844)
    head, checksum, bits = _id_head(prefix, high)
    pair, pair_bits = _PAIRS[low]
    return head + pair + checksum + CHECKSUM_ALPHABET[bits | pair_bits]


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
        # every layout a stored array may name, kept for good: a state dir written before a
        # schema change still decodes
        self._layouts: dict[str, list[str]] = store.get_json("record_layouts", {})
        known = len(self._layouts)
        for tag, names in _LAYOUTS.values():
            if self._layouts.setdefault(tag, list(names)) != list(names):  # a crc32 collision
                raise RuntimeError(f"record layout {tag} of {store} names other fields than "
                                   "this schema's; start from an empty state dir")
        if len(self._layouts) > known:
            store.put_json("record_layouts", self._layouts)
        store.execute("CREATE TABLE IF NOT EXISTS records "
                      "(id TEXT PRIMARY KEY, sobject TEXT NOT NULL, data TEXT NOT NULL)")
        store.execute("CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        store.execute("CREATE TABLE IF NOT EXISTS job_payloads (job_id TEXT NOT NULL, "
                      "name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (job_id, name))")
        self._stored_payloads: dict[tuple[str, str], Any] = {}  # what the store holds
        store.execute("CREATE TABLE IF NOT EXISTS tokens "
                      "(token TEXT PRIMARY KEY, user_id TEXT NOT NULL, issued_at REAL NOT NULL, "
                      "epoch INTEGER NOT NULL)")
        self._load()
        if daily_limit is not None:
            self.set_usage(maximum=daily_limit)

    # ----- loading and seeding -------------------------------------------------------------
    def _load(self) -> None:
        latest = None
        layouts = self._layouts
        for sobject, data in self.store.execute("SELECT sobject, data FROM records"):
            record = json.loads(data)
            if type(record) is list:
                names = layouts.get(record[0])
                if names is None:
                    raise RuntimeError(f"a stored {sobject} names record layout {record[0]}, "
                                       "which this state dir does not describe")
                record = dict(zip(names, record[1:], strict=True))
            self.records[sobject][record["Id"]] = record
            stamp = parse_datetime(record["SystemModstamp"])
            latest = stamp if latest is None or (stamp and stamp > latest) else latest
        if latest is not None:
            self.clock.advance_past(latest)
        for job_id, data in self.store.execute("SELECT id, data FROM jobs"):
            self.jobs[job_id] = json.loads(data)  # a state dir of older code: payloads inside
        for job_id, name, body in self.store.execute(
                "SELECT job_id, name, body FROM job_payloads"):
            if job_id in self.jobs:
                value = self.jobs[job_id][name] = json.loads(body) if name in _JSON_PAYLOADS else body
                self._stored_payloads[job_id, name] = value
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
            return _format_id(prefix, n + 1000)

    def save_id_counters(self) -> None:
        """Persist the counters, so a restart never hands out an id twice."""
        with self.lock:
            self.store.put_json("id_counters", self._id_counters)

    def persist(self, sobject: str, ids: Iterable[str]) -> None:
        records = self.records[sobject]
        tag, names = _LAYOUTS[sobject]
        rows = []
        for rid in ids:
            record = records[rid]
            if tuple(record) == names:
                rows.append((rid, sobject, _encode_record([tag, *record.values()])))
            else:
                rows.append((rid, sobject, _encode_record(record)))
        self.store.executemany(
            "INSERT INTO records (id, sobject, data) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data", rows)

    def persist_job(self, job: dict[str, Any]) -> None:
        """The job's fields as JSON; its uploaded CSV, result CSVs and query rows (tens of MB
        at a load) apart, as they are, and only when they changed: JSON-escaping them into
        the job on every state change cost a 200,000-record job ~2 s of its processing."""
        job_id = job["id"]
        self.jobs[job_id] = job
        changed = [(job_id, name, json.dumps(value) if name in _JSON_PAYLOADS else value)
                   for name in JOB_PAYLOADS
                   if (value := job.get(name)) is not None
                   and self._stored_payloads.get((job_id, name)) is not value]
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO jobs (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET "
                "data = excluded.data",
                (job_id, json.dumps({k: v for k, v in job.items() if k not in JOB_PAYLOADS})))
            self.store.executemany(
                "INSERT INTO job_payloads (job_id, name, body) VALUES (?, ?, ?) "
                "ON CONFLICT(job_id, name) DO UPDATE SET body = excluded.body", changed)
        for _, name, _ in changed:
            self._stored_payloads[job_id, name] = job[name]

    def delete_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        for key in [k for k in self._stored_payloads if k[0] == job_id]:
            del self._stored_payloads[key]
        with self.store.transaction():
            self.store.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            self.store.execute("DELETE FROM job_payloads WHERE job_id = ?", (job_id,))

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
            self.store.execute("DELETE FROM job_payloads")
            self._stored_payloads.clear()
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
