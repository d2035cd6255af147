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
    """
