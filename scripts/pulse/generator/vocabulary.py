"""Flavour of the sample (not part of the catalogue contract): names, industries, time
zones, personas and the probabilities that shape the data."""

from __future__ import annotations

import numpy as np

OFFSET_LABELS = ("+09:00", "+05:30", "-05:00", "-08:00", "+01:00", "+00:00")
OFFSET_MINUTES = np.array([540, 330, -300, -480, 60, 0], dtype=np.int64)

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
REGION_WEIGHTS = (0.45, 0.30, 0.20, 0.05)
# offset indices (into OFFSET_LABELS) used by the people of each region, and their weights
REGION_OFFSETS = ((2, 3), (4, 5), (0, 1), (2, 2))


def split_names(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


INDUSTRIES = split_names(
    "Software|Financial services|Healthcare|Retail|Manufacturing|Education|Media|"
    "Logistics|Public sector|Energy"
)
CSM_OWNERS = (
    "Alex Kim",
    "Zoë Martín",
    "Søren Åberg",
    "Priya Nair",
    "Marcus O'Neil",
    "Chloé Dubois",
    "Kenji Watanabe",
    "Dana Whitfield",
)
NEGLECTFUL_CSM = 7  # this owner rarely touches their accounts

NAME_ADJECTIVES = split_names(
    "Blue|Northern|Bright|Silver|Rapid|Green|Summit|Harbor|Golden|Pioneer|Crystal|"
    "Urban|Atlas|Red Rock|Clear|Nova|Evergreen|Iron|Coastal|Prime|Zürich|Nordlys"
)
NAME_NOUNS = split_names(
    "Analytics|Logistics|Health|Foods|Systems|Media|Robotics|Finance|Energy|Labs|"
    "Retail|Travel|Software|Works|Networks|Dynamics|Partners|Solutions|Énergie|Bäckerei"
)
NAME_SUFFIXES = ("Inc", "LLC", "GmbH", "Ltd", "Co", "Group", "SA", "AB", "", "")
# Spreadsheet-injection material, commas, quotes and non-ASCII letters.
SPECIAL_NAMES = (
    '=HYPERLINK("http://example.com","Click me")',
    "+Plus Media Ltd",
    "Smith, Jones & Partners",
    "-Minus Labs",
    'The "Best" Bakery',
    "@Home Services",
    "Müller Café GmbH",
    "=1+2",
    "Société Générale d'Énergie",
    "Ørsted Analytik ApS",
    "Łódź Logistics Sp. z o.o.",
    "São Paulo Dados Ltda",
    "東京ソフト株式会社",
    "Crème, Brûlée & Co",
)
FIRST_NAMES = split_names(
    "ana|ben|chen|dario|elena|farah|gus|hana|ivan|julia|kofi|lena|mateo|nora|omar|pia|"
    "quinn|rosa|sam|tariq|uma|victor|wen|xavier|yuki|zoe"
)
LAST_NAMES = split_names(
    "silva|smith|garcia|kim|novak|okafor|patel|rossi|schmidt|tanaka|wang|nielsen|"
    "dubois|kowalski|haddad|ortiz|berg|costa|ahmed|lee"
)
SIGNUP_SOURCES = ("invite", "sso", "self_serve", "scim")

BROWSERS = ("chrome", "edge", "safari", "firefox", "electron")
BROWSER_WEIGHTS = (0.55, 0.2, 0.12, 0.1, 0.03)
CLICK_ELEMENTS = ("button", "menu", "shortcut")
# A JSON value with a comma, a double quote and a newline: exercises RFC 4180 quoting.
TRICKY_PROPERTIES = '{"browser": "chrome",\n "note": "exported, then \\"shared\\""}'
TRICKY_COMMENT = 'Good overall, but:\n"exports" fail, sometimes twice'

NPS_COMMENTS = {
    "promoter": (
        "Love the dashboards",
        "Great product, our team uses it every day",
        'The "share link" feature saves us hours',
        "Fast, reliable and easy to use",
        "Très bien, merci !",
        "Support team is excellent",
    ),
    "passive": (
        "Good, but reports could load faster",
        "Solid tool; pricing is a bit high",
        "Does the job",
        "Would like more integrations, especially with our CRM",
        "Sehr gut, aber die Exporte sind langsam",
    ),
    "detractor": (
        "Too slow, we're considering alternatives",
        "Hard to set up, the docs are confusing",
        'Exports keep failing with "timeout"',
        "Missing features we need",
        "使いにくいです",
        "Too expensive for what we use",
    ),
}

# Personas: 0 power user, 1 regular, 2 occasional, 3 dormant (stops at some point).
PERSONA_ACTIVE_CHANCE = np.array([0.82, 0.50, 0.16, 0.45])  # base chance of an active weekday
PERSONA_EXTRA_SESSIONS = np.array([1.4, 0.7, 0.25, 0.5])  # extra sessions on an active day
PERSONA_EXTRA_EVENTS = np.array([5.0, 3.6, 2.6, 3.0])  # extra events per session
PERSONA_EVENTS_PER_DAY = (1 + PERSONA_EXTRA_SESSIONS) * (1 + PERSONA_EXTRA_EVENTS)
PERSONA_USAGE_LEVEL = np.array([1.0, 0.7, 0.35, 0.3])  # drives NPS
WEEKEND_FACTOR = 0.14
OLD_ACCOUNT_SHARE = 0.2  # accounts created before the span starts
SESSION_GAP_SECONDS = 45.0
# contract terms in months per plan tier (catalog.PLAN_TIERS order): (first, second), and the
# chance of the first
CONTRACT_TERMS = (((1, 3), 0.7), ((3, 6), 0.65), ((12,), 1.0), ((12,), 1.0))

# Role x product-area affinity (rows: catalog.ROLES, columns: catalog.PRODUCT_AREAS).
ROLE_AFFINITY = np.array(
    [
        [0.8, 0.6, 1.0, 1.6, 2.5],  # admin
        [1.3, 1.2, 1.2, 1.0, 0.6],  # champion
        [2.0, 0.7, 1.0, 0.8, 0.1],  # analyst
        [1.2, 1.8, 0.8, 0.3, 0.3],  # manager
        [1.6, 1.0, 0.2, 0.1, 0.05],  # viewer
        [1.8, 0.8, 0.3, 0.1, 0.1],  # executive
    ]
)

# Event "categories" drawn per event (see block_events).
(
    CATEGORY_OTHER,
    CATEGORY_GUIDE_SEEN,
    CATEGORY_GUIDE_DISMISSED,
    CATEGORY_VALUE,
    CATEGORY_TRACK,
    CATEGORY_CLICK,
    CATEGORY_PAGE,
) = range(7)


# how features.is_core_event is spelled (by feature position)
BOOL_TEXTS = {True: ("true", "TRUE", "1"), False: ("false", "0", "false")}


# CRM activity types (catalog.CRM_ACTIVITY_TYPES order)
CRM_TYPE_WEIGHTS = np.array([0.2, 0.25, 0.38, 0.1, 0.07])  # meeting, call, email, qbr, onsite
