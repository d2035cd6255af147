"""Covariance structures: the contract, the registry and every structure.

Each structure is a small stateless object that knows how one family of
component covariances is parametrised (the shape of ``covariances_``), how
many free parameters it has, how to estimate it from weighted scatter
matrices (the M-step) and how to evaluate squared Mahalanobis distances of a
block of rows to every component at once.

No code outside this module branches on the covariance type: the estimator
looks the structure up with :func:`get_covariance_model` and calls its
methods. A new structure is one subclass of :class:`CovarianceModel` plus a
call to :func:`register`.

Conventions shared by every method:

* ``K`` components, ``d`` features, all components handled together;
* a precision Cholesky factor ``P`` is upper triangular with
  ``precision = P @ P.T`` (scikit-learn's convention), so that the whitened
  residual of a row vector is ``(x - mu) @ P``;
* means and data reaching :meth:`CovarianceModel.mahalanobis` are already
  centred on the data's weighted mean by the EM engine; the structures never
  need to know.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from abc import ABC, abstractmethod
from functools import partial

import numpy as np
from scipy import linalg
from sklearn.utils import check_array

__all__ = [
    "CovarianceModel",
    "available_covariance_types",
    "get_covariance_model",
    "register",
]

_REGISTRY = {}

# Relative jitter ladder used when a covariance is numerically not positive
# definite; the first rung is the float64 resolution of the matrix' scale.
_JITTER_RUNGS = (1e-15, 1e-12, 1e-9, 1e-6, 1e-3)


def register(model):
    """Register a covariance structure under its name and aliases.

    Parameters
    ----------
    model : CovarianceModel
        Instance to register. Its ``name`` and every entry of ``aliases`` must
        not be taken already.

    Returns
    -------
    model : CovarianceModel
        The registered instance (so the function can decorate instances).
    """
    for key in (model.name, *model.aliases):
        if key in _REGISTRY:
            raise ValueError(f"Covariance type {key!r} is already registered.")
        _REGISTRY[key] = model
    return model


def get_covariance_model(covariance_type):
    """Return the registered structure for a name or alias.

    Parameters
    ----------
    covariance_type : str
        A registered name (``"VVV"``) or alias (``"full"``).

    Returns
    -------
    model : CovarianceModel
    """
    try:
        return _REGISTRY[covariance_type]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown covariance_type {covariance_type!r}; expected one of "
            f"{available_covariance_types(aliases=True)}."
        ) from None


def available_covariance_types(*, aliases=False):
    """List the registered covariance structures.

    Parameters
    ----------
    aliases : bool, default=False
        If True, list every accepted string (names and aliases); otherwise
        one canonical name per structure, in registration order.

    Returns
    -------
    names : list of str
    """
    if aliases:
        return list(_REGISTRY)
    seen = []
    for model in _REGISTRY.values():
        if model.name not in seen:
            seen.append(model.name)
    return seen


# --------------------------------------------------------------------------
# Batched linear algebra shared by the structures


def _safe_cholesky(matrices):
    """Lower Cholesky factors of a stack of symmetric matrices, never failing.

    A matrix that is not numerically positive definite gets an increasing
    multiple of its own scale added to the diagonal; matrices that needed it
    are reported so the caller can flag the components as degenerate.

    Parameters
    ----------
    matrices : ndarray of shape (K, d, d)

    Returns
    -------
    chol : ndarray of shape (K, d, d)
        Lower-triangular factors.
    jittered : ndarray of shape (K,), dtype=bool
    """
    matrices = np.asarray(matrices, dtype=np.float64)
    jittered = np.zeros(matrices.shape[0], dtype=bool)
    try:
        return np.linalg.cholesky(matrices), jittered
    except np.linalg.LinAlgError:
        pass
    chol = np.empty_like(matrices)
    eye = np.eye(matrices.shape[-1])
    # A zero matrix (a component on identical rows without reg_covar) borrows
    # the largest scale of the stack: jitter relative to zero would give a
    # precision that overflows.
    diagonals = np.diagonal(matrices, axis1=-2, axis2=-1)
    fallback = np.abs(diagonals[np.isfinite(diagonals)]).max(initial=0.0) or 1.0
    for k, matrix in enumerate(matrices):
        matrix = np.where(np.isfinite(matrix), matrix, 0.0)
        scale = np.abs(np.diag(matrix)).max(initial=0.0) or fallback
        for rung in (0.0, *_JITTER_RUNGS):
            try:
                chol[k] = np.linalg.cholesky(matrix + rung * scale * eye)
                jittered[k] = rung > 0
                break
            except np.linalg.LinAlgError:
                continue
        else:  # pragma: no cover - the last rung is diagonally dominant
            chol[k] = np.sqrt(scale) * eye
            jittered[k] = True
    return chol, jittered


def inverse_triangular(matrices, *, lower):
    """Inverses of a stack of triangular matrices, exactly triangular.

    One batched LAPACK call instead of a Python loop of triangular solves
    (whose per-call overhead dominates for small ``d``); the unused triangle
    is zeroed so that the factors stay exactly triangular.
    """
    inverse = np.linalg.inv(np.asarray(matrices, dtype=np.float64))
    return np.tril(inverse) if lower else np.triu(inverse)


def _precision_cholesky_from_cov_cholesky(cov_chol):
    """Upper factors ``P`` with ``P @ P.T = inv(L @ L.T)`` for lower ``L``."""
    return np.swapaxes(inverse_triangular(cov_chol, lower=True), -1, -2)


def _flip(matrices):
    return matrices[..., ::-1, ::-1]


def _precision_cholesky_from_precisions(precisions):
    """Upper factors ``P`` with ``P @ P.T = precision`` (a stack of matrices)."""
    # Cholesky of the reversed matrix gives the upper factor after reversal.
    return np.ascontiguousarray(_flip(np.linalg.cholesky(_flip(precisions))))


def _check_spd(matrices, what):
    for k, matrix in enumerate(matrices):
        if not np.allclose(matrix, matrix.T) or np.linalg.eigvalsh(matrix).min() <= 0:
            where = f" (component {k})" if len(matrices) > 1 else ""
            raise ValueError(
                f"'{what}' precision{where} should be symmetric, positive-definite."
                " Pass inverse covariance matrices."
            )


def _check_positive(values, what):
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise ValueError(
            f"'{what}' precision should be positive and finite; got minimum "
            f"{np.min(values)!r}."
        )


# Largest tolerated rounding of the moment form of the distances, relative to
# the typical squared distance ``d`` of a component's own rows (see
# _moment_form_is_accurate). float32 is asked for speed and memory: it trades
# distances exact to about 1e-6 for distances exact to 0.1%, i.e. densities
# and responsibilities within 0.05%.
_MOMENT_FORM_TOLERANCE = {np.float64: 1e-7, np.float32: 1e-3}


def _moment_form_is_accurate(means, precisions_cholesky, dtype):
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
    """
    precisions = precisions_cholesky @ np.swapaxes(precisions_cholesky, -1, -2)
    unwhiten = inverse_triangular(precisions_cholesky, lower=False)
    deviations = np.sqrt(np.einsum("kij,kij->kj", unwhiten, unwhiten))
    spread = np.abs(means) + deviations
    reach = np.max(np.einsum("kd,kde,ke->k", spread, np.abs(precisions), spread))
    tolerance = _MOMENT_FORM_TOLERANCE[np.dtype(dtype).type] * means.shape[1]
    return bool(2.0 * np.finfo(dtype).eps * reach < tolerance)


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


def outer_product_columns(n_features):
    """Row/column indices of the upper triangle, the pairs of ``vech``."""
    return np.triu_indices(n_features)


def moment_features(X):
    """Every row's moments up to order two, feature-major, shape (m, n).

    Rows of the result: the products ``x_i x_j`` for ``i <= j`` in
    :func:`outer_product_columns` order, then the ``d`` coordinates, then a
    row of ones (``m = d (d + 1) / 2 + d + 1``). Every moment-form quantity is
    then a single matrix product: distances ``coefficients @ features``
    (:func:`_moment_coefficients`) and the M-step's sums
    ``features @ weighted_resp`` (``_stats.MomentScatter``). The feature-major
    layout makes every product one contiguous vector operation over the rows,
    several times faster than row-major slices or gathers with index arrays.
    """
    n, d = X.shape
    n_pairs = d * (d + 1) // 2
    features = np.empty((n_pairs + d + 1, n), dtype=X.dtype)
    columns = features[n_pairs : n_pairs + d]
    columns[...] = X.T
    features[-1] = 1.0
    start = 0
    for i in range(d):
        stop = start + d - i
        np.multiply(columns[i], columns[i:], out=features[start:stop])
        start = stop
    return features


def _moment_coefficients(means, precisions_cholesky):
    """Rows ``c_k`` with ``c_k . features(x) = (x - mu_k)' L_k (x - mu_k)``."""
    rows, cols = outer_product_columns(means.shape[1])
    precisions = precisions_cholesky @ np.swapaxes(precisions_cholesky, -1, -2)
    # Off-diagonal entries appear twice in x' L x.
    quadratic = precisions[:, rows, cols] * np.where(rows == cols, 1.0, 2.0)
    linear = np.einsum("kde,ke->kd", precisions, means)
    constant = np.einsum("kd,kd->k", means, linear)
    return np.hstack([quadratic, -2.0 * linear, constant[:, np.newaxis]])


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
    fold = offset is not None and bool(np.all(np.isfinite(offset)))
    coefficients = coefficients * scale
    if fold:
        coefficients[:, -1] += offset
    coefficients = coefficients.astype(dtype)
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


# --------------------------------------------------------------------------
# The contract


class CovarianceModel(ABC):
    """Contract every covariance structure fulfils.

    Attributes
    ----------
    name : str
        mclust's three-letter name (``"VVV"``).
    aliases : tuple of str
        Other accepted names (scikit-learn's ``"full"``).
    scatter : {"full", "diag", "pooled"}
        Which weighted scatter the M-step needs: one ``(d, d)`` matrix per
        component, its diagonal only ``(K, d)``, or the pooled within-component
        matrix ``(d, d)``. The EM engine accumulates exactly that.
    description : str
        One line for documentation and tables.
    max_n_features : int or None
        Largest number of features the structure is defined for (mclust's
        one-feature ``"E"`` and ``"V"``: 1); None for any.
    prior_family : {"matrix", "diagonal", "spherical"}
        The conjugate prior the covariance takes (see ``_prior``): inverse
        Wishart on a covariance matrix, inverse gamma on each variance of a
        diagonal covariance, or inverse gamma on the one variance of a
        spherical covariance.
    equal_volume : bool
        Whether every component has the same ``|Sigma_k|``; the determinant
        term of the covariance prior then counts once, not once per component.
    equal_covariance : bool
        Whether every component has the same covariance; the scale term of the
        covariance prior then counts once too.
    """

    name = None
    aliases = ()
    scatter = "full"
    description = ""
    max_n_features = None
    prior_family = "matrix"
    equal_volume = False
    equal_covariance = False

    # -- sizes ---------------------------------------------------------------
    @abstractmethod
    def param_shape(self, n_components, n_features):
        """Shape of ``covariances_``, ``precisions_`` and their Cholesky."""

    @abstractmethod
    def n_parameters(self, n_components, n_features):
        """Number of free covariance parameters (for BIC and AIC)."""

    # -- M-step --------------------------------------------------------------
    @abstractmethod
    def m_step(self, nk, scatter, reg_covar, previous=None):
        """Covariance parameters from weighted scatter.

        Parameters
        ----------
        nk : ndarray of shape (K,)
            Summed (weighted) responsibilities.
        scatter : ndarray
            ``(K, d, d)``, ``(K, d)`` or ``(d, d)`` according to ``scatter``:
            ``sum_i w_i r_ik (x_i - xbar_k)(x_i - xbar_k)^T``.
        reg_covar : float
            Added to the diagonal of every covariance.
        previous : ndarray of shape ``param_shape(K, d)`` or None
            The covariances of the parameters that produced the
            responsibilities (None at initialisation). Structures whose
            M-step is a non-convex inner iteration (EVE, VVE) start from them
            too, so that the result is never worse than them: every EM
            iteration is then a generalised EM step that cannot decrease the
            likelihood. Closed-form structures ignore it.

        Returns
        -------
        covariances : ndarray of shape ``param_shape(K, d)``
        """

    # -- factorisations ------------------------------------------------------
    @abstractmethod
    def precision_cholesky(self, covariances):
        """Cholesky factors of the precisions, and which components needed jitter.

        Returns
        -------
        precisions_cholesky : ndarray of shape ``param_shape``
        jittered : ndarray of shape (K,), dtype=bool
            Components whose covariance was not numerically positive definite
            and was regularised to be factorised.
        """

    @abstractmethod
    def precision_cholesky_from_precisions(self, precisions):
        """Cholesky factors of user-supplied precisions."""

    @abstractmethod
    def precisions_from_cholesky(self, precisions_cholesky):
        """``P @ P.T`` in the structure's own shape."""

    @abstractmethod
    def covariances_from_cholesky(self, precisions_cholesky):
        """Covariances ``inv(P @ P.T)`` in the structure's own shape."""

    @abstractmethod
    def log_det_cholesky(self, precisions_cholesky, n_features):
        """``log det P`` per component, shape (K,): half the precision's log det."""

    # -- distances -----------------------------------------------------------
    def block_form(self, means, precisions_cholesky, dtype):
        """Which accumulator takes this structure's blocks (``_stats``).

        Usually ``scatter``; a structure with several ways to compute its
        distances says which one :meth:`mahalanobis` uses for these
        parameters, since the second output of :meth:`mahalanobis` differs.
        """
        return self.scatter

    def distance_function(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        """:meth:`mahalanobis` with the parameters bound, for many blocks.

        One E-step evaluates the same parameters on every block of rows;
        structures compute what depends only on the parameters once here.
        The E-step wants ``-dist / 2`` plus a per-component constant, so the
        function can return that affine transform of the distances directly:
        structures whose distances are one matrix product fold it into the
        product.

        Parameters
        ----------
        means : ndarray of shape (K, d)
            Centred means.
        precisions_cholesky : ndarray
        dtype : numpy dtype
            dtype of the blocks.
        scale : float, default=1.0
            Factor applied to every distance.
        offset : ndarray of shape (K,) or None, default=None
            Added to the distances to each component after scaling.

        Returns
        -------
        distances : callable
            ``distances(X)`` returns what ``mahalanobis(X, means,
            precisions_cholesky)`` returns, its first output (a fresh array)
            transformed to ``scale * dist + offset``. The forms with
            features (see :meth:`mahalanobis`) also accept them,
            ``distances(X, features)``.
        """
        bound = partial(
            self.mahalanobis,
            means=means.astype(dtype, copy=False),
            precisions_cholesky=precisions_cholesky.astype(dtype, copy=False),
        )
        if offset is not None:
            offset = np.asarray(offset).astype(dtype)
        return _affine(bound, scale, offset)

    @abstractmethod
    def mahalanobis(self, X, means, precisions_cholesky):
        """Squared Mahalanobis distances of every row to every component.

        Parameters
        ----------
        X : ndarray of shape (n, d)
            A block of centred rows.
        means : ndarray of shape (K, d)
            Centred means, same dtype as ``X``.
        precisions_cholesky : ndarray
            Same dtype as ``X``.

        Returns
        -------
        dist : ndarray of shape (n, K)
        aux : ndarray or None
            What the block's accumulator (:meth:`block_form`) needs besides
            the rows. For ``"full"``: the whitened residuals
            ``(x - mu_k) @ P_k`` followed by a constant 1, shape
            ``(n, K, d + 1)``, so that one symmetric product per component
            yields ``N_k``, the sums and the scatter, well conditioned
            (``_stats.WhitenedScatter``). For ``"full-moments"``: the rows'
            :func:`moment_features`, shape ``(d (d + 1) / 2 + d + 1, n)``
            (``_stats.MomentScatter``). For ``"diag"``: the rows'
            :func:`diagonal_features`, shape ``(2 d + 1, n)``
            (``_stats.DiagonalScatter``). None otherwise.
        """

    # -- conversions ---------------------------------------------------------
    @abstractmethod
    def to_full(self, covariances, n_components, n_features):
        """The covariances as a ``(K, d, d)`` stack."""

    @abstractmethod
    def check_precisions(self, precisions, n_components, n_features):
        """Validate user ``precisions_init``; return it as a float array."""

    def __repr__(self):
        return f"<covariance model {self.name}>"


# --------------------------------------------------------------------------
# Families sharing their representation


class _FullMatrices(CovarianceModel):
    """Structures stored as one ``(d, d)`` matrix per component."""

    scatter = "full"

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

    def log_det_cholesky(self, precisions_cholesky, n_features):
        diag = np.diagonal(precisions_cholesky, axis1=-2, axis2=-1)
        return np.sum(np.log(diag), axis=-1)

    def block_form(self, means, precisions_cholesky, dtype):
        n_components, n_features = means.shape
        if _moment_form_pays(n_components, n_features) and _moment_form_is_accurate(
            means, precisions_cholesky, dtype
        ):
            return "full-moments"
        return "full"

    def distance_function(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        if self.block_form(means, precisions_cholesky, dtype) == "full-moments":
            return _feature_distance_function(
                _moment_coefficients(means, precisions_cholesky),
                moment_features,
                scale,
                offset,
                dtype,
            )
        return super().distance_function(
            means, precisions_cholesky, dtype, scale=scale, offset=offset
        )

    def mahalanobis(self, X, means, precisions_cholesky):
        if self.block_form(means, precisions_cholesky, X.dtype) == "full-moments":
            return self.distance_function(means, precisions_cholesky, X.dtype)(X)
        return _mahalanobis_whitened(X, means, precisions_cholesky)

    def to_full(self, covariances, n_components, n_features):
        return np.asarray(covariances)

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions, allow_nd=True)
        _check_shape(precisions, (n_components, n_features, n_features), self)
        _check_spd(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


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


class _PooledMatrix(CovarianceModel):
    """One ``(d, d)`` matrix shared by all components."""

    scatter = "pooled"
    equal_volume = True
    equal_covariance = True

    def param_shape(self, n_components, n_features):
        return (n_features, n_features)

    def precision_cholesky(self, covariances):
        P, jittered = _FULL.precision_cholesky(covariances[np.newaxis])
        return P[0], jittered

    def precision_cholesky_from_precisions(self, precisions):
        return _precision_cholesky_from_precisions(precisions)

    def precisions_from_cholesky(self, precisions_cholesky):
        return precisions_cholesky @ precisions_cholesky.T

    def covariances_from_cholesky(self, precisions_cholesky):
        return _FULL.covariances_from_cholesky(precisions_cholesky[np.newaxis])[0]

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return np.atleast_1d(np.sum(np.log(np.diag(precisions_cholesky))))

    def mahalanobis(self, X, means, precisions_cholesky):
        # Component-major and in place, as _diagonal_distances.
        whitened = precisions_cholesky.T @ X.T
        whitened_means = means @ precisions_cholesky
        dist = whitened_means @ whitened
        dist *= -2.0
        np.square(whitened, out=whitened)
        dist += np.ones(whitened.shape[0], dtype=X.dtype) @ whitened
        dist += np.einsum("kd,kd->k", whitened_means, whitened_means)[:, np.newaxis]
        # The expansion can round a tiny distance below zero.
        np.maximum(dist, 0.0, out=dist)
        return dist.T, None

    def to_full(self, covariances, n_components, n_features):
        return np.broadcast_to(covariances, (n_components, *covariances.shape)).copy()

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions)
        _check_shape(precisions, (n_features, n_features), self)
        what = self.aliases[0] if self.aliases else self.name
        _check_spd(precisions[np.newaxis], what)
        return precisions


class _DiagonalDistances(CovarianceModel):
    """Distances of the axis-aligned structures, from per-feature precisions."""

    scatter = "diag"

    @abstractmethod
    def per_feature_precisions(self, precisions_cholesky, n_features):
        """Each component's precisions as a vector, shape (K, d)."""

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


class _DiagonalVectors(_DiagonalDistances):
    """Axis-aligned structures stored as one variance vector per component."""

    prior_family = "diagonal"

    def param_shape(self, n_components, n_features):
        return (n_components, n_features)

    def precision_cholesky(self, covariances):
        return _positive_sqrt_inverse(covariances)

    def precision_cholesky_from_precisions(self, precisions):
        return np.sqrt(precisions)

    def precisions_from_cholesky(self, precisions_cholesky):
        return precisions_cholesky**2

    def covariances_from_cholesky(self, precisions_cholesky):
        return 1.0 / np.asarray(precisions_cholesky, dtype=np.float64) ** 2

    def log_det_cholesky(self, precisions_cholesky, n_features):
        return np.sum(np.log(precisions_cholesky), axis=1)

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


class _SphericalScalars(_DiagonalDistances):
    """Spherical structures stored as one variance per component."""

    prior_family = "spherical"

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

    def per_feature_precisions(self, precisions_cholesky, n_features):
        return np.repeat(precisions_cholesky[:, np.newaxis] ** 2, n_features, axis=1)

    def to_full(self, covariances, n_components, n_features):
        covariances = np.asarray(covariances)
        return covariances[:, np.newaxis, np.newaxis] * np.eye(n_features)

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions, ensure_2d=False)
        _check_shape(precisions, (n_components,), self)
        _check_positive(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


def diagonal_features(X):
    """Every row's squares, coordinates and a one, feature-major, shape (2d + 1, n).

    The diagonal analogue of :func:`moment_features`: distances are
    ``coefficients @ features`` (:func:`_diagonal_coefficients`) and the
    diagonal accumulator's sums are ``features @ weighted_resp``. The
    feature-major layout gives component-major distances, whose reductions
    over components (``_em.normalize_log_prob``) are contiguous vector
    operations, about twice as fast as on row-major ``(n, K)`` distances.
    """
    n, d = X.shape
    features = np.empty((2 * d + 1, n), dtype=X.dtype)
    columns = features[d : 2 * d]
    columns[...] = X.T
    np.multiply(columns, columns, out=features[:d])
    features[-1] = 1.0
    return features


def _diagonal_coefficients(means, precisions):
    """Rows ``c_k`` with ``c_k . diagonal_features(x) = sum_j p_kj (x_j - mu_kj)^2``."""
    weighted_means = means * precisions
    constant = np.sum(means * weighted_means, axis=1)
    return np.hstack([precisions, -2.0 * weighted_means, constant[:, np.newaxis]])


def _positive_sqrt_inverse(variances):
    """``1 / sqrt(v)`` with non-positive variances floored to a tiny value."""
    variances = np.asarray(variances, dtype=np.float64)
    bad = ~(variances > 0) | ~np.isfinite(variances)
    if bad.any():
        scale = np.abs(variances[np.isfinite(variances)]).max(initial=1.0)
        variances = np.where(bad, scale * _JITTER_RUNGS[0], variances)
    jittered = bad.reshape(bad.shape[0], -1).any(axis=1)
    return 1.0 / np.sqrt(variances), jittered


def _as_float_array(array, *, ensure_2d=True, allow_nd=False):
    return check_array(
        array,
        dtype=[np.float64, np.float32],
        ensure_2d=ensure_2d,
        allow_nd=allow_nd,
        input_name="precisions_init",
    )


def _check_shape(array, shape, model):
    if array.shape != shape:
        alias = f" ({model.aliases[0]!r})" if model.aliases else ""
        raise ValueError(
            f"precisions_init for covariance_type {model.name!r}{alias} should have "
            f"shape {shape}, but got {array.shape}."
        )


# --------------------------------------------------------------------------
# The structures


class VVV(_FullMatrices):
    """Unconstrained covariance per component (scikit-learn's ``"full"``)."""

    name = "VVV"
    aliases = ("full",)
    description = "ellipsoidal, varying volume, shape and orientation"

    def n_parameters(self, n_components, n_features):
        return n_components * n_features * (n_features + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        covariances = scatter / nk[:, np.newaxis, np.newaxis]
        covariances = 0.5 * (covariances + np.swapaxes(covariances, -1, -2))
        d = covariances.shape[-1]
        covariances[:, np.arange(d), np.arange(d)] += reg_covar
        return covariances


class EEE(_PooledMatrix):
    """One covariance shared by every component (scikit-learn's ``"tied"``)."""

    name = "EEE"
    aliases = ("tied",)
    description = "ellipsoidal, equal volume, shape and orientation"

    def n_parameters(self, n_components, n_features):
        return n_features * (n_features + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        covariance = scatter / np.sum(nk)
        covariance = 0.5 * (covariance + covariance.T)
        covariance[np.diag_indices_from(covariance)] += reg_covar
        return covariance


class VVI(_DiagonalVectors):
    """Diagonal covariance per component (scikit-learn's ``"diag"``)."""

    name = "VVI"
    aliases = ("diag",)
    description = "diagonal, varying volume and shape"

    def n_parameters(self, n_components, n_features):
        return n_components * n_features

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return scatter / nk[:, np.newaxis] + reg_covar


class VII(_SphericalScalars):
    """One variance per component (scikit-learn's ``"spherical"``)."""

    name = "VII"
    aliases = ("spherical",)
    description = "spherical, varying volume"

    def n_parameters(self, n_components, n_features):
        return n_components

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return np.mean(scatter / nk[:, np.newaxis] + reg_covar, axis=1)


_FULL = register(VVV())
register(EEE())
register(VVI())
register(VII())


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
# relative to ``max(|f|, n d)`` (``n d`` is the size of ``f`` near its optimum
# and keeps the test meaningful when ``f`` happens to be near zero), or after
# ``_INNER_MAX_ITER`` iterations. Each iteration is an exact minimisation over
# one block of parameters, so ``f`` never increases: stopping early still
# gives a generalised EM step.
_INNER_TOL = 1e-10
_INNER_MAX_ITER = 100
_TINY = np.finfo(np.float64).tiny
_EPS = np.finfo(np.float64).eps


def _regularized_diagonal(nk, scatter, reg_covar):
    """``diag(W_k) + n_k reg_covar``, floored (see :func:`_floor_diagonal`)."""
    return _floor_diagonal(nk, scatter + reg_covar * nk[:, np.newaxis])


def _regularized_matrices(nk, scatter, reg_covar):
    """``W_k + n_k reg_covar I``, floored (see :func:`_floor_matrices`)."""
    return _floor_matrices(nk, _add_to_diagonal(scatter, reg_covar * nk))


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
    pooled = values.sum(axis=0) / np.sum(nk)
    fallback = pooled.max() if pooled.max() > 0 else 1.0
    pooled = np.where(pooled > 0, pooled, fallback)
    return values + _JITTER_RUNGS[0] * nk[:, np.newaxis] * pooled


def _floor_matrices(nk, scatter):
    """Scatter (K, d, d) with ``n_k * 1e-15 * s`` on the diagonal.

    ``s`` is the pooled within-component variance averaged over the features;
    see :func:`_floor_diagonal` for why.
    """
    d = scatter.shape[-1]
    scale = np.trace(scatter.sum(axis=0)) / (d * np.sum(nk))
    scale = scale if scale > 0 else 1.0
    return _symmetric(_add_to_diagonal(scatter, _JITTER_RUNGS[0] * scale * nk))


def _geometric_mean(values):
    """``prod(values) ** (1 / d)`` over the last axis, for positive values."""
    return np.exp(np.mean(np.log(np.maximum(values, _TINY)), axis=-1))


def _unit_det_diagonal(values):
    """A positive vector scaled to product one (a diagonal shape ``A``)."""
    values = np.maximum(values, _TINY)
    return values / _geometric_mean(values)


def _log_det_spd(matrices):
    """``log|M_k|`` of a stack of symmetric positive semi-definite matrices.

    Cholesky where possible (insensitive to the scaling of the features);
    a singular matrix (``reg_covar=0`` with a degenerate component) has its
    eigenvalues floored at float64 resolution so that the result stays finite
    and the engine can flag the component.
    """
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
        chol = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        values = np.maximum(values, max(values[-1] * _EPS, _TINY))
        values = values / _geometric_mean(values)
        return (
            (vectors * values) @ vectors.T,
            (vectors / values) @ vectors.T,
            float(np.sum(np.log(values))),
        )
    factor = np.exp(2.0 * np.sum(np.log(np.diag(chol))) / d)
    inv_chol = linalg.solve_triangular(chol, np.eye(d), lower=True)
    return matrix / factor, factor * (inv_chol.T @ inv_chol), 0.0


def _diagonal_objective(nk, values, variances):
    """``f`` for covariances that are diagonal in the basis where W_k has diagonal
    ``values`` (its own axes, eigenvectors, or a common orientation)."""
    return float(
        np.sum(nk * np.sum(np.log(variances), axis=1)) + np.sum(values / variances)
    )


def _small_change(previous, current, scale, tol):
    return abs(previous - current) <= tol * max(abs(current), scale)


def _symmetric(matrices):
    return 0.5 * (matrices + np.swapaxes(matrices, -1, -2))


def _add_to_diagonal(matrices, values):
    """``M_k + values_k I`` for a stack (values of shape (K,)) or one matrix."""
    matrices = np.array(matrices, dtype=np.float64)
    d = matrices.shape[-1]
    if matrices.ndim == 3:
        matrices[:, np.arange(d), np.arange(d)] += np.asarray(values)[:, np.newaxis]
    else:
        matrices[np.arange(d), np.arange(d)] += values
    return matrices


def _rotate(vectors, variances):
    """``D_k diag(variances_k) D_k^T`` for one ``D`` (d, d) or a stack (K, d, d)."""
    if vectors.ndim == 2:
        return _symmetric(np.einsum("ij,kj,lj->kil", vectors, variances, vectors))
    return _symmetric(np.einsum("kij,kj,klj->kil", vectors, variances, vectors))


# Eigenvalues of one W_k closer than this (relative to the largest of any
# component) are tied; see _eigh_reproducible. Far above the rounding of
# accumulated scatter (about 1e-15 relative), far below any gap that sampling
# produces, and far below the variance ratio of a collapsed component (1e-6).
_TIE_RTOL = 1e-11


def _eigh_reproducible(scatter):
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
    """
    values, vectors = np.linalg.eigh(scatter)
    reference = scatter.sum(axis=0)
    # Relative to the largest scatter of all components, not of each: an
    # empty component's W_k is rounding noise, all of it tied at zero.
    tol = _TIE_RTOL * max(np.abs(values).max(initial=0.0), _TINY)
    for k in range(scatter.shape[0]):
        starts = np.flatnonzero(np.diff(values[k]) > tol) + 1
        for block in np.split(np.arange(values.shape[1]), starts):
            if block.size > 1:
                basis = vectors[k][:, block]
                _, rotation = np.linalg.eigh(basis.T @ reference @ basis)
                vectors[k][:, block] = basis @ rotation
    return values, vectors


def _common_shape_volumes(nk, values, tol, max_iter):
    """Volumes and one shape minimising ``f`` for ``Sigma_k = lambda_k A``.

    ``values`` (K, d) are the diagonals of the W_k in the basis where the
    covariances are diagonal: the features (VEI) or each component's
    eigenvectors (VEV). Alternates the two exact block minimisations
    ``A = diag(sum_k W_k / lambda_k)`` scaled to determinant one and
    ``lambda_k = tr(W_k A^-1) / (d n_k)``, from the spherical (VII) start.

    Returns
    -------
    volumes : ndarray of shape (K,)
    shape : ndarray of shape (d,), product one
    trace : list of float
        ``f`` at the start and after every iteration; never increasing.
    """
    d = values.shape[1]
    values = np.maximum(values, 0.0)
    scale = float(np.sum(nk)) * d
    volumes = np.maximum(values.sum(axis=1) / (d * nk), _TINY)
    shape = np.ones(d)
    trace = [_diagonal_objective(nk, values, volumes[:, np.newaxis] * shape)]
    for _ in range(max_iter):
        shape = _unit_det_diagonal(np.sum(values / volumes[:, np.newaxis], axis=0))
        volumes = np.maximum((values / shape).sum(axis=1) / (d * nk), _TINY)
        trace.append(_diagonal_objective(nk, values, volumes[:, np.newaxis] * shape))
        if _small_change(trace[-2], trace[-1], scale, tol):
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
    nk, scatter, tol=_INNER_TOL, max_iter=_INNER_MAX_ITER, return_trace=False
):
    """VEV covariances ``lambda_k D_k A D_k^T`` (K, d, d) from scatter (K, d, d).

    ``D_k`` are the eigenvectors of ``W_k``, eigenvalues in the same (ascending)
    order for every component: pairing the largest eigenvalue of each ``W_k``
    with the largest of the common ``A`` is what minimises ``f`` for a given
    ``A`` (von Neumann's trace inequality), and the updates keep ``A`` in that
    order. Volumes and shape then come from the eigenvalues as for VEI.
    """
    eigenvalues, eigenvectors = _eigh_reproducible(_symmetric(scatter))
    volumes, shape, trace = _common_shape_volumes(nk, eigenvalues, tol, max_iter)
    covariances = _rotate(eigenvectors, volumes[:, np.newaxis] * shape)
    return (covariances, trace) if return_trace else covariances


def _vee_objective(nk, scatter, volumes, shape_inv, shape_log_det):
    traces = np.einsum("ij,kji->k", shape_inv, scatter)
    d = scatter.shape[-1]
    value = np.sum(nk * (d * np.log(volumes) + shape_log_det))
    return float(value + np.sum(traces / volumes)), traces


def _vee_m_step(
    nk, scatter, tol=_INNER_TOL, max_iter=_INNER_MAX_ITER, return_trace=False
):
    """VEE covariances ``lambda_k C`` (K, d, d), ``|C| = 1``, from scatter (K, d, d).

    Alternates the exact block minimisations ``C = sum_k W_k / lambda_k``
    scaled to determinant one and ``lambda_k = tr(W_k C^-1) / (d n_k)``, from
    the spherical (VII) start ``C = I``.
    """
    d = scatter.shape[-1]
    scatter = _symmetric(scatter)
    scale = float(np.sum(nk)) * d
    _, traces = _vee_objective(nk, scatter, np.ones_like(nk), np.eye(d), 0.0)
    volumes = np.maximum(traces / (d * nk), _TINY)
    shape = np.eye(d)
    trace = [_vee_objective(nk, scatter, volumes, shape, 0.0)[0]]
    for _ in range(max_iter):
        shape, shape_inv, log_det = _unit_det_matrix(
            np.sum(scatter / volumes[:, np.newaxis, np.newaxis], axis=0)
        )
        _, traces = _vee_objective(nk, scatter, volumes, shape_inv, log_det)
        volumes = np.maximum(traces / (d * nk), _TINY)
        trace.append(_vee_objective(nk, scatter, volumes, shape_inv, log_det)[0])
        if _small_change(trace[-2], trace[-1], scale, tol):
            break
    covariances = _symmetric(volumes[:, np.newaxis, np.newaxis] * shape)
    return (covariances, trace) if return_trace else covariances


def _round_robin(d):
    """Pairs of axes in d - 1 (or d) rounds of disjoint pairs (circle method)."""
    players = list(range(d)) + ([None] if d % 2 else [])
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        pairs = [
            (min(a, b), max(a, b))
            for a, b in zip(players[: m // 2], players[::-1][: m // 2], strict=True)
            if a is not None and b is not None
        ]
        if pairs:
            first, second = np.array(pairs).T
            rounds.append((first, second))
        players = [players[0], players[-1], *players[1:-1]]
    return tuple(rounds)


def _shared_axes(covariances):
    """An orthogonal ``D`` diagonalising covariances that share their axes.

    Commuting matrices share their eigenvectors, and so does any combination
    of them; distinct, scale-normalised weights keep a tie within one
    component from leaving the axes undetermined. (For covariances that do
    not share axes, such as user-given starting precisions, this is merely
    one more orthogonal start.)
    """
    covariances = _symmetric(covariances)
    scales = np.trace(covariances, axis1=1, axis2=2)
    weights = np.arange(1, covariances.shape[0] + 1) / np.where(scales > 0, scales, 1.0)
    return np.linalg.eigh(np.tensordot(weights, covariances, axes=1))[1]


def _profile_variances(nk, values, equal_volume):
    """Best ``lambda_k A_k`` (K, d) given the orientation (diagonals ``values``).

    EVE: ``A_k = B_k / |B_k|^(1/d)`` and ``lambda = sum_k |B_k|^(1/d) / n``;
    VVE: ``lambda_k A_k = B_k / n_k``, with ``B_k = diag(D^T W_k D)``.
    """
    values = np.maximum(values, _TINY)
    if equal_volume:
        roots = _geometric_mean(values)
        return (np.sum(roots) / np.sum(nk)) * values / roots[:, np.newaxis]
    return np.maximum(values / nk[:, np.newaxis], _TINY)


def _common_orientation(nk, scatter, equal_volume, tol, max_iter, previous=None):
    """``Sigma_k = D diag(v_k) D^T`` with one orthogonal ``D`` (EVE and VVE).

    Alternates (i) a sweep of Jacobi plane rotations of ``D`` with the
    variances fixed and (ii) the closed-form variances for that ``D``
    (:func:`_profile_variances`). With the variances fixed, rotating axes
    ``i`` and ``j`` by ``theta`` changes ``sum_k tr(D V_k^-1 D^T W_k)`` by
    ``a cos(2 theta) + b sin(2 theta)``, so each rotation is its exact
    minimiser; rotations in disjoint planes do not interact and are applied
    together (round-robin order). This is a block-coordinate descent on the
    same objective as Browne and McNicholas' (2014) MM iteration, and, like it,
    never increases ``f``; it was preferred because it converges in far fewer
    iterations (the MM bound is loose for anisotropic components).

    The objective has local minima, so the start is the best of several
    orientations: the features' axes (where the profile equals the EVI/VVI
    estimate), the principal axes of the pooled scatter (where EEE lies in
    the family) and, in EM, the orientation of the ``previous`` covariances.
    The result is never worse than any of them; in particular never worse
    than the previous parameters, which makes each EM iteration a
    generalised EM step.

    Returns
    -------
    covariances : ndarray of shape (K, d, d)
    trace : list of float
    """
    d = scatter.shape[-1]
    scatter = _symmetric(scatter)
    scale = float(np.sum(nk)) * d
    starts = [np.eye(d), np.linalg.eigh(scatter.sum(axis=0))[1]]
    if previous is not None and np.all(np.isfinite(previous)):
        starts.append(_shared_axes(np.asarray(previous, dtype=np.float64)))
    best = None
    for axes in starts:
        rotated = _symmetric(axes.T @ scatter @ axes)
        values = np.diagonal(rotated, axis1=1, axis2=2)
        variances = _profile_variances(nk, values, equal_volume)
        value = _diagonal_objective(nk, values, variances)
        if best is None or value < best[0]:
            best = (value, axes, rotated, variances)
    value, axes, rotated, variances = best
    trace = [value]
    rounds = _round_robin(d)
    for _ in range(max_iter if rounds else 0):
        inverse = 1.0 / variances
        for first, second in rounds:
            weight = inverse[:, first] - inverse[:, second]
            a = 0.5 * np.sum(
                (rotated[:, first, first] - rotated[:, second, second]) * weight, axis=0
            )
            b = np.sum(rotated[:, first, second] * weight, axis=0)
            theta = np.where((a == 0) & (b == 0), 0.0, 0.5 * np.arctan2(-b, -a))
            cos, sin = np.cos(theta), np.sin(theta)
            rotation = np.eye(d)
            rotation[first, first] = cos
            rotation[second, second] = cos
            rotation[second, first] = sin
            rotation[first, second] = -sin
            axes = axes @ rotation
            rotated = rotation.T @ rotated @ rotation
        rotated = _symmetric(rotated)
        values = np.diagonal(rotated, axis1=1, axis2=2)
        variances = _profile_variances(nk, values, equal_volume)
        trace.append(_diagonal_objective(nk, values, variances))
        if _small_change(trace[-2], trace[-1], scale, tol):
            break
    return _rotate(axes, variances), trace


def _eve_m_step(
    nk,
    scatter,
    tol=_INNER_TOL,
    max_iter=_INNER_MAX_ITER,
    return_trace=False,
    previous=None,
):
    """EVE covariances ``lambda D A_k D^T`` (K, d, d).

    See :func:`_common_orientation`.
    """
    covariances, trace = _common_orientation(nk, scatter, True, tol, max_iter, previous)
    return (covariances, trace) if return_trace else covariances


def _vve_m_step(
    nk,
    scatter,
    tol=_INNER_TOL,
    max_iter=_INNER_MAX_ITER,
    return_trace=False,
    previous=None,
):
    """VVE covariances ``lambda_k D A_k D^T`` (K, d, d).

    See :func:`_common_orientation`.
    """
    covariances, trace = _common_orientation(
        nk, scatter, False, tol, max_iter, previous
    )
    return (covariances, trace) if return_trace else covariances


# -- axis-aligned structures ----------------------------------------------


class EII(_DiagonalVectors):
    """Spherical, equal volume: ``Sigma_k = lambda I``.

    ``covariances_`` has shape ``(K, d)`` with identical entries, so that the
    structure shares the diagonal representation and distances.

    Notes
    -----
    M-step: ``lambda = tr(W) / (n d)`` with ``W`` the pooled within-component
    scatter, plus ``reg_covar``. One free parameter.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "EII"
    scatter = "pooled"
    prior_family = "spherical"
    equal_volume = True
    equal_covariance = True
    description = "spherical, equal volume"

    def n_parameters(self, n_components, n_features):
        return 1

    def m_step(self, nk, scatter, reg_covar, previous=None):
        d = scatter.shape[-1]
        variance = np.trace(scatter) / (np.sum(nk) * d) + reg_covar
        return np.full((nk.shape[0], d), variance)


class EEI(_DiagonalVectors):
    """Diagonal, equal volume and shape: ``Sigma_k = lambda A`` (one diagonal).

    ``covariances_`` has shape ``(K, d)`` with identical rows.

    Notes
    -----
    M-step: ``Sigma = diag(W) / n`` from the pooled within-component scatter
    ``W``, plus ``reg_covar``. ``d`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "EEI"
    scatter = "pooled"
    equal_volume = True
    equal_covariance = True
    description = "diagonal, equal volume and shape"

    def n_parameters(self, n_components, n_features):
        return n_features

    def m_step(self, nk, scatter, reg_covar, previous=None):
        variances = np.maximum(np.diag(scatter), 0.0) / np.sum(nk) + reg_covar
        return np.broadcast_to(variances, (nk.shape[0], variances.shape[0])).copy()


class VEI(_DiagonalVectors):
    """Diagonal, varying volume, equal shape: ``Sigma_k = lambda_k A``.

    Notes
    -----
    M-step (no closed form): from ``B_k = diag(W_k) + n_k reg_covar``,
    alternate ``A = diag(sum_k B_k / lambda_k)`` scaled to determinant one and
    ``lambda_k = tr(B_k A^-1) / (d n_k)`` until the objective
    ``sum_k n_k log|Sigma_k| + tr(Sigma_k^-1 W_k)`` changes by less than
    ``1e-10`` relative, or 100 iterations. ``K + d - 1`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "VEI"
    scatter = "diag"
    description = "diagonal, varying volume, equal shape"

    def n_parameters(self, n_components, n_features):
        return n_components + n_features - 1

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return _vei_m_step(nk, _regularized_diagonal(nk, scatter, reg_covar))


class EVI(_DiagonalVectors):
    """Diagonal, equal volume, varying shape: ``Sigma_k = lambda A_k``.

    Notes
    -----
    M-step (closed form): with ``B_k = diag(W_k) + n_k reg_covar``,
    ``A_k = B_k / |B_k|^(1/d)`` and ``lambda = sum_k |B_k|^(1/d) / n``.
    ``1 + K (d - 1)`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "EVI"
    scatter = "diag"
    equal_volume = True
    description = "diagonal, equal volume, varying shape"

    def n_parameters(self, n_components, n_features):
        return 1 + n_components * (n_features - 1)

    def m_step(self, nk, scatter, reg_covar, previous=None):
        values = _regularized_diagonal(nk, scatter, reg_covar)
        roots = _geometric_mean(values)
        return (np.sum(roots) / np.sum(nk)) * values / roots[:, np.newaxis]


# -- structures with orientations -------------------------------------------


class VEE(_FullMatrices):
    """Ellipsoidal, varying volume, equal shape and orientation.

    ``Sigma_k = lambda_k C``, where ``C = D A D^T`` with ``|C| = 1`` is shared
    by all components.

    Notes
    -----
    M-step (no closed form): from ``W_k + n_k reg_covar I``, alternate
    ``C = sum_k W_k / lambda_k`` scaled to determinant one and
    ``lambda_k = tr(W_k C^-1) / (d n_k)`` until the objective changes by less
    than ``1e-10`` relative, or 100 iterations.
    ``K + (d - 1) + d (d - 1) / 2`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "VEE"
    description = "ellipsoidal, varying volume, equal shape and orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return n_components + (d - 1) + d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return _vee_m_step(nk, _regularized_matrices(nk, scatter, reg_covar))


class EVE(_FullMatrices):
    """Ellipsoidal, equal volume and orientation, varying shape.

    ``Sigma_k = lambda D A_k D^T``.

    Notes
    -----
    M-step (no closed form): from ``W_k + n_k reg_covar I``, alternate a
    sweep of Jacobi rotations of the common orientation ``D`` (each the exact
    minimiser in its plane, variances fixed) with the closed form given ``D``:
    ``B_k = diag(D^T W_k D)``, ``A_k = B_k / |B_k|^(1/d)``,
    ``lambda = sum_k |B_k|^(1/d) / n``; stop when the objective changes by
    less than ``1e-10`` relative, or after 100 sweeps. This descends the same
    objective as Browne and McNicholas' MM algorithm, in fewer iterations.
    ``1 + K (d - 1) + d (d - 1) / 2`` free parameters.

    References
    ----------
    Browne, R. P. and McNicholas, P. D. (2014). Estimating common principal
    components in high dimensions. Advances in Data Analysis and
    Classification 8(2), 217-226.

    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "EVE"
    equal_volume = True
    description = "ellipsoidal, equal volume and orientation, varying shape"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return 1 + n_components * (d - 1) + d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        return _eve_m_step(nk, scatter, previous=previous)


class VVE(_FullMatrices):
    """Ellipsoidal, equal orientation, varying volume and shape.

    ``Sigma_k = lambda_k D A_k D^T``.

    Notes
    -----
    M-step (no closed form): as EVE, with the closed form given ``D`` being
    ``lambda_k A_k = diag(D^T W_k D) / n_k`` (a common-principal-components
    fit). ``K + K (d - 1) + d (d - 1) / 2`` free parameters.

    References
    ----------
    Browne, R. P. and McNicholas, P. D. (2014). Estimating common principal
    components in high dimensions. Advances in Data Analysis and
    Classification 8(2), 217-226.

    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "VVE"
    description = "ellipsoidal, equal orientation, varying volume and shape"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return n_components * d + d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        return _vve_m_step(nk, scatter, previous=previous)


class EEV(_FullMatrices):
    """Ellipsoidal, equal volume and shape, varying orientation.

    ``Sigma_k = lambda D_k A D_k^T``.

    Notes
    -----
    M-step (closed form): eigen-decompose ``W_k = L_k Omega_k L_k^T`` with the
    eigenvalues in the same order for every component; ``D_k = L_k`` and
    ``lambda A = sum_k Omega_k / n``, plus ``reg_covar`` (which leaves the
    eigenvectors unchanged). ``1 + (d - 1) + K d (d - 1) / 2`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "EEV"
    equal_volume = True
    description = "ellipsoidal, equal volume and shape, varying orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return d + n_components * d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        eigenvalues, eigenvectors = _eigh_reproducible(_symmetric(scatter))
        variances = np.sum(np.maximum(eigenvalues, 0.0), axis=0) / np.sum(nk)
        variances = np.broadcast_to(variances + reg_covar, eigenvalues.shape)
        return _rotate(eigenvectors, variances)


class VEV(_FullMatrices):
    """Ellipsoidal, equal shape, varying volume and orientation.

    ``Sigma_k = lambda_k D_k A D_k^T``.

    Notes
    -----
    M-step (no closed form): from ``W_k + n_k reg_covar I = L_k Omega_k
    L_k^T`` (eigenvalues in the same order for every component), ``D_k = L_k``;
    then alternate ``A = sum_k Omega_k / lambda_k`` scaled to determinant one
    and ``lambda_k = tr(Omega_k A^-1) / (d n_k)`` until the objective changes
    by less than ``1e-10`` relative, or 100 iterations.
    ``K + (d - 1) + K d (d - 1) / 2`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "VEV"
    description = "ellipsoidal, equal shape, varying volume and orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return n_components + (d - 1) + n_components * d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return _vev_m_step(nk, _regularized_matrices(nk, scatter, reg_covar))


class EVV(_FullMatrices):
    """Ellipsoidal, equal volume, varying shape and orientation: ``lambda C_k``.

    Each ``C_k`` has determinant one.

    Notes
    -----
    M-step (closed form): from ``W_k + n_k reg_covar I``,
    ``C_k = W_k / |W_k|^(1/d)`` and ``lambda = sum_k |W_k|^(1/d) / n``.
    ``1 - K + K d (d + 1) / 2`` free parameters.

    References
    ----------
    Celeux, G. and Govaert, G. (1995). Gaussian parsimonious clustering
    models. Pattern Recognition 28(5), 781-793.
    """

    name = "EVV"
    equal_volume = True
    description = "ellipsoidal, equal volume, varying shape and orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return 1 - n_components + n_components * d * (d + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        d = scatter.shape[-1]
        roots = np.exp(_log_det_spd(scatter) / d)
        volume = np.sum(roots) / np.sum(nk)
        return scatter * (volume / roots)[:, np.newaxis, np.newaxis]


# -- one feature ---------------------------------------------------------------


class _OneFeature:
    """Mixin for mclust's univariate structures, defined for one feature only."""

    max_n_features = 1
    multivariate = None  # the structure to name for more features

    def _check_n_features(self, n_features):
        if n_features != 1:
            raise ValueError(
                f"covariance_type {self.name!r} is mclust's one-feature model, but "
                f"the data has n_features={n_features}. Use "
                f"covariance_type={self.multivariate!r} for more than one feature."
            )

    def m_step(self, nk, scatter, reg_covar, previous=None):
        self._check_n_features(scatter.shape[-1])
        return super().m_step(nk, scatter, reg_covar, previous)

    def distance_function(self, means, precisions_cholesky, dtype, **affine):
        self._check_n_features(means.shape[1])
        return super().distance_function(means, precisions_cholesky, dtype, **affine)

    def to_full(self, covariances, n_components, n_features):
        self._check_n_features(n_features)
        return super().to_full(covariances, n_components, n_features)

    def check_precisions(self, precisions, n_components, n_features):
        self._check_n_features(n_features)
        return super().check_precisions(precisions, n_components, n_features)


class _EqualSpherical(_SphericalScalars):
    """One variance shared by every component, stored per component (K,)."""

    equal_volume = True
    equal_covariance = True

    def n_parameters(self, n_components, n_features):
        return 1

    def m_step(self, nk, scatter, reg_covar, previous=None):
        variance = np.sum(scatter) / (np.sum(nk) * scatter.shape[-1]) + reg_covar
        return np.full(nk.shape[0], variance)


class E(_OneFeature, _EqualSpherical):
    """One feature, equal variance: ``sigma_k^2 = sigma^2``.

    ``covariances_`` has shape ``(K,)`` with identical entries. Raises a
    ``ValueError`` for more than one feature (use ``"EII"``).

    Notes
    -----
    M-step: ``sigma^2 = sum_k W_k / n`` plus ``reg_covar`` (EII for ``d = 1``).
    One free parameter.

    References
    ----------
    Fraley, C. and Raftery, A. E. (2002). Model-based clustering,
    discriminant analysis, and density estimation. Journal of the American
    Statistical Association 97(458), 611-631.
    """

    name = "E"
    scatter = "diag"
    multivariate = "EII"
    description = "one feature, equal variance"


class V(_OneFeature, VII):
    """One feature, varying variance: ``sigma_k^2`` per component.

    ``covariances_`` has shape ``(K,)``. Raises a ``ValueError`` for more than
    one feature (use ``"VII"``).

    Notes
    -----
    M-step: ``sigma_k^2 = W_k / n_k`` plus ``reg_covar`` (VII for ``d = 1``).
    ``K`` free parameters.

    References
    ----------
    Fraley, C. and Raftery, A. E. (2002). Model-based clustering,
    discriminant analysis, and density estimation. Journal of the American
    Statistical Association 97(458), 611-631.
    """

    name = "V"
    aliases = ()
    multivariate = "VII"
    description = "one feature, varying variance"


for _structure in (EII, EEI, VEI, EVI, VEE, EVE, VVE, EEV, VEV, EVV, E, V):
    register(_structure())
del _structure
