"""Time axes: real dates (``period_end``) labelled by financial year or by period."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, NullFormatter


def date_numbers(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Matplotlib date numbers (days since 1970-01-01, matplotlib's default epoch)."""
    values = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[D]")
    return (values - np.datetime64("1970-01-01", "D")).astype(float)


def uses_calendar_periods(period_end: pd.Series) -> bool:
    """True when every period ends on 31 December (calendar years, ONS registrations)."""
    ends = pd.to_datetime(period_end)
    return bool(len(ends)) and bool(((ends.dt.month == 12) & (ends.dt.day == 31)).all())


def financial_year_axis(ax: Axes, first: pd.Timestamp, last: pd.Timestamp) -> bool:
    """Ticks at each 31 March from ``first`` to ``last`` labelled with the financial year
    that ends there (``2023/24`` at 31 March 2024), minor ticks at the other quarter ends.
    Returns False (and sets nothing) when no 31 March falls in the range."""
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    ends = pd.to_datetime([f"{y}-03-31" for y in range(first.year, last.year + 1)])
    ends = ends[(ends >= first) & (ends <= last)]
    if ends.empty:
        return False
    step = max(1, int(np.ceil(len(ends) / 10)))
    major = ends[::step]
    quarter_ends = pd.date_range(first - pd.offsets.QuarterEnd(1), last, freq="QE")
    ax.xaxis.set_major_locator(FixedLocator(date_numbers(major)))
    ax.xaxis.set_minor_locator(FixedLocator(date_numbers(quarter_ends)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticklabels([f"{d.year - 1}/{d.year % 100:02d}" for d in major])
    return True


def period_axis(ax: Axes, period_end: pd.Series, labels: pd.Series) -> str:
    """Ticks at each period's end labelled with its own period label (e.g. ONS ``2019-21``)."""
    order = np.argsort(date_numbers(period_end), kind="stable")
    x = date_numbers(period_end)[order]
    text = labels.astype(str).to_numpy()[order]
    step = max(1, int(np.ceil(len(x) / 10)))
    ax.xaxis.set_major_locator(FixedLocator(x[::step]))
    ax.set_xticklabels(text[::step])
    return "Period (tick at the period's end)"


def time_axis(ax: Axes, period_end: pd.Series, labels: pd.Series, extend_to=None) -> str:
    """Label ``ax``'s x axis by financial year, or by period label when every period is a
    calendar period; returns the axis label."""
    ends = pd.to_datetime(period_end)
    if not uses_calendar_periods(period_end):
        last = ends.max() if extend_to is None else max(ends.max(), pd.Timestamp(extend_to))
        if financial_year_axis(ax, ends.min(), last):
            return "Financial year (tick at 31 March, the year's end)"
    return period_axis(ax, period_end, labels)
