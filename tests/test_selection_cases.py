"""The cases of issue 13 on which the default model search used to fail.

Each is small and seeded; the expected picks are those of a search that
reaches the optimum and never crowns a degenerate or spurious fit.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from threadpoolctl import threadpool_limits

from gmm_estimators import (
    DegenerateFitWarning,
    GaussianMixture,
    GaussianMixtureRegressor,
)
from gmm_estimators._data_span import rows_span, rows_thinnest_correlation
from gmm_estimators._degenerate import check_components
from gmm_estimators._engine import ArraySource
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.model_selection import GaussianMixtureIC


@pytest.fixture(autouse=True)
def _single_thread():
    with threadpool_limits(limits=1):
        yield


def _search(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixtureIC(random_state=0, **params).fit(X)


def _is_sound(selector):
    row = selector.best_index_
    return not (
        selector.results_["degenerate"][row] or selector.results_["spurious"][row]
    )


def test_old_faithful_converged_pick():
    # scikit-learn's absolute tol=1e-3 stopped EEE K=3 after 7 iterations at
    # BIC 2342.8 and the search picked VVE K=2 (2320.3); mclust picks EEE K=3
    # at 2314.32 (negated).
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    selector = _search(X, n_components=4, covariance_types=["EEE", "VVE", "VVV"])
    assert (selector.covariance_type_, selector.n_components_) == ("EEE", 3)
    assert selector.criterion_ <= 2314.35
    assert selector.best_estimator_.converged_


def test_parallel_elongated_clusters_give_three_components():
    # k-means starts cut across the stripes; the hc start does not.
    rng = np.random.RandomState(1)
    X = np.vstack(
        [
            np.column_stack([6.0 * rng.randn(150), 0.4 * rng.randn(150) + 2.5 * i])
            for i in range(3)
        ]
    )
    selector = _search(X, n_components=4, covariance_types=["EEI", "VEI", "VVV"])
    assert selector.n_components_ == 3
    y = np.repeat(np.arange(3), 150)
    # The three stripes are recovered (up to a relabelling).
    agreement = np.bincount(y * 3 + selector.labels_, minlength=9).reshape(3, 3)
    assert agreement.max(axis=1).sum() >= 0.97 * len(X)


def test_dice_rolls_pick_no_spurious_component():
    # Integer data: a component on one lattice line (or point) has an unbounded
    # likelihood; such fits used to win by 350 BIC units (K=8 EVV).
    rng = np.random.RandomState(0)
    X = rng.randint(1, 7, size=(300, 2)).astype(float)
    selector = _search(X, n_components=5, covariance_types=["EVV", "VVV", "EEE"])
    assert _is_sound(selector)
    best = selector.best_estimator_
    # Judged as its structure is (a shared covariance estimated from every
    # component's rows: EEE with components on single values of a die is
    # sound while one of them spreads over two).
    own_spread = get_covariance_model(best.covariance_type).own_spread
    check = check_components(
        X, None, best.predict_proba(X), best.full_covariances_, own_spread=own_spread
    )
    assert check.degenerate.size == 0 and check.spurious.size == 0
    # Every component spreads over the lattice: its smallest variance is a
    # sizeable fraction of the data's.
    data_var = X.var(axis=0).min()
    smallest = np.linalg.eigvalsh(best.full_covariances_)[:, 0]
    assert smallest.min() > 1e-2 * data_var
    # EM with VVV and 5 components from the shared starts creeps onto a
    # lattice line (an unbounded likelihood): the cell keeps the sound fit of
    # the plateau crossed on the way (the fit mclust's rule would stop at),
    # not the collapse, which it used to report flagged.
    results = selector.results_
    cells = list(zip(results["n_components"], results["covariance_type"], strict=True))
    vvv5 = cells.index((5, "VVV"))
    assert not results["degenerate"][vvv5]
    assert np.isfinite(results["bic"][vvv5])
    # The collapse is still detected: the fit from mclust's start, run on to
    # its end, rests a component on a lattice line and is flagged.
    with pytest.warns(DegenerateFitWarning):
        lone = GaussianMixture(
            5, covariance_type="VVV", init_params="mclust_hc", tol=1e-5, max_iter=1000
        ).fit(X)
    assert lone.collapsed_components_.size


@pytest.mark.parametrize("seed", [0, 3])
def test_dice_rolls_pick_no_component_on_a_lattice_line(seed):
    # The dice (default_rng(0)) and another draw: the components of
    # a shared shape (VEI, VEE) each on one value of a die, at a variance of
    # 0.003 (the grid's is 1/12), pulled the shape narrow and won by 100 BIC
    # units; they are spurious, and the pick spreads over the lattice.
    X = np.random.default_rng(seed).integers(1, 7, size=(300, 2)).astype(float)
    selector = _search(X, n_components=8, covariance_types=["EEI", "VEI", "VEE", "EVV"])
    assert _is_sound(selector)
    smallest = np.linalg.eigvalsh(selector.best_estimator_.full_covariances_)
    assert smallest[:, 0].min() > 1e-2 * X.var(axis=0).min()
    results = selector.results_
    lattice = [
        i
        for i, name in enumerate(results["covariance_type"])
        if name in ("VEI", "VEE") and results["spurious"][i]
    ]
    assert lattice


def test_tight_clusters_far_apart_are_not_collapsed():
    # Clusters 5000 of their own standard deviations apart: the old test
    # (variance against the whole data's) flagged both components.
    rng = np.random.RandomState(0)
    X = np.vstack([0.001 * rng.randn(50, 2), 0.001 * rng.randn(50, 2) + [5.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm = GaussianMixture(2, random_state=0).fit(X)
    assert gm.collapsed_components_.size == 0
    assert gm.spurious_components_.size == 0
    selector = _search(X, n_components=3, covariance_types=["VII", "VVV"])
    assert selector.n_components_ == 2
    assert not selector.results_["degenerate"][selector.best_index_]


@pytest.mark.parametrize("apart", [1e7, 1e9, 1e11])
def test_clusters_far_apart_at_any_distance_are_not_collapsed(apart):
    # Their spread compared with the whole data's is 1 / apart: the old size
    # test (1e-6 of the data's spread) flagged every component of K >= 2
    # beyond about 2e6, and the search picked K = 1. One point is what only
    # rounding separates, relative to the rows' distance from the centre.
    rng = np.random.RandomState(1)
    X = np.vstack([rng.randn(60, 2), rng.randn(60, 2) + [apart, 0.0]])
    for structure in ("VVV", "VVI", "VII", "EEE", "EII"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", DegenerateFitWarning)
            gm = GaussianMixture(2, covariance_type=structure, random_state=0).fit(X)
        assert gm.collapsed_components_.size == 0, structure
    selector = _search(X, n_components=3, covariance_types=["VVV", "EII"])
    assert selector.n_components_ == 2
    # Duplicated rows are still one point, even with a tail of tiny
    # responsibilities pulling the fitted mean far from them (the moments
    # are taken about a resting row, so that only their own rounding counts).
    rows = np.vstack([X, np.repeat(X[:1] + [0.5, 0.5], 30, axis=0)])
    resp = np.zeros((rows.shape[0], 3))
    resp[:60, 0] = resp[60:120, 1] = resp[120:, 2] = 1.0
    resp[:120, 2] = 2e-3
    resp /= resp.sum(axis=1, keepdims=True)
    from gmm_estimators.covariance._spread import EVERY_DIRECTION, SOME_SPREAD

    covariances = np.tile(np.eye(2), (3, 1, 1))
    for rule in (SOME_SPREAD, EVERY_DIRECTION):
        check = check_components(rows, None, resp, covariances, own_spread=rule)
        assert check.degenerate.tolist() == [2], rule


@pytest.mark.parametrize("d", [1, 2])
def test_tight_clusters_1e10_deviations_apart_are_found(d):
    # sd 1e-3, centres 1e7 apart: each cluster spreads over 2.7e5 units of
    # rounding of its values. One point was 1e-10 of the data's scale, so
    # all three were collapsed and the search merged two clusters into one.
    rng = np.random.default_rng(1)
    centres = np.outer([0.0, 1.0, 3.0], np.ones(d)) * 1e7
    X = np.vstack([rng.normal(size=(40, d)) * 1e-3 + c for c in centres])
    gm = GaussianMixture(3, covariance_type="VVV" if d > 1 else "V", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm.fit(X)
    assert gm.collapsed_components_.size == 0
    selector = _search(X, n_components=4)
    assert selector.n_components_ == 3
    means = np.sort(selector.best_estimator_.means_[:, 0])
    assert_allclose(means, centres[:, 0], atol=1e-2)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_tight_clusters_far_apart_keep_their_own_variance(d):
    # sd 1e-3, 1e6 apart: the search's reg_covar, in units of the data's
    # spread, is 2.5e5 per feature. Every fitted variance was then reg_covar
    # to 1e-9, the features were read as constant and the swamp went unseen:
    # the pick's covariances were 2.5e5, thousands of nats below the fit.
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(50, d)) * 1e-3 + c for c in (0.0, 1e6)])
    selector = _search(
        X, n_components=[1, 2], covariance_types=["V"] if d == 1 else ["VVV", "VVI"]
    )
    best = selector.best_estimator_
    assert selector.n_components_ == 2
    assert best.reg_covar < 1e-9
    model = get_covariance_model(selector.covariance_type_)
    variances = np.diagonal(model.to_full(best.covariances_, 2, d), axis1=1, axis2=2)
    assert np.all((variances > 0.3e-6) & (variances < 3e-6))
    unregularised = GaussianMixture(
        2,
        covariance_type=selector.covariance_type_,
        reg_covar=0,
        tol=1e-10,
        max_iter=1000,
        random_state=0,
    ).fit(X)
    assert_allclose(best.score(X), unregularised.score(X), atol=1e-3)


def test_tight_clusters_far_apart_in_a_memory_map_are_fitted_as_in_memory(tmp_path):
    # Their fitted variance is reg_covar alone there: the rows tell their own
    # variance, read in pages from the map (the search's remedy was skipped,
    # and the warning's advice left the fit swamped).
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(50, 1)) * 1e-3 + c for c in (0.0, 1e6)])
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")

    class Dataset:
        """An HDF5- or Zarr-like dataset: a shape, a dtype and slices."""

        shape, dtype = X.shape, X.dtype

        def __getitem__(self, index):
            return X[index]

    fits = [
        _search(rows, n_components=[1, 2], covariance_types=["V"]).best_estimator_
        for rows in (X, mapped, Dataset(), X.tolist())
    ]
    for fit in fits[1:]:
        assert fit.reg_covar == fits[0].reg_covar < 1e-9
        assert_allclose(fit.covariances_, fits[0].covariances_, rtol=1e-12)
    # A scalar weight, as fit accepts it, is every row's.
    weighted = GaussianMixtureIC(
        n_components=[1, 2], covariance_types=["V"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted.fit(X, sample_weight=2.0)
    assert weighted.best_estimator_.reg_covar < 1e-9


def test_a_blob_beside_a_far_sentinel_is_not_collapsed():
    # 20 rows holding the sentinel 1e11 in every feature beside a blob of sd
    # 0.5: the blob's spread is 1.6e-11 of the data's, far above rounding.
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(210, 3)) * 0.5, np.full((20, 3), 1e11)])
    gm = GaussianMixture(2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        gm.fit(X)
    blob = int(np.argmax(gm.weights_))
    # The sentinel rows are one point (their own covariance is unbounded).
    assert gm.collapsed_components_.tolist() == [1 - blob]


# mclust 6.0 on these five points (Rscript: X <- the 5 x 2 matrix below;
# Mclust(X, G = 1:5)$BIC): the cells it can fit with 2 or more components,
# and its pick EEI, 4 at BIC 7.878113 (mclust's sign). Every other cell of
# 2 or more components is NA there: a component collapses. mclust also fits
# EEV with 2 components, one of them on 2 of the points: a component with an
# orientation of its own on at most d rows lays the shared shape's narrow
# axis across them, which the package calls degenerate (``_spread``'s
# ``..._ROTATED`` rules), so that cell is not expected sound here.
MCLUST_FIVE_POINTS_CELLS = {
    (2, "EII"), (3, "EII"), (4, "EII"), (2, "EEI"), (3, "EEI"), (4, "EEI"),
    (2, "EEE"), (3, "EEE"),
}  # fmt: skip


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_five_points_pick_what_mclust_picks_at_any_scale(scale):
    # One component per point has covariance reg_covar * I; it escaped the old
    # test whenever the data's variance was at most 1 (the search then picked
    # 5 components). Components of an equal-volume-and-shape structure (EII,
    # EEI) share their covariance, so one on a single point is sound there.
    X = np.random.RandomState(0).rand(5, 2) * scale
    selector = _search(X)
    assert _is_sound(selector)
    assert (selector.n_components_, selector.covariance_type_) == (4, "EEI")
    shift = 2 * X.size * np.log(scale)
    assert_allclose(selector.criterion_ - shift, -7.878113, atol=1e-5)
    results = selector.results_
    flagged = results["degenerate"] | results["spurious"]
    fitted = np.isfinite(results["bic"])
    sound = {
        (int(k), str(t))
        for k, t, bad, ok in zip(
            results["n_components"],
            results["covariance_type"],
            flagged,
            fitted,
            strict=True,
        )
        if k >= 2 and ok and not bad
    }
    assert MCLUST_FIVE_POINTS_CELLS <= sound
    # Every fit of 5 components, one per point, is degenerate.
    five = (results["n_components"] == 5) & fitted
    assert five.any() and flagged[five].all()


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_five_points_in_three_dimensions_share_no_shape_flat_by_chance(scale):
    # Split 2 + 3, five points leave a shared shape three degrees of freedom
    # in three dimensions: VEE with two components fitted a shape whose
    # correlation matrix is flat to 2e-6, one component 350 times the data's
    # variance along its long axis, and the search picked it (mclust cannot
    # fit VEE with two components here and picks EII, 4 at BIC -22.30).
    X = np.random.RandomState(2).rand(5, 3) * scale
    selector = _search(X)
    results = selector.results_
    vee_two = (results["n_components"] == 2) & (results["covariance_type"] == "VEE")
    assert results["spurious"][vee_two].all() or results["degenerate"][vee_two].all()
    assert (selector.n_components_, selector.covariance_type_) != (2, "VEE")
    assert _is_sound(selector)
    best = selector.best_estimator_
    assert best.collapsed_components_.size == best.spurious_components_.size == 0
    # At least as good as mclust's pick, in the package's sign.
    shift = 2 * X.size * np.log(scale)
    assert selector.criterion_ - shift <= -22.30137 + 1.0


@pytest.mark.parametrize("gap", [[5.0, 0.0], [10.0, 10.0]])
def test_a_round_shared_shape_on_few_rows_is_not_flat(gap):
    # Two tight clusters of three rows, far apart (along a feature or
    # obliquely): the shape they share is round although it is 1e-7 of the
    # data's variance along the gap; the flat-shape rule reads correlations.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1e-3, (3, 2)), rng.normal(0, 1e-3, (3, 2)) + gap]
    for structure in ("EEE", "VEE"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gm = GaussianMixture(2, covariance_type=structure, random_state=0).fit(X)
        assert gm.spurious_components_.size == gm.collapsed_components_.size == 0


@pytest.mark.parametrize("n_rows", [4, 5, 6])
def test_one_component_on_few_correlated_rows_is_never_a_flat_shape(n_rows):
    # One component's shape is the data's: however flat the data's own
    # correlations (0.9999 here), it is no flatter than the data.
    rng = np.random.default_rng(n_rows)
    z = rng.standard_normal((n_rows, 1))
    X = np.c_[z, z + 0.01 * rng.standard_normal((n_rows, 1))]
    for structure in ("EEE", "VEE", "EEI", "VEI"):
        gm = GaussianMixture(1, covariance_type=structure).fit(X)
        assert gm.spurious_components_.size == 0


def test_pick_and_decisions_do_not_depend_on_the_units():
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    settings = dict(n_components=4, covariance_types=["EEE", "VVI", "VVV", "EII"])
    reference = _search(X, **settings)
    for scale in (1e-3, 1e3):
        scaled = _search(X * scale, **settings)
        assert scaled.n_components_ == reference.n_components_
        assert scaled.covariance_type_ == reference.covariance_type_
        for key in ("degenerate", "spurious"):
            assert_array_equal(scaled.results_[key], reference.results_[key])
        # BIC shifts by 2 n d log(scale), the Jacobian of the change of units.
        # (Other cells may reach other local optima: waiting times are
        # integers, and rounding breaks their ties differently.)
        shift = 2 * X.size * np.log(scale)
        assert_allclose(scaled.criterion_ - shift, reference.criterion_, atol=1e-3)


def test_data_in_tiny_units_raise_no_numpy_warning():
    # Two clusters in units of 1e-150: the thorough search's reg_covar is in
    # the data's units, so precisions reach 1e300 and their products in the
    # starts' accuracy test overflowed with a RuntimeWarning from numpy.
    rng = np.random.RandomState(1)
    X = np.r_[rng.randn(20, 2), rng.randn(20, 2) + 5]
    settings = dict(n_components=[1, 2, 3, 4], covariance_types=["VVV", "EII"])
    reference = _search(X, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        tiny = GaussianMixtureIC(random_state=0, **settings).fit(X * 1e-150)
    assert tiny.n_components_ == reference.n_components_
    assert tiny.covariance_type_ == reference.covariance_type_


def test_a_constant_feature_changes_nothing_with_the_units():
    """A constant column has no variance, whatever the rounding of its mean.

    Its variance from the rows was the rounding of their mean (1e-33 for a
    column of 0.7, exactly 0 for one of 2.0), and set the search's
    ``reg_covar`` and stopping rule: the pick changed with the units.
    """
    rng = np.random.default_rng(4)
    A = np.r_[
        rng.standard_normal((30, 2)) * 0.3,
        rng.standard_normal((30, 2)) * 0.3 + 2,
        rng.standard_normal((5, 2)) * 0.01 + [4, 0],
    ]
    X = np.c_[A, np.full(65, 0.7)]
    fits = {scale: _search(X * scale, n_components=4) for scale in (1e-3, 1e3)}
    small, large = fits[1e-3], fits[1e3]
    assert small.n_components_ == large.n_components_
    assert small.covariance_type_ == large.covariance_type_
    assert_allclose(
        small.best_estimator_.reg_covar / 1e-6,
        large.best_estimator_.reg_covar / 1e6,
        rtol=1e-9,
    )
    # BIC shifts by 2 n d log(scale), the Jacobian of the change of units.
    shift = 2 * X.size * np.log(1e6)
    assert_allclose(large.criterion_ - shift, small.criterion_, rtol=1e-6)


@pytest.mark.parametrize("structure", ["EVI", "EVE", "EVV", "VEI"])
def test_a_constant_feature_is_no_swamped_cluster_whatever_its_value(structure):
    """Structures sharing a shape leave a constant feature's variances off
    ``reg_covar``, and the rows' rounding about the fitted means passed for a
    tight cluster's own spread where the value rounds (0.1, not 0.5): the
    search ran again with ``reg_covar`` near 1e-75, every criterion some
    20,000 BIC units lower, and advised a smaller ``reg_covar``."""
    rng = np.random.default_rng(0)
    A = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(5, 1, (60, 2))]
    fits = {}
    for value in (0.1, 0.3, 0.5):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fits[value] = GaussianMixtureIC(
                n_components=[1, 2, 3], covariance_types=[structure], random_state=0
            ).fit(np.c_[A, np.full(len(A), value)])
        assert not [w for w in caught if "smaller reg_covar" in str(w.message)]
    for value in (0.1, 0.3):
        assert fits[value].best_estimator_.reg_covar == pytest.approx(
            fits[0.5].best_estimator_.reg_covar, rel=1e-9
        )
        assert_allclose(
            fits[value].results_["bic"], fits[0.5].results_["bic"], rtol=1e-8
        )


def _clusters_in_mixed_units(seed):
    """Four clusters whose features are in units 1e6 apart (as state.x77's)."""
    rng = np.random.default_rng(seed)
    parts = [
        rng.multivariate_normal(
            rng.normal(0.0, 3.0, 4), np.diag(rng.uniform(0.3, 2.0, 4)), 15 + 5 * i
        )
        for i in range(4)
    ]
    return np.concatenate(parts) * np.array([1e4, 3.0, 0.01, 200.0])


@pytest.mark.parametrize("seed", [0, 1])
def test_every_cell_of_the_search_is_the_same_in_any_units(seed):
    # An exact change of units (a power of two) changes no decision of the
    # search: not the split proposals (chosen in standardised units), not
    # the inner iterations of the constrained M-steps (whose stopping rules
    # measure the objective from the data's units). Both did: the split by
    # N_k log|Sigma_k| preferred other components in other units, and cells
    # moved by up to 0.4 %.
    X = _clusters_in_mixed_units(seed)
    n, d = X.shape
    scale = 2.0**-10
    reference = _search(X, n_components=[2, 3])
    scaled = _search(X * scale, n_components=[2, 3])
    shift = 2 * n * d * np.log(scale)
    assert_allclose(
        scaled.results_["bic"] - shift, reference.results_["bic"], rtol=1e-9
    )
    for key in ("degenerate", "spurious", "rank"):
        assert_array_equal(scaled.results_[key], reference.results_[key])


def test_every_cell_on_lattice_data_is_the_same_in_units_not_a_power_of_two():
    # R's women data (heights and weights in whole inches and pounds): rows
    # on a lattice, equally far from two k-means centres, broke that tie by
    # the rounding of X * 1e-3, and the sound EEI cell with 7 components
    # moved by 2.25 BIC units.
    height = np.arange(58.0, 73.0)
    weight = [115, 117, 120, 123, 126, 129, 132, 135, 139, 142, 146, 150, 154, 159, 164]
    X = np.c_[height, np.asarray(weight, dtype=float)]
    reference = _search(X, n_components=[7, 8])
    scaled = _search(X * 1e-3, n_components=[7, 8])
    shift = 2 * X.size * np.log(1e-3)
    for key in ("degenerate", "spurious", "rank"):
        assert_array_equal(scaled.results_[key], reference.results_[key])
    # Every fit that is not degenerate: rounding apart, not another maximum.
    # A degenerate cell ends where EM's next step broke down on its way to an
    # unbounded likelihood, whose value there moves with the rounding (VEE
    # with 8 components: 8.5e-5 apart with numpy 2.4); it is flagged (equal
    # above) and never picked.
    sound = ~reference.results_["degenerate"]
    assert sound.sum() >= 5  # EEI with 7 among them
    assert_allclose(
        scaled.results_["bic"][sound] - shift,
        reference.results_["bic"][sound],
        rtol=0,
        atol=1e-5,
    )


@pytest.mark.parametrize("scale", [1.0, 1e-3])
def test_one_component_ties_go_to_the_simplest_structure(scale):
    # With one component every ellipsoidal structure is the same model:
    # their BICs differ by rounding alone, and the pick was whichever
    # rounded lowest (VVV at one scale, VEE at another). mclust picks EEE.
    X = _clusters_in_mixed_units(0)[:, :3]
    selector = _search(X * scale, n_components=[1])
    bic = selector.results_["bic"]
    types = list(selector.results_["covariance_type"])
    # A tie: EEE is the lowest but for rounding, with others (VVV, EEV).
    tied = np.flatnonzero(bic - bic.min() <= 1e-9 * abs(bic).max())
    assert types.index("EEE") in tied and len(tied) > 1
    assert selector.covariance_type_ == "EEE"


def test_duplicated_rows_and_lattice_lines_are_degenerate_at_any_scale():
    # Old Faithful: a diagonal component on the rows with waiting time 83.
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    for scale in (1e-3, 1.0, 1e3):
        with pytest.warns(DegenerateFitWarning, match="lower-dimensional"):
            gm = GaussianMixture(
                5,
                covariance_type="diag",
                init_params="random_from_data",
                reg_covar=1e-6 * scale**2,
                random_state=0,
            ).fit(X * scale)
        assert_array_equal(gm.collapsed_components_, [0])


def test_spurious_component_is_flagged():
    # Two sound clusters and a third component far narrower than the others
    # (not singular: it spans the plane).
    rng = np.random.RandomState(0)
    X = np.vstack(
        [rng.randn(100, 2), rng.randn(100, 2) + 8.0, 1e-4 * rng.randn(10, 2) + 4.0]
    )
    resp = np.zeros((210, 3))
    resp[:100, 0] = resp[100:200, 1] = resp[200:, 2] = 1.0
    covariances = np.stack([np.eye(2), np.eye(2), 1e-8 * np.eye(2)])
    check = check_components(X, None, resp, covariances)
    assert check.degenerate.size == 0
    assert_array_equal(check.spurious, [2])
    assert "narrow" in check.reasons[2]
    # The same component with a covariance 1e-4 of the others' is sound.
    covariances[2] = 1e-4 * np.eye(2)
    assert check_components(X, None, resp, covariances).spurious.size == 0


def _two_clusters(second):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(30, 2), second])
    resp = np.zeros((len(X), 2))
    resp[:30, 0] = resp[30:, 1] = 1.0
    return X, resp


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_what_a_component_must_span_follows_its_structure(scale):
    from gmm_estimators.covariance._spread import (
        EVERY_AXIS,
        EVERY_DIRECTION,
        NOTHING,
        OWN_ORIENTATION,
        OWN_ORIENTATION_AND_VOLUME,
        SOME_SPREAD,
    )

    def flagged(X, resp, rule):
        check = check_components(
            X * scale, None, resp, np.stack([np.eye(2)] * 2) * scale**2,
            own_spread=rule,
        )  # fmt: skip
        return set(check.degenerate.tolist()) | set(check.spurious.tolist())

    rng = np.random.RandomState(1)
    # Ten rows on a horizontal line far from the first cluster.
    line = np.column_stack([rng.randn(10), np.full(10, 6.0)])
    X, resp = _two_clusters(line)
    assert flagged(X, resp, EVERY_DIRECTION) == {1}
    assert flagged(X, resp, EVERY_AXIS) == {1}
    assert flagged(X, resp, SOME_SPREAD) == set()  # a shared shape, own volume
    assert flagged(X, resp, NOTHING) == set()
    # Five copies of one row: only a shared covariance keeps it sound.
    X, resp = _two_clusters(np.tile([[6.0, 6.0]], (5, 1)))
    for rule in (EVERY_DIRECTION, EVERY_AXIS, SOME_SPREAD):
        assert flagged(X, resp, rule) == {1}
    assert flagged(X, resp, NOTHING) == set()
    # Every component on its own point: nothing is left for the shared one.
    X = np.repeat([[0.0, 0.0], [6.0, 1.0]], 5, axis=0)
    resp = np.repeat(np.eye(2), 5, axis=0)
    assert flagged(X, resp, NOTHING) == {0, 1}
    # An orientation of its own (EEV, VEV) needs more rows than dimensions:
    # two rows (a segment) are degenerate, three rows spanning the plane are
    # sound, ten rows exactly on a line are spurious (the lattice rule), and
    # ten rows near a line are sound.
    near_line = line + np.column_stack([np.zeros(10), 0.05 * rng.randn(10)])
    for rule in (OWN_ORIENTATION, OWN_ORIENTATION_AND_VOLUME):
        X, resp = _two_clusters(np.array([[6.0, 6.0], [7.0, 6.5]]))
        assert flagged(X, resp, rule) == {1}
        X, resp = _two_clusters(np.array([[6.0, 6.0], [7.0, 6.5], [6.2, 7.0]]))
        assert flagged(X, resp, rule) == set()
        X, resp = _two_clusters(line)
        assert flagged(X, resp, rule) == {1}
        X, resp = _two_clusters(near_line)
        assert flagged(X, resp, rule) == set()


def test_sample_of_many_rows_skips_rows_of_zero_weight():
    # 30,000 rows of which six carry weight: the thorough search's sample
    # (10,000 rows) is drawn among those six, and finds the grid's optimum.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(15000, 2), rng.randn(15000, 2) + 5]
    w = np.zeros(len(X))
    w[[1, 2, 3, 15001, 15002, 15003]] = 1.0
    for seed in (0, 4):
        params = dict(n_components=3, covariance_types=["EII"], random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            thorough = GaussianMixtureIC(**params).fit(X, sample_weight=w)
            grid = GaussianMixtureIC(search="grid", **params).fit(X, sample_weight=w)
        assert thorough.n_components_ == grid.n_components_
        assert thorough.criterion_ <= grid.criterion_ + 1e-6


class _Pages:
    """A sliceable array read page by page (as an HDF5 or zarr dataset)."""

    def __init__(self, array):
        self._array = array
        self.shape, self.dtype = array.shape, array.dtype

    def __getitem__(self, index):
        return self._array[index]

    def __len__(self):
        return self.shape[0]


def test_noise_on_streamed_rows_is_refused_with_the_remedy(tmp_path):
    X = np.random.RandomState(0).randn(200, 2)
    for estimator in (
        GaussianMixtureIC(n_components=2, noise=True),
        GaussianMixture(2, noise=True),
    ):
        with pytest.raises(ValueError, match=r"in memory.*np\.asarray"):
            estimator.fit(_Pages(X))
    # A memory map is read whole: the noise needs every row at once.
    rows = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="w+", shape=X.shape)
    rows[:] = X
    mapped = GaussianMixtureIC(n_components=2, noise=True, random_state=0).fit(rows)
    held = GaussianMixtureIC(n_components=2, noise=True, random_state=0).fit(X)
    assert mapped.covariance_type_ == held.covariance_type_


@pytest.mark.parametrize("fifth", [0.4, 0.6])
def test_rows_worth_is_rounded_to_whole_rows(fifth):
    # A VVV component in 4-D needs 5 rows' worth: four rows and 0.6 of a
    # fifth round to 5 (sound: the five rows span the space), four rows and
    # 0.4 of a fifth round to 4 (degenerate). A common factor of the weights
    # changes neither verdict.
    from gmm_estimators.covariance._spread import EVERY_DIRECTION

    rng = np.random.RandomState(2)
    X = np.vstack([rng.randn(40, 4), rng.randn(5, 4) + 8.0])
    resp = np.zeros((45, 2))
    resp[:40, 0] = resp[40:44, 1] = 1.0
    resp[44] = [1.0 - fifth, fifth]
    for weights in (None, np.full(45, 1e-30), np.full(45, 1e30)):
        check = check_components(
            X, weights, resp, np.stack([np.eye(4)] * 2), own_spread=EVERY_DIRECTION
        )
        assert set(check.degenerate.tolist()) == ({1} if fifth < 0.5 else set())
        assert check.spurious.size == 0


def test_a_regularisation_that_swamps_the_pick_is_lowered():
    # Clusters of sd 1 with centres 1e7 apart: the thorough search's
    # reg_covar (relative to the smallest feature variance, 2.2e13) is 2.2e7,
    # which the chosen covariances were made of. The search runs again with
    # reg_covar relative to the chosen clusters' own narrowest variance, and
    # fits them (mclust, unregularised, does).
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(40, 2)) + c for c in [[0, 0], [1e7, 0], [0, 1e7]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        selector = GaussianMixtureIC(n_components=4, random_state=0).fit(X)
    assert selector.n_components_ == 3
    assert_allclose(np.asarray(selector.best_estimator_.covariances_), 0.84, rtol=0.3)
    # Tight clusters 5000 deviations apart on one feature, or at the corners
    # of a triangle: mclust's cells (E 2 at 939.787, EII 3 at 2936.192).
    rng = np.random.RandomState(0)
    one = np.vstack([0.001 * rng.randn(50, 1), 0.001 * rng.randn(50, 1) + 5.0])
    triangle = np.vstack(
        [0.001 * rng.randn(50, 2) + c for c in [(0, 0), (5, 0), (0, 5)]]
    )
    for X, structure, expected in ((one, "E", -939.787), (triangle, "EII", -2936.192)):
        selector = _search(X, n_components=[1, 2, 3], covariance_types=[structure])
        assert selector.criterion_ <= expected + 1.0


def test_a_large_cluster_inflated_by_a_tenth_is_searched_again():
    # 900 rows of sd 1 beside two small clusters of sd 10 and 100, about
    # 1,300 sds away: reg_covar (relative to the data's thinnest spread) was
    # 1/13 of the large cluster's variance, above the ratio that ran the
    # search again (1/11), yet it cost the pick 5.6 BIC units, unsaid. Its
    # cost over the cluster's rows now decides.
    rng = np.random.default_rng(21)
    centres = np.array([(0.0, 0.0), (1300.0, 390.0), (-520.0, 1300.0)])
    clusters = zip((900, 50, 50), (1.0, 10.0, 100.0), centres, strict=True)
    X = np.vstack([c + rng.normal(size=(m, 2)) * s for m, s, c in clusters])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        selector = GaussianMixtureIC(
            n_components=[3], covariance_types=["VII"], random_state=0
        ).fit(X)
    # The oracle: EM with a negligible reg_covar from the clusters' centres.
    tight = GaussianMixture(
        3,
        covariance_type="VII",
        reg_covar=1e-12,
        tol=1e-12,
        max_iter=5000,
        means_init=centres,
    ).fit(X)
    assert tight.converged_
    assert abs(selector.criterion_ - tight.bic(X)) < 0.05


@pytest.mark.parametrize("structure", ["VEE", "VEV"])
def test_swamped_components_of_a_shared_shape_are_searched_again(structure):
    # Tight clusters of unequal spread far apart: a shape shared by
    # components of different volumes spreads reg_covar unequally, and the
    # smallest one's fitted variance fell below reg_covar, so the search
    # found no own variance to run again with: the cell stayed 1,500 nats
    # below the maximum likelihood, with only a warning. Its rows tell it.
    rng = np.random.default_rng(0)
    spreads, centres = (0.01, 0.001, 0.003), ([0, 0], [1000, 0], [0, 1000])
    X = np.vstack(
        [rng.normal(0, s, (60, 2)) + c for s, c in zip(spreads, centres, strict=True)]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        selector = GaussianMixtureIC(
            n_components=[3], covariance_types=[structure], random_state=0
        ).fit(X)
    # The oracle: unregularised EM from the clusters' own means.
    ml = GaussianMixture(
        3,
        covariance_type=structure,
        reg_covar=0,
        tol=1e-12,
        max_iter=5000,
        means_init=np.array(centres, dtype=float),
    ).fit(X)
    assert ml.converged_
    assert_allclose(
        selector.results_["log_likelihood"][0], X.shape[0] * ml.score(X), atol=1e-3
    )


# The warning that rows span fewer dimensions than their features (the
# test below); no other UserWarning is expected where it is filtered.
_SPAN_WARNING = "the rows of X span"


def test_the_span_is_said_only_where_a_covariance_can_align_with_it():
    # x3 = x1 + x2: a diagonal covariance fits var(x3) as it is; reg_covar
    # alone along the dependent direction concerns the structures that can
    # align with it. GaussianMixture(diag) said it, and so did a search of
    # axis-aligned structures only (with a d x d pass for it).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    X[30:] += 4.0
    X = np.column_stack([X, X.sum(axis=1)])

    def said(estimator):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X)
        return any(_SPAN_WARNING in str(c.message) for c in caught)

    assert not said(GaussianMixture(2, covariance_type="diag", random_state=0))
    assert said(GaussianMixture(2, covariance_type="full", random_state=0))
    aligned = ["VVI", "EEI", "VII", "EII"]
    assert not said(GaussianMixtureIC(n_components=[1, 2], covariance_types=aligned))
    assert said(
        GaussianMixtureIC(n_components=[1, 2], covariance_types=[*aligned, "VVV"])
    )


def test_directions_the_data_do_not_span_are_not_swamped():
    # Rows on two points of a line: across the line every covariance is
    # reg_covar plus rounding. Taken as the components' own variance (1e-17),
    # it lowered reg_covar to 2e-22: the covariances became singular to
    # rounding, EM oscillated for 1,000 iterations (VVE, VEV, EVV), and the
    # one-component fits of the full structures, the same model, differed
    # by 7 units of log-likelihood.
    X = np.tile([[3.0, 3.0], [4.0, 4.0]], (10, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", _SPAN_WARNING, UserWarning)  # its own
        selector = GaussianMixtureIC(n_components=[1]).fit(X)
    table = selector.results_
    full = np.isin(
        table["covariance_type"],
        ["VVV", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV"],
    )
    assert table["converged"][full].all()
    assert_allclose(
        table["log_likelihood"][full], table["log_likelihood"][0], rtol=1e-9
    )
    # Three clusters on a plane in 3-D: across it, the same rounding was
    # taken for the components' variance; the search ran three times (72 s)
    # and picked VEE with 4 components, not converged in 1,000 iterations.
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(40, 2)) + c for c in [[0, 0], [1e3, 0], [0, 1e3]]])
    on_plane = X @ np.array([[1.0, 0.5, 2.0], [0.0, 1.0, -1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", _SPAN_WARNING, UserWarning)
        selector = GaussianMixtureIC(n_components=4, random_state=0).fit(on_plane)
    assert selector.n_components_ == 3
    # A constant feature: its implied variance, the rounding of the means,
    # was standardised into a direction of the span (reg_covar then 1e-23
    # or 0.11 depending on the constant; 8.3e-7 without it).
    for constant in (7.0, -3.5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the constant's own
            selector = GaussianMixtureIC(n_components=4, random_state=0).fit(
                np.column_stack([X, np.full(len(X), constant)])
            )
        assert selector.n_components_ == 3
        assert 1e-12 < selector.best_estimator_.reg_covar < 1e-5


def _written(X, digits):
    """X as a text file keeps it: ``'%.{digits}g'`` of every value."""
    return np.vectorize(lambda value: float(f"{value:.{digits}g}"))(X)


@pytest.mark.parametrize(
    "case",
    [
        "line",
        "sum of two",
        "sum of two, 6 digits",
        "sum of two, 2 decimals",
        "an exact multiple and a written sum",
        "a total at 2 decimals beside terms at 4",
        "fewer rows than features",
    ],
)
def test_rows_spanning_fewer_dimensions_than_their_features_are_reported(case):
    # Off the rows' span every covariance is reg_covar alone: the likelihood
    # and which structure the criteria prefer were set by reg_covar (the
    # pick's BIC fell without bound as it shrank), and nothing was said.
    # Written to a text file, the sum holds up to the written digits only:
    # read as spread, the search fitted that rounding (VVE with 9
    # components on three clusters, unflagged).
    rng = np.random.RandomState(0)
    if case == "line":
        x = rng.normal(size=100)
        X, rank = np.column_stack([x, 2.0 * x]), 1
    elif case.startswith("sum of two"):
        Y = rng.normal(size=(150, 2)) + np.repeat([[0, 0], [6, 0], [0, 6]], 50, 0)
        X, rank = np.column_stack([Y, Y.sum(axis=1)]), 2
        if case.endswith("6 digits"):
            X = _written(X, 6)
        elif case.endswith("2 decimals"):
            X = np.round(X, 2)
    elif case == "a total at 2 decimals beside terms at 4":
        # Each feature's own digits: read at the terms' finer step, the
        # total's rounding was spread.
        Y = np.round(rng.normal(size=(300, 2)) * 2 + 5, 4)
        X, rank = np.column_stack([Y, np.round(Y.sum(axis=1), 2)]), 2
    elif case == "an exact multiple and a written sum":
        # One dependency exact in float64, one up to the written digits: the
        # two sets of directions, one shared, unite into the span's
        # complement (a QR of both gave an arbitrary direction for the
        # shared one).
        Y = np.round(rng.normal(size=(300, 3)) * 2 + 5, 2)
        written = np.round(0.3 * Y[:, 1] + 0.7 * Y[:, 2], 2)
        X, rank = np.column_stack([Y, 2.0 * Y[:, 0], written]), 3
    else:
        X, rank = rng.normal(size=(8, 12)), 7
    # With no more rows than features the selector's default structures are
    # the axis-aligned ones (mclust's rule), which the span does not limit:
    # there it is asked for a full covariance.
    few = {"covariance_types": ["VVV", "EEI"]} if X.shape[0] <= X.shape[1] else {}
    for fit in (
        lambda: GaussianMixture(1).fit(X),
        lambda: GaussianMixtureIC(n_components=[1, 2], random_state=0, **few).fit(X),
    ):
        with pytest.warns(UserWarning, match=f"span {rank} of the {X.shape[1]} "):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DegenerateFitWarning)
                fit()
    # float32 rows far from the origin round above the span's float64
    # floor: their dependent direction was kept in it, and not reported.
    far32 = (X + 1000.0).astype(np.float32)
    with pytest.warns(UserWarning, match=f"span {rank} of the {X.shape[1]} "):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DegenerateFitWarning)
            GaussianMixture(1).fit(far32)
    if case == "an exact multiple and a written sum":
        # The span is orthogonal to both dependencies' normals.
        basis = rows_span(ArraySource.from_arrays(X))[0]
        normals = np.array([[2.0, 0, 0, -1, 0], [0, 0.3, 0.7, 0, -1]])
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        assert np.abs(normals @ basis).max() < 1e-3
    # Full-rank rows get no such warning (a new last column mends one
    # dependency).
    full = np.column_stack([X[:, :-1], rng.normal(size=X.shape[0])])
    if full.shape[0] > full.shape[1] and rank == X.shape[1] - 1:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", _SPAN_WARNING, UserWarning)
            GaussianMixture(1).fit(full)


def test_a_constant_feature_does_not_hide_that_the_others_span_too_few_dimensions():
    # The constant feature's message was returned alone: the rows' span of
    # the varying features (a sum of two), which sets the likelihood off it
    # as much, went unsaid.
    rng = np.random.RandomState(1)
    Y = rng.normal(size=(200, 2)) + np.repeat([[0, 0], [6, 0]], 100, 0)
    X = np.column_stack([Y, Y.sum(axis=1), np.full(200, 4.0)])
    for fit in (
        lambda: GaussianMixture(2, covariance_type="VVV", random_state=0).fit(X),
        lambda: GaussianMixtureIC(n_components=[1, 2], random_state=0).fit(X),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit()
        said = [str(c.message) for c in caught if c.category is UserWarning]
        assert len(said) == 1, said
        assert said[0].startswith("feature(s) 3 of X are constant")
        assert "span 2 of the 3 dimensions of its varying features" in said[0]
    # Axis-aligned covariances take each feature's own variance off the
    # span: the constant feature alone is said.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixture(2, covariance_type="VVI", random_state=0).fit(X)
    said = [str(c.message) for c in caught if c.category is UserWarning]
    assert len(said) == 1 and _SPAN_WARNING not in said[0], said
    # The regressor says it of [X, y], after the constant feature of X.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GaussianMixtureRegressor(n_components=1).fit(Y, Y @ [1.0, 2.0])
        GaussianMixtureRegressor(n_components=1).fit(X[:, [0, 1, 3]], X[:, 2])
    said = [str(c.message) for c in caught if c.category is UserWarning]
    assert len(said) == 2 and "constant" not in said[0], said
    assert said[1].startswith("feature(s) 2 of X are constant"), said
    for message in said:
        assert "the rows of [X, y] span 2 of the 3 dimensions" in message
        assert "LinearRegression" in message and "PCA" not in message


@pytest.mark.parametrize("seed", range(8))
def test_few_rows_span_their_affine_rank_whatever_digits_they_happen_to_have(seed):
    # Three rows in 10-D span 2 dimensions. On some draws a feature's three
    # values happen to be exact at 14 decimals, read as written digits, and
    # the union of that rule's directions (of length 1e14, the pencil's
    # metric) with float64's dropped the latter: "span 5 of the 10".
    X = np.random.RandomState(seed).randn(3, 10) + 2
    basis, n_varying = rows_span(ArraySource.from_arrays(X))
    assert (basis.shape[1], n_varying) == (2, 10)
    # The span is that of the rows' differences.
    differences = np.linalg.qr((X[1:] - X[0]).T)[0]
    assert_allclose(np.abs(np.linalg.svd(differences.T @ basis)[1]), 1.0, atol=1e-8)


def test_spread_beyond_the_written_digits_is_not_a_dependency():
    # Rows 1e-3 of their spread off a plane, written with 6 significant
    # digits: the written digits resolve that spread, which is the data's.
    rng = np.random.RandomState(0)
    Y = rng.normal(size=(150, 2)) + np.repeat([[0, 0], [6, 0], [0, 6]], 50, 0)
    X = np.column_stack([Y, Y.sum(axis=1) + 1e-3 * rng.normal(size=150)])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", _SPAN_WARNING, UserWarning)
        selector = GaussianMixtureIC(
            n_components=[3], covariance_types=["VVV"], random_state=0
        ).fit(_written(X, 6))
    # reg_covar well below the off-plane variance (1e-6).
    assert selector.best_estimator_.reg_covar < 1e-9


@pytest.mark.parametrize(
    "case", ["20 features, 2 decimals", "integers one apart", "12 integer features"]
)
def test_correlated_written_features_are_not_a_dependency(case):
    # Written rounding counts along a direction by each feature's share of
    # it: as a worst-case sum over every feature's step, a difference of 10
    # written units among 20 features (correlation 0.99995) was reported as
    # a dependency, and so were integers one apart.
    rng = np.random.RandomState(0)
    if case == "20 features, 2 decimals":
        X = 10.0 * rng.normal(size=(500, 20))
        X[:, 1] = X[:, 0] + 0.1 * rng.normal(size=500)
        X = np.round(X, 2)
    elif case == "integers one apart":
        x = rng.randint(0, 1000, 400)
        X = np.column_stack([x, x + rng.randint(-1, 2, 400)]).astype(float)
    else:
        X = rng.randint(0, 1000, (400, 12)).astype(float)
        X[:, 1] = X[:, 0] + rng.randint(-3, 4, 400)
    # A direction thin enough for rounding to be read along it.
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(X.T))
    assert eigenvalues[0] < 1e-4 * eigenvalues[-1]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", _SPAN_WARNING, UserWarning)
        GaussianMixture(1).fit(X)
    assert rows_span(ArraySource.from_arrays(X)) is None


def test_the_unit_of_reg_covar_reads_a_spread_direction_the_span_drops():
    # Rows 1e-5 of their spread off a tilted plane: the correlation's
    # thinnest eigenvalue (~1e-11) is below the span's floor, and the unit
    # of the thorough search's reg_covar was read without it.
    rng = np.random.RandomState(0)
    plane = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 3))
    X = plane + 1e-5 * rng.normal(size=(300, 3))
    thinnest = np.linalg.eigvalsh(np.corrcoef(X.T))[0]
    assert thinnest < 1e-10
    rows = ArraySource.from_arrays(X)
    # Eigenvalues are exact to eps times the largest (2): 1e-5 of this one.
    assert_allclose(rows_thinnest_correlation(rows), thinnest, rtol=1e-4)
    # On the plane itself (an exact dependency), or spread thickly, none.
    assert rows_thinnest_correlation(ArraySource.from_arrays(plane)) is None
    thick = plane + 0.1 * rng.normal(size=(300, 3))
    assert rows_thinnest_correlation(ArraySource.from_arrays(thick)) is None


def test_no_smaller_reg_covar_is_advised_off_the_rows_span():
    # A duplicated column: VEE's covariances are not exactly reg_covar off
    # the span, which read as a tight cluster there; the search was run
    # again with reg_covar 1e-12 and advised lower still (every criterion
    # diverging as it shrinks).
    rng = np.random.RandomState(0)
    X = np.vstack(
        [rng.randn(40, 2), rng.randn(40, 2) * 0.5 + [4, 0], rng.randn(40, 2) + [0, 5]]
    )
    X = np.column_stack([X, X[:, 1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        selector = GaussianMixtureIC(n_components=[1, 2, 3], random_state=0).fit(X)
    messages = [str(w.message) for w in caught]
    assert any(_SPAN_WARNING in m for m in messages)
    assert not any("Pass a smaller reg_covar" in m for m in messages)
    assert selector.best_estimator_.reg_covar > 1e-7  # not lowered


def test_a_constant_feature_is_reported():
    # A constant column adds reg_covar alone to every covariance along it:
    # on Old Faithful it changed the pick from EEE to EEI, silently.
    from gmm_estimators.datasets import load_old_faithful

    X = np.asarray(load_old_faithful().data, dtype=float)
    X = np.c_[X, np.full(X.shape[0], 3.0)]
    with pytest.warns(UserWarning, match=r"feature\(s\) 2 of X are constant"):
        GaussianMixture(2, random_state=0).fit(X)
    with pytest.warns(UserWarning, match=r"feature\(s\) 2 of X are constant") as caught:
        _ = GaussianMixtureIC(n_components=2, covariance_types=["EEE"]).fit(X)
    # No second warning about the regularisation of the chosen model.
    assert not any("Pass a smaller" in str(w.message) for w in caught)


def test_em_does_not_stop_on_a_plateau():
    # Four columns of scikit-learn's breast cancer data (mean radius, mean
    # texture, worst smoothness, worst concavity), EEE with 3 components:
    # from mclust's own start, the relative rule alone stopped EM after 18
    # iterations at BIC 3040.1 while the changes were still shrinking slowly
    # (a plateau); Aitken's estimate of the gain to come keeps it going.
    # mclust 6.0: mclustBIC(X, G = 3, modelNames = "EEE") = -2886.58279.
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    columns = ["mean radius", "mean texture", "worst smoothness", "worst concavity"]
    X = frame[columns].to_numpy(dtype=float)
    selector = _search(X, n_components=[3], covariance_types=["EEE"])
    assert selector.results_["bic"][0] <= 2886.58279 + 1.0


def test_a_run_that_creeps_to_a_collapse_keeps_where_the_relative_rule_stopped():
    # Two stripes (sd 6 along, 0.4 across, 2.5 apart): EM for VEI with 7 and
    # 8 components goes on past the relative rule's stop (a plateau) and
    # creeps to a collapsed component; the cells then held poorer sound fits,
    # 4.8 and 6.3 BIC units above mclust's. The run's first stop is sound.
    # mclust 6.0: mclustBIC(X, G = 7:8, modelNames = "VEI") below (negated).
    rng = np.random.default_rng(3)
    X = np.vstack(
        [
            np.column_stack(
                [6 * rng.standard_normal(200), 0.4 * rng.standard_normal(200) + 2.5 * i]
            )
            for i in range(2)
        ]
    )
    selector = _search(X, n_components=[6, 7, 8], covariance_types=["EEI", "VEI"])
    results = selector.results_
    for k, mclust in ((7, 3668.90224), (8, 3688.47928)):
        row = np.flatnonzero(
            (results["n_components"] == k) & (results["covariance_type"] == "VEI")
        )[0]
        assert not (results["degenerate"][row] or results["spurious"][row])
        assert results["bic"][row] <= mclust + 1.0


def test_a_second_search_that_finds_nothing_sound_keeps_the_first(monkeypatch):
    # The search run again with a lower reg_covar can leave every candidate
    # degenerate; the first search's sound pick then stays, whole.
    rng = np.random.RandomState(0)
    X = np.vstack([0.001 * rng.randn(50, 1), 0.001 * rng.randn(50, 1) + 5.0])
    first = _search(X, n_components=[1, 2], covariance_types=["E"], max_iter=1)
    calls = []
    search_once = GaussianMixtureIC._search_once

    def only_the_first(self, *args):
        calls.append(args[-1])
        if len(calls) > 1:
            raise ValueError("no sound candidate")
        return search_once(self, *args)

    monkeypatch.setattr(GaussianMixtureIC, "_search_once", only_the_first)
    kept = _search(X, n_components=[1, 2], covariance_types=["E"], max_iter=1)
    assert len(calls) == 2 and calls[1] < calls[0]
    assert kept.best_estimator_.reg_covar > first.best_estimator_.reg_covar
    assert kept.n_components_ == 2
    assert_allclose(kept.results_["bic"][1], kept.criterion_)


def test_a_tight_cluster_far_from_the_others_is_chosen():
    # Three clusters 1e11 apart, one of sd 0.01 (200 distinct rows, 655
    # spacings of its coordinates): it was judged one point, every fit with
    # three components degenerate, and the search chose one component.
    rng = np.random.RandomState(0)
    base = rng.randn(600, 2)
    off = 1e11
    X = np.vstack(
        [
            base[:200] * 0.01 + [-off, 0.0],
            base[200:400] * 4 + [0.0, -off],
            base[400:] + [off, off],
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        gm = GaussianMixture(3, random_state=0).fit(X)
    assert gm.collapsed_components_.tolist() == []
    search = _search(X, n_components=4, covariance_types=["VVV", "VVI"])
    assert search.n_components_ == 3
    assert not search.results_["degenerate"][search.results_["rank"] == 1].any()
