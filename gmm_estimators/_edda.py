"""EDDA: eigenvalue decomposition discriminant analysis (Bensmail and Celeux 1996).

The ``model_type='EDDA'`` fit of
:class:`~gmm_estimators.GaussianMixtureClassifier`: one Gaussian per class,
the classes' covariances constrained jointly by one covariance structure,
chosen by BIC. ``'VVV'`` is quadratic discriminant analysis, ``'EEE'``
linear discriminant analysis.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp

from ._adaptation import mixture_from_parameters, scatter_in_kind, structure_of
from ._criteria import bic
from ._data_span import data_warning
from ._degenerate import check_blocks
from ._engine import ArraySource
from ._engine._data import weight_scale
from ._engine._estep import weighted_mean
from ._engine._mstep import structure_covariances
from ._engine._representation import bulk_center
from ._gaussian_mixture import GaussianMixture
from ._warn import warn_user
from .covariance._exact import log_density_floor
from .covariance._linalg import rounding_bound, separate_ties
from .exceptions import DegenerateStepError
from .model_selection._candidates import (
    feature_covariance,
    rank_candidates,
    regularisation_unit,
    warn_failed_user_structures,
)

__all__ = [
    "linear_forms",
    "classes_log_likelihood",
    "fit_edda",
    "log_or_minus_inf",
    "one_component_mixtures",
    "separate_class_ties",
    "shared_precision_log_odds",
]


def fit_edda(X, y_index, weights, types, proportions, reg_covar):
    """EDDA: one Gaussian per class, the covariances under one shared structure.

    With one-hot responsibilities (the labels), fitting a ``C``-component
    mixture is a single M-step: class means, and the structure's covariance
    M-step on the class scatter matrices. Each structure of ``types`` is
    fitted so and scored by the BIC of that ``C``-component mixture (its
    proportions not counted, mclust's ``equalPro``); fits whose class
    covariance rests on rows that do not spread as the structure needs
    (``_degenerate.check_blocks`` on the labels as responsibilities: at most
    ``d`` distinct rows of a class for an own covariance, a class on one
    point for an own volume; scale-free, and blind to how far apart the
    classes are) are marked degenerate.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y_index : ndarray of shape (n_samples,)
        Class of each row, as an index into the classes.
    weights : ndarray of shape (n_samples,)
        Frequency weights of the rows.
    types : list of str
        Candidate structures.
    proportions : ndarray of shape (n_classes,)
        The classes' (weighted) proportions.
    reg_covar : float
        In units of the data's thinnest spread
        (``model_selection._candidates.regularisation_unit``); the fitted
        mixtures carry the absolute value.

    Returns
    -------
    results : dict of ndarray
        One row per structure (``covariance_type``, ``bic``,
        ``log_likelihood``, ``n_parameters``, ``degenerate``, ``rank``).
    covariance_type : str
        The chosen structure.
    mixtures : list of GaussianMixture
        One-component mixtures, one per class, of the chosen structure.
    n_parameters : int
        The classifier's free parameters (``n_classes - 1`` proportions
        included).
    """
    n_classes, d = proportions.size, X.shape[1]
    # In units of the data's thinnest spread, as the selector's thorough
    # search that fits MclustDA and UBM: an absolute 1e-6 swamped the class
    # covariances of data in small units (1e-20: every row predicted at
    # chance), and the classifier's answer should not depend on the units.
    relative = reg_covar
    reg_covar = reg_covar * regularisation_unit(feature_covariance(X, weights))
    # What a fit of the same rows says (GaussianMixture's, MclustDA's): a
    # constant feature, or rows spanning fewer dimensions than their
    # features, where every class covariance is reg_covar alone and sets the
    # likelihood (a feature that is the sum of two others inflated it by
    # 1,175 units, unsaid). The classes are judged within the rows' span.
    source = ArraySource.from_arrays(X, weights)
    if message := data_warning(reg_covar, source, relative=relative):
        warn_user(message, UserWarning)
    total = weights.sum()
    # As in the engine's M-step, the structures see counts and scatter in
    # units of the weights' scale (their mean: rows' worth): weights of 1e-310
    # lost digits and overflowed EVV's volume (numpy's RuntimeWarnings).
    unit = weight_scale(weights)
    scaled = weights / unit
    # Centred as every source (bulk_center): beside a few far rows the mean
    # would leave a class without them no digits (class mean 5888 for 0).
    center = bulk_center(scaled @ X / scaled.sum(), X, scaled)[0]
    Xc = X - center
    one_hot = np.zeros((X.shape[0], n_classes))
    one_hot[np.arange(X.shape[0]), y_index] = 1.0
    resp = one_hot * scaled[:, np.newaxis]
    nk = resp.sum(axis=0)
    means = resp.T @ Xc / nk[:, np.newaxis]
    scatter = np.empty((n_classes, d, d))
    for c in range(n_classes):
        residual = Xc - means[c]
        scatter[c] = (residual * resp[:, c, np.newaxis]).T @ residual
    judged = _each_class_of_unit_weight(X, one_hot, scaled, nk)
    # The verdict reads only where the rows are and what the structure's
    # components must spread as: one per kind of spread, not per structure.
    degenerate_for = {}

    rows, fits, errors = [], [], []
    for name in types:
        model = structure_of(name)
        row = {
            "covariance_type": name,
            "bic": np.nan,
            "log_likelihood": np.nan,
            "n_parameters": int(n_classes * d + model.n_parameters(n_classes, d)),
            "degenerate": False,
        }
        mixtures, error = None, None
        try:
            covariances = _one_step_to_its_end(model, nk, scatter, reg_covar)
            mixtures = one_component_mixtures(
                name, reg_covar, means + center, covariances, n_classes, d
            )
            # Judged from where each class's rows are, not from its
            # covariance: independent of reg_covar, of the units and of how
            # far apart the classes lie (a class covariance compared with
            # the whole data's called classes 1e5 sd apart singular). Only
            # degeneracy counts: the classes are given, so a class far
            # narrower than another is a fact of the data, not a spurious
            # component found by EM.
            # A class's covariance, not a fit's likelihood: one held by
            # reg_covar alone is singular, under an equal volume too.
            spread = model.own_spread.alone
            if spread not in degenerate_for:
                degenerate_for[spread] = (
                    check_blocks(
                        judged.blocks,
                        judged.total_scatter,
                        judged.weight_sum,
                        means + center - judged.center,
                        model.to_full(covariances, n_classes, d),
                        own_spread=spread,
                        origin=judged.center,
                    ).degenerate.size
                    > 0
                )
            row["degenerate"] = bool(
                degenerate_for[spread]
                or any(m.collapsed_components_.size for m in mixtures)
            )
            log_density = np.column_stack([m.score_samples(X) for m in mixtures])
            _record_class_objectives(mixtures, log_density, y_index, weights)
            ll = classes_log_likelihood(weights, log_density, proportions)
            if np.isfinite(ll):
                row["log_likelihood"] = ll
                row["bic"] = bic(ll, row["n_parameters"], total)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as caught:
            mixtures, error = None, caught
        rows.append(row)
        fits.append(mixtures)
        errors.append(error)
    warn_failed_user_structures(rows, errors)

    table = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    table["covariance_type"] = table["covariance_type"].astype(object)
    table["rank"] = rank_candidates(
        table["bic"], table["degenerate"], table["n_parameters"]
    )
    best = int(np.argmin(table["rank"]))
    usable = np.isfinite(table["bic"]) & ~table["degenerate"]
    if not usable[best]:
        _raise_unfitted(types, table, errors)
        raise ValueError(
            "EDDA: every covariance structure tried "
            f"({list(types)!r}) gave a singular class covariance on these data "
            f"(class counts {(nk * unit).tolist()!r}, n_features = {d}), judged "
            "without reg_covar (a class covariance that only reg_covar keeps "
            "invertible is degenerate), so a larger reg_covar does not change "
            "this verdict. Try structures with fewer parameters (spherical "
            "'EII' or 'VII', diagonal 'EEI'), model_type='MclustDA', or give "
            "the classes more rows."
        )
    n_parameters = int(table["n_parameters"][best]) + n_classes - 1
    return table, types[best], fits[best], n_parameters


def _raise_unfitted(types, table, errors):
    """Raise the first error where no structure was fitted, none degenerate.

    A structure's M-step that raised (one from user code at fault) is no
    singular class covariance, which the caller's message says.
    """
    first = next((e for e in errors if e is not None), None)
    if first is None or isinstance(first, DegenerateStepError):
        return
    if np.isfinite(table["bic"]).any() or table["degenerate"].any():
        return
    raise ValueError(
        f"EDDA: no covariance structure tried ({list(types)!r}) could be "
        f"fitted; the first error: {type(first).__name__}: {first}"
    ) from first


class _Judged(NamedTuple):
    """The rows as the degeneracy test reads them (``check_blocks``' arguments)."""

    blocks: object
    total_scatter: np.ndarray
    weight_sum: float
    center: np.ndarray


# Restarts of a structure's inner iteration (EVE, VVE...) from its own end.
_INNER_RESTARTS = 50


def _one_step_to_its_end(model, nk, scatter, reg_covar):
    """The structure's M-step, its inner iteration run to its end.

    In EM an M-step's inner iteration stops early and the next starts from
    where it stopped (``previous``); EDDA's one step is the whole fit, so it
    restarts from its own result until that no longer changes (EVE stopped
    2e-4 of log-likelihood short of mclust's ``mstep`` on crabs and
    banknote). Closed-form structures return the same on the first restart.
    """
    kind = scatter_in_kind(model, scatter.copy())
    shape = scatter.shape[:2]
    covariances = structure_covariances(model, nk.copy(), kind, reg_covar, shape)
    for _ in range(_INNER_RESTARTS):
        again = structure_covariances(
            model, nk.copy(), kind.copy(), reg_covar, shape, previous=covariances
        )
        # Relative to the largest entry: an off-diagonal zero rounds.
        scale = float(np.max(np.abs(covariances)))
        if np.allclose(again, covariances, rtol=1e-13, atol=1e-13 * scale):
            return again
        covariances = again
    return covariances


def _each_class_of_unit_weight(X, one_hot, weights, nk):
    """The rows weighted so that every class weighs one, for ``check_blocks``.

    Its rule for an EM component that holds (almost) no weight would call a
    class of weight below 1e-8 of the total empty, however spread its rows:
    the classes are given, and only where their rows lie is judged.
    """
    scaled = weights / (one_hot @ nk)
    weight_sum = float(scaled.sum())
    # Within the rows' range, as a source's centre: a constant feature's is
    # its value exactly. Rounded off it, the feature varied by an ulp and
    # every class rested on a point there (VII and VVV called degenerate).
    positive = X[scaled > 0]
    center = scaled @ X / weight_sum
    center = np.clip(center, positive.min(axis=0), positive.max(axis=0))
    center = bulk_center(center, X, scaled)[0]
    Xc = X - center
    total_scatter = (Xc * scaled[:, np.newaxis]).T @ Xc
    return _Judged(lambda: [(Xc, scaled, one_hot)], total_scatter, weight_sum, center)


def classes_log_likelihood(weights, log_density, proportions):
    """``sum_i w_i log sum_c p_c p(x_i | c)`` over the rows of positive weight.

    A row of weight zero counts for nothing, even beyond the float range of
    every class's density (``0 * -inf`` would make the sum NaN).
    """
    kept = weights > 0
    mixed = logsumexp(log_density[kept] + log_or_minus_inf(proportions), axis=1)
    return float(weights[kept] @ mixed)


def _record_class_objectives(mixtures, log_density, y_index, weights):
    """Each class mixture's ``lower_bound_``: its rows' mean log-likelihood.

    What a one-component ``GaussianMixture`` reports of its training rows
    (``-inf`` had said no fit happened, and broke a warm start from it).
    """
    for c, mixture in enumerate(mixtures):
        rows = (y_index == c) & (weights > 0)
        if rows.any():
            mixture.lower_bound_ = weighted_mean(log_density[rows, c], weights[rows])
            mixture.lower_bounds_ = [mixture.lower_bound_]


def log_or_minus_inf(values):
    """``np.log`` with ``log 0 = -inf`` and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(values)


def one_component_mixtures(name, reg_covar, means, covariances, n_classes, d):
    """Class ``c``'s Gaussian of a ``C``-component fit, as a 1-component mixture."""
    model = structure_of(name)
    shared = tuple(model.param_shape(n_classes, d)) == tuple(model.param_shape(1, d))
    template = GaussianMixture(1, covariance_type=name, reg_covar=reg_covar)
    return [
        mixture_from_parameters(
            template,
            np.ones(1),
            means[c : c + 1],
            covariances if shared else covariances[c : c + 1],
        )
        for c in range(n_classes)
    ]


def separate_class_ties(joint, X, mixtures, log_priors):
    """The classes' joint log-likelihoods, ties of one covariance ordered.

    ``joint`` are the rows' ``log pi_c + log p(x | c)`` under EDDA's
    one-component ``mixtures``. Classes that share a covariance (EII, EEI,
    EEE: linear discriminant analysis) differ by a linear form of ``x``, but
    far from the data the quadratic terms (1e34 at 1e17 standard
    deviations) round it away and every class ties; the linear form orders
    them, as in the engine (``covariance._linalg.separate_ties``). Rows
    beyond the float range of every density come with their limits already
    (``_class_limits.limit_scores``).

    Parameters
    ----------
    joint : ndarray of shape (n_samples, n_classes)
    X : ndarray of shape (n_samples, n_features)
    mixtures : list of GaussianMixture
        One component each (EDDA's ``mixtures_``).
    log_priors : ndarray of shape (n_classes,)

    Returns
    -------
    values : ndarray of shape (n_samples, n_classes)
        A new array (``joint`` is left as it is).
    """
    d = X.shape[1]
    floor = log_density_floor(np.float64)
    precisions, means, offset = _class_gaussians(mixtures, log_priors, d)
    with np.errstate(all="ignore"):
        # Classes of prior zero stay -inf (no row goes to them).
        possible = np.isfinite(log_priors)
        values = np.array(joint, dtype=np.float64)
        bound = rounding_bound(values, possible, d)
    return separate_ties(
        values, bound, lambda rows: X[rows], precisions, means, offset, floor
    )


def _class_gaussians(mixtures, log_priors, d):
    """Precisions (C, d, d), means (C, d) and ``log pi_c - log |Sigma_c| / 2 - ...``."""
    model = structure_of(mixtures[0].covariance_type)
    with np.errstate(all="ignore"):
        precisions = np.concatenate(
            [model.to_full(np.asarray(m.precisions_), 1, d) for m in mixtures]
        )
        means = np.concatenate([np.asarray(m.means_, np.float64) for m in mixtures])
        log_det = np.concatenate(
            [model.log_det_cholesky(m.precisions_cholesky_, d) for m in mixtures]
        )
        offset = log_priors + log_det - 0.5 * d * np.log(2.0 * np.pi)
    return precisions, means, offset


def shared_precision_log_odds(X, mixtures, log_priors):
    """Log-odds of the second of two classes of one covariance, or None.

    ``log pi_1 p(x | 1) - log pi_0 p(x | 0)`` is then linear in ``x`` (linear
    discriminant analysis): computed as such it is exact where the
    difference of the two joint log-likelihoods rounds away (far rows).
    Beyond the float range it is the largest float of its sign. None when
    the classes' precisions differ or a prior is zero.
    """
    precisions, means, offset = _class_gaussians(mixtures, log_priors, X.shape[1])
    if not (np.array_equal(precisions[0], precisions[1]) and np.isfinite(offset).all()):
        return None
    with np.errstate(all="ignore"):
        weights = precisions[0] @ (means[1] - means[0])
        midpoint = (means[0] + means[1]) / 2
        linear = linear_forms(X, [midpoint], [weights])[:, 0]
        log_odds = linear + (offset[1] - offset[0])
    largest = np.finfo(np.float64).max
    return np.clip(log_odds, -largest, largest)


def linear_forms(X, points, slopes):
    """``(x - p_k)' s_k`` of every row for every point and slope, far rows too.

    Each row is scaled by a power of two (exactly) before the products, and
    the sums scaled back: rows whose squares, or whose products with the
    slopes, overflow float64 keep every digit of a form that does not.
    Call within ``np.errstate(all="ignore")`` (a form beyond the float range
    is inf).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    points, slopes : sequences of K arrays of shape (n_features,)

    Returns
    -------
    forms : ndarray of shape (n_samples, K)
    """
    _, exponents = np.frexp(np.maximum(np.abs(X).max(axis=1), 1.0))
    down = np.ldexp(1.0, -exponents)[:, np.newaxis]
    scaled = X * down
    forms = np.column_stack(
        [
            (scaled - point * down) @ slope
            for point, slope in zip(points, slopes, strict=True)
        ]
    )
    return np.ldexp(forms, exponents[:, np.newaxis])
