"""plot_pairs: pairwise scatter plots coloured by cluster."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from ._common import (
    _NOISE_SIZE,
    _check_features,
    _check_n_std,
    _check_X,
    _component_colors,
    _draw_ellipses,
    _evaluate,
    _feature_names,
    _full_covariances,
    _hard_labels,
    _import_matplotlib,
    _label_colors,
    _resolve_mixture,
)

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
    estimator : fitted GaussianMixture, GaussianMixtureIC or mixture holder
        A fitted mixture (or fitted selector, whose ``best_estimator_`` is
        used, or an estimator holding a fitted mixture in ``mixture_``). With
        a noise component, the rows more probably noise than any component
        are drawn as small light grey markers; the diagonal shows the
        Gaussian components' share of the density only.
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
    TypeError
        If the estimator is neither a mixture nor holds one.
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
    estimator, hint = _resolve_mixture(estimator, "plot_pairs")
    means = np.asarray(estimator.means_, dtype=np.float64)
    n_components, n_features = means.shape
    names = _feature_names(estimator, X, feature_names, n_features)
    if X is None:
        raise ValueError(
            "plot_pairs draws the data: pass X, an array of shape (n_samples, "
            f"{n_features})."
        )
    X_array = _check_X(X, n_features, hint, estimator)
    if features is None:
        features = list(range(n_features))
    else:
        if (
            isinstance(features, str | Integral)
            or not hasattr(features, "__len__")
            or not len(features)
        ):
            raise ValueError(
                f"features should be a list of at least one feature index or "
                f"name, got {features!r}."
            )
        features = _check_features(features, n_features, names, size=len(features))
    n_std = _check_n_std(n_std)
    covariances = _full_covariances(estimator)
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    colors = _component_colors(n_components)

    # With a noise component, predict_proba has an extra (last) column and
    # the rows it wins are labelled -1: drawn small and light grey.
    proba = np.asarray(_evaluate(estimator, "predict_proba", X_array), dtype=np.float64)
    labels = _hard_labels(proba, n_components)
    noise = labels == -1
    has_noise = proba.shape[1] > n_components
    point_colors = _label_colors(labels, colors)
    if uncertainty:
        uncertain = 1.0 - proba.max(axis=1)
        n_columns = proba.shape[1]
        largest = 1.0 - 1.0 / n_columns if n_columns > 1 else 1.0
        sizes = 6.0 + 90.0 * np.clip(uncertain / largest, 0.0, 1.0)
    else:
        sizes = np.full(X_array.shape[0], 10.0)
    sizes[noise] = _NOISE_SIZE

    m = len(features)
    if figsize is None:
        figsize = (2.4 * m + 0.6, 2.4 * m + 0.6)
    elif (
        isinstance(figsize, str)
        or not hasattr(figsize, "__len__")
        or len(figsize) != 2
        or not all(
            isinstance(v, Real) and not isinstance(v, bool) and 0 < v < np.inf
            for v in figsize
        )
    ):
        raise ValueError(
            f"figsize should be a pair of positive numbers (inches), got {figsize!r}."
        )
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
                        limits=(limits[col], limits[row]),
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
    title = f"{n_components} cluster{'s' if n_components > 1 else ''}"
    if has_noise:
        title += f" + noise ({int(noise.sum())} rows, light grey)"
    if uncertainty and proba.shape[1] > 1:
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
