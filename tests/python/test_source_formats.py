"""Same story, three formats (README "Bring your Pendo or Segment data"): the generated
scenario written as native files and in Segment's warehouse shape (`pulse generate --format
segment`), each built by dbt into its own DuckDB file (var source_system), gives the same
marts, row for row.

Then the Segment build takes a second delivery of tracks with bad rows, which the native
checks quarantine with their reasons and the file that holds them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from conftest import DbtRunner
from pulse.generate import generate

ARGS = {"accounts": 12, "days": 60, "seed": 11}
# the event types of the native sample that Segment sends as tracks of the same slug
SEGMENT_VARS = (
    "{source_system: segment, segment_track_event_types: {guide_seen: guide_seen, "
    "guide_dismissed: guide_dismissed, form_submit: form_submit, custom: custom, "
    "identify: identify}}"
)
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def _check(result, what: str) -> None:
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-4000:]}{result.stderr[-2000:]}"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, dbt: DbtRunner) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("formats")
    native_raw, segment_raw = base / "native", base / "segment"
    generate(native_raw, bad_row_rate=0.0, progress=False, **ARGS)
    generate(segment_raw, fmt="segment", progress=False, **ARGS)
    # tracks as a folder of deliveries, so a later test can add one
    (segment_raw / "tracks").mkdir()
    (segment_raw / "tracks.csv").rename(segment_raw / "tracks" / "part-1.csv")
    _check(dbt([*BUILD, "--full-refresh"], base / "native.duckdb", native_raw), "native build")
    segment_build = [*BUILD, "--full-refresh", "--vars", SEGMENT_VARS]
    _check(dbt(segment_build, base / "segment.duckdb", segment_raw), "Segment build")
    return {
        "native": base / "native.duckdb",
        "segment": base / "segment.duckdb",
        "segment_raw": segment_raw,
    }


def _marts_that_differ(left: Path, right: Path) -> dict[str, list[str]]:
    """mart -> the columns whose values differ (every column but the run's clock stamps)."""
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
        differ: dict[str, list[str]] = {}
        for mart in marts:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'l' "
                    "and schema_name = 'marts' and table_name = ? order by column_index",
                    [mart],
                ).fetchall()
                if not row[0].endswith("batch_at")
            ]

            def extra(a: str, b: str, cols: list[str], mart: str = mart) -> int:
                listed = ", ".join(f'"{c}"' for c in cols)
                return con.execute(
                    f"select count(*) from (select {listed} from {a}.marts.{mart} "
                    f"except all select {listed} from {b}.marts.{mart})"
                ).fetchone()[0]

            if extra("l", "r", columns) or extra("r", "l", columns):
                differ[mart] = [c for c in columns if extra("l", "r", [c]) or extra("r", "l", [c])]
        return differ
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
    assert _marts_that_differ(builds["native"], builds["segment"]) == {}


def test_segment_unit_tests(builds: dict[str, Path], dbt: DbtRunner) -> None:
    result = dbt(
        ["test", "--select", "test_type:unit,path:models/staging/segment", "--vars", SEGMENT_VARS],
        builds["segment"],
        builds["segment_raw"],
    )
    _check(result, "the Segment unit tests")
    assert "4 project hooks, 4 unit tests" in result.stdout, result.stdout[-2000:]


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
