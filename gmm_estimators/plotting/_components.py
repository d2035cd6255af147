"""plot_components: the data by component with one ellipse per component."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._common import (
    _NOISE_COLOR,
    _NOISE_SIZE,
    _check_ax,
    _check_features,
    _check_n_std,
    _check_X,
    _component_colors,
    _draw_ellipses,
    _evaluate,
    _feature_names,
    _full_covariances,
    _import_matplotlib,
    _label_colors,
    _noise_rows,
    _resolve_mixture,
    _scatter_kws,
)

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
    estimator : fitted GaussianMixture, GaussianMixtureIC or mixture holder
        A fitted mixture with ``means_``, ``covariances_``, ``weights_`` and a
        registered ``covariance_type`` (a scikit-learn
        :class:`~sklearn.mixture.GaussianMixture` works too). For a fitted
        selector, its ``best_estimator_`` is drawn; for an estimator holding
        a fitted mixture in ``mixture_`` (the outlier detector, the imputer,
        the regressor, whose mixture is over ``[X, y]``), that mixture.
    X : array-like of shape (n_samples, n_features), default=None
        Data to scatter. If None, only the components are drawn.
    features : pair of int or str, default=(0, 1)
        Indices (or names, for an estimator fitted on a DataFrame) of the two
        features on the horizontal and vertical axes.
    labels : array-like of shape (n_samples,), default=None
        Labels colouring the points, for instance true classes. If None, the
        points are coloured by ``estimator.predict(X)``, in the colour of their
        component's ellipse. Rows labelled -1 (the noise component's, for a
        mixture fitted with ``noise=True``) are drawn small and light grey,
        as ``"noise"`` in the legend.
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
        data; a colour given (``c``, ``color``) replaces the labels' colours.
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
    TypeError
        If the estimator is neither a mixture nor holds one (for a
        classifier, pass one of its ``mixtures_``).
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
    estimator, hint = _resolve_mixture(estimator, "plot_components")
    means = np.asarray(estimator.means_, dtype=np.float64)
    n_components, n_features = means.shape
    names = _feature_names(estimator, X, feature_names, n_features)
    features = _check_features(features, n_features, names)
    n_std = _check_n_std(n_std)
    covariances = _full_covariances(estimator)
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    colors = _component_colors(n_components)
    collapsed = {int(k) for k in getattr(estimator, "collapsed_components_", ())}

    if _check_ax(ax) is None:
        _, ax = plt.subplots()

    noise = np.zeros(0, dtype=bool)
    predicted = labels is None
    if X is not None:
        X_array = _check_X(X, n_features, hint, estimator)
        if labels is None:
            labels = _evaluate(estimator, "predict", X_array)
        labels = np.asarray(labels)
        if labels.shape != (X_array.shape[0],):
            raise ValueError(
                f"labels should have shape ({X_array.shape[0]},) to match X, got "
                f"{labels.shape}."
            )
        # Rows labelled -1 (a noise component's) are small and light grey.
        noise = _noise_rows(labels)
        kws = {
            "s": np.where(noise, _NOISE_SIZE, 12.0),
            "c": _label_colors(labels, colors),
            "alpha": 0.7,
            "linewidths": 0,
            "zorder": 1,
        }
        kws = _scatter_kws(kws, scatter_kws)
        ax.scatter(X_array[:, features[0]], X_array[:, features[1]], **kws)
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
    noise_proportion = float(getattr(estimator, "noise_proportion_", 0.0) or 0.0)
    ax.set_title(
        f"{n_components} component{'s' if n_components > 1 else ''}"
        f"{' + noise' if noise_proportion > 0 else ''}, "
        f"covariance_type={estimator.covariance_type!r} ({n_std:g} std ellipses)"
    )
    if legend:
        handles, _ = ax.get_legend_handles_labels()
        if noise.any():
            from matplotlib.lines import Line2D

            noise_label = "noise"
            if predicted and noise_proportion > 0:
                noise_label += f": weight {noise_proportion:.2f}"
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=4,
                    markerfacecolor=_NOISE_COLOR,
                    markeredgecolor=_NOISE_COLOR,
                    label=noise_label,
                )
            )
        ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.8)
    return ax
