"""
==============================================
Generating data conditioned on some features
==============================================

A fitted Gaussian mixture is a model of the joint distribution of all
features. Fixing some of them gives the distribution of the others:
:func:`~gmm_estimators.condition` returns it, again a Gaussian mixture, one
per conditioning row. Each component keeps a Gaussian conditional (its mean
moves linearly with the given values, its covariance shrinks), and the
components are reweighted by how well each explains the given values.

On the Old Faithful data, the waiting time before an eruption depends on
the duration of the previous one in two regimes. Conditioning on durations
of 2, 2.9 and 4.5 minutes gives the distribution of the waiting time in the
short regime, between the regimes (a mixture of the short regime's component
and the long regime's, with two humps) and in the long regime, and synthetic
waiting times are drawn from them.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from gmm_estimators import GaussianMixture, condition
from gmm_estimators.datasets import load_old_faithful

X = load_old_faithful(return_X_y=True)  # columns: eruption (min), waiting (min)
gm = GaussianMixture(n_components=3, random_state=0).fit(X)

durations = np.array([[2.0], [2.9], [4.5]])
conditional = condition(gm, durations, given_features=[0])
print("weights of the components given each duration:")
print(conditional.weights.round(3))
print("conditional mean waiting time:", conditional.mean().ravel().round(1))
print(
    "conditional standard deviation:",
    np.sqrt(conditional.covariance()[:, 0, 0]).round(1),
)

# %%
# The conditional densities and draws from them
# ---------------------------------------------
# The density of each conditional is the weighted sum of its components'
# normal densities; ``sample`` draws from it.
draws = conditional.sample(500, random_state=0)  # (3 durations, 500, 1)
grid = np.linspace(35, 105, 400)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
axes[0].scatter(*X.T, s=8, color="0.6")
for i, duration in enumerate(durations[:, 0]):
    color = f"C{i}"
    density = sum(
        w * norm.pdf(grid, m, np.sqrt(c))
        for w, m, c in zip(
            conditional.weights[i],
            conditional.means[i, :, 0],
            conditional.covariances[:, 0, 0],
            strict=True,
        )
    )
    axes[1].plot(grid, density, color=color, label=f"eruption = {duration} min")
    axes[1].hist(draws[i, :, 0], bins=40, density=True, color=color, alpha=0.25)
    axes[0].scatter(
        np.full(60, duration), draws[i, :60, 0], s=8, color=color, marker="x"
    )
axes[0].set_xlabel("eruption duration (min)")
axes[0].set_ylabel("waiting time (min)")
axes[0].set_title("data (grey) and draws at three durations")
axes[1].set_xlabel("waiting time (min)")
axes[1].set_ylabel("density")
axes[1].set_title("p(waiting | eruption) and histograms of 500 draws")
axes[1].legend()
fig.tight_layout()

# %%
# A whole synthetic data set with fixed durations
# -----------------------------------------------
# Conditioning on every observed duration and drawing one waiting time per
# row gives synthetic data whose durations are exactly the real ones.
synthetic = condition(gm, X[:, :1], [0]).sample(1, random_state=1)[:, 0, 0]
print(f"real waiting mean {X[:, 1].mean():.1f}, synthetic {synthetic.mean():.1f}")
print(
    f"correlation real {np.corrcoef(X.T)[0, 1]:.3f}, "
    f"synthetic {np.corrcoef(X[:, 0], synthetic)[0, 1]:.3f}"
)
plt.show()
