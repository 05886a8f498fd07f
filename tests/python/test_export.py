"""`pulse export` on a copy of the database `make test` built: the quality gate, atomic
versions, spreadsheet-safe CSV, the manifest and the automation triggers."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
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

    def failing_write(frame, path):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        real_write(frame, path)

    monkeypatch.setattr(export_module, "write_csv", failing_write)
    with pytest.raises(OSError, match="disk full"):
        export()
    assert folder.resolve() == target_before
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == snapshot
    versions = list((tmp_path / "exports" / ".versions").iterdir())
    assert versions == [target_before], "the half-written version is removed"


def test_triggers_fire_once_per_change(workdb, tmp_path):
    _validated(tmp_path, workdb)
    first = export(triggers=True)
    assert first["trigger_events"] == 0  # the first export sets the baseline
    con = duckdb.connect(str(workdb), read_only=True)
    try:
        healthy = con.execute(
            "select account_id from marts.fct_account_health where health_band = 'healthy' "
            "order by account_id limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    _execute(
        workdb,
        f"update marts.fct_account_health set health_band = 'at_risk' "
        f"where account_id = '{healthy}'",
    )
    second = export(triggers=True)
    assert second["trigger_events"] == 1
    events = _read_csv(tmp_path / "exports" / "triggers" / "latest.csv")
    assert [(e["event_type"], e["subject_id"]) for e in events] == [
        ("account_entered_at_risk", healthy)
    ]
    third = export(triggers=True)
    assert third["trigger_events"] == 0
    assert _read_csv(tmp_path / "exports" / "triggers" / "latest.csv") == []


def test_profiles_rename_columns_and_unknown_names_are_clear_errors(workdb, tmp_path):
    _validated(tmp_path, workdb)
    manifest = export(profile_name="salesforce", select=["account_health"])
    header = manifest["files"][0]["columns"]
    assert header[0] == "Pulse_Account_Id__c" and "Health_Score__c" in header
    with pytest.raises(PulseError, match="unknown export profile"):
        export(profile_name="nope")
    with pytest.raises(PulseError, match="unknown export"):
        export(select=["not_a_file"])
