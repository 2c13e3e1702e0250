"""``manifest.json``: how a pack was produced, and checking the pack and its inputs later.

The manifest records the parameters, the package version and git commit, the SHA-256 of
every input file (every file under the data folder except hidden ones, ``__pycache__`` and
the top-level ``cache/`` and ``templates/`` folders, listed by the one symbolic-link rule of
:mod:`cdp_analysis.data_files`; the targets file; each report notebook's source), the
SHA-256 of every file of the pack itself (pages, images, CSVs, executed notebooks), and
each notebook's status and timings. ``manifest.sha256`` beside it holds the manifest's own
SHA-256. Both are written last, so a pack folder with a manifest is complete.

:func:`verify` checks the whole chain: the manifest against ``manifest.sha256``, each pack
file against the manifest, each input against the manifest; it lists every file that
changed, disappeared or appeared since the build. This is integrity, not authenticity:
someone who can rewrite the pack can rewrite the manifest and its checksum too. To prove
who made a pack, sign ``manifest.sha256`` (GPG, or sigstore's ``cosign sign-blob``) and
check the signature before running verify (see docs/user-guide.md).
"""

from __future__ import annotations

import hashlib
import json
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
#: ``sha256sum``-format file holding the manifest's own SHA-256 (``sha256sum -c`` reads it).
MANIFEST_SUM = "manifest.sha256"
FORMAT = 2
#: Files of a pack folder that are not its content (not hashed as outputs).
NOT_OUTPUTS = frozenset({MANIFEST, MANIFEST_SUM, ".cdp-analysis-pack"})


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


def hash_outputs(folder: Path) -> dict:
    """SHA-256 and size of every file of a pack folder (pages, images, CSVs, executed
    notebooks) except the manifest itself, by path relative to the folder (POSIX style)."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): {"sha256": sha256(p), "bytes": p.stat().st_size}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in NOT_OUTPUTS
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
    outputs: dict | None = None,
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
        "outputs": outputs or {},
        "seconds": round(seconds, 3),
    }


def write(folder: Path, manifest: dict) -> Path:
    """Write ``manifest.json`` and, beside it, ``manifest.sha256`` (its SHA-256 in the
    format of ``sha256sum``, so ``sha256sum -c manifest.sha256`` checks it too)."""
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    (Path(folder) / MANIFEST_SUM).write_text(
        f"{sha256(path)}  {MANIFEST}\n", encoding="utf-8", newline="\n"
    )
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
    if isinstance(manifest, dict) and manifest.get("format") == 1:
        raise ReportError(
            f"{path}: this pack was made by an older cdp-analysis whose manifest does not "
            "record the pack's own files; re-run the report to make a pack verify can check."
        )
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ReportError(f"{path}: not a cdp-analysis manifest (format {FORMAT}).")
    return manifest


@dataclass
class Check:
    """What :func:`verify` found, each as ``(path, what)``: files of the pack (``what`` is
    "pack") and inputs whose contents differ, that are gone, or that are new."""

    checked: int = 0
    changed: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added)

    @property
    def pack_changed(self) -> bool:
        """Whether the pack's own files (pages, images, CSVs, the manifest) were changed."""
        return any(w == "pack" for _, w in self.changed + self.missing + self.added)


def verify(pack: Path, data_dir: Path | None = None) -> Check:
    """Check a pack: the manifest against ``manifest.sha256``, every file of the pack
    against the SHA-256 recorded in the manifest (and no file added), then every input.
    ``data_dir`` replaces the recorded data folder (a pack checked on another machine);
    the targets file and notebooks are checked where recorded unless they lie inside the
    recorded data folder. A symbolic link in the data folder that breaks the rule of
    :mod:`cdp_analysis.data_files` raises its one-line error."""
    pack = Path(pack)
    folder = pack if pack.is_dir() else pack.parent
    man = read(pack)
    check = Check()
    man_path = folder / MANIFEST
    check.checked += 1
    try:
        recorded_sum = (folder / MANIFEST_SUM).read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        check.missing.append((str(folder / MANIFEST_SUM), "pack"))
    else:
        if recorded_sum != sha256(man_path):
            check.changed.append((str(man_path), "pack"))
    outputs = man.get("outputs") or {}
    for rel, info in outputs.items():
        check.checked += 1
        path = folder / rel
        if not path.is_file():
            check.missing.append((str(path), "pack"))
        elif sha256(path) != info.get("sha256"):
            check.changed.append((str(path), "pack"))
    now = hash_outputs_names(folder)
    check.added += [(str(folder / rel), "pack") for rel in sorted(now - set(outputs))]

    inputs = man["inputs"]
    recorded = Path(inputs["data_dir"])
    base = Path(data_dir) if data_dir is not None else recorded
    present = None
    if base.is_dir():
        present = {p.relative_to(base).as_posix() for p in _data_files(base)}  # may raise

    def compare(label: str, path: Path, digest: str) -> None:
        check.checked += 1
        if not path.is_file():
            check.missing.append((label, "input"))
        elif sha256(path) != digest:
            check.changed.append((label, "input"))

    for rel, info in inputs["files"].items():
        compare(f"{base / rel}", base / rel, info["sha256"])
    if present is not None:
        check.added += [
            (str(base / rel), "input") for rel in sorted(present - set(inputs["files"]))
        ]
    else:
        check.missing.append((f"{base} (the data folder)", "input"))
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


def hash_outputs_names(folder: Path) -> set[str]:
    """The paths :func:`hash_outputs` would record for ``folder`` (without hashing them)."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).as_posix() not in NOT_OUTPUTS
    }
