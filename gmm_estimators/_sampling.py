"""Drawing rows from a Gaussian mixture's parameters."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from .covariance._linalg import _safe_cholesky as safe_cholesky

__all__ = ["check_draw_count", "draw_rows"]


# Entries of the largest array numpy can index.
_LARGEST_COUNT = int(np.iinfo(np.intp).max)


def check_draw_count(value, name="n_samples"):
    """A count of draws as a Python int, or a clear error.

    Whole numbers given as floats (``2.0``, ``np.float64(5)``) are accepted,
    as scikit-learn's ``sample`` accepts them; fractions, booleans, values
    below one, counts beyond the largest array numpy can index and
    non-numbers are refused, naming the argument.

    Parameters
    ----------
    value : object
        The count the caller passed.
    name : str, default="n_samples"
        The argument's name, for the message.

    Returns
    -------
    count : int

    Examples
    --------
    >>> from gmm_estimators._sampling import check_draw_count
    >>> check_draw_count(3.0)
    3
    """
    whole = isinstance(value, Integral) or (
        isinstance(value, Real) and float(value).is_integer()
    )
    if isinstance(value, bool) or not whole or value < 1:
        raise ValueError(
            f"Invalid value for {name!r}: {value!r}. It must be a whole number "
            "of samples, at least 1 (for example 100)."
        )
    if value > _LARGEST_COUNT:
        raise ValueError(
            f"Invalid value for {name!r}: {value!r}. It is beyond the largest "
            f"array numpy can index ({_LARGEST_COUNT} entries); draw in "
            "batches of fewer samples."
        )
    return int(value)


def draw_rows(weights, means, full_covariances, n_samples, rng):
    """``n_samples`` rows of a mixture, grouped by component.

    The counts per component are one multinomial draw with probabilities
    ``weights``; component ``k``'s rows are ``mu_k + L_k z`` with ``z``
    standard normal and ``L_k`` the lower Cholesky factor of ``Sigma_k``.

    Parameters
    ----------
    weights : ndarray of shape (n_components,)
        Mixing proportions (summing to one).
    means : ndarray of shape (n_components, n_features)
    full_covariances : ndarray of shape (n_components, n_features, n_features)
    n_samples : int
    rng : RandomState

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Component of each row.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators._sampling import draw_rows
    >>> X, y = draw_rows(
    ...     np.array([0.5, 0.5]),
    ...     np.array([[0.0], [10.0]]),
    ...     np.ones((2, 1, 1)),
    ...     4,
    ...     np.random.RandomState(0),
    ... )
    >>> X.shape, y.tolist()
    ((4, 1), [0, 0, 1, 1])
    """
    n_components, n_features = np.shape(means)
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    if abs(total - 1.0) > 1e-13:
        # float32 proportions sum to one only to their rounding (1 + 3e-8),
        # beyond the 1e-12 that numpy's multinomial allows.
        weights = weights / total
    counts = rng.multinomial(n_samples, weights)
    # A collapsed (or user-set) covariance may be singular to rounding:
    # the structures' factorisation regularises it instead of failing.
    factors = safe_cholesky(full_covariances)[0]
    X = np.vstack(
        [
            mean + rng.standard_normal(size=(count, n_features)) @ factor.T
            for mean, factor, count in zip(means, factors, counts, strict=True)
        ]
    )
    y = np.repeat(np.arange(n_components), counts)
    return X, y
