"""plot_density: contours of the fitted log-density."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from ._common import (
    _check_ax,
    _check_features,
    _check_X,
    _evaluate,
    _feature_names,
    _full_covariances,
    _import_matplotlib,
    _resolve_mixture,
    _scatter_kws,
)

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
    estimator : fitted GaussianMixture, GaussianMixtureIC or mixture holder
        A fitted mixture (or a fitted selector, whose ``best_estimator_`` is
        used, or an estimator holding a fitted mixture in ``mixture_``). With
        a noise component, the log-density includes the noise's uniform
        density.
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
        Add a colour bar of the log-density (with a single contour line,
        which a colour bar cannot show, the line is labelled with its value).
    cmap : str or Colormap, default="viridis"
        Colour map of the contours.
    scatter_kws : dict, default=None
        Extra keyword arguments for the scatter of ``X``; a colour given
        (``c``, ``color``) replaces the default grey.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If the estimator is neither a mixture nor holds one.
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
    estimator, hint = _resolve_mixture(estimator, "plot_density")
    means = np.asarray(estimator.means_, dtype=np.float64)
    n_components, n_features = means.shape
    names = _feature_names(estimator, X, feature_names, n_features)
    features = _check_features(features, n_features, names)
    grid_x, grid_y = _check_grid(grid)
    weights = np.asarray(estimator.weights_, dtype=np.float64)
    # The Gaussian components' mean (with a noise component their weights
    # sum to less than one).
    center = weights @ means / weights.sum()

    X_array = None if X is None else _check_X(X, n_features, hint, estimator)
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
        _evaluate(estimator, "score_samples", points), dtype=np.float64
    ).reshape(xx.shape)

    if _check_ax(ax) is None:
        _, ax = plt.subplots()
    if X_array is not None:
        kws = {"s": 8, "color": "0.35", "alpha": 0.6, "linewidths": 0, "zorder": 1}
        kws = _scatter_kws(kws, scatter_kws)
        ax.scatter(X_array[:, features[0]], X_array[:, features[1]], **kws)
    levels = _check_levels(levels, filled)
    if isinstance(levels, Integral):
        levels = _default_levels(estimator, X_array, log_density, levels)
    contour_kws = {"levels": levels, "cmap": cmap, "zorder": 2}
    if filled:
        # Below the lowest level stays blank, so the tails do not flood the axes.
        contours = ax.contourf(xx, yy, log_density, extend="max", **contour_kws)
    else:
        contours = ax.contour(xx, yy, log_density, **contour_kws)
    if colorbar and len(contours.levels) > 1:
        ax.figure.colorbar(contours, ax=ax, label="log-density", format="%.3g")
    elif colorbar and not filled:
        # matplotlib's colorbar needs two levels: one line is labelled instead.
        ax.clabel(contours, fmt="%.3g")
    ax.set_xlim(limits[0])
    ax.set_ylim(limits[1])
    ax.set_xlabel(names[features[0]])
    ax.set_ylabel(names[features[1]])
    title = f"Log-density, {n_components} component{'s' if n_components > 1 else ''}"
    if n_features > 2:
        title += " (slice: other features at their mean)"
    ax.set_title(title)
    return ax


def _check_levels(levels, filled):
    """A number of levels, or increasing finite values (two at least if filled)."""
    least = 2 if filled else 1
    if isinstance(levels, Integral) and not isinstance(levels, bool):
        if levels < least:
            raise ValueError(
                f"levels should be an integer of at least {least}"
                f"{' with filled=True' if filled else ''}, got {levels!r}."
            )
        return int(levels)
    values = None
    if not isinstance(levels, bool | str | Real):
        try:
            values = np.asarray(levels, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
    if (
        values is None
        or values.ndim != 1
        or values.size < least
        or not np.all(np.isfinite(values))
        or np.any(np.diff(values) <= 0)
    ):
        raise ValueError(
            "levels should be a number of levels or increasing finite log-density "
            f"values ({least} at least{' with filled=True' if filled else ''}), "
            f"got {levels!r}."
        )
    return values


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
        scores = np.asarray(_evaluate(estimator, "score_samples", X), dtype=np.float64)
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
