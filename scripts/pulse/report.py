"""`pulse report`: a weekly usage report per customer account, as one self-contained HTML file.

Each report is meant to be shared with that customer: logged-in users and their frequency,
time on app per week (bar chart), features used per user, core features not yet adopted, the
account's peer percentile on its top features, milestones and journey stage, and the health
trend (line chart). Charts are inline SVG drawn here, CSS sits in a <style> tag and fonts are
the system's: no script, font, image or style sheet is fetched, so a report opens offline and
can be sent as an attachment. `--all` also writes index.html, a list for the CS team (the only
file that names several accounts).

Tenant isolation by construction: the marts are read once, every account-level frame is split
by account_id, and a report is rendered only from its own account's slices plus tables that
hold no customer data (the report window and the feature catalogue). Benchmarks keep only the
account's own percentile and its peer group's name, never peers' values, names or ids.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pulse import paths, warehouse
from pulse.errors import PulseError
from pulse.files import write_atomic
from pulse.progress import Progress

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
WEEKS_SHOWN = 12
HEALTH_DAYS = 90
TOP_FEATURES = 5
NAMES_SHOWN = 8  # users listed by name under a core feature they have not tried

JOURNEY_STAGES = ("not_set_up", "set_up", "activated", "utilizing", "mature")
STAGE_LABELS = {
    "not_set_up": "Not set up",
    "set_up": "Set up",
    "activated": "Activated",
    "utilizing": "Utilizing",
    "mature": "Mature",
}
BANDS = ("daily", "weekly", "monthly", "inactive")
HEALTH_BAND_LABELS = {"healthy": "Healthy", "neutral": "Neutral", "at_risk": "At risk"}
COMPONENTS = {
    "breadth": "Breadth: share of seats in use",
    "depth": "Depth: core features in use",
    "frequency": "Frequency: active days per user",
    "sentiment": "Sentiment: your users' NPS",
    "support": "Support: open tickets",
    "relationship": "Relationship: recent contact with us",
}
PEER_DIMENSION_LABELS = {
    "plan_tier": "plan",
    "size_band": "size band",
    "industry": "industry",
    "region": "region",
}

# The columns each mart must give (fewer is a stale build). Account-level marts come first:
# they are split per account. The last two hold no customer data.
TENANT_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_accounts": ("account_id", "account_name", "plan_tier", "is_churned"),
    "fct_account_health": (
        "account_id",
        "health_score",
        "health_band",
        "health_score_change_7_days",
        "health_score_change_30_days",
        "dragging_component",
        *(f"{c}_score" for c in COMPONENTS),
    ),
    "fct_account_health_daily": ("account_id", "metric_date", "health_score"),
    "fct_account_milestones": (
        "account_id",
        "count_setup_steps_done",
        "count_setup_steps",
        "is_setup_complete",
        "setup_completed_at",
        "count_value_events_first_90_days",
        "is_activated",
        "activated_at",
        "value_events_per_seat_last_complete_month",
        "is_utilizing",
        "count_basic_categories",
        "count_mature_categories",
        "is_mature",
        "journey_stage",
    ),
    "fct_account_category_maturity": (
        "account_id",
        "category",
        "count_features_used_last_90_days",
        "maturity_level",
    ),
    "dim_visitors": ("account_id", "visitor_id", "email"),
    "fct_visitor_usage": (
        "account_id",
        "visitor_id",
        "role",
        "count_active_days_last_30_days",
        "active_minutes_last_30_days",
        "count_features_used_last_30_days",
        "frequency_band",
        "is_active_last_30_days",
        "last_active_date",
    ),
    "fct_account_weeks": (
        "account_id",
        "week_start_date",
        "is_complete_week",
        "count_active_visitors",
        "active_minutes",
    ),
    "fct_visitor_feature_usage": (
        "account_id",
        "visitor_id",
        "feature_id",
        "count_clicks_last_30_days",
        "is_used_last_30_days",
    ),
    "fct_account_feature_usage": (
        "account_id",
        "feature_id",
        "count_clicks_last_30_days",
        "is_used_last_30_days",
    ),
    # only the account's own standing: no peer counts, medians or other accounts' values
    "fct_account_feature_benchmarks": (
        "account_id",
        "feature_id",
        "peer_group_dimension",
        "peer_group",
        "count_clicks_last_30_days",
        "is_used_last_30_days",
        "percentile_rank",
        "is_top_10_pct",
    ),
    "rpt_feature_adoption_gaps": ("account_id", "visitor_id", "feature_id"),
}
SHARED_COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_report_window": ("as_of_date", "window_start_date", "last_complete_month_start_date"),
    "dim_features": ("feature_id", "feature_name", "is_core_event"),
}


# -- reading the marts ----------------------------------------------------------------------
Row = dict[str, Any]


@dataclass(frozen=True)
class Marts:
    """Everything a report needs, read once, as plain rows. `tenant[table][account_id]` holds
    that account's rows only; `shared` holds the tables without customer data."""

    tenant: dict[str, dict[str, list[Row]]]
    shared: dict[str, list[Row]]

    @property
    def account_ids(self) -> list[str]:
        return sorted(self.tenant["dim_accounts"])

    def slices(self, account_id: str) -> dict[str, list[Row]]:
        """Every account-level table cut to this one account (no rows when it has none)."""
        return {table: groups.get(account_id, []) for table, groups in self.tenant.items()}


def _columns(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PulseError(
            f"marts.{table} lacks column(s) {', '.join(missing)}: rebuild with `make build`"
        )
    return frame.loc[:, list(columns)]


def read_marts() -> Marts:
    """Read the marts once (the connection is closed before anything is rendered) and split
    every account-level table by account_id."""
    frames: dict[str, pd.DataFrame] = {}
    with warehouse.connect() as wh:
        for table, columns in (TENANT_COLUMNS | SHARED_COLUMNS).items():
            frames[table] = _columns(wh.read_table(table), table, columns)
    shared = {table: frames[table].to_dict("records") for table in SHARED_COLUMNS}
    if not shared["dim_report_window"]:
        raise PulseError("marts.dim_report_window is empty: is there any activity in the data?")
    as_of = _day(shared["dim_report_window"][0]["as_of_date"])
    if as_of is None:
        raise PulseError("marts.dim_report_window has no as_of_date: rebuild with `make build`")

    # drop what no report shows before splitting: history older than the chart, unused features
    health = frames["fct_account_health_daily"]
    since = pd.Timestamp(as_of - timedelta(days=HEALTH_DAYS - 1))
    frames["fct_account_health_daily"] = health[pd.to_datetime(health["metric_date"]) >= since]
    usage = frames["fct_visitor_feature_usage"]
    frames["fct_visitor_feature_usage"] = usage[
        usage["is_used_last_30_days"].fillna(False).astype(bool)
    ]

    tenant: dict[str, dict[str, list[Row]]] = {}
    for table in TENANT_COLUMNS:
        groups: dict[str, list[Row]] = {}
        for row in frames[table].to_dict("records"):
            if not _missing(row["account_id"]):
                groups.setdefault(str(row["account_id"]), []).append(row)
        tenant[table] = groups
    return Marts(tenant=tenant, shared=shared)


# -- small value helpers --------------------------------------------------------------------
def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _day(value: Any) -> date | None:
    if _missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _num(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _int(value: Any) -> int:
    return 0 if _missing(value) else round(float(value))


def _text(value: Any, default: str = "") -> str:
    return default if _missing(value) else str(value)


def _flag(value: Any) -> bool:
    return False if _missing(value) else bool(value)


def fmt_date(value: date | None, default: str = "—") -> str:
    return default if value is None else f"{value.day} {value:%b %Y}"


def fmt_short(value: date) -> str:
    return f"{value.day} {value:%b}"


def fmt_minutes(minutes: float) -> str:
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    hours, rest = divmod(total, 60)
    return f"{hours:,} h {rest} min" if rest else f"{hours:,} h"


def fmt_change(value: float | None) -> str:
    if value is None:
        return "no change data"
    if round(value, 1) == 0:
        return "unchanged"
    return f"{value:+.1f} points"


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


# -- charts (inline SVG) --------------------------------------------------------------------
def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times 10^k at or above value (at least 1)."""
    if value <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def _n(value: float) -> str:
    return f"{value:.1f}"


def _tick(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def bar_chart_svg(
    bars: Sequence[tuple[str, float, bool, str]], title: str, unit: str = "minutes"
) -> Markup:
    """Vertical bars: (label, value, is_partial, tooltip) each. Partial bars are drawn lighter."""
    width, height = 640, 240
    left, right, top, bottom = 52, 12, 22, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max((v for _, v, _, _ in bars), default=0.0))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
    ]
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}"/>'
            f'<text class="axis" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">'
            f"{_tick(value)}</text>"
        )
    parts.append(
        f'<text class="axis" x="{left}" y="{top - 8}" text-anchor="start">{_esc(unit)}</text>'
    )
    if not bars or all(v <= 0 for _, v, _, _ in bars):
        parts.append(
            f'<text class="empty" x="{_n(left + plot_w / 2)}" y="{_n(top + plot_h / 2)}" '
            'text-anchor="middle">No activity recorded in these weeks</text>'
        )
    slot = plot_w / max(len(bars), 1)
    every = max(1, math.ceil(len(bars) / 13))
    for i, (label, value, partial, tooltip) in enumerate(bars):
        bar_h = plot_h * max(value, 0.0) / top_value
        x = left + slot * i + slot * 0.15
        y = top + plot_h - bar_h
        css = "bar partial" if partial else "bar"
        parts.append(
            f'<rect class="{css}" x="{_n(x)}" y="{_n(y)}" width="{_n(slot * 0.7)}" '
            f'height="{_n(bar_h)}"><title>{_esc(tooltip)}</title></rect>'
        )
        center = x + slot * 0.35
        if value > 0:
            parts.append(
                f'<text class="value" x="{_n(center)}" y="{_n(y - 4)}" text-anchor="middle">'
                f"{_tick(round(value))}</text>"
            )
        if i % every == 0:
            parts.append(
                f'<text class="axis" x="{_n(center)}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{_esc(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart_svg(points: Sequence[tuple[date, float | None]], start: date, end: date) -> Markup:
    """Health score (0-100) per day from start to end, with the band thresholds shaded.
    Days without a score (null or no row) break the line."""
    width, height = 640, 240
    left, right, top, bottom = 40, 44, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return left + plot_w * (day - start).days / span

    def y_of(score: float) -> float:
        return top + plot_h * (1 - min(max(score, 0.0), 100.0) / 100)

    title = f"Health score per day, {fmt_date(start)} to {fmt_date(end)}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
    ]
    for css, low, high in (("zone-risk", 0, 40), ("zone-neutral", 40, 70), ("zone-good", 70, 100)):
        parts.append(
            f'<rect class="{css}" x="{left}" y="{_n(y_of(high))}" width="{plot_w}" '
            f'height="{_n(y_of(low) - y_of(high))}"/>'
        )
    for value in (0, 40, 70, 100):
        y = y_of(value)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{left + plot_w}" y2="{_n(y)}"/>'
            f'<text class="axis" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">{value}</text>'
        )
    month = date(start.year, start.month, 1)
    while month <= end:
        if month >= start:
            x = x_of(month)
            parts.append(
                f'<line class="grid" x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{top + plot_h}"/>'
                f'<text class="axis" x="{_n(x)}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{month:%b}</text>'
            )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)

    segments: list[list[tuple[date, float]]] = [[]]
    previous: date | None = None
    for day, score in sorted(points, key=lambda p: p[0]):
        gap = previous is not None and (day - previous).days > 1
        if (score is None or gap) and segments[-1]:
            segments.append([])  # a day without a score breaks the line
        if score is not None:
            segments[-1].append((day, score))
        previous = day
    scored = [p for segment in segments for p in segment]
    if not scored:
        parts.append(
            f'<text class="empty" x="{_n(left + plot_w / 2)}" y="{_n(top + plot_h / 2)}" '
            'text-anchor="middle">No health score in this period</text>'
        )
    for segment in segments:
        if len(segment) == 1:
            day, score = segment[0]
            parts.append(f'<circle class="dot" cx="{_n(x_of(day))}" cy="{_n(y_of(score))}" r="2"/>')
        elif segment:
            coords = " ".join(f"{_n(x_of(d))},{_n(y_of(s))}" for d, s in segment)
            parts.append(f'<polyline class="line" points="{coords}"/>')
    if scored:
        day, score = scored[-1]
        parts.append(
            f'<circle class="dot" cx="{_n(x_of(day))}" cy="{_n(y_of(score))}" r="4">'
            f"<title>{_esc(fmt_date(day))}: {score:.0f}</title></circle>"
            f'<text class="value" x="{_n(x_of(day) + 7)}" y="{_n(y_of(score) + 4)}">'
            f"{score:.0f}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# -- one account's report context -----------------------------------------------------------
def _feature_names(features: list[Row]) -> dict[str, str]:
    return {str(f["feature_id"]): _text(f["feature_name"], str(f["feature_id"])) for f in features}


def _users(own: dict[str, list[Row]]) -> list[dict[str, Any]]:
    emails = {str(v["visitor_id"]): _text(v["email"]) for v in own["dim_visitors"]}
    users = []
    for v in own["fct_visitor_usage"]:
        visitor_id = str(v["visitor_id"])
        users.append(
            {
                "visitor_id": visitor_id,
                "label": emails.get(visitor_id) or visitor_id,
                "role": _label(_text(v["role"], "—")),
                "active_days": _int(v["count_active_days_last_30_days"]),
                "minutes": _int(v["active_minutes_last_30_days"]),
                "band": _text(v["frequency_band"], "inactive"),
                "features": _int(v["count_features_used_last_30_days"]),
                "is_active": _flag(v["is_active_last_30_days"]),
                "last_active": fmt_date(_day(v["last_active_date"]), "never"),
            }
        )
    users.sort(key=lambda u: (-u["active_days"], -u["minutes"], u["label"].lower()))
    return users


def _weeks(own: dict[str, list[Row]], as_of: date) -> tuple[Markup, list[dict[str, Any]]]:
    dated = [(_day(w["week_start_date"]), w) for w in own["fct_account_weeks"]]
    shown = sorted(((d, w) for d, w in dated if d is not None and d <= as_of), key=lambda p: p[0])
    rows = [
        {
            "label": fmt_short(day),
            "week_of": fmt_date(day),
            "minutes": _int(w["active_minutes"]),
            "users": _int(w["count_active_visitors"]),
            "partial": not _flag(w["is_complete_week"]),
        }
        for day, w in shown[-WEEKS_SHOWN:]
    ]
    bars = [
        (
            r["label"],
            float(r["minutes"]),
            r["partial"],
            f"Week of {r['week_of']}: {r['minutes']:,} min, {r['users']} active users"
            + (" (week in progress)" if r["partial"] else ""),
        )
        for r in rows
    ]
    title = f"Time on app per week, last {len(rows)} weeks"
    return bar_chart_svg(bars, title), rows


def _features_per_user(
    own: dict[str, list[Row]], users: list[dict[str, Any]], names: dict[str, str]
) -> list[dict[str, Any]]:
    clicks: dict[str, list[tuple[str, int]]] = {}
    for r in own["fct_visitor_feature_usage"]:
        feature = str(r["feature_id"])
        clicks.setdefault(str(r["visitor_id"]), []).append(
            (names.get(feature, feature), _int(r["count_clicks_last_30_days"]))
        )
    rows = []
    for user in users:
        used = sorted(clicks.get(user["visitor_id"], []), key=lambda fc: (-fc[1], fc[0]))
        if used:
            rows.append({"label": user["label"], "features": used})
    return rows


def _core_features(
    own: dict[str, list[Row]], features: list[Row], users: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    usage = {str(r["feature_id"]): r for r in own["fct_account_feature_usage"]}
    labels = {u["visitor_id"]: u["label"] for u in users}
    gaps: dict[str, list[str]] = {}
    for g in own["rpt_feature_adoption_gaps"]:
        visitor = str(g["visitor_id"])
        gaps.setdefault(str(g["feature_id"]), []).append(labels.get(visitor, visitor))
    active = sum(u["is_active"] for u in users)
    rows = []
    for f in features:
        if not _flag(f["is_core_event"]):
            continue
        feature = str(f["feature_id"])
        used = usage.get(feature)
        not_tried = sorted(gaps.get(feature, []), key=str.lower)
        rows.append(
            {
                "name": _text(f["feature_name"], feature),
                "adopted": used is not None and _flag(used["is_used_last_30_days"]),
                "clicks": 0 if used is None else _int(used["count_clicks_last_30_days"]),
                "not_tried": len(not_tried),
                "not_tried_names": not_tried[:NAMES_SHOWN],
                "not_tried_more": max(len(not_tried) - NAMES_SHOWN, 0),
                "active_users": active,
            }
        )
    return sorted(rows, key=lambda r: r["name"].lower())


def _benchmarks(own: dict[str, list[Row]], names: dict[str, str]) -> dict[str, Any]:
    rows = own["fct_account_feature_benchmarks"]
    if not rows:
        return {"peer_label": "", "top": [], "top10": []}
    dimension = _text(rows[0]["peer_group_dimension"], "peer group")
    group = _text(rows[0]["peer_group"], "unknown")
    what = PEER_DIMENSION_LABELS.get(dimension, dimension.replace("_", " "))
    used = [
        {
            "name": names.get(str(r["feature_id"]), str(r["feature_id"])),
            "clicks": _int(r["count_clicks_last_30_days"]),
            "percentile": _num(r["percentile_rank"]) or 0.0,
            "is_top_10": _flag(r["is_top_10_pct"]),
        }
        for r in rows
        if _flag(r["is_used_last_30_days"])
    ]
    used.sort(key=lambda r: (-r["clicks"], r["name"]))
    return {
        "peer_label": f"accounts on the same {what} ({group})",
        "top": used[:TOP_FEATURES],
        "top10": sorted(r["name"] for r in used if r["is_top_10"]),
    }


def _milestones(own: dict[str, list[Row]], month: date | None) -> dict[str, Any]:
    categories = [
        {
            "name": _label(_text(c["category"], "other")),
            "features": _int(c["count_features_used_last_90_days"]),
            "level": _text(c["maturity_level"], "none"),
        }
        for c in own["fct_account_category_maturity"]
    ]
    categories.sort(key=lambda c: c["name"])
    if not own["fct_account_milestones"]:
        return {"known": False, "stage": "", "ladder": [], "categories": categories}
    m = own["fct_account_milestones"][0]
    stage = _text(m["journey_stage"], "not_set_up")
    reached = JOURNEY_STAGES.index(stage) if stage in JOURNEY_STAGES else -1
    ladder = [
        {"label": STAGE_LABELS[s], "reached": i <= reached, "current": i == reached}
        for i, s in enumerate(JOURNEY_STAGES)
    ]
    per_seat = _num(m["value_events_per_seat_last_complete_month"])
    return {
        "known": True,
        "stage": stage,
        "stage_label": STAGE_LABELS.get(stage, _label(stage)),
        "ladder": ladder,
        "setup_done": _int(m["count_setup_steps_done"]),
        "setup_total": _int(m["count_setup_steps"]),
        "setup_complete": _flag(m["is_setup_complete"]),
        "setup_at": fmt_date(_day(m["setup_completed_at"])),
        "activated": _flag(m["is_activated"]),
        "activated_at": fmt_date(_day(m["activated_at"])),
        "value_events_90": _int(m["count_value_events_first_90_days"]),
        "utilizing": _flag(m["is_utilizing"]),
        "per_seat": "—" if per_seat is None else f"{per_seat:.1f}",
        "month": "" if month is None else f"{month:%B %Y}",
        "mature": _flag(m["is_mature"]),
        "mature_categories": _int(m["count_mature_categories"]),
        "basic_categories": _int(m["count_basic_categories"]),
        "categories": categories,
    }


def _health(own: dict[str, list[Row]], as_of: date) -> dict[str, Any]:
    start = as_of - timedelta(days=HEALTH_DAYS - 1)
    points = [
        (_day(d["metric_date"]), _num(d["health_score"])) for d in own["fct_account_health_daily"]
    ]
    chart = line_chart_svg([(d, s) for d, s in points if d is not None], start, as_of)
    if not own["fct_account_health"]:
        return {"known": False, "chart": chart}
    h = own["fct_account_health"][0]
    score = _num(h["health_score"])
    band = _text(h["health_band"])
    dragging = _text(h["dragging_component"])
    return {
        "known": score is not None,
        "chart": chart,
        "score": None if score is None else round(score),
        "band": band,
        "band_label": HEALTH_BAND_LABELS.get(band, _label(band) or "No score"),
        "change_7": fmt_change(_num(h["health_score_change_7_days"])),
        "change_30": fmt_change(_num(h["health_score_change_30_days"])),
        "dragging": COMPONENTS.get(dragging, "").split(":")[0],
        "components": [
            {"label": label, "score": _num(h[f"{name}_score"])}
            for name, label in COMPONENTS.items()
        ],
    }


def account_context(
    account_id: str, own: dict[str, list[Row]], shared: dict[str, list[Row]]
) -> dict[str, Any]:
    """What the report template shows, from this account's rows (`own`) and the tables
    without customer data (`shared`) only."""
    for table, rows in own.items():
        if any(row["account_id"] != account_id for row in rows):  # cannot happen by design
            raise PulseError(f"internal error: rows of another account in {table}")
    if not own["dim_accounts"]:
        raise PulseError(f"unknown account id {account_id}")
    account = own["dim_accounts"][0]
    window = shared["dim_report_window"][0]
    as_of = _day(window["as_of_date"])
    assert as_of is not None  # checked in read_marts
    names = _feature_names(shared["dim_features"])
    users = _users(own)
    weekly_chart, weeks = _weeks(own, as_of)
    bands = {band: 0 for band in BANDS}
    for user in users:
        bands[user["band"]] = bands.get(user["band"], 0) + 1
    core = _core_features(own, shared["dim_features"], users)
    return {
        "account_id": account_id,
        "name": _text(account["account_name"], account_id),
        "plan": _label(_text(account["plan_tier"], "")),
        "is_churned": _flag(account["is_churned"]),
        "as_of": fmt_date(as_of),
        "window_start": fmt_date(_day(window["window_start_date"])),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "active_users": sum(u["is_active"] for u in users),
        "known_users": len(users),
        "minutes_30": fmt_minutes(sum(u["minutes"] for u in users)),
        "users": users,
        "bands": bands,
        "weekly_chart": weekly_chart,
        "weeks": weeks,
        "has_partial_week": any(w["partial"] for w in weeks),
        "features_per_user": _features_per_user(own, users, names),
        "core": core,
        "not_adopted": [c["name"] for c in core if not c["adopted"]],
        "benchmarks": _benchmarks(own, names),
        "milestones": _milestones(own, _day(window["last_complete_month_start_date"])),
        "health": _health(own, as_of),
    }


# -- rendering and writing ------------------------------------------------------------------
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def report_filenames(account_ids: Iterable[str]) -> dict[str, str]:
    """A safe, unique file name per account id: the id itself when it is plain
    (`acc_000001.html`), else a cleaned id plus a short hash of the real one."""
    names: dict[str, str] = {}
    taken: set[str] = {"index.html"}
    for account_id in account_ids:
        stem = _UNSAFE.sub("_", account_id).strip("._-")[:80]
        name = f"{stem}.html"
        if not stem or stem != account_id or name.casefold() in taken:
            digest = hashlib.sha1(account_id.encode("utf-8")).hexdigest()[:10]
            name = f"{stem or 'account'}_{digest}.html"
        taken.add(name.casefold())
        names[account_id] = name
    return names


def _out_dir(out: str | None) -> Path:
    folder = paths.resolve(out) if out else paths.export_dir() / "reports"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PulseError(f"cannot create the report folder {folder}: {exc.strerror}") from None
    return folder


def _selected(marts: Marts, wanted: Sequence[str] | None) -> list[str]:
    known = marts.account_ids
    if wanted is None:
        return known
    chosen = list(dict.fromkeys(wanted))
    unknown = [a for a in chosen if a not in marts.tenant["dim_accounts"]]
    if unknown:
        raise PulseError(
            f"unknown account id(s): {', '.join(unknown)}; the ids are the account_id column of "
            "marts.dim_accounts (`pulse report --all` lists them in index.html)"
        )
    return chosen


def write_reports(
    account_ids: Sequence[str] | None, out: str | None = None, progress: bool = True
) -> tuple[Path, list[Path]]:
    """Write the reports of these accounts (None: all, plus index.html); the folder and files."""
    marts = read_marts()
    chosen = _selected(marts, account_ids)
    folder = _out_dir(out)
    env = _environment()
    template = env.get_template("report.html")
    names = report_filenames(marts.account_ids)
    written: list[Path] = []
    index_rows: list[dict[str, Any]] = []
    with Progress(total=len(chosen), label="reports", enabled=progress and len(chosen) > 1) as bar:
        for account_id in chosen:
            context = account_context(account_id, marts.slices(account_id), marts.shared)
            path = folder / names[account_id]
            try:
                write_atomic(path, template.render(**context))
            except OSError as exc:
                raise PulseError(f"cannot write {path}: {exc.strerror}") from None
            written.append(path)
            index_rows.append(_index_row(context, names[account_id]))
            bar.update(1)
    if account_ids is None:
        path = folder / "index.html"
        rows = sorted(index_rows, key=lambda r: r["name"].casefold())
        window = marts.shared["dim_report_window"][0]
        text = env.get_template("index.html").render(
            rows=rows,
            as_of=fmt_date(_day(window["as_of_date"])),
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
        try:
            write_atomic(path, text)
        except OSError as exc:
            raise PulseError(f"cannot write {path}: {exc.strerror}") from None
        written.append(path)
    return folder, written


def _index_row(context: dict[str, Any], file_name: str) -> dict[str, Any]:
    health = context["health"]
    milestones = context["milestones"]
    return {
        "account_id": context["account_id"],
        "name": context["name"],
        "file": file_name,
        "plan": context["plan"],
        "is_churned": context["is_churned"],
        "stage": milestones.get("stage_label", "—"),
        "score": health.get("score"),
        "band": health.get("band", ""),
        "band_label": health.get("band_label", "—"),
        "active_users": context["active_users"],
        "known_users": context["known_users"],
        "not_adopted": len(context["not_adopted"]),
    }


def run_cli(args: Any) -> int:
    """`pulse report (--account ID [ID ...] | --all) [--out DIR]`."""
    started = time.monotonic()
    wanted = None if args.all else list(args.account or [])
    if wanted is not None and not wanted:
        raise PulseError("give --account ID [ID ...] or --all")
    folder, written = write_reports(wanted, args.out)
    reports = len(written) - (1 if wanted is None else 0)
    extra = " and index.html" if wanted is None else ""
    print(f"wrote {reports} report(s){extra} to {folder} in {time.monotonic() - started:.1f}s")
    return 0
