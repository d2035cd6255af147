"""The spurious tests' measures, for ``_degenerate``.

* How much narrower a component is than another: for fitted covariances
  ``S_k``, the smallest generalised eigenvalue of ``(S_k, S_j)`` over the
  other components ``j`` (Hathaway 1985; the ``restr.fact`` of tclust):
  ``_degenerate`` calls a component spurious when it falls below
  :data:`SPURIOUS_RATIO`, or below :data:`FEW_ROWS_RATIO` on few rows
  (:func:`narrow_components`).
* Whether a component fits a lattice line of recorded values: its rows all
  share one value of a feature, and its fitted variance along that feature
  is below that of rounding to the data's grid there (``h^2 / 12``, ``h``
  the smallest gap between the feature's distinct values). Only an own
  volume over a shared shape (VEI, VEE) is judged so: one component cannot
  narrow a shared shape alone, but components on lines shrink their volume
  as lines of several of them pull the shape narrow along them (on dice
  rolls, four of six VEI components each on one value of a die, at a
  variance of 0.003, where the grid's is 0.083). With one shared covariance
  (EEI, EEE) the variance along a feature is the pooled within-component
  one, the maximum-likelihood answer on a binary feature, not a gain from
  the grid. A feature is read as a measurement rounded to its grid; one
  with more than :data:`_MAX_VALUES` distinct values is not.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

# Distinct values of a feature beyond which it is read as continuous (its
# grid, if any, too fine to matter): also bounds the memory of the search.
_MAX_VALUES = 2**16

#: A component is spurious when its variance in some direction is below this
#: fraction of another component's variance in the same direction (a
#: standard deviation more than 1000 times smaller).
SPURIOUS_RATIO = 1e-6

#: The same bound for a component on few rows (:data:`FEW_ROWS` times the
#: ``r + 1`` a covariance in ``r`` dimensions needs, or fewer): a standard
#: deviation more than 100 times smaller than another component's.
FEW_ROWS_RATIO = 1e-4

#: Rows' worth, per ``r + 1``, up to which a component's thinness is not
#: evidence: estimated from ``m`` rows, a covariance's smallest eigenvalue
#: is about ``(1 - sqrt(r / (m - 1)))^2`` of the true one (the edge of the
#: Marchenko-Pastur law), under a tenth for ``m <= 2 (r + 1)`` and zero for
#: ``m = r + 1``, and EM picks the few rows that lie nearest a hyperplane.
FEW_ROWS = 2.0

__all__ = [
    "FEW_ROWS",
    "FEW_ROWS_RATIO",
    "SPURIOUS_RATIO",
    "flat_shared_shape",
    "lattice_line_components",
    "narrow_components",
    "smallest_gaps",
    "smallest_variance_ratios",
]


def narrow_components(
    full, components, rows_worth, rank, shared=None, coordinates=None
):
    """``{k: reason}`` for the components far narrower than another one.

    Component ``k`` is spurious when the smallest ratio of its variance to
    another component's in the same direction (:func:`smallest_variance_ratios`)
    is below :data:`SPURIOUS_RATIO`, or below :data:`FEW_ROWS_RATIO` when it
    holds at most :data:`FEW_ROWS` times ``rank + 1`` rows' worth of
    responsibility (``rows_worth[k]``; ``rank`` the dimension of the data's
    span). On 30 to 200 rows in 5 to 7 dimensions (state.x77, attitude,
    Pima.tr) and on trees, the thorough search otherwise picked fits with one
    component on ``d + 1`` to ``2 d`` rows and a variance ratio of 1e-6 to
    2e-5, 5 to 45 BIC units above mclust's pick. With the structure's
    ``shared`` part and the data's ``coordinates`` (``_degenerate``), a
    shared shape estimated from few rows and flat is judged too
    (:func:`flat_shared_shape`).
    """
    narrow, smallest = {}, {}
    if not _none_narrow(full, components):
        smallest = smallest_variance_ratios(full, components)
    for k in smallest:
        if smallest[k] < SPURIOUS_RATIO:
            narrow[k] = (
                f"its variance in one direction is {smallest[k]:.2g} times another "
                "component's (a spurious, far too narrow component)"
            )
        elif smallest[k] < FEW_ROWS_RATIO and rows_worth[k] <= FEW_ROWS * (rank + 1):
            narrow[k] = (
                f"it holds {rows_worth[k]:.3g} rows' worth of responsibility, at "
                f"most {FEW_ROWS:g} times the {rank + 1} a covariance in {rank} "
                f"dimensions needs, and its variance in one direction is "
                f"{smallest[k]:.2g} times another component's: a few rows that "
                "happen to lie near a hyperplane (a spurious component)"
            )
    if shared is not None:
        rest = [k for k in components if k not in narrow]
        narrow |= flat_shared_shape(full, rest, rows_worth, shared, coordinates)
    return narrow


def _none_narrow(full, components):
    """Whether no ratio of :func:`smallest_variance_ratios` can fall below a bound.

    The smallest generalised eigenvalue of ``(S_k, S_j)`` is at least the
    smallest eigenvalue of ``S_k`` over the largest of ``S_j``. When that
    holds with twice :data:`FEW_ROWS_RATIO` for every pair (one eigenvalue
    call), every matrix is well conditioned (its own ratio included) and
    no computed ratio falls below either bound: no component is narrow.
    """
    if len(components) < 2:
        return True
    matrices = full[components]
    if not np.isfinite(matrices).all():
        return False
    values = np.linalg.eigvalsh(matrices)
    return bool(values[:, 0].min() >= 2.0 * FEW_ROWS_RATIO * values[:, -1].max())


def flat_shared_shape(full, sound, rows_worth, shared, coordinates):
    """``{k: reason}`` for every sound component when their shared shape is flat.

    A full shape shared by the components (EEE, VEE: ``shared.oblique``) is
    estimated from the pooled within-component scatter, with ``n - K``
    degrees of freedom. On as few as a single covariance's few rows
    (``n - K + 1`` at most :data:`FEW_ROWS` times ``r + 1``) its thinness is
    not evidence (the Marchenko-Pastur edge, see :data:`FEW_ROWS`): the fit
    is spurious when the shape's own correlation matrix is below
    :data:`FEW_ROWS_RATIO` times the data's in some direction (the smallest
    generalised eigenvalue of the two correlation matrices, in the data's
    span): a flat oblique direction the data do not have. Read in
    correlations, the rule is blind to the units of each feature and to
    clusters far apart (tight clusters leave a round within-cluster shape,
    however thin against the whole data), and one component, whose shape is
    the data's, is never flat; an axis-aligned flat direction is a gap
    between clusters as often as a chance, and is not judged. On five
    random points in three dimensions the search otherwise picked VEE with
    two components: a shape from three degrees of freedom whose correlation
    matrix is flat to 2e-6, one component 350 times the data's variance
    along its long axis (mclust cannot fit that cell).

    Parameters
    ----------
    full : ndarray of shape (K, d, d)
    sound : list of int
        The components not yet flagged.
    rows_worth : ndarray of shape (K,)
    shared : object or None
        The structure's shared part (``OwnSpread.shared``).
    coordinates : tuple
        ``(varying, scale, rotation)``: the data's varying features and the
        map to the whitened span of its correlation matrix (``_degenerate``),
        whose width is ``r``.
    """
    varying, _, rotation = coordinates
    rank = rotation.shape[1]
    if shared is None or not shared.oblique or not sound or rank < 2:
        return {}
    dof = float(np.sum(rows_worth)) - full.shape[0]
    if dof + 1 > FEW_ROWS * (rank + 1):
        return {}
    # Every component shares the shape: its correlations are any one's.
    shape = full[sound[0]][np.ix_(varying, varying)]
    with np.errstate(all="ignore"):
        root = np.sqrt(np.diag(shape))
        correlations = shape / np.outer(root, root)
        # In the whitened span the data's correlation matrix is the identity.
        values = np.linalg.eigvalsh(rotation.T @ correlations @ rotation)
    if not values[0] < FEW_ROWS_RATIO:
        return {}
    reason = (
        f"the shape the components share rests on {dof:.3g} degrees of "
        f"freedom (rows' worth less components) in {rank} dimensions and its "
        f"correlations are {values[0]:.2g} times the data's in one direction: "
        "a few rows that happen to lie near a hyperplane (a spurious fit)"
    )
    return dict.fromkeys(sound, reason)


def smallest_variance_ratios(full, components):
    """Per component ``k``, ``min_j`` of the smallest eigenvalue of ``(S_k, S_j)``.

    The generalised eigenvalues of ``S_k`` relative to ``S_j``, over the other
    ``components`` ``j``: those of ``L_j^-1 S_k L_j^-T`` with ``S_j = L_j
    L_j^T``, all pairs in one batched eigenvalue call. A pair whose ``S_j``
    cannot be factorised or holds non-finite values is left out, as is a
    component with no pair (its ratio is ``inf``).
    """
    smallest = {k: np.inf for k in components}
    if len(components) < 2:
        return smallest
    matrices = full[components]
    finite = np.all(np.isfinite(matrices.reshape(len(components), -1)), axis=1)
    factors = _cholesky_factors(full, components, finite)
    pairs = [
        (k, j)
        for index, k in enumerate(components)
        if finite[index]
        for j in factors
        if j != k
    ]
    if not pairs:
        return smallest
    inverse = dict(
        zip(factors, np.linalg.inv(np.stack(list(factors.values()))), strict=True)
    )
    left = np.stack([inverse[j] for _, j in pairs])
    targets = np.stack([full[k] for k, _ in pairs])
    whitened = left @ targets @ np.swapaxes(left, -1, -2)
    values = np.linalg.eigvalsh(0.5 * (whitened + np.swapaxes(whitened, -1, -2)))
    for (k, _), value in zip(pairs, values[:, 0], strict=True):
        smallest[k] = min(smallest[k], float(value))
    return smallest


def _cholesky_factors(full, components, finite):
    """``{j: cholesky(full[j])}`` for the finite ``components`` that have one.

    One batched factorisation; component by component only when some matrix
    cannot be factorised.
    """
    usable = [j for j, ok in zip(components, finite, strict=True) if ok]
    if not usable:
        return {}
    try:
        return dict(zip(usable, np.linalg.cholesky(full[usable]), strict=True))
    except np.linalg.LinAlgError:
        pass
    factors = {}
    for j in usable:
        try:
            factors[j] = np.linalg.cholesky(full[j])
        except np.linalg.LinAlgError:
            continue
    return factors


def lattice_line_components(blocks, full, thin, features, components):
    """Components narrower than the data's grid along a feature they are flat on.

    Parameters
    ----------
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` (see ``_degenerate.check_blocks``).
    full : ndarray of shape (K, d, d)
        The fitted covariances, in the rows' units.
    thin : dict
        ``{k: bool array}``: the features (indexed by ``features``) along
        which component ``k``'s resting rows do not spread beyond rounding.
    features : ndarray of int
        The data's features that ``thin`` indexes.
    components : list of int
        The components to judge.

    Returns
    -------
    lines : dict
        ``{k: (feature, variance, gap)}`` for each component whose fitted
        variance along a feature its rows are flat on is below ``gap^2 /
        12``, ``gap`` the smallest gap between that feature's distinct values
        over the rows of positive weight.
    """
    flat = {k: features[np.flatnonzero(thin[k])] for k in components if k in thin}
    needed = sorted({int(f) for found in flat.values() for f in found})
    if not needed:
        return {}
    gaps = smallest_gaps(blocks, needed)
    lines = {}
    for k, found in flat.items():
        for f in found:
            variance, gap = float(full[k, f, f]), gaps[int(f)]
            if gap > 0 and variance < gap * gap / 12.0:
                lines[k] = (int(f), variance, gap)
                break
    return lines


def smallest_gaps(blocks, features):
    """``{f: smallest gap between distinct values of feature f}`` (0: none).

    Over the rows of positive weight; 0 for a feature with more than
    :data:`_MAX_VALUES` distinct values (read as continuous).
    """
    seen = {f: np.zeros(0) for f in features}
    for Xc, w, _ in blocks():
        rows = Xc if w is None else Xc[np.asarray(w) > 0]
        for f in features:
            if seen[f] is not None:
                seen[f] = np.union1d(seen[f], rows[:, f])
                if seen[f].size > _MAX_VALUES:
                    seen[f] = None
    gaps = {}
    for f in features:
        steps = np.diff(seen[f]) if seen[f] is not None else np.zeros(0)
        gaps[f] = float(steps.min()) if steps.size else 0.0
    return gaps
