"""Project paths and the the README "Knobs", resolved the same way by every command."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEFAULTS = {
    "PULSE_RAW_PATH": "data/raw",
    "PULSE_DB_PATH": "warehouse/pulse.duckdb",
    "PULSE_EXPORT_DIR": "exports",
    "PULSE_SERVE_PATH": "warehouse/pulse_marts.duckdb",
}


def resolve(path: str | os.PathLike[str]) -> Path:
    """An absolute path: absolute paths stay, relative ones are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()


def knob(name: str) -> Path:
    """The absolute path a path knob (README "Knobs") (env var) points to."""
    return resolve(os.environ.get(name) or DEFAULTS[name])


def raw_path() -> Path:
    return knob("PULSE_RAW_PATH")


def db_path() -> Path:
    return knob("PULSE_DB_PATH")


def export_dir() -> Path:
    return knob("PULSE_EXPORT_DIR")


def serve_path() -> Path:
    """The published copy of the marts BI tools read (written by `pulse publish`)."""
    return knob("PULSE_SERVE_PATH")


def sample_path() -> Path:
    """The default sample folder: the only place sample data is written without --out."""
    return resolve(DEFAULTS["PULSE_RAW_PATH"])
