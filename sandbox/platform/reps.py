"""Sales reps, aligned (or not) with the Salesforce org's users (seeds/003).

Point of Rental syncs a customer only through a rep aligned with an *active* Salesforce
user, and advises a 'House Account' rep aligned with the admin for the rest. So the
platform has: reps mapped to active users, reps mapped to users that were deactivated,
reps with no Salesforce user at all, and the House Account.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.platform.dirt import RATES
from sandbox.platform.draw import pick
from sandbox.reference import HOUSE_ACCOUNT_OWNER, SALESFORCE_USERS

PLATFORM_DOMAIN = "mietpark-sandbox.example"
HOUSE_SHARE = 0.06  # customers parked on the House Account on purpose


@dataclass(frozen=True)
class SalesRep:
    id: int
    name: str
    login: str
    salesforce_user_id: str | None
    active: bool
    salesforce_active: bool | None

    def row(self) -> tuple[object, ...]:
        email = f"{self.login}@{PLATFORM_DOMAIN}"
        return (self.id, self.name, email, self.salesforce_user_id, int(self.active),
                self.login)


def _login(name: str) -> str:
    first, last = name.split(" ", 1)
    return (first[0] + last).lower().replace(" ", "")


def build_reps() -> tuple[SalesRep, ...]:
    reps = [SalesRep(1, "House Account", "house", HOUSE_ACCOUNT_OWNER.id, True, True)]
    for user in SALESFORCE_USERS:
        if user.id == HOUSE_ACCOUNT_OWNER.id:
            continue
        # A rep whose Salesforce user was deactivated often stays active on the platform.
        active = user.is_active or user.name.startswith("Paul")
        reps.append(SalesRep(len(reps) + 1, user.name, _login(user.name), user.id, active,
                             user.is_active))
    for name, active in (("Karl Lehmann", True), ("Petra Schulz", True), ("Tim Brandt", False)):
        reps.append(SalesRep(len(reps) + 1, name, _login(name), None, active, None))
    return tuple(reps)


class RepAssigner:
    """Which rep a company row gets, and which dirt kind (if any) that assignment is."""

    def __init__(self, reps: tuple[SalesRep, ...]) -> None:
        self.house = reps[0]
        self.mapped = tuple(r for r in reps[1:] if r.salesforce_active)
        self.inactive = tuple(r for r in reps if r.salesforce_active is False)
        self.unmapped = tuple(r for r in reps if r.salesforce_user_id is None)
        p = RATES
        self.t_unmapped = p["company_rep_unmapped"]
        self.t_inactive = self.t_unmapped + p["company_rep_inactive"]
        self.t_missing = self.t_inactive + p["company_rep_missing"]
        self.t_house = self.t_missing + HOUSE_SHARE

    def assign(self, rng: random.Random) -> tuple[int | None, str | None]:
        u = rng.random()
        if u < self.t_unmapped:
            return pick(rng, self.unmapped).id, "company_rep_unmapped"
        if u < self.t_inactive:
            return pick(rng, self.inactive).id, "company_rep_inactive"
        if u < self.t_missing:
            return None, "company_rep_missing"
        if u < self.t_house:
            return self.house.id, None
        return pick(rng, self.mapped).id, None

    def other(self, rng: random.Random, current: int | None) -> int | None:
        """A different rep, for edit history (customers get re-assigned)."""
        return pick(rng, self.mapped).id if current is None else (
            self.house.id if current != self.house.id else pick(rng, self.mapped).id)
