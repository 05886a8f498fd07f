"""Same story, three formats (README "Bring your Pendo or Segment data"): the generated
scenario written as native files, in Segment's warehouse shape and in Fivetran's Pendo shape
(`pulse generate --format segment|pendo`), each built by dbt into its own DuckDB file (var
source_system):
- Segment's marts equal native's, row for row;
- Pendo's equal native's except the differences PENDO_DIFFERENCES names column by column
  (and each of them does occur, so the list cannot go stale).

Each source is also read in place (var source_schema) from the same tables written into a
schema as its own loader writes them, typed: the marts equal those of the files.

Then the Segment build takes a second delivery of tracks with bad rows, which the native
checks quarantine with their reasons and the file that holds them.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import DbtRunner
from pulse import paths
from pulse.generate import generate

ARGS = {"accounts": 12, "days": 60, "seed": 11}
# the event types of the native sample that Segment sends as tracks of the same slug
SEGMENT_VARS = (
    "{source_system: segment, segment_track_event_types: {guide_seen: guide_seen, "
    "guide_dismissed: guide_dismissed, form_submit: form_submit, custom: custom, "
    "identify: identify}}"
)
PENDO_VARS = "{source_system: pendo}"
BUILD = ["build", "--exclude-resource-type", "unit_test"]

# What Pendo's tables cannot say (README "Bring your Pendo or Segment data"), per mart: the
# columns that differ from native, and the native rows Pendo has no counterpart for.
HOUR = "Pendo's rows are hourly: instants are the hour's start"
NO_TRACKS = (
    "Pendo's tables (SPEC section 7) have no track events, nor form_submit / custom / identify: "
    "setup steps and value events defined on tracks never happen"
)
MILESTONE_COLUMNS = {
    "count_setup_steps_done",
    "is_setup_complete",
    "setup_completed_at",
    "setup_completed_date",
    "setup_completion_days",
    "count_value_events_first_90_days",
    "is_activated",
    "activated_at",
    "activated_date",
    "count_value_events_last_complete_month",
    "value_events_per_seat_last_complete_month",
    "is_utilizing",
    "utilizing_reached_date",
    "journey_stage",
    "journey_stage_reached_date",
}
PENDO_DIFFERENCES: dict[str, dict] = {
    "fct_visitor_days": {
        "columns": {
            "first_event_at": HOUR,
            "last_event_at": HOUR,
            "count_events": NO_TRACKS,
            "last_received_at": NO_TRACKS,
        },
    },
    "fct_account_days": {"columns": {"count_events": NO_TRACKS}},
    "fct_time_to_first_use": {"columns": {"first_used_at": HOUR}},
    "fct_account_milestones": {"columns": dict.fromkeys(MILESTONE_COLUMNS, NO_TRACKS)},
    "fct_journey_stage_summary": {
        "columns": dict.fromkeys(
            ("count_accounts", "share_of_accounts", "share_reached"), NO_TRACKS
        )
    },
    "rpt_trigger_states": {"native_only_rows": "trigger_type like 'milestone_%'"},
}


def _check(result, what: str) -> None:
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, dbt: DbtRunner) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("formats")
    native_raw, segment_raw, pendo_raw = base / "native", base / "segment", base / "pendo"
    generate(native_raw, bad_row_rate=0.0, progress=False, **ARGS)
    generate(segment_raw, fmt="segment", progress=False, **ARGS)
    generate(pendo_raw, fmt="pendo", progress=False, **ARGS)
    # tracks as a folder of deliveries, so a later test can add one
    (segment_raw / "tracks").mkdir()
    (segment_raw / "tracks.csv").rename(segment_raw / "tracks" / "part-1.csv")
    _check(dbt([*BUILD, "--full-refresh"], base / "native.duckdb", native_raw), "native build")
    segment_build = [*BUILD, "--full-refresh", "--vars", SEGMENT_VARS]
    _check(dbt(segment_build, base / "segment.duckdb", segment_raw), "Segment build")
    pendo_build = [*BUILD, "--full-refresh", "--vars", PENDO_VARS]
    _check(dbt(pendo_build, base / "pendo.duckdb", pendo_raw), "Pendo build")
    return {
        "native": base / "native.duckdb",
        "segment": base / "segment.duckdb",
        "segment_raw": segment_raw,
        "pendo": base / "pendo.duckdb",
        "pendo_raw": pendo_raw,
    }


def _mart_differences(
    left: Path, right: Path, allowed: dict[str, dict] | None = None
) -> dict[str, object]:
    """mart -> what differs between the two builds beyond `allowed` (PENDO_DIFFERENCES'
    shape), every column but the run's clock stamps compared as a multiset of rows; and for
    each allowed column, `<mart>.<column> no longer differs` when it does not."""
    allowed = allowed or {}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = 'l' "
                "and schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        assert len(marts) > 50
        assert set(allowed) <= set(marts)
        found: dict[str, object] = {}
        for mart in marts:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'l' "
                    "and schema_name = 'marts' and table_name = ? order by column_index",
                    [mart],
                ).fetchall()
                if not row[0].startswith("_pulse_")  # bookkeeping: the run's clock, load ids
            ]
            rule = allowed.get(mart, {})
            compared = [c for c in columns if c not in rule.get("columns", {})]

            def extra(a: str, b: str, cols: list[str], where: str = "true", m: str = mart) -> int:
                listed = ", ".join(f'"{c}"' for c in cols)
                return con.execute(
                    f"select count(*) from (select {listed} from {a}.marts.{m} "
                    f"except all select {listed} from {b}.marts.{m}) as d where {where}"
                ).fetchone()[0]

            rows = f"not ({rule.get('native_only_rows', 'false')})"
            if extra("l", "r", compared, rows) or extra("r", "l", compared):
                found[mart] = [c for c in compared if extra("l", "r", [c]) or extra("r", "l", [c])]
            # each allowed difference occurs (in the rows that match on everything else)
            for column in rule.get("columns", {}):
                if not (
                    extra("l", "r", [*compared, column], rows)
                    or extra("r", "l", [*compared, column])
                ):
                    found[f"{mart}.{column}"] = "no longer differs"
            if "native_only_rows" in rule and not extra("l", "r", compared):
                found[f"{mart} rows"] = "native has no rows Pendo lacks any more"
        return found
    finally:
        con.close()


def test_segment_marts_equal_native(builds: dict[str, Path]) -> None:
    con = duckdb.connect(str(builds["segment"]), read_only=True)
    try:
        events, visitors = con.execute(
            "select (select count(*) from intermediate.int_events), "
            "(select count(*) from intermediate.int_visitors)"
        ).fetchone()
        stitched = con.execute(
            "select count(*) from raw.tracks where user_id is null or trim(user_id) = ''"
        ).fetchone()[0]
    finally:
        con.close()
    assert events > 1000 and visitors > 20 and stitched > 50
    assert _mart_differences(builds["native"], builds["segment"]) == {}


def test_pendo_marts_equal_native_but_for_what_pendo_cannot_say(
    builds: dict[str, Path],
) -> None:
    con = duckdb.connect(str(builds["pendo"]), read_only=True)
    try:
        aggregated, older_versions = con.execute(
            "select (select count(*) from intermediate.int_events where num_events > 1), "
            "(select count(*) from raw.account_history) - "
            "(select count(distinct id) from raw.account_history)"
        ).fetchone()
    finally:
        con.close()
    assert aggregated > 100 and older_versions > 0
    assert _mart_differences(builds["native"], builds["pendo"], PENDO_DIFFERENCES) == {}


@pytest.mark.parametrize(
    ("system", "variables"), [("segment", SEGMENT_VARS), ("pendo", PENDO_VARS)]
)
def test_source_schema_read_in_place_equals_the_files(
    builds: dict[str, Path], dbt: DbtRunner, tmp_path: Path, system: str, variables: str
) -> None:
    """var source_schema: the same tables written into a schema as the source's own loader
    writes them (typed columns, no bookkeeping columns; .ci/as_source_schema.py, which make
    test-postgres also runs) give the same marts as the files."""
    database = tmp_path / "in_place.duckdb"
    raw = builds[f"{system}_raw"]
    written = subprocess.run(
        [
            sys.executable,
            str(paths.PROJECT_ROOT / ".ci" / "as_source_schema.py"),
            str(raw),
            "--system",
            system,
            "--schema",
            f"{system}_tables",
            "--duckdb",
            str(database),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    _check(written, "as_source_schema.py")
    in_place = variables[:-1] + f", source_schema: {system}_tables}}"
    _check(dbt([*BUILD, "--vars", in_place], database, raw), f"{system} build from the schema")
    con = duckdb.connect(str(database), read_only=True)
    try:
        landed = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' "
            "and table_name in ('tracks', 'event', 'feature_event', 'account_history', 'groups')"
        ).fetchone()[0]
        files = con.execute(
            "select count(distinct _source_file), min(_source_file) "
            "from staging.stg_product__events"
        ).fetchone()
    finally:
        con.close()
    assert landed == 0, "the source's own tables are read in place, never landed"
    assert files[0] > 1 and files[1].startswith(f"{system}_tables."), files
    assert _mart_differences(builds[system], database) == {}


@pytest.mark.parametrize(
    ("system", "variables", "count"), [("segment", SEGMENT_VARS, 4), ("pendo", PENDO_VARS, 9)]
)
def test_source_system_unit_tests(
    builds: dict[str, Path], dbt: DbtRunner, system: str, variables: str, count: int
) -> None:
    """The unit tests of models/staging/<system> run only where that system is built."""
    result = dbt(
        ["test", "--select", f"test_type:unit,path:models/staging/{system}", "--vars", variables],
        builds[system],
        builds[f"{system}_raw"],
    )
    _check(result, f"the {system} unit tests")
    assert f"4 project hooks, {count} unit tests" in result.stdout, result.stdout[-2000:]


def test_segment_bad_rows_are_quarantined(builds: dict[str, Path], dbt: DbtRunner) -> None:
    """A second tracks file: a bad timestamp, an anonymous id nobody identified, a re-delivery
    of an earlier message, and a good event. The build stays green (the reconciliation tests
    count the Segment rows) and each bad row is in the quarantine with its reason."""
    raw = builds["segment_raw"]
    first = raw / "tracks" / "part-1.csv"
    with first.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        known = next(row for row in reader if row["user_id"])
    rows = [
        {**known, "id": "seg_bad_time", "timestamp": "yesterday-ish"},
        {**known, "id": "seg_stranger", "user_id": "", "anonymous_id": "anon_nobody"},
        dict(known),
        {**known, "id": "seg_good"},
    ]
    second = raw / "tracks" / "part-2.csv"
    with second.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    _check(dbt([*BUILD, "--vars", SEGMENT_VARS], builds["segment"], raw), "the incremental build")
    con = duckdb.connect(str(builds["segment"]), read_only=True)
    try:
        rejected = dict(
            con.execute(
                "select event_id, rejection_reason from staging.stg_product__events_rejected "
                "where _source_file like '%part-2.csv'"
            ).fetchall()
        )
        duplicates = con.execute(
            "select count(*) from staging.stg_product__events_duplicates "
            "where event_id = ? and _source_file like '%part-2.csv'",
            [known["id"]],
        ).fetchone()[0]
        good = con.execute(
            "select visitor_id from intermediate.int_events where event_id = 'seg_good'"
        ).fetchall()
    finally:
        con.close()
    assert rejected == {"seg_bad_time": "invalid_timestamp", "seg_stranger": "unknown_visitor"}
    assert duplicates == 1
    assert good == [(known["user_id"],)]
