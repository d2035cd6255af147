"""How rows are represented: the dtype they are computed in, the centre they take.

float32 rows whose values or spread float32 cannot hold are computed in
float64 (:func:`compute_dtype`, :func:`dtype_for_extremes`); every source
centres its rows on :func:`bulk_center` (their weighted mean, or a feature's
median where a few far rows pull the mean off the rest), rounded to the
rows' dtype (:func:`representable_center`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "bulk_center",
    "compute_dtype",
    "data_mean",
    "dtype_for_extremes",
    "dtype_for_magnitude",
    "feature_extremes",
    "frequency_covariance",
    "largest_magnitude",
    "representable_center",
    "scatter_about",
    "scatter_about_mean",
]


# float32 data beyond this magnitude is summarised and fitted in float64: its
# squares and their sums over many rows would overflow float32 (or lose
# themselves in subnormals below the lower limit).
_FLOAT32_RANGE = (2.0**-40, 2.0**48)


def compute_dtype(X):
    """The dtype the engine computes in: the data's, or float64 for extreme float32.

    Extreme: values beyond float32's comfortable range (see
    :func:`dtype_for_magnitude`), or a feature whose farthest value lies
    more than :data:`_FLOAT32_DYNAMIC_RANGE` times its typical deviation from
    its median (a sentinel 1e10 in a column of values near 1): the centre
    that value pulls away from the others, and every sum it enters, then
    round the other rows' values to nothing in float32.
    """
    if X.dtype != np.float32 or X.size == 0:
        return X.dtype
    if X.ndim != 2:
        return dtype_for_magnitude(X.dtype, largest_magnitude(X))
    # One pass for both tests: each feature's extremes.
    highs, lows = feature_extremes(X)
    return dtype_for_extremes(X.dtype, highs, lows, X)


def feature_extremes(X):
    """Each feature's largest and smallest value, as float64 arrays.

    An empty block gives ``-inf`` and ``inf``, which leave the extremes of
    the other blocks unchanged under ``np.maximum`` and ``np.minimum``.
    """
    highs = np.max(X, axis=0, initial=-np.inf).astype(np.float64)
    lows = np.min(X, axis=0, initial=np.inf).astype(np.float64)
    return highs, lows


def dtype_for_extremes(dtype, highs, lows, rows):
    """:func:`compute_dtype` from each feature's extremes and some of its rows.

    In-memory arrays give all their rows; streamed and Dask sources give the
    extremes found in their summary pass and the starting sample (every row
    up to its size, so the decision is the in-memory one), as the rows they
    cannot read here.
    """
    dtype = np.dtype(dtype)
    if dtype != np.float32:
        return dtype
    largest = max(float(np.max(highs)), -float(np.min(lows)))
    dtype = dtype_for_magnitude(dtype, largest)
    if (
        dtype == np.float64
        or rows.shape[0] == 0
        or not _beyond_float32_dynamic_range(rows, highs, lows)
    ):
        return dtype
    return np.dtype(np.float64)


#: Farthest value of a feature from its median, in units of the feature's
#: typical deviation, up to which float32 keeps its rows apart: float32
#: holds 2^24 steps, and the sums of the E- and M-steps need a margin.
_FLOAT32_DYNAMIC_RANGE = 2.0**20
_DYNAMIC_RANGE_SAMPLE = 8192


def _median_and_typical_deviation(X, rows=None):
    """Each feature's median and typical deviation from it, on a strided sample.

    The typical deviation is the median absolute one, or for a feature mostly
    on one value (binary data) the median of its positive absolute ones. The
    sample strides over ``rows`` (indices; None: every row): a median of
    every row cost a tenth of a fit on 200,000 rows.
    """
    n_rows = X.shape[0] if rows is None else rows.size
    stride = max(1, n_rows // _DYNAMIC_RANGE_SAMPLE)
    picked = X[::stride] if rows is None else X[rows[::stride]]
    sample = np.asarray(picked, dtype=np.float64)
    # Two middle values near the float maximum overflow their mean (inf):
    # such features are refused or fitted in float64 all the same.
    with np.errstate(over="ignore", invalid="ignore"):
        median = np.median(sample, axis=0)
        deviations = np.abs(sample - median)
        typical = np.median(deviations, axis=0)
    flat = typical == 0
    for j in np.flatnonzero(flat):
        # The median of its positive deviations: the mean of them would take
        # in the far rows themselves (a 0/1 feature beside fill values).
        positive = deviations[:, j][deviations[:, j] > 0]
        typical[j] = np.median(positive) if positive.size else 0.0
    return median, typical


def _beyond_float32_dynamic_range(X, highs, lows):
    """Whether a float32 feature spans over ``_FLOAT32_DYNAMIC_RANGE`` deviations.

    ``highs`` and ``lows`` are each feature's extremes (finite: extreme or
    non-finite values already chose float64).
    """
    # The farthest value from every row.
    median, typical = _median_and_typical_deviation(X)
    farthest = np.maximum(highs - median, median - lows)
    varying = typical > 0
    return bool(np.any(farthest[varying] > _FLOAT32_DYNAMIC_RANGE * typical[varying]))


def bulk_center(center, rows, sample_weight=None):
    """``center`` (the weighted mean), or the medians of features off the bulk.

    A few rows far from the rest (fill values such as 1e20 or 9.97e36 in a
    column of values near 3) pull the mean so far from every other row that
    their offsets from it round to nothing: 600 rows in two clusters became
    one point, flagged collapsed, where scikit-learn, which does not centre,
    fits them. The rows are centred on a feature's median where the mean
    lies more than ``1 / sqrt(eps)`` of the feature's typical deviations from
    it (float64's; its rounding, ``eps |mean - median|``, then takes more
    than half the digits of the rows' offsets; both read on a strided sample
    of ``rows``); elsewhere, always in ordinary data, on the mean.

    Returns
    -------
    center : ndarray of shape (n_features,)
    moved : ndarray of shape (n_features,), dtype=bool
        The features centred on their median.
    """
    center = np.asarray(center, dtype=np.float64)
    moved = np.zeros(center.shape, dtype=bool)
    if rows.shape[0] == 0:
        return center, moved
    positive = None
    if sample_weight is not None:
        # Rows of weight zero count for nothing.
        positive = np.flatnonzero(np.asarray(sample_weight) > 0)
        if positive.size == 0:
            return center, moved
    median, typical = _median_and_typical_deviation(rows, positive)
    # Half of float64's digits, 6.7e7 typical deviations, whatever the dtype:
    # float32 rows spread over more than 2^20 of them are computed in float64
    # (compute_dtype), and fewer leave float32's mean its digits.
    reach = 1.0 / np.sqrt(np.finfo(np.float64).eps)
    with np.errstate(invalid="ignore", over="ignore"):
        moved = np.abs(center - median) > reach * typical
    moved &= np.isfinite(median) & (typical > 0)
    if not moved.any():
        return center, moved
    return np.where(moved, median, center), moved


def scatter_about(scatter, weight_sum, mean, center):
    """The scatter about the mean, ``scatter``, as about ``center`` instead.

    ``sum_i w_i (x_i - c)(x_i - c)^T = S + W (m - c)(m - c)^T``: what the
    engine reads as the total scatter is about the point the rows are
    centred on (the tied structures' pooled scatter is the total less the
    components' means about it). ``scatter`` itself where they coincide.
    """
    offset = np.asarray(mean, np.float64) - np.asarray(center, np.float64)
    if not offset.any():
        return scatter
    return scatter + weight_sum * np.outer(offset, offset)


def scatter_about_mean(source):
    """``source.total_scatter`` about the data's weighted mean.

    The total scatter is about the source's centre, which is the mean except
    where :func:`bulk_center` moved it (``source.mean`` is then the mean).
    """
    mean = getattr(source, "mean", None)
    if mean is None:
        return source.total_scatter
    offset = np.asarray(mean, np.float64) - np.asarray(source.center, np.float64)
    return source.total_scatter - source.weight_sum * np.outer(offset, offset)


def frequency_covariance(scatter, weight_sum):
    """A scatter about the mean over ``max(w - 1, w / 2)``: R's ``var()``.

    Frequency weights: ``var()`` on the rows repeated ``w_i`` times divides
    by ``sum(w) - 1``. Weights summing to about one (normalised weights,
    often ``1 + 2**-52``) would make that zero, or tiny, and a prior from it
    huge: the denominator moves smoothly with the total and is ``sum(w) - 1``
    from 2 on. ``weight_sum`` may be one per feature (the rows observing it).
    """
    weight_sum = np.asarray(weight_sum, dtype=np.float64)
    return scatter / np.maximum(weight_sum - 1.0, 0.5 * weight_sum)


def data_mean(source):
    """The data's weighted mean (``source.mean``, else its centre)."""
    mean = getattr(source, "mean", None)
    return np.asarray(source.center if mean is None else mean, dtype=np.float64)


def largest_magnitude(X):
    """``max |x|`` over an array (0 for an empty one; NaN if any is NaN)."""
    if X.size == 0:
        return 0.0
    return max(float(np.max(X)), -float(np.min(X)))


def dtype_for_magnitude(dtype, largest):
    """``dtype``, or float64 for float32 rows whose largest ``|x|`` is extreme.

    The magnitude half of :func:`compute_dtype` (and of
    :func:`dtype_for_extremes`, which streamed and Dask sources call once
    for every page or chunk after their summary pass).
    """
    dtype = np.dtype(dtype)
    if dtype != np.float32:
        return dtype
    low, high = _FLOAT32_RANGE
    if not largest <= high or 0.0 < largest < low:
        return np.dtype(np.float64)
    return dtype


def representable_center(center, dtype):
    """The centre rounded to ``dtype`` (as float64).

    Blocks are centred in the data's dtype and the parameters in float64; a
    centre that the dtype cannot hold would shift one against the other by
    its rounding (half a unit in the last place of the data, 0.5 at 1e7 in
    float32).
    """
    return np.asarray(np.asarray(center, dtype=np.float64).astype(dtype), np.float64)


def query_dtype(dtype, parameters):
    """The dtype to score query rows of ``dtype`` in, given a model's ``parameters``.

    float32 rows are scored in float32 when the model's numbers fit it: a
    model fitted on data in units of 1e-20 (precision factors near 1e20,
    whose squares overflow float32) or with means beyond float32's range
    gave float32 queries of ordinary size wrong densities, or NaN. The
    parameters' largest ``|value|`` (arrays: the model's means and precision
    factors) is judged as a row's (:func:`dtype_for_magnitude`).
    """
    dtype = np.dtype(dtype)
    if dtype != np.float32:
        return dtype
    largest = max(
        (float(np.max(np.abs(values), initial=0.0)) for values in parameters),
        default=0.0,
    )
    return dtype_for_magnitude(dtype, largest)
