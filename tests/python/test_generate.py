"""Tests of `pulse generate` (synthetic raw data, README "Your own data") with real, small runs.

The contract columns come from the raw contract YAML (what dbt reads); the dirty-row kinds and
parsing rules are written out here on purpose instead of being imported from
`pulse.generate`, so a wrong generator fails them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from pulse import catalog, contract
from pulse.cli import main
from pulse.errors import PulseError
from pulse.generate import format_timestamps, generate
from pulse.progress import Progress

END = date(2026, 3, 31)

# the raw contract, read from the sources YAML (the data dbt reads), not from the generator
# the optional columns of an aggregated events row: a sample of single events leaves them out
NOT_WRITTEN = {"events": ("num_events", "num_minutes")}
CONTRACT: dict[str, list[str]] = {
    t.name: [c for c in t.columns if c not in NOT_WRITTEN.get(t.name, ())]
    for t in contract.load().values()
}

# How each table is checked: required columns, timestamps, dates, numbers, references.
RULES: dict[str, dict[str, Any]] = {
    "accounts": {
        "required": ["account_id", "created_at"],
        "ts": ["created_at", "churned_at"],
        "dates": ["renewal_date"],
        "numbers": ["arr_usd", "seats_purchased"],
    },
    "visitors": {
        "required": ["visitor_id", "account_id"],
        "ts": ["created_at"],
        "account": True,
    },
    "events": {
        "required": ["event_id", "occurred_at", "visitor_id", "event_type"],
        "ts": ["occurred_at", "received_at"],
        "visitor": True,
        "account": True,
        "order": True,
    },
    "features": {"required": ["feature_id"]},
    "nps_responses": {
        "required": ["response_id", "visitor_id", "score", "responded_at"],
        "ts": ["responded_at"],
        "score": True,
        "visitor": True,
    },
    "poll_responses": {
        "required": ["response_id", "poll_id", "visitor_id", "responded_at"],
        "ts": ["responded_at"],
        "visitor": True,
    },
    "support_tickets": {
        "required": ["ticket_id", "account_id", "opened_at"],
        "ts": ["opened_at", "resolved_at"],
        "account": True,
    },
    "crm_activities": {
        "required": ["activity_id", "account_id", "occurred_at"],
        "ts": ["occurred_at"],
        "account": True,
    },
    "renewals": {
        "required": ["account_id", "renewal_date", "outcome"],
        "dates": ["renewal_date"],
        "numbers": ["arr_before_usd", "arr_after_usd"],
        "account": True,
    },
    "subscriptions": {
        "required": ["subscription_id", "account_id", "product", "started_at"],
        "ts": ["started_at", "ended_at"],
        "numbers": ["seats", "arr_usd"],
        "account": True,
    },
}

EXPECTED_KINDS: dict[str, set[str]] = {
    "accounts": {"missing_required", "invalid_timestamp", "invalid_number", "unparseable_line"},
    "visitors": {"missing_required", "invalid_timestamp", "unknown_account", "unparseable_line"},
    "events": {
        "missing_required",
        "invalid_timestamp",
        "occurred_after_received",
        "unknown_visitor",
        "unknown_account",
        "unparseable_line",
    },
    "features": {"missing_required", "unparseable_line"},
    "nps_responses": {
        "missing_required",
        "invalid_timestamp",
        "invalid_number",
        "score_out_of_range",
        "unknown_visitor",
        "unparseable_line",
    },
    "poll_responses": {
        "missing_required",
        "invalid_timestamp",
        "unknown_visitor",
        "unparseable_line",
    },
    "support_tickets": {
        "missing_required",
        "invalid_timestamp",
        "unknown_account",
        "unparseable_line",
    },
    "crm_activities": {
        "missing_required",
        "invalid_timestamp",
        "unknown_account",
        "unparseable_line",
    },
    "renewals": {
        "missing_required",
        "invalid_timestamp",
        "invalid_number",
        "unknown_account",
        "unparseable_line",
    },
    "subscriptions": {
        "missing_required",
        "invalid_timestamp",
        "invalid_number",
        "unknown_account",
        "unparseable_line",
    },
}

# Same shapes as the staging macros: ISO-8601 (no offset = UTC), plain numbers, integers.
ISO = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?"
    r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
)
NUMBER = r"[+-]?[0-9]{1,15}([.][0-9]{1,6})?"
INTEGER = r"[+-]?[0-9]{1,9}([.]0+)?"


def ts(expr: str) -> str:
    return (
        f"(case when regexp_full_match({expr}, '{ISO}') then case "
        f"when regexp_matches({expr}, '[0-9](Z|z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$') "
        f"then timezone('UTC', try_cast({expr} as timestamptz)) "
        f"else try_cast({expr} as timestamp) end end)"
    )


def reader(path: Path, table: str) -> str:
    if path.suffix == ".parquet":
        return f"read_parquet('{path}')"
    return (
        f"read_csv('{path}', header = true, all_varchar = true, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, store_rejects = true, "
        f"rejects_table = 'rej_{table}', rejects_scan = 'scan_{table}')"
    )


def load(out: Path, manifest: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """All ten tables into DuckDB (as text), plus the rejected CSV lines per table."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for table, info in manifest["tables"].items():
        # fetchall(): the rejects tables exist only once the scan has finished
        con.execute(f"create table {table} as select * from {reader(out / info['file'], table)}")
        con.execute(f"select count(*) from {table}").fetchall()
    return con


def run(out: Path, **kwargs: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "accounts": 40,
        "days": 120,
        "seed": 11,
        "fmt": "csv",
        "bad_row_rate": 0.02,
        "end_date": END,
        "events": None,
        "progress": False,
    }
    args.update(kwargs)
    return generate(out_dir=out, **args)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def csv_header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8-sig").rstrip("\r\n")
    return first.split(",")


def problems(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, int]]:
    """(reason, count) for the rows of `table` with a problem; fails on rows with two."""
    rule = RULES[table]
    flags: dict[str, str] = {}
    flags["missing_required"] = " or ".join(
        f"nullif(trim({c}), '') is null" for c in rule["required"]
    )
    bad_ts = [f"({c} is not null and {ts(c)} is null)" for c in rule.get("ts", [])]
    bad_ts += [
        f"({c} is not null and not coalesce(regexp_full_match({c}, '[0-9]{{4}}-[0-9]{{2}}-"
        f"[0-9]{{2}}') and try_cast({c} as date) is not null, false))"
        for c in rule.get("dates", [])
    ]
    if bad_ts:
        flags["invalid_timestamp"] = " or ".join(bad_ts)
    numbers = [
        f"({c} is not null and not regexp_full_match({c}, '{NUMBER}'))"
        for c in rule.get("numbers", [])
    ]
    if rule.get("score"):
        numbers.append(f"(score is not null and not regexp_full_match(score, '{INTEGER}'))")
        flags["score_out_of_range"] = (
            f"(regexp_full_match(score, '{INTEGER}') and "
            f"try_cast(try_cast(score as decimal(12, 2)) as integer) not between 0 and 10)"
        )
    if numbers:
        flags["invalid_number"] = " or ".join(numbers)
    if rule.get("order"):
        flags["occurred_after_received"] = (
            f"({ts('occurred_at')} > {ts('received_at')} + interval 1 day)"
        )
    if rule.get("visitor"):
        flags["unknown_visitor"] = (
            "(visitor_id is not null and not exists "
            "(select 1 from visitors v where v.visitor_id = t.visitor_id))"
        )
    if rule.get("account"):
        flags["unknown_account"] = (
            "(t.account_id is not null and not exists "
            "(select 1 from accounts a where a.account_id = t.account_id))"
        )
    cols = ", ".join(f'coalesce({expr}, false)::int as "{name}"' for name, expr in flags.items())
    con.execute(f"create or replace temp table flags_{table} as select t.*, {cols} from {table} t")
    total = " + ".join(f'"{name}"' for name in flags)
    double = con.execute(f"select count(*) from flags_{table} where {total} > 1").fetchone()
    assert double is not None and double[0] == 0, f"{table}: rows with more than one problem"
    return [
        (name, n)
        for name in flags
        if (n := con.execute(f'select sum("{name}") from flags_{table}').fetchone()[0] or 0)
    ]


# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("dirty")
    return out, run(out)


@pytest.fixture(scope="module")
def dirty_con(dirty: tuple[Path, dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    out, manifest = dirty
    return load(out, manifest)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("clean")
    return out, run(out, accounts=24, days=90, seed=4, bad_row_rate=0.0)


# ---------------------------------------------------------------------------------------------
def test_same_arguments_give_identical_csv_files(
    dirty: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, manifest = dirty
    again = run(tmp_path / "again")
    assert again == manifest
    first, second = digests(out), digests(tmp_path / "again")
    assert len(first) == 11  # ten tables + manifest
    assert first == second


def test_same_arguments_give_identical_parquet_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        run(tmp_path / name, accounts=12, days=60, fmt="parquet")
    first, second = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert sorted(first) == sorted(["_manifest.json", *(f"{t}.parquet" for t in CONTRACT)])
    assert first == second


def test_same_bytes_from_another_process(tmp_path: Path) -> None:
    run(tmp_path / "here", accounts=6, days=30, seed=5)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    cmd = [sys.executable, "-m", "pulse.cli", "generate", "--out", str(tmp_path / "there")]
    cmd += ["--accounts", "6", "--days", "30", "--seed", "5", "--bad-row-rate", "0.02"]
    subprocess.run([*cmd, "--quiet"], check=True, env=env, capture_output=True, timeout=120)
    assert digests(tmp_path / "here") == digests(tmp_path / "there")


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    run(tmp_path / "a", accounts=6, days=30, seed=1)
    run(tmp_path / "b", accounts=6, days=30, seed=2)
    assert digests(tmp_path / "a")["events.csv"] != digests(tmp_path / "b")["events.csv"]


def test_csv_headers_match_the_contract(dirty: tuple[Path, dict[str, Any]]) -> None:
    out, _ = dirty
    for table, columns in CONTRACT.items():
        header = csv_header(out / f"{table}.csv")
        assert len(header) == len(set(header)), table
        if table == "visitors":
            assert set(columns) <= set(header)
            assert len(set(header) - set(columns)) == 1  # one unknown extra column
            assert header[: len(columns)] != columns  # another column order
        else:
            assert header == columns, table


def test_parquet_columns_are_strings(tmp_path: Path) -> None:
    run(tmp_path, accounts=6, days=30, fmt="parquet")
    for table, columns in CONTRACT.items():
        schema = pq.read_schema(tmp_path / f"{table}.parquet")
        assert set(columns) <= set(schema.names), table
        assert all(str(field.type) == "string" for field in schema), table


def test_manifest_arithmetic_and_shape(dirty: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = dirty
    on_disk = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    text = (out / "_manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert manifest["generator_version"] == 1
    assert manifest["accounts"] == 40 and manifest["days"] == 120 and manifest["seed"] == 11
    assert manifest["end_date"] == "2026-03-31" and manifest["format"] == "csv"
    assert manifest["bad_row_rate"] == 0.02
    assert set(manifest["tables"]) == set(CONTRACT)
    for table, info in manifest["tables"].items():
        assert info["file"] == f"{table}.csv"
        bad = sum(info["bad_rows"].values())
        assert info["rows_written"] == info["clean_rows"] + info["duplicate_rows"] + bad, table
        assert info["clean_rows"] > 0, table
    assert manifest["tables"]["features"]["clean_rows"] == 25
    assert manifest["tables"]["accounts"]["clean_rows"] == 40


def test_every_bad_row_kind_is_present(dirty: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = dirty
    for table, kinds in EXPECTED_KINDS.items():
        info = manifest["tables"][table]
        assert set(info["bad_rows"]) == kinds, table
        assert all(n >= 1 for n in info["bad_rows"].values()), table
        counts = set(info["bad_rows"].values())
        assert len(counts) == 1, f"{table}: every kind gets the same number of rows"
        expected = max(1, round(0.02 * info["clean_rows"] / len(kinds)))
        assert counts == {expected}, table
    events = manifest["tables"]["events"]
    assert events["duplicate_rows"] == max(1, round(0.02 * events["clean_rows"]))
    assert 0.005 * events["clean_rows"] < events["late_rows"] < 0.02 * events["clean_rows"]
    for table in CONTRACT:
        if table != "events":
            assert manifest["tables"][table]["duplicate_rows"] == 0
            assert manifest["tables"][table]["late_rows"] == 0


def test_csv_records_and_rejected_lines_match_manifest(
    dirty: tuple[Path, dict[str, Any]], dirty_con: duckdb.DuckDBPyConnection
) -> None:
    _, manifest = dirty
    kinds_seen: Counter[str] = Counter()
    for table, info in manifest["tables"].items():
        unparseable = info["bad_rows"]["unparseable_line"]
        rows = dirty_con.execute(f"select count(*) from {table}").fetchone()[0]
        assert rows == info["rows_written"] - unparseable, table
        rejected = dirty_con.execute(
            f"select count(distinct line), string_agg(distinct error_type::varchar, ',') "
            f"from rej_{table}"
        ).fetchone()
        assert rejected[0] == unparseable, table
        kinds_seen.update(rejected[1].split(","))
        # each broken line is one physical line
        multi = dirty_con.execute(
            f"select count(*) from rej_{table} "
            "where contains(trim(csv_line, chr(10) || chr(13)), chr(10))"
        ).fetchone()[0]
        assert multi == 0, table
    # the three kinds of broken lines all occur
    assert {"TOO MANY COLUMNS", "MISSING COLUMNS", "INVALID ENCODING"} <= set(kinds_seen)


def test_dirty_rows_have_exactly_the_manifest_problems(
    dirty: tuple[Path, dict[str, Any]], dirty_con: duckdb.DuckDBPyConnection
) -> None:
    _, manifest = dirty
    for table, info in manifest["tables"].items():
        found = dict(problems(dirty_con, table))
        expected = {k: v for k, v in info["bad_rows"].items() if k != "unparseable_line"}
        assert found == expected, table


def test_event_duplicates_and_late_rows_match_manifest(
    dirty: tuple[Path, dict[str, Any]], dirty_con: duckdb.DuckDBPyConnection
) -> None:
    _, manifest = dirty
    info = manifest["tables"]["events"]
    problems(dirty_con, "events")  # fills flags_events
    con = dirty_con
    con.execute(
        "create or replace temp table good as select *, "
        f"{ts('occurred_at')} as occ, coalesce({ts('received_at')}, {ts('occurred_at')}) as rec "
        "from flags_events where missing_required + invalid_timestamp "
        "+ occurred_after_received + unknown_visitor + unknown_account = 0"
    )
    total, distinct = con.execute("select count(*), count(distinct event_id) from good").fetchone()
    assert distinct == info["clean_rows"]
    assert total - distinct == info["duplicate_rows"]
    # re-deliveries: same content except (sometimes) a later received_at
    changed = con.execute(
        "select count(*) from (select event_id, count(distinct (occurred_at, visitor_id, "
        "event_type, event_name, feature_id, properties, account_id)) n from good "
        "group by 1 having count(*) > 1) where n > 1"
    ).fetchone()[0]
    assert changed == 0
    identical = con.execute(
        "select count(*) - count(distinct (event_id, occurred_at, received_at)) from good"
    ).fetchone()[0]
    assert 0 < identical < info["duplicate_rows"]  # some byte-identical, some later
    late = con.execute(
        "select count(*) from (select event_id, min(occ) occ, min(rec) rec from good group by 1) "
        "where rec >= occ + interval 2 day"
    ).fetchone()[0]
    assert late == info["late_rows"]
    assert con.execute("select count(*) from good where rec < occ").fetchone()[0] == 0


def test_reader_edge_cases_are_exercised(
    dirty: tuple[Path, dict[str, Any]], dirty_con: duckdb.DuckDBPyConnection
) -> None:
    out, _ = dirty
    nps = (out / "nps_responses.csv").read_bytes()
    assert nps.startswith(b"\xef\xbb\xbf")
    assert nps.count(b"\r\n") >= nps.count(b"\n") - 1  # CRLF line ends (one multi-line field)
    accounts = (out / "accounts.csv").read_bytes()
    assert accounts.count(b"\r\n") == accounts.count(b"\n")
    assert not (out / "events.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    tricky = "select count(*) from {t} where {c} like '%,%' and {c} like '%\"%' and {c} like '%\n%'"
    assert dirty_con.execute(tricky.format(t="events", c="properties")).fetchone()[0] >= 1
    assert dirty_con.execute(tricky.format(t="nps_responses", c="comment")).fetchone()[0] >= 1
    # properties are JSON text
    bad_json = dirty_con.execute(
        "select count(*) from events where properties is not null "
        "and try_cast(properties as json) is null"
    ).fetchone()[0]
    assert bad_json == 0


def test_timestamps_use_several_representations(
    dirty_con: duckdb.DuckDBPyConnection,
) -> None:
    shapes = dict(
        dirty_con.execute(
            "select case when occurred_at like '%Z' then 'Z' "
            "when regexp_matches(occurred_at, '[.][0-9]{3}[+-][0-9]{2}:[0-9]{2}$') then 'ms' "
            "when regexp_matches(occurred_at, '[+-][0-9]{2}:[0-9]{2}$') then 'offset' "
            "when regexp_full_match(occurred_at, '[0-9-]{10} [0-9:]{8}') then 'naive' "
            "else 'other' end, count(*) from events group by 1"
        ).fetchall()
    )
    assert {"Z", "ms", "offset", "naive"} <= set(shapes)
    assert shapes.get("other", 0) <= shapes["Z"] // 10  # only dirty rows / nulls
    offsets = {
        r[0]
        for r in dirty_con.execute(
            "select distinct regexp_extract(occurred_at, '([+-][0-9]{2}:[0-9]{2})$', 1) from events"
        ).fetchall()
    }
    assert {"+09:00", "+05:30", "-05:00", "-08:00", "+01:00"} <= offsets


def test_format_timestamps_writes_correct_instants() -> None:
    t = int((date(2026, 3, 1) - date(1970, 1, 1)).days) * 86_400 + 10 * 3600 + 15 * 60
    secs = np.array([t] * 6)
    style = np.array([0, 1, 1, 1, 2, 3])
    offset = np.array([0, 0, 2, 1, 5, 0])  # +09:00, -05:00, +05:30, +00:00
    ms = np.array([0, 0, 0, 0, 123, 0])
    got = format_timestamps(secs, style, offset, ms).to_pylist()
    assert got == [
        "2026-03-01T10:15:00Z",
        "2026-03-01T19:15:00+09:00",
        "2026-03-01T05:15:00-05:00",
        "2026-03-01T15:45:00+05:30",
        "2026-03-01T10:15:00.123+00:00",
        "2026-03-01 10:15:00",
    ]
    valid = np.array([True, False, True, True, True, True])
    assert format_timestamps(secs, style, offset, ms, valid).to_pylist()[1] is None


def test_data_carries_signal(
    dirty: tuple[Path, dict[str, Any]], dirty_con: duckdb.DuckDBPyConnection
) -> None:
    con = dirty_con
    # features: 25, five areas, exactly five core (booleans in mixed spellings)
    feats = con.execute(
        "select count(*), count(distinct product_area), "
        "sum((lower(is_core_event) in ('true', '1'))::int), "
        "count(distinct is_core_event) from features where feature_id is not null "
        "and feature_id not like 'legacy%'"
    ).fetchone()
    assert feats[:3] == (25, 5, 5) and feats[3] >= 4
    assert {r[0] for r in con.execute("select distinct feature_id from features").fetchall()} >= {
        f.feature_id for f in catalog.FEATURES
    }
    # no event after an account churned; some accounts churned
    churned = con.execute("select count(*) from accounts where churned_at is not null").fetchone()
    assert churned[0] >= 1
    after = con.execute(
        f"select count(*) from events e join visitors v using (visitor_id) "
        f"join accounts a on a.account_id = v.account_id "
        f"where a.churned_at is not null and {ts('e.occurred_at')} >= {ts('a.churned_at')}"
    ).fetchone()[0]
    assert after == 0
    # weekdays are busier than weekends
    per_day = dict(
        con.execute(
            f"select isodow({ts('occurred_at')}) >= 6, count(*) from events "
            f"where {ts('occurred_at')} is not null group by 1"
        ).fetchall()
    )
    assert per_day[False] / 5 > 3 * per_day[True] / 2
    # all event types, plus some unknown ones
    types = {r[0] for r in con.execute("select distinct event_type from events").fetchall()}
    assert set(catalog.EVENT_TYPES) <= types
    assert types & set(catalog.UNKNOWN_EVENT_TYPES)
    # setup steps and value events from the catalogue
    names = {r[0] for r in con.execute("select distinct event_name from events").fetchall()}
    assert {s.event_name for s in catalog.SETUP_STEPS} <= names
    assert set(catalog.VALUE_EVENTS) <= names
    # spreadsheet-injection names, case-variant plan tiers, parents that exist
    starts = {
        r[0] for r in con.execute("select distinct left(account_name, 1) from accounts").fetchall()
    }
    assert {"=", "+", "-", "@"} <= starts
    tiers = {r[0] for r in con.execute("select distinct plan_tier from accounts").fetchall()}
    assert len(tiers) > len({t.strip().lower() for t in tiers if t})
    orphans = con.execute(
        "select count(*) from accounts a where parent_account_id is not null and not exists "
        "(select 1 from accounts p where p.account_id = a.parent_account_id)"
    ).fetchone()[0]
    assert orphans == 0
    # renewals: churned means nothing after
    bad_churn = con.execute(
        "select count(*) from renewals where outcome = 'churned' and arr_after_usd not in ('0')"
    ).fetchone()[0]
    assert bad_churn == 0
    # NPS: usage and score go together (visitors with more events score higher on average)
    corr = con.execute(
        "with u as (select visitor_id, count(*) n from events group by 1) "
        "select corr(ln(n), try_cast(score as double)) from nps_responses "
        "join u using (visitor_id) where try_cast(score as int) between 0 and 10"
    ).fetchone()[0]
    assert corr > 0.2


def test_accounts_go_through_the_customer_journey(
    dirty_con: duckdb.DuckDBPyConnection,
) -> None:
    """Milestone signal (README "Definitions": Customer milestones): onboarding in the data,
    value events per seat that separate accounts, product areas adopted to different depths."""
    con = dirty_con
    con.execute(
        "create or replace temp table journey_events as select distinct on (e.event_id) "
        f"{ts('e.occurred_at')} as occ, coalesce(e.account_id, v.account_id) as account_id, "
        "e.event_type, e.event_name, e.feature_id from events e "
        "join visitors v using (visitor_id) join accounts a "
        "on a.account_id = coalesce(e.account_id, v.account_id) "
        f"where {ts('e.occurred_at')} is not null"
    )
    steps = ", ".join(f"('{s.event_name}', {s.step_number})" for s in catalog.SETUP_STEPS)
    setup = con.execute(
        f"with steps(event_name, step) as (values {steps}), "
        "done as (select account_id, step, min(occ) as occ from journey_events "
        "join steps using (event_name) where event_type = 'track' group by 1, 2), "
        "per_account as (select account_id, count(*) as n, "
        "bool_and(occ >= coalesce(before, occ)) as in_order from (select *, lag(occ) over "
        "(partition by account_id order by step) as before from done) group by 1) "
        "select count(*), count(*) filter (where n = 7), count(*) filter (where not in_order), "
        "(select count(*) from accounts where account_id like 'acc_0%') from per_account"
    ).fetchone()
    onboarded, complete, out_of_order, accounts = setup
    # most accounts were created inside the span: their setup is in the data, in step order;
    # most finish it, some do not
    assert 0.6 * accounts <= onboarded <= 0.9 * accounts
    assert 0.5 * onboarded <= complete < onboarded
    assert out_of_order == 0
    # value events per seat in the last complete month: engaged accounts reach 4, others not
    values = ", ".join(f"'{name}'" for name in catalog.VALUE_EVENTS)
    month_end = END.replace(day=1)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    per_seat = con.execute(
        "select count(*) filter (where n >= 4), count(*) filter (where n > 0 and n < 4) from "
        "(select account_id, count(*) / any_value(greatest(coalesce(try_cast(try_cast("
        "seats_purchased as double) as int), 0), 1)) as n from journey_events "
        "join accounts using (account_id) "
        f"where event_type = 'track' and event_name in ({values}) "
        f"and occ >= '{month_start}' and occ < '{month_end}' group by 1)"
    ).fetchone()
    assert per_seat[0] >= 3 and per_seat[1] >= 3
    # product areas: some accounts use >= 3 features in >= 3 areas, others stay basic
    mature = dict(
        con.execute(
            "select least(n_mature, 3), count(*) from (select account_id, "
            "count(*) filter (where n >= 3) as n_mature from (select account_id, product_area, "
            "count(distinct feature_id) as n from journey_events join features "
            "using (feature_id) where event_type = 'feature_click' "
            f"and occ >= timestamp '{END}' - interval 89 day group by 1, 2) group by 1) "
            "group by 1"
        ).fetchall()
    )
    assert mature.get(3, 0) >= 3
    assert mature.get(0, 0) + mature.get(1, 0) >= 3


def test_clean_run_has_no_dirt(clean: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = clean
    con = load(out, manifest)
    for table, info in manifest["tables"].items():
        assert info["bad_rows"] == {}, table
        assert info["duplicate_rows"] == 0 and info["late_rows"] == 0, table
        assert info["rows_written"] == info["clean_rows"] > 0, table
        assert con.execute(f"select count(*) from rej_{table}").fetchone()[0] == 0, table
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == info["clean_rows"]
        assert problems(con, table) == [], table
        assert csv_header(out / f"{table}.csv") == CONTRACT[table], table
    ids = con.execute("select count(*) - count(distinct event_id) from events").fetchone()[0]
    assert ids == 0
    late = con.execute(
        f"select count(*) from events where {ts('received_at')} > {ts('occurred_at')} "
        "+ interval 1 hour"
    ).fetchone()[0]
    assert late == 0
    assert not (out / "nps_responses.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_events_target_sets_the_number_of_accounts(tmp_path: Path) -> None:
    manifest = run(tmp_path, events=30_000, days=90, accounts=1)
    written = manifest["tables"]["events"]["rows_written"]
    assert abs(written - 30_000) <= 0.15 * 30_000
    assert manifest["accounts"] > 1


def test_switching_format_removes_the_other_files(tmp_path: Path) -> None:
    run(tmp_path, accounts=4, days=20)
    run(tmp_path, accounts=4, days=20, fmt="parquet")
    names = {p.name for p in tmp_path.iterdir()}
    assert not {f"{t}.csv" for t in CONTRACT} & names
    assert {f"{t}.parquet" for t in CONTRACT} <= names


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_folder_with_other_files_is_refused_byte_for_byte(tmp_path: Path) -> None:
    """A user's folder (their own events.csv, a daily file added to a sample) is never
    written to without --overwrite; with it, only <table>.csv|parquet are replaced."""
    user = tmp_path / "export"
    (user / "events").mkdir(parents=True)
    (user / "events.csv").write_text("event_id,occurred_at\nmine,2026-01-01\n")
    (user / "events" / "2026-04-01.csv").write_text("event_id\nday\n")
    (user / "notes.txt").write_text("keep me\n")
    before = _checksums(user)
    with pytest.raises(PulseError, match="did not write"):
        run(user, accounts=2, days=5)
    assert _checksums(user) == before
    code = main(["generate", "--out", str(user), "--accounts", "2", "--days", "5", "--quiet"])
    assert code == 1 and _checksums(user) == before

    sample = tmp_path / "sample"
    run(sample, accounts=2, days=5)
    (sample / "events").mkdir()
    (sample / "events" / "2026-04-01.csv").write_text("event_id\nappended\n")
    appended = _checksums(sample)
    with pytest.raises(PulseError, match=r"events/2026-04-01\.csv"):
        run(sample, accounts=3, days=5)
    assert _checksums(sample) == appended

    run(user, accounts=2, days=5, overwrite=True)
    after = _checksums(user)
    assert after["notes.txt"] == before["notes.txt"]
    assert after["events/2026-04-01.csv"] == before["events/2026-04-01.csv"]
    assert after["events.csv"] != before["events.csv"]


def test_if_missing_only_fills_an_empty_default_sample_folder(tmp_path, monkeypatch, capsys):
    """What make build runs: a user's PULSE_RAW_PATH (CSV only, Parquet only, a typo) is never
    written to; the default sample folder is filled only while it is empty."""
    from pulse import paths

    user = tmp_path / "csv_only"
    user.mkdir()
    (user / "accounts.csv").write_text("account_id,created_at\na,2026-01-01\n")
    before = _checksums(user)
    for raw in (user, tmp_path / "typo"):
        monkeypatch.setenv("PULSE_RAW_PATH", str(raw))
        assert main(["generate", "--if-missing", "--quiet"]) == 0
    assert _checksums(user) == before
    assert not (tmp_path / "typo").exists()

    sample = tmp_path / "data" / "raw"
    monkeypatch.setattr(paths, "sample_path", lambda: sample)
    monkeypatch.setenv("PULSE_RAW_PATH", str(sample))
    assert main(["generate", "--if-missing", "--accounts", "2", "--days", "5", "--quiet"]) == 0
    assert (sample / "events.csv").is_file()
    (sample / "events.csv").rename(sample / "events_moved.csv")
    kept = _checksums(sample)
    assert main(["generate", "--if-missing", "--quiet"]) == 0
    assert "raw data found" in capsys.readouterr().out
    assert _checksums(sample) == kept


def test_unwritable_output_is_a_pulse_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PulseError):
        run(blocker, accounts=2, days=5)
    with pytest.raises(PulseError):
        run(blocker / "sub", accounts=2, days=5)
    with pytest.raises(PulseError):
        run(tmp_path / "ok", accounts=2, days=5, fmt="xml")


def test_cli_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "raw"
    code = main(["generate", "--out", str(out), "--accounts", "5", "--days", "30", "--quiet"])
    assert code == 0
    assert "events" in capsys.readouterr().out
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["accounts"] == 5 and manifest["format"] == "csv"
    for table in CONTRACT:
        assert (out / f"{table}.csv").is_file()
    # a user error: one line on stderr, exit code 1, no traceback
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert main(["generate", "--out", str(blocker), "--accounts", "2", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pulse generate: error:") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--accounts", "0"],
        ["--days", "-3"],
        ["--format", "xml"],
        ["--bad-row-rate", "0.9"],
        ["--end-date", "31/03/2026"],
        ["--events", "lots"],
    ],
)
def test_cli_rejects_bad_arguments(args: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--out", str(tmp_path), *args])
    assert exc.value.code == 2


def test_progress_reports_without_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(total=1000, label="events", stream=stream) as bar:
        for _ in range(100):
            bar.update(10)
    lines = stream.getvalue().splitlines()
    assert 2 <= len(lines) <= 11
    assert lines[-1].startswith("events [") and "100.0%" in lines[-1]
    assert "1,000/1,000 rows" in lines[-1] and "rows/s" in lines[-1]
    quiet = io.StringIO()
    with Progress(total=10, label="x", enabled=False, stream=quiet) as bar:
        bar.update(5)
    assert quiet.getvalue() == ""
