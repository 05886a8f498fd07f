"""`pulse bench`: how fast the DuckDB build is, measured, not guessed.

Phases, each in its own process so its wall time and peak memory are its own:

- reference: one DuckDB query that does the minimum work the marts need: read the raw
  events file, keep the earliest delivery of each event, aggregate visitor-days;
- full: `dbt build --full-refresh` on a new database with all the data;
- incremental: `dbt build` on a database built the day before (every event received
  before the last day), after the last day of events arrives (new and late events).

The results (wall seconds, events per second, peak RSS, the slowest dbt nodes, and the
issue's targets) are printed and written as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pulse import paths
from pulse.dbt import dbt_env, dbt_executable
from pulse.errors import PulseError

END_DATE = date(2026, 3, 31)
_BUILD = ["--exclude-resource-type", "unit_test"]  # the production build (`make build`)
TARGETS = {"full_vs_reference_max": 4.0, "incremental_vs_full_max": 0.15, "peak_rss_max_gb": 6.0}

_REFERENCE_SCRIPT = """
import sys, duckdb
events_file, db_file, memory_limit = sys.argv[1:4]
con = duckdb.connect(db_file)
con.execute(f"set memory_limit = '{memory_limit}'")
con.execute("set threads = 2")
con.execute("set preserve_insertion_order = false")
con.execute("set timezone = 'UTC'")
con.execute(f'''
create or replace table reference_visitor_days as
with events as (
    select
        trim(event_id) as event_id,
        trim(visitor_id) as visitor_id,
        trim(account_id) as account_id,
        timezone('UTC', try_cast(upper(trim(occurred_at)) as timestamptz)) as occurred_at,
        timezone('UTC', try_cast(upper(trim(received_at)) as timestamptz)) as received_at
    from read_csv('{events_file}', all_varchar = true, header = true, ignore_errors = true)
),
deduplicated as (
    select * from events
    where occurred_at is not null
    qualify row_number() over (partition by event_id order by received_at) = 1
)
select
    visitor_id,
    account_id,
    cast(occurred_at as date) as activity_date,
    count(*) as count_events,
    count(distinct date_trunc('minute', occurred_at)) as active_minutes
from deduplicated
group by all
''')
print(con.execute("select count(*) from reference_visitor_days").fetchone()[0])
con.close()
"""


def _run_measured(args: list[str], env: dict[str, str], label: str) -> dict[str, Any]:
    """Run a command; return its wall time and peak RSS (its own, via wait4)."""
    print(f"bench: {label} ...", file=sys.stderr, flush=True)
    start = time.monotonic()
    proc = subprocess.Popen(
        args,
        env=env,
        cwd=paths.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        tail = " | ".join(line.strip() for line in output.strip().splitlines()[-6:])
        raise PulseError(f"bench: {label} failed: {tail}")
    peak_gb = usage.ru_maxrss * 1024 / 1e9  # ru_maxrss is in KiB on Linux
    print(f"bench: {label}: {wall:.1f} s, peak {peak_gb:.2f} GB", file=sys.stderr, flush=True)
    return {"seconds": round(wall, 2), "peak_rss_gb": round(peak_gb, 3), "output": output}


def _slowest_nodes(limit: int = 8) -> list[dict[str, Any]]:
    """The slowest nodes of the last dbt invocation (target/run_results.json)."""
    results_file = paths.PROJECT_ROOT / "target" / "run_results.json"
    if not results_file.exists():
        return []
    results = json.loads(results_file.read_text())["results"]
    nodes = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)
    return [
        {"node": r["unique_id"], "seconds": round(r.get("execution_time") or 0, 2)}
        for r in nodes[:limit]
    ]


def _prepare_data(work: Path, events: int, seed: int) -> tuple[Path, Path, int, int]:
    """Generate (or reuse) the data: day2 = everything, day1 = events received before the
    last day. Returns (day1, day2, events in day2 file, events that arrive on the last day)."""
    from pulse.generate import generate

    day2 = work / "day2"
    day1 = work / "day1"
    manifest_file = day2 / "_manifest.json"
    if not manifest_file.exists():
        if day2.exists():
            shutil.rmtree(day2)
        print(f"bench: generating about {events:,} events into {day2}", file=sys.stderr)
        generate(day2, events=events, seed=seed, end_date=END_DATE, progress=True)
    manifest = json.loads(manifest_file.read_text())
    rows = manifest["tables"]["events"]["rows_written"]
    cutoff = datetime.combine(END_DATE, datetime.min.time(), tzinfo=UTC)
    marker = day1 / "_bench_day1.json"
    if not marker.exists():
        import duckdb

        if day1.exists():
            shutil.rmtree(day1)
        day1.mkdir(parents=True)
        for file in day2.iterdir():
            if file.suffix in (".csv", ".parquet") and file.stem != "events":
                os.link(file, day1 / file.name)
        print("bench: writing the day-before events file", file=sys.stderr)
        con = duckdb.connect()
        try:
            con.execute("set timezone = 'UTC'")
            received = (
                "coalesce(try_cast(upper(trim(received_at)) as timestamptz), "
                "try_cast(upper(trim(occurred_at)) as timestamptz))"
            )
            con.execute(
                f"copy (select * from read_csv('{day2 / 'events.csv'}', all_varchar = true, "
                f"header = true, ignore_errors = true) "
                f"where coalesce({received} < timestamptz '{cutoff.isoformat()}', true)) "
                f"to '{day1 / 'events.csv'}' (header true)"
            )
            kept = con.execute(
                f"select count(*) from read_csv('{day1 / 'events.csv'}', all_varchar = true)"
            ).fetchone()[0]
        finally:
            con.close()
        marker.write_text(json.dumps({"events_day1": kept}))
    kept = json.loads(marker.read_text())["events_day1"]
    return day1, day2, rows, rows - kept


def _link_files(source: Path, folder: Path) -> None:
    """Make folder hold source's raw files (hard links: no copy of a multi-GB file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        if file.suffix in (".csv", ".parquet"):
            target = folder / file.name
            target.unlink(missing_ok=True)
            os.link(file, target)


def bench(events: int, work_dir: Path, seed: int = 42, out: Path | None = None) -> dict[str, Any]:
    work = work_dir / f"events-{events}-seed-{seed}"
    work.mkdir(parents=True, exist_ok=True)
    day1, day2, rows, arriving = _prepare_data(work, events, seed)
    memory_limit = os.environ.get("PULSE_DUCKDB_MEMORY_LIMIT", "5GB")

    results: dict[str, Any] = {
        "events": rows,
        "events_arriving_on_last_day": arriving,
        "raw_events_file_bytes": (day2 / "events.csv").stat().st_size,
        "machine": {"cpus": os.cpu_count(), "duckdb_memory_limit": memory_limit},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    ref_db = work / "reference.duckdb"
    ref_db.unlink(missing_ok=True)
    reference = _run_measured(
        [
            sys.executable,
            "-c",
            _REFERENCE_SCRIPT,
            str(day2 / "events.csv"),
            str(ref_db),
            memory_limit,
        ],
        dict(os.environ),
        "reference query (dedup + visitor-days over the raw file)",
    )
    reference["visitor_days"] = int(reference.pop("output").strip().splitlines()[-1])
    ref_db.unlink(missing_ok=True)

    def dbt_phase(args: list[str], db_file: Path, raw: Path, label: str) -> dict[str, Any]:
        env = dbt_env(
            {
                "PULSE_DB_PATH": str(db_file),
                "PULSE_RAW_PATH": str(raw),
                "PULSE_DUCKDB_MEMORY_LIMIT": memory_limit,
                "PULSE_TARGET": "duckdb",
            }
        )
        result = _run_measured([dbt_executable(), *args], env, label)
        result.pop("output")
        result["slowest_nodes"] = _slowest_nodes()
        return result

    full_db = work / "full.duckdb"
    incremental_db = work / "incremental.duckdb"
    for db in (full_db, incremental_db):
        db.unlink(missing_ok=True)
        shutil.rmtree(f"{db}.tmp", ignore_errors=True)
    full = dbt_phase(["build", "--full-refresh", *_BUILD], full_db, day2, "full dbt build")
    # the daily job: one raw folder whose files are replaced by the next day's (a run on a
    # different raw folder than the last one is refused unless --full-refresh)
    live = work / "live"
    _link_files(day1, live)
    day_before = dbt_phase(
        ["build", *_BUILD], incremental_db, live, "setup: dbt build of the day before"
    )
    _link_files(day2, live)
    incremental = dbt_phase(
        ["build", *_BUILD], incremental_db, live, "incremental dbt build after one more day"
    )

    for phase in (reference, full, incremental):
        phase["events_per_second"] = round(rows / phase["seconds"]) if phase["seconds"] else None
    peak = max(p["peak_rss_gb"] for p in (reference, full, day_before, incremental))
    results.update(
        {
            "reference_query": reference,
            "full_build": full,
            "day_before_build": day_before,
            "incremental_build": incremental,
            "ratios": {
                "full_vs_reference": round(full["seconds"] / reference["seconds"], 2),
                "incremental_vs_full": round(incremental["seconds"] / full["seconds"], 3),
                "peak_rss_gb": round(peak, 3),
            },
            "targets": TARGETS,
        }
    )
    ratios = results["ratios"]
    results["targets_met"] = {
        "full_vs_reference": ratios["full_vs_reference"] <= TARGETS["full_vs_reference_max"],
        "incremental_vs_full": ratios["incremental_vs_full"] <= TARGETS["incremental_vs_full_max"],
        "peak_memory": peak <= TARGETS["peak_rss_max_gb"],
    }
    out = out or work_dir / f"bench-{events}.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(out)
    results["json_file"] = str(out)
    return results


def format_summary(results: dict[str, Any]) -> str:
    rows = results["events"]
    lines = [
        f"pulse bench: {rows:,} events "
        f"({results['events_arriving_on_last_day']:,} arrive on the last day)"
    ]
    for key, label in [
        ("reference_query", "reference query"),
        ("full_build", "full dbt build"),
        ("incremental_build", "incremental day"),
    ]:
        phase = results[key]
        lines.append(
            f"  {label:<18} {phase['seconds']:>8.1f} s"
            f"  {phase['events_per_second'] or 0:>12,} events/s"
            f"  peak {phase['peak_rss_gb']:.2f} GB"
        )
    ratios, met = results["ratios"], results["targets_met"]
    lines.append(
        f"  full / reference   {ratios['full_vs_reference']:>8.2f}    (target <= 4)    "
        + ("met" if met["full_vs_reference"] else "NOT met")
    )
    lines.append(
        f"  incremental / full {ratios['incremental_vs_full']:>8.3f}    (target <= 0.15) "
        + ("met" if met["incremental_vs_full"] else "NOT met")
    )
    lines.append(
        f"  peak memory        {ratios['peak_rss_gb']:>8.2f} GB (target <= 6)    "
        + ("met" if met["peak_memory"] else "NOT met")
    )
    lines.append(f"  written to {results['json_file']}")
    return "\n".join(lines)
