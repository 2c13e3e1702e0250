"""Progress of ``run`` and ``fetch`` (cdp_analysis/progress.py): a tqdm bar on a terminal,
one plain line per finished item otherwise, nothing with ``--quiet``; warnings always."""

from __future__ import annotations

import io

import pytest

from cdp_analysis.progress import BAR, LINES, OFF, Progress, mode


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr does in an interactive shell."""

    def isatty(self) -> bool:
        return True


def _three(stream, quiet=False) -> str:
    with Progress(3, "area", quiet=quiet, stream=stream) as progress:
        progress.advance("E06000044 Portsmouth: pack done (2.0 s) -> a/index.html")
        progress.warn("E06000045 01_trend: a warning is always shown")
        progress.advance("E06000045 Southampton: pack done (1.0 s) -> b/index.html")
        progress.advance("E06000043 Brighton and Hove: pack done (1.5 s) -> c/index.html")
    return stream.getvalue()


def test_mode():
    assert mode(Terminal()) == BAR and mode(io.StringIO()) == LINES
    assert mode(Terminal(), quiet=True) == OFF and mode(io.StringIO(), quiet=True) == OFF
    closed = io.StringIO()
    closed.close()
    assert mode(closed) == LINES  # isatty on a closed stream raises ValueError


def test_one_plain_line_per_item_when_not_a_terminal():
    assert _three(io.StringIO()).splitlines() == [
        "[1/3] E06000044 Portsmouth: pack done (2.0 s) -> a/index.html",
        "E06000045 01_trend: a warning is always shown",
        "[2/3] E06000045 Southampton: pack done (1.0 s) -> b/index.html",
        "[3/3] E06000043 Brighton and Hove: pack done (1.5 s) -> c/index.html",
    ]


def test_lines_are_numbered_to_the_width_of_the_total():
    out = io.StringIO()
    progress = Progress(152, "area", stream=out)
    progress.advance("E06000001 Hartlepool: pack done")
    assert out.getvalue() == "[  1/152] E06000001 Hartlepool: pack done\n"


def test_a_bar_on_a_terminal():
    out = _three(Terminal())
    frames = out.split("\r")
    last = frames[-1].strip()
    # the final frame: 3 of 3 areas, elapsed<left, rate, the last area's name
    assert "100%" in last and "3/3" in last and "area/s" in last and "<00:00" in last, last
    assert "E06000043 Brighton and Hove" in last
    assert "E06000045 01_trend: a warning is always shown\n" in out  # written above the bar
    assert "[1/3]" not in out  # no plain lines on a terminal
    assert out.endswith("\n")  # closed: the cursor is left on a new line


@pytest.mark.parametrize("stream", [io.StringIO, Terminal])
def test_quiet_shows_only_the_warnings(stream):
    assert _three(stream(), quiet=True) == "E06000045 01_trend: a warning is always shown\n"


def test_fetch_counts_indicators_in_chunks():
    out = io.StringIO()
    with Progress(150, "indicator", stream=out) as progress:
        progress.advance("first 100: 5 rows", 100)
        progress.advance("last 50: 2 rows", 50)
    assert out.getvalue().splitlines() == [
        "[100/150] first 100: 5 rows",
        "[150/150] last 50: 2 rows",
    ]


def test_area_line(tmp_path):
    from cdp_analysis.report.pages import FailedPage
    from cdp_analysis.report.runner import PackResult, area_line

    ok = PackResult("E06000044", "Portsmouth", tmp_path, "ok", [], 2.04)
    assert area_line(ok) == f"E06000044 Portsmouth: pack done (2.0 s) -> {tmp_path / 'index.html'}"
    bad = PackResult("E06000044", "Portsmouth", tmp_path, "failed",
                     [FailedPage("01_trend", "Trend", "broke")], 3.0)  # fmt: skip
    assert area_line(bad).startswith("E06000044 Portsmouth: pack INCOMPLETE, 1 page failed (3.0 s)")
