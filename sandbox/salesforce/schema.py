"""The sObjects the sandbox org knows, with describe output shaped like a recorded org.

Field lists follow the recorded `describe_Account.json` / `describe_Contact.json`
(shared/api-specs/salesforce/cumulusci-recorded), trimmed to what a sync touches, plus the
custom fields Concord's mappings use. Describe dicts carry every key the real API returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "datetime": "xsd:dateTime",
    "date": "xsd:date", "double": "xsd:double", "currency": "xsd:double", "int": "xsd:int",
    "percent": "xsd:double",
}
TEXT_TYPES = frozenset({"string", "textarea", "phone", "url", "email", "picklist", "id",
                        "reference", "combobox"})


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    length: int = 0
    label: str = ""
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    id_lookup: bool = False
    custom: bool = False
    picklist: tuple[str, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    defaulted_on_create: bool = False
    required: bool = False  # REQUIRED_FIELD_MISSING when absent on create / nulled on update
    precision: int = 0
    scale: int = 0
    digits: int = 0

    @property
    def display_label(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class SObjectDef:
    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: tuple[FieldDef, ...]
    writable: bool = True
    by_name: dict[str, FieldDef] = field(default_factory=dict, compare=False)
    by_lower: dict[str, FieldDef] = field(default_factory=dict, compare=False)
    relationships: dict[str, FieldDef] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name: f for f in self.fields})
        self.by_lower.update({f.name.lower(): f for f in self.fields})
        self.relationships.update(
            {f.relationship_name.lower(): f for f in self.fields if f.relationship_name})

    def field(self, name: str) -> FieldDef | None:
        """Case-insensitive, as SF resolves names; the exact spelling skips the lower()."""
        return self.by_name.get(name) or self.by_lower.get(name.lower())

    @cached_property
    def required_fields(self) -> tuple[FieldDef, ...]:
        """Checked on every write, so worked out once."""
        return tuple(f for f in self.fields if f.required)

    @cached_property
    def unique_fields(self) -> tuple[FieldDef, ...]:
        """Indexed on every write, so worked out once."""
        return tuple(f for f in self.fields if f.unique)


def _ro(name: str, type_: str, length: int = 0, label: str = "", **kw: Any) -> FieldDef:
    return FieldDef(name, type_, length, label, createable=False, updateable=False, **kw)


def _ref(name: str, target: str, rel: str, label: str, **kw: Any) -> FieldDef:
    return FieldDef(name, "reference", 18, label, reference_to=(target,), relationship_name=rel,
                    **kw)


_Fields = tuple[FieldDef, ...]


def _system_fields(object_name: str, owner: bool) -> tuple[_Fields, _Fields, _Fields]:
    head = (
        _ro("Id", "id", 18, f"{object_name} ID", nillable=False, defaulted_on_create=True,
            id_lookup=True),
        _ro("IsDeleted", "boolean", 0, "Deleted", nillable=False, defaulted_on_create=True),
    )
    owner_field = (_ref("OwnerId", "User", "Owner", "Owner ID", nillable=False,
                        defaulted_on_create=True),) if owner else ()
    tail = (
        _ro("CreatedDate", "datetime", 0, "Created Date", nillable=False, defaulted_on_create=True),
        FieldDef("CreatedById", "reference", 18, "Created By ID", nillable=False,
                 createable=False, updateable=False, reference_to=("User",),
                 relationship_name="CreatedBy", defaulted_on_create=True),
        _ro("LastModifiedDate", "datetime", 0, "Last Modified Date", nillable=False,
            defaulted_on_create=True),
        FieldDef("LastModifiedById", "reference", 18, "Last Modified By ID", nillable=False,
                 createable=False, updateable=False, reference_to=("User",),
                 relationship_name="LastModifiedBy", defaulted_on_create=True),
        _ro("SystemModstamp", "datetime", 0, "System Modstamp", nillable=False,
            defaulted_on_create=True),
    )
    return head, owner_field, tail


def _assemble(object_name: str, owner: bool, body: tuple[FieldDef, ...],
              custom: tuple[FieldDef, ...]) -> tuple[FieldDef, ...]:
    head, owner_field, tail = _system_fields(object_name, owner)
    return (*head, *body, *owner_field, *tail, *custom)


INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)
ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
                 "Installation Partner", "Technology Partner", "Other")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
CUSTOMER_STATUSES = ("Lead", "Prospect", "Customer", "Former Customer")


def _concord_id(label: str = "Concord Id") -> FieldDef:
    return FieldDef("Concord_Id__c", "string", 64, label, external_id=True, unique=True,
                    id_lookup=True, custom=True)


def _duplicate_of() -> FieldDef:
    """Where Concord points a record whose platform twin a steward merged into another:
    the survivor's Concord_Id__c (the REST API cannot merge; an admin merges by hand)."""
    return FieldDef("Concord_Duplicate_Of__c", "string", 64, "Duplicate Of (Concord)",
                    custom=True)


def _address(prefix: str) -> tuple[FieldDef, ...]:
    return (
        FieldDef(f"{prefix}Street", "textarea", 255, f"{prefix} Street"),
        FieldDef(f"{prefix}City", "string", 40, f"{prefix} City"),
        FieldDef(f"{prefix}State", "string", 80, f"{prefix} State/Province"),
        FieldDef(f"{prefix}PostalCode", "string", 20, f"{prefix} Zip/Postal Code"),
        FieldDef(f"{prefix}Country", "string", 80, f"{prefix} Country"),
        FieldDef(f"{prefix}Latitude", "double", 0, f"{prefix} Latitude", precision=18, scale=15),
        FieldDef(f"{prefix}Longitude", "double", 0, f"{prefix} Longitude", precision=18, scale=15),
    )


ACCOUNT = SObjectDef("Account", "001", "Account", "Accounts", _assemble("Account", True, (
    _ref("MasterRecordId", "Account", "MasterRecord", "Master Record ID", createable=False,
         updateable=False),
    FieldDef("Name", "string", 255, "Account Name", nillable=False, required=True,
             id_lookup=True),
    FieldDef("Type", "picklist", 40, "Account Type", picklist=ACCOUNT_TYPES),
    _ref("ParentId", "Account", "Parent", "Parent Account ID"),
    *_address("Billing"),
    *_address("Shipping"),
    FieldDef("Phone", "phone", 40, "Account Phone"),
    FieldDef("Fax", "phone", 40, "Account Fax"),
    FieldDef("AccountNumber", "string", 40, "Account Number"),
    FieldDef("Website", "url", 255, "Website"),
    FieldDef("Sic", "string", 20, "SIC Code"),
    FieldDef("Industry", "picklist", 40, "Industry", picklist=INDUSTRIES),
    FieldDef("AnnualRevenue", "currency", 0, "Annual Revenue", precision=18, scale=0),
    FieldDef("NumberOfEmployees", "int", 0, "Employees", digits=8),
    FieldDef("Ownership", "picklist", 40, "Ownership",
             picklist=("Public", "Private", "Subsidiary", "Other")),
    FieldDef("TickerSymbol", "string", 20, "Ticker Symbol"),
    FieldDef("Description", "textarea", 32000, "Account Description"),
    FieldDef("Rating", "picklist", 40, "Account Rating", picklist=("Hot", "Warm", "Cold")),
    FieldDef("Site", "string", 80, "Account Site"),
    FieldDef("AccountSource", "picklist", 40, "Account Source", picklist=LEAD_SOURCES),
), (
    _concord_id(),
    _duplicate_of(),
    FieldDef("VAT_Id__c", "string", 20, "VAT Id", custom=True),
    FieldDef("Trade_Register__c", "string", 64, "Trade Register", custom=True),
    FieldDef("Customer_Status__c", "picklist", 255, "Customer Status", custom=True,
             picklist=CUSTOMER_STATUSES, restricted_picklist=True),
)))

CONTACT = SObjectDef("Contact", "003", "Contact", "Contacts", _assemble("Contact", True, (
    _ref("MasterRecordId", "Contact", "MasterRecord", "Master Record ID", createable=False,
         updateable=False),
    _ref("AccountId", "Account", "Account", "Account ID"),
    FieldDef("LastName", "string", 80, "Last Name", nillable=False, required=True),
    FieldDef("FirstName", "string", 40, "First Name"),
    FieldDef("Salutation", "picklist", 40, "Salutation",
             picklist=("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")),
    _ro("Name", "string", 121, "Full Name", nillable=False, id_lookup=True),
    *_address("Other"),
    *_address("Mailing"),
    FieldDef("Phone", "phone", 40, "Business Phone"),
    FieldDef("Fax", "phone", 40, "Business Fax"),
    FieldDef("MobilePhone", "phone", 40, "Mobile Phone"),
    FieldDef("HomePhone", "phone", 40, "Home Phone"),
    FieldDef("OtherPhone", "phone", 40, "Other Phone"),
    _ref("ReportsToId", "Contact", "ReportsTo", "Reports To ID"),
    FieldDef("Email", "email", 80, "Email", id_lookup=True),
    FieldDef("Title", "string", 128, "Title"),
    FieldDef("Department", "string", 80, "Department"),
    FieldDef("LeadSource", "picklist", 255, "Lead Source", picklist=LEAD_SOURCES),
    FieldDef("Birthdate", "date", 0, "Birthdate"),
    FieldDef("Description", "textarea", 32000, "Contact Description"),
    FieldDef("HasOptedOutOfEmail", "boolean", 0, "Email Opt Out", nillable=False,
             defaulted_on_create=True),
    FieldDef("DoNotCall", "boolean", 0, "Do Not Call", nillable=False, defaulted_on_create=True),
), (_concord_id(), _duplicate_of())))

PRODUCT2 = SObjectDef("Product2", "01t", "Product", "Products", _assemble("Product", False, (
    FieldDef("Name", "string", 255, "Product Name", nillable=False, required=True,
             id_lookup=True),
    FieldDef("ProductCode", "string", 255, "Product Code"),
    FieldDef("Description", "textarea", 4000, "Product Description"),
    FieldDef("IsActive", "boolean", 0, "Active", nillable=False, defaulted_on_create=True),
    FieldDef("Family", "picklist", 40, "Product Family", picklist=("None",)),
    FieldDef("ExternalId", "string", 255, "External ID"),
    FieldDef("QuantityUnitOfMeasure", "picklist", 255, "Quantity Unit Of Measure",
             picklist=("Each",)),
    FieldDef("StockKeepingUnit", "string", 180, "Product SKU"),
    FieldDef("IsArchived", "boolean", 0, "Archived", nillable=False, createable=False,
             updateable=False, defaulted_on_create=True),
), (_concord_id(),)))

USER = SObjectDef("User", "005", "User", "Users", _assemble("User", False, (
    FieldDef("Username", "string", 80, "Username", nillable=False, unique=True, id_lookup=True),
    FieldDef("LastName", "string", 80, "Last Name", nillable=False),
    FieldDef("FirstName", "string", 40, "First Name"),
    _ro("Name", "string", 121, "Full Name", nillable=False),
    FieldDef("Email", "email", 128, "Email", nillable=False),
    FieldDef("Alias", "string", 8, "Alias", nillable=False),
    FieldDef("IsActive", "boolean", 0, "Active", nillable=False, defaulted_on_create=True),
    FieldDef("TimeZoneSidKey", "picklist", 40, "Time Zone", nillable=False,
             picklist=("Europe/Berlin", "GMT")),
), ()), writable=False)

SOBJECTS: dict[str, SObjectDef] = {o.name.lower(): o for o in (ACCOUNT, CONTACT, USER, PRODUCT2)}
BY_PREFIX: dict[str, SObjectDef] = {o.key_prefix: o for o in SOBJECTS.values()}


def sobject(name: str) -> SObjectDef | None:
    return SOBJECTS.get(name.lower())


def describe_field(f: FieldDef) -> dict[str, Any]:
    """One entry of `fields` in `/sobjects/{T}/describe`, with the real API's full key set."""
    text = f.type in TEXT_TYPES
    return {
        "aggregatable": f.type not in ("textarea",), "aiPredictionField": False,
        "autoNumber": False, "byteLength": f.length * 3 if text else 0, "calculated": False,
        "calculatedFormula": None, "cascadeDelete": False, "caseSensitive": False,
        "compoundFieldName": None, "controllerName": None, "createable": f.createable,
        "custom": f.custom, "defaultValue": False if f.type == "boolean" else None,
        "defaultValueFormula": None, "defaultedOnCreate": f.defaulted_on_create,
        "dependentPicklist": False, "deprecatedAndHidden": False, "digits": f.digits,
        "displayLocationInDecimal": False, "encrypted": False, "externalId": f.external_id,
        "extraTypeInfo": None, "filterable": f.type != "textarea" or f.length <= 255,
        "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": f.type not in ("textarea", "double", "currency", "datetime"),
        "highScaleNumber": False, "htmlFormatted": False, "idLookup": f.id_lookup,
        "inlineHelpText": None, "label": f.display_label, "length": f.length, "mask": None,
        "maskType": None, "name": f.name, "nameField": f.name == "Name", "namePointing": False,
        "nillable": f.nillable, "permissionable": f.nillable and f.createable,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in f.picklist
        ],
        "polymorphicForeignKey": False, "precision": f.precision, "queryByDistance": False,
        "referenceTargetField": None, "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name, "relationshipOrder": None,
        "restrictedDelete": False, "restrictedPicklist": f.restricted_picklist,
        "scale": f.scale, "searchPrefilterable": False,
        "soapType": SOAP_TYPES.get(f.type, "xsd:string"), "sortable": f.type != "textarea",
        "type": f.type, "unique": f.unique, "updateable": f.updateable,
        "writeRequiresMasterRead": False,
    }


def object_urls(o: SObjectDef, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{o.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts", "listviews": f"{base}/listviews",
        "describe": f"{base}/describe", "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts", "sobject": base,
    }


def describe_global_entry(o: SObjectDef, version: str) -> dict[str, Any]:
    w = o.writable
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": w, "custom": False, "customSetting": False, "deepCloneable": False,
        "deletable": w, "deprecatedAndHidden": False, "feedEnabled": True, "hasSubtypes": False,
        "isInterface": False, "isSubtype": False, "keyPrefix": o.key_prefix, "label": o.label,
        "labelPlural": o.label_plural, "layoutable": True, "mergeable": o.name != "Product2",
        "mruEnabled": True, "name": o.name, "queryable": True, "replicateable": True,
        "retrieveable": True, "searchable": True, "triggerable": True, "undeletable": w,
        "updateable": w, "urls": object_urls(o, version),
    }


def describe_sobject(o: SObjectDef, version: str) -> dict[str, Any]:
    """`/sobjects/{T}/describe`, shaped after the recorded Account describe."""
    body = describe_global_entry(o, version)
    for key in ("associateEntityType", "associateParentEntity"):
        body.pop(key)
    body.update({
        "actionOverrides": [], "childRelationships": [], "compactLayoutable": True,
        "defaultImplementation": None, "extendedBy": None, "extendsInterfaces": None,
        "fields": [describe_field(f) for f in o.fields], "implementedBy": None,
        "implementsInterfaces": None, "listviewable": None, "lookupLayoutable": None,
        "namedLayoutInfos": [], "networkScopeFieldName": None,
        "recordTypeInfos": [{
            "active": True, "available": True, "defaultRecordTypeMapping": True,
            "developerName": "Master", "master": True, "name": "Master",
            "recordTypeId": "012000000000000AAA",
            "urls": {"layout": f"/services/data/v{version}/sobjects/{o.name}/describe/layouts/"
                               "012000000000000AAA"},
        }],
        "searchLayoutable": True, "sobjectDescribeOption": "FULL", "supportedScopes": [],
    })
    return dict(sorted(body.items()))
