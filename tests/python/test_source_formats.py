"""Same story, three formats (README "Bring your Pendo or Segment data"): the generated
scenario written as native files, in Segment's warehouse shape and in Fivetran's Pendo shape
(`pulse generate --format segment|pendo`), each built by dbt into its own DuckDB file (var
source_system):
- Segment's marts equal native's, row for row;
- Pendo's equal native's except the differences PENDO_DIFFERENCES names column by column
  (and each of them does occur, so the list cannot go stale).

Each source is also read in place (var source_schema) from the same tables written into a
schema as its own loader writes them, typed: the marts equal those of the files.

A later Pendo sync re-writes rows with more events: the incremental build takes the latest
counts and equals a full refresh. The Segment build takes a second delivery of tracks with
bad rows, which the native checks quarantine with their reasons and the file that holds them.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
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
    # tracks, Pendo's event and feature_event as folders of deliveries: later tests add one
    for raw, table in ((segment_raw, "tracks"), (pendo_raw, "event"), (pendo_raw, "feature_event")):
        (raw / table).mkdir()
        (raw / f"{table}.csv").rename(raw / table / "part-1.csv")
    _check(dbt([*BUILD, "--full-refresh"], base / "native.duckdb", native_raw), "native build")
    segment_build = [*BUILD, "--full-refresh", "--vars", SEGMENT_VARS]
    _check(dbt(segment_build, base / "segment.duckdb", segment_raw), "Segment build")
    pendo_build = [*BUILD, "--full-refresh", "--vars", PENDO_VARS]
    _check(dbt(pendo_build, base / "pendo.duckdb", pendo_raw), "Pendo build")
    return {
        "native": base / "native.duckdb",
        "native_raw": native_raw,
        "segment": base / "segment.duckdb",
        "segment_raw": segment_raw,
        "pendo": base / "pendo.duckdb",
        "pendo_raw": pendo_raw,
    }


def _clicks(database: Path) -> int:
    """Feature clicks in int_events (the sum of Pendo's num_events)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select sum(num_events) from intermediate.int_events where event_type = 'feature_click'"
        ).fetchone()[0]
    finally:
        con.close()


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
    if system != "pendo":
        return
    # Fivetran rewrites rows in place: the last 40 feature_event rows and the event rows of
    # every other one of their hours get 2 more events and a sync a day later. The
    # incremental build takes them as later emissions of the same rows (no duplicates, the
    # reconciliation holds) and equals a full refresh.
    before = _clicks(database)
    con = duckdb.connect(str(database))
    try:
        later = "num_events = num_events + 2, _fivetran_synced = _fivetran_synced + interval 1 day"
        features = con.execute(
            "select rowid, visitor_id, account_id, timestamp from pendo_tables.feature_event "
            "order by timestamp desc, rowid limit 40"
        ).fetchall()
        hours = [row[1:] for row in features[::2]]
        con.execute(
            f"update pendo_tables.feature_event set {later} where rowid in "
            f"({', '.join(str(row[0]) for row in features)})"
        )
        con.executemany(
            f"update pendo_tables.event set {later} "
            "where visitor_id = ? and account_id = ? and timestamp = ?",
            hours,
        )
    finally:
        con.close()
    assert len(features) == 40
    _check(dbt([*BUILD, "--vars", in_place], database, raw), "the incremental build in place")
    full = tmp_path / "full.duckdb"
    shutil.copy(database, full)
    _check(dbt([*BUILD, "--full-refresh", "--vars", in_place], full, raw), "the full refresh")
    assert _clicks(database) == before + 2 * 40
    assert _mart_differences(full, database) == {}


@pytest.mark.parametrize(
    ("system", "variables", "count"), [("segment", SEGMENT_VARS, 4), ("pendo", PENDO_VARS, 10)]
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


def test_half_hour_time_zone_moves_pendo_hours_between_days_not_totals(
    builds: dict[str, Path], dbt: DbtRunner, tmp_path: Path
) -> None:
    """README "What Pendo cannot give": with a 30- or 45-minute offset a UTC hour spans two
    local half-hours, and a Pendo hour counts whole on the local day of its start. Built with
    timezone Asia/Kolkata (UTC+05:30), fct_visitor_days of Pendo and of native then differ
    per day (the shift occurs: days only one side has, matched days with other minutes), but
    per visitor the active minutes, feature clicks and activity events are the same, and each
    Pendo day holds exactly the hours that start on it in Kolkata."""
    kolkata = "timezone: Asia/Kolkata"
    native, pendo = tmp_path / "native.duckdb", tmp_path / "pendo.duckdb"
    native_vars = "{" + kolkata + "}"
    _check(dbt([*BUILD, "--vars", native_vars], native, builds["native_raw"]), "native, Kolkata")
    pendo_vars = PENDO_VARS[:-1] + ", " + kolkata + "}"
    _check(dbt([*BUILD, "--vars", pendo_vars], pendo, builds["pendo_raw"]), "Pendo, Kolkata")
    con = duckdb.connect()
    try:
        con.execute("set timezone = 'UTC'")
        con.execute(f"attach '{native}' as n (read_only)")
        con.execute(f"attach '{pendo}' as p (read_only)")
        totals = (
            "select visitor_id, sum(active_minutes) as minutes, sum(count_feature_clicks) as "
            "clicks, sum(count_activity_events) as activity from {}.marts.fct_visitor_days "
            "group by visitor_id"
        )
        visitors, unequal = con.execute(
            f"select count(*), count(*) filter (where n.minutes is distinct from p.minutes "
            "or n.clicks is distinct from p.clicks or n.activity is distinct from p.activity) "
            f"from ({totals.format('n')}) as n full join ({totals.format('p')}) as p "
            "using (visitor_id)"
        ).fetchone()
        one_side_only, other_minutes = con.execute(
            "select count(*) filter (where n.visitor_id is null or p.visitor_id is null), "
            "count(*) filter (where n.active_minutes <> p.active_minutes) "
            "from n.marts.fct_visitor_days as n full join p.marts.fct_visitor_days as p "
            "using (visitor_id, activity_date)"
        ).fetchone()
        off_day = con.execute(
            "select count(*) from p.marts.fct_visitor_days where cast(timezone('Asia/Kolkata', "
            "cast(first_event_at as timestamptz)) as date) <> activity_date "
            "or cast(timezone('Asia/Kolkata', cast(last_event_at as timestamptz)) as date) "
            "<> activity_date"
        ).fetchone()[0]
    finally:
        con.close()
    assert visitors > 20 and unequal == 0
    assert one_side_only > 0 and other_minutes > 0, "the half-hour shift no longer occurs"
    assert off_day == 0


def _resynced(path: Path, rows: list[dict[str, str]], extra_events: int) -> None:
    """Write rows again as a later Fivetran sync would: more events, synced a day later."""
    later = [
        {
            **row,
            "num_events": str(int(row["num_events"]) + extra_events),
            "_fivetran_synced": (
                datetime.fromisoformat(row["_fivetran_synced"]) + timedelta(days=1)
            ).isoformat(sep=" ", timespec="milliseconds"),
        }
        for row in rows
    ]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(later)


def test_pendo_resync_incremental_equals_full_refresh(
    builds: dict[str, Path], dbt: DbtRunner, tmp_path: Path
) -> None:
    """A later sync re-writes the last 40 feature_event rows with 2 more events each, and the
    event rows of half of their hours (the others' totals arrive later: the activity
    remainder must still come out right). The incremental build counts each hour once, at its
    latest counts, and equals a full refresh of the same files."""
    raw = builds["pendo_raw"]

    def read(table: str) -> list[dict[str, str]]:
        with (raw / table / "part-1.csv").open(newline="") as handle:
            return list(csv.DictReader(handle))

    features = sorted(read("feature_event"), key=lambda row: row["timestamp"])[-40:]
    client = ("visitor_id", "account_id", "timestamp", "app_id", "server_name", "remote_ip")
    hours = {tuple(row[c] for c in client) for row in features[::2]}
    totals = [row for row in read("event") if tuple(row[c] for c in client) in hours]
    assert len(features) == 40 and totals
    before = _clicks(builds["pendo"])
    _resynced(raw / "feature_event" / "part-2.csv", features, 2)
    _resynced(raw / "event" / "part-2.csv", totals, 2)
    _check(dbt([*BUILD, "--vars", PENDO_VARS], builds["pendo"], raw), "the incremental build")
    full = tmp_path / "full.duckdb"
    _check(dbt([*BUILD, "--full-refresh", "--vars", PENDO_VARS], full, raw), "the full refresh")
    assert _clicks(builds["pendo"]) == before + 2 * 40
    assert _mart_differences(full, builds["pendo"]) == {}
