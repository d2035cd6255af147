"""The spurious tests' measures, for ``_degenerate``.

* How much narrower a component is than another: for fitted covariances
  ``S_k``, the smallest generalised eigenvalue of ``(S_k, S_j)`` over the
  other components ``j`` (Hathaway 1985; the ``restr.fact`` of tclust):
  ``_degenerate`` calls a component spurious when it falls below
  :data:`SPURIOUS_RATIO`, or below :data:`FEW_ROWS_RATIO` on few rows
  (:func:`narrow_components`).
* Whether a component fits a lattice line of recorded values: its weight
  lies on one value of a feature (:data:`ON_ONE_VALUE` of it), and its
  fitted variance along that feature is below that of rounding to the
  data's grid there (``h^2 / 12``, ``h`` the grid's step at that value:
  :func:`lattice_line_components`). Every
  structure that lets one component narrow along a feature is judged so
  (``_degenerate``): an own shape or orientation (EVE, VVV, EEV, ...)
  narrows it alone, and an own volume over a shared shape (VEI, VEE) as
  components on lines of several of them pull the shape narrow along them
  (on dice rolls, four of six VEI components each on one value of a die,
  at a variance of 0.003, where the grid's is 0.083). With one shared
  covariance (EEI, EEE) the variance along a feature is the pooled
  within-component one, the maximum-likelihood answer on a binary feature
  of clusters that the other features separate, not a gain from the grid,
  and a sphere (VII, EII) cannot narrow along one feature. On one varying
  feature every structure is judged: no other feature separates the
  components, and one on a single value rests on one distinct row (on R's
  ``discoveries``, counts from 0 to 12, six of nine E components each on
  one count, at a pooled variance of 0.045). A feature is read as a
  measurement rounded to its grid; one with more than ``_feature_values._MAX_VALUES``
  distinct values is not. On a feature no wider than its grid's rounding (a
  rare binary feature) the bound is the data's own spread: every fit, one
  component's too, is that narrow there.
* The same along a slant of the gridded features, where rounding spreads
  a sound cluster by ``sum_j v_j^2 h_j^2 / 12``: 99 % of the component's
  weight on one plane of the lattice (one value of the rows' projection),
  its variance along the slant below the rounding's
  (:func:`_tilted_lattice_components`). Features recorded to 0.01 that
  add up (``a = b + c`` before rounding) make such planes, which no
  feature's axis shows.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._resting_rows import RESTING_WEIGHT

#: The share of a component's weight on one value of a feature that puts it
#: on a lattice line (:func:`lattice_line_components`): that of the rows it
#: rests on (``_resting_rows.RESTING_WEIGHT``).
ON_ONE_VALUE = RESTING_WEIGHT

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
    "ON_ONE_VALUE",
    "SPURIOUS_RATIO",
    "flat_shared_shape",
    "lattice_line_components",
    "narrow_components",
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
    diagonals = _diagonals_of(matrices)
    if diagonals is not None:  # its eigenvalues: a diagonal matrix's entries
        smallest, largest = diagonals.min(axis=1), diagonals.max(axis=1)
    else:
        values = np.linalg.eigvalsh(matrices)
        smallest, largest = values[:, 0], values[:, -1]
    return bool(smallest.min() >= 2.0 * FEW_ROWS_RATIO * largest.max())


# From this many features the covariances of an axis-aligned fit are read
# through their diagonals (_diagonals_of): below it the eigenvalue calls cost
# less than the test, and stay as they were.
_DIAGONAL_FROM = 32


def _diagonals_of(matrices):
    """The diagonals ``(K, d)`` of ``matrices`` when each is diagonal, else None.

    An axis-aligned fit's eigenvalue problems (``K^2 d^3`` for the ratios)
    are then ratios of entries, on wide data in far less time.
    """
    d = matrices.shape[-1]
    if d < _DIAGONAL_FROM:
        return None
    diagonals = matrices.diagonal(axis1=-2, axis2=-1)
    if np.count_nonzero(matrices) > np.count_nonzero(diagonals):
        return None
    return diagonals


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
    diagonals = _diagonals_of(matrices)
    if diagonals is not None:
        # The generalised eigenvalues of two diagonal matrices: their ratios.
        usable = finite & np.all(diagonals > 0, axis=1)
        for index, k in enumerate(components):
            for other in np.flatnonzero(usable):
                if finite[index] and other != index:
                    ratio = float((diagonals[index] / diagonals[other]).min())
                    smallest[k] = min(smallest[k], ratio)
        return smallest
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


def lattice_line_components(
    grid, blocks, full, weights, components, spreads, means, shared=False
):
    """Components squeezed onto one value of a feature, narrower than its grid.

    Component ``k`` fits a lattice line of feature ``f`` when at least
    :data:`ON_ONE_VALUE` of its weight lies on a single value of ``f`` and
    its fitted variance along ``f`` is below that of rounding to the
    feature's grid there, ``step^2 / 12`` (``step`` the smallest gap among
    that value and its two neighbours each side among the feature's distinct
    values over the rows of positive weight, where they are tied, and the
    feature's smallest gap elsewhere, ``_feature_values.local_steps``: a
    log-transformed count steps by 0.69 at 0 and by 0.01 near 100). Both are read in the
    feature's own units (a step and a variance along it), so the verdict
    does not move with them. Where the data's own standard deviation along
    ``f`` is below the grid's (a rare 0/1 feature), the bound is the data's:
    every fit is that narrow there, one component's too, and only a
    component narrower than the data fits the line. Sound rows, a
    measurement rounded to the grid, spread along ``f`` by at least the
    rounding's ``step^2 / 12`` (Sheppard's correction); a component whose
    covariance is narrower there, its weight on one value, gains from the
    rounding, and EM going on collapses it (on AER's CPS1985 an EVE component
    of 192 rows' worth, 99.5 % of it on education 12, at a variance of 0.04
    there; on the Rotterdam tumour data, VEE components each on one value of
    log(1 + nodes), at 0.016 where the steps there are 0.15 to 0.69).

    Parameters
    ----------
    grid : _feature_values.FeatureValues
        The distinct values of the features judged (their ``features``),
        over the rows of positive weight.
    blocks : callable
        ``blocks()`` yields ``(Xc, w, resp)`` (see ``_degenerate.check_blocks``);
        read only when some component may be narrower than the grid at its
        mean (:meth:`FeatureValues.may_narrow`): the distinct values, then
        the weights on them.
    full : ndarray of shape (K, d, d)
        The fitted covariances, in the rows' units.
    weights : ndarray of shape (K,)
        The components' weights ``N_k`` (responsibilities times sample
        weights, summed).
    components : list of int
        The components to judge.
    spreads : dict
        ``{f: the data's standard deviation along f}`` for the features
        judged, in their units (``_data_span.coordinates``' scale).
    means : ndarray of shape (K, d)
        The fitted means, in the rows' units: where along each feature a
        component sits, and so which of the grid's steps it is judged by.
    shared : bool, default=False
        Whether the components share one covariance that narrows along the
        features (EEE, EEI; not the one volume of a sphere, EII). No
        component narrows it alone, but components on one value each narrow
        it together: where it is narrower than the grid along ``f`` and
        :data:`ON_ONE_VALUE` of their weight lies on one value of ``f`` per
        component, it is held up by the few rows off their values, and every
        component fits a lattice line (on a 1-to-5 rating, EEE with 8
        components, 7 each on one value, at a standard deviation of 0.026
        held up by one row off its value, 6,500 BIC units ahead of mclust's
        fit of the cell). Clusters pure on a 0/1 feature beside one mixed on
        it are sound when its rows off their value hold over 1 % of the
        weight (they estimate the variance), as are components that all sit
        on one value of a rare flag. Judged along the features only.

    Returns
    -------
    lines : dict
        ``{k: reason}`` for each such component: the first feature it fits a
        line of, its variance there, the grid's step at its value and the
        share of its weight on that value.
    """
    axes = grid.may_narrow(full, components, means)
    # The sampled grid's steps bound the data's from above: a component no
    # narrower than their rounding along any slant is none narrower than
    # the data's (and their distinct values are not gathered).
    # A feature of one value in the sample bounds nothing: it is read.
    sampled = {f: grid.sampled_gap(f) for f in grid.features}
    unbounded = not all(map(np.isfinite, sampled.values()))
    # A covariance shared by every component is judged along the features only.
    screened = ({}, None) if shared else _tilted_directions(full, components, sampled)
    if not (axes or unbounded or screened[0]):
        return {}
    grid.gather(blocks)
    gaps = grid.gaps()
    # On small data the sample is every row: the screen's are the directions.
    tilted = screened if gaps == sampled else None

    def bounds(f, points):
        # Standard deviations, not variances: the square of a step far from
        # one overflows or underflows where the data do not. No narrower
        # than the data themselves: a feature no wider than its grid (a rare
        # 0/1 feature) narrows every fit there, one component's too (to its
        # rounding: hence the margin).
        steps = grid.steps_at(f, points)
        return np.minimum(steps / np.sqrt(12.0), spreads[f] * (1.0 - 1e-9)), steps

    def deviation(k, f):
        return np.sqrt(max(full[k, f, f], 0.0))

    candidates = {}
    for f in grid.features if axes else ():
        if not gaps[f] > 0:
            continue
        # Judged at the value nearest the mean (which a component with its
        # weight on one value and narrower than the steps there sits on).
        at_mean = bounds(f, means[components, f])[0]
        narrow = [
            k for k, b in zip(components, at_mean, strict=True) if deviation(k, f) < b
        ]
        if narrow:
            candidates[f] = narrow
    heaviest = grid.heaviest_value_weights(blocks, candidates) if candidates else {}
    # On one value, and narrower than the grid's step at that value.
    on_line = {}
    for f, narrow in candidates.items():
        values = [heaviest[f][k][1] for k in narrow]
        at_value, steps = bounds(f, values)
        on_line[f] = {
            k: (heaviest[f][k][0], step, value)
            for k, b, step, value in zip(narrow, at_value, steps, values, strict=True)
            if deviation(k, f) < b
        }
    lines = {}
    if shared:  # judged together
        total = float(np.sum(weights[components]))
        for f, on in on_line.items():
            share = sum(w for w, _, _ in on.values()) / total if total > 0 else 0.0
            # On one value each, but not all the same one: a rare 0/1 flag
            # every component holds at 0 narrows nothing of theirs.
            if share >= ON_ONE_VALUE and len({v for _, _, v in on.values()}) > 1:
                step = min(s for _, s, _ in on.values())
                return dict.fromkeys(
                    components,
                    f"{100 * share:.4g} % of the components' weight lies on one "
                    f"value of feature {f} per component, and the covariance they "
                    f"share is narrower there ({full[components[0], f, f]:.2g}) "
                    f"than the data's grid at their values (steps from {step:.3g}):"
                    " held up by the few rows off their values, they fit lattice "
                    "lines, not clusters (a spurious fit)",
                )
        return {}
    for f, on in on_line.items():
        for k, (on_value, step, _) in on.items():
            share = on_value / weights[k] if weights[k] > 0 else 0.0
            if k not in lines and share >= ON_ONE_VALUE:
                lines[k] = (
                    f"{100 * share:.4g} % of its weight lies on one value of "
                    f"feature {f} and its variance there ({full[k, f, f]:.2g}) "
                    "is below that of the data's grid, whose step there is "
                    f"{step:.3g}: it fits a lattice line, not a cluster (a "
                    "spurious component)"
                )
    rest = [k for k in components if k not in lines]
    if tilted is None:
        tilted = _tilted_directions(full, rest, gaps)
    directions = {k: tilted[0][k] for k in rest if k in tilted[0]}
    lines.update(_tilted_lattice_components(blocks, weights, directions, tilted[1]))
    return lines


# Bins, in rounding deviations, of the projections read as one value of a
# slanted lattice (_tilted_lattice_components; two staggered grids of them,
# so rows within half a bin share one): far below the planes' spacing there
# (about 2) and the spread of a sound cluster (at least 1), far above the
# error of a direction estimated from a fit (1e-4 of a deviation, where a
# 1e-6 bin missed every plane when one feature was in other units).
_SAME_PROJECTION = 0.1


def _tilted_lattice_components(blocks, weights, directions, gridded):
    """Components squeezed onto a lattice plane along a slanted direction.

    The rounding of features recorded to steps ``h_j`` spreads a sound
    cluster along any direction ``v`` of them by at least
    ``sum_j v_j^2 h_j^2 / 12``. In units where that is one (the gridded
    features divided by ``h_j / sqrt(12)``), the direction along which a
    component is narrowest against it is the eigenvector of its smallest
    eigenvalue: below one, and at least :data:`ON_ONE_VALUE` of its weight on
    one value of the rows' projection there (and the data wider than that
    there), the component rests on a plane of the lattice, as on a line of
    one feature (:func:`lattice_line_components`; along a slant each
    feature's step is its smallest anywhere, not its step at the
    component's value). On the vertebral column data (six measurements to 0.01,
    ``X1 - X2 - X4`` one of -0.01, 0 and 0.01 by rounding) VEE with 9
    components put each on one of those three planes, at a variance of
    5e-12 where the rounding's is 8e-6, and was picked 4,000 BIC units
    ahead of every sound fit. Read in the grid's units, the verdict does not
    move with the features' units. ``directions`` and ``gridded`` are
    :func:`_tilted_directions`' for the components judged.
    """
    if not directions:
        return {}
    # Streamed: the data's weighted moments along each direction (about the
    # first projection of a row of positive weight, for their rounding: a
    # row of weight zero may lie anywhere), and the weights of the
    # component's rows per bin of its projection, merged block by block.
    moments = {k: np.zeros(3) for k in directions}
    origin = {}
    bins = {k: [(np.zeros(0), np.zeros((0, 2)))] * 2 for k in directions}
    for Xc, w, resp in blocks():
        rows = np.asarray(Xc, np.float64)[:, gridded]
        r = a = np.asarray(resp, np.float64)
        if w is not None:
            w = np.asarray(w, np.float64)
            a = a * w[:, None]
            rows, a, r, w = rows[w > 0], a[w > 0], r[w > 0], w[w > 0]
        for k, (_, v) in directions.items():
            p = rows @ v
            if not p.size:
                continue
            shifted = p - origin.setdefault(k, float(p[0]))
            if w is None:
                moments[k] += (p.size, shifted.sum(), shifted @ shifted)
            else:
                moments[k] += (w.sum(), w @ shifted, w @ (shifted * shifted))
            # Rows of a rounding of its weight or less cannot move a share.
            held = a[:, k] > np.finfo(np.float64).eps * weights[k]
            # Per bin: the weight, and the rows' worth (each row once).
            both = np.column_stack([a[held, k], r[held, k]])
            bins[k] = [
                _merged(store, np.floor(p[held] / _SAME_PROJECTION + offset), both)
                for offset, store in zip((0.0, 0.5), bins[k], strict=True)
            ]
    found = {}
    for k, (variance, _) in directions.items():
        total, first, second = moments[k]
        if not (total > 0 and weights[k] > 0):
            continue
        # Only narrower than the data too (a lattice the data barely leave).
        if not variance < (second / total - (first / total) ** 2) * (1.0 - 1e-9):
            continue
        # The heaviest bin of either grid, its share and rows' worth.
        heaviest = max(
            (tuple(sums[sums[:, 0].argmax()]) for _, sums in bins[k] if sums.size),
            default=(0.0, 0.0),
        )
        share = heaviest[0] / weights[k]
        # Up to d rows always lie on a hyperplane, and EM picks the few rows
        # that lie nearest one (FEW_ROWS): a plane of the lattice holds more.
        # (On Frets' heads, 25 integer rows in 4-D, mclust's EEV with 4 has
        # components of about six rows, each on some plane: a sound fit.)
        if share >= ON_ONE_VALUE and heaviest[1] > FEW_ROWS * (gridded.size + 1):
            found[k] = (
                f"{100 * share:.4g} % of its weight lies on one plane of the "
                "data's grid along a slanted direction, where its variance is "
                f"{variance:.2g} of the grid's rounding: it fits a lattice "
                "plane, not a cluster (a spurious component)"
            )
    return found


def _tilted_directions(full, components, gaps):
    """``{k: (variance, direction)}`` of components narrower than the grid's
    rounding along some slant of the gridded features, and those features.

    In units of each feature's rounding deviation ``gap / sqrt(12)`` (the
    features of ``gaps`` with a positive step, at least two).
    """
    n_features = full.shape[1]
    gridded = np.flatnonzero([gaps.get(f, 0.0) > 0 for f in range(n_features)])
    gridded = gridded[np.isfinite([gaps[f] for f in gridded])]
    if gridded.size < 2 or not components:
        return {}, gridded
    deviation = np.array([gaps[f] for f in gridded]) / np.sqrt(12.0)
    directions = {}
    for k in components:
        block = full[k][np.ix_(gridded, gridded)]
        if not np.any(block - np.diag(np.diagonal(block))):
            continue  # a diagonal narrows along axes only, the rule above
        spread = np.sqrt(np.diagonal(block))
        if not (np.all(np.isfinite(block)) and np.all(spread > 0)):
            continue
        # The smallest eigenvalue of S / (dev dev') is one over the largest
        # of r R^-1 r (R the correlations, r = dev / sd), with the same
        # eigenvector: computed so, a continuous feature (a step of 1e-8,
        # entries of 1e16 the other way) only adds rows near zero, where
        # read directly it made the eigenvalue rounding noise (-6.8e7) and
        # the verdict change with the units.
        # R's eigenvalues are clamped above zero: a covariance singular to
        # rounding (reg_covar=0, or a spread 1e4 grid steps wide) gave R an
        # eigenvalue of -4e-16, R^-1 one of -2e15, and the plane was missed.
        ratio = deviation / spread
        try:
            shares, axes = np.linalg.eigh(block / np.outer(spread, spread))
        except np.linalg.LinAlgError:
            continue
        shares = np.maximum(shares, np.finfo(np.float64).tiny)
        half = ratio[:, None] * axes / np.sqrt(shares)
        values, vectors = np.linalg.eigh(half @ half.T)
        if values[-1] > 1.0:
            directions[k] = (1.0 / values[-1], vectors[:, -1] / deviation)
    return directions, gridded


def _merged(store, keys, values):
    """The ``(keys, sums)`` of ``store`` with the rows ``values`` of bins
    ``keys`` added: each key once, the columns summed per key."""
    keys = np.concatenate([store[0], keys])
    if not keys.size:
        return store
    keys, index = np.unique(keys, return_inverse=True)
    values = np.concatenate([store[1], values])
    return keys, _summed(index.reshape(-1), values, keys.size)


def _summed(index, values, size):
    """Each column of ``values`` summed per ``index`` (np.bincount per column)."""
    return np.column_stack(
        [np.bincount(index, weights=column, minlength=size) for column in values.T]
    ).reshape(size, values.shape[1])
