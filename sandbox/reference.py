"""Reference data shared by the sandboxes and the sandbox platform.

The sandbox platform's sales reps point at Salesforce users, and the sandbox Salesforce
org must hold those same users; both read them from here so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def sf_id(prefix: str, n: int, pod: str = "5g0") -> str:
    """An 18-character Salesforce id: 3-char key prefix, pod, base-62 counter, checksum.

    The 3-character suffix is Salesforce's case-safe checksum: for each 5-char chunk of the
    15-char id, a bit per upper-case letter, read as an index into A-Z0-5.
    """
    body = ""
    while n:
        n, r = divmod(n, 62)
        body = BASE62[r] + body
    id15 = (prefix + pod + body.rjust(9, "0"))[:15]
    if len(id15) != 15:
        raise ValueError(f"cannot build a 15-char id from {prefix!r}/{pod!r}")
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += CHECKSUM_ALPHABET[bits]
    return id15 + suffix


@dataclass(frozen=True)
class SalesforceUser:
    id: str
    username: str
    name: str
    email: str
    is_active: bool


def _user(n: int, first: str, last: str, active: bool = True) -> SalesforceUser:
    login = f"{first}.{last}".lower()
    return SalesforceUser(
        id=sf_id("005", n),
        username=f"{login}@sandbox.concord.example",
        name=f"{first} {last}",
        email=f"{login}@concord.example",
        is_active=active,
    )


# The org's admin doubles as the house-account owner (Point of Rental's advice, seeds/003).
HOUSE_ACCOUNT_OWNER = _user(1, "System", "Admin")

# The connected app's "Run As" user for the client-credentials flow: Concord writes as it, so
# its own writes can be told apart from people's (LastModifiedById). Not a sales rep.
INTEGRATION_USER = _user(13, "Concord", "Integration")

SALESFORCE_USERS: tuple[SalesforceUser, ...] = (
    HOUSE_ACCOUNT_OWNER,
    _user(2, "Anna", "Becker"),
    _user(3, "Jonas", "Weber"),
    _user(4, "Lea", "Schmitz"),
    _user(5, "Mehmet", "Yilmaz"),
    _user(6, "Sophie", "Martin"),
    _user(7, "Lukas", "Hoffmann"),
    _user(8, "Emma", "Fischer"),
    _user(9, "Noah", "Klein"),
    _user(10, "Mia", "Wagner"),
    _user(11, "Paul", "Richter", active=False),
    _user(12, "Hannah", "Wolf", active=False),
)
