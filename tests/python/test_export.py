"""`pulse export` on a copy of the database `make test` built: the quality gate, atomic
versions, spreadsheet-safe CSV, the manifest and the automation triggers."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pulse import export as export_module
from pulse.cli import main
from pulse.errors import PulseError
from pulse.export import csv_value, export, load_profile


@pytest.fixture()
def workdb(built_db: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the test database, and an empty export folder."""
    copy = tmp_path / "pulse.duckdb"
    shutil.copy(built_db, copy)
    monkeypatch.setenv("PULSE_DB_PATH", str(copy))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))
    return copy


def _execute(db_file: Path, sql: str) -> None:
    con = duckdb.connect(str(db_file))
    try:
        con.execute(sql)
    finally:
        con.close()


def _last_invocation(db_file: Path) -> str:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return con.execute(
            "select invocation_id from main.pulse_dbt_runs order by finished_at desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()


def _validated(tmp_path: Path, db_file: Path, success: bool = True, invocation: str = "") -> None:
    quality = tmp_path / "exports" / "quality"
    quality.mkdir(parents=True, exist_ok=True)
    (quality / "validation.json").write_text(
        json.dumps(
            {"success": success, "dbt_invocation_id": invocation or _last_invocation(db_file)}
        )
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_gate_refuses_without_validation(workdb, capsys):
    assert main(["export"]) == 1
    err = capsys.readouterr().err
    assert "export refused" in err and "not been validated" in err
    assert len(err.strip().splitlines()) == 1


def test_gate_refuses_failed_or_stale_validation(workdb, tmp_path):
    _validated(tmp_path, workdb, success=False)
    with pytest.raises(PulseError, match="last validation failed"):
        export()
    _validated(tmp_path, workdb, invocation="an-older-run")
    with pytest.raises(PulseError, match="older dbt run"):
        export()


def test_gate_refuses_marts_older_than_a_failed_run(workdb, tmp_path):
    _validated(tmp_path, workdb)
    _execute(
        workdb,
        "insert into main.pulse_dbt_runs (invocation_id, command, started_at, finished_at, status, "
        "count_models_built, count_models_failed, count_nodes_failed, is_full_refresh) "
        "select 'failed-run', 'build', now()::timestamp, "
        "now()::timestamp + interval 1 hour, 'error', 3, 1, 1, false",
    )
    with pytest.raises(PulseError, match="some marts are older than it"):
        export()
    manifest = export(force=True)
    assert manifest["forced"] is True
    assert any("older than it" in p for p in manifest["gate_problems"])
    on_disk = json.loads((Path(manifest["path"]) / "manifest.json").read_text())
    assert on_disk["forced"] is True


def test_manifest_lists_every_file_with_its_checksum(workdb, tmp_path):
    _validated(tmp_path, workdb)
    manifest = export()
    folder = Path(manifest["path"])
    assert manifest["forced"] is False
    assert manifest["dbt_invocation_id"] == _last_invocation(workdb)
    assert manifest["as_of_date"] == "2026-03-31"
    # the length of the window the ..._in_window columns count
    assert manifest["window_days"] == 30
    assert {entry["window_days"] for entry in manifest["files"]} == {30}
    listed = {f["file"] for f in manifest["files"]}
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert listed == on_disk and len(listed) == len(load_profile("generic").files)
    for entry in manifest["files"]:
        data = (folder / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(_read_csv(folder / entry["file"])) == entry["rows"]
        assert data.startswith(b"\xef\xbb\xbf") is False  # plain UTF-8, header first
        assert b"\r\n" in data  # RFC 4180 line ends


def test_rows_are_in_a_stable_order_and_dates_are_iso(workdb, tmp_path):
    _validated(tmp_path, workdb)
    first = export(select=["weekly_usage"])
    rows = _read_csv(Path(first["path"]) / "weekly_usage.csv")
    keys = [(r["account_id"], r["week_start_date"]) for r in rows]
    assert keys == sorted(keys)
    assert all(len(r["week_start_date"]) == 10 for r in rows)  # YYYY-MM-DD
    second = export(select=["weekly_usage"])
    assert first["files"][0]["sha256"] == second["files"][0]["sha256"]


def test_formula_looking_text_is_neutralised(workdb, tmp_path):
    _validated(tmp_path, workdb)
    evil = {"=HYPERLINK(1)": "acc_000001", "+1+1": "acc_000002", "@SUM(A1)": "acc_000003"}
    for name, account in evil.items():
        _execute(
            workdb,
            f"update marts.fct_account_health set account_name = '{name}' "
            f"where account_id = '{account}'",
        )
    _execute(
        workdb,
        "update marts.fct_account_health set account_name = '-2+3' where account_id = 'acc_000004'",
    )
    manifest = export(select=["account_health"])
    rows = {r["account_id"]: r for r in _read_csv(Path(manifest["path"]) / "account_health.csv")}
    for name, account in evil.items():
        assert rows[account]["account_name"] == "'" + name
    assert rows["acc_000004"]["account_name"] == "'-2+3"
    # numbers stay numbers, negative ones included
    assert csv_value(-12.5) == "-12.5" and csv_value(-3) == "-3"
    assert csv_value("\tx") == "'\tx" and csv_value("\rx") == "'\rx"
    assert csv_value("plain") == "plain"


def test_a_failed_export_leaves_the_previous_one_untouched(workdb, tmp_path, monkeypatch):
    _validated(tmp_path, workdb)
    before = export()
    folder = Path(before["path"])
    snapshot = {p.name: p.read_bytes() for p in folder.iterdir()}
    target_before = folder.resolve()

    calls = {"n": 0}
    real_write = export_module.write_csv

    def failing_write(frame, path, escape="quote"):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_write(frame, path, escape)

    monkeypatch.setattr(export_module, "write_csv", failing_write)
    with pytest.raises(OSError, match="disk full"):
        export()
    assert folder.resolve() == target_before
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == snapshot
    versions = list((tmp_path / "exports" / ".versions").iterdir())
    assert versions == [target_before], "the half-written version is removed"


def _trigger_member(db_file: Path, trigger_type: str, account_id: str, add: bool = True) -> None:
    """Put an account on (or take it off) a trigger list in rpt_trigger_states."""
    if add:
        sql = (
            "insert into marts.rpt_trigger_states (trigger_type, subject_type, subject_id, "
            f"account_id, as_of_date, health_score) select '{trigger_type}', 'account', "
            f"'{account_id}', '{account_id}', as_of_date, 12.5 from marts.dim_report_window"
        )
    else:
        sql = (
            f"delete from marts.rpt_trigger_states where trigger_type = '{trigger_type}' "
            f"and subject_id = '{account_id}'"
        )
    _execute(db_file, sql)


def _not_at_risk(db_file: Path) -> str:
    with duckdb.connect(str(db_file), read_only=True) as con:
        return con.execute(
            "select min(account_id) from marts.dim_accounts where account_id not in "
            "(select account_id from marts.rpt_at_risk_accounts)"
        ).fetchone()[0]


def test_triggers_fire_once_per_change(workdb, tmp_path):
    _validated(tmp_path, workdb)
    folder = tmp_path / "exports" / "triggers"
    first = export(triggers=True)
    assert first["trigger_events"] == 0  # the first export sets the baseline
    assert not list(folder.glob("events-*.csv")) and not (folder / "latest.csv").exists()

    account = _not_at_risk(workdb)
    _trigger_member(workdb, "at_risk_accounts", account)
    second = export(triggers=True)
    assert second["trigger_events"] == 1
    events = _read_csv(folder / "latest.csv")
    assert [(e["event_type"], e["subject_id"], e["account_id"]) for e in events] == [
        ("account_entered_at_risk", account, account)
    ]
    key = hashlib.sha256(f"account_entered_at_risk|{account}||2026-03-31".encode()).hexdigest()
    assert events[0]["event_id"] == key
    assert [_read_csv(p) for p in folder.glob("events-*.csv")] == [events]

    # a rerun with nothing new: no empty events file, latest.csv keeps the last events
    third = export(triggers=True)
    assert third["trigger_events"] == 0
    assert len(list(folder.glob("events-*.csv"))) == 1
    assert _read_csv(folder / "latest.csv") == events

    _trigger_member(workdb, "at_risk_accounts", account, add=False)
    fourth = export(triggers=True)
    assert fourth["trigger_events"] == 1
    assert [(e["event_type"], e["subject_id"]) for e in _read_csv(folder / "latest.csv")] == [
        ("account_left_at_risk", account)
    ]


def test_triggers_are_the_lists_of_rpt_trigger_states(workdb, tmp_path):
    """Every list member, and only they, is in the trigger state (at-risk: the same accounts
    as rpt_at_risk_accounts, churned ones excluded)."""
    _validated(tmp_path, workdb)
    export(triggers=True)
    state = json.loads((tmp_path / "exports" / "triggers" / "state.json").read_text())
    with duckdb.connect(str(workdb), read_only=True) as con:
        at_risk = sorted(
            r[0]
            for r in con.execute("select account_id from marts.rpt_at_risk_accounts").fetchall()
        )
        inactive = sorted(
            r[0]
            for r in con.execute("select visitor_id from marts.rpt_inactive_visitors").fetchall()
        )
        churned = {
            r[0]
            for r in con.execute(
                "select account_id from marts.dim_accounts where is_churned"
            ).fetchall()
        }
    assert sorted(a for a, _ in state["members"]["at_risk_accounts"]) == at_risk
    assert not churned & set(at_risk)
    assert sorted(v for _, v in state["members"]["inactive_visitors"]) == inactive


def test_a_state_file_of_the_older_format_is_still_the_baseline(workdb, tmp_path):
    _validated(tmp_path, workdb)
    export(triggers=True)
    state_file = tmp_path / "exports" / "triggers" / "state.json"
    members = json.loads(state_file.read_text())["members"]
    old = {key: sorted(v if v is not None else a for a, v in rows) for key, rows in members.items()}
    state_file.write_text(json.dumps({"state": old}))
    assert export(triggers=True)["trigger_events"] == 0


def test_a_partial_export_keeps_the_other_files_of_the_profile(workdb, tmp_path):
    _validated(tmp_path, workdb)
    full = export()
    folder = Path(full["path"])
    before = {f["file"]: f for f in full["files"]}
    old_version = folder.resolve()

    partial = export(select=["account_health"], fmt="parquet")
    assert Path(partial["path"]) == folder and folder.resolve() != old_version
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert on_disk == set(before) | {"account_health.parquet"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["file"] for f in manifest["files"]} == on_disk
    for entry in manifest["files"]:
        assert hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
        assert entry.get("carried_over", False) is (entry["file"] != "account_health.parquet")
    # the CSV files are the very files of the previous version (hard links), not copies
    assert (folder / "milestones.csv").stat().st_ino == (
        old_version / "milestones.csv"
    ).stat().st_ino

    # a later CSV export of one file replaces that file and keeps the Parquet one
    again = export(select=["weekly_usage"])
    names = {f["file"] for f in again["files"]}
    assert names == on_disk
    fresh = {f["file"]: f for f in again["files"] if not f.get("carried_over")}
    assert list(fresh) == ["weekly_usage.csv"]


def test_formula_escape_is_a_profile_option(workdb, tmp_path):
    _validated(tmp_path, workdb)
    _execute(
        workdb,
        "update marts.fct_account_health set account_name = '=cmd|calc' "
        "where account_id = 'acc_000001'",
    )
    base = (export_module.PROFILE_DIR / "generic.yml").read_text()
    results = {}
    for escape in ("quote", "strip", "none"):
        profile = tmp_path / f"api_{escape}.yml"
        profile.write_text(
            base.replace("profile: generic", f"profile: api_{escape}")
            + f"formula_escape: {escape}\n"
        )
        manifest = export(profile_name=str(profile), select=["account_health"])
        assert manifest["formula_escape"] == escape
        rows = _read_csv(Path(manifest["path"]) / "account_health.csv")
        results[escape] = next(r for r in rows if r["account_id"] == "acc_000001")["account_name"]
    assert results == {"quote": "'=cmd|calc", "strip": "cmd|calc", "none": "=cmd|calc"}
    bad = tmp_path / "bad.yml"
    bad.write_text(base + "formula_escape: maybe\n")
    with pytest.raises(PulseError, match="formula_escape must be one of quote, strip, none"):
        export(profile_name=str(bad))


def test_retention_prunes_old_event_files_and_versions(workdb, tmp_path, monkeypatch):
    _validated(tmp_path, workdb)
    export(triggers=True)
    folder = tmp_path / "exports" / "triggers"
    old_events = folder / "events-20200101T000000Z.csv"
    recent_events = folder / "events-20990101T000000Z.csv"
    for path in (old_events, recent_events):
        path.write_text("event_id\r\n")
    long_ago = time.time() - 40 * 86400
    os.utime(old_events, (long_ago, long_ago))

    versions = tmp_path / "exports" / ".versions"
    export()
    export()
    first, second, third = sorted(versions.iterdir())
    for version in (first, second):
        os.utime(version / "manifest.json", (long_ago, long_ago))

    monkeypatch.setenv("PULSE_RETENTION_DAYS", "60")
    export(triggers=True)  # nothing is old enough
    assert old_events.exists() and first.exists() and second.exists()
    fourth = sorted(versions.iterdir())[-1]
    for version in (third, fourth):
        os.utime(version / "manifest.json", (long_ago, long_ago))

    monkeypatch.setenv("PULSE_RETENTION_DAYS", "30")
    current = Path(export(triggers=True)["path"]).resolve()
    assert not old_events.exists() and recent_events.exists()
    assert sorted(versions.iterdir()) == [fourth, current]  # the one before is always kept
    assert (folder / "state.json").exists()

    monkeypatch.setenv("PULSE_RETENTION_DAYS", "soon")
    with pytest.raises(PulseError, match="PULSE_RETENTION_DAYS must be a whole number"):
        export()


def test_profiles_rename_columns_and_unknown_names_are_clear_errors(workdb, tmp_path):
    _validated(tmp_path, workdb)
    manifest = export(profile_name="salesforce", select=["account_health"])
    header = manifest["files"][0]["columns"]
    assert header[0] == "Pulse_Account_Id__c" and "Health_Score__c" in header
    with pytest.raises(PulseError, match="unknown export profile"):
        export(profile_name="nope")
    with pytest.raises(PulseError, match="unknown export"):
        export(select=["not_a_file"])
