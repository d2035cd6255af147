"""Benchmark ``GaussianMixtureClassifier`` against scikit-learn's Gaussian classifiers.

Accuracy (stratified 5-fold cross-validation, one fixed shuffle) and fit time
on public labelled data available offline:

* scikit-learn's bundled data: iris, wine, breast_cancer, digits;
* the mclust data bundled with the tests (``tests/fixtures/mclust/mclustda``):
  banknote, diabetes, thyroid.

Contenders, each in a pipeline after ``StandardScaler`` (the same folds, the
same scaled data):

* ``EDDA``: ``GaussianMixtureClassifier("EDDA")``, one Gaussian per class, the
  covariance structure shared by the classes chosen among the 14 by BIC;
* ``MclustDA``: ``GaussianMixtureClassifier()`` (mixtures of 1..5 components
  per class, all 14 structures, chosen by BIC per class); with ``--quick``,
  1..3 components and five structures;
* ``UBM``: ``GaussianMixtureClassifier("UBM")``, one background mixture
  chosen by BIC as a class of MclustDA, its weights and means adapted to
  each class (the default); ``UBM/means``: the means alone;
* ``QDA``, ``LDA``, ``GaussianNB``: scikit-learn's, with default settings
  except QDA's ``reg_param=1e-3`` (with the default 0 it refuses
  breast_cancer and digits, whose class covariances are not of full rank);
* ``GMM/class``: the hand-written recipe: a ``sklearn.mixture.GaussianMixture``
  with ``--components`` (2) full-covariance components per class (one when a
  class has too few rows), the class of largest ``log prior + score_samples``.

The script prints one table of mean accuracy (and its standard deviation
over folds) and one of total fit time over the folds, with the ratio to
``QDA``'s time, then the mean accuracy of every contender over the data
sets. Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_classifier.py --quick   # about a minute
    PYTHONPATH=. python benchmarks/bench_classifier.py           # several minutes
"""

import argparse
import platform
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gmm_estimators
from gmm_estimators import GaussianMixtureClassifier

FIXTURES = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "mclust"
    / "mclustda"
)


class PerClassGaussianMixture(ClassifierMixin, BaseEstimator):
    """The hand-written recipe: one scikit-learn GaussianMixture per class."""

    def __init__(self, n_components=2, random_state=0):
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X, y):
        self.classes_, y_index = np.unique(y, return_inverse=True)
        self.log_priors_ = np.log(np.bincount(y_index) / len(y))
        self.mixtures_ = [
            SklearnGaussianMixture(
                min(self.n_components, max(1, int(np.sum(y_index == c)) // 10)),
                random_state=self.random_state,
            ).fit(X[y_index == c])
            for c in range(len(self.classes_))
        ]
        return self

    def predict(self, X):
        joint = np.column_stack([m.score_samples(X) for m in self.mixtures_])
        return self.classes_[np.argmax(joint + self.log_priors_, axis=1)]


def fixture_set(name):
    frame = pd.read_csv(FIXTURES / f"data_{name}.csv")
    X = frame.drop(columns=["class", "train"]).to_numpy(dtype=np.float64)
    return X, frame["class"].to_numpy()


def data_sets():
    sets = {
        "iris": load_iris(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "digits": load_digits(return_X_y=True),
    }
    for name in ("banknote", "diabetes", "thyroid"):
        sets[name] = fixture_set(name)
    return sets


def contenders(args):
    mclustda = (
        dict(n_components=3, covariance_types=["EII", "VII", "VVI", "EEE", "VVV"])
        if args.quick
        else {}
    )
    return {
        "EDDA": GaussianMixtureClassifier("EDDA"),
        "MclustDA": GaussianMixtureClassifier(random_state=0, **mclustda),
        "UBM": GaussianMixtureClassifier("UBM", random_state=0, **mclustda),
        "UBM/means": GaussianMixtureClassifier(
            "UBM", random_state=0, adapt=("means",), **mclustda
        ),
        "QDA": QuadraticDiscriminantAnalysis(reg_param=1e-3),
        "LDA": LinearDiscriminantAnalysis(),
        "GaussianNB": GaussianNB(),
        "GMM/class": PerClassGaussianMixture(args.components),
    }


def evaluate(estimator, X, y, folds):
    """Accuracy of every fold (NaN where the fit failed) and total fit time."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = cross_validate(
                make_pipeline(StandardScaler(), estimator),
                X,
                y,
                cv=folds,
                error_score=np.nan,
            )
        except ValueError:  # every fold failed
            return np.full(folds.get_n_splits(), np.nan), np.nan
    return result["test_score"], float(np.sum(result["fit_time"]))


def markdown(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller MclustDA grid")
    parser.add_argument("--components", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", help="only these data sets")
    args = parser.parse_args(argv)

    print(
        f"gmm_estimators {gmm_estimators.__version__}, scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}, Python "
        f"{platform.python_version()}; BLAS limited to 1 thread; "
        f"{args.folds}-fold stratified CV (seed {args.seed})"
        + (", --quick" if args.quick else "")
    )
    sets = data_sets()
    names = args.set or list(sets)
    models = contenders(args)
    accuracy, fit_time = {}, {}
    with threadpool_limits(1):
        for name in names:
            X, y = sets[name]
            folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
            for label, estimator in models.items():
                scores, seconds = evaluate(estimator, X, y, folds)
                accuracy[name, label] = scores
                fit_time[name, label] = seconds
                print(
                    f"  {name:14s} {label:10s} accuracy {np.mean(scores):.4f} "
                    f"fit {seconds:8.3f} s",
                    flush=True,
                )

    labels = list(models)
    rows = []
    for name in names:
        X, y = sets[name]
        cells = [f"{name} ({X.shape[0]}x{X.shape[1]}, {len(np.unique(y))})"]
        best = max(np.nanmean(accuracy[name, label]) for label in labels)
        for label in labels:
            scores = accuracy[name, label]
            mark = "**" if np.nanmean(scores) == best else ""
            cells.append(
                f"{mark}{np.nanmean(scores):.3f}{mark} ± {np.nanstd(scores):.3f}"
            )
        rows.append(cells)
    means = [
        np.mean([np.nanmean(accuracy[n, label]) for n in names]) for label in labels
    ]
    rows.append(["**mean**"] + [f"{value:.4f}" for value in means])
    print("\nAccuracy (mean ± std over folds; NaN folds failed)\n")
    print(markdown(["data (n x d, classes)"] + labels, rows))

    rows = []
    for name in names:
        reference = fit_time[name, "QDA"]
        cells = [name]
        for label in labels:
            seconds = fit_time[name, label]
            cells.append(f"{seconds:.3f} ({seconds / reference:.1f}x)")
        rows.append(cells)
    print("\nFit time over all folds, seconds (ratio to QDA)\n")
    print(markdown(["data"] + labels, rows))
    order = np.argsort(means)[::-1]
    print(
        "\nRanking by mean accuracy: "
        + ", ".join(f"{labels[i]} {means[i]:.4f}" for i in order)
    )


if __name__ == "__main__":
    main()
