"""
=========================================
Tracking drifting clusters in a stream
=========================================

Three objects move across a plane; a sensor reports noisy positions of
whichever object it sees, 200 readings at a time. ``partial_fit`` updates a
Gaussian mixture with each batch of readings (stepwise online EM), so the
components follow the objects without ever storing the stream.

Two step-size schedules are compared:

* the default, ``eta_t = (t + 2)^(-0.6)``, which decreases so that the
  estimates settle: right for a stream whose clusters stay put, but the
  model lags farther and farther behind objects that keep moving;
* a forgetting factor, ``forgetting_factor=0.6`` (a constant step of 0.4):
  the statistics are an exponentially weighted average over the last two
  or three batches, and the model tracks the objects.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from gmm_estimators import GaussianMixture

rng = np.random.RandomState(0)
n_batches, batch_size = 60, 200
angles = np.array([0.0, 2.1, 4.2])


def positions(t):
    """Where the three objects are at time t: circles of radius 6."""
    phase = angles + 0.04 * t
    return 6 * np.column_stack([np.cos(phase), np.sin(phase)])


def readings(t):
    objects = positions(t)
    seen = rng.randint(3, size=batch_size)
    return objects[seen] + 0.7 * rng.randn(batch_size, 2)


tracker = GaussianMixture(3, forgetting_factor=0.6, random_state=0)
settler = GaussianMixture(3, random_state=0)
paths = {"forgetting_factor=0.6": [], "default schedule": []}
errors = {name: [] for name in paths}
for t in range(n_batches):
    batch = readings(t)
    for name, model in (
        ("forgetting_factor=0.6", tracker),
        ("default schedule", settler),
    ):
        model.partial_fit(batch)
        paths[name].append(model.means_.copy())
        # Distance from each object to the nearest component mean.
        gaps = np.linalg.norm(
            positions(t)[:, np.newaxis, :] - model.means_[np.newaxis], axis=2
        )
        errors[name].append(gaps.min(axis=1).max())

# %%
# The tracks: true paths in grey, the component means of each model coloured
# from the first batch (light) to the last (dark).
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
truth = np.array([positions(t) for t in range(n_batches)])
for ax, (name, path) in zip(axes[:2], paths.items(), strict=True):
    path = np.array(path)
    for k in range(3):
        ax.plot(truth[:, k, 0], truth[:, k, 1], color="0.8", lw=6, zorder=0)
        ax.scatter(
            path[:, k, 0],
            path[:, k, 1],
            c=np.arange(n_batches),
            cmap="viridis",
            s=12,
        )
    ax.set_title(name)
    ax.set_aspect("equal")
    ax.set_xlim(-8, 8)
    ax.set_ylim(-8, 8)

for name, values in errors.items():
    axes[2].plot(values, label=name)
axes[2].set_xlabel("batch")
axes[2].set_ylabel("largest distance object - component")
axes[2].legend()
fig.tight_layout()
plt.show()

# %%
# With the forgetting factor the largest error stays bounded at about the
# window's lag: the statistics average the last ``lambda / (1 - lambda)``
# batches (1.5 here) of an object that moves 0.24 a batch, so the means trail
# it by about 0.36; a smaller factor trails less and is noisier. With the
# decreasing schedule the error grows as the objects move on. An object that
# moves several of its own spreads in one batch leaves its component behind:
# the stream no longer feeds it, its share falls by the factor at every
# update, and once it holds no row it is flagged in ``collapsed_components_``
# with a warning (it is not re-seeded).
print(
    {name: round(float(np.mean(values[-10:])), 2) for name, values in errors.items()}
)
