"""Proofs from subsets of the resting rows that they spread.

``_degenerate`` judges a component by the rows it rests on (its resting
set, ``_resting_rows``). Every test there asks the rows to spread: beyond
the rounding of their position, along every feature, in every direction of
the data's span, or as the structure's own rule needs. The scatter of any
subset of a set about its own mean is below, in the Loewner order, that of
the whole set about its own, and the whole set's is below the data's total
scatter (every ``a_ik <= w_i``); so a subset whose spread clears each
threshold with a margin proves that the whole set passes
(:func:`surely_spread`, on a strided subset of a resting set).

:func:`proven_parts` needs no resting set at all. Rows at or above a level
that no floor lies above are resting rows: the lower edge of the heaviest
row's bin (``_resting_rows.top_levels``), or half the heaviest row's weight
when the rows below it carry more than the ``1 - RESTING_WEIGHT`` a resting
set leaves out (were the floor above that level, they would all lie
outside). The scatter of (a strided subset of) those rows, summed over the
blocks about each block's own mean, bounds the resting set's from below
(:func:`resting_subsets`), and :func:`proves_spread` reads it as
:func:`surely_spread` does, with the resting set's count and weight
replaced by bounds that go the safe way. A fit it proves sound for every
component gets the verdict the resting sets would give, without the
histogram of the weights and the resting sets' own pass.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np

from ._resting_rows import (
    MAGNIFIED,
    RANK_RATIO,
    RESTING_WEIGHT,
    SUBSET_ROWS,
    magnification,
    point_size,
    top_levels,
)
from .covariance._spread import EVERY_DIRECTION

__all__ = [
    "PROOF_MARGIN",
    "ROUNDING_ALLOWANCE",
    "Subsets",
    "proven_parts",
    "proves_spread",
    "resting_subsets",
    "surely_spread",
]

# A subset's bounds must clear each threshold this many times over.
PROOF_MARGIN = 2.0

# Rounding allowance taken off a subset's scatter before its bounds are
# read, in units of eps times its dimension and a bound of its rows' mean
# squared distance from the fitted mean: a cushion for the rounding of the
# sums (not a proven bound of it), on top of PROOF_MARGIN. With the rank
# test's moments summed after the rotation, neither path's rounding is
# magnified by the data's collinearity.
ROUNDING_ALLOWANCE = 128.0

_EPS = float(np.finfo(np.float64).eps)

# Share of a component's weight below a level that proves every row at or
# above it a resting row: the 1 % a resting set leaves out, with a margin
# for the rounding of the sums.
_OUTSIDE_SHARE = 1.0 - RESTING_WEIGHT + 1e-4

# Lower bounds of a resting set's weight in N_k (at least RESTING_WEIGHT of
# it, less a margin for rounding) and upper bounds (at most N_k).
_LEAST_WEIGHT, _MOST_WEIGHT = RESTING_WEIGHT - 1e-3, 1.0 + 1e-9

# Blocks of at most this many (components x rows x features) entries have
# the subsets' scatters computed for all components at once.
_BATCHED_ENTRIES = 2**16


def surely_spread(
    own, own_rotated, count, mass, shift, weight_sum, rotation, own_spread, origin=0.0
):
    """Whether a subset's scatter proves every test of the resting rows passes.

    ``own`` is the subset's scatter about its own mean (standardised
    coordinates), ``own_rotated`` the same summed in the whitened
    coordinates of the data's span; ``count`` and ``mass`` are those of
    every resting row, ``shift`` the point the moments were taken about (a
    resting row, see ``_resting_sets.judge_resting_sets``). Each test's threshold
    must be cleared :data:`PROOF_MARGIN` times over by its lower bound
    (``OwnSpread.spread_lower_bound``: the rank test's from ``own_rotated``,
    the structure's own from ``own``) after a rounding
    allowance (:data:`ROUNDING_ALLOWANCE`) is taken off the scatter's
    diagonal. The rows' distance from the data's centre
    (the size test's scale) is bounded by ``sqrt(weight_sum p / mass)``:
    their mean's squared norm is at most their mean squared norm, at most
    the data's total (``p`` per unit of weight in standardised
    coordinates, ``r`` in whitened ones), and their mean squared distance
    from ``shift`` by twice that plus twice ``|shift|^2``. ``origin`` is
    the norm of the data's centre in standardised units
    (``_resting_rows.point_size``).
    """
    r = rotation.shape[1]
    if count <= r or count < own_spread.min_rows(r):
        return False
    p = own.shape[0]
    reach = weight_sum * p / mass
    eps = np.finfo(np.float64).eps
    allowance = ROUNDING_ALLOWANCE * p * eps * (2.0 * reach + 2.0 * (shift @ shift))
    own = own - (allowance * mass) * np.eye(p)
    margin = PROOF_MARGIN * RANK_RATIO
    size = np.sqrt(max(np.trace(own), 0.0) / mass)
    # The rows' distance from the data's centre is at most sqrt(reach): the
    # one-point test's unit of rounding (see _resting_sets.judge_resting_sets).
    if not size >= PROOF_MARGIN * point_size(np.sqrt(reach), origin):
        return False
    # The rank test on the moments in the span's whitened coordinates (the
    # rotation from there is the identity; the data's total is r per unit
    # of weight there).
    turned = shift @ rotation
    allowance = (
        ROUNDING_ALLOWANCE
        * r
        * eps
        * (2.0 * weight_sum * r / mass + 2.0 * (turned @ turned))
    )
    own_rotated = own_rotated - (allowance * mass) * np.eye(r)
    whitened = np.eye(r)
    rank_bound = EVERY_DIRECTION.spread_lower_bound(
        own_rotated, mass, weight_sum, whitened
    )
    if not rank_bound >= margin:
        return False
    if not own_spread.min_rows(r) or own_spread.every_direction:
        return True
    return own_spread.spread_lower_bound(own, mass, weight_sum, rotation) >= margin


class Subsets(NamedTuple):
    """What :func:`resting_subsets` sums, indexed as its ``components``.

    ``counts``: rows at or above the level (read or not); ``centre``: the
    weighted mean of the rows read (standardised coordinates); ``own``:
    their scatters about each block's mean, summed; ``rotated``: the same in
    the whitened coordinates of the data's span; ``part``: ``sum a_ik (z_i
    - mu_k)(z_i - mu_k)^T`` over the rows read, or None without means;
    ``below``: the weight of the rows below the level.
    """

    counts: np.ndarray
    centre: np.ndarray
    own: np.ndarray
    rotated: np.ndarray
    part: np.ndarray | None
    below: np.ndarray


def _columns(Xc, varying, scale):
    """The rows in standardised coordinates as the columns of a (p, n) array."""
    columns = np.array(
        (Xc if varying.all() else Xc[:, varying]).T, dtype=np.float64, order="C"
    )
    columns /= scale[:, None]
    return columns


def _scatter_about_mean(Zt, weights, rotation):
    """Per row of ``weights`` (s, m): weight, mean and scatter about it of ``Zt``.

    ``Zt`` holds the rows as columns, (s, p, m) or (1, p, m) when shared:
    the broadcast differences then run along the rows, many times faster
    than along a few features. The scatter is taken about the rows' own
    mean (not from raw moments), also in the span's whitened coordinates
    when ``rotation`` is given (summed after rotating each row: see
    ``_resting_rows.MAGNIFIED``).
    """
    mass = weights.sum(axis=1)
    sums = (Zt @ weights[:, :, None])[:, :, 0]
    # Rows of no weight add nothing, about any centre.
    centre = np.divide(
        sums, mass[:, None], out=np.zeros_like(sums), where=mass[:, None] > 0
    )
    D = Zt - centre[:, :, None]
    own = (D * weights[:, None, :]) @ np.swapaxes(D, 1, 2)
    rotated = None
    if rotation is not None:
        D = rotation.T @ D
        rotated = (D * weights[:, None, :]) @ np.swapaxes(D, 1, 2)
    return mass, centre, own, rotated


def _by_component(weights, components):
    """``weights.T[components]``: the components' weights, component-major.

    Each component's weights are then read contiguously. The E-step's
    responsibilities are already a component-major array (transposed): when
    every component is asked for, in order, that array itself serves, the
    same values without a copy.
    """
    by_component = weights.T
    if by_component.flags.c_contiguous and np.array_equal(
        components, np.arange(by_component.shape[0])
    ):
        return by_component
    return by_component[components]


def resting_subsets(
    blocks, levels, components, varying, scale, rotation, means, *, below=False
):
    """Scatters of the rows of each component weighing at least its level (one pass).

    Per block, the rows of component ``components[i]`` at or above
    ``levels[i]`` (a strided subset of :data:`SUBSET_ROWS` of them when the
    block is large) have their scatter taken about their own mean; summed
    over the blocks it is below the subset's scatter about its mean.
    ``means`` are the fitted means (standardised) that ``part`` is taken
    about, or None; ``below`` asks for the weight of the rows below the
    levels.

    Returns
    -------
    subsets : Subsets
    """
    size, p = components.size, scale.size
    turn = rotation if magnification(rotation) > MAGNIFIED else None
    read = []
    for Xc, w, resp in blocks():
        a = np.asarray(resp, np.float64)
        if w is not None:
            a = a * w[:, None]
        by_component = _by_component(a, components)
        above = by_component >= levels[:, None]
        light = np.where(above, 0.0, by_component).sum(axis=1) if below else None
        if size * by_component.shape[1] * p <= _BATCHED_ENTRIES:
            counts = above.sum(axis=1)
            weights = by_component * above
            Zt = _columns(Xc, varying, scale)[None]
        else:
            # Every component's subset in one array, padded with rows of
            # no weight: one batched product instead of one per component.
            counts = np.zeros(size, dtype=np.int64)
            taken = np.zeros((size, SUBSET_ROWS), dtype=np.intp)
            weights = np.zeros((size, SUBSET_ROWS))
            for index in range(size):
                rows = np.flatnonzero(above[index])
                counts[index] = rows.size
                rows = rows[:: max(1, -(-rows.size // SUBSET_ROWS))]
                taken[index, : rows.size] = rows
                weights[index, : rows.size] = by_component[index, rows]
            Zt = _columns(Xc[taken.ravel()], varying, scale)
            Zt = np.swapaxes(Zt.reshape(p, size, SUBSET_ROWS), 0, 1)
        mass, centre, own, rotated = _scatter_about_mean(Zt, weights, turn)
        part = None
        if means is not None:
            offset = centre - means[components]
            part = own + mass[:, None, None] * (offset[:, :, None] * offset[:, None, :])
        read.append((counts, mass, mass[:, None] * centre, own, rotated, part, light))
    if len(read) == 1:  # one block: its own sums and mean
        counts, mass, _, own, rotated, part, light = read[0]
    else:
        counts, mass, first, own, rotated, part, light = (
            None if values[0] is None else sum(values)
            for values in zip(*read, strict=True)
        )
        centre = np.divide(first, mass[:, None], out=first, where=mass[:, None] > 0)
    if turn is None:
        rotated = rotation.T @ own @ rotation
    return Subsets(counts, centre, own, rotated, part, light)


def proves_spread(subsets, n_k, weight_sum, rotation, own_spread, origin=0.0):
    """Per component, whether its subset proves its resting rows pass every test.

    :func:`surely_spread` for all components at once, on
    :func:`resting_subsets` of rows that are resting rows: the count is that
    of the subset (at most the resting set's), and of the resting set's
    weight only bounds are known (:data:`_LEAST_WEIGHT` and
    :data:`_MOST_WEIGHT` of ``N_k``, ``n_k`` here), each going the safe way:
    the lower one bounds the rows' distance from the data's centre and the
    allowance for rounding, the upper one divides the scatter. (The
    allowance is taken off the trace and the eigenvalues rather than off
    the diagonal before them: the same bounds.) A component proven here
    passes the tests of ``_resting_sets.judge_resting_sets`` with the margins of
    :func:`surely_spread`: its rows spread beyond the rounding of their
    position, along every feature and in every direction of the data's
    span, and as its structure's own rule needs.
    """
    counts, centre, own, rotated = subsets[:4]
    r, p = rotation.shape[1], own.shape[1]
    least, most = _LEAST_WEIGHT * n_k, _MOST_WEIGHT * n_k
    reach = weight_sum * p / least
    scale = ROUNDING_ALLOWANCE * _EPS * most
    allowance = scale * p * (2.0 * reach + 2.0 * (centre * centre).sum(axis=1))
    trace = own.diagonal(axis1=1, axis2=2).sum(axis=1) - p * allowance
    # The size and rank tests squared: sqrt(trace / most) and
    # sqrt(smallest / weight_sum) against their thresholds.
    point = PROOF_MARGIN * point_size(np.sqrt(reach), origin)
    with np.errstate(over="ignore"):  # inf: not proven here, judged in full
        proven = (counts > max(r, own_spread.min_rows(r) - 1)) & (
            trace >= most * point * point
        )
    finite = np.isfinite(rotated).all(axis=(1, 2))
    proven &= finite
    if not proven.any():
        return proven
    turned = centre @ rotation
    smallest = np.linalg.eigvalsh(np.where(finite[:, None, None], rotated, 0.0))
    smallest = smallest[:, 0] - scale * r * (
        2.0 * weight_sum * r / least + 2.0 * (turned * turned).sum(axis=1)
    )
    margin = PROOF_MARGIN * RANK_RATIO
    proven &= smallest >= weight_sum * margin * margin
    if own_spread.min_rows(r) and not own_spread.every_direction:
        diagonal = np.eye(p)
        for index in np.flatnonzero(proven):
            proven[index] = (
                own_spread.spread_lower_bound(
                    own[index] - allowance[index] * diagonal,
                    most[index],
                    weight_sum,
                    rotation,
                )
                >= margin
            )
    return proven


def proven_parts(
    blocks,
    heaviest,
    n_k,
    weight_sum,
    coordinates,
    means,
    components,
    own_spread,
    origin=0.0,
):
    """Each component's part of the pooled scatter if subsets prove the fit sound.

    First the rows at or above the top occupied bin of each component's
    weights (``_resting_rows.top_levels``: resting rows whatever the
    floor); the components they leave unproven read the rows weighing at
    least half of their heaviest row, resting rows when those below carry
    more than :data:`_OUTSIDE_SHARE` of ``N_k``. Returns
    ``{k: lower bound of sum_i a_ik (z_i - mu_k)(z_i - mu_k)^T over the
    resting rows}`` (None without ``means``) when every component is
    proven, otherwise None.

    Parameters
    ----------
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` (``_degenerate.check_blocks``).
    heaviest, n_k : ndarray of shape (K,)
        The largest weight of a row and the total weight of each component.
    weight_sum : float
    coordinates : tuple
        ``(varying, scale, rotation)`` (``_data_span.coordinates``).
    means : ndarray of shape (K, p) or None
        The fitted means, standardised.
    components : list of int
        The components to prove.
    own_spread : OwnSpread
    origin : float, default=0.0
        The norm of the data's centre in standardised units
        (``_resting_rows.point_size``).
    """
    rotation = coordinates[2]
    components = np.asarray(components, dtype=np.intp)
    levels = top_levels(heaviest[components])
    subsets = resting_subsets(blocks, levels, components, *coordinates, means)
    proven = proves_spread(
        subsets, n_k[components], weight_sum, rotation, own_spread, origin
    )
    part = subsets.part
    if not proven.all():
        rest = np.flatnonzero(~proven)
        half = 0.5 * heaviest[components[rest]]
        if not (half < levels[rest]).all():
            return None
        again = resting_subsets(
            blocks, half, components[rest], *coordinates, means, below=True
        )
        weights = n_k[components[rest]]
        if not (again.below > _OUTSIDE_SHARE * weights).all():
            return None
        if not proves_spread(
            again, weights, weight_sum, rotation, own_spread, origin
        ).all():
            return None
        if part is not None:
            part[rest] = again.part
    parts = [None] * components.size if part is None else list(part)
    return dict(zip(components.tolist(), parts, strict=True))
