"""Missing values on every path that reads rows, and partial_fit's step sizes.

* streamed data (memory maps, Dask arrays) refuse NaN with a message naming
  the path and the remedy, not scikit-learn's "does not accept missing
  values ... natively" (in-memory data with NaN are fitted);
* a later ``partial_fit`` batch with NaN contributes the expected
  statistics, as ``fit`` and the first batch do (``_online.batch_source``);
* ``learning_decay=1``: the first batch weighs ``learning_offset`` batches,
  every later one the same.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gmm_estimators import DegenerateFitWarning, GaussianMixture
from gmm_estimators._engine import ArraySource, EMOptions, Params
from gmm_estimators._missing import MissingValuesSource
from gmm_estimators._online import (
    batch_source,
    online_step,
    state_from_model,
    step_size,
)
from gmm_estimators.covariance import get_covariance_model

CENTERS = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 1.0], [0.0, 5.0, -1.0]])


def _draw(rng, n):
    return CENTERS[rng.randint(3, size=n)] + 0.7 * rng.randn(n, 3)


def _with_nan(X, rng, rate=0.1):
    X = X.copy()
    X[rng.rand(*X.shape) < rate] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 0.0  # every row keeps an observed value
    return X


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    return _with_nan(_draw(rng, 600), rng)


def _assert_path_message(error, *phrases):
    message = str(error.value)
    assert "natively" not in message, message
    assert "HistGradientBoosting" not in message, message
    for phrase in phrases:
        assert phrase in message, message


# ---------------------------------------------------------------------------
# Streamed data


def test_memory_map_with_nan_names_the_path_and_the_remedy(tmp_path, data):
    path = tmp_path / "x.npy"
    np.save(path, data)
    X = np.load(path, mmap_mode="r")
    with pytest.raises(ValueError) as error:
        GaussianMixture(2, random_state=0).fit(X)
    first = np.flatnonzero(np.isnan(data).any(axis=1))[0]
    _assert_path_message(
        error,
        f"Input X contains NaN (missing values; for example row {first})",
        "streams this memory map",
        "np.asarray(X)",
        "GaussianMixtureImputer",
    )
    # The same data in memory is fitted, as the message says.
    GaussianMixture(2, random_state=0).fit(np.asarray(X))
    fitted = GaussianMixture(2, random_state=0).fit(np.nan_to_num(data))
    with pytest.raises(ValueError) as error:
        fitted.predict(X)
    _assert_path_message(error, "streams this memory map", "np.asarray(X)")
    assert fitted.predict(np.asarray(X)).shape == (len(data),)


def test_dask_array_with_nan_names_the_path_and_the_remedy(data):
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    X = da.from_array(data, chunks=(100, 3))
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(ValueError) as error:
            GaussianMixture(2, random_state=0).fit(X)
        _assert_path_message(
            error, "Input X contains NaN", "streams this Dask array", "X.compute()"
        )
        fitted = GaussianMixture(2, random_state=0).fit(np.nan_to_num(data))
        with pytest.raises(ValueError) as error:
            fitted.predict(X).compute()
        _assert_path_message(error, "streams this Dask array", "X.compute()")


def test_streamed_data_without_nan_still_fit(tmp_path, data):
    complete = np.nan_to_num(data)
    path = tmp_path / "x.npy"
    np.save(path, complete)
    a = GaussianMixture(2, random_state=0).fit(np.load(path, mmap_mode="r"))
    b = GaussianMixture(2, random_state=0).fit(complete)
    assert_allclose(a.means_, b.means_, atol=1e-8)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        bad = complete.copy()
        bad[5, 0] = np.inf
        np.save(path, bad)
        GaussianMixture(2).fit(np.load(path, mmap_mode="r"))


# ---------------------------------------------------------------------------
# partial_fit: later batches with NaN


def _fitted_and_state(rng):
    model = GaussianMixture(3, random_state=0).fit(_draw(rng, 400))
    state = state_from_model(model, get_covariance_model(model.covariance_type))
    return model, state


def _update(model, state, batch):
    params = Params(
        np.asarray(model.weights_, np.float64),
        np.asarray(model.means_, np.float64) - state.center,
        np.asarray(model.covariances_, np.float64),
        np.asarray(model.precisions_cholesky_, np.float64),
    )
    options = EMOptions(reg_covar=model.reg_covar, tol=model.tol, max_iter=1)
    return online_step(
        get_covariance_model(model.covariance_type),
        batch,
        params,
        state,
        step_size(model, state.n_updates),
        options,
    )


def test_batch_source_accepts_nan_and_keeps_complete_batches_as_they_were():
    rng = np.random.RandomState(1)
    model, state = _fitted_and_state(rng)
    complete = _draw(rng, 50)
    batch = batch_source(model, complete, None, state.center)
    assert type(batch) is ArraySource
    assert_allclose(batch.center, state.center)
    missing = _with_nan(complete, rng)
    batch = batch_source(model, missing, None, state.center)
    assert isinstance(batch, MissingValuesSource)
    assert_allclose(batch.center, state.center)
    empty = complete.copy()
    empty[4] = np.nan
    with pytest.raises(ValueError, match="no observed value"):
        batch_source(model, empty, None, state.center)
    with pytest.raises(ValueError, match="X has 2 features"):
        batch_source(model, complete[:, :2], None, state.center)


def test_expected_statistics_of_a_complete_batch_are_the_plain_ones():
    # The missing-value E-step on a batch without NaN is the complete one.
    rng = np.random.RandomState(2)
    model, state = _fitted_and_state(rng)
    complete = _draw(rng, 80)
    weights = rng.rand(80) * 2
    plain = _update(
        model, state, ArraySource.from_arrays(complete, weights, center=state.center)
    )
    expected = _update(
        model,
        state,
        MissingValuesSource.from_arrays(
            complete, weights, center=state.center, batch=True
        ),
    )
    for name in ("weights", "means", "covariances"):
        assert_allclose(
            getattr(plain[0].params, name),
            getattr(expected[0].params, name),
            rtol=1e-9,
            atol=1e-12,
        )
    for name in ("nk", "means", "scatter"):
        assert_allclose(
            getattr(plain[1], name), getattr(expected[1], name), rtol=1e-9, atol=1e-12
        )
    assert_allclose(plain[0].lower_bound, expected[0].lower_bound, rtol=1e-10)


def test_online_updates_with_nan_batches_reach_the_fit():
    rng = np.random.RandomState(3)
    model, state = _fitted_and_state(rng)
    for _ in range(40):
        batch = batch_source(model, _with_nan(_draw(rng, 200), rng), None, state.center)
        result, state = _update(model, state, batch)
        model.weights_ = result.params.weights
        model.means_ = result.params.means + state.center
        model.covariances_ = result.params.covariances
        model.precisions_cholesky_ = result.params.precisions_cholesky
    order = np.argsort(model.means_[:, 0] + 10 * model.means_[:, 1])
    truth = CENTERS[np.argsort(CENTERS[:, 0] + 10 * CENTERS[:, 1])]
    assert_allclose(model.means_[order], truth, atol=0.15)
    assert_allclose(model.weights_, 1 / 3, atol=0.05)
    assert_allclose(np.diagonal(model.covariances_, axis1=1, axis2=2), 0.49, atol=0.1)


def test_partial_fit_accepts_nan_in_every_batch():
    rng = np.random.RandomState(4)
    model = GaussianMixture(3, random_state=0)
    model.partial_fit(_with_nan(_draw(rng, 300), rng))  # the first: as fit
    for _ in range(5):
        model.partial_fit(_with_nan(_draw(rng, 100), rng))
    assert model.n_iter_ >= 5
    assert np.all(np.isfinite(model.means_))
    # After fit on data with NaN, too.
    fitted = GaussianMixture(3, random_state=0).fit(_with_nan(_draw(rng, 300), rng))
    fitted.partial_fit(_with_nan(_draw(rng, 100), rng))
    assert np.all(np.isfinite(fitted.covariances_))


# ---------------------------------------------------------------------------
# learning_decay = 1: what the running average weighs


@pytest.mark.parametrize("learning_offset", [0.0, 0.5, 1.0, 2.0, 5.0])
def test_decay_one_weighs_the_first_batch_as_learning_offset_batches(
    learning_offset,
):
    # One component: the means are the weighted average of the batch means,
    # each batch per unit weight whatever its size.
    rng = np.random.RandomState(3)
    batches = [rng.randn(60 + 25 * i, 2) + i for i in range(8)]
    model = GaussianMixture(
        1, learning_decay=1.0, learning_offset=learning_offset, random_state=0
    )
    for batch in batches:
        model.partial_fit(batch)
    weights = np.r_[learning_offset, np.ones(len(batches) - 1)]
    expected = weights @ np.array([b.mean(axis=0) for b in batches]) / weights.sum()
    assert_allclose(model.means_[0], expected, rtol=1e-10)
    if learning_offset == 1.0:  # the plain average
        plain = np.mean([b.mean(axis=0) for b in batches], axis=0)
        assert_allclose(model.means_[0], plain, rtol=1e-10)


def test_a_batch_missing_a_feature_everywhere_keeps_the_verdict():
    # Its rows, filled with the batch's means, would be constant in that
    # feature: a flat direction of every component the data do not have.
    rng = np.random.RandomState(7)
    model = GaussianMixture(2, random_state=0).fit(_draw(rng, 300))
    assert model.collapsed_components_.size == 0
    batch = _draw(rng, 60)
    batch[:, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        model.partial_fit(batch)
    assert model.collapsed_components_.size == 0
    assert np.all(np.isfinite(model.means_))
