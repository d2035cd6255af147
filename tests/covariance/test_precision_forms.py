"""Axis-aligned fits read their precisions' diagonals, with the matrices' answers."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from gmm_estimators import GaussianMixture, _spurious
from gmm_estimators._resting_rows import own_axes_spread
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.covariance._exact import PrecisionGuard
from gmm_estimators.covariance._precision_forms import (
    DiagonalPrecisions,
    FullPrecisions,
)


def _diagonals(rng, n_components=4, n_features=6):
    diagonals = rng.uniform(0.1, 10.0, size=(n_components, n_features))
    diagonals[1, 2] = np.inf  # a component whose precision overflowed
    diagonals[2, 0] = 0.0
    return diagonals


def _matrices(diagonals):
    K, d = diagonals.shape
    full = np.zeros((K, d, d))
    full[:, np.arange(d), np.arange(d)] = diagonals
    return full


def test_the_diagonal_summaries_are_the_matrices():
    rng = np.random.default_rng(0)
    diagonals = _diagonals(rng)
    diagonal, full = DiagonalPrecisions(diagonals), FullPrecisions(_matrices(diagonals))
    assert_array_equal(diagonal.reaches(), full.reaches())
    assert_array_equal(diagonal.absolute_row_sums(), full.absolute_row_sums())
    for live in (np.arange(4), np.array([0, 2, 3]), np.array([3])):
        assert_array_equal(
            diagonal.smallest_eigenvalues(live), full.smallest_eigenvalues(live)
        )
    assert_array_equal(diagonal.diagonals(), full.diagonals())
    units = np.array([0.5, 2.0, 4.0, 1.0, 0.25, 8.0])
    assert_array_equal(_matrices(diagonal.in_units(units)), full.in_units(units))
    assert_array_equal(diagonal.matrices, full.matrices)


@pytest.mark.parametrize("structure", ["VVI", "EEI", "VII", "EII", "diag"])
def test_an_axis_aligned_guard_matches_the_one_given_matrices(structure):
    # Features in units far apart: the guard in per-feature units
    # (_feature_units) exists on both sides, but for one variance.
    rng = np.random.default_rng(1)
    model = get_covariance_model(structure)
    X = np.r_[rng.normal(size=(60, 5)), rng.normal(size=(60, 5)) * 3 + 5]
    X *= [1.0, 1e3, 1e-3, 10.0, 1.0]
    gm = GaussianMixture(2, covariance_type=structure, random_state=0).fit(X)
    cholesky = np.asarray(gm.precisions_cholesky_)
    means = gm.means_ - X.mean(axis=0)
    per_feature = model.per_feature_precisions(cholesky, 5)

    def guard(precisions):
        with np.errstate(all="ignore"):
            return PrecisionGuard(
                model,
                means,
                cholesky,
                np.float64,
                residual=False,
                raw_means=gm.means_,
                scale=-0.5,
                offset=np.log(gm.weights_),
                precisions=precisions,
            )

    own, given = guard(None), guard(_matrices(per_feature))
    assert isinstance(own._precisions, DiagonalPrecisions)
    assert isinstance(given._precisions, FullPrecisions)
    for name in ("factor", "residual_factor", "lowest", "_shares_precisions"):
        assert_array_equal(getattr(own, name), getattr(given, name))
    assert own._quick_factor == given._quick_factor
    scaled = own._feature_units, given._feature_units
    if structure in ("VII", "EII"):  # one precision for every feature
        assert scaled == (None, None)
        return
    assert_array_equal(scaled[0]._precisions.matrices, scaled[1]._precisions.matrices)


def test_wide_diagonal_ratios_are_those_of_the_eigenvalue_problems(monkeypatch):
    rng = np.random.default_rng(2)
    full = _matrices(rng.uniform(1e-6, 1.0, size=(4, 40)))
    full[3, 5, 5] = 0.0  # no Cholesky factor: left out as a reference
    components = [0, 1, 2, 3]
    fast = _spurious.smallest_variance_ratios(full, components)
    none_narrow = _spurious._none_narrow(full, components)
    monkeypatch.setattr(_spurious, "_DIAGONAL_FROM", 10**6)
    slow = _spurious.smallest_variance_ratios(full, components)
    assert fast.keys() == slow.keys()
    for k in components:
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-12)
    assert none_narrow == _spurious._none_narrow(full, components)
    # A matrix with an off-diagonal entry is solved as before.
    full[0, 1, 2] = full[0, 2, 1] = 1e-3
    assert _spurious._diagonals_of(full) is None


def test_no_more_rows_than_features_span_no_direction_more(monkeypatch):
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(5, 8))
    centred = rows - rows.mean(axis=0)
    scatter = centred.T @ centred / 5
    assert own_axes_spread(scatter, 1e-12, 1e-6) == (True, False)
    # Said without the d x d eigenvalues (most of a wide fit's time).
    with monkeypatch.context() as patched:
        patched.setattr(np.linalg, "eigvalsh", None)
        assert own_axes_spread(scatter, 1e-12, 1e-6, count=5) == (True, False)
        assert own_axes_spread(scatter, 1e-12, 1e-6, count=8) == (True, False)
    rows = rng.normal(size=(50, 8))
    centred = rows - rows.mean(axis=0)
    assert own_axes_spread(centred.T @ centred / 50, 1e-12, 1e-6, count=50) == (
        True,
        True,
    )


def test_a_component_without_variance_borrows_the_datas_per_feature():
    # Without reg_covar (strict), a component with no variance borrows each
    # feature's variance in the data, scaled by the first rung: borrowed
    # from the stack's largest on every feature, a feature in units 1e6
    # times smaller got a variance 1e12 times its data's.
    from gmm_estimators.covariance._linalg import (
        _positive_sqrt_inverse,
        _safe_cholesky,
        strict_factorisation,
    )

    units = np.array([1e6, 1e-6])
    spread = np.diag([2e5, 3e-7])
    stack = np.stack([spread, np.zeros((2, 2))])
    with strict_factorisation(True, units):
        chol, jittered = _safe_cholesky(stack)
        root, flagged = _positive_sqrt_inverse(
            np.stack([np.diag(spread), [0.0, 0.0]]), True
        )
    assert_allclose(np.diag(chol[1] @ chol[1].T), 1e-15 * units, rtol=1e-12)
    assert_allclose(chol[0] @ chol[0].T, spread, rtol=1e-12)
    assert list(jittered) == [False, True]
    assert_allclose(1.0 / root[1] ** 2, 1e-15 * units, rtol=1e-12)
    assert list(flagged) == [False, True]
    # Without strictness (reg_covar > 0) the stack's largest, as before.
    chol, _ = _safe_cholesky(stack)
    assert_allclose(np.diag(chol[1] @ chol[1].T), [2e-10, 2e-10], rtol=1e-12)
