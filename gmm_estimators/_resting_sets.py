"""The rows each component rests on: whether they spread as its covariance needs.

The resting-set test of ``_degenerate.check_blocks`` (its Notes give the
thresholds): the rows holding a component's top weight, their moments about
one of them, proved spread from a subset where a subset can prove it
(``_spread_proof``), and the smallest weight of a row in each set
(``_resting_rows.FloorHistogram``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._resting_rows import (
    MAGNIFIED,
    RANK_RATIO,
    RESTING_WEIGHT,
    SUBSET_ROWS,
    FloorHistogram,
    magnification,
    own_axes_spread,
    point_size,
    resting_moments,
    rotated_moments,
)
from ._spread_proof import surely_spread
from .covariance._spread import EVERY_DIRECTION

__all__ = ["judge_resting_sets", "resting_floors"]


def judge_resting_sets(
    blocks,
    floors,
    varying,
    scale,
    anchor,
    rotation,
    pending,
    own_spread,
    reasons,
    weight_sum,
    means=None,
    origin=0.0,
):
    """Test the rows each pending component rests on (one pass, rarely two).

    ``floors[k]`` is the smallest weight of a row in component ``k``'s
    resting set (``_resting_rows.resting_floor``). Adds the components whose
    rows do not spread as ``own_spread`` needs to ``reasons``; returns ``{k:
    a direction (standardised coordinates) its rows do not span, or None}``
    for every pending component: None too when it rests on at most ``r``
    rows, which lie on a lower-dimensional set whatever the data; ``{k:
    whether its rows lie on a lower-dimensional set}``, however many; and
    ``{k: sum_i a_ik (z_i - mu_k)(z_i - mu_k)^T}`` over its resting rows, or
    over a subset of them, about ``means[k]`` (the fitted means,
    standardised; about the rows' own mean when None): a lower bound either
    way of the component's part of the pooled within scatter (see
    ``OwnSpread.pooled_spread``).

    The moments are taken about ``anchor[k]``, a row of the resting set
    (standardised coordinates): their rounding is then relative to the
    rows' own extent, whatever the fitted mean. ``origin`` is the norm of
    the data's centre in standardised units (``_resting_rows.point_size``).

    Large resting sets are read through a subset first
    (``_resting_rows.SUBSET_ROWS``); a component whose subset does not prove
    that its rows spread is read again whole, so the verdict is that of
    every resting row.
    """
    r = rotation.shape[1]
    p = anchor.shape[1]
    # Rotated sums only where the rotation magnifies rounding enough to
    # matter (see _resting_rows.MAGNIFIED); elsewhere the rotation of the sums.
    turn = rotation if magnification(rotation) > MAGNIFIED else None
    counts, mass, first, second, read, rotated = resting_moments(
        blocks,
        floors,
        varying,
        scale,
        anchor,
        pending,
        subset_rows=SUBSET_ROWS,
        rotation=turn,
    )
    first_rotated, second_rotated = rotated or rotated_moments(first, second, rotation)
    spreading = set()
    for index in np.flatnonzero([m is not None for m in read]):
        own = second[index] - np.outer(first[index], first[index]) / read[index]
        own_rotated = second_rotated[index] - (
            np.outer(first_rotated[index], first_rotated[index]) / read[index]
        )
        if surely_spread(
            own,
            own_rotated,
            counts[index],
            mass[index],
            anchor[pending[index]],
            weight_sum,
            rotation,
            own_spread,
            origin,
        ):
            spreading.add(index)
    again = [i for i, m in enumerate(read) if m is not None and i not in spreading]
    if again:
        # The same products as a first read of every pending component.
        exact = resting_moments(
            blocks,
            floors,
            varying,
            scale,
            anchor,
            [pending[i] for i in again],
            batch_as=len(pending),
            rotation=turn,
        )
        for arrays, values in zip(
            (counts, mass, first, second, first_rotated, second_rotated),
            (*exact[:4], *(exact[5] or rotated_moments(exact[2], exact[3], rotation))),
            strict=True,
        ):
            arrays[again] = values
        for index in again:  # every resting row read now
            read[index] = None
    flat, low, thin = {}, {}, {}
    for index, k in enumerate(pending):
        spread, rank_spread = 0.0, 0.0
        count = counts[index]
        thin[k] = np.zeros(p, dtype=bool)
        if index in spreading:
            rank_spread = spread = np.inf
        elif count > 0:
            delta = first[index] / mass[index]
            scatter = second[index] / mass[index] - np.outer(delta, delta)
            # Rows on one point leave only rounding in their scatter.
            point = point_size(np.linalg.norm(anchor[k] + delta), origin)
            size = np.sqrt(max(np.trace(scatter), 0.0))
            # Features along which the rows do not spread beyond rounding.
            thin[k] = ~(np.diag(scatter) >= point * point)
            if size >= point:
                axes, directions = own_axes_spread(scatter, point, RANK_RATIO, count)
                if count > r:
                    # In the span's whitened coordinates already: the
                    # rotation from there is the identity.
                    turned = first_rotated[index] / mass[index]
                    rank_spread = EVERY_DIRECTION.relative_spread(
                        second_rotated[index] / mass[index] - np.outer(turned, turned),
                        np.eye(r),
                    )
                    if directions:
                        rank_spread = np.inf
                if count >= own_spread.min_rows(r):
                    spread = (
                        rank_spread
                        if own_spread.every_direction
                        else own_spread.relative_spread(scatter, rotation)
                    )
                    if axes and own_spread.every_axis:
                        spread = np.inf
        low[k] = rank_spread < RANK_RATIO
        flat[k] = None
        if low[k] and count > r:
            # The direction (standardised coordinates) the rows do not span.
            flat[k] = np.ones(p) / np.sqrt(p)
            if count > 1:
                flat[k] = np.linalg.eigh(scatter)[1][:, 0]
        if own_spread.min_rows(r) and spread < RANK_RATIO:
            reasons[k] = (
                f"{100 * RESTING_WEIGHT:g} % of its weight rests on "
                f"{count} row(s) that lie on a lower-dimensional set "
                f"(a point, line or plane; relative spread {spread:.2g}) "
                f"where its covariance needs {own_spread.needs}"
            )
    part = {}
    for index, k in enumerate(pending):
        # From the anchor to the fitted mean (or to the rows' own mean).
        weight = mass[index] if read[index] is None else read[index]
        part[k] = second[index]
        if weight > 0 and means is None:
            part[k] = part[k] - np.outer(first[index], first[index]) / weight
        elif means is not None:
            offset = anchor[k] - means[k]
            cross = np.outer(offset, first[index])
            part[k] = part[k] + cross + cross.T + weight * np.outer(offset, offset)
    return flat, low, part, thin


def resting_floors(blocks, histogram, n_k, components):
    """The resting floors (``_resting_rows.FloorHistogram``), binned if need be."""
    if histogram is None:
        histogram = FloorHistogram(n_k.size)
        for _, w, resp in blocks():
            a = np.asarray(resp, np.float64)
            histogram.add(a if w is None else a * w[:, None])
    floors = histogram.floors(n_k)
    if np.isnan(floors[components]).any():
        # A resting set reaches below the bins kept (rare): bin them all.
        histogram = FloorHistogram(n_k.size, low=0)
        for _, w, resp in blocks():
            a = np.asarray(resp, np.float64)
            histogram.add(a if w is None else a * w[:, None])
        floors = histogram.floors(n_k)
    return floors
