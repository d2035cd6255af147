"""``python -m gmm_estimators``: the command line, :func:`gmm_estimators.cli.main`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
