"""The assembled indicator table and content-based validation of the bundled data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cdp_analysis import indicator_table, tidy
from cdp_analysis.cli import main as cli_main
from cdp_analysis.paths import default_data_dir
from cdp_analysis.periods import Quarter
from cdp_analysis.plan.catalogue import load_indicators
from cdp_analysis.validation import detect, validate_paths

DATA = default_data_dir()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return indicator_table.load(DATA)


def test_every_measure_has_rows_for_portsmouth(table):
    cat = load_indicators(DATA / "indicators.yaml")
    ports = table[table["area_code"] == "E06000044"]
    missing = sorted(set(cat.ids) - set(ports["indicator_id"]))
    assert missing == []


def test_columns_and_keys(table):
    assert list(table.columns) == tidy.COLUMNS
    assert not table.duplicated(tidy.KEY).any()


def test_real_ons_figures_survive_assembly(table):
    row = table[
        (table["indicator_id"] == "deaths_drug_misuse")
        & (table["area_code"] == "E06000044")
        & (table["period_label"] == "2019-21")
    ].iloc[0]
    assert (row["count"], row["value"], row["lower_95"], row["upper_95"]) == (46, 7.7, 5.6, 10.3)
    assert not tidy.is_synthetic(row["source"])


def test_real_fingertips_snapshot_wins_over_demo(table):
    # Portsmouth 2018: 52/136 = 38.2353% (published Fingertips value, January 2020 snapshot)
    rows = table[
        (table["indicator_id"] == "completions_non_opiate")
        & (table["area_code"] == "E06000044")
        & (table["period_end"] == "2018-12-31")
        & (table["period_start"] == "2018-01-01")
    ]
    assert len(rows) == 1
    assert rows.iloc[0]["count"] == 52 and rows.iloc[0]["denominator"] == 136
    assert rows.iloc[0]["value"] == pytest.approx(38.2353, abs=5e-5)
    assert not tidy.is_synthetic(rows.iloc[0]["source"])
    assert table.attrs["superseded"] == 35


def test_synthetic_rows_are_labelled(table):
    episodes = table[table["indicator_id"] == "yp_in_treatment"]
    assert tidy.is_synthetic(episodes["source"]).all()


def test_latest_quarter_of_bundled_data():
    assert indicator_table.latest_quarter(DATA) == Quarter(2025, 4)


def test_two_real_editions_of_the_same_figures_are_refused(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("cache", "demo"))
    shutil.copy(data / "ons" / "2021localauthorities.xlsx", data / "ons" / "copy.xlsx")
    with pytest.raises(Exception, match="same figures"):
        indicator_table.build(data)


def test_bundled_data_folder_validates():
    results = [r for r in validate_paths([DATA], DATA) if not r.skipped]
    assert results and all(r.ok for r in results), [r.message for r in results if not r.ok]
    kinds = {r.path.name: r.kind for r in results}
    assert kinds["2021localauthorities.xlsx"] == "ONS drug poisoning deaths workbook"
    assert kinds["fingertips_completions_demo.csv"] == "Fingertips CSV export"
    assert kinds["episodes_E06000044_demo.csv"] == "record-level treatment episodes"
    assert kinds["targets.yaml"] == "plan targets (targets.yaml)"


def test_detect_ignores_unknown_content(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    assert detect(f) is None


def test_validate_cli_reports_file_row_column_and_exits_nonzero(tmp_path, capsys):
    src = DATA / "demo" / "local_measures_E06000044_demo.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    parts = lines[3].split(",")
    parts[5] = "-3"  # a negative count on line 4
    lines[3] = ",".join(parts)
    bad = tmp_path / "local.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc = cli_main(["validate", str(bad), "--data", str(DATA)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "INVALID" in out and "local.csv" in out and "local measures" in out
    assert "row 4" in out and "'count'" in out


def test_validate_cli_unknown_file_and_no_traceback(tmp_path):
    f = tmp_path / "notes.csv"
    f.write_text("hello,world\n1,2\n")
    proc = subprocess.run(
        [sys.executable, "-m", "cdp_analysis.cli", "validate", str(f)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "not a kind of file cdp-analysis reads" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_validate_cli_whole_folder_ok(capsys):
    assert cli_main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "files valid" in out and "INVALID" not in out
    assert Path(DATA / "templates" / "local_measures_template.csv").name in out
