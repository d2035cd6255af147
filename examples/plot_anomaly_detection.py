"""
=======================================================
Anomaly detection: noise component or density threshold
=======================================================

Two ways to find the rows that belong to no cluster, on training data that
already contains them (three Gaussian clusters plus 8% of rows uniform over
the region):

1. **A density threshold.** Fit a plain mixture and flag the rows whose
   log-density (``score_samples``) is below a low quantile of the training
   log-densities. The quantile is a contamination you must guess, and the
   outliers were fitted as if they were the clusters' rows: they widen the
   covariances and so the threshold contour.
2. **mclust's noise component.** ``GaussianMixture(noise=True)`` adds a
   uniform density ``pi_0 / V`` beside the Gaussian components, its
   proportion estimated by EM. Rows the noise explains better than the
   clusters get the label -1; the clusters are fitted without them.
   :class:`~gmm_estimators.GaussianMixtureOutlierDetector` wraps this model
   (chosen by BIC) as a scikit-learn outlier detector.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_auc_score

from gmm_estimators import GaussianMixture, GaussianMixtureOutlierDetector
from gmm_estimators.datasets import make_gaussian_mixture

X_clusters, _ = make_gaussian_mixture(
    600, n_components=3, covariance_type="full", separation=5.0, random_state=7
)
rng = np.random.RandomState(0)
low, high = X_clusters.min(axis=0) - 2, X_clusters.max(axis=0) + 2
X_noise = rng.uniform(low, high, size=(50, 2))
X = np.vstack([X_clusters, X_noise])
is_outlier = np.r_[np.zeros(len(X_clusters), bool), np.ones(len(X_noise), bool)]

# %%
# 1. A plain mixture and a density threshold
# ------------------------------------------
# The threshold is the 8% quantile of the training log-densities: the right
# contamination, which in practice you would not know.
plain = GaussianMixture(n_components=3, random_state=0).fit(X)
threshold = np.quantile(plain.score_samples(X), 0.08)
flagged_plain = plain.score_samples(X) < threshold

# %%
# 2. The noise component
# ----------------------
# The noise rows start from Byers and Raftery's nearest-neighbour cleaning
# (``noise_init='nnclean'``); their proportion is estimated, not guessed.
noisy = GaussianMixture(n_components=3, noise=True, random_state=0).fit(X)
flagged_noise = noisy.labels_ == -1
print(f"noise proportion: {noisy.noise_proportion_:.3f} (true 0.077)")
print(f"hypervolume V: {noisy.noise_volume_:.1f}")
for name, flagged in [("threshold", flagged_plain), ("noise", flagged_noise)]:
    print(
        f"{name:9s}: flagged {flagged.sum():3d}, of which "
        f"{(flagged & is_outlier).sum()} planted outliers and "
        f"{(flagged & ~is_outlier).sum()} cluster rows"
    )

# %%
# The fitted covariances: the outliers inflate the plain mixture's.
for name, model in [("plain", plain), ("noise", noisy)]:
    volumes = np.sqrt(np.linalg.det(model.full_covariances_))
    print(f"{name:5s} sqrt(det(Sigma_k)): {np.round(np.sort(volumes), 2)}")

# %%
# The outlier detector
# --------------------
# The same model behind scikit-learn's outlier API: ``predict`` gives +1/-1,
# ``decision_function`` is 0 on the boundary where the noise posterior is
# one half, and ``score_samples`` ranks rows by the clusters' density.
detector = GaussianMixtureOutlierDetector(
    n_components=4, covariance_types=["full", "VVI"], random_state=0
).fit(X)
print(
    f"chosen: {detector.selector_.n_components_} components, "
    f"{detector.selector_.covariance_type_!r}; ROC AUC "
    f"{roc_auc_score(is_outlier, -detector.score_samples(X)):.3f}"
)

# %%
# The pictures
# ------------
# Left: the plain mixture's threshold contour (red) and its flagged rows.
# Right: the noise model's boundary, where ``decision_function`` is 0, and
# its noise rows. Planted outliers are crosses. (Uniform rows that fall inside
# a cluster are not anomalous to either model, and rightly so.)
xx, yy = np.meshgrid(
    np.linspace(low[0] - 1, high[0] + 1, 250), np.linspace(low[1] - 1, high[1] + 1, 250)
)
grid = np.c_[xx.ravel(), yy.ravel()]
fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
panels = [
    (plain.score_samples(grid) - threshold, flagged_plain, "density threshold (8%)"),
    (
        detector.decision_function(grid),
        detector.predict(X) == -1,
        "noise component",
    ),
]
for ax, (level, flagged, title) in zip(axes, panels, strict=True):
    ax.contourf(xx, yy, level.reshape(xx.shape), levels=[-1e9, 0], colors=["0.9"])
    ax.contour(xx, yy, level.reshape(xx.shape), levels=[0], colors="red")
    ax.scatter(*X[~is_outlier].T, s=4, c="tab:blue", alpha=0.5)
    ax.scatter(*X[is_outlier].T, s=25, c="black", marker="x", label="planted")
    ax.scatter(
        *X[flagged].T, s=60, facecolors="none", edgecolors="red", label="flagged"
    )
    ax.set_title(f"{title}: {flagged.sum()} flagged")
axes[0].legend(loc="lower right")
fig.tight_layout()
plt.show()
