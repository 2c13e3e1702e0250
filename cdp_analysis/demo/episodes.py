"""Deterministic synthetic record-level treatment episodes (labelled demo data).

:func:`generate_episodes` simulates treatment journeys for an area so that the episodes
derivations (:mod:`cdp_analysis.sources.episodes`) and the reports can be shown without real
records. Every row carries ``synthetic`` = ``synthetic demo data``; the loader then marks
every derived row's ``source`` as synthetic. None of it is a real person or a real count.

The model (rates per year at the default scale, roughly Portsmouth-sized):

* new journeys arrive as a Poisson process per month, by group: adult opiate ~130,
  non-opiate only ~190, non-opiate and alcohol ~85, alcohol only ~280 (dipping in 2020,
  then rising 5% a year, with a growing share of women), young people ~17 until mid 2023;
* episode lengths: opiate log-normal (median 2.2 years, long tail, so ~45% of adults in
  treatment are opiate clients), others gamma (mean 4-6 months); arrivals start 15 years
  (opiate) or 3 years (others) before the first period so the caseload is in steady state;
* at exit, a successful completion with a probability that varies over time: opiate ~0.3;
  non-opiate and alcohol falling from 2018 to 2022/23 and then partly recovering (the
  plan's "downward trajectory"), so completions as a share of all in treatment sit near
  England (opiate ~5%, non-opiate ~34%, alcohol ~35%, non-opiate and alcohol ~30%);
  otherwise dropped out, transferred, died, prison, treatment declined or other;
* re-presentation: after a completion 10% (opiate 20%, young people 5%) within 6 months and
  12% (young people 8%) in the following 18 months; after a drop-out, prison, a decline or
  another reason 25% (opiate 35%, young people 15%) within two years; none after a death or
  a transfer. A re-presentation starts a new episode of the same client;
* young people: referrals rise from mid 2023 (education most, self next; youth offending
  stays flat), dip in the second half of 2024/25 (a staffing gap), then climb, so that
  young people in treatment in 2025/26 are more than double 2022/23 at the year end but
  not in every quarter before it;
* the extract date is the end of ``last_quarter``: later exits and re-presentations are
  not yet known (blank), later starts are absent.

Output is the same on every run and platform for the same arguments and numpy version
(``numpy.random.default_rng(seed)``, draws in a fixed order, whole days).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .. import tidy
from ..periods import Quarter
from ..sources.episodes import REQUIRED_COLUMNS, SYNTHETIC_COLUMN

DEFAULT_SEED = 20230401
#: Distinct clients in the default output for one area (for ``n_clients`` scaling).
DEFAULT_CLIENTS = 7_700
YEAR_DAYS = 365.25

# Internal groups: the four adult substance groups, then young people.
OPIATE, NON_OPIATE, NON_OPIATE_ALCOHOL, ALCOHOL, YOUNG = range(5)
SUBSTANCES = np.array(["opiate", "non_opiate_only", "non_opiate_and_alcohol", "alcohol_only"])
REFERRALS = np.array(
    ["self", "education", "youth_offending", "criminal_justice", "gp", "social_care", "health",
     "other"]
)  # fmt: skip
EXITS = np.array(
    ["completed_free_of_dependence", "dropped_out", "transferred", "died", "prison",
     "treatment_declined", "other"]
)  # fmt: skip

#: Burn-in before the first period, in years, per group.
_BURN_IN = np.array([15.0, 3.0, 3.0, 3.0, 3.0])

# Probabilities of each non-completion exit (dropped_out, transferred, died, prison,
# treatment_declined, other) per group.
_OTHER_EXITS = np.array(
    [
        [0.55, 0.12, 0.08, 0.13, 0.05, 0.07],
        [0.62, 0.10, 0.01, 0.07, 0.12, 0.08],
        [0.60, 0.10, 0.03, 0.05, 0.14, 0.08],
        [0.60, 0.10, 0.04, 0.02, 0.14, 0.10],
        [0.50, 0.25, 0.00, 0.02, 0.15, 0.08],
    ]
)
# Re-presentation probabilities: after completion within 6 months, after completion later
# (6-24 months), after drop-out / prison / decline / other (within 2 years).
_REP_COMPLETED_SOON = np.array([0.20, 0.10, 0.10, 0.10, 0.05])
_REP_COMPLETED_LATER = np.array([0.12, 0.12, 0.12, 0.12, 0.08])
_REP_OTHER = np.array([0.35, 0.25, 0.25, 0.25, 0.15])

# Adult referral sources (self, education, youth_offending, criminal_justice, gp,
# social_care, health, other), opiate first then the others.
_REF_ADULT = np.array(
    [
        [0.50, 0.00, 0.00, 0.20, 0.08, 0.04, 0.10, 0.08],
        [0.58, 0.00, 0.00, 0.12, 0.10, 0.05, 0.08, 0.07],
    ]
)
# Young people's referral sources before and after the service expands.
_REF_YOUNG_BEFORE = np.array([0.10, 0.15, 0.25, 0.00, 0.02, 0.35, 0.07, 0.06])
_REF_YOUNG_AFTER = np.array([0.15, 0.40, 0.12, 0.00, 0.02, 0.20, 0.06, 0.05])
# Young people's substance groups.
_SUB_YOUNG = np.array([0.01, 0.80, 0.12, 0.07])
_YOUNG_AGES = np.arange(11, 18)
_YOUNG_AGE_P = np.array([0.02, 0.04, 0.08, 0.15, 0.22, 0.26, 0.23])
# Adult age at start: mean, sd, max.
_ADULT_AGE = np.array([[42, 8, 75], [31, 9, 70], [36, 10, 75], [46, 11, 85]])


def _arrival_rate(group: int, t: np.ndarray) -> np.ndarray:
    """New journeys per year for ``group`` at decimal years ``t``."""
    if group == OPIATE:
        return 130.0 * 0.99 ** (t - 2018)
    if group == NON_OPIATE:
        return 190.0 * 1.02 ** (t - 2018)
    if group == NON_OPIATE_ALCOHOL:
        return np.full_like(t, 85.0)
    if group == ALCOHOL:
        covid = np.where((t >= 2020.25) & (t < 2021.0), 0.8, 1.0)
        return 280.0 * covid * 1.05 ** np.clip(t - 2021, 0, None)
    # Young people: low until mid 2023, a rise, a dip in late 2024/25, then a climb.
    return np.interp(
        t,
        [2000, 2023.5, 2024.5, 2024.75, 2025.0, 2025.25, 2025.5, 2026.25],
        [17, 17, 40, 28, 28, 48, 58, 60],
    )


def _completion_probability(group: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Probability that an exit at decimal year ``t`` is a successful completion."""
    knots = [2018.0, 2022.5, 2025.5]
    curves = {
        OPIATE: [0.30, 0.28, 0.28],
        NON_OPIATE: [0.58, 0.48, 0.54],
        NON_OPIATE_ALCOHOL: [0.58, 0.48, 0.53],
        ALCOHOL: [0.66, 0.53, 0.55],
        YOUNG: [0.72, 0.72, 0.72],
    }
    out = np.empty(len(t))
    for g, ys in curves.items():
        m = group == g
        out[m] = np.interp(t[m], knots, ys)
    return out


def _decimal_year(days: np.ndarray) -> np.ndarray:
    return 1970.0 + days / YEAR_DAYS


def _day(d) -> int:
    return int(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))


def generate_episodes(
    area_code: str | Sequence[str] = "E06000044",
    first_quarter: str | Quarter = "2018-19Q1",
    last_quarter: str | Quarter = "2025-26Q4",
    seed: int = DEFAULT_SEED,
    n_clients: int | None = None,
) -> pd.DataFrame:
    """Synthetic episodes covering the 12 months before ``first_quarter`` ends to the end
    of ``last_quarter`` (the extract date).

    ``area_code`` may be a list: each client then lives in one of the areas at random, and
    (with ``n_clients`` unset) every area gets the default volumes. ``n_clients`` sets the
    size: about that many distinct clients in total (one million episodes need about
    ``n_clients=825_000``). Returns the template columns (dates as datetime64, NaT where
    blank; text ``""`` where blank) plus ``notes`` and ``synthetic``.
    """
    first = first_quarter if isinstance(first_quarter, Quarter) else Quarter.parse(first_quarter)
    last = last_quarter if isinstance(last_quarter, Quarter) else Quarter.parse(last_quarter)
    if last < first:
        raise ValueError(f"last quarter {last} is before first quarter {first}")
    codes = [area_code] if isinstance(area_code, str) else list(area_code)
    scale = len(codes) if n_clients is None else n_clients / DEFAULT_CLIENTS
    rng = np.random.default_rng(seed)
    t0 = _day(first.rolling_12m()[0])  # first day that matters
    t1 = _day(last.end)  # extract date
    # The random numbers are drawn in this order (the demo data depend on it).
    group, start = _new_journeys(rng, t0, t1, scale)
    cur, female, area = _clients(rng, group, start, len(codes))
    ep = _follow(rng, cur, t1)
    # The extract: episodes still open at t0 or later, as known at t1.
    keep = ep["exit"] >= t0
    ep = {k: v[keep] for k, v in ep.items()}
    return _extract(rng, ep, t1, len(start), female, np.array(codes, dtype=object)[area])


def _new_journeys(rng: np.random.Generator, t0: int, t1: int, scale: float):
    """Generation 0: the start day and group of each new journey, month by month and group
    by group (each group from its burn-in years before ``t0`` to ``t1``)."""
    groups, starts = [], []
    for g in range(5):
        m0 = np.datetime64(pd.Timestamp(t0, unit="D") - pd.DateOffset(years=_BURN_IN[g]), "M")
        months = np.arange(m0, np.datetime64(pd.Timestamp(t1, unit="D"), "M") + 1)
        first_day = months.astype("datetime64[D]").astype(np.int64)
        length = (months + 1).astype("datetime64[D]").astype(np.int64) - first_day
        rate = _arrival_rate(g, _decimal_year(first_day + length / 2)) / 12 * scale
        n = rng.poisson(rate)
        day = np.repeat(first_day, n) + np.floor(rng.random(n.sum()) * np.repeat(length, n))
        groups.append(np.full(n.sum(), g))
        starts.append(day.astype(np.int64))
    return np.concatenate(groups), np.concatenate(starts)


def _clients(rng: np.random.Generator, group: np.ndarray, start: np.ndarray, n_areas: int):
    """One client per new journey: substance, age, sex and area (an index into the codes)."""
    n0 = len(start)
    young = group == YOUNG
    sub = np.where(young, rng.choice(4, size=n0, p=_SUB_YOUNG), np.minimum(group, 3))
    age = _adult_ages(rng, sub)
    age[young] = rng.choice(_YOUNG_AGES, size=int(young.sum()), p=_YOUNG_AGE_P)
    female_p = np.select(
        [group == OPIATE, group == ALCOHOL, young],
        [0.28, np.interp(_decimal_year(start), [2018, 2026], [0.38, 0.46]), 0.40],
        0.25,
    )
    female = rng.random(n0) < female_p
    area = rng.integers(0, n_areas, size=n0)
    cur = {"client": np.arange(n0), "group": group, "sub": sub, "start": start, "age": age}
    return cur, female, area


def _follow(rng: np.random.Generator, cur: dict, t1: int) -> dict:
    """Follow each journey through its re-presentations, a generation at a time; every
    episode's arrays, concatenated."""
    parts = []
    while len(cur["start"]):
        ep = _episode_outcomes(rng, cur)
        parts.append(ep)
        nxt = ep["rep"] <= t1
        gap_years = np.floor((ep["rep"][nxt] - ep["start"][nxt]) / YEAR_DAYS).astype(np.int64)
        cur = {
            "client": ep["client"][nxt],
            "group": ep["group"][nxt],
            "sub": ep["sub"][nxt],
            "start": ep["rep"][nxt],
            "age": ep["age"][nxt] + gap_years,
        }
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _extract(rng, ep: dict, t1: int, n_clients: int, female, client_area) -> pd.DataFrame:
    """The episodes as the case system would export them at ``t1`` (the template columns)."""
    n = len(ep["start"])
    open_ = ep["exit"] > t1
    rep_known = ~open_ & (ep["rep"] <= t1)
    is_young = ep["age"] < 18
    ref = _referrals(rng, ep["sub"], is_young, ep["start"])
    has_note = rng.random(n) < 0.03

    order = np.lexsort((ep["client"], ep["start"]))
    ids = _pseudonyms(rng, n_clients)

    def dates(days: np.ndarray, known: np.ndarray) -> np.ndarray:
        out = days.astype("datetime64[D]").astype("datetime64[s]")
        out[~known] = np.datetime64("NaT")
        return out[order]

    df = pd.DataFrame(
        {
            "client_id": ids[ep["client"]][order],
            "area_code": client_area[ep["client"]][order],
            "age_at_start": ep["age"][order],
            "sex": np.where(female[ep["client"]], "female", "male")[order],
            "substance_group": SUBSTANCES[ep["sub"]][order],
            "referral_source": REFERRALS[ref][order],
            "start_date": dates(ep["start"], np.ones(n, dtype=bool)),
            "exit_date": dates(ep["exit"], ~open_),
            "exit_reason": np.where(open_, "", EXITS[ep["reason"]])[order],
            "representation_date": dates(ep["rep"], rep_known),
            "notes": np.where(has_note, "synthetic free-text note: never output", "")[order],
            SYNTHETIC_COLUMN: tidy.SYNTHETIC,
        }
    )
    for col in ["client_id", "area_code", "sex", "substance_group", "referral_source",
                "exit_reason", "notes"]:  # fmt: skip
        df[col] = df[col].astype(str)
    return df


def _adult_ages(rng: np.random.Generator, sub: np.ndarray) -> np.ndarray:
    mean, sd, top = (_ADULT_AGE[sub, i] for i in range(3))
    return np.clip(np.round(rng.normal(mean, sd)), 18, top).astype(np.int64)


def _episode_outcomes(rng: np.random.Generator, cur: dict) -> dict:
    """Length, exit reason and re-presentation date of each episode in ``cur``."""
    group, start = cur["group"], cur["start"]
    n = len(start)
    years = np.where(
        group == OPIATE,
        rng.lognormal(np.log(2.2), 1.0, size=n),
        rng.gamma(2.0, np.select([group == YOUNG, group == ALCOHOL], [0.2, 0.25], 0.22), n),
    )
    exit_ = start + np.maximum(np.round(years * YEAR_DAYS), 1).astype(np.int64)
    completed = rng.random(n) < _completion_probability(group, _decimal_year(exit_))
    cum = np.cumsum(_OTHER_EXITS[group], axis=1)
    other = 1 + (rng.random(n)[:, None] > cum).sum(axis=1)  # 1..6 into EXITS
    reason = np.where(completed, 0, np.minimum(other, 6))
    u, delay = rng.random(n), rng.random(n)
    soon, later = _REP_COMPLETED_SOON[group], _REP_COMPLETED_LATER[group]
    rep_days = np.select(
        [completed & (u < soon), completed & (u < soon + later)],
        [1 + delay * 180, 190 + delay * 540],
        7 + delay * 713,
    )
    re_presents = np.where(
        completed,
        u < soon + later,
        np.isin(reason, [1, 4, 5, 6]) & (u < _REP_OTHER[group]),
    )
    rep = np.where(re_presents, exit_ + np.floor(rep_days).astype(np.int64), np.iinfo(np.int64).max)
    return {**cur, "exit": exit_, "reason": reason, "rep": rep}


def _referrals(
    rng: np.random.Generator, sub: np.ndarray, young: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Referral source codes: adults by substance, young people before/after expansion."""
    t = _decimal_year(start)
    w = np.clip((t - 2023.25) / 1.5, 0, 1)[:, None]
    p_young = (1 - w) * _REF_YOUNG_BEFORE + w * _REF_YOUNG_AFTER
    p_adult = _REF_ADULT[(sub != 0).astype(np.int64)]
    p = np.where(young[:, None], p_young, p_adult)
    cum = np.cumsum(p, axis=1)
    return np.minimum((rng.random(len(sub))[:, None] > cum).sum(axis=1), len(REFERRALS) - 1)


def _pseudonyms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct random-looking client ids like ``PC04718293`` (an affine bijection of
    0..10^8-1 applied to a random permutation, so no two clients share one)."""
    if n > 10**8:
        raise ValueError("at most 100 million clients")
    perm = rng.permutation(n).astype(np.int64)
    num = (perm * 48_271_237 + 7_654_321) % 10**8
    return ("PC" + pd.Series(num).astype(str).str.zfill(8)).to_numpy(dtype=object)


def write_demo_episodes(path: str | Path, **kwargs) -> Path:
    """Write :func:`generate_episodes` output (``kwargs`` passed on) as a UTF-8 CSV with
    ISO dates and blank cells for unknown values; return the path."""
    path = Path(path)
    df = generate_episodes(**kwargs)
    for col in ["start_date", "exit_date", "representation_date"]:
        df[col] = df[col].dt.strftime("%Y-%m-%d").fillna("")
    assert list(df.columns[: len(REQUIRED_COLUMNS)]) == REQUIRED_COLUMNS
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path
