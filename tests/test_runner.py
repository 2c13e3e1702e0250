"""The report runner (``cdp-analysis run`` / ``verify``) on tiny fixture notebooks.

Fixture notebooks (tests/fixtures/notebooks/):
  00_overview   parameters cell, prints the parameters it got, hands a table to the index
                (cell tagged ``index-summary``), figure helper as cdp_analysis.pages.display does it
  01_trend      a figure with alt text, a DataFrame, a warning and a stderr line (both must
                not reach readers), a summary via output metadata, and state left behind
  02_synthetic  fails if the previous notebook's state leaked; prints "synthetic demo data"
  failing/      00_ok, 01_broken (cell 4 raises ValueError), 02_after, 03_plt_show (an
                <img> without alt text)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from cdp_analysis import __version__, cli
from cdp_analysis.errors import CdpError, InputError
from cdp_analysis.periods import Quarter
from cdp_analysis.report import pages, publish
from cdp_analysis.report.notebook_html import normalise_styler_ids, notebook_title
from cdp_analysis.report.runner import find_notebooks, resolve_quarter

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
FAILING = FIXTURES / "failing"
AREA, QUARTER = "E06000044", "2025-26Q4"
PAGES = ["00_overview", "01_trend", "02_synthetic"]

slow = pytest.mark.slow


def cli_run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


REAL_DATA = Path(__file__).resolve().parent.parent / "data"


def make_data(folder: Path) -> Path:
    """A small data folder: the real plan files and area lookup (the run's pre-flight checks
    them), one real source file (local measures), and files that are not inputs (a text
    note, a hidden file, the cache)."""
    (folder / "fingertips").mkdir(parents=True)
    (folder / "fingertips" / "NOTES.txt").write_bytes(b"a,b\n1,2\n")
    for rel in ("indicators.yaml", "targets.yaml", "lookups/areas.csv",
                "demo/local_measures_E06000044_demo.csv"):  # fmt: skip
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REAL_DATA / rel, folder / rel)
    (folder / ".hidden").write_bytes(b"not an input\n")
    (folder / "cache").mkdir()  # written by runs: not an input
    (folder / "cache" / "table.pkl").write_bytes(b"derived\n")
    return folder


def run_pack(notebooks: Path, data: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return cli_run(
        "run", "--area", AREA, "--quarter", QUARTER, "--notebooks", str(notebooks),
        "--data", str(data), "--out", str(out), *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("data") / "data")


@pytest.fixture(scope="module")
def good(tmp_path_factory, data_dir):
    """One good pack, built once for the module (with --zip)."""
    out = tmp_path_factory.mktemp("outputs")
    code, stdout, stderr = run_pack(FIXTURES, data_dir, out, "--zip", "--workers", "2")
    return {"code": code, "stdout": stdout, "stderr": stderr, "out": out,
            "pack": out / AREA / QUARTER}  # fmt: skip


@pytest.fixture(scope="module")
def failing(tmp_path_factory, data_dir, good):
    """A failing run published over a copy of the good pack."""
    out = tmp_path_factory.mktemp("outputs-failing")
    shutil.copytree(good["out"] / AREA, out / AREA)
    code, stdout, stderr = run_pack(FAILING, data_dir, out, "--workers", "1")
    return {"code": code, "stdout": stdout, "stderr": stderr, "out": out,
            "pack": out / AREA / QUARTER}  # fmt: skip


def html_files(pack: Path) -> list[Path]:
    return sorted(pack.glob("*.html"))


# --- one good pack -------------------------------------------------------------------------


@slow
def test_pack_layout_and_summary_line(good):
    assert good["code"] == 0, good["stderr"]
    pack = good["pack"]
    assert sorted(p.name for p in pack.iterdir()) == [
        ".cdp-analysis-pack", "00_overview.html", "01_trend.html", "02_synthetic.html",
        "data_log.html", "index.html", "manifest.json", "manifest.sha256", "notebooks",
    ]  # fmt: skip
    assert sorted(p.name for p in (pack / "notebooks").iterdir()) == [f"{n}.ipynb" for n in PAGES]
    shown = good["stdout"].splitlines()[0]
    assert shown.startswith("Pack written: ")
    assert shown.endswith(f"{AREA}/{QUARTER}/index.html".replace("/", os.sep))
    # stderr is not a terminal here: one plain progress line per area, nothing else
    [line] = good["stderr"].splitlines()
    assert line.startswith(f"[1/1] {AREA} Portsmouth: pack done (") and line.endswith(
        str(pack / "index.html")
    )


@slow
def test_manifest_records_parameters_hashes_and_timings(good, data_dir):
    m = json.loads((good["pack"] / "manifest.json").read_text())
    assert m["status"] == "ok"
    assert m["producer"]["version"] == __version__
    assert m["producer"]["git_commit"] is None or re.fullmatch(
        r"[0-9a-f]{40}", m["producer"]["git_commit"]
    )
    p = m["parameters"]
    assert (p["area_code"], p["area_name"], p["quarter"]) == (AREA, "Portsmouth", QUARTER)
    assert p["data_dir"] == str(data_dir.resolve())
    assert p["targets_file"] == str((data_dir / "targets.yaml").resolve())
    files = m["inputs"]["files"]
    assert sorted(files) == [  # .hidden and cache/ skipped
        "demo/local_measures_E06000044_demo.csv", "fingertips/NOTES.txt",
        "indicators.yaml", "lookups/areas.csv", "targets.yaml",
    ]  # fmt: skip
    # SHA-256 of the bytes make_data writes, typed in (sha256sum of the same bytes)
    assert files["fingertips/NOTES.txt"]["sha256"] == (
        "492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470"
    )
    targets = (data_dir / "targets.yaml").read_bytes()
    assert files["targets.yaml"] == {
        "sha256": hashlib.sha256(targets).hexdigest(),
        "bytes": len(targets),
    }
    assert m["inputs"]["targets_file"]["sha256"] == hashlib.sha256(targets).hexdigest()
    assert sorted(m["inputs"]["notebooks"]) == [f"{n}.ipynb" for n in PAGES]
    assert [n["name"] for n in m["notebooks"]] == PAGES
    assert [n["status"] for n in m["notebooks"]] == ["ok", "ok", "ok"]
    assert [n["synthetic_data"] for n in m["notebooks"]] == [False, False, True]
    assert [n["title"] for n in m["notebooks"]] == [
        "Overview",
        "Trend in completions",
        "Young people",
    ]
    for n in m["notebooks"]:
        s = n["seconds"]
        assert s["execute"] > 0 and s["render"] > 0 and 0 < s["cells"] <= s["execute"]


@slow
def test_parameters_reach_the_notebooks(good, data_dir):
    nb = json.loads((good["pack"] / "notebooks" / "00_overview.ipynb").read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1
    source = "".join(injected[0]["source"])
    assert f'area_code = "{AREA}"' in source and f'quarter = "{QUARTER}"' in source
    assert f"data_dir = {str(data_dir.resolve())!r}".replace("'", '"') in source
    text = json.dumps(nb)
    assert "Area E06000044, quarter 2025-26Q4" in text
    assert "data folder exists: True" in text and "targets file exists: True" in text


@slow
def test_kept_notebooks_hold_only_what_the_html_shows(good):
    """The executed notebooks in the pack keep code and displayed outputs, not the warnings
    and stderr lines readers never see."""
    for path in sorted((good["pack"] / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = json.dumps([c.get("outputs", []) for c in cells])
        assert "a warning readers must not see" not in text, path.name
        assert "must not be shown" not in text, path.name
        assert '"name": "stderr"' not in text, path.name
    trend = json.loads((good["pack"] / "notebooks" / "01_trend.ipynb").read_text())
    assert any(o.get("output_type") == "display_data" for c in trend["cells"]
               for o in c.get("outputs", []))  # fmt: skip


@slow
def test_html_is_for_readers(good):
    for path in html_files(good["pack"]):
        html = path.read_text(encoding="utf-8")
        assert html.startswith('<!DOCTYPE html>\n<html lang="en">'), path.name
        assert re.search(r"<title>[^<]+</title>", html), path.name
        for leaked in ("Traceback", "import matplotlib", "def show_figure", "In&nbsp;[",
                       "a warning readers must not see", "must not be shown", "<script"):  # fmt: skip
            assert leaked not in html, (path.name, leaked)
        imgs = re.findall(r"<img\b[^>]*>", html)
        for img in imgs:
            alt = re.search(r'\balt="([^"]*)"', img)
            assert alt and alt.group(1).strip(), (path.name, img[:80])
        for attr in re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', html):
            assert not re.match(r"(https?:)?//", attr), (path.name, attr)
        assert not re.search(r"https?://", html), path.name
        assert not pages.find_defects(html), path.name
    trend = (good["pack"] / "01_trend.html").read_text()
    assert len(re.findall(r"<img\b", trend)) == 1
    assert "Line chart: completions rose from 41 in 2019 to 58 in 2025." in trend
    assert "<table" in trend and "<td>58</td>" in trend


@slow
def test_index_front_page(good):
    html = (good["pack"] / "index.html").read_text()
    assert "<title>Portsmouth: Combating Drugs Partnership report, 2025/26 Q4</title>" in html
    assert "<h1>Portsmouth: Combating Drugs Partnership report, 2025/26 Q4</h1>" in html
    assert "January to March 2026" in html
    for name, title in zip(
        PAGES, ["Overview", "Trend in completions", "Young people"], strict=True
    ):
        assert f'<a href="{name}.html">{title}</a>' in html
    # the summary lifted from 00_overview (tagged cell) then 01_trend (output metadata)
    summary = html.split('<div class="index-summary">', 1)[1].split("</div>", 1)[0]
    assert summary.index("Progress against the plan") < summary.index("on track for the plan")
    assert 'role="alert"' not in html and "incomplete" not in html


@slow
def test_navigation_is_the_same_on_every_page(good):
    navs = set()
    for path in html_files(good["pack"]):
        nav = re.search(r'<nav class="pack-nav".*?</nav>', path.read_text(), re.S).group(0)
        navs.add(nav.replace(' aria-current="page"', ""))
        assert nav.count('aria-current="page"') == 1, path.name
    assert len(navs) == 1


@slow
def test_synthetic_note_only_where_the_outputs_say_so(good):
    note = "Some or all of the numbers on this page are synthetic demo data"
    assert note in (good["pack"] / "02_synthetic.html").read_text()
    assert note not in (good["pack"] / "01_trend.html").read_text()
    assert note not in (good["pack"] / "00_overview.html").read_text()
    assert (
        "Some sections of this report use synthetic demo data"
        in (good["pack"] / "index.html").read_text()
    )


@slow
def test_print_css(good):
    css = (good["pack"] / "index.html").read_text()
    media = css.split("@media print", 1)[1]
    assert ".pack-nav" in media and "display: none" in media
    assert "break-before: page" in media and "break-inside: avoid" in media


@slow
def test_zip_beside_the_pack(good):
    zpath = good["pack"].with_name(QUARTER + ".zip")
    assert zpath.is_file()
    assert good["stdout"].splitlines()[1].startswith("Zip written: ")
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert f"{AREA}-{QUARTER}/index.html" in names
        assert f"{AREA}-{QUARTER}/manifest.json" in names
        assert not [n for n in names if "/notebooks/" in n]
        assert (
            zf.read(f"{AREA}-{QUARTER}/01_trend.html")
            == (good["pack"] / "01_trend.html").read_bytes()
        )


@slow
def test_verify_detects_changed_missing_and_added_inputs(good, data_dir, tmp_path):
    code, out, _ = cli_run("verify", str(good["pack"]))
    assert code == 0 and "The pack and its inputs match" in out
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    (copy / "fingertips" / "NOTES.txt").write_bytes(b"a,b\n1,3\n")
    code, out, _ = cli_run("verify", str(good["pack"]), "--data", str(copy))
    assert code == 1
    assert f"changed: {copy / 'fingertips' / 'NOTES.txt'}" in out
    assert "targets" not in out
    (copy / "targets.yaml").unlink()
    (copy / "fingertips" / "new.csv").write_bytes(b"x\n")
    code, out, _ = cli_run("verify", str(good["pack"]), "--data", str(copy))
    assert code == 1
    assert f"missing: {copy / 'targets.yaml'}" in out
    assert f"added: {copy / 'fingertips' / 'new.csv'}" in out


@slow
@pytest.mark.parametrize("edit", ["page", "data_log", "manifest", "added"])
def test_verify_fails_naming_an_edited_page_or_manifest(good, tmp_path, edit):
    """A number changed in a rendered page, an edited manifest, or a file slipped into the
    pack: verify exits 1 and names the file (the untouched pack passes, test above)."""
    pack = tmp_path / "pack"
    shutil.copytree(good["pack"], pack)
    if edit in {"page", "data_log"}:
        target = pack / ("index.html" if edit == "page" else "data_log.html")
        text = target.read_text(encoding="utf-8")
        target.write_text(text.replace("</body>", "<p>3,108</p></body>", 1), encoding="utf-8")
    elif edit == "manifest":
        target = pack / "manifest.json"
        target.write_text(target.read_text(encoding="utf-8").replace("E06", "E07", 1))
    else:
        target = pack / "extra.html"
        target.write_text("<p>not built by the tool</p>", encoding="utf-8")
    code, out, err = cli_run("verify", str(pack))
    assert code == 1, out + err
    assert str(target) in out


@slow
def test_data_log_lists_every_input_with_the_manifests_hash(good):
    """The data log page is a pack file in the manifest, linked from the index and every
    page's navigation, and names each input with the SHA-256 the manifest records."""
    pack = good["pack"]
    m = json.loads((pack / "manifest.json").read_text())
    assert (
        m["outputs"]["data_log.html"]["sha256"]
        == hashlib.sha256((pack / "data_log.html").read_bytes()).hexdigest()
    )
    html = (pack / "data_log.html").read_text(encoding="utf-8").replace("<wbr>", "")
    assert "<h1>Data log</h1>" in html
    for rel, info in m["inputs"]["files"].items():
        assert f'<th scope="row">{rel}</th>' in html and info["sha256"] in html, rel
    for name, info in m["inputs"]["notebooks"].items():
        assert name in html and info["sha256"] in html, name
    local = html.split('<th scope="row">demo/local_measures_E06000044_demo.csv</th>')[1]
    assert "Synthetic demo data" in local.split("</tr>")[0]
    assert "The one data file is synthetic demo data." in html
    assert '<a href="data_log.html">Data log</a>' in (pack / "index.html").read_text()
    for path in html_files(pack):
        assert '<a href="data_log.html"' in path.read_text(), path.name


def test_verify_without_a_manifest(tmp_path):
    code, _, err = cli_run("verify", str(tmp_path))
    assert code == 2 and "no manifest" in err


@slow
def test_same_inputs_give_byte_identical_html(good, data_dir):
    before = {p.name: p.read_bytes() for p in html_files(good["pack"])}
    # One worker: 02_synthetic runs right after 01_trend in the same kernel, and fails if
    # the variables, rcParams, warnings filters or pandas options 01_trend set leaked.
    code, _, err = run_pack(FIXTURES, data_dir, good["out"], "--workers", "1")
    assert code == 0, err
    after = {p.name: p.read_bytes() for p in html_files(good["pack"])}
    assert before == after
    # the first pack is now the previous one, intact
    previous = good["pack"].with_name(QUARTER + ".previous")
    assert {p.name: p.read_bytes() for p in html_files(previous)} == before


# --- failures ------------------------------------------------------------------------------


@slow
def test_failing_notebook_marks_the_pack_failed(failing):
    assert failing["code"] == 1
    assert failing["stdout"].startswith("Pack written, INCOMPLETE: ")
    assert "01_broken" in failing["stderr"] and "03_plt_show" in failing["stderr"]
    pack = failing["pack"]
    m = json.loads((pack / "manifest.json").read_text())
    assert m["status"] == "failed"
    status = {n["name"]: n for n in m["notebooks"]}
    assert status["00_ok"]["status"] == "ok" and status["02_after"]["status"] == "ok"
    broken = status["01_broken"]
    assert broken["status"] == "failed"
    assert broken["error"] == {
        "cell": 4, "ename": "ValueError", "evalue": "deliberate failure for the runner tests",
    }  # fmt: skip
    assert status["03_plt_show"]["status"] == "failed"
    # the executed notebook is kept, with the error, for debugging
    kept = json.loads((pack / "notebooks" / "01_broken.ipynb").read_text())
    assert any(o.get("ename") == "ValueError" for c in kept["cells"] for o in c.get("outputs", []))


@slow
def test_failing_notebook_pages(failing):
    pack = failing["pack"]
    index = (pack / "index.html").read_text()
    banner = index.split('<div class="banner" role="alert">', 1)[1].split("</div>", 1)[0]
    assert "2 of 4 sections could not be produced" in banner
    assert "01_broken.ipynb" in banner and "Cell 4 failed with ValueError" in banner
    assert "03_plt_show.ipynb" in banner and "cell 3" in banner and "alt" in banner
    broken = (pack / "01_broken.html").read_text()
    assert "This section could not be produced." in broken
    assert "Cell 4 failed with ValueError: deliberate failure for the runner tests" in broken
    assert "before the failure" not in broken
    for path in html_files(pack):
        html = path.read_text()
        assert "Traceback" not in html and "raise ValueError" not in html, path.name
        assert not pages.find_defects(html), path.name
    assert "rendered although an earlier notebook failed" in (pack / "02_after.html").read_text()
    assert "<img" not in (pack / "03_plt_show.html").read_text()


@slow
def test_failed_run_keeps_the_last_good_pack(failing, data_dir):
    previous = failing["pack"].with_name(QUARTER + ".previous")
    assert publish.pack_status(previous) == "ok"
    assert (previous / "01_trend.html").is_file()
    # failing again: the failed pack is replaced, the good one stays the previous one
    code, _, _ = run_pack(FAILING, data_dir, failing["out"], "--workers", "1")
    assert code == 1
    assert publish.pack_status(previous) == "ok" and (previous / "01_trend.html").is_file()
    assert publish.pack_status(failing["pack"]) == "failed"
    leftovers = [p.name for p in failing["pack"].parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


@slow
def test_run_killed_between_build_and_swap(good, data_dir, tmp_path):
    """A run killed (SIGKILL) in the middle of publishing leaves the last pack recoverable,
    and the next run finishes the job."""
    if os.name != "posix":
        pytest.skip("SIGKILL is POSIX")
    out = tmp_path / "outputs"
    shutil.copytree(good["out"] / AREA, out / AREA)
    shutil.rmtree(out / AREA / (QUARTER + ".previous"), ignore_errors=True)
    dest = out / AREA / QUARTER
    before = {p.name: p.read_bytes() for p in html_files(dest)}
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from cdp_analysis import cli
        from cdp_analysis.report import publish
        real, calls = publish._rename, []
        def rename(src, dst):
            calls.append(src)
            if len(calls) == 2:  # the old pack has become .previous; the new one is not in
                os.kill(os.getpid(), signal.SIGKILL)
            real(src, dst)
        publish._rename = rename
        sys.exit(cli.main(["run", "--area", "{AREA}", "--quarter", "{QUARTER}", "--workers", "1",
                           "--notebooks", {str(FAILING)!r}, "--data", {str(data_dir)!r},
                           "--out", {str(out)!r}]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert not dest.exists()
    previous = dest.with_name(QUARTER + ".previous")
    assert {p.name: p.read_bytes() for p in html_files(previous)} == before
    builds = list(dest.parent.glob(f".{QUARTER}.building-*"))
    assert len(builds) == 1 and (builds[0] / "manifest.json").is_file()
    # the next run's first step: the complete pack the killed run built is published
    done = publish.recover(dest)
    assert publish.pack_status(dest) == "failed" and "published" in done[0]
    assert {p.name: p.read_bytes() for p in html_files(previous)} == before
    assert not list(dest.parent.glob(f".{QUARTER}.*"))


# --- publishing, unit level ----------------------------------------------------------------


def fake_pack(folder: Path, status: str, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / publish.MARKER).write_text(publish.MARKER_TEXT)
    (folder / "index.html").write_text(text)
    (folder / "manifest.json").write_text(json.dumps({"status": status}))
    return folder


def contents(folder: Path) -> str | None:
    f = folder / "index.html"
    return f.read_text() if f.is_file() else None


@pytest.mark.parametrize("old_status", ["ok", "failed"])
@pytest.mark.parametrize("crash_at", [1, 2, 3])
def test_publish_interrupted_at_any_rename_is_recovered(
    tmp_path, monkeypatch, old_status, crash_at
):
    dest = tmp_path / AREA / QUARTER
    previous = publish.previous_of(dest)
    fake_pack(previous, "ok", "oldest good")
    fake_pack(dest, old_status, "old")
    build = fake_pack(publish.build_dir(dest, pid=999_999_999), "ok", "new")
    real, calls = publish._rename, []

    def rename(src, dst):
        calls.append(src)
        if len(calls) == crash_at:
            raise KeyboardInterrupt("killed")
        real(src, dst)

    monkeypatch.setattr(publish, "_rename", rename)
    with contextlib.suppress(KeyboardInterrupt):
        publish.publish(build, dest)
    monkeypatch.setattr(publish, "_rename", real)
    # never half-written: every pack folder present holds one whole pack
    for folder in (dest, previous):
        assert contents(folder) in (None, "oldest good", "old", "new")
    # "killed" by a process that no longer exists: the build folder has a dead pid
    publish.recover(dest)
    assert contents(dest) == "new"
    expected_previous = "old" if old_status == "ok" else "oldest good"
    assert contents(previous) == expected_previous
    assert not list(dest.parent.glob(f".{QUARTER}.*"))


def test_publish_keeps_the_last_good_pack(tmp_path):
    dest = tmp_path / QUARTER
    publish.publish(fake_pack(tmp_path / "b1", "ok", "good 1"), dest)
    publish.publish(fake_pack(tmp_path / "b2", "ok", "good 2"), dest)
    assert (contents(dest), contents(publish.previous_of(dest))) == ("good 2", "good 1")
    publish.publish(fake_pack(tmp_path / "b3", "failed", "bad 1"), dest)
    publish.publish(fake_pack(tmp_path / "b4", "failed", "bad 2"), dest)
    assert (contents(dest), contents(publish.previous_of(dest))) == ("bad 2", "good 2")


def test_publish_refuses_to_replace_a_folder_that_is_not_a_pack(tmp_path):
    dest = tmp_path / QUARTER
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(CdpError, match="not a cdp-analysis pack"):
        publish.publish(fake_pack(tmp_path / "b", "ok", "new"), dest)
    assert (dest / "notes.txt").read_text() == "mine"


def test_recover_restores_previous_when_the_pack_went_missing(tmp_path):
    dest = tmp_path / QUARTER
    fake_pack(publish.previous_of(dest), "ok", "good")
    incomplete = publish.build_dir(dest, pid=999_999_999)
    incomplete.mkdir()
    (incomplete / publish.MARKER).write_text(publish.MARKER_TEXT)
    (incomplete / "index.html").write_text("half")
    publish.recover(dest)
    assert contents(dest) == "good" and not incomplete.exists()


def test_a_live_build_blocks_a_second_run(tmp_path):
    dest = tmp_path / QUARTER
    other = publish.build_dir(dest, pid=os.getppid())  # a process that is running
    other.mkdir(parents=True)
    with pytest.raises(CdpError, match="Another run"):
        publish.check_not_busy(dest)


def test_zip_is_deterministic(tmp_path):
    dest = fake_pack(tmp_path / AREA / QUARTER, "ok", "x")
    (dest / "notebooks").mkdir()
    (dest / "notebooks" / "a.ipynb").write_text("{}")
    first = publish.zip_pack(dest).read_bytes()
    os.utime(dest / "index.html", (0, 0))
    assert publish.zip_pack(dest).read_bytes() == first


# --- pieces --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("img", "bad"),
    [
        ('<img src="data:image/png;base64,AA" alt="Bar chart of deaths">', False),
        ('<img src="data:image/png;base64,AA">', True),
        ('<img src="data:image/png;base64,AA" alt="">', True),
        ('<img src="data:image/png;base64,AA" alt="  ">', True),
        (f'<img src="data:image/png;base64,AA" alt="{pages.NBCONVERT_PLACEHOLDER_ALT}">', True),
        ('<img src="https://example.org/a.png" alt="a chart">', True),
        ('<img src="//cdn.example.org/a.png" alt="a chart">', True),
        ('<script src="https://cdn.example.org/require.js"></script>', True),
        ('<link rel="stylesheet" href="http://example.org/a.css">', True),
        ("<style>@import 'x.css';</style>", True),
        ('<div style="background: url(https://example.org/a.png)"></div>', True),
        ('<a href="https://fingertips.phe.org.uk/">Fingertips</a>', False),
        ('<a href="01_trend.html">next</a>', False),
    ],
)
def test_find_defects(img, bad):
    html = f'<div id="cell-id=cell-7">{img}</div>'
    defects = pages.find_defects(html)
    assert bool(defects) is bad
    if bad:
        assert defects[0].cell == 7


def test_quarter_text_uses_english_months():
    assert pages.quarter_text(Quarter(2025, 4)) == "2025/26 Q4 (January to March 2026)"
    assert pages.quarter_text(Quarter(2024, 1)) == "2024/25 Q1 (April to June 2024)"


def test_synthetic_text_matches_the_tidy_table():
    from cdp_analysis.tidy import SYNTHETIC

    assert pages.SYNTHETIC == SYNTHETIC


def test_notebook_title():
    nb = {"cells": [{"cell_type": "code", "source": "# not a heading"},
                    {"cell_type": "markdown", "source": ["Intro\n", "# Deaths from drug misuse\n"]}]}  # fmt: skip
    assert notebook_title(nb, "x") == "Deaths from drug misuse"
    assert notebook_title({"cells": []}, "03_young_people") == "Young people"


def test_styler_ids_are_renumbered():
    html = (
        '<style type="text/css">\n#T_a1b2c_row0_col0 { color: red; }\n</style>\n'
        '<table id="T_a1b2c"><td id="T_a1b2c_row0_col0">1</td></table>'
    )
    counter = [0]
    out = normalise_styler_ids(html, counter)
    assert "a1b2c" not in out
    assert '<table id="T_cdp1">' in out and "#T_cdp1_row0_col0 {" in out


def test_latest_quarter_comes_from_the_indicator_table(tmp_path, monkeypatch):
    from cdp_analysis import indicator_table

    seen = []
    monkeypatch.setattr(
        indicator_table, "latest_quarter", lambda d: seen.append(d) or Quarter(2024, 3)
    )
    assert resolve_quarter("latest", tmp_path) == Quarter(2024, 3) and tmp_path in seen
    assert resolve_quarter("2024-25Q2", tmp_path) == Quarter(2024, 2)
    with pytest.raises(CdpError, match="--quarter: No data reach 2025-26Q1 yet"):
        resolve_quarter("2025-26Q1", tmp_path)  # after the latest data
    with pytest.raises(CdpError, match="--quarter"):
        resolve_quarter("2025Q1", tmp_path)


def test_find_notebooks_needs_a_parameters_cell(tmp_path):
    nb = json.loads((FAILING / "00_ok.ipynb").read_text())
    for c in nb["cells"]:
        c["metadata"].pop("tags", None)
    (tmp_path / "00_x.ipynb").write_text(json.dumps(nb))
    with pytest.raises(InputError, match="tagged 'parameters'"):
        find_notebooks(tmp_path)


def test_find_notebooks_rejects_a_notebook_called_index(tmp_path):
    shutil.copy(FAILING / "00_ok.ipynb", tmp_path / "index.ipynb")
    with pytest.raises(CdpError, match="not be 'index'"):
        find_notebooks(tmp_path)


def test_bad_arguments_are_reported_without_a_traceback(tmp_path, data_dir):
    code, _, err = run_pack(FIXTURES, tmp_path / "nowhere", tmp_path / "out")
    assert code == 2 and "data folder does not exist" in err and "Traceback" not in err
    code, _, err = cli_run("run", "--area", "E99999999", "--quarter", QUARTER, "--notebooks", str(FIXTURES),
                           "--data", str(data_dir), "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 2 and "Unknown area code" in err
    assert not (tmp_path / "out" / "E99999999").exists()


def test_manifest_skips_the_same_folders_as_the_indicator_table():
    from cdp_analysis import indicator_table
    from cdp_analysis.report import manifest

    assert manifest.NOT_INPUTS == indicator_table.NOT_INPUTS


@slow
def test_sigterm_stops_the_run_and_leaves_no_build_folders(data_dir, tmp_path):
    """A cancelled job (SIGTERM) stops the workers and removes unfinished build folders."""
    if os.name != "posix":
        pytest.skip("POSIX signals")
    import time

    out = tmp_path / "outputs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cdp_analysis.cli", "run", "--all-areas", "--quarter", QUARTER,
         "--notebooks", str(FIXTURES), "--data", str(data_dir), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not list(out.glob(f"*/.{QUARTER}.building-*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err, err
    assert not list(out.glob("*/.*"))


@slow
def test_several_areas_in_one_run(data_dir, tmp_path):
    out = tmp_path / "outputs"
    code, stdout, err = cli_run(
        "run", "--area", "E06000044", "E06000045", "--quarter", QUARTER, "--notebooks",
        str(FIXTURES), "--data", str(data_dir), "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert stdout.startswith("Packs written: 2 areas (0 incomplete) in ")
    lines = err.splitlines()  # not a terminal: one line per finished area, in finishing order
    assert [line.split()[0] for line in lines] == ["[1/2]", "[2/2]"], lines
    assert sorted(line.split()[1] for line in lines) == ["E06000044", "E06000045"]
    assert all(": pack done (" in line for line in lines)
    south = (out / "E06000045" / QUARTER / "index.html").read_text()
    assert "<h1>Southampton: Combating Drugs Partnership report, 2025/26 Q4</h1>" in south
    nb = (out / "E06000045" / QUARTER / "notebooks" / "00_overview.ipynb").read_text()
    assert "Area E06000045, quarter 2025-26Q4" in nb
    m = json.loads((out / "E06000045" / QUARTER / "manifest.json").read_text())
    assert m["parameters"]["area_code"] == "E06000045" and m["status"] == "ok"


def test_an_areas_notebooks_go_to_one_worker_until_the_last_areas():
    """Pool.bundles: an area's pages go to one worker (its kernel assesses the area once),
    except the last areas, which are shared out notebook by notebook."""
    from cdp_analysis.report.pool import bundles

    tasks = [{"id": i, "area_code": f"A{i // 3}"} for i in range(12)]  # 4 areas x 3 pages
    items = bundles(tasks, 2)
    assert [[t["id"] for t in i] if isinstance(i, list) else i["id"] for i in items] == [
        [0, 1, 2], [3, 4, 5], 6, 7, 8, 9, 10, 11,
    ]  # fmt: skip
    assert all(isinstance(i, list) for i in bundles(tasks, 1))  # one worker: all bundled
    assert [i["id"] for i in bundles(tasks[:3], 2)] == [0, 1, 2]  # one area: shared out


@slow
def test_a_worker_that_dies_mid_area_fails_the_rest_of_its_pages(data_dir, tmp_path):
    """A worker killed while running an area's bundle: that page and the area's later pages
    are reported failed in plain words, the other areas too once no worker is left, and
    the run ends instead of waiting for pages no worker holds."""
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(FAILING / "00_ok.ipynb", nbs / "00_ok.ipynb")
    shutil.copy(FAILING / "02_after.ipynb", nbs / "02_after.ipynb")
    nb = json.loads((FAILING / "02_after.ipynb").read_text())
    nb["cells"][-1]["source"] = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    (nbs / "01_dies.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "outputs"
    code, _, err = cli_run(
        "run", "--area", "E06000044", "E06000045", "--quarter", QUARTER, "--notebooks",
        str(nbs), "--data", str(data_dir), "--out", str(out), "--jobs", "1",
    )  # fmt: skip
    assert code != 0, err
    m = json.loads((out / "E06000044" / QUARTER / "manifest.json").read_text())
    status = {n["name"]: (n["status"], n.get("message") or "") for n in m["notebooks"]}
    assert status["00_ok"][0] == "ok"
    assert "stopped unexpectedly" in status["01_dies"][1]
    assert "stopped unexpectedly" in status["02_after"][1]
    other = json.loads((out / "E06000045" / QUARTER / "manifest.json").read_text())
    assert all("no worker process was left" in n["message"] for n in other["notebooks"])


@slow
def test_serial_and_fanned_out_runs_give_byte_identical_pages(data_dir, tmp_path, monkeypatch):
    """Three areas with ``--jobs 1`` (one notebook at a time) and ``--jobs 2`` (the areas'
    notebooks shared by two workers): the same HTML bytes; the inputs are checked once per
    run, not once per area."""
    from cdp_analysis.report import runner

    checked = []
    real = runner.preflight
    monkeypatch.setattr(runner, "preflight", lambda *a: (checked.append(a), real(*a))[1])
    codes = ["E06000044", "E06000045", "E06000043"]
    pages = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}"
        code, _, err = cli_run(
            "run", "--area", *codes, "--quarter", QUARTER, "--notebooks", str(FIXTURES),
            "--data", str(data_dir), "--out", str(out), "--jobs", jobs,
        )  # fmt: skip
        assert code == 0, err
        pages[jobs] = {
            p.relative_to(out).as_posix(): p.read_bytes() for p in out.glob("*/*/*.html")
        }
    assert len(checked) == 2  # one pre-flight per run
    assert sorted(pages["1"]) == sorted(
        f"{c}/{QUARTER}/{name}.html" for c in codes for name in ["index", "data_log", *PAGES]
    )
    assert pages["1"] == pages["2"]
    # 01_trend leaves an empty figure open: shown in every area's page, not only in the first
    # notebook each kernel ran (the inline backend's interactive mode is part of the state)
    assert all(b"0 Axes" in pages["1"][f"{c}/{QUARTER}/01_trend.html"] for c in codes)


def test_jobs_default_to_the_usable_cpus(monkeypatch):
    from cdp_analysis.report import runner

    if hasattr(os, "process_cpu_count"):
        monkeypatch.setattr(os, "process_cpu_count", lambda: 3)
    else:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert runner.default_workers() == 3
    code, _, err = cli_run("run", "--jobs", "0")
    assert code == 2 and "--jobs must be 1 or more." in err


@slow
def test_quiet_prints_no_progress_but_the_warnings(data_dir, tmp_path):
    code, stdout, err = run_pack(FIXTURES, data_dir, tmp_path / "out", "--quiet")
    assert code == 0 and err == "" and stdout.startswith("Pack written: ")
    code, _, err = run_pack(FAILING, data_dir, tmp_path / "out-failing", "--quiet")
    assert code == 1 and "01_broken" in err and "pack INCOMPLETE" not in err
