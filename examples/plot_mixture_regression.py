"""
=============================
Gaussian mixture regression
=============================

:class:`~gmm_estimators.GaussianMixtureRegressor` fits a Gaussian mixture to
the joint data ``[X, y]`` and predicts with the conditional distribution of
``y`` given ``X``: a mixture of local linear regressions whose weights move
with ``X``. Its mean is a smooth non-linear prediction; its spread
(``return_std=True``) follows the noise where the noise changes; and where
the target has several branches for one input, draws from it
(``sample_y``) land on every branch while the mean falls between them.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression

from gmm_estimators import GaussianMixtureRegressor

rng = np.random.RandomState(0)
n = 400
x = rng.uniform(0, 2 * np.pi, n)
# A sine whose noise grows with x.
y = np.sin(x) + (0.05 + 0.08 * x) * rng.randn(n)
X = x[:, np.newaxis]

gmr = GaussianMixtureRegressor(n_components=6, random_state=0).fit(X, y)
linear = LinearRegression().fit(X, y)
print(f"R^2 mixture regression {gmr.score(X, y):.3f}, linear {linear.score(X, y):.3f}")

grid = np.linspace(0, 2 * np.pi, 300)[:, np.newaxis]
mean, std = gmr.predict(grid, return_std=True)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
ax = axes[0]
ax.scatter(x, y, s=6, color="0.6")
ax.plot(grid, mean, color="C0", label="conditional mean")
ax.fill_between(
    grid[:, 0],
    mean - 2 * std,
    mean + 2 * std,
    color="C0",
    alpha=0.2,
    label="mean ± 2 std",
)
ax.plot(grid, linear.predict(grid), color="C3", ls="--", label="linear regression")
ax.set_title("heteroscedastic sine")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(loc="lower left")

# %%
# A multi-valued target
# ---------------------
# Swapping the roles of input and output gives an inverse problem: for one
# value of the input there are up to three outputs. The conditional mean
# averages the branches, but the conditional mixture keeps them: draws from
# it follow every branch.
X_inverse = y[:, np.newaxis]
y_inverse = x
inverse = GaussianMixtureRegressor(n_components=8, random_state=0).fit(
    X_inverse, y_inverse
)
grid = np.linspace(-1.2, 1.2, 120)[:, np.newaxis]
draws = inverse.sample_y(grid, n_samples=20, random_state=0)  # (120, 20)

ax = axes[1]
ax.scatter(X_inverse[:, 0], y_inverse, s=6, color="0.6", label="data")
ax.scatter(
    np.repeat(grid[:, 0], 20),
    draws.ravel(),
    s=3,
    color="C2",
    alpha=0.5,
    label="sample_y draws",
)
ax.plot(grid, inverse.predict(grid), color="C0", label="conditional mean")
ax.set_title("inverse problem: several outputs per input")
ax.set_xlabel("y (now the input)")
ax.set_ylabel("x (now the target)")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()
