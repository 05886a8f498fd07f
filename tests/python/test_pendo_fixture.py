"""Data we did not write: Fivetran's own Pendo integration-test seeds (tests/fixtures/
pendo_fivetran/, Apache 2.0, README there) built with var source_system: pendo.

Every model builds and every data test passes. The values asserted here were read from the
CSV files by hand. The seeds have no referential integrity (their visitors name accounts
that are not in account_history, their events visitors that are not in visitor_history), so
the truthful outcome is: the accounts and features are staged, every visitor is quarantined
as unknown_account and every event and poll answer as unknown_visitor; nothing is lost.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import DbtRunner
from pulse import paths

FIXTURE = paths.PROJECT_ROOT / "tests" / "fixtures" / "pendo_fivetran"
# dbt_pendo's tests seed the table `group` as group_data (its var pendo_group_identifier)
TABLE_OF_FILE = {"group_data": "group"}
# the seeds hold no activity, so the report window is set (README "Knobs": as_of_date)
VARS = "{source_system: pendo, as_of_date: '2021-07-31'}"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory, dbt: DbtRunner) -> Path:
    base = tmp_path_factory.mktemp("pendo_fixture")
    raw = base / "raw"
    raw.mkdir()
    for path in sorted(FIXTURE.glob("*.csv")):
        shutil.copyfile(path, raw / f"{TABLE_OF_FILE.get(path.stem, path.stem)}.csv")
    db = base / "pendo.duckdb"
    result = dbt(["build", "--exclude-resource-type", "unit_test", "--vars", VARS], db, raw)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Done. PASS=" in result.stdout and " ERROR=0 " in result.stdout
    return db


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_accounts_are_the_latest_versions_with_their_agent_fields(fixture_db: Path) -> None:
    accounts = _rows(
        fixture_db,
        "select account_id, account_name, plan_tier, created_at, arr_usd "
        "from marts.dim_accounts order by account_id",
    )
    assert accounts == [
        ("cabby_distinct", "sandwich", "legacy", datetime(2021, 7, 27, 18, 27, 12, 70877), None),
        ("lemur_quicker", "facebook", "legacy", datetime(2021, 7, 28, 6, 49, 43, 846832), None),
        ("no_jitterbug", "sandwich", "legacy", datetime(2021, 7, 28, 4, 48, 58, 689502), None),
        ("true_opossum", "test1_23", "legacy", datetime(2021, 7, 28, 6, 59, 51, 503300), None),
        ("turtle_tortuous", "cheese", "legacy", datetime(2021, 7, 27, 16, 6, 55, 947839), None),
    ]


def test_features_are_the_latest_versions_with_their_group(fixture_db: Path) -> None:
    features = _rows(
        fixture_db,
        "select feature_id, feature_name, product_area, is_core_event, product "
        "from marts.dim_features order by feature_id",
    )
    # 84eK... has two versions (one row each); its group _PENDO_DEFAULTGROUP_00_ is `shirts`;
    # the others name a group the seeds do not have, or none; is_core_event empty = false
    assert features == [
        ("61muxsf-RhA7TGh34twJZxGGJ7U", "Close Modal", "unknown", False, "-323232"),
        ("84eKv2U6eGlGgQ7NYYURCkfkSxU", "Add New thing", "shirts", False, "-323232"),
        ("RscZT3Un81X3C6HZiJUf4HuvW-k", "Try this", "unknown", False, "-323232"),
        ("byXtQ7dU_Ol0O6OnqFsKnh3Zo-g", "Enable Button", "unknown", False, "-323232"),
    ]


def test_rows_without_referential_integrity_are_quarantined(fixture_db: Path) -> None:
    def reasons(table: str) -> list[tuple]:
        return _rows(
            fixture_db,
            f"select rejection_reason, rejection_detail, count(*) from staging.{table} "
            "group by all order by all",
        )

    # the five visitors' account_ids (comedy_cras, _etc_acc, ...) are not accounts
    assert reasons("stg_product__visitors_rejected") == [("unknown_account", "account_id", 5)]
    assert _rows(fixture_db, "select count(*) from marts.dim_visitors") == [(0,)]
    # 5 rows each of event, feature_event, page_event and guide_event, by unknown visitors
    assert reasons("stg_product__events_rejected") == [("unknown_visitor", "visitor_id", 20)]
    # the 3 poll answers are to poll pp9h6pekqn, which is no NPS poll: poll responses
    assert reasons("stg_product__poll_responses_rejected") == [("unknown_visitor", "visitor_id", 3)]
    assert reasons("stg_product__nps_responses_rejected") == []
    assert reasons("stg_product__accounts_rejected") == []
    assert reasons("stg_product__features_rejected") == []
