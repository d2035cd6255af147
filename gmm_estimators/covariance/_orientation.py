"""The common orientation of EVE and VVE: ``Sigma_k = lambda_k D A_k D^T``.

Two inner iterations for the one orientation ``D`` the components share: the
package's Jacobi sweeps (:func:`_common_orientation`, the M-step of EVE and
VVE) and mclust's own majorisation-minimisation (:func:`_mm_orientation`,
the path the thorough search also follows).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import lru_cache, partial

import numpy as np

from ._givens import (
    PAIRS_FROM_FEATURES,
    into_layout,
    pair_layouts,
    rotate_pairs,
    round_robin,
)
from ._linalg import all_finite, eigh, eigvalsh, einsum, svd
from ._solvers import (
    _INNER_MAX_ITER,
    _TINY,
    _add,
    _diagonal_objective,
    _diagonal_objectives,
    _geometric_mean,
    _geometric_mean_floored,
    _identity,
    _rotate,
    _small_change,
    _symmetric,
    _units_offset,
)

# The common orientation is warm-started from the previous M-step's axes, so
# its rotation sweeps go on converging across EM iterations: each M-step
# stops once a sweep changes the objective by less than this (relative), far
# below what EM's own stopping rules can see, at a quarter of the sweeps of
# 1e-10 (measured on mclust's fixtures: same fits).
_ORIENTATION_TOL = 1e-6
_DEGENERATE_SWEEPS = 10


@lru_cache(maxsize=32)
def _jacobi_rounds(d):
    """The rounds of :func:`~._givens.round_robin` as flat indices into a (d, d) matrix.

    Built once per ``d`` (the sweeps index with them hundreds of times per
    M-step). Returns ``first`` and ``second``, every round's pairs one after
    the other, and per round a tuple of

    - ``pairs``: the slice of ``first``/``second`` holding the round's pairs;
    - ``p``: how many pairs;
    - ``entries``: the positions of ``(i, i)``, then ``(j, j)``, then
      ``(i, j)`` for the round's pairs ``(i, j)``;
    - ``cos_at``, ``sin_at``: (2, p) positions of ``G``'s ``(i, i)`` and
      ``(j, j)`` entries, and of its ``(j, i)`` and ``(i, j)`` entries (see
      :func:`_round_rotation`).
    """
    pairs = round_robin(d)
    rounds = []
    start = 0
    for first, second in pairs:
        p = first.size
        rounds.append(
            (
                slice(start, start + p),
                p,
                np.concatenate([first * (d + 1), second * (d + 1), first * d + second]),
                np.stack([first * (d + 1), second * (d + 1)]),
                np.stack([second * d + first, first * d + second]),
            )
        )
        start += p
    if not pairs:  # d = 1: nothing to rotate
        return np.empty(0, dtype=int), np.empty(0, dtype=int), ()
    first = np.concatenate([first for first, _ in pairs])
    second = np.concatenate([second for _, second in pairs])
    return first, second, tuple(rounds)


def _either(a, b):
    """``np.logical_or`` of two floats (NaN counts as true)."""
    return bool(a or b)


# ``sin`` at ``(j, i)``, ``-sin`` at ``(i, j)``: the sign of each row of
# ``sin_at`` (multiplying by -1 is exactly negation).
_GIVENS_SIGNS = np.array([[1.0], [-1.0]])


def _round_rotation(identity, cos_at, sin_at, cos, sin):
    """Givens rotations of disjoint planes as one orthogonal ``G`` (``M @ G``).

    ``G`` has ``cos`` at ``(i, i)`` and ``(j, j)``, ``sin`` at ``(j, i)`` and
    ``-sin`` at ``(i, j)`` for every pair ``(first[p], second[p])``, and is
    the identity elsewhere: ``M @ G`` mixes each pair of columns of ``M``.
    ``cos_at`` and ``sin_at`` are flat positions from :func:`_jacobi_rounds`.
    """
    rotation = identity.copy()
    flat = rotation.reshape(-1)  # a view: the copy is C-contiguous
    flat[cos_at] = cos
    flat[sin_at] = sin * _GIVENS_SIGNS
    return rotation


def _shared_axes(covariances):
    """An orthogonal ``D`` diagonalising covariances that share their axes.

    Commuting matrices share their eigenvectors, and so does any combination
    of them; distinct, scale-normalised weights keep a tie within one
    component from leaving the axes undetermined. (For covariances that do
    not share axes, such as user-given starting precisions, this is merely
    one more orthogonal start.)
    """
    return eigh(_combined_covariance(covariances))[1]


def _combined_covariance(covariances):
    """The combination of covariances whose eigenvectors are :func:`_shared_axes`."""
    covariances = _symmetric(covariances)
    n_components, d = covariances.shape[:2]
    scales = covariances.trace(axis1=1, axis2=2)
    weights = np.arange(1, n_components + 1) / np.where(scales > 0, scales, 1.0)
    # np.tensordot(weights, covariances, axes=1), as the one product it makes.
    combined = np.dot(weights.reshape(1, n_components), covariances.reshape(-1, d * d))
    return combined.reshape(d, d)


def _profile_variances(nk, values, equal_volume):
    """Best ``lambda_k A_k`` (K, d) given the orientation (diagonals ``values``).

    EVE: ``A_k = B_k / |B_k|^(1/d)`` and ``lambda = sum_k |B_k|^(1/d) / n``;
    VVE: ``lambda_k A_k = B_k / n_k``, with ``B_k = diag(D^T W_k D)``.
    ``values`` may carry leading axes (several orientations at once, each
    computed as alone).
    """
    values = np.maximum(values, _TINY)
    if equal_volume:
        roots = _geometric_mean_floored(values)
        volume = _add(roots, axis=-1, keepdims=True) / _add(nk)
        # The shapes first (as EVI's M-step): the volume times the values
        # overflows at scales far inside float64's range.
        return volume[..., np.newaxis] * (values / roots[..., np.newaxis])
    return np.maximum(values / nk[:, np.newaxis], _TINY)


def _common_orientation(nk, scatter, equal_volume, tol, max_iter, previous=None):
    """``Sigma_k = D diag(v_k) D^T`` with one orthogonal ``D`` (EVE and VVE).

    Alternates (i) a sweep of Jacobi plane rotations of ``D`` with the
    variances fixed and (ii) the closed-form variances for that ``D``
    (:func:`_profile_variances`). With the variances fixed, rotating axes
    ``i`` and ``j`` by ``theta`` changes ``sum_k tr(D V_k^-1 D^T W_k)`` by
    ``a cos(2 theta) + b sin(2 theta)``, so each rotation is its exact
    minimiser; rotations in disjoint planes do not interact and are applied
    together (round-robin order). This is a block-coordinate descent on the
    same objective as Browne and McNicholas' (2014) MM iteration, and, like it,
    never increases ``f``; it was preferred because it converges in far fewer
    iterations (the MM bound is loose for anisotropic components).

    The objective has local minima, so the start is the best of several
    orientations: the features' axes (where the profile equals the EVI/VVI
    estimate), the principal axes of the pooled scatter (where EEE lies in
    the family) and, in EM, the orientation of the ``previous`` covariances.
    The result is never worse than any of them; in particular never worse
    than the previous parameters, which makes each EM iteration a
    generalised EM step.

    Returns
    -------
    covariances : ndarray of shape (K, d, d)
    trace : list of float
    """
    n_components, d = scatter.shape[:2]
    scatter = _symmetric(scatter)
    scale = float(nk.sum()) * d
    pooled = scatter.sum(axis=0)
    offset = _units_offset(nk, pooled.diagonal())
    axes, rotated, variances, value = _best_start(
        nk, scatter, pooled, equal_volume, previous
    )
    trace = [value]
    first, second, rounds = _jacobi_rounds(d)
    if nk.min() <= d:
        # A component on at most d rows' worth of weight has a singular
        # scatter: the objective has no lower bound and each sweep lowers it
        # a little more for ever. The fit is degenerate whatever the axes
        # (``_degenerate``), so a few sweeps are enough.
        max_iter = min(max_iter, _DEGENERATE_SWEEPS)
    identity = _identity(d)
    # The sweeps run hundreds of rounds per M-step on small data, where the
    # number of numpy calls, not the arithmetic, is the cost: hence _add
    # (np.sum without its wrapper), the weights of all pairs at once per
    # sweep, and the entries each round reads gathered by one flat index.
    sweep = _sweep_in_pairs if d >= PAIRS_FROM_FEATURES else _sweep_dense
    for _ in range(max_iter if rounds else 0):
        inverse = 1.0 / variances
        weights = inverse[:, first] - inverse[:, second]
        axes, rotated = sweep(axes, rotated, weights, rounds, identity)
        rotated = _symmetric(rotated)
        values = rotated.diagonal(axis1=1, axis2=2)
        variances = _profile_variances(nk, values, equal_volume)
        trace.append(_diagonal_objective(nk, values, variances))
        if _small_change(trace[-2], trace[-1], scale, tol, offset):
            break
    if nk.min() <= d or len(trace) > 2 or not rounds:
        # Nothing to polish: a degenerate component's objective has no
        # minimiser (above), one feature no orientation; and while the
        # sweeps move (more than one sweep) a stall does not show yet: once
        # they stop at their first, EM's later M-steps probe it.
        return _rotate(axes, variances), trace
    return _polished(nk, scatter, equal_volume, axes, variances, trace, tol, offset)


def _round_angles(picked, weight, p):
    """Cosines and sines of one round's rotations, each its plane's minimiser.

    ``picked`` holds every component's ``(i, i)``, ``(j, j)`` and ``(i, j)``
    entries side by side, ``weight`` the pairs' differences of inverse
    variances.
    """
    add = _add
    a = 0.5 * add((picked[:, :p] - picked[:, p : 2 * p]) * weight, axis=0)
    b = add(picked[:, 2 * p :] * weight, axis=0)
    theta = 0.5 * np.arctan2(-b, -a)
    # A plane with a == b == 0 is left as it is (arctan2 would give +-pi
    # there). That is rare: one test per round rules it out, cheaper than
    # building the mask and calling np.where each time.
    if not all(map(_either, a.tolist(), b.tolist())):
        theta[(a == 0) & (b == 0)] = 0.0
    return np.cos(theta), np.sin(theta)


def _sweep_dense(axes, rotated, weights, rounds, identity):
    """One sweep, each round as one orthogonal ``G``: ``O(K d^3)`` a round.

    The Givens rotations of one round's disjoint planes form one orthogonal
    matrix (identity off those planes): two batched products apply them
    all, fewer numpy calls than mixing pairs of lines (``_givens``), which
    costs less only from :data:`~._givens.PAIRS_FROM_FEATURES` features on.
    """
    n_components, d = rotated.shape[:2]
    flat_size = d * d
    for pairs, p, entries, cos_at, sin_at in rounds:
        # (i, i), (j, j) and (i, j) of every component, side by side.
        picked = rotated.reshape(n_components, flat_size)[:, entries]
        cos, sin = _round_angles(picked, weights[:, pairs], p)
        rotation = _round_rotation(identity, cos_at, sin_at, cos, sin)
        axes = axes @ rotation
        rotated = rotation.T @ rotated @ rotation
    return axes, rotated


def _sweep_in_pairs(axes, rotated, weights, rounds, identity):
    """One sweep mixing the paired rows and columns: ``O(K d^2)`` a round.

    The same rotations as :func:`_sweep_dense`, the same angles from the
    same entries, in each round's layout (``_givens.PairLayouts``).
    """
    n_components, d = rotated.shape[:2]
    layouts = pair_layouts(d)
    for (pairs, p, *_), gather, entries in zip(
        rounds, layouts.into, layouts.entries, strict=True
    ):
        axes, rotated = into_layout(axes, rotated, gather)
        picked = rotated.reshape(n_components, d * d)[:, entries]
        cos, sin = _round_angles(picked, weights[:, pairs], p)
        axes, rotated = rotate_pairs(axes, rotated, cos, sin)
    return into_layout(axes, rotated, layouts.back)


# MM iterations of a polish (see _polished) per M-step, once one has gained.
_POLISH_MAX_ITER = 20


def _polished(nk, scatter, equal_volume, axes, variances, trace, tol, offset):
    """The sweeps' result, or mclust's MM iteration from it where that gains.

    The sweeps are a block-coordinate descent (axes, then variances): when
    the axes and the variances are strongly coupled (a component's shape
    with eigenvalues 0.05 against 1e6 beside another component's) each
    sweep gains so little that the tolerance stops it far from the
    minimiser, and EM stopped there as converged, 0.6 of log-likelihood
    short of mclust's fit from the same start; more sweeps needed
    thousands. The MM iteration (:func:`_mm_iterations`) from the sweeps'
    end reaches it in about a hundred. Where the sweeps stopped at their
    first (as they do near EM's convergence) one MM iteration probes: only
    when it lowers the objective beyond the sweeps' tolerance does the
    polish go on (up to :data:`_POLISH_MAX_ITER`), and the lower result is
    kept. Where the sweeps converged (nearly always) the probe gains nothing
    and their result stands, bit for bit.
    """
    scale = float(nk.sum()) * scatter.shape[-1]
    shape = variances / _geometric_mean(variances)[:, np.newaxis]
    largest = eigvalsh(scatter)[:, -1]
    probe = _mm_iterations(
        nk, scatter, equal_volume, axes, shape, largest, offset, 1, 0.0
    )
    value = probe[-1][-1]
    if not value < trace[-1] or _small_change(trace[-1], value, scale, tol, offset):
        return _rotate(axes, variances), trace
    more = _mm_iterations(
        nk, scatter, equal_volume, *probe[:2], largest, offset, _POLISH_MAX_ITER, tol
    )
    # VVE's MM iteration is no majoriser (see _mm_orientation): the lower.
    if more[-1][-1] < value:
        return _rotate(more[0], more[2]), [*trace, *probe[-1], *more[-1]]
    return _rotate(probe[0], probe[2]), [*trace, *probe[-1]]


def _best_start(nk, scatter, pooled, equal_volume, previous):
    """The start of the sweeps: the best of the orientations of
    :func:`_common_orientation` (the first of the best on ties).

    Returns the axes, the scatter rotated to them, the profile variances and
    the objective. The starts are evaluated as one stack, with the same
    products, elementwise operations and reductions (each over the same
    contiguous entries) as one by one, so the same bits: on small data the
    number of numpy calls, not the arithmetic, is the cost.
    """
    d = scatter.shape[-1]
    shared = previous is not None and all_finite(np.asarray(previous))
    # Filled in place: np.stack costs more than these small copies.
    starts = np.empty((3 if shared else 2, d, d))
    starts[0] = _identity(d)
    if shared:
        # Both eigen-decompositions in one LAPACK call (each matrix alone).
        matrices = np.empty((2, d, d))
        matrices[0] = pooled
        matrices[1] = _combined_covariance(np.asarray(previous, dtype=np.float64))
        starts[1:] = eigh(matrices)[1]
    else:
        starts[1] = eigh(pooled)[1]
    rotated = _symmetric(
        starts.swapaxes(-1, -2)[:, np.newaxis] @ scatter @ starts[:, np.newaxis]
    )
    values = rotated.diagonal(axis1=-2, axis2=-1)
    variances = _profile_variances(nk, values, equal_volume)
    objectives = _diagonal_objectives(nk, values, variances).tolist()
    best = 0
    for index, value in enumerate(objectives):
        if value < objectives[best]:
            best = index
    return starts[best], rotated[best], variances[best], objectives[best]


def _orientation_m_step(
    nk,
    scatter,
    tol=_ORIENTATION_TOL,
    max_iter=_INNER_MAX_ITER,
    return_trace=False,
    previous=None,
    *,
    equal_volume,
):
    """EVE (``equal_volume``) or VVE covariances ``lambda_k D A_k D^T`` (K, d, d).

    See :func:`_common_orientation`.
    """
    covariances, trace = _common_orientation(
        nk, scatter, equal_volume, tol, max_iter, previous
    )
    return (covariances, trace) if return_trace else covariances


_eve_m_step = partial(_orientation_m_step, equal_volume=True)
_vve_m_step = partial(_orientation_m_step, equal_volume=False)


# mclust's own inner iteration for EVE and VVE (see _mm_orientation) runs to
# a relative change of sqrt(eps) without a bound on its iterations; with
# 1e-5 and at most 10 iterations per M-step (warm-started, later M-steps
# need few) the path won the same cells on mclust's data sets (usarrests,
# crabs, chevron) at a third of the cost.
_MM_TOL = 1e-5
_MM_MAX_ITER = 10
# From the identity (EM's first M-step) mclust runs the iteration to its own
# rule, sqrt(eps) (emControl's second tolerance), with no bound; the path
# that follows mclust's does the same there, where a cold start needs more
# than the warm-started later M-steps (26 iterations on the unit test's
# scatters in 2-D).
_MM_FIRST_TOL = float(np.sqrt(np.finfo(np.float64).eps))
_MM_FIRST_MAX_ITER = 1000


def _mm_orientation(nk, scatter, equal_volume, previous=None, max_iter=None, tol=None):
    """``Sigma_k = D diag(v_k) D^T`` by mclust's own iteration (EVE and VVE).

    The two majorisation-minimisation steps of Browne and McNicholas (2014)
    as mclust's ``meeve``/``mevve`` apply them, each an SVD of a sum over
    components, then the closed-form variances, until the objective's
    relative change is below :data:`_MM_TOL` (at most :data:`_MM_MAX_ITER`
    iterations; ``tol`` and ``max_iter`` override both). It starts only from
    the ``previous`` orientation and shape, or from the identity and unit
    shapes at the first M-step (``previous=None``), where it runs to mclust's
    own rule (:data:`_MM_FIRST_TOL`, at most :data:`_MM_FIRST_MAX_ITER`
    iterations); EM then follows mclust's path: from the same
    start it can end in another, at times better, local maximum than EM
    with :func:`_common_orientation`.

    mclust weights the components by their shapes ``A_k`` alone, not by
    ``lambda_k A_k``. For EVE (one volume) that is the majoriser of the
    objective, which then never increases; for VVE it is not, and the
    objective may increase on the way. The thorough search uses the path
    only to reach another region: EM with the structure's own M-step takes
    over where it ends (``model_selection._search.follow_mclust_path``). A
    majoriser weighted by the volumes too, which never increases VVE's
    objective, did not reach the maxima that mclust's path reaches.

    Returns
    -------
    covariances : ndarray of shape (K, d, d)
    trace : list of float
        The objective after every iteration (never increasing for EVE).
    """
    n_components, d, _ = scatter.shape
    scatter = _symmetric(scatter)
    offset = _units_offset(nk, scatter.sum(axis=0).diagonal())
    warm = previous is not None and all_finite(np.asarray(previous))
    if max_iter is None:
        max_iter = _MM_MAX_ITER if warm else _MM_FIRST_MAX_ITER
    if tol is None:
        tol = _MM_TOL if warm else _MM_FIRST_TOL
    if warm:
        axes = _shared_axes(np.asarray(previous, dtype=np.float64))
        shape = einsum("ji,kjl,li->ki", axes, previous, axes)
        shape = np.maximum(shape, _TINY)
        shape /= _geometric_mean(shape)[:, np.newaxis]
    else:
        # mclust's start: the features' axes and unit shapes.
        axes, shape = np.eye(d), np.ones((n_components, d))
    largest = eigvalsh(scatter)[:, -1]
    axes, _, variances, trace = _mm_iterations(
        nk, scatter, equal_volume, axes, shape, largest, offset, max_iter, tol
    )
    return _rotate(axes, variances), trace


def _mm_iterations(
    nk, scatter, equal_volume, axes, shape, largest, offset, max_iter, tol
):
    """Up to ``max_iter`` MM iterations from ``axes`` and ``shape``.

    See :func:`_mm_orientation` (``largest``: each scatter's largest
    eigenvalue, the majoriser's constant). Returns the axes, the shapes,
    the variances and the objective after each iteration.
    """
    trace = []
    for _ in range(max_iter):
        # MM 1: inv(A_k) D^T W_k - omega_k inv(A_k) D^T, summed; its polar
        # factor is the new D^T.
        scaled = axes.T[np.newaxis] / shape[:, :, np.newaxis]
        gradient = scaled @ scatter - largest[:, np.newaxis, np.newaxis] * scaled
        left, _, right = svd(gradient.sum(axis=0))
        axes = (left @ right).T
        # MM 2: W_k D inv(A_k) - max(1 / a_k) W_k D, summed; its polar
        # factor is the new D.
        projected = scatter @ axes
        inverse = 1.0 / shape
        gradient = projected * inverse[:, np.newaxis, :] - (
            inverse.max(axis=1)[:, np.newaxis, np.newaxis] * projected
        )
        left, _, right = svd(gradient.sum(axis=0))
        axes = left @ right
        values = einsum("ji,kjl,li->ki", axes, scatter, axes)
        variances = _profile_variances(nk, values, equal_volume)
        shape = variances / _geometric_mean(variances)[:, np.newaxis]
        trace.append(_diagonal_objective(nk, values, variances))
        # mclust's relative rule but for its size, measured from the data's
        # units (_units_offset) so that it stops alike at any scale.
        if len(trace) > 1 and abs(trace[-2] - trace[-1]) <= tol * (
            1.0 + abs(trace[-1] - offset)
        ):
            break
    return axes, shape, variances, trace
