"""Tests of the initialisers' canonical view of the rows."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.cluster import KMeans

from gmm_estimators._initialization._partitions import (
    INITIALIZERS,
    CanonicalRows,
    initial_responsibilities,
)


@pytest.fixture
def data(rng):
    X = np.vstack([rng.standard_normal((60, 3)), rng.standard_normal((40, 3)) + 4])
    return X, rng.uniform(0.5, 2.0, size=X.shape[0])


def test_canonical_rows_do_not_depend_on_row_order(data, rng):
    X, w = data
    canonical = CanonicalRows.of(X, w)
    order = rng.permutation(X.shape[0])
    shuffled = CanonicalRows.of(X[order], w[order])
    assert_array_equal(shuffled.X, canonical.X)
    assert_array_equal(shuffled.sample_weight, canonical.sample_weight)
    # position maps every original row to its place in the canonical order.
    assert_array_equal(canonical.X[canonical.position], X)
    assert_array_equal(canonical.sample_weight[canonical.position], w)
    assert CanonicalRows.of(X).sample_weight is None


@pytest.mark.parametrize("method", sorted(INITIALIZERS))
@pytest.mark.parametrize("weighted", [False, True])
def test_shared_canonical_rows_give_the_same_start(data, method, weighted):
    X, w = data
    w = w if weighted else None
    rows = slice(10, 90)
    alone = initial_responsibilities(method, X, 3, w, np.random.RandomState(5))
    shared = initial_responsibilities(
        method, X, 3, w, np.random.RandomState(5), canonical=CanonicalRows.of(X, w)
    )
    assert_array_equal(shared(rows), alone(rows))


@pytest.mark.parametrize("n_components", [1, 2])
def test_kmeans_start_is_kmeans_on_the_canonical_rows(data, n_components):
    # One component is KMeans's own answer without running it (every row in
    # the one cluster).
    X, _ = data
    canonical = CanonicalRows.of(X)
    resp_of_rows = initial_responsibilities(
        "kmeans", X, n_components, None, np.random.RandomState(0), canonical=canonical
    )
    resp = resp_of_rows(slice(None))
    assert resp.shape == (X.shape[0], n_components)
    labels = (
        KMeans(n_components, n_init=1, random_state=np.random.RandomState(0))
        .fit(canonical.X)
        .labels_
    )
    assert_array_equal(resp.sum(axis=1), 1.0)
    assert_array_equal(np.argmax(resp, axis=1), labels[canonical.position])


def test_hc_trees_are_shared_between_numbers_of_components_per_draw(rng):
    # More distinct rows than hc agglomerates: each start draws a subset. The
    # k-th start of every number of components draws the same subset (each
    # starts from the same random state), so they share one tree, and only
    # they.
    X = np.vstack([rng.randn(1300, 2), rng.randn(1100, 2) * 0.5 + 3.0])
    canonical = CanonicalRows.of(X)
    for k in (2, 3):
        shared_state, alone_state = np.random.RandomState(7), np.random.RandomState(7)
        for _ in range(2):
            shared = initial_responsibilities(
                "hc", X, k, None, shared_state, canonical=canonical
            )
            alone = initial_responsibilities("hc", X, k, None, alone_state)
            assert_array_equal(shared(slice(None)), alone(slice(None)))
    trees = [key for key in canonical.memo["hc"] if key[0] == "tree"]
    assert len(trees) == 2


@pytest.mark.parametrize("scale", [1e-3, 7.0, 1e3])
def test_kmeans_start_on_lattice_rows_is_the_same_in_any_units(scale):
    # Integer rows are often equally far from two centres: k-means must break
    # those ties alike in any units, not as the rounding of X * scale falls.
    X = np.random.RandomState(0).randint(1, 11, size=(300, 3)).astype(float)
    for n_components in (3, 4, 5, 6):
        starts = [
            initial_responsibilities(
                "kmeans", rows, n_components, None, np.random.RandomState(0)
            )(slice(None))
            for rows in (X, X * scale)
        ]
        assert_array_equal(starts[1], starts[0])
