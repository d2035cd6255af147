"""Model-based agglomeration under the spherical (EII) criterion: Ward's.

mclust agglomerates with its VVV criterion when there are more rows than
features, and with EII's otherwise (``mclustBIC``: ``hc(modelName = "EII")``
for ``n <= d``), since no group's scatter matrix has full rank then. Merging
groups ``i`` and ``j`` of weights ``w`` and means ``m`` raises EII's
classification criterion by the within-group sum of squares it adds,

``cost(i, j) = w_i w_j / (w_i + w_j) |m_i - m_j|^2``,

which is Ward's linkage; after a merge the costs to the new group follow
from the old ones (Lance and Williams 1967), and since a merged group is
never nearer to a third than the nearer of its parts, only the rows whose
nearest group took part in the merge look for a new one.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.spatial.distance import pdist, squareform

__all__ = ["ward_merges"]


def ward_merges(Z, counts, n_groups=1):
    """Agglomerate the rows of ``Z`` by Ward's criterion (mclust's EII ``hc``).

    Parameters
    ----------
    Z : ndarray of shape (m, r)
        Rows (already transformed).
    counts : ndarray of shape (m,)
        Positive (weighted) number of rows each row stands for.
    n_groups : int, default=1
        Stop when this many groups remain.

    Returns
    -------
    merges : ndarray of shape (m - n_groups, 2)
        As ``_hc_merge.hc_merges`` gives them: each group named by its
        smallest row index, smaller name first; the merged group keeps it.
        Of pairs of equal cost the first in row-major order merges.
    """
    Z = np.asarray(Z, dtype=np.float64)
    w = np.array(counts, dtype=np.float64)
    m = Z.shape[0]
    n_merges = max(m - max(int(n_groups), 1), 0)
    merges = np.empty((n_merges, 2), dtype=np.int64)
    if not n_merges:
        return merges
    cost = squareform(pdist(Z, "sqeuclidean"))
    cost *= (w[:, np.newaxis] * w) / (w[:, np.newaxis] + w)
    np.fill_diagonal(cost, np.inf)
    nearest = np.argmin(cost, axis=1)
    nearest_cost = cost[np.arange(m), nearest]
    for step in range(n_merges):
        a = int(np.argmin(nearest_cost))
        i, j = sorted((a, int(nearest[a])))
        wi, wj = w[i], w[j]
        others = np.isfinite(cost[i]) & np.isfinite(cost[j])
        wk = w[others]
        merged = (
            (wk + wi) * cost[i, others] + (wk + wj) * cost[j, others] - wk * cost[i, j]
        ) / (wk + wi + wj)
        cost[j, :] = cost[:, j] = np.inf
        cost[i, :] = cost[:, i] = np.inf
        cost[i, others] = cost[others, i] = merged
        w[i] = wi + wj
        nearest_cost[j] = np.inf
        merges[step] = i, j
        # Ward's costs are reducible: a group whose nearest was neither part
        # keeps its nearest; the others, and the merged group, look again.
        again = np.flatnonzero(
            ((nearest == i) | (nearest == j)) & np.isfinite(nearest_cost)
        )
        for k in (*again.tolist(), i):
            nearest[k] = np.argmin(cost[k])
            nearest_cost[k] = cost[k, nearest[k]]
    return merges
