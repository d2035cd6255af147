"""The degenerate and spurious tests' building blocks against plain oracles."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import linalg

from gmm_estimators import _degenerate as D
from gmm_estimators import _resting_rows as R


def _floor_over_every_bin(histogram, n_k):
    # The definition: sums from the top over every bin of the histogram.
    from_top = np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1]
    floors = np.empty(histogram.shape[0])
    for k in range(histogram.shape[0]):
        reached = np.flatnonzero(from_top[k] >= R.RESTING_WEIGHT * n_k[k])
        b = reached[-1] if reached.size else 0
        floors[k] = 10.0 ** R._LOG_BINS[b]
    return floors


def _histogram_by_definition(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        position = (np.log10(a) - R._LOG_LOW) / R._LOG_STEP
    bins = np.clip(np.nan_to_num(position, neginf=0.0), 0, R._LOG_BINS.size - 1)
    flat = bins.astype(np.intp) + R._LOG_BINS.size * np.arange(a.shape[1])
    return np.bincount(
        flat.ravel(), weights=a.ravel(), minlength=a.shape[1] * R._LOG_BINS.size
    ).reshape(a.shape[1], R._LOG_BINS.size)


@pytest.mark.parametrize("seed", range(40))
def test_histogram_and_resting_floor_equal_their_definitions(seed):
    rng = np.random.default_rng(seed)
    K = int(rng.integers(1, 6))
    a = rng.dirichlet(np.ones(K) * rng.uniform(0.05, 3.0), size=rng.integers(1, 400))
    if seed % 3 == 0:
        a[:, 0] = 0.0  # an empty component
    if seed % 5 == 0:
        a = a * 1e-300  # subnormal weights
    histogram = R.log_weight_histogram(a)
    assert_array_equal(histogram, _histogram_by_definition(a))
    n_k = a.sum(axis=0) * (rng.uniform(0.5, 1.5, K) if seed % 7 == 0 else 1.0)
    floors = _floor_over_every_bin(histogram, n_k)
    assert_array_equal(R.resting_floor(histogram, n_k), floors)
    # Small data: the same floors from the rows' own bins, without a histogram.
    assert_array_equal(R.resting_floor_of_block(a, n_k), floors)


@pytest.mark.parametrize("weighted", [False, True])
def test_batched_resting_moments_equal_those_component_by_component(
    rng, monkeypatch, weighted
):
    X = np.vstack([rng.randn(120, 3), rng.randn(80, 3) + 4.0, np.ones((30, 3))])
    resp = rng.dirichlet(np.full(4, 0.3), size=X.shape[0])
    w = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else None
    Xc = X - X.mean(axis=0)
    varying, scale, _ = D._coordinates(Xc.T @ Xc, float(X.shape[0]))
    shift = ((resp.T @ Xc) / resp.sum(axis=0)[:, None])[:, varying] / scale
    floors = np.array([1e-3, 0.2, 0.5, 0.0])

    def blocks():
        return [
            (Xc[:100], None if w is None else w[:100], resp[:100]),
            (Xc[100:], None if w is None else w[100:], resp[100:]),
        ]

    components = [0, 2, 3]
    batched = R.resting_moments(blocks, floors, varying, scale, shift, components)
    monkeypatch.setattr(R, "_BATCHED_ENTRIES", 0)
    looped = R.resting_moments(blocks, floors, varying, scale, shift, components)
    assert_array_equal(batched[0], looped[0])
    assert batched[4] == looped[4] == [None] * len(components)
    for ours, theirs in zip(batched[1:4], looped[1:4], strict=True):
        assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    # The oracle: the resting rows of component 2 by their definition.
    a = resp[:, 2] if w is None else resp[:, 2] * w
    rows = a >= floors[2]
    D2 = Xc[rows][:, varying] / scale - shift[2]
    assert batched[0][1] == rows.sum()
    assert_allclose(batched[3][1], (D2 * a[rows, None]).T @ D2, rtol=1e-12)


def test_smallest_variance_ratios_equal_generalised_eigenvalues(rng):
    K, d = 5, 4
    A = rng.randn(K, d, d)
    full = A @ np.swapaxes(A, -1, -2) + 0.1 * np.eye(d)
    full[3] *= 1e-7  # far narrower than the others
    smallest = D._smallest_variance_ratios(full, list(range(K)))
    for k in range(K):
        expected = min(
            linalg.eigh(full[k], full[j], eigvals_only=True)[0]
            for j in range(K)
            if j != k
        )
        assert_allclose(smallest[k], expected, rtol=1e-9)
    assert smallest[3] < D.SPURIOUS_RATIO


def test_smallest_variance_ratios_skip_what_cannot_be_factorised(rng):
    full = np.stack([np.eye(2), np.diag([1.0, 0.0]), np.full((2, 2), np.nan)])
    smallest = D._smallest_variance_ratios(full, [0, 1, 2])
    # Component 1 cannot whiten the others; component 2 is not finite.
    assert smallest[1] == pytest.approx(0.0)
    assert smallest[0] == np.inf and smallest[2] == np.inf


def test_resting_rows_bound_the_pooled_scatter_from_below(rng):
    """The pooled pass may be skipped: its scatter contains the resting rows'."""
    X = np.vstack([rng.randn(200, 3), rng.randn(150, 3) + 3.0])
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    Xc = X - X.mean(axis=0)
    total = Xc.T @ Xc
    varying, scale, rotation = D._coordinates(total, float(X.shape[0]))
    means = (resp.T @ Xc) / resp.sum(axis=0)[:, None]
    shift = means[:, varying] / scale

    def blocks():
        return [(Xc, None, resp)]

    floors = R.resting_floor(R.log_weight_histogram(resp), resp.sum(axis=0))
    _, _, resting = D._resting_sets(
        blocks,
        floors,
        varying,
        scale,
        shift,
        rotation,
        [0, 1, 2],
        D.EVERY_DIRECTION,
        {},
        float(X.shape[0]),
    )
    within = D._pooled_within_scatter(blocks, varying, scale, shift, [0, 1, 2])
    gap = np.linalg.eigvalsh(within - sum(resting.values()))
    assert gap.min() >= -1e-12 * np.abs(within).max()
    assert D._pooled_spread(sum(resting.values()), X.shape[0], rotation) <= (
        D._pooled_spread(within, X.shape[0], rotation) + 1e-12
    )


def test_rows_worth_floor_mirrors_the_check(rng):
    spread = D.EVERY_DIRECTION
    assert D.rows_worth_floor(spread, 3) == spread.min_weight(3) - 0.5
    X = rng.randn(50, 3)
    Xc = X - X.mean(axis=0)
    assert D.data_rank(Xc.T @ Xc, 50.0) == 3
    line = np.outer(rng.randn(50), [1.0, 2.0, 3.0])
    line -= line.mean(axis=0)
    assert D.data_rank(line.T @ line, 50.0) == 1


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
    from gmm_estimators.covariance import _spread

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
    varying, scale, rotation = D._coordinates(total, float(w.sum()))
    Z = R.standardised(Xc, varying, scale)
    resting = np.flatnonzero(a >= np.quantile(a, 0.3))
    mass = a[resting].sum()
    whole = _own_scatter(Z, a, resting) / mass
    for step in (1, 2, 7, 40):
        own = _own_scatter(Z, a, resting[::step])
        for rule in (
            _spread.SOME_SPREAD,
            _spread.EVERY_AXIS,
            _spread.EVERY_DIRECTION,
            _spread.NOTHING,
        ):
            bound = rule.spread_lower_bound(own, mass, float(w.sum()), rotation)
            assert bound <= rule.relative_spread(whole, rotation) * (1 + 1e-9)


def _checked(structure, X, resp, w, split):
    from gmm_estimators.covariance import get_covariance_model

    model = get_covariance_model(structure)
    ww = np.ones(X.shape[0]) if w is None else w
    Xc = X - (ww @ X) / ww.sum()
    a = resp * ww[:, None]
    means = (a.T @ Xc) / a.sum(axis=0)[:, None]
    full = np.stack(
        [
            np.cov(X.T, aweights=a[:, k], bias=True) + 1e-6 * np.eye(X.shape[1])
            for k in range(resp.shape[1])
        ]
    )
    pieces = np.array_split(np.arange(X.shape[0]), split)

    def blocks():
        return [(Xc[p], None if w is None else w[p], resp[p]) for p in pieces]

    check = D.check_blocks(
        blocks,
        (Xc * ww[:, None]).T @ Xc,
        float(ww.sum()),
        means,
        full,
        own_spread=model.own_spread,
    )
    return check.degenerate.tolist(), check.spurious.tolist(), check.reasons


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
    monkeypatch.setattr(D, "SUBSET_ROWS", 10**9)
    every_row = _checked(structure, X, resp, w, 4)
    reads = []
    moments = D.resting_moments

    def spy(*args, **kwargs):
        result = moments(*args, **kwargs)
        reads.append(result[4])
        return result

    monkeypatch.setattr(D, "SUBSET_ROWS", 3)
    monkeypatch.setattr(D, "resting_moments", spy)
    assert _checked(structure, X, resp, w, 4) == every_row
    assert any(m is not None for m in reads[0])
