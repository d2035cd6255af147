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
``_spread_proof.surely_spread`` for the rotated moments). A component the
subset cannot clear has its moments computed again over every resting row:
the verdict is the one the full pass would give.

Before both passes, a cheaper proof settles most fits on blocks kept in
memory: rows at or above a level no floor lies above (:func:`top_levels`)
are resting rows, and a subset's bounds may prove the whole set spreads
without the histogram (``_spread_proof``).

:func:`pooled_within_scatter` reads every row, not only the resting sets:
the pooled within-component scatter the shared part of a covariance needs,
summed when the resting rows' part cannot prove it spreads.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "MAGNIFIED",
    "POINT_ROUNDINGS",
    "RANK_RATIO",
    "RESTING_WEIGHT",
    "SUBSET_ROWS",
    "FloorHistogram",
    "log_weight_histogram",
    "magnification",
    "own_axes_spread",
    "point_size",
    "pooled_within_scatter",
    "resting_floor",
    "resting_moments",
    "rotated_moments",
    "standardised",
    "top_levels",
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
# the proofs from subsets too (``_spread_proof``).
RANK_RATIO = 1e-6
# Rows whose spread (standard deviation, in the data's standardised units)
# is below this many roundings of their position lie on one point: only
# rounding separates them (point_size). Identical rows have moments taken
# about one of them, exactly zero; rows that differ by the rounding of their
# values, or by that of their centring and standardising, spread by at most
# about half a unit of each. A genuine cluster spreads by more however far
# it lies from the others: 1e-13 of its distance (450 roundings) flagged a
# cluster of 200 distinct rows 1e11 from the others whose deviation was 655
# roundings of its coordinates. (float64 itself resolves no cluster within
# a few roundings of its coordinates.)
POINT_ROUNDINGS = 8.0

_EPS = float(np.finfo(np.float64).eps)


def point_size(distance, origin=0.0):
    """The spread below which rows lie on one point (standardised units).

    :data:`POINT_ROUNDINGS` roundings of the rows' coordinates: of their
    values, whose magnitude is at most ``origin`` (the norm of the point
    the data were centred on, in standardised units) plus their
    ``distance`` from it, and of their centring and standardising, each
    relative to ``distance``; the one stands for rows at the centre.

    Parameters
    ----------
    distance : float or ndarray
        The rows' distance from the data's centre (standardised units).
    origin : float, default=0.0
        The norm of the data's centre in standardised units (``center /
        scale``): the magnitude of the raw values there.

    Returns
    -------
    float or ndarray
    """
    return POINT_ROUNDINGS * _EPS * (1.0 + 2.0 * distance + origin)


#: Rows of a component's resting set per block beyond which the moments are
#: those of a strided subset of this many (see the module's docstring).
SUBSET_ROWS = 256


def standardised(Xc, varying, scale):
    """The block's rows in standardised coordinates (the varying features)."""
    return (Xc if varying.all() else Xc[:, varying]) / scale


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


def top_levels(heaviest):
    """Per component, the lowest weight no resting floor lies above.

    The lower edge of the bin of the component's heaviest row
    (``heaviest[k]``): the floor is that of the top occupied bin or of a
    lower one. Lowered by half the floors' margin (:data:`_EDGE_ROUNDING`):
    above a floor of that bin however the power rounds, yet not above the
    heaviest row.
    """
    if (heaviest == 1.0).all():  # unweighted rows, components apart: most fits
        return np.full(heaviest.shape, _TOP_OF_ONE)
    return 10.0 ** _LOG_BINS[_log_weight_bins(heaviest)] * (1.0 - _EDGE_ROUNDING / 2)


# top_levels of a weight of one, computed as any other.
_TOP_OF_ONE = float(top_levels(np.array([0.5, 1.0]))[1])


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


def own_axes_spread(scatter, point, rank_ratio, count=None):
    """Whether rows spread in their own terms, beyond rounding.

    ``scatter`` is their weighted covariance in standardised coordinates and
    ``point`` the rounding of their position (:func:`point_size`). Returns
    ``(every_axis, every_direction)``: whether every feature's standard
    deviation clears ``point``, and whether besides their own correlation
    matrix is not flat (the square root of its smallest eigenvalue at least
    ``rank_ratio``). Rows that pass span every axis or direction however
    tight they are compared with the whole data (a cluster far from the
    others), where the tests relative to the data's scatter cannot see them:
    in the data's units such a cluster is thinner than ``rank_ratio`` along
    the direction of the others, and its eigenvalues there are lost in the
    rounding of the larger ones. ``count``, the number of rows when known
    (or a bound of the scatter's rank plus one): no more rows than features
    span no direction more (their scatter is singular), said without the
    ``d x d`` eigenvalues (most of a fit's time on wide data), whose
    rounding at thousands of features can even clear ``rank_ratio``.
    """
    variances = np.diag(scatter)
    if not (
        variances.size
        and np.all(variances >= point * point)
        and np.all(np.isfinite(scatter))
    ):
        return False, False
    if count is not None and count <= variances.size:
        return True, False
    root = np.sqrt(variances)
    smallest = float(np.linalg.eigvalsh(scatter / np.outer(root, root))[0])
    return True, bool(np.sqrt(max(smallest, 0.0)) >= rank_ratio)


def pooled_within_scatter(blocks, varying, scale, shift, components):
    """``sum_k sum_i a_ik (z_i - mu_k)(z_i - mu_k)^T`` over ``components``.

    And a bound of its rank plus one (for ``own_axes_spread``'s ``count``):
    its terms lie in the span of the rows of positive weight and the means.
    """
    p = shift.shape[1]
    within = np.zeros((p, p))
    count = len(components) + 1
    for Xc, w, resp in blocks():
        a = np.asarray(resp, np.float64)
        count += Xc.shape[0] if w is None else int(np.count_nonzero(w))
        if w is not None:
            a = a * w[:, None]
        Z = standardised(Xc, varying, scale)
        by_component = np.ascontiguousarray(a.T)
        for k in components:
            D = Z - shift[k]
            D_weighted = D * by_component[k][:, None]
            within += D_weighted.T @ D
    return within, count
