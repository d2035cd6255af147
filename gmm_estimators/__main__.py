"""``python -m gmm_estimators``: the command line, :func:`gmm_estimators.cli.main`."""

import sys

# build_parser is re-exported for doc/conf.py, which imports it from here.
from .cli import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
