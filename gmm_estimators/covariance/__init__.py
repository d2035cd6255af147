"""Covariance structures: the contract, the registry and every structure.

Each structure is a small stateless object that knows how one family of
component covariances is parametrised (the shape of ``covariances_``), how
many free parameters it has, how to estimate it from weighted scatter
matrices (the M-step) and how to evaluate squared Mahalanobis distances of a
block of rows to every component at once, with the sufficient statistics its
M-step needs (its :class:`StatisticsForm`).

No code outside this package branches on the covariance type: estimators
look the structure up with :func:`get_covariance_model` and call its methods.
A new structure is one subclass of :class:`CovarianceModel` plus a call to
:func:`register`; validation of ``covariance_type`` reads the registry when
``fit`` runs, so a structure registered after import is accepted everywhere.

Conventions shared by every method:

* ``K`` components, ``d`` features, all components handled together;
* a precision Cholesky factor ``P`` is upper triangular with
  ``precision = P @ P.T`` (scikit-learn's convention), so that the whitened
  residual of a row vector is ``(x - mu) @ P``;
* means and data reaching :meth:`CovarianceModel.mahalanobis` are already
  centred on the data's weighted mean by the EM engine; the structures never
  need to know.

Modules: ``_contract`` (the contract), ``_registry`` (names, aliases and
validation), ``_linalg`` (batched linear algebra), ``_forms`` (statistics
forms and E-step kernels), ``_families`` (how each family stores its
parameters), ``_priors`` (the form of each structure's conjugate prior),
``_basic`` (scikit-learn's four), ``_solvers`` (inner iterations of the
constrained M-steps), ``_orientation`` (the common orientation of EVE and
VVE), ``_mclust`` (the ten constrained structures), ``_univariate`` (``E``
and ``V``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from . import _basic, _mclust, _univariate  # noqa: F401  (register the structures)
from ._carrying import (
    adopt_packed as adopt_packed,
)
from ._carrying import (
    adopt_structures as adopt_structures,
)
from ._carrying import (
    packed_structures as packed_structures,
)
from ._carrying import (
    structures_to_carry as structures_to_carry,
)
from ._contract import CovarianceModel
from ._families import (
    DiagonalCovariance,
    FullCovariance,
    SphericalCovariance,
    TiedCovariance,
)
from ._forms import (
    DIAGONAL_SCATTERS,
    POOLED_SCATTER,
    SCATTER_MATRICES,
    ScatterLayout,
    StatisticsForm,
)
from ._priors import (
    DIAGONAL_INVERSE_GAMMA,
    INVERSE_WISHART,
    SPHERICAL_INVERSE_GAMMA,
    PriorForm,
)
from ._registry import (
    RegisteredCovarianceType,
    available_covariance_types,
    get_covariance_model,
    register,
    unregister,
)
from ._spread import BOUNDED, EVERY_AXIS, EVERY_DIRECTION, SOME_SPREAD_ONLY

__all__ = [
    "BOUNDED",
    "DIAGONAL_INVERSE_GAMMA",
    "DIAGONAL_SCATTERS",
    "EVERY_AXIS",
    "EVERY_DIRECTION",
    "INVERSE_WISHART",
    "POOLED_SCATTER",
    "SCATTER_MATRICES",
    "SOME_SPREAD_ONLY",
    "SPHERICAL_INVERSE_GAMMA",
    "CovarianceModel",
    "DiagonalCovariance",
    "FullCovariance",
    "PriorForm",
    "RegisteredCovarianceType",
    "ScatterLayout",
    "SphericalCovariance",
    "StatisticsForm",
    "TiedCovariance",
    "available_covariance_types",
    "get_covariance_model",
    "register",
    "unregister",
]
