"""The distinct values of features: their grid, for the lattice rules.

A feature recorded to a grid (integers, a rating, a design value) has few
distinct values; the spurious rules of ``_spurious`` read its steps and the
weight each component puts on each value. A grid need not be even: a
log-transformed count steps by 0.69 from 0 to 1 and by 0.01 near 100, so a
component is judged against the step at its own value (:func:`local_steps`).
:class:`FeatureValues` bounds the steps from a sample of the first block and
reads every value only when a component may be narrower than that.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["FeatureValues", "local_steps", "smallest_gaps"]

# Distinct values of a feature beyond which it is read as continuous (its
# grid, if any, too fine to matter): also bounds the memory of the search.
_MAX_VALUES = 2**16
# Rows of the first block whose values bound the data's steps (FeatureValues.sample).
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
        # Rows of positive weight on each value (the grid is read where its
        # values are tied, local_steps).
        self._counts = {f: np.zeros(0, np.int64) for f in self.features}
        self._gathered = False
        self._sampled = {}
        self._sampled_gaps = {}

    def sample(self, rows):
        """Bound each feature's steps from a block of rows (of positive weight).

        The distinct values of a strided sample of the first block bound the
        feature's steps from above: no step of the data between two sampled
        values is longer than theirs, so no component is narrower than the
        data's grid at its value unless it is narrower than the sample's
        around it (:meth:`may_narrow`), and the distinct values are not
        gathered otherwise. (Sorting every value of every feature for each
        fit cost a grid search on 50,000 rows a third of its time.)
        """
        if self._sampled or not rows.shape[0]:
            return
        sample = rows[:: max(1, rows.shape[0] // _SAMPLED_ROWS)]
        for f in self.features:
            values = np.unique(sample[:, f])
            self._sampled[f] = values
            self._sampled_gaps[f] = np.diff(values).min() if values.size > 1 else np.inf

    def sampled_gap(self, f):
        """The smallest gap of feature ``f`` in the sample (inf: none seen)."""
        return float(self._sampled_gaps.get(f, np.inf))

    def may_narrow(self, full, components, means):
        """Whether a component's deviation along a feature may be below the
        data's grid at its mean (bounded by the sample's, :func:`_step_bounds`)."""
        ks = list(components)
        for f in self.features:
            values = self._sampled.get(f, np.zeros(0))
            bounds = _step_bounds(values, means[ks, f]) / np.sqrt(12.0)
            sd = np.sqrt(np.maximum(full[ks, f, f], 0.0))
            if np.any(sd < bounds):
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
                    # The values seen and the block's, each row counting one.
                    values, index = np.unique(
                        np.r_[self._seen[f], rows[:, f]], return_inverse=True
                    )
                    self._counts[f] = np.bincount(
                        index, np.r_[self._counts[f], np.ones(rows.shape[0])]
                    ).astype(np.int64)
                    self._seen[f] = values
                    if values.size > _MAX_VALUES:
                        self._seen[f] = self._counts[f] = None

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

    def steps_at(self, f, points):
        """The data's step at the value of feature ``f`` nearest each point
        (:func:`local_steps`, where its values are tied; inf where it has one
        value or was read as continuous). Of the values :meth:`gather` read."""
        seen = self._seen[f]
        if seen is None:
            return np.full(len(points), np.inf)
        return local_steps(seen, points, tied=self._counts[f] > 1)

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


def local_steps(values, points, tied):
    """The grid's step at the value nearest each point.

    The smallest gap among that value and its two nearest neighbours on
    each side (at an end of the grid, the two on its one side; inf for a
    grid of one value). A measurement rounded to an uneven grid is spread by
    its rounding over about its step there (a log-transformed count steps
    by 0.69 from 0 to 1 and by 0.01 near 100), and the grid's spacing near a
    value is read from several of its neighbours, not one.

    Gaps between scattered values are no grid's steps: two outliers of
    integer data, 18 apart, are still recorded to 1, and a value repeated
    among continuous ones (a floor, a censoring value) is no grid value.
    A value whose window (it and its two neighbours each side) holds a
    value of one row (not ``tied``) is given the grid's smallest step
    anywhere. Rows are counted, not their weights, as the
    degeneracy checks count them: a common factor of the weights changes
    nothing, and a row given a weight of 3 is one row, not three.

    Parameters
    ----------
    values : ndarray of shape (n_values,)
        The grid: sorted distinct values.
    points : array-like of shape (n_points,)
    tied : ndarray of bool of shape (n_values,)
        Whether each value holds more than one row.

    Returns
    -------
    steps : ndarray of shape (n_points,)
    """
    points = np.asarray(points, np.float64)
    if values.size < 2:
        return np.full(points.shape, np.inf)
    gaps = np.diff(values)
    right = np.clip(np.searchsorted(values, points), 1, values.size - 1)
    nearest = np.where(
        points - values[right - 1] <= values[right] - points, right - 1, right
    )
    # Gap i lies between values i and i + 1: those of the value's window.
    window = nearest[..., None] + np.arange(-2, 2)
    inside = (window >= 0) & (window < gaps.size)
    steps = np.where(inside, gaps[np.clip(window, 0, gaps.size - 1)], np.inf).min(-1)
    around = nearest[..., None] + np.arange(-2, 3)
    present = (around >= 0) & (around < values.size)
    on_grid = (tied[np.clip(around, 0, values.size - 1)] | ~present).all(-1)
    return np.where(on_grid, steps, gaps.min())


def _step_bounds(values, points):
    """Bounds on the data's step near each point from a sample's grid ``values``.

    The sampled values are values of the data, so the data's value nearest
    a point between two of them lies between them too, and one of its gaps
    (no longer than theirs) with it: their gap bounds the step
    :func:`local_steps` gives there, which is at most any gap of its window
    (or the smallest of all). Beyond the sample's ends the data may hold
    values the sample missed, within twice the distance out of the point's
    nearest. A sample of one value bounds nothing (inf).
    """
    if values.size < 2:
        return np.full(np.shape(points), np.inf)
    gaps = np.diff(values)
    holding = np.clip(np.searchsorted(values, points) - 1, 0, gaps.size - 1)
    beyond = np.maximum(np.maximum(values[0] - points, points - values[-1]), 0.0)
    return gaps[holding] + 2.0 * beyond


def smallest_gaps(blocks, features):
    """``{f: smallest gap between distinct values of feature f}`` (0: none).

    Over the rows of positive weight; 0 for a feature with more than
    :data:`_MAX_VALUES` distinct values (read as continuous).
    """
    grid = FeatureValues(features)
    grid.gather(blocks)
    return grid.gaps()
