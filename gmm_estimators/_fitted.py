"""Fitted attributes: the one place an engine result becomes a fitted mixture."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from types import SimpleNamespace

import numpy as np

from ._collapse import Verdict, record_collapse, with_breakdown

__all__ = ["set_fitted_attributes", "storage_dtype", "store_covariances"]


def set_fitted_attributes(
    estimator, model, source, options, result, dtype, record=None
):
    """Store an engine result as a mixture's fitted attributes.

    The one place where fitted attributes are written, for ``fit`` and for
    the selector's candidates alike: parameters back in the data's
    coordinates and dtype, the run's history, the resolved prior, the
    free-parameter count and the collapse check: ``record(model, source,
    params, jittered, check)`` (the estimator's own judgement, see
    ``BaseMixture._record_collapse``), by default :func:`record_collapse`.
    """
    params = result.params
    dtype = storage_dtype(dtype, model, params, source.center)
    for name, value in options.fitted_attributes(params).items():
        setattr(estimator, name, value)
    estimator.converged_ = result.converged
    estimator.weights_ = params.weights.astype(dtype)
    estimator.means_ = (params.means + source.center).astype(dtype)
    # What a continued fit (partial_fit, warm start) must keep.
    estimator._fitted_structure = model.name
    rounded_apart = store_covariances(estimator, model, params, dtype)
    jittered = result.jittered
    if np.any(rounded_apart):
        # Components whose covariance needed variance to survive the rounding.
        jittered = np.asarray(jittered) | rounded_apart
    estimator.n_iter_ = result.n_iter
    estimator.lower_bound_ = result.lower_bound if result.n_iter else -np.inf
    estimator.lower_bounds_ = result.lower_bounds
    estimator.n_parameters_ = estimator._n_parameters()
    if result.n_iter == 0:
        # max_iter=0 keeps the start: an initial state, not a fitted one, so
        # there is no collapse to judge (scikit-learn's plot_gmm_init pattern).
        estimator.collapsed_components_ = np.array([], dtype=np.intp)
        estimator.spurious_components_ = np.array([], dtype=np.intp)
        return
    # A caller that already judged the run (the selector) leaves its verdict
    # on the result as ``component_check``.
    if record is None:
        record = partial(record_collapse, estimator)
    record(
        model,
        source,
        params,
        jittered,
        # A verdict made before the rounding is made again with its flags.
        None if np.any(rounded_apart) else getattr(result, "component_check", None),
    )
    if getattr(result, "breakdown", None) is not None:
        _flag_breakdown(estimator, model, params)


# Largest entry of ``S P C S^-1 - I`` (``S`` the covariance's standard
# deviations) for a covariance ``C`` and precision ``P`` stored in float32: the
# float32 precision policy of the log-densities (``covariance._exact``).
_PAIR_TOLERANCE = 1e-4


def storage_dtype(dtype, model, params, center):
    """``dtype``, or float64 when float32 cannot hold the fitted parameters.

    A component collapsed without ``reg_covar`` has variances below float32's
    smallest normal number (1e-38) and precisions beyond its largest (3e38):
    stored in float32 they became zero and ``inf``. Such parameters are
    stored in float64, as those of data beyond float32's range are. So are
    those whose covariances and precisions, rounded to float32, are no
    longer each other's inverse (:func:`_pair_holds`): a covariance whose
    correlation matrix is nearly singular (a feature that is nearly the sum
    of others) keeps in float32 only its large eigenvalues, and a precision
    rounded from it measures distances ten times wrong.
    """
    if np.dtype(dtype) != np.float32:
        return dtype
    info = np.finfo(np.float32)
    with np.errstate(all="ignore"):
        arrays = (
            params.means + center,
            params.covariances,
            params.precisions_cholesky,
            model.precisions_from_cholesky(np.asarray(params.precisions_cholesky)),
        )
        for values in arrays:
            magnitude = np.abs(np.asarray(values, dtype=np.float64))
            nonzero = magnitude[magnitude > 0]
            if nonzero.size and not (
                nonzero.max() < info.max and nonzero.min() >= info.tiny
            ):
                return np.dtype(np.float64)
    if not _pair_holds(model, params, dtype):
        return np.dtype(np.float64)
    return dtype


def _pair_holds(model, params, dtype):
    """Whether covariances and precisions stored in ``dtype`` stay inverses.

    Read in the covariances' own scale (``S P C S^-1`` with ``S`` their
    standard deviations), so that features in different units do not count
    as ill-conditioned: float32's rounding of each entry then costs about
    ``eps`` times the condition number of the correlation matrix.
    """
    stored = SimpleNamespace()
    store_covariances(stored, model, params, dtype)
    n_components, n_features = params.means.shape
    covariances, precisions = (
        model.to_full(np.asarray(values, np.float64), n_components, n_features)
        for values in (stored.covariances_, stored.precisions_)
    )
    with np.errstate(all="ignore"):
        root = np.sqrt(np.diagonal(covariances, axis1=1, axis2=2))
        outer = root[:, :, np.newaxis] * root[:, np.newaxis, :]
        product = (precisions * outer) @ (covariances / outer)
        error = np.abs(product - np.eye(n_features)).max(initial=0.0)
    return bool(error <= _PAIR_TOLERANCE)


def _flag_breakdown(estimator, model, params):
    """A run stopped because the next M-step had no finite maximum is degenerate."""
    verdict = with_breakdown(
        Verdict(estimator.collapsed_components_, estimator.spurious_components_, {}),
        model,
        params,
    )
    estimator.collapsed_components_ = verdict.collapsed
    estimator.spurious_components_ = verdict.spurious


def store_covariances(estimator, model, params, dtype):
    """``covariances_``, ``precisions_cholesky_`` and ``precisions_`` in ``dtype``.

    Stored as they will be read: positive definite after the rounding
    (``CovarianceModel.rounded``), with the precision factor of the stored
    covariances where the rounding needed variance added. Returns which
    components needed it (one entry for a shared covariance).
    """
    covariances, rounded_apart = model.rounded(params.covariances, dtype)
    precisions_cholesky = np.asarray(params.precisions_cholesky, dtype=np.float64)
    if np.any(rounded_apart):
        precisions_cholesky, _ = model.precision_cholesky(
            covariances.astype(np.float64)
        )
    estimator.covariances_ = covariances
    estimator.precisions_cholesky_ = precisions_cholesky.astype(dtype)
    estimator.precisions_ = model.precisions_from_cholesky(precisions_cholesky).astype(
        dtype
    )
    return rounded_apart
