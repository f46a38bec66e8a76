"""Field ownership in the spec: which system leads a field, and refusals that say why."""

import subprocess
import sys
from pathlib import Path

import pydantic
import pytest
from pydantic import Field, model_validator

from concord.errors import SpecError
from concord.ownership import OwnershipSpec, parse_ownership, resolve_ownership
from concord.spec import load_sync_spec
from concord.spec import model as spec_model
from concord.spec.loader import parse_sync_spec

ROOT = Path(__file__).resolve().parents[2]
CRM = load_sync_spec(ROOT / "mappings" / "crm_accounts.yaml")
COMPANIES = CRM.objects["companies"]
CONTACTS = CRM.objects["contacts"]


def test_every_field_is_led_by_the_platform_unless_the_spec_says_otherwise() -> None:
    own = resolve_ownership(COMPANIES, {"leads": {"Phone": "salesforce"}})
    assert own.led_by("salesforce") == ["Phone"]
    assert set(own.led_by("platform")) == set(COMPANIES.fields) - {"Phone"}
    assert own.on_conflict == "leader_wins"
    assert own.columns == {"Phone": "phone"}  # written back to the field's own column


def test_a_salesforce_led_default_and_an_explicit_writeback_column() -> None:
    own = resolve_ownership(CONTACTS, {"default": "salesforce", "on_conflict": "review",
                                       "leads": {"AccountId": "platform"},
                                       "writeback": {"Title": "title"}})
    assert own.fields["AccountId"].leader == "platform"
    assert own.columns["Email"] == "email"
    assert own.on_conflict == "review"


def test_a_one_to_one_value_table_is_reversed_for_the_write_back() -> None:
    own = resolve_ownership(COMPANIES, {"leads": {"Customer_Status__c": "salesforce"}})
    assert own.fields["Customer_Status__c"].reverse == {
        "lead": "lead", "prospect": "prospect", "customer": "customer",
        "former customer": "former"}


@pytest.mark.parametrize(("obj", "ownership", "needle"), [
    (COMPANIES, {"leads": {"OwnerId": "salesforce"}},
     "ownership.leads.OwnerId: transform owner cannot be written back"),
    (CONTACTS, {"leads": {"AccountId": "salesforce"}},
     "ownership.leads.AccountId: transform reference cannot be written back"),
    (CONTACTS, {"leads": {"Nickname": "salesforce"}}, "unknown fields ['Nickname']"),
    (COMPANIES, {"leads": {"Phone": "salesforce"}, "writeback": {"Phone": "updated_at"}},
     "updated_at is the platform's key or bookkeeping column"),
    (COMPANIES, {"leads": {"Phone": "salesforce", "Website": "salesforce"},
                 "writeback": {"Website": "phone"}}, "column phone is already written back"),
    (COMPANIES, {"writeback": {"Phone": "phone"}}, "Salesforce does not lead"),
    (COMPANIES, {"leads": {"Industry": "salesforce"},
                 "reverse_tables": {"industries": {"Other": "sonstiges"}}},
     "'sonstiges' does not map to 'Other'"),
    (COMPANIES, {"reverse_tables": {"colours": {}}}, "not value tables of any field"),
    (COMPANIES, {"leads": {"Phone": "hubspot"}}, "Input should be 'platform' or 'salesforce'"),
])
def test_a_field_that_cannot_be_written_back_is_refused_with_the_reason(
        obj: spec_model.ObjectSpec, ownership: dict, needle: str) -> None:
    with pytest.raises((ValueError, pydantic.ValidationError), match=None) as info:
        resolve_ownership(obj, ownership)
    assert needle in str(info.value)


def test_a_looked_up_column_is_not_written_back() -> None:
    data = COMPANIES.model_dump(by_alias=True)
    data["fields"]["Rep_Email__c"] = {"from": "sales_rep_user_id", "transform": "text"}
    with pytest.raises(ValueError, match=r"sales_rep_user_id is looked up from "
                                         r"sales_reps.salesforce_user_id, not a column of companies"):
        parse_ownership(data, {"leads": {"Rep_Email__c": "salesforce"}})


def test_a_value_table_with_two_platform_spellings_needs_its_reverse_given() -> None:
    data = COMPANIES.model_dump(by_alias=True)
    data["value_tables"]["customer_status"]["ex-customer"] = "Former Customer"
    with pytest.raises(ValueError, match=r"\['former', 'ex-customer'\] -> 'former customer'.*"
                                         r"give ownership.reverse_tables.customer_status"):
        parse_ownership(data, {"leads": {"Customer_Status__c": "salesforce"}})
    own = parse_ownership({**data, "ownership": {
        "leads": {"Customer_Status__c": "salesforce"},
        "reverse_tables": {"customer_status": {
            "Lead": "lead", "Prospect": "prospect", "Customer": "customer",
            "Former Customer": "former"}}}})
    assert own.fields["Customer_Status__c"].reverse["former customer"] == "former"


def test_a_partial_reverse_table_is_refused() -> None:
    missing = r"no platform value for \['Customer', 'Former Customer', 'Prospect'\]"
    with pytest.raises(ValueError, match=missing):
        resolve_ownership(COMPANIES, {"leads": {"Customer_Status__c": "salesforce"},
                                      "reverse_tables": {"customer_status": {"Lead": "lead"}}})


# --- the lead's hook: ObjectSpec grows `ownership` (three lines in concord/spec/model.py) ---

class _ObjectSpecWithOwnership(spec_model.ObjectSpec):
    ownership: OwnershipSpec = Field(default_factory=OwnershipSpec)

    @model_validator(mode="after")
    def _ownership_resolves(self) -> "_ObjectSpecWithOwnership":
        resolve_ownership(self)
        return self


class _SyncSpecWithOwnership(spec_model.SyncSpec):
    objects: dict[str, _ObjectSpecWithOwnership]  # type: ignore[assignment]


YAML = (ROOT / "mappings" / "crm_accounts.yaml").read_text().replace(
    "    owners:\n", "    ownership: {leads: {Phone: salesforce, OwnerId: salesforce}}\n    owners:\n", 1)


def test_with_the_hook_a_yaml_mistake_names_file_object_and_field(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Like the spec's other cross-field checks, it points at the object's line."""
    monkeypatch.setattr("concord.spec.loader.SyncSpec", _SyncSpecWithOwnership)
    with pytest.raises(SpecError) as info:
        parse_sync_spec(YAML, "crm.yaml")
    body = next(i for i, text in enumerate(YAML.splitlines(), 1) if text == "  companies:") + 1
    assert str(info.value).startswith(f"crm.yaml:{body}:")
    assert "ownership.leads.OwnerId: transform owner cannot be written back" in str(info.value)
    spec = parse_sync_spec(YAML.replace(", OwnerId: salesforce", ""), "crm.yaml")
    assert resolve_ownership(spec.objects["companies"]).led_by("salesforce") == ["Phone"]


def test_the_ownership_package_does_not_import_the_spec_model() -> None:
    """concord/spec/model.py can import concord.ownership.spec without an import cycle."""
    code = ("import sys, concord.ownership; "
            "assert 'concord.spec.model' not in sys.modules; "
            "import concord.spec.model")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
