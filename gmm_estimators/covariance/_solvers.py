"""Closed forms and inner iterations of the constrained mclust M-steps."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import lru_cache

import numpy as np
from scipy import linalg

from ._linalg import (
    _JITTER_RUNGS,
    _borrowed_scale,
    all_finite,
    all_true,
    cholesky,
    eigh,
    einsum,
)

# --------------------------------------------------------------------------
# The constrained mclust structures (Celeux and Govaert 1995)
#
# Every structure below minimises, over its constrained family, the covariance
# part of the expected complete-data negative log-likelihood (times two),
#
#     f = sum_k [ n_k log|Sigma_k| + tr(Sigma_k^-1 W_k) ],
#
# where W_k is the weighted scatter of component k about its mean.
#
# Regularisation: ``reg_covar`` is applied as ``n_k * reg_covar`` added to the
# diagonal of each component's scatter *before* the constrained estimate (for
# a pooled scatter, ``n * reg_covar``). For every estimate that is linear in
# the scatter (VVV, EEE, VVI, VII, EII, EEI, EEV, E, V) that is exactly
# scikit-learn's "add reg_covar to the diagonal of the result"; for the others
# adding a multiple of the identity afterwards would break the constraint (a
# common shape or orientation is not preserved by it), whereas regularising the
# scatter keeps the fitted covariances exactly inside their family and still
# positive definite. The structures that divide by the scatter or take its
# logarithm (VEI, EVI, VEE, EVE, VVE, VEV, EVV) also add a floor of 1e-15 of
# the pooled variance, so that with ``reg_covar=0`` a component on identical
# rows stays finite and is flagged as collapsed instead of producing NaN.

# Inner iterations of the M-steps without closed form (VEI, VEE, EVE, VVE,
# VEV) stop when the objective ``f`` changes by less than ``_INNER_TOL``
# relative to ``max(|f - f_units|, n d)`` (``f_units``: ``_units_offset``,
# so that the rule reads the same in any units; ``n d`` is the size of
# ``f`` near its optimum and keeps the test meaningful near zero), or after
# ``_INNER_MAX_ITER`` iterations. Each iteration is an exact minimisation over
# one block of parameters, so ``f`` never increases: stopping early still
# gives a generalised EM step.
_INNER_TOL = 1e-10
_INNER_MAX_ITER = 100
_TINY = np.finfo(np.float64).tiny
_EPS = np.finfo(np.float64).eps

# The M-steps below run thousands of times per model search on small data,
# where numpy's per-call overhead, not arithmetic, is the cost. Hence
# ``_add`` (``np.add.reduce``: what ``np.sum`` calls, without its Python
# wrapper; the same reduction, so the same bits), array methods rather than
# their ``np.`` wrappers, and constants built once per ``d``.
_add = np.add.reduce


@lru_cache(maxsize=32)
def _identity(d):
    """``np.eye(d)``, built once (read-only: callers copy it to modify it)."""
    identity = np.eye(d)
    identity.flags.writeable = False
    return identity


def _regularized_diagonal(nk, scatter, reg_covar):
    """``diag(W_k) + n_k reg_covar``, floored (see :func:`_floor_diagonal`)."""
    return _floor_diagonal(nk, scatter + reg_covar * nk[:, np.newaxis])


def _regularized_matrices(nk, scatter, reg_covar):
    """``W_k + n_k reg_covar I``, floored (see :func:`_floor_matrices`)."""
    # _add_to_diagonal copies; the floor may then work on that copy in place.
    return _floor_matrices(nk, _add_to_diagonal(scatter, reg_covar * nk), copy=False)


def _floor_diagonal(nk, values):
    """Diagonal scatter (K, d) with ``n_k * 1e-15 * s_j`` added.

    ``s_j`` is feature j's pooled within-component variance. With
    ``reg_covar=0`` a component on identical rows has zero scatter, which the
    constrained estimates cannot divide by or take the log of; this floor,
    below float64 resolution of each feature's own scale (per feature, so
    that features in very different units are not disturbed), keeps the
    estimate finite and lets the engine flag the component as collapsed.
    """
    values = np.maximum(values, 0.0)
    return values + _floors(nk, values)


def _floors(nk, diagonals):
    """``n_k * 1e-15 * s_j`` (K, d), ``s_j`` pooled from the ``diagonals`` (K, d)."""
    pooled = diagonals.sum(axis=0) / nk.sum()
    # Usually every feature has pooled variance: nothing to replace (one
    # reduction instead of three calls on every M-step; NaN fails it too).
    if not pooled.min() > 0:
        pooled = np.where(pooled > 0, pooled, _borrowed_scale(pooled, pooled.size))
    return _JITTER_RUNGS[0] * nk[:, np.newaxis] * pooled


def _floor_matrices(nk, scatter, copy=True):
    """Scatter (K, d, d) with ``n_k * 1e-15 * s_j`` on the diagonal.

    ``s_j`` is feature j's pooled within-component variance; see
    :func:`_floor_diagonal` for why (per feature: averaged over the features,
    a sentinel 1e10 in one of them added 250 to variances near 5). With
    ``copy=False`` the floor is added to ``scatter`` itself (a float64 array
    the caller owns).
    """
    floored = np.array(scatter, dtype=np.float64, copy=copy)
    diagonal = _diagonals(floored)
    diagonal += _floors(nk, diagonal)
    return _symmetric(floored)


def _geometric_mean(values):
    """``prod(values) ** (1 / d)`` over the last axis, for positive values."""
    return _geometric_mean_floored(np.maximum(values, _TINY))


def _geometric_mean_floored(values):
    """:func:`_geometric_mean` of values already floored at ``_TINY``."""
    # The sum divided by the count is exactly what np.mean computes.
    return np.exp(_add(np.log(values), axis=-1) / values.shape[-1])


def _unit_det_diagonal(values):
    """A positive vector scaled to product one (a diagonal shape ``A``)."""
    values = np.maximum(values, _TINY)
    return values / _geometric_mean_floored(values)


def _log_det_spd(matrices):
    """``log|M_k|`` of a stack of symmetric positive semi-definite matrices.

    Cholesky where possible (insensitive to the scaling of the features);
    a singular matrix (``reg_covar=0`` with a degenerate component) has its
    eigenvalues floored at float64 resolution so that the result stays finite
    and the engine can flag the component.
    """
    try:
        # All at once: the same factorisation of each matrix as one by one.
        chol = cholesky(matrices)
    except np.linalg.LinAlgError:
        pass
    else:
        return 2.0 * _add(np.log(chol.diagonal(axis1=1, axis2=2)), axis=1)
    log_det = np.empty(matrices.shape[0])
    for k, matrix in enumerate(matrices):
        try:
            log_det[k] = 2.0 * np.sum(np.log(np.diag(np.linalg.cholesky(matrix))))
        except np.linalg.LinAlgError:
            values = np.linalg.eigvalsh(matrix)
            floor = max(values[-1] * _EPS, _TINY)
            log_det[k] = np.sum(np.log(np.maximum(values, floor)))
    return log_det


def _unit_det_matrix(matrix):
    """``(C, inv(C), log|C|)`` for ``C = M / |M|^(1/d)``, ``M`` symmetric PSD."""
    d = matrix.shape[-1]
    try:
        chol = cholesky(matrix)
    except np.linalg.LinAlgError:
        values, vectors = eigh(matrix)
        values = np.maximum(values, max(values[-1] * _EPS, _TINY))
        values = values / _geometric_mean(values)
        return (
            (vectors * values) @ vectors.T,
            (vectors / values) @ vectors.T,
            float(np.sum(np.log(values))),
        )
    factor = np.exp(2.0 * _add(np.log(chol.diagonal())) / d)
    inv_chol = _inverse_lower(chol)
    return matrix / factor, factor * (inv_chol.T @ inv_chol), 0.0


_trtrs = linalg.get_lapack_funcs("trtrs", (np.empty((1, 1)),))


def _inverse_lower(chol):
    """``inv(L)`` of a lower-triangular float64 Cholesky factor ``L`` (d, d).

    Exactly ``scipy.linalg.solve_triangular(L, np.eye(d), lower=True)``: the
    same LAPACK call (``trtrs``, on ``L.T`` unless ``L`` is Fortran-ordered)
    without its validation, whose cost dominates at this size. Should
    ``chol`` not be finite (the validation would raise) or ``trtrs`` fail,
    scipy is called instead so that its error is the one raised.
    """
    identity = _identity(chol.shape[-1])
    if all_finite(chol):
        if chol.flags.f_contiguous:
            inverse, info = _trtrs(chol, identity, lower=True, trans=0)
        else:
            inverse, info = _trtrs(chol.T, identity, lower=False, trans=1)
        if info == 0:
            return inverse
    return linalg.solve_triangular(chol, identity, lower=True)


def _diagonal_objective(nk, values, variances):
    """``f`` for covariances that are diagonal in the basis where W_k has diagonal
    ``values`` (its own axes, eigenvectors, or a common orientation)."""
    return float(
        _add(nk * _add(np.log(variances), axis=1), axis=0)
        + _add(values / variances, axis=None)
    )


def _diagonal_objectives(nk, values, variances):
    """:func:`_diagonal_objective` of stacks ``(S, K, d)``: an array ``(S,)``.

    Each is the same sums over the same contiguous entries as alone (the
    ratios are a fresh C-ordered array, so each stack's ``K d`` of them are
    one row), hence the same bits.
    """
    logs = _add(nk * _add(np.log(variances), axis=-1), axis=-1)
    ratios = values / variances
    return logs + _add(ratios.reshape(ratios.shape[0], -1), axis=-1)


def _units_offset(nk, pooled_variances):
    """``n sum_j log s_j``: the log-determinant part of ``f`` in the data's units.

    ``f`` carries ``sum_k n_k log|Sigma_k|``, which moves by ``n sum_j log
    c_j^2`` when feature ``j`` is multiplied by ``c_j``; measured from this
    offset (``s_j`` the pooled within-component variance of feature ``j``,
    ``pooled_variances`` the diagonal of ``sum_k W_k``) it does not, so a
    relative stopping rule on it is the same in any units. Features
    without variance are left out.
    """
    n = float(nk.sum())
    if not n > 0:
        return 0.0
    variances = np.asarray(pooled_variances, dtype=np.float64) / n
    usable = variances[np.isfinite(variances) & (variances > 0)]
    return n * float(np.log(usable).sum())


def _small_change(previous, current, scale, tol, offset=0.0):
    """Whether ``f`` moved by at most ``tol`` relative to its size (or ``scale``).

    Its size is measured from ``offset`` (:func:`_units_offset`): the rule
    then stops after the same iterations whatever the data's units.
    """
    return abs(previous - current) <= tol * max(abs(current - offset), scale)


def _symmetric(matrices):
    return 0.5 * (matrices + matrices.swapaxes(-1, -2))


def _add_to_diagonal(matrices, values, copy=True):
    """``M_k + values_k I`` for a stack (values of shape (K,)) or one matrix.

    Returns a new float64 array, or with ``copy=False`` adds to ``matrices``
    itself (which must then be a float64 array).
    """
    matrices = np.array(matrices, dtype=np.float64, copy=copy)
    diagonal = _diagonals(matrices)
    if matrices.ndim == 3:
        diagonal += np.asarray(values)[:, np.newaxis]
    else:
        diagonal += values
    return matrices


def _diagonals(matrices):
    """A writeable view of the diagonals of a stack of matrices (or one)."""
    d = matrices.shape[-1]
    if matrices.flags.c_contiguous:
        # Every (d + 1)-th entry of a flattened matrix is on its diagonal:
        # a view, cheaper than indexing with two index arrays or einsum.
        return matrices.reshape(*matrices.shape[:-2], d * d)[..., :: d + 1]
    return einsum("...ii->...i", matrices)  # a writeable view too


def _rotate(vectors, variances):
    """``D_k diag(variances_k) D_k^T`` for one ``D`` (d, d) or a stack (K, d, d)."""
    if vectors.ndim == 2:
        return _symmetric(einsum("ij,kj,lj->kil", vectors, variances, vectors))
    return _symmetric(einsum("kij,kj,klj->kil", vectors, variances, vectors))


# Eigenvalues of one W_k closer than this (relative to its own largest, or
# to the largest of any component for an empty one) are tied; see
# _eigh_reproducible. Far above the rounding of accumulated scatter (about
# 1e-15 relative), far below any gap that sampling produces, and far below
# the variance ratio of a collapsed component (1e-6).
_TIE_RTOL = 1e-11

# A component holding more than this share of the weight has a W_k of its
# own scale (see _eigh_reproducible); below it, rounding noise.
_HELD_WEIGHT = 1e-8
# Eigenvalues closer than this relative to the largest of any component are
# tied in every W_k: a hundred times the rounding of sums of a few hundred
# terms.
_ROUNDING_RTOL = 1e-13


# A W_k whose smallest diagonal entry is below this times its largest is
# graded: eigh's error (eps times the largest eigenvalue) would exceed 1e-8
# of its small eigenvalues, which the Jacobi SVD of its Cholesky factor gets
# to their own relative precision (Demmel and Veselic, 1992).
_GRADED_RATIO = 1e-8


def _graded_components(scatter):
    """Components whose ``W_k`` is graded (see :data:`_GRADED_RATIO`).

    A diagonal entry at the rounding of its feature's scatter summed over the
    components (``eps^2`` of it) is a feature constant in the component, as
    an entry of zero is, not a small variance: such a ``W_k`` is singular,
    not graded. (Whether that rounding came out zero or 1e-46 changed with
    the data's units, and with it how EEV's ties were read.)
    """
    diagonal = scatter.diagonal(axis1=-2, axis2=-1)
    smallest, largest = diagonal.min(axis=-1), diagonal.max(axis=-1)
    floor = _EPS * _EPS * diagonal.sum(axis=0)
    with np.errstate(invalid="ignore"):
        graded = smallest < _GRADED_RATIO * largest
        above_rounding = np.all(diagonal > floor, axis=-1)
    return np.flatnonzero(graded & above_rounding)


def _graded_eigh(matrix):
    """Eigenvalues (ascending) and vectors of a graded positive definite matrix.

    ``W = L L^T``; the one-sided Jacobi SVD of ``L^T = U S V^T`` (LAPACK's
    ``dgejsv``) gives ``W = V S^2 V^T`` with every eigenvalue to its own
    relative precision where ``W`` is well conditioned once its rows and
    columns are scaled (a sentinel 1e15 in one feature beside values near
    one): ``eigh`` loses its small eigenvalues in the rounding of the
    largest. None when ``W`` cannot be factorised.
    """
    try:
        factor = cholesky(matrix)
    except np.linalg.LinAlgError:
        return None
    # joba=0 ("C"): every singular value to its relative precision (the
    # default "A" sets those below n eps ||L|| to zero: a sentinel 1e17
    # beside values near 0.01 got eigenvalues 0); jobu=3: no left vectors.
    singular, _, right, work, _, info = linalg.lapack.dgejsv(factor.T, joba=0, jobu=3)
    if info != 0 or not np.all(np.isfinite(right)) or not np.all(singular > 0):
        return None
    accurate = (singular * (work[0] / work[1])) ** 2
    order = np.argsort(accurate, kind="stable")
    return accurate[order], np.ascontiguousarray(right[:, order])


def _eigh_reproducible(scatter, nk, ties="pooled"):
    """Eigen-decomposition of each ``W_k``, ascending, with a reproducible basis.

    When ``W_k`` has tied eigenvalues (fewer distinct rows than features, or
    duplicated rows: its null space is tied at ``n_k reg_covar``), EEV's and
    VEV's maximiser is not unique: any rotation within the tied eigenspace
    gives the same objective but a different covariance, so rounding alone
    (the order of a sum) would change the fit. Within each block of tied
    eigenvalues the basis is therefore rotated to diagonalise the pooled
    scatter restricted to it (ascending), which leaves the objective unchanged,
    is equivariant under rotations of the data, and puts the larger
    common-shape variances where the other components spread most.
    ``nk`` (the components' weights) lets the ties of a component that
    holds weight be read against its own largest eigenvalue.
    ``ties`` chooses among the equally valid maximisers, whose EM paths may
    end in other basins (see ``CovarianceModel.other_ties`` and
    ``mclust_path``):
    ``"pooled"`` as above; ``"pooled_descending"`` orders each tied basis
    the other way, the larger common-shape variances where the other
    components spread least; ``"axes"`` takes the coordinate axes nearest the
    tied eigenspace (:func:`_nearest_axes`), the larger variances on the
    earlier features, as mclust's SVD leaves the null space of a component
    on one distinct row.
    """
    values, vectors = eigh(scatter)
    # Graded where the Jacobi SVD holds. A W_k whose small diagonal entries
    # are the rounding of a feature constant in the component (about 1e-47
    # of its largest) is no factorisable matrix: read as graded, its ties
    # were read against that rounding, and whether a residue came out zero
    # (not graded) or positive decided them, which a change of units did
    # (EEV on counts: the cell 39 BIC units apart at X * 1e-3).
    graded = []
    for k in _graded_components(scatter):
        accurate = _graded_eigh(scatter[k])
        if accurate is not None:
            values[k], vectors[k] = accurate
            graded.append(k)
    graded = np.array(graded, dtype=np.intp)
    # Relative to the largest scatter of all components for an empty
    # component, whose W_k is rounding noise, all of it tied at zero. A
    # component that holds weight has its W_k summed about its own mean,
    # exact to its own scale: read against the largest of all, a cluster
    # 1e6 of its own deviations from another had its three distinct
    # eigenvalues (14, 30, 35 beside 3e13) tied, and its axes turned to
    # the pooled scatter's. A graded W_k's ties are read relative to each
    # eigenvalue.
    largest = np.abs(values).max(axis=1, initial=0.0)
    ordinary = np.ones(values.shape[0], dtype=bool)
    ordinary[graded] = False
    scale = max(largest[ordinary].max(initial=0.0), _TINY)
    tol = np.full((values.shape[0], max(values.shape[1] - 1, 0)), _TIE_RTOL * scale)
    nk = np.asarray(nk, dtype=np.float64)
    held = ordinary & (nk > _HELD_WEIGHT * nk.sum())
    # Its own scale, or the rounding of sums at the largest scale (a W_k
    # accumulated from moments about the data's mean, or weighted rows
    # against repeated ones), whichever is larger. Not finer: the null
    # space of a component on a plane 300 units from the data's centre
    # rounds to 2e-11 of its largest eigenvalue, and untied at 1e-13 its
    # axes, and densities off the plane, changed with the rows' order. (So
    # rows 1e-6 of their spread off a tilted line, whose small eigenvalues
    # are distinct but 1e-13 apart, are read as tied: their EEV and VEV fits
    # depend on the line's orientation by up to 8 BIC units.)
    own = np.maximum(_TIE_RTOL * largest[held], _ROUNDING_RTOL * scale)
    tol[held] = own[:, np.newaxis]
    tol[graded] = _TIE_RTOL * np.abs(values[graded, 1:])
    # np.diff's own subtraction, without its Python wrapper.
    gaps = (values[:, 1:] - values[:, :-1]) > tol
    # Usually no component has a tie: then there is nothing to rotate.
    if all_true(gaps):
        return values, vectors
    tied = np.flatnonzero(~gaps.all(axis=1))
    reference = scatter.sum(axis=0)
    for k in tied:
        starts = np.flatnonzero(gaps[k]) + 1
        for block in np.split(np.arange(values.shape[1]), starts):
            if block.size > 1:
                basis = vectors[k][:, block]
                if ties == "axes":
                    # Ascending: the first axis gets the block's largest value.
                    vectors[k][:, block] = _nearest_axes(basis)[:, ::-1]
                    continue
                _, rotation = np.linalg.eigh(basis.T @ reference @ basis)
                if ties == "pooled_descending":
                    rotation = rotation[:, ::-1]
                vectors[k][:, block] = basis @ rotation
    return values, vectors


#: Projections of coordinate axes this close in length are tied: the
#: earlier feature comes first (the rows of an orthonormal basis of the
#: whole space have lengths one to rounding, not exactly).
_AXIS_TIE_RTOL = 1e-8


def _nearest_axes(basis):
    """An orthonormal basis of ``span(basis)`` built from the coordinate axes.

    Greedy Gram-Schmidt: the axis whose projection on what is left of the
    subspace is longest (the earlier feature among equal ones), normalised,
    then the rest of the subspace orthogonal to it, and so on. On the whole
    space it is the identity; on a tied eigenspace it is mclust's choice
    where the eigenspace is the null space of a component on one distinct
    row (``dgesvd`` of a zero matrix), and the axes' nearest otherwise.
    Columns in the order chosen.
    """
    coefficients = np.array(basis, dtype=np.float64)  # row j: e_j's projection
    chosen = []
    for _ in range(basis.shape[1]):
        lengths = np.sqrt(einsum("ij,ij->i", coefficients, coefficients))
        axis = int(np.argmax(lengths >= lengths.max() * (1.0 - _AXIS_TIE_RTOL)))
        direction = coefficients[axis] / lengths[axis]
        chosen.append(direction)
        coefficients -= np.outer(coefficients @ direction, direction)
    return basis @ np.column_stack(chosen)


def _common_shape_volumes(nk, values, tol, max_iter):
    """Volumes and one shape minimising ``f`` for ``Sigma_k = lambda_k A``.

    ``values`` (K, d) are the diagonals of the W_k in the basis where the
    covariances are diagonal: the features (VEI) or each component's
    eigenvectors (VEV). Alternates the two exact block minimisations
    ``A = diag(sum_k W_k / lambda_k)`` scaled to determinant one and
    ``lambda_k = tr(W_k A^-1) / (d n_k)``, from the shape of the summed
    ``W_k`` (mclust's start for VEV): equivariant, so the result moves with
    a feature's units (from the spherical start it agreed to about 1e-6).

    Returns
    -------
    volumes : ndarray of shape (K,)
    shape : ndarray of shape (d,), product one
    trace : list of float
        ``f`` at the start and after every iteration; never increasing.
    """
    d = values.shape[1]
    values = np.maximum(values, 0.0)
    scale = float(nk.sum()) * d
    offset = _units_offset(nk, _add(values, axis=0))
    d_nk = d * nk
    shape = _unit_det_diagonal(_add(values, axis=0))
    volumes = np.maximum((values / shape).sum(axis=1) / d_nk, _TINY)
    column = volumes[:, np.newaxis]
    trace = [_diagonal_objective(nk, values, column * shape)]
    for _ in range(max_iter):
        shape = _unit_det_diagonal(_add(values / column, axis=0))
        volumes = np.maximum((values / shape).sum(axis=1) / d_nk, _TINY)
        column = volumes[:, np.newaxis]
        trace.append(_diagonal_objective(nk, values, column * shape))
        if _small_change(trace[-2], trace[-1], scale, tol, offset):
            break
    return volumes, shape, trace


def _vei_m_step(
    nk, scatter, tol=_INNER_TOL, max_iter=_INNER_MAX_ITER, return_trace=False
):
    """VEI covariances ``lambda_k A`` (K, d) from diagonal scatter (K, d).

    See :func:`_common_shape_volumes`. With ``return_trace`` also returns the
    objective after each inner iteration.
    """
    volumes, shape, trace = _common_shape_volumes(nk, scatter, tol, max_iter)
    covariances = volumes[:, np.newaxis] * shape
    return (covariances, trace) if return_trace else covariances


def _vev_m_step(
    nk,
    scatter,
    tol=_INNER_TOL,
    max_iter=_INNER_MAX_ITER,
    return_trace=False,
    ties="pooled",
):
    """VEV covariances ``lambda_k D_k A D_k^T`` (K, d, d) from scatter (K, d, d).

    ``D_k`` are the eigenvectors of ``W_k``, eigenvalues in the same (ascending)
    order for every component: pairing the largest eigenvalue of each ``W_k``
    with the largest of the common ``A`` is what minimises ``f`` for a given
    ``A`` (von Neumann's trace inequality), and the updates keep ``A`` in that
    order. Volumes and shape then come from the eigenvalues as for VEI.
    ``ties``: see :func:`_eigh_reproducible`.
    """
    eigenvalues, eigenvectors = _eigh_reproducible(_symmetric(scatter), nk, ties)
    volumes, shape, trace = _common_shape_volumes(nk, eigenvalues, tol, max_iter)
    covariances = _rotate(eigenvectors, volumes[:, np.newaxis] * shape)
    return (covariances, trace) if return_trace else covariances


def _vee_traces(shape_inv, scatter):
    """``tr(C^-1 W_k)`` for every component."""
    return einsum("ij,kji->k", shape_inv, scatter)


def _vee_objective(nk, d, traces, volumes, shape_log_det):
    """``f`` for ``Sigma_k = lambda_k C``, given ``traces`` ``tr(C^-1 W_k)``."""
    value = _add(nk * (d * np.log(volumes) + shape_log_det))
    return float(value + _add(traces / volumes))


def _vee_m_step(
    nk, scatter, tol=_INNER_TOL, max_iter=_INNER_MAX_ITER, return_trace=False
):
    """VEE covariances ``lambda_k C`` (K, d, d), ``|C| = 1``, from scatter (K, d, d).

    Alternates the exact block minimisations ``C = sum_k W_k / lambda_k``
    scaled to determinant one and ``lambda_k = tr(W_k C^-1) / (d n_k)``, from
    the summed ``W_k`` scaled to determinant one: equivariant under any
    change of the features' units or axes (from ``C = I`` the result agreed
    to about 1e-6 after one feature was rescaled).
    """
    d = scatter.shape[-1]
    scatter = _symmetric(scatter)
    scale = float(nk.sum()) * d
    offset = _units_offset(nk, np.diagonal(_add(scatter, axis=0)))
    d_nk = d * nk
    # The traces depend on C only, not on the volumes: computed once per C,
    # they serve both the volumes' update and the objective.
    shape, shape_inv, log_det = _unit_det_matrix(_add(scatter, axis=0))
    traces = _vee_traces(shape_inv, scatter)
    volumes = np.maximum(traces / d_nk, _TINY)
    trace = [_vee_objective(nk, d, traces, volumes, log_det)]
    for _ in range(max_iter):
        shape, shape_inv, log_det = _unit_det_matrix(
            _add(scatter / volumes[:, np.newaxis, np.newaxis], axis=0)
        )
        traces = _vee_traces(shape_inv, scatter)
        volumes = np.maximum(traces / d_nk, _TINY)
        trace.append(_vee_objective(nk, d, traces, volumes, log_det))
        if _small_change(trace[-2], trace[-1], scale, tol, offset):
            break
    covariances = _symmetric(volumes[:, np.newaxis, np.newaxis] * shape)
    return (covariances, trace) if return_trace else covariances
