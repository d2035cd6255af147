"""GaussianMixtureClassifier: discriminant-analysis oracles, mclust fixtures, API."""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_estimators import (
    DegenerateFitWarning,
    GaussianMixture,
    GaussianMixtureClassifier,
    adapt_mixture,
)
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.model_selection import GaussianMixtureIC

FIXTURES = Path(__file__).parent / "fixtures" / "mclust" / "mclustda"
SETS = ("iris", "banknote", "diabetes", "thyroid")
# Structures whose M-step is closed form (or whose inner iterations mclust and
# this package both run to the same optimum on these data): BIC to 1e-8.
CLOSED_FORM = ("EII", "VII", "EEI", "EVI", "VVI", "EEE", "EEV", "EVV", "VVV")


def load_set(name):
    frame = pd.read_csv(FIXTURES / f"data_{name}.csv")
    X = frame.drop(columns=["class", "train"]).to_numpy(dtype=np.float64)
    y = frame["class"].to_numpy()
    train = frame["train"].to_numpy(dtype=bool)
    return X[train], y[train], X[~train], y[~train]


def reference(name, fit):
    return json.loads((FIXTURES / f"{name}_{fit}.json").read_text())


def quiet(estimator, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **kwargs)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


# ------------------------------------------------------- EDDA = LDA and QDA
# Wine and breast cancer are standardised: on their raw scales (features from
# 0.01 to 1000) the covariances have condition numbers near 1e8 and the two
# computations (Cholesky here, SVD in scikit-learn) round differently by
# about 1e-7 in the posteriors. (scikit-learn's QDA refuses breast cancer:
# a class covariance is not of full rank to its tolerance.)
@pytest.mark.parametrize("loader", [load_iris, load_wine])
def test_edda_vvv_is_qda(loader):
    X, y = loader(return_X_y=True)
    if loader is not load_iris:
        X = StandardScaler().fit_transform(X)
    ours = GaussianMixtureClassifier("EDDA", covariance_types="VVV", reg_covar=0)
    ours.fit(X, y)
    qda = QuadraticDiscriminantAnalysis().fit(X, y)
    assert_allclose(ours.predict_proba(X), qda.predict_proba(X), rtol=0, atol=1e-8)
    assert_array_equal(ours.predict(X), qda.predict(X))
    # QDA's decision function omits -d/2 log(2 pi): equal up to that constant.
    shift = ours.decision_function(X) - qda.decision_function(X)
    assert_allclose(shift, -X.shape[1] / 2 * math.log(2 * math.pi), atol=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
def test_edda_class_mixtures_report_their_rows_mean_log_likelihood(weighted):
    # Each class's one-component mixture reports what GaussianMixture would
    # of its rows (with VVV, the class's own Gaussian): lower_bound_ was
    # -inf, as if nothing had been fitted.
    X, y = load_iris(return_X_y=True)
    w = np.random.RandomState(0).randint(0, 4, size=len(y)).astype(float)
    w = w if weighted else None
    clf = GaussianMixtureClassifier("EDDA", covariance_types="VVV", reg_covar=0)
    clf.fit(X, y, sample_weight=w)
    for c, mixture in enumerate(clf.mixtures_):
        rows = y == c
        weights = None if w is None else w[rows]
        alone = GaussianMixture(1, covariance_type="VVV", reg_covar=0, tol=1e-10)
        alone.fit(X[rows], sample_weight=weights)
        assert_allclose(mixture.lower_bound_, alone.lower_bound_, rtol=1e-10)
        assert_allclose(
            mixture.lower_bound_, mixture.score(X[rows], sample_weight=weights)
        )
        assert mixture.lower_bounds_ == [mixture.lower_bound_]


@pytest.mark.parametrize("loader", [load_iris, load_wine, load_breast_cancer])
def test_edda_eee_is_lda(loader):
    X, y = loader(return_X_y=True)
    if loader is not load_iris:
        X = StandardScaler().fit_transform(X)
    ours = GaussianMixtureClassifier("EDDA", covariance_types="tied", reg_covar=0)
    ours.fit(X, y)
    lda = LinearDiscriminantAnalysis(solver="lsqr").fit(X, y)
    assert_allclose(ours.predict_proba(X), lda.predict_proba(X), rtol=0, atol=1e-8)
    assert_allclose(
        ours.predict_log_proba(X), lda.predict_log_proba(X), rtol=1e-8, atol=1e-8
    )


@pytest.mark.parametrize("scale", [1e-20, 1e-3, 1e3, 1e20])
def test_edda_does_not_depend_on_the_units(scale):
    # reg_covar is in units of the data's thinnest spread, as for MclustDA
    # and UBM: an absolute 1e-6 swamped class covariances of 1e-40 and every
    # row was predicted at chance.
    X, y = load_iris(return_X_y=True)
    reference = GaussianMixtureClassifier("EDDA").fit(X, y)
    scaled = GaussianMixtureClassifier("EDDA").fit(X * scale, y)
    assert scaled.covariance_type_ == reference.covariance_type_
    assert_allclose(
        scaled.predict_proba(X * scale), reference.predict_proba(X), atol=1e-9
    )
    assert_array_equal(scaled.predict(X * scale), reference.predict(X))
    # The criteria shift by the log-Jacobian of the change of units only.
    shift = 2 * X.size * math.log(scale)
    assert_allclose(scaled.results_["bic"], reference.results_["bic"] + shift)


# ----------------------------------------------------------- mclust fixtures
@pytest.mark.parametrize("name", SETS)
def test_edda_matches_mclust(name):
    X, y, X_test, y_test = load_set(name)
    ref = reference(name, "EDDA")
    ours = GaussianMixtureClassifier("EDDA", reg_covar=0).fit(X, y)
    bic = dict(zip(ours.results_["covariance_type"], ours.results_["bic"], strict=True))
    # mclust's BIC of every structure, sign flipped (lower is better here).
    for model, value in ref["edda_bic"].items():
        if model in CLOSED_FORM:
            assert bic[model] == pytest.approx(-value, rel=1e-8), model
        else:  # inner iterations: never worse than mclust's beyond 0.1%
            assert bic[model] <= -value + 1e-3 * abs(value), model
    chosen = {m["modelName"] for m in ref["models"].values()}
    assert chosen == {ours.covariance_type_}
    # mclust 6.0 counts no class proportions in df (6.1 does, as we do).
    assert ours.n_parameters_ == round(ref["df"]) + len(ours.classes_) - 1
    if ours.covariance_type_ in CLOSED_FORM:
        assert ours.log_likelihood_ == pytest.approx(ref["loglik"], rel=1e-8)
        proba = ours.predict_proba(X_test)
        assert_allclose(proba, np.array(ref["test_z"]), atol=1e-6)
    error = np.mean(ours.predict(X_test) != y_test)
    assert error <= ref["test_error"] + 1e-12


@pytest.mark.parametrize("name", ["iris", "banknote", "thyroid"])
def test_mclustda_test_error_no_worse_than_mclust(name):
    X, y, X_test, y_test = load_set(name)
    ref = reference(name, "MclustDA_small")
    ours = GaussianMixtureClassifier(
        n_components=3,
        covariance_types=["EII", "VII", "VVI", "EEE", "VVV"],
        random_state=0,
    )
    quiet(ours, X, y)
    error = np.mean(ours.predict(X_test) != y_test)
    assert error <= ref["test_error"] + 1e-12
    # The chosen model of each class is the rank-1 row of its selection.
    for label, mixture in zip(ours.classes_, ours.mixtures_, strict=True):
        rows = ours.results_["class"] == label
        best = np.flatnonzero(rows & (ours.results_["rank"] == 1))
        assert best.size == 1
        assert ours.results_["n_components"][best[0]] == mixture.n_components
        assert ours.results_["covariance_type"][best[0]] == mixture.covariance_type
        assert ours.results_["bic"][best[0]] == pytest.approx(
            mixture.bic(X[y == label])
        )


# ------------------------------------------------------------------ MclustDA
def test_mclustda_is_per_class_selection(iris):
    X, y = iris
    settings = dict(n_components=[1, 2], covariance_types=["VVI"])
    clf = quiet(GaussianMixtureClassifier(random_state=0, **settings), X, y)
    for c, mixture in enumerate(clf.mixtures_):
        selector = GaussianMixtureIC(random_state=0, **settings)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            selector.fit(X[y == c])
        assert mixture.n_components == selector.n_components_
        assert mixture.covariance_type == selector.covariance_type_
        assert_allclose(mixture.means_, selector.best_estimator_.means_)
    # Bayes' rule with the estimated priors, and mclust's BIC of the whole.
    log_density = np.column_stack([m.score_samples(X) for m in clf.mixtures_])
    joint = log_density + np.log(clf.priors_)
    # Near-certain rows' log posteriors (-1e-15) are rounding either way.
    expected = joint - logsumexp(joint, axis=1)[:, None]
    assert_allclose(clf.predict_log_proba(X), expected, rtol=1e-12, atol=1e-14)
    assert_allclose(clf.decision_function(X), joint)
    assert_allclose(clf.priors_, np.bincount(y) / y.size)
    n_parameters = sum(m.n_parameters_ for m in clf.mixtures_) + 2
    assert clf.n_parameters_ == n_parameters
    log_likelihood = logsumexp(joint, axis=1).sum()
    assert clf.log_likelihood_ == pytest.approx(log_likelihood)
    assert clf.bic_ == pytest.approx(
        -2 * log_likelihood + n_parameters * math.log(X.shape[0])
    )


def test_overfull_candidates_are_skipped():
    # 12 rows of 3 features: VVV with 2 components has 19 parameters.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(12, 3), rng.randn(12, 3) + 3]
    y = np.repeat([0, 1], 12)
    clf = quiet(
        GaussianMixtureClassifier(n_components=2, covariance_types=["VVV", "EII"]),
        X,
        y,
    )
    free = clf.results_["n_parameters"] + 2 * clf.results_["n_components"] - 1
    assert np.all(free < 12)
    tried = zip(
        clf.results_["n_components"], clf.results_["covariance_type"], strict=True
    )
    assert set(tried) == {(1, "VVV"), (1, "EII"), (2, "EII")}


def test_given_priors_shift_the_posteriors(iris):
    X, y = iris
    settings = dict(model_type="EDDA", covariance_types="VVV")
    plain = GaussianMixtureClassifier(**settings).fit(X, y)
    priors = np.array([0.2, 0.5, 0.3])
    weighted = GaussianMixtureClassifier(priors=priors * 10, **settings).fit(X, y)
    assert_allclose(weighted.priors_, priors)
    joint = plain.class_log_likelihood(X) + np.log(priors)
    assert_allclose(
        weighted.predict_proba(X), np.exp(joint - logsumexp(joint, axis=1)[:, None])
    )
    # Priors do not change the fitted densities.
    assert_allclose(weighted.class_log_likelihood(X), plain.class_log_likelihood(X))
    # Numbers in a list, a tuple or an integer array; not a dict by class nor
    # strings (numpy's own TypeError, or parsed silently).
    for given in ([2, 5, 3], (0.2, 0.5, 0.3), np.array([2, 5, 3])):
        fitted = GaussianMixtureClassifier(priors=given, **settings).fit(X, y)
        assert_allclose(fitted.priors_, priors)
    for given in ({0: 0.2, 1: 0.5, 2: 0.3}, ["0.2", "0.5", "0.3"]):
        with pytest.raises(ValueError, match="priors should be numbers, one per"):
            GaussianMixtureClassifier(priors=given, **settings).fit(X, y)


@pytest.mark.parametrize(
    "settings",
    [
        dict(model_type="EDDA"),
        dict(n_components=[1], covariance_types=["VVV", "EII"]),
    ],
)
def test_integer_sample_weight_is_repetition(iris, settings):
    X, y = iris
    weights = np.random.RandomState(0).randint(0, 4, size=y.size)
    weighted = GaussianMixtureClassifier(**settings).fit(X, y, sample_weight=weights)
    repeated = GaussianMixtureClassifier(**settings).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-9)
    assert weighted.bic_ == pytest.approx(repeated.bic_, rel=1e-10)


def test_string_labels_and_pandas(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = GaussianMixtureClassifier("EDDA", covariance_types="VVV").fit(frame, names)
    assert_array_equal(clf.classes_, names[[0, 50, 100]])
    assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])
    assert set(clf.predict(frame)) <= set(names)
    assert clf.score(frame, names) > 0.95


# ------------------------------------------------------------------ GMM-UBM
def test_ubm_trains_classes_by_adaptation(iris):
    X, y = iris
    clf = GaussianMixtureClassifier(
        "UBM",
        n_components=[3],
        covariance_types="VVI",
        adapt=("weights", "means"),
        relevance_factor=4.0,
        random_state=0,
    )
    quiet(clf, X, y)
    assert clf.background_.n_components == 3
    for c, mixture in enumerate(clf.mixtures_):
        expected = adapt_mixture(
            clf.background_,
            X[y == c],
            relevance_factor=4.0,
            adapt=["weights", "means"],
        )
        assert_allclose(mixture.means_, expected.means_)
        assert_allclose(mixture.weights_, expected.weights_)
        assert_allclose(mixture.covariances_, clf.background_.covariances_)
    llr = clf.class_log_likelihood(X) - clf.background_.score_samples(X)[:, None]
    assert_allclose(clf.decision_function(X), llr + np.log(clf.priors_))
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(llr, axis=1)])
    assert clf.score(X, y) > 0.9


# -------------------------------------------------------- scikit-learn tools
def test_pipeline_grid_search_and_cross_validation(iris):
    X, y = iris
    pipe = make_pipeline(
        StandardScaler(), GaussianMixtureClassifier("EDDA", covariance_types="VVV")
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9
    search = GridSearchCV(
        GaussianMixtureClassifier("EDDA"),
        {"covariance_types": ["EEE", "VVV", "EII"]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["covariance_types"] in {"EEE", "VVV"}
    assert search.best_score_ > 0.95


# --------------------------------------------------------------- bad input
def test_single_class_is_refused(iris):
    X, _ = iris
    with pytest.raises(ValueError, match="at least 2 classes; got 1 class"):
        GaussianMixtureClassifier("EDDA").fit(X, np.zeros(len(X)))


def test_nan_labels_are_refused(iris):
    X, y = iris
    labels = y.astype(float)
    labels[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        GaussianMixtureClassifier("EDDA").fit(X, labels)
    labels = y.astype(object)
    labels[3] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        GaussianMixtureClassifier("EDDA").fit(X, labels)


def test_class_with_fewer_rows_than_components(iris):
    X, y = iris
    keep = np.r_[0:50, 100:150, 60:63]
    match = r"Class 1 has 3 distinct row\(s\).*fewer than"
    with pytest.raises(ValueError, match=match):
        GaussianMixtureClassifier(n_components=[4], covariance_types="EII").fit(
            X[keep], y[keep]
        )


def test_class_with_one_row(iris):
    X, y = iris
    keep = np.r_[0:50, 100:150, 60]
    match = r"Class 1 has 1 distinct row.*at least 2 rows"
    with pytest.raises(ValueError, match=match):
        GaussianMixtureClassifier(n_components=1).fit(X[keep], y[keep])
    # EDDA: a class covariance from one row is singular, so only structures
    # that share the covariance (here 'EEE') are sound; 'VVV' is degenerate.
    edda = GaussianMixtureClassifier("EDDA", covariance_types=["VVV", "EEE"])
    edda.fit(X[keep], y[keep])
    assert edda.covariance_type_ == "EEE"
    assert_array_equal(edda.results_["degenerate"], [True, False])
    with pytest.raises(ValueError, match="singular class covariance"):
        GaussianMixtureClassifier("EDDA", covariance_types="VVV").fit(X[keep], y[keep])


def test_edda_singular_error_gives_remedies_that_work():
    # Each class on two distinct points: no reg_covar rescues 'VVV' (the
    # verdict is judged without it), and the error says so; the spherical
    # structure it names fits.
    X = np.array([[1, 3]] * 4 + [[2, 1]] * 4 + [[3, 3]] * 4 + [[4, 1]] * 4, float)
    y = np.array([1] * 4 + [2] * 4 + [1] * 4 + [2] * 4)
    for reg_covar in (1e-6, 100.0):
        edda = GaussianMixtureClassifier(
            "EDDA", covariance_types=["VVV"], reg_covar=reg_covar
        )
        with pytest.raises(ValueError, match="larger reg_covar does not change"):
            edda.fit(X, y)
    edda = GaussianMixtureClassifier("EDDA", covariance_types=["EII"]).fit(X, y)
    assert edda.score(X, y) == 1.0


@pytest.mark.parametrize("apart", [1e2, 1e5, 1e8])
def test_edda_classes_far_apart_are_sound(apart):
    # Judged from where each class's rows are, not against the whole data's
    # covariance (which called classes 1e5 sd apart singular and refused
    # every structure): sound at any distance, and the same structure and
    # the same fit up to the shift whatever the distance.
    rng = np.random.default_rng(0)
    base = rng.normal(size=(120, 2)) @ np.array([[1.0, 0.3], [0.0, 0.5]])
    y = np.repeat([0, 1], 60)
    shift = np.where(y[:, None] == 1, [apart, 0.0], 0.0)
    edda = GaussianMixtureClassifier("EDDA").fit(base + shift, y)
    assert not edda.results_["degenerate"].any()
    assert edda.score(base + shift, y) == 1.0
    near = GaussianMixtureClassifier("EDDA").fit(base + 0.01 * shift, y)
    assert edda.covariance_type_ == near.covariance_type_
    for far_mixture, near_mixture in zip(edda.mixtures_, near.mixtures_, strict=True):
        np.testing.assert_allclose(
            far_mixture.covariances_, near_mixture.covariances_, rtol=1e-6
        )


@pytest.mark.parametrize("weight", [1e-6, 1e-9, 1e-12])
def test_edda_class_of_tiny_weight_is_judged_by_its_rows(weight):
    # A class whose rows weigh 1e-9 of the total is still well spread: the
    # test for an EM component holding (almost) no weight does not apply to
    # a given class (every structure was refused below 1e-8).
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(100, 2)), rng.normal(size=(50, 2)) + 3])
    y = np.repeat([0, 1], [100, 50])
    edda = GaussianMixtureClassifier("EDDA").fit(
        X, y, sample_weight=np.where(y == 1, weight, 1.0)
    )
    assert not edda.results_["degenerate"].any()


def test_edda_class_on_d_distinct_rows_is_degenerate():
    # A class on two distinct rows in two dimensions has no full covariance
    # of its own: VVV is degenerate at any scale; a shared covariance, or an
    # own volume (two distinct points spread), is sound.
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(40, 2)), [[5.0, 5.0], [6.0, 4.0]] * 5])
    y = np.repeat([0, 1], [40, 10])
    for scale in (1e-3, 1.0, 1e3):
        edda = GaussianMixtureClassifier("EDDA").fit(scale * X, y)
        flagged = dict(
            zip(
                edda.results_["covariance_type"],
                edda.results_["degenerate"],
                strict=True,
            )
        )
        assert flagged["VVV"]
        assert not (flagged["EEE"] or flagged["EII"] or flagged["VII"])
        assert not flagged[edda.covariance_type_]


def test_small_class_needs_an_axis_aligned_structure(iris):
    X, y = iris
    keep = np.r_[0:50, 100:150, 60:63]
    with pytest.raises(ValueError, match="only axis-aligned"):
        GaussianMixtureClassifier(n_components=[1], covariance_types="VVV").fit(
            X[keep], y[keep]
        )
    # With an axis-aligned structure offered, the small class uses it.
    clf = GaussianMixtureClassifier(n_components=[1], covariance_types=["VVV", "VVI"])
    clf.fit(X[keep], y[keep])
    assert clf.mixtures_[1].covariance_type == "VVI"


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(priors=[0.5, 0.5]), "one entry per class"),
        (dict(priors=[0.5, -0.1, 0.6]), "non-negative"),
        (dict(covariance_types="XYZ"), "Unknown covariance_type"),
        (dict(n_components=[0, 2]), "positive ints"),
        (dict(model_type="UBM", adapt="shapes"), "adapt must name"),
        # Up front: joblib said so mid-fit, wrapped in advice on degenerate
        # data ("No mixture could be fitted to class ...").
        (dict(model_type="MclustDA", n_jobs=0), "'n_jobs' parameter"),
    ],
)
def test_bad_parameters(iris, params, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        GaussianMixtureClassifier(**{"model_type": "EDDA", **params}).fit(X, y)


# ------------------------------------------------------------ check_estimator
@parametrize_with_checks(
    [
        GaussianMixtureClassifier("EDDA", covariance_types=["VVV", "EEE", "EII"]),
        GaussianMixtureClassifier(
            n_components=[1], covariance_types=["VVI"], max_iter=20
        ),
        GaussianMixtureClassifier(
            "UBM",
            n_components=[1],
            covariance_types=["VVI"],
            adapt=("weights", "means"),
            max_iter=20,
        ),
    ],
    expected_failed_checks=lambda estimator: (
        {
            "check_sample_weight_equivalence_on_dense_data": (
                "its 15 rows in 3 classes leave one class a single row of "
                "positive weight, whose covariance MclustDA refuses to estimate"
            )
        }
        if estimator.model_type == "MclustDA"
        else {}
    ),
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_docstring_examples():
    import doctest

    from gmm_estimators import _adaptation, _classifier

    for module in (_classifier, _adaptation):
        failures, attempted = doctest.testmod(
            module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
        )
        assert attempted > 0 and failures == 0, module.__name__


@pytest.mark.parametrize(
    "model_type, types",
    [("MclustDA", ["VVV", "EII"]), ("EDDA", ["VVV"]), ("UBM", ["VVI"])],
)
def test_rows_beyond_every_class_density_go_to_the_least_precise_class(
    model_type, types
):
    # Every class's density is -inf beyond the float range: NaN at first,
    # then the priors (0.5 / 0.5 at 1e200 whichever way). The exact
    # log-odds are -(x' L_a x - x' L_b x) / 2 to leading order: the class
    # whose nearest component has the least precision along x holds the row
    # with probability one, as it does at 1e60, where the densities are
    # finite. (Classes of one covariance are ordered by their linear forms:
    # test_edda_of_one_covariance_orders_far_rows_by_their_linear_form.)
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(100, 2) * [1.0, 3.0], rng.randn(100, 2) * [3.0, 1.0]])
    y = np.repeat([0, 1], 100)
    kwargs = (
        {"adapt": ("weights", "means", "covariances")} if model_type == "UBM" else {}
    )
    clf = GaussianMixtureClassifier(
        model_type=model_type,
        n_components=[1] if model_type == "EDDA" else [2],
        covariance_types=types,
        random_state=0,
        **kwargs,
    ).fit(X, y)
    angles = np.linspace(0.0, np.pi, 13)[:-1] + 0.1
    directions = np.column_stack([np.cos(angles), np.sin(angles)])
    # The oracle: each class's least x' L x over its components (weights > 0).
    least = []
    for mixture in clf.mixtures_:
        precisions = np.linalg.inv(
            get_covariance_model(mixture.covariance_type).to_full(
                mixture.covariances_, mixture.n_components, 2
            )
        )
        quadratic = np.einsum("ni,kij,nj->nk", directions, precisions, directions)
        least.append(quadratic[:, mixture.weights_ > 0].min(axis=1))
    expected = np.argmin(np.column_stack(least), axis=1)
    assert 0 < expected.sum() < expected.size  # both classes hold some
    for scale in (1e60, 1e200, 1e300):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            proba = clf.predict_proba(directions * scale)
        assert_array_equal(proba, np.eye(2)[expected], err_msg=str(scale))
        assert_array_equal(clf.predict(directions * scale), expected)
        assert not np.isnan(clf.decision_function(directions * scale)).any()


def _classes_around(centres, n_rows, spread):
    """``n_rows`` Gaussian rows of per-feature ``spread`` about each centre."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(n_rows, 2) * spread + c for c in np.asarray(centres)])
    return X, np.repeat(np.arange(len(centres)), n_rows)


@pytest.mark.parametrize("adapt", [("means",), ("weights", "means")])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_ubm_ratios_of_far_rows_are_their_linear_forms(adapt, n_classes):
    # A class adapted in its means (and weights) shares the background's
    # covariances: log p_c(x) - log p_0(x) grows linearly far from the data.
    # Taken as the difference of two log-densities it lost its digits (44 %
    # off at 1e15, exactly 0 from 1e16: probabilities 0.5/0.5, class 0).
    from scipy.special import logsumexp

    from gmm_estimators._adapted_ratios import far_log_ratios

    centres = [[0.0, 0.0], [3.0, 3.0], [0.0, 4.0]][:n_classes]
    X, y = _classes_around(centres, 60, [1.0, 2.0])
    clf = GaussianMixtureClassifier(
        "UBM", n_components=[2], covariance_types=["VVV"], adapt=adapt
    )
    quiet(clf, X, y)
    background = clf.background_
    # The oracle: each component's ratio in closed form, exact near the data.
    precisions = np.linalg.inv(background.covariances_)

    def exact(rows):
        log_resp = np.log(background.predict_proba(rows))
        out = []
        for m in clf.mixtures_:
            slope = np.einsum("kij,kj->ki", precisions, m.means_ - background.means_)
            mid = (m.means_ + background.means_) / 2
            linear = rows @ slope.T - np.einsum("kd,kd->k", mid, slope)
            terms = log_resp + linear + np.log(m.weights_ / background.weights_)
            out.append(logsumexp(terms, axis=1))
        return np.column_stack(out)

    # Near the data it is the two log-densities' difference.
    near = X[:20]
    plain = clf.class_log_likelihood(near) - background.score_samples(near)[:, None]
    forced = far_log_ratios(near, np.full(plain.shape, 1e10), clf.mixtures_, background)
    assert_allclose(forced[1], plain, rtol=1e-9, atol=1e-9)
    assert_allclose(forced[1], exact(near), rtol=1e-9, atol=1e-9)
    # Far along a direction: linear in the distance, to rounding.
    direction = np.array([[0.6, -0.8], [-1.0, 0.3]])
    slopes = []
    for t in (1e12, 1e15, 1e16, 1e20, 1e100):
        scores = clf.decision_function(t * direction)
        slopes.append(scores / t)
        proba = clf.predict_proba(t * direction)
        assert np.isfinite(scores).all() and np.isfinite(proba).all()
        assert_array_equal(clf.predict(t * direction), clf.classes_[proba.argmax(1)])
    for later in slopes[1:]:
        assert_allclose(later, slopes[0], rtol=1e-6)

    # The slope is the oracle's at moderate distances, where it is exact.
    def oracle(t):
        scores = exact(t * direction) + np.log(clf.priors_)
        return scores[:, 1] - scores[:, 0] if n_classes == 2 else scores

    assert_allclose(clf.decision_function(1e6 * direction), oracle(1e6), rtol=1e-9)
    assert_allclose(slopes[0], (oracle(2e6) - oracle(1e6)) / 1e6, rtol=1e-6)


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA", "UBM"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_far_rows_get_probabilities_summing_to_one(model_type, n_classes):
    # Joint log-likelihoods of -5.7e15 and beyond: joint - logsumexp(joint)
    # lost log(2) and gave rows [1, 1] (EDDA at 1e150, UBM at 1e8: [0.37,
    # 0.37]); UBM's decision_function subtracted two -inf (NaN).
    centres = [[0.0, 0.0], [10.0, 10.0], [0.0, 10.0]][:n_classes]
    X, y = _classes_around(centres, 100, [1.0, 3.0])
    kwargs = {} if model_type == "EDDA" else {"n_components": 2, "random_state": 0}
    clf = GaussianMixtureClassifier(model_type, **kwargs).fit(X, y)
    far = np.array([[1e8, 1e8], [-1e10, -1e10], [1e150, 1e150], [-1e200, -1e200]])
    proba = clf.predict_proba(far)
    assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert not np.isnan(clf.decision_function(far)).any()
    assert_array_equal(clf.predict(far), clf.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("structure", ["EII", "EEI", "EEE"])
def test_edda_of_one_covariance_orders_far_rows_by_their_linear_form(structure):
    # Classes of one covariance (linear discriminant analysis) differ by a
    # linear form of x. At 1e17 standard deviations the quadratic terms
    # (1e34) rounded it away: 0.5/0.5 and class 0 on either side; beyond
    # the float range the priors decided. The exact log-odds are linear.
    from gmm_estimators.covariance import get_covariance_model

    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(30, 2), rng.randn(70, 2) * [1.0, 2.0] + [4.0, 1.0]])
    y = np.repeat([0, 1], [30, 70])
    clf = GaussianMixtureClassifier("EDDA", covariance_types=[structure]).fit(X, y)
    model = get_covariance_model(structure)
    means = np.vstack([m.means_ for m in clf.mixtures_])
    covariance = model.to_full(clf.mixtures_[0].covariances_, 1, 2)[0]
    weights = np.linalg.solve(covariance, means[1] - means[0])
    intercept = np.log(clf.priors_[1] / clf.priors_[0]) - weights @ means.mean(axis=0)
    far = np.array([[1e17, 1e17], [-1e17, -1e17], [1e17, -3e17], [1e300, 1e300]])
    side = (far / 1e17) @ weights > 0
    assert_array_equal(clf.predict(far), side.astype(int))
    assert_array_equal(clf.predict_proba(far), np.column_stack([~side, side]))
    assert_allclose(clf.decision_function(far[:3]), far[:3] @ weights, rtol=1e-12)
    assert np.isfinite(clf.decision_function(far)).all()
    # Near the data the log-odds are the joint log-likelihoods' difference.
    joint = np.column_stack([m.score_samples(X) for m in clf.mixtures_])
    joint += np.log(clf.priors_)
    assert_allclose(clf.decision_function(X), joint[:, 1] - joint[:, 0], atol=1e-12)
    assert_allclose(clf.decision_function(X), X @ weights + intercept, atol=1e-12)
    # Three classes: the one nearest along each far row's direction.
    X3 = np.vstack([X, rng.randn(50, 2) + [0.0, 6.0]])
    y3 = np.concatenate([y, np.full(50, 2)])
    clf = GaussianMixtureClassifier("EDDA", covariance_types=[structure]).fit(X3, y3)
    means = np.vstack([m.means_ for m in clf.mixtures_])
    covariance = model.to_full(clf.mixtures_[0].covariances_, 1, 2)[0]
    directions = far / np.abs(far).max(axis=1, keepdims=True)
    nearest = np.argmax(directions @ np.linalg.solve(covariance, means.T), axis=1)
    assert_array_equal(clf.predict(far), nearest)
    assert_array_equal(clf.predict_proba(far).argmax(axis=1), nearest)
    assert_allclose(clf.predict_proba(far).max(axis=1), 1.0)
    # A class of prior zero takes no row, and the others are still ordered
    # (beyond the float range its -inf had counted as a tie: the priors).
    kept = GaussianMixtureClassifier(
        "EDDA", covariance_types=[structure], priors=[0.5, 0.0, 0.5]
    ).fit(X3, y3)
    allowed = np.delete(np.linalg.solve(covariance, means.T), 1, axis=1)
    expected = np.array([0, 2])[np.argmax(directions @ allowed, axis=1)]
    assert_array_equal(kept.predict(far), expected)
    assert_allclose(kept.predict_proba(far).max(axis=1), 1.0)


def test_ubm_default_adapts_weights_so_classes_on_own_components_differ():
    """A background of few components (as BIC picks) has a component per
    class already; adapting the means alone moves none of them, and every
    class model is the background (accuracy of the majority class)."""
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = GaussianMixtureClassifier("UBM", random_state=0)
    assert clf.adapt == ("weights", "means")
    quiet(clf, X, y)
    background = clf.background_
    assert background.n_components < 8
    for mixture in clf.mixtures_:
        assert not np.allclose(mixture.weights_, background.weights_)
        assert_allclose(mixture.covariances_, background.covariances_)
    assert clf.score(X, y) > 0.9
    means_only = clone(clf).set_params(adapt=("means",))
    quiet(means_only, X, y)
    assert means_only.score(X, y) < clf.score(X, y) - 0.2


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA", "UBM"])
def test_class_mixtures_carry_the_feature_names(model_type):
    import warnings

    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame(
        np.r_[rng.randn(60, 2), rng.randn(60, 2) + 4], columns=["height", "weight"]
    )
    y = np.repeat([0, 1], 60)
    clf = GaussianMixtureClassifier(
        model_type, n_components=[1, 2], covariance_types=["VVV", "EII"]
    ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf.predict_proba(X)
        for mixture in clf.mixtures_:
            assert list(mixture.feature_names_in_) == ["height", "weight"]
            mixture.score_samples(X)  # a DataFrame of the same columns
    with pytest.warns(UserWarning, match="GaussianMixtureClassifier was fitted with"):
        clf.predict(X.to_numpy())


def test_mclustda_keeps_no_class_density_singular_in_the_data():
    # Class b rests on two points of a line. Judged on its own rows (whose
    # span is that line) EVE and VEE looked sound, EVE was chosen with a
    # covariance of eigenvalues [2.5e-16, 0.5], and a point 0.035 off the
    # segment went to class a with probability 1.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(40, 2), np.tile([[3.0, 3.0], [4.0, 4.0]], (10, 1))]
    y = np.repeat(["a", "b"], [40, 20])
    clf = GaussianMixtureClassifier(n_components=1).fit(X, y)
    for mixture in clf.mixtures_:
        full = mixture.full_covariances_ - mixture.reg_covar * np.eye(2)
        assert np.linalg.eigvalsh(full).min() > 1e-3
    assert clf.predict_proba([[3.5, 3.45]])[0, 1] > 0.99
    # Only structures that class b cannot estimate: its 20 rows are 2
    # distinct points in 2-D (as a row of weight 10 each would be), so only
    # the axis-aligned ones are offered to it, and none is asked for.
    only_full = GaussianMixtureClassifier(
        n_components=1, covariance_types=["VVV", "EEE", "EVE", "VEE"]
    )
    with pytest.raises(ValueError, match="Class 'b' has 2 distinct row.*axis-align"):
        only_full.fit(X, y)
    # A class that spans its features but not the data's span: kept, flagged
    # and warned of.
    X[40:50] = [[3.0, 3.0], [4.0, 4.0], [5.0, 5.0], [6.0, 6.0], [7.0, 7.0]] * 2
    with pytest.warns(DegenerateFitWarning, match="singular in the span of the data"):
        only_full.fit(X, y)
    assert only_full.mixtures_[0].collapsed_components_.size == 0
    assert only_full.mixtures_[1].collapsed_components_.tolist() == [0]


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA"])
def test_a_far_row_with_a_zero_prior_class_gets_the_priors(model_type):
    # Every density of a positive prior overflowed while a zero-prior class
    # kept a finite one: every joint value was -inf, and -inf - -inf NaN.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(50, 2) * 1e-6, rng.randn(50, 2)]
    y = np.repeat([0, 1], 50)
    clf = GaussianMixtureClassifier(
        model_type, covariance_types="VVV", priors=[1, 0]
    ).fit(X, y)
    proba = clf.predict_proba([[1e153, 0.0], [1e150, 1e150]])
    np.testing.assert_array_equal(proba, [[1.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA", "UBM"])
def test_a_boolean_n_components_is_a_clear_error(model_type):
    # A bool passed parameter validation (an Integral) and then failed with
    # "TypeError: 'bool' object is not iterable".
    X = np.random.RandomState(0).randn(40, 2)
    with pytest.raises(ValueError, match="n_components must be a positive int"):
        GaussianMixtureClassifier(model_type, n_components=True).fit(
            X, np.repeat([0, 1], 20)
        )


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA", "UBM"])
def test_covariance_types_as_a_numpy_array(iris, model_type):
    # An array of names (array-like, as the constraint allows) failed with
    # numpy's "truth value of an array ... is ambiguous".
    X, y = iris
    settings = dict(n_components=[1], random_state=0)
    from_array = GaussianMixtureClassifier(
        model_type, covariance_types=np.array(["VVI", "EEE"]), **settings
    ).fit(X, y)
    from_list = GaussianMixtureClassifier(
        model_type, covariance_types=["VVI", "EEE"], **settings
    ).fit(X, y)
    assert_allclose(from_array.predict_proba(X), from_list.predict_proba(X))
    assert {m.covariance_type for m in from_array.mixtures_} <= {"VVI", "EEE"}


def test_ubm_background_with_fewer_rows_than_components():
    # The background's rows were fewer than every number of components, yet
    # the error blamed "as many free parameters as its 4 rows".
    X = np.random.RandomState(0).randn(4, 2)
    match = r"background has {} distinct row\(s\).*fewer than"
    with pytest.raises(ValueError, match=match.format(4)):
        GaussianMixtureClassifier("UBM", n_components=[5]).fit(X, [0, 0, 1, 1])
    with pytest.raises(ValueError, match=match.format(2)):
        GaussianMixtureClassifier("UBM", n_components=[3]).fit(
            X, [0, 0, 1, 1], sample_weight=[1, 0, 1, 0]
        )


def test_a_refit_as_another_model_type_leaves_no_stale_attributes(iris):
    # Refitted as UBM, an EDDA classifier kept EDDA's bic_, log_likelihood_
    # and n_parameters_; refitted as MclustDA, the UBM's background_ and
    # covariance_type_ (which MclustDA does not set).
    X, y = iris
    clf = GaussianMixtureClassifier("EDDA").fit(X, y)
    assert hasattr(clf, "bic_")
    clf.set_params(model_type="UBM", n_components=[2], random_state=0).fit(X, y)
    fresh = GaussianMixtureClassifier("UBM", n_components=[2], random_state=0)
    fresh.fit(X, y)
    for name in ("bic_", "log_likelihood_", "n_parameters_"):
        assert not hasattr(clf, name)
    assert clf.covariance_type_ == fresh.covariance_type_
    clf.set_params(model_type="MclustDA").fit(X, y)
    assert not hasattr(clf, "background_")
    assert not hasattr(clf, "covariance_type_")
    again = GaussianMixtureClassifier("MclustDA", n_components=[2], random_state=0)
    assert clf.bic_ == again.fit(X, y).bic_


def test_a_failed_refit_leaves_the_classifier_unfitted():
    # A refit that failed after setting the new classes_ left the old
    # mixtures_: predict raised numpy's IndexError (3 classes, 2 densities),
    # or with as many classes predicted the new labels from the old fit.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(30, 2), rng.randn(30, 2) + 3]
    clf = GaussianMixtureClassifier("EDDA").fit(X, np.repeat([0, 1], 30))
    with pytest.raises(ValueError, match="MclustDA needs at least 2 rows"):
        clf.set_params(model_type="MclustDA").fit(
            np.r_[X, [[9.0, 9.0]]], np.r_[np.repeat(["a", "b"], 30), ["c"]]
        )
    assert not hasattr(clf, "classes_") and not hasattr(clf, "mixtures_")
    with pytest.raises(NotFittedError):
        clf.predict(X)


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA", "UBM"])
def test_units_too_small_to_square_are_a_clear_error(model_type):
    # At 1e-160 the variances are subnormal: EDDA classified 82% of these
    # rows right with numpy's "overflow encountered in matmul", MclustDA
    # raised "no finite maximum ... reg_covar=0.0".
    rng = np.random.RandomState(1)
    X = np.r_[rng.randn(30, 2), rng.randn(25, 2) * 2 + 2, rng.randn(35, 2) * 3 + 4]
    y = np.repeat([0, 1, 2], [30, 25, 35])
    settings = dict(n_components=2, covariance_types=["VVV", "EII"], random_state=0)
    with pytest.raises(ValueError, match="variance .* underflows float64"):
        GaussianMixtureClassifier(model_type, **settings).fit(X * 1e-160, y)
    # Units whose squares are normal numbers still give the same classifier.
    plain = GaussianMixtureClassifier(model_type, **settings).fit(X, y)
    tiny = GaussianMixtureClassifier(model_type, **settings).fit(X * 1e-150, y)
    assert_allclose(tiny.predict_proba(X * 1e-150), plain.predict_proba(X), atol=1e-9)


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA", "UBM"])
def test_units_or_weights_too_large_to_square_are_a_clear_error(model_type):
    # EDDA raised numpy's "zero-size array to reduction operation maximum"
    # at 1e155, and at weights of 1e307 blamed every structure's singular
    # class covariance; a fit names the overflow and its remedy.
    rng = np.random.RandomState(1)
    X = np.r_[rng.randn(30, 2), rng.randn(30, 2) + 3]
    y = np.repeat([0, 1], 30)
    settings = dict(n_components=2, covariance_types=["VVV", "EEE"], random_state=0)
    with pytest.raises(ValueError, match="squares overflow float64.*Rescale X"):
        GaussianMixtureClassifier(model_type, **settings).fit(X * 1e155, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Divide sample_weight by a common factor"):
            GaussianMixtureClassifier(model_type, **settings).fit(
                X, y, sample_weight=np.full(60, 1e307)
            )
    with warnings.catch_warnings():
        # Named before numpy's overflow warnings, not after them.
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="squares overflow float64"):
            GaussianMixtureClassifier(model_type, **settings).fit(X * 1e155, y)
    # Units just inside float64's squares still classify as the plain rows.
    plain = GaussianMixtureClassifier(model_type, **settings).fit(X, y)
    large = GaussianMixtureClassifier(model_type, **settings).fit(X * 1e150, y)
    assert_array_equal(large.predict(X * 1e150), plain.predict(X))


def test_classes_far_apart_are_judged_each_on_its_own_squares():
    # Each class's scatter fits float64, the whole data's does not: MclustDA
    # estimates each class's own (it was refused when the whole data were
    # checked); EDDA's regularisation reads the whole data's covariance.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(30, 2), rng.randn(30, 2) * 1e153 + 5e154]
    y = np.repeat([0, 1], 30)
    settings = dict(n_components=1, covariance_types=["VVV"], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = GaussianMixtureClassifier("MclustDA", **settings).fit(X, y)
    assert_array_equal(clf.predict(X), y)
    with pytest.raises(ValueError, match="squares overflow float64.*Rescale X"):
        GaussianMixtureClassifier("EDDA", **settings).fit(X, y)


def test_warnings_of_one_class_name_the_class():
    # A feature constant within class 0 alone was reported as "feature(s) 2
    # of X are constant", a feature of X that varies.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(50, 3), rng.randn(50, 3) + 4])
    y = np.repeat([0, 1], 50)
    X[:50, 2] = 1.0
    classifier = GaussianMixtureClassifier(
        "MclustDA", n_components=[1, 2], covariance_types=["VVV", "EII"]
    )
    with pytest.warns(UserWarning) as caught:
        classifier.fit(X, y)
    constant = [str(c.message) for c in caught if "are constant" in str(c.message)]
    assert constant
    assert all(m.startswith("The rows of class 0: feature(s) 2") for m in constant)


@pytest.mark.parametrize("covariance_type", ["EVE", "VVE"])
def test_edda_runs_an_inner_iteration_to_its_end(covariance_type):
    # EDDA's one M-step is the whole fit: EVE's rotation sweeps stopped at
    # their EM tolerance, up to 1e-3 of log-likelihood short of the maximiser
    # (mclust's mstep reached it on crabs and banknote). The fit is now a
    # fixed point of the structure's M-step started from it.
    from scipy.stats import multivariate_normal

    from gmm_estimators.covariance import get_covariance_model

    rng = np.random.RandomState(8)
    X = rng.randn(200, 1) * 5 * np.linspace(1, 1.5, 5) + rng.randn(200, 5) * 0.5
    y = np.repeat([0, 1, 2, 3], 50)
    X += y[:, None] * rng.randn(1, 5) * 0.5
    X[y == 1] *= [1, 1.2, 1, 0.9, 1]
    fitted = GaussianMixtureClassifier(
        "EDDA", covariance_types=covariance_type, reg_covar=0
    ).fit(X, y)
    mixtures = fitted.mixtures_  # one single-component mixture per class
    means = np.array([m.means_[0] for m in mixtures])
    full = np.array([m.covariances_[0] for m in mixtures])

    def log_likelihood(full):
        return sum(
            multivariate_normal(means[c], full[c]).logpdf(X[y == c]).sum()
            for c in range(4)
        )

    model = get_covariance_model(covariance_type)
    nk = np.bincount(y).astype(float)
    centred = [X[y == c] - means[c] for c in range(4)]
    scatter = np.array([rows.T @ rows for rows in centred])
    again = model.m_step(nk, scatter, 0.0, previous=full)  # full (K, d, d) forms
    assert log_likelihood(again) <= log_likelihood(full) + 1e-9


def test_score_checks_and_rescales_sample_weight(iris):
    # ClassifierMixin.score took negative weights, and weights near 1e308
    # overflowed its sums into NaN with numpy's RuntimeWarnings; the weights
    # are checked as fit checks them, and a common factor changes nothing.
    X, y = iris
    clf = GaussianMixtureClassifier("EDDA").fit(X, y)
    w = np.random.RandomState(0).uniform(0.5, 1.0, len(y))
    expected = np.average(clf.predict(X) == y, weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for factor in (1.0, 1e308, 1e-300):
            assert clf.score(X, y, sample_weight=factor * w) == pytest.approx(
                expected, rel=1e-15
            )
    for bad in (-w, np.zeros_like(w), w[1:]):
        with pytest.raises(ValueError, match="sample_weight|[Ss]ample weights"):
            clf.score(X, y, sample_weight=bad)


@pytest.mark.parametrize("factor", [1e-310, 1e-300, 1e300])
@pytest.mark.filterwarnings("ignore:BIC of rows whose sample_weight")
def test_edda_class_fits_do_not_depend_on_a_common_weight_factor(iris, factor):
    # EDDA's M-step passed the raw class counts to the structures: equal
    # weights of 1e-310 lost digits and overflowed EVV's volume (numpy's
    # "overflow encountered in divide" and isclose's "atol: inf"). A common
    # factor of frequency weights changes the criteria only, not the fits.
    X, y = iris
    for name in ["EII", "VVI", "EVV", "EVE", "VVV"]:
        ref = GaussianMixtureClassifier("EDDA", covariance_types=[name]).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            got = GaussianMixtureClassifier("EDDA", covariance_types=[name]).fit(
                X, y, sample_weight=np.full(len(y), factor)
            )
        for a, b in zip(got.mixtures_, ref.mixtures_, strict=True):
            assert_allclose(a.means_, b.means_, rtol=1e-12)
            assert_allclose(a.covariances_, b.covariances_, rtol=1e-10, atol=0)


def test_mclustda_tries_the_same_candidates_for_weights_and_repeated_rows():
    # Class 0: 10 rows of weight 6. The candidate filter counted rows of
    # positive weight (10) for the weighted fit and rows (60) for the same
    # rows repeated: only the latter tried VVV with 2 components, and the
    # two fits' bic_ (801 and 734) and posteriors (0.96 and 0.00) differed.
    rng = np.random.RandomState(0)
    A = np.vstack([rng.randn(5, 2) * [1, 0.3], rng.randn(5, 2) * [0.3, 1] + [8, 8]])
    X = np.vstack([A, rng.randn(40, 2) * 2 + [4, -6]])
    y = np.r_[np.zeros(10, int), np.ones(40, int)]
    w = np.r_[np.full(10, 6), np.ones(40)]
    kwargs = dict(
        n_components=3, covariance_types=["VVV", "EEE", "VII"], random_state=0
    )
    fits = [
        GaussianMixtureClassifier(**kwargs).fit(X, y, sample_weight=w),
        GaussianMixtureClassifier(**kwargs).fit(
            np.repeat(X, 6 * (y == 0) + (y == 1), axis=0),
            np.repeat(y, 6 * (y == 0) + (y == 1)),
        ),
        GaussianMixtureClassifier(**kwargs).fit(X, y, sample_weight=w / 7.0),
    ]
    tried = [
        sorted(
            (k, t)
            for c, k, t in zip(
                f.results_["class"],
                f.results_["n_components"],
                f.results_["covariance_type"],
                strict=True,
            )
            if c == 0
        )
        for f in fits
    ]
    assert tried[0] == tried[1] == tried[2]
    assert (2, "VVV") not in tried[0]  # 11 parameters, 10 distinct rows
    T = np.array([[2.0, 2.0], [6.0, 6.0]])
    assert_allclose(fits[0].predict_proba(T), fits[1].predict_proba(T), atol=1e-8)
    assert_allclose(fits[0].bic_, fits[1].bic_, rtol=1e-9)


@pytest.mark.parametrize("model_type", ["MclustDA", "EDDA", "UBM"])
def test_a_row_of_weight_zero_beyond_float_range_counts_for_nothing(model_type):
    # Its log-density is -inf and 0 * -inf made log_likelihood_ and bic_ NaN
    # (MclustDA, with numpy's warning), every EDDA structure "singular", and
    # UBM's adaptation refused the rows as too far to square.
    X, y = load_iris(return_X_y=True)
    X_far = np.r_[X, [[1e160, 0.0, 0.0, 0.0]]]
    y_far = np.r_[y, 0]
    weights = np.r_[np.ones(len(X)), 0.0]
    kwargs = {} if model_type == "EDDA" else {"n_components": [1, 2], "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        weighted = GaussianMixtureClassifier(model_type, **kwargs).fit(
            X_far, y_far, sample_weight=weights
        )
    plain = GaussianMixtureClassifier(model_type, **kwargs).fit(X, y)
    assert_allclose(weighted.predict_proba(X), plain.predict_proba(X), atol=1e-8)
    if model_type != "UBM":
        assert_allclose(weighted.bic_, plain.bic_, rtol=1e-10)


@pytest.mark.parametrize("model_type", ["EDDA", "MclustDA"])
def test_fit_is_independent_of_the_rows_memory_layout(model_type):
    # EDDA sums each class's rows itself: on column-major rows (a
    # DataFrame's values) its means differed in their last bits.
    rng = np.random.RandomState(1)
    y = rng.randint(3, size=400)
    X = rng.normal(size=(400, 3)) @ rng.normal(size=(3, 3))
    X += 4 * rng.normal(size=(3, 3))[y]
    fits = [
        GaussianMixtureClassifier(
            model_type, n_components=[1, 2], covariance_types=["VVV", "VEE"]
        ).fit(rows, y)
        for rows in (np.ascontiguousarray(X), np.asfortranarray(X))
    ]
    for a, b in zip(fits[0].mixtures_, fits[1].mixtures_, strict=True):
        np.testing.assert_array_equal(a.means_, b.means_)
    np.testing.assert_array_equal(
        fits[0].predict_proba(X), fits[1].predict_proba(np.asfortranarray(X))
    )


@pytest.mark.parametrize("structure", ["EVE", "EVV", "EVI"])
def test_edda_class_on_a_line_is_singular_under_an_equal_volume(structure):
    # A fitted mixture calls such a component spurious (the shared volume
    # bounds its likelihood); a given class's covariance held by reg_covar
    # alone is still singular, and EDDA refuses it.
    rng = np.random.RandomState(0)
    two = [[20.0, 3.0], [21.0, 3.0]]
    X = np.vstack([rng.randn(60, 2), rng.randn(60, 2) + 6, two])
    y = np.repeat([0, 1, 2], [60, 60, 2])
    with pytest.raises(ValueError, match="singular class covariance"):
        GaussianMixtureClassifier("EDDA", covariance_types=[structure]).fit(X, y)


def test_labels_of_mixed_types_are_refused_with_the_remedy():
    # numpy's "'<' not supported between instances of 'int' and 'str'".
    X = np.random.RandomState(0).randn(20, 2)
    y = np.array(["a"] * 10 + [1] * 10, dtype=object)
    for model_type in ("EDDA", "MclustDA"):
        with pytest.raises(TypeError, match=r"\['int', 'str'\].*one type"):
            GaussianMixtureClassifier(model_type).fit(X, y)
    # Strings with a missing one: scikit-learn's "Input contains NaN" named
    # neither y nor the remedy, as it does for numbers.
    y = np.array(["a", "b", np.nan] * 7, dtype=object)[:20]
    with pytest.raises(ValueError, match="y contains NaN.*Leave out the rows"):
        GaussianMixtureClassifier("EDDA").fit(X, y)


def test_edda_reads_a_constant_feature_and_dependent_features_as_mclustda_does():
    # A constant column: its centre, rounded off its value, made it vary by
    # an ulp, every class rested on a point there, and every structure but
    # EII was called degenerate (an error without EII, blaming the rows).
    X, y = load_iris(return_X_y=True)
    constant = np.c_[X, np.ones(len(X))]
    with pytest.warns(UserWarning, match=r"feature\(s\) 4 of X are constant"):
        edda = GaussianMixtureClassifier(
            "EDDA", covariance_types=["VII", "EEI", "VVI", "VVV"]
        ).fit(constant, y)
    assert not edda.results_["degenerate"].any()
    assert edda.score(constant, y) >= 0.95
    # A feature that is the sum of two others: every class covariance is
    # reg_covar alone off the rows' span, which sets the likelihood. It was
    # said for GaussianMixture and MclustDA, not for EDDA.
    dependent = np.c_[X, X[:, 0] + X[:, 1]]
    with pytest.warns(UserWarning, match="span 4 of the 5 dimensions"):
        GaussianMixtureClassifier("EDDA").fit(dependent, y)
    with pytest.warns(UserWarning, match="span 4 of the 5 dimensions"):
        GaussianMixtureClassifier("MclustDA", n_components=[1]).fit(dependent, y)
    # Data in full rank get neither warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        GaussianMixtureClassifier("EDDA").fit(X, y)
    # EDDA's reg_covar is relative to the data's thinnest spread: said so,
    # not "in the data's squared units ... rescale the data".
    with pytest.warns(UserWarning, match=r"reg_covar=10 \(relative to the data"):
        GaussianMixtureClassifier("EDDA", reg_covar=10).fit(X * 1e-3, y)


def test_edda_keeps_a_class_its_digits_beside_another_class_of_fill_values():
    # Ten rows of 1e20 in class 1: EDDA centred every row on the weighted
    # mean, 1.6e18 away, and class 0's mean came out 5888 for about 0.
    rng = np.random.default_rng(0)
    real = np.r_[rng.normal(0, 1, (300, 2)), rng.normal(5, 1, (300, 2))]
    X = np.r_[real, np.c_[np.full(10, 1e20), rng.normal(size=10)]]
    y = np.r_[np.zeros(300), np.ones(310)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        edda = GaussianMixtureClassifier("EDDA", random_state=0).fit(X, y)
    assert_allclose(edda.mixtures_[0].means_[0], real[:300].mean(axis=0), rtol=1e-9)


def test_the_joined_tables_rank_first_the_mixture_kept():
    # The classifier joins its selectors' tables and ranks them again: with
    # the selectors' own rule (one-component ties, then simpler structures),
    # not the raw BIC, whose rounding put VVV first beside an EEE background.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2)) @ rng.standard_normal((2, 3))
    X += 1e-6 * rng.standard_normal(X.shape)
    y = (X[:, 0] > 0).astype(int)
    clf = GaussianMixtureClassifier(model_type="UBM", n_components=1, random_state=0)
    clf.fit(X, y)
    first = int(np.argmin(clf.results_["rank"]))
    assert clf.results_["covariance_type"][first] == clf.background_.covariance_type
    assert clf.background_.covariance_type == "EEE"


def test_classes_tied_in_the_limit_share_a_row_by_their_weights():
    # Two classes with the same widest component (a UBM component left
    # unadapted in both): beyond the float range they tie in the quadratic
    # and the linear terms, and the limit of the posterior is the ratio of
    # pi_c w_ck (the priors alone gave 0.5 / 0.5 here).
    from gmm_estimators._class_limits import limit_scores

    rng = np.random.RandomState(0)

    def mixture(weights, means, variances):
        gm = GaussianMixture(2, covariance_type="spherical", random_state=0)
        gm.fit(rng.randn(40, 2))
        gm.weights_ = np.array(weights)
        gm.means_ = np.array(means, dtype=float)
        gm.covariances_ = np.array(variances, dtype=float)
        gm.precisions_cholesky_ = 1.0 / np.sqrt(gm.covariances_)
        gm.precisions_ = 1.0 / gm.covariances_
        return gm

    a = mixture([0.3, 0.7], [[0.0, 0.0], [5.0, 0.0]], [1.0, 0.1])
    b = mixture([0.6, 0.4], [[0.0, 0.0], [-5.0, 0.0]], [1.0, 0.1])
    rows = np.array([[1e200, 0.0], [-1e300, 1e300], [3e160, -1e159]])
    scores = limit_scores(rows, [a, b], np.array([True, True]))
    assert_allclose(scores, np.tile(np.log([0.3, 0.6]), (3, 1)), rtol=1e-15)
    # A class of prior zero holds nothing; the other holds every row.
    scores = limit_scores(rows, [a, b], np.array([True, False]))
    assert_allclose(scores[:, 0], np.log(0.3))
    assert np.isneginf(scores[:, 1]).all()
    # Where the widest components differ, the wider class alone holds the row.
    c = mixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [2.0, 0.1])
    scores = limit_scores(rows, [a, c], np.array([True, True]))
    assert np.isneginf(scores[:, 0]).all()
    assert_allclose(scores[:, 1], np.log(0.5))
