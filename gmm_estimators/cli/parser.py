"""The argument parser of ``gmm-estimators``.

Options that are estimator parameters (``--n-init``, ``--init``,
``--max-iter``, ``--tol``, ``--reg-covar``) default to None, meaning "not
given": the estimator's own default then applies, and the help text shows it
as read from the estimator, so the two cannot drift apart.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import math

from .errors import PROG

#: Rows of ``select``'s candidate table without ``--top`` or ``--all``.
TOP_ROWS = 10

__all__ = ["build_parser"]

# The commands, their functions and one-line help; each module is imported
# when its command runs (see gmm_estimators.cli.main).
COMMANDS = {
    "select": (
        "cmd_select",
        "choose the number of components and the covariance structure",
    ),
    "fit": ("cmd_fit", "fit one mixture and print its components"),
    "predict": ("cmd_model", "labels and component probabilities of each row (CSV)"),
    "sample": (
        "cmd_model",
        "draw rows from a fitted mixture's Gaussian components (CSV)",
    ),
    "score": (
        "cmd_model",
        "log-likelihood, BIC and AIC of data under a fitted mixture",
    ),
}


#: The largest count an option takes: numpy and joblib read counts as C ints.
LARGEST_COUNT = 2**31 - 1


def _count(text):
    """A positive integer of any size (``sample -n`` says when it is too many)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_int(text):
    value = _count(text)
    if value > LARGEST_COUNT:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer up to 2**31 - 1, got {text!r}"
        )
    return value


# float64 holds 17 significant digits; more print its binary expansion.
MOST_DIGITS = 17


def _digits(text):
    value = _count(text)
    if value > MOST_DIGITS:
        raise argparse.ArgumentTypeError(
            f"expected a number of significant digits from 1 to {MOST_DIGITS} "
            f"(float64 holds no more), got {text!r}"
        )
    return value


def _n_jobs(text):
    # joblib gives 0 no meaning and would fail only after the data were read,
    # with its own message; refuse it here, with the remedy.
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0 or abs(value) > LARGEST_COUNT:
        raise argparse.ArgumentTypeError(
            "expected a non-zero integer (1 for one job, -1 for all cores), "
            f"got {text!r}"
        )
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _seed(text):
    if text.lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative integer or 'none', got {text!r}"
        ) from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected an integer in [0, 2**32), got {text!r}"
        )
    return value


def _delimiter(text):
    text = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(text) != 1:
        raise argparse.ArgumentTypeError(
            f"expected a single character (or 'tab'), got {text!r}"
        )
    return text


_DESCRIPTION = f"""\
Gaussian mixture models from the command line: choose the number of components
and the covariance structure by BIC, fit, predict, sample and score.

Data files are CSV: one row per observation, an optional header row (detected),
numeric columns (choose them with --columns or leave some out with --drop).
Without a data file the bundled Old Faithful geyser data are used. Without a
command, 'select' runs: '{PROG} data.csv' means '{PROG} select
data.csv', and options such as --quiet apply."""

_EPILOG = f"""\
examples:
  {PROG}                                  select K and structure on Old Faithful
  {PROG} data.csv --drop id               select on data.csv (the default command)
  {PROG} select data.csv --drop id --save model.joblib --plot bic.png
  {PROG} fit data.csv --drop id -k 3 --covariance-type VVV --save model.joblib
  {PROG} predict --model model.joblib new.csv --drop id --output labels.csv
  {PROG} sample --model model.joblib -n 500 > synthetic.csv
  {PROG} score --model model.joblib new.csv --columns x,y

Run '{PROG} COMMAND --help' for the options of a command. Model files are
pickles (joblib): load only files you trust."""


class _EitherFlag(argparse.BooleanOptionalAction):
    """``--x`` or ``--no-x``, refused together (the last one won silently)."""

    def __call__(self, parser, namespace, values, option_string=None):
        value = not option_string.startswith("--no-")
        if getattr(namespace, self.dest) not in (None, value):
            yes = self.option_strings[0]
            parser.error(
                f"{yes} and --no-{yes[2:]} contradict each other; give one of them"
            )
        super().__call__(parser, namespace, values, option_string)


def _add_data_arguments(parser, what):
    parser.add_argument(
        "data",
        nargs="?",
        metavar="DATA.csv",
        help=f"CSV file {what} ('-' reads standard input); default: the bundled "
        "Old Faithful data",
    )
    parser.add_argument(
        "--delimiter",
        type=_delimiter,
        default=None,
        help="field separator of DATA.csv (default: detected among , ; and tab)",
    )
    parser.add_argument(
        "--header",
        action=_EitherFlag,
        default=None,
        help="the first row names the columns (--no-header: it is data); default: "
        "detected, a first row with a text cell where the next row has a number "
        "(a header of numbers only, such as years, needs --header)",
    )
    parser.add_argument(
        "--columns",
        "-c",
        metavar="LIST",
        help="comma-separated columns to use, by header name or 0-based index, "
        "in this order (default: all)",
    )
    parser.add_argument(
        "--drop",
        metavar="LIST",
        help="comma-separated columns to leave out (an identifier, a label), by "
        "header name or 0-based index",
    )


def _select_defaults(defaults):
    """What select's EM options default to, in words.

    The selector's None resolves to a value that depends on ``--search``
    (with the thorough search, ``tol``, ``max_iter`` and ``reg_covar`` take
    its meaning).
    """
    from ..model_selection._candidates import DEFAULT_STOPPING, THOROUGH_INITIALIZERS

    thorough, grid = DEFAULT_STOPPING["thorough"], DEFAULT_STOPPING["grid"]
    return {
        "init_params": f"{' and '.join(THOROUGH_INITIALIZERS)} (thorough), kmeans "
        "(grid, and thorough on data with missing values)",
        "max_iter": f"{thorough['max_iter']} (thorough), {grid['max_iter']} (grid)",
        "tol": f"thorough: mclust's relative change of the log-likelihood, "
        f"{thorough['tol']:g}; grid: the absolute change of the mean "
        f"log-likelihood per row, {grid['tol']:g}",
        "reg_covar": f"{defaults['reg_covar']:g}, relative to the data's "
        "thinnest spread (thorough) or in the data's squared units (grid)",
    }


def _add_fit_options(parser, defaults, described=None):
    """The EM options; ``described`` words a default that is not a value."""
    from .library import init_methods

    default = {**defaults, **(described or {})}
    parser.add_argument(
        "--n-init",
        type=_positive_int,
        metavar="N",
        help=f"starts per model; the best is kept (default: {default['n_init']})",
    )
    parser.add_argument(
        "--init",
        "--init-params",
        dest="init_params",
        metavar="METHOD",
        help="how EM is started, any init_params of GaussianMixture: "
        f"{', '.join(init_methods())} (default: {default['init_params']})",
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int,
        metavar="N",
        help=f"maximum EM iterations per start (default: {default['max_iter']})",
    )
    parser.add_argument(
        "--tol",
        type=_non_negative_float,
        metavar="X",
        help=f"convergence threshold (default: {default['tol']})",
    )
    units = "" if "reg_covar" in (described or {}) else ", in the data's squared units"
    parser.add_argument(
        "--reg-covar",
        type=_non_negative_float,
        metavar="X",
        help=f"added to covariance diagonals{units} (default: {default['reg_covar']})",
    )
    parser.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        metavar="SEED",
        help="seed of the initialisation, or 'none' (default: %(default)s)",
    )
    parser.add_argument(
        "--prior",
        action="store_true",
        help="fit under mclust's default conjugate prior (regularises in the "
        "data's units; keeps components from collapsing onto tied values)",
    )


def _add_model_argument(parser):
    parser.add_argument(
        "--model",
        "-m",
        required=True,
        metavar="MODEL.joblib",
        help="model file written by 'select --save' or 'fit --save' (a joblib "
        "pickle: load only files you trust)",
    )


def _add_output_options(parser, digits, what="of the numbers"):
    parser.add_argument(
        "--output",
        "-o",
        metavar="FILE.csv",
        help="write here instead of stdout ('-' is stdout)",
    )
    parser.add_argument(
        "--digits",
        type=_digits,
        default=digits,
        metavar="N",
        help=f"significant digits {what} (default: %(default)s)",
    )


def _add_select(parser):
    from .. import available_covariance_types
    from ..model_selection import GaussianMixtureIC

    _add_data_arguments(parser, "to model")
    parser.add_argument(
        "--max-components",
        "-K",
        type=_positive_int,
        default=9,
        metavar="K",
        help="largest number of components tried (default: %(default)s)",
    )
    parser.add_argument(
        "--min-components",
        type=_positive_int,
        default=1,
        metavar="K",
        help="smallest number of components tried (default: %(default)s)",
    )
    parser.add_argument(
        "--covariance-types",
        "-t",
        metavar="LIST",
        help="comma-separated structures to try (default: every structure "
        "defined for the data's number of features, the axis-aligned ones "
        "with no more distinct rows than features, as the selector chooses); "
        f"names: {', '.join(available_covariance_types(aliases=True))}",
    )
    parser.add_argument(
        "--criterion",
        choices=("bic", "aic", "icl"),
        default="bic",
        help="criterion to minimise (default: %(default)s)",
    )
    parser.add_argument(
        "--search",
        choices=("thorough", "grid"),
        default="thorough",
        help="thorough: mclust's hierarchical and k-means starts shared by "
        "every structure, the best partition of each K tried by all, split and "
        "merge moves between neighbouring K; grid: each candidate is one "
        "GaussianMixture fit from its own starts (default: %(default)s)",
    )
    defaults = GaussianMixtureIC().get_params()
    _add_fit_options(parser, defaults, _select_defaults(defaults))
    parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        metavar="N",
        help="candidates fitted in parallel (default: 1; -1 for all cores)",
    )
    parser.add_argument(
        "--save", metavar="MODEL.joblib", help="save the selected model (joblib)"
    )
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save the criterion-versus-K plot (needs matplotlib)",
    )
    rows = parser.add_mutually_exclusive_group()
    # No default here: argparse's group only sees a value that is not the
    # default (--top 10 --all passed); cmd_select reads None as TOP_ROWS.
    rows.add_argument(
        "--top",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"rows of the candidate table to print (default: {TOP_ROWS})",
    )
    rows.add_argument(
        "--all", action="store_true", help="print every candidate in the table"
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bar and no notes: only the table and the selected model",
    )


def _add_fit(parser, structures):
    from .. import GaussianMixture

    _add_data_arguments(parser, "to fit")
    parser.add_argument(
        "-k",
        "--n-components",
        type=_positive_int,
        required=True,
        metavar="K",
        help="number of components",
    )
    parser.add_argument(
        "--covariance-type",
        "-t",
        default="full",
        type=_structure_name,
        metavar="TYPE",
        help=f"covariance structure, one of {', '.join(structures)} "
        "(default: %(default)s); one of your own with --import",
    )
    parser.add_argument(
        "--equal-proportions",
        action="store_true",
        help="all mixing proportions equal to 1/K (mclust's equalPro)",
    )
    _add_fit_options(parser, GaussianMixture().get_params())
    parser.add_argument(
        "--save", metavar="MODEL.joblib", help="save the model (joblib)"
    )
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save a plot of the data and components on the first two features",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print less")


def _structure_name(text):
    """A registered structure's name or alias (argparse ``type`` of ``-t``)."""
    from .. import available_covariance_types

    known = available_covariance_types(aliases=True)
    if text not in known:
        raise argparse.ArgumentTypeError(
            f"unknown structure {text!r}; choose from {', '.join(known)} (a "
            "structure of your own: --import the module that registers it; "
            "write --import in full, not --imp)"
        )
    return text


def build_parser():
    """The argument parser of the command line (for documentation and tests)."""
    from .. import __version__, available_covariance_types

    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    descriptions = {
        "select": "Fit every candidate (K = min..max components for every "
        "covariance structure) and rank them by an information criterion computed "
        "in-sample, as R mclust does. Degenerate fits (a collapsed component) are "
        "reported and never selected. BIC, AIC and ICL are printed with "
        "scikit-learn's sign: lower is better (mclust prints -BIC). A progress bar "
        "is shown on a terminal; then the table, the chosen model and the 'fit' "
        "command that reproduces it.",
        "fit": "Fit a Gaussian mixture with K components and print its weights, "
        "means and covariances, log-likelihood, BIC and AIC.",
        "predict": "Write one CSV row per data row: the most probable component "
        "('label', -1 for a noise component) and the posterior probability of "
        "every component ('proba_noise' last). A header must name the model's "
        "features.",
        "sample": "Draw N rows from the fitted mixture's Gaussian components; the "
        "last column is the component each row was drawn from. A noise component "
        "is not sampled: with one, the rows come from the Gaussian components "
        "only, in proportion to their weights (a note says so).",
        "score": "Print the mean and total log-likelihood of the data under the "
        "model, and its BIC and AIC on these data (lower is better). A header must "
        "name the model's features.",
    }
    sub = {
        name: commands.add_parser(name, help=help, description=descriptions[name])
        for name, (_, help) in COMMANDS.items()
    }
    for command in sub.values():
        # Read before parsing (cli.imports); declared here for --help.
        command.add_argument(
            "--import",
            dest="imports",
            action="append",
            default=[],
            metavar="MODULE",
            help="import MODULE (a module name, or a .py file) first: a module "
            "that registers covariance structures of its own "
            "(gmm_estimators.covariance.register), which -t and model files "
            "can then name; repeatable",
        )
    _add_select(sub["select"])
    _add_fit(sub["fit"], available_covariance_types(aliases=True))

    _add_model_argument(sub["predict"])
    _add_data_arguments(sub["predict"], "to label")
    _add_output_options(sub["predict"], 6)
    sub["predict"].add_argument(
        "--quiet", "-q", action="store_true", help="no note on missing values"
    )

    _add_model_argument(sub["sample"])
    sub["sample"].add_argument(
        "-n",
        "--n-samples",
        type=_count,
        default=100,
        metavar="N",
        help="number of rows (default: %(default)s)",
    )
    sub["sample"].add_argument(
        "--random-state",
        type=_seed,
        default=0,
        metavar="SEED",
        help="seed, or 'none' for fresh randomness (default: %(default)s)",
    )
    _add_output_options(
        sub["sample"],
        8,
        "(more, up to 17, for a feature whose values exceed a hundred times "
        "its narrowest component's spread, so that its draws stay finer than "
        "that spread)",
    )

    _add_model_argument(sub["score"])
    _add_data_arguments(sub["score"], "to score")
    sub["score"].add_argument(
        "--quiet", "-q", action="store_true", help="print only the table"
    )
    return parser
