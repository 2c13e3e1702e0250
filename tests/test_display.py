"""Tests for cdp_analysis.pages.display: deterministic PNGs, accessible self-contained HTML."""

from __future__ import annotations

import base64
import re
import struct

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cdp_analysis.figures import Figure, count_chart
from cdp_analysis.pages import display

AREA = "E06000044"


def counts(source: str = "Local measures return, Portsmouth City Council") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": "county_lines_closed",
            "area_code": AREA,
            "area_name": "Portsmouth",
            "period_label": ["2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4"],
            "period_end": pd.to_datetime(["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31"]),
            "value": [1234.0, np.nan, 7.0, 9.0],
            "value_note": ["", "Suppressed: fewer than 3", "", ""],
            "source": source,
        }
    )


MEASURE = {"short_name": "County lines closed", "unit": "count"}


@pytest.fixture
def figure() -> Figure:
    return count_chart(counts(), AREA, measure=MEASURE)


@pytest.fixture
def shown(monkeypatch):
    """Capture what the helpers hand to IPython's display()."""
    import IPython.display

    out = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: out.append(obj))
    return out


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_render_png_is_deterministic_and_sized(figure):
    first = display.render_png(figure)
    assert first == display.render_png(figure)
    assert first == display.render_png(count_chart(counts(), AREA, measure=MEASURE))
    assert _png_size(first) == (800, 420)  # 8 x 4.2 inches at 100 dpi
    assert b"Software" not in first and b"matplotlib" not in first


def test_render_png_leaves_rcparams_alone(figure):
    before = dict(mpl.rcParams)
    display.render_png(figure)
    assert dict(mpl.rcParams) == before


def test_figure_html_is_accessible_and_offline(figure):
    out = display.figure_html(figure)
    imgs = re.findall(r"<img\b[^>]*>", out)
    assert len(imgs) == 1
    assert all(re.search(r'\balt="[^"]+"', img) for img in imgs)
    assert 'alt="Bar chart of County lines closed in Portsmouth' in out
    assert not re.search(r"https?://", out)
    assert out.startswith('<figure class="cdp-figure"><img src="data:image/png;base64,')
    assert "<figcaption>Source: Local measures return, Portsmouth City Council." in out
    # the table scrolls inside its own focusable, named region (never the page)
    assert (
        '<details><summary>Data table</summary><div class="cdp-scroll" role="region" tabindex="0"'
        in out
    )
    assert "</table></div></details>" in out
    assert out.endswith("</details></figure>")
    assert out == display.figure_html(figure)  # no random ids or timestamps


def test_figure_html_embeds_the_rendered_png(figure):
    out = display.figure_html(figure, data_table=False)
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', out).group(1)
    assert base64.b64decode(encoded) == display.render_png(figure)
    assert "<details>" not in out


def test_figure_data_table_shows_useful_formatted_columns(figure):
    out = display.figure_html(figure)
    table = out[out.index("<table") :]
    heads = re.findall(r'<th scope="col">([^<]*)</th>', table)
    assert heads == ["Period", "Value", "Note"]
    assert '<th scope="row">2024/25 Q1</th><td>1,234</td>' in table
    assert "<td>suppressed</td><td>Suppressed: fewer than 3</td>" in table


def test_alt_text_is_escaped_in_the_attribute(figure):
    figure.alt = 'Rates "doubled" <b>here</b> & there'
    out = display.figure_html(figure, data_table=False)
    assert 'alt="Rates &quot;doubled&quot; &lt;b&gt;here&lt;/b&gt; &amp; there"' in out


def test_table_html_escapes_and_formats():
    df = pd.DataFrame(
        {
            "area_name": ["<script>alert(1)</script>", "Southampton"],
            "period_end": pd.to_datetime(["2024-03-31", "2025-03-31"]),
            "value": [12.345, np.nan],
            "count": [1234.0, 5.0],
            "synthetic": [True, False],
        }
    )
    out = display.table_html(df, "Areas & values")
    assert "<script>" not in out
    assert '<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th>' in out
    assert "<caption>Areas &amp; values</caption>" in out
    assert "<td>31 Mar 2024</td><td>12.3</td><td>1,234</td><td>Yes</td>" in out
    assert "<td>31 Mar 2025</td><td>no value</td><td>5</td><td>No</td>" in out
    assert re.findall(r'<th scope="col">([^<]*)</th>', out) == [
        "Area",
        "Period end",
        "Value",
        "Count",
        "Synthetic",
    ]


def test_table_html_says_when_rows_are_cut():
    out = display.table_html(pd.DataFrame({"x": range(5)}), "Numbers", max_rows=2)
    assert "<caption>Numbers (first 2 of 5 rows)</caption>" in out
    assert out.count("<tr>") == 3  # heading + 2 rows


def test_show_figure_displays_html_and_releases_pyplot_figures(shown):
    fig = plt.figure()  # a pyplot-managed figure passed in by a caller
    fig.add_subplot().plot([1, 2])
    wrapped = Figure(
        fig, "A line going up in Portsmouth", "Source: test.", pd.DataFrame({"x": [1]})
    )
    display.show_figure(wrapped)
    assert len(shown) == 1 and 'alt="A line going up in Portsmouth"' in shown[0].data
    assert fig.number not in plt.get_fignums()


def test_show_table_and_rag_table(shown):
    display.show_table(pd.DataFrame({"a": [1]}), "Caption")
    display.show_rag_table(
        pd.DataFrame(
            {
                "priority": [1],
                "priority_name": ["Supply"],
                "short_name": ["County lines"],
                "period_label": ["2025/26 Q2"],
                "value_display": ["12"],
                "england_value": [np.nan],
                "vs_england": [""],
                "trend": [""],
                "target_text": ["Increase"],
                "rag": ["green"],
                "reason": ["Up"],
                "source": ["Local"],
                "unit": ["count"],
            }
        )  # fmt: skip
    )
    assert "<caption>Caption</caption>" in shown[0].data
    assert '<th scope="rowgroup" colspan="7">Priority 1: Supply</th>' in shown[1].data
    assert ">Green</td>" in shown[1].data


def test_show_text_markdown_or_html(shown):
    from IPython.display import HTML, Markdown

    display.show_text("**Bold** words")
    display.show_text("<p>Para</p>")
    assert isinstance(shown[0], Markdown) and shown[0].data == "**Bold** words"
    assert isinstance(shown[1], HTML) and shown[1].data == "<p>Para</p>"


def test_synthetic_banner(shown):
    display.show_synthetic_banner()
    html = shown[0].data
    assert "This page shows synthetic demo data" in html
    assert 'role="note"' in html
    assert not re.search(r"https?://", html)


def test_a_figure_left_at_the_end_of_a_cell_shows_accessibly(figure):
    assert figure._repr_html_() == display.figure_html(figure)
    assert "Figure(title='County lines closed in Portsmouth" in repr(figure)
