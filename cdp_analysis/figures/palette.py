"""Colours used by every chart and table, chosen to be safe for colour-blind readers.

The base set is the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), which
stays distinguishable under the common forms of colour-vision deficiency. Colour is never
the only carrier of meaning: lines also differ by style and marker, spine-chart markers by
shape, and RAG ratings are always written as words.
"""

from __future__ import annotations

#: The Okabe-Ito palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Roles in charts.
AREA = OKABE_ITO["blue"]
AREA_BAND = "#A6CEE8"  # light tint of the area blue for the 95% band
ENGLAND = OKABE_ITO["black"]
COMPARATOR = OKABE_ITO["orange"]
TARGET = OKABE_ITO["vermillion"]
BASELINE = "#555555"
OTHER_AREAS = "#9A9A9A"
LIMIT_95 = "#555555"
LIMIT_99_8 = "#222222"
SPINE_OUTER = "#D3D3D3"  # worst..25th and 75th..best percentile bands
SPINE_INNER = "#8B8B8B"  # 25th..75th percentile band
STAMP = OKABE_ITO["vermillion"]

#: Comparison with England -> (fill colour, marker, legend label). Fingertips' colour-blind
#: option uses blue for better and orange/red for worse; shapes differ as well as colours.
COMPARISON_STYLE: dict[str, tuple[str, str, str]] = {
    "Better": (OKABE_ITO["blue"], "o", "Better than England"),
    "Similar": (OKABE_ITO["yellow"], "s", "Similar to England"),
    "Worse": (OKABE_ITO["vermillion"], "D", "Worse than England"),
    "Higher": (OKABE_ITO["sky_blue"], "^", "Higher than England (no better/worse)"),
    "Lower": (OKABE_ITO["reddish_purple"], "v", "Lower than England (no better/worse)"),
}
NOT_COMPARED_STYLE = ("#FFFFFF", "o", "Not compared")

#: RAG rating -> (background colour, text colour, words). The text colour on each background
#: meets the WCAG 2 AA contrast ratio of 4.5:1 (checked in tests/test_figures.py). Red is a
#: dark red with white text: Okabe-Ito vermillion beside orange amber read as two oranges.
RAG_STYLE: dict[str, tuple[str, str, str]] = {
    "red": ("#A8200D", "#FFFFFF", "Red"),  # a dark red, white text: not mistaken for amber
    "amber": (OKABE_ITO["orange"], "#000000", "Amber"),
    "green": (OKABE_ITO["bluish_green"], "#000000", "Green"),
    "grey": ("#BBBBBB", "#000000", "Grey (not rated)"),
}
