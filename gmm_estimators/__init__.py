"""Gaussian mixture models: a faster, broader drop-in for ``sklearn.mixture``."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._conditional import ConditionalMixture, condition
from ._covariance import available_covariance_types
from ._gaussian_mixture import GaussianMixture
from ._imputer import GaussianMixtureImputer
from ._prior import ConjugatePrior
from ._regressor import GaussianMixtureRegressor
from .exceptions import DegenerateFitWarning

__version__ = "0.1.0.dev0"

__all__ = [
    "ConditionalMixture",
    "ConjugatePrior",
    "DegenerateFitWarning",
    "GaussianMixture",
    "GaussianMixtureImputer",
    "GaussianMixtureRegressor",
    "available_covariance_types",
    "condition",
]
