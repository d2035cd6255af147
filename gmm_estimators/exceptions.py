"""Warnings raised by gmm_estimators."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

__all__ = ["DegenerateFitWarning"]


class DegenerateFitWarning(UserWarning):
    """A fitted component collapsed onto too few distinct points.

    Its covariance has an eigenvalue tiny compared with the data's own spread
    in that direction, so its likelihood is (nearly) unbounded and criteria such
    as BIC or AIC are not meaningful for the fit. The fitted model records the
    components in ``collapsed_components_``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from gmm_estimators import DegenerateFitWarning, GaussianMixture
    >>> X = np.array([[0.0, 0.0]] * 5 + [[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     gm = GaussianMixture(2, random_state=0).fit(X)
    >>> any(issubclass(w.category, DegenerateFitWarning) for w in caught)
    True
    >>> gm.collapsed_components_.size
    1
    """
