"""Model-based agglomeration under the unconstrained Gaussian criterion.

The merge bookkeeping of mclust's ``hc`` for the VVV model: the classification
likelihood term of every group, the nearest-pair search and the in-place
updates of the groups' sizes, means and scatter after each merge (see
``_hierarchical`` for the whole start).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from .._engine import one_blas_thread
from ._hc_terms import (
    _adjugate_psd,
    _batched_det,
    _det_psd,
    _det_ratio,
    _det_ratios,
    _int_power,
    _terms,
    default_alpha,
)

__all__ = [
    "default_alpha",
    "hc_merges",
    "labels_from_merges",
    "numbered_by_first_appearance",
]


# --------------------------------------------------------------------------
# The agglomeration


def hc_merges(Z, counts, n_groups=1, *, alpha=None, mclust_ties=False):
    """Agglomerate rows of ``Z`` under mclust's VVV criterion.

    Parameters
    ----------
    Z : ndarray of shape (m, d)
        Distinct rows (already transformed).
    counts : ndarray of shape (m,)
        Positive (weighted) number of rows each distinct row stands for.
    n_groups : int, default=1
        Stop when this many groups remain.
    alpha : float or None
        Regularisation of the trace term; None gives mclust's default,
        the mean variance ``tr(W_data) / (n d)`` of the weighted data.
    mclust_ties : bool, default=False
        Break ties of equal cost as mclust's Fortran ``hcvvv`` does: of the
        pairs ``i < j`` (positions, the last group moving into a merged
        pair's freed position as there), the one with the largest ``j``,
        then the largest ``i``; and compute the costs from the merged
        groups' scatter as ``hcvvv`` stores it (see :func:`_mclust_stored`).
        False: the criterion's exact costs, the first row of smallest cost.

    Returns
    -------
    labels : ndarray of shape (m,)
        Group of each row at ``n_groups`` groups, numbered ``0, 1, ...`` in
        order of first appearance.
    merges : ndarray of shape (m - n_groups, 2)
        The pairs of groups merged, each group named by its smallest row
        index (mclust's convention, 0-based), smaller name first; the merged
        group keeps the smaller name.
    costs : ndarray of shape (m - n_groups,)
        The merge costs (increase of ``sum_k term_k``).
    """
    Z = np.asarray(Z, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    m = Z.shape[0]
    alpha = (
        default_alpha(Z, counts) if alpha is None else max(alpha, np.finfo(float).eps)
    )
    n_merges = max(m - max(int(n_groups), 1), 0)
    groups = _Groups(Z, counts, alpha, mclust_ties=mclust_ties)
    merges, merge_costs = [], []
    # The products of a merge are small: BLAS threads would only add their
    # synchronisation (and keep a second core busy waiting). Where det(W)
    # or l^d leave float64's range the ratio is det(W / l) (see _det_ratio):
    # the overflows on the way are expected.
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
        for step in range(n_merges):
            a, b, cost = groups.best_pair()
            merges.append(groups.merge(a, b, last_step=step + 1 == n_merges))
            merge_costs.append(cost)
    merges = np.array(merges, dtype=np.int64).reshape(n_merges, 2)
    merge_costs = np.array(merge_costs, dtype=np.float64)
    return labels_from_merges(merges, m), merges, merge_costs


def labels_from_merges(merges, n_rows):
    """Groups of ``n_rows`` rows after the given merges (``hc_merges`` order).

    The groups are numbered ``0, 1, ...`` in order of first appearance. The
    first ``m - K`` merges of a tree give its cut at ``K`` groups: the greedy
    sequence does not depend on where it stops.
    """
    parent = np.arange(n_rows)
    parent[merges[:, 1]] = merges[:, 0]
    # Every row follows its parents to the name of its final group.
    root = parent.copy()
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return numbered_by_first_appearance(root)


def numbered_by_first_appearance(labels):
    """``labels`` renumbered ``0, 1, ...`` in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse.ravel()]


#: Elements of a block of the initial Gram matrix (8 MiB), one matrix product
#: each, and of a slice of it on which the dozen elementwise passes run in
#: cache (512 KiB).
_BLOCK, _SLICE = 2**20, 2**16

#: Relative difference of costs that count as a tie (mclust_ties).
_TIE = 1e-11

#: Bounds made exact at a time when looking for a row's minimum.
_CHUNK = 8


def _nearest_rows(Z, size, term, alpha):
    """Nearest distinct row of every distinct row under the merge cost.

    Parameters
    ----------
    Z : ndarray of shape (m, d)
        The distinct rows.
    size : ndarray of shape (m,)
        Their counts.
    term : ndarray of shape (m,)
        Their terms (groups of one distinct row: no scatter).
    alpha : float
        Regularisation of the trace term.

    Returns
    -------
    row_arg : ndarray of shape (m,)
        Index of the nearest other row.
    row_min : ndarray of shape (m,)
        The cost of merging with it.
    second : ndarray of shape (m,)
        The second smallest cost of the row (``inf`` if ``m <= 2``).
    """
    m, d = Z.shape
    row_arg = np.zeros(m, dtype=np.int64)
    row_min = np.full(m, np.inf)
    second = np.full(m, np.inf)
    sq = np.einsum("id,id->i", Z, Z)
    # Without duplicated rows (or with equal counts) the pair weights
    # l_i l_j / (l_i + l_j), the sizes l_i + l_j and the terms are the same
    # for every pair: scalar operands give the same roundings as arrays of
    # them and save four passes over the cost matrix.
    equal = m > 0 and size.min() == size.max()
    block = max(1, _BLOCK // max(m, 1))
    step = max(1, _SLICE // max(m, 1))
    for block_start in range(0, m, block):
        gram = Z[block_start : block_start + block] @ Z.T
        for start in range(block_start, block_start + gram.shape[0], step):
            rows = slice(start, min(start + step, block_start + gram.shape[0]))
            # Squared distances; a merge of two distinct rows has a scatter
            # of rank one, whose determinant is zero unless d == 1.
            cost = gram[rows.start - block_start : rows.stop - block_start]
            cost *= -2.0
            cost += sq[rows, np.newaxis]
            cost += sq[np.newaxis, :]
            np.maximum(cost, 0.0, out=cost)
            if equal:
                both = size.item(0) + size.item(0)
                cost *= size.item(0) * size.item(0) / both
                term_rows = term_cols = term.item(0)
            else:
                both = size[rows, np.newaxis] + size[np.newaxis, :]
                pair = size[rows, np.newaxis] * size[np.newaxis, :]
                pair /= both
                cost *= pair
                term_rows, term_cols = term[rows, np.newaxis], term[np.newaxis, :]
            if d == 1:
                cost *= 2.0  # det(W / l) = tr(W) / l
            cost += alpha
            cost /= both
            np.log(cost, out=cost)
            cost *= both
            cost -= term_rows
            cost -= term_cols
            local = np.arange(cost.shape[0])
            cost[local, local + start] = np.inf
            args = cost.argmin(axis=1)
            row_arg[rows] = args
            row_min[rows] = cost[local, args]
            if m > 2:
                cost[local, args] = np.inf
                second[rows] = cost.min(axis=1)
    return row_arg, row_min, second


def _mclust_stored(scatter, n_rows):
    """The scatter hcvvv reads back for a group it formed by a merge.

    mclust's Fortran ``hcvvv`` (6.x) keeps a group's scatter as the rows of
    its triangular factor ``R`` (``R'R = W``), but stores each of the
    ``min(n - 1, d)`` rows as a copy of the first (``dcopy(p, r(1,1), p,
    ...)``), read back from its diagonal on. Later costs against the group
    read that matrix; reproducing it reproduces mclust's tree, which differs
    from the exact greedy one on some data: of the 96 extra data sets of
    ``bench_mclust_extra.py`` with 2 to 2,000 rows on 2 or more features,
    log(Cushings), Orange, ChickWeight and mclust's wreath were cut into
    other partitions at some ``K`` of 2 to 9 (none with this).
    """
    d = scatter.shape[0]
    kept = min(n_rows - 1, d)
    top = scatter[0, 0]
    if kept <= 1 or not top > 0.0:
        # With a first diagonal entry of 0 the Fortran factor's first row is
        # not set by W alone: the exact scatter stands in (in practice only
        # groups of identical rows, where both are zero).
        return scatter.copy()
    first = scatter[0] / math.sqrt(top)
    rows = np.triu(np.broadcast_to(first, (d, d)))[:kept]
    return rows.T @ rows


class _Groups:
    """The state of the agglomeration: group statistics and nearest groups.

    Active groups occupy positions ``0 .. G-1``; a removed group is replaced
    by the last one (mclust's ``wardsw`` trick), so every step works on
    contiguous slices. No cost matrix is stored: memory is O(m d^2).

    ``row_min[k]`` is the smallest cost of merging group k with another
    group (``row_arg[k]`` that group), or a lower bound of it when
    ``stale[k]``; ``second[k] >= row_min[k]`` bounds its other costs from
    below. A merge computes the costs of the merged group against all others
    (which may lower other rows' minima); a row whose nearest group was one
    of the merged pair keeps the merged group as its nearest if that cost is
    below its other costs, otherwise it becomes stale and is recomputed only
    when it comes up as the overall minimum (the generic algorithm of
    Muellner 2011, "Modern hierarchical, agglomerative clustering
    algorithms").

    Costs are first bounded from below without the determinant term (which
    can only add to a group's term); determinants are computed only for the
    pairs whose bound could be a row minimum.

    A step is a few dozen numpy calls on arrays of at most ``m`` elements, so
    their fixed cost, not the arithmetic, is what a step costs: the code
    avoids calls where it can (scalar arithmetic on Python floats, the
    per-group scalars as columns of two arrays so that moving the last group
    into a freed position is two copies, small index arrays rather than
    masks).
    """

    def __init__(self, Z, counts, alpha, *, mclust_ties=False):
        m, d = Z.shape
        self.d, self.alpha, self.G = d, alpha, m
        self.mclust_ties = mclust_ties
        self.ones = np.ones(d)
        self.floats = np.zeros((6, m))
        self.size, self.trace, self.det, self.term, self.row_min, self.second = (
            self.floats
        )
        self.ints = np.zeros((4, m), dtype=np.int64)
        self.distinct, self.name, self.row_arg, self.born = self.ints
        self.size[:] = counts
        self.distinct[:] = 1
        self.name[:] = np.arange(m)
        self.means = Z.copy()
        self.scatter = np.zeros((m, d, d))
        # mclust's bookkeeping (see _mclust_stored): the scatter of each
        # group as hcvvv stores it, the merge that formed it (``born``, 0 for
        # a row) and the position of the last group formed.
        self.stored = np.zeros((m, d, d)) if mclust_ties else None
        self.steps, self.latest = 0, -1
        self.term[:] = _terms(self.size, self.det, self.trace, alpha, d)
        self.stale = np.zeros(m, dtype=bool)
        self._adjugate_of = (-1, None)  # (position, adjugate of its scatter)
        self.row_arg[:], self.row_min[:], self.second[:] = _nearest_rows(
            Z, self.size, self.term, alpha
        )

    # -- costs ------------------------------------------------------------
    def _adjugate(self, g):
        position, adjugate = self._adjugate_of
        if position != g:
            adjugate = _adjugate_psd(self.scatter[g], self.det.item(g))
            self._adjugate_of = (g, adjugate)
        return adjugate

    def _refine(self, g, row, exact, todo, pieces):
        """Replace the lower bounds ``row[todo]`` by exact costs (in place).

        ``pieces`` are the ``(total, c, u, ratio)`` of :meth:`_row` for all
        groups. ``det(W_g + W_k + c u u')`` for groups k of one distinct row
        (W_k = 0) by the determinant lemma ``det(W_g) + c u' adj(W_g) u``,
        otherwise by a batched determinant. Only called for merges of more
        than d distinct rows. Returns the exact costs.
        """
        total, c, u, ratio = (piece[todo] for piece in pieces)
        flat = self.distinct[todo] == 1
        n_flat = np.count_nonzero(flat)
        if n_flat == todo.size:
            merged_det = self._lemma_det(g, u, c)
        elif n_flat == 0:
            merged_det = self._stack_det(g, todo, u, c)
        else:
            full = ~flat
            merged_det = np.empty(todo.size)
            merged_det[flat] = self._lemma_det(g, u[flat], c[flat])
            merged_det[full] = self._stack_det(g, todo[full], u[full], c[full])
        np.maximum(merged_det, 0.0, out=merged_det)
        with np.errstate(over="ignore", under="ignore"):
            power = _int_power(total, self.d)
        merged_det, odd = _det_ratios(merged_det, power)
        if odd.any():
            # Beyond float64's range as det(W) / l^d: det(W / l) itself.
            merged_det[odd] = self._stack_det(
                g, todo[odd], u[odd], c[odd], divide_by=total[odd]
            )
        merged_det += ratio
        np.log(merged_det, out=merged_det)
        merged_det *= total
        merged_det -= self.term[todo]
        merged_det -= self.term.item(g)
        row[todo] = merged_det
        exact[todo] = True
        return merged_det

    def _lemma_det(self, g, u, c):
        """``det(W_g + c u u')`` for rows of ``u``, by the determinant lemma."""
        merged_det = ((u @ self._adjugate(g)) * u) @ self.ones
        merged_det *= c
        merged_det += self.det.item(g)
        return merged_det

    def _stack_det(self, g, rows, u, c, divide_by=None):
        """``det(W_g + W_k + c u u')`` for groups ``rows``, batched.

        With mclust's bookkeeping, ``W`` of the newer group of each pair as
        formed and of the older one as stored. ``divide_by``: the merged
        sizes ``l``, for ``det(W / l)`` instead.
        """
        if self.stored is None:
            stack = self.scatter[rows]
            stack += self.scatter[g]
        elif self.born.item(g) == self.steps:
            # hcvvv computes a pair's cost once, when the newer group is
            # formed: its scatter as formed, the older one's as stored. The
            # last group formed (the common case) is the newer of every pair.
            stack = self.stored[rows]
            stack += self.scatter[g]
        else:
            newer = (self.born[rows] < self.born.item(g))[:, np.newaxis, np.newaxis]
            stack = np.where(
                newer,
                self.stored[rows] + self.scatter[g],
                self.scatter[rows] + self.stored[g],
            )
        stack += c[:, np.newaxis, np.newaxis] * (
            u[:, :, np.newaxis] * u[:, np.newaxis, :]
        )
        if divide_by is not None:
            stack /= divide_by[:, np.newaxis, np.newaxis]
        return _batched_det(stack)

    def _row(self, g, thresholds=None):
        """Costs of merging g with every group, exact where they may matter.

        Parameters
        ----------
        g : int
            Position of the group.
        thresholds : ndarray of shape (G,) or None
            Costs are made exact where their bound is below these (after a
            merge, where g may become the other group's nearest); None for
            the recomputation of a stale row.

        Returns
        -------
        row : ndarray of shape (G,)
            Lower bounds of the costs (``inf`` at g), exact where ``exact``:
            for the merges of at most d distinct rows (no determinant), where
            the bound is below ``thresholds``, and wherever needed for the
            row's minimum to be exact.
        exact : ndarray of shape (G,) of bool
        """
        G, size, trace, term = self.G, self.size, self.trace, self.term
        # Bounds: the cost without the determinant, which can only add to the
        # merged group's term.
        ng = size.item(g)
        total = size[:G] + ng
        c = size[:G] / total
        c *= ng
        u = self.means[:G] - self.means[g]
        # (tr W_merged + alpha) / l; row-wise dot products as a matrix-vector
        # product, much faster than a sum over a short axis.
        ratio = (u * u) @ self.ones
        ratio *= c
        ratio += trace[:G]
        ratio += trace.item(g) + self.alpha
        ratio /= total
        row = np.log(ratio)
        row *= total
        row -= term[:G]
        row -= term.item(g)
        row[g] = np.inf

        # A merge of at most d distinct rows has a singular scatter: its bound
        # is its cost. That is the case with the groups of at most ``room``
        # distinct rows, and with none once g has d distinct rows.
        room = self.d - self.distinct.item(g)
        if room > 0:
            exact = self.distinct[:G] <= room
            need = ~exact
            need[g] = False
            if not need.any():
                return row, exact
            # (Indexing then reducing is faster than a reduction with where=.)
            best = np.minimum.reduce(row[exact], initial=np.inf)
        else:
            exact = np.zeros(G, dtype=bool)
            need = None
            best = np.inf
        pieces = (total, c, u, ratio)
        if thresholds is not None:
            below = row < thresholds
            if need is not None:
                below &= need
            todo = below.nonzero()[0]
            if todo.size:
                costs = self._refine(g, row, exact, todo, pieces)
                best = min(best, costs[costs.argmin()])
        # Make the row's minimum exact: refine the smallest bounds below the
        # smallest exact cost ``best`` (no exact cost is below it) until there
        # are none, a few at a time since each refinement may lower ``best``.
        while True:
            todo = (row < best).nonzero()[0]
            if not todo.size:
                return row, exact
            if todo.size > _CHUNK:
                todo = todo[np.argpartition(row[todo], _CHUNK - 1)[:_CHUNK]]
            costs = self._refine(g, row, exact, todo, pieces)
            best = min(best, costs[costs.argmin()])

    # -- the greedy step -----------------------------------------------------
    def best_pair(self):
        """The pair of positions a < b with the smallest merge cost, and the cost."""
        G = self.G
        row_min, stale = self.row_min, self.stale
        while True:
            a = int(row_min[:G].argmin())
            if not stale[a]:
                break
            self._refresh(a)
        if self.mclust_ties:
            return self._last_of_ties(row_min.item(a))
        return self._first_of_ties(row_min.item(a))

    def _refresh(self, a):
        """Make the stale row ``a``'s minimum and second smallest cost exact."""
        row, _ = self._row(a)
        b = int(row.argmin())
        self.row_arg[a] = b
        self.row_min[a] = row[b]
        row[b] = np.inf
        self.second[a] = row[row.argmin()]  # argmin: cheaper than min()
        self.stale[a] = False

    def _first_of_ties(self, cost):
        """The first of the pairs whose costs tie within rounding.

        Costs a rounding apart are ties in exact arithmetic (the symmetric
        merges of data on a lattice: two dice), and which one rounding made
        smaller changed with the units (X times 1e3, not a power of two: the
        tree, then the pick, changed). The first row among them, and its
        first partner among them, merge: the rows' order is the canonical
        one (``CanonicalRows``), the same in any units. Relative only: a
        common factor of the counts scales every cost.
        """
        return self._one_of_ties(cost + _TIE * abs(cost), last=False)

    def _last_of_ties(self, cost):
        """mclust's choice among the pairs of smallest ``cost``.

        ``hcvvv`` scans the costs of the pairs ``i < j`` in the order of
        ``j``, then ``i``, keeping the last minimum. Both ends of such a pair
        have ``cost`` as their row minimum (no cost is smaller), so ``j`` is
        the last such row and ``i`` the last of its partners at that cost.
        Ties are exact equalities: identical rows, which data recorded to a
        fixed precision often have.
        """
        return self._one_of_ties(cost + _TIE * max(1.0, abs(cost)), last=True)

    def _one_of_ties(self, reach, last):
        """The first (or last) row whose minimum is within ``reach``, and its
        first (or last) partner among those rows: ``(a, b, cost)``, a < b."""
        G, row_min, stale = self.G, self.row_min, self.stale
        while True:
            tied = (row_min[:G] <= reach).nonzero()[0]
            unsure = tied[stale[tied]]
            if not unsure.size:
                break
            for k in unsure.tolist():  # a bound at the minimum: exact or above
                self._refresh(k)
        j = int(tied[-1] if last else tied[0])
        others = tied[:-1] if last else tied[1:]
        b = self.row_arg.item(j)
        cost = row_min.item(j)
        if others.size and not (others.size == 1 and b == others[0]):
            # The row's costs made exact wherever their bound reaches.
            row, exact = self._row(j, np.full(G, np.nextafter(reach, np.inf)))
            partners = others[exact[others] & (row[others] <= reach)]
            if partners.size:
                b = int(partners[-1] if last else partners[0])
                cost = row.item(b)
        # Else a rounding apart in the two rows' sums (mclust computes each
        # pair's cost once): j's own nearest.
        return (b, j, cost) if b < j else (j, b, cost)

    def _mclust_merge(self, a, b, between):
        """hcvvv's statistics of the group merged from a and b, into a.

        Its term is that of the pair's cost (the newer group's scatter as
        formed, the older's as stored, see :meth:`_stack_det`); its scatter
        as formed is that one when the newer group is the last formed
        (hcvvv kept its factor), else both as stored (hcvvv rebuilds the
        factor from storage). Returns the determinant of the term and its
        matrix (0 and None for at most ``d`` distinct rows).
        """
        scatter, stored, born = self.scatter, self.stored, self.born
        newer, older = (a, b) if born.item(a) > born.item(b) else (b, a)
        pair = scatter[newer] + stored[older]
        pair += between
        if self.latest in (a, b):
            formed = pair
        else:
            formed = stored[a] + stored[b]
            formed += between
        distinct = self.distinct.item(a)
        scatter[a] = formed
        stored[a] = _mclust_stored(formed, distinct)
        self.det[a] = _det_psd(formed) if distinct > self.d else 0.0
        self.steps += 1
        born[a] = self.steps
        self.latest = a
        if distinct > self.d:
            return _det_psd(pair), pair
        return 0.0, None

    def merge(self, a, b, last_step=False):
        """Merge the groups at positions a < b into a; returns their names."""
        size, means, scatter, name = self.size, self.means, self.scatter, self.name
        low, high = name.item(a), name.item(b)
        if high < low:
            low, high = high, low
        name[a] = low
        na, nb = size.item(a), size.item(b)
        nab = na + nb
        mean_a, scatter_a = means[a], scatter[a]  # views, updated in place
        u = mean_a - means[b]
        c = na * nb / nab
        mean_a -= (nb / nab) * u
        between = u[:, np.newaxis] * (c * u)
        trace_ab = self.trace.item(a) + self.trace.item(b) + c * float(u @ u)
        self.trace[a] = trace_ab
        size[a] = nab
        self.distinct[a] += self.distinct[b]
        d = self.d
        if self.stored is None:
            scatter_a += scatter[b]
            scatter_a += between
            det_ab, matrix = 0.0, None
            if self.distinct[a] > d:
                det_ab, matrix = _det_psd(scatter_a), scatter_a
            self.det[a] = det_ab
        else:
            det_ab, matrix = self._mclust_merge(a, b, between)
        self.term[a] = nab * math.log(
            _det_ratio(det_ab, nab, d, matrix) + (trace_ab + self.alpha) / nab
        )
        self._adjugate_of = (-1, None)
        if last_step:
            return low, high

        # The rows whose nearest group was a or b (``changed``); then b is
        # replaced by the last group.
        G = self.G
        row_min, row_arg, stale, second = (
            self.row_min,
            self.row_arg,
            self.stale,
            self.second,
        )
        arg = row_arg[:G]
        changed = arg == a
        changed |= arg == b
        last = G - 1
        if b != last:
            self.floats[:, b] = self.floats[:, last]
            self.ints[:, b] = self.ints[:, last]
            for array in (means, scatter, stale, changed):
                array[b] = array[last]
            if self.stored is not None:
                self.stored[b] = self.stored[last]
            arg[arg == last] = b
        self.G = G = last
        changed = changed[:G].nonzero()[0]
        old_min, old_second = row_min[changed], second[changed]

        # Costs of the merged group against every other group, exact where
        # they may be the other row's new minimum: below its minimum, or for
        # a changed row below the larger of its two smallest costs.
        row_min[changed] = np.maximum(old_min, old_second)
        new, exact = self._row(a, row_min[:G])
        # Rows that were not pointing at a or b: a is their new nearest where
        # its cost is below their minimum (such a cost is exact).
        below = new < row_min[:G]
        below[changed] = False
        better = below.nonzero()[0]
        # a's cost joins the other costs of every row, bounded by second; the
        # old minimum joins them where a is the new nearest (row_min <=
        # second holds for every row, hence no minimum with the old second).
        np.minimum(second[:G], new, out=second[:G])
        second[better] = row_min[better]
        second[changed] = old_second
        row_min[better] = new[better]
        row_arg[better] = a
        stale[better] = False
        # Rows that were: a is still their nearest if its exact cost is below
        # their other costs (hence below old_second); otherwise they become
        # stale, with min(old_second, cost) a lower bound of their minimum.
        cost = new[changed]
        keep = cost <= old_second
        keep |= cost < old_min
        keep &= exact[changed]
        row_min[changed] = np.minimum(old_second, cost)
        stale[changed] = ~keep
        row_arg[changed[keep]] = a
        # The merged group's own nearest.
        best = int(new.argmin())
        row_min[a] = new[best]
        row_arg[a] = best
        stale[a] = False
        new[best] = np.inf
        second[a] = new[new.argmin()]
        return low, high
