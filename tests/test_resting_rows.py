"""The resting rows' floors and moments against plain oracles."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from gmm_estimators import _resting_rows as R
from gmm_estimators._data_span import coordinates


def _floor_over_every_bin(histogram, n_k):
    # The definition: sums from the top over every bin of the histogram; the
    # reached bin's lower edge, less the rounding of the binning.
    from_top = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1]
    floors = np.empty(histogram.shape[0])
    for k in range(histogram.shape[0]):
        reached = np.flatnonzero(from_top[k] >= R.RESTING_WEIGHT * n_k[k])
        floors[k] = (
            10.0 ** R._LOG_BINS[reached[-1]] * (1.0 - R._EDGE_ROUNDING)
            if reached.size
            else 10.0 ** R._LOG_BINS[0]
        )
    return floors


def _histogram_by_definition(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        position = (np.log10(a) - R._LOG_LOW) / R._LOG_STEP
    bins = np.clip(np.nan_to_num(position, neginf=0.0), 0, R._LOG_BINS.size - 1)
    flat = bins.astype(np.intp) + R._LOG_BINS.size * np.arange(a.shape[1])
    return np.bincount(
        flat.ravel(), weights=a.ravel(), minlength=a.shape[1] * R._LOG_BINS.size
    ).reshape(a.shape[1], R._LOG_BINS.size)


@pytest.mark.parametrize("seed", range(40))
def test_histogram_and_resting_floor_equal_their_definitions(seed):
    rng = np.random.default_rng(seed)
    K = int(rng.integers(1, 6))
    a = rng.dirichlet(np.ones(K) * rng.uniform(0.05, 3.0), size=rng.integers(1, 400))
    if seed % 3 == 0:
        a[:, 0] = 0.0  # an empty component
    if seed % 5 == 0:
        a = a * 1e-300  # subnormal weights
    histogram = R.log_weight_histogram(a)
    assert_array_equal(histogram, _histogram_by_definition(a))
    n_k = a.sum(axis=0) * (rng.uniform(0.5, 1.5, K) if seed % 7 == 0 else 1.0)
    floors = _floor_over_every_bin(histogram, n_k)
    assert_array_equal(R.resting_floor(histogram, n_k), floors)
    # Every weight binned at or above a floor's bin passes it.
    bins = R._log_weight_bins(a)
    edges = 10.0**R._LOG_BINS
    for k in range(K):
        floor_bin = np.searchsorted(edges * (1.0 - R._EDGE_ROUNDING), floors[k])
        assert (a[bins[:, k] >= floor_bin, k] >= floors[k]).all()
    # The top bins alone, summed over blocks of any size, give the same
    # floors bit for bit wherever they hold the resting set (NaN elsewhere).
    n_blocks = int(rng.integers(1, 4))
    for low in (None, 0):
        top = R.FloorHistogram(K, low=low)
        for block in np.array_split(a, n_blocks):
            top.add(block)
        found = top.floors(n_k)
        held = ~np.isnan(found)
        assert_array_equal(found[held], floors[held])
        if low == 0 or (seed % 5 and seed % 7):
            # Every bin, or the true weights far above 1e-6 of the largest.
            assert held.all()


def test_floor_histogram_leaves_a_light_resting_set_to_every_bin():
    # Component 1 holds its weight in many light entries (below 1e-6 of the
    # largest weight, 1): the top bins cannot hold its resting set.
    a = np.zeros((2000, 2))
    a[:, 0] = 1.0
    a[:, 1] = 1e-7
    a[0, 1] = 1e-5
    n_k = a.sum(axis=0)
    top = R.FloorHistogram(2)
    top.add(a)
    found = top.floors(n_k)
    every = R.resting_floor(R.log_weight_histogram(a), n_k)
    assert found[0] == every[0]
    assert np.isnan(found[1])
    whole = R.FloorHistogram(2, low=0)
    whole.add(a)
    assert_array_equal(whole.floors(n_k), every)


@pytest.mark.parametrize("weighted", [False, True])
def test_batched_resting_moments_equal_those_component_by_component(
    rng, monkeypatch, weighted
):
    X = np.vstack([rng.randn(120, 3), rng.randn(80, 3) + 4.0, np.ones((30, 3))])
    resp = rng.dirichlet(np.full(4, 0.3), size=X.shape[0])
    w = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else None
    Xc = X - X.mean(axis=0)
    varying, scale, _ = coordinates(Xc.T @ Xc, float(X.shape[0]))
    shift = ((resp.T @ Xc) / resp.sum(axis=0)[:, None])[:, varying] / scale
    floors = np.array([1e-3, 0.2, 0.5, 0.0])

    def blocks():
        return [
            (Xc[:100], None if w is None else w[:100], resp[:100]),
            (Xc[100:], None if w is None else w[100:], resp[100:]),
        ]

    components = [0, 2, 3]
    batched = R.resting_moments(blocks, floors, varying, scale, shift, components)
    monkeypatch.setattr(R, "_BATCHED_ENTRIES", 0)
    looped = R.resting_moments(blocks, floors, varying, scale, shift, components)
    assert_array_equal(batched[0], looped[0])
    assert batched[4] == looped[4] == [None] * len(components)
    for ours, theirs in zip(batched[1:4], looped[1:4], strict=True):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    # The oracle: the resting rows of component 2 by their definition.
    a = resp[:, 2] if w is None else resp[:, 2] * w
    rows = a >= floors[2]
    D2 = Xc[rows][:, varying] / scale - shift[2]
    assert batched[0][1] == rows.sum()
    assert_allclose(batched[3][1], (D2 * a[rows, None]).T @ D2, rtol=1e-12)


def test_subset_reads_keep_counts_and_mass_and_bound_the_scatter(rng, monkeypatch):
    # A strided subset of each large resting set: counts and mass are those
    # of every resting row, and the subset's scatter about its own mean is
    # below the whole set's (Loewner order), the bound the check relies on.
    X = np.vstack([rng.randn(900, 3), rng.randn(700, 3) * 0.3 + 4.0])
    resp = rng.dirichlet(np.full(3, 0.2), size=X.shape[0])
    Xc = X - X.mean(axis=0)
    varying, scale, _ = coordinates(Xc.T @ Xc, float(X.shape[0]))
    shift = ((resp.T @ Xc) / resp.sum(axis=0)[:, None])[:, varying] / scale
    floors = np.array([0.3, 0.1, 0.5])

    def blocks():
        return [(Xc[:800], None, resp[:800]), (Xc[800:], None, resp[800:])]

    monkeypatch.setattr(R, "_BATCHED_ENTRIES", 0)
    whole = R.resting_moments(blocks, floors, varying, scale, shift, [0, 1, 2])
    part = R.resting_moments(
        blocks, floors, varying, scale, shift, [0, 1, 2], subset_rows=20
    )
    assert_array_equal(part[0], whole[0])
    assert_allclose(part[1], whole[1], rtol=1e-12)
    assert whole[4] == [None] * 3 and all(m is not None for m in part[4])
    for k in range(3):
        own_whole = whole[3][k] - np.outer(whole[2][k], whole[2][k]) / whole[1][k]
        own_part = part[3][k] - np.outer(part[2][k], part[2][k]) / part[4][k]
        assert part[4][k] < 0.2 * whole[1][k]
        assert np.linalg.eigvalsh(own_whole - own_part).min() >= -1e-9


@pytest.mark.parametrize("seed", range(40))
def test_top_levels_never_rise_above_the_floors(seed):
    # Every row at or above the top occupied bin's level is a resting row,
    # and the heaviest row is one of them: on spread, one-sided
    # (responsibilities of exactly one), weighted and tiny weights.
    rng = np.random.default_rng(seed)
    K = int(rng.integers(1, 6))
    a = rng.dirichlet(np.ones(K) * rng.uniform(0.01, 3.0), size=rng.integers(1, 500))
    if seed % 4 == 1:
        a = np.where(a > 0.5, 1.0, a)
    if seed % 4 == 2:
        a = a * rng.uniform(0.0, 50.0, (a.shape[0], 1))
    if seed % 5 == 0:
        a = a * 1e-300
    floors = R.resting_floor(R.log_weight_histogram(a), a.sum(axis=0))
    levels = R.top_levels(a.max(axis=0))
    assert (levels >= floors).all()
    assert (a.max(axis=0) >= levels).all()
