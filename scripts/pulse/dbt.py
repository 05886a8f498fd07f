"""Running dbt from Python with the project's environment (profiles, project dir, knobs)."""

from __future__ import annotations

import os
import shutil
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
        ours = [line.strip() for line in proc.stdout.splitlines() if "Customer Pulse: " in line]
        if ours:  # our own one-line error (a missing table, a changed file, ...)
            raise PulseError(ours[-1].split("Customer Pulse: ", 1)[1])
        tail = " | ".join(line.strip() for line in proc.stdout.strip().splitlines()[-5:])
        raise PulseError(f"`dbt {' '.join(args)}` failed: {tail}")
    return proc
