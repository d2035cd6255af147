"""Tests of the marginals and conditionals of Gaussian mixtures (_conditional)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate
from scipy.stats import multivariate_normal

from gmm_estimators import (
    ConditionalMixture,
    GaussianMixture,
    GaussianMixtureRegressor,
    condition,
)
from gmm_estimators._conditional import (
    conditional_gaussians,
    marginal_log_prob,
    missing_patterns,
)


def random_mixture(rng, n_components, n_features):
    weights = rng.dirichlet(np.ones(n_components))
    means = rng.randn(n_components, n_features) * 2
    factors = rng.randn(n_components, n_features, n_features)
    covariances = factors @ factors.transpose(0, 2, 1) + 0.5 * np.eye(n_features)
    return weights, means, covariances


def mixture_logpdf(x, weights, means, covariances):
    return np.logaddexp.reduce(
        [
            np.log(w) + multivariate_normal(m, c).logpdf(x)
            for w, m, c in zip(weights, means, covariances, strict=True)
        ],
        axis=0,
    )


def test_missing_patterns_partition_rows():
    X = np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, 4.0], [5.0, np.nan]])
    patterns = missing_patterns(X)
    rows = np.sort(np.concatenate([p.rows for p in patterns]))
    assert_allclose(rows, np.arange(4))
    by_missing = {tuple(p.missing): p.rows.tolist() for p in patterns}
    assert by_missing == {(): [2], (0,): [1], (1,): [0, 3]}


def test_marginal_log_prob_matches_scipy(rng):
    weights, means, covariances = random_mixture(rng, 3, 4)
    X = rng.randn(30, 4) * 2
    X[rng.rand(30, 4) < 0.35] = np.nan
    X[0] = [np.nan, 1.0, np.nan, np.nan]
    weighted = marginal_log_prob(X, weights, means, covariances)
    for i, row in enumerate(X):
        o = ~np.isnan(row)
        if not o.any():
            assert_allclose(weighted[i], np.log(weights))
            continue
        expected = [
            np.log(w) + multivariate_normal(m[o], c[np.ix_(o, o)]).logpdf(row[o])
            for w, m, c in zip(weights, means, covariances, strict=True)
        ]
        assert_allclose(weighted[i], expected, rtol=1e-10)


def test_condition_single_gaussian_closed_form(rng):
    _, means, covariances = random_mixture(rng, 1, 5)
    mu, sigma = means[0], covariances[0]
    given, target = [3, 0], [1, 2, 4]
    X_given = rng.randn(6, 2)
    cond = condition((np.ones(1), means, covariances), X_given, given)
    s_tg = sigma[np.ix_(target, given)]
    s_gg_inv = np.linalg.inv(sigma[np.ix_(given, given)])
    expected_means = mu[target] + (X_given - mu[given]) @ (s_tg @ s_gg_inv).T
    expected_cov = sigma[np.ix_(target, target)] - s_tg @ s_gg_inv @ s_tg.T
    assert isinstance(cond, ConditionalMixture)
    assert_allclose(cond.features, target)
    assert_allclose(cond.weights, 1.0)
    assert_allclose(cond.mean(), expected_means, rtol=1e-10)
    assert_allclose(cond.covariances[0], expected_cov, rtol=1e-10, atol=1e-12)
    assert_allclose(cond.covariance(), np.broadcast_to(expected_cov, (6, 3, 3)))
    expected_log = multivariate_normal(mu[given], sigma[np.ix_(given, given)]).logpdf(
        X_given
    )
    assert_allclose(cond.log_marginal, expected_log, rtol=1e-10)


def test_condition_mixture_brute_force():
    """Conditional density, mean and variance by numerical integration."""
    rng = np.random.RandomState(3)
    weights, means, covariances = random_mixture(rng, 3, 2)
    x_given = 0.7
    cond = condition((weights, means, covariances), [[x_given]], [1])

    precisions = np.linalg.inv(covariances)
    norms = weights / (2 * np.pi * np.sqrt(np.linalg.det(covariances)))

    def joint(t):
        r = np.array([t, x_given]) - means
        return float(norms @ np.exp(-0.5 * np.einsum("ka,kab,kb->k", r, precisions, r)))

    assert_allclose(
        np.log(joint(0.4)), mixture_logpdf([0.4, x_given], weights, means, covariances)
    )

    marginal = integrate.quad(joint, -40, 40, epsabs=1e-13)[0]
    mean = integrate.quad(lambda t: t * joint(t), -40, 40, epsabs=1e-13)[0] / marginal
    second = integrate.quad(lambda t: t * t * joint(t), -40, 40, epsabs=1e-13)[0]
    variance = second / marginal - mean**2
    assert_allclose(cond.log_marginal[0], np.log(marginal), rtol=1e-7)
    assert_allclose(cond.mean()[0, 0], mean, rtol=1e-7)
    assert_allclose(cond.covariance()[0, 0, 0], variance, rtol=1e-7)
    # The density of the conditional mixture at a few targets.
    for t in (-2.0, 0.0, 1.5):
        density = sum(
            w * multivariate_normal(m, c).pdf(t)
            for w, m, c in zip(
                cond.weights[0],
                cond.means[0, :, 0],
                cond.covariances[:, 0, 0],
                strict=True,
            )
        )
        assert_allclose(density, joint(t) / marginal, rtol=1e-8)


def test_condition_accepts_fitted_mixture_and_mask(rng):
    X = rng.randn(60, 3)
    gm = GaussianMixture(2, covariance_type="diag", random_state=0).fit(X)
    by_index = condition(gm, X[:4, [0, 2]], [0, 2])
    by_mask = condition(gm, X[:4, [0, 2]], np.array([True, False, True]))
    assert_allclose(by_index.mean(), by_mask.mean())
    # A diagonal mixture: each component's conditional is its own marginal.
    assert_allclose(by_index.covariances[:, 0, 0], gm.covariances_[:, 1])


def test_given_features_order_follows_X_given(rng):
    weights, means, covariances = random_mixture(rng, 2, 3)
    X_given = rng.randn(5, 2)
    a = condition((weights, means, covariances), X_given, [2, 0])
    b = condition((weights, means, covariances), X_given[:, ::-1], [0, 2])
    assert_allclose(a.mean(), b.mean())


def test_conditional_gaussians_rows_without_observed_values(rng):
    weights, means, covariances = random_mixture(rng, 2, 2)
    X = np.array([[np.nan, np.nan]])
    (_, resp, cond_means, cond_covs, log_norm) = next(
        conditional_gaussians(X, weights, means, covariances)
    )
    assert_allclose(resp[0], weights)
    assert_allclose(cond_means[0], means)
    assert_allclose(cond_covs, covariances)
    assert_allclose(log_norm, 0.0)


def test_sample_matches_moments():
    rng = np.random.RandomState(1)
    weights, means, covariances = random_mixture(rng, 2, 3)
    cond = condition((weights, means, covariances), [[0.3], [-1.0]], [1])
    draws = cond.sample(20000, random_state=0)
    assert draws.shape == (2, 20000, 2)
    for i in range(2):
        std = np.sqrt(np.diag(cond.covariance()[i]))
        assert_allclose(draws[i].mean(axis=0), cond.mean()[i], atol=4 * std.max() / 140)
        assert_allclose(np.cov(draws[i].T), cond.covariance()[i], rtol=0.05, atol=0.05)
    again = cond.sample(5, random_state=0)
    assert_allclose(again, cond.sample(5, random_state=0))


def test_nearly_singular_block_gives_finite_results():
    covariances = np.array([[[1.0, 1.0 - 1e-17], [1.0 - 1e-17, 1.0]]])
    cond = condition((np.ones(1), np.zeros((1, 2)), covariances), [[1.0]], [0])
    assert np.all(np.isfinite(cond.mean()))
    assert np.all(np.isfinite(cond.covariances))


def test_a_singular_given_block_is_said_and_its_limit_returned():
    # Component 0 has x1 = x0 exactly: no density of (x0, x1) exists there,
    # and the weights come from the ridge its factor gets. Nothing was said.
    weights = np.array([0.5, 0.5])
    means = np.array([[0.0, 0.0, 0.0], [3.0, 3.0, 3.0]])
    covariances = np.array([np.eye(3), np.eye(3)])
    covariances[0, :2, :2] = 1.0
    covariances[0, :2, 2] = covariances[0, 2, :2] = 0.5
    rows = [[1.0, 1.0], [1.0, 2.0]]
    with pytest.warns(UserWarning, match=r"singular in component\(s\) 0: "):
        cond = condition((weights, means, covariances), rows, [0, 1])
    # The limit: the row on component 0's support takes its weight, with
    # the mean of the pseudo-inverse's regression (x2 | x0 + x1 = 2); the
    # row off it none.
    assert_allclose(cond.weights[:, 0], [1.0, 0.0], atol=1e-6)
    assert_allclose(cond.means[0, 0], [0.5], atol=1e-6)
    assert np.all(np.isfinite(cond.covariances))
    # Given features whose block is sound in every component: nothing said.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        condition((weights, means, covariances), rows, [0, 2])


@pytest.mark.parametrize(
    "given, X_given, match",
    [
        ([0, 0], [[1.0, 1.0]], "repeated"),
        ([5], [[1.0]], "out of range"),
        ([0, 1, 2], [[1.0, 1.0, 1.0]], "leave at least one"),
        ([0], [[np.nan]], "NaN"),
        ([0], [[1.0, 2.0]], "one column per given feature"),
        ([], [[1.0]], "empty"),
        ([0.5], [[1.0]], "integer indices"),
        (np.array([True, False]), [[1.0]], "length n_features"),
        # numpy's "cannot reshape array of size 3 into shape (2)" before:
        ([0, 1], [0.0, 1.0, 2.0], "one column per given feature"),
        # accepted as the unconditional mixture, where [] is refused:
        (np.zeros(3, dtype=bool), np.empty((1, 0)), "all False"),
    ],
)
def test_condition_bad_input(rng, given, X_given, match):
    weights, means, covariances = random_mixture(rng, 2, 3)
    with pytest.raises(ValueError, match=match):
        condition((weights, means, covariances), X_given, given)


def test_an_unfitted_mixture_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    from gmm_estimators.model_selection import GaussianMixtureIC

    for mixture in (GaussianMixture(2), GaussianMixtureIC()):
        with pytest.raises(NotFittedError):
            condition(mixture, [[0.0]], [0])
    with pytest.raises(TypeError, match="fitted Gaussian mixture"):
        condition(object(), [[0.0]], [0])


def test_given_values_beyond_every_components_range_stay_finite():
    # log N underflows to -inf for every component: the responsibilities
    # were NaN (0 / 0); now the mixture's weights, and the conditional mean
    # the components' regressions, finite.
    import warnings

    from gmm_estimators import GaussianMixtureImputer, GaussianMixtureRegressor

    rng = np.random.RandomState(0)
    X = rng.randn(200, 2)
    X[:, 1] += X[:, 0]
    gm = GaussianMixture(2, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        mean = condition(gm, [[1e155]], [0]).mean()
        regressor = GaussianMixtureRegressor(n_components=2, random_state=0)
        predicted, std = regressor.fit(X[:, :1], X[:, 1]).predict(
            [[1e155]], return_std=True
        )
        imputed = GaussianMixtureImputer(n_components=2, random_state=0).fit(X)
        filled = imputed.transform([[1e155, np.nan]])
    assert np.all(np.isfinite(mean)) and np.all(np.isfinite(predicted))
    assert np.all(np.isfinite(std)) and np.all(np.isfinite(filled))
    # The limit decides, as for GaussianMixture.predict_proba: the component
    # of the widest variance along the given feature (the smallest distance),
    # and the conditional mean is its regression.
    nearest = int(np.argmax(gm.covariances_[:, 0, 0]))
    slope = gm.covariances_[nearest, 1, 0] / gm.covariances_[nearest, 0, 0]
    expected = gm.means_[nearest, 1] + slope * (1e155 - gm.means_[nearest, 0])
    assert_allclose(mean[0, 0], expected, rtol=1e-9)
    assert gm.predict_proba([[1e155, 0.0]]).argmax() == nearest


# ---------------------------------------------------------------------------
# A noise component (noise=True) has no Gaussian conditional: refused.


def _noisy_data():
    rng = np.random.RandomState(0)
    return np.r_[rng.randn(150, 2), rng.randn(100, 2) + 4, rng.uniform(-5, 9, (60, 2))]


def test_condition_refuses_a_noise_component():
    X = _noisy_data()
    noisy = GaussianMixture(2, noise=True, random_state=0).fit(X)
    with pytest.raises(ValueError, match="noise component") as error:
        condition(noisy, [[-4.9], [8.9]], given_features=[0])
    message = str(error.value)
    assert "noise=False" in message
    assert "condition((mixture.weights_ / mixture.weights_.sum()" in message


def test_condition_refuses_a_selected_noise_model():
    from gmm_estimators.model_selection import GaussianMixtureIC

    selector = GaussianMixtureIC(
        n_components=[2], covariance_types=["VVV"], noise=True, random_state=0
    ).fit(_noisy_data())
    with pytest.raises(ValueError, match="noise component"):
        condition(selector, [[0.0]], [0])


def test_the_named_remedy_conditions_the_gaussian_part():
    noisy = GaussianMixture(2, noise=True, random_state=0).fit(_noisy_data())
    gaussian_part = (
        noisy.weights_ / noisy.weights_.sum(),
        noisy.means_,
        noisy.full_covariances_,
    )
    cond = condition(gaussian_part, [[0.0], [4.0]], [0])
    assert_allclose(cond.weights.sum(axis=1), 1.0)
    assert np.all(np.isfinite(cond.mean()))


def test_a_model_without_noise_is_still_conditioned():
    plain = GaussianMixture(2, random_state=0).fit(_noisy_data())
    assert plain.noise_volume_ is None
    cond = condition(plain, [[0.0]], [0])
    assert np.all(np.isfinite(cond.mean()))


def test_regressor_and_imputer_cannot_fit_a_noise_component():
    # They fit their own mixture (they call condition's machinery on it),
    # and they have no noise parameter, so their mixtures are Gaussian only.
    from gmm_estimators import GaussianMixtureImputer, GaussianMixtureRegressor

    X = _noisy_data()
    for estimator in (GaussianMixtureRegressor(2), GaussianMixtureImputer()):
        assert "noise" not in estimator.get_params()
    regressor = GaussianMixtureRegressor(2, random_state=0).fit(X[:, :1], X[:, 1])
    assert regressor.mixture_.noise_volume_ is None
    X_missing = X.copy()
    X_missing[::7, 1] = np.nan
    imputer = GaussianMixtureImputer(n_components=2, random_state=0).fit(X_missing)
    assert imputer.mixture_.noise_volume_ is None


def test_given_values_beyond_the_float_range_rest_on_the_nearest_component():
    # Every component's distance overflows at -1e200: the weights fell back
    # to weights_ (0.5, 0.5) though the posterior is (0, 1), and the
    # regressor's predictive std was inf.
    rng = np.random.RandomState(0)
    shifts = np.r_[np.zeros(100), 10 * np.ones(100)][:, None]
    X = rng.randn(200, 2) * np.array([1.0, 3.0]) + shifts
    gm = GaussianMixture(2, covariance_type="VVV", random_state=0).fit(X)
    given = np.array([[1e150], [-1e200]])
    widest = int(np.argmax(gm.covariances_[:, 0, 0]))
    cond = condition(gm, given, [0])
    expected = np.zeros((2, 2))
    expected[:, widest] = 1.0
    assert_array_equal(cond.weights, expected)
    assert cond.log_marginal[1] == -np.inf and np.isfinite(cond.log_marginal[0])
    proba = gm.predict_proba(np.c_[given, np.zeros(2)])
    assert_array_equal(proba.argmax(axis=1), widest)
    regressor = GaussianMixtureRegressor(n_components=2, random_state=0)
    _, std = regressor.fit(X[:, :1], X[:, 1]).predict(given, return_std=True)
    assert np.all(np.isfinite(std))


@pytest.mark.parametrize(
    "second, match",
    [
        (-np.eye(2), "component 1 .* positive semi-definite"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "component 1 .* the eigenvalue -1"),
        (np.array([[1.0, 0.5], [0.0, 1.0]]), "component 1 .* asymmetry of 0.5"),
        (np.full((2, 2), np.nan), "component 1 .* non-finite entries"),
    ],
)
def test_a_tuple_that_is_not_a_mixture_is_refused(second, match):
    # An indefinite covariance gave a conditional variance of -3.
    weights, means = np.array([0.5, 0.5]), np.zeros((2, 2))
    with pytest.raises(ValueError, match=match):
        condition((weights, means, np.array([np.eye(2), second])), [[1.0]], [0])
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        covariances = np.array([np.eye(2)] * 2)
        condition((np.array([1.5, -0.5]), means, covariances), [[1.0]], [0])
    # Symmetric up to rounding is a covariance.
    A = np.random.RandomState(0).randn(2, 2)
    rounded = A @ A.T + np.eye(2)
    rounded[0, 1] += 1e-14
    result = condition((weights, means, np.array([np.eye(2), rounded])), [[1.0]], [0])
    assert np.all(result.covariances > 0)


def test_a_tuple_of_the_wrong_length_or_shapes_is_refused_with_its_form():
    # Two or four items raised Python's TypeError naming a private helper,
    # one-dimensional means numpy's "not enough values to unpack".
    weights, means, covariances = np.ones(1), np.zeros((1, 2)), np.eye(2)[None]
    for mixture in [(weights, means), (weights, means, covariances, weights)]:
        with pytest.raises(ValueError, match=r"\(weights, means, covariances\)"):
            condition(mixture, [[1.0]], [0])
    with pytest.raises(ValueError, match=r"means \(K, d\).*got shapes"):
        condition((weights, means[0], covariances), [[1.0]], [0])


def test_tuple_weights_are_read_as_proportions():
    # Weights of sum 4 gave log_marginal off by log 4.
    from scipy.stats import multivariate_normal as normal

    means = np.random.RandomState(0).randn(2, 3)
    covariances = np.array([np.eye(3) + 0.3, 2 * np.eye(3)])
    given = condition((np.array([2.0, 2.0]), means, covariances), [[0.1]], [0])
    expected = np.log(
        0.5 * normal(means[0, 0], covariances[0, 0, 0]).pdf(0.1)
        + 0.5 * normal(means[1, 0], covariances[1, 0, 0]).pdf(0.1)
    )
    np.testing.assert_allclose(given.log_marginal, [expected], rtol=1e-12)
    np.testing.assert_allclose(given.weights.sum(axis=1), 1.0)
    # Weights whose sum overflows float64 are proportions as well (they were
    # read as equal weights, with log_marginal -inf).
    huge = condition((np.array([1e308, 1e308]), means, covariances), [[0.1]], [0])
    np.testing.assert_allclose(huge.log_marginal, [expected], rtol=1e-12)
    np.testing.assert_allclose(huge.weights, given.weights, rtol=1e-12)


@pytest.mark.parametrize("x0", [1e16, 1e17, 1e100, 1e200])
def test_a_far_observation_under_equal_covariances_takes_the_exact_component(x0):
    # Equal covariances: the conditional weights' log-odds are linear in x0,
    # (mu_1 - mu_0)_0 (x0 - 1/2) = x0 - 1/2 nats, so component 1 holds all
    # the weight and the conditional mean is its own (5); on the negative
    # side component 0 (mean 0). The rounding of the log-densities near
    # -x0^2 / 2 tied them at 1/2 each.
    w = np.array([0.5, 0.5])
    mu = np.array([[0.0, 0.0], [1.0, 5.0]])
    S = np.array([np.eye(2), np.eye(2)])
    for sign, component in ((1.0, 1), (-1.0, 0)):
        conditional = condition((w, mu, S), [[sign * x0]], [0])
        expected = np.zeros((1, 2))
        expected[0, component] = 1.0
        assert_array_equal(conditional.weights, expected)
        assert_array_equal(conditional.mean().ravel(), [5.0 * component])


def test_a_frame_of_other_columns_than_the_given_features_is_refused():
    # The frame's names were ignored: a column named for another feature was
    # conditioned on as the given one, silently (predict refuses such frames).
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(60, 3), columns=["a", "b", "c"])
    gm = GaussianMixture(2, random_state=0).fit(X)
    for columns, given in ([["zz"], [0]], [["c", "a"], [0, 2]]):
        frame = pd.DataFrame(rng.randn(2, len(columns)), columns=columns)
        with pytest.raises(ValueError, match="names of the given features"):
            condition(gm, frame, given)
    frame = pd.DataFrame(rng.randn(2, 2), columns=["c", "a"])
    by_name = condition(gm, frame, [2, 0])
    assert_allclose(by_name.mean(), condition(gm, frame.to_numpy(), [2, 0]).mean())


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("weights", np.array([[np.nan, 0.5]]), "weights are not finite"),
        ("weights", np.array([[-0.5, 1.5]]), "non-negative"),
        ("means", np.full((1, 2, 1), np.inf), "means are not finite"),
        ("covariances", np.ones((3, 1, 1)), "shapes"),
    ],
)
def test_a_conditional_mixture_built_by_hand_is_checked(field, value, match):
    parts = {
        "weights": np.array([[0.5, 0.5]]),
        "means": np.zeros((1, 2, 1)),
        "covariances": np.ones((2, 1, 1)),
        "features": np.array([1]),
        "log_marginal": np.zeros(1),
    }
    assert_allclose(ConditionalMixture(**parts).mean(), [[0.0]])
    with pytest.raises(ValueError, match=match):
        ConditionalMixture(**{**parts, field: value})


def test_a_duck_typed_mixture_and_a_selectors_names_are_read():
    # condition() needs weights_, means_ and covariances_ only (the check of
    # fitted values read precisions_cholesky_ too); a selector holds the
    # column names its best_estimator_ may not.
    from types import SimpleNamespace

    from gmm_estimators.model_selection import GaussianMixtureIC

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(60, 3), columns=["a", "b", "c"])
    gm = GaussianMixture(2, random_state=0).fit(X)
    duck = SimpleNamespace(
        weights_=gm.weights_, means_=gm.means_, covariances_=gm.covariances_
    )
    given = X.to_numpy()[:3, :1]
    expected = condition(gm, given, [0]).mean()
    assert_allclose(condition(duck, given, [0]).mean(), expected)
    selector = GaussianMixtureIC(
        n_components=[1], covariance_types=["VVV"], random_state=0
    ).fit(X)
    with pytest.raises(ValueError, match="names of the given features"):
        condition(selector, pd.DataFrame({"zz": [0.5]}), [0])
    assert condition(selector, pd.DataFrame({"a": [0.5]}), [0]).mean().shape == (1, 2)


def test_a_fitted_regressor_or_classifier_is_told_which_mixture_to_condition():
    # "Fit the mixture first" was said of fitted estimators that hold mixtures.
    from gmm_estimators import GaussianMixtureClassifier, GaussianMixtureRegressor

    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    regressor = GaussianMixtureRegressor(1).fit(X[:, :2], X[:, 2])
    with pytest.raises(TypeError, match=r"model\.mixture_.*model\.conditional\(X\)"):
        condition(regressor, X[:2, :2], [0, 1])
    # The remedy it names works: the joint mixture, X's features first.
    given = condition(regressor.mixture_, X[:2, :2], [0, 1])
    assert_allclose(given.mean().ravel(), regressor.predict(X[:2, :2]), rtol=1e-10)
    classifier = GaussianMixtureClassifier("EDDA").fit(X, np.arange(60) % 2)
    with pytest.raises(TypeError, match=r"model\.mixtures_\[i\]"):
        condition(classifier, X[:2, :2], [0, 1])
    # An imputer and an outlier detector hold a mixture of X alone: no joint
    # order of (X, y) to speak of, and their mixture_ conditions as it is.
    from gmm_estimators import GaussianMixtureImputer, GaussianMixtureOutlierDetector

    imputer = GaussianMixtureImputer(n_components=1, random_state=0).fit(X)
    detector = GaussianMixtureOutlierDetector(n_components=1, covariance_types=["VVV"])
    for model in (imputer, detector.fit(X)):
        with pytest.raises(TypeError, match=r"mixture of X as mixture_") as caught:
            condition(model, X[:2, :1], [0])
        assert "(X, y)" not in str(caught.value)
    # The imputer's conditions as named (the detector's has a noise
    # component, which condition refuses with its own remedy).
    given = condition(imputer.mixture_, X[:2, :1], [0])
    assert np.isfinite(given.mean()).all()
