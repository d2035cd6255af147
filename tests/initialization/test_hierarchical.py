"""Model-based hierarchical agglomeration (``init_params="hc"``)."""

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from gmm_estimators import GaussianMixture
from gmm_estimators._initialization._hierarchical import (
    MAX_ROWS,
    HierarchicalTree,
    _Groups,
    default_alpha,
    hc_labels,
    hc_merges,
    svd_transform,
)
from gmm_estimators._initialization._partitions import (
    INITIALIZERS,
    initial_responsibilities,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mclust"


def separated_blobs(rng, n_per=(80, 60, 100, 50), d=3, spread=12.0):
    """Well-separated Gaussian groups with different shapes and sizes."""
    parts, labels = [], []
    for k, size in enumerate(n_per):
        centre = spread * rng.uniform(-1, 1, size=d)
        centre[k % d] += spread * (k + 1)
        factor = rng.uniform(0.3, 1.0, size=(d, d))
        parts.append(centre + rng.standard_normal((size, d)) @ factor)
        labels.append(np.full(size, k))
    return np.vstack(parts), np.concatenate(labels)


def same_partition(a, b):
    return adjusted_rand_score(a, b) == 1.0


# ------------------------------------------------------------ the criterion


def naive_merges(Z, counts, n_groups, alpha):
    """Brute-force greedy agglomeration: every pair's cost recomputed each step."""
    m, d = Z.shape
    groups = [[i] for i in range(m)]

    def term(members):
        w = counts[members]
        size = w.sum()
        diff = Z[members] - w @ Z[members] / size
        W = (diff * w[:, None]).T @ diff
        if len(members) <= d:  # singular: no power of the size needed
            return size * math.log((np.trace(W) + alpha) / size)
        det = max(np.linalg.det(W), 0.0)
        return size * math.log(det / size**d + (np.trace(W) + alpha) / size)

    merges = []
    while len(groups) > n_groups:
        best = None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                gi, gj = groups[i], groups[j]
                cost = term(gi + gj) - term(gi) - term(gj)
                if best is None or cost < best[0]:
                    best = (cost, i, j)
        _, i, j = best
        merges.append(tuple(sorted((min(groups[i]), min(groups[j])))))
        groups[i] = groups[i] + groups[j]
        del groups[j]
    return merges


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_merges_equal_brute_force(d, rng):
    X = np.vstack([rng.randn(14, d), 0.5 * rng.randn(12, d) + 3])
    counts = rng.randint(1, 4, size=X.shape[0]).astype(float)
    Z = svd_transform(X, counts)(X)
    _, merges, costs = hc_merges(Z, counts, 2)
    expected = naive_merges(Z, counts, 2, default_alpha(Z, counts))
    assert_array_equal(merges, expected)
    assert np.all(np.isfinite(costs))


def direct_term(Z, counts, members, alpha):
    """A group's term computed from its rows, with numpy's determinant."""
    w = counts[members]
    size = w.sum()
    diff = Z[members] - w @ Z[members] / size
    W = (diff * w[:, None]).T @ diff
    d = Z.shape[1]
    det = max(np.linalg.det(W), 0.0) if len(members) > d else 0.0
    return size * math.log(det / size**d + (np.trace(W) + alpha) / size)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 6])
def test_merge_costs_equal_direct_computation(d, rng):
    # The incremental statistics, the bounds, the determinant lemma and the
    # batched determinants give every merge's cost as computed from scratch.
    X = np.vstack([rng.randn(20, d), 0.5 * rng.randn(16, d) + 3])
    X[5] = X[6] + 1e-3  # a close pair, merged early
    counts = rng.randint(1, 4, size=X.shape[0]).astype(float)
    Z = svd_transform(X, counts)(X)
    alpha = default_alpha(Z, counts)
    _, merges, costs = hc_merges(Z, counts, 1)
    members = {i: [i] for i in range(X.shape[0])}
    for (low, high), cost in zip(merges, costs, strict=True):
        terms = [direct_term(Z, counts, members[g], alpha) for g in (low, high)]
        members[low] += members.pop(high)
        merged = direct_term(Z, counts, members[low], alpha)
        scale = max(abs(merged), *map(abs, terms))
        assert_allclose(cost, merged - sum(terms), rtol=1e-9, atol=1e-11 * scale)


@pytest.mark.parametrize("d", [2, 3, 5])
def test_nearest_groups_are_kept_exact(d, rng):
    # After every merge, every group not marked stale knows its nearest group
    # and the exact cost of merging with it, a stale group a lower bound of
    # it; second bounds the group's other costs from below. Checked against
    # costs recomputed from the rows.
    X = np.vstack([rng.randn(16, d), 0.4 * rng.randn(14, d) + 2])
    counts = rng.randint(1, 4, size=X.shape[0]).astype(float)
    Z = svd_transform(X, counts)(X)
    alpha = default_alpha(Z, counts)
    groups = _Groups(Z, counts, alpha)
    members = [[i] for i in range(X.shape[0])]  # rows of each position

    def check():
        G = groups.G
        terms = [direct_term(Z, counts, rows, alpha) for rows in members]
        cost = np.full((G, G), np.inf)
        for i in range(G):
            for j in range(i + 1, G):
                merged = direct_term(Z, counts, members[i] + members[j], alpha)
                cost[i, j] = cost[j, i] = merged - terms[i] - terms[j]
        tol = 1e-9 * max(map(abs, terms))
        row_min, second = groups.row_min[:G], groups.second[:G]
        assert np.all(row_min <= second)
        for k in range(G):
            if groups.stale[k]:
                assert row_min[k] <= cost[k].min() + tol
                continue
            nearest = groups.row_arg[k]
            assert_allclose(row_min[k], cost[k].min(), rtol=1e-9, atol=tol)
            assert_allclose(cost[k, nearest], cost[k].min(), rtol=1e-9, atol=tol)
            others = np.delete(cost[k], nearest)
            assert second[k] <= others.min() + tol
        return cost

    while groups.G > 1:
        cost = check()
        a, b, merge_cost = groups.best_pair()
        assert_allclose(merge_cost, cost.min(), rtol=1e-9, atol=1e-9)
        last = groups.G - 1
        groups.merge(a, b)
        members[a] += members[b]
        members[b] = members[last]
        members.pop()


def test_svd_transform_is_mclusts():
    rng = np.random.RandomState(3)
    X = rng.randn(50, 3) @ rng.randn(3, 3) + [10, -5, 100]
    Z = svd_transform(X)(X)
    # Standardise (n - 1 denominator), then X_std V S^(-1/2): Z' Z = S.
    standard = (X - X.mean(0)) / X.std(0, ddof=1)
    singular = np.linalg.svd(standard, compute_uv=False)
    assert_allclose(Z.T @ Z, np.diag(singular), atol=1e-10)
    # Weights are frequencies.
    w = rng.randint(1, 4, size=50)
    assert_allclose(
        svd_transform(X, w.astype(float))(X),
        svd_transform(np.repeat(X, w, axis=0))(X),
        atol=1e-12,
    )


def test_constant_column_is_dropped(rng):
    X = np.column_stack([rng.randn(40, 2), np.full(40, 7.0)])
    assert svd_transform(X)(X).shape == (40, 2)
    labels = hc_labels(X, 2)
    assert_array_equal(labels, hc_labels(X[:, :2], 2))


# --------------------------------------------------------- mclust's own hc


def _read_columns(path):
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], np.array(rows[1:], dtype=float)
    return [h.strip('"') for h in header], body


@pytest.mark.parametrize("name", ["faithful", "iris", "sim3d"])
def test_partitions_equal_mclust_hc(name):
    """mclust::hclass(hc(X, "VVV", use = "SVD", partition = dupPartition(X)))."""
    _, X = _read_columns(FIXTURES / f"data_{name}.csv")
    header, classes = _read_columns(FIXTURES / f"hc_{name}.csv")
    for column, k in enumerate(int(h) for h in header):
        assert same_partition(hc_labels(X, k), classes[:, column]), k


EXTRA = Path(__file__).parents[2] / "benchmarks" / "data" / "mclust_extra"


@pytest.mark.parametrize(
    "name", ["lcushings", "orange", "chickweight", "wreath", "seeded3d"]
)
def test_mclust_hc_is_mclusts_tree_from_rows(name):
    """mclust::hclass(hc(X, "VVV", use = "SVD"), 1:9): from one group per row.

    On these sets hcvvv's stored factors (``_mclust_stored``) make its tree
    differ from the exact greedy agglomeration at some cuts (seeded3d: 40
    rows of ``RandomState(5).randn(40, 3)``, at 3 groups).
    """
    folder = FIXTURES / "hc_rows" if name == "seeded3d" else EXTRA
    X = np.loadtxt(folder / f"data_{name}.csv", delimiter=",", skiprows=1)
    header, classes = _read_columns(FIXTURES / "hc_rows" / f"hc_rows_{name}.csv")
    tree = HierarchicalTree.of(X, merge_duplicates=False)
    for column, k in enumerate(int(h) for h in header):
        assert same_partition(tree.labels(k), classes[:, column]), k


def _mclust_scan_merges(Z, alpha):
    """Brute force of mclust's hcvvv bookkeeping: every pair's cost each step.

    Groups sit in places 0..G-1; of the pairs i < j of smallest cost (within
    rounding) the one of largest j, then i, merges into i, and the last
    group moves into j. A pair's cost is hcvvv's: the scatter of the newer
    group as formed plus the older one's as hcvvv stores it (each row of
    the triangular factor after the first a copy of the first, from the
    diagonal on), and the terms the groups got when formed. A group formed
    from the last one formed keeps that pair's scatter; any other merge
    rebuilds it from both groups as stored.
    """
    n, d = Z.shape

    def term(size, scatter, trace, distinct):
        det = max(np.linalg.det(scatter), 0.0) if distinct > d else 0.0
        return size * math.log(det / size**d + (trace + alpha) / size)

    def as_stored(scatter, size):
        rows = min(size - 1, d)
        if rows <= 1 or scatter[0, 0] <= 0:
            return scatter.copy()
        first = scatter[0] / math.sqrt(scatter[0, 0])
        factor = np.zeros((rows, d))
        for k in range(rows):
            factor[k, k:] = first[k:]
        return factor.T @ factor

    zero = np.zeros((d, d))
    groups = [
        {"rows": [i], "formed": zero, "stored": zero, "born": 0, "trace": 0.0}
        for i in range(n)
    ]
    for group in groups:
        group["term"] = term(1, zero, 0.0, 1)

    def pair(g, h):
        size = len(g["rows"]) + len(h["rows"])
        u = Z[g["rows"]].mean(axis=0) - Z[h["rows"]].mean(axis=0)
        between = (len(g["rows"]) * len(h["rows"]) / size) * np.outer(u, u)
        newer, older = (g, h) if g["born"] > h["born"] else (h, g)
        scatter = newer["formed"] + older["stored"] + between
        trace = g["trace"] + h["trace"] + float(np.trace(between))
        merged = term(size, scatter, trace, size)
        return merged - g["term"] - h["term"], scatter, between, trace

    places = list(range(n))
    merges, latest = [], None
    while len(places) > 1:
        G = len(places)
        costs = {
            (i, j): pair(groups[places[i]], groups[places[j]])[0]
            for j in range(1, G)
            for i in range(j)
        }
        low = min(costs.values())
        tied = [p for p, c in costs.items() if c <= low + 1e-11 * max(1, abs(low))]
        i, j = max(tied, key=lambda pair: pair[::-1])
        g, h = groups[places[i]], groups[places[j]]
        cost, scatter, between, trace = pair(g, h)
        if latest not in (places[i], places[j]):
            scatter = g["stored"] + h["stored"] + between
        size = len(g["rows"]) + len(h["rows"])
        groups.append(
            {
                "rows": g["rows"] + h["rows"],
                "formed": scatter,
                "stored": as_stored(scatter, size),
                "born": len(merges) + 1,
                "trace": trace,
                "term": cost + g["term"] + h["term"],
            }
        )
        merges.append(sorted((min(g["rows"]), min(h["rows"]))))
        latest = places[i] = len(groups) - 1
        places[j] = places[G - 1]
        places.pop()
    return np.array(merges)


@pytest.mark.parametrize("seed", range(4))
def test_mclust_ties_follow_mclusts_scan(seed):
    # Rows on a small lattice, many identical: most steps choose among
    # merges of exactly equal cost.
    rng = np.random.RandomState(seed)
    Z = rng.randint(0, 4, size=(24, 2)).astype(float)
    Z[:, 1] += 0.5 * Z[:, 0]
    alpha = default_alpha(Z, np.ones(24))
    _, merges, _ = hc_merges(Z, np.ones(24), alpha=alpha, mclust_ties=True)
    assert_array_equal(merges, _mclust_scan_merges(Z, alpha))


@pytest.mark.parametrize(
    ("d", "seed", "other_tree"), [(2, 0, False), (2, 2, True), (3, 0, True)]
)
def test_mclust_bookkeeping_on_continuous_rows(d, seed, other_tree):
    # No ties: every step is decided by the costs, which read the merged
    # groups as hcvvv stores them; on two of these sets the exact costs give
    # another tree.
    Z = np.random.RandomState(seed).randn(30, d)
    alpha = default_alpha(Z, np.ones(30))
    _, merges, _ = hc_merges(Z, np.ones(30), alpha=alpha, mclust_ties=True)
    assert_array_equal(merges, _mclust_scan_merges(Z, alpha))
    _, exact, _ = hc_merges(Z, np.ones(30), alpha=alpha)
    assert np.array_equal(exact, merges) != other_tree


# ------------------------------------------------------------ properties


@pytest.mark.parametrize("d", [2, 3, 5])
def test_recovers_well_separated_groups(d):
    rng = np.random.RandomState(d)
    X, truth = separated_blobs(rng, d=d)
    labels = hc_labels(X, 4)
    assert adjusted_rand_score(truth, labels) == 1.0
    assert set(labels) == {0, 1, 2, 3}


def test_duplicated_rows_are_merged_first(rng):
    # Each distinct row appears 1..5 times; identical rows must share a group
    # at every cut, and the tree equals that of the distinct rows weighted by
    # their multiplicity.
    distinct = rng.randn(60, 2).round(1)
    distinct = np.unique(distinct, axis=0)
    repeats = rng.randint(1, 6, size=distinct.shape[0])
    X = np.repeat(distinct, repeats, axis=0)
    X = X[rng.permutation(X.shape[0])]
    _, owner = np.unique(X, axis=0, return_inverse=True)
    owner = owner.ravel()
    for k in range(2, 12):
        labels = hc_labels(X, k)
        for row in range(distinct.shape[0]):
            assert np.unique(labels[owner == row]).size == 1
        weighted = hc_labels(distinct, k, sample_weight=repeats.astype(float))
        assert same_partition(labels, weighted[owner])


def test_first_merges_are_the_duplicates():
    # On singletons (no pre-merging) the cheapest merges are those of
    # identical rows: -2 log 2 for a pair against a positive cost otherwise.
    X = np.array([[0.0, 0.0], [1.0, 0.2], [0.0, 0.0], [3.0, 1.0], [1.0, 0.2], [2, 5]])
    Z = svd_transform(X)(X)
    _, merges, costs = hc_merges(Z, np.ones(6), 1)
    assert {tuple(pair) for pair in merges[:2]} == {(0, 2), (1, 4)}
    assert_allclose(costs[:2], -2 * math.log(2))


def test_integer_weights_equal_repeated_rows(rng):
    X, _ = separated_blobs(rng, n_per=(40, 30, 50), d=2)
    X = X + 0.3 * rng.randn(*X.shape)
    w = rng.randint(0, 4, size=X.shape[0])
    repeated = np.repeat(X, w, axis=0)
    for k in (2, 3, 5, 8):
        weighted = hc_labels(X, k, sample_weight=w.astype(float))
        plain = hc_labels(repeated, k)
        assert_array_equal(np.repeat(weighted, w), plain)


def test_integer_weights_equal_repeated_rows_with_subset():
    # The subset is drawn from the distinct rows with probabilities
    # proportional to their weights, so it is the same draw for both.
    rng = np.random.RandomState(7)
    X = rng.randn(500, 3)
    w = rng.randint(1, 3, size=X.shape[0])
    weighted = hc_labels(
        X, 4, sample_weight=w.astype(float), random_state=11, max_rows=300
    )
    plain = hc_labels(np.repeat(X, w, axis=0), 4, random_state=11, max_rows=300)
    assert_array_equal(np.repeat(weighted, w), plain)


def test_subset_is_deterministic_for_a_random_state():
    rng = np.random.RandomState(0)
    X, truth = separated_blobs(rng, n_per=(900, 700, 1000, 400), d=3, spread=25.0)
    first = hc_labels(X, 4, random_state=5)
    again = hc_labels(X, 4, random_state=np.random.RandomState(5))
    assert_array_equal(first, again)
    assert X.shape[0] > MAX_ROWS
    # Rows outside the subset are assigned to their group.
    assert adjusted_rand_score(truth, first) == 1.0
    # Another seed draws another subset (the labels may still agree).
    other = hc_labels(X, 4, random_state=6)
    assert adjusted_rand_score(truth, other) == 1.0


def test_subset_changes_with_the_random_state():
    rng = np.random.RandomState(1)
    X = rng.randn(600, 2)
    results = {
        hc_labels(X, 6, random_state=seed, max_rows=300).tobytes() for seed in range(3)
    }
    assert len(results) > 1


def test_fewer_distinct_rows_than_components_warns():
    X = np.repeat([[0.0, 1.0], [2.0, 3.0]], 5, axis=0)
    with pytest.warns(ConvergenceWarning, match="distinct rows"):
        labels = hc_labels(X, 3)
    assert_array_equal(np.unique(labels), [0, 1])


def test_zero_weight_rows_get_a_label(rng):
    X, truth = separated_blobs(rng, n_per=(40, 40), d=2)
    w = np.ones(X.shape[0])
    w[::7] = 0.0
    labels = hc_labels(X, 2, sample_weight=w)
    assert adjusted_rand_score(truth, labels) == 1.0


# ------------------------------------------------- one tree, every K


def test_one_tree_cut_at_every_k_equals_hc_labels(rng):
    X, _ = separated_blobs(rng, d=3)
    w = rng.randint(1, 4, X.shape[0]).astype(float)
    w[:5] = 0.0
    for weights in (None, w):
        tree = HierarchicalTree.of(X, weights)
        assert tree.n_groups == 1
        for k in range(1, 9):
            assert_array_equal(tree.labels(k), hc_labels(X, k, sample_weight=weights))


def test_a_tree_is_shared_only_for_the_same_subset(rng):
    X, _ = separated_blobs(rng, n_per=(300, 200, 250, 150), d=2)
    memo = {}
    first = HierarchicalTree.of(X, random_state=3, max_rows=300, memo=memo)
    assert HierarchicalTree.of(X, random_state=3, max_rows=300, memo=memo) is first
    other = HierarchicalTree.of(X, random_state=4, max_rows=300, memo=memo)
    assert other is not first
    for k in (2, 4, 6):
        expected = hc_labels(X, k, random_state=3, max_rows=300)
        assert_array_equal(first.labels(k), expected)
    # The subset is drawn as hc_labels draws it, whether or not a tree is reused.
    shared, alone = np.random.RandomState(0), np.random.RandomState(0)
    for _ in range(2):
        HierarchicalTree.of(X, random_state=shared, max_rows=300, memo=memo)
        hc_labels(X, 2, random_state=alone, max_rows=300)
    assert shared.randint(2**31) == alone.randint(2**31)


def test_a_tree_stopped_early_serves_only_larger_k(rng):
    X, _ = separated_blobs(rng, d=2)
    memo = {}
    five = HierarchicalTree.of(X, n_groups=5, memo=memo)
    assert_array_equal(five.labels(6), hc_labels(X, 6))
    with pytest.raises(ValueError, match="cannot be cut at 3"):
        five.labels(3)
    two = HierarchicalTree.of(X, n_groups=2, memo=memo)
    assert two is not five and two.n_groups == 2
    assert HierarchicalTree.of(X, n_groups=4, memo=memo) is two
    assert_array_equal(two.labels(3), hc_labels(X, 3))


# -------------------------------------------------------- the initialiser


def test_registered_as_an_initialiser(rng):
    assert "hc" in INITIALIZERS
    X, truth = separated_blobs(rng, d=2)
    resp_of_rows = initial_responsibilities("hc", X, 4, None, np.random.RandomState(0))
    resp = resp_of_rows(np.arange(X.shape[0]))
    assert_array_equal(resp.sum(axis=1), 1.0)
    assert adjusted_rand_score(truth, resp.argmax(axis=1)) == 1.0


def test_gaussian_mixture_with_hc_init(rng):
    X, truth = separated_blobs(rng, d=3)
    gm = GaussianMixture(4, init_params="hc", random_state=0).fit(X)
    assert adjusted_rand_score(truth, gm.labels_) == 1.0
    # Row order does not matter (initialisers see a canonical order).
    order = rng.permutation(X.shape[0])
    again = GaussianMixture(4, init_params="hc", random_state=0).fit(X[order])
    assert_allclose(again.lower_bound_, gm.lower_bound_, rtol=1e-10)


@pytest.mark.parametrize("covariance_type", ["EEE", "EEI", "VVV", "VII"])
def test_gaussian_mixture_hc_start_ignores_a_common_weight_factor(covariance_type):
    # The merge costs are not homogeneous in the weights: read as counts, a
    # factor of 3 or 1e-20 changed the tree and the fit (EEE: lower bound
    # -7.19 at w, -15.68 at w * 1e-20 on issue 14's sentinel data).
    rng = np.random.RandomState(1)
    X = np.c_[rng.normal(50, 10, 300), rng.normal(170, 8, 300)]
    X[7, 0] = 1e6
    w = np.random.RandomState(3).uniform(0.5, 2.0, 300)

    def fit(weights):
        return GaussianMixture(
            2, covariance_type=covariance_type, init_params="hc", random_state=0
        ).fit(X, sample_weight=weights)

    reference = fit(w)
    for factor in (1e-20, 0.1, 3.0, 1e20):
        scaled = fit(w * factor)
        assert_allclose(scaled.lower_bound_, reference.lower_bound_, rtol=1e-12)
        assert_allclose(scaled.means_, reference.means_, rtol=1e-10)


def test_gaussian_mixture_hc_weights_equal_repeats_on_clear_clusters(rng):
    # The hc start reads weights relative to their mean, not as counts: on
    # clear clusters the tree, and so the fit, is that of repeated rows.
    X, _ = separated_blobs(rng, n_per=(30, 40, 30), d=2)
    w = rng.randint(1, 4, size=X.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = GaussianMixture(3, init_params="hc", max_iter=5).fit(
            X, sample_weight=w.astype(float)
        )
        repeated = GaussianMixture(3, init_params="hc", max_iter=5).fit(
            np.repeat(X, w, axis=0)
        )
    order_w = np.argsort(weighted.means_[:, 0])
    order_r = np.argsort(repeated.means_[:, 0])
    assert_allclose(weighted.means_[order_w], repeated.means_[order_r], rtol=1e-8)


@pytest.mark.parametrize("factor", [1e-20, 1e154, 1e-300, 1e300])
def test_weights_no_count_can_be_give_a_finite_tree(factor):
    # hc_labels reads weights as frequencies (integer weights equal repeated
    # rows); weights of 1e154 overflowed its merge costs (OverflowError),
    # 1e-300 divided by zero. Beyond any count they are rescaled by a power
    # of two. (The estimators' hc start reads them relative to their mean.)
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(60, 2)) + c for c in ([0, 0], [4, 4], [-4, 4])])
    w = rng.exponential(size=X.shape[0])
    expected = hc_labels(X, 3, sample_weight=w)
    scaled = hc_labels(X, 3, sample_weight=w * factor)
    assert adjusted_rand_score(scaled, expected) == 1.0


@pytest.mark.parametrize("mclust_ties", [False, True])
def test_group_sizes_whose_powers_overflow_merge_as_brute_force(mclust_ties):
    # det(W) / l**d with l**d beyond float64 (2,000 rows in 100 dimensions,
    # here 12 rows of weight 1e4 in 80): merge raised OverflowError, and the
    # default search with it. Groups of at most d rows have no determinant
    # term, so brute force needs no power.
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(12, 80))
    counts = np.full(12, 1e4)
    _, merges, costs = hc_merges(Z, counts, 1, mclust_ties=mclust_ties)
    expected = naive_merges(Z, counts, 1, default_alpha(Z, counts))
    assert_array_equal(merges, expected)
    assert np.all(np.isfinite(costs))


@pytest.mark.parametrize(
    ("d", "exponent", "mclust_ties"),
    # mclust's ties are within 1e-11 of max(1, |cost|): costs scaled below
    # one would tie where ordinary ones do not.
    [
        (4, 120, False),
        (4, 120, True),
        (4, 330, False),
        (4, 330, True),
        (30, -40, False),
    ],
)
def test_counts_beyond_float_range_merge_as_ordinary_counts(d, exponent, mclust_ties):
    # Counts and alpha times c = 2**k make every cost c times as large in
    # exact arithmetic: the same merges. In float64 det(W) and l**d leave its
    # range (l**4 ~ 2**1320 in 4 features, l**30 ~ 2**-1100 in 30) and the
    # ratio is det(W / l); before, merge raised OverflowError or
    # ZeroDivisionError (and det(W) = inf gave inf - inf costs and groups
    # merged with themselves). (alpha has a floor of eps: c stays above it.)
    rng = np.random.default_rng(5)
    Z = np.vstack([rng.normal(size=(30, d)), rng.normal(size=(30, d)) + 3.0])
    counts = rng.integers(1, 4, size=60).astype(float)
    alpha = default_alpha(Z, counts)
    factor = 2.0**exponent
    _, merges, costs = hc_merges(Z, counts, 1, alpha=alpha, mclust_ties=mclust_ties)
    _, scaled, scaled_costs = hc_merges(
        Z, counts * factor, 1, alpha=alpha * factor, mclust_ties=mclust_ties
    )
    assert_array_equal(scaled, merges)
    assert np.all(np.isfinite(scaled_costs))
    assert_allclose(scaled_costs / factor, costs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("init_params", ["hc", "mclust_hc"])
def test_rows_a_float_range_lighter_do_not_break_the_tree(init_params):
    # Weights of 1e-120 beside 1: their groups' l**d underflowed to zero
    # (ZeroDivisionError, then NaN costs and an IndexError in mclust's tie
    # scan). The determinant ratio is then read from its logarithms.
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal(size=(20, 3)) + c for c in ([0, 0, 0], [6, 6, 6])])
    weights = np.tile(np.r_[np.ones(10), np.full(10, 1e-120)], 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        resp = initial_responsibilities(init_params, X, 2, weights, 0)(slice(None))
    truth = np.repeat([0, 1], 20)
    assert adjusted_rand_score(resp.argmax(axis=1), truth) == 1.0


@pytest.mark.parametrize("factor", [1e-20, 3.7, 1e154])
def test_mclust_hc_reads_weights_relative_to_their_mean(factor):
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(50, 2)) + c for c in ([0, 0], [4, 4], [-4, 4])])
    w = rng.exponential(size=X.shape[0])

    def labels(weights):
        resp = initial_responsibilities("mclust_hc", X, 3, weights, 0)(slice(None))
        return resp.argmax(axis=1)

    assert adjusted_rand_score(labels(w * factor), labels(w)) == 1.0


def test_mclust_hc_start_does_not_depend_on_row_order_beyond_subset_size(three_blobs):
    # > 2000 continuous rows (no ties): mclust_hc agglomerates a subset,
    # which was drawn by row index.
    X = three_blobs(5000)
    perm = np.random.RandomState(0).permutation(X.shape[0])
    kw = dict(init_params="mclust_hc", random_state=0, max_iter=0)
    a = GaussianMixture(3, **kw).fit(X)
    b = GaussianMixture(3, **kw).fit(X[perm])
    np.testing.assert_allclose(
        np.sort(a.means_, axis=0), np.sort(b.means_, axis=0), rtol=1e-10, atol=1e-12
    )


def test_mclust_hc_numbers_its_groups_alike_in_any_row_order():
    # Numbered by first appearance in the order given, the same groups
    # started EM from the components in another order, whose last bits a
    # saddle can grow: on 3 of 12 seeded sets of continuous rows, search
    # cells moved by up to 2.4e-5 BIC units with a permutation of the rows.
    rng = np.random.RandomState(2)
    X = np.vstack([rng.normal(size=(40, 3)) * [1, 2, 0.5] + c for c in (0, 4, -4)])
    w = rng.exponential(size=X.shape[0])
    perm = rng.permutation(X.shape[0])
    for k in (2, 3, 5):
        for weights in (None, w):
            a = initial_responsibilities("mclust_hc", X, k, weights, 0)(slice(None))
            shuffled = None if weights is None else weights[perm]
            b = initial_responsibilities("mclust_hc", X[perm], k, shuffled, 0)
            assert_array_equal(b(slice(None)), a[perm])
    kw = dict(init_params="mclust_hc", random_state=0, max_iter=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = GaussianMixture(4, **kw).fit(X)
        b = GaussianMixture(4, **kw).fit(X[perm])
    assert_allclose(b.means_, a.means_, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_ties_on_a_lattice_fall_alike_in_any_units(seed):
    # Two dice: symmetric merges cost the same in exact arithmetic, and
    # which one rounding made smaller changed with the units (X times 1e3 or
    # 7, not a power of two), so the tree, and the search's pick from it,
    # changed (EEI with 5 components at 2269.0, EEE at 2274.6). Costs within
    # a rounding of each other are ties, broken by the rows' canonical order.
    rng = np.random.RandomState(seed)
    dice = rng.randint(1, 7, size=(300, 2)).astype(float)
    # No more rows than features (Ward's tree), on a few values with
    # duplicated rows: the same, for mclust's tie rule too.
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 3, size=(6, 14)).astype(float)
    lattice = base[rng.randint(0, 6, size=12)]
    lattice[:, :3] += rng.randint(0, 2, size=(12, 3))
    for X, merge_duplicates in ((dice, True), (lattice, True), (lattice, False)):

        def cuts(scale, X=X, merge_duplicates=merge_duplicates):
            tree = HierarchicalTree.of(
                X * scale, n_groups=1, merge_duplicates=merge_duplicates
            )
            return [tree.labels(k) for k in range(1, 10)]

        reference = cuts(1.0)
        for scale in (1e-3, 1e3, 7.0, 0.1):
            for k, (ours, theirs) in enumerate(
                zip(cuts(scale), reference, strict=True), start=1
            ):
                assert_array_equal(
                    ours, theirs, err_msg=f"K={k}, X times {scale}, {X.shape}"
                )


def test_linearly_dependent_features_give_the_same_tree_after_a_translation():
    # x3 = 3 x1 exactly: the third singular value of the standardised rows
    # is rounding, 1.4e-16 of the largest in X and 1.9e-12 at X + 1e4. The
    # SVD transform kept it at X + 1e4 (above 1e-12) and scaled it up to
    # the others' size: the tree, and the K = 2 partition, changed.
    rng = np.random.default_rng(2)
    n_rows, n_features = int(rng.integers(40, 301)), int(rng.integers(2, 6))
    groups = rng.integers(0, 3, n_rows)
    B = rng.normal(size=(n_rows, n_features - 1)) + groups[:, np.newaxis]
    X = np.c_[B, 3 * B[:, :1]]
    partitions = []
    for Y in (X, X + 1e4, X * 1e-3):
        resp = initial_responsibilities(
            "mclust_hc", Y, 2, None, np.random.RandomState(0)
        )(slice(None))
        partitions.append(resp.argmax(axis=1))
    assert_array_equal(partitions[1], partitions[0])
    assert_array_equal(partitions[2], partitions[0])
