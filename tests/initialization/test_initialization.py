"""Tests of the initialisers' canonical view of the rows."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from gmm_estimators import GaussianMixture
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
    # In units of the weights' mean.
    assert_array_equal(
        canonical.sample_weight[canonical.position], w / canonical.weight_unit
    )
    assert_allclose(canonical.weight_unit, w.mean(), rtol=1e-15)
    assert CanonicalRows.of(X).sample_weight is None


# mclust_hc reads the rows in their given order, as mclust does (documented).
@pytest.mark.parametrize("method", sorted(set(INITIALIZERS) - {"mclust_hc"}))
def test_starts_of_identical_rows_of_different_weights_do_not_depend_on_order(
    data, rng, method
):
    # Identical rows kept the given order, their weights with it: the
    # random start drew each row's responsibilities by position, and four
    # row orders gave four fits.
    X, w = data
    X, w = np.vstack([X, X]), np.r_[w, w[::-1]]
    order = rng.permutation(X.shape[0])
    first, second = (
        initial_responsibilities(method, rows, 3, weights, np.random.RandomState(0))(
            slice(None)
        )
        for rows, weights in ((X, w), (X[order], w[order]))
    )
    assert_array_equal(second, first[order])


@pytest.mark.parametrize("method", sorted(INITIALIZERS))
def test_unit_weights_and_rows_of_weight_zero_start_as_no_weights(data, method):
    # random_from_data drew its seeds with p=None without weights and with
    # p=w/sum(w) with unit weights: numpy's two streams, two fits.
    X, _ = data
    unweighted = initial_responsibilities(method, X, 3, None, np.random.RandomState(0))
    ones = initial_responsibilities(
        method, X, 3, np.ones(X.shape[0]), np.random.RandomState(0)
    )
    assert_array_equal(ones(slice(None)), unweighted(slice(None)))
    far = np.vstack([X, [[1e6, -1e6, 1e6]]])
    extra = initial_responsibilities(
        method, far, 3, np.r_[np.ones(X.shape[0]), 0.0], np.random.RandomState(0)
    )
    assert_array_equal(extra(slice(0, X.shape[0])), unweighted(slice(None)))


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


def _caught_starts(X, n_components):
    """The k-means start of X and the warnings it gave, all recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resp = initial_responsibilities(
            "kmeans", X, n_components, None, np.random.RandomState(0)
        )(slice(None))
    return resp, caught


_THREE_POINTS = np.repeat([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]], 10, axis=0)


@pytest.mark.parametrize(
    "X, n_points, blurred",
    [
        # Three distinct rows, each repeated.
        (_THREE_POINTS, 3, False),
        # Three clouds 1e-14 of the data's spread across: one point each to
        # k-means (its rows are on a grid of 1e-12 of the spread), though
        # their 30 rows are distinct.
        (_THREE_POINTS + 1e-14 * np.random.RandomState(0).randn(30, 2), 3, True),
        # Six distinct rows whose projections round to two values (far from
        # the origin, as time stamps in ns): in canonical order they
        # interleave.
        (
            1e17
            + 16.0
            * np.array([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [0, 2]])[
                np.random.RandomState(0).randint(0, 6, 60)
            ],
            6,
            False,
        ),
    ],
)
def test_kmeans_on_fewer_points_than_components_leaves_the_rest_empty(
    X, n_points, blurred
):
    resp, caught = _caught_starts(X, 11)
    labels = resp.argmax(axis=1)
    # One component per point, whatever the row order; the rest empty.
    assert_array_equal(np.bincount(labels, minlength=11)[n_points:], 0)
    _, point = np.unique(np.round(X), axis=0, return_inverse=True)
    assert np.unique(labels).size == n_points
    assert np.unique(np.c_[labels, point.ravel()], axis=0).shape[0] == n_points
    # The package's own warning, at the caller's line (none of KMeans's).
    assert len(caught) == 1
    assert caught[0].category is ConvergenceWarning
    # Rows that differ in X, blurred by k-means' grid, are not "too few".
    said = (
        f"only {n_points} distinct points, fewer than n_components (11)"
        if blurred
        else f"({n_points}) is smaller than n_components (11)"
    )
    assert said in str(caught[0].message)
    assert caught[0].filename == __file__


@pytest.mark.parametrize("offset", [0.0, 1e9, 1e11])
def test_kmeans_start_of_integer_rows_far_from_the_origin_is_the_same_in_any_units(
    offset,
):
    # Times 7 and 1.5 are exact on these rows: any difference is the start's.
    # Centred on their rounded mean, the rows moved by more than k-means'
    # grid at an offset of 1e9.
    for seed in range(4):
        X = np.random.RandomState(seed).randint(1, 11, size=(300, 3)) + offset
        for n_components in (3, 4, 5, 6):
            reference, _ = _caught_starts(X, n_components)
            for scale in (7.0, 1.5):
                scaled, _ = _caught_starts(X * scale, n_components)
                assert_array_equal(scaled, reference)


@pytest.mark.parametrize("weight", [0.5, 1e-300, 1e-320])
def test_kmeans_plus_plus_seeds_of_weight_below_one_count_their_weight(weight):
    # A seed counts as one copy of its row (integer weights equal repeated
    # rows); a row of weight below one is less than a copy. Counting 1 / w
    # overflowed for subnormal weights (NaN means, a DegenerateStepError).
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(50, 2)), rng.normal(5, 1, size=(50, 2))]
    settings = dict(n_components=2, init_params="k-means++", random_state=0)
    reference = GaussianMixture(**settings).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if weight < 1e-300:
            # Summing to a subnormal number, EM's sums lost their digits (a
            # fit 1e-4 off at 1e-320, collapsed at 5e-324): refused by name.
            with pytest.raises(ValueError, match="Multiply sample_weight by"):
                GaussianMixture(**settings).fit(
                    X, sample_weight=np.full(len(X), weight)
                )
            # The seeding itself still counts them (a rows' partition).
            seeded = initial_responsibilities(
                "k-means++", X, 2, np.full(len(X), weight), np.random.RandomState(0)
            )
            plain = initial_responsibilities(
                "k-means++", X, 2, None, np.random.RandomState(0)
            )
            assert_array_equal(seeded(slice(None)), plain(slice(None)))
            return
        weighted = GaussianMixture(**settings).fit(
            X, sample_weight=np.full(len(X), weight)
        )
    assert_array_equal(weighted.predict(X), reference.predict(X))
    np.testing.assert_allclose(weighted.means_, reference.means_, atol=1e-12)


@pytest.mark.parametrize("factor", [2.0**-70, 2.0**5, 2.0**40])
def test_kmeans_plus_plus_start_does_not_depend_on_a_common_factor_of_weights(factor):
    # Weights on both sides of one: seeds counted min(w, 1), and a count of
    # one against weights of 2**40 was shifted by the M-step's
    # empty-component guard (10 eps of the weights' scale): a fit's means
    # moved by 3.7 at 2**40. (Factors that keep the seeds' weights below or
    # above one left this fit as it was; the counts themselves are checked
    # in the next test.)
    rng = np.random.RandomState(1)
    centers = rng.randn(3, 3) * 1.4
    labels = rng.randint(3, size=300)
    X = centers[labels] + rng.randn(300, 3) * rng.uniform(0.5, 1.5, (3, 3))[labels]
    weights = np.random.RandomState(1001).uniform(0.3, 3.0, 300)
    settings = dict(
        n_components=3,
        covariance_type="EEE",
        init_params="k-means++",
        random_state=1,
        tol=1e-7,
        max_iter=300,
    )
    reference = GaussianMixture(**settings).fit(X, sample_weight=weights)
    scaled = GaussianMixture(**settings).fit(X, sample_weight=weights * factor)
    # A power of two divides out exactly (the weights' scale): bit for bit.
    assert scaled.n_iter_ == reference.n_iter_
    assert_array_equal(scaled.means_, reference.means_)
    assert_array_equal(scaled.weights_, reference.weights_)
    assert_array_equal(scaled.covariances_, reference.covariances_)


def test_kmeans_plus_plus_seeds_count_copies_only_under_a_prior():
    # Without a prior every seed counts the lightest seed's weight (equal
    # proportions in any weight units); under a prior, which weighs the
    # start's counts, at most one copy of its row.
    X = np.random.default_rng(0).normal(size=(40, 2))
    weights = np.linspace(0.5, 4.0, 40)
    for copies, cap in ((False, np.inf), (True, 1.0)):
        resp = initial_responsibilities(
            "k-means++", X, 3, weights, np.random.RandomState(0), copies=copies
        )(slice(None))
        seeds = resp.any(axis=1)
        counts = weights[seeds] * resp[seeds].sum(axis=1)
        assert_allclose(counts, min(weights[seeds].min(), cap), rtol=1e-15)
        assert resp.max() <= 1.0


def test_kmeans_start_of_integer_weights_is_that_of_repeated_rows_on_a_lattice():
    # The rows k-means sees were centred and scaled by their unweighted mean
    # and spread: on integer data the grid they are rounded to, and with it
    # the ties k-means breaks, differed from those of the repeated rows (19
    # of 40 seeded sets gave another start; 6 still do, where k-means itself
    # breaks a tie of distances another way with weights).
    same = 0
    for seed in (3, 7, 9, 10, 11, 13, 14, 15):
        rng = np.random.default_rng(seed)
        X = np.round(rng.normal(0, 2, 80))[:, None]
        w = rng.integers(1, 4, 80).astype(float)
        R = np.repeat(X, w.astype(int), axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = GaussianMixture(3, covariance_type="V", random_state=0, max_iter=0)
            b = GaussianMixture(3, covariance_type="V", random_state=0, max_iter=0)
            a.fit(X, sample_weight=w)
            b.fit(R)
        same += np.allclose(np.sort(a.means_.ravel()), np.sort(b.means_.ravel()))
    assert same == 8


@pytest.mark.parametrize("method", ["kmeans", "k-means++", "random_from_data"])
def test_fewer_rows_of_weight_than_components_start_one_per_row(method):
    # Rows of weight zero are left out of the starts; with fewer rows left
    # than components the seeding starts raised numpy's or scikit-learn's
    # errors (a selector reaches them: its candidates are not refused).
    X = np.random.default_rng(0).normal(size=(10, 2))
    weights = np.r_[1.0, 2.0, np.zeros(8)]
    with pytest.warns(ConvergenceWarning, match="smaller than n_components"):
        resp = initial_responsibilities(method, X, 3, weights, 0)(slice(None))
    assert resp.shape == (10, 3)
    # The two rows of weight each start a component of their own.
    assert resp[0].argmax() != resp[1].argmax()
    assert_array_equal(resp.sum(axis=0)[resp[:2].argmax(axis=1)] > 0, True)


@pytest.mark.parametrize("outlier", [1e11, 1e13, 1e15, 1e100])
@pytest.mark.parametrize("direction", [(1.0, 0.0), (1.0, 1.0), (-1.0, 0.0)])
def test_kmeans_start_separates_clusters_beside_a_far_outlier(outlier, direction):
    # Two clusters of sd 1, 6 apart along the first feature, and one row far
    # out. Centred on their mean and in units of their spread (both the
    # outlier's), the clusters lay near one point, where k-means' squared
    # distances (rounded to eps of the squared norms) and its grid (2**-40
    # of the spread) could not tell them apart: from 1e11 to 1e13 the start
    # put both in one component and left one empty, with scikit-learn's
    # warning of duplicate points; from about 3e14 the package's own
    # warning said the rows were 2 points. The bulk is now k-means' centre
    # and unit, found from the median (a row of data values: the bulk's
    # differences from it are exact, wherever the outlier lies).
    rng = np.random.default_rng(0)
    clusters = np.r_[rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + [6, 0]]
    X = np.r_[clusters, [np.multiply(outlier, direction)]]
    truth = np.r_[np.zeros(60, int), np.ones(60, int), 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = initial_responsibilities("kmeans", X, 3, None, 0)(slice(None))
    labels = labels.argmax(axis=1)
    assert np.unique(labels).size == 3
    assert np.unique(np.c_[labels, truth], axis=0).shape[0] == 3
    # The same start in other units, in float32 (the rows k-means sees stay
    # in float64: the outlier in units of the bulk exceeds float32's range),
    # and with integer weights as with the repeated rows.
    rescaled = initial_responsibilities("kmeans", X * 1e-3, 3, None, 0)(slice(None))
    assert_array_equal(rescaled.argmax(axis=1), labels)
    if outlier < 1e30:
        narrow = X.astype(np.float32)
        single = initial_responsibilities("kmeans", narrow, 3, None, 0)(slice(None))
        assert_array_equal(single.argmax(axis=1), labels)
    weights = np.random.default_rng(1).integers(1, 4, size=len(X))
    weighted = initial_responsibilities("kmeans", X, 3, weights, 0)(slice(None))
    repeated = initial_responsibilities(
        "kmeans", np.repeat(X, weights, axis=0), 3, None, 0
    )(slice(None))
    assert_array_equal(np.repeat(weighted, weights, axis=0), repeated)


def test_rows_blurred_by_the_kmeans_grid_are_not_called_too_few():
    # Three clouds 1e-14 of the data's spread across are 30 distinct rows;
    # on k-means' grid (2**-40 of their spread) they are 3 points. The
    # warning said "the number of distinct rows (3) is smaller than
    # n_components" and advised fewer components.
    X = _THREE_POINTS + 1e-14 * np.random.default_rng(0).normal(size=(30, 2))
    with pytest.warns(ConvergenceWarning, match="only 3 distinct points") as info:
        initial_responsibilities("kmeans", X, 4, None, 0)(slice(None))
    message = str(info[0].message)
    assert "Remove the outlying rows" in message
    assert "Reduce n_components" not in message
    # Rows that are few indeed keep the advice.
    with pytest.warns(ConvergenceWarning, match="Reduce n_components"):
        initial_responsibilities("kmeans", np.repeat(X[:2], 5, axis=0), 4, None, 0)


def test_weights_beyond_float_range_of_each_other_are_refused_by_name():
    X = np.random.default_rng(1).normal(size=(30, 3))
    weights = np.r_[1e170, np.full(29, 1e-170)]
    with pytest.raises(ValueError, match="within float64's range"):
        GaussianMixture(2).fit(X, sample_weight=weights)


def test_equal_weights_start_kmeans_as_no_weights_on_lattice_data(random_clusters):
    # Integer rows (30 distinct values): unit weights, or weights of 3, gave
    # another k-means start than none (the weighted spread rounds otherwise
    # and lattice ties fell another way); the fits ended 1.3 apart in a mean.
    seed = 9020
    X, k, _ = random_clusters(seed)
    n = X.shape[0]
    X = np.round(X * 0.5)
    settings = dict(n_components=k, covariance_type="VEI", random_state=seed, tol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = GaussianMixture(**settings).fit(X)
        for weights in (np.ones(n), np.full(n, 3.0)):
            weighted = GaussianMixture(**settings).fit(X, sample_weight=weights)
            assert_allclose(weighted.means_, plain.means_, rtol=1e-12, atol=1e-12)
