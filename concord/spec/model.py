"""The sync spec: what an integration engineer writes in YAML under mappings/.

A spec names the source table, the target object, the field mappings with their
transforms and value tables, the dedupe keys and the policies. Per-object differences
(API name, external-id field, cursor column) are spec rows, never copied code.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from concord.ownership.spec import OwnershipSpec, resolve_ownership

TransformName = Literal[
    "text", "email", "phone", "country", "vat", "trade_register", "value_table", "owner",
    "money", "percent", "currency", "timestamp", "boolean", "reference",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Lookup(_Strict):
    """A column fetched from another platform table by foreign key (a LEFT JOIN)."""

    table: str
    key: str = Field(description="the foreign-key column on the source table")
    column: str
    target_key: str = "id"


class ScopeCondition(_Strict):
    """A condition on one source column (or lookup); every one given must hold. Values
    compare as trimmed, case-folded text."""

    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    present: bool | None = Field(default=None, description="true: not empty; false: empty")

    @model_validator(mode="after")
    def _says_something(self) -> ScopeCondition:
        if self.in_ is None and self.not_in is None and self.present is None:
            raise ValueError("a scope condition needs in, not_in or present")
        return self

    def holds(self, value: object) -> bool:
        text = "" if value is None else str(value).strip().casefold()
        if self.present is not None and bool(text) != self.present:
            return False
        if self.in_ is not None and text not in {v.strip().casefold() for v in self.in_}:
            return False
        return self.not_in is None or text not in {v.strip().casefold() for v in self.not_in}


class SourceSpec(_Strict):
    table: str
    key: str = "id"
    modified_at: str = "updated_at"
    deleted_at: str | None = None
    lookups: dict[str, Lookup] = Field(default_factory=dict)
    scope: dict[str, ScopeCondition] = Field(
        default_factory=dict,
        description="selective sync: only rows meeting every condition (column -> condition)")

    def in_scope(self, values: dict[str, object]) -> bool:
        return all(cond.holds(values.get(column)) for column, cond in self.scope.items())


class TargetSpec(_Strict):
    system: Literal["salesforce"]
    object: str
    external_id: str


class FieldSpec(_Strict):
    source: str = Field(alias="from")
    transform: TransformName = "text"
    required: bool = False
    max_length: int | None = None
    on_invalid: Literal["quarantine", "null"] = "quarantine"
    table: str | None = Field(default=None, description="value table name for value_table")
    unknown: Literal["quarantine", "default"] = "quarantine"
    default: str | None = None
    country_field: str | None = Field(
        default=None, description="source column holding the country (VAT ids, phone region)"
    )
    references: str | None = Field(
        default=None, description="for transform reference: the object of this sync the key points at"
    )

    @model_validator(mode="after")
    def _value_table_named(self) -> FieldSpec:
        if self.transform == "value_table" and not self.table:
            raise ValueError("transform value_table needs 'table'")
        if self.unknown == "default" and self.default is None:
            raise ValueError("unknown: default needs 'default'")
        if (self.transform == "reference") != (self.references is not None):
            raise ValueError("transform reference and 'references' go together")
        return self


# Named ways to derive a field's dedupe key from its standardised value (the functions are
# in concord/dedupe/keys.py, which checks at import that both lists agree): `exact` the
# value as standardised, `casefold` case-insensitive text, `company_name` the company
# match key (legal forms, accents, case and punctuation folded: concord/normalise/names.py).
KeyNormaliserName = Literal["exact", "casefold", "company_name"]


class DedupeRule(_Strict):
    """Records whose keys for all these (standardised, non-empty) fields are equal are
    one entity. A field's key is its value, or what `normalise` derives from it
    (`{Name: company_name}`); a key that comes out empty never matches.

    `review` (the default) holds the cluster's records until a data steward decides;
    `auto` merges them into the earliest record and records the rule as the decider.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    fields: tuple[str, ...] = Field(min_length=1)
    normalise: dict[str, KeyNormaliserName] = Field(
        default_factory=dict, description="field -> key normaliser; unnamed fields: exact")
    resolve: Literal["auto", "review"] = "review"

    @model_validator(mode="after")
    def _normalises_own_fields(self) -> DedupeRule:
        stray = [f for f in self.normalise if f not in self.fields]
        if stray:
            raise ValueError(f"normalise names {stray}, which are not among this rule's fields")
        return self


class MergePolicy(_Strict):
    """What a steward's merge does to the losing record's own target record, if it has one
    (written before the decision): `ignore` leaves it, `flag` sets `field` to the
    survivor's external id, so it can be found and merged in the target by hand
    (Salesforce's REST API has no merge)."""

    action: Literal["ignore", "flag"] = "ignore"
    field: str | None = None

    @model_validator(mode="after")
    def _flag_names_field(self) -> MergePolicy:
        if self.action == "flag" and self.field is None:
            raise ValueError("on_merge: flag needs 'field'")
        return self


class DeletePolicy(_Strict):
    """What a record deleted in the source does to its target record.

    `ignore` leaves it (reported as skipped), `delete` deletes it, `flag` sets `field` to
    `value` (e.g. an Account's status to "Former Customer": the sales history stays).
    """

    action: Literal["ignore", "delete", "flag"] = "ignore"
    field: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _flag_names_field(self) -> DeletePolicy:
        if self.action == "flag" and (self.field is None or self.value is None):
            raise ValueError("on_delete: flag needs 'field' and 'value'")
        return self


class OwnerPolicy(_Strict):
    field: str = "OwnerId"
    house_account: str = Field(description="Salesforce User Id that owns orphaned records")


class ObjectSpec(_Strict):
    entity: str
    source: SourceSpec
    target: TargetSpec
    fields: dict[str, FieldSpec]
    value_tables: dict[str, dict[str, str]] = Field(default_factory=dict)
    dedupe: tuple[DedupeRule, ...] = ()
    match_on: tuple[str, ...] = Field(
        default=(), description="target fields that link an untracked record to an existing one"
    )
    owners: OwnerPolicy | None = None
    on_delete: DeletePolicy = DeletePolicy()
    on_merge: MergePolicy = MergePolicy()
    ownership: OwnershipSpec = Field(default_factory=OwnershipSpec)
    batch_size: int = Field(default=200, ge=1, le=200)

    @model_validator(mode="after")
    def _references_resolve(self) -> ObjectSpec:
        for name, f in self.fields.items():
            if f.table and f.table not in self.value_tables:
                raise ValueError(f"field {name}: value table {f.table!r} is not defined")
        known = set(self.fields)
        names: set[str] = set()
        for rule in self.dedupe:
            missing = [f for f in rule.fields if f not in known]
            if missing:
                raise ValueError(f"dedupe rule {rule.name}: unknown fields {missing}")
            if rule.name in names:  # a pair's reasons name the rule: it must say which
                raise ValueError(f"dedupe rule {rule.name}: named twice")
            names.add(rule.name)
        for f in self.match_on:
            if f not in known:
                raise ValueError(f"match_on: unknown field {f!r}")
        if self.target.external_id in known:
            raise ValueError(f"{self.target.external_id} is Concord's external id; do not map it")
        resolve_ownership(self)
        return self


class PartitionSpec(_Strict):
    start: date
    timezone: str = "UTC"


class SourceSystemSpec(_Strict):
    system: Literal["platform"] = "platform"
    timezone: str = "Europe/Berlin"


class SyncSpec(_Strict):
    sync: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    source: SourceSystemSpec = SourceSystemSpec()
    partitions: PartitionSpec
    objects: dict[str, ObjectSpec]
    path: str = Field(default="<memory>", exclude=True)

    @model_validator(mode="after")
    def _references_point_at_earlier_objects(self) -> SyncSpec:
        """A reference is resolved through the xref after its object was applied, so it may
        only point at an object listed before it (companies before contacts)."""
        seen: set[str] = set()
        for name, obj in self.objects.items():
            for fname, f in obj.fields.items():
                if f.references is not None and f.references not in seen:
                    raise ValueError(
                        f"objects.{name}.fields.{fname}: references {f.references!r}, "
                        "which must be an object listed before it")
            seen.add(name)
        return self
