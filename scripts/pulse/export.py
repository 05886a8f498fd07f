"""`pulse export`: the marts CS tools import, as CSV (default) or Parquet.

- Which files and which column names come from a mapping profile (export_profiles/*.yml:
  generic, gainsight, salesforce, hubspot, or your own file).
- CSV: RFC 4180, UTF-8, header row, ISO-8601 dates and timestamps (UTC), stable row order;
  a text value that begins with =, +, -, @, a tab or a carriage return is prefixed with a
  single quote so a spreadsheet never reads it as a formula.
- Parquet: each column has the type of its mart column (the marts' enforced contracts), not
  a type guessed from the rows: the schema is the same whatever the data (nulls included).
- Atomic: a run writes a new version folder, then switches the `<profile>` link to it in
  one rename. A run that fails or is killed leaves the previous export as it was.
- `manifest.json` lists every file (rows, SHA-256), the as_of_date, the dbt run and when.
- Quality gate: refuses when the last dbt run never finished (killed: marts half old, half
  new), the last `pulse validate` failed or validated an older dbt run, or the last dbt run
  failed (marts older than it); `--force` overrides and says so (in the manifest).
- `--triggers`: the changes since the previous export as one event per change. The trigger
  state (the next export's baseline) is written only after the export link has switched.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import numbers
import os
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from pulse import paths, warehouse
from pulse.errors import PulseError, Refused

PROFILE_DIR = Path(__file__).with_name("export_profiles")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
KEEP_VERSIONS = 2  # the current export and the one before it

# The Parquet type of each mart column type (var pulse_types), as DuckDB and PostgreSQL name
# it in information_schema. Timestamps are UTC without a time zone, as in the marts.
PARQUET_TYPES = {
    "bigint": pa.int64(),
    "double": pa.float64(),
    "double precision": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamp without time zone": pa.timestamp("us"),
    "varchar": pa.string(),
    "text": pa.string(),
    "boolean": pa.bool_(),
}


# ------------------------------------------------------------------------------------------
# Profiles
# ------------------------------------------------------------------------------------------
@dataclass
class ExportSpec:
    name: str
    model: str
    file: str
    order_by: list[str]
    columns: dict[str, str] | None  # output name -> mart column; None = all, as they are


@dataclass
class Profile:
    name: str
    source: Path
    files: dict[str, ExportSpec] = field(default_factory=dict)


def load_profile(name_or_path: str) -> Profile:
    """A profile by name (export_profiles/<name>.yml) or by path to a mapping file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yml", ".yaml"):
        path = paths.resolve(candidate)
    else:
        path = PROFILE_DIR / f"{name_or_path}.yml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILE_DIR.glob("*.yml")))
        raise PulseError(
            f"unknown export profile {name_or_path!r} (known: {known}, or a .yml file)"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PulseError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw.get("files"), dict) or not raw["files"]:
        raise PulseError(f"{path}: a profile needs a `files:` mapping (see generic.yml)")
    profile = Profile(name=str(raw.get("profile") or path.stem), source=path)
    for export_name, spec in raw["files"].items():
        if not isinstance(spec, dict) or not spec.get("model"):
            raise PulseError(f"{path}: files.{export_name} needs a `model:`")
        columns = spec.get("columns")
        if columns is not None and not isinstance(columns, dict):
            raise PulseError(
                f"{path}: files.{export_name}.columns must map output names to columns"
            )
        profile.files[str(export_name)] = ExportSpec(
            name=str(export_name),
            model=str(spec["model"]),
            file=str(spec.get("file") or export_name),
            order_by=[str(c) for c in spec.get("order_by") or []],
            columns={str(k): str(v) for k, v in columns.items()} if columns else None,
        )
    return profile


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------
def neutralise(text: str) -> str:
    """Never let a spreadsheet read a text value as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_value(value: Any) -> str:
    """One value as CSV text: ISO-8601 for dates and timestamps, '' for null."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    # numbers are written as numbers: a negative number is not a formula
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        return str(int(number)) if number.is_integer() else repr(number)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return neutralise(str(value))


def shape(frame: pd.DataFrame, spec: ExportSpec) -> pd.DataFrame:
    """Select, rename and order the rows of one export."""
    missing = [c for c in spec.order_by if c not in frame.columns]
    if spec.columns:
        missing += [c for c in spec.columns.values() if c not in frame.columns]
    if missing:
        raise PulseError(
            f"export {spec.name}: {spec.model} has no column(s) {', '.join(sorted(set(missing)))}"
        )
    if spec.order_by:
        frame = frame.sort_values(spec.order_by, kind="mergesort", na_position="last")
    frame = frame.reset_index(drop=True)
    if spec.columns:
        frame = pd.DataFrame({out: frame[col] for out, col in spec.columns.items()})
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    columns = list(frame.columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow([neutralise(str(c)) for c in columns])
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([csv_value(v) for v in row])
        handle.flush()
        os.fsync(handle.fileno())


def parquet_schema(spec: ExportSpec, column_types: dict[str, str]) -> pa.Schema:
    """The Parquet schema of one export: each output column typed as its mart column."""
    mapping = spec.columns or {name: name for name in column_types}
    fields = []
    for out, column in mapping.items():
        data_type = column_types[column].lower()
        if data_type not in PARQUET_TYPES:
            raise PulseError(
                f"export {spec.name}: {spec.model}.{column} is {column_types[column]}, not a mart "
                "type (bigint, double, date, timestamp, varchar, boolean)"
            )
        fields.append(pa.field(out, PARQUET_TYPES[data_type]))
    return pa.schema(fields)


def write_parquet(frame: pd.DataFrame, path: Path, schema: pa.Schema) -> None:
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    pq.write_table(table.replace_schema_metadata(None), path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------
# Quality gate
# ------------------------------------------------------------------------------------------
def gate_problems(export_dir: Path, last_run: dict[str, Any] | None) -> list[str]:
    """Why the marts must not be exported now (empty when they may)."""
    problems = []
    unfinished = warehouse.never_finished(last_run)
    if last_run is None:
        problems.append("no dbt run is logged in this warehouse (run `make build` first)")
    elif unfinished:
        problems.append(unfinished)
    elif last_run.get("status") != "success":
        problems.append(
            f"the last dbt run ({last_run.get('invocation_id')}, {last_run.get('finished_at')}) "
            "failed: some marts are older than it"
        )
    validation_file = export_dir / "quality" / "validation.json"
    if not validation_file.exists():
        problems.append("the marts have not been validated (run `pulse validate` first)")
        return problems
    try:
        validation = json.loads(validation_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        problems.append(f"{validation_file} is unreadable (run `pulse validate` again)")
        return problems
    if not validation.get("success"):
        problems.append("the last validation failed (see quality/validation.json)")
    elif validation.get("complete") is False:
        problems.append("the last validation checked only some marts (run `pulse validate`)")
    if last_run is not None and validation.get("dbt_invocation_id") != last_run.get(
        "invocation_id"
    ):
        problems.append("the last validation checked an older dbt run (run `pulse validate` again)")
    return problems


# ------------------------------------------------------------------------------------------
# Triggers
# ------------------------------------------------------------------------------------------
def trigger_state(frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """The sets the triggers compare between two exports, as sorted id lists."""

    def ids(frame: pd.DataFrame | None, column: str, where: pd.Series | None = None) -> list[str]:
        if frame is None or frame.empty:
            return []
        selected = frame if where is None else frame[where.fillna(False).astype(bool)]
        return sorted({str(v) for v in selected[column].dropna()})

    health = frames.get("fct_account_health")
    milestones = frames.get("fct_account_milestones")
    state = {
        "at_risk_accounts": ids(
            health, "account_id", None if health is None else health["health_band"] == "at_risk"
        ),
        "inactive_visitors": ids(frames.get("rpt_inactive_visitors"), "visitor_id"),
        "review_request_candidates": ids(frames.get("rpt_review_requests"), "visitor_id"),
    }
    for flag, label in [
        ("is_setup_complete", "set_up"),
        ("is_activated", "activated"),
        ("is_utilizing", "utilizing"),
        ("is_mature", "mature"),
    ]:
        state[f"milestone_{label}"] = ids(
            milestones, "account_id", None if milestones is None else milestones[flag]
        )
    return state


TRIGGERS = [
    # (state key, event when an id enters, event when it leaves, subject type)
    ("at_risk_accounts", "account_entered_at_risk", "account_left_at_risk", "account"),
    ("inactive_visitors", "visitor_became_inactive", None, "visitor"),
    ("review_request_candidates", "promoter_became_review_candidate", None, "visitor"),
    ("milestone_set_up", "milestone_reached_set_up", None, "account"),
    ("milestone_activated", "milestone_reached_activated", None, "account"),
    ("milestone_utilizing", "milestone_reached_utilizing", None, "account"),
    ("milestone_mature", "milestone_reached_mature", None, "account"),
]


def trigger_events(
    previous: dict[str, list[str]], current: dict[str, list[str]], as_of: str, detected_at: str
) -> list[dict[str, str]]:
    events = []
    for key, entered, left, subject in TRIGGERS:
        before, now = set(previous.get(key, [])), set(current.get(key, []))
        for event_type, ids in [(entered, now - before), (left, before - now)]:
            if event_type is None:
                continue
            for subject_id in sorted(ids):
                event_id = hashlib.sha256(f"{event_type}|{subject_id}|{as_of}".encode()).hexdigest()
                events.append(
                    {
                        "event_id": event_id[:32],
                        "event_type": event_type,
                        "subject_type": subject,
                        "subject_id": subject_id,
                        "as_of_date": as_of,
                        "detected_at": detected_at,
                    }
                )
    return events


# ------------------------------------------------------------------------------------------
# The export
# ------------------------------------------------------------------------------------------
def _column_types(wh: warehouse.Warehouse, model: str) -> dict[str, str]:
    """Column name -> type name of a mart, in column order."""
    frame = wh.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [warehouse.MART_SCHEMA, model],
    )
    return dict(zip(frame["column_name"], frame["data_type"], strict=True))


def _switch_link(link: Path, target_name: str) -> None:
    """Point `link` (a symlink in the same folder) at target_name in one atomic rename."""
    if link.exists() and not link.is_symlink():
        # an export folder from elsewhere: keep it, but out of the way
        link.rename(link.with_name(f"{link.name}.replaced-{datetime.now(UTC):%Y%m%dT%H%M%S}"))
    tmp = link.with_name(f".{link.name}.link-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target_name)
    os.replace(tmp, link)


def _prune_versions(versions: Path, profile: str, keep: set[str]) -> None:
    found = sorted(versions.glob(f"{profile}-*"))
    finished = [p for p in found if (p / "manifest.json").exists()]
    for path in finished[:-KEEP_VERSIONS]:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for path in found:  # folders of runs that died before finishing
        if not (path / "manifest.json").exists() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def export(
    profile_name: str = "generic",
    select: list[str] | None = None,
    fmt: str = "csv",
    triggers: bool = False,
    force: bool = False,
    export_dir: Path | None = None,
) -> dict[str, Any]:
    profile = load_profile(profile_name)
    specs = list(profile.files.values())
    if select:
        unknown = sorted(set(select) - set(profile.files))
        if unknown:
            raise PulseError(
                f"unknown export(s) {', '.join(unknown)} in profile {profile.name} "
                f"(known: {', '.join(profile.files)})"
            )
        specs = [s for s in specs if s.name in select]
    export_dir = export_dir or paths.export_dir()
    export_dir.mkdir(parents=True, exist_ok=True)

    needed = {s.model for s in specs} | {"dim_report_window"}
    if triggers:
        needed |= {"fct_account_health", "fct_account_milestones"}
        needed |= {"rpt_inactive_visitors", "rpt_review_requests"}
    with warehouse.connect() as wh:
        last_run = wh.last_dbt_run()
        unfinished = warehouse.never_finished(last_run)
        if unfinished and not force:
            raise Refused(unfinished)  # before reading the marts: the most urgent news
        available = set(wh.tables())
        missing = sorted(needed - available)
        if missing:
            raise PulseError(f"mart(s) not built: {', '.join(missing)} (run `make build`)")
        frames = {model: wh.read_table(model) for model in sorted(needed)}
        column_types = {model: _column_types(wh, model) for model in sorted(needed)}

    problems = gate_problems(export_dir, last_run)
    if problems and not force:
        raise PulseError("export refused: " + "; ".join(problems) + " (--force overrides)")
    if problems:
        print("pulse export: --force: " + "; ".join(problems), file=sys.stderr)

    window = frames["dim_report_window"]
    as_of = csv_value(window["as_of_date"].iloc[0]) if not window.empty else ""
    now = datetime.now(UTC)
    written_at = now.isoformat(timespec="seconds").replace("+00:00", "Z")

    versions = export_dir / ".versions"
    versions.mkdir(exist_ok=True)
    version_name = f"{profile.name}-{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
    version_dir = versions / version_name
    version_dir.mkdir()
    files = []
    try:
        for spec in specs:
            frame = shape(frames[spec.model], spec)
            out = version_dir / f"{spec.file}.{fmt}"
            if fmt == "csv":
                write_csv(frame, out)
            else:
                write_parquet(frame, out, parquet_schema(spec, column_types[spec.model]))
            files.append(
                {
                    "export": spec.name,
                    "model": spec.model,
                    "file": out.name,
                    "rows": len(frame),
                    "columns": list(frame.columns),
                    "bytes": out.stat().st_size,
                    "sha256": sha256(out),
                }
            )
            print(f"pulse export: {out.name}: {len(frame):,} rows", file=sys.stderr)
        manifest = {
            "profile": profile.name,
            "profile_file": str(profile.source),
            "format": fmt,
            "as_of_date": as_of,
            "written_at": written_at,
            "dbt_invocation_id": (last_run or {}).get("invocation_id"),
            "dbt_run_finished_at": (last_run or {}).get("finished_at"),
            "target": warehouse.target(),
            "forced": bool(problems),
            "gate_problems": problems,
            "files": files,
        }
        write_json_atomic(version_dir / "manifest.json", manifest)
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise

    # Triggers: computed before the switch, written after it (events, then the state last).
    # The state is the baseline of the next export, so it must not move unless this export is
    # published: a failure before the switch leaves both as they were; a failure after the
    # switch but before the state is written makes the next export report these changes again
    # (same deterministic event_id: at least once, never lost).
    pending = _compute_triggers(export_dir, frames, as_of) if triggers else None
    link = export_dir / profile.name
    _switch_link(link, os.path.join(".versions", version_name))
    events: list[dict[str, str]] = []
    if pending is not None:
        events = _write_triggers(export_dir, pending, as_of, written_at)
    _prune_versions(versions, profile.name, keep={version_name})
    manifest["path"] = str(link)
    manifest["trigger_events"] = len(events) if triggers else None
    return manifest


@dataclass
class PendingTriggers:
    current: dict[str, list[str]]
    previous: dict[str, list[str]]
    baseline: bool


def _compute_triggers(
    export_dir: Path, frames: dict[str, pd.DataFrame], as_of: str
) -> PendingTriggers:
    """The trigger state of these marts and the baseline (state.json) to compare it with."""
    state_file = export_dir / "triggers" / "state.json"
    current = trigger_state(frames)
    if state_file.exists():
        previous = json.loads(state_file.read_text(encoding="utf-8"))["state"]
        return PendingTriggers(current, previous, baseline=False)
    return PendingTriggers(current, current, baseline=True)  # the first export: no events


def _write_triggers(
    export_dir: Path, pending: PendingTriggers, as_of: str, detected_at: str
) -> list[dict[str, str]]:
    """Write the events since the baseline, then the new state (each file atomically)."""
    folder = export_dir / "triggers"
    folder.mkdir(exist_ok=True)
    events = trigger_events(pending.previous, pending.current, as_of, detected_at)
    stamp = detected_at.replace(":", "").replace("-", "")
    events_file = folder / f"events-{stamp}.csv"
    tmp = folder / f".{events_file.name}.tmp-{os.getpid()}"
    columns = ["event_id", "event_type", "subject_type", "subject_id", "as_of_date", "detected_at"]
    write_csv(pd.DataFrame(events, columns=columns), tmp)
    os.replace(tmp, events_file)
    latest = folder / "latest.csv"
    tmp_latest = folder / f".latest.csv.tmp-{os.getpid()}"
    shutil.copyfile(events_file, tmp_latest)
    os.replace(tmp_latest, latest)
    write_json_atomic(
        folder / "state.json",
        {
            "as_of_date": as_of,
            "written_at": detected_at,
            "baseline": pending.baseline,
            "state": pending.current,
        },
    )
    label = "baseline set, no events" if pending.baseline else f"{len(events)} event(s)"
    print(f"pulse export: triggers: {label} -> {events_file.name}", file=sys.stderr)
    return events


def run_cli(args: Any) -> int:
    manifest = export(
        profile_name=args.profile,
        select=args.select,
        fmt=args.format,
        triggers=args.triggers,
        force=args.force,
    )
    total = sum(f["rows"] for f in manifest["files"])
    print(
        f"exported {len(manifest['files'])} file(s), {total:,} rows, as of "
        f"{manifest['as_of_date']} to {manifest['path']}"
        + (" (FORCED past the quality gate)" if manifest["forced"] else "")
    )
    return 0
