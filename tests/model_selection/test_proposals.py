"""The thorough search's split and merge proposals between numbers of components."""

from types import SimpleNamespace

import numpy as np
from numpy.testing import assert_array_equal

from gmm_estimators.model_selection._starts import (
    merge_proposal,
    split_proposal,
    split_proposals,
)


def _two_tied_components(variances_0, variances_1):
    """Two diagonal components of 6 rows each (as EVI fits them), means apart."""
    rng = np.random.RandomState(0)
    means = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])
    X = np.vstack(
        [
            means[0] + rng.randn(6, 3) * np.sqrt(variances_0),
            means[1] + rng.randn(6, 3) * np.sqrt(variances_1),
        ]
    )
    estimator = SimpleNamespace(
        labels_=np.repeat([0, 1], 6),
        means_=means,
        covariances_=np.array([variances_0, variances_1]),
        covariance_type="EVI",
    )
    return estimator, X


def test_a_split_between_components_tied_up_to_rounding_takes_the_first():
    # Equal volumes (EVI) and equal counts: the two scores are equal in exact
    # arithmetic, and their log-determinants differ in the last bit (the
    # diagonal's product in another order), which a change of units moves.
    # The first component is split, whichever rounds higher: on the leuk
    # data (MASS) the choice flipped at X * 1e3 and so did EVI's cells.
    variances = np.array([2.83430482, 3.63290896, 3.09326421])
    permuted = variances[[2, 0, 1]]
    log_dets = np.linalg.slogdet(np.array([np.diag(variances), np.diag(permuted)]))[1]
    assert log_dets[1] > log_dets[0]  # the second rounds higher
    for first, second in ((variances, permuted), (permuted, variances)):
        estimator, X = _two_tied_components(first, second)
        labels = split_proposal(estimator, X)
        assert_array_equal(labels[6:], 1)
        assert set(labels[:6]) == {0, 2}


def test_proposals_do_not_depend_on_the_units():
    variances = np.array([2.83430482, 3.63290896, 3.09326421])
    estimator, X = _two_tied_components(variances, variances[[2, 0, 1]])
    log_units = float(np.log(X.var(axis=0)).sum())
    expected = split_proposal(estimator, X, log_units)
    for scale in (1e-3, 1e3):
        scaled = SimpleNamespace(
            labels_=estimator.labels_,
            means_=estimator.means_ * scale,
            covariances_=estimator.covariances_ * scale**2,
            covariance_type="EVI",
        )
        log_scaled = float(np.log((X * scale).var(axis=0)).sum())
        assert_array_equal(split_proposal(scaled, X * scale, log_scaled), expected)


def _three_components(rows, scale=1.0):
    """Three spherical clusters of different spreads; the third of 3 rows."""
    rng = np.random.RandomState(1)
    spreads = np.array([1.0, 3.0, 2.0])
    means = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    labels = np.repeat([0, 1, 2], rows)
    X = means[labels] + rng.randn(labels.size, 2) * spreads[labels, np.newaxis]
    estimator = SimpleNamespace(
        labels_=labels,
        means_=means * scale,
        covariances_=np.repeat(spreads[:, np.newaxis] ** 2, 2, axis=1) * scale**2,
        covariance_type="VVI",
    )
    return estimator, X * scale


def test_every_component_with_rows_enough_is_split_in_turn():
    # Worst-fitting first (largest N_k log det Sigma_k in standardised
    # units): the wide cluster of 20 rows, then the narrow one of 60; the
    # third rests on 3 rows (at most d + 1) and is not cut. In the data's
    # own units the order would flip between X * 1e-3 and X * 1e3.
    estimator, X = _three_components([60, 20, 3])
    proposals = list(split_proposals(estimator, X))
    assert len(proposals) == 2
    for labels, split in zip(proposals, [1, 0], strict=True):
        # One component cut in two across its principal axis, others kept.
        assert set(labels[estimator.labels_ == split]) == {split, 3}
        kept = estimator.labels_ != split
        assert_array_equal(labels[kept], estimator.labels_[kept])
    assert_array_equal(split_proposal(estimator, X), proposals[0])
    # The order is that of standardised data, whatever the units.
    log_units = float(np.log(X.var(axis=0)).sum())
    expected = list(split_proposals(estimator, X, log_units))
    for scale in (1e-3, 1e3):
        scaled, X_scaled = _three_components([60, 20, 3], scale)
        log_scaled = float(np.log(X_scaled.var(axis=0)).sum())
        got = list(split_proposals(scaled, X_scaled, log_scaled))
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert_array_equal(a, b)


def test_merge_joins_the_two_most_overlapping_components():
    resp = np.array(
        [[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.4, 0.6, 0.0], [0.0, 0.0, 1.0]]
    )
    with np.errstate(divide="ignore"):
        log_resp = np.log(resp)
    estimator = SimpleNamespace(
        predict_log_proba=lambda X: log_resp, labels_=resp.argmax(axis=1)
    )
    assert_array_equal(merge_proposal(estimator, None), [0, 0, 0, 1])


def test_merge_of_clusters_far_apart_joins_the_nearest_in_any_order():
    # Tight clusters far apart: every overlap of responsibilities underflows
    # to 0 and the first pair by index was merged, so the proposal depended
    # on the components' order (row order, rescalings by powers of two).
    # In logarithms the overlaps differ: the two nearest clusters merge.
    from gmm_estimators import GaussianMixture

    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [2.5, 40.0]])
    X = np.vstack([rng.normal(c, 0.001, size=(40, 2)) for c in centres])
    truth = np.repeat([0, 1, 2], 40)
    for seed in range(4):
        fitted = GaussianMixture(3, covariance_type="spherical", random_state=seed)
        fitted.fit(X[rng.permutation(len(X))])
        fitted.labels_ = fitted.predict(X)
        merged = merge_proposal(fitted, X)
        assert len(set(merged[truth < 2])) == 1
        assert set(merged[truth == 2]).isdisjoint(merged[truth < 2])


def test_rows_on_the_cut_and_tied_axes_split_the_same_in_any_units():
    # Lattice rows at a component's value, whose soft mean is that value to
    # 1.7e-13: the cut through the mean put them on one side in X and on the
    # other at X + 1e4, where the mean rounds to the value itself. Within
    # 1e-9 of the spread they now stay.
    f0 = np.array([1, 1, 1, 2, 1, 0, 3, 4, 3, 4, 3, 4.0])
    f1 = np.array([0.1, 0.2, -0.1, 0.0, 0.3, -0.2, 0.1, 0.2, -0.1, 0.0, 0.3, -0.2])
    proposals = []
    for shift in (0.0, 1e4):
        estimator = SimpleNamespace(
            labels_=np.repeat([0, 1], 6),
            means_=np.array([[1 - 1.67e-13, 0.05], [3.5, 0.05]]) + shift,
            covariance_type="EEI",
            covariances_=np.array([0.6, 0.03]),
        )
        proposals.append(list(split_proposals(estimator, np.c_[f0, f1] + shift)))
    for one, other in zip(*proposals, strict=True):
        assert_array_equal(one, other)
    # A component with equal variances on two features (a spherical one):
    # which eigenvector eigh puts last could be rounding; the split takes the
    # coordinate axis nearest their span, the last feature (eigh's axis of a
    # multiple of the identity), in any units.
    rng = np.random.RandomState(3)
    X = np.r_[rng.randn(20, 2), rng.randn(20, 2) + 8]
    for scale in (1.0, 1e-3, 1e3):
        estimator = SimpleNamespace(
            labels_=np.repeat([0, 1], 20),
            means_=X.reshape(2, 20, 2).mean(axis=1) * scale,
            covariance_type="VII",
            covariances_=np.array([1.0, 2.0]) * scale**2,
        )
        split = next(split_proposals(estimator, X * scale, count=1))
        rows = split[20:] == 2
        assert_array_equal(rows, X[20:, 1] > X[20:].mean(axis=0)[1])
