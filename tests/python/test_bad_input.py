"""Bad input end to end: quarantine, never a crash, never a silent loss; one-line errors.

Every case runs dbt's landing step and the staging models on a tiny generated sample (3
accounts, 10 days) with one kind of damage, and asserts the specific outcome: the rejection
reason and the column at fault, or the one line "Customer Pulse: ..." naming the file. The
raw folders are checked byte for byte before and after: landing only ever reads them.

To keep the module fast, every dbt invocation uses one database path (removed before each
scenario, so the profile does not change and dbt can parse partially) and a private target
and log folder; a scenario whose database is read later is copied away first. The row-level
cases share one raw folder (one build, then one incremental run).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pulse import paths, rawfiles
from pulse.generate import generate

# staging and the checks across tables (visitors, accounts), which the quarantine reads
STAGING_BUILD = [
    "build",
    "--select",
    "staging",
    "intermediate.entities",
    "--exclude-resource-type",
    "unit_test",
    # a data test of a mart that reads a staging model is not buildable without the marts
    "--indirect-selection",
    "cautious",
]
STAGING_RUN = ["run", "--select", "staging", "intermediate.entities"]
EVENT_COLUMNS = [
    "event_id",
    "occurred_at",
    "received_at",
    "visitor_id",
    "account_id",
    "event_type",
    "event_name",
    "feature_id",
    "properties",
]
LONG_PROPERTIES = 3_000_000  # characters: the line is over DuckDB's 2 MB line limit


# --------------------------------------------------------------------------- helpers


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _csv_rows(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _append_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(_csv_rows(rows))


def _copy_sample(sample: Path, dest: Path) -> Path:
    """A raw folder: the sample's CSV files, without the generator's manifest."""
    dest.mkdir(parents=True)
    for file in sorted(sample.glob("*.csv")):
        shutil.copy(file, dest / file.name)
    return dest


def _hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (hidden and '_' files included), by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _pulse_lines(stdout: str) -> list[str]:
    """The "Customer Pulse: ..." error lines (landing progress lines aside)."""
    return [
        line.split("Customer Pulse: ", 1)[1].strip()
        for line in stdout.splitlines()
        if "Customer Pulse: " in line and "Customer Pulse: landing " not in line
    ]


def _query(db_file: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _event(event_id: str, **values: str) -> list[str]:
    row = {
        "event_id": event_id,
        "occurred_at": "2026-03-25T09:00:00Z",
        "received_at": "2026-03-25T09:00:05Z",
        "visitor_id": "vis_000001_001",
        "account_id": "acc_000001",
        "event_type": "track",
        "event_name": "report_exported",
        "feature_id": "",
        "properties": "",
    }
    row.update(values)
    return [row[c] for c in EVENT_COLUMNS]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "generated"
    generate(out, accounts=3, days=10, seed=5, bad_row_rate=0, progress=False)
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    (root / "target").mkdir()
    (root / "logs").mkdir()
    return root


@pytest.fixture(scope="module")
def run(dbt, work):
    """run(args, raw, fresh=True): dbt on the module's database file (removed first when
    fresh); returns (CompletedProcess, database path)."""
    db_file = work / "pulse.duckdb"

    def _run(args: list[str], raw: Path, fresh: bool = True):
        if fresh:
            for leftover in (db_file, Path(f"{db_file}.wal")):
                leftover.unlink(missing_ok=True)
        result = dbt(
            args,
            db_file,
            raw,
            DBT_TARGET_PATH=str(work / "target"),
            DBT_LOG_PATH=str(work / "logs"),
        )
        return result, db_file

    return _run


def _keep(db_file: Path, name: str) -> Path:
    """Copy the database away (same file name: its views name the catalog by it)."""
    copy = db_file.parent / "kept" / name / db_file.name
    copy.parent.mkdir(parents=True)
    shutil.copy(db_file, copy)
    return copy


@pytest.fixture(scope="module")
def bad_rows(sample, work, run) -> dict:
    """One raw folder with every row-level case, built (staging), then a second events file
    run incrementally. Returns the databases after each run, the folder and its hashes."""
    raw = _copy_sample(sample, work / "bad-rows")
    # accounts: negative seats, negative ARR, zeros
    _append_rows(
        raw / "accounts.csv",
        [
            [a, f"{a} Ltd", "", "business", arr, seats, "Retail", "EMEA", "Ann", created, "", ""]
            for a, arr, seats, created in [
                ("acc_neg_seats", "1000", "-1", "2026-03-20T00:00:00Z"),
                ("acc_neg_arr", "-5", "10", "2026-03-20T00:00:00Z"),
                ("acc_zero", "0", "0", "2026-03-20T00:00:00Z"),
            ]
        ],
    )
    # an account line with a byte that is not UTF-8: an unparseable line, not a row
    with open(raw / "accounts.csv", "ab") as handle:
        handle.write(
            b"acc_badbyte,Bad\xffbyte Ltd,,business,1000,10,Retail,EMEA,Ann,"
            b"2026-03-20T00:00:00Z,,\n"
        )
    # a visitor that exists but is quarantined; a visitor of the unparseable account
    _append_rows(
        raw / "visitors.csv",
        [
            ["vis_bad", "acc_000001", "", "user", "not-a-date"],
            ["vis_badbyte", "acc_badbyte", "", "user", "2026-03-20T00:00:00Z"],
        ],
    )
    # an optional table with its header only
    header = (raw / "support_tickets.csv").read_text(encoding="utf-8").splitlines()[0]
    (raw / "support_tickets.csv").write_text(header + "\n", encoding="utf-8")
    # events as a folder of files: day1.csv holds the sample's events and the bad ones
    (raw / "events").mkdir()
    sample_events = (raw / "events.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    (raw / "events.csv").unlink()
    long_line = _event("evt_long", properties="x" * LONG_PROPERTIES)
    extra = [
        _event("evt_future", received_at="9999-12-31T00:00:00Z"),
        _event("evt_ancient", occurred_at="0001-01-01T00:00:00Z"),
        _event("evt_nul", event_name="bad\x00name"),
        # the later delivery comes first in the file
        _event("evt_dup", received_at="2026-03-26T10:00:00Z", event_name="second_payload"),
        _event("evt_dup", received_at="2026-03-25T10:00:00Z", event_name="first_payload"),
        _event("evt_badvisitor", visitor_id="vis_bad"),
        _event("evt_badbyte_visitor", visitor_id="vis_badbyte", account_id=""),
        # vis_000001_001 belongs to acc_000001
        _event("evt_mismatch", account_id="acc_000002"),
    ]
    day1 = raw / "events" / "day1.csv"
    day1.write_text(
        _csv_text(EVENT_COLUMNS, [long_line]) + sample_events + _csv_rows(extra),
        encoding="utf-8",
    )
    # a file whose second event opens a quote it never closes: the rest of the file is one
    # unparseable record (RFC 4180: a quoted field runs to the closing quote)
    (raw / "events" / "quote.csv").write_text(
        _csv_text(EVENT_COLUMNS, [_event("evt_q1")])
        + 'evt_q2,2026-03-25T09:00:00Z,2026-03-25T09:00:05Z,vis_000001_001,,track,x,,"{\n'
        + _csv_rows([_event("evt_q3")]),
        encoding="utf-8",
    )
    sample_event_ids = [
        r[0] for r in csv.reader(io.StringIO(sample_events)) if r and r[0].startswith("evt_")
    ]
    before_day1 = _hashes(raw)

    day1_result, db_file = run(STAGING_BUILD, raw)
    day1_db = _keep(db_file, "bad-rows-day1") if day1_result.returncode == 0 else None
    after_day1 = _hashes(raw)

    # day 2: normal events in a new CSV file and a Parquet file, plus files to skip
    day2_ids = ["evt_day2_1", "evt_day2_2", "evt_day2_3"]
    (raw / "events" / "day2.csv").write_text(
        _csv_text(
            EVENT_COLUMNS,
            [_event(e, received_at="2026-03-30T12:00:00Z") for e in day2_ids],
        ),
        encoding="utf-8",
    )
    parquet_ids = ["evt_pq_1", "evt_pq_2"]
    part_csv = work / "part-2-source.csv"
    part_csv.write_text(
        _csv_text(
            EVENT_COLUMNS, [_event(e, received_at="2026-03-30T13:00:00Z") for e in parquet_ids]
        ),
    )
    _csv_to_parquet(part_csv, raw / "events" / "part-2.parquet")
    (raw / "events" / "_SUCCESS").write_bytes(b"")
    (raw / "events" / ".part-2.parquet.crc").write_bytes(b"not a crc")
    before_day2 = _hashes(raw)
    day2_result, db_file = run(STAGING_RUN, raw, fresh=False)
    day2_db = _keep(db_file, "bad-rows-day2") if day2_result.returncode == 0 else None
    return {
        "raw": raw,
        "day1": day1_result,
        "day1_db": day1_db,
        "day2": day2_result,
        "day2_db": day2_db,
        "hashes": (before_day1, after_day1, before_day2, _hashes(raw)),
        "sample_event_ids": sample_event_ids,
        "day2_ids": day2_ids + parquet_ids,
    }


def _csv_to_parquet(source: Path, target: Path) -> None:
    """A CSV file as Parquet, every column VARCHAR (an empty CSV table keeps its columns)."""
    names = rawfiles.csv_header(source)
    columns = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
    con = duckdb.connect()
    try:
        con.execute(
            f"copy (select * from read_csv('{source}', header = true, auto_detect = false, "
            f"delim = ',', quote = '\"', escape = '\"', columns = {{{columns}}})) "
            f"to '{target}' (format parquet)"
        )
    finally:
        con.close()


def _day1_db(bad_rows: dict) -> Path:
    result = bad_rows["day1"]
    assert result.returncode == 0, result.stdout[-3000:]
    return bad_rows["day1_db"]


def _rejected(db_file: Path, table: str, key: str, value: str) -> list[tuple]:
    return _query(
        db_file,
        f"select rejection_reason, rejection_detail from staging.stg_{table}_rejected "
        f"where {key} = '{value}'",
    )


# --------------------------------------------------------------------------- 1. long line


def test_line_over_2mb_is_an_unparseable_line_not_a_failed_build(bad_rows):
    db_file = _day1_db(bad_rows)
    rows = _query(
        db_file,
        "select _source_file, source_line_number, raw_line "
        "from staging.stg_product__events_rejected where rejection_reason = 'unparseable_line' "
        "and _source_file like '%day1.csv'",
    )
    day1 = bad_rows["raw"] / "events" / "day1.csv"
    assert len(rows) == 1, rows
    source_file, line_number, raw_line = rows[0]
    assert Path(source_file) == day1
    assert line_number == 2  # the first data line (the header is record 1)
    assert raw_line.startswith("evt_long,2026-03-25T09:00:00Z,")  # kept (maybe shortened)
    # every other event of the file is staged
    staged = {r[0] for r in _query(db_file, "select event_id from intermediate.int_events")}
    assert set(bad_rows["sample_event_ids"]) <= staged
    assert "evt_long" not in staged


# --------------------------------------------------------------------------- 2. timestamps


def test_implausible_timestamps_are_quarantined(bad_rows):
    db_file = _day1_db(bad_rows)
    events = "product__events"
    assert _rejected(db_file, events, "event_id", "evt_future") == [
        ("implausible_timestamp", "received_at")
    ]
    assert _rejected(db_file, events, "event_id", "evt_ancient") == [
        ("implausible_timestamp", "occurred_at")
    ]


def test_a_far_future_received_at_does_not_stop_later_events(bad_rows):
    result = bad_rows["day2"]
    assert result.returncode == 0, result.stdout[-3000:]
    db_file = bad_rows["day2_db"]
    staged = {r[0] for r in _query(db_file, "select event_id from intermediate.int_events")}
    assert set(bad_rows["day2_ids"]) <= staged
    assert "evt_future" not in staged
    # the day-2 run was incremental: day1.csv was not landed again
    landed = _query(
        db_file,
        "select count(*), count(distinct load_id) from raw._pulse_files "
        "where table_name = 'events'",
    )
    assert landed == [(4, 2)]  # day1.csv and quote.csv, then day2.csv and part-2.parquet
    assert _query(db_file, "select count(*) from raw.events where event_id = 'evt_future'") == [
        (1,)
    ]


# --------------------------------------------------------------------------- 3. negatives


def test_negative_seats_and_arr_are_invalid_values_zero_is_accepted(bad_rows):
    db_file = _day1_db(bad_rows)
    assert _rejected(db_file, "product__accounts", "account_id", "acc_neg_seats") == [
        ("invalid_value", "seats_purchased")
    ]
    assert _rejected(db_file, "product__accounts", "account_id", "acc_neg_arr") == [
        ("invalid_value", "arr_usd")
    ]
    assert _rejected(db_file, "product__accounts", "account_id", "acc_zero") == []
    staged = _query(
        db_file,
        "select account_id from staging.stg_product__accounts "
        "where account_id in ('acc_zero', 'acc_neg_seats', 'acc_neg_arr')",
    )
    assert staged == [("acc_zero",)]


# --------------------------------------------------------------------------- 6. NUL


def test_nul_character_in_text_is_an_invalid_value(bad_rows):
    db_file = _day1_db(bad_rows)
    assert _rejected(db_file, "product__events", "event_id", "evt_nul") == [
        ("invalid_value", "event_name")
    ]
    assert _query(
        db_file, "select count(*) from intermediate.int_events where event_id = 'evt_nul'"
    ) == [(0,)]


# --------------------------------------------------------------------------- 7. redelivery


def test_conflicting_redelivery_keeps_the_earliest_and_both_payloads(bad_rows):
    db_file = _day1_db(bad_rows)
    staged = _query(
        db_file,
        "select event_name, strftime(received_at, '%Y-%m-%d %H:%M') "
        "from intermediate.int_events where event_id = 'evt_dup'",
    )
    assert staged == [("first_payload", "2026-03-25 10:00")]
    duplicates = _query(
        db_file,
        "select duplicate_reason, event_name, staged_event_name "
        "from staging.stg_product__events_duplicates where event_id = 'evt_dup'",
    )
    assert duplicates == [("conflicting_redelivery", "second_payload", "first_payload")]


# --------------------------------------------------------------------------- 8. references


def test_event_of_a_quarantined_visitor_references_a_rejected_row(bad_rows):
    db_file = _day1_db(bad_rows)
    assert _rejected(db_file, "product__visitors", "visitor_id", "vis_bad") == [
        ("invalid_timestamp", "created_at")
    ]
    assert _rejected(db_file, "product__events", "event_id", "evt_badvisitor") == [
        ("references_rejected_row", "visitor_id")
    ]


def test_rows_naming_an_unparseable_line_reference_a_rejected_row(bad_rows):
    """The account line with a bad byte is quarantined as a line; its visitor and that
    visitor's event say what happened (not unknown_account / unknown_visitor)."""
    db_file = _day1_db(bad_rows)
    lines = _query(
        db_file,
        "select rejection_detail, raw_line from staging.stg_product__accounts_rejected "
        "where rejection_reason = 'unparseable_line'",
    )
    assert [detail for detail, line in lines if line.startswith("acc_badbyte,")] == [
        "INVALID ENCODING"
    ]
    assert _rejected(db_file, "product__visitors", "visitor_id", "vis_badbyte") == [
        ("references_rejected_row", "account_id")
    ]
    assert _rejected(db_file, "product__events", "event_id", "evt_badbyte_visitor") == [
        ("references_rejected_row", "visitor_id")
    ]


def test_event_of_another_account_than_its_visitors_is_a_mismatch(bad_rows):
    db_file = _day1_db(bad_rows)
    assert _query(
        db_file,
        "select account_id from intermediate.int_visitors where visitor_id = 'vis_000001_001'",
    ) == [("acc_000001",)]
    assert _rejected(db_file, "product__events", "event_id", "evt_mismatch") == [
        ("account_mismatch", "account_id")
    ]
    staged = _query(
        db_file,
        "select count(*) from intermediate.int_events where event_id = 'evt_mismatch'",
    )
    assert staged == [(0,)]


def test_unclosed_quote_quarantines_the_rest_of_its_file_as_one_record(bad_rows):
    """The record that opens the quote, with every line it swallowed, is one quarantined
    record at its own line number; the rows before it are staged."""
    db_file = _day1_db(bad_rows)
    rows = _query(
        db_file,
        "select source_line_number, raw_line from staging.stg_product__events_rejected "
        "where _source_file like '%quote.csv'",
    )
    assert len(rows) == 1, rows
    line_number, raw_line = rows[0]
    assert line_number == 3  # header, evt_q1, then evt_q2
    assert raw_line.startswith("evt_q2,2026-03-25T09:00:00Z,")
    assert "evt_q3," in raw_line  # the swallowed line is in the quarantine, not lost
    staged = {r[0] for r in _query(db_file, "select event_id from intermediate.int_events")}
    assert "evt_q1" in staged
    assert not {"evt_q2", "evt_q3"} & staged


def test_bad_rows_folder_is_only_read(bad_rows):
    before_day1, after_day1, before_day2, after_day2 = bad_rows["hashes"]
    assert after_day1 == before_day1
    assert after_day2 == before_day2


# --------------------------------------------------------------------------- 4, 5. whole files


def _fails_naming(run, raw: Path, expected: str, path: Path | None = None) -> None:
    before = _hashes(raw) if raw.exists() else None
    result, _ = run(STAGING_RUN, raw)
    assert result.returncode != 0
    lines = _pulse_lines(result.stdout)
    assert lines, result.stdout[-3000:]
    assert any(expected in line for line in lines), lines
    if path is not None:
        assert any(str(path) in line for line in lines if expected in line), lines
    if before is not None:
        assert _hashes(raw) == before, "the raw folder was modified"


def test_header_naming_a_column_twice_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "twice-header")
    events = raw / "events.csv"
    header, rest = events.read_text(encoding="utf-8").split("\n", 1)
    assert header.split(",").count("event_type") == 1
    events.write_text(header.replace("event_name", "event_type") + "\n" + rest, encoding="utf-8")
    _fails_naming(
        run,
        raw,
        f"{events}: the header names column 'event_type' twice",
    )


def test_header_only_events_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "no-events")
    events = raw / "events.csv"
    events.write_text(events.read_text(encoding="utf-8").split("\n", 1)[0] + "\n")
    _fails_naming(run, raw, "raw table 'events' has no rows (", events)


def test_header_only_accounts_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "no-accounts")
    accounts = raw / "accounts.csv"
    accounts.write_text(accounts.read_text(encoding="utf-8").split("\n", 1)[0] + "\n")
    _fails_naming(run, raw, "raw table 'accounts' has no rows (", accounts)


def test_empty_file_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "empty-file")
    tickets = raw / "support_tickets.csv"
    tickets.write_bytes(b"")
    _fails_naming(run, raw, f"{tickets} is empty")


def test_header_only_optional_table_builds(bad_rows):
    """support_tickets (optional) is header-only in the bad-rows folder, which builds."""
    db_file = _day1_db(bad_rows)
    assert (bad_rows["raw"] / "support_tickets.csv").read_text().count("\n") == 1
    assert _query(db_file, "select count(*) from staging.stg_support__tickets") == [(0,)]


# --------------------------------------------------------------------------- 9. layout


def test_missing_raw_folder_is_a_one_line_error(work, run):
    missing = work / "no-such-folder"
    _fails_naming(run, missing, f"raw folder {missing} does not exist")
    assert not missing.exists()


def test_missing_table_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "missing-table")
    (raw / "features.csv").unlink()
    _fails_naming(run, raw, f"no raw table 'features' in {raw}")


def test_table_given_twice_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "given-twice")
    (raw / "renewals").mkdir()
    shutil.copy(raw / "renewals.csv", raw / "renewals" / "part-1.csv")
    _fails_naming(run, raw, "raw table 'renewals' is given twice in", raw)


def test_unknown_file_in_a_table_folder_is_a_one_line_error(sample, work, run):
    raw = _copy_sample(sample, work / "unknown-file")
    (raw / "events").mkdir()
    (raw / "events.csv").rename(raw / "events" / "part-1.csv")
    notes = raw / "events" / "notes.txt"
    notes.write_text("exported by hand\n")
    _fails_naming(run, raw, f"{notes} is neither CSV")


def test_underscore_and_dot_files_in_a_table_folder_are_skipped(bad_rows):
    """The day-2 run of the bad-rows folder had events/_SUCCESS and a '.crc' file."""
    assert (bad_rows["raw"] / "events" / "_SUCCESS").exists()
    result = bad_rows["day2"]
    assert result.returncode == 0, result.stdout[-3000:]
    files = _query(
        bad_rows["day2_db"], "select source_file from raw._pulse_files where table_name = 'events'"
    )
    names = sorted(Path(f[0]).name for f in files)
    assert names == ["day1.csv", "day2.csv", "part-2.parquet", "quote.csv"]


# --------------------------------------------------------------------------- 10. Parquet


def test_parquet_only_raw_folder_builds(sample, work, run):
    raw = work / "parquet-only"
    raw.mkdir()
    for file in sorted(sample.glob("*.csv")):
        _csv_to_parquet(file, raw / f"{file.stem}.parquet")
    before = _hashes(raw)
    result, db_file = run(STAGING_RUN, raw)
    assert result.returncode == 0, result.stdout[-3000:]
    assert _hashes(raw) == before
    formats = _query(db_file, "select distinct file_format from raw._pulse_files")
    assert formats == [("parquet",)]
    raw_events = len(list(csv.DictReader(io.StringIO((sample / "events.csv").read_text("utf-8")))))
    counts = _query(
        db_file,
        "select (select count(*) from raw.events), "
        "(select count(*) from intermediate.int_events), "
        "(select count(*) from staging.stg_product__events_duplicates), "
        "(select count(*) from staging.stg_product__events_rejected)",
    )[0]
    assert counts[0] == raw_events
    assert counts[1] > 0
    assert counts[1] + counts[2] + counts[3] == counts[0]


def test_csv_and_parquet_mixed_in_a_table_folder(bad_rows):
    result = bad_rows["day2"]
    assert result.returncode == 0, result.stdout[-3000:]
    rows = _query(
        bad_rows["day2_db"],
        "select event_id from intermediate.int_events where _source_file like '%.parquet'",
    )
    assert sorted(r[0] for r in rows) == ["evt_pq_1", "evt_pq_2"]


# --------------------------------------------------------------------------- 11. make


def _make(raw: Path, work: Path, name: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        {
            "PULSE_RAW_PATH": str(raw),
            "PULSE_DB_PATH": str(work / name / "pulse.duckdb"),
            # dbt's artefacts away from the shared project folder
            "DBT_TARGET_PATH": str(work / name / "target"),
            "DBT_LOG_PATH": str(work / name / "logs"),
        }
    )
    return subprocess.run(
        ["make", "-C", str(paths.PROJECT_ROOT), "generate", "dbt-build"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_never_writes_to_the_users_folder(sample, work):
    user = _copy_sample(sample, work / "user")
    assert not (user / "_manifest.json").exists()
    before = _hashes(user)
    result = _make(user, work, "make-user")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert _hashes(user) == before  # same files, same bytes, nothing added


def test_make_with_a_missing_raw_folder_fails_naming_it(work):
    missing = work / "user-missing"
    result = _make(missing, work, "make-missing")
    assert result.returncode != 0
    lines = _pulse_lines(result.stdout + result.stderr)
    assert any(f"raw folder {missing} does not exist" in line for line in lines), (
        result.stdout + result.stderr
    )[-3000:]
    assert not missing.exists()
