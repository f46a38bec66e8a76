"""Pure normalisers: messy platform input to canonical values, or a refusal with a rule.

One concept per module; each raises :class:`concord.errors.ValidationError` with a stable
dotted ``rule`` (``field`` is left to the caller) so the record is quarantined, not guessed:

- ``money``: amounts as Decimal, rounding to minor units (``money.*``, ``currency.unknown``)
- ``percent``: tax rates and discounts as fractions (``percent.*``)
- ``currency``: ISO 4217 codes from codes, symbols, names (``currency.*``)
- ``timestamps``: aware UTC from local / ISO / German text; DST rules (``timestamp.*``,
  ``date.syntax``)
- ``email``: lower-case, punycode-domain addresses (``email.syntax``)
- ``phone``: E.164 (``phone.*``)
- ``country``: ISO 3166-1 alpha-2 from codes and names in several languages (``country.*``)
- ``vat``: compact, prefixed, check-digit-verified VAT ids (``vat.*``)
- ``trade_register``: register entries such as 'HRB 12345' (``trade_register.*``)
- ``names``: company match keys, person names (``name.last_missing``)
- ``text``: length limits (``text.too_long``)
"""
