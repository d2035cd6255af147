"""
=========================================================
How many components? Variational Bayes against BIC
=========================================================

Two ways to let the data choose the number of components of a Gaussian
mixture:

* **BIC selection** fits a maximum-likelihood
  :class:`~gmm_estimators.GaussianMixture` for every number of components
  and keeps the one with the lowest BIC
  (:class:`~gmm_estimators.model_selection.GaussianMixtureIC`);
* **variational Bayes** fits one
  :class:`~gmm_estimators.BayesianGaussianMixture` with more components than
  needed. Its Dirichlet process prior on the weights makes every extra
  component expensive, so the components the data do not need end with
  weights near zero.

Both are run here on the same data, drawn from a mixture of four components.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators import BayesianGaussianMixture
from gmm_estimators.datasets import make_gaussian_mixture
from gmm_estimators.model_selection import GaussianMixtureIC

X, true_labels = make_gaussian_mixture(
    600, n_components=4, n_features=2, separation=3.5, random_state=4
)

# %%
# BIC over K = 1..8
# -----------------
selector = GaussianMixtureIC(
    n_components=range(1, 9), covariance_types=["full"], random_state=0
).fit(X)
results = selector.results_
print(f"BIC chooses K = {selector.n_components_}")

# %%
# Variational fits with 8 components
# ----------------------------------
# A small ``weight_concentration_prior`` says "few components are likely".
# For contrast, a finite Dirichlet distribution prior with a large
# concentration says "all components are used, with similar weights".
priors = {
    "Dirichlet process, 0.001": ("dirichlet_process", 1e-3),
    "Dirichlet distribution, 100": ("dirichlet_distribution", 100.0),
}
fits = {}
for name, (prior_type, concentration) in priors.items():
    fits[name] = BayesianGaussianMixture(
        n_components=8,
        weight_concentration_prior_type=prior_type,
        weight_concentration_prior=concentration,
        max_iter=500,
        random_state=0,
    ).fit(X)
    weights = fits[name].weights_
    print(
        f"{name}: {np.sum(weights > 0.01)} components with weight above 1%, "
        f"weights {np.round(weights, 3)}"
    )

# %%
# The weights of the variational fits, and the BIC curve
# -------------------------------------------------------
# Under the Dirichlet process prior the variational fit empties the
# components it does not need: the number of components with a visible
# weight is the number BIC chooses, from a single fit instead of eight. The
# strong Dirichlet distribution prior keeps all eight alive and splits the
# clusters between them: with few data the prior decides, so choose it for
# what it says about the number of groups.
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
ks = np.asarray(results["n_components"])
axes[0].plot(ks, results["bic"], "o-")
axes[0].axvline(selector.n_components_, color="grey", linestyle=":")
axes[0].set(xlabel="number of components", ylabel="BIC (lower is better)")
axes[0].set_title("BIC selection")

width = 0.4
for offset, (name, fit) in zip((-width / 2, width / 2), fits.items(), strict=True):
    axes[1].bar(np.arange(8) + offset, fit.weights_, width=width, label=name)
axes[1].set(xlabel="component", ylabel="weight")
axes[1].set_title("Variational weights (8 components)")
axes[1].legend()

labels = fits["Dirichlet process, 0.001"].predict(X)
axes[2].scatter(X[:, 0], X[:, 1], c=labels, s=8, cmap="tab10")
axes[2].set_title("Dirichlet process fit: predicted components")
fig.tight_layout()
plt.show()
