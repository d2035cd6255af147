"""Model-based hierarchical agglomeration (mclust's ``hc``), for starting labels.

The default initialisation of R's mclust: transform the data, start from one
group per distinct row, and repeatedly merge the two groups whose merge costs
the least classification likelihood under the unconstrained Gaussian model
(VVV); cut the tree at ``K`` groups (Banfield and Raftery 1993; Fraley 1998,
"Algorithms for model-based Gaussian hierarchical clustering", SIAM J. Sci.
Comput. 20:270-281).

The criterion is the one mclust's Fortran routine ``hcvvv`` minimises. A group
of (weighted) size ``l``, scatter matrix ``W`` (about its mean) and ``m``
distinct rows contributes

    term(group) = l * log( [m > d] det(W / l) + (tr(W) + alpha) / l )

and the cost of merging groups ``i`` and ``j`` is
``term(i u j) - term(i) - term(j)``, the decrease of the (regularised)
classification log-likelihood ``-sum_k n_k log |W_k / n_k|`` of Fraley (1998).
The trace term, with ``alpha = tr(W_data) / (n d)`` (mclust's ``alpha = 1``
times the mean variance of the transformed data, ``beta = 1``), keeps the term
finite for groups of ``d`` or fewer distinct rows, whose scatter is singular:
for them (singletons included) the determinant is exactly zero and only the
trace term counts. A singleton's term is ``log(alpha)``.

With no more rows than features (mclust's ``n <= d``) every group's scatter
is singular and mclust agglomerates under the spherical criterion (EII),
Ward's (``_hc_ward``); so does this tree, for both initialisers.

Data transformation (mclust's default ``hcUse = "SVD"``): centre and scale
every column to unit standard deviation (denominator ``n - 1``, as R's
``scale``), then project on the right singular vectors scaled by the inverse
square root of the singular values, ``Z = X_std V S^(-1/2)``. Constant columns
are dropped, as mclust's ``dropCols`` does, and so are directions with a zero
singular value (mclust would divide by zero there).

Differences from mclust's defaults (``init_params="hc"``;
``init_params="mclust_hc"`` builds mclust's own tree, from one group per
row with ties broken by the order given and mclust's stored factors, see
:meth:`HierarchicalTree.of`):

* The merge costs are the criterion's exact values. mclust's ``hcvvv``
  reads a merged group's scatter back from a stored triangular factor whose
  rows are all copies of the first (``_hc_merge._mclust_stored``), which
  on some data makes its tree another one; ``"mclust_hc"`` reproduces that.
* Identical rows are merged before anything else: each distinct row starts as
  one group carrying its count. This is mclust's
  ``hc(X, partition = dupPartition(X))``, whose partitions the package
  reproduces on the data of tests/fixtures/mclust. mclust 6.0.0's ``hc()``
  names that partition as its default but never passes it on, so by
  default it starts from singletons,
  where equal-cost merges of identical rows make the tree depend on the
  order of ties.
* Sample weights are group counts from the start: a row of weight ``w`` is
  ``w`` identical rows, so integer weights give exactly the labels of repeated
  rows (the transformation, ``alpha`` and every merge cost use weighted sums).
  The initialisers pass the weights relative to their mean
  (``_partitions._relative``), trading that for invariance to a common factor.
* With more than ``max_rows`` distinct rows of positive weight, a subset of
  ``max_rows`` of them is drawn without replacement with probabilities
  proportional to their weights (mclust draws 2000 rows uniformly), the
  transformation is computed on the subset (as mclust's ``hc(data[subset, ])``),
  and the subset is agglomerated. Every other row is then given the group
  with the highest ``log pi_k + log N(z | mu_k, Sigma_k)`` (a hard E-step under
  the Gaussian fitted to each group in the transformed coordinates, with
  ``pi_k`` the group's share of the subset's weight and
  ``Sigma_k = (W_k + alpha I) / n_k``, the same regularisation as the merge
  criterion, so that groups with few rows still have a proper Gaussian).

Implementation (O(m d^2) memory, no cost matrix): every group keeps its
nearest group, the cost of merging with it and a lower bound of its other
costs. After a merge the costs of the merged group against all others are
computed at once (vectorised), which may make it the nearest group of others;
a group whose nearest group was one of the merged pair keeps the merged group
if that cost is below its other costs, otherwise it keeps a lower bound of
its minimum and is recomputed only when it comes up as the overall minimum
(Muellner's generic algorithm). Costs are first bounded from below without
the determinant term, and determinants are computed only for pairs that may
be a minimum and whose merge has more than ``d`` distinct rows: against a
group of identical rows by the matrix determinant lemma
``det(W_g + c u u') = det(W_g) + c u' adj(W_g) u``, otherwise batched. The
result is the same greedy sequence as recomputing every pair at every step
(tested against that brute force, as are the costs and the nearest groups
after every merge).

A merge is a few dozen numpy calls on arrays of at most ``m`` elements, so
their fixed cost, rather than the arithmetic, sets the speed: the code keeps
the number of calls down (see ``_Groups``). BLAS is held to one thread
during the merges, where its products are tiny and threads would only add
synchronisation; this also makes the result independent of the thread
settings.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
from scipy import linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from .._data_span import DATA_RANK_FLOOR
from .._warn import warn_user
from ._hc_merge import (  # noqa: F401  (public names of this module)
    _Groups,
    _terms,
    default_alpha,
    hc_merges,
    labels_from_merges,
)
from ._hc_ward import ward_merges

__all__ = [
    "few_distinct_rows",
    "HierarchicalTree",
    "hc_labels",
    "hc_merges",
    "labels_from_merges",
    "svd_transform",
]

#: Largest number of distinct rows agglomerated (mclust's ``subset`` option).
MAX_ROWS = 2000


# --------------------------------------------------------------------------
# Data transformation


def svd_transform(X, weights=None):
    """mclust's ``hcUse = "SVD"`` transformation, fitted on weighted rows.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    weights : ndarray of shape (n,) or None
        Frequency weights (a weight of 2 is a row that appears twice).

    Returns
    -------
    transform : callable
        ``transform(Y)`` maps rows of the same space to the transformed
        coordinates, shape (len(Y), r) with ``r <= d``.
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, np.float64)
    total = w.sum()
    with np.errstate(over="ignore", invalid="ignore"):
        mean = w @ X / total
    if not np.all(np.isfinite(mean)):
        # Rows near the float maximum overflow the sum; the weighted
        # average of them does not.
        mean = (w / total) @ X
    centred = X - mean
    # R's scale(): standard deviation with denominator n - 1.
    dof = total - 1.0 if total > 1.0 else total
    with np.errstate(over="ignore"):
        variance = w @ (centred * centred) / dof
    # A constant column's variance is the rounding of its mean (beyond
    # float64 at 1e200): it has none to agglomerate on.
    constant = np.ptp(X, axis=0) == 0 if X.shape[0] else np.ones(X.shape[1], bool)
    keep = np.isfinite(variance) & (variance > 0.0) & ~constant
    scale = np.sqrt(variance[keep])
    if not keep.any():  # every column constant: nothing to agglomerate on
        return lambda Y: np.zeros((np.asarray(Y).shape[0], 0))
    standard = centred[:, keep] / scale
    _, singular, vt = linalg.svd(
        np.sqrt(w)[:, np.newaxis] * standard, full_matrices=False
    )
    # The data's rank as the package reads it (an eigenvalue of the
    # correlations above DATA_RANK_FLOOR of the largest): a direction at the
    # rounding of linearly dependent features (x3 = 3 x1) passed 1e-12 at
    # X + 1e4 and not in X, and was scaled up to the others' size, which
    # changed the tree with the units.
    floor = math.sqrt(DATA_RANK_FLOOR) * singular[:1].max(initial=0.0)
    rank = int(np.sum(singular > floor))
    # Fix the singular vectors' signs (largest entry positive) so that the
    # coordinates do not depend on LAPACK's choice; the criterion does not.
    largest = np.argmax(np.abs(vt), axis=1)
    vt *= np.sign(vt[np.arange(vt.shape[0]), largest])[:, np.newaxis]
    projection = vt[:rank].T / np.sqrt(singular[:rank])

    def transform(Y):
        Y = np.asarray(Y, dtype=np.float64)
        return ((Y - mean)[:, keep] / scale) @ projection

    return transform


# --------------------------------------------------------------------------
# The initialiser


def hc_labels(
    X, n_components, sample_weight=None, random_state=None, *, max_rows=MAX_ROWS
):
    """Starting labels by model-based hierarchical agglomeration (VVV, SVD).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    n_components : int
        Number of groups at which the tree is cut.
    sample_weight : ndarray of shape (n,) or None
        Frequency weights: a row of weight ``w`` counts as ``w`` identical rows.
    random_state : int, RandomState instance or None
        Draws the subset when there are more than ``max_rows`` distinct rows
        of positive weight; unused otherwise.
    max_rows : int, default=2000
        Largest number of distinct rows agglomerated.

    Returns
    -------
    labels : ndarray of shape (n,)
        Group of every row, in ``0 .. n_components - 1``, numbered in order
        of first appearance.
    """
    tree = HierarchicalTree.of(
        X, sample_weight, random_state, max_rows=max_rows, n_groups=n_components
    )
    return tree.labels(n_components)


def few_distinct_rows(rows):
    """Whether ``rows`` hold no more distinct rows than features.

    mclust's ``n <= d`` (``mclustBIC``: axis-aligned models only, started
    from the EII tree), counted on distinct rows: duplicates add no rank, and
    without more distinct rows than features no group's scatter has full
    rank either. The one home of the rule, for the tree and the selector.
    """
    rows = np.asarray(rows)
    n, d = rows.shape
    if n <= d:
        return True
    # Usually settled by one feature's distinct values, a lower bound of the
    # distinct rows (a sort of n numbers, not of n rows).
    if np.unique(rows[:, 0]).size > d:
        return False
    return np.unique(rows, axis=0).shape[0] <= d


# Weights at most this share of the heaviest row's count for nothing in the
# tree (see HierarchicalTree.of): float64's rounding.
_NEGLIGIBLE = float(np.finfo(np.float64).eps)

# Mean weights within which the merge costs read weights as frequencies.
_FREQUENCIES = (2.0**-30, 2.0**30)


class HierarchicalTree:
    """The agglomeration of a data set's distinct rows, to be cut at any ``K``.

    Building the tree is the costly part of :func:`hc_labels`; a selector
    that tries several numbers of components builds it once and cuts it at
    each (mclust's ``hc`` then ``hclass``). Use :meth:`of`.

    Attributes
    ----------
    n_groups : int
        The fewest groups the tree was agglomerated to: it can be cut at any
        ``K >= n_groups``.
    """

    def __init__(self, distinct, chosen, transform, Z, merges, n_groups):
        self._distinct = distinct
        self._chosen = chosen
        self._transform = transform
        self._Z = Z
        self._merges = merges
        self.n_groups = n_groups

    @classmethod
    def of(
        cls,
        X,
        sample_weight=None,
        random_state=None,
        *,
        max_rows=MAX_ROWS,
        n_groups=1,
        memo=None,
        merge_duplicates=True,
    ):
        """Agglomerate the distinct rows of X (or a subset) down to ``n_groups``.

        Parameters
        ----------
        X, sample_weight, random_state, max_rows
            As in :func:`hc_labels`; ``random_state`` is drawn from exactly
            as there.
        n_groups : int, default=1
            Stop at this many groups.
        memo : dict or None, default=None
            A cache that belongs to ``X`` and ``sample_weight``: the distinct
            rows are found once, and a tree of the same subset, agglomerated
            at least as far, is reused instead of being built again.
        merge_duplicates : bool, default=True
            Start from one group per distinct row (see the module's notes).
            False starts from one group per row, as mclust's ``hc()`` does
            by default: identical rows are then merged like any close pair,
            and ties of equal cost (within rounding) are broken as
            mclust's Fortran breaks them, by the groups' places (see
            ``hc_merges``), and the costs read the merged groups as mclust
            stores them: ``"mclust_hc"`` passes the rows in the order
            given, which reproduces mclust's tree.
        """
        memo = {} if memo is None else memo
        name = "distinct" if merge_duplicates else "rows"
        if name not in memo:
            memo[name] = _DistinctRows.of(X, sample_weight, merge_duplicates)
        distinct = memo[name]
        # Rows lighter than a rounding of the heaviest (1e-120 beside 1) are
        # left out as rows of weight zero are, and join the nearest group
        # after: no group holding a row of ordinary weight can feel them, and
        # among themselves every merge costs nothing, so the tree lumped
        # them together wherever they lay.
        heaviest = float(distinct.weights.max(initial=0.0))
        candidates = np.flatnonzero(distinct.weights > _NEGLIGIBLE * heaviest)
        if candidates.size > max_rows:
            rng = check_random_state(random_state)
            if not merge_duplicates:
                # One group per row, in the order given: draw the subset among
                # the rows in lexicographic order (the order np.unique gives
                # the distinct rows), so that which rows are agglomerated does
                # not depend on the rows' order; the subset is then passed in
                # the order given (np.sort below), whose ties mclust breaks.
                lexical = np.lexsort(distinct.rows[candidates].T[::-1])
                candidates = candidates[lexical]
            p = distinct.weights[candidates] / distinct.weights[candidates].sum()
            chosen = np.sort(rng.choice(candidates, size=max_rows, replace=False, p=p))
            key = ("tree", name, max_rows, chosen.tobytes())
        else:
            chosen = candidates
            key = ("tree", name, max_rows, None)
        tree = memo.get(key)
        if tree is not None and tree.n_groups <= n_groups:
            return tree

        transform = Z = merges = None
        if chosen.size:
            weights = distinct.weights[chosen]
            mean = float(weights.mean())
            if not _FREQUENCIES[0] <= mean <= _FREQUENCIES[1]:
                # Weights no count can be (1e-20, 1e154): rescaled by a power
                # of two towards one, so that the merge costs stay finite.
                weights = np.ldexp(weights, -int(np.frexp(mean)[1]))
            transform = svd_transform(distinct.rows[chosen], weights)
            Z = transform(distinct.rows[chosen])
            if Z.shape[1] and few_distinct_rows(distinct.rows[chosen]):
                # No more rows than features: mclust's EII criterion (Ward's),
                # as mclustBIC's hc: no group's scatter has full rank.
                merges = ward_merges(
                    Z, weights, max(n_groups, 1), mclust_ties=not merge_duplicates
                )
            elif Z.shape[1]:  # else every chosen row is the same point
                _, merges, _ = hc_merges(
                    Z, weights, max(n_groups, 1), mclust_ties=not merge_duplicates
                )
        tree = cls(distinct, chosen, transform, Z, merges, max(n_groups, 1))
        memo[key] = tree
        return tree

    def labels(self, n_components):
        """Group of every row of X when the tree is cut at ``n_components``.

        Numbered ``0, 1, ...`` in order of first appearance among the rows of
        positive weight, as :func:`hc_labels` returns them.
        """
        if n_components < self.n_groups:
            raise ValueError(
                f"This tree was agglomerated to {self.n_groups} groups; it cannot "
                f"be cut at {n_components}."
            )
        distinct, chosen = self._distinct, self._chosen
        n_groups = min(n_components, chosen.size)
        if n_groups < n_components:
            warn_user(
                f"Number of distinct rows with positive weight ({chosen.size}) is "
                f"smaller than n_components ({n_components}); hierarchical "
                "initialisation leaves some components empty. Reduce n_components.",
                ConvergenceWarning,
            )
        if chosen.size == 0:
            return np.zeros(distinct.inverse.shape[0], dtype=np.int64)
        if self._merges is None:
            group = np.zeros(chosen.size, dtype=np.int64)
            n_groups = 1
        else:
            cut = self._merges[: chosen.size - n_groups]
            group = labels_from_merges(cut, chosen.size)

        unique_labels = np.full(distinct.rows.shape[0], -1, dtype=np.int64)
        unique_labels[chosen] = group
        rest = np.flatnonzero(unique_labels < 0)
        if rest.size:
            unique_labels[rest] = _assign_to_groups(
                self._transform(distinct.rows[rest]),
                self._Z,
                distinct.weights[chosen],
                group,
                n_groups,
            )
        labels = unique_labels[distinct.inverse]
        # Number the groups in order of first appearance among the rows (of
        # positive weight, so that integer weights and repeated rows agree).
        counted = labels[distinct.positive] if distinct.positive is not None else labels
        present, first = np.unique(counted, return_index=True)
        renumber = np.zeros(n_groups, dtype=np.int64)
        renumber[present[np.argsort(first)]] = np.arange(present.size)
        return renumber[labels]


class _DistinctRows:
    """The distinct rows of X, where each row of X stands, and their weights.

    With ``merge_duplicates=False`` every row of X is its own "distinct" row
    (mclust's start from one group per row).
    """

    def __init__(self, rows, inverse, weights, positive):
        self.rows = rows
        self.inverse = inverse
        self.weights = weights
        self.positive = positive  # rows of positive weight, None if all count

    @classmethod
    def of(cls, X, sample_weight=None, merge_duplicates=True):
        X = np.asarray(X, dtype=np.float64)
        if merge_duplicates:
            rows, inverse = np.unique(X, axis=0, return_inverse=True)
            inverse = inverse.ravel()
        else:  # every row its own group
            rows, inverse = X, np.arange(X.shape[0])
        if sample_weight is None:
            weights = np.bincount(inverse, minlength=rows.shape[0]).astype(np.float64)
            positive = None
        else:
            sample_weight = np.asarray(sample_weight, np.float64)
            weights = np.bincount(
                inverse, weights=sample_weight, minlength=rows.shape[0]
            )
            positive = sample_weight > 0
        return cls(rows, inverse, weights, positive)


def _assign_to_groups(Y, Z, counts, group, n_groups):
    """Hard E-step of new rows under the Gaussian fitted to each group.

    Each group gets its weighted mean, proportion ``n_k / n`` and covariance
    ``(W_k + alpha I) / n_k`` in the transformed coordinates (``alpha`` as in
    the merge criterion).
    """
    d = Z.shape[1]
    if d == 0:
        return np.zeros(Y.shape[0], dtype=np.int64)
    total = counts.sum()
    alpha = default_alpha(Z, counts)
    scores = np.empty((Y.shape[0], n_groups))
    for k in range(n_groups):
        rows = group == k
        nk = counts[rows].sum()
        mean = counts[rows] @ Z[rows] / nk
        diff = Z[rows] - mean
        scatter = (diff * counts[rows, np.newaxis]).T @ diff
        covariance = (scatter + alpha * np.eye(d)) / nk
        chol = linalg.cholesky(covariance, lower=True)
        whitened = linalg.solve_triangular(chol, (Y - mean).T, lower=True)
        scores[:, k] = (
            math.log(nk / total)
            - np.sum(np.log(np.diag(chol)))
            - 0.5 * np.einsum("dn,dn->n", whitened, whitened)
        )
    return np.argmax(scores, axis=1)
