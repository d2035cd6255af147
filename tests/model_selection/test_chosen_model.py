"""The selector's methods that ask its chosen model (``_chosen_model``)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from gmm_estimators.model_selection import GaussianMixtureIC

_ROWS = ("predict", "predict_proba", "predict_log_proba", "score_samples")
_CRITERIA = ("score", "bic", "aic", "icl")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(60, 2), rng.randn(40, 2) * 0.5 + [4.0, 1.0]]
    selector = GaussianMixtureIC(
        n_components=[1, 2, 3], covariance_types=["VVV", "EII"], random_state=0
    ).fit(X)
    return selector, rng.randn(15, 2) * 2.0, rng.uniform(0.5, 2.0, 15)


@pytest.mark.parametrize("method", _ROWS)
def test_row_methods_are_the_chosen_models(fitted, method):
    selector, Y, _ = fitted
    ours = getattr(selector, method)(Y)
    theirs = getattr(selector.best_estimator_, method)(Y)
    assert_array_equal(ours, theirs)


@pytest.mark.parametrize("method", _CRITERIA)
def test_criteria_are_the_chosen_models_with_weights(fitted, method):
    selector, Y, w = fitted
    best = selector.best_estimator_
    assert getattr(selector, method)(Y) == getattr(best, method)(Y)
    weighted = getattr(selector, method)(Y, sample_weight=w)
    assert weighted == getattr(best, method)(Y, sample_weight=w)
    assert weighted != getattr(selector, method)(Y)


def test_draws_follow_the_selectors_random_state(fitted):
    selector, _, _ = fitted
    first, labels = selector.sample(7)
    assert first.shape == (7, 2) and labels.shape == (7,)
    assert_allclose(selector.sample(7)[0], first)
    assert_allclose(first, selector.best_estimator_.sample(7, random_state=0)[0])


@pytest.mark.parametrize("method", _ROWS + _CRITERIA)
def test_unfitted_and_mismatched_inputs_are_refused(fitted, method):
    selector, Y, _ = fitted
    with pytest.raises(NotFittedError):
        getattr(GaussianMixtureIC(), method)(Y)
    with pytest.raises(ValueError, match="features"):
        getattr(selector, method)(np.c_[Y, Y])
