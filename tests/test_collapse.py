"""The collapse check's passes: one E-step serves the check and its caller."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from gmm_estimators import GaussianMixture, _collapse
from gmm_estimators._collapse import component_check
from gmm_estimators._engine import ArraySource, Params, reduce_blocks
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.exceptions import DegenerateFitWarning
from gmm_estimators.model_selection._final_estep import row_terms


def _fitted(rng, dtype, weighted, noise, covariance_type="full"):
    X = np.vstack([rng.randn(150, 3), rng.randn(120, 3) * 0.5 + 4.0])
    X = X.astype(dtype)
    weights = rng.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    gm.fit(X, sample_weight=weights)
    data = ArraySource.from_arrays(X, weights)
    extra = {}
    if noise:
        extra = {"noise_proportion": 0.05, "noise_log_volume": 4.0}
    params = Params(
        np.asarray(gm.weights_, np.float64) * (0.95 if noise else 1.0),
        np.asarray(gm.means_, np.float64) - data.center,
        np.asarray(gm.covariances_, np.float64),
        np.asarray(gm.precisions_cholesky_, np.float64),
        **extra,
    )
    return get_covariance_model(covariance_type), data, params


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("noise", [False, True])
def test_terms_in_the_check_equal_a_separate_pass(rng, dtype, weighted, noise):
    """The selector's criteria terms from the check's pass are bitwise those of
    a pass of their own, and keeping the blocks changes no verdict."""
    model, data, params = _fitted(rng, dtype, weighted, noise)
    jittered = np.zeros(3, dtype=bool)
    verdict = component_check(model, data, params, jittered, terms=True)
    assert verdict.terms is not None
    assert_array_equal(verdict.terms, reduce_blocks(model, data, params, row_terms))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_collapse, "_KEPT_BYTES", 0)
        streamed = component_check(model, data, params, jittered, terms=True)
    assert streamed.terms is None
    assert_array_equal(streamed.collapsed, verdict.collapsed)
    assert_array_equal(streamed.spurious, verdict.spurious)
    assert streamed.reasons == verdict.reasons


def test_collapsing_components_are_flagged_with_the_reason(rng):
    model, data, params = _fitted(rng, np.float64, False, False)
    verdict = component_check(
        model, data, params, np.zeros(3, dtype=bool), collapsing=np.array([1])
    )
    assert_array_equal(verdict.collapsed, [1])
    assert "EM stopped" in verdict.reasons[1]
    assert "rows' worth" in verdict.reasons[1]


def test_a_run_that_broke_down_is_ranked_as_flagged():
    # The selector ranks a cell's runs by their verdict: one whose next
    # M-step had no finite maximum must not pass as sound (its singular
    # component, or every one when none is singular alone).
    from gmm_estimators._collapse import Verdict, with_breakdown
    from gmm_estimators._engine import Params
    from gmm_estimators.covariance import get_covariance_model

    model = get_covariance_model("VVV")
    covariances = np.stack([np.eye(2), np.array([[1.0, 1.0], [1.0, 1.0]])])
    params = Params(np.full(2, 0.5), np.zeros((2, 2)), covariances, None)
    sound = Verdict(np.zeros(0, np.intp), np.array([1]), {1: "narrow"})
    flagged = with_breakdown(sound, model, params)
    assert flagged.collapsed.tolist() == [1] and flagged.spurious.size == 0
    both = with_breakdown(
        sound,
        model,
        Params(np.full(2, 0.5), np.zeros((2, 2)), np.stack([np.eye(2)] * 2), None),
    )
    assert both.collapsed.tolist() == [0, 1]


def test_a_fit_reads_rounded_rows_far_from_the_origin_as_one_point():
    # 30 rows that differ only by up to two spacings of their values beside
    # a cluster of sd 1, all 1e6 from the origin: the fit's check measured
    # them from the data's centre only and called the component spurious
    # (narrow), not collapsed onto one point.
    rng = np.random.RandomState(1)
    point = np.array([1e6 + 3.0, 1e6 - 3.0])
    wobble = rng.randint(-2, 3, size=(30, 2)) * np.spacing(point)
    X = np.vstack([rng.randn(300, 2) + 1e6, point + wobble])
    means = np.array([X[:300].mean(axis=0), X[300:].mean(axis=0)])
    with pytest.warns(DegenerateFitWarning, match="lower-dimensional set"):
        fitted = GaussianMixture(2, means_init=means, random_state=0).fit(X)
    assert fitted.collapsed_components_.tolist() == [1]


@pytest.mark.parametrize("structure, spurious", [("EVE", True), ("VVV", False)])
def test_a_run_stopped_on_a_thin_component_under_an_equal_volume(
    rng, structure, spurious
):
    # EM stopped on a component of 2 rows in 2-D: under an equal volume it
    # crept towards a bounded needle, which the check calls spurious; under
    # an own volume towards an unbounded limit (collapsed).
    X = np.vstack([rng.randn(100, 2), rng.randn(100, 2) + 8.0, [[20, 3], [21, 3]]])
    labels = np.repeat(np.arange(3), [100, 100, 2])
    data = ArraySource.from_arrays(X, None)
    means = np.array([X[labels == k].mean(axis=0) for k in range(3)])
    covariances = np.array(
        [np.cov(X[labels == k].T, bias=True) + 1e-6 * np.eye(2) for k in range(3)]
    )
    params = Params(
        np.bincount(labels) / X.shape[0],
        means - data.center,
        covariances,
        np.linalg.cholesky(np.linalg.inv(covariances)),
    )
    model = get_covariance_model(structure)
    verdict = component_check(
        model, data, params, np.zeros(3, dtype=bool), collapsing=np.array([2])
    )
    if spurious:
        assert_array_equal(verdict.spurious, [2])
        assert verdict.collapsed.size == 0
        assert "a bounded gain" in verdict.reasons[2]
    else:
        assert_array_equal(verdict.collapsed, [2])
