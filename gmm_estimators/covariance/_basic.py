"""scikit-learn's four structures: VVV (full), EEE (tied), VVI, VII."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._families import (
    DiagonalCovariance,
    FullCovariance,
    SphericalCovariance,
    TiedCovariance,
)
from ._registry import register

# --------------------------------------------------------------------------
# The structures


def _diagonal_view(matrices):
    """A writeable view of the diagonals of a C-contiguous stack of matrices.

    Every ``(d + 1)``-th entry of a flattened ``(d, d)`` matrix: cheaper on
    every M-step than indexing with two index arrays.
    """
    d = matrices.shape[-1]
    return matrices.reshape(*matrices.shape[:-2], d * d)[..., :: d + 1]


class VVV(FullCovariance):
    """Unconstrained covariance per component (scikit-learn's ``"full"``)."""

    name = "VVV"
    aliases = ("full",)
    description = "ellipsoidal, varying volume, shape and orientation"

    def n_parameters(self, n_components, n_features):
        return n_components * n_features * (n_features + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        covariances = scatter / nk[:, np.newaxis, np.newaxis]
        covariances = 0.5 * (covariances + covariances.swapaxes(-1, -2))
        _diagonal_view(covariances)[...] += reg_covar
        return covariances

    def own_variance_bounds(self, covariances, n_components, n_features):
        # The own scatter plus reg_covar, as long as the M-step is this one.
        if type(self).m_step is not VVV.m_step:
            return None
        return np.diagonal(covariances, axis1=-2, axis2=-1)


class EEE(TiedCovariance):
    """One covariance shared by every component (scikit-learn's ``"tied"``)."""

    name = "EEE"
    aliases = ("tied",)
    description = "ellipsoidal, equal volume, shape and orientation"

    def n_parameters(self, n_components, n_features):
        return n_features * (n_features + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        covariance = scatter / nk.sum()
        covariance = 0.5 * (covariance + covariance.T)
        _diagonal_view(covariance)[...] += reg_covar
        return covariance


class VVI(DiagonalCovariance):
    """Diagonal covariance per component (scikit-learn's ``"diag"``)."""

    name = "VVI"
    aliases = ("diag",)
    description = "diagonal, varying volume and shape"

    def n_parameters(self, n_components, n_features):
        return n_components * n_features

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return scatter / nk[:, np.newaxis] + reg_covar

    def own_variance_bounds(self, covariances, n_components, n_features):
        if type(self).m_step is not VVI.m_step:
            return None
        return np.asarray(covariances)


class VII(SphericalCovariance):
    """One variance per component (scikit-learn's ``"spherical"``)."""

    name = "VII"
    aliases = ("spherical",)
    description = "spherical, varying volume"

    def n_parameters(self, n_components, n_features):
        return n_components

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return (scatter / nk[:, np.newaxis] + reg_covar).mean(axis=1)

    def own_variance_bounds(self, covariances, n_components, n_features):
        # The mean of the own variances: each is at most d times it.
        if type(self).m_step is not VII.m_step:
            return None
        variances = n_features * np.asarray(covariances)
        return np.repeat(variances[:, np.newaxis], n_features, axis=1)


register(VVV())
register(EEE())
register(VVI())
register(VII())
