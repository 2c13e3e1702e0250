"""The pack's data log (cdp_analysis/pages/data_log.py): every input file with its publisher,
edition, periods, download date, real or synthetic, and the SHA-256 the manifest records.

The data folder is a copy of the bundled data plus two ``cdp-analysis fetch`` downloads
(the invented-numbers 92432 fixture, tests/fixtures/fingertips/README.md): an older one,
which the build does not read, and the newest with its ``.json`` record (FingertipsNext).
The data log page inside a built pack is checked in tests/test_runner.py and
tests/test_rendered_pack.py; its accessibility in tests/test_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from cdp_analysis import indicator_table
from cdp_analysis.pages import data_log
from cdp_analysis.paths import default_data_dir
from cdp_analysis.report import manifest

DATA = default_data_dir()
FIXTURE = (
    Path(__file__).parent / "fixtures" / "fingertips" / "TEST_FIXTURE_invented_92432_2022_24.csv"
)
NEW, OLD = "fingertips/fingertips_api_2026-12-01.csv", "fingertips/fingertips_api_2026-11-01.csv"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("log") / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cache"))
    shutil.copy(FIXTURE, data / NEW)
    lines = FIXTURE.read_bytes().splitlines(keepends=True)
    (data / OLD).write_bytes(b"".join(lines[:-1]))  # an older download: one row fewer
    record = {
        "source": "FingertipsNext",
        "service": "fingertipsnext",
        "retrieved_at": "2026-12-01T09:30:00+00:00",
        "csv": Path(NEW).name,
        "csv_sha256": hashlib.sha256((data / NEW).read_bytes()).hexdigest(),
    }
    (data / NEW).with_suffix(".json").write_text(json.dumps(record), encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def log(data):
    inputs = manifest.hash_inputs(data, data / "targets.yaml", [])
    file_log = indicator_table.load(data).attrs["file_log"]
    return {
        "inputs": inputs,
        "file_log": file_log,
        "sources": {r["file"]: r for r in data_log.source_rows(inputs, file_log)},
        "others": {r["file"]: r for r in data_log.other_rows(inputs, file_log)},
        "html": data_log.data_log_html(inputs, file_log),
    }


def test_every_input_is_listed_once_with_the_manifests_sha256(log):
    files = log["inputs"]["files"]
    assert set(log["sources"]) | set(log["others"]) == set(files)
    assert not set(log["sources"]) & set(log["others"])
    text = log["html"].replace("<wbr>", "")
    for rel, info in files.items():
        row = log["sources"].get(rel) or log["others"][rel]
        assert row["sha256"] == info["sha256"], rel
        assert text.count(info["sha256"]) == 1, rel
        assert f'<th scope="row">{rel}</th>' in text, rel


def test_the_fetch_download_has_its_date_service_and_edition(log, data):
    row = log["sources"][NEW]
    assert row["downloaded"] == (
        "2026-12-01 from FingertipsNext (fetch record fingertips_api_2026-12-01.json)"
    )
    assert row["publisher"] == (
        "Office for Health Improvement and Disparities (OHID), FingertipsNext"
    )
    assert row["edition"] == "Fingertips (OHID) 92432, data to 2022 - 24"
    assert row["kind"] == "Real published data"
    assert row["sha256"] == hashlib.sha256((data / NEW).read_bytes()).hexdigest()
    assert log["others"][OLD]["what"].startswith("An older fetch download: not read")
    record = str(Path(NEW).with_suffix(".json"))
    assert log["others"][record]["what"].startswith(
        "Record of the download of fingertips_api_2026-12-01.csv"
    )


def test_a_fetch_record_for_another_file_gives_no_date(data):
    assert data_log._download(data, NEW, "0" * 64).startswith(
        "Not known: the fetch record fingertips_api_2026-12-01.json beside it is for another file"
    )


def test_bundled_files_real_and_synthetic_editions_and_periods(log):
    ons = log["sources"]["ons/2021localauthorities.xlsx"]
    assert ons["publisher"] == "Office for National Statistics (ONS)"
    assert ons["edition"] == (
        "ONS, Deaths related to drug poisoning by local authority, 2021 registrations"
    )
    assert ons["periods"] == "2001-03 to 2019-21"
    assert ons["downloaded"] == "Not recorded in the file (see the PROVENANCE.md beside it)"
    assert ons["kind"] == "Real published data"
    demo = log["sources"]["demo/fingertips_completions_demo.csv"]
    assert demo["kind"] == "Synthetic demo data" and demo["synthetic"]
    assert demo["publisher"].startswith("No publisher: made up by cdp-analysis")
    # the real January 2020 snapshot replaces 35 areas' demo values for 2018
    assert "the rest gave way to newer publications or to real data" in demo["figures"]
    assert "3 of the 6 data files are synthetic demo data" in log["html"]
    assert log["others"]["targets.yaml"]["what"].startswith("The plan's targets")
    assert log["others"]["README.md"]["what"].startswith("Notes")


def test_no_value_or_record_reaches_the_log(log, data):
    """Only names, periods, counts of figures and hashes: no client id of the record-level
    episodes, no figure of the 92432 download (England's 2019 - 21 count is 8361)."""
    episodes = (data / "demo" / "episodes_E06000044_demo.csv").read_text().splitlines()[1:]
    ids = {line.split(",", 1)[0] for line in episodes}
    assert ids and not any(i in log["html"] for i in ids)
    assert "8361" not in log["html"] and "8,361" not in log["html"]
    assert not re.search(r"\b5\.1\b", log["html"])


def test_file_log_survives_the_disk_cache(data, log):
    indicator_table._load_cached.cache_clear()  # the next load reads the Parquet cache
    assert indicator_table.load(data).attrs["file_log"] == log["file_log"]
