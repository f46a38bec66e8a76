"""`companies` rows: each a clerk's rendering of an entity, some entities entered twice.

A duplicate is drawn from a window of recently entered entities (people re-enter a
customer they cannot find), written with another legal-form spelling, a typo, umlauts
transliterated, the VAT id typed differently, the street abbreviated: the cases a
dedupe step must catch (seeds/002, seeds/003: duplicates block the initial sync).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from sandbox.platform import vocab
from sandbox.platform.context import Context, Editor
from sandbox.platform.dirt import DUP_VAT_VARIANT, RATES
from sandbox.platform.draw import between, pick
from sandbox.platform.entities import Entity, EntityFactory
from sandbox.platform.phones import INVALID_PHONES, format_phone, subscriber
from sandbox.platform.reps import RepAssigner
from sandbox.platform.spelling import (
    amount_variant,
    clean_amount,
    currency_variant,
    invalid_email,
    transliterate,
    typo,
)
from sandbox.platform.vat import corrupt_vat_id, vat_variant

COLUMNS = ("id", "name", "vat_id", "trade_register_no", "street", "postal_code", "city",
           "country", "phone", "email", "website", "industry", "customer_status",
           "sales_rep_id", "currency", "credit_limit", "created_at", "updated_at", "deleted_at")
RING = 5000  # how far back a clerk's duplicate reaches (entities)
MAX_ROWS_PER_ENTITY = 3

LEGAL_FORM_VARIANTS = {
    "GmbH": ("G.m.b.H.", "GMBH", "gmbh", "Gesellschaft mit beschränkter Haftung", "Gmbh"),
    "GmbH & Co. KG": ("GmbH & Co KG", "GmbH u. Co. KG", "GmbH&Co.KG", "GMBH & CO. KG"),
    "GmbH & Co KG": ("GmbH & Co. KG", "GmbH&CoKG", "Ges.m.b.H. & Co KG"),
    "UG (haftungsbeschränkt)": ("UG", "UG (haftungsbeschraenkt)", "UG haftungsbeschränkt"),
    "AG": ("A.G.", "Aktiengesellschaft", "ag"), "KG": ("K.G.", "Kommanditgesellschaft"),
    "e.K.": ("e. K.", "eK", "e.Kfm."), "e.U.": ("e. U.", "eU"),
    "B.V.": ("BV", "B.V", "b.v."), "N.V.": ("NV",), "V.O.F.": ("VOF", "v.o.f."),
    "SARL": ("S.A.R.L.", "Sarl", "S.à r.l."), "SAS": ("S.A.S.", "Sas"), "SA": ("S.A.",),
    "EURL": ("E.U.R.L.",), "Sàrl": ("SARL", "Sarl"),
    "Ltd": ("Ltd.", "Limited", "LTD"), "Limited": ("Ltd", "Ltd.", "LIMITED"),
    "PLC": ("plc", "Public Limited Company"), "LLP": ("L.L.P.",),
    "Inc.": ("Inc", "Incorporated", "INC"), "LLC": ("L.L.C.", "Llc"),
    "Corp.": ("Corporation", "Corp"), "Co.": ("Company",),
}
_STATUS = (("lead", 0.15), ("prospect", 0.35), ("customer", 0.90), ("former", 1.01))
_PREVIOUS_STATUS = {"customer": "prospect", "prospect": "lead", "former": "customer",
                    "lead": "prospect"}
_LONG_NOTES = (
    "Rechnungsanschrift abweichend, bitte immer Bestellnummer und Kostenstelle angeben",
    "Lieferungen nur werktags 7-15 Uhr, Anmeldung beim Pförtner, Zufahrt über Tor 3",
    "ACHTUNG: Mahnsperre bis Klärung der Gutschrift, Rücksprache mit Buchhaltung",
    "Hinterhof, Halle B, Rampe 4, Schlüssel beim Hausmeister, Tel. vorher anrufen",
)


@dataclass(slots=True)
class CompanyRow:
    id: int
    entity: Entity
    duplicate: bool
    created_frac: float
    created_epoch: int
    status: str
    currency: str


def _pick_status(rng: random.Random) -> str:
    u = rng.random()
    return next(s for s, limit in _STATUS if u < limit)


def _long_text(rng: random.Random, head: str) -> str:
    text = head
    while len(text) <= 255:
        text += " - " + pick(rng, _LONG_NOTES)
    return text


def name_variant(rng: random.Random, entity: Entity) -> str:
    """The same company's name as another clerk types it; never the identical text."""
    core, form = entity.core, entity.legal_form
    if rng.random() < 0.6:
        form = pick(rng, LEGAL_FORM_VARIANTS.get(form, (form,)))
    if rng.random() < 0.4:
        core = transliterate(core)
    if "&" in core and rng.random() < 0.5:
        core = core.replace("&", pick(rng, ("und", "and", "+", "u.")))
    if rng.random() < 0.3:
        core = typo(rng, core)
    name = f"{form} {core}" if entity.form_first else f"{core} {form}"
    u = rng.random()
    if u < 0.15:
        name = name.upper()
    elif u < 0.2:
        name = name.lower()
    elif u < 0.3:
        name = name.replace(" ", "  ", 1) + " "
    if name == entity.name:
        name = name.upper() if name.upper() != name else name + " "
    return name


def street_variant(rng: random.Random, street: str) -> str:
    for long, shorts in (("straße", ("str.", "strasse", "Str.")), ("Straße", ("Str.", "Strasse")),
                         ("strasse", ("str.",)), ("Street", ("St", "St.")),
                         ("Road", ("Rd", "Rd.")), ("rue", ("r.",)), ("Weg", ("weg",))):
        if long in street:
            return street.replace(long, pick(rng, shorts))
    return street.upper()


class CompanyWriter:
    def __init__(self, ctx: Context, factory: EntityFactory, reps: RepAssigner,
                 scale: int) -> None:
        self.ctx = ctx
        self.factory = factory
        self.reps = reps
        self.scale = scale
        self.ring: list[Entity] = []
        self.ring_pos = 0
        self.sink = ctx.sink("companies")
        self.truth = ctx.sink("truth_companies")

    def _remember(self, entity: Entity) -> None:
        if len(self.ring) < RING:
            self.ring.append(entity)
        else:
            self.ring[self.ring_pos] = entity
            self.ring_pos = (self.ring_pos + 1) % RING

    def _entity_for(self, row_index: int) -> tuple[Entity, bool]:
        rng = self.ctx.rng
        if self.ring and rng.random() < RATES["company_duplicate"]:
            for _ in range(8):
                entity = self.ring[between(rng, 0, len(self.ring))]
                if entity.rows < MAX_ROWS_PER_ENTITY:
                    return entity, True
        entity = self.factory.company()
        self._remember(entity)
        return entity, False

    def write(self, row_index: int) -> CompanyRow:
        ctx, rng = self.ctx, self.ctx.rng
        dirt = ctx.dirt
        rid = row_index + 1
        entity, dup = self._entity_for(row_index)
        entity.rows += 1
        country = entity.country
        if dup:
            dirt.add("company_duplicate", rid)

        name = name_variant(rng, entity) if dup else entity.name
        if rng.random() < RATES["company_name_too_long"]:
            name = _long_text(rng, name)
            dirt.add("company_name_too_long", rid)

        vat = entity.vat_id
        if vat is not None:
            p_variant = DUP_VAT_VARIANT if dup else RATES["company_vat_format"]
            if rng.random() < p_variant:
                vat = vat_variant(rng, vat, country.code)
                dirt.add("company_vat_format", rid)
            if rng.random() < RATES["company_vat_invalid"]:
                vat = corrupt_vat_id(rng, vat, country.code)
                dirt.add("company_vat_invalid", rid)

        register = entity.register
        if dup and register and rng.random() < 0.4:
            register = None if rng.random() < 0.5 else register.replace(" ", "", 1)

        street = entity.address(street_variant(rng, entity.street) if dup and rng.random() < 0.5
                                else None)
        if rng.random() < RATES["company_street_too_long"]:
            street = _long_text(rng, street)
            dirt.add("company_street_too_long", rid)
        city = entity.city.name
        if dup and rng.random() < 0.3:
            city = pick(rng, (city.upper(), transliterate(city), city + " "))

        if rng.random() < RATES["company_country_spelling"]:
            country_text = pick(rng, country.spellings)
            dirt.add("company_country_spelling", rid)
        else:
            country_text = country.code

        if rng.random() < RATES["company_phone_invalid"]:
            phone = pick(rng, INVALID_PHONES)
            dirt.add("company_phone_invalid", rid)
        else:
            phone = format_phone(rng, country, entity.area, entity.subscriber)

        mailbox = pick(rng, vocab.COMPANY_MAILBOX[entity.language])
        if rng.random() < RATES["company_email_invalid"]:
            email = invalid_email(rng, mailbox, entity.domain)
            dirt.add("company_email_invalid", rid)
        else:
            email = f"{mailbox}@{entity.domain}"
        website = pick(rng, (f"www.{entity.domain}", f"https://www.{entity.domain}",
                              f"http://{entity.domain}/", entity.domain))

        if rng.random() < RATES["company_industry_unknown"]:
            industry: str | None = pick(rng, vocab.UNKNOWN_INDUSTRIES)
            dirt.add("company_industry_unknown", rid)
        elif rng.random() < 0.05:
            industry = None
        else:
            industry = entity.industry if not dup or rng.random() < 0.7 else "Other"

        status = _pick_status(rng)
        rep_id, rep_kind = self.reps.assign(rng)
        if rep_kind:
            dirt.add(rep_kind, rid)

        if rng.random() < RATES["company_currency_spelling"]:
            currency = currency_variant(rng, country.currency)
            dirt.add("company_currency_spelling", rid)
        else:
            currency = country.currency

        limit = self._credit_limit(rng, status)
        if rng.random() < RATES["company_credit_limit_format"]:
            credit_limit = amount_variant(rng, limit)
            dirt.add("company_credit_limit_format", rid)
        else:
            credit_limit = clean_amount(limit)

        deleted = rng.random() < RATES["company_deleted"]
        if deleted:
            dirt.add("company_deleted", rid)
        created_frac = (row_index + rng.random()) / self.scale
        life = ctx.write_history(
            "companies", rid, created_frac,
            {"phone": phone, "email": email, "customer_status": status,
             "sales_rep_id": rep_id, "credit_limit": credit_limit, "street": street},
            lambda: self._editors(entity), deleted)
        clock = ctx.clock
        self.sink.add((rid, name, vat, register, street, entity.postal, city, country_text,
                       phone, email, website, industry, status, rep_id, currency, credit_limit,
                       clock.local_text(life.created), clock.local_text(life.updated),
                       None if life.deleted is None else clock.local_text(life.deleted)))
        self.truth.add((rid, entity.entity_id, country.code, entity.vat_id))
        return CompanyRow(rid, entity, dup, created_frac, life.created, status, country.currency)

    @staticmethod
    def _credit_limit(rng: random.Random, status: str) -> Decimal:
        if status in ("lead", "prospect") and rng.random() < 0.6:
            return Decimal(0)
        if rng.random() < 0.8:
            return Decimal(between(rng, 2, 200) * 500)
        return Decimal(between(rng, 50_000, 20_000_000)) / 100

    def _editors(self, entity: Entity) -> dict[str, Editor]:
        country = entity.country
        reps = self.reps
        return {
            "phone": lambda rng, cur: format_phone(
                rng, country, entity.area, subscriber(rng, country, entity.area)),
            "email": lambda rng, cur: f"{pick(rng, ('info', 'office', 'mail'))}@{entity.domain}",
            "customer_status": lambda rng, cur: _PREVIOUS_STATUS.get(cur, "lead"),
            "sales_rep_id": lambda rng, cur: reps.other(rng, cur),
            "credit_limit": lambda rng, cur: clean_amount(Decimal(between(rng, 1, 100) * 250)),
            "street": lambda rng, cur: entity.address(pick(rng,
                vocab.STREETS[country.code])),
        }
