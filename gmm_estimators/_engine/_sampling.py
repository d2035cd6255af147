"""The starting sample of large data: rows chosen by their values, not their place.

A fit on more rows than :func:`sample_size` computes its starts on a sample:
a streamed or Dask fit (``_sources``, ``_dask``), and the selector's thorough
search on rows in memory (``model_selection._sample``). The sample is the
rows of positive weight with the smallest *keys*, a key being a hash of the
row's values seeded from ``random_state``: uniform without replacement, as a
draw would be, but a property of the rows rather than of their positions.
The same rows in another order, in memory, in a memory map or in Dask chunks
of any size, give the same sample in the same order (that of the keys).

Drawn by position instead, a permutation of the rows drew another sample,
and the table of a search on a memory map differed from that of the same
rows in memory by whole local maxima (1,000 BIC units on one cell of 12,000
rows in 3-D).

Read page by page (:meth:`StartingSample.part`, :meth:`StartingSample.merge`),
the sample needs memory for its own rows only: each page keeps its rows of
smallest keys, and two parts merge into the smallest keys of their union,
in any grouping (the pages of a stream in turn, Dask's chunks as a tree).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["StartingSample", "row_keys", "sample_size", "smallest_keys"]


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


def row_keys(rows, seed):
    """The key of each row: a 64-bit hash of its values and ``seed``.

    Equal values give equal keys whatever their dtype (float32 rows are
    read as the float64 numbers they are) and sign of zero; distinct rows
    share a key with probability about ``2^-64``.

    Parameters
    ----------
    rows : array-like of shape (n, d)
    seed : int
        From :meth:`StartingSample.of`; another seed gives independent keys.

    Returns
    -------
    keys : ndarray of shape (n,), dtype uint64
    """
    values = np.array(rows, dtype=np.float64, order="C")
    values += 0.0  # -0.0 + 0.0 is +0.0: one bit pattern per value
    bits = values.view(np.uint64)
    # Array arithmetic on uint64 wraps silently (a scalar's would warn).
    keys = np.full(values.shape[0], seed, dtype=np.uint64)
    keys *= _GOLDEN
    _mix(keys)
    for column in bits.T:
        keys ^= column
        keys += _GOLDEN
        _mix(keys)
    return keys


def smallest_keys(keys, weights, size):
    """Positions of the ``size`` rows of positive weight with the smallest keys.

    In the order of ``(key, weight)``: rows sharing a key (equal values) are
    ordered by their weight, so that the choice among them does not depend
    on their order either, nor on a common factor in the weights; rows equal
    in both are interchangeable.

    Parameters
    ----------
    keys : ndarray of shape (n,), dtype uint64
    weights : ndarray of shape (n,) or None
    size : int

    Returns
    -------
    positions : ndarray of int of shape (min(size, rows of positive weight),)
    """
    candidates = (
        np.arange(keys.shape[0]) if weights is None else np.flatnonzero(weights > 0)
    )
    candidate_keys = keys[candidates]
    if candidates.size > size:
        # Every row tied with the size-th smallest key stays a candidate:
        # only their weights decide between them, below.
        threshold = np.partition(candidate_keys, size - 1)[size - 1]
        kept = candidate_keys <= threshold
        candidates, candidate_keys = candidates[kept], candidate_keys[kept]
    if weights is None:
        order = np.argsort(candidate_keys, kind="stable")
    else:
        order = np.lexsort((weights[candidates], candidate_keys))
    return candidates[order[:size]]


class StartingSample:
    """How the starting sample of one fit is chosen, and its parts.

    Made by :meth:`of`. Every row (``positions`` is None and ``seed`` is
    None) when there are at most :func:`sample_size` of them, as a fit in
    memory starts from all rows; the rows of positive weight in their order
    (``positions``) when they are no more; otherwise the rows of smallest
    keys (``seed``).

    A source reading its rows in parts computes :meth:`part` for each
    (a page, a Dask chunk, on a worker), combines the parts with
    :meth:`merge` in the order of the rows (any grouping), and gets the
    sample's rows and weights from :meth:`rows_of` of the result.
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

    def positions_in(self, X, sample_weight=None):
        """Positions of the sample's rows in ``X`` (all its rows in memory)."""
        if self.seed is None:
            return np.arange(X.shape[0]) if self.positions is None else self.positions
        return smallest_keys(row_keys(X, self.seed), sample_weight, self.size)

    def part(self, rows, block, weights):
        """The candidates of the rows ``rows`` (a slice of the data), read as ``block``.

        A tuple of their values (copied), weights (or None) and keys (or
        None when the sample is chosen by position).
        """
        if self.seed is None:
            if self.positions is None:
                picked = slice(None)
            else:
                lo, hi = np.searchsorted(self.positions, [rows.start, rows.stop])
                picked = self.positions[lo:hi] - rows.start
            return (
                np.array(block[picked], copy=True),
                None if weights is None else weights[picked],
                None,
            )
        keys = row_keys(block, self.seed)
        picked = smallest_keys(keys, weights, self.size)
        return (
            np.array(block[picked], copy=True),
            None if weights is None else weights[picked],
            keys[picked],
        )

    def merge(self, first, second):
        """The candidates of two parts together; ``first``'s rows come first."""
        if first is None:
            return second
        rows = np.concatenate([first[0], second[0]])
        weights = None if first[1] is None else np.concatenate([first[1], second[1]])
        if self.seed is None:
            return rows, weights, None
        keys = np.concatenate([first[2], second[2]])
        picked = smallest_keys(keys, weights, self.size)
        return rows[picked], None if weights is None else weights[picked], keys[picked]

    @staticmethod
    def rows_of(merged):
        """The sample's rows and their weights (or None) from the merged parts."""
        return merged[0], merged[1]
