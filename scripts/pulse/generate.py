"""`pulse generate`: synthetic raw data (the generator lives in the pulse.generator package).

This module is the public entry point: `from pulse.generate import generate,
format_timestamps`.
"""

from pulse.generator import GENERATOR_VERSION, format_timestamps, generate
from pulse.generator.dirty import (
    INVALID_NUMBER,
    INVALID_TIMESTAMP,
    MISSING_REQUIRED,
    OCCURRED_AFTER_RECEIVED,
    SCORE_OUT_OF_RANGE,
    UNKNOWN_ACCOUNT,
    UNKNOWN_VISITOR,
    UNPARSEABLE_LINE,
    applicable_kinds,
)
from pulse.generator.output_dir import MANIFEST, generated_files
from pulse.generator.raw_tables import COLUMNS, REQUIRED, TABLES
from pulse.generator.writers import FORMATS

__all__ = [
    "COLUMNS",
    "FORMATS",
    "GENERATOR_VERSION",
    "INVALID_NUMBER",
    "INVALID_TIMESTAMP",
    "MANIFEST",
    "MISSING_REQUIRED",
    "OCCURRED_AFTER_RECEIVED",
    "REQUIRED",
    "SCORE_OUT_OF_RANGE",
    "TABLES",
    "UNKNOWN_ACCOUNT",
    "UNKNOWN_VISITOR",
    "UNPARSEABLE_LINE",
    "applicable_kinds",
    "format_timestamps",
    "generate",
    "generated_files",
]
