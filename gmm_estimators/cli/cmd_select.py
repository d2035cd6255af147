"""``gmm-estimators select``: choose the number of components and the structure.

The command reports rather than logs: a progress bar on the terminal while
the candidates are fitted (the selector's own, ``progress=True``; nothing when
standard error is not a terminal, or with ``--quiet``), then the criterion
table, the chosen model, and one line with the ``fit`` command that
refits the chosen model's settings and plots it.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import shlex
import sys
import warnings
from time import perf_counter

from .cmd_fit import (
    check_infinite,
    check_rows_for,
    estimator_params,
    load_args_data,
)
from .columns import in_data_terms
from .errors import PROG, CLIError, one_line, report_warnings
from .formatting import components_text, fixed, fmt, format_table
from .io import explain_values, report_missing
from .library import names_checked, structure_name
from .models import save_model, set_feature_names
from .output import check_output_path
from .parser import TOP_ROWS
from .plots import check_plot_path, new_axes, save_figure

__all__ = ["cmd_select", "next_command"]


def _covariance_types(text):
    """The comma-separated list of ``--covariance-types``; None for the default.

    Unknown names are refused here; the selector knows which structures
    apply to the data's number of features.
    """
    if text is None:
        return None
    from .. import available_covariance_types

    requested = [item.strip() for item in text.split(",") if item.strip()]
    if not requested:
        raise CLIError("--covariance-types is empty; give a comma-separated list")
    # Unknown names are refused before the data are read, as fit's -t does.
    known = available_covariance_types(aliases=True)
    unknown = [name for name in requested if name not in known]
    if unknown:
        raise CLIError(
            f"--covariance-types: unknown structure{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; choose from {', '.join(known)} "
            "(a structure of your own: --import the module that registers it)"
        )
    return requested


def _criterion_note(criterion):
    return (
        f"{criterion.upper()} in scikit-learn's sign, lower is better "
        f"(R mclust reports -{criterion.upper()}, higher is better)"
    )


def _results_table(results, criterion, limit):
    """The candidates by rank, the criterion used for selection first."""
    order = sorted(range(len(results["rank"])), key=lambda i: results["rank"][i])
    names = [c for c in ("bic", "aic", "icl") if c in results]
    names.sort(key=lambda c: c != criterion)
    headers = ["rank", "K", "structure", *[c.upper() for c in names]]
    headers += ["log-lik", "params", "converged", "note"]
    rows = []
    for i in order[:limit]:
        failed = not math.isfinite(float(results[criterion][i]))
        degenerate = bool(results["degenerate"][i])
        spurious = bool(results["spurious"][i])
        n_parameters = results["n_parameters"][i]
        note = (
            "degenerate"
            if degenerate
            else "spurious"
            if spurious
            else ("could not be fitted" if failed else "")
        )
        rows.append(
            [
                fmt(results["rank"][i]),
                fmt(results["n_components"][i]),
                str(results["covariance_type"][i]),
                *[fixed(results[c][i]) for c in names],
                fixed(results["log_likelihood"][i]),
                fmt(n_parameters if n_parameters >= 0 else None),
                "-" if failed else fmt(bool(results["converged"][i])),
                note,
            ]
        )
    align = ">><" + ">" * (len(headers) - 4) + "<"
    return format_table(headers, rows, align)


def next_command(args, best, plot="fit.png"):
    """The ``fit`` command of the chosen model's settings, with ``--plot``.

    The chosen model's parameters are those of a plain ``GaussianMixture``;
    each one that differs from ``GaussianMixture``'s default becomes an
    option. ``--plot`` needs two features (``plot=None``: left out). (The
    search may have reached its fit from a start of its own, a split or
    merge of a neighbour: the
    command refits from ``fit``'s start, usually to the same fit; ``select
    --save`` keeps the searched model itself.)
    """
    from .. import GaussianMixture

    words = [PROG, "fit"]
    # The modules that registered the user's structures (cli.imports): the
    # chosen one may be among them.
    for module in dict.fromkeys(getattr(args, "imports", None) or ()):
        words += ["--import", module]
    if args.data is not None:
        words.append(args.data)
    if args.delimiter is not None:
        words += ["--delimiter", "tab" if args.delimiter == "\t" else args.delimiter]
    if args.header is not None:
        words.append("--header" if args.header else "--no-header")
    for option in ("columns", "drop"):
        if getattr(args, option) is not None:
            words += [f"--{option}", getattr(args, option)]
    params = best.get_params()
    words += ["-k", str(params["n_components"]), "-t", params["covariance_type"]]
    defaults = GaussianMixture().get_params()
    options = {
        "n_init": "--n-init",
        "init_params": "--init",
        "max_iter": "--max-iter",
        "tol": "--tol",
        "reg_covar": "--reg-covar",
    }
    for name, option in options.items():
        if params[name] != defaults[name]:
            words += [option, str(params[name])]
    if params["random_state"] != 0:
        words += ["--random-state", str(params["random_state"]).lower()]
    if params["prior"] is not None:
        words.append("--prior")
    if best.n_features_in_ >= 2 and plot is not None:
        words += ["--plot", plot]
    return shlex.join(words)


def _has_matplotlib():
    """Whether ``--plot`` can run (matplotlib is the ``plot`` extra)."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _flags(results):
    """Per candidate: whether degenerate, and whether spurious (not degenerate)."""
    degenerate = [bool(v) for v in results["degenerate"]]
    spurious = [
        bool(s) and not d for s, d in zip(results["spurious"], degenerate, strict=True)
    ]
    return degenerate, spurious


def _no_sound_candidate(args, data, results, error):
    """The error when every candidate is degenerate, spurious or failed.

    The selector's message advises in its parameters (``n_components``,
    ``prior='default'``, ``results_``); this one names the options, after
    the table of candidates has been printed.
    """
    degenerate, spurious = _flags(results)
    n_candidates = len(degenerate)
    n_failed = n_candidates - sum(degenerate) - sum(spurious)
    remedies = []
    if args.min_components > 1:
        remedies.append("smaller numbers of components (--min-components 1)")
    elif args.max_components > 1:
        remedies.append("fewer components (a smaller --max-components/-K)")
    if not args.prior:
        remedies.append("--prior (mclust's conjugate prior)")
    if any(degenerate) or n_failed:  # not a remedy for spurious fits alone
        remedies.append("a larger --reg-covar")
    remedies.append("jitter added to discretised data")
    cause = error.__cause__
    return CLIError(
        f"no sound candidate among the {n_candidates} fitted on {data.source}: "
        f"{sum(degenerate)} degenerate (a component collapsed), "
        f"{sum(spurious)} spurious (a component far narrower than another) and "
        f"{n_failed} could not be fitted"
        + (f" (first error: {one_line(cause)})" if cause is not None else "")
        + "; a degenerate or spurious model is never selected: try "
        f"{', '.join(remedies[:-1])} or {remedies[-1]}"
    )


def cmd_select(args):
    from ..exceptions import DegenerateFitWarning, NoSoundCandidateError
    from ..model_selection import GaussianMixtureIC

    covariance_types = _covariance_types(args.covariance_types)
    check_output_path(args.save, "--save", inputs=[args.data])
    check_plot_path(args.plot, inputs=[args.data], save=args.save)
    if args.min_components > args.max_components:
        raise CLIError(
            f"--min-components ({args.min_components}) is larger than "
            f"--max-components ({args.max_components})"
        )
    params = estimator_params(args)
    data = load_args_data(args, fitting=True)
    check_infinite(data)
    check_rows_for(
        data,
        args.max_components,
        "--max-components",
        smallest=("--min-components", args.min_components),
    )
    ks = list(range(args.min_components, args.max_components + 1))
    selector = GaussianMixtureIC(
        n_components=ks,
        covariance_types=covariance_types,
        criterion=args.criterion,
        search=args.search,
        n_jobs=args.n_jobs,
        progress=not args.quiet,
        **params,
    )
    if not args.quiet:
        print(data.describe())
        sys.stdout.flush()
    start = perf_counter()
    with (
        warnings.catch_warnings(record=True) as caught,
        explain_values(data, "select a model for"),
    ):
        warnings.simplefilter("always")
        try:
            selector.fit(data.X)
        except NoSoundCandidateError as exc:
            # results_ lists the candidates: shown before the error.
            failure = exc
        else:
            failure = None
    elapsed = perf_counter() - start
    report_missing(data, quiet=args.quiet)
    # Per-candidate problems are columns of the table; the selector only
    # warns about the chosen model (for instance if it did not converge).
    report_warnings(
        caught,
        skip=(DegenerateFitWarning,),
        terms=lambda message: in_data_terms(message, data),
    )

    results, criterion = selector.results_, args.criterion
    n_candidates = len(results["rank"])
    top = TOP_ROWS if args.top is None else args.top
    limit = n_candidates if args.all else min(top, n_candidates)
    if not args.quiet:
        structures = list(dict.fromkeys(str(t) for t in results["covariance_type"]))
        shown = "all" if limit == n_candidates else f"the best {limit}"
        print(
            f"Compared {n_candidates} candidates in {elapsed:.1f} s: K = "
            f"{ks[0]}..{ks[-1]}, {len(structures)} covariance "
            f"structure{'s' if len(structures) > 1 else ''} ({', '.join(structures)})"
            + (", under mclust's default conjugate prior." if args.prior else ".")
        )
        print(f"{_criterion_note(criterion)}. Showing {shown}:")
    print(_results_table(results, criterion, limit))
    if failure is not None:
        raise _no_sound_candidate(args, data, results, failure)
    n_degenerate, n_spurious = (sum(flags) for flags in _flags(results))
    notes = []
    if n_degenerate:
        notes.append(
            f"{n_degenerate} degenerate candidate{'s' if n_degenerate > 1 else ''}: "
            "a component collapsed onto too few distinct points"
        )
    if n_spurious:
        notes.append(
            f"{n_spurious} spurious candidate{'s' if n_spurious > 1 else ''}: a "
            "component far narrower than another"
        )
    if notes:
        print(f"({'; '.join(notes)}; never selected)")
    if n_degenerate and not (args.prior or args.quiet):
        print(
            f"{PROG}: hint: --prior (mclust's conjugate prior) keeps components "
            "from collapsing",
            file=sys.stderr,
        )
    print()
    summary = (
        f"Selected model: K={selector.n_components_}, covariance_type="
        f"{structure_name(selector.covariance_type_)}, "
        f"{criterion.upper()} {fixed(selector.criterion_)}"
    )
    if criterion != "bic":
        summary += f" (BIC {fixed(results['bic'][selector.best_index_])})"
    print(summary)
    best = set_feature_names(selector.best_estimator_, data)
    print(components_text(best, data.feature_names))

    if args.save:
        save_model(best, args.save)
        if not args.quiet:
            print(f"\nSaved the selected model to {args.save}")
    if args.plot:
        from ..plotting import plot_criterion

        fig, ax = new_axes()
        with names_checked():
            plot_criterion(selector, criterion=criterion, ax=ax)
        save_figure(fig, args.plot, quiet=args.quiet)
        if not args.quiet:
            print(f"Saved the {criterion.upper()} plot to {args.plot}")
    if not args.quiet:
        plotting = best.n_features_in_ >= 2 and _has_matplotlib()
        plot = " and a plot of the components" if plotting else ""
        searched = float(results["bic"][selector.best_index_])
        refitted = _refit_bic(best, data.X)
        if refitted is not None and math.isclose(refitted, searched, abs_tol=5e-3):
            note = f"refits the chosen settings: its covariances{plot}"
        else:
            # The thorough search reached its fit from a start of its own.
            reached = "fails" if refitted is None else f"reaches BIC {fixed(refitted)}"
            note = (
                f"refits the chosen settings from fit's own start, which {reached}, "
                f"not the searched model's {fixed(searched)}"
            )
        if args.data == "-":
            # Standard input is read once: the command needs the data again.
            note += "; pipe the same data into it"
        if best.n_features_in_ >= 2 and not plotting:
            note += '; pip install matplotlib for --plot (a clone: ".[plot]")'
        print(
            f"\nNext: {next_command(args, best, 'fit.png' if plotting else None)}  "
            f"({note}; --save FILE here keeps the searched model)"
        )
    return 0


def _refit_bic(best, X):
    """BIC of the fit that the ``Next:`` command runs, or None if it fails."""
    from .. import GaussianMixture

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(GaussianMixture(**best.get_params()).fit(X).bic(X))
    except (ValueError, ArithmeticError):
        return None
