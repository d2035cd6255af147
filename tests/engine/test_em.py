"""The EM engine: block independence, sufficient statistics, invariants."""

import dataclasses
import tracemalloc
import warnings

import numpy as np
import pytest
import sklearn
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from gmm_estimators import GaussianMixture, available_covariance_types
from gmm_estimators import _engine as _em
from gmm_estimators._collapse import component_check
from gmm_estimators._engine import _data, _estep
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.covariance._families import _mahalanobis_whitened
from gmm_estimators.covariance._forms import (
    DIAGONAL,
    MOMENTS,
    POOLED,
    WHITENED,
    _feature_distance_function,
    _moment_coefficients,
    _moment_form_is_accurate,
)
from gmm_estimators.covariance._linalg import moment_features
from gmm_estimators.exceptions import DegenerateFitWarning

FORMS = {"full": WHITENED, "full-moments": MOMENTS, "diag": DIAGONAL, "pooled": POOLED}


def make_accumulator(form, *args):
    return FORMS[form].new_statistics(*args)


def blobs(rng, n=600, d=4, k=3):
    return np.vstack([rng.randn(n // k, d) @ rng.randn(d, d) + 5 * j for j in range(k)])


def fitted(X, covariance_type="full", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GaussianMixture(
            3,
            covariance_type=covariance_type,
            random_state=0,
            tol=0,
            max_iter=8,
            **kwargs,
        ).fit(X)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_result_independent_of_block_size(covariance_type, rng):
    X = blobs(rng)
    whole = fitted(X, covariance_type)
    # working_memory is in MiB; this forces blocks of the 64-row minimum.
    with sklearn.config_context(working_memory=1e-6):
        assert sum(1 for _ in _em.row_blocks(X.shape[0], 12)) > 5
        small = fitted(X, covariance_type)
        assert_allclose(small.predict_proba(X), whole.predict_proba(X), atol=1e-12)
    assert_allclose(small.means_, whole.means_, rtol=1e-10)
    assert_allclose(small.covariances_, whole.covariances_, rtol=1e-10)
    assert_allclose(small.lower_bounds_, whole.lower_bounds_, rtol=1e-12)


def test_result_independent_of_threads(rng):
    X = blobs(rng, n=3000)
    with sklearn.config_context(working_memory=1e-6):
        with threadpool_limits(1):
            one = fitted(X)
        with threadpool_limits(2):
            two = fitted(X)
    # Partial sums are added in block order: bitwise identical.
    np.testing.assert_array_equal(one.means_, two.means_)
    np.testing.assert_array_equal(one.lower_bounds_, two.lower_bounds_)


@pytest.mark.parametrize("covariance_type", ["full", "VEV", "EVE"])
def test_result_independent_of_memory_layout(covariance_type, rng):
    # A DataFrame's values are column-major: the same rows in another
    # layout summed in another order, and the fits differed in their last
    # bits (on nearly singular data, where EM paths amplify rounding, a
    # selector's cell by 1.5 BIC units between a CSV read with pandas and
    # the same values built in memory).
    X = blobs(rng)
    fits = [
        fitted(layout, covariance_type)
        for layout in (np.ascontiguousarray(X), np.asfortranarray(X))
    ]
    assert_array_equal(fits[1].means_, fits[0].means_)
    assert_array_equal(fits[1].covariances_, fits[0].covariances_)
    assert_array_equal(fits[1].lower_bounds_, fits[0].lower_bounds_)
    scores = [
        fits[0].score_samples(layout) for layout in (X, np.asfortranarray(X))
    ]
    assert_array_equal(scores[1], scores[0])


@pytest.mark.parametrize("scatter", ["full", "full-moments", "diag", "pooled"])
def test_statistics_merge_by_addition(scatter, rng):
    X = blobs(rng, n=300)
    data = _em.ArraySource.from_arrays(X)
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    means = rng.randn(3, X.shape[1])
    whole = make_accumulator(scatter, means)
    whole.add_block(data.centred(slice(None)), resp)
    parts = make_accumulator(scatter, means)
    for rows in (slice(0, 100), slice(100, 250), slice(250, 300)):
        piece = make_accumulator(scatter, means)
        piece.add_block(data.centred(rows), resp[rows])
        parts += piece
    for field in ("nk", *whole._fields):
        assert_allclose(getattr(parts, field), getattr(whole, field), rtol=1e-12)


@pytest.mark.parametrize("scatter", ["full", "full-moments", "diag", "pooled"])
def test_statistics_are_the_weighted_scatter(scatter, rng):
    """finalize() gives the weighted means and scatter computed directly."""
    X = blobs(rng, n=300)
    data = _em.ArraySource.from_arrays(X)
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    stats = make_accumulator(scatter, rng.randn(3, X.shape[1]))
    stats.add_block(data.centred(slice(None)), resp)
    nk = resp.sum(axis=0)
    means, W = stats.finalize(nk, data.total_scatter)
    expected_means = resp.T @ X / nk[:, None]
    assert_allclose(means + data.center, expected_means, rtol=1e-10)
    per_component = np.stack(
        [
            (resp[:, k, None] * (X - expected_means[k])).T @ (X - expected_means[k])
            for k in range(3)
        ]
    )
    expected = {
        "full": per_component,
        "full-moments": per_component,
        "diag": np.diagonal(per_component, axis1=1, axis2=2),
        "pooled": per_component.sum(axis=0),
    }[scatter]
    assert_allclose(W, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize(
    "dtype, separation, form, rtol",
    [
        (np.float64, 5.0, "full-moments", 1e-9),
        (np.float64, 1e7, "full", 1e-9),
        (np.float32, 500.0, "full-moments", 1e-3),
    ],
)
def test_initial_statistics_exact_in_one_pass_or_two(
    dtype, separation, form, rtol, rng
):
    """One pass of raw moments where accurate, the exact two passes otherwise.

    Clusters 1e7 standard deviations apart would lose their scatter to the
    cancellation of raw moments in float64. float32 rows are summed in
    float64 (summed in float32, clusters 500 apart lost about 1 % of it):
    one pass then suffices, its precision that of the float32 rows.
    """
    labels = np.repeat(np.arange(3), 100)
    X = (rng.randn(300, 4) + separation * labels[:, np.newaxis]).astype(dtype)
    resp = np.eye(3)[labels]
    data = _em.ArraySource.from_arrays(X)
    model = get_covariance_model("full")
    stats = _em.statistics_from_resp(model, data, lambda rows: resp[rows], 3)
    assert isinstance(stats, type(make_accumulator(form, np.zeros((3, 4)))))
    means, scatter = stats.finalize(stats.nk)
    X64 = X.astype(np.float64)
    for k in range(3):
        residuals = X64[labels == k] - X64[labels == k].mean(axis=0)
        # Centring rounds each row by eps times its magnitude (2 separations).
        assert_allclose(
            means[k] + data.center,
            X64[labels == k].mean(axis=0),
            atol=20 * np.finfo(dtype).eps * separation,
        )
        assert_allclose(scatter[k], residuals.T @ residuals, rtol=rtol, atol=rtol * 100)


def test_fit_data_holds_a_read_only_centred_copy(rng):
    X = blobs(rng, n=300) + 1e3
    original = X.copy()
    data = _em.ArraySource.from_arrays(X)
    assert_allclose(data.center, X.mean(axis=0), rtol=1e-14)
    assert_allclose(data.centred_X, X - X.mean(axis=0), atol=1e-9)
    # Blocks are views of the copy: a write anywhere downstream would raise.
    assert not data.centred(slice(0, 10)).flags.writeable
    GaussianMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(X, original)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical"])
def test_cached_features_give_the_same_fit(covariance_type, rng, monkeypatch):
    """Whole-data features (the selector's cache) equal per-block features."""
    X = blobs(rng, n=2000)
    # Blocks of a few hundred rows: the cache is read in slices.
    monkeypatch.setattr(_data, "_BLOCK_BYTES", 2**14)
    assert sum(1 for _ in _em.row_blocks(X.shape[0], 15)) > 5
    form = {"full": MOMENTS}.get(covariance_type, DIAGONAL)
    model = get_covariance_model(covariance_type)
    options = _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=8)
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])

    def fit(cache_features):
        data = _em.ArraySource.from_arrays(X, cache_features=cache_features)
        stats = _em.statistics_from_resp(model, data, lambda rows: resp[rows], 3)
        start, _ = options.m_step(model, data, stats)
        return _em.run_em(model, data, start, options), data

    cached, data = fit(True)
    plain, plain_data = fit(False)
    assert set(data.feature_cache) == {form}
    assert not data.feature_cache[form].flags.writeable
    assert plain_data.feature_cache is None
    assert_allclose(cached.lower_bounds, plain.lower_bounds, rtol=1e-13)
    assert_allclose(cached.params.means, plain.params.means, rtol=1e-11, atol=1e-12)
    assert_allclose(cached.params.covariances, plain.params.covariances, rtol=1e-11)


def test_feature_cache_respects_working_memory(rng):
    X = blobs(rng, n=2000)
    data = _em.ArraySource.from_arrays(X, cache_features=True)
    # Moment features of 2000 rows x 4 features: 15 x 2000 x 8 bytes = 234 KiB.
    with sklearn.config_context(working_memory=0.2):
        data.cache_features(MOMENTS)
        data.cache_features(DIAGONAL)  # 9 x 2000 x 8 bytes = 141 KiB
    assert set(data.feature_cache) == {DIAGONAL}
    assert data.features(MOMENTS, slice(0, 10)) is None
    assert_allclose(
        data.features(DIAGONAL, slice(5, 10)),
        np.vstack([data.centred_X[5:10].T ** 2, data.centred_X[5:10].T, np.ones(5)]),
    )


@pytest.mark.parametrize("scatter", ["diag", "pooled"])
def test_raw_moments_hold_the_coarser_statistics(scatter, rng):
    X = blobs(rng, n=300)
    data = _em.ArraySource.from_arrays(X)
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    moments = make_accumulator("full-moments", np.zeros((3, X.shape[1])))
    moments.add_block(data.centred(slice(None)), resp)
    direct = make_accumulator(scatter, np.zeros((3, X.shape[1])))
    direct.add_block(data.centred(slice(None)), resp)
    nk = resp.sum(axis=0)
    coarse = FORMS[scatter].derived_from(moments).finalize(nk, data.total_scatter)
    for got, want in zip(coarse, direct.finalize(nk, data.total_scatter), strict=True):
        assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_whitened_statistics_undo_the_whitening(rng):
    """Scatter accumulated in whitened coordinates equals the direct one."""
    X = blobs(rng, n=300)
    data = _em.ArraySource.from_arrays(X)
    model = get_covariance_model("full")
    means = rng.randn(3, X.shape[1])
    covariances = np.stack([np.cov(rng.randn(50, X.shape[1]).T) for _ in range(3)])
    chol, _ = model.precision_cholesky(covariances)
    Xc = data.centred(slice(None))
    _, whitened = _mahalanobis_whitened(Xc, means, chol)
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    whitened_stats = make_accumulator("full", means, chol)
    whitened_stats.add_block(Xc, resp, whitened)
    direct = make_accumulator("full", means)
    direct.add_block(Xc, resp)
    nk = resp.sum(axis=0)
    for got, want in zip(whitened_stats.finalize(nk), direct.finalize(nk), strict=True):
        assert_allclose(got, want, rtol=1e-9, atol=1e-10)


# EM never decreases the likelihood when the M-step is an exact maximiser:
# reg_covar=0 and no collapsed component (whose covariance is jittered).
def test_moment_and_whitened_distances_agree(rng):
    X = blobs(rng, n=200)
    model = get_covariance_model("full")
    means = rng.randn(3, X.shape[1])
    covariances = np.stack([np.cov(rng.randn(50, X.shape[1]).T) for _ in range(3)])
    chol, _ = model.precision_cholesky(covariances)
    moments = _feature_distance_function(
        _moment_coefficients(means, chol), moment_features, 1.0, None, X.dtype
    )
    dist_moments, features = moments(X)
    dist_whitened, _ = _mahalanobis_whitened(X, means, chol)
    assert_allclose(dist_moments, dist_whitened, rtol=1e-10, atol=1e-10)
    rows, cols = np.triu_indices(X.shape[1])
    expected = np.hstack([X[:, rows] * X[:, cols], X, np.ones((len(X), 1))])
    assert_allclose(features, expected.T)


def test_moment_form_only_where_accurate():
    """float32 with components far from the data's centre keeps its precision.

    Its moments would cancel in float32: it takes the whitened form, or the
    moment form computed in float64 where that one pays.
    """
    chol = np.tile(np.eye(2), (2, 1, 1))
    near, far = np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([[1e3, 0], [-1e3, 0]])
    assert _moment_form_is_accurate(near, chol, np.float64)
    assert _moment_form_is_accurate(far, chol, np.float64)
    assert not _moment_form_is_accurate(far, chol, np.float32)
    model = get_covariance_model("full")
    kernel = model.block_kernel(far, chol, np.float32)
    assert kernel.form is WHITENED or kernel.dtype == np.float64
    assert model.block_kernel(near, chol, np.float64).form is MOMENTS
    assert model.block_kernel(near, chol, np.float64).dtype is None


def test_float32_moment_form_keeps_its_documented_precision(rng):
    """float32 keeps its documented precision on ordinary clusters.

    The moment form's rounding in float32 would exceed the precision policy
    of the log-densities (doc/numerics.rst, 1e-4 relative), so float32 takes
    the whitened form here, or the moment form computed in float64.
    """
    scales = rng.uniform(0.5, 2.0, size=(3, 1, 6))
    X = np.vstack(rng.randn(3, 1000, 6) * scales + 6.0 * np.arange(3)[:, None, None])
    wide = fitted(X)
    narrow = fitted(X.astype(np.float32), means_init=wide.means_)
    center = wide.weights_ @ wide.means_
    kernel = get_covariance_model("full").block_kernel(
        wide.means_ - center, wide.precisions_cholesky_, np.float32
    )
    assert kernel.form is WHITENED or kernel.dtype == np.float64
    wide = fitted(X.astype(np.float32).astype(np.float64), means_init=wide.means_)
    assert_allclose(narrow.lower_bound_, wide.lower_bound_, rtol=1e-5)
    assert_allclose(narrow.predict_proba(X), wide.predict_proba(X), atol=5e-4)
    # Covariance error in each component's own standard deviations.
    chol = np.linalg.cholesky(wide.precisions_)
    error = np.swapaxes(chol, 1, 2) @ (narrow.covariances_ - wide.covariances_) @ chol
    assert np.abs(error).max() < 1e-3


@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_lower_bound_never_decreases(covariance_type, rng):
    d = get_covariance_model(covariance_type).max_n_features or 3
    X = blobs(rng, n=300, d=d)
    est = fitted(X, covariance_type, reg_covar=0)
    assert est.collapsed_components_.size == 0
    bounds = np.asarray(est.lower_bounds_)
    assert np.all(np.diff(bounds) >= -1e-12 * np.abs(bounds[1:]))


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(40, 120),
    d=st.integers(1, 4),
    k=st.integers(1, 3),
    covariance_type=st.sampled_from(["full", "tied", "diag", "spherical"]),
)
def test_lower_bound_monotone_property(seed, n, d, k, covariance_type):
    X = np.random.RandomState(seed).randn(n, d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = GaussianMixture(
            k,
            covariance_type=covariance_type,
            random_state=seed,
            tol=0,
            max_iter=10,
            reg_covar=0,
        ).fit(X)
    assume(est.collapsed_components_.size == 0)
    bounds = np.asarray(est.lower_bounds_)
    assert np.all(np.isfinite(bounds))
    assert np.all(np.diff(bounds) >= -1e-10 * np.abs(bounds[1:]))


def test_fit_memory_is_bounded_by_the_block(rng):
    """Peak memory of fit grows like the data (n x d), not like n x K x d."""
    # Both sizes above what the collapse check keeps in memory (8 MiB of
    # responsibilities and rows, about 42,000 rows here), so that the only
    # difference is the O(n) arrays.
    n, d, k = 120000, 8, 16
    X = rng.randn(n, d)
    init = {
        "means_init": X[:k],
        "weights_init": np.full(k, 1 / k),
        "precisions_init": np.tile(np.eye(d), (k, 1, 1)),
    }

    def peak(n_rows):
        data = X[:n_rows].copy()
        tracemalloc.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GaussianMixture(k, tol=0, max_iter=2, **init).fit(data)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    # Both sizes span many blocks, so the block temporaries are the same.
    growth = peak(n) - peak(n // 2)
    per_row = growth / (n - n // 2)
    # O(n) outputs: labels (8 bytes) and one row of the final predict in a
    # block; far below one n x K x d array (k * d * 8 = 1 KiB per row).
    assert per_row < 0.1 * k * d * 8


# --------------------------------------------------------------------------
# Reductions over the component axis


@pytest.mark.parametrize("layout", ["row-major", "component-major"])
def test_row_argmax_and_max_equal_numpy_with_ties(rng, layout):
    values = rng.randint(0, 4, size=(500, 5)).astype(float)  # many ties
    values[:7] = -np.inf  # rows without a possible component
    values[7:9, 2] = np.inf
    if layout == "component-major":
        values = np.asfortranarray(values)
    assert_array_equal(_em.row_argmax(values), np.argmax(values, axis=1))
    assert_array_equal(_em.row_max(values), np.max(values, axis=1))
    maximum, labels = _em.row_max_argmax(values)
    assert_array_equal(maximum, np.max(values, axis=1))
    assert_array_equal(labels, np.argmax(values, axis=1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_normalizer_and_responsibilities(rng, dtype):
    weighted = (rng.standard_normal((300, 4)) * 30.0).astype(dtype)
    weighted[:, 3] -= 1e4  # a far component: its exponent is floored
    expected = logsumexp(weighted.astype(np.float64), axis=1)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_allclose(_em.log_normalizer(weighted.copy()), expected, rtol=rtol)
    resp, log_norm = _em.normalize_log_prob(weighted.copy())
    assert resp.dtype == dtype
    assert_allclose(log_norm, expected, rtol=rtol)
    assert_allclose(resp.sum(axis=1), 1.0, rtol=10 * np.finfo(dtype).eps)
    # Responsibilities below the documented floor (kept out of the subnormal
    # range) are raised to about exp(floor); the others are exact to the
    # rounding of their exponent, eps * |log r| (|log r| < 60, the float32 floor).
    floor = float(np.exp(_estep._EXP_FLOOR[dtype]))
    assert np.all(resp[:, 3] <= 1.01 * floor)
    assert_allclose(
        resp,
        np.exp(weighted.astype(np.float64) - expected[:, np.newaxis]),
        rtol=64 * np.finfo(dtype).eps,
        atol=1.01 * floor,
    )


def _split_start(name, X, labels, options):
    """The structure, the source and the M-step of a hard split of the rows.

    Row ``i`` starts in component ``labels[i]`` (a boolean mask: 1 where
    True, 0 elsewhere).
    """
    labels = np.asarray(labels, dtype=np.intp)
    n_components = int(labels.max()) + 1
    resp = np.zeros((X.shape[0], n_components))
    resp[np.arange(X.shape[0]), labels] = 1.0
    model = get_covariance_model(name)
    data = _em.ArraySource.from_arrays(X)
    stats = _em.statistics_from_resp(model, data, lambda rows: resp[rows], n_components)
    start, _ = options.m_step(model, data, stats)
    return model, data, start


def _smallest_steps(X):
    """Each feature's smallest gap between two distinct values."""
    return np.array([np.diff(np.unique(column)).min() for column in X.T])


def _without_and_with_steps(model, data, start, options, steps):
    """The runs from ``start`` without and with ``lattice_steps=steps``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = _em.run_em(model, data, start, options)
        ruled = _em.run_em(
            model, data, start, dataclasses.replace(options, lattice_steps=steps)
        )
    return free, ruled


def test_run_stops_once_a_component_stays_below_collapse_below(rng):
    """``collapse_below`` ends a run after COLLAPSE_PATIENCE thin iterations."""
    # Seven features, a component started on three rows: VVE creeps on it.
    X = np.vstack([rng.randn(40, 7), rng.randn(3, 7) + 6.0])
    base = _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=200)
    model, data, start = _split_start("VVE", X, np.arange(43) >= 40, base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        free = _em.run_em(model, data, start, base)
        stopped = _em.run_em(
            model,
            data,
            start,
            _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=200, collapse_below=7.5),
        )
    assert free.n_iter == 200 and free.collapsing is None
    assert stopped.n_iter == _em.COLLAPSE_PATIENCE
    assert_array_equal(stopped.collapsing, [1])
    assert not stopped.converged and not stopped.abandoned
    # Up to the stop the run is the same run.
    assert_array_equal(stopped.lower_bounds, free.lower_bounds[: stopped.n_iter])


def test_run_stops_once_a_component_narrows_onto_one_value_of_a_feature(rng):
    """``lattice_steps`` ends a run after FLAT_PATIENCE iterations on one value.

    A VVI component on the rows of one value of an integer feature only
    narrows there: the run that goes on ends with it collapsed, and the
    collapse check finds it collapsed where the run stopped.
    """
    X = np.column_stack([rng.randn(200), rng.randint(0, 5, 200).astype(float)])
    base = _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=60)
    model, data, start = _split_start("VVI", X, X[:, 1] == 2.0, base)
    steps = np.array([0.0, 1.0])  # the continuous feature says nothing
    free, stopped = _without_and_with_steps(model, data, start, base, steps)
    _, fine = _without_and_with_steps(model, data, start, base, steps / 1e9)
    assert free.flat is None and fine.flat is None and fine.n_iter == free.n_iter
    assert stopped.n_iter == _em.FLAT_PATIENCE
    assert_array_equal(stopped.flat, [1])
    assert not stopped.converged and not stopped.abandoned
    assert_array_equal(stopped.lower_bounds, free.lower_bounds[: stopped.n_iter])
    verdict = component_check(model, data, free.params, free.jittered)
    assert_array_equal(verdict.collapsed, [1])
    early = component_check(model, data, stopped.params, stopped.jittered)
    assert_array_equal(early.collapsed, [1])


def test_a_component_that_keeps_a_row_off_its_value_is_not_stopped():
    """One row a step off, that no other component claims: a sound fixed point.

    Its standard deviation along the binary feature (0.09 of the step) is
    below a tenth of the step, but the row is a whole row's worth of its
    responsibility: EM does not narrow it further and the fit is sound.
    """
    rng = np.random.RandomState(0)
    b = np.column_stack([rng.randn(120), np.zeros(120)])
    b[0, 1] = 1.0
    a = np.column_stack([100.0 + rng.randn(400), rng.randint(0, 6, 400)])
    X = np.vstack([b, a])
    steps = _smallest_steps(X)
    base = _em.EMOptions(reg_covar=1e-6, tol=1e-5, max_iter=200, relative_tol=True)
    for name in ("VVI", "VVV", "VVE"):
        model, data, start = _split_start(name, X, np.arange(520) >= 120, base)
        free, ruled = _without_and_with_steps(model, data, start, base, steps)
        assert ruled.flat is None and ruled.converged
        assert_array_equal(ruled.lower_bounds, free.lower_bounds)
        full = model.to_full(ruled.params.covariances, 2, 2)
        assert np.sqrt(full[0, 1, 1]) < 0.1  # narrower than a tenth of the step
        check = component_check(model, data, ruled.params, ruled.jittered)
        assert not check.collapsed.size


@pytest.mark.parametrize(
    "name, narrowed",
    [
        ("VVI", [False, True, True]),  # one value of one feature is enough
        ("VVV", [False, True, True]),
        ("VII", [False, False, True]),  # a volume of its own: one point
        ("VEV", [False, False, True]),
        ("EEE", [False, False, False]),  # shared volume: never alone
        ("EEV", [False, False, False]),
    ],
)
def test_which_flat_components_each_structure_calls_degenerate(name, narrowed):
    """``OwnSpread.narrowed`` reads the flat features as the check's rule does."""
    flat = np.array([[False, False], [True, False], [True, True]])
    spread = get_covariance_model(name).own_spread
    assert_array_equal(spread.narrowed(flat), narrowed)


def test_own_variance_bounds_hold_for_the_unconstrained_structures_only(rng):
    """``own_variance_bounds``: the rows' own variances, or None.

    VVV and VVI fit each component's own scatter (plus reg_covar) and VII
    its mean over the features; a constrained structure's fitted variance
    can fall below the rows' own (a shared volume scaled down), so it says
    nothing, nor does a subclass with an M-step of its own.
    """
    X = np.vstack([rng.randn(50, 3) * [1.0, 3.0, 0.2], rng.randn(50, 3) + 6.0])
    second = np.arange(100) >= 50
    rows = [X[~second], X[second]]
    own = np.array([r.var(axis=0) for r in rows])
    options = _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=1)
    for name in ("VVV", "VVI", "VII"):
        model, _, start = _split_start(name, X, second, options)
        bounds = model.own_variance_bounds(start.covariances, 2, 3)
        assert bounds.shape == (2, 3)
        assert np.all(bounds >= own)
    model, _, start = _split_start("VVI", X, second, options)
    assert_allclose(model.own_variance_bounds(start.covariances, 2, 3), own + 1e-6)
    for name in ("EVI", "VEI", "VEE", "VVE", "EVE", "EVV", "VEV", "EEE", "EII"):
        model, _, start = _split_start(name, X, second, options)
        assert model.own_variance_bounds(start.covariances, 2, 3) is None

    class Shrunk(type(get_covariance_model("VVV"))):
        name = "shrunk-full"

        def m_step(self, nk, scatter, reg_covar, previous=None):
            return 0.5 * super().m_step(nk, scatter, reg_covar, previous)

    assert Shrunk().own_variance_bounds(np.ones((2, 3, 3)), 2, 3) is None


def test_a_shared_volume_that_narrows_a_sound_component_does_not_stop_it():
    """EVI: a wide component owning its one off-value row, narrowed by the volume.

    Its fitted standard deviation along the binary feature is below the
    stop's bound (the shared volume scales it down), its rows' own is not:
    the run goes on as without the rule, to a sound fit (a review's case).
    """
    rng = np.random.RandomState(0)
    wide = np.column_stack(
        [10 * rng.randn(20), 10 * rng.randn(20), np.r_[np.zeros(19), 1.0]]
    )
    far = np.column_stack(
        [
            1000 + 0.3 * rng.randn(400) + 2.0 * (np.arange(400) % 2),
            1000 + 0.3 * rng.randn(400),
            rng.randint(0, 2, 400).astype(float),
        ]
    )
    X = np.vstack([wide, far])
    labels = np.r_[np.zeros(20), 1 + (far[:, 0] > 1000.0)]
    base = _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=60, relative_tol=True)
    model, data, start = _split_start("EVI", X, labels, base)
    steps = _smallest_steps(X)
    free, ruled = _without_and_with_steps(model, data, start, base, steps)
    fitted = np.sqrt(model.to_full(ruled.params.covariances, 3, 3)[0, 2, 2])
    assert fitted < steps[2] * np.sqrt(0.1 / 20)  # what the old rule read
    assert ruled.flat is None
    assert_array_equal(ruled.lower_bounds, free.lower_bounds)
    assert not component_check(model, data, ruled.params, ruled.jittered).collapsed.size


def test_run_stops_once_a_component_of_its_own_volume_sits_on_one_point(rng):
    """VII on 20 copies of one point: stopped after FLAT_PATIENCE iterations."""
    lattice = rng.randint(0, 10, (150, 2)).astype(float)
    X = np.vstack([lattice, np.tile([[4.5, 1.0]], (20, 1))])
    base = _em.EMOptions(reg_covar=1e-6, tol=0.0, max_iter=40)
    model, data, start = _split_start("VII", X, np.arange(170) >= 150, base)
    # Steps of 0.5 and 1 between the features' values.
    steps = _smallest_steps(X)
    free, stopped = _without_and_with_steps(model, data, start, base, steps)
    assert free.flat is None and free.n_iter == 40
    assert stopped.n_iter == _em.FLAT_PATIENCE
    assert_array_equal(stopped.flat, [1])
    assert_array_equal(stopped.lower_bounds, free.lower_bounds[: stopped.n_iter])
    assert_array_equal(
        component_check(model, data, free.params, free.jittered).collapsed, [1]
    )


def test_no_convergence_while_a_thin_component_regains_weight(rng):
    """A component passing through too few rows' worth on its way back.

    The objective's change can fall below ``tol`` meanwhile (vehicle data,
    EVE with 9 components: 5.5 rows' worth in 6-D, judged collapsed; sound
    at a better likelihood when EM went on): the run is not converged.
    """
    X = np.vstack([rng.randn(60, 2), rng.randn(60, 2) + [8.0, 0.0]])
    resp = np.zeros((X.shape[0], 2))
    resp[:, 0] = 1.0
    resp[60:63] = [0.0, 1.0]  # the second cluster's component starts on 3 rows
    model = get_covariance_model("VVV")
    data = _em.ArraySource.from_arrays(X)
    loose = _em.EMOptions(reg_covar=1e-6, tol=10.0, max_iter=200)
    stats = _em.statistics_from_resp(model, data, lambda rows: resp[rows], 2)
    start, _ = loose.m_step(model, data, stats)
    early = _em.run_em(model, data, start, loose)
    guarded = _em.run_em(
        model, data, start, dataclasses.replace(loose, collapse_below=20.0)
    )
    assert early.converged and guarded.converged
    assert guarded.n_iter > early.n_iter
    assert guarded.params.weights.min() * X.shape[0] >= 20.0
    assert_array_equal(guarded.lower_bounds[: early.n_iter], early.lower_bounds)


def test_relative_rule_is_at_least_as_tight_as_mclusts_for_small_variances():
    # In standardised units |L| is about 1.4 d n; on data of small variance
    # (randu: 400 rows in [0, 1]^3) mclust's |L| in the data's units is far
    # smaller, and the rule relative to the standardised |L| stopped EM in a
    # slow crawl (0.01 log-likelihood units per iteration) that mclust goes
    # on through. Capped at n, a change of 0.01 on 400 rows is not converged.
    options = _em.EMOptions(
        reg_covar=1e-6, tol=1e-5, max_iter=100, relative_tol=True,
        relative_offset=-5.0,
    )  # fmt: skip
    n, mean_objective = 400.0, 0.3  # |L| in standardised units: 1880
    crawl = 0.01 / n
    assert not options.converged(mean_objective, crawl, n, crawl / 0.8)
    # A change below tol (1 + n), with Aitken's gap to come below 0.1: stop.
    small = 0.002 / n
    assert options.converged(mean_objective, small, n, small / 0.8)


def test_no_convergence_while_the_gain_still_to_come_grows():
    # EM nearing the edge of a plateau (the logarithms of Engel's data, VEV
    # with 2 components, three iterations near the 65th, in total
    # log-likelihood units): each change within the relative rule's bound,
    # Aitken's estimate of the gain to come below 0.1, but growing (0.057
    # to 0.061) as the rate rises (0.960 to 0.964). On a geometric tail of
    # the same last change the estimate shrinks, and the run stops.
    options = _em.EMOptions(
        reg_covar=1e-6, tol=1e-5, max_iter=100, relative_tol=True,
        relative_offset=-5.0,
    )  # fmt: skip
    n, mean_objective = 235.0, 0.03  # |L| capped at n: bound 2.36e-3
    earlier, last, change = 2.465e-3 / n, 2.367e-3 / n, 2.281e-3 / n
    assert not options.converged(mean_objective, change, n, last, earlier)
    geometric = last * last / change
    assert options.converged(mean_objective, change, n, last, geometric)
    # Without the earlier change (the second iteration) the estimate stands.
    assert options.converged(mean_objective, change, n, last)
    # An estimate within the relative rule's bound stops the run, growing
    # (7.4e-4 to 2.0e-3) or not.
    earlier, last, change = 1.2e-4 / n, 1.05e-4 / n, 1e-4 / n
    assert options.converged(mean_objective, change, n, last, earlier)


def test_a_fall_within_the_rounding_of_far_means_is_convergence():
    # Clusters of sd 1e-3 and 4, 1e10 apart, without reg_covar: each mean's
    # rounding is 2e-3 of the narrow cluster's deviation, which moves the
    # objective by ~1e-7 of itself, above the relative slack of 1e-9. EM
    # reported "the objective fell" and both components collapsed.
    rng = np.random.RandomState(0)
    X = np.vstack(
        [
            rng.randn(200, 2) * 1e-3 + [-1e10, 1e3],
            rng.randn(200, 2) * 4 + [0.0, -1e10],
        ]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm = GaussianMixture(
            2, random_state=0, reg_covar=0.0, tol=1e-12, max_iter=100
        ).fit(X)
    messages = " ".join(str(w.message) for w in caught)
    assert "fell" not in messages
    assert "collapsed" not in messages
    assert gm.collapsed_components_.tolist() == []
    assert gm.converged_
    # The fitted clusters are the two groups (each mean within its
    # deviation of the group's own mean).
    order = np.argsort(gm.means_[:, 1])
    assert_allclose(gm.means_[order[1]], X[:200].mean(axis=0), rtol=0, atol=1e-4)
    assert_allclose(gm.means_[order[0]], X[200:].mean(axis=0), rtol=0, atol=0.5)


def test_a_collapsing_component_is_not_excused_by_its_rounding():
    # A component of deviation within a few roundings of its mean has left
    # floating point's reach: its rounding excuses no fall.
    from gmm_estimators._engine._rounding import mean_rounding_fall

    model = get_covariance_model("full")
    means = np.array([[1e10, 0.0], [0.0, 0.0]])
    tiny, sound = 4 * np.spacing(1e10), 1e-3
    covariances = np.stack([np.eye(2) * tiny**2, np.eye(2) * sound**2])
    chol, _ = model.precision_cholesky(covariances)
    params = _em.Params(np.array([0.5, 0.5]), means, covariances, chol)
    assert mean_rounding_fall(model, params) == 0.0
    # A resolved deviation (sd 1e-3 at 1e10): the bound is that of the
    # rounding of its mean, 16 eps |mu| per coordinate, in its precision.
    means[1] = [1e10, 1e10]
    params = _em.Params(np.array([0.5, 0.5]), means, covariances, chol)
    u = 16 * np.finfo(float).eps * 1e10
    assert_allclose(
        mean_rounding_fall(model, params), 0.5 * 0.5 * 2 * (u / sound) ** 2
    )


@pytest.mark.parametrize("covariance_type", ["VEE", "EEV", "VEV", "EVV"])
def test_a_sound_fit_on_nearly_dependent_features_is_not_a_breakdown(
    covariance_type,
):
    # One feature the sum of two others up to noise 1e-4 of their spread:
    # covariances of condition about 1e9, 50 rows per component. With
    # reg_covar=0 the converged objective fell by 2e-9 relative (the
    # rounding of log-densities at that condition, about d^2 eps kappa) and
    # every component was flagged collapsed, "likelihood unbounded"; mclust
    # converges there (returnCode 0) to the same log-likelihood.
    rng = np.random.default_rng(1)
    X = np.vstack(
        [
            rng.normal(size=(50, 3)) @ rng.normal(size=(3, 3)) + 3 * rng.normal(size=3)
            for _ in range(3)
        ]
    )
    X[:, 2] = X[:, 0] + X[:, 1] + 1e-4 * rng.normal(size=150)
    gm = GaussianMixture(
        3,
        covariance_type=covariance_type,
        reg_covar=0,
        tol=1e-10,
        max_iter=2000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm.fit(X)
    assert gm.converged_
    assert gm.collapsed_components_.size == 0
    conditions = [np.linalg.cond(c) for c in gm.full_covariances_]
    assert 1e8 < max(conditions) < 1e11


@pytest.mark.parametrize("noise", [1e-7, 0.0])
def test_a_cluster_on_a_plane_is_still_flagged_where_its_fall_is_excused(noise):
    # The rounding excuse stops EM as converged where a fall is within
    # d^2 eps kappa (kappa up to 1e13); a component on a plane (kappa about
    # 1e12 here) is then judged by the collapse check after the fit, which
    # must still flag it.
    rng = np.random.default_rng(0)
    t = rng.normal(5, 1, size=(60, 2))
    plane = np.c_[t, t[:, 0] + t[:, 1] + noise * rng.normal(size=60)]
    X = np.r_[rng.normal(size=(100, 3)), plane]
    gm = GaussianMixture(
        2, reg_covar=0, tol=1e-10, max_iter=1000, random_state=0
    )
    with pytest.warns(DegenerateFitWarning, match="lower"):
        gm.fit(X)
    on_plane = int(np.argmin([np.linalg.eigvalsh(c)[0] for c in gm.covariances_]))
    assert gm.collapsed_components_.tolist() == [on_plane]


def test_the_density_rounding_excuses_no_fall_under_a_singular_covariance():
    from gmm_estimators._engine._rounding import density_rounding_fall

    # The condition of the correlation counts (a feature's units do not):
    # correlation 1 - 1e-9 is a condition of 2e9, 1 - 1e-14 is singular.
    model = get_covariance_model("full")
    means = np.zeros((2, 2))
    scale = np.diag([1.0, 1e-5])

    def params_at(rho):
        correlated = scale @ np.array([[1.0, rho], [rho, 1.0]]) @ scale
        covariances = np.stack([correlated, np.eye(2)])
        chol, _ = model.precision_cholesky(covariances)
        return _em.Params(np.array([0.5, 0.5]), means, covariances, chol)

    rho = 1.0 - 1e-9
    eps = np.finfo(float).eps
    condition = (1.0 + rho) / (1.0 - rho)
    assert_allclose(
        density_rounding_fall(model, params_at(rho)),
        4 * eps * 0.5 * (condition + 1.0),
        rtol=1e-6,
    )
    assert density_rounding_fall(model, params_at(1.0 - 1e-14)) == 0.0


@pytest.mark.parametrize("exponent", [-154, -160, -170])
@pytest.mark.parametrize("covariance_type", ["VVV", "VVI", "EEE"])
def test_data_too_small_to_square_name_the_units_without_reg_covar(
    exponent, covariance_type
):
    # Two clear clusters of 160 distinct rows in units of 10**exponent:
    # without reg_covar the error blamed too few distinct rows (or, at
    # 1e-170, a fit came back with both components on one mean).
    rng = np.random.RandomState(2)
    X = np.vstack(
        [rng.randn(80, 2) @ np.array([[1, 0.9], [0, 0.3]]) + 5 * i for i in range(2)]
    )
    X *= 10.0**exponent
    assert len(np.unique(X, axis=0)) == 160
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="units are too small to square") as info:
            GaussianMixture(
                2, covariance_type=covariance_type, random_state=0, reg_covar=0.0
            ).fit(X)
    message = str(info.value)
    assert "Rescale X" in message
    assert "distinct rows" not in message
    # Rescaled, the same rows fit two sound clusters.
    gm = GaussianMixture(
        2, covariance_type=covariance_type, random_state=0, reg_covar=0.0
    ).fit(X * 10.0**-exponent)
    assert gm.collapsed_components_.tolist() == []


def test_data_whose_squares_sum_near_the_largest_float_fit_or_name_the_units():
    # 400 rows of 300 features in units of 2**505: each value's square fits
    # float64, their sum over the features does not. EII's variance was that
    # sum over n d, inf: the fit raised blaming "too few distinct rows" (an
    # earlier tree returned a BIC of 2e33). Its mean is the same at any
    # scale; the structures whose inner sums overflow name the units.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(200, 300)), rng.normal(size=(200, 300)) + 1.0]
    scale = 2.0**505
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum((X * scale) ** 2))
    for structure in ("EII", "VII", "EEI"):
        unit = GaussianMixture(2, covariance_type=structure, random_state=0).fit(X)
        large = GaussianMixture(2, covariance_type=structure, random_state=0).fit(
            X * scale
        )
        assert_allclose(
            large.bic(X * scale) - 2 * X.size * np.log(scale),
            unit.bic(X),
            rtol=1e-12,
        )
    for structure in ("VEI", "VEE"):
        with pytest.raises(ValueError, match="units are too large") as info:
            GaussianMixture(2, covariance_type=structure, random_state=0).fit(X * scale)
        assert "Rescale X" in str(info.value)
        assert "distinct rows" not in str(info.value)


def test_an_infinite_objective_is_a_breakdown_not_a_fall_by_rounding(monkeypatch):
    # A fall within the means' rounding counts as convergence; +inf passed
    # that test too (inf >= anything), so the breakdown went unreported.
    from gmm_estimators._engine import _run

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 5]
    objective, calls = _run.EMOptions.objective, []

    def infinite_at_the_third(self, *args):
        calls.append(None)
        return np.inf if len(calls) == 3 else objective(self, *args)

    monkeypatch.setattr(_run.EMOptions, "objective", infinite_at_the_third)
    gm = GaussianMixture(2, random_state=0, init_params="random_from_data")
    with pytest.warns(UserWarning, match="objective became inf"):
        gm.fit(X)
    assert not gm.converged_


def test_restarts_reaching_one_optimum_keep_the_first_in_any_row_order(
    random_clusters,
):
    # Two of the n_init starts reach one optimum with the components in
    # another order; the last bits of their objectives, which the row order
    # and the blocks set, chose between them: the permuted rows' fit was the
    # same mixture relabelled (predict differed on 726 of 1,500 rows).
    seed = 6210
    X, k, rng = random_clusters(seed)
    n = X.shape[0]
    X = (X - X.mean(0)) * 0.4 + X.mean(0)
    w = rng.uniform(0.3, 3, n)
    perm = rng.permutation(n)
    settings = dict(
        n_components=k, covariance_type="VVE", random_state=seed, tol=1e-7, n_init=3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = GaussianMixture(**settings).fit(X, sample_weight=w)
        b = GaussianMixture(**settings).fit(X[perm], sample_weight=w[perm])
    assert_allclose(b.means_, a.means_, rtol=1e-9, atol=1e-9)
    assert_array_equal(b.predict(X), a.predict(X))
