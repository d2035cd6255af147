"""The uniform noise component (mclust's): engine, GaussianMixture, selector.

Reference results: mclust 6 fits with ``initialization = list(noise = ...)``
(tests/fixtures/mclust/noise/, made by make_noise_fixtures.R; R is not needed).
"""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from gmm_estimators import (
    DegenerateFitWarning,
    GaussianMixture,
    GaussianMixtureOutlierDetector,
    available_covariance_types,
)
from gmm_estimators._noise import hypervolume, log_hypervolume, nn_clean
from gmm_estimators.datasets import load_old_faithful
from gmm_estimators.model_selection import GaussianMixtureIC

FIXTURES = Path(__file__).parent / "fixtures" / "mclust" / "noise"
SETS = ["faithful", "iris"]


def _load(name):
    X = np.loadtxt(FIXTURES / f"data_{name}_noise.csv", delimiter=",", skiprows=1)
    rows = np.genfromtxt(FIXTURES / f"rows_{name}_noise.csv", delimiter=",", names=True)
    fit = json.loads((FIXTURES / f"fit_{name}_noise.json").read_text())
    return X, rows, fit


def _mclust_bic_table(name):
    table = {}
    lines = (FIXTURES / f"bic_{name}_noise.csv").read_text().splitlines()[1:]
    for line in lines:
        k, model, bic, df = line.split(",")
        if bic != "NA":
            table[int(k), model.strip('"')] = (float(bic), int(df))
    return table


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.RandomState(0)
    inliers = np.vstack(
        [rng.normal(size=(60, 2)) * 0.5, rng.normal(size=(60, 2)) * 0.5 + [4, 0]]
    )
    outliers = rng.uniform(-6, 10, size=(20, 2))
    return np.vstack([inliers, outliers])


@pytest.mark.parametrize("name", SETS)
def test_hypervolume_and_nnclean_match_mclust(name):
    X, rows, fit = _load(name)
    assert hypervolume(X) == pytest.approx(fit["hypvol"], rel=1e-12)
    assert np.array_equal(nn_clean(X, 5), rows["noise_init"].astype(bool))


def test_hypervolume_closed_forms():
    square = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 3.0], [2.0, 3.0]])
    assert hypervolume(square) == pytest.approx(6.0)
    # A thin diagonal cloud: the principal-axes box is the smaller one.
    t = np.linspace(0, 1, 50)
    diagonal = np.column_stack([t, t + 0.01 * np.sin(40 * t)])
    assert hypervolume(diagonal) < 0.5 * np.ptp(t) ** 2
    assert hypervolume(t[:, None] * 3.0) == pytest.approx(3.0)


@pytest.mark.parametrize("offset", [0.0, 1e15])
def test_hypervolume_reads_neither_row_order_nor_weight_units(offset):
    # Far from the origin the rows' mean is rounded: centred once, the offset
    # left turned the principal axes with the row order and the weights'
    # units (log V 5.6658, 5.6646 and 5.6604 at 1e15).
    rng = np.random.RandomState(0)
    shifts = np.r_[np.zeros(100), 10 * np.ones(100)][:, None]
    local = rng.randn(200, 2) * np.array([1.0, 3.0]) + shifts
    X = local + offset
    w = rng.uniform(0.5, 2.0, 200)
    expected = log_hypervolume(X - offset, w)
    for rows, weights in [(X, w), (X, w * 1e-20), (X[::-1], w[::-1])]:
        assert log_hypervolume(rows, weights) == pytest.approx(expected, rel=1e-9)
    assert log_hypervolume(X[::-1]) == pytest.approx(log_hypervolume(X), rel=1e-12)


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e6 + 0.3])
@pytest.mark.parametrize("sample_weight", [None, "uniform"])
def test_features_that_are_linear_functions_of_others_have_no_volume(
    sample_weight, offset
):
    # The principal-axes box of z, 2 z + 1 is flat: rounding left 4e-14,
    # every row became noise with Gaussian weights of 1e-17. Translated, the
    # rows hold the dependency to an ulp of their values (3e-13 of the
    # spread at 1e4), which passed for a volume: the noise took every row.
    rng = np.random.RandomState(7)
    z = rng.randn(200)
    X = np.c_[z, 0.5 * z + 0.25 * rng.randn(200), rng.randn(200)]
    X = np.c_[X[:, 0], X[:, 1], 2 * X[:, 0] - 3 * X[:, 1]] + offset
    w = None if sample_weight is None else rng.uniform(0.5, 2.0, 200)
    assert log_hypervolume(X, w) == -np.inf
    # In any units (an ulp moves by a factor of two with them), and in
    # float32, whose rows hold the dependency to float32's rounding.
    for factor in (1.5, 3.0, 7.0):
        assert log_hypervolume(X * factor, w) == -np.inf
    single = X.astype(np.float32)
    single[:, 2] = 2 * single[:, 0] - 3 * single[:, 1]
    assert log_hypervolume(single, w) == -np.inf
    with pytest.raises(ValueError, match="hypervolume.*linear functions of others"):
        GaussianMixture(2, noise=True, random_state=0).fit(X, sample_weight=w)
    # Spread along every axis, however thin against the others, is a volume.
    thin = X + 1e-9 * rng.randn(200, 3)
    assert np.isfinite(log_hypervolume(thin, w))


def test_thin_features_and_far_rows_keep_their_volume():
    # Read against the rows' norms or the longest extent, a rounding floor
    # zeroed real extents: features of very different units, a far row in
    # another feature (the noise component's own use), far offsets.
    rng = np.random.RandomState(0)
    z = rng.randn(200)
    cases = [
        np.c_[rng.randn(200) * 1e10, rng.randn(200) * 1e-4],
        np.r_[np.c_[z, rng.randn(200) * 1e-6], [[1e9, 0.0]]],
        np.c_[z, rng.randn(200) * 1e-15],
        np.c_[z, 3 * rng.randn(200)] + 1e15,
    ]
    for X in cases:
        axis_box = np.sum(np.log(np.ptp(X, axis=0)))
        volume = log_hypervolume(X)
        assert np.isfinite(volume) and volume <= axis_box
    GaussianMixture(2, noise=True, random_state=0).fit(cases[1])


@pytest.mark.parametrize("name", SETS)
def test_fit_of_mclust_model_agrees_with_mclust(name):
    X, rows, fit = _load(name)
    gm = GaussianMixture(
        fit["K"],
        covariance_type=fit["model"],
        noise=True,
        init_params="hc",
        tol=1e-8,
        max_iter=1000,
    ).fit(X)
    assert gm.n_parameters_ == fit["df"]
    assert gm.noise_volume_ == pytest.approx(fit["hypvol"])
    # Better or equal by BIC (mclust's sign), to mclust's convergence.
    assert -gm.bic(X) >= fit["bic"] - 1e-3
    assert gm.score(X) * X.shape[0] == pytest.approx(fit["loglik"], abs=0.05)
    assert gm.noise_proportion_ == pytest.approx(fit["noise_proportion"], abs=3e-3)
    assert gm.noise_proportion_ + gm.weights_.sum() == pytest.approx(1.0)
    noise = gm.predict(X) == -1
    assert np.mean(noise == (rows["classification"] == 0)) >= 0.99
    assert np.abs(gm.predict_proba(X)[:, -1] - rows["z_noise"]).max() < 0.05


def test_selector_with_noise_agrees_with_mclust_table():
    X, rows, fit = _load("faithful")
    table = _mclust_bic_table("faithful")
    selector = GaussianMixtureIC(
        n_components=[2, 3],
        covariance_types=["EEI", "VVV", "EEE"],
        noise=True,
        init_params="hc",
        tol=1e-5,
        max_iter=1000,
    ).fit(X)
    assert (selector.n_components_, selector.covariance_type_) == (3, "EEI")
    assert -selector.criterion_ >= fit["bic"] - 1e-2
    results = selector.results_
    for k, model, bic, n_parameters in zip(
        results["n_components"],
        results["covariance_type"],
        results["bic"],
        results["n_parameters"],
        strict=True,
    ):
        mclust_bic, df = table[int(k), model]
        assert n_parameters == df
        # Our BIC (lower is better) is mclust's or better, up to convergence.
        assert -bic >= mclust_bic - 0.05, (k, model)
    labels = selector.labels_
    assert np.mean((labels == -1) == (rows["classification"] == 0)) >= 0.99


@pytest.mark.parametrize("name", ["faithful", "iris"])
def test_default_noise_search_reaches_mclusts_cells(name):
    # The default search with noise fitted every candidate from k-means
    # starts alone: 12 (faithful) and 6 (iris) of these 70 cells ended more
    # than one BIC unit below mclust's. Its hierarchical start is mclust's.
    X, rows, fit = _load(name)
    table = _mclust_bic_table(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        selector = GaussianMixtureIC(n_components=5, noise=True, random_state=0)
        selector.fit(X)
    results = selector.results_
    worse = [
        (int(k), model)
        for k, model, bic in zip(
            results["n_components"],
            results["covariance_type"],
            results["bic"],
            strict=True,
        )
        # mclust's NA cells (no fit) are not in its table.
        if (int(k), model) in table and -bic < table[int(k), model][0] - 1.0
    ]
    assert worse == []
    chosen = (selector.n_components_, selector.covariance_type_)
    assert chosen == (fit["K"], fit["model"])
    assert -selector.criterion_ >= fit["bic"] - 0.05
    noise = selector.labels_ == -1
    assert np.mean(noise == (rows["classification"] == 0)) >= 0.99


def test_e_step_closed_form_and_labels(blobs):
    gm = GaussianMixture(2, noise=True, random_state=0).fit(blobs)
    V = gm.noise_volume_
    dens = np.column_stack(
        [
            w * multivariate_normal(m, c).pdf(blobs)
            for w, m, c in zip(gm.weights_, gm.means_, gm.covariances_, strict=True)
        ]
        + [np.full(blobs.shape[0], gm.noise_proportion_ / V)]
    )
    proba = gm.predict_proba(blobs)
    assert proba.shape == (blobs.shape[0], 3)
    np.testing.assert_allclose(proba, dens / dens.sum(1, keepdims=True), atol=1e-10)
    np.testing.assert_allclose(gm.score_samples(blobs), np.log(dens.sum(1)))
    np.testing.assert_allclose(
        gm.predict_log_proba(blobs), np.log(proba), atol=1e-8, rtol=1e-8
    )
    labels = gm.predict(blobs)
    expected = np.argmax(dens, axis=1)
    expected[expected == 2] = -1
    assert np.array_equal(labels, expected)
    assert np.array_equal(gm.labels_, labels)
    assert (labels[-20:] == -1).sum() >= 15 and (labels[:120] == -1).sum() <= 3
    assert np.all(np.diff(gm.lower_bounds_) >= -1e-10)
    n_free = GaussianMixture(2).fit(blobs).n_parameters_
    assert gm.n_parameters_ == n_free + 2


def test_no_noise_keeps_fit_and_attributes(blobs):
    plain = GaussianMixture(2, random_state=0).fit(blobs)
    off = GaussianMixture(2, noise=False, noise_volume=5.0, random_state=0).fit(blobs)
    assert np.array_equal(plain.means_, off.means_)
    assert plain.lower_bound_ == off.lower_bound_
    assert off.noise_proportion_ == 0.0 and off.noise_volume_ is None
    assert off.predict_proba(blobs).shape == (blobs.shape[0], 2)


@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_every_structure_fits_with_noise(blobs, covariance_type):
    if covariance_type in ("E", "V"):
        blobs = blobs[:, :1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = GaussianMixture(
            2,
            covariance_type=covariance_type,
            noise=True,
            max_iter=5,
            random_state=0,
        ).fit(blobs)
        plain = GaussianMixture(
            2, covariance_type=covariance_type, max_iter=1, random_state=0
        ).fit(blobs)
    assert gm.weights_.sum() + gm.noise_proportion_ == pytest.approx(1.0)
    assert 0.0 < gm.noise_proportion_ < 0.5
    assert gm.n_parameters_ == plain.n_parameters_ + 2
    assert np.all(np.diff(gm.lower_bounds_) >= -1e-8)


def test_user_volume_mask_and_weights(blobs):
    mask = np.zeros(blobs.shape[0], dtype=bool)
    mask[-20:] = True
    gm = GaussianMixture(
        2,
        noise=True,
        noise_volume=300.0,
        noise_init=mask,
        max_iter=0,
        random_state=0,
    ).fit(blobs)
    # max_iter=0 keeps the start: the mask's share and the given volume.
    assert gm.noise_proportion_ == pytest.approx(20 / 140)
    assert gm.noise_volume_ == pytest.approx(300.0)
    assert gm.n_parameters_ == GaussianMixture(2).fit(blobs).n_parameters_ + 1
    # Integer weights equal repeated rows.
    weights = np.ones(blobs.shape[0])
    weights[:5] = 2
    repeated = np.vstack([blobs, blobs[:5]])
    mask_repeated = np.concatenate([mask, np.zeros(5, bool)])
    a = GaussianMixture(2, noise=True, noise_init=mask, random_state=0)
    b = GaussianMixture(2, noise=True, noise_init=mask_repeated, random_state=0)
    a.fit(blobs, sample_weight=weights)
    b.fit(repeated)
    np.testing.assert_allclose(a.noise_proportion_, b.noise_proportion_, rtol=1e-6)
    X_sampled, y_sampled = a.sample(50)
    assert X_sampled.shape == (50, 2) and set(y_sampled) <= {0, 1}


def test_warm_start_and_selector_equal_plain_fit(blobs):
    gm = GaussianMixture(2, noise=True, random_state=0, warm_start=True).fit(blobs)
    first = gm.noise_proportion_
    gm.fit(blobs)
    assert gm.noise_proportion_ == pytest.approx(first, abs=1e-3)
    # search="grid": every candidate is exactly GaussianMixture's fit of the
    # same settings (the default search converges further, see below).
    selector = GaussianMixtureIC(
        n_components=[2],
        covariance_types=["full"],
        noise=True,
        search="grid",
        random_state=0,
    ).fit(blobs)
    plain = GaussianMixture(2, noise=True, random_state=0).fit(blobs)
    np.testing.assert_allclose(selector.best_estimator_.means_, plain.means_)
    assert selector.best_estimator_.noise_proportion_ == pytest.approx(
        plain.noise_proportion_
    )
    assert selector.predict_proba(blobs).shape == (blobs.shape[0], 3)


def test_bad_noise_input(blobs):
    with pytest.raises(InvalidParameterError, match="noise_volume"):
        GaussianMixture(2, noise=True, noise_volume=-1.0).fit(blobs)
    with pytest.raises(InvalidParameterError, match="noise_volume"):
        GaussianMixture(2, noise=True, noise_volume=0.0).fit(blobs)
    with pytest.raises(ValueError, match="one entry per row of X .140 rows"):
        GaussianMixture(2, noise=True, noise_init=np.zeros(5, bool)).fit(blobs)
    with pytest.raises(ValueError, match="boolean mask"):
        GaussianMixture(2, noise=True, noise_init=np.full(140, 3)).fit(blobs)
    with pytest.raises(ValueError, match="fewer than n_components"):
        GaussianMixture(2, noise=True, noise_init=np.arange(140) > 0).fit(blobs)
    with pytest.raises(ValueError, match="hypervolume"):
        GaussianMixture(1, noise=True).fit(np.column_stack([blobs[:, 0], np.ones(140)]))
    assert math.isfinite(GaussianMixture(2, noise=True).fit(blobs).bic(blobs))


def test_noise_with_missing_values_is_refused_clearly():
    X = np.random.RandomState(0).randn(60, 2)
    X[3, 0] = np.nan
    with pytest.raises(ValueError, match="noise component and missing values"):
        GaussianMixture(2, noise=True).fit(X)


def test_a_row_of_weight_zero_leaves_the_noise_alone():
    # Neither the hypervolume nor the initial noise rows read it, however far.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(100, 2), rng.randn(100, 2) + 5, rng.uniform(-10, 15, (30, 2))]
    w = np.ones(X.shape[0])
    reference = GaussianMixture(2, noise=True, random_state=0).fit(X, sample_weight=w)
    for far in (1e3, 1e200):
        fitted = GaussianMixture(2, noise=True, random_state=0).fit(
            np.r_[X, [[far, far]]], sample_weight=np.r_[w, 0.0]
        )
        assert fitted.noise_volume_ == reference.noise_volume_
        np.testing.assert_allclose(
            fitted.lower_bound_, reference.lower_bound_, rtol=1e-12
        )
        np.testing.assert_allclose(fitted.means_, reference.means_, rtol=1e-10)


def test_seed_rows_beside_noise_count_their_weight_as_repeated_rows():
    # k-means++ marks only its seeds; beside the noise the other rows join
    # the nearest seed with their whole weight. A seed row counted only its
    # seed count (the lightest seed's weight), so integer weights started
    # otherwise than repeated rows (means 0.014 apart).
    rng = np.random.default_rng(5)
    X = np.r_[
        rng.standard_normal((30, 2)),
        rng.standard_normal((30, 2)) + 5,
        rng.uniform(-15, 15, (8, 2)),
    ]
    w = rng.integers(1, 4, X.shape[0]).astype(float)
    mask = np.zeros(X.shape[0], dtype=bool)
    mask[-8:] = True

    def start(rows, weights, init):
        gm = GaussianMixture(
            2, noise=True, noise_init=init, init_params="k-means++", max_iter=0,
            random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return gm.fit(rows, sample_weight=weights)

    counts = w.astype(int)
    weighted = start(X, w, mask)
    repeated = start(np.repeat(X, counts, axis=0), None, np.repeat(mask, counts))
    np.testing.assert_allclose(weighted.means_, repeated.means_, rtol=1e-12)
    np.testing.assert_allclose(weighted.weights_, repeated.weights_, rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["VVV", "EEI"])
def test_weights_count_as_repeated_rows_in_the_noise_volume(covariance_type):
    # mclust's hypvol reads the principal axes of the data's covariance: of
    # the weighted covariance here, so that weights are frequencies and a
    # common factor changes nothing.
    rng = np.random.default_rng(5)
    X = np.r_[
        rng.standard_normal((30, 3)),
        rng.standard_normal((30, 3)) * [1.0, 3.0, 0.5] + 4,
        rng.uniform(-15, 15, (8, 3)),
    ]
    w = rng.integers(1, 4, X.shape[0]).astype(float)
    mask = np.zeros(X.shape[0], dtype=bool)
    mask[-8:] = True

    def fitted(rows, weights, init):
        return GaussianMixture(
            2, covariance_type=covariance_type, noise=True, noise_init=init,
            tol=1e-10, max_iter=500, random_state=0,
        ).fit(rows, sample_weight=weights)  # fmt: skip

    weighted = fitted(X, w, mask)
    counts = w.astype(int)
    rows = np.repeat(X, counts, axis=0)
    repeated = fitted(rows, None, np.repeat(mask, counts))
    np.testing.assert_allclose(
        weighted.noise_volume_, repeated.noise_volume_, rtol=1e-12
    )
    np.testing.assert_allclose(
        weighted.bic(X, sample_weight=w), repeated.bic(rows), rtol=1e-9
    )
    for factor in (1e-3, 1e3):
        scaled = fitted(X, w * factor, mask)
        np.testing.assert_allclose(
            scaled.noise_volume_, weighted.noise_volume_, rtol=1e-13
        )
        np.testing.assert_allclose(scaled.means_, weighted.means_, rtol=1e-9)


def test_a_noise_model_advertises_only_what_it_does(tmp_path):
    # partial_fit updates no noise component and NaN cannot be combined with
    # it: neither is offered (scikit-learn's checks read hasattr and tags).
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 5])
    X = np.vstack([X, rng.uniform(-10, 15, size=(10, 2))])
    model = GaussianMixture(2, noise=True, random_state=0)
    assert not hasattr(model, "partial_fit")
    assert not model.__sklearn_tags__().input_tags.allow_nan
    assert hasattr(GaussianMixture(2), "partial_fit")
    # A (read-only) memory map is read whole, as the noise needs every row.
    path = tmp_path / "rows.dat"
    mapped = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mapped[:] = X
    mapped.flush()
    readonly = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    fitted = GaussianMixture(2, noise=True, random_state=0).fit(readonly)
    reference = GaussianMixture(2, noise=True, random_state=0).fit(X)
    np.testing.assert_allclose(fitted.means_, reference.means_)
    assert fitted.noise_proportion_ == reference.noise_proportion_


def test_nn_clean_counts_duplicated_rows_as_dense():
    # Old Faithful's waiting times are whole minutes: most rows have five
    # duplicates, so their distance to the fifth neighbour is 0. Its log and
    # the intensities were infinite, every row was called noise, and no
    # fit with noise=True was possible (the detector neither).
    waiting = np.asarray(load_old_faithful().data)[:, 1:]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        noise = nn_clean(waiting)
        model = GaussianMixture(2, noise=True, random_state=0).fit(waiting)
    assert 0 < noise.sum() < 0.1 * len(waiting)
    # The densest rows (the most duplicated values) are never noise.
    values, counts = np.unique(waiting, return_counts=True)
    assert not noise[np.isin(waiting[:, 0], values[counts > 5])].any()
    assert 0 < model.noise_proportion_ < 0.2
    means = np.sort(model.means_.ravel())
    assert 50 < means[0] < 60 and 75 < means[1] < 85


def test_nn_clean_does_not_depend_on_the_units():
    rng = np.random.RandomState(2)
    X = np.r_[rng.randn(120, 3), rng.uniform(-10, 10, (15, 3))]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        reference = nn_clean(X)
        assert reference.sum() >= 5
        for scale in (1e-120, 1e-3, 1e3, 1e120):
            np.testing.assert_array_equal(nn_clean(X * scale), reference)
    # prabclus stops on the relative change of a log-likelihood in the
    # data's units, which a factor of 2 moved (30, 28 and 25 noise rows of
    # the first set below at X, 2 X and 2**30 X); read in units of the
    # largest D_k, no factor moves the mask.
    for seed in range(4, 12):
        rng = np.random.default_rng(seed)
        n, d = int(rng.integers(60, 150)), int(rng.integers(2, 4))
        X = np.concatenate(
            [
                rng.normal(size=(n // 2, d)),
                rng.normal(3, 0.5, size=(n - n // 2, d)),
                rng.uniform(-3, 6, size=(15, d)),
            ]
        ) * rng.uniform(0.01, 100)
        reference = nn_clean(X)
        for scale in (2.0, 2.0**30, 2.0**-30, 1e-3, 1e3):
            np.testing.assert_array_equal(nn_clean(X * scale), reference)


@pytest.mark.parametrize("scale", [1e110, 1e-110])
def test_hypervolume_beyond_the_float_range_is_refused(scale):
    # 1e330 in 3-D: noise_volume_ was inf, the noise's proportion 1e-243
    # and the far rows lost their noise label; at 1e-110 a math domain error.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(60, 3), [[8, 8, 8], [-8, 7, -8]]] * scale
    for estimator in (
        GaussianMixture(1, noise=True, random_state=0),
        GaussianMixtureOutlierDetector(n_components=1, random_state=0),
    ):
        with pytest.raises(ValueError, match="beyond the floating-point range"):
            estimator.fit(X)


def test_default_noise_search_runs_every_start_to_its_end():
    # The k-means start of this cell crosses a saddle: at its tenth
    # iteration Aitken's extrapolation fell below the hierarchical start's
    # optimum and the run was abandoned, though it ends 142 units of
    # log-likelihood above it; the noise search has no proposals to recover
    # it (BIC 4575.6 against 4291.3 from k-means alone).
    rng = np.random.default_rng(26)
    k = int(rng.integers(2, 4))
    centers = rng.normal(0, 6, (k, 2))
    labels = rng.integers(0, k, 380)
    scales = rng.uniform(0.5, 1.5, (k, 2))
    inliers = centers[labels] + rng.normal(size=(380, 2)) * scales[labels]
    low, high = inliers.min(0) - 3, inliers.max(0) + 3
    X = np.vstack([inliers, rng.uniform(low, high, (20, 2))])[rng.permutation(400)]
    kw = dict(n_components=[2], covariance_types=["VII"], noise=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = GaussianMixtureIC(**kw).fit(X).results_["bic"][0]
        kmeans = GaussianMixtureIC(init_params="kmeans", **kw).fit(X).results_["bic"][0]
    assert default <= kmeans + 1e-6 * abs(kmeans)


@pytest.mark.parametrize(
    "init_params", ["kmeans", "k-means++", "random", "random_from_data"]
)
def test_every_initialiser_partitions_the_rows_outside_the_noise(init_params):
    # 'k-means++' and 'random_from_data' marked only their seed rows: each
    # Gaussian started on one row at about reg_covar, the noise took 826 of
    # 830 rows and every component collapsed.
    rng = np.random.RandomState(0)
    centers = ([0, 0], [3, 0], [0, 3], [3, 3])
    X = np.vstack([rng.normal(size=(200, 2)) + c for c in centers])
    X = np.vstack([X, rng.uniform(-5, 8, size=(30, 2))])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        fit = GaussianMixture(
            4, init_params=init_params, noise=True, random_state=0
        ).fit(X)
    assert fit.collapsed_components_.size == 0
    assert 0.01 < fit.noise_proportion_ < 0.1  # 30 uniform rows of 830
    assert np.sum(fit.labels_ == -1) < 50
    # A row of weight zero, however far, joins no seed (it overflowed there).
    far = np.vstack([X, [[1e200, 1e200]]])
    weights = np.r_[np.ones(X.shape[0]), 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        weighted = GaussianMixture(
            4, init_params=init_params, noise=True, random_state=0
        ).fit(far, sample_weight=weights)
    np.testing.assert_allclose(weighted.means_, fit.means_, rtol=1e-9)


def test_a_warm_refit_with_a_new_noise_volume_uses_it():
    # The first E-step used the last fit's volume: it gave the old bound back,
    # the refit stopped after one iteration with the old fit, and
    # lower_bound_ was not the score of the model returned.
    rng = np.random.RandomState(0)
    X = np.vstack(
        [
            rng.normal(size=(150, 2)),
            rng.normal(size=(150, 2)) + 6,
            rng.uniform(-10, 16, size=(30, 2)),
        ]
    )
    settings = dict(noise=True, random_state=0, tol=1e-12, max_iter=5000)
    warm = GaussianMixture(2, noise_volume=600.0, warm_start=True, **settings).fit(X)
    warm.set_params(noise_volume=6000.0).fit(X)
    cold = GaussianMixture(2, noise_volume=6000.0, **settings).fit(X)
    assert warm.n_iter_ > 1
    assert warm.noise_proportion_ == pytest.approx(cold.noise_proportion_, rel=1e-6)
    assert warm.lower_bound_ == pytest.approx(warm.score(X), rel=1e-9)
    assert warm.lower_bound_ == pytest.approx(cold.lower_bound_, rel=1e-9)
    # Unregularised, the last fit's bound read as the first one's start: the
    # new volume's lower first bound was taken for a fall (n_iter_=0, -inf).
    settings["reg_covar"] = 0.0
    warm = GaussianMixture(2, noise_volume=600.0, warm_start=True, **settings).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        warm.set_params(noise_volume=6000.0).fit(X)
    cold = GaussianMixture(2, noise_volume=6000.0, **settings).fit(X)
    assert warm.lower_bound_ == pytest.approx(cold.lower_bound_, rel=1e-9)


def test_nnclean_start_reads_rows_not_weights():
    # As documented (noise_init): a common factor on the weights leaves the
    # start and the fit unchanged; the start is the unweighted rows' mask.
    rng = np.random.RandomState(3)
    X = np.r_[rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 5]
    X = np.r_[X, rng.uniform(-8, 13, size=(15, 2))]
    w = rng.randint(1, 4, X.shape[0]).astype(float)

    def fitted(weights, init="nnclean"):
        return GaussianMixture(
            2, noise=True, noise_init=init, tol=1e-10, max_iter=500, random_state=0
        ).fit(X, sample_weight=weights)

    weighted = fitted(w)
    for factor in (1e-3, 7.0):
        scaled = fitted(w * factor)
        np.testing.assert_allclose(scaled.means_, weighted.means_, rtol=1e-9)
        assert scaled.noise_proportion_ == pytest.approx(weighted.noise_proportion_)
    masked = fitted(w, init=nn_clean(X))
    np.testing.assert_allclose(masked.means_, weighted.means_, rtol=1e-12)


def test_a_given_noise_volume_is_stored_as_given():
    # noise_volume_ was exp(log V): 1000.0 came back as 999.9999999999998.
    import pickle

    rng = np.random.RandomState(0)
    X = np.vstack(
        [
            rng.randn(100, 2),
            rng.randn(100, 2) * 0.5 + [4, 4],
            rng.uniform(-10, 14, size=(30, 2)),
        ]
    )
    for volume in (1000.0, 0.1, 3.0):
        gm = GaussianMixture(2, noise=True, noise_volume=volume, random_state=0)
        gm.fit(X)
        assert gm.noise_volume_ == volume
        assert type(gm.noise_volume_) is float
        # The noise column the densities use is log(pi_0) - log(V).
        noise = np.log(gm.noise_proportion_) - np.log(volume)
        assert gm.score_samples(X).min() >= noise
        assert pickle.loads(pickle.dumps(gm)).noise_volume_ == volume


def test_a_noise_start_of_no_row_is_refused_or_avoided():
    # A proportion of 0 is a fixed point of EM: from a mask that marks no
    # row the noise stayed at 1e-193, the fit was reported converged and
    # sound (98 log-likelihood units below the start of one marked row),
    # and the outlier detector flagged none of 30 planted outliers.
    from gmm_estimators._noise import resolve_noise

    rng = np.random.default_rng(0)
    X = np.r_[rng.standard_normal((200, 2)), rng.uniform(-10, 10, (30, 2))]
    with pytest.raises(ValueError, match="marks no row .* as noise"):
        GaussianMixture(2, noise=True, noise_init=np.zeros(230, bool)).fit(X)
    weights = np.r_[np.ones(229), 0.0]
    only_zero_weight = np.zeros(230, bool)
    only_zero_weight[-1] = True
    with pytest.raises(ValueError, match="marks no row .* as noise"):
        GaussianMixture(2, noise=True, noise_init=only_zero_weight).fit(
            X, sample_weight=weights
        )
    # nnclean finds no clutter where every row has 5 duplicates (a coarse
    # lattice): the noise starts on one row, the most isolated.
    lattice = np.repeat(np.r_[rng.integers(0, 4, (40, 2)), [[9, 9]]], 6, axis=0)
    assert not nn_clean(lattice).any()
    mask = resolve_noise(lattice.astype(float), None, None, "nnclean")[1]
    assert mask.sum() == 1 and np.array_equal(lattice[mask][0], [9, 9])


def test_a_noise_fit_continues_from_its_weights_as_documented():
    # weights_ of a noise fit sum to 1 - noise_proportion_: passed back as
    # weights_init they were refused with "should be normalized" alone.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(80, 2), rng.randn(80, 2) + 5, rng.uniform(-4, 9, (20, 2))]
    fitted = GaussianMixture(2, noise=True, tol=1e-8, random_state=0).fit(X)
    assert fitted.weights_.sum() < 1.0
    again = GaussianMixture(
        2,
        noise=True,
        weights_init=fitted.weights_,
        means_init=fitted.means_,
        precisions_init=fitted.precisions_,
    )
    with pytest.raises(ValueError, match="weights_ / weights_.sum"):
        again.fit(X)
    # The two ways the message names: relative weights, or a warm start.
    again.set_params(weights_init=fitted.weights_ / fitted.weights_.sum()).fit(X)
    assert again.bic(X) == pytest.approx(fitted.bic(X), abs=0.1)
    bound = fitted.lower_bound_
    fitted.set_params(warm_start=True).fit(X)
    assert fitted.n_iter_ <= 2
    assert fitted.lower_bound_ == pytest.approx(bound, abs=1e-8)
    # Without a noise component the message does not speak of one.
    plain = GaussianMixture(2, weights_init=[0.5, 0.4])
    with pytest.raises(ValueError, match="sum to 1") as caught:
        plain.fit(X)
    assert "noise" not in str(caught.value)


def test_noise_search_follows_mclusts_path_for_eve_and_vve():
    # The noise search fits from shared starts without the thorough search's
    # mclust path: on MASS's geyser (prabclus's NNclean mask) VVE with 6
    # components ended 3 BIC units below mclust's cell, a sound fit EM along
    # mclust's own M-step reaches. Fixture: make_noise_path_fixture.R.
    X = np.loadtxt(FIXTURES / "data_geyser.csv", delimiter=",", skiprows=1)
    mask = np.loadtxt(FIXTURES / "mask_geyser.csv", skiprows=1).astype(bool)
    table = _mclust_bic_table("geyser")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        selector = GaussianMixtureIC(
            n_components=9,
            covariance_types=["EVE", "VVE"],
            noise=True,
            noise_init=mask,
            random_state=0,
        ).fit(X)
    results = selector.results_
    cells = {
        (int(k), model): (bic, degenerate, n_parameters)
        for k, model, bic, degenerate, n_parameters in zip(
            results["n_components"],
            results["covariance_type"],
            results["bic"],
            results["degenerate"],
            results["n_parameters"],
            strict=True,
        )
    }
    worse = [
        cell
        for cell, (bic, _) in table.items()
        if not (np.isfinite(cells[cell][0]) and -cells[cell][0] >= bic - 1.0)
    ]
    assert worse == []
    assert not any(cells[cell][1] for cell in table)
    assert all(cells[cell][2] == df for cell, (_, df) in table.items())
