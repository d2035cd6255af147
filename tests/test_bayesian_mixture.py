"""BayesianGaussianMixture: scikit-learn equivalence, priors, engine hooks, API."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.special import gammaln, xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture as SklearnBGM
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from gmm_estimators import BayesianGaussianMixture, GaussianMixture, _variational
from gmm_estimators import _engine as _em
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.datasets import load_old_faithful
from gmm_estimators.exceptions import DegenerateFitWarning

SKLEARN_TYPES = ["full", "tied", "diag", "spherical"]
PRIOR_TYPES = ["dirichlet_process", "dirichlet_distribution"]
POSTERIOR = [
    "weights_",
    "means_",
    "covariances_",
    "precisions_",
    "precisions_cholesky_",
    "mean_precision_",
    "degrees_of_freedom_",
]
PRIORS = [
    "weight_concentration_prior_",
    "mean_precision_prior_",
    "mean_prior_",
    "degrees_of_freedom_prior_",
    "covariance_prior_",
]


def three_blobs(rng, n_per=40, n_features=3):
    parts = []
    for k in range(3):
        A = rng.randn(n_features, n_features)
        parts.append(rng.randn(n_per, n_features) @ A + 7.0 * k)
    return np.vstack(parts)


def from_same_start(cls, X, resp, **params):
    """Fit ``cls`` with the posterior of one M-step from ``resp`` as its start.

    Both libraries take the same route: the priors from X, the start from the
    given responsibilities, then a warm-started fit.
    """
    estimator = cls(n_components=resp.shape[1], warm_start=True, **params)
    estimator._check_parameters(X)
    estimator._initialize(X, resp)
    estimator.converged_ = False
    estimator.lower_bound_ = -np.inf
    # One BLAS thread: scikit-learn's many tiny products are slowed down
    # several times by idle BLAS threads on a busy machine.
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X)


def assert_same_posterior(ours, ref, rtol=1e-10):
    for name in POSTERIOR:
        expected = np.asarray(getattr(ref, name), dtype=np.float64)
        assert np.shape(getattr(ours, name)) == expected.shape, name
        assert_allclose(getattr(ours, name), expected, rtol=rtol, err_msg=name)
    concentration = ref.weight_concentration_
    if isinstance(concentration, tuple):
        for mine, theirs in zip(ours.weight_concentration_, concentration, strict=True):
            assert_allclose(mine, theirs, rtol=rtol)
    else:
        assert_allclose(ours.weight_concentration_, concentration, rtol=rtol)


# --------------------------------------------------------------- sklearn oracle
@pytest.mark.parametrize("prior_type", PRIOR_TYPES)
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_same_fit_as_sklearn_from_same_start(covariance_type, prior_type, rng):
    X = three_blobs(rng)
    resp = rng.dirichlet(np.ones(5), size=X.shape[0])
    params = dict(
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        max_iter=12,
        tol=0,
    )
    ours = from_same_start(BayesianGaussianMixture, X, resp, **params)
    ref = from_same_start(SklearnBGM, X, resp, **params)

    assert_same_posterior(ours, ref)
    assert ours.n_iter_ == ref.n_iter_ == 12
    # scikit-learn's tied bound is a 1-element array; ours is a float.
    assert_allclose(ours.lower_bound_, np.ravel(ref.lower_bound_)[0], rtol=1e-10)
    assert_allclose(np.ravel(ours.lower_bounds_), np.ravel(ref.lower_bounds_), 1e-10)
    assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-10)
    assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-10)
    assert_array_equal(ours.predict(X), ref.predict(X))
    # scikit-learn's private helpers, which its tests call, agree too.
    assert_allclose(ours._estimate_log_weights(), ref._estimate_log_weights(), 1e-10)
    assert_allclose(ours._estimate_log_prob(X), ref._estimate_log_prob(X), 1e-10)
    with threadpool_limits(1, user_api="blas"):
        log_prob_norm, log_resp = ref._e_step(X)
    assert_allclose(
        ours._compute_lower_bound(log_resp, log_prob_norm),
        np.ravel(ref._compute_lower_bound(log_resp, log_prob_norm))[0],
        rtol=1e-10,
    )


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_given_priors_match_sklearn(covariance_type, rng):
    X = three_blobs(rng, n_per=40)
    d = X.shape[1]
    covariance_prior = {
        "full": np.cov(X.T) * 0.3 + np.eye(d),
        "tied": np.cov(X.T) * 0.3 + np.eye(d),
        "diag": np.var(X, axis=0) * 0.5,
        "spherical": 2.5,
    }[covariance_type]
    params = dict(
        covariance_type=covariance_type,
        weight_concentration_prior=3.0,
        mean_precision_prior=0.2,
        mean_prior=np.array([1.0, -2.0, 0.5]),
        degrees_of_freedom_prior=d + 1.5,
        covariance_prior=covariance_prior,
        reg_covar=1e-3,
        max_iter=8,
        tol=0,
    )
    resp = rng.dirichlet(np.ones(4), size=X.shape[0])
    ours = from_same_start(BayesianGaussianMixture, X, resp, **params)
    ref = from_same_start(SklearnBGM, X, resp, **params)
    assert_same_posterior(ours, ref)
    for name in PRIORS:
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12)


@pytest.mark.parametrize("fill", [False, True])
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_default_priors_are_sklearns(covariance_type, fill, rng):
    X = rng.randn(30, 3) * [1.0, 5.0, 0.1] + 40.0
    if fill:
        # Rows of a fill value: the rows are centred on the median of the
        # first feature, the default priors still read the data's mean and
        # covariance (they read the centre and the scatter about it).
        X[:2, 0] = 1e20
    ours = BayesianGaussianMixture(covariance_type=covariance_type)
    ref = SklearnBGM(covariance_type=covariance_type)
    ours._check_parameters(X)
    ref._check_parameters(X)
    for name in PRIORS:
        assert np.shape(getattr(ours, name)) == np.shape(getattr(ref, name)), name
        assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12)


def test_converged_fit_stops_where_sklearn_stops(rng):
    X = three_blobs(rng, n_per=30)
    resp = rng.dirichlet(np.ones(4), size=X.shape[0])
    ours = from_same_start(BayesianGaussianMixture, X, resp, tol=1e-3, max_iter=500)
    ref = from_same_start(SklearnBGM, X, resp, tol=1e-3, max_iter=500)
    assert ours.converged_ and ref.converged_
    assert ours.n_iter_ == ref.n_iter_
    assert_allclose(ours.means_, ref.means_, rtol=1e-9)


def test_same_parameters_as_sklearn():
    assert BayesianGaussianMixture().get_params() == SklearnBGM().get_params()


# ------------------------------------------------------------- closed forms
def test_normalisers_against_closed_forms(rng):
    alpha = rng.rand(4) + 0.1
    assert_allclose(
        _variational.log_dirichlet_norm(alpha),
        gammaln(alpha.sum()) - gammaln(alpha).sum(),
    )
    # The Wishart normaliser with scale L L^T (|L| = 2^d here) against scipy's
    # log-density at the identity, which is log B + ((nu - d - 1) log|I| - tr(...)) / 2.
    d, nu = 3, 5.5
    scale = 4.0 * np.eye(d)  # L = 2 I
    log_b = _variational.log_wishart_norm(np.array([nu]), np.array([d * np.log(2)]), d)
    expected = stats.wishart(df=nu, scale=scale).logpdf(np.eye(d)) + 0.5 * np.trace(
        np.linalg.solve(scale, np.eye(d))
    )
    # scikit-learn's normaliser leaves out d(d-1)/4 log(pi).
    assert_allclose(log_b[0] - d * (d - 1) / 4 * np.log(np.pi), expected)


def test_expected_log_weights_against_monte_carlo(rng):
    a, b = np.array([3.0, 2.0, 1.5]), np.array([4.0, 2.5, 0.7])
    sticks = rng.beta(a, b, size=(100_000, 3))
    remaining = np.cumprod(np.hstack([np.ones((len(sticks), 1)), 1 - sticks]), axis=1)
    log_pi = np.log(sticks * remaining[:, :3])
    expected = _variational.expected_log_weights((a, b), process=True)
    assert_allclose(expected, log_pi.mean(axis=0), atol=1e-2)
    alpha = np.array([2.0, 3.0, 5.0])
    draws = np.log(rng.dirichlet(alpha, size=100_000)).mean(axis=0)
    assert_allclose(_variational.expected_log_weights(alpha, False), draws, atol=1e-2)


def test_engine_entropy_is_the_responsibilities_entropy(rng):
    X = three_blobs(rng, n_per=30)
    w = rng.rand(X.shape[0]) * 3
    gm = GaussianMixture(3, random_state=0).fit(X)
    data = _em.ArraySource.from_arrays(X, w)
    params = gm._params_from_attributes(data.center)
    model = get_covariance_model("full")
    log_likelihood, with_entropy = _em.em_step(model, data, params, entropy=True)
    same_ll, without = _em.em_step(model, data, params)
    resp = gm.predict_proba(X)
    assert_allclose(with_entropy.entropy, w @ xlogy(resp, resp).sum(axis=1), 1e-10)
    # Off by default, and the statistics do not change with it.
    assert not hasattr(without, "entropy")
    assert log_likelihood == same_ll
    assert_array_equal(with_entropy.nk, without.nk)


# ------------------------------------------------------------- behaviour
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_lower_bound_never_decreases(covariance_type, rng):
    X = three_blobs(rng, n_per=40)
    bgm = BayesianGaussianMixture(
        n_components=6,
        covariance_type=covariance_type,
        init_params="random",
        tol=0,
        max_iter=30,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bounds = np.asarray(bgm.fit(X).lower_bounds_)
    assert np.all(np.diff(bounds) >= -1e-9 * np.abs(bounds[1:]))


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    covariance_type=st.sampled_from(SKLEARN_TYPES),
    prior_type=st.sampled_from(PRIOR_TYPES),
    concentration=st.floats(1e-3, 1e3),
    mean_precision=st.floats(1e-2, 1e2),
    extra_dof=st.floats(0.0, 10.0),
)
def test_lower_bound_never_decreases_under_any_prior(
    seed, covariance_type, prior_type, concentration, mean_precision, extra_dof
):
    rng = np.random.RandomState(seed)
    X = rng.randn(40, 2) * rng.uniform(0.1, 10.0, size=2) + rng.randn(2) * 5
    X[:20] += 4.0
    bgm = BayesianGaussianMixture(
        n_components=4,
        covariance_type=covariance_type,
        weight_concentration_prior_type=prior_type,
        weight_concentration_prior=concentration,
        mean_precision_prior=mean_precision,
        degrees_of_freedom_prior=1.01 + extra_dof,
        init_params="random",
        tol=0,
        max_iter=15,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bounds = np.asarray(bgm.fit(X).lower_bounds_)
    assert np.all(np.isfinite(bounds))
    assert np.all(np.diff(bounds) >= -1e-9 * np.abs(bounds[1:]))


def test_dirichlet_process_empties_unneeded_components(rng):
    X = three_blobs(rng)
    dp = BayesianGaussianMixture(
        n_components=8,
        weight_concentration_prior=1e-3,
        max_iter=300,
        random_state=0,
    ).fit(X)
    assert np.sum(dp.weights_ > 0.02) == 3
    assert dp.weights_.sum() == pytest.approx(1.0)
    # The labels use only the active components.
    assert set(np.unique(dp.labels_)) <= set(np.flatnonzero(dp.weights_ > 0.02))


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
@pytest.mark.parametrize("prior_type", PRIOR_TYPES)
def test_emptied_components_are_not_collapsed(covariance_type, prior_type):
    # n_components as an upper bound (doc/variational.rst): the posterior
    # empties the surplus components on purpose. That is the method working,
    # not a degenerate fit: no warning, nothing in collapsed_components_.
    X = load_old_faithful(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        bgm = BayesianGaussianMixture(
            n_components=10,
            covariance_type=covariance_type,
            weight_concentration_prior_type=prior_type,
            weight_concentration_prior=1e-3,
            max_iter=500,
            random_state=0,
        ).fit(X)
    assert np.sum(bgm.weights_ > 0.01) <= 4
    # Most components hold no rows at all (maximum likelihood's test calls
    # such a component collapsed).
    held = bgm.mean_precision_ - bgm.mean_precision_prior_
    assert np.sum(held < 1e-8 * X.shape[0]) >= 6
    assert_array_equal(bgm.collapsed_components_, [])
    assert_array_equal(bgm.spurious_components_, [])


def test_component_on_few_rows_is_sound_under_the_wishart_prior():
    # The docstring's example: one component holds about two rows of six, too
    # few for a maximum-likelihood covariance in two dimensions, but the
    # Wishart prior keeps its covariance positive definite.
    X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [12, 4], [10, 7]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        bgm = BayesianGaussianMixture(n_components=2, random_state=42).fit(X)
    assert (bgm.mean_precision_ - bgm.mean_precision_prior_).min() < 3
    assert_array_equal(bgm.collapsed_components_, [])
    assert_array_equal(bgm.spurious_components_, [])


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag"])
def test_singular_covariance_prior_is_reported(covariance_type, rng):
    # A constant feature makes the default covariance_prior singular; with
    # reg_covar=0 nothing keeps the components' covariances positive
    # definite along it: they had to be regularised, and fit says so with
    # BayesianGaussianMixture's own parameters (not GaussianMixture's prior).
    X = np.c_[np.r_[rng.randn(150, 2), rng.randn(150, 2) + 5], np.ones(300)]
    bgm = BayesianGaussianMixture(
        n_components=3, covariance_type=covariance_type, reg_covar=0, random_state=0
    )
    with pytest.warns(DegenerateFitWarning, match="covariance_prior") as record:
        bgm.fit(X)
    message = " ".join(str(w.message) for w in record)
    assert "reg_covar" in message and "prior='default'" not in message
    assert set(bgm.collapsed_components_) == set(range(3))
    # Every parameter the advice names is one of the estimator's.
    named = {
        word.strip(".,():;")
        for word in message.split()
        if word.strip(".,():;").endswith(("_prior", "reg_covar"))
    }
    assert named and named <= set(bgm.get_params())


def _fit_with_a_singular_prior(X):
    """Six components on two clusters of a constant feature, without reg_covar."""
    with pytest.warns(DegenerateFitWarning):
        return BayesianGaussianMixture(
            n_components=6,
            weight_concentration_prior=1e-3,
            reg_covar=0,
            max_iter=500,
            random_state=0,
        ).fit(X)


def test_emptied_components_are_not_reported_when_others_are(rng):
    # With a singular prior only the components holding rows are listed:
    # an emptied component's covariance is the prior's, not a collapse.
    X = np.c_[np.r_[rng.randn(150, 2), rng.randn(150, 2) + 5], np.ones(300)]
    bgm = _fit_with_a_singular_prior(X)
    held = bgm.mean_precision_ - bgm.mean_precision_prior_
    emptied = np.flatnonzero(held < 1e-8 * X.shape[0])
    assert emptied.size
    assert set(bgm.collapsed_components_) == set(np.flatnonzero(held >= 1e-8 * 300))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emptied_components_are_not_reported_in_either_dtype(dtype, rng):
    # The M-step's guard on N_k is 10 eps of the data's dtype: 1.2e-6 in
    # float32, more than the emptied threshold of 50 rows (5e-7); the
    # emptied components were listed as collapsed in float32.
    X = np.c_[np.r_[rng.randn(25, 2), rng.randn(25, 2) + 5], np.ones(50)]
    bgm = _fit_with_a_singular_prior(X.astype(dtype))
    held = bgm.mean_precision_ - bgm.mean_precision_prior_
    emptied = held < 1e-5
    assert emptied.sum() >= 2
    assert_array_equal(bgm.collapsed_components_, np.flatnonzero(~emptied))


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++"])
def test_integer_weights_equal_repeated_rows(init_params, rng):
    # k-means++ seeds count once each, as the copy of their row the draw
    # picks (they counted their row's weight: the prior then moved them).
    X = three_blobs(rng, n_per=30)
    weights = rng.randint(1, 4, size=X.shape[0])
    kwargs = dict(
        n_components=3, init_params=init_params, random_state=0, tol=0, max_iter=10
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = BayesianGaussianMixture(**kwargs).fit(X, sample_weight=weights)
        plain = BayesianGaussianMixture(**kwargs).fit(np.repeat(X, weights, axis=0))
    for name in [*POSTERIOR, "mean_prior_", "covariance_prior_"]:
        assert_allclose(getattr(weighted, name), getattr(plain, name), rtol=1e-9)
    assert_allclose(weighted.lower_bounds_, plain.lower_bounds_, rtol=1e-10)


@pytest.mark.parametrize("total", [1.0, 1.0 + 2.0**-52, 1.0 + 1e-7, 0.5])
@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
def test_normalised_weights_give_a_positive_covariance_prior(
    covariance_type, total, rng
):
    # Weights summing to about 1: sum(w) - 1 is zero or tiny (to rounding),
    # which made the default covariance_prior -1e16 (or +8.7e16) times the
    # data's covariance.
    X = three_blobs(rng, n_per=30)
    weights = rng.uniform(0.5, 1.5, size=X.shape[0])
    weights *= total / weights.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        bgm = BayesianGaussianMixture(
            n_components=3, covariance_type=covariance_type, random_state=0
        ).fit(X, sample_weight=weights)
    center = weights @ X
    center = center / weights.sum()
    scatter = ((X - center).T * weights) @ (X - center)
    expected = scatter / max(weights.sum() - 1.0, 0.5 * weights.sum())
    ref = BayesianGaussianMixture(covariance_type=covariance_type)
    ref._check_parameters(X)  # the prior's shape for this structure
    prior = {
        "full": expected,
        "tied": expected,
        "diag": np.diag(expected),
        "spherical": np.mean(np.diag(expected)),
    }[covariance_type]
    assert np.shape(bgm.covariance_prior_) == np.shape(ref.covariance_prior_)
    assert_allclose(bgm.covariance_prior_, prior, rtol=1e-10)
    assert bgm.collapsed_components_.size == 0
    assert np.all(np.isfinite(bgm.score_samples(X)))


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_float32_stays_float32(covariance_type, rng):
    # Far from the origin and tight, from a start near the blobs.
    X = (three_blobs(rng) * 1e-2 + 1e3).astype(np.float32)
    resp = np.repeat(np.eye(3), X.shape[0] // 3, axis=0) * 0.8 + 0.2 / 3
    params = dict(covariance_type=covariance_type, tol=0, max_iter=10)
    narrow = from_same_start(BayesianGaussianMixture, X, resp, **params)
    wide = from_same_start(
        BayesianGaussianMixture, X.astype(np.float64), resp, **params
    )
    for name in ["weights_", "means_", "covariances_", "precisions_"]:
        assert getattr(narrow, name).dtype == np.float32
    assert narrow.score_samples(X).dtype == np.float32
    assert_allclose(narrow.means_, wide.means_, rtol=1e-6)
    assert_allclose(narrow.covariances_, wide.covariances_, rtol=2e-3)
    assert_allclose(narrow.lower_bound_, wide.lower_bound_, rtol=1e-4)


def test_mclust_names_are_the_same_structures(rng):
    X = three_blobs(rng, n_per=30)
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    for sk_name, mclust_name in [("tied", "EEE"), ("spherical", "VII")]:
        a = from_same_start(
            BayesianGaussianMixture, X, resp, covariance_type=sk_name, max_iter=5
        )
        b = from_same_start(
            BayesianGaussianMixture, X, resp, covariance_type=mclust_name, max_iter=5
        )
        assert_same_posterior(a, b, rtol=0)


def test_warm_start_continues_from_the_posterior(rng):
    X = three_blobs(rng)
    bgm = BayesianGaussianMixture(
        n_components=4, warm_start=True, max_iter=2, tol=0, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = bgm.fit(X).lower_bound_
        second = bgm.fit(X).lower_bound_
        straight = BayesianGaussianMixture(
            n_components=4, max_iter=4, tol=0, random_state=0
        ).fit(X)
    assert second >= first
    assert_allclose(second, straight.lower_bound_, rtol=1e-12)


@pytest.mark.parametrize("n_components", [2, 3])
@pytest.mark.parametrize("fitted, changed", [PRIOR_TYPES, PRIOR_TYPES[::-1]])
def test_changed_weight_prior_type_after_fit(fitted, changed, n_components, rng):
    # The fitted posterior keeps its own form: predictions read it, and a
    # warm start from the other form is refused clearly (was a TypeError, or
    # with two components a Dirichlet read silently as the two sticks).
    X = three_blobs(rng, n_per=30)
    bgm = BayesianGaussianMixture(
        n_components=n_components,
        weight_concentration_prior_type=fitted,
        warm_start=True,
        random_state=0,
    ).fit(X)
    proba, density = bgm.predict_proba(X), bgm.score_samples(X)
    log_weights = bgm._estimate_log_weights()
    bgm.set_params(weight_concentration_prior_type=changed)
    assert_allclose(bgm.predict_proba(X), proba, rtol=1e-12, atol=1e-300)
    assert_allclose(bgm.score_samples(X), density, rtol=1e-12)
    assert_allclose(bgm._estimate_log_weights(), log_weights, rtol=1e-12)
    with pytest.raises(ValueError, match=f"prior_type='{changed}'"):
        bgm.fit(X)


@pytest.mark.parametrize("covariance_type", SKLEARN_TYPES)
@pytest.mark.parametrize(
    "params", [dict(mean_prior=[1e160, 0.0]), dict(reg_covar=1e307)]
)
def test_overflowing_posterior_is_refused(covariance_type, params, rng):
    # The data's squares fit, the posterior's scatter does not: a clear error
    # (was a fit with infinite covariances, a -inf bound and a warning
    # blaming components on too few rows).
    X = rng.randn(40, 2)
    bgm = BayesianGaussianMixture(
        n_components=2, covariance_type=covariance_type, random_state=0, **params
    )
    with pytest.raises(ValueError, match="posterior's scatter overflows float64"):
        bgm.fit(X)
    # Just within float64, the same priors fit with finite posteriors.
    within = {name: np.multiply(value, 1e-10) for name, value in params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reg_covar swamps the data
        bgm.set_params(**within).fit(X)
    for name in POSTERIOR:
        assert np.all(np.isfinite(getattr(bgm, name))), name


def test_labels_predict_and_fit_predict_agree(rng):
    X = three_blobs(rng, n_per=30)
    bgm = BayesianGaussianMixture(n_components=4, max_iter=3, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        labels = bgm.fit_predict(X)
    assert_array_equal(labels, bgm.labels_)
    assert_array_equal(labels, bgm.predict(X))
    assert_array_equal(labels, bgm.predict_proba(X).argmax(axis=1))
    assert_allclose(np.exp(bgm.predict_log_proba(X)), bgm.predict_proba(X))


def test_no_information_criteria(rng):
    bgm = BayesianGaussianMixture(n_components=2).fit(three_blobs(rng, n_per=20))
    assert not hasattr(bgm, "bic") and not hasattr(bgm, "aic")
    assert not hasattr(bgm, "prior_")
    # A call says why and what to use instead (scikit-learn's available_if
    # said only "has no attribute 'bic'").
    for name in ("bic", "aic", "icl"):
        with pytest.raises(AttributeError, match="lower_bound_.*GaussianMixtureIC"):
            getattr(bgm, name)(three_blobs(rng, n_per=20))


def test_a_failing_offer_check_reads_as_not_offered():
    # As scikit-learn's available_if: hasattr() answers False when the check
    # fails otherwise than by saying why (an AttributeError).
    from gmm_estimators._offered import offered_if

    def check(estimator):
        raise ValueError("broken check")

    class Offering:
        @offered_if(check)
        def method(self):
            """A method."""

    assert not hasattr(Offering(), "method")
    with pytest.raises(AttributeError, match="has no attribute 'method'"):
        Offering().method()
    assert Offering.method.__doc__ == "A method."


def test_no_integrated_completed_likelihood(rng):
    # ICL is BIC plus an entropy: it was offered, on the variational
    # log-densities, while BIC was not.
    bgm = BayesianGaussianMixture(n_components=2).fit(three_blobs(rng, n_per=20))
    assert not hasattr(bgm, "icl")


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(degrees_of_freedom_prior=1.5), "greater than 2, but got 1.500"),
        (dict(mean_prior=[0.0, 1.0]), r"mean_prior should have shape \(3,\)"),
        (dict(covariance_prior=np.eye(2)), r"shape \(3, 3\)"),
        (dict(covariance_prior=-np.eye(3)), "positive-definite"),
        (dict(covariance_type="diag", covariance_prior=[1.0, -1.0, 1.0]), "positive"),
        (dict(covariance_type="spherical", covariance_prior=[1, 2]), "positive number"),
        (dict(covariance_type="VEV"), "covariance_type"),
        (dict(weight_concentration_prior=0.0), "weight_concentration_prior"),
        (dict(weight_concentration_prior_type="pitman"), "prior_type"),
    ],
)
def test_invalid_parameters(params, match, rng):
    with pytest.raises(ValueError, match=match):
        BayesianGaussianMixture(n_components=2, **params).fit(rng.randn(20, 3))


# --------------------------------------------------------- scikit-learn checks
@parametrize_with_checks(
    [
        BayesianGaussianMixture(),
        BayesianGaussianMixture(n_components=2, max_iter=5, n_init=2),
    ],
    expected_failed_checks=lambda estimator: {},
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_every_fitted_attribute_is_documented(rng):
    bgm = BayesianGaussianMixture(n_components=2).fit(three_blobs(rng, n_per=20))
    fitted = [name for name in vars(bgm) if name.endswith("_") and name[0] != "_"]
    documented = BayesianGaussianMixture.__doc__.split("Attributes")[1]
    assert len(fitted) >= 20
    for name in fitted:
        assert f"\n    {name} : " in documented, name


@pytest.mark.parametrize("value", [np.array(2.0), [2.0], np.array([2.0])])
def test_spherical_covariance_prior_as_a_one_element_array(value):
    # scikit-learn takes these for a spherical prior; they were refused.
    X = np.random.RandomState(0).randn(50, 2)
    settings = dict(n_components=2, covariance_type="spherical", random_state=0)
    number = BayesianGaussianMixture(covariance_prior=2.0, **settings).fit(X)
    array = BayesianGaussianMixture(covariance_prior=value, **settings).fit(X)
    assert array.covariance_prior_ == 2.0
    np.testing.assert_array_equal(array.covariances_, number.covariances_)
    with pytest.raises(ValueError, match="should be a positive number"):
        BayesianGaussianMixture(covariance_prior=[1.0, 2.0], **settings).fit(X)


@pytest.mark.parametrize(
    "covariance_type, shape", [("full", r"\(2, 2\)"), ("diag", r"\(2,\)")]
)
def test_a_number_as_a_matrix_or_diagonal_prior_is_refused_by_name(
    covariance_type, shape
):
    # check_array's "Input should have at least 1 dimension" (a TypeError,
    # as scikit-learn's) named neither the parameter nor the shape.
    X = np.random.RandomState(0).randn(50, 2)
    settings = dict(n_components=2, covariance_type=covariance_type, random_state=0)
    with pytest.raises(ValueError, match=f"covariance_prior .*shape {shape}; got 2.0"):
        BayesianGaussianMixture(covariance_prior=2.0, **settings).fit(X)
    # The remedy it names fits, as the spherical prior of that number.
    prior = 2.0 * np.eye(2) if covariance_type == "full" else np.full(2, 2.0)
    fitted = BayesianGaussianMixture(covariance_prior=prior, **settings).fit(X)
    np.testing.assert_array_equal(fitted.covariance_prior_, prior)


def test_weights_summing_beyond_the_bounds_reach_are_a_clear_error():
    # A total of 1e306 passed the data's checks; the lower bound overflowed
    # to -inf after numpy's warnings, reported as "too few distinct rows".
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(50, 3), rng.randn(50, 3) + 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="sample_weight sums to 1e\\+306"):
            BayesianGaussianMixture(n_components=2, random_state=0).fit(
                X, sample_weight=np.full(100, 1e304)
            )
        # Large counts below it fit.
        fitted = BayesianGaussianMixture(n_components=2, random_state=0).fit(
            X, sample_weight=np.full(100, 1e290)
        )
    assert np.isfinite(fitted.lower_bound_)


def test_a_regularised_covariance_is_stored_as_its_precision_says():
    # x2 = 2 x1 + 1 with reg_covar=0 and the data's (singular) scatter as
    # covariance_prior: the covariances had to be regularised to be
    # factorised, and were stored as computed, with a negative eigenvalue
    # (not positive definite as stored), not the covariance the precision
    # and sample() use.
    rng = np.random.RandomState(0)
    z = rng.randn(200)
    X = np.c_[z, 2 * z + 1, rng.randn(200)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgm = BayesianGaussianMixture(
            n_components=3, reg_covar=0.0, random_state=0
        ).fit(X)
    from scipy.linalg import solve_triangular

    assert bgm.collapsed_components_.size > 0  # flagged as it is
    for covariance, cholesky in zip(
        bgm.covariances_, bgm.precisions_cholesky_, strict=True
    ):
        np.linalg.cholesky(covariance)  # positive definite as stored
        # inv(P P^T) through the triangular inverse (backward stable).
        inverse = solve_triangular(cholesky, np.eye(3), lower=False)
        assert_allclose(covariance, inverse.T @ inverse, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"degrees_of_freedom_prior": 1e307}, "degrees_of_freedom_prior"),
        ({"weight_concentration_prior": 1e-309}, "weight_concentration_prior"),
    ],
)
def test_a_prior_whose_normalisers_overflow_is_named(params, name):
    # The lower bound was -inf at the first iteration (lower_bound_ -inf,
    # n_iter_ 0) and the warning blamed an unbounded likelihood and advised
    # prior='default', a parameter this estimator does not have.
    X = np.random.RandomState(0).randn(50, 2)
    with pytest.raises(ValueError, match=f"{name}=.* no finite value"):
        BayesianGaussianMixture(n_components=2, random_state=0, **params).fit(X)


@pytest.mark.parametrize("covariance_type", ["VEV", "EEI"])
def test_a_structure_without_a_variational_update_is_refused_with_the_reason(
    covariance_type,
):
    # scikit-learn's message listed the eight names alone.
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.default_rng(0).normal(size=(40, 2))
    model = BayesianGaussianMixture(n_components=2, covariance_type=covariance_type)
    with pytest.raises(InvalidParameterError, match="closed-form variational") as e:
        model.fit(X)
    assert "GaussianMixtureIC" in str(e.value)
    assert repr(covariance_type) in str(e.value)
