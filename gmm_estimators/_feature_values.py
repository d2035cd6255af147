"""The distinct values of features: their grid, for the lattice rules.

A feature recorded to a grid (integers, a rating, a design value) has few
distinct values; the spurious rules of ``_spurious`` read its steps and the
weight each component puts on each value. :class:`FeatureValues` bounds the
grid from a sample of the first block and reads every value only when a
component may be narrower than that.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["FeatureValues", "smallest_gaps"]

# Distinct values of a feature beyond which it is read as continuous (its
# grid, if any, too fine to matter): also bounds the memory of the search.
_MAX_VALUES = 2**16
# Values of a feature whose smallest gap bounds the grid's (FeatureValues.sample).
_SAMPLED_ROWS = 2048


class FeatureValues:
    """The distinct values of some features over the rows of positive weight.

    A sample of the first block bounds each feature's grid (:meth:`sample`);
    the values themselves are read only when a component may be narrower
    than that (:meth:`gather`). A feature with more than :data:`_MAX_VALUES`
    distinct values is read as continuous (no grid).

    Parameters
    ----------
    features : sequence of int
        The columns of the rows to read.
    """

    def __init__(self, features):
        self.features = [int(f) for f in features]
        self._seen = {f: np.zeros(0) for f in self.features}
        self._gathered = False
        self._sampled = {}

    def sample(self, rows):
        """Bound each feature's smallest gap from a block of rows (of positive weight).

        The smallest gap among a strided sample of the first block's values
        bounds the feature's from above: no component narrower than a grid
        that large, none narrower than the feature's (:meth:`may_narrow`),
        and the distinct values are not gathered. (Sorting every value of
        every feature for each fit cost a grid search on 50,000 rows a
        third of its time.)
        """
        if self._sampled or not rows.shape[0]:
            return
        sample = rows[:: max(1, rows.shape[0] // _SAMPLED_ROWS)]
        for f in self.features:
            steps = np.diff(np.unique(sample[:, f]))
            self._sampled[f] = float(steps.min()) if steps.size else np.inf

    def sampled_gap(self, f):
        """The smallest gap of feature ``f`` in the sample (inf: none seen)."""
        return self._sampled.get(f, np.inf)

    def may_narrow(self, full, components):
        """Whether a component's deviation along a feature is below its sampled grid."""
        for f in self.features:
            bound = self._sampled.get(f, np.inf) / np.sqrt(12.0)
            if any(np.sqrt(max(full[k, f, f], 0.0)) < bound for k in components):
                return True
        return False

    def gather(self, blocks):
        """Read every block's distinct values (rows of positive weight), once."""
        if self._gathered:
            return
        self._gathered = True
        for Xc, w, _ in blocks():
            rows = Xc if w is None else Xc[np.asarray(w) > 0]
            for f in self.features:
                if self._seen[f] is not None:
                    self._seen[f] = np.union1d(self._seen[f], rows[:, f])
                    if self._seen[f].size > _MAX_VALUES:
                        self._seen[f] = None

    def gaps(self):
        """``{f: smallest gap between distinct values of f}`` (0: none).

        Of the values :meth:`gather` read (none before it).
        """
        gaps = {}
        for f in self.features:
            seen = self._seen[f]
            steps = np.diff(seen) if seen is not None else np.zeros(0)
            gaps[f] = float(steps.min()) if steps.size else 0.0
        return gaps

    def heaviest_value_weights(self, blocks, candidates):
        """``{f: {k: (weight, value)}}``: component ``k``'s heaviest value of
        ``f`` and its weight there.

        ``candidates`` is ``{f: [k, ...]}``; one pass over ``blocks``, whose
        rows of weight zero add nothing.
        """
        sums = {
            f: np.zeros((len(ks), self._seen[f].size)) for f, ks in candidates.items()
        }
        for Xc, w, resp in blocks():
            a = np.asarray(resp, np.float64)
            if w is not None:
                a = a * np.asarray(w, np.float64)[:, None]
            for f, ks in candidates.items():
                values = self._seen[f]
                # Rows of weight zero may hold values off the grid: clipped
                # into it, they add their zero weight anywhere.
                index = np.minimum(np.searchsorted(values, Xc[:, f]), values.size - 1)
                for row, k in enumerate(ks):
                    sums[f][row] += np.bincount(
                        index, weights=a[:, k], minlength=values.size
                    )
        return {
            f: {
                k: (
                    float(sums[f][row].max()),
                    float(self._seen[f][sums[f][row].argmax()]),
                )
                for row, k in enumerate(ks)
            }
            for f, ks in candidates.items()
        }


def smallest_gaps(blocks, features):
    """``{f: smallest gap between distinct values of feature f}`` (0: none).

    Over the rows of positive weight; 0 for a feature with more than
    :data:`_MAX_VALUES` distinct values (read as continuous).
    """
    grid = FeatureValues(features)
    grid.gather(blocks)
    return grid.gaps()
