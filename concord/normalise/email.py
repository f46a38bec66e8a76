"""E-mail addresses in the one form Concord matches contacts by.

Contacts are matched across systems by e-mail, so two spellings of one mailbox must give
one string:

- surrounding whitespace and a 'mailto:' prefix are stripped;
- the whole address is lower-cased, the local part too. RFC 5321 lets a server treat
  'Max@' and 'max@' as different mailboxes, but no mail provider our customers use does,
  while CRMs are full of 'Max.Mustermann@' next to 'max.mustermann@'; Concord therefore
  matches case-insensitively and stores the lower-case form;
- a Unicode domain is IDNA-encoded ('müller-bau.de' -> 'xn--mller-bau-q9a.de'), the form
  every CRM and mail server accepts.

Syntax is checked by email-validator (no DNS lookups): one '@', a non-empty local part
without spaces, a domain with a dot. Quoted local parts, IP-literal domains and non-ASCII
local parts are refused: Salesforce, Xero and QuickBooks reject them too. Domains under
the reserved '.test' TLD are accepted (sandbox data uses them); 'localhost', '.local' and
'.invalid' are not. Every refusal raises ``email.syntax`` with email-validator's reason.

Plain ASCII addresses (nearly all of them) take a fast path that accepts only what
email-validator accepts, with the same result; anything else, and every refusal, goes
through email-validator itself (tests/core/test_standardise_fast_paths.py compares both).
"""

from __future__ import annotations

import re

import email_validator
from email_validator import EmailNotValidError, validate_email

from concord.errors import ValidationError

# email-validator's dot-atom local part (RFC 5322 3.2.3, its DOT_ATOM_TEXT, ASCII only)
# '@' a host name of two or more labels: letters, digits and inner hyphens, at most 63
# characters each, the last ending in a letter (its DOMAIN_NAME_REGEX: every TLD does).
_ATEXT = r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]"
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_PLAIN = re.compile(
    rf"(?P<local>{_ATEXT}+(?:\.{_ATEXT}+)*)"
    rf"@(?P<domain>(?:{_LABEL}\.)+(?:[a-zA-Z0-9][a-zA-Z0-9-]{{0,61}})?[a-zA-Z])"
)
# Special-use names email-validator refuses ('.local', '.invalid', ...), except '.test',
# which test_environment=True lets through. Read from the library, so a name it adds
# later sends those addresses down the slow path rather than past it.
_RESERVED_SUFFIXES = tuple(
    "." + name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name != "test"
)
_MAX_LENGTH = 254  # email-validator's EMAIL_MAX_LENGTH (RFC 5321 4.5.3.1.3, in octets)


def _plain_ascii(s: str) -> str | None:
    """The normalised form of a plain ASCII address, or None: ask email-validator.

    Accepts only what email-validator accepts, the same way: ASCII is NFC-normal and
    UTS-46 maps it by lower-casing; a dot-atom local part is kept as given; a host name
    without '--' (so no Punycode 'xn--' label and no RFC 5890 R-LDH label) and outside
    the special-use names needs no IDNA round trip; 254 characters bound the whole
    address and so the domain's 253.
    """
    if len(s) > _MAX_LENGTH or not s.isascii():
        return None
    m = _PLAIN.fullmatch(s)
    if m is None:
        return None
    domain = m["domain"].lower()
    if "--" in domain or ("." + domain).endswith(_RESERVED_SUFFIXES):
        return None
    return f"{m['local'].lower()}@{domain}"


def _validated(s: str, text: str) -> str:
    """email-validator's verdict on ``s`` in Concord's form (``text`` is the raw input)."""
    try:
        checked = validate_email(
            s,
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            test_environment=True,
        )
    except EmailNotValidError as exc:
        raise ValidationError(
            f"{text!r} is not an e-mail address: {exc}", rule="email.syntax", value=text
        ) from None
    return f"{checked.local_part.lower()}@{checked.ascii_domain.lower()}"


def normalise_email(text: str) -> str:
    """The lower-case, punycode-domain form of ``text``; see the module rules."""
    s = str(text).strip()
    if s[:7].lower() == "mailto:":
        s = s[7:].strip()
    if not s:
        raise ValidationError("e-mail is empty", rule="email.syntax", value=text)
    return _plain_ascii(s) or _validated(s, text)
