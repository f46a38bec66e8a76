"""Typed Salesforce operations over simple-salesforce, every call through one Transport."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from simple_salesforce import Salesforce

from concord.errors import FatalError
from concord.normalise.timestamps import to_utc
from resources.connector import CallCounter, CursorPaging, RateBudget, RetryPolicy, Transport

from . import soql
from .auth import OAuthSettings, SalesforceAuth
from .bulk import bulk_query, bulk_upsert
from .errors import salesforce_errors
from .profile import SYSTEM, SalesforceProfile
from .results import WriteResult, failure, from_collection_item
from .values import json_value

COLLECTION_LIMIT = 200  # sObject Collections take at most 200 records a request


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _strip_attributes(value: Any) -> Any:
    """A record without the 'attributes' Salesforce adds to it and to each related record
    (scalars, nearly all of a row, are passed over without a call: 230,000 rows a load)."""
    if isinstance(value, Mapping):
        return {k: v if type(v) in _SCALARS else _strip_attributes(v)
                for k, v in value.items() if k != "attributes"}
    if isinstance(value, list):
        return [_strip_attributes(v) for v in value]
    return value


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class SalesforceClient:
    """`calls` counts every HTTP call sent, by kind (read, write, bulk_jobs, auth)."""

    def __init__(
        self,
        *,
        instance_url: str | None,
        token_url: str,
        client_id: str,
        client_secret: str,
        username: str | None = None,
        password: str | None = None,
        ca_bundle: str | None = None,
        api_version: str = "60.0",
        bulk_threshold: int = 10_000,
        request_reserve: int = 0,
        retry: RetryPolicy | None = None,
        bulk_poll_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._auth = SalesforceAuth(OAuthSettings(token_url, client_id, client_secret,
                                                  username, password))
        self.transport = Transport(
            SalesforceProfile(token_url),
            ca_bundle=ca_bundle,
            budget=RateBudget(system=SYSTEM, reserve=request_reserve),
            retry=retry,
            authenticator=self._auth,
            sleep=sleep,
        )
        self._auth.bind(self.transport)
        self.calls: CallCounter = self.transport.calls
        self.budget: RateBudget = self.transport.budget
        self._instance_url = instance_url
        self.api_version = api_version
        self.bulk_threshold = bulk_threshold
        self.bulk_poll_seconds = bulk_poll_seconds
        self._sf: Salesforce | None = None

    def __repr__(self) -> str:
        return f"SalesforceClient(instance_url={self._instance_url!r})"

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce handle; the transport re-signs its calls after a renewal."""
        if self._sf is None:
            with salesforce_errors():
                token = self._auth.access_token()
            instance_url = self._instance_url or self._auth.instance_url
            if not instance_url:
                raise FatalError("no instance URL configured or returned", system=SYSTEM)
            self._sf = Salesforce(instance_url=instance_url, session_id=token,
                                  session=self.transport, version=self.api_version)
        return self._sf

    # -- reads ---------------------------------------------------------------------------

    def describe(self, sobject: str) -> dict:
        with salesforce_errors(sobject):
            return json.loads(json.dumps(getattr(self.sf, soql.name(sobject)).describe()))

    def limits(self) -> dict:
        with salesforce_errors():
            return dict(self.sf.limits())

    def query(self, soql_text: str, *, include_deleted: bool = False) -> Iterator[dict]:
        """Records page by page (2,000 a page), fetched only as the caller iterates."""
        sf = self.sf
        paging: CursorPaging[Mapping[str, Any]] = CursorPaging(
            lambda page: None if page.get("done", True) else page.get("nextRecordsUrl"),
            system=SYSTEM,
        )
        with salesforce_errors():
            pages = paging.pages(
                lambda: sf.query(soql_text, include_deleted=include_deleted),
                lambda cursor: sf.query_more(cursor, identifier_is_url=True),
            )
            for page in pages:
                for record in page.get("records", ()):
                    yield _strip_attributes(record)

    def bulk_query(self, sobject: str, soql_text: str, *, include_deleted: bool = False
                   ) -> Iterator[dict[str, str | None]]:
        """Records of one Bulk API 2.0 query job: for reading back a load, a job and a
        few 50,000-row CSV pages instead of a REST call per 2,000 rows. Values come as
        text (empty cells as None), as Bulk API writes them."""
        with salesforce_errors(sobject):
            yield from bulk_query(self.sf, soql.name(sobject), soql_text,
                                  include_deleted=include_deleted,
                                  poll_seconds=self.bulk_poll_seconds)

    def changed_since(
        self,
        sobject: str,
        fields: Sequence[str],
        *,
        since: datetime | None,
        until: datetime,
        include_deleted: bool = True,
        last_read: datetime | None = None,
        bulk: bool = False,
    ) -> Iterator[dict]:
        """The window (since, until] on SystemModstamp; queryAll also returns deleted rows.
        `bulk` reads it through a Bulk API query job (`bulk_query`), for large windows.

        With `last_read` (when the caller's previous read ended), records Concord itself
        modified last are left out: the ones it created since then (it knows what it
        wrote; after a large load they are nearly all of the window) and the ones it
        modified before then (that read saw them). Records Concord *updated* since then stay
        in: someone may have edited them between Concord's read and its write. Everyone
        else's edits and deletes stay in.
        """
        wanted = list(dict.fromkeys(["Id", *fields, "SystemModstamp"]))
        if include_deleted and "IsDeleted" not in wanted:
            wanted.append("IsDeleted")
        where = [f"SystemModstamp <= {soql.datetime_literal(until, round_up=True)}"]
        if since is not None:
            where.insert(0, f"SystemModstamp > {soql.datetime_literal(since)}")
        own = self._own_user_id() if last_read is not None else None
        if own and last_read is not None:
            # Rounded so that a record stamped in last_read's second counts as possibly
            # unseen: read again rather than missed.
            read = soql.datetime_literal(last_read, round_up=True)
            seen = soql.datetime_literal(last_read)
            where.append(f"(LastModifiedById != {soql.string_literal(own)} OR "
                         f"(CreatedDate <= {read} AND SystemModstamp > {seen}))")
        text = (f"SELECT {soql.field_list(wanted)} FROM {soql.name(sobject)} "
                f"WHERE {' AND '.join(where)} ORDER BY SystemModstamp")
        if bulk:
            yield from self.bulk_query(sobject, text, include_deleted=include_deleted)
        else:
            yield from self.query(text, include_deleted=include_deleted)

    def _own_user_id(self) -> str | None:
        """The user Concord writes as (authenticating tells it), or None if unknown."""
        with salesforce_errors():
            self._auth.access_token()
        return self._auth.user_id

    def newest_change_by_others(self, sobject: str, *, since: datetime | None) -> datetime | None:
        """SystemModstamp of the newest record changed or deleted after `since` by anyone but
        the user Concord writes as: one cheap query, for a sensor. Concord's own writes are
        left out, so they do not start another run (no echo)."""
        where = [] if since is None else [f"SystemModstamp > {soql.datetime_literal(since)}"]
        own = self._own_user_id()
        if own:
            where.append(f"LastModifiedById != {soql.string_literal(own)}")
        text = (f"SELECT Id, SystemModstamp FROM {soql.name(sobject)}"
                + (f" WHERE {' AND '.join(where)}" if where else "")
                + " ORDER BY SystemModstamp DESC LIMIT 1")
        newest = next(self.query(text, include_deleted=True), None)
        return to_utc(newest["SystemModstamp"]) if newest else None

    def find_by(
        self, sobject: str, fields: Sequence[str], field: str, values: Iterable[str]
    ) -> Iterator[dict]:
        select = f"SELECT {soql.field_list(fields)} FROM {soql.name(sobject)}"
        for in_list in soql.in_lists(str(v) for v in values):
            yield from self.query(f"{select} WHERE {soql.name(field)} IN {in_list}")

    def users(self) -> dict[str, bool]:
        return {row["Id"]: bool(row["IsActive"])
                for row in self.query("SELECT Id, IsActive FROM User")}

    # -- writes --------------------------------------------------------------------------

    def _collections(
        self, method: str, path: str, body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> list[Mapping[str, Any]]:
        data = json.dumps(body, default=str) if body is not None else None
        result = self.sf.restful(path, params=dict(params or {}) or None, method=method,
                                 data=data)
        if not isinstance(result, list):
            raise FatalError(f"unexpected collections response to {method} {path}",
                             system=SYSTEM)
        return result

    def upserts_by_bulk(self, n: int) -> bool:
        """Whether an upsert of n records goes through one Bulk API job (one list of
        results for all of them) rather than sObject Collections."""
        return n > self.bulk_threshold

    def upsert(
        self, sobject: str, external_id_field: str, records: Sequence[dict]
    ) -> Iterator[list[WriteResult]]:
        """Upsert by external id; a list of results per API batch, in input order.

        Up to `bulk_threshold` records go through sObject Collections (200 a call,
        allOrNone=false); more go through one Bulk API 2.0 ingest job. Collections upserts
        are declared idempotent to the transport, so a connection lost after the server
        committed is re-sent and matches the same records by external id.
        """
        soql.name(sobject)
        soql.name(external_id_field)
        with_key = [r for r in records if r.get(external_id_field) not in (None, "")]
        if len(with_key) < len(records):
            yield [failure("", "MISSING_EXTERNAL_ID", f"{external_id_field} is empty",
                           (external_id_field,))
                   for r in records if r.get(external_id_field) in (None, "")]
        if not with_key:
            return
        if self.upserts_by_bulk(len(with_key)):
            with salesforce_errors(sobject):
                yield from bulk_upsert(self.sf, sobject, external_id_field, with_key,
                                       poll_seconds=self.bulk_poll_seconds)
            return
        path = f"composite/sobjects/{sobject}/{external_id_field}"
        for batch in _chunks(with_key, COLLECTION_LIMIT):
            payload = {"allOrNone": False, "records": [
                {"attributes": {"type": sobject}, **{k: json_value(v) for k, v in r.items()}}
                for r in batch]}
            with salesforce_errors(sobject), self.transport.idempotent():
                items = self._collections("PATCH", path, payload)
            yield self._join([str(r[external_id_field]) for r in batch], items, sobject)

    def update(self, sobject: str, records: Sequence[dict]) -> Iterator[list[WriteResult]]:
        soql.name(sobject)
        for batch in _chunks(records, COLLECTION_LIMIT):
            payload = {"allOrNone": False, "records": [
                {"attributes": {"type": sobject}, **{k: json_value(v) for k, v in r.items()}}
                for r in batch]}
            with salesforce_errors(sobject):
                items = self._collections("PATCH", "composite/sobjects", payload)
            yield self._join([str(r.get("Id", "")) for r in batch], items, sobject)

    def delete(self, ids: Sequence[str]) -> Iterator[list[WriteResult]]:
        """Deletes by Id. ENTITY_IS_DELETED counts as success: it is what a re-sent delete
        answers when the first one landed."""
        for batch in _chunks(list(ids), COLLECTION_LIMIT):
            with salesforce_errors():
                items = self._collections("DELETE", "composite/sobjects",
                                          params={"ids": ",".join(batch), "allOrNone": "false"})
            results = self._join(list(batch), items, None)
            yield [
                WriteResult(r.key, True, r.key, None, ()) if not r.success and r.errors
                and all(e.status_code == "ENTITY_IS_DELETED" for e in r.errors) else r
                for r in results
            ]

    @staticmethod
    def _join(keys: list[str], items: list[Mapping[str, Any]], obj: str | None
              ) -> list[WriteResult]:
        if len(items) != len(keys):
            raise FatalError(f"collections answered {len(items)} results for {len(keys)} "
                             "records", system=SYSTEM, obj=obj)
        return [from_collection_item(key, item) for key, item in zip(keys, items, strict=True)]
