"""Fingertips CSV reader: the real 93495 export, broken copies of it, demo-format rows and
the compiled January 2020 extract. Expected values are typed in from the files."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import tidy
from cdp_analysis.errors import InputError
from cdp_analysis.paths import PROJECT_ROOT
from cdp_analysis.sources.fingertips import (
    looks_like_compiled_extract,
    looks_like_fingertips_csv,
    map_area_type,
    read_compiled_extract,
    read_fingertips_csv,
)

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "fingertips" / "indicator-93495-all-areas.csv"
EXTRACT = PROJECT_ROOT / "data" / "fingertips" / "fingertips_psychty_walkthrough_2020_extract.csv"
SHARED = Path("/work/shared/data/fingertips")


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return read_fingertips_csv(FIXTURE)


def _rows() -> list[list[str]]:
    with open(FIXTURE, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _write(tmp_path: Path, rows: list[list[str]], name: str = "broken.csv", bom=True) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path


def _set(rows: list[list[str]], line: int, column: str, value: str) -> None:
    """Set one field, ``line`` being the CSV line number (header = 1)."""
    rows[line - 1][rows[0].index(column)] = value


def _error(path, **kw) -> str:
    with pytest.raises(InputError) as exc:
        read_fingertips_csv(path, **kw)
    return str(exc.value)


# --------------------------------------------------------------------------- real export


def test_real_export_shape_and_columns(real):
    assert len(real) == 704  # 705 lines, the header included
    assert list(real.columns) == tidy.COLUMNS
    assert (real["indicator_id"] == "93495").all()
    assert (real["sex"] == "Persons").all() and (real["age"] == "16+ yrs").all()
    assert (real["category"] == "").all()


def test_real_export_typed_values(real):
    eng = real[real["area_code"] == "E92000001"].iloc[0]
    assert eng["area_name"] == "England" and eng["area_type"] == "England"
    assert eng["value"] == pytest.approx(16.91715193)
    assert eng["lower_95"] == pytest.approx(16.16617826)
    assert eng["upper_95"] == pytest.approx(18.04165377)
    assert eng["count"] == pytest.approx(7609581.758)
    assert eng["denominator"] == 44981459
    assert np.isnan(eng["lower_99_8"]) and np.isnan(eng["upper_99_8"])
    assert eng["value_note"] == "Value is modelled or synthetic estimate"
    assert eng["period_label"] == "2017"
    assert eng["period_start"] == pd.Timestamp("2017-01-01")
    assert eng["period_end"] == pd.Timestamp("2017-12-31")
    hartlepool = real[real["area_code"] == "E06000001"].iloc[0]
    assert hartlepool["area_name"] == "Hartlepool"
    assert hartlepool["value"] == pytest.approx(19.25734186)
    assert hartlepool["denominator"] == 75233


def test_real_export_area_types_mapped(real):
    counts = real["area_type"].value_counts().to_dict()
    # UA (126) and County (27) are upper-tier; other geographies keep their own names.
    assert counts == {
        "District": 201, "CCG": 195, "UTLA": 153, "ICB sub-locations": 74, "STP": 42,
        "ICBs": 29, "Region": 9, "England": 1,
    }  # fmt: skip
    assert real.loc[real["area_code"] == "E10000014", "area_type"].item() == "UTLA"  # Hampshire


def test_real_export_source_is_not_synthetic(real):
    # "modelled or synthetic estimate" is a real Fingertips note, not project demo data.
    # the source names the indicator and the edition (latest period in the file)
    assert (
        real["source"] == "Fingertips (OHID) 93495, data to 2017 (indicator-93495-all-areas.csv)"
    ).all()
    assert not tidy.is_synthetic(real["source"]).any()


def test_bom_bytes_and_streams_read_the_same(real, tmp_path):
    raw = FIXTURE.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # the export as downloaded has no BOM
    with_bom = tmp_path / "bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + raw)
    a = read_fingertips_csv(with_bom, name=FIXTURE.name)
    b = read_fingertips_csv(io.BytesIO(b"\xef\xbb\xbf" + raw), name=FIXTURE.name)
    c = read_fingertips_csv(io.StringIO("\ufeff" + raw.decode("utf-8")), name=FIXTURE.name)
    for df in (a, b, c):
        pd.testing.assert_frame_equal(df, real)


def test_columns_read_by_name_not_position(real, tmp_path):
    rows = _rows()
    order = list(reversed(range(len(rows[0]))))
    shuffled = [[r[i] for i in order] for r in rows]
    extra = [r + ["x"] for r in shuffled]
    extra[0][-1] = "Some new column"
    pd.testing.assert_frame_equal(
        read_fingertips_csv(_write(tmp_path, extra), name=FIXTURE.name), real
    )


def test_matches_shared_original():
    if not (SHARED / FIXTURE.name).is_file():
        pytest.skip("shared reference data not present")
    assert (SHARED / FIXTURE.name).read_bytes() == FIXTURE.read_bytes()


# --------------------------------------------------------------------------- broken copies


def test_renamed_column_is_named_as_likely_rename(tmp_path):
    rows = _rows()
    rows[0][rows[0].index("Value note")] = "value  Note"
    msg = _error(_write(tmp_path, rows))
    assert "column 'Value note' is missing" in msg
    assert "'value  Note' looks like the same column renamed" in msg
    assert "columns found:" in msg


def test_missing_column_lists_what_was_found(tmp_path):
    rows = _rows()
    i = rows[0].index("Count")
    rows = [r[:i] + r[i + 1 :] for r in rows]
    msg = _error(_write(tmp_path, rows))
    assert "column 'Count' is missing" in msg
    assert "'Denominator'" in msg  # the found columns are listed
    assert "broken.csv" in msg


def test_text_in_value_names_line_and_column(tmp_path):
    rows = _rows()
    _set(rows, 5, "Value", "n/a")
    _set(rows, 9, "Count", "12,5")
    msg = _error(_write(tmp_path, rows))
    assert "row 5, column 'Value': not a number" in msg
    assert "row 9, column 'Count': not a number" in msg


def test_negative_count(tmp_path):
    rows = _rows()
    _set(rows, 3, "Count", "-4")
    assert "row 3, column 'Count': negative number" in _error(_write(tmp_path, rows))


def test_count_above_denominator(tmp_path):
    rows = _rows()
    _set(rows, 4, "Count", "200000")  # Middlesbrough's denominator is 111509
    assert "row 4, column 'Count': Count is larger than Denominator" in _error(
        _write(tmp_path, rows)
    )


def test_value_outside_limits(tmp_path):
    rows = _rows()
    _set(rows, 6, "Lower CI 95.0 limit", "99")
    assert "row 6, column 'Value': Value is outside its 95% confidence limits" in _error(
        _write(tmp_path, rows)
    )


def test_duplicate_rows(tmp_path):
    rows = _rows()
    rows.insert(10, list(rows[2]))  # line 11 repeats line 3 (Hartlepool)
    msg = _error(_write(tmp_path, rows))
    assert "rows 3, 11: duplicate rows" in msg


def test_unknown_area_code(tmp_path):
    rows = _rows()
    _set(rows, 3, "Area Code", "E06009999")
    msg = _error(_write(tmp_path, rows))
    assert "row 3, column 'Area Code': area code not in the area lookup: E06009999" in msg


def test_former_utla_codes_are_accepted(real):
    # Bournemouth, Poole, Dorset CC, Buckinghamshire CC, Northamptonshire CC (2017 geography)
    for code in ["E06000028", "E06000029", "E10000009", "E10000002", "E10000021"]:
        assert real.loc[real["area_code"] == code, "area_type"].item() == "UTLA"


def test_other_geographies_are_not_checked_against_lookup(real):
    assert real.loc[real["area_code"] == "E38000001", "area_type"].item() == "CCG"


def test_area_type_must_match_lookup(tmp_path):
    rows = _rows()
    _set(rows, 3, "Area Type", "Region")  # Hartlepool is an upper-tier LA
    assert "row 3, column 'Area Type': area type does not match" in _error(_write(tmp_path, rows))


def test_bad_period(tmp_path):
    rows = _rows()
    _set(rows, 7, "Time period", "Year 2017")
    assert "row 7, column 'Time period': time period not recognised" in _error(
        _write(tmp_path, rows)
    )


def test_future_period(tmp_path):
    rows = _rows()
    _set(rows, 2, "Time period", "2017")
    msg = _error(_write(tmp_path, rows), today=date(2017, 6, 30))
    assert "period ends after today (2017-06-30)" in msg


def test_range_must_match_period(tmp_path):
    rows = _rows()
    _set(rows, 8, "Time period range", "3y")
    assert "row 8, column 'Time period range': time period range does not match" in _error(
        _write(tmp_path, rows)
    )


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "the file is empty" in _error(path)
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    assert "the file is empty" in _error(path)


def test_header_only(tmp_path):
    assert "header but no data rows" in _error(_write(tmp_path, _rows()[:1]))


def test_latin1_file(tmp_path):
    rows = _rows()
    _set(rows, 4, "Area Name", "Middlesbrough Café")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "latin1.csv"
    path.write_bytes(buf.getvalue().encode("latin-1"))
    msg = _error(path)
    assert "row 4: the file is not UTF-8 text: byte 0xE9" in msg
    assert "CSV UTF-8 (Comma delimited)" in msg


def test_utf16_file(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(FIXTURE.read_text(encoding="utf-8").encode("utf-16"))
    assert "UTF-16" in _error(path)


def test_truncated_file(tmp_path):
    raw = FIXTURE.read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(raw[: raw.index(b"\n", 5000) + 40])  # cut inside a row
    msg = _error(path)
    assert "fewer fields than the header" in msg or "well-formed" in msg


def test_problems_are_collected_not_first_only(tmp_path):
    rows = _rows()
    _set(rows, 3, "Value", "abc")
    _set(rows, 4, "Count", "-1")
    _set(rows, 5, "Time period", "sometime")
    msg = _error(_write(tmp_path, rows))
    assert "3 problems found" in msg


# --------------------------------------------------------------------------- demo format

_HEADER = _rows()[0] if FIXTURE.is_file() else []


def _demo_row(**fields: str) -> list[str]:
    base = {
        "Indicator ID": "90244", "Indicator Name": "Successful completion of drug treatment: "
        "opiate users", "Area Code": "E06000044", "Area Name": "Portsmouth", "Area Type":
        "Counties & UAs (from Apr 2023)", "Sex": "Persons", "Age": "18+ yrs",
        "Time period": "2024/25 Q3", "Time period range": "12m", "Value": "5.5",
        "Count": "55", "Denominator": "1000", "Value note": "Synthetic demo data: not real",
    }  # fmt: skip
    base.update(fields)
    return [base.get(col, "") for col in _HEADER]


def test_rolling_quarter_synthetic_rows(tmp_path):
    rows = [_HEADER, _demo_row(), _demo_row(**{"Area Code": "E92000001", "Area Name":
            "England", "Area Type": "England", "Value note": ""})]  # fmt: skip
    df = read_fingertips_csv(_write(tmp_path, rows, "fingertips_completions_demo.csv"))
    port, eng = df.iloc[0], df.iloc[1]
    assert port["area_type"] == "UTLA"
    assert port["period_start"] == pd.Timestamp("2024-01-01")
    assert port["period_end"] == pd.Timestamp("2024-12-31")
    assert port["source"] == "synthetic demo data (fingertips_completions_demo.csv)"
    assert tidy.is_synthetic(port["source"])
    assert eng["source"] == (
        "Fingertips (OHID) 90244, data to 2024/25 Q3 (fingertips_completions_demo.csv)"
    )


def test_three_year_period_and_category(tmp_path):
    rows = [
        _HEADER,
        _demo_row(**{"Indicator ID": "92432", "Time period": "2022 - 24",
                     "Time period range": "3y", "Age": "All ages", "Count": "46",
                     "Denominator": "", "Value": "7.7", "Value note": "",
                     "Category Type": "Referral source", "Category": "Education"}),
    ]  # fmt: skip
    row = read_fingertips_csv(_write(tmp_path, rows)).iloc[0]
    assert (row["period_start"], row["period_end"]) == (
        pd.Timestamp("2022-01-01"),
        pd.Timestamp("2024-12-31"),
    )
    assert row["category"] == "Referral source: Education"
    assert np.isnan(row["denominator"])


def test_map_area_type():
    s = pd.Series(["England", "Region", "Regions (statistical)", "UA", "County",
                   "Counties & UAs (from Apr 2023)", "Upper tier local authorities (post 4/23)",
                   "District", "CCG"])  # fmt: skip
    assert map_area_type(s).tolist() == [
        "England", "Region", "Region", "UTLA", "UTLA", "UTLA", "UTLA", "District", "CCG",
    ]  # fmt: skip


# --------------------------------------------------------------------------- compiled extract


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return read_compiled_extract(EXTRACT)


def test_compiled_extract_values(extract):
    assert len(extract) == 144
    assert extract["area_code"].nunique() == 36
    p = extract[
        (extract["area_code"] == "E06000044")
        & (extract["indicator_id"] == "90245")
        & (extract["period_label"] == "2018")
    ].iloc[0]
    assert (p["count"], p["denominator"]) == (52, 136)
    assert p["value"] == pytest.approx(38.2353)
    assert (p["lower_95"], p["upper_95"]) == (pytest.approx(30.4976), pytest.approx(46.6193))
    assert p["area_type"] == "UTLA" and p["sex"] == "Persons" and p["age"] == "18+ yrs"
    assert p["period_start"] == pd.Timestamp("2018-01-01")
    e = extract[
        (extract["area_code"] == "E92000001")
        & (extract["indicator_id"] == "90245")
        & (extract["period_label"] == "2018")
    ].iloc[0]
    assert e["area_type"] == "England" and e["value"] == pytest.approx(34.3774)
    assert np.isnan(e["denominator"])
    assert extract["source"].str.startswith("Fingertips (OHID), January 2020 snapshot").all()


def test_compiled_extract_fills_northamptonshire(extract):
    n = extract[extract["area_name"] == "Northamptonshire"]
    assert len(n) == 4 and (n["area_code"] == "E10000021").all()
    assert (n["area_type"] == "UTLA").all()


def test_compiled_extract_alcohol_financial_year(extract):
    r = extract[(extract["indicator_id"] == "91414") & (extract["period_label"] == "2018/19")]
    assert (r["period_start"] == pd.Timestamp("2018-04-01")).all()
    assert r.loc[r["area_code"] == "E06000044", "value"].item() == pytest.approx(640.35)


def test_compiled_extract_rejects_bad_rows(tmp_path):
    lines = EXTRACT.read_text(encoding="utf-8").splitlines()
    assert ",E10000011," in lines[5]
    lines[5] = lines[5].replace(",E10000011,", ",E10099999,")
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 6, column 'area_code_added_by_compiler'"):
        read_compiled_extract(path)


# --------------------------------------------------------------------------- sniffing


def test_sniffers(tmp_path):
    assert looks_like_fingertips_csv(FIXTURE)
    assert not looks_like_compiled_extract(FIXTURE)
    assert looks_like_compiled_extract(EXTRACT)
    assert not looks_like_fingertips_csv(EXTRACT)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert not looks_like_fingertips_csv(other)
    assert not looks_like_fingertips_csv(tmp_path / "absent.csv")


def test_blank_lines_keep_line_numbers(tmp_path):
    rows = _rows()
    _set(rows, 6, "Value", "oops")
    rows.insert(3, [])  # a blank line 4: the bad value moves to line 7
    path = _write(tmp_path, rows)
    assert "row 7, column 'Value': not a number" in _error(path)


def test_row_with_extra_field(tmp_path):
    rows = _rows()
    rows[4].append("stray")
    assert "row 5: row has more fields than the header" in _error(_write(tmp_path, rows))


def test_compiled_extract_other_empty_code_is_an_error(tmp_path):
    lines = EXTRACT.read_text(encoding="utf-8").splitlines()
    assert ",Brighton and Hove,E06000043," in lines[7]  # line 8
    lines[7] = lines[7].replace(",E06000043,", ",,")
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 8, column 'area_code_added_by_compiler': empty"):
        read_compiled_extract(path)


def test_missing_file(tmp_path):
    assert "file not found" in _error(tmp_path / "nope.csv")
