"""Components collapsed along a direction only a few rows observe in full.

With missing entries a row's density is that of the features it observes:
a component whose covariance is singular along a direction ``v`` loses
nothing on the rows that miss a feature of ``v``'s support, and gains
without bound on those that observe it all and lie on the hyperplane
normal to ``v`` through its mean. When those rows are few (at most as many
as the features of the support, or on one hyperplane of them) the
observed-data likelihood is unbounded, and EM heads there: its covariance
along ``v`` shrinks to a small multiple of ``reg_covar`` while the rows that
miss a feature keep the component spread in every other direction (26 rows
in 3-D, half the entries missing, four rows complete: both components of a
two-component fit sat at ``8 reg_covar`` along such a direction, their
log-likelihood rising without bound as ``reg_covar`` fell, and a BIC search
picked that fit). ``_collapse.component_check`` judges the rows with each
missing entry at its feature's mean, where they spread in every direction;
:func:`collapsed_on_observing_rows` reads the rows as observed, along a
component's narrowest direction, and :func:`collapsed_on_observed_values`
along every feature's axis and each missingness pattern's narrowest
direction (a component shrunk in every direction at once has no narrowest
one, and a covariance can be singular on each pattern's features alone).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._engine._constant import exactly_centred
from ._resting_rows import RANK_RATIO, RESTING_WEIGHT

__all__ = [
    "THIN_RATIO",
    "collapsed_below_rounding",
    "collapsed_on_few_observers",
    "collapsed_on_observed_values",
    "collapsed_on_observing_rows",
]

#: A component is read along its narrowest direction when its variance there
#: is at most this times its widest (a standard deviation of 1 %): sound
#: clusters that thin are rare, and the collapse this looks for sits at a
#: few ``reg_covar``, far below.
THIN_RATIO = 1e-4

# Entries of the narrowest direction below this times its largest are
# rounding: the features of its support are the others.
_SUPPORT = 1e-6


def collapsed_on_observing_rows(blocks, block_rows, X_missing, scale, full):
    """Components collapsed onto the few rows that observe their thin direction.

    Read in the data's standardised units (``scale``, the features'
    standard deviations), so that a feature in smaller units than the
    others makes no component thin.

    Parameters
    ----------
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` per block, in the order of
        ``block_rows`` (``_collapse.component_check``'s).
    block_rows : list of slice
    X_missing : ndarray of shape (n_samples, n_features)
        The rows with NaN where an entry is missing.
    scale : ndarray of shape (n_features,)
        The features' standard deviations (zero for a constant feature).
    full : ndarray of shape (n_components, n_features, n_features)
        The fitted covariances.

    Returns
    -------
    reasons : dict
        ``{k: reason}`` of the collapsed components.
    """
    scale = np.where(scale > 0, scale, 1.0)
    values, vectors = np.linalg.eigh(full / np.outer(scale, scale))
    thin = np.flatnonzero(values[:, 0] <= THIN_RATIO * values[:, -1])
    if not thin.size:
        return {}
    X = np.asarray(X_missing, dtype=np.float64) / scale
    directions, supports = {}, {}
    for k in thin:
        direction = vectors[k][:, 0]
        support = np.abs(direction) >= _SUPPORT * np.abs(direction).max()
        if _data_flat_along(X, support, direction[support]):
            # Every row that observes it lies on the hyperplane: a direction
            # the data do not span, where components are not judged (as
            # for complete rows on a plane).
            continue
        directions[k], supports[k] = direction, support
    observing = _observing_rows(blocks, block_rows, X, supports)
    reasons = {}
    for k, (rows, weights) in observing.items():
        if not weights.size or not weights.sum() > 0:
            continue  # no row observes it: the direction costs no row anything
        resting = _resting(weights)
        if resting.size > supports[k].sum() and not _on_a_hyperplane(rows[resting]):
            continue
        ratio = values[k, 0] / values[k, -1]
        reasons[int(k)] = (
            f"its variance along its narrowest direction is {ratio:.1g} of its "
            "widest (in the data's standardised units), and the "
            f"{resting.size} row(s) that observe every feature of that "
            f"direction ({np.flatnonzero(supports[k]).tolist()}) and carry its "
            "weight lie on a hyperplane there: with missing entries its "
            "likelihood is unbounded along it"
        )
    return reasons


def collapsed_on_few_observers(
    blocks, block_rows, X_missing, sample_weight, own_spread
):
    """Components whose rows observing a feature determine it exactly.

    For each feature ``j``, the rows that observe it and carry a component's
    weight (``RESTING_WEIGHT`` of it there), read on the features they all
    observe: where ``j`` is an exact affine function of the others on them
    (always, with no more rows than those features), the component's
    variance of ``j`` given the others can shrink without bound, and EM
    heads there however far it has gone (unless every row observing those
    features fixes it: the data's own relation). A feature observed in 2 of 10 rows
    beside one observed in all: a one-component VVV fit stopped at
    ``max_iter=100`` with that variance at 0.034 of the feature's, still
    falling (0.00005 by 2,000 iterations), and no rule flagged it (the
    others wait for a thin covariance). Judged only where a component's own
    covariance narrows along any direction (VVV, VVE) or along a feature
    (VVI: ``j`` on one value there); other structures share what would
    narrow, or cannot narrow along one feature (a sphere): the caller asks
    through ``OwnSpread.narrowed_alone``, which leaves out the structures
    that share what narrows.
    """
    if not (own_spread.every_direction or own_spread.every_axis):
        return {}
    X = np.asarray(X_missing, dtype=np.float64)
    observed = ~np.isnan(X)
    if observed.all():
        return {}  # complete rows: the collapse check's own rules
    # Each row's weight on each component, at its row (one pass).
    weights = np.zeros((X.shape[0], 0))
    for part, (_, w, resp) in zip(block_rows, blocks(), strict=True):
        if not weights.shape[1]:
            weights = np.zeros((X.shape[0], resp.shape[1]))
        weights[part] = resp if w is None else resp * w[:, np.newaxis]
    partly = np.flatnonzero(~observed.all(axis=0))
    reasons = {}
    for k in range(weights.shape[1]):
        for j, rows in _resting_observers(weights[:, k], observed, partly):
            if own_spread.every_axis:
                features = np.array([j])
            else:
                features = np.flatnonzero(observed[rows].all(axis=0))
            at = np.searchsorted(features, j)
            if _determined(X[np.ix_(rows, features)], at) and not _data_determine(
                X[:, features], at, sample_weight
            ):
                others = [int(f) for f in features if f != j]
                given = f" given features {others}" if others else ""
                reasons[int(k)] = (
                    f"the {rows.size} row(s) that observe feature {j} and carry "
                    f"its weight there fix that feature{given} exactly: with "
                    "missing entries its variance there can shrink without "
                    "bound, and its likelihood is unbounded"
                )
                break
    return reasons


def _resting_observers(weights, observed, features):
    """``(j, rows)`` per feature: the rows observing it that carry the weight.

    The heaviest rows that observe feature ``j`` and carry ``RESTING_WEIGHT``
    of the component's ``weights`` on such rows (as :func:`_resting`), for
    every feature of ``features`` at once: one sort of the rows, one
    cumulative sum per feature.
    """
    order = np.argsort(weights, kind="stable")[::-1]
    order = order[weights[order] > 0]
    seen = observed[order][:, features]
    carried = np.cumsum(weights[order, np.newaxis] * seen, axis=0)
    if not carried.shape[0]:
        return
    needed = RESTING_WEIGHT * carried[-1]
    counts = np.argmax(carried >= needed, axis=0) + 1
    for position, j in enumerate(features):
        if not carried[-1, position] > 0:
            continue  # no row observing it carries this component's weight
        head = slice(0, counts[position])
        yield int(j), order[head][seen[head, position]]


def _data_determine(X, j, sample_weight):
    """Whether every row observing these features fixes feature ``j`` of them.

    Then it is the data's own relation (a feature constant in the data, or
    a linear function of the others), where no component is judged, as for
    complete rows on a plane. No more rows than the features always fix it:
    that is the component's collapse, not the data's.
    """
    rows = ~np.isnan(X).any(axis=1)
    if sample_weight is not None:
        rows &= np.asarray(sample_weight) > 0
    return rows.sum() > X.shape[1] and _determined(X[rows], j)


def _determined(rows, j):
    """Whether column ``j`` of ``rows`` is an exact affine function of the others.

    To ``RANK_RATIO`` of its own spread about its mean (the collapse check's
    relative spread); a column without spread is determined.
    """
    centred = exactly_centred(rows)
    target = centred[:, j]
    spread = np.linalg.norm(target)
    if not spread > 0:
        return True
    others = np.delete(centred, j, axis=1)
    if others.shape[1]:
        fitted = np.linalg.lstsq(others, target, rcond=None)[0]
        target = target - others @ fitted
    return bool(np.linalg.norm(target) <= RANK_RATIO * spread)


def _observing_rows(blocks, block_rows, X, supports):
    """Per component of ``supports``: the rows observing its whole support
    (those features) and their weights on it, in one pass over the blocks."""
    found = {k: ([], []) for k in supports}
    if not found:
        return {}
    for part, (_, w, resp) in zip(block_rows, blocks(), strict=True):
        for k, support in supports.items():
            rows = X[part][:, support]
            a = resp[:, k] if w is None else resp[:, k] * w
            keep = ~np.isnan(rows).any(axis=1) & (a > 0)
            found[k][0].append(rows[keep])
            found[k][1].append(a[keep])
    return {k: (np.concatenate(r), np.concatenate(a)) for k, (r, a) in found.items()}


def _data_flat_along(X, support, direction):
    """Whether every row observing ``support`` has one value along ``direction``.

    Flat to ``RANK_RATIO ** 2`` of the rows' largest variance there (the
    collapse check's relative spread); rows with no spread are flat. No more
    rows than the support's features always lie on a hyperplane, the one a
    component collapses onto: that is not the data's own direction.
    """
    X = X[:, support]
    X = X[~np.isnan(X).any(axis=1)]
    if X.shape[0] <= X.shape[1]:
        return False
    centred = exactly_centred(X)
    along = centred @ (direction / np.linalg.norm(direction))
    widest = np.linalg.eigvalsh(centred.T @ centred)[-1]
    return bool(along @ along <= RANK_RATIO**2 * widest)


def _resting(weights):
    """Indices of the heaviest rows carrying ``RESTING_WEIGHT`` of the weight."""
    order = np.argsort(weights, kind="stable")[::-1]
    carried = np.cumsum(weights[order])
    count = int(np.searchsorted(carried, RESTING_WEIGHT * carried[-1])) + 1
    return order[: min(count, order.size)]


def _on_a_hyperplane(rows):
    """Whether rows (more than their features) lie on one hyperplane.

    Their scatter in standardised units is singular to ``RANK_RATIO ** 2``
    of its largest eigenvalue (the collapse check's relative spread).
    """
    centred = exactly_centred(rows)
    scale = np.sqrt(np.mean(centred**2, axis=0))
    if not np.all(scale > 0):
        return True  # a feature constant on them: a hyperplane already
    standardised = centred / scale
    values = np.linalg.eigvalsh(standardised.T @ standardised)
    return bool(values[0] <= RANK_RATIO**2 * values[-1])


def collapsed_on_observed_values(
    X_missing, sample_weight, resp, full, scale, own_spread, patterns
):
    """Components thin where the rows observing them sit on a hyperplane.

    The narrowest direction of a whole component (:func:`collapsed_on_observing_rows`)
    can miss the collapse: shrunk in every direction at once (``2 reg_covar``
    times the identity) it has none; and a row's density reads only the
    covariance of the features it observes, so a covariance can be singular
    on each pattern's features without being thin as a whole. The directions
    read, for each component, are every feature's axis and the narrowest
    direction of the covariance of each missingness pattern's observed
    features (where that pattern's rows lose density, and no others). Along
    each that is thin (an axis with a variance at most ``THIN_RATIO`` of the
    data's or of the component's widest; a pattern's direction, of the
    component's widest), the rows that observe its support and carry the
    component's weight (``_resting`` of it) either spread or lie on a
    hyperplane through it (at most as many as the support's features, or one
    value of a feature, to rounding); ``OwnSpread.narrowed_by_observers``
    says which components that leaves unbounded. Eight integer rows in 3-D,
    each missing some feature: a tied fit of two or three components shrank
    to ``reg_covar`` on every pattern, its log-likelihood rising without
    bound as ``reg_covar`` fell, and a BIC search picked it.

    Parameters
    ----------
    X_missing : ndarray of shape (n_samples, n_features)
        The rows with NaN where an entry is missing.
    sample_weight : ndarray of shape (n_samples,) or None
    resp : callable
        ``resp()`` gives the observed-data responsibilities, of shape
        ``(n_samples, n_components)`` (a pass over the rows: only when a
        component is thin somewhere).
    full : ndarray of shape (n_components, n_features, n_features)
    scale : ndarray of shape (n_features,)
        The features' standard deviations (zero for a constant feature).
    own_spread : OwnSpread
    patterns : ndarray of shape (n_patterns, n_features), dtype=bool
        The features each missingness pattern of the rows observes.

    Returns
    -------
    reasons : dict
        ``{k: reason}`` of the collapsed components.
    """
    scale = np.where(scale > 0, scale, 1.0)
    standardised = full / np.outer(scale, scale)
    widest = np.linalg.eigvalsh(standardised)[:, -1]
    directions, variances = _candidate_directions(standardised, patterns)
    # The axes: thin against the data too (a component shrunk everywhere at
    # once is thin against nothing of its own). A pattern's direction: thin
    # against the component's widest only, as for the narrowest direction
    # above: a tight cluster far from the others is thin against the data,
    # and a pattern's few rows (each row missing two of six features: two
    # rows a pattern) always lie on a hyperplane of its four features.
    d = standardised.shape[1]
    bound = np.repeat(widest[:, np.newaxis], variances.shape[1], axis=1)
    bound[:, :d] = np.maximum(bound[:, :d], 1.0)
    thin = variances <= THIN_RATIO * bound
    if not thin.any():
        return {}  # most fits: no pass over the rows
    X = np.asarray(X_missing, dtype=np.float64) / scale
    observed = ~np.isnan(X)
    flat = np.zeros(variances.shape, dtype=bool)
    blind = np.zeros_like(flat)
    a = np.asarray(resp(), np.float64)
    if sample_weight is not None:
        a = a * np.asarray(sample_weight, np.float64)[:, np.newaxis]
    # A pattern's direction that is not thin opposes nothing: a component
    # shrunk evenly is thin along its axes, not against its own widest.
    blind[:, d:] = ~thin[:, d:]
    for k, c in zip(*np.nonzero(thin), strict=True):
        direction = directions[k, c]
        support = np.abs(direction) >= _SUPPORT * np.abs(direction).max()
        if _data_flat_along(X, support, direction[support]):
            blind[k, c] = True  # a direction the data do not span: no one's
            continue
        seen = observed[:, support].all(axis=1) & (a[:, k] > 0)
        if not seen.any():
            blind[k, c] = True
            continue
        rows = X[np.ix_(seen, support)][_resting(a[seen, k])]
        flat[k, c] = _rest_on_a_hyperplane(rows)
    held = a.sum(axis=0) > 0
    narrowed = own_spread.narrowed_by_observers(flat, blind, held)
    reasons = {}
    for k in np.flatnonzero(narrowed):
        reasons[int(k)] = (
            "the rows that observe the features of a direction where its "
            f"variance is at most {THIN_RATIO:g} of the data's, and carry its "
            "weight, lie on a hyperplane there: with missing entries its "
            f"likelihood is unbounded ({own_spread.needs})"
        )
    return reasons


def _candidate_directions(standardised, patterns):
    """Each component's axes, then the narrowest direction of each pattern.

    Returns ``(directions, variances)`` of shapes ``(K, C, d)`` and
    ``(K, C)``: the ``d`` axes with the component's variances along them,
    then, for each missingness pattern observing two features or more, the
    narrowest eigenvector of the covariance of its observed features (zero
    elsewhere) and its eigenvalue, found for every component and every
    pattern of one size in one batched call.
    """
    n_components, d = standardised.shape[:2]
    patterns = [p for p in np.asarray(patterns, dtype=bool) if p.sum() > 1]
    directions = np.zeros((n_components, d + len(patterns), d))
    variances = np.empty((n_components, d + len(patterns)))
    directions[:, np.arange(d), np.arange(d)] = 1.0
    variances[:, :d] = np.diagonal(standardised, axis1=1, axis2=2)
    sizes = np.array([p.sum() for p in patterns], dtype=int)
    for size in np.unique(sizes):
        chosen = np.flatnonzero(sizes == size)
        index = np.array([np.flatnonzero(patterns[i]) for i in chosen])
        # (K, P, size, size): each component's covariance on each pattern.
        blocks = standardised[:, index[:, :, None], index[:, None, :]]
        values, vectors = np.linalg.eigh(blocks)
        columns = d + chosen
        variances[:, columns] = values[..., 0]
        for p, features in enumerate(index):
            directions[:, columns[p], features] = vectors[:, p, :, 0]
    return directions, variances


def _rest_on_a_hyperplane(rows):
    """Whether rows (standardised, their support's features) leave a direction flat.

    At most as many rows as features always do; one feature's rows at one
    value to rounding (16 of its ulps) do.
    """
    if rows.shape[0] <= rows.shape[1]:
        return True
    if rows.shape[1] == 1:
        values = rows[:, 0]
        return bool(np.ptp(values) <= 16.0 * np.finfo(float).eps * np.abs(values).max())
    return _on_a_hyperplane(rows)


def collapsed_below_rounding(raw_means, full):
    """Components narrower along a feature than one ulp of their mean there.

    Rows that coincide on the features they observe give a complete-data
    fit a covariance of zero, regularised to be factorised and so flagged.
    With missing entries it never reaches zero: each E-step's conditional
    covariance of the rows missing a feature hands the next M-step a share
    of the last one, and with ``reg_covar=0`` the covariance shrinks
    geometrically (to 6e-76 in 100 iterations, the likelihood rising without
    bound). No rows spread less than the rounding of their values, so a
    variance below it is that collapse, and the other rules, which leave the
    directions the data do not span to ``reg_covar``, miss it there. One ulp
    moves by a factor of up to 2 when the data change units (not by a power
    of two), so the verdict can change with them only for a component
    within a factor of 4 of that bound in variance: at rounding itself.

    Parameters
    ----------
    raw_means : ndarray of shape (n_components, n_features)
        The means in the data's own coordinates.
    full : ndarray of shape (n_components, n_features, n_features)

    Returns
    -------
    reasons : dict
        ``{k: reason}`` of the collapsed components.
    """
    variances = np.diagonal(full, axis1=1, axis2=2)
    ulps = np.spacing(np.maximum(np.abs(raw_means), np.finfo(float).tiny))
    below = variances <= ulps**2
    reasons = {}
    for k in np.flatnonzero(below.any(axis=1)):
        j = int(np.flatnonzero(below[k])[0])
        reasons[int(k)] = (
            f"its variance along feature {j} is {variances[k, j]:.2g}, below "
            "the rounding of its mean there: the rows it holds coincide on the "
            "features they observe, and with missing entries its likelihood is "
            "bounded only by reg_covar"
        )
    return reasons
