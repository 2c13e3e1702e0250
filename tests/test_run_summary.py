"""``cdp-analysis run --summary-json FILE``: the run summary a scheduler acts on
(cdp_analysis/report/summary.py), on the fixture notebooks of tests/test_runner.py."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from test_runner import FAILING, FIXTURES, make_data, run_pack

from cdp_analysis import cli
from cdp_analysis.report import summary

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("data"))


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@slow
def test_a_complete_run(tmp_path, data_dir):
    out, file = tmp_path / "out", tmp_path / "run" / "summary.json"
    code, _, err = run_pack(FIXTURES, data_dir, out, "--summary-json", str(file))
    assert code == 0, err
    s = _read(file)
    assert s["format"] == summary.FORMAT and s["status"] == "ok" and s["exit_code"] == 0
    assert s["quarter"] == "2025-26Q4" and s["error"] is None
    assert s["counts"] == {"areas": 1, "built": 1, "incomplete": 0, "not_built": 0}
    [area] = s["areas"]
    pack = out / "E06000044" / "2025-26Q4"
    assert area["area_code"] == "E06000044" and area["area_name"] == "Portsmouth"
    assert area["status"] == "built" and area["why"] == []
    assert Path(area["pack"]) == pack and Path(area["index"]) == pack / "index.html"
    assert area["verify"]["ok"] is True and area["verify"]["checked"] >= 1
    assert 0 < area["seconds"] <= s["seconds"]
    assert s["started"].endswith("Z") and s["started"] <= s["finished"]


@slow
def test_an_incomplete_run_names_the_failed_pages(tmp_path, data_dir):
    file = tmp_path / "summary.json"
    code, _, _ = run_pack(FAILING, data_dir, tmp_path / "out", "--summary-json", str(file))
    s = _read(file)
    assert code == 1 and s["exit_code"] == 1 and s["status"] == "incomplete"
    [area] = s["areas"]
    assert area["status"] == "incomplete"
    failed = {w["page"]: w["message"] for w in area["why"]}
    assert "01_broken" in failed and "ValueError" in failed["01_broken"]
    assert area["verify"]["ok"] is True  # an incomplete pack is still what was run


def test_a_stopped_run_still_writes_the_summary(tmp_path, data_dir):
    file = tmp_path / "summary.json"
    code, _, err = run_pack(
        FIXTURES, data_dir, tmp_path / "out", "--quarter", "2030-31Q1", "--summary-json", str(file)
    )
    s = _read(file)
    assert code == 2 and s["exit_code"] == 2 and s["status"] == "error"
    assert s["error"] and s["error"] in err
    assert s["areas"][0]["status"] == "not built" and s["areas"][0]["pack"] is None
    assert s["areas"][0]["why"][0]["message"] == s["error"]


def test_verify_that_cannot_run_is_reported_not_raised(tmp_path):
    got = summary._verify(tmp_path / "no-such-pack")
    assert got["ok"] is False and got["error"]


class _StopAfterFirstArea(io.StringIO):
    """stderr that raises KeyboardInterrupt (as Ctrl-C would) when the first area's
    progress line is written, i.e. right after its pack was published."""

    def write(self, text: str) -> int:
        n = super().write(text)
        if text.startswith("[1/3] "):
            raise KeyboardInterrupt
        return n


@slow
def test_an_interrupted_run_lists_what_it_had_published(tmp_path, data_dir):
    """Interrupted after the first of three areas: that area is ``built`` with its pack,
    the others ``not built``; names and quarter are filled in (issue 17's bug: every area
    was "not built" with an empty name)."""
    file, out = tmp_path / "summary.json", tmp_path / "out"
    codes = ["E06000044", "E06000045", "E06000043"]
    err = _StopAfterFirstArea()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(
            ["run", "--area", *codes, "--quarter", "2025-26Q4", "--notebooks", str(FIXTURES),
             "--data", str(data_dir), "--out", str(out), "--jobs", "1",
             "--summary-json", str(file)]
        )  # fmt: skip
    assert code == 130 and "interrupted" in err.getvalue()
    s = _read(file)
    assert s["status"] == "error" and s["exit_code"] == 130 and s["error"] == "interrupted"
    assert s["quarter"] == "2025-26Q4"
    assert s["counts"] == {"areas": 3, "built": 1, "incomplete": 0, "not_built": 2}
    first, *rest = s["areas"]
    assert first["area_code"] == "E06000044" and first["status"] == "built"
    assert Path(first["pack"]) == out / "E06000044" / "2025-26Q4"
    assert (Path(first["pack"]) / "index.html").is_file() and first["verify"]["ok"] is True
    assert [(a["area_name"], a["status"], a["pack"]) for a in rest] == [
        ("Southampton", "not built", None), ("Brighton and Hove", "not built", None)
    ]  # fmt: skip
    assert all(a["why"][0]["message"].startswith("interrupted") for a in rest)
    assert not list(out.glob("*/.*"))  # no build folder left behind


def test_summary_of_a_stopped_run_from_its_record(tmp_path):
    """Unit: an area being built when the run stopped says so; a name the run had not yet
    looked up comes from ``area_names``."""
    from cdp_analysis.periods import Quarter
    from cdp_analysis.report.runner import PackResult, RunRecord

    pack = PackResult("E06000044", "Portsmouth", tmp_path, "ok", [], 1.5)
    record = RunRecord(
        quarter=Quarter.parse("2025-26Q4"),
        names={"E06000044": "Portsmouth", "E06000045": "Southampton"},
        started={"E06000044", "E06000045"},
        packs=[pack],
    )
    s = summary.build(
        areas=["E06000044", "E06000045", "E06000043"], quarter_requested="latest",
        started=summary.now(), seconds=3.0, record=record, error="interrupted",
        exit_code=130, area_names={"E06000043": "Brighton and Hove"}, verify=False,
    )  # fmt: skip
    built, flying, waiting = s["areas"]
    assert built["status"] == "built" and built["pack"] == str(tmp_path)
    assert flying["status"] == "not built" and flying["area_name"] == "Southampton"
    assert flying["why"][0]["message"] == (
        "interrupted (while this area's pages were being built; nothing of it was published)"
    )
    assert waiting["area_name"] == "Brighton and Hove"
    assert waiting["why"][0]["message"] == "interrupted"
    assert s["quarter"] == "2025-26Q4" and s["counts"]["built"] == 1
