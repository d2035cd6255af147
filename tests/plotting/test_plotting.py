"""Tests of gmm_estimators.plotting: what is drawn, not how it looks."""

import copy
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402

from gmm_estimators import GaussianMixture, available_covariance_types  # noqa: E402
from gmm_estimators.covariance import get_covariance_model  # noqa: E402
from gmm_estimators.datasets import make_gaussian_mixture  # noqa: E402
from gmm_estimators.plotting import (  # noqa: E402
    plot_components,
    plot_criterion,
    plot_density,
    plot_pairs,
)
from gmm_estimators.plotting._common import _is_mixture  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data3d():
    X, y = make_gaussian_mixture(
        150, n_components=3, n_features=3, covariance_type="full", random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def fitted3d(data3d):
    X, _ = data3d
    return GaussianMixture(n_components=3, random_state=0).fit(X)


def _multivariate_types():
    """Registered structures that accept more than one feature."""
    return [
        name
        for name in available_covariance_types()
        if getattr(get_covariance_model(name), "max_n_features", None) is None
    ]


def _ellipses(ax):
    return [patch for patch in ax.patches if isinstance(patch, Ellipse)]


# ----------------------------------------------------------------------------
# plot_components


@pytest.mark.parametrize("covariance_type", _multivariate_types())
def test_plot_components_every_structure(covariance_type, data3d):
    X, _ = data3d
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm = GaussianMixture(
            n_components=3,
            covariance_type=covariance_type,
            max_iter=20,
            random_state=0,
        ).fit(X)
    features = (0, 2)
    ax = plot_components(gm, X, features=features)

    ellipses = _ellipses(ax)
    assert len(ellipses) == gm.n_components
    np.testing.assert_allclose(
        [e.center for e in ellipses], gm.means_[:, features], rtol=1e-12
    )
    # The ellipse axes are 2 * n_std * sqrt(eigenvalues) of the projected
    # full covariance, whatever the structure's storage.
    full = get_covariance_model(covariance_type).to_full(gm.covariances_, 3, 3)
    for ellipse, cov in zip(ellipses, full, strict=True):
        eig = np.linalg.eigvalsh(cov[np.ix_(features, features)])
        np.testing.assert_allclose(
            sorted([ellipse.width, ellipse.height]), 4.0 * np.sqrt(eig), rtol=1e-8
        )


def test_plot_components_draws_data_and_labels(fitted3d, data3d):
    X, _ = data3d
    ax = plot_components(fitted3d, X, features=(1, 0), n_std=1.0)
    # One scatter of the data, one of the means.
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2
    np.testing.assert_allclose(scatters[0].get_offsets(), X[:, [1, 0]])
    np.testing.assert_allclose(scatters[1].get_offsets(), fitted3d.means_[:, [1, 0]])
    # Axes limits contain all the data.
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    assert xmin <= X[:, 1].min() and X[:, 1].max() <= xmax
    assert ymin <= X[:, 0].min() and X[:, 0].max() <= ymax
    assert ax.get_xlabel() == "feature 1"
    assert ax.get_ylabel() == "feature 0"
    assert "3 components" in ax.get_title()
    assert ax.get_legend() is not None
    # Points take the colour of their predicted component's ellipse.
    labels = fitted3d.predict(X)
    ellipse_colors = [e.get_edgecolor() for e in _ellipses(ax)]
    np.testing.assert_allclose(
        scatters[0].get_facecolors()[:, :3],
        np.array([ellipse_colors[k] for k in labels])[:, :3],
    )


def test_plot_components_without_data_and_on_given_axes(fitted3d):
    fig, ax = plt.subplots()
    returned = plot_components(fitted3d, ax=ax, show_means=False, legend=False)
    assert returned is ax
    assert len(_ellipses(ax)) == 3
    assert not ax.collections
    # The limits contain every ellipse's centre.
    xmin, xmax = ax.get_xlim()
    assert np.all((xmin < fitted3d.means_[:, 0]) & (fitted3d.means_[:, 0] < xmax))


def test_plots_read_the_fitted_structure_after_set_params(fitted3d):
    # The ellipses are those of the fitted covariances, as the predictions
    # are, until the mixture is fitted again.
    before = [(e.width, e.height) for e in _ellipses(plot_components(fitted3d))]
    changed = copy.deepcopy(fitted3d).set_params(covariance_type="EII")
    after = [(e.width, e.height) for e in _ellipses(plot_components(changed))]
    np.testing.assert_allclose(after, before)
    plt.close("all")


def test_plot_components_custom_labels_and_names(fitted3d, data3d):
    X, y = data3d
    ax = plot_components(
        fitted3d, X, labels=y, feature_names=["a", "b", "c"], features=("c", "a")
    )
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("c", "a")
    np.testing.assert_allclose(_ellipses(ax)[0].center, fitted3d.means_[0, [2, 0]])


def test_plot_components_feature_names_from_dataframe():
    pd = pytest.importorskip("pandas")
    X, _ = make_gaussian_mixture(100, n_components=2, random_state=1)
    frame = pd.DataFrame(X, columns=["width", "height"])
    gm = GaussianMixture(n_components=2, random_state=0).fit(frame)
    ax = plot_components(gm, frame)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("width", "height")
    ax = plot_density(gm, frame, grid=20)
    assert ax.get_xlabel() == "width"


def test_named_models_plot_without_pandas(without_pandas):
    # A model named by the command line (or loaded from its file) was
    # evaluated on a DataFrame: without pandas, which no extra installs,
    # every plot raised ModuleNotFoundError.
    X, _ = make_gaussian_mixture(100, n_components=2, random_state=1)
    gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    gm.feature_names_in_ = np.asarray(["width", "height"], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_components(gm, X)
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("width", "height")
        plot_density(gm, X, grid=20)
        plot_pairs(gm, X)


@pytest.mark.parametrize("kind", ["GaussianMixture", "BayesianGaussianMixture"])
def test_plot_components_accepts_sklearn_mixtures(kind):
    import sklearn.mixture

    X, _ = make_gaussian_mixture(120, n_components=2, random_state=2)
    sk = getattr(sklearn.mixture, kind)(
        n_components=2, covariance_type="diag", random_state=0
    )
    # Recognised by its class, before it is fitted.
    assert _is_mixture(getattr(sklearn.mixture, kind)())
    ax = plot_components(sk.fit(X), X)
    np.testing.assert_allclose([e.center for e in _ellipses(ax)], sk.means_)


def test_collapsed_components_are_dashed(data3d, fitted3d):
    X, _ = data3d
    fitted3d_copy = copy.deepcopy(fitted3d)
    fitted3d_copy.collapsed_components_ = np.array([1])
    ax = plot_components(fitted3d_copy, X)
    styles = [e.get_linestyle() for e in _ellipses(ax)]
    assert styles[0] == styles[2] != styles[1]


@pytest.mark.parametrize(
    "features, match",
    [
        ((0, 3), "out of range"),
        ((0, -1), "out of range"),
        ((1, 1), "distinct"),
        ((0,), "exactly 2"),
        (0, "pair"),
        ((0, 1.5), "indices"),
        (("x", 0), "Unknown feature name"),
    ],
)
def test_bad_features(fitted3d, data3d, features, match):
    X, _ = data3d
    with pytest.raises(ValueError, match=match):
        plot_components(fitted3d, X, features=features)
    with pytest.raises(ValueError, match=match):
        plot_density(fitted3d, features=features)


def test_unfitted_estimator_raises():
    for function in (plot_components, plot_density):
        with pytest.raises(NotFittedError, match="not fitted"):
            function(GaussianMixture(n_components=2))
    with pytest.raises(NotFittedError, match="not fitted"):
        plot_pairs(GaussianMixture(n_components=2), np.zeros((3, 2)))


def test_bad_data_raises(fitted3d, data3d):
    X, _ = data3d
    with pytest.raises(ValueError, match="X has 2 features"):
        plot_components(fitted3d, X[:, :2])
    with pytest.raises(ValueError, match="labels should have shape"):
        plot_components(fitted3d, X, labels=np.zeros(3))
    with pytest.raises(ValueError, match="n_std"):
        plot_components(fitted3d, X, n_std=0)
    with pytest.raises(ValueError, match="feature_names has 2"):
        plot_components(fitted3d, X, feature_names=["a", "b"])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        plot_components(fitted3d, bad)


def test_one_feature_estimator_raises():
    X = np.random.RandomState(0).normal(size=(50, 1))
    gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="at least 2 features"):
        plot_components(gm, X)


# ----------------------------------------------------------------------------
# plot_density


def test_plot_density_contours_cover_the_data(fitted3d, data3d):
    X, _ = data3d
    ax = plot_density(fitted3d, X, features=(0, 1), levels=6, grid=30)
    contours = [c for c in ax.collections if not isinstance(c, PathCollection)]
    assert len(contours) == 1
    assert len(contours[0].levels) == 6
    # Levels are log-densities: below the largest value on the grid.
    assert np.all(np.diff(contours[0].levels) > 0)
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    assert xmin < X[:, 0].min() and X[:, 0].max() < xmax
    assert ymin < X[:, 1].min() and X[:, 1].max() < ymax
    assert ax.get_xlabel() == "feature 0" and ax.get_ylabel() == "feature 1"
    # d > 2: the title says it is a slice.
    assert "slice" in ax.get_title()
    # A colour bar was added to the figure.
    assert len(ax.figure.axes) == 2


def test_plot_density_without_data_explicit_levels(fitted3d):
    fig, ax = plt.subplots()
    levels = [-12.0, -9.0, -6.0]
    returned = plot_density(
        fitted3d, ax=ax, levels=levels, grid=(20, 25), filled=True, colorbar=False
    )
    assert returned is ax
    contour = ax.collections[0]
    np.testing.assert_allclose(contour.levels, levels)
    assert len(fig.axes) == 1
    # The range covers every component's mean.
    xmin, xmax = ax.get_xlim()
    assert np.all((xmin < fitted3d.means_[:, 0]) & (fitted3d.means_[:, 0] < xmax))


def test_plot_density_bad_grid(fitted3d):
    for grid in (1, (10,), (10, 1), 2.5):
        with pytest.raises(ValueError, match="grid"):
            plot_density(fitted3d, grid=grid)


# ----------------------------------------------------------------------------
# plot_criterion


def _results(degenerate=()):
    types = ["VVV", "EEE", "VII"]
    rows = {
        "n_components": [],
        "covariance_type": [],
        "bic": [],
        "aic": [],
        "degenerate": [],
    }
    for i, covariance_type in enumerate(types):
        for k in (1, 2, 3, 4):
            rows["n_components"].append(k)
            rows["covariance_type"].append(covariance_type)
            rows["bic"].append(100.0 + 10 * i + (k - 2) ** 2)
            rows["aic"].append(90.0 + 10 * i + (k - 3) ** 2)
            rows["degenerate"].append((covariance_type, k) in degenerate)
    return rows


def test_plot_criterion_lines_and_degenerate_markers():
    results = _results(degenerate={("VVV", 4), ("EEE", 3)})
    ax = plot_criterion(results)
    assert len(ax.lines) == 3
    assert [line.get_label() for line in ax.lines] == [
        "VVV (full)",
        "EEE (tied)",
        "VII (spherical)",
    ]
    vvv = ax.lines[0]
    np.testing.assert_array_equal(vvv.get_xdata(), [1, 2, 3, 4])
    # The degenerate candidate is left out of the line ...
    assert np.isnan(vvv.get_ydata()[3])
    # ... and drawn as a hollow marker at its value.
    hollow = [
        c
        for c in ax.collections
        if isinstance(c, PathCollection)
        and len(c.get_facecolors()) == 0
        and c.get_sizes()[0] < 100
    ]
    points = np.vstack([c.get_offsets() for c in hollow])
    np.testing.assert_allclose(sorted(map(tuple, points)), [(3.0, 111.0), (4.0, 104.0)])
    # The best sound candidate (K=2, VVV) is circled and annotated.
    ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
    assert len(ring) == 1
    np.testing.assert_allclose(ring[0].get_offsets(), [[2.0, 100.0]])
    assert "K=2, VVV" in [t.get_text() for t in ax.texts]
    assert "lower is better" in ax.get_ylabel()
    assert ax.get_xlabel() == "number of components K"
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "degenerate (not selectable)" in legend_texts
    assert "selected" in legend_texts


def test_plot_criterion_never_circles_a_spurious_candidate():
    # The results' spurious column was ignored: the spurious cell of lowest
    # BIC (VVV, K=2 here) was drawn on its line and circled as selected.
    results = _results()
    cells = zip(results["covariance_type"], results["n_components"], strict=True)
    results["spurious"] = [cell == ("VVV", 2) for cell in cells]
    ax = plot_criterion(results)
    assert np.isnan(ax.lines[0].get_ydata()[1])
    ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
    # The next best sound candidate: VVV with 1 or 3 components (BIC 101).
    assert ring[0].get_offsets()[0][1] == 101.0
    assert ring[0].get_offsets()[0][0] != 2.0
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "degenerate or spurious (not selectable)" in legend_texts


def test_plot_criterion_of_a_table_circles_its_rank_among_near_ties():
    # One-component fits of one model rank by their group's best value (the
    # label by the tie rule): a table's circle followed the raw minimum
    # (VVV, 1e-4 lower by rounding) while the selector picked EEE.
    results = {
        "n_components": [1, 1, 2, 1],
        "covariance_type": ["VVV", "EEE", "EEE", "EII"],
        "bic": [-3335.2027, -3335.2026, -3300.0, 2407.1],
        "n_parameters": [9, 9, 14, 4],
        "degenerate": [False, False, False, False],
        "rank": [2, 1, 3, 4],
    }
    ax = plot_criterion(results)
    assert "K=1, EEE" in [t.get_text() for t in ax.texts]
    # Far apart, the lower value is circled whatever the rank says.
    results["bic"] = [-3335.2027, -3300.0, -3200.0, 2407.1]
    ax = plot_criterion(results)
    assert "K=1, VVV" in [t.get_text() for t in ax.texts]
    # And the rank decides among one model's fits only (not EEE with 2).
    results["bic"] = [-3335.2027, -3300.0, -3335.2026, 2407.1]
    results["rank"] = [2, 3, 1, 4]
    ax = plot_criterion(results)
    assert "K=1, VVV" in [t.get_text() for t in ax.texts]


def test_plot_criterion_mclust_sign_and_other_criterion():
    ax = plot_criterion(_results(), criterion="aic", mclust_sign=True)
    assert "higher is better" in ax.get_ylabel()
    assert "AIC" in ax.get_ylabel()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), -np.array([94, 91, 90, 91.0]))
    ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
    np.testing.assert_allclose(ring[0].get_offsets(), [[3.0, -90.0]])


def test_plot_criterion_of_another_column_circles_nothing():
    # log_likelihood (higher is better) circled its lowest candidate as
    # "selected", and with mclust_sign=True the axis read "-log_likelihood
    # (higher is better)".
    results = _results()
    results["log_likelihood"] = [-b for b in results["bic"]]
    for sign in (False, True):
        ax = plot_criterion(results, criterion="log_likelihood", mclust_sign=sign)
        assert not [c for c in ax.collections if c.get_sizes()[0] >= 100]
        assert "better" not in ax.get_ylabel()
        assert "selected" not in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylabel() == "-log_likelihood"


def test_plot_criterion_icl_label_says_what_icl_adds():
    results = _results()
    results["icl"] = results["bic"]
    label = plot_criterion(results, criterion="icl").get_ylabel()
    assert "MAP posterior" in label
    assert "entropy" not in label


def test_plot_criterion_dataframe():
    pd = pytest.importorskip("pandas")
    ax = plot_criterion(pd.DataFrame(_results()))
    assert len(ax.lines) == 3


def test_plot_criterion_bad_input():
    with pytest.raises(ValueError, match="no criterion 'icl'"):
        plot_criterion(_results(), criterion="icl")
    results = _results()
    del results["covariance_type"]
    with pytest.raises(ValueError, match="covariance_type"):
        plot_criterion(results)
    with pytest.raises(TypeError, match="GaussianMixtureIC"):
        plot_criterion([1, 2, 3])
    # A dict of scalars raised Python's "object of type 'int' has no len()".
    with pytest.raises(ValueError, match=r"column\(s\) \['a'\] are not one-dim"):
        plot_criterion({"a": 1})


def test_plot_criterion_selector():
    from gmm_estimators.model_selection import GaussianMixtureIC

    X, _ = make_gaussian_mixture(150, n_components=2, random_state=0)
    with pytest.raises(NotFittedError):
        plot_criterion(GaussianMixtureIC())
    selector = GaussianMixtureIC(
        n_components=3, covariance_types=["full", "spherical"], random_state=0
    ).fit(X)
    ax = plot_criterion(selector)
    assert len(ax.lines) == 2
    ring = [c for c in ax.collections if c.get_sizes()[0] >= 100]
    np.testing.assert_allclose(
        ring[0].get_offsets(), [[selector.n_components_, selector.criterion_]]
    )
    # plot_components of a selector draws its chosen model.
    ax = plot_components(selector, X)
    assert len(_ellipses(ax)) == selector.n_components_


# ----------------------------------------------------------------------------
# plot_pairs


def test_plot_pairs_grid(fitted3d, data3d):
    X, _ = data3d
    fig = plot_pairs(fitted3d, X, feature_names=["a", "b", "c"])
    axes = np.array(fig.axes).reshape(3, 3)
    assert axes.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            ax = axes[i, j]
            if i == j:
                # Histogram and marginal densities: K component curves + total.
                assert len(ax.lines) == fitted3d.n_components + 1
                assert ax.patches  # histogram bars
            else:
                assert len(_ellipses(ax)) == 3
                offsets = ax.collections[0].get_offsets()
                np.testing.assert_allclose(offsets, X[:, [j, i]])
    assert [ax.get_xlabel() for ax in axes[-1]] == ["a", "b", "c"]
    assert axes[1, 0].get_ylabel() == "b"
    # Uncertain points are larger.
    sizes = axes[1, 0].collections[0].get_sizes()
    uncertainty = 1 - fitted3d.predict_proba(X).max(axis=1)
    assert np.corrcoef(sizes, uncertainty)[0, 1] > 0.99
    assert "uncertainty" in fig._suptitle.get_text()


def test_plot_pairs_options(fitted3d, data3d):
    X, _ = data3d
    fig = plot_pairs(fitted3d, X, uncertainty=False, features=[2, 0], ellipses=False)
    axes = np.array(fig.axes).reshape(2, 2)
    sizes = axes[0, 1].collections[0].get_sizes()
    assert np.unique(sizes).size == 1
    assert not _ellipses(axes[0, 1])
    np.testing.assert_allclose(axes[0, 1].collections[0].get_offsets(), X[:, [0, 2]])
    with pytest.raises(ValueError, match="out of range"):
        plot_pairs(fitted3d, X, features=[0, 5])
    with pytest.raises(ValueError, match="X has 2 features"):
        plot_pairs(fitted3d, X[:, :2])
    # An empty list was told it "should contain exactly 1 features".
    with pytest.raises(ValueError, match="at least one feature"):
        plot_pairs(fitted3d, X, features=[])


@pytest.mark.parametrize("levels", [1, [-3.0]])
def test_plot_density_with_one_contour_line_labels_it(levels):
    # matplotlib's colour bar needs two levels (an IndexError and a
    # RuntimeWarning from inside matplotlib before): the line is labelled.
    X = np.random.default_rng(0).normal(size=(100, 2))
    gm = GaussianMixture(2, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ax = plot_density(gm, X, levels=levels)
    assert len(ax.figure.axes) == 1  # no colour bar
    assert ax.texts  # the line's label
    plt.close(ax.figure)


def test_a_holder_fitted_on_a_dataframe_plots_its_columns():
    # The selector's best_estimator_ has no feature names: the axes read
    # "feature 0", a DataFrame warned, and a reordered one drew the points
    # on other features than the ellipses without a word.
    from gmm_estimators.datasets import load_old_faithful
    from gmm_estimators.model_selection import GaussianMixtureIC

    df = load_old_faithful(as_frame=True, return_X_y=True)
    selector = GaussianMixtureIC(
        n_components=2, covariance_types=["VVV"], random_state=0
    ).fit(df)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert plot_components(selector).get_xlabel() == "eruptions"
        assert plot_components(selector, df).get_ylabel() == "waiting"
        plot_density(selector, df)
    with pytest.raises(ValueError, match="pass them in that order"):
        plot_components(selector, df[["waiting", "eruptions"]])
    assert not hasattr(selector.best_estimator_, "feature_names_in_")


def test_a_noise_model_is_sliced_at_its_gaussian_mean(data3d):
    # With a noise component weights_ sum to less than one: the slice was
    # pulled towards the origin, away from the data.
    X = data3d[0] + 100.0
    rng = np.random.RandomState(0)
    X = np.r_[X, rng.uniform(X.min(axis=0), X.max(axis=0), (30, 3))]
    model = GaussianMixture(3, noise=True, random_state=0).fit(X)
    ax = plot_density(model, X, features=(0, 1), grid=30)
    plain = GaussianMixture(3, random_state=0)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        setattr(plain, name, getattr(model, name))
    plain.weights_ = model.weights_ / model.weights_.sum()
    for name in ("converged_", "n_iter_", "lower_bound_", "n_features_in_"):
        setattr(plain, name, getattr(model, name))
    reference = plot_density(plain, X, features=(0, 1), grid=30)
    assert model.weights_.sum() < 0.99
    # Through the clusters the densest level is that of the Gaussian part
    # (less its share); 15 units off them it was tens of nats lower.
    top = ax.collections[-1].levels.max()
    assert abs(top - reference.collections[-1].levels.max()) < 1.0


@pytest.mark.parametrize(
    "function, kwargs, error, match",
    [
        (plot_density, {"levels": 1, "filled": True}, ValueError, "at least 2"),
        (plot_density, {"levels": 2.5}, ValueError, "levels should be"),
        (plot_density, {"levels": [-5, -10]}, ValueError, "increasing"),
        (plot_components, {"n_std": np.inf}, ValueError, "positive finite"),
        (plot_components, {"ax": "left"}, TypeError, "matplotlib Axes"),
        (plot_components, {"feature_names": 3}, ValueError, "one name per feature"),
        (plot_pairs, {"figsize": 6}, ValueError, "pair of positive numbers"),
    ],
)
def test_plot_arguments_are_checked(fitted3d, data3d, function, kwargs, error, match):
    # matplotlib's own errors (or an AttributeError) came out before.
    with pytest.raises(error, match=match):
        function(fitted3d, data3d[0], **kwargs)


def test_empty_or_sparse_data_are_refused(fitted3d, data3d):
    from scipy import sparse

    with pytest.raises(ValueError, match="X has no rows"):
        plot_density(fitted3d, data3d[0][:0])
    with pytest.raises(TypeError, match="sparse"):
        plot_components(fitted3d, sparse.csr_matrix(data3d[0]))


@pytest.mark.parametrize("fitted_on_frame", [True, False])
def test_data_of_the_other_kind_than_the_fit_warns_nothing(data3d, fitted_on_frame):
    # An array given for a mixture fitted on a DataFrame (or the reverse)
    # was passed as is to predict, predict_proba and score_samples, which
    # leaked scikit-learn's feature-name UserWarning from every plot.
    pd = pytest.importorskip("pandas")
    X, _ = data3d
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    gm = GaussianMixture(n_components=3, random_state=0).fit(
        frame if fitted_on_frame else X
    )
    given = X if fitted_on_frame else frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_components(gm, given)
        plot_density(gm, given, grid=20)
        plot_density(gm, given, grid=20, filled=True)
        fig = plot_pairs(gm, given)
    expected = gm.predict(frame if fitted_on_frame else X)
    drawn = ax.collections[0].get_facecolors()
    assert len(np.unique(drawn, axis=0)) == len(np.unique(expected))
    assert len(fig.axes) == 9


def test_plot_criterion_checks_ax_and_empty_results():
    # ax="x" raised AttributeError 'str' object has no attribute 'plot' after
    # the work, and an empty results table numpy's "ufunc 'invert' not
    # supported".
    results = {"n_components": [1, 2], "covariance_type": ["VVV"] * 2, "bic": [3, 2]}
    with pytest.raises(TypeError, match="ax should be a matplotlib Axes"):
        plot_criterion(results, ax="x")
    empty = {key: [] for key in (*results, "degenerate")}
    with pytest.raises(ValueError, match="no rows"):
        plot_criterion(empty)


def test_plot_pairs_leaves_out_ellipses_far_larger_than_their_panel():
    # reg_covar around data in units of 1e-20 makes ellipses 1e20 times the
    # panel: Agg took minutes to render one. They are left out of the
    # panels, and ellipses of ordinary size are still drawn.
    X, _ = make_gaussian_mixture(300, n_components=2, n_features=2, random_state=1)
    for scale, drawn in ((1.0, 2), (1e-20, 0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # reg_covar swamps
            gm = GaussianMixture(2, random_state=0).fit(X * scale)
        fig = plot_pairs(gm, X * scale)
        fig.canvas.draw()
        off_diagonal = [fig.axes[1], fig.axes[2]]
        assert [
            sum(isinstance(p, Ellipse) for p in ax.patches) for ax in off_diagonal
        ] == [drawn, drawn]
        plt.close(fig)
