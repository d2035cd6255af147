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

from ._hc_merge import _TIE

__all__ = ["ward_merges"]


def ward_merges(Z, counts, n_groups=1, *, mclust_ties=False):
    """Agglomerate the rows of ``Z`` by Ward's criterion (mclust's EII ``hc``).

    Parameters
    ----------
    Z : ndarray of shape (m, r)
        Rows (already transformed).
    counts : ndarray of shape (m,)
        Positive (weighted) number of rows each row stands for.
    n_groups : int, default=1
        Stop when this many groups remain.
    mclust_ties : bool, default=False
        How pairs whose costs tie within rounding (``_hc_merge._TIE``) are
        chosen, as by ``_hc_merge.hc_merges``: False, the first row among
        them and its first partner (the rows' order is canonical, so the
        tree does not depend on the units); True, mclust's: the pair
        ``i < j`` of the last position ``j``, then the last ``i``, a merged
        pair's freed position taking the last group.

    Returns
    -------
    merges : ndarray of shape (m - n_groups, 2)
        As ``_hc_merge.hc_merges`` gives them: each group named by its
        smallest row index, smaller name first; the merged group keeps it.
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
    # mclust's positions of the groups (named by their smallest row).
    position, at = np.arange(m), np.arange(m)
    for step in range(n_merges):
        i, j = _tied_pair(cost, nearest_cost, position, mclust_ties)
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
        # The merged group takes the smaller of the two positions, and the
        # last group moves into the other (as mclust's Fortran keeps them).
        low, high = sorted((position[i], position[j]))
        last = m - 1 - step
        position[i] = low
        moved = at[last]
        if high != last:
            position[moved], at[high] = high, moved
        at[low] = i
        # Ward's costs are reducible: a group whose nearest was neither part
        # keeps its nearest; the others, and the merged group, look again.
        again = (nearest == i) | (nearest == j)
        again = np.flatnonzero(again & np.isfinite(nearest_cost))
        for k in (*again.tolist(), i):
            nearest[k] = np.argmin(cost[k])
            nearest_cost[k] = cost[k, nearest[k]]
    return merges


def _tied_pair(cost, nearest_cost, position, mclust_ties):
    """The pair ``(i, j)``, ``i < j`` by name, to merge among the cheapest.

    Costs within ``_TIE`` of the least tie (relative; mclust's rule also
    within ``_TIE`` absolute, as ``_hc_merge._last_of_ties``).
    """
    least = nearest_cost.min()
    scale = max(1.0, abs(least)) if mclust_ties else abs(least)
    tied = np.flatnonzero(nearest_cost <= least + _TIE * scale)
    if mclust_ties:
        tied = tied[np.argsort(position[tied])]
    j = int(tied[-1] if mclust_ties else tied[0])
    partners = tied[tied != j]
    partners = partners[cost[j, partners] <= least + _TIE * scale]
    if not partners.size:  # a rounding apart in the two rows' minima
        partners = np.array([int(np.argmin(cost[j]))])
    b = int(partners[-1] if mclust_ties else partners[0])
    return (b, j) if b < j else (j, b)
