"""GaussianMixture: scikit-learn equivalence, API, input checks, robustness."""

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from _estimator_checks import structure_sensitive_checks
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse, stats
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_estimators import (
    BayesianGaussianMixture,
    DegenerateFitWarning,
    GaussianMixture,
    available_covariance_types,
    condition,
)
from gmm_estimators.covariance import get_covariance_model

SKLEARN_TYPES = ["full", "tied", "diag", "spherical"]


def make_blobs_3d(rng, n_per=150, n_components=3, n_features=3, spread=6.0):
    parts = []
    for k in range(n_components):
        A = rng.randn(n_features, n_features)
        parts.append(rng.randn(n_per, n_features) @ A + spread * k)
    return np.vstack(parts)


def starting_parameters(X, covariance_type, n_components, random_state=0):
    """Starting parameters from one sklearn EM step (a realistic, shared start)."""
    start = SklearnGaussianMixture(
        n_components,
        covariance_type=covariance_type,
        max_iter=1,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start.fit(X)
    return {
        "weights_init": start.weights_,
        "means_init": start.means_,
        "precisions_init": start.precisions_,
    }


def quiet_fit(estimator, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, **kwargs)


# --------------------------------------------------------------- sklearn oracle
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_same_fit_as_sklearn_from_same_start(covariance_type, rng):
    X = make_blobs_3d(rng)
    init = starting_parameters(X, covariance_type, 3)
    kwargs = dict(covariance_type=covariance_type, tol=0, max_iter=15, **init)
    ours = quiet_fit(GaussianMixture(3, **kwargs), X)
    ref = quiet_fit(SklearnGaussianMixture(3, **kwargs), X)

    for name in ["weights_", "means_", "covariances_", "precisions_"]:
        assert getattr(ours, name).shape == getattr(ref, name).shape
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-6, atol=0)
    assert_allclose(ours.precisions_cholesky_, ref.precisions_cholesky_, rtol=1e-6)
    assert_allclose(ours.lower_bound_, ref.lower_bound_, rtol=1e-6)
    assert_allclose(ours.lower_bounds_, ref.lower_bounds_, rtol=1e-6)
    assert ours.n_iter_ == ref.n_iter_ == 15
    assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-6)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)
    assert_array_equal(ours.predict(X), ref.predict(X))
    assert_allclose(ours.bic(X), ref.bic(X), rtol=1e-9)
    assert_allclose(ours.aic(X), ref.aic(X), rtol=1e-9)


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_converged_fit_matches_sklearn(covariance_type, rng):
    """With convergence checks on, both stop at the same iteration."""
    X = make_blobs_3d(rng)
    init = starting_parameters(X, covariance_type, 3)
    ours = GaussianMixture(3, covariance_type=covariance_type, **init).fit(X)
    ref = SklearnGaussianMixture(3, covariance_type=covariance_type, **init).fit(X)
    assert ours.converged_ and ref.converged_
    assert ours.n_iter_ == ref.n_iter_
    assert_allclose(ours.means_, ref.means_, rtol=1e-6)


def test_same_parameters_as_sklearn():
    ours = GaussianMixture().get_params()
    ref = SklearnGaussianMixture().get_params()
    extra = set(ours) - set(ref)
    assert set(ref) <= set(ours)
    assert extra <= {
        "equal_proportions",
        "prior",
        # mclust's noise component (issue 16)
        "noise",
        "noise_volume",
        "noise_init",
        # partial_fit's step-size schedule (issue 15)
        "learning_decay",
        "learning_offset",
        "forgetting_factor",
    }
    for name, value in ref.items():
        assert ours[name] == value, name


def test_init_params_parameters_not_rewritten(rng):
    X = make_blobs_3d(rng)
    init = starting_parameters(X, "full", 3)
    means = init["means_init"].tolist()
    est = GaussianMixture(3, means_init=means, max_iter=2)
    quiet_fit(est, X)
    assert est.means_init is means  # fit must not replace constructor arguments


def test_max_iter_zero_keeps_the_start(rng):
    X = make_blobs_3d(rng)
    init = starting_parameters(X, "full", 3)
    est = GaussianMixture(3, max_iter=0, **init).fit(X)
    assert_allclose(est.means_, init["means_init"])
    assert_allclose(est.precisions_, init["precisions_init"], rtol=1e-10)
    assert_allclose(np.linalg.inv(est.covariances_), init["precisions_init"], rtol=1e-8)
    assert est.n_iter_ == 0 and est.lower_bounds_ == []


@pytest.mark.parametrize("covariance_type", ["EII", "EEI", "EVE", "EEV"])
def test_a_start_outside_the_structure_is_imposed_without_regularisation(
    covariance_type,
):
    # precisions_init need not satisfy the structure: the first M-step
    # imposes it. From a start of unequal volumes (and, for the oriented
    # structures, a correlation) the objective falls at that M-step, which
    # at reg_covar=0 was read as an unbounded likelihood: the run stopped
    # and returned the start, every component called collapsed.
    rng = np.random.default_rng(0)
    pairs = [(0.0, 1.0), (6.0, 2.0), (-6.0, 0.5)]
    X = np.vstack([rng.normal(centre, spread, (80, 3)) for centre, spread in pairs])
    covariances = np.array([np.diag(v) for v in [[1, 2, 3], [4, 1, 2], [0.5, 0.7, 1]]])
    covariances[:, 0, 1] = covariances[:, 1, 0] = 0.3
    if covariance_type in ("EII", "EEI"):
        precisions = 1.0 / np.diagonal(covariances, axis1=1, axis2=2)
    else:
        precisions = np.linalg.inv(covariances)
    start = dict(
        means_init=np.array([[0.3] * 3, [6.3] * 3, [-5.7] * 3]),
        precisions_init=precisions,
        tol=1e-8,
        random_state=0,
        max_iter=500,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gm = GaussianMixture(3, covariance_type=covariance_type, reg_covar=0.0, **start)
        gm.fit(X)
    assert gm.converged_ and gm.n_iter_ > 1
    assert gm.collapsed_components_.size == 0
    # One volume, as EII, EEI, EVE and EEV share (the start had three).
    volumes = np.linalg.det(gm.full_covariances_)
    assert_allclose(volumes, volumes[0], rtol=1e-10)
    # The fall was the structure's, once: the bounds rise after it.
    assert gm.lower_bounds_[1] < gm.lower_bounds_[0]
    assert np.all(np.diff(gm.lower_bounds_[1:]) >= -1e-12)
    # The fit the tiniest regularisation reaches from the same start.
    near = GaussianMixture(3, covariance_type=covariance_type, reg_covar=1e-12, **start)
    near.fit(X)
    assert_allclose(gm.covariances_, near.covariances_, rtol=1e-6)


@pytest.mark.parametrize("covariance_type", ["EII", "VEI", "EVE", "VVV"])
def test_only_a_start_outside_the_structure_may_fall_at_its_first_step(
    covariance_type,
):
    # A start given by hand inside the structure (a fit's own parameters)
    # keeps the decrease check at its first step; one the structure's M-step
    # moves (unequal volumes for the equal-volume structures) skips it once.
    from gmm_estimators._engine import Params
    from gmm_estimators._fit_starts import outside_structure

    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((3, 3))
    pairs = [(0.0, 1.0), (6.0, 2.0), (-6.0, 0.5)]
    X = np.vstack([rng.normal(c, s, (80, 3)) @ mixing for c, s in pairs])
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    gm.set_params(tol=1e-8, max_iter=500).fit(X)
    model = get_covariance_model(covariance_type)
    inside = Params(gm.weights_, gm.means_, gm.covariances_, gm.precisions_cholesky_)
    assert not outside_structure(model, inside)
    scales = np.array([1.0, 4.0, 0.25])
    moved = np.asarray(gm.covariances_) * scales.reshape(
        (3,) + (1,) * (np.ndim(gm.covariances_) - 1)
    )
    outside = Params(gm.weights_, gm.means_, moved, None)
    # Unequal volumes leave EII and EVE; VEI and VVV take any volumes.
    assert outside_structure(model, outside) == (covariance_type in ("EII", "EVE"))


def test_labels_equal_predict_and_fit_predict(rng):
    X = make_blobs_3d(rng)
    est = GaussianMixture(3, random_state=0)
    labels = est.fit_predict(X)
    assert_array_equal(labels, est.labels_)
    assert_array_equal(labels, est.predict(X))
    assert labels.dtype.kind == "i"


def test_predict_log_proba_and_proba_agree(rng):
    X = make_blobs_3d(rng)
    est = GaussianMixture(3, random_state=0).fit(X)
    proba = est.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(np.exp(est.predict_log_proba(X)), proba, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_proba_of_far_components_is_not_floored(dtype, rng):
    # The E-step floors far components' exponents for speed (exp(-575) in
    # float64, about 1e-26 in float32); predict_proba must not report that
    # floor: tiny posteriors are exp(predict_log_proba), as scikit-learn's.
    X = np.r_[rng.randn(50, 2), rng.randn(50, 2) + 5].astype(dtype)
    start = SklearnGaussianMixture(2, max_iter=0, random_state=0).fit(X)
    init = dict(
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
    )
    ours = GaussianMixture(2, **init).fit(X)
    theirs = SklearnGaussianMixture(2, **init).fit(X.astype(np.float64))
    Q = np.array([[0.0, 0.0], [10.0, 10.0], [30.0, 30.0], [1e3, 1e3]], dtype=dtype)
    proba = ours.predict_proba(Q)
    assert proba.dtype == dtype
    with np.errstate(under="ignore"):
        assert_allclose(proba, np.exp(ours.predict_log_proba(Q)), rtol=1e-5, atol=0)
    # Rows 1 and 2: posteriors of about 1e-34 and 1e-140 (0 in float32), and
    # 0 at row 3, as scikit-learn computes them in float64.
    rtol = 1e-8 if dtype == np.float64 else 1e-4
    expected = theirs.predict_proba(Q.astype(np.float64)).astype(dtype)
    assert_allclose(proba, expected, rtol=rtol, atol=0)


# ------------------------------------------------------------- density oracle
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_score_samples_against_scipy(covariance_type, rng):
    X = make_blobs_3d(rng, n_per=60)
    est = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    full = get_covariance_model(covariance_type).to_full(est.covariances_, 3, 3)
    expected = np.log(
        sum(
            w * stats.multivariate_normal(m, c).pdf(X)
            for w, m, c in zip(est.weights_, est.means_, full, strict=True)
        )
    )
    assert_allclose(est.score_samples(X), expected, rtol=1e-10)
    assert_allclose(est.score(X), expected.mean(), rtol=1e-10)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "VEV"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_component_of_zero_weight_changes_nothing(covariance_type, dtype, rng):
    # Its log-weight is -inf, which the distance products must not turn into
    # NaN: the mixture is the one of the other components.
    X = make_blobs_3d(rng, n_per=60).astype(dtype)
    fitted = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    fitted.fit(X)
    start = {
        "means_init": fitted.means_,
        "precisions_init": fitted.precisions_,
        "max_iter": 0,
        "covariance_type": covariance_type,
    }
    with_zero = GaussianMixture(3, weights_init=[0.5, 0.5, 0.0], **start).fit(X)
    two = dict(
        start, means_init=fitted.means_[:2], precisions_init=fitted.precisions_[:2]
    )
    without = GaussianMixture(2, weights_init=[0.5, 0.5], **two).fit(X)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert_allclose(with_zero.score_samples(X), without.score_samples(X), rtol=rtol)
    resp = with_zero.predict_proba(X)
    assert not np.isnan(resp).any()
    assert resp[:, 2].max() < 1e-20
    # float32 responsibilities are documented to within 0.05% (user guide).
    rtol = 1e-12 if dtype == np.float64 else 5e-4
    assert_allclose(resp[:, :2], without.predict_proba(X), rtol=rtol, atol=1e-20)
    assert_array_equal(with_zero.predict(X), without.predict(X))


def test_one_component_is_the_maximum_likelihood_gaussian(rng):
    X = rng.randn(500, 4) @ rng.randn(4, 4) + 3.0
    est = GaussianMixture(1, reg_covar=0).fit(X)
    assert_allclose(est.means_[0], X.mean(axis=0), rtol=1e-12)
    assert_allclose(est.covariances_[0], np.cov(X.T, bias=True), rtol=1e-10)
    assert est.converged_ and est.n_iter_ <= 2


def test_affine_change_moves_the_fit(rng):
    X = make_blobs_3d(rng)
    A = rng.randn(3, 3) + 3 * np.eye(3)
    b = np.array([100.0, -50.0, 7.0])
    init = starting_parameters(X, "full", 3)
    moved_init = {
        "weights_init": init["weights_init"],
        "means_init": init["means_init"] @ A.T + b,
        "precisions_init": np.linalg.inv(
            A @ np.linalg.inv(init["precisions_init"]) @ A.T
        ),
    }
    # reg_covar=0: a ridge added in both coordinate systems is not equivariant.
    kwargs = dict(tol=0, max_iter=10, reg_covar=0)
    base = quiet_fit(GaussianMixture(3, **kwargs, **init), X)
    moved = quiet_fit(GaussianMixture(3, **kwargs, **moved_init), X @ A.T + b)
    assert_allclose(moved.means_, base.means_ @ A.T + b, rtol=1e-8)
    assert_allclose(moved.covariances_, A @ base.covariances_ @ A.T, rtol=1e-6)
    log_det = np.log(abs(np.linalg.det(A)))
    assert_allclose(moved.lower_bound_, base.lower_bound_ - log_det, rtol=1e-8)


# ------------------------------------------------------------- sample weights
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_integer_weights_equal_repeated_rows(covariance_type, rng):
    X = make_blobs_3d(rng, n_per=40)
    weights = rng.randint(0, 4, size=X.shape[0])
    repeated = np.repeat(X, weights, axis=0)
    init = starting_parameters(X, covariance_type, 3)
    kwargs = dict(covariance_type=covariance_type, tol=0, max_iter=10, **init)
    weighted = quiet_fit(GaussianMixture(3, **kwargs), X, sample_weight=weights)
    plain = quiet_fit(GaussianMixture(3, **kwargs), repeated)
    for name in ["weights_", "means_", "covariances_"]:
        assert_allclose(getattr(weighted, name), getattr(plain, name), rtol=1e-9)
    assert_allclose(weighted.lower_bounds_, plain.lower_bounds_, rtol=1e-10)


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++"])
def test_weighted_initialisation_equals_repeated_rows(init_params, rng):
    X = make_blobs_3d(rng, n_per=30)
    weights = rng.randint(1, 4, size=X.shape[0])
    repeated = np.repeat(X, weights, axis=0)
    shuffled = rng.permutation(repeated.shape[0])
    kwargs = dict(n_components=3, init_params=init_params, random_state=0)
    weighted = GaussianMixture(**kwargs).fit(X, sample_weight=weights)
    plain = GaussianMixture(**kwargs).fit(repeated[shuffled])
    assert_allclose(weighted.means_, plain.means_, rtol=1e-8)
    assert_allclose(weighted.weights_, plain.weights_, rtol=1e-8)


def test_result_does_not_depend_on_row_order(rng):
    X = make_blobs_3d(rng)
    order = rng.permutation(X.shape[0])
    a = GaussianMixture(3, random_state=1).fit(X)
    b = GaussianMixture(3, random_state=1).fit(X[order])
    assert_allclose(a.means_, b.means_, rtol=1e-9)
    assert_allclose(a.lower_bound_, b.lower_bound_, rtol=1e-12)


def test_zero_weights_equal_dropped_rows(rng):
    X = make_blobs_3d(rng, n_per=40)
    keep = rng.rand(X.shape[0]) > 0.3
    init = starting_parameters(X, "diag", 3)
    kwargs = dict(covariance_type="diag", tol=0, max_iter=5, **init)
    weighted = quiet_fit(GaussianMixture(3, **kwargs), X, sample_weight=keep * 1.0)
    dropped = quiet_fit(GaussianMixture(3, **kwargs), X[keep])
    assert_allclose(weighted.means_, dropped.means_, rtol=1e-10)


def test_bad_sample_weight(rng):
    X = make_blobs_3d(rng, n_per=10)
    with pytest.raises(ValueError, match="(?i)negative"):
        GaussianMixture(2).fit(X, sample_weight=-np.ones(X.shape[0]))
    with pytest.raises(ValueError, match="positive sample_weight"):
        w = np.zeros(X.shape[0])
        w[0] = 1
        GaussianMixture(2).fit(X, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        GaussianMixture(2).fit(X, sample_weight=np.ones(3))


# ----------------------------------------------------------------- float32
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_float32_stays_float32_and_precise(covariance_type, rng):
    # Far from the origin and tight: naive moment formulas (sum x^2 - n mean^2)
    # in float32 would lose every digit of these variances.
    X = (make_blobs_3d(rng, spread=8.0) * 1e-2 + 1e4).astype(np.float32)
    init = starting_parameters(X.astype(np.float64), covariance_type, 3)
    kwargs = dict(covariance_type=covariance_type, tol=0, max_iter=10, **init)
    # The same (rounded) data in float64: only the arithmetic differs.
    wide = quiet_fit(GaussianMixture(3, **kwargs), X.astype(np.float64))
    narrow = quiet_fit(GaussianMixture(3, **kwargs), X)
    for name in ["weights_", "means_", "covariances_", "precisions_"]:
        assert getattr(narrow, name).dtype == np.float32
    assert narrow.score_samples(X).dtype == np.float32
    model = get_covariance_model(covariance_type)
    full = model.to_full(narrow.covariances_, 3, 3).astype(np.float64)
    assert np.all(np.linalg.eigvalsh(full) > 0)
    assert_allclose(narrow.means_, wide.means_, rtol=1e-6)
    expected = model.to_full(wide.covariances_, 3, 3)
    assert_allclose(full, expected, rtol=1e-3, atol=1e-3 * np.abs(expected).max())
    assert_allclose(narrow.lower_bound_, wide.lower_bound_, rtol=1e-4)


# --------------------------------------------------------------- sampling
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_sample_matches_the_model(covariance_type, rng):
    X = make_blobs_3d(rng)
    est = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    samples, labels = est.sample(30000)
    assert samples.shape == (30000, 3) and labels.shape == (30000,)
    full = get_covariance_model(covariance_type).to_full(est.covariances_, 3, 3)
    for k in range(3):
        drawn = samples[labels == k]
        assert_allclose(drawn.shape[0] / 30000, est.weights_[k], atol=0.02)
        assert_allclose(
            drawn.mean(axis=0),
            est.means_[k],
            atol=0.15 * np.sqrt(np.diag(full[k]).max()),
        )
        assert_allclose(np.cov(drawn.T), full[k], rtol=0.1, atol=0.1 * full[k].max())


def test_sample_from_float32_proportions_that_sum_past_one():
    """float32 ``weights_`` sum to one only to their rounding: sample() draws."""
    X = make_blobs_3d(np.random.RandomState(0))
    est = GaussianMixture(3, random_state=0).fit(X)
    weights = np.array([0.6, 0.4, 1e-8], dtype=np.float32)
    # Read as float64 the first two sum past one: numpy's multinomial refuses.
    assert weights[:-1].astype(np.float64).sum() > 1.0 + 1e-12
    est.weights_ = weights
    samples, labels = est.sample(1000)
    assert samples.shape == (1000, 3) and np.all(np.isfinite(samples))
    assert set(np.unique(labels)) <= {0, 1, 2}


def test_sample_random_state(rng):
    est = GaussianMixture(2, random_state=0).fit(make_blobs_3d(rng, n_components=2))
    first, _ = est.sample(5)
    again, _ = est.sample(5)
    assert_array_equal(first, again)  # as scikit-learn: seeded by random_state
    generator = np.random.RandomState(3)
    a, _ = est.sample(5, random_state=generator)
    b, _ = est.sample(5, random_state=generator)
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="n_samples"):
        est.sample(0)


def test_sample_count_given_as_a_whole_float(rng):
    """``sample(2.0)`` draws two rows, as scikit-learn's does; 2.5 is refused."""
    est = GaussianMixture(2, random_state=0).fit(make_blobs_3d(rng, n_components=2))
    X, y = est.sample(np.float64(4.0))
    assert X.shape == (4, 3) and y.shape == (4,)
    assert_array_equal(X, est.sample(4)[0])
    for bad in [2.5, 0.0, -1, True, "3", float("nan")]:
        with pytest.raises(ValueError, match="whole number of samples"):
            est.sample(bad)
    # Beyond what numpy can index: numpy's "Python int too large to convert
    # to C long" reached the user.
    for huge in [1e20, 2**63]:
        with pytest.raises(ValueError, match="n_samples.*draw in batches"):
            est.sample(huge)


# ---------------------------------------------------------- degenerate data
def assert_finite_fit(est, X):
    for name in ["weights_", "means_", "covariances_", "precisions_"]:
        assert np.all(np.isfinite(getattr(est, name))), name
    assert np.all(np.isfinite(est.score_samples(X)))
    assert np.all(np.isfinite(est.predict_proba(X)))


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
@pytest.mark.parametrize(
    "case", ["duplicates", "constant", "collinear", "outlier", "few_distinct"]
)
def test_degenerate_data_never_crash(covariance_type, case, rng):
    X = make_blobs_3d(rng, n_per=30)
    if case == "duplicates":
        X = np.vstack([X, np.repeat(X[:1], 40, axis=0)])
    elif case == "constant":
        X[:, 1] = 3.0
    elif case == "collinear":
        X[:, 2] = 2 * X[:, 0] - X[:, 1]
    elif case == "outlier":
        X[0] = 1e8
    else:
        X = np.repeat(rng.randint(0, 3, size=(4, 3)).astype(float), 20, axis=0)
    for reg_covar in [1e-6, 0.0]:
        est = GaussianMixture(
            4, covariance_type=covariance_type, reg_covar=reg_covar, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (ConvergenceWarning, DegenerateFitWarning))
            est.fit(X)
        assert_finite_fit(est, X)


def collapsed_start(X):
    """A diagonal 5-component start with one component on the 14 rows of
    Old Faithful whose waiting time is exactly 83 minutes: the degenerate
    local maximum EM reaches from unlucky starts on this integer-valued data."""
    on83 = X[:, 1] == 83
    centers = KMeans(4, random_state=0, n_init=1).fit(X[~on83]).cluster_centers_
    return {
        "means_init": np.vstack([centers, X[on83].mean(axis=0)]),
        "weights_init": np.r_[np.full(4, (1 - on83.mean()) / 4), on83.mean()],
        "precisions_init": np.vstack(
            [np.tile(4 / X.var(axis=0), (4, 1)), [1 / X[on83, 0].var(), 1e6]]
        ),
    }


def test_old_faithful_diag_five_collapses_and_says_so(old_faithful):
    start = collapsed_start(old_faithful)
    assert np.sum(old_faithful[:, 1] == 83) == 14
    est = GaussianMixture(5, covariance_type="diag", **start)
    with pytest.warns(DegenerateFitWarning, match=r"component\(s\) 4 .*reg_covar"):
        est.fit(old_faithful)
    assert_array_equal(est.collapsed_components_, [4])
    members = est.labels_ == 4
    assert members.sum() == 14
    assert np.unique(old_faithful[members, 1]).size == 1
    assert_finite_fit(est, old_faithful)
    # A regularisation in the data's units removes the collapse.
    sound = GaussianMixture(5, covariance_type="diag", reg_covar=0.1, **start)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        sound.fit(old_faithful)
    assert sound.collapsed_components_.size == 0


def test_sound_fit_records_no_collapse(rng):
    X = make_blobs_3d(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        est = GaussianMixture(3, random_state=0).fit(X)
    assert est.collapsed_components_.size == 0


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, match",
    [
        # NaN are missing values (issue 18); a row with nothing observed is refused.
        (np.array([[np.nan, np.nan], [2, 3], [4, 5]]), "no observed value"),
        (np.array([[1.0, np.inf], [2, 3], [4, 5]]), "infinity"),
        (np.arange(5.0), "Expected 2D array"),
        (sparse.csr_matrix(np.eye(4)), "[Ss]parse"),
        (np.array([[1.0, 2.0]]), "minimum of 2"),
    ],
)
def test_bad_input_errors(X, match):
    with pytest.raises((ValueError, TypeError), match=match):
        GaussianMixture(1).fit(X)


def _every_estimator():
    from gmm_estimators import (
        GaussianMixtureClassifier,
        GaussianMixtureImputer,
        GaussianMixtureOutlierDetector,
        GaussianMixtureRegressor,
    )
    from gmm_estimators.model_selection import GaussianMixtureIC

    return [
        GaussianMixture(2),
        BayesianGaussianMixture(n_components=2),
        GaussianMixtureIC(n_components=2),
        GaussianMixtureImputer(n_components=2),
        GaussianMixtureOutlierDetector(),
        GaussianMixtureClassifier(),
        GaussianMixtureRegressor(),
    ]


@pytest.mark.parametrize(
    "estimator", _every_estimator(), ids=lambda e: type(e).__name__
)
def test_a_column_that_is_not_numbers_is_named(estimator, rng):
    # A date column made numpy raise DTypePromotionError ("The DType
    # Float64DType could not be promoted by DateTime64DType"), a category
    # "could not convert string to float": neither said which column or why.
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": rng.randn(40), "b": rng.randn(40)})
    y = np.repeat([0, 1], 20)
    fitted = clone(estimator).fit(X.assign(when=rng.randn(40)), y)
    method = next(
        getattr(fitted, name)
        for name in ("predict", "transform")
        if hasattr(fitted, name)
    )
    for values in (
        pd.date_range("2020-01-01", periods=40),
        pd.timedelta_range("1 day", periods=40),
        pd.Categorical(["low", "high"] * 20),
    ):
        bad = X.assign(when=values)
        with pytest.raises(ValueError, match=r"not numbers: 'when' \(.*OneHot"):
            clone(estimator).fit(bad, y)
        with pytest.raises(ValueError, match="not numbers: 'when'"):
            method(bad)


@pytest.mark.parametrize(
    "estimator", _every_estimator(), ids=lambda e: type(e).__name__
)
def test_an_infinite_value_is_placed_with_a_remedy(estimator, rng):
    # scikit-learn's "Input X contains infinity or a value too large for
    # dtype('float64')." said neither where nor what to do.
    X = rng.randn(40, 2)
    y = np.repeat([0, 1], 20)
    bad = X.copy()
    bad[7, 1] = np.inf
    bad[30, 0] = -np.inf
    with pytest.raises(ValueError, match="contains infinity") as error:
        clone(estimator).fit(bad, y)
    message = str(error.value)
    assert "(7, 1), (30, 0)" in message
    assert "remove those rows" in message
    # NaN marks a missing value only where the estimator fits them.
    fits_missing = get_tags(estimator).input_tags.allow_nan
    assert ("replace the values by NaN" in message) == fits_missing


def test_too_few_samples_for_components(rng):
    with pytest.raises(ValueError, match="n_samples >= n_components.*Reduce"):
        GaussianMixture(5).fit(rng.randn(3, 2))


def test_feature_count_must_match(rng):
    est = GaussianMixture(2, random_state=0).fit(rng.randn(20, 3))
    for method in ["predict", "predict_proba", "score_samples", "score"]:
        with pytest.raises(ValueError, match="3 features"):
            getattr(est, method)(rng.randn(4, 2))


def test_not_fitted():
    with pytest.raises(NotFittedError):
        GaussianMixture().predict(np.ones((2, 2)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "n_components"),
        ({"covariance_type": "blob"}, "covariance_type"),
        ({"tol": -1}, "tol"),
        ({"reg_covar": -1}, "reg_covar"),
        ({"init_params": "nope"}, "init_params"),
        ({"max_iter": -1}, "max_iter"),
    ],
)
def test_invalid_parameters(params, match, rng):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**params).fit(rng.randn(10, 2))


@pytest.mark.parametrize(
    "covariance_type, bad, match",
    [
        ("full", {"weights_init": [0.5, 0.6]}, "normalized"),
        ("full", {"weights_init": [1.2, -0.2]}, r"range \[0, 1\]"),
        ("full", {"weights_init": [1.0]}, "shape"),
        ("full", {"means_init": np.zeros((3, 2))}, "means_init should have shape"),
        ("full", {"precisions_init": np.ones((2, 2, 2))}, "positive-definite"),
        ("full", {"precisions_init": np.ones((2, 2))}, "shape"),
        ("tied", {"precisions_init": -np.eye(2)}, "positive-definite"),
        ("diag", {"precisions_init": -np.ones((2, 2))}, "positive"),
        ("spherical", {"precisions_init": np.ones(3)}, "shape"),
        # A wrong number of dimensions names the parameter and the shape
        # expected (not check_array's advice on reshaping data).
        ("full", {"means_init": np.zeros(2)}, r"means_init should have shape \(2, 2\)"),
        ("diag", {"precisions_init": np.ones(2)}, r"precisions_init .* \(2, 2\)"),
        ("tied", {"precisions_init": np.ones((2, 2, 2))}, r"\(2, 2\), but got"),
        ("EII", {"precisions_init": np.ones((2, 2, 1))}, r"\(2, 2\), but got"),
        ("diag", {"precisions_init": -np.ones((2, 2))}, "got minimum -1.0."),
    ],
)
def test_bad_initial_parameters(covariance_type, bad, match, rng):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(2, covariance_type=covariance_type, **bad).fit(rng.randn(10, 2))


# ------------------------------------------------------------- persistence
def test_joblib_round_trip_in_another_process(tmp_path, rng):
    X = make_blobs_3d(rng)
    est = GaussianMixture(3, random_state=0).fit(X)
    path = tmp_path / "model.joblib"
    data = tmp_path / "X.npy"
    joblib.dump(est, path)
    np.save(data, X)
    code = (
        "import joblib, numpy as np, sys;"
        f"m = joblib.load({str(path)!r}); X = np.load({str(data)!r});"
        "np.save(sys.argv[1], np.column_stack([m.predict(X), m.score_samples(X)]))"
    )
    out = tmp_path / "out.npy"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True)
    theirs = np.load(out)
    assert_array_equal(theirs[:, 0], est.predict(X))
    assert_array_equal(theirs[:, 1], est.score_samples(X))
    assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


def test_feature_names_in(rng):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(rng.randn(30, 2), columns=["a", "b"])
    est = GaussianMixture(2, random_state=0).fit(frame)
    assert list(est.feature_names_in_) == ["a", "b"]
    assert est.n_features_in_ == 2


def test_warm_start_continues(rng):
    X = make_blobs_3d(rng)
    init = starting_parameters(X, "full", 3)
    long = quiet_fit(GaussianMixture(3, tol=0, max_iter=6, **init), X)
    est = GaussianMixture(3, tol=0, max_iter=3, warm_start=True, **init)
    quiet_fit(est, X)
    quiet_fit(est, X)
    assert_allclose(est.means_, long.means_, rtol=1e-10)


def test_verbose_output(rng, capsys):
    quiet_fit(
        GaussianMixture(2, verbose=2, verbose_interval=1, max_iter=2), rng.randn(30, 2)
    )
    out = capsys.readouterr().out
    assert "Initialization 0" in out and "Iteration 2" in out and "lower bound" in out


# --------------------------------------------------------- scikit-learn checks
# scikit-learn's full set of common checks runs on one structure of each
# representation family (how the covariances are stored: full matrices, one
# shared matrix, variance vectors, scalars), since the API code they test is
# shared within a family; the other structures run the checks whose outcome
# depends on the fitted numbers (their own M-step): tests/_estimator_checks.py.


def _family_representatives():
    """One registered structure per representation family, the others."""
    seen, first, rest = set(), [], []
    for name in available_covariance_types():
        model = get_covariance_model(name)
        if model.max_n_features is not None:
            continue
        family = next(
            base
            for base in type(model).__mro__[1:]
            if base.__module__.endswith("_families")
        )
        (rest if family in seen else first).append(name)
        seen.add(family)
    return first, rest


_FIRST, _REST = _family_representatives()


@parametrize_with_checks(
    # The default instance too: check_estimator(GaussianMixture()) as a user
    # runs it (one component: a density estimator, not a clusterer).
    [GaussianMixture()]
    + [GaussianMixture(n_components=3, covariance_type=name) for name in _FIRST],
    expected_failed_checks=lambda estimator: {},
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@structure_sensitive_checks(
    [GaussianMixture(n_components=3, covariance_type=name) for name in _REST],
    expected_failed_checks=lambda estimator: {},
)
def test_sklearn_structure_sensitive_checks(estimator, check):
    check(estimator)


def _built_in(names):
    """The package's own structures among ``names``.

    Structures that tests register for a while (in this worker, possibly
    between collection and this test) are not the package's.
    """
    known = set(available_covariance_types(aliases=True))
    return {
        name
        for name in names
        if name in known
        and type(get_covariance_model(name)).__module__.startswith("gmm_estimators.")
    }


def test_every_family_has_a_representative():
    assert set(_FIRST) >= {"VVV", "EEE", "VVI", "VII"}
    assert _built_in(_FIRST) | _built_in(_REST) == _built_in(
        name
        for name in available_covariance_types()
        if get_covariance_model(name).max_n_features is None
    )


@pytest.mark.parametrize("covariance_type", available_covariance_types(aliases=True))
def test_full_covariances_are_the_stored_ones_as_matrices(covariance_type, rng):
    model = get_covariance_model(covariance_type)
    d = 1 if model.max_n_features == 1 else 3
    X = rng.randn(120, d) + np.repeat(np.arange(3), 40)[:, None] * 4
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    full = gm.full_covariances_
    assert full.shape == (3, d, d)
    # Independent oracle: the precisions' inverses.
    precisions = model.to_full(gm.precisions_, 3, d)
    assert_allclose(full, np.linalg.inv(precisions), rtol=1e-8)


@pytest.mark.parametrize("init_params", ["random_from_data", "k-means++", "random"])
def test_max_iter_zero_is_an_initial_state_not_a_collapse(init_params, rng):
    X = rng.randn(300, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm = GaussianMixture(
            4, max_iter=0, init_params=init_params, random_state=0
        ).fit(X)
    assert gm.collapsed_components_.size == 0
    assert gm.lower_bound_ == -np.inf


@pytest.mark.parametrize("far", [1e155, 1e200, -1e300])
def test_means_init_too_far_to_reach_any_row_is_a_clear_error(far):
    # Under such a mean every row's squared distance overflows: fit used to
    # return a model whose score is -inf and BIC inf, with a warning that
    # blamed too few distinct rows.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(20, 2), rng.randn(20, 2) + 5]
    gm = GaussianMixture(2, means_init=[[far, 0.0], [0.0, 1.0]], random_state=0)
    with pytest.raises(ValueError, match="means_init: the mean of component 0"):
        gm.fit(X)
    # Far but reachable: EM moves it (scikit-learn's answer).
    gm.set_params(means_init=[[1e6, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    assert np.isfinite(gm.score(X)) and np.isfinite(gm.bic(X))


@pytest.mark.parametrize("estimator", ["GaussianMixture", "BayesianGaussianMixture"])
def test_a_structure_set_after_the_fit_applies_from_the_next_fit(estimator):
    # Predictions read the fitted arrays in the structure they were fitted
    # with; scikit-learn's mixtures fail on a broadcast error (diag) or
    # silently misread them. The next fit uses the new structure.
    import gmm_estimators

    X = np.random.RandomState(0).normal(size=(120, 3))
    mixture = getattr(gmm_estimators, estimator)(
        n_components=2, covariance_type="full", max_iter=1000, random_state=0
    ).fit(X)

    def outputs():
        return (
            mixture.predict_proba(X),
            mixture.score_samples(X),
            mixture.sample(4)[0],
            mixture.full_covariances_,
        )

    before = outputs()
    for name in ("diag", "spherical", "tied", "EII"):
        mixture.set_params(covariance_type=name)
        for old, new in zip(before, outputs(), strict=True):
            assert_array_equal(old, new)
    if estimator == "GaussianMixture":
        from gmm_estimators import condition

        # The conditional reads the fitted arrays as well.
        given = condition(mixture, X[:5, :1], [0])
        assert mixture.bic(X) == mixture.set_params(covariance_type="full").bic(X)
        expected = condition(mixture, X[:5, :1], [0])
        assert_array_equal(given.covariance(), expected.covariance())
    mixture.set_params(covariance_type="diag").fit(X)
    assert mixture.covariances_.shape == (2, 3)


@pytest.mark.parametrize(
    "fitted, changed",
    [
        ({}, {"equal_proportions": True}),
        ({}, {"noise": True}),
        ({"noise": True}, {"noise": False}),
        ({"noise": True}, {"noise_volume": 1000.0}),
        ({"equal_proportions": True}, {"equal_proportions": False}),
    ],
)
def test_criteria_count_the_fitted_models_parameters_after_set_params(
    fitted, changed
):
    # bic, aic and icl counted the parameters of the constructor's settings:
    # set_params after the fit changed them, away from n_parameters_.
    X = np.random.RandomState(0).randn(200, 2)
    X[:100] += 4
    mixture = GaussianMixture(2, random_state=0, **fitted).fit(X)
    before = mixture.bic(X), mixture.aic(X), mixture.icl(X), mixture.n_parameters_
    mixture.set_params(**changed)
    assert (mixture.bic(X), mixture.aic(X), mixture.icl(X)) == before[:3]
    log_likelihood = mixture.score(X) * len(X)
    assert_allclose(before[0], -2 * log_likelihood + before[3] * np.log(len(X)))


def test_criteria_of_a_mixture_assembled_by_hand_equal_scikit_learns():
    # Set up the scikit-learn way (weights_, means_, covariances_,
    # precisions_cholesky_): it has no n_parameters_, and bic raised
    # AttributeError once the criteria read the stored count alone.
    X = np.random.RandomState(0).randn(100, 2)
    mixtures = [SklearnGaussianMixture(2), GaussianMixture(2)]
    for mixture in mixtures:
        mixture.weights_ = np.array([0.5, 0.5])
        mixture.means_ = np.array([[0.0, 0.0], [1.0, 1.0]])
        mixture.covariances_ = np.array([np.eye(2)] * 2)
        mixture.precisions_cholesky_ = np.array([np.eye(2)] * 2)
    assert_allclose(mixtures[1].bic(X), mixtures[0].bic(X), rtol=1e-12)
    assert_allclose(mixtures[1].aic(X), mixtures[0].aic(X), rtol=1e-12)


def _corrupt(attribute, how):
    def corrupt(mixture):
        values = np.array(getattr(mixture, attribute), dtype=np.float64)
        if how == "nan":
            values.flat[0] = np.nan
        elif how == "zero":
            values[...] = 0.0
        elif how == "negative":
            values.flat[0] = -0.5
        else:  # a component too few
            values = values[:-1]
        setattr(mixture, attribute, values)

    return corrupt


@pytest.mark.parametrize("covariance_type", ["VVV", "EEE", "VVI", "VII", "VEV"])
@pytest.mark.parametrize(
    "attribute, how",
    [
        ("weights_", "nan"),
        ("weights_", "negative"),
        ("weights_", "short"),
        ("means_", "nan"),
        ("covariances_", "nan"),
        ("covariances_", "zero"),
        ("precisions_cholesky_", "zero"),
        ("precisions_cholesky_", "nan"),
    ],
)
def test_fitted_attributes_set_by_hand_are_checked_where_read(
    covariance_type, attribute, how, rng
):
    # A NaN weight gave NaN probabilities and conditionals silently, sample
    # numpy's "pvals" error, a warm start NaN means; a zero precision factor
    # numpy's LinAlgError: each now names the attribute.
    X = np.r_[rng.standard_normal((40, 3)), rng.standard_normal((40, 3)) + 5]
    fitted = GaussianMixture(2, covariance_type=covariance_type, random_state=0)
    fitted.fit(X)
    _corrupt(attribute, how)(fitted)
    calls = [
        lambda m: m.predict(X),
        lambda m: m.predict_proba(X),
        lambda m: m.score_samples(X),
        lambda m: m.sample(3),
        lambda m: m.partial_fit(X),
        lambda m: condition(m, X[:2, :1], [0]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=attribute):
            call(fitted)
    warm = GaussianMixture(
        2, covariance_type=covariance_type, warm_start=True, random_state=0
    ).fit(X)
    _corrupt(attribute, how)(warm)
    with pytest.raises(ValueError, match=attribute):
        warm.fit(X)


def _refit_estimators():
    from gmm_estimators import GaussianMixtureImputer, GaussianMixtureRegressor

    return [
        GaussianMixture(3, random_state=0),
        BayesianGaussianMixture(n_components=3, random_state=0),
        GaussianMixtureImputer(n_components=3, random_state=0),
        GaussianMixtureRegressor(n_components=3, random_state=0),
    ]


@pytest.mark.parametrize(
    "estimator", _refit_estimators(), ids=lambda e: type(e).__name__
)
def test_a_failed_refit_leaves_the_estimator_unfitted(estimator, rng):
    # Validation sets the new n_features_in_ before the fit fails: the
    # earlier fit's parameters stayed beside it, and the next call raised
    # numpy's "operands could not be broadcast" (the imputer: an
    # AttributeError from its unfitted mixture_).
    X = rng.standard_normal((60, 3))
    X[::7, 0] = np.nan if "Imputer" in type(estimator).__name__ else X[::7, 0]
    args = (X[:, :2], X[:, 2]) if "Regressor" in type(estimator).__name__ else (X,)
    estimator.fit(*args)
    few = rng.standard_normal((2, 4))
    few_args = (few[:, :3], few[:, 3]) if len(args) == 2 else (few,)
    method = "transform" if hasattr(estimator, "transform") else "predict"
    before = getattr(estimator, method)(args[0])
    with pytest.raises(ValueError):
        estimator.fit(*few_args)
    if isinstance(estimator, GaussianMixture | BayesianGaussianMixture):
        # The mixtures are left as they were (as a failed partial_fit).
        assert estimator.n_features_in_ == args[0].shape[1]
        assert_array_equal(getattr(estimator, method)(args[0]), before)
    else:  # as the classifier, the selector and the outlier detector
        assert not hasattr(estimator, "n_features_in_")
        with pytest.raises(NotFittedError):
            getattr(estimator, method)(few_args[0])


def test_a_streamed_fit_warns_of_dependent_features_as_in_memory(rng, tmp_path):
    # The span of streamed rows was not read: a memory map (or Dask array)
    # of dependent features was fitted without the warning the same fit in
    # memory and the selector give.
    a = rng.standard_normal((600, 2))
    X = np.c_[a, 2 * a[:, 0] + 1]
    np.save(tmp_path / "X.npy", X)
    inputs = [X, np.load(tmp_path / "X.npy", mmap_mode="r")]
    for data in inputs:
        with pytest.warns(UserWarning, match="span 2 of the 3 dimensions"):
            GaussianMixture(2, random_state=0).fit(data)


@pytest.mark.parametrize(
    "Estimator, method",
    [
        (GaussianMixture, "fit"),
        (GaussianMixture, "partial_fit"),
        (BayesianGaussianMixture, "fit"),
    ],
)
def test_boolean_n_components_is_a_parameter_error(Estimator, method):
    # bool is an Integral, so Interval(Integral, 1, None) let True through to
    # the engine, which raised numpy's "TypeError: an integer is required".
    X = np.random.RandomState(0).randn(30, 2)
    with pytest.raises(ValueError, match="'n_components' parameter .* Got True"):
        getattr(Estimator(n_components=True), method)(X)
    assert getattr(Estimator(n_components=1), method)(X).n_components == 1


def test_a_warm_start_whose_step_broke_down_reports_its_own_fit():
    # With max_iter=1 per call, a call's M-step can break down unseen: the
    # next call's E-step finds the objective fell, keeps those parameters
    # (component collapsed), and reported lower_bound_ -inf, an empty
    # lower_bounds_ and no collapsed component; the call after accepted the
    # same fall from -inf.
    X = np.random.default_rng(0).standard_t(1, (80, 2))
    gm = GaussianMixture(
        3, tol=0, max_iter=1, random_state=0, warm_start=True, reg_covar=0
    )
    kept = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(6):
            gm.fit(X)
            if gm.n_iter_ == 0:
                kept.append(
                    (gm.lower_bound_, list(gm.lower_bounds_), gm.collapsed_components_)
                )
    assert kept
    for bound, bounds, collapsed in kept:
        assert np.isfinite(bound) and bounds == [bound]
        assert collapsed.size > 0
    assert any("objective fell" in str(w.message) for w in caught)


def test_missing_values_are_refused_in_the_packages_terms():
    # scikit-learn's refusal suggested supervised gradient boosting; the
    # package fits missing values itself (GaussianMixture) or imputes them.
    from gmm_estimators import GaussianMixtureOutlierDetector, GaussianMixtureRegressor

    X = np.random.RandomState(0).rand(30, 2)
    X[0, 0] = np.nan
    for estimator in (
        BayesianGaussianMixture(n_components=2),
        GaussianMixtureOutlierDetector(),
    ):
        with pytest.raises(ValueError, match="NaN.*GaussianMixtureImputer") as caught:
            estimator.fit(X)
        assert "HistGradientBoosting" not in str(caught.value)
    y = np.r_[np.nan, np.ones(29)]
    with pytest.raises(ValueError, match="y contains NaN.*Leave out the rows"):
        GaussianMixtureRegressor(2).fit(np.nan_to_num(X), y)


def test_given_weights_leave_the_structure_only_under_equal_proportions():
    # Unequal weights_init are inside the model unless the proportions are
    # held equal: only then may the first M-step lower the objective.
    from gmm_estimators._engine import EMOptions, Params
    from gmm_estimators._fit_starts import _override

    model = get_covariance_model("VVV")
    for equal, expected in ((False, False), (True, True)):
        params = Params(
            np.full(2, 0.5), np.zeros((2, 2)), np.tile(np.eye(2), (2, 1, 1)), None
        )
        options = EMOptions(
            reg_covar=0.0, tol=1e-3, max_iter=10, equal_proportions=equal
        )
        _override(params, ([0.7, 0.3], None, None), model, np.zeros(2), options=options)
        assert params.given is expected
