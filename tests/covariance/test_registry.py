"""The public registry: structures defined in user code fit everywhere."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from gmm_estimators import GaussianMixture, available_covariance_types
from gmm_estimators.covariance import (
    BOUNDED,
    DIAGONAL_SCATTERS,
    SOME_SPREAD_ONLY,
    CovarianceModel,
    DiagonalCovariance,
    FullCovariance,
    SphericalCovariance,
    StatisticsForm,
    TiedCovariance,
    get_covariance_model,
    register,
    unregister,
)
from gmm_estimators.exceptions import DegenerateFitWarning
from gmm_estimators.model_selection import GaussianMixtureIC


class KnownVariance(SphericalCovariance):
    name = "test-known"
    aliases = ("test-known-alias",)

    def n_parameters(self, n_components, n_features):
        return 0

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return np.full(nk.shape[0], 0.25 + reg_covar)


@pytest.fixture
def registered():
    model = register(KnownVariance())
    yield model
    unregister(model.name)


def blobs(rng):
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    return np.vstack([c + 0.5 * rng.standard_normal((80, 2)) for c in centres])


def test_user_structure_fits_with_gaussian_mixture(registered, rng):
    X = blobs(rng)
    for name in ("test-known", "test-known-alias"):
        gm = GaussianMixture(3, covariance_type=name, random_state=0).fit(X)
        np.testing.assert_allclose(gm.covariances_, 0.25 + 1e-6)
        assert gm.n_parameters_ == 3 * 2 + 2  # means and proportions only
        assert gm.score(X) > -3.0


def test_user_structure_is_searched_by_the_selector(registered, rng):
    X = blobs(rng)
    search = GaussianMixtureIC(
        n_components=4, covariance_types=["test-known", "VII"], random_state=0
    ).fit(X)
    assert set(search.results_["covariance_type"]) == {"test-known", "VII"}
    known = search.results_["covariance_type"] == "test-known"
    assert np.all(np.isfinite(search.results_["bic"][known]))
    # With every structure, the registered one is among the candidates.
    everything = GaussianMixtureIC(n_components=1, random_state=0).fit(X)
    assert "test-known" in set(everything.results_["covariance_type"])


def test_validation_reads_the_registry_at_fit_time(rng):
    X = blobs(rng)
    with pytest.raises(ValueError, match="covariance_type"):
        GaussianMixture(covariance_type="test-known").fit(X)
    register(KnownVariance())
    try:
        GaussianMixture(covariance_type="test-known").fit(X)
    finally:
        unregister("test-known")
    assert "test-known" not in available_covariance_types(aliases=True)
    with pytest.raises(ValueError, match="Unknown covariance_type"):
        get_covariance_model("test-known-alias")


def test_names_cannot_be_taken_twice(registered):
    with pytest.raises(ValueError, match="already registered"):
        register(KnownVariance())

    class TakesFull(KnownVariance):
        name = "test-other"
        aliases = ("full",)

    with pytest.raises(ValueError, match="'full' is already registered"):
        register(TakesFull())
    # Nothing of a refused structure is registered.
    assert "test-other" not in available_covariance_types(aliases=True)


def test_contract_is_abstract():
    with pytest.raises(TypeError):
        CovarianceModel()


def test_every_estimator_accepts_a_registered_structure(registered, rng):
    from gmm_estimators import (
        GaussianMixtureClassifier,
        GaussianMixtureImputer,
        GaussianMixtureOutlierDetector,
        GaussianMixtureRegressor,
    )

    X = blobs(rng)
    y = np.repeat([0, 1, 2], 80)
    holes = X.copy()
    holes[rng.uniform(size=X.shape) < 0.1] = np.nan
    holes[np.isnan(holes).all(axis=1), 0] = 0.0
    GaussianMixtureClassifier(
        n_components=[1], covariance_types=["test-known"], random_state=0
    ).fit(X, y)
    GaussianMixtureOutlierDetector(
        n_components=[3], covariance_types=["test-known"], random_state=0
    ).fit(X)
    imputer = GaussianMixtureImputer(
        n_components=3, covariance_type="test-known", random_state=0
    ).fit(holes)
    assert np.all(np.isfinite(imputer.transform(holes)))
    regressor = GaussianMixtureRegressor(
        3, covariance_type="test-known", random_state=0
    ).fit(X[:, :1], X[:, 1])
    assert np.all(np.isfinite(regressor.predict(X[:, :1])))


def test_bad_registrations_are_refused_clearly():
    with pytest.raises(TypeError, match=r"pass KnownVariance\(\)"):
        register(KnownVariance)

    class Nameless(KnownVariance):
        name = None

    with pytest.raises(ValueError, match="non-empty strings"):
        register(Nameless())
    with pytest.raises(TypeError, match="CovarianceModel instance"):
        register("VVV")
    assert None not in available_covariance_types(aliases=True)

    # A str of aliases registered each of its characters (covariance_type="x"
    # then fitted this structure).
    class OneAlias(KnownVariance):
        name = "test-one-alias"
        aliases = "xyz"

    with pytest.raises(TypeError, match=r"aliases = \('xyz',\)"):
        register(OneAlias())
    assert not {"x", "y", "z"} & set(available_covariance_types(aliases=True))

    # A fractional count entered BIC's penalty as given and the results'
    # integer column truncated it.
    class HalfCount(KnownVariance):
        name = "test-half-count"
        aliases = ()

        def n_parameters(self, n_components, n_features):
            return n_components * n_features / 2

    with pytest.raises(ValueError, match=r"n_parameters\(1, 1\) returned 0.5"):
        register(HalfCount())
    assert "test-half-count" not in available_covariance_types()


def test_a_whole_float_count_is_accepted():
    # d * (d + 1) / 2 is a float in Python 3: whole, it is a count.
    class FloatCount(KnownVariance):
        name = "test-float-count"
        aliases = ()

        def n_parameters(self, n_components, n_features):
            return n_components * n_features * (n_features + 1) / 2

    try:
        assert register(FloatCount()).name in available_covariance_types()
    finally:
        unregister("test-float-count")


def test_an_m_step_of_the_wrong_shape_is_named(rng):
    class WrongShape(KnownVariance):
        name = "test-wrong-shape"
        aliases = ()

        def m_step(self, nk, scatter, reg_covar, previous=None):
            return np.full((nk.shape[0], 2), 0.25)

    register(WrongShape())
    try:
        # A ValueError, as the structure's other faults (a TypeError aborted
        # the searches and printed a traceback on the command line).
        with pytest.raises(ValueError, match="'test-wrong-shape' .* returned an"):
            GaussianMixture(3, covariance_type="test-wrong-shape").fit(blobs(rng))
        with pytest.warns(UserWarning, match="test-wrong-shape"):
            search = GaussianMixtureIC(
                n_components=[2, 3], covariance_types=["test-wrong-shape", "VII"],
                random_state=0,
            ).fit(blobs(rng))  # fmt: skip
        assert search.covariance_type_ == "VII"
    finally:
        unregister("test-wrong-shape")


def test_registered_structures_travel_with_the_estimator(registered):
    # A worker process imports the package afresh: the structure must come
    # with the pickled estimator, and is registered there if unknown.
    import pickle

    payload = pickle.dumps(GaussianMixture(2, covariance_type="test-known"))
    unregister("test-known")
    try:
        restored = pickle.loads(payload)
        assert get_covariance_model("test-known-alias").name == "test-known"
        assert restored.covariance_type == "test-known"
    finally:
        unregister("test-known")
        register(KnownVariance())


def test_registered_structures_reach_worker_processes(registered, rng):
    from sklearn.model_selection import GridSearchCV

    from gmm_estimators.model_selection import InSampleSplit, bic_score

    X = blobs(rng)
    search = GaussianMixtureIC(
        n_components=[2, 3], covariance_types=["test-known", "VII"],
        random_state=0, n_jobs=2,
    ).fit(X)  # fmt: skip
    assert "test-known" in set(search.results_["covariance_type"])
    grid = GridSearchCV(
        GaussianMixture(random_state=0),
        {"n_components": [3], "covariance_type": ["test-known", "VII"]},
        scoring=bic_score, cv=InSampleSplit(), n_jobs=2,
    ).fit(X)  # fmt: skip
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


def test_a_fixed_covariance_is_never_flagged_collapsed(registered, rng):
    # A known variance cannot collapse: a component on 30 repeated rows was
    # flagged (the spherical family's spread test), and the selector never
    # chose the structure. The built-in spread tests are unchanged.
    X = np.r_[rng.standard_normal((100, 2)), np.full((30, 2), 6.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm = GaussianMixture(2, covariance_type="test-known", random_state=0).fit(X)
    assert gm.collapsed_components_.size == 0
    with pytest.warns(DegenerateFitWarning):
        GaussianMixture(2, covariance_type="VII", reg_covar=0, random_state=0).fit(X)


@pytest.mark.parametrize("name", ["VVV", "full", "E"])
def test_the_packages_own_structures_cannot_be_unregistered(name):
    # Removing "VVV" removed "full" for the session, silently, and let a
    # user's structure take the name that estimators and pickles read.
    with pytest.raises(ValueError, match="package's own covariance structures"):
        unregister(name)
    assert name in available_covariance_types(aliases=True)

    class Taking(SphericalCovariance):
        def n_parameters(self, n_components, n_features):
            return n_components

        def m_step(self, nk, scatter, reg_covar, previous=None):
            return scatter.sum(axis=1) / nk

    Taking.name = name
    with pytest.raises(ValueError, match="package's own structures") as caught:
        register(Taking())
    assert "unregister" not in str(caught.value)


class FlooredVariance(SphericalCovariance):
    name = "test-floored"

    def n_parameters(self, n_components, n_features):
        return n_components

    def m_step(self, nk, scatter, reg_covar, previous=None):
        variances = scatter.sum(axis=1) / (nk * scatter.shape[1])
        return np.maximum(variances, 0.5) + reg_covar


class BoundedFlooredVariance(FlooredVariance):
    name = "test-bounded-floored"
    own_spread = BOUNDED


def test_a_structure_bounded_away_from_singular_says_so_publicly(rng):
    # A floor keeps the likelihood bounded: a component on 30 repeated rows
    # is sound. Only a private rule could say so, and the selector picked
    # one component (BIC 1260) over two (818).
    X = np.r_[rng.standard_normal((100, 2)), np.full((30, 2), 6.0)]
    register(FlooredVariance())
    register(BoundedFlooredVariance())
    try:
        with pytest.warns(DegenerateFitWarning):
            GaussianMixture(2, covariance_type="test-floored", random_state=0).fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DegenerateFitWarning)
            bounded = GaussianMixture(
                2, covariance_type="test-bounded-floored", random_state=0
            ).fit(X)
        assert bounded.collapsed_components_.size == 0
        assert bounded.covariances_.min() >= 0.5
        search = GaussianMixtureIC(
            n_components=[1, 2, 3], covariance_types=["test-bounded-floored"],
            random_state=0,
        ).fit(X)  # fmt: skip
        assert search.n_components_ == 2
    finally:
        unregister(FlooredVariance.name)
        unregister(BoundedFlooredVariance.name)


class KnownShape(DiagonalCovariance):
    # Sigma_k = lambda_k diag(1, 2): a volume of its own over a known shape.
    name = "test-known-shape"

    def n_parameters(self, n_components, n_features):
        return n_components

    def m_step(self, nk, scatter, reg_covar, previous=None):
        shape = np.array([1.0, 2.0])
        volumes = (scatter / shape).sum(axis=1) / (nk * scatter.shape[1])
        return volumes[:, np.newaxis] * shape + reg_covar


class KnownShapeSaysSo(KnownShape):
    name = "test-known-shape-said"
    own_spread = SOME_SPREAD_ONLY


def test_a_structure_picks_the_public_rule_its_components_collapse_by(rng):
    # The diagonal family's rule (spread along every feature) flagged a
    # cluster on a line x1 = 5 collapsed, though a volume over a known shape
    # is bounded there; only a private rule could say so, and the selector
    # picked one component. One point is still a collapse.
    X = np.r_[
        rng.standard_normal((100, 2)), np.c_[rng.normal(8, 1, 40), np.full(40, 5.0)]
    ]
    register(KnownShape())
    register(KnownShapeSaysSo())
    try:
        with pytest.warns(DegenerateFitWarning):
            GaussianMixture(2, covariance_type=KnownShape.name, random_state=0).fit(X)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DegenerateFitWarning)
            said = GaussianMixture(
                2, covariance_type=KnownShapeSaysSo.name, random_state=0
            ).fit(X)
        assert said.collapsed_components_.size == 0
        point = np.r_[rng.standard_normal((100, 2)), np.full((40, 2), 8.0)]
        with pytest.warns(DegenerateFitWarning):
            GaussianMixture(
                2, covariance_type=KnownShapeSaysSo.name, reg_covar=0, random_state=0
            ).fit(point)
    finally:
        unregister(KnownShape.name)
        unregister(KnownShapeSaysSo.name)


def test_a_rule_set_on_a_users_base_class_is_kept_by_register(registered):
    # Only the class itself was read: a rule its user-code base set was
    # replaced by BOUNDED for a structure that estimates nothing.
    class Base(KnownVariance):
        own_spread = SOME_SPREAD_ONLY

    class Derived(Base):
        name, aliases = "test-derived-rule", ()

    try:
        assert register(Derived()).own_spread is SOME_SPREAD_ONLY
    finally:
        unregister(Derived.name)
    assert get_covariance_model("test-known").own_spread is BOUNDED


def test_a_statistics_form_built_by_a_user_is_read_in_its_own_layout(rng):
    # Built without a layout, a form of diagonals was read as matrices: the
    # M-step's guards called every component singular, and a negative
    # variance from the structure passed as a collapse.
    diagonal = get_covariance_model("VVI").scatter
    form = StatisticsForm(
        "test-own-diagonals", diagonal.accumulator, diagonal.from_full,
        diagonal.row_width,
    )  # fmt: skip
    assert form.layout is DIAGONAL_SCATTERS

    class OwnFormNegative(NegativeVariance):
        name = "test-own-form-negative"
        scatter = form

    register(OwnFormNegative())
    try:
        with pytest.raises(ValueError, match="not positive definite for component"):
            GaussianMixture(3, covariance_type=OwnFormNegative.name).fit(blobs(rng))
    finally:
        unregister(OwnFormNegative.name)
    with pytest.raises(TypeError, match="give the layout"):
        StatisticsForm("test-odd", diagonal.accumulator, np.ravel, diagonal.row_width)


@pytest.mark.parametrize("name", ["sph,comma", " padded ", "trailing "])
def test_a_name_that_a_list_of_names_cannot_hold_is_refused(name):
    # Accepted, then listed as a choice that --covariance-types could not
    # take ('sph,comma' read as 'sph' and 'comma').
    class Odd(KnownVariance):
        aliases = ()

    Odd.name = name
    with pytest.raises(ValueError, match="may not hold a comma"):
        register(Odd())
    assert name not in available_covariance_types(aliases=True)


class BrokenVariance(SphericalCovariance):
    name = "test-broken"

    def n_parameters(self, n_components, n_features):
        return n_components

    nan_from = 0  # the first component whose variance is NaN

    def m_step(self, nk, scatter, reg_covar, previous=None):
        variances = scatter.sum(axis=1) / (nk * scatter.shape[1]) + reg_covar
        variances[self.nan_from :] = np.nan
        return variances


@pytest.mark.parametrize("nan_from, named", [(0, "[0, 1, 2]"), (2, "[2]")])
def test_a_user_m_step_that_fails_on_sound_rows_is_named(nan_from, named, rng):
    # Its NaN was blamed on the rows ("rest on too few distinct rows",
    # increase reg_covar) on rows that span the plane; then said without
    # naming the NaN or its components.
    structure = BrokenVariance()
    structure.nan_from = nan_from
    register(structure)
    try:
        with pytest.raises(ValueError, match="NaN or infinite values") as caught:
            GaussianMixture(3, covariance_type="test-broken", random_state=0).fit(
                blobs(rng)
            )
        assert f"component(s) {named}" in str(caught.value)
        assert "too few distinct rows" not in str(caught.value)
        assert "registered in user code" in str(caught.value)
    finally:
        unregister("test-broken")


class Refusing(FullCovariance):
    name = "test-refusing"

    def n_parameters(self, n_components, n_features):
        return n_components * n_features * (n_features + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        raise ValueError("this structure takes exactly 5 features")


@pytest.mark.parametrize("search", ["grid", "thorough"])
def test_a_user_structure_that_fails_in_the_search_is_said(search, rng):
    # Its candidates were rows without a criterion, and the search picked
    # another structure without a word (the error showed with verbose=2).
    register(Refusing())
    try:
        with pytest.warns(UserWarning, match="test-refusing") as caught:
            search = GaussianMixtureIC(
                n_components=[1, 2], covariance_types=["test-refusing", "VVV"],
                search=search, random_state=0,
            ).fit(blobs(rng))  # fmt: skip
        assert search.covariance_type_ == "VVV"
        said = [str(w.message) for w in caught if "test-refusing" in str(w.message)]
        assert len(said) == 1
        assert "2 of the 2 candidates" in said[0]
        assert "takes exactly 5 features" in said[0]
    finally:
        unregister(Refusing.name)


def test_a_copy_of_a_built_in_structure_is_judged_as_the_built_in():
    # On 6 rows in 3-D without reg_covar, VEV's shared shape leaves a
    # component of sound rows singular beside collapsed ones: the built-in
    # is flagged degenerate, and the copy was told to mend itself.
    class CopiedVEV(type(get_covariance_model("VEV"))):
        name, aliases = "test-copied-vev", ()

    X = np.random.RandomState(0).randn(6, 3)
    register(CopiedVEV())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            warnings.simplefilter("ignore", DegenerateFitWarning)
            search = GaussianMixtureIC(
                n_components=range(1, 7), covariance_types=["VEV", CopiedVEV.name],
                reg_covar=0, random_state=0,
            ).fit(X)  # fmt: skip
        results = search.results_
        own = results["covariance_type"] == "VEV"
        for column in ("bic", "degenerate"):
            assert_array_equal(results[column][own], results[column][~own])
    finally:
        unregister(CopiedVEV.name)


def test_a_user_fault_is_named_beside_a_component_that_collapsed(rng):
    # Judged on the sound components alone: a sign slip on component 0 went
    # unsaid while component 1 rested on one repeated row (the check was
    # skipped wherever any component was singular).
    class SignSlip(type(get_covariance_model("VVV"))):
        name, aliases = "test-sign-slip", ()

        def m_step(self, nk, scatter, reg_covar, previous=None):
            covariances = np.array(super().m_step(nk, scatter, reg_covar))
            covariances[0] *= -1.0
            return covariances

    X = np.r_[rng.standard_normal((100, 2)), np.full((10, 2), 6.0)]
    register(SignSlip())
    try:
        with pytest.raises(
            ValueError, match=r"not positive definite for component\(s\) \[0\]"
        ):
            GaussianMixture(
                2, covariance_type=SignSlip.name, means_init=[[0, 0], [6, 6]]
            ).fit(X)
    finally:
        unregister(SignSlip.name)


def test_a_user_structure_is_not_blamed_for_rows_it_cannot_fit(registered):
    # A breakdown on the rows (components on too few distinct rows) is the
    # rows' doing, as for a built-in structure: not said as the structure's.
    from gmm_estimators._engine._mstep import DegenerateStepError
    from gmm_estimators.model_selection._candidates import (
        warn_failed_user_structures,
    )

    rows = [{"covariance_type": name} for name in ("test-known", "VVV", "VVV")]
    collapse = DegenerateStepError("component(s) [0] rest on too few rows")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_failed_user_structures(rows, [collapse, None, ValueError("VVV's")])
    with pytest.warns(UserWarning, match="1 of the 1 candidates of .*test-known"):
        warn_failed_user_structures(rows, [ValueError("mine"), None, None])


class NegativeVariance(SphericalCovariance):
    name = "test-negative"

    def n_parameters(self, n_components, n_features):
        return n_components

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return -np.ones(nk.shape[0])


class Lopsided(FullCovariance):
    name = "test-lopsided"

    def n_parameters(self, n_components, n_features):
        return n_components * n_features * (n_features + 1) // 2

    def m_step(self, nk, scatter, reg_covar, previous=None):
        covariances = scatter / nk[:, np.newaxis, np.newaxis]
        covariances[:, 0, 1] += 0.5  # one triangle only
        return covariances + reg_covar * np.eye(scatter.shape[-1])


@pytest.mark.parametrize(
    "structure, match",
    [
        # Jittered to 1e-15 and flagged collapsed: "such a component sits on
        # duplicated, integer-valued or too few rows".
        (NegativeVariance, "not positive definite for component"),
        # Stored as returned, while the fit factorised one triangle of it.
        (Lopsided, "not symmetric"),
    ],
)
@pytest.mark.parametrize("reg_covar", [1e-6, 0.0])
def test_a_user_m_step_that_is_not_a_covariance_is_named(
    structure, match, reg_covar, rng
):
    register(structure())
    try:
        with pytest.raises(ValueError, match=match) as caught:
            GaussianMixture(
                3, covariance_type=structure.name, reg_covar=reg_covar, random_state=0
            ).fit(blobs(rng))
        assert "registered in user code" in str(caught.value)
    finally:
        unregister(structure.name)


class IndefiniteShared(TiedCovariance):
    name = "test-indefinite-shared"

    def n_parameters(self, n_components, n_features):
        return 0

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return np.array([[1.0, 2.0], [2.0, 1.0]])


@pytest.mark.parametrize("n_components", [1, 2, 3])
def test_a_shared_covariance_not_positive_definite_is_named_whatever_k(
    n_components, rng
):
    # With as many components as features (2), the pooled (d, d) scatter was
    # read as K diagonals by its shape, and this M-step was excused as a
    # collapse: the fit went on with another covariance and blamed the rows.
    register(IndefiniteShared())
    try:
        with pytest.raises(ValueError, match="not positive definite") as caught:
            GaussianMixture(
                n_components, covariance_type=IndefiniteShared.name, random_state=0
            ).fit(blobs(rng))
        assert "registered in user code" in str(caught.value)
    finally:
        unregister(IndefiniteShared.name)


@pytest.mark.parametrize(
    "structure, match",
    [(NegativeVariance, "not positive definite"), (Lopsided, "not symmetric")],
)
def test_edda_checks_a_user_m_step_as_em_does(structure, match, rng):
    # EDDA's one M-step called the structure directly: an asymmetric result
    # was stored as fitted, and a negative variance was reported as a
    # singular class covariance (advising more rows).
    from gmm_estimators import GaussianMixtureClassifier

    X, y = blobs(rng), np.repeat([0, 1, 2], 80)
    register(structure())
    try:
        with pytest.warns(UserWarning, match=structure.name):
            with pytest.raises(ValueError, match=match) as caught:
                GaussianMixtureClassifier(
                    "EDDA", covariance_types=[structure.name]
                ).fit(X, y)
        assert "singular class covariance" not in str(caught.value)
        with pytest.warns(UserWarning, match=match):
            edda = GaussianMixtureClassifier(
                "EDDA", covariance_types=[structure.name, "VVV"]
            ).fit(X, y)
        assert edda.covariance_type_ == "VVV"
    finally:
        unregister(structure.name)


def test_a_user_m_step_symmetric_to_rounding_is_accepted():
    # Near-isotropic covariances rebuilt as V L V^T: the two triangles'
    # near-zero entries differ by their rounding, far beyond 1e-10 of each
    # other, and such an M-step was refused as asymmetric.
    from gmm_estimators._engine._mstep import _check_symmetric

    rng = np.random.default_rng(0)
    noise = np.stack([np.cov(rng.normal(size=(200, 3)).T) for _ in range(50)])
    near = np.eye(3) + 1e-9 * (noise - np.eye(3))
    values, vectors = np.linalg.eigh(near)
    rebuilt = (vectors * values[:, np.newaxis, :]) @ np.swapaxes(vectors, -1, -2)
    assert np.any(rebuilt != np.swapaxes(rebuilt, -1, -2))
    _check_symmetric(Lopsided(), rebuilt, 50, 3)  # no error
    lopsided = rebuilt.copy()
    lopsided[:, 0, 1] += 1e-6
    with pytest.raises(ValueError, match="not symmetric"):
        _check_symmetric(Lopsided(), lopsided, 50, 3)


class ChosenVariance(SphericalCovariance):
    name = "test-chosen"

    def __init__(self, variance):
        self.variance = variance

    def n_parameters(self, n_components, n_features):
        return 0

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return np.full(nk.shape[0], self.variance + reg_covar)


def test_a_structure_registered_again_reaches_reused_workers(rng):
    # Unregistered and registered again, mended, under its name (a notebook's
    # workflow): the workers joblib reuses kept the first definition, and the
    # selector with n_jobs=2 scored another model than with n_jobs=1 (K=3
    # here), without a word.
    X = blobs(rng)

    def bic(n_jobs):
        search = GaussianMixtureIC(
            n_components=[2, 3], covariance_types=["test-chosen", "VII"],
            random_state=0, n_jobs=n_jobs,
        ).fit(X)  # fmt: skip
        chosen = search.results_["covariance_type"] == "test-chosen"
        return search.results_["bic"][chosen].tolist()

    register(ChosenVariance(0.25))
    try:
        first = bic(2)
        unregister("test-chosen")
        register(ChosenVariance(1.0))
        assert bic(2) == bic(1) != first
    finally:
        unregister("test-chosen")


def test_a_pickle_loads_where_an_unneeded_structure_cannot_be_imported(
    registered, rng, tmp_path
):
    # Every registered structure travels with a pickle (GridSearchCV sets
    # covariance_type in the worker), each apart: a "full" fit saved while a
    # structure of this test module was registered loads in a process that
    # cannot import the module; one that needs the structure names it.
    import pickle
    import subprocess
    import sys

    X = blobs(rng)
    for covariance_type, expected in (("full", 0), ("test-known", 1)):
        model = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
        path = tmp_path / f"{covariance_type}.pkl"
        path.write_bytes(pickle.dumps(model.fit(X)))
        code = f"import pickle; pickle.loads(open({str(path)!r}, 'rb').read())"
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == expected, done.stderr
        if expected:
            # The last line names the structure and the remedy (a bare
            # "No module named 'test_registry'" before).
            last = done.stderr.strip().splitlines()[-1]
            assert last.startswith("ModuleNotFoundError")
            assert "'test-known'" in last and "importable" in last


def test_a_structure_named_only_in_a_parameter_grid_reaches_fresh_workers(tmp_path):
    # GridSearchCV pickles the estimator with its default covariance_type and
    # sets the grid's in the worker: the structure, defined in the script's
    # __main__, must travel anyway (a version that carried only the
    # structure an estimator names scored it NaN).
    import subprocess
    import sys

    script = tmp_path / "grid.py"
    script.write_text(
        """
import numpy as np
from sklearn.model_selection import GridSearchCV
from gmm_estimators import GaussianMixture
from gmm_estimators.covariance import SphericalCovariance, register
from gmm_estimators.model_selection import InSampleSplit, bic_score

class Fixed(SphericalCovariance):
    name = "fixed-in-main"
    def n_parameters(self, n_components, n_features):
        return 0
    def m_step(self, nk, scatter, reg_covar, previous=None):
        return np.full(nk.shape[0], 0.25 + reg_covar)

if __name__ == "__main__":
    register(Fixed())
    rng = np.random.default_rng(0)
    X = np.vstack([c + 0.5 * rng.standard_normal((60, 2)) for c in (0.0, 4.0)])
    grid = GridSearchCV(
        GaussianMixture(2, random_state=0),
        {"covariance_type": ["fixed-in-main", "VII"]},
        scoring=bic_score, cv=InSampleSplit(), n_jobs=2,
    ).fit(X)
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
"""
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
