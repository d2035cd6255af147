"""Benchmark imputation by Gaussian mixtures, and EM's cost with missing values.

Part 1, imputation error. On data sets bundled with scikit-learn (no
download): iris, wine, breast_cancer and diabetes, each standardised, entries
are removed completely at random (10% and 30%; a row that would lose every
entry keeps one). Every imputer fills them in and the root mean squared error
over the removed entries is reported, in units of each feature's standard
deviation, for

* ``SimpleImputer`` (feature means),
* ``KNNImputer`` (5 neighbours),
* ``IterativeImputer`` (chained Bayesian ridge regressions, 10 rounds),
* ``GaussianMixtureImputer`` (ours: the mixture chosen by BIC among 1 to 5
  components and the 'full' and 'diag' structures; imputation by the
  conditional mean).

Each case is repeated over ``--repeats`` random masks; the table gives the
mean RMSE per case and, last, the mean over all cases and each imputer's
ratio to the best one.

Part 2, fit time. ``GaussianMixture`` (3 components, 'full') is fitted on
the complete data and on the same data with missing entries, from the same
starting parameters (a complete-data k-means start passed as
``weights_init``, ``means_init`` and ``precisions_init``) and for the same
``--iterations`` EM iterations (``tol=0``); the table gives the time per
iteration and the ratio missing / complete.

Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_imputation.py            # all
    PYTHONPATH=. python benchmarks/bench_imputation.py --quick    # 1 repeat
"""

import argparse
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.preprocessing import StandardScaler

from gmm_estimators import GaussianMixture, GaussianMixtureImputer

DATASETS = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "diabetes": datasets.load_diabetes,
}
RATES = (0.1, 0.3)


def imputers(seed):
    return {
        "mean": SimpleImputer(),
        "knn": KNNImputer(),
        "iterative": IterativeImputer(max_iter=10, random_state=seed),
        "gmm (ours)": GaussianMixtureImputer(
            covariance_type=["full", "diag"], random_state=seed
        ),
    }


def load(name):
    X = DATASETS[name](return_X_y=True)[0].astype(np.float64)
    return StandardScaler().fit_transform(X)


def mcar(X, rate, rng):
    """X with a fraction ``rate`` of entries set to NaN; no row loses all."""
    mask = rng.rand(*X.shape) < rate
    empty = np.flatnonzero(mask.all(axis=1))
    mask[empty, rng.randint(X.shape[1], size=empty.size)] = False
    missing = X.copy()
    missing[mask] = np.nan
    return missing, mask


def markdown(header, rows):
    table = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]

    def line(cells):
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(table[0]), rule, *(line(row) for row in table[1:])])


def imputation_table(repeats, names):
    methods = list(imputers(0))
    rows, all_rmse = [], {m: [] for m in methods}
    for name in names:
        X = load(name)
        for rate in RATES:
            rmse = {m: [] for m in methods}
            seconds = {m: 0.0 for m in methods}
            for seed in range(repeats):
                missing, mask = mcar(X, rate, np.random.RandomState(seed))
                for method, imputer in imputers(seed).items():
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        filled = imputer.fit_transform(missing)
                    seconds[method] += time.perf_counter() - start
                    error = np.sqrt(np.mean((filled[mask] - X[mask]) ** 2))
                    rmse[method].append(error)
            means = {m: float(np.mean(v)) for m, v in rmse.items()}
            for m in methods:
                all_rmse[m].append(means[m])
            best = min(means.values())
            rows.append(
                [f"{name} {X.shape}", f"{rate:.0%}"]
                + [
                    f"{means[m]:.3f}{' *' if means[m] == best else ''}"
                    f" ({seconds[m] / repeats:.2f}s)"
                    for m in methods
                ]
            )
    overall = {m: float(np.mean(v)) for m, v in all_rmse.items()}
    best = min(overall.values())
    rows.append(["mean RMSE", "all"] + [f"{overall[m]:.3f}" for m in methods])
    rows.append(["ratio to best", ""] + [f"{overall[m] / best:.3f}" for m in methods])
    header = ["data set (n, d)", "missing", *methods]
    return markdown(header, rows)


def fit_time_table(iterations, repeats, names):
    rows = []
    for name in names:
        X = load(name)
        start_model = GaussianMixture(3, random_state=0, max_iter=0).fit(X)
        init = {
            "weights_init": start_model.weights_,
            "means_init": start_model.means_,
            "precisions_init": start_model.precisions_,
        }

        def timed(data, init=init):
            best = np.inf
            for _ in range(repeats):
                model = GaussianMixture(3, tol=0.0, max_iter=iterations, **init)
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(data)
                best = min(best, time.perf_counter() - start)
            return best / iterations

        complete = timed(X)
        for rate in RATES:
            missing, _ = mcar(X, rate, np.random.RandomState(0))
            n_patterns = len(np.unique(np.isnan(missing), axis=0))
            with_missing = timed(missing)
            rows.append(
                [
                    f"{name} {X.shape}",
                    f"{rate:.0%}",
                    str(n_patterns),
                    f"{complete * 1e3:.2f}",
                    f"{with_missing * 1e3:.2f}",
                    f"{with_missing / complete:.1f}",
                ]
            )
    header = [
        "data set (n, d)",
        "missing",
        "patterns",
        "complete ms/iter",
        "missing ms/iter",
        "ratio",
    ]
    return markdown(header, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="masks per case")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="one mask per case")
    parser.add_argument(
        "--dataset", action="append", choices=sorted(DATASETS), help="repeatable"
    )
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    names = args.dataset or list(DATASETS)
    print(
        f"Imputation RMSE on standardised data (mean over {repeats} MCAR masks; "
        "* best; seconds per fit_transform in brackets)\n"
    )
    print(imputation_table(repeats, names))
    print(
        f"\nEM time per iteration, GaussianMixture(3, 'full'), {args.iterations} "
        "iterations from the same start (best of 3)\n"
    )
    print(fit_time_table(args.iterations, 3, names))


if __name__ == "__main__":
    main()
