"""
Registering a covariance structure of your own
==============================================

Every covariance structure is a small object registered under a name; the
estimators look names up in the registry when they fit, so a structure
defined in your own code works with :class:`~gmm_estimators.GaussianMixture`
and is searched by :class:`~gmm_estimators.model_selection.GaussianMixtureIC`
without changing the package.

Here the measurement noise of an instrument is known: every component is
spherical with a *known* variance ``sigma^2``, so the covariance has no free
parameter at all. The structure subclasses the spherical family (which knows
how to store one variance per component, factorise it and compute distances)
and adds the two things that define a structure: its M-step and its number of
free parameters (for BIC).
"""

import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators import GaussianMixture
from gmm_estimators.covariance import (
    BOUNDED,
    SphericalCovariance,
    register,
    unregister,
)
from gmm_estimators.model_selection import GaussianMixtureIC


class KnownSphericalNoise(SphericalCovariance):
    """Spherical components with a known variance: ``Sigma_k = sigma^2 I``."""

    name = "known-noise"
    description = "spherical, known variance"

    def __init__(self, variance):
        self.variance = variance

    def n_parameters(self, n_components, n_features):
        return 0  # nothing is estimated

    def m_step(self, nk, scatter, reg_covar, previous=None):
        # The maximum-likelihood covariance under the constraint is the
        # constraint itself, whatever the scatter.
        return np.full(nk.shape[0], self.variance + reg_covar)


register(KnownSphericalNoise(variance=0.25))

# %%
# Data: three blobs measured with noise of standard deviation 0.5.
rng = np.random.RandomState(0)
centres = np.array([[0.0, 0.0], [3.0, 0.5], [1.0, 3.0]])
X = np.vstack([c + 0.5 * rng.standard_normal((150, 2)) for c in centres])

gm = GaussianMixture(3, covariance_type="known-noise", random_state=0).fit(X)
print("covariances_:", gm.covariances_)
print("free parameters:", gm.n_parameters_)

# %%
# The selector searches the new structure beside the built-in ones.
search = GaussianMixtureIC(
    n_components=5, covariance_types=["known-noise", "VII", "VVV"], random_state=0
).fit(X)
print("chosen:", search.n_components_, search.covariance_type_)

fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(X[:, 0], X[:, 1], c=gm.predict(X), s=8, cmap="viridis")
ax.scatter(*gm.means_.T, marker="x", color="red", s=80, label="means")
ax.set_title("GaussianMixture(covariance_type='known-noise')")
ax.legend()
plt.show()

# %%
# Registered, a structure is also one of the candidates of a search that
# names none (``GaussianMixtureIC()``, ``covariance_types=None``): import
# the module that registers it only where you want it searched.
#
# Each family hands its M-step the scatter in its own layout: one ``(d, d)``
# matrix per component for :class:`~gmm_estimators.covariance.FullCovariance`,
# their diagonals ``(K, d)`` for the diagonal and spherical families, and
# their sum ``(d, d)`` for :class:`~gmm_estimators.covariance.TiedCovariance`.
# A spherical structure whose variances may not fall below a floor reads the
# traces of those diagonals. Its covariances stay away from singular
# whatever the rows, so it says so with ``own_spread = BOUNDED``: a
# component on repeated rows is then a sound fit, not a collapse.


class FlooredSpherical(SphericalCovariance):
    """Spherical components whose variances are at least ``floor``."""

    name = "floored-spherical"
    own_spread = BOUNDED

    def __init__(self, floor):
        self.floor = floor

    def n_parameters(self, n_components, n_features):
        return n_components  # one variance per component

    def m_step(self, nk, scatter, reg_covar, previous=None):
        # scatter: (K, d), the diagonal of each component's scatter.
        variances = scatter.sum(axis=1) / (nk * scatter.shape[1])
        return np.maximum(variances, self.floor) + reg_covar


register(FlooredSpherical(floor=0.2))
repeated = np.vstack([X, np.tile([[6.0, 6.0]], (30, 1))])  # 30 identical rows
floored = GaussianMixture(4, covariance_type="floored-spherical", random_state=0).fit(
    repeated
)
print("floored variances:", floored.covariances_.round(3))
print("collapsed components:", floored.collapsed_components_)

# %%
# A structure can be removed again, for example at the end of a test.
unregister("known-noise")
unregister("floored-spherical")
