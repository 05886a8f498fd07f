"""`pulse export`: the marts CS tools import, as CSV (default) or Parquet.

- Which files and which column names come from a mapping profile (export_profiles/*.yml:
  generic, gainsight, salesforce, hubspot, or your own file).
- Health components: a `columns:` entry whose mart column holds `{component}` stands for one
  column per health component, expanded at its place (so the column order is kept) from the
  seed health_components in the warehouse (the one definition of the set): the components with
  a weight above 0, in the seed's row order. Its output name must hold a placeholder too:
  `{component}` (sponsor_engagement), `{label}` (Sponsor engagement) or `{title}` (Sponsor
  Engagement). `"{title} Score": "{component}_score"` gives `Breadth Score: breadth_score`, ...,
  `Sponsor Engagement Score: sponsor_engagement_score` (gainsight.yml). A component the mart
  has no column for is the usual one-line error (`... has no column(s) x_score`).
- CSV: RFC 4180, UTF-8, header row, ISO-8601 dates and timestamps (UTC), stable row order;
  a text value that begins with =, +, -, @, a tab or a carriage return is prefixed with a
  single quote so a spreadsheet never reads it as a formula (profile key `formula_escape`:
  `quote`, the default; `strip` removes those characters; `none` leaves the text as it is,
  for API imports that never pass through a spreadsheet).
- Parquet: each column has the type of its mart column (the marts' enforced contracts), not
  a type guessed from the rows: the schema is the same whatever the data (nulls included).
- Atomic: a run writes a new version folder, then switches the `<profile>` link to it in
  one rename. A run that fails or is killed leaves the previous export as it was.
- Merging: a run that writes only some files (`--select`) or another format carries the other
  files of the current version into the new one (hard links, else copies), so the `<profile>`
  folder always holds every file of the profile; each manifest entry says when and from
  which dbt run its file was written.
- Retention: versions older than PULSE_RETENTION_DAYS (30) are removed (the current one and
  the one before it are always kept), and so are trigger event files.
- `manifest.json` lists every file (rows, SHA-256), the as_of_date and window_days (the
  length of the `..._in_window` columns), the dbt run and when.
- Quality gate: refuses when the last dbt run never finished (killed: marts half old, half
  new), the last `pulse validate` failed or validated an older dbt run, or the last dbt run
  failed (marts older than it); `--force` overrides and says so (in the manifest).
- `--triggers`: the changes of the trigger lists (mart rpt_trigger_states, see pulse.triggers)
  since the previous export, one event per change, in triggers/events-<time>.csv (only when
  there is one) and latest.csv (the last events written). The trigger state (the next
  export's baseline) is written only after the export link has switched.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import numbers
import os
import re
import shutil
import string
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

from pulse import files, paths, warehouse
from pulse import triggers as trigger_lists
from pulse.errors import PulseError, Refused

PROFILE_DIR = Path(__file__).with_name("export_profiles")
# a `columns:` entry whose mart column holds this is expanded once per health component
COMPONENT_FIELD = "{component}"
COMPONENT_PLACEHOLDERS = ("component", "label", "title")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPES = ("quote", "strip", "none")
KEEP_VERSIONS = 2  # the current export and the one before it, whatever their age

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
    formula_escape: str = "quote"


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
    escape = str(raw.get("formula_escape") or "quote").strip().lower()
    if escape not in FORMULA_ESCAPES:
        raise PulseError(
            f"{path}: formula_escape must be one of {', '.join(FORMULA_ESCAPES)}, got {escape!r}"
        )
    profile = Profile(name=str(raw.get("profile") or path.stem), source=path, formula_escape=escape)
    for export_name, spec in raw["files"].items():
        if not isinstance(spec, dict) or not spec.get("model"):
            raise PulseError(f"{path}: files.{export_name} needs a `model:`")
        columns = spec.get("columns")
        if columns is not None and not isinstance(columns, dict):
            raise PulseError(
                f"{path}: files.{export_name}.columns must map output names to columns"
            )
        for out, column in (columns or {}).items():
            if COMPONENT_FIELD in str(column):
                _check_template(path, str(export_name), str(out), str(column))
        profile.files[str(export_name)] = ExportSpec(
            name=str(export_name),
            model=str(spec["model"]),
            file=str(spec.get("file") or export_name),
            order_by=[str(c) for c in spec.get("order_by") or []],
            columns={str(k): str(v) for k, v in columns.items()} if columns else None,
        )
    return profile


def _placeholders(text: str) -> set[str]:
    """The {field} names in text (ValueError for unbalanced braces)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _check_template(path: Path, export_name: str, out: str, column: str) -> None:
    """A health-component column entry: placeholders known, one in the output name too."""
    where = f"{path}: files.{export_name}.columns {out!r}: {column!r}"
    try:
        fields = _placeholders(out) | _placeholders(column)
    except ValueError as exc:
        raise PulseError(f"{where}: {exc}") from None
    unknown = sorted(fields - set(COMPONENT_PLACEHOLDERS))
    if unknown:
        known = ", ".join(f"{{{p}}}" for p in COMPONENT_PLACEHOLDERS)
        raise PulseError(f"{where}: unknown placeholder(s) {', '.join(unknown)} (known: {known})")
    if not _placeholders(out):
        raise PulseError(
            f"{where}: a health-component column needs {{component}}, {{label}} or {{title}} "
            "in its output name (one column per component)"
        )


def has_component_columns(spec: ExportSpec) -> bool:
    return any(COMPONENT_FIELD in column for column in (spec.columns or {}).values())


def expand_components(spec: ExportSpec, components: list[warehouse.HealthComponent]) -> ExportSpec:
    """spec with each health-component entry replaced, at its place, by one column per
    component (the seed health_components: weight > 0, seed order)."""
    if not has_component_columns(spec):
        return spec
    assert spec.columns is not None
    columns: dict[str, str] = {}
    for out, column in spec.columns.items():
        if COMPONENT_FIELD in column:
            fields = [
                {"component": c.component, "label": c.label, "title": c.title} for c in components
            ]
            pairs = [(out.format(**f), column.format(**f)) for f in fields]
        else:
            pairs = [(out, column)]
        for name, mart_column in pairs:
            if name in columns:
                raise PulseError(
                    f"export {spec.name}: the output column {name!r} is named twice (after "
                    "expanding the health components of seed health_components)"
                )
            columns[name] = mart_column
    return dataclasses.replace(spec, columns=columns)


# ------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------
def neutralise(text: str, escape: str = "quote") -> str:
    """Never let a spreadsheet read a text value as a formula: prefix a quote (`quote`), drop
    the leading formula characters (`strip`) or, for API imports, leave it (`none`)."""
    if escape == "none" or not text.startswith(FORMULA_PREFIXES):
        return text
    if escape == "strip":
        return text.lstrip("".join(FORMULA_PREFIXES))
    return "'" + text


def csv_value(value: Any, escape: str = "quote") -> str:
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
        return neutralise(value, escape)
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
    return neutralise(str(value), escape)


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


def _write_rows(frame: pd.DataFrame, handle: Any, escape: str) -> None:
    writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(c), escape) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([csv_value(v, escape) for v in row])


def write_csv(frame: pd.DataFrame, path: Path, escape: str = "quote") -> None:
    """frame as CSV at path (inside a version folder nobody reads yet), flushed to disk."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        _write_rows(frame, handle, escape)
        handle.flush()
        os.fsync(handle.fileno())


def csv_text(frame: pd.DataFrame, escape: str = "quote") -> str:
    buffer = io.StringIO(newline="")
    _write_rows(frame, buffer, escape)
    return buffer.getvalue()


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
    with path.open("rb") as handle:  # on disk before the version is published, like the CSV
        os.fsync(handle.fileno())


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
# Triggers (the lists are decided by the mart rpt_trigger_states; see pulse.triggers)
# ------------------------------------------------------------------------------------------
TRIGGER_DIR = "triggers"
STATE_FILE = "state.json"
LATEST_FILE = "latest.csv"
EVENT_COLUMNS = [
    "event_id",
    "event_type",
    "subject_type",
    "subject_id",
    "as_of_date",
    "detected_at",
    "trigger_type",
    "account_id",
    "visitor_id",
]
# trigger types whose members are visitors (only needed to read state files of older versions)
_VISITOR_TRIGGERS = ("inactive_visitors", "review_request_candidates", "champion_risk")


def state_members(state: dict[str, Any]) -> set[trigger_lists.Member]:
    """The members a state.json holds: {"members": {type: [[account, visitor], ...]}}, or
    the id lists of older versions ({"state": {type: [ids]}})."""
    if isinstance(state.get("members"), dict):
        return {
            trigger_lists.Member(str(t), str(account), None if visitor is None else str(visitor))
            for t, rows in state["members"].items()
            for account, visitor in rows
        }
    members = set()
    for trigger_type, ids in (state.get("state") or {}).items():
        for subject in ids:
            if trigger_type in _VISITOR_TRIGGERS:
                members.add(trigger_lists.Member(trigger_type, "", str(subject)))
            else:
                members.add(trigger_lists.Member(trigger_type, str(subject), None))
    return members


def members_state(members: Any) -> dict[str, list[list[str | None]]]:
    out: dict[str, list[list[str | None]]] = {}
    for member in sorted(members, key=lambda m: (m.trigger_type, m.account_id, m.visitor_id or "")):
        out.setdefault(member.trigger_type, []).append([member.account_id, member.visitor_id])
    return out


def events_frame(events: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{**e, "event_id": e["idempotency_key"]} for e in events]
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)


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


def _version_folders(versions: Path, profile: str) -> list[Path]:
    """This profile's version folders, oldest first (not those of a profile named `<profile>-x`)."""
    pattern = re.compile(re.escape(profile) + r"-\d{8}T\d{6}\d{6}Z-\d+")
    return sorted(p for p in versions.glob(f"{profile}-*") if pattern.fullmatch(p.name))


def _prune_versions(versions: Path, profile: str, keep: set[str], days: int) -> list[Path]:
    """Remove the finished versions older than `days` (never the newest KEEP_VERSIONS) and
    the folders of runs that died before finishing. The removed folders."""
    found = _version_folders(versions, profile)
    finished = [p for p in found if (p / "manifest.json").exists()]
    protected = keep | {p.name for p in finished[-KEEP_VERSIONS:]}
    removed = []
    for path in found:
        if path.name in protected:
            continue
        if path in finished and not files.expired(path / "manifest.json", days):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _entry_format(entry: dict[str, Any], manifest: dict[str, Any]) -> str:
    return str(entry.get("format") or manifest.get("format") or Path(entry["file"]).suffix[1:])


def _carry_over(
    link: Path, version_dir: Path, profile: Profile, written: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The files of the current version this run did not write again, linked into the new
    version (a hard link, else a copy: published files are never changed in place), with
    their manifest entries. Files of exports the profile no longer has are dropped."""
    if not link.is_symlink():
        return []
    current = link.resolve()
    try:
        previous = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    names = {e["file"] for e in written}
    pairs = {(e["export"], e["format"]) for e in written}
    carried = []
    for entry in previous.get("files") or []:
        name = str(entry.get("file") or "")
        if not name or Path(name).name != name or name in names:
            continue
        fmt = _entry_format(entry, previous)
        if entry.get("export") not in profile.files or (entry["export"], fmt) in pairs:
            continue
        source = current / name
        if not source.is_file():
            continue
        try:
            os.link(source, version_dir / name)
        except OSError:
            shutil.copy2(source, version_dir / name)
        carried.append(
            {
                **entry,
                "format": fmt,
                "as_of_date": entry.get("as_of_date", previous.get("as_of_date")),
                "window_days": entry.get("window_days", previous.get("window_days")),
                "written_at": entry.get("written_at", previous.get("written_at")),
                "dbt_invocation_id": entry.get(
                    "dbt_invocation_id", previous.get("dbt_invocation_id")
                ),
                "carried_over": True,
            }
        )
        names.add(name)
    return carried


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
    retention = files.retention_days()

    needed = {s.model for s in specs} | {"dim_report_window"}
    if triggers:
        needed.add(trigger_lists.MODEL)
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
        if any(has_component_columns(s) for s in specs):
            components = warehouse.health_components(wh)
            specs = [expand_components(s, components) for s in specs]

    problems = gate_problems(export_dir, last_run)
    if problems and not force:
        raise PulseError("export refused: " + "; ".join(problems) + " (--force overrides)")
    if problems:
        print("pulse export: --force: " + "; ".join(problems), file=sys.stderr)

    window = frames["dim_report_window"]
    as_of = csv_value(window["as_of_date"].iloc[0]) if not window.empty else ""
    # the length of the window the `..._in_window` columns count (var window_days)
    window_days = int(window["window_days"].iloc[0]) if not window.empty else None
    now = datetime.now(UTC)
    written_at = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    invocation = (last_run or {}).get("invocation_id")

    versions = export_dir / ".versions"
    versions.mkdir(exist_ok=True)
    version_name = f"{profile.name}-{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
    version_dir = versions / version_name
    version_dir.mkdir()
    link = export_dir / profile.name
    written = []
    try:
        for spec in specs:
            frame = shape(frames[spec.model], spec)
            out = version_dir / f"{spec.file}.{fmt}"
            if fmt == "csv":
                write_csv(frame, out, profile.formula_escape)
            else:
                write_parquet(frame, out, parquet_schema(spec, column_types[spec.model]))
            written.append(
                {
                    "export": spec.name,
                    "model": spec.model,
                    "file": out.name,
                    "format": fmt,
                    "rows": len(frame),
                    "columns": list(frame.columns),
                    "bytes": out.stat().st_size,
                    "sha256": sha256(out),
                    "as_of_date": as_of,
                    "window_days": window_days,
                    "written_at": written_at,
                    "dbt_invocation_id": invocation,
                }
            )
            print(f"pulse export: {out.name}: {len(frame):,} rows", file=sys.stderr)
        order = {name: i for i, name in enumerate(profile.files)}
        entries = written + _carry_over(link, version_dir, profile, written)
        entries.sort(key=lambda e: (order.get(e["export"], len(order)), e["file"]))
        manifest = {
            "profile": profile.name,
            "profile_file": str(profile.source),
            "format": fmt,
            "formula_escape": profile.formula_escape,
            "selected": [s.name for s in specs] if select else None,
            "as_of_date": as_of,
            "window_days": window_days,
            "written_at": written_at,
            "dbt_invocation_id": invocation,
            "dbt_run_finished_at": (last_run or {}).get("finished_at"),
            "target": warehouse.target(),
            "forced": bool(problems),
            "gate_problems": problems,
            "files": entries,
        }
        files.write_json_atomic(version_dir / "manifest.json", manifest)
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise

    # Triggers: computed before the switch, written after it (events, then the state last).
    # The state is the baseline of the next export, so it must not move unless this export is
    # published: a failure before the switch leaves both as they were; a failure after the
    # switch but before the state is written makes the next export report these changes again
    # (same deterministic event_id: at least once, never lost).
    pending = _compute_triggers(export_dir, frames) if triggers else None
    _switch_link(link, os.path.join(".versions", version_name))
    events: list[dict[str, Any]] = []
    if pending is not None:
        events = _write_triggers(export_dir, pending, as_of, now, retention)
    _prune_versions(versions, profile.name, keep={version_name}, days=retention)
    manifest["path"] = str(link)
    manifest["trigger_events"] = len(events) if triggers else None
    return manifest


@dataclass
class PendingTriggers:
    current: dict[trigger_lists.Member, dict[str, Any]]
    previous: set[trigger_lists.Member]
    baseline: bool


def _compute_triggers(export_dir: Path, frames: dict[str, pd.DataFrame]) -> PendingTriggers:
    """Today's trigger members and the baseline (state.json) to compare them with."""
    state_file = export_dir / TRIGGER_DIR / STATE_FILE
    current = trigger_lists.current_members(frames[trigger_lists.MODEL])
    if state_file.exists():
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise PulseError(
                f"{state_file} is unreadable: remove it to set a new baseline"
            ) from None
        return PendingTriggers(current, state_members(state), baseline=False)
    return PendingTriggers(current, set(current), baseline=True)  # the first export: no events


def _write_triggers(
    export_dir: Path, pending: PendingTriggers, as_of: str, now: datetime, retention: int
) -> list[dict[str, Any]]:
    """Write the events since the baseline (a new events file and latest.csv, only when there
    are some), then the new state; each file atomically. Then prune old event files."""
    folder = export_dir / TRIGGER_DIR
    folder.mkdir(exist_ok=True)
    detected_at = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    events = trigger_lists.diff(pending.previous, pending.current, as_of, detected_at)
    if pending.baseline:
        events = []
    target = None
    if events:
        text = csv_text(events_frame(events))
        target = folder / f"events-{now:%Y%m%dT%H%M%SZ}.csv"
        if target.exists():  # two exports within one second
            target = folder / f"events-{now:%Y%m%dT%H%M%S%fZ}.csv"
        files.write_atomic(target, text)
        files.write_atomic(folder / LATEST_FILE, text)
    files.write_json_atomic(
        folder / STATE_FILE,
        {
            "as_of_date": as_of,
            "written_at": detected_at,
            "baseline": pending.baseline,
            "members": members_state(pending.current),
        },
    )
    for old in sorted(folder.glob("events-*.csv")):
        if old != target and files.expired(old, retention):
            old.unlink(missing_ok=True)
    if pending.baseline:
        label = "baseline set, no events"
    elif target is None:
        label = "no new events"
    else:
        label = f"{len(events)} event(s) -> {target.name}"
    print(f"pulse export: triggers: {label}", file=sys.stderr)
    return events


def run_cli(args: Any) -> int:
    manifest = export(
        profile_name=args.profile,
        select=args.select,
        fmt=args.format,
        triggers=args.triggers,
        force=args.force,
    )
    new = [f for f in manifest["files"] if not f.get("carried_over")]
    kept = len(manifest["files"]) - len(new)
    total = sum(f["rows"] for f in new)
    print(
        f"exported {len(new)} file(s), {total:,} rows, as of "
        f"{manifest['as_of_date']} to {manifest['path']}"
        + (f" ({kept} other file(s) kept)" if kept else "")
        + (" (FORCED past the quality gate)" if manifest["forced"] else "")
    )
    return 0
