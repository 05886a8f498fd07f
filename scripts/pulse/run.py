"""`pulse run`: the one command a scheduler runs (what `make build` runs).

It takes the build lock (a second run exits at once, 75, saying who holds it), then runs the
steps in order and stops at the first that fails:

    generate   sample data, only into the default sample folder and only when it is empty
    load       PostgreSQL only: the new raw files into the raw schema (pulse load); on DuckDB
               dbt build lands them itself, and the step is recorded as skipped
    dbt-build  dbt build without the unit tests (--vars, --full-refresh, --dbt-args passed on)
    validate   the quality gate (pulse validate)
    publish    the marts copied into the served file BI tools read (pulse publish)
    export     the CS tool exports with their triggers (pulse export --triggers)
    report     customer reports, CSM briefs and the dashboard (pulse report --all)
    notify     the new trigger events posted to the webhook (pulse notify); skipped when
               PULSE_WEBHOOK_URL is not set. Last, so an endpoint that is down fails the run
               (the events stay queued for the next run) after everything else is written

Each step is the same code as its own command (`pulse validate`, ...), called in this process;
dbt runs as a child process that inherits the lock. PULSE_EXPORT_DIR/run_summary.json is
rewritten (atomically) after every step: status, each step's status, start and duration (and
its one-line message when it failed), the rows of every published mart, the as-of date, the
vars and whether it was a full refresh. A failed step is one line on stderr naming it, and the
exit code is 1.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulse import paths
from pulse.errors import PulseError

STEPS = ("generate", "load", "dbt-build", "validate", "publish", "export", "report", "notify")
SUMMARY_FILE = "run_summary.json"


class StepFailed(PulseError):
    """A step ended without an exception but did not succeed (a non-zero exit code)."""


@dataclass
class Options:
    vars: str | None = None
    full_refresh: bool = False
    dbt_args: list[str] = field(default_factory=list)
    skip: set[str] = field(default_factory=set)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def summary_path() -> Path:
    return paths.export_dir() / SUMMARY_FILE


def _vars_as_data(text: str | None) -> Any:
    """--vars as dbt reads it (a YAML mapping); the text itself when it does not parse."""
    if not text:
        return {}
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def dbt_build_args(options: Options) -> list[str]:
    args = ["build", "--exclude-resource-type", "unit_test"]
    if options.full_refresh:
        args.append("--full-refresh")
    if options.vars:
        args += ["--vars", options.vars]
    return args + list(options.dbt_args)


def _pulse(argv: Sequence[str]) -> None:
    """A `pulse` command run in this process, exactly as on the command line (same defaults)."""
    from pulse.cli import build_parser

    args = build_parser().parse_args(list(argv))
    code = args.func(args)
    if code != 0:
        raise StepFailed(f"`pulse {' '.join(argv)}` exited {code}")


class Runner:
    """The steps of one run and the summary that tracks them."""

    def __init__(self, options: Options, lock_fd: int | None) -> None:
        self.options = options
        self.lock_fd = lock_fd
        self.summary: dict[str, Any] = {
            "status": "running",
            "started_at": _now(),
            "finished_at": None,
            "duration_s": None,
            "failed_step": None,
            "message": None,
            "target": _target(),
            "database": str(paths.db_path()),
            "served_file": None,
            "as_of_date": None,
            "dbt_invocation_id": None,
            "vars": _vars_as_data(options.vars),
            "full_refresh": options.full_refresh,
            "dbt_args": list(options.dbt_args),
            "steps": [{"name": name, "status": "pending"} for name in STEPS],
            "rows_per_mart": {},
        }
        self.functions: dict[str, Callable[[], None]] = {
            "generate": self.generate,
            "load": lambda: _pulse(
                ["load", *(["--full-refresh"] if self.options.full_refresh else [])]
            ),
            "dbt-build": self.dbt_build,
            "validate": self.validate,
            "publish": self.publish,
            "export": lambda: _pulse(["export", "--triggers"]),
            "report": lambda: _pulse(["report", "--all"]),
            "notify": lambda: _pulse(["notify"]),
        }

    # -- the steps ------------------------------------------------------------------------------
    def generate(self) -> None:
        _pulse(["generate", "--if-missing", *([] if sys.stderr.isatty() else ["--quiet"])])

    def dbt_build(self) -> None:
        from pulse.dbt import stream_dbt

        if _target() == "duckdb":
            db = paths.db_path()
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise PulseError(f"cannot create {db.parent}: {exc.strerror}") from None
        stream_dbt(
            dbt_build_args(self.options),
            pass_fds=() if self.lock_fd is None else (self.lock_fd,),
        )

    def validate(self) -> None:
        try:
            _pulse(["validate"])
        except StepFailed:
            from pulse.validate import QUALITY_DIR, RESULTS_FILE

            results = paths.export_dir() / QUALITY_DIR / RESULTS_FILE
            raise StepFailed(f"expectations failed (see {results})") from None

    def publish(self) -> None:
        from pulse import publish

        info = publish.publish()
        print(publish.describe(info))
        if info.path is None:  # PostgreSQL: BI tools read the marts schema itself
            self.summary["rows_per_mart"], self.summary["as_of_date"] = publish.read_marts_rows()
            return
        self.summary.update(
            served_file=str(info.path),
            rows_per_mart=info.rows,
            as_of_date=info.as_of_date,
            dbt_invocation_id=info.dbt_invocation_id,
        )

    @staticmethod
    def _not_configured(name: str) -> bool:
        """Steps with nothing to do here: load on DuckDB (dbt lands the files), notify without
        a webhook URL."""
        if name == "load":
            return _target() == "duckdb"
        if name == "notify":
            from pulse.notify import URL_ENV

            return not os.environ.get(URL_ENV, "").strip()
        return False

    # -- running them -------------------------------------------------------------------------
    def write(self) -> None:
        from pulse.files import write_json_atomic

        path = summary_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(path, self.summary)
        except OSError as exc:
            raise PulseError(f"cannot write {path}: {exc.strerror}") from None

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        self.write()
        try:
            for step in self.summary["steps"]:
                name = step["name"]
                if name in self.options.skip or self._not_configured(name):
                    step["status"] = "skipped"
                    continue
                step.update(status="running", started_at=_now())
                self.write()
                print(f"pulse run: {name}", file=sys.stderr)
                step_started = time.monotonic()
                try:
                    self.functions[name]()
                except PulseError as exc:
                    step.update(status="failed", message=str(exc))
                except Exception as exc:  # a bug: still one line, and the summary says so
                    first = (str(exc).strip().splitlines() or [""])[0]
                    step.update(status="failed", message=f"{type(exc).__name__}: {first}")
                except KeyboardInterrupt:
                    step.update(status="failed", message="interrupted")
                    self.summary.update(status="interrupted", failed_step=name)
                    raise
                else:
                    step["status"] = "ok"
                finally:
                    step["duration_s"] = round(time.monotonic() - step_started, 1)
                if step["status"] == "failed":
                    self.summary.update(status="failed", failed_step=name, message=step["message"])
                    break
            else:
                self.summary["status"] = "success"
        finally:
            for step in self.summary["steps"]:
                if step["status"] == "pending":
                    step["status"] = "not_run"
            self.summary["finished_at"] = _now()
            self.summary["duration_s"] = round(time.monotonic() - started, 1)
            self.write()
        return self.summary


def _target() -> str:
    from pulse.warehouse import target

    return target()


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def run(options: Options) -> dict[str, Any]:
    """Hold the build lock and run the steps; the summary (also in run_summary.json)."""
    from pulse.lock import hold

    with hold("pulse run") as fd:
        # a scheduler's SIGTERM ends the run like Ctrl-C: dbt is cancelled, the summary written
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            return Runner(options, fd).run()
        finally:
            signal.signal(signal.SIGTERM, previous)


def run_cli(args: argparse.Namespace) -> int:
    """`pulse run [--vars YAML] [--full-refresh] [--dbt-args ARGS] [--skip STEP ...]`."""
    options = Options(
        vars=args.vars,
        full_refresh=args.full_refresh,
        dbt_args=shlex.split(args.dbt_args or ""),
        skip=set(args.skip or ()),
    )
    summary = run(options)
    if summary["status"] != "success":
        print(
            f"pulse run: step {summary['failed_step']} failed: {summary['message']} "
            f"(summary: {summary_path()})",
            file=sys.stderr,
        )
        return 1
    took = summary["duration_s"]
    print(f"pulse run: success in {took:.0f}s (summary: {summary_path()})", file=sys.stderr)
    return 0
