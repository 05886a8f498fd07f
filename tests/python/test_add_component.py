"""Adding a health component (README "Adding a health component"): one seed row, one input
model and its join in fct_account_health_daily's signals, and nothing else. A copy of the
project gets a `csm_meetings` component that no SQL, YAML or Python of the project names; the
copy builds every health model and its tests, the new component has its metric, score and
contribution columns in every health mart, the contributions still add up to the health score,
and the export and the account brief show it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pulse import paths
from pulse.dbt import dbt_env, dbt_executable

SEED_ROW = "csm_meetings,csm_meetings,0.10,0,3,CSM meetings (meeting or QBR) in the last 90 days\n"

INPUT_MODEL = """\
{#- Health input `csm_meetings`: the account's CSM meetings (CSM activities of type meeting or
    qbr) in the 90 days ending on each day. One row per account and day of int_health_days. -#}
with

spine as (

    select * from {{ ref('int_health_days') }}

),

accounts as (

    select account_id from {{ ref('int_accounts') }}

),

meetings as (

    select
        account_id,
        cast({{ pulse_local_timestamp('occurred_at') }} as date) as meeting_date
    from {{ ref('int_crm_activities') }}
    where activity_type in ('meeting', 'qbr')

),

final as (

    select
        accounts.account_id,
        spine.date_day as metric_date,
        count(meetings.meeting_date) as csm_meetings
    from accounts
    cross join spine
    left join meetings
        on
            accounts.account_id = meetings.account_id
            and meetings.meeting_date <= spine.date_day
            and meetings.meeting_date > {{ pulse_add_days('spine.date_day', -90) }}
    group by accounts.account_id, spine.date_day

)

select * from final
"""

# the recipe's step 3, as the README shows it: one line in fct_account_health_daily
DAILY = Path("models/marts/health/fct_account_health_daily.sql")
EDITS = [
    (
        "{%- set added_inputs = [\n",
        "{%- set added_inputs = [\n    ('int_account_csm_meetings_daily', 'csm_meetings'),\n",
    ),
]

HEALTH_MARTS = ["fct_account_health_daily", "fct_account_health", "fct_subscription_health"]


def _copy_project(to: Path) -> Path:
    shutil.copytree(
        paths.PROJECT_ROOT,
        to,
        ignore=shutil.ignore_patterns(
            ".venv*", ".git", ".test", "target", "logs", "data", "warehouse", "exports"
        ),
    )
    return to


def _build(project: Path, db: Path, raw: Path, *select: str) -> subprocess.CompletedProcess[str]:
    return _dbt(
        project,
        db,
        raw,
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        "--select",
        *select,
    )


def _dbt(project: Path, db: Path, raw: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dbt_env(
        {
            "PULSE_DB_PATH": str(db),
            "PULSE_RAW_PATH": str(raw),
            "PULSE_PROJECT_DIR": str(project),
            "DBT_PROJECT_DIR": str(project),
        }
    )
    return subprocess.run(
        [dbt_executable(), *args],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def added(built_db: Path, raw_dir: Path, tmp_path_factory) -> tuple[Path, Path]:
    """The project copy with csm_meetings added, built into a copy of the test database."""
    root = tmp_path_factory.mktemp("add_component")
    project = _copy_project(root / "project")
    db = root / "pulse.duckdb"
    shutil.copy(built_db, db)
    with (project / "seeds" / "health_components.csv").open("a") as seed:
        seed.write(SEED_ROW)
    model = project / "models" / "intermediate" / "health" / "int_account_csm_meetings_daily.sql"
    model.write_text(INPUT_MODEL)

    # steps 1 and 2 without step 3: the build stops at the history, naming the metric
    select = ("health_components+", "int_account_csm_meetings_daily")
    missing = _build(project, db, raw_dir, *select)
    assert missing.returncode != 0
    assert "csm_meetings" in missing.stdout and "fct_account_health_daily" in missing.stdout
    # the marts still hold the old columns while the seed has the new row: the check that
    # replaces their contracts fails on each of the four
    stale = _dbt(
        project, db, raw_dir, "test", "--select", "test_name:columns_follow_health_components"
    )
    assert stale.returncode != 0
    for mart in ("fct_account_health_daily", "fct_account_health", "fct_subscription_health"):
        assert f"FAIL 2 columns_follow_health_components_{mart}_ " in stale.stdout, mart
    assert "FAIL 1 columns_follow_health_components_fct_renewal_decisions_score" in stale.stdout

    daily = project / DAILY
    text = daily.read_text()
    for before, after in EDITS:
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    daily.write_text(text)
    built = _build(project, db, raw_dir, *select)
    assert built.returncode == 0, built.stdout[-4000:]
    return project, db


def test_the_shipped_project_does_not_know_the_component() -> None:
    for folder in ("models", "macros", "seeds", "scripts", "tests/generic"):
        for path in (paths.PROJECT_ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".sql", ".yml", ".csv", ".py", ".md"):
                assert "csm_meetings" not in path.read_text(), path


def test_every_health_mart_has_the_new_columns(added: tuple[Path, Path]) -> None:
    _, db = added
    con = duckdb.connect(str(db), read_only=True)
    try:
        for mart in HEALTH_MARTS:
            columns = {r[0] for r in con.execute(f"describe marts.{mart}").fetchall()}
            assert {"csm_meetings", "csm_meetings_score", "csm_meetings_contribution"} <= columns
        renewal = {r[0] for r in con.execute("describe marts.fct_renewal_decisions").fetchall()}
        assert "csm_meetings_score" in renewal
    finally:
        con.close()


def test_the_new_component_scores_and_the_contributions_add_up(added: tuple[Path, Path]) -> None:
    _, db = added
    con = duckdb.connect(str(db), read_only=True)
    try:
        components = [
            r[0] for r in con.execute("select component from seeds.health_components").fetchall()
        ]
        assert components[-1] == "csm_meetings"
        total = " + ".join(f"coalesce({c}_contribution, 0)" for c in components)
        scored, met, off_by = con.execute(
            "select count(*) filter (where csm_meetings_score is not null), "
            "count(*) filter (where csm_meetings_score = 100), "
            f"max(abs(health_score - ({total}))) from marts.fct_account_health "
            "where health_score is not null"
        ).fetchone()
        # every account has a meetings count (0 when none): the component always scores
        (accounts,) = con.execute(
            "select count(*) from marts.fct_account_health where health_score is not null"
        ).fetchone()
        assert scored == accounts > 0
        assert met > 0  # some account met with its CSM three times in 90 days
        # each contribution is rounded to 2 decimals
        assert off_by <= 0.005 * (len(components) + 1)
    finally:
        con.close()


def test_the_long_mart_has_a_row_per_component_and_adds_up(added: tuple[Path, Path]) -> None:
    """fct_account_health_components: every component of the seed, the new one included, per
    account; the contributions sum to health_score and the largest drag is the dragging one."""
    _, db = added
    con = duckdb.connect(str(db), read_only=True)
    try:
        per_account = con.execute(
            "select count(distinct component), count(*) filter (where component = 'csm_meetings') "
            "from marts.fct_account_health_components group by account_id"
        ).fetchall()
        assert per_account and set(per_account) == {(9, 1)}
        off = con.execute(
            "select h.account_id from marts.fct_account_health as h "
            "inner join marts.fct_account_health_components as c on h.account_id = c.account_id "
            "where h.health_score is not null group by h.account_id, h.health_score, "
            "h.dragging_component having abs(sum(c.contribution) - h.health_score) > 0.05 "
            "or max(c.drag) <> max(case when c.is_dragging then c.drag end)"
        ).fetchall()
        assert off == []
    finally:
        con.close()


def test_a_component_name_that_is_no_column_name_stops_the_build(
    built_db: Path, raw_dir: Path, tmp_path: Path
) -> None:
    project = _copy_project(tmp_path / "project")
    with (project / "seeds" / "health_components.csv").open("a") as seed:
        seed.write("CSM Meetings,csm_meetings,0.1,0,3,Meetings\n")
    db = tmp_path / "pulse.duckdb"
    shutil.copy(built_db, db)
    done = _build(project, db, raw_dir, "health_components", "fct_account_health")
    assert done.returncode != 0
    assert "seed health_components: 'CSM Meetings' is not a column name" in done.stdout


def test_compile_without_the_seed_built_says_so(raw_dir: Path, tmp_path: Path) -> None:
    """dbt compile / docs generate on a new database: the health models compile without their
    component columns and say why; a build would build the seed first."""
    done = _dbt(
        paths.PROJECT_ROOT,
        tmp_path / "new.duckdb",
        raw_dir,
        "compile",
        "--select",
        "fct_account_health",
        "--target-path",
        str(tmp_path / "target"),
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "the seed health_components is not in the warehouse" in done.stdout
