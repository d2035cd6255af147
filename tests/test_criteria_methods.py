"""A fitted mixture's BIC, AIC and ICL on data, against scipy's densities."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmm_estimators import GaussianMixture


def _log_joint(mixture, X):
    """``log pi_k + log N(x_i; mu_k, Sigma_k)`` from scipy, shape (n, K)."""
    covariances = mixture.full_covariances_
    return np.column_stack(
        [
            np.log(weight) + multivariate_normal(mean, covariance).logpdf(X)
            for weight, mean, covariance in zip(
                mixture.weights_, mixture.means_, covariances, strict=True
            )
        ]
    )


@pytest.mark.parametrize(
    "structure, count",
    [
        # K - 1 weights, K d means, and the covariances' free parameters.
        ("full", lambda K, d: K - 1 + K * d + K * d * (d + 1) // 2),
        ("EEE", lambda K, d: K - 1 + K * d + d * (d + 1) // 2),
        ("VII", lambda K, d: K - 1 + K * d + K),
        ("EEI", lambda K, d: K - 1 + K * d + d),
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_criteria_are_their_formulas_on_scipys_densities(structure, count, weighted):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0.0, 1.0, (120, 3)), rng.normal(4.0, 0.5, (80, 3))])
    w = rng.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    mixture = GaussianMixture(2, covariance_type=structure, random_state=0)
    mixture.fit(X, sample_weight=w)
    K, d = mixture.means_.shape
    assert mixture.n_parameters_ == count(K, d)
    # On other rows than the fit's, and with other weights: the criteria
    # are functions of the data they are given.
    Y = rng.normal(2.0, 2.0, (60, 3))
    v = None if w is None else rng.uniform(0.5, 2.0, Y.shape[0])
    weights = np.ones(len(Y)) if v is None else v
    joint = _log_joint(mixture, Y)
    log_l = float(weights @ logsumexp(joint, axis=1))
    n, p = weights.sum(), count(K, d)
    bic = -2.0 * log_l + p * np.log(n)
    assert_allclose(mixture.bic(Y, sample_weight=v), bic, rtol=1e-10)
    assert_allclose(mixture.aic(Y, sample_weight=v), -2.0 * log_l + 2 * p, rtol=1e-10)
    # ICL: BIC less twice the weighted log posterior of each row's most
    # probable component (Biernacki, Celeux and Govaert, 2000).
    log_map = (joint - logsumexp(joint, axis=1, keepdims=True)).max(axis=1)
    icl = bic - 2.0 * float(weights @ log_map)
    assert_allclose(mixture.icl(Y, sample_weight=v), icl, rtol=1e-10)
    assert mixture.icl(Y, sample_weight=v) >= mixture.bic(Y, sample_weight=v)


def test_a_common_factor_of_the_weights_changes_only_n():
    # log L scales with the weights and n is their sum: BIC moves by
    # exactly p log(c) + (c - 1) (-2 log L) for a factor c.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 2))
    mixture = GaussianMixture(2, covariance_type="VVV", random_state=0).fit(X)
    w = rng.uniform(0.5, 2.0, 100)
    c = 7.0
    deviance = mixture.aic(X, sample_weight=w) - 2 * mixture.n_parameters_
    expected = mixture.bic(X, sample_weight=w) + (c - 1) * deviance
    expected += mixture.n_parameters_ * np.log(c)
    assert_allclose(mixture.bic(X, sample_weight=c * w), expected, rtol=1e-12)
