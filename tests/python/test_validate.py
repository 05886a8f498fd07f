"""`pulse validate` on the real test database: GX suites derived from the dbt tests of the marts
must pass on what dbt built, fail (one readable line each) on a broken copy, and refuse unknown
model names in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pulse import cli, validate


@pytest.fixture(scope="module")
def plan() -> validate.Plan:
    return validate.build_plan(validate.load_manifest())


def test_every_mart_gets_its_dbt_tests_as_expectations(plan):
    assert plan.marts, "no models in the marts schema"
    assert all(name.startswith(("dim_", "fct_", "rpt_")) for name in plan.marts)
    for name, checks in plan.checks.items():
        # dim_ and fct_ marts must not be empty; rpt_ lists may be
        row_count = [c for c in checks if c.expectation == "ExpectTableRowCountToBeBetween"]
        if name.startswith("rpt_"):
            assert not row_count, name
        else:
            assert [c.kwargs for c in row_count] == [{"min_value": 1}], name
        assert any(c.dbt_test for c in checks), f"{name} has no dbt data tests"
    health = {(c.dbt_test, c.column): c for c in plan.checks["fct_account_health"]}
    score = health[("value_between", "health_score")]
    assert (score.kwargs["min_value"], score.kwargs["max_value"]) == (0, 100)
    relation = health[("relationships", "account_id")]
    assert relation.values_of is not None and relation.values_of[0].name == "dim_accounts"
    same = health[("same_row_count", None)]
    assert same.count_of is not None and same.count_of.name == "dim_accounts"


def test_var_arguments_are_resolved_from_dbt_project(plan):
    dbt_vars = validate.project_vars()
    cohorts = {(c.dbt_test, c.column): c for c in plan.checks["fct_retention_cohorts"]}
    period = cohorts[("value_between", "period_number")]
    assert period.kwargs["max_value"] == dbt_vars["retention_periods"]
    with pytest.raises(validate._NotMapped):
        validate._render("{{ var('no_such_var') }}", dbt_vars)
    with pytest.raises(validate._NotMapped):
        validate._render("{{ env_var('HOME') }}", dbt_vars)


def test_unmappable_tests_are_listed_not_dropped(plan):
    listed = {(item["model"], item["dbt_test"]) for item in plan.not_mapped}
    assert ("fct_visitor_days", "sum_equals_row_count") in listed


def test_validate_passes_on_the_built_database(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    assert cli.main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "all passed" in out

    results = json.loads((tmp_path / "quality" / "validation.json").read_text())
    assert results["success"] is True
    assert results["target"] == "duckdb"
    assert results["failures"] == []
    assert results["dbt_invocation_id"]  # the run dbt logged in pulse_dbt_runs
    assert set(results["models"]) == set(validate.build_plan(validate.load_manifest()).marts)
    with duckdb.connect(str(built_db), read_only=True) as con:
        rows = con.execute("select count(*) from marts.fct_account_health").fetchone()[0]
    assert results["models"]["fct_account_health"]["rows"] == rows
    assert sum(m["expectations"] for m in results["models"].values()) > 100
    assert (tmp_path / "quality" / "data_docs" / "index.html").is_file()
    # GX keeps nothing of its own outside quality/ (ephemeral context) and no temp dirs are left
    assert sorted(p.name for p in (tmp_path / "quality").iterdir()) == [
        "data_docs",
        "validation.json",
    ]


def test_broken_mart_fails_with_one_line_per_failure(built_db, tmp_path, monkeypatch, capsys):
    # same file name: DuckDB views name the catalog after the file (staging views read here)
    broken = tmp_path / "broken" / built_db.name
    broken.parent.mkdir()
    shutil.copy(built_db, broken)
    with duckdb.connect(str(broken)) as con:
        first, last = con.execute(
            "select min(account_id), max(account_id) from marts.fct_account_health"
        ).fetchone()
        con.execute(
            "update marts.fct_account_health set health_score = 150 where account_id = ?", [first]
        )
        con.execute(
            "update marts.fct_account_health set account_id = null where account_id = ?", [last]
        )
    monkeypatch.setenv("PULSE_DB_PATH", str(broken))
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))

    assert cli.main(["validate", "--select", "fct_account_health"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "fct_account_health.health_score: 1 value outside [0, 100] (e.g. 150)" in lines
    assert "fct_account_health.account_id: 1 null value" in " ".join(lines)

    results = json.loads((tmp_path / "exports" / "quality" / "validation.json").read_text())
    assert results["success"] is False
    assert results["complete"] is False
    assert results["models"]["fct_account_health"]["failed"] == 2
    failed = {(f["column"], f["expectation"]) for f in results["failures"]}
    assert failed == {
        ("health_score", "expect_column_values_to_be_between"),
        ("account_id", "expect_column_values_to_not_be_null"),
    }


def test_unknown_model_is_a_one_line_error(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    assert cli.main(["validate", "--select", "fct_account_health", "no_such_mart"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1, captured.err
    assert err[0].startswith("pulse validate: error: unknown model no_such_mart")
    assert "fct_account_health" in err[0]  # the valid names are listed
    assert not Path(tmp_path, "quality", "validation.json").exists()
