"""cdp-analysis: quarterly reports for a Combating Drugs Partnership in England.

The flow is one way: sources -> loaders (validated) -> one tidy indicator table ->
assessments (statistics, targets) -> figures and tables -> notebooks -> HTML pack.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cdp-analysis")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
