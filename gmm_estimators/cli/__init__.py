"""Command line: ``gmm-estimators`` or ``python -m gmm_estimators``.

Subcommands::

    select [DATA.csv]                 choose K and the covariance structure (BIC)
    fit [DATA.csv] -k K               fit one mixture and print its components
    predict --model M [DATA.csv]      labels and component probabilities (CSV)
    sample --model M -n N             draw from a fitted mixture (CSV)
    score --model M [DATA.csv]        log-likelihood, BIC and AIC of the data

Without a data file the bundled Old Faithful data are used, and without any
argument the command runs ``select`` on them. Errors in the input are
reported on one line (``gmm-estimators: error: ...``) with exit status 2.

Modules: :mod:`.parser` (options), :mod:`.io` (reading CSV, choosing
columns, writing CSV), :mod:`.models` (model files and feature names),
:mod:`.formatting` (tables), :mod:`.plots`, one module per command
(:mod:`.cmd_select`, :mod:`.cmd_fit`, :mod:`.cmd_model` for predict, sample
and score) and :mod:`.library`, the only one that uses private modules of the
package.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import os
import sys

from .errors import PROG, CLIError, one_line
from .parser import COMMANDS, build_parser

__all__ = ["build_parser", "main"]


def _run(args):
    module = importlib.import_module(f".{COMMANDS[args.command][0]}", __name__)
    return getattr(module, f"cmd_{args.command}")(args) or 0


def main(argv=None):
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` if None. Without
        a command (no arguments, or options only) ``select`` runs, on the
        bundled Old Faithful data unless a file is given.

    Returns
    -------
    status : int
        0 on success, 2 for invalid arguments or input data.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (
        argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")
    ):
        # No command: `select` on the bundled data, with any options given.
        argv = ["select", *argv]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        return _run(args)
    except CLIError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        # Invalid combinations caught by the estimators' own validation.
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
    return 2
