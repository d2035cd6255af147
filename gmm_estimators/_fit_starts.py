"""The starting parameters of a fit: the initialiser's, then the user's.

A start is one M-step on the initialiser's responsibilities (k-means,
k-means++, random, rows from the data or mclust's agglomeration, see
``_initialization``), after which ``weights_init``, ``means_init`` and
``precisions_init`` replace what they give. With a noise component the
initialiser partitions only the rows outside the initial noise mask
(mclust's ``initialization = list(noise = ...)``). ``BaseMixture._starts``
makes ``n_init`` of them; the selector's shared starts are
``model_selection._starts``.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils import check_random_state

from ._engine import Params, statistics_from_resp
from ._engine._data import check_weight_sum, weight_scale
from ._fitted import check_fitted_values
from ._initialization import CanonicalRows, initial_responsibilities
from ._noise import too_few_outside_noise
from .covariance import get_covariance_model

__all__ = [
    "check_continuable",
    "check_enough_samples",
    "initial_parameters",
    "new_starts",
    "noise_starts",
]


def initial_parameters(
    init_params,
    n_components,
    model,
    source,
    options,
    user_init,
    random_state,
    mapper,
    canonical,
):
    """One start: from the initialiser, then the user's overrides.

    Parameters
    ----------
    init_params : str
        The initialiser's name (``INITIALIZERS``).
    n_components : int
    model : CovarianceModel
    source : data source
        The rows the initialiser partitions (in memory).
    options : EMOptions
        The M-step of the fit (with its prior).
    user_init : tuple
        ``(weights, means, precisions)`` given by the user, each or None.
    random_state : RandomState
    mapper : callable
        Maps the statistics of row blocks (threads).
    canonical : CanonicalRows or None
        The initialiser's view of the rows, shared by the starts.

    Returns
    -------
    params : Params
        Centred on ``source.center``.
    """
    weights, means, precisions = user_init
    if weights is None or means is None or precisions is None:
        resp_of_rows = initial_responsibilities(
            init_params,
            source.X,
            n_components,
            source.sample_weight,
            random_state,
            canonical=canonical,
            copies=options.prior is not None,
        )
        stats = statistics_from_resp(model, source, resp_of_rows, n_components, mapper)
        params, _ = options.m_step(model, source, stats)
    else:
        params = Params(None, None, None, None)
    _override(params, user_init, model, source.center, options=options)
    assert params.means.shape == (n_components, source.n_features)
    return params


def new_starts(estimator, model, source, options, user_init, mapper, noise_mask=None):
    """The ``n_init`` starts of a fit, made one at a time.

    Parameters
    ----------
    estimator : BaseMixture
        Its ``random_state``, ``n_init``, ``init_params`` and
        ``n_components``.
    model, options, user_init, mapper
        As for :func:`initial_parameters`.
    source : data source
        The training data; streamed data start from an in-memory sample
        (``source.init_source()``), centred like the whole data.
    noise_mask : ndarray of bool or None, default=None
        With a noise component, the rows that start as noise (see
        :func:`noise_starts`).

    Yields
    ------
    params : Params
    lower_bound : float
        ``-inf`` (a new start).
    """
    random_state = check_random_state(estimator.random_state)
    if noise_mask is not None:
        yield from noise_starts(
            estimator,
            model,
            source,
            options,
            user_init,
            mapper,
            noise_mask,
            random_state,
        )
        return
    init = source.init_source()
    # The initialiser's view of the rows is the same for every start.
    canonical = (
        CanonicalRows.of(init.X, init.sample_weight)
        if any(value is None for value in user_init)
        else None
    )
    for _ in range(estimator.n_init):
        params = initial_parameters(
            estimator.init_params,
            estimator.n_components,
            model,
            init,
            options,
            user_init,
            random_state,
            mapper,
            canonical,
        )
        yield params, -np.inf


def _override(params, user_init, model, center, weight_share=None, options=None):
    """Replace parameters by the user's (``weights`` scaled by ``weight_share``).

    ``options`` (the fit's ``EMOptions``) say whether the proportions are
    held equal, which unequal ``weights`` then leave.
    """
    weights, means, precisions = user_init
    if weights is not None:
        params.weights = np.asarray(weights, dtype=np.float64)
        if weight_share is not None:
            params.weights = params.weights * weight_share
    if means is not None:
        params.means = np.asarray(means, dtype=np.float64) - center
        _check_means_reach_rows(params.means)
    if precisions is not None:
        precisions = np.asarray(precisions, dtype=np.float64)
        params.precisions_cholesky = model.precision_cholesky_from_precisions(
            precisions
        )
        params.covariances = model.covariances_from_cholesky(params.precisions_cholesky)
    # Means are free in every structure; weights (under equal proportions)
    # and covariances may not be (see ``Params.given``).
    equal = getattr(options, "equal_proportions", False)
    params.given = bool(
        (equal and weights is not None and np.ptp(params.weights) > 0)
        or (precisions is not None and outside_structure(model, params))
    )


def outside_structure(model, params):
    """Whether ``params.covariances``, given by hand, lie outside ``model``.

    The structure's M-step on the start's own moments (each covariance as
    its component's scatter, weighted by its weight) returns them when they
    are members, whose unconstrained maximiser is then the constrained one;
    a start it moves (beyond the inner iterations' tolerance) is outside.
    """
    n_components, n_features = params.means.shape
    covariances = np.asarray(params.covariances, np.float64)
    full = model.to_full(covariances, n_components, n_features)
    nk = np.asarray(params.weights, np.float64)
    try:
        with np.errstate(all="ignore"):
            scatter = model.scatter.from_full(nk[:, np.newaxis, np.newaxis] * full)
            imposed = model.m_step(nk, scatter, 0.0, previous=covariances)
            imposed = model.to_full(np.asarray(imposed), n_components, n_features)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return True
    return not np.allclose(imposed, full, rtol=1e-6, atol=0.0)


def _check_means_reach_rows(means):
    """Refuse user means whose squared distance to the data overflows float64.

    Under such a mean no row has a finite likelihood (the rows themselves
    are held to the same bound, ``_engine.check_squares_fit``).
    """
    with np.errstate(over="ignore"):
        far = ~np.isfinite(np.einsum("kd,kd->k", means, means))
    if far.any():
        k = int(np.flatnonzero(far)[0])
        raise ValueError(
            f"means_init: the mean of component {k} lies about "
            f"{np.abs(means[k]).max():.3g} from the data's centre, too far for "
            "its squared distance to any row to fit in float64, so no row has "
            "a finite likelihood under it. Pass means within the range of the "
            "data, or leave means_init unset."
        )


def noise_starts(
    estimator, model, source, options, user_init, mapper, noise_mask, random_state
):
    """The starts of a fit with a noise component.

    The initialiser partitions the rows outside ``noise_mask`` into
    ``n_components`` groups; the rows of the mask start in the noise
    component (responsibility 1), so the first M-step gives the noise
    proportion ``sum_{i in mask} w_i / sum_i w_i``. The user's
    ``weights_init`` are the Gaussian proportions relative to each other
    (scaled by ``1 - noise proportion``).

    Parameters
    ----------
    estimator : BaseMixture
        Its ``n_components``, ``n_init`` and ``init_params``.
    model, source, options, user_init, mapper, random_state
        As for :func:`initial_parameters`.
    noise_mask : ndarray of shape (n_samples,), dtype=bool
        The rows that start as noise.

    Yields
    ------
    params : Params
    lower_bound : float
        ``-inf`` (a new start).
    """
    n_components = estimator.n_components
    weights = source.sample_weight
    keep = ~noise_mask
    noise_weight = float(
        noise_mask.sum() if weights is None else weights[noise_mask].sum()
    )
    kept_weight = source.weight_sum - noise_weight
    n_kept = int(keep.sum() if weights is None else np.count_nonzero(weights[keep]))
    if n_kept < n_components:
        raise too_few_outside_noise(noise_mask, n_kept, n_components)
    w_kept = None if weights is None else weights[keep]
    X_kept = source.X[keep]
    canonical = (
        CanonicalRows.of(X_kept, w_kept)
        if any(value is None for value in user_init)
        else None
    )
    for _ in range(estimator.n_init):
        if any(value is None for value in user_init):
            resp_of_rows = partition_outside_noise(
                estimator.init_params,
                X_kept,
                keep,
                n_components,
                w_kept,
                random_state,
                canonical,
            )
            stats = statistics_from_resp(
                model, source, resp_of_rows, n_components, mapper
            )
            add_noise_statistics(stats, source, noise_mask)
            params, _ = options.m_step(model, source, stats)
        else:
            params = Params(
                None,
                None,
                None,
                None,
                noise_proportion=noise_weight / source.weight_sum,
                noise_log_volume=options.noise_log_volume,
            )
        _override(
            params,
            user_init,
            model,
            source.center,
            weight_share=kept_weight / source.weight_sum,
            options=options,
        )
        yield params, -np.inf


def partition_outside_noise(
    method, X_kept, keep, n_components, weights_kept, random_state, canonical
):
    """``resp_of_rows`` of the initialiser's partition of the rows outside noise.

    ``X_kept`` (and ``weights_kept``) are the rows where ``keep`` is True;
    the rows that start as noise get no Gaussian responsibility.
    """
    resp_kept = initial_responsibilities(
        method, X_kept, n_components, weights_kept, random_state, canonical=canonical
    )(slice(0, X_kept.shape[0]))
    unassigned = ~resp_kept.any(axis=1)
    if unassigned.any():
        # Seeding initialisers ('k-means++', 'random_from_data') mark only
        # their seed rows. Beside the noise, whose start holds the weight of
        # its rows, Gaussians on one row each started at about reg_covar and
        # lost every row to the noise: the other rows join the nearest seed.
        # A partition: each seed row counts its whole weight, as the rows
        # that join it (its seed count, the lightest seed's weight, made
        # integer weights start otherwise than repeated rows).
        resp_kept = np.array(resp_kept > 0, dtype=np.float64)
        X = np.asarray(X_kept, dtype=np.float64)
        seeds = (resp_kept.T @ X) / resp_kept.sum(axis=0)[:, np.newaxis]
        if weights_kept is not None:  # rows of weight zero count for nothing
            unassigned &= weights_kept > 0
        rows = np.flatnonzero(unassigned)
        # Blockwise (sklearn's chunked argmin): no rows x K x d temporary.
        resp_kept[rows, pairwise_distances_argmin(X[rows], seeds)] = 1.0
    resp = np.zeros((keep.shape[0], n_components), dtype=resp_kept.dtype)
    resp[keep] = resp_kept
    return lambda rows: resp[rows]


def add_noise_statistics(stats, source, noise_mask):
    """Set the noise start's ``noise_count`` and ``gaussian_scatter`` on ``stats``.

    The noise component's weight is that of the rows in ``noise_mask``; the
    Gaussian scatter is that of the other rows (``_engine.m_step`` with a
    noise component reads both).
    """
    keep = ~noise_mask
    weights = source.sample_weight
    stats.noise_count = float(
        noise_mask.sum() if weights is None else weights[noise_mask].sum()
    )
    Xc = source.centred(slice(0, source.n_rows))[keep].astype(np.float64)
    stats.gaussian_scatter = Xc.T @ (
        Xc if weights is None else Xc * weights[keep][:, np.newaxis]
    )


def check_continuable(estimator, model, how, source=None, *, noise=False):
    """Raise when a mixture's fitted parameters cannot continue with its settings.

    ``partial_fit`` and a warm start continue from the fitted parameters:
    ``n_components``, ``covariance_type``, the noise component (``noise``:
    whether the settings ask for one) and the number of features must be
    those they were fitted with, and the parameters a mixture's
    (``_fitted.check_fitted_values``).
    """
    n_components, n_features = np.shape(estimator.means_)
    fitted = getattr(estimator, "_fitted_structure", None)
    had_noise = getattr(estimator, "noise_volume_", None) is not None
    if source is not None and source.n_features != n_features:
        changed = f"X has {source.n_features} features, the fit {n_features}"
    elif estimator.n_components != n_components:
        changed = (
            f"n_components={estimator.n_components}, the fit has {n_components} "
            "components"
        )
    elif (
        fitted is not None and get_covariance_model(fitted) is not model
    ) or model.param_shape(n_components, n_features) != np.shape(
        estimator.covariances_
    ):
        changed = (
            f"covariance_type={estimator.covariance_type!r} is not the structure "
            "the covariances were fitted with"
        )
    elif noise != had_noise:
        changed = f"noise={noise}, the fit {'has' if had_noise else 'has no'} noise"
    else:
        # The shapes agree; the values may have been set by hand.
        check_fitted_values(estimator, model)
        return
    raise ValueError(
        f"{type(estimator).__name__}: {how} continues from the fitted parameters, "
        f"but {changed}. Fit again from scratch (warm_start=False, or a new "
        "estimator), or restore the settings of the fit."
    )


def check_enough_samples(n_components, X, sample_weight):
    """Refuse fewer rows (of positive weight) than components, clearly."""
    n_samples = X.shape[0]
    if n_samples < n_components:
        raise ValueError(
            "Expected n_samples >= n_components but got "
            f"n_components = {n_components}, n_samples = {n_samples}. "
            "Reduce n_components or provide more samples."
        )
    if sample_weight is not None:
        check_weight_sum(sample_weight)
        n_weighted = int(np.count_nonzero(sample_weight))
        if n_weighted < n_components:
            raise ValueError(
                f"Only {n_weighted} samples have a positive sample_weight, fewer "
                f"than n_components = {n_components}. Reduce n_components "
                "or give more samples a positive weight."
            )
        # The engine reads the weights in units of their mean (weight_scale):
        # a weight beyond float64's range of it (1e-170 beside 1e170) is zero.
        unit = weight_scale(sample_weight)
        n_held = int(np.count_nonzero(np.asarray(sample_weight) / unit))
        if n_held < n_components:
            lightest = float(np.min(sample_weight[sample_weight > 0]))
            raise ValueError(
                f"Only {n_held} samples have a sample_weight within float64's "
                f"range of the weights' mean ({unit:.3g}), fewer than "
                f"n_components = {n_components}: the lightest (down to "
                f"{lightest:.3g}) are zero beside it. Reduce n_components, or "
                "raise the lightest weights (beside the others their rows count "
                "for nothing)."
            )
