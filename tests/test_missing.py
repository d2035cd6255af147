"""Tests of EM with missing values (_missing) and GaussianMixture on NaN."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import optimize
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from gmm_estimators import (
    ConjugatePrior,
    GaussianMixture,
    GaussianMixtureImputer,
    available_covariance_types,
)
from gmm_estimators import _engine as _em
from gmm_estimators._conditional import PatternGaussians, missing_patterns
from gmm_estimators._missing import (
    MissingValuesSource,
    PatternIndex,
    e_step,
    observed_log_likelihood,
    start_statistics,
)
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.exceptions import DegenerateFitWarning, NoSoundCandidateError


def two_clusters(rng, n=120, missing=0.3):
    X = np.vstack(
        [
            rng.multivariate_normal(
                [0, 0, 0], [[1, 0.6, 0.2], [0.6, 1, 0.3], [0.2, 0.3, 1]], n
            ),
            rng.multivariate_normal(
                [4, 4, -1], [[1, -0.4, 0], [-0.4, 1, 0], [0, 0, 0.5]], n
            ),
        ]
    )
    Xm = X.copy()
    Xm[rng.rand(*X.shape) < missing] = np.nan
    return X, Xm[~np.isnan(Xm).all(axis=1)]


def full_params(gm):
    K, d = gm.means_.shape
    full = get_covariance_model(gm.covariance_type).to_full(gm.covariances_, K, d)
    return gm.weights_, gm.means_, full


# ------------------------------------------------- the vectorised E-step
def reference_e_step(X, weights, means, covariances, sample_weight=None):
    """The E-step pattern by pattern: Cholesky of each observed block, and the
    conditional means ``mu_m + B (x_o - mu_o)`` and covariances ``C``."""
    K, d = means.shape
    nk, sums, raw, log_likelihood = (
        np.zeros(K),
        np.zeros((K, d)),
        np.zeros((K, d, d)),
        0.0,
    )
    w_all = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    for pattern in missing_patterns(X):
        o, m = pattern.observed, pattern.missing
        gaussians = PatternGaussians(means, covariances, o, m)
        residuals = gaussians.residuals(X[np.ix_(pattern.rows, o)])
        weighted = gaussians.log_densities(residuals) + np.log(weights)
        log_norm = np.logaddexp.reduce(weighted, axis=1)
        w = w_all[pattern.rows]
        resp = np.exp(weighted - log_norm[:, None]) * w[:, None]
        log_likelihood += w @ log_norm
        cond_means = gaussians.conditional_means(residuals)  # (n, K, m)
        for k in range(K):
            full = np.tile(X[pattern.rows], 1)
            full[:, m] = cond_means[:, k]
            e = full - means[k]
            nk[k] += resp[:, k].sum()
            sums[k] += resp[:, k] @ e
            raw[k] += (e * resp[:, k, None]).T @ e
            raw[k][np.ix_(m, m)] += resp[:, k].sum() * gaussians.covariances[k]
    return log_likelihood, nk, sums, raw


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("budget", [2**20, 40])
def test_e_step_matches_pattern_by_pattern_reference(rng, budget, exact, monkeypatch):
    import gmm_estimators._missing_exact as exact_module

    # A small budget splits the rows into many groups and single-pattern chunks.
    monkeypatch.setattr(exact_module, "_GROUP_ENTRIES", budget)
    if exact:
        # Every covariance read pattern by pattern from its observed blocks,
        # as an ill-conditioned one is.
        monkeypatch.setattr(exact_module, "_EXACT_CONDITION", 1.0)
    K, d = 3, 4
    weights = rng.dirichlet(np.ones(K))
    means = rng.randn(K, d)
    factors = rng.randn(K, d, d)
    covariances = factors @ factors.transpose(0, 2, 1) + 0.3 * np.eye(d)
    X = rng.randn(60, d) * 2
    X[rng.rand(60, d) < 0.3] = np.nan
    X[:25, :] = rng.randn(25, d)  # a large complete pattern
    X = X[~np.isnan(X).all(axis=1)]
    sample_weight = rng.uniform(0.5, 2.0, X.shape[0])
    index = PatternIndex.from_array(X, sample_weight)
    log_likelihood, stats = e_step(index, weights, means, covariances)
    expected = reference_e_step(X, weights, means, covariances, sample_weight)
    assert_allclose(log_likelihood, expected[0], rtol=1e-12)
    assert_allclose(stats.nk, expected[1], rtol=1e-12)
    assert_allclose(stats.sums, expected[2], rtol=1e-10, atol=1e-12)
    assert_allclose(stats.raw, expected[3], rtol=1e-10, atol=1e-12)


def test_ill_conditioned_covariance_keeps_the_observed_likelihood_exact():
    # x3 = x1 + x2 up to 1e-4: a covariance whose correlation has condition
    # number 2e9. The observed blocks' distances as the full precision less
    # a Schur complement left the log-likelihood off by 0.004 per row and
    # EM's bound going down by 0.01 every other step; read from each
    # pattern's observed block it is the reference's and never decreases.
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 400))
    X = np.column_stack([x1, x2, x1 + x2 + 1e-4 * rng.normal(size=400)])
    X[rng.random(X.shape) < 0.05] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    gm = GaussianMixture(
        1, covariance_type="VVV", reg_covar=1e-10, max_iter=1, warm_start=True
    )
    bounds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(30):
            bounds.append(gm.fit(X).lower_bound_)
    assert np.diff(bounds).min() > -1e-8
    expected = reference_e_step(X, gm.weights_, gm.means_, gm.covariances_)[0]
    assert_allclose(gm.score(X) * X.shape[0], expected, rtol=1e-9)


# --------------------------------------------------------- complete data
@pytest.mark.parametrize(
    "covariance_type", ["full", "tied", "diag", "spherical", "VEV"]
)
def test_missing_path_on_complete_data_matches_engine(rng, covariance_type):
    """The expected statistics reduce to the complete-data ones without NaN."""
    X, _ = two_clusters(rng, n=40)
    model = get_covariance_model(covariance_type)
    with pytest.warns(Warning):
        gm = GaussianMixture(
            2, covariance_type=covariance_type, max_iter=3, random_state=0, tol=0
        ).fit(X)
    data = _em.ArraySource.from_arrays(X)
    start = gm._params_from_attributes(data.center)
    options = _em.EMOptions(reg_covar=gm.reg_covar, tol=0.0, max_iter=1)
    engine = _em.run_em(model, data, start, options)
    run = _em.run_em(model, MissingValuesSource.from_arrays(X), start, options)
    assert_allclose(run.lower_bound, engine.lower_bound, rtol=1e-12)
    assert_allclose(run.params.weights, engine.params.weights, rtol=1e-10)
    assert_allclose(run.params.means, engine.params.means, rtol=1e-9, atol=1e-12)
    assert_allclose(run.params.covariances, engine.params.covariances, rtol=1e-9)


def test_complete_data_fit_unchanged(rng):
    """Without NaN, fit takes the engine's path: identical to a fit of a copy."""
    X, _ = two_clusters(rng, n=40)
    a = GaussianMixture(2, random_state=0).fit(X)
    b = GaussianMixture(2, random_state=0).fit(X.copy())
    assert_array_equal(a.means_, b.means_)
    assert_array_equal(a.score_samples(X), b.score_samples(X))


# ------------------------------------------------------------- oracles
@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_observed_log_likelihood_never_decreases(rng, covariance_type):
    model = get_covariance_model(covariance_type)
    X, Xm = two_clusters(rng, n=30)
    if model.max_n_features is not None:
        Xm = Xm[:, :1][~np.isnan(Xm[:, 0])]
        Xm[::5] = np.nan
        Xm = np.column_stack([Xm[:, 0]])
        Xm = Xm[~np.isnan(Xm).all(axis=1)]
    gm = GaussianMixture(
        2,
        covariance_type=covariance_type,
        reg_covar=0.0,
        tol=0.0,
        max_iter=12,
        random_state=0,
    )
    with pytest.warns(Warning):  # ConvergenceWarning: tol=0 never converges
        gm.fit(Xm)
    bounds = np.array(gm.lower_bounds_)
    assert len(bounds) == 12
    assert np.all(np.diff(bounds) >= -1e-10 * np.abs(bounds[1:]))
    # lower_bound_ is the observed-data log-likelihood of the E-step parameters.
    assert np.all(np.isfinite(bounds))


def _unpack(theta, K, d):
    logits = np.concatenate([[0.0], theta[: K - 1]])
    weights = np.exp(logits - logits.max())
    weights /= weights.sum()
    means = theta[K - 1 : K - 1 + K * d].reshape(K, d)
    rows, cols = np.tril_indices(d)
    chol = np.zeros((K, d, d))
    chol[:, rows, cols] = theta[K - 1 + K * d :].reshape(K, -1)
    diag = np.arange(d)
    chol[:, diag, diag] = np.exp(chol[:, diag, diag])
    return weights, means, chol @ chol.transpose(0, 2, 1)


def _pack(weights, means, covariances):
    K, d = means.shape
    chol = np.linalg.cholesky(covariances)
    diag = np.arange(d)
    chol[:, diag, diag] = np.log(chol[:, diag, diag])
    rows, cols = np.tril_indices(d)
    logits = np.log(weights[1:]) - np.log(weights[0])
    return np.concatenate([logits, means.ravel(), chol[:, rows, cols].ravel()])


def _small_problem():
    rng = np.random.RandomState(7)
    X = np.vstack(
        [
            rng.multivariate_normal([0, 0], [[1, 0.7], [0.7, 1]], 40),
            rng.multivariate_normal([3, 1], [[0.5, -0.2], [-0.2, 0.8]], 40),
        ]
    )
    X[rng.rand(*X.shape) < 0.25] = np.nan
    return X[~np.isnan(X).all(axis=1)]


def test_fit_is_stationary_point():
    """Central finite differences of the observed-data log-likelihood vanish."""
    X = _small_problem()
    gm = GaussianMixture(
        2, reg_covar=0.0, tol=1e-14, max_iter=3000, random_state=0
    ).fit(X)
    assert gm.converged_
    weights, means, covariances = full_params(gm)
    theta = _pack(weights, means, covariances)

    def f(t):
        return observed_log_likelihood(X, *_unpack(t, 2, 2))

    assert_allclose(f(theta), gm.score(X) * X.shape[0], rtol=1e-10)
    gradient = optimize.approx_fprime(theta, f, 1e-6)
    assert np.abs(gradient).max() < 1e-3
    # A real step in any parameter direction lowers the likelihood (a maximum).
    step = 1e-2 * np.eye(theta.size)
    assert all(f(theta + s) < f(theta) for s in step)


def test_em_at_least_as_good_as_direct_maximisation():
    """From the same start, L-BFGS on the observed-data likelihood does no better.

    (A start between the two clusters lets either method reach a different
    local maximum, which says nothing about either; this start is near them.)
    """
    X = _small_problem()
    weights = np.array([0.5, 0.5])
    means = np.array([[0.0, 0.0], [3.0, 1.0]])
    covariances = np.array([np.eye(2), np.eye(2)])
    gm = GaussianMixture(
        2,
        reg_covar=0.0,
        tol=1e-12,
        max_iter=3000,
        weights_init=weights,
        means_init=means,
        precisions_init=np.linalg.inv(covariances),
    ).fit(X)
    result = optimize.minimize(
        lambda t: -observed_log_likelihood(X, *_unpack(t, 2, 2)),
        _pack(weights, means, covariances),
        method="L-BFGS-B",
    )
    em = gm.score(X) * X.shape[0]
    assert em >= -result.fun - 1e-9 * abs(result.fun)
    assert_allclose(gm.means_, _unpack(result.x, 2, 2)[1], atol=1e-3)


def test_recovers_known_mixture_with_30_percent_missing():
    rng = np.random.RandomState(0)
    means = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, -2.0]])
    covariances = np.array(
        [
            [[1.0, 0.6, 0.3], [0.6, 1.0, 0.4], [0.3, 0.4, 1.0]],
            [[1.0, -0.5, 0.0], [-0.5, 1.0, 0.2], [0.0, 0.2, 0.5]],
        ]
    )
    counts = [600, 900]
    X = np.vstack(
        [
            rng.multivariate_normal(m, c, n)
            for m, c, n in zip(means, covariances, counts, strict=True)
        ]
    )
    X[rng.rand(*X.shape) < 0.3] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    assert 0.28 < np.isnan(X).mean() < 0.32
    gm = GaussianMixture(2, random_state=0, tol=1e-6).fit(X)
    order = np.argsort(gm.means_[:, 0])
    assert_allclose(gm.weights_[order], [0.4, 0.6], atol=0.03)
    assert_allclose(gm.means_[order], means, atol=0.12)
    assert_allclose(gm.covariances_[order], covariances, atol=0.15)


# ------------------------------------------------- prediction with NaN
def test_score_samples_is_marginal_density(rng):
    _, Xm = two_clusters(rng, n=40)
    gm = GaussianMixture(2, covariance_type="tied", random_state=0).fit(Xm)
    weights, means, full = full_params(gm)
    for i in range(0, Xm.shape[0], 7):
        o = ~np.isnan(Xm[i])
        expected = np.logaddexp.reduce(
            [
                np.log(w) + multivariate_normal(m[o], c[np.ix_(o, o)]).logpdf(Xm[i, o])
                for w, m, c in zip(weights, means, full, strict=True)
            ]
        )
        assert_allclose(gm.score_samples(Xm[i : i + 1])[0], expected, rtol=1e-10)
    resp = gm.predict_proba(Xm)
    assert_allclose(resp.sum(axis=1), 1.0)
    assert_array_equal(gm.predict(Xm), resp.argmax(axis=1))
    assert_allclose(np.exp(gm.predict_log_proba(Xm)), resp, atol=1e-12)
    assert_array_equal(gm.labels_, gm.predict(Xm))
    # lower_bound_ is the observed-data log-likelihood at the last E-step.
    assert gm.score(Xm) >= gm.lower_bound_ - 1e-10


def test_fit_predict_equals_fit_then_predict(rng):
    _, Xm = two_clusters(rng, n=40)
    labels = GaussianMixture(2, random_state=1).fit_predict(Xm)
    assert_array_equal(labels, GaussianMixture(2, random_state=1).fit(Xm).predict(Xm))


def test_sample_weight_equals_repeated_rows(rng):
    _, Xm = two_clusters(rng, n=30)
    weights = rng.randint(1, 4, size=Xm.shape[0])
    repeated = np.repeat(Xm, weights, axis=0)
    init = {
        "weights_init": [0.5, 0.5],
        "means_init": [[0.0, 0.0, 0.0], [4.0, 4.0, -1.0]],
        "precisions_init": [np.eye(3), np.eye(3)],
        "tol": 0,
        "max_iter": 8,
    }
    with pytest.warns(Warning):
        a = GaussianMixture(2, **init).fit(Xm, sample_weight=weights)
    with pytest.warns(Warning):
        b = GaussianMixture(2, **init).fit(repeated)
    assert_allclose(a.means_, b.means_, rtol=1e-7, atol=1e-9)
    assert_allclose(a.covariances_, b.covariances_, rtol=1e-7, atol=1e-9)


def test_float32_keeps_dtype(rng):
    _, Xm = two_clusters(rng, n=30)
    gm = GaussianMixture(2, random_state=0).fit(Xm.astype(np.float32))
    assert gm.means_.dtype == np.float32
    assert gm.predict_proba(Xm.astype(np.float32)).dtype == np.float32


def test_prior_equal_proportions_and_warm_start(rng):
    _, Xm = two_clusters(rng, n=30)
    gm = GaussianMixture(
        2,
        prior=ConjugatePrior(),
        equal_proportions=True,
        random_state=0,
        tol=0,
        max_iter=10,
    )
    with pytest.warns(Warning):
        gm.fit(Xm)
    assert_allclose(gm.weights_, 0.5)
    assert gm.prior_ is not None
    # MAP-EM: the log posterior never decreases.
    assert np.all(np.diff(gm.lower_bounds_) >= -1e-10)
    gm.set_params(warm_start=True, max_iter=5)
    previous = gm.lower_bound_
    with pytest.warns(Warning):
        gm.fit(Xm)
    assert gm.lower_bounds_[0] >= previous - 1e-10


@pytest.mark.parametrize("covariance_type", ["VVV", "VVI", "VII"])
def test_default_prior_scale_reads_each_features_observed_variance(covariance_type):
    # The scale was the mean-filled data's covariance: each variance shrank
    # by the share of rows missing the feature (4.5 -> 0.2 with 95 % missing).
    rng = np.random.default_rng(0)
    complete = rng.normal(size=(20, 2)) @ np.array([[1.0, 0.0], [1.2, 3.0]])
    scales = []
    for extra in (0, 80, 380):
        more = np.c_[rng.normal(size=extra), np.full(extra, np.nan)]
        X = np.r_[complete, more]
        fit = GaussianMixture(
            2, covariance_type=covariance_type, prior="default", random_state=0
        ).fit(X)
        full = np.atleast_2d(fit.prior_.scale)
        if full.ndim == 2 and full.shape == (1, 1):
            full = full * np.eye(2)
        elif full.shape == (1, 2):
            full = np.diag(full[0])
        observed = np.array([np.nanvar(X[:, j], ddof=1) for j in range(2)])
        # mclust's var(X) / K^(2/d), each variance over its observing rows
        # (a diagonal or spherical structure: their mean, as mclust's).
        expected = observed / 2.0
        if covariance_type != "VVV":
            expected = np.full(2, expected.mean())
        assert_allclose(np.diag(full), expected, rtol=1e-12)
        assert np.linalg.eigvalsh(full).min() >= 0
        scales.append(full[1, 1])
    if covariance_type == "VVV":
        # Rows missing the second feature leave its scale to the rows observing it.
        assert_allclose(scales, scales[0], rtol=1e-12)
        # partial_fit resolves the prior from its batch alike (it read the
        # batch with its gaps filled: 0.38 for 7.9).
        model = GaussianMixture(2, covariance_type="VVV", random_state=0)
        model.fit(complete).set_params(prior="default")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(X)
            fit = GaussianMixture(
                2, covariance_type="VVV", prior="default", random_state=0
            ).fit(X)
        assert_allclose(model.prior_.scale, fit.prior_.scale, rtol=1e-12)


def test_selector_criteria_use_observed_likelihood(rng):
    _, Xm = two_clusters(rng, n=30)
    gm = GaussianMixture(2, random_state=0).fit(Xm)
    n = Xm.shape[0]
    log_likelihood = gm.score_samples(Xm).sum()
    assert_allclose(gm.bic(Xm), -2 * log_likelihood + gm.n_parameters_ * np.log(n))


def test_selector_accepts_missing_values(rng):
    from gmm_estimators.model_selection import GaussianMixtureIC

    _, Xm = two_clusters(rng, n=60)
    selector = GaussianMixtureIC(
        n_components=3, covariance_types=["full", "diag"], random_state=0
    ).fit(Xm)
    assert selector.n_components_ == 2
    best = selector.best_estimator_
    n = Xm.shape[0]
    bic = -2 * best.score_samples(Xm).sum() + best.n_parameters_ * np.log(n)
    assert_allclose(selector.criterion_, bic, rtol=1e-10)
    assert_array_equal(selector.predict(Xm), best.predict(Xm))
    assert_array_equal(selector.labels_, best.predict(Xm))
    empty = Xm.copy()
    empty[0] = np.nan
    with pytest.raises(ValueError, match="no observed value"):
        GaussianMixtureIC(n_components=2).fit(empty)


@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_selector_stopping_rule_ignores_the_units_with_missing_values(scale):
    # The relative rule reads the log-likelihood in standardised units; a row
    # loses log(scale) per *observed* feature only, so the standardising
    # offset counts each feature by the share of rows observing it (with
    # d log(scale) per row, EII stopped one iteration later at scale 1e3).
    from gmm_estimators.model_selection import GaussianMixtureIC

    rng = np.random.default_rng(6)
    X = np.vstack([rng.normal(0, 1, (100, 3)), rng.normal(4, 1.5, (100, 3))])
    X = X + X @ rng.normal(size=(3, 3)) * 0.5
    missing = rng.random(X.shape) < 0.25
    missing[missing.all(axis=1), 0] = False
    X[missing] = np.nan

    def search(data):
        return GaussianMixtureIC(
            n_components=[2], covariance_types=["EII", "VVV"], random_state=0
        ).fit(data)

    base, scaled = search(X), search(X * scale)
    shift = np.count_nonzero(~missing) * np.log(scale)
    assert_allclose(
        np.asarray(scaled.results_["log_likelihood"]) + shift,
        base.results_["log_likelihood"],
        rtol=1e-9,
    )
    assert scaled.best_estimator_.n_iter_ == base.best_estimator_.n_iter_


# ------------------------------- a feature that a whole cluster never shows
def cluster_without_a_feature(rng, n=150, scale=1.0):
    """Two clusters; the second's rows never observe feature 2 (a sensor that
    one site lacks)."""
    A = rng.normal(0.0, 1.0, (n, 3))
    B = rng.normal(5.0, 1.0, (n, 3))
    B[:, 2] = np.nan
    return np.vstack([A, B]) * scale


def test_start_statistics_on_complete_rows_are_the_weighted_moments(rng):
    X = rng.randn(40, 3)
    resp = rng.dirichlet([1.0, 1.0], size=40)
    w = rng.uniform(0.5, 2.0, 40)
    nk_reg = (resp * w[:, None]).sum(axis=0)
    index = PatternIndex.from_array(X, w)
    means, scatter = start_statistics(index, resp[index.order]).finalize(nk_reg)
    for k in range(2):
        a = resp[:, k] * w
        mean = a @ X / a.sum()
        assert_allclose(means[k], mean, rtol=1e-12)
        assert_allclose(
            scatter[k], (X - mean).T @ ((X - mean) * a[:, None]), rtol=1e-12
        )


def test_start_statistics_fill_missing_entries_by_their_expected_moments(rng):
    """Brute force: each missing entry at the component's (shrunk) observed
    mean of its feature, with that (shrunk) variance on the diagonal."""
    X = rng.randn(30, 3)
    X[rng.rand(30, 3) < 0.3] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    resp = rng.dirichlet([1.0, 1.0, 1.0], size=X.shape[0])
    index = PatternIndex.from_array(X)
    stats = start_statistics(index, resp[index.order])
    observed = ~np.isnan(X)
    for k in range(3):
        a = resp[:, k]
        for j in range(3):
            o = observed[:, j]
            data_mean, data_var = X[o, j].mean(), X[o, j].var()
            mean = (a[o] @ X[o, j] + data_mean) / (a[o].sum() + 1.0)
            spread = a[o] @ (X[o, j] - mean) ** 2
            var = (spread + data_var + (data_mean - mean) ** 2) / (a[o].sum() + 1.0)
            assert_allclose(stats.reference[k, j], mean, rtol=1e-12)
            filled = np.where(o, X[:, j], mean)
            expected = a @ (filled - mean) ** 2 + a[~o].sum() * var
            assert_allclose(stats.raw[k, j, j], expected, rtol=1e-12)


def test_rows_of_weight_zero_change_nothing_even_unsquarable(rng):
    """Rows of weight zero, one observing a feature no other row observes
    and one too large to square, leave the fit as without them."""
    _, Xm = two_clusters(rng, n=40)
    extra = np.array([[np.nan, np.nan, 3.0], [1e200, np.nan, 1e200]])
    kept = GaussianMixture(2, random_state=0).fit(Xm)
    Xz = np.vstack([Xm, extra])
    w = np.r_[np.ones(len(Xm)), 0.0, 0.0]
    with_zeros = GaussianMixture(2, random_state=0).fit(Xz, sample_weight=w)
    assert_allclose(with_zeros.means_, kept.means_, rtol=1e-12, atol=1e-12)
    assert_allclose(with_zeros.covariances_, kept.covariances_, rtol=1e-10)
    assert with_zeros.collapsed_components_.size == 0
    only_there = Xm[~np.isnan(Xm[:, :2]).all(axis=1)].copy()
    only_there[:, 2] = np.nan
    only_there = np.vstack([only_there, [[np.nan, np.nan, 3.0]]])
    w = np.r_[np.ones(len(only_there) - 1), 0.0]
    # Without that row the feature is missing everywhere: refused, as then
    # (it was fitted as a constant at 0, whatever its value).
    with pytest.raises(ValueError, match="every row of positive weight"):
        GaussianMixture(2, covariance_type="diag").fit(only_there, sample_weight=w)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_a_cluster_that_never_observes_a_feature_is_not_collapsed(rng, scale):
    """Its variance there is not identified by the observed data: the fit
    keeps the data's (from the start) instead of ``reg_covar``, and the
    component is sound, in any units."""
    X = cluster_without_a_feature(rng, scale=scale)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        # reg_covar in the data's squared units, as GaussianMixture takes it.
        gm = GaussianMixture(
            2,
            covariance_type="full",
            tol=1e-6,
            reg_covar=1e-6 * scale**2,
            random_state=0,
        ).fit(X)
    assert gm.collapsed_components_.size == 0 and gm.spurious_components_.size == 0
    blind = int(np.argmax(gm.means_[:, 0]))  # the cluster without feature 2
    observed = X[:, 2][~np.isnan(X[:, 2])]
    assert_allclose(gm.covariances_[blind][2, 2], observed.var(), rtol=0.05)
    assert_allclose(gm.means_[blind][2], observed.mean(), atol=0.05 * scale)
    assert_array_equal(gm.predict(X), np.repeat([1 - blind, blind], 150))


def test_a_collapse_on_the_observed_features_is_still_found(rng):
    """Rows that coincide on the features they observe collapse a component
    however much their missing feature is unknown."""
    X = cluster_without_a_feature(rng, n=100)
    point = np.array([[-8.0, 9.0, np.nan]])
    X = np.vstack([X, np.repeat(point, 12, axis=0)])
    gm = GaussianMixture(3, covariance_type="full", reg_covar=1e-6, random_state=0)
    with pytest.warns(DegenerateFitWarning, match="collapsed"):
        gm.fit(X)
    on_point = int(np.argmin(gm.means_[:, 0]))
    assert_allclose(gm.means_[on_point][:2], point[0, :2], atol=1e-6)
    assert on_point in gm.collapsed_components_


@pytest.mark.parametrize(
    "structure", [s for s in available_covariance_types() if len(s) == 3]
)
def test_rows_coinciding_on_what_they_observe_collapse_at_reg_covar_zero(structure):
    """Every row is one point on the features it observes, reg_covar=0. With
    missing entries the covariance shrank geometrically (6e-76 in 100
    iterations, a log-likelihood of 127 a row and rising) and nothing was
    flagged; the complete rows alone said nothing for seven structures (their
    covariance held at the 1e-15 floor). Both now say so."""
    X = np.array([[1.0, 2.0], [1.0, np.nan], [np.nan, 2.0], [1.0, 2.0]] * 5)
    gm = GaussianMixture(1, covariance_type=structure, reg_covar=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="same point and reg_covar=0"):
            with pytest.warns(DegenerateFitWarning, match="collapsed"):
                gm.fit(X)
    assert_array_equal(gm.collapsed_components_, [0])
    with pytest.warns(UserWarning, match="same point and reg_covar=0"):
        gm.fit(X[~np.isnan(X).any(axis=1)])
    # A prior sets the covariances: nothing to say of reg_covar=0 then.
    gm.set_params(prior=ConjugatePrior(scale=np.eye(2)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm.fit(X[~np.isnan(X).any(axis=1)])
    assert not [c for c in caught if "same point" in str(c.message)]


@pytest.mark.parametrize("structure", ["full", "diag", "spherical", "VEV"])
def test_a_component_on_rows_coinciding_on_what_they_observe_is_collapsed(structure):
    """A sound cluster beside rows that coincide on what they observe, with
    reg_covar=0: only the point's component is collapsed (a guard: the rule
    above must not flag the sound one; the point's was found before it)."""
    point = np.array([[1.0, 2.0], [1.0, np.nan], [np.nan, 2.0], [1.0, 2.0]] * 5)
    spread = np.random.default_rng(0).normal(size=(30, 2))
    spread[::7, 1] = np.nan
    gm = GaussianMixture(2, covariance_type=structure, reg_covar=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(DegenerateFitWarning):
            gm.fit(np.vstack([spread, point + 10]))
    on_point = int(np.argmax(gm.means_[:, 0]))
    assert gm.collapsed_components_.tolist() == [on_point]


@pytest.mark.parametrize("value", [0.2, 0.25])
def test_a_lattice_line_beside_rows_that_miss_its_feature_is_still_found(rng, value):
    """The rows of a cluster that observe feature 2 share one value (a
    lattice line); a few miss it. The likelihood is unbounded along the
    line whatever those few hold, so the component is collapsed, for the
    same reason whether the value is a binary fraction or not (about the
    rounded mean of 0.2, the rows seemed to spread along the line)."""
    flat = rng.normal(0.0, 1.0, (40, 3))
    flat[:, 2] = value
    flat[::10, 2] = np.nan
    X = np.vstack([flat, rng.normal(6.0, 1.0, (60, 3))])
    gm = GaussianMixture(2, covariance_type="full", random_state=0)
    with pytest.warns(DegenerateFitWarning, match=r"observe every feature of that"):
        gm.fit(X)
    on_line = int(np.argmin(gm.means_[:, 0]))
    assert_array_equal(gm.collapsed_components_, [on_line])


def test_selector_finds_the_cluster_that_never_observes_a_feature(rng):
    from gmm_estimators.model_selection import GaussianMixtureIC

    X = cluster_without_a_feature(rng, n=80)
    selector = GaussianMixtureIC(
        n_components=[1, 2, 3], covariance_types=["full", "diag"], random_state=0
    ).fit(X)
    assert selector.n_components_ == 2
    assert selector.best_estimator_.collapsed_components_.size == 0


def marginal_mixture(gm, observed, covariances=None):
    """The mixture over ``observed`` features as a complete-data model: the
    engine's answer for rows that observe just those features."""
    from gmm_estimators._adaptation import mixture_from_parameters

    covariances = gm.covariances_ if covariances is None else covariances
    return mixture_from_parameters(
        GaussianMixture(gm.n_components, covariance_type="full"),
        gm.weights_,
        gm.means_[:, observed],
        covariances[:, observed][:, :, observed],
    )


@pytest.mark.parametrize("far", [1e200, -1e160])
def test_rows_beyond_the_float_range_with_nan_get_the_marginal_limit(rng, far):
    """A row whose distances overflow gets the responsibilities' limit of the
    marginal mixture over its observed features, as the complete-data
    engine gives it for that mixture, without a warning."""
    X, _ = two_clusters(rng, n=60)
    gm = GaussianMixture(2, covariance_type="full", random_state=0).fit(X)
    rows = np.array([[far, np.nan, 0.5], [far, np.nan, far], [1.0, 2.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = gm.predict_proba(rows)
        scores = gm.score_samples(rows)
    observed = [0, 2]
    marginal = marginal_mixture(gm, observed)
    assert_allclose(proba[:2], marginal.predict_proba(rows[:2][:, observed]))
    assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all(scores[:2] == -np.inf) and np.isfinite(scores[2])


def test_a_row_that_overflows_for_one_component_keeps_the_others_density():
    """``inf - inf`` in one component's missing block must not hide the
    finite density of another (a broad component far from a narrow one)."""
    from gmm_estimators._adaptation import mixture_from_parameters

    template = GaussianMixture(2, covariance_type="full")
    covariances = np.stack([np.eye(3), 1e12 * np.eye(3)])
    gm = mixture_from_parameters(
        template, np.array([0.5, 0.5]), np.zeros((2, 3)), covariances
    )
    row = np.array([[1e155, np.nan, 0.0]])
    observed = [0, 2]
    marginal = marginal_mixture(gm, observed, covariances)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = gm.score_samples(row)
    assert np.isfinite(score).all()
    assert_allclose(score, marginal.score_samples(row[:, observed]), rtol=1e-12)
    assert_allclose(gm.predict_proba(row), marginal.predict_proba(row[:, observed]))


def test_float32_rows_beyond_its_range_with_nan_get_the_nearest_component(rng):
    """Beyond float32's range the limit is the marginal mixture's nearest
    component, as float32 complete data get it, not uniform probabilities."""
    X, _ = two_clusters(rng, n=60)
    gm = GaussianMixture(2, covariance_type="full", random_state=0).fit(
        X.astype(np.float32)
    )
    far = np.array([[1e30, np.nan, 0.5], [-1e30, np.nan, 1e30]], dtype=np.float32)
    observed = [0, 2]
    marginal = marginal_mixture(gm, observed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = gm.predict_proba(far)
        expected = marginal.predict_proba(far[:, observed])
    assert_allclose(proba, expected)
    assert_array_equal(gm.predict(far), expected.argmax(axis=1))
    assert proba.max(axis=1).min() == 1.0


# ------------------------------------------------------------ bad input
def test_rows_without_observed_values_are_refused(rng):
    X = rng.randn(10, 2)
    X[3] = np.nan
    with pytest.raises(ValueError, match=r"1 row\(s\) of X have no observed value.*3"):
        GaussianMixture(1).fit(X)
    gm = GaussianMixture(1).fit(rng.randn(10, 2))
    for method in ("predict", "predict_proba", "score_samples"):
        with pytest.raises(ValueError, match="no observed value"):
            getattr(gm, method)(X)


def test_features_without_observed_values_are_refused(rng):
    X = rng.randn(10, 3)
    X[:, 1] = np.nan
    with pytest.raises(ValueError, match=r"Feature\(s\) \[1\].*every row"):
        GaussianMixture(1).fit(X)


def test_a_feature_observed_only_in_rows_of_weight_zero_is_refused(rng):
    # Rows of weight zero change nothing: such a feature has no observed value
    # to estimate it from, as if those rows were dropped. It was fitted as a
    # constant at 0 (means_ 0 whatever its values, variance reg_covar).
    from gmm_estimators.model_selection import GaussianMixtureIC

    X = rng.randn(40, 3)
    X[3:, 2] = np.nan
    X[:3, 2] = [10.0, 11.0, 12.0]
    weights = np.ones(40)
    weights[:3] = 0.0
    with pytest.raises(ValueError, match=r"Feature\(s\) \[2\].*every row"):
        GaussianMixture(1).fit(X[3:])
    match = r"Feature\(s\) \[2\].*every row of positive weight"
    with pytest.raises(ValueError, match=match):
        GaussianMixture(1).fit(X, sample_weight=weights)
    with pytest.raises(ValueError, match=match):
        GaussianMixtureIC(n_components=1).fit(X, sample_weight=weights)
    # One row of positive weight observing it is enough (a thin fit).
    weights[0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GaussianMixture(1).fit(X, sample_weight=weights)


def test_infinity_still_refused(rng):
    X = rng.randn(10, 2)
    X[0, 0] = np.inf
    X[1, 1] = np.nan
    with pytest.raises(ValueError, match="infinity"):
        GaussianMixture(1).fit(X)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score_samples"])
def test_a_noise_model_refuses_nan_at_prediction_naming_the_remedy(method):
    # Fitted on complete rows, a noise model was given rows with NaN: the
    # marginal densities were computed, then a bare "cannot be combined"
    # error (naming neither NaN nor a remedy) was raised.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(80, 2)), rng.normal(size=(80, 2)) + 6])
    X = np.vstack([X, rng.uniform(-8, 14, size=(10, 2))])
    model = GaussianMixture(2, noise=True, random_state=0).fit(X)
    rows = X[:5].copy()
    rows[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*GaussianMixtureImputer"):
        getattr(model, method)(rows)
    assert np.isfinite(getattr(model, method)(X[:5])).all()


@pytest.mark.parametrize("n_missing", [1, 6])
def test_data_on_a_plane_with_missing_entries_are_judged_in_the_plane(rng, n_missing):
    # Two clusters on the plane x2 = x0 + x1. An entry at its feature's mean
    # put its row off the plane: the data spanned 3-D, every component's
    # rows only the plane, and both were called collapsed ("a
    # lower-dimensional set"), while the complete data fit soundly.
    A = np.r_[rng.uniform(-3, 3, (60, 2)), rng.uniform(-3, 3, (60, 2)) + 10]
    Z = np.c_[A, A.sum(axis=1)]
    Zn = Z.copy()
    Zn[rng.choice(len(Z), n_missing, replace=False), rng.randint(3, size=n_missing)] = (
        np.nan
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        fitted = GaussianMixture(2, random_state=0).fit(Zn)
    assert fitted.collapsed_components_.size == 0
    from gmm_estimators.model_selection import GaussianMixtureIC

    selector = GaussianMixtureIC(
        n_components=[2, 3], covariance_types=["VVV", "EEE"], random_state=0
    ).fit(Zn)
    complete = GaussianMixtureIC(
        n_components=[2, 3], covariance_types=["VVV", "EEE"], random_state=0
    ).fit(Z)
    # At K = 2 the same fits (one component per cluster); at K = 3 the
    # searches reach different optima (a component on the incomplete row
    # alone is degenerate).
    two = np.asarray(selector.results_["n_components"]) == 2
    assert not np.asarray(selector.results_["degenerate"])[two].any()
    assert not np.asarray(complete.results_["degenerate"])[two].any()
    assert (selector.n_components_, selector.covariance_type_) == (
        complete.n_components_,
        complete.covariance_type_,
    )


def test_integer_weights_equal_repeated_rows_with_missing_values(three_blobs):
    X = three_blobs(200, seed=9)
    rng = np.random.RandomState(5)
    X[rng.rand(*X.shape) < 0.1] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 0.0
    w = np.random.RandomState(0).randint(1, 4, X.shape[0]).astype(float)
    kw = dict(init_params="kmeans", random_state=0, max_iter=0)
    a = GaussianMixture(3, **kw).fit(X, sample_weight=w)
    b = GaussianMixture(3, **kw).fit(np.repeat(X, w.astype(int), axis=0))
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-10, atol=1e-12)


def _few_complete_rows():
    # 26 rows in 3-D, half the entries missing, four rows complete.
    rng = np.random.RandomState(0)
    for shape in [(4, 3), (30, 3), (30, 3), (3, 3), (30, 3)]:
        rng.randn(*shape)
    X = rng.randn(30, 3)
    X[rng.rand(30, 3) < 0.5] = np.nan
    return X[~np.isnan(X).all(axis=1)]


def test_a_component_thin_where_few_rows_observe_every_feature_is_collapsed():
    # Both components sat at about 8 reg_covar along a direction only the
    # complete rows observe, their log-likelihood rising without bound as
    # reg_covar fell, and nothing was flagged: the rows were judged with each
    # missing entry at its feature's mean, where they spread.
    X = _few_complete_rows()
    log_likelihoods = []
    for reg_covar in (1e-6, 1e-9):
        with pytest.warns(DegenerateFitWarning, match="observe every feature"):
            fitted = GaussianMixture(
                2, reg_covar=reg_covar, random_state=0, max_iter=1000
            ).fit(X)
        assert_array_equal(fitted.collapsed_components_, [0, 1])
        log_likelihoods.append(fitted.score(X) * X.shape[0])
    assert log_likelihoods[1] > log_likelihoods[0] + 10  # unbounded
    # The imputer's search passes over it; one component is sound.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        imputer = GaussianMixtureImputer(random_state=0).fit(X)
    assert imputer.n_components_ == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        assert GaussianMixture(1).fit(X).collapsed_components_.size == 0


@pytest.mark.parametrize("reg_covar", [1e-6, 1e-9, 1e-12])
def test_a_collapse_onto_as_few_rows_as_features_is_flagged_however_tight(reg_covar):
    # Feature 2 observed in two rows only: the component's variance along it
    # given the others rests on those two rows, and its likelihood rises
    # without bound as reg_covar falls. Two rows lie on a hyperplane of the
    # three features whatever they are: that was read as the data's own flat
    # direction once EM converged tightly, and the fit passed as sound at
    # reg_covar 1e-9 and 1e-12.
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    X[2:, 2] = np.nan
    with pytest.warns(DegenerateFitWarning, match="observe every feature"):
        fitted = GaussianMixture(
            1, reg_covar=reg_covar, tol=1e-10, max_iter=20000, random_state=0
        ).fit(X)
    assert_array_equal(fitted.collapsed_components_, [0])


@pytest.mark.parametrize("seed", [0, 1])
def test_sound_fits_with_missing_values_are_not_thin_in_other_units(seed):
    # Read in the data's units, a feature in a unit 100 times smaller made
    # every component thin along it, and each was flagged collapsed where
    # few rows observe every feature (8 features, 30 % missing); the
    # imputer then found no sound candidate.
    rng = np.random.RandomState(seed)
    Z = np.vstack([rng.randn(150, 8) + c for c in rng.randn(3, 8) * 8])
    Z[rng.rand(*Z.shape) < 0.3] = np.nan
    Z = Z[~np.isnan(Z).all(axis=1)]
    units = np.r_[0.01, np.ones(7)]
    for X in (Z, Z * units):
        with warnings.catch_warnings():
            warnings.simplefilter("error", DegenerateFitWarning)
            fitted = GaussianMixture(3, random_state=0).fit(X)
        assert fitted.collapsed_components_.size == 0


def test_a_prior_bounds_the_missing_values_collapse():
    # A MAP fit's objective is bounded: the collapse along a direction few
    # rows observe is not flagged under mclust's prior (its warning advised
    # that prior, which then flagged every component again).
    X = _few_complete_rows()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = GaussianMixture(2, prior="default", random_state=0).fit(X)
    assert not any("observe every feature" in str(w.message) for w in caught)
    assert fitted.collapsed_components_.size == 0


def test_the_fit_e_step_measures_rows_in_their_own_coordinates():
    # A narrow component (sd 1e-12 on feature 0) at the origin, the data's
    # centre near (1.5, 1.5): residuals of centred rows and means kept 4
    # digits of its distances. The observed-data log-likelihood and the
    # expected statistics are those of the closed form.
    import math

    from gmm_estimators._engine import Params
    from gmm_estimators._missing import MissingValuesSource

    sd = 1e-12
    X = np.array([[1e-12, np.nan], [2e-12, 0.5], [3.0, np.nan], [np.nan, 3.5]])
    source = MissingValuesSource.from_arrays(X)
    assert np.all(source.center != 0)
    covariances = np.array([np.diag([sd**2, 1.0]), np.eye(2)])
    means = np.array([[0.0, 0.0], [3.0, 3.0]])
    factors = np.linalg.inv(np.linalg.cholesky(covariances)).transpose(0, 2, 1)
    params = Params(np.array([0.5, 0.5]), means - source.center, covariances, factors)
    log_likelihood, stats = source.em_step(get_covariance_model("full"), params)
    # Rows 0 to 2 belong to one component each (the other's term is below
    # exp(-1e20) of it); row 3 sees both through feature 1 alone.
    log_norm = math.log(0.5) - 0.5 * math.log(2 * math.pi)
    narrow = log_norm - math.log(sd)
    both = [log_norm - 0.5 * 3.5**2, log_norm - 0.5 * 0.5**2]
    last = max(both) + math.log(sum(math.exp(v - max(both)) for v in both))
    expected = (
        (narrow - 0.5)
        + (narrow - 0.5 * math.log(2 * math.pi) - 0.5 * (4.0 + 0.25))
        + log_norm
        + last
    )
    assert abs(log_likelihood - expected) <= 1e-10 * abs(expected)
    share = math.exp(both[0] - last)
    assert_allclose(stats.nk, [2.0 + share, 2.0 - share], rtol=1e-13)
    # The narrow component's mean moves by its rows' mean residual on
    # feature 0 (row 3 adds its conditional expectation there, the mean).
    expected_stats = stats.stats
    shift = expected_stats.sums[0, 0] / expected_stats.nk[0]
    assert_allclose(shift, 3e-12 / (2.0 + share), rtol=1e-12)


def test_dependent_features_are_warned_about_with_missing_values():
    # x2 = x0 + x1 exactly, 5 % of the entries missing: every covariance off
    # the span is reg_covar alone (BIC -500 at 1e-6, -2254 at 1e-9), as on
    # complete data, but the span was not read once any value was missing.
    from gmm_estimators import GaussianMixtureImputer, GaussianMixtureRegressor

    rng = np.random.default_rng(0)
    a = np.r_[rng.normal(size=(150, 2)), rng.normal(size=(150, 2)) + 5]
    X = np.c_[a, a.sum(axis=1)]
    X[rng.random(X.shape) < 0.05] = np.nan
    match = "span 2 of the 3 dimensions"
    with pytest.warns(UserWarning, match=match):
        GaussianMixture(2, random_state=0).fit(X)
    with pytest.warns(UserWarning, match=match):
        GaussianMixtureImputer(n_components=2, random_state=0).fit(X)
    Xy, y = a.copy(), a.sum(axis=1)
    Xy[rng.random(Xy.shape) < 0.05] = np.nan
    with pytest.warns(UserWarning, match=match):
        GaussianMixtureRegressor(n_components=2, random_state=0).fit(Xy, y)


def test_reg_covar_is_judged_against_the_observed_values_variance():
    # A feature of sd 0.01 observed in 5 % of the rows: the mean-filled
    # column's variance (2e-6) is not the feature's (6.4e-5), and reg_covar
    # was said to swamp it. A feature whose observed values do have a tiny
    # variance is still warned about.
    rng = np.random.RandomState(0)
    X = np.c_[rng.randn(1000), rng.randn(1000), 0.01 * rng.randn(1000)]
    X[rng.rand(1000) < 0.95, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        GaussianMixture(1, random_state=0).fit(X)
    X[:, 2] *= 0.01
    with pytest.warns(UserWarning, match="feature 2 has variance 6.38e-09"):
        GaussianMixture(1, random_state=0).fit(X)


_FEW_ROWS_EACH_MISSING = np.array(
    [
        [2, np.nan, np.nan],
        [1, np.nan, 2],
        [np.nan, 5, 1],
        [np.nan, np.nan, 1],
        [5, np.nan, 2],
        [2, np.nan, np.nan],
        [np.nan, 3, np.nan],
        [1, np.nan, np.nan],
    ]
)


@pytest.mark.parametrize(
    "X, n_components, covariance_type",
    [
        (_FEW_ROWS_EACH_MISSING, 3, "tied"),
        (_FEW_ROWS_EACH_MISSING, 2, "tied"),
        (np.array([[1, np.nan], [np.nan, 2.0], [3, np.nan], [np.nan, 5]]), 2, "diag"),
        (
            np.array([[1, np.nan], [np.nan, 2.0], [3, np.nan], [np.nan, 5]]),
            2,
            "spherical",
        ),
    ],
)
def test_a_collapse_in_every_direction_or_on_each_pattern_is_flagged(
    X, n_components, covariance_type
):
    # Shrunk to 2 reg_covar in every direction (no thin direction), or
    # singular on each pattern's features (a shared covariance, no row
    # observing all three): unflagged, and an imputer's BIC search chose it.
    fits = {}
    for reg_covar in (1e-6, 1e-9):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits[reg_covar] = GaussianMixture(
                n_components,
                covariance_type=covariance_type,
                reg_covar=reg_covar,
                random_state=0,
                max_iter=1000,
            ).fit(X)
    # The oracle: the observed-data likelihood is unbounded, rising as
    # reg_covar falls (by more than a nat per row).
    assert fits[1e-9].lower_bound_ > fits[1e-6].lower_bound_ + 1.0
    for fit in fits.values():
        assert fit.collapsed_components_.size
    with pytest.warns(DegenerateFitWarning, match="lie on a hyperplane"):
        GaussianMixture(
            n_components, covariance_type=covariance_type, random_state=0, max_iter=1000
        ).fit(X)


def test_the_imputer_does_not_choose_a_fit_collapsed_on_its_patterns():
    # Its BIC search chose tied with 3 components, unbounded (the test above).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imputer = GaussianMixtureImputer(
            covariance_type=["full", "diag", "tied", "spherical"], random_state=0
        ).fit(_FEW_ROWS_EACH_MISSING)
        chosen = imputer.mixture_
        lower = clone(chosen).set_params(reg_covar=1e-9, max_iter=1000)
        lower.fit(_FEW_ROWS_EACH_MISSING)
    assert chosen.collapsed_components_.size == 0
    # The oracle: the chosen model's likelihood does not rise without bound
    # as reg_covar falls.
    assert lower.lower_bound_ < chosen.lower_bound_ + 1.0


@pytest.mark.parametrize("covariance_type", ["VII", "EII"])
def test_a_sphere_shrunk_evenly_beside_patterns_of_two_features_is_flagged(
    covariance_type,
):
    # Rows observing two features each: a pattern's direction of a sphere
    # shrunk evenly is not thin against the sphere itself, and read as
    # opposing, it kept every component from being flagged.
    A = np.array(
        [[0, np.nan, 1], [0, 5, np.nan], [np.nan, 5, 1], [0, np.nan, np.nan],
         [np.nan, np.nan, 1]]
    )  # fmt: skip
    X = np.vstack([A, A + 10, A + [-7, 20, 3]])
    fits = {}
    for reg_covar in (1e-6, 1e-9):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits[reg_covar] = GaussianMixture(
                3, covariance_type=covariance_type, reg_covar=reg_covar,
                random_state=0, max_iter=1000,
            ).fit(X)  # fmt: skip
    # The oracle: unbounded.
    assert fits[1e-9].lower_bound_ > fits[1e-6].lower_bound_ + 1.0
    for fit in fits.values():
        assert fit.collapsed_components_.size == 3


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_tight_clusters_whose_every_row_misses_two_features_are_not_flagged(
    covariance_type,
):
    # Six features, each row missing two: a pattern's few rows (two per
    # cluster) always lie on a hyperplane of its four, and the clusters, 1e3
    # apart with sd 1, are thin against the data: every component was
    # flagged, though the likelihood is the same at reg_covar 1e-6 and 1e-9.
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 6)) * 1e3
    X = centres[np.repeat(np.arange(3), 30)] + rng.normal(size=(90, 6))
    for row in X:
        row[rng.choice(6, 2, replace=False)] = np.nan
    fits = [
        GaussianMixture(
            3, covariance_type=covariance_type, reg_covar=reg_covar, random_state=0
        ).fit(X)
        for reg_covar in (1e-6, 1e-9)
    ]
    # The oracle: bounded (the same fit whatever reg_covar).
    assert abs(fits[1].lower_bound_ - fits[0].lower_bound_) < 1e-3
    for fit in fits:
        assert fit.collapsed_components_.size == 0


@pytest.mark.parametrize("covariance_type", ["VVV", "EEE", "VVI", "VII", "EII", "VEE"])
def test_sound_clusters_with_missing_entries_are_not_flagged(covariance_type):
    # Tight clusters far apart, a third of the entries missing: thin against
    # the data, but the rows observing each direction spread along it.
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0, 0.0], [1e4, 0.0, 5e3], [0.0, 1e4, -5e3]])
    X = centres[np.repeat(np.arange(3), 60)] + rng.normal(size=(180, 3))
    X[rng.random(X.shape) < 0.33] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        fit = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    assert fit.collapsed_components_.size == 0


@pytest.mark.parametrize("value", [0.1, 1 / 3, 2.0])
@pytest.mark.parametrize("missing_in_constant", [False, True])
def test_a_constant_feature_that_is_not_a_binary_fraction_is_constant(
    value, missing_in_constant
):
    # The mean of copies of 0.1 rounds: about it, the collapse check read a
    # spread of rounding along the constant feature (every component
    # collapsed, the imputer found no sound mixture), and entries filled at
    # it made the feature vary (warned as a variance of 5e-33 that
    # reg_covar swamps). As with 2.0, or with no entry missing.
    rng = np.random.RandomState(0)
    X = np.c_[
        rng.randn(120), np.full(120, value), rng.randn(120) + np.repeat([0, 4, 8], 40)
    ]
    if missing_in_constant:
        X[np.arange(X.size).reshape(X.shape) % 7 == 0] = np.nan
    else:
        X[::7, 0] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = GaussianMixture(2, random_state=0).fit(X)
    said = [str(w.message) for w in caught]
    assert len(said) == 1 and said[0].startswith("feature(s) 1 of X are constant")
    assert fitted.collapsed_components_.size == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        imputer = GaussianMixtureImputer(random_state=0).fit(X)
    filled = imputer.transform(X)
    assert np.isfinite(filled).all()
    assert_allclose(filled[:, 1], value, rtol=1e-12)


def _cluster_on_a_constant(both):
    """Two clusters with entries missing; feature 2 constant in the first
    (far from the second's values), or in both."""
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (60, 3)), rng.normal(5, 1, (60, 3))]
    X[:60, 2] = 1000.5
    if both:
        X[60:, 2] = 3.25
    X[np.random.default_rng(100).random(X.shape) < 0.1] = np.nan
    return X


@pytest.mark.parametrize(
    "structure, both, expected",
    [
        # A shared or fixed shape, or a shared volume, cannot narrow onto one
        # cluster's constant alone: the other cluster spreads there (EII and
        # EEE were called collapsed, the feature thin in the data's units).
        ("EII", False, []),
        ("VII", False, []),
        ("EEE", False, []),
        ("tied", False, []),
        ("EEV", False, []),
        ("VVV", False, [0]),
        ("VVE", False, [0]),
        # Every cluster on a constant: a shared shape narrows with all.
        ("EEE", True, [0, 1]),
        ("EEV", True, [0, 1]),
        ("VEV", True, [0, 1]),
        ("VVV", True, [0, 1]),
    ],
)
def test_a_cluster_on_a_constant_collapses_only_what_can_narrow(
    structure, both, expected
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        gm = GaussianMixture(2, covariance_type=structure, random_state=0)
        gm.fit(_cluster_on_a_constant(both))
    on_constant = [int(np.argmin(np.abs(gm.means_[:, 2] - 1000.5)))]
    if expected == [0]:
        expected = on_constant
    assert_array_equal(gm.collapsed_components_, expected)


def test_a_component_whose_few_observers_fix_a_feature_is_flagged_at_any_stop():
    # Feature 1 observed in 2 of 10 rows: a full covariance's variance of it
    # given feature 0 (a line through 2 points) shrinks without bound. A fit
    # stopped at max_iter=100 had it at 0.034 of the feature's, still
    # falling, and no rule flagged it: the imputer chose that fit.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 2))
    X[2:, 1] = np.nan
    for max_iter in (100, 2000):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gm = GaussianMixture(1, covariance_type="full", max_iter=max_iter).fit(X)
        assert_array_equal(gm.collapsed_components_, [0])
        said = [str(c.message) for c in caught if c.category is DegenerateFitWarning]
        assert said
    assert "observe feature 1" in said[0] or "hyperplane" in said[0]
    with pytest.raises(NoSoundCandidateError, match="covariance_type='diag'"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GaussianMixtureImputer(n_components=[1, 2], random_state=0).fit(X)
    # Its two values spread a diagonal variance: sound.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        diag = GaussianMixture(1, covariance_type="diag").fit(X)
    assert diag.collapsed_components_.size == 0
    # Enough rows observing it: sound, as are data whose every row fixes it
    # (the data's own relation, where no component is judged).
    X = rng.normal(size=(40, 2))
    X[::2, 1] = np.nan
    full = GaussianMixture(1, covariance_type="full").fit(X)
    assert full.collapsed_components_.size == 0
    Z = np.column_stack([X[:, 0], X[:, 0], rng.normal(size=40)])
    Z[::2, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the span's warning
        plane = GaussianMixture(1, covariance_type="full").fit(Z)
    assert plane.collapsed_components_.size == 0
