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
from gmm_estimators.covariance import SphericalCovariance, register, unregister
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
# A structure can be removed again, for example at the end of a test.
unregister("known-noise")
