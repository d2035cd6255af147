"""
===========================================
Anomaly detection with a density threshold
===========================================

A fitted mixture is a density ``p(x)``: rows that the model finds very
unlikely are candidates for anomalies. The recipe:

1. fit the mixture to data believed to be (mostly) normal;
2. compute the log-density of the training rows with ``score_samples``;
3. take a low quantile of it as the threshold (here 1%: about one normal row
   in a hundred will be flagged, a false-alarm rate you choose);
4. flag any new row whose log-density falls below the threshold.

Unlike a distance to the nearest centre, the threshold follows the shape of
each cluster: a point can be far from every mean along a cluster's long axis
and still be normal, or close to a mean across its short axis and be odd.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators import GaussianMixture
from gmm_estimators.datasets import make_gaussian_mixture
from gmm_estimators.plotting import plot_density

X_train, _ = make_gaussian_mixture(
    600, n_components=3, covariance_type="full", separation=5.0, random_state=7
)
gm = GaussianMixture(n_components=3, random_state=0).fit(X_train)

# %%
# The threshold: the 1% quantile of the training log-density
# ----------------------------------------------------------
threshold = np.quantile(gm.score_samples(X_train), 0.01)
print(f"log-density threshold: {threshold:.2f}")

# %%
# New data: normal rows and a few anomalies
# -----------------------------------------
rng = np.random.RandomState(0)
X_normal = gm.sample(200, random_state=1)[0]
low, high = X_train.min(axis=0) - 2, X_train.max(axis=0) + 2
X_odd = rng.uniform(low, high, size=(25, 2))
X_new = np.vstack([X_normal, X_odd])
is_odd = np.r_[np.zeros(len(X_normal), bool), np.ones(len(X_odd), bool)]

flagged = gm.score_samples(X_new) < threshold
print(
    f"flagged {flagged.sum()} of {len(X_new)} rows: "
    f"{(flagged & is_odd).sum()} of {is_odd.sum()} planted anomalies, "
    f"{(flagged & ~is_odd).sum()} false alarms among {len(X_normal)} normal rows"
)

# %%
# The picture
# -----------
# Contours of the log-density, the threshold contour in red, and the flagged
# rows circled. (Uniform "anomalies" that happen to fall inside a cluster are
# not anomalous to the model, and rightly so.)
fig, ax = plt.subplots(figsize=(7, 5.5))
plot_density(gm, X_train, ax=ax, levels=8, scatter_kws={"s": 4, "alpha": 0.3})
xx, yy = np.meshgrid(np.linspace(*ax.get_xlim(), 200), np.linspace(*ax.get_ylim(), 200))
zz = gm.score_samples(np.c_[xx.ravel(), yy.ravel()]).reshape(xx.shape)
ax.contour(xx, yy, zz, levels=[threshold], colors="red", linewidths=2)
ax.scatter(*X_new[~flagged].T, s=14, c="black", marker=".", label="new, normal")
ax.scatter(
    *X_new[flagged].T,
    s=60,
    facecolors="none",
    edgecolors="red",
    linewidths=1.5,
    label="new, flagged",
)
ax.legend(loc="lower right")
ax.set_title("Rows below the 1% log-density quantile are flagged")
fig.tight_layout()
plt.show()
