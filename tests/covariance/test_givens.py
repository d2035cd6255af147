"""The two ways of applying a round of Givens rotations (EVE and VVE's sweeps)."""

import itertools

import numpy as np
import pytest

from gmm_estimators import GaussianMixture
from gmm_estimators.covariance import _givens, _orientation


def _scatter(rng, n_components, d):
    nk = rng.uniform(3 * d, 10 * d, n_components)
    rows = rng.normal(size=(n_components, 3 * d, d)) * rng.uniform(0.1, 10.0, d)
    scatter = np.einsum("kni,knj->kij", rows, rows) * (nk / (3 * d))[:, None, None]
    return nk, scatter


@pytest.mark.parametrize("d", [2, 3, 4, 7, 8])
def test_every_pair_of_axes_is_rotated_once_per_sweep(d):
    pairs = [
        (int(i), int(j))
        for first, second in _givens.round_robin(d)
        for i, j in zip(first, second, strict=True)
    ]
    assert sorted(pairs) == list(itertools.combinations(range(d), 2))
    for first, second in _givens.round_robin(d):
        axes = np.concatenate([first, second])
        assert np.unique(axes).size == axes.size  # disjoint planes


@pytest.mark.parametrize("d", [2, 3, 6, 9])
def test_the_layouts_lead_back_to_the_original_order(d):
    layouts = _givens.pair_layouts(d)
    rng = np.random.default_rng(d)
    matrix = rng.normal(size=(2, d, d))
    axes = rng.normal(size=(d, d))
    moved_axes, moved = axes, matrix
    for gather in layouts.into:
        moved_axes, moved = _givens.into_layout(moved_axes, moved, gather)
    moved_axes, moved = _givens.into_layout(moved_axes, moved, layouts.back)
    np.testing.assert_array_equal(moved, matrix)
    np.testing.assert_array_equal(moved_axes, axes)


@pytest.mark.parametrize("n_components", [1, 3])
@pytest.mark.parametrize("d", [2, 3, 5, 8, 17])
def test_a_sweep_in_pairs_is_the_dense_sweep(n_components, d):
    # The same rotations from the same entries: equal to rounding, an
    # orthogonal result, and the same objective.
    rng = np.random.default_rng(10 * d + n_components)
    nk, scatter = _scatter(rng, n_components, d)
    variances = scatter.diagonal(axis1=1, axis2=2) / nk[:, None]
    first, second, rounds = _orientation._jacobi_rounds(d)
    weights = 1.0 / variances[:, first] - 1.0 / variances[:, second]
    identity = np.eye(d)
    results = [
        sweep(identity.copy(), scatter.copy(), weights, rounds, identity)
        for sweep in (_orientation._sweep_dense, _orientation._sweep_in_pairs)
    ]
    (dense_axes, dense), (pair_axes, pairs) = results
    np.testing.assert_allclose(pair_axes, dense_axes, rtol=0, atol=1e-13)
    scale = np.abs(dense).max()
    np.testing.assert_allclose(pairs, dense, rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(pair_axes @ pair_axes.T, identity, atol=1e-13)
    # The rotated matrices are the scatter in the new axes.
    np.testing.assert_allclose(
        pair_axes.T @ scatter @ pair_axes, pairs, rtol=0, atol=1e-12 * scale
    )


@pytest.mark.parametrize("equal_volume", [True, False])
def test_the_orientation_m_step_is_the_same_either_way(monkeypatch, equal_volume):
    rng = np.random.default_rng(7)
    nk, scatter = _scatter(rng, 4, 12)
    outcomes = []
    for threshold in (10**9, 2):
        monkeypatch.setattr(_orientation, "PAIRS_FROM_FEATURES", threshold)
        outcomes.append(
            _orientation._common_orientation(nk, scatter, equal_volume, 1e-6, 100)
        )
    (dense, dense_trace), (pairs, pair_trace) = outcomes
    assert len(dense_trace) == len(pair_trace)
    np.testing.assert_allclose(pair_trace, dense_trace, rtol=1e-13)
    np.testing.assert_allclose(pairs, dense, rtol=0, atol=1e-12 * np.abs(dense).max())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_wide_eve_fits_with_pairs_as_with_dense_products(monkeypatch):
    # From PAIRS_FROM_FEATURES features on the sweeps mix pairs; the fit is
    # the dense form's to rounding.
    d = _givens.PAIRS_FROM_FEATURES
    rng = np.random.default_rng(0)
    X = np.concatenate(
        [rng.normal(size=(150, d)) * rng.uniform(0.5, 2.0, d) + 4.0 * k for k in (0, 1)]
    )
    fits = []
    for threshold in (10**9, d):
        monkeypatch.setattr(_orientation, "PAIRS_FROM_FEATURES", threshold)
        model = GaussianMixture(
            2, covariance_type="EVE", max_iter=4, tol=0, random_state=0
        )
        fits.append(model.fit(X))
    dense, pairs = fits
    assert pairs.lower_bound_ == pytest.approx(dense.lower_bound_, rel=1e-12)
    np.testing.assert_allclose(pairs.covariances_, dense.covariances_, atol=1e-10)
