"""Real-world companies and people, before any clerk types them into the platform.

An `Entity` is one legal company; every `companies` row is a rendering of one entity,
and a few entities are rendered two or three times (duplicates). `Person` is the same
for contacts. Keeping the truth separate from the typed row is what lets the generator
write ground truth (`truth_companies`, `truth_contacts`) next to the dirty data.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

from sandbox.platform import vocab
from sandbox.platform.countries import COUNTRIES, COUNTRY_WEIGHTS, GB_OUTWARD, City, Country
from sandbox.platform.dirt import VAT_MISSING
from sandbox.platform.draw import between, pick
from sandbox.platform.phones import subscriber
from sandbox.platform.spelling import slug
from sandbox.platform.vat import make_trade_register, make_vat_id

_COUNTRY_CUM = tuple(accumulate(COUNTRY_WEIGHTS))
_INDUSTRIES = tuple(vocab.SALESFORCE_INDUSTRIES)
_INDUSTRY_CUM = tuple(accumulate(vocab.INDUSTRY_WEIGHTS.get(i, 0.4) for i in _INDUSTRIES))
_FORM_CUM = {c.code: (tuple(f for f, _ in c.legal_forms),
                      tuple(accumulate(w for _, w in c.legal_forms))) for c in COUNTRIES}
_SWISS_FRENCH_FORMS = {"AG": "SA", "GmbH": "Sàrl"}
_GB_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_FRENCH_CITIES = frozenset({"Genève", "Lausanne"})


@dataclass(slots=True)
class Person:
    person_id: int
    first: str
    last: str
    email: str
    title: str


@dataclass(slots=True)
class Entity:
    entity_id: int
    country: Country
    language: str
    core: str
    legal_form: str
    form_first: bool
    city: City
    postal: str
    street: str
    house_no: str
    vat_id: str | None
    register: str | None
    domain: str
    area: str
    subscriber: str
    industry: str
    persons: list[Person] = field(default_factory=list)
    rows: int = 0

    @property
    def name(self) -> str:
        return f"{self.legal_form} {self.core}" if self.form_first else f"{self.core} {self.legal_form}"

    def address(self, street: str | None = None) -> str:
        street = street or self.street
        if self.country.code in ("FR", "GB", "US"):
            return f"{self.house_no} {street}"
        return f"{street} {self.house_no}"


@lru_cache(maxsize=4096)
def _mailbox_part(name: str) -> str:
    return slug(name).replace("-", "")


def _weighted(rng: random.Random, items: tuple[str, ...], cum: tuple[float, ...]) -> str:
    return items[bisect_right(cum, rng.random() * cum[-1])]


def postal_code(rng: random.Random, country: Country, city: City) -> str:
    n = between(rng, city.postal_lo, city.postal_hi + 1)
    code = country.code
    if code in ("DE", "FR", "US"):
        return f"{n:05d}"
    if code == "NL":
        letters = pick(rng, "ABCDEGHJKLMNPRTVWXZ") + pick(rng, "ABCDEGHJKLMNPRTVWXZ")
        return f"{n} {letters}"
    if code == "GB":
        inward = f"{between(rng, 1, 10)}{pick(rng, _GB_LETTERS)}{pick(rng, _GB_LETTERS)}"
        return f"{GB_OUTWARD[city.name]}{n} {inward}"
    if code == "AT" and city.name == "Wien":
        return f"{(n // 10) * 10:04d}"
    return f"{n:04d}"


def _core_name(rng: random.Random, country: Country, language: str, city: City) -> str:
    lasts = vocab.LAST_NAMES[country.code]
    trades = vocab.TRADES[language]
    last = pick(rng, lasts)
    trade = pick(rng, trades)
    pattern = between(rng, 0, 8)
    if pattern == 0:
        return f"{last} & {pick(rng, lasts)}"
    if pattern == 1:
        return f"{trade} {last}"
    if pattern == 2:
        return f"{pick(rng, vocab.REGIONS[country.code])} {trade}"
    if pattern == 3:
        return f"{last} {trade} {city.name}"
    if pattern == 4:
        return f"{last} & {pick(rng, lasts)} {trade}"
    if pattern == 5:
        return f"{city.name} {trade}" if language == "en" else f"{trade} {city.name} {last}"
    return f"{last} {trade}"


class EntityFactory:
    """Draws new real-world companies and people; ids are dense and in draw order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_entity = 1
        self.next_person = 1

    def company(self) -> Entity:
        rng = self.rng
        country = COUNTRIES[bisect_right(_COUNTRY_CUM, rng.random() * _COUNTRY_CUM[-1])]
        city = pick(rng, country.cities)
        language = "fr" if city.name in _FRENCH_CITIES else country.language
        core = _core_name(rng, country, language, city)
        forms, cum = _FORM_CUM[country.code]
        legal_form = _weighted(rng, forms, cum)
        if language == "fr" and country.code == "CH":
            legal_form = _SWISS_FRENCH_FORMS.get(legal_form, legal_form)
        vat_id = None if rng.random() < VAT_MISSING else make_vat_id(rng, country.code)
        domain_base = slug(core)
        if rng.random() < 0.3:
            domain_base += str(between(rng, 1, 100))
        area = city.area
        entity = Entity(
            entity_id=self.next_entity, country=country, language=language, core=core,
            legal_form=legal_form, form_first=country.code == "FR" and rng.random() < 0.4,
            city=city, postal=postal_code(rng, country, city),
            street=pick(rng, vocab.STREETS[country.code]),
            house_no=str(between(rng, 1, 180)) + (pick(rng, "abc") if rng.random() < 0.08 else ""),
            vat_id=vat_id,
            register=make_trade_register(rng, country.code, legal_form, city.court, vat_id),
            domain=f"{domain_base}.{country.tld}", area=area,
            subscriber=subscriber(rng, country, area),
            industry=_weighted(rng, _INDUSTRIES, _INDUSTRY_CUM),
        )
        self.next_entity += 1
        return entity

    def person(self, entity: Entity) -> Person:
        rng = self.rng
        first = pick(rng, vocab.FIRST_NAMES[entity.language])
        last = pick(rng, vocab.LAST_NAMES[entity.country.code])
        f, ln = _mailbox_part(first), _mailbox_part(last)
        local = pick(rng, (f"{f}.{ln}", f"{f[0]}.{ln}", f"{f}{ln}", f"{f[0]}{ln}", f"{f}.{ln}"))
        taken = {p.email for p in entity.persons}
        email = f"{local}@{entity.domain}"
        n = 2
        while email in taken:
            email = f"{local}{n}@{entity.domain}"
            n += 1
        person = Person(self.next_person, first, last, email,
                        pick(rng, vocab.TITLES[entity.language]))
        self.next_person += 1
        return person
