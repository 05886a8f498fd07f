"""CSV serialisation (RFC 4180, quote only when needed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pulse.generator.arrow_text import const_strings

_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def csv_field(value: str | None) -> str:
    """One CSV field: empty for None, quoted (quotes doubled) only when needed."""
    if value is None:
        return ""
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _quote_where_needed(col: pa.Array) -> pa.Array:
    need = pc.match_substring_regex(col, r'[",\r\n]')
    if not pc.any(need).as_py():
        return col
    n = len(col)
    quote = const_strings('"', n)
    doubled = pc.replace_substring(col, '"', '""')
    quoted = pc.binary_join_element_wise(quote, doubled, quote, const_strings("", n))
    return pc.if_else(need, quoted, col)  # nulls stay null (written as empty)


def csv_lines(
    columns: Sequence[pa.Array], eol: str, safe: Sequence[bool] | None = None
) -> pa.Array:
    """Each row as one CSV line (with `eol`). Columns flagged `safe` are written as they are."""
    cols = []
    for i, col in enumerate(columns):
        col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        cols.append(col if safe is not None and safe[i] else _quote_where_needed(col))
    n = len(cols[0])
    last = pc.binary_join_element_wise(
        cols[-1],
        const_strings(eol, n),
        const_strings("", n),
        null_handling="replace",
        null_replacement="",
    )
    if len(cols) == 1:
        return last
    return pc.binary_join_element_wise(
        *cols[:-1], last, const_strings(",", n), null_handling="replace", null_replacement=""
    )


def line_bytes(lines: pa.Array) -> tuple[pa.Buffer, np.ndarray]:
    """The data buffer of a string array and its byte offsets (length n + 1)."""
    bufs = lines.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return bufs[2], offsets
