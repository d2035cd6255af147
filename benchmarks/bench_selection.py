"""Benchmark model selection: ``GaussianMixtureIC`` against ``GridSearchCV``.

Both search the numbers of components 1..K over scikit-learn's four
covariance types by in-sample BIC on the same seeded data with the same
``n_init``, ``init_params``, ``max_iter``, ``tol``, ``reg_covar`` and
``random_state``, sequentially (``n_jobs=1``):

* ``ours``: ``GaussianMixtureIC(criterion="bic", search="grid", n_jobs=1)``,
  which computes the k-means partition of each K once and shares it between
  the covariance types, each candidate then being exactly the
  ``GaussianMixture`` fit of the same settings;
* ``thorough`` (unless ``--skip-thorough``): ``GaussianMixtureIC`` with its
  default, thorough search (hc and k-means starts, the best partition of
  each K, split and merge proposals, mclust's relative tolerance ``1e-5``)
  and only ``random_state`` and ``n_jobs=1`` set: what a user gets, which
  converges much further than ``tol=1e-3``;
* ``sklearn``: ``GridSearchCV(sklearn.mixture.GaussianMixture(), grid,
  scoring=bic_score, cv=InSampleSplit(), n_jobs=1)`` with its default
  ``refit=True`` (the winner is refitted, as a user of the search gets it);
* ``ours-grid`` (unless ``--skip-ours-grid``): the same ``GridSearchCV`` over
  ``gmm_estimators.GaussianMixture``, which separates the engine's speed from
  the sharing of initialisations.

The script prints each search's wall-clock and CPU time, the ratio of
wall-clock times and the model each search chose with its BIC. The two
libraries' k-means starts differ (ours clusters the rows in a canonical
order), so on real data they may reach different local optima and pick
different models.

Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_selection.py --quick   # seconds
    PYTHONPATH=. python benchmarks/bench_selection.py           # about a minute

The full case is the issue's target: n = 50,000, d = 8, K = 1..10; ours must
take at most a fifth of scikit-learn's time. BLAS and OpenMP (k-means) are
limited to one thread by default (``--threads 0`` keeps the libraries'
settings): on a shared, busy machine the threads of both libraries spin
waiting for each other and the timings become erratic.
"""

import os
import platform
import time
import warnings

import numpy as np
import sklearn
from _common import (
    add_quick,
    add_repeats,
    add_seed,
    case_from_args,
    load_average,
    make_parser,
)
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

import gmm_estimators
from gmm_estimators import GaussianMixture
from gmm_estimators.datasets import make_gaussian_mixture
from gmm_estimators.model_selection import GaussianMixtureIC, InSampleSplit, bic_score

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
FULL = {"n_samples": 50_000, "n_features": 8, "max_components": 10}
QUICK = {"n_samples": 5_000, "n_features": 4, "max_components": 6}


def parse_args(argv=None):
    """Parse the command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    args : argparse.Namespace
    """
    parser = make_parser(__doc__)
    add_quick(parser, help=f"small case {QUICK} instead of the issue's case {FULL}")
    parser.add_argument("--n-samples", type=int, help="override the number of rows")
    parser.add_argument(
        "--n-features", type=int, help="override the number of features"
    )
    parser.add_argument(
        "--max-components", type=int, help="search 1..MAX_COMPONENTS components"
    )
    parser.add_argument(
        "--true-components", type=int, default=4, help="components of the data (4)"
    )
    parser.add_argument("--n-init", type=int, default=1)
    parser.add_argument("--init-params", default="kmeans")
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--tol", type=float, default=1e-3)
    add_seed(parser, help="data and random_state")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS and OpenMP threads during the searches (1); 0 keeps the defaults",
    )
    add_repeats(parser, 3, "runs of each search, interleaved; the fastest counts (3)")
    parser.add_argument(
        "--skip-thorough",
        action="store_true",
        help="do not time the selector's default (thorough) search",
    )
    parser.add_argument(
        "--skip-ours-grid",
        action="store_true",
        help="do not time GridSearchCV over gmm_estimators.GaussianMixture",
    )
    return parser.parse_args(argv)


def make_data(n_samples, n_features, n_components, seed):
    """Seeded data from a random full-covariance mixture."""
    X, _ = make_gaussian_mixture(
        n_samples=n_samples,
        n_components=n_components,
        n_features=n_features,
        covariance_type="full",
        random_state=seed,
    )
    return X


def run_ours(X, ks, settings, search="grid"):
    """Time ``GaussianMixtureIC``; return seconds and the chosen model.

    ``search="thorough"`` keeps the selector's defaults but ``random_state``.
    """
    if search == "thorough":
        settings = {"random_state": settings["random_state"]}
    selector = GaussianMixtureIC(
        n_components=ks,
        covariance_types=COVARIANCE_TYPES,
        criterion="bic",
        search=search,
        n_jobs=1,
        **settings,
    )
    start, cpu = time.perf_counter(), time.process_time()
    selector.fit(X)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    pick = (selector.n_components_, selector.covariance_type_, selector.criterion_)
    n_degenerate = int(selector.results_["degenerate"].sum())
    return seconds, cpu, pick, f"{n_degenerate} degenerate candidate(s) excluded"


def run_grid(estimator_class, X, ks, settings):
    """Time ``GridSearchCV`` with the in-sample BIC scorer."""
    search = GridSearchCV(
        estimator_class(**settings),
        {"n_components": list(ks), "covariance_type": list(COVARIANCE_TYPES)},
        scoring=bic_score,
        cv=InSampleSplit(),
        n_jobs=1,
    )
    start, cpu = time.perf_counter(), time.process_time()
    search.fit(X)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    best = search.best_params_
    pick = (best["n_components"], best["covariance_type"], -search.best_score_)
    return seconds, cpu, pick, f"refit {search.refit_time_:.2f}s included"


def describe_machine(threads):
    """Lines describing the machine and the thread pools."""
    pools = [
        f"{lib['internal_api']} {lib.get('version') or ''}".strip()
        + f" ({lib['num_threads']} threads)"
        for lib in threadpool_info()
    ]
    return [
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, gmm_estimators "
        f"{gmm_estimators.__version__}",
        f"{os.cpu_count()} CPUs, load average {load_average()}; "
        f"thread pools: {', '.join(pools) or 'unknown'}; limited to "
        f"{threads if threads else 'their default number of'} thread(s) "
        "during the searches",
    ]


def main(argv=None):
    """Run the benchmark and print the comparison.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments.

    Returns
    -------
    results : dict
        The fastest run of each search: ``{label: (seconds, cpu_seconds,
        (n_components, covariance_type, bic), note)}``.
    """
    args = parse_args(argv)
    case = case_from_args(args, FULL, QUICK)
    ks = range(1, case["max_components"] + 1)
    settings = {
        "n_init": args.n_init,
        "init_params": args.init_params,
        "max_iter": args.max_iter,
        "tol": args.tol,
        "reg_covar": 1e-6,
        "random_state": args.seed,
    }
    X = make_data(
        case["n_samples"], case["n_features"], args.true_components, args.seed
    )
    print(
        f"Selection over K = 1..{case['max_components']} x {COVARIANCE_TYPES} on "
        f"n = {case['n_samples']}, d = {case['n_features']} (data: "
        f"{args.true_components} full-covariance components), in-sample BIC, "
        f"n_jobs=1, settings {settings}"
    )
    for line in describe_machine(args.threads):
        print("  " + line)

    def searches(data, components):
        runs = [("ours", lambda: run_ours(data, components, settings))]
        if not args.skip_thorough:
            runs.append(
                (
                    "thorough",
                    lambda: run_ours(data, components, settings, "thorough"),
                )
            )
        runs.append(
            (
                "sklearn",
                lambda: run_grid(SklearnGaussianMixture, data, components, settings),
            )
        )
        if not args.skip_ours_grid:
            runs.append(
                (
                    "ours-grid",
                    lambda: run_grid(GaussianMixture, data, components, settings),
                )
            )
        return runs

    runs = searches(X, ks)
    limits = threadpool_limits(limits=args.threads if args.threads else None)
    results = {}
    with limits, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and non-finite-score notes
        # Untimed warm-up of every search on a small slice, so that first-call
        # costs (imports, thread pools) fall on none of the timed runs; the
        # first search would otherwise pay them for all.
        for _, run in searches(X[:2000], range(1, 3)):
            run()
        for repeat in range(args.repeats):
            for label, run in runs:
                outcome = run()
                seconds, cpu, (k, covariance_type, bic), note = outcome
                print(
                    f"  [{repeat + 1}/{args.repeats}] {label:<10} {seconds:8.2f} s "
                    f"(CPU {cpu:7.2f} s)   picks K={k} {covariance_type!r} "
                    f"(BIC {bic:.2f}); {note}",
                    flush=True,
                )
                if label not in results or seconds < results[label][0]:
                    results[label] = outcome

    ours, ours_cpu = results["ours"][:2]
    sklearn_wall, sklearn_cpu = results["sklearn"][:2]
    ratio = sklearn_wall / ours
    # The target is for its case only; smaller cases carry more of
    # the fixed costs both libraries share (validation, k-means set-up).
    verdict = (
        f"target >= 5x: {'met' if ratio >= 5 else 'NOT met'}"
        if case == FULL
        else "the 5x target is for the full case"
    )
    print(
        f"Best of {args.repeats}: ours {ours:.2f} s, sklearn {sklearn_wall:.2f} s; "
        f"sklearn GridSearchCV / GaussianMixtureIC = {ratio:.2f}x wall-clock, "
        f"{sklearn_cpu / ours_cpu:.2f}x CPU ({verdict})"
    )
    if "thorough" in results:
        thorough, thorough_cpu = results["thorough"][:2]
        print(
            f"sklearn GridSearchCV (tol=1e-3) / GaussianMixtureIC default "
            f"(thorough, relative tol=1e-5) = {sklearn_wall / thorough:.2f}x "
            f"wall-clock, {sklearn_cpu / thorough_cpu:.2f}x CPU"
        )
    if "ours-grid" in results:
        grid = results["ours-grid"][0]
        print(
            f"GridSearchCV over our GaussianMixture / GaussianMixtureIC = "
            f"{grid / ours:.2f}x (the gain from sharing starts); sklearn / "
            f"ours-grid = {sklearn_wall / grid:.2f}x (the engine's gain)"
        )
    return results


if __name__ == "__main__":
    main()
