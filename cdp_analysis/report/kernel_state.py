"""Code that runs *inside* a report kernel, so one warm kernel can run many notebooks.

The runner imports this module in each worker's kernel once, at start-up
(:func:`prepare`: import the heavy libraries, then remember the interpreter state), and calls
:func:`reset` before every notebook, after IPython's ``%reset -f`` has emptied the user
namespace. Module-level state here survives ``%reset`` because the module stays in
``sys.modules``.

What :func:`reset` restores, so each notebook's results do not depend on the one before:
open matplotlib figures (closed), ``matplotlib.rcParams`` (including seaborn themes),
warnings filters, pandas options, numpy print and floating-point error settings, the working
folder, ``os.environ`` and ``sys.path``. After the preload the libraries' objects are frozen
out of the garbage collector (``gc.freeze()``), so the full collection ``%reset -f`` runs takes
milliseconds instead of half a second. Not restored: modules already imported stay
imported (that is the point: imports are paid once), so a notebook must not monkey-patch a
library; module-level caches in ``cdp_analysis`` are shared, which is safe because they hold
read-only copies of input files; the global random state is not reseeded (notebooks that
need random numbers use their own ``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import warnings

#: Imported once per kernel so notebooks do not pay for them. A module that fails to import
#: is skipped here; the notebook that imports it reports the real error.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy.stats",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "statsmodels.genmod.api",  # what the trend tests use (statsmodels.api is all of it)
    "pandera.pandas",  # checks the area lookups when a notebook first loads its report
    "cdp_analysis",
    "cdp_analysis.tidy",
    "cdp_analysis.periods",
    "cdp_analysis.areas",
    "cdp_analysis.stats",
    "cdp_analysis.plan.catalogue",
    "cdp_analysis.indicator_table",
    "cdp_analysis.assessment",
    "cdp_analysis.figures",
    "cdp_analysis.pages.display",
    "cdp_analysis.pages.report_data",
    "cdp_analysis.pages.sections",
)

_saved: dict = {}


def prepare(cwd: str, preload: tuple[str, ...] = PRELOAD) -> list[str]:
    """Import ``preload`` and remember the state :func:`reset` restores.

    Returns the modules that could not be imported (for the runner's log).
    """
    failed = []
    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # the notebook importing it reports the real error
            failed.append(name)
    os.chdir(cwd)
    import matplotlib
    import numpy as np

    if "matplotlib.pyplot" in sys.modules:
        # pyplot loads its backend lazily, at the first figure; in a kernel, loading the inline
        # backend turns interactive mode on. Load it now, so the state saved below (and
        # restored before every notebook) is the one every notebook runs in, whether it is a
        # kernel's first notebook or its tenth (without this, only a kernel's first notebook
        # showed figures left open, and a pack's bytes depended on which worker ran which page).
        import matplotlib.pyplot as plt

        plt.switch_backend(matplotlib.get_backend())

    _saved.update(
        rc=dict(matplotlib.rcParams),
        filters=list(warnings.filters),
        cwd=cwd,
        environ=dict(os.environ),
        path=list(sys.path),
        np_err=np.geterr(),
        np_print=np.get_printoptions(),
    )
    # Move the preloaded libraries' objects out of the garbage collector's view: every
    # ``%reset -f`` runs a full collection, which would otherwise re-scan them each time.
    gc.collect()
    gc.freeze()
    return failed


def reset() -> None:
    """Restore the state remembered by :func:`prepare` (call after ``%reset -f``)."""
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # As matplotlib.rc_context does: bypass validation, the values were valid when saved.
        dict.update(matplotlib.rcParams, _saved["rc"])
        pd.reset_option("all")
    warnings.resetwarnings()
    warnings.filters.extend(_saved["filters"])
    np.seterr(**_saved["np_err"])
    np.set_printoptions(**_saved["np_print"])
    os.environ.clear()
    os.environ.update(_saved["environ"])
    sys.path[:] = _saved["path"]
    os.chdir(_saved["cwd"])
