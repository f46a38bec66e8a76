"""Dedupe keys are named in the spec, derived per field, and a bad name is a spec error
at its line."""

from typing import get_args

import pytest

from concord.dedupe import KEY_NORMALISERS, rule_key
from concord.errors import SpecError
from concord.spec import parse_sync_spec
from concord.spec.model import DedupeRule, KeyNormaliserName

SPEC = """\
sync: demo
partitions: {start: "2026-01-01"}
objects:
  companies:
    entity: company
    source: {table: companies}
    target: {system: salesforce, object: Account, external_id: Concord_Id__c}
    fields:
      Name: {from: name, required: true}
      BillingCountry: {from: country, transform: country}
    dedupe:
      - {name: name_country, fields: [Name, BillingCountry], normalise: {Name: company_name}}
"""
NAME_COUNTRY = DedupeRule(name="name_country", fields=("Name", "BillingCountry"),
                          normalise={"Name": "company_name"})


def test_a_rule_names_its_key_normaliser_and_reviews_by_default() -> None:
    [rule] = parse_sync_spec(SPEC).objects["companies"].dedupe
    assert rule == NAME_COUNTRY
    assert rule.resolve == "review"


def test_every_normaliser_the_spec_accepts_exists() -> None:
    assert set(get_args(KeyNormaliserName)) == set(KEY_NORMALISERS)


@pytest.mark.parametrize(("fields", "key"), [
    ({"Name": "Müller Bau G.m.b.H.", "BillingCountry": "DE"}, ("muller bau", "DE")),
    ({"Name": "Müller Bau GmbH", "BillingCountry": None}, None),  # every part or nothing
    ({"Name": "GmbH", "BillingCountry": ""}, None),
    ({"Name": "(-)", "BillingCountry": "DE"}, None),  # folds to nothing: no key
])
def test_rule_keys(fields: dict, key: tuple[str, ...] | None) -> None:
    assert rule_key(NAME_COUNTRY, fields) == key


def test_casefold_compares_text_without_case_or_extra_spaces() -> None:
    rule = DedupeRule(name="city", fields=("City",), normalise={"City": "casefold"})
    assert rule_key(rule, {"City": "  KÖLN "}) == rule_key(rule, {"City": "köln"}) == ("köln",)


@pytest.mark.parametrize(("broken", "line", "needle"), [
    (SPEC.replace("{Name: company_name}", "{Name: company_nmae}"), 12, "company_name"),
    (SPEC.replace("normalise: {Name:", "normalise: {Phone:"), 12, "not among this rule's fields"),
    (SPEC.replace("fields: [Name, BillingCountry]", "fields: []"), 12, "at least 1"),
    (SPEC.replace("name: name_country", "name: Name Country"), 12, "dedupe.0.name"),
    (SPEC + "      - {name: name_country, fields: [Name]}\n", 5, "named twice"),
])
def test_a_broken_rule_is_a_spec_error_at_its_line(broken: str, line: int, needle: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_sync_spec(broken, "mappings/demo.yaml")
    assert info.value.line == line, str(info.value)
    assert needle in str(info.value)
    assert str(info.value).startswith(f"mappings/demo.yaml:{line}:")
