"""Record-level treatment episodes: derivations worked out by hand, and every validation rule.

The small tables below are typed in; the expected counts beside them were worked out by hand
from the written rules (docs/episodes.md), not by running the code.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from cdp_analysis import tidy
from cdp_analysis.errors import InputError
from cdp_analysis.sources import episodes as ep

TODAY = date(2026, 11, 30)
HEADER = ",".join(ep.REQUIRED_COLUMNS)
PORTSMOUTH, SOUTHAMPTON = "E06000044", "E06000045"


def row(
    client,
    start,
    exit_="",
    reason="",
    rep="",
    *,
    age=30,
    sub="opiate",
    ref="self",
    sex="male",
    area=PORTSMOUTH,
):
    return ",".join([client, area, str(age), sex, sub, ref, start, exit_, reason, rep])


def write(tmp_path, rows, header=HEADER, name="episodes.csv"):
    path = tmp_path / name
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def derive(tmp_path, rows, first="2024-25Q1", last="2025-26Q1", **kwargs):
    episodes = ep.load_episodes(write(tmp_path, rows), today=TODAY)
    kwargs.setdefault("as_at", "2026-11-30")
    return ep.derive_indicators(episodes, first, last, **kwargs)


def pick(table, indicator, period, category="", age=None, area=PORTSMOUTH):
    """The one row of ``table`` for an indicator, period label and category."""
    m = (
        (table["indicator_id"] == indicator)
        & (table["period_label"] == period)
        & (table["category"] == category)
        & (table["area_code"] == area)
    )
    if age is not None:
        m &= table["age"] == age
    hit = table[m]
    assert len(hit) == 1, (indicator, period, category, len(hit))
    return hit.iloc[0]


def count(table, indicator, period, category="", age=None, area=PORTSMOUTH):
    return pick(table, indicator, period, category, age, area)["count"]


# 2024/25 Q4 covers 1 April 2024 - 31 March 2025; 2024/25 Q3 covers 1 Jan - 31 Dec 2024;
# 2025/26 Q1 covers 1 July 2024 - 30 June 2025.
WORKED = [
    # C1 completes (opiate), re-presents 5 months later: not a completion, a re-presentation.
    row("C1", "2023-06-01", "2024-09-15", "completed_free_of_dependence", "2025-02-10"),
    row("C1", "2025-02-10"),
    # C2 completes (alcohol) and re-presents 7 months and a day later: a completion.
    row("C2", "2024-05-01", "2024-08-20", "completed_free_of_dependence", "2025-03-21",
        sub="alcohol_only"),
    row("C2", "2025-03-21", sub="alcohol_only"),
    # C3 completes (non-opiate only) on the last day of 2024, never re-presents.
    row("C3", "2024-06-01", "2024-12-31", "completed_free_of_dependence", sub="non_opiate_only"),
    # C4 has been in treatment since 2020: in every period.
    row("C4", "2020-01-01", ref="criminal_justice"),
    # C5: a one-day episode on the first day of 2024/25 Q4's 12 months.
    row("C5", "2024-04-01", "2024-04-01", "dropped_out", sub="alcohol_only", sex="female"),
    # C6 starts on the last day of 2024/25 Q4's 12 months.
    row("C6", "2025-03-31", sub="non_opiate_and_alcohol", ref="gp"),
    # C7 completes the day before 2024/25 Q4's 12 months begin.
    row("C7", "2023-01-01", "2024-03-31", "completed_free_of_dependence", sub="alcohol_only"),
    # C8 is 17 at start: a young person, referred by a school, completes.
    row("C8", "2024-10-01", "2025-02-01", "completed_free_of_dependence", age=17,
        sub="non_opiate_only", ref="education", sex="female"),
    # C9 is 18 at start (an adult), starting on 1 April 2025.
    row("C9", "2025-04-01", age=18, sub="alcohol_only"),
]  # fmt: skip


@pytest.fixture
def worked(tmp_path):
    return derive(tmp_path, WORKED)


def test_adults_in_treatment_by_substance(worked):
    q4 = "2024/25 Q4"
    # C1, C2, C3, C4, C5 (first day), C6 (last day); not C7 (left the day before), C8 (17),
    # C9 (starts after).
    assert count(worked, ep.ADULTS_IN_TREATMENT, q4) == 6
    assert count(worked, ep.ADULTS_IN_TREATMENT, q4, "Substance: opiate") == 2  # C1, C4
    assert count(worked, ep.ADULTS_IN_TREATMENT, q4, "Substance: alcohol only") == 2  # C2, C5
    assert count(worked, ep.ADULTS_IN_TREATMENT, q4, "Substance: non-opiate only") == 1
    assert count(worked, ep.ADULTS_IN_TREATMENT, q4, "Substance: non-opiate and alcohol") == 1
    # 2024/25 Q3: C1, C2, C3, C4, C5, C7 (C6 and C2's second episode start later).
    assert count(worked, ep.ADULTS_IN_TREATMENT, "2024/25 Q3") == 6
    assert count(worked, ep.ADULTS_IN_TREATMENT, "2024/25 Q3", "Substance: alcohol only") == 3
    # 2025/26 Q1: C1, C2, C3, C4, C6, C9 (18 is an adult); C5 left before July 2024.
    assert count(worked, ep.ADULTS_IN_TREATMENT, "2025/26 Q1") == 6


def test_an_episode_spanning_periods_counts_in_each(worked):
    # C4 (opiate since 2020) and C1 are the opiate clients in every period.
    for period in ["2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4", "2025/26 Q1"]:
        assert count(worked, ep.ADULTS_IN_TREATMENT, period, "Substance: opiate") == 2


def test_completions_exclude_representations_within_6_months(worked):
    q4 = pick(worked, ep.COMPLETIONS, "2024/25 Q4")
    # C2 (re-presented after 7 months) and C3; not C1 (re-presented after 5 months).
    assert (q4["count"], q4["denominator"]) == (2, 6)
    assert q4["value"] == pytest.approx(100 * 2 / 6)
    assert q4["value_note"] == ""
    opiate = pick(worked, ep.COMPLETIONS, "2024/25 Q4", "Substance: opiate")
    assert (opiate["count"], opiate["denominator"], opiate["value"]) == (0, 2, 0)
    alcohol = pick(worked, ep.COMPLETIONS, "2024/25 Q4", "Substance: alcohol only")
    assert (alcohol["count"], alcohol["denominator"], alcohol["value"]) == (1, 2, 50)
    non_opiate = pick(worked, ep.COMPLETIONS, "2024/25 Q4", "Substance: non-opiate only")
    assert (non_opiate["count"], non_opiate["denominator"]) == (1, 1)
    # 2024/25 Q3: C2, C3 and C7 (left 31 March 2024, inside Jan-Dec 2024).
    assert count(worked, ep.COMPLETIONS, "2024/25 Q3") == 3
    # 2025/26 Q1 (July 2024 - June 2025): C2 and C3 again.
    assert count(worked, ep.COMPLETIONS, "2025/26 Q1") == 2


def test_representations(worked):
    assert count(worked, ep.REPRESENTATIONS, "2024/25 Q4", age=ep.AGE_ADULTS) == 1  # C1
    assert count(worked, ep.REPRESENTATIONS, "2024/25 Q4", "Substance: opiate") == 1
    assert count(worked, ep.REPRESENTATIONS, "2024/25 Q4", "Substance: alcohol only") == 0
    assert count(worked, ep.REPRESENTATIONS, "2024/25 Q4", age=ep.AGE_YP) == 0


def test_young_people(worked):
    q4 = "2024/25 Q4"
    assert count(worked, ep.YP_IN_TREATMENT, q4) == 1  # C8, aged 17
    assert count(worked, ep.YP_IN_TREATMENT, q4, "Referral source: Education") == 1
    assert count(worked, ep.YP_IN_TREATMENT, q4, "Referral source: Self") == 0
    done = pick(worked, ep.YP_COMPLETIONS, q4)
    assert (done["count"], done["denominator"], done["value"]) == (1, 1, 100)
    assert count(worked, ep.YP_IN_TREATMENT, "2024/25 Q2") == 0  # C8 starts Oct 2024
    assert count(worked, ep.NEW_PRESENTATIONS, q4, age=ep.AGE_YP) == 1
    assert count(worked, ep.NEW_PRESENTATIONS, q4, "Referral source: Education") == 1


def test_new_presentations(worked):
    # Starting within April 2024 - March 2025: C1 (second episode), C2, C3, C5 (first day),
    # C6 (last day).
    q4 = "2024/25 Q4"
    assert count(worked, ep.NEW_PRESENTATIONS, q4, age=ep.AGE_ADULTS) == 5
    assert count(worked, ep.NEW_PRESENTATIONS, q4, "Substance: alcohol only") == 2  # C2, C5
    assert count(worked, ep.NEW_PRESENTATIONS, q4, "Substance: opiate") == 1  # C1
    assert count(worked, ep.NEW_PRESENTATIONS, "2025/26 Q1", age=ep.AGE_ADULTS) == 4  # C1 C2 C6 C9


def test_tidy_shape_labels_and_source(worked, tmp_path):
    assert list(worked.columns) == tidy.COLUMNS
    r = pick(worked, ep.ADULTS_IN_TREATMENT, "2024/25 Q4", "Substance: opiate")
    assert (r["area_name"], r["area_type"], r["sex"], r["age"]) == (
        "Portsmouth", "UTLA", "Persons", "18+ yrs",
    )  # fmt: skip
    assert r["period_start"] == pd.Timestamp("2024-04-01")
    assert r["period_end"] == pd.Timestamp("2025-03-31")
    assert r["source"] == "local record-level episodes (episodes.csv)"
    assert not tidy.is_synthetic(worked["source"]).any()
    # Every combination present, zeros included: 40 rows a period (8 blocks), 5 periods.
    assert set(worked["indicator_id"]) == set(ep.INDICATORS)
    assert len(worked.drop_duplicates(tidy.KEY)) == len(worked)
    per_period = 5 + 5 + 5 + 1 + 9 + 1 + 5 + 9
    assert len(worked) == 5 * per_period


def test_wilson_limits(worked):
    r = pick(worked, ep.COMPLETIONS, "2024/25 Q4")
    # Wilson 95% for 2/6 worked by hand: (2*2 + z^2 -+ z*sqrt(z^2 + 4*2*(1 - 2/6))) / (2*(6 + z^2))
    assert r["lower_95"] == pytest.approx(9.6771, abs=1e-3)
    assert r["upper_95"] == pytest.approx(70.0006, abs=1e-3)
    assert r["lower_99_8"] < r["lower_95"] and r["upper_99_8"] > r["upper_95"]
    zero = pick(worked, ep.COMPLETIONS, "2024/25 Q4", "Substance: opiate")  # 0/2
    assert zero["lower_95"] == 0 and zero["upper_95"] == pytest.approx(65.7620, abs=1e-3)
    counts = worked[worked["indicator_id"] == ep.ADULTS_IN_TREATMENT]
    assert counts["lower_95"].isna().all()


def test_no_one_in_treatment_gives_no_percentage(worked):
    r = pick(worked, ep.YP_COMPLETIONS, "2024/25 Q2")
    assert (r["count"], r["denominator"]) == (0, 0)
    assert np.isnan(r["value"]) and np.isnan(r["lower_95"])
    assert r["value_note"] == ep.NO_DENOMINATOR_NOTE


def test_representation_exactly_six_months_later_is_within(tmp_path):
    rows = [
        # Exit 31 Aug 2024: 6 months later is 28 Feb 2025 (month end clipped).
        row("A", "2024-05-01", "2024-08-31", "completed_free_of_dependence", "2025-02-28"),
        row("A", "2025-02-28"),
        row("B", "2024-05-01", "2024-08-31", "completed_free_of_dependence", "2025-03-01"),
        row("B", "2025-03-01"),
    ]
    t = derive(tmp_path, rows)
    assert count(t, ep.COMPLETIONS, "2024/25 Q4") == 1  # B only
    assert count(t, ep.REPRESENTATIONS, "2024/25 Q4", age=ep.AGE_ADULTS) == 1  # A


def test_client_counted_once_in_latest_episodes_group(tmp_path):
    rows = [
        row("A", "2024-01-01", "2024-06-01", "dropped_out", "2024-09-01"),
        row("A", "2024-09-01", sub="alcohol_only"),
        row("B", "2024-05-01", "2024-06-30", "transferred"),
        row("B", "2024-07-01", ref="gp"),  # same group twice: counted once
    ]
    t = derive(tmp_path, rows)
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4") == 2
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4", "Substance: alcohol only") == 1
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4", "Substance: opiate") == 1  # B
    # 2024/25 Q1 (July 2023 - June 2024): A's only episode then is opiate.
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q1", "Substance: opiate") == 2
    assert count(t, ep.NEW_PRESENTATIONS, "2024/25 Q4", age=ep.AGE_ADULTS) == 2


def test_a_completion_in_one_group_counts_in_the_clients_latest_group(tmp_path):
    rows = [
        row("A", "2024-01-01", "2024-04-30", "completed_free_of_dependence", "2024-12-01"),
        row("A", "2024-12-01", sub="alcohol_only"),
    ]
    t = derive(tmp_path, rows)
    r = pick(t, ep.COMPLETIONS, "2024/25 Q4", "Substance: alcohol only")
    assert (r["count"], r["denominator"]) == (1, 1)
    assert count(t, ep.COMPLETIONS, "2024/25 Q4", "Substance: opiate") == 0


def test_age_bands_are_counted_apart(tmp_path):
    rows = [
        row("A", "2024-05-01", "2024-08-01", "dropped_out", "2024-10-01", age=17,
            ref="youth_offending"),
        row("A", "2024-10-01", age=18),
    ]  # fmt: skip
    t = derive(tmp_path, rows)
    assert count(t, ep.YP_IN_TREATMENT, "2024/25 Q4") == 1
    assert count(t, ep.YP_IN_TREATMENT, "2024/25 Q4", "Referral source: Youth offending") == 1
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4") == 1


def test_areas_are_counted_apart_and_zero_areas_kept(tmp_path):
    rows = [
        row("A", "2024-05-01", "2024-08-01", "transferred", "2024-08-02"),
        row("A", "2024-08-02", area=SOUTHAMPTON),
    ]
    t = derive(tmp_path, rows, area_codes=[PORTSMOUTH, SOUTHAMPTON, "E06000046"])
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4") == 1
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4", area=SOUTHAMPTON) == 1
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4", area="E06000046") == 0
    assert pick(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4", area="E06000046")["area_name"] == (
        "Isle of Wight"
    )


def test_latest_quarters_are_provisional(tmp_path):
    rows = [row("A", "2024-05-01", "2024-08-01", "completed_free_of_dependence"),
            row("B", "2025-06-30")]  # fmt: skip
    t = derive(tmp_path, rows, as_at=None)  # as_at = latest date in the file, 30 June 2025
    # 2024/25 Q4 ends 31 March 2025: 6 months later (30 Sep 2025) is after the records.
    assert pick(t, ep.COMPLETIONS, "2024/25 Q4")["value_note"].startswith("Provisional")
    assert "2025-06-30" in pick(t, ep.COMPLETIONS, "2024/25 Q4")["value_note"]
    assert pick(t, ep.REPRESENTATIONS, "2024/25 Q4", age=ep.AGE_ADULTS)["value_note"] != ""
    # 2024/25 Q2 ends 30 Sep 2024; 31 March 2025 is within the records.
    assert pick(t, ep.COMPLETIONS, "2024/25 Q2")["value_note"] == ""
    assert pick(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4")["value_note"] == ""


def test_default_quarters(tmp_path):
    episodes = ep.load_episodes(
        write(
            tmp_path,
            [
                row("A", "2019-05-10", "2023-06-15", "other"),
                row("B", "2025-01-15", "2025-02-03", "other"),
                row("C", "2022-05-10"),
            ],
        ),
        today=TODAY,
    )
    t = ep.derive_indicators(episodes)
    # Earliest exit 15 June 2023: the first 12 months starting after it are July 2023 - June
    # 2024 (2024/25 Q1); the latest date (3 Feb 2025) is in 2024/25 Q4.
    assert sorted(set(t["period_label"])) == ["2024/25 Q1", "2024/25 Q2", "2024/25 Q3",
                                              "2024/25 Q4"]  # fmt: skip


def test_indicators_from_file(tmp_path):
    path = write(tmp_path, WORKED, name="my_extract.csv")
    t = ep.indicators_from_file(path, "2024-25Q4", "2024-25Q4", as_at="2026-01-01", today=TODAY)
    assert set(t["period_label"]) == {"2024/25 Q4"}
    assert (t["source"] == "local record-level episodes (my_extract.csv)").all()
    assert count(t, ep.ADULTS_IN_TREATMENT, "2024/25 Q4") == 6


# --- loading ---------------------------------------------------------------------------------


def test_load_returns_typed_records_without_notes_or_birth_dates(tmp_path):
    header = HEADER + ",date_of_birth,notes"
    rows = [
        row("A", "2024-05-01", age=34) + ',1990-05-01,"lives with ""J"", see file"',
        row("B", "03/02/2025", age=17) + ",2007-02-04,",  # UK date; 17 the day before 18th
    ]
    df = ep.load_episodes(write(tmp_path, rows, header), today=TODAY)
    assert list(df.columns) == ep.FIELDS
    assert df["start_date"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2025-02-03")]
    assert df["age_at_start"].tolist() == [34, 17]
    assert df["line"].tolist() == [2, 3]
    assert df.attrs["synthetic"] is False


def test_date_of_birth_instead_of_age(tmp_path):
    header = HEADER.replace("age_at_start,", "") + ",date_of_birth"
    rows = [
        "A,E06000044,male,opiate,self,2024-05-01,,,,1990-05-02",  # 33: birthday next day
        "B,E06000044,female,alcohol_only,gp,2024-05-01,,,,1990-05-01",  # 34 on the day
    ]
    df = ep.load_episodes(write(tmp_path, rows, header), today=TODAY)
    assert df["age_at_start"].tolist() == [33, 34]
    assert "date_of_birth" not in df


def test_line_numbers_count_line_breaks_inside_quoted_notes(tmp_path):
    header = HEADER + ",notes"
    rows = [
        row("A", "2024-05-01") + ',"first line\nsecond line"',
        row("B", "2024-05-01", sub="heroin") + ",",
    ]
    err = _error(write(tmp_path, rows, header))
    assert err.problems[0].rows == [4]


def _error(path, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        ep.load_episodes(path, today=TODAY, **kwargs)
    err = info.value
    text = str(err)
    assert str(path) in text and "Fix:" in text  # every message names the file and the fix
    return err


def _only(err: InputError, column: str | None = None):
    assert len(err.problems) == 1, str(err)
    p = err.problems[0]
    if column is not None:
        assert p.column == column, str(err)
    return p


# --- broken input: one test per rule ---------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        ep.load_episodes(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    err = _error(path)
    assert _only(err).message == "the file is empty (0 bytes)"
    assert "Fix: export the episodes again" in str(err)
    path.write_bytes(b"\xef\xbb\xbf\r\n")  # a byte-order mark and a line break
    assert "the file is empty (only blank space" in _only(_error(path)).message


def test_row_cut_short_is_a_truncated_file(tmp_path):
    rows = [row("A", "2024-05-01"), row("B", "2024-05-01"), row("C", "2024-05-01")]
    path = tmp_path / "cut.csv"
    text = HEADER + "\n" + "\n".join(rows)
    path.write_text(text[: text.index(",opiate", text.index("C,"))], encoding="utf-8")
    err = _error(path)
    p = _only(err)
    assert p.rows == [4] and p.message.startswith("row has fewer fields than the header")
    assert "the file may be truncated" in p.message and p.expected.startswith("10 comma-separated")
    assert "fetch it again" in str(err)


def test_row_cut_short_inside_quotes_names_a_truncated_file(tmp_path):
    header = HEADER + ",notes"
    path = tmp_path / "cut.csv"
    path.write_text(header + "\n" + row("A", "2024-05-01") + ',"met at the', encoding="utf-8")
    assert "it may be truncated" in _only(_error(path)).message


def test_utf16_file(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes((HEADER + "\n" + row("A", "2024-05-01") + "\n").encode("utf-16"))
    err = _error(path)
    assert _only(err).message == "the file is UTF-16 text, not UTF-8"
    assert "'CSV UTF-8 (Comma delimited) (*.csv)'" in str(err)


def test_header_only(tmp_path):
    assert "no episodes" in _only(_error(write(tmp_path, []))).message


def test_wrong_encoding(tmp_path):
    path = tmp_path / "latin1.csv"
    text = HEADER + "\n" + row("A", "2024-05-01") + "\n" + row("Zoë", "2024-05-01") + "\n"
    path.write_bytes(text.encode("latin-1"))
    err = _error(path)
    p = _only(err)
    assert p.rows == [3] and "byte 0xEB cannot be read as UTF-8" in p.message
    assert "re-save it as UTF-8" in str(err)


def test_utf8_with_bom_is_fine(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + row("Zoë", "2024-05-01") + "\n").encode())
    assert ep.load_episodes(path, today=TODAY)["client_id"].tolist() == ["Zoë"]


def test_renamed_column(tmp_path):
    header = HEADER.replace("substance_group", "Substance group")
    err = _error(write(tmp_path, [row("A", "2024-05-01")], header))
    missing = [p for p in err.problems if p.column == "substance_group"]
    assert missing and "rename 'Substance group'" in missing[0].message
    assert missing[0].rows == [1]  # the header line
    assert any(p.column == "Substance group" and p.rows == [1] for p in err.problems)


def test_missing_column(tmp_path):
    header = HEADER.replace(",representation_date", "")
    rows = [",".join(row("A", "2024-05-01").split(",")[:-1])]
    p = _only(_error(write(tmp_path, rows, header)), "representation_date")
    assert "missing" in p.message and p.rows == [1]


def test_unknown_column(tmp_path):
    header = HEADER + ",nhs_number"
    p = _only(_error(write(tmp_path, [row("A", "2024-05-01") + ",9434765919"], header)))
    assert p.column == "nhs_number" and "not in the episodes template" in p.message


def test_malformed_csv(tmp_path):
    err = _error(write(tmp_path, [row("A", "2024-05-01"), row("B", "2024-05-01") + ",extra"]))
    assert "well-formed" in _only(err).message and "line 3" in str(err)


def test_blank_line(tmp_path):
    err = _error(write(tmp_path, [row("A", "2024-05-01"), "", row("B", "2024-05-01")]))
    p = _only(err)
    assert p.message == "blank line" and p.rows == [3]


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("age_at_start", "abc", "not a whole number"),
        ("age_at_start", "17.5", "not a whole number"),
        ("age_at_start", "", "blank"),
        ("age_at_start", "121", "outside 0-120"),
        ("age_at_start", "-1", "outside 0-120"),
        ("client_id", "", "blank"),
        ("start_date", "", "blank"),
        ("start_date", "2023-02-30", "not a real date"),
        ("start_date", "31/13/2023", "not a real date"),
        ("start_date", "yesterday", "not a real date"),
        ("start_date", "2026-12-01", "future"),
        ("area_code", "E06000999", "unknown value"),
        ("area_code", "E12000008", "unknown value"),  # a region, not a local authority
        ("sex", "M", "unknown value"),
        ("substance_group", "cannabis", "unknown value"),
        ("referral_source", "school", "unknown value"),
    ],
)
def test_bad_cell(tmp_path, column, value, needle):
    values = row("A", "2024-05-01").split(",")
    good = row("B", "2024-05-01").split(",")
    values[ep.REQUIRED_COLUMNS.index(column)] = value
    err = _error(write(tmp_path, [",".join(good), ",".join(values)]))
    p = _only(err, column)
    assert needle in p.message and p.rows == [3]
    assert p.expected or needle == "blank"


def test_case_and_ndtms_hints(tmp_path):
    rows = [
        row("A", "2024-05-01", sub="Opiate"),
        row("B", "2024-05-01", "2024-06-01", "Successful completion - drug free"),
    ]
    err = _error(write(tmp_path, rows))
    by_column = {p.column: p for p in err.problems}
    assert "did you mean 'opiate'" in by_column["substance_group"].message
    assert "completed_free_of_dependence" in by_column["exit_reason"].message


def test_future_exit_and_representation(tmp_path):
    rows = [row("A", "2026-01-01", "2026-12-01", "dropped_out"),
            row("B", "2026-01-01", "2026-02-01", "dropped_out", "2026-12-25")]  # fmt: skip
    err = _error(write(tmp_path, rows))
    assert {(p.column, tuple(p.rows)) for p in err.problems} == {
        ("exit_date", (2,)),
        ("representation_date", (3,)),
    }


def test_exit_before_start(tmp_path):
    p = _only(_error(write(tmp_path, [row("A", "2024-05-01", "2024-04-30", "dropped_out")])))
    assert p.message == "exit before start" and p.rows == [2] and p.column == "exit_date"


def test_representation_before_exit(tmp_path):
    rows = [row("A", "2024-05-01", "2024-06-30", "dropped_out", "2024-06-29")]
    p = _only(_error(write(tmp_path, rows)), "representation_date")
    assert p.message == "re-presentation before exit"


def test_representation_without_exit(tmp_path):
    p = _only(_error(write(tmp_path, [row("A", "2024-05-01", rep="2024-06-29")])))
    assert "no exit_date" in p.message


def test_exit_reason_needs_exit_date_and_back(tmp_path):
    rows = [row("A", "2024-05-01", "2024-06-30"), row("B", "2024-05-01", reason="dropped_out")]
    err = _error(write(tmp_path, rows))
    assert {(p.column, tuple(p.rows)) for p in err.problems} == {
        ("exit_reason", (2,)),
        ("exit_date", (3,)),
    }


def test_unknown_exit_reason(tmp_path):
    p = _only(_error(write(tmp_path, [row("A", "2024-05-01", "2024-06-30", "finished")])))
    assert p.column == "exit_reason" and "completed_free_of_dependence" in p.expected


def test_duplicate_episodes(tmp_path):
    rows = [row("A", "2024-05-01"), row("B", "2024-05-01"),
            row("A", "01/05/2024", sub="alcohol_only")]  # fmt: skip
    p = _only(_error(write(tmp_path, rows)))
    assert "duplicate" in p.message and p.rows == [2, 4]


def test_completion_followed_by_an_unrecorded_representation(tmp_path):
    rows = [
        row("A", "2024-01-01", "2024-03-01", "completed_free_of_dependence"),
        row("A", "2024-05-01"),
        row("B", "2024-01-01", "2024-03-01", "completed_free_of_dependence", "2024-06-01"),
        row("B", "2024-05-01"),  # recorded re-presentation is after this start
        row("C", "2024-01-01", "2024-03-01", "completed_free_of_dependence", "2024-05-01"),
        row("C", "2024-05-01"),  # fine
        row("D", "2024-01-01", "2024-12-01", "completed_free_of_dependence"),
        row("D", "2024-02-01"),  # concurrent episode, started before the exit: fine
    ]
    p = _only(_error(write(tmp_path, rows)), "representation_date")
    assert p.rows == [2, 4]


def test_age_and_date_of_birth_disagree(tmp_path):
    header = HEADER + ",date_of_birth"
    rows = [row("A", "2024-05-01", age=30) + ",1990-05-01"]  # 34 by the date of birth
    p = _only(_error(write(tmp_path, rows, header)), "age_at_start")
    assert "does not match" in p.message


def test_birth_after_start(tmp_path):
    header = HEADER.replace("age_at_start,", "") + ",date_of_birth"
    rows = ["A,E06000044,male,opiate,self,2024-05-01,,,,2024-06-01"]
    p = _only(_error(write(tmp_path, rows, header)), "date_of_birth")
    assert "outside 0-120" in p.message


def test_synthetic_marker(tmp_path):
    header = HEADER + ",synthetic"
    good = ep.load_episodes(
        write(tmp_path, [row("A", "2024-05-01") + ",synthetic demo data"], header), today=TODAY
    )
    assert good.attrs["synthetic"] is True
    assert good.attrs["source"] == "synthetic demo data: local record-level episodes (episodes.csv)"
    t = ep.derive_indicators(good, "2024-25Q4", "2024-25Q4")
    assert tidy.is_synthetic(t["source"]).all()
    rows = [row("A", "2024-05-01") + ",synthetic demo data", row("B", "2024-05-01") + ",real"]
    p = _only(_error(write(tmp_path, rows, header)), "synthetic")
    assert p.rows == [3]


def test_many_problems_are_reported_together(tmp_path):
    rows = [row("A", "2024-05-01", sub="heroin"), row("B", "2024-02-30"), row("C", "x", age=200)]
    err = _error(write(tmp_path, rows))
    assert len(err.problems) == 3  # unknown group, two bad dates (one problem), age
    assert {p.column for p in err.problems} == {"substance_group", "start_date", "age_at_start"}


# --- cross-check against a plain per-client reference -----------------------------------------


def _reference_counts(episodes: pd.DataFrame, quarters) -> dict:
    """The rules of docs/episodes.md applied client by client, in plain Python (slow)."""
    from collections import Counter, defaultdict

    six_months = pd.DateOffset(months=6)
    people = defaultdict(list)
    for r in episodes.to_dict("records"):
        people[r["client_id"], r["area_code"], r["age_at_start"] < 18].append(r)
    out = Counter()
    for q in quarters:
        ws, we = (pd.Timestamp(d) for d in q.rolling_12m())
        for (_, area, young), eps in people.items():
            overlapping = [
                r for r in eps
                if r["start_date"] <= we and (pd.isna(r["exit_date"]) or r["exit_date"] >= ws)
            ]  # fmt: skip
            if not overlapping:
                continue
            latest = max(overlapping, key=lambda r: r["start_date"])
            group = latest["referral_source"] if young else latest["substance_group"]
            key = (q.fingertips_label, area, young, group)
            out["in_treatment", *key] += 1
            out["new", *key] += any(ws <= r["start_date"] <= we for r in eps)
            completions = [
                r for r in eps
                if r["exit_reason"] == ep.COMPLETED and ws <= r["exit_date"] <= we
            ]  # fmt: skip
            soon = [
                pd.notna(r["representation_date"])
                and r["representation_date"] <= r["exit_date"] + six_months
                for r in completions
            ]
            out["completed", *key] += any(not s for s in soon)
            out["represented", *key] += any(soon)
    return out


def test_matches_a_plain_per_client_reference(tmp_path):
    from cdp_analysis.demo.episodes import write_demo_episodes
    from cdp_analysis.periods import Quarter, quarter_range

    path = write_demo_episodes(
        tmp_path / "demo.csv", area_code=[PORTSMOUTH, SOUTHAMPTON], n_clients=800, seed=7
    )
    episodes = ep.load_episodes(path, today=TODAY)
    assert episodes["client_id"].duplicated().sum() > 100  # many clients re-present
    quarters = quarter_range(Quarter.parse("2023-24Q1"), Quarter.parse("2025-26Q4"))
    table = ep.derive_indicators(episodes, quarters[0], quarters[-1])
    ref = _reference_counts(episodes, quarters)
    subs = {v: k for k, v in ep.SUBSTANCE_CATEGORIES.items()}
    refs = {v: k for k, v in ep.REFERRAL_CATEGORIES.items()}
    names = {
        ep.ADULTS_IN_TREATMENT: "in_treatment", ep.YP_IN_TREATMENT: "in_treatment",
        ep.COMPLETIONS: "completed", ep.YP_COMPLETIONS: "completed",
        ep.REPRESENTATIONS: "represented", ep.NEW_PRESENTATIONS: "new",
    }  # fmt: skip
    checked = 0
    for r in table.itertuples():
        young = r.age == ep.AGE_YP
        if r.category:
            groups = [subs.get(r.category) or refs[r.category]]
        else:
            groups = ep.REFERRAL_SOURCES if young else ep.SUBSTANCE_GROUPS
        expected = sum(
            ref[names[r.indicator_id], r.period_label, r.area_code, young, g] for g in groups
        )
        assert r.count == expected, r
        checked += expected
    assert checked > 5_000
