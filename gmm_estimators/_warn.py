"""Warnings that point at the user's line, not at the package's internals."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import sys
import warnings

import sklearn

__all__ = ["warn_user"]

# Frames in these directories are internals: the package itself, and
# scikit-learn's wrappers (``_fit_context``, ``GridSearchCV``, ...) and joblib
# that call into it.
_INTERNAL = tuple(
    os.path.dirname(path) + os.sep
    for path in (__file__, sklearn.__file__, warnings.__file__)
)


def warn_user(message, category):
    """``warnings.warn`` attributed to the first frame outside the internals.

    A fixed ``stacklevel`` is right for one call path only; the same warning
    reached through ``fit``, ``fit_predict``, a pipeline or a grid search
    would point at different internals. Walking the stack finds the user's
    own line whichever way it came.
    """
    frame = sys._getframe(1)
    level = 2  # 1 would be this function, 2 its caller
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)

