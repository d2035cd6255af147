"""Data sources: the only code that reads rows of the training data."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn import get_config
from sklearn.utils.validation import _check_sample_weight

from ._constant import within_range
from ._representation import (
    bulk_center,
    compute_dtype,
    representable_center,
)

__all__ = [
    "ArraySource",
    "all_rows_identical",
    "check_squares_fit",
    "check_weight_sum",
    "reg_covar_swamps",
    "relative_weights",
    "row_blocks",
    "varying_without_variance",
    "weight_scale",
]

_BLOCK_BYTES = 4 * 2**20


_MIN_BLOCK_ROWS = 64


@dataclass
class ArraySource:
    """An in-memory data source: row blocks of an array, with their weights.

    The engine reads data only through a source: blocks of centred rows
    (:meth:`centred`), their weights (:meth:`weights_of`) and, optionally,
    per-row features of a statistics form computed once (:meth:`features`).
    Centring is the source's business: the engine's parameters live in the
    coordinates centred on the data's weighted mean, which keeps the moment
    formulas of the diagonal and pooled structures precise for data far from
    the origin. A new kind of source (a memory map read block by block,
    chunks of a Dask array, blocks with missing entries) provides the same
    methods and attributes.

    Attributes
    ----------
    X : ndarray of shape (n, d)
        The data as given (float32 or float64), not centred.
    sample_weight : ndarray of shape (n,) or None
    center : ndarray of shape (d,)
        The point blocks are centred on (float64): the weighted mean of
        ``X``, or a feature's median where a few far rows pull the mean off
        the rest (:func:`~._representation.bulk_center`).
    total_scatter : ndarray of shape (d, d) or None
        ``sum_i w_i (x_i - center)(x_i - center)^T`` in float64.
    mean : ndarray of shape (d,) or None
        The weighted mean of ``X`` (float64; None: ``center``): the data's
        mean for the default priors (``_representation.scatter_about_mean``).
    weight_sum : float
        ``sum_i w_i`` (``n`` without weights).
    centred_X : ndarray of shape (n, d) or None
        ``X - center`` in the data's dtype. A fit reads the centred rows on
        every EM iteration (and the selector on every candidate), so they are
        computed once, at the price of one more copy of the data; without
        them (a single pass, as in prediction) each block is centred when read.
    feature_cache : dict or None
        Whole-data features of the statistics forms (``StatisticsForm.features``),
        by form, filled by :meth:`cache_features`; None disables the cache. Only
        the selector enables it: its candidates read the same features on
        every iteration of every candidate, while a single fit would trade
        ``m`` more copies of the data for the cheaper part of its iteration.
    weight_scale : float
        The mean of the positive sample weights (1 without weights). The
        engine accumulates each block with the weights divided by it and
        multiplies the block's sums back, so a common factor of the weights
        changes a fit only by rounding and cannot overflow or underflow the
        sums (see :func:`weight_scale`).
    norms : ndarray of shape (n,) or None
        Norms of the centred rows (float64), computed once with the centred
        copy; the precision check of the E-step reads them
        (:meth:`row_norms`).
    """

    X: np.ndarray
    sample_weight: np.ndarray | None
    center: np.ndarray
    total_scatter: np.ndarray | None
    weight_sum: float
    centred_X: np.ndarray | None = None
    feature_cache: dict | None = None
    weight_scale: float = 1.0
    norms: np.ndarray | None = None
    mean: np.ndarray | None = None

    @classmethod
    def from_arrays(
        cls, X, sample_weight=None, *, cache_features=False, center=None, bulk=True
    ):
        """Summarise the training data (two passes: mean, then scatter).

        ``center`` imposes the centre instead of the weighted mean: the
        sample a large fit starts from, and the mini-batches of
        ``partial_fit``, live in the coordinates of the whole data.
        ``bulk=False`` keeps the weighted mean as the centre, never a median
        (a page's summary, merged with the others' as means and scatters
        about them).

        float32 data beyond float32's square-root range (see
        :func:`compute_dtype`) is converted to float64 first. The centre is
        rounded to the data's dtype, so that rows (centred in it) and
        parameters (centred in float64) are centred on the same point.
        """
        X = X.astype(compute_dtype(X), copy=False)
        scale = weight_scale(sample_weight)
        scaled = None if sample_weight is None else sample_weight / scale
        with np.errstate(over="ignore"):  # inf: check_squares_fit names it
            weight_sum = float(
                X.shape[0] if sample_weight is None else sample_weight.sum()
            )
        if center is None:
            center = np.zeros(X.shape[1])
            low = np.full(X.shape[1], np.inf)
            high = np.full(X.shape[1], -np.inf)
            for rows in row_blocks(X.shape[0], X.shape[1]):
                w = None if scaled is None else scaled[rows]
                block = X[rows].astype(np.float64)
                # Values near the float range overflow the sums: inf,
                # refused by name (check_squares_fit), not numpy's warning.
                with np.errstate(over="ignore", invalid="ignore"):
                    center += _weighted_column_sums(block, w)
                if w is not None:
                    block = block[w > 0]
                if block.shape[0]:
                    # Feature-major: numpy's reductions over the short axis
                    # of a (rows, d) array cost ten times the copy.
                    columns = np.ascontiguousarray(block.T)
                    np.minimum(low, columns.min(axis=1), out=low)
                    np.maximum(high, columns.max(axis=1), out=high)
            center /= X.shape[0] if scaled is None else scaled.sum()
            center = within_range(center, low, high)
            mean = center
            if bulk:
                center = bulk_center(center, X, scaled)[0]
        else:
            mean = None
        center = representable_center(center, X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # as the sums above
            centred_X = X - center.astype(X.dtype)
        # Blocks are views of it: nothing downstream may write to them.
        centred_X.flags.writeable = False
        total_scatter = np.zeros((X.shape[1],) * 2)
        norms = np.empty(X.shape[0])
        for rows in row_blocks(X.shape[0], X.shape[1]):
            Xc = centred_X[rows].astype(np.float64, copy=False)
            w = None if scaled is None else scaled[rows]
            # Rows too large to square (far query points, or data that
            # check_squares_fit refuses to fit) overflow without a warning.
            with np.errstate(over="ignore", invalid="ignore"):
                weighted = Xc if w is None else Xc * w[:, np.newaxis]
                total_scatter += weighted.T @ Xc
                np.sqrt(np.einsum("ij,ij->i", Xc, Xc), out=norms[rows])
        cache = {} if cache_features else None
        with np.errstate(over="ignore"):  # reported by check_squares_fit
            total_scatter = total_scatter * scale
        return cls(
            X,
            sample_weight,
            center,
            total_scatter,
            weight_sum,
            centred_X,
            cache,
            weight_scale=scale,
            norms=norms,
            mean=None if mean is None or np.array_equal(mean, center) else mean,
        )

    @property
    def n_features(self):
        return self.X.shape[1]

    def init_source(self):
        """The rows the starts are computed from: all of them, in memory.

        Sources that stream (``_sources``) return an in-memory sample here.
        """
        return self

    def centred(self, rows):
        """The rows of a block, centred, in the data's dtype (read-only use)."""
        if self.centred_X is not None:
            return self.centred_X[rows]
        return self.X[rows] - self.center.astype(self.X.dtype)

    def row_norms(self, rows, centred=None):
        """Norms of the centred rows of a block, float64 (``inf`` if they overflow).

        ``centred`` are the block's centred rows when already read.
        """
        if self.norms is not None:
            return self.norms[rows]
        if centred is None:
            centred = self.centred(rows)
        with np.errstate(over="ignore"):
            return np.sqrt(np.einsum("ij,ij->i", centred, centred, dtype=np.float64))

    def raw(self, rows):
        """The rows of a block as given (not centred), float64."""
        return np.asarray(self.X[rows], dtype=np.float64)

    def cache_features(self, form):
        """Compute the features of ``form`` for all rows, if cached and affordable.

        Called before blocks are mapped, so that threads only read the cache.
        The budget is scikit-learn's ``working_memory``.
        """
        compute = form.features
        if (
            self.feature_cache is None
            or compute is None
            or form in self.feature_cache
            or self.centred_X is None
        ):
            return
        with np.errstate(over="ignore", invalid="ignore"):  # see below
            probe = compute(self.centred_X[:1])
        if probe.nbytes * self.X.shape[0] > get_config()["working_memory"] * 2**20:
            return
        # A row beyond the dtype's range has features that overflow: its
        # distances are not finite and the E-step measures it with the exact
        # form (covariance._exact); a row of weight zero adds nothing anyway.
        with np.errstate(over="ignore", invalid="ignore"):
            features = compute(self.centred_X)
        features.flags.writeable = False
        self.feature_cache[form] = features

    def features(self, form, rows):
        """The cached features of ``form`` for a block of rows, or None."""
        if self.feature_cache is None or form not in self.feature_cache:
            return None
        return self.feature_cache[form][:, rows]

    def weights_of(self, rows):
        return None if self.sample_weight is None else self.sample_weight[rows]

    def blocks(self, model, n_components):
        """Row slices sized for a structure's per-block temporaries."""
        width = model.scatter.row_width(n_components, self.n_features)
        return row_blocks(self.n_rows, width, self.X.dtype.itemsize)

    @property
    def n_rows(self):
        return self.X.shape[0]

    def one_pass(self, center):
        """A source for one more pass over the same rows (no weights)."""
        return type(self).for_prediction(self.X, center)

    @classmethod
    def for_prediction(cls, X, center):
        """A source for one pass over ``X`` (no weights, centred per block).

        The centre is rounded to the data's dtype, as in :meth:`from_arrays`;
        the parameters are centred on :attr:`center`.
        """
        X = X.astype(compute_dtype(X), copy=False)
        center = representable_center(center, X.dtype)
        return cls(X, None, center, None, float(X.shape[0]))


def empty_component_guard(data):
    """scikit-learn's ``10 eps`` added to every component's weight sum.

    In the data's weight units (its ``weight_scale``), so that a common
    factor of the weights changes nothing, and in float64: a float32 eps
    times a weight scale beyond 2**128 overflows.
    """
    return 10.0 * _eps(data.X.dtype) * getattr(data, "weight_scale", 1.0)


@functools.lru_cache(maxsize=16)
def _eps(dtype):
    """``float(np.finfo(dtype).eps)``, looked up once per dtype (every M-step asks)."""
    return float(np.finfo(dtype).eps)


def weight_scale(sample_weight):
    """The mean of the positive sample weights (1.0 for None).

    The engine divides the weights by it, so that its counts are rows'
    worth (``N_k`` of a component on three rows of equal weight is 3, at
    any weight) and a common factor of the weights changes no threshold in
    rows' worth (EVE's and VVE's few sweeps for a component on at most
    ``d`` of them: weights of 3.7 read a start group of three rows as 2.8
    when the scale was the power of two near their mean, and EM took
    another path). Weights that differ by a common power-of-two factor
    give identical engine weights (the mean is of the weights divided by
    their largest, then multiplied back: exact), equal weights give the
    engine weights of none (the unweighted fit, to the rounding of the
    weighted sums), and rows of weight zero do not move it.
    """
    if sample_weight is None:
        return 1.0
    top = float(np.max(sample_weight, initial=0.0))
    if not (top > 0.0 and np.isfinite(top)):
        return 1.0
    count = int(np.count_nonzero(sample_weight))
    return float(np.sum(sample_weight / top)) / count * top


def reg_covar_swamps(reg_covar, source, relative=None):
    """The warnings owed when ``reg_covar`` is not small against the data's variances.

    ``reg_covar`` is absolute, in the data's squared units: for data measured
    in tiny units (some variance far below it) it swamps the covariances and
    the clusters it gives are nonsense. ``relative``, when the user gave it
    relative to the data's thinnest spread (the selector's thorough search),
    is the value the message names, with ``reg_covar`` beside it.

    With ``reg_covar=0`` only identical rows are said (every covariance is
    then zero, unless a prior sets it: the caller's to know).

    Returns
    -------
    message : str or None
        What swamps the fit (units, identical rows, a variance below ten
        ``reg_covar``), with the constant features beside it; None when
        ``reg_covar`` is below a tenth of every varying feature's variance.
    constant : str or None
        Otherwise, the features constant beside varying ones, said apart so
        that the caller can say more of the varying features
        (``_data_span.data_warning``: the dimensions their rows span).
    """
    constant, swamped = _reg_covar_swamps(reg_covar, source, relative)
    if swamped is None:
        return None, constant
    if constant is None:
        return swamped, None
    # Both are said: the constant's alone hid that every fitted spread was
    # reg_covar.
    return f"{constant} And {swamped}", None


def _reg_covar_swamps(reg_covar, source, relative):
    """:func:`reg_covar_swamps`'s messages: (constant features, the rest)."""
    scatter = getattr(source, "total_scatter", None)
    if scatter is None:
        return None, None
    if not reg_covar > 0:
        if not all_rows_identical(source):
            return None, None
        # Without reg_covar every covariance is zero: the floors that keep
        # the constrained estimates finite (1e-15 of a unit) are all that
        # is fitted, which the collapse check cannot always tell from a
        # sound covariance (the data span no direction to judge it in).
        return None, (
            "every row of X (of positive weight) is the same point and "
            "reg_covar=0: every covariance is zero, so the likelihood is "
            "unbounded and the fitted density measures rounding, not the data. "
            "There is nothing to cluster: check that X is the intended array."
        )
    # With missing values, each feature's variance over the rows that
    # observe it: the mean-filled entries add no spread.
    variances = getattr(source, "observed_variances", None)
    if variances is None:
        variances = np.diag(scatter) / source.weight_sum
    X = getattr(source, "X", None)
    underflow = None
    if X is not None:
        weights = getattr(source, "sample_weight", None)
        underflow = varying_without_variance(X, weights, variances)
    if underflow is not None:
        return None, (
            f"feature {underflow} varies but its variance underflows float64 "
            "(the data's units are too small to square): every fit of such "
            "data is dominated by reg_covar and rounding. Rescale the data "
            "(e.g. StandardScaler)."
        )
    if all_rows_identical(source):
        return None, (
            "every row of X (of positive weight) is the same point: every "
            f"covariance is reg_covar={reg_covar:.3g} alone, so the fitted "
            "density, its likelihood and the criteria measure reg_covar, not "
            "the data. There is nothing to cluster: check that X is the "
            "intended array."
        )
    positive = variances[variances > 0]
    if positive.size == 0:
        return None, None
    constant = np.flatnonzero(variances == 0)
    constant_message = None
    if constant.size:
        listed = ", ".join(str(int(j)) for j in constant)
        constant_message = (
            f"feature(s) {listed} of X are constant: every covariance along "
            f"them is reg_covar={reg_covar:.3g} alone, which then sets part of "
            "the likelihood and can change which model a criterion prefers. "
            "Leave constant features out (e.g. "
            "sklearn.feature_selection.VarianceThreshold)."
        )
    smallest = float(positive.min())
    if reg_covar <= 0.1 * smallest:
        return constant_message, None
    feature = int(np.flatnonzero(variances == smallest)[0])
    if relative is not None:
        message = (
            f"reg_covar={relative:.3g} (relative to the data's thinnest spread: "
            f"{reg_covar:.3g} in the data's squared units) is large compared "
            f"with the data's scale: feature {feature} has variance "
            f"{smallest:.3g} (standard deviation {np.sqrt(smallest):.3g}), so "
            "the regularisation dominates the covariances and the clusters "
            "will not reflect the data. Lower it (the default is 1e-6)."
        )
    else:
        message = (
            f"reg_covar={reg_covar:.3g} is large compared with the data's scale: "
            f"feature {feature} has variance {smallest:.3g} (standard deviation "
            f"{np.sqrt(smallest):.3g}), so the regularisation dominates the "
            "covariances and the clusters will not reflect the data. reg_covar "
            "is in the data's squared units: lower it (to about 1e-6 times the "
            "variances) or rescale the data (e.g. StandardScaler)."
        )
    return constant_message, message


# Weights whose total comes this close to float64's maximum overflow the
# engine's sums of weighted squares and log-densities (a raw LinAlgError at
# 5e306 a row over 30 rows); this close to its smallest normal number EM's
# sums, kept in the weights' units, are subnormal and lose their digits
# (check_weight_sum, by fit, partial_fit and adapt_mixture):
# refused by name.
_WEIGHT_SUM_HEADROOM = 1024
_LARGEST_WEIGHT_SUM = float(np.finfo(np.float64).max) / _WEIGHT_SUM_HEADROOM
SMALLEST_WEIGHT_SUM = float(np.finfo(np.float64).tiny) * _WEIGHT_SUM_HEADROOM


def check_weight_sum(sample_weight):
    """Refuse weights whose sum EM's statistics cannot hold to full precision.

    EM keeps its sums in the weights' units: summing to a subnormal number
    (1e-320 a row) they lose their digits (the fit moved by 2e-4 a row, and
    at 5e-324 both components collapsed), where a common factor of the
    weights should change nothing.
    """
    with np.errstate(over="ignore"):  # a sum beyond float64 is named later
        weight_sum = float(np.sum(sample_weight))
    if not 0 < weight_sum < SMALLEST_WEIGHT_SUM:
        return
    where = (
        "below float64's normal range"
        if weight_sum < np.finfo(np.float64).tiny
        else f"within a factor of {SMALLEST_WEIGHT_SUM / np.finfo(float).tiny:.0f} "
        "of float64's smallest normal number"
    )
    raise ValueError(
        f"sample_weight sums to {weight_sum:.3g}, {where}: EM's weighted "
        "sums lose their digits there. Multiply sample_weight by a common "
        "factor (a maximum-likelihood fit does not depend on it; under a "
        "prior it weighs the data against the prior)."
    )


def check_squares_fit(source):
    """Raise a clear error when the data's scatter overflows float64.

    Values beyond about 1e154 in the rows' units (1e19 in float32 data,
    which is fitted in float64) have squares no float can hold: no
    covariance can be estimated from them. Weights that sum near float64's
    maximum (above :data:`_LARGEST_WEIGHT_SUM`) are refused too.
    """
    weight_sum = getattr(source, "weight_sum", None)
    if weight_sum is not None and weight_sum > _LARGEST_WEIGHT_SUM:
        total = (
            f"sums to {weight_sum:.3g}, within a factor of {_WEIGHT_SUM_HEADROOM} "
            "of float64's largest number"
            if np.isfinite(weight_sum)
            else "of total inf overflows float64"
        )
        raise ValueError(
            f"sample_weight {total}: the fit's weighted sums (scatters, "
            "log-likelihood totals) overflow. Divide sample_weight by a common "
            "factor (a maximum-likelihood fit does not depend on it; under a "
            "prior it weighs the data against the prior)."
        )
    scatter = getattr(source, "total_scatter", None)
    if scatter is None or np.all(np.isfinite(scatter)):
        return
    # Streamed and Dask sources found it in their summary pass: their rows
    # are not one array to read here.
    largest = getattr(source, "largest", None)
    if largest is None:
        with np.errstate(invalid="ignore"):
            largest = float(np.nanmax(np.abs(np.asarray(source.X, dtype=np.float64))))
    weights = getattr(source, "sample_weight", None)
    if weights is not None and largest < 1e150:
        # The rows' squares fit: their sum times the weights' size does not.
        with np.errstate(over="ignore"):
            total = float(np.sum(weights))
        raise ValueError(
            f"sample_weight of total {total:.3g} times the squares "
            f"of X (values up to {largest:.3g}) overflows float64, so no covariance "
            "can be estimated. Divide sample_weight by a common factor (the "
            "maximum-likelihood fit does not depend on it) or rescale X."
        )
    raise ValueError(
        f"X has values of magnitude up to {largest:.3g}: their squares overflow "
        "float64, so no covariance can be estimated from them. Rescale X (e.g. "
        "StandardScaler, or divide it by a power of ten)."
    )


def all_rows_identical(source):
    """Whether every row of positive weight is one point (missing entries aside).

    The scatter of identical rows is the rounding of their mean, a few ulps
    of it: only then are the rows read to tell.
    """
    scatter = getattr(source, "total_scatter", None)
    X = getattr(source, "X", None)
    if scatter is None or X is None or not source.weight_sum > 0:
        return False
    variances = np.diag(scatter) / source.weight_sum
    center = np.abs(np.asarray(getattr(source, "center", 0.0), dtype=np.float64))
    # Standard deviations, not variances: (1e-12 x) squared overflows
    # for values beyond 1e166, which identical rows may hold.
    if not np.all(np.sqrt(variances) <= 1e-12 * center):
        return False
    weights = getattr(source, "sample_weight", None)
    highest = lowest = None
    # Block by block: streamed sources (memory maps, h5py, zarr) are read
    # in pages, never whole.
    for rows in row_blocks(X.shape[0], X.shape[1]):
        block = np.asarray(X[rows], dtype=np.float64)
        if weights is not None:
            block = block[np.asarray(weights[rows]) > 0]
        if not block.shape[0]:
            continue
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # a column all NaN
            high, low = np.nanmax(block, axis=0), np.nanmin(block, axis=0)
        highest = high if highest is None else np.fmax(highest, high)
        lowest = low if lowest is None else np.fmin(lowest, low)
        if np.any(highest > lowest):
            return False
    return highest is not None


def varying_without_variance(X, sample_weight, variances):
    """The first feature whose values differ but whose variance is not normal.

    Data in units too small to square (1e-160) have subnormal or zero
    variances although their values differ: no covariance of them keeps its
    precision. ``variances`` are the features'; rows of weight zero count for
    nothing. None when there is no such feature.
    """
    small = np.flatnonzero(~(variances >= np.finfo(np.float64).tiny))
    if not small.size:
        return None
    with np.errstate(invalid="ignore"):
        columns = np.asarray(X[:, small], dtype=np.float64)
        if sample_weight is not None:
            columns = columns[sample_weight > 0]
        varying = np.nanmax(columns, axis=0) > np.nanmin(columns, axis=0)
    return int(small[np.argmax(varying)]) if varying.any() else None


def check_units_square(X, sample_weight, variances, note=""):
    """Refuse data whose varying features have variances below float64's range.

    See :func:`varying_without_variance`; ``note`` adds to the message why
    no covariance can be estimated.
    """
    small = varying_without_variance(X, sample_weight, variances)
    if small is not None:
        raise ValueError(
            f"Feature {small} of X varies but its variance "
            f"({variances[small]:.3g}) underflows float64: the data's units "
            f"are too small to square, so no covariance can be estimated{note}. "
            "Rescale X (e.g. StandardScaler, or multiply it by a power of ten)."
        )


def _weighted_column_sums(X, w):
    return X.sum(axis=0) if w is None else w @ X


def row_blocks(n_rows, row_width, itemsize=8):
    """Slices over ``n_rows`` sized so a ``block x row_width`` array is small.

    The budget is the smaller of the engine's cache-friendly default and
    scikit-learn's ``working_memory`` setting, so
    ``sklearn.config_context(working_memory=...)`` bounds it too.
    """
    budget = min(_BLOCK_BYTES, get_config()["working_memory"] * 2**20)
    return _row_blocks(n_rows, row_width, itemsize, budget)


@functools.lru_cache(maxsize=256)
def _row_blocks(n_rows, row_width, itemsize, budget):
    """:func:`row_blocks` for a budget, as a tuple built once.

    Every E-step asks for the same blocks of the same data.
    """
    rows = max(_MIN_BLOCK_ROWS, int(budget // (itemsize * max(row_width, 1))))
    # Blocks of equal size: a short last block would leave a thread idle.
    n_blocks = max(1, -(-n_rows // rows))
    size = max(_MIN_BLOCK_ROWS, -(-n_rows // n_blocks))
    # scikit-learn's gen_batches, without its per-call parameter validation
    # (which cost a tenth of a small fit's EM iteration).
    return tuple(
        slice(start, min(start + size, n_rows)) for start in range(0, n_rows, size)
    )


def relative_weights(sample_weight, y):
    """``sample_weight`` checked as every ``fit`` checks it, divided by its largest.

    For scores that a common factor of the weights does not change (accuracy,
    R^2): scikit-learn's ``score`` of the mixins took negative weights, and
    weights near 1e308 overflowed its sums into NaN.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative, finite, not all zero.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        The targets scored (only their number of rows is read).

    Returns
    -------
    weights : ndarray of shape (n_samples,) or None
        The weights over their largest, so at most 1 (None if none given).
    """
    if sample_weight is None:
        return None
    weights = _check_sample_weight(
        sample_weight, y, dtype=np.float64, ensure_non_negative=True
    )
    return weights / weights.max()


def check_weight_sum_for_prior(weight_sum):
    """Refuse, under a prior, weights that sum below float64's normal range.

    The MAP objective per unit of weight (the prior's log-density over that
    sum) overflows, and so little weight leaves nothing but the prior to fit.
    """
    if not weight_sum >= np.finfo(np.float64).tiny:
        raise ValueError(
            f"sample_weight sums to {weight_sum:.3g}, below float64's normal "
            "range: under a prior the weights count rows against the prior's "
            "pseudo-rows, and so little weight leaves nothing but the prior to "
            "fit. Scale the weights up (a common factor changes a MAP fit, "
            "unlike a maximum-likelihood one), or leave prior=None."
        )
