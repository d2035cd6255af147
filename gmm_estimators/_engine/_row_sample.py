"""The starting sample of a streamed fit, chosen by the rows' contents.

A streamed fit (a memory map, ``h5py``, ``zarr``, a Dask array, a large
in-memory array) computes its starts on a sample of at most
``sample_size(n_components)`` rows. Drawn by position, the sample, and so the
fit, would change with the order of the rows. Each row of positive weight
gets instead a seeded hash of its values and weight, and the sample is the
rows of the smallest hashes: a uniform draw without replacement, the same
set in any row order, found in the one summary pass with memory for the
sample only (each page or chunk keeps its own smallest, then they are
merged).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["RowSampler"]

# splitmix64's finaliser: every bit of the sum reaches every bit of the key.
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


class RowSampler:
    """Keeps the ``size`` rows of smallest hash (see the module docstring).

    Parameters
    ----------
    size : int
        Rows of the sample.
    seed : int
        Seed of the hash (drawn from the fit's ``random_state``).
    n_features : int
    """

    def __init__(self, size, seed, n_features):
        self.size = int(size)
        rng = np.random.default_rng(seed)
        # Odd multipliers, one per feature and one for the weight.
        draws = rng.integers(0, 2**63, size=n_features + 1, dtype=np.uint64)
        self._multipliers = draws * np.uint64(2) + np.uint64(1)

    def keys(self, block, w):
        """The hash of each row of ``block`` (and its weight)."""
        block = np.ascontiguousarray(block)
        unsigned = np.uint32 if block.dtype.itemsize == 4 else np.uint64
        # + 0.0 makes -0.0 the same row as 0.0.
        bits = (block + block.dtype.type(0.0)).view(unsigned)
        bits = bits.astype(np.uint64, copy=False)
        key = np.zeros(block.shape[0], dtype=np.uint64)
        for j in range(block.shape[1]):
            key += bits[:, j] * self._multipliers[j]
        if w is not None:
            key += (
                np.ascontiguousarray(w, np.float64).view(np.uint64)
                * (self._multipliers[-1])
            )
        key ^= key >> np.uint64(30)
        key *= _MIX[0]
        key ^= key >> np.uint64(27)
        key *= _MIX[1]
        return key ^ (key >> np.uint64(31))

    def pick(self, block, w):
        """A page's candidates: ``(rows, weights, keys)`` of its smallest hashes.

        Rows of zero weight are never sampled.
        """
        keys = self.keys(block, w)
        positive = None if w is None else np.flatnonzero(w > 0)
        if positive is not None:
            keys = keys[positive]
        chosen = _smallest(keys, self.size)
        if positive is not None:
            rows_chosen = positive[chosen]
        else:
            rows_chosen = chosen
        rows = np.array(block[rows_chosen], copy=True)
        weights = None if w is None else np.asarray(w)[rows_chosen]
        return rows, weights, keys[chosen]

    def merge(self, parts):
        """The sample from the pages' candidates, ordered by hash.

        ``parts`` are :meth:`pick`'s results (or already merged ones).
        """
        parts = list(parts)
        rows = np.concatenate([p[0] for p in parts])
        keys = np.concatenate([p[2] for p in parts])
        weights = None
        if parts and parts[0][1] is not None:
            weights = np.concatenate([p[1] for p in parts])
        chosen = _smallest(keys, self.size)
        chosen = chosen[np.argsort(keys[chosen], kind="stable")]
        return rows[chosen], None if weights is None else weights[chosen], keys[chosen]


def _smallest(keys, size):
    """Indices of the ``size`` smallest keys (all of them if fewer)."""
    if keys.shape[0] <= size:
        return np.arange(keys.shape[0])
    return np.argpartition(keys, size - 1)[:size]
