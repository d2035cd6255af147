"""Contract tests for every registered covariance structure.

Every test that concerns a single structure is parametrised over
``available_covariance_types()``, so a newly registered structure is tested
without editing this file. Structures defined for a limited number of features
(mclust's one-feature ``"E"`` and ``"V"``) are tested on data with that many
features (see :func:`n_features_for`).

Structures are read through mclust's naming scheme where a test needs to know
what a structure constrains: the letters give volume, shape and orientation,
each ``E`` (equal across components), ``V`` (varying) or ``I`` (identity).
"""

import itertools
import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from gmm_estimators import GaussianMixture, available_covariance_types
from gmm_estimators.covariance import _orientation as orientation_module
from gmm_estimators.covariance import _solvers as covariance_module
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.exceptions import DegenerateFitWarning

STRUCTURES = available_covariance_types()
MCLUST_NAME = re.compile(r"[EV]|[EV][EVI][EVI]")

# Iterative M-steps exposed with their objective trace.
INNER_M_STEPS = {
    "VEI": covariance_module._vei_m_step,
    "VEE": covariance_module._vee_m_step,
    "EVE": orientation_module._eve_m_step,
    "VVE": orientation_module._vve_m_step,
    "VEV": covariance_module._vev_m_step,
}

# Free covariance parameters, from the reference table (mclust).
N_PARAMETERS = {
    "E": lambda K, d: 1,
    "V": lambda K, d: K,
    "EII": lambda K, d: 1,
    "VII": lambda K, d: K,
    "EEI": lambda K, d: d,
    "VEI": lambda K, d: K + (d - 1),
    "EVI": lambda K, d: 1 + K * (d - 1),
    "VVI": lambda K, d: K * d,
    "EEE": lambda K, d: d * (d + 1) // 2,
    "VEE": lambda K, d: K + (d - 1) + d * (d - 1) // 2,
    "EVE": lambda K, d: 1 + K * (d - 1) + d * (d - 1) // 2,
    "VVE": lambda K, d: K + K * (d - 1) + d * (d - 1) // 2,
    "EEV": lambda K, d: 1 + (d - 1) + K * d * (d - 1) // 2,
    "VEV": lambda K, d: K + (d - 1) + K * d * (d - 1) // 2,
    "EVV": lambda K, d: 1 - K + K * d * (d + 1) // 2,
    "VVV": lambda K, d: K * d * (d + 1) // 2,
}


# --------------------------------------------------------------------------
# Helpers


def n_features_for(name, wanted=3):
    """The number of features to test a structure with."""
    largest = get_covariance_model(name).max_n_features
    return wanted if largest is None else min(wanted, largest)


def mclust_letters(name):
    """``(volume, shape, orientation)`` letters, or skip for other names."""
    if not MCLUST_NAME.fullmatch(name):
        pytest.skip(f"{name!r} is not an mclust name; no oracle from its letters")
    if len(name) == 1:  # one feature: only the volume (variance) is named
        return name, "I", "I"
    return tuple(name)


def random_transform(d, rng):
    """A random linear map with very different scales along random axes."""
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return rotation * np.exp(rng.uniform(-1.5, 1.5, size=d))


def full_scatters(nk, d, rng, sheared=False):
    """Scatter matrices W_k of centred Gaussian samples of sizes ``nk``.

    ``sheared`` uses Gaussian random maps (ill-conditioned at times) instead of
    rotations with moderate scales.
    """
    scatters = []
    for n in nk:
        transform = rng.standard_normal((d, d)) if sheared else random_transform(d, rng)
        Z = rng.standard_normal((int(n), d)) @ transform
        Z -= Z.mean(axis=0)
        scatters.append(Z.T @ Z)
    return np.array(scatters)


def scatter_for(model, full):
    """The scatter a structure's M-step asks for, from full W_k."""
    return model.scatter.from_full(full)


def objective(nk, full, covariances):
    """``sum_k n_k log|Sigma_k| + tr(Sigma_k^-1 W_k)``."""
    _, log_det = np.linalg.slogdet(covariances)
    traces = np.trace(np.linalg.solve(covariances, full), axis1=1, axis2=2)
    return float(np.sum(nk * log_det + traces))


def clustered_data(n_features, n_per_component=150, seed=0):
    """Three well separated, anisotropic, differently oriented clusters."""
    rng = np.random.RandomState(seed)
    centres = 8.0 * rng.standard_normal((3, n_features))
    return np.vstack(
        [
            rng.standard_normal((n_per_component, n_features))
            @ random_transform(n_features, rng)
            + centre
            for centre in centres
        ]
    )


def fit(name, X, **params):
    params = {"n_components": 3, "covariance_type": name, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GaussianMixture(**params).fit(X)


def full_covariances(gm):
    K, d = gm.means_.shape
    model = get_covariance_model(gm.covariance_type)
    return model.to_full(np.asarray(gm.covariances_, np.float64), K, d)


def assert_non_decreasing(values, rtol=1e-10):
    values = np.asarray(values)
    drops = values[:-1] - values[1:]
    slack = rtol * np.maximum(np.abs(values[:-1]), 1.0)
    assert np.all(drops <= slack), f"decrease by {drops.max():.3g} in {values}"


# --------------------------------------------------------------------------
# Registry


def test_registry_has_the_mclust_family():
    # At least mclust's: a structure registered besides them is tested by
    # the other tests without editing this one.
    assert set(N_PARAMETERS) <= set(STRUCTURES)
    assert set(N_PARAMETERS) | {"full", "tied", "diag", "spherical"} <= set(
        available_covariance_types(aliases=True)
    )


# --------------------------------------------------------------------------
# Densities


@pytest.mark.parametrize("name", STRUCTURES)
def test_log_density_matches_scipy(name):
    model = get_covariance_model(name)
    rng = np.random.RandomState(0)
    K, d = 3, n_features_for(name)
    nk = np.array([20.0, 35.0, 50.0])
    covariances = model.m_step(nk, scatter_for(model, full_scatters(nk, d, rng)), 1e-3)
    assert covariances.shape == model.param_shape(K, d)
    means = rng.standard_normal((K, d))
    X = rng.standard_normal((40, d)) * 2.0
    chol, jittered = model.precision_cholesky(covariances)
    assert not jittered.any()
    dist, _ = model.mahalanobis(X, means, chol)
    log_det = model.log_det_cholesky(chol, d)
    log_prob = -0.5 * (d * math.log(2 * math.pi) + dist) + log_det
    full = model.to_full(covariances, K, d)
    expected = np.column_stack(
        [multivariate_normal(means[k], full[k]).logpdf(X) for k in range(K)]
    )
    assert_allclose(log_prob, expected, rtol=1e-10, atol=1e-10)

    # The E-step's form, -dist / 2 plus a per-component offset, in one call
    # (folded into the product's coefficients where distances are one product).
    offset = log_det - 0.5 * d * math.log(2 * math.pi)
    log_density = model.distance_function(
        means, chol, X.dtype, scale=-0.5, offset=offset
    )
    assert_allclose(log_density(X)[0], expected, rtol=1e-10, atol=1e-10)
    plain, _ = model.distance_function(means, chol, X.dtype)(X)
    assert_allclose(plain, dist, rtol=1e-12, atol=1e-12)
    assert np.all(dist >= 0)

    # The same through the estimator, from user-given parameters.
    weights = np.array([0.2, 0.3, 0.5])
    gm = GaussianMixture(
        K,
        covariance_type=name,
        weights_init=weights,
        means_init=means,
        precisions_init=model.precisions_from_cholesky(chol),
        max_iter=0,
    ).fit(X)
    mixture = np.log(np.exp(expected) @ weights)
    assert_allclose(gm.score_samples(X), mixture, rtol=1e-10)


# --------------------------------------------------------------------------
# M-step


def _dimensions(name):
    """The dimensions a structure is tried at: 2 and 5, or its only one."""
    largest = getattr(get_covariance_model(name), "max_n_features", None)
    return [2, 5] if largest is None else [largest]


@pytest.mark.parametrize(
    "name, d", [(name, d) for name in STRUCTURES for d in _dimensions(name)]
)
def test_fit_is_the_same_in_any_units(name, d):
    # X times c: every structure's fit is the same up to the change of
    # units (mean log-density shifted by d log c), from c = 1e-150 to 1e150,
    # with reg_covar in the same units or 0. EVI and EVE formed the volume
    # times the values before dividing by the shapes' roots, which
    # overflowed from c = 1e77 (a false "too few rows") and underflowed
    # below 1e-82; the inner iterations of EVE, VVE (and VEI, VEV, VEE)
    # stopped on a change relative to an objective that moves with the
    # units, and ended elsewhere (1e-2 per row apart at 1e-150).
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(size=(60, d)), rng.normal(size=(60, d)) + 3]
    for reg_covar in (1e-6, 0.0):
        reference = None
        for c in (1.0, 1e-150, 1e-82, 1e-20, 1e78, 1e150):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit = GaussianMixture(
                    2,
                    covariance_type=name,
                    reg_covar=reg_covar * c * c,
                    random_state=0,
                ).fit(X * c)
            assert not len(fit.collapsed_components_), (name, c)
            value = fit.lower_bound_ + d * math.log(c)
            if reference is None:
                reference = value
            assert value == pytest.approx(reference, rel=1e-9), (name, c, reg_covar)


@pytest.mark.parametrize("name", ["VVV", "EEE", "VVI", "EEI", "VEI", "EVI", "VEE"])
def test_fit_is_the_same_when_one_feature_changes_units(name):
    # The structures whose family is closed under rescaling one feature:
    # their fits move with it, VEI's and VEE's inner iterations included
    # (they start from the summed scatter's shape, and their stopping rule
    # measures the objective from the log of each feature's pooled
    # variance). From the spherical start the probabilities agreed to 1e-6.
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(size=(60, 3)), rng.normal(size=(60, 3)) + 3]
    X[:60] = X[:60] @ rng.normal(size=(3, 3))
    fits, probabilities = [], []
    for c in (1.0, 1e6):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # As many iterations in both units (tol=0): a stop one iteration
            # apart would not be a difference of the fits.
            fit = GaussianMixture(
                2, covariance_type=name, reg_covar=0.0, tol=0.0, max_iter=300,
                random_state=0,
            ).fit(X * [1.0, c, 1.0])  # fmt: skip
        fits.append(fit.lower_bound_ + math.log(c))
        probabilities.append(fit.predict_proba(X * [1.0, c, 1.0]))
    assert fits[1] == pytest.approx(fits[0], rel=1e-9)
    assert_allclose(probabilities[1], probabilities[0], rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", STRUCTURES)
def test_one_component_gives_the_closed_form_estimate(name):
    # For one component every E/V distinction vanishes: the ML estimate is
    # the empirical covariance, its diagonal, or its mean variance.
    _, shape, orientation = mclust_letters(name)
    d = n_features_for(name)
    rng = np.random.RandomState(1)
    X = rng.standard_normal((200, d)) @ random_transform(d, rng) + 5.0
    gm = fit(name, X, n_components=1, reg_covar=0.0)
    empirical = np.atleast_2d(np.cov(X.T, bias=True))
    if shape == "I":
        expected = np.mean(np.diag(empirical)) * np.eye(d)
    elif orientation == "I":
        expected = np.diag(np.diag(empirical))
    else:
        expected = empirical
    assert_allclose(full_covariances(gm)[0], expected, rtol=1e-9, atol=1e-12)
    assert_allclose(gm.means_[0], X.mean(axis=0), rtol=1e-12)


def _nested(inner, outer):
    """Whether structure ``inner`` is a special case of ``outer``."""
    rank = {"I": 0, "E": 1, "V": 2}
    return len(inner) == len(outer) and all(
        rank[a] <= rank[b] for a, b in zip(inner, outer, strict=True)
    )


@pytest.mark.parametrize("name", STRUCTURES)
def test_m_step_beats_every_nested_structure(name):
    # Each M-step minimises the objective over its family, so it can be no
    # worse than the estimate of any structure whose family it contains.
    mclust_letters(name)
    d = n_features_for(name)
    rng = np.random.RandomState(2)
    nk = np.array([30.0, 60.0, 90.0])
    full = full_scatters(nk, d, rng)
    values = {}
    for other in STRUCTURES:
        if MCLUST_NAME.fullmatch(other) and _nested(other, name):
            model = get_covariance_model(other)
            covariances = model.m_step(nk, scatter_for(model, full), 0.0)
            values[other] = objective(nk, full, model.to_full(covariances, 3, d))
    slack = 1e-9 * (abs(values[name]) + nk.sum() * d)
    worse = {other: v for other, v in values.items() if values[name] > v + slack}
    assert not worse, f"{name} ({values[name]!r}) worse than nested {worse}"


@pytest.mark.parametrize("name", STRUCTURES)
def test_m_step_is_never_worse_than_the_previous_parameters(name):
    # What makes EM monotone: given the covariances of the current
    # parameters, the M-step must do at least as well on the new scatter.
    # Structures with local optima (EVE, VVE) need to start from them; to
    # test that, the previous parameters are the best of several estimates
    # started from random members of the family, which explore other basins
    # than the M-step's own starts.
    # (Sheared two-feature scatters from seeds 9 and 17 have such basins for
    # VVE.)
    model = get_covariance_model(name)
    d = n_features_for(name, wanted=2)
    for seed in (9, 17, 0):
        rng = np.random.RandomState(seed)
        nk = rng.uniform(10.0, 100.0, size=3).round()
        full = full_scatters(nk, d, rng, sheared=True)
        scatter = scatter_for(model, full)
        candidates = []
        for _ in range(6):
            other = scatter_for(model, full_scatters(nk, d, rng, sheared=True))
            start = model.m_step(nk, other, 0.0)
            candidates.append(model.m_step(nk, scatter, 0.0, previous=start))
        values = [objective(nk, full, model.to_full(c, 3, d)) for c in candidates]
        previous = candidates[int(np.argmin(values))]
        new = model.m_step(nk, scatter, 0.0, previous=previous)
        before = min(values)
        after = objective(nk, full, model.to_full(new, 3, d))
        assert after <= before + 1e-10 * (abs(before) + nk.sum() * d)


def test_regularisation_is_added_to_the_diagonal_of_linear_estimates():
    # reg_covar regularises the scatter (n_k reg_covar on its diagonal); for
    # the estimates linear in the scatter that is adding it to the result.
    rng = np.random.RandomState(3)
    nk = np.array([10.0, 20.0, 40.0])
    for name in ("VVV", "EEE", "VVI", "VII", "EII", "EEI", "EEV", "E", "V"):
        model = get_covariance_model(name)
        d = n_features_for(name)
        scatter = scatter_for(model, full_scatters(nk, d, rng))
        plain = model.to_full(model.m_step(nk, scatter, 0.0), 3, d)
        regularised = model.to_full(model.m_step(nk, scatter, 0.5), 3, d)
        assert_allclose(regularised, plain + 0.5 * np.eye(d), rtol=1e-12)


def _forms_of(model):
    """A structure's statistics form and its moment and exact variants."""
    forms, todo = [], [model.scatter]
    while todo:
        form = todo.pop()
        if form is not None and form not in forms:
            forms.append(form)
            todo += [form.moment_variant, form.exact_variant]
    return forms


@pytest.mark.parametrize("name", STRUCTURES)
@pytest.mark.parametrize("n_components", [2, 3])
def test_the_scatter_layout_is_read_from_the_form_not_the_shape(name, n_components):
    # The M-step's guards read the scatter through its form's layout: with
    # as many components as features a pooled (d, d) scatter has the shape
    # of K diagonals, and was read so.
    model = get_covariance_model(name)
    d = n_features_for(name, wanted=2)
    rng = np.random.RandomState(5)
    nk = np.arange(2.0, 2.0 + n_components)
    full = full_scatters(nk, d, rng)
    # Variances that rounding left below zero; with K == d the second sits
    # off the diagonal of K diagonals read as one (d, d) matrix (clipped
    # only on that diagonal before).
    full[0, 0, 0] = full[1, 0, 0] = -1e-17
    for form in _forms_of(model):
        scatter = form.from_full(full)
        matrices = form.layout.matrices(scatter, n_components)
        assert matrices.shape == (n_components, d, d)
        # The matrices expand the scatter faithfully: the form keeps of them
        # the scatter itself, or K times it where one pooled matrix stands
        # for every component.
        again = form.from_full(np.array(matrices))
        assert again.shape == scatter.shape
        assert any(
            np.allclose(again, factor * scatter, rtol=1e-14, atol=1e-15)
            for factor in (1, n_components)
        )
        clipped = form.layout.without_negative_variances(scatter)
        variances = np.diagonal(
            form.layout.matrices(clipped, n_components), axis1=1, axis2=2
        )
        assert variances.min() >= 0
        assert_allclose(
            form.layout.matrices(clipped, n_components),
            matrices - np.minimum(matrices * np.eye(d), 0.0),
        )


@pytest.mark.parametrize("name", STRUCTURES)
def test_m_step_is_insensitive_to_rounding_of_rank_deficient_scatter(name):
    # With fewer rows than features every W_k has a null space whose
    # eigenvalues are tied at n_k reg_covar; the fit must not depend on how
    # rounding breaks those ties (weighted and repeated rows must agree).
    model = get_covariance_model(name)
    d = n_features_for(name, wanted=6)
    rng = np.random.RandomState(11)
    nk = np.array([3.0, 4.0, 5.0])
    full = full_scatters(nk, d, rng)
    noise = rng.standard_normal(full.shape) * 1e-15 * np.abs(full).max()
    perturbed = full + noise + np.swapaxes(noise, 1, 2)
    first = model.m_step(nk, scatter_for(model, full), 1e-6)
    second = model.m_step(nk, scatter_for(model, perturbed), 1e-6)
    assert_allclose(second, first, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["EEV", "VEV"])
def test_other_ties_and_mclust_path_are_equally_good_maximisers(name):
    # A component of 3 rows in 5-D: its W_k has a 2-D null space in which
    # the M-step's axes are free. The other order of the tied axes
    # (CovarianceModel.other_ties) and the coordinate axes nearest them
    # (mclust_path, mclust's choice) give the same objective, other
    # covariances; without ties every choice is one fit.
    model = get_covariance_model(name)
    variants = [model.other_ties, model.mclust_path]
    assert not model.mclust_path_from_own_start
    for variant in variants:
        assert variant.name == name
        assert variant.other_ties is None and variant.mclust_path is None
    rng = np.random.RandomState(5)
    nk = np.array([3.0, 30.0, 40.0])
    full = full_scatters(nk, 5, rng)
    fits = [model.m_step(nk, scatter_for(model, full), 1e-6)]
    fits += [v.m_step(nk, scatter_for(model, full), 1e-6) for v in variants]
    for i, theirs in enumerate(fits[1:]):
        for ours in fits[: i + 1]:
            assert np.abs(theirs[0] - ours[0]).max() > 1e-3 * np.abs(ours[0]).max()
        assert_allclose(
            objective(nk, full, theirs), objective(nk, full, fits[0]), rtol=1e-10
        )
    nk = np.array([30.0, 30.0, 40.0])
    full = full_scatters(nk, 5, rng)
    for variant in variants:
        assert_allclose(
            variant.m_step(nk, scatter_for(model, full), 1e-6),
            model.m_step(nk, scatter_for(model, full), 1e-6),
            rtol=0,
            atol=0,
        )


@pytest.mark.parametrize("name", ["EEV", "VEV"])
def test_mclust_path_takes_the_coordinate_axes_of_a_component_on_one_row(name):
    # mclust's SVD of a zero scatter leaves the identity: the common shape's
    # largest variance on the first feature, its smallest on the last.
    model = get_covariance_model(name)
    rng = np.random.RandomState(2)
    nk = np.array([4.0, 30.0, 40.0])
    full = full_scatters(nk, 3, rng)
    full[0] = 0.0
    covariance = model.mclust_path.m_step(nk, scatter_for(model, full), 1e-6)[0]
    assert_allclose(covariance, np.diag(np.diag(covariance)), atol=1e-12)
    assert np.all(np.diff(np.diag(covariance)) < 0)
    # Rows on a line along the last axis: the two others are tied, the
    # first of them taking the larger variance.
    full[0, 2, 2] = 5.0
    covariance = model.mclust_path.m_step(nk, scatter_for(model, full), 1e-6)[0]
    assert_allclose(covariance, np.diag(np.diag(covariance)), atol=1e-12)
    assert covariance[0, 0] > covariance[1, 1]


def test_only_structures_with_free_axes_have_other_ties():
    for name in available_covariance_types():
        expected = name in ("EEV", "VEV")
        assert (get_covariance_model(name).other_ties is not None) == expected


@pytest.mark.parametrize("name", ["EEV", "VEV"])
def test_m_step_is_insensitive_to_the_noise_of_an_empty_component(name):
    # A component with no rows has W_k = rounding noise: however small, it
    # must not choose that component's orientation in the structures whose
    # shape is shared (sklearn's sample-weight equivalence check reaches such
    # a component). Where the component's own W_k / n_k sets its shape or
    # volume, that ratio of noises is its maximum-likelihood estimate.
    model = get_covariance_model(name)
    d = n_features_for(name, wanted=5)
    rng = np.random.RandomState(12)
    nk = np.array([40.0, 30.0, 1e-14])
    full = full_scatters(nk, d, rng)
    scale = np.abs(full[:2]).max()
    fits = []
    for seed in (0, 1):
        noise = np.random.RandomState(seed).standard_normal((d, d)) * 1e-16 * scale
        full[2] = noise @ noise.T
        fits.append(model.m_step(nk, scatter_for(model, full), 1e-6))
    assert_allclose(fits[1], fits[0], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["EEV", "VEV"])
def test_a_components_axes_are_its_own_beside_a_far_larger_one(name):
    # A cluster's W_k of eigenvalues 14, 30, 35 beside a component spanning
    # clusters 1e6 apart (up to 3e13): read against the largest eigenvalue of
    # all components its eigenvalues were tied, and its axes turned to the
    # pooled scatter's, not the maximiser's (its own eigenvectors, paired in
    # order with the shared shape's). mclust's EEV fit of such data was 0.6
    # units of log-likelihood above ours.
    model = get_covariance_model(name)
    rng = np.random.RandomState(4)
    nk = np.array([30.0, 45.0])
    own = random_transform(3, rng)
    own = np.linalg.qr(own)[0]
    far = np.linalg.qr(random_transform(3, rng))[0]
    full = np.array(
        [
            own @ np.diag([14.0, 30.0, 35.0]) @ own.T,
            far @ np.diag([4e10, 8e10, 3e13]) @ far.T,
        ]
    )
    covariances = model.to_full(model.m_step(nk, scatter_for(model, full), 0.0), 2, 3)
    # (Up to the floor of n_k 1e-15 times the pooled variance that the
    # M-step adds to every W_k: 0.01 on component 0's diagonal here.)
    for k in range(2):
        axis = np.linalg.eigh(covariances[k])[1][:, -1]
        assert abs(axis @ np.linalg.eigh(full[k])[1][:, -1]) > 1.0 - 1e-6
    if name == "EEV":
        # Its closed form (Celeux and Govaert, 1995): each W_k's eigenvectors
        # with the summed eigenvalues as the shared shape and volume.
        values, vectors = np.linalg.eigh(full)
        summed = values.sum(axis=0)
        closed = np.einsum("kij,j,klj->kil", vectors, summed / nk.sum(), vectors)
        best = objective(nk, full, closed)
        assert objective(nk, full, covariances) <= best + 1e-9 * abs(best)


@pytest.mark.parametrize("name", ["EEV", "VEV"])
@pytest.mark.parametrize("far", [10.0, 100.0])
def test_free_axes_of_a_component_far_from_the_centre_do_not_follow_row_order(
    name, far
):
    # A component on 8 copies of one row, or on a plane, far from the
    # data's centre: its W_k's null space is rounding of sums about that
    # centre, well above its own scale's. Tied at a finer tolerance (1e-13
    # of its largest eigenvalue), its axes followed the rows' order: the
    # covariances moved by 77 %, densities off the plane by 0.5 nats.
    rng = np.random.default_rng(0)
    blob = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    plane = rng.normal(size=(40, 2)) @ rng.normal(size=(2, 4))
    for far_rows in (np.full((8, 4), far), plane + far):
        X = np.r_[blob, far_rows]
        fits = []
        for seed in (None, 1, 2):
            order = np.arange(len(X))
            if seed is not None:
                order = np.random.default_rng(seed).permutation(len(X))
            gm = GaussianMixture(
                2, covariance_type=name, random_state=0,
                means_init=[np.zeros(4), far_rows.mean(axis=0)],
            )  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gm.fit(X[order])
            fits.append((gm.covariances_, gm.score_samples(X + 0.1)))
        for covariances, scores in fits[1:]:
            assert_allclose(covariances, fits[0][0], rtol=1e-6, atol=1e-9)
            assert_allclose(scores, fits[0][1], rtol=1e-9, atol=1e-6)


# --------------------------------------------------------------------------
# Inner iterations


@pytest.mark.parametrize("name", sorted(INNER_M_STEPS))
@pytest.mark.parametrize("d", [2, 4])
def test_inner_iterations_never_increase_the_objective(name, d):
    m_step = INNER_M_STEPS[name]
    model = get_covariance_model(name)
    for seed in range(4):
        rng = np.random.RandomState(seed)
        nk = rng.uniform(5.0, 100.0, size=3).round()
        full = full_scatters(nk, d, rng)
        covariances, trace = m_step(nk, scatter_for(model, full), return_trace=True)
        trace = np.asarray(trace)
        scale = np.abs(trace[:-1]) + nk.sum() * d
        assert np.all(np.diff(trace) <= 1e-12 * scale), np.diff(trace)
        assert len(trace) <= covariance_module._INNER_MAX_ITER + 1
        # The trace is the objective of the covariances returned.
        full_cov = model.to_full(covariances, 3, d)
        assert_allclose(trace[-1], objective(nk, full, full_cov), rtol=1e-10)


@pytest.mark.parametrize("name", ["EVE", "VVE"])
@pytest.mark.parametrize("d", [2, 4])
def test_mclust_path_m_step_stays_in_the_family(name, d):
    # mclust's own inner iteration (the structure's ``mclust_path``): the
    # covariances share one orientation and the trace is their objective;
    # for EVE (one volume) it is a majorisation, so the objective never
    # increases and, warm-started, never ends worse than the previous
    # covariances (a generalised EM step). mclust's VVE iteration weights
    # the components by their shapes alone, which is not a majoriser of
    # VVE's objective (see ``_orientation._mm_orientation``).
    model = get_covariance_model(name)
    path = model.mclust_path
    assert path.name == name and path.mclust_path is None
    equal_volume = name == "EVE"
    for seed in range(4):
        rng = np.random.RandomState(seed)
        nk = rng.uniform(5.0, 100.0, size=3).round()
        full = full_scatters(nk, d, rng, sheared=True)
        covariances, trace = orientation_module._mm_orientation(nk, full, equal_volume)
        # From the identity (EM's first M-step) it runs to mclust's own rule,
        # sqrt(eps) relative, as mclust does; warm-started, a few iterations.
        assert len(trace) < orientation_module._MM_FIRST_MAX_ITER
        assert abs(trace[-1] - trace[-2]) <= 1.5e-8 * (abs(trace[-1]) + nk.sum() * d)
        _, warm = orientation_module._mm_orientation(
            nk, full, equal_volume, previous=covariances
        )
        assert len(warm) <= orientation_module._MM_MAX_ITER
        assert_allclose(trace[-1], objective(nk, full, covariances), rtol=1e-10)
        products = covariances[0] @ covariances[1], covariances[1] @ covariances[0]
        assert_allclose(*products, atol=1e-9 * np.abs(products[0]).max())
        if not equal_volume:
            continue
        trace = np.asarray(trace)
        scale = np.abs(trace[:-1]) + nk.sum() * d
        assert np.all(np.diff(trace) <= 1e-12 * scale), np.diff(trace)
        previous = model.m_step(nk, full_scatters(nk, d, rng), 0.0)
        after = path.m_step(nk, full, 0.0, previous=previous)
        before = objective(nk, full, previous)
        assert objective(nk, full, after) <= before + 1e-10 * abs(before)


def test_eve_converges_to_a_stationary_point_when_axes_and_shapes_are_coupled():
    # A cluster of sd 0.01 beside one of sd 100: the Jacobi sweeps (axes,
    # then variances) each gained less than their tolerance long before the
    # minimiser, and EM crawled for 3,000 iterations without converging (or
    # stopped as converged 0.6 of log-likelihood short of mclust's fit from
    # another start). The MM polish takes over where the sweeps stall.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(80, 3)) * 0.01, rng.normal(size=(80, 3)) * 100])
    X[80:] += 500.0
    gm = GaussianMixture(
        2,
        covariance_type="EVE",
        reg_covar=0,
        tol=1e-8,
        max_iter=3000,
        init_params="random_from_data",
        random_state=1,
    ).fit(X)
    assert gm.converged_ and gm.n_iter_ < 100
    # Stationary: mclust's MM iteration (a majoriser for EVE) run to its end
    # from the fit, on the fit's own statistics, gains nothing more.
    resp = gm.predict_proba(X)
    nk = resp.sum(axis=0)
    means = (resp.T @ X) / nk[:, np.newaxis]
    full = np.stack(
        [(resp[:, k] * (X - means[k]).T) @ (X - means[k]) for k in range(2)]
    )
    fitted = objective(nk, full, gm.covariances_)
    polished, _ = orientation_module._mm_orientation(
        nk, full, True, gm.covariances_, max_iter=5000, tol=0.0
    )
    assert objective(nk, full, polished) >= fitted - 1e-6 * abs(fitted)


# --------------------------------------------------------------------------
# Parameter counts


@pytest.mark.parametrize("name", STRUCTURES)
def test_n_parameters_match_the_reference_table(name):
    if name not in N_PARAMETERS:
        pytest.skip(f"no reference parameter count for {name!r}")
    model = get_covariance_model(name)
    for K, d in itertools.product([1, 2, 5], [1, 2, 3, 6]):
        if model.max_n_features is not None and d > model.max_n_features:
            continue
        assert model.n_parameters(K, d) == N_PARAMETERS[name](K, d), (K, d)


def test_worked_parameter_totals(old_faithful):
    X = old_faithful
    assert fit("EEE", X, max_iter=5)._n_parameters() == 11
    rng = np.random.RandomState(0)
    assert fit("VVV", rng.standard_normal((60, 3)), max_iter=5)._n_parameters() == 29
    gm = fit("VEV", rng.standard_normal((60, 4)), n_components=2, max_iter=5)
    assert gm._n_parameters() == 26


# --------------------------------------------------------------------------
# Factorisations


def three_fitted_covariances(name, seed):
    """``(model, K, d, covariances)``: an M-step of three components' scatters."""
    model = get_covariance_model(name)
    rng = np.random.RandomState(seed)
    K, d = 3, n_features_for(name, wanted=4)
    nk = np.array([15.0, 30.0, 45.0])
    covariances = model.m_step(nk, scatter_for(model, full_scatters(nk, d, rng)), 0.0)
    return model, K, d, covariances


@pytest.mark.parametrize("name", STRUCTURES)
def test_precision_cholesky_round_trips(name):
    model, K, d, covariances = three_fitted_covariances(name, 4)
    chol, jittered = model.precision_cholesky(covariances)
    assert not jittered.any()
    precisions = model.precisions_from_cholesky(chol)
    product = model.to_full(precisions, K, d) @ model.to_full(covariances, K, d)
    assert_allclose(product, np.broadcast_to(np.eye(d), product.shape), atol=1e-10)
    assert_allclose(model.covariances_from_cholesky(chol), covariances, rtol=1e-10)
    again = model.precision_cholesky_from_precisions(precisions)
    assert_allclose(again, chol, rtol=1e-10)
    if again.shape[-2:] == (d, d) and d > 1:
        assert np.all(np.tril(again, -1) == 0), "Cholesky factor not upper triangular"
    # log det P is half the log det of the precision.
    _, log_det = np.linalg.slogdet(model.to_full(precisions, K, d))
    assert_allclose(
        np.broadcast_to(model.log_det_cholesky(chol, d), (K,)), 0.5 * log_det
    )


@pytest.mark.parametrize("name", STRUCTURES)
def test_inverse_error_is_scale_free_and_sees_a_broken_pair(name):
    # Read in each structure's own shape; the same number as the largest
    # entry of S P C S^-1 - I over the full matrices, computed here.
    model, K, d, covariances = three_fitted_covariances(name, 6)
    chol, _ = model.precision_cholesky(covariances)
    precisions = model.precisions_from_cholesky(chol)

    def by_hand(C, P):
        C, P = model.to_full(C, K, d), model.to_full(P, K, d)
        root = np.sqrt(np.diagonal(C, axis1=1, axis2=2))
        outer = root[:, :, None] * root[:, None, :]
        return np.abs((P * outer) @ (C / outer) - np.eye(d)).max()

    error = model.inverse_error(covariances, precisions, K, d)
    assert error <= 1e-12
    assert_allclose(error, by_hand(covariances, precisions), rtol=0, atol=1e-14)
    # Features in units 1, 10, 100, ... apart are not ill-conditioned.
    units = 10.0 ** np.arange(d)
    C = model.to_full(covariances, K, d) * np.outer(units, units)
    P = model.to_full(precisions, K, d) / np.outer(units, units)
    full = get_covariance_model("VVV")
    assert full.inverse_error(C, P, K, d) <= 1e-12
    # A precision one percent off is seen, whatever the shape.
    broken = np.asarray(precisions) * 1.01
    assert_allclose(model.inverse_error(covariances, broken, K, d), 0.01, rtol=1e-6)
    assert_allclose(
        model.inverse_error(covariances, broken, K, d),
        by_hand(covariances, broken),
        rtol=1e-12,
    )
    zero = np.zeros_like(np.asarray(covariances))
    assert np.isnan(model.inverse_error(zero, precisions, K, d))


@pytest.mark.parametrize("name", STRUCTURES)
def test_rounded_covariances_stay_positive_definite(name):
    # Near-singular covariances (the scatter of rows close to a line: their
    # eigenvalue ratios far below float32's resolution, 1e-11, yet above
    # float64's rank lost to rounding) rounded to float32:
    # what is stored
    # must factorise in float64, and differ from the float64 covariances by
    # no more than the added variance (a few float32 resolutions of the
    # largest variance).
    model = get_covariance_model(name)
    rng = np.random.RandomState(5)
    K, d = 3, n_features_for(name, wanted=4)
    nk = np.array([20.0, 30.0, 40.0])
    full = full_scatters(nk, d, rng)
    direction = rng.standard_normal(d)
    full = full * 1e-11 + nk[:, None, None] * np.outer(direction, direction)
    covariances = model.m_step(nk, scatter_for(model, full), 0.0)
    for dtype in (np.float32, np.float64):
        stored, regularised = model.rounded(covariances, dtype)
        assert stored.dtype == dtype and stored.shape == np.shape(covariances)
        _, jittered = model.precision_cholesky(stored.astype(np.float64))
        assert not jittered.any()
        scale = np.abs(model.to_full(covariances, K, d)).max()
        change = model.to_full(stored.astype(np.float64) - covariances, K, d)
        assert np.abs(change).max() <= 1e-3 * scale
        if dtype == np.float64:
            assert not regularised.any()
            assert np.array_equal(stored, covariances)


def test_rounded_variances_that_underflow_get_variance_added():
    # Diagonal and spherical covariances stay positive when rounded, unless a
    # variance underflows float32 (1e-50 -> 0): that component gets float32
    # resolutions of its largest variance added, the others are untouched.
    diagonal = get_covariance_model("VVI")
    variances = np.array([[1.0, 2.0, 1e-50], [1.0, 2.0, 3.0]])
    stored, regularised = diagonal.rounded(variances, np.float32)
    assert regularised.tolist() == [True, False]
    assert np.all(stored > 0) and stored[0, 2] <= 1e-3 * 2.0
    assert np.array_equal(stored[1], variances[1].astype(np.float32))
    # A component with nothing left borrows the largest variance of the stack.
    spherical = get_covariance_model("VII")
    stored, regularised = spherical.rounded(np.array([1e-50, 4.0]), np.float32)
    assert regularised.tolist() == [True, False]
    assert 0 < stored[0] <= 1e-3 * 4.0 and stored[1] == 4.0
    # (Data whose every variance is below float32's range is fitted and
    # stored in float64: see doc/numerics.rst.)


# --------------------------------------------------------------------------
# Constraints


@pytest.mark.parametrize("name", STRUCTURES)
def test_fitted_covariances_satisfy_the_constraints(name):
    volume, shape, orientation = mclust_letters(name)
    d = n_features_for(name)
    gm = fit(name, clustered_data(d), reg_covar=0.0)
    assert gm.collapsed_components_.size == 0
    full = full_covariances(gm)
    _, log_det = np.linalg.slogdet(full)
    volumes = np.exp(log_det / d)
    eigenvalues = np.linalg.eigvalsh(full) / volumes[:, np.newaxis]
    if volume == "E":
        assert_allclose(volumes, volumes[0], rtol=1e-8)
    if shape == "E":
        assert_allclose(eigenvalues, eigenvalues[[0]].repeat(3, axis=0), rtol=1e-8)
    if shape == "I":
        assert_allclose(eigenvalues, 1.0, rtol=1e-8)
    if orientation == "I":
        off_diagonal = full * (1 - np.eye(d))
        assert np.all(off_diagonal == 0.0)
    if orientation == "E":
        # Symmetric matrices share their eigenvectors iff they commute.
        for a, b in itertools.combinations(full, 2):
            scale = np.linalg.norm(a) * np.linalg.norm(b)
            assert np.linalg.norm(a @ b - b @ a) <= 1e-8 * scale


@pytest.mark.parametrize("name", STRUCTURES)
def test_regularisation_keeps_the_constraints(name):
    volume, shape, _ = mclust_letters(name)
    d = n_features_for(name)
    model = get_covariance_model(name)
    nk = np.array([10.0, 20.0, 40.0])
    full = full_scatters(nk, d, np.random.RandomState(5))
    covariances = model.m_step(nk, scatter_for(model, full), 0.3)
    full_cov = model.to_full(covariances, 3, d)
    _, log_det = np.linalg.slogdet(full_cov)
    eigenvalues = np.linalg.eigvalsh(full_cov)
    if volume == "E":
        assert_allclose(log_det, log_det[0], rtol=1e-10, atol=1e-12)
    if shape == "E":
        normalised = eigenvalues / np.exp(log_det / d)[:, np.newaxis]
        assert_allclose(normalised, normalised[[0]].repeat(3, axis=0), rtol=1e-10)


# --------------------------------------------------------------------------
# EM


# EM never decreases the likelihood when the M-step maximises it; with
# reg_covar > 0 it maximises a regularised criterion instead, and the
# log-likelihood may then drop by about reg_covar's effect (scikit-learn's
# 'full' model too), so these tests use reg_covar=0 on non-degenerate data.


@pytest.mark.parametrize("clustered", [False, True])
@pytest.mark.parametrize("name", STRUCTURES)
def test_em_lower_bound_never_decreases(name, clustered):
    d = n_features_for(name)
    if clustered:
        # Overlapping sheared clusters: cold-started common-orientation
        # iterations (EVE, VVE) land in worse local optima than the previous
        # parameters on such data, which broke EM before the warm start.
        rng = np.random.RandomState(12)
        X = np.vstack(
            [
                rng.standard_normal((100, d)) @ rng.standard_normal((d, d)) + 5.0 * j
                for j in range(3)
            ]
        )
    else:
        X = np.random.RandomState(6).standard_normal((150, d)) @ random_transform(
            d, np.random.RandomState(7)
        )
    gm = fit(name, X, tol=1e-8, max_iter=60, reg_covar=0.0)
    assert gm.n_iter_ > 2
    assert gm.collapsed_components_.size == 0
    assert_non_decreasing(gm.lower_bounds_)


@pytest.mark.parametrize("reg_covar", [1e-6, 0.0])
@pytest.mark.parametrize("name", STRUCTURES)
def test_duplicated_rows_give_finite_fits(name, reg_covar):
    d = n_features_for(name)
    rng = np.random.RandomState(8)
    X = np.vstack([rng.randint(0, 3, size=(30, d)), np.repeat([[1.0] * d], 25, 0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        gm = fit(name, X.astype(float), n_components=4, reg_covar=reg_covar)
    for attribute in (
        "weights_",
        "means_",
        "covariances_",
        "precisions_cholesky_",
        "precisions_",
    ):
        assert np.all(np.isfinite(getattr(gm, attribute))), attribute
    assert np.all(np.isfinite(gm.score_samples(X)))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(STRUCTURES),
    n_components=st.integers(1, 3),
    n_samples=st.integers(30, 80),
    seed=st.integers(0, 2**16),
)
def test_lower_bound_never_decreases_property(name, n_components, n_samples, seed):
    d = n_features_for(name, wanted=2)
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n_samples, d)) @ random_transform(d, rng)
    X[: n_samples // 3] += 4.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        gm = fit(
            name, X, n_components=n_components, tol=1e-6, max_iter=30, reg_covar=0.0
        )
    assume(gm.collapsed_components_.size == 0)
    assert_non_decreasing(gm.lower_bounds_)


# --------------------------------------------------------------------------
# One-feature structures and equal proportions


@pytest.mark.parametrize(
    "name",
    [name for name in STRUCTURES if get_covariance_model(name).max_n_features],
)
def test_structures_reject_unsupported_feature_counts(name):
    largest = get_covariance_model(name).max_n_features
    X = np.random.RandomState(9).standard_normal((20, largest + 1))
    with pytest.raises(ValueError, match=f"n_features={largest + 1}"):
        GaussianMixture(2, covariance_type=name).fit(X)


@pytest.mark.parametrize("name", ["VVV", "VEI", "EVE", "V"])
def test_equal_proportions(name):
    d = n_features_for(name)
    rng = np.random.RandomState(10)
    # Unbalanced components: 200 and 40 rows.
    X = np.vstack(
        [rng.standard_normal((200, d)), rng.standard_normal((40, d)) * 0.5 + 6.0]
    )
    free = fit(name, X, n_components=2, reg_covar=0.0)
    equal = fit(name, X, n_components=2, reg_covar=0.0, equal_proportions=True)
    assert_allclose(equal.weights_, [0.5, 0.5])
    assert not np.allclose(free.weights_, [0.5, 0.5])
    assert equal._n_parameters() == free._n_parameters() - 1
    assert_non_decreasing(equal.lower_bounds_)


def test_equal_proportions_is_validated():
    with pytest.raises(InvalidParameterError, match="equal_proportions"):
        GaussianMixture(equal_proportions="yes").fit(np.zeros((5, 2)))
