"""The classes that hold a row beyond the float range of every class density.

Far from the data each class's log-density is ``-x' Lambda x / 2`` to
leading order, for its component whose precision ``Lambda`` is least along
``x``; beyond float64's range every class's density is ``-inf``, but their
ratios still have a limit: the class of that least precision holds the row
with probability one. The distances are read as the engine reads them
(``covariance._exact_form``): each row scaled by a power of two, its order
that of the unscaled distances, ties within ``1e-12`` shared (classes of one
covariance tie here and are ordered by their linear forms, ``_edda``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .covariance import get_covariance_model
from .covariance._exact_form import overflow_limit

__all__ = ["nearest_classes"]


def nearest_classes(rows, mixtures, possible):
    """Which classes hold each row in the limit, as a boolean mask.

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
    holds : ndarray of shape (n_samples, n_classes), dtype=bool
        True at the classes of the nearest components of positive weight.
    """
    rows = np.asarray(rows, dtype=np.float64)
    n, d = rows.shape
    with np.errstate(all="ignore"):
        _, exponents = np.frexp(np.maximum(np.abs(rows).max(axis=1), 1.0))
        down = np.ldexp(1.0, -exponents)[:, np.newaxis]
        scaled = rows * down
        distances, live, owner = [], [], []
        for c, mixture in enumerate(mixtures):
            K = mixture.means_.shape[0]
            precisions = get_covariance_model(mixture.covariance_type).to_full(
                np.asarray(mixture.precisions_, np.float64), K, d
            )
            for k in range(K):
                residuals = scaled - np.asarray(mixture.means_[k], np.float64) * down
                distances.append(
                    np.einsum("ni,ij,nj->n", residuals, precisions[k], residuals)
                )
            live.append((np.asarray(mixture.weights_) > 0) & possible[c])
            owner.append(np.full(K, c))
        # A floor of zero: the nearest get 0, the others -inf.
        values = overflow_limit(np.column_stack(distances), np.concatenate(live), 0.0)
    owner = np.concatenate(owner)
    holds = np.zeros((n, len(mixtures)), dtype=bool)
    for c in range(len(mixtures)):
        holds[:, c] = np.isfinite(values[:, owner == c]).any(axis=1)
    return holds
