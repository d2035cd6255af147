"""``gmm-estimators fit``: fit one mixture and print its components."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import stat
import sys
import warnings
from time import perf_counter

import numpy as np

from .columns import in_data_terms
from .errors import PROG, CLIError, refused_value, report_warnings
from .formatting import components_text, fixed
from .io import (
    BUNDLED,
    check_observed,
    explain_values,
    load_data,
    report_missing,
)
from .library import init_methods, names_checked, structure_name
from .models import (
    refit_hint,
    save_model,
    set_feature_names,
    unsound_components,
    unsound_kinds,
)
from .output import check_output_path
from .plots import check_plot_path, new_axes, save_figure

__all__ = [
    "check_infinite",
    "check_rows_for",
    "cmd_fit",
    "estimator_params",
    "load_args_data",
]

# Estimator parameters set by options of the same meaning; an option not given
# (None) leaves the estimator's own default.
_PARAMETERS = ("n_init", "init_params", "max_iter", "tol", "reg_covar")


def estimator_params(args):
    """The estimator parameters given on the command line.

    Options left out are not passed, so the estimator's own defaults apply.
    ``random_state`` is always passed: the command line defaults to 0 so that
    a command run twice prints the same result. An unknown ``--init`` is a
    :class:`CLIError` here, before any data are read.
    """
    method = getattr(args, "init_params", None)
    if method is not None and method not in (names := init_methods()):
        raise CLIError(
            f"--init {method!r} is not a start method: init_params takes one of "
            f"{', '.join(names)}"
        )
    params = {
        name: getattr(args, name)
        for name in _PARAMETERS
        if getattr(args, name, None) is not None
    }
    params["random_state"] = args.random_state
    if args.prior:
        params["prior"] = "default"
    return params


def load_args_data(args, *, fitting=False, names=None):
    """The data named by the data argument and the column options.

    ``names``, a model's features, make a first row that holds them a
    header even where it looks like numbers (without ``--no-header``).

    Rows with nothing observed are refused and, to fit a model (``fitting``),
    so are columns missing in every row (:func:`~.io.check_observed`).
    """
    if args.data is None:
        _note_unread_input()  # before any error about the bundled data
    data = load_data(
        args.data,
        delimiter=args.delimiter,
        columns=args.columns,
        drop=args.drop,
        header=args.header if args.header is not None or names is None else names,
    )
    check_observed(data, fitting=fitting, drop=args.drop)
    return data


def _note_unread_input():
    """Say that piped data are not read without ``-`` (even with --quiet).

    ``cat data.csv | gmm-estimators fit -k 2`` would otherwise model the
    bundled data in silence. Only for a pipe or a file on standard input:
    not for a terminal, nor for /dev/null (scripts, cron).
    """
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # no file (embedded, tests)
        return
    if stat.S_ISFIFO(mode) or stat.S_ISREG(mode):
        print(
            f"{PROG}: note: no data file given, so {BUNDLED} are used; standard "
            "input is not read (give - as the data file to read it)",
            file=sys.stderr,
        )


def check_infinite(data):
    """Refuse an infinite value before any other check of the data's size.

    No number of rows or components makes it usable: the advice to try
    fewer components, given first, led to this error only on the next run.
    """
    if np.isinf(data.X).any():
        raise refused_value(data.first_non_finite(infinite=True))


def check_rows_for(data, n_components, option, *, smallest=None):
    """Fail early, naming the options, when there are too few rows to fit.

    A mixture needs at least 2 rows, and at least as many rows as components.
    ``smallest`` is the option that sets the smallest number of components
    tried, as ``(option, value)`` (``select``), so that the remedy given is
    one that runs (at least 2 rows, and a range of K that starts low enough).
    """
    n_rows = data.X.shape[0]
    if n_rows < 2:
        raise CLIError(
            f"{data.source} has only 1 data row: fitting a mixture needs at least "
            "2 rows; add rows (predict and score accept a single row)"
        )
    if n_rows >= n_components:
        return
    remedy = f"use {option} {n_rows} or fewer"
    if smallest is not None and smallest[1] > n_rows:
        # Candidates of one component always exist: start the range there.
        remedy = f"use e.g. {smallest[0]} 1 {option} {n_rows}"
    raise CLIError(
        f"{data.source} has {n_rows} rows: too few to fit {n_components} "
        f"components; {remedy}"
    )


def cmd_fit(args):
    from .. import GaussianMixture

    check_output_path(args.save, "--save", inputs=[args.data])
    check_plot_path(args.plot, inputs=[args.data], save=args.save)
    params = estimator_params(args)
    data = load_args_data(args, fitting=True)
    check_infinite(data)
    check_rows_for(data, args.n_components, "-k")
    if args.plot and data.X.shape[1] < 2:
        raise CLIError("--plot needs data with at least 2 features")
    if args.plot and not np.isfinite(data.X).all(axis=1).any():
        raise CLIError(
            "--plot draws the rows without missing values, and every row has one; "
            "leave out --plot, or impute the missing values first"
        )
    model = GaussianMixture(
        n_components=args.n_components,
        covariance_type=args.covariance_type,
        equal_proportions=args.equal_proportions,
        **params,
    )
    start = perf_counter()
    with warnings.catch_warnings(record=True) as caught, explain_values(data, "fit"):
        warnings.simplefilter("always")
        model.fit(data.X)
    elapsed = perf_counter() - start
    set_feature_names(model, data)
    report_missing(data, quiet=args.quiet)
    report_warnings(caught, terms=lambda message: in_data_terms(message, data))
    collapsed, spurious = unsound_components(model)
    remedies = refit_hint(
        collapsed, spurious, prior=bool(args.prior), fewer=args.n_components > 1
    )
    if (collapsed or spurious) and remedies:
        # The library's warning names its parameters, which the command
        # leaves out (errors._OPTION_TERMS); this names the options (with
        # --quiet too, as the warning is printed then).
        print(
            f"{PROG}: hint: {remedies} avoid "
            f"{unsound_kinds(collapsed, spurious)} components",
            file=sys.stderr,
        )

    with names_checked():
        log_likelihood = model.score(data.X) * data.X.shape[0]
        bic, aic = model.bic(data.X), model.aic(data.X)
    if not args.quiet:
        print(data.describe())
    status = (
        f"converged in {model.n_iter_} iterations"
        if model.converged_
        else f"did not converge in {model.n_iter_} iterations"
    )
    options = ", equal_proportions=True" if args.equal_proportions else ""
    print(
        f"Fitted GaussianMixture(n_components={args.n_components}, covariance_type="
        f"{structure_name(args.covariance_type)}{options}): {status} "
        f"({elapsed:.2f} s)"
    )
    print(
        f"log-likelihood {fixed(log_likelihood)}, {model.n_parameters_} free "
        f"parameters, BIC {fixed(bic)}, AIC {fixed(aic)}"
        " (lower is better)"
    )
    print()
    print(components_text(model, data.feature_names, covariances=True))
    if args.save:
        save_model(model, args.save)
        if not args.quiet:
            print(f"\nSaved the model to {args.save}")
    if args.plot:
        from ..plotting import plot_components

        # Rows with missing values have no place in the plane: the complete
        # rows are drawn (the fit read every row).
        complete = np.isfinite(data.X).all(axis=1)
        fig, ax = new_axes()
        with names_checked():
            plot_components(
                model, data.X[complete], ax=ax, feature_names=data.feature_names
            )
        save_figure(fig, args.plot, quiet=args.quiet)
        if not args.quiet:
            shown = "" if complete.all() else f" (its {complete.sum()} complete rows)"
            print(f"Saved the plot to {args.plot}{shown}")
    return 0
