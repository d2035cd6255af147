"""What the command line asks of the library beyond the estimators.

Everything else in :mod:`gmm_estimators.cli` goes through the estimators'
public names and fitted attributes.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

# The library's guard for arrays whose columns were checked against a
# model's feature names (the command line checks the CSV header itself), and
# how its messages name columns of X (``feature(s) 1, 3 of X``, ``feature 2``).
from .._warn import _LISTED as LISTED_FEATURES
from .._warn import _ONE as ONE_FEATURE
from .._warn import names_checked

__all__ = [
    "LISTED_FEATURES",
    "ONE_FEATURE",
    "free_parameters",
    "full_covariances",
    "init_methods",
    "names_checked",
    "shares_covariance",
    "structure_name",
]


def _covariance_model(name):
    from ..covariance import get_covariance_model

    return get_covariance_model(name)


def init_methods():
    """Names accepted by ``init_params``: the help text and the option's check."""
    # Private: the registry of initialisers.
    from .._initialization import INITIALIZERS

    return sorted(INITIALIZERS)


def free_parameters(model):
    """A fitted mixture's free-parameter count: what its ``bic`` uses.

    Its ``n_parameters_``, or for scikit-learn's mixtures (which have none)
    the count of its structure at its size.
    """
    from .._criteria import fitted_free_parameters

    return fitted_free_parameters(model)


def full_covariances(model):
    """The ``(K, d, d)`` covariance matrices of a fitted mixture, any structure."""
    return np.asarray(model.full_covariances_, dtype=np.float64)


def shares_covariance(covariance_type):
    """Whether a structure gives every component the same covariance (EEE)."""
    try:
        return bool(_covariance_model(covariance_type).equal_covariance)
    except ValueError:  # a structure of another package
        return False


def structure_name(covariance_type):
    """``"VVV (full)"``: a covariance type with its other registered names."""
    try:
        model = _covariance_model(covariance_type)
    except ValueError:
        return str(covariance_type)
    names = [model.name, *model.aliases]
    others = [name for name in names if name != covariance_type]
    return f"{covariance_type} ({', '.join(others)})" if others else covariance_type
