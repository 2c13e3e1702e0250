"""Checks of the ``--out`` folder before a run starts (it can be created and written and
has room), and the one-line message when writing a pack fails part-way (a full disk)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import ReportError

#: Free space needed to start a run, per area (a pack of the bundled notebooks is about
#: 2 MB; the margin covers bigger notebooks and the executed copies).
FREE_BYTES_PER_AREA = 50_000_000


def write_failure(exc: OSError, out_dir: Path) -> str:
    import errno

    where = exc.filename or out_dir
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return (
            f"{where}: the disk is full ({exc.strerror}). Free some space on the disk "
            f"holding {out_dir}, or choose another --out folder, and run again; the previous "
            "pack is unchanged."
        )
    return (
        f"{where}: could not be written ({exc.strerror or exc}). Check that you may write "
        f"to {out_dir}, or choose another --out folder; the previous pack is unchanged."
    )


def check_output_folder(out_dir: Path, n_areas: int = 1) -> None:
    """Refuse, in one line naming the folder and what to do, an output folder that cannot
    be created or written or whose disk has too little free space; called before any
    notebook runs."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"{out_dir}: the output folder cannot be created ({exc.strerror or exc}). Choose "
            "an --out folder you can write to; nothing was run."
        ) from None
    if not out_dir.is_dir():
        raise ReportError(
            f"{out_dir}: the output folder is a file, not a folder. Choose another --out "
            "folder; nothing was run."
        )
    probe = out_dir / f".cdp-write-test-{os.getpid()}"
    try:
        probe.write_bytes(b"cdp-analysis checks it can write here\n")
    except OSError as exc:
        raise ReportError(
            f"{out_dir}: the output folder cannot be written ({exc.strerror or exc}). Choose "
            "an --out folder you can write to, or ask for write access; nothing was run."
        ) from None
    finally:
        probe.unlink(missing_ok=True)
    need = FREE_BYTES_PER_AREA * max(1, n_areas)
    free = shutil.disk_usage(out_dir).free
    if free < need:
        raise ReportError(
            f"{out_dir}: only {free / 1e6:.0f} MB free on its disk; a run of {n_areas} "
            f"area{'s' if n_areas != 1 else ''} needs about {need / 1e6:.0f} MB. Free some "
            "space or choose another --out folder; nothing was run."
        )
