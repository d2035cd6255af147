"""Plots of fitted Gaussian mixtures and of model-selection results.

Four helpers, in the spirit of R mclust's ``plot.Mclust``:

- :func:`plot_components`: the data coloured by component, with one ellipse per
  component (any covariance structure) on a chosen pair of features;
- :func:`plot_density`: contours of the fitted log-density;
- :func:`plot_criterion`: BIC (or AIC, ICL) against the number of components,
  one line per covariance structure, degenerate fits marked;
- :func:`plot_pairs`: a matrix of pairwise scatter plots coloured by cluster,
  with the classification uncertainty as marker size.

matplotlib is an optional dependency, imported only when a function is called
(the ``plot`` extra: ``pip install ".[plot]"`` from a clone).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._components import plot_components
from ._criterion import plot_criterion
from ._density import plot_density
from ._pairs import plot_pairs

__all__ = ["plot_components", "plot_criterion", "plot_density", "plot_pairs"]
