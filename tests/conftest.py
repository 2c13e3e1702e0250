"""Test-session settings shared by every test module."""

from __future__ import annotations

import os
import shutil
import tempfile

_CACHE = None


def pytest_configure(config):
    """The indicator-table cache of this test session lives in a temporary folder (set in
    the environment, so report kernels started by the tests use it too), never in the
    user's own cache folder."""
    global _CACHE
    if "CDP_CACHE_DIR" not in os.environ:
        _CACHE = tempfile.mkdtemp(prefix="cdp-test-cache-")
        os.environ["CDP_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config):
    if _CACHE is not None:
        shutil.rmtree(_CACHE, ignore_errors=True)
        os.environ.pop("CDP_CACHE_DIR", None)
