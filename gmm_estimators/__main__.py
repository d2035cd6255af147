"""Command line: ``gmm-estimators`` or ``python -m gmm_estimators``.

Subcommands::

    select [DATA.csv]                 choose K and the covariance structure (BIC)
    fit [DATA.csv] -k K               fit one mixture and print its components
    predict --model M [DATA.csv]      labels and component probabilities (CSV)
    sample --model M -n N             draw from a fitted mixture (CSV)
    score --model M [DATA.csv]        log-likelihood, BIC and AIC of the data

Without a data file the bundled Old Faithful data are used, and without any
argument the command runs ``select`` on them. Data files are CSV with one row
per observation and numeric columns only; a header row is detected. Errors in
the input are reported on one line (``gmm-estimators: error: ...``) with exit
status 2.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import csv
import io
import math
import os
import sys
import warnings
from time import perf_counter

import numpy as np

PROG = "gmm-estimators"
_BUNDLED = "the bundled Old Faithful data"
_MISSING_TOKENS = {"", "na", "nan", "n/a", "null", "none", "?"}
# Private attribute carrying the CSV header into a saved model, so that
# `sample` can name its columns. Not a fitted attribute (no trailing "_").
_NAMES_ATTRIBUTE = "_gmm_cli_feature_names"

__all__ = ["main"]


class CLIError(Exception):
    """A problem with the user's input, reported in one line with exit code 2."""


# ----------------------------------------------------------------------------
# Reading data


class Dataset:
    """Numeric data read from a CSV file (or the bundled data)."""

    def __init__(self, X, feature_names, source):
        self.X = X
        self.feature_names = feature_names
        self.source = source

    def describe(self):
        n, d = self.X.shape
        names = ", ".join(self.feature_names)
        return (
            f"Data: {self.source}: {n} rows x {d} feature{'s' if d != 1 else ''} "
            f"({names})"
        )


def _load_data(path, delimiter=None):
    if path is None:
        from .datasets import load_old_faithful

        bunch = load_old_faithful()
        return Dataset(np.asarray(bunch.data), list(bunch.feature_names), _BUNDLED)
    return read_csv(path, delimiter=delimiter)


def _parse_number(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def read_csv(path, delimiter=None):
    """Read a numeric CSV file, with a clear error for anything that is not.

    Parameters
    ----------
    path : str
        File name, or ``"-"`` for standard input.
    delimiter : str, default=None
        Field separator; detected among comma, semicolon and tab if None.

    Returns
    -------
    data : Dataset
        ``X`` (float64, shape (n_rows, n_columns)), the column names (from the
        header row if there is one, else ``x0, x1, ...``) and the source name.

    Raises
    ------
    CLIError
        If the file cannot be read, is empty or ragged, has a non-numeric
        column, a missing or infinite value, or fewer than two data rows.
    """
    source = "standard input" if path == "-" else path
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, newline="", encoding="utf-8-sig") as file:
                text = file.read()
    except FileNotFoundError:
        raise CLIError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read {path}: it is a directory") from None
    except UnicodeDecodeError:
        raise CLIError(f"cannot read {source}: not a UTF-8 text (CSV) file") from None
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None

    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise CLIError(
            f"{source}, line {reader.line_num}: malformed CSV ({exc})"
        ) from None
    if not rows:
        raise CLIError(f"{source} contains no data")

    first = rows[0][1]
    has_header = any(
        cell.lower() not in _MISSING_TOKENS and _parse_number(cell) is None
        for cell in first
    )
    n_columns = len(first)
    if has_header:
        names = [cell or f"column {j + 1}" for j, cell in enumerate(first)]
        rows = rows[1:]
    else:
        names = [f"x{j}" for j in range(n_columns)]

    def column(j):
        if has_header:
            return f"column {j + 1} ({names[j]!r})"
        return f"column {j + 1}"

    values = np.empty((len(rows), n_columns), dtype=np.float64)
    for i, (line, cells) in enumerate(rows):
        if len(cells) != n_columns:
            raise CLIError(
                f"{source}, line {line}: expected {n_columns} fields like the first "
                f"row, found {len(cells)}"
            )
        for j, cell in enumerate(cells):
            if cell.lower() in _MISSING_TOKENS:
                what = "empty cell" if not cell else repr(cell)
                raise CLIError(
                    f"{source}, line {line}, {column(j)}: missing value ({what}); "
                    "remove or impute rows with missing values first"
                )
            value = _parse_number(cell)
            if value is None:
                raise CLIError(
                    f"{source}: {column(j)} is not numeric (line {line} has "
                    f"{cell!r}); keep only numeric columns"
                )
            if not math.isfinite(value):
                raise CLIError(
                    f"{source}, line {line}, {column(j)}: infinite value {cell!r}"
                )
            values[i, j] = value
    if values.shape[0] < 2:
        raise CLIError(
            f"{source} has {values.shape[0]} data row{'s' if len(values) != 1 else ''}"
            "; at least 2 are needed"
        )
    return Dataset(values, names, source)


# Below this many rows the matrix products of EM are small, and BLAS threads
# cost more to wake and synchronise than they save (by a factor of ten or more
# on a busy machine): use one thread unless --threads says otherwise.
_SMALL_DATA_ROWS = 50_000


def _thread_limits(args, n_rows):
    """Context limiting BLAS threads, from --threads or the data's size."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    threads = getattr(args, "threads", None)
    if threads is None:
        threads = 1 if n_rows < _SMALL_DATA_ROWS else None
    if threads is None:
        return nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def _check_rows_for(data, n_components, option):
    n_rows = data.X.shape[0]
    if n_rows < n_components:
        raise CLIError(
            f"{data.source} has {n_rows} rows: too few to fit {n_components} "
            f"components; use {option} {n_rows} or fewer"
        )


# ----------------------------------------------------------------------------
# Models


def _load_model(path):
    import joblib

    try:
        model = joblib.load(path)
    except FileNotFoundError:
        raise CLIError(f"cannot read model {path}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read model {path}: it is a directory") from None
    except Exception as exc:  # unpickling can fail in many ways
        raise CLIError(
            f"{path} is not a model file saved by '{PROG} fit --save' or "
            f"joblib.dump ({type(exc).__name__})"
        ) from None
    if hasattr(model, "best_estimator_"):
        model = model.best_estimator_
    needed = ("predict_proba", "score_samples", "sample", "means_")
    if not all(hasattr(model, name) for name in needed):
        raise CLIError(
            f"{path} holds a {type(model).__name__}, not a fitted Gaussian mixture"
        )
    return model


def _save_model(model, path, feature_names):
    import joblib

    setattr(model, _NAMES_ATTRIBUTE, list(feature_names))
    try:
        joblib.dump(model, path)
    except OSError as exc:
        raise CLIError(f"cannot write model {path}: {exc.strerror or exc}") from None


def _model_feature_names(model):
    names = getattr(model, _NAMES_ATTRIBUTE, None)
    if names is None and hasattr(model, "feature_names_in_"):
        names = [str(name) for name in model.feature_names_in_]
    n_features = np.shape(model.means_)[1]
    if names is None or len(names) != n_features:
        names = [f"x{j}" for j in range(n_features)]
    return names


def _check_model_features(model, data):
    expected = np.shape(model.means_)[1]
    got = data.X.shape[1]
    if got != expected:
        raise CLIError(
            f"{data.source} has {got} column{'s' if got != 1 else ''} but the model "
            f"was fitted on {expected} feature{'s' if expected != 1 else ''}"
        )


def _full_covariances(model):
    from ._covariance import get_covariance_model

    n_components, n_features = np.shape(model.means_)
    structure = get_covariance_model(model.covariance_type)
    covariances = np.asarray(model.covariances_, dtype=np.float64)
    return structure.to_full(covariances, n_components, n_features)


def _structure_name(covariance_type):
    from ._covariance import get_covariance_model

    try:
        model = get_covariance_model(covariance_type)
    except ValueError:
        return str(covariance_type)
    names = [model.name, *model.aliases]
    others = [name for name in names if name != covariance_type]
    return f"{covariance_type} ({', '.join(others)})" if others else covariance_type


def _n_parameters(model):
    from ._covariance import get_covariance_model

    n_components, n_features = np.shape(model.means_)
    structure = get_covariance_model(model.covariance_type)
    return int(
        structure.n_parameters(n_components, n_features)
        + n_components * n_features
        + n_components
        - 1
    )


# ----------------------------------------------------------------------------
# Output


def _fmt(value, digits=6):
    """A compact number: integers as such, others with ``digits`` significant."""
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return "-" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return f"{value:.{digits}g}"


def _fixed(value, decimals=2):
    """A number with a fixed number of decimals (criteria, log-likelihoods)."""
    if value is None:
        return "-"
    value = float(value)
    if not math.isfinite(value):
        return "-" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return f"{value:.{decimals}f}"


def format_table(headers, rows, align=None):
    """A fixed-width text table.

    Parameters
    ----------
    headers : list of str
    rows : list of list of str
    align : str, default=None
        One character per column, ``"<"`` or ``">"``; numbers right-aligned by
        default.

    Returns
    -------
    table : str
    """
    align = align or ">" * len(headers)
    widths = [
        max(len(str(cell)) for cell in [header, *[row[j] for row in rows]])
        for j, header in enumerate(headers)
    ]
    lines = [
        "  ".join(
            f"{header:{a}{w}}"
            for header, a, w in zip(headers, align, widths, strict=True)
        ),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        lines.append(
            "  ".join(
                f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True)
            )
        )
    return "\n".join(line.rstrip() for line in lines)


def _components_text(model, feature_names, *, covariances=False):
    means = np.asarray(model.means_, dtype=np.float64)
    weights = np.asarray(model.weights_, dtype=np.float64)
    n_components, n_features = means.shape
    collapsed = {int(k) for k in getattr(model, "collapsed_components_", ())}
    headers = ["component", "weight", *[f"mean {name}" for name in feature_names]]
    rows = [
        [str(k) + (" (collapsed)" if k in collapsed else ""), f"{weights[k]:.4f}"]
        + [_fmt(x, 5) for x in means[k]]
        for k in range(n_components)
    ]
    text = format_table(headers, rows, "<" + ">" * (len(headers) - 1))
    if covariances:
        full = _full_covariances(model)
        blocks = []
        width = max(10, *(len(name) for name in feature_names))
        shared = n_components > 1 and np.allclose(full, full[:1], rtol=1e-12, atol=0)
        for k in range(1 if shared else n_components):
            title = "shared by all components" if shared else f"of component {k}"
            lines = [f"Covariance {title}:"]
            lines.append(
                " " * (width + 2)
                + "  ".join(f"{name:>{width}}" for name in feature_names)
            )
            for name, row in zip(feature_names, full[k], strict=True):
                lines.append(
                    f"  {name:<{width}}"
                    + "  ".join(f"{_fmt(x, 6):>{width}}" for x in row)
                )
            blocks.append("\n".join(lines))
        text += "\n\n" + "\n\n".join(blocks)
    return text


def _report_warnings(caught, *, skip=()):
    """Print captured warnings as one line each on stderr (duplicates once)."""
    seen = set()
    for warning in caught:
        if issubclass(warning.category, tuple(skip)):
            continue
        message = " ".join(str(warning.message).split())
        if message in seen:
            continue
        seen.add(message)
        print(f"{PROG}: warning: {message}", file=sys.stderr)


def _write_csv(rows, header, output):
    """Write rows (lists of strings) as CSV to a file or stdout."""
    if output is None:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise CLIError(f"cannot write {output}: {exc.strerror or exc}") from None


def _save_figure(fig, path):
    try:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    except OSError as exc:
        raise CLIError(f"cannot write plot {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # unknown image format
        raise CLIError(f"cannot write plot {path}: {exc}") from None


def _check_output_path(path, option):
    """Fail before any work if ``path`` cannot be written."""
    if path is None:
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"{option} {path}: directory {directory} does not exist")
    if os.path.isdir(path):
        raise CLIError(f"{option} {path}: is a directory")


def _check_plot_path(path):
    if path is None:
        return
    _check_output_path(path, "--plot")
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise CLIError(
            "--plot requires matplotlib: pip install matplotlib (or, from a "
            "clone of the gmm_estimators repository, pip install \".[plot]\")"
        ) from None
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    supported = FigureCanvasBase.get_supported_filetypes()
    if extension not in supported:
        raise CLIError(
            f"--plot {path}: unknown image format {extension!r}; use a name ending "
            f"in one of {', '.join('.' + ext for ext in sorted(supported))}"
        )


def _new_axes():
    """An Axes on a figure that no GUI backend ever shows."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError(
            "--plot requires matplotlib: pip install matplotlib (or, from a "
            "clone of the gmm_estimators repository, pip install \".[plot]\")"
        ) from None
    fig = Figure(figsize=(7.0, 5.0))
    return fig, fig.subplots()


# ----------------------------------------------------------------------------
# Commands


def _parse_covariance_types(text):
    from ._covariance import available_covariance_types

    if text is None:
        return None
    requested = [item.strip() for item in text.split(",") if item.strip()]
    if not requested:
        raise CLIError("--covariance-types is empty; give a comma-separated list")
    valid = available_covariance_types(aliases=True)
    unknown = [item for item in requested if item not in valid]
    if unknown:
        raise CLIError(
            f"unknown covariance type{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}; choose from {', '.join(valid)}"
        )
    return list(dict.fromkeys(requested))


def _default_structures(n_features):
    """Every registered structure that applies to data with ``n_features``.

    mclust's one-feature models (``E``, ``V``) are used alone for one feature
    (the multivariate names would fit the same models again) and left out for
    more.
    """
    from ._covariance import available_covariance_types, get_covariance_model

    names = available_covariance_types()
    limits = {
        name: getattr(get_covariance_model(name), "max_n_features", None)
        for name in names
    }
    univariate = [name for name in names if limits[name] == 1]
    if n_features == 1 and univariate:
        return univariate
    return [
        name for name in names if limits[name] is None or n_features <= limits[name]
    ]


def _check_structures_fit(covariance_types, data):
    from ._covariance import get_covariance_model

    n_features = data.X.shape[1]
    for name in covariance_types:
        limit = getattr(get_covariance_model(name), "max_n_features", None)
        if limit is not None and n_features > limit:
            raise CLIError(
                f"covariance type {name} is for data with at most {limit} "
                f"feature{'s' if limit != 1 else ''}, but {data.source} has "
                f"{n_features}; leave it out of --covariance-types"
            )


def _criterion_note(criterion):
    return (
        f"{criterion.upper()} in scikit-learn's sign, lower is better "
        "(R mclust reports the negative, higher is better)"
    )


def _results_rows(results, criterion):
    n = len(results["n_components"])

    def col(name, i, default=None):
        values = results.get(name)
        return default if values is None else values[i]

    def rank_key(i):
        rank = col("rank", i)
        try:
            rank = float(rank)
        except (TypeError, ValueError):
            rank = math.inf
        if not math.isfinite(rank):
            rank = math.inf
        value = col(criterion, i, math.inf)
        value = float(value) if value is not None else math.inf
        return (rank, bool(col("degenerate", i, False)), value)

    return sorted(range(n), key=rank_key), col


def _results_table(results, criterion, order, col, limit):
    headers = ["rank", "K", "structure"]
    names = [c for c in ("bic", "aic", "icl") if c in results]
    # The criterion used for selection first.
    names.sort(key=lambda c: c != criterion)
    headers += [c.upper() for c in names]
    headers += ["log-lik", "params", "converged", "note"]
    rows = []
    for i in order[:limit]:
        rank = col("rank", i)
        degenerate = bool(col("degenerate", i, False))
        value = col(criterion, i)
        failed = value is None or not math.isfinite(float(value))
        n_parameters = col("n_parameters", i)
        if n_parameters is not None and n_parameters < 0:
            n_parameters = None
        note = "degenerate" if degenerate else ("could not be fitted" if failed else "")
        rows.append(
            [
                _fmt(rank) if rank is not None else "-",
                _fmt(col("n_components", i)),
                str(col("covariance_type", i)),
                *[_fixed(col(c, i)) for c in names],
                _fixed(col("log_likelihood", i)),
                _fmt(n_parameters),
                "-" if failed else _fmt(bool(col("converged", i, True))),
                note,
            ]
        )
    align = ">><" + ">" * (len(headers) - 4) + "<"
    return format_table(headers, rows, align)


def cmd_select(args):
    from .model_selection import GaussianMixtureIC

    covariance_types = _parse_covariance_types(args.covariance_types)
    _check_output_path(args.save, "--save")
    _check_plot_path(args.plot)
    if args.min_components > args.max_components:
        raise CLIError(
            f"--min-components ({args.min_components}) is larger than "
            f"--max-components ({args.max_components})"
        )
    data = _load_data(args.data, args.delimiter)
    _check_rows_for(data, args.max_components, "--max-components")
    n_components = list(range(args.min_components, args.max_components + 1))
    if covariance_types is None:
        covariance_types = _default_structures(data.X.shape[1])
    else:
        _check_structures_fit(covariance_types, data)
    selector = GaussianMixtureIC(
        n_components=n_components,
        covariance_types=covariance_types,
        criterion=args.criterion,
        n_init=args.n_init,
        init_params=args.init_params,
        max_iter=args.max_iter,
        reg_covar=args.reg_covar,
        prior="default" if args.prior else None,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
        verbose=0 if args.quiet else 1,
    )
    from .exceptions import DegenerateFitWarning

    if not args.quiet:
        print(data.describe())
        structures = covariance_types
        print(
            f"Searching K = {n_components[0]}..{n_components[-1]} with "
            f"{len(structures)} covariance "
            f"structure{'s' if len(structures) > 1 else ''}"
            f" ({', '.join(structures)}): {len(n_components) * len(structures)} "
            f"candidates, {_criterion_note(args.criterion)}"
            + (", under mclust's default conjugate prior." if args.prior else ".")
        )
        sys.stdout.flush()
    start = perf_counter()
    with (
        warnings.catch_warnings(record=True) as caught,
        _thread_limits(args, data.X.shape[0]),
    ):
        warnings.simplefilter("always")
        selector.fit(data.X)
    elapsed = perf_counter() - start
    # Per-candidate problems are columns of the table; the selector only
    # warns about the selected model (for instance if it did not converge).
    _report_warnings(caught, skip=(DegenerateFitWarning,))

    results = selector.results_
    criterion = args.criterion
    order, col = _results_rows(results, criterion)
    n_candidates = len(order)
    limit = n_candidates if args.all else min(args.top, n_candidates)
    best = selector.best_estimator_
    if not args.quiet:
        print(f"Done in {elapsed:.1f} s.")
        print()
        shown = "all" if limit == n_candidates else f"top {limit} of"
        print(f"Candidates ({shown} {n_candidates}, by rank):")
    print(_results_table(results, criterion, order, col, limit))
    n_degenerate = sum(bool(v) for v in results.get("degenerate", []))
    if n_degenerate:
        print(
            f"({n_degenerate} degenerate candidate{'s' if n_degenerate > 1 else ''}: "
            "a component collapsed onto too few distinct points; never selected)"
        )
        if not args.prior:
            print(
                f"{PROG}: hint: --prior (mclust's conjugate prior) keeps components "
                "from collapsing",
                file=sys.stderr,
            )
    print()
    summary = (
        f"Selected model: K={selector.n_components_}, covariance_type="
        f"{_structure_name(selector.covariance_type_)}, "
        f"{criterion.upper()} {_fixed(selector.criterion_)}"
    )
    if criterion != "bic" and "bic" in results:
        summary += f" (BIC {_fixed(results['bic'][selector.best_index_])})"
    print(summary)
    print(_components_text(best, data.feature_names))

    if args.save:
        _save_model(best, args.save, data.feature_names)
        if not args.quiet:
            print(f"\nSaved the selected model to {args.save}")
    if args.plot:
        from .plotting import plot_criterion

        fig, ax = _new_axes()
        plot_criterion(selector, criterion=criterion, ax=ax)
        _save_figure(fig, args.plot)
        if not args.quiet:
            print(f"Saved the {criterion.upper()} plot to {args.plot}")
    return 0


def cmd_fit(args):
    from . import GaussianMixture

    _check_output_path(args.save, "--save")
    _check_plot_path(args.plot)
    data = _load_data(args.data, args.delimiter)
    _check_rows_for(data, args.n_components, "-k")
    if args.plot and data.X.shape[1] < 2:
        raise CLIError("--plot needs data with at least 2 features")
    model = GaussianMixture(
        n_components=args.n_components,
        covariance_type=args.covariance_type,
        n_init=args.n_init,
        init_params=args.init_params,
        max_iter=args.max_iter,
        tol=args.tol,
        reg_covar=args.reg_covar,
        random_state=args.random_state,
        prior="default" if args.prior else None,
    )
    start = perf_counter()
    with (
        warnings.catch_warnings(record=True) as caught,
        _thread_limits(args, data.X.shape[0]),
    ):
        warnings.simplefilter("always")
        model.fit(data.X)
    elapsed = perf_counter() - start
    _report_warnings(caught)
    if len(getattr(model, "collapsed_components_", ())) and not args.prior:
        print(
            f"{PROG}: hint: --prior (mclust's conjugate prior), fewer components "
            "or a larger --reg-covar avoid collapsed components",
            file=sys.stderr,
        )

    n = data.X.shape[0]
    log_likelihood = model.score(data.X) * n
    if not args.quiet:
        print(data.describe())
    status = (
        f"converged in {model.n_iter_} iterations"
        if model.converged_
        else f"did not converge in {model.n_iter_} iterations"
    )
    print(
        f"Fitted GaussianMixture(n_components={args.n_components}, covariance_type="
        f"{_structure_name(args.covariance_type)}): {status} ({elapsed:.2f} s)"
    )
    print(
        f"log-likelihood {_fixed(log_likelihood)}, {_n_parameters(model)} free "
        f"parameters, BIC {_fixed(model.bic(data.X))}, AIC {_fixed(model.aic(data.X))}"
        " (lower is better)"
    )
    print()
    print(_components_text(model, data.feature_names, covariances=True))
    if args.save:
        _save_model(model, args.save, data.feature_names)
        if not args.quiet:
            print(f"\nSaved the model to {args.save}")
    if args.plot:
        from .plotting import plot_components

        fig, ax = _new_axes()
        plot_components(model, data.X, ax=ax, feature_names=data.feature_names)
        _save_figure(fig, args.plot)
        if not args.quiet:
            print(f"Saved the plot to {args.plot}")
    return 0


def cmd_predict(args):
    _check_output_path(args.output, "--output")
    model = _load_model(args.model)
    data = _load_data(args.data, args.delimiter)
    _check_model_features(model, data)
    with _thread_limits(args, data.X.shape[0]):
        proba = model.predict_proba(data.X)
    labels = np.argmax(proba, axis=1)
    header = ["label", *[f"proba_{k}" for k in range(proba.shape[1])]]
    rows = (
        [str(int(label)), *[_fmt(p, args.digits) for p in row]]
        for label, row in zip(labels, proba, strict=True)
    )
    _write_csv(rows, header, args.output)
    return 0


def cmd_sample(args):
    _check_output_path(args.output, "--output")
    model = _load_model(args.model)
    X, y = model.sample(args.n_samples, random_state=args.random_state)
    header = [*_model_feature_names(model), "component"]
    rows = (
        [*[_fmt(x, args.digits) for x in row], str(int(k))]
        for row, k in zip(X, y, strict=True)
    )
    _write_csv(rows, header, args.output)
    return 0


def cmd_score(args):
    model = _load_model(args.model)
    data = _load_data(args.data, args.delimiter)
    _check_model_features(model, data)
    n = data.X.shape[0]
    p = _n_parameters(model)
    with _thread_limits(args, n):
        mean = float(model.score(data.X))
        bic, aic = model.bic(data.X), model.aic(data.X)
    rows = [
        ["rows", str(n)],
        ["mean log-likelihood", _fixed(mean, 4)],
        ["total log-likelihood", _fixed(mean * n)],
        ["free parameters", str(p)],
        ["BIC", _fixed(bic)],
        ["AIC", _fixed(aic)],
    ]
    if not args.quiet:
        print(data.describe())
        n_components = np.shape(model.means_)[0]
        print(
            f"Model: {n_components} component{'s' if n_components > 1 else ''}, "
            f"covariance_type={_structure_name(model.covariance_type)}"
        )
    print(format_table(["statistic", "value"], rows, "<>"))
    if not args.quiet:
        print(
            "BIC = -2 log L + p log n and AIC = -2 log L + 2 p: lower is better "
            "(R mclust reports -BIC)."
        )
    return 0


# ----------------------------------------------------------------------------
# Parser


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number >= 0, got {text!r}"
        ) from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
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


_DESCRIPTION = """\
Gaussian mixture models from the command line: choose the number of components
and the covariance structure by BIC, fit, predict, sample and score.

Data files are CSV: one row per observation, numeric columns only, an optional
header row (detected). Without a data file the bundled Old Faithful geyser data
are used; without a command, 'select' runs (options such as --quiet apply)."""

_EPILOG = f"""\
examples:
  {PROG}                                  select K and structure on Old Faithful
  {PROG} select data.csv --save model.joblib --plot bic.png
  {PROG} fit data.csv -k 3 --covariance-type VVV --save model.joblib
  {PROG} predict --model model.joblib data.csv --output labels.csv
  {PROG} sample --model model.joblib -n 500 > synthetic.csv
  {PROG} score --model model.joblib new_data.csv

Run '{PROG} COMMAND --help' for the options of a command. Model files are
pickles (joblib): load only files you trust."""


def _add_data_argument(parser, what):
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
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="BLAS threads for the linear algebra (default: 1 below "
        f"{_SMALL_DATA_ROWS:,} rows, where threads cost more than they save; "
        "the library's default above)",
    )


def _add_fit_options(parser):
    from ._initialization import INITIALIZERS

    parser.add_argument(
        "--n-init",
        type=_positive_int,
        default=1,
        metavar="N",
        help="starts per model; the best is kept (default: %(default)s)",
    )
    parser.add_argument(
        "--init-params",
        choices=sorted(INITIALIZERS),
        default="kmeans",
        help="how EM is started (default: %(default)s)",
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int,
        default=100,
        metavar="N",
        help="maximum EM iterations per start (default: %(default)s)",
    )
    parser.add_argument(
        "--reg-covar",
        type=_non_negative_float,
        default=1e-6,
        metavar="X",
        help="added to covariance diagonals, in the data's squared units "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        metavar="SEED",
        help="seed of the initialisation, or 'none' (default: %(default)s)",
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


def build_parser():
    """The argument parser of the command line (for documentation and tests)."""
    from ._covariance import available_covariance_types

    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    structures = ", ".join(available_covariance_types(aliases=True))

    # select ------------------------------------------------------------------
    select = commands.add_parser(
        "select",
        help="choose the number of components and the covariance structure",
        description="Fit every candidate (K = min..max components for every "
        "covariance structure) and rank them by an information criterion computed "
        "in-sample, as R mclust does. Degenerate fits (a collapsed component) are "
        "reported and never selected. BIC, AIC and ICL are printed with "
        "scikit-learn's sign: lower is better (mclust prints -BIC).",
    )
    _add_data_argument(select, "to model")
    select.add_argument(
        "--max-components",
        "-K",
        type=_positive_int,
        default=9,
        metavar="K",
        help="largest number of components tried (default: %(default)s)",
    )
    select.add_argument(
        "--min-components",
        type=_positive_int,
        default=1,
        metavar="K",
        help="smallest number of components tried (default: %(default)s)",
    )
    select.add_argument(
        "--covariance-types",
        "-t",
        default=None,
        metavar="LIST",
        help="comma-separated structures to try (default: every registered "
        "structure defined for the data; for one feature mclust's E and V only); "
        f"accepted names: {structures}",
    )
    select.add_argument(
        "--criterion",
        choices=("bic", "aic", "icl"),
        default="bic",
        help="criterion to minimise (default: %(default)s)",
    )
    _add_fit_options(select)
    select.add_argument(
        "--prior",
        action="store_true",
        help="fit every candidate under mclust's default conjugate prior "
        "(regularises in the data's units; keeps components from collapsing onto "
        "tied values)",
    )
    select.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        metavar="N",
        help="candidates fitted in parallel (default: 1; -1 for all cores)",
    )
    select.add_argument(
        "--save", metavar="MODEL.joblib", help="save the selected model (joblib)"
    )
    select.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save the criterion-versus-K plot (needs matplotlib)",
    )
    select.add_argument(
        "--top",
        type=_positive_int,
        default=10,
        metavar="N",
        help="rows of the candidate table to print (default: %(default)s)",
    )
    select.add_argument(
        "--all", action="store_true", help="print every candidate in the table"
    )
    select.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print only the table and the selected model",
    )
    select.set_defaults(func=cmd_select)

    # fit ---------------------------------------------------------------------
    fit = commands.add_parser(
        "fit",
        help="fit one mixture and print its components",
        description="Fit a Gaussian mixture with K components and print its "
        "weights, means and covariances, log-likelihood, BIC and AIC.",
    )
    _add_data_argument(fit, "to fit")
    fit.add_argument(
        "-k",
        "--n-components",
        type=_positive_int,
        required=True,
        metavar="K",
        help="number of components",
    )
    fit.add_argument(
        "--covariance-type",
        "-t",
        default="full",
        choices=available_covariance_types(aliases=True),
        metavar="TYPE",
        help=f"covariance structure, one of {structures} (default: %(default)s)",
    )
    _add_fit_options(fit)
    fit.add_argument(
        "--tol",
        type=_non_negative_float,
        default=1e-3,
        metavar="X",
        help="convergence threshold on the mean log-likelihood (default: %(default)s)",
    )
    fit.add_argument(
        "--prior",
        action="store_true",
        help="fit under mclust's default conjugate prior (regularises in the "
        "data's units; keeps components from collapsing onto tied values)",
    )
    fit.add_argument("--save", metavar="MODEL.joblib", help="save the model (joblib)")
    fit.add_argument(
        "--plot",
        metavar="FILE.png",
        help="save a plot of the data and components on the first two features",
    )
    fit.add_argument("--quiet", "-q", action="store_true", help="print less")
    fit.set_defaults(func=cmd_fit)

    # predict -----------------------------------------------------------------
    predict = commands.add_parser(
        "predict",
        help="labels and component probabilities of each row (CSV)",
        description="Write one CSV row per data row: the most probable component "
        "('label') and the posterior probability of every component.",
    )
    _add_model_argument(predict)
    _add_data_argument(predict, "to label")
    predict.add_argument(
        "--output", "-o", metavar="FILE.csv", help="write here instead of stdout"
    )
    predict.add_argument(
        "--digits",
        type=_positive_int,
        default=6,
        metavar="N",
        help="significant digits of the probabilities (default: %(default)s)",
    )
    predict.set_defaults(func=cmd_predict)

    # sample ------------------------------------------------------------------
    sample = commands.add_parser(
        "sample",
        help="draw rows from a fitted mixture (CSV)",
        description="Draw N rows from the fitted mixture; the last column is the "
        "component each row was drawn from.",
    )
    _add_model_argument(sample)
    sample.add_argument(
        "-n",
        "--n-samples",
        type=_positive_int,
        default=100,
        metavar="N",
        help="number of rows (default: %(default)s)",
    )
    sample.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        metavar="SEED",
        help="seed, or 'none' for fresh randomness (default: %(default)s)",
    )
    sample.add_argument(
        "--output", "-o", metavar="FILE.csv", help="write here instead of stdout"
    )
    sample.add_argument(
        "--digits",
        type=_positive_int,
        default=8,
        metavar="N",
        help="significant digits (default: %(default)s)",
    )
    sample.set_defaults(func=cmd_sample)

    # score -------------------------------------------------------------------
    score = commands.add_parser(
        "score",
        help="log-likelihood, BIC and AIC of data under a fitted mixture",
        description="Print the mean and total log-likelihood of the data under "
        "the model, and its BIC and AIC on these data (lower is better).",
    )
    _add_model_argument(score)
    _add_data_argument(score, "to score")
    score.add_argument(
        "--quiet", "-q", action="store_true", help="print only the table"
    )
    score.set_defaults(func=cmd_score)
    return parser


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


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
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: choose a command", file=sys.stderr)
        return 2
    try:
        return args.func(args) or 0
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
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
