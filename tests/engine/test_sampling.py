"""The starting sample of large data: chosen by the rows' values, not their place."""

import numpy as np
import pytest
from scipy import stats

from gmm_estimators import GaussianMixture
from gmm_estimators._engine import _sampling, _sources
from gmm_estimators._engine._sampling import (
    StartingSample,
    copy_ranks,
    row_hashes,
    sample_keys,
    sample_size,
    smallest_keys,
)
from gmm_estimators._engine._sources import make_source
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
    # Independent samples of 10,000 of the 16,667 rows of positive weight
    # share 6,000 rows on average (sd about 30).
    other = StartingSample.of(n, 3, 1, w).positions_in(X, w)
    assert np.intersect1d(positions, other).size < 0.65 * positions.size


def test_one_draw_from_a_random_state_is_the_seed():
    state = np.random.RandomState(5)
    seed = StartingSample.of(50_000, 3, state).seed
    assert seed == np.random.RandomState(5).randint(np.iinfo(np.int32).max)


def _keys(X, seed, weights=None):
    hashes = row_hashes(X)
    return sample_keys(hashes, copy_ranks(hashes, weights), seed)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_sample_is_uniform_over_the_rows(seed):
    # Keys monotone in the values, or in a feature, would fail both tests.
    n, size = 200_000, 10_000
    X = np.column_stack([np.arange(n, dtype=float), np.arange(n)[::-1] % 97])
    positions = smallest_keys(_keys(X, seed), size)
    assert stats.kstest(positions / n, "uniform").pvalue > 1e-3
    counts = np.bincount(X[positions, 1].astype(int), minlength=97)
    assert stats.chisquare(counts).pvalue > 1e-3


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_repeated_rows_are_sampled_as_often_as_a_draw_would(seed):
    # Keyed by the values alone, every copy of a row was in the sample or
    # none was: 20 distinct rows of these 400, and a row repeated in half
    # the data was missing from most samples.
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 20, size=(200_000, 2)).astype(float)
    X[:100_000] = [7.0, 7.0]
    sample = StartingSample.of(len(X), 3, seed)
    rows = X[sample.positions_in(X)]
    share = np.mean(np.all(rows == 7.0, axis=1))
    expected = 0.5 + 0.5 / 400
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / len(rows))
    others = rows[~np.all(rows == 7.0, axis=1)]
    codes = (others[:, 0] * 20 + others[:, 1]).astype(int)
    counts = np.delete(np.bincount(codes, minlength=400), 7 * 20 + 7)
    assert stats.chisquare(counts).pvalue > 1e-4


def test_hashes_are_the_values_not_their_dtype_nor_sign_of_zero():
    X = np.array([[0.5, -0.0, 3.0], [0.5, 0.0, 3.0], [1.5, 2.0, -7.25]])
    hashes = row_hashes(X)
    assert hashes[0] == hashes[1] != hashes[2]
    np.testing.assert_array_equal(row_hashes(X.astype(np.float32)), hashes)
    # Another column order is another row.
    assert row_hashes(X[:, ::-1])[2] != hashes[2]
    # Copies get distinct keys; another seed, other keys.
    keys = _keys(X, 11)
    assert len(set(keys.tolist())) == 3
    assert not np.any(_keys(X, 12) == keys)


@pytest.mark.parametrize("weighted", [False, True])
def test_a_stream_of_any_page_size_or_dask_chunks_give_the_sample_in_memory(
    monkeypatch, tmp_path, weighted
):
    rng = np.random.default_rng(3)
    n = 5_000
    X = rng.integers(0, 6, size=(n, 3)).astype(float)  # many repeated rows
    w = None
    if weighted:
        w = rng.uniform(0.0, 2.0, size=n)
        w[rng.random(n) < 0.2] = 0.0
    monkeypatch.setattr(_sampling, "sample_size", lambda n_components: 300)
    sample = StartingSample.of(n, 3, 7, w)
    whole = sample.positions_in(X, w)
    assert whole.size == 300 and (w is None or np.all(w[whole] > 0))
    path = tmp_path / "x.npy"
    np.save(path, X)
    model = GaussianMixture(3)
    sources = []
    for page_rows in (n, 1_000, 64, 1):
        monkeypatch.setattr(_sources, "PAGE_BYTES", page_rows * 3 * 8)
        memmap = np.load(path, mmap_mode="r")
        sources.append(make_source(model, memmap, w, n_components=3, random_state=7))
    with dask.config.set(scheduler="synchronous"):
        for chunks in (n, (1_000, 0, 2_500, 1_500), 64):
            dask_X = da.from_array(X, chunks=(chunks, 3))
            sources.append(
                make_source(model, dask_X, w, n_components=3, random_state=7)
            )
    for source in sources:
        np.testing.assert_array_equal(source.init_source().X, X[whole])
        if weighted:
            np.testing.assert_array_equal(source.init_source().sample_weight, w[whole])


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
