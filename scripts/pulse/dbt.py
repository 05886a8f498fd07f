"""Running dbt from Python with the project's environment (profiles, project dir, knobs)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pulse import paths
from pulse.errors import PulseError


def dbt_env(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment dbt runs with: project root, profiles and no usage tracking."""
    env = dict(os.environ)
    env.setdefault("PULSE_PROJECT_DIR", str(paths.PROJECT_ROOT))
    env.setdefault("DBT_PROFILES_DIR", str(paths.PROJECT_ROOT / "profiles"))
    env["DBT_PROJECT_DIR"] = str(paths.PROJECT_ROOT)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    env.update(overrides or {})
    return env


def dbt_executable() -> str:
    """The dbt next to this Python (the project's venv), else the one on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise PulseError("dbt is not installed in this environment (run `make install`)")
    return found


def run_dbt(
    args: Sequence[str], env: Mapping[str, str] | None = None, quiet: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>`; raise PulseError with dbt's last lines when it fails."""
    proc = subprocess.run(
        [dbt_executable(), *args],
        env=dbt_env(env),
        cwd=paths.PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if not quiet:
        sys.stderr.write(proc.stdout)
    if proc.returncode != 0:
        raise PulseError(failure_message(args, proc.stdout))
    return proc


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CLOCK = re.compile(r"^\d\d:\d\d:\d\d\s+")
# how dbt's closing summary starts each failed node
_NODE_FAILURE = ("Failure in ", "Runtime Error in ", "Database Error in ", "Compilation Error in ")


def failure_message(args: Sequence[str], output: str) -> str:
    """The one line that says why `dbt <args>` failed, from its output: our own error when a
    hook raised one, else dbt's first failed node and its totals, else its last lines."""
    lines = [_CLOCK.sub("", _ANSI.sub("", line)).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    ours = [line for line in lines if "Customer Pulse: " in line]
    if ours:  # our own one-line error (a missing table, a changed file, ...)
        return ours[-1].split("Customer Pulse: ", 1)[1]
    first = next((line for line in lines if line.startswith(_NODE_FAILURE)), None)
    totals = next((line for line in reversed(lines) if line.startswith("Done. PASS=")), None)
    if first:
        return f"dbt {args[0]}: {first}" + (f"; {totals[len('Done. ') :]}" if totals else "")
    return f"`dbt {' '.join(args)}` failed: {' | '.join(lines[-5:])}"


def stream_dbt(args: Sequence[str], pass_fds: Sequence[int] = ()) -> None:
    """Run `dbt <args>` with its output passed through as it comes (a build's progress);
    raise PulseError with the one line of failure_message when it fails.

    pass_fds: the build lock's descriptor, so the lock is held until dbt has ended even when
    the caller is killed (see pulse.lock). An interrupt (Ctrl-C, SIGTERM turned into
    KeyboardInterrupt by the caller) cancels dbt and waits for it before it is re-raised."""
    lines: list[str] = []
    try:
        child = subprocess.Popen(
            [dbt_executable(), *args],
            env=dbt_env(None if sys.stdout.isatty() else {"DBT_USE_COLORS": "false"}),
            cwd=paths.PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            pass_fds=tuple(pass_fds),
        )
    except OSError as exc:
        raise PulseError(f"cannot run dbt: {exc.strerror}") from None
    assert child.stdout is not None
    try:
        for line in child.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
        code = child.wait()
    except BaseException:
        child.send_signal(signal.SIGINT)  # dbt cancels its queries and ends
        child.wait()
        raise
    if code != 0:
        raise PulseError(failure_message(args, "".join(lines)))
