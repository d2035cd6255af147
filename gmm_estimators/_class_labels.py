"""The classifier's classes: labels of ``y`` checked and encoded, and their priors."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Complex, Number, Real

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.multiclass import check_classification_targets

__all__ = ["checked_priors", "encoded_classes"]


def encoded_classes(y):
    """The sorted classes of ``y`` and each row's index into them.

    Raises
    ------
    TypeError
        When ``y`` mixes labels that cannot be ordered (strings beside
        numbers): numpy's ``'<' not supported`` named no remedy.
    ValueError
        When ``y`` is not a classification target, or has one class.
    """
    try:
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
    except TypeError:
        kinds = sorted({type(label).__name__ for label in y})
        raise TypeError(
            f"y mixes labels of types {kinds}, which cannot be ordered. Use "
            "labels of one type: all strings or all numbers."
        ) from None
    if classes.size < 2:
        raise ValueError(
            "GaussianMixtureClassifier needs training data from at least 2 "
            f"classes; got 1 class: {classes.tolist()!r}. Provide rows of "
            "every class to discriminate, or fit a GaussianMixture as a "
            "density model of the one class."
        )
    return classes, y_index


def checked_priors(priors, proportions, classes):
    """The class priors to predict with: the user's, normalised, or ``proportions``.

    Raises
    ------
    ValueError
        When ``priors`` are not numbers, one per class of ``classes``,
        non-negative with a positive sum.
    """
    if priors is None:
        return proportions
    # Numbers only: a dict gave numpy's own TypeError, strings were parsed.
    values = priors
    if not isinstance(values, dict | str):
        values = np.ravel(np.asarray(values, dtype=object))
    if isinstance(values, dict | str) or not all(_is_real(v) for v in values):
        raise ValueError(
            "priors should be numbers, one per class in the order of "
            f"classes_ {classes.tolist()!r}; got {priors!r}."
        )
    checked = check_array(
        priors, ensure_2d=False, dtype=np.float64, input_name="priors"
    )
    if checked.shape != proportions.shape:
        raise ValueError(
            f"priors should have one entry per class ({proportions.size} "
            f"classes: {classes.tolist()!r}); got shape {checked.shape}."
        )
    if np.any(checked < 0) or checked.sum() <= 0:
        raise ValueError(
            "priors must be non-negative with a positive sum; got "
            f"{checked.tolist()!r}."
        )
    return checked / checked.sum()


def _is_real(value):
    """A real number: a ``numbers.Real``, or a ``Decimal`` (a Number, not Complex)."""
    return isinstance(value, Real) or (
        isinstance(value, Number) and not isinstance(value, Complex)
    )
