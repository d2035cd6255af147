"""Shared helpers of the plots: lazy matplotlib, validation, ellipses, colours."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import math
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_is_fitted

from .._fitted import fitted_model
from .._warn import names_checked

# One marker per structure in plot_criterion (14 structures in the family).
_MARKERS = ("o", "s", "^", "v", "D", "<", ">", "p", "h", "*", "P", "X", "d", "8")

_MIXTURE_ATTRIBUTES = ("means_", "covariances_", "weights_")

# Rows a model assigns to its noise component (label -1): light grey, small.
_NOISE_COLOR = (0.72, 0.72, 0.72, 1.0)
_NOISE_SIZE = 5.0

_CRITERION_LABELS = {
    "bic": ("BIC", "-2 log L + p log n"),
    "aic": ("AIC", "-2 log L + 2 p"),
    "icl": ("ICL", "BIC - 2 sum log(MAP posterior)"),
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


def _package_classes():
    """The package's estimators that hold a mixture (imported lazily)."""
    from .. import (
        GaussianMixtureClassifier,
        GaussianMixtureImputer,
        GaussianMixtureOutlierDetector,
        GaussianMixtureRegressor,
    )
    from ..model_selection import GaussianMixtureIC

    return {
        "selector": GaussianMixtureIC,
        "outlier": GaussianMixtureOutlierDetector,
        "regressor": GaussianMixtureRegressor,
        "imputer": GaussianMixtureImputer,
        "classifier": GaussianMixtureClassifier,
    }


def _is_mixture(estimator):
    """Whether ``estimator`` is a Gaussian mixture itself (fitted or not)."""
    # scikit-learn's public mixtures, not its private base class.
    from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

    from .._base import BaseMixture

    if isinstance(estimator, BaseMixture | GaussianMixture | BayesianGaussianMixture):
        return True
    return hasattr(estimator, "covariance_type") and all(
        hasattr(estimator, attribute) for attribute in _MIXTURE_ATTRIBUTES
    )


def _resolve_mixture(estimator, function, *, _via=None):
    """The fitted mixture behind ``estimator`` and a hint about the data to pass.

    A mixture is returned as is; a fitted selector (``best_estimator_``) or an
    estimator that holds a fitted mixture (``mixture_``: the outlier detector,
    the regressor, the imputer) gives that mixture. ``NotFittedError`` is for
    estimators of these kinds that are not fitted; anything else, fitted or
    not, is a ``TypeError`` naming what ``function`` needs.
    """
    classes = _package_classes()
    name = type(estimator).__name__
    for attribute in ("best_estimator_", "mixture_"):
        inner = getattr(estimator, attribute, None)
        if inner is not None and not isinstance(inner, type):
            mixture, hint = _resolve_mixture(
                inner, function, _via=f"the {attribute} of {name}"
            )
            if isinstance(estimator, classes["regressor"]):
                hint = (
                    f" {name}.mixture_ is a joint mixture of the inputs and the "
                    "targets: pass numpy.column_stack([X, y])."
                )
            names = getattr(estimator, "feature_names_in_", None)
            unnamed = getattr(mixture, "feature_names_in_", None) is None
            targets = getattr(estimator, "n_targets_", 0)
            if names is not None and targets:
                # The regressor's mixture is over [X, y]: its targets follow.
                suffixes = [""] if targets == 1 else [str(j) for j in range(targets)]
                names = [*names, *(f"y{suffix}" for suffix in suffixes)]
            if names is not None and unnamed:
                # Fitted on a DataFrame's columns: the plot's labels, and the
                # columns a DataFrame given to it must have.
                mixture = copy.copy(mixture)
                mixture.feature_names_in_ = np.asarray(names, dtype=object)
            return mixture, hint
    if _is_mixture(estimator):
        check_is_fitted(estimator, list(_MIXTURE_ATTRIBUTES))
        # Raises a clear ValueError for an unknown structure.
        fitted_model(estimator)
        return estimator, ""
    holds = {
        "selector": "best_estimator_",
        "outlier": "mixture_",
        "regressor": "mixture_",
        "imputer": "mixture_",
        "classifier": "mixtures_",
    }
    for kind, attribute in holds.items():
        if isinstance(estimator, classes[kind]):
            # Raises NotFittedError when the estimator is not fitted.
            check_is_fitted(estimator, attribute)
    if isinstance(estimator, classes["classifier"]):
        background = (
            " or its background mixture, background_"
            if getattr(estimator, "background_", None) is not None
            else ""
        )
        raise TypeError(
            f"{function} draws one Gaussian mixture, but {name} holds one per "
            f"class in mixtures_ (in the order of classes_): pass one class's "
            f"mixture, e.g. {function}(clf.mixtures_[0], X){background}."
        )
    got = name if _via is None else f"{name} ({_via})"
    raise TypeError(
        f"{function} needs a fitted Gaussian mixture (GaussianMixture, "
        "BayesianGaussianMixture, a fitted GaussianMixtureIC, or an estimator "
        f"holding a fitted mixture in mixture_); got {got}."
    )


def _full_covariances(estimator):
    """Component covariances as a float64 ``(K, d, d)`` stack."""
    n_components, n_features = np.shape(estimator.means_)
    model = fitted_model(estimator)
    covariances = np.asarray(estimator.covariances_, dtype=np.float64)
    return np.asarray(model.to_full(covariances, n_components, n_features))


def _estimator_feature_names(estimator, X=None):
    names = getattr(estimator, "feature_names_in_", None)
    if names is None and X is not None and hasattr(X, "columns"):
        names = X.columns
    return None if names is None else [str(name) for name in names]


def _feature_names(estimator, X, feature_names, n_features):
    if feature_names is not None and (
        isinstance(feature_names, str) or not hasattr(feature_names, "__iter__")
    ):
        raise ValueError(
            "feature_names should be a sequence of one name per feature, got "
            f"{feature_names!r}."
        )
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
    if n_features < size and len(set(map(str, features))) == size:
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


def _check_X(X, n_features, hint="", estimator=None):
    """X as a finite float64 2-D array with the estimator's number of features.

    A DataFrame must have the columns the estimator was fitted on, in their
    order (as its ``predict`` demands): a reordered one drew the points on
    other features than the ellipses.
    """
    if sparse.issparse(X):
        raise TypeError("X is a sparse matrix; plots need dense data (X.toarray()).")
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None and hasattr(X, "columns"):
        given = [str(column) for column in X.columns]
        if given != [str(name) for name in names]:
            raise ValueError(
                f"X has the columns {given}, but the estimator was fitted on "
                f"{[str(name) for name in names]}: pass them in that order."
            )
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as error:
        # pandas' missing value (pd.NA) is no float: read as NaN, said below.
        array = _with_nan(X)
        if array is None:
            raise ValueError(
                f"X should hold numbers only ({error}); leave out text or "
                "categorical columns."
            ) from None
    if array.ndim != 2:
        raise ValueError(
            f"X should be a 2-D array of shape (n_samples, n_features), got an "
            f"array of shape {array.shape}."
        )
    if array.shape[1] != n_features:
        raise ValueError(
            f"X has {array.shape[1]} features, but the estimator was fitted on "
            f"{n_features} features.{hint}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("X contains NaN or infinity; plot only finite data.")
    if not array.shape[0]:
        raise ValueError("X has no rows; pass the data to draw, or X=None.")
    return array


def _with_nan(X):
    """A DataFrame's values as floats, its missing values NaN, or None."""
    to_numpy = getattr(X, "to_numpy", None)
    if to_numpy is None:
        return None
    try:
        return to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        return None


def _check_ax(ax):
    """``ax`` is None or a matplotlib Axes (drawn on)."""
    if ax is not None and not hasattr(ax, "scatter"):
        raise TypeError(f"ax should be a matplotlib Axes or None, got {ax!r}.")
    return ax


def _check_n_std(n_std):
    if (
        isinstance(n_std, bool)
        or not isinstance(n_std, Real)
        or not (n_std > 0 and np.isfinite(n_std))
    ):
        raise ValueError(f"n_std should be a positive finite number, got {n_std!r}.")
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


#: Ellipses up to this many times a panel's span are drawn in it.
_LARGEST_ELLIPSE = 1e4


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
    limits=None,
):
    """Add each component's ellipse; with ``limits`` (the panel's x and y
    ranges), leave out those too large to show.

    An ellipse more than :data:`_LARGEST_ELLIPSE` times the panel's span
    crosses it as two straight lines at most, and Agg takes minutes to
    render one 1e20 times the view (``reg_covar`` around data in units of
    1e-20).
    """
    from matplotlib.patches import Ellipse

    pair = np.ix_(features, features)
    patches = []
    span = None if limits is None else max(np.ptp(limits[0]), np.ptp(limits[1]))
    for k, (mean, covariance) in enumerate(zip(means, covariances, strict=True)):
        width, height, angle = _ellipse_geometry(covariance[pair], n_std)
        if span is not None and not max(width, height) <= _LARGEST_ELLIPSE * span:
            continue
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


# Keyword arguments of Axes.scatter that colour the points: matplotlib
# refuses two of them at once.
_COLOUR_KEYS = ("c", "color", "facecolor", "facecolors")


def _scatter_kws(defaults, given):
    """``defaults`` updated with the user's ``scatter_kws``.

    A colour the user gives (``c``, ``color``, ...) replaces the default
    one: both went to ``Axes.scatter``, which refused them (or Python did,
    for ``c`` twice).
    """
    given = dict(given or {})
    if any(key in given for key in _COLOUR_KEYS):
        defaults = {k: v for k, v in defaults.items() if k not in _COLOUR_KEYS}
    return {**defaults, **given}


def _noise_rows(labels):
    """Boolean mask of the noise rows: integer labels equal to -1."""
    labels = np.asarray(labels)
    if np.issubdtype(labels.dtype, np.integer):
        return labels == -1
    return np.zeros(labels.shape, dtype=bool)


def _label_colors(labels, colors):
    """RGBA colours of the rows: component colours, or one per distinct label.

    Integer labels in ``0..len(colors) - 1`` take the colours of the
    components; other labels get a palette of their own. The label -1
    (scikit-learn's noise) is drawn in the neutral noise colour.
    """
    labels = np.asarray(labels)
    noise = _noise_rows(labels)
    result = np.tile(np.asarray(_NOISE_COLOR, dtype=np.float64), (labels.size, 1))
    rest = labels[~noise]
    if rest.size:
        if (
            np.issubdtype(rest.dtype, np.integer)
            and rest.min() >= 0
            and rest.max() < len(colors)
        ):
            result[~noise] = [colors[i] for i in rest]
        else:
            _, inverse = np.unique(rest, return_inverse=True)
            palette = _component_colors(int(inverse.max()) + 1)
            result[~noise] = [palette[i] for i in inverse.ravel()]
    return result


def _hard_labels(proba, n_components):
    """Most probable component of each row; -1 where the noise column wins.

    With a noise component, ``predict_proba`` has one more column than there
    are Gaussian components, the noise's last.
    """
    n_columns = proba.shape[1]
    if n_columns not in (n_components, n_components + 1):
        raise ValueError(
            f"predict_proba returned {n_columns} columns for a mixture of "
            f"{n_components} components."
        )
    labels = np.argmax(proba, axis=1)
    labels[labels == n_components] = -1
    return labels


def _evaluate(estimator, method, array):
    """``estimator.<method>(rows)`` of rows given as an array of its features.

    A model fitted on a DataFrame (or named by the command line) checks the
    names of the rows it is given: they go as a DataFrame when pandas is
    installed (no extra needs it), otherwise as the array, without
    scikit-learn's warning that it has no names (the rows are the model's
    own features, in order, by construction).
    """
    call = getattr(estimator, method)
    names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return call(array)
    try:
        import pandas as pd
    except ImportError:
        with names_checked():
            return call(array)
    return call(pd.DataFrame(array, columns=names))
