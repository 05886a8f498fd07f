"""`pulse bench`: how fast the DuckDB build is, measured, not guessed.

Phases, each in its own process so its wall time and peak memory are its own:

- reference: one DuckDB query that does the minimum work the marts need: read the raw
  event files, keep the earliest delivery of each event, aggregate visitor-days;
- full: `dbt build --full-refresh` on a new database with all the data;
- incremental: `dbt build` on a database built the day before (every folder of events
  received before the last day), after the last day's folder arrives in the same raw folder
  (new events, late ones for earlier days, re-deliveries). `--full-only` skips it (and the
  day-before build it needs): the issue's 100M-event targets concern the full build only.

The events are laid out as a production export: one Hive-style folder per received day
(`events/received_date=YYYY-MM-DD/data_0.csv`), the small tables as one file each.

The results (wall seconds, events per second, peak RSS, the slowest dbt nodes, and the
issue's targets) are printed and written as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pulse import paths
from pulse.dbt import dbt_env, dbt_executable
from pulse.errors import PulseError

END_DATE = date(2026, 3, 31)
_BUILD = ["--exclude-resource-type", "unit_test"]  # the production build (`make build`)
# the targets of the ingestion issue: at 20M events, and at 100M (no incremental target there)
TARGETS = {
    "full_vs_reference_max": 3.0,
    "incremental_vs_full_max": 0.10,
    "peak_rss_max_gb": 6.0,
    "spill_max_gb": 20.0,
}
TARGETS_100M = {
    "full_vs_reference_max": 4.0,
    "incremental_vs_full_max": 1.0,
    "peak_rss_max_gb": 6.0,
    "spill_max_gb": 20.0,
}

_REFERENCE_SCRIPT = """
import sys, duckdb
events_file, db_file, memory_limit = sys.argv[1:4]
con = duckdb.connect(db_file)
con.execute(f"set memory_limit = '{memory_limit}'")
con.execute("set threads = 2")
con.execute("set preserve_insertion_order = false")
con.execute("set timezone = 'UTC'")
con.execute(f"set temp_directory = '{db_file}.tmp'")
# Spills at 100M events within the build's memory limit: the first receipt per event_id is a
# hash aggregate with a fixed-size state and the join back to it a hash join, both of which
# DuckDB moves to disk (a window over event_id, arg_min of a struct or DISTINCT ON with the
# payload ran out of memory on 40M rows at 1 to 1.9 GB); minutes are counted in a second aggregate
# (no COUNT(DISTINCT)). A NULL received_at sorts last, as in the window it replaces.
con.execute(f'''
create or replace table reference_visitor_days as
with events as (
    select
        trim(event_id) as event_id,
        trim(visitor_id) as visitor_id,
        trim(account_id) as account_id,
        timezone('UTC', try_cast(upper(trim(occurred_at)) as timestamptz)) as occurred_at,
        coalesce(
            timezone('UTC', try_cast(upper(trim(received_at)) as timestamptz)),
            timestamp 'infinity'
        ) as received_at
    from read_csv('{events_file}', all_varchar = true, header = true, ignore_errors = true)
),
first_receipts as (
    select event_id, min(received_at) as received_at
    from events
    where occurred_at is not null
    group by event_id
),
-- DISTINCT: an exact re-delivery has the same received_at as the first one
deduplicated as (
    select distinct events.event_id, events.visitor_id, events.account_id, events.occurred_at
    from events
    inner join first_receipts
        on events.event_id = first_receipts.event_id
        and events.received_at = first_receipts.received_at
    where events.occurred_at is not null
),
visitor_minutes as (
    select
        visitor_id,
        account_id,
        date_trunc('minute', occurred_at) as activity_minute,
        count(*) as count_events
    from deduplicated
    group by all
)
select
    visitor_id,
    account_id,
    cast(activity_minute as date) as activity_date,
    sum(count_events) as count_events,
    count(*) as active_minutes
from visitor_minutes
group by all
''')
print(con.execute("select count(*) from reference_visitor_days").fetchone()[0])
con.close()
"""


def _run_measured(
    args: list[str], env: dict[str, str], label: str, spill_dir: Path | None = None
) -> dict[str, Any]:
    """Run a command; return its wall time, peak RSS (its own, via wait4) and, when
    spill_dir is given, the peak size of DuckDB's temp folder (polled every second)."""
    print(f"bench: {label} ...", file=sys.stderr, flush=True)
    spill_peak = [0.0]
    done = threading.Event()

    def poll() -> None:
        while spill_dir is not None and not done.wait(1.0):
            spill_peak[0] = max(spill_peak[0], _folder_gb(spill_dir))

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
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
    done.set()
    poller.join()
    if proc.returncode != 0:
        tail = " | ".join(line.strip() for line in output.strip().splitlines()[-6:])
        raise PulseError(f"bench: {label} failed: {tail}")
    peak_gb = usage.ru_maxrss * 1024 / 1e9  # ru_maxrss is in KiB on Linux
    print(f"bench: {label}: {wall:.1f} s, peak {peak_gb:.2f} GB", file=sys.stderr, flush=True)
    result = {"seconds": round(wall, 2), "peak_rss_gb": round(peak_gb, 3), "output": output}
    if spill_dir is not None:
        result["spill_peak_gb"] = round(spill_peak[0], 2)
    return result


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


def _prepare_data(work: Path, events: int, seed: int) -> dict[str, Any]:
    """Generate (or reuse) the data and lay the events out as a production export does: one
    Hive-style folder per received day (`events/received_date=YYYY-MM-DD/data_0.csv`).
    `days/` holds every day's folder; the last day is the "one more day" of the incremental
    phase (new events, late ones for earlier days, re-deliveries)."""
    from pulse.generate import generate

    generated = work / "generated"
    manifest_file = generated / "_manifest.json"
    days = work / "days"
    marker = work / "_bench_days.json"
    # events.csv is deleted once split into day folders (at 100M events it is 15 GB that
    # no phase reads again): without the day folders it is generated again
    needs_events = not marker.exists() and not (generated / "events.csv").exists()
    if not manifest_file.exists() or needs_events:
        if generated.exists():
            shutil.rmtree(generated)
        print(f"bench: generating about {events:,} events into {generated}", file=sys.stderr)
        generate(generated, events=events, seed=seed, end_date=END_DATE, progress=True)
    manifest = json.loads(manifest_file.read_text())
    if not marker.exists():
        import duckdb

        shutil.rmtree(days, ignore_errors=True)
        print("bench: splitting the events into one folder per received day", file=sys.stderr)
        con = duckdb.connect()
        try:
            con.execute("set timezone = 'UTC'")
            con.execute("set preserve_insertion_order = false")
            received = (
                "coalesce(try_cast(upper(trim(received_at)) as timestamptz), "
                "try_cast(upper(trim(occurred_at)) as timestamptz))"
            )
            con.execute(
                f"copy (select *, coalesce(strftime({received}, '%Y-%m-%d'), 'unknown') "
                f"as received_date from read_csv('{generated / 'events.csv'}', "
                "all_varchar = true, header = true, ignore_errors = true)) "
                f"to '{days}' (format csv, header true, partition_by (received_date))"
            )
            folders = sorted(p.name for p in days.iterdir() if p.is_dir())
            last = f"received_date={END_DATE.isoformat()}"
            arriving = con.execute(
                f"select count(*) from read_csv('{days / last}/*.csv', all_varchar = true)"
            ).fetchone()[0]
            total = con.execute(
                f"select count(*) from read_csv('{days}/*/*.csv', all_varchar = true, "
                "union_by_name = true)"
            ).fetchone()[0]
        finally:
            con.close()
        marker.write_text(
            json.dumps({"folders": folders, "last": last, "arriving": arriving, "total": total})
        )
        (generated / "events.csv").unlink()
    info = json.loads(marker.read_text())
    info["manifest"] = manifest
    info["generated"] = str(generated)
    info["days"] = str(days)
    return info


def _raw_folder(work: Path, name: str, info: dict[str, Any], with_last: bool) -> Path:
    """A raw folder of hard links (no copy of the big files): small tables + event days."""
    raw = work / name
    shutil.rmtree(raw, ignore_errors=True)
    (raw / "events").mkdir(parents=True)
    generated, days = Path(info["generated"]), Path(info["days"])
    for file in generated.iterdir():
        if file.suffix in (".csv", ".parquet") and file.stem != "events":
            os.link(file, raw / file.name)
    for folder in info["folders"]:
        if folder != info["last"] or with_last:
            _link_day(days / folder, raw / "events" / folder)
    return raw


def _link_day(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        os.link(file, target / file.name)


def _folder_gb(path: Path) -> float:
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(dirpath, name)).st_size
    return total / 1e9


def bench(
    events: int,
    work_dir: Path,
    seed: int = 42,
    out: Path | None = None,
    full_only: bool = False,
) -> dict[str, Any]:
    work = work_dir / f"events-{events}-seed-{seed}"
    work.mkdir(parents=True, exist_ok=True)
    info = _prepare_data(work, events, seed)
    rows = info["total"]
    memory_limit = os.environ.get("PULSE_DUCKDB_MEMORY_LIMIT", "4500MB")
    full_raw = _raw_folder(work, "raw-full", info, with_last=True)

    results: dict[str, Any] = {
        "events": rows,
        "events_arriving_on_last_day": info["arriving"],
        "event_files": len(info["folders"]),
        "raw_events_bytes": round(_folder_gb(full_raw / "events") * 1e9),
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
            str(full_raw / "events" / "*" / "*.csv"),
            str(ref_db),
            memory_limit,
        ],
        dict(os.environ),
        "reference query (dedup + visitor-days over the raw files)",
        Path(f"{ref_db}.tmp"),
    )
    reference["visitor_days"] = int(reference.pop("output").strip().splitlines()[-1])
    ref_db.unlink(missing_ok=True)
    shutil.rmtree(f"{ref_db}.tmp", ignore_errors=True)

    def dbt_phase(args: list[str], db_file: Path, raw: Path, label: str) -> dict[str, Any]:
        env = dbt_env(
            {
                "PULSE_DB_PATH": str(db_file),
                "PULSE_RAW_PATH": str(raw),
                "PULSE_DUCKDB_MEMORY_LIMIT": memory_limit,
                "PULSE_TARGET": "duckdb",
            }
        )
        result = _run_measured([dbt_executable(), *args], env, label, Path(f"{db_file}.tmp"))
        result.pop("output")
        result["slowest_nodes"] = _slowest_nodes()
        return result

    full_db = work / "full.duckdb"
    incremental_db = work / "incremental.duckdb"
    for db in (full_db, incremental_db):
        db.unlink(missing_ok=True)
        shutil.rmtree(f"{db}.tmp", ignore_errors=True)
    full = dbt_phase(["build", "--full-refresh", *_BUILD], full_db, full_raw, "full dbt build")
    if full_only:
        day_before = incremental = None
    else:
        # the daily job: one raw folder that receives the next day's files
        live = _raw_folder(work, "raw-live", info, with_last=False)
        day_before = dbt_phase(
            ["build", *_BUILD], incremental_db, live, "setup: dbt build of the day before"
        )
        _link_day(Path(info["days"]) / info["last"], live / "events" / info["last"])
        incremental = dbt_phase(
            ["build", *_BUILD], incremental_db, live, "incremental dbt build after one more day"
        )
    results.update(summarize(rows, reference, full, day_before, incremental))
    out = out or work_dir / f"bench-{events}.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(out)
    results["json_file"] = str(out)
    return results


def summarize(
    rows: int,
    reference: dict[str, Any],
    full: dict[str, Any],
    day_before: dict[str, Any] | None,
    incremental: dict[str, Any] | None,
) -> dict[str, Any]:
    """The phases with their events per second, the ratios and the targets they meet. Peak
    memory is over every phase; spill over the dbt builds only (the targets are the build's)."""
    builds = [phase for phase in (full, day_before, incremental) if phase is not None]
    for phase in (reference, full, incremental):
        if phase is not None:
            phase["events_per_second"] = (
                round(rows / phase["seconds"]) if phase["seconds"] else None
            )
    peak = max(phase["peak_rss_gb"] for phase in [reference, *builds])
    spill = max(phase.get("spill_peak_gb", 0.0) for phase in builds)
    targets = TARGETS_100M if rows >= 50_000_000 else TARGETS
    ratios = {
        "full_vs_reference": round(full["seconds"] / reference["seconds"], 2),
        "incremental_vs_full": (
            round(incremental["seconds"] / full["seconds"], 3) if incremental else None
        ),
        "peak_rss_gb": round(peak, 3),
        "spill_peak_gb": round(spill, 2),
    }
    return {
        "reference_query": reference,
        "full_build": full,
        "day_before_build": day_before,
        "incremental_build": incremental,
        "ratios": ratios,
        "targets": targets,
        "targets_met": {
            "full_vs_reference": ratios["full_vs_reference"] <= targets["full_vs_reference_max"],
            "incremental_vs_full": (
                ratios["incremental_vs_full"] <= targets["incremental_vs_full_max"]
                if incremental
                else None
            ),
            "peak_memory": peak <= targets["peak_rss_max_gb"],
            "spill": spill <= targets["spill_max_gb"],
        },
    }


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
        if phase is None:
            lines.append(f"  {label:<18} not run (--full-only)")
            continue
        lines.append(
            f"  {label:<18} {phase['seconds']:>8.1f} s"
            f"  {phase['events_per_second'] or 0:>12,} events/s"
            f"  peak {phase['peak_rss_gb']:.2f} GB"
            f"  spill {phase.get('spill_peak_gb', 0.0):.1f} GB"
        )
    ratios, met, targets = results["ratios"], results["targets_met"], results["targets"]
    for key, label, unit, target in [
        ("full_vs_reference", "full / reference", "", targets["full_vs_reference_max"]),
        ("incremental_vs_full", "incremental / full", "", targets["incremental_vs_full_max"]),
        ("peak_rss_gb", "peak memory", " GB", targets["peak_rss_max_gb"]),
        ("spill_peak_gb", "peak spill", " GB", targets["spill_max_gb"]),
    ]:
        check = {"peak_rss_gb": "peak_memory", "spill_peak_gb": "spill"}.get(key, key)
        if ratios[key] is None:
            continue
        lines.append(
            f"  {label:<18} {ratios[key]:>8.3f}{unit:<3} (target <= {target:g}) "
            + ("met" if met[check] else "NOT met")
        )
    lines.append(f"  written to {results['json_file']}")
    return "\n".join(lines)
