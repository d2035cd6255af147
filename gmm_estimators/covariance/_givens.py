"""Rounds of Givens rotations applied to pairs of rows and columns.

The Jacobi sweeps of the common orientation (``_orientation``) rotate, per
round, ``d / 2`` disjoint planes ``(i, j)`` of ``K`` symmetric matrices and of
the axes. As one orthogonal matrix ``G`` this is two dense products per
matrix, ``O(K d^3)`` a round. Mixing only the paired rows and columns is
``O(K d^2)``: each round's pairs are laid side by side (``i`` at an even
position, its ``j`` next to it), so that a pair of columns reads as one
column of complex numbers ``M_i + 1j M_j``, and the round's rotations are
one complex product by ``cos - 1j sin`` per pair; the rows follow as the
columns of the transpose. A gather of the lines per round carries the matrices from
one round's layout to the next.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import lru_cache

import numpy as np

# From this many features on, a round mixes pairs (``PairLayouts``) rather
# than multiplying by the dense ``G``. Below it the dense products' few
# numpy calls cost less than the pairs' dozen; measured per sweep with
# ``benchmarks/bench_givens.py`` (both forms, K = 5, one thread): the pairs
# are ahead from about d = 48 on.
PAIRS_FROM_FEATURES = 48


class PairLayouts:
    """The positions of every round's pairs and the gathers between them.

    Built from the rounds of the round-robin schedule (``first``, ``second``
    per round, in the order the angles are computed), so the pairs and
    their order are those of the dense form. In round ``r`` the matrices are
    held permuted: position ``2 q`` holds axis ``first[q]``, ``2 q + 1`` axis
    ``second[q]``, and an odd ``d``'s idle axis the last.
    """

    def __init__(self, rounds, d):
        orders = []
        for first, second in rounds:
            rest = np.setdiff1d(np.arange(d), np.concatenate([first, second]))
            orders.append(np.concatenate([np.stack([first, second], 1).ravel(), rest]))
        # The gather into each round's layout from the last one's (the
        # original order before the first), and back to the original after.
        previous = np.arange(d)
        self.into = []
        for order in orders:
            # Only the order of the lines (O(d) a round): a flat index of
            # d^2 per round cached for every d took 1 GB at d = 500.
            self.into.append(np.argsort(previous)[order])
            previous = order
        self.back = np.argsort(previous)
        # Each round's (i, i), (j, j) and (i, j) entries, side by side.
        self.entries = []
        for first, _ in rounds:
            even = 2 * np.arange(first.size)
            self.entries.append(
                np.concatenate(
                    [even * (d + 1), (even + 1) * (d + 1), even * d + even + 1]
                )
            )


def round_robin(d):
    """Pairs of axes in d - 1 (or d) rounds of disjoint pairs (circle method)."""
    players = list(range(d)) + ([None] if d % 2 else [])
    m = len(players)
    rounds = []
    for _ in range(m - 1):
        pairs = [
            (min(a, b), max(a, b))
            for a, b in zip(players[: m // 2], players[::-1][: m // 2], strict=True)
            if a is not None and b is not None
        ]
        if pairs:
            first, second = np.array(pairs).T
            rounds.append((first, second))
        players = [players[0], players[-1], *players[1:-1]]
    return tuple(rounds)


@lru_cache(maxsize=32)
def pair_layouts(d):
    """:class:`PairLayouts` of :func:`round_robin`'s rounds, built once per ``d``."""
    return PairLayouts(round_robin(d), d)


def into_layout(axes, rotated, step):
    """``axes``'s columns, and ``rotated``'s rows and columns, taken in ``step``."""
    return axes.take(step, axis=1), rotated.take(step, axis=1).take(step, axis=2)


def mix_columns(matrix, phases):
    """``M @ G`` in place: each column pair ``(2 q, 2 q + 1)`` rotated.

    Column ``i`` becomes ``cos M_i + sin M_j`` and column ``j`` becomes
    ``cos M_j - sin M_i``: ``(M_i + 1j M_j) * (cos - 1j sin)``, with
    ``phases`` the pairs' ``cos - 1j sin``.
    """
    paired = matrix[..., : 2 * phases.shape[0]].view(np.complex128)
    paired *= phases


def rotate_pairs(axes, rotated, cos, sin):
    """``axes @ G`` and ``G^T @ rotated @ G`` for a round in its layout.

    ``rotated`` is symmetric: after its columns are mixed, its rows are
    mixed as the columns of its transpose, which the result is (rounding
    apart), as the next round's gather or the sweep's symmetrisation reads
    it.
    """
    phases = cos - 1j * sin
    mix_columns(axes, phases)
    mix_columns(rotated, phases)
    rotated = np.ascontiguousarray(rotated.swapaxes(-1, -2))
    mix_columns(rotated, phases)
    return axes, rotated
