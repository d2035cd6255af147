"""mclust's one-feature structures E and V."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._basic import VII
from ._families import SphericalCovariance
from ._forms import DIAGONAL
from ._registry import register
from ._spread import NOTHING_BUT_VOLUME

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


class _EqualSpherical(SphericalCovariance):
    """One variance shared by every component, stored per component (K,)."""

    equal_volume = True
    own_spread = NOTHING_BUT_VOLUME
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
    scatter = DIAGONAL
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


register(E())
register(V())
