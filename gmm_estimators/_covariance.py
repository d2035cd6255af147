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
    for k, matrix in enumerate(matrices):
        matrix = np.where(np.isfinite(matrix), matrix, 0.0)
        scale = max(np.abs(np.diag(matrix)).max(initial=0.0), np.finfo(float).tiny)
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


def _precision_cholesky_from_cov_cholesky(cov_chol):
    """Upper factors ``P`` with ``P @ P.T = inv(L @ L.T)`` for lower ``L``."""
    d = cov_chol.shape[-1]
    eye = np.eye(d)
    return np.stack(
        [linalg.solve_triangular(L, eye, lower=True).T for L in cov_chol]
    )


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
    """

    name = None
    aliases = ()
    scatter = "full"
    description = ""

    # -- sizes ---------------------------------------------------------------
    @abstractmethod
    def param_shape(self, n_components, n_features):
        """Shape of ``covariances_``, ``precisions_`` and their Cholesky."""

    @abstractmethod
    def n_parameters(self, n_components, n_features):
        """Number of free covariance parameters (for BIC and AIC)."""

    # -- M-step --------------------------------------------------------------
    @abstractmethod
    def m_step(self, nk, scatter, reg_covar):
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
        whitened : ndarray of shape (n, K, d) or None
            ``(x - mu_k) @ P_k`` for structures whose ``scatter`` is ``"full"``
            (the engine accumulates their scatter in whitened coordinates, which
            is both one pass over the data and numerically well conditioned);
            None otherwise.
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
        d = precisions_cholesky.shape[-1]
        inv = np.stack(
            [
                linalg.solve_triangular(P, np.eye(d), lower=False)
                for P in np.asarray(precisions_cholesky, dtype=np.float64)
            ]
        )
        return np.swapaxes(inv, -1, -2) @ inv

    def log_det_cholesky(self, precisions_cholesky, n_features):
        diag = np.diagonal(precisions_cholesky, axis1=-2, axis2=-1)
        return np.sum(np.log(diag), axis=-1)

    def mahalanobis(self, X, means, precisions_cholesky):
        n, d = X.shape
        K = means.shape[0]
        # One product for every component: X @ [P_1 | P_2 | ... | P_K].
        stacked = np.transpose(precisions_cholesky, (1, 0, 2)).reshape(d, K * d)
        whitened = (X @ stacked).reshape(n, K, d)
        whitened -= np.einsum("kd,kde->ke", means, precisions_cholesky)
        dist = np.einsum("nkd,nkd->nk", whitened, whitened)
        return dist, whitened

    def to_full(self, covariances, n_components, n_features):
        return np.asarray(covariances)

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions, allow_nd=True)
        _check_shape(precisions, (n_components, n_features, n_features), self)
        _check_spd(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


class _PooledMatrix(CovarianceModel):
    """One ``(d, d)`` matrix shared by all components."""

    scatter = "pooled"

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
        whitened = X @ precisions_cholesky
        whitened_means = means @ precisions_cholesky
        dist = (
            np.einsum("nd,nd->n", whitened, whitened)[:, np.newaxis]
            - 2.0 * (whitened @ whitened_means.T)
            + np.einsum("kd,kd->k", whitened_means, whitened_means)
        )
        # The expansion can round a tiny distance below zero.
        np.maximum(dist, 0.0, out=dist)
        return dist, None

    def to_full(self, covariances, n_components, n_features):
        return np.broadcast_to(covariances, (n_components, *covariances.shape)).copy()

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions)
        _check_shape(precisions, (n_features, n_features), self)
        what = self.aliases[0] if self.aliases else self.name
        _check_spd(precisions[np.newaxis], what)
        return precisions


class _DiagonalVectors(CovarianceModel):
    """Axis-aligned structures stored as one variance vector per component."""

    scatter = "diag"

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

    def mahalanobis(self, X, means, precisions_cholesky):
        precisions = precisions_cholesky**2
        dist = (
            (X * X) @ precisions.T
            - 2.0 * (X @ (means * precisions).T)
            + np.sum(means * means * precisions, axis=1)
        )
        np.maximum(dist, 0.0, out=dist)
        return dist, None

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


class _SphericalScalars(CovarianceModel):
    """Spherical structures stored as one variance per component."""

    scatter = "diag"

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

    def mahalanobis(self, X, means, precisions_cholesky):
        precisions = precisions_cholesky**2
        dist = (
            np.einsum("nd,nd->n", X, X)[:, np.newaxis]
            - 2.0 * (X @ means.T)
            + np.einsum("kd,kd->k", means, means)
        ) * precisions
        np.maximum(dist, 0.0, out=dist)
        return dist, None

    def to_full(self, covariances, n_components, n_features):
        covariances = np.asarray(covariances)
        return covariances[:, np.newaxis, np.newaxis] * np.eye(n_features)

    def check_precisions(self, precisions, n_components, n_features):
        precisions = _as_float_array(precisions, ensure_2d=False)
        _check_shape(precisions, (n_components,), self)
        _check_positive(precisions, self.aliases[0] if self.aliases else self.name)
        return precisions


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

    def m_step(self, nk, scatter, reg_covar):
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

    def m_step(self, nk, scatter, reg_covar):
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

    def m_step(self, nk, scatter, reg_covar):
        return scatter / nk[:, np.newaxis] + reg_covar


class VII(_SphericalScalars):
    """One variance per component (scikit-learn's ``"spherical"``)."""

    name = "VII"
    aliases = ("spherical",)
    description = "spherical, varying volume"

    def n_parameters(self, n_components, n_features):
        return n_components

    def m_step(self, nk, scatter, reg_covar):
        return np.mean(scatter / nk[:, np.newaxis] + reg_covar, axis=1)


_FULL = register(VVV())
register(EEE())
register(VVI())
register(VII())
