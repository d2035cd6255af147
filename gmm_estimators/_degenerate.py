"""Degenerate and spurious components, judged in the data's own terms.

A fitted component is

* **degenerate** (collapsed) when the rows it rests on do not spread as the
  parameters it estimates alone need (``covariance._spread``: one point for
  an own volume, a feature without spread for own variances, a line or
  plane for an own orientation, and for a shared covariance the pooled
  scatter of all components). Its likelihood is unbounded (or held only by
  ``reg_covar``), so the fit's criteria mean nothing. The test reads the
  responsibilities, not the fitted covariance;
* **spurious** when more than ``d`` of its rows lie exactly on a
  lower-dimensional set (a lattice line of integer data) to which its
  structure lets its covariance narrow, when it has an orientation of its
  own (EEV, VEV) but at most ``r`` rows' worth of responsibility to fit it
  to (``covariance._spread``), when 99 % of its weight lies on one value of
  a feature and its covariance, which its structure lets narrow there (an
  own shape or orientation, or an own volume over a shared shape: not a
  covariance shared in one frame nor a sphere, except on one feature), is
  narrower there (or along a slant of such features) than the data's grid
  and than the data (``_spurious.lattice_line_components``), or when, without
  being singular, it is far narrower than another component of the same fit
  in some direction: the generalised eigenvalues of a pair of fitted
  covariances ``(Sigma_k, Sigma_j)`` fall below :data:`SPURIOUS_RATIO`
  (1e-6), or below 1e-4 for a component on at most twice ``r + 1`` rows'
  worth (a few rows that happen to lie near a hyperplane, see
  ``_spurious.narrow_components``), or its structure shares a shape that
  few rows leave flat (``_spurious.flat_shared_shape``). This is the bound
  of Hathaway (1985) on the eigenvalue ratios across components, the
  ``restr.fact`` of tclust (Garcia-Escudero et al. 2008), used here as a
  test of the fitted model rather than a constraint of the M-step.

Both tests are scale-free: multiplying the data by any constant, or one
feature by a constant, changes no decision, and clusters that are far apart
compared with their own spread are not flagged.

Notes
-----
What a component's rows must span depends on the structure: only the
parameters a component estimates from its own rows can shrink to zero
(``covariance._spread``; for example an equal-volume structure such as EII
or EEE keeps every component's determinant at the shared value, so a
component on one point is sound there, while VII needs more than one
distinct point, VVI spread along every feature, VVV spread in every
direction). With ``a_i = w_i r_ik`` (sample weight times responsibility) and
``N_k = sum_i a_i`` the component's weight, the rows are taken in
coordinates ``z`` in which the data have unit variance per feature (constant
features dropped; the data's own span is that of the eigenvectors of its
correlation matrix with eigenvalue above ``1e-10`` times the largest, of
dimension ``r <= d``). The component is degenerate when

* ``N_k < 1e-8 sum_i w_i`` (it holds no rows), or
* its rows' worth ``sum_i r_ik`` over the rows of positive weight (each
  row counted once whatever its weight, so that a common factor of the
  weights changes nothing), rounded to whole rows, is below what its
  covariance needs (``r + 1`` for a varying shape with an orientation: the
  soft form of "at most ``d`` distinct rows"; rounded, because five rows
  that share a hundredth of their weight with another component are still
  five rows), or
* the rows with the largest ``a_i`` that together carry 99 % of ``N_k`` are
  too few or do not spread as the structure needs: they lie on one point
  (their weighted standard deviation, in the data's standardised units, is
  below 8 roundings of their coordinates, ``8 eps (1 + 2 |z| + |c|)`` with
  ``|z|`` their distance from the data's centre and ``|c|`` that of the
  centre from the origin: only rounding separates them), or the
  structure's relative spread of their weighted scatter (the square root
  of the smallest to largest eigenvalue ratio in the data's span, summed in
  its whitened coordinates, or of the per-feature variances) is below
  ``1e-6``. The moments are
  taken about the component's heaviest row, so that their rounding is that
  of the rows' own extent (found blockwise: a histogram of the weights on a
  grid of ``log10`` steps of ``0.02`` gives the 99 % set, a second pass its
  scatter, through a strided subset of a large set whose bounds settle most
  components: ``_resting_rows``; on blocks kept in memory, subsets proven
  to lie in the resting sets without the histogram first settle most fits
  whole). For a shape shared by every component,
  their pooled within scatter must spread as the shared part needs, by the
  same thresholds: in every direction for a shared orientation (EEE, VEE),
  along every feature for a shared diagonal shape (EEI, VEI), and beyond
  one point for the one volume of a spherical shape (EII); a sphere of its
  own volume (VII) shares nothing that can flatten
  (``covariance._spread``).

The test reads where the component's weight *is*, not its covariance, so it
is independent of ``reg_covar`` and of the data's scale: rows on a lattice
line (integer data), a few duplicated rows, or at most ``d`` distinct rows
are found at any scale, while a genuine cluster, however far from the
others and however tight, spans the full dimension.

Under an equal volume with a shape of its own (EVI, EVE, EVV) a component
failing them is spurious while another passes (``covariance._spread``).

With a conjugate prior (``bounded=True``) the objective is bounded: only
empty components are degenerate (also Gaussian components that hold less
than half a row's worth of responsibility together, beside a noise
component that takes every row: their parameters are the prior's, not the
data's), and of the spurious rules only the variance ratios across
components apply.

References
----------
Hathaway, R. J. (1985). A constrained formulation of maximum-likelihood
estimation for normal mixture distributions. The Annals of Statistics,
13(2), 795-800.

Garcia-Escudero, L. A., Gordaliza, A., Matran, C. and Mayo-Iscar, A.
(2008). A general trimming approach to robust cluster analysis. The Annals
of Statistics, 36(3), 1324-1345.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from dataclasses import dataclass

import numpy as np

from ._data_span import coordinates as _coordinates
from ._feature_values import FeatureValues
from ._resting_rows import (
    RANK_RATIO,
    FloorHistogram,
    own_axes_spread,
    point_size,
    pooled_within_scatter,
    standardised,
)
from ._resting_sets import judge_resting_sets, resting_floors
from ._spread_proof import proven_parts
from ._spurious import SPURIOUS_RATIO, lattice_line_components, narrow_components
from .covariance._spread import EVERY_DIRECTION

__all__ = [
    "SPURIOUS_RATIO",
    "ComponentCheck",
    "check_blocks",
    "check_components",
    "rows_worth_floor",
]

# Spread (standardised units, per unit of distance from the centre) below
# which a pooled within scatter is the leftover responsibilities of other
# rows, not components' own spread (see check_blocks' pooled test).
LEFTOVER_RATIO = 1e-13

# Thresholds of the degeneracy test (see the module's Notes; point_size and
# RANK_RATIO, read by the proofs from subsets too, are ``_resting_rows``').
EMPTY_WEIGHT = 1e-8
# Rows' worth of responsibility that rounds to no row: Gaussian components
# holding less together (beside a noise component) describe none of the
# data, whatever bounds their covariances (see rows_worth_floor).
_EMPTY_ROWS_WORTH = 0.5


@dataclass(frozen=True)
class ComponentCheck:
    """The verdict on each component of one fit.

    Attributes
    ----------
    degenerate : ndarray of int
        Components that rest on a lower-dimensional set of rows.
    spurious : ndarray of int
        Components, not degenerate, far narrower than another component.
    reasons : dict
        ``{component: short explanation}`` for every flagged component.
    """

    degenerate: np.ndarray
    spurious: np.ndarray
    reasons: dict


def rows_worth_floor(own_spread, rank):
    """Rows' worth of responsibility below which a component is degenerate.

    A component whose responsibilities, summed over the rows of positive
    weight, round to fewer rows than its structure's ``own_spread`` needs in
    a span of dimension ``rank`` (see the module's Notes).
    """
    return own_spread.min_weight(rank) - 0.5


def check_components(
    X,
    sample_weight,
    resp,
    covariances_full,
    *,
    own_spread=EVERY_DIRECTION,
    bounded=False,
):
    """Degenerate and spurious components of a fit, from arrays.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data.
    sample_weight : ndarray of shape (n_samples,) or None
    resp : ndarray of shape (n_samples, n_components)
        The fit's responsibilities of the rows (they sum to one per row).
    covariances_full : ndarray of shape (n_components, n_features, n_features)
        The fitted covariances as full matrices.
    own_spread : OwnSpread, default=EVERY_DIRECTION
        What a component's rows must span (the structure's ``own_spread``).
    bounded : bool, default=False
        Whether the fit's objective is bounded (a MAP fit under a conjugate
        prior, whose scale keeps every covariance away from zero). Then only
        empty components are degenerate (also all of them when they hold
        less than half a row's worth of responsibility together, beside a
        noise component): a component on a few rows or on a
        lattice line is what the prior is there to allow.

    Returns
    -------
    check : ComponentCheck
    """
    X = np.asarray(X, dtype=np.float64)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    weight_sum = float(X.shape[0] if w is None else w.sum())
    center = (X.sum(axis=0) if w is None else w @ X) / weight_sum
    Xc = X - center
    total_scatter = (Xc if w is None else Xc * w[:, None]).T @ Xc
    a = resp if w is None else resp * w[:, None]
    means = (a.T @ Xc) / np.maximum(a.sum(axis=0), 1e-300)[:, None]
    return check_blocks(
        lambda: [(Xc, w, resp)],
        total_scatter,
        weight_sum,
        means,
        covariances_full,
        own_spread=own_spread,
        bounded=bounded,
        origin=center,
    )


def check_blocks(
    blocks,
    total_scatter,
    weight_sum,
    means,
    covariances_full,
    *,
    own_spread=EVERY_DIRECTION,
    bounded=False,
    binned_first=False,
    origin=None,
    volume_bounds=True,
):
    """Degenerate and spurious components from blocks of rows (up to seven passes).

    Parameters
    ----------
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` for every block of rows: the rows
        centred on the data's mean (float64), their sample weights (or None)
        and their responsibilities. It is called up to seven times (the
        subsets of the resting sets first, then the histogram and the resting
        sets themselves only for components the subsets could not prove
        sound, every weight binned only when a resting set reaches below the
        top bins, the resting rows' second read only for components their
        subset could not settle, a feature's values and the weight on each
        only for components narrower than a sample's grid bounds the data's
        near their means;
        the caller may keep the blocks between the calls, see
        ``_collapse.component_check``).
    total_scatter : ndarray of shape (n_features, n_features)
        ``sum_i w_i (x_i - mean)(x_i - mean)^T``.
    weight_sum : float
    means : ndarray of shape (n_components, n_features)
        The fitted means, centred as the rows.
    covariances_full : ndarray of shape (n_components, n_features, n_features)
    own_spread : OwnSpread, default=EVERY_DIRECTION
    bounded : bool, default=False
        See :func:`check_components`.
    binned_first : bool, default=False
        Bin the weights in the first pass and read the resting sets
        directly, without the subsets' proof: for blocks that each call
        computes again (a pass is then an E-step), where the proof's pass
        would add one to the components it cannot prove.
    origin : ndarray of shape (n_features,) or None, default=None
        The point the rows were centred on (the data's mean, in its units):
        the magnitude of the rows' values, whose rounding the one-point test
        allows for (``_resting_rows.point_size``). None: the origin.
    volume_bounds : bool, default=True
        Whether an equal volume makes a narrowed shape spurious, not
        degenerate (``OwnSpread.bounded_by_volume``; False: a stream's batches).

    Returns
    -------
    check : ComponentCheck
    """
    varying, scale, rotation = _coordinates(
        np.asarray(total_scatter, np.float64), weight_sum
    )
    r = rotation.shape[1]
    n_components = means.shape[0]
    reach = 0.0
    if origin is not None and varying.any():
        values = np.asarray(origin, np.float64)[varying] / scale
        with np.errstate(over="ignore"):
            reach = float(np.linalg.norm(values))
        if not math.isfinite(reach):
            # Squares beyond float64 (a norm above 1e154): hypot scales them.
            reach = math.hypot(*values)
    shift = np.asarray(means, np.float64)
    shift = (shift if varying.all() else shift[:, varying]) / scale
    n_k = np.zeros(n_components)
    # Rows' worth: responsibilities summed over the rows of positive weight,
    # each row counted once whatever its weight, so that a common factor of
    # the weights cannot change the verdict. (Literal copies of a row count
    # once each; the resting-rows test below sees that they add no spread.)
    rows_worth = np.zeros(n_components)
    histogram = FloorHistogram(n_components) if binned_first else None
    # Each component's heaviest row, which lies in its resting set: the
    # resting rows' moments are taken about it, so that their rounding is
    # relative to their own extent, not to their distance from the fitted
    # mean (a tail of far rows can pull the mean away from them).
    # (Their rows are standardised only if the resting sets are read.)
    heaviest = np.full(n_components, -np.inf)
    heaviest_rows = np.zeros(means.shape)
    found = np.zeros(n_components, dtype=bool)
    components = np.arange(n_components)
    # The grid of each feature, bounded from a sample in the first pass, for
    # the lattice rule (below) of the structures that let a component narrow
    # or share one covariance, and of every structure on one varying feature
    # (a component on one value rests on one distinct row).
    own = own_spread.pulls_shared_shape or not own_spread.pooled
    # One covariance of every component, narrowing along features (EEE, EEI;
    # not a sphere's one volume): the lattice rule judges them jointly.
    part = None if own or own_spread.min_rows(r) else own_spread.shared
    joint = r > 1 and part is not None and part.per_feature
    grid = None
    if not bounded and r and (r == 1 or own or joint):
        grid = FeatureValues(np.flatnonzero(varying))
    for Xc, w, resp in blocks():
        if grid is not None:
            grid.sample(Xc if w is None else Xc[w > 0])
        a = np.asarray(resp, np.float64)
        if w is None:
            # One sum serves both: the same additions in the same order.
            block_sum = a.sum(axis=0)
            rows_worth += block_sum
        else:
            rows_worth += (w > 0) @ a
            a = a * w[:, None]
            block_sum = a.sum(axis=0)
        n_k += block_sum
        if histogram is not None:
            histogram.add(a)
        if a.shape[0]:
            top = a.argmax(axis=0)
            values = a[top, components]
            heavier = values > heaviest
            if heavier.all():  # the first block, nearly always
                heaviest, heaviest_rows, found[:] = values, Xc[top], True
            elif heavier.any():
                heaviest[heavier] = values[heavier]
                heaviest_rows[heavier] = Xc[top[heavier]]
                found |= heavier
    reasons = {}
    needed, floor = own_spread.min_weight(r), rows_worth_floor(own_spread, r)
    # Below one row's worth only beside a noise component (the rows'
    # Gaussian responsibilities then sum to less than one).
    held = float(rows_worth.sum())
    for k in range(n_components):
        if not np.isfinite(n_k[k]):
            reasons[k] = "its responsibilities are not finite"
        elif n_k[k] < EMPTY_WEIGHT * weight_sum:
            reasons[k] = f"it holds a weight of {n_k[k]:.2g} rows"
        elif held < _EMPTY_ROWS_WORTH:
            # The prior's parameters, or a shared covariance (no floor): no row's.
            reasons[k] = (
                f"the Gaussian components hold {held:.2g} rows' worth "
                "of responsibility together, which rounds to no row: the noise "
                "takes every row"
            )
        elif not bounded and r and rows_worth[k] < floor:
            reasons[k] = (
                f"it holds {rows_worth[k]:.3g} rows' worth of responsibility, fewer "
                f"than the {needed:g} its covariance needs ({own_spread.needs})"
            )
    pending = [k for k in range(n_components) if k not in reasons]
    flat, thin = {}, {}
    if not bounded and r and pending:
        proven = None
        if histogram is None:
            # Subsets of the resting sets, found without their floors, prove
            # most fits sound (``_spread_proof.proven_parts``): the histogram
            # and the resting sets' own pass are then not needed. Otherwise
            # every component is read as before (the batched sums of one
            # component depend on the others read with it).
            proven = proven_parts(
                blocks,
                heaviest,
                n_k,
                weight_sum,
                (varying, scale, rotation),
                None if own_spread.shared is None else shift,
                pending,
                own_spread,
                reach,
            )
        if proven is None:
            anchor = shift.copy()
            anchor[found] = standardised(heaviest_rows[found], varying, scale)
            flat, low, resting_scatter, thin = judge_resting_sets(
                blocks,
                resting_floors(blocks, histogram, n_k, pending),
                varying,
                scale,
                anchor,
                rotation,
                pending,
                own_spread,
                reasons,
                weight_sum,
                means=shift,
                origin=reach,
            )
        else:
            # What judge_resting_sets gives rows that surely spread; their part of
            # the pooled scatter is the subset's, a lower bound of it.
            low, resting_scatter = dict.fromkeys(pending, False), proven
            thin = {k: np.zeros(shift.shape[1], dtype=bool) for k in pending}
        pending = [k for k in pending if k not in reasons]
        for k in own_spread.flattening({k: thin[k] for k in pending}, n_k, n_k.sum()):
            reasons[k] = own_spread.flattening_reason
        pending = [k for k in pending if k not in reasons]
        if pending and own_spread.rotated and all(low[k] for k in pending):
            for k in pending:
                reasons[k] = (
                    "every component rests on a lower-dimensional set, each "
                    "in its own orientation, so the shape they share flattens"
                )
        elif pending and own_spread.shared is not None:
            # The resting rows' part of the pooled scatter bounds it below: if
            # it spreads with a margin for rounding, a pass over every row
            # cannot find less. It must span the shared part's (every
            # direction, every feature, or any spread for one volume).
            spread = own_spread.pooled_spread(
                sum(resting_scatter[k] for k in pending), weight_sum, rotation
            )
            if spread < 2.0 * RANK_RATIO:
                within, count = pooled_within_scatter(
                    blocks, varying, scale, shift, pending
                )
                spread = own_spread.pooled_spread(within, weight_sum, rotation)
                # Tight clusters far apart: tiny against the data's scatter,
                # yet spread in every direction of their own. Not the leftover
                # responsibilities of other rows, which EM leaves on components
                # of a lattice line far above rounding (a plateau stop of EEE
                # with 8 components on ToothGrowth's three doses, 5e-14 along
                # dose, passed as sound): LEFTOVER_RATIO of their distance.
                far = float(np.linalg.norm(shift[pending], axis=1).max())
                point = max(point_size(far, reach), LEFTOVER_RATIO * (1.0 + far))
                scaled = within / weight_sum
                size_clears = bool(np.sqrt(max(np.trace(scaled), 0.0)) >= point)
                if own_spread.pooled_clears_rounding(
                    *own_axes_spread(scaled, point, RANK_RATIO, count), size_clears
                ):
                    spread = np.inf
            if spread < RANK_RATIO:
                for k in pending:
                    reasons[k] = (
                        "the components together rest on lower-dimensional sets "
                        f"(relative spread {spread:.2g} of their pooled scatter), "
                        "leaving nothing to estimate the shared covariance from"
                    )
    # An equal volume (EVI, EVE, EVV) bounds what a narrowed shape gains.
    held = np.isfinite(n_k) & (n_k >= EMPTY_WEIGHT * weight_sum) & volume_bounds
    spurious = [] if bounded else own_spread.bounded_by_volume(reasons, held)
    degenerate = np.array(sorted(set(reasons) - set(spurious)), dtype=np.intp)
    full = np.asarray(covariances_full, dtype=np.float64)
    sound = [k for k in range(full.shape[0]) if k not in reasons]
    # Too few rows for an orientation of its own (EEV, VEV): bounded, but
    # only through the other components (``covariance._spread``).
    too_few = own_spread.spurious_below(r)
    if not bounded and r and too_few:
        for k in sound:
            if rows_worth[k] < too_few - 0.5:
                spurious.append(k)
                reasons[k] = (
                    f"it holds {rows_worth[k]:.3g} rows' worth of responsibility, "
                    f"no more than the data's {r} dimensions, and turns the "
                    "shared shape's narrow axes across them (a spurious component)"
                )
        sound = [k for k in sound if k not in spurious]
    # More than r rows exactly on a lower-dimensional set (a lattice line of
    # discretised data, duplicated rows): a component that can narrow its
    # own covariance to the set (own volume, shape or orientation) gains
    # from the rounding of the data, not from its shape. (A covariance
    # shared in one frame cannot; the pooled test above covers it.)
    lattice = [k for k in sound if flat.get(k) is not None]
    if own_spread.every_axis:
        # A diagonal covariance narrows along features only: rows that
        # spread along every feature (an oblique set, duplicated rows of
        # continuous data) give it nothing to narrow to.
        lattice = [k for k in lattice if thin.get(k, np.zeros(1, bool)).any()]
    if not bounded and not own_spread.pooled:
        for k in lattice:
            spurious.append(k)
            reasons[k] = (
                "its rows lie on a lower-dimensional set (a lattice line of "
                "discretised data or duplicated rows) to which its covariance "
                "narrows (a spurious component)"
            )
        sound = [k for k in sound if k not in spurious]
    # Weight on one value of a feature and a covariance narrower there than
    # the grid: a shape, orientation or shared covariance narrowed to a
    # lattice line, a gain from the data's rounding (_spurious).
    if grid is not None and sound:
        spreads = dict(zip(grid.features, scale, strict=True))
        lines = lattice_line_components(
            grid, blocks, full, n_k, sound, spreads, means, joint
        )
        spurious += list(lines)
        reasons.update(lines)
        sound = [k for k in sound if k not in spurious]
    # With a prior, no shared shape is judged flat (a bounded objective).
    shared = None if bounded else own_spread.shared
    coordinates = (varying, scale, rotation)
    narrow = narrow_components(full, sound, rows_worth, r, shared, coordinates)
    for k, reason in narrow.items():
        spurious.append(k)
        reasons[k] = reason
    return ComponentCheck(degenerate, np.array(spurious, dtype=np.intp), reasons)
