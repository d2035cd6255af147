"""``predict``, ``sample`` and ``score``: use a model saved by ``fit`` or ``select``."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import sys
from functools import partial

import numpy as np

from .cmd_fit import load_args_data
from .errors import PROG, CLIError
from .formatting import digits_by_feature, fixed, fmt, format_table
from .io import explain_values, report_missing
from .library import free_parameters, names_checked, structure_name
from .models import (
    check_model_features,
    load_model,
    model_feature_names,
    warn_if_unsound,
)
from .output import check_output_path, write_csv
from .parser import LARGEST_COUNT

__all__ = ["cmd_predict", "cmd_sample", "cmd_score"]


def _model_and_data(args):
    model = load_model(args.model)
    names = getattr(model, "feature_names_in_", None)
    data = load_args_data(
        args, names=None if names is None else [str(name) for name in names]
    )
    check_model_features(model, data)
    return model, data


def _check_in_range(model, data, consequence):
    """Refuse rows whose density underflows to 0 under every component.

    Their log-likelihood is ``-inf``, and the posterior probabilities the
    model returns for them (1 for one component) say nothing.
    """
    per_row = np.asarray(model.score_samples(data.X), np.float64)
    lost = np.flatnonzero(~np.isfinite(per_row))
    if lost.size:
        where = "row" if data.lines is None else "line"
        numbers = lost + 1 if data.lines is None else data.lines[lost]
        listed = ", ".join(str(n) for n in numbers[:5])
        more = f" and {lost.size - 5} more" if lost.size > 5 else ""
        raise CLIError(
            f"{lost.size} data row(s) of {data.source} ({where} {listed}{more}) "
            "lie beyond the floating-point range of every component's "
            f"density, so {consequence}; check that the data are in the "
            "model's units, or leave those rows out"
        )


def _output(path):
    """Where a CSV goes: a file, or None for standard output (``-o -``)."""
    return None if path == "-" else path


def cmd_predict(args):
    check_output_path(
        args.output, "--output", inputs=[args.data, args.model], stdout=True
    )
    model, data = _model_and_data(args)
    consequence = "the model's likelihood, and the probabilities of those components,"
    warn_if_unsound(model, args.model, f"{consequence} are")
    with names_checked(), explain_values(data, "label"):
        _check_in_range(
            model, data, "no component is more probable than another for them"
        )
        proba = model.predict_proba(data.X)
        # The model's own labels: -1 for its noise component, if it has one.
        labels = model.predict(data.X)
    report_missing(data, quiet=args.quiet)
    columns = [f"proba_{k}" for k in range(np.shape(model.means_)[0])]
    # With a noise component, its column is the last.
    columns += ["proba_noise"] * (proba.shape[1] - len(columns))
    header = ["label", *columns]
    rows = (
        [str(int(label)), *[fmt(p, args.digits) for p in row]]
        for label, row in zip(labels, proba, strict=True)
    )
    write_csv(rows, header, _output(args.output))
    return 0


def cmd_sample(args):
    check_output_path(args.output, "--output", inputs=[args.model], stdout=True)
    model = load_model(args.model)
    if getattr(model, "noise_volume_", None) is not None:
        # The library's sample draws from the Gaussian components only; the
        # rows would otherwise pass for draws from the whole model.
        print(
            f"{PROG}: note: model {args.model} has a noise component (proportion "
            f"{float(model.noise_proportion_):.3g}), which sample does not draw "
            "from: the rows come from the Gaussian components only, in proportion "
            "to their weights",
            file=sys.stderr,
        )
    seed = args.random_state
    if "random_state" not in inspect.signature(model.sample).parameters:
        # scikit-learn's mixtures draw from their own random_state (None:
        # numpy's global generator, fresh in each process).
        model.random_state = seed
        draw = partial(model.sample, args.n_samples)
    else:
        # sample(random_state=None) falls back on the model's own seed, the
        # one it was fitted with, and would repeat the same rows: '--random-state
        # none' promises fresh randomness, so it gets a generator seeded by the OS.
        if seed is None:
            seed = np.random.RandomState()
        draw = partial(model.sample, args.n_samples, random_state=seed)
    too_many = CLIError(
        f"-n {args.n_samples}: too many rows to draw in memory; ask for fewer "
        "and run sample several times with different --random-state."
    )
    if args.n_samples > LARGEST_COUNT:  # beyond numpy's counts (C ints)
        raise too_many
    try:
        X, y = draw()
    except MemoryError:
        raise too_many from None
    names = model_feature_names(model)
    label = "component"
    while label in names:  # a feature of that name keeps it
        label += "_"
    if label != "component":
        print(
            f"{PROG}: note: model {args.model} has a feature named 'component', so "
            f"the last column, the component each row was drawn from, is {label!r}",
            file=sys.stderr,
        )
    header = [*names, label]
    # --digits within each feature's narrowest component: far from zero
    # (timestamps), a fixed count rounds the draws coarser than their spread.
    digits = digits_by_feature(
        np.abs(X).max(axis=0, initial=0.0), _drawn_spreads(X, y), args.digits
    )
    rows = (
        [*[fmt(x, n) for x, n in zip(row, digits, strict=True)], str(int(k))]
        for row, k in zip(X, y, strict=True)
    )
    write_csv(rows, header, _output(args.output))
    return 0


def _drawn_spreads(X, y):
    """Each feature's smallest standard deviation over the drawn components.

    From the draws, so that any mixture's (scikit-learn's too) are read; a
    component drawn fewer than twice says nothing.
    """
    spreads = np.full(X.shape[1], np.inf)
    for k in np.unique(y):
        rows = X[y == k]
        if rows.shape[0] > 1:
            spread = rows.std(axis=0)
            spreads = np.where(spread > 0, np.minimum(spreads, spread), spreads)
    return np.where(np.isfinite(spreads), spreads, 0.0)


def cmd_score(args):
    model, data = _model_and_data(args)
    warn_if_unsound(model, args.model, "the log-likelihood, BIC and AIC are")
    n = data.X.shape[0]
    with names_checked(), explain_values(data, "score"):
        _check_in_range(
            model, data, "the log-likelihood, BIC and AIC would be infinite"
        )
        mean = float(model.score(data.X))
        # A variational mixture has no BIC or AIC (no point estimate).
        bic = model.bic(data.X) if hasattr(model, "bic") else np.nan
        aic = model.aic(data.X) if hasattr(model, "aic") else np.nan
    report_missing(data, quiet=args.quiet)
    # The fit's own count, or for models saved by other packages
    # (scikit-learn's, no n_parameters_) their structure's, which their BIC
    # used; none for a model of neither (scikit-learn's variational one).
    n_parameters = None
    if hasattr(model, "n_parameters_") or np.isfinite(bic):
        n_parameters = free_parameters(model)
    rows = [
        ["rows", str(n)],
        ["mean log-likelihood", fixed(mean, 4)],
        ["total log-likelihood", fixed(mean * n)],
        ["free parameters", fmt(n_parameters)],
        ["BIC", fixed(bic)],
        ["AIC", fixed(aic)],
    ]
    if not args.quiet:
        print(data.describe())
        n_components = np.shape(model.means_)[0]
        print(
            f"Model: {n_components} component{'s' if n_components > 1 else ''}, "
            f"covariance_type={structure_name(model.covariance_type)}"
        )
    print(format_table(["statistic", "value"], rows, "<>"))
    if not args.quiet:
        print(
            "BIC = -2 log L + p log n and AIC = -2 log L + 2 p: lower is better "
            "(R mclust reports -BIC)."
        )
    return 0
