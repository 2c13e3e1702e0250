"""Bad input: every loader refuses every case of the broken-input corpus (tests/corpus/).

For each case (see tests/corpus/README.md):

* the loader raises :class:`~cdp_analysis.errors.InputError` (never another exception) whose
  message names the file, the row (CSV line, sheet row or YAML line) and column where they
  apply, what is wrong, and a fix or the expected value;
* ``cdp-analysis validate <file>`` exits non-zero and prints ``INVALID`` with that message
  (in-process for speed; a few cases, and the whole corpus at once, as a subprocess to prove
  no traceback reaches the user);
* every broken case is refused by the check ``cdp-analysis run`` makes before it writes
  anything (``report.runner.preflight``), with the loader's message; and for one case per
  kind of file (``slow``), ``cdp-analysis run`` itself on a copy of the data folder holding
  the broken file exits non-zero naming the file and the problem, and writes nothing under
  ``--out``.

Robustness cases (``loads=True``, e.g. an ONS table moved on its sheet) must load and give
the same table as the unmoved file. Known loader weaknesses are strict xfails whose reasons
say what the loader does instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from corpus.cases import BY_NAME, CASES, DATA, FILES, RUN_CASES, Case, base_bytes, readme_table

from cdp_analysis import areas, cli
from cdp_analysis.errors import InputError
from cdp_analysis.plan import catalogue
from cdp_analysis.sources import episodes, fingertips, local_measures, ons

README = Path(__file__).parent / "corpus" / "README.md"


@pytest.fixture(scope="module")
def bundled_catalogue() -> catalogue.Catalogue:
    return catalogue.load_indicators(DATA / "indicators.yaml")


def _loaders(cat: catalogue.Catalogue) -> dict[str, Callable[[Path], object]]:
    """Each kind of file's loader, called as the report calls it (bundled data folder)."""
    return {
        "fingertips": lambda p: fingertips.read_fingertips_csv(p, data_dir=DATA),
        "compiled": lambda p: fingertips.read_compiled_extract(p, data_dir=DATA),
        "ons": ons.load_workbook,
        "local": lambda p: local_measures.read_local_measures(p, data_dir=DATA),
        "episodes": lambda p: episodes.load_episodes(p, data_dir=DATA),
        "indicators": catalogue.load_indicators,
        "targets": lambda p: catalogue.load_targets(p, cat),
        # the lookup is read from <data folder>/lookups/areas.csv
        "areas": lambda p: areas.lookup(p.parent.parent),
    }


@pytest.fixture(scope="module")
def load(bundled_catalogue) -> Callable[[Case | str, Path], object]:
    loaders = _loaders(bundled_catalogue)
    return lambda kind, path: loaders[kind.loader if isinstance(kind, Case) else kind](path)


@pytest.fixture(scope="session")
def corpus_root(tmp_path_factory) -> Path:
    """Every case written once per session, as ``<root>/<case>/<file>``."""
    root = tmp_path_factory.mktemp("corpus")
    for c in CASES:
        c.write(root)
    return root


@pytest.fixture(scope="session")
def corpus(corpus_root) -> dict[str, Path]:
    """Case name -> its file."""
    return {c.name: corpus_root / c.name / c.file for c in CASES}


@pytest.fixture(scope="session")
def bases(tmp_path_factory) -> dict[str, Path]:
    """The valid cut-down files every case is built from: kind -> path."""
    root = tmp_path_factory.mktemp("bases")
    out = {}
    for kind, rel in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base_bytes(kind))
        out[kind] = path
    return out


def _params(which: str, cases: list[Case]) -> list:
    """Cases as pytest params, with the case's known weakness as a strict xfail."""
    out = []
    for c in cases:
        reason = c.xfail_load if which == "load" else c.xfail_validate
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(c, id=c.name, marks=marks))
    return out


BROKEN = [c for c in CASES if not c.loads]
ROBUST = [c for c in CASES if c.loads]


def check_message(text: str, case: Case, path: Path) -> None:
    """The message names the file, the problem, its row and column, and a fix/expected value."""
    assert path.name in text, f"file name missing from:\n{text}"
    text = text.replace(str(path), "<file>")  # the case's folder name must not count
    for word in case.words:
        assert word in text, f"{word!r} missing from:\n{text}"
    if case.rows:  # "row 12" must not be matched by "row 120"
        assert re.search(re.escape(case.rows) + r"(?!\d)", text), f"{case.rows!r} not in:\n{text}"
    if case.column:
        assert case.column in text, f"{case.column!r} missing from:\n{text}"
    if case.rows and case.column:  # both in the same problem line
        assert f"{case.rows}, {case.column}" in text, f"row and column apart in:\n{text}"
    assert "Fix:" in text or "(expected " in text, f"no fix or expected value in:\n{text}"


# ------------------------------------------------------------------------------ the corpus


def test_corpus_covers_every_loader():
    assert len(CASES) >= 40
    kinds = pd.Series([c.loader for c in CASES]).value_counts()
    assert set(kinds.index) == set(FILES)
    assert kinds.min() >= 3, kinds.to_dict()
    assert ROBUST, "at least one robustness case"
    assert set(RUN_CASES) <= set(BY_NAME)
    assert {BY_NAME[n].loader for n in RUN_CASES} >= set(FILES) - {"compiled"}


def test_readme_lists_every_case():
    """tests/corpus/README.md holds the table built from the cases (regenerate it with
    ``python -c "import corpus.cases as c; print(c.readme_table())"`` run in tests/)."""
    assert readme_table() in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", list(FILES))
def test_bases_are_valid(kind, bases, load, capsys):
    """Each case differs from a valid file by its one break: the cut-down bases load."""
    load(kind, bases[kind])
    assert cli.main(["validate", "--data", str(DATA), str(bases[kind])]) == 0
    assert "ok " in capsys.readouterr().out


# ------------------------------------------------------------------------------ loaders


@pytest.mark.parametrize("case", _params("load", BROKEN))
def test_loader_raises_input_error(case, corpus, load):
    path = corpus[case.name]
    with pytest.raises(Exception) as info:
        load(case, path)
    err = info.value
    assert isinstance(err, InputError), f"{type(err).__name__} instead of InputError: {err}"
    check_message(str(err), case, path)


@pytest.mark.parametrize("case", _params("load", ROBUST))
def test_robust_case_loads_as_the_original(case, corpus, bases, load, capsys):
    got = load(case, corpus[case.name])
    want = load(case, bases[case.loader])
    pd.testing.assert_frame_equal(got, want)
    assert cli.main(["validate", "--data", str(DATA), str(corpus[case.name])]) == 0
    assert "INVALID" not in capsys.readouterr().out


# ------------------------------------------------------------------------------ validate


@pytest.mark.parametrize("case", _params("validate", BROKEN))
def test_validate_prints_invalid_with_the_message(case, corpus, capsys):
    path = corpus[case.name]
    rc = cli.main(["validate", "--data", str(DATA), str(path)])
    out, err = capsys.readouterr()
    assert rc != 0
    assert f"INVALID {path}" in out
    check_message(out, case, path)


def _cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


SUBPROCESS_CASES = ["ft_latin1", "ons_truncated", "lm_duplicate_key", "ep_exit_before_start",
                    "tgt_unknown_measure", "area_latin1"]  # fmt: skip


@pytest.mark.parametrize("case", _params("validate", [BY_NAME[n] for n in SUBPROCESS_CASES]))
def test_validate_subprocess_no_traceback(case, corpus, tmp_path):
    path = corpus[case.name]
    proc = _cli("validate", "--data", str(DATA), str(path), cwd=tmp_path)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert f"INVALID {path}" in proc.stdout
    check_message(proc.stdout, case, path)


def test_validate_whole_corpus_folder(corpus_root, corpus, tmp_path):
    """One run over every case: each broken file INVALID (those with a known validate
    weakness at least reported), each robustness case ok."""
    proc = _cli("validate", "--data", str(DATA), str(corpus_root), cwd=tmp_path)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    assert proc.returncode == 1
    invalid = set(re.findall(r"^INVALID (\S+)", proc.stdout, flags=re.M))
    ok = set(re.findall(r"^ok\s+(\S+)", proc.stdout, flags=re.M))
    assert invalid | ok == {str(p) for p in corpus.values()}, "every file reported"
    assert invalid >= {str(corpus[c.name]) for c in BROKEN if not c.xfail_validate}
    assert ok >= {str(corpus[c.name]) for c in ROBUST}


# ------------------------------------------------------------------------------ run


#: Cases whose run is known to go wrong, with what happens instead (none at present).
RUN_WEAK: dict[str, str] = {}

#: Cases that once went wrong in `run` (recognition of damaged files, an unguarded lookup
#: read), kept as run cases so they cannot come back.
RUN_FIXED = ["area_latin1", "ft_utf16", "ons_truncated", "lm_renamed_column"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        *RUN_CASES,
        *RUN_FIXED,
        *(
            pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=r))
            for n, r in RUN_WEAK.items()
        ),
    ],
)
def test_run_refuses_a_broken_data_folder_and_writes_nothing(name, corpus, tmp_path):
    """The pre-flight check: a run on a data folder holding a broken file stops before any
    notebook runs, names the file and the problem, and leaves --out untouched."""
    case = BY_NAME[name]
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cache"))
    (data / case.file).write_bytes(corpus[name].read_bytes())
    out = tmp_path / "out"
    proc = _cli(
        "run", "--area", "E06000044", "--quarter", "2025-26Q4", "--data", str(data),
        "--out", str(out), cwd=tmp_path, timeout=900,
    )  # fmt: skip
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    assert Path(case.file).name in proc.stderr, proc.stderr
    for word in case.words:
        assert word in proc.stderr, proc.stderr
    written = sorted(out.rglob("*")) if out.exists() else []
    assert written == [], f"the run wrote {written[:5]}"


# ------------------------------------------------------------------------------ run pre-flight

#: The smallest valid data folder: the plan, the area lookup and one small source.
_MINIMAL = ["indicators.yaml", "targets.yaml", "lookups/areas.csv",
            "demo/local_measures_E06000044_demo.csv"]  # fmt: skip


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
def test_run_preflight_refuses_every_case(case, corpus, tmp_path):
    """Every case, through the check `cdp-analysis run` makes before it writes anything
    (`report.runner.preflight`; the slow tests above run the whole command for one case per
    kind): a small data folder holding the broken file is refused with the loader's message."""
    from cdp_analysis.errors import CdpError
    from cdp_analysis.report.runner import preflight

    data = tmp_path / "data"
    for rel in _MINIMAL:
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DATA / rel, data / rel)
    target = data / case.file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(corpus[case.name].read_bytes())
    with pytest.raises(CdpError) as info:
        preflight(data, data / "targets.yaml")
    check_message(str(info.value), case, target)
