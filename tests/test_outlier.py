"""GaussianMixtureOutlierDetector: scikit-learn's outlier-detector contract."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_estimators import GaussianMixture, GaussianMixtureOutlierDetector
from gmm_estimators.exceptions import DegenerateFitWarning


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    inliers = np.vstack(
        [rng.normal(size=(80, 2)) * 0.5, rng.normal(size=(80, 2)) * 0.5 + [4, 0]]
    )
    outliers = rng.uniform(-6, 10, size=(20, 2))
    X = np.vstack([inliers, outliers])
    y = np.r_[np.ones(160, dtype=int), -np.ones(20, dtype=int)]
    return X, y


def _cheap(**params):
    return GaussianMixtureOutlierDetector(
        n_components=[2],
        covariance_types="full",
        init_params="kmeans",
        max_iter=20,
        tol=1e-3,
        random_state=0,
        **params,
    )


# scikit-learn's array-API check fits 30 rows of 10 features: the uniform
# noise then explains every row (the fitted Gaussian component is empty), a
# degenerate fit the detector refuses with a clear error.
_EMPTY_GAUSSIAN = {
    "check_array_api_input": "30 rows in 10 dimensions are all noise: no "
    "Gaussian component can be fitted"
}


@parametrize_with_checks(
    [_cheap()], expected_failed_checks=lambda estimator: _EMPTY_GAUSSIAN
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_auto_threshold_is_the_noise_classification(data):
    X, y = data
    detector = _cheap().fit(X)
    mixture = detector.mixture_
    assert detector.offset_ == pytest.approx(
        np.log(mixture.noise_proportion_) - np.log(mixture.noise_volume_)
    )
    predicted = detector.predict(X)
    assert np.array_equal(predicted == -1, mixture.predict(X) == -1)
    assert np.array_equal(detector.fit_predict(X), predicted)
    # The score is the clusters' log-density: the noise's constant density
    # (the last column of the weighted log-densities) is left out.
    noise_density = mixture.noise_proportion_ / mixture.noise_volume_
    np.testing.assert_allclose(
        np.exp(detector.score_samples(X)) + noise_density,
        np.exp(mixture.score_samples(X)),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        detector.decision_function(X), detector.score_samples(X) - detector.offset_
    )
    assert roc_auc_score(y, detector.decision_function(X)) > 0.95
    assert (predicted[y == -1] == -1).mean() >= 0.75
    assert (predicted[y == 1] == 1).mean() >= 0.97


@pytest.mark.parametrize("contamination", [0.05, 0.2, 0.5])
def test_float_contamination_is_the_score_quantile(data, contamination):
    X, _ = data
    detector = _cheap(contamination=contamination).fit(X)
    assert detector.offset_ == pytest.approx(
        np.percentile(detector.score_samples(X), 100 * contamination)
    )
    n_outliers = (detector.predict(X) == -1).sum()
    assert n_outliers == round(contamination * X.shape[0])


def test_composes_with_pipeline_and_grid_search(data):
    X, y = data
    pipeline = make_pipeline(StandardScaler(), _cheap())
    assert set(pipeline.fit(X).predict(X)) <= {-1, 1}
    search = GridSearchCV(
        _cheap(),
        {"contamination": ["auto", 0.1]},
        scoring="roc_auc",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_score_ > 0.9
    assert isinstance(search.best_estimator_.mixture_, GaussianMixture)


def test_bad_input(data):
    X, _ = data
    for contamination in (0.0, 0.6, -0.1, "half"):
        with pytest.raises(InvalidParameterError, match="contamination"):
            _cheap(contamination=contamination).fit(X)
    with pytest.raises(InvalidParameterError, match="noise_volume"):
        _cheap(noise_volume=-2.0).fit(X)
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        _cheap(n_jobs=0).fit(X)
    with pytest.raises(ValueError, match="one entry per row"):
        _cheap(noise_init=np.ones(3, bool)).fit(X)


def test_rows_beyond_the_float_range_score_minus_inf():
    # Overflowed Gaussian columns carry the finite sentinel -1.8e308 in the
    # E-step; beside the noise's finite column their log posterior is -inf,
    # and the clusters' density there is 0 (was -1.797e308, finite).
    rng = np.random.RandomState(0)
    shifts = np.r_[np.zeros(100), 10 * np.ones(100)][:, None]
    X = rng.randn(200, 2) * np.array([1.0, 3.0]) + shifts
    detector = GaussianMixtureOutlierDetector(n_components=2, random_state=0).fit(X)
    far = np.array([[-1e200, -1e200], [1e300, -1e300]])
    assert_array_equal(detector.score_samples(far), -np.inf)
    log_resp = detector.mixture_.predict_log_proba(far)
    assert_array_equal(log_resp[:, :-1], -np.inf)
    assert_array_equal(log_resp[:, -1], 0.0)
    assert_array_equal(detector.predict(far), -1)


@pytest.mark.parametrize("n_components", [2, [1, 2]])
def test_a_noise_mask_of_every_row_is_named(n_components):
    # Every candidate failed and the retry under the prior reported "no
    # sound candidate" with remedies that do not apply.
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 1, (150, 2)), rng.normal([4, 0], 1, (150, 2))]
    detector = GaussianMixtureOutlierDetector(
        n_components=n_components, noise_init=np.ones(300, bool)
    )
    with pytest.raises(ValueError, match="noise_init marks 300 of the 300 rows"):
        detector.fit(X)


def test_an_input_error_is_raised_once_and_a_failed_retry_says_so():
    # fit retried under the prior after any ValueError: an error in the
    # input came twice, chained, and a search that failed both times ended
    # on the selector's advice to pass the prior it had just tried.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(60, 3), [[8, 8, 8], [-8, 7, -8]]]
    with pytest.raises(ValueError, match="floating-point range") as caught:
        GaussianMixtureOutlierDetector(n_components=1, random_state=0).fit(X * 1e110)
    assert caught.value.__context__ is None
    with pytest.raises(ValueError, match="neither as given nor under mclust's"):
        GaussianMixtureOutlierDetector(
            n_components=2, search="grid", random_state=0
        ).fit(rng.randn(40, 3) * 1e-10)


def test_a_failed_refit_leaves_the_detector_unfitted():
    # A refit that failed kept the earlier fit's mixture_ beside the new
    # n_features_in_: predict then named the inner mixture's feature count.
    rng = np.random.RandomState(0)
    detector = GaussianMixtureOutlierDetector(n_components=1).fit(rng.randn(50, 2))
    flat = np.c_[rng.randn(50, 2), np.ones(50)]
    with pytest.raises(ValueError, match="hypervolume"):
        detector.fit(flat)
    assert not hasattr(detector, "mixture_")
    assert not hasattr(detector, "n_features_in_")
    with pytest.raises(NotFittedError):
        detector.predict(flat)


def test_auto_outliers_are_the_rows_whose_noise_posterior_exceeds_one_half():
    # With several clusters the rule is not mclust's classification (the
    # most probable column): a row between two clusters where noise beats
    # each alone, not both together, is noise there and an inlier here.
    rng = np.random.RandomState(0)
    X = np.vstack(
        [
            rng.normal(size=(150, 2)),
            rng.normal(size=(150, 2)) + [5, 0],
            rng.uniform(-6, 11, size=(40, 2)),
        ]
    )
    detector = GaussianMixtureOutlierDetector(
        n_components=[2], covariance_types="VVV", random_state=0
    ).fit(X)
    mixture = detector.mixture_
    grid = np.stack(np.meshgrid(np.linspace(-6, 11, 60), np.linspace(-6, 6, 40)))
    grid = grid.reshape(2, -1).T
    noise_posterior = mixture.predict_proba(grid)[:, -1]
    outlier = detector.predict(grid) == -1
    assert np.array_equal(outlier, noise_posterior > 0.5)
    mclust_noise = mixture.predict(grid) == -1
    assert np.all(mclust_noise[outlier])
    assert np.any(mclust_noise & ~outlier)


def test_noise_taking_every_row_is_not_a_sound_fit():
    # Four rows in two dimensions: under the prior (the detector's second
    # try) the Gaussian component kept 3e-5 of the weight, every row was
    # called an outlier, and nothing warned.
    X = np.random.RandomState(0).normal(size=(4, 2))
    with pytest.warns(DegenerateFitWarning, match="the noise takes every row"):
        mixture = GaussianMixture(1, noise=True, prior="default").fit(X)
    assert_array_equal(mixture.collapsed_components_, [0])
    detector = GaussianMixtureOutlierDetector(n_components=1, random_state=0)
    with pytest.raises(ValueError, match="neither as given") as caught:
        detector.fit(X)
    # The selector under the prior does not advise the prior it used.
    assert "fit more rows" in str(caught.value)
    assert "pass prior='default'" not in str(caught.value)


@pytest.mark.parametrize("covariance_type", ["EII", "EEE", "VVV"])
def test_noise_taking_every_row_is_not_sound_without_a_prior(covariance_type):
    # Two tight clusters in units where reg_covar (absolute) is the clusters'
    # whole spread squared: EM leaves the Gaussian components 0.03 rows'
    # worth. A shared covariance (EII, EEE) has no rows' floor of its own,
    # so the fit passed as sound and the detector called all 20 rows
    # outliers; it now refuses, naming reg_covar against the units.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(10, 2) * 1e-6, 1.0 + rng.randn(10, 2) * 1e-6])
    start = {"noise_init": np.ones(20, dtype=bool)}
    start["noise_init"][0] = False
    mixture = GaussianMixture(1, covariance_type=covariance_type, noise=True, **start)
    with pytest.warns(DegenerateFitWarning, match="the noise takes every row"):
        mixture.fit(X)
    assert mixture.weights_.sum() * len(X) < 0.5  # rows' worth
    assert_array_equal(mixture.collapsed_components_, [0])
    with pytest.raises(ValueError, match="reg_covar against the data's squared"):
        GaussianMixtureOutlierDetector(search="grid", random_state=0).fit(X)
    # The default search regularises relative to the data's spread: the two
    # clusters, and no row an outlier.
    detector = GaussianMixtureOutlierDetector(random_state=0).fit(X)
    assert detector.mixture_.n_components == 2
    assert not np.any(detector.predict(X) == -1)


def test_the_default_detector_does_not_depend_on_the_units():
    # With reg_covar in the data's units (the grid search, once the only
    # one), X * 1e-3 swamped clusters of variance near 1e-6: the model and
    # the flagged rows changed on 18 of 20 sets, and some fits failed.
    rng = np.random.RandomState(3)
    clusters = [rng.randn(80, 2) * 0.3 + centre for centre in ([0, 0], [3, 0], [0, 3])]
    X = np.vstack([*clusters, rng.uniform(-3, 6, size=(25, 2))])
    masks, picks = [], []
    for factor in (1.0, 1e-3, 1e3):
        detector = GaussianMixtureOutlierDetector(n_components=4, random_state=0)
        detector.fit(X * factor)
        masks.append(detector.predict(X * factor))
        selector = detector.selector_
        picks.append((selector.n_components_, selector.covariance_type_))
    assert picks[0] == picks[1] == picks[2]
    assert_array_equal(masks[0], masks[1])
    assert_array_equal(masks[0], masks[2])
    assert 15 <= int(np.sum(masks[0] == -1)) <= 35


def test_the_detectors_mixture_keeps_the_column_names():
    # Fitted on a DataFrame, the detector's mixture_ (and selector_) had no
    # feature_names_in_: scoring it on the same DataFrame warned.
    pytest.importorskip("pandas")
    from sklearn.datasets import load_iris

    X = load_iris(as_frame=True).data
    detector = GaussianMixtureOutlierDetector(
        n_components=2, covariance_types="VVV", random_state=0
    ).fit(X)
    for fitted in (detector.mixture_, detector.selector_):
        assert list(fitted.feature_names_in_) == list(X.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        detector.mixture_.predict(X.iloc[:2])


@pytest.mark.parametrize("contamination", ["auto", 0.1])
def test_the_detector_scores_its_own_columns_without_a_names_warning(contamination):
    # Its mixture_ carries the detector's names, and the detector's methods
    # passed it the validated array: "X does not have valid feature names"
    # twice per call on the very DataFrame it was fitted on (and in fit with
    # a contamination, which scores the rows).
    pytest.importorskip("pandas")
    from sklearn.datasets import load_iris

    X = load_iris(as_frame=True).data
    detector = GaussianMixtureOutlierDetector(
        n_components=2,
        covariance_types="VVV",
        contamination=contamination,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        detector.fit(X)
        for method in ("predict", "score_samples", "decision_function", "fit_predict"):
            getattr(detector, method)(X)
    # Other columns are still told apart.
    renamed = X.rename(columns={X.columns[0]: "other"})
    with pytest.raises(ValueError, match="feature names"):
        detector.predict(renamed)


def test_a_detector_pickled_before_search_existed_loads_as_the_grid_search():
    # Its state has no "search": repr, get_params, clone and fit raised
    # AttributeError. Its fit was the grid's, which it keeps.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(60, 2), rng.randn(60, 2) + 5.0])
    detector = GaussianMixtureOutlierDetector(n_components=2, random_state=0).fit(X)
    state = detector.__getstate__()
    del state["search"]
    old = GaussianMixtureOutlierDetector.__new__(GaussianMixtureOutlierDetector)
    old.__setstate__(state)
    assert old.get_params()["search"] == "grid"
    assert_array_equal(old.predict(X), detector.predict(X))
    from sklearn.base import clone

    clone(old).fit(X)
