"""The starting sample of large data: rows chosen by their values, not their place.

A fit on more rows than :func:`sample_size` computes its starts on a sample:
a streamed or Dask fit (``_sources``, ``_dask``), and the selector's thorough
search on rows in memory (``model_selection._sample``). The sample is the
rows of positive weight with the smallest *keys*. A key mixes a hash of the
row's values, the row's rank among its copies (rows of equal values, ranked
by weight) and a seed drawn from ``random_state``: uniform without
replacement, as a draw would be, repeated rows included, but a property of
the rows rather than of their positions. The same rows in another order, in
memory, in a memory map or in Dask chunks of any size, give the same sample
in the same order (that of the keys).

Drawn by position instead, a permutation of the rows drew another sample,
and the table of a search on a memory map differed from that of the same
rows in memory by whole local maxima (1,000 BIC units on one cell of 12,000
rows in 3-D). Keyed by the values alone, every copy of a repeated row was in
the sample or none was (20 distinct rows of the 400 of a lattice).

The ranks need every row's hash at once: a source read in parts reads them
in one pass (eight bytes a row, as the weights), then the sample's rows in
another; nothing else of size ``n`` is held.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state

__all__ = [
    "StartingSample",
    "copy_ranks",
    "holds_any",
    "in_order",
    "joined",
    "row_hashes",
    "rows_at",
    "sample_keys",
    "sample_size",
    "smallest_keys",
]


def sample_size(n_components):
    """Rows of the sample the starts of a large fit are computed from."""
    return max(10_000, 50 * n_components)


# splitmix64's constants (Steele, Lea & Flood, 2014; the finaliser is
# Stafford's "Mix13"): a bijection of 64-bit words whose output bits each
# depend on every input bit.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_SHIFTS = tuple(np.uint64(s) for s in (30, 27, 31))


def _mix(words):
    """splitmix64's finaliser, in place on an array of ``uint64`` (wrapping)."""
    words ^= words >> _SHIFTS[0]
    words *= _MIX1
    words ^= words >> _SHIFTS[1]
    words *= _MIX2
    words ^= words >> _SHIFTS[2]
    return words


def row_hashes(rows):
    """A 64-bit hash of each row's values.

    Equal values give equal hashes whatever their dtype (float32 rows are
    read as the float64 numbers they are) and sign of zero; distinct rows
    share one with probability about ``2^-64``.

    Parameters
    ----------
    rows : array-like of shape (n, d)

    Returns
    -------
    hashes : ndarray of shape (n,), dtype uint64
    """
    hashes = np.empty(len(rows), dtype=np.uint64)
    # In blocks: a float64 copy of a block, not of all the rows.
    for start in range(0, len(rows), _HASH_BLOCK_ROWS):
        block = slice(start, start + _HASH_BLOCK_ROWS)
        values = np.array(rows[block], dtype=np.float64, order="C")
        values += 0.0  # -0.0 + 0.0 is +0.0: one bit pattern per value
        bits = values.view(np.uint64)
        # Array arithmetic on uint64 wraps silently (a scalar's would warn).
        out = np.full(values.shape[0], _GOLDEN, dtype=np.uint64)
        for column in bits.T:
            out ^= column
            out += _GOLDEN
            _mix(out)
        hashes[block] = out
    return hashes


_HASH_BLOCK_ROWS = 65_536


def copy_ranks(hashes, weights=None):
    """Each row's rank among the rows of equal values (equal hashes), from 0.

    Ordered by weight (then by position, among copies that are equal in
    weight too, hence interchangeable): the ranks of a row's copies, and
    which weight goes with which rank, do not depend on the rows' order nor
    on a common factor of the weights.
    """
    n = hashes.shape[0]
    if weights is None:
        order = np.argsort(hashes, kind="stable")
    else:
        order = np.lexsort((weights, hashes))
    # In place where it can be: a fit on a memory map holds these for every
    # row at once (narrow rows made them several times the file's size).
    ordered = hashes[order]
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    del ordered
    # Each run of equal hashes starts where its first row is.
    starts = np.arange(n, dtype=np.int64)
    starts[~first] = 0
    del first
    np.maximum.accumulate(starts, out=starts)
    positions = np.arange(n, dtype=np.int64)
    np.subtract(positions, starts, out=positions)
    del starts
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = positions
    return ranks


def sample_keys(hashes, ranks, seed):
    """The key of each row: its hash mixed with its copy rank and ``seed``.

    The copies of a row get keys as independent as distinct rows': a
    repeated row is in the sample as often as a uniform draw would put it
    there (with one key per value, all its copies were in it or none).
    """
    keys = np.full(hashes.shape[0], seed, dtype=np.uint64)
    keys *= _GOLDEN
    keys += ranks.view(np.uint64)  # ranks are non-negative: the same bits
    _mix(keys)
    keys ^= hashes
    return _mix(keys)


def smallest_keys(keys, size):
    """Positions of the ``size`` smallest keys, in the keys' order.

    Keys mix each copy's rank (:func:`sample_keys`): two are equal only by
    a hash collision, which the position then breaks.
    """
    if keys.shape[0] <= size:
        return np.argsort(keys, kind="stable")
    kept = np.argpartition(keys, size - 1)[:size]
    return kept[np.argsort(keys[kept], kind="stable")]


class StartingSample:
    """How the starting sample of one fit is chosen.

    Made by :meth:`of`. Every row (``positions`` and ``seed`` None) when
    there are at most :func:`sample_size` of them, as a fit in memory starts
    from all rows; the rows of positive weight in their order
    (``positions``) when they are no more; otherwise (``seed``) the rows of
    positive weight with the smallest keys (:func:`sample_keys`), in the
    order of their keys.

    A source that reads its rows in parts first reads the parts' hashes
    (:func:`row_hashes`) where :attr:`needs_hashes`, then the rows at
    :meth:`positions_from` them; or the rows at ``positions`` (all rows if
    None) in the same pass. :func:`rows_at` picks them from one part.
    """

    def __init__(self, size, positions=None, seed=None):
        self.size, self.positions, self.seed = size, positions, seed

    @classmethod
    def of(cls, n_rows, n_components, random_state, sample_weight=None):
        """The sample of ``n_rows`` rows with these weights.

        ``random_state`` (an int, a RandomState or None) gives the keys'
        seed: one draw from it, made only when the sample is not all the
        rows of positive weight.
        """
        size = sample_size(n_components)
        if n_rows <= size:
            return cls(size)
        if sample_weight is not None and not np.all(sample_weight > 0):
            positive = np.flatnonzero(sample_weight > 0)
            if positive.size <= size:
                return cls(size, positions=positive)
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        return cls(size, seed=int(seed))

    @property
    def is_every_row(self):
        return self.positions is None and self.seed is None

    @property
    def needs_hashes(self):
        """Whether the positions come from the rows' hashes (a pass first)."""
        return self.seed is not None

    def positions_from(self, hashes, sample_weight=None):
        """Positions of the sample's rows, in the order of their keys
        (where :attr:`needs_hashes`).

        ``hashes`` are :func:`row_hashes` of every row. Copies are ranked
        among the rows of positive weight only: rows of weight zero change
        nothing.
        """
        candidates, weights = None, sample_weight
        if sample_weight is not None and not np.all(sample_weight > 0):
            candidates = np.flatnonzero(sample_weight > 0)
            hashes, weights = hashes[candidates], sample_weight[candidates]
        keys = sample_keys(hashes, copy_ranks(hashes, weights), self.seed)
        picked = smallest_keys(keys, self.size)
        return picked if candidates is None else candidates[picked]

    def positions_in(self, X, sample_weight=None):
        """Positions of the sample's rows in ``X`` (all its rows in memory)."""
        if self.needs_hashes:
            return self.positions_from(row_hashes(X), sample_weight)
        return np.arange(X.shape[0]) if self.positions is None else self.positions


def rows_at(positions, rows, block, weights):
    """The rows of ``block`` (the rows ``rows``, a slice) at ``positions``.

    ``positions`` sorted, or None for all of them; copies of the rows and
    their weights (or None).
    """
    if positions is None:
        picked = slice(None)
    else:
        lo, hi = np.searchsorted(positions, [rows.start, rows.stop])
        picked = positions[lo:hi] - rows.start
    picked_weights = None if weights is None else weights[picked]
    return np.array(block[picked], copy=True), picked_weights


def holds_any(sorted_positions, rows):
    """Whether a position of ``sorted_positions`` lies in the slice ``rows``."""
    lo = np.searchsorted(sorted_positions, rows.start)
    return lo < sorted_positions.shape[0] and sorted_positions[lo] < rows.stop


def joined(picked):
    """The rows and weights (or None) of :func:`rows_at`'s parts, joined."""
    weights = [w for _, w in picked]
    return (
        np.concatenate([rows for rows, _ in picked]),
        None if weights[0] is None else np.concatenate(weights),
    )


def in_order(sorted_positions, rows, weights, positions):
    """``rows`` (and ``weights``) read at ``sorted_positions``, put in the order
    of ``positions`` (the same positions, in the sample's order)."""
    where = np.searchsorted(sorted_positions, positions)
    return rows[where], None if weights is None else weights[where]
