"""adapt_mixture: MAP adaptation of a background mixture (Reynolds et al. 2000)."""

import copy
import dataclasses
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from gmm_estimators import GaussianMixture, adapt_mixture, available_covariance_types
from gmm_estimators.exceptions import DegenerateFitWarning

ALL = ("weights", "means", "covariances")


def blobs(rng, centers, n_per, scale=1.0):
    return np.vstack([rng.randn(n_per, len(c)) * scale + c for c in centers])


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    centers = [[0, 0, 0], [5, 0, 0], [0, 14, 0]]
    X_background = blobs(rng, centers, 60)
    X_new = blobs(rng, [[0.8, 0.4, 0.0], [5.0, 1.0, -0.5]], 25, scale=0.8)
    return X_background, X_new


def background(X, covariance_type="full", n_components=3):
    return GaussianMixture(
        n_components, covariance_type=covariance_type, random_state=0
    ).fit(X)


@pytest.mark.parametrize(
    "covariance_type", ["full", "tied", "diag", "spherical", "EEI"]
)
def test_zero_relevance_is_one_em_step(data, covariance_type):
    X_background, _ = data
    X_new = X_background[::3] * 1.1 + 0.3  # data for every component
    ubm = background(X_background, covariance_type)
    adapted = adapt_mixture(ubm, X_new, relevance_factor=0.0, adapt=ALL)
    # One EM iteration of a GaussianMixture started at the background.
    em = GaussianMixture(
        3,
        covariance_type=covariance_type,
        weights_init=ubm.weights_,
        means_init=ubm.means_,
        precisions_init=ubm.precisions_,
        max_iter=1,
        tol=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        em.fit(X_new)
    assert_allclose(adapted.weights_, em.weights_, rtol=1e-10, atol=1e-15)
    assert_allclose(adapted.means_, em.means_, rtol=1e-10, atol=1e-12)
    assert_allclose(adapted.covariances_, em.covariances_, rtol=1e-9)
    assert_allclose(adapted.precisions_, em.precisions_, rtol=1e-8)


def test_reynolds_formulas_for_diagonal_covariances(data):
    X_background, X_new = data
    ubm = background(X_background, "diag")
    r = 16.0
    adapted = adapt_mixture(ubm, X_new, relevance_factor=r, adapt=ALL)
    # Equations (11)-(14) of Reynolds, Quatieri and Dunn (2000).
    posterior = ubm.predict_proba(X_new)
    n = posterior.sum(axis=0)
    Ex = posterior.T @ X_new / n[:, None]
    Ex2 = posterior.T @ X_new**2 / n[:, None]
    alpha = (n / (n + r))[:, None]
    weights = alpha[:, 0] * n / len(X_new) + (1 - alpha[:, 0]) * ubm.weights_
    weights /= weights.sum()
    means = alpha * Ex + (1 - alpha) * ubm.means_
    sigma2 = ubm.covariances_ - ubm.reg_covar
    variances = alpha * Ex2 + (1 - alpha) * (sigma2 + ubm.means_**2) - means**2
    assert_allclose(adapted.weights_, weights, rtol=1e-10)
    assert_allclose(adapted.means_, means, rtol=1e-10, atol=1e-12)
    assert_allclose(adapted.covariances_, variances + ubm.reg_covar, rtol=1e-9)


def test_means_only_keeps_the_rest(data):
    X_background, X_new = data
    ubm = background(X_background)
    before = copy.deepcopy(ubm.__dict__)
    adapted = adapt_mixture(ubm, X_new)
    assert_array_equal(adapted.weights_, ubm.weights_)
    assert_array_equal(adapted.covariances_, ubm.covariances_)
    assert_array_equal(adapted.precisions_cholesky_, ubm.precisions_cholesky_)
    assert not np.allclose(adapted.means_, ubm.means_)
    # The background is not modified, and the result is a fitted mixture.
    for key, value in before.items():
        if dataclasses.is_dataclass(value):  # partial_fit's running statistics
            now = ubm.__dict__[key]
            for field in dataclasses.fields(value):
                assert_array_equal(getattr(now, field.name), getattr(value, field.name))
            continue
        assert_array_equal(np.asarray(ubm.__dict__[key], dtype=object), value)
    assert adapted is not ubm
    assert adapted.get_params() == ubm.get_params()
    assert adapted.n_parameters_ == ubm.n_parameters_
    assert adapted.n_iter_ == 1
    assert adapted.lower_bound_ == pytest.approx(adapted.score(X_new))


def test_components_the_data_do_not_reach_stay(data):
    X_background, X_new = data
    ubm = background(X_background)
    far = np.argmax(ubm.means_[:, 1])  # the component at (0, 14, 0)
    assert ubm.predict_proba(X_new)[:, far].sum() < 1e-10
    adapted = adapt_mixture(ubm, X_new, adapt=ALL)
    assert_allclose(adapted.means_[far], ubm.means_[far], rtol=1e-9)
    assert_allclose(adapted.covariances_[far], ubm.covariances_[far], rtol=1e-9)
    assert adapted.weights_[far] < ubm.weights_[far]  # renormalised only
    # A huge relevance factor keeps the whole background.
    kept = adapt_mixture(ubm, X_new, relevance_factor=1e12, adapt=ALL)
    assert_allclose(kept.means_, ubm.means_, rtol=1e-9)
    assert_allclose(kept.covariances_, ubm.covariances_, rtol=1e-9)
    assert_allclose(kept.weights_, ubm.weights_, rtol=1e-9)


@pytest.mark.parametrize("offset", [1e12, 1e17, 1e100])
def test_components_rows_far_away_do_not_reach_keep_their_means_exactly(offset):
    # The means were adapted in coordinates centred on the rows: a component
    # no row reaches came back at 0 for rows at 1e17 (its mean cancelled).
    rng = np.random.RandomState(0)
    X_background = np.r_[rng.randn(200, 2) - 3, rng.randn(200, 2) + 3]
    ubm = background(X_background, n_components=2)
    X_far = np.array([[1.0, 1.0], [1.01, 1.0], [1.0, 1.02]]) * offset
    adapted = adapt_mixture(ubm, X_far, adapt=("weights", "means"))
    far = np.argmin(ubm.means_[:, 0])  # neither row reaches it (at (-3, -3))
    assert adapted.predict_proba(X_far)[:, far].sum() == 0
    assert_array_equal(adapted.means_[far], ubm.means_[far])
    # The reached component moves towards the rows by alpha = n / (n + 16).
    near = 1 - far
    alpha = 3 / (3 + 16)
    expected = ubm.means_[near] + alpha * (X_far.mean(axis=0) - ubm.means_[near])
    assert_allclose(adapted.means_[near], expected, rtol=1e-12)


def test_rows_whose_squares_overflow_are_a_clear_error(data):
    # The adapted covariances were inf, with lower_bound_ -inf.
    X_background, _ = data
    with pytest.raises(ValueError, match="squares overflow float64.*Rescale X"):
        adapt_mixture(background(X_background), [[1e160, 1e160, 0], [2e160, 1e160, 0]])
    # Rows whose own spread fits, far from the background: the squared
    # distances to its means overflowed (a raw OverflowError at 1e154).
    far = np.array([[1.0, 1.0, 1.0], [1.01, 1.0, 1.0], [1.0, 1.02, 1.0]])
    for offset in (1e154, 1e155):
        with pytest.raises(ValueError, match="squared distances overflow"):
            adapt_mixture(background(X_background), far * offset)


@pytest.mark.parametrize("covariance_type", available_covariance_types()[:14])
def test_every_structure_keeps_its_constraint_and_fits_better(data, covariance_type):
    X_background, X_new = data
    ubm = background(X_background, covariance_type, n_components=2)
    adapted = adapt_mixture(ubm, X_new, adapt=ALL, relevance_factor=8.0)
    assert adapted.covariance_type == covariance_type
    assert adapted.covariances_.shape == ubm.covariances_.shape
    assert adapted.collapsed_components_.size == 0
    # The structure's own M-step imposed its constraint: refitting the
    # adapted covariances with it changes nothing.
    refit = GaussianMixture(
        2,
        covariance_type=covariance_type,
        weights_init=adapted.weights_,
        means_init=adapted.means_,
        precisions_init=adapted.precisions_,
        max_iter=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit.fit(X_new)
    assert_allclose(refit.covariances_, adapted.covariances_, rtol=1e-6)
    # A MAP step from the prior's mode cannot lower the likelihood.
    assert adapted.score(X_new) >= ubm.score(X_new) - 1e-10


def test_more_steps_move_further(data):
    X_background, X_new = data
    ubm = background(X_background)
    one = adapt_mixture(ubm, X_new, adapt=ALL)
    two = adapt_mixture(ubm, X_new, adapt=ALL, n_iter=2)
    assert two.n_iter_ == 2
    assert not np.allclose(one.means_, two.means_)
    assert two.score(X_new) >= one.score(X_new) - 1e-10


def test_integer_sample_weight_is_repetition(data):
    X_background, X_new = data
    ubm = background(X_background)
    weights = np.random.RandomState(1).randint(0, 4, size=len(X_new))
    weighted = adapt_mixture(ubm, X_new, sample_weight=weights, adapt=ALL)
    repeated = adapt_mixture(ubm, np.repeat(X_new, weights, axis=0), adapt=ALL)
    assert_allclose(weighted.weights_, repeated.weights_, rtol=1e-10)
    assert_allclose(weighted.means_, repeated.means_, rtol=1e-10)
    assert_allclose(weighted.covariances_, repeated.covariances_, rtol=1e-9)


def test_bad_input(data):
    X_background, X_new = data
    with pytest.raises(NotFittedError):
        adapt_mixture(GaussianMixture(2), X_new)
    ubm = background(X_background)
    with pytest.raises(ValueError, match="adapt must name one or more"):
        adapt_mixture(ubm, X_new, adapt=("means", "shapes"))
    with pytest.raises(ValueError, match="non-zero|every weight is zero"):
        adapt_mixture(ubm, X_new, sample_weight=np.zeros(len(X_new)))
    with pytest.raises(ValueError, match="3 features"):
        adapt_mixture(ubm, X_new[:, :2])
    with pytest.raises(ValueError, match="relevance_factor"):
        adapt_mixture(ubm, X_new, relevance_factor=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        adapt_mixture(ubm, np.where(X_new > 4, np.nan, X_new))


def test_backgrounds_it_cannot_adapt_are_refused(data):
    X_background, X_new = data
    noisy = GaussianMixture(2, noise=True, random_state=0).fit(X_background)
    with pytest.raises(ValueError, match="noise component"):
        adapt_mixture(noisy, X_new)
    equal = GaussianMixture(3, equal_proportions=True, random_state=0).fit(
        X_background
    )
    with pytest.raises(ValueError, match="equal_proportions=True"):
        adapt_mixture(equal, X_new, adapt=("weights", "means"))
    adapted = adapt_mixture(equal, X_new)  # the means alone: allowed
    assert_allclose(adapted.weights_, 1 / 3)


def test_missing_values_are_refused_with_a_remedy(data):
    X_background, X_new = data
    ubm = background(X_background)
    X_nan = X_new.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError) as error:
        adapt_mixture(ubm, X_nan)
    message = str(error.value)
    assert "adapt_mixture does not support missing values (NaN)" in message
    assert "GaussianMixtureImputer" in message
    assert "natively" not in message  # not scikit-learn's generic message


def test_feature_names_are_carried_over_and_checked(data):
    pd = pytest.importorskip("pandas")
    X_background, X_new = data
    columns = ["a", "b", "c"]
    ubm = GaussianMixture(3, covariance_type="diag", random_state=0).fit(
        pd.DataFrame(X_background, columns=columns)
    )
    new = pd.DataFrame(X_new, columns=columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no spurious feature-name warning
        adapted = adapt_mixture(ubm, new, adapt=ALL, n_iter=2)
        scores = adapted.score_samples(new)
    assert_array_equal(adapted.feature_names_in_, columns)
    # The same numbers as from the arrays.
    plain = adapt_mixture(
        GaussianMixture(3, covariance_type="diag", random_state=0).fit(X_background),
        X_new,
        adapt=ALL,
        n_iter=2,
    )
    assert not hasattr(plain, "feature_names_in_")
    assert_allclose(adapted.means_, plain.means_)
    assert_allclose(scores, plain.score_samples(X_new))
    swapped = new[["b", "a", "c"]]
    with pytest.raises(ValueError, match="feature names should match"):
        adapt_mixture(ubm, swapped)
    with pytest.raises(ValueError, match="feature names should match"):
        adapted.score(swapped)


def test_an_array_for_a_named_background_warns_once(data):
    pd = pytest.importorskip("pandas")
    X_background, X_new = data
    ubm = background(pd.DataFrame(X_background, columns=["a", "b", "c"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        adapted = adapt_mixture(ubm, X_new, n_iter=3)
    messages = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert len(messages) == 1, messages
    assert "does not have valid feature names" in messages[0]
    assert_array_equal(adapted.feature_names_in_, ["a", "b", "c"])


def test_a_maximum_likelihood_step_on_too_few_rows_is_flagged():
    # relevance_factor=0 re-estimates a covariance from the rows alone: a
    # component that two rows reach in 3-D collapsed onto them (its
    # covariance reg_covar * I), returned as sound before.
    rng = np.random.RandomState(0)
    ubm = background(np.r_[rng.randn(100, 3), rng.randn(100, 3) + 6], n_components=2)
    X_new = np.r_[rng.randn(30, 3), [[6, 6, 6], [6.5, 6, 5.5]]]
    far = int(np.argmax(ubm.means_.sum(axis=1)))
    every = ("weights", "means", "covariances")
    with pytest.warns(DegenerateFitWarning, match="collapsed"):
        adapted = adapt_mixture(ubm, X_new, adapt=every, relevance_factor=0.0)
    assert adapted.collapsed_components_.tolist() == [far]
    assert adapted.spurious_components_.size == 0
    # The background's pseudo-observations keep every covariance sound.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        pooled = adapt_mixture(ubm, X_new, adapt=every, relevance_factor=16.0)
    assert pooled.collapsed_components_.size == 0
    assert pooled.spurious_components_.size == 0


@pytest.mark.parametrize("relevance_factor", [0.0, 1e-12])
@pytest.mark.parametrize("on", ["a line", "two points"])
def test_rows_in_a_subspace_of_the_background_collapse_a_component(
    relevance_factor, on
):
    # Rows on a line (or two points) of the background's plane, adapted with
    # a negligible relevance factor: the component's covariance is singular
    # across the line, yet read in the rows' own span (the line) it looked
    # sound, and the component was returned as sound, without a warning.
    rng = np.random.RandomState(3)
    ubm = background(
        np.r_[rng.randn(40, 2), rng.randn(40, 2) + 4, rng.randn(40, 2) + [4, -4]]
    )
    if on == "a line":
        X_new = np.c_[np.linspace(3, 5, 5), np.linspace(3, 5, 5)]
    else:
        X_new = np.tile([[4.0, 4.0], [4.5, 4.2]], (3, 1))
    near = int(np.argmin(np.abs(ubm.means_ - [4, 4]).sum(axis=1)))
    with pytest.warns(DegenerateFitWarning, match="collapsed"):
        adapted = adapt_mixture(
            ubm, X_new, adapt=ALL, relevance_factor=relevance_factor
        )
    covariance = adapted.covariances_[near] - adapted.reg_covar * np.eye(2)
    assert np.linalg.eigvalsh(covariance)[0] < 1e-12  # singular across the line
    assert near in adapted.collapsed_components_
    # A relevance factor that weighs keeps every covariance spread.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        pooled = adapt_mixture(ubm, X_new, adapt=ALL, relevance_factor=1.0)
    assert pooled.collapsed_components_.size == 0


@pytest.mark.parametrize("covariance_type", ["tied", "EII", "EEI"])
def test_zero_relevance_shared_covariance_ignores_a_component_no_row_reaches(
    covariance_type,
):
    # relevance_factor=0 is one EM step: a covariance shared by the
    # components is the rows' own. A component that no row reaches entered
    # it as one pseudo-row of the background's covariance (0.19 for 0.11).
    rng = np.random.RandomState(0)
    ubm = background(
        np.r_[rng.randn(100, 2), rng.randn(100, 2) + 100], covariance_type, 2
    )
    X_new = rng.randn(10, 2) * 0.3
    reached = ubm.predict_proba(X_new).sum(axis=0)
    assert np.count_nonzero(reached == 0) == 1  # the far component: none
    adapted = adapt_mixture(
        ubm, X_new, relevance_factor=0.0, adapt=("means", "covariances")
    )
    centred = X_new - X_new.mean(axis=0)
    scatter = centred.T @ centred / len(X_new)
    own = {
        "tied": scatter,
        "EII": np.full(2, np.trace(scatter) / 2),
        "EEI": np.diag(scatter),
    }[covariance_type]
    k = int(np.flatnonzero(reached > 0)[0])
    got = np.asarray(adapted.covariances_)
    got = got if covariance_type == "tied" else got[k]
    reg = ubm.reg_covar * (np.eye(2) if covariance_type == "tied" else 1.0)
    assert_allclose(got, own + reg, rtol=1e-10)


def test_zero_relevance_weights_are_the_maximum_likelihood_step():
    # relevance_factor=0 is one EM step: its weights are n_k / N. A component
    # whose responsibilities underflow to exactly zero kept its background
    # weight (a quarter of the mixture), one whose responsibilities were
    # 1e-204 got none.
    rng = np.random.RandomState(0)
    X_background = np.r_[
        rng.randn(300, 2), rng.randn(300, 2) + [30, 0], rng.randn(300, 2) + [2000, 0]
    ]
    ubm = GaussianMixture(3, random_state=0).fit(X_background)
    X_new = rng.randn(100, 2) * 0.5
    reached = ubm.predict_proba(X_new).sum(axis=0)
    assert np.count_nonzero(reached == 0) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        adapted = adapt_mixture(ubm, X_new, relevance_factor=0.0, adapt="weights")
        assert_allclose(adapted.weights_, reached / reached.sum(), atol=1e-15)
        assert np.all(np.isfinite(adapted.score_samples(X_new)))


@pytest.mark.parametrize("copies", [1, 5])
def test_covariances_re_estimated_from_one_point_are_collapsed(copies):
    # relevance_factor=0 on one row (or one row repeated) leaves every
    # covariance the outer product of one point plus reg_covar: a line of
    # the span. Far narrower than the others, every component was called
    # spurious and none collapsed, as two distinct rows are.
    rng = np.random.RandomState(0)
    ubm = GaussianMixture(3, random_state=0).fit(
        np.vstack([rng.randn(200, 3) + 5 * k for k in range(3)])
    )
    X_new = np.repeat(rng.randn(1, 3) + 5, copies, axis=0)
    with pytest.warns(DegenerateFitWarning, match="collapsed"):
        adapted = adapt_mixture(
            ubm, X_new, relevance_factor=0.0, adapt="covariances"
        )
    assert adapted.collapsed_components_.tolist() == [0, 1, 2]
    assert adapted.spurious_components_.size == 0
    # Rows that spread around that point are data: the component holding
    # them is sound. The two others reach them with far less than a row's
    # worth of weight, from which nothing can be re-estimated: collapsed.
    spread = X_new + 1e-3 * rng.randn(5, 3) if copies == 5 else None
    if spread is not None:
        with pytest.warns(DegenerateFitWarning, match="collapsed"):
            fitted = adapt_mixture(
                ubm, spread, relevance_factor=0.0, adapt="covariances"
            )
        holder = int(ubm.predict(spread[:1])[0])
        others = sorted(set(range(3)) - {holder})
        assert fitted.collapsed_components_.tolist() == others
        assert ubm.predict_proba(spread)[:, others].sum() < 1e-6


def test_a_list_of_chunks_is_refused_with_the_remedy():
    # numpy made the chunks a 3-D array, and the error named GaussianMixture.
    X = np.random.RandomState(0).randn(100, 2)
    background = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(TypeError, match="adapt_mixture expects one array"):
        adapt_mixture(background, np.array_split(X, 4))
    # A generator failed scikit-learn's parameter check first ("must be an
    # array-like"), without the remedy.
    chunks = (c for c in np.array_split(X, 4))
    with pytest.raises(TypeError, match="adapt_mixture expects one array.*concatenate"):
        adapt_mixture(background, chunks)


def test_a_component_adapted_from_less_than_a_row_is_flagged():
    # relevance_factor=0 re-estimated component 0 from 6e-7 rows' worth of
    # responsibility: its mean moved to the rows' faint tail and its
    # covariance was spread, so nothing was flagged and nothing said.
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal(0, 1, (40, 3)), rng.normal(4, 1, (40, 3))])
    background = GaussianMixture(2, random_state=0).fit(X)
    rows = X[:10]
    with pytest.warns(DegenerateFitWarning, match="component.s. 0 .* collapsed"):
        adapted = adapt_mixture(
            background,
            rows,
            relevance_factor=0,
            adapt=("means", "covariances", "weights"),
        )
    assert background.predict_proba(rows)[:, 0].sum() < 1e-5
    assert adapted.collapsed_components_.tolist() == [0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        # Where the background's pseudo-observations outweigh those rows
        # (even half a row's worth), its covariance holds the component.
        for r in (0.5, 16.0):
            sound = adapt_mixture(
                background, rows, relevance_factor=r, adapt=("means", "covariances")
            )
            assert sound.collapsed_components_.tolist() == []
        # A covariance shared by the components is pooled from every row.
        tied = GaussianMixture(2, covariance_type="tied", random_state=0).fit(X)
        pooled = adapt_mixture(
            tied, rows, relevance_factor=0, adapt=("means", "covariances")
        )
        assert pooled.collapsed_components_.tolist() == []
        # Rows' worth is counted in rows: a common factor of the weights,
        # which relevance_factor=0 does not see, changes no verdict.
        both = np.r_[X[:10], X[40:50]]
        for scale in (1.0, 0.01):
            fitted = adapt_mixture(
                background,
                both,
                sample_weight=np.full(20, scale),
                relevance_factor=0,
                adapt=("means", "covariances"),
            )
            assert fitted.collapsed_components_.tolist() == []
