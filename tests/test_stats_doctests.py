"""Run the examples in the stats modules' docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["proportions", "poisson", "comparison", "recent_trend"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"cdp_analysis.stats.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
