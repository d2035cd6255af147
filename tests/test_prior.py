"""The conjugate prior (Fraley and Raftery 2007): ``gmm_estimators._prior``.

Checked here:

* the MAP M-step equals the published closed forms for every structure that
  has one (and for each kind of scatter: per component, diagonal, pooled);
* with ``prior="default"`` every structure fits the integer-valued Old
  Faithful data with 1 to 6 components without a collapse or a warning, where
  maximum likelihood collapses;
* MAP-EM never decreases ``log L + log p(theta)``, which is what
  ``lower_bounds_`` records with a prior;
* the flat limits of the prior give the maximum-likelihood fit;
* agreement with R's mclust (``me(..., prior = priorControl())``): reference
  numbers in ``tests/fixtures/mclust/prior_*.json``, written by
  ``tests/fixtures/mclust/make_prior_fixtures.R``. R is never needed here.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from _estimator_checks import structure_sensitive_checks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_estimators import (
    ConjugatePrior,
    DegenerateFitWarning,
    GaussianMixture,
    available_covariance_types,
)
from gmm_estimators import _engine as _em
from gmm_estimators._prior import resolve_prior
from gmm_estimators._prior_map import log_prior_density, minimum_dof
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.datasets import load_old_faithful

FIXTURES = Path(__file__).parent / "fixtures" / "mclust"
STRUCTURES = available_covariance_types()
ONE_FEATURE = {"E", "V"}


@pytest.fixture(scope="module")
def faithful():
    return load_old_faithful(return_X_y=True)


def data_for(name, X):
    """Old Faithful, or its waiting times for the one-feature structures."""
    return X[:, 1:] if name in ONE_FEATURE else X


def assert_non_decreasing(values, rtol=1e-10):
    values = np.asarray(values)
    drops = values[:-1] - values[1:]
    slack = rtol * np.maximum(np.abs(values[:-1]), 1.0)
    assert np.all(drops <= slack), f"decrease by {drops.max():.3g} in {values}"


def map_step_on_partition(X, labels, name, prior=None, reg_covar=0.0):
    """The package's (MAP) M-step on the one-hot responsibilities of a partition."""
    n_components = labels.max() + 1
    model = get_covariance_model(name)
    data = _em.ArraySource.from_arrays(X)
    one_hot = np.eye(n_components)[labels]
    stats = _em.statistics_from_resp(
        model, data, lambda rows: one_hot[rows], n_components
    )
    resolved = resolve_prior(prior, model, data, n_components)
    params, _ = _em.m_step(model, data, stats, reg_covar, prior=resolved)
    return model, data, params


def fixed_partition(X):
    """Three groups of Old Faithful rows (short eruptions, long ones, long waits)."""
    labels = (X[:, 0] > 3.0).astype(int)
    labels[(labels == 1) & (X[:, -1] > 82)] = 2
    return labels


# --------------------------------------------------------------------------
# The MAP M-step against closed forms


def test_vvv_one_component_closed_form(faithful):
    X = faithful
    n, d = X.shape
    prior_mean = np.array([3.0, 60.0])
    kappa, nu = 5.0, 6.0
    scale = np.array([[0.5, 1.0], [1.0, 40.0]])
    prior = ConjugatePrior(mean=prior_mean, shrinkage=kappa, dof=nu, scale=scale)
    gm = GaussianMixture(1, prior=prior, reg_covar=0.0, tol=1e-12).fit(X)

    xbar = X.mean(axis=0)
    W = (X - xbar).T @ (X - xbar)
    shift = xbar - prior_mean
    expected_cov = (scale + W + kappa * n / (n + kappa) * np.outer(shift, shift)) / (
        nu + n + d + 2
    )
    assert_allclose(gm.means_[0], (n * xbar + kappa * prior_mean) / (n + kappa))
    assert_allclose(gm.covariances_[0], expected_cov, rtol=1e-12)
    assert_allclose(gm.weights_, [1.0])


def test_vvv_one_component_default_prior(faithful):
    X = faithful
    n, d = X.shape
    gm = GaussianMixture(1, prior="default", reg_covar=0.0).fit(X)
    # mclust's defaults with K = 1: the prior mean is the data mean (no
    # shrinkage effect), nu = d + 2 and the scale is the sample covariance.
    assert_allclose(gm.prior_.mean, X.mean(axis=0))
    assert gm.prior_.dof == d + 2 and gm.prior_.shrinkage == 0.01
    assert_allclose(gm.prior_.scale, np.cov(X.T))
    W = (X - X.mean(axis=0)).T @ (X - X.mean(axis=0))
    assert_allclose(gm.means_[0], X.mean(axis=0))
    assert_allclose(gm.covariances_[0], (np.cov(X.T) + W) / (2 * d + 4 + n), rtol=1e-12)


def _closed_forms(X, labels):
    """Fraley and Raftery's (2007) MAP covariances under mclust's default prior."""
    n, d = X.shape
    K = labels.max() + 1
    kappa, nu = 0.01, d + 2.0
    mu_p = X.mean(axis=0)
    cov = np.atleast_2d(np.cov(X.T))
    Lam = cov / K ** (2.0 / d)
    zeta = np.trace(cov) / d / K ** (2.0 / d)
    nk = np.bincount(labels).astype(float)
    xbar = np.array([X[labels == k].mean(axis=0) for k in range(K)])
    W = np.array(
        [(X[labels == k] - xbar[k]).T @ (X[labels == k] - xbar[k]) for k in range(K)]
    )
    shift = xbar - mu_p
    S = (
        W
        + (kappa * nk / (nk + kappa))[:, None, None]
        * shift[:, :, None]
        * shift[:, None, :]
    )
    diag = np.diagonal(S, axis1=1, axis2=2)
    means = (nk[:, None] * xbar + kappa * mu_p) / (nk + kappa)[:, None]

    def diagonal(values):
        return values[:, :, None] * np.eye(d)

    roots = np.exp(np.mean(np.log(zeta + diag), axis=1))
    evi = (np.sum(roots) / (n + K + nu + 2)) * (zeta + diag) / roots[:, None]
    eigenvalues, eigenvectors = np.linalg.eigh(S + Lam)
    eev_values = eigenvalues.sum(axis=0) / (n + K + nu + d + 1)
    eev = np.einsum("kij,j,klj->kil", eigenvectors, eev_values, eigenvectors)
    evv_roots = np.exp(np.linalg.slogdet(S + Lam)[1] / d)
    evv = (
        (np.sum(evv_roots) / (n + K + nu + d + 1))
        * (S + Lam)
        / evv_roots[:, None, None]
    )
    forms = {
        "VVV": (Lam + S) / (nu + nk + d + 2)[:, None, None],
        "EEE": np.broadcast_to((Lam + S.sum(0)) / (nu + n + K + d + 1), S.shape),
        "VVI": diagonal((zeta + diag) / (nu + nk + 3)[:, None]),
        "VII": diagonal(
            np.repeat(((zeta + diag.sum(1)) / (nu + (nk + 1) * d + 2))[:, None], d, 1)
        ),
        "EII": np.broadcast_to(
            (zeta + diag.sum()) / (nu + (n + K) * d + 2) * np.eye(d), S.shape
        ),
        "EEI": np.broadcast_to(
            np.diag((zeta + diag.sum(0)) / (nu + n + K + 2)), S.shape
        ),
        "EVI": diagonal(evi),
        "EEV": eev,
        "EVV": evv,
    }
    if d == 1:
        forms = {"V": forms["VII"], "E": forms["EII"]}
    return means, nk / n, forms


@pytest.mark.parametrize(
    "name", ["VVV", "EEE", "VVI", "VII", "EII", "EEI", "EVI", "EEV", "EVV", "E", "V"]
)
def test_map_m_step_closed_forms(faithful, name):
    """Every kind of scatter (full, diag, pooled) and every prior family."""
    X = data_for(name, faithful)
    labels = fixed_partition(faithful)
    model, data, params = map_step_on_partition(X, labels, name, prior="default")
    means, weights, forms = _closed_forms(X, labels)
    K, d = means.shape
    assert_allclose(params.means + data.center, means, rtol=1e-12)
    assert_allclose(params.weights, weights, rtol=1e-12)
    assert_allclose(
        model.to_full(params.covariances, K, d), forms[name], rtol=1e-10, atol=1e-13
    )


def test_pooled_scale_counts_once_and_diag_is_the_full_diagonal(faithful):
    """The pooled form is the sum of the per-component forms with one scale."""
    labels = fixed_partition(faithful)
    prior = ConjugatePrior(scale=np.array([[0.3, 0.5], [0.5, 30.0]]), dof=5.0)
    _, _, full = map_step_on_partition(faithful, labels, "VVV", prior=prior)
    _, _, pooled = map_step_on_partition(faithful, labels, "EEE", prior=prior)
    nk = np.bincount(labels)
    K, d = 3, 2
    # VVV: Sigma_k = (W'_k) / (n_k + 1 + nu + d + 1); EEE pools the W'_k with
    # the scale once: sum_k W'_k - (K - 1) Lambda over n + K + nu + d + 1.
    augmented = full.covariances * (nk + 1 + 5.0 + d + 1)[:, None, None]
    expected = (augmented.sum(0) - (K - 1) * prior.scale) / (nk.sum() + K + 5.0 + d + 1)
    assert_allclose(pooled.covariances, expected, rtol=1e-12)


# --------------------------------------------------------------------------
# No collapse on integer-valued data


@pytest.mark.parametrize("name", STRUCTURES)
def test_every_structure_fits_old_faithful_without_collapse(faithful, name):
    X = data_for(name, faithful)
    for n_components in range(1, 7):
        for init_params in ("kmeans", "random_from_data"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no ConvergenceWarning, no collapse
                gm = GaussianMixture(
                    n_components,
                    covariance_type=name,
                    prior="default",
                    init_params=init_params,
                    random_state=0,
                ).fit(X)
            assert gm.collapsed_components_.size == 0, (n_components, init_params)
            assert np.isfinite(gm.bic(X))


def test_prior_prevents_the_diag_collapse(faithful):
    """The case the prior is for: ML puts a component on duplicated rows."""
    settings_ = {"covariance_type": "diag", "init_params": "random_from_data"}
    with pytest.warns(DegenerateFitWarning, match="collapsed"):
        ml = GaussianMixture(5, random_state=0, **settings_).fit(faithful)
    assert ml.collapsed_components_.size > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gm = GaussianMixture(5, random_state=0, prior="default", **settings_)
        gm.fit(faithful)
    assert gm.collapsed_components_.size == 0
    # The smallest variance stays of the order of the prior's, not 1e-6 of it.
    assert gm.covariances_.min() > 1e-3 * np.var(faithful, axis=0).min()


# --------------------------------------------------------------------------
# The MAP-EM objective


@pytest.mark.parametrize("name", STRUCTURES)
def test_map_objective_never_decreases(faithful, name):
    X = data_for(name, faithful)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0: ConvergenceWarning by design
        gm = GaussianMixture(
            4,
            covariance_type=name,
            prior="default",
            init_params="random_from_data",
            random_state=0,
            reg_covar=0.0,
            tol=0.0,
            max_iter=40,
        ).fit(X)
    assert_non_decreasing(gm.lower_bounds_)


def _objective(gm, X):
    """``(log L + log p(theta)) / n`` at the fitted parameters, computed afresh."""
    model = get_covariance_model(gm.covariance_type)
    params = gm._params_from_attributes(np.zeros(X.shape[1]))
    log_prior = log_prior_density(gm.prior_, model, np.zeros(X.shape[1]), params)
    return gm.score(X) + log_prior / X.shape[0]


@pytest.mark.parametrize("name", ["VVV", "EEI", "EVE", "VEV", "V"])
def test_lower_bounds_are_the_log_posterior(faithful, name):
    """``lower_bounds_[i]`` is ``log L + log p`` after ``i`` M-steps."""
    X = data_for(name, faithful)
    settings_ = {
        "covariance_type": name,
        "prior": "default",
        "init_params": "random_from_data",
        "random_state": 1,
        "reg_covar": 0.0,
        "tol": 0.0,
    }
    n_steps = 8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        long = GaussianMixture(3, max_iter=n_steps, **settings_).fit(X)
        objectives = [
            _objective(GaussianMixture(3, max_iter=i, **settings_).fit(X), X)
            for i in range(1, n_steps)
        ]
    assert_allclose(objectives, long.lower_bounds_[1:], rtol=1e-10)
    assert_non_decreasing(objectives)
    # The log prior is part of it: not the log-likelihood alone.
    assert _objective(long, X) != pytest.approx(long.score(X), rel=1e-6)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(STRUCTURES),
    n_components=st.integers(1, 4),
    n_samples=st.integers(30, 80),
    seed=st.integers(0, 2**16),
)
def test_map_objective_never_decreases_property(name, n_components, n_samples, seed):
    """Integer-valued data with many duplicated rows, random structure and K."""
    rng = np.random.RandomState(seed)
    d = 1 if name in ONE_FEATURE else 2
    X = rng.randint(0, 6, size=(n_samples, d)).astype(float)
    X[: n_samples // 3] += 8.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ConvergenceWarning
        gm = GaussianMixture(
            n_components,
            covariance_type=name,
            prior="default",
            init_params="random_from_data",
            random_state=seed,
            reg_covar=0.0,
            tol=1e-8,
            max_iter=30,
        ).fit(X)
    assert gm.collapsed_components_.size == 0
    assert_non_decreasing(gm.lower_bounds_)


# --------------------------------------------------------------------------
# Flat limits: the MAP estimate becomes the ML one


@pytest.mark.parametrize("name", STRUCTURES)
def test_flat_prior_is_maximum_likelihood(faithful, name):
    X = data_for(name, faithful)
    model = get_covariance_model(name)
    K, d = 3, X.shape[1]
    flat = ConjugatePrior(shrinkage=0.0, scale=0.0, dof=minimum_dof(model, d, K, 0.0))
    settings_ = {"covariance_type": name, "random_state": 0, "reg_covar": 1e-6}
    ml = GaussianMixture(K, **settings_).fit(X)
    gm = GaussianMixture(K, prior=flat, **settings_).fit(X)
    for attribute in ("weights_", "means_", "covariances_"):
        assert_allclose(
            getattr(gm, attribute), getattr(ml, attribute), rtol=1e-9, atol=1e-12
        )
    assert_allclose(gm.lower_bounds_, ml.lower_bounds_, rtol=1e-10)


@pytest.mark.parametrize("name", ["VVV", "VEV", "VVE", "EEE", "VVI", "EII", "EVV"])
def test_vanishing_prior_limit_is_maximum_likelihood(faithful, name):
    """kappa -> 0, Lambda -> 0 and nu -> -(d + 2) (for VVV) give the ML fit."""
    model = get_covariance_model(name)
    K, d = 3, faithful.shape[1]
    kappa = 1e-10
    dof = minimum_dof(model, d, K, kappa)
    if name in ("VVV", "VEV", "VVE"):
        assert dof == -(d + 2)
    prior = ConjugatePrior(shrinkage=kappa, scale=1e-12, dof=dof)
    settings_ = {"covariance_type": name, "random_state": 0}
    ml = GaussianMixture(K, **settings_).fit(faithful)
    gm = GaussianMixture(K, prior=prior, **settings_).fit(faithful)
    assert_allclose(gm.means_, ml.means_, rtol=1e-7)
    assert_allclose(gm.covariances_, ml.covariances_, rtol=1e-6)
    assert gm.score(faithful) == pytest.approx(ml.score(faithful), rel=1e-9)


# --------------------------------------------------------------------------
# mclust


def _load_json(name):
    with open(FIXTURES / name) as handle:
        return json.load(handle)


def _fixture_data(name):
    if name == "faithful_waiting":
        return _fixture_data("faithful")[:, 1:]
    return np.loadtxt(FIXTURES / f"data_{name}.csv", delimiter=",", skiprows=1)


def _fixture_partition(name, n_components):
    name = "faithful" if name == "faithful_waiting" else name
    path = FIXTURES / f"partition_{name}_K{n_components}.csv"
    return np.loadtxt(path, skiprows=1).astype(int) - 1


MCLUST_RUNS = _load_json("prior_me_reference.json")


def mclust_me_prior(name, d, n_components):
    """The ConjugatePrior whose MAP-EM is mclust 6.0's ``me(prior = priorControl())``.

    mclust's defaults for most structures; four of mclust's EM routines
    deviate from the prior they state, and these are the priors that
    reproduce them (see ``gmm_estimators._prior``). EEI is approximate: its
    mclust routine also leaves the means unshrunk.
    """
    nu = d + 2
    deviations = {
        "EII": ConjugatePrior(scale=0.0),  # meeiip leaves the scale out
        "VEI": ConjugatePrior(dof=(nu + 3) / d - 3),  # volume counts / d
        "VEV": ConjugatePrior(dof=-(d + 2)),  # no prior counts
        "EEV": ConjugatePrior(dof=nu + 1 - n_components),  # mean prior once
        "EVI": ConjugatePrior(dof=nu - n_components),  # mean prior once
        "EEI": ConjugatePrior(dof=nu - n_components),  # mean prior once
    }
    return deviations.get(name, ConjugatePrior())


# Relative agreement: closed forms to rounding; inner iterations to their
# tolerance; EEI up to mclust's unshrunk means.
MCLUST_RTOL = {"VEI": 3e-6, "VEV": 3e-6, "EEI": 3e-3}


def _mclust_id(run):
    return f"{run['dataset']}-{run['model']}-K{run['K']}"


def test_mclust_fixture_covers_the_models_with_a_prior():
    seen = {(run["dataset"], run["model"], run["K"]) for run in MCLUST_RUNS}
    models = ("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV")
    expected = {(s, m, k) for s in ("faithful", "iris") for m in models for k in (2, 3)}
    expected |= {("faithful_waiting", m, k) for m in ("E", "V") for k in (2, 3)}
    assert seen == expected
    assert all(run["return_code"] == 0 for run in MCLUST_RUNS)


@pytest.mark.parametrize("run", MCLUST_RUNS, ids=_mclust_id)
def test_em_matches_mclust_me_with_prior(run):
    """Same partition, same number of EM steps: the same MAP estimate."""
    name, n_components = run["model"], run["K"]
    X = _fixture_data(run["dataset"])
    n, d = X.shape
    labels = _fixture_partition(run["dataset"], n_components)
    prior = mclust_me_prior(name, d, n_components)
    model, data, start = map_step_on_partition(X, labels, name, prior=prior)
    # me's first M-step is the start above; each further one is an iteration.
    gm = GaussianMixture(
        n_components,
        covariance_type=name,
        prior=prior,
        reg_covar=0.0,
        tol=0.0,
        max_iter=run["iterations"] - 1,
        weights_init=start.weights / start.weights.sum(),
        means_init=start.means + data.center,
        precisions_init=model.precisions_from_cholesky(start.precisions_cholesky),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ConvergenceWarning: tol=0
        gm.fit(X)
    rtol = MCLUST_RTOL.get(name, 1e-9)
    assert gm.score(X) * n == pytest.approx(run["loglik"], rel=rtol * 1e-1)
    sigma = np.array(run["sigma"], dtype=float).reshape(n_components, d, d)
    assert_allclose(
        model.to_full(gm.covariances_, n_components, d),
        sigma,
        rtol=rtol,
        atol=rtol * np.abs(sigma).max(),
    )
    assert_allclose(gm.means_, np.reshape(run["mean"], (n_components, d)), rtol=rtol)
    assert_allclose(gm.weights_, run["pro"], rtol=rtol, atol=1e-12)
    # BIC from the log-likelihood at the MAP estimate, mclust's sign flipped.
    df = gm._n_parameters()
    mclust_bic = 2 * run["loglik"] - df * np.log(n)
    assert gm.bic(X) == pytest.approx(-mclust_bic, rel=rtol)


# The structures sharing each form of mclust's default scale.
DEFAULT_FORMS = {
    "VVV": ("VVV", "EEE", "VEV", "EEV", "VEE", "EVE", "VVE", "EVV"),
    "VVI": ("VVI", "EEI", "VEI", "EVI"),
    "V": ("V", "E"),
}


@pytest.mark.parametrize(
    "run",
    _load_json("prior_defaults.json"),
    ids=lambda run: f"{run['dataset']}-{run['model']}-K{run['K']}",
)
def test_defaults_match_mclust_default_prior(run):
    X = _fixture_data(run["dataset"])
    expected_scale = np.asarray(run["scale"], dtype=float)
    if run["model"] == "VVI":
        # mclust's one zeta, used for every variance of a diagonal structure.
        expected_scale = np.full(X.shape[1], float(expected_scale))
    for name in DEFAULT_FORMS[run["model"]]:
        resolved = ConjugatePrior().resolve(X, run["K"], name)
        assert resolved.shrinkage == run["shrinkage"]
        assert resolved.dof == run["dof"]
        assert_allclose(resolved.mean, np.ravel(run["mean"]), rtol=1e-13)
        assert_allclose(resolved.scale, expected_scale, rtol=1e-12)


def test_defaults_for_spherical_structures(faithful):
    resolved = ConjugatePrior().resolve(faithful, 3, "VII")
    expected = np.trace(np.cov(faithful.T)) / 2 / 3 ** (2 / 2)
    assert isinstance(resolved.scale, float)
    assert resolved.scale == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------
# API


def test_prior_parameter_is_validated(faithful):
    with pytest.raises(InvalidParameterError, match="prior"):
        GaussianMixture(prior="mclust").fit(faithful)
    with pytest.raises(InvalidParameterError, match="prior"):
        GaussianMixture(prior={"shrinkage": 0.1}).fit(faithful)


@pytest.mark.parametrize(
    "prior, match",
    [
        (ConjugatePrior(shrinkage=-1.0), "shrinkage"),
        (ConjugatePrior(shrinkage=np.nan), "shrinkage"),
        (ConjugatePrior(mean=[1.0, 2.0, 3.0]), "mean"),
        (ConjugatePrior(dof=-10.0), "dof=-10.0 is below -4.0"),
        (ConjugatePrior(scale=[1.0, 2.0, 3.0]), "shape"),
        (ConjugatePrior(scale=[[1.0, 0.0], [0.5, 1.0]]), "symmetric"),
        (ConjugatePrior(scale=[[1.0, 0.0], [0.0, -1.0]]), "positive semi-definite"),
        (ConjugatePrior(scale=-1.0), "positive semi-definite"),
        # No arrays of real numbers: the prior's error, not numpy's.
        (ConjugatePrior(mean="a"), "mean must be 2 finite numbers"),
        (ConjugatePrior(mean=[1j, 0.0]), "mean must be 2 finite numbers"),
        (ConjugatePrior(scale=[[1.0, 0.0], [0.0]]), "scale must be a number"),
        (ConjugatePrior(scale={"a": 1.0}), "scale must be a number"),
    ],
)
def test_conjugate_prior_values_are_validated(faithful, prior, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(2, prior=prior).fit(faithful)


def test_prior_is_not_modified_and_clones(faithful):
    prior = ConjugatePrior(shrinkage=0.1, dof=5)
    gm = GaussianMixture(2, prior=prior, random_state=0)
    cloned = clone(gm)
    assert cloned.prior == prior and cloned.prior is not prior
    gm.fit(faithful)
    assert gm.prior is prior and prior.mean is None and prior.scale is None
    assert repr(prior) == "ConjugatePrior(shrinkage=0.1, dof=5)"
    assert repr(ConjugatePrior()) == "ConjugatePrior()"
    assert gm.prior_ != prior and gm.prior_.dof == 5.0


def test_without_prior_prior_attribute_is_none(faithful):
    gm = GaussianMixture(2, random_state=0).fit(faithful)
    assert gm.prior_ is None


def test_sample_weights_are_frequency_weights(faithful):
    rng = np.random.RandomState(0)
    weights = rng.randint(1, 4, size=faithful.shape[0])
    repeated = np.repeat(faithful, weights, axis=0)
    settings_ = {"covariance_type": "VEV", "prior": "default", "random_state": 0}
    start = GaussianMixture(3, max_iter=0, **settings_).fit(repeated)
    init = {
        "weights_init": start.weights_,
        "means_init": start.means_,
        "precisions_init": start.precisions_,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = GaussianMixture(3, max_iter=5, **init, **settings_).fit(repeated)
        b = GaussianMixture(3, max_iter=5, **init, **settings_).fit(
            faithful, sample_weight=weights
        )
    assert_allclose(b.prior_.scale, a.prior_.scale, rtol=1e-12)
    assert_allclose(b.means_, a.means_, rtol=1e-10)
    assert_allclose(b.covariances_, a.covariances_, rtol=1e-9)


def test_default_scale_counts_rows_as_frequency_weights():
    # mclust keeps the diagonal of the scale when n <= d; n counted the rows
    # as given, so weights (2, 2, 1, 1) on 4 rows in 5-D (6 rows repeated)
    # got the diagonal and rows of weight 0 counted: neither was the fit of
    # the repeated or remaining rows (BIC 64.4 against -52.2).
    rng = np.random.RandomState(0)
    X = rng.randn(4, 5)
    weights = np.array([2, 2, 1, 1])
    repeated = np.repeat(X, weights, axis=0)
    padded = np.r_[X, rng.randn(3, 5)]
    for covariance_type in ("VVV", "EEE"):
        for (data, w), (same, _) in (
            ((X, weights), (repeated, None)),
            ((padded, np.r_[np.ones(4), np.zeros(3)]), (X, None)),
        ):
            resolved = ConjugatePrior().resolve(data, 1, covariance_type, w)
            expected = ConjugatePrior().resolve(same, 1, covariance_type)
            assert_allclose(resolved.scale, expected.scale, rtol=1e-12)
            weighted = GaussianMixture(
                1, covariance_type=covariance_type, prior="default"
            )
            plain = clone(weighted).fit(same)
            weighted.fit(data, sample_weight=w)
            assert_allclose(weighted.bic(data, w), plain.bic(same), rtol=1e-10)


def test_float32_data(faithful):
    gm = GaussianMixture(3, prior="default", random_state=0).fit(
        faithful.astype(np.float32)
    )
    assert gm.means_.dtype == np.float32
    assert gm.collapsed_components_.size == 0


# The full set of common checks on one structure with a prior; the API code
# they test does not depend on the structure (tests/_estimator_checks.py).
@parametrize_with_checks(
    [GaussianMixture(n_components=3, covariance_type="full", prior="default")]
)
def test_sklearn_compatible_with_prior(estimator, check):
    check(estimator)


@structure_sensitive_checks(
    [
        GaussianMixture(n_components=3, covariance_type=name, prior="default")
        for name in ("VEV", "EVE")
    ]
)
def test_sklearn_structure_sensitive_checks_with_prior(estimator, check):
    check(estimator)


def test_prior_hyperparameters_are_grid_searched():
    # ConjugatePrior exposes get_params/set_params (issue 12): prior__shrinkage
    # is a nested parameter that GridSearchCV sets on clones, each candidate
    # then the fit of that prior.
    from sklearn.model_selection import GridSearchCV

    from gmm_estimators import ConjugatePrior, GaussianMixture
    from gmm_estimators.model_selection import InSampleSplit, bic_score

    X = np.random.RandomState(0).randn(120, 2)
    X[60:] += 3.0
    base = GaussianMixture(2, prior=ConjugatePrior(), random_state=0)
    assert base.get_params()["prior__shrinkage"] == 0.01
    search = GridSearchCV(
        base,
        {"prior__shrinkage": [0.01, 10.0]},
        scoring=bic_score,
        cv=InSampleSplit(),
    ).fit(X)
    assert base.prior.shrinkage == 0.01  # the clones were set, not the original
    for shrinkage, score in zip(
        search.cv_results_["param_prior__shrinkage"],
        search.cv_results_["mean_test_score"],
        strict=True,
    ):
        alone = GaussianMixture(
            2, prior=ConjugatePrior(shrinkage=shrinkage), random_state=0
        ).fit(X)
        assert alone.prior_.shrinkage == shrinkage
        assert_allclose(score, -alone.bic(X), rtol=1e-10)


@pytest.mark.parametrize("prior", [None, "default"])
def test_prior_parameters_of_a_prior_that_is_no_object_are_refused_by_name(prior):
    # scikit-learn's set_params failed inside: "'str' object has no attribute
    # 'set_params'". The remedy it names works, on both estimators.
    from gmm_estimators import ConjugatePrior, GaussianMixture
    from gmm_estimators.model_selection import GaussianMixtureIC

    for estimator in (GaussianMixture(2, prior=prior), GaussianMixtureIC(prior=prior)):
        with pytest.raises(ValueError, match=r"prior__shrinkage.*ConjugatePrior"):
            estimator.set_params(prior__shrinkage=0.3)
        assert estimator.prior == prior  # left as it was
        estimator.set_params(prior=ConjugatePrior(), prior__shrinkage=0.3)
        assert estimator.get_params()["prior__shrinkage"] == 0.3


def test_a_prior_mean_whose_squares_overflow_is_named():
    # The M-step's squares overflowed and the error blamed the rows ("rest
    # on too few distinct rows for a covariance ... increase reg_covar").
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(30, 2), rng.randn(30, 2) + 5])
    prior = ConjugatePrior(mean=[1e200, 0.0])
    with pytest.raises(ValueError, match="ConjugatePrior mean lies up to 1e\\+200"):
        GaussianMixture(2, prior=prior, random_state=0).fit(X)


@pytest.mark.parametrize(
    "n_components, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError)]
)
def test_resolve_refuses_a_number_of_components_that_is_not_one_or_more(
    n_components, error
):
    # 0 raised Python's ZeroDivisionError, -1 returned a complex scale and
    # 2.5 was read as a number of components.
    X = load_old_faithful(return_X_y=True)[0]
    with pytest.raises(error, match="n_components must be"):
        ConjugatePrior().resolve(X, n_components)


@pytest.mark.parametrize("factor", [1e155, 1e200])
def test_resolve_refuses_data_whose_squares_overflow_as_fit_does(factor):
    # resolve formed the scatter unchecked: an infinite scale with numpy's
    # "overflow encountered in matmul", where fit gives a clear error.
    X = np.random.RandomState(0).randn(20, 2) * factor
    with pytest.raises(ValueError) as from_fit:
        GaussianMixture(2, prior="default").fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="squares overflow") as from_resolve:
            ConjugatePrior().resolve(X, 2)
        with pytest.raises(ValueError, match="sample_weight of total"):
            ConjugatePrior().resolve(X / factor, 2, sample_weight=np.full(20, 1e307))
    assert str(from_resolve.value) == str(from_fit.value)


def test_a_map_fit_of_tiny_weights_does_not_overflow():
    # The M-step divided the prior-augmented counts and scatter by the
    # weights' scale (2^-1000 for weights of 1e-300): the prior's terms, in
    # the data's units, overflowed and the fit was refused as resting "on
    # too few distinct rows".
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(30, 2), rng.randn(30, 2) + 5])
    fits = []
    for c in (1e-298, 1e-300, 1e-305):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            gm = GaussianMixture(2, prior="default", random_state=0)
            fits.append(gm.fit(X, sample_weight=np.full(len(X), c)))
        assert np.isfinite(fits[-1].lower_bound_) and fits[-1].converged_
    # The prior dominates weights this small alike.
    for gm in fits[1:]:
        assert_allclose(gm.means_, fits[0].means_, rtol=1e-12, atol=1e-12)
    # Summing below float64's normal range, the MAP objective per unit of
    # weight overflowed: lower_bound_ -inf after max_iter iterations.
    with pytest.raises(ValueError, match="sums to .* below float64's normal"):
        GaussianMixture(2, prior="default").fit(X, sample_weight=np.full(60, 1e-310))


@pytest.mark.parametrize("prior", ["default", ConjugatePrior(shrinkage=0.5)])
def test_a_default_scale_singular_off_the_span_is_warned_about(prior):
    # mclust's default scale is the data's covariance: singular where the
    # rows are (x2 = 2 x1 + 1), so every covariance there is reg_covar
    # alone and sets the BIC (-859.5 at 1e-6, -2241.1 at 1e-9). The span
    # warning was dropped for any prior; it is said, naming the remedy.
    from gmm_estimators.model_selection import GaussianMixtureIC

    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 2))
    X = np.c_[a[:, 0], 2 * a[:, 0] + 1, a[:, 1]]
    match = r"span 2 of the 3 dimensions.*ConjugatePrior\(scale=\.\.\.\) of full rank"
    with pytest.warns(UserWarning, match=match):
        GaussianMixture(2, prior=prior, random_state=0).fit(X)
    with pytest.warns(UserWarning, match=match):
        GaussianMixtureIC(n_components=2, covariance_types=["VVV"], prior=prior).fit(X)
    # The default scale of the diagonal and spherical structures (the
    # covariance's diagonal, its mean variance) is positive there: their
    # fitted variances off the span are 0.5 to 1, not reg_covar.
    for structure in ("VII", "VVI", "EEI"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            GaussianMixture(
                2, covariance_type=structure, prior=prior, random_state=0
            ).fit(X)
        assert not [w for w in caught if "span" in str(w.message)], structure
    # A scale of full rank, or positive along the missing direction only
    # (2, -1, 0) / sqrt(5), sets those covariances: nothing to warn of.
    for scale in (0.1, [1.0, 0.0, 1.0]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            GaussianMixture(2, prior=ConjugatePrior(scale=scale), random_state=0).fit(X)
        assert not [w for w in caught if "span" in str(w.message)]


@pytest.mark.parametrize("scale", [np.inf, -np.inf, np.nan, [1.0, np.inf]])
def test_a_scale_that_is_not_finite_is_refused_by_name(scale):
    # inf * eye(d) warned "invalid value encountered in multiply" first.
    X = np.random.RandomState(0).randn(40, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="scale must be finite"):
            GaussianMixture(2, prior=ConjugatePrior(scale=scale)).fit(X)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"dof": 1e12}, "the prior, not the rows, sets the covariances"),
        ({"shrinkage": 1e12}, "the prior, not the rows, sets the means"),
    ],
)
def test_a_prior_outweighing_every_row_is_said(given, says):
    # dof=1e12 left every covariance at the prior's scale (1e-6 against the
    # rows' 0.1 and 0.9), shrinkage=1e12 both means at the data's mean,
    # without a word.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) * 0.3 + 4]
    with pytest.warns(UserWarning, match=says):
        gm = GaussianMixture(2, prior=ConjugatePrior(**given), random_state=0).fit(X)
    # The warning is true: the fit is the prior's.
    if "dof" in given:
        assert gm.covariances_[:, 0, 0].max() < 1e-5
    else:
        assert_allclose(gm.means_[0], gm.means_[1], rtol=1e-6)
    # Weighed against the rows each estimate is made from: a covariance
    # pooled over four components (EEE) sees the four shares of the prior
    # against every row, and one of a component's own its share of the rows.
    if "dof" in given:
        for structure, dof in (("EEE", 300), ("VVV", 100)):
            with pytest.warns(UserWarning, match=says):
                GaussianMixture(
                    4,
                    covariance_type=structure,
                    prior=ConjugatePrior(dof=dof),
                    random_state=0,
                ).fit(X)
        # dof=100 is 103 observations against all 200 rows with one component.
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            GaussianMixture(1, prior=ConjugatePrior(dof=100)).fit(X)
    # The selector says it once, before its search.
    from gmm_estimators.model_selection import GaussianMixtureIC

    search = GaussianMixtureIC(
        n_components=2, covariance_types=["VVV"], prior=ConjugatePrior(**given)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X)
    assert len([w for w in caught if says in str(w.message)]) == 1
    # mclust's defaults, values the rows outweigh, and later mini-batches of
    # fewer rows than the prior counts (which partial_fit averages per unit
    # weight), say nothing of it.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixture(2, prior="default", random_state=0).fit(X)
        GaussianMixture(2, prior=ConjugatePrior(dof=20, shrinkage=20)).fit(X)
        online = GaussianMixture(2, prior="default", random_state=0).partial_fit(X)
        for start in range(0, 12, 3):
            online.partial_fit(X[start : start + 3])
    assert not [w for w in caught if "not the rows" in str(w.message)]
