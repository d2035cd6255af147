"""The data's standardised coordinates and its own span in them.

The degenerate-fit test (``_degenerate``) reads rows in coordinates where
every varying feature has unit variance, within the span of the data's
correlation matrix (its eigenvectors of eigenvalue above
:data:`DATA_RANK_FLOOR` times the largest); the thorough search's
regularisation unit reads the same span (:func:`thinnest_correlation`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
import functools

import numpy as np
import scipy.linalg

from ._engine._data import ArraySource, check_units_square, reg_covar_swamps
from ._prior import resolve_prior
from .covariance import get_covariance_model
from .covariance._priors import prior_form_of

__all__ = [
    "DATA_RANK_FLOOR",
    "coordinates",
    "data_rank",
    "data_warning",
    "rows_span",
    "rows_thinnest_correlation",
    "thinnest_correlation",
]

#: Correlation eigenvalues at most this times the largest are outside the
#: data's span (collinear or constant directions of the whole data).
DATA_RANK_FLOOR = 1e-10


def coordinates(total_scatter, weight_sum):
    """Standardised coordinates of the rows and the data's own span in them.

    Returns ``(varying, scale, rotation)``: the features that vary, their
    standard deviations, and the orthonormal eigenvectors of the data's
    correlation matrix whose eigenvalue is above ``DATA_RANK_FLOOR`` times the
    largest (collinear or constant directions of the whole data dropped).
    They depend on the data alone: a search judges hundreds of fits of the
    same data, so they are kept for the last few (read-only arrays).
    """
    total_scatter = np.ascontiguousarray(total_scatter, dtype=np.float64)
    return _coordinates_of(
        total_scatter.tobytes(), total_scatter.shape, float(weight_sum)
    )


@functools.lru_cache(maxsize=8)
def _coordinates_of(scatter_bytes, shape, weight_sum):
    total_scatter = np.frombuffer(scatter_bytes, dtype=np.float64).reshape(shape)
    var = np.diag(total_scatter) / weight_sum
    varying = var > 0
    scale, rotation = np.ones(0), np.zeros((0, 0))
    if varying.any():
        scale = np.sqrt(var[varying])
        sub = total_scatter[np.ix_(varying, varying)] / weight_sum
        corr = sub / np.outer(scale, scale)
        eigenvalues, vectors = np.linalg.eigh(corr)
        keep = eigenvalues > DATA_RANK_FLOOR * eigenvalues[-1]
        # Scaled so that the data's own correlation is the identity in the span.
        rotation = vectors[:, keep] / np.sqrt(eigenvalues[keep])
    for array in (varying, scale, rotation):
        array.flags.writeable = False
    return varying, scale, rotation


def data_rank(total_scatter, weight_sum):
    """``r``: the dimension of the span of the data (see ``_degenerate``'s Notes).

    Parameters
    ----------
    total_scatter : ndarray of shape (n_features, n_features)
        ``sum_i w_i (x_i - c)(x_i - c)^T`` about the source's centre ``c``
        (the mean, or a feature's median beside fill values: a rank-one
        term more along such features, which leaves the span as it is).
    weight_sum : float

    Returns
    -------
    rank : int
        The number of eigenvalues of the data's correlation matrix above
        ``DATA_RANK_FLOOR`` times the largest.
    """
    return coordinates(np.asarray(total_scatter, np.float64), weight_sum)[2].shape[1]


def thinnest_correlation(total_scatter, weight_sum):
    """The smallest eigenvalue of the data's correlation matrix in its span.

    Of the data of :func:`data_rank`'s arguments; in ``(0, 1]``, and 1 when
    fewer than two features vary. (The columns of :func:`coordinates`'
    rotation are the eigenvectors over the square roots of the eigenvalues.)
    """
    rotation = coordinates(np.asarray(total_scatter, np.float64), weight_sum)[2]
    if rotation.shape[0] < 2:
        return 1.0
    return float(1.0 / np.max(np.einsum("ij,ij->j", rotation, rotation)))


# data_warning's default: the span is read from the source.
_READ = object()


def data_warning(
    reg_covar,
    source,
    prior=None,
    span=_READ,
    *,
    model=None,
    n_components=1,
    relative=None,
    types=(),
):
    """The warning a fit of ``source`` with ``reg_covar`` owes its user, or None.

    :func:`_engine.reg_covar_swamps`'s (units, identical rows, constant
    features), else rows that span fewer dimensions than their varying
    features (:func:`rows_span`: linearly dependent features, or no more
    rows than features). Off the span every covariance is ``reg_covar``
    alone: ``-log(reg_covar) / 2`` per row and dimension of likelihood in a
    covariance that aligns with the span, none in one that cannot
    (diagonal, spherical), so the criteria's ranking of the structures
    measures ``reg_covar``, not the data. Not said for an axis-aligned
    ``model``, or a search whose ``types`` are all axis-aligned (their
    covariances there are the features' own variances), nor with a
    ``prior`` that sets those covariances instead (:func:`_prior_sets`, for
    ``model`` with ``n_components``); mclust's default scale of the
    ellipsoidal structures (the data's covariance, singular there) does not,
    and it is said, with that remedy. ``span`` is :func:`rows_span`'s result
    when the caller has it already; ``relative`` is ``reg_covar`` as the
    user gave it, relative to the data's thinnest spread (see
    :func:`_engine.reg_covar_swamps`).

    Raises
    ------
    ValueError
        Without ``reg_covar`` or a prior, when a feature varies but its
        variance underflows float64 (data in units of 1e-160): no covariance
        of such data exists, and EM would blame too few distinct rows.
    """
    if not reg_covar > 0 and prior is None:
        _check_variances_normal(source)
    message, constant = reg_covar_swamps(reg_covar, source, relative)
    if not reg_covar > 0:
        # Identical rows' covariances are zero, unless a prior sets them.
        return message if prior is None else None
    if message is not None:
        return message
    # Constant features are said, and the span of the varying ones after
    # them (said alone, the first hid the second).
    spanned = _span_warning(reg_covar, source, prior, span, model, n_components, types)
    return " And ".join(m for m in (constant, spanned) if m is not None) or None


def _span_warning(reg_covar, source, prior, span, model, n_components, types):
    """:func:`data_warning`'s message on rows that span too few dimensions."""
    aligned = [model] if model is not None else [get_covariance_model(t) for t in types]
    if aligned and all(m.axis_aligned(source.n_features) for m in aligned):
        # A diagonal covariance off the span is each feature's own variance
        # (x3 = x1 + x2 leaves var(x3) to fit), not reg_covar: nothing to say,
        # and no d x d pass for it (64 s at 4,000 features).
        return None
    found = rows_span(source) if span is _READ else span
    if found is None:
        return None
    basis, n_varying = found
    if prior is not None and _prior_sets(
        prior, _complement(basis), reg_covar, source, model, n_components
    ):
        return None
    rank = basis.shape[1]
    few = f" ({source.n_rows} rows)" if source.n_rows <= n_varying else ""
    remedy = (
        ""
        if prior is None
        else " The prior does not set them: its scale is singular there, or "
        "small against reg_covar (mclust's default, the data's covariance, is "
        "singular there); a ConjugatePrior(scale=...) of full rank sets them."
    )
    return (
        f"the rows of X span {rank} of the {n_varying} dimensions of its "
        f"varying features{few}: some features are linear functions of "
        "others, or there are too few rows. Off the span every covariance "
        f"is reg_covar={reg_covar:.3g} alone, which then sets the likelihood "
        "and which structure a criterion prefers (those that align with the "
        "span gain without bound as reg_covar shrinks)." + remedy + " Leave "
        "the dependent features out, or project X onto its span (e.g. "
        f"sklearn.decomposition.PCA(n_components={rank}))."
    )


def _complement(basis):
    """An orthonormal basis of the varying features' directions off ``basis``."""
    varying = np.any(basis != 0.0, axis=1)
    inner = basis[varying]
    left, _, _ = np.linalg.svd(inner, full_matrices=True)
    complement = np.zeros((basis.shape[0], inner.shape[0] - inner.shape[1]))
    complement[varying] = left[:, inner.shape[1] :]
    return complement


def _prior_sets(prior, directions, reg_covar, source, model, n_components):
    """Whether a prior, not ``reg_covar``, sets the covariances along ``directions``.

    Along a unit direction ``u`` off the span a MAP covariance is at least
    ``u' Psi u / (n + nu + d + 2)`` (``Psi`` the resolved scale in the
    structure's form, ``n`` the data's weight, ``nu`` the prior's degrees of
    freedom): above ``reg_covar`` the prior sets it. mclust's default scale
    of the ellipsoidal structures (the data's covariance over ``K^(2/d)``)
    is singular there; its diagonal (VVI, EEI, ...) and spherical (VII,
    EII) forms are not. ``model`` None: the ellipsoidal form, as a search
    offers those structures.
    """
    if not directions.shape[1]:
        return True
    if model is None:
        model = get_covariance_model("VVV")
    try:
        resolved = resolve_prior(prior, model, source, n_components)
    except (TypeError, ValueError):
        return True  # the fit names the problem
    d = source.n_features
    matrix = prior_form_of(model).scale_matrix(resolved.scale, d)
    smallest = float(np.linalg.eigvalsh(directions.T @ matrix @ directions)[0])
    return smallest / (source.weight_sum + resolved.dof + d + 2) > reg_covar


def _complete_rows(source, missing):
    """The complete rows of positive weight as a source, if more than ``2 d``."""
    complete = ~missing.any(axis=1)
    weights = source.sample_weight
    if weights is not None:
        complete &= weights > 0
    if not np.count_nonzero(complete) > 2 * missing.shape[1]:
        return None
    return ArraySource.from_arrays(
        np.asarray(source.X[complete]),
        None if weights is None else weights[complete],
    )


def _check_variances_normal(source):
    """Raise when a feature of ``source`` varies but its variance underflows float64.

    ``_engine.reg_covar_swamps`` warns of it when ``reg_covar`` is set (which
    then dominates every covariance); without it the M-step finds no finite
    covariance, or one of subnormal variance, and its own error would blame
    the rows instead of the units.
    """
    scatter = getattr(source, "total_scatter", None)
    X = getattr(source, "X", None)
    if scatter is None or X is None or not source.weight_sum > 0:
        return
    variances = np.diag(scatter) / source.weight_sum
    weights = getattr(source, "sample_weight", None)
    note = " (with reg_covar=0; any reg_covar would swamp such variances)"
    check_units_square(X, weights, variances, note)


#: Rows within this many roundings of a hyperplane lie on it (see
#: :func:`rows_span`).
_ROUNDINGS = 16.0
# Correlation eigenvalues above this times the largest are never read as
# rounding (float32 rows would have to lie some 5,000 standard deviations
# from the origin), so that most fits make no pass over the rows for it.
_THICK = 1e-4


def rows_span(source):
    """The rows' own span when it is short of their varying features, or None.

    The span of :func:`coordinates` drops the correlation's eigenvalues
    below ``DATA_RANK_FLOOR`` times the largest: linearly dependent
    features, but also clusters far apart compared with their own spread
    (1e10 of their deviations: a ratio of 1e-20), which no covariance of
    the whole data can tell apart. The rows can: in a dependent direction
    every row's offset from the centre is its rounding, a few ulps of its
    standardised values; clusters far apart leave it by their own spread.
    The dependent directions are those ``a`` of the complement of the span
    (in standardised coordinates) where ``sum_i (r_i . a / t_i)^2 <= n``,
    ``r_i`` being a row's offset and ``t_i`` :data:`_ROUNDINGS` times its
    rounding. With missing values the complete rows are read (a dependency
    holds in every row that observes its features; the mean-filled rows
    break it), when there are more than twice as many as features; rows not
    in memory (streamed, Dask) are not read.

    Returns
    -------
    span : tuple or None
        ``(basis, n_varying)``: an orthonormal basis ``(n_features, r)`` of
        the span in the data's units (zero on constant features), and the
        number of varying features; None when the rows span them all.
    """
    found = _thin_directions(source)
    if found is None or not found.dependent.shape[1]:
        return None
    # A standardised direction a is the hyperplane a . (x - c) / scale = 0
    # of the data's units: its normal there is a / scale.
    scale = found.scale
    normals = np.linalg.qr(found.dependent / scale[:, np.newaxis])[0]
    within = np.linalg.qr(normals, "complete")[0][:, normals.shape[1] :]
    span = np.zeros((found.n_features, within.shape[1]))
    span[found.varying] = within
    return span, int(np.count_nonzero(found.varying))


def rows_thinnest_correlation(source):
    """The correlation's eigenvalue along a spread direction the span drops, or None.

    The span of :func:`coordinates` drops the correlation's eigenvalues
    below ``DATA_RANK_FLOOR`` times the largest, but rows near a tilted
    plane (1e-5 of their spread off it) spread along such a direction by
    more than their rounding (:func:`rows_span` reads them). Returns the
    smallest eigenvalue of the correlation off the rows' dependent
    directions when it lies below the span's (see
    :func:`thinnest_correlation`), so that a ``reg_covar`` in its units (the
    thorough search's) does not swamp it; None when the rows spread along
    no such direction, or are not in memory.
    """
    found = _thin_directions(source)
    if found is None or found.dependent.shape[1] == found.n_candidates:
        return None
    correlation = found.correlation
    if found.dependent.shape[1]:
        # An orthonormal basis (standardised) of the directions off them.
        off = np.linalg.qr(found.dependent, "complete")[0]
        off = off[:, found.dependent.shape[1] :]
        correlation = off.T @ correlation @ off
    thinnest = float(np.linalg.eigvalsh(correlation)[0])
    floored = thinnest_correlation(source.total_scatter, source.weight_sum)
    return thinnest if 0 < thinnest < floored else None


def _written_precision(X, varying=None):
    """``(decimals, digits)`` each feature was written with, or None.

    Per feature (of ``varying``), the fewest decimal places and the fewest
    significant digits that write every value exactly (NaN for either
    beyond 14), read on up to 1,000 rows. A feature computed from others
    and written to a text file (x3 = x1 + x2 at six significant digits) is
    a dependency up to those digits, far above float64's rounding: read as
    spread, the search fitted that rounding (VVE with 9 components resting
    on it, unflagged). Per feature, as a total is often written with fewer
    digits than its terms. None when every feature is at full precision.
    """
    rows = np.asarray(X[:: max(1, X.shape[0] // 1000)], dtype=np.float64)
    if varying is not None:
        rows = rows[:, varying]
    decimals = np.full(rows.shape[1], np.nan)
    digits = np.full(rows.shape[1], np.nan)
    for j in range(rows.shape[1]):
        decimals[j], digits[j] = _feature_precision(rows[:, j], X.dtype)
    if np.all(np.isnan(decimals) & np.isnan(digits)):
        return None
    return decimals, digits


def _feature_precision(values, dtype):
    """``(decimals, digits)`` of one feature's values (NaN: full precision)."""
    # Subnormal values have no decimal exponent to read (10 ** e underflows).
    values = values[np.isfinite(values) & (np.abs(values) >= np.finfo(float).tiny)]
    if not values.size:
        return np.nan, np.nan
    tolerance = 4 * np.finfo(dtype).eps * np.abs(values)
    decimals, digits = np.nan, np.nan
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(15):
            if np.all(np.abs(np.round(values, k) - values) <= tolerance):
                decimals = k
                break
        exponents = np.floor(np.log10(np.abs(values)))
        for p in range(1, 15):
            unit = 10.0 ** (exponents - p + 1)
            if np.all(np.abs(np.round(values / unit) * unit - values) <= tolerance):
                digits = p
                break
    return decimals, digits


def _written_steps(block, decimals, digits):
    """Half the last written digit of each value (see :func:`_written_precision`).

    The coarser of the two ways a feature's values can have been written:
    both grids hold every value, and the writer's is the coarser. Zero for
    a feature at full precision.
    """
    with np.errstate(under="ignore"):
        steps = np.where(
            np.isnan(decimals), 0.0, 0.5 * 10.0 ** -np.nan_to_num(decimals)
        )
        steps = np.broadcast_to(steps, block.shape)
        magnitude = np.abs(block)
        nonzero = (magnitude > 0) & ~np.isnan(digits)
        logs = np.log10(magnitude, where=nonzero, out=np.zeros(block.shape))
        exponents = np.floor(logs) - np.nan_to_num(digits) + 1
        significant = np.where(nonzero, 0.5 * 10.0**exponents, 0.0)
    return np.maximum(steps, significant)


#: A direction of written rows is dependent when their variance along it is
#: at most this many times that of rounding to their written digits (a
#: sampled variance of the rounding itself stays within it; spread of a few
#: written units does not).
_WRITTEN = 2.0


def _written_dependent(complement, spread, written_variances, dependent):
    """The dependent directions of rows written with few digits.

    Those of ``complement`` (standardised, orthonormal) along which the
    rows' variance (``spread``, in its coordinates) is at most
    :data:`_WRITTEN` times the variance that rounding each feature to its
    written digits gives (``written_variances``, per feature): a generalised
    eigenproblem, so that the rounding of every feature counts along a
    direction by its share of it, not as a worst-case sum (20 features at
    two decimals read a difference of 10 written units as rounding).
    ``dependent`` (float64 rounding's) are kept.
    """
    rounding = complement.T @ (written_variances[:, np.newaxis] * complement)
    # A floor of float64's resolution keeps the pencil definite.
    rounding += (
        np.finfo(float).eps
        * max(float(np.trace(rounding)), 1e-300)
        * np.eye(rounding.shape[0])
    )
    ratios, vectors = scipy.linalg.eigh(spread, _WRITTEN * rounding)
    found = complement @ vectors[:, ratios <= 1.0]
    if not found.shape[1]:
        return dependent
    # The pencil's eigenvectors are normalised in the rounding's metric, not
    # to unit length (1e14 for rows written to 14 decimals): as they were, the
    # union's rank threshold, relative to its largest singular value, dropped
    # float64's directions (3 rows in 10-D read as spanning 5 dimensions).
    found = found / np.linalg.norm(found, axis=0)
    # The union of the two sets of unit vectors, which may share directions
    # (QR would give an arbitrary column for a repeated one).
    left, values, _ = np.linalg.svd(
        np.column_stack([dependent, found]), full_matrices=False
    )
    return left[:, : int(np.count_nonzero(values > 1e-8 * values[0]))]


@dataclasses.dataclass(frozen=True)
class _ThinDirections:
    """What :func:`_thin_directions` read of the rows (standardised units)."""

    n_features: int
    varying: np.ndarray
    scale: np.ndarray
    correlation: np.ndarray
    n_candidates: int
    dependent: np.ndarray


def _thin_directions(source):
    """The correlation's thin directions and those the rows are dependent in.

    None when the rows cannot be read (not in memory, missing values with
    few complete rows), no feature varies, or no direction is thin enough
    for rounding to make it (see :func:`rows_span`); otherwise a
    :class:`_ThinDirections` whose ``dependent`` holds, in standardised
    coordinates of the varying features, the dependent directions among
    the ``n_candidates`` thin ones.
    """
    missing = getattr(source, "missing_mask", None)
    if missing is not None:
        source = _complete_rows(source, missing)
        if source is None:
            return None
    X, scatter = getattr(source, "X", None), getattr(source, "total_scatter", None)
    if type(X) is not np.ndarray or scatter is None:
        return None
    varying, scale, _ = coordinates(scatter, source.weight_sum)
    n_varying = int(np.count_nonzero(varying))
    if not n_varying:
        return None
    weights = getattr(source, "sample_weight", None)
    center = np.asarray(source.center, dtype=np.float64)[varying]
    eps = np.finfo(X.dtype).eps

    correlation = (
        scatter[np.ix_(varying, varying)] / source.weight_sum / np.outer(scale, scale)
    )
    values, vectors = np.linalg.eigh(correlation)
    thin = values <= _THICK * values[-1]
    if not thin.any():
        return None  # no direction that rounding could account for: no pass
    # One pass over the rows: their offsets along every thin direction, and
    # how far from the origin they reach, which sets how thin a direction
    # their rounding can make (the span's floor of 1e-10 is float64's:
    # float32 rows far from the origin round above it).
    complement = vectors[:, thin]
    gram, n_rows, reach = np.zeros((complement.shape[1],) * 2), 0, 0.0
    written = _written_precision(X, varying)
    spread, written_variances = np.zeros_like(gram), np.zeros(n_varying)
    for start in range(0, X.shape[0], 2**16):
        block = np.asarray(X[start : start + 2**16], dtype=np.float64)
        if weights is not None:
            block = block[np.asarray(weights[start : start + 2**16]) > 0]
        block = block[:, varying]
        rounding = (np.abs(block) + np.abs(center)) / scale
        if rounding.size:
            reach = max(reach, float(rounding.max()))
        tolerance = _ROUNDINGS * eps * rounding.sum(axis=1) + np.finfo(float).tiny
        offsets = ((block - center) / scale) @ complement
        if written is not None:
            spread += offsets.T @ offsets
            # Rounding to the last written digit: uniform within half a
            # step h, of variance h^2 / 3.
            steps = _written_steps(block, *written) / scale
            written_variances += (steps**2).sum(axis=0) / 3.0
        offsets /= tolerance[:, np.newaxis]
        gram += offsets.T @ offsets
        n_rows += block.shape[0]
    rounding_floor = (_ROUNDINGS * eps * np.sqrt(n_varying) * reach) ** 2
    if written is not None:
        written_variances /= max(n_rows, 1)
        rounding_floor = max(rounding_floor, 4.0 * _WRITTEN * written_variances.max())
    # The candidates: the thin directions no thicker than the rows' rounding
    # could make them; the offsets' sums of squares restrict to them.
    candidates = values[thin] <= max(DATA_RANK_FLOOR, rounding_floor) * values[-1]
    if not candidates.any():
        return None
    complement = complement[:, candidates]
    gram = gram[np.ix_(candidates, candidates)]
    values, vectors = np.linalg.eigh(gram)
    dependent = complement @ vectors[:, values <= n_rows]
    if written is not None:
        dependent = _written_dependent(
            complement,
            spread[np.ix_(candidates, candidates)] / max(n_rows, 1),
            written_variances,
            dependent,
        )
    return _ThinDirections(
        X.shape[1],
        varying,
        scale,
        correlation,
        int(np.count_nonzero(candidates)),
        dependent,
    )
