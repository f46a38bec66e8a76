"""Typed QuickBooks Online operations over plain HTTP, every call through one Transport.

- Every request carries `minorversion=75` (1-74 are retired) and `Accept: application/json`;
  bodies are written and read with Decimal money (`wire.py`).
- Reads page with `STARTPOSITION`/`MAXRESULTS 1000` (1-based; a short page ends it).
- Incremental reads use CDC, falling back to a `MetaData.LastUpdatedTime` query where CDC
  cannot answer (a cursor older than its 30 days, an entity at its 1,000-row cap).
- Writes go to `/batch`, 30 items a POST, each item answered on its own (a Fault per bad
  item, no rollback of the others). The `requestid` is derived from the chunk's content, so
  the same chunk sent again is replayed by QBO, not written twice. Field reports say the
  replay is not always honoured, so a batch whose answer was lost is first read back by our
  own reference (DocNumber / DisplayName / Name) and only what is not found is sent again.
- A 5010 stale SyncToken: re-read, re-plan (`replan(sent, fresh)`), write once more.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from concord.errors import ConnectorError, FatalError, RetriableError, UncertainWrite
from resources.connector import RetryPolicy, Transport
from resources.tokens import TokenLedger, TokenVault, VaultAuthenticator

from . import wire
from .auth import QboTokenRefresher
from .budget import (
    BATCH_MINUTE_LIMIT,
    CONCURRENT_LIMIT,
    MINUTE_LIMIT,
    RealmBudget,
    realm_budget,
)
from .profile import SYSTEM, QboProfile
from .results import QboChange, QboError, QboWriteResult, errors_of

MINOR_VERSION = "75"
BATCH_SIZE = 30  # QBO: at most 30 BatchItemRequest items
PAGE_SIZE = 1000  # MAXRESULTS' maximum
IN_LIST = 100  # values per `IN (...)` in a read-back query
CDC_LOOKBACK = timedelta(days=30)
CDC_MARGIN = timedelta(hours=1)  # our clock and QBO's need not agree to the second
CDC_MAX_PER_ENTITY = 1000
STALE_OBJECT = "5010"
KEY_FIELDS = {"Invoice": "DocNumber", "Customer": "DisplayName", "Item": "Name"}
_LOST_ANSWER = frozenset({500, 502, 504})  # a write may have committed behind these

Replan = Callable[[Mapping[str, Any], Mapping[str, Any]], Mapping[str, Any] | None]
"""`replan(sent, fresh)`: the write to send instead of `sent` now that `fresh` (the entity as
QBO holds it after someone else's change) is known; None drops the write (a conflict)."""


class QboFaultError(FatalError):
    """QBO refused a whole request (HTTP 4xx with a Fault); `errors` are its entries."""

    def __init__(self, message: str, *, errors: tuple[QboError, ...] = (),
                 status: int | None = None, obj: str | None = None) -> None:
        self.errors = errors
        super().__init__(message, system=SYSTEM, obj=obj, status=status,
                         vendor_code=errors[0].code if errors else None)


def reapply_fields(sent: Mapping[str, Any], fresh: Mapping[str, Any]) -> dict[str, Any]:
    """The default re-plan: the same fields again, on the fresh SyncToken."""
    return {**sent, "Id": fresh["Id"], "SyncToken": fresh["SyncToken"]}


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(wire.quote(v) for v in values) + ")"


def _newest(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return max(rows, key=lambda r: int(r["Id"]) if str(r.get("Id", "")).isdigit() else -1)


class QboClient:
    """`calls` counts every HTTP call sent (read, query, cdc, write, batch, auth); `vault`
    holds the realm's tokens in the ledger; `budget` is the realm's, shared in-process."""

    def __init__(
        self,
        *,
        base_url: str,
        discovery_url: str,
        client_id: str,
        client_secret: str,
        realm_id: str,
        ledger: TokenLedger,
        redirect_uri: str = "",
        ca_bundle: str | None = None,
        minorversion: str = MINOR_VERSION,
        minute_limit: int = MINUTE_LIMIT,
        batch_limit: int = BATCH_MINUTE_LIMIT,
        concurrent: int = CONCURRENT_LIMIT,
        time_scale: float = 1.0,
        budget: RealmBudget | None = None,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
        key_salt: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.realm_id = realm_id
        self.minorversion = minorversion
        self.page_size = page_size
        self.key_salt = key_salt
        self.company_url = f"{base_url.rstrip('/')}/v3/company/{realm_id}"
        self.budget = budget or realm_budget(
            base_url, realm_id, minute_limit=minute_limit, batch_limit=batch_limit,
            concurrent=concurrent, window_seconds=60.0 / time_scale)
        self.transport = Transport(QboProfile(), ca_bundle=ca_bundle, budget=self.budget,
                                   retry=retry, sleep=sleep)
        self.calls = self.transport.calls
        self.refresher = QboTokenRefresher(
            self.transport, discovery_url=discovery_url, client_id=client_id,
            client_secret=client_secret, realm_id=realm_id, redirect_uri=redirect_uri,
            time_scale=time_scale)
        self.vault = TokenVault(ledger, SYSTEM, realm_id, self.refresher)
        self.transport.authenticator = VaultAuthenticator(self.vault)

    def __repr__(self) -> str:
        return f"QboClient(realm_id={self.realm_id!r})"

    # ----- the wire -------------------------------------------------------------------
    def request_id(self, body: Any) -> str:
        """Deterministic and at most 50 characters: the same content, the same requestid."""
        digest = hashlib.sha256(
            f"{self.realm_id}\n{self.key_salt}\n{wire.dumps(body)}".encode()).hexdigest()
        return "concord-" + digest[:40]

    def _send(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
              body: Any = None, text: str | None = None, idempotent: bool | None = None,
              what: str | None = None) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        data: bytes | None = None
        if body is not None:
            data = wire.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif text is not None:
            data = text.encode()
            headers["Content-Type"] = "application/text"
        response = self.transport.request(
            method, f"{self.company_url}/{path}", headers=headers, data=data,
            params={**(params or {}), "minorversion": self.minorversion},
            idempotent=idempotent)
        try:
            payload = wire.loads(response.content) if response.content else {}
        except ValueError:
            payload = None
        status = response.status_code
        if status == 200 and isinstance(payload, dict):
            return payload
        errors = errors_of((payload or {}).get("Fault") or (payload or {}).get("fault")) \
            if isinstance(payload, dict) else ()
        label = what or path.split("/", 1)[0]
        if status in _LOST_ANSWER and method == "POST" and not idempotent:
            raise UncertainWrite(f"POST {label}: HTTP {status}; read back before retrying",
                                 system=SYSTEM, obj=label, status=status)
        if status >= 500:
            raise RetriableError(f"{method} {label}: HTTP {status}", system=SYSTEM, obj=label,
                                 status=status)
        detail = "; ".join(str(e) for e in errors) or f"HTTP {status}"
        raise QboFaultError(f"{method} {label} refused: {detail}", errors=errors,
                            status=status, obj=label)

    # ----- reads ----------------------------------------------------------------------
    def query(self, entity: str, where: str | None = None, *, fields: str = "*",
              order_by: str = "Id") -> Iterator[dict[str, Any]]:
        """All rows of `select fields from entity [where …]`, page after page (1-based)."""
        start = 1
        clause = f" where {where}" if where else ""
        while True:
            text = (f"select {fields} from {entity}{clause} orderby {order_by} "
                    f"startposition {start} maxresults {self.page_size}")
            answer = self._send("POST", "query", text=text, what=f"query {entity}")
            rows = (answer.get("QueryResponse") or {}).get(entity) or []
            yield from rows
            if len(rows) < self.page_size:
                return
            start += len(rows)

    def count(self, entity: str, where: str | None = None) -> int:
        clause = f" where {where}" if where else ""
        answer = self._send("POST", "query", text=f"select count(*) from {entity}{clause}",
                            what=f"count {entity}")
        return int((answer.get("QueryResponse") or {}).get("totalCount") or 0)

    def find(self, entity: str, field: str, values: Sequence[str],
             fields: str = "*") -> list[dict[str, Any]]:
        """Rows whose `field` is one of `values` (read-back by our own reference)."""
        found: list[dict[str, Any]] = []
        for chunk in _chunks(list(dict.fromkeys(values)), IN_LIST):
            found.extend(self.query(entity, f"{field} in {_in_list(chunk)}", fields=fields))
        return found

    def get(self, entity: str, qbo_id: str) -> dict[str, Any]:
        answer = self._send("GET", f"{entity.lower()}/{qbo_id}", what=entity)
        return dict(answer[entity])

    def changed_since(self, entities: Sequence[str], since: datetime) -> Iterator[QboChange]:
        """Records of `entities` changed at or after `since` (floored to the second), deletes
        as tombstones. One CDC call for all entities; a LastUpdatedTime query (live rows only:
        deletes older than CDC's reach are not visible) when `since` is past CDC's 30 days,
        and for an entity whose CDC answer hit the 1,000-row cap."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        if datetime.now(UTC) - since > CDC_LOOKBACK - CDC_MARGIN:
            for entity in entities:
                yield from self._changed_by_query(entity, since)
            return
        answer = self._send("GET", "cdc", what="cdc", params={
            "entities": ",".join(entities), "changedSince": wire.format_time(since)})
        by_entity: dict[str, list[dict[str, Any]]] = {}
        for block in answer.get("CDCResponse") or []:
            for response in block.get("QueryResponse") or []:
                for name, rows in response.items():
                    if isinstance(rows, list):
                        by_entity.setdefault(name.lower(), []).extend(rows)
        for entity in entities:
            rows = by_entity.get(entity.lower(), [])
            if len(rows) >= CDC_MAX_PER_ENTITY:
                yield from (_change(entity, r) for r in rows if r.get("status") == "Deleted")
                yield from self._changed_by_query(entity, since)
            else:
                yield from (_change(entity, r) for r in rows)

    def _changed_by_query(self, entity: str, since: datetime) -> Iterator[QboChange]:
        where = f"MetaData.LastUpdatedTime >= {wire.quote(wire.format_time(since))}"
        for row in self.query(entity, where):
            yield _change(entity, row)

    # ----- writes ---------------------------------------------------------------------
    def upsert_invoices(self, invoices: Sequence[Mapping[str, Any]], *,
                        replan: Replan = reapply_fields) -> Iterator[list[QboWriteResult]]:
        """Create (no `Id`) or update (`Id`, `SyncToken` optional, `"sparse": true` for a
        sparse update) in batches of 30; one result list per batch, in input order."""
        return self.upsert("Invoice", invoices, replan=replan)

    def upsert_customers(self, customers: Sequence[Mapping[str, Any]], *,
                         replan: Replan = reapply_fields) -> Iterator[list[QboWriteResult]]:
        return self.upsert("Customer", customers, replan=replan)

    def upsert_items(self, items: Sequence[Mapping[str, Any]], *,
                     replan: Replan = reapply_fields) -> Iterator[list[QboWriteResult]]:
        return self.upsert("Item", items, replan=replan)

    def upsert(self, entity: str, records: Sequence[Mapping[str, Any]], *,
               replan: Replan = reapply_fields) -> Iterator[list[QboWriteResult]]:
        """Yields after each batch, so a RateLimitExhausted or UncertainWrite leaves the
        caller holding every earlier batch's results: its checkpoint."""
        for chunk in _chunks(records, BATCH_SIZE):
            yield self._write_chunk(entity, [dict(r) for r in chunk], replan)

    def sparse_update(self, entity: str, qbo_id: str, fields: Mapping[str, Any], *,
                      sync_token: str | None = None,
                      replan: Replan = reapply_fields) -> QboWriteResult:
        """One sparse update by POST /{entity} (not a batch); a 5010 is re-read and
        re-planned once. The requestid makes the POST safe to resend after a lost answer."""
        if sync_token is None:
            sync_token = str(self.get(entity, qbo_id)["SyncToken"])
        sent: dict[str, Any] = {**fields, "Id": qbo_id, "SyncToken": sync_token,
                                "sparse": True}
        for attempt in (1, 2):
            try:
                answer = self._send("POST", entity.lower(), body=sent, idempotent=True,
                                    params={"requestid": self.request_id(sent)}, what=entity)
            except QboFaultError as exc:
                if STALE_OBJECT not in {e.code for e in exc.errors} or attempt == 2:
                    return QboWriteResult(key=qbo_id, success=False, operation="update",
                                          qbo_id=qbo_id, errors=exc.errors)
                fresh = self.get(entity, qbo_id)
                again = replan(sent, fresh)
                if again is None:
                    return _dropped(qbo_id, "update", exc.errors)
                sent = dict(again)
                continue
            row = answer[entity]
            return QboWriteResult(key=qbo_id, success=True, operation="update",
                                  qbo_id=str(row["Id"]), sync_token=str(row["SyncToken"]),
                                  entity=row, recovered="replanned" if attempt == 2 else None)
        raise AssertionError("unreachable")

    # ----- batches --------------------------------------------------------------------
    def _write_chunk(self, entity: str, records: list[dict[str, Any]],
                     replan: Replan) -> list[QboWriteResult]:
        results: dict[int, QboWriteResult] = {}
        tokens = self._sync_tokens(entity, [r for r in records
                                            if "Id" in r and r.get("SyncToken") is None])
        items: dict[str, dict[str, Any]] = {}
        for index, record in enumerate(records):
            if "Id" in record and record.get("SyncToken") is None:
                token = tokens.get(str(record["Id"]))
                if token is None:
                    results[index] = QboWriteResult(
                        key=_key(entity, record), success=False, operation="update",
                        qbo_id=str(record["Id"]),
                        errors=(QboError("610", "Object Not Found", f"{entity} {record['Id']}"),))
                    continue
                record = {**record, "SyncToken": token}
            items[str(index)] = {"bId": str(index), entity: record,
                                 "operation": "update" if "Id" in record else "create"}
        answers = self._batch(entity, list(items.values())) if items else {}
        stale: dict[str, dict[str, Any]] = {}
        for bid, item in items.items():
            got = answers[bid]
            errors = errors_of(got.get("Fault"))
            if item["operation"] == "update" and STALE_OBJECT in {e.code for e in errors}:
                stale[bid] = item
                continue
            results[int(bid)] = _result(entity, item, got)
        if stale:
            results.update(self._replan(entity, stale, answers, replan))
        return [results[i] for i in range(len(records))]

    def _replan(self, entity: str, stale: dict[str, dict[str, Any]],
                answers: dict[str, dict[str, Any]], replan: Replan) -> dict[int, QboWriteResult]:
        """5010: someone wrote the entity since we read its SyncToken. Re-read, re-plan,
        write once more; a second 5010 is reported, not chased."""
        fresh = {str(r["Id"]): r for r in self.find(
            entity, "Id", [str(i[entity]["Id"]) for i in stale.values()])}
        out: dict[int, QboWriteResult] = {}
        again: dict[str, dict[str, Any]] = {}
        for bid, item in stale.items():
            sent = item[entity]
            current = fresh.get(str(sent["Id"]))
            planned = replan(sent, current) if current is not None else None
            if planned is None:
                out[int(bid)] = _dropped(_key(entity, sent), "update",
                                         errors_of(answers[bid].get("Fault")))
                continue
            again[bid] = {**item, entity: dict(planned)}
        if again:
            second = self._batch(entity, list(again.values()))
            for bid, item in again.items():
                out[int(bid)] = _result(entity, item, second[bid], recovered="replanned")
        return out

    def _sync_tokens(self, entity: str, records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        if not records:
            return {}
        rows = self.find(entity, "Id", [str(r["Id"]) for r in records], fields="Id, SyncToken")
        return {str(r["Id"]): str(r["SyncToken"]) for r in rows}

    def _batch(self, entity: str, items: list[dict[str, Any]],
               lost_before: bool = False) -> dict[str, dict[str, Any]]:
        """bId -> BatchItemResponse for one POST /batch (after a read-back if its answer was
        lost)."""
        body = {"BatchItemRequest": items}
        try:
            answer = self._send("POST", "batch", body=body, what=f"batch {entity}",
                                params={"requestid": self.request_id(body)})
        except UncertainWrite:
            if lost_before:
                raise
            return self._recover(entity, items)
        by_bid = {str(r.get("bId")): r for r in answer.get("BatchItemResponse") or []}
        missing = [i["bId"] for i in items if i["bId"] not in by_bid]
        if missing:
            raise FatalError(f"batch {entity}: no answer for items {missing}", system=SYSTEM,
                             obj=entity)
        return by_bid

    def _recover(self, entity: str, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The batch's answer was lost. Creates carrying our reference are read back; what
        is found is done, the rest is sent again (the whole chunk again has the same
        requestid, so QBO replays it if it did commit). Updates are simply resent: a
        committed one answers 5010 and its re-plan writes the same fields again. A create
        without a reference cannot be read back: then the whole chunk is resent unchanged
        and QBO's requestid replay is the only guard."""
        key_field = KEY_FIELDS.get(entity)
        creates = [i for i in items if i["operation"] == "create"]
        if not key_field or any(not i[entity].get(key_field) for i in creates):
            return self._batch(entity, items, lost_before=True)
        try:
            rows = self.find(entity, key_field, [str(i[entity][key_field]) for i in creates])
        except ConnectorError as exc:
            raise UncertainWrite(f"batch {entity}: answer lost and the read-back failed "
                                 f"({type(exc).__name__}); read back before retrying",
                                 system=SYSTEM, obj=entity) from None
        by_key: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_key.setdefault(str(row.get(key_field)), []).append(row)
        found: dict[str, dict[str, Any]] = {}
        for item in creates:
            matches = by_key.get(str(item[entity][key_field]))
            if matches:
                found[item["bId"]] = {entity: dict(_newest(matches)), "bId": item["bId"],
                                      "recovered": "read_back"}
        rest = [i for i in items if i["bId"] not in found]
        if not rest:
            return found
        return {**found, **self._batch(entity, rest, lost_before=True)}


def _key(entity: str, record: Mapping[str, Any]) -> str | None:
    field = KEY_FIELDS.get(entity)
    value = record.get(field) if field else None
    if value is None:
        value = record.get("Id")
    return None if value is None else str(value)


def _result(entity: str, item: Mapping[str, Any], got: Mapping[str, Any],
            recovered: str | None = None) -> QboWriteResult:
    sent = item[entity]
    errors = errors_of(got.get("Fault"))
    row = got.get(entity)
    if errors or not isinstance(row, dict):
        return QboWriteResult(key=_key(entity, sent), success=False,
                              operation=item["operation"],
                              qbo_id=str(sent["Id"]) if "Id" in sent else None,
                              errors=errors or (QboError("", "no entity in the answer"),))
    return QboWriteResult(key=_key(entity, sent), success=True, operation=item["operation"],
                          qbo_id=str(row["Id"]), sync_token=str(row.get("SyncToken")),
                          entity=row, recovered=got.get("recovered") or recovered)


def _dropped(key: str | None, operation: str,
             errors: tuple[QboError, ...]) -> QboWriteResult:
    return QboWriteResult(key=key, success=False, operation=operation,
                          errors=(*errors, QboError(STALE_OBJECT, "conflict: the re-plan "
                                                    "dropped the write")))


def _change(entity: str, row: Mapping[str, Any]) -> QboChange:
    return QboChange(entity_type=entity, qbo_id=str(row.get("Id")),
                     deleted=row.get("status") == "Deleted",
                     last_updated=wire.parse_time((row.get("MetaData") or {})
                                                  .get("LastUpdatedTime")),
                     row=dict(row))
