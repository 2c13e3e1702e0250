"""Property tests (hypothesis): order of limits, widening with confidence, vectorisation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cdp_analysis.stats import ESP2013, byar_ci, compare, dsr, rate_ci, wilson_ci

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def proportions(draw, size=None):
    n = draw(
        st.lists(st.integers(0, 10**7), min_size=1, max_size=30) if size is None else st.just(size)
    )
    counts = [draw(st.integers(0, d)) for d in n]
    return np.array(counts, dtype=float), np.array(n, dtype=float)


@SETTINGS
@given(proportions())
def test_wilson_order_and_width(data):
    x, n = data
    lo95, up95 = wilson_ci(x, n, 0.95)
    lo998, up998 = wilson_ci(x, n, 0.998)
    ok = n > 0
    p = x[ok] / n[ok]
    assert np.all(lo95[ok] >= 0) and np.all(up95[ok] <= 1)
    assert np.all(lo95[ok] <= p + 1e-12) and np.all(p <= up95[ok] + 1e-12)
    assert np.all(lo998[ok] <= lo95[ok] + 1e-15) and np.all(up998[ok] >= up95[ok] - 1e-15)
    assert np.isnan(lo95[~ok]).all()


@SETTINGS
@given(proportions())
def test_wilson_vectorised_equals_elementwise(data):
    x, n = data
    lo, up = wilson_ci(x, n)
    for i in range(len(x)):
        lo_i, up_i = wilson_ci(float(x[i]), float(n[i]))
        # equal up to the last bit or two (numpy may take a different code path for one value)
        np.testing.assert_allclose([lo_i, up_i], [lo[i], up[i]], rtol=1e-13, atol=1e-300)


counts = st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=30)


@SETTINGS
@given(counts)
def test_byar_order_width_and_vectorisation(xs):
    x = np.array(xs)
    lo95, up95 = byar_ci(x, 0.95)
    lo998, up998 = byar_ci(x, 0.998)
    assert np.all(lo95 >= 0)
    assert np.all(lo95 <= x * (1 + 1e-12)) and np.all(x <= up95)
    assert np.all(lo998 <= lo95) and np.all(up998 >= up95)
    for i in range(len(x)):
        np.testing.assert_allclose(
            byar_ci(float(x[i])), (lo95[i], up95[i]), rtol=1e-13, atol=1e-300
        )


@SETTINGS
@given(counts, st.floats(1, 1e8))
def test_rate_contains_the_rate(xs, pop):
    x = np.array(xs)
    lo, up = rate_ci(x, pop, multiplier=100_000)
    rate = x / pop * 100_000
    assert np.all(lo <= rate * (1 + 1e-12)) and np.all(rate <= up)


@SETTINGS
@given(
    st.lists(st.integers(0, 500), min_size=19, max_size=19),
    st.lists(st.integers(1, 100_000), min_size=19, max_size=19),
)
def test_dsr_limits_bracket_value(events, pops):
    res = dsr(events, pops, confidence=[0.95, 0.998])
    value, lo95, up95 = res[0.95]
    _, lo998, up998 = res[0.998]
    if sum(events) < 10:
        assert np.isnan([value, lo95, up95]).all()
    else:
        assert 0 <= lo95 <= value <= up95 or np.isclose(lo95, value)
        assert lo998 <= lo95 and up998 >= up95
        rates = np.array(events) / np.array(pops) * 100_000
        assert rates.min() - 1e-9 <= value <= rates.max() + 1e-9  # a weighted average of the rates
        assert (ESP2013.to_numpy() > 0).all()


@SETTINGS
@given(st.floats(-100, 100), st.floats(0, 50), st.floats(-200, 200))
def test_compare_polarity_mirror(centre, half, bench):
    lo, up = centre - half, centre + half
    hib = compare(lo, up, bench, "higher_is_better")
    lib = compare(lo, up, bench, "lower_is_better")
    mirror = {"Better": "Worse", "Worse": "Better", "Similar": "Similar"}
    assert mirror[hib] == lib
    plain = compare(lo, up, bench)
    assert plain == {"Better": "Higher", "Worse": "Lower", "Similar": "Similar"}[hib]
