"""`pulse run`, the one command for schedulers: every step in order under the build lock, a
JSON run summary, and on a failed step one line naming it, a non-zero exit and the served
file untouched.

Real `pulse run` processes (real dbt) on private copies of the test database (see `site`)."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime

import duckdb

from pulse import lock
from pulse.run import STEPS, SUMMARY_FILE


def _summary(site) -> dict:
    return json.loads((site.exports / SUMMARY_FILE).read_text(encoding="utf-8"))


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_run_does_every_step_and_writes_its_summary(site):
    done = site.pulse("run", "--vars", "{as_of_date: '2026-03-31'}")
    assert done.returncode == 0, done.stderr[-2000:]
    summary_file = site.exports / SUMMARY_FILE
    assert done.stderr.splitlines()[-1].startswith("pulse run: success in ")
    assert done.stderr.splitlines()[-1].endswith(f"(summary: {summary_file})")

    summary = _summary(site)
    assert summary["status"] == "success" and summary["failed_step"] is None
    assert [s["name"] for s in summary["steps"]] == list(STEPS)
    assert [s["status"] for s in summary["steps"]] == [
        "skipped" if name in ("load", "notify") else "ok"
        for name in STEPS  # DuckDB: dbt lands the files; no webhook URL is set
    ]
    started, finished = _when(summary["started_at"]), _when(summary["finished_at"])
    for step in [s for s in summary["steps"] if s["name"] not in ("load", "notify")]:
        assert started <= _when(step["started_at"]) <= finished
        assert step["duration_s"] >= 0 and "message" not in step
    assert summary["steps"][2]["duration_s"] > 1  # dbt build really ran
    assert summary["vars"] == {"as_of_date": "2026-03-31"}
    assert summary["full_refresh"] is False
    assert summary["as_of_date"] == "2026-03-31"
    assert summary["served_file"] == str(site.served)

    # rows per mart: what the served file holds, which is what this run built
    with duckdb.connect(str(site.served), read_only=True) as con:
        published_run = con.execute("select dbt_invocation_id from pulse_published").fetchone()[0]
        served_rows = {
            f"marts.{name}": con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    with duckdb.connect(str(site.db), read_only=True) as con:
        last_run = con.execute(
            "select invocation_id, status from main.pulse_dbt_runs order by started_at desc limit 1"
        ).fetchone()
    assert last_run[1] == "success"
    assert summary["dbt_invocation_id"] == published_run == last_run[0]
    assert summary["rows_per_mart"] == served_rows
    assert len(served_rows) >= 30 and served_rows["marts.dim_accounts"] > 0

    # the later steps wrote what they write, from this run
    export = json.loads((site.exports / "generic" / "manifest.json").read_text())
    assert export["dbt_invocation_id"] == last_run[0]
    assert (site.exports / "briefs" / "dashboard.html").exists()
    assert (site.exports / "reports" / "acc_000001.html").exists()
    validation = json.loads((site.exports / "quality" / "validation.json").read_text())
    assert validation["success"] and validation["dbt_invocation_id"] == last_run[0]


def test_a_failed_step_stops_the_run_with_one_line_naming_it(site):
    served = _sha256(site.served)
    done = site.pulse("run", "--vars", "{window_days: 0}")
    assert done.returncode == 1
    summary_file = site.exports / SUMMARY_FILE
    message = "var window_days must be a whole number of days >= 1, got '0'."
    assert done.stderr.splitlines()[-1] == (
        f"pulse run: step dbt-build failed: {message} (summary: {summary_file})"
    )
    assert [line for line in done.stderr.splitlines() if "failed" in line] == [
        done.stderr.splitlines()[-1]
    ]
    assert "Traceback" not in done.stderr + done.stdout

    summary = _summary(site)
    assert summary["status"] == "failed"
    assert summary["failed_step"] == "dbt-build" and summary["message"] == message
    statuses = {s["name"]: s["status"] for s in summary["steps"]}
    assert statuses == {
        "generate": "ok",
        "load": "skipped",
        "dbt-build": "failed",
        "validate": "not_run",
        "publish": "not_run",
        "export": "not_run",
        "report": "not_run",
        "notify": "not_run",
    }
    assert summary["steps"][2]["message"] == message
    assert summary["vars"] == {"window_days": 0}
    assert summary["rows_per_mart"] == {}
    assert _sha256(site.served) == served
    assert not (site.exports / "generic").exists()  # the site was never exported


def test_a_second_run_exits_at_once_naming_the_holder(site, monkeypatch):
    monkeypatch.setenv("PULSE_DB_PATH", str(site.db))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.delenv(lock.ENV_TOKEN, raising=False)
    with lock.hold("pulse run"):
        holder = lock.read_holder(lock.lock_file())
        done = site.pulse("run")
    assert done.returncode == 75
    assert done.stderr.splitlines() == [
        f"pulse: {site.db} is being built by process {os.getpid()} (pulse run) since "
        f"{holder['started_at']}; try again when it ends."
    ]
    assert not (site.exports / SUMMARY_FILE).exists()  # the holder's summary is not touched


def test_skipped_steps_are_recorded_as_skipped(site):
    steps = [s for s in STEPS if s != "publish"]
    done = site.pulse("run", *[arg for s in steps for arg in ("--skip", s)])
    assert done.returncode == 0, done.stderr
    summary = _summary(site)
    assert {s["name"]: s["status"] for s in summary["steps"]} == {
        s: ("ok" if s == "publish" else "skipped") for s in STEPS
    }
    assert summary["status"] == "success" and summary["rows_per_mart"]
