"""Starting responsibilities for EM.

Each initialiser returns a function ``resp_of_rows(rows)`` giving the
responsibilities of a slice of rows, so that the engine can build the first
M-step block by block without an n x K array when the start is a labelling.
Initialisers see the rows in a canonical order (sorted by a fixed random
projection), not in the order given. The fit therefore does not depend on row
order, and with k-means and k-means++ a row of weight ``w`` is drawn exactly
as ``w`` adjacent copies of it would be: the weighted samplers of k-means++
walk the cumulative weights, so integer sample weights give the same start
as repeated rows (``"random"`` and ``"random_from_data"`` draw one value per
row, so theirs differ). The hierarchical starts read the weights relative to
their mean, so that a common factor of the weights changes nothing (their
merge costs are not homogeneous in the weights: as counts, a factor of 3
changed the tree): ``"hc"`` starts a distinct row as one group of its summed
relative weight, and ``"mclust_hc"``, which reproduces mclust's own tree,
breaks ties of equal merge cost by the order given, as mclust does, and
starts each weighted row as one group; on one feature it is mclust's
quantile classes of the rows of positive weight, unweighted.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning

from .._engine._data import weight_scale
from .._engine._threads import limits_in_turn
from .._warn import warn_user
from ._hc_merge import numbered_by_first_appearance
from ._hierarchical import HierarchicalTree

__all__ = ["INITIALIZERS", "CanonicalRows", "initial_responsibilities"]


def _one_hot(labels, n_components):
    def resp_of_rows(rows):
        block = labels[rows]
        resp = np.zeros((block.shape[0], n_components))
        resp[np.arange(block.shape[0]), block] = 1.0
        return resp

    return resp_of_rows


def _from_seed_rows(indices, n_samples, n_components, values=1.0):
    """Responsibility ``values`` (one per seed, or one for all) at the seed rows."""
    labels = np.full(n_samples, -1)
    labels[indices] = np.arange(n_components)
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), (n_components,))

    def resp_of_rows(rows):
        block = labels[rows]
        resp = np.zeros((block.shape[0], n_components))
        chosen = block >= 0
        resp[np.flatnonzero(chosen), block[chosen]] = values[block[chosen]]
        return resp

    return resp_of_rows


def canonical_order(X, sample_weight=None):
    """A row permutation that depends on the rows' values, not their order.

    Rows are sorted by their projection on a fixed direction, then by their
    weight; only identical rows of equal weight (or, with probability zero,
    distinct rows with equal projections) keep their relative order. By
    projection alone, identical rows of different weights kept the given
    order, and the random start drew their responsibilities by position.
    """
    direction = _projection_direction(X.shape[1]).astype(X.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        projection = X @ direction
        if np.isinf(projection).any():
            # Rows near the float maximum overflow the projection (every one,
            # where a feature sits there): ties would keep the given order.
            # In units of each feature's largest entry it stays finite.
            largest = np.abs(np.where(np.isnan(X), 0.0, X)).max(axis=0)
            projection = (X / np.where(largest > 0, largest, 1.0)) @ direction
    if sample_weight is None:
        return np.argsort(projection, kind="stable")
    return np.lexsort((sample_weight, projection))


@functools.cache
def _projection_direction(n_features):
    """The fixed direction of :func:`canonical_order` (read-only).

    Drawn once per number of features: seeding a RandomState costs more than
    sorting the rows of a small fit.
    """
    direction = np.random.RandomState(0).uniform(0.5, 1.5, size=n_features)
    direction.flags.writeable = False
    return direction


@dataclass(frozen=True)
class CanonicalRows:
    """The training rows as the initialisers see them, in canonical order.

    Sorting and copying the rows depends only on the data, so a fit with
    several starts, or a selector with several numbers of components,
    computes it once (:meth:`of`) and passes it to every
    :func:`initial_responsibilities`.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows in :func:`canonical_order`.
    sample_weight : ndarray of shape (n_samples,) or None
        Their weights, in the same order, in units of ``weight_unit``.
    position : ndarray of shape (n_samples,)
        ``position[i]`` is where the original row ``i`` stands in ``X`` (a
        row of weight zero: where the first row stands, see :meth:`of`).
    given : ndarray
        Where each row of positive weight stands in ``X``, in the order
        given (the order ``"mclust_hc"`` breaks its ties by).
    memo : dict
        What initialisers compute from the rows alone, whatever the number of
        components, kept for the next call on the same rows: the
        hierarchical trees of ``"hc"`` and ``"mclust_hc"``, cut at every
        number of components, and the rows k-means sees with their groups
        of equal rows.
    weight_unit : float
        The mean the given weights were divided by (1 without them).
    """

    X: np.ndarray
    sample_weight: np.ndarray | None
    position: np.ndarray
    given: np.ndarray
    memo: dict = field(default_factory=dict, compare=False, repr=False)
    weight_unit: float = 1.0

    @classmethod
    def of(cls, X, sample_weight=None):
        """The rows of positive weight in canonical order.

        A row of weight zero counts for nothing, in the starts as in the
        fit: the initialisers see the other rows only, as if it were absent
        (its values, however far, cannot move them), and it starts with the
        first canonical row's responsibilities, which its weight cancels.
        """
        kept, n_rows, unit = None, X.shape[0], 1.0
        if sample_weight is not None:
            # In units of their mean (weight_scale): a common factor changes
            # no start (to rounding; none for a power of two), and k-means
            # sees weights near one, which neither overflow its sums nor
            # leave float32 rows' range.
            unit = weight_scale(sample_weight)
            sample_weight = sample_weight / unit
        if sample_weight is not None and not np.all(sample_weight > 0):
            kept = np.flatnonzero(sample_weight > 0)
            X, sample_weight = X[kept], sample_weight[kept]
        order = canonical_order(X, sample_weight)
        given = np.empty_like(order)
        given[order] = np.arange(order.shape[0])
        position = given
        if kept is not None:
            position = np.zeros(n_rows, dtype=given.dtype)
            position[kept] = given
        weights = None if sample_weight is None else sample_weight[order]
        return cls(X[order], weights, position, given, weight_unit=unit)


# Each initialiser takes the rows in canonical order (CanonicalRows), the
# number of components and a RandomState, and returns resp_of_rows for the
# canonical order.


def _kmeans(rows, n_components, random_state):
    if n_components == 1:
        # One cluster holds every row: KMeans's own answer, without its
        # iterations (the random stream is not drawn from there either).
        return _one_hot(np.zeros(rows.X.shape[0], dtype=np.intp), 1)
    seen = _in_units_of_spread(rows)
    groups = _groups_if_fewer(rows, seen, n_components)
    if groups is not None:
        # k-means would end with one cluster per distinct row and the rest
        # empty, and warn through the process-wide warnings filters (which a
        # caller can silence only by swapping them, unsafe in threads): the
        # same partition, and the package's own warning. No random draw is
        # made, so later starts draw what they would have drawn first.
        return _one_per_group(
            groups, n_components, "k-means", blurred=_more_distinct(rows, groups)
        )
    if rows.memo.get("kmeans_bulk_centred"):
        # scikit-learn's k-means centres dense rows on their mean (its own
        # precision measure) and would undo _far_bulk's centre; it leaves
        # sparse rows as given.
        seen = sparse.csr_array(seen)
    kmeans = KMeans(n_clusters=n_components, n_init=1, random_state=random_state)
    with limits_in_turn():
        fitted = kmeans.fit(seen, sample_weight=_unequal(rows.sample_weight))
    return _one_hot(fitted.labels_, n_components)


def _unequal(weights):
    """``weights``, or None when they are all equal (a common factor).

    Equal weights start as no weights, bit for bit: the weighted sums round
    otherwise than the plain ones, and on lattice data (integer rows) that
    broke k-means' ties another way (VEI on 30 distinct values: unit
    weights, or weights of 3, ended 1.3 apart in a mean from no weights).
    """
    if weights is not None and np.ptp(weights) == 0:
        return None
    return weights


# Resolution of the rows k-means sees, in units of their spread (see
# _in_units_of_spread): far below any distance that matters to a start (a
# cluster a millionth of the data's spread across is still a trillion grid
# steps wide), far above the rounding that a change of units leaves.
_KMEANS_GRID = 2.0**-40


def _in_units_of_spread(rows):
    """The rows as k-means sees them: centred, in units of their spread, on a grid.

    k-means is equivariant under a common factor of the rows, but its ties
    are not: rows on a lattice (integer data) are often equally far from two
    centres, and after ``X * 1e-3`` the rounding, not the data, broke those
    ties another way (Wisconsin breast cancer, three columns: 1 to 4 rows
    of the K = 4 and 6 starts, and a cell 22 BIC units apart). Centred and
    divided by their (weighted) root-mean-square spread (one factor for every feature,
    which keeps k-means' metric), then rounded to :data:`_KMEANS_GRID`, the
    rows are the same numbers in any units. The first row (in canonical
    order) is subtracted before the mean: differences of nearby rows are
    exact, so an offset far larger than the spread (1e9 on integer rows)
    leaves no rounding of its own. Kept in ``rows.memo``: one copy per data
    set.
    """
    kept = rows.memo.get("kmeans_rows")
    if kept is not None:
        return kept
    X = rows.X
    kept = X  # one point, or values beyond the float range: nothing to tie
    weights = _unequal(rows.sample_weight)
    with np.errstate(all="ignore"):
        bulk = _far_bulk(X, weights)
        rows.memo["kmeans_bulk_centred"] = bulk is not None
        if bulk is not None:
            # In float64: a far row, in units of the bulk's extent, can
            # exceed float32's range.
            kept = _on_grid(bulk[0], bulk[1])
            rows.memo["kmeans_rows"] = kept
            return kept
        centred = X.astype(np.float64) - X[:1].astype(np.float64)
        # In units of the largest difference first: squares neither
        # overflow nor underflow.
        largest = float(np.max(np.abs(centred), initial=0.0))
        if 0.0 < largest < np.inf:
            centred *= 1.0 / largest
            # Weighted: a row of weight 2 as two rows (the start of repeated
            # rows); unweighted, rows of weight 0 moved the grid.
            if weights is None:
                centred -= centred.mean(axis=0)
                spread = float(np.sqrt(np.mean(centred * centred)))
            else:
                total = float(weights.sum())
                centred -= (weights @ centred) / total
                squares = float(weights @ (centred * centred).sum(axis=1))
                spread = float(np.sqrt(squares / (total * X.shape[1])))
            if spread > 0.0:
                kept = _on_grid(centred, spread).astype(X.dtype, copy=False)
    rows.memo["kmeans_rows"] = kept
    return kept


# How far (in units of its own extent) the bulk of the rows may lie from
# their mean before k-means sees them centred on the bulk (see
# _far_bulk): its squared distances, computed as
# |x|^2 - 2 x.c + |c|^2, resolve about sqrt(eps), 1.5e-8, of the rows'
# norms, so at this offset about 1 % of the bulk's extent.
_BULK_OFFSET = 1e6


def _weighted_lower_median(values, weights):
    """The first of the sorted ``values`` whose cumulative weight reaches half.

    Per column of a 2-D ``values``; unit weights (None) count rows, so
    integer weights give the median of the repeated rows.
    """
    order = np.argsort(values, axis=0, kind="stable")
    ranked = np.take_along_axis(values, order, axis=0)
    if weights is None:
        cumulative = np.arange(1.0, values.shape[0] + 1.0)[:, np.newaxis]
        half = 0.5 * values.shape[0]
        cumulative = np.broadcast_to(cumulative, values.shape)
    else:
        cumulative = np.cumsum(weights[order], axis=0)
        half = 0.5 * float(weights.sum())
    first = np.argmax(cumulative >= half, axis=0)
    return ranked[first, np.arange(values.shape[1])]


def _on_grid(centred, unit):
    """``centred`` (overwritten) in units of ``unit``, rounded to the grid."""
    centred *= 1.0 / (unit * _KMEANS_GRID)
    np.round(centred, out=centred)
    centred *= _KMEANS_GRID
    return centred


def _far_bulk(X, weights):
    """The bulk's centre and extent when it lies far from the rows' mean, or None.

    A few rows far out (an outlier 1e12 from clusters of sd 1) pull the mean
    and the spread away from the other rows: in those units the clusters
    lie near one point at about ``1 / n`` from the origin, where k-means'
    squared distances, rounded to ``eps`` of the squared norms, cannot tell
    them apart (its start put two clusters in one component and left
    another empty, with scikit-learn's warning of duplicate points), and
    the grid of :data:`_KMEANS_GRID` of the spread blurs them. Where the
    weighted median lies more than :data:`_BULK_OFFSET` times the median
    distance of the rows from it (the bulk's extent) away from the mean,
    k-means sees the rows centred on it, in units of that extent. Its
    result does not depend on a translation nor on a common factor;
    elsewhere (None) the rows are as before, bit for bit. Returns the rows
    minus the median (a row of data values, so the bulk's differences from
    it are exact wherever the far rows lie), in units of their largest
    difference, and the extent in those units.
    """
    if X.shape[0] < 3:
        return None
    centred = X.astype(np.float64)
    centred -= _weighted_lower_median(centred, weights)
    largest = float(np.max(np.abs(centred), initial=0.0))
    if not 0.0 < largest < np.inf:
        return None
    centred *= 1.0 / largest
    if weights is None:
        mean = centred.mean(axis=0)
    else:
        mean = (weights @ centred) / float(weights.sum())
    offset = float(np.sqrt(mean @ mean))
    distances = np.sqrt(np.einsum("ij,ij->i", centred, centred))
    extent = float(_weighted_lower_median(distances[:, np.newaxis], weights)[0])
    if not (0.0 < extent and offset > _BULK_OFFSET * extent):
        return None
    return centred, extent


def _groups_if_fewer(rows, seen, n_components):
    """Each row's group of equal ``seen`` rows, if fewer groups than components.

    ``seen`` are the rows k-means would cluster (:func:`_in_units_of_spread`):
    rows equal there are one point to it, however they differ in ``X``.
    None when there are at least ``n_components`` groups. Fewer rows than
    components are fewer groups too: weights beyond the float range of each
    other (1e170 beside 1e-170) leave the lightest rows a weight of zero in
    the start's units, and k-means raised its own error on what was left.
    The distinct values of one feature, a sort of ``n`` numbers, bound the
    groups from below and usually settle it; the groups themselves are found
    once per data set.
    """
    memo = rows.memo
    if "kmeans_values" not in memo:
        memo["kmeans_values"] = np.unique(seen[:, 0]).size
    if memo["kmeans_values"] >= n_components:
        return None
    if "kmeans_groups" not in memo:
        _, groups = np.unique(seen, axis=0, return_inverse=True)
        memo["kmeans_groups"] = groups.reshape(-1)
    groups = memo["kmeans_groups"]
    return None if groups.max() + 1 >= n_components else groups


def _one_start_per_row(rows, n_components, method):
    """One component per distinct row, if fewer rows than components; else None.

    Rows of weight zero are left out of the starts (:meth:`CanonicalRows.of`),
    so one row of positive weight can remain where the fit had enough: the
    seeding initialisers cannot draw ``n_components`` seeds from it (numpy's
    and scikit-learn's errors), and the package's warning says what is left.
    """
    if rows.X.shape[0] >= n_components:
        return None
    _, groups = np.unique(rows.X, axis=0, return_inverse=True)
    return _one_per_group(groups.reshape(-1), n_components, method)


def _more_distinct(rows, groups):
    """Whether the rows as given are more distinct than the ``groups`` k-means sees.

    k-means reads them on a grid of ``2**-40`` of their spread
    (:func:`_in_units_of_spread`): rows spread over more than twelve orders
    of magnitude (60 rows of sd 1 beside one at 1e100) fall on few points.
    """
    memo = rows.memo
    if "distinct_rows" not in memo:  # once per data set, as the groups
        memo["distinct_rows"] = np.unique(rows.X, axis=0).shape[0]
    return memo["distinct_rows"] > groups.max() + 1


def _one_per_group(groups, n_components, method, blurred=False):
    """Each group of equal rows starts a component; the rest start empty, said.

    ``blurred``: the rows as given are more distinct than the groups (the
    grid of k-means), which the warning says instead of too few rows.
    """
    found = groups.max() + 1
    if blurred:
        message = (
            f"At the resolution of {method} ({_KMEANS_GRID:.3g} of the rows' "
            f"spread) the rows are only {found} distinct points, fewer than "
            f"n_components ({n_components}), and the initialisation leaves some "
            "components empty: rows closer than that are one point to it "
            "(clusters far tighter than the distances between them, or a row "
            "far from the rest, such as an outlier, that sets the spread). "
            "Remove the outlying rows, transform the features (a log scale), or "
            "use init_params='k-means++' (its seeds are rows as given)."
        )
    else:
        message = (
            f"Number of distinct rows with positive weight ({found}) "
            f"is smaller than n_components ({n_components}); {method} "
            "initialisation leaves some components empty. Reduce n_components."
        )
    warn_user(message, ConvergenceWarning)
    return _one_hot(groups, n_components)


def _kmeans_plusplus(rows, n_components, random_state, *, copies=False):
    few = _one_start_per_row(rows, n_components, "k-means++")
    if few is not None:
        return few
    _, indices = kmeans_plusplus(
        rows.X,
        n_components,
        random_state=random_state,
        sample_weight=rows.sample_weight,
    )
    values = 1.0
    if rows.sample_weight is not None:
        values = _equal_seed_counts(
            rows.sample_weight[indices] * rows.weight_unit, copies
        )
    return _from_seed_rows(indices, rows.X.shape[0], n_components, values)


# The smallest responsibility a seed gets (see _equal_seed_counts): normal in
# float64, so no seed's count underflows to an empty component.
_SMALLEST_SEED_SHARE = 2.0**-500


def _equal_seed_counts(weights, copies):
    """Each seed's responsibility at its row: every seed counts the same.

    Every seed counts the lightest seed's weight: the start's proportions
    are ``1 / K`` each, and a common factor of the weights scales the
    counts with the data's weight, so it changes no start (and no
    maximum-likelihood fit). With ``copies`` (a fit whose prior weighs the
    start's counts: MAP or variational) a seed counts at most once, as the
    one copy of its row that the draw picks among the copies: integer
    weights then start as repeated rows do (to rounding: the weights come
    back from units of their mean). (Counting ``min(w, 1)`` without
    a prior gave unequal proportions for weights below one and equal ones
    above, and against the weights' scale a count of one shifted the seeds
    by the M-step's empty-component guard: a factor of 2**40 changed a fit's
    means by 3.7.) The responsibilities are at most one (``1 / w`` would
    overflow for subnormal weights) and at least ``_SMALLEST_SEED_SHARE``
    (seeds more than 150 orders of magnitude apart in weight then count
    unequally).
    """
    count = float(weights.min())
    if copies:
        count = min(count, 1.0)
    return np.clip(count / weights, _SMALLEST_SEED_SHARE, 1.0)


def _random(rows, n_components, random_state):
    resp = random_state.uniform(size=(rows.X.shape[0], n_components))
    resp /= resp.sum(axis=1)[:, np.newaxis]
    return lambda block: resp[block]


def _random_from_data(rows, n_components, random_state):
    few = _one_start_per_row(rows, n_components, "random_from_data")
    if few is not None:
        return few
    p, weights = None, rows.sample_weight
    # Equal weights draw as no weights: numpy's choice draws another stream
    # with p, and unit weights gave another fit than none.
    if weights is not None and np.ptp(weights) > 0:
        p = weights / weights.sum()
    n_samples = rows.X.shape[0]
    indices = random_state.choice(n_samples, size=n_components, replace=False, p=p)
    return _from_seed_rows(indices, n_samples, n_components)


def _relative(weights):
    """The weights over their mean: what the hierarchical starts read.

    Their merge costs are not homogeneous in the weights (log det of
    ``W / n``), so read as counts a common factor of the weights (3, 1e-20,
    normalised ones) changed the tree, and the fit started from it.
    """
    return None if weights is None else weights / weights.mean()


def _hc(rows, n_components, random_state):
    # The tree does not depend on the number of components: it is built once
    # per subset of rows and cut at each (see CanonicalRows.memo).
    tree = HierarchicalTree.of(
        rows.X,
        _relative(rows.sample_weight),
        random_state,
        n_groups=n_components,
        memo=rows.memo.setdefault("hc", {}),
    )
    return _one_hot(tree.labels(n_components), n_components)


def _mclust_hc(rows, n_components, random_state):
    # mclust's own default tree (``hc()`` as ``Mclust()`` calls it): one
    # group per row, identical rows included, ties of equal cost (common on
    # data recorded to a fixed precision) broken as mclust's Fortran breaks
    # them (the last pair of its scan, see hc_merges). Unlike "hc", the
    # partitions depend on the row order (through ties) and a weighted row
    # is one group of its weight relative to the mean, not that many copies.
    # On one feature mclust starts from quantile classes instead (qclass).
    memo = rows.memo.setdefault("mclust_hc", {})
    if "order" not in memo:  # the rows as given: once per data set
        order = rows.given
        weights = None if rows.sample_weight is None else rows.sample_weight[order]
        # mclust's hc has no weights: a row is one group of its weight
        # relative to the mean weight.
        memo["order"] = (order, rows.X[order], _relative(weights))
    order, X, weights = memo["order"]
    if X.shape[1] == 1:
        # One feature: mclust starts from quantile classes, not hc (when k + 1
        # distinct quantiles exist; else the tree below).
        labels = memo.get(("qclass", n_components))
        if labels is None:
            labels = quantile_classes(rows.X[:, 0], n_components)
            memo[("qclass", n_components)] = labels
        if labels is not False:
            return _one_hot(labels, n_components)
    tree = HierarchicalTree.of(
        X,
        weights,
        random_state,
        n_groups=n_components,
        memo=memo,
        merge_duplicates=False,
    )
    labels = np.empty(order.shape[0], dtype=np.intp)
    labels[order] = tree.labels(n_components)
    # Numbered by first appearance in the canonical order, not in the order
    # given: the same groups start the same components in any row order
    # (EM from the components in another order differs in the last bits,
    # which a saddle can grow into another maximum).
    return _one_hot(numbered_by_first_appearance(labels), n_components)


# More quantiles than k + 1 tried before the quantile start gives up.
_QUANTILE_TRIES = 200


def _r_quantiles(x_sorted, probs):
    """R's ``quantile(x, probs)`` (type 7) with its own arithmetic."""
    index = 1.0 + (x_sorted.shape[0] - 1) * probs
    lo = np.floor(index).astype(np.intp)
    hi = np.ceil(index).astype(np.intp)
    quantiles = x_sorted[lo - 1].copy()
    upper = x_sorted[hi - 1]
    between = (index > lo) & (upper != quantiles)
    h = (index - lo)[between]
    quantiles[between] = (1.0 - h) * quantiles[between] + h * upper[between]
    return quantiles


def quantile_classes(x, n_components):
    """mclust's ``qclass(x, k)``: the start of every model on one feature.

    Classes between ``k + 1`` distinct quantiles of ``x`` (more quantiles
    are asked for until that many are distinct; the surplus nearest to
    their neighbours are dropped), the outer ones widened by ``sd(x) *
    sqrt(eps)``. Computed as R computes them (``seq``, type-7 quantiles,
    stable ``order``), so rows on a quantile land in mclust's class.

    Returns
    -------
    labels : ndarray of shape (n,), values in ``0 .. n_components - 1``, or False
        False where no ``k + 1`` distinct quantiles come within
        :data:`_QUANTILE_TRIES` more quantiles (a few distinct values, or
        one value holding most rows; mclust's loop would not end).
    """
    x = np.asarray(x, dtype=np.float64)
    k = int(n_components)
    if k == 1:
        return np.zeros(x.shape[0], dtype=np.intp)
    x_sorted = np.sort(x)
    if np.count_nonzero(x_sorted[1:] != x_sorted[:-1]) + 1 < k + 1:
        return False
    eps = float(np.std(x, ddof=1)) * np.sqrt(np.finfo(np.float64).eps)
    q = np.zeros(0)
    n = k
    while q.shape[0] < k + 1:
        n += 1
        if n > k + 1 + _QUANTILE_TRIES:
            return False
        # R's seq(0, 1, length = n): from, from + i * ((to - from) / n1), to.
        probs = np.r_[0.0, np.arange(1, n - 1) * (1.0 / (n - 1)), 1.0]
        q = _r_quantiles(x_sorted, probs)
        q = q[np.r_[True, q[1:] != q[:-1]]]  # unique (sorted already)
    if q.shape[0] > k + 1:
        surplus = q.shape[0] - k - 1
        drop = np.argsort(np.diff(q), kind="stable")[:surplus]
        q = np.delete(q, drop)
    q = q.copy()
    q[0] = x_sorted[0] - eps
    q[-1] = x_sorted[-1] + eps
    labels = np.zeros(x.shape[0], dtype=np.intp)
    for i in range(min(k, q.shape[0] - 1)):
        labels[(x >= q[i]) & (x < q[i + 1])] = i
    return labels


INITIALIZERS = {
    "kmeans": _kmeans,
    "k-means++": _kmeans_plusplus,
    "random": _random,
    "random_from_data": _random_from_data,
    "hc": _hc,
    "mclust_hc": _mclust_hc,
}


def initial_responsibilities(
    method,
    X,
    n_components,
    sample_weight,
    random_state,
    *,
    canonical=None,
    copies=False,
):
    """Starting responsibilities by the named method.

    Parameters
    ----------
    method : str
        A key of :data:`INITIALIZERS`.
    X : ndarray of shape (n_samples, n_features)
    n_components : int
    sample_weight : ndarray of shape (n_samples,) or None
    random_state : numpy.random.RandomState
    canonical : CanonicalRows or None, default=None
        ``CanonicalRows.of(X, sample_weight)``, when the caller has it.
    copies : bool, default=False
        Whether a seed row (``"k-means++"``) counts as one copy of its row,
        for fits whose prior weighs the start's counts (see
        :func:`_equal_seed_counts`).

    Returns
    -------
    resp_of_rows : callable
        ``resp_of_rows(rows)`` returns the responsibilities of a row slice.
    """
    if canonical is None:
        canonical = CanonicalRows.of(X, sample_weight)
    initializer = INITIALIZERS[method]
    if copies and initializer is _kmeans_plusplus:
        initializer = functools.partial(_kmeans_plusplus, copies=True)
    sorted_resp = initializer(canonical, n_components, random_state)
    position = canonical.position

    def resp_of_rows(rows):
        return sorted_resp(position[rows])

    return resp_of_rows
