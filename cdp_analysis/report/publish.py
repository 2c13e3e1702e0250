"""Publishing a pack folder so a reader never finds it half-written.

A pack is built in a hidden sibling folder, ``outputs/<area>/.<quarter>.building-<pid>``,
with ``manifest.json`` written last (a build folder with a manifest is complete). Publishing
is then a few renames of whole folders in the same parent, each atomic on POSIX and Windows:

1. if ``<quarter>`` holds a complete pack (manifest status ``ok``), the last good pack
   ``<quarter>.previous`` (if any) is renamed to ``.<quarter>.discard-<pid>`` and
   ``<quarter>`` becomes ``<quarter>.previous``; if ``<quarter>`` holds a *failed* pack it is
   renamed to the discard folder instead, so ``<quarter>.previous`` always keeps the last
   good pack;
2. the build folder is renamed to ``<quarter>``;
3. the discard folder is deleted.

Why renames rather than a symlink swapped with ``os.replace``: packs are real folders that
zip, copy to a shared drive and open on Windows like any other, and one code path serves
every OS. The cost is an instant between steps 1 and 2 when ``<quarter>`` does not exist.
If the process is killed anywhere, no pack is ever half-overwritten: the next run's
:func:`recover` finishes the job (a complete build folder left by a dead process is
published; failing that, ``<quarter>.previous`` is put back) and deletes incomplete
build and discard folders of dead processes.

Only folders cdp-analysis made are renamed away or deleted: each build folder gets a
marker file (:data:`MARKER`) when it is created, which the pack and its ``.previous``
copy keep. A ``<quarter>`` or ``<quarter>.previous`` folder without the marker (or, for
packs made before it, a cdp-analysis manifest) stops the run with a message, and nothing
is changed.

A failed run (a notebook that could not be run) still publishes its pack, marked failed on
the index page and in the manifest, because the sections that worked are useful and the
failure must be visible where readers look; the last good pack stays in
``<quarter>.previous`` until a good pack replaces it.

On Windows a rename fails while another program holds a file in the folder open; the run
then stops with a message saying so, and the previous pack is untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

from ..errors import ReportError
from .manifest import MANIFEST

#: A file the tool puts in every folder it makes (build folders, and so packs and their
#: ``.previous`` copies): folders without it (or a cdp-analysis manifest) are never deleted
#: or overwritten.
MARKER = ".cdp-analysis-pack"
MARKER_TEXT = "This folder was made by cdp-analysis, which may replace or delete it.\n"
BUILDING = "building"
DISCARD = "discard"
PREVIOUS_SUFFIX = ".previous"
#: Folders inside a pack left out of its zip file (see :func:`zip_pack`).
ZIP_EXCLUDE = ("notebooks",)


def previous_of(dest: Path) -> Path:
    return dest.with_name(dest.name + PREVIOUS_SUFFIX)


def build_dir(dest: Path, pid: int | None = None) -> Path:
    """Where this process builds the pack that will be published at ``dest``."""
    return dest.with_name(f".{dest.name}.{BUILDING}-{os.getpid() if pid is None else pid}")


def make_build_dir(dest: Path) -> Path:
    """Create this process's build folder for ``dest``, with the marker file in it."""
    build = build_dir(dest)
    if build.exists() and not is_ours(build):
        raise ReportError(
            f"{build} exists and was not made by cdp-analysis. Move it away and run again; "
            "nothing was deleted."
        )
    build.mkdir(parents=True, exist_ok=True)
    (build / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return build


def is_ours(folder: Path) -> bool:
    """Whether cdp-analysis made ``folder``: it holds the marker file, or (packs made before
    the marker existed) a manifest written by cdp-analysis."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    if (folder / MARKER).is_file():
        return True
    try:
        man = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return man.get("producer", {}).get("package") == "cdp-analysis"
    except (OSError, ValueError, AttributeError):
        return False


def _not_ours(folder: Path) -> ReportError:
    return ReportError(
        f"{folder} was not made by cdp-analysis (it has no {MARKER} file or cdp-analysis "
        "manifest), so it is not replaced or deleted. Move it away or choose another --out "
        "folder; nothing was changed."
    )


def remove_ours(folder: Path) -> bool:
    """Delete ``folder`` if cdp-analysis made it; False (and nothing deleted) otherwise."""
    if not is_ours(folder):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def _discard_dir(dest: Path) -> Path:
    return dest.with_name(f".{dest.name}.{DISCARD}-{os.getpid()}")


def pack_status(folder: Path) -> str | None:
    """The manifest's status ("ok", "failed"), or None when the folder holds no pack."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (errs on the side of "running")."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFO
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(dest: Path, kind: str) -> list[tuple[Path, int]]:
    out = []
    for p in dest.parent.glob(f".{dest.name}.{kind}-*"):
        suffix = p.name.rsplit("-", 1)[-1]
        if suffix.isdigit():
            out.append((p, int(suffix)))
    return sorted(out)


def _rename(src: Path, dst: Path) -> None:
    try:
        os.rename(src, dst)
    except OSError as exc:
        raise ReportError(
            f"Could not rename {src} to {dst} ({exc.strerror or exc}). If a file in it is open "
            "in another program, close it and run again; the previous pack is unchanged."
        ) from exc


def publish(build: Path, dest: Path) -> None:
    """Swap the complete pack in ``build`` into ``dest`` (see the module doc)."""
    build, dest = Path(build), Path(dest)
    if not (build / MANIFEST).is_file():
        raise ReportError(f"{build}: the pack is incomplete (no manifest); not published.")
    if not is_ours(build):
        raise _not_ours(build)
    previous, discard = previous_of(dest), _discard_dir(dest)
    if dest.exists() or dest.is_symlink():
        status = pack_status(dest)
        if status is None or not is_ours(dest):
            raise ReportError(
                f"{dest} exists but is not a cdp-analysis pack (no manifest.json). Move it "
                "away or choose another --out folder; nothing was overwritten."
            )
        if status == "ok":
            if previous.exists() or previous.is_symlink():
                if not is_ours(previous):
                    raise _not_ours(previous)  # checked before anything is renamed
                _rename(previous, discard)
            _rename(dest, previous)
        else:
            _rename(dest, discard)
    _rename(build, dest)
    remove_ours(discard)


def check_not_busy(dest: Path) -> None:
    """Refuse to build ``dest`` while another live process is building it."""
    for path, pid in _leftovers(dest, BUILDING):
        if pid != os.getpid() and pid_alive(pid):
            raise ReportError(
                f"Another run (process {pid}) is building {dest} ({path.name}). Wait for it to "
                f"finish; if no run is active, delete {path}."
            )


def recover(dest: Path) -> list[str]:
    """Tidy up after a run that was killed: publish a complete pack it left behind, or put
    ``<quarter>.previous`` back if ``<quarter>`` went missing; delete the incomplete build
    and discard folders of dead processes (and this process's own leftovers). Returns what
    was done, in words."""
    dest = Path(dest)
    done: list[str] = []
    if not dest.parent.is_dir():
        return done
    dead = [
        (p, pid)
        for p, pid in _leftovers(dest, BUILDING)
        if pid == os.getpid() or not pid_alive(pid)
    ]
    complete = [p for p, _ in dead if (p / MANIFEST).is_file()]
    if complete:
        newest = max(complete, key=lambda p: (p / MANIFEST).stat().st_mtime)
        publish(newest, dest)
        done.append(f"published the complete pack an interrupted run left in {newest.name}")
    elif not dest.exists() and is_ours(previous_of(dest)):
        _rename(previous_of(dest), dest)
        done.append(f"restored {dest.name} from {previous_of(dest).name}")
    for p, _ in dead:
        if p.exists():
            if remove_ours(p):
                done.append(f"deleted the incomplete build folder {p.name}")
            else:
                done.append(f"left {p.name} alone: cdp-analysis did not make it")
    for p, pid in _leftovers(dest, DISCARD):
        if pid == os.getpid() or not pid_alive(pid):
            remove_ours(p)
    return done


def zip_pack(dest: Path) -> Path:
    """``<quarter>.zip`` beside the pack folder, for emailing: the HTML pages and the manifest
    under one folder named ``<area>-<quarter>``. The executed notebooks (``notebooks/``) are
    left out: they are for analysts debugging a run and, unlike the pages, can hold raw
    tracebacks and warnings. Entries are sorted and dated 1980-01-01, so the same pack gives
    the same zip. Written to a temporary name and renamed into place."""
    dest = Path(dest)
    target = dest.with_name(dest.name + ".zip")
    tmp = dest.with_name(f".{dest.name}.zip.tmp-{os.getpid()}")
    top = f"{dest.parent.name}-{dest.name}"
    files = sorted(
        p
        for p in dest.rglob("*")
        if p.is_file() and p.relative_to(dest).parts[0] not in ZIP_EXCLUDE and p.name != MARKER
    )
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            info = zipfile.ZipInfo(f"{top}/{p.relative_to(dest).as_posix()}", (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, p.read_bytes())
    os.replace(tmp, target)
    return target
