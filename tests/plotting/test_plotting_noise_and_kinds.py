"""Plots of noise models, and of estimators that hold a mixture or are of the
wrong kind."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402

from gmm_estimators import (  # noqa: E402
    GaussianMixture,
    GaussianMixtureClassifier,
    GaussianMixtureImputer,
    GaussianMixtureOutlierDetector,
    GaussianMixtureRegressor,
)
from gmm_estimators.model_selection import GaussianMixtureIC  # noqa: E402
from gmm_estimators.plotting import (  # noqa: E402
    plot_components,
    plot_criterion,
    plot_density,
    plot_pairs,
)
from gmm_estimators.plotting._common import _NOISE_COLOR, _NOISE_SIZE  # noqa: E402

PLOTS = {
    "plot_components": lambda estimator, X: plot_components(estimator, X),
    "plot_density": lambda estimator, X: plot_density(estimator, X, grid=20),
    "plot_pairs": lambda estimator, X: plot_pairs(estimator, X),
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def noisy_data():
    rng = np.random.RandomState(0)
    return np.r_[rng.randn(100, 2), rng.randn(80, 2) + 4, rng.uniform(-4, 8, (20, 2))]


@pytest.fixture(scope="module")
def noise_model(noisy_data):
    gm = GaussianMixture(2, noise=True, random_state=0).fit(noisy_data)
    # The test needs rows of each kind: noise and both components.
    assert set(np.unique(gm.predict(noisy_data))) == {-1, 0, 1}
    return gm


@pytest.fixture(scope="module")
def outlier_detector(noisy_data):
    return GaussianMixtureOutlierDetector(
        n_components=2, covariance_types=["VVV", "VII"], random_state=0
    ).fit(noisy_data)


def _ellipses(ax):
    return [patch for patch in ax.patches if isinstance(patch, Ellipse)]


def _scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def _check_noise_rows(scatter, labels, ellipses):
    """Noise rows are small and grey; the others take their ellipse's colour."""
    colors = scatter.get_facecolors()[:, :3]
    noise = labels == -1
    np.testing.assert_allclose(
        colors[noise], np.tile(_NOISE_COLOR[:3], (noise.sum(), 1))
    )
    edge = np.array([e.get_edgecolor()[:3] for e in ellipses])
    np.testing.assert_allclose(colors[~noise], edge[labels[~noise]])
    # Three colours: two components and the noise.
    assert len(np.unique(np.round(colors, 6), axis=0)) == 3
    sizes = np.broadcast_to(scatter.get_sizes(), labels.shape)
    np.testing.assert_allclose(sizes[noise], _NOISE_SIZE)
    assert np.all(sizes[~noise] > _NOISE_SIZE)


# ----------------------------------------------------------------------------
# Noise component: label -1 and an extra column of predict_proba


def test_plot_components_noise_rows_are_grey(noise_model, noisy_data):
    X = noisy_data
    ax = plot_components(noise_model, X)
    ellipses = _ellipses(ax)
    assert len(ellipses) == 2  # the Gaussian components only
    scatters = _scatters(ax)
    assert len(scatters) == 2  # the data and the means
    _check_noise_rows(scatters[0], noise_model.predict(X), ellipses)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == 3
    assert texts[:2] == [e.get_label() for e in ellipses]
    assert texts[2] == f"noise: weight {noise_model.noise_proportion_:.2f}"
    assert "+ noise" in ax.get_title()


def test_plot_components_noise_without_legend_or_data(noise_model):
    ax = plot_components(noise_model, legend=False)
    assert ax.get_legend() is None
    assert len(_ellipses(ax)) == 2
    ax = plot_components(noise_model)
    # Without data no noise row is drawn, so the legend has no noise entry.
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("noise" in text for text in texts)


def test_plot_components_user_labels_minus_one_are_noise(noisy_data):
    X = noisy_data
    gm = GaussianMixture(2, random_state=0).fit(X)
    labels = gm.predict(X)
    labels[:7] = -1
    ax = plot_components(gm, X, labels=labels)
    _check_noise_rows(_scatters(ax)[0], labels, _ellipses(ax))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == "noise"
    # Other labels out of the components' range still get a palette, and
    # -1 stays grey.
    labels = np.where(labels == -1, -1, labels + 10)
    ax = plot_components(gm, X, labels=labels)
    colors = _scatters(ax)[0].get_facecolors()[:, :3]
    np.testing.assert_allclose(colors[:7], np.tile(_NOISE_COLOR[:3], (7, 1)))
    assert len(np.unique(np.round(colors, 6), axis=0)) == 3


@pytest.mark.parametrize("uncertainty", [True, False])
def test_plot_pairs_noise_model(noise_model, noisy_data, uncertainty):
    X = noisy_data
    fig = plot_pairs(noise_model, X, uncertainty=uncertainty)
    axes = np.array(fig.axes).reshape(2, 2)
    labels = noise_model.predict(X)
    for ax in (axes[0, 1], axes[1, 0]):
        ellipses = _ellipses(ax)
        assert len(ellipses) == 2
        _check_noise_rows(ax.collections[0], labels, ellipses)
    # Diagonal: one curve per Gaussian component and their sum.
    assert len(axes[0, 0].lines) == 3
    assert "noise" in fig._suptitle.get_text()
    if uncertainty:
        # Uncertainty counts the noise column: 1 - max of all three.
        sizes = axes[1, 0].collections[0].get_sizes()
        kept = labels != -1
        uncertain = 1 - noise_model.predict_proba(X).max(axis=1)
        assert np.corrcoef(sizes[kept], uncertain[kept])[0, 1] > 0.99


def test_plot_density_noise_model(noise_model, noisy_data):
    X = noisy_data
    ax = plot_density(noise_model, X, levels=5, grid=25)
    contour = [c for c in ax.collections if not isinstance(c, PathCollection)][0]
    assert len(contour.levels) == 5
    # The density includes the noise's uniform floor log(pi_0 / V), so the
    # lowest level (from the data's log-density) is not below it.
    floor = np.log(noise_model.noise_proportion_ / noise_model.noise_volume_)
    assert contour.levels[0] >= floor - 1e-9


def test_noise_selector_every_plot(noisy_data):
    X = noisy_data
    selector = GaussianMixtureIC(
        n_components=3, covariance_types=["VVV", "VII"], noise=True, random_state=0
    ).fit(X)
    best = selector.best_estimator_
    ax = plot_components(selector, X)
    assert len(_ellipses(ax)) == selector.n_components_
    noise = best.predict(X) == -1
    colors = _scatters(ax)[0].get_facecolors()[:, :3]
    np.testing.assert_allclose(
        colors[noise], np.tile(_NOISE_COLOR[:3], (noise.sum(), 1))
    )
    fig = plot_pairs(selector, X)
    assert len(fig.axes) == 4
    ax = plot_criterion(selector)
    assert len(ax.lines) == 2
    plot_density(selector, X, grid=20)


# ----------------------------------------------------------------------------
# Estimators holding a mixture, and estimators of the wrong kind


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_outlier_detector_plots_its_mixture(name, outlier_detector, noisy_data):
    X = noisy_data
    result = PLOTS[name](outlier_detector, X)
    mixture = outlier_detector.mixture_
    if name == "plot_components":
        np.testing.assert_allclose(
            [e.center for e in _ellipses(result)], mixture.means_
        )
    elif name == "plot_pairs":
        assert len(_ellipses(result.axes[1])) == mixture.n_components


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_unfitted_holders_raise_not_fitted(name, noisy_data):
    for estimator in (
        GaussianMixtureOutlierDetector(),
        GaussianMixtureRegressor(),
        GaussianMixtureImputer(),
        GaussianMixtureClassifier(),
        GaussianMixtureIC(),
        GaussianMixture(),
    ):
        with pytest.raises(NotFittedError, match="not fitted"):
            PLOTS[name](estimator, noisy_data)


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_wrong_kind_raises_type_error(name, noisy_data):
    from sklearn.cluster import KMeans

    kmeans = KMeans(2, n_init=1, random_state=0).fit(noisy_data)
    for estimator in (kmeans, KMeans(2)):
        with pytest.raises(TypeError, match=f"{name} needs a fitted Gaussian.*KMeans"):
            PLOTS[name](estimator, noisy_data)


@pytest.mark.parametrize("model_type", ["MclustDA", "UBM"])
def test_classifier_points_to_its_mixtures(model_type, noisy_data):
    X = noisy_data
    y = (X[:, 0] > 2).astype(int)
    clf = GaussianMixtureClassifier(
        model_type=model_type, n_components=2, covariance_types=["VVV"]
    ).fit(X, y)
    match = "mixtures_" + (".*background_" if model_type == "UBM" else "")
    for plot in PLOTS.values():
        with pytest.raises(TypeError, match=match):
            plot(clf, X)
    # The suggested route works.
    assert len(_ellipses(plot_components(clf.mixtures_[1], X))) == 2


def test_regressor_and_imputer_plot_their_mixture(noisy_data):
    X, y = noisy_data[:, :1], noisy_data[:, 1]
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    ax = plot_components(reg, np.column_stack([X, y]))
    np.testing.assert_allclose([e.center for e in _ellipses(ax)], reg.mixture_.means_)
    # Only the inputs: the error says the mixture is over [X, y].
    with pytest.raises(ValueError, match="column_stack"):
        plot_components(reg, X)
    imputer = GaussianMixtureImputer(n_components=[1, 2], random_state=0)
    imputer.fit(noisy_data)
    ax = plot_density(imputer, noisy_data, grid=20)
    assert ax.collections


# ----------------------------------------------------------------------------
# plot_criterion of estimators of each kind


def test_plot_criterion_single_mixture_is_a_type_error(noisy_data):
    fitted = GaussianMixture(2, random_state=0).fit(noisy_data)
    for estimator in (fitted, GaussianMixture(2)):
        with pytest.raises(
            TypeError,
            match="plot_criterion needs a fitted GaussianMixtureIC.*got GaussianMix",
        ):
            plot_criterion(estimator)


def test_plot_criterion_outlier_detector(outlier_detector):
    selector = outlier_detector.selector_
    ax = plot_criterion(outlier_detector)
    assert len(ax.lines) == 2
    ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
    np.testing.assert_allclose(
        ring[0].get_offsets(), [[selector.n_components_, selector.criterion_]]
    )
    with pytest.raises(NotFittedError):
        plot_criterion(GaussianMixtureOutlierDetector())


def test_plot_criterion_imputer(noisy_data):
    imputer = GaussianMixtureImputer(
        n_components=[1, 2, 3], covariance_type=["full", "spherical"], random_state=0
    ).fit(noisy_data)
    ax = plot_criterion(imputer)
    assert len(ax.lines) == 2
    ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
    assert ring[0].get_offsets()[0, 0] == imputer.n_components_
    single = GaussianMixtureImputer(n_components=2, random_state=0).fit(noisy_data)
    with pytest.raises(ValueError, match="single candidate"):
        plot_criterion(single)
    with pytest.raises(NotFittedError):
        plot_criterion(GaussianMixtureImputer())


@pytest.mark.parametrize("model_type", ["MclustDA", "EDDA", "UBM"])
def test_plot_criterion_classifier(model_type, noisy_data):
    X = noisy_data
    y = (X[:, 0] > 2).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = GaussianMixtureClassifier(
            model_type=model_type, n_components=3, covariance_types=["VVV", "VII"]
        ).fit(X, y)
    if model_type == "UBM":
        ax = plot_criterion(clf)
        assert len(ax.lines) == 2
        ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
        assert ring[0].get_offsets()[0, 0] == clf.background_.n_components
        return
    match = "'class' column" if model_type == "MclustDA" else "one Gaussian per class"
    with pytest.raises(TypeError, match=match):
        plot_criterion(clf)
    if model_type == "MclustDA":
        # The stacked table itself is refused, one class's rows are plotted.
        with pytest.raises(ValueError, match="several classes"):
            plot_criterion(clf.results_)
        mask = np.asarray(clf.results_["class"]) == clf.classes_[0]
        rows = {key: np.asarray(col)[mask] for key, col in clf.results_.items()}
        assert len(plot_criterion(rows).lines) == 2
    with pytest.raises(NotFittedError):
        plot_criterion(GaussianMixtureClassifier(model_type=model_type))


def test_a_regressor_fitted_on_a_dataframe_is_plotted_with_its_targets_named():
    # Its mixture is over [X, y]; the inputs' names alone were pinned on it,
    # and every plot failed ("feature_names has 2 entries but ... 3 features").
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 2)), columns=["x1", "x2"])
    y = pd.Series(X["x1"] * 2 + rng.normal(size=200), name="target")
    regressor = GaussianMixtureRegressor(random_state=0).fit(X, y)
    Xy = np.column_stack([X, y])
    ax = plot_components(regressor, Xy, features=(0, 2))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "y")
    plot_density(regressor, Xy, features=("x2", "y"))
    assert len(plot_pairs(regressor, Xy).axes) == 9


def test_a_colour_in_scatter_kws_replaces_the_default():
    # matplotlib refused the user's colour beside the default one ("Supply a
    # 'c' argument or a 'color' kwarg but not both"; c twice: a TypeError).
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 4]
    y = np.repeat([0, 1], 50)
    gm = GaussianMixture(2, random_state=0).fit(X)
    ax = plot_density(gm, X, scatter_kws={"c": y, "cmap": "coolwarm"})
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_array_equal(points.get_array(), y)
    for kws in ({"color": "k"}, {"c": "k"}):
        ax = plot_components(gm, X, scatter_kws=kws)
        points = [c for c in ax.collections if isinstance(c, PathCollection)][0]
        assert np.unique(points.get_facecolors()[:, :3], axis=0).tolist() == [[0, 0, 0]]


def test_criterion_tables_that_cannot_be_drawn_are_said():
    results = {
        "n_components": [1, 2, 3],
        "covariance_type": ["VVV"] * 3,
        "bic": [3.0, 2.0, 1.0],
        "degenerate": [False, False],
    }
    # Columns of other lengths: numpy's broadcast error before.
    with pytest.raises(ValueError, match="do not all have the same length"):
        plot_criterion(results)
    results["degenerate"].append(False)
    results["n_components"] = [1, np.nan, 3]
    with pytest.raises(ValueError, match="n_components column should hold whole"):
        plot_criterion(results)
    # Every candidate failed: an empty plot, silently, before.
    results.update(n_components=[1, 2, 3], bic=[np.nan] * 3)
    with pytest.raises(ValueError, match="No candidate has a finite 'bic'"):
        plot_criterion(results)


def test_pairs_name_a_repeated_feature_and_data_with_pandas_missing_values():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    gm = GaussianMixture(2, random_state=0).fit(X)
    # "This plot needs at least 4 features" for a pairs plot of three.
    with pytest.raises(ValueError, match="should be distinct"):
        plot_pairs(gm, X, features=[0, 1, 1, 2])
    # "got an array of shape ()": X is required.
    with pytest.raises(ValueError, match="plot_pairs draws the data: pass X"):
        plot_pairs(gm, None)
    frame = pd.DataFrame(rng.normal(size=(5, 3))).astype("Float64")
    frame.iloc[0, 1] = pd.NA
    # float() of pd.NA: a TypeError before; the package's own message now.
    with pytest.raises(ValueError, match="should hold numbers only"):
        plot_components(gm, frame.to_numpy(dtype=object))
    with pytest.raises(ValueError, match="NaN or infinity"):
        plot_components(gm, frame)
