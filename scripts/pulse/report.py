"""`pulse report`: self-contained HTML for two audiences.

- The customer's weekly usage report (`PULSE_EXPORT_DIR/reports/<account>.html`), meant to be
  sent to that customer: active users and how often they come back, time on app per week,
  features used per user, core features not yet used (as tips), the account's peer percentile
  per feature ("top 10% of Enterprise plan accounts for Dashboards") and the milestones reached.
  It never shows internal scores (health, bands, NPS) and never another account's data.
- The CSM's account brief (`PULSE_EXPORT_DIR/briefs/<account>.html`): the health score with
  each component in plain words and real values ("16 of 26 seats active (62%)"), the trend,
  risk flags and the account's rows of every outreach list (the rpt_ marts). The components
  are the rows of the seed health_components with a weight above 0, in the seed's order, read
  from the warehouse (label: the name in words; meaning: the seed's description).
- The portfolio dashboard for the CS team (`PULSE_EXPORT_DIR/briefs/dashboard.html`): accounts
  by band and trend, ARR at risk, PES, NPS, time on app per week, feature adoption, time to
  first use, poll results and the account table, sortable and filterable (a small script in
  the page).

Every page is one file: CSS in a <style> tag, charts as inline SVG, the dashboard's script
inline, system fonts; nothing is fetched, so a page opens offline or as an attachment.

The rules (who is at risk, which list a row belongs to, what a score is) live in the dbt
models; this module reads the marts and formats them. Tenant isolation by construction: an
account's pages are rendered from rows read with `where account_id = ?` plus tables that hold
no customer data (the report window and the feature catalogue); the customer report reads
only the queries in CUSTOMER_QUERIES, which hold no internal scores.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pulse import paths, warehouse
from pulse.errors import PulseError
from pulse.files import expired, retention_days, write_atomic, write_json_atomic
from pulse.progress import Progress

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
WEEKS_SHOWN = 12
HEALTH_DAYS = 90
TOP_FEATURES = 5
NAMES_SHOWN = 8  # users listed by name under a core feature they have not tried
DASHBOARD_FILE = "dashboard.html"
RESERVED_FILES = ("index.html", DASHBOARD_FILE)

BANDS = ("daily", "weekly", "monthly", "inactive")
HEALTH_BANDS = ("healthy", "neutral", "at_risk")
HEALTH_BAND_LABELS = {"healthy": "Healthy", "neutral": "Neutral", "at_risk": "At risk"}
# The health components (name, label, meaning) are the rows of the seed health_components,
# read from the warehouse at report time (warehouse.health_components): never listed here.
PEER_DIMENSION_LABELS = {
    "plan_tier": "plan",
    "size_band": "size band",
    "industry": "industry",
    "region": "region",
}

Row = dict[str, Any]


# -- reading the marts ----------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """One account's rows of a mart: `select columns from marts.table where account_id = ?`
    plus an optional condition (`?` in it takes the report's as-of date)."""

    table: str
    columns: tuple[str, ...]
    where: str = ""
    order_by: str = ""


# The customer report reads these and nothing else: no health, band, NPS or list membership.
CUSTOMER_QUERIES: dict[str, Query] = {
    "account": Query("dim_accounts", ("account_id", "account_name", "plan_tier", "is_churned")),
    "visitors": Query("dim_visitors", ("account_id", "visitor_id", "email"), order_by="visitor_id"),
    "visitor_usage": Query(
        "fct_visitor_usage",
        (
            "account_id",
            "visitor_id",
            "role",
            "count_active_days_in_window",
            "active_minutes_in_window",
            "count_features_used_in_window",
            "frequency_band",
            "is_active_in_window",
            "last_active_date",
        ),
        order_by="visitor_id",
    ),
    "weeks": Query(
        "fct_account_weeks",
        (
            "account_id",
            "week_start_date",
            "is_complete_week",
            "count_active_visitors",
            "active_minutes",
        ),
        where="week_start_date <= ?",
        order_by="week_start_date",
    ),
    "visitor_features": Query(
        "fct_visitor_feature_usage",
        ("account_id", "visitor_id", "feature_id", "count_clicks_in_window"),
        where="is_used_in_window",
        order_by="visitor_id, feature_id",
    ),
    "features": Query(
        "fct_account_feature_usage",
        ("account_id", "feature_id", "count_clicks_in_window", "is_used_in_window"),
        order_by="feature_id",
    ),
    # only the account's own standing: no peer counts, medians or other accounts' values
    "benchmarks": Query(
        "fct_account_feature_benchmarks",
        (
            "account_id",
            "feature_id",
            "peer_group_dimension",
            "peer_group",
            "count_clicks_in_window",
            "is_used_in_window",
            "percentile_rank",
            "is_top_10_pct",
        ),
        order_by="feature_id",
    ),
    "adoption_gaps": Query(
        "rpt_feature_adoption_gaps",
        ("account_id", "visitor_id", "feature_id"),
        order_by="feature_id, visitor_id",
    ),
    "milestones": Query(
        "fct_account_milestones",
        (
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
    ),
    "categories": Query(
        "fct_account_category_maturity",
        ("account_id", "category", "count_features_used_last_90_days", "maturity_level"),
        order_by="category",
    ),
}

# The CSM brief reads the customer queries plus these and the health row (brief_queries):
# internal scores, flags, lists.
_BRIEF_QUERIES: dict[str, Query] = {
    "profile": Query(
        "dim_accounts",
        (
            "account_id",
            "csm_owner",
            "arr_usd",
            "renewal_date",
            "seats_purchased",
            "count_known_visitors",
            "size_band",
            "industry",
            "region",
        ),
    ),
    "health_daily": Query(
        "fct_account_health_daily",
        ("account_id", "metric_date", "health_score"),
        where=f"metric_date > ? - {HEALTH_DAYS}",
        order_by="metric_date",
    ),
    "usage_today": Query(
        "fct_account_usage_daily",
        (
            "account_id",
            "count_active_visitors_in_window",
            "breadth_denominator",
            "count_depth_features_used_in_window",
        ),
        where="metric_date = ?",
    ),
    "list_at_risk": Query(
        "rpt_at_risk_accounts",
        ("account_id", "arr_at_risk_rank", "health_band", "is_churn_risk", "dragging_component"),
    ),
    "list_champion_risk": Query(
        "rpt_champion_risk",
        (
            "account_id",
            "visitor_id",
            "email",
            "role",
            "last_active_date",
            "days_since_last_active",
            "count_other_active_champions",
        ),
        order_by="days_since_last_active desc, visitor_id",
    ),
    "list_inactive": Query(
        "rpt_inactive_visitors",
        (
            "account_id",
            "visitor_id",
            "email",
            "role",
            "last_active_date",
            "days_since_last_active",
            "suggested_features",
        ),
        order_by="days_since_last_active desc, visitor_id",
    ),
    "list_review": Query(
        "rpt_review_requests",
        (
            "account_id",
            "visitor_id",
            "nps_score",
            "responded_at",
            "count_active_days_in_window",
            "request_rank",
        ),
        order_by="request_rank",
    ),
    "list_gaps": Query(
        "rpt_feature_adoption_gaps",
        ("account_id", "visitor_id", "feature_id", "role", "count_active_days_in_window"),
        order_by="feature_id, visitor_id",
    ),
}

# The health row's columns besides the components' <component>_score / _contribution, which
# follow the seed health_components: the metric columns _component_values puts into words.
HEALTH_COLUMNS = (
    "account_id",
    "health_score",
    "health_band",
    "count_scored_components",
    "health_score_change_7_days",
    "health_score_change_30_days",
    "dragging_component",
    "breadth_pct",
    "depth_pct",
    "frequency",
    "account_nps",
    "count_open_tickets",
    "weighted_open_tickets_per_10_seats",
    "last_csm_activity_date",
    "days_since_csm_activity",
    "interaction_sentiment",
    "count_negative_csm_activities",
    "sponsor_engagement",
    "count_champions",
    "count_active_champions",
    "has_inactive_champion",
    "primary_segment",
    "is_churn_risk",
)


def component_columns(components: Iterable[warehouse.HealthComponent]) -> tuple[str, ...]:
    """The <component>_score and <component>_contribution columns of the components."""
    return tuple(f"{c.component}_{kind}" for c in components for kind in ("score", "contribution"))


def brief_queries(components: Sequence[warehouse.HealthComponent]) -> dict[str, Query]:
    """What the CSM brief reads besides CUSTOMER_QUERIES (internal: scores, flags, lists); the
    health row holds the score columns of `components` (the seed health_components)."""
    health = Query("fct_account_health", (*HEALTH_COLUMNS, *component_columns(components)))
    profile, *others = _BRIEF_QUERIES.items()
    return dict([profile, ("health", health), *others])


def _sql(query: Query) -> tuple[str, int]:
    """The statement and how many times it takes the as-of date (after the account id)."""
    columns = ", ".join(f'"{c}"' for c in query.columns)
    text = f'select {columns} from "{warehouse.MART_SCHEMA}"."{query.table}" where account_id = ?'
    if query.where:
        text += f" and ({query.where})"
    if query.order_by:
        text += f" order by {query.order_by}"
    return text, query.where.count("?")


def _records(frame: pd.DataFrame) -> list[Row]:
    return frame.to_dict("records")


@dataclass(frozen=True)
class Shared:
    """The tables without customer data: the report window and the feature catalogue."""

    as_of: date
    window_start: date | None
    last_month: date | None
    features: list[Row]
    window_days: int = 30
    # (daily, weekly) minimum active days of the frequency bands, from the run's vars
    frequency_bands: tuple[int, int] | None = None
    # the health components (seed health_components, weight > 0, in seed order): briefs only
    components: tuple[warehouse.HealthComponent, ...] = ()
    # the journey stages in ladder order, as the SQL defines them (fct_journey_stage_summary)
    journey_stages: tuple[str, ...] = ()


def read_shared(wh: warehouse.Warehouse, components: bool = False) -> Shared:
    """The report window, the feature catalogue and (components=True, for the briefs) the
    health components of the seed health_components."""
    window = _records(
        wh.query(
            "select as_of_date, window_start_date, last_complete_month_start_date, window_days "
            f'from "{warehouse.MART_SCHEMA}".dim_report_window'
        )
    )
    if not window:
        raise PulseError("marts.dim_report_window is empty: is there any activity in the data?")
    as_of = _day(window[0]["as_of_date"])
    if as_of is None:
        raise PulseError("marts.dim_report_window has no as_of_date: rebuild with `make build`")
    features = _records(
        wh.query(
            "select feature_id, feature_name, is_core_event, is_depth_feature "
            f'from "{warehouse.MART_SCHEMA}".dim_features order by feature_id'
        )
    )
    return Shared(
        as_of=as_of,
        window_start=_day(window[0]["window_start_date"]),
        last_month=_day(window[0]["last_complete_month_start_date"]),
        features=features,
        window_days=_int(window[0]["window_days"]),
        frequency_bands=_frequency_bands(wh.last_dbt_run()),
        components=tuple(warehouse.health_components(wh)) if components else (),
        journey_stages=tuple(
            str(row["journey_stage"])
            for row in _records(
                wh.query(
                    "select journey_stage "
                    f'from "{warehouse.MART_SCHEMA}".fct_journey_stage_summary order by stage_order'
                )
            )
        ),
    )


def _frequency_bands(last_run: dict[str, Any] | None) -> tuple[int, int] | None:
    """The frequency band thresholds the marts were built with (the run log's vars), or None
    when that run logged no vars."""
    try:
        run_vars = json.loads((last_run or {}).get("vars_json") or "{}")
        return (
            int(run_vars["frequency_band_daily_min_days"]),
            int(run_vars["frequency_band_weekly_min_days"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def window_globals(shared: Shared) -> dict[str, Any]:
    """What every page says about the window: its length and the frequency band thresholds."""
    return {"window_days": shared.window_days, "frequency_bands": shared.frequency_bands}


def read_account(
    wh: warehouse.Warehouse, account_id: str, as_of: date, queries: dict[str, Query]
) -> dict[str, list[Row]]:
    """This account's rows of each query (only its own: the filter is in the SQL)."""
    rows: dict[str, list[Row]] = {}
    for key, query in queries.items():
        text, dates = _sql(query)
        try:
            frame = wh.query(text, [account_id, *([as_of] * dates)])
        except Exception as exc:  # a missing table or column: a stale build
            first = (str(exc).strip().splitlines() or ["unknown error"])[0]
            raise PulseError(
                f"cannot read marts.{query.table} ({first}): rebuild with `make build`"
            ) from None
        rows[key] = _records(frame)
    return rows


def account_ids(wh: warehouse.Warehouse) -> list[str]:
    frame = wh.query(
        f'select account_id from "{warehouse.MART_SCHEMA}".dim_accounts order by account_id'
    )
    return [str(a) for a in frame["account_id"]]


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
    emails = {str(v["visitor_id"]): _text(v["email"]) for v in own["visitors"]}
    users = []
    for v in own["visitor_usage"]:
        visitor_id = str(v["visitor_id"])
        users.append(
            {
                "visitor_id": visitor_id,
                "label": emails.get(visitor_id) or visitor_id,
                "role": _label(_text(v["role"], "—")),
                "active_days": _int(v["count_active_days_in_window"]),
                "minutes": _int(v["active_minutes_in_window"]),
                "band": _text(v["frequency_band"], "inactive"),
                "features": _int(v["count_features_used_in_window"]),
                "is_active": _flag(v["is_active_in_window"]),
                "last_active": fmt_date(_day(v["last_active_date"]), "never"),
            }
        )
    users.sort(key=lambda u: (-u["active_days"], -u["minutes"], u["label"].lower()))
    return users


def _weeks(own: dict[str, list[Row]], as_of: date) -> tuple[Markup, list[dict[str, Any]]]:
    dated = [(_day(w["week_start_date"]), w) for w in own["weeks"]]
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
    for r in own["visitor_features"]:
        feature = str(r["feature_id"])
        clicks.setdefault(str(r["visitor_id"]), []).append(
            (names.get(feature, feature), _int(r["count_clicks_in_window"]))
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
    usage = {str(r["feature_id"]): r for r in own["features"]}
    labels = {u["visitor_id"]: u["label"] for u in users}
    gaps: dict[str, list[str]] = {}
    for g in own["adoption_gaps"]:
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
                "adopted": used is not None and _flag(used["is_used_in_window"]),
                "clicks": 0 if used is None else _int(used["count_clicks_in_window"]),
                "not_tried": len(not_tried),
                "not_tried_names": not_tried[:NAMES_SHOWN],
                "not_tried_more": max(len(not_tried) - NAMES_SHOWN, 0),
                "active_users": active,
            }
        )
    return sorted(rows, key=lambda r: r["name"].lower())


def _peer_name(dimension: str, group: str) -> str:
    """ "Enterprise plan accounts": the peer group in words (a group, never another account)."""
    what = PEER_DIMENSION_LABELS.get(dimension, dimension.replace("_", " "))
    return f"{_label(group)} {what} accounts"


def _benchmarks(own: dict[str, list[Row]], names: dict[str, str]) -> dict[str, Any]:
    rows = own["benchmarks"]
    if not rows:
        return {"peer_name": "", "features": [], "top10": []}
    peers = _peer_name(
        _text(rows[0]["peer_group_dimension"], "peer group"), _text(rows[0]["peer_group"], "other")
    )
    used = [
        {
            "name": names.get(str(r["feature_id"]), str(r["feature_id"])),
            "clicks": _int(r["count_clicks_in_window"]),
            "percentile": _num(r["percentile_rank"]) or 0.0,
            "is_top_10": _flag(r["is_top_10_pct"]),
        }
        for r in rows
        if _flag(r["is_used_in_window"])
    ]
    used.sort(key=lambda r: (-r["clicks"], r["name"]))
    return {
        "peer_name": peers,
        "features": used,
        "top10": sorted(r["name"] for r in used if r["is_top_10"]),
    }


def _milestones(
    own: dict[str, list[Row]], month: date | None, stages: tuple[str, ...]
) -> dict[str, Any]:
    categories = [
        {
            "name": _label(_text(c["category"], "other")),
            "features": _int(c["count_features_used_last_90_days"]),
            "level": _text(c["maturity_level"], "none"),
        }
        for c in own["categories"]
    ]
    categories.sort(key=lambda c: c["name"])
    if not own["milestones"]:
        return {"known": False, "stage": "", "ladder": [], "categories": categories}
    m = own["milestones"][0]
    stage = _text(m["journey_stage"], "not_set_up")
    reached = stages.index(stage) if stage in stages else -1
    ladder = [
        {"label": _label(s), "reached": i <= reached, "current": i == reached}
        for i, s in enumerate(stages)
    ]
    per_seat = _num(m["value_events_per_seat_last_complete_month"])
    return {
        "known": True,
        "stage": stage,
        "stage_label": _label(stage),
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


def _check_own(account_id: str, own: dict[str, list[Row]]) -> None:
    for key, rows in own.items():
        if any(str(row["account_id"]) != account_id for row in rows):  # cannot happen by design
            raise PulseError(f"internal error: rows of another account in {key}")


def customer_context(account_id: str, own: dict[str, list[Row]], shared: Shared) -> dict[str, Any]:
    """What the customer report shows, from this account's CUSTOMER_QUERIES rows only."""
    if set(own) != set(CUSTOMER_QUERIES):
        raise PulseError("internal error: a customer report reads CUSTOMER_QUERIES only")
    _check_own(account_id, own)
    if not own["account"]:
        raise PulseError(f"unknown account id {account_id}")
    account = own["account"][0]
    names = _feature_names(shared.features)
    users = _users(own)
    weekly_chart, weeks = _weeks(own, shared.as_of)
    bands = {band: 0 for band in BANDS}
    for user in users:
        bands[user["band"]] = bands.get(user["band"], 0) + 1
    core = _core_features(own, shared.features, users)
    used_features = sum(_flag(f["is_used_in_window"]) for f in own["features"])
    return {
        "account_id": account_id,
        "name": _text(account["account_name"], account_id),
        "plan": _label(_text(account["plan_tier"], "")),
        "is_churned": _flag(account["is_churned"]),
        "as_of": fmt_date(shared.as_of),
        "window_start": fmt_date(shared.window_start),
        **window_globals(shared),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "active_users": sum(u["is_active"] for u in users),
        "known_users": len(users),
        "minutes_in_window": fmt_minutes(sum(u["minutes"] for u in users)),
        "features_used": used_features,
        "features_total": len(shared.features),
        "users": users,
        "bands": bands,
        "weekly_chart": weekly_chart,
        "weeks": weeks,
        "has_partial_week": any(w["partial"] for w in weeks),
        "features_per_user": _features_per_user(own, users, names),
        "core": core,
        "tips": [c for c in core if not c["adopted"] or c["not_tried"]],
        "not_adopted": [c["name"] for c in core if not c["adopted"]],
        "benchmarks": _benchmarks(own, names),
        "milestones": _milestones(own, shared.last_month, shared.journey_stages),
    }


# -- the CSM's account brief ----------------------------------------------------------------
NO_DATA = "no data"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _component_values(
    health: Row, usage: Row | None, profile: Row | None, depth_features: int
) -> dict[str, str]:
    """Each component's input in words, with the real numbers it was scored on ("no data"
    without them). A formatting detail: a component of the seed this does not know (a new
    row) is shown with its score and points only."""
    values: dict[str, str] = {}
    breadth = _num(health["breadth_pct"])
    if usage is not None and breadth is not None:
        seats = profile is not None and _int(profile["seats_purchased"]) > 0
        values["breadth"] = (
            f"{_int(usage['count_active_visitors_in_window'])} of "
            f"{_int(usage['breadth_denominator'])} {'seats' if seats else 'known users'} "
            f"active ({_pct(breadth)})"
        )
    else:
        values["breadth"] = NO_DATA
    depth = _num(health["depth_pct"])
    if usage is not None and depth is not None:
        values["depth"] = (
            f"{_int(usage['count_depth_features_used_in_window'])} of {depth_features} "
            f"core features used ({_pct(depth)})"
        )
    else:
        values["depth"] = NO_DATA
    frequency = _num(health["frequency"])
    values["frequency"] = (
        NO_DATA if frequency is None else f"{frequency:.1f} active days per active user"
    )
    nps = _num(health["account_nps"])
    values["sentiment"] = "no NPS answers" if nps is None else f"NPS {nps:+.0f}"
    tickets = _num(health["weighted_open_tickets_per_10_seats"])
    if tickets is not None:
        values["support"] = (
            f"{_int(health['count_open_tickets'])} open tickets "
            f"({tickets:.1f} per 10 seats, weighted by priority)"
        )
    else:
        values["support"] = NO_DATA
    days = _num(health["days_since_csm_activity"])
    values["relationship"] = (
        "no CSM contact recorded"
        if days is None
        else f"last contact {fmt_date(_day(health['last_csm_activity_date']))}, "
        f"{_int(days)} days ago"
    )
    sentiment = _num(health["interaction_sentiment"])
    values["interaction_sentiment"] = (
        "no rated CSM activity"
        if sentiment is None
        else f"mean {sentiment:+.2f} ({_int(health['count_negative_csm_activities'])} negative)"
    )
    sponsors = _num(health["sponsor_engagement"])
    values["sponsor_engagement"] = (
        "no champion users"
        if sponsors is None
        else f"{_int(health['count_active_champions'])} of {_int(health['count_champions'])} "
        f"champions active ({_pct(sponsors)})"
    )
    return values


def _meaning(description: str) -> str:
    """The seed's description of a component as a phrase: first letter in lower case (unless
    the first word is an abbreviation such as NPS or CSM)."""
    first = description.split(" ", 1)[0]
    return description if first.isupper() else description[:1].lower() + description[1:]


def _brief_health(own: dict[str, list[Row]], shared: Shared) -> dict[str, Any]:
    start = shared.as_of - timedelta(days=HEALTH_DAYS - 1)
    points = [(_day(d["metric_date"]), _num(d["health_score"])) for d in own["health_daily"]]
    chart = line_chart_svg([(d, s) for d, s in points if d is not None], start, shared.as_of)
    if not own["health"]:
        return {"known": False, "chart": chart, "components": [], "band": "", "flags": []}
    h = own["health"][0]
    score = _num(h["health_score"])
    band = _text(h["health_band"])
    depth_features = sum(_flag(f["is_depth_feature"]) for f in shared.features)
    values = _component_values(
        h,
        own["usage_today"][0] if own["usage_today"] else None,
        own["profile"][0] if own["profile"] else None,
        depth_features or len(shared.features),
    )
    dragging = _text(h["dragging_component"])
    components = []
    for component in shared.components:  # the seed health_components, weight > 0
        name = component.component
        components.append(
            {
                "name": name,
                "label": component.label,
                "meaning": _meaning(component.description),
                "value": values.get(name, "—"),
                "score": _num(h[f"{name}_score"]),
                "contribution": _num(h[f"{name}_contribution"]),
                "is_dragging": name == dragging,
            }
        )
    return {
        "known": score is not None,
        "chart": chart,
        "score": None if score is None else round(score),
        "band": band,
        "band_label": HEALTH_BAND_LABELS.get(band, _label(band) or "No score"),
        "scored": _int(h["count_scored_components"]),
        "change_7": fmt_change(_num(h["health_score_change_7_days"])),
        "change_30": fmt_change(_num(h["health_score_change_30_days"])),
        "dragging": warehouse.component_label(dragging),
        "components": components,
        "champions": _int(h["count_champions"]),
        "active_champions": _int(h["count_active_champions"]),
        "has_inactive_champion": _flag(h["has_inactive_champion"]),
        "is_churn_risk": _flag(h["is_churn_risk"]),
        "segment": _label(_text(h["primary_segment"], "")),
    }


def _risk_flags(health: dict[str, Any], own: dict[str, list[Row]], churned: bool) -> list[str]:
    """The flags the marts raise for this account, in words (no rule is decided here)."""
    flags = []
    if churned:
        flags.append("The account has churned.")
    if health.get("band") == "at_risk":
        flags.append("Health band is at risk.")
    if health.get("is_churn_risk"):
        flags.append("In the churn-risk segment: almost no activity in the last 30 days.")
    if own["list_at_risk"]:
        rank = _int(own["list_at_risk"][0]["arr_at_risk_rank"])
        flags.append(f"On the at-risk accounts list (rank {rank} by ARR).")
    if health.get("has_inactive_champion"):
        flags.append("A champion has gone inactive.")
    if own["list_inactive"]:
        flags.append(f"{len(own['list_inactive'])} inactive user(s) to win back.")
    return flags


def brief_context(account_id: str, own: dict[str, list[Row]], shared: Shared) -> dict[str, Any]:
    """What the CSM brief shows: the customer report's facts plus health, flags and lists."""
    _check_own(account_id, own)
    customer = customer_context(account_id, {k: own[k] for k in CUSTOMER_QUERIES}, shared)
    profile = own["profile"][0] if own["profile"] else {}
    health = _brief_health(own, shared)
    names = _feature_names(shared.features)
    emails = {u["visitor_id"]: u["label"] for u in customer["users"]}
    milestones = customer["milestones"]

    def who(row: Row) -> str:
        visitor = str(row["visitor_id"])
        return _text(row.get("email")) or emails.get(visitor) or visitor

    arr = _num(profile.get("arr_usd"))
    lists = {
        "champion_risk": [
            {
                "who": who(r),
                "role": _label(_text(r["role"], "—")),
                "last_active": fmt_date(_day(r["last_active_date"]), "never"),
                "days": _int(r["days_since_last_active"]),
                "other_champions": _int(r["count_other_active_champions"]),
            }
            for r in own["list_champion_risk"]
        ],
        "inactive": [
            {
                "who": who(r),
                "role": _label(_text(r["role"], "—")),
                "last_active": fmt_date(_day(r["last_active_date"]), "never"),
                "days": _int(r["days_since_last_active"]),
                "suggested": ", ".join(
                    names.get(f.strip(), f.strip())
                    for f in _text(r["suggested_features"]).split(",")
                    if f.strip()
                ),
            }
            for r in own["list_inactive"]
        ],
        "review": [
            {
                "who": who(r),
                "nps": _int(r["nps_score"]),
                "responded": fmt_date(_day(r["responded_at"])),
                "active_days": _int(r["count_active_days_in_window"]),
                "rank": _int(r["request_rank"]),
            }
            for r in own["list_review"]
        ],
        "gaps": [
            {
                "who": who(r),
                "role": _label(_text(r["role"], "—")),
                "feature": names.get(str(r["feature_id"]), str(r["feature_id"])),
                "active_days": _int(r["count_active_days_in_window"]),
            }
            for r in own["list_gaps"]
        ],
    }
    return {
        **customer,
        "csm": _text(profile.get("csm_owner"), "—"),
        "arr": "—" if arr is None else f"${arr:,.0f}",
        "renewal": fmt_date(_day(profile.get("renewal_date"))),
        "seats": _int(profile.get("seats_purchased")),
        "size_band": _label(_text(profile.get("size_band"), "")),
        "industry": _label(_text(profile.get("industry"), "")),
        "region": _text(profile.get("region"), ""),
        "health": health,
        "stage_note": _stage_note(milestones),
        "flags": _risk_flags(health, own, customer["is_churned"]),
        "on_at_risk_list": bool(own["list_at_risk"]),
        "lists": lists,
    }


def _stage_note(milestones: dict[str, Any]) -> str:
    if not milestones.get("known") or milestones.get("setup_complete"):
        return ""
    return (
        f"Not set up: {milestones['setup_done']} of {milestones['setup_total']} setup steps "
        "done. Set-up counts as complete only when every tracked step is done; the health "
        "score measures usage and does not include set-up."
    )


# -- the portfolio dashboard ----------------------------------------------------------------
def _rows(wh: warehouse.Warehouse, sql: str, params: list[Any] | None = None) -> list[Row]:
    try:
        return _records(wh.query(sql.replace("marts.", f'"{warehouse.MART_SCHEMA}".'), params))
    except PulseError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or ["unknown error"])[0]
        raise PulseError(f"cannot read the marts ({first}): rebuild with `make build`") from None


def read_portfolio(wh: warehouse.Warehouse, shared: Shared) -> dict[str, list[Row]]:
    """The dashboard's rows: one per account, plus portfolio-level marts (no rule here: the
    sums and counts below add up rows the marts already decided)."""
    since = shared.as_of - timedelta(days=7 * (WEEKS_SHOWN - 1))
    return {
        "accounts": _rows(
            wh,
            "select h.account_id, h.account_name, h.plan_tier, h.csm_owner, h.arr_usd, "
            "h.renewal_date, h.is_churned, h.health_score, h.health_band, "
            "h.health_score_change_30_days, h.dragging_component, h.primary_segment, "
            "h.is_churn_risk, h.has_inactive_champion, m.journey_stage, "
            "m.count_setup_steps_done, m.count_setup_steps, u.count_active_visitors_in_window, "
            "a.count_known_visitors, (r.account_id is not null) as is_on_at_risk_list "
            "from marts.fct_account_health as h "
            "inner join marts.dim_accounts as a on a.account_id = h.account_id "
            "left join marts.fct_account_milestones as m on m.account_id = h.account_id "
            "left join marts.fct_account_usage as u on u.account_id = h.account_id "
            "left join marts.rpt_at_risk_accounts as r on r.account_id = h.account_id "
            "order by h.account_id",
        ),
        "band_trend": _rows(
            wh,
            "select metric_date, health_band, count(*) as count_accounts "
            "from marts.fct_account_health_daily "
            "where metric_date >= ? and health_band is not null "
            "group by metric_date, health_band order by metric_date",
            [since],
        ),
        "weeks": _rows(
            wh,
            "select week_start_date, bool_and(is_complete_week) as is_complete_week, "
            "sum(active_minutes) as active_minutes, "
            "sum(count_active_visitors) as count_active_visitors "
            "from marts.fct_account_weeks where week_start_date <= ? "
            "group by week_start_date order by week_start_date",
            [shared.as_of],
        ),
        "pes": _rows(
            wh,
            "select pes, adoption_score, stickiness_score, growth_score, stickiness_metric, "
            "count_active_visitors_in_window from marts.fct_engagement_scores "
            "where engagement_scope = 'product'",
        ),
        "nps": _rows(
            wh,
            "select nps, count_responses, count_promoters, count_passives, count_detractors "
            "from marts.fct_nps_scores where nps_scope = 'overall'",
        ),
        "adoption": _rows(
            wh,
            "select feature_id, peer_group, share_of_accounts_using, count_accounts_using, "
            "count_accounts_in_peer_group from marts.fct_feature_benchmarks "
            "order by feature_id, peer_group",
        ),
        "first_use": _rows(
            wh,
            "select feature_id, min(median_days_to_first_use) as median_days_to_first_use, "
            "min(count_subjects_using) as count_accounts_using, count(*) as count_accounts "
            "from marts.fct_time_to_first_use where subject_type = 'account' "
            "group by feature_id order by feature_id",
        ),
        "polls": _rows(
            wh,
            "select poll_id, question, response, count_responses, share_of_poll_responses, "
            "count_poll_responses, response_rank from marts.fct_poll_results "
            "order by poll_id, response_rank",
        ),
    }


def stacked_bars_svg(
    columns: Sequence[tuple[str, Sequence[tuple[str, float, str]]]], title: str
) -> Markup:
    """Stacked vertical bars: (label, [(css class, value, tooltip), ...]) per column."""
    width, height = 640, 220
    left, right, top, bottom = 40, 12, 14, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max((sum(v for _, v, _ in parts) for _, parts in columns), default=0))
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
        f"<title>{_esc(title)}</title>",
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        out.append(
            f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}"/>'
            f'<text class="axis" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">'
            f"{_tick(top_value * i / 4)}</text>"
        )
    slot = plot_w / max(len(columns), 1)
    for i, (label, parts) in enumerate(columns):
        x = left + slot * i + slot * 0.15
        y = top + plot_h
        for css, value, tooltip in parts:
            bar_h = plot_h * max(value, 0.0) / top_value
            y -= bar_h
            out.append(
                f'<rect class="{_esc(css)}" x="{_n(x)}" y="{_n(y)}" width="{_n(slot * 0.7)}" '
                f'height="{_n(bar_h)}"><title>{_esc(tooltip)}</title></rect>'
            )
        out.append(
            f'<text class="axis" x="{_n(x + slot * 0.35)}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{_esc(label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def _sort_number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def dashboard_context(
    portfolio: dict[str, list[Row]],
    shared: Shared,
    report_links: dict[str, str],
    brief_links: dict[str, str],
) -> dict[str, Any]:
    """The portfolio page: every account (internal to the CS team)."""
    names = _feature_names(shared.features)
    accounts = []
    for r in portfolio["accounts"]:
        account_id = str(r["account_id"])
        band = _text(r["health_band"])
        stage = _text(r["journey_stage"])
        score = _num(r["health_score"])
        change = _num(r["health_score_change_30_days"])
        arr = _num(r["arr_usd"])
        setup = f"{_int(r['count_setup_steps_done'])} of {_int(r['count_setup_steps'])}"
        accounts.append(
            {
                "account_id": account_id,
                "name": _text(r["account_name"], account_id),
                "report": report_links.get(account_id, ""),
                "brief": brief_links.get(account_id, ""),
                "plan": _label(_text(r["plan_tier"], "—")),
                "csm": _text(r["csm_owner"], "—"),
                "segment": _label(_text(r["primary_segment"], "—")),
                "band": band or "none",
                "band_label": HEALTH_BAND_LABELS.get(band, "No score"),
                "score": None if score is None else round(score),
                "score_sort": _sort_number(score),
                "change": fmt_change(change) if change is not None else "—",
                "change_sort": _sort_number(change),
                "arr": "—" if arr is None else f"${arr:,.0f}",
                "arr_sort": _sort_number(arr),
                "renewal": fmt_date(_day(r["renewal_date"])),
                "renewal_sort": _text(r["renewal_date"])[:10],
                "stage": _label(stage) or "—",
                "stage_title": (
                    f"{setup} setup steps done; set-up is complete only when every tracked step is"
                    if stage == "not_set_up"
                    else ""
                ),
                "active": _int(r["count_active_visitors_in_window"]),
                "known": _int(r["count_known_visitors"]),
                "dragging": warehouse.component_label(_text(r["dragging_component"])) or "—",
                "is_churned": _flag(r["is_churned"]),
                "on_list": _flag(r["is_on_at_risk_list"]),
                "flags": [
                    text
                    for text, on in (
                        ("churn risk", _flag(r["is_churn_risk"])),
                        ("inactive champion", _flag(r["has_inactive_champion"])),
                        ("churned", _flag(r["is_churned"])),
                    )
                    if on
                ],
            }
        )
    accounts.sort(key=lambda a: (a["score"] is None, a["score"] or 0, a["name"].casefold()))
    band_counts = {b: sum(a["band"] == b for a in accounts) for b in (*HEALTH_BANDS, "none")}
    at_risk = [a for a in accounts if a["on_list"]]
    arr_at_risk = sum(
        _num(r["arr_usd"]) or 0.0 for r in portfolio["accounts"] if _flag(r["is_on_at_risk_list"])
    )
    arr_total = sum(
        _num(r["arr_usd"]) or 0.0 for r in portfolio["accounts"] if not _flag(r["is_churned"])
    )

    # accounts by band, once a week back from the as-of date
    by_day: dict[date, dict[str, int]] = {}
    for r in portfolio["band_trend"]:
        day = _day(r["metric_date"])
        if day is not None:
            by_day.setdefault(day, {})[_text(r["health_band"])] = _int(r["count_accounts"])
    snapshots = [shared.as_of - timedelta(days=7 * i) for i in range(WEEKS_SHOWN - 1, -1, -1)]
    trend_columns = [
        (
            fmt_short(day),
            [
                (
                    band,
                    float(by_day.get(day, {}).get(band, 0)),
                    f"{fmt_date(day)}: {by_day.get(day, {}).get(band, 0)} "
                    f"{HEALTH_BAND_LABELS[band].lower()}",
                )
                for band in ("at_risk", "neutral", "healthy")
            ],
        )
        for day in snapshots
        if day in by_day
    ]
    weeks = [
        (
            fmt_short(d),
            float(_int(w["active_minutes"])),
            not _flag(w["is_complete_week"]),
            f"Week of {fmt_date(d)}: {_int(w['active_minutes']):,} min, "
            f"{_int(w['count_active_visitors'])} active users",
        )
        for w in portfolio["weeks"][-WEEKS_SHOWN:]
        if (d := _day(w["week_start_date"])) is not None
    ]
    pes = portfolio["pes"][0] if portfolio["pes"] else None
    nps = portfolio["nps"][0] if portfolio["nps"] else None

    groups = sorted({_text(r["peer_group"]) for r in portfolio["adoption"]})
    adoption: dict[str, dict[str, Any]] = {}
    for r in portfolio["adoption"]:
        feature = str(r["feature_id"])
        entry = adoption.setdefault(feature, {"name": names.get(feature, feature), "shares": {}})
        entry["shares"][_text(r["peer_group"])] = {
            "share": _num(r["share_of_accounts_using"]),
            "using": _int(r["count_accounts_using"]),
            "of": _int(r["count_accounts_in_peer_group"]),
        }
    polls: dict[str, dict[str, Any]] = {}
    for r in portfolio["polls"]:
        poll = polls.setdefault(
            str(r["poll_id"]),
            {
                "question": _text(r["question"], str(r["poll_id"])),
                "total": _int(r["count_poll_responses"]),
                "answers": [],
            },
        )
        poll["answers"].append(
            {
                "response": _text(r["response"], "—"),
                "count": _int(r["count_responses"]),
                "share": _num(r["share_of_poll_responses"]) or 0.0,
            }
        )
    core = {str(f["feature_id"]) for f in shared.features if _flag(f["is_core_event"])}
    first_use = [
        {
            "name": names.get(str(r["feature_id"]), str(r["feature_id"])),
            "is_core": str(r["feature_id"]) in core,
            "median": _num(r["median_days_to_first_use"]),
            "using": _int(r["count_accounts_using"]),
            "of": _int(r["count_accounts"]),
        }
        for r in portfolio["first_use"]
    ]
    first_use.sort(key=lambda f: (not f["is_core"], f["name"].casefold()))

    def options(key: str) -> list[str]:
        return sorted({a[key] for a in accounts}, key=str.casefold)

    return {
        **window_globals(shared),
        "as_of": fmt_date(shared.as_of),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "accounts": accounts,
        "band_counts": band_counts,
        "band_labels": {**HEALTH_BAND_LABELS, "none": "No score"},
        "at_risk_count": len(at_risk),
        "arr_at_risk": f"${arr_at_risk:,.0f}",
        "arr_total": f"${arr_total:,.0f}",
        "arr_share": "—" if not arr_total else f"{arr_at_risk / arr_total * 100:.0f}%",
        "trend_chart": stacked_bars_svg(trend_columns, "Accounts by health band, week by week"),
        "weeks_chart": bar_chart_svg(
            weeks, f"Time on app per week, all accounts, last {len(weeks)} weeks"
        ),
        "pes": None
        if pes is None
        else {
            "pes": _num(pes["pes"]),
            "adoption": _num(pes["adoption_score"]),
            "stickiness": _num(pes["stickiness_score"]),
            "growth": _num(pes["growth_score"]),
            "stickiness_metric": _text(pes["stickiness_metric"]).replace("_", "/").upper(),
            "active": _int(pes["count_active_visitors_in_window"]),
        },
        "nps": None
        if nps is None
        else {
            "nps": _num(nps["nps"]),
            "responses": _int(nps["count_responses"]),
            "promoters": _int(nps["count_promoters"]),
            "passives": _int(nps["count_passives"]),
            "detractors": _int(nps["count_detractors"]),
        },
        "peer_groups": groups,
        "peer_group_labels": {g: _label(g) for g in groups},
        "adoption": sorted(adoption.values(), key=lambda e: e["name"].casefold()),
        "first_use": first_use,
        "polls": list(polls.values()),
        "filters": {
            "band": [
                (b, {**HEALTH_BAND_LABELS, "none": "No score"}[b])
                for b in (*HEALTH_BANDS, "none")
                if band_counts[b]
            ],
            "segment": options("segment"),
            "plan": options("plan"),
            "csm": options("csm"),
        },
    }


# -- rendering and writing ------------------------------------------------------------------
def environment() -> Environment:
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
    taken: set[str] = set(RESERVED_FILES)
    for account_id in account_ids:
        stem = _UNSAFE.sub("_", account_id).strip("._-")[:80]
        name = f"{stem}.html"
        if not stem or stem != account_id or name.casefold() in taken:
            digest = hashlib.sha1(account_id.encode("utf-8")).hexdigest()[:10]
            name = f"{stem or 'account'}_{digest}.html"
        taken.add(name.casefold())
        names[account_id] = name
    return names


def write_text(path: Path, text: str) -> Path:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise PulseError(f"cannot write {path}: {exc.strerror}") from None
    return path


def _folder(given: str | None, default: str, create: bool = True) -> Path:
    """The folder given, else PULSE_EXPORT_DIR/default; created when something goes in it."""
    folder = paths.resolve(given) if given else paths.export_dir() / default
    if not create:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PulseError(f"cannot create the folder {folder}: {exc.strerror}") from None
    return folder


@dataclass
class Written:
    report_dir: Path
    brief_dir: Path
    reports: list[Path]
    briefs: list[Path]
    dashboard: Path | None
    pruned: list[Path] = field(default_factory=list)


# What `pulse report` wrote in each folder, kept outside the folders (a reports folder may be
# handed over whole): PULSE_EXPORT_DIR/.report_files.json, {"<folder>": ["<file>", ...]}.
# Only files listed here are ever deleted, so a folder of the user's own is safe.
LEDGER_FILE = ".report_files.json"


def _ledger_path() -> Path:
    return paths.export_dir() / LEDGER_FILE


def _read_ledger() -> dict[str, list[str]]:
    try:
        data = json.loads(_ledger_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _our_file(name: object) -> bool:
    """A plain .html file name (never a path) in a folder: what pulse report writes."""
    return isinstance(name, str) and name.endswith(".html") and "/" not in name and name[:1] != "."


def record_and_prune(written: dict[Path, list[Path]], complete: bool) -> list[Path]:
    """Record the files written this run per folder. When the run wrote every account
    (complete), a file written by an earlier run and not by this one (its account is gone from
    dim_accounts) is deleted once it is older than PULSE_RETENTION_DAYS (default 30)."""
    days = retention_days()
    ledger = _read_ledger()
    pruned: list[Path] = []
    for folder, files in written.items():
        key = str(folder.resolve())
        now = {p.name for p in files}
        before = {n for n in ledger.get(key, []) if _our_file(n)}
        keep = set()
        for name in sorted(before - now):
            path = folder / name
            if not path.is_file():
                continue
            if complete and expired(path, days):
                path.unlink()
                pruned.append(path)
            else:
                keep.add(name)
        ledger[key] = sorted(now | keep)
    if written:
        paths.export_dir().mkdir(parents=True, exist_ok=True)
        write_json_atomic(_ledger_path(), ledger)
    return pruned


def _chosen(known: list[str], wanted: Sequence[str] | None) -> list[str]:
    if wanted is None:
        return known
    chosen = list(dict.fromkeys(wanted))
    unknown = [a for a in chosen if a not in set(known)]
    if unknown:
        raise PulseError(
            f"unknown account id(s): {', '.join(unknown)}; the ids are the account_id column of "
            "marts.dim_accounts (`pulse report --all` lists them in the dashboard)"
        )
    return chosen


def read_customer_reports(wanted: Sequence[str] | None) -> dict[str, dict[str, Any]]:
    """The customer report context of each chosen account (None: all); the connection is
    closed before anything is rendered."""
    with warehouse.connect() as wh:
        shared = read_shared(wh)
        chosen = _chosen(account_ids(wh), wanted)
        rows = {a: read_account(wh, a, shared.as_of, CUSTOMER_QUERIES) for a in chosen}
    return {a: customer_context(a, own, shared) for a, own in rows.items()}


def write_reports(
    wanted: Sequence[str] | None,
    out: str | None = None,
    briefs_out: str | None = None,
    brief: bool = False,
    progress: bool = True,
) -> Written:
    """Customer reports (unless brief), CSM briefs (when brief or all) and, for all accounts,
    the dashboard. wanted None means every account."""
    customer = not brief
    briefs = brief or wanted is None
    with warehouse.connect() as wh:  # read everything, then close before rendering
        shared = read_shared(wh, components=briefs)
        queries = {**CUSTOMER_QUERIES, **(brief_queries(shared.components) if briefs else {})}
        known = account_ids(wh)
        chosen = _chosen(known, wanted)
        own_rows = {}
        with Progress(
            total=len(chosen), label="reading", enabled=progress and len(chosen) > 1
        ) as bar:
            for account_id in chosen:
                own_rows[account_id] = read_account(wh, account_id, shared.as_of, queries)
                bar.update(1)
        portfolio = read_portfolio(wh, shared) if wanted is None else None

    report_dir = _folder(out, "reports", create=customer)
    brief_dir = _folder(briefs_out, "briefs", create=briefs)
    names = report_filenames(known)
    env = environment()
    written = Written(report_dir, brief_dir, [], [], None)
    with Progress(total=len(chosen), label="reports", enabled=progress and len(chosen) > 1) as bar:
        for account_id in chosen:
            own = own_rows[account_id]
            if customer:
                context = customer_context(
                    account_id, {k: own[k] for k in CUSTOMER_QUERIES}, shared
                )
                text = env.get_template("report.html").render(**context)
                written.reports.append(write_text(report_dir / names[account_id], text))
            if briefs:
                context = brief_context(account_id, own, shared)
                context["report_link"] = os.path.relpath(report_dir / names[account_id], brief_dir)
                text = env.get_template("brief.html").render(**context)
                written.briefs.append(write_text(brief_dir / names[account_id], text))
            bar.update(1)
    if portfolio is not None:
        links = {a: os.path.relpath(report_dir / n, brief_dir) for a, n in names.items()}
        context = dashboard_context(portfolio, shared, links, {a: names[a] for a in known})
        text = env.get_template("dashboard.html").render(**context)
        written.dashboard = write_text(brief_dir / DASHBOARD_FILE, text)
    folders: dict[Path, list[Path]] = {}
    if customer:
        folders[report_dir] = list(written.reports)
    if briefs:
        folders.setdefault(brief_dir, []).extend(
            written.briefs + ([written.dashboard] if written.dashboard else [])
        )
    written.pruned = record_and_prune(folders, complete=wanted is None)
    return written


def run_cli(args: Any) -> int:
    """`pulse report (--account ID [ID ...] | --all) [--brief] [--email [--dry-run]]`."""
    started = time.monotonic()
    wanted = None if args.all else list(args.account or [])
    if wanted is not None and not wanted:
        raise PulseError("give --account ID [ID ...] or --all")
    if getattr(args, "dry_run", False) and not getattr(args, "email", False):
        raise PulseError("--dry-run goes with --email")
    if getattr(args, "email", False):
        if args.brief:
            raise PulseError("--email sends the customer reports; it does not go with --brief")
        from pulse import mail

        return mail.run_cli(args, wanted)
    written = write_reports(wanted, args.out, args.briefs_out, brief=args.brief)
    parts = []
    if written.reports:
        parts.append(f"{len(written.reports)} customer report(s) to {written.report_dir}")
    if written.briefs:
        parts.append(f"{len(written.briefs)} account brief(s) to {written.brief_dir}")
    if written.dashboard is not None:
        parts.append(f"the dashboard {written.dashboard}")
    if written.pruned:
        parts.append(
            f"removed {len(written.pruned)} page(s) of accounts gone for over "
            f"{retention_days()} days"
        )
    print(f"wrote {'; '.join(parts)} in {time.monotonic() - started:.1f}s")
    return 0
