"""The exact form of the distances: residuals in the data's own coordinates.

The form :class:`~gmm_estimators.covariance._exact.PrecisionGuard` falls
back on for the rows whose fast-form values its error estimate does not
clear: the residual ``x - mu_k`` of the rows as given (not centred), in
float64, multiplied by the precision's factor, each row scaled by a power
of two so that nothing overflows before the end. Its error is a few
``d eps`` relative to the distance itself, whatever the distance of the
row from the data (the module docstring of ``_exact``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

__all__ = ["exact_values", "overflow_limit"]

# Rows of the exact form computed at once: (rows, K, d) float64 temporaries.
_EXACT_BLOCK_ENTRIES = 2**18


# Features up to which the exact form loops over them (see _whitened_squares).
_FEATURE_LOOP_MAX = 6


# Binade exponents from which 2^e is not a float (frexp's of values up to
# the largest float reach 1024).
_TOP_EXPONENT = 1024


def _row_magnitudes(rows):
    """``max_j |x_ij|`` of each row (NaN where the row has one).

    Up to :data:`_FEATURE_LOOP_MAX` features a loop over them (numpy's
    reductions over a short last axis cost ten times more); the maximum is
    exact whatever the order.
    """
    d = rows.shape[1]
    if d == 0 or d > _FEATURE_LOOP_MAX:
        return np.abs(rows).max(axis=1, initial=0.0)
    magnitude = np.abs(rows[:, 0])
    for j in range(1, d):
        np.maximum(magnitude, np.abs(rows[:, j]), out=magnitude)
    return magnitude


def _whitened_squares(factors, residuals):
    """``|r P_k|^2`` for residuals ``(K, d, n)`` and factors ``(K, d, d)``: ``(K, n)``.

    Every value is rounded the same way wherever its row sits in the block:
    a matrix product (BLAS) or numpy's reductions (pairwise, or vectorised
    by the array's strides) round a row by its place and by the block's
    size, and a row's density must not depend on which rows share its
    block. Up to :data:`_FEATURE_LOOP_MAX` features, elementwise products
    summed feature by feature (the row axis innermost: long loops); beyond,
    numpy's einsum (``optimize=False``) with the features innermost, whose
    grouping of each row's sum (SIMD lanes) depends on ``d`` alone.
    """
    d = residuals.shape[1]
    if d > _FEATURE_LOOP_MAX:
        by_row = np.ascontiguousarray(residuals.transpose(2, 0, 1))
        whitened = np.einsum("nkd,kde->nke", by_row, factors)
        return np.einsum("nke,nke->nk", whitened, whitened).T
    term = np.empty_like(residuals)
    whitened = np.multiply(factors[:, 0, :, np.newaxis], residuals[:, 0:1, :])
    for j in range(1, d):
        np.multiply(factors[:, j, :, np.newaxis], residuals[:, j : j + 1, :], out=term)
        whitened += term
    squares = whitened[:, 0] * whitened[:, 0]
    for e in range(1, d):
        squares += whitened[:, e] * whitened[:, e]
    return squares


def overflow_limit(scaled_distances, live, floor):
    """Log-densities standing for rows whose every distance overflowed.

    The limit of the responsibilities rests on the nearest components.

    Parameters
    ----------
    scaled_distances : ndarray of shape (n, K)
        The rows' distances in coordinates scaled by a power of two per row
        (their order is the unscaled distances').
    live : ndarray of shape (K,), dtype=bool
        Components that can hold rows (weight above zero).
    floor : float
        :func:`log_density_floor` of the dtype.

    Returns
    -------
    values : ndarray of shape (n, K)
        ``-floor`` at the nearest live components (within ``1e-12``
        relative: ties share), ``-inf`` elsewhere.
    """
    candidates = np.where(live, scaled_distances, np.inf)
    nearest = candidates <= np.min(candidates, axis=1, keepdims=True) * (1.0 + 1e-12)
    return np.where(nearest, -floor, -np.inf)


def exact_values(raw_rows, raw_means, factors, scale, offset, floor):
    """``scale * dist + offset`` from the exact form, float64, shape (n, K).

    Parameters
    ----------
    raw_rows : ndarray of shape (n, d)
        The rows as given (not centred).
    raw_means : ndarray of shape (K, d)
        The means in the same coordinates (float64).
    factors : ndarray of shape (K, d, d)
        The precisions' factors ``P_k`` (``Lambda_k = P_k P_k^T``), float64.
    scale : float
    offset : ndarray of shape (K,)
    floor : float
        ``log_density_floor`` of the dtype the values stand for.

    Returns
    -------
    values : ndarray of shape (n, K)
        Rows whose distances overflow get ``-floor`` (with ``scale < 0``)
        for their nearest components and ``-inf`` for the others.
    """
    raw_rows = np.asarray(raw_rows, dtype=np.float64)
    n, d = raw_rows.shape
    K = raw_means.shape[0]
    out = np.empty((n, K))
    step = max(1, _EXACT_BLOCK_ENTRIES // max(K * d, 1))
    for start in range(0, n, step):
        stop = min(n, start + step)
        out[start:stop] = _values(
            raw_rows[start:stop], raw_means, factors, scale, offset, floor
        )
    return out


def _values(rows, raw_means, factors, scale, offset, floor):
    # Scale each row by a power of two so nothing overflows before the
    # end; scaling commutes with rounding, so the result is unchanged
    # wherever it is representable. The scaling multiplies by powers of
    # two, which is what np.ldexp computes (exact, or correctly rounded
    # below the normal range) at a fraction of its cost.
    with np.errstate(all="ignore"):
        magnitude = _row_magnitudes(rows)
        _, exponents = np.frexp(np.maximum(magnitude, 1.0))
        exponents = exponents.astype(np.int64)
        lowest = int(exponents.min()) if exponents.size else 0
        highest = int(exponents.max()) if exponents.size else 0
        if lowest == highest:
            # Rows of one binade (the common case): one scale for all,
            # the same values as row by row.
            down = math.ldexp(1.0, -lowest)
            scaled_rows = rows * down
            # (K, d, 1): broadcast against the rows' (1, d, n).
            scaled_means = (raw_means * down)[:, :, np.newaxis]
            up = math.ldexp(1.0, lowest) if lowest < _TOP_EXPONENT else None
            dist_exponents = 2 * lowest
        else:
            down = np.ldexp(1.0, -exponents)
            scaled_rows = rows * down[:, np.newaxis]
            # (K, d, n): each row's own scale.
            scaled_means = raw_means[:, :, np.newaxis] * down
            up = None
            if highest < _TOP_EXPONENT:
                up = np.ldexp(1.0, exponents)[:, np.newaxis]
            dist_exponents = 2 * exponents[:, np.newaxis]
        # Feature-major (K, d, n): the row axis innermost, where numpy's
        # loops are long (with d innermost they cost ten times as much).
        residuals = scaled_rows.T[np.newaxis] - scaled_means
        scaled_dist = _whitened_squares(factors, residuals).T
        if up is None:  # a scale of 2^1024 is not a float
            dist = np.ldexp(scaled_dist, dist_exponents)
        else:
            # Scaling up twice by 2^e: exact, or inf where 2^(2e) is.
            dist = scaled_dist * up * up
        values = scale * dist + offset
    if scale < 0:
        # Rows where every distance overflowed: the limit of the
        # responsibilities is carried by -floor at the nearest components.
        finite_offset = np.isfinite(offset)
        if finite_offset.all() and values.min(initial=np.inf) > -floor:
            return values  # no row overflowed (one reduction tells)
        overflow = ~np.any(values[:, finite_offset] > -floor, axis=1)
        overflow &= np.any(finite_offset)
        if overflow.any():
            values[overflow] = overflow_limit(
                scaled_dist[overflow], finite_offset, floor
            )
    return values
