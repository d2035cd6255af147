"""Gaussian mixture models: a faster, broader drop-in for ``sklearn.mixture``."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._adaptation import adapt_mixture
from ._bayesian_mixture import BayesianGaussianMixture
from ._classifier import GaussianMixtureClassifier
from ._conditional import ConditionalMixture, condition
from ._gaussian_mixture import GaussianMixture
from ._imputer import GaussianMixtureImputer
from ._outlier import GaussianMixtureOutlierDetector
from ._prior import ConjugatePrior
from ._regressor import GaussianMixtureRegressor
from .covariance import available_covariance_types
from .exceptions import (
    DegenerateFitWarning,
    DegenerateStepError,
    NoSoundCandidateError,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "BayesianGaussianMixture",
    "ConditionalMixture",
    "ConjugatePrior",
    "DegenerateFitWarning",
    "DegenerateStepError",
    "GaussianMixture",
    "GaussianMixtureClassifier",
    "GaussianMixtureImputer",
    "GaussianMixtureRegressor",
    "GaussianMixtureOutlierDetector",
    "NoSoundCandidateError",
    "adapt_mixture",
    "available_covariance_types",
    "condition",
]
