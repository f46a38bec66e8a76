"""A sync spec with a mistake names the file, line and column of the mistake."""

from pathlib import Path

import pytest

from concord.errors import SpecError
from concord.spec import load_sync_spec, parse_sync_spec

SHIPPED = Path(__file__).resolve().parents[2] / "mappings"

GOOD = """\
sync: demo
partitions: {start: "2026-01-01"}
objects:
  companies:
    entity: company
    source: {table: companies}
    target: {system: salesforce, object: Account, external_id: Concord_Id__c}
    fields:
      Name: {from: name, required: true}
"""


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_spec_loads(path: Path) -> None:
    spec = load_sync_spec(path)
    assert spec.objects


def test_minimal_spec_gets_defaults() -> None:
    spec = parse_sync_spec(GOOD)
    obj = spec.objects["companies"]
    assert obj.source.modified_at == "updated_at"
    assert obj.fields["Name"].transform == "text"
    assert spec.source.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("broken", "line", "needle"),
    [
        (GOOD.replace("Name: {from: name", "Name: {frm: name"), 9, "frm"),
        (GOOD.replace("required: true", "required: maybe"), 9, "required"),
        (GOOD.replace("object: Account,", "object: Account, system2: x,"), 7, "system2"),
        (GOOD.replace("sync: demo", "sync: Demo Sync"), 1, "sync"),
        # rules that span fields are reported at the object they belong to
        (GOOD + "    dedupe: [{name: vat, fields: [VAT_Id__c]}]\n", 5, "unknown fields"),
    ],
)
def test_errors_point_at_the_line(broken: str, line: int, needle: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_sync_spec(broken, "mappings/demo.yaml")
    err = info.value
    assert err.path == "mappings/demo.yaml"
    assert err.line == line
    assert needle in str(err)
    assert str(err).startswith(f"mappings/demo.yaml:{line}:")


def test_yaml_syntax_error_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as info:
        parse_sync_spec("sync: demo\nobjects: [\n", "x.yaml")
    assert info.value.line is not None


def test_value_table_must_exist() -> None:
    text = GOOD + "      Industry: {from: industry, transform: value_table, table: nope}\n"
    with pytest.raises(SpecError, match="value table 'nope'"):
        parse_sync_spec(text)


def test_mapping_the_external_id_is_refused() -> None:
    text = GOOD + "      Concord_Id__c: {from: id}\n"
    with pytest.raises(SpecError, match="external id"):
        parse_sync_spec(text)
