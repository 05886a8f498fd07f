"""Writing files so that a reader never sees half of one: the one helper every command uses.

`write_atomic` writes to a temporary file in the same folder, flushes it to disk (fsync), sets
its mode (whatever the umask: results anyone on the machine may read) and moves it over the
target with one `os.replace`. A reader sees the old file or the new one, never a mix; a
failure or a kill leaves the old file as it was (and no temporary file, unless killed).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from pulse.errors import PulseError

FILE_MODE = 0o644
DIR_MODE = 0o755


def write_atomic(path: Path, data: str | bytes, mode: int = FILE_MODE) -> None:
    """Replace path with data (text is written as UTF-8 with \\n line ends) in one rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_atomic_with(path, lambda handle: handle.write(payload), mode=mode)


def write_atomic_with(path: Path, write: Callable[[IO[bytes]], Any], mode: int = FILE_MODE) -> None:
    """Replace path with what write(handle) writes to a binary handle, in one rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_json_atomic(path: Path, data: Any, mode: int = FILE_MODE) -> None:
    """data as indented JSON (dates and other objects as their str), atomically."""
    write_atomic(path, json.dumps(data, indent=2, default=str) + "\n", mode=mode)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- retention: how long trigger event files and old export versions are kept ------------------
RETENTION_ENV = "PULSE_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> int:
    """env PULSE_RETENTION_DAYS, a whole number of days >= 0 (default 30)."""
    text = os.environ.get(RETENTION_ENV, "").strip()
    if not text:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(text)
    except ValueError:
        days = -1
    if days < 0:
        raise PulseError(f"{RETENTION_ENV} must be a whole number of days >= 0, got {text!r}")
    return days


def expired(path: Path, days: int, now: float | None = None) -> bool:
    """Whether path was last written more than `days` days ago (False when it is gone)."""
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return written < (time.time() if now is None else now) - days * 86400
