"""Staging on a real DuckDB built by dbt from generated data: the quarantine, dedup and
reconciliation must match what the generator says it wrote, row for row."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

# raw table -> (the model of its accepted rows, its quarantine model)
MODELS = {
    "accounts": ("intermediate.int_accounts", "stg_product__accounts_rejected"),
    "visitors": ("intermediate.int_visitors", "stg_product__visitors_rejected"),
    "events": ("intermediate.int_events", "stg_product__events_rejected"),
    "features": ("intermediate.int_features", "stg_product__features_rejected"),
    "nps_responses": ("intermediate.int_nps_responses", "stg_product__nps_responses_rejected"),
    "poll_responses": ("intermediate.int_poll_responses", "stg_product__poll_responses_rejected"),
    "support_tickets": ("intermediate.int_support_tickets", "stg_support__tickets_rejected"),
    "crm_activities": ("intermediate.int_crm_activities", "stg_crm__activities_rejected"),
    "renewals": ("intermediate.int_renewals", "stg_crm__renewals_rejected"),
    "subscriptions": ("intermediate.int_subscriptions", "stg_crm__subscriptions_rejected"),
}


@pytest.mark.parametrize("table", sorted(MODELS))
def test_staging_matches_what_the_generator_wrote(db, manifest, table):
    expected = manifest["tables"][table]
    staged_model, rejected_model = MODELS[table]
    staged = db.execute(f"select count(*) from {staged_model}").fetchone()[0]
    rejected = dict(
        db.execute(
            f"select rejection_reason, count(*) from staging.{rejected_model} group by 1"
        ).fetchall()
    )
    assert staged == expected["clean_rows"]
    assert rejected == {k: v for k, v in expected["bad_rows"].items() if v}
    if table == "events":
        duplicates = db.execute(
            "select count(*) from staging.stg_product__events_duplicates"
        ).fetchone()[0]
        assert duplicates == expected["duplicate_rows"]
    raw_rows = db.execute(f"select count(*) from raw.{table}").fetchone()[0]
    lines = db.execute(f"select count(*) from raw.{table}__unparseable").fetchone()[0]
    assert raw_rows + lines == expected["rows_written"]


def test_every_bad_row_kind_is_quarantined(db, manifest):
    reasons = {
        row[0]
        for model, _ in [(m[1], None) for m in MODELS.values()]
        for row in db.execute(f"select distinct rejection_reason from staging.{model}").fetchall()
    }
    assert reasons >= {
        "unparseable_line",
        "missing_required",
        "invalid_timestamp",
        "invalid_number",
        "score_out_of_range",
        "occurred_after_received",
        "unknown_visitor",
        "unknown_account",
    }


def _csv_records(data: bytes) -> list[bytes]:
    """The records of a CSV file as RFC 4180 counts them: a line break inside a quoted field
    does not end a record (an independent oracle for DuckDB's record numbers)."""
    records, current, in_quotes = [], [], False
    for line in data.removesuffix(b"\n").split(b"\n"):
        current.append(line)
        in_quotes ^= line.count(b'"') % 2 == 1
        if not in_quotes:
            records.append(b"\n".join(current))
            current = []
    return records


def test_unparseable_lines_keep_file_and_record_number(db, raw_dir):
    rows = db.execute(
        "select _source_file, source_line_number, raw_line "
        "from staging.stg_product__events_rejected "
        "where rejection_reason = 'unparseable_line' order by source_line_number"
    ).fetchall()
    assert rows, "the generated events file has unparseable lines"
    data = (raw_dir / "events.csv").read_bytes()
    records = _csv_records(data)
    assert len(records) < data.count(b"\n"), "the sample has a quoted field spanning lines"
    for source_file, record_number, raw_line in rows:
        assert Path(source_file) == raw_dir / "events.csv"
        original = records[record_number - 1].decode("utf-8", errors="replace").rstrip("\r")
        # bytes that are not UTF-8 are kept as "?"
        assert original.replace("\ufffd", "?") == raw_line


def test_late_events_are_kept(db, manifest):
    late = db.execute(
        "select count(*) from intermediate.int_events "
        "where received_at > occurred_at + interval 1 day"
    ).fetchone()[0]
    assert late == manifest["tables"]["events"]["late_rows"] > 0


def test_timestamps_are_the_same_instant_as_python_reads_them(db):
    """An independent oracle: Python's ISO-8601 parser on the raw text of staged events."""
    rows = db.execute(
        "select raw.occurred_at, stg.occurred_at "
        "from raw.events as raw "
        "inner join staging.stg_product__events as stg on trim(raw.event_id) = stg.event_id "
        "using sample 3000 rows"
    ).fetchall()
    offsets = set()
    assert len(rows) > 1000
    for text, staged in rows:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # no offset = UTC (README "Your own data")
        offsets.add(parsed.utcoffset())
        assert parsed.astimezone(UTC).replace(tzinfo=None) == staged, text
    assert len(offsets) >= 4, "the sample data uses several UTC offsets"


def test_kept_delivery_is_the_earliest(db):
    rows = db.execute(
        "select count(*) from staging.stg_product__events_duplicates as dup "
        "inner join staging.stg_product__events as kept using (event_id) "
        "where dup.received_at < kept.received_at"
    ).fetchone()[0]
    assert rows == 0


def test_reconciliation_test_fails_when_a_row_is_lost(dbt, built_db, raw_dir, tmp_path):
    """The reconciliation test can fail: a raw row that reaches neither staging nor the
    (materialised) quarantine must be reported."""
    copy = tmp_path / "pulse.duckdb"
    shutil.copy(built_db, copy)
    select = ["test", "--select", "int_events,test_name:reconciles_with_raw"]
    before = dbt(select, copy, raw_dir)
    assert before.returncode == 0, before.stdout[-2000:]
    assert "1 of 1 PASS reconciles_with_raw_int_events" in before.stdout, before.stdout[-2000:]
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "insert into raw.events (event_id, occurred_at, visitor_id, event_type, _source_file) "
            "values ('lost-1', 'not a time', 'nobody', 'track', 'injected')"
        )
    finally:
        con.close()
    after = dbt(select, copy, raw_dir)
    assert after.returncode != 0
    assert "reconciles_with_raw" in after.stdout


def _write_raw(folder: Path, source: Path, **replace: str) -> None:
    folder.mkdir()
    for file in source.glob("*.csv"):
        shutil.copy(file, folder / file.name)
    for name, text in replace.items():
        (folder / f"{name}.csv").write_text(text)


def test_missing_required_column_is_a_clear_error(dbt, raw_dir, tmp_path):
    raw = tmp_path / "raw"
    _write_raw(raw, raw_dir, features="feature_name,product_area\nReports,reporting\n")
    result = dbt(["run-operation", "land_raw_files"], tmp_path / "x.duckdb", raw)
    assert result.returncode != 0
    assert "has no column 'feature_id'" in result.stdout


def test_missing_raw_file_is_a_clear_error(dbt, raw_dir, tmp_path):
    raw = tmp_path / "raw"
    _write_raw(raw, raw_dir)
    (raw / "visitors.csv").unlink()
    result = dbt(["run-operation", "land_raw_files"], tmp_path / "x.duckdb", raw)
    assert result.returncode != 0
    assert f"Customer Pulse: no raw table 'visitors' in {raw}" in result.stdout


def test_optional_raw_table_may_be_missing(dbt, raw_dir, tmp_path):
    """subscriptions is optional (raw contract): without its file it lands empty, and once
    the file is given the next landing reads it."""
    raw = tmp_path / "raw"
    _write_raw(raw, raw_dir)
    (raw / "subscriptions.csv").unlink()
    db_file = tmp_path / "x.duckdb"
    result = dbt(["run-operation", "land_raw_files"], db_file, raw)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "optional raw table 'subscriptions' is not in" in result.stdout
    shutil.copy(raw_dir / "subscriptions.csv", raw / "subscriptions.csv")
    again = dbt(["run-operation", "land_raw_files"], db_file, raw)
    assert again.returncode == 0, again.stdout[-2000:]
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        landed = con.execute("select count(*) from raw.subscriptions").fetchone()[0]
        files = con.execute(
            "select count(*) from raw._pulse_files where table_name = 'subscriptions'"
        ).fetchone()[0]
    finally:
        con.close()
    lines = (raw_dir / "subscriptions.csv").read_bytes().count(b"\n") - 1
    assert files == 1
    assert 0 < landed <= lines
    # a raw table landed under an older contract (a column added since) is one line, no crash
    con = duckdb.connect(str(db_file))
    try:
        con.execute("alter table raw.features drop column product")
    finally:
        con.close()
    old = dbt(["run-operation", "land_raw_files"], db_file, raw)
    assert old.returncode != 0
    assert (
        "raw table 'features' was landed under an older raw contract (no column product)"
        in old.stdout
    ), old.stdout[-2000:]


def test_columns_are_read_by_header_name(dbt, raw_dir, tmp_path):
    """Any column order, extra columns ignored, optional columns may be absent."""
    raw = tmp_path / "raw"
    _write_raw(
        raw,
        raw_dir,
        features="is_core_event,extra,feature_id\ntrue,x,f_a\n0,y,f_b\n",
    )
    db_file = tmp_path / "x.duckdb"
    result = dbt(["run-operation", "land_raw_files"], db_file, raw)
    assert result.returncode == 0, result.stdout[-2000:]
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        rows = con.execute(
            "select feature_id, feature_name, is_core_event from raw.features order by 1"
        ).fetchall()
        columns = [r[0] for r in con.execute("describe raw.features").fetchall()]
    finally:
        con.close()
    assert rows == [("f_a", None, "true"), ("f_b", None, "0")]
    assert "extra" not in columns
