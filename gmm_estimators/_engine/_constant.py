"""Features constant in the rows: their values, their centre and their spread.

Sums round: the mean of 103 copies of 0.1 is not 0.1, and about it a
constant feature keeps a spread of rounding that passes for a variance (and
for a collapse, read in units of it). These are the package's one home for
reading such a feature as constant: a mean within its rows' range
(:func:`within_range`), rows centred exactly (:func:`exactly_centred`), and
a feature whose values differ by their rounding alone set to one value
(:func:`constant_to_rounding`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "ROUNDING_ULPS",
    "constant_summary",
    "constant_to_rounding",
    "exactly_centred",
    "flat_to_rounding",
    "observed_range",
    "set_constant",
    "within_range",
]


def within_range(means, low, high):
    """``means`` clipped to their rows' range (``low`` to ``high``) where rows exist.

    A mean lies within its rows' range: so a constant feature's mean is its
    value exactly, where weighted sums round it (the mean of 103 copies of
    0.1 is not 0.1) and the rounding would pass for a variance (and a
    collapse). Features without rows (``low > high``) keep their mean.
    """
    means = np.array(means, dtype=np.float64)
    seen = low <= high
    means[seen] = np.clip(means[seen], low[seen], high[seen])
    return means


def observed_range(X, observed, w=None):
    """Each feature's lowest and highest observed value (of positive weight).

    ``(inf, -inf)`` for a feature no such row observes.
    """
    seen = np.asarray(observed) > 0
    if w is not None:
        seen &= (np.asarray(w) > 0)[:, np.newaxis]
    low = np.where(seen, X, np.inf).min(axis=0, initial=np.inf)
    return low, np.where(seen, X, -np.inf).max(axis=0, initial=-np.inf)


def exactly_centred(rows):
    """``rows`` about their mean, exactly zero on a feature constant on them.

    Differences from one of the rows are exact where the values are equal;
    about the rounded mean alone a constant that is not a binary fraction
    kept a spread of rounding, read as a direction the rows span.
    """
    shifted = rows - rows[:1]
    return shifted - shifted.mean(axis=0)


#: A feature whose values (of positive weight) lie within this many units
#: in the last place of their magnitude is constant: they hold no more than
#: the rounding of one number computed in different ways (0.1 + 0.2 beside
#: 0.3, one unit apart).
ROUNDING_ULPS = 4


def flat_to_rounding(low, high, dtype):
    """The features whose extremes ``low`` and ``high`` differ by rounding alone.

    At most :data:`ROUNDING_ULPS` units in the last place (of ``dtype``) of
    the larger magnitude apart, and not equal.
    """
    # Spreads beyond float64 (values near its range) overflow to inf: not flat.
    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = np.maximum(np.abs(low), np.abs(high)).astype(dtype)
        return (high > low) & (high - low <= ROUNDING_ULPS * np.spacing(magnitude))


def set_constant(X, flat, values):
    """``X`` with the features ``flat`` at ``values`` (a copy; NaN stay)."""
    X = np.array(X)
    flat = np.reshape(flat, -1)
    values = np.reshape(values, -1)
    for j in np.flatnonzero(flat):
        observed = ~np.isnan(X[:, j])
        X[observed, j] = values[j]
    return X


def constant_summary(flat, values, center, scatter):
    """A streamed summary as it would be of rows set constant on ``flat``.

    The summary pass reads the rows as given: set to ``values`` there, the
    centre is ``values`` and the scatter has no row or column (each row's
    difference from the centre is zero). Returns ``(center, scatter)``.
    """
    center = np.where(flat, values, center)
    scatter = np.array(scatter, dtype=np.float64)
    scatter[flat, :] = scatter[:, flat] = 0.0
    return center, scatter


def constant_to_rounding(X, sample_weight=None):
    """``X`` with each feature constant to its rounding set to one value.

    A feature whose observed values of positive weight differ by at most
    :data:`ROUNDING_ULPS` units in the last place of the largest
    (:func:`flat_to_rounding`) is read as constant: each of its values
    becomes the smallest, a value of the data that every source finds in
    its summary pass. Its spread of ``1e-33`` passed for a variance that
    set the search's ``reg_covar`` unit and the collapse checks'
    standardised coordinates (the rounding was fitted as structure).
    ``X`` itself when no feature is so (a copy otherwise); NaN stay.
    """
    kept = True
    if sample_weight is not None:
        kept = (np.asarray(sample_weight) > 0)[:, np.newaxis]
    # fmin and fmax pass over NaN (missing values), and over the rows of
    # weight zero, without a copy; a feature no row shows stays (inf, -inf).
    low = np.fmin.reduce(X, axis=0, where=kept, initial=np.inf)
    high = np.fmax.reduce(X, axis=0, where=kept, initial=-np.inf)
    flat = flat_to_rounding(low, high, X.dtype)
    return set_constant(X, flat, low) if flat.any() else X
