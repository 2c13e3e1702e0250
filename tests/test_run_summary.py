"""``cdp-analysis run --summary-json FILE``: the run summary a scheduler acts on
(cdp_analysis/report/summary.py), on the fixture notebooks of tests/test_runner.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_runner import FAILING, FIXTURES, make_data, run_pack

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
