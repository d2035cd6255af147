"""The conjugate prior's part in MAP-EM: counts, M-step inputs, log-density.

The maths are in :mod:`gmm_estimators._prior`'s docstring; this module takes
a prior resolved there (in the data's units, every hyperparameter set).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .covariance._priors import prior_form_of

__all__ = [
    "log_det_weight",
    "log_prior_density",
    "map_m_step_inputs",
    "minimum_dof",
    "prior_counts",
]


def prior_counts(model, n_features, n_components, shrinkage, dof):
    """Count added to every ``n_k``: ``1[kappa > 0] + a c``."""
    slope, intercept = prior_form_of(model).count_per_unit_dof(n_features)
    share = 1.0 / n_components if model.equal_volume else 1.0
    return float(shrinkage > 0) + share * (slope * dof + intercept)


def minimum_dof(model, n_features, n_components, shrinkage):
    """Smallest ``dof`` for which the prior's count per component is not negative.

    At that value the effective counts equal ``n_k``; with ``shrinkage`` and
    ``scale`` going to 0 as well, the MAP estimate becomes the maximum
    likelihood one.
    """
    slope, intercept = prior_form_of(model).count_per_unit_dof(n_features)
    share = 1.0 / n_components if model.equal_volume else 1.0
    return (-float(shrinkage > 0) / share - intercept) / slope


def _scale_matrix(prior, model, n_features):
    """``L`` of the module docstring, shape (d, d)."""
    return prior_form_of(model).scale_matrix(prior.scale, n_features)


def map_m_step_inputs(prior, model, center, nk, means, scatter):
    """MAP means, prior-augmented scatter and effective counts.

    Parameters
    ----------
    prior : ConjugatePrior
        Resolved (``_prior.resolve_prior``), in the data's units.
    model : CovarianceModel
    center : ndarray of shape (d,)
        The engine's centre: ``means`` are relative to it.
    nk : ndarray of shape (K,)
        Summed responsibilities.
    means : ndarray of shape (K, d)
        Component sample means ``xbar_k`` (centred).
    scatter : ndarray
        Scatter about ``xbar_k`` in the form ``model.scatter`` reads.

    Returns
    -------
    means : ndarray of shape (K, d)
        ``(n_k xbar_k + kappa mu_p) / (n_k + kappa)`` (centred).
    scatter : ndarray
        ``W'_k`` (or their pooled sum) in the same form as ``scatter``.
    counts : ndarray of shape (K,)
        Effective counts ``m_k`` for ``model.m_step``.
    """
    n_components, d = means.shape
    kappa = prior.shrinkage
    prior_mean = np.asarray(prior.mean, dtype=np.float64) - center
    shift = means - prior_mean
    weight = kappa * nk / (nk + kappa)
    posterior_means = (nk[:, np.newaxis] * means + kappa * prior_mean) / (nk + kappa)[
        :, np.newaxis
    ]
    share = 1.0 / n_components if model.equal_covariance else 1.0
    L = share * _scale_matrix(prior, model, d)
    # Per component, W'_k - W_k = s_k e_k e_k^T + b L; the structure's form
    # reduces those matrices as it reduces scatter (diagonals, pooled sum).
    added = (
        weight[:, np.newaxis, np.newaxis]
        * shift[:, :, np.newaxis]
        * shift[:, np.newaxis, :]
        + L
    )
    augmented = scatter + model.scatter.from_full(added)
    counts = nk + prior_counts(model, d, n_components, kappa, prior.dof)
    return posterior_means, augmented, counts


def log_det_weight(prior, model, n_components):
    """The factor of ``-log|Sigma_k|/2`` in :func:`log_prior_density`, summed over k.

    Data times ``c`` (and the default prior with them) shift ``log p`` by
    ``-d log c`` times this: the share of the prior in the objective's units.
    """
    d = np.asarray(prior.mean).size
    counts = prior_counts(model, d, n_components, prior.shrinkage, prior.dof)
    return n_components * counts


def log_prior_density(prior, model, center, params):
    """``log p(theta)`` of engine parameters, up to an additive constant.

    The constant depends on the prior only, so ``log L + log p`` is the
    objective MAP-EM increases.

    Parameters
    ----------
    prior : ConjugatePrior
        Resolved (``_prior.resolve_prior``).
    model : CovarianceModel
    center : ndarray of shape (d,)
        The engine's centre (``params.means`` are relative to it).
    params : Params
        Means, and precision Cholesky factors in the structure's shape.

    Returns
    -------
    log_density : float
    """
    means = np.asarray(params.means, dtype=np.float64)
    n_components, d = means.shape
    cholesky = np.asarray(params.precisions_cholesky, dtype=np.float64)
    # log|Sigma_k| = -2 log det P_k; a shared matrix gives one value, broadcast.
    log_det = np.broadcast_to(
        -2.0 * np.asarray(model.log_det_cholesky(cholesky, d), dtype=np.float64),
        (n_components,),
    )
    precisions = model.to_full(
        model.precisions_from_cholesky(cholesky), n_components, d
    )
    kappa = prior.shrinkage
    shift = means - (np.asarray(prior.mean, dtype=np.float64) - center)
    quadratic = np.einsum("ki,kij,kj->k", shift, precisions, shift)
    share = 1.0 / n_components if model.equal_covariance else 1.0
    L = _scale_matrix(prior, model, d)
    traces = np.einsum("kij,ji->k", precisions, L)
    counts = prior_counts(model, d, n_components, kappa, prior.dof)
    return float(-0.5 * np.sum(counts * log_det + kappa * quadratic + share * traces))
