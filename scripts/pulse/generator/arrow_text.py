"""Fast text formatting: numpy arrays -> Arrow string arrays (timestamps, ids, constants).

Arrays are built from buffers: `pa.array()` / `pa.scalar()` import pandas, which costs
seconds when bytecode caching is off."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from pulse.errors import PulseError
from pulse.generator.common import DAY
from pulse.generator.vocabulary import OFFSET_LABELS, OFFSET_MINUTES


def strings_from_matrix(mat: np.ndarray, lens: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """Rows of a uint8 matrix, each cut to its length, as an Arrow string array."""
    n, width = mat.shape
    lens = lens.astype(np.int64)
    if valid is not None:
        lens = np.where(valid, lens, 0)
    mask = np.arange(width, dtype=np.int64)[None, :] < lens[:, None]
    data = mat[mask]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lens, out=offsets[1:])
    bitmap = None
    null_count = 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        null_count = int(n - valid.sum())
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, null_count
    )


def arrow_ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """A numpy integer array as an Arrow int64 array (`null`: True where missing).

    Arrays are built from buffers: `pa.array()` / `pa.scalar()` import pandas, which costs
    seconds when bytecode caching is off.
    """
    v = np.ascontiguousarray(values, dtype=np.int64)
    bitmap = None
    null_count = 0
    if null is not None and null.any():
        bitmap = pa.py_buffer(np.packbits(~null, bitorder="little"))
        null_count = int(null.sum())
    return pa.Array.from_buffers(pa.int64(), len(v), [bitmap, pa.py_buffer(v)], null_count)


def arrow_strings(values: Sequence[str | None]) -> pa.Array:
    """Python strings (None = null) as an Arrow string array, without pandas."""
    n = len(values)
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=n), out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise PulseError("a text column is too large (over 2 GB in one piece)")
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    bitmap = None
    null_count = int(n - valid.sum())
    if null_count:
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(
        n,
        pa.py_buffer(offsets.astype(np.int32)),
        pa.py_buffer(b"".join(encoded)),
        bitmap,
        null_count,
    )


def const_strings(value: str, n: int) -> pa.Array:
    """`value` repeated n times (an array: Arrow scalars would import pandas)."""
    b = value.encode("utf-8")
    offsets = (np.arange(n + 1, dtype=np.int64) * len(b)).astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(b * n))


class _ByteLookups:
    """Byte lookup tables for timestamps and ids, built once."""

    def __init__(self) -> None:
        # suffixes: 0 "Z", 1..6 offsets, 7 "" (no offset), 8 + ms * 6 + offset ".mmm+HH:MM"
        suffixes = ["Z", *OFFSET_LABELS, ""]
        suffixes += [f".{ms:03d}{off}" for ms in range(1000) for off in OFFSET_LABELS]
        n_suf = len(suffixes)
        suf_bytes = np.zeros((n_suf, 16), dtype=np.uint8)
        for i, s in enumerate(suffixes):
            b = s.encode()
            suf_bytes[i, : len(b)] = np.frombuffer(b, dtype=np.uint8)
        self.suffix_len = np.array([len(s) for s in suffixes], dtype=np.int64)
        self.n_suffix = n_suf
        # word1: "DD" + sep + "HH:MM" for dd 1..31, sep (T, space), minute of day
        w1 = np.zeros((31, 2, 1440, 8), dtype=np.uint8)
        dd = np.arange(1, 32)
        w1[:, :, :, 0] = (48 + dd // 10)[:, None, None]
        w1[:, :, :, 1] = (48 + dd % 10)[:, None, None]
        w1[:, 0, :, 2] = ord("T")
        w1[:, 1, :, 2] = ord(" ")
        mod = np.arange(1440)
        hh, mm = mod // 60, mod % 60
        w1[:, :, :, 3] = 48 + hh // 10
        w1[:, :, :, 4] = 48 + hh % 10
        w1[:, :, :, 5] = ord(":")
        w1[:, :, :, 6] = 48 + mm // 10
        w1[:, :, :, 7] = 48 + mm % 10
        self.word1 = w1.reshape(-1, 8).view(np.uint64).ravel()
        # word2: ":SS" + suffix[0:5]
        w2 = np.zeros((60, n_suf, 8), dtype=np.uint8)
        ss = np.arange(60)
        w2[:, :, 0] = ord(":")
        w2[:, :, 1] = (48 + ss // 10)[:, None]
        w2[:, :, 2] = (48 + ss % 10)[:, None]
        w2[:, :, 3:8] = suf_bytes[None, :, 0:5]
        self.word2 = w2.reshape(-1, 8).view(np.uint64).ravel()
        # word3: suffix[5:13]
        self.word3 = np.ascontiguousarray(suf_bytes[:, 5:13]).view(np.uint64).ravel()
        digits = np.array([f"{i:04d}" for i in range(10_000)], dtype="S4")
        self.digits4 = digits.view(np.uint32)


_LOOKUPS: _ByteLookups | None = None


def _byte_lookups() -> _ByteLookups:
    global _LOOKUPS
    if _LOOKUPS is None:
        _LOOKUPS = _ByteLookups()
    return _LOOKUPS


# timestamp representations
STYLE_Z, STYLE_OFFSET, STYLE_OFFSET_MS, STYLE_NAIVE = range(4)


def format_timestamps(
    secs: np.ndarray,
    style: np.ndarray,
    offset: np.ndarray,
    ms: np.ndarray | None = None,
    valid: np.ndarray | None = None,
) -> pa.Array:
    """UTC epoch seconds (+ milliseconds for the .mmm style) as ISO-8601 text.

    style 0: `...T10:15:00Z`; 1: local time with its offset (`...T19:15:00+09:00`);
    2: local time with milliseconds and offset; 3: no offset (`2026-03-01 10:15:00`, UTC).
    """
    lookups = _byte_lookups()
    secs = np.asarray(secs, dtype=np.int64)
    n = len(secs)
    style = np.asarray(style)
    offset = np.asarray(offset, dtype=np.int64)
    local_style = (style == STYLE_OFFSET) | (style == STYLE_OFFSET_MS)
    local = secs + np.where(local_style, OFFSET_MINUTES[offset] * 60, 0)
    day = local // DAY
    second_of_day = local - day * DAY
    if n:
        d0 = int(day.min())
        d1 = int(day.max())
    else:
        d0 = d1 = 0
    dates = np.arange(d0, d1 + 1).astype("datetime64[D]").astype("S10")
    date_bytes = dates.view(np.uint8).reshape(-1, 10)
    word0_lut = np.ascontiguousarray(date_bytes[:, :8]).view(np.uint64).ravel()
    dd_lut = (date_bytes[:, 8].astype(np.int64) - 48) * 10 + date_bytes[:, 9] - 48
    day_index = day - d0
    sep = (style == STYLE_NAIVE).astype(np.int64)
    if ms is None:
        ms = np.zeros(n, dtype=np.int64)
    suffix = np.select(
        [style == STYLE_Z, style == STYLE_OFFSET, style == STYLE_NAIVE],
        [0, 1 + offset, 7],
        8 + np.asarray(ms, dtype=np.int64) * 6 + offset,
    )
    mat = np.empty((n, 4), dtype=np.uint64)
    mat[:, 0] = word0_lut[day_index]
    mat[:, 1] = lookups.word1[((dd_lut[day_index] - 1) * 2 + sep) * 1440 + second_of_day // 60]
    mat[:, 2] = lookups.word2[(second_of_day % 60) * lookups.n_suffix + suffix]
    mat[:, 3] = lookups.word3[suffix]
    return strings_from_matrix(mat.view(np.uint8), 19 + lookups.suffix_len[suffix], valid)


def format_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """`prefix` (4 ASCII chars) + the number as 12 zero-padded digits."""
    lookups = _byte_lookups()
    p = np.frombuffer(prefix.encode("ascii"), dtype=np.uint32)[0]
    numbers = np.asarray(numbers, dtype=np.int64)
    n = len(numbers)
    mat = np.empty((n, 4), dtype=np.uint32)
    mat[:, 0] = p
    mat[:, 1] = lookups.digits4[(numbers // 100_000_000) % 10_000]
    mat[:, 2] = lookups.digits4[(numbers // 10_000) % 10_000]
    mat[:, 3] = lookups.digits4[numbers % 10_000]
    offsets = np.arange(0, 16 * (n + 1), 16, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat))


def timestamp_texts(
    secs: Sequence[int] | np.ndarray,
    rng: np.random.Generator,
    offsets: Sequence[int] | np.ndarray,
    with_ms: bool = True,
) -> list[str]:
    """Timestamps in a random mix of representations (small tables)."""
    secs = np.asarray(secs, dtype=np.int64)
    n = len(secs)
    style = draw_styles(rng, n, with_ms)
    ms = np.where(style == STYLE_OFFSET_MS, rng.integers(0, 1000, n), 0)
    arr = format_timestamps(secs, style, np.asarray(offsets, dtype=np.int64), ms)
    return arr.to_pylist()


def draw_styles(rng: np.random.Generator, n: int, with_ms: bool = True) -> np.ndarray:
    u = rng.random(n)
    style = np.where(u < 0.32, STYLE_Z, np.where(u < 0.62, STYLE_OFFSET, STYLE_NAIVE))
    if with_ms:
        style = np.where((u >= 0.62) & (u < 0.75), STYLE_OFFSET_MS, style)
    return style.astype(np.int8)


def arrow_bools(mask: np.ndarray) -> pa.Array:
    """A numpy boolean array as an Arrow boolean array."""
    mask = np.asarray(mask, dtype=bool)
    bits = pa.py_buffer(np.packbits(mask, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, bits])


def null_strings(n: int) -> pa.Array:
    bitmap = pa.py_buffer(np.zeros((n + 7) // 8, dtype=np.uint8))
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int32))
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(b""), bitmap, n)
