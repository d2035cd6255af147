"""Chosen clusters tighter than the thorough search's ``reg_covar``.

The thorough search's ``reg_covar`` is in units of the data's thinnest
spread: clusters far apart compared with their own spread make that unit
large, and the chosen model's components are then mostly ``reg_covar``.
The search runs again with ``reg_covar`` in units of their own variance
(:func:`swamp_remedy`), or the pick says so (:func:`pick_warnings`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .._collapse import mixture_covariance
from .._data_span import coordinates
from .._engine._sources import is_streamed, prediction_source
from ..covariance import get_covariance_model

#: BIC units that ``reg_covar`` may cost a component of the chosen model
#: before it counts as swamped (see :func:`_swamped_in`).
SWAMP_COST = 0.05

#: Relative spread of the means within which a feature whose fitted
#: variances are all ``reg_covar`` counts as constant: the rounding of
#: averaging one value (a thousand ulps).
_MEANS_ROUNDING = 1e3 * np.finfo(np.float64).eps

#: Share of ``reg_covar`` at or below which a fitted variance less
#: ``reg_covar`` is read from the rows instead (see :func:`_own_variance`).
_RESOLVED = 1e-6


def _swamped_variances(estimator, span=None, weight_sum=None, constant=None):
    """``(absolute reg_covar, swamped, narrowest, directions, cost)`` or None.

    The swamped components, each component's narrowest variance, direction
    (``(K, d)``, unit vectors in the data's units) and the BIC units
    ``reg_covar`` costs it (zeros without ``weight_sum``).

    A sound component is swamped when its variance along its narrowest
    direction in the data's span is at most eleven times the absolute
    ``reg_covar`` (the rows' own part at most ten times it), or, given the
    data's ``weight_sum``, when ``reg_covar`` costs its fit more than
    :data:`SWAMP_COST` BIC units (see :func:`_swamped_in`). Directions the
    data do not span (constant features, rows on a line or plane) hold
    ``reg_covar`` and rounding alone in every component, which is no
    variance of their own (rows on two points of a line: a remedy taken
    from that rounding, 1e-17, left EM oscillating for 1,000 iterations).
    ``span`` is the rows' own
    (``_data_span.rows_span``'s basis) when they
    span fewer dimensions than their features: read from the fit instead,
    a structure whose covariances are not exactly ``reg_covar`` off it
    (VEE's shared shape) made that direction a tight cluster's, and the
    advice to lower ``reg_covar`` there made every criterion diverge.
    ``constant`` marks the features constant in the rows (the search's
    ``settings["constant"]``): the fit alone cannot always tell them (see
    below).
    """
    absolute = float(estimator.reg_covar)
    if absolute <= 0:
        return None
    K, d = np.shape(estimator.means_)
    model = get_covariance_model(estimator.covariance_type)
    full = model.to_full(np.asarray(estimator.covariances_, np.float64), K, d)
    if span is not None:
        if not span.size:
            return None
        return _swamped_in(estimator, full, span, absolute, weight_sum=weight_sum)
    # The data's span, read from the covariance the mixture implies (the
    # fitted covariances less reg_covar, as _collapse.still_spread does).
    total = mixture_covariance(
        estimator.weights_, estimator.means_, full - absolute * np.eye(d)
    )
    # Constant features (every variance reg_covar alone; warned of by
    # _engine.reg_covar_swamps): their implied variance is the rounding of
    # the means, which the standardised coordinates would make a direction.
    # A feature is constant when its means agree too (to rounding): tight
    # clusters far apart (sd 1e-3, 1e6 apart) also leave every variance
    # reg_covar to 1e-9, and read as constant they were never found swamped
    # (covariances of 2.5e5 to 7.5e5 chosen, thousands of nats below the
    # clusters' own fit).
    variances = np.diagonal(full, axis1=-2, axis2=-1)
    means = np.asarray(estimator.means_, dtype=np.float64)
    fitted_constant = np.all(
        np.abs(variances - absolute) <= 1e-9 * absolute, axis=0
    ) & (np.ptp(means, axis=0) <= _MEANS_ROUNDING * np.abs(means).max(axis=0))
    # A structure that shares a shape or orientation (EVI, EVE, VEI...)
    # leaves a constant feature's variances off reg_covar, and the rows'
    # rounding about the fitted means passed for a tight cluster's spread:
    # the search ran again with reg_covar at 1e-75, every criterion 20,000
    # BIC units lower, as the constant's value rounded (0.1, not 0.5).
    if constant is not None:
        fitted_constant |= np.asarray(constant, dtype=bool)
    total[fitted_constant, :] = total[:, fitted_constant] = 0.0
    varying, scale, rotation = coordinates(total, 1.0)
    if not rotation.size:
        return None
    # An orthonormal basis of the span in the data's units: reg_covar * I
    # stays reg_covar * I in it.
    basis = np.linalg.qr(scale[:, np.newaxis] * rotation)[0]
    return _swamped_in(
        estimator, full[:, varying][:, :, varying], basis, absolute, varying, weight_sum
    )


def _swamped_in_search(estimator, settings):
    """:func:`_swamped_variances` with what the search knows of its rows."""
    return _swamped_variances(
        estimator,
        settings.get("span"),
        settings.get("weight_sum"),
        settings.get("constant"),
    )


def _swamped_in(estimator, full, basis, absolute, varying=None, weight_sum=None):
    """:func:`_swamped_variances` in the span of the orthonormal ``basis``.

    ``varying`` are the features ``basis`` and ``full`` are on (all: None).
    A variance ``v`` of the rows' own, inflated to ``v + r`` by ``reg_covar``
    ``r``, costs ``n_k (log(1 + r / v) - r / (v + r))`` BIC units over the
    ``n_k`` rows' worth of a component, about ``n_k (r / v)^2 / 2``: on 900
    rows a tenth of ``r / v`` costs 5 units, while the ratio alone (at most
    ten) let a cluster of 900 rows 13 times ``reg_covar`` end 5.6 BIC
    units below mclust's, unsaid.
    """
    values, vectors = np.linalg.eigh(basis.T @ full @ basis)
    narrowest = values[:, 0]
    K = narrowest.shape[0]
    sound = np.setdiff1d(np.arange(K), estimator.collapsed_components_)
    cost = np.zeros(K)
    if weight_sum is not None:
        own = values - absolute
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.log1p(absolute / own) - absolute / values
        terms = np.where(own > 0, terms, np.inf)
        cost = weight_sum * np.asarray(estimator.weights_) * terms.sum(axis=1)
    swamped = [
        int(k) for k in sound if narrowest[k] <= 11.0 * absolute or cost[k] > SWAMP_COST
    ]
    if not swamped:
        return None
    # Each component's narrowest direction, in the data's units and features.
    directions = np.zeros((K, np.shape(estimator.means_)[1]))
    directions[:, slice(None) if varying is None else varying] = (
        basis @ vectors[:, :, 0].T
    ).T
    return absolute, swamped, narrowest, directions, cost


def swamp_remedy(selector, settings, current, X=None, sample_weight=None):
    """The relative ``reg_covar`` of the thorough search run again, or None.

    When ``reg_covar`` (``current``, relative to the data's thinnest spread)
    makes up a sound component of the chosen model, the user's relative
    ``reg_covar`` is taken in units of the swamped components' own narrowest
    variance (:func:`_own_variance`, read from ``X`` where the fit cannot
    tell it) instead: clusters far apart compared with their own spread make
    the data's unit large (mclust, unregularised, fits them). None for
    ``search="grid"`` (whose ``reg_covar`` is absolute), when nothing is
    swamped, or when the components have no variance of their own to take
    as the unit, or on data with missing values: their unit comes from the
    mean-imputed rows, and the far smaller values a component's own
    variance gives on nearly collinear features leave the observed-data EM
    converging very slowly (the pick is kept, with the warning of
    :func:`pick_warnings`).
    """
    if not settings["relative_units"] or settings.get("missing"):
        return None
    found = _swamped_in_search(selector.best_estimator_, settings)
    if found is None:
        return None
    absolute = found[0]
    own = _own_variance(selector.best_estimator_, found, X, sample_weight)
    if not own > 0:
        return None
    lowered = selector.reg_covar * own / (absolute / current)
    return lowered if lowered < current else None


def _own_variance(estimator, found, X=None, sample_weight=None):
    """The swamped components' smallest variance of their own.

    Their fitted variance less ``reg_covar``, unless that is at most
    :data:`_RESOLVED` of ``reg_covar`` and the rows (``X``, unless Dask's)
    can tell it: a shape shared by components of different volumes (VEE, VEV)
    spreads ``reg_covar`` unequally, and the smaller one's fitted variance
    fell below it (1,500 nats below the rerun's fit, with only a warning);
    far below ``reg_covar`` the fitted variance holds the component's own
    part to few digits (the moments about the data's centre lose ``eps``
    times a far cluster's squared distance from it: 6e-11 was read for
    1e-6 on clusters 1e6 apart). ``found`` is :func:`_swamped_variances`'
    result.
    """
    absolute, swamped, narrowest, directions, _ = found
    own = float(np.min(narrowest[swamped])) - absolute
    if own > _RESOLVED * absolute or X is None:
        return own
    rows = _rows_variance(estimator, X, sample_weight, swamped, directions)
    return own if rows is None else rows


def _rows_variance(estimator, X, sample_weight, components, directions):
    """The smallest variance of ``components``' rows along their ``directions``.

    Weighted by their responsibilities (and ``sample_weight``); rows out of
    core (a memory map, an HDF5 or Zarr dataset) are read page by page, as
    the engine's source reads them (``_engine._sources.StreamSource``). None
    for Dask's rows, which are not read again here.
    """
    if type(X).__module__.partition(".")[0] == "dask":
        return None
    if is_streamed(X):
        source = prediction_source(estimator, X, np.zeros(X.shape[1]))
        pages = ((rows, block) for rows, block, _ in source.pages())
    else:
        X = np.asarray(X, dtype=np.float64)
        pages = [(slice(0, X.shape[0]), X)]
    if sample_weight is not None:
        sample_weight = np.broadcast_to(
            np.asarray(sample_weight, dtype=np.float64), (X.shape[0],)
        )
    n_components = np.shape(estimator.means_)[0]
    means = np.asarray(estimator.means_, dtype=np.float64)[components]
    along = np.asarray(directions, dtype=np.float64)[components]
    squares = np.zeros(len(components))
    weights = np.zeros(len(components))
    for rows, block in pages:
        block = np.asarray(block, dtype=np.float64)
        resp = estimator.predict_proba(block)[:, :n_components]  # no noise column
        if sample_weight is not None:
            resp = resp * sample_weight[rows, np.newaxis]
        for index, k in enumerate(components):
            # About the mean first: far clusters' offsets keep their digits.
            offsets = (block - means[index]) @ along[index]
            squares[index] += resp[:, k] @ offsets**2
            weights[index] += resp[:, k].sum()
    # A component without weight here tells nothing (its variance: none).
    held = weights > 0
    return float(np.min(squares[held] / weights[held])) if held.any() else None


def pick_warnings(selector, settings, relative):
    """``(message, category)`` of each warning about the chosen model.

    It did not converge, or ``reg_covar`` (``relative``, the thorough
    search's in units of the data's thinnest spread) still makes up most of
    one of its components (see :func:`swamp_remedy`).
    """
    best = selector.best_estimator_
    chosen = (
        f"The selected model (n_components={selector.n_components_}, "
        f"covariance_type={selector.covariance_type_!r})"
    )
    if not best.converged_ and best.n_iter_ < settings["max_iter"]:
        # The thorough search's plateau fallback: going on collapsed a
        # component, so more iterations would not help, and there is no
        # maximum beyond the plateau to fall short of: the likelihood rises
        # all the way to the collapsed fit (slid: 4,783 BIC units).
        yield (
            f"{chosen} stopped after {best.n_iter_} iterations on a plateau "
            "where the stopping rule never held (changes within ten times "
            "its bound): EM going on from there collapsed a component. The "
            "fit is that plateau's, where mclust's rule stops, not a maximum "
            "of the likelihood: none lies ahead of it, the likelihood rising "
            "on towards the collapsed fit, so its criterion holds only for "
            "the plateau.",
            ConvergenceWarning,
        )
    elif not best.converged_ and settings["max_iter"] > 0:
        yield (
            f"{chosen} did not converge in max_iter={settings['max_iter']} "
            "iterations; increase max_iter or tol.",
            ConvergenceWarning,
        )
    thorough = settings["relative_units"]
    found = _swamped_in_search(best, settings)
    if found is None:
        return
    absolute, swamped, narrowest, _, cost = found
    own = max(_own_variance(best, found), 0.0)
    units = (
        f" (relative to the data's thinnest spread: {absolute:.3g} in the data's units)"
        if thorough
        else ""
    )
    suggested = relative * own / absolute * 1e-3 if own > 0 else relative * 1e-6
    if np.min(narrowest[swamped]) <= 11.0 * absolute:
        share = "is at least a tenth of the variance of"
    else:
        share = (
            f"inflates (costing {float(np.sum(cost[swamped])):.2g} BIC units) "
            "the variance of"
        )
    yield (
        f"reg_covar={relative:g}{units} {share} component(s) {swamped} of the "
        "chosen model along its narrowest direction: the clusters are tighter "
        "than the regularisation lets the covariances fit, so these are "
        f"inflated. Pass a smaller reg_covar, e.g. reg_covar={suggested:.1g}.",
        UserWarning,
    )
