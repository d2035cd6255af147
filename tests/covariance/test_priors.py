"""Prior forms (``covariance._priors``): the conjugate prior of each structure."""

import numpy as np
import pytest

from gmm_estimators import BayesianGaussianMixture, GaussianMixture
from gmm_estimators.covariance import (
    DIAGONAL_INVERSE_GAMMA,
    INVERSE_WISHART,
    SPHERICAL_INVERSE_GAMMA,
    PriorForm,
    available_covariance_types,
    get_covariance_model,
    register,
    unregister,
)
from gmm_estimators.covariance._priors import prior_form_of

FORMS = [INVERSE_WISHART, DIAGONAL_INVERSE_GAMMA, SPHERICAL_INVERSE_GAMMA]


@pytest.mark.parametrize("name", available_covariance_types())
def test_every_structure_declares_a_prior_form(name):
    model = get_covariance_model(name)
    assert isinstance(model.prior_family, PriorForm)
    assert prior_form_of(model) is model.prior_family


def test_the_forms_of_the_four_sklearn_structures():
    assert prior_form_of(get_covariance_model("full")) is INVERSE_WISHART
    assert prior_form_of(get_covariance_model("tied")) is INVERSE_WISHART
    assert prior_form_of(get_covariance_model("diag")) is DIAGONAL_INVERSE_GAMMA
    assert prior_form_of(get_covariance_model("spherical")) is SPHERICAL_INVERSE_GAMMA


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_count_is_that_of_the_determinant_term(form):
    # -2 log p = c log|Sigma| + ...: c = nu + d + 1 (inverse Wishart),
    # nu + 2 (inverse gamma per variance), (nu + 2) / d (one variance).
    d, nu = 3, 5.0
    slope, intercept = form.count_per_unit_dof(d)
    expected = {
        "matrix": nu + d + 1,
        "diagonal": nu + 2,
        "spherical": (nu + 2) / d,
    }[form.name]
    assert slope * nu + intercept == pytest.approx(expected)


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_scale_round_trip(form, rng):
    d = 3
    A = rng.standard_normal((d, d))
    matrix = A @ A.T + np.eye(d)
    L = form.scale_matrix(form.scale_from_matrix(matrix), d)
    assert L.shape == (d, d)
    if form is INVERSE_WISHART:
        np.testing.assert_array_equal(L, matrix)
    elif form is DIAGONAL_INVERSE_GAMMA:
        np.testing.assert_array_equal(L, np.diag(np.diag(matrix)))
    else:
        # zeta = tr(M) / d, and L = (zeta / d) I.
        np.testing.assert_allclose(L, np.trace(matrix) / d**2 * np.eye(d))


def test_a_structure_may_name_its_form_by_string(rng):
    # Structures written before the forms were objects declare a string.
    class NamedDiagonal(type(get_covariance_model("VVI"))):
        name, aliases = "test-named-diagonal", ()
        prior_family = "diagonal"

    model = register(NamedDiagonal())
    try:
        assert prior_form_of(model) is DIAGONAL_INVERSE_GAMMA
        X = rng.standard_normal((60, 2)) * [1.0, 3.0]
        named = GaussianMixture(
            2, covariance_type="test-named-diagonal", prior="default", random_state=0
        ).fit(X)
        plain = GaussianMixture(
            2, covariance_type="VVI", prior="default", random_state=0
        ).fit(X)
        np.testing.assert_array_equal(named.covariances_, plain.covariances_)
        np.testing.assert_array_equal(named.prior_.scale, plain.prior_.scale)
    finally:
        unregister(model.name)


def test_an_unknown_form_is_refused():
    class Odd(type(get_covariance_model("VVV"))):
        name = "test-odd"
        prior_family = "wishart-ish"

    with pytest.raises(ValueError, match="prior_family='wishart-ish'"):
        prior_form_of(Odd())


@pytest.mark.parametrize(
    "covariance_type, reduce",
    [
        ("full", lambda c: c),
        ("tied", lambda c: c),
        ("diag", np.diag),
        ("spherical", lambda c: np.diag(c).mean()),
    ],
)
def test_variational_default_covariance_prior_is_the_data_covariance_in_form(
    covariance_type, reduce, rng
):
    # scikit-learn's default: the data's covariance (ddof=1), as a matrix, its
    # diagonal or the mean of its diagonal.
    X = rng.standard_normal((40, 2)) * [1.0, 2.0]
    bgm = BayesianGaussianMixture(n_components=2, covariance_type=covariance_type)
    bgm._check_parameters(X)
    expected = reduce(np.cov(X.T))
    assert np.shape(bgm.covariance_prior_) == np.shape(expected)
    np.testing.assert_allclose(bgm.covariance_prior_, expected, rtol=1e-12)
