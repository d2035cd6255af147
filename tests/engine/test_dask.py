"""Dask arrays: E-step and statistics per chunk on the scheduler's workers."""

import warnings

import numpy as np
import pytest

from gmm_estimators import GaussianMixture

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return np.vstack([rng.randn(250, 3), 0.5 * rng.randn(250, 3) + [4, 0, 1]]) + 50


@pytest.fixture
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def _start(X, covariance_type):
    """A shared start: the in-memory fit's first state (max_iter=0)."""
    start = GaussianMixture(
        2, covariance_type=covariance_type, max_iter=0, random_state=1
    ).fit(X)
    return dict(
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
    )


def _assert_same(a, b, atol=1e-10):
    np.testing.assert_allclose(b.weights_, a.weights_, rtol=0, atol=atol)
    np.testing.assert_allclose(b.means_, a.means_, rtol=0, atol=atol)
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-9, atol=atol)
    assert abs(b.lower_bound_ - a.lower_bound_) < atol
    assert b.n_iter_ == a.n_iter_


@pytest.mark.parametrize(
    "covariance_type", ["full", "tied", "diag", "spherical", "EVE"]
)
def test_dask_fit_equals_in_memory_fit_from_the_same_start(
    data, synchronous, covariance_type
):
    params = dict(
        covariance_type=covariance_type, tol=1e-8, **_start(data, covariance_type)
    )
    a = GaussianMixture(2, **params).fit(data)
    b = GaussianMixture(2, **params).fit(da.from_array(data, chunks=(120, 2)))
    _assert_same(a, b)


def test_default_start_weights_and_an_empty_chunk(data, synchronous):
    w = np.random.RandomState(3).uniform(0, 2, size=data.shape[0])
    X = da.concatenate(
        [
            da.from_array(data[:200], chunks=100),
            da.zeros((0, 3)),
            da.from_array(data[200:], chunks=150),
        ]
    )
    a = GaussianMixture(2, random_state=0, tol=1e-8).fit(data, sample_weight=w)
    b = GaussianMixture(2, random_state=0, tol=1e-8).fit(X, sample_weight=w)
    _assert_same(a, b)
    labels = b.labels_
    assert isinstance(labels, da.Array)
    np.testing.assert_array_equal(labels.compute(), a.labels_)


def test_prediction_returns_dask_arrays(data, synchronous):
    model = GaussianMixture(2, random_state=0).fit(data)
    X = da.from_array(data, chunks=(130, 3))
    for method in ("predict", "predict_proba", "predict_log_proba", "score_samples"):
        result = getattr(model, method)(X)
        assert isinstance(result, da.Array), method
        np.testing.assert_allclose(result.compute(), getattr(model, method)(data))
    assert model.score(X) == pytest.approx(model.score(data), rel=1e-12)
    assert model.bic(X) == pytest.approx(model.bic(data), rel=1e-12)


def test_float32_and_integer_chunks(data, synchronous):
    model = GaussianMixture(2, random_state=0).fit(
        da.from_array(data.astype(np.float32))
    )
    assert model.means_.dtype == np.float32
    rounded = np.round(data).astype(np.int64)
    a = GaussianMixture(2, random_state=0, reg_covar=1e-3).fit(rounded)
    b = GaussianMixture(2, random_state=0, reg_covar=1e-3).fit(
        da.from_array(rounded, chunks=100)
    )
    assert b.means_.dtype == np.float64
    np.testing.assert_allclose(b.means_, a.means_, atol=1e-10)


def test_bad_chunks_raise_and_leave_the_model_unchanged(data, synchronous):
    model = GaussianMixture(2, random_state=0).fit(data)
    means = model.means_.copy()
    bad = data.copy()
    bad[321, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.fit(da.from_array(bad, chunks=100))
    np.testing.assert_array_equal(model.means_, means)
    with pytest.raises(ValueError, match="X has 2 features, but GaussianMixture"):
        model.predict(da.from_array(data[:, :2]))
    with pytest.raises(ValueError, match="Expected 2D array"):
        GaussianMixture(2).fit(da.from_array(data[:, 0]))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict(da.from_array(bad, chunks=100)).compute()


def test_local_cluster_with_two_worker_processes(data):
    distributed = pytest.importorskip("distributed")
    params = dict(tol=1e-8, **_start(data, "full"))
    a = GaussianMixture(2, **params).fit(data)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        X = da.from_array(data, chunks=(125, 3))
        b = GaussianMixture(2, **params).fit(X)
        proba = b.predict_proba(X).compute()
    _assert_same(a, b)
    np.testing.assert_allclose(proba, a.predict_proba(data), atol=1e-12)


def test_selector_accepts_dask_arrays(data, synchronous):
    from gmm_estimators.model_selection import GaussianMixtureIC

    params = dict(n_components=[1, 2], covariance_types=["VVV", "EII"], random_state=0)
    a = GaussianMixtureIC(**params).fit(data)
    X = da.from_array(data, chunks=(200, 3))
    b = GaussianMixtureIC(**params).fit(X)
    assert (b.n_components_, b.covariance_type_) == (
        a.n_components_,
        a.covariance_type_,
    )
    np.testing.assert_allclose(b.results_["bic"], a.results_["bic"], rtol=1e-10)
    labels = b.predict(X)
    assert isinstance(labels, da.Array)
    np.testing.assert_array_equal(labels.compute(), a.predict(data))
    # labels_ as a fit on Dask chunks gives them, whichever the search (the
    # thorough one searched all rows in memory and gave an ndarray).
    for search in ("grid", "thorough"):
        fitted = GaussianMixtureIC(search=search, **params).fit(X)
        assert isinstance(fitted.labels_, da.Array)
        assert fitted.labels_.chunks == (X.chunks[0],)
        expected = fitted.predict(X).compute()
        np.testing.assert_array_equal(fitted.labels_.compute(), expected)


def test_a_chunk_sends_statistics_whose_size_does_not_grow_with_its_rows(data):
    import pickle

    from gmm_estimators._engine._dask import _chunk_em_step

    model = GaussianMixture(3, random_state=0).fit(data)
    estimator_model = model._covariance_model()
    params = model._params_from_attributes(data.mean(axis=0))
    center = data.mean(axis=0)
    sizes = []
    for rows in (50, 400):
        result = _chunk_em_step(
            data[:rows], None, center, estimator_model, params, data.dtype
        )
        sizes.append(len(pickle.dumps(result)))
    assert sizes[0] == sizes[1]
    # K (d^2 + d + 1) float64 numbers and some bookkeeping, not rows.
    assert sizes[1] < 8 * 3 * (3 * 3 + 3 + 1) * 4 + 2000


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_dask_chunks_of_extreme_float32_are_computed_in_float64(
    synchronous, covariance_type
):
    rng = np.random.RandomState(3)
    blobs = np.vstack([rng.randn(200, 2), rng.randn(200, 2) + 5])
    X = (blobs * 1e18).astype(np.float32)
    params = dict(covariance_type=covariance_type, random_state=0, tol=1e-6)
    a = GaussianMixture(2, **params).fit(X)
    b = GaussianMixture(2, **params).fit(da.from_array(X, chunks=(100, 2)))
    assert np.all(np.isfinite(b.covariances_))
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-9)
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-8)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-10)


@pytest.mark.filterwarnings("ignore::gmm_estimators.exceptions.DegenerateFitWarning")
@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_dask_chunks_of_float32_with_a_sentinel_are_computed_in_float64(
    synchronous, covariance_type
):
    # A value far beyond the others (1e9 among values near 1): the in-memory
    # fit converts to float64 (compute_dtype), the chunks stayed float32.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(300, 2), rng.randn(299, 2) + 6, [[1e9, 0.0]]])
    X = X.astype(np.float32)
    params = dict(covariance_type=covariance_type, random_state=0, tol=1e-6)
    a = GaussianMixture(3, **params).fit(X.astype(np.float64))
    b = GaussianMixture(3, **params).fit(da.from_array(X, chunks=(100, 2)))
    assert b.means_.dtype == np.float64
    # The chunks' merged summaries may round the centre (~1.7e6) one unit in
    # the last place otherwise than the in-memory sums: the means are the
    # centre plus the fitted offsets, equal to within that rounding.
    resolution = 4 * np.finfo(np.float64).eps * np.abs(X.mean(axis=0, dtype=float))
    np.testing.assert_allclose(b.means_, a.means_, rtol=0, atol=resolution.max())
    np.testing.assert_allclose(b.covariances_, a.covariances_, rtol=1e-9, atol=1e-9)
    assert b.lower_bound_ == pytest.approx(a.lower_bound_, rel=1e-10)
    assert b.n_iter_ == a.n_iter_
    np.testing.assert_allclose(b.score_samples(X), a.score_samples(X), rtol=1e-8)


def test_far_float32_rows_in_a_chunk_score_as_in_memory(data, synchronous):
    # float32 rows at 1e20 are scored in float64 (their squares overflow
    # float32), but the array was declared float32: -inf and numpy's
    # "overflow encountered in cast" where in memory gives ~-1e40.
    import warnings

    X = data.astype(np.float32)
    model = GaussianMixture(2, random_state=0).fit(X)
    far = np.array([[1e20, 1e20, 0.0], [1e20, -1e20, 1e20]], dtype=np.float32)
    Q = da.from_array(np.vstack([X[:7], far]), chunks=(3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = model.score_samples(Q).compute()
        proba = model.predict_proba(Q).compute()
        expected = model.score_samples(far.astype(np.float64))
        score = model.score(Q)
    np.testing.assert_allclose(scores[-2:], expected, rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.isfinite(score)
    # The other rows as in memory (float32 values, exactly).
    np.testing.assert_array_equal(scores[:6], model.score_samples(X[:6]))
    np.testing.assert_array_equal(model.predict(Q).compute()[:6], model.predict(X[:6]))


@pytest.mark.parametrize("n_components", [1, 2])
def test_noise_model_predict_proba_of_dask_arrays(data, synchronous, n_components):
    # The noise component adds a column to the log-densities: the chunks'
    # results were reshaped to K columns and failed (or misshaped for K=1).
    rng = np.random.RandomState(0)
    X = np.vstack([data, rng.uniform(40, 60, size=(30, 3))])
    gm = GaussianMixture(n_components, noise=True, random_state=0).fit(X)
    Xd = da.from_array(X, chunks=((0, 100, 1, X.shape[0] - 101), (3,)))
    for method in ("predict_proba", "predict_log_proba"):
        expected = getattr(gm, method)(X)
        got = getattr(gm, method)(Xd)
        assert got.shape == expected.shape == (X.shape[0], n_components + 1)
        np.testing.assert_allclose(got.compute(), expected, rtol=1e-10, atol=1e-12)


def test_labels_of_dask_chunks_with_an_empty_first_chunk_stay_integers(
    data, synchronous
):
    gm = GaussianMixture(2, random_state=0).fit(data)
    Xd = da.from_array(data, chunks=((0, data.shape[0]), (3,)))
    labels = gm.predict(Xd).compute()
    assert labels.dtype == gm.predict(data).dtype
    np.testing.assert_array_equal(labels, gm.predict(data))


def test_weights_summing_beyond_float64_give_only_the_clear_error(data, synchronous):
    # The sum of the weights let numpy's "overflow encountered in reduce"
    # through before the error the in-memory fit gives alone.
    import warnings

    w = np.full(data.shape[0], 1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="sample_weight of total inf") as a:
            GaussianMixture(2, random_state=0).fit(data, sample_weight=w)
        with pytest.raises(ValueError, match="sample_weight of total inf") as b:
            GaussianMixture(2, random_state=0).fit(
                da.from_array(data, chunks=(100, 3)), sample_weight=w
            )
    assert str(b.value) == str(a.value)


class _DaskFrame:
    """What the package reads of a Dask DataFrame (``dask.dataframe`` needs
    pyarrow, which the test extra does not install): its columns, its empty
    pandas frame ``_meta`` and ``to_dask_array``. Counts the arrays made, so
    that the test sees the rows were streamed, not computed on the client."""

    def __init__(self, frame, chunk):
        self._frame, self._chunk = frame, chunk
        self.columns = frame.columns
        self._meta = frame.iloc[:0]
        self.arrays = 0

    def to_dask_array(self, lengths=False):
        assert lengths  # the row counts a sampled start and the blocks need
        self.arrays += 1
        return da.from_array(self._frame.to_numpy(), chunks=(self._chunk, -1))

    def __array__(self, dtype=None, copy=None):  # what scikit-learn would read
        raise AssertionError("the frame was computed on the client")


def test_a_dask_frame_streams_its_rows_and_keeps_its_column_names(data, synchronous):
    # scikit-learn computed the whole frame on the client and lost its
    # column names, so prediction on the same frame warned about them.
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(data, columns=["a", "b", "c"])
    streamed = _DaskFrame(frame, 130)
    model = GaussianMixture(2, random_state=0, tol=1e-8).fit(streamed)
    in_memory = GaussianMixture(2, random_state=0, tol=1e-8).fit(frame)
    assert streamed.arrays == 1
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    _assert_same(in_memory, model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = in_memory.predict(_DaskFrame(frame, 100))
    assert isinstance(labels, da.Array)
    np.testing.assert_array_equal(labels.compute(), in_memory.predict(frame))
    renamed = _DaskFrame(frame.rename(columns={"a": "z"}), 100)
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(renamed)
