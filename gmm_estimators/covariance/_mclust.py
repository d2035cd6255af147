"""The constrained mclust structures (Celeux and Govaert 1995)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy

import numpy as np

from ._families import DiagonalCovariance, FullCovariance
from ._forms import DIAGONAL, POOLED
from ._orientation import _eve_m_step, _mm_orientation, _vve_m_step
from ._priors import SPHERICAL_INVERSE_GAMMA
from ._registry import register
from ._solvers import (
    _eigh_reproducible,
    _geometric_mean,
    _log_det_spd,
    _regularized_diagonal,
    _regularized_matrices,
    _rotate,
    _symmetric,
    _vee_m_step,
    _vei_m_step,
    _vev_m_step,
)
from ._spread import (
    EVERY_AXIS_OF_A_SHARED_VOLUME,
    EVERY_DIRECTION_OF_A_SHARED_VOLUME,
    NOTHING_BUT_AXES,
    NOTHING_BUT_VOLUME,
    OWN_ORIENTATION,
    OWN_ORIENTATION_AND_VOLUME,
    SOME_SPREAD,
    SOME_SPREAD_BUT_AXES,
)

# -- axis-aligned structures ----------------------------------------------


class EII(DiagonalCovariance):
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
    own_spread = NOTHING_BUT_VOLUME
    scatter = POOLED
    prior_family = SPHERICAL_INVERSE_GAMMA
    equal_volume = True
    equal_covariance = True
    description = "spherical, equal volume"

    def n_parameters(self, n_components, n_features):
        return 1

    def m_step(self, nk, scatter, reg_covar, previous=None):
        d = scatter.shape[-1]
        variance = scatter.trace() / (nk.sum() * d)
        if variance == np.inf:
            # Features in units near float64's largest square: their sum
            # overflows where their mean does not.
            variance = (np.diagonal(scatter) / (nk.sum() * d)).sum()
        variance = variance + reg_covar
        return np.full((nk.shape[0], d), variance)


class EEI(DiagonalCovariance):
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
    own_spread = NOTHING_BUT_AXES
    scatter = POOLED
    equal_volume = True
    equal_covariance = True
    description = "diagonal, equal volume and shape"

    def n_parameters(self, n_components, n_features):
        return n_features

    def m_step(self, nk, scatter, reg_covar, previous=None):
        variances = np.maximum(scatter.diagonal(), 0.0) / nk.sum() + reg_covar
        covariances = np.empty((nk.shape[0], variances.shape[0]))
        covariances[...] = variances
        return covariances


class VEI(DiagonalCovariance):
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
    own_spread = SOME_SPREAD_BUT_AXES
    scatter = DIAGONAL
    description = "diagonal, varying volume, equal shape"

    def n_parameters(self, n_components, n_features):
        return n_components + n_features - 1

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return _vei_m_step(nk, _regularized_diagonal(nk, scatter, reg_covar))


class EVI(DiagonalCovariance):
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
    own_spread = EVERY_AXIS_OF_A_SHARED_VOLUME
    scatter = DIAGONAL
    equal_volume = True
    description = "diagonal, equal volume, varying shape"

    def n_parameters(self, n_components, n_features):
        return 1 + n_components * (n_features - 1)

    def m_step(self, nk, scatter, reg_covar, previous=None):
        values = _regularized_diagonal(nk, scatter, reg_covar)
        roots = _geometric_mean(values)
        # The unit-determinant shapes first: the volume times the values
        # overflows (or underflows) at scales far inside float64's range.
        return (roots.sum() / nk.sum()) * (values / roots[:, np.newaxis])


# -- structures with orientations -------------------------------------------


class VEE(FullCovariance):
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
    own_spread = SOME_SPREAD
    description = "ellipsoidal, varying volume, equal shape and orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return n_components + (d - 1) + d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return _vee_m_step(nk, _regularized_matrices(nk, scatter, reg_covar))


class EVE(FullCovariance):
    """Ellipsoidal, equal volume and orientation, varying shape.

    ``Sigma_k = lambda D A_k D^T``.

    Notes
    -----
    M-step (no closed form): from ``W_k + n_k reg_covar I``, alternate a
    sweep of Jacobi rotations of the common orientation ``D`` (each the exact
    minimiser in its plane, variances fixed) with the closed form given ``D``:
    ``B_k = diag(D^T W_k D)``, ``A_k = B_k / |B_k|^(1/d)``,
    ``lambda = sum_k |B_k|^(1/d) / n``; stop when a sweep changes the
    objective by less than ``1e-6`` relative, or after 100 sweeps (10 when a
    component carries at most ``d`` rows' worth of weight, a fit that is
    degenerate whatever its axes). Each M-step starts from the previous
    one's axes, so the sweeps go on converging across EM iterations. This
    descends the same objective as Browne and McNicholas' MM algorithm, in
    fewer iterations.
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
    own_spread = EVERY_DIRECTION_OF_A_SHARED_VOLUME
    equal_volume = True
    description = "ellipsoidal, equal volume and orientation, varying shape"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return 1 + n_components * (d - 1) + d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        return _eve_m_step(nk, scatter, previous=previous)


class VVE(FullCovariance):
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


class _MclustPathEVE(EVE):
    """EVE with mclust's own M-step (``_orientation._mm_orientation``)."""

    mclust_path = None

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        return _mm_orientation(nk, scatter, True, previous)[0]


class _MclustPathVVE(VVE):
    """VVE with mclust's own M-step (``_orientation._mm_orientation``)."""

    mclust_path = None

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        return _mm_orientation(nk, scatter, False, previous)[0]


EVE.mclust_path = _MclustPathEVE()
VVE.mclust_path = _MclustPathVVE()


class _FreeTiedAxes:
    """Structures whose M-step chooses axes within a tied eigenspace (EEV, VEV).

    ``ties`` is how (see ``_solvers._eigh_reproducible``). ``other_ties`` is
    the same structure with the tied axes in the other order, and
    ``mclust_path`` the same structure with the coordinate axes nearest
    them, where mclust's SVD leaves the axes of a component on one distinct
    row (copies, so that a subclass keeps its own M-step). Their M-steps
    differ from the structure's where a hard start partition leaves axes
    free, hardly ever on EM's soft responsibilities
    (``mclust_path_from_own_start``).
    """

    ties = "pooled"
    mclust_path_from_own_start = False

    def _with_ties(self, ties):
        if self.ties != "pooled":
            return None
        variant = copy.copy(self)
        variant.ties = ties
        return variant

    @property
    def other_ties(self):
        return self._with_ties("pooled_descending")

    @property
    def mclust_path(self):
        return self._with_ties("axes")


class EEV(_FreeTiedAxes, FullCovariance):
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
    own_spread = OWN_ORIENTATION
    equal_volume = True
    description = "ellipsoidal, equal volume and shape, varying orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return d + n_components * d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        eigenvalues, eigenvectors = _eigh_reproducible(
            _symmetric(scatter), nk, self.ties
        )
        variances = np.maximum(eigenvalues, 0.0).sum(axis=0) / nk.sum()
        variances = np.broadcast_to(variances + reg_covar, eigenvalues.shape)
        return _rotate(eigenvectors, variances)


class VEV(_FreeTiedAxes, FullCovariance):
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
    own_spread = OWN_ORIENTATION_AND_VOLUME
    description = "ellipsoidal, equal shape, varying volume and orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return n_components + (d - 1) + n_components * d * (d - 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return _vev_m_step(
            nk,
            _regularized_matrices(nk, scatter, reg_covar),
            ties=self.ties,
        )


class EVV(FullCovariance):
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
    own_spread = EVERY_DIRECTION_OF_A_SHARED_VOLUME
    equal_volume = True
    description = "ellipsoidal, equal volume, varying shape and orientation"

    def n_parameters(self, n_components, n_features):
        d = n_features
        return 1 - n_components + n_components * d * (d + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        scatter = _regularized_matrices(nk, scatter, reg_covar)
        d = scatter.shape[-1]
        roots = np.exp(_log_det_spd(scatter) / d)
        volume = roots.sum() / nk.sum()
        return scatter * (volume / roots)[:, np.newaxis, np.newaxis]


for _structure in (EII, EEI, VEI, EVI, VEE, EVE, VVE, EEV, VEV, EVV):
    register(_structure())
del _structure
