"""Gaussian mixture models: a faster, broader drop-in for ``sklearn.mixture``."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._bayesian_mixture import BayesianGaussianMixture
from ._gaussian_mixture import GaussianMixture
from ._outlier import GaussianMixtureOutlierDetector
from ._prior import ConjugatePrior
from .covariance import available_covariance_types
from .exceptions import DegenerateFitWarning

__version__ = "0.1.0.dev0"

__all__ = [
    "BayesianGaussianMixture",
    "ConjugatePrior",
    "DegenerateFitWarning",
    "GaussianMixture",
    "GaussianMixtureOutlierDetector",
    "available_covariance_types",
]
