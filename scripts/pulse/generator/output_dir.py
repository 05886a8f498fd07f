"""The output folder: claiming it, the manifest, what an earlier run wrote."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pulse.errors import PulseError
from pulse.generator import pendo, segment
from pulse.generator.raw_tables import TABLES
from pulse.generator.writers import EXTENSIONS

MANIFEST = "_manifest.json"


def generated_files(out_dir: Path) -> set[Path] | None:
    """The files `pulse generate` wrote into out_dir (its manifest included), or None when
    out_dir holds no generator manifest. A manifest is written before the tables, so an
    interrupted run still owns its files."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        files = {out_dir / MANIFEST}
        for table in manifest["tables"].values():
            files.add(out_dir / table["file"])
        if "generator_version" not in manifest:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if not p.is_dir())


def prepare_out_dir(out_dir: Path, overwrite: bool = False) -> Path:
    """Make out_dir ready for a new sample. It may be missing, empty or written by `pulse
    generate` (its files are replaced); anything else is refused unless `overwrite`, and even
    then only the files this run writes are replaced: nothing else is ever removed."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise PulseError(f"output folder {out_dir} is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PulseError(f"cannot create output folder {out_dir}: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise PulseError(f"output folder {out_dir} is not writable")
    ours = generated_files(out_dir) or set()
    foreign = [p for p in _files_under(out_dir) if p not in ours]
    if foreign and not overwrite:
        more = f" and {len(foreign) - 1:,} more" if len(foreign) > 1 else ""
        raise PulseError(
            f"{out_dir} holds files pulse generate did not write "
            f"({foreign[0].relative_to(out_dir)}{more}); choose an empty folder "
            "or pass --overwrite to replace the sample tables in it"
        )
    # a format switch leaves no stale file: our old tables go; with --overwrite, the files of
    # the names any format writes (<table>.csv / .parquet) go too, and nothing else
    doomed = set(ours)
    if overwrite:
        doomed |= {out_dir / f"{t}.{ext}" for t in TABLES for ext in EXTENSIONS}
        doomed |= {out_dir / f"{t}.csv" for t in (*segment.TABLES, *pendo.TABLES)}
        doomed.add(out_dir / MANIFEST)
    for path in sorted(doomed):
        try:
            if path.is_file() or path.is_symlink():
                path.unlink()
        except OSError as exc:
            raise PulseError(f"cannot remove old file {path}: {exc.strerror or exc}") from None
    return out_dir


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    try:
        (out_dir / MANIFEST).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PulseError(f"cannot write {out_dir / MANIFEST}: {exc.strerror}") from None
