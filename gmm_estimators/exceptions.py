"""Warnings and errors raised by gmm_estimators."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

__all__ = ["DegenerateFitWarning", "DegenerateStepError", "NoSoundCandidateError"]


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


class DegenerateStepError(ValueError):
    """An M-step whose likelihood is unbounded: no finite parameters maximise it.

    Raised when components rest on too few distinct rows for their
    covariance to be estimated (``reg_covar=0``), so that the statistics or
    the structure's inner iterations break down; the message names the
    components and the remedies (``reg_covar``, fewer components,
    ``prior='default'``). EM stops at the last sound parameters instead; at
    a start it reaches the user. A ``ValueError``, as every error of
    ``fit``; its own class tells a breakdown on the rows apart from a fault
    of a structure registered in user code (a plain ``ValueError``).

    Examples
    --------
    >>> from gmm_estimators import DegenerateStepError
    >>> issubclass(DegenerateStepError, ValueError)
    True
    """


class NoSoundCandidateError(ValueError):
    """A model search found no sound candidate.

    Raised by ``GaussianMixtureIC.fit`` when every candidate is degenerate
    (a collapsed component), spurious (a component far narrower than
    another) or could not be fitted; ``results_`` then lists every
    candidate. A ``ValueError``, as every error of ``fit``; its own class
    tells it apart from an error in the input (the outlier detector and
    the classifier retry or skip on it alone).

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import NoSoundCandidateError
    >>> from gmm_estimators.model_selection import GaussianMixtureIC
    >>> X = np.repeat(np.arange(4.0)[:, np.newaxis], 5, axis=0)
    >>> try:
    ...     GaussianMixtureIC(n_components=[4], covariance_types=["VII"]).fit(X)
    ... except NoSoundCandidateError as error:
    ...     print("no sound candidate")
    no sound candidate
    """
