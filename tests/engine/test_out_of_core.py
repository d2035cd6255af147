"""Fits that stream their rows: memory maps, h5py, zarr, large in-memory arrays."""

import copy
import warnings

import numpy as np
import pytest

from gmm_estimators import (
    GaussianMixture,
    GaussianMixtureClassifier,
    GaussianMixtureImputer,
    GaussianMixtureOutlierDetector,
    GaussianMixtureRegressor,
)
from gmm_estimators._engine import _sampling, _sources
from gmm_estimators._engine._data import ArraySource
from gmm_estimators._engine._pages import merge_summaries
from gmm_estimators._engine._sources import StreamSource, make_source
from gmm_estimators.model_selection import GaussianMixtureIC

STRUCTURES = ["full", "tied", "diag", "spherical", "VEV", "EEI"]


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(300, 3), rng.randn(300, 3) * 0.5 + [4, 0, 1]])
    return X + 100.0  # far from the origin: the centring matters


@pytest.fixture
def small_pages(monkeypatch):
    # 64 rows of 3 float64 per page: many pages, so page merges are exercised.
    monkeypatch.setattr(_sources, "PAGE_BYTES", 64 * 3 * 8)


def _memmap(tmp_path, X, name="x.npy"):
    path = tmp_path / name
    array = np.lib.format.open_memmap(path, mode="w+", dtype=X.dtype, shape=X.shape)
    array[:] = X
    array.flush()
    del array
    return np.load(path, mmap_mode="r")


def _assert_same_fit(a, b):
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-9, atol=1e-12)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-10, abs=1e-10)
    assert b.n_iter_ == a.n_iter_
    np.testing.assert_array_equal(b.labels_, a.labels_)


@pytest.mark.parametrize("covariance_type", STRUCTURES)
def test_memmap_fit_equals_in_memory_fit(tmp_path, data, small_pages, covariance_type):
    params = dict(covariance_type=covariance_type, random_state=0, tol=1e-6)
    a = GaussianMixture(2, **params).fit(data)
    b = GaussianMixture(2, **params).fit(_memmap(tmp_path, data))
    _assert_same_fit(a, b)


def test_memmap_with_weights_and_float32(tmp_path, data, small_pages):
    w = np.random.RandomState(1).randint(0, 3, size=data.shape[0]).astype(float)
    X32 = data.astype(np.float32)
    a = GaussianMixture(2, random_state=0).fit(X32, sample_weight=w)
    b = GaussianMixture(2, random_state=0).fit(_memmap(tmp_path, X32), sample_weight=w)
    assert b.means_.dtype == np.float32
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-5)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-6)


def test_h5py_and_zarr_datasets(tmp_path, data, small_pages):
    h5py = pytest.importorskip("h5py")
    zarr = pytest.importorskip("zarr")
    a = GaussianMixture(2, random_state=0).fit(data)
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("X", data=data, chunks=(50, 3))
    z = zarr.create_array(
        store=str(tmp_path / "x.zarr"), shape=data.shape, chunks=(100, 3), dtype="f8"
    )
    z[:] = data
    with h5py.File(tmp_path / "x.h5", "r") as f:
        for array in (f["X"], z):
            b = GaussianMixture(2, random_state=0).fit(array)
            _assert_same_fit(a, b)
            np.testing.assert_allclose(b.score_samples(array), a.score_samples(data))
            np.testing.assert_array_equal(b.predict(array), a.predict(data))


def test_large_in_memory_array_streams_without_a_copy(monkeypatch, data, tmp_path):
    monkeypatch.setattr(_sources, "STREAM_BYTES", 1024)
    source = make_source(GaussianMixture(2), data, None, n_components=2, random_state=0)
    assert isinstance(source, StreamSource)
    assert source.centred_X is None
    a = GaussianMixture(2, random_state=0).fit(data)
    monkeypatch.setattr(_sources, "STREAM_BYTES", 2**40)
    b = GaussianMixture(2, random_state=0).fit(data)
    _assert_same_fit(b, a)


def test_streaming_summary_equals_two_pass_summary(data, small_pages):
    w = np.random.RandomState(2).uniform(0, 2, size=data.shape[0])
    stream = make_source(
        GaussianMixture(2), _AsArrayLike(data), w, n_components=2, random_state=0
    )
    whole = ArraySource.from_arrays(data, w)
    np.testing.assert_allclose(stream.center, whole.center, rtol=1e-13)
    np.testing.assert_allclose(stream.total_scatter, whole.total_scatter, rtol=1e-11)
    assert stream.weight_sum == pytest.approx(whole.weight_sum, rel=1e-13)


def test_merge_summaries_is_the_pooled_mean_and_scatter():
    rng = np.random.RandomState(3)
    parts = [rng.randn(n, 2) + 10 for n in (5, 1, 7)]
    summaries = [
        (len(p), p.mean(0), (p - p.mean(0)).T @ (p - p.mean(0))) for p in parts
    ]
    summaries.insert(1, (0.0, np.zeros(2), np.zeros((2, 2))))  # an empty part
    weight, mean, scatter = merge_summaries(summaries)
    allrows = np.vstack(parts)
    assert weight == 13
    np.testing.assert_allclose(mean, allrows.mean(0))
    np.testing.assert_allclose(scatter, np.cov(allrows.T, bias=True) * 13)


def test_large_data_starts_on_a_sample(monkeypatch, tmp_path, data):
    monkeypatch.setattr(_sampling, "sample_size", lambda n_components: 100)
    X = _memmap(tmp_path, data)
    source = make_source(GaussianMixture(2), X, None, n_components=2, random_state=0)
    assert source.init_source().X.shape == (100, 3)
    # The sample lives in the whole data's coordinates.
    np.testing.assert_array_equal(source.init_source().center, source.center)
    a = GaussianMixture(2, random_state=0).fit(X)
    b = GaussianMixture(2, random_state=0).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    a = GaussianMixture(2, random_state=0, tol=1e-10).fit(X)
    reference = GaussianMixture(2, random_state=0, tol=1e-10).fit(data)
    order = np.argsort(a.means_[:, 0])
    np.testing.assert_allclose(
        a.means_[order], reference.means_[np.argsort(reference.means_[:, 0])], atol=1e-6
    )


def test_nan_in_a_page_is_reported_and_keeps_the_model(tmp_path, data, small_pages):
    model = GaussianMixture(2, random_state=0).fit(data)
    means = model.means_.copy()
    bad = data.copy()
    bad[500, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.fit(_memmap(tmp_path, bad))
    np.testing.assert_array_equal(model.means_, means)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict(_memmap(tmp_path, bad, "y.npy"))


def test_shape_errors_are_scikit_learns(tmp_path, data):
    model = GaussianMixture(2)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        model.fit(_memmap(tmp_path, data[:, 0]))
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        model.fit(_memmap(tmp_path, data[:1], "one.npy"))
    model.fit(_memmap(tmp_path, data, "ok.npy"))
    with pytest.raises(ValueError, match="X has 2 features, but GaussianMixture"):
        model.predict(_memmap(tmp_path, data[:, :2], "two.npy"))


class _AsArrayLike:
    """A minimal sliceable array-like (not an ndarray)."""

    def __init__(self, array):
        self.array = array
        self.shape, self.dtype = array.shape, array.dtype

    def __getitem__(self, rows):
        return self.array[rows]


@pytest.mark.parametrize("covariance_type", ["full", "diag", "tied", "VEV"])
def test_memmap_of_extreme_float32_is_read_as_float64(
    tmp_path, small_pages, covariance_type
):
    # float32 rows near 1e18 square beyond float32's range: the summary pass
    # finds their magnitude and every page is read as float64, as an
    # in-memory array of them is.
    rng = np.random.RandomState(3)
    blobs = np.vstack([rng.randn(200, 2), rng.randn(200, 2) + 5])
    X = (blobs * 1e18).astype(np.float32)
    params = dict(covariance_type=covariance_type, random_state=0, tol=1e-6)
    a = GaussianMixture(2, **params).fit(X)
    b = GaussianMixture(2, **params).fit(_memmap(tmp_path, X))
    assert np.all(np.isfinite(b.covariances_))
    _assert_same_fit(a, b)
    np.testing.assert_allclose(np.sort(b.means_[:, 0]) / 1e18, [0, 5], atol=0.5)


@pytest.mark.filterwarnings("ignore::gmm_estimators.exceptions.DegenerateFitWarning")
@pytest.mark.parametrize("covariance_type", ["full", "diag", "VEV"])
@pytest.mark.parametrize("pages", ["one page", "many pages"])
def test_memmap_of_float32_with_a_sentinel_is_read_as_float64(
    monkeypatch, tmp_path, covariance_type, pages
):
    # A value far beyond the others (1e9 among values near 1) pulls the
    # centre to ~1.7e6, where float32 rounds every other row to 0.125: the
    # in-memory fit converts to float64 (compute_dtype), the memory map was
    # fitted in float32 (means off by 0.05, 0.19 nats a row).
    if pages == "many pages":
        monkeypatch.setattr(_sources, "PAGE_BYTES", 64 * 2 * 4)
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(300, 2), rng.randn(299, 2) + 6, [[1e9, 0.0]]])
    X = X.astype(np.float32)
    params = dict(covariance_type=covariance_type, random_state=0, tol=1e-6)
    a = GaussianMixture(3, **params).fit(X.astype(np.float64))
    b = GaussianMixture(3, **params).fit(_memmap(tmp_path, X))
    assert b.means_.dtype == np.float64
    if pages == "one page":
        _assert_same_fit(a, b)
        np.testing.assert_array_equal(b.score_samples(X), a.score_samples(X))
        return
    # Merged page summaries may round the centre (~1.7e6) one unit in the
    # last place otherwise than the in-memory sums: the means are the
    # centre plus the fitted offsets, equal to within that rounding.
    resolution = 4 * np.finfo(np.float64).eps * np.abs(X.mean(axis=0, dtype=float))
    np.testing.assert_allclose(b.means_, a.means_, rtol=0, atol=resolution.max())
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-9, atol=1e-9)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-10)
    np.testing.assert_array_equal(b.labels_, a.labels_)
    np.testing.assert_allclose(b.score_samples(X), a.score_samples(X), rtol=1e-8)


def test_far_float32_rows_on_a_later_page_score_as_in_memory(
    monkeypatch, tmp_path, data
):
    # float32 rows at 1e20 are scored in float64 (their squares overflow
    # float32); the output, typed by the first page, was float32: -inf and
    # numpy's "overflow encountered in cast" where in memory gives ~-1e40.
    monkeypatch.setattr(_sources, "PAGE_BYTES", 64 * 3 * 4)
    X = data.astype(np.float32)
    model = GaussianMixture(2, random_state=0).fit(X)
    far = np.array([[1e20, 1e20, 0.0], [1e20, -1e20, 1e20]], dtype=np.float32)
    Q = np.vstack([X[:200], far])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = model.score_samples(_memmap(tmp_path, Q))
        expected = model.score_samples(far.astype(np.float64))
        score = model.score(_memmap(tmp_path, Q, name="q.npy"))
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores[-2:], expected, rtol=1e-12)
    assert np.isfinite(score)


@pytest.mark.parametrize(
    "make_chunks",
    [
        lambda X: (c for c in np.array_split(X, 4)),
        lambda X: iter(np.array_split(X, 4)),
        lambda X: np.array_split(X, 7),  # chunks of unequal sizes
        lambda X: np.array_split(X, 4),  # equal sizes: numpy makes it 3-D
    ],
)
def test_chunks_not_joined_into_one_array_are_refused_clearly(make_chunks):
    # A generator gave "float() argument must be ... not 'generator'" from
    # inside numpy, a list of chunks a 3-D or an inhomogeneous-shape error.
    X = np.random.RandomState(0).randn(120, 3)
    fitted = GaussianMixture(2, random_state=0).fit(X)
    calls = {
        "fit": lambda X: GaussianMixture(2).fit(X),
        "predict": fitted.predict,
        "partial_fit": lambda X: copy.deepcopy(fitted).partial_fit(X),
        "selector": lambda X: GaussianMixtureIC(n_components=2).fit(X),
        # The estimators built on mixtures gave numpy's errors.
        "classifier": lambda X: GaussianMixtureClassifier().fit(X, y),
        "regressor": lambda X: GaussianMixtureRegressor().fit(X, y),
        "outliers": lambda X: GaussianMixtureOutlierDetector().fit(X),
        "imputer": lambda X: GaussianMixtureImputer().fit(X),
    }
    y = np.arange(120) % 2
    # Their predictions too gave numpy's errors.
    fits = {
        "selector": GaussianMixtureIC(n_components=2, covariance_types="VVV"),
        "classifier": GaussianMixtureClassifier(covariance_types="VVV"),
        "outliers": GaussianMixtureOutlierDetector(covariance_types="VVV"),
    }
    for name, estimator in fits.items():
        estimator.fit(X, y) if name == "classifier" else estimator.fit(X)
        calls[f"{name}.predict"] = estimator.predict
    calls["imputer.transform"] = GaussianMixtureImputer(n_components=1).fit(X).transform
    regressor = GaussianMixtureRegressor(n_components=1).fit(X, y)
    calls["regressor.predict"] = regressor.predict
    for call in calls.values():
        with pytest.raises(TypeError, match="expects one array.*concatenate"):
            call(make_chunks(X))


@pytest.mark.parametrize(
    "make_rows",
    [lambda X: (row for row in X), lambda X: map(list, X), lambda X: iter(list(X))],
)
def test_an_iterator_of_rows_is_told_to_stack_them(make_rows):
    # The remedy for chunks, np.concatenate, joins rows into one flat array.
    X = np.random.RandomState(0).randn(50, 3)
    remedy = r"iterator of rows.*np\.vstack\(list\(rows\)\)"
    with pytest.raises(TypeError, match=remedy):
        GaussianMixture(2).fit(make_rows(X))
    # The remedy works: the same fit as the array's.
    stacked = GaussianMixture(2, random_state=0).fit(np.vstack(list(make_rows(X))))
    np.testing.assert_array_equal(
        stacked.means_, GaussianMixture(2, random_state=0).fit(X).means_
    )


@pytest.mark.parametrize("where", ["memmap", "large in memory"])
def test_squares_beyond_float64_are_refused_clearly_when_streamed(
    monkeypatch, tmp_path, data, small_pages, where
):
    # The check read the rows as one array (np.asarray of the page reader):
    # "setting an array element with a sequence" instead of the remedy.
    X = data.copy()
    X[400, 1] = 1e200
    if where == "memmap":
        X = _memmap(tmp_path, X)
    else:
        monkeypatch.setattr(_sources, "STREAM_BYTES", 1024)
    with pytest.raises(ValueError, match="magnitude up to 1e\\+200.*Rescale X"):
        GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="magnitude up to 1e\\+200.*Rescale X"):
        GaussianMixtureIC(n_components=2).fit(X)


def test_pages_whose_squares_all_overflow_give_only_the_clear_error(
    tmp_path, data, small_pages
):
    # Merging the pages' summaries overflowed with numpy's RuntimeWarnings
    # ("overflow encountered in multiply") before the remedy.
    X = _memmap(tmp_path, data * 1e200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="squares overflow float64.*Rescale X"):
            GaussianMixture(2, random_state=0).fit(X)


def test_huge_weights_stream_as_they_fit_in_memory(tmp_path, data, small_pages):
    # The pages' summaries were merged with (a * b) / total: weights near
    # 1e300 overflowed the product and the fit was refused as overflowing,
    # while the same weights in memory fit (the engine scales them).
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=data.shape[0])
    a = GaussianMixture(2, random_state=0, tol=1e-6).fit(data, sample_weight=w)
    b = GaussianMixture(2, random_state=0, tol=1e-6).fit(
        _memmap(tmp_path, data), sample_weight=w * 1e300
    )
    _assert_same_fit(a, b)
    weight_sum, mean, scatter = merge_summaries(
        [
            (1e300, np.zeros(2), np.eye(2) * 1e300),
            (1e300, np.ones(2), np.eye(2) * 1e300),
        ]
    )
    np.testing.assert_allclose(mean, [0.5, 0.5])
    np.testing.assert_allclose(scatter / weight_sum, np.eye(2) + 0.25)


def test_weights_summing_beyond_float64_give_only_the_clear_error(
    tmp_path, data, small_pages
):
    # The streamed sums of the weights let numpy's "overflow encountered in
    # reduce" through before the error the in-memory fit gives alone.
    w = np.full(data.shape[0], 1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="sample_weight of total inf") as a:
            GaussianMixture(2, random_state=0).fit(data, sample_weight=w)
        with pytest.raises(ValueError, match="sample_weight of total inf") as b:
            GaussianMixture(2, random_state=0).fit(
                _memmap(tmp_path, data), sample_weight=w
            )
    assert str(b.value) == str(a.value)


def test_noise_fits_in_memory_arrays_above_the_streaming_threshold(monkeypatch, data):
    # In-memory arrays above STREAM_BYTES were streamed, and the noise
    # component refused them ("needs the rows in memory ... np.asarray(X)"):
    # no array of more than 64 MiB could be fitted with noise=True.
    X = np.vstack([data, np.random.RandomState(2).uniform(95, 106, (60, 3))])
    a = GaussianMixture(2, noise=True, random_state=0).fit(X)
    selected = GaussianMixtureIC(n_components=[1, 2], noise=True, random_state=0)
    selected.fit(X)
    monkeypatch.setattr(_sources, "STREAM_BYTES", 1024)
    b = GaussianMixture(2, noise=True, random_state=0).fit(X)
    _assert_same_fit(a, b)
    assert b.noise_proportion_ == a.noise_proportion_ > 0
    again = GaussianMixtureIC(n_components=[1, 2], noise=True, random_state=0)
    again.fit(X)
    _assert_same_fit(selected.best_estimator_, again.best_estimator_)


def _fit_in_worker(X):
    model = GaussianMixture(2, random_state=0).fit(X)
    return type(X).__name__, model.score(X), model.means_


def test_arrays_joblib_maps_for_its_workers_are_fitted_as_in_memory():
    # joblib passes arguments above 1 MB to worker processes as read-only
    # maps of a temporary file: they were streamed as data on disk, so
    # missing values were refused ("this memory map") and more than 10,000
    # rows started from a sample, another fit than the same call in series.
    from joblib import Parallel, delayed

    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(10000, 8), rng.randn(10000, 8) + 3])
    with_missing = X.copy()
    with_missing[rng.rand(*X.shape) < 0.02] = np.nan
    for rows in (X, with_missing):
        kind, score, means = Parallel(n_jobs=2)(
            delayed(_fit_in_worker)(rows) for _ in range(2)
        )[0]
        assert kind == "memmap"  # as joblib passed it
        _, expected_score, expected_means = _fit_in_worker(rows)
        assert score == expected_score
        np.testing.assert_array_equal(means, expected_means)


def _fit_beside_fill_values(data, real, feature):
    """A 2-component fit of ``data``; its real rows' component (nearest zero
    along ``feature``) has their moments (the oracle). Returns the fit and k."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GaussianMixture(2, random_state=0, tol=1e-10).fit(data)
    k = int(np.argmin(np.abs(fit.means_[:, feature])))
    np.testing.assert_allclose(fit.means_[k], real.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(
        np.diag(fit.covariances_[k]), real.var(axis=0) + 1e-6, rtol=1e-9
    )
    return fit, k


@pytest.mark.parametrize("fill", [1e16, 1e20, 9.96921e36])
def test_a_few_fill_values_leave_the_other_rows_their_digits(tmp_path, fill):
    # Ten rows of a fill value beside 600 real ones: the rows were centred on
    # their mean, 1.6e18 away from every real row, whose offsets from it
    # rounded to a few values; their component came out at one point (mean
    # 0, variance reg_covar), flagged collapsed. scikit-learn, which does not
    # centre, fits them. The oracle: the real rows' own moments.
    rng = np.random.default_rng(0)
    real = np.r_[rng.normal(0, 1, (300, 2)), rng.normal(6, 1, (300, 2))]
    X = np.r_[real, np.full((10, 2), fill)]
    for data in (X, _memmap(tmp_path, X)):
        fit, k = _fit_beside_fill_values(data, real, feature=0)
        # The fill rows' component rests on one point: collapsed. The real
        # rows' is sound while they lie within about 1e16 of their spread
        # from the fill value; beyond, the collapse check's rounding, in
        # units of the whole data's spread, reads them as one point (known).
        assert 1 - k in fit.collapsed_components_
        if fill < 1e17:
            assert k not in fit.collapsed_components_


def test_ordinary_data_are_centred_on_their_mean():
    # The median replaces the mean only where the mean's rounding is beyond
    # half the digits of the rows' spread: never for these.
    from gmm_estimators._engine._representation import bulk_center

    rng = np.random.default_rng(1)
    cases = [
        rng.integers(0, 2, size=(500, 3)).astype(float),  # binary
        np.exp(3 * rng.normal(size=(500, 3))),  # heavy-tailed
        np.c_[np.ones(500), rng.normal(size=500) + 1e8],  # constant, offset
        np.r_[rng.normal(size=(500, 2)), [[1e6, -1e6]]],  # one outlier
    ]
    for X in cases:
        mean = X.mean(axis=0)
        center, moved = bulk_center(mean, X)
        assert not moved.any()
        assert np.array_equal(center, mean)


def test_pages_whose_own_median_is_off_their_mean_merge_as_in_memory(
    tmp_path, small_pages
):
    # Sorted rows: a page of a tight cluster beside a wide one has its mean
    # beyond 1/sqrt(eps) of its typical deviations from its median. Each
    # page's summary was centred on its median and merged as if about its
    # mean: the tied covariance came out 245 instead of 0.549.
    rng = np.random.default_rng(0)
    x = np.sort(np.r_[rng.normal(0, 1e-7, 950), rng.normal(100, 1, 1050)])
    X = np.c_[x, rng.normal(size=2000)]
    params = dict(n_components=2, covariance_type="tied", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = GaussianMixture(**params).fit(X)
        b = GaussianMixture(**params).fit(_memmap(tmp_path, X))
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-9)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-12)


def test_a_binary_feature_beside_fill_values_keeps_its_digits():
    # A 0/1 feature has no median deviation; its mean one took in the fill
    # rows, so it was never centred on its median, and the real rows'
    # component came out at mean 0 and variance reg_covar there.
    rng = np.random.default_rng(0)
    real = np.c_[rng.random(600) < 0.3, rng.normal(size=600)].astype(float)
    _fit_beside_fill_values(np.r_[real, np.full((10, 2), 1e20)], real, feature=1)
