"""The starting sample of large data: chosen by the rows' values, not their place."""

import numpy as np
import pytest
from scipy import stats

from gmm_estimators import GaussianMixture
from gmm_estimators._engine import _sampling
from gmm_estimators._engine._dask import _merged_tree
from gmm_estimators._engine._sampling import (
    StartingSample,
    row_keys,
    sample_size,
    smallest_keys,
)
from gmm_estimators.model_selection import GaussianMixtureIC

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = np.vstack(
        [
            rng.randn(300, 3),
            0.5 * rng.randn(300, 3) + [4, 0, 1],
            0.7 * rng.randn(300, 3) + [0, 5, 2],
        ]
    )
    return X + 100.0


@pytest.fixture
def small_sample(monkeypatch):
    # 900 rows, a sample of 200: the search and the starts see a sample.
    monkeypatch.setattr(_sampling, "sample_size", lambda n_components: 200)


def _memmap(tmp_path, X, name="x.npy"):
    np.save(tmp_path / name, X)
    return np.load(tmp_path / name, mmap_mode="r")


def _fold(sample, X, weights, bounds):
    """The sample of ``X`` read in parts between ``bounds``, merged in turn."""
    merged = None
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        rows = slice(start, stop)
        w = None if weights is None else weights[rows]
        merged = sample.merge(merged, sample.part(rows, X[rows], w))
    return sample.rows_of(merged)


def test_sample_size_is_bounded():
    assert sample_size(3) == 10_000
    assert sample_size(1000) == 50_000


def test_few_rows_are_all_sampled_in_their_order():
    assert StartingSample.of(10_000, 3, 0).is_every_row
    # Rows of weight zero among few rows: every row, as a fit in memory.
    assert StartingSample.of(10_000, 3, 0, np.zeros(10_000)).is_every_row
    n = 50_000
    w = np.zeros(n)
    w[::7] = 1.0
    sample = StartingSample.of(n, 3, 0, w)
    np.testing.assert_array_equal(sample.positions, np.flatnonzero(w))
    assert sample.seed is None


def test_many_rows_give_the_size_of_rows_of_positive_weight():
    rng = np.random.default_rng(0)
    n = 50_000
    X = rng.normal(size=(n, 2))
    w = np.zeros(n)
    w[::3] = rng.uniform(0.5, 2.0, size=w[::3].shape)
    sample = StartingSample.of(n, 3, 0, w)
    positions = sample.positions_in(X, w)
    assert positions.size == sample_size(3) == np.unique(positions).size
    assert np.all(w[positions] > 0)
    # Deterministic given random_state; another one, another sample.
    again = StartingSample.of(n, 3, 0, w).positions_in(X, w)
    np.testing.assert_array_equal(positions, again)
    other = StartingSample.of(n, 3, 1, w).positions_in(X, w)
    assert np.intersect1d(positions, other).size < 0.6 * positions.size


def test_one_draw_from_a_random_state_is_the_seed():
    state = np.random.RandomState(5)
    seed = StartingSample.of(50_000, 3, state).seed
    assert seed == np.random.RandomState(5).randint(np.iinfo(np.int32).max)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_sample_is_uniform_over_the_rows(seed):
    # Keys monotone in the values, or in a feature, would fail both tests.
    n, size = 200_000, 10_000
    X = np.column_stack([np.arange(n, dtype=float), np.arange(n)[::-1] % 97])
    positions = smallest_keys(row_keys(X, seed), None, size)
    assert stats.kstest(positions / n, "uniform").pvalue > 1e-3
    counts = np.bincount(X[positions, 1].astype(int), minlength=97)
    assert stats.chisquare(counts).pvalue > 1e-3


def test_keys_are_the_values_not_their_dtype_nor_sign_of_zero():
    X = np.array([[0.5, -0.0, 3.0], [0.5, 0.0, 3.0], [1.5, 2.0, -7.25]])
    keys = row_keys(X, 11)
    assert keys[0] == keys[1] != keys[2]
    np.testing.assert_array_equal(row_keys(X.astype(np.float32), 11), keys)
    assert not np.any(row_keys(X, 12) == keys)
    # Another column order is another row.
    assert row_keys(X[:, ::-1], 11)[2] != keys[2]


@pytest.mark.parametrize("weighted", [False, True])
def test_parts_merged_in_any_grouping_give_the_sample_of_all_rows(weighted):
    rng = np.random.default_rng(3)
    n = 5_000
    X = rng.normal(size=(n, 3))
    w = rng.uniform(0.0, 2.0, size=n) if weighted else None
    if weighted:
        w[rng.random(n) < 0.2] = 0.0
    sample = StartingSample(300, seed=7)
    whole = sample.positions_in(X, w)
    for bounds in ([0, n], [0, 1, 2, 1000, n], list(range(0, n, 64)) + [n]):
        rows, weights = _fold(sample, X, w, bounds)
        np.testing.assert_array_equal(rows, X[whole])
        if weighted:
            np.testing.assert_array_equal(weights, w[whole])
    # As Dask merges its chunks' parts: a tree, neighbours first.
    parts = [
        dask.delayed(sample.part)(slice(i, i + 500), X[i : i + 500], None)
        for i in range(0, n, 500)
    ]
    (merged,) = dask.compute(_merged_tree(sample.merge, parts), scheduler="sync")
    np.testing.assert_array_equal(sample.rows_of(merged)[0], X[sample.positions_in(X)])


def test_equal_rows_of_other_weights_are_chosen_by_weight_not_order():
    # Every row has a twin of another weight: the sample does not depend on
    # which of them comes first, nor on a common factor in the weights.
    rng = np.random.default_rng(4)
    half = rng.normal(size=(3_000, 2))
    X = np.vstack([half, half])
    w = np.concatenate([np.full(3_000, 1.0), np.full(3_000, 2.0)])
    sample = StartingSample(1_000, seed=3)
    chosen = sample.positions_in(X, w)
    order = rng.permutation(6_000)
    again = sample.positions_in(X[order], w[order])
    np.testing.assert_array_equal(X[order][again], X[chosen])
    np.testing.assert_array_equal(w[order][again], w[chosen])
    scaled = sample.positions_in(X, 8.0 * w)
    np.testing.assert_array_equal(scaled, chosen)


def test_a_streamed_fit_starts_alike_from_rows_in_any_order(
    small_sample, tmp_path, data
):
    order = np.random.default_rng(0).permutation(len(data))
    fits = [
        GaussianMixture(3, random_state=0, tol=1e-8).fit(_memmap(tmp_path, X, name))
        for X, name in [(data, "a.npy"), (data[order], "b.npy")]
    ]
    assert fits[0].lower_bound_ == pytest.approx(fits[1].lower_bound_, rel=1e-12)
    np.testing.assert_allclose(
        np.sort(fits[0].means_, axis=0), np.sort(fits[1].means_, axis=0), atol=1e-9
    )
    assert fits[0].n_iter_ == fits[1].n_iter_


def test_a_search_on_a_sample_is_the_same_in_memory_memmap_dask_and_any_order(
    small_sample, tmp_path, data
):
    # Drawn by position, the sample of a memory map was not that of the same
    # rows in memory, nor of a permutation of them: whole local maxima
    # differed between the tables.
    rng = np.random.default_rng(1)
    w = rng.integers(1, 4, size=len(data)).astype(float)
    order = rng.permutation(len(data))
    search = dict(n_components=[2, 3, 4], covariance_types=["VVV", "EEE", "VII"])
    with dask.config.set(scheduler="synchronous"):
        inputs = [
            (data, w),
            (data[order], w[order]),
            (_memmap(tmp_path, data[order]), w[order]),
            (da.from_array(data, chunks=130), w),
        ]
        selectors = [
            GaussianMixtureIC(**search, random_state=0).fit(X, sample_weight=weights)
            for X, weights in inputs
        ]
    reference = selectors[0]
    for selector in selectors[1:]:
        assert (selector.n_components_, selector.covariance_type_) == (
            reference.n_components_,
            reference.covariance_type_,
        )
        np.testing.assert_allclose(
            selector.results_["log_likelihood"],
            reference.results_["log_likelihood"],
            rtol=1e-9,
        )
