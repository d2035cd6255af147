"""
=========================================
Density estimation and synthetic data
=========================================

A Gaussian mixture is also a flexible density estimate: with enough
components it can follow almost any smooth shape. Once fitted it gives

* the log-density of any point (``score_samples``), and the mean
  log-likelihood of a data set (``score``), which compares models on held-out
  data;
* new samples drawn from the fitted density (``sample``): synthetic data with
  the same clusters, spreads and correlations as the original.

Here a mixture chosen by BIC models the Old Faithful data, and 272 synthetic
eruptions are drawn from it.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators.datasets import load_old_faithful
from gmm_estimators.model_selection import GaussianMixtureIC
from gmm_estimators.plotting import plot_density

faithful = load_old_faithful()
X = faithful.data
selector = GaussianMixtureIC(
    n_components=4, covariance_types=["VVV", "EEE", "VVI"], random_state=0
).fit(X)
gm = selector.best_estimator_
print(f"density model: K={gm.n_components}, {gm.covariance_type}")
print(f"mean log-likelihood of the data: {gm.score(X):.3f}")

# %%
# Draw synthetic data
# -------------------
# ``sample`` returns the rows and the component each was drawn from. The
# estimator's ``random_state`` makes the draw reproducible; pass another seed
# for a different one.
X_new, component = gm.sample(len(X), random_state=1)
print("original  mean", X.mean(axis=0).round(2), "std", X.std(axis=0).round(2))
print("synthetic mean", X_new.mean(axis=0).round(2), "std", X_new.std(axis=0).round(2))
print(
    f"correlation: original {np.corrcoef(X.T)[0, 1]:.3f}, "
    f"synthetic {np.corrcoef(X_new.T)[0, 1]:.3f}"
)

# %%
# Original, density and synthetic data side by side
# -------------------------------------------------
# The synthetic waiting times are not whole minutes: the model is a smooth
# density and knows nothing about how the original data were rounded.
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharex=True, sharey=True)
axes[0].scatter(*X.T, s=8, color="0.2")
axes[0].set_title("Old Faithful (272 eruptions)")
plot_density(
    gm, ax=axes[1], filled=True, colorbar=False, feature_names=faithful.feature_names
)
axes[1].set_title("fitted log-density")
axes[2].scatter(*X_new.T, s=8, c=component, cmap="tab10", vmin=0, vmax=9)
axes[2].set_title("272 synthetic eruptions, by component")
for ax in axes:
    ax.set_xlabel(faithful.feature_names[0])
axes[0].set_ylabel(faithful.feature_names[1])
fig.tight_layout()
plt.show()
