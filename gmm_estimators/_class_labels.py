"""The classifier's classes: the labels of ``y`` checked and encoded."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

__all__ = ["encoded_classes"]


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
