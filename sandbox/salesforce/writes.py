"""Validation and writes, shared by sObject REST, Collections and Bulk API 2.0.

One `WriteBatch` is one request: every record it touches gets the same modification stamp
(taken once from the monotonic clock), and an undo log makes allOrNone a real rollback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError, RecordError
from sandbox.salesforce.state import BLANK_RECORDS, OrgState, Record
from sandbox.salesforce.values import (
    is_valid_id,
    normalise_id,
    parse_date,
    parse_datetime,
    render_datetime,
)

_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class UnknownField(RecordError):
    """Raised while deserialising the body, so REST answers it without `fields`."""

    def as_api_error(self, status: int = 400) -> ApiError:
        return ApiError(status, self.code, self.message)


def unknown_field(o: schema.SObjectDef, name: str) -> RecordError:
    return UnknownField("INVALID_FIELD", f"No such column '{name}' on sobject of type {o.name}",
                        [name])


def check_field_names(o: schema.SObjectDef, names: Iterable[str]) -> None:
    for name in names:
        if name != "attributes" and o.field(name) is None:
            raise unknown_field(o, name)


def _coerce(f: schema.FieldDef, value: Any) -> Any:
    """Convert a JSON/CSV value to the stored form, or raise the record error SF gives."""
    if value is None or (isinstance(value, str) and value == "" and f.type != "boolean"):
        return None
    t = f.type
    if t in ("string", "textarea", "phone", "url", "email", "picklist", "combobox"):
        text = value if isinstance(value, str) else (
            ("true" if value else "false") if isinstance(value, bool) else str(value))
        if f.length and len(text) > f.length:
            raise RecordError("STRING_TOO_LONG",
                              f"{f.display_label}: data value too large: {text[:255]} "
                              f"(max length={f.length})", [f.name])
        if t == "email" and not _EMAIL_RE.match(text):
            raise RecordError("INVALID_EMAIL_ADDRESS",
                              f"{f.display_label}: invalid email address: {text}", [f.name])
        if t == "picklist" and f.restricted_picklist and text not in f.picklist:
            raise RecordError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                              f"{f.display_label}: bad value for restricted picklist field: "
                              f"{text}", [f.name])
        return text
    if t in ("reference", "id"):
        text = str(value)
        if not is_valid_id(text):
            raise RecordError("MALFORMED_ID",
                              f"{f.display_label}: id value of incorrect type: {text}", [f.name])
        return normalise_id(text)
    if t == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no", ""):
            return False
        raise _bad_type(f, value)
    if t in ("double", "currency", "percent", "int"):
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            raise _bad_type(f, value) from None
        if math.isnan(number) or math.isinf(number):
            raise _bad_type(f, value)
        if t == "int":
            if number != int(number):
                raise _bad_type(f, value)
            return int(number)
        return number
    if t == "date":
        parsed = parse_date(str(value)) or (
            parse_datetime(str(value)).date() if parse_datetime(str(value)) else None)
        if parsed is None:
            raise _bad_type(f, value)
        return parsed.isoformat()
    if t == "datetime":
        dt = parse_datetime(str(value))
        if dt is None:
            raise _bad_type(f, value)
        return render_datetime(dt)
    return value


_TEXT_TYPES = frozenset({"string", "textarea", "phone", "url", "email", "picklist", "combobox"})


def _coercer(f: schema.FieldDef) -> Callable[[Any], Any]:
    """`_coerce` for one field, with the common case (a valid, non-empty string) decided
    in one test; anything else goes through `_coerce` itself, errors included."""
    if f.type in ("reference", "id"):
        def coerce_id(value: Any) -> Any:
            if type(value) is str and len(value) == 18 and is_valid_id(value):
                return value
            return _coerce(f, value)
        return coerce_id
    if f.type not in _TEXT_TYPES:
        return partial(_coerce, f)
    limit = f.length or math.inf
    valid: Callable[[str], Any] | None = None
    if f.type == "email":
        valid = _EMAIL_RE.match
    elif f.type == "picklist" and f.restricted_picklist:
        valid = frozenset(f.picklist).__contains__

    def coerce_text(value: Any) -> Any:
        if type(value) is str and value and len(value) <= limit and (
                valid is None or valid(value)):
            return value
        return _coerce(f, value)
    return coerce_text


# Per (sObject, creating): field name as written → (field's name, coercer), or None for a
# name that is skipped (`attributes`, `Id`). Filled on first use, for exact spellings only.
_Plan = tuple[str, Callable[[Any], Any]] | None
_PLANS: dict[tuple[str, bool], dict[str, _Plan]] = {}
_UNPLANNED: Any = object()
# Per sObject: the fields `_clean` checks after coercion (references, unique values).
_CHECKED: dict[str, dict[str, schema.FieldDef]] = {
    o.name: {f.name: f for f in o.fields if f.type == "reference" or f.unique}
    for o in schema.SOBJECTS.values()}


def _plan(o: schema.SObjectDef, name: str, creating: bool) -> _Plan:
    """How `_clean` writes `name`, or the record error it raises for it."""
    if name == "attributes":
        return None
    f = o.field(name)
    if f is None:
        raise unknown_field(o, name)
    if f.name == "Id":
        return None  # the record is addressed by Id; it is never written
    allowed = f.createable if creating else f.updateable
    if not allowed:
        raise RecordError(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {f.name}. Please check the security "
            "settings of this field and verify that it is read/write for your profile "
            "or permission set.", [f.name])
    return f.name, _coercer(f)


def find_matches(state: OrgState, o: schema.SObjectDef, field: schema.FieldDef,
                 value: Any) -> list[str]:
    """Live records whose `field` equals `value` (case-insensitive, as SF matches)."""
    if field.name == "Id":
        rid = normalise_id(str(value)) if is_valid_id(str(value)) else ""
        row = state.records[o.name].get(rid)
        return [rid] if row is not None and not row.get("IsDeleted") else []
    key = str(value).lower()
    if field.unique:
        hit = state.unique.get((o.name, field.name), {}).get(key)
        return [hit] if hit else []
    return [r["Id"] for r in state.records[o.name].values()
            if not r.get("IsDeleted") and str(r.get(field.name) or "").lower() == key]


def _bad_type(f: schema.FieldDef, value: Any) -> RecordError:
    return RecordError("INVALID_TYPE_ON_FIELD_IN_RECORD",
                       f"{f.display_label}: value not of required type: {value}", [f.name])


class WriteBatch:
    def __init__(self, state: OrgState, user_id: str) -> None:
        self.state = state
        self.user_id = user_id
        self.stamp = render_datetime(state.clock.tick())
        self._undo: list[tuple[str, str, Record | None]] = []
        # ordered, so new records reach SQLite in id order (cheaper index inserts)
        self._touched: dict[str, dict[str, None]] = {}

    # ----- validation ----------------------------------------------------------------------
    def _clean(self, o: schema.SObjectDef, values: dict[str, Any], *, creating: bool,
               existing: Record | None) -> dict[str, Any]:
        if not o.writable:
            raise RecordError("INVALID_TYPE", f"entity type {o.name} does not support "
                              "this operation", [])
        plans = _PLANS.setdefault((o.name, creating), {})
        clean: dict[str, Any] = {}
        for name, raw in values.items():
            plan = plans.get(name, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = _plan(o, name, creating)
                if name in o.by_name or name == "attributes":
                    plans[name] = plan
            if plan is not None:
                field_name, coerce = plan
                clean[field_name] = coerce(raw)
        for f in o.required_fields:
            missing = (f.name not in clean and creating) or (
                f.name in clean and clean[f.name] is None)
            if missing:
                raise RecordError("REQUIRED_FIELD_MISSING",
                                  f"Required fields are missing: [{f.name}]", [f.name])
        checked = _CHECKED[o.name]
        for name, value in clean.items():
            if value is None or name not in checked:
                continue
            f = checked[name]
            if f.type == "reference":
                self._check_reference(o, f, value)
            if f.unique:
                holder = self.state.unique.get((o.name, f.name), {}).get(str(value).lower())
                if holder is not None and (existing is None or holder != existing["Id"]):
                    raise RecordError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f.name} duplicates value on record with id: "
                        f"{holder}", [])
        return clean

    def _check_reference(self, o: schema.SObjectDef, f: schema.FieldDef, value: str) -> None:
        target = schema.BY_PREFIX.get(value[:3])
        if target is None or target.name not in f.reference_to:
            raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                              f"{f.display_label}: id value of incorrect type: {value}", [f.name])
        row = self.state.records[target.name].get(value)
        if row is None or row.get("IsDeleted"):
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if f.name == "OwnerId" and not row.get("IsActive", True):
            raise RecordError("INACTIVE_OWNER_OR_USER",
                              f"operation performed with inactive user [{value}] as owner of "
                              f"{o.name.lower()}", [])

    # ----- writes --------------------------------------------------------------------------
    def _remember(self, o: schema.SObjectDef, record_id: str) -> None:
        before = self.state.records[o.name].get(record_id)
        self._undo.append((o.name, record_id, dict(before) if before is not None else None))
        self._touched.setdefault(o.name, {})[record_id] = None

    def _index(self, o: schema.SObjectDef, record: Record, add: bool) -> None:
        for f in o.unique_fields:
            if record.get(f.name):
                index = self.state.unique.setdefault((o.name, f.name), {})
                key = str(record[f.name]).lower()
                if add and not record.get("IsDeleted"):
                    index[key] = record["Id"]
                elif index.get(key) == record["Id"]:
                    del index[key]

    def _derive(self, o: schema.SObjectDef, record: Record) -> None:
        if o.name == "Contact":
            record["Name"] = " ".join([p for p in (record.get("FirstName"),
                                                   record.get("LastName")) if p])

    def insert(self, o: schema.SObjectDef, values: dict[str, Any],
               new_id: str | None = None) -> str:
        clean = self._clean(o, values, creating=True, existing=None)
        # the id counter is saved once, at commit or rollback, not per record
        record_id = new_id or self.state.new_id(o.key_prefix, deferred=True)
        record = BLANK_RECORDS[o.name].copy()
        record["Id"] = record_id
        owned = "OwnerId" in record  # the blank record has it iff the sObject does
        if owned:
            record["OwnerId"] = self.user_id
        record.update(clean)
        if owned and record["OwnerId"] is None:
            raise RecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [OwnerId]",
                              ["OwnerId"])
        stamp, user_id = self.stamp, self.user_id
        record["CreatedDate"] = stamp
        record["CreatedById"] = user_id
        record["LastModifiedDate"] = stamp
        record["LastModifiedById"] = user_id
        record["SystemModstamp"] = stamp
        self._derive(o, record)
        self._remember(o, record_id)
        self.state.records[o.name][record_id] = record
        self._index(o, record, add=True)
        return record_id

    def live(self, o: schema.SObjectDef, record_id: str) -> Record:
        """The record to update or delete, or the per-record error SF reports."""
        if not is_valid_id(record_id):
            raise RecordError("MALFORMED_ID", f"{o.label} ID: id value of incorrect type: "
                              f"{record_id}", ["Id"])
        record_id = normalise_id(record_id)
        record = self.state.records[o.name].get(record_id)
        if record is None:
            if schema.BY_PREFIX.get(record_id[:3]) not in (None, o):
                raise RecordError("MALFORMED_ID", f"{o.label} ID: id value of incorrect type: "
                                  f"{record_id}", ["Id"])
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        if record.get("IsDeleted"):
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
        return record

    def update(self, o: schema.SObjectDef, record_id: str, values: dict[str, Any]) -> str:
        record = self.live(o, record_id)
        clean = self._clean(o, values, creating=False, existing=record)
        self._remember(o, record["Id"])
        self._index(o, record, add=False)
        record.update(clean)
        record.update({"LastModifiedDate": self.stamp, "LastModifiedById": self.user_id,
                       "SystemModstamp": self.stamp})
        self._derive(o, record)
        self._index(o, record, add=True)
        return str(record["Id"])

    def match(self, o: schema.SObjectDef, field: schema.FieldDef, value: Any) -> list[str]:
        return find_matches(self.state, o, field, value)

    def upsert(self, o: schema.SObjectDef, field: schema.FieldDef, value: Any,
               values: dict[str, Any]) -> tuple[str, bool]:
        """(id, created). A blank Id upserts as an insert, as the recorded org does."""
        if value in (None, ""):
            if field.name == "Id":
                return self.insert(o, values), True
            raise RecordError("MISSING_ARGUMENT", f"{field.name} not specified", [])
        hits = self.match(o, field, value)
        if len(hits) > 1:
            raise RecordError("DUPLICATE_EXTERNAL_ID",
                              f"The value '{value}' for field {field.name} is used by "
                              f"{len(hits)} records", [field.name])
        if values.keys() <= o.by_name.keys():
            # exact field names only (Bulk API rows): no other key can spell `field`
            body = dict(values)
            body.pop(field.name, None)
        else:
            key = field.name.lower()
            body = {k: v for k, v in values.items() if k.lower() != key}
        if hits:
            return self.update(o, hits[0], body), False
        if field.name == "Id":
            raise RecordError("NOT_FOUND", f"Provided external ID field does not exist or is "
                              f"not accessible: {value}", [])
        body[field.name] = value
        return self.insert(o, body), True

    def delete(self, o: schema.SObjectDef, record_id: str) -> str:
        record = self.live(o, record_id)
        self._soft_delete(o, record)
        if o.name == "Account":  # contacts of a deleted account go to the recycle bin with it
            contacts = schema.CONTACT
            for child in list(self.state.records["Contact"].values()):
                if child.get("AccountId") == record["Id"] and not child.get("IsDeleted"):
                    self._soft_delete(contacts, child)
        return str(record["Id"])

    def _soft_delete(self, o: schema.SObjectDef, record: Record) -> None:
        self._remember(o, record["Id"])
        self._index(o, record, add=False)
        record.update({"IsDeleted": True, "LastModifiedDate": self.stamp,
                       "LastModifiedById": self.user_id, "SystemModstamp": self.stamp})

    # ----- end of request ------------------------------------------------------------------
    def rollback(self) -> None:
        self.rollback_to(0)
        self._touched.clear()
        self.state.save_id_counters()  # a rolled-back request's ids are never handed out again

    def savepoint(self) -> int:
        return len(self._undo)

    def rollback_to(self, savepoint: int) -> None:
        """Undo a single failed record's partial writes (e.g. a cascade half done)."""
        tail = self._undo[savepoint:]
        del self._undo[savepoint:]
        for sobject, record_id, before in reversed(tail):
            o = schema.SOBJECTS[sobject.lower()]
            current = self.state.records[sobject].get(record_id)
            if current is not None:
                self._index(o, current, add=False)
            if before is None:
                self.state.records[sobject].pop(record_id, None)
            else:
                self.state.records[sobject][record_id] = before
                self._index(o, before, add=True)

    def commit(self) -> None:
        with self.state.store.transaction():
            for sobject, ids in self._touched.items():
                live = [i for i in ids if i in self.state.records[sobject]]
                self.state.persist(sobject, live)
            self.state.save_id_counters()  # with the records: a crash loses both or neither
        self._undo.clear()
        self._touched.clear()
