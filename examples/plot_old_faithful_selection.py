"""
====================================================
Choosing the number of components on Old Faithful
====================================================

The Old Faithful data (eruption length and waiting time to the next eruption,
272 eruptions) are the classic two-feature example for Gaussian mixtures.
:class:`~gmm_estimators.model_selection.GaussianMixtureIC` fits every number
of components and every covariance structure and keeps the one with the
lowest BIC, computed in-sample as R's mclust does. Fits in which a component
collapsed onto a few tied values (the waiting times are whole minutes) are
reported and never chosen.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators.datasets import load_old_faithful
from gmm_estimators.model_selection import GaussianMixtureIC
from gmm_estimators.plotting import plot_components, plot_criterion

faithful = load_old_faithful()
X = faithful.data

# %%
# Search K = 1..6 and every two-feature structure
# -----------------------------------------------
# ``E`` and ``V`` are mclust's one-feature structures, so they are left out.
structures = [
    "EII",
    "VII",
    "EEI",
    "VEI",
    "EVI",
    "VVI",
    "EEE",
    "VEE",
    "EVE",
    "VVE",
    "EEV",
    "VEV",
    "EVV",
    "VVV",
]
selector = GaussianMixtureIC(
    n_components=6, covariance_types=structures, random_state=0
).fit(X)
print(
    f"chosen: K={selector.n_components_}, {selector.covariance_type_}, "
    f"BIC {selector.criterion_:.2f}"
)

# %%
# The results table
# -----------------
# ``results_`` holds one row per candidate; ``rank`` orders them by BIC with
# degenerate fits after every sound one. BIC here is ``-2 log L + p log n``
# (lower is better); mclust prints the same number with the opposite sign.
# The ten best, with the criteria rounded so that the table fits the page
# (``pandas.DataFrame(selector.results_)`` makes a frame of it, if pandas is
# installed).
results = selector.results_
print(f"rank  K model {'BIC':>8} {'ICL':>8} params  degenerate")
for i in np.argsort(results["rank"])[:10]:
    print(
        f"{results['rank'][i]:>4} {results['n_components'][i]:>2} "
        f"{results['covariance_type'][i]:>5} {results['bic'][i]:8.2f} "
        f"{results['icl'][i]:8.2f} {results['n_parameters'][i]:>6}  "
        f"{results['degenerate'][i]}"
    )

# %%
# BIC against the number of components
# ------------------------------------
# One line per structure, as mclust's BIC plot; hollow markers would flag
# degenerate fits, and the chosen model is circled. The one-component models
# (BIC above 2600) are off the top of the zoomed axes. Many structures are
# within a few units of each other at K=2 and K=3: the data do not strongly
# prefer one, and the figure shows it.
fig, ax = plt.subplots(figsize=(9, 5.5))
plot_criterion(selector, ax=ax)
best = results["bic"].min()
ax.set_ylim(best - 15, best + 150)  # zoom on the best candidates
fig.tight_layout()

# %%
# The chosen model
# ----------------
fig, ax = plt.subplots(figsize=(6.5, 5))
plot_components(selector, X, ax=ax, feature_names=faithful.feature_names)
fig.tight_layout()
plt.show()
