"""The markets the sandbox business sells into, with their local conventions.

Each country brings the spellings a clerk types for it, its currency, its VAT rates,
its cities (with postal-code ranges, dialling codes and register courts) and its legal
forms, so a generated company looks like it was keyed in by someone in that market.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class City:
    name: str
    postal_lo: int
    postal_hi: int
    area: str  # national trunk-prefixed dialling code, e.g. '089'
    court: str  # register court / registry


@dataclass(frozen=True)
class Country:
    code: str
    weight: float
    spellings: tuple[str, ...]  # what clerks type instead of the ISO code
    currency: str
    vat_standard: Decimal
    vat_reduced: Decimal
    language: str
    tld: str
    legal_forms: tuple[tuple[str, float], ...]
    cities: tuple[City, ...]
    dial: str


_DE_CITIES = (
    City("Berlin", 10115, 14199, "030", "Amtsgericht Charlottenburg"),
    City("Hamburg", 20095, 22769, "040", "Amtsgericht Hamburg"),
    City("München", 80331, 81929, "089", "Amtsgericht München"),
    City("Köln", 50667, 51149, "0221", "Amtsgericht Köln"),
    City("Frankfurt am Main", 60306, 60599, "069", "Amtsgericht Frankfurt am Main"),
    City("Stuttgart", 70173, 70629, "0711", "Amtsgericht Stuttgart"),
    City("Düsseldorf", 40210, 40629, "0211", "Amtsgericht Düsseldorf"),
    City("Leipzig", 4103, 4357, "0341", "Amtsgericht Leipzig"),
    City("Dortmund", 44135, 44388, "0231", "Amtsgericht Dortmund"),
    City("Essen", 45127, 45359, "0201", "Amtsgericht Essen"),
    City("Bremen", 28195, 28779, "0421", "Amtsgericht Bremen"),
    City("Dresden", 1067, 1328, "0351", "Amtsgericht Dresden"),
    City("Hannover", 30159, 30669, "0511", "Amtsgericht Hannover"),
    City("Nürnberg", 90402, 90491, "0911", "Amtsgericht Nürnberg"),
    City("Mannheim", 68159, 68309, "0621", "Amtsgericht Mannheim"),
    City("Augsburg", 86150, 86199, "0821", "Amtsgericht Augsburg"),
    City("Freiburg im Breisgau", 79098, 79117, "0761", "Amtsgericht Freiburg"),
    City("Münster", 48143, 48167, "0251", "Amtsgericht Münster"),
    City("Kassel", 34117, 34134, "0561", "Amtsgericht Kassel"),
    City("Regensburg", 93047, 93059, "0941", "Amtsgericht Regensburg"),
    City("Würzburg", 97070, 97084, "0931", "Amtsgericht Würzburg"),
    City("Bielefeld", 33602, 33739, "0521", "Amtsgericht Bielefeld"),
)
_AT_CITIES = (
    City("Wien", 1010, 1230, "01", "Handelsgericht Wien"),
    City("Graz", 8010, 8063, "0316", "Landesgericht für ZRS Graz"),
    City("Linz", 4020, 4040, "0732", "Landesgericht Linz"),
    City("Salzburg", 5020, 5026, "0662", "Landesgericht Salzburg"),
    City("Innsbruck", 6020, 6080, "0512", "Landesgericht Innsbruck"),
    City("Klagenfurt", 9020, 9073, "0463", "Landesgericht Klagenfurt"),
    City("St. Pölten", 3100, 3109, "02742", "Landesgericht St. Pölten"),
    City("Bregenz", 6900, 6900, "05574", "Landesgericht Feldkirch"),
)
_CH_CITIES = (
    City("Zürich", 8001, 8099, "044", "Handelsregisteramt Zürich"),
    City("Bern", 3001, 3030, "031", "Handelsregisteramt Bern"),
    City("Basel", 4001, 4059, "061", "Handelsregisteramt Basel-Stadt"),
    City("Genève", 1201, 1227, "022", "Registre du commerce de Genève"),
    City("Lausanne", 1003, 1018, "021", "Registre du commerce Vaud"),
    City("Luzern", 6002, 6015, "041", "Handelsregisteramt Luzern"),
    City("St. Gallen", 9000, 9016, "071", "Handelsregisteramt St. Gallen"),
    City("Winterthur", 8400, 8411, "052", "Handelsregisteramt Zürich"),
)
_NL_CITIES = (
    City("Amsterdam", 1011, 1109, "020", "KvK Amsterdam"),
    City("Rotterdam", 3011, 3089, "010", "KvK Rotterdam"),
    City("Den Haag", 2491, 2597, "070", "KvK Den Haag"),
    City("Utrecht", 3511, 3585, "030", "KvK Utrecht"),
    City("Eindhoven", 5611, 5658, "040", "KvK Eindhoven"),
    City("Groningen", 9711, 9747, "050", "KvK Groningen"),
    City("Tilburg", 5011, 5049, "013", "KvK Tilburg"),
    City("Almere", 1311, 1365, "036", "KvK Almere"),
)
_FR_CITIES = (
    City("Paris", 75001, 75020, "01", "RCS Paris"),
    City("Lyon", 69001, 69009, "04", "RCS Lyon"),
    City("Marseille", 13001, 13016, "04", "RCS Marseille"),
    City("Toulouse", 31000, 31500, "05", "RCS Toulouse"),
    City("Nice", 6000, 6300, "04", "RCS Nice"),
    City("Nantes", 44000, 44300, "02", "RCS Nantes"),
    City("Strasbourg", 67000, 67200, "03", "RCS Strasbourg"),
    City("Lille", 59000, 59800, "03", "RCS Lille"),
    City("Bordeaux", 33000, 33800, "05", "RCS Bordeaux"),
)
# GB postcodes are built from an outward code; postal_lo/hi pick the district number.
_GB_CITIES = (
    City("London", 1, 20, "020", "Companies House"),
    City("Manchester", 1, 60, "0161", "Companies House"),
    City("Birmingham", 1, 99, "0121", "Companies House"),
    City("Leeds", 1, 29, "0113", "Companies House"),
    City("Glasgow", 1, 84, "0141", "Companies House Scotland"),
    City("Bristol", 1, 49, "0117", "Companies House"),
    City("Liverpool", 1, 38, "0151", "Companies House"),
    City("Edinburgh", 1, 55, "0131", "Companies House Scotland"),
)
GB_OUTWARD = {"London": "EC", "Manchester": "M", "Birmingham": "B", "Leeds": "LS",
              "Glasgow": "G", "Bristol": "BS", "Liverpool": "L", "Edinburgh": "EH"}
_US_CITIES = (
    City("New York", 10001, 10292, "212", "NY Department of State"),
    City("Chicago", 60601, 60661, "312", "Illinois Secretary of State"),
    City("Houston", 77001, 77099, "713", "Texas Secretary of State"),
    City("Austin", 78701, 78759, "512", "Texas Secretary of State"),
    City("Denver", 80201, 80239, "303", "Colorado Secretary of State"),
    City("Atlanta", 30301, 30399, "404", "Georgia Secretary of State"),
    City("Seattle", 98101, 98199, "206", "Washington Secretary of State"),
    City("Boston", 2108, 2137, "617", "Massachusetts Secretary of the Commonwealth"),
    City("Phoenix", 85001, 85099, "602", "Arizona Corporation Commission"),
)

COUNTRIES: tuple[Country, ...] = (
    Country("DE", 0.45, ("Germany", "Deutschland", "germany ", "Deutschland ", "D", "GER"),
            "EUR", Decimal("19"), Decimal("7"), "de", "de",
            (("GmbH", 0.55), ("GmbH & Co. KG", 0.2), ("UG (haftungsbeschränkt)", 0.08),
             ("AG", 0.05), ("e.K.", 0.07), ("KG", 0.05)), _DE_CITIES, "49"),
    Country("AT", 0.12, ("Österreich", "Austria", "AUT", "österreich"),
            "EUR", Decimal("20"), Decimal("10"), "de", "at",
            (("GmbH", 0.7), ("AG", 0.05), ("KG", 0.1), ("e.U.", 0.05),
             ("GmbH & Co KG", 0.1)), _AT_CITIES, "43"),
    Country("CH", 0.10, ("Schweiz", "Switzerland", "Suisse", "CHE"),
            "CHF", Decimal("8.1"), Decimal("2.6"), "de", "ch",
            (("AG", 0.5), ("GmbH", 0.4), ("SA", 0.05), ("Sàrl", 0.05)), _CH_CITIES, "41"),
    Country("NL", 0.10, ("The Netherlands", "Netherlands", "Niederlande", "Holland",
                         "nederland"),
            "EUR", Decimal("21"), Decimal("9"), "nl", "nl",
            (("B.V.", 0.85), ("N.V.", 0.03), ("V.O.F.", 0.12)), _NL_CITIES, "31"),
    Country("FR", 0.08, ("France", "Frankreich", "france"),
            "EUR", Decimal("20"), Decimal("5.5"), "fr", "fr",
            (("SARL", 0.45), ("SAS", 0.35), ("SA", 0.1), ("EURL", 0.1)), _FR_CITIES, "33"),
    Country("GB", 0.08, ("UK", "United Kingdom", "Great Britain", "England", "GB "),
            "GBP", Decimal("20"), Decimal("5"), "en", "co.uk",
            (("Ltd", 0.5), ("Limited", 0.35), ("PLC", 0.05), ("LLP", 0.1)), _GB_CITIES, "44"),
    Country("US", 0.07, ("USA", "United States", "U.S.A.", "United States of America"),
            "USD", Decimal("0"), Decimal("0"), "en", "com",
            (("Inc.", 0.45), ("LLC", 0.4), ("Corp.", 0.1), ("Co.", 0.05)), _US_CITIES, "1"),
)
BY_CODE = {c.code: c for c in COUNTRIES}
COUNTRY_WEIGHTS = tuple(c.weight for c in COUNTRIES)

# How clerks spell each currency besides its ISO code (seeds/002: symbols vs. codes).
CURRENCY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "EUR": ("€", "eur", "Euro", " EUR", "EUR "),
    "USD": ("$", "US$", "usd"),
    "CHF": ("Fr.", "SFr.", "chf"),
    "GBP": ("£", "gbp", "GBP "),
}
# Converting list prices (kept in EUR) into the customer's invoice currency.
FX_FROM_EUR = {"EUR": Decimal("1"), "CHF": Decimal("0.94"), "GBP": Decimal("0.85"),
               "USD": Decimal("1.08")}
