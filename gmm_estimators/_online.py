"""``partial_fit``: stepwise online EM (Cappé and Moulines, 2009) on mini-batches.

Online EM keeps a running average ``s`` of the sufficient statistics per
unit weight, each normalised by the weight of its batch: ``a_k = E[w r_k]``
(the share of component ``k``), ``b_k = E[w r_k x]`` and
``C_k = E[w r_k x x^T]``. A batch ``B`` with responsibilities under the
current parameters gives ``s(B)``; the update is
``s <- (1 - eta_t) s + eta_t s(B)`` and the M-step reads ``s``.

The state holds ``s`` as the shares ``a_k``, the means ``b_k / a_k`` and
the scatters about them ``C_k - b_k b_k^T / a_k`` (per unit weight, in the
form the structure's M-step reads: ``StatisticsForm.from_full``, full
matrices, diagonals or the pooled sum), and averages them as Chan et al.
(1979) merge variances: the scatters average, plus the spread of the two
means. Raw moments about a fixed centre lose a component's
variance to rounding once the component lies far from that centre
compared with its spread (clusters ``1e8`` apart kept variances in steps
of about ``0.4``). The step size is either Cappé and Moulines's decreasing schedule
``eta_t = (t + t0)^(-kappa)`` (``learning_offset`` ``t0``,
``learning_decay`` ``kappa`` in (0.5, 1], ``t`` the number of updates
after the first batch), which converges to a stationary point of the
likelihood of the stream (with ``kappa = 1`` the first batch, or the model
``fit`` gave, weighs as much as ``t0`` later batches and the later batches
all weigh the same: ``t0 = 1`` too gives the plain average of the batches'
statistics, each per unit weight whatever its size; ``t0 = 0`` discards the
first batch at the first update), or a constant ``eta = 1 - lambda`` for a
``forgetting_factor`` ``lambda``: the statistics then weigh batch ``t - j``
by ``(1 - lambda) lambda^j``, an exponential window of about
``1 / (1 - lambda)`` batches, so the model follows clusters that move.

Statistics are linear in the data, so every covariance structure is updated
the same way; the M-step is the structure's own, with counts scaled to the
effective sample size ``min(total weight seen, batch weight / eta_t)``
(which the prior and the empty-component guard read).

Missing values (NaN) in a later batch (:func:`batch_source`) are handled as
``fit`` and the first batch handle them: ``s(B)`` is then the expectation of
the complete-data statistics given the observed values (the missing entries
replaced by their conditional expectation per component, the scatter
completed by their conditional covariance, as in ``_missing``). Stepwise
EM needs nothing more: the missing entries are latent variables like the
component labels (Cappé and Moulines's setting is any complete-data
exponential family).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import hashlib
from dataclasses import dataclass, replace

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from ._collapse import (
    component_check,
    covariances_less,
    mixture_covariance,
    still_spread,
)
from ._degenerate import EMPTY_WEIGHT
from ._engine import (
    ArraySource,
    DegenerateStepError,
    EMResult,
    em_step,
    merged_moments,
)
from ._engine._data import check_squares_fit, check_weight_sum, empty_component_guard
from ._engine._validation import validate_data
from ._missing import (
    MissingValuesSource,
    has_missing,
)
from ._prior import ConjugatePrior, resolve_prior
from ._resting_rows import RANK_RATIO
from ._warn import silenced, warn_user
from .exceptions import DegenerateFitWarning

__all__ = [
    "OnlineState",
    "batch_prior",
    "batch_source",
    "has_step_sizes",
    "keep_verdict",
    "observes_every_feature",
    "online_step",
    "params_digest",
    "state_from_model",
    "state_of_fit",
    "step_size",
    "update_judge",
]


@dataclass(frozen=True)
class OnlineState:
    """What ``partial_fit`` keeps between calls.

    The shares ``nk`` and scatters per unit weight; ``means`` each
    component's, centred on ``center``. ``batch_shares`` are the last
    batch's shares (under the parameters it updated), which its collapse
    verdict reads (:func:`batch_judge`). ``span`` is the covariance of the
    data the stream began with (the one its first parameters imply), which
    a window that forgets does not change (:func:`batch_judge`); None in
    states pickled before it was kept.
    """

    center: np.ndarray
    nk: np.ndarray
    means: np.ndarray
    scatter: np.ndarray
    n_updates: int
    weight_seen: float
    batch_shares: np.ndarray | None = None
    fitted: str | None = None
    span: np.ndarray | None = None


class _Moments:
    """Averaged moments as the M-step reads statistics (``finalize``)."""

    def __init__(self, nk, means, scatter):
        self.nk, self.means, self.scatter = nk, means, scatter

    def finalize(self, nk_reg, total_scatter=None):
        # The means are stored, not sums: the empty-component guard
        # (``nk_reg``) was applied to each batch's own means. Copies: the
        # parameters must not share the running state's arrays.
        return self.means.copy(), self.scatter.copy()


def _average(old, new, eta, from_full):
    """``(1 - eta) old + eta new`` of ``(share, means, scatter)`` statistics.

    The union of the two parts weighted ``1 - eta`` and ``eta``
    (``_engine.merged_moments``): the scatters about each component's own
    mean average, plus the spread of the two means, with no raw second
    moment to cancel. A component empty in both keeps the batch's mean.
    """
    (a, mean_a, scatter_a), (b, mean_b, scatter_b) = old, new
    return merged_moments(
        ((1 - eta) * a, mean_a, (1 - eta) * scatter_a),
        (eta * b, mean_b, eta * scatter_b),
        lambda spread, delta: from_full(_outer(spread, delta)),
    )


def _outer(nk, means):
    return nk[:, np.newaxis, np.newaxis] * (
        means[:, :, np.newaxis] * means[:, np.newaxis, :]
    )


def _batch_moments(model, batch, params):
    """Mean log-likelihood, shares, means and scatters of one batch.

    Shares and scatters per unit weight; the scatters about each
    component's own mean, in the structure's form.
    """
    log_likelihood, stats = em_step(model, batch, params)
    return (log_likelihood / batch.weight_sum, *_moments_per_unit_weight(batch, stats))


def _moments_per_unit_weight(source, stats):
    """Shares, means and scatters per unit weight of summed statistics."""
    # In the source's weight units: a batch of tiny weights is not swamped.
    nk_reg = stats.nk + empty_component_guard(source)
    means, scatter = stats.finalize(nk_reg, source.total_scatter)
    total = source.weight_sum
    return stats.nk / total, means, scatter / total


def params_digest(estimator):
    """A fingerprint of the fitted proportions, means and covariances."""
    digest = hashlib.blake2b(digest_size=16)
    for name in ("weights_", "means_", "covariances_"):
        values = np.ascontiguousarray(getattr(estimator, name), dtype=np.float64)
        digest.update(values.tobytes())
    return digest.hexdigest()


def state_of_fit(estimator, model, source, result):
    """The running statistics a fit leaves (``partial_fit`` after ``fit``), or None.

    The statistics whose M-step gave the fitted parameters
    (``EMResult.statistics``), counted as a first batch of the source's
    weight: an update on the fit's own data is then one more EM step, and
    the M-step adds ``reg_covar`` and a prior's pull once. A fit that ended
    at its start or at parameters restored after a breakdown has none: its
    parameters are read (:func:`state_from_model`), with the same weight.
    None when the estimator has no ``partial_fit``.
    """
    try:
        offered = has_step_sizes(estimator)
    except AttributeError:  # a noise component
        return None
    if not offered:
        return None
    fitted = params_digest(estimator)
    if result.statistics is None:
        state = state_from_model(estimator, model)
        return replace(state, weight_seen=source.weight_sum, fitted=fitted)
    moments = _moments_per_unit_weight(source, result.statistics)
    return OnlineState(
        source.center,
        *moments,
        1,
        source.weight_sum,
        fitted=fitted,
        span=_implied_covariance(estimator, model),
    )


def _implied_covariance(estimator, model):
    """The data's covariance the fitted parameters imply (``reg_covar`` less)."""
    means = np.asarray(estimator.means_, np.float64)
    full = covariances_less(
        model, estimator.covariances_, means.shape, estimator.reg_covar
    )
    return mixture_covariance(estimator.weights_, means, full)


def state_from_model(estimator, model, schedule=None):
    """Moments implied by fitted parameters, when no fit left its statistics.

    The fallback of :func:`state_of_fit`: parameters set or loaded by hand,
    a fit without iterations, the selector's candidates. The scatters are
    the covariances less ``reg_covar``, which the M-step adds back. A
    constrained structure's covariances do not give each component's own
    scatter, nor can a ``prior``'s pull be taken out of them: those are
    approximations here. ``schedule``, the running statistics the
    parameters replaced (set by hand mid-stream), keeps its number of
    updates and weight seen: the step sizes go on as they were.
    """
    weights = np.asarray(estimator.weights_, np.float64)
    means = np.asarray(estimator.means_, np.float64)
    center = weights @ means
    means = means - center
    n_components, d = means.shape
    full = model.to_full(
        np.asarray(estimator.covariances_, np.float64), n_components, d
    )
    full = full - estimator.reg_covar * np.eye(d)
    scatter = model.scatter.from_full(weights[:, np.newaxis, np.newaxis] * full)
    span = mixture_covariance(weights, means, full)
    if schedule is not None:
        n_updates, weight_seen = schedule.n_updates, schedule.weight_seen
        # The stream's own data, not parameters set by hand, span it.
        if getattr(schedule, "span", None) is not None:
            span = schedule.span
        return OnlineState(
            center, weights, means, scatter, n_updates, weight_seen, span=span
        )
    return OnlineState(center, weights, means, scatter, 1, 0.0, span=span)


def observes_every_feature(batch):
    """Whether a validated batch has an observed value of every feature.

    The collapse check reads a batch's rows with missing entries filled by
    the batch's means: a feature missing in every row would be a constant
    there, a flat direction of every component that the data do not have.
    """
    missing = getattr(batch, "X_missing", None)
    return missing is None or not np.isnan(missing).all(axis=0).any()


def keep_verdict(model, data, params, jittered, check=None):
    """Leave the previous collapse verdict (a batch that cannot judge one)."""


def _memory_floor(batch):
    """How little spread the running statistics keep of earlier rows, and clear.

    A batch whose rows are one repeated point (a stuck sensor): above a
    millionth of the data's variance in every direction (``RANK_RATIO``, a
    thousandth of its spread). With the default step sizes the memory of
    the first rows fades slowly: after 300 batches of the point it kept
    ``3e-11`` of their variance beyond ``reg_covar``, which the collapse
    check's ``RANK_RATIO ** 2`` called spread, and the component on that
    point, of weight 1, was called sound. Other batches keep that bound:
    in the mixture's units a sound cluster far from another (sd 2 at 1e4)
    spans ``1.6e-7`` of the variance along their separation, and batches
    of a few rounded rows on it were called collapsed.
    """
    rows = np.asarray(batch.X)
    if batch.sample_weight is not None:
        rows = rows[np.asarray(batch.sample_weight) > 0]
    # Compared as given: a batch's scatter is about the stream's centre.
    one_point = rows.shape[0] > 0 and bool(np.all(rows == rows[:1]))
    return RANK_RATIO if one_point else RANK_RATIO**2


def batch_judge(record, prior, previous, shares, reg_covar, span, running_shares, name):
    """The collapse verdict after an update, from the batch's rows.

    A batch is a sample of the stream: a component it misses, or meets on
    fewer rows' worth than a covariance needs (``d + 1``; one row per batch
    in a stream of single rows), cannot be judged by it. Such a component
    keeps its ``previous`` verdict (the collapsed and the spurious indices
    before the update); the batch judges the others, as ``fit`` judges its
    rows, except that a component its rows call collapsed stays sound while
    its covariance, which the running statistics give, still spreads
    (``_collapse.still_spread``: one batch of a repeated row does not make a
    component's likelihood unbounded), in the span of the mixture and in
    ``span``, the data the stream began with (``OnlineState.span``): a
    window that has forgotten every row but one repeated point leaves a
    mixture whose own span is that component's. ``shares`` are the batch's
    (``OnlineState.batch_shares``); ``record`` is the estimator's
    ``judge(model, data, params, jittered, check)``.

    The running statistics judge one thing whatever the batch holds: a
    component whose share of them (``running_shares``, ``OnlineState.nk``)
    is below ``EMPTY_WEIGHT`` holds no row, as ``fit`` calls a component of
    such a weight collapsed. A stream that stopped feeding it (its cluster
    left, or moved faster than the window follows) shrinks its share by the
    forgetting factor at every update; it is not re-seeded, and no batch
    judges it until one feeds it again. Its warning (once, when it empties)
    gives the stream's remedies, not those of a likelihood without bound.
    """
    empty = np.asarray(running_shares) < EMPTY_WEIGHT * np.sum(running_shares)

    def judge(model, data, params, jittered, check=None):
        # Collapsed under any structure, so that the running statistics
        # can clear what one batch's rows do not spread (below).
        verdict = component_check(
            model, data, params, jittered, prior, volume_bounds=False
        )
        # Rows' worth: the weights read as frequencies of the rows they weigh.
        weights = data.sample_weight
        n_rows = data.n_rows if weights is None else np.count_nonzero(weights)
        judged = (shares * n_rows >= params.means.shape[1] + 1) | empty
        if verdict.collapsed.size:
            spread = still_spread(
                model, params, reg_covar, span, floor=_memory_floor(data)
            )
            collapsed = [k for k in verdict.collapsed if not (judged[k] and spread[k])]
            verdict = verdict._replace(collapsed=np.asarray(collapsed, dtype=np.intp))

        reasons = dict(verdict.reasons)
        for k in np.flatnonzero(empty):
            reasons[int(k)] = (
                f"its share of the running statistics is {running_shares[k]:.2g}: "
                "the stream no longer feeds it, as when its cluster left the "
                "stream or moved faster than the forgetting window follows"
            )
        verdict = verdict._replace(
            collapsed=np.union1d(verdict.collapsed, np.flatnonzero(empty)).astype(
                np.intp
            ),
            spurious=np.setdiff1d(verdict.spurious, np.flatnonzero(empty)),
        )

        def kept(now, before):
            flagged = [k for k in now if judged[k]]
            for k in before:
                if not judged[k]:
                    flagged.append(k)
                    # The earlier batch's reason went with its warning.
                    reasons[int(k)] = (
                        "flagged by an earlier batch; this one holds too few of "
                        "its rows to judge it again"
                    )
            return np.unique(np.asarray(flagged, dtype=np.intp))

        # An empty component warns once, when it empties (a tracker would
        # warn at every later update), and in the stream's terms.
        emptied = [k for k in np.flatnonzero(empty) if k not in previous[0]]
        judged_now = [
            k
            for k in (*verdict.collapsed, *verdict.spurious)
            if judged[k] and not empty[k]
        ]
        verdict = verdict._replace(
            collapsed=kept(verdict.collapsed, previous[0]),
            spurious=kept(verdict.spurious, previous[1]),
            reasons=reasons,
        )
        if judged_now:
            record(model, data, params, jittered, verdict)
        else:
            # Flags carried from earlier batches alone: warned of then, stored
            # now (a stream of small batches would warn at every update).
            with silenced(DegenerateFitWarning):
                record(model, data, params, jittered, verdict)
        if emptied:
            listed = "; ".join(f"{k} ({reasons[int(k)]})" for k in emptied)
            warn_user(
                f"{name}: component(s) {listed} collapsed: they describe no row "
                "of the recent stream. partial_fit does not re-seed a component: "
                "refit on recent data (or start a new model) to find the clusters "
                "the stream holds now, or tune forgetting_factor (a smaller one "
                "follows faster clusters, one closer to 1 keeps a component "
                "through a longer absence). The indices are stored in "
                "collapsed_components_.",
                DegenerateFitWarning,
            )

    return judge


def update_judge(estimator, batch, state, record, prior):
    """The collapse verdict of an update of ``estimator`` by ``batch``.

    ``record`` is the estimator's ``judge(model, data, params, jittered,
    check)``; see :func:`batch_judge`. ``prior`` is the one the update's
    M-step used. A batch missing a feature in every row keeps the previous
    verdict (:func:`observes_every_feature`).
    """
    if not observes_every_feature(batch):
        return keep_verdict
    # Parameters set by hand on a new estimator carry no verdict yet.
    none = np.array([], dtype=np.intp)
    previous = (
        getattr(estimator, "collapsed_components_", none),
        getattr(estimator, "spurious_components_", none),
    )
    reg_covar = estimator.reg_covar
    shares, span = state.batch_shares, getattr(state, "span", None)
    name = type(estimator).__name__
    return batch_judge(record, prior, previous, shares, reg_covar, span, state.nk, name)


def batch_source(estimator, X, sample_weight, center):
    """Validate a later mini-batch and centre it on ``center``.

    NaN are missing values, as in :meth:`fit` and the first batch; a row
    with nothing observed is refused (it carries no information).

    Returns
    -------
    batch : ArraySource
        A ``MissingValuesSource`` when the batch has NaN.
    """
    X = validate_data(
        estimator,
        X,
        reset=False,
        dtype=[np.float64, np.float32],
        ensure_min_samples=1,
        ensure_all_finite="allow-nan",
    )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        # As fit refuses them: the batch's sums would lose their digits.
        check_weight_sum(sample_weight)
    with np.errstate(over="ignore", invalid="ignore"):
        if has_missing(X):
            batch = MissingValuesSource.from_arrays(
                X, sample_weight, center=center, batch=True
            )
        else:
            batch = ArraySource.from_arrays(X, sample_weight, center=center)
    # Rows whose squares overflow name themselves, as in fit (not as a
    # component resting on too few rows).
    check_squares_fit(batch)
    return batch


def batch_prior(asked, resolved, model, batch, n_components):
    """The prior of an update: the one asked for now (``set_params`` honoured).

    ``asked`` is the estimator's ``prior`` parameter, ``resolved`` the prior
    the fit resolved (``prior_``, None if none). While a prior is asked for,
    the hyperparameters it sets, the others (left to the data) as resolved;
    None once ``prior=None``; when a prior is asked for but none
    was resolved (set since the fit, or parameters set by hand on a new
    estimator), mclust's defaults from the batch's own rows, as ``fit`` of
    the batch would resolve them (``batch`` itself is centred on the running
    centre, not on its mean).
    """
    if asked is None:
        return None
    if resolved is not None:
        # The hyperparameters asked for now; those left to the data keep the
        # values resolved from the stream's first data (a batch alone would
        # give another mean and scale at every change).
        asked = ConjugatePrior() if isinstance(asked, str) else asked
        kept = {
            name: getattr(resolved if getattr(asked, name) is None else asked, name)
            for name in ("mean", "shrinkage", "dof", "scale")
        }
        return resolve_prior(ConjugatePrior(**kept), model, batch, n_components)
    if isinstance(batch, MissingValuesSource):
        # The batch as given (NaN where missing): its observed variances.
        own = MissingValuesSource.from_arrays(
            batch.X_missing, batch.sample_weight, batch=True
        )
    else:
        own = ArraySource.from_arrays(batch.X, batch.sample_weight)
    return resolve_prior(asked, model, own, n_components)


def step_size(estimator, n_updates):
    """``eta_t`` for update ``t = n_updates`` (see the module's notes)."""
    if estimator.forgetting_factor is not None:
        return 1.0 - estimator.forgetting_factor
    return float((n_updates + estimator.learning_offset) ** -estimator.learning_decay)


def online_step(model, batch, params, state, eta, options):
    """One stepwise-EM update on a validated mini-batch (see the notes).

    Parameters
    ----------
    batch : ArraySource
        The mini-batch, centred on ``batch.center``: ``state.center`` rounded
        to the batch's dtype (:func:`batch_source`).
    params : Params
        The current parameters, centred on ``batch.center``.
    state : OnlineState
    eta : float
        The step size (:func:`step_size`).
    options : EMOptions
        The M-step's options.

    Returns
    -------
    result : EMResult
        The new parameters; ``lower_bound`` is the batch's mean
        log-likelihood under ``params``.
    state : OnlineState
        The updated running statistics.

    Raises
    ------
    ValueError
        When the batch gives non-finite parameters; nothing was changed.
    """
    # A float32 batch after float64 data is centred on the running centre
    # rounded to float32: the running means move to the batch's centre, or
    # they would be averaged with the batch's means about another origin
    # (off by the rounding, 0.06 at 1e6). No move when the centres agree.
    shift = state.center - batch.center
    if np.any(shift):
        state = replace(state, center=batch.center, means=state.means + shift)
    # Overflow in a bad batch is reported below as one clear error.
    with np.errstate(over="ignore", invalid="ignore"):
        mean_log_likelihood, *moments = _batch_moments(model, batch, params)
        batch_shares = moments[0]
        nk, means, scatter = _average(
            (state.nk, state.means, state.scatter),
            moments,
            eta,
            model.scatter.from_full,
        )
        weight_seen = state.weight_seen + batch.weight_sum
        scale = min(weight_seen, batch.weight_sum / eta)
        moments = _Moments(nk * scale, means, scatter * scale)
        try:
            new_params, jittered = options.m_step(
                model, batch, moments, previous=params.covariances
            )
        except DegenerateStepError as error:
            if not mean_log_likelihood < _FAR_LOG_LIKELIHOOD:
                raise
            raise ValueError(
                "partial_fit: this mini-batch lies too far from every "
                f"component for float64 (a mean log-likelihood of "
                f"{mean_log_likelihood:.3g} a row under the current model): the "
                "component that takes its rows gets a scatter whose own spread "
                "is below the rounding of the distance, and the M-step of "
                f"covariance_type {model.name!r} has no finite maximum. The model "
                "was left unchanged. Fit the model on data that include such "
                "rows (fit), or check the batch's units and offset."
            ) from error
        arrays = (
            new_params.weights,
            new_params.means,
            new_params.covariances,
            new_params.precisions_cholesky,
        )
    finite = np.isfinite(mean_log_likelihood) and all(
        np.all(np.isfinite(a)) for a in arrays
    )
    if not finite:
        raise ValueError(
            "partial_fit: this mini-batch gave non-finite parameters (its rows "
            "have no density under the current model, or overflow); the model "
            "was left unchanged. Check the batch's scale, or increase reg_covar."
        )
    result = EMResult(new_params, jittered, mean_log_likelihood, [], 1, False)
    state = replace(
        state,
        nk=nk,
        means=means,
        scatter=scatter,
        n_updates=state.n_updates + 1,
        weight_seen=weight_seen,
        batch_shares=batch_shares,
    )
    return result, state


# A batch whose rows lie beyond 1 / eps squared standard deviations of
# every component (a mean log-likelihood below -1 / (2 eps) a row): merged
# into a component, its distance leaves that component's own spread below
# float64's rounding.
_FAR_LOG_LIKELIHOOD = -0.5 / np.finfo(np.float64).eps


def has_step_sizes(estimator):
    """Whether ``partial_fit`` is offered (``_offered.offered_if``).

    It needs the step-size parameters (GaussianMixture has them) and updates
    no noise component: with ``noise=True`` hasattr is False and a call says
    why (this check's AttributeError, raised as it is by ``offered_if``).
    """
    params = estimator.get_params()
    if params.get("noise", False):
        raise AttributeError(
            f"{type(estimator).__name__} with noise=True has no partial_fit: "
            "the online update does not update a noise component. Fit on all "
            "rows with fit, or use noise=False."
        )
    return "forgetting_factor" in params
