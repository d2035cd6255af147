"""Plots of fitted Gaussian mixtures and of model-selection results.

Four helpers, in the spirit of R mclust's ``plot.Mclust``:

- :func:`plot_components`: the data coloured by component, with one ellipse per
  component (any covariance structure) on a chosen pair of features;
- :func:`plot_density`: contours of the fitted log-density;
- :func:`plot_criterion`: BIC (or AIC, ICL) against the number of components,
  one line per covariance structure, degenerate fits marked;
- :func:`plot_pairs`: a matrix of pairwise scatter plots coloured by cluster,
  with the classification uncertainty as marker size.

matplotlib is an optional dependency, imported only when a function is called
(``pip install matplotlib``, or ``pip install ".[plot]"`` from a clone of the
repository).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._covariance import get_covariance_model

__all__ = ["plot_components", "plot_criterion", "plot_density", "plot_pairs"]

# One marker per structure in plot_criterion (14 structures in the family).
_MARKERS = ("o", "s", "^", "v", "D", "<", ">", "p", "h", "*", "P", "X", "d", "8")

_CRITERION_LABELS = {
    "bic": ("BIC", "-2 log L + p log n"),
    "aic": ("AIC", "-2 log L + 2 p"),
    "icl": ("ICL", "BIC + 2 x classification entropy"),
}


# ----------------------------------------------------------------------------
# Shared helpers


def _import_matplotlib():
    """Import matplotlib.pyplot lazily, with an actionable error message."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a test extra
        raise ImportError(
            "gmm_estimators.plotting requires matplotlib, which is not installed. "
            "Install it with 'pip install matplotlib' (or, from a clone of the "
            "gmm_estimators repository, 'pip install \".[plot]\"')."
        ) from exc
    return plt


def _resolve_mixture(estimator):
    """The fitted mixture behind ``estimator`` (a mixture or a fitted selector)."""
    if hasattr(estimator, "best_estimator_"):
        estimator = estimator.best_estimator_
    check_is_fitted(estimator, ["means_", "covariances_", "weights_"])
    # Raises a clear ValueError for an unknown structure.
    get_covariance_model(estimator.covariance_type)
    return estimator


def _full_covariances(estimator):
    """Component covariances as a float64 ``(K, d, d)`` stack."""
    n_components, n_features = np.shape(estimator.means_)
    model = get_covariance_model(estimator.covariance_type)
    covariances = np.asarray(estimator.covariances_, dtype=np.float64)
    return np.asarray(model.to_full(covariances, n_components, n_features))


def _estimator_feature_names(estimator, X=None):
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and X is not None and hasattr(X, "columns"):
        names = X.columns
    return None if names is None else [str(name) for name in names]


def _feature_names(estimator, X, feature_names, n_features):
    if feature_names is None:
        feature_names = _estimator_feature_names(estimator, X)
    if feature_names is None:
        return [f"feature {j}" for j in range(n_features)]
    feature_names = [str(name) for name in feature_names]
    if len(feature_names) != n_features:
        raise ValueError(
            f"feature_names has {len(feature_names)} entries but the estimator has "
            f"{n_features} features."
        )
    return feature_names


def _check_features(features, n_features, names, *, size=2):
    """Validate a pair of feature indices (or names); return a list of ints."""
    if isinstance(features, str | Integral) or not hasattr(features, "__len__"):
        raise ValueError(
            f"features should be a pair of feature indices such as (0, 1), got "
            f"{features!r}."
        )
    features = list(features)
    if len(features) != size:
        raise ValueError(
            f"features should contain exactly {size} features, got {features!r}."
        )
    if n_features < size:
        raise ValueError(
            f"This plot needs at least {size} features; the estimator was fitted "
            f"on {n_features}."
        )
    indices = []
    for feature in features:
        if isinstance(feature, str):
            if feature not in names:
                raise ValueError(
                    f"Unknown feature name {feature!r}; the features are {names}."
                )
            indices.append(names.index(feature))
        elif isinstance(feature, Integral) and not isinstance(feature, bool):
            if not 0 <= feature < n_features:
                raise ValueError(
                    f"Feature index {feature} in features={tuple(features)!r} is out "
                    f"of range: the estimator has {n_features} features, so indices "
                    f"must be in 0..{n_features - 1}."
                )
            indices.append(int(feature))
        else:
            raise ValueError(
                f"features should contain feature indices (int) or names (str), got "
                f"{feature!r}."
            )
    if len(set(indices)) != len(indices):
        raise ValueError(f"features should be distinct, got {tuple(features)!r}.")
    return indices


def _check_X(X, n_features):
    """X as a finite float64 2-D array with the estimator's number of features."""
    array = np.asarray(X, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"X should be a 2-D array of shape (n_samples, n_features), got an "
            f"array of shape {array.shape}."
        )
    if array.shape[1] != n_features:
        raise ValueError(
            f"X has {array.shape[1]} features, but the estimator was fitted on "
            f"{n_features} features."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("X contains NaN or infinity; plot only finite data.")
    return array


def _check_n_std(n_std):
    if isinstance(n_std, bool) or not isinstance(n_std, Real) or not n_std > 0:
        raise ValueError(f"n_std should be a positive number, got {n_std!r}.")
    return float(n_std)


def _component_colors(n_colors):
    """A list of distinct RGBA colours, one per component."""
    import matplotlib as mpl

    if n_colors <= 10:
        cmap = mpl.colormaps["tab10"]
        return [cmap(i) for i in range(n_colors)]
    if n_colors <= 20:
        cmap = mpl.colormaps["tab20"]
        return [cmap(i) for i in range(n_colors)]
    cmap = mpl.colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.0, 1.0, n_colors)]


def _ellipse_geometry(covariance, n_std):
    """Width, height and angle (degrees) of the ``n_std`` ellipse of a 2x2 matrix."""
    values, vectors = np.linalg.eigh(0.5 * (covariance + covariance.T))
    values = np.clip(values, 0.0, None)
    width, height = 2.0 * n_std * np.sqrt(values[::-1])
    angle = math.degrees(math.atan2(vectors[1, -1], vectors[0, -1]))
    return width, height, angle


def _draw_ellipses(
    ax,
    means,
    covariances,
    features,
    colors,
    n_std,
    *,
    collapsed=(),
    ellipse_kws=None,
    labels=None,
):
    from matplotlib.patches import Ellipse

    pair = np.ix_(features, features)
    patches = []
    for k, (mean, covariance) in enumerate(zip(means, covariances, strict=True)):
        width, height, angle = _ellipse_geometry(covariance[pair], n_std)
        kws = {
            "facecolor": (*colors[k][:3], 0.15),
            "edgecolor": colors[k],
            "linewidth": 1.8,
            "linestyle": "--" if k in collapsed else "-",
            "zorder": 2,
        }
        if labels is not None:
            kws["label"] = labels[k]
        kws.update(ellipse_kws or {})
        patch = Ellipse(mean[features], width, height, angle=angle, **kws)
        ax.add_patch(patch)
        patches.append(patch)
    return patches


def _label_colors(labels, colors):
    """Map component labels (ints) or arbitrary labels to colours."""
    labels = np.asarray(labels)
    if (
        np.issubdtype(labels.dtype, np.integer)
        and labels.size
        and (labels.min() >= 0 and labels.max() < len(colors))
    ):
        return [colors[i] for i in labels]
    _, inverse = np.unique(labels, return_inverse=True)
    palette = _component_colors(int(inverse.max()) + 1 if inverse.size else 1)
    return [palette[i] for i in inverse.ravel()]


def _as_model_input(estimator, array):
    """Rows to pass to the estimator: a DataFrame if it was fitted on one."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return array
    import pandas as pd  # the estimator was fitted on a DataFrame

    return pd.DataFrame(array, columns=names)


# ----------------------------------------------------------------------------
# plot_components


def plot_components(
    estimator,
    X=None,
    *,
    features=(0, 1),
    labels=None,
    ax=None,
    n_std=2.0,
    feature_names=None,
    show_means=True,
    legend=True,
    scatter_kws=None,
    ellipse_kws=None,
):
    """Plot the data coloured by component and an ellipse for each component.

    Each component is drawn as the ellipse of points at Mahalanobis distance
    ``n_std`` from its mean, for any covariance structure (the structure's
    parameters are expanded to full matrices first). With more than two
    features, the picture is the projection on the chosen pair: ellipses of
    the marginal covariances of those two features, and the means' two
    coordinates.

    Parameters
    ----------
    estimator : fitted GaussianMixture or GaussianMixtureIC
        A fitted mixture with ``means_``, ``covariances_``, ``weights_`` and a
        registered ``covariance_type`` (a scikit-learn
        :class:`~sklearn.mixture.GaussianMixture` works too). For a fitted
        selector, its ``best_estimator_`` is drawn.
    X : array-like of shape (n_samples, n_features), default=None
        Data to scatter. If None, only the components are drawn.
    features : pair of int or str, default=(0, 1)
        Indices (or names, for an estimator fitted on a DataFrame) of the two
        features on the horizontal and vertical axes.
    labels : array-like of shape (n_samples,), default=None
        Labels colouring the points, for instance true classes. If None, the
        points are coloured by ``estimator.predict(X)``, in the colour of their
        component's ellipse.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created if None.
    n_std : float, default=2.0
        Radius of the ellipses in standard deviations (Mahalanobis distance).
        In two dimensions, the ellipse of radius ``r`` holds a fraction
        ``1 - exp(-r**2 / 2)`` of its component: 39% for 1, 86% for 2, 99% for
        3.
    feature_names : list of str, default=None
        Names for the axis labels; defaults to the estimator's
        ``feature_names_in_`` (or the columns of a DataFrame ``X``), else
        ``"feature j"``.
    show_means : bool, default=True
        Mark each component's mean with a cross.
    legend : bool, default=True
        Add a legend naming each component and its weight.
    scatter_kws : dict, default=None
        Extra keyword arguments for :meth:`matplotlib.axes.Axes.scatter` of the
        data.
    ellipse_kws : dict, default=None
        Extra keyword arguments for :class:`matplotlib.patches.Ellipse`.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on. It holds one :class:`~matplotlib.patches.Ellipse`
        per component, in component order.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``features`` does not name two distinct features of the estimator,
        or ``X`` does not have the estimator's number of features.

    See Also
    --------
    plot_density : Contours of the fitted density.
    plot_pairs : Every pair of features at once.

    Notes
    -----
    Components whose covariance collapsed (listed in the estimator's
    ``collapsed_components_``) are drawn with a dashed outline.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.plotting import plot_components
    >>> X = load_old_faithful(return_X_y=True)
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> ax = plot_components(gm, X)
    >>> len(ax.patches)
    2
    """
    plt = _import_matplotlib()
    estimator = _resolve_mixture(estimator)
    means = np.asarray(estimator.means_, dtype=np.float64)
    n_components, n_features = means.shape
    names = _feature_names(estimator, X, feature_names, n_features)
    features = _check_features(features, n_features, names)
    n_std = _check_n_std(n_std)
    covariances = _full_covariances(estimator)
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    colors = _component_colors(n_components)
    collapsed = {int(k) for k in getattr(estimator, "collapsed_components_", ())}

    if ax is None:
        _, ax = plt.subplots()

    if X is not None:
        X_array = _check_X(X, n_features)
        if labels is None:
            labels = estimator.predict(X)
        labels = np.asarray(labels)
        if labels.shape != (X_array.shape[0],):
            raise ValueError(
                f"labels should have shape ({X_array.shape[0]},) to match X, got "
                f"{labels.shape}."
            )
        kws = {"s": 12, "alpha": 0.7, "linewidths": 0, "zorder": 1}
        kws.update(scatter_kws or {})
        ax.scatter(
            X_array[:, features[0]],
            X_array[:, features[1]],
            c=_label_colors(labels, colors),
            **kws,
        )
    elif labels is not None:
        raise ValueError("labels were given without X; pass the data they label.")

    component_labels = [
        f"{k}: weight {weights[k]:.2f}" + (" (collapsed)" if k in collapsed else "")
        for k in range(n_components)
    ]
    _draw_ellipses(
        ax,
        means,
        covariances,
        features,
        colors,
        n_std,
        collapsed=collapsed,
        ellipse_kws=ellipse_kws,
        labels=component_labels,
    )
    if show_means:
        ax.scatter(
            means[:, features[0]],
            means[:, features[1]],
            marker="X",
            s=70,
            c=colors,
            edgecolors="black",
            linewidths=1.0,
            zorder=3,
        )
    ax.autoscale_view()
    ax.set_xlabel(names[features[0]])
    ax.set_ylabel(names[features[1]])
    ax.set_title(
        f"{n_components} component{'s' if n_components > 1 else ''}, "
        f"covariance_type={estimator.covariance_type!r} ({n_std:g} std ellipses)"
    )
    if legend:
        ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


# ----------------------------------------------------------------------------
# plot_density


def plot_density(
    estimator,
    X=None,
    *,
    features=(0, 1),
    ax=None,
    levels=10,
    grid=100,
    feature_names=None,
    filled=False,
    colorbar=True,
    cmap="viridis",
    scatter_kws=None,
):
    """Plot contours of the fitted log-density on a pair of features.

    The log-density ``log p(x)`` (``estimator.score_samples``) is evaluated on
    a regular grid covering the data (or, without data, three standard
    deviations around every component) and drawn as contour lines. Equally
    spaced levels of the log-density are geometrically spaced levels of the
    density, so both the modes and the tails are visible.

    With more than two features the plot is a *slice*, not a marginal: the
    features not shown are fixed at the mixture's overall mean
    ``sum_k weights_[k] * means_[k]``, and the contours are those of the full
    ``d``-dimensional log-density along that plane.

    Parameters
    ----------
    estimator : fitted GaussianMixture or GaussianMixtureIC
        A fitted mixture (or a fitted selector, whose ``best_estimator_`` is
        used).
    X : array-like of shape (n_samples, n_features), default=None
        Data to scatter under the contours; also sets the plotted range.
    features : pair of int or str, default=(0, 1)
        The two features on the horizontal and vertical axes.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created if None.
    levels : int or array-like, default=10
        Number of contour levels, or the log-density values to draw. An
        integer gives equally spaced levels from the 1% quantile of the
        data's log-density (10 below the maximum without ``X``) up to the
        maximum on the grid.
    grid : int or pair of int, default=100
        Number of grid points along each axis.
    feature_names : list of str, default=None
        Names for the axis labels (see :func:`plot_components`).
    filled : bool, default=False
        Draw filled contours instead of lines.
    colorbar : bool, default=True
        Add a colour bar of the log-density.
    cmap : str or Colormap, default="viridis"
        Colour map of the contours.
    scatter_kws : dict, default=None
        Extra keyword arguments for the scatter of ``X``.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``features`` is invalid, ``grid`` is smaller than 2, or ``X`` does
        not match the estimator.

    See Also
    --------
    plot_components : Data and component ellipses.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.plotting import plot_density
    >>> X = load_old_faithful(return_X_y=True)
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> ax = plot_density(gm, X, levels=8, grid=50)
    >>> ax.get_xlabel()
    'feature 0'
    """
    plt = _import_matplotlib()
    estimator = _resolve_mixture(estimator)
    means = np.asarray(estimator.means_, dtype=np.float64)
    n_components, n_features = means.shape
    names = _feature_names(estimator, X, feature_names, n_features)
    features = _check_features(features, n_features, names)
    grid_x, grid_y = _check_grid(grid)
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    center = weights @ means

    X_array = None if X is None else _check_X(X, n_features)
    limits = []
    for feature in features:
        if X_array is not None:
            low, high = X_array[:, feature].min(), X_array[:, feature].max()
        else:
            std = np.sqrt(_full_covariances(estimator)[:, feature, feature])
            low = np.min(means[:, feature] - 3 * std)
            high = np.max(means[:, feature] + 3 * std)
        pad = 0.1 * (high - low) if high > low else max(abs(low), 1.0) * 0.1
        limits.append((low - pad, high + pad))

    xs = np.linspace(*limits[0], grid_x)
    ys = np.linspace(*limits[1], grid_y)
    xx, yy = np.meshgrid(xs, ys)
    points = np.tile(center, (xx.size, 1))
    points[:, features[0]] = xx.ravel()
    points[:, features[1]] = yy.ravel()
    log_density = np.asarray(
        estimator.score_samples(_as_model_input(estimator, points)), dtype=np.float64
    ).reshape(xx.shape)

    if ax is None:
        _, ax = plt.subplots()
    if X_array is not None:
        kws = {"s": 8, "color": "0.35", "alpha": 0.6, "linewidths": 0, "zorder": 1}
        kws.update(scatter_kws or {})
        ax.scatter(X_array[:, features[0]], X_array[:, features[1]], **kws)
    if isinstance(levels, Integral) and not isinstance(levels, bool):
        levels = _default_levels(estimator, X, log_density, levels)
    contour_kws = {"levels": levels, "cmap": cmap, "zorder": 2}
    if filled:
        # Below the lowest level stays blank, so the tails do not flood the axes.
        contours = ax.contourf(xx, yy, log_density, extend="max", **contour_kws)
    else:
        contours = ax.contour(xx, yy, log_density, **contour_kws)
    if colorbar:
        ax.figure.colorbar(contours, ax=ax, label="log-density", format="%.3g")
    ax.set_xlim(limits[0])
    ax.set_ylim(limits[1])
    ax.set_xlabel(names[features[0]])
    ax.set_ylabel(names[features[1]])
    title = f"Log-density, {n_components} component{'s' if n_components > 1 else ''}"
    if n_features > 2:
        title += " (slice: other features at their mean)"
    ax.set_title(title)
    return ax


def _default_levels(estimator, X, log_density, n_levels):
    """Equally spaced log-density levels over the range that matters.

    From the densest point of the grid down to the 1% quantile of the data's
    log-density (or 10 nats below the top without data): levels far out in
    the tails would otherwise take most of the contours.
    """
    if n_levels < 1:
        raise ValueError(f"levels should be a positive integer, got {n_levels!r}.")
    finite = log_density[np.isfinite(log_density)]
    if finite.size == 0:
        return n_levels
    top = float(finite.max())
    if X is not None:
        scores = np.asarray(estimator.score_samples(X), dtype=np.float64)
        scores = scores[np.isfinite(scores)]
        bottom = float(np.quantile(scores, 0.01)) if scores.size else top - 10.0
    else:
        bottom = top - 10.0
    bottom = max(bottom, float(finite.min()))
    if not bottom < top:
        return n_levels
    return np.linspace(bottom, top, n_levels + 1)[:-1]


def _check_grid(grid):
    if isinstance(grid, Integral):
        values = (grid, grid)
    elif isinstance(grid, tuple | list):
        values = tuple(grid)
    else:
        values = ()
    if len(values) != 2 or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 2 for v in values
    ):
        raise ValueError(
            f"grid should be an integer >= 2 or a pair of them, got {grid!r}."
        )
    return int(values[0]), int(values[1])


# ----------------------------------------------------------------------------
# plot_criterion


def _results_table(selector_or_results):
    """``(results dict, selector or None)`` from a fitted selector or a table."""
    if hasattr(selector_or_results, "get_params"):  # an estimator
        check_is_fitted(selector_or_results, "results_")
        return dict(selector_or_results.results_), selector_or_results
    if hasattr(selector_or_results, "to_dict") and hasattr(
        selector_or_results, "columns"
    ):  # a DataFrame
        frame = selector_or_results
        return {column: list(frame[column]) for column in frame.columns}, None
    if isinstance(selector_or_results, dict):
        return dict(selector_or_results), None
    raise TypeError(
        "plot_criterion expects a fitted GaussianMixtureIC, its results_ dict or a "
        f"DataFrame of it; got {type(selector_or_results).__name__}."
    )


def _selector_criterion(selector):
    """Name of the criterion a selector optimised."""
    for attribute in ("criterion_", "criterion"):
        value = getattr(selector, attribute, None)
        if isinstance(value, str):
            return value.lower()
    return None


def plot_criterion(
    selector_or_results,
    *,
    criterion="bic",
    ax=None,
    mclust_sign=False,
    legend=True,
):
    """Plot an information criterion against the number of components.

    One line per covariance structure, as R mclust's BIC plot. Candidates
    whose fit was degenerate (a collapsed component) are drawn as hollow
    markers and left out of the lines: their criterion is not meaningful and
    a selector never picks them. The selected model is circled.

    Parameters
    ----------
    selector_or_results : fitted GaussianMixtureIC, dict or DataFrame
        A fitted selector, or its ``results_`` (a dict of lists, or a
        :class:`pandas.DataFrame` of it) with at least the keys
        ``"n_components"``, ``"covariance_type"`` and ``criterion``;
        ``"degenerate"`` is used when present.
    criterion : str, default="bic"
        Column to plot: ``"bic"``, ``"aic"``, ``"icl"`` (or any numeric column
        of the results).
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created if None.
    mclust_sign : bool, default=False
        If False, plot the criterion as scikit-learn and this package compute
        it, lower is better (``BIC = -2 log L + p log n``). If True, plot its
        negative as R mclust does (``2 log L - p log n``), higher is better.
        The axis label states which.
    legend : bool, default=True
        Add a legend of the structures.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on. ``ax.lines`` holds exactly one line per covariance
        structure, in the order the structures appear in the results.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If a selector is given that is not fitted.
    ValueError
        If the results lack a required column.

    See Also
    --------
    gmm_estimators.model_selection.GaussianMixtureIC : The selector.

    Notes
    -----
    The circled model is the selector's choice when ``criterion`` is the one
    the selector optimised; otherwise (or for a plain results table) it is the
    non-degenerate candidate with the best value of the plotted criterion.
    Candidates whose criterion is not finite are not drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gmm_estimators.plotting import plot_criterion
    >>> results = {
    ...     "n_components": [1, 2, 3, 1, 2, 3],
    ...     "covariance_type": ["VVV"] * 3 + ["VII"] * 3,
    ...     "bic": [2607.6, 2322.2, 2349.1, 4024.7, 3458.3, 3336.6],
    ...     "degenerate": [False, False, True, False, False, False],
    ... }
    >>> ax = plot_criterion(results)
    >>> len(ax.lines)
    2
    """
    plt = _import_matplotlib()
    results, selector = _results_table(selector_or_results)
    if not isinstance(criterion, str):
        raise ValueError(f"criterion should be a column name, got {criterion!r}.")
    for key in ("n_components", "covariance_type", criterion):
        if key not in results:
            numeric = [
                name
                for name, values in results.items()
                if name not in ("n_components", "rank")
                and len(values)
                and isinstance(values[0], Real)
                and not isinstance(values[0], bool | np.bool_)
            ]
            what = "criterion" if key == criterion else "column"
            raise ValueError(
                f"The results have no {what} {key!r}; available numeric columns: "
                f"{numeric}."
            )
    n_components = np.asarray(results["n_components"], dtype=np.int64)
    structures = [str(value) for value in results["covariance_type"]]
    values = np.asarray(results[criterion], dtype=np.float64)
    if "degenerate" in results:
        degenerate = np.asarray(
            [
                bool(value) if value is not None else False
                for value in results["degenerate"]
            ]
        )
    else:
        degenerate = np.zeros(values.shape, dtype=bool)
    if not (len(n_components) == len(structures) == len(values) == len(degenerate)):
        raise ValueError("The results' columns do not all have the same length.")
    sign = -1.0 if mclust_sign else 1.0
    shown = sign * values

    # The model to circle.
    chosen = None
    if selector is not None and _selector_criterion(selector) == criterion.lower():
        chosen_k = int(selector.n_components_)
        chosen_type = str(selector.covariance_type_)
        for i in range(len(values)):
            if n_components[i] == chosen_k and structures[i] == chosen_type:
                chosen = i
                break
    if chosen is None:
        eligible = np.flatnonzero(~degenerate & np.isfinite(values))
        if eligible.size:
            chosen = int(eligible[np.argmin(values[eligible])])

    if ax is None:
        _, ax = plt.subplots()
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    order = list(dict.fromkeys(structures))
    colors = _component_colors(len(order))
    any_degenerate = False
    for i, structure in enumerate(order):
        rows = np.array([j for j, s in enumerate(structures) if s == structure])
        rows = rows[np.argsort(n_components[rows], kind="stable")]
        marker = _MARKERS[i % len(_MARKERS)]
        good = ~degenerate[rows] & np.isfinite(values[rows])
        line_values = np.where(good, shown[rows], np.nan)
        ax.plot(
            n_components[rows],
            line_values,
            marker=marker,
            color=colors[i],
            label=_structure_label(structure),
            markersize=6,
            linewidth=1.5,
        )
        bad = degenerate[rows] & np.isfinite(values[rows])
        if bad.any():
            any_degenerate = True
            ax.scatter(
                n_components[rows][bad],
                shown[rows][bad],
                marker=marker,
                facecolors="none",
                edgecolors=[colors[i]],
                s=45,
                linewidths=1.5,
                zorder=3,
                label="_nolegend_",
            )
    handles = [line for line in ax.lines]
    if any_degenerate:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="none",
                markeredgecolor="0.3",
                label="degenerate (not selectable)",
            )
        )
    if chosen is not None:
        ax.scatter(
            [n_components[chosen]],
            [shown[chosen]],
            s=260,
            facecolors="none",
            edgecolors="black",
            linewidths=2.0,
            zorder=4,
            label="_nolegend_",
        )
        ax.annotate(
            f"K={n_components[chosen]}, {structures[chosen]}",
            (n_components[chosen], shown[chosen]),
            xytext=(10, 10),
            textcoords="offset points",
            fontsize="small",
            fontweight="bold",
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="none",
                markeredgecolor="black",
                markersize=12,
                markeredgewidth=2,
                label="selected",
            )
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of components K")
    ax.set_ylabel(_criterion_label(criterion, mclust_sign))
    name = _CRITERION_LABELS.get(criterion.lower(), (criterion, ""))[0]
    ax.set_title(f"Model selection by {name}")
    ax.grid(True, alpha=0.3)
    if legend:
        if len(order) > 6:  # many structures: keep the legend off the lines
            ax.legend(
                handles=handles,
                fontsize="small",
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                borderaxespad=0.0,
            )
        else:
            ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.8)
    return ax


def _structure_label(structure):
    try:
        model = get_covariance_model(structure)
    except ValueError:
        return structure
    if structure == model.name and model.aliases:
        return f"{model.name} ({model.aliases[0]})"
    if structure != model.name:
        return f"{structure} ({model.name})"
    return structure


def _criterion_label(criterion, mclust_sign):
    name, formula = _CRITERION_LABELS.get(criterion.lower(), (criterion, None))
    if formula is None:
        return f"-{name} (higher is better)" if mclust_sign else name
    if mclust_sign:
        return f"-{name} = -({formula}), mclust's sign: higher is better"
    return f"{name} = {formula}: lower is better"


# ----------------------------------------------------------------------------
# plot_pairs


def plot_pairs(
    estimator,
    X,
    *,
    uncertainty=True,
    feature_names=None,
    features=None,
    n_std=2.0,
    ellipses=True,
    figsize=None,
):
    """Plot every pair of features, points coloured by cluster.

    A ``d x d`` grid of Axes: below and above the diagonal, the scatter plot
    of one feature against another with each component's ellipse; on the
    diagonal, the histogram of the feature with the mixture's marginal density
    and each component's weighted share of it. With ``uncertainty=True``,
    points whose cluster is uncertain are drawn larger, as mclust's
    uncertainty plot: the uncertainty of a row is ``1 - max_k p(k | x)``.

    Parameters
    ----------
    estimator : fitted GaussianMixture or GaussianMixtureIC
        A fitted mixture (or fitted selector, whose ``best_estimator_`` is
        used).
    X : array-like of shape (n_samples, n_features)
        Data to plot.
    uncertainty : bool, default=True
        Scale the marker size with the classification uncertainty. If False,
        all markers have the same size.
    feature_names : list of str, default=None
        Names of the features for the axis labels (see
        :func:`plot_components`).
    features : list of int or str, default=None
        Subset of features to show, in order; all features if None.
    n_std : float, default=2.0
        Radius of the ellipses in standard deviations.
    ellipses : bool, default=True
        Draw each component's ellipse on the off-diagonal plots.
    figsize : pair of float, default=None
        Figure size in inches; defaults to 2.4 inches per feature.

    Returns
    -------
    fig : matplotlib Figure
        The figure; ``fig.axes`` holds the ``d x d`` Axes row by row.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``X`` or ``features`` do not match the estimator.

    See Also
    --------
    plot_components : One pair of features, larger.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import make_gaussian_mixture
    >>> from gmm_estimators.plotting import plot_pairs
    >>> X, _ = make_gaussian_mixture(300, n_components=3, n_features=3,
    ...                              random_state=0)
    >>> gm = GaussianMixture(n_components=3, random_state=0).fit(X)
    >>> fig = plot_pairs(gm, X)
    >>> len(fig.axes)
    9
    """
    plt = _import_matplotlib()
    estimator = _resolve_mixture(estimator)
    means = np.asarray(estimator.means_, dtype=np.float64)
    n_components, n_features = means.shape
    names = _feature_names(estimator, X, feature_names, n_features)
    X_array = _check_X(X, n_features)
    if features is None:
        features = list(range(n_features))
    else:
        if isinstance(features, str | Integral) or not hasattr(features, "__len__"):
            raise ValueError(
                f"features should be a list of feature indices or names, got "
                f"{features!r}."
            )
        features = _check_features(
            features, n_features, names, size=max(len(features), 1)
        )
    n_std = _check_n_std(n_std)
    covariances = _full_covariances(estimator)
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    colors = _component_colors(n_components)

    proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    labels = np.argmax(proba, axis=1)
    point_colors = [colors[k] for k in labels]
    if uncertainty:
        uncertain = 1.0 - proba.max(axis=1)
        largest = 1.0 - 1.0 / n_components if n_components > 1 else 1.0
        sizes = 6.0 + 90.0 * np.clip(uncertain / largest, 0.0, 1.0)
    else:
        sizes = np.full(X_array.shape[0], 10.0)

    m = len(features)
    if figsize is None:
        figsize = (2.4 * m + 0.6, 2.4 * m + 0.6)
    fig, axes = plt.subplots(m, m, figsize=figsize, squeeze=False)
    limits = []
    for feature in features:
        low, high = X_array[:, feature].min(), X_array[:, feature].max()
        pad = 0.08 * (high - low) if high > low else 1.0
        limits.append((low - pad, high + pad))

    for row, feature_y in enumerate(features):
        for col, feature_x in enumerate(features):
            ax = axes[row, col]
            if row == col:
                _diagonal_density(
                    ax,
                    X_array[:, feature_x],
                    means[:, feature_x],
                    covariances[:, feature_x, feature_x],
                    weights,
                    colors,
                    limits[col],
                )
            else:
                ax.scatter(
                    X_array[:, feature_x],
                    X_array[:, feature_y],
                    c=point_colors,
                    s=sizes,
                    alpha=0.6,
                    linewidths=0,
                    zorder=1,
                )
                if ellipses:
                    _draw_ellipses(
                        ax,
                        means,
                        covariances,
                        [feature_x, feature_y],
                        colors,
                        n_std,
                        ellipse_kws={"facecolor": "none", "linewidth": 1.2},
                    )
                ax.set_ylim(limits[row])
            ax.set_xlim(limits[col])
            if row == m - 1:
                ax.set_xlabel(names[feature_x])
            else:
                ax.tick_params(labelbottom=False)
            if col == 0 and row != col:
                ax.set_ylabel(names[feature_y])
            elif col == 0:
                ax.set_ylabel(f"{names[feature_y]}\n(density)")
            if col != 0:
                ax.tick_params(labelleft=False)
    title = f"{n_components} clusters"
    if uncertainty and n_components > 1:
        title += ": marker size shows uncertainty 1 - max posterior"
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _diagonal_density(ax, values, means, variances, weights, colors, limits):
    """Histogram of one feature with the mixture's marginal density on top."""
    ax.hist(values, bins="auto", density=True, color="0.85", edgecolor="0.6")
    grid = np.linspace(*limits, 200)
    std = np.sqrt(np.clip(variances, np.finfo(float).tiny, None))
    parts = (
        weights[:, np.newaxis]
        * np.exp(-0.5 * ((grid - means[:, np.newaxis]) / std[:, np.newaxis]) ** 2)
        / (np.sqrt(2.0 * np.pi) * std[:, np.newaxis])
    )
    for k, part in enumerate(parts):
        ax.plot(grid, part, color=colors[k], linewidth=1.0)
    ax.plot(grid, parts.sum(axis=0), color="black", linewidth=1.5)
