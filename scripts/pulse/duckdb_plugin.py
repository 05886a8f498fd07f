"""dbt-duckdb plugin: SQL functions the landing macro (`land_raw_files`) needs from Python.

Registered on every dbt connection by `plugins:` in profiles/profiles.yml:
- `pulse_raw_files(raw_dir, table)`: JSON `{"files": [...]}` (pulse.rawfiles.table_files) or
  `{"error": "<one line>"}` (plus `"missing": true` when the table is not in the folder at all);
- `pulse_file_sha256(path)`: the content checksum of a file;
- `pulse_csv_header(path)`: JSON `{"header": [...]}` or `{"error": "<one line>"}`;
- `pulse_csv_headers(paths_json)`: the same for a list of files at once.
Errors come back as values, so the macro can stop the run with one line naming the file.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from pulse import rawfiles


def _raw_files(raw_dir: str, table: str) -> str:
    try:
        return json.dumps({"files": rawfiles.table_files(raw_dir, table)})
    except rawfiles.RawTableMissing as exc:
        return json.dumps({"error": str(exc), "missing": True})
    except rawfiles.RawLayoutError as exc:
        return json.dumps({"error": str(exc)})
    except OSError as exc:
        return json.dumps({"error": f"cannot read {exc.filename}: {exc.strerror}"})


def _sha256(path: str) -> str:
    return rawfiles.sha256(path)


def _csv_header(path: str) -> str:
    try:
        return json.dumps({"header": rawfiles.csv_header(path)})
    except rawfiles.RawLayoutError as exc:
        return json.dumps({"error": str(exc)})
    except OSError as exc:
        return json.dumps({"error": f"cannot read {path}: {exc.strerror}"})


def _csv_headers(paths: str) -> str:
    """Headers of many CSV files (a JSON list of paths) in one call: {"headers": [...]} or
    the first file's {"error": ...}."""
    headers = []
    for path in json.loads(paths):
        one = json.loads(_csv_header(path))
        if "error" in one:
            return json.dumps(one)
        headers.append(one["header"])
    return json.dumps({"headers": headers})


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        pass

    def configure_connection(self, conn: Any) -> None:
        for name, func in (
            ("pulse_raw_files", _raw_files),
            ("pulse_file_sha256", _sha256),
            ("pulse_csv_header", _csv_header),
            ("pulse_csv_headers", _csv_headers),
        ):
            with contextlib.suppress(Exception):  # not registered on this connection yet
                conn.remove_function(name)
            params = ["VARCHAR", "VARCHAR"] if name == "pulse_raw_files" else ["VARCHAR"]
            conn.create_function(name, func, params, "VARCHAR", side_effects=True)
