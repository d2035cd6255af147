"""
======================================
Imputing missing values with a mixture
======================================

:class:`~gmm_estimators.GaussianMixtureImputer` fits a Gaussian mixture to
data with missing entries (EM on the likelihood of the observed values) and
replaces each missing entry by its conditional expectation given the row's
observed entries. The mixture knows which cluster a row belongs to from the
values it has, so the imputed values follow the clusters and the
correlations inside them, where a mean imputer puts every missing value at
the same place.

The first part shows this on two clusters in two dimensions; the second
compares it with scikit-learn's mean and nearest-neighbour imputers on the
wine data set (``benchmarks/bench_imputation.py`` adds
``IterativeImputer`` and more data sets), and the last
draws several imputations (``sample_posterior=True``) to show the
uncertainty of the imputed values.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.preprocessing import StandardScaler

from gmm_estimators import GaussianMixtureImputer

rng = np.random.RandomState(0)
X = np.vstack(
    [
        rng.multivariate_normal([0, 0], [[1.0, 0.9], [0.9, 1.0]], 200),
        rng.multivariate_normal([4, -1], [[1.0, -0.7], [-0.7, 1.0]], 200),
    ]
)
# Remove the second feature of 30% of the rows.
hidden = rng.rand(len(X)) < 0.3
X_missing = X.copy()
X_missing[hidden, 1] = np.nan

imputed = {
    "feature mean": SimpleImputer().fit_transform(X_missing),
    "Gaussian mixture": GaussianMixtureImputer(random_state=0).fit_transform(X_missing),
}

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True, sharey=True)
for ax, (name, X_imputed) in zip(axes, imputed.items(), strict=True):
    error = np.sqrt(np.mean((X_imputed[hidden, 1] - X[hidden, 1]) ** 2))
    ax.scatter(*X[~hidden].T, s=6, color="0.7", label="complete rows")
    ax.scatter(*X[hidden].T, s=8, color="tab:blue", label="true values")
    ax.scatter(*X_imputed[hidden].T, s=8, color="tab:red", label="imputed")
    ax.set_title(f"{name} (RMSE {error:.2f})")
    ax.set_xlabel("feature 0 (observed)")
axes[0].set_ylabel("feature 1 (30% missing)")
axes[0].legend(loc="lower left")
fig.tight_layout()

# %%
# Against scikit-learn's imputers
# -------------------------------
# The wine data (178 wines, 13 chemical measurements), standardised, with 20%
# of its entries removed completely at random. The imputer chooses the number
# of components and the covariance structure by BIC on the observed data.
X = StandardScaler().fit_transform(load_wine().data)
mask = rng.rand(*X.shape) < 0.2
mask[mask.all(axis=1), 0] = False  # every row keeps one value
X_missing = np.where(mask, np.nan, X)

imputers = {
    "mean": SimpleImputer(),
    "k nearest neighbours": KNNImputer(),
    "Gaussian mixture": GaussianMixtureImputer(
        covariance_type=["full", "diag"], random_state=0
    ),
}
errors = {}
for name, imputer in imputers.items():
    X_imputed = imputer.fit_transform(X_missing)
    errors[name] = np.sqrt(np.mean((X_imputed[mask] - X[mask]) ** 2))
    print(f"{name:>28}: RMSE {errors[name]:.3f}")
chosen = imputers["Gaussian mixture"]
print(f"chosen mixture: {chosen.n_components_} components, {chosen.covariance_type_}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(errors), list(errors.values()), color="tab:gray")
ax.set_xlabel("RMSE of the imputed entries (standard deviations)")
ax.invert_yaxis()
fig.tight_layout()

# %%
# Multiple imputation
# -------------------
# With ``sample_posterior=True`` each missing value is drawn from its
# conditional distribution. Imputing several times with different seeds
# shows how uncertain each imputed value is; analyses repeated on each
# completed data set and pooled (Rubin's rules) then account for it.
draws = np.stack(
    [
        GaussianMixtureImputer(
            n_components=chosen.n_components_,
            covariance_type=chosen.covariance_type_,
            sample_posterior=True,
            random_state=seed,
        ).fit_transform(X_missing)
        for seed in range(20)
    ]
)
rows = np.flatnonzero(mask[:, 0])[:15]
fig, ax = plt.subplots(figsize=(8, 3.5))
for i, row in enumerate(rows):
    ax.scatter(np.full(20, i), draws[:, row, 0], s=8, color="tab:red", alpha=0.4)
ax.scatter(range(len(rows)), X[rows, 0], marker="_", s=300, color="k", label="true")
ax.set_xlabel("row with a missing alcohol value")
ax.set_ylabel("alcohol (standardised)")
ax.set_title("20 imputations per missing value")
ax.legend()
fig.tight_layout()
plt.show()
