"""Lookup pools derived from the catalogue (pulse.catalog): features by product area, and
the event types, names and properties that event columns are taken from by code."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from pulse import catalog
from pulse.generator.vocabulary import BROWSERS, CLICK_ELEMENTS, TRICKY_PROPERTIES

N_FEATURES = len(catalog.FEATURES)
FEATURE_AREA = np.array([catalog.PRODUCT_AREAS.index(f.product_area) for f in catalog.FEATURES])
FEATURE_CORE = np.array([f.is_core_event for f in catalog.FEATURES])
FEATURE_RANK_IN_AREA = np.array(
    [
        [f.product_area for f in catalog.FEATURES[:i]].count(feat.product_area)
        for i, feat in enumerate(catalog.FEATURES)
    ]
)
# the features of each area, in catalogue order (= rank order within the area)
AREA_FEATURES = tuple(
    np.array([i for i, f in enumerate(catalog.FEATURES) if f.product_area == area])
    for area in catalog.PRODUCT_AREAS
)
# popularity: core features and the first features of an area are clicked most
FEATURE_POPULARITY = np.where(FEATURE_CORE, 3.0, 1.0) / (1.0 + FEATURE_RANK_IN_AREA) ** 0.9

TYPE_POOL = catalog.EVENT_TYPES + catalog.UNKNOWN_EVENT_TYPES
TYPE_PAGE, TYPE_CLICK, TYPE_TRACK, TYPE_GUIDE_SEEN, TYPE_GUIDE_DISMISSED = range(5)
TYPE_FIRST_UNKNOWN = len(catalog.EVENT_TYPES)

NAME_POOL: list[str] = []


def _add_names(names: Sequence[str]) -> int:
    start = len(NAME_POOL)
    NAME_POOL.extend(names)
    return start


NAME_AT_PAGES = _add_names([p.page_name for p in catalog.PAGES])
NAME_AT_SETUP_STEPS = _add_names([s.event_name for s in catalog.SETUP_STEPS])
NAME_AT_VALUE_EVENTS = _add_names(catalog.VALUE_EVENTS)
NAME_AT_TRACK_EVENTS = _add_names(catalog.OTHER_TRACK_EVENTS)
NAME_AT_GUIDES = _add_names([g.guide_id for g in catalog.GUIDES])
NAME_AT_FEATURES = _add_names([f.feature_name for f in catalog.FEATURES])
NAME_AT_CUSTOM = _add_names(["custom_event", "demo_request_form"])
# event_name of the unknown types: identify -> none, custom, form_submit
UNKNOWN_TYPE_NAMES = np.array([-1, NAME_AT_CUSTOM, NAME_AT_CUSTOM + 1])

PAGE_CUMULATIVE = np.cumsum([8, 7, 5, 7, 4, 4, 2, 2, 2, 2, 1, 1.5]) / 45.5
VALUE_EVENT_CUMULATIVE = np.cumsum([0.3, 0.25, 0.2, 0.15, 0.1])
GUIDE_CUMULATIVE = np.cumsum([0.3, 0.2, 0.15, 0.15, 0.12, 0.08])


def _json_text(obj: dict[str, str]) -> str:
    return json.dumps(obj, ensure_ascii=False)


PROPERTY_POOL: list[str] = []
PROPERTY_AT_PAGES = len(PROPERTY_POOL)
PROPERTY_POOL.extend(
    _json_text({"browser": b, "path": p.path}) for p in catalog.PAGES for b in BROWSERS
)
PROPERTY_AT_CLICKS = len(PROPERTY_POOL)
PROPERTY_POOL.extend(
    _json_text({"browser": b, "element": e}) for e in CLICK_ELEMENTS for b in BROWSERS
)
PROPERTY_AT_PLAIN = len(PROPERTY_POOL)
PROPERTY_POOL.extend(_json_text({"browser": b}) for b in BROWSERS)
PROPERTY_TRICKY = len(PROPERTY_POOL)
PROPERTY_POOL.append(TRICKY_PROPERTIES)
