"""
===================================================
The covariance structures, fitted to the same data
===================================================

A Gaussian mixture describes each component by a mean and a covariance
matrix. The covariance fixes the component's ellipse: its *volume* (how big),
its *shape* (how elongated) and its *orientation* (which way it points).
R's mclust names 14 structures by three letters, one per property, in that
order: ``E`` when it is **e**\\ qual across components, ``V`` when it
**v**\\ aries, and ``I`` for the identity (round shape, or axes aligned with
the features). ``VVV`` lets everything vary (scikit-learn's ``"full"``);
``EEE`` shares one covariance between all components (``"tied"``); ``VVI`` is
diagonal (``"diag"``) and ``VII`` round (``"spherical"``).

Here every structure is fitted with three components to the same data: a
large group tilted up, a thin group tilted down and a small round group. Each
panel draws the two-standard-deviation ellipse of each component (see
:func:`~gmm_estimators.plotting.plot_components`) and gives the fit's BIC
(lower is better). Structures that cannot follow the data (round or
axis-aligned ones) cover the tilted groups with ellipses that are too wide and
pay for it in likelihood; structures with more freedom spend more parameters,
which BIC charges for.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators import GaussianMixture, available_covariance_types
from gmm_estimators.plotting import plot_components


def rotated(angle_degrees, variances):
    """A covariance with the given principal variances, turned by an angle."""
    angle = np.radians(angle_degrees)
    rotation = np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    return rotation @ np.diag(variances) @ rotation.T


# A large group tilted up, a thin group tilted down, a small round one.
rng = np.random.RandomState(0)
X = np.vstack(
    [
        rng.multivariate_normal([0, 0], rotated(30, [4.0, 0.4]), size=200),
        rng.multivariate_normal([6, 3], rotated(-50, [1.5, 0.1]), size=120),
        rng.multivariate_normal([5.5, -2.5], rotated(0, [0.3, 0.3]), size=80),
    ]
)

# ``E`` and ``V`` are mclust's one-feature models; the data have two features.
structures = [name for name in available_covariance_types() if name not in ("E", "V")]
print(structures)

# %%
# Fit and draw each structure
# ---------------------------
# The structures are ordered as registered: scikit-learn's four first, then
# the rest of mclust's family.
n_cols = 4
n_rows = -(-len(structures) // n_cols)
fig, axes = plt.subplots(
    n_rows, n_cols, figsize=(3.2 * n_cols, 3.0 * n_rows), sharex=True, sharey=True
)
for ax, name in zip(axes.flat, structures, strict=False):
    gm = GaussianMixture(n_components=3, covariance_type=name, random_state=0).fit(X)
    plot_components(gm, X, ax=ax, legend=False, scatter_kws={"s": 4})
    ax.set_title(f"{name}\nBIC {gm.bic(X):.1f}", fontsize="medium")
    ax.set_xlabel("")
    ax.set_ylabel("")
for ax in axes.flat[len(structures) :]:
    ax.set_visible(False)
fig.suptitle("Three components under every covariance structure (2-std ellipses)")
fig.tight_layout()
plt.show()

# %%
# Reading the panels
# ------------------
# * ``EII`` and ``VII`` draw circles: one size for all, or one size each.
# * ``EEI``, ``VEI``, ``EVI`` and ``VVI`` draw ellipses aligned with the axes,
#   sharing the shape and/or the volume or not.
# * ``EEE``, ``VEE``, ``EVE`` and ``VVE`` share the orientation: the same pair
#   of principal axes for every component. When the shape may vary too
#   (``EVE``, ``VVE``), a component can be long along either axis of the pair,
#   which is how ``VVE`` follows two groups tilted almost at right angles.
# * ``EEV``, ``VEV``, ``EVV`` and ``VVV`` let each component turn; ``EEV`` and
#   ``VEV`` still impose one shape, which stretches the small round group.
#
# The number of free parameters grows from the first to the last; BIC trades
# the better fit against them. To search every structure and every number of
# components at once, use
# :class:`~gmm_estimators.model_selection.GaussianMixtureIC` (see
# :ref:`sphx_glr_auto_examples_plot_old_faithful_selection.py`).
