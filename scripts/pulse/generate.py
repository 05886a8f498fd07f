"""Synthetic raw data for Customer Pulse (README "Your own data"), with signal for every metric
of README "Definitions".

`generate()` writes one file per raw table (`<table>.csv` or `<table>.parquet`) plus
`_manifest.json` into a folder. Same arguments -> byte-identical files.

How it works
- Accounts are planned in fixed-size blocks, each with its own random stream
  (`SeedSequence(seed, spawn_key=(stream, block))`), so account number k is the same account
  whatever the total. `events=` walks the plan in order and keeps accounts until the expected
  number of events is reached (skipping one that would overshoot), `accounts=` keeps the first N.
- Events are simulated per block, fully vectorised: visitor x day activity chances (persona,
  weekday, adoption ramp, churn fade, dormancy, breaks) -> active days -> sessions -> events
  some tens of seconds apart. Blocks are grouped into chunks of about 120k events, formatted
  with numpy lookup tables and pyarrow.compute, and streamed to the open file (a worker thread
  prepares chunk i + 1 while chunk i is written), so memory stays bounded.
- Dirty rows (bad_row_rate > 0) are extra rows with fresh ids that nothing references, each
  with exactly one problem; the manifest counts them by reason.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pulse import catalog, contract
from pulse.errors import PulseError
from pulse.progress import Progress

GENERATOR_VERSION = 1

# --------------------------------------------------------------------------------------------
# The raw contract (README "Your own data")
# --------------------------------------------------------------------------------------------
# the order fixes each table's random stream: append new tables at the end
TABLES: tuple[str, ...] = (
    "accounts",
    "visitors",
    "events",
    "features",
    "nps_responses",
    "poll_responses",
    "support_tickets",
    "crm_activities",
    "renewals",
)

# columns and required columns come from the one raw contract (models/staging/*/_*__sources.yml)
_CONTRACT = contract.load()
if set(_CONTRACT) != set(TABLES):
    raise RuntimeError(
        f"the generator writes {sorted(TABLES)}, the raw contract has {sorted(_CONTRACT)}"
    )
COLUMNS: dict[str, tuple[str, ...]] = {t: _CONTRACT[t].columns for t in TABLES}
REQUIRED: dict[str, tuple[str, ...]] = {t: _CONTRACT[t].required for t in TABLES}

# Which columns the generator makes dirty (a choice of the sample, not part of the contract):
# Columns that hold a timestamp (renewal_date: a date) and numbers, per table.
_TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("created_at", "churned_at"),
    "visitors": ("created_at",),
    "events": ("occurred_at", "received_at"),
    "nps_responses": ("responded_at",),
    "poll_responses": ("responded_at",),
    "support_tickets": ("opened_at", "resolved_at"),
    "crm_activities": ("occurred_at",),
    "renewals": ("renewal_date",),
}
_NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("arr_usd", "seats_purchased"),
    "nps_responses": ("score",),
    "renewals": ("arr_before_usd", "arr_after_usd"),
}

# Reason codes of the dirty rows (the manifest uses exactly these).
MISSING_REQUIRED = "missing_required"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_NUMBER = "invalid_number"
SCORE_OUT_OF_RANGE = "score_out_of_range"
OCCURRED_AFTER_RECEIVED = "occurred_after_received"
UNKNOWN_VISITOR = "unknown_visitor"
UNKNOWN_ACCOUNT = "unknown_account"
UNPARSEABLE_LINE = "unparseable_line"

_KINDS: dict[str, tuple[str, ...]] = {
    "accounts": (MISSING_REQUIRED, INVALID_TIMESTAMP, INVALID_NUMBER, UNPARSEABLE_LINE),
    "visitors": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_ACCOUNT, UNPARSEABLE_LINE),
    "events": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        OCCURRED_AFTER_RECEIVED,
        UNKNOWN_VISITOR,
        UNKNOWN_ACCOUNT,
        UNPARSEABLE_LINE,
    ),
    "features": (MISSING_REQUIRED, UNPARSEABLE_LINE),
    "nps_responses": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        INVALID_NUMBER,
        SCORE_OUT_OF_RANGE,
        UNKNOWN_VISITOR,
        UNPARSEABLE_LINE,
    ),
    "poll_responses": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_VISITOR, UNPARSEABLE_LINE),
    "support_tickets": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_ACCOUNT, UNPARSEABLE_LINE),
    "crm_activities": (MISSING_REQUIRED, INVALID_TIMESTAMP, UNKNOWN_ACCOUNT, UNPARSEABLE_LINE),
    "renewals": (
        MISSING_REQUIRED,
        INVALID_TIMESTAMP,
        INVALID_NUMBER,
        UNKNOWN_ACCOUNT,
        UNPARSEABLE_LINE,
    ),
}


def applicable_kinds(table: str, fmt: str) -> tuple[str, ...]:
    """The dirty-row kinds injected into `table` (unparseable lines only exist in CSV)."""
    kinds = _KINDS[table]
    return kinds if fmt == "csv" else tuple(k for k in kinds if k != UNPARSEABLE_LINE)


_BAD_TIMESTAMPS = ("2026-13-45T99:00", "yesterday", "31/02/2026 10:00", "2026-02-30 25:61:00")
_BAD_DATES = ("2026-02-30", "31/02/2026", "next spring", "2026-13-01")
_BAD_NUMBERS = ("12k", "n/a", "1,200", "twelve")
_BAD_SCORES = ("ten", "n/a", "9+")
_OUT_OF_RANGE_SCORES = ("11", "-1", "15")

# Ids outside the real range: fresh ids of extra (bad) rows, and ids that reference nothing.
_FRESH_BASE = 800_000
_UNKNOWN_BASE = 900_000
MAX_ACCOUNTS = 500_000

# --------------------------------------------------------------------------------------------
# Flavour (not part of the catalogue contract)
# --------------------------------------------------------------------------------------------
_DAY = 86_400
_BIG = 1 << 62

OFFSET_LABELS = ("+09:00", "+05:30", "-05:00", "-08:00", "+01:00", "+00:00")
_OFFSET_MINUTES = np.array([540, 330, -300, -480, 60, 0], dtype=np.int64)

REGIONS = ("NA", "EMEA", "APAC", "LATAM")
_REGION_P = (0.45, 0.30, 0.20, 0.05)
# offset indices (into OFFSET_LABELS) used by the people of each region, and their weights
_REGION_OFFSETS = ((2, 3), (4, 5), (0, 1), (2, 2))


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


INDUSTRIES = _split(
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
_NEGLECTFUL_CSM = 7  # this owner rarely touches their accounts

_NAME_ADJ = _split(
    "Blue|Northern|Bright|Silver|Rapid|Green|Summit|Harbor|Golden|Pioneer|Crystal|"
    "Urban|Atlas|Red Rock|Clear|Nova|Evergreen|Iron|Coastal|Prime|Zürich|Nordlys"
)
_NAME_NOUN = _split(
    "Analytics|Logistics|Health|Foods|Systems|Media|Robotics|Finance|Energy|Labs|"
    "Retail|Travel|Software|Works|Networks|Dynamics|Partners|Solutions|Énergie|Bäckerei"
)
_NAME_SUFFIX = ("Inc", "LLC", "GmbH", "Ltd", "Co", "Group", "SA", "AB", "", "")
# Spreadsheet-injection material, commas, quotes and non-ASCII letters.
_SPECIAL_NAMES = (
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
_FIRST_NAMES = _split(
    "ana|ben|chen|dario|elena|farah|gus|hana|ivan|julia|kofi|lena|mateo|nora|omar|pia|"
    "quinn|rosa|sam|tariq|uma|victor|wen|xavier|yuki|zoe"
)
_LAST_NAMES = _split(
    "silva|smith|garcia|kim|novak|okafor|patel|rossi|schmidt|tanaka|wang|nielsen|"
    "dubois|kowalski|haddad|ortiz|berg|costa|ahmed|lee"
)
_SIGNUP_SOURCES = ("invite", "sso", "self_serve", "scim")

BROWSERS = ("chrome", "edge", "safari", "firefox", "electron")
_BROWSER_P = (0.55, 0.2, 0.12, 0.1, 0.03)
_CLICK_ELEMENTS = ("button", "menu", "shortcut")
# A JSON value with a comma, a double quote and a newline: exercises RFC 4180 quoting.
_TRICKY_PROPERTIES = '{"browser": "chrome",\n "note": "exported, then \\"shared\\""}'
_TRICKY_COMMENT = 'Good overall, but:\n"exports" fail, sometimes twice'

_NPS_COMMENTS = {
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
_P_ACTIVE = np.array([0.82, 0.50, 0.16, 0.45])  # base chance of an active weekday
_LAM_SESSIONS = np.array([1.4, 0.7, 0.25, 0.5])  # extra sessions on an active day
_LAM_EVENTS = np.array([5.0, 3.6, 2.6, 3.0])  # extra events per session
_EVENTS_PER_DAY = (1 + _LAM_SESSIONS) * (1 + _LAM_EVENTS)
_USAGE_LEVEL = np.array([1.0, 0.7, 0.35, 0.3])  # drives NPS
_WEEKEND_FACTOR = 0.14
_OLD_ACCOUNT_SHARE = 0.2  # accounts created before the span starts
_SESSION_GAP_SECONDS = 45.0
# contract terms in months per plan tier (catalog.PLAN_TIERS order): (first, second), and the
# chance of the first
_CONTRACT_TERMS = (((1, 3), 0.7), ((3, 6), 0.65), ((12,), 1.0), ((12,), 1.0))

# Role x product-area affinity (rows: catalog.ROLES, columns: catalog.PRODUCT_AREAS).
_ROLE_AFFINITY = np.array(
    [
        [0.8, 0.6, 1.0, 1.6, 2.5],  # admin
        [1.3, 1.2, 1.2, 1.0, 0.6],  # champion
        [2.0, 0.7, 1.0, 0.8, 0.1],  # analyst
        [1.2, 1.8, 0.8, 0.3, 0.3],  # manager
        [1.6, 1.0, 0.2, 0.1, 0.05],  # viewer
        [1.8, 0.8, 0.3, 0.1, 0.1],  # executive
    ]
)

# Event "categories" drawn per event (see _block_events).
_CAT_OTHER, _CAT_GUIDE_SEEN, _CAT_GUIDE_DISMISSED, _CAT_VALUE, _CAT_TRACK, _CAT_CLICK, _CAT_PAGE = (
    range(7)
)

# --------------------------------------------------------------------------------------------
# Catalogue-derived lookup pools
# --------------------------------------------------------------------------------------------
_N_FEATURES = len(catalog.FEATURES)
_FEATURE_AREA = np.array([catalog.PRODUCT_AREAS.index(f.product_area) for f in catalog.FEATURES])
_FEATURE_CORE = np.array([f.is_core_event for f in catalog.FEATURES])
_FEATURE_RANK_IN_AREA = np.array(
    [
        [f.product_area for f in catalog.FEATURES[:i]].count(feat.product_area)
        for i, feat in enumerate(catalog.FEATURES)
    ]
)
# the features of each area, in catalogue order (= rank order within the area)
_AREA_FEATURES = tuple(
    np.array([i for i, f in enumerate(catalog.FEATURES) if f.product_area == area])
    for area in catalog.PRODUCT_AREAS
)
# popularity: core features and the first features of an area are clicked most
_FEATURE_POPULARITY = np.where(_FEATURE_CORE, 3.0, 1.0) / (1.0 + _FEATURE_RANK_IN_AREA) ** 0.9

_TYPE_POOL = catalog.EVENT_TYPES + catalog.UNKNOWN_EVENT_TYPES
_T_PAGE, _T_CLICK, _T_TRACK, _T_GUIDE_SEEN, _T_GUIDE_DISMISSED = range(5)
_T_UNKNOWN0 = len(catalog.EVENT_TYPES)

_NAME_POOL: list[str] = []


def _name_block(names: Sequence[str]) -> int:
    start = len(_NAME_POOL)
    _NAME_POOL.extend(names)
    return start


_N_PAGE0 = _name_block([p.page_name for p in catalog.PAGES])
_N_SETUP0 = _name_block([s.event_name for s in catalog.SETUP_STEPS])
_N_VALUE0 = _name_block(catalog.VALUE_EVENTS)
_N_TRACK0 = _name_block(catalog.OTHER_TRACK_EVENTS)
_N_GUIDE0 = _name_block([g.guide_id for g in catalog.GUIDES])
_N_FEATURE0 = _name_block([f.feature_name for f in catalog.FEATURES])
_N_CUSTOM = _name_block(["custom_event", "demo_request_form"])
# event_name of the unknown types: identify -> none, custom, form_submit
_UNKNOWN_NAMES = np.array([-1, _N_CUSTOM, _N_CUSTOM + 1])

_PAGE_CUM = np.cumsum([8, 7, 5, 7, 4, 4, 2, 2, 2, 2, 1, 1.5]) / 45.5
_VALUE_CUM = np.cumsum([0.3, 0.25, 0.2, 0.15, 0.1])
_GUIDE_CUM = np.cumsum([0.3, 0.2, 0.15, 0.15, 0.12, 0.08])


def _json(obj: dict[str, str]) -> str:
    return json.dumps(obj, ensure_ascii=False)


_PROP_POOL: list[str] = []
_P_PAGE0 = len(_PROP_POOL)
_PROP_POOL.extend(_json({"browser": b, "path": p.path}) for p in catalog.PAGES for b in BROWSERS)
_P_CLICK0 = len(_PROP_POOL)
_PROP_POOL.extend(_json({"browser": b, "element": e}) for e in _CLICK_ELEMENTS for b in BROWSERS)
_P_PLAIN0 = len(_PROP_POOL)
_PROP_POOL.extend(_json({"browser": b}) for b in BROWSERS)
_P_TRICKY = len(_PROP_POOL)
_PROP_POOL.append(_TRICKY_PROPERTIES)


def _rng(seed: int, *key: int) -> np.random.Generator:
    """An independent random stream for (seed, key...)."""
    entropy = [abs(int(seed)), 1 if seed < 0 else 0]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=key)))


_S_PLAN, _S_EVENTS, _S_EVENT_DIRT, _S_TABLE, _S_DIRT, _S_EXTRA = range(1, 7)


# --------------------------------------------------------------------------------------------
# Fast string formatting (numpy -> Arrow string arrays)
# --------------------------------------------------------------------------------------------
def _string_array(mat: np.ndarray, lens: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """Rows of a uint8 matrix, each cut to its length, as an Arrow string array."""
    n, width = mat.shape
    lens = lens.astype(np.int64)
    if valid is not None:
        lens = np.where(valid, lens, 0)
    mask = np.arange(width, dtype=np.int64)[None, :] < lens[:, None]
    data = mat[mask]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lens, out=offsets[1:])
    bitmap = None
    null_count = 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, null_count
    )


def arrow_ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """A numpy integer array as an Arrow int64 array (`null`: True where missing).

    Arrays are built from buffers: `pa.array()` / `pa.scalar()` import pandas, which costs
    seconds when bytecode caching is off.
    """
    v = np.ascontiguousarray(values, dtype=np.int64)
    bitmap = None
    null_count = 0
    if null is not None and null.any():
        bitmap = pa.py_buffer(np.packbits(~null, bitorder="little"))
        null_count = int(null.sum())
    return pa.Array.from_buffers(pa.int64(), len(v), [bitmap, pa.py_buffer(v)], null_count)


def arrow_strings(values: Sequence[str | None]) -> pa.Array:
    """Python strings (None = null) as an Arrow string array, without pandas."""
    n = len(values)
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise PulseError("a text column is too large (over 2 GB in one piece)")
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    bitmap = None
    null_count = int(n - valid.sum())
    if null_count:
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(
        n,
        pa.py_buffer(offsets.astype(np.int32)),
        pa.py_buffer(b"".join(encoded)),
        bitmap,
        null_count,
    )


def _const_strings(value: str, n: int) -> pa.Array:
    """`value` repeated n times (an array: Arrow scalars would import pandas)."""
    b = value.encode("utf-8")
    offsets = (np.arange(n + 1, dtype=np.int64) * len(b)).astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(b * n))


class _Lookups:
    """Byte lookup tables for timestamps and ids, built once."""

    def __init__(self) -> None:
        # suffixes: 0 "Z", 1..6 offsets, 7 "" (no offset), 8 + ms * 6 + offset ".mmm+HH:MM"
        suffixes = ["Z", *OFFSET_LABELS, ""]
        suffixes += [f".{ms:03d}{off}" for ms in range(1000) for off in OFFSET_LABELS]
        n_suf = len(suffixes)
        suf_bytes = np.zeros((n_suf, 16), dtype=np.uint8)
        for i, s in enumerate(suffixes):
            b = s.encode()
            suf_bytes[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        self.suffix_len = np.array([len(s) for s in suffixes], dtype=np.int64)
        self.n_suffix = n_suf
        # word1: "DD" + sep + "HH:MM" for dd 1..31, sep (T, space), minute of day
        w1 = np.zeros((31, 2, 1440, 8), dtype=np.uint8)
        dd = np.arange(1, 32)
        w1[:, :, :, 0] = (48 + dd // 10)[:, None, None]
        w1[:, :, :, 1] = (48 + dd % 10)[:, None, None]
        w1[:, 0, :, 2] = ord("T")
        w1[:, 1, :, 2] = ord(" ")
        mod = np.arange(1440)
        hh, mm = mod // 60, mod % 60
        w1[:, :, :, 3] = 48 + hh // 10
        w1[:, :, :, 4] = 48 + hh % 10
        w1[:, :, :, 5] = ord(":")
        w1[:, :, :, 6] = 48 + mm // 10
        w1[:, :, :, 7] = 48 + mm % 10
        self.word1 = w1.reshape(-1, 8).view(np.uint64).ravel()
        # word2: ":SS" + suffix[0:5]
        w2 = np.zeros((60, n_suf, 8), dtype=np.uint8)
        ss = np.arange(60)
        w2[:, :, 0] = ord(":")
        w2[:, :, 1] = (48 + ss // 10)[:, None]
        w2[:, :, 2] = (48 + ss % 10)[:, None]
        w2[:, :, 3:8] = suf_bytes[None, :, 0:5]
        self.word2 = w2.reshape(-1, 8).view(np.uint64).ravel()
        # word3: suffix[5:13]
        self.word3 = np.ascontiguousarray(suf_bytes[:, 5:13]).view(np.uint64).ravel()
        digits = np.array([f"{i:04d}" for i in range(10_000)], dtype="S4")
        self.digits4 = digits.view(np.uint32)


_LOOKUPS: _Lookups | None = None


def _lookups() -> _Lookups:
    global _LOOKUPS
    if _LOOKUPS is None:
        _LOOKUPS = _Lookups()
    return _LOOKUPS


# timestamp representations
_STYLE_Z, _STYLE_OFFSET, _STYLE_OFFSET_MS, _STYLE_NAIVE = range(4)


def format_timestamps(
    secs: np.ndarray,
    style: np.ndarray,
    offset: np.ndarray,
    ms: np.ndarray | None = None,
    valid: np.ndarray | None = None,
) -> pa.Array:
    """UTC epoch seconds (+ milliseconds for the .mmm style) as ISO-8601 text.

    style 0: `...T10:15:00Z`; 1: local time with its offset (`...T19:15:00+09:00`);
    2: local time with milliseconds and offset; 3: no offset (`2026-03-01 10:15:00`, UTC).
    """
    lk = _lookups()
    secs = np.asarray(secs, dtype=np.int64)
    n = len(secs)
    style = np.asarray(style)
    offset = np.asarray(offset, dtype=np.int64)
    local_style = (style == _STYLE_OFFSET) | (style == _STYLE_OFFSET_MS)
    local = secs + np.where(local_style, _OFFSET_MINUTES[offset] * 60, 0)
    day = local // _DAY
    sod = local - day * _DAY
    if n:
        d0 = int(day.min())
        d1 = int(day.max())
    else:
        d0 = d1 = 0
    dates = np.arange(d0, d1 + 1).astype("datetime64[D]").astype("S10")
    date_bytes = dates.view(np.uint8).reshape(-1, 10)
    word0_lut = np.ascontiguousarray(date_bytes[:, :8]).view(np.uint64).ravel()
    dd_lut = (date_bytes[:, 8].astype(np.int64) - 48) * 10 + date_bytes[:, 9] - 48
    di = day - d0
    sep = (style == _STYLE_NAIVE).astype(np.int64)
    if ms is None:
        ms = np.zeros(n, dtype=np.int64)
    suffix = np.select(
        [style == _STYLE_Z, style == _STYLE_OFFSET, style == _STYLE_NAIVE],
        [0, 1 + offset, 7],
        8 + np.asarray(ms, dtype=np.int64) * 6 + offset,
    )
    mat = np.empty((n, 4), dtype=np.uint64)
    mat[:, 0] = word0_lut[di]
    mat[:, 1] = lk.word1[((dd_lut[di] - 1) * 2 + sep) * 1440 + sod // 60]
    mat[:, 2] = lk.word2[(sod % 60) * lk.n_suffix + suffix]
    mat[:, 3] = lk.word3[suffix]
    return _string_array(mat.view(np.uint8), 19 + lk.suffix_len[suffix], valid)


def format_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """`prefix` (4 ASCII chars) + the number as 12 zero-padded digits."""
    lk = _lookups()
    p = np.frombuffer(prefix.encode("ascii"), dtype=np.uint32)[0]
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    mat = np.empty((n, 4), dtype=np.uint32)
    mat[:, 0] = p
    mat[:, 1] = lk.digits4[(numbers // 100_000_000) % 10_000]
    mat[:, 2] = lk.digits4[(numbers // 10_000) % 10_000]
    mat[:, 3] = lk.digits4[numbers % 10_000]
    offsets = np.arange(0, 16 * (n + 1), 16, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat))


def _fmt_ts_list(
    secs: Sequence[int] | np.ndarray,
    rng: np.random.Generator,
    offsets: Sequence[int] | np.ndarray,
    with_ms: bool = True,
) -> list[str]:
    """Timestamps in a random mix of representations (small tables)."""
    secs = np.asarray(secs, dtype=np.int64)
    n = len(secs)
    style = _draw_styles(rng, n, with_ms)
    ms = np.where(style == _STYLE_OFFSET_MS, rng.integers(0, 1000, n), 0)
    arr = format_timestamps(secs, style, np.asarray(offsets, dtype=np.int64), ms)
    return arr.to_pylist()


def _draw_styles(rng: np.random.Generator, n: int, with_ms: bool = True) -> np.ndarray:
    u = rng.random(n)
    style = np.where(u < 0.32, _STYLE_Z, np.where(u < 0.62, _STYLE_OFFSET, _STYLE_NAIVE))
    if with_ms:
        style = np.where((u >= 0.62) & (u < 0.75), _STYLE_OFFSET_MS, style)
    return style.astype(np.int8)


# --------------------------------------------------------------------------------------------
# CSV serialisation (RFC 4180, quote only when needed)
# --------------------------------------------------------------------------------------------
_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def csv_field(value: str | None) -> str:
    """One CSV field: empty for None, quoted (quotes doubled) only when needed."""
    if value is None:
        return ""
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _quote_needed(col: pa.Array) -> pa.Array:
    need = pc.match_substring_regex(col, r'[",\r\n]')
    if not pc.any(need).as_py():
        return col
    n = len(col)
    quote = _const_strings('"', n)
    doubled = pc.replace_substring(col, '"', '""')
    quoted = pc.binary_join_element_wise(quote, doubled, quote, _const_strings("", n))
    return pc.if_else(need, quoted, col)  # nulls stay null (written as empty)


def csv_lines(
    columns: Sequence[pa.Array], eol: str, safe: Sequence[bool] | None = None
) -> pa.Array:
    """Each row as one CSV line (with `eol`). Columns flagged `safe` are written as they are."""
    cols = []
    for i, col in enumerate(columns):
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        cols.append(col if safe is not None and safe[i] else _quote_needed(col))
    n = len(cols[0])
    last = pc.binary_join_element_wise(
        cols[-1],
        _const_strings(eol, n),
        _const_strings("", n),
        null_handling="replace",
        null_replacement="",
    )
    if len(cols) == 1:
        return last
    return pc.binary_join_element_wise(
        *cols[:-1], last, _const_strings(",", n), null_handling="replace", null_replacement=""
    )


def _line_bytes(lines: pa.Array) -> tuple[pa.Buffer, np.ndarray]:
    """The data buffer of a string array and its byte offsets (length n + 1)."""
    bufs = lines.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return bufs[2], offsets


# --------------------------------------------------------------------------------------------
# Output files
# --------------------------------------------------------------------------------------------
class _TableWriter:
    """One raw table file: CSV (own serialiser) or Parquet (all columns as strings)."""

    def __init__(
        self,
        out_dir: Path,
        table: str,
        columns: Sequence[str],
        fmt: str,
        eol: str = "\n",
        bom: bool = False,
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.fmt = fmt
        self.eol = eol
        self.file_name = f"{table}.{fmt}"
        self.path = out_dir / self.file_name
        self._file: BinaryIO | None = None
        self._parquet: pq.ParquetWriter | None = None
        self.schema = pa.schema([pa.field(c, pa.string()) for c in self.columns])
        try:
            if fmt == "csv":
                self._file = open(self.path, "wb", buffering=1 << 20)  # noqa: SIM115
                header = ",".join(csv_field(c) for c in self.columns) + eol
                self._file.write((b"\xef\xbb\xbf" if bom else b"") + header.encode())
            else:
                self._parquet = pq.ParquetWriter(
                    str(self.path),
                    self.schema,
                    compression="zstd",
                    compression_level=3,
                    use_dictionary=True,
                    write_statistics=True,
                    version="2.6",
                    data_page_version="1.0",
                )
        except OSError as exc:
            raise PulseError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def write_columns(
        self,
        cols: Sequence[pa.Array],
        safe: Sequence[bool] | None = None,
        raw_after: dict[int, list[Any]] | None = None,
    ) -> None:
        """Write rows; `raw_after[i]` (bytes) is written as it is after the first i rows (CSV)."""
        n = len(cols[0]) if cols else 0
        if self._parquet is not None:
            if n:
                self._parquet.write_table(pa.Table.from_arrays(list(cols), schema=self.schema))
            return
        assert self._file is not None
        raw_after = raw_after or {}
        try:
            pos = 0
            if n:
                data, offsets = _line_bytes(csv_lines(cols, self.eol, safe))
                view = memoryview(data)
            for key in sorted(raw_after):
                cut = min(max(key, 0), n)
                if cut > pos:
                    self._file.write(view[offsets[pos] : offsets[cut]])
                    pos = cut
                for piece in raw_after[key]:
                    self._file.write(piece)
            if pos < n:
                self._file.write(view[offsets[pos] : offsets[n]])
        except OSError as exc:
            raise PulseError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        try:
            if self._file is not None:
                self._file.close()
            if self._parquet is not None:
                self._parquet.close()
        except OSError as exc:
            raise PulseError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        finally:
            self._file = None
            self._parquet = None


def _raw_line(fields: Sequence[str], variant: int, eol: str) -> bytes:
    """A line the CSV reader cannot parse, from CSV-ready fields: too many fields (variant 0),
    too few (1), or bytes that are not UTF-8 inside the first field (2). Always one physical
    line (a field with a line break is left empty)."""
    fields = ["" if ("\n" in f or "\r" in f) else f for f in fields]
    if variant % 3 == 0:
        return (",".join([*fields, "unexpected", "extra field"]) + eol).encode()
    if variant % 3 == 1:
        return (",".join(fields[: max(1, len(fields) - 2)]) + eol).encode()
    first = (fields[0] or "x").encode() + b"\xff\xfe"
    rest = ",".join(fields[1:]).encode()
    return first + (b"," + rest if len(fields) > 1 else b"") + eol.encode()


# --------------------------------------------------------------------------------------------
# Plan: accounts and visitors, in blocks
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Span:
    start: date
    end: date
    days: int
    t0: int  # start 00:00 UTC, epoch seconds
    t1: int  # day after end 00:00 UTC (exclusive)
    weekday0: int


def _span(end_date: date, days: int) -> _Span:
    start = end_date - timedelta(days=days - 1)
    t0 = (start - date(1970, 1, 1)).days * _DAY
    return _Span(start, end_date, days, t0, t0 + days * _DAY, start.weekday())


@dataclass
class _Renewal:
    renewal_date: date
    outcome: str
    arr_before: float
    arr_after: float


@dataclass
class _Block:
    """A block of planned accounts (a subset of them once selected) and their visitors."""

    index: int  # block number: its random streams are keyed on it
    first: int  # position of its first account in the output (set by _make_world)
    # accounts (length n)
    plan_idx: np.ndarray  # account number in the plan (ids and names derive from it)
    tier: np.ndarray
    tier_variant: np.ndarray
    seats: np.ndarray
    seats_mode: np.ndarray  # 0 number, 1 empty, 2 "0"
    created: np.ndarray
    health: np.ndarray
    region: np.ndarray
    offset: np.ndarray
    industry: np.ndarray
    csm: np.ndarray
    neglected: np.ndarray
    last_touch: np.ndarray
    stalled_from: np.ndarray
    churn: np.ndarray
    value_share: np.ndarray
    value_from: np.ndarray  # no value event before this time (data source connected)
    adopt: np.ndarray  # (n, features) adoption time
    parent: np.ndarray
    arr_now: np.ndarray
    arr_mode: np.ndarray  # 0 int, 1 ".00", 2 empty
    renewal_next: list[date | None]
    renewals: list[list[_Renewal]]
    names: list[str]
    setup_n: np.ndarray
    setup_t: np.ndarray  # (n, 7)
    n_vis: np.ndarray
    vis_first: np.ndarray  # index of the account's first visitor within the block
    # visitors (length v)
    v_acct: np.ndarray  # account index within the block
    v_k: np.ndarray
    v_role: np.ndarray
    v_persona: np.ndarray
    v_start: np.ndarray
    v_stop: np.ndarray
    v_gap0: np.ndarray
    v_gap1: np.ndarray
    v_browser: np.ndarray
    v_offset: np.ndarray  # time zone (index into OFFSET_LABELS)
    v_pref: np.ndarray  # (v, features)
    v_email: list[str | None]
    expected: np.ndarray = field(default_factory=lambda: np.zeros(0))  # events per account

    @property
    def n(self) -> int:
        return len(self.tier)

    def select(self, keep: np.ndarray) -> _Block:
        """Only the accounts where `keep` is True (and their visitors)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.all():
            return self
        idx = np.nonzero(keep)[0]
        v_keep = keep[self.v_acct]
        v_idx = np.nonzero(v_keep)[0]
        new_pos = np.cumsum(keep) - 1  # old account index -> new one
        values: dict[str, Any] = {}
        for name, value in self.__dict__.items():
            if name in ("index", "first"):
                values[name] = value
            elif name == "expected":
                values[name] = value[idx] if len(value) == self.n else value
            elif name.startswith("v_"):
                sel = v_idx
                values[name] = [value[i] for i in sel] if isinstance(value, list) else value[sel]
            elif isinstance(value, list):
                values[name] = [value[i] for i in idx]
            else:
                values[name] = value[idx]
        values["v_acct"] = new_pos[self.v_acct[v_idx]]
        n_vis = values["n_vis"]
        values["vis_first"] = np.concatenate([[0], np.cumsum(n_vis)[:-1]]).astype(np.int64)
        return _Block(**values)


def _block_size(days: int) -> int:
    """Accounts per block: 8 at 180 days, fewer for long spans (bounded events per block)."""
    return int(max(1, min(8, round(8 * 180 / max(days, 1)))))


def _slug(name: str, idx: int) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "", ascii_name)[:18]
    return slug or f"account{idx + 1}"


def _plan_block(seed: int, b: int, size: int, span: _Span) -> _Block:
    """Accounts [b * size, (b + 1) * size): independent of how many accounts follow."""
    rng = _rng(seed, _S_PLAN, b)
    n = size
    first = b * size
    idx = first + np.arange(n)
    tiers = catalog.PLAN_TIERS
    tier = rng.choice(len(tiers), n, p=[0.35, 0.30, 0.22, 0.13])
    tier_variant = rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.06, 0.04])
    lo = np.array([t.seats_min for t in tiers])[tier]
    hi = np.array([t.seats_max for t in tiers])[tier]
    seats = rng.integers(lo, hi + 1)
    u = rng.random(n)
    seats_mode = np.where(u < 0.04, 1, np.where(u < 0.07, 2, 0))
    alo = np.log(np.array([t.arr_min_usd for t in tiers])[tier])
    ahi = np.log(np.array([t.arr_max_usd for t in tiers])[tier])
    arr0 = np.round(np.exp(alo + (ahi - alo) * rng.random(n)), -2)
    arr_mode = rng.choice(3, n, p=[0.83, 0.15, 0.02])
    # created: about a fifth before the span (established customers), the rest inside it, so
    # their onboarding (setup steps, first 90 days) is in the data. Sign-ups taper off over the
    # span (density 1.5 -> 0.5), so most new accounts are past onboarding at its end.
    old = rng.random(n) < _OLD_ACCOUNT_SHARE
    before = rng.uniform(20, 900, n) * _DAY
    taper = 1.5 - np.sqrt(2.25 - 2.0 * rng.random(n))
    inside = taper * max(span.days - 5, 1) * _DAY
    created = np.where(old, span.t0 - before, span.t0 + inside).astype(np.int64)
    created = np.minimum(created, span.t1 - 6 * 3600)
    health = rng.beta(2.3, 1.6, n)
    region = rng.choice(len(REGIONS), n, p=_REGION_P)
    which = rng.integers(0, 2, n)
    offset = np.array([_REGION_OFFSETS[r][w] for r, w in zip(region, which, strict=True)])
    industry = rng.integers(0, len(INDUSTRIES), n)
    csm = rng.integers(0, len(CSM_OWNERS), n)
    neglected = rng.random(n) < np.where(csm == _NEGLECTFUL_CSM, 0.6, 0.08)
    last_touch = (span.t1 - rng.uniform(50, 160, n) * _DAY).astype(np.int64)
    # companies with several accounts: ~10 % point to one of the nearby "head" accounts
    heads = 13
    m_max = (idx - 1) // heads
    pick = m_max - rng.integers(0, 5, n) % np.maximum(m_max + 1, 1)
    parent = np.where(
        (rng.random(n) < 0.1) & (idx >= 1) & (idx % heads != 0), pick * heads, -1
    ).astype(np.int64)
    # contracts renew every term (by tier: starter monthly or quarterly, growth quarterly or
    # semi-annual, business and enterprise annual); weak accounts churn at a renewal, strong
    # ones renew or expand. Own stream: the plan draws that follow stay where they were.
    # (planned once the visitors are known: who still uses the product at a renewal counts)
    rng.random(3 * n * 4)  # (the draws of the former anniversary-only renewals)
    u_stall = rng.random(n)
    stall_days = rng.uniform(20, 75, n)
    # value events (reports shared, dashboards published, ...): a share of the account's events
    # that grows with engagement; engaged accounts also have more events per seat, so they reach
    # several value events per seat and month and weak ones do not. Some accounts (mostly weak
    # ones) use the product but hardly ever get to value.
    value_share = np.minimum((0.02 + 0.2 * health) * rng.lognormal(0.0, 0.3, n), 0.3)
    no_value = rng.random(n) < np.clip(0.46 - 0.5 * health, 0.04, 0.38)
    value_share = np.where(no_value, 0.0015, value_share)
    # product areas are adopted one after another (analytics, where the dashboards are, first),
    # and each goes deeper over time: its core feature first, then the others in catalogue
    # order. Engaged accounts and large teams go deep (>= 3 features) in several areas; weak
    # ones stay basic in a few.
    n_areas = len(catalog.PRODUCT_AREAS)
    h2 = health[:, None]
    team = np.log2(seats / 20)
    breadth = 6.0 * (health - 0.3) + 0.3 * team + rng.normal(0.0, 0.6, n)
    n_deep = np.clip(np.round(breadth), 0, n_areas).astype(np.int64)
    n_used = np.clip(n_deep + rng.integers(0, 3, n), 1, n_areas)
    area_key = rng.random((n, n_areas))
    area_key[:, 0] = -1.0  # analytics first
    area_rank = np.argsort(np.argsort(area_key, axis=1), axis=1)
    deep_depth = 3 + (rng.random((n, n_areas, 2)) < 0.5).sum(axis=2)
    basic_depth = 1 + (rng.random((n, n_areas)) < 0.4)
    area_depth = np.where(
        area_rank < n_deep[:, None],
        deep_depth,
        np.where(area_rank < n_used[:, None], basic_depth, 0),
    )
    # when each area is taken up: gaps in adoption order
    area_gap = rng.exponential(1.0, (n, n_areas)) * (8 * _DAY) * (1.7 - h2)
    area_gap[:, 0] = 0
    area_t = np.take_along_axis(
        np.cumsum(np.take_along_axis(area_gap, np.argsort(area_rank, axis=1), axis=1), axis=1),
        area_rank,
        axis=1,
    )
    feat_gap = rng.exponential(1.0, (n, _N_FEATURES)) * (8 * _DAY) * (1.7 - h2)
    feat_gap[:, _FEATURE_RANK_IN_AREA == 0] = 0
    # time after the area's adoption: cumulative gaps over the features of the same area
    feat_rel = np.zeros((n, _N_FEATURES))
    for cols in _AREA_FEATURES:
        feat_rel[:, cols] = np.cumsum(feat_gap[:, cols], axis=1)
    adopt = created[:, None] + (area_t[:, _FEATURE_AREA] + feat_rel).astype(np.int64)
    never = _FEATURE_RANK_IN_AREA[None, :] >= area_depth[:, _FEATURE_AREA]
    adopt = np.where(never, _BIG, adopt)
    adopt[:, 0] = created  # everyone sees the dashboards
    # setup: 7 ordered steps over days to weeks; some accounts never finish
    full = rng.random(n) < np.where(health > 0.35, 0.95, 0.6)
    setup_n = np.where(full, len(catalog.SETUP_STEPS), rng.integers(1, len(catalog.SETUP_STEPS), n))
    gaps = (
        rng.exponential(1.0, (n, len(catalog.SETUP_STEPS))) * (2.5 * _DAY) * (1.7 - health)[:, None]
    )
    gaps[:, 0] = rng.uniform(120, 1800, n)
    setup_rel = np.cumsum(gaps, axis=1).astype(np.int64)
    # account names
    # every 7th account has a tricky name (injection material, commas, quotes, non-ASCII)
    special = idx % 7 == 3
    special_pick = (idx // 7) % len(_SPECIAL_NAMES)
    adj = rng.integers(0, len(_NAME_ADJ), n)
    noun = rng.integers(0, len(_NAME_NOUN), n)
    suf = rng.integers(0, len(_NAME_SUFFIX), n)
    names = []
    for i in range(n):
        if special[i]:
            names.append(_SPECIAL_NAMES[special_pick[i]])
        else:
            names.append(
                " ".join(
                    p for p in (_NAME_ADJ[adj[i]], _NAME_NOUN[noun[i]], _NAME_SUFFIX[suf[i]]) if p
                )
            )

    # ---- visitors ----
    n_vis = np.clip(np.round(seats * rng.uniform(0.45, 0.95, n)), 2, 120).astype(np.int64)
    vis_first = np.concatenate([[0], np.cumsum(n_vis)[:-1]]).astype(np.int64)
    v = int(n_vis.sum())
    v_acct = np.repeat(np.arange(n), n_vis)
    v_k = np.arange(v) - vis_first[v_acct]
    role_other = rng.choice([0, 2, 3, 4, 5], v, p=[0.05, 0.33, 0.2, 0.32, 0.1])
    v_role = np.where(v_k == 0, 0, np.where(v_k == 1, 1, role_other))
    h = health[v_acct]
    w = np.stack([0.06 + 0.32 * h, 0.22 + 0.28 * h, 0.36 - 0.16 * h, 0.36 - 0.3 * h], axis=1)
    w[:, 0] *= np.where(v_role <= 1, 2.0, 1.0)
    w[:, 2] *= np.where(v_role >= 4, 1.6, 1.0)
    w = np.maximum(w, 0.01)
    cw = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    v_persona = (rng.random(v)[:, None] > cw[:, :3]).sum(axis=1)
    acreated = created[v_acct]
    age = span.t1 - acreated
    latest = np.maximum(span.t1 - 3600, acreated + 60)
    # the admin and the champion start on the first day; the admin runs the setup steps
    admin_start = np.minimum(created + rng.uniform(60, 7200, n), latest[vis_first]).astype(np.int64)
    setup_t = admin_start[:, None] + setup_rel
    # teammates join in the days after they are invited (setup step 4); without an invitation
    # they trickle in; some are hired or added much later
    invited = np.where(setup_n >= 4, setup_t[:, 3], _BIG)[v_acct]
    later = rng.random(v) < 0.25
    delay = np.where(
        later,
        rng.random(v) * np.maximum(age, 1),
        np.where(
            invited < _BIG,
            invited - acreated + rng.exponential(5 * _DAY, v),
            rng.exponential(40 * _DAY, v),
        ),
    )
    delay = np.where(v_k == 0, admin_start[v_acct] - acreated, delay)
    delay = np.where(v_k == 1, rng.uniform(60, 7200, v), delay)
    v_start = np.minimum(acreated + delay, latest).astype(np.int64)
    lo_stop = v_start + 5 * _DAY
    hi_stop = span.t1 - _DAY
    stop_at = (lo_stop + rng.random(v) * np.maximum(hi_stop - lo_stop, 0)).astype(np.int64)
    stops = (v_persona == 3) | (rng.random(v) < 0.04)
    v_stop = np.where(stops & (hi_stop > lo_stop), stop_at, _BIG)
    churn, arr_now, renewals, renewal_next = _plan_renewals(
        _rng(seed, _S_PLAN, b, 1), tier, created, health, arr0, span, vis_first, v_start, v_stop
    )
    churned = churn < _BIG
    # people join a churned account only before it churns
    v_start = np.minimum(v_start, np.maximum(churn[v_acct] - 3600, acreated + 60))
    stalled = (~churned) & (u_stall < np.clip(0.34 - 0.45 * health, 0.0, 0.3))
    stalled_from = np.where(stalled, span.t1 - stall_days * _DAY, float(_BIG)).astype(np.int64)
    # champion risk: the sponsor (champion, sometimes the admin) leaves, the account stays
    risk = (~churned) & (rng.random(n) < 0.2) & (n_vis >= 3)
    sponsor = vis_first + np.where(rng.random(n) < 0.7, 1, 0)
    left_at = (span.t1 - rng.uniform(35, 80, n) * _DAY).astype(np.int64)
    for i in np.nonzero(risk)[0]:
        s = sponsor[i]
        if v_start[s] < left_at[i] - 20 * _DAY:
            v_stop[s] = left_at[i]
            v_persona[s] = min(v_persona[s], 1)
    # vacations / breaks: some visitors come back (growth "recovered")
    gap = rng.random(v) < 0.15
    gap0 = (span.t0 + rng.random(v) * span.days * _DAY).astype(np.int64)
    gap1 = gap0 + (rng.uniform(20, 45, v) * _DAY).astype(np.int64)
    v_gap0 = np.where(gap, gap0, _BIG)
    v_gap1 = np.where(gap, gap1, _BIG)
    v_browser = rng.choice(len(BROWSERS), v, p=_BROWSER_P)
    # people of an account work in its region's time zones (e.g. Tokyo and Bangalore)
    v_offset = np.array(_REGION_OFFSETS)[region[v_acct], rng.integers(0, 2, v)]
    acct_taste = rng.lognormal(0.0, 0.7, (n, _N_FEATURES))
    v_pref = (
        _FEATURE_POPULARITY[None, :]
        * _ROLE_AFFINITY[v_role][:, _FEATURE_AREA]
        * acct_taste[v_acct]
        * rng.lognormal(0.0, 0.4, (v, _N_FEATURES))
    ).astype(np.float64)
    first_name = rng.integers(0, len(_FIRST_NAMES), v)
    last_name = rng.integers(0, len(_LAST_NAMES), v)
    email_mode = rng.random(v)
    emails: list[str | None] = []
    for i in range(n):
        domain = _slug(names[i], int(idx[i])) + ".com"
        seen: set[str] = set()
        for j in range(int(vis_first[i]), int(vis_first[i] + n_vis[i])):
            local = f"{_FIRST_NAMES[first_name[j]]}.{_LAST_NAMES[last_name[j]]}"
            if local in seen:
                local = f"{local}{v_k[j] + 1}"
            seen.add(local)
            addr = f"{local}@{domain}"
            if email_mode[j] < 0.02:
                emails.append(None)
            elif email_mode[j] < 0.05:
                emails.append(addr.title())
            else:
                emails.append(addr)
    # value events start once a data source is connected (setup step 3), after a first-value lag
    first_value_lag = (rng.exponential(1.0, n) * (5 * _DAY) * (1.7 - health)).astype(np.int64)
    value_from = np.where(setup_n >= 3, setup_t[:, 2] + first_value_lag, _BIG)

    return _Block(
        index=b,
        first=first,
        plan_idx=idx,
        tier=tier,
        tier_variant=tier_variant,
        seats=seats,
        seats_mode=seats_mode,
        created=created,
        health=health,
        region=region,
        offset=offset,
        industry=industry,
        csm=csm,
        neglected=neglected,
        last_touch=last_touch,
        stalled_from=stalled_from,
        churn=churn,
        value_share=value_share,
        value_from=value_from,
        adopt=adopt,
        parent=parent,
        arr_now=arr_now,
        arr_mode=arr_mode,
        renewal_next=renewal_next,
        renewals=renewals,
        names=names,
        setup_n=setup_n,
        setup_t=setup_t,
        n_vis=n_vis,
        vis_first=vis_first,
        v_acct=v_acct,
        v_k=v_k,
        v_role=v_role,
        v_persona=v_persona,
        v_start=v_start,
        v_stop=v_stop,
        v_gap0=v_gap0,
        v_gap1=v_gap1,
        v_browser=v_browser,
        v_offset=v_offset,
        v_pref=v_pref,
        v_email=emails,
    )


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, min(d.day, calendar.monthrange(d.year + y, m + 1)[1]))


def _plan_renewals(
    rng: np.random.Generator,
    tier: np.ndarray,
    created: np.ndarray,
    health: np.ndarray,
    arr0: np.ndarray,
    span: _Span,
    vis_first: np.ndarray,
    v_start: np.ndarray,
    v_stop: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[list[_Renewal]], list[date | None]]:
    """Renewals inside the span, every contract term after `created`: (churn time, current ARR,
    renewals, next renewal date) per account. Churn happens at a renewal, with a chance that
    falls with health (per term: a monthly contract has twelve chances a year to be cancelled,
    each smaller); expansions and contractions likewise. An account where nobody uses the
    product any more (all its visitors stopped) rarely renews. Usage fades before a churn
    (`_activity`)."""
    n = len(tier)
    u_term = rng.random(n)
    term = np.zeros(n, dtype=np.int64)
    for t, (months, p_first) in enumerate(_CONTRACT_TERMS):
        term = np.where(tier == t, np.where(u_term < p_first, months[0], months[-1]), term)
    slots = span.days // 28 + 2  # at most one renewal every 28 days
    u_out = rng.random((n, slots))
    u_fac = rng.random((n, slots))
    u_hour = rng.random((n, slots))
    # chance per annual renewal; a term of m months takes (m / 12) ** 0.3 of it
    p_churn_year = 0.005 + 0.95 / (1 + np.exp((health - 0.42) / 0.07))
    p_contract_year = np.clip(0.5 - 0.6 * health, 0.04, 0.35)
    p_expand_year = np.clip(1.2 * health - 0.35, 0.03, 0.5)
    share = (term / 12) ** 0.3
    churn = np.full(n, _BIG, dtype=np.int64)
    arr_now = arr0.copy()
    renewals: list[list[_Renewal]] = []
    renewal_next: list[date | None] = []
    epoch = date(1970, 1, 1)
    for i in range(n):
        created_day = epoch + timedelta(days=int(created[i] // _DAY))
        m = int(term[i])
        # the first term that ends on or after the span start
        behind = (span.start.year - created_day.year) * 12 + span.start.month - created_day.month
        k = max(1, behind // m)
        while k > 1 and _add_months(created_day, (k - 1) * m) >= span.start:
            k -= 1
        rows: list[_Renewal] = []
        arr = float(arr0[i])
        while True:
            day = _add_months(created_day, k * m)
            if day > span.end:
                break
            if day >= span.start:
                j = len(rows)
                uo, uf = u_out[i, j], u_fac[i, j]
                p_churn = p_churn_year[i] * share[i]
                noon = (day - epoch).days * _DAY + _DAY // 2
                users = slice(int(vis_first[i]), int(vis_first[i + 1]) if i + 1 < n else None)
                if not ((v_start[users] < noon) & (v_stop[users] > noon)).any():
                    p_churn = max(p_churn, 0.85)
                p_contract = p_contract_year[i] * share[i]
                p_expand = p_expand_year[i] * share[i]
                if uo < p_churn:
                    rows.append(_Renewal(day, "churned", arr, 0.0))
                    t = (day - epoch).days * _DAY + int((9 + 8 * u_hour[i, j]) * 3600)
                    churn[i] = min(t, span.t1 - 60)
                    break
                if uo < p_churn + p_contract:
                    outcome, after = "contracted", round(arr * (0.5 + 0.4 * uf), -2)
                elif uo > 1 - p_expand:
                    outcome, after = "expanded", round(arr * (1.1 + 0.5 * uf), -2)
                else:
                    outcome, after = "renewed", arr
                rows.append(_Renewal(day, outcome, arr, after))
                arr = after
            k += 1
        arr_now[i] = arr
        renewals.append(rows)
        renewal_next.append(day)
    return churn, arr_now, renewals, renewal_next


def _activity(blk: _Block, span: _Span) -> np.ndarray:
    """Chance that each visitor (row) is active on each day of the span (column)."""
    d = np.arange(span.days)
    day_start = (span.t0 + d * _DAY)[None, :]
    mid = day_start + _DAY // 2
    weekday = (span.weekday0 + d) % 7
    wf = np.where(weekday >= 5, _WEEKEND_FACTOR, 1.0)[None, :]
    a = blk.v_acct
    start = blk.v_start[:, None]
    churn = blk.churn[a][:, None]
    ok = (day_start + _DAY > start) & (day_start < blk.v_stop[:, None]) & (day_start < churn)
    ok &= ~((day_start >= blk.v_gap0[:, None]) & (day_start < blk.v_gap1[:, None]))
    ramp = 0.35 + 0.65 * np.clip((mid - start) / (18 * _DAY), 0.0, 1.0)
    fade = np.clip((churn - mid) / (60 * _DAY), 0.0, 1.0) ** 1.3
    stall = np.where(day_start >= blk.stalled_from[a][:, None], 0.005, 1.0)
    base = (_P_ACTIVE[blk.v_persona] * (0.35 + 0.75 * blk.health[a]))[:, None]
    p = base * wf * ramp * fade * stall
    return np.where(ok, np.minimum(p, 0.97), 0.0)


def _expected_events(blk: _Block, span: _Span) -> np.ndarray:
    """Expected events per account of the block (activity + setup steps)."""
    p = _activity(blk, span)
    per_visitor = p.sum(axis=1) * _EVENTS_PER_DAY[blk.v_persona]
    per_account = np.bincount(blk.v_acct, weights=per_visitor, minlength=blk.n)
    in_span = (blk.setup_t >= span.t0) & (blk.setup_t < span.t1)
    steps = np.arange(blk.setup_t.shape[1])[None, :] < blk.setup_n[:, None]
    return per_account + (in_span & steps).sum(axis=1)


# --------------------------------------------------------------------------------------------
# Events of one block (numeric codes)
# --------------------------------------------------------------------------------------------
_EVENT_FIELDS = (
    "t",
    "ms",
    "style",
    "vis",
    "acct",
    "offset",
    "etype",
    "name",
    "feat",
    "props",
    "recv",
    "recv_ms",
    "recv_style",
    "recv_null",
    "acct_null",
    "late",
    "late_delay",
)


def _block_events(blk: _Block, span: _Span, seed: int, vis_base: int) -> dict[str, np.ndarray]:
    """All events of a block, sorted by time. `vis_base`: global index of its first visitor."""
    rng = _rng(seed, _S_EVENTS, blk.index)
    p = _activity(blk, span)
    active = rng.random(p.shape) < p
    vi, di = np.nonzero(active)
    persona = blk.v_persona[vi]
    n_sess = 1 + rng.poisson(_LAM_SESSIONS[persona])
    sess_cell = np.repeat(np.arange(len(vi)), n_sess)
    n_s = len(sess_cell)
    hour = np.clip(rng.normal(13.3, 2.6, n_s), 6.5, 23.6)
    off_sec = _OFFSET_MINUTES[blk.v_offset[vi]] * 60
    sess_t = span.t0 + di[sess_cell] * _DAY - off_sec[sess_cell] + (hour * 3600).astype(np.int64)
    n_ev = 1 + rng.poisson(_LAM_EVENTS[persona[sess_cell]])
    ev_sess = np.repeat(np.arange(n_s), n_ev)
    n = len(ev_sess)
    gaps = rng.exponential(_SESSION_GAP_SECONDS, n)
    starts = np.cumsum(n_ev) - n_ev
    gaps[starts] = 0.0
    cs = np.cumsum(gaps)
    t = sess_t[ev_sess] + (cs - cs[starts][ev_sess]).astype(np.int64)
    ev_cell = sess_cell[ev_sess]
    ev_vis = vi[ev_cell]
    ev_acct = blk.v_acct[ev_vis]

    # what happened: categories, then names / features / properties
    u = rng.random(n)
    vs = blk.value_share[ev_acct]
    cat = (
        (u >= 0.008).astype(np.int8)
        + (u >= 0.038)
        + (u >= 0.05)
        + (u >= 0.05 + vs)
        + (u >= 0.10 + vs)
        + (u >= 0.44 + vs)
    )
    r = rng.random(n)
    etype = np.full(n, _T_PAGE, dtype=np.int8)
    name = np.full(n, -1, dtype=np.int16)
    feat = np.full(n, -1, dtype=np.int8)
    browser = blk.v_browser[ev_vis]
    props = (_P_PLAIN0 + browser).astype(np.int16)

    m = cat == _CAT_PAGE
    page = np.minimum(np.searchsorted(_PAGE_CUM, r[m], side="right"), len(catalog.PAGES) - 1)
    name[m] = _N_PAGE0 + page
    props[m] = _P_PAGE0 + page * len(BROWSERS) + browser[m]

    m = cat == _CAT_CLICK
    etype[m] = _T_CLICK
    click_idx = np.nonzero(m)[0]
    if len(click_idx):
        cells = ev_cell[click_idx]  # non-decreasing: events were generated cell by cell
        change = np.concatenate([[True], cells[1:] != cells[:-1]])
        inv = np.cumsum(change) - 1
        ucell = cells[change]
        uv = vi[ucell]
        day_end = span.t0 + (di[ucell] + 1) * _DAY
        weights = blk.v_pref[uv] * (blk.adopt[blk.v_acct[uv]] < day_end[:, None])
        cum = np.cumsum(weights, axis=1)
        cum /= cum[:, -1:]
        cum[:, -1] = 1.0
        flat = (cum + np.arange(len(ucell))[:, None]).ravel()
        pos = np.searchsorted(flat, inv + r[click_idx] * 0.999999, side="right")
        f = np.clip(pos - inv * _N_FEATURES, 0, _N_FEATURES - 1)
        feat[click_idx] = f
        named = rng.random(len(click_idx)) < 0.25
        name[click_idx[named]] = _N_FEATURE0 + f[named]
        props[click_idx] = (
            _P_CLICK0
            + (r[click_idx] * 1000).astype(np.int64) % len(_CLICK_ELEMENTS) * len(BROWSERS)
            + browser[click_idx]
        )

    # before the account has connected its data, would-be value events are ordinary track events
    cat = np.where((cat == _CAT_VALUE) & (t < blk.value_from[ev_acct]), _CAT_TRACK, cat)
    m = cat == _CAT_VALUE
    etype[m] = _T_TRACK
    name[m] = _N_VALUE0 + np.minimum(
        np.searchsorted(_VALUE_CUM, r[m], side="right"), len(catalog.VALUE_EVENTS) - 1
    )
    m = cat == _CAT_TRACK
    etype[m] = _T_TRACK
    name[m] = _N_TRACK0 + (r[m] * len(catalog.OTHER_TRACK_EVENTS)).astype(np.int64)
    for c, tcode in ((_CAT_GUIDE_SEEN, _T_GUIDE_SEEN), (_CAT_GUIDE_DISMISSED, _T_GUIDE_DISMISSED)):
        m = cat == c
        etype[m] = tcode
        name[m] = _N_GUIDE0 + np.minimum(
            np.searchsorted(_GUIDE_CUM, r[m], side="right"), len(catalog.GUIDES) - 1
        )
    m = cat == _CAT_OTHER
    sub = (r[m] * len(catalog.UNKNOWN_EVENT_TYPES)).astype(np.int64)
    etype[m] = _T_UNKNOWN0 + sub
    name[m] = _UNKNOWN_NAMES[sub]

    # setup steps, done by the account's admin (first visitor)
    steps = np.arange(blk.setup_t.shape[1])[None, :] < blk.setup_n[:, None]
    sa, ss = np.nonzero(steps)
    st_t = blk.setup_t[sa, ss]
    st_vis = blk.vis_first[sa]
    t = np.concatenate([t, st_t])
    ev_vis = np.concatenate([ev_vis, st_vis])
    ev_acct = np.concatenate([ev_acct, sa])
    etype = np.concatenate([etype, np.full(len(sa), _T_TRACK, dtype=np.int8)])
    name = np.concatenate([name, (_N_SETUP0 + ss).astype(np.int16)])
    feat = np.concatenate([feat, np.full(len(sa), -1, dtype=np.int8)])
    props = np.concatenate([props, (_P_PLAIN0 + blk.v_browser[st_vis]).astype(np.int16)])

    # keep what falls inside the span, after the visitor joined and before the account churned
    lo = np.maximum(blk.v_start[ev_vis], span.t0)
    hi = np.minimum(blk.churn[ev_acct], span.t1)
    keep = (t >= lo) & (t < hi)
    order = np.argsort(t[keep], kind="stable")
    sel = np.nonzero(keep)[0][order]
    t = t[sel]
    n = len(t)
    out = {
        "t": t,
        "vis": vis_base + ev_vis[sel],
        "acct": blk.first + ev_acct[sel],
        "offset": blk.v_offset[ev_vis[sel]],
        "etype": etype[sel],
        "name": name[sel],
        "feat": feat[sel],
        "props": props[sel],
    }
    # how it was delivered and written
    style = _draw_styles(rng, n)
    out["style"] = style
    out["ms"] = np.where(style == _STYLE_OFFSET_MS, rng.integers(0, 1000, n), 0)
    recv_style = _draw_styles(rng, n)
    out["recv_style"] = recv_style
    out["recv_ms"] = np.where(recv_style == _STYLE_OFFSET_MS, rng.integers(0, 1000, n), 0)
    delay = 1 + rng.exponential(3.0, n).astype(np.int64)
    u = rng.random(n)
    # ~1 % arrive days late (used only when the run is dirty); late ones always have received_at
    out["late"] = u < 0.01
    out["late_delay"] = (rng.uniform(2.0, 5.0, n) * _DAY).astype(np.int64)
    out["recv"] = t + delay
    out["recv_null"] = (u >= 0.01) & (u < 0.05)
    out["acct_null"] = rng.random(n) < 0.03
    props_null = rng.random(n) < 0.12
    out["props"] = np.where(props_null, -1, out["props"]).astype(np.int16)
    return out


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------
@dataclass
class _Counts:
    clean: int = 0
    duplicates: int = 0
    late: int = 0
    bad: dict[str, int] = field(default_factory=dict)


@dataclass
class _World:
    span: _Span
    seed: int
    fmt: str
    rate: float
    blocks: list[_Block]
    account_ids: list[str]
    visitor_ids: list[str]
    vis_base: list[int]  # global index of each block's first visitor
    position: dict[int, int]  # plan account number -> position in the output

    @property
    def n_accounts(self) -> int:
        return len(self.account_ids)

    def accounts(self) -> Iterator[tuple[_Block, int]]:
        for blk in self.blocks:
            for i in range(blk.n):
                yield blk, i


def _bad_counts(rate: float, clean: int, kinds: Sequence[str]) -> dict[str, int]:
    if rate <= 0 or not kinds:
        return {}
    each = max(1, round(rate * clean / len(kinds)))
    return {k: each for k in kinds}


MANIFEST = "_manifest.json"


def generated_files(out_dir: Path) -> set[Path] | None:
    """The files `pulse generate` wrote into out_dir (its manifest included), or None when
    out_dir holds no generator manifest. A manifest is written before the tables, so an
    interrupted run still owns its files."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        files = {out_dir / MANIFEST}
        for table in manifest["tables"].values():
            files.add(out_dir / table["file"])
        if "generator_version" not in manifest:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if not p.is_dir())


def _prepare_out_dir(out_dir: Path, overwrite: bool = False) -> Path:
    """Make out_dir ready for a new sample. It may be missing, empty or written by `pulse
    generate` (its files are replaced); anything else is refused unless `overwrite`, and even
    then only the files this run writes are replaced: nothing else is ever removed."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise PulseError(f"output folder {out_dir} is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PulseError(f"cannot create output folder {out_dir}: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise PulseError(f"output folder {out_dir} is not writable")
    ours = generated_files(out_dir) or set()
    foreign = [p for p in _files_under(out_dir) if p not in ours]
    if foreign and not overwrite:
        more = f" and {len(foreign) - 1:,} more" if len(foreign) > 1 else ""
        raise PulseError(
            f"{out_dir} holds files pulse generate did not write "
            f"({foreign[0].relative_to(out_dir)}{more}); choose an empty folder "
            "or pass --overwrite to replace the sample tables in it"
        )
    # a format switch leaves no stale file: our old tables go; with --overwrite, the files of
    # the names this run writes (<table>.csv / .parquet) go too, and nothing else
    doomed = set(ours)
    if overwrite:
        doomed |= {out_dir / f"{t}.{ext}" for t in TABLES for ext in ("csv", "parquet")}
        doomed.add(out_dir / MANIFEST)
    for path in sorted(doomed):
        try:
            if path.is_file() or path.is_symlink():
                path.unlink()
        except OSError as exc:
            raise PulseError(f"cannot remove old file {path}: {exc.strerror or exc}") from None
    return out_dir


def _write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        (out_dir / MANIFEST).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PulseError(f"cannot write {out_dir / MANIFEST}: {exc.strerror}") from None


def generate(
    out_dir: Path,
    accounts: int = 200,
    days: int = 180,
    seed: int = 42,
    fmt: str = "csv",
    bad_row_rate: float = 0.01,
    end_date: date = date(2026, 3, 31),
    events: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the nine raw tables and `_manifest.json` to `out_dir`; return the manifest.

    out_dir must be missing, empty or written by an earlier `generate` (see _prepare_out_dir).

    `events`, when given, picks the number of accounts so that about that many event rows
    are written (and `accounts` is ignored).
    """
    if fmt not in ("csv", "parquet"):
        raise PulseError(f"unknown format {fmt!r} (expected csv or parquet)")
    if not isinstance(days, int) or days < 1:
        raise PulseError(f"days must be a whole number above 0, got {days!r}")
    if days > 3660:
        raise PulseError(f"days must be at most 3660, got {days}")
    if events is None and (not isinstance(accounts, int) or not 1 <= accounts <= MAX_ACCOUNTS):
        raise PulseError(f"accounts must be a whole number from 1 to {MAX_ACCOUNTS:,}")
    if events is not None and (not isinstance(events, int) or events < 1):
        raise PulseError(f"events must be a whole number above 0, got {events!r}")
    if not 0 <= bad_row_rate <= 0.5:
        raise PulseError(f"bad_row_rate must be from 0 to 0.5, got {bad_row_rate}")
    if not isinstance(end_date, date):
        raise PulseError(f"end_date must be a date, got {end_date!r}")
    if end_date.year < 1975 or end_date.year > 9000:
        raise PulseError(f"end_date {end_date} is out of range")
    out_dir = _prepare_out_dir(Path(out_dir), overwrite)
    # claim the files before writing them: an interrupted run leaves a folder we still own
    _write_manifest(
        out_dir,
        {
            "generator_version": GENERATOR_VERSION,
            "complete": False,
            "tables": {t: {"file": f"{t}.{fmt}"} for t in TABLES},
        },
    )

    span = _span(end_date, days)
    size = _block_size(days)
    blocks: list[_Block] = []
    if events is None:
        n_accounts = accounts
        for b in range((accounts + size - 1) // size):
            blk = _plan_block(seed, b, size, span)
            blk = blk.select(np.arange(blk.n) < accounts - b * size)
            blk.expected = _expected_events(blk, span)
            blocks.append(blk)
    else:
        n_accounts = _calibrate(seed, span, size, events, bad_row_rate, blocks)
    world = _make_world(span, seed, fmt, bad_row_rate, blocks)

    counts: dict[str, _Counts] = {}
    files: dict[str, str] = {}
    total_expected = int(sum(float(b.expected.sum()) for b in blocks))
    with Progress(total_expected, "events", enabled=progress) as bar:
        counts["events"], files["events"] = _write_events(out_dir, world, bar)
    for table, fn in _SMALL_TABLES.items():
        counts[table], files[table] = fn(out_dir, world)

    manifest: dict[str, Any] = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "accounts": n_accounts,
        "days": days,
        "end_date": end_date.isoformat(),
        "format": fmt,
        "bad_row_rate": bad_row_rate,
        "tables": {},
    }
    for table in TABLES:
        c = counts[table]
        manifest["tables"][table] = {
            "file": files[table],
            "rows_written": c.clean + c.duplicates + sum(c.bad.values()),
            "clean_rows": c.clean,
            "duplicate_rows": c.duplicates,
            "late_rows": c.late,
            "bad_rows": dict(sorted(c.bad.items())),
        }
    manifest["complete"] = True
    _write_manifest(out_dir, manifest)
    return manifest


def _calibrate(
    seed: int, span: _Span, size: int, events: int, rate: float, blocks: list[_Block]
) -> int:
    """Choose accounts (in plan order) until the expected event rows reach `events`.

    An account that would overshoot the target is skipped, so the total lands close to the
    target even when single accounts are large. Fills `blocks`; returns the number of accounts.
    """
    target = events / (1 + 2 * rate)  # duplicates (rate) and bad rows (about rate) come on top
    ceiling = target * 1.03
    cum = 0.0
    chosen = 0
    b = 0
    while cum < 0.985 * target:
        if b * size >= MAX_ACCOUNTS:
            if chosen:
                break
            raise PulseError(f"events={events:,} needs more than {MAX_ACCOUNTS:,} accounts")
        if chosen == 0 and b * size >= 4096:
            # no single account is small enough: take the first one
            blk = _plan_block(seed, 0, size, span)
            blk = blk.select(np.arange(blk.n) == 0)
            blk.expected = _expected_events(blk, span)
            blocks.append(blk)
            return 1
        blk = _plan_block(seed, b, size, span)
        expected = _expected_events(blk, span)
        keep = np.zeros(blk.n, dtype=bool)
        for i in range(blk.n):
            if cum >= 0.985 * target:
                break
            if cum + expected[i] <= ceiling:
                keep[i] = True
                cum += float(expected[i])
        if keep.any():
            blk = blk.select(keep)
            blk.expected = expected[keep]
            blocks.append(blk)
            chosen += int(keep.sum())
        b += 1
    return chosen


def _make_world(span: _Span, seed: int, fmt: str, rate: float, blocks: list[_Block]) -> _World:
    account_ids: list[str] = []
    visitor_ids: list[str] = []
    vis_base: list[int] = []
    position: dict[int, int] = {}
    for blk in blocks:
        blk.first = len(account_ids)
        vis_base.append(len(visitor_ids))
        plan = blk.plan_idx.tolist()
        for i, p in enumerate(plan):
            position[p] = blk.first + i
        account_ids.extend(f"acc_{p + 1:06d}" for p in plan)
        visitor_ids.extend(
            f"vis_{plan[a] + 1:06d}_{k + 1:03d}"
            for a, k in zip(blk.v_acct.tolist(), blk.v_k.tolist(), strict=True)
        )
    return _World(span, seed, fmt, rate, blocks, account_ids, visitor_ids, vis_base, position)


# --------------------------------------------------------------------------------------------
# Events: chunks, dirt, writing
# --------------------------------------------------------------------------------------------
_CHUNK_ROWS = 120_000  # expected events per chunk (a chunk is at least one block)


def _event_chunks(world: _World) -> list[list[int]]:
    """Consecutive blocks grouped into chunks of about _CHUNK_ROWS expected events."""
    chunks: list[list[int]] = [[]]
    acc = 0.0
    for bi, blk in enumerate(world.blocks):
        if chunks[-1] and acc >= _CHUNK_ROWS:
            chunks.append([])
            acc = 0.0
        chunks[-1].append(bi)
        acc += float(blk.expected.sum())
    return chunks


def _write_events(out_dir: Path, world: _World, bar: Progress) -> tuple[_Counts, str]:
    """Stream the events: a worker thread simulates and formats chunk i + 1 while this thread
    serialises and writes chunk i (numpy and Arrow release the GIL). Each stage runs in order,
    so the output does not depend on timing."""
    writer = _TableWriter(out_dir, "events", COLUMNS["events"], world.fmt)
    counts = _Counts()
    kinds = applicable_kinds("events", world.fmt)
    state: dict[str, Any] = {
        "next_id": 1,
        "chunk": 0,
        "bad_done": 0,
        "dup_done": 0,
        "tricky": world.rate > 0,
    }
    vis_ids = arrow_strings(world.visitor_ids)
    acc_ids = arrow_strings(world.account_ids)
    pools = _EventPools()
    chunks = _event_chunks(world)

    def prepare(ci: int) -> _PreparedChunk:
        parts = [
            _block_events(world.blocks[bi], world.span, world.seed, world.vis_base[bi])
            for bi in chunks[ci]
        ]
        ev = {k: np.concatenate([p[k] for p in parts]) for k in _EVENT_FIELDS}
        last = ci == len(chunks) - 1
        return _prepare_event_chunk(world, ev, counts, kinds, state, last, vis_ids, acc_ids, pools)

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pulse-events") as pool:
            future = pool.submit(prepare, 0)
            for ci in range(len(chunks)):
                prepared = future.result()
                if ci + 1 < len(chunks):
                    future = pool.submit(prepare, ci + 1)
                _emit_event_chunk(writer, prepared)
                bar.update(prepared.written)
                del prepared
    finally:
        writer.close()
    return counts, writer.file_name


class _EventPools:
    """The small string pools that event columns are taken from."""

    def __init__(self) -> None:
        self.types = arrow_strings(_TYPE_POOL)
        self.names = arrow_strings(_NAME_POOL)
        self.features = arrow_strings([f.feature_id for f in catalog.FEATURES])
        raw = arrow_strings(_PROP_POOL)
        self.props_raw = raw
        # CSV: quoted once here, so the big columns never need a quoting pass
        self.props_csv = arrow_strings([csv_field(p) for p in _PROP_POOL])


def _take(pool: pa.Array, codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    mask = codes < 0 if null is None else (null | (codes < 0))
    idx = arrow_ints(np.where(mask, 0, codes), mask)
    return pc.take(pool, idx)


def _event_columns(
    world: _World,
    ev: dict[str, np.ndarray],
    ids: np.ndarray,
    vis_ids: pa.Array,
    acc_ids: pa.Array,
    pools: _EventPools,
) -> list[pa.Array]:
    recv_null = ev["recv_null"]
    props_pool = pools.props_csv if world.fmt == "csv" else pools.props_raw
    return [
        format_ids("evt_", ids),
        format_timestamps(ev["t"], ev["style"], ev["offset"], ev["ms"]),
        format_timestamps(ev["recv"], ev["recv_style"], ev["offset"], ev["recv_ms"], ~recv_null),
        pc.take(vis_ids, arrow_ints(ev["vis"])),
        _take(acc_ids, ev["acct"], ev["acct_null"]),
        pc.take(pools.types, arrow_ints(ev["etype"])),
        _take(pools.names, ev["name"].astype(np.int32)),
        _take(pools.features, ev["feat"].astype(np.int32)),
        _take(props_pool, ev["props"].astype(np.int32)),
    ]


@dataclass
class _EventSource:
    """Clean events of a chunk that dirty rows are copied from."""

    cols: list[pa.Array]
    t: np.ndarray
    recv: np.ndarray
    recv_null: np.ndarray
    offset: np.ndarray

    def __len__(self) -> int:
        return len(self.t)


@dataclass
class _PreparedChunk:
    cols: list[pa.Array]
    safe: list[bool] | None
    extras: list[pa.Array] | None = None
    raw_lines: list[bytes] = field(default_factory=list)
    points: list[int] = field(default_factory=list)
    extra_bounds: np.ndarray | None = None
    raw_groups: list[np.ndarray] = field(default_factory=list)
    written: int = 0


def _prepare_event_chunk(
    world: _World,
    ev: dict[str, np.ndarray],
    counts: _Counts,
    kinds: Sequence[str],
    state: dict[str, Any],
    last: bool,
    vis_ids: pa.Array,
    acc_ids: pa.Array,
    pools: _EventPools,
) -> _PreparedChunk:
    """Format the clean events of a chunk and make its dirty rows (worker thread)."""
    rate = world.rate
    n = len(ev["t"])
    if rate > 0:
        ev["recv"] = np.where(ev["late"], ev["t"] + ev["late_delay"], ev["recv"])
        if state["tricky"] and n:
            ev["props"][0] = _P_TRICKY  # one multi-line field near the top of the file
            state["tricky"] = False
    else:
        ev["late"] = np.zeros(n, dtype=bool)
    ids = state["next_id"] + np.arange(n, dtype=np.int64)
    state["next_id"] += n
    cols = _event_columns(world, ev, ids, vis_ids, acc_ids, pools)
    counts.clean += n
    counts.late += int(ev["late"].sum())
    safe = [True] * len(cols) if world.fmt == "csv" else None
    if rate <= 0:
        return _PreparedChunk(cols, safe, written=n)

    rng = _rng(world.seed, _S_EVENT_DIRT, state["chunk"])
    state["chunk"] += 1
    # cumulative targets, so the totals are exactly round(rate * clean / kinds) per kind and
    # round(rate * clean) duplicates (at least 1 each)
    per_kind_total = round(rate * counts.clean / len(kinds))
    dup_total = round(rate * counts.clean)
    if last:
        per_kind_total = max(1, per_kind_total)
        dup_total = max(1, dup_total) if counts.clean else 0
    per_kind = per_kind_total - state["bad_done"]
    n_dup = dup_total - state["dup_done"]
    state["bad_done"], state["dup_done"] = per_kind_total, dup_total
    if n:
        keep = slice(max(0, n - 1000), n)
        src = _EventSource(
            cols, ev["t"], ev["recv"], ev["recv_null"], ev["offset"].astype(np.int64)
        )
        # a copy (a slice would keep the whole chunk in memory)
        tail = arrow_ints(np.arange(max(0, n - 1000), n))
        state["last_source"] = _EventSource(
            [pc.take(c, tail) for c in cols],
            ev["t"][keep],
            ev["recv"][keep],
            ev["recv_null"][keep],
            ev["offset"][keep].astype(np.int64),
        )
    else:
        src = state.get("last_source") or _synthetic_event_source(world)
    extras, raw_lines = _dirty_events(src, kinds, per_kind, n_dup, rng, state, counts)
    m = len(extras[0])
    perm = arrow_ints(rng.permutation(m))
    extras = [pc.take(c, perm) for c in extras]
    # extra rows and raw lines go in small groups between the clean rows
    n_points = max(1, min(64, m + len(raw_lines)))
    lo = min(20, n)  # keep the first lines of the file clean (CSV sniffing)
    points = np.sort(rng.integers(lo, n + 1, n_points)).tolist()
    sizes = [len(g) for g in np.array_split(np.arange(m), n_points)]
    return _PreparedChunk(
        cols,
        safe,
        extras,
        raw_lines,
        points,
        np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        np.array_split(np.arange(len(raw_lines)), n_points),
        n + m + len(raw_lines),
    )


def _emit_event_chunk(writer: _TableWriter, ch: _PreparedChunk) -> None:
    """Serialise and write a prepared chunk (main thread)."""
    if ch.extras is None or ch.extra_bounds is None:
        writer.write_columns(ch.cols, safe=ch.safe)
        return
    bounds = ch.extra_bounds
    if writer.fmt == "parquet":
        table = pa.Table.from_arrays(ch.cols, schema=writer.schema)
        extra_table = pa.Table.from_arrays(ch.extras, schema=writer.schema)
        pieces = []
        prev = 0
        for g, p in enumerate(ch.points):
            pieces.append(table.slice(prev, p - prev))
            prev = p
            e0, e1 = int(bounds[g]), int(bounds[g + 1])
            if e1 > e0:
                pieces.append(extra_table.slice(e0, e1 - e0))
        pieces.append(table.slice(prev))
        writer.write_columns(pa.concat_tables(pieces).combine_chunks().columns)
        return
    data, offsets = _line_bytes(csv_lines(ch.extras, writer.eol, safe=[True] * len(ch.extras)))
    view = memoryview(data)
    raw_after: dict[int, list[Any]] = {}
    for g, p in enumerate(ch.points):
        e0, e1 = int(bounds[g]), int(bounds[g + 1])
        group: list[Any] = [view[offsets[e0] : offsets[e1]]] if e1 > e0 else []
        group += [ch.raw_lines[i] for i in ch.raw_groups[g]]
        if group:
            raw_after.setdefault(p, []).extend(group)
    writer.write_columns(ch.cols, safe=ch.safe, raw_after=raw_after)


def _synthetic_event_source(world: _World) -> _EventSource:
    """A made-up page view (only when a run has no event at all to copy dirty rows from)."""
    t = world.span.t0 + 12 * 3600
    values = [
        "evt_000000000000",
        format_timestamps([t], [0], [0]).to_pylist()[0],
        format_timestamps([t + 2], [0], [0]).to_pylist()[0],
        world.visitor_ids[0],
        world.account_ids[0],
        "page_view",
        "home",
        None,
        None,
    ]
    return _EventSource(
        [arrow_strings([v]) for v in values],
        np.array([t]),
        np.array([t + 2]),
        np.zeros(1, dtype=bool),
        np.zeros(1, dtype=np.int64),
    )


def arrow_bools(mask: np.ndarray) -> pa.Array:
    """A numpy boolean array as an Arrow boolean array."""
    mask = np.asarray(mask, dtype=bool)
    bits = pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, bits])


def _null_strings(n: int) -> pa.Array:
    bitmap = pa.py_buffer(np.zeros((n + 7) // 8, dtype=np.uint8))
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int32))
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(b""), bitmap, n)


def _dirty_events(
    src: _EventSource,
    kinds: Sequence[str],
    per_kind: int,
    n_dup: int,
    rng: np.random.Generator,
    state: dict[str, Any],
    counts: _Counts,
) -> tuple[list[pa.Array], list[bytes]]:
    """Duplicates and bad rows (as columns) plus unparseable raw lines, copied from `src`."""
    ci = {c: i for i, c in enumerate(COLUMNS["events"])}
    k_src = len(src)
    pieces: list[list[pa.Array]] = []
    raw: list[bytes] = []

    # duplicates: re-deliveries of clean events (same event_id and content)
    n_dup = max(n_dup, 0)
    pick = rng.integers(0, k_src, n_dup)
    cols = [pc.take(c, arrow_ints(pick)) for c in src.cols]
    later = rng.random(n_dup) >= 0.3  # delivered again later; the rest are byte-identical
    base = np.where(src.recv_null, src.t, src.recv)[pick]
    later_txt = format_timestamps(
        base + rng.integers(120, 6 * 3600, n_dup),
        _draw_styles(rng, n_dup, with_ms=False),
        src.offset[pick],
    )
    recv = ci["received_at"]
    cols[recv] = pc.if_else(arrow_bools(later), later_txt, cols[recv])
    pieces.append(cols)
    counts.duplicates += n_dup

    bad_ts = arrow_strings(list(_BAD_TIMESTAMPS))
    per_kind = max(per_kind, 0)
    q = np.arange(per_kind)
    for kind in kinds:
        pick = rng.integers(0, k_src, per_kind)
        cols = [pc.take(c, arrow_ints(pick)) for c in src.cols]
        cols[0] = format_ids("evt_", state["next_id"] + q)
        state["next_id"] += per_kind
        if kind == MISSING_REQUIRED:
            for r, column in enumerate(REQUIRED["events"]):
                which = arrow_bools(q % len(REQUIRED["events"]) == r)
                cols[ci[column]] = pc.if_else(which, _null_strings(per_kind), cols[ci[column]])
        elif kind == INVALID_TIMESTAMP:
            bad = pc.take(bad_ts, arrow_ints(q % len(_BAD_TIMESTAMPS)))
            on_occurred = q % 3 != 0
            occ = ci["occurred_at"]
            cols[occ] = pc.if_else(arrow_bools(on_occurred), bad, cols[occ])
            cols[recv] = pc.if_else(arrow_bools(~on_occurred), bad, cols[recv])
        elif kind == OCCURRED_AFTER_RECEIVED:
            back = (rng.uniform(2, 10, per_kind) * _DAY).astype(np.int64)
            cols[recv] = format_timestamps(
                src.t[pick] - back, _draw_styles(rng, per_kind, with_ms=False), src.offset[pick]
            )
        elif kind == UNKNOWN_VISITOR:
            cols[ci["visitor_id"]] = arrow_strings([_unknown_visitor(int(x)) for x in q])
        elif kind == UNKNOWN_ACCOUNT:
            cols[ci["account_id"]] = arrow_strings([_unknown_account(int(x)) for x in q])
        elif kind == UNPARSEABLE_LINE:
            # CSV columns hold CSV-ready text (the properties are pre-quoted)
            rows = zip(*(c.to_pylist() for c in cols), strict=True)
            for x, row in enumerate(rows):
                fields = ["" if v is None else v for v in row]
                raw.append(_raw_line(fields, x + state["chunk"], "\n"))
            counts.bad[kind] = counts.bad.get(kind, 0) + per_kind
            continue
        pieces.append(cols)
        counts.bad[kind] = counts.bad.get(kind, 0) + per_kind
    extras = [pa.concat_arrays([p[i] for p in pieces]) for i in range(len(src.cols))]
    return extras, raw


def _unknown_account(q: int) -> str:
    return f"acc_{_UNKNOWN_BASE + q % 99_999:06d}"


def _unknown_visitor(q: int) -> str:
    return f"vis_{_UNKNOWN_BASE + q % 99_999:06d}_{q % 7 + 1:03d}"


# --------------------------------------------------------------------------------------------
# Small tables
# --------------------------------------------------------------------------------------------
Row = list[str | None]


def _write_small(
    out_dir: Path,
    world: _World,
    table: str,
    rows: list[Row],
    make_template: Callable[[np.random.Generator, int], Row],
    columns: Sequence[str] | None = None,
    eol: str = "\n",
    bom: bool = False,
    extra_column: tuple[str, Callable[[np.random.Generator, int], list[str | None]]] | None = None,
) -> tuple[_Counts, str]:
    """Write a small table: clean rows + its bad rows (fresh ids) + raw unparseable lines."""
    contract = COLUMNS[table]
    ci = {c: i for i, c in enumerate(contract)}
    out_cols = tuple(columns) if columns is not None else contract
    order = [ci[c] for c in out_cols]
    header = list(out_cols)
    extra_name = None
    if extra_column is not None:
        extra_name, make_extra = extra_column
        header.append(extra_name)
    rng = _rng(world.seed, _S_DIRT, TABLES.index(table))
    counts = _Counts(clean=len(rows))
    kinds = applicable_kinds(table, world.fmt)
    bad_rows: list[Row] = []
    raw: list[bytes] = []
    serial = 0
    for kind, count in _bad_counts(world.rate, len(rows), kinds).items():
        for q in range(count):
            row = make_template(rng, serial)
            serial += 1
            _break_row(table, kind, row, ci, q)
            if kind == UNPARSEABLE_LINE:
                fields = [csv_field(row[i]) for i in order]
                if extra_name is not None:
                    fields.append(_SIGNUP_SOURCES[0])
                variant = q + TABLES.index(table)  # vary the kind of broken line
                raw.append(_raw_line(fields, variant, eol))
            else:
                bad_rows.append(row)
        counts.bad[kind] = count
    # bad rows at random positions between the clean ones
    positions = np.sort(rng.integers(0, len(rows) + 1, len(bad_rows))).tolist()
    all_rows: list[Row] = []
    prev = 0
    for pos, row in zip(positions, bad_rows, strict=True):
        all_rows.extend(rows[prev:pos])
        all_rows.append(row)
        prev = pos
    all_rows.extend(rows[prev:])
    # raw lines, not among the first lines (CSV sniffing)
    lo = min(10, len(all_rows))
    raw_after: dict[int, list[bytes]] = {}
    for line in raw:
        raw_after.setdefault(int(rng.integers(lo, len(all_rows) + 1)), []).append(line)

    writer = _TableWriter(out_dir, table, header, world.fmt, eol=eol, bom=bom)
    try:
        arrays = [arrow_strings([r[i] for r in all_rows]) for i in order]
        if extra_column is not None:
            extra_rng = _rng(world.seed, _S_EXTRA, TABLES.index(table))
            arrays.append(arrow_strings(make_extra(extra_rng, len(all_rows))))
        writer.write_columns(arrays, raw_after=raw_after)
    finally:
        writer.close()
    return counts, writer.file_name


def _break_row(table: str, kind: str, row: Row, ci: dict[str, int], q: int) -> None:
    """Give a (fresh) row exactly one problem of `kind`."""
    if kind == MISSING_REQUIRED:
        req = REQUIRED[table]
        row[ci[req[q % len(req)]]] = None
    elif kind == INVALID_TIMESTAMP:
        cols = _TIME_COLUMNS[table]
        col = cols[q % len(cols)]
        row[ci[col]] = (_BAD_DATES if col == "renewal_date" else _BAD_TIMESTAMPS)[q % 4]
    elif kind == INVALID_NUMBER:
        cols = _NUMBER_COLUMNS[table]
        col = cols[q % len(cols)]
        row[ci[col]] = _BAD_SCORES[q % 3] if col == "score" else _BAD_NUMBERS[q % 4]
    elif kind == SCORE_OUT_OF_RANGE:
        row[ci["score"]] = _OUT_OF_RANGE_SCORES[q % 3]
    elif kind == UNKNOWN_VISITOR:
        row[ci["visitor_id"]] = _unknown_visitor(q)
    elif kind == UNKNOWN_ACCOUNT:
        row[ci["account_id"]] = _unknown_account(q)
        if "visitor_id" in ci and table != "visitors":
            row[ci["visitor_id"]] = None


def _money(x: float, mode: int) -> str | None:
    if mode == 2:
        return None
    return f"{x:.2f}" if mode == 1 else str(round(x))


def _tier_text(tier: int, variant: int) -> str:
    name = catalog.PLAN_TIERS[tier].plan_tier
    return (name, name.title(), name.upper() + " ", " " + name, name.title() + " ")[variant]


def _seats_text(seats: int, mode: int) -> str | None:
    return (str(seats), None, "0")[mode]


def _world_rng(world: _World, table: str) -> np.random.Generator:
    return _rng(world.seed, _S_TABLE, TABLES.index(table))


# accounts ---------------------------------------------------------------------------------------
def _write_accounts(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "accounts")
    blocks = world.blocks
    created = np.concatenate([blk.created for blk in blocks])
    churn = np.concatenate([blk.churn for blk in blocks])
    offset = np.concatenate([blk.offset for blk in blocks])
    created_txt = _fmt_ts_list(created, rng, offset)
    churn_txt = _fmt_ts_list(np.minimum(churn, world.span.t1), rng, offset)
    no_csm = rng.random(len(created)) < 0.03
    no_renewal_date = rng.random(len(created)) < 0.04
    rows: list[Row] = []
    for blk, i in world.accounts():
        gi = blk.first + i
        parent = world.position.get(int(blk.parent[i]), -1)
        nxt = blk.renewal_next[i]
        rows.append(
            [
                world.account_ids[gi],
                blk.names[i],
                world.account_ids[parent] if parent >= 0 else None,
                _tier_text(int(blk.tier[i]), int(blk.tier_variant[i])),
                _money(float(blk.arr_now[i]), int(blk.arr_mode[i])),
                _seats_text(int(blk.seats[i]), int(blk.seats_mode[i])),
                INDUSTRIES[blk.industry[i]],
                REGIONS[blk.region[i]],
                None if no_csm[gi] else CSM_OWNERS[blk.csm[i]],
                created_txt[gi],
                nxt.isoformat() if nxt is not None and not no_renewal_date[gi] else None,
                churn_txt[gi] if churn[gi] < _BIG else None,
            ]
        )

    def template(r: np.random.Generator, serial: int) -> Row:
        row = list(rows[int(r.integers(0, len(rows)))])
        row[0] = f"acc_{_FRESH_BASE + serial:06d}"
        row[2] = None
        return row

    eol = "\r\n" if world.rate > 0 else "\n"
    return _write_small(out_dir, world, "accounts", rows, template, eol=eol)


# visitors ---------------------------------------------------------------------------------------
def _write_visitors(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "visitors")
    rows: list[Row] = []
    for bi, blk in enumerate(world.blocks):
        base = world.vis_base[bi]
        created = _fmt_ts_list(blk.v_start, rng, blk.v_offset)
        blank = rng.random(len(blk.v_acct)) < 0.03
        for j in range(len(blk.v_acct)):
            rows.append(
                [
                    world.visitor_ids[base + j],
                    world.account_ids[blk.first + int(blk.v_acct[j])],
                    blk.v_email[j],
                    catalog.ROLES[blk.v_role[j]],
                    None if blank[j] else created[j],
                ]
            )

    def template(r: np.random.Generator, serial: int) -> Row:
        row = list(rows[int(r.integers(0, len(rows)))])
        row[0] = f"vis_{_FRESH_BASE + serial:06d}_001"
        row[2] = f"new.user{serial}@example.com"
        return row

    if world.rate > 0:
        order = ("email", "visitor_id", "role", "created_at", "account_id")

        def extra(r: np.random.Generator, n: int) -> list[str | None]:
            pick = r.integers(0, len(_SIGNUP_SOURCES), n)
            return [_SIGNUP_SOURCES[p] for p in pick.tolist()]

        return _write_small(
            out_dir,
            world,
            "visitors",
            rows,
            template,
            columns=order,
            extra_column=("signup_source", extra),
        )
    return _write_small(out_dir, world, "visitors", rows, template)


# features ---------------------------------------------------------------------------------------
_BOOL_TEXT = {True: ("true", "TRUE", "1"), False: ("false", "0", "false")}


def _write_features(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rows: list[Row] = [
        [f.feature_id, f.feature_name, f.product_area, _BOOL_TEXT[f.is_core_event][i % 3]]
        for i, f in enumerate(catalog.FEATURES)
    ]

    def template(r: np.random.Generator, serial: int) -> Row:
        area = catalog.PRODUCT_AREAS[int(r.integers(0, len(catalog.PRODUCT_AREAS)))]
        return [f"legacy_widget_{serial + 1}", f"Legacy widget {serial + 1}", area, "false"]

    return _write_small(out_dir, world, "features", rows, template)


# NPS --------------------------------------------------------------------------------------------
@dataclass
class _VisitorView:
    """All visitors of the world as flat arrays (global index order)."""

    acct: np.ndarray  # global account index
    persona: np.ndarray
    role: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    health: np.ndarray
    churn: np.ndarray
    offset: np.ndarray


def _visitor_view(world: _World) -> _VisitorView:
    parts: dict[str, list[np.ndarray]] = {k: [] for k in _VisitorView.__dataclass_fields__}
    for blk in world.blocks:
        a = blk.v_acct
        parts["acct"].append(blk.first + a)
        parts["persona"].append(blk.v_persona)
        parts["role"].append(blk.v_role)
        parts["start"].append(blk.v_start)
        parts["stop"].append(blk.v_stop)
        parts["health"].append(blk.health[a])
        parts["churn"].append(blk.churn[a])
        parts["offset"].append(blk.v_offset)
    return _VisitorView(**{k: np.concatenate(v) for k, v in parts.items()})


def _window(vv: _VisitorView, span: _Span) -> tuple[np.ndarray, np.ndarray]:
    """When each visitor can answer a survey: [lo, hi) (hi <= lo: never)."""
    lo = np.maximum(vv.start, span.t0)
    hi = np.minimum(np.minimum(vv.stop + 14 * _DAY, vv.churn), span.t1)
    return lo, hi


def _write_nps(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "nps_responses")
    vv = _visitor_view(world)
    lo, hi = _window(vv, world.span)
    v = len(vv.acct)
    answers = np.where(
        (rng.random(v) < 0.35) & (hi - lo > 3600),
        1 + (rng.random(v) < 0.25) + (rng.random(v) < 0.06),
        0,
    )
    who = np.repeat(np.arange(v), answers)
    k = len(who)
    when = (lo[who] + rng.random(k) * (hi[who] - lo[who])).astype(np.int64)
    order = np.lexsort((who, when))
    who, when = who[order], when[order]
    usage = _USAGE_LEVEL[vv.persona[who]] * (0.55 + 0.45 * vv.health[who])
    score = np.clip(np.round(rng.normal(3.6 + 7.5 * usage, 1.3)), 0, 10).astype(np.int64)
    exception = rng.random(k) < 0.1
    score = np.where(
        exception & (usage > 0.5),
        rng.integers(0, 5, k),
        np.where(exception & (usage <= 0.5), rng.integers(9, 11, k), score),
    )
    stamp = _fmt_ts_list(when, rng, vv.offset[who])
    comment_u = rng.random(k)
    comment_pick = rng.integers(0, 100, k)
    acct_blank = rng.random(k) < 0.08
    rows: list[Row] = []
    for i in range(k):
        s = int(score[i])
        group = "promoter" if s >= 9 else "passive" if s >= 7 else "detractor"
        pool = _NPS_COMMENTS[group]
        comment = None if comment_u[i] < 0.55 else pool[comment_pick[i] % len(pool)]
        rows.append(
            [
                f"nps_{i + 1:07d}",
                world.visitor_ids[who[i]],
                None if acct_blank[i] else world.account_ids[vv.acct[who[i]]],
                str(s),
                comment,
                stamp[i],
            ]
        )
    if world.rate > 0 and rows:
        rows[min(len(rows) - 1, 5)][4] = _TRICKY_COMMENT

    def template(r: np.random.Generator, serial: int) -> Row:
        vi = int(r.integers(0, v))
        t = int(world.span.t0 + r.random() * (world.span.t1 - world.span.t0))
        return [
            f"nps_{_FRESH_BASE * 10 + serial:07d}",
            world.visitor_ids[vi],
            world.account_ids[vv.acct[vi]],
            str(int(r.integers(0, 11))),
            None,
            _fmt_ts_list([t], r, [vv.offset[vi]])[0],
        ]

    eol = "\r\n" if world.rate > 0 else "\n"
    return _write_small(
        out_dir, world, "nps_responses", rows, template, eol=eol, bom=world.rate > 0
    )


# polls ------------------------------------------------------------------------------------------
def _write_polls(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "poll_responses")
    vv = _visitor_view(world)
    lo, hi = _window(vv, world.span)
    span = world.span
    n_polls = len(catalog.POLLS)
    rows: list[Row] = []
    serial = 0
    for p, poll in enumerate(catalog.POLLS):
        w0 = span.t0 + (span.t1 - span.t0) * p // n_polls
        w1 = span.t0 + (span.t1 - span.t0) * (p + 1) // n_polls
        a = np.maximum(lo, w0)
        b = np.minimum(hi, w1)
        who = np.nonzero((b - a > 3600) & (rng.random(len(lo)) < 0.18))[0]
        when = (a[who] + rng.random(len(who)) * (b[who] - a[who])).astype(np.int64)
        order = np.argsort(when, kind="stable")
        who, when = who[order], when[order]
        weights = np.linspace(1.6, 0.6, len(poll.answers))
        pick = rng.choice(len(poll.answers), len(who), p=weights / weights.sum())
        stamp = _fmt_ts_list(when, rng, vv.offset[who])
        blank = rng.random(len(who)) < 0.05
        for i in range(len(who)):
            serial += 1
            rows.append(
                [
                    f"poll_{serial:07d}",
                    poll.poll_id,
                    poll.question,
                    world.visitor_ids[who[i]],
                    None if blank[i] else world.account_ids[vv.acct[who[i]]],
                    poll.answers[pick[i]],
                    stamp[i],
                ]
            )
    v = len(lo)

    def template(r: np.random.Generator, s: int) -> Row:
        poll = catalog.POLLS[int(r.integers(0, n_polls))]
        vi = int(r.integers(0, v))
        t = int(span.t0 + r.random() * (span.t1 - span.t0))
        return [
            f"poll_{_FRESH_BASE * 10 + s:07d}",
            poll.poll_id,
            poll.question,
            world.visitor_ids[vi],
            world.account_ids[vv.acct[vi]],
            poll.answers[0],
            _fmt_ts_list([t], r, [vv.offset[vi]])[0],
        ]

    return _write_small(out_dir, world, "poll_responses", rows, template)


# support tickets --------------------------------------------------------------------------------
def _write_tickets(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "support_tickets")
    span = world.span
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("acct", "vis", "opened", "fixed", "status", "prio", "offset")
    }
    for bi, blk in enumerate(world.blocks):
        h = blk.health
        lo = np.maximum(blk.created, span.t0)
        hi = np.minimum(blk.churn, span.t1)
        ok = hi - lo >= 3600
        months = np.maximum(hi - lo, 0) / (30 * _DAY)
        lam = months * (0.25 + 2.2 * (1 - h) ** 2) * np.sqrt(blk.seats / 10)
        n_base = np.where(ok, rng.poisson(lam), 0)
        # struggling and stalled accounts: a burst of recent tickets
        recent_lam = np.where((blk.stalled_from < _BIG) | (h < 0.35), 1.5 + 3 * (1 - h), 0.2)
        n_recent = np.where(ok & (hi > span.t1 - 21 * _DAY), rng.poisson(recent_lam), 0)
        ab = np.repeat(np.arange(blk.n), n_base)
        ar = np.repeat(np.arange(blk.n), n_recent)
        acct = np.concatenate([ab, ar])
        opened = np.concatenate(
            [
                lo[ab] + rng.random(len(ab)) * (hi[ab] - lo[ab]),
                np.maximum(lo[ar], hi[ar] - rng.random(len(ar)) * 21 * _DAY),
            ]
        ).astype(np.int64)
        order = np.lexsort((opened, acct))
        acct, opened = acct[order], opened[order]
        k = len(acct)
        hh = h[acct]
        urgent = 0.03 + 0.1 * (1 - hh)
        high = 0.12 + 0.12 * (1 - hh)
        low = 0.05 + 0.3 * hh
        u = rng.random(k)
        prio = (u >= low).astype(np.int64) + (u >= 1 - high - urgent) + (u >= 1 - urgent)
        mean_fix = (1 + 14 * (1 - hh) ** 2) * _DAY * np.array([1.6, 1.0, 0.7, 0.4])[prio]
        fixed = (opened + rng.exponential(1.0, k) * mean_fix).astype(np.int64)
        done = (fixed < span.t1) & (rng.random(k) < 0.96)
        closed = done & (span.t1 - fixed > 7 * _DAY) & (rng.random(k) < 0.7)
        pending = rng.random(k) < 0.35
        # status codes follow catalog.TICKET_STATUSES: open, pending, resolved, closed
        status = np.where(done, np.where(closed, 3, 2), np.where(pending, 1, 0))
        vis = world.vis_base[bi] + blk.vis_first[acct] + rng.integers(0, blk.n_vis[acct])
        vis = np.where(rng.random(k) < 0.8, vis, -1)
        for key, value in (
            ("acct", blk.first + acct),
            ("vis", vis),
            ("opened", opened),
            ("fixed", np.where(done, fixed, -1)),
            ("status", status),
            ("prio", prio),
            ("offset", blk.offset[acct]),
        ):
            parts[key].append(value)
    t = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in parts.items()}
    opened_txt = _fmt_ts_list(t["opened"], rng, t["offset"])
    fixed_txt = _fmt_ts_list(np.maximum(t["fixed"], 0), rng, t["offset"])
    rows: list[Row] = []
    for j in range(len(t["acct"])):
        vis_j = int(t["vis"][j])
        rows.append(
            [
                f"tkt_{j + 1:07d}",
                world.account_ids[t["acct"][j]],
                world.visitor_ids[vis_j] if vis_j >= 0 else None,
                opened_txt[j],
                fixed_txt[j] if t["fixed"][j] >= 0 else None,
                catalog.TICKET_STATUSES[t["status"][j]],
                catalog.TICKET_PRIORITIES[t["prio"][j]],
            ]
        )

    def template(r: np.random.Generator, serial: int) -> Row:
        ai = int(r.integers(0, world.n_accounts))
        opened = int(span.t0 + r.random() * (span.t1 - span.t0))
        fixed = opened + 3 * _DAY
        is_fixed = fixed < span.t1
        return [
            f"tkt_{_FRESH_BASE * 10 + serial:07d}",
            world.account_ids[ai],
            None,
            _fmt_ts_list([opened], r, [0])[0],
            _fmt_ts_list([fixed], r, [0])[0] if is_fixed else None,
            "resolved" if is_fixed else "open",
            "normal",
        ]

    return _write_small(out_dir, world, "support_tickets", rows, template)


# CRM activities ---------------------------------------------------------------------------------
_CRM_TYPE_P = np.array([0.2, 0.25, 0.38, 0.1, 0.07])  # meeting, call, email, qbr, onsite


def _write_crm(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "crm_activities")
    span = world.span
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("acct", "when", "type", "senti", "off")}
    for blk in world.blocks:
        h = blk.health
        lo = np.maximum(blk.created, span.t0)
        hi = np.minimum(np.where(blk.churn < _BIG, blk.churn + 7 * _DAY, _BIG), span.t1)
        hi = np.where(blk.neglected, np.minimum(hi, blk.last_touch), hi)
        ok = hi - lo >= 3600
        months = np.maximum(hi - lo, 0) / (30 * _DAY)
        enterprise = blk.tier == 3
        lam = months * (0.6 + 1.8 * h + 1.5 * enterprise + 0.6 * (blk.tier == 2))
        lam = np.where(blk.neglected, lam * 0.3, lam)
        n_base = np.where(ok, rng.poisson(lam), 0)
        # looked-after accounts had a touchpoint in the last three weeks
        recent = ok & (~blk.neglected) & (blk.churn == _BIG) & (rng.random(blk.n) < 0.7)
        ab = np.repeat(np.arange(blk.n), n_base)
        ar = np.nonzero(recent)[0]
        acct = np.concatenate([ab, ar])
        when = np.concatenate(
            [
                lo[ab] + rng.random(len(ab)) * (hi[ab] - lo[ab]),
                np.maximum(lo[ar], span.t1 - rng.uniform(1, 20, len(ar)) * _DAY),
            ]
        ).astype(np.int64)
        order = np.lexsort((when, acct))
        acct, when = acct[order], when[order]
        k = len(acct)
        ent = enterprise[acct][:, None]
        tp = _CRM_TYPE_P[None, :] * np.where(
            np.arange(5)[None, :] == 3,
            1 + 2 * ent,
            np.where(np.arange(5)[None, :] == 4, 1 + ent, 1),
        )
        cum = np.cumsum(tp / tp.sum(axis=1, keepdims=True), axis=1)
        types = (rng.random(k)[:, None] > cum[:, :4]).sum(axis=1)
        hh = h[acct]
        pos = 0.15 + 0.65 * hh
        neg = 0.05 + 0.45 * (1 - hh) ** 2
        u = rng.random(k)
        senti = np.where(u < pos, 0, np.where(u < 1 - neg, 1, 2))
        for key, value in (
            ("acct", blk.first + acct),
            ("when", when),
            ("type", types),
            ("senti", senti),
            ("off", blk.offset[acct]),
        ):
            parts[key].append(value)
    t = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in parts.items()}
    when_txt = _fmt_ts_list(t["when"], rng, t["off"])
    rows: list[Row] = [
        [
            f"crm_{j + 1:07d}",
            world.account_ids[t["acct"][j]],
            catalog.CRM_ACTIVITY_TYPES[t["type"][j]],
            when_txt[j],
            catalog.SENTIMENTS[t["senti"][j]],
        ]
        for j in range(len(t["acct"]))
    ]

    def template(r: np.random.Generator, serial: int) -> Row:
        ai = int(r.integers(0, world.n_accounts))
        when = int(span.t0 + r.random() * (span.t1 - span.t0))
        return [
            f"crm_{_FRESH_BASE * 10 + serial:07d}",
            world.account_ids[ai],
            "call",
            _fmt_ts_list([when], r, [0])[0],
            "neutral",
        ]

    return _write_small(out_dir, world, "crm_activities", rows, template)


# renewals ---------------------------------------------------------------------------------------
def _write_renewals(out_dir: Path, world: _World) -> tuple[_Counts, str]:
    rng = _world_rng(world, "renewals")
    rows: list[Row] = []
    taken: set[tuple[int, date]] = set()
    for blk, i in world.accounts():
        for ren in blk.renewals[i]:
            mode = int(rng.integers(0, 6) == 0)
            rows.append(
                [
                    world.account_ids[blk.first + i],
                    ren.renewal_date.isoformat(),
                    ren.outcome,
                    _money(ren.arr_before, mode),
                    _money(ren.arr_after, mode),
                ]
            )
            taken.add((blk.first + i, ren.renewal_date))
    span = world.span

    def template(r: np.random.Generator, serial: int) -> Row:
        for attempt in range(1000):
            ai = int(r.integers(0, world.n_accounts))
            day = span.start + timedelta(days=int(r.integers(0, span.days)))
            if attempt > 100:  # tiny runs: a day after the span is free
                day = span.end + timedelta(days=attempt)
            if (ai, day) not in taken:
                break
        taken.add((ai, day))
        arr = round(float(r.uniform(5_000, 90_000)), -2)
        return [world.account_ids[ai], day.isoformat(), "renewed", _money(arr, 0), _money(arr, 0)]

    return _write_small(out_dir, world, "renewals", rows, template)


_SMALL_TABLES: dict[str, Callable[[Path, _World], tuple[_Counts, str]]] = {
    "accounts": _write_accounts,
    "visitors": _write_visitors,
    "features": _write_features,
    "nps_responses": _write_nps,
    "poll_responses": _write_polls,
    "support_tickets": _write_tickets,
    "crm_activities": _write_crm,
    "renewals": _write_renewals,
}
