"""Proofs from subsets that resting rows spread, against the resting sets."""

import numpy as np
import pytest

from gmm_estimators import _resting_rows as R
from gmm_estimators import _spread_proof as P
from gmm_estimators._data_span import coordinates


@pytest.mark.parametrize("seed", range(40))
def test_light_rows_below_a_level_prove_it_below_the_floor(seed):
    # When the rows below a level carry more than the share a resting set
    # leaves out, every row at or above the level is a resting row.
    rng = np.random.default_rng(seed)
    K = int(rng.integers(1, 6))
    a = rng.dirichlet(np.ones(K) * rng.uniform(0.01, 3.0), size=rng.integers(1, 500))
    if seed % 4 == 2:
        a = a * rng.uniform(0.0, 50.0, (a.shape[0], 1))
    n_k = a.sum(axis=0)
    floors = R.resting_floor(R.log_weight_histogram(a), n_k)
    for fraction in (0.01, 0.1, 0.5, 0.9, 0.99):
        level = fraction * a.max(axis=0)
        below = np.where(a < level, a, 0.0).sum(axis=0)
        proven = below > P._OUTSIDE_SHARE * n_k
        assert (level[proven] >= floors[proven]).all()


@pytest.mark.parametrize("seed", range(12))
def test_subsets_bound_the_resting_sets_from_below(seed, monkeypatch):
    # The scatters resting_subsets sums over blocks are below those of the
    # whole resting set (about its own mean, and about the fitted means),
    # whether the blocks are read batched or component by component.
    rng = np.random.default_rng(seed)
    if seed % 2:  # component by component, through strided subsets
        monkeypatch.setattr(P, "_BATCHED_ENTRIES", 0)
        monkeypatch.setattr(P, "SUBSET_ROWS", 7)
    n, d, K = 600, 3, 3
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10.0, d)
    a = rng.dirichlet(np.ones(K), size=n)
    Xc = X - X.mean(axis=0)
    varying, scale, rotation = coordinates(Xc.T @ Xc, float(n))
    Z = R.standardised(Xc, varying, scale)
    means = rng.normal(size=(K, d))
    floors = R.resting_floor(R.log_weight_histogram(a), a.sum(axis=0))
    pieces = np.array_split(np.arange(n), 1 + seed % 4)
    subsets = P.resting_subsets(
        lambda: [(Xc[p], None, a[p]) for p in pieces],
        floors,
        np.arange(K),
        varying,
        scale,
        rotation,
        means,
        below=True,
    )
    for k in range(K):
        rows = a[:, k] >= floors[k]
        assert subsets.counts[k] == rows.sum()
        assert np.isclose(subsets.below[k], a[~rows, k].sum())
        w = a[rows, k]
        centre = w @ Z[rows] / w.sum()
        whole = ((Z[rows] - centre) * w[:, None]).T @ (Z[rows] - centre)
        about = ((Z[rows] - means[k]) * w[:, None]).T @ (Z[rows] - means[k])
        for bound, total in (
            (subsets.own[k], whole),
            (subsets.rotated[k], rotation.T @ whole @ rotation),
            (subsets.part[k], about),
        ):
            gap = np.linalg.eigvalsh(total - bound).min()
            assert gap >= -1e-9 * np.abs(total).max()
