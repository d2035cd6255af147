"""The degenerate and spurious tests' building blocks against plain oracles."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import linalg

from gmm_estimators import DegenerateFitWarning, GaussianMixture
from gmm_estimators import _degenerate as D
from gmm_estimators import _resting_rows as R
from gmm_estimators import _resting_sets as RS
from gmm_estimators._data_span import coordinates, data_rank
from gmm_estimators._spurious import (
    FEW_ROWS,
    FEW_ROWS_RATIO,
    narrow_components,
    smallest_variance_ratios,
)


def test_smallest_variance_ratios_equal_generalised_eigenvalues(rng):
    K, d = 5, 4
    A = rng.randn(K, d, d)
    full = A @ np.swapaxes(A, -1, -2) + 0.1 * np.eye(d)
    full[3] *= 1e-7  # far narrower than the others
    smallest = smallest_variance_ratios(full, list(range(K)))
    for k in range(K):
        expected = min(
            linalg.eigh(full[k], full[j], eigvals_only=True)[0]
            for j in range(K)
            if j != k
        )
        assert_allclose(smallest[k], expected, rtol=1e-9)
    assert smallest[3] < D.SPURIOUS_RATIO


def test_narrow_components_on_few_rows_are_spurious():
    """Far narrower than another: 1e-6 on any rows, 1e-4 on few rows."""
    rank = 2
    few = FEW_ROWS * (rank + 1)
    thin = np.stack([np.eye(2), np.diag([1.0, 0.1 * FEW_ROWS_RATIO])])
    assert list(narrow_components(thin, [0, 1], [100.0, few], rank)) == [1]
    assert narrow_components(thin, [0, 1], [100.0, few + 0.5], rank) == {}
    # Between the two bounds only on few rows; below the first on any.
    thinner = np.stack([np.eye(2), np.diag([1.0, 0.1 * D.SPURIOUS_RATIO])])
    assert list(narrow_components(thinner, [0, 1], [100.0, 1e4], rank)) == [1]
    wide = np.stack([np.eye(2), np.diag([1.0, 10.0 * FEW_ROWS_RATIO])])
    assert narrow_components(wide, [0, 1], [100.0, 3.0], rank) == {}


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_a_few_rows_near_a_plane_are_spurious_many_are_a_cluster(rng, scale):
    """d + 1 to 2 (d + 1) rows near a hyperplane: spurious, at any scale.

    Thinness on few rows is what sampling and EM's choice of rows give (the
    smallest eigenvalue of a covariance from ``m`` rows is about ``(1 -
    sqrt(d / (m - 1)))^2`` of the true one); the same thinness on many rows
    is a cluster.
    """
    d = 3
    blob = rng.randn(120, d)

    def near_plane(m):
        rows = rng.randn(m, d) + 6.0
        rows[:, 2] = 6.0 + 3e-3 * rng.randn(m)
        return rows

    for m, flagged in ((2 * (d + 1), [1]), (60, [])):
        X = scale * np.vstack([blob, near_plane(m)])
        resp = np.zeros((X.shape[0], 2))
        resp[:120, 0] = resp[120:, 1] = 1.0
        full = np.stack([np.cov(X[:120].T, bias=True), np.cov(X[120:].T, bias=True)])
        check = D.check_components(X, None, resp, full)
        assert_array_equal(check.degenerate, [])
        assert_array_equal(check.spurious, flagged)
        if flagged:
            assert "near a hyperplane" in check.reasons[1]


def test_smallest_variance_ratios_skip_what_cannot_be_factorised(rng):
    full = np.stack([np.eye(2), np.diag([1.0, 0.0]), np.full((2, 2), np.nan)])
    smallest = smallest_variance_ratios(full, [0, 1, 2])
    # Component 1 cannot whiten the others; component 2 is not finite.
    assert smallest[1] == pytest.approx(0.0)
    assert smallest[0] == np.inf and smallest[2] == np.inf


def test_rows_worth_floor_mirrors_the_check(rng):
    spread = D.EVERY_DIRECTION
    assert D.rows_worth_floor(spread, 3) == spread.min_weight(3) - 0.5
    X = rng.randn(50, 3)
    Xc = X - X.mean(axis=0)
    assert data_rank(Xc.T @ Xc, 50.0) == 3
    line = np.outer(rng.randn(50), [1.0, 2.0, 3.0])
    line -= line.mean(axis=0)
    assert data_rank(line.T @ line, 50.0) == 1


@pytest.mark.parametrize("structure", ["VVV", "VVI", "EEE", "VII"])
def test_verdict_does_not_depend_on_the_blocks(rng, structure):
    # One small block takes the floors from its rows' own bins, several take
    # them from the histogram (the first block handed over to it): the
    # verdicts must agree, here with a component on six duplicated rows and
    # one on a line.
    from gmm_estimators.covariance import get_covariance_model

    model = get_covariance_model(structure)
    X = np.vstack(
        [
            rng.randn(120, 3),
            rng.randn(80, 3) + 5.0,
            np.tile([9.0, 9.0, 9.0], (6, 1)),
            np.outer(rng.randn(30), [1.0, -2.0, 0.5]) - 6.0,
        ]
    )
    labels = np.repeat([0, 1, 2, 3], [120, 80, 6, 30])
    resp = np.full((X.shape[0], 4), 1e-12)
    resp[np.arange(X.shape[0]), labels] = 1.0
    resp /= resp.sum(axis=1, keepdims=True)
    Xc = X - X.mean(axis=0)
    means = (resp.T @ Xc) / resp.sum(axis=0)[:, None]
    full = np.stack(
        [np.cov(X[labels == k].T, bias=True) + 1e-6 * np.eye(3) for k in range(4)]
    )
    verdicts = []
    for cuts in ([], [50], [7, 100, 200]):
        pieces = np.split(np.arange(X.shape[0]), cuts)

        def blocks(pieces=pieces):
            return [(Xc[p], None, resp[p]) for p in pieces]

        check = D.check_blocks(
            blocks,
            Xc.T @ Xc,
            float(X.shape[0]),
            means,
            full,
            own_spread=model.own_spread,
        )
        verdicts.append((check.degenerate.tolist(), check.spurious.tolist()))
    assert verdicts[0] == verdicts[1] == verdicts[2]
    if structure in ("VVV", "VVI", "VII"):
        assert 2 in verdicts[0][0]  # the duplicated rows


def _own_scatter(Z, a, rows):
    m = a[rows] @ Z[rows] / a[rows].sum()
    D_ = Z[rows] - m
    return (D_ * a[rows, None]).T @ D_


@pytest.mark.parametrize("seed", range(12))
def test_spread_lower_bounds_never_exceed_the_whole_sets_spread(seed):
    # The resting rows' spread by definition against its bound from any
    # subset of them: the bound holds for every rule, on sets that spread
    # and on sets that nearly lie on a line.
    from gmm_estimators.covariance import (
        available_covariance_types,
        get_covariance_model,
    )

    rules = {
        get_covariance_model(name).own_spread for name in available_covariance_types()
    }
    rng = np.random.default_rng(seed)
    n, d = 400, 3
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10.0, d)
    if seed % 3 == 0:
        X[:150] = np.outer(rng.normal(size=150), rng.normal(size=d))
        X[:150] += 1e-7 * rng.normal(size=(150, d))
    w = rng.uniform(0.2, 3.0, n) if seed % 2 else np.ones(n)
    a = w * rng.uniform(0.0, 1.0, n)  # a_i <= w_i, as w_i r_ik
    Xc = X - (w @ X) / w.sum()
    total = (Xc * w[:, None]).T @ Xc
    varying, scale, rotation = coordinates(total, float(w.sum()))
    Z = R.standardised(Xc, varying, scale)
    resting = np.flatnonzero(a >= np.quantile(a, 0.3))
    mass = a[resting].sum()
    whole = _own_scatter(Z, a, resting) / mass
    for step in (1, 2, 7, 40):
        own = _own_scatter(Z, a, resting[::step])
        for rule in rules:
            bound = rule.spread_lower_bound(own, mass, float(w.sum()), rotation)
            assert bound <= rule.relative_spread(whole, rotation) * (1 + 1e-9)


def _checked(structure, X, resp, w, split):
    pieces = np.array_split(np.arange(X.shape[0]), split)
    return _verdict(X, resp, w, structure, pieces)


@pytest.mark.parametrize("structure", ["VVV", "VVI", "VII", "EEE", "VEV", "EVE"])
@pytest.mark.parametrize("weighted", [False, True])
def test_subsets_of_large_resting_sets_change_no_verdict(
    rng, monkeypatch, structure, weighted
):
    # Sound clusters (one far and tight), duplicated rows, a line and a
    # lattice: the verdict and its reasons when large resting sets are read
    # through a subset of three rows per block equal those of every row,
    # and the subsets were taken (the sound clusters proved by them).
    X = np.vstack(
        [
            rng.randn(300, 3),
            rng.randn(200, 3) * 1e-3 + 1e4,
            np.tile([9.0, 9.0, 9.0], (40, 1)),
            np.outer(rng.randn(60), [1.0, -2.0, 0.5]) - 6.0,
            np.round(rng.randn(80, 3) * 2) + [20.0, 0.0, 0.0],
        ]
    )
    labels = np.repeat(np.arange(5), [300, 200, 40, 60, 80])
    resp = np.full((X.shape[0], 5), 1e-9)
    resp[np.arange(X.shape[0]), labels] = 1.0
    resp /= resp.sum(axis=1, keepdims=True)
    w = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else None
    monkeypatch.setattr(R, "_BATCHED_ENTRIES", 0)
    monkeypatch.setattr(RS, "SUBSET_ROWS", 10**9)
    every_row = _checked(structure, X, resp, w, 4)
    reads = []
    moments = RS.resting_moments

    def spy(*args, **kwargs):
        result = moments(*args, **kwargs)
        reads.append((list(args[5]), result[4]))
        return result

    monkeypatch.setattr(RS, "SUBSET_ROWS", 3)
    monkeypatch.setattr(RS, "resting_moments", spy)
    assert _checked(structure, X, resp, w, 4) == every_row
    # The first read took subsets; the sound cluster (0) was settled by its
    # subset, so a second read, if any, is of the others only.
    assert reads[0][1][0] is not None
    assert all(0 not in components for components, _ in reads[1:])


@pytest.mark.parametrize("seed", range(6))
def test_rows_on_a_plane_of_nearly_collinear_data_are_found(seed):
    # x3 = x1 + x2 up to noise of 1e-3 in five sound clusters, exactly in
    # component 0: the data's correlation has an eigenvalue near 1e-7, and
    # summing the scatter before rotating into the data's span magnified
    # its rounding enough to hide the plane (12 of 20 seeds missed it).
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(2000, 2))
    parts, labels = [np.column_stack([v, v.sum(axis=1)])], [np.zeros(2000, int)]
    for k in range(1, 6):
        u = rng.normal(size=(1000, 2)) + 4 * rng.normal(size=2)
        noise = 1e-3 * rng.normal(size=1000)
        parts.append(np.column_stack([u, u.sum(axis=1) + noise]))
        labels.append(np.full(1000, k))
    X, labels = np.vstack(parts), np.concatenate(labels)
    resp = np.full((X.shape[0], 6), 1e-12)
    resp[np.arange(X.shape[0]), labels] = 1.0
    resp /= resp.sum(axis=1, keepdims=True)
    full = np.stack(
        [np.cov(X.T, aweights=resp[:, k], bias=True) for k in range(6)]
    ) + 1e-6 * np.eye(3)
    from gmm_estimators.covariance import get_covariance_model

    rules = [get_covariance_model(name).own_spread for name in ("VVV", "VVE")]
    # A rule of the same kind (a structure registered in user code) too.
    rules.append(type(D.EVERY_DIRECTION)("every direction", "spread"))
    for rule in rules:
        check = D.check_components(X, None, resp, full, own_spread=rule)
        assert check.degenerate.tolist() == [0], rule


@pytest.mark.parametrize("structure", ["VVV", "VVI", "VII"])
def test_responsibilities_a_rounding_below_one_rest_like_one(rng, structure):
    # mtcars, VVI with 5 components: three rows of responsibility 1,
    # 1 - 2e-16 and 1 - 4e-15 fall in the top bin of the weights' histogram,
    # whose edge is 1: the floor let only the first in, and the component
    # was called collapsed on "1 row". Every row binned at or above the
    # floor's bin rests.
    from gmm_estimators.covariance import get_covariance_model

    X = np.vstack([rng.randn(3, 2), rng.randn(3, 2) + 20.0, rng.randn(4, 2) - 20.0])
    resp = np.zeros((10, 3))
    resp[np.arange(10), [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]] = 1.0
    below = np.array([1.0, 1.0 - 2.0**-52, 1.0 - 2.0**-48])
    resp[3:6, 1] = below
    resp[3:6, 2] = 1.0 - below
    parts = (slice(0, 3), slice(3, 6), slice(6, 10))
    covariances = np.stack([np.cov(X[rows].T) for rows in parts])
    spread = get_covariance_model(structure).own_spread
    check = D.check_components(X, None, resp, covariances, own_spread=spread)
    assert 1 not in check.degenerate, check.reasons
    # Moved a bin lower (1 - 1e-10 is no rounding), the three rows still
    # rest: the floor is the lowest edge that reaches 99 % of the weight.
    resp[3:6, 1] = 1.0 - 1e-10
    resp[3:6, 2] = 1e-10
    check = D.check_components(X, None, resp, covariances, own_spread=spread)
    assert 1 not in check.degenerate, check.reasons


def _lattice_in_one_feature(rng):
    """Rows on 6 values of feature 0, spread along feature 1 (R's CO2 shape)."""
    levels = np.repeat(np.arange(6) * 100.0, 15)
    X = np.column_stack([levels, rng.normal(30.0, 6.0, levels.size)])
    resp = np.eye(6)[np.repeat(np.arange(6), 15)]
    return X, resp


@pytest.mark.parametrize(
    "structure, flagged",
    [
        # Nothing shared can flatten: a sphere of its own volume, or one
        # volume of a spherical shape that the spread along feature 1 sets.
        ("VII", False),
        ("EII", False),
        ("spherical", False),
        # A shared diagonal shape or a shared orientation flattens along
        # feature 0, where no component spreads: unbounded.
        ("EEI", True),
        ("VEI", True),
        ("EEE", True),
        ("VEE", True),
        ("tied", True),
    ],
)
def test_pooled_test_reads_what_the_shared_part_needs(rng, structure, flagged):
    from gmm_estimators.covariance import get_covariance_model

    X, resp = _lattice_in_one_feature(rng)
    model = get_covariance_model(structure)
    # Each component's covariance as the structure could fit it (only the
    # spurious ratio test reads them): the rows' own variance along
    # feature 1, a little along feature 0.
    full = np.array([np.diag([1e-6, X[resp[:, k] > 0, 1].var()]) for k in range(6)])
    check = D.check_components(X, None, resp, full, own_spread=model.own_spread)
    assert (check.degenerate.size == 6) is flagged
    if not flagged:
        assert check.degenerate.size == 0


def test_spherical_components_on_lattice_lines_are_sound_fits(rng):
    # mclust's VII and EII fits of R's CO2 data put each component on one
    # concentration; their likelihood is bounded by the spread along the
    # other feature, so they are sound fits, not collapsed ones.
    X, resp = _lattice_in_one_feature(rng)
    labels = resp.argmax(axis=1)
    means = np.array([X[labels == k].mean(axis=0) for k in range(6)])
    for structure in ("VII", "EII"):
        gm = GaussianMixture(
            6, covariance_type=structure, means_init=means, tol=1e-8, max_iter=500
        ).fit(X)
        assert gm.collapsed_components_.size == 0
        assert gm.spurious_components_.size == 0
        assert_array_equal(gm.predict(X), labels)


def _lines_and_a_blob(rng, n_line, n_blob):
    """Four groups of rows on lines along feature 0 (features 1, 2 fixed), one blob."""
    lines = [
        np.column_stack(
            [rng.normal(0.0, 1.0, n_line), np.full(n_line, a), np.full(n_line, b)]
        )
        for a, b in [(1.0, 1.0), (1.0, 4.0), (4.0, 1.0), (4.0, 4.0)]
    ]
    blob = rng.normal(2.5, 1.0, (n_blob, 3))
    X = np.vstack([*lines, blob])
    labels = np.repeat(np.arange(5), [n_line] * 4 + [n_blob])
    return X, np.eye(5)[labels]


@pytest.mark.parametrize("n_line, flagged", [(100, True), (20, True), (10, False)])
@pytest.mark.parametrize("structure", ["VEI", "VEE"])
def test_flat_components_that_outweigh_the_rest_pull_the_shared_shape(
    rng, structure, n_line, flagged
):
    # With a volume of its own and a shape shared by every component, the
    # components flat along features 1 and 2 gain 2 log(1/eps) per unit of
    # weight as the shape narrows there by eps, the blob loses log(1/eps):
    # unbounded when 2 N_flat > N_blob (400 or 80 flat rows against 100),
    # bounded when the flat ones are few (40 against 100).
    from gmm_estimators.covariance import get_covariance_model

    X, resp = _lines_and_a_blob(rng, n_line, 100)
    model = get_covariance_model(structure)
    full = np.array([np.diag([1.0, 0.5, 0.5])] * 5)
    check = D.check_components(X, None, resp, full, own_spread=model.own_spread)
    assert set(check.degenerate.tolist()) == ({0, 1, 2, 3} if flagged else set())
    if flagged:
        assert "pull the shape" in check.reasons[0]


@pytest.mark.parametrize("scale", [1.0, 1e-3, 1e3])
@pytest.mark.parametrize("structure", ["VEI", "VEE"])
def test_components_narrower_than_the_grid_on_their_line_are_spurious(
    rng, structure, scale
):
    # Every row on the integer grid of features 1 and 2; four components on
    # one value of both each, too few to pull the shared shape flat without
    # bound. Narrower than the grid's variance (1/12) along them, they fit
    # the lattice line: spurious, at any scale of the data. Wider, sound.
    from gmm_estimators.covariance import get_covariance_model

    X, resp = _lines_and_a_blob(rng, 10, 100)
    X[:, 1:] = np.round(X[:, 1:])
    own_spread = get_covariance_model(structure).own_spread
    for variance, flagged in ((0.05, {0, 1, 2, 3}), (0.1, set())):
        full = np.array([np.diag([1.0, variance, variance])] * 5) * scale**2
        check = D.check_components(X * scale, None, resp, full, own_spread=own_spread)
        assert check.degenerate.size == 0
        assert set(check.spurious.tolist()) == flagged
        if flagged:
            assert "grid" in check.reasons[0]


def test_the_grid_is_read_on_the_right_features_and_rows(rng):
    # A constant feature before the lattice ones (the check's flat features
    # are indexed among the varying ones), and rows of weight zero off the
    # grid beside the lines' values (they must not shrink its step there).
    from gmm_estimators.covariance import get_covariance_model

    X, resp = _lines_and_a_blob(rng, 10, 100)
    X[:, 1:] = np.round(X[:, 1:])
    X = np.column_stack([np.full(len(X), 7.0), X])
    X[-3:, 2:] = [[1.01, 1.01], [4.01, 4.01], [1.01, 4.01]]
    weights = np.ones(len(X))
    weights[-3:] = 0.0
    full = np.zeros((5, 4, 4))
    full[:, 1:, 1:] = np.diag([1.0, 0.05, 0.05])
    full[:, 0, 0] = 1.0
    own_spread = get_covariance_model("VEI").own_spread
    check = D.check_components(X, weights, resp, full, own_spread=own_spread)
    assert set(check.spurious.tolist()) == {0, 1, 2, 3}
    assert "feature 2" in check.reasons[0] or "feature 3" in check.reasons[0]
    # With those rows weighed, the step at the lines' values is 0.01: no
    # grid to fit there.
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    assert check.spurious.size == 0


@pytest.mark.parametrize("structure", ["EEI", "EEE", "VII"])
def test_one_shared_covariance_on_a_binary_feature_is_sound(rng, structure):
    # Three clusters and a 0/1 feature, pure in two of them and mixed in the
    # third: EEI's variance along it is the pooled within-component one
    # (0.08, under the grid's 1/12), the maximum-likelihood answer, not a
    # gain from the grid. VII has no shape to narrow. Neither is spurious.
    from gmm_estimators.covariance import get_covariance_model

    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    labels = np.repeat(np.arange(3), 300)
    X = centres[labels] + rng.randn(900, 2)
    binary = np.where(labels == 1, 1.0, 0.0)
    binary[labels == 2] = rng.rand(300) < 0.5
    X = np.column_stack([X, binary])
    resp = np.eye(3)[labels]
    within = np.mean([X[labels == k, 2].var() for k in range(3)])
    assert within < 1 / 12
    full = np.array([np.diag([1.0, 1.0, within])] * 3)
    check = D.check_components(
        X, None, resp, full, own_spread=get_covariance_model(structure).own_spread
    )
    assert check.degenerate.size == 0 and check.spurious.size == 0


@pytest.mark.parametrize("structure", ["EEE", "EEI"])
def test_one_shared_covariance_held_up_by_a_few_rows_off_a_lattice_is_spurious(
    rng, structure
):
    # A 1-to-5 rating and a continuous feature: each component on one
    # rating, one row off its value. The shared variance along the rating is
    # that row's alone (EEE with 8 components on such data, 6,500 BIC units
    # ahead of mclust's cell, was the pick, unflagged). With a third of the
    # rows spread over the ratings, as pure 0/1 clusters beside a mixed one
    # (above), it is theirs, and sound.
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model(structure).own_spread
    labels = np.repeat(np.arange(5), 100)
    rating = (labels + 1).astype(float)
    rating[0] = 2.0  # the one row off its component's value
    X = np.column_stack([rng.normal(size=500) + labels, rating])
    resp = np.eye(5)[labels]

    def check(X):
        within = np.mean([np.cov(X[labels == k].T, bias=True) for k in range(5)], 0)
        full = np.array([np.diag(np.diag(within))] * 5)
        return D.check_components(X, None, resp, full, own_spread=own_spread)

    flagged = check(X)
    assert_array_equal(flagged.spurious, np.arange(5))
    assert "lattice lines" in flagged.reasons[0]
    # In other units of the rating too.
    assert_array_equal(check(X * [1.0, 1e3]).spurious, np.arange(5))
    X[:100, 1] = rng.randint(1, 6, 100)  # the first group spreads over them
    assert check(X).spurious.size == 0
    # A rare 0/1 flag that every component holds at 0 (a review found every
    # EEE and EEI fit of two or more components flagged on such data).
    X[:, 1] = 0.0
    X[[3, 250], 1] = 1.0
    assert check(X).spurious.size == 0


@pytest.mark.parametrize("structure", ["VII", "EII", "VVV", "VVI", "EEE"])
def test_only_an_own_volume_with_a_shared_shape_is_pulled_flat(structure):
    from gmm_estimators.covariance import get_covariance_model

    rule = get_covariance_model(structure).own_spread
    thin = {0: np.array([False, True, True]), 1: np.zeros(3, dtype=bool)}
    assert rule.flattening(thin, np.array([90.0, 10.0]), 100.0) == []


def test_flattening_weighs_the_flat_features():
    from gmm_estimators.covariance._spread import SOME_SPREAD_BUT_AXES as vei

    thin = {0: np.array([False, True, True]), 1: np.zeros(3, dtype=bool)}
    # f = 2 of p = 3: unbounded when 2 N_flat > (N - N_flat).
    assert vei.flattening(thin, np.array([34.0, 66.0]), 100.0) == [0]
    assert vei.flattening(thin, np.array([33.0, 67.0]), 100.0) == []
    one = {0: np.array([False, True, False]), 1: np.zeros(3, dtype=bool)}
    # f = 1: unbounded when N_flat > 2 (N - N_flat).
    assert vei.flattening(one, np.array([67.0, 33.0]), 100.0) == [0]
    assert vei.flattening(one, np.array([66.0, 34.0]), 100.0) == []


def test_flattening_reads_the_features_components_share_flat():
    # Flat along {1, 2} and {1, 3} (40 % each), a blob (20 %) in 4-D:
    # neither set alone outweighs the rest (0.4 * 2 < 0.6 * 2), but both
    # are flat along feature 1, and 0.8 * 1 > 0.2 * 3.
    from gmm_estimators.covariance._spread import SOME_SPREAD_BUT_AXES as vei

    thin = {
        0: np.array([False, True, True, False]),
        1: np.array([False, True, False, True]),
        2: np.zeros(4, dtype=bool),
    }
    assert vei.flattening(thin, np.array([40.0, 40.0, 20.0]), 100.0) == [0, 1]
    assert vei.flattening(thin, np.array([30.0, 30.0, 40.0]), 100.0) == []


def test_flattening_without_pending_components():
    from gmm_estimators.covariance._spread import SOME_SPREAD_BUT_AXES as vei

    assert vei.flattening({}, np.zeros(0), 0.0) == []


def _verdict(X, resp, w, structure, pieces, **options):
    """``check_blocks`` of the fit that ``resp`` gives, read in ``pieces``."""
    from gmm_estimators.covariance import get_covariance_model

    model = get_covariance_model(structure)
    ww = np.ones(X.shape[0]) if w is None else w
    Xc = X - (ww @ X) / ww.sum()
    a = resp * ww[:, None]
    means = (a.T @ Xc) / a.sum(axis=0)[:, None]
    full = np.stack(
        [
            np.cov(X.T, aweights=a[:, k] + 1e-300, bias=True).reshape(X.shape[1], -1)
            + 1e-6 * np.eye(X.shape[1])
            for k in range(resp.shape[1])
        ]
    )
    check = D.check_blocks(
        lambda: [(Xc[p], None if w is None else w[p], resp[p]) for p in pieces],
        (Xc * ww[:, None]).T @ Xc,
        float(ww.sum()),
        means,
        full,
        own_spread=model.own_spread,
        **options,
    )
    return check.degenerate.tolist(), check.spurious.tolist(), check.reasons


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "structure", ["VVV", "EEE", "VVI", "VII", "EII", "EEI", "VEI", "VEE", "EEV", "VEV"]
)
def test_proof_from_subsets_gives_the_resting_sets_verdict(seed, structure):
    # The verdict with the subsets' proof first (blocks cheap to read again)
    # equals the one from the resting sets themselves (binned first), with
    # its reasons: sound, tight and far, overlapping, duplicated, lined up
    # and integer-valued clusters, weighted or not, in one or several blocks.
    rng = np.random.default_rng(seed)
    parts = [rng.normal(size=(200, 3)), rng.normal(size=(150, 3)) * 0.5 + 2.0]
    if seed % 4 == 1:
        parts.append(rng.normal(size=(60, 3)) * 1e-4 + 1e3)
    if seed % 4 == 2:
        parts.append(np.tile(rng.normal(size=3), (12, 1)))
    if seed % 4 == 3:
        parts.append(np.outer(rng.normal(size=40), [1.0, -2.0, 0.5]) - 6.0)
    if seed % 3 == 0:
        parts.append(np.round(rng.normal(size=(80, 3)) * 2) + [9.0, 0.0, 0.0])
    X = np.vstack(parts)
    labels = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    K = len(parts)
    logits = rng.normal(size=(X.shape[0], K)) * (2.0 if seed % 2 else 0.5)
    logits[np.arange(X.shape[0]), labels] += 4.0 + 30.0 * (seed % 3 == 1)
    resp = np.exp(logits - logits.max(axis=1, keepdims=True))
    resp /= resp.sum(axis=1, keepdims=True)
    w = rng.uniform(0.2, 3.0, X.shape[0]) if seed % 2 else None
    pieces = np.array_split(np.arange(X.shape[0]), 1 + seed % 3)
    binned = _verdict(X, resp, w, structure, pieces, binned_first=True)
    assert _verdict(X, resp, w, structure, pieces, binned_first=False) == binned


def test_under_a_prior_gaussians_of_no_rows_worth_beside_noise_are_empty(rng):
    # A MAP fit bounds every covariance, so only an empty component is
    # degenerate; Gaussian components holding 0.02 rows' worth of
    # responsibility together beside a noise component (their parameters
    # the prior's) were far above the relative floor of 1e-8 and passed as
    # sound, so the outlier detector called every row noise.
    X = rng.randn(40, 2)
    full = np.stack([np.cov(X.T), np.cov(X.T)])
    for held, empty in ((0.02, True), (0.45, True), (0.55, False), (3.0, False)):
        # The rows' Gaussian responsibilities; the noise holds the rest.
        resp = np.full((40, 2), held / 80)
        check = D.check_components(X, None, resp, full, bounded=True)
        assert_array_equal(check.degenerate, [0, 1] if empty else [])
        # Weights change nothing: rows' worth counts rows of positive weight.
        weighted = D.check_components(X, np.full(40, 1e-3), resp, full, bounded=True)
        assert_array_equal(weighted.degenerate, check.degenerate)
    # Without noise one component may empty: the others describe the rows.
    resp = np.c_[np.ones(40), np.full(40, 0.001)]
    resp[:, 0] -= resp[:, 1]
    assert_array_equal(
        D.check_components(X, None, resp, full, bounded=True).degenerate, []
    )


def _check_of_labels(X, labels, structure):
    """``check_components`` of hard labels (a 1e-12 share elsewhere)."""
    from gmm_estimators.covariance import get_covariance_model

    K = int(labels.max()) + 1
    resp = np.full((X.shape[0], K), 1e-12)
    resp[np.arange(X.shape[0]), labels] = 1.0
    resp /= resp.sum(axis=1, keepdims=True)
    full = np.stack([np.cov(X[labels == k].T, bias=True) for k in range(K)])
    return D.check_components(
        X,
        None,
        resp,
        full,
        own_spread=get_covariance_model(structure).own_spread,
    )


@pytest.mark.parametrize("offset", [1e10, 1e11, 1e12])
@pytest.mark.parametrize("structure", ["VVV", "VVI", "VII"])
def test_a_tight_cluster_far_from_the_others_is_not_one_point(offset, structure):
    # 200 distinct rows of sd 0.01 at (-offset, 0): at 1e12 their deviation
    # is still 82 spacings of their coordinates (float64 resolves it), so
    # they span the full dimension however far the other clusters lie. The
    # one-point threshold of 1e-13 of their distance flagged them from 1e11.
    rng = np.random.RandomState(0)
    base = rng.randn(600, 2)
    X = np.vstack(
        [
            base[:200] * 0.01 + [-offset, 0.0],
            base[200:400] * 4.0 + [0.0, -offset],
            base[400:] + [offset, offset],
        ]
    )
    assert len(np.unique(X[:200], axis=0)) == 200
    assert 0.01 / np.spacing(offset) > 64
    labels = np.repeat([0, 1, 2], 200)
    check = _check_of_labels(X, labels, structure)
    assert check.degenerate.tolist() == []
    # The resting sets' own pass (no proof from subsets) agrees.
    pieces = np.array_split(np.arange(X.shape[0]), 3)
    resp = np.full((600, 3), 1e-12)
    resp[np.arange(600), labels] = 1.0
    resp /= resp.sum(axis=1, keepdims=True)
    assert _verdict(X, resp, None, structure, pieces, binned_first=True)[0] == []


@pytest.mark.parametrize("structure", ["VVV", "VVI", "VII"])
def test_rows_a_few_spacings_apart_far_from_the_origin_lie_on_one_point(
    structure,
):
    # 30 rows that differ only by up to two spacings of their values (one
    # point but for rounding) beside a cluster of sd 1, all 1e6 from the
    # origin: their spread is rounding of the data's magnitude, which their
    # distance from the data's own centre does not show.
    rng = np.random.RandomState(1)
    point = np.array([1e6 + 3.0, 1e6 - 3.0])
    wobble = rng.randint(-2, 3, size=(30, 2)) * np.spacing(point)
    X = np.vstack([rng.randn(300, 2) + 1e6, point + wobble])
    assert len(np.unique(X[300:], axis=0)) > 3
    labels = np.repeat([0, 1], [300, 30])
    check = _check_of_labels(X, labels, structure)
    assert check.degenerate.tolist() == [1]
    assert "lower-dimensional set" in check.reasons[1]
    # The same rows spread by 1e-6 (8,600 spacings) form a cluster.
    X[300:] = point + rng.randn(30, 2) * 1e-6
    assert _check_of_labels(X, labels, structure).degenerate.tolist() == []


def _education_like(rng, on_line, off_line, off_value):
    """Two blobs and a group on education 12 (a few rows off it), CPS1985's shape.

    Features: a continuous one, an integer one (values 6 to 18, step 1)
    and another continuous one. Returns the rows, hard responsibilities and
    each component's own weighted covariance (the maximum-likelihood one).
    """
    blobs = [
        np.column_stack(
            [
                rng.normal(centre, 2.0, 150),
                np.clip(np.round(rng.normal(level, 2.5, 150)), 6, 18),
                rng.normal(centre, 3.0, 150),
            ]
        )
        for centre, level in ((0.0, 10.0), (8.0, 15.0))
    ]
    education = np.r_[np.full(on_line, 12.0), np.full(off_line, off_value)]
    line = np.column_stack(
        [
            rng.normal(4.0, 2.0, education.size),
            education,
            rng.normal(4.0, 3.0, education.size),
        ]
    )
    X = np.vstack([*blobs, line])
    labels = np.repeat(np.arange(3), [150, 150, education.size])
    resp = np.eye(3)[labels]
    full = np.array([np.cov(X[labels == k].T, bias=True) for k in range(3)])
    return X, resp, full


@pytest.mark.parametrize(
    "structure, can_narrow",
    [
        # An own shape or orientation narrows one component along a
        # feature alone; an own volume pulls a shared shape narrow there.
        ("VVV", True),
        ("EVE", True),
        ("VVE", True),
        ("EVV", True),
        ("EVI", True),
        ("VVI", True),
        ("EEV", True),
        ("VEV", True),
        ("VEI", True),
        ("VEE", True),
        # A covariance shared in one frame or a sphere cannot.
        ("EEE", False),
        ("EEI", False),
        ("VII", False),
        ("EII", False),
    ],
)
def test_a_component_on_one_value_narrower_than_the_grid_is_spurious(
    rng, structure, can_narrow
):
    # CPS1985's EVE pick: 99.5 % of a component's weight on education 12,
    # the rest two steps away, its variance there 0.995 * 0.005 * 2^2 =
    # 0.0199, under the grid's 1/12. Its resting rows include the rows off
    # the line (all of equal weight), so they are not flat: only the weight
    # on the one value shows the component fits the lattice line. The
    # verdict holds in any units of any feature and any order of the rows.
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model(structure).own_spread
    X, resp, full = _education_like(rng, 199, 1, 14.0)
    assert_allclose(full[2, 1, 1], 0.995 * 0.005 * 4.0)
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    assert check.degenerate.size == 0
    assert_array_equal(check.spurious, [2] if can_narrow else [])
    if can_narrow:
        assert (
            "99.5 % of its weight lies on one value of feature 1" in (check.reasons[2])
        )
        assert "whose step there is 1:" in check.reasons[2]
        units = np.array([1e-3, 1e4, 1.0])
        order = rng.permutation(len(X))
        rescaled = D.check_components(
            X[order] * units,
            None,
            resp[order],
            full * np.outer(units, units),
            own_spread=own_spread,
        )
        assert_array_equal(rescaled.spurious, [2])
        # Weights that are a common factor change nothing either.
        weighted = D.check_components(
            X, np.full(len(X), 1e-3), resp, full, own_spread=own_spread
        )
        assert_array_equal(weighted.spurious, [2])


@pytest.mark.parametrize("structure", ["VVV", "EVE", "VEI"])
def test_a_component_off_its_value_or_wider_than_the_grid_is_sound(rng, structure):
    # 98 % on one value (196 of 200 rows, 4 a step off): below the 99 % that
    # puts it on a line, though its variance (0.0196) is under the grid's.
    # 99.5 % on one value, but a fitted variance of 0.1 there (a structure's
    # constraint can widen it): wider than the grid, sound.
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model(structure).own_spread
    X, resp, full = _education_like(rng, 196, 4, 13.0)
    assert full[2, 1, 1] < 1 / 12
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    assert check.degenerate.size == 0 and check.spurious.size == 0
    X, resp, full = _education_like(rng, 199, 1, 14.0)
    widen = np.diag([1.0, np.sqrt(0.1 / full[2, 1, 1]), 1.0])
    full[2] = widen @ full[2] @ widen
    assert_allclose(full[2, 1, 1], 0.1)
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    assert check.degenerate.size == 0 and check.spurious.size == 0


@pytest.mark.parametrize("structure", ["VVV", "VEI", "VEE"])
def test_a_component_on_one_value_of_an_uneven_grid_is_judged_by_its_step(
    rng, structure
):
    # Rotterdam's log(1 + nodes): steps of 0.69, 0.41, 0.29, ... from 0 and
    # of 0.06 near 15. A component with 99.5 % of its weight on 0 (one row
    # on log 3) at a deviation of 0.077 there is far below the rounding of
    # the steps at 0 (0.41 / sqrt(12) = 0.12), though above the finest
    # step's (0.019): a lattice line, in any units of the feature.
    from gmm_estimators.covariance import get_covariance_model

    blobs = [
        np.column_stack([rng.normal(centre, 2.0, 300), np.log1p(rng.poisson(lam, 300))])
        for centre, lam in ((0.0, 4.0), (8.0, 9.0))
    ]
    nodes = np.log1p(np.r_[np.zeros(199), 2.0])
    X = np.vstack([*blobs, np.column_stack([rng.normal(4.0, 2.0, 200), nodes])])
    labels = np.repeat(np.arange(3), [300, 300, 200])
    resp = np.eye(3)[labels]
    full = np.array([np.cov(X[labels == k].T, bias=True) for k in range(3)])
    assert np.sqrt(full[2, 1, 1]) > np.diff(np.unique(X[:, 1])).min() / np.sqrt(12)
    own_spread = get_covariance_model(structure).own_spread
    for unit in (1.0, 1e-4, 1e5):
        units = np.array([1.0, unit])
        check = D.check_components(
            X * units, None, resp, full * np.outer(units, units),
            own_spread=own_spread,
        )  # fmt: skip
        assert check.degenerate.size == 0
        assert_array_equal(check.spurious, [2])
        step = f"whose step there is {np.log(1.5) * unit:.3g}:"
        assert step in check.reasons[2]
    # The same component at a deviation of 0.15 along it is wider than that.
    full[2, 1, 1] = 0.15**2
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    assert check.spurious.size == 0


@pytest.mark.parametrize("leftover", [1e-28, 1e-27, 1e-26])
def test_leftover_responsibilities_do_not_spread_a_shared_shape(leftover):
    # Components each on one value of a feature (ToothGrowth's three doses)
    # keep leftover responsibilities of the other rows: their pooled scatter
    # along the feature is 2e-14 to 2e-13 of its spread, above 8 roundings.
    # Read as the tight clusters' own spread, EEE with 8 components was
    # picked as sound at a BIC 735 units below the sound pick.
    rng = np.random.RandomState(0)
    dose = np.repeat([0.5, 1.0, 2.0], 20)
    X = np.c_[rng.normal(10 + 8 * dose, 3), dose]
    labels = np.repeat([0, 1, 2], 20)
    resp = np.eye(3)[labels] + leftover * np.eye(3)[(labels + 1) % 3]
    means = resp.T @ X / resp.sum(axis=0)[:, None]
    pooled = sum(((X - m).T * resp[:, k]) @ (X - m) for k, m in enumerate(means))
    full = np.broadcast_to(pooled / 60, (3, 2, 2)).copy()
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model("EEE").own_spread
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    assert check.degenerate.tolist() == [0, 1, 2]
    assert "pooled scatter" in check.reasons[0]


@pytest.mark.parametrize("structure", ["VVI", "EVI", "diag"])
def test_duplicated_rows_of_continuous_data_leave_a_diagonal_component_sound(
    structure,
):
    # 6 distinct rows per cluster in 10-D, every row twice: the rows lie on
    # an oblique 5-D set, which a diagonal covariance cannot narrow to, yet
    # the copies (12 > 10 rows) flagged both components spurious, where the
    # same rows of weight 2 left them sound (an identical fit).
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (6, 10)), rng.normal(6, 1, (6, 10))]
    fits = []
    for rows, weights in ((np.repeat(X, 2, axis=0), None), (X, np.full(12, 2.0))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(
                GaussianMixture(2, covariance_type=structure, random_state=0).fit(
                    rows, sample_weight=weights
                )
            )
    repeated, weighted = fits
    assert repeated.spurious_components_.size == 0
    assert weighted.spurious_components_.size == 0
    assert repeated.collapsed_components_.size == 0
    # A component whose rows do lie on a lattice line (a constant feature
    # within it) is still flagged.
    lattice = np.r_[X[:6], X[6:]]
    lattice[6:, 0] = 6.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flagged = GaussianMixture(2, covariance_type=structure, random_state=0).fit(
            np.repeat(lattice, 2, axis=0)
        )
    assert flagged.collapsed_components_.size + flagged.spurious_components_.size > 0


def _counts_one_per_value():
    """Counts 0 to 9: six components each on one count, two on two counts each.

    Returns the rows (one feature), hard responsibilities and the pooled
    within-component variance an E fit shares (0.015, under the grid's 1/12).
    """
    values = np.r_[np.repeat(np.arange(6.0), 20), [6, 6, 6, 7, 7, 8, 8, 9]]
    labels = np.r_[np.repeat(np.arange(6), 20), [6] * 5, [7] * 3]
    X = values[:, None]
    resp = np.eye(8)[labels]
    within = sum(X[labels == k, 0].var() * (labels == k).sum() for k in range(8))
    return X, resp, within / X.shape[0]


@pytest.mark.parametrize("structure", ["E", "V"])
def test_components_each_on_one_count_of_one_feature_are_not_sound(rng, structure):
    # R's discoveries: E with 9 components, six each on one count. On one
    # feature nothing else separates the components, so a shared variance
    # under the grid's is a gain from the rounding (spurious) as an own one
    # is (V: each on one point, collapsed). Jittered by the rounding, the
    # same groups are sound; the verdict holds in any units.
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model(structure).own_spread
    X, resp, within = _counts_one_per_value()
    assert within < 1 / 12
    full = np.full((8, 1, 1), within)
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    unsound = np.union1d(check.degenerate, check.spurious)
    assert_array_equal(unsound, np.arange(6))
    if structure == "E":
        assert_array_equal(check.spurious, np.arange(6))
        assert "lies on one value of feature 0" in check.reasons[0]
    order = rng.permutation(X.shape[0])
    rescaled = D.check_components(
        1e-3 * X[order], None, resp[order], 1e-6 * full, own_spread=own_spread
    )
    assert_array_equal(rescaled.degenerate, check.degenerate)
    assert_array_equal(rescaled.spurious, check.spurious)
    jittered = X + rng.uniform(-0.5, 0.5, X.shape)
    labels = resp.argmax(axis=1)
    spread = np.array([[[jittered[labels == k, 0].var()]] for k in range(8)])
    sound = D.check_components(jittered, None, resp, spread, own_spread=own_spread)
    assert sound.degenerate.size == 0 and sound.spurious.size == 0


@pytest.mark.parametrize("structure", ["VVV", "VVI", "EVE"])
def test_on_a_feature_no_wider_than_its_grid_the_bound_is_the_data(structure):
    # A 0/1 feature with eight ones in 1,000 rows spreads less than rounding
    # to its grid would (variance 0.008, the grid's 1/12): one component, the
    # data's own moments, is not spurious there.
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randn(1000), np.zeros(1000)])
    X[rng.choice(1000, 8, replace=False), 1] = 1.0
    gm = GaussianMixture(1, covariance_type=structure, tol=1e-5).fit(X)
    assert gm.spurious_components_.size == 0
    assert gm.collapsed_components_.size == 0
    # With 60 ones (variance 0.056, still under 1/12), a component with
    # 99.2 % of its weight on the ones, at a variance of 0.008 there, is
    # narrower than the data: it fits the line, as it does with 110 ones.
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model(structure).own_spread
    for ones in (60, 110):
        X = np.column_stack([rng.randn(1000), np.zeros(1000)])
        X[:ones, 1] = 1.0
        a = np.zeros(1000)
        a[:48], a[48:ones], a[ones : ones + 2] = 1.0, 0.01, 0.2
        resp = np.column_stack([1.0 - a, a])
        full = []
        for k in range(2):
            centred = X - resp[:, k] @ X / resp[:, k].sum()
            full.append((centred * resp[:, [k]]).T @ centred / resp[:, k].sum())
        check = D.check_components(X, None, resp, np.array(full), own_spread=own_spread)
        assert_array_equal(check.spurious, [1])
        assert "lies on one value of feature 1" in check.reasons[1]


@pytest.mark.parametrize(
    "structure, shares_volume",
    [("EVE", True), ("EVV", True), ("EVI", True), ("VVV", False), ("VVI", False)],
)
def test_a_narrowed_shape_under_an_equal_volume_is_spurious_while_another_spreads(
    rng, structure, shares_volume
):
    # robustbase's starsCYG, EVE with 4 components: one on 2 rows in 2-D
    # (here two rows on a line along feature 0, which EVI narrows to too).
    # Its determinant is the one every component shares, held by the
    # components that spread, so its gain is bounded: spurious, as long as
    # one component spreads; with every component on a line, collapsed.
    # An own volume (VVV, VVI) leaves it unbounded: collapsed.
    from gmm_estimators.covariance import get_covariance_model

    own_spread = get_covariance_model(structure).own_spread
    two = [[20.0, 3.0], [21.0, 3.0]]
    X = np.vstack([rng.randn(100, 2), rng.randn(100, 2) + 8.0, two])
    labels = np.repeat(np.arange(3), [100, 100, 2])
    resp = np.eye(3)[labels]
    full = np.array(
        [np.cov(X[labels == k].T, bias=True) + 1e-6 * np.eye(2) for k in range(3)]
    )
    check = D.check_components(X, None, resp, full, own_spread=own_spread)
    if shares_volume:
        assert check.degenerate.size == 0
        assert_array_equal(check.spurious, [2])
        assert "a bounded gain" in check.reasons[2]
    else:
        assert_array_equal(check.degenerate, [2])
    # Every component on a line along feature 0: nothing holds the volume.
    lines = np.column_stack([rng.randn(202) + 10.0 * labels, 3.0 * labels])
    full = np.array([np.diag([lines[labels == k, 0].var(), 1e-12]) for k in range(3)])
    check = D.check_components(lines, None, resp, full, own_spread=own_spread)
    assert_array_equal(check.degenerate, [0, 1, 2])
    assert check.spurious.size == 0


def _slanted_lattice(rng, n=300, continuous=False):
    """Three measurements to 0.01 with ``a = b + c`` before rounding.

    ``a - b - c`` is then one of -0.01, 0 and 0.01 (the vertebral column
    data: pelvic incidence, tilt and sacral slope), a lattice along the slant
    (1, -1, -1) that no feature's axis shows; the fourth feature is plain,
    rounded too or ``continuous`` (its smallest gap then tiny).
    """
    b = rng.normal(20.0, 5.0, n)
    c = rng.normal(40.0, 8.0, n)
    X = np.round(np.column_stack([b + c, b, c]), 2)
    plain = rng.normal(0.0, 3.0, n)
    X = np.column_stack([X, plain if continuous else np.round(plain, 2)])
    plane = np.round(X[:, 0] - X[:, 1] - X[:, 2], 2)
    return X, np.searchsorted(np.unique(plane), plane)


@pytest.mark.parametrize("structure", ["VVV", "VEE", "VVE"])
@pytest.mark.parametrize(
    ("units", "continuous"), [(1.0, False), (1e3, False), (1.0, True), (7.0, True)]
)
def test_components_on_planes_of_a_slanted_lattice_are_spurious(
    rng, structure, units, continuous
):
    # One component per plane: each narrows along the slant to reg_covar,
    # far below the rounding's variance there (3 * 0.01^2 / 12 per unit
    # slant), with no feature narrower than its grid. On the vertebral data
    # VEE with 9 such components was picked 4,000 BIC units ahead of every
    # sound fit. In other units of a feature the verdict is the same.
    X, plane = _slanted_lattice(rng, continuous=continuous)
    X[:, 1] *= units
    groups = [X[plane == k] for k in range(3)]
    gm = GaussianMixture(
        3,
        covariance_type=structure,
        weights_init=[g.shape[0] / X.shape[0] for g in groups],
        means_init=[g.mean(axis=0) for g in groups],
        precisions_init=[np.linalg.inv(np.cov(g.T) + 1e-6 * np.eye(4)) for g in groups],
        max_iter=50,
        tol=1e-6,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm.fit(X)
    assert_array_equal(gm.predict(X), plane)
    if structure == "VEE":
        # A volume of its own over the shape they share: only this rule.
        assert_array_equal(np.sort(gm.spurious_components_), [0, 1, 2])
        assert any("lattice plane" in str(w.message) for w in caught)
    else:
        # An orientation of its own lies on the planes: collapsed, as before.
        flagged = np.union1d(gm.spurious_components_, gm.collapsed_components_)
        assert_array_equal(flagged, [0, 1, 2])


@pytest.mark.parametrize("factor", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("reg", [1e-6, 0.0])
@pytest.mark.parametrize("far_row", [False, True])
def test_the_slanted_lattice_verdict_does_not_depend_on_the_units(
    rng, factor, reg, far_row
):
    # A continuous fourth feature with two values 1e-9 apart beside the
    # lattice: read directly, its rounding units made the narrowest
    # eigenvalue noise (-6.8e7) and the flagged set change with a common
    # factor. reg_covar=0 leaves the covariances singular to rounding (their
    # correlations had an eigenvalue of -4e-16, and the planes were missed);
    # a first row of weight zero far away set the moments' origin.
    X, plane = _slanted_lattice(rng, n=600, continuous=True)
    X[1, 3] = X[0, 3] + 1e-9
    weight = np.ones(X.shape[0])
    if far_row:
        X = np.vstack([X[:1] + 1e6, X])
        plane = np.r_[plane[0], plane]
        weight = np.r_[0.0, weight]
    X = X * factor
    groups = [X[(plane == k) & (weight > 0)] for k in range(3)]
    gm = GaussianMixture(
        3,
        covariance_type="VEE",
        weights_init=[g.shape[0] / weight.sum() for g in groups],
        means_init=[g.mean(axis=0) for g in groups],
        precisions_init=[
            np.linalg.inv(np.cov(g.T) + 1e-6 * factor**2 * np.eye(4)) for g in groups
        ],
        reg_covar=reg * factor**2,
        max_iter=50,
        tol=1e-6,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X, sample_weight=weight)
    if reg:
        assert_array_equal(np.sort(gm.spurious_components_), [0, 1, 2])
    else:
        # Without reg_covar a shape narrowed to rounding is also collapsed.
        flagged = np.union1d(gm.spurious_components_, gm.collapsed_components_)
        assert_array_equal(flagged, [0, 1, 2])


def test_fits_across_the_planes_of_a_slanted_lattice_are_sound(rng):
    # The same rows in two clusters that each spread across the planes: no
    # component is narrower than the rounding along any slant.
    X, _ = _slanted_lattice(rng)
    X[: X.shape[0] // 2, 3] += 30.0
    gm = GaussianMixture(2, covariance_type="VVV", random_state=0).fit(X)
    assert gm.spurious_components_.size == 0
    assert gm.collapsed_components_.size == 0


@pytest.mark.parametrize(
    "X, weights, settings",
    [
        # A light row beside heavy ones on a large offset: the data's
        # standardised reach overflowed np.linalg.norm's squares.
        (
            [[1e12, 1e12], [1e12 + 1, 1e12], [1e12, 1e12]],
            [1.0, 1e-300, 1.0],
            dict(n_components=1),
        ),
        # Weights from 1e-300 to 1e300: the subsets' proof overflowed.
        (
            [[0.36], [-0.72], [-0.05], [-0.26], [0.9], [1.3]],
            [2.5, 1e-300, 1.0, 1e300, 1e-300, 1.0],
            dict(n_components=2, covariance_type="EII", random_state=0),
        ),
    ],
)
def test_the_verdict_on_weights_a_float_range_apart_leaks_no_overflow(
    X, weights, settings
):
    gm = GaussianMixture(reg_covar=1e-3, **settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gm.fit(np.array(X), sample_weight=np.array(weights))
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    # Each fit is judged (a component on two rows, one of no weight).
    assert gm.collapsed_components_.size == 1
    assert any(issubclass(w.category, DegenerateFitWarning) for w in caught)
