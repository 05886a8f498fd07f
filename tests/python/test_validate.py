"""`pulse validate` on the real test database: GX suites derived from the dbt tests of the marts
(dbt's manifest, with the vars the run logged) must pass on what dbt built, also when the build
had --vars; fail (one readable line each) on a broken copy; refuse unknown model names in one
line; and write an HTML page that reads offline."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
import yaml

from pulse import cli, paths, validate, warehouse
from pulse.errors import PulseError


@pytest.fixture(scope="module")
def run_vars(built_db) -> dict:
    with warehouse.connect() as wh:
        values = validate.run_vars(wh.last_dbt_run())
    assert values is not None, "the last dbt run logged no vars_json"
    return values


@pytest.fixture(scope="module")
def manifest() -> dict:
    return validate.load_manifest()


@pytest.fixture(scope="module")
def plan(manifest, run_vars) -> validate.Plan:
    return validate.build_plan(manifest, run_vars)


def _check(plan: validate.Plan, model: str, dbt_test: str, column: str) -> validate.Check:
    (check,) = [c for c in plan.checks[model] if (c.dbt_test, c.column) == (dbt_test, column)]
    return check


def test_run_log_records_every_declared_var_with_its_value(run_vars):
    # the test database is built without --vars: every declared var with its default
    project = yaml.safe_load((paths.PROJECT_ROOT / "dbt_project.yml").read_text())
    assert run_vars == project["vars"]


def test_every_mart_gets_its_dbt_tests_as_expectations(plan):
    assert plan.marts, "no models in the marts schema"
    assert all(name.startswith(("dim_", "fct_", "rpt_")) for name in plan.marts)
    for name, checks in plan.checks.items():
        # dim_ and fct_ marts must not be empty; rpt_ lists may be, and so may a list of events
        # that may not have happened (meta may_be_empty)
        row_count = [c for c in checks if c.expectation == "ExpectTableRowCountToBeBetween"]
        if name.startswith("rpt_") or name == "fct_outreach_impact":
            assert not row_count, name
        else:
            assert [c.kwargs for c in row_count] == [{"min_value": 1}], name
        assert any(c.dbt_test for c in checks), f"{name} has no dbt data tests"
    score = _check(plan, "fct_account_health", "value_between", "health_score")
    assert (score.kwargs["min_value"], score.kwargs["max_value"]) == (0, 100)
    relation = _check(plan, "fct_account_health", "relationships", "account_id")
    assert relation.values_of is not None
    assert (relation.values_of[0].name, relation.values_of[1]) == ("dim_accounts", "account_id")
    same = _check(plan, "fct_account_health", "same_row_count", None)
    assert same.count_of is not None and same.count_of.name == "dim_accounts"
    status = _check(plan, "fct_retention_cohorts", "accepted_values", "cohort_type")
    assert status.kwargs["value_set"] == ["visitor_weekly", "account_monthly"]
    # a mart that declares it is empty without an optional raw table (meta
    # may_be_empty_without) may be empty when that table is; the others may not
    (nps_rows,) = [c for c in plan.checks["fct_nps_responses"] if not c.dbt_test]
    assert [r.name for r in nps_rows.unless_empty] == ["nps_responses"]
    (health_rows,) = [c for c in plan.checks["fct_account_health"] if not c.dbt_test]
    assert health_rows.unless_empty == ()


def test_may_be_empty_without_must_name_an_optional_table(manifest, run_vars):
    broken = json.loads(json.dumps(manifest))
    (node,) = [n for n in broken["nodes"].values() if n.get("name") == "fct_nps_responses"]
    node.setdefault("config", {}).setdefault("meta", {})["may_be_empty_without"] = ["accounts"]
    node["meta"] = node["config"]["meta"]
    with pytest.raises(PulseError, match="fct_nps_responses: may_be_empty_without names accounts"):
        validate.build_plan(broken, run_vars)


def test_may_be_empty_without_reads_what_the_source_system_provides(manifest, run_vars):
    """With source_system pendo the build has no raw nps_responses table: the model
    raw_pendo__nps_responses (enabled, so in the manifest's nodes) stands for it."""
    pendo = json.loads(json.dumps(manifest))
    pendo["nodes"]["model.customer_pulse.raw_pendo__nps_responses"] = {
        "name": "raw_pendo__nps_responses",
        "resource_type": "model",
        "schema": "staging",
        "alias": "raw_pendo__nps_responses",
    }
    (nps_rows,) = [
        c
        for c in validate.build_plan(pendo, run_vars).checks["fct_nps_responses"]
        if not c.dbt_test
    ]
    assert [(r.schema, r.table) for r in nps_rows.unless_empty] == [
        ("staging", "raw_pendo__nps_responses")
    ]


def test_var_arguments_take_the_values_of_the_run(manifest, plan, run_vars):
    period = _check(plan, "fct_retention_cohorts", "value_between", "period_number")
    assert period.kwargs["max_value"] == run_vars["retention_periods"]
    inactive = _check(plan, "rpt_inactive_visitors", "value_between", "days_since_last_active")
    assert inactive.kwargs["min_value"] == run_vars["inactive_visitor_min_days"] == 30
    # another run's vars give that run's bounds (a number, as dbt renders it)
    other = validate.build_plan(manifest, {**run_vars, "inactive_visitor_min_days": 3})
    inactive = _check(other, "rpt_inactive_visitors", "value_between", "days_since_last_active")
    assert inactive.kwargs["min_value"] == 3
    assert validate._render("{{ var('no_such_var', 5) }}", run_vars) == 5
    with pytest.raises(validate._NotMapped):
        validate._render("{{ var('no_such_var') }}", run_vars)
    with pytest.raises(validate._NotMapped):
        validate._render("{{ env_var('HOME') }}", run_vars)
    # a run logged before vars were recorded: the var-dependent tests cannot be checked
    with pytest.raises(PulseError, match="logged no vars"):
        validate.build_plan(manifest, None)


def test_unmappable_tests_are_listed_not_dropped(plan):
    listed = {(item["model"], item["dbt_test"]) for item in plan.not_mapped}
    assert ("fct_visitor_days", "sums_match") in listed


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _assert_offline(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not _EXTERNAL.search(html), "the page loads something from the network"
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html


def test_validate_passes_on_the_built_database(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    mask = os.umask(0o077)  # a strict umask must not make the results private
    try:
        assert cli.main(["validate"]) == 0
    finally:
        os.umask(mask)
    out = capsys.readouterr().out
    assert "all passed" in out

    quality = tmp_path / "quality"
    results = json.loads((quality / "validation.json").read_text())
    assert results["success"] is True
    assert results["target"] == "duckdb"
    assert results["failures"] == []
    assert results["dbt_invocation_id"]  # the run dbt logged in pulse_dbt_runs
    assert results["dbt_vars"]["inactive_visitor_min_days"] == 30
    used = results["dbt_manifest"]
    assert used["invocation_id"] and used["generated_at"]
    # say which manifest was used when it is not the validated run's (make test runs the unit
    # tests after the build: target/ then holds that invocation's manifest)
    assert used["same_run"] == (used["invocation_id"] == results["dbt_invocation_id"])
    assert (used["invocation_id"] in out) != used["same_run"]
    plan = validate.build_plan(validate.load_manifest(), results["dbt_vars"])
    assert set(results["models"]) == set(plan.marts)
    with duckdb.connect(str(built_db), read_only=True) as con:
        rows = con.execute("select count(*) from marts.fct_account_health").fetchone()[0]
    assert results["models"]["fct_account_health"]["rows"] == rows
    assert sum(m["expectations"] for m in results["models"].values()) > 100
    # GX keeps nothing of its own outside quality/ (ephemeral context) and no temp dirs are left
    assert sorted(p.name for p in quality.iterdir()) == ["data_docs", "validation.json"]
    assert sorted(p.name for p in (quality / "data_docs").iterdir()) == ["index.html"]
    page = quality / "data_docs" / "index.html"
    assert results["data_docs"] == str(page)
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (quality, quality / "data_docs", page, quality / "validation.json")
    }
    assert modes == {
        "quality": 0o755,
        "data_docs": 0o755,
        "index.html": 0o644,
        "validation.json": 0o644,
    }
    _assert_offline(page)
    html = page.read_text(encoding="utf-8")
    for model in plan.marts:
        assert f'id="mart-{model}"' in html
    assert "in dim_accounts.account_id" in html  # a relationships test, readable
    assert "min_value=30 (dbt: min_value: {{ var(&#39;inactive_visitor_min_days&#39;) }})" in html


def test_broken_mart_fails_with_one_line_per_failure(built_db, tmp_path, monkeypatch, capsys):
    broken = _copy_db(built_db, tmp_path / "broken")
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
    page = tmp_path / "exports" / "quality" / "data_docs" / "index.html"
    _assert_offline(page)
    assert "1 value outside [0, 100] (e.g. 150)" in page.read_text(encoding="utf-8")


def _copy_db(built_db: Path, folder: Path) -> Path:
    # same file name: DuckDB views name the catalog after the file (staging views read here)
    copy = folder / built_db.name
    folder.mkdir(parents=True)
    shutil.copy(built_db, copy)
    return copy


def test_vars_of_the_build_are_the_vars_validated(
    built_db, raw_dir, dbt, tmp_path, monkeypatch, capsys
):
    """A build with --vars '{inactive_visitor_min_days: 3}' lists visitors inactive for 3+ days:
    validation must hold the list to 3 (that run's value), not 30 (dbt_project.yml's)."""
    copy = _copy_db(built_db, tmp_path / "db")
    target = tmp_path / "target"  # this build's manifest (its invocation id is the run's)
    # with its children: rpt_trigger_states reads the list (and a test reconciles the two)
    args = ["build", "--select", "rpt_inactive_visitors+", "--exclude-resource-type", "unit_test"]
    build = dbt(
        [*args, "--vars", "{inactive_visitor_min_days: 3}"],
        copy,
        raw_dir,
        DBT_TARGET_PATH=str(target),
    )
    assert build.returncode == 0, build.stdout[-3000:]
    with duckdb.connect(str(copy), read_only=True) as con:
        (below_default,) = con.execute(
            "select count(*) from marts.rpt_inactive_visitors where days_since_last_active < 30"
        ).fetchone()
        (visitor,) = con.execute(
            "select min(visitor_id) from marts.rpt_inactive_visitors"
            " where days_since_last_active < 30"
        ).fetchone()
    assert below_default > 0, "the test data has no visitor inactive for 3-29 days"

    monkeypatch.setenv("PULSE_DB_PATH", str(copy))
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))
    assert cli.main(["validate"]) == 0, capsys.readouterr().out
    assert "all passed" in capsys.readouterr().out
    results = json.loads((tmp_path / "exports" / "quality" / "validation.json").read_text())
    assert results["dbt_vars"]["inactive_visitor_min_days"] == 3
    assert results["dbt_manifest"]["same_run"] is True
    assert results["dbt_manifest"]["invocation_id"] == results["dbt_invocation_id"]

    # a real violation of that run's bound still fails the gate
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "update marts.rpt_inactive_visitors set days_since_last_active = 2"
            " where visitor_id = ?",
            [visitor],
        )
    assert cli.main(["validate", "--select", "rpt_inactive_visitors"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "rpt_inactive_visitors.days_since_last_active: 1 value below 3 (e.g. 2)" in lines


def test_unknown_model_is_a_one_line_error(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path))
    assert cli.main(["validate", "--select", "fct_account_health", "no_such_mart"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1, captured.err
    assert err[0].startswith("pulse validate: error: unknown model no_such_mart")
    assert "fct_account_health" in err[0]  # the valid names are listed
    assert not Path(tmp_path, "quality", "validation.json").exists()
