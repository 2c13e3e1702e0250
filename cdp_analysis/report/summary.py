"""The run summary a scheduler can act on: ``cdp-analysis run --summary-json FILE``.

One JSON object for the whole run (format :data:`FORMAT`)::

    {"format": "cdp-analysis run summary 1", "version": "0.1.0",
     "status": "ok" | "incomplete" | "error", "exit_code": 0 | 1 | 2 | 130,
     "error": null | "the message printed when the run stopped",
     "quarter": "2025-26Q4", "quarter_requested": "latest",
     "started": "2026-...Z", "finished": "2026-...Z", "seconds": 27.1,
     "counts": {"areas": 1, "built": 1, "incomplete": 0, "not_built": 0},
     "areas": [{"area_code": "E06000044", "area_name": "Portsmouth",
                "status": "built" | "incomplete" | "not built",
                "why": [{"page": "02_drug_related_deaths", "message": "..."}],
                "pack": "/abs/outputs/E06000044/2025-26Q4", "index": ".../index.html",
                "zip": null, "seconds": 21.4,
                "verify": {"ok": true, "checked": 12, ...}}]}

``status`` of an area: ``built`` (every page produced), ``incomplete`` (the pack is
published, with a notice on each failed page; ``why`` lists them), ``not built`` (the run
stopped before the area's pack was published; ``why`` gives the run's error, and says when
the area was being built at that moment). A run that stops part-way (an error, Ctrl-C,
SIGTERM) still lists each pack it had published by then as ``built`` or ``incomplete``.
``verify`` is :func:`cdp_analysis.report.manifest.verify` of the published pack, run
straight after the run (``{"ok": false, "error": ...}`` when it could not be run).
Exit codes are those of the command (docs/user-guide.md): 0 every pack built, 1 a pack is
incomplete, 2 the run stopped on an input or usage problem, 130 interrupted.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from . import manifest

FORMAT = "cdp-analysis run summary 1"
BUILT, INCOMPLETE, NOT_BUILT = "built", "incomplete", "not built"


def now() -> str:
    """The current UTC time as ISO 8601 with a ``Z`` (seconds)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _verify(pack: Path) -> dict[str, Any]:
    try:
        check = manifest.verify(pack)
    except Exception as exc:  # the summary reports it; the run's own result stands
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if dataclasses.is_dataclass(check) and not isinstance(check, type):
        out = dataclasses.asdict(check)
    else:
        out = {k: v for k, v in vars(check).items() if not k.startswith("_")}
    out["ok"] = bool(check.ok)
    return {"ok": out.pop("ok"), **out}


def pack_entry(pack, verify: bool = True) -> dict[str, Any]:
    """One area's entry from a :class:`~cdp_analysis.report.runner.PackResult`."""
    return {
        "area_code": pack.area_code,
        "area_name": pack.area_name,
        "status": BUILT if pack.ok else INCOMPLETE,
        "why": [{"page": f.name, "message": f.message} for f in pack.failures],
        "pack": str(pack.path),
        "index": str(pack.index),
        "zip": str(pack.zip_path) if pack.zip_path else None,
        "seconds": round(pack.seconds, 2),
        "verify": _verify(pack.path) if verify else None,
    }


def build(
    *,
    areas: list[str],
    quarter_requested: str,
    started: str,
    seconds: float,
    result=None,
    record=None,
    error: str | None = None,
    exit_code: int,
    area_names: dict[str, str] | None = None,
    verify: bool = True,
) -> dict[str, Any]:
    """The summary of a run of ``areas``: from its
    :class:`~cdp_analysis.report.runner.RunResult` when it finished, else from what its
    :class:`~cdp_analysis.report.runner.RunRecord` says was done before it stopped on
    ``error``: every pack published by then is ``built`` or ``incomplete`` as usual; every
    other area is ``not built``, with the error as ``why`` (saying so when the area was
    being built at that moment). Names come from the run, else from ``area_names``."""
    quarter = result.quarter if result is not None else getattr(record, "quarter", None)
    done = result.packs if result is not None else getattr(record, "packs", [])
    packs = {p.area_code: p for p in done}
    names = {**(area_names or {}), **getattr(record, "names", {})}
    in_flight = getattr(record, "started", set())
    entries = []
    for code in areas:
        if code in packs:
            entries.append(pack_entry(packs[code], verify))
            continue
        why = error or "the run ended before this area's pack was published"
        if code in in_flight:
            why += " (while this area's pages were being built; nothing of it was published)"
        entries.append(
            {
                "area_code": code,
                "area_name": names.get(code, ""),
                "status": NOT_BUILT,
                "why": [{"page": None, "message": why}],
                "pack": None,
                "index": None,
                "zip": None,
                "seconds": None,
                "verify": None,
            }
        )
    counts = {"areas": len(entries)}
    for key, status in (("built", BUILT), ("incomplete", INCOMPLETE), ("not_built", NOT_BUILT)):
        counts[key] = sum(e["status"] == status for e in entries)
    if error is not None or counts["not_built"]:
        status = "error"
    else:
        status = "ok" if counts["incomplete"] == 0 else "incomplete"
    return {
        "format": FORMAT,
        "version": __version__,
        "status": status,
        "exit_code": exit_code,
        "error": error,
        "quarter": quarter.label if quarter is not None else None,
        "quarter_requested": quarter_requested,
        "started": started,
        "finished": now(),
        "seconds": round(seconds, 2),
        "counts": counts,
        "areas": entries,
    }


def write(path: Path, summary: dict[str, Any]) -> None:
    """Write ``summary`` as indented UTF-8 JSON, atomically (a scheduler polling the file
    never reads half of it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8", newline="\n")
    tmp.replace(path)
