"""A wrong dbt var fails the run with one clear line (macros/checks/check_vars.sql).

The checks run in the first on-run-start hook, so a cheap `dbt seed --select role_focus` on a
throwaway database is enough to trigger them; window_days and as_of_date are also checked while
dbt parses the models. The failing invocations run two at a time (each its own database, target
and log folder): every --vars change makes dbt parse the whole project again."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

SEED_ONE = ["seed", "--select", "role_focus"]
FAILING = {
    "typo": "{as_of_dat: 2026-03-01}",
    "window_days_zero": "{window_days: 0}",
    "window_days_text": "{window_days: abc}",
    "timezone_unknown": "{timezone: Mars/Base}",
    "as_of_date_text": "{as_of_date: not-a-date}",
    "source_system_unknown": "{source_system: hubspot}",
    "source_schema_with_native": "{source_schema: pendo}",
}
# failing cases that need more than the hooks: (dbt args, vars)
FAILING_RUNS = {
    "source_schema_missing": (
        ["run", "--select", "raw_pendo__accounts"],
        "{source_system: pendo, source_schema: nowhere}",
    ),
}
# the run that must pass the checks: a valid IANA time zone, as_of_date after the data
FUTURE_VARS = "{as_of_date: 2030-01-01, timezone: Europe/Berlin}"


def _isolated(args: list[str], folder: Path) -> list[str]:
    """args with their own target and log folder (dbt runs side by side)."""
    return [*args, "--target-path", str(folder / "target"), "--log-path", str(folder / "logs")]


@pytest.fixture(scope="module")
def runs(dbt, raw_dir, tmp_path_factory, request) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every dbt invocation of the module, two at a time, each on its own database:
    `dbt seed --select role_focus` for the failing cases (fresh database) and
    `dbt run --select dim_report_window` with FUTURE_VARS on a copy of the test database
    (key "future", absent when there is no test database)."""
    root = tmp_path_factory.mktemp("check_vars")
    jobs: dict[str, tuple[list[str], Path]] = {}
    for case, cli_vars in FAILING.items():
        (root / case).mkdir()
        args = _isolated([*SEED_ONE, "--vars", cli_vars], root / case)
        jobs[case] = (args, root / case / "pulse.duckdb")
    for case, (command, cli_vars) in FAILING_RUNS.items():
        (root / case).mkdir()
        args = _isolated([*command, "--vars", cli_vars], root / case)
        jobs[case] = (args, root / case / "pulse.duckdb")
    try:
        built_db = request.getfixturevalue("built_db")
    except pytest.skip.Exception:
        built_db = None
    if built_db is not None:
        (root / "future").mkdir()
        shutil.copy(built_db, root / "future" / built_db.name)  # same name: same DuckDB catalog
        # --full-refresh: another timezone than the database was built with is refused without
        args = ["run", "--select", "dim_report_window", "--full-refresh", "--vars", FUTURE_VARS]
        jobs["future"] = (_isolated(args, root / "future"), root / "future" / built_db.name)

    def run(case: str) -> subprocess.CompletedProcess[str]:
        args, db_file = jobs[case]
        return dbt(args, db_file, raw_dir)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(run, jobs), strict=True))


def _failed_with(result: subprocess.CompletedProcess[str], line: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"dbt should have failed:\n{output[-3000:]}"
    assert any(printed.strip() == line for printed in output.splitlines()), output[-3000:]


def test_unknown_var_suggests_the_closest_name(runs):
    _failed_with(
        runs["typo"],
        "Customer Pulse: unknown var 'as_of_dat' (did you mean 'as_of_date'?). "
        "Declared vars are in dbt_project.yml.",
    )


def test_window_days_zero_fails(runs):
    _failed_with(
        runs["window_days_zero"],
        "Customer Pulse: var window_days must be a whole number of days >= 1, got '0'.",
    )


def test_window_days_text_fails(runs):
    _failed_with(
        runs["window_days_text"],
        "Customer Pulse: var window_days must be a whole number of days >= 1, got 'abc'.",
    )


def test_unknown_timezone_fails(runs):
    _failed_with(
        runs["timezone_unknown"],
        "Customer Pulse: var timezone 'Mars/Base' is not a time zone duckdb knows; "
        "use an IANA name like 'UTC' or 'Europe/Berlin'.",
    )


def test_as_of_date_text_fails(runs):
    _failed_with(
        runs["as_of_date_text"],
        "Customer Pulse: var as_of_date must be a date YYYY-MM-DD like 2026-03-31 (or null), "
        "got 'not-a-date'.",
    )


def test_unknown_source_system_fails(runs):
    _failed_with(
        runs["source_system_unknown"],
        "Customer Pulse: var source_system is 'hubspot'; it must be one of native, segment, pendo",
    )


def test_source_schema_needs_a_source_system(runs):
    _failed_with(
        runs["source_schema_with_native"],
        "Customer Pulse: var source_schema is 'pendo', but source_system is native; "
        "source_schema names the schema of Pendo's or Segment's own tables",
    )


def test_source_schema_without_the_tables_fails_naming_the_table(runs):
    _failed_with(
        runs["source_schema_missing"],
        "Customer Pulse: table nowhere.account_history not found: var source_system is pendo "
        "and var source_schema is 'nowhere', which must hold the tables its loader writes "
        '(README "Bring your Pendo or Segment data")',
    )


@pytest.fixture()
def future(runs, built_db) -> subprocess.CompletedProcess[str]:
    return runs["future"]


def test_iana_timezone_passes(future):
    assert future.returncode == 0, future.stdout[-3000:]
    assert "OK hook: customer_pulse.on-run-start.0" in future.stdout
    assert "Customer Pulse: var" not in future.stdout


def test_as_of_date_after_the_data_warns_and_succeeds(future, built_db):
    """dim_report_window warns (never fails) when as_of_date lies after the data."""
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        sql = "select last_activity_date from marts.dim_report_window"
        last_day = con.execute(sql).fetchone()[0]
    finally:
        con.close()
    assert future.returncode == 0, future.stdout[-3000:]
    warning = (
        f"Customer Pulse: as_of_date 2030-01-01 is after the last activity day in the data "
        f"({last_day:%Y-%m-%d}); current metrics will describe an empty window."
    )
    assert any(line.endswith(warning) for line in future.stdout.splitlines()), future.stdout[-3000:]
