"""The health components have one definition, the seed health_components: the CSM brief and the
export profiles read the set from the warehouse's seeds.health_components (weight > 0, in the
seed's row order). A tiny DuckDB file stands in for the build: no dbt run needed."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pulse import export, paths, report, warehouse
from pulse.errors import PulseError

SEED = paths.PROJECT_ROOT / "seeds" / "health_components.csv"
AS_OF = date(2026, 3, 31)
# a component no Python code knows (weight highest, listed last: the seed's order must win)
CSM_MEETINGS = {
    "component": "csm_meetings",
    "metric": "count_csm_meetings",
    "weight": 0.3,
    "floor_value": 0,
    "target_value": 4,
    "description": "Meetings with the CSM in the last 90 days",
}
SWITCHED_OFF = {**CSM_MEETINGS, "component": "switched_off", "metric": "x", "weight": 0.0}


def _seed_rows(*extra: dict) -> list[dict]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return [*csv.DictReader(handle), *extra]


def _tiny_warehouse(db_file: Path, seed: list[dict], mart_components: list[str]) -> None:
    """seeds.health_components (loaded row by row in seed order, as dbt's COPY does), and the
    marts the export of account_health and the brief's health row read, with the score and
    contribution columns of mart_components."""
    health = {
        column: [None, None]
        for column in (*report.HEALTH_COLUMNS, "account_name", "company_id", "csm_owner")
    }
    health.update(
        account_id=["acc_1", "acc_2"],
        account_name=["One", "Two"],
        arr_usd=[12000.0, 50000.0],
        renewal_date=[AS_OF, AS_OF],
        as_of_date=[AS_OF, AS_OF],
        health_score=[61.5, 35.0],
        health_band=["neutral", "at_risk"],
        count_scored_components=[len(mart_components)] * 2,
        dragging_component=["csm_meetings", "breadth"],
        has_inactive_champion=[False, True],
        count_champions=[0, 0],
        count_active_champions=[0, 0],
        is_churn_risk=[False, False],
    )
    for i, name in enumerate(mart_components):
        health[f"{name}_score"] = [float(10 * i), 50.0]
        health[f"{name}_contribution"] = [float(i), 5.0]
    health_frame = pd.DataFrame(health)
    window = pd.DataFrame(
        {
            "as_of_date": [AS_OF],
            "window_start_date": [date(2026, 3, 2)],
            "last_complete_month_start_date": [date(2026, 2, 1)],
            "window_days": [30],
        }
    )
    features = pd.DataFrame(
        {
            "feature_id": ["f1"],
            "feature_name": ["Dashboards"],
            "is_core_event": [True],
            "is_depth_feature": [True],
        }
    )
    con = duckdb.connect(str(db_file))
    try:
        con.execute("create schema marts")
        con.execute("create schema seeds")
        con.execute(
            "create table seeds.health_components (component varchar, metric varchar, "
            "weight double, floor_value double, target_value double, description varchar)"
        )
        for row in seed:
            con.execute(
                "insert into seeds.health_components values (?, ?, ?, ?, ?, ?)",
                [
                    row["component"],
                    row["metric"],
                    float(row["weight"]),
                    float(row["floor_value"]),
                    float(row["target_value"]),
                    row["description"],
                ],
            )
        con.register("health_frame", health_frame)
        con.execute("create table marts.fct_account_health as select * from health_frame")
        con.register("window_frame", window)
        con.execute("create table marts.dim_report_window as select * from window_frame")
        con.register("features_frame", features)
        con.execute("create table marts.dim_features as select * from features_frame")
        con.execute(
            "create table marts.fct_journey_stage_summary as select * from (values "
            "(1, 'not_set_up'), (2, 'set_up'), (3, 'activated'), (4, 'utilizing'), "
            "(5, 'mature')) as stages (stage_order, journey_stage)"
        )
    finally:
        con.close()


@pytest.fixture()
def tiny(tmp_path: Path, monkeypatch) -> Path:
    """A tiny warehouse whose seed has two more rows: csm_meetings (which the mart has score
    columns for) and switched_off (weight 0, no columns)."""
    db_file = tmp_path / "pulse.duckdb"
    components = [r["component"] for r in _seed_rows()] + ["csm_meetings"]
    _tiny_warehouse(db_file, _seed_rows(CSM_MEETINGS, SWITCHED_OFF), components)
    monkeypatch.setenv("PULSE_DB_PATH", str(db_file))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    return db_file


# the shipped seed's components that count, in its row order
SHIPPED = [r["component"] for r in _seed_rows() if float(r["weight"]) > 0]


def _title(component: str) -> str:
    return " ".join(word.capitalize() for word in component.split("_"))


def test_components_are_the_seed_rows_with_weight_in_seed_order(tiny):
    with warehouse.connect() as wh:
        components = warehouse.health_components(wh)
    assert [c.component for c in components] == [*SHIPPED, "csm_meetings"]
    meetings = components[-1]
    assert (meetings.label, meetings.title) == ("Csm meetings", "Csm Meetings")
    engagement = next(c for c in components if c.component == "sponsor_engagement")
    assert (engagement.label, engagement.title) == ("Sponsor engagement", "Sponsor Engagement")
    assert meetings.description == CSM_MEETINGS["description"]


def _export_header(export_dir: Path) -> list[str]:
    manifest = export.export(
        profile_name="gainsight", select=["account_health"], force=True, export_dir=export_dir
    )
    path = Path(manifest["path"]) / "company_scorecard.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == manifest["files"][0]["columns"]
    return header


def test_gainsight_export_has_a_score_column_per_seed_component(tiny, tmp_path):
    header = _export_header(tmp_path / "exports")
    scores = [f"{_title(c)} Score" for c in SHIPPED] + ["Csm Meetings Score"]
    assert "Sponsor Engagement Score" in scores  # Title Case, one word per underscore
    start = header.index("Score Change 30 Days") + 1
    assert header[start : start + len(scores)] == scores
    assert header[start + len(scores)] == "Lowest Scoring Measure"
    assert not any("Switched" in name for name in header)  # weight 0: not a column


def test_the_shipped_seed_gives_todays_gainsight_columns(tmp_path, monkeypatch):
    db_file = tmp_path / "pulse.duckdb"
    _tiny_warehouse(db_file, _seed_rows(), SHIPPED)
    monkeypatch.setenv("PULSE_DB_PATH", str(db_file))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    assert _export_header(tmp_path / "exports") == [
        "Company External ID",
        "Company Name",
        "Parent Company External ID",
        "CSM",
        "ARR",
        "Renewal Date",
        "Overall Score",
        "Overall Score Label",
        "Score Change 30 Days",
        *(f"{_title(c)} Score" for c in SHIPPED),
        "Lowest Scoring Measure",
        "Champion Inactive",
        "As Of Date",
    ]


def test_a_seed_component_the_mart_lacks_is_the_one_line_error(tmp_path, monkeypatch):
    db_file = tmp_path / "pulse.duckdb"
    _tiny_warehouse(db_file, _seed_rows(CSM_MEETINGS), SHIPPED)  # no csm_meetings_score
    monkeypatch.setenv("PULSE_DB_PATH", str(db_file))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    with pytest.raises(PulseError) as caught:
        export.export(
            profile_name="gainsight",
            select=["account_health"],
            force=True,
            export_dir=tmp_path / "exports",
        )
    assert str(caught.value) == (
        "export account_health: fct_account_health has no column(s) csm_meetings_score"
    )


def test_a_component_column_template_needs_a_placeholder_in_its_name(tmp_path):
    profile = tmp_path / "bad.yml"
    profile.write_text(
        "files:\n  h:\n    model: fct_account_health\n    columns:\n"
        '      Score: "{component}_score"\n'
    )
    with pytest.raises(PulseError, match=re.escape("needs {component}, {label} or {title}")):
        export.load_profile(str(profile))
    profile.write_text(
        "files:\n  h:\n    model: fct_account_health\n    columns:\n"
        '      "{name} Score": "{component}_score"\n'
    )
    with pytest.raises(PulseError, match="unknown placeholder"):
        export.load_profile(str(profile))


def test_brief_has_a_row_per_seed_component(tiny):
    with warehouse.connect() as wh:
        shared = report.read_shared(wh, components=True)
        health_query = report.brief_queries(shared.components)["health"]
        own = report.read_account(wh, "acc_1", shared.as_of, {"health": health_query})
    assert {"csm_meetings_score", "csm_meetings_contribution"} <= set(health_query.columns)
    assert not any(c.startswith("switched_off") for c in health_query.columns)
    own.update(health_daily=[], usage_today=[], profile=[])
    health = report._brief_health(own, shared)
    assert [c["name"] for c in health["components"]] == [*SHIPPED, "csm_meetings"]
    meetings = health["components"][-1]
    assert meetings["label"] == "Csm meetings"
    assert meetings["meaning"] == "meetings with the CSM in the last 90 days"
    assert (meetings["score"], meetings["contribution"]) == (80.0, 8.0)
    assert meetings["is_dragging"] and health["dragging"] == "Csm meetings"
    # the sentiment row keeps its own wording; the seed's description is its meaning
    sentiment = next(c for c in health["components"] if c["name"] == "sentiment")
    assert sentiment["value"] == "no NPS answers"
    with SEED.open(newline="") as handle:
        described = {row["component"]: row["description"] for row in csv.DictReader(handle)}
    text = described["sentiment"]
    assert sentiment["meaning"].lower() == text.lower()
