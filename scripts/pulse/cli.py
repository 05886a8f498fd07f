"""`pulse`: the one command line of Customer Pulse."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date

from pulse import paths
from pulse.errors import PulseError, Refused


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 0.5, got {text!r}") from None
    if not 0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 0.5, got {value}")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _cmd_generate(args: argparse.Namespace) -> int:
    from pulse.generate import generate

    out = paths.resolve(args.out) if args.out else paths.sample_path()
    if args.if_missing:
        # `make build`: a sample only for the default raw folder, and only when it is empty
        raw = paths.raw_path()
        if raw != paths.sample_path():
            return 0
        if raw.is_dir() and any(raw.iterdir()):
            print(f"raw data found in {raw}")
            return 0
        out = raw
    manifest = generate(
        out_dir=out,
        accounts=args.accounts,
        days=args.days,
        seed=args.seed,
        fmt=args.format,
        bad_row_rate=args.bad_row_rate,
        end_date=args.end_date,
        events=args.events,
        progress=not args.quiet,
        overwrite=args.overwrite,
    )
    total = sum(t["rows_written"] for t in manifest["tables"].values())
    events = manifest.get("native_events", manifest["tables"].get("events", {}).get("rows_written"))
    print(f"wrote {total:,} rows ({events:,} events) to {out}")
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from pulse.load import load_postgres

    raw = paths.resolve(args.raw_path) if args.raw_path else paths.raw_path()
    landing = paths.resolve(args.landing_db) if args.landing_db else None
    counts = load_postgres(
        raw,
        schema=args.schema,
        dsn=args.dsn,
        landing=landing,
        full_refresh=args.full_refresh,
        dbt_vars=args.vars,
    )
    for table, rows in counts.items():
        print(f"{args.schema}.{table}: {rows:,} rows")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from pulse.bench import bench, format_summary

    work = paths.resolve(args.work_dir)
    out = paths.resolve(args.out) if args.out else None
    results = bench(args.events, work, seed=args.seed, out=out, full_only=args.full_only)
    print(format_summary(results))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from pulse.validate import run_cli

    return run_cli(args)


def _cmd_export(args: argparse.Namespace) -> int:
    from pulse.export import run_cli

    return run_cli(args)


def _cmd_report(args: argparse.Namespace) -> int:
    from pulse.report import run_cli

    return run_cli(args)


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from pulse.calibrate import run_cli

    return run_cli(args)


def _cmd_notify(args: argparse.Namespace) -> int:
    from pulse.notify import run_cli

    return run_cli(args)


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value}")
    return value


def _cmd_publish(args: argparse.Namespace) -> int:
    from pulse.publish import run_cli

    return run_cli(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from pulse.run import run_cli

    return run_cli(args)


def _cmd_locked(args: argparse.Namespace) -> int:
    from pulse.lock import run_locked

    command = list(args.cmd)
    if command[:1] == ["--"]:
        command = command[1:]
    return run_locked(command, name=args.name)


# commands that write (exports, reports, quality results) from the database: one at a time,
# and never while a build holds it (see pulse.lock)
LOCKED_COMMANDS = ("validate", "publish", "export", "report", "notify", "calibrate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser("generate", help="write synthetic raw data to a folder")
    gen.add_argument("--accounts", type=_positive_int, default=200, help="accounts (default 200)")
    gen.add_argument(
        "--days", type=_positive_int, default=180, help="days of history (default 180)"
    )
    gen.add_argument(
        "--events",
        type=_positive_int,
        default=None,
        help="approximate number of events; sets the number of accounts (overrides --accounts)",
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--format",
        choices=["csv", "parquet", "segment", "pendo"],
        default="csv",
        help="csv or parquet: the native raw files; segment / pendo: the same scenario as "
        "Segment's warehouse tables / Fivetran's Pendo tables (CSV)",
    )
    gen.add_argument(
        "--bad-row-rate",
        type=_rate,
        default=None,
        help="share of rows that are dirty on purpose, 0 to 0.5 (default 0.01; csv and parquet "
        "only: a segment or pendo sample is written clean)",
    )
    gen.add_argument(
        "--end-date",
        type=_date,
        default=date(2026, 3, 31),
        help="last day of data (default 2026-03-31)",
    )
    gen.add_argument(
        "--out",
        default=None,
        help="output folder: missing, empty or written by pulse generate "
        "(default: the sample folder data/raw)",
    )
    gen.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a folder that holds other files too (replaces only <table>.csv|parquet)",
    )
    gen.add_argument(
        "--if-missing",
        action="store_true",
        help="only when PULSE_RAW_PATH is the default sample folder and it is empty or missing "
        "(what make build runs); otherwise do nothing",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=_cmd_generate)

    load = sub.add_parser(
        "load",
        help="load the raw files into the raw schema of PostgreSQL (DuckDB reads them directly)",
    )
    load.add_argument("--target", choices=["postgres"], default="postgres")
    load.add_argument("--raw-path", default=None, help="raw folder (default: $PULSE_RAW_PATH)")
    load.add_argument("--schema", default="raw", help="schema to load into (default raw)")
    load.add_argument(
        "--dsn", default="", help="libpq connection string (default: the PG* environment variables)"
    )
    load.add_argument(
        "--landing-db",
        default=None,
        help="DuckDB file that remembers the landed files (default: pulse_landing.duckdb "
        "beside PULSE_DB_PATH)",
    )
    load.add_argument(
        "--full-refresh", action="store_true", help="land every raw file again from scratch"
    )
    load.add_argument(
        "--vars",
        default=None,
        help="the dbt --vars the build will use, a YAML mapping: '{source_system: pendo}' "
        "decides which raw tables are read",
    )
    load.set_defaults(func=_cmd_load)

    validate = sub.add_parser(
        "validate",
        help="Great Expectations quality gate on the marts (results in PULSE_EXPORT_DIR/quality)",
    )
    validate.add_argument(
        "--select", nargs="+", default=None, metavar="MODEL", help="validate only these marts"
    )
    validate.set_defaults(func=_cmd_validate)

    export = sub.add_parser("export", help="write the marts CS tools import (CSV or Parquet)")
    export.add_argument(
        "--select", nargs="+", default=None, metavar="NAME", help="export only these files"
    )
    export.add_argument(
        "--profile",
        default="generic",
        help="column mapping profile: generic, gainsight, salesforce, hubspot or a mapping file",
    )
    export.add_argument("--format", choices=["csv", "parquet"], default="csv")
    export.add_argument(
        "--triggers",
        action="store_true",
        help="also write the changes since the previous export as automation events",
    )
    export.add_argument(
        "--force",
        action="store_true",
        help="export even when validation failed or the marts are stale (recorded in the manifest)",
    )
    export.set_defaults(func=_cmd_export)

    notify = sub.add_parser(
        "notify",
        help="post each new trigger event as JSON to a webhook (once, retried, never lost)",
        description="Compare the trigger lists (mart rpt_trigger_states) with the last run, queue "
        "every change in the build database (schema pulse_notifications) and post each queued "
        "event not yet delivered to the webhook, with an Idempotency-Key header; retried with "
        "exponential back-off; what still fails is sent by the next run (exit 1). The first run "
        "sets the baseline.",
    )
    notify.add_argument(
        "--webhook-url", default=None, metavar="URL", help="the hook (default: $PULSE_WEBHOOK_URL)"
    )
    notify.add_argument(
        "--retries", type=_count, default=3, help="retries per event after the first post (3)"
    )
    notify.add_argument(
        "--backoff",
        type=_non_negative,
        default=1.0,
        metavar="SECONDS",
        help="first wait before a retry, doubled each time (1)",
    )
    notify.add_argument(
        "--timeout", type=_non_negative, default=10.0, metavar="SECONDS", help="per request (10)"
    )
    notify.set_defaults(func=_cmd_notify)

    publish = sub.add_parser(
        "publish",
        help="copy the marts into the DuckDB file BI tools read (PULSE_SERVE_PATH), atomically",
        description="Copy every dim_, fct_ and rpt_ table of the marts schema into a new DuckDB "
        "file and move it over PULSE_SERVE_PATH (default warehouse/pulse_marts.duckdb) in one "
        "rename. Refused when the last dbt run failed or never finished, or validation failed "
        "or checked an older run. On PostgreSQL there is nothing to copy.",
    )
    publish.set_defaults(func=_cmd_publish)

    from pulse.run import STEPS

    run = sub.add_parser(
        "run",
        help="the scheduled job: lock, generate (if needed), dbt build, validate, publish, "
        "export, report, notify (when PULSE_WEBHOOK_URL is set)",
        description="Hold the build lock and run, stopping at the first failure: "
        + ", ".join(STEPS)
        + ". Writes PULSE_EXPORT_DIR/run_summary.json; exit 1 naming the failed step, 75 when "
        "another build holds the database.",
    )
    run.add_argument("--vars", default=None, help="dbt --vars, a YAML mapping: '{window_days: 7}'")
    run.add_argument(
        "--full-refresh", action="store_true", help="rebuild the incremental models from scratch"
    )
    run.add_argument(
        "--dbt-args", default=None, metavar="ARGS", help="more arguments for dbt build (one string)"
    )
    run.add_argument(
        "--skip",
        action="append",
        choices=STEPS,
        default=[],
        metavar="STEP",
        help=f"leave out a step (repeatable): {', '.join(STEPS)}",
    )
    run.set_defaults(func=_cmd_run)

    report = sub.add_parser(
        "report",
        help="self-contained HTML: customer usage reports, CSM briefs, the portfolio dashboard",
        description="--all writes every account's customer report (PULSE_EXPORT_DIR/reports), "
        "its CSM brief and the portfolio dashboard (PULSE_EXPORT_DIR/briefs). --account writes "
        "those accounts' customer reports, or with --brief their briefs. --email sends the "
        "customer reports through SMTP (PULSE_SMTP_*) to PULSE_REPORT_RECIPIENTS.",
    )
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--account", nargs="+", metavar="ACCOUNT_ID", help="these accounts")
    which.add_argument(
        "--all", action="store_true", help="every account, plus briefs and the dashboard"
    )
    report.add_argument(
        "--brief",
        action="store_true",
        help="the CSM account briefs (internal) instead of the customer reports",
    )
    report.add_argument(
        "--email",
        action="store_true",
        help="send each customer report to the account's recipients (PULSE_REPORT_RECIPIENTS)",
    )
    report.add_argument(
        "--dry-run",
        action="store_true",
        help="with --email: write .eml files (PULSE_EXPORT_DIR/outbox) instead of sending",
    )
    report.add_argument(
        "--out", default=None, help="customer reports folder (default PULSE_EXPORT_DIR/reports)"
    )
    report.add_argument(
        "--briefs-out",
        default=None,
        help="briefs and dashboard folder (default PULSE_EXPORT_DIR/briefs)",
    )
    report.set_defaults(func=_cmd_report)

    calibrate = sub.add_parser(
        "calibrate",
        help="learn from renewal outcomes: what predicts them, suggested health weights",
        description="Fits a random forest and a logistic regression on fct_renewal_decisions "
        "(cross-validated, grouped by account) and writes calibration.html, calibration.json and "
        "health_components.suggested.csv (never the shipped seed) to --out.",
    )
    calibrate.add_argument(
        "--out", default=None, help="output folder (default PULSE_EXPORT_DIR/calibration)"
    )
    calibrate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    calibrate.add_argument(
        "--min-decisions",
        type=_positive_int,
        default=30,
        help="refuse to fit below this many trainable decisions (default 30)",
    )
    calibrate.add_argument(
        "--min-per-outcome",
        type=_positive_int,
        default=5,
        help="... or below this many lost (or kept) decisions (default 5)",
    )
    calibrate.set_defaults(func=_cmd_calibrate)

    locked = sub.add_parser(
        "locked",
        help="run a command while holding the database's build lock (one writer at a time)",
        description="Run COMMAND while holding <PULSE_DB_PATH>.lock; exits with its exit code. "
        "When another process holds the lock, print who and since when, and exit 75.",
    )
    locked.add_argument(
        "--name", default=None, help="how the holder is named to a waiter (default: the command)"
    )
    locked.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- COMMAND [ARG...]")
    locked.set_defaults(func=_cmd_locked)

    bench = sub.add_parser(
        "bench", help="measure the DuckDB build: reference query, full build, incremental day"
    )
    bench.add_argument(
        "--events", type=_positive_int, default=1_000_000, help="events (default 1,000,000)"
    )
    bench.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    bench.add_argument(
        "--work-dir",
        default=".bench",
        help="where data and databases go; reused between runs (default .bench)",
    )
    bench.add_argument("--out", default=None, help="JSON file (default WORK_DIR/bench-N.json)")
    bench.add_argument(
        "--full-only",
        action="store_true",
        help="measure the reference query and the full build only (no incremental day)",
    )
    bench.set_defaults(func=_cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    from pulse.lock import Busy, hold

    try:
        if args.command in LOCKED_COMMANDS:
            with hold(f"pulse {args.command}"):
                return func(args)
        return func(args)
    except Busy as exc:
        print(exc, file=sys.stderr)
        return 75
    except Refused as exc:
        print(f"pulse {args.command}: {exc}", file=sys.stderr)
        return 1
    except PulseError as exc:
        print(f"pulse {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"pulse {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
