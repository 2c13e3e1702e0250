"""Build report packs: every notebook for every requested area, in parallel warm kernels.

The run is planned here (areas, quarter, notebooks, input fingerprints), each (area,
notebook) pair is a task for the worker processes (:mod:`.worker`), and as soon as all of
an area's notebooks are done its index page and manifest are written and the pack is
published (:mod:`.publish`). See the package docstring for the whole design.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import CdpError, InputError, ReportError
from ..periods import Quarter
from ..progress import Progress
from . import downloads, manifest, publish, workbook
from .output_folder import check_output_folder, write_failure
from .pages import FailedPage, PackInfo, PageRef, find_defects, render_index, render_page
from .pool import Pool

_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def resolve_quarter(text: str, data_dir: Path) -> Quarter:
    """``--quarter``: a label such as ``2025-26Q4``, or ``latest``, the latest quarter with
    quarterly data in the data folder (``indicator_table.resolve_quarter``, which needs only
    the indicator table the preflight has just built, not the report modules)."""
    from ..indicator_table import resolve_quarter as resolve

    try:
        return resolve(text, data_dir)
    except CdpError as exc:
        raise CdpError(f"--quarter: {exc}") from exc


def default_workers() -> int:
    """``--jobs`` by default: the CPUs this process may run on (its affinity mask where the
    OS has one, so a container or ``taskset`` limit is respected), at least 1."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return max(1, os.process_cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass
class RunOptions:
    """What ``cdp-analysis run`` was asked to do (paths are made absolute by :func:`run`)."""

    areas: list[str]
    quarter: str
    data_dir: Path
    targets_file: Path
    out_dir: Path
    notebooks_dir: Path
    workers: int | None = None
    zip: bool = False
    quiet: bool = False  # no progress bar or lines (warnings are still shown)
    comparators: list[str] | None = None  # None: each area's default comparators


@dataclass
class PackResult:
    area_code: str
    area_name: str
    path: Path
    status: str
    failures: list[FailedPage]
    seconds: float
    zip_path: Path | None = None

    @property
    def index(self) -> Path:
        return self.path / "index.html"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class RunResult:
    quarter: Quarter
    packs: list[PackResult]
    notebooks: list[dict]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.packs)


@dataclass
class RunRecord:
    """What a run has done so far, filled in by :func:`run` as it goes, so that a run that
    stops early (an error, Ctrl-C, SIGTERM) can still be summarised truthfully
    (:mod:`.summary`): which packs were published, which areas were being built."""

    quarter: Quarter | None = None
    names: dict[str, str] = field(default_factory=dict)  # area code -> name, once planned
    started: set[str] = field(default_factory=set)  # areas with a notebook started
    packs: list[PackResult] = field(default_factory=list)  # published, in finishing order


def _read_notebook(path: Path) -> dict:
    # Plain JSON: nbformat costs this process over a second to import, and the workers
    # validate each notebook when they read it.
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("'cells' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"not a readable notebook ({exc})", kind="notebook") from exc
    for c in cells:
        if isinstance(c.get("source"), list):
            c["source"] = "".join(c["source"])
    return nb


#: Notebook metadata marking a notebook that is not a pack page (e.g. explore.ipynb):
#: ``"metadata": {"cdp_analysis": {"report": false}}``.
NOT_A_PAGE = ("cdp_analysis", "report")


def is_report_notebook(nb: dict) -> bool:
    """False for a notebook whose metadata says it is not a pack page (:data:`NOT_A_PAGE`)."""
    section, key = NOT_A_PAGE
    return nb.get("metadata", {}).get(section, {}).get(key, True) is not False


def find_notebooks(folder: Path) -> list[tuple[Path, str]]:
    """The report notebooks in ``folder``, sorted by name, with their page titles; raises
    :class:`ReportError` or :class:`InputError` for anything that would stop them running
    as a pack. Notebooks marked as not pack pages (:data:`NOT_A_PAGE`) are left out."""
    from .notebook_html import notebook_title

    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: the notebooks folder does not exist (see --notebooks).")
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        raise ReportError(f"{folder}: no notebooks (*.ipynb) to run (see --notebooks).")
    out = []
    for p in paths:
        if not _NAME_OK.match(p.stem) or p.stem.lower() == "index":
            raise ReportError(
                f"{p}: the file name becomes a page name, so it must use letters, digits, "
                "'_', '-' or '.' only and not be 'index'. Rename the notebook."
            )
        nb = _read_notebook(p)
        if not is_report_notebook(nb):
            continue
        meta = nb.get("metadata", {})
        lang = meta.get("kernelspec", {}).get("language") or meta.get("language_info", {}).get(
            "name", "python"
        )
        if lang != "python":
            raise InputError(p, f"its kernel language is {lang!r}", kind="notebook",
                             fix="report notebooks run in a Python 3 kernel")  # fmt: skip
        if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]):
            raise InputError(
                p,
                "no cell is tagged 'parameters'",
                kind="notebook",
                fix="tag the notebook's first code cell 'parameters' (papermill puts the "
                "area, quarter and paths after it); keep tags when stripping outputs",
            )
        out.append((p, notebook_title(nb, p.stem)))
    if not out:
        raise ReportError(f"{folder}: no report notebooks to run, only ones marked not a page.")
    return out


def lookup_base(data_dir: Path) -> Path | None:
    """The data folder for the area lookup: ``data_dir`` when it has one, else the bundled."""
    return data_dir if (data_dir / "lookups" / "areas.csv").is_file() else None


def area_codes(requested: list[str] | None, all_areas: bool, data_dir: Path) -> list[str]:
    from ..areas import upper_tier_codes

    if all_areas:
        return upper_tier_codes(lookup_base(data_dir))
    return list(dict.fromkeys(requested or []))


def area_line(pack: PackResult) -> str:
    """The progress line of one finished area (:class:`cdp_analysis.progress.Progress`)."""
    n = len(pack.failures)
    words = "pack done" if pack.ok else f"pack INCOMPLETE, {n} page{'s' if n != 1 else ''} failed"
    return f"{pack.area_code} {pack.area_name}: {words} ({pack.seconds:.1f} s) -> {pack.index}"


@dataclass
class _Area:
    code: str
    name: str
    dest: Path
    build: Path
    pack: PackInfo
    pending: set[str]
    results: dict[str, dict] = field(default_factory=dict)
    started: float | None = None


def preflight(data_dir: Path, targets: Path) -> None:
    """Check every input before anything is written: the plan files, the lookups, and every
    source file (by building the indicator table, which validates each file and is cached
    by content hash, so the workers then load it from the cache). Raises the first
    :class:`~cdp_analysis.errors.InputError` found, naming the file and the fix."""
    from .. import data_files, indicator_table
    from ..plan.catalogue import load_indicators, load_targets
    from ..validation import DATA_SUFFIXES, detect, validate_file

    for f in data_files.inputs(data_dir):  # a bad symbolic link stops the run here
        if f.suffix.lower() not in DATA_SUFFIXES:
            continue
        rel = f.relative_to(data_dir).parts
        kind = detect(f)
        if kind is None:  # nothing in the data folder is silently left out
            raise CdpError(validate_file(f, data_dir).message)
        if kind.name not in indicator_table.SOURCES and rel[0] != "lookups":
            # a file taken for a kind the build does not read (e.g. a damaged export
            # guessed to be a lookup) is refused, not skipped
            result = validate_file(f, data_dir)
            if not result.ok:
                raise CdpError(result.message)
    catalogue = load_indicators(data_dir / "indicators.yaml")
    load_targets(targets, catalogue)
    for lookup in sorted((data_dir / "lookups").glob("*.csv")):
        result = validate_file(lookup, data_dir)
        if not result.ok:
            raise CdpError(result.message)
    indicator_table.load(data_dir)


@dataclass
class _Paths:
    data_dir: Path
    targets: Path
    notebooks_dir: Path
    out_dir: Path


def _paths(options: RunOptions) -> _Paths:
    """``options``' folders made absolute, the data folder and targets file checked."""
    data_dir = Path(options.data_dir).resolve()
    if not data_dir.is_dir():
        raise InputError(data_dir, "the data folder does not exist", fix="check --data")
    targets = Path(options.targets_file).resolve()
    if not targets.is_file():
        raise InputError(targets, "the targets file does not exist", fix="check --targets")
    if not options.areas:
        raise CdpError("No area to report on: give --area CODE or --all-areas.")
    notebooks_dir = Path(options.notebooks_dir).resolve()
    return _Paths(data_dir, targets, notebooks_dir, Path(options.out_dir).resolve())


class _Build:
    """One run once its inputs are checked: its areas, their build folders, the tasks, and
    the callbacks through which the pool reports (each finished area is published here)."""

    def __init__(self, options, paths: _Paths, notebooks, record: RunRecord, stream) -> None:
        self.options, self.paths, self.notebooks = options, paths, notebooks
        self.record, self.stream = record, stream
        self.pages = tuple(PageRef(p.stem, title) for p, title in notebooks)
        self.areas: dict[str, _Area] = {}
        self.progress: Progress | None = None
        self.results: list[dict] = []

    def plan(self) -> None:
        """Check every input (once per run), name the quarter and every area, and make each
        area's build folder (recovering what an earlier killed run left)."""
        from ..areas import area as area_row

        options, paths, record = self.options, self.paths, self.record
        preflight(paths.data_dir, paths.targets)
        quarter = self.quarter = record.quarter = resolve_quarter(options.quarter, paths.data_dir)
        base = lookup_base(paths.data_dir)
        for code in options.areas:
            name = record.names[code] = area_row(code, base)["area_name"]
            dest = paths.out_dir / code / quarter.label
            self.areas[code] = _Area(
                code=code,
                name=name,
                dest=dest,
                build=publish.build_dir(dest),
                pack=PackInfo.create(code, name, quarter, __version__, self.pages),
                pending={p.name for p in self.pages},
            )
        self.progress = Progress(len(self.areas), "area", quiet=options.quiet, stream=self.stream)
        for a in self.areas.values():
            for line in publish.recover(a.dest):
                self.progress.warn(f"{a.code}/{quarter.label}: {line}")
            publish.check_not_busy(a.dest)
            publish.make_build_dir(a.dest)
        self.inputs = manifest.hash_inputs(
            paths.data_dir, paths.targets, [p for p, _ in self.notebooks]
        )
        self.git = manifest.git_info()
        self.parameters = {"data_dir": str(paths.data_dir), "targets_file": str(paths.targets)}
        if options.comparators:
            for code in options.comparators:
                area_row(code, base)  # unknown codes stop the run here, naming the code
            self.parameters["comparators"] = " ".join(options.comparators)

    def tasks(self) -> list[dict]:
        """One task per (area, notebook), area by area in the order asked."""
        pairs = ((a, nb) for a in self.areas.values() for nb in self.notebooks)
        return [
            {
                "id": i,
                "area_code": a.code,
                "name": path.stem,
                "source": str(path),
                "build_dir": str(a.build),
                "pack": a.pack,
                "parameters": {
                    "area_code": a.code,
                    "quarter": self.quarter.label,
                    **self.parameters,
                },
            }
            for i, (a, (path, _)) in enumerate(pairs)
        ]

    def on_start(self, task: dict) -> None:
        a = self.areas[task["area_code"]]
        if a.started is None:
            a.started = time.perf_counter()
            self.record.started.add(a.code)

    def on_result(self, result: dict) -> None:
        a = self.areas[result["area_code"]]
        if result["name"] not in a.pending:
            return
        a.pending.discard(result["name"])
        a.results[result["name"]] = result
        self.results.append(result)
        if result["status"] != "ok":
            self.progress.warn(f"{a.code} {result['name']}: {result['message']}")
        if result.get("internal"):
            self.progress.warn(result["internal"].rstrip())
        if not a.pending:
            results = [a.results[p.name] for p in self.pages]
            pack = _finish_area(
                a,
                results,
                self.quarter,
                self.options,
                self.inputs,
                self.git,
                self.parameters,
                self.paths.notebooks_dir,
            )
            self.record.packs.append(pack)
            self.progress.advance(area_line(pack))

    def close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()

    def remove_build_dirs(self) -> None:
        for a in self.areas.values():
            if not publish.remove_ours(a.build) and a.build.is_dir():
                # made, then interrupted before its marker was written: still empty
                with contextlib.suppress(OSError):
                    a.build.rmdir()


def run(options: RunOptions, stream=None, record: RunRecord | None = None) -> RunResult:
    """Build and publish a pack for every area in ``options``; see the package docstring.
    ``record``, when given, is kept up to date as the run goes (also when it raises)."""
    t_start = time.perf_counter()
    record = record if record is not None else RunRecord()
    paths = _paths(options)
    notebooks = find_notebooks(paths.notebooks_dir)
    check_output_folder(paths.out_dir, len(options.areas))  # before any kernel or notebook
    from .kernel import remove_stale_dirs

    remove_stale_dirs()  # connection files (kernel keys) left by killed runs
    n_tasks = len(options.areas) * len(notebooks)
    # Workers start now: their kernels boot while this process plans the run.
    pool = Pool(min(options.workers or default_workers(), n_tasks), paths.notebooks_dir)
    build = _Build(options, paths, notebooks, record, stream)
    try:
        build.plan()
        pool.run(build.tasks(), build.on_start, build.on_result)
    except BaseException as exc:
        build.close_progress()
        pool.stop(now=True)
        build.remove_build_dirs()
        if isinstance(exc, OSError):  # e.g. the disk filled up while the pack was written
            raise ReportError(write_failure(exc, paths.out_dir)) from exc
        raise
    build.close_progress()
    pool.stop()
    return RunResult(build.quarter, record.packs, build.results, time.perf_counter() - t_start)


def _write_missing_pages(a: _Area, results: list[dict]) -> None:
    """A worker that died wrote no page: write its failure notice here."""
    for r in results:
        page_path = a.build / f"{r['name']}.html"
        if not page_path.exists():
            page = next(p for p in a.pack.pages if p.name == r["name"])
            page_path.write_text(
                render_page(a.pack, page, failure=r["message"]), encoding="utf-8", newline="\n"
            )


def _index_summary(a: _Area, results: list[dict]) -> str:
    """The summary HTML the notebooks hand to the index; empty (and the first notebook that
    gave one marked failed) when it fails the page checks."""
    summary = "\n".join(r["summary"] for r in results if r.get("summary"))
    if summary:
        defects = find_defects(render_index(a.pack, summary=summary))
        if defects:
            source = next(r for r in results if r.get("summary"))
            shown = "; ".join(d.message for d in defects[:3])
            source["status"] = "failed"
            source["message"] = (
                f"The summary it hands to the contents page failed the checks: {shown}."
            )
            summary = ""
    return summary


def _pack_downloads(a: _Area, results: list[dict]) -> list:
    """Every page's CSV files in page order, after the whole-pack CSV and workbook (written
    here)."""
    order = {p.name: i for i, p in enumerate(a.pack.pages)}
    files = [
        f
        for r in sorted(results, key=lambda r: order.get(r["name"], 0))
        for f in r.get("downloads", [])
    ]
    whole = [
        downloads.write_pack_csv(a.build, files),
        workbook.write_workbook(a.build, files, area_name=a.name, quarter_text=a.pack.quarter_text),
    ]
    return [f for f in whole if f] + files


def _notebook_entries(results: list[dict], titles: dict[str, str]) -> list[dict]:
    """The manifest's ``notebooks`` list."""
    return [
        {
            "name": r["name"],
            "title": titles[r["name"]],
            "source": f"{r['name']}.ipynb",
            "page": f"{r['name']}.html",
            "executed": f"notebooks/{r['name']}.ipynb",
            "status": r["status"],
            "message": r["message"],
            "error": r.get("error"),
            "synthetic_data": bool(r.get("synthetic")),
            "seconds": r["seconds"],
        }
        for r in results
    ]


def _finish_area(
    a: _Area,
    results: list[dict],
    quarter: Quarter,
    options: RunOptions,
    inputs: dict,
    git: dict,
    parameters: dict,
    notebooks_dir: Path,
) -> PackResult:
    """Index, manifest, publish (and zip) one area's pack once all its notebooks are done."""
    if not a.build.is_dir():
        publish.make_build_dir(a.dest)
    titles = {p.name: p.title for p in a.pack.pages}
    _write_missing_pages(a, results)
    summary = _index_summary(a, results)
    synthetic = any(r.get("synthetic") for r in results)
    failures = [
        FailedPage(r["name"], titles[r["name"]], r["message"])
        for r in results
        if r["status"] != "ok"
    ]
    files = _pack_downloads(a, results)
    html = render_index(
        a.pack, summary=summary, failures=failures, synthetic=synthetic, downloads=files
    )
    (a.build / "index.html").write_text(html, encoding="utf-8", newline="\n")
    from .pages import write_data_log

    write_data_log(a.build, a.pack, inputs)  # every input file; hashed below as a pack file
    status = "failed" if failures else "ok"
    seconds = time.perf_counter() - (a.started or time.perf_counter())
    man = manifest.build(
        parameters={
            "area_code": a.code,
            "area_name": a.name,
            "quarter": quarter.label,
            "quarter_requested": options.quarter,
            **parameters,
            "notebooks_dir": str(notebooks_dir),
        },
        inputs=inputs,
        git=git,
        notebooks=_notebook_entries(results, titles),
        status=status,
        seconds=seconds,
        outputs=manifest.hash_outputs(a.build),
    )
    man["downloads"] = files  # the CSV (and workbook) files, each hashed under "outputs"
    manifest.write(a.build, man)  # last: a build folder with a manifest is complete
    publish.publish(a.build, a.dest)
    zip_path = publish.zip_pack(a.dest) if options.zip else None
    return PackResult(a.code, a.name, a.dest, status, failures, seconds, zip_path)
