"""Degenerate and spurious components, judged in the data's own terms.

A fitted component is

* **degenerate** (collapsed) when it rests on a set of rows of lower
  dimension than the data: at most ``d`` distinct rows, or rows on a line or
  plane (integer-valued or duplicated data). Its likelihood is unbounded (or
  held only by ``reg_covar`` or by a covariance shared with other
  components), so the fit's criteria mean nothing. The test reads the
  responsibilities, not the fitted covariance;
* **spurious** when, without being singular, it is far narrower than another
  component of the same fit in some direction: the generalised eigenvalues of
  a pair of fitted covariances ``(Sigma_k, Sigma_j)`` fall below
  :data:`SPURIOUS_RATIO`. This is the bound of Hathaway (1985) on the
  eigenvalue ratios across components, the ``restr.fact`` of tclust
  (Garcia-Escudero et al. 2008), used here as a test of the fitted model
  rather than a constraint of the M-step.

Both tests are scale-free: multiplying the data by any constant, or one
feature by a constant, changes no decision, and clusters that are far apart
compared with their own spread are not flagged.

Notes
-----
With ``a_i = w_i r_ik`` (sample weight times responsibility) and
``N_k = sum_i a_i`` the component's weight, the rows are taken in
coordinates ``z`` in which the data have unit variance per feature, with
the constant or collinear directions of the whole data dropped (the
eigenvectors of the data's correlation matrix with eigenvalue above
``1e-10`` times the largest). The component is degenerate when

* ``N_k < 1e-8 sum_i w_i`` (it holds no rows), or
* ``N_k < r + 1``, with ``r <= d`` the dimension of the data's own span
  (fewer rows' worth of responsibility than an ``r``-dimensional covariance
  needs: the soft form of "at most ``d`` distinct rows"; sample weights
  count as frequencies), or
* the rows with the largest ``a_i`` that together carry 99 % of ``N_k``
  span an affine set of lower dimension than the data: there are at most
  ``r`` of them, or the smallest singular value of their weighted, centred
  coordinates is below ``1e-6`` times the largest (found blockwise: a
  histogram of the weights on a grid of ``log10`` steps of ``0.02`` gives
  the 99 % set, a second pass its scatter about the fitted mean).

The test reads where the component's weight *is*, not its covariance, so it
is independent of ``reg_covar`` and of the data's scale: rows on a lattice
line (integer data), a few duplicated rows, or at most ``d`` distinct rows
are found at any scale, while a genuine cluster, however far from the
others and however tight, spans the full dimension.

With a conjugate prior (``bounded=True``) the objective is bounded, and only
the first rule applies.

References
----------
Hathaway, R. J. (1985). A constrained formulation of maximum-likelihood
estimation for normal mixture distributions. The Annals of Statistics,
13(2), 795-800.

Garcia-Escudero, L. A., Gordaliza, A., Matran, C. and Mayo-Iscar, A.
(2008). A general trimming approach to robust cluster analysis. The Annals
of Statistics, 36(3), 1324-1345.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass

import numpy as np
from scipy import linalg

__all__ = ["SPURIOUS_RATIO", "ComponentCheck", "check_blocks", "check_components"]

# Thresholds of the degeneracy test (see the module's Notes).
EMPTY_WEIGHT = 1e-8
RESTING_WEIGHT = 0.99
RANK_RATIO = 1e-6
DATA_RANK_FLOOR = 1e-10

#: A component is spurious when its variance in some direction is below this
#: fraction of another component's variance in the same direction (a
#: standard deviation more than 1000 times smaller).
SPURIOUS_RATIO = 1e-6


@dataclass(frozen=True)
class ComponentCheck:
    """The verdict on each component of one fit.

    Attributes
    ----------
    degenerate : ndarray of int
        Components that rest on a lower-dimensional set of rows.
    spurious : ndarray of int
        Components, not degenerate, far narrower than another component.
    reasons : dict
        ``{component: short explanation}`` for every flagged component.
    """

    degenerate: np.ndarray
    spurious: np.ndarray
    reasons: dict


def _basis(total_scatter, weight_sum):
    """Columns mapping centred rows to the coordinates ``z`` (see Notes)."""
    var = np.diag(total_scatter) / weight_sum
    d = var.shape[0]
    varying = var > 0
    if not varying.any():
        return np.zeros((d, 0))
    scale = np.sqrt(var[varying])
    sub = total_scatter[np.ix_(varying, varying)] / weight_sum
    corr = sub / np.outer(scale, scale)
    eigenvalues, vectors = linalg.eigh(corr)
    keep = eigenvalues > DATA_RANK_FLOOR * eigenvalues[-1]
    basis = np.zeros((d, int(keep.sum())))
    basis[varying] = vectors[:, keep] / scale[:, None]
    return basis


# Histogram of log10 weights (see _resting_floor): bins of 0.02 from 1e-320.
_LOG_LOW, _LOG_STEP = -320.0, 0.02
_LOG_BINS = _LOG_LOW + _LOG_STEP * np.arange(int(-_LOG_LOW / _LOG_STEP) + 1)


def _resting_floor(histogram, n_k):
    """Per component, the smallest weight ``a`` of a row in its resting set.

    ``histogram[k, b]`` holds the weight ``a_i`` of the rows whose ``log10 a_i``
    falls in bin ``b``; the floor is the lower edge of the bin where the
    weight counted from the top reaches ``RESTING_WEIGHT N_k``.
    """
    from_top = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1]
    floors = np.empty(histogram.shape[0])
    for k in range(histogram.shape[0]):
        reached = np.flatnonzero(from_top[k] >= RESTING_WEIGHT * n_k[k])
        b = reached[-1] if reached.size else 0
        floors[k] = 10.0 ** _LOG_BINS[b]
    return floors


def check_components(X, sample_weight, resp, covariances_full, *, bounded=False):
    """Degenerate and spurious components of a fit, from arrays.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data.
    sample_weight : ndarray of shape (n_samples,) or None
    resp : ndarray of shape (n_samples, n_components)
        The fit's responsibilities of the rows (they sum to one per row).
    covariances_full : ndarray of shape (n_components, n_features, n_features)
        The fitted covariances as full matrices.
    bounded : bool, default=False
        Whether the fit's objective is bounded (a MAP fit under a conjugate
        prior, whose scale keeps every covariance away from zero). Then only
        empty components are degenerate: a component on a few rows or on a
        lattice line is what the prior is there to allow.

    Returns
    -------
    check : ComponentCheck
    """
    X = np.asarray(X, dtype=np.float64)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    weight_sum = float(X.shape[0] if w is None else w.sum())
    center = (X.sum(axis=0) if w is None else w @ X) / weight_sum
    Xc = X - center
    total_scatter = (Xc if w is None else Xc * w[:, None]).T @ Xc
    a = resp if w is None else resp * w[:, None]
    means = (a.T @ Xc) / np.maximum(a.sum(axis=0), 1e-300)[:, None]
    return check_blocks(
        lambda: [(Xc, w, resp)],
        total_scatter,
        weight_sum,
        means,
        covariances_full,
        bounded=bounded,
    )


def check_blocks(
    blocks, total_scatter, weight_sum, means, covariances_full, *, bounded=False
):
    """Degenerate and spurious components from blocks of rows (two passes).

    Parameters
    ----------
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` for every block of rows: the rows
        centred on the data's mean (float64), their sample weights (or None)
        and their responsibilities. It is called twice; memory stays that of
        a block.
    total_scatter : ndarray of shape (n_features, n_features)
        ``sum_i w_i (x_i - mean)(x_i - mean)^T``.
    weight_sum : float
    means : ndarray of shape (n_components, n_features)
        The fitted means, centred as the rows.
    covariances_full : ndarray of shape (n_components, n_features, n_features)
    bounded : bool, default=False
        See :func:`check_components`.

    Returns
    -------
    check : ComponentCheck
    """
    basis = _basis(np.asarray(total_scatter, np.float64), weight_sum)
    r = basis.shape[1]
    n_components = means.shape[0]
    shift = np.asarray(means, np.float64) @ basis
    n_k = np.zeros(n_components)
    histogram = np.zeros((n_components, _LOG_BINS.shape[0]))
    for _, w, resp in blocks():
        a = np.asarray(resp, np.float64)
        if w is not None:
            a = a * w[:, None]
        n_k += a.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            position = (np.log10(a) - _LOG_LOW) / _LOG_STEP
        bins = np.clip(np.nan_to_num(position, neginf=0.0), 0, _LOG_BINS.size - 1)
        # One bincount for all components: bin b of component k at k * nbins + b.
        flat = bins.astype(np.intp) + _LOG_BINS.size * np.arange(n_components)
        histogram += np.bincount(
            flat.ravel(), weights=a.ravel(), minlength=histogram.size
        ).reshape(histogram.shape)
    reasons = {}
    for k in range(n_components):
        if n_k[k] < EMPTY_WEIGHT * weight_sum:
            reasons[k] = f"it holds a weight of {n_k[k]:.2g} rows"
        elif not bounded and r and n_k[k] < r + 1:
            reasons[k] = (
                f"it holds {n_k[k]:.3g} rows' worth of responsibility, fewer "
                f"than the {r + 1} that a covariance in {r} dimensions needs"
            )
    pending = [k for k in range(n_components) if k not in reasons]
    if not bounded and r and pending:
        floors = _resting_floor(histogram, n_k)
        counts = np.zeros(n_components, dtype=np.int64)
        mass = np.zeros(n_components)
        first = np.zeros((n_components, r))
        second = np.zeros((n_components, r, r))
        for Xc, w, resp in blocks():
            a = np.asarray(resp, np.float64)
            if w is not None:
                a = a * w[:, None]
            Z = Xc @ basis
            for k in pending:
                rows = a[:, k] >= floors[k]
                if not rows.any():
                    continue
                D = Z[rows] - shift[k]
                ak = a[rows, k]
                counts[k] += D.shape[0]
                mass[k] += ak.sum()
                first[k] += ak @ D
                second[k] += (D * ak[:, None]).T @ D
        for k in pending:
            if counts[k] <= r:
                ratio = 0.0
            else:
                delta = first[k] / mass[k]
                scatter = second[k] / mass[k] - np.outer(delta, delta)
                eigenvalues = linalg.eigvalsh(scatter)
                top = eigenvalues[-1]
                ratio = np.sqrt(max(eigenvalues[0], 0.0) / top) if top > 0 else 0.0
            if ratio < RANK_RATIO:
                reasons[k] = (
                    f"{100 * RESTING_WEIGHT:g} % of its weight rests on "
                    f"{counts[k]} row(s) that lie on a lower-dimensional set (a "
                    f"point, line or plane; relative spread {ratio:.2g})"
                )
    degenerate = np.array(sorted(reasons), dtype=np.intp)
    spurious = []
    full = np.asarray(covariances_full, dtype=np.float64)
    sound = [k for k in range(full.shape[0]) if k not in reasons]
    for k in sound:
        ratios = []
        for j in sound:
            if j == k:
                continue
            try:
                ratios.append(linalg.eigh(full[k], full[j], eigvals_only=True)[0])
            except (linalg.LinAlgError, ValueError):
                continue
        if ratios and min(ratios) < SPURIOUS_RATIO:
            spurious.append(k)
            reasons[k] = (
                f"its variance in one direction is {min(ratios):.2g} times another "
                "component's (a spurious, far too narrow component)"
            )
    return ComponentCheck(degenerate, np.array(spurious, dtype=np.intp), reasons)
