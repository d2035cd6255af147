"""Representation families: how a structure stores its covariances."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from abc import abstractmethod

import numpy as np
from sklearn.utils import check_array

from ._contract import CovarianceModel
from ._forms import (
    DIAGONAL,
    MOMENTS,
    POOLED,
    WHITENED,
    BlockKernel,
    _diagonal_coefficients,
    _feature_distance_function,
    _moment_coefficients,
    _moment_form_is_accurate,
    _moment_form_pays,
    _precisions,
    bound_distances,
    diagonal_moments_are_accurate,
)
from ._linalg import (
    _check_positive,
    _check_spd,
    _positive_sqrt_inverse,
    _precision_cholesky_from_cov_cholesky,
    _precision_cholesky_from_precisions,
    _safe_cholesky,
    diagonal_features,
    inverse_triangular,
    moment_features,
    ones,
    scaled_inverse_error,
)
from ._priors import DIAGONAL_INVERSE_GAMMA, SPHERICAL_INVERSE_GAMMA
from ._spread import EVERY_AXIS, NOTHING, SOME_SPREAD_ONLY


def _largest_or_borrowed(largest):
    """Each component's largest variance, or the stack's where it has none.

    The scale of the variance added to a covariance that rounding left
    indefinite (``CovarianceModel.rounded``): a component whose largest
    variance is zero, or below float64's resolution of the stack's largest
    (so that a fraction of it would underflow as it did), borrows the
    stack's largest (1 if none is positive).
    """
    largest = np.asarray(largest, dtype=np.float64)
    finite = np.isfinite(largest) & (largest > 0)
    top = largest[finite].max(initial=0.0)
    usable = finite & (largest > np.finfo(np.float64).eps * top)
    return np.where(usable, largest, top or 1.0)


# --------------------------------------------------------------------------
# Families sharing their representation


class FullCovariance(CovarianceModel):
    """Structures stored as one ``(d, d)`` matrix per component.

    Subclasses give ``name``, ``n_parameters`` and ``m_step``; the family
    does the rest of :class:`CovarianceModel`. ``m_step`` receives each
    component's scatter matrix, ``scatter`` of shape ``(K, d, d)``.

    Examples
    --------
    >>> from gmm_estimators.covariance import FullCovariance, get_covariance_model
    >>> model = get_covariance_model("VEV")
    >>> isinstance(model, FullCovariance), model.param_shape(3, 2)
    (True, (3, 2, 2))
    """

    scatter = WHITENED

    def param_shape(self, n_components, n_features):
        return (n_components, n_features, n_features)

    def precision_cholesky(self, covariances):
        cov_chol, jittered = _safe_cholesky(covariances)
        return _precision_cholesky_from_cov_cholesky(cov_chol), jittered

    def precision_cholesky_from_precisions(self, precisions):
        return _precision_cholesky_from_precisions(precisions)

    def precisions_from_cholesky(self, precisions_cholesky):
        return precisions_cholesky @ np.swapaxes(precisions_cholesky, -1, -2)

    def covariances_from_cholesky(self, precisions_cholesky):
        inv = inverse_triangular(precisions_cholesky, lower=False)
        return np.swapaxes(inv, -1, -2) @ inv

    def with_added_variance(self, covariances, amounts):
        largest = _largest_or_borrowed(
            np.diagonal(covariances, axis1=-2, axis2=-1).max(axis=-1)
        )
        added = np.asarray(amounts) * largest
        return covariances + added[:, np.newaxis, np.newaxis] * np.eye(
            covariances.shape[-1]
        )

    def log_det_cholesky(self, precisions_cholesky, n_features):
        diag = precisions_cholesky.diagonal(axis1=-2, axis2=-1)
        return np.log(diag).sum(axis=-1)

    def block_kernel(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        # Two ways to the same distances: raw moments (one product per block,
        # faster for many components) where their cancellation is negligible,
        # whitened residuals (exact to rounding) otherwise.
        n_components, n_features = means.shape
        pays = _moment_form_pays(n_components, n_features)
        # Formed once for the accuracy tests, the coefficients and the
        # precision guard: on small data this set-up costs more than the
        # block's distances.
        precisions = _precisions(precisions_cholesky) if pays else None
        # The guard's own would be the same product of the float64 factors.
        shared = precisions if precisions_cholesky.dtype == np.float64 else None
        if pays and _moment_form_is_accurate(
            means, precisions_cholesky, dtype, precisions
        ):
            distances = _feature_distance_function(
                _moment_coefficients(means, precisions_cholesky, precisions),
                moment_features,
                scale,
                offset,
                dtype,
            )
            return BlockKernel(MOMENTS, distances, precisions=shared)
        if (
            pays
            and np.dtype(dtype) != np.float64
            and _moment_form_is_accurate(
                means, precisions_cholesky, np.float64, precisions
            )
        ):
            # float32 rows: the moment form in float64 (the block's features
            # formed from its rows cast once) keeps float64's precision at
            # about float64's speed, where the float32 moments would not.
            return BlockKernel(
                MOMENTS,
                _in_float64(
                    _feature_distance_function(
                        _moment_coefficients(means, precisions_cholesky, precisions),
                        _float64_moment_features,
                        scale,
                        offset,
                        np.float64,
                    )
                ),
                dtype=np.dtype(np.float64),
                precisions=shared,
            )
        distances = bound_distances(
            _mahalanobis_whitened, means, precisions_cholesky, dtype, scale, offset
        )
        return BlockKernel(WHITENED, distances, residual=True, precisions=shared)

    def distance_function(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        return self.block_kernel(
            means, precisions_cholesky, dtype, scale=scale, offset=offset
        ).distances

    def mahalanobis(self, X, means, precisions_cholesky):
        return self.block_kernel(means, precisions_cholesky, X.dtype).distances(X)

    def to_full(self, covariances, n_components, n_features):
        return np.asarray(covariances)

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions)
        _check_shape(precisions, (n_components, n_features, n_features), self)
        _check_spd(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


def _float64_moment_features(X):
    return moment_features(np.asarray(X, dtype=np.float64))


def _in_float64(distances):
    """A kernel computed in float64, its distances returned in the rows' dtype.

    Features cached in a lower precision are not used (they would carry its
    rounding); the features returned for the statistics stay float64.
    """

    def in_float64(X, features=None):
        if features is not None and features.dtype != np.float64:
            features = None
        values, aux = distances(X) if features is None else distances(X, features)
        return values.astype(X.dtype, copy=False), aux

    return in_float64


def _mahalanobis_whitened(X, means, precisions_cholesky):
    """Squared distances and augmented whitened residuals ``[(x - mu) P, 1]``."""
    n, d = X.shape
    K = means.shape[0]
    # One matrix product for every component: [x, 1] @ A_k with
    # A_k = [[P_k, 0], [-mu_k P_k, 1]] gives [(x - mu_k) P_k, 1] directly.
    stacked = np.zeros((d + 1, K, d + 1), dtype=X.dtype)
    stacked[:d, :, :d] = np.transpose(precisions_cholesky, (1, 0, 2))
    stacked[d, :, :d] = -np.einsum("kd,kde->ke", means, precisions_cholesky)
    stacked[d, :, d] = 1.0
    augmented = np.empty((n, d + 1), dtype=X.dtype)
    augmented[:, :d] = X
    augmented[:, d] = 1.0
    whitened = (augmented @ stacked.reshape(d + 1, K * (d + 1))).reshape(n, K, d + 1)
    dist = np.einsum("nkd,nkd->nk", whitened, whitened)
    dist -= 1.0
    np.maximum(dist, 0.0, out=dist)
    return dist, whitened


class TiedCovariance(CovarianceModel):
    """One ``(d, d)`` matrix shared by all components.

    ``m_step`` receives the pooled within-component scatter, ``scatter`` of
    shape ``(d, d)`` (the sum of the components' scatter matrices), and
    returns one ``(d, d)`` matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.covariance import TiedCovariance, get_covariance_model
    >>> model = get_covariance_model("tied")
    >>> isinstance(model, TiedCovariance), model.param_shape(3, 2)
    (True, (2, 2))
    >>> model.to_full(np.array([[2.0, 0.5], [0.5, 1.0]]), 2, 2).shape
    (2, 2, 2)
    """

    scatter = POOLED
    equal_volume = True
    equal_covariance = True
    own_spread = NOTHING

    def param_shape(self, n_components, n_features):
        return (n_features, n_features)

    def precision_cholesky(self, covariances):
        P, jittered = FullCovariance.precision_cholesky(self, covariances[np.newaxis])
        return P[0], jittered

    def precision_cholesky_from_precisions(self, precisions):
        return _precision_cholesky_from_precisions(precisions)

    def precisions_from_cholesky(self, precisions_cholesky):
        return precisions_cholesky @ precisions_cholesky.T

    def covariances_from_cholesky(self, precisions_cholesky):
        return FullCovariance.covariances_from_cholesky(
            self, precisions_cholesky[np.newaxis]
        )[0]

    def with_added_variance(self, covariances, amounts):
        largest = _largest_or_borrowed(np.diag(covariances).max(keepdims=True))[0]
        added = float(np.asarray(amounts).max()) * largest
        return covariances + added * np.eye(covariances.shape[-1])

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return np.atleast_1d(np.sum(np.log(np.diag(precisions_cholesky))))

    def mahalanobis(self, X, means, precisions_cholesky):
        # Component-major and in place, as _diagonal_distances.
        whitened = precisions_cholesky.T @ X.T
        whitened_means = means @ precisions_cholesky
        dist = whitened_means @ whitened
        dist *= -2.0
        np.square(whitened, out=whitened)
        dist += ones(whitened.shape[0], X.dtype) @ whitened
        dist += np.einsum("kd,kd->k", whitened_means, whitened_means)[:, np.newaxis]
        # The expansion can round a tiny distance below zero.
        np.maximum(dist, 0.0, out=dist)
        return dist.T, None

    def to_full(self, covariances, n_components, n_features):
        return np.broadcast_to(covariances, (n_components, *covariances.shape)).copy()

    def inverse_error(self, covariances, precisions, n_components, n_features):
        # One shared matrix, read once.
        return scaled_inverse_error(
            np.asarray(covariances)[np.newaxis], np.asarray(precisions)[np.newaxis]
        )

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions)
        _check_shape(precisions, (n_features, n_features), self)
        what = self.aliases[0] if self.aliases else self.name
        _check_spd(precisions[np.newaxis], what)
        return precisions


class _DiagonalDistances(CovarianceModel):
    """Distances of the axis-aligned structures, from per-feature precisions."""

    scatter = DIAGONAL

    def inverse_error(self, covariances, precisions, n_components, n_features):
        # S P C S^-1 is diagonal, p c per entry: no d x d matrix is needed.
        covariances = np.asarray(covariances, np.float64)
        if not np.all((covariances > 0) & np.isfinite(covariances)):
            return float("nan")  # no scale: as the matrix form
        with np.errstate(all="ignore"):
            product = np.asarray(precisions, np.float64) * covariances
            return float(np.abs(product - 1.0).max(initial=0.0))

    @abstractmethod
    def per_feature_precisions(self, precisions_cholesky, n_features):
        """Each component's precisions as a vector, shape (K, d)."""

    def block_kernel(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        # The statistics' exact variant where the moments would cancel (the
        # contract's test, without matrices).
        form = self.scatter
        if form.exact_variant is not None:
            precisions = self.per_feature_precisions(
                np.asarray(precisions_cholesky, dtype=np.float64), means.shape[1]
            )
            if not diagonal_moments_are_accurate(means, precisions, dtype):
                form = form.exact_variant
        distances = self.distance_function(
            means, precisions_cholesky, dtype, scale=scale, offset=offset
        )
        return BlockKernel(form, distances)

    def distance_function(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        precisions = self.per_feature_precisions(precisions_cholesky, means.shape[1])
        return _feature_distance_function(
            _diagonal_coefficients(means, precisions),
            diagonal_features,
            scale,
            offset,
            dtype,
        )

    def mahalanobis(self, X, means, precisions_cholesky):
        return self.distance_function(means, precisions_cholesky, X.dtype)(X)


class DiagonalCovariance(_DiagonalDistances):
    """Axis-aligned structures stored as one variance vector per component.

    ``m_step`` receives the diagonal of each component's scatter,
    ``scatter`` of shape ``(K, d)``, and returns ``(K, d)`` variances.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.covariance import DiagonalCovariance, get_covariance_model
    >>> model = get_covariance_model("diag")
    >>> isinstance(model, DiagonalCovariance), model.param_shape(3, 2)
    (True, (3, 2))
    >>> model.to_full(np.array([[1.0, 2.0]]), 1, 2)
    array([[[1., 0.],
            [0., 2.]]])
    """

    prior_family = DIAGONAL_INVERSE_GAMMA
    own_spread = EVERY_AXIS

    def param_shape(self, n_components, n_features):
        return (n_components, n_features)

    def precision_cholesky(self, covariances):
        return _positive_sqrt_inverse(covariances, across_features=True)

    def precision_cholesky_from_precisions(self, precisions):
        return np.sqrt(precisions)

    def precisions_from_cholesky(self, precisions_cholesky):
        return precisions_cholesky**2

    def covariances_from_cholesky(self, precisions_cholesky):
        return 1.0 / np.asarray(precisions_cholesky, dtype=np.float64) ** 2

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return np.log(precisions_cholesky).sum(axis=1)

    def with_added_variance(self, covariances, amounts):
        added = np.asarray(amounts) * _largest_or_borrowed(covariances.max(axis=1))
        return covariances + added[:, np.newaxis]

    def per_feature_precisions(self, precisions_cholesky, n_features):
        return precisions_cholesky**2

    def to_full(self, covariances, n_components, n_features):
        covariances = np.asarray(covariances)
        shape = (covariances.shape[0], n_features, n_features)
        full = np.zeros(shape, covariances.dtype)
        full[:, np.arange(n_features), np.arange(n_features)] = covariances
        return full

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions)
        _check_shape(precisions, (n_components, n_features), self)
        _check_positive(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


class SphericalCovariance(_DiagonalDistances):
    """Spherical structures stored as one variance per component.

    ``m_step`` receives the diagonal of each component's scatter,
    ``scatter`` of shape ``(K, d)`` (a trace is ``scatter.sum(axis=1)``),
    and returns ``(K,)`` variances.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.covariance import SphericalCovariance, get_covariance_model
    >>> model = get_covariance_model("spherical")
    >>> isinstance(model, SphericalCovariance), model.param_shape(3, 2)
    (True, (3,))
    >>> model.to_full(np.array([1.0, 4.0]), 2, 2)[1]
    array([[4., 0.],
           [0., 4.]])

    :func:`register` shows a spherical structure defined in user code.
    """

    prior_family = SPHERICAL_INVERSE_GAMMA
    own_spread = SOME_SPREAD_ONLY

    def param_shape(self, n_components, n_features):
        return (n_components,)

    def precision_cholesky(self, covariances):
        return _positive_sqrt_inverse(covariances)

    def precision_cholesky_from_precisions(self, precisions):
        return np.sqrt(precisions)

    def precisions_from_cholesky(self, precisions_cholesky):
        return precisions_cholesky**2

    def covariances_from_cholesky(self, precisions_cholesky):
        return 1.0 / np.asarray(precisions_cholesky, dtype=np.float64) ** 2

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return n_features * np.log(precisions_cholesky)

    def with_added_variance(self, covariances, amounts):
        return covariances + np.asarray(amounts) * _largest_or_borrowed(covariances)

    def per_feature_precisions(self, precisions_cholesky, n_features):
        return np.repeat(precisions_cholesky[:, np.newaxis] ** 2, n_features, axis=1)

    def to_full(self, covariances, n_components, n_features):
        covariances = np.asarray(covariances)
        # In the covariances' dtype (float32 models stay float32).
        return covariances[:, np.newaxis, np.newaxis] * np.eye(
            n_features, dtype=covariances.dtype
        )

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions)
        _check_shape(precisions, (n_components,), self)
        _check_positive(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


def _as_float_array(array):
    # Any number of dimensions passes here, so that an array of the wrong
    # shape gets _check_shape's message naming the parameter and the shape
    # expected, not check_array's advice on reshaping data.
    return check_array(
        array,
        dtype=[np.float64, np.float32],
        ensure_2d=False,
        allow_nd=True,
        ensure_min_samples=0,
        ensure_min_features=0,
        input_name="precisions_init",
    )


def _check_shape(array, shape, model):
    if array.shape != shape:
        alias = f" ({model.aliases[0]!r})" if model.aliases else ""
        raise ValueError(
            f"precisions_init for covariance_type {model.name!r}{alias} should have "
            f"shape {shape}, but got {array.shape}."
        )
