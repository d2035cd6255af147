"""The classes' scores of rows beyond the float range of every class density.

Far from the data each class's log-density is ``-x' Lambda x / 2`` to
leading order, for its component whose precision ``Lambda`` is least along
``x``; beyond float64's range every class's density is ``-inf``, but their
ratios still have a limit. The engine's exact form gives it for all the
classes' components together (``covariance._exact_form.exact_values``:
each row scaled by a power of two, ``-floor`` at the nearest components),
components of one precision are then ordered by their linear forms
(``covariance._linalg.separate_ties``), and what is left ties in both: their
ratios are those of their weights, ``pi_c w_ck`` (the determinants being
equal), the limit of the exact posterior.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import logsumexp

from .covariance import get_covariance_model
from .covariance._exact import log_density_floor
from .covariance._exact_form import exact_values
from .covariance._linalg import separate_ties

__all__ = ["limit_scores"]


def limit_scores(rows, mixtures, possible):
    """Each class's score of rows beyond the float range of every density.

    Parameters
    ----------
    rows : ndarray of shape (n_samples, n_features)
        Rows beyond the float range of every class's density.
    mixtures : list of GaussianMixture
        The classes' mixtures (no noise component: its constant density
        keeps a row within range).
    possible : ndarray of shape (n_classes,), dtype=bool
        Classes of positive prior.

    Returns
    -------
    scores : ndarray of shape (n_samples, n_classes)
        ``log sum_k w_ck`` over each class's components that hold the row in
        the limit; ``-inf`` for a class that holds none. Added to the log
        priors and normalised, the limit of the posterior.
    """
    rows = np.asarray(rows, dtype=np.float64)
    d = rows.shape[1]
    means, factors, log_weights, owner = [], [], [], []
    with np.errstate(divide="ignore"):
        for c, mixture in enumerate(mixtures):
            model = get_covariance_model(mixture.covariance_type)
            K = mixture.means_.shape[0]
            cholesky = np.asarray(mixture.precisions_cholesky_, np.float64)
            means.append(np.asarray(mixture.means_, np.float64))
            factors.append(model.to_full(cholesky, K, d))
            weights = np.log(np.asarray(mixture.weights_, np.float64))
            log_weights.append(np.where(possible[c], weights, -np.inf))
            owner.append(np.full(K, c))
    means, factors = np.concatenate(means), np.concatenate(factors)
    log_weights, owner = np.concatenate(log_weights), np.concatenate(owner)
    floor = log_density_floor(np.float64)
    # Finite offsets mark the live components; in the limit only which of
    # them are nearest counts (their weights are read at the end).
    offset = np.where(np.isfinite(log_weights), 0.0, -np.inf)
    with np.errstate(all="ignore"):
        values = exact_values(rows, means, factors, -0.5, offset, floor)
        precisions = factors @ np.swapaxes(factors, -1, -2)
    values = separate_ties(
        values, np.zeros(len(rows)), lambda index: rows[index], precisions, means,
        offset, floor,
    )  # fmt: skip
    # The nearest hold -floor; the others -inf.
    top = values.max(axis=1, keepdims=True)
    held = (values >= top) & np.isfinite(top)
    scores = np.full((len(rows), len(mixtures)), -np.inf)
    for c in range(len(mixtures)):
        mine = owner == c
        terms = np.where(held[:, mine], log_weights[mine], -np.inf)
        scores[:, c] = logsumexp(terms, axis=1)
    return scores
