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
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from concord.errors import ValidationError


def normalise_email(text: str) -> str:
    """The lower-case, punycode-domain form of ``text``; see the module rules."""
    s = str(text).strip()
    if s[:7].lower() == "mailto:":
        s = s[7:].strip()
    if not s:
        raise ValidationError("e-mail is empty", rule="email.syntax", value=text)
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
