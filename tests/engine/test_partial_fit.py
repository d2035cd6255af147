"""partial_fit: stepwise online EM on mini-batches."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from gmm_estimators import GaussianMixture, available_covariance_types
from gmm_estimators._online import step_size
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.exceptions import DegenerateFitWarning

CENTERS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])


def _draw(rng, n, shift=0.0):
    labels = rng.randint(3, size=n)
    return CENTERS[labels] + shift + 0.6 * rng.randn(n, 2)


def _three_clusters_in_3d(rng, n, covariance_type):
    """Two draws of the three clusters at two scales, a third correlated
    feature, shuffled; one feature for the univariate structures."""
    X = np.vstack([_draw(rng, n), 3.0 * _draw(rng, n)])
    X = np.column_stack([X, X[:, 0] - 0.5 * X[:, 1] + rng.randn(len(X))])
    X = X[rng.permutation(len(X))]
    return X[:, :1] if covariance_type in ("E", "V") else X


def _state(model):
    return {
        name: np.copy(getattr(model, name))
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_")
    } | {"n_iter_": model.n_iter_}


def _assert_unchanged(model, before):
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(model, name), value)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "VEV"])
def test_online_fit_reaches_the_batch_likelihood(covariance_type):
    X = _draw(np.random.RandomState(0), 6000)
    batch = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    batch.fit(X)
    online = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    for part in np.array_split(X, 30):
        online.partial_fit(part)
    relative = (batch.score(X) - online.score(X)) / abs(batch.score(X))
    assert relative < 0.01
    assert online.n_iter_ == batch.n_iter_ + 29 or online.n_iter_ > 29
    assert len(online.lower_bounds_) == online.n_iter_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_forgetting_factor_zero_is_one_em_step_on_the_batch():
    rng = np.random.RandomState(1)
    first, second = _draw(rng, 400), _draw(rng, 300, shift=0.5)
    online = GaussianMixture(3, random_state=0, forgetting_factor=0.0)
    online.partial_fit(first)
    # The oracle: one EM iteration on the new batch from the same parameters.
    step = GaussianMixture(
        3,
        max_iter=1,
        weights_init=online.weights_,
        means_init=online.means_,
        precisions_init=online.precisions_,
    )
    step.fit(second)
    online.partial_fit(second)
    np.testing.assert_allclose(online.means_, step.means_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(online.covariances_, step.covariances_, rtol=1e-8)
    np.testing.assert_allclose(online.weights_, step.weights_, rtol=1e-9)


def test_weighted_batch_equals_repeated_rows():
    rng = np.random.RandomState(2)
    first, batch = _draw(rng, 300), _draw(rng, 50)
    weights = rng.randint(1, 4, size=50).astype(float)
    a = GaussianMixture(3, random_state=0).partial_fit(first)
    b = GaussianMixture(3, random_state=0).partial_fit(first)
    a.partial_fit(batch, sample_weight=weights)
    b.partial_fit(np.repeat(batch, weights.astype(int), axis=0))
    np.testing.assert_allclose(a.means_, b.means_, rtol=1e-10)
    np.testing.assert_allclose(a.covariances_, b.covariances_, rtol=1e-9)


def test_forgetting_factor_tracks_a_drifting_cluster():
    rng = np.random.RandomState(3)
    tracking = GaussianMixture(3, random_state=0, forgetting_factor=0.7)
    settling = GaussianMixture(3, random_state=0)
    for t in range(40):
        part = _draw(rng, 150, shift=0.1 * t)
        tracking.partial_fit(part)
        settling.partial_fit(part)
    truth = CENTERS + 0.1 * 39

    def error(model):
        d = np.linalg.norm(model.means_[:, None, :] - truth[None], axis=2)
        return d.min(axis=0).max()

    assert error(tracking) < 0.5
    assert error(tracking) < error(settling)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "VEV"])
@pytest.mark.parametrize("prior", [None, "default"])
def test_a_component_whose_cluster_leaves_the_stream_is_flagged_once(
    covariance_type, prior
):
    # The window forgets the cluster: its component's share falls by the
    # forgetting factor at every update, to ~1e-18. No batch meets it again
    # to judge it; the running statistics hold no row of it, which fit calls
    # collapsed. It was returned as sound.
    rng = np.random.RandomState(0)
    online = GaussianMixture(
        3,
        covariance_type=covariance_type,
        forgetting_factor=0.6,
        prior=prior,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        online.partial_fit(_draw(rng, 600))
        assert online.collapsed_components_.size == 0
        for _ in range(80):
            batch = CENTERS[rng.randint(2, size=200)] + 0.6 * rng.randn(200, 2)
            online.partial_fit(batch)
    left = int(np.argmin(np.linalg.norm(online.means_ - CENTERS[2], axis=1)))
    assert online.weights_[left] < 1e-8
    np.testing.assert_array_equal(online.collapsed_components_, [left])
    # Warned once, when it emptied, not at every later update.
    degenerate = [c for c in caught if issubclass(c.category, DegenerateFitWarning)]
    assert len(degenerate) == 1
    message = str(degenerate[0].message)
    assert "no longer feeds it" in message
    # The stream's remedies, not those of a likelihood without bound.
    assert "refit on recent data" in message and "forgetting_factor" in message
    assert "unbounded" not in message and "prior=" not in message


def test_a_component_fed_again_is_cleared():
    # forgetting_factor=0.9: the faded component takes its returning cluster
    # back, and the batches that feed it judge it sound again.
    rng = np.random.RandomState(0)
    online = GaussianMixture(3, forgetting_factor=0.9, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        online.partial_fit(_draw(rng, 600))
        for _ in range(250):
            batch = CENTERS[rng.randint(2, size=200)] + 0.6 * rng.randn(200, 2)
            online.partial_fit(batch)
        assert online.collapsed_components_.size == 1
        for _ in range(40):
            online.partial_fit(_draw(rng, 300))
    assert online.collapsed_components_.size == 0
    assert online.weights_.min() > 0.1


def test_a_stream_that_feeds_every_component_flags_none():
    rng = np.random.RandomState(0)
    online = GaussianMixture(3, forgetting_factor=0.6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        for _ in range(61):
            online.partial_fit(_draw(rng, 200))
    assert online.collapsed_components_.size == 0
    assert online.weights_.min() > 0.2


def test_step_size_schedules():
    model = GaussianMixture(learning_decay=1.0, learning_offset=1.0)
    assert step_size(model, 1) == pytest.approx(0.5)
    assert step_size(model, 3) == pytest.approx(0.25)
    model = GaussianMixture(learning_decay=0.6, learning_offset=2.0)
    assert step_size(model, 8) == pytest.approx(10**-0.6)
    assert step_size(GaussianMixture(forgetting_factor=0.9), 50) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="learning_decay"):
        GaussianMixture(learning_decay=0.3).partial_fit(np.zeros((5, 2)))


def test_partial_fit_after_fit_continues_from_the_fit():
    X = _draw(np.random.RandomState(4), 3000)
    model = GaussianMixture(3, random_state=0).fit(X)
    means = model.means_.copy()
    model.partial_fit(X[:300])
    np.testing.assert_allclose(model.means_, means, atol=0.1)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "VEV"])
def test_fit_then_partial_fit_counts_reg_covar_once(covariance_type):
    # With one component, learning_decay=1 and learning_offset=1 the running
    # statistics are the plain average over the batches, the model fit gave
    # counting as the first: fit(B0) then partial_fit(B1..B9) is
    # partial_fit(B0..B9), which is fit(X). The fitted covariances were read
    # back with reg_covar in them, and every update added it again.
    rng = np.random.RandomState(0)
    X = 10 * rng.randn(1000, 2) @ np.array([[1.0, 0.4], [0.0, 1.0]])
    batches = np.array_split(X, 10)
    settings = dict(
        n_components=1,
        covariance_type=covariance_type,
        reg_covar=1.0,
        learning_decay=1.0,
        learning_offset=1.0,
    )
    whole = GaussianMixture(**settings).fit(X)
    continued = GaussianMixture(**settings).fit(batches[0])
    for batch in batches[1:]:
        continued.partial_fit(batch)
    np.testing.assert_allclose(continued.covariances_, whole.covariances_, rtol=1e-9)
    # A fit is a fixed point of an update on its own data.
    tracker = GaussianMixture(
        1, covariance_type=covariance_type, reg_covar=1.0, forgetting_factor=0.5
    ).fit(X)
    before = tracker.covariances_.copy()
    np.testing.assert_allclose(tracker.partial_fit(X).covariances_, before, rtol=1e-9)


@pytest.mark.parametrize("prior", [None, "default"])
@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_fit_then_partial_fit_is_partial_fit_throughout(covariance_type, prior):
    # A fit leaves the statistics whose M-step gave its parameters: the
    # updates after it are those after a first partial_fit of the same rows.
    # Read back from the fitted covariances instead, a constrained
    # structure's per-component scatters were lost (VEE's covariances were
    # 0.18 off after five batches, EVE's 4.7) and a prior's pull was counted
    # again (VVE 2.6 off).
    X = _three_clusters_in_3d(np.random.RandomState(0), 300, covariance_type)
    batches = np.array_split(X, 6)
    settings = dict(
        n_components=3,
        covariance_type=covariance_type,
        random_state=0,
        prior=prior,
        tol=1e-6,
    )
    fitted = GaussianMixture(**settings).fit(batches[0])
    streamed = GaussianMixture(**settings).partial_fit(batches[0])
    for batch in batches[1:]:
        fitted.partial_fit(batch)
        streamed.partial_fit(batch)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_array_equal(getattr(fitted, name), getattr(streamed, name))


@pytest.mark.parametrize("prior", [None, "default"])
@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_a_fit_keeps_the_statistics_of_its_parameters(covariance_type, prior):
    # The running statistics a fit leaves are those its last M-step read:
    # that M-step on them gives back the fitted covariances, with the
    # prior's pull and reg_covar counted once. Read back from the fitted
    # covariances instead, a constrained structure's per-component scatters
    # were lost and a prior's pull was in them.
    from gmm_estimators._engine import ArraySource, EMOptions
    from gmm_estimators._online import _Moments, state_from_model

    X = _three_clusters_in_3d(np.random.RandomState(1), 200, covariance_type)
    gm = GaussianMixture(
        3, covariance_type=covariance_type, prior=prior, random_state=0, tol=1e-8
    ).fit(X)
    state = gm._online_state
    source = ArraySource.from_arrays(X)
    np.testing.assert_array_equal(state.center, source.center)
    options = EMOptions(reg_covar=gm.reg_covar, tol=gm.tol, max_iter=1, prior=gm.prior_)
    total = state.weight_seen
    moments = _Moments(state.nk * total, state.means, state.scatter * total)
    model = get_covariance_model(covariance_type)
    params, _ = options.m_step(model, source, moments, previous=gm.covariances_)
    # EVE and VVE solve for the common orientation by an inner iteration
    # from the previous covariances (here the fitted ones, in the fit the
    # ones before): equal to its own tolerance.
    rtol = 1e-6 if covariance_type in ("EVE", "VVE") else 1e-9
    np.testing.assert_allclose(params.covariances, gm.covariances_, rtol=rtol)
    np.testing.assert_allclose(params.means + source.center, gm.means_, rtol=1e-9)
    np.testing.assert_allclose(params.weights, gm.weights_, rtol=1e-9)
    if covariance_type == "VVV" and prior is None:
        # Unconstrained without a prior, the parameters hold the statistics.
        read = state_from_model(gm, model)
        np.testing.assert_allclose(state.scatter, read.scatter, rtol=1e-9, atol=0)
        np.testing.assert_allclose(state.nk, read.nk, rtol=1e-9)


def test_parameters_set_by_hand_after_fit_are_continued():
    # The fit's statistics belong to its parameters: once the user replaces
    # them, the update reads the new ones (as for a model never fitted).
    rng = np.random.RandomState(8)
    X = _draw(rng, 600)
    model = GaussianMixture(3, covariance_type="diag", random_state=0).fit(X)
    moved = model.means_ + 50.0
    model.means_ = moved.copy()
    reference = GaussianMixture(3, covariance_type="diag", random_state=0).fit(X)
    reference.__dict__.pop("_online_state")
    reference.means_ = moved.copy()
    batch = _draw(rng, 50) + 50.0
    model.partial_fit(batch)
    reference.partial_fit(batch)
    np.testing.assert_array_equal(model.means_, reference.means_)
    assert np.all(np.abs(model.means_ - moved).max(axis=1) < 5.0)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_components_a_batch_cannot_judge_keep_their_flag_and_its_reason(
    covariance_type,
):
    # Two rows per batch for two components in 3-D: the first batch's
    # components are collapsed, and no later batch holds enough of their
    # rows to judge them again. The kept flag had no reason: a KeyError.
    X = np.random.RandomState(0).randn(10, 3)
    model = GaussianMixture(2, covariance_type=covariance_type, random_state=0)
    with pytest.warns(DegenerateFitWarning):
        model.partial_fit(X[:2])
    assert model.collapsed_components_.size
    flagged = model.collapsed_components_.copy()
    for start in (2, 4):
        # Warned of once, by the batch that judged them; kept silently.
        with warnings.catch_warnings():
            warnings.simplefilter("error", DegenerateFitWarning)
            model.partial_fit(X[start : start + 2])
        np.testing.assert_array_equal(model.collapsed_components_, flagged)


def test_bad_batches_raise_and_leave_the_model_unchanged():
    rng = np.random.RandomState(5)
    model = GaussianMixture(3, random_state=0).partial_fit(_draw(rng, 200))
    model.partial_fit(_draw(rng, 50))
    before = _state(model)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianMixture"):
        model.partial_fit(rng.randn(20, 3))
    nan_batch = _draw(rng, 20)
    nan_batch[4, :] = np.nan  # a row with nothing observed (NaN are missing values)
    with pytest.raises(ValueError, match="no observed value"):
        model.partial_fit(nan_batch)
    with pytest.raises(ValueError, match="0 sample"):
        model.partial_fit(np.empty((0, 2)))
    with pytest.raises(ValueError, match="non-zero"):
        model.partial_fit(_draw(rng, 10), sample_weight=np.zeros(10))
    # Rows whose squares overflow are named as such, as in fit, not as
    # components on too few rows (the M-step's message).
    with pytest.raises(ValueError, match="squares overflow float64.*Rescale X"):
        model.partial_fit(np.full((5, 2), 1e300))
    with pytest.raises(ValueError, match="squares overflow float64.*Rescale X"):
        model.partial_fit(_draw(rng, 50) * 1e160)
    _assert_unchanged(model, before)
    model.partial_fit(_draw(rng, 50))  # still usable
    assert model.n_iter_ == before["n_iter_"] + 1


def test_first_batch_needs_enough_rows():
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        GaussianMixture(5).partial_fit(np.random.RandomState(0).randn(3, 2))


def test_fit_resets_the_online_statistics():
    rng = np.random.RandomState(6)
    model = GaussianMixture(3, random_state=0)
    for _ in range(3):
        model.partial_fit(_draw(rng, 100))
    X = _draw(rng, 500)
    model.fit(X)
    fresh = GaussianMixture(3, random_state=0).fit(X)
    np.testing.assert_array_equal(model.means_, fresh.means_)
    # The batches before fit left nothing in the running statistics.
    batch = _draw(rng, 100)
    model.partial_fit(batch)
    fresh.partial_fit(batch)
    np.testing.assert_array_equal(model.covariances_, fresh.covariances_)


def test_partial_fit_refuses_what_it_cannot_continue():
    # The online update continues the fitted parameters: a noise component
    # (not updated online), another number of components or another
    # structure would silently drop or mangle them.
    rng = np.random.RandomState(3)
    X = _draw(rng, 300)
    # Not offered (hasattr is False); a call says why in its own words
    # (scikit-learn's available_if said "has no attribute", the reason only
    # in the error's cause).
    with pytest.raises(AttributeError, match="does not update a noise component"):
        GaussianMixture(3, noise=True, random_state=0).partial_fit(X)
    fitted = GaussianMixture(3, random_state=0).fit(X)
    before = _state(fitted)
    for changed, error, match in (
        ({"n_components": 2}, ValueError, "n_components=2"),
        ({"covariance_type": "spherical"}, ValueError, "covariance_type='spherical'"),
        ({"noise": True}, AttributeError, "with noise=True has no partial_fit"),
    ):
        fitted.set_params(**changed)
        with pytest.raises(error, match=match):
            fitted.partial_fit(X[:20])
        _assert_unchanged(fitted, before)
        fitted.set_params(n_components=3, covariance_type="full", noise=False)
    fitted.partial_fit(X[:20])
    assert fitted.n_iter_ == before["n_iter_"] + 1


def test_continued_fits_keep_their_noise_and_structure():
    rng = np.random.RandomState(6)
    X = np.r_[_draw(rng, 300), rng.uniform(-6, 10, (30, 2))]
    noisy = GaussianMixture(3, noise=True, random_state=0).fit(X)
    with pytest.raises(ValueError, match="noise=False, the fit has noise"):
        noisy.set_params(noise=False).partial_fit(X[:20])
    warm = GaussianMixture(3, warm_start=True, random_state=0).fit(X)
    with pytest.raises(ValueError, match="noise=True, the fit has no noise"):
        warm.set_params(noise=True).fit(X)
    # Another structure of the same shape is refused; an alias is not.
    fitted = GaussianMixture(3, covariance_type="full", random_state=0).fit(X)
    with pytest.raises(ValueError, match="covariance_type='VEV'"):
        fitted.set_params(covariance_type="VEV").partial_fit(X[:20])
    fitted.set_params(covariance_type="VVV").partial_fit(X[:20])


def test_warm_start_refuses_what_it_cannot_continue():
    rng = np.random.RandomState(4)
    X = _draw(rng, 300)
    warm = GaussianMixture(3, warm_start=True, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_components=2"):
        warm.set_params(n_components=2).fit(X)
    with pytest.raises(ValueError, match="covariance_type='diag'"):
        warm.set_params(n_components=3, covariance_type="diag").fit(X)
    with pytest.raises(ValueError, match="X has 1 features"):
        warm.set_params(covariance_type="full").fit(X[:, :1])


@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_clusters_far_from_the_streams_centre_keep_their_variances(covariance_type):
    # The running statistics were raw second moments about the first batch's
    # mean: two clusters 1e8 apart left each about 5e7 from it, and their
    # unit variances were lost to the rounding of 2.5e15 (steps of 0.4; EVE
    # stored covariances and precisions that were not inverses, VEE refused
    # the step). Kept as means and scatters about them, the stream fits the
    # clusters 1e8 apart as it fits them 1e3 apart (responsibilities 0 or 1
    # either way).
    rng = np.random.default_rng(3)
    blobs = rng.normal(0, 1, (600, 3))
    second = np.r_[np.zeros(300), np.ones(300)][:, np.newaxis]
    order = rng.permutation(600)
    fits = []
    for distance in (1e3, 1e8):
        X = (blobs + distance * second)[order]
        X = X[:, :1] if covariance_type in ("E", "V") else X
        gm = GaussianMixture(2, covariance_type=covariance_type, random_state=0)
        for _ in range(2):
            for start in range(0, 600, 100):
                gm.partial_fit(X[start : start + 100])
        assert gm.collapsed_components_.size == 0
        fits.append(gm)
    near, far = fits
    np.testing.assert_allclose(
        far.full_covariances_, near.full_covariances_, rtol=0, atol=1e-8
    )
    np.testing.assert_allclose(far.weights_, near.weights_, rtol=1e-9)
    shift = np.where(far.means_[:, :1] > 1e7, 1e8 - 1e3, 0.0)
    np.testing.assert_allclose(far.means_ - shift, near.means_, rtol=0, atol=1e-7)
    K, d = far.means_.shape
    precisions = get_covariance_model(covariance_type).to_full(
        np.asarray(far.precisions_), K, d
    )
    for k in range(K):
        np.testing.assert_allclose(
            precisions[k] @ far.full_covariances_[k], np.eye(d), atol=1e-8
        )


def test_float32_batch_after_float64_data_far_from_the_origin():
    # The float32 batch is centred on the running centre rounded to float32
    # (0.02 away at 1e6): the running means were averaged with the batch's
    # about the other origin, moving every mean by about 0.01.
    rng = np.random.RandomState(6)
    first = _draw(rng, 300) + 1e6 + 0.3
    batch = (_draw(rng, 150) + 1e6 + 0.3).astype(np.float32)
    single = GaussianMixture(3, random_state=0, forgetting_factor=0.5)
    double = GaussianMixture(3, random_state=0, forgetting_factor=0.5)
    single.partial_fit(first).partial_fit(batch)
    double.partial_fit(first).partial_fit(batch.astype(np.float64))
    np.testing.assert_allclose(single.means_, double.means_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(single.covariances_, double.covariances_, rtol=1e-5)


@pytest.mark.parametrize("covariance_type", ["full", "diag", "EEE", "VEV"])
@pytest.mark.parametrize("scale, separation", [(1.0, 5.0), (1e-3, 5.0), (1e3, 5e3)])
def test_a_batch_that_misses_a_component_does_not_call_it_collapsed(
    covariance_type, scale, separation
):
    # A batch is a sample of the stream: a component it misses, or meets on
    # one row, rests on the running statistics. Each such batch used to flag
    # it collapsed, with remedies that do not apply; at any scale, and for
    # clusters far apart.
    import warnings

    from gmm_estimators.exceptions import DegenerateFitWarning

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (200, 3)), rng.normal(separation, 1, (200, 3))]
    X *= scale
    gm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm.partial_fit(X[:10])  # rows of one cluster only
        for row in X[rng.permutation(400)[:30]]:
            gm.partial_fit(row[np.newaxis])  # single rows
    assert gm.collapsed_components_.size == 0
    assert gm.weights_.min() > 0.1


@pytest.mark.parametrize("covariance_type", ["full", "diag", "VEV"])
@pytest.mark.parametrize("scale", [1e-2, 1.0, 1e2])
def test_an_update_that_leaves_a_component_singular_flags_it(covariance_type, scale):
    # A short window over batches where one cluster has become a single
    # repeated point (a stuck sensor) pulls a component onto it: flagged at
    # any scale. (A tied covariance keeps the other cluster's spread.)
    import warnings

    from gmm_estimators.exceptions import DegenerateFitWarning

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (200, 3)), rng.normal(5, 1, (200, 3))] * scale
    gm = GaussianMixture(
        2, covariance_type=covariance_type, forgetting_factor=0.5, random_state=0
    ).fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(60):
            batch = np.r_[
                np.repeat(X[:1], 20, axis=0), rng.normal(5, 1, (20, 3)) * scale
            ]
            gm.partial_fit(batch)
    assert gm.collapsed_components_.size > 0
    assert any(issubclass(c.category, DegenerateFitWarning) for c in caught)


@pytest.mark.parametrize(
    "covariance_type, scale", [("full", 1e-3), ("diag", 1.0), ("VVV", 1e3)]
)
def test_a_stream_stuck_on_one_row_flags_its_component_at_the_default_steps(
    covariance_type, scale
):
    # With the default (decaying) step sizes the running statistics keep a
    # fading memory of the first rows: after 300 batches of one repeated
    # row the component on it held 3e-11 of their variance beyond
    # reg_covar, and was called sound (weight 1, covariance reg_covar).
    import warnings

    from gmm_estimators.exceptions import DegenerateFitWarning

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(5, 1, (200, 2))]) * scale
    rng.shuffle(X)
    gm = GaussianMixture(
        2,
        covariance_type=covariance_type,
        reg_covar=1e-6 * scale**2,
        random_state=0,
    ).partial_fit(X[:100])
    point = np.repeat(X[:1], 20, axis=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm.partial_fit(point)  # one batch of a repeated row: nothing yet
        assert gm.collapsed_components_.size == 0
        for _ in range(300):
            gm.partial_fit(point)
    stuck = int(np.argmax(gm.weights_))
    assert stuck in gm.collapsed_components_
    named = [
        str(c.message)
        for c in caught
        if issubclass(c.category, DegenerateFitWarning)
        and f"component(s) {stuck} (" in str(c.message)
    ]
    assert named
    # A stream of the clusters' own rows flags nothing.
    sound = GaussianMixture(
        2, covariance_type=covariance_type, reg_covar=1e-6 * scale**2, random_state=0
    ).partial_fit(X[:100])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        for _ in range(300):
            sound.partial_fit(X[rng.integers(0, 400, 20)])
    assert sound.collapsed_components_.size == 0


def test_rounded_clusters_far_apart_stream_without_a_collapse():
    # A stricter floor for every batch called sound clusters collapsed: in
    # the mixture's units a cluster of sd 2 spans 1.6e-7 of the variance
    # along a separation of 1e4, and batches of a few rounded rows on it
    # rest on a line (10 of 360 batches flagged).
    rng = np.random.default_rng(0)
    X = np.vstack(
        [rng.normal(0, 2, (2000, 2)), rng.normal(0, 2, (2000, 2)) + [1e4, 0]]
    ).round()
    rng.shuffle(X)
    gm = GaussianMixture(2, covariance_type="full", random_state=0).partial_fit(X[:400])
    flagged = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        for start in range(400, 4000, 10):
            gm.partial_fit(X[start : start + 10])
            flagged += gm.collapsed_components_.size > 0
    assert flagged == 0


@pytest.mark.parametrize(
    "covariance_type, reg_covar",
    [
        *[(name, 0.0) for name in ("full", "diag", "spherical", "EII", "EEI")],
        # (VEV's M-step refuses a point without reg_covar: a clear error.)
        *[(name, 1e-6) for name in ("full", "diag", "spherical", "VEV", "EII")],
    ],
)
def test_a_window_of_one_repeated_row_alone_flags_its_component(
    covariance_type, reg_covar
):
    # forgetting_factor=0 keeps the last batch alone: a batch of one repeated
    # row leaves one component of weight ~1 on that point, its covariance
    # reg_covar (or the floor) alone. The spread was read in the mixture's
    # own span, which is then that component's: diag and spherical were
    # never flagged, the others only at some of the identical batches.
    import warnings

    from gmm_estimators.exceptions import DegenerateFitWarning

    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 1, (200, 2)), rng.normal(6, 1, (200, 2))]
    gm = GaussianMixture(
        2,
        covariance_type=covariance_type,
        reg_covar=reg_covar,
        forgetting_factor=0.0,
        random_state=0,
    ).fit(X)
    row = np.repeat(X[:1], 50, axis=0)
    for _ in range(5):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gm.partial_fit(row)
        heavy = int(np.argmax(gm.weights_))
        assert gm.weights_[heavy] > 0.99
        assert heavy in gm.collapsed_components_
        assert any(issubclass(c.category, DegenerateFitWarning) for c in caught)


@pytest.mark.parametrize(
    "covariance_type", ["full", "tied", "diag", "spherical", "VEV"]
)
def test_one_batch_of_a_repeated_row_does_not_collapse_a_spread_component(
    covariance_type,
):
    # The batch's rows rest on one point, but the running statistics keep
    # the component's covariance spread (eigenvalues near 0.5): its
    # likelihood is bounded. It was flagged collapsed (except tied).
    import warnings

    from gmm_estimators.exceptions import DegenerateFitWarning

    X = np.random.RandomState(0).randn(200, 3)
    model = GaussianMixture(1, covariance_type=covariance_type, random_state=0)
    model.fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        model.partial_fit(np.zeros((5, 3)))
    assert model.collapsed_components_.size == 0


def test_the_schedule_survives_parameters_set_by_hand_and_refused_fits():
    # A hand edit mid-stream read the parameters back with the schedule
    # restarted (step 0.52 instead of 0.03); a refused warm fit dropped the
    # running statistics it had not replaced.
    import copy

    rng = np.random.RandomState(0)
    model = GaussianMixture(3, warm_start=True, random_state=0).fit(_draw(rng, 300))
    for _ in range(60):
        model.partial_fit(_draw(rng, 30))
    batch = _draw(rng, 30)
    edited, refused, plain = (copy.deepcopy(model) for _ in range(3))
    edited.means_ = edited.means_ + 1e-9
    refused.set_params(n_components=4)
    with pytest.raises(ValueError):
        refused.fit(_draw(rng, 300))
    refused.set_params(n_components=3)
    for each in (edited, refused, plain):
        each.partial_fit(batch)
    np.testing.assert_allclose(edited.means_, plain.means_, atol=1e-6)
    np.testing.assert_array_equal(refused.means_, plain.means_)


def test_partial_fit_of_parameters_set_on_a_new_estimator():
    # No fit, so no verdict: an AttributeError (collapsed_components_).
    import sklearn.mixture

    X = _draw(np.random.RandomState(1), 300)
    reference = sklearn.mixture.GaussianMixture(3, random_state=0).fit(X)
    model = GaussianMixture(3)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        setattr(model, name, getattr(reference, name))
    model.partial_fit(X[:50])
    assert model.collapsed_components_.size == 0
    assert np.abs(model.means_ - reference.means_).max() < 1.0


def test_a_fit_without_statistics_continues_as_partial_fit_does():
    # max_iter=0 keeps no statistics: fit then partial_fit read the
    # parameters with no weight seen, partial_fit alone one E-step's.
    rng = np.random.RandomState(2)
    X, batch = _draw(rng, 300), _draw(rng, 60)
    settings = dict(n_components=3, max_iter=0, prior="default", random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = GaussianMixture(**settings).fit(X)
        streamed = GaussianMixture(**settings).partial_fit(X)
    fitted.partial_fit(batch)
    streamed.partial_fit(batch)
    np.testing.assert_array_equal(fitted.covariances_, streamed.covariances_)


def test_labels_are_those_of_the_last_batch():
    # As MiniBatchKMeans.partial_fit: labels_ follow the rows just seen,
    # under the updated parameters (a first batch as fit's).
    rng = np.random.RandomState(5)
    first, second = _draw(rng, 200), _draw(rng, 90)
    online = GaussianMixture(3, random_state=0).partial_fit(first)
    fitted = GaussianMixture(3, random_state=0).fit(first)
    np.testing.assert_array_equal(online.labels_, fitted.labels_)
    online.partial_fit(second)
    assert online.labels_.shape == (90,)
    np.testing.assert_array_equal(online.labels_, online.predict(second))


@pytest.mark.parametrize("offset", [0.0, 1e3])
@pytest.mark.parametrize("before, after", [(None, "default"), ("default", None)])
def test_a_prior_set_between_batches_is_used(before, after, offset):
    # partial_fit read the prior the fit resolved (prior_) and ignored
    # set_params(prior=...) between batches, unlike reg_covar. With
    # forgetting_factor=0 an update is one EM step on the batch (see above).
    # Far from the origin, the batch is centred on the stream's centre.
    rng = np.random.RandomState(1)
    first, second = _draw(rng, 400, offset), _draw(rng, 300, shift=0.5 + offset)
    online = GaussianMixture(3, random_state=0, forgetting_factor=0.0, prior=before)
    online.partial_fit(first)
    step = GaussianMixture(
        3,
        max_iter=1,
        prior=after,
        weights_init=online.weights_,
        means_init=online.means_,
        precisions_init=online.precisions_,
    ).fit(second)
    online.set_params(prior=after)
    online.partial_fit(second)
    assert (online.prior_ is None) == (after is None)
    np.testing.assert_allclose(online.means_, step.means_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(online.covariances_, step.covariances_, rtol=1e-8)
    np.testing.assert_allclose(online.weights_, step.weights_, rtol=1e-9)


def test_a_prior_changed_between_batches_is_used():
    # Once a prior was resolved, a new one set between batches was ignored:
    # its hyperparameters apply, those left to the data keep their values.
    from gmm_estimators import ConjugatePrior

    rng = np.random.RandomState(3)
    first, second = _draw(rng, 400, 100.0), _draw(rng, 300, 100.5)
    online = GaussianMixture(3, random_state=0, prior="default").partial_fit(first)
    scale = np.copy(online.prior_.scale)
    online.set_params(prior=ConjugatePrior(shrinkage=5.0, mean=[-50.0, -50.0]))
    online.partial_fit(second)
    assert online.prior_.shrinkage == 5.0
    np.testing.assert_array_equal(online.prior_.mean, [-50.0, -50.0])
    np.testing.assert_array_equal(online.prior_.scale, scale)


def test_a_failed_first_batch_leaves_the_mixture_unfitted():
    # Validation set n_features_in_ before the batch was refused: the
    # mixture then counted as fitted and predict raised an AttributeError.
    from sklearn.exceptions import NotFittedError

    mixture = GaussianMixture(3, random_state=0)
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        mixture.partial_fit(np.random.RandomState(0).randn(2, 3))
    assert not hasattr(mixture, "n_features_in_")
    with pytest.raises(NotFittedError):
        mixture.predict(np.zeros((2, 3)))


@pytest.mark.parametrize("structure", ["EVE", "EVV", "EVI", "VVV"])
def test_a_batch_of_repeated_rows_does_not_flag_a_spread_component(structure):
    # One batch with ten copies of a row in the second cluster: its rows do
    # not spread as the shape needs, but the running statistics do, so no
    # component is flagged, under an equal volume (where a fit would call
    # the batch's component spurious) as under its own.
    rng = np.random.RandomState(0)
    X0 = np.vstack([rng.randn(400, 2), rng.randn(400, 2) * [1.0, 0.5] + [8, 8]])
    gm = GaussianMixture(
        2, covariance_type=structure, random_state=0, means_init=[[0, 0], [8, 8]]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.partial_fit(X0)
    batch = np.vstack([rng.randn(200, 2), np.repeat([[8.3, 7.9]], 10, axis=0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm.partial_fit(batch)
    assert gm.collapsed_components_.size == 0
    assert gm.spurious_components_.size == 0


@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_a_batch_beyond_float64s_reach_is_named_and_changes_nothing(covariance_type):
    # A VEE mixture took a batch 1e8 away (20 rows in general position) as
    # "component(s) [0] rest on too few distinct rows"; 1e7 away it is
    # absorbed. Whatever the structure, a far batch either updates the
    # model or is refused by name, leaving it as it was.
    rng = np.random.default_rng(0)
    base = np.vstack([rng.normal(size=(40, 3)), rng.normal(size=(40, 3)) + 4])
    if get_covariance_model(covariance_type).max_n_features == 1:
        base = base[:, :1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
        model.fit(base)
        before = [np.copy(model.means_), np.copy(model.covariances_)]
        try:
            model.partial_fit(base[:20] + 1e8)
        except ValueError as error:
            assert "too far from every component for float64" in str(error)
            assert "rest on too few distinct rows" not in str(error)
            np.testing.assert_array_equal(model.means_, before[0])
            np.testing.assert_array_equal(model.covariances_, before[1])
        else:
            # Absorbed (every structure but VEE on these rows).
            assert covariance_type != "VEE"
            assert np.all(np.isfinite(model.means_))
        model.partial_fit(base[:20] + 1e7)
    assert np.all(np.isfinite(model.covariances_))


def test_a_batch_of_weights_summing_to_a_subnormal_is_refused_as_in_fit():
    # fit refuses weights that sum below float64's normal range (its sums
    # lose their digits there); a later batch took them, and the update
    # moved the means by 2e-6 against the same batch in weights of 1e-300.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(200, 2)), rng.normal(size=(200, 2)) + 4]
    first, batch = X[::2], X[1::2]
    model = GaussianMixture(2, random_state=0).partial_fit(first)
    reference = (
        clone(model)
        .partial_fit(first)
        .partial_fit(batch, sample_weight=np.full(len(batch), 1e-300))
    )
    before = [np.copy(model.means_), np.copy(model.covariances_)]
    with pytest.raises(ValueError, match="Multiply sample_weight by a common factor"):
        model.partial_fit(batch, sample_weight=np.full(len(batch), 1e-320))
    np.testing.assert_array_equal(model.means_, before[0])
    np.testing.assert_array_equal(model.covariances_, before[1])
    # A batch's weights count per unit weight: a common factor changes nothing.
    model.partial_fit(batch, sample_weight=np.full(len(batch), 3.0))
    np.testing.assert_allclose(model.means_, reference.means_, rtol=1e-12)


def test_adaptation_refuses_weights_summing_to_a_subnormal():
    # adapt_mixture took them: with relevance_factor=0 its means moved by
    # 7e-3 from unit weights', with another component flagged. (The selector
    # searches such weights as unit weights, to 1e-4: its own test.)
    from gmm_estimators import adapt_mixture

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 4]
    tiny = np.full(len(X), 1e-320)
    background = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="Multiply sample_weight by a common factor"):
        adapt_mixture(background, X[:50], sample_weight=tiny[:50], relevance_factor=0)
