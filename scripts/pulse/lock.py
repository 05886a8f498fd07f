"""One writer at a time per database: an flock on `<PULSE_DB_PATH>.lock` beside the database.

The holder writes its pid, command and start time into the lock file, so a second writer can
say who holds the database and since when, in one line, instead of DuckDB's "Conflicting lock"
traceback. The operating system releases an flock when the last process holding it ends, so a
SIGKILL never leaves a stale lock (the file stays; its content is only read while locked).

`pulse locked -- COMMAND...` runs COMMAND while holding the lock. The lock's file descriptor is
inherited by COMMAND, so the lock is held until COMMAND and everything it starts have ended
(even when `pulse locked` itself is killed). COMMAND gets PULSE_LOCK_HELD=<token>: a nested
`pulse locked` (a sub-make of `make build`) or `pulse validate/export/report` started by it
sees the token in the lock file and runs without locking again instead of deadlocking.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import signal
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pulse import paths
from pulse.errors import PulseError

ENV_TOKEN = "PULSE_LOCK_HELD"
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


class Busy(PulseError):
    """Another process holds the database. The message is the complete line to print."""


def _postgres() -> bool:
    # not pulse.warehouse.target(): that module imports pandas (a second of start-up)
    return os.environ.get("PULSE_TARGET", "duckdb").strip().lower() == "postgres"


def database_label() -> str:
    """The database the lock protects, as people know it (relative to the project root)."""
    if _postgres():
        return "PostgreSQL database {}@{}:{}".format(
            os.environ.get("PGDATABASE", "pulse"),
            os.environ.get("PGHOST", "127.0.0.1"),
            os.environ.get("PGPORT", "5432"),
        )
    db = paths.db_path()
    try:
        return str(db.relative_to(paths.PROJECT_ROOT))
    except ValueError:
        return str(db)


def lock_file() -> Path:
    """`<database>.lock` beside the DuckDB file; for PostgreSQL one per host/port/database
    beside PULSE_DB_PATH (it serializes the builds started from this machine only)."""
    db = paths.db_path()
    if _postgres():
        name = "postgres-{}-{}-{}.lock".format(
            os.environ.get("PGHOST", "127.0.0.1").replace("/", "_"),
            os.environ.get("PGPORT", "5432"),
            os.environ.get("PGDATABASE", "pulse"),
        )
        return db.parent / name
    return db.with_name(db.name + ".lock")


def read_holder(path: Path) -> dict[str, Any]:
    """What the holder wrote into the lock file ({} when nothing readable yet)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def current_holder() -> dict[str, Any] | None:
    """Who holds the lock now (what they wrote into it), or None when nobody does."""
    path = lock_file()
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return read_holder(path)
    finally:
        os.close(fd)
    return None


def busy_message(holder: dict[str, Any]) -> str:
    who = f"process {holder['pid']}" if holder.get("pid") else "another process"
    if holder.get("command"):
        who += f" ({holder['command']})"
    since = f" since {holder['started_at']}" if holder.get("started_at") else ""
    return f"pulse: {database_label()} is being built by {who}{since}; try again when it ends."


@contextmanager
def hold(command: str) -> Iterator[int | None]:
    """Hold the database's lock for the block: yields the locked file descriptor (inheritable
    by children through pass_fds), or None when an ancestor holds it for us (PULSE_LOCK_HELD).
    Raises Busy, at once, when another process holds it."""
    path = lock_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = read_holder(path)
            token = os.environ.get(ENV_TOKEN)
            if token and holder.get("token") == token:
                os.close(fd)
                fd = -1
                yield None  # our ancestor holds it: run under its lock
                return
            raise Busy(busy_message(holder)) from None
        token = uuid.uuid4().hex
        info = {
            "pid": os.getpid(),
            "command": command,
            "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "token": token,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        previous = os.environ.get(ENV_TOKEN)
        os.environ[ENV_TOKEN] = token
        try:
            yield fd
        finally:
            if previous is None:
                os.environ.pop(ENV_TOKEN, None)
            else:
                os.environ[ENV_TOKEN] = previous
    finally:
        if fd >= 0:
            os.close(fd)  # releases the lock unless a child still has it open


def run_locked(argv: Sequence[str], name: str | None = None) -> int:
    """Run argv as a child while holding the lock; its exit code (128+N when killed by N)."""
    if not argv:
        raise PulseError("nothing to run: pulse locked -- COMMAND [ARG...]")
    command = name or shlex.join(argv)
    with hold(command) as fd:
        try:
            # its own process group: a Ctrl-C reaches it once, through us
            child = subprocess.Popen(
                list(argv), pass_fds=(fd,) if fd is not None else (), process_group=0
            )
        except OSError as exc:
            raise PulseError(f"cannot run {argv[0]}: {exc.strerror}") from None

        def forward(signum: int, _frame: Any) -> None:
            with suppress(ProcessLookupError):
                os.killpg(child.pid, signum)

        previous = {sig: signal.signal(sig, forward) for sig in FORWARDED_SIGNALS}
        try:
            code = child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return 128 - code if code < 0 else code
