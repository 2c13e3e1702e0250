"""The local measures CSV template and its reader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from cdp_analysis.errors import InputError
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.plan.catalogue import load_indicators
from cdp_analysis.sources.local_measures import (
    COLUMNS,
    looks_like_local_measures,
    read_local_measures,
    template_path,
)

HEADER = ",".join(COLUMNS)
TODAY = date(2026, 11, 30)


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "local.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _read(path: Path):
    return read_local_measures(path, today=TODAY)


def _problems(path: Path):
    with pytest.raises(InputError) as info:
        _read(path)
    assert str(path) in str(info.value)
    return info.value.problems


ROW = "county_lines_closed,E06000044,2023/24 Q1,2023-04-01,2023-06-30,3,,,Hampshire Constabulary"
REHAB = "residential_rehab,E06000044,2023/24 Q2,2023-07-01,2023-09-30,4,1210,,Inclusion"


def test_template_columns_and_it_validates():
    path = template_path()
    assert path == PROJECT_ROOT / "data" / "templates" / "local_measures_template.csv"
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "measure_id,area_code,period_label,period_start,period_end,count,denominator,"
        "value_note,source"
    )
    df = read_local_measures(path)
    assert len(df) == 3
    # the example rows can never pass for real figures
    assert df["source"].str.startswith("synthetic demo data").all()


def test_counts_and_proportions(tmp_path):
    survey = "asb_survey_drug_related,E06000044,2023/24,2023-04-01,2024-03-31,312,1045,,Survey team"
    df = _read(_csv(tmp_path, ROW, REHAB, survey)).set_index("indicator_id")
    lines = df.loc["county_lines_closed"]
    assert (lines["value"], lines["count"]) == (3.0, 3.0)
    assert np.isnan(lines["denominator"]) and np.isnan(lines["lower_95"])
    assert lines["period_label"] == "2023/24 Q1"
    assert lines["area_name"] == "Portsmouth" and lines["area_type"] == "UTLA"
    assert lines["source"] == "Hampshire Constabulary (local.csv)"
    rehab = df.loc["residential_rehab"]
    # 4 / 1210 with Wilson 95% limits worked by hand: (11.8415 -/+ 8.7187) / 2427.68
    assert rehab["value"] == pytest.approx(0.330579, abs=1e-6)
    assert rehab["lower_95"] == pytest.approx(0.1286, abs=1e-4)
    assert rehab["upper_95"] == pytest.approx(0.8469, abs=1e-4)
    assert rehab["lower_99_8"] < rehab["lower_95"] and rehab["upper_99_8"] > rehab["upper_95"]
    asb = df.loc["asb_survey_drug_related"]
    assert asb["value"] == pytest.approx(29.8565, abs=1e-4)
    assert asb["age"] == "16+ yrs"
    assert (asb["period_start"], asb["period_end"]) == (
        np.datetime64("2023-04-01"),
        np.datetime64("2024-03-31"),
    )


def test_other_label_spelling_and_uk_dates(tmp_path):
    row = "county_lines_closed,E06000044,2023-24Q4,01/01/2024,31/03/2024,0,,,Police"
    df = _read(_csv(tmp_path, row))
    assert df.loc[0, "period_label"] == "2023/24 Q4" and df.loc[0, "value"] == 0


def test_kilograms_may_have_decimals_counts_may_not(tmp_path):
    kg = "drug_seizure_amount,E06000044,2023/24 Q1,2023-04-01,2023-06-30,2.35,,,Police"
    assert _read(_csv(tmp_path, kg))["value"].tolist() == [2.35]
    bad = ROW.replace(",3,,", ",3.5,,")
    (p,) = _problems(_csv(tmp_path, bad))
    assert p.column == "count" and "whole" in p.message and p.rows == [2]


def test_blank_trailing_rows_are_not_data(tmp_path):
    df = _read(_csv(tmp_path, ROW, ",,,,,,,,", ""))
    assert len(df) == 1


def test_detection(tmp_path):
    assert looks_like_local_measures(template_path())
    assert not looks_like_local_measures(PROJECT_ROOT / "data" / "indicators.yaml")
    assert not looks_like_local_measures(tmp_path / "missing.csv")


def test_docs_list_every_local_measure():
    docs = (PROJECT_ROOT / "docs" / "local_measures.md").read_text(encoding="utf-8")
    for m in load_indicators().by_source("local"):
        assert f"`{m.source_id}`" in docs, m.source_id


# ------------------------------------------------------------------------------ bad input


def test_unknown_and_non_local_measure(tmp_path):
    rows = [
        ROW.replace("county_lines_closed", "county_lines"),
        ROW.replace("county_lines_closed", "completions_opiate"),
    ]
    probs = _problems(_csv(tmp_path, *rows))
    by_msg = {p.message: p for p in probs}
    assert by_msg["unknown measure id"].rows == [2]
    assert "county_lines_closed" in by_msg["unknown measure id"].expected
    assert by_msg["'completions_opiate' is not a local measure: it comes from fingertips"].rows == [
        3
    ]


def test_unknown_area(tmp_path):
    (p,) = _problems(
        _csv(
            tmp_path,
            ROW,
            ROW.replace("E06000044", "E06999999")
            .replace("Q1", "Q2")
            .replace("04-01", "07-01")
            .replace("06-30", "09-30"),
        )
    )
    assert (p.column, p.rows) == ("area_code", [3])


def test_dates_out_of_order(tmp_path):
    row = ROW.replace("2023-04-01,2023-06-30", "2023-06-30,2023-04-01")
    probs = _problems(_csv(tmp_path, row))
    assert any(p.message == "period_end is before period_start" and p.rows == [2] for p in probs)


def test_label_not_matching_dates(tmp_path):
    (p,) = _problems(_csv(tmp_path, ROW.replace("2023/24 Q1", "2023/24 Q2")))
    assert p.rows == [2] and "do not match" in p.message
    assert p.expected == "2023-07-01 to 2023-09-30"


def test_bad_label_and_bad_date(tmp_path):
    probs = _problems(
        _csv(tmp_path, ROW.replace("2023/24 Q1", "Q1 2023").replace("2023-06-30", "2023-06-31"))
    )
    cols = {p.column: p for p in probs}
    assert cols["period_label"].rows == [2] and cols["period_end"].message == "not a date"


def test_quarter_for_an_annual_measure(tmp_path):
    row = "asb_survey_drug_related,E06000044,2023/24 Q1,2023-04-01,2023-06-30,31,104,,Survey"
    (p,) = _problems(_csv(tmp_path, row))
    assert p.column == "period_label" and "financial years" in p.message


def test_future_period(tmp_path):
    row = ROW.replace("2023/24 Q1", "2026/27 Q4").replace(
        "2023-04-01,2023-06-30", "2027-01-01,2027-03-31"
    )
    (p,) = _problems(_csv(tmp_path, row))
    assert p.rows == [2] and "not ended" in p.message


def test_negative_and_text_counts(tmp_path):
    rows = [
        ROW.replace(",3,,", ",-1,,"),
        ROW.replace(",3,,", ",three,,")
        .replace("Q1", "Q2")
        .replace("04-01", "07-01")
        .replace("06-30", "09-30"),
        ROW.replace(",3,,", ',"1,234",,')
        .replace("Q1", "Q3")
        .replace("04-01", "10-01")
        .replace("06-30", "12-31"),
    ]
    probs = _problems(_csv(tmp_path, *rows))
    msgs = {p.message: p.rows for p in probs}
    assert msgs["negative"] == [2]
    assert msgs["not a number"] == [3]
    assert msgs["not a number (thousands separator?)"] == [4]


def test_count_above_denominator(tmp_path):
    (p,) = _problems(_csv(tmp_path, REHAB.replace(",4,1210,", ",40,12,")))
    assert (p.column, p.rows, p.message) == ("count", [2], "count is above the denominator")


def test_denominator_only_for_proportions(tmp_path):
    probs = _problems(_csv(tmp_path, ROW.replace(",3,,", ",3,10,"), REHAB.replace(",1210,", ",,")))
    rows = {p.message: p.rows for p in probs}
    assert rows["a proportion measure needs its denominator"] == [3]
    assert rows["this measure is a number, not a proportion: leave the denominator empty"] == [2]


def test_duplicate_rows(tmp_path):
    dup = ROW.replace("2023/24 Q1", "2023-24Q1").replace(",3,", ",4,")
    (p,) = _problems(_csv(tmp_path, ROW, REHAB, dup))
    assert p.rows == [2, 4] and "more than one row" in p.message


def test_missing_values(tmp_path):
    (p,) = _problems(_csv(tmp_path, ROW.replace("Hampshire Constabulary", "")))
    assert (p.column, p.rows, p.message) == ("source", [2], "empty")


def test_all_problems_at_once(tmp_path):
    rows = [
        ROW.replace("E06000044", "X"),
        ROW.replace(",3,", ",-3,")
        .replace("Q1", "Q2")
        .replace("04-01", "07-01")
        .replace("06-30", "09-30"),
        REHAB.replace(",4,1210,", ",9,8,"),
    ]
    probs = _problems(_csv(tmp_path, *rows))
    assert [p.rows for p in probs] == [[2], [3], [4]]


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as info:
        _read(empty)
    assert [p.message for p in info.value.problems] == ["the file is empty (0 bytes)"]
    assert "Fix: restore the file from the copy the partners sent" in str(info.value)
    assert "data/templates/local_measures_template.csv" in str(info.value)
    empty.write_bytes(b"\r\n\r\n")
    (p,) = _problems(empty)
    assert p.message == "the file is empty (only blank space, no header row)"
    with pytest.raises(InputError) as info:
        _read(_csv(tmp_path))
    (p,) = info.value.problems
    assert p.message == "the file has a header but no data rows"
    assert p.expected == "one row per measure x area x period after the header"
    assert "Fix: add one row per measure x area x period under the header" in str(info.value)


def test_wrong_encoding(tmp_path):
    path = tmp_path / "latin1.csv"
    text = HEADER + "\n" + ROW.replace("Hampshire Constabulary", "Caf\u00e9 survey") + "\n"
    path.write_bytes(text.encode("latin-1"))
    (p,) = _problems(path)
    assert "not UTF-8" in p.message and p.rows == [2]
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        _read(utf16)


def test_misspelt_and_unknown_columns(tmp_path):
    header = HEADER.replace("measure_id", "measure_ID") + ",colour"
    probs = _problems(_csv(tmp_path, ROW + ",red", header=header))
    msgs = [p.message for p in probs]
    assert "missing column 'measure_id' (is 'measure_ID' meant to be 'measure_id'?)" in msgs
    assert "unknown column 'colour'" in msgs


def test_row_with_missing_fields(tmp_path):
    probs = _problems(_csv(tmp_path, ROW, "county_lines_closed,E06000044,2023/24 Q2,2023-07-01"))
    assert probs[0].rows == [3] and "number of fields" in probs[0].message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        _read(tmp_path / "nope.csv")
