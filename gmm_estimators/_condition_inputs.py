"""The inputs of ``condition``: the joint mixture and the given values, checked.

A fitted estimator's parameters, or a ``(weights, means, covariances)``
tuple, in full-matrix float form (``mixture_parameters``); the given
features' indices and values (``checked_given``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["as_float_parameters", "checked_given", "mixture_parameters"]


def as_float_parameters(weights, means, covariances):
    """Full-matrix parameters as float64 arrays, their shapes checked."""
    weights = np.asarray(weights, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    covariances = np.asarray(covariances, dtype=np.float64)
    n_components, n_features = means.shape if means.ndim == 2 else (-1, -1)
    if weights.shape != (n_components,) or covariances.shape != (
        n_components,
        n_features,
        n_features,
    ):
        raise ValueError(
            "Expected weights (K,), means (K, d) and covariances (K, d, d); got "
            f"shapes {weights.shape}, {means.shape} and {covariances.shape}."
        )
    return weights, means, covariances


def _checked_tuple(weights, means, covariances):
    """A user's ``(weights, means, covariances)``, refused unless a mixture's.

    A fitted estimator's parameters are checked as its predictions check
    them (``_fitted.check_fitted_values``); a tuple's as ``weights_init``
    and ``precisions_init`` are: an indefinite covariance gave negative
    conditional variances.
    """
    for name, values in (("weights", weights), ("means", means)):
        if not np.isfinite(values).all():
            raise ValueError(
                f"The mixture tuple's {name} should be finite; got {values!r}."
            )
    if np.any(weights < 0) or not weights.max() > 0:
        raise ValueError(
            "The mixture tuple's weights should be non-negative with a positive "
            f"sum; got {weights!r}."
        )
    # Proportions: weights of another sum are read as proportional to them
    # (log_marginal was off by the log of their sum). Scaled by the largest
    # first: weights near float64's largest value overflow their sum.
    weights = weights / weights.max()
    weights = weights / weights.sum()
    # Up to rounding relative to each matrix's largest entry (a singular
    # covariance is conditioned on its block's pseudo-inverse).
    with np.errstate(invalid="ignore"):
        size = np.abs(covariances).max(axis=(1, 2))
        asymmetry = np.abs(covariances - covariances.swapaxes(1, 2)).max(axis=(1, 2))
    finite = np.isfinite(covariances).all(axis=(1, 2))
    smallest = np.full(len(covariances), np.nan)
    symmetric = finite & (asymmetry <= 1e-10 * size)
    smallest[symmetric] = np.linalg.eigvalsh(covariances[symmetric])[:, 0]
    for k in np.flatnonzero(~symmetric | (smallest < -1e-10 * size)):
        found = (
            "non-finite entries"
            if not finite[k]
            else f"an asymmetry of {asymmetry[k]:.3g}"
            if not symmetric[k]
            else f"the eigenvalue {smallest[k]:.3g}"
        )
        raise ValueError(
            f"The covariance of component {k} in the mixture tuple should be "
            f"symmetric, positive semi-definite; it has {found} (largest entry "
            f"{size[k]:.3g}). Pass covariance matrices (for a fitted mixture, "
            "its full_covariances_)."
        )
    return weights, means, covariances


def mixture_parameters(mixture):
    """Full-matrix parameters of a fitted mixture or of a (w, mu, Sigma) tuple."""
    if isinstance(mixture, tuple | list):
        if len(mixture) != 3:
            raise ValueError(
                "A mixture given as a tuple is (weights, means, covariances), of "
                f"shapes (K,), (K, d) and (K, d, d); got {len(mixture)} item(s)."
            )
        return _checked_tuple(*as_float_parameters(*mixture))
    estimator = getattr(mixture, "best_estimator_", mixture)
    if not hasattr(estimator, "means_") and hasattr(estimator, "get_params"):
        # An estimator not fitted yet: scikit-learn's error for it.
        check_is_fitted(estimator)
    if not hasattr(estimator, "means_"):
        name = type(mixture).__name__
        if hasattr(estimator, "mixture_") and hasattr(estimator, "conditional"):
            # A fitted regressor: a joint mixture of (X, y).
            remedy = (
                f"This {name} holds its joint mixture of (X, y) as mixture_: "
                "condition(model.mixture_, ...) with the features numbered "
                "in the joint order (X's, then y's), or model.conditional(X) "
                "for y given X."
            )
        elif hasattr(estimator, "mixture_"):  # an imputer, an outlier detector
            remedy = (
                f"This {name} holds its mixture of X as mixture_: "
                "condition(model.mixture_, ...)."
            )
        elif hasattr(estimator, "mixtures_"):  # a fitted classifier: one per class
            remedy = (
                f"This {name} holds one mixture per class in mixtures_: "
                "condition(model.mixtures_[i], ...) for the class "
                "model.classes_[i]."
            )
        else:
            remedy = "Fit the mixture first."
        raise TypeError(
            "condition expects a fitted Gaussian mixture (with weights_, means_ "
            "and covariances_) or a tuple (weights, means, covariances); got "
            f"{name}. {remedy}"
        )
    if getattr(estimator, "noise_volume_", None) is not None:
        raise ValueError(
            "condition works on Gaussian components; this mixture has a noise "
            f"component (noise=True, noise_proportion_="
            f"{float(estimator.noise_proportion_):.3g}), a uniform density over "
            "the data's hypervolume whose conditional is not a Gaussian mixture, "
            "so the conditional would silently leave the noise out. Fit the "
            "mixture with noise=False, or condition the Gaussian part alone on "
            "purpose: condition((mixture.weights_ / mixture.weights_.sum(), "
            "mixture.means_, mixture.full_covariances_), ...)."
        )
    from ._fitted import check_fitted_values, fitted_model

    # Set by hand, they may be no mixture's (NaN weights gave NaN means).
    check_fitted_values(estimator, fitted_model(estimator))
    n_components, n_features = estimator.means_.shape
    full = fitted_model(estimator).to_full(
        np.asarray(estimator.covariances_, dtype=np.float64), n_components, n_features
    )
    return as_float_parameters(estimator.weights_, estimator.means_, full)


def checked_given(mixture, X_given, given_features, n_features):
    """The given features' indices (in the user's order) and values, checked."""
    given = _feature_indices(given_features, n_features)
    _check_given_names(mixture, X_given, given)
    X_given = np.asarray(X_given, dtype=np.float64)
    if X_given.ndim == 1 and X_given.size % given.size == 0:
        X_given = X_given.reshape(-1, given.size)
    if X_given.ndim != 2 or X_given.shape[1] != given.size:
        raise ValueError(
            f"X_given must have one column per given feature ({given.size}); got "
            f"shape {X_given.shape}."
        )
    if not np.all(np.isfinite(X_given)):
        raise ValueError(
            "X_given contains NaN or infinite values; condition on finite values "
            "only (to marginalise a feature, leave it out of given_features)."
        )
    return given, X_given


def _check_given_names(mixture, X_given, given):
    """Refuse a frame whose columns are not the given features' names.

    As ``predict`` refuses a frame of other columns than the fit's: a
    column named for another feature would be conditioned on silently.
    """
    # A selector holds the names, its best_estimator_ not always.
    names = getattr(mixture, "feature_names_in_", None)
    if names is None:
        estimator = getattr(mixture, "best_estimator_", mixture)
        names = getattr(estimator, "feature_names_in_", None)
    columns = getattr(X_given, "columns", None)
    if names is None or columns is None:
        return
    expected = [str(name) for name in np.asarray(names)[given]]
    got = [str(column) for column in columns]
    if got != expected:
        raise ValueError(
            f"X_given's columns {got} should be the names of the given features "
            f"{expected}, in the order of given_features (the mixture was "
            "fitted on columns with names). Select those columns of your frame, "
            "or pass an array."
        )


def _feature_indices(features, n_features):
    features = np.asarray(features)
    if features.dtype == bool:
        if features.shape != (n_features,):
            raise ValueError(
                f"A boolean given_features must have length n_features={n_features};"
                f" got shape {features.shape}."
            )
        if not features.any():  # as an empty list of indices is
            raise ValueError("given_features is all False; give at least one feature.")
        return np.flatnonzero(features)
    features = features.reshape(-1)
    if features.size and not np.issubdtype(features.dtype, np.integer):
        raise ValueError(
            "given_features must be integer indices or a boolean mask; got "
            f"{features!r}."
        )
    features = features.astype(np.intp)
    if features.size == 0:
        raise ValueError("given_features is empty; give at least one feature.")
    if features.min() < -n_features or features.max() >= n_features:
        raise ValueError(
            f"given_features {features.tolist()} out of range for {n_features} "
            "features."
        )
    features = np.where(features < 0, features + n_features, features)
    if np.unique(features).size != features.size:
        raise ValueError(f"given_features has repeated indices: {features.tolist()}.")
    return features
