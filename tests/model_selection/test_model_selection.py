"""Tests for gmm_estimators.model_selection: scorers, splitter and selector."""

import re
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from gmm_estimators import (
    DegenerateFitWarning,
    GaussianMixture,
    NoSoundCandidateError,
    available_covariance_types,
)
from gmm_estimators._engine import COLLAPSE_PATIENCE, FLAT_PATIENCE
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.model_selection import (
    WORST_SCORE,
    GaussianMixtureIC,
    InSampleSplit,
    aic_score,
    bic_score,
    icl,
    icl_score,
)

RESULT_KEYS = [
    "n_components",
    "covariance_type",
    "bic",
    "aic",
    "icl",
    "log_likelihood",
    "n_parameters",
    "converged",
    "degenerate",
    "spurious",
    "fit_time",
    "rank",
]
SKLEARN_TYPES = ("full", "tied", "diag", "spherical")


@pytest.fixture(autouse=True)
def _single_thread():
    # Tiny LAPACK calls and k-means' OpenMP loops are far slower with several
    # threads on a busy machine; one thread keeps this module fast.
    with threadpool_limits(limits=1):
        yield


def _blobs(rng, n_per=100, scales=(1.0, 1.0, 1.0), spread=10.0, n_features=2):
    centers = spread * np.eye(3, n_features)
    X = np.vstack(
        [
            c + s * rng.standard_normal((n_per, n_features))
            for c, s in zip(centers, scales, strict=True)
        ]
    )
    y = np.repeat(np.arange(3), n_per)
    return X, y


@pytest.fixture
def blobs(rng):
    return _blobs(rng)


def _max_n_features(covariance_type):
    return getattr(get_covariance_model(covariance_type), "max_n_features", None)


def _multivariate_types():
    return [t for t in available_covariance_types() if _max_n_features(t) is None]


def _univariate_types():
    return [t for t in available_covariance_types() if _max_n_features(t) == 1]


@pytest.fixture(scope="module")
def degenerate_selector():
    """A selector run on Old Faithful in which some candidate collapses.

    With random starts, diagonal models of 5 or 6 components put a component
    on rows with tied waiting times; the first seed where that happens is used.
    """
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    with threadpool_limits(limits=1):
        for seed in range(20):
            selector = GaussianMixtureIC(
                n_components=6,
                covariance_types=["diag"],
                init_params="random_from_data",
                search="grid",
                random_state=seed,
            ).fit(X)
            if selector.results_["degenerate"].any():
                return selector
    pytest.fail("no seed gave a degenerate diagonal fit on Old Faithful")


# ----------------------------------------------------------------- scorers


def test_scorers_equal_negated_criteria(blobs):
    X, _ = blobs
    gm = GaussianMixture(3, random_state=0).fit(X)
    assert bic_score(gm, X) == -gm.bic(X)
    assert aic_score(gm, X) == -gm.aic(X)
    assert icl_score(gm, X) == -icl(gm, X)
    # ICL by its definition, from predict_proba.
    proba = gm.predict_proba(X)
    expected = gm.bic(X) - 2 * np.log(proba[np.arange(len(X)), proba.argmax(1)]).sum()
    assert_allclose(icl(gm, X), expected, rtol=1e-10)


def test_scorers_on_pipeline_use_transformed_data(blobs):
    X, _ = blobs
    X = X * [1.0, 100.0] + 5.0
    pipe = make_pipeline(StandardScaler(), GaussianMixture(3, random_state=0)).fit(X)
    Xt = pipe[:-1].transform(X)
    mixture = pipe[-1]
    assert bic_score(pipe, X) == -mixture.bic(Xt)
    assert aic_score(pipe, X) == -mixture.aic(Xt)
    assert icl_score(pipe, X) == -icl(mixture, Xt)
    assert icl(pipe, X) == icl(mixture, Xt)
    # A one-step pipeline has nothing to transform.
    single = make_pipeline(GaussianMixture(2, random_state=0)).fit(X)
    assert bic_score(single, X) == -single[-1].bic(X)


def test_scorers_reject_non_mixtures(blobs):
    X, _ = blobs
    with pytest.raises(TypeError, match="Gaussian mixture"):
        bic_score(StandardScaler().fit(X), X)


def test_icl_at_least_bic_and_equal_for_hard_posteriors(rng):
    overlapping = rng.standard_normal((200, 2))
    gm = GaussianMixture(2, random_state=0).fit(overlapping)
    assert icl(gm, overlapping) > gm.bic(overlapping) + 1.0

    separated, _ = _blobs(rng, spread=1e3)
    gm = GaussianMixture(3, random_state=0).fit(separated)
    assert_array_equal(gm.predict_proba(separated).max(axis=1), 1.0)
    assert_allclose(icl(gm, separated), gm.bic(separated), rtol=1e-14)


def test_scorers_accept_sklearn_mixtures(blobs):
    X, _ = blobs
    sk = SklearnGaussianMixture(3, random_state=0).fit(X)
    assert bic_score(sk, X) == -sk.bic(X)
    proba = sk.predict_proba(X)
    assert_allclose(
        icl(sk, X), sk.bic(X) - 2 * np.log(proba.max(axis=1)).sum(), rtol=1e-12
    )


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_weighted_scorers_count_sklearn_mixtures_parameters_as_sklearn(
    blobs, covariance_type
):
    # A scikit-learn mixture has no n_parameters_: the weighted criteria count
    # its structure's parameters from its public attributes, as its own bic.
    X, _ = blobs
    sk = SklearnGaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(
        X
    )
    ones = np.ones(X.shape[0])
    assert_allclose(bic_score(sk, X, sample_weight=ones), -sk.bic(X), rtol=1e-12)
    assert_allclose(aic_score(sk, X, sample_weight=ones), -sk.aic(X), rtol=1e-12)
    weights = np.linspace(0.5, 2.0, X.shape[0])
    log_likelihood = weights @ sk.score_samples(X)
    p = sk._n_parameters()  # scikit-learn's own count: the oracle
    assert_allclose(
        -bic_score(sk, X, sample_weight=weights),
        -2 * log_likelihood + p * np.log(weights.sum()),
        rtol=1e-12,
    )


def test_scorer_gives_worst_score_with_warning_for_degenerate_fit(
    old_faithful, degenerate_selector
):
    selector = degenerate_selector
    k = int(selector.results_["n_components"][selector.results_["degenerate"]][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        gm = GaussianMixture(
            k,
            covariance_type="diag",
            init_params="random_from_data",
            random_state=selector.random_state,
        ).fit(old_faithful)
    assert gm.collapsed_components_.size
    for scorer in (bic_score, aic_score, icl_score):
        message = f"candidate {{covariance_type='diag', init_params=.*n_components={k}"
        with pytest.warns(DegenerateFitWarning, match=message):
            assert scorer(gm, old_faithful) == WORST_SCORE
    # In a pipeline the warning names the parameters as a grid search does.
    pipe = make_pipeline(gm)
    with pytest.warns(DegenerateFitWarning, match="gaussianmixture__n_components"):
        assert bic_score(pipe, old_faithful) == -np.inf


def test_grid_search_ranks_degenerate_candidate_last(old_faithful, degenerate_selector):
    selector = degenerate_selector
    grid = {"n_components": [2, 5, 6]}
    search = GridSearchCV(
        GaussianMixture(
            covariance_type="diag",
            init_params="random_from_data",
            random_state=selector.random_state,
        ),
        grid,
        scoring=bic_score,
        cv=InSampleSplit(),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(old_faithful)
    scores = search.cv_results_["mean_test_score"]
    degenerate = scores == -np.inf
    assert degenerate.any() and not degenerate.all()
    assert (
        search.cv_results_["rank_test_score"][degenerate] > (~degenerate).sum()
    ).all()
    assert not np.isinf(scores[search.best_index_])
    assert any(issubclass(w.category, DegenerateFitWarning) for w in caught)


# ---------------------------------------------------------------- splitter


def test_in_sample_split_yields_the_whole_data():
    cv = InSampleSplit()
    splits = list(cv.split(np.zeros((5, 2))))
    assert len(splits) == 1 == cv.get_n_splits()
    train, test = splits[0]
    assert_array_equal(train, np.arange(5))
    assert_array_equal(test, np.arange(5))
    assert repr(cv) == "InSampleSplit()"
    ((train, test),) = cv.split([[1], [2], [3]], y=[0, 1, 0], groups=[0, 0, 1])
    assert_array_equal(train, test)


def test_grid_search_with_in_sample_split_picks_true_k(blobs):
    X, _ = blobs
    search = GridSearchCV(
        GaussianMixture(random_state=0),
        {"n_components": range(1, 6), "covariance_type": ["full", "spherical"]},
        scoring={"bic": bic_score, "aic": aic_score, "icl": icl_score},
        refit="bic",
        cv=InSampleSplit(),
    ).fit(X)
    assert search.best_params_["n_components"] == 3
    best = search.best_estimator_
    assert_allclose(search.best_score_, -best.bic(X))
    assert_allclose(
        search.cv_results_["mean_test_icl"][search.best_index_], -icl(best, X)
    )


# ---------------------------------------------------------------- selector


def test_selector_picks_true_model(rng):
    X, y = _blobs(rng, n_per=150, scales=(0.5, 1.0, 2.0), spread=12.0, n_features=3)
    selector = GaussianMixtureIC(n_components=5, random_state=0).fit(X)
    assert selector.n_components_ == 3
    assert selector.covariance_type_ == "VII"
    assert set(selector.results_["covariance_type"]) == set(_multivariate_types())
    assert selector.criterion_ == selector.results_["bic"].min()
    assert_array_equal(selector.labels_, selector.predict(X))
    assert selector.n_iter_ >= 1


@pytest.mark.parametrize(
    "n_init, init_params, covariance_type",
    [
        (1, "kmeans", "full"),
        (2, "k-means++", "tied"),
        (3, "random", "diag"),
        (1, "hc", "VEV"),
    ],
)
def test_selected_model_equals_plain_fit(blobs, n_init, init_params, covariance_type):
    X, _ = blobs
    settings = dict(n_init=n_init, init_params=init_params, max_iter=50, random_state=3)
    selector = GaussianMixtureIC(
        n_components=[2, 3, 4],
        covariance_types=[covariance_type],
        search="grid",
        **settings,
    ).fit(X)
    plain = GaussianMixture(
        selector.n_components_, covariance_type=covariance_type, **settings
    ).fit(X)
    best = selector.best_estimator_
    assert type(best) is GaussianMixture
    assert best.get_params() == plain.get_params()
    assert_allclose(best.score(X), plain.score(X), rtol=1e-8)
    assert_allclose(best.lower_bound_, plain.lower_bound_, rtol=1e-8)
    assert best.n_iter_ == plain.n_iter_
    assert_allclose(best.means_, plain.means_, rtol=1e-6, atol=1e-8)
    assert_array_equal(selector.labels_, plain.labels_)


def test_hc_tree_of_each_start_is_shared_between_numbers_of_components(rng):
    # More distinct rows than hc agglomerates: every start draws a subset from
    # the random stream, and each K's start j must use the tree of the same
    # draw as a plain fit's start j.
    X = np.vstack([rng.randn(1300, 2), rng.randn(1100, 2) * 0.5 + 3.0])
    settings = dict(n_init=2, init_params="hc", max_iter=20, random_state=7)
    selector = GaussianMixtureIC(
        n_components=[2, 3], covariance_types=["full"], search="grid", **settings
    ).fit(X)
    for k in (2, 3):
        plain = GaussianMixture(k, covariance_type="full", **settings).fit(X)
        row = np.flatnonzero(selector.results_["n_components"] == k)[0]
        assert_allclose(
            selector.results_["log_likelihood"][row],
            plain.score(X) * len(X),
            rtol=1e-10,
        )


@pytest.mark.parametrize("covariance_type", available_covariance_types())
def test_shared_start_equals_plain_fit_for_every_structure(rng, covariance_type):
    # The start built from the shared partition with the structure's own
    # M-step gives the same fit as GaussianMixture's own initialisation.
    n_features = _max_n_features(covariance_type) or 3
    X = np.vstack([rng.standard_normal((60, n_features)) + 5.0 * i for i in range(3)])
    settings = dict(n_init=2, random_state=0, max_iter=30)
    selector = GaussianMixtureIC(
        n_components=[3], covariance_types=[covariance_type], search="grid", **settings
    ).fit(X)
    plain = GaussianMixture(3, covariance_type=covariance_type, **settings).fit(X)
    assert_allclose(selector.best_estimator_.score(X), plain.score(X), rtol=1e-8)
    assert selector.best_estimator_.n_iter_ == plain.n_iter_


def test_results_table(blobs):
    import pandas as pd

    X, _ = blobs
    selector = GaussianMixtureIC(
        n_components=(1, 2, 3, 4), covariance_types=SKLEARN_TYPES, random_state=0
    ).fit(X)
    table = pd.DataFrame(selector.results_)
    assert list(table.columns) == RESULT_KEYS
    assert len(table) == 16
    assert sorted(table["rank"]) == list(range(1, 17))
    assert list(table["covariance_type"][:4]) == list(SKLEARN_TYPES)
    best = table[table["rank"] == 1].iloc[0]
    assert best["n_components"] == selector.n_components_ == 3
    assert best["covariance_type"] == selector.covariance_type_
    assert best["bic"] == selector.criterion_
    assert_allclose(best["bic"], selector.bic(X), rtol=1e-10)
    assert_allclose(best["aic"], selector.aic(X), rtol=1e-10)
    assert_allclose(best["icl"], icl(selector.best_estimator_, X), rtol=1e-10)
    assert_allclose(best["log_likelihood"], selector.score(X) * len(X), rtol=1e-10)
    assert best["n_parameters"] == selector.best_estimator_._n_parameters()
    ranked = table.sort_values("rank")
    # Ties within rounding (one component: tied and full are one model) rank
    # the structure of fewer parameters at one more component first.
    bic = ranked["bic"].to_numpy()
    assert (np.diff(bic) >= -1e-12 * np.abs(bic[1:])).all()
    assert table["converged"].dtype == bool and table["degenerate"].dtype == bool
    assert (table["fit_time"] > 0).all()


@pytest.mark.parametrize("criterion", ["aic", "icl"])
def test_other_criteria(blobs, criterion):
    X, _ = blobs
    selector = GaussianMixtureIC(
        n_components=4,
        covariance_types="spherical",
        criterion=criterion,
        random_state=0,
    ).fit(X)
    values = selector.results_[criterion]
    assert selector.criterion_ == values.min()
    assert selector.results_["rank"][np.argmin(values)] == 1


def test_degenerate_candidate_is_never_chosen(degenerate_selector):
    selector = degenerate_selector
    results = selector.results_
    degenerate = results["degenerate"]
    assert not degenerate[selector.best_index_]
    # The collapse buys likelihood: the degenerate fit would have won on BIC.
    assert results["bic"][degenerate].min() < selector.criterion_
    assert (results["rank"][degenerate] > (~degenerate).sum()).all()
    assert selector.best_estimator_.collapsed_components_.size == 0


def test_all_candidates_degenerate_raises(old_faithful, degenerate_selector):
    selector = degenerate_selector
    k = selector.results_["n_components"][selector.results_["degenerate"]]
    with pytest.raises(ValueError, match="no sound candidate.*degenerate"):
        clone(selector).set_params(n_components=k.tolist()).fit(old_faithful)


def test_all_candidates_spurious_raises_naming_them():
    # Every candidate spurious (not degenerate, not failed): the error says so.
    from gmm_estimators import NoSoundCandidateError
    from gmm_estimators.model_selection._candidates import raise_no_sound_candidate

    results = {"degenerate": np.array([False]), "spurious": np.array([True])}
    with pytest.raises(NoSoundCandidateError) as caught:
        raise_no_sound_candidate("GaussianMixtureIC", results, [None])
    message = str(caught.value)
    assert "0 fit(s) are degenerate" in message
    assert "1 spurious" in message
    assert "prior='default'" in message


def test_a_sound_run_beside_a_spurious_one_is_the_pick():
    # Two clusters of 20 rows, three full components: the spurious run of
    # highest likelihood holds the cell, but a sound one (a cluster split in
    # two, 8.6 and 11.4 rows' worth) was reached too; the search raised
    # "every candidate spurious" before it kept such runs.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(20, 2), rng.randn(20, 2) + 5]
    selector = GaussianMixtureIC(
        n_components=[3], covariance_types=["VVV"], random_state=0
    ).fit(X)
    assert not (
        selector.results_["spurious"].any() or selector.results_["degenerate"].any()
    )
    fitted = selector.best_estimator_
    assert not (fitted.spurious_components_.size or fitted.collapsed_components_.size)
    assert np.all(fitted.weights_ * len(X) > 5)


@pytest.mark.parametrize("search", ["grid", "thorough"])
def test_a_prior_that_fits_no_structure_is_named(search):
    # A prior mean of the wrong length failed every candidate: a
    # NoSoundCandidateError advising fewer components or a prior, and from
    # the thorough search only "no start ... could be computed".
    from gmm_estimators import ConjugatePrior

    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 4]
    selector = GaussianMixtureIC(
        n_components=2,
        covariance_types=["VVV", "EEE"],
        prior=ConjugatePrior(mean=[1.0, 2.0, 3.0]),
        search=search,
        random_state=0,
    )
    with pytest.raises(ValueError, match="ConjugatePrior mean must be 2") as caught:
        selector.fit(X)
    assert not isinstance(caught.value, NoSoundCandidateError)
    # A dof below the smallest of every candidate (it depends on the
    # structure and K) is refused up front, naming why; it failed each
    # candidate, its reason buried in a NoSoundCandidateError advising fewer
    # components or more rows.
    selector.set_params(prior=ConjugatePrior(dof=-100.0))
    with pytest.raises(ValueError, match="dof=-100.0 is below") as caught:
        selector.fit(X)
    assert not isinstance(caught.value, NoSoundCandidateError)
    assert "No candidate of the search" in str(caught.value)
    # Held to the candidates the rows can fit: 100 components on 80 rows
    # (whose floor, EEE's, is far lower) are no candidate.
    selector.set_params(prior=ConjugatePrior(dof=-6.0), n_components=[1, 2, 100])
    with pytest.raises(ValueError, match="dof=-6.0 is below") as caught:
        selector.fit(X)
    assert not isinstance(caught.value, NoSoundCandidateError)
    selector.set_params(n_components=2)
    # Below VVV's smallest (-4 in 2-D) but not EEE's with 2 components (-5):
    # the search goes on, the VVV cell failed with that reason.
    selector.set_params(prior=ConjugatePrior(dof=-4.5))
    selector.fit(X)
    assert selector.best_estimator_.covariance_type == "EEE"
    vvv = list(selector.results_["covariance_type"]).index("VVV")
    assert np.isnan(selector.results_["bic"][vvv])


@pytest.mark.parametrize("search", ["grid", "thorough"])
def test_a_noise_mask_that_leaves_too_few_rows_is_named(search):
    # The selector said "n_components=1 exceeds the 0 rows of weight >0" and
    # advised a prior, reg_covar or jitter: the mask was the problem.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 4]
    selector = GaussianMixtureIC(
        n_components=[1, 2],
        covariance_types=["VVV"],
        noise=True,
        noise_init=np.ones(len(X), dtype=bool),
        search=search,
        random_state=0,
    )
    with pytest.raises(ValueError, match="marks 80 of the 80 rows as noise") as caught:
        selector.fit(X)
    assert not isinstance(caught.value, NoSoundCandidateError)
    assert "noise_init" in str(caught.value)
    # Five rows left: K=6 is not fitted (NaN in results_), K=1 is.
    mask = np.ones(len(X), dtype=bool)
    mask[:5] = False
    selector.set_params(noise_init=mask, n_components=[1, 6]).fit(X)
    assert selector.best_estimator_.n_components == 1
    assert np.isnan(selector.results_["bic"][1])


@pytest.mark.parametrize("search", ["grid", "thorough"])
def test_a_failed_refit_keeps_no_earlier_pick(search):
    # Refitted on 3 features where no candidate is sound, the selector kept
    # the earlier best_estimator_ (2 features) beside the new n_features_in_
    # and results_: predict raised a feature-count error on either data.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 4]
    unsound = np.repeat(rng.randn(3, 3), 4, axis=0)  # three points, 3-D
    selector = GaussianMixtureIC(
        n_components=[3], covariance_types=["VVV"], search=search, random_state=0
    ).fit(X)
    with pytest.raises(NoSoundCandidateError):
        selector.fit(unsound)
    assert selector.results_["degenerate"].all()  # this fit's table, as said
    assert selector.n_features_in_ == 3
    assert not hasattr(selector, "best_estimator_")
    with pytest.raises(NotFittedError):
        selector.predict(unsound)
    # An error before the search leaves nothing of the earlier fit.
    selector.fit(X)
    with pytest.raises(ValueError, match="sample_weight"):
        selector.fit(unsound, sample_weight=np.ones(5))
    assert not [name for name in vars(selector) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        selector.predict(X)


@pytest.mark.parametrize("init_params", ["kmeans", "random_from_data"])
def test_prior_prevents_degenerate_candidates(
    old_faithful, degenerate_selector, init_params
):
    # The seed and starts under which diagonal models collapse without a prior.
    seed = degenerate_selector.random_state
    selector = GaussianMixtureIC(
        n_components=6,
        covariance_types=["diag", "full"],
        init_params=init_params,
        prior="default",
        random_state=seed,
    ).fit(old_faithful)
    results = selector.results_
    assert len(results["n_components"]) == 12
    assert not results["degenerate"].any()
    assert np.isfinite(results["bic"]).all()
    assert selector.best_estimator_.prior == "default"
    assert selector.best_estimator_.prior_ is not None


def test_selected_model_with_prior_equals_plain_fit(old_faithful):
    # Structures of every prior family (matrix, diagonal, spherical) and an
    # equal-volume one share each number of components' starts: each start
    # must use the prior resolved for its own structure and K.
    X = old_faithful
    types = ["full", "diag", "spherical", "tied"]
    settings = dict(n_init=2, max_iter=50, random_state=1)
    selector = GaussianMixtureIC(
        n_components=3,
        covariance_types=types,
        prior="default",
        search="grid",
        **settings,
    ).fit(X)
    best = selector.best_estimator_
    plain = GaussianMixture(
        selector.n_components_,
        covariance_type=selector.covariance_type_,
        prior="default",
        **settings,
    ).fit(X)
    assert best.get_params() == plain.get_params()
    assert_allclose(best.score(X), plain.score(X), rtol=1e-8)
    assert_allclose(best.lower_bound_, plain.lower_bound_, rtol=1e-8)
    assert best.n_iter_ == plain.n_iter_
    assert best.prior_ == plain.prior_
    assert_array_equal(selector.labels_, plain.labels_)
    # Every candidate, not only the chosen one, is the plain MAP fit.
    for k, t, log_likelihood in zip(
        selector.results_["n_components"],
        selector.results_["covariance_type"],
        selector.results_["log_likelihood"],
        strict=True,
    ):
        fitted = GaussianMixture(k, covariance_type=t, prior="default", **settings)
        fitted.fit(X)
        assert_allclose(log_likelihood, fitted.score(X) * len(X), rtol=1e-8)
    # And the prior changes the fits.
    unregularised = GaussianMixtureIC(
        n_components=3, covariance_types=types, search="grid", **settings
    ).fit(X)
    assert not np.allclose(
        unregularised.results_["log_likelihood"], selector.results_["log_likelihood"]
    )


def test_thorough_search_with_a_prior_does_not_depend_on_the_units(old_faithful):
    # The default prior moves with the data, so the MAP fits do; the relative
    # stopping rule must read log p in standardised units too. In the data's
    # units, at X * 2**-20 EM on EEV with 3 components stopped 6.3 BIC units
    # from the fit at X (a power of two: no rounding changes).
    X = old_faithful
    scale = 2.0**-20
    fits = [
        GaussianMixtureIC(
            n_components=[3], covariance_types=["EEV"], prior="default", random_state=0
        ).fit(X * c)
        for c in (1.0, scale)
    ]
    shift = 2.0 * X.size * np.log(scale)
    bic = [fit.results_["bic"] for fit in fits]
    assert_allclose(bic[1] - shift, bic[0], rtol=1e-12)
    assert fits[1].n_iter_ == fits[0].n_iter_


def test_thorough_search_with_a_prior_and_missing_values_ignores_the_units(
    old_faithful,
):
    # With missing values the log-likelihood moves with the observed
    # features' units only, a prior's log|Sigma_k| with every feature's: read
    # with the observed shares, one candidate's BIC shift differed from the
    # others' by 0.056 at X * 2**-20.
    X = old_faithful.copy()
    missing = np.random.default_rng(0).random(X.shape) < 0.15
    X[missing & ~missing.all(axis=1, keepdims=True)] = np.nan
    scale = 2.0**-20
    fits = [
        GaussianMixtureIC(
            n_components=range(1, 5),
            covariance_types=["EEV", "VVV", "EII"],
            prior="default",
            random_state=0,
        ).fit(X * c)
        for c in (1.0, scale)
    ]
    shift = 2.0 * np.isfinite(X).sum() * np.log(scale)
    bic = [fit.results_["bic"] for fit in fits]
    assert_allclose(bic[1] - shift, bic[0], rtol=1e-12)


def test_too_many_components_are_reported_as_failed():
    X = np.arange(10.0).reshape(5, 2) ** 1.5
    selector = GaussianMixtureIC(
        n_components=[1, 2, 8], covariance_types=["spherical"], random_state=0
    ).fit(X)
    failed = selector.results_["n_components"] == 8
    assert np.isnan(selector.results_["bic"][failed]).all()
    assert selector.results_["rank"][failed].tolist() == [3]
    assert selector.n_components_ in (1, 2)


def test_sample_weight_counts_as_repeated_rows(blobs, rng):
    X, _ = blobs
    weights = rng.randint(0, 3, size=len(X))
    repeated = np.repeat(X, weights, axis=0)
    settings = dict(n_components=4, covariance_types=["full", "diag"], random_state=0)
    weighted = GaussianMixtureIC(**settings).fit(X, sample_weight=weights)
    plain = GaussianMixtureIC(**settings).fit(repeated)
    for key in ("bic", "aic", "icl", "log_likelihood"):
        assert_allclose(weighted.results_[key], plain.results_[key], rtol=1e-6)
    assert_array_equal(weighted.results_["rank"], plain.results_["rank"])


def test_weights_of_less_than_one_row_in_all_warn_that_bic_favours_complexity(blobs):
    # Frequency weights of 1e-20 each sum to 1e-18 rows: log n < 0 and the
    # BIC penalty rewarded parameters, so the most complex candidate won
    # with no word said.
    X, _ = blobs
    settings = dict(n_components=3, covariance_types=["EII", "VVV"], random_state=0)
    with pytest.warns(UserWarning, match="rescale them to sum to the number of rows"):
        GaussianMixtureIC(**settings).fit(X, sample_weight=np.full(len(X), 1e-20))
    fitted = GaussianMixture(2, random_state=0).fit(X)
    with pytest.warns(UserWarning, match="sample_weight sums to 1e-18"):
        fitted.bic(X[:100], sample_weight=np.full(100, 1e-20))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fitted.bic(X, sample_weight=np.full(len(X), 0.5))


def test_n_jobs_does_not_change_results(blobs):
    X, _ = blobs
    settings = dict(
        n_components=3, covariance_types=["full", "spherical"], random_state=0
    )
    one = GaussianMixtureIC(n_jobs=1, **settings).fit(X)
    two = GaussianMixtureIC(n_jobs=2, **settings).fit(X)
    for key in RESULT_KEYS:
        if key != "fit_time":
            assert_array_equal(one.results_[key], two.results_[key])
    assert_array_equal(one.predict(X), two.predict(X))


def test_no_more_workers_start_than_there_are_tasks(blobs, monkeypatch):
    # n_jobs=64 for two candidates started 64 worker processes (1.3 GB on a
    # 2-core machine); a single task ran in a worker of its own.
    from gmm_estimators.model_selection import _tasks

    asked = []
    real = _tasks.Parallel

    def spy(*args, **kwargs):
        asked.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(_tasks, "Parallel", spy)
    X, _ = blobs
    settings = dict(n_components=[1, 2], covariance_types=["VVV"], random_state=0)
    wide = GaussianMixtureIC(n_jobs=64, search="grid", **settings).fit(X)
    # The grid search's two calls: the starts of K = 1 and 2, then their
    # two candidates.
    assert asked == [2, 2]
    one = GaussianMixtureIC(n_jobs=1, search="grid", **settings).fit(X)
    assert_array_equal(wide.results_["bic"], one.results_["bic"])
    asked.clear()
    GaussianMixtureIC(
        n_jobs=64,
        search="grid",
        n_components=[2],
        covariance_types=["VVV"],
        random_state=0,
    ).fit(X)
    assert asked == []  # one task each time: run here
    runner = _tasks.task_runner(64)
    assert list(runner([])) == []


def test_random_state_instance_is_not_consumed(blobs):
    X, _ = blobs
    state = np.random.RandomState(7)
    before = state.get_state()[1].copy()
    selector = GaussianMixtureIC(
        n_components=3, covariance_types=["diag"], random_state=state
    ).fit(X)
    assert_array_equal(state.get_state()[1], before)
    again = GaussianMixtureIC(
        n_components=3, covariance_types=["diag"], random_state=7
    ).fit(X)
    assert_array_equal(selector.results_["bic"], again.results_["bic"])


def test_joblib_persistence(blobs, tmp_path):
    X, _ = blobs
    selector = GaussianMixtureIC(
        n_components=3, covariance_types="full", random_state=0
    )
    selector.fit(X)
    path = tmp_path / "selector.joblib"
    joblib.dump(selector, path)
    loaded = joblib.load(path)
    assert_array_equal(loaded.predict(X), selector.predict(X))
    assert_array_equal(loaded.score_samples(X), selector.score_samples(X))
    assert loaded.results_.keys() == selector.results_.keys()


def test_delegation_and_feature_names(blobs):
    import pandas as pd

    X, _ = blobs
    frame = pd.DataFrame(X, columns=["a", "b"])
    selector = GaussianMixtureIC(
        n_components=3, covariance_types="full", random_state=0
    )
    selector.fit(frame)
    best = selector.best_estimator_
    assert_array_equal(selector.feature_names_in_, ["a", "b"])
    assert selector.n_features_in_ == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warnings
        assert_array_equal(selector.predict(frame), best.predict(X))
        assert_allclose(selector.predict_proba(frame), best.predict_proba(X))
        assert_allclose(selector.predict_log_proba(frame), best.predict_log_proba(X))
        assert_allclose(selector.score_samples(frame), best.score_samples(X))
        assert selector.score(frame) == best.score(X)
        assert selector.bic(frame) == best.bic(X)
        assert selector.aic(frame) == best.aic(X)
    with pytest.warns(UserWarning, match="feature names"):
        selector.predict(X)
    samples, labels = selector.sample(5, random_state=0)
    assert samples.shape == (5, 2) and labels.shape == (5,)
    assert_array_equal(selector.fit_predict(X), selector.labels_)


def test_verbose_prints_one_line_per_candidate(blobs, capsys):
    X, _ = blobs
    GaussianMixtureIC(
        n_components=2, covariance_types=["full", "diag"], random_state=0, verbose=1
    ).fit(X)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert re.search(
        r"n_components=2 covariance_type='diag' bic=\S+ converged=True "
        r"degenerate=False \(\d+\.\d+s\)",
        lines[-1],
    )


def test_default_covariance_types_follow_the_registry(rng):
    X = rng.standard_normal((60, 1))
    selector = GaussianMixtureIC(n_components=2, random_state=0).fit(X)
    expected = _univariate_types() or available_covariance_types()
    assert list(selector.results_["covariance_type"][: len(expected)]) == expected


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"n_components": 0}, InvalidParameterError, "n_components"),
        ({"n_components": [0, 2]}, ValueError, "positive int"),
        ({"n_components": []}, ValueError, "non-empty"),
        ({"n_components": [1.5]}, ValueError, "positive int"),
        ({"covariance_types": ["nope"]}, ValueError, "unknown: \\['nope'\\]"),
        ({"covariance_types": []}, ValueError, "non-empty"),
        ({"covariance_types": ["full", "VVV"]}, ValueError, "twice"),
        ({"criterion": "bick"}, InvalidParameterError, "criterion"),
        ({"n_init": 0}, InvalidParameterError, "n_init"),
        ({"init_params": "kmedoids"}, InvalidParameterError, "init_params"),
        ({"reg_covar": -1.0}, InvalidParameterError, "reg_covar"),
        ({"prior": "mclust"}, InvalidParameterError, "prior"),
        # joblib says so only at its first parallel call.
        ({"n_jobs": 0}, InvalidParameterError, "n_jobs"),
    ],
)
def test_bad_parameters_give_clear_errors(blobs, params, error, message):
    X, _ = blobs
    with pytest.raises(error, match=message):
        GaussianMixtureIC(**params).fit(X)


def test_one_feature_structure_on_many_features_is_rejected(blobs):
    univariate = _univariate_types()
    if not univariate:
        pytest.skip("no one-feature structure is registered")
    X, _ = blobs
    with pytest.raises(ValueError, match="at most 1 feature"):
        GaussianMixtureIC(covariance_types=univariate[:1]).fit(X)


@pytest.mark.parametrize(
    "method", ["predict", "score", "score_samples", "bic", "aic", "icl"]
)
def test_unfitted_selector_raises(method):
    from sklearn.exceptions import NotFittedError

    # The criteria read best_estimator_ only after the check (an
    # AttributeError before).
    with pytest.raises(NotFittedError):
        getattr(GaussianMixtureIC(), method)([[0.0, 1.0]])


def test_memory_mapped_input_is_checked_in_the_selectors_name(blobs, tmp_path):
    import pandas as pd

    X, _ = blobs
    frame = pd.DataFrame(X, columns=["a", "b"])
    selector = GaussianMixtureIC(n_components=[1, 2], search="grid").fit(frame)
    path = tmp_path / "wide.npy"
    np.save(path, np.column_stack([X, X[:, :1]]))
    wide = np.load(path, mmap_mode="r")
    with (
        pytest.raises(ValueError, match="but GaussianMixtureIC is expecting 2"),
        pytest.warns(UserWarning, match="valid feature names"),
    ):
        selector.predict(wide)
    np.save(path, X)
    with pytest.warns(UserWarning, match="GaussianMixtureIC was fitted with feature"):
        selector.predict(np.load(path, mmap_mode="r"))


def test_missing_values_on_nearly_collinear_features_keep_their_reg_covar():
    # reg_covar's unit on data with missing values comes from the
    # mean-imputed rows, which swamps the thin direction of x3 = x1 + x2 +
    # 1e-4 noise. It is kept (lowered to the component's own variance, 2e-14,
    # the observed-data EM oscillated or crawled), the fits converge, and
    # the pick warns that it swamps.
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 400))
    X = np.column_stack([x1, x2, x1 + x2 + 1e-4 * rng.normal(size=400)])
    X[rng.random(X.shape) < 0.05] = np.nan
    X[np.isnan(X).all(axis=1), 0] = 0.0
    with pytest.warns(UserWarning, match="is at least a tenth of the variance"):
        selector = GaussianMixtureIC(
            n_components=[1, 2], covariance_types=["EEE", "VVV"], random_state=0
        ).fit(X)
    assert selector.best_estimator_.converged_
    assert selector.results_["converged"].all()
    assert selector.best_estimator_.reg_covar > 1e-8


def test_allow_nan_tag_follows_the_noise_component():
    assert GaussianMixtureIC().__sklearn_tags__().input_tags.allow_nan
    assert not GaussianMixtureIC(noise=True).__sklearn_tags__().input_tags.allow_nan


@pytest.mark.parametrize("kind", ["missing", "noise"])
def test_default_search_converges_on_data_the_thorough_search_cannot_take(
    old_faithful, kind
):
    # Missing values and a noise component are searched from the grid's
    # starts, but with the default search's meaning of the settings: fits
    # converged by mclust's relative rule and reg_covar relative to the
    # data's spread (tol=1e-3 absolute stopped them early and reg_covar
    # depended on the units).
    X = np.asarray(old_faithful, dtype=float)
    params = {"n_components": [2, 3], "covariance_types": ["EEE", "VVV"]}
    if kind == "missing":
        X = X.copy()
        X[np.random.default_rng(0).random(X.shape) < 0.05] = np.nan
        X[np.isnan(X).all(axis=1), 0] = 3.0
    else:
        params["noise"] = True
    picks = []
    for scale in (1.0, 1e3):
        default = GaussianMixtureIC(random_state=0, **params).fit(scale * X)
        grid = GaussianMixtureIC(search="grid", random_state=0, **params).fit(scale * X)
        assert default.best_estimator_.converged_
        assert default.best_estimator_.n_iter_ > grid.best_estimator_.n_iter_
        # Every candidate at least as good as the grid's shorter fit of it.
        finite = np.isfinite(grid.results_["bic"])
        assert np.all(
            default.results_["bic"][finite] <= grid.results_["bic"][finite] + 1e-6
        )
        picks.append((default.n_components_, default.covariance_type_))
        if scale == 1.0:
            relative = default.best_estimator_.reg_covar
        else:
            # reg_covar in the data's units follows them.
            assert default.best_estimator_.reg_covar == pytest.approx(
                relative * scale**2, rel=1e-9
            )
    assert picks[0] == picks[1]


@parametrize_with_checks(
    [GaussianMixtureIC(n_components=3, covariance_types=("full", "diag"))],
    expected_failed_checks=lambda estimator: {},
)
def test_check_estimator(estimator, check):
    check(estimator)


def test_chosen_model_refits_as_it_was_fitted(old_faithful):
    # The default search's chosen model carries the settings it was fitted
    # with (mclust's own hierarchical start included): a clone refits.
    selector = GaussianMixtureIC(
        n_components=3, covariance_types=["EEE", "VVV"], random_state=0
    ).fit(old_faithful)
    best = selector.best_estimator_
    assert best.get_params()["init_params"] == "mclust_hc"
    again = clone(best).fit(old_faithful)
    assert again.get_params() == best.get_params()
    assert np.isfinite(again.lower_bound_)


def test_search_does_not_depend_on_row_order_without_ties(rng):
    # The default start is mclust's own tree, which breaks ties of equal
    # merge cost by the row order, as mclust does; on data without such ties
    # (continuous values) the search is the same for any order of the rows.
    X = np.r_[
        rng.randn(80, 2), rng.randn(60, 2) * 0.5 + [3, 1], rng.randn(60, 2) + [0, 4]
    ]
    settings = dict(
        n_components=4, covariance_types=["VVV", "EEE", "VII"], random_state=0
    )
    reference = GaussianMixtureIC(**settings).fit(X)
    order = rng.permutation(X.shape[0])
    shuffled = GaussianMixtureIC(**settings).fit(X[order])
    assert_allclose(shuffled.results_["bic"], reference.results_["bic"], rtol=1e-10)
    assert shuffled.n_components_ == reference.n_components_
    assert shuffled.covariance_type_ == reference.covariance_type_


def _small_wide(rng):
    # 30 rows in 6 dimensions: VVE and EVE components on a handful of rows.
    return np.vstack([rng.randn(12, 6), rng.randn(10, 6) + 4.0, rng.randn(8, 6) - 4.0])


def _dip_and_recover(rng):
    # An EVE component dips below its rows' worth for a while, then recovers
    # (the review case that an earlier form of the rule stopped).
    rng = np.random.RandomState(0)
    return np.vstack(
        [rng.randn(60, 3), rng.randn(60, 3) + 3, np.round(rng.randn(30, 3))]
    )


def _assert_same_sound_candidates(ruled, free):
    """The same flags, the same BIC of every sound cell and the same pick."""
    flagged = ruled.results_["degenerate"] | ruled.results_["spurious"]
    assert_array_equal(flagged, free.results_["degenerate"] | free.results_["spurious"])
    assert_array_equal(ruled.results_["bic"][~flagged], free.results_["bic"][~flagged])
    assert (ruled.n_components_, ruled.covariance_type_) == (
        free.n_components_,
        free.covariance_type_,
    )


@pytest.mark.parametrize(
    "make, types, creeps",
    [
        (_small_wide, ["VVE", "EVE", "VVV", "EEE"], True),
        (_dip_and_recover, ["VVV", "EEE", "VII", "VVI", "VVE", "EVE"], False),
    ],
)
def test_creeping_degenerate_runs_stop_and_change_no_sound_candidate(
    make, types, creeps, rng, monkeypatch
):
    """The thorough search stops runs stuck on too few rows' worth.

    EM on VVE and EVE components on a handful of rows creeps towards an
    unbounded limit for hundreds of iterations; the search stops such runs
    (``collapse_below``) after ``COLLAPSE_PATIENCE`` iterations without the
    component regaining weight and flags them collapsed. On these data the
    search finds the same sound candidates as without the rule.
    """
    X = make(rng)
    params = dict(n_components=[1, 2, 3, 4], covariance_types=types, random_state=0)

    def search():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GaussianMixtureIC(**params).fit(X)

    from gmm_estimators.model_selection import _search, _starts

    stopped = []

    def run_em(*args, **kwargs):
        run = real_run_em(*args, **kwargs)
        if run.collapsing is not None:
            stopped.append(run.n_iter)
        return run

    real_run_em = _search.run_em
    monkeypatch.setattr(_search, "run_em", run_em)
    ruled = search()
    # Runs stop exactly at the patience; on the first data some do creep.
    assert set(stopped) <= {COLLAPSE_PATIENCE}
    assert bool(stopped) == creeps

    monkeypatch.setattr(_starts, "rows_worth_floor", lambda spread, rank: 0.0)
    free = search()
    _assert_same_sound_candidates(ruled, free)


def test_runs_narrowing_onto_lattice_values_stop_and_change_no_sound_candidate(
    monkeypatch,
):
    """The thorough search stops runs whose component sits on one value.

    On integer data, VVI and VVV components narrow onto one value of a
    feature, and VII components onto one point, and EM goes on for
    a hundred iterations or more before the fit is judged collapsed (most
    of the search's iterations on MASS's nlschools and cats); the search
    stops them (``lattice_steps``) after ``FLAT_PATIENCE`` iterations. The
    sound candidates, the flags and the pick are those of the search
    without the rule.
    """
    rng = np.random.RandomState(1)
    centres = ([0, 0], [8, 3], [2, 9])
    X = np.round(np.vstack([rng.randn(120, 2) * [3, 1.5] + c for c in centres]))
    params = dict(
        n_components=[1, 2, 3, 4, 5, 6],
        covariance_types=["VVI", "VVV", "EVI", "EEE", "VII", "VVE"],
        random_state=0,
    )

    def search():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GaussianMixtureIC(**params).fit(X)

    from gmm_estimators.model_selection import _candidates, _search

    stopped = []

    def run_em(model, *args, **kwargs):
        run = real_run_em(model, *args, **kwargs)
        if run.flat is not None:
            stopped.append((model.name, run.n_iter))
        return run

    real_run_em = _search.run_em
    monkeypatch.setattr(_search, "run_em", run_em)
    ruled = search()
    assert min(n_iter for _, n_iter in stopped) >= FLAT_PATIENCE
    # Along one feature, and on one point (a volume of its own); never a
    # structure whose fitted variances do not bound the rows' own.
    assert {"VVI", "VII"} <= {name for name, _ in stopped}
    assert not {"EEE", "EVI", "VVE"} & {name for name, _ in stopped}
    monkeypatch.setattr(_search, "run_em", real_run_em)
    monkeypatch.setattr(_candidates, "_lattice_steps", lambda X, w: None)
    free = search()
    _assert_same_sound_candidates(ruled, free)


def test_selector_criteria_take_weights_and_include_icl():
    rng = np.random.RandomState(5)
    X = np.r_[rng.randn(60, 2), rng.randn(60, 2) + 4]
    w = rng.uniform(0.5, 2.0, X.shape[0])
    selector = GaussianMixtureIC(n_components=2, covariance_types=["VVV"]).fit(X)
    best = selector.best_estimator_
    for name in ("bic", "aic", "icl"):
        assert getattr(selector, name)(X) == getattr(best, name)(X)
        weighted = getattr(selector, name)(X, sample_weight=w)
        assert weighted == getattr(best, name)(X, sample_weight=w)
        assert weighted != getattr(selector, name)(X)


def test_ties_are_read_in_standardised_units():
    # Criteria within 1e-9 (relative) tie and go to fewer parameters; read
    # in the data's units, |BIC| grows with 2 n d |log c| when X is
    # multiplied by c, and at c = 1e-100 two fits 0.04 apart tied. In
    # standardised units (less the shift) they do not.
    from gmm_estimators.model_selection._candidates import rank_candidates

    values = np.array([4.6e7 + 0.04, 4.6e7])
    flagged = np.zeros(2, dtype=bool)
    n_parameters = np.array([5, 9])
    shift = 4.6e7 - 1000.0

    def ranks(criteria):
        return rank_candidates(criteria, flagged, n_parameters, units_shift=shift)

    assert ranks(values).tolist() == [2, 1]
    # A true tie (rounding) still goes to fewer parameters.
    assert ranks(np.array([1000.0 + 1e-10, 1000.0]) + shift).tolist() == [1, 2]


@pytest.mark.parametrize("order", range(3))
def test_one_component_fits_of_one_model_tie_whatever_their_rounding(order):
    # Rows 1e-6 off a plane: EEE, VEE, ..., VVV are one model with one
    # component, but their solvers' rounding differs by about 1e-4 BIC units
    # (3e-8 relative, beyond the tie tolerance): the label followed it, and
    # the rows' order. They tie, and the tie goes to EEE as in mclust.
    from gmm_estimators.model_selection._candidates import TIE_TOLERANCE

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2)) @ rng.standard_normal((2, 3))
    X += 1e-6 * rng.standard_normal(X.shape)
    X = X[np.random.default_rng(order).permutation(len(X))] if order else X
    selector = GaussianMixtureIC(n_components=1, random_state=0).fit(X)
    assert selector.covariance_type_ == "EEE"
    results = selector.results_
    full = np.isin(results["covariance_type"], ["EEE", "VVV", "EVE", "VEV"])
    # The fits did differ beyond the tie tolerance: the tie is not rounding's.
    spread = np.ptp(results["bic"][full]) / abs(results["bic"][full]).max()
    assert spread > TIE_TOLERANCE
    # Each diagonal and spherical structure ties with its own kind.
    ranked = results["covariance_type"][np.argsort(results["rank"])].tolist()
    assert ranked[8:] == ["EEI", "VEI", "EVI", "VVI", "EII", "VII"]


def test_a_registered_structure_of_the_same_form_and_count_is_not_tied():
    # A matrix-form structure with VVV's count that is another model at one
    # component (correlations halved) is no rounding of VVV's fit: it keeps
    # its own, far worse, value.
    from gmm_estimators.covariance import register, unregister
    from gmm_estimators.covariance._basic import VVV

    class Shrunk(VVV):
        name = "shrunk_test"
        aliases = ()
        description = "full, correlations halved"

        def m_step(self, nk, scatter, reg_covar, previous=None):
            covariances = super().m_step(nk, scatter, reg_covar, previous)
            diagonal = np.einsum("kii->ki", covariances).copy()
            covariances = 0.5 * covariances
            index = np.arange(covariances.shape[-1])
            covariances[:, index, index] = diagonal
            return covariances

    register(Shrunk())
    try:
        rng = np.random.default_rng(0)
        correlated = [[1, 0.9, 0.8], [0.9, 1, 0.85], [0.8, 0.85, 1]]
        X = rng.multivariate_normal([0, 0, 0], correlated, 300)
        selector = GaussianMixtureIC(
            n_components=1, covariance_types=["shrunk_test", "VVV"], random_state=0
        ).fit(X)
    finally:
        unregister("shrunk_test")
    assert selector.covariance_type_ == "VVV"
    results = selector.results_
    first = int(np.argmin(results["rank"]))
    assert results["covariance_type"][first] == "VVV"
    assert results["bic"].max() - results["bic"].min() > 100.0


def test_runs_that_cannot_win_are_not_judged(monkeypatch):
    """The collapse check (a pass over the data) runs only for possible winners.

    A challenger that ends at or below the best sound objective so far, or
    the incumbent's, loses whatever its verdict; judging it anyway changes
    nothing in the search's table.
    """
    from gmm_estimators.model_selection import _search

    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(60, 2)), rng.normal(size=(60, 2)) + 4.0])
    params = dict(n_components=[1, 2, 3], covariance_types=["VVV", "EEI"])
    real_judge, real_run_em = _search._judge, _search.run_em
    judged, bars = [], {}

    def run_em(model, data, start, options, **kwargs):
        run = real_run_em(model, data, start, options, **kwargs)
        bars[id(run)] = options.abandon_below + 1.0 / data.weight_sum
        return run

    def judge(model, data, run, options):
        judged.append(run.lower_bound > bars[id(run)])
        return real_judge(model, data, run, options)

    monkeypatch.setattr(_search, "run_em", run_em)
    monkeypatch.setattr(_search, "_judge", judge)
    skipped = GaussianMixtureIC(**params, random_state=0).fit(X)
    assert judged and all(judged)

    # Judging every run that was not abandoned: the same table.
    monkeypatch.setattr(_search, "_loses_unjudged", lambda run, bar: run.abandoned)
    judged.clear()
    every = GaussianMixtureIC(**params, random_state=0).fit(X)
    assert not all(judged)  # runs at or below the bar were judged this time
    assert skipped.results_.keys() == every.results_.keys()
    for key in set(skipped.results_) - {"fit_time"}:
        assert_array_equal(skipped.results_[key], every.results_[key])


@pytest.mark.parametrize("weighted", [False, True])
def test_table_scores_the_model_as_stored_far_from_the_origin(weighted):
    # At 1e15 the stored means_ are rounded by 0.06 against a spread of 1:
    # the table scored the run's parameters (log-likelihood -918.357) while
    # best_estimator_ scores the stored ones (-918.400).
    rng = np.random.RandomState(0)
    shifts = np.r_[np.zeros(100), 10 * np.ones(100)][:, None]
    X = rng.randn(200, 2) * np.array([1.0, 3.0]) + 1e15 + shifts
    w = rng.uniform(0.5, 2.0, 200) if weighted else None
    selector = GaussianMixtureIC(n_components=3, random_state=0).fit(X, sample_weight=w)
    best, row = selector.best_estimator_, selector.best_index_
    ones = np.ones(200) if w is None else w
    assert_allclose(
        selector.results_["log_likelihood"][row],
        ones @ best.score_samples(X),
        rtol=1e-12,
    )
    assert_allclose(selector.criterion_, best.bic(X, sample_weight=w), rtol=1e-12)


@pytest.mark.parametrize("factor", [1e-3, 1.0, 1e3])
def test_regularisation_is_negligible_along_the_datas_thinnest_direction(factor):
    # Five features near a tilted plane (noise sd 0.002): the data's thinnest
    # direction has a variance of 4e-6 of the features'. reg_covar in units
    # of the smallest feature variance was a quarter of it, 7 nats off the
    # closed-form maximum likelihood of one Gaussian (14 BIC units).
    rng = np.random.RandomState(0)
    plane = rng.randn(300, 2) @ rng.randn(2, 5)
    X = factor * (plane + 0.002 * rng.randn(300, 5))
    selector = GaussianMixtureIC(
        n_components=[1], covariance_types=["VVV"], random_state=0
    ).fit(X)
    centred = X - X.mean(axis=0)
    covariance = centred.T @ centred / X.shape[0]
    n, d = X.shape
    exact = -0.5 * n * (d * np.log(2 * np.pi) + np.linalg.slogdet(covariance)[1] + d)
    assert_allclose(selector.results_["log_likelihood"][0], exact, atol=1e-3)


@pytest.mark.parametrize("factor", [1e-3, 1.0, 1e3])
def test_regularisation_is_negligible_along_a_spread_direction_the_span_drops(factor):
    # Two clusters of unequal volume 1e-5 of their spread off a tilted
    # plane: the correlation's thinnest eigenvalue (2.5e-11) is below the
    # span's floor (1e-10), so the unit of reg_covar was read from the
    # plane's directions and swamped the rows' spread off it. VEE's shared
    # shape left the smaller component's variance there below reg_covar, so
    # the swamped clusters' rerun found no own variance to take: the cell
    # ended 1,357 nats below the maximum likelihood, with only a warning.
    rng = np.random.RandomState(0)
    flat = np.vstack([rng.randn(150, 2), 0.7 * rng.randn(150, 2) + [4.0, 1.0]])
    X = np.column_stack([flat, flat @ [0.6, -0.8] + 1e-5 * rng.randn(300)])
    X *= factor
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(X.T))
    assert eigenvalues[0] < 1e-10 * eigenvalues[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        selector = GaussianMixtureIC(
            n_components=[2], covariance_types=["VEE"], random_state=0
        ).fit(X)
    # The oracle: unregularised EM from the clusters' own means.
    labels = np.repeat([0, 1], 150)
    means = np.array([X[labels == k].mean(axis=0) for k in (0, 1)])
    ml = GaussianMixture(
        2,
        covariance_type="VEE",
        reg_covar=0,
        tol=1e-12,
        max_iter=5000,
        means_init=means,
    ).fit(X)
    assert ml.converged_
    assert_allclose(
        selector.results_["log_likelihood"][0], 300 * ml.score(X), atol=1e-3
    )


@pytest.mark.parametrize(
    "weights, match",
    [
        ([1.0, 2.0], "sample_weight.shape"),
        (-np.ones(272), "Negative values"),
        (np.full(272, np.nan), "NaN"),
    ],
)
def test_scorers_check_weights_for_mixtures_whose_criteria_take_none(weights, match):
    # scikit-learn's mixtures: a broadcast error, a math domain error or a
    # silent NaN before.
    import sklearn.mixture

    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    mixture = sklearn.mixture.GaussianMixture(2, random_state=0).fit(X)
    for criterion in (bic_score, aic_score, icl):
        with pytest.raises(ValueError, match=match):
            criterion(mixture, X, sample_weight=weights)


def test_weights_of_a_tiny_common_factor_search_as_unit_weights():
    # Weights of 1e-320 each sum below the smallest normal float: the
    # feature covariance divided by their sum (inf), and the search ended in
    # numpy's LinAlgError after its RuntimeWarnings.
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(50, 3), rng.randn(50, 3) + 5])
    settings = dict(n_components=2, covariance_types=["VVV"], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.filterwarnings("ignore", "BIC of rows whose sample_weight sums")
        tiny = GaussianMixtureIC(**settings).fit(X, sample_weight=np.full(100, 1e-320))
    plain = GaussianMixtureIC(**settings).fit(X)
    assert tiny.n_components_ == plain.n_components_ == 2
    # The same optimum: subnormal weights keep 11 bits, so their sums round
    # otherwise and EM stops on a neighbouring iterate.
    tiny_means, plain_means = tiny.best_estimator_.means_, plain.best_estimator_.means_
    assert_allclose(tiny_means, plain_means, rtol=1e-4)


def test_fitted_candidates_keep_their_own_prior_and_sample_follows_the_selector():
    # The chosen model shared the selector's ConjugatePrior object: set_params
    # (prior__shrinkage=...) on the selector changed the fitted model's
    # hyperparameters, and a clone of it no longer reproduced it.
    from gmm_estimators import ConjugatePrior

    X = np.random.RandomState(0).standard_normal((80, 2))
    selector = GaussianMixtureIC(
        n_components=2,
        covariance_types=["VVV"],
        prior=ConjugatePrior(shrinkage=0.1),
        random_state=0,
    ).fit(X)
    best = selector.best_estimator_
    selector.set_params(prior__shrinkage=50.0)
    assert best.get_params()["prior__shrinkage"] == 0.1
    np.testing.assert_array_equal(clone(best).fit(X).means_, best.means_)
    # sample: None uses the selector's random_state, as its docstring says.
    first, _ = selector.sample(5)
    np.testing.assert_array_equal(selector.sample(5)[0], first)
    selector.set_params(random_state=123)
    assert not np.array_equal(selector.sample(5)[0], first)
    np.testing.assert_array_equal(selector.sample(5)[0], best.sample(5, 123)[0])


def test_a_data_frame_and_an_array_of_the_same_rows_give_the_same_table():
    # A DataFrame's values are column-major; the package reads rows
    # row-major whatever their layout, so a CSV read with pandas (the
    # CLI's reader) and the same values in memory give one table, bit for
    # bit (a cell differed by 1.5 BIC units on nearly singular data).
    import pandas as pd

    rng = np.random.default_rng(5)
    X = np.r_[
        rng.normal(size=(60, 3)),
        rng.normal(size=(60, 3)) @ rng.normal(size=(3, 3)) + 4,
    ]
    tables = []
    for rows in (X, pd.DataFrame(X), np.asfortranarray(X)):
        search = GaussianMixtureIC(
            n_components=[2, 3],
            covariance_types=["VVV", "EVE", "VEV"],
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tables.append(search.fit(rows).results_)
    for table in tables[1:]:
        assert_array_equal(table["bic"], tables[0]["bic"])


def test_rows_of_weight_zero_count_for_nothing_in_the_thorough_search(tmp_path):
    # The hierarchical start reads the weights relative to their mean and a
    # proposal's partition labels every row: rows of weight zero changed the
    # table (by 4.7e-4 here, 1.7 units of log-likelihood on a VEE cell of
    # other data), and with where they lay.
    rng = np.random.RandomState(2)
    centres = rng.normal(scale=4.0, size=(3, 3))
    labels = rng.randint(3, size=300)
    X = np.empty((300, 3))
    for j in range(3):
        spread = rng.normal(size=(3, 3)) * 0.7 + np.eye(3)
        X[labels == j] = centres[j] + rng.normal(size=(np.sum(labels == j), 3)) @ spread
    X *= [1.0, 3.0, 0.5]
    draw = np.random.RandomState(7)
    w = draw.randint(1, 4, size=300).astype(float)
    w[draw.rand(300) < 0.2] = 0.0
    keep = w > 0
    far = X.copy()
    far[~keep] *= 100

    def searched(rows, weights):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GaussianMixtureIC(n_components=4, random_state=0).fit(
                rows, sample_weight=weights
            )

    without = searched(X[keep], w[keep])
    # Read in pages or chunks, the starts' in-memory sample held them too.
    mapped = np.memmap(tmp_path / "rows.dat", np.float64, "w+", shape=far.shape)
    mapped[:] = far
    import dask.array as dask_array

    chunked = dask_array.from_array(far, chunks=(100, 3))
    for rows in (X, far, mapped, chunked):
        found = searched(rows, w)
        for key in ("log_likelihood", "bic", "icl"):
            assert_allclose(found.results_[key], without.results_[key], rtol=1e-10)
        labels = np.asarray(found.labels_)
        assert labels.shape == (X.shape[0],)
        assert_array_equal(labels[keep], without.labels_)


def test_a_large_relative_reg_covar_is_said_once_in_its_own_terms():
    # The search runs again with a lowered reg_covar (clusters tighter than
    # it): each search warned "reg_covar=1.29 / 1.22 / 1.21 is large ...
    # reg_covar is in the data's squared units", though the user gave 10,
    # relative to the data's thinnest spread.
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixtureIC(
            n_components=2, covariance_types="VVV", reg_covar=10.0, random_state=0
        ).fit(X)
    large = [str(w.message) for w in caught if "is large compared" in str(w.message)]
    assert len(large) == 1
    assert large[0].startswith("reg_covar=10 (relative to the data's thinnest spread")
    # The same absolute value given to the grid search is said as it is.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixtureIC(
            n_components=2, covariance_types="VVV", reg_covar=50.0, search="grid"
        ).fit(X)
    large = [str(w.message) for w in caught if "is large compared" in str(w.message)]
    assert len(large) == 1 and "squared units: lower it" in large[0]
