"""Words the generator builds names, addresses and catalogue items from, by language."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LAST_NAMES: dict[str, tuple[str, ...]] = {
    "DE": _words(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
        "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun "
        "Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid "
        "Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang "
        "Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank "
        "Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig "
        "Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß "
        "Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn "
        "Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer"
    ),
    "AT": _words(
        "Gruber Huber Bauer Wagner Pichler Steiner Moser Mayer Hofer Leitner Berger Fuchs "
        "Eder Fischer Schmid Winkler Weber Schwarz Maier Schneider Reiter Mayr Schmidt "
        "Wimmer Egger Brunner Lang Baumgartner Auer Binder Lechner Wolf Wallner Aigner "
        "Ebner Koller Lehner Haas Schuster Holzer Strasser Kern Stadler Weiß"
    ),
    "CH": _words(
        "Müller Meier Schmid Keller Weber Huber Schneider Meyer Steiner Fischer Gerber "
        "Brunner Baumann Frei Zimmermann Moser Widmer Wyss Graf Roth Suter Baumgartner "
        "Bachmann Studer Bühler Kaufmann Lüthi Marti Frey Kunz Favre Rochat Bernasconi "
        "Hofstetter Zürcher Egli Sutter"
    ),
    "NL": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
           "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos",
           "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
           "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan",
           "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn",
           "van der Heijden", "Schouten", "van Beek", "Willems", "van Vliet", "Hoekstra"),
    "FR": _words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard "
        "André Lefebvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier "
        "Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu "
        "Clément"
    ),
    "GB": _words(
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
        "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris "
        "Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee "
        "King Baker Harrison Morgan Allen"
    ),
    "US": _words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
        "Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee "
        "Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young "
        "Allen King Wright Scott Torres Nguyen Hill Flores"
    ),
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "de": _words(
        "Alexander Andreas Anna Birgit Christian Claudia Daniel Elke Felix Frank Gabriele "
        "Hans Jan Jana Jörg Julia Jürgen Katharina Klaus Laura Lena Lukas Marco Maria "
        "Markus Martin Max Michael Monika Nicole Niklas Petra Ralf Sabine Sandra "
        "Sebastian Stefan Stefanie Thomas Tobias Ulrike Uwe Wolfgang Yvonne Özlem Mehmet "
        "Sören Jürgen"
    ),
    "nl": _words(
        "Anouk Bram Daan Emma Femke Jeroen Joost Lars Lotte Maarten Marieke Niels Pieter "
        "Ruben Sanne Sophie Thijs Willem Eva Bas Ilse Koen"
    ),
    "fr": _words(
        "Amélie Antoine Camille Céline Chloé Claire Élodie François Guillaume Hélène "
        "Isabelle Jean Julien Laurent Léa Lucas Manon Marie Mathieu Nicolas Pierre "
        "Sébastien Sophie Thomas Vincent"
    ),
    "en": _words(
        "Alice Amelia Andrew Ben Charlotte Chloe Daniel David Emily Emma George Grace "
        "Harry Jack James Jessica Jennifer John Laura Michael Olivia Oliver Robert Sarah "
        "Sophie Thomas William"
    ),
}

TRADES: dict[str, tuple[str, ...]] = {
    "de": ("Bau", "Baumaschinen", "Gerüstbau", "Eventtechnik", "Veranstaltungstechnik",
           "Mietservice", "Maschinenverleih", "Hebetechnik", "Garten- und Landschaftsbau",
           "Haustechnik", "Elektrotechnik", "Sanitär", "Logistik", "Transporte", "Kranverleih",
           "Bühnentechnik", "Zeltverleih", "Messebau", "Gebäudereinigung", "Facility Services",
           "Tiefbau", "Hochbau", "Straßenbau", "Dachdeckerei", "Metallbau", "Holzbau",
           "Malerbetrieb", "Containerdienst", "Arbeitsbühnen", "Baustoffe", "Abbruch",
           "Kommunaltechnik", "Industrieservice", "Energietechnik", "Catering"),
    "nl": ("Verhuur", "Bouw", "Steigerbouw", "Evenementen", "Techniek", "Installatietechniek",
           "Transport", "Grondverzet", "Kraanverhuur", "Hoogwerkers", "Tentenverhuur",
           "Bouwmachines", "Infra", "Schoonmaak", "Logistiek"),
    "fr": ("Location", "BTP", "Échafaudages", "Événements", "Services", "Levage", "Matériel",
           "Travaux Publics", "Nacelles", "Chapiteaux", "Transports", "Paysage", "Bâtiment",
           "Énergie", "Démolition"),
    "en": ("Plant Hire", "Equipment Rental", "Scaffolding", "Event Services", "Construction",
           "Access Platforms", "Crane Hire", "Tool Hire", "Facilities", "Logistics",
           "Landscaping", "Staging", "Marquees", "Site Services", "Power Solutions",
           "Building Services", "Demolition", "Groundworks"),
}

REGIONS: dict[str, tuple[str, ...]] = {
    "DE": ("Rhein-Main", "Nord", "Süd", "Allgäu", "Bodensee", "Ruhr", "Spree", "Elbe", "Isar",
           "Weser-Ems", "Schwaben", "Franken", "Oberland", "Saar", "Mosel", "Harz"),
    "AT": ("Tirol", "Steiermark", "Kärnten", "Donau", "Alpen", "Wachau", "Salzkammergut"),
    "CH": ("Alpen", "Mittelland", "Seeland", "Rheintal", "Léman", "Limmattal"),
    "NL": ("Noord", "Zuid", "Randstad", "Brabant", "Twente", "Veluwe"),
    "FR": ("Atlantique", "Provence", "Alsace", "Normandie", "Rhône-Alpes", "Île-de-France"),
    "GB": ("Northern", "Southern", "Midlands", "Thames Valley", "Pennine", "Highland"),
    "US": ("Pacific", "Midwest", "Atlantic", "Lone Star", "Mountain", "Great Lakes"),
}

STREETS: dict[str, tuple[str, ...]] = {
    "DE": ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gewerbestraße", "Schulstraße",
           "Gartenstraße", "Lindenstraße", "Am Hafen", "Mühlenweg", "Raiffeisenstraße",
           "Siemensstraße", "Robert-Bosch-Straße", "Carl-Benz-Straße", "Im Gewerbegebiet",
           "Werkstraße", "Daimlerstraße", "Max-Planck-Straße", "Friedrichstraße", "Kirchweg",
           "Hafenstraße", "Rheinstraße", "Ringstraße"),
    "AT": ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Gewerbepark", "Mariahilfer Straße",
           "Schulgasse", "Kirchengasse", "Linzer Straße", "Wiener Straße", "Mühlgasse"),
    "CH": ("Bahnhofstrasse", "Industriestrasse", "Seestrasse", "Hauptstrasse", "Dorfstrasse",
           "Rue du Rhône", "Rue de Lausanne", "Gewerbestrasse", "Zürcherstrasse"),
    "NL": ("Hoofdstraat", "Kerkstraat", "Industrieweg", "Stationsweg", "Dorpsstraat",
           "Molenweg", "Havenweg", "Nijverheidsweg", "Marktplein", "Parallelweg"),
    "FR": ("rue de la République", "avenue Jean Jaurès", "boulevard Voltaire", "rue Victor Hugo",
           "ZI des Peupliers", "rue Pasteur", "avenue de la Gare", "chemin des Vignes",
           "rue du Commerce"),
    "GB": ("High Street", "Station Road", "Church Lane", "Mill Road", "Riverside Industrial Estate",
           "Park Road", "London Road", "Victoria Street", "Queen's Road"),
    "US": ("Main St", "Oak Avenue", "Industrial Blvd", "Commerce Drive", "Market Street",
           "Lakeview Rd", "Elm Street", "Washington Ave", "Technology Pkwy"),
}

TITLES: dict[str, tuple[str, ...]] = {
    "de": ("Geschäftsführer", "Geschäftsführerin", "Einkauf", "Leiter Einkauf", "Buchhaltung",
           "Disponent", "Bauleiter", "Projektleiterin", "Inhaber", "Prokurist",
           "Assistenz der Geschäftsführung", "Technischer Leiter", "Lagerleiter"),
    "nl": ("Directeur", "Inkoper", "Projectleider", "Administratie", "Bedrijfsleider",
           "Eigenaar", "Uitvoerder"),
    "fr": ("Gérant", "Directeur Général", "Responsable Achats", "Comptable", "Chef de chantier",
           "Chargé d'affaires"),
    "en": ("CEO", "Managing Director", "Purchasing Manager", "Accounts Payable",
           "Operations Manager", "Site Manager", "Project Manager", "Owner", "Office Manager"),
}

COMPANY_MAILBOX = {"de": ("info", "kontakt", "office", "buchhaltung"),
                   "nl": ("info", "administratie", "verhuur"),
                   "fr": ("contact", "info", "compta"),
                   "en": ("info", "hello", "sales", "accounts")}

# Salesforce's standard Account.Industry picklist.
SALESFORCE_INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government",
    "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
    "Not For Profit", "Other", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities",
)
# Industries the platform's free-text field holds that the picklist does not know.
UNKNOWN_INDUSTRIES = ("Rental", "Event Management", "Facility Management", "Landscaping",
                      "Bauwesen", "Logistik", "Veranstaltungen", "Handwerk")
# A rental business's customers cluster in a few industries.
INDUSTRY_WEIGHTS = {"Construction": 12.0, "Entertainment": 5.0, "Engineering": 4.0,
                    "Transportation": 3.0, "Manufacturing": 3.0, "Hospitality": 2.0,
                    "Utilities": 2.0, "Government": 1.5, "Retail": 1.5, "Energy": 1.5,
                    "Machinery": 1.5, "Other": 2.0}

RENTAL_ITEMS = (
    ("Minibagger", ("1,7 t", "2,5 t", "3,5 t", "5 t"), 89, 260),
    ("Radlader", ("3 t", "5 t", "8 t"), 150, 420),
    ("Scherenarbeitsbühne", ("8 m", "10 m", "12 m", "15 m"), 95, 240),
    ("Gelenkteleskopbühne", ("12 m", "16 m", "20 m", "26 m"), 180, 520),
    ("Teleskoplader", ("7 m", "14 m", "17 m"), 160, 380),
    ("Rüttelplatte", ("90 kg", "160 kg", "400 kg"), 35, 120),
    ("Stampfer", ("60 kg", "70 kg"), 30, 60),
    ("Stromerzeuger", ("5 kVA", "20 kVA", "60 kVA", "100 kVA"), 40, 390),
    ("Bautrockner", ("30 l", "50 l", "90 l"), 15, 45),
    ("Fahrgerüst", ("6 m", "8 m", "10 m"), 45, 110),
    ("Bühnenpodest", ("1x1 m", "2x1 m"), 12, 25),
    ("Festzelt", ("6x12 m", "10x20 m", "15x30 m"), 350, 2900),
    ("Bierzeltgarnitur", ("220 cm", "250 cm"), 9, 15),
    ("PA-Anlage", ("1 kW", "2 kW", "5 kW"), 90, 480),
    ("LED-Scheinwerfer", ("50 W", "200 W"), 8, 30),
    ("Heizlüfter", ("9 kW", "30 kW", "80 kW"), 25, 190),
    ("Kompressor", ("2 m³", "5 m³"), 60, 150),
    ("Anhänger", ("1,3 t", "2,7 t", "3,5 t"), 35, 95),
    ("Bürocontainer", ("10 ft", "20 ft"), 18, 45),
    ("Toilettenkabine", ("Standard", "Komfort"), 9, 25),
)
RENTAL_PERIODS = ("Tagesmiete", "Wochenendmiete", "Wochenmiete", "Monatsmiete")
RENTAL_BRANDS = ("Kubota", "JCB", "Genie", "Haulotte", "Wacker Neuson", "Bomag", "Atlas Copco",
                 "Manitou", "Liebherr", "Hitachi", "Takeuchi", "Skyjack", "JLG", "Honda")
SERVICE_ITEMS = (
    ("Anlieferung", ("Zone 1", "Zone 2", "Zone 3", "Zone 4", "Express"), 35, 180),
    ("Abholung", ("Zone 1", "Zone 2", "Zone 3", "Zone 4"), 35, 160),
    ("Einweisung", ("Gerät", "Bühne", "Kran"), 45, 120),
    ("Techniker", ("Stunde", "Nachtstunde", "Wochenendstunde"), 58, 140),
    ("Reinigungspauschale", ("klein", "groß"), 25, 150),
    ("Wartung", ("Inspektion", "UVV-Prüfung"), 60, 240),
    ("Auf- und Abbau", ("pro Stunde", "pauschal"), 45, 900),
    ("Haftungsbeschränkung", ("10 %", "15 %"), 5, 60),
)
INVENTORY_ITEMS = (
    ("Diesel", ("Liter",), 1, 3),
    ("Trennscheibe", ("125 mm", "230 mm", "350 mm"), 3, 45),
    ("Absperrband", ("250 m", "500 m"), 6, 15),
    ("Kabelbinder", ("100 St.", "500 St."), 4, 19),
    ("Schutzhelm", ("weiß", "gelb"), 9, 29),
    ("Gasflasche", ("5 kg", "11 kg", "33 kg"), 18, 75),
    ("Sandsack", ("leer", "gefüllt"), 1, 4),
    ("Getränkepaket", ("klein", "groß"), 45, 240),  # food: reduced VAT
    ("Brezelkorb", ("50 St.", "100 St."), 35, 80),  # food: reduced VAT
)
REDUCED_RATE_ITEMS = frozenset({"Getränkepaket", "Brezelkorb"})
