"""Tests of GaussianMixtureImputer."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmm_estimators import GaussianMixtureImputer


def correlated_clusters(rng, n=150, missing=0.2):
    cov = [[1.0, 0.8, 0.5], [0.8, 1.0, 0.6], [0.5, 0.6, 1.0]]
    X = np.vstack(
        [
            rng.multivariate_normal([0, 0, 0], cov, n),
            rng.multivariate_normal([5, -3, 2], np.eye(3) * 0.5, n),
        ]
    )
    Xm = X.copy()
    Xm[rng.rand(*X.shape) < missing] = np.nan
    keep = ~np.isnan(Xm).all(axis=1)
    return X[keep], Xm[keep]


@parametrize_with_checks(
    [GaussianMixtureImputer(n_components=2, max_iter=20, random_state=0)]
)
def test_check_estimator(estimator, check):
    check(estimator)


def test_single_gaussian_imputes_closed_form_conditional_mean(rng):
    X, Xm = correlated_clusters(rng)
    imputer = GaussianMixtureImputer(n_components=1, tol=1e-10, max_iter=500)
    out = imputer.fit_transform(Xm)
    mu, sigma = imputer.mixture_.means_[0], imputer.mixture_.covariances_[0]
    for i in np.flatnonzero(np.isnan(Xm).any(axis=1))[:10]:
        m = np.isnan(Xm[i])
        o = ~m
        expected = mu[m] + sigma[np.ix_(m, o)] @ np.linalg.solve(
            sigma[np.ix_(o, o)], Xm[i, o] - mu[o]
        )
        assert_allclose(out[i, m], expected, rtol=1e-10)
    observed = ~np.isnan(Xm)
    assert_array_equal(out[observed], Xm[observed])


def test_mixture_beats_mean_imputation(rng):
    X, Xm = correlated_clusters(rng)
    missing = np.isnan(Xm)
    mixture = GaussianMixtureImputer(n_components=2, random_state=0).fit_transform(Xm)
    mean = SimpleImputer().fit_transform(Xm)

    def rmse(out):
        return np.sqrt(np.mean((out[missing] - X[missing]) ** 2))

    assert rmse(mixture) < 0.6 * rmse(mean)


def test_selection_by_bic(rng):
    _, Xm = correlated_clusters(rng, n=60)
    imputer = GaussianMixtureImputer(
        n_components=[1, 2, 3], covariance_type=["full", "diag"], random_state=0
    )
    imputer.fit(Xm)
    results = imputer.results_
    assert len(results["bic"]) == 6
    assert imputer.n_components_ == 2
    best = np.argmin(np.where(results["degenerate"], np.inf, results["bic"]))
    assert results["n_components"][best] == imputer.n_components_
    assert results["covariance_type"][best] == imputer.covariance_type_
    # The criterion is BIC on the observed-data likelihood of the chosen fit.
    n = Xm.shape[0]
    expected = -2 * imputer.mixture_.score_samples(Xm).sum() + (
        imputer.mixture_.n_parameters_ * np.log(n)
    )
    assert_allclose(results["bic"][best], expected, rtol=1e-10)
    assert GaussianMixtureImputer(n_components=2).fit(Xm).results_ is None


@pytest.mark.parametrize("with_missing", [False, True])
def test_chosen_mixture_keeps_the_settings_meaning(rng, with_missing):
    # reg_covar in the data's units and tol on the mean log-likelihood,
    # whether the mixture is chosen or fixed and whether X has missing
    # values: complete data went to the selector's thorough search, which
    # read reg_covar relative to the data's spread (1.0 became 9e5 on data
    # of standard deviation 1000) and tol as mclust's relative rule.
    X = np.vstack([rng.randn(150, 2), rng.randn(150, 2) + 5]) * 1000.0
    if with_missing:
        X[rng.rand(*X.shape) < 0.1] = np.nan
        X[np.isnan(X).all(axis=1), 0] = 0.0
    chosen = GaussianMixtureImputer(
        n_components=[1, 2, 3], reg_covar=1.0, random_state=0
    ).fit(X)
    assert chosen.mixture_.reg_covar == 1.0
    fixed = GaussianMixtureImputer(
        n_components=chosen.n_components_, reg_covar=1.0, random_state=0
    ).fit(X)
    assert_allclose(chosen.mixture_.covariances_, fixed.mixture_.covariances_)
    query = np.array([[1000.0, np.nan], [np.nan, 5000.0]])
    assert_allclose(chosen.transform(query), fixed.transform(query))


def test_sample_posterior_draws(rng):
    _, Xm = correlated_clusters(rng, n=60)
    missing = np.isnan(Xm)
    means = GaussianMixtureImputer(n_components=2, random_state=0).fit_transform(Xm)
    imputer = GaussianMixtureImputer(
        n_components=2, sample_posterior=True, random_state=0
    ).fit(Xm)
    a, b = imputer.transform(Xm), imputer.transform(Xm)
    assert_array_equal(a, b)  # an int seed draws the same values
    assert_array_equal(a[~missing], Xm[~missing])
    assert not np.allclose(a[missing], means[missing])
    other = imputer.set_params(random_state=1).transform(Xm)
    assert not np.allclose(a[missing], other[missing])
    # The average of many draws is the conditional mean.
    imputer.set_params(random_state=np.random.RandomState(0))
    row = Xm[np.flatnonzero(missing.any(axis=1))[:1]]
    draws = imputer.transform(np.repeat(row, 400, axis=0))  # independent draws
    reference = GaussianMixtureImputer(n_components=2, random_state=0).fit(Xm)
    spread = draws.std(axis=0).max()
    assert_allclose(
        draws.mean(axis=0), reference.transform(row)[0], atol=4 * spread / 14
    )


def test_empty_features_and_indicator(rng):
    _, Xm = correlated_clusters(rng, n=40)
    Xm = np.column_stack([Xm[:, 0], np.full(len(Xm), np.nan), Xm[:, 1:]])
    dropped = GaussianMixtureImputer(n_components=1).fit(Xm)
    assert dropped.transform(Xm).shape == (len(Xm), 3)
    assert_array_equal(dropped.get_feature_names_out(), ["x0", "x2", "x3"])
    kept = GaussianMixtureImputer(n_components=1, keep_empty_features=True).fit(Xm)
    out = kept.transform(Xm)
    assert out.shape == (len(Xm), 4)
    assert_array_equal(out[:, 1], 0.0)
    assert_allclose(np.delete(out, 1, axis=1), dropped.transform(Xm))
    indicated = GaussianMixtureImputer(n_components=1, add_indicator=True).fit(Xm)
    out = indicated.transform(Xm)
    n_missing_features = int(np.isnan(Xm).any(axis=0).sum())
    assert out.shape == (len(Xm), 3 + n_missing_features)
    assert_array_equal(out[:, 3:][:, 0], np.isnan(Xm[:, 0]))
    assert indicated.get_feature_names_out()[3] == "missingindicator_x0"


def test_observed_values_of_empty_features_and_the_indicator_are_kept(rng):
    # keep_empty_features fills only the missing entries of a feature that
    # was empty at fit (an observed value in new data stays), and the
    # indicator marks the entries missing as given, as scikit-learn's.
    _, Xm = correlated_clusters(rng, n=40)
    Xm = np.column_stack([Xm[:, 0], np.full(len(Xm), np.nan), Xm[:, 1:]])
    Xm[0, 2] = np.nan
    query = np.array([[np.nan, 7.0, 2.0, 1.0], [1.0, np.nan, np.nan, 0.5]])
    ours = GaussianMixtureImputer(
        n_components=1, keep_empty_features=True, add_indicator=True
    ).fit(Xm)
    theirs = SimpleImputer(keep_empty_features=True, add_indicator=True).fit(Xm)
    out, expected = ours.transform(query.copy()), theirs.transform(query.copy())
    assert out.shape == expected.shape
    assert out[0, 1] == 7.0 and out[1, 1] == 0.0
    assert_array_equal(out[:, 4:], expected[:, 4:])
    assert_array_equal(out[:, [2, 3]][~np.isnan(query[:, [2, 3]])], [2.0, 1.0, 0.5])


def test_rows_without_observed_values(rng):
    _, Xm = correlated_clusters(rng, n=40)
    imputer = GaussianMixtureImputer(n_components=2, random_state=0).fit(Xm)
    empty = np.full((1, 3), np.nan)
    mixture = imputer.mixture_
    assert_allclose(imputer.transform(empty)[0], mixture.weights_ @ mixture.means_)
    # At fit, such rows carry nothing and are left out (as scikit-learn's
    # imputers accept them): the fit is that of the other rows.
    with_empty = GaussianMixtureImputer(n_components=2, random_state=0).fit(
        np.vstack([Xm[:10], empty, Xm[10:], empty])
    )
    assert_allclose(with_empty.mixture_.means_, mixture.means_)
    with pytest.raises(ValueError, match="fewer than 2 rows with an observed"):
        GaussianMixtureImputer(n_components=1).fit(np.vstack([Xm[:1], empty, empty]))


@pytest.mark.parametrize("at_fit", [False, True])
def test_rows_without_observed_values_of_an_ill_conditioned_mixture(rng, at_fit):
    # Two nearly collinear features: each pattern is then read from its own
    # observed block (_missing_exact), which must also take a pattern that
    # observes nothing (it crashed inside numpy's reshape).
    t = rng.standard_normal(100)
    X = np.c_[t, t + 1e-4 * rng.standard_normal(100), rng.standard_normal(100)]
    X[rng.random_sample(X.shape) < 0.05] = np.nan
    empty = np.full((2, 3), np.nan)
    imputer = GaussianMixtureImputer(n_components=1, random_state=0)
    if at_fit:
        filled = imputer.fit_transform(np.vstack([X, empty]))[-2:]
    else:
        filled = imputer.fit(X).transform(empty)
    mixture = imputer.mixture_
    assert_allclose(filled, np.tile(mixture.weights_ @ mixture.means_, (2, 1)))


def test_pipeline(rng):
    X, Xm = correlated_clusters(rng, n=40)
    y = X[:, 0] + X[:, 1]
    pipe = make_pipeline(
        GaussianMixtureImputer(n_components=2, random_state=0), LinearRegression()
    )
    assert pipe.fit(Xm, y).score(Xm, y) > 0.8


@pytest.mark.parametrize(
    "missing_values, match",
    [
        (-1, "supports only missing_values=np.nan"),
        (0.0, "supports only missing_values=np.nan"),
        (None, "missing_values"),
        ("NaN", "missing_values"),
    ],
)
def test_missing_values_other_than_nan_refused(rng, missing_values, match):
    X = rng.randn(10, 2)
    with pytest.raises(ValueError, match=match):
        GaussianMixtureImputer(missing_values=missing_values).fit(X)


def test_all_features_empty_refused():
    with pytest.raises(ValueError, match="Every feature"):
        GaussianMixtureImputer(n_components=1).fit(np.full((4, 2), np.nan))


def test_bad_n_components_list(rng):
    with pytest.raises(ValueError, match="n_components"):
        GaussianMixtureImputer(n_components=[0, 2]).fit(rng.randn(10, 2))


@pytest.mark.parametrize(
    "params",
    [
        {"n_components": 2, "covariance_type": ["V", "VVV"]},
        {"n_components": None, "covariance_type": "E"},
    ],
)
def test_a_one_feature_structure_is_refused_in_the_imputers_terms(rng, params):
    # The selector's error named its own covariance_types and suggested
    # covariance_types=None, which the imputer neither has nor takes.
    X = rng.randn(30, 2)
    X[0, 0] = np.nan
    with pytest.raises(ValueError) as error:
        GaussianMixtureImputer(**params).fit(X)
    assert "covariance_type includes" in str(error.value)
    assert "covariance_types" not in str(error.value)
    assert "None" not in str(error.value)
    # One feature with observed values (the other empty): accepted.
    X[:, 1] = np.nan
    assert GaussianMixtureImputer(**params).fit(X).transform(X).shape == (30, 1)


def test_no_sound_candidate_is_reported_in_the_imputers_terms():
    # The selector's error told the user to pass prior='default' and to read
    # results_, neither of which the imputer has.
    from gmm_estimators.exceptions import NoSoundCandidateError

    X = np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, np.nan], [1.0, 2.0], [1.0, 2.0]])
    imputer = GaussianMixtureImputer(n_components=[2, 3])
    with pytest.raises(NoSoundCandidateError) as error:
        imputer.fit(X)
    message = str(error.value)
    assert message.startswith("GaussianMixtureImputer")
    assert "prior" not in message and "results_" not in message
    # More components than rows, for every number asked for: refused up
    # front, naming the parameter (no candidate to report on).
    imputer.set_params(n_components=[7, 8])
    with pytest.raises(ValueError, match="exceeds the 5 rows") as error:
        imputer.fit(X)
    message = str(error.value)
    assert not isinstance(error.value, NoSoundCandidateError)
    assert "reduce n_components" in message
    assert "prior" not in message and "results_" not in message


def test_an_unknown_initialiser_is_refused_before_fitting():
    # As by the other estimators: a typo used to reach the initialiser as a
    # raw KeyError, partway through the fit.
    X = np.random.default_rng(0).normal(size=(50, 2))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="'init_params' parameter .*Got 'kmean'"):
        GaussianMixtureImputer(n_components=2, init_params="kmean").fit(X)


def test_rows_beyond_the_float_range_are_imputed_as_condition_gives():
    # Past 1e154 every density overflows: the imputer fell back to the
    # mixture's weights (a jump between 1e150 and 1e155), while condition()
    # and predict_proba take the limit, the nearest component.
    from gmm_estimators import condition

    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(100, 3), rng.randn(100, 3) + 5]
    imputer = GaussianMixtureImputer(n_components=2, random_state=0).fit(X)
    for value in (1e150, 1e155, -1e160):
        filled = imputer.transform([[value, np.nan, np.nan]])[0, 1:]
        expected = condition(imputer.mixture_, [[value]], [0]).mean()[0]
        np.testing.assert_allclose(filled, expected, rtol=1e-12)


def test_conditional_means_beyond_float64_are_an_error_never_nan():
    # Observed values near 1e308 overflowed the conditional means: transform
    # returned NaN with no warning. A mean the rows' regression puts beyond
    # float64 (and one whose terms overflow on the way) is named instead.
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3)
    X[:, 1] += 3 * X[:, 0]
    X[:, 2] -= 2 * X[:, 0]
    X[100:] += 5
    imputer = GaussianMixtureImputer(n_components=2, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        near = imputer.transform([[1e307, np.nan, np.nan], [2.0, np.nan, 1.0]])
        assert np.isfinite(near).all()
        with pytest.raises(ValueError, match=r"row\(s\) 1 overflow float64.*1e\+308"):
            imputer.transform([[1.0, np.nan, 2.0], [1e308, np.nan, np.nan]])
    # Observed entries are never the problem: a row without missing values
    # at 1e308 passes through as given.
    assert_array_equal(imputer.transform([[1e308, 1.0, 2.0]]), [[1e308, 1.0, 2.0]])
    # float32 rows are filled in float32, and the error names it (it said
    # float64, in which the mean of 3e39 fits).
    small = GaussianMixtureImputer(n_components=2, random_state=0)
    small.fit(X.astype(np.float32))
    with pytest.raises(ValueError, match=r"row\(s\) 0 overflow float32"):
        small.transform(np.array([[3e38, np.nan, np.nan]], np.float32))


def test_a_collapse_warning_names_the_imputer_and_its_mixture():
    # It was addressed to "GaussianMixture:", advised prior='default' (the
    # imputer has no prior) and pointed at collapsed_components_.
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    X = np.r_[X[:50], np.repeat(X[50:51], 50, axis=0)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        imputer = GaussianMixtureImputer(n_components=2, random_state=0).fit(X)
    (message,) = [str(c.message) for c in caught if "collapsed" in str(c.message)]
    assert message.startswith("GaussianMixtureImputer (its mixture_): component")
    assert "prior" not in message
    assert "stored in mixture_.collapsed_components_" in message
    assert imputer.mixture_.collapsed_components_.size


def test_warnings_name_the_columns_of_x_the_imputer_was_given():
    # The mixture is fitted without the empty columns: its warnings named
    # feature 2 for the user's constant column 3.
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4)
    X[rng.rand(60, 4) < 0.1] = np.nan
    X[:, 1] = np.nan
    X[:, 3] = 5.0
    with pytest.warns(UserWarning, match=r"^feature\(s\) 3 of X are constant"):
        GaussianMixtureImputer(n_components=1).fit(X)


def test_no_sound_mixture_suggests_what_can_help():
    # Three rows in 3-D: every full covariance is degenerate, one component
    # included. The error advised smaller numbers of components.
    from gmm_estimators.exceptions import NoSoundCandidateError

    X = np.random.RandomState(0).rand(3, 3)
    X[0, 1] = np.nan
    with pytest.raises(NoSoundCandidateError) as caught:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GaussianMixtureImputer(random_state=0).fit(X)
    message = str(caught.value)
    assert "smaller numbers" not in message
    assert "covariance_type='diag'" in message
    diagonal = GaussianMixtureImputer(covariance_type="diag", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isfinite(diagonal.fit_transform(X)).all()


def test_a_feature_observed_in_one_row_is_named_with_remedies_that_work():
    # The error advised covariance_type='diag', which fails the same way: a
    # feature observed in one row gives each component holding it a
    # variance from that row alone.
    from gmm_estimators.exceptions import NoSoundCandidateError

    rng = np.random.RandomState(0)
    X = rng.randn(40, 4)
    X[:, 1] += 0.7 * X[:, 0]
    X[rng.rand(40, 4) < 0.15] = np.nan
    X[:, 1] = np.nan  # empty: left out, so the user's column 3 is the search's 2
    X[:, 3] = np.nan
    X[3, 3] = 1.5
    X[np.isnan(X).all(axis=1), 0] = 0.3
    for structure in ("full", "diag"):
        with pytest.raises(NoSoundCandidateError) as caught:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                GaussianMixtureImputer(covariance_type=structure, random_state=0).fit(X)
        message = str(caught.value)
        assert "leave out feature(s) 3 of X (observed in one row only)" in message
        assert "covariance_type='diag'" not in message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spherical = GaussianMixtureImputer(covariance_type="spherical", random_state=0)
        assert np.isfinite(spherical.fit_transform(X)).all()
        without = GaussianMixtureImputer(covariance_type="diag", random_state=0)
        assert np.isfinite(without.fit_transform(X[:, :3])).all()


def test_transform_of_a_dask_array_warns_nothing():
    # scikit-learn's copy check asked Dask for may_share_memory, whose
    # FutureWarning reached the user.
    da = pytest.importorskip("dask.array")
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    X[::5, 1] = np.nan
    imputer = GaussianMixtureImputer(n_components=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        filled = imputer.transform(da.from_array(X, chunks=20))
    np.testing.assert_array_equal(filled, imputer.transform(X))
    # float32 stays float32, as in memory.
    X32 = X.astype(np.float32)
    imputer = GaussianMixtureImputer(n_components=1, random_state=0).fit(X32)
    filled = imputer.transform(da.from_array(X32, chunks=20))
    assert filled.dtype == imputer.transform(X32).dtype == np.float32


def test_boolean_n_components_is_a_parameter_error():
    # True is an Integral: it fitted one component in silence.
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.RandomState(0).randn(30, 2)
    X[::4, 0] = np.nan
    with pytest.raises(InvalidParameterError, match="n_components"):
        GaussianMixtureImputer(n_components=True).fit(X)


def test_the_mixtures_errors_name_the_users_columns():
    # Column 0 is empty (left out of the mixture's data): the error about
    # the user's column 2 named "Feature 1 of X", a sound column.
    rng = np.random.RandomState(0)
    X = np.c_[np.full(200, np.nan), rng.randn(200), rng.randn(200) * 1e-170]
    X = np.c_[X, rng.randn(200)]
    X[rng.rand(200) < 0.2, 1] = np.nan
    imputer = GaussianMixtureImputer(n_components=2, reg_covar=0, random_state=0)
    with pytest.raises(ValueError, match=r"^Feature 2 of X varies"):
        imputer.fit(X)
