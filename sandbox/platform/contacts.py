"""`contacts` rows for one company row: new people, people entered twice, and the
people of a duplicate company row who are the same as those of the original row.

`last_contacted` is a human-entered field: German 'TT.MM.JJJJ HH:MM' local time, now and
then ISO, and rarely a wall-clock time that never existed (inside the spring-forward
gap), as people type what the paper diary says.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.platform import vocab
from sandbox.platform.companies import CompanyRow
from sandbox.platform.context import Context
from sandbox.platform.dirt import CONTACTS_PER_ROW, CROSS_SHARE, RATES, within_duplicate_probability
from sandbox.platform.draw import between, pick
from sandbox.platform.entities import EntityFactory, Person
from sandbox.platform.phones import format_phone, mobile_phone, subscriber
from sandbox.platform.spelling import case_variant, invalid_email

COLUMNS = ("id", "company_id", "first_name", "last_name", "email", "phone", "mobile", "title",
           "last_contacted", "created_at", "updated_at", "deleted_at")
_LOOKBACK = 400 * 86400  # how far back a 'last contacted' note may go
_EPOCH_DAY0 = date(1970, 1, 1)


def spring_forward_day(before: date) -> date:
    """The last Sunday of March (EU DST start) strictly before `before`."""
    year = before.year
    while True:
        last = date(year, 3, 31)
        day = last - timedelta(days=(last.weekday() + 1) % 7)
        if day < before:
            return day
        year -= 1


class ContactWriter:
    def __init__(self, ctx: Context, factory: EntityFactory) -> None:
        self.ctx = ctx
        self.factory = factory
        self.sink = ctx.sink("contacts")
        self.truth = ctx.sink("truth_contacts")
        self.next_id = 1
        self.p_within = within_duplicate_probability()
        cum, total = [], 0.0
        for n, p in CONTACTS_PER_ROW:
            total += p
            cum.append((total, n))
        self.count_cum = tuple(cum)
        r = RATES
        self.t_invalid = r["contact_email_invalid"]
        self.t_missing = self.t_invalid + r["contact_email_missing"]
        self.t_gap = r["contact_last_contacted_nonexistent"]
        self.t_iso = self.t_gap + r["contact_last_contacted_iso"]
        self.t_never = self.t_iso + 0.12
        as_of_day = _EPOCH_DAY0 + timedelta(days=ctx.clock.end // 86400)
        self.gap_day = spring_forward_day(as_of_day).strftime("%d.%m.%Y")

    def _count(self, rng: random.Random) -> int:
        u = rng.random()
        for limit, n in self.count_cum:
            if u < limit:
                return n
        return self.count_cum[-1][1]

    def write(self, company: CompanyRow) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        entity = company.entity
        original_people = list(entity.persons) if company.duplicate else []
        emitted: list[tuple[Person, str | None]] = []
        for k in range(self._count(rng)):
            kind = None
            if k >= 1 and rng.random() < self.p_within:
                person, earlier_email = pick(rng, emitted)
                email = case_variant(rng, earlier_email or person.email)
                kind = "contact_duplicate"
            elif original_people and rng.random() < CROSS_SHARE:
                person = pick(rng, original_people)
                email = case_variant(rng, person.email)
                kind = "contact_cross_duplicate"
            else:
                person = self.factory.person(entity)
                entity.persons.append(person)
                email = person.email
            cid = self.next_id
            self.next_id += 1
            if kind:
                ctx.dirt.add(kind, cid)
            u = rng.random()
            shown: str | None = email
            if u < self.t_invalid:
                local = person.email.split("@")[0]
                shown = invalid_email(rng, local, entity.domain)
                ctx.dirt.add("contact_email_invalid", cid)
            elif u < self.t_missing:
                shown = None
                ctx.dirt.add("contact_email_missing", cid)
            emitted.append((person, email))
            self._write_row(company, person, cid, shown)

    def _write_row(self, company: CompanyRow, person: Person, cid: int,
                   email: str | None) -> None:
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        entity = company.entity
        country = entity.country
        first, last = person.first, person.last
        if rng.random() < 0.03:
            first, last = first.upper(), last.upper()
        phone = format_phone(rng, country, entity.area, entity.subscriber)
        if rng.random() < 0.5:
            phone += pick(rng, ("-", "-", " ")) + str(between(rng, 10, 300))
        mobile = mobile_phone(rng, country, entity.area) if rng.random() < 0.55 else None
        title = person.title if rng.random() < 0.85 else None
        last_contacted = self._last_contacted(rng, cid)
        deleted = rng.random() < RATES["contact_deleted"]
        if deleted:
            ctx.dirt.add("contact_deleted", cid)
        created_frac = company.created_frac + rng.random() * min(0.03, 1 - company.created_frac)
        domain = entity.domain
        life = ctx.write_history(
            "contacts", cid, created_frac,
            {"phone": phone, "mobile": mobile, "title": title, "email": email},
            lambda: {"phone": lambda r, cur: format_phone(r, country, entity.area,
                                                  subscriber(r, country, entity.area)),
             "mobile": lambda r, cur: None if cur else mobile_phone(r, country, entity.area),
             "title": lambda r, cur: pick(r, vocab.TITLES[entity.language]),
             "email": lambda r, cur: None if cur else f"{person.first[0].lower()}@{domain}"},
            deleted)
        self.sink.add((cid, company.id, first, last, email, phone, mobile, title,
                       last_contacted, clock.local_text(life.created),
                       clock.local_text(life.updated),
                       None if life.deleted is None else clock.local_text(life.deleted)))
        self.truth.add((cid, person.person_id))

    def _last_contacted(self, rng: random.Random, cid: int) -> str | None:
        u = rng.random()
        if u < self.t_gap:
            self.ctx.dirt.add("contact_last_contacted_nonexistent", cid)
            return f"{self.gap_day} 02:{between(rng, 0, 60):02d}"
        if u >= self.t_never:
            epoch = self.ctx.clock.end - between(rng, 3600, _LOOKBACK)
            day, sec = self.ctx.clock.local_parts(epoch)
            hh, mm = sec // 3600, sec % 3600 // 60
            return f"{self.ctx.clock.german_date(day)} {hh:02d}:{mm:02d}"
        if u < self.t_iso:
            self.ctx.dirt.add("contact_last_contacted_iso", cid)
            epoch = self.ctx.clock.end - between(rng, 3600, _LOOKBACK)
            day, sec = self.ctx.clock.local_parts(epoch)
            return f"{self.ctx.clock.day_text(day)} {sec // 3600:02d}:{sec % 3600 // 60:02d}"
        return None
