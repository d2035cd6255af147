"""
=============================================
Soft clustering and its uncertainty
=============================================

k-means gives every row one cluster. A Gaussian mixture gives every row a
*probability* for each cluster (``predict_proba``), from which the hard
labels (``predict``) are the most probable cluster. One minus the largest
probability is the row's classification *uncertainty*: zero deep inside a
cluster, up to ``1 - 1/K`` where clusters overlap.

Here three overlapping, elongated clusters in three dimensions are clustered
by k-means and by a mixture; the pairs plot draws the mixture's clusters with
uncertain rows larger, as mclust's uncertainty plot does.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from gmm_estimators import GaussianMixture
from gmm_estimators.datasets import make_gaussian_mixture
from gmm_estimators.plotting import plot_pairs

X, y = make_gaussian_mixture(
    450,
    n_components=3,
    n_features=3,
    covariance_type="full",
    separation=3.5,
    random_state=4,
)
gm = GaussianMixture(n_components=3, n_init=3, random_state=0).fit(X)
kmeans = KMeans(n_clusters=3, n_init=10, random_state=0).fit(X)

# %%
# Agreement with the true groups
# ------------------------------
# The adjusted Rand index is 1 for a perfect match and about 0 for chance.
print(f"k-means:          ARI {adjusted_rand_score(y, kmeans.labels_):.3f}")
print(f"Gaussian mixture: ARI {adjusted_rand_score(y, gm.predict(X)):.3f}")

# %%
# Uncertainty
# -----------
proba = gm.predict_proba(X)
uncertainty = 1 - proba.max(axis=1)
print(f"rows with uncertainty above 0.2: {(uncertainty > 0.2).sum()} of {len(X)}")
print(
    "misclassified rows are the uncertain ones? mean uncertainty of "
    "misclassified vs. correct rows:"
)
# Match mixture labels to true labels by majority before comparing.
mapping = {k: np.bincount(y[gm.predict(X) == k]).argmax() for k in range(3)}
wrong = np.array([mapping[k] for k in gm.predict(X)]) != y
print(f"  {uncertainty[wrong].mean():.3f} vs {uncertainty[~wrong].mean():.3f}")

# %%
# Every pair of features
# ----------------------
# Off the diagonal: the clusters and their ellipses, marker size growing with
# the uncertainty. On the diagonal: each feature's histogram with the
# mixture's marginal density (black) and its components (coloured).
fig = plot_pairs(gm, X, feature_names=["x0", "x1", "x2"])
plt.show()
