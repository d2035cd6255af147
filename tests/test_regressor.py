"""Tests of GaussianMixtureRegressor."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LinearRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_estimators import GaussianMixtureRegressor, condition
from gmm_estimators.exceptions import DegenerateFitWarning


@parametrize_with_checks(
    [GaussianMixtureRegressor(n_components=2, max_iter=20, random_state=0)]
)
def test_check_estimator(estimator, check):
    check(estimator)


def test_one_component_is_least_squares(rng):
    X = rng.randn(80, 3)
    y = X @ [1.0, -2.0, 0.5] + 3.0 + 0.3 * rng.randn(80)
    reg = GaussianMixtureRegressor(n_components=1, reg_covar=0.0).fit(X, y)
    ols = LinearRegression().fit(X, y)
    X_new = rng.randn(5, 3)
    mean, std = reg.predict(X_new, return_std=True)
    assert_allclose(mean, ols.predict(X_new), rtol=1e-8)
    residual_variance = np.mean((y - ols.predict(X)) ** 2)
    assert_allclose(std, np.sqrt(residual_variance), rtol=1e-8)
    assert mean.shape == std.shape == (5,)


def piecewise(rng, n=300):
    X = rng.uniform(-3, 3, size=(n, 1))
    y = np.where(X[:, 0] < 0, -X[:, 0], 2 * X[:, 0]) + 0.1 * rng.randn(n)
    return X, y


def test_nonlinear_target(rng):
    X, y = piecewise(rng)
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.95
    mean, std = reg.predict([[-2.0], [2.0]], return_std=True)
    assert_allclose(mean, [2.0, 4.0], atol=0.1)
    assert np.all(std < 0.3)


def test_predict_is_conditional_mean(rng):
    X, y = piecewise(rng, n=100)
    reg = GaussianMixtureRegressor(n_components=3, random_state=0).fit(X, y)
    cond = condition(reg.mixture_, X[:5], [0])
    assert_allclose(reg.predict(X[:5]), cond.mean()[:, 0])
    assert_allclose(
        reg.predict(X[:5], return_std=True)[1], np.sqrt(cond.covariance()[:, 0, 0])
    )


def test_multi_output_and_sample_y(rng):
    X = rng.randn(120, 2)
    Y = np.column_stack([X[:, 0] + 0.1 * rng.randn(120), X[:, 1] - X[:, 0]])
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, Y)
    mean, std = reg.predict(X[:4], return_std=True)
    assert mean.shape == std.shape == (4, 2)
    draws = reg.sample_y(X[:4], n_samples=3000, random_state=0)
    assert draws.shape == (4, 2, 3000)
    assert_allclose(draws.mean(axis=2), mean, atol=4 * std.max() / np.sqrt(3000))
    assert_allclose(draws.std(axis=2), std, rtol=0.1)
    assert_array_equal(draws, reg.sample_y(X[:4], n_samples=3000, random_state=0))
    single = GaussianMixtureRegressor(n_components=1).fit(X, Y[:, 0])
    assert single.sample_y(X[:4], n_samples=5).shape == (4, 5)


def test_missing_inputs_are_marginalised(rng):
    X = rng.randn(150, 2)
    y = X[:, 0] + 2 * X[:, 1] + 0.1 * rng.randn(150)
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    X_new = np.array([[0.5, np.nan], [np.nan, -1.0], [0.5, -1.0]])
    mean, std = reg.predict(X_new, return_std=True)
    only_first = condition(reg.mixture_, [[0.5]], [0])
    only_second = condition(reg.mixture_, [[-1.0]], [1])
    both = condition(reg.mixture_, [[0.5, -1.0]], [0, 1])
    assert_allclose(mean[0], only_first.mean()[0, 1])
    assert_allclose(mean[1], only_second.mean()[0, 1])
    assert_allclose(mean[2], both.mean()[0, 0])
    assert_allclose(std[0], np.sqrt(only_first.covariance()[0, 1, 1]))
    assert_allclose(std[1], np.sqrt(only_second.covariance()[0, 1, 1]))
    # Fitting with missing inputs works too.
    X_missing = X.copy()
    X_missing[rng.rand(150) < 0.2, 1] = np.nan
    fitted = GaussianMixtureRegressor(n_components=1).fit(X_missing, y)
    assert fitted.score(X, y) > 0.95


def test_conditional_with_missing_inputs_is_usable(rng):
    # Rows given different features have their own conditional covariances
    # (one stack per row): the returned ConditionalMixture's covariance()
    # and sample() handle them as the regressor's predict and sample_y do
    # (they failed with an einsum error).
    X = rng.randn(150, 2)
    y = X[:, 0] + 2 * X[:, 1] + 0.1 * rng.randn(150)
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    X_new = np.array([[0.5, np.nan], [np.nan, -1.0], [0.5, -1.0]])
    conditional = reg.conditional(X_new)
    assert conditional.covariances.shape == (3, 2, 1, 1)
    covariance = conditional.covariance()
    assert covariance.shape == (3, 1, 1)
    for row, given in ((0, [0]), (1, [1]), (2, [0, 1])):
        alone = condition(reg.mixture_, X_new[row : row + 1, given], given)
        assert_allclose(covariance[row], alone.covariance()[0][-1:, -1:])
    mean, std = reg.predict(X_new, return_std=True)
    assert_allclose(std, np.sqrt(covariance[:, 0, 0]))
    draws = conditional.sample(4000, random_state=0)
    assert draws.shape == (3, 4000, 1)
    assert_allclose(draws[:, :, 0].mean(axis=1), mean, atol=4 * std.max() / 60)
    assert_allclose(draws[:, :, 0].std(axis=1), std, rtol=0.1)
    assert_array_equal(
        reg.sample_y(X_new, n_samples=4000, random_state=0), draws[:, :, 0]
    )


def test_bad_input(rng):
    X = rng.randn(10, 2)
    y = rng.randn(10)
    y[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GaussianMixtureRegressor(n_components=1).fit(X, y)
    reg = GaussianMixtureRegressor(n_components=1).fit(X, rng.randn(10))
    with pytest.raises(ValueError, match="n_samples.*whole number"):
        reg.sample_y(X, n_samples=0)


def test_row_without_inputs_gets_marginal_of_target(rng):
    X = rng.randn(40, 2)
    y = X[:, 0] + rng.randn(40)
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    mixture = reg.mixture_
    assert_allclose(
        reg.predict([[np.nan, np.nan]]), [mixture.weights_ @ mixture.means_[:, 2]]
    )


def test_warnings_name_the_columns_of_x_and_y():
    # The joint mixture's warnings counted the targets as more features of
    # X: a constant y was "feature(s) 2 of X", which X (2 columns) lacks.
    rng = np.random.RandomState(0)
    X = rng.randn(60, 2)
    with pytest.warns(UserWarning, match=r"^target\(s\) 0 of y are constant"):
        GaussianMixtureRegressor(2, random_state=0).fit(X, np.full(60, 5.0))
    X[:, 0] = 1.0
    with pytest.warns(UserWarning, match=r"feature\(s\) 0 of X and target\(s\) 0 of y"):
        GaussianMixtureRegressor(2, random_state=0).fit(X, np.full(60, 5.0))
    with pytest.warns(UserWarning, match="target 0 of y has variance"):
        y = 1e-5 * rng.randn(60)
        GaussianMixtureRegressor(2, random_state=0).fit(rng.randn(60, 2), y)


def test_collapse_warnings_give_the_regressors_remedies_and_attributes():
    # The joint mixture's warning advised prior='default' (the regressor has
    # no prior), pointed at collapsed_components_ (mixture_ has them) and
    # left the joint columns of a direction as [0, 2].
    rng = np.random.RandomState(0)
    X = rng.randn(100, 2)
    y = X[:, 0] + rng.randn(100) * 0.1
    X_tied = np.r_[X[:50], np.repeat(X[50:51], 50, axis=0)]
    y_tied = np.r_[y[:50], np.repeat(y[50:51], 50)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = GaussianMixtureRegressor(2, random_state=0).fit(X_tied, y_tied)
    (message,) = [str(c.message) for c in caught if c.category is DegenerateFitWarning]
    assert message.startswith("GaussianMixtureRegressor (its joint mixture")
    assert "prior" not in message
    assert "stored in mixture_.collapsed_components_" in message
    assert fitted.mixture_.collapsed_components_.size
    X_missing = X.copy()
    X_missing[rng.rand(100, 2) < 0.5] = np.nan
    with pytest.warns(DegenerateFitWarning) as caught:
        GaussianMixtureRegressor(3, random_state=0).fit(X_missing[:12], y[:12])
    text = " ".join(str(c.message) for c in caught)
    assert "direction (feature(s) 0 of X and target(s) 0 of y)" in text
    assert "[0, 2]" not in text


def test_targets_whose_squares_overflow_are_named():
    # The joint data's check blamed X and advised rescaling it.
    rng = np.random.RandomState(0)
    X = rng.randn(50, 2)
    with pytest.raises(ValueError, match=r"^y has values .* Rescale y"):
        GaussianMixtureRegressor(2, random_state=0).fit(X, rng.randn(50) * 1e160)


@pytest.mark.parametrize("covariance_type", ["E", "V"])
def test_one_feature_structures_are_refused_in_the_regressors_terms(covariance_type):
    # The joint mixture's error said "the data has n_features=2" for an X of
    # one feature.
    rng = np.random.RandomState(0)
    X = rng.randn(50, 1)
    regressor = GaussianMixtureRegressor(covariance_type=covariance_type)
    with pytest.raises(ValueError, match=r"joint mixture of X and y \(1 \+ 1 columns"):
        regressor.fit(X, X[:, 0] + rng.randn(50))


def test_targets_x_determines_exactly_are_reported_in_the_regressors_terms():
    # The span warning spoke of "the rows of X" and advised projecting X with
    # PCA, for targets that are a linear function of X.
    rng = np.random.RandomState(0)
    X = rng.randn(100, 2)
    with pytest.warns(UserWarning) as caught:
        GaussianMixtureRegressor(2, random_state=0).fit(X, X @ [1.0, 2.0])
    (message,) = [str(c.message) for c in caught if "span" in str(c.message)]
    assert message.startswith("the rows of [X, y] span 2 of the 3 dimensions")
    assert "LinearRegression" in message and "PCA" not in message


def test_boolean_n_components_is_a_parameter_error(rng):
    # bool is an Integral: n_components=True reached the engine as numpy's
    # "TypeError: an integer is required".
    X = rng.randn(30, 2)
    with pytest.raises(ValueError, match="'n_components' parameter .* Got True"):
        GaussianMixtureRegressor(n_components=True).fit(X, X[:, 0])


def test_score_checks_and_rescales_sample_weight(rng):
    # RegressorMixin.score took negative weights, and weights near 1e308
    # overflowed r2_score's sums into NaN with numpy's RuntimeWarnings; the
    # weights are checked as fit checks them, and a common factor (R^2 is
    # a ratio of weighted sums) changes nothing.
    X = rng.randn(60, 1)
    y = 2.0 * X[:, 0] + rng.randn(60)
    reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    w = rng.uniform(0.5, 1.0, 60)
    residual = np.average((y - reg.predict(X)) ** 2, weights=w)
    spread = np.average((y - np.average(y, weights=w)) ** 2, weights=w)
    expected = 1.0 - residual / spread
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for factor in (1.0, 1e308, 1e-300):
            assert reg.score(X, y, sample_weight=factor * w) == pytest.approx(
                expected, rel=1e-12
            )
    for bad in (-w, np.zeros_like(w), w[1:]):
        with pytest.raises(ValueError, match="sample_weight|[Ss]ample weights"):
            reg.score(X, y, sample_weight=bad)


def test_the_joint_mixtures_errors_name_y_as_y():
    # The joint mixture of [X, y] called the target "Feature 2 of X" and
    # advised rescaling X.
    rng = np.random.RandomState(0)
    X = rng.randn(200, 2)
    y = (X @ [1.0, 2.0] + 0.1 * rng.randn(200)) * 1e-170
    regressor = GaussianMixtureRegressor(2, reg_covar=0, random_state=0)
    with pytest.raises(ValueError, match=r"^Target 0 of y varies.*Rescale y"):
        regressor.fit(X, y)
