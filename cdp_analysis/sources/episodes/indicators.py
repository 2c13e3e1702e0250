"""Indicators derived from validated episodes: every area and quarter at once, vectorised.

The definitions (rolling 12 months, distinct clients, the 6-month re-presentation rule,
provisional rows) are in the docstring of :mod:`cdp_analysis.sources.episodes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ... import areas, tidy
from ...periods import Quarter, quarter_range
from .fields import (
    ADULT_AGE,
    ADULTS_IN_TREATMENT,
    AGE_ADULTS,
    AGE_YP,
    COMPLETED,
    COMPLETIONS,
    DATE_COLUMNS,
    NEW_PRESENTATIONS,
    NO_DENOMINATOR_NOTE,
    PROVISIONAL_NOTE,
    REFERRAL_CATEGORIES,
    REFERRAL_SOURCES,
    REPRESENTATION_MONTHS,
    REPRESENTATIONS,
    SUBSTANCE_CATEGORIES,
    SUBSTANCE_GROUPS,
    YP_COMPLETIONS,
    YP_IN_TREATMENT,
    days,
)
from .reader import load_episodes

_OPEN = np.iinfo(np.int64).max // 4  # exit day of an open episode: later than any window


def derive_indicators(
    episodes: pd.DataFrame,
    first_quarter: Quarter | str | None = None,
    last_quarter: Quarter | str | None = None,
    *,
    as_at: date | str | None = None,
    area_codes: Sequence[str] | None = None,
    source: str | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Every episodes indicator for every area and quarter, as a tidy table.

    ``episodes`` is a frame from :func:`load_episodes`. Quarters run from ``first_quarter``
    (default: the first whose 12 months start on or after the records' coverage start,
    taken as the earliest ``exit_date``, or the earliest ``start_date`` if none has exited:
    an extract of episodes active since some date holds no exit before it) to
    ``last_quarter`` (default: the quarter holding ``as_at``). ``as_at`` is the extract date
    (default: the latest date in the records); completions in 12 months ending less than 6
    months before it are marked provisional. ``area_codes`` (default: those in the records)
    gives the areas reported, zeros included. ``source`` defaults to the loader's
    ``attrs['source']``.
    """
    ep = episodes
    if as_at is None:
        as_at = max(ep[c].max() for c in DATE_COLUMNS if ep[c].notna().any())
    as_at = pd.Timestamp(as_at)
    last = _quarter(last_quarter) if last_quarter is not None else Quarter.containing(as_at)
    if first_quarter is not None:
        first = _quarter(first_quarter)
    else:
        first = min(_first_complete_quarter(ep), last)
    quarters = quarter_range(first, last)
    if not quarters:
        raise ValueError(f"first quarter {first} is after last quarter {last}")
    if area_codes is None:
        area_codes = sorted(pd.unique(ep["area_code"]))
    area_codes = list(area_codes)
    source = source or ep.attrs.get("source") or "local record-level episodes"

    counts = _count(ep, quarters, area_codes)
    lookup = areas.lookup(data_dir).set_index("area_code")
    unknown = [a for a in area_codes if a not in lookup.index]
    if unknown:
        raise ValueError(f"area codes not in the area lookup: {unknown}")
    return _to_tidy(counts, quarters, area_codes, lookup, as_at, source)


def _codes(s: pd.Series) -> np.ndarray:
    """Integer codes for a column's values (its categorical codes when it has them)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(s)[0].astype(np.int64)


def _first_complete_quarter(ep: pd.DataFrame) -> Quarter:
    """The first quarter whose 12 months start on or after the records' coverage start."""
    exits = ep["exit_date"].dropna()
    covered_from = (exits if len(exits) else ep["start_date"]).min()
    q = Quarter.containing(covered_from)
    first = q.shift(3)  # its 12 months start at q's start
    return first if pd.Timestamp(q.start) == covered_from else first.shift(1)


def _quarter(q: Quarter | str) -> Quarter:
    return q if isinstance(q, Quarter) else Quarter.parse(q)


def _count(ep: pd.DataFrame, quarters: list[Quarter], area_codes: list[str]) -> dict:
    """Distinct-client counts, arrays shaped (area, band, quarter, group).

    Each episode overlaps a contiguous run of the quarters' 12-month windows (both window
    ends increase with the quarter), found with searchsorted; so do the windows holding its
    start and its exit. A client with one episode in an area and age band is counted by
    adding +1 at the first window of each run and -1 after the last, then a cumulative sum
    over windows. Clients with several episodes there are expanded to (episode, window)
    pairs and reduced to one per (client, area, band, window) by hashing, keeping the
    latest-starting episode's group. No loop runs over episodes or clients.
    """
    e = _arrays(ep, quarters, area_codes)
    out = _single_counts(e)
    # Clients with several episodes in an area and band: (episode, window) pairs.
    idx = np.flatnonzero(e["multi"])
    lo, hi = e["runs"]["in_treatment"][0][idx], e["runs"]["in_treatment"][1][idx]
    n_k = np.maximum(hi - lo + 1, 0)
    if int(n_k.sum()) > 0:
        _add_multi_counts(out, e, idx, lo, n_k)
    return _shape(out, e["na"], e["nq"])


def _arrays(ep: pd.DataFrame, quarters: list[Quarter], area_codes: list[str]) -> dict:
    """The episodes in the reported areas as integer arrays in start order (later starts
    last), with the window runs each covers and who has several episodes in a cell."""
    nq, na = len(quarters), len(area_codes)
    ws = np.array([np.datetime64(q.rolling_12m()[0], "D") for q in quarters]).astype(np.int64)
    we = np.array([np.datetime64(q.rolling_12m()[1], "D") for q in quarters]).astype(np.int64)

    area = pd.Categorical(ep["area_code"], categories=area_codes).codes.astype(np.int64)
    order = np.argsort(days(ep["start_date"]), kind="stable")  # later starts last
    order = order[area[order] >= 0]
    s = days(ep["start_date"])[order]
    exit_na = ep["exit_date"].isna().to_numpy()[order]
    x = np.where(exit_na, _OPEN, days(ep["exit_date"])[order])
    area = area[order]
    client = _codes(ep["client_id"])[order]
    band = (ep["age_at_start"].to_numpy()[order] < ADULT_AGE).astype(np.int64)  # 1 = young
    groups = {
        "substance": ep["substance_group"].cat.codes.to_numpy()[order].astype(np.int64),
        "referral": ep["referral_source"].cat.codes.to_numpy()[order].astype(np.int64),
    }
    completed = (ep["exit_reason"] == COMPLETED).to_numpy()[order] & ~exit_na
    exit_plus = ep["exit_date"] + pd.DateOffset(months=REPRESENTATION_MONTHS)
    rep = ep["representation_date"]
    rep_soon = (rep.notna() & (rep <= exit_plus)).to_numpy()[order]
    flags = {"completed": completed & ~rep_soon, "represented": completed & rep_soon}

    # Runs of windows: overlapping the episode, holding its start, holding its exit.
    runs = {
        "in_treatment": (np.searchsorted(we, s, "left"), np.searchsorted(ws, x, "right") - 1),
        "new": (np.searchsorted(we, s, "left"), np.searchsorted(ws, s, "right") - 1),
    }
    x_run = (np.searchsorted(we, x, "left"), np.searchsorted(ws, x, "right") - 1)
    person = (client * na + area) * 2 + band
    person_code = pd.factorize(person)[0]
    multi = np.bincount(person_code)[person_code] > 1
    return dict(nq=nq, na=na, ws=ws, we=we, s=s, x=x, groups=groups, flags=flags, runs=runs,
                x_run=x_run, cell=area * 2 + band, n_cells=na * 2, person_code=person_code,
                multi=multi)  # fmt: skip


def _single_counts(e: dict) -> dict:
    """Counts of the clients with one episode in their area and band, by run of windows."""
    out = {}
    single = ~e["multi"]
    cell, groups = e["cell"], e["groups"]
    for name in ["in_treatment", "new", "completed", "represented"]:
        lo, hi = e["runs"].get(name, e["x_run"])
        m = single if name in e["runs"] else single & e["flags"][name]
        for by, g in groups.items():
            ng = len(SUBSTANCE_GROUPS) if by == "substance" else len(REFERRAL_SOURCES)
            out[name, by] = _run_counts(cell[m], lo[m], hi[m], g[m], e["n_cells"], e["nq"], ng)
    return out


def _add_multi_counts(out: dict, e: dict, idx: np.ndarray, lo: np.ndarray, n_k: np.ndarray):
    """Add the clients with several episodes in an area and band to ``out``: episodes
    ``idx`` expanded to (episode, window) pairs, one per (client, area, band, window)."""
    nq, ws, we, x, s = e["nq"], e["ws"], e["we"], e["x"], e["s"]
    cell, groups, flags = e["cell"], e["groups"], e["flags"]
    total = int(n_k.sum())
    pair_ep = np.repeat(idx, n_k)
    pair_k = np.arange(total) - np.repeat(np.cumsum(n_k) - n_k - lo, n_k)
    wsk, wek = ws[pair_k], we[pair_k]
    x_p = x[pair_ep]
    exited_in = (x_p >= wsk) & (x_p <= wek)
    pair_flags = {
        "new": s[pair_ep] >= wsk,
        "completed": flags["completed"][pair_ep] & exited_in,
        "represented": flags["represented"][pair_ep] & exited_in,
    }
    # One row per (client, area, band, window). Pairs are in start order, so numbering
    # the reversed pairs' keys by first appearance numbers each key at its latest episode;
    # those first appearances are where the running maximum of the codes steps up.
    codes_r = pd.factorize((e["person_code"][pair_ep] * nq + pair_k)[::-1])[0]
    n_keys = int(codes_r.max()) + 1
    steps = np.flatnonzero(np.diff(np.maximum.accumulate(codes_r), prepend=-1) > 0)
    latest = total - 1 - steps  # each key's latest pair, in code order
    l_ep, l_k = pair_ep[latest], pair_k[latest]
    key_flags = {"in_treatment": np.ones(n_keys, dtype=bool)}
    for name, f in pair_flags.items():
        key_flags[name] = np.bincount(codes_r, weights=f[::-1], minlength=n_keys) > 0
    for name, f in key_flags.items():
        for by, g in groups.items():
            ng = out[name, by].shape[-1]
            flat = (cell[l_ep][f] * nq + l_k[f]) * ng + g[l_ep][f]
            out[name, by] += np.bincount(flat, minlength=e["n_cells"] * nq * ng).reshape(
                out[name, by].shape
            )


def _run_counts(
    cell: np.ndarray, lo: np.ndarray, hi: np.ndarray, group: np.ndarray,
    n_cells: int, nq: int, ng: int,
) -> np.ndarray:  # fmt: skip
    """Count items over windows lo..hi per (cell, window, group): +1 at lo, -1 after hi,
    cumulative sum over windows. Returns (cell, window, group)."""
    ok = lo <= hi
    size = n_cells * (nq + 1) * ng
    up = np.bincount(((cell * (nq + 1) + lo) * ng + group)[ok], minlength=size)
    down = np.bincount(((cell * (nq + 1) + hi + 1) * ng + group)[ok], minlength=size)
    return (up - down).reshape(n_cells, nq + 1, ng).cumsum(axis=1)[:, :nq]


def _shape(out: dict, na: int, nq: int) -> dict:
    return {k: v.reshape(na, 2, nq, v.shape[-1]) for k, v in out.items()}


def _to_tidy(
    counts: dict,
    quarters: list[Quarter],
    area_codes: list[str],
    lookup: pd.DataFrame,
    as_at: pd.Timestamp,
    source: str,
) -> pd.DataFrame:
    """Lay the count arrays out as tidy rows (zeros included)."""
    na, nq = len(area_codes), len(quarters)
    q_start = pd.to_datetime([q.rolling_12m()[0] for q in quarters]).to_numpy()
    q_end = pd.to_datetime([q.rolling_12m()[1] for q in quarters]).to_numpy()
    q_label = np.array([q.fingertips_label for q in quarters], dtype=object)
    provisional = np.array(
        [pd.Timestamp(e) + pd.DateOffset(months=REPRESENTATION_MONTHS) > as_at for e in q_end]
    )
    note = PROVISIONAL_NOTE.format(as_at=as_at.date().isoformat())
    frames = []
    for indicator, age, (arr, cats), den in _specs(counts):
        ai, qi, ci = (g.ravel() for g in np.indices((na, nq, len(cats))))
        count = arr.astype(float).ravel()
        df = {
            "indicator_id": indicator,
            "area_code": np.array(area_codes, dtype=object)[ai],
            "age": age,
            "category": np.array(cats, dtype=object)[ci],
            "period_label": q_label[qi],
            "period_start": q_start[qi],
            "period_end": q_end[qi],
            "count": count,
            "value_note": "",
        }
        if den is None:
            df["value"] = count
        else:
            df |= _proportion(count, den.astype(float).ravel())
        if indicator in (COMPLETIONS, YP_COMPLETIONS, REPRESENTATIONS):
            df["value_note"] = np.where(provisional[qi], note, "")
        if den is not None:
            df["value_note"] = np.where(df["denominator"] == 0, NO_DENOMINATOR_NOTE,
                                        df["value_note"])  # fmt: skip
        frames.append(pd.DataFrame(df))
    out = pd.concat(frames, ignore_index=True)
    out["area_name"] = out["area_code"].map(lookup["area_name"])
    out["area_type"] = out["area_code"].map(lookup["area_type"])
    out["sex"] = tidy.PERSONS
    out["source"] = source
    return tidy.conform(out)


def _specs(counts: dict) -> list:
    """Each measure as (indicator, age, (count array (area, quarter, category), categories),
    denominator array or None), the total first where it has categories."""
    sub_labels = [SUBSTANCE_CATEGORIES[c] for c in SUBSTANCE_GROUPS]
    ref_labels = [REFERRAL_CATEGORIES[c] for c in REFERRAL_SOURCES]
    adult, young = 0, 1

    def block(name, band, by, labels):
        arr = counts[name, by][:, band]  # (area, quarter, group)
        return np.concatenate([arr.sum(axis=2, keepdims=True), arr], axis=2), ["", *labels]

    def total_only(name, band):
        return counts[name, "substance"][:, band].sum(axis=2, keepdims=True), [""]

    return [
        (ADULTS_IN_TREATMENT, AGE_ADULTS, block("in_treatment", adult, "substance", sub_labels),
         None),
        (COMPLETIONS, AGE_ADULTS, block("completed", adult, "substance", sub_labels),
         block("in_treatment", adult, "substance", sub_labels)[0]),
        (REPRESENTATIONS, AGE_ADULTS, block("represented", adult, "substance", sub_labels),
         None),
        (REPRESENTATIONS, AGE_YP, total_only("represented", young), None),
        (YP_IN_TREATMENT, AGE_YP, block("in_treatment", young, "referral", ref_labels), None),
        (YP_COMPLETIONS, AGE_YP, total_only("completed", young),
         total_only("in_treatment", young)[0]),
        (NEW_PRESENTATIONS, AGE_ADULTS, block("new", adult, "substance", sub_labels), None),
        (NEW_PRESENTATIONS, AGE_YP, block("new", young, "referral", ref_labels), None),
    ]  # fmt: skip


def _proportion(count: np.ndarray, den: np.ndarray) -> dict[str, np.ndarray]:
    """Percentage with Wilson 95% and 99.8% limits (NaN when the denominator is 0)."""
    from ...stats import wilson_ci  # imported when needed: stats is heavier than this module

    ok = den > 0
    value = np.full(len(count), np.nan)
    value[ok] = 100.0 * count[ok] / den[ok]
    out = {"denominator": den, "value": value}
    for conf, lo_col, hi_col in [(0.95, "lower_95", "upper_95"), (0.998, "lower_99_8",
                                                                  "upper_99_8")]:  # fmt: skip
        lo = np.full(len(count), np.nan)
        hi = np.full(len(count), np.nan)
        if ok.any():
            lo_ok, hi_ok = wilson_ci(count[ok], den[ok], confidence=conf)
            lo[ok] = 100.0 * np.asarray(lo_ok, dtype=float)
            hi[ok] = 100.0 * np.asarray(hi_ok, dtype=float)
        out[lo_col], out[hi_col] = lo, hi
    return out


def indicators_from_file(
    path: str | Path,
    first_quarter: Quarter | str | None = None,
    last_quarter: Quarter | str | None = None,
    *,
    as_at: date | str | None = None,
    area_codes: Sequence[str] | None = None,
    today: date | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Load an episodes CSV and derive every indicator (see :func:`derive_indicators`)."""
    episodes = load_episodes(path, today=today, data_dir=data_dir)
    return derive_indicators(
        episodes, first_quarter, last_quarter, as_at=as_at, area_codes=area_codes,
        data_dir=data_dir,
    )  # fmt: skip
