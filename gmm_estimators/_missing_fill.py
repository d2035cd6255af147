"""Missing entries filled from a mixture's conditionals.

The imputer's transform and the collapse check's view of rows with missing
values (the data's span) both fill each missing entry from the fitted
mixture, pattern group by pattern group (``_missing.e_step_groups``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._conditional import log_normalize
from ._missing import PatternIndex, e_step_groups
from ._missing_exact import nearest_limit
from .covariance._exact import log_density_floor

__all__ = ["fill_missing"]

_FLOOR = log_density_floor(np.float64)


def fill_missing(X, weights, means, covariances, draw=None):
    """Fill the NaN of ``X`` in place from the mixture's conditionals.

    Each missing entry gets its conditional expectation given the row's
    observed entries, ``sum_k p(k | x_o) E_k[x_m | x_o]``, pattern groups at
    a time (``_missing.e_step_groups``).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows with NaN where a value is missing, in the mixture's coordinates;
        overwritten.
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features)
        Full matrices.
    draw : callable or None, default=None
        ``draw(resp, means, covariances, pattern_of_row)`` returns the
        values of a group's missing entries instead of their expectation:
        ``resp`` (n, K), the components' conditional means (n, K, m), their
        conditional covariances (K, P, m, m) for the group's ``P`` patterns,
        and each row's pattern (n,).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The same array, filled.
    """
    n_components = means.shape[0]
    # Rows beyond the float range of every component overflow their
    # densities (they take the mixture's weights, see log_normalize).
    with np.errstate(over="ignore", invalid="ignore"):
        index = PatternIndex.from_array(X.astype(np.float64))
        groups = e_step_groups(index, weights, means, covariances)
        for rows, weighted_log_prob, expected, group in groups:
            missing, cond_covs, counts = group
            if missing.size == 0:
                continue
            # Rows beyond the float range of every component: the limit of
            # their responsibilities (their nearest components), as the
            # conditionals of ``condition`` and the E-step take it.
            # NaN (inf - inf) is an overflowed component; below the range, -inf.
            weighted_log_prob = np.where(
                np.isnan(weighted_log_prob) | (weighted_log_prob < -_FLOOR),
                -np.inf,
                weighted_log_prob,
            )
            far = ~np.isfinite(weighted_log_prob).any(axis=1)
            if far.any():
                far_rows = X[index.order[rows][far]].astype(np.float64)
                weighted_log_prob[far] = nearest_limit(
                    far_rows, weights, means, covariances, _FLOOR
                )
            with np.errstate(divide="ignore"):
                resp, _ = log_normalize(weighted_log_prob, np.log(weights))
            # Conditional means of each component, (n, K, m).
            pattern_of_row = np.repeat(np.arange(len(counts)), counts)
            columns = missing[pattern_of_row]  # (n, m)
            values = np.take_along_axis(
                expected + means[:, np.newaxis, :],
                np.broadcast_to(columns, (n_components, *columns.shape)),
                axis=2,
            ).transpose(1, 0, 2)
            if draw is None:
                filled = np.einsum("nk,nkm->nm", resp, values)
            else:
                filled = draw(resp, values, cond_covs, pattern_of_row)
            target = index.order[rows]
            X[target[:, np.newaxis], columns] = filled
    return X
