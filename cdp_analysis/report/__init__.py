"""The report runner: notebooks -> the quarterly HTML pack for each area.

``cdp-analysis run`` (:func:`runner.run`) executes every notebook in ``notebooks/`` (sorted by
name) for each requested area with papermill's parameters ``area_code``, ``quarter`` (a label
like ``2025-26Q4``), ``data_dir`` and ``targets_file`` (absolute paths as strings), and
publishes ``outputs/<area_code>/<quarter>/``::

    index.html            front page: title (area, quarter), failure banner, summary, contents
    <notebook>.html       one page per notebook, code hidden
    notebooks/*.ipynb     the executed notebooks, kept for debugging (also when they failed)
    manifest.json         parameters, version, git commit, SHA-256 of every input, timings, status

Speed. The inputs are checked once per run, before any notebook runs (:func:`runner.preflight`:
plan files, lookups, every source file; it also fills the indicator-table cache the notebooks
then read). Each worker process (``--jobs N``, default the number of usable CPUs; ``--workers``
is the older name) starts one IPython kernel and imports pandas, matplotlib, seaborn, statsmodels and ``cdp_analysis`` in it once
(:mod:`.kernel`, :mod:`.kernel_state`). Notebooks then run in that warm kernel one after
another: papermill's ``parameterize_notebook`` injects the parameters and nbclient's
``NotebookClient`` runs the cells against the already-started kernel and client. Before each
notebook the kernel is emptied (``%reset -f``; figures closed; rcParams, warnings filters,
pandas options, working folder and environment restored), so a notebook's results do not
depend on what ran before it. The work is split into (area, notebook) tasks shared by the
workers, so one area's notebooks run in parallel too; an area's pack is published as soon as
its last notebook is done.

What readers get (:mod:`.notebook_html`, :mod:`.pages`, ``cdp_analysis/templates/``): no
code, prompts, tracebacks, stderr or warnings; images embedded; ``<html lang="en">`` and a
``<title>``; one inline stylesheet with print rules; no scripts and nothing loaded from the
internet; the same navigation on every page. A page whose notebook's outputs mention
"synthetic demo data" gets a footer note saying so. The same inputs give byte-identical HTML.
A page is withheld (and the pack marked failed) when it has an ``<img>`` without a non-empty
``alt`` (e.g. a notebook calling ``plt.show()``; show figures with ``cdp_analysis.pages.display``)
or would load anything from the internet.

The summary on the index page. A notebook hands HTML to the index by either

* tagging a code cell ``index-summary``: every ``text/html`` output of that cell is lifted, or
* displaying HTML with output metadata ``{"cdp-index-summary": True}``, e.g.
  ``IPython.display.display(HTML(table_html), metadata={"cdp-index-summary": True})``.

The lifted HTML also stays on the notebook's own page. Summaries from several notebooks are
shown in notebook order; with none, the index says no summary was produced. The overview
notebook (``00_overview``) is expected to hand over the RAG summary table this way.

Failures. A notebook that fails stops at the failing cell; its page says in plain words that
the section could not be produced, naming the cell (numbered as in the source notebook) and
the error, without the traceback; the other notebooks still run; the index shows a banner
naming every failed section; ``manifest.json`` has ``"status": "failed"``; the command exits
non-zero. Publishing is atomic and keeps the last good pack in ``<quarter>.previous``
(:mod:`.publish`). ``--zip`` writes ``<quarter>.zip`` beside the folder.
"""

__all__ = ["RunOptions", "RunResult", "default_workers", "run"]


def __getattr__(name: str):
    # Lazy, so that worker processes and kernels importing a submodule do not pay for the
    # runner's imports (pandas among them).
    if name in __all__:
        from . import runner

        return getattr(runner, name)
    raise AttributeError(name)
