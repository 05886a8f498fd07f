"""Running it every day: one writer per database (pulse locked), a run log that means
"finished" (a killed build is refused by validate and export), a settings change that needs a
full refresh stops the run, and the trigger baseline only moves with its export.

Real dbt on private copies of the test database `make test` built (small data, ~1.5 minutes)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pulse import cli, lock, paths
from pulse import export as export_module
from pulse.dbt import dbt_env, dbt_executable
from pulse.export import export

PULSE = str(Path(sys.executable).with_name("pulse"))
NEVER_FINISHED = "never finished; the marts may be half old, half new. Run make build again."


def _env(db_file: Path, **extra: str) -> dict[str, str]:
    """The environment of another process: its own, not the lock token of this one."""
    env = {k: v for k, v in os.environ.items() if k != lock.ENV_TOKEN}
    env.update({"PULSE_DB_PATH": str(db_file), "PULSE_TARGET": "duckdb", **extra})
    return env


@pytest.fixture()
def copy_db(built_db: Path, tmp_path: Path, monkeypatch) -> Path:
    """A private copy of the test database (same file name: the views name the catalog after
    it), with this test process pointed at it and an empty export folder."""
    copy = tmp_path / "db" / built_db.name
    copy.parent.mkdir()
    shutil.copy(built_db, copy)
    monkeypatch.setenv("PULSE_DB_PATH", str(copy))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.setenv("PULSE_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.delenv(lock.ENV_TOKEN, raising=False)
    return copy


def _runs(db_file: Path) -> list[tuple]:
    with duckdb.connect(str(db_file), read_only=True) as con:
        return con.execute(
            "select invocation_id, command, status, finished_at, timezone "
            "from main.pulse_dbt_runs order by started_at"
        ).fetchall()


# -- A. one writer at a time ------------------------------------------------------------------
def test_a_second_writer_exits_with_one_line_naming_the_holder(tmp_path, monkeypatch):
    db_file = tmp_path / "pulse.duckdb"
    monkeypatch.setenv("PULSE_DB_PATH", str(db_file))
    monkeypatch.setenv("PULSE_TARGET", "duckdb")
    monkeypatch.delenv(lock.ENV_TOKEN, raising=False)
    with lock.hold("make build"):
        holder = lock.read_holder(lock.lock_file())
        expected = (
            f"pulse: {db_file} is being built by process {os.getpid()} (make build) since "
            f"{holder['started_at']}; try again when it ends."
        )
        second = subprocess.run(
            [PULSE, "locked", "--", "true"], env=_env(db_file), capture_output=True, text=True
        )
        assert second.returncode == 75
        assert second.stderr.splitlines() == [expected]

        # `make dbt-build` goes through `pulse locked`: no dbt, no DuckDB traceback
        make = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "-f",
                str(paths.PROJECT_ROOT / "Makefile"),
                "dbt-build",
            ],
            env=_env(db_file),
            capture_output=True,
            text=True,
        )
        assert make.returncode != 0
        assert expected in make.stderr.splitlines()
        assert "Traceback" not in make.stderr + make.stdout
        assert "Conflicting lock" not in make.stderr + make.stdout

        # `pulse export` (it writes the export folder) waits its turn in the same way
        exported = subprocess.run(
            [PULSE, "export"], env=_env(db_file), capture_output=True, text=True
        )
        assert exported.returncode == 75 and exported.stderr.splitlines() == [expected]

        # a step the holder started (PULSE_LOCK_HELD) runs under its lock: no deadlock
        nested = subprocess.run(
            [PULSE, "locked", "--", "sh", "-c", "exit 3"],
            env={**_env(db_file), lock.ENV_TOKEN: os.environ[lock.ENV_TOKEN]},
            capture_output=True,
            text=True,
        )
        assert nested.returncode == 3, nested.stderr
    free = subprocess.run([PULSE, "locked", "--", "true"], env=_env(db_file))
    assert free.returncode == 0


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    db_file = tmp_path / "pulse.duckdb"
    lock_file = db_file.with_name("pulse.duckdb.lock")
    holder = subprocess.Popen(
        [PULSE, "locked", "--name", "make build", "--", "sleep", "60"], env=_env(db_file)
    )
    child = None
    try:
        deadline = time.monotonic() + 10
        while "make build" not in (lock_file.read_text() if lock_file.exists() else ""):
            assert time.monotonic() < deadline, "pulse locked never took the lock"
            time.sleep(0.05)
        child = int(Path(f"/proc/{holder.pid}/task/{holder.pid}/children").read_text().split()[0])

        def second() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [PULSE, "locked", "--", "true"], env=_env(db_file), capture_output=True, text=True
            )

        busy = second()
        assert busy.returncode == 75 and f"process {holder.pid} (make build)" in busy.stderr
        holder.kill()  # SIGKILL pulse locked: its command (the writer) still runs ...
        holder.wait()
        assert second().returncode == 75, "the lock was freed while its writer still runs"
        os.kill(child, signal.SIGKILL)  # ... and once it is gone too, the lock is free
        deadline = time.monotonic() + 10
        while (
            Path(f"/proc/{child}").exists()
            and "zombie" not in Path(f"/proc/{child}/status").read_text()
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        after = second()
        assert after.returncode == 0, after.stderr
    finally:
        holder.kill()
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)


def test_a_direct_writer_outside_pulse_is_named_in_one_line(tmp_path):
    db_file = tmp_path / "pulse.duckdb"
    with duckdb.connect(str(db_file)) as con:  # a writer that took no pulse lock
        con.execute("create table t (a integer)")
        exported = subprocess.run(
            [PULSE, "export"], env=_env(db_file), capture_output=True, text=True
        )
    assert exported.returncode == 75
    lines = exported.stderr.splitlines()
    assert len(lines) == 1, exported.stderr
    assert lines[0].startswith(f"pulse: {db_file} is being built by process {os.getpid()} (")


# -- B. a killed build is never taken for a finished one --------------------------------------
def test_b_a_killed_build_is_refused_until_a_build_finishes(
    copy_db, raw_dir, dbt, tmp_path, capsys
):
    log = tmp_path / "dbt.log"
    with log.open("w") as out:
        build = subprocess.Popen(
            [
                dbt_executable(),
                "build",
                "--exclude-resource-type",
                "unit_test",
            ],
            env=dbt_env(_env(copy_db, PULSE_RAW_PATH=str(raw_dir))),
            cwd=paths.PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        # wait until models are being built (the run log row is written before the first)
        while log.read_text().count(" OK created ") < 3:
            assert build.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "dbt built no model in 90 s"
            time.sleep(0.2)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    last = _runs(copy_db)[-1]
    assert last[1:4] == ("build", "running", None)

    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("pulse validate: the last dbt build (started ")
    assert err[0].endswith(NEVER_FINISHED)
    assert not (tmp_path / "exports" / "quality" / "validation.json").exists()

    assert cli.main(["export"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("pulse export: the last dbt build (started ")
    assert err[0].endswith(NEVER_FINISHED)

    forced = export(force=True)  # --force still overrides, and says so in the manifest
    assert forced["forced"] is True
    assert any(NEVER_FINISHED in problem for problem in forced["gate_problems"])

    # a build that finishes makes the marts trusted again
    done = dbt(["run"], copy_db, raw_dir)
    assert done.returncode == 0, done.stdout[-2000:]
    assert _runs(copy_db)[-1][2] == "success"
    assert cli.main(["validate"]) == 0
    assert cli.main(["export"]) == 0


# -- C. a setting the incremental models depend on changed: full refresh ----------------------
def test_c_a_timezone_change_needs_a_full_refresh(copy_db, raw_dir, dbt):
    before = _runs(copy_db)
    assert before[-1][2] == "success" and before[-1][4] == "UTC"
    berlin = ["--vars", "{timezone: Europe/Berlin}"]

    stopped = dbt(["run", *berlin], copy_db, raw_dir)
    assert stopped.returncode != 0
    expected = (
        "Customer Pulse: timezone changed from UTC to Europe/Berlin since the last build of this "
        "database; the incremental models must be rebuilt: run dbt build --full-refresh "
        "(or make build FULL_REFRESH=1)."
    )
    assert [line.strip() for line in stopped.stdout.splitlines()].count(expected) == 1
    assert _runs(copy_db) == before  # stopped before anything ran: nothing logged

    # commands that are not run/build are never stopped
    compiled = dbt(["compile", "--select", "dim_report_window", *berlin], copy_db, raw_dir)
    assert compiled.returncode == 0, compiled.stdout[-2000:]

    rebuilt = dbt(["run", "--full-refresh", *berlin], copy_db, raw_dir)
    assert rebuilt.returncode == 0, rebuilt.stdout[-2000:]
    _, command, status, _, timezone = _runs(copy_db)[-1]
    assert (command, status, timezone) == ("run", "success", "Europe/Berlin")


# -- D. the trigger baseline moves only with its export ---------------------------------------
def _validated(export_dir: Path, db_file: Path) -> None:
    with duckdb.connect(str(db_file), read_only=True) as con:
        invocation = con.execute(
            "select invocation_id from main.pulse_dbt_runs order by started_at desc limit 1"
        ).fetchone()[0]
    (export_dir / "quality").mkdir(parents=True, exist_ok=True)
    (export_dir / "quality" / "validation.json").write_text(
        json.dumps({"success": True, "dbt_invocation_id": invocation})
    )


def test_d_triggers_state_not_advanced_when_the_export_is_not_published(
    copy_db, tmp_path, monkeypatch
):
    exports = tmp_path / "exports"
    _validated(exports, copy_db)
    export(triggers=True)  # the baseline
    state_file = exports / "triggers" / "state.json"
    baseline = state_file.read_bytes()
    with duckdb.connect(str(copy_db)) as con:  # an account enters the at-risk list
        con.execute(
            "insert into marts.rpt_trigger_states (trigger_type, subject_type, subject_id, "
            "account_id, as_of_date) select 'at_risk_accounts', 'account', account_id, "
            "account_id, current_date from marts.dim_accounts where account_id not in "
            "(select account_id from marts.rpt_at_risk_accounts) order by account_id limit 1"
        )

    def failing_switch(link, target_name):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(export_module, "_switch_link", failing_switch)
        with pytest.raises(OSError, match="disk full"):
            export(triggers=True)
    assert state_file.read_bytes() == baseline, "the baseline moved without its export"

    published = export(triggers=True)  # the change is reported by the export that ships it
    assert published["trigger_events"] == 1
    assert state_file.read_bytes() != baseline
