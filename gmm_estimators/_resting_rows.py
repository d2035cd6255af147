"""Where a component's weight rests: its resting set's floor and moments.

The degeneracy test of ``_degenerate`` reads, for each component ``k``, the
rows with the largest weights ``a_ik = w_i r_ik`` that together carry
:data:`RESTING_WEIGHT` of its weight ``N_k`` (its *resting set*). Two passes
over the blocks find it:

1. the floor of each resting set, the smallest weight of a row in it, from
   a histogram of ``log10 a_ik`` in bins of 0.02 (:func:`resting_floor`),
   of which :class:`FloorHistogram` bins only the top few hundred;
2. the moments of the resting rows about an anchor (the component's
   heaviest row, see ``_degenerate``), in the data's standardised
   coordinates and, for the test in every direction, in the whitened
   coordinates of the data's span, summed after the rotation
   (:func:`resting_moments`).

On many rows the second pass reads only a strided subset of each large
resting set (:data:`SUBSET_ROWS` per block and component) and reports it.
The scatter of a subset about its own mean is below, in the Loewner order,
that of the whole set about its own, and the whole set's scatter is below
the data's total scatter (every ``a_ik <= w_i``); so a subset whose spread
clears the test's thresholds with a margin proves the whole set spreads
(:meth:`covariance._spread.OwnSpread.spread_lower_bound`, and
:func:`surely_spread` for the rotated moments). A component the subset
cannot clear has its moments computed again over every resting row: the
verdict is the one the full pass would give.

Before both passes, a cheaper proof settles most fits (blocks kept in
memory, see ``_degenerate.check_blocks``): rows weighing at least a level
that the first pass proves at or below the floor (:func:`resting_levels`,
from the weight of the rows below it, or the top occupied bin) lie in the
resting set, so the scatter of (a strided subset of) them bounds the
resting set's from below (:func:`resting_subsets`), and when those bounds
clear every test's threshold with the same margins for every component
(:func:`proves_spread`), the fit is sound as the resting sets would find
it, without the histogram. Otherwise the two passes above judge it.

:func:`pooled_within_scatter` reads every row, not only the resting sets:
the pooled within-component scatter the shared part of a covariance needs,
summed when the resting rows' part cannot prove it spreads.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .covariance._spread import EVERY_DIRECTION

__all__ = [
    "MAGNIFIED",
    "POINT_RATIO",
    "PROOF_MARGIN",
    "RANK_RATIO",
    "RESTING_WEIGHT",
    "ROUNDING_ALLOWANCE",
    "SUBSET_ROWS",
    "FloorHistogram",
    "log_weight_histogram",
    "magnification",
    "own_axes_spread",
    "pooled_within_scatter",
    "proves_spread",
    "resting_floor",
    "resting_levels",
    "resting_moments",
    "resting_subsets",
    "rotated_moments",
    "standardised",
    "surely_spread",
]

#: Share of a component's weight its resting set carries.
RESTING_WEIGHT = 0.99

# Histogram of log10 weights (see resting_floor): bins of 0.02 from 1e-320.
_LOG_LOW, _LOG_STEP = -320.0, 0.02
_LOG_BINS = _LOG_LOW + _LOG_STEP * np.arange(int(-_LOG_LOW / _LOG_STEP) + 1)

# Relative rounding of a bin's lower edge in the binning (the logarithm's
# position, about 1e-13 of a weight), with a margin: floors lie this far below
# the edges so that every row binned at or above a floor's bin passes it.
_EDGE_ROUNDING = 1e-12

# FloorHistogram bins only the weights above this fraction of the largest:
# the floors come from the top few hundred bins, not 16,001, and most of the
# n x K weights (far rows' tiny responsibilities) are never binned.
_LIGHT = 1e-6

# Blocks of at most this many (components x rows x features) entries have
# their resting rows' moments computed for all components at once (batched
# products over masked weights) rather than component by component.
_BATCHED_ENTRIES = 2**16

# Thresholds of the resting rows' tests (``_degenerate``'s Notes), read by
# the proofs from subsets below.
RANK_RATIO = 1e-6
# Rows whose spread (standard deviation, in the data's standardised units)
# is below this times one plus their distance from the data's centre lie on
# one point: only rounding separates them. Identical rows have moments taken
# about one of them, exactly zero; rows a few ulps apart are a few 1e-16 of
# their position. Clusters 1e10 of their own deviations apart (sd 1e-3,
# centres 1e7 apart: 2.7e5 units of rounding of their values) and a blob
# beside a sentinel 1e11 away pass; 1e-10 flagged both.
POINT_RATIO = 1e-13

#: Rows of a component's resting set per block beyond which the moments are
#: those of a strided subset of this many (see the module's docstring).
SUBSET_ROWS = 256


def standardised(Xc, varying, scale):
    """The block's rows in standardised coordinates (the varying features)."""
    return (Xc if varying.all() else Xc[:, varying]) / scale


def _standardised_columns(Xc, varying, scale):
    """:func:`standardised` rows as the columns of a (p, n) array."""
    columns = np.array(
        (Xc if varying.all() else Xc[:, varying]).T, dtype=np.float64, order="C"
    )
    columns /= scale[:, None]
    return columns


def _log_weight_bins(a):
    """Bin of :data:`_LOG_BINS` of every weight ``a[i, k]`` (zero and NaN: bin 0).

    Each step works in place: on large blocks this pass is a good part of
    the whole check.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        position = np.log10(a)
    position -= _LOG_LOW
    position /= _LOG_STEP
    # fmax sends -inf (a zero weight) and NaN to bin 0, as nan_to_num would.
    np.fmax(position, 0.0, out=position)
    np.minimum(position, _LOG_BINS.size - 1, out=position)
    return position.astype(np.intp)


def log_weight_histogram(a):
    """``histogram[k, b]``: the weight ``a[i, k]`` of a block's rows in bin ``b``.

    Bins of :data:`_LOG_BINS`; zero (and NaN) weights fall in bin 0.
    """
    n_components = a.shape[1]
    # One bincount for all components: bin b of component k at k * nbins + b.
    flat = _log_weight_bins(a)
    flat += _LOG_BINS.size * np.arange(n_components)
    return np.bincount(
        flat.ravel(), weights=a.ravel(), minlength=n_components * _LOG_BINS.size
    ).reshape(n_components, _LOG_BINS.size)


def _floor_of(occupied, sums, target):
    """Lower edge of the bin where the weight counted from the top reaches ``target``.

    ``occupied`` are a component's bins of non-zero weight in ascending
    order, ``sums`` their weights. None when they do not reach it. The edge
    is lowered by :data:`_EDGE_ROUNDING`: a weight a few units of rounding
    below an edge (a responsibility of ``1 - 4e-16``) falls in the bin above
    it, whose rows the floor must all let in.
    """
    if 0.0 >= target:  # nothing to reach: every bin reaches it
        return 10.0 ** _LOG_BINS[-1] * (1.0 - _EDGE_ROUNDING)
    from_top = np.cumsum(sums[::-1])[::-1]
    reached = np.flatnonzero(from_top >= target)
    if not reached.size:
        return None
    return 10.0 ** _LOG_BINS[occupied[reached[-1]]] * (1.0 - _EDGE_ROUNDING)


def resting_floor(histogram, n_k):
    """Per component, the smallest weight ``a`` of a row in its resting set.

    ``histogram[k, b]`` holds the weight ``a_i`` of the rows whose ``log10 a_i``
    falls in bin ``b``; the floor is the lower edge of the bin where the
    weight counted from the top reaches ``RESTING_WEIGHT N_k``.
    """
    floors = np.empty(histogram.shape[0])
    for k in range(histogram.shape[0]):
        # The sums from the top change only at occupied bins: summing those
        # alone makes the same additions in the same order as every bin.
        occupied = np.flatnonzero(histogram[k])
        floor = _floor_of(occupied, histogram[k, occupied], RESTING_WEIGHT * n_k[k])
        floors[k] = 10.0 ** _LOG_BINS[0] if floor is None else floor
    return floors


class FloorHistogram:
    """The top bins of the weights' histogram, summed block by block.

    Only the bins from ``low`` up are kept (:func:`log_weight_histogram`'s
    columns ``low:``), where ``low`` is the bin of :data:`_LIGHT` times the
    largest weight of the first block: the weights below it are neither
    binned nor summed. Each bin's sum adds the same weights in the same
    order as the whole histogram's, and so do the sums from the top down to
    ``low``: a floor found there is the whole histogram's, bit for bit. A
    resting set reaching below the kept bins (more than 1 % of a
    component's weight in entries below ``_LIGHT`` of the largest) has no
    floor here (:meth:`floors`); the caller then bins every weight
    (``low=0``).

    Parameters
    ----------
    n_components : int
    low : int or None, default=None
        The first bin kept; None sets it from the first block.
    """

    def __init__(self, n_components, low=None):
        self.n_components = n_components
        self.low = low
        self.sums = None

    def _start(self, a):
        if self.low is None:
            with np.errstate(invalid="ignore"):
                largest = float(np.max(a, initial=0.0))
            light = largest * _LIGHT
            self.low = 0
            if light > 0 and np.isfinite(light):
                position = (np.log10(light) - _LOG_LOW) / _LOG_STEP
                self.low = int(min(max(np.floor(position), 0.0), _LOG_BINS.size - 1))
        self.sums = np.zeros((self.n_components, _LOG_BINS.size - self.low))
        # Half a bin below the first kept bin's edge: every weight whose bin
        # is ``low`` or above is read, whatever the rounding of the logarithm.
        self._threshold = (
            -np.inf if self.low == 0 else 10.0 ** (_LOG_BINS[self.low] - _LOG_STEP / 2)
        )

    def add(self, a):
        """Add a block's weights ``a`` (n, K)."""
        if self.sums is None:
            self._start(a)
        n_rows, width = a.shape[0], self.sums.shape[1]
        # Component-major, so that each component's weights stay in row
        # order (each bin's sum adds them in the whole histogram's order).
        by_component = a.T.ravel()
        if self.low:
            chosen = np.flatnonzero(by_component >= self._threshold)
            weights = by_component[chosen]
            bins = _log_weight_bins(weights)
            kept = bins >= self.low
            flat = bins[kept] - self.low
            flat += (chosen[kept] // n_rows) * width
            weights = weights[kept]
        else:
            weights = by_component
            flat = _log_weight_bins(weights)
            flat += np.repeat(np.arange(self.n_components) * width, n_rows)
        self.sums += np.bincount(
            flat, weights=weights, minlength=self.n_components * width
        ).reshape(self.n_components, width)

    def floors(self, n_k):
        """:func:`resting_floor` per component; NaN where the kept bins fall short."""
        floors = np.full(self.n_components, np.nan)
        if self.sums is None:  # no rows at all: nothing rests anywhere
            floors[:] = np.inf
            return floors
        for k in range(self.n_components):
            occupied = np.flatnonzero(self.sums[k])
            floor = _floor_of(
                occupied + self.low, self.sums[k, occupied], RESTING_WEIGHT * n_k[k]
            )
            if floor is not None:
                floors[k] = floor
            elif self.low == 0:
                floors[k] = 10.0 ** _LOG_BINS[0]
        return floors


def resting_moments(
    blocks,
    floors,
    varying,
    scale,
    shift,
    components,
    *,
    subset_rows=None,
    batch_as=None,
    rotation=None,
):
    """Moments about ``shift[k]`` of each component's resting rows (one pass).

    Parameters
    ----------
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` per block (see
        ``_degenerate.check_blocks``).
    floors : ndarray of shape (K,)
        The smallest weight of a row in each component's resting set.
    varying, scale : ndarray
        The data's varying features and their standard deviations
        (standardised coordinates, see ``_degenerate``).
    shift : ndarray of shape (K, p)
        The points the moments are taken about (the components' anchors),
        in standardised coordinates.
    components : sequence of int
        The components to read.
    subset_rows : int or None, default=None
        In blocks read component by component, a component with more
        resting rows than this in a block has the moments of a strided
        subset of about this many of them (counts and mass stay those of
        every resting row). None: every resting row.
    batch_as : int or None, default=None
        The number of components by which a block is judged small enough
        for the batched products (``len(components)`` when None): a second
        read of some components takes the same path, hence the same sums,
        as the first read of them all.
    rotation : ndarray of shape (p, r) or None, default=None
        The map to the whitened coordinates of the data's span: the
        moments of ``(z_i - mu_k) @ rotation`` are returned too. Summed
        after the rotation, their rounding is relative to the whitened
        values; the rotation of summed moments would magnify it by the
        inverse of the data's smallest correlation eigenvalue (up to 1e10),
        enough to make rows on a plane of nearly collinear data look spread.

    Returns
    -------
    moments : tuple
        ``(counts, mass, first, second, read, rotated)``, indexed as
        ``components``: the number of rows with ``a_ik >= floors[k]``, their
        weight, ``sum a_ik (z_i - mu_k)`` and ``sum a_ik (z_i - mu_k)(z_i -
        mu_k)^T`` over the rows read, the weight of the rows read, or None
        where every resting row was read (the moments are then those of
        every row), and ``(first, second)`` of the rotated rows (None
        without ``rotation``).
    """
    components = np.asarray(components, dtype=np.intp)
    size, p = components.size, shift.shape[1]
    counts = np.zeros(size, dtype=np.int64)
    mass = np.zeros(size)
    subset_mass = np.zeros(size)
    sampled = np.zeros(size, dtype=bool)
    first = np.zeros((size, p))
    second = np.zeros((size, p, p))
    r = 0 if rotation is None else rotation.shape[1]
    first_rotated = np.zeros((size, r))
    second_rotated = np.zeros((size, r, r))
    floors, shift = floors[components], shift[components]
    batch_as = size if batch_as is None else batch_as
    for Xc, w, resp in blocks():
        a = np.asarray(resp, np.float64)
        if w is not None:
            a = a * w[:, None]
        # Component-major: each component's weights are read contiguously.
        by_component = np.ascontiguousarray(a[:, components].T)
        if batch_as * by_component.shape[1] * p <= _BATCHED_ENTRIES:
            Z = standardised(Xc, varying, scale)
            resting = by_component >= floors[:, None]
            weights = np.where(resting, by_component, 0.0)
            D = Z[None, :, :] - shift[:, None, :]
            weighted = D * weights[:, :, None]
            counts += np.count_nonzero(resting, axis=1)
            block_mass = weights.sum(axis=1)
            mass += block_mass
            subset_mass += block_mass
            first += weighted.sum(axis=1)
            second += np.swapaxes(weighted, 1, 2) @ D
            if rotation is not None:
                D = D @ rotation
                weighted = D * weights[:, :, None]
                first_rotated += weighted.sum(axis=1)
                second_rotated += np.swapaxes(weighted, 1, 2) @ D
            continue
        for index in range(size):
            rows = np.flatnonzero(by_component[index] >= floors[index])
            if not rows.size:
                continue
            ak = by_component[index, rows]
            counts[index] += rows.size
            block_mass = ak.sum()
            mass[index] += block_mass
            if subset_rows is not None and rows.size > subset_rows:
                step = -(-rows.size // subset_rows)
                rows, ak = rows[::step], ak[::step]
                block_mass = ak.sum()
                sampled[index] = True
            subset_mass[index] += block_mass
            # Standardised after the gather: only the rows read are divided.
            D = standardised(Xc[rows], varying, scale) - shift[index]
            first[index] += ak @ D
            second[index] += (D * ak[:, None]).T @ D
            if rotation is not None:
                D = D @ rotation
                first_rotated[index] += ak @ D
                second_rotated[index] += (D * ak[:, None]).T @ D
    read = [m if taken else None for m, taken in zip(subset_mass, sampled, strict=True)]
    rotated = None if rotation is None else (first_rotated, second_rotated)
    return counts, mass, first, second, read, rotated


#: Above this magnification of rounding by the rotation into the data's span
#: (the inverse of the data's smallest kept correlation eigenvalue) the
#: moments in every direction are summed after rotating each row; below it
#: the sums are rotated, which carries at most about 1e-14 of the squared
#: distances into the thin directions, well under the eigenvalue ratio of
#: 1e-12 that a relative spread of 1e-6 is.
MAGNIFIED = 100.0


def magnification(rotation):
    """``||rotation||^2``: its columns are orthogonal, of norm ``1 / sqrt(eig)``."""
    return float((rotation * rotation).sum(axis=0).max(initial=0.0))


def rotated_moments(first, second, rotation):
    """Moments in the data's whitened span from those in standardised coordinates."""
    return first @ rotation, rotation.T @ second @ rotation


def own_axes_spread(scatter, point, rank_ratio):
    """Whether rows spread in their own terms, beyond rounding.

    ``scatter`` is their weighted covariance in standardised coordinates and
    ``point`` the rounding of their position (``_degenerate.POINT_RATIO``
    times one plus their distance from the data's centre). Returns
    ``(every_axis, every_direction)``: whether every feature's standard
    deviation clears ``point``, and whether besides their own correlation
    matrix is not flat (the square root of its smallest eigenvalue at least
    ``rank_ratio``). Rows that pass span every axis or direction however
    tight they are compared with the whole data (a cluster far from the
    others), where the tests relative to the data's scatter cannot see them:
    in the data's units such a cluster is thinner than ``rank_ratio`` along
    the direction of the others, and its eigenvalues there are lost in the
    rounding of the larger ones.
    """
    variances = np.diag(scatter)
    if not (
        variances.size
        and np.all(variances >= point * point)
        and np.all(np.isfinite(scatter))
    ):
        return False, False
    root = np.sqrt(variances)
    smallest = float(np.linalg.eigvalsh(scatter / np.outer(root, root))[0])
    return True, bool(np.sqrt(max(smallest, 0.0)) >= rank_ratio)


def pooled_within_scatter(blocks, varying, scale, shift, components):
    """``sum_k sum_i a_ik (z_i - mu_k)(z_i - mu_k)^T`` over ``components``."""
    p = shift.shape[1]
    within = np.zeros((p, p))
    for Xc, w, resp in blocks():
        a = np.asarray(resp, np.float64)
        if w is not None:
            a = a * w[:, None]
        Z = standardised(Xc, varying, scale)
        by_component = np.ascontiguousarray(a.T)
        for k in components:
            D = Z - shift[k]
            D_weighted = D * by_component[k][:, None]
            within += D_weighted.T @ D
    return within


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


def surely_spread(
    own, own_rotated, count, mass, shift, weight_sum, rotation, own_spread
):
    """Whether a subset's scatter proves every test of the resting rows passes.

    ``own`` is the subset's scatter about its own mean (standardised
    coordinates), ``own_rotated`` the same summed in the whitened
    coordinates of the data's span; ``count`` and ``mass`` are those of
    every resting row, ``shift`` the point the moments were taken about (a
    resting row, see ``_degenerate._resting_sets``). Each test's threshold must
    be cleared :data:`PROOF_MARGIN` times over by its lower bound
    (``OwnSpread.spread_lower_bound``: the rank test's from ``own_rotated``,
    the structure's own from ``own``) after a rounding
    allowance (:data:`ROUNDING_ALLOWANCE`) is taken off the scatter's
    diagonal. The rows' distance from the data's centre
    (the size test's scale) is bounded by ``sqrt(weight_sum p / mass)``:
    their mean's squared norm is at most their mean squared norm, at most
    the data's total (``p`` per unit of weight in standardised
    coordinates, ``r`` in whitened ones), and their mean squared distance
    from ``shift`` by twice that plus twice ``|shift|^2``.
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
    # one-point test's unit of rounding (see _degenerate._resting_sets).
    if not size >= PROOF_MARGIN * POINT_RATIO * (1.0 + np.sqrt(reach)):
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


# Share of a component's weight at or below a level that proves every row
# above it a resting row (resting_levels): the 1 % a resting set leaves out,
# with a margin for the rounding of the sums.
_OUTSIDE_SHARE = 1.0 - RESTING_WEIGHT + 1e-4


def resting_levels(heaviest, level, light, n_k):
    """Per component, a weight at or above which every row rests (no histogram).

    A row outside the resting set weighs less than its floor, and those rows
    together carry at most ``1 - RESTING_WEIGHT`` of ``N_k`` (the floor's
    bin is where the weight counted from the top reaches the rest). So when
    the rows weighing at most ``level[k]`` carry more than that (``light[k]``),
    the floor is at most ``level[k]``. Without that proof, the lower edge of
    the bin of the component's heaviest row (``heaviest[k]``): no floor lies
    above the top occupied bin's. The lower of the two proven levels is
    returned.
    """
    # Lowered by half the floors' margin: above the floor of this bin however
    # the power rounds, yet not above the heaviest row.
    top = 10.0 ** _LOG_BINS[_log_weight_bins(heaviest)] * (1.0 - _EDGE_ROUNDING / 2)
    proven = light > _OUTSIDE_SHARE * n_k
    return np.where(proven & (level < top), level, top)


def _scatter_about_mean(Zt, weights, rotation):
    """Per row of ``weights`` (s, m): weight, mean and scatter about it of rows ``Zt``.

    ``Zt`` holds the rows as columns (p, m): the broadcast differences then
    run along the rows, many times faster than along a few features. The
    scatter is taken about the rows' own mean (not from raw moments), also
    in the span's whitened coordinates when ``rotation`` is given (summed
    after rotating each row: see :data:`MAGNIFIED`).
    """
    mass = weights.sum(axis=1)
    # Rows of no weight in a block add nothing, about any centre.
    centre = np.divide(
        weights @ Zt.T,
        mass[:, None],
        out=np.zeros((mass.size, Zt.shape[0])),
        where=mass[:, None] > 0,
    )
    D = Zt[None, :, :] - centre[:, :, None]
    own = (D * weights[:, None, :]) @ np.swapaxes(D, 1, 2)
    rotated = None
    if rotation is not None:
        D = rotation.T @ D
        rotated = (D * weights[:, None, :]) @ np.swapaxes(D, 1, 2)
    return mass, centre, own, rotated


def resting_subsets(blocks, levels, varying, scale, means, components, rotation):
    """Scatters of the rows weighing at least ``levels[k]``: subsets of resting sets.

    One pass. Per block, the rows of each component at or above its level
    (a strided subset of :data:`SUBSET_ROWS` of them when more) have their
    scatter taken about their own mean; summed over the blocks it is below
    the subset's scatter about its mean, hence below the resting set's
    (for levels of :func:`resting_levels`).

    Returns
    -------
    subsets : tuple
        ``(counts, centre, own, rotated, part)`` indexed as ``components``:
        the number of rows at or above the level (read or not), the weighted
        mean of the rows read (standardised coordinates), the summed
        scatters, the same in the whitened coordinates of the data's span,
        and ``sum a_ik (z_i - mu_k)(z_i - mu_k)^T`` over the rows read
        (``means[k]``, the fitted means standardised: a lower bound of the
        resting rows' part of the pooled within scatter).
    """
    components = np.asarray(components, dtype=np.intp)
    size, p, r = components.size, means.shape[1], rotation.shape[1]
    turn = rotation if magnification(rotation) > MAGNIFIED else None
    counts = np.zeros(size, dtype=np.int64)
    mass, first = np.zeros(size), np.zeros((size, p))
    own, part = np.zeros((size, p, p)), np.zeros((size, p, p))
    rotated = np.zeros((size, r, r))
    levels, means = levels[components], means[components]
    for Xc, w, resp in blocks():
        a = np.asarray(resp, np.float64)
        if w is not None:
            a = a * w[:, None]
        # Component-major: each component's weights are read contiguously.
        by_component = a.T[components]
        if size * by_component.shape[1] * p <= _BATCHED_ENTRIES:
            above = by_component >= levels[:, None]
            counts += above.sum(axis=1)
            weights = by_component * above
            Zt = _standardised_columns(Xc, varying, scale)
            pieces = [(slice(None), _scatter_about_mean(Zt, weights, turn))]
        else:
            pieces = []
            for index in range(size):
                rows = np.flatnonzero(by_component[index] >= levels[index])
                counts[index] += rows.size
                if not rows.size:
                    continue
                rows = rows[:: -(-rows.size // SUBSET_ROWS)]
                Zt = _standardised_columns(Xc[rows], varying, scale)
                weights = by_component[index, rows][None, :]
                pieces.append(
                    (slice(index, index + 1), _scatter_about_mean(Zt, weights, turn))
                )
        for at, (block_mass, centre, block_own, block_rotated) in pieces:
            mass[at] += block_mass
            first[at] += block_mass[:, None] * centre
            own[at] += block_own
            offset = centre - means[at]
            part[at] += block_own + block_mass[:, None, None] * (
                offset[:, :, None] * offset[:, None, :]
            )
            if block_rotated is not None:
                rotated[at] += block_rotated
    if turn is None:
        rotated = rotation.T @ own @ rotation
    centre = np.divide(first, mass[:, None], out=first, where=mass[:, None] > 0)
    return counts, centre, own, rotated, part


def proves_spread(subsets, n_k, weight_sum, rotation, own_spread):
    """Whether the subsets prove that every component's resting rows pass every test.

    :func:`surely_spread` for all components at once, on
    :func:`resting_subsets` of levels of :func:`resting_levels`: the count
    is that of the subset (at most the resting set's), and as the resting
    set's weight only its bounds are known, at least ``RESTING_WEIGHT`` of
    ``N_k`` (less a margin for rounding) and at most ``N_k``, each bound
    goes the safe way: the lower one bounds the rows' distance from the
    data's centre and the allowance for rounding, the upper one divides
    the scatter. (The allowance is taken off the trace and the eigenvalues
    rather than off the diagonal before them: the same bounds.) A fit
    proven here passes the tests of ``_degenerate._resting_sets`` with the
    margins of :func:`surely_spread`: each component's rows spread beyond
    the rounding of their position, along every feature and in every
    direction of the data's span, and as its structure's own rule needs.
    """
    counts, centre, own, rotated, _ = subsets
    r, p = rotation.shape[1], own.shape[1]
    if not (counts > max(r, own_spread.min_rows(r) - 1)).all():
        return False
    least = (RESTING_WEIGHT - 1e-3) * n_k
    most = n_k * (1.0 + 1e-9)
    reach = weight_sum * p / least
    scale = ROUNDING_ALLOWANCE * _EPS * most
    allowance = scale * p * (2.0 * reach + 2.0 * np.einsum("ij,ij->i", centre, centre))
    trace = np.trace(own, axis1=1, axis2=2) - p * allowance
    size = np.sqrt(np.maximum(trace, 0.0) / most)
    if not (size >= PROOF_MARGIN * POINT_RATIO * (1.0 + np.sqrt(reach))).all():
        return False
    if not np.isfinite(rotated).all():
        return False
    turned = centre @ rotation
    smallest = np.linalg.eigvalsh(rotated)[:, 0] - scale * r * (
        2.0 * weight_sum * r / least + 2.0 * np.einsum("ij,ij->i", turned, turned)
    )
    margin = PROOF_MARGIN * RANK_RATIO
    if not (np.sqrt(np.maximum(smallest, 0.0) / weight_sum) >= margin).all():
        return False
    if not own_spread.min_rows(r) or own_spread.every_direction:
        return True
    diagonal = np.eye(p)
    return all(
        own_spread.spread_lower_bound(
            own[index] - allowance[index] * diagonal, most[index], weight_sum, rotation
        )
        >= margin
        for index in range(counts.size)
    )
