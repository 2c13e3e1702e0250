"""``manifest.json``: how a pack was produced, and checking its inputs later.

The manifest records the parameters, the package version and git commit, the SHA-256 of
every input file (every file under the data folder except hidden ones, ``__pycache__`` and
the top-level ``cache/`` and ``templates/`` folders; the targets file; each report
notebook's source), and each notebook's status and timings. It is written last, so a pack
folder with a manifest is complete. :func:`verify` re-hashes the inputs and lists every file
that changed, disappeared or appeared since.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__, data_files
from ..errors import ReportError
from ..paths import DATA_NOT_INPUTS, PROJECT_ROOT

MANIFEST = "manifest.json"
FORMAT = 1


def sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


#: Top-level folders of the data folder that are not inputs (cache, templates).
NOT_INPUTS = DATA_NOT_INPUTS


def _data_files(data_dir: Path) -> list[Path]:
    """The data folder's input files, by the one rule of :mod:`cdp_analysis.data_files`."""
    return data_files.inputs(data_dir)


def hash_inputs(data_dir: Path, targets_file: Path, notebooks: list[Path]) -> dict:
    """Fingerprints of everything a pack is made from (paths relative, POSIX style)."""
    data_dir = Path(data_dir).resolve()
    return {
        "data_dir": str(data_dir),
        "files": dict(
            sorted(
                (
                    p.relative_to(data_dir).as_posix(),
                    {"sha256": sha256(p), "bytes": p.stat().st_size},
                )
                for p in _data_files(data_dir)
            )
        ),
        "targets_file": {"path": str(Path(targets_file).resolve()), "sha256": sha256(targets_file)},
        "notebooks": {p.name: {"path": str(p.resolve()), "sha256": sha256(p)} for p in notebooks},
    }


def git_info(root: Path = PROJECT_ROOT) -> dict:
    """The commit the package was run from and whether the tree had uncommitted changes;
    None for both when it is not a git checkout (an installed package)."""
    if not (root / ".git").exists():
        return {"commit": None, "dirty": None}

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def build(
    *,
    parameters: dict,
    inputs: dict,
    git: dict,
    notebooks: list[dict],
    status: str,
    seconds: float,
) -> dict:
    """The manifest as a dict (see :func:`write`)."""
    return {
        "format": FORMAT,
        "producer": {
            "package": "cdp-analysis",
            "version": __version__,
            "git_commit": git.get("commit"),
            "git_dirty": git.get("dirty"),
            "python": platform.python_version(),
            "platform": sys.platform,
        },
        "created_utc": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "status": status,
        "parameters": parameters,
        "inputs": inputs,
        "notebooks": notebooks,
        "seconds": round(seconds, 3),
    }


def write(folder: Path, manifest: dict) -> Path:
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def read(pack: Path) -> dict:
    """The manifest of a pack folder (or the manifest file itself)."""
    path = Path(pack)
    if path.is_dir():
        path = path / MANIFEST
    if not path.is_file():
        raise ReportError(
            f"{path}: no manifest here. Give the pack folder, e.g. outputs/E06000044/2025-26Q4."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: the manifest cannot be read ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ReportError(f"{path}: not a cdp-analysis manifest (format {FORMAT}).")
    return manifest


@dataclass
class Check:
    """What :func:`verify` found: files whose contents differ, are gone or are new."""

    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added)


def verify(pack: Path, data_dir: Path | None = None) -> Check:
    """Re-hash a pack's inputs. ``data_dir`` replaces the recorded data folder (a pack
    checked on another machine); the targets file and notebooks are checked where recorded
    unless they lie inside the recorded data folder."""
    inputs = read(pack)["inputs"]
    recorded = Path(inputs["data_dir"])
    base = Path(data_dir) if data_dir is not None else recorded
    check = Check()

    def compare(label: str, path: Path, digest: str) -> None:
        check.checked += 1
        if not path.is_file():
            check.missing.append(label)
        elif sha256(path) != digest:
            check.changed.append(label)

    for rel, info in inputs["files"].items():
        compare(f"{base / rel}", base / rel, info["sha256"])
    if base.is_dir():
        now = {p.relative_to(base).as_posix() for p in _data_files(base)}
        check.added += [str(base / rel) for rel in sorted(now - set(inputs["files"]))]
    else:
        check.missing.append(f"{base} (the data folder)")
    for label, info in [("targets file", inputs["targets_file"])] + [
        (f"notebook {name}", info) for name, info in inputs.get("notebooks", {}).items()
    ]:
        path = Path(info["path"])
        try:
            path = base / path.relative_to(recorded)
        except ValueError:
            pass
        compare(f"{path} ({label})", path, info["sha256"])
    return check
