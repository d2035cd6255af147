"""Log-likelihood ratios of adapted mixtures to their background, far from the data.

A GMM-UBM classifier scores ``log p_c(x) - log p_0(x)``: each class's
mixture adapted from the background's (``adapt_mixture``), most often in its
means only. Far from the data both log-densities are dominated by the same
quadratic terms (``1e30`` at ``1e15`` standard deviations), and their
difference, linear in ``x``, rounds away: 44 % off at ``1e15``, zero from
``1e16`` on. Where a class shares the background's covariances the ratio is

``p_c(x) / p_0(x) = sum_k r_0k(x) exp(d_ck(x))``,
``d_ck(x) = log(w_ck / w_0k) + (x - (mu_ck + mu_0k) / 2)' P_k (mu_ck - mu_0k)``

with ``r_0k`` the background's responsibilities (their limit beyond the
float range, as the engine gives it) and ``P_k`` the shared precision: every
term is linear in ``x``, and nothing cancels.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import logsumexp

from ._edda import linear_forms
from ._warn import names_checked
from .covariance import get_covariance_model

__all__ = ["far_log_ratios"]

#: Rows whose log-density under some class reaches this magnitude take the
#: linear form: the difference of two such log-densities loses up to about
#: ``eps`` times it (2e-7 here) to rounding.
FAR_LOG_DENSITY = 1e9


def far_log_ratios(X, log_density, mixtures, background):
    """The rows far from the data and their exact ``log p_c(x) - log p_0(x)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Validated rows.
    log_density : ndarray of shape (n_samples, n_classes)
        ``log p_c(x)`` of every class, as scored.
    mixtures : list of GaussianMixture
        The classes' mixtures, adapted from ``background``.
    background : GaussianMixture

    Returns
    -------
    found : tuple or None
        ``(far, ratios)``: a boolean mask of the rows whose log-density
        under some class is beyond :data:`FAR_LOG_DENSITY` in magnitude (or
        not finite), and their ratios, of shape ``(far.sum(), n_classes)``.
        None when no row is that far, or a class does not share the
        background's covariances (adapted covariances: no linear form), or
        the background has a noise component.
    """
    far = ~np.all(np.abs(log_density) <= FAR_LOG_DENSITY, axis=1)
    if not far.any() or getattr(background, "noise_volume_", None) is not None:
        return None
    covariances = np.asarray(background.covariances_)
    for mixture in mixtures:
        if mixture.covariance_type != background.covariance_type or not (
            np.array_equal(np.asarray(mixture.covariances_), covariances)
        ):
            return None
    n_components, n_features = background.means_.shape
    model = get_covariance_model(background.covariance_type)
    precisions = model.to_full(
        np.asarray(background.precisions_, np.float64), n_components, n_features
    )
    rows = np.asarray(X[far], np.float64)
    with names_checked(), np.errstate(divide="ignore"):
        log_resp = np.log(background.predict_proba(rows))
    means_0 = np.asarray(background.means_, np.float64)
    ratios = np.empty((rows.shape[0], len(mixtures)))
    with np.errstate(all="ignore"):
        log_weights_0 = np.log(np.asarray(background.weights_, np.float64))
        for c, mixture in enumerate(mixtures):
            means_c = np.asarray(mixture.means_, np.float64)
            slopes = np.einsum("kij,kj->ki", precisions, means_c - means_0)
            linear = linear_forms(rows, (means_c + means_0) / 2, slopes)
            log_weights = np.log(np.asarray(mixture.weights_, np.float64))
            terms = log_resp + linear + (log_weights - log_weights_0)
            # A component of no responsibility or no weight adds nothing,
            # however steep its linear form (-inf plus inf).
            absent = np.isneginf(log_resp) | np.isneginf(log_weights)
            terms[absent] = -np.inf
            ratios[:, c] = logsumexp(terms, axis=1)
    largest = np.finfo(np.float64).max
    return far, np.clip(ratios, -largest, largest)
