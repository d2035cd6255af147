"""Fitted attributes: the one place an engine result becomes a fitted mixture."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
import functools
from functools import partial

import numpy as np

from ._collapse import Verdict, record_collapse, with_breakdown
from .covariance import get_covariance_model
from .covariance._exact import TOLERANCE

__all__ = [
    "check_fitted_values",
    "fitted_model",
    "forget_fit",
    "set_fitted_attributes",
    "storage_dtype",
    "store_covariances",
    "stored_params",
]


def set_fitted_attributes(
    estimator, model, source, options, result, dtype, record, n_parameters
):
    """Store an engine result as a mixture's fitted attributes.

    The one place where fitted attributes are written, for ``fit`` and for
    the selector's candidates alike: parameters back in the data's
    coordinates and dtype, the run's history, the resolved prior, the
    free-parameter count and the collapse check: ``record(model, source,
    params, jittered, check)`` (the estimator's own judgement, see
    ``BaseMixture._record_collapse``), or when None :func:`record_collapse`.
    ``n_parameters`` is the model's free-parameter count
    (``_criteria.n_free_parameters``), stored as ``n_parameters_``.
    """
    params = result.params
    dtype = storage_dtype(dtype, model, params, source.center)
    rounded_apart = store_covariances(estimator, model, params, dtype)
    if not _stored_inverses_hold(estimator, model, params):
        # A correlation matrix nearly singular (a feature nearly the sum of
        # others) keeps only its large eigenvalues in float32: the precision
        # rounded from it measured distances ten times wrong, and densities
        # from the rounded covariances were off by nats.
        dtype = np.dtype(np.float64)
        rounded_apart = store_covariances(estimator, model, params, dtype)
    for name, value in options.fitted_attributes(params).items():
        setattr(estimator, name, value)
    estimator.converged_ = result.converged
    estimator.weights_ = params.weights.astype(dtype)
    estimator.means_ = (params.means + source.center).astype(dtype)
    jittered = result.jittered
    if np.any(rounded_apart):
        # Components whose covariance needed variance to survive the rounding.
        jittered = np.asarray(jittered) | rounded_apart
    estimator.n_iter_ = result.n_iter
    computed = result.n_iter or len(result.lower_bounds)
    estimator.lower_bound_ = result.lower_bound if computed else -np.inf
    estimator.lower_bounds_ = result.lower_bounds
    estimator.n_parameters_ = int(n_parameters)
    breakdown = getattr(result, "breakdown", None)
    if result.n_iter == 0 and breakdown is None:
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
    if breakdown is not None:
        _flag_breakdown(estimator, model, params)


def storage_dtype(dtype, model, params, center):
    """``dtype``, or float64 when float32 cannot hold the fitted parameters.

    A component collapsed without ``reg_covar`` has variances below float32's
    smallest normal number (1e-38) and precisions beyond its largest (3e38):
    stored in float32 they became zero and ``inf``. Such parameters are
    stored in float64, as those of data beyond float32's range are (and so
    are those whose float32 covariances and precisions would not be each
    other's inverse: :func:`set_fitted_attributes`).
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
    return dtype


def _stored_inverses_hold(estimator, model, params):
    """Whether stored float32 covariances and precisions are each other's inverse.

    To float32's precision policy (``covariance._exact.TOLERANCE``), in the
    covariances' own scale (:meth:`CovarianceModel.inverse_error`); float64
    storage is not checked.
    """
    if np.asarray(estimator.covariances_).dtype != np.float32:
        return True
    error = model.inverse_error(
        estimator.covariances_, estimator.precisions_, *params.means.shape
    )
    return bool(error <= TOLERANCE[np.float32])


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
    # What a continued fit (partial_fit, warm start) must keep, and the
    # structure the stored arrays are read in (fitted_model).
    estimator._fitted_structure = model.name
    estimator.covariances_ = covariances
    estimator.precisions_cholesky_ = precisions_cholesky.astype(dtype)
    estimator.precisions_ = model.precisions_from_cholesky(precisions_cholesky).astype(
        dtype
    )
    return rounded_apart


def fitted_model(estimator):
    """The structure a fitted mixture's covariances are stored in.

    ``set_params(covariance_type=...)`` after a fit takes effect at the next
    fit, as every parameter does: until then predictions, scores and
    samples read the fitted arrays in the structure they were fitted with
    (scikit-learn's mixtures fail on a shape mismatch instead). A mixture
    not fitted by this package (scikit-learn's) is read in its
    ``covariance_type``, ``"full"`` without one.

    Parameters
    ----------
    estimator : fitted mixture

    Returns
    -------
    model : CovarianceModel
    """
    name = getattr(estimator, "_fitted_structure", None)
    if name is None:
        name = getattr(estimator, "covariance_type", "full")
    return get_covariance_model(name)


def check_fitted_values(estimator, model):
    """Raise when a mixture's fitted attributes are not a mixture's.

    A fit stores sound values; attributes set by hand (supported: a model
    built from known parameters, or adjusted before ``partial_fit``) are
    read by every prediction, sample and warm start, where a NaN weight gave
    NaN probabilities silently and a zero precision factor numpy's
    ``LinAlgError``.

    Parameters
    ----------
    estimator : fitted mixture
    model : CovarianceModel
        The structure its covariances are stored in (:func:`fitted_model`).
    """
    name = type(estimator).__name__
    means = np.asarray(estimator.means_)
    if means.ndim != 2:
        raise ValueError(
            f"{name}.means_ should have shape (n_components, n_features); got "
            f"shape {means.shape}."
        )
    n_components, n_features = means.shape
    expected = {
        "weights_": (n_components,),
        "covariances_": tuple(model.param_shape(n_components, n_features)),
        "precisions_cholesky_": tuple(model.param_shape(n_components, n_features)),
    }
    # A duck-typed mixture (condition() reads weights_, means_, covariances_)
    # need not have precisions_cholesky_.
    if not hasattr(estimator, "precisions_cholesky_"):
        del expected["precisions_cholesky_"]
    values = {"means_": means}
    for attribute, shape in expected.items():
        values[attribute] = np.asarray(getattr(estimator, attribute))
        if values[attribute].shape != shape:
            raise ValueError(
                f"{name}.{attribute} should have shape {shape} for "
                f"{n_components} component(s) of {n_features} feature(s) in "
                f"covariance_type={model.name!r}; got shape "
                f"{values[attribute].shape}."
            )
    problem = None
    for attribute, array in values.items():
        if not np.isfinite(array).all():
            problem = f"{attribute} has non-finite entries"
            break
    weights = values["weights_"]
    if problem is None and (np.any(weights < 0) or not weights.sum() > 0):
        problem = f"weights_ should be non-negative with a positive sum; got {weights}"
    if problem is None:
        for attribute in ("covariances_", "precisions_cholesky_"):
            if attribute not in values:
                continue
            full = model.to_full(values[attribute], n_components, n_features)
            if not np.all(np.diagonal(full, axis1=-2, axis2=-1) > 0):
                problem = f"{attribute} has a variance (diagonal entry) <= 0"
                break
    if problem is not None:
        raise ValueError(
            f"{name}: {problem}. Fitted attributes set by hand must be those of "
            "a mixture: finite, weights_ non-negative, covariances_ and "
            "precisions_cholesky_ positive definite (the latter the Cholesky "
            "factors of the inverse covariances). Copy them from a fitted "
            "mixture, or fit again."
        )


def stored_params(estimator, model, params, center):
    """The stored parameters as engine ones, when storing moved the means.

    ``means_`` are stored in the data's own coordinates, rounded to their
    magnitude: far from the origin (1e15 against a spread of 1) that moves
    them by a sizeable part of a component's spread, and every later score
    reads the stored model. Returns them centred on ``center`` when some
    mean moved by more than the storage dtype's precision policy in units
    of its component's standard deviations; None otherwise (the run's
    parameters score the same model).
    """
    means = np.asarray(estimator.means_, np.float64) - center
    covariances = np.asarray(estimator.covariances_, np.float64)
    full = model.to_full(covariances, *means.shape)
    spread = np.sqrt(np.diagonal(full, axis1=1, axis2=2))
    with np.errstate(divide="ignore", invalid="ignore"):
        drift = np.abs(means - np.asarray(params.means)) / spread
    dtype = np.asarray(estimator.means_).dtype.type
    if not np.nanmax(drift, initial=0.0) > TOLERANCE.get(dtype, 1e-10):
        return None
    weights = np.asarray(estimator.weights_, np.float64)
    factors = np.asarray(estimator.precisions_cholesky_, np.float64)
    noise = None
    if params.noise_proportion is not None:  # the stored noise proportion
        noise = getattr(estimator, "noise_proportion_", None)
    return dataclasses.replace(
        params,
        weights=weights,
        means=means,
        covariances=covariances,
        precisions_cholesky=factors,
        log_weights=None,
        raw_means=np.asarray(estimator.means_, np.float64),
        noise_proportion=params.noise_proportion if noise is None else float(noise),
    )


def forget_fit(estimator, keep=()):
    """Remove every fitted attribute of ``estimator`` but those in ``keep``.

    Fitted attributes are the public ones ending in ``_`` (scikit-learn's
    convention): an estimator whose fit fails removes them, so that nothing
    of an earlier fit predicts beside the new data's ``n_features_in_``.
    """
    state = vars(estimator)
    for name in [n for n in state if n.endswith("_") and not n.startswith("_")]:
        if name not in keep:
            del state[name]
    if "covariances_" not in keep:
        # The structure the removed covariances were stored in (fitted_model).
        state.pop("_fitted_structure", None)


def unfitted_on_failure(fit):
    """Decorate ``fit``: when it fails, the estimator is left unfitted.

    Validation sets the new data's ``n_features_in_`` before the fit can
    fail; beside an earlier fit's attributes every later call would break
    (see :func:`forget_fit`).
    """

    @functools.wraps(fit)
    def guarded(estimator, *args, **kwargs):
        try:
            return fit(estimator, *args, **kwargs)
        except BaseException:
            forget_fit(estimator)
            raise

    return guarded


def unchanged_on_failure(fit):
    """Decorate ``fit``: when it fails, the estimator is left as it was.

    Validation sets the new data's ``n_features_in_`` before the fit can
    fail; beside an earlier fit's attributes (or none, after a first
    ``partial_fit``) every later call would break.
    """

    @functools.wraps(fit)
    def guarded(estimator, *args, **kwargs):
        before = dict(vars(estimator))
        try:
            return fit(estimator, *args, **kwargs)
        except BaseException:
            vars(estimator).clear()
            vars(estimator).update(before)
            raise

    return guarded
