"""The terms of mclust's VVV agglomeration criterion and their linear algebra.

A group of weighted size ``l`` and scatter ``W`` contributes
``l log(det(W) / l^d + (tr W + alpha) / l)``; a merge costs the change of
the sum. The determinants of small symmetric matrices, in closed form where
that is cheaper than a LAPACK call, and the ratio ``det(W) / l^d`` where
``l^d`` leaves float64's range (``_hc_merge`` does the bookkeeping).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

__all__ = ["default_alpha"]


# --------------------------------------------------------------------------
# Small batched linear algebra


def _batched_det(A):
    """Determinants of a stack of symmetric positive semi-definite matrices.

    Closed forms for d <= 3 (cheaper than a LAPACK call per matrix), LAPACK
    otherwise; rounding below zero is clipped.
    """
    d = A.shape[-1]
    if d == 1:
        det = A[:, 0, 0].copy()
    elif d == 2:
        det = A[:, 0, 0] * A[:, 1, 1] - A[:, 0, 1] * A[:, 1, 0]
    elif d == 3:
        a, b, c = A[:, 0, 0], A[:, 0, 1], A[:, 0, 2]
        e, f, i = A[:, 1, 1], A[:, 1, 2], A[:, 2, 2]
        det = a * (e * i - f * f) - b * (b * i - f * c) + c * (b * f - e * c)
    else:
        det = np.linalg.det(A)
    return np.maximum(det, 0.0)


def _det_psd(W):
    """Determinant of one symmetric positive semi-definite matrix.

    :func:`_batched_det` on a stack of one, with the same roundings: the
    closed forms on Python floats (a numpy call per product would cost more
    than the arithmetic), LAPACK otherwise.
    """
    d = W.shape[0]
    if d > 3:
        return max(float(np.linalg.det(W)), 0.0)
    A = W.tolist()
    if d == 1:
        det = A[0][0]
    elif d == 2:
        det = A[0][0] * A[1][1] - A[0][1] * A[1][0]
    else:
        (a, b, c), (_, e, f), (_, _, i) = A
        det = a * (e * i - f * f) - b * (b * i - f * c) + c * (b * f - e * c)
    return max(det, 0.0)


def _adjugate_psd(W, det):
    """Adjugate of a symmetric positive semi-definite matrix (also if singular).

    ``det`` is its determinant (zero when it is known to be singular).
    """
    d = W.shape[0]
    if d == 1:
        return np.ones((1, 1))
    if d == 2:
        (w00, w01), (w10, w11) = W.tolist()
        return np.array([[w11, -w01], [-w10, w00]])
    scale = W.trace() / d
    with np.errstate(over="ignore", under="ignore"):
        bound = 1e-8 * scale**d
    if det > bound:
        return det * np.linalg.inv(W)
    values, vectors = np.linalg.eigh(W)
    values = np.maximum(values, 0.0)
    # Product of all eigenvalues but the i-th, without dividing by zero.
    others = np.array([np.prod(np.delete(values, i)) for i in range(d)])
    return (vectors * others) @ vectors.T


def _int_power(x, d):
    """``x ** d`` for a positive integer ``d`` by repeated squaring (faster).

    The result is ``x`` itself when ``d == 1``: not to be modified in place.
    """
    result = None
    base = x
    while d:
        if d & 1:
            result = base if result is None else result * base
        d >>= 1
        if d:
            base = base * base
    return result


def _terms(counts, det, trace, alpha, d):
    """``l * log(det(W) / l**d + (tr W + alpha) / l)`` for arrays of groups.

    At the start every group is one distinct row, of determinant zero.
    """
    with np.errstate(over="ignore", under="ignore"):
        power = counts**d
    ratio, _ = _det_ratios(det, power)
    return counts * np.log(ratio + (trace + alpha) / counts)


def _det_ratio(det, count, d, matrix):
    """``det(W) / l**d`` (the determinant of ``W / l``) for one group.

    As the plain quotient wherever ``l**d`` is a normal float and ``det``
    finite (the same bits as ever); elsewhere (2,000 rows in 100 dimensions,
    rows of weight 1e-120, weights of 1e20) as the determinant of
    ``matrix / l``, the group's scatter. ``matrix`` is None for a group of at
    most ``d`` distinct rows, whose ratio is zero.
    """
    if matrix is None:
        return 0.0
    try:
        power = count**d
    except OverflowError:
        power = math.inf
    if _TINIEST_NORMAL <= power < math.inf and math.isfinite(det):
        return det / power
    return _det_psd(matrix / count)


def _det_ratios(det, power):
    """``det / power`` for arrays of groups, and the mask where ``power`` is not
    a normal float or ``det`` not finite: zero there for a determinant of
    zero, for the caller to compute as ``det(W / l)`` otherwise."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ratio = det / power
    odd = ~((power >= _TINIEST_NORMAL) & (power < np.inf) & np.isfinite(det))
    ratio[odd & (det == 0)] = 0.0
    return ratio, odd


_TINIEST_NORMAL = float(np.finfo(np.float64).tiny)


def default_alpha(Z, counts):
    """mclust's trace regularisation: the mean variance ``tr(W_data) / (n d)``."""
    total = counts.sum()
    centred = Z - counts @ Z / total
    alpha = float(np.sum(counts @ (centred * centred))) / (total * Z.shape[1])
    return max(alpha, np.finfo(np.float64).eps)
