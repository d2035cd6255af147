"""A fit's collapsed and spurious components: the judgement and its record.

:func:`component_check` runs the scale-free tests of ``_degenerate`` on
engine parameters (one E-step pass over the data's blocks, kept for the
test's later passes when they fit in memory);
:func:`record_collapse` stores the verdict as the estimator's
``collapsed_components_`` and ``spurious_components_`` and warns about it.
``_fitted.set_fitted_attributes`` calls it after every fit; the selector
judges its runs with :func:`component_check` and hands the verdict on.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np
from sklearn import get_config

from ._data_span import coordinates, data_rank
from ._degenerate import check_blocks
from ._engine import (
    COLLAPSE_PATIENCE,
    ArraySource,
    block_log_prob,
    log_prob_function,
    map_terms,
    normalize_log_prob,
    row_max_argmax,
)
from ._engine._constant import exactly_centred, observed_range
from ._missing_collapse import (
    collapsed_below_rounding,
    collapsed_on_few_observers,
    collapsed_on_observed_values,
    collapsed_on_observing_rows,
)
from ._missing_fill import fill_missing
from ._resting_rows import RANK_RATIO, RESTING_WEIGHT
from ._warn import warn_user
from .exceptions import DegenerateFitWarning

__all__ = [
    "Verdict",
    "component_check",
    "record_collapse",
    "store_verdict",
    "with_breakdown",
]

# Bytes up to which the blocks of one check are kept in memory rather than
# computed again for each of its passes, reckoned as rows x (K + 1 + d)
# float64: the responsibilities (with a noise column), the rows cast to
# float64 (a copy only for float32 data); the caller's reduction (three
# values a row for the selector) comes on top. A bounded exception to
# computing responsibilities only when asked: scikit-learn's working_memory
# bounds it too.
_KEPT_BYTES = 8 * 2**20


class Verdict(NamedTuple):
    """The collapsed and spurious components of one fit, with reasons.

    ``terms`` holds each row's ``[log p(x), log z_MAP, label]``
    (``_engine.map_terms``) stacked over the blocks when
    :func:`component_check` was asked for them, or None: not asked for,
    blocks too large to keep, or a source with densities of its own (rows
    with missing values, streamed and Dask data).
    """

    collapsed: np.ndarray
    spurious: np.ndarray
    reasons: dict
    terms: np.ndarray | None = None


def component_check(
    model,
    data,
    params,
    jittered,
    prior=None,
    *,
    terms=False,
    collapsing=None,
    volume_bounds=True,
):
    """Collapsed and spurious components of engine parameters, with reasons.

    With a ``prior`` (a MAP fit, whose objective is bounded) only empty and
    jittered components count as collapsed; see ``_degenerate``. The blocks'
    E-step is computed once when they are small enough to keep
    (:data:`_KEPT_BYTES`), otherwise for each of the check's passes
    (memory then stays that of a block).

    Parameters
    ----------
    model : CovarianceModel
    data : ArraySource or any engine source
        Streamed and Dask sources are judged on their in-memory sample
        (``init_source``).
    params : Params
        The fit's parameters, centred on ``data.center``.
    jittered : ndarray of shape (K,), dtype=bool
        Components whose covariance had to be regularised to be factorised:
        collapsed.
    prior : object or None, default=None
        The fit's resolved prior (a bounded objective: see ``_degenerate``).
    terms : bool, default=False
        Also compute each row's ``[log p(x), log z_MAP, label]``
        (``_engine.map_terms``) from the same E-step pass, when the blocks
        are kept (in memory): the selector's criteria and labels.
    collapsing : ndarray of int or None, default=None
        Components that ended the run by holding too few rows' worth of
        responsibility (``EMResult.collapsing``): collapsed, as the check
        would have found them had EM gone on creeping.
    volume_bounds : bool, default=True
        See ``_degenerate.check_blocks``: False reads a narrowed shape under
        an equal volume as collapsed (a stream's batches, which the running
        statistics then clear).

    Returns
    -------
    verdict : Verdict
        ``(collapsed, spurious, reasons, terms)``.
    """
    n_components, d = params.means.shape
    if getattr(data, "reduce_blocks", None) is not None:
        # Sources with densities of their own (observed-data densities of
        # rows with missing values, streamed and Dask rows): the caller's
        # terms come from those, not from the blocks judged here.
        terms = False
    if not hasattr(data, "centred"):
        # Streamed and Dask data: judged on the in-memory sample the starts
        # come from (same centre), not by more passes over every row.
        data = data.init_source()
    # Rows with missing values: judged as the array with each missing entry
    # at its feature's mean (``MissingValuesSource``), each component on the
    # features its rows observe (below), within the span of the data with
    # each missing entry at its expectation under the fit.
    missing = getattr(data, "missing_mask", None)
    span_scatter = data.total_scatter
    if missing is not None and not _complete_rows_span(data, missing):
        span_scatter = _expected_scatter(model, data, params)
    form, log_prob_of = log_prob_function(
        model, params, data.X.dtype, center=data.center
    )
    # The selector's source keeps the rows' features that EM's E-step reads
    # (``ArraySource.features``): the same values, not computed again.
    cached = getattr(data, "features", None)

    def judged(rows, reduced=None):
        features = None if cached is None else cached(form, rows)
        Xc, (values, _) = block_log_prob(data, log_prob_of, rows, features)
        if reduced is None:
            resp, _ = normalize_log_prob(values)
        else:
            # The MAP terms share the normalisation's row maxima and
            # log-normaliser (the same values as from the weighted
            # log-densities alone, see _engine.map_terms).
            top, labels = row_max_argmax(values)
            resp, log_norm = normalize_log_prob(values, top)
            reduced.append(map_terms(top, labels, log_norm))
        # With a noise component its column is the last: the Gaussian
        # components' own responsibilities are the others.
        resp = resp[:, :n_components]
        return Xc.astype(np.float64, copy=False), data.weights_of(rows), resp

    block_rows = data.blocks(model, n_components)
    reduced = None
    budget = min(_KEPT_BYTES, get_config()["working_memory"] * 2**20)
    kept = data.n_rows * (n_components + 1 + d) * 8 <= budget
    if kept:
        # The check reads the blocks up to seven times: when they are small
        # enough to keep, one E-step pass serves every reading (and terms).
        reduced = [] if terms else None
        stored = [judged(rows, reduced) for rows in block_rows]

        def blocks():
            return stored

    else:

        def blocks():
            return (judged(rows) for rows in block_rows)

    full = model.to_full(np.asarray(params.covariances), n_components, d)

    def check_of(blocks, keep=slice(None)):
        return check_blocks(
            blocks,
            span_scatter[keep][:, keep],
            data.weight_sum,
            params.means[:, keep],
            full[:, keep][:, :, keep],
            own_spread=model.own_spread,
            bounded=prior is not None,
            # Blocks computed again for each pass: no pass beyond the usual ones.
            binned_first=not kept,
            # Rounded rows far from the origin lie on one point however far
            # apart their centred values (_resting_rows.point_size).
            origin=np.asarray(data.center, np.float64)[keep],
            volume_bounds=volume_bounds,
        )

    check = check_of(blocks)
    if missing is not None:
        check = _judged_on_observed_features(
            check, check_of, blocks, block_rows, missing
        )
        if prior is None:  # a MAP objective is bounded
            scale = np.sqrt(np.diag(span_scatter) / data.weight_sum)
            n_held = np.count_nonzero(np.asarray(params.weights) > 0)
            found = model.own_spread.narrowed_alone(
                lambda: collapsed_on_observing_rows(
                    blocks, block_rows, data.X_missing, scale, full
                ),
                n_held,
            )
            check = _with_thin_collapses(check, found)
            found = collapsed_on_observed_values(
                data.X_missing,
                data.sample_weight,
                lambda: _observed_responsibilities(model, data, params, n_components),
                full,
                scale,
                model.own_spread,
                _observed_patterns(data),
            )
            # The first rules' reasons stand: they say more of the rows.
            found = {k: v for k, v in found.items() if k not in check.degenerate}
            check = _with_thin_collapses(check, found)
            # Last: the rules above say more of the rows where they hold.
            found = model.own_spread.narrowed_alone(
                lambda: collapsed_on_few_observers(
                    blocks,
                    block_rows,
                    data.X_missing,
                    data.sample_weight,
                    model.own_spread,
                ),
                n_held,
            )
            found = {k: v for k, v in found.items() if k not in check.degenerate}
            check = _with_thin_collapses(check, found)
            raw_means = params.means + np.asarray(data.center, np.float64)
            found = collapsed_below_rounding(raw_means, full)
            found = {k: v for k, v in found.items() if k not in check.degenerate}
            check = _with_thin_collapses(check, found)
    reasons = dict(check.reasons)
    for k in np.flatnonzero(jittered):
        reasons.setdefault(
            int(k), "its covariance had to be regularised to be factorised"
        )
    stopped = [] if collapsing is None else [int(k) for k in collapsing]
    if volume_bounds and model.own_spread.volume_shared:
        # A run stopped on a thin component under an equal volume crept
        # towards a bounded needle: the check's spurious verdict stands.
        stopped = [k for k in stopped if k not in check.spurious]
    if stopped:
        rank = data_rank(span_scatter, data.weight_sum)
        needed = model.own_spread.min_weight(rank)
    for k in stopped:
        reasons.setdefault(
            k,
            "EM stopped after it held fewer rows' worth of responsibility than "
            f"the {needed:g} its covariance needs ({model.own_spread.needs}) "
            f"for {COLLAPSE_PATIENCE} iterations in a row without regaining any",
        )
    flagged = set(check.degenerate.tolist()) | set(np.flatnonzero(jittered).tolist())
    flagged |= set(stopped)
    collapsed = np.array(sorted(flagged), dtype=np.intp)
    # np.setdiff1d's answer (sorted, unique) for a few indices, in far less time.
    spurious = np.array(sorted(set(check.spurious.tolist()) - flagged), dtype=np.intp)
    return Verdict(
        collapsed,
        spurious,
        reasons,
        None if reduced is None else np.concatenate(reduced),
    )


def _complete_rows_span(data, missing):
    """Whether the complete rows alone span what the mean-filled data span.

    Rows only add to a span: the span of the data with every missing entry
    at its expectation then lies between the two, and is found without it
    (usually: a few rows with missing entries among many complete ones).
    """
    complete = ~missing.any(axis=1)
    if data.sample_weight is not None:
        complete &= data.sample_weight > 0
    if complete.sum() < 2:
        return False
    rows = exactly_centred(np.asarray(data.X_missing[complete], dtype=np.float64))
    rank = data_rank(rows.T @ rows, float(rows.shape[0]))
    return rank == data_rank(data.total_scatter, data.weight_sum)


def _expected_scatter(model, data, params):
    """The total scatter of ``data`` with each missing entry at its expectation.

    ``sum_k p(k | x_o) E_k[x_m | x_o]`` under ``params``
    (``_missing_fill.fill_missing``), about the filled rows' own centre (their
    weighted mean, or a feature's median beside fill values): the span of
    the data the components are judged in. At its feature's mean, a row of
    data on a plane left the plane and the data spanned one more dimension
    than any component's rows (every component was judged to rest on a
    lower-dimensional set). The rows themselves stay as the
    source gives them: at their expectation, a few rows that miss the
    feature of a lattice plane would lie a rounding's breadth off it.
    """
    n_components, d = params.means.shape
    full = model.to_full(np.asarray(params.covariances, np.float64), n_components, d)
    X = np.array(data.X_missing, dtype=np.float64)
    low, high = observed_range(X, ~np.isnan(X), data.sample_weight)
    weights = np.asarray(params.weights, np.float64)
    fill_missing(X, weights, params.means + data.center, full)
    # A feature observed at one value keeps it: its fills (the components'
    # means there) round off it (0.1), and the filled rows spanned a
    # direction of rounding in which every component rested on a plane.
    constant = low == high
    X[:, constant] = low[constant]
    return ArraySource.from_arrays(X, data.sample_weight).total_scatter


def _judged_on_observed_features(check, check_of, blocks, block_rows, missing):
    """Judge each component on the features its rows observe.

    A feature missing from the rows that carry a component's weight (all but
    ``1 - RESTING_WEIGHT`` of it) says nothing about the component: the
    observed-data likelihood hardly depends on its mean and variance there,
    which keep their start's values (``_missing.start_statistics``). Seen
    with each missing entry at its feature's mean, such rows would lie on a
    lower-dimensional set; the components that miss the same features are
    judged again without them, and their verdicts replace the first ones.
    """
    observed_weight, weight = 0.0, 0.0
    for rows, (_, w, resp) in zip(block_rows, blocks(), strict=True):
        a = resp if w is None else resp * w[:, np.newaxis]
        observed_weight = observed_weight + a.T @ ~missing[rows]
        weight = weight + a.sum(axis=0)
    unobserved = observed_weight < (1.0 - RESTING_WEIGHT) * weight[:, np.newaxis]
    degenerate = set(check.degenerate.tolist())
    spurious = set(check.spurious.tolist())
    reasons = dict(check.reasons)
    for pattern in np.unique(unobserved[unobserved.any(axis=1)], axis=0):
        keep = np.flatnonzero(~pattern)
        if not keep.size:
            continue
        group = np.flatnonzero((unobserved == pattern).all(axis=1)).tolist()
        again = check_of(
            lambda keep=keep: ((Xc[:, keep], w, resp) for Xc, w, resp in blocks()),
            keep,
        )
        for k in group:
            degenerate.discard(k)
            spurious.discard(k)
            reasons.pop(k, None)
            if k in again.degenerate or k in again.spurious:
                (degenerate if k in again.degenerate else spurious).add(k)
                reasons[k] = again.reasons[k]
    return type(check)(
        np.array(sorted(degenerate), dtype=np.intp),
        np.array(sorted(spurious - degenerate), dtype=np.intp),
        reasons,
    )


def _observed_patterns(data):
    """The features each missingness pattern observes (the source's index)."""
    patterns = np.ones((len(data.index.missing), data.n_features), dtype=bool)
    for row, missing in zip(patterns, data.index.missing, strict=True):
        row[missing] = False
    return patterns


def _observed_responsibilities(model, data, params, n_components):
    """Each row's responsibilities from the features it observes.

    The blocks' are those of the rows with each missing entry at its
    feature's mean, far from a component collapsed to ``reg_covar`` along
    it: which component such a row belongs to would be decided by that fill.
    """

    def responsibilities(weighted):
        return normalize_log_prob(weighted)[0][:, :n_components]

    return data.reduce_blocks(model, params, responsibilities)


def _with_thin_collapses(check, found):
    """``check`` with the components of ``found`` (``{k: reason}``) collapsed."""
    if not found:
        return check
    reasons = {**check.reasons, **found}
    degenerate = np.union1d(check.degenerate, list(found)).astype(np.intp)
    spurious = np.setdiff1d(check.spurious, degenerate).astype(np.intp)
    return type(check)(degenerate, spurious, reasons)


def _breakdown_components(model, params):
    """The collapsed components of a run whose next M-step had no finite maximum.

    Its last sound parameters may pass the collapse check (rows on a line of
    data that span only the line, with ``reg_covar=0``): the components whose
    covariance is singular to rounding, or all of them when the structure
    degenerates as a whole.
    """
    n_components, n_features = params.means.shape
    full = model.to_full(
        np.asarray(params.covariances, np.float64), n_components, n_features
    )
    values = np.linalg.eigvalsh(full)
    singular = np.flatnonzero(values[:, 0] <= 1e-12 * values[:, -1])
    return singular if singular.size else np.arange(n_components, dtype=np.intp)


def with_breakdown(verdict, model, params):
    """``verdict`` of a run that broke down, its components flagged if none is."""
    if verdict.collapsed.size:
        return verdict
    collapsed = _breakdown_components(model, params)
    reason = "EM broke down: the next M-step had no finite maximum"
    reasons = {**verdict.reasons, **{int(k): reason for k in collapsed}}
    spurious = np.setdiff1d(verdict.spurious, collapsed)
    return verdict._replace(collapsed=collapsed, spurious=spurious, reasons=reasons)


def still_spread(model, params, reg_covar, reference=None, *, floor=RANK_RATIO**2):
    """Components whose covariance, less ``reg_covar``, spreads in the data's span.

    For fits whose covariances do not come from the rows judged alone (an
    online update's running statistics, an adaptation's pseudo-observations
    of the background): rows on one point cannot collapse a component whose
    covariance stays spread. ``C_k - reg_covar * I`` is read in the
    whitened coordinates of the data's span (``_data_span.coordinates``),
    the data's covariance being the one the mixture implies,
    ``sum_k pi_k (C_k + (mu_k - mu)(mu_k - mu)^T)``; a component is spread
    while its smallest eigenvalue there stays above ``floor`` (by default
    ``RANK_RATIO ** 2``, the relative spread of the collapse check).

    ``reference``, a data covariance that does not change with the
    parameters (the data a stream began with), must see the component
    spread too: once an online window has forgotten every row but one
    repeated point, the mixture's covariance is that component's own, and
    in its own span no component is narrow.

    Returns
    -------
    spread : ndarray of shape (n_components,), dtype=bool
    """
    full = covariances_less(model, params.covariances, params.means.shape, reg_covar)
    data = mixture_covariance(params.weights, params.means, full)
    spread = spread_in(full, data, floor=floor)
    if reference is not None:
        spread &= spread_in(full, np.asarray(reference, np.float64), floor=floor)
    return spread


def mixture_covariance(weights, means, covariances):
    """``sum_k pi_k (C_k + (mu_k - mu)(mu_k - mu)^T)``: the mixture's covariance.

    ``covariances`` are full ``(K, d, d)``; the weights are normalised here.
    """
    weights = np.asarray(weights, np.float64)
    weights = weights / weights.sum()
    means = np.asarray(means, np.float64)
    centred = means - weights @ means
    return (
        np.einsum("k,kij->ij", weights, covariances) + (centred.T * weights) @ centred
    )


def covariances_less(model, covariances, shape, reg_covar):
    """Full ``(K, d, d)`` covariances less ``reg_covar``: what the data gave them.

    ``shape`` is that of the means, ``(K, d)``.
    """
    n_components, d = shape
    full = model.to_full(np.asarray(covariances, np.float64), n_components, d)
    return full - reg_covar * np.eye(d)


def spread_in(
    covariances, data_covariance, *, relative_to_own=False, floor=RANK_RATIO**2
):
    """Which covariances spread in every direction of the data's span.

    ``covariances`` (K, d, d) are read in the whitened coordinates of the
    span of data of covariance ``data_covariance`` (``_data_span``); a
    covariance spreads while its smallest eigenvalue there stays above
    ``floor`` (by default ``RANK_RATIO ** 2``, the relative spread of the
    collapse check), or above that fraction of its own largest with
    ``relative_to_own`` (a narrow covariance spreads; one on a point or a
    line of the span not).

    Returns
    -------
    spread : ndarray of shape (K,), dtype=bool
    """
    varying, scale, rotation = coordinates(data_covariance, 1.0)
    if not rotation.size:
        return np.zeros(len(covariances), dtype=bool)
    standardised = covariances[:, varying][:, :, varying] / np.outer(scale, scale)
    own = np.einsum("ia,kij,jb->kab", rotation, standardised, rotation)
    values = np.linalg.eigvalsh(own)
    unit = values[:, -1] if relative_to_own else 1.0
    return values[:, 0] > floor * unit


def record_collapse(estimator, model, data, params, jittered, check=None):
    """Flag degenerate and spurious components (see ``_degenerate``).

    Stores ``collapsed_components_`` (components resting on a
    lower-dimensional set of rows, or whose covariance had to be jittered to
    be factorised) and ``spurious_components_`` (components far narrower than
    another one), and warns about both.
    """
    if check is None:
        check = component_check(
            model, data, params, jittered, getattr(estimator, "prior_", None)
        )
    collapsed, spurious, reasons, _ = check
    if getattr(estimator, "prior_", None) is None:
        collapsed_advice = (
            "Such a component sits on duplicated, integer-valued or too few "
            "rows; its likelihood is unbounded (or bounded only by reg_covar), "
            "so BIC/AIC of this fit are not meaningful. Remedies: use fewer "
            "components, use prior='default' (mclust's conjugate prior, in the "
            "data's units), "
            "increase reg_covar, or add jitter to discretised data."
        )
    else:
        # The prior bounds every covariance: what is left is a component
        # that describes no row, or one regularised to be factorised.
        collapsed_advice = (
            "Under the prior such a component describes no row of the data "
            "(its parameters are the prior's) or had to be regularised, so "
            "BIC/AIC of this fit are not meaningful. Remedies: use fewer "
            "components, or fit more rows."
        )
    store_verdict(
        estimator,
        collapsed,
        spurious,
        reasons,
        collapsed_advice=collapsed_advice,
        spurious_advice=(
            "A component far narrower than the others is typical of a local "
            "maximum on discretised data rather than of a real cluster. "
            "Remedies: use fewer components or prior='default'."
        ),
    )


def store_verdict(
    estimator, collapsed, spurious, reasons, *, collapsed_advice, spurious_advice
):
    """Store ``collapsed_components_`` and ``spurious_components_``; warn of each.

    One ``DegenerateFitWarning`` per kind, listing the components with their
    ``reasons`` and ending with the estimator's own advice (its parameters).
    """
    estimator.collapsed_components_ = np.asarray(collapsed, dtype=np.intp)
    estimator.spurious_components_ = np.asarray(spurious, dtype=np.intp)
    for kind, flagged, advice in (
        ("collapsed", estimator.collapsed_components_, collapsed_advice),
        ("spurious", estimator.spurious_components_, spurious_advice),
    ):
        if flagged.size:
            listed = "; ".join(f"{k} ({reasons[k]})" for k in flagged)
            warn_user(
                f"{type(estimator).__name__}: component(s) {listed} {kind}. "
                f"{advice} The indices are stored in {kind}_components_.",
                DegenerateFitWarning,
            )
