"""E-step kernels: the moment and diagonal feature forms and their speed policy."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import math
from functools import partial
from typing import NamedTuple

import numpy as np

from ._linalg import all_finite, einsum, inverse_triangular, outer_product_columns
from ._statistics import (
    DiagonalResidualScatter,
    DiagonalScatter,
    MomentScatter,
    PooledResidualScatter,
    PooledScatter,
    WhitenedScatter,
)

# Largest tolerated rounding of the moment form of the distances, relative to
# the typical squared distance ``d`` of a component's own rows (see
# _moment_form_is_accurate). In float32 the moment form is kept only where it
# meets the precision policy of the log-densities (``_exact.TOLERANCE``,
# 1e-4 relative) with a margin; elsewhere the whitened form, whose rounding
# is that of the residuals, not of their squares.
_MOMENT_FORM_TOLERANCE = {np.float64: 1e-7, np.float32: 1e-6}


def fast_statistics_are_accurate(model, means, precisions_cholesky, dtype):
    """Whether a structure's moment statistics keep their precision.

    The diagonal and pooled accumulators sum raw moments of the centred
    rows and subtract ``N xbar xbar'`` (or the between-component scatter):
    the same cancellation as the moment form of the distances, measured by
    the same reach (see :func:`_moment_form_is_accurate`). Any structure's
    parameters are converted to full matrices for the test.
    """
    K, d = means.shape
    with np.errstate(all="ignore"):
        factors = model.to_full(np.asarray(precisions_cholesky, np.float64), K, d)
    if not np.all(np.isfinite(factors)):
        return False
    return _moment_form_is_accurate(means, np.asarray(factors), dtype)


def diagonal_moments_are_accurate(means, precisions, dtype):
    """:func:`_moment_form_is_accurate` for per-feature precisions ``(K, d)``.

    The same reach without matrices: ``max_k sum_j p_kj (|mu_kj| + 1 /
    sqrt(p_kj))^2``.
    """
    # Array methods rather than the np.max/np.sum wrappers (the same
    # reductions), finiteness in Python: this runs on every E-step.
    if not (all_finite(precisions) and all_finite(means)):
        return False
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.abs(means) + 1.0 / np.sqrt(precisions)
        reach = float((precisions * spread * spread).sum(axis=1).max())
    tolerance, eps = _moment_constants(dtype)
    return bool(2.0 * eps * reach < tolerance * means.shape[1])


@functools.lru_cache(maxsize=16)
def _moment_constants(dtype):
    """The moment forms' tolerance per feature and ``np.finfo(dtype).eps``.

    Looked up once per dtype (``np.finfo`` resolves its argument on every
    call); ``eps`` stays a numpy scalar of the dtype, so the products read
    as before.
    """
    return _MOMENT_FORM_TOLERANCE[np.dtype(dtype).type], np.finfo(dtype).eps


def _moment_form_is_accurate(means, precisions_cholesky, dtype, precisions=None):
    """Whether distances from second moments keep enough precision.

    The moment form ``(x - mu)' L (x - mu) = vech(x x') . vech(L) - 2 x' L mu
    + mu' L mu`` (``x`` centred on the data's mean) shares one expansion of
    each row into its moments between the E-step and the M-step and turns
    both into well-shaped matrix products. Its terms are as large as
    ``|x|' |L| |x|``, which for a row of component ``k`` is about
    ``(|mu_k| + s_k)' |L_k| (|mu_k| + s_k)`` with ``s_k`` the component's
    standard deviations, however small the distance they cancel down to.
    Their sum in floating point loses up to about twice ``eps`` times that
    (measured on clusters far from the data's centre). The moment form is
    used when that loss is below :data:`_MOMENT_FORM_TOLERANCE` times ``d``;
    otherwise the whitened form, exact to rounding whatever the geometry.
    ``precisions`` are ``P P^T`` of ``precisions_cholesky`` when the caller
    has them.
    """
    if precisions is None:
        precisions = _precisions(precisions_cholesky)
    # No np.all/np.max wrappers: this runs on every E-step, where their
    # overhead outweighs the tiny arrays. Means need no test of their own:
    # one not finite makes its reach inf or NaN, and the comparison below
    # False.
    if not all_finite(precisions):
        return False
    # Finite factors (their products are): the inversion sets its own error
    # state, so no warning can escape it.
    unwhiten = inverse_triangular(precisions_cholesky, lower=False)
    deviations = np.sqrt(einsum("kij,kij->kj", unwhiten, unwhiten))
    spread = np.abs(means) + deviations
    reach = einsum("kd,kde,ke->k", spread, np.abs(precisions), spread).max()
    tolerance, eps = _moment_constants(dtype)
    return bool(2.0 * eps * reach < tolerance * means.shape[1])


def _moment_form_pays(n_components, n_features):
    """Whether the moment form is the faster one for ``K`` components.

    Its work per row is set by its ``m = d (d + 1) / 2 + d + 1`` features,
    whatever ``K`` (two products of them, written once and read twice); the
    whitened form's by its ``K (d + 1)`` residuals. Measured on one and two
    threads (d = 4 to 32, K = 1 to 24), the moment form is faster up to about
    twice as many entries: for d = 32 from K = 9 on, for d = 8 from K = 3.
    """
    n_moments = n_features * (n_features + 1) // 2 + n_features + 1
    return n_moments <= 2 * n_components * (n_features + 1)


def _precisions(precisions_cholesky):
    """``P P^T``: the precisions of their Cholesky factors (K, d, d)."""
    return precisions_cholesky @ np.swapaxes(precisions_cholesky, -1, -2)


def _moment_coefficients(means, precisions_cholesky, precisions=None):
    """Rows ``c_k`` with ``c_k . features(x) = (x - mu_k)' L_k (x - mu_k)``.

    ``precisions`` as in :func:`_moment_form_is_accurate`.
    """
    n_components, n_features = means.shape
    if precisions is None:
        precisions = _precisions(precisions_cholesky)
    pairs = _pair_positions(n_features)
    n_pairs = pairs.size
    # Written into one array: stacking the three parts costs more than
    # computing them for the small matrices of every E-step.
    coefficients = np.empty(
        (n_components, n_pairs + n_features + 1),
        dtype=_coefficient_dtype(precisions, means),
    )
    # Off-diagonal entries appear twice in x' L x.
    np.multiply(
        precisions.reshape(n_components, n_features * n_features)[:, pairs],
        _pair_multiplicity(n_features),
        out=coefficients[:, :n_pairs],
    )
    linear = einsum("kde,ke->kd", precisions, means)
    np.multiply(-2.0, linear, out=coefficients[:, n_pairs:-1])
    coefficients[:, -1] = einsum("kd,kd->k", means, linear)
    return coefficients


def _coefficient_dtype(precisions, means):
    """``np.result_type(precisions, means, np.float64)``, at once for float64."""
    if precisions.dtype == np.float64 and means.dtype == np.float64:
        return np.float64
    return np.result_type(precisions, means, np.float64)


@functools.cache
def _pair_positions(n_features):
    """Flat positions in a ``(d, d)`` matrix of the ``vech`` pairs (read-only).

    One index array: gathering with two (rows and columns) costs more.
    """
    rows, cols = outer_product_columns(n_features)
    positions = rows * n_features + cols
    positions.flags.writeable = False
    return positions


@functools.cache
def _pair_multiplicity(n_features):
    """How often each ``vech`` pair appears in ``x' L x``: 1 on the diagonal, else 2."""
    rows, cols = outer_product_columns(n_features)
    multiplicity = np.where(rows == cols, 1.0, 2.0)
    multiplicity.flags.writeable = False
    return multiplicity


def _feature_distance_function(coefficients, features_of, scale, offset, dtype):
    """Distances, or ``scale * dist + offset``, as one product with the features.

    ``coefficients`` (K, m) give the squared distances as ``coefficients @
    features_of(X)``, the constant term in their last column (the features'
    row of ones). Scaling them and adding ``offset`` to that column yields
    the affine transform in the same product, sparing two passes over the
    result. The clamp of rounding below zero is kept only for the distances
    themselves: once scaled it changes nothing at the form's precision.

    The result is computed component-major and returned as a transposed
    ``(n, K)`` view, whose columns are contiguous for the reductions over
    components that follow. The features are returned too: the M-step's
    statistics accumulate from the same array.
    """
    plain = scale == 1.0 and offset is None
    # An infinite offset (a component of weight zero) is added after the
    # product: one infinite coefficient can make a product NaN.
    # K offsets: Python's test of each costs less than numpy's of all.
    fold = offset is not None and all(map(math.isfinite, np.asarray(offset).tolist()))
    coefficients = coefficients * scale
    if fold:
        coefficients[:, -1] += offset
    coefficients = coefficients.astype(dtype, copy=False)
    after = None
    if offset is not None and not fold:
        after = np.asarray(offset).astype(dtype)[:, np.newaxis]

    def distances(X, features=None):
        if features is None:
            features = features_of(X)
        dist = coefficients @ features
        if plain:
            np.maximum(dist, 0.0, out=dist)
        elif after is not None:
            dist += after
        return dist.T, features

    return distances


def bound_distances(mahalanobis, means, precisions_cholesky, dtype, scale, offset):
    """A per-block distance function from ``mahalanobis(X, means, P)``."""
    bound = partial(
        mahalanobis,
        means=means.astype(dtype, copy=False),
        precisions_cholesky=precisions_cholesky.astype(dtype, copy=False),
    )
    if offset is not None:
        offset = np.asarray(offset).astype(dtype)
    return _affine(bound, scale, offset)


def _affine(distances, scale, offset):
    """``scale * dist + offset`` from a distance function, in place."""
    if scale == 1.0 and offset is None:
        return distances

    def transformed(X, *features):
        dist, aux = distances(X, *features)
        dist *= scale
        if offset is not None:
            dist += offset
        return dist, aux

    return transformed


def _diagonal_coefficients(means, precisions):
    """Rows ``c_k`` with ``c_k . diagonal_features(x) = sum_j p_kj (x_j - mu_kj)^2``."""
    n_components, d = means.shape
    weighted_means = means * precisions
    # Written into one array: np.hstack costs more than the parts.
    coefficients = np.empty(
        (n_components, 2 * d + 1), dtype=np.result_type(means, precisions)
    )
    coefficients[:, :d] = precisions
    np.multiply(-2.0, weighted_means, out=coefficients[:, d : 2 * d])
    (means * weighted_means).sum(axis=1, out=coefficients[:, -1])
    return coefficients


# --------------------------------------------------------------------------
# Statistics forms: what one E-step accumulates for a structure's M-step


class ScatterLayout:
    """How a statistics form lays out the scatter its M-step reads.

    The M-step's guards read it: which variances rounding left below zero,
    and which components are singular when a step breaks down. Three layouts
    cover every form: :data:`SCATTER_MATRICES` (one ``(d, d)`` matrix per
    component, ``(K, d, d)``), :data:`DIAGONAL_SCATTERS` (each component's
    diagonal, ``(K, d)``) and :data:`POOLED_SCATTER` (one ``(d, d)`` matrix
    for every component). Read from the form, never from the array's shape:
    with as many components as features a pooled ``(d, d)`` scatter has the
    shape of ``K`` diagonals.

    Parameters
    ----------
    name : str
        For ``repr``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> layout = get_covariance_model("EEE").scatter.layout
    >>> layout
    <scatter layout pooled>
    >>> layout.matrices(np.eye(2), 3).shape
    (3, 2, 2)
    """

    def __init__(self, name):
        self.name = name

    def matrices(self, scatter, n_components):
        """The per-component scatter matrices that ``scatter`` stands for.

        Parameters
        ----------
        scatter : ndarray
            A scatter in this layout.
        n_components : int

        Returns
        -------
        matrices : ndarray of shape (n_components, d, d)
            Read only (a view where the layout allows one).
        """
        raise NotImplementedError

    def components(self, scatter, indices):
        """The scatter of the components ``indices`` alone, or None.

        Parameters
        ----------
        scatter : ndarray
            A scatter in this layout.
        indices : list of int

        Returns
        -------
        scatter : ndarray or None
            In this layout; None where one scatter is pooled over every
            component and no component's own can be taken apart.
        """
        return scatter[indices]

    def without_negative_variances(self, scatter):
        """``scatter`` with variances that rounding left below zero at zero.

        A component on one row (or identical rows) has zero scatter; the mean
        correction can round it a little below zero, which no structure's
        M-step can take the logarithm of.

        Parameters
        ----------
        scatter : ndarray
            A scatter in this layout.

        Returns
        -------
        scatter : ndarray
            The same array when no variance is below zero (a NaN is left as
            it is), otherwise a copy with those variances at zero.
        """
        raise NotImplementedError

    def __repr__(self):
        return f"<scatter layout {self.name}>"


class _MatricesLayout(ScatterLayout):
    def matrices(self, scatter, n_components):
        return scatter

    def without_negative_variances(self, scatter):
        diagonal = scatter.diagonal(axis1=-2, axis2=-1)
        # One reduction (this runs on every M-step).
        if not diagonal.min(initial=0.0) < 0:
            return scatter
        scatter = scatter.copy()
        index = np.arange(scatter.shape[-1])
        scatter[..., index, index] = np.maximum(diagonal, 0.0)
        return scatter


class _PooledLayout(_MatricesLayout):
    def matrices(self, scatter, n_components):
        return np.broadcast_to(scatter, (n_components, *scatter.shape))

    def components(self, scatter, indices):
        return None


class _DiagonalLayout(ScatterLayout):
    def matrices(self, scatter, n_components):
        n_features = scatter.shape[-1]
        matrices = np.zeros((n_components, n_features, n_features))
        index = np.arange(n_features)
        matrices[:, index, index] = scatter
        return matrices

    def without_negative_variances(self, scatter):
        if not scatter.min(initial=0.0) < 0:
            return scatter
        return np.maximum(scatter, 0.0)


#: One scatter matrix per component, ``(K, d, d)``.
SCATTER_MATRICES = _MatricesLayout("matrices")
#: The diagonal of each component's scatter, ``(K, d)``.
DIAGONAL_SCATTERS = _DiagonalLayout("diagonals")
#: One scatter matrix for every component, ``(d, d)``.
POOLED_SCATTER = _PooledLayout("pooled")


def _layout_of(name, from_full):
    """The layout of what ``from_full`` returns, told by its shape at K=2, d=3.

    For a form built without ``layout``: its scatter's shape there tells
    the three layouts apart (it cannot at ``K == d``, where the M-step
    reads them).
    """
    try:
        shape = np.shape(from_full(np.zeros((2, 3, 3))))
    except Exception as error:  # a user's from_full may refuse the probe
        raise TypeError(
            f"StatisticsForm {name!r}: give its layout (layout=SCATTER_MATRICES, "
            f"DIAGONAL_SCATTERS or POOLED_SCATTER); from_full failed on (2, 3, 3) "
            f"scatter matrices ({type(error).__name__}: {error})."
        ) from None
    layouts = {
        (2, 3, 3): SCATTER_MATRICES,
        (2, 3): DIAGONAL_SCATTERS,
        (3, 3): POOLED_SCATTER,
    }
    if shape not in layouts:
        raise TypeError(
            f"StatisticsForm {name!r}: from_full turns (2, 3, 3) scatter "
            f"matrices into shape {shape}, which is none of the three layouts "
            "(K, d, d), (K, d) or (d, d); give the layout its M-step reads "
            "(layout=SCATTER_MATRICES, DIAGONAL_SCATTERS or POOLED_SCATTER)."
        )
    return layouts[shape]


class StatisticsForm:
    """The sufficient statistics a structure's M-step reads, and how to get them.

    A structure names its form in ``CovarianceModel.scatter``, and for each
    E-step :meth:`CovarianceModel.block_form` names the form its distances
    produce the by-product for (the full structures have two: whitened
    residuals and raw moments). The engine only calls the methods below, so
    it never asks which kind of structure it runs.

    Parameters
    ----------
    name : str
        For messages and ``repr``.
    accumulator : type
        The accumulator class (``covariance._statistics``): ``accumulator(means,
        precisions_cholesky=None)`` starts empty sums that blocks add to and
        that add across blocks, chunks and processes.
    from_full : callable
        ``from_full(W)`` turns per-component scatter matrices ``(K, d, d)``
        into what this form's M-step reads. It must be linear in ``W``
        (a selection or sum of entries): ``partial_fit`` averages scatters
        and adds between-mean terms in the form.
    row_width : callable
        ``row_width(K, d)``: entries per row of the largest temporary of a
        block (it sizes the blocks).
    contains_others : bool, default=False
        Whether these statistics, in their moment variant, hold those of the
        narrower forms (the selector derives them instead of a new pass).
    moment_variant : StatisticsForm or None, default=None
        A one-pass raw-moment form to try first when the statistics of given
        responsibilities are needed (initialisation), kept when exact enough.
    exact_variant : StatisticsForm or None, default=None
        The same statistics summed about reference means, without
        cancellation; used instead when the moments would lose precision
        (components far from the data's centre compared with their spread).
    layout : ScatterLayout or None, default=None
        How the scatter that ``finalize`` returns is laid out (one matrix
        per component, their diagonals, or one pooled matrix): the M-step's
        guards read it. None: told by the shape ``from_full`` gives to
        ``(2, 3, 3)`` scatter matrices.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> form = get_covariance_model("diag").scatter
    >>> form
    <statistics form diag>
    >>> form.from_full(np.array([[[2.0, 1.0], [1.0, 3.0]]]))
    array([[2., 3.]])
    """

    def __init__(
        self,
        name,
        accumulator,
        from_full,
        row_width,
        *,
        contains_others=False,
        moment_variant=None,
        exact_variant=None,
        layout=None,
    ):
        self.name = name
        self.layout = _layout_of(name, from_full) if layout is None else layout
        self.accumulator = accumulator
        self.from_full = from_full
        self.row_width = row_width
        self.contains_others = contains_others
        self.moment_variant = moment_variant
        self.exact_variant = exact_variant

    @property
    def features(self):
        """The per-row features ``features(X)`` the accumulator reads, or None."""
        return self.accumulator.features

    def new_statistics(self, means, precisions_cholesky=None):
        """Empty sufficient statistics about ``means`` (centred)."""
        return self.accumulator(means, precisions_cholesky)

    def derived_from(self, statistics):
        """These statistics computed from wider ones, or None when impossible."""
        coarsened = getattr(statistics, "coarsened", None)
        return None if coarsened is None else coarsened(self.accumulator)

    def __repr__(self):
        return f"<statistics form {self.name}>"


class BlockKernel(NamedTuple):
    """The distances of one E-step and the statistics they feed.

    Returned by :meth:`CovarianceModel.block_kernel`: the structure decides
    once, for given parameters, how to compute its distances, and the
    by-product they return for each block is what ``form``'s accumulator
    reads. The engine never asks which form it got.

    Attributes
    ----------
    form : StatisticsForm
    distances : callable
        ``distances(X, features=None)`` for a block of centred rows returns
        ``(scale * dist + offset, aux)``: the transformed squared distances,
        shape (n, K), and the by-product for ``form.new_statistics(...).add_block``.
        ``features`` are ``form.features(X)`` when already computed.
    residual : bool, default=False
        Whether the distances are squared residuals ``|(x - mu) P|^2`` whose
        rounding is that of the residuals (the whitened form), rather than
        an expansion whose terms cancel; it sets the error estimate of
        ``covariance._exact.PrecisionGuard``.
    dtype : dtype or None, default=None
        The precision the distances are computed in, when it is not the
        block's own (float32 rows whose moment form needs float64).
    precisions : ndarray of shape (K, d, d) or None, default=None
        ``P @ P^T`` of the float64 precision factors when the kernel formed
        them: the precision guard reads them instead of forming them again.

    A named tuple (immutable, as a frozen dataclass, but made at a fraction
    of its cost on every E-step).
    """

    form: StatisticsForm
    distances: object
    residual: bool = False
    dtype: object = None
    precisions: object = None


def _per_component_width(n_components, n_features):
    # The whitened residuals (n, K, d + 1).
    return n_components * (n_features + 1)


def _narrow_width(n_components, n_features):
    # (n, K) log-densities and (n, d) data.
    return n_components + n_features


def _same(scatter):
    return scatter


def _diagonals(scatter):
    return np.diagonal(scatter, axis1=-2, axis2=-1).copy()


def _pooled(scatter):
    return scatter.sum(axis=0)


#: Raw second moments of every component, one product per block.
MOMENTS = StatisticsForm("full-moments", MomentScatter, _same, _per_component_width)
#: One scatter matrix per component, summed in whitened coordinates.
WHITENED = StatisticsForm(
    "full",
    WhitenedScatter,
    _same,
    _per_component_width,
    contains_others=True,
    moment_variant=MOMENTS,
)
#: The diagonal of each component's scatter, summed about reference means.
DIAGONAL_EXACT = StatisticsForm(
    "diag-residuals",
    DiagonalResidualScatter,
    _diagonals,
    _per_component_width,
    layout=DIAGONAL_SCATTERS,
)
#: The diagonal of each component's scatter.
DIAGONAL = StatisticsForm(
    "diag",
    DiagonalScatter,
    _diagonals,
    _narrow_width,
    exact_variant=DIAGONAL_EXACT,
    layout=DIAGONAL_SCATTERS,
)
#: The pooled within-component scatter, summed about reference means.
POOLED_EXACT = StatisticsForm(
    "pooled-residuals",
    PooledResidualScatter,
    _pooled,
    _narrow_width,
    layout=POOLED_SCATTER,
)
#: The pooled within-component scatter.
POOLED = StatisticsForm(
    "pooled",
    PooledScatter,
    _pooled,
    _narrow_width,
    exact_variant=POOLED_EXACT,
    layout=POOLED_SCATTER,
)
