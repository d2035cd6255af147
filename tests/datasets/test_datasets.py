"""Tests for gmm_estimators.datasets."""

import doctest
import re
import sys
import warnings
from importlib import resources

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils import Bunch

from gmm_estimators.datasets import _base as datasets_base
from gmm_estimators.datasets import load_old_faithful, make_gaussian_mixture

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


# --------------------------------------------------------------------------
# load_old_faithful


def test_old_faithful_file_is_package_data():
    resource = resources.files("gmm_estimators.datasets").joinpath(
        "data", "old_faithful.csv"
    )
    assert resource.is_file()
    lines = resource.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '"eruptions","waiting"'
    assert len(lines) == 273


def test_load_old_faithful_bunch():
    faithful = load_old_faithful()
    assert isinstance(faithful, Bunch)
    assert set(faithful) == {"data", "feature_names", "frame", "DESCR"}

    X = faithful.data
    assert isinstance(X, np.ndarray)
    assert X.shape == (272, 2)
    assert X.dtype == np.float64
    assert X.flags.c_contiguous
    assert np.all(np.isfinite(X))

    assert faithful.feature_names == ["eruptions", "waiting"]
    assert faithful.frame is None

    # First and last rows of R's `faithful`.
    assert_array_equal(X[0], [3.6, 79.0])
    assert_array_equal(X[1], [1.8, 54.0])
    assert_array_equal(X[-1], [4.467, 74.0])


def test_load_old_faithful_values():
    X = load_old_faithful(return_X_y=True)
    # Summary statistics as printed by R's summary(faithful).
    assert_allclose(X.mean(axis=0), [3.487783, 70.897059], atol=1e-6)
    assert_array_equal(X.min(axis=0), [1.6, 43.0])
    assert_array_equal(X.max(axis=0), [5.1, 96.0])
    # Waiting times are whole minutes, with many ties.
    assert_array_equal(X[:, 1], np.round(X[:, 1]))
    assert np.sum(X[:, 1] == 83) == 14
    assert len(np.unique(X[:, 1])) == 51


def test_load_old_faithful_descr_gives_provenance():
    descr = load_old_faithful().DESCR
    assert isinstance(descr, str)
    for needle in ["datasets", "Härdle", "1991", "Azzalini", "Bowman", "1990"]:
        assert needle in descr
    assert "whole minutes" in descr


def test_load_old_faithful_return_X_y():
    X = load_old_faithful(return_X_y=True)
    assert isinstance(X, np.ndarray)
    assert X.shape == (272, 2)
    assert X.dtype == np.float64
    assert_array_equal(X, load_old_faithful().data)


def test_load_old_faithful_returns_fresh_copies():
    X = load_old_faithful(return_X_y=True)
    X[:] = -1.0
    assert_array_equal(load_old_faithful(return_X_y=True)[0], [3.6, 79.0])


def test_load_old_faithful_keyword_only():
    with pytest.raises(TypeError):
        load_old_faithful(True)


def test_load_old_faithful_as_frame():
    pd = pytest.importorskip("pandas")
    faithful = load_old_faithful(as_frame=True)
    frame = faithful.frame
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape == (272, 2)
    assert list(frame.columns) == ["eruptions", "waiting"]
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    assert faithful.data is frame
    assert_array_equal(frame.to_numpy(), load_old_faithful().data)
    assert frame.iloc[0].tolist() == [3.6, 79.0]

    X = load_old_faithful(as_frame=True, return_X_y=True)
    assert isinstance(X, pd.DataFrame)
    assert list(X.columns) == ["eruptions", "waiting"]


def test_load_old_faithful_as_frame_without_pandas(monkeypatch):
    # A None entry in sys.modules makes `import pandas` raise ImportError.
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"requires pandas.*'test' extra"):
        load_old_faithful(as_frame=True)
    # The array path never needs pandas.
    assert load_old_faithful().data.shape == (272, 2)


def test_old_faithful_fixture(old_faithful):
    assert isinstance(old_faithful, np.ndarray)
    assert old_faithful.shape == (272, 2)
    assert old_faithful.dtype == np.float64


# --------------------------------------------------------------------------
# make_gaussian_mixture


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize(
    "n_samples, n_components, n_features", [(50, 3, 2), (1, 1, 1), (37, 4, 5)]
)
def test_make_gaussian_mixture_shapes(
    covariance_type, n_samples, n_components, n_features
):
    X, y, params = make_gaussian_mixture(
        n_samples,
        n_components=n_components,
        n_features=n_features,
        covariance_type=covariance_type,
        random_state=0,
        return_params=True,
    )
    assert X.shape == (n_samples, n_features)
    assert X.dtype == np.float64
    assert np.all(np.isfinite(X))
    assert y.shape == (n_samples,)
    assert y.dtype.kind == "i"
    assert np.all((y >= 0) & (y < n_components))

    assert set(params) == {"weights", "means", "covariances"}
    assert params["weights"].shape == (n_components,)
    assert params["means"].shape == (n_components, n_features)
    assert params["covariances"].shape == (n_components, n_features, n_features)
    for array in params.values():
        assert array.dtype == np.float64


def test_make_gaussian_mixture_defaults():
    result = make_gaussian_mixture(random_state=0)
    assert isinstance(result, tuple) and len(result) == 2
    X, y = result
    assert X.shape == (500, 2)
    assert_array_equal(np.unique(y), [0, 1, 2])
    _, _, params = make_gaussian_mixture(random_state=0, return_params=True)
    assert_allclose(params["weights"], np.full(3, 1 / 3))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_gaussian_mixture_covariance_structure(covariance_type):
    n_components, n_features = 4, 3
    _, _, params = make_gaussian_mixture(
        10,
        n_components=n_components,
        n_features=n_features,
        covariance_type=covariance_type,
        random_state=42,
        return_params=True,
    )
    covs = params["covariances"]
    # Symmetric positive definite, eigenvalues within the documented range.
    assert_array_equal(covs, np.swapaxes(covs, 1, 2))
    eigvals = np.linalg.eigvalsh(covs)
    assert np.all(eigvals >= 0.25 - 1e-10)
    assert np.all(eigvals <= 4.0 + 1e-10)

    off_diagonal = covs * (1 - np.eye(n_features))
    if covariance_type == "full":
        assert np.any(np.abs(off_diagonal) > 1e-3)
        # Each component has its own covariance.
        assert not np.allclose(covs[0], covs[1])
    elif covariance_type == "tied":
        assert np.any(np.abs(off_diagonal) > 1e-3)
        for k in range(1, n_components):
            assert_array_equal(covs[k], covs[0])
    elif covariance_type == "diag":
        assert_array_equal(off_diagonal, 0.0)
        diagonals = np.diagonal(covs, axis1=1, axis2=2)
        # Anisotropic: variances differ within a component.
        assert np.all(np.ptp(diagonals, axis=1) > 0)
    else:  # spherical
        assert_array_equal(off_diagonal, 0.0)
        diagonals = np.diagonal(covs, axis1=1, axis2=2)
        assert_array_equal(diagonals, diagonals[:, :1] * np.ones(n_features))
        assert len(np.unique(diagonals[:, 0])) == n_components


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_gaussian_mixture_sample_moments_match_params(covariance_type):
    n_samples = 20_000
    X, y, params = make_gaussian_mixture(
        n_samples,
        n_components=3,
        n_features=2,
        covariance_type=covariance_type,
        weights=[0.2, 0.3, 0.5],
        random_state=0,
        return_params=True,
    )
    weights, means, covs = params["weights"], params["means"], params["covariances"]
    assert_allclose(weights, [0.2, 0.3, 0.5])

    counts = np.bincount(y, minlength=3)
    # Binomial standard deviation of a proportion is at most 0.5 / sqrt(n).
    assert_allclose(counts / n_samples, weights, atol=5 * 0.5 / np.sqrt(n_samples))

    for k in range(3):
        X_k = X[y == k]
        n_k = len(X_k)
        std_err = np.sqrt(np.diag(covs[k]) / n_k)
        assert np.all(np.abs(X_k.mean(axis=0) - means[k]) < 5 * std_err)
        # Sample covariance within 10 % of the truth (scaled by variances).
        scale = np.sqrt(np.outer(np.diag(covs[k]), np.diag(covs[k])))
        assert np.all(np.abs(np.cov(X_k, rowvar=False) - covs[k]) < 0.1 * scale)


def test_make_gaussian_mixture_sample_means_converge():
    errors = []
    for n_samples in [500, 50_000]:
        X, y, params = make_gaussian_mixture(
            n_samples,
            n_components=2,
            n_features=3,
            random_state=1,
            return_params=True,
        )
        sample_means = np.stack([X[y == k].mean(axis=0) for k in range(2)])
        errors.append(np.abs(sample_means - params["means"]).max())
    assert errors[1] < errors[0]
    assert errors[1] < 0.05


@pytest.mark.parametrize("separation", [0.5, 4.0, 10.0])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_make_gaussian_mixture_separation(separation, covariance_type):
    n_components, n_features = 5, 3
    _, _, params = make_gaussian_mixture(
        5,
        n_components=n_components,
        n_features=n_features,
        covariance_type=covariance_type,
        separation=separation,
        random_state=3,
        return_params=True,
    )
    means, covs = params["means"], params["covariances"]
    mean_std = np.sqrt(np.trace(covs, axis1=1, axis2=2).mean() / n_features)
    i, j = np.triu_indices(n_components, k=1)
    mean_distance = np.linalg.norm(means[i] - means[j], axis=1).mean()
    assert_allclose(mean_distance / mean_std, separation, rtol=1e-10)


def test_make_gaussian_mixture_zero_separation():
    _, _, params = make_gaussian_mixture(
        10, n_components=3, separation=0, random_state=0, return_params=True
    )
    assert_allclose(params["means"], 0.0)


def test_make_gaussian_mixture_well_separated_labels_recoverable():
    # With a large separation, each point is nearest to its own mean.
    X, y, params = make_gaussian_mixture(
        300,
        n_components=3,
        covariance_type="spherical",
        separation=40.0,
        random_state=0,
        return_params=True,
    )
    distances = np.linalg.norm(X[:, None, :] - params["means"][None], axis=2)
    assert_array_equal(distances.argmin(axis=1), y)


def test_make_gaussian_mixture_zero_weight_component():
    X, y = make_gaussian_mixture(
        200, n_components=3, weights=[0.5, 0.0, 0.5], random_state=0
    )
    assert not np.any(y == 1)
    assert np.all(np.isfinite(X))


def test_make_gaussian_mixture_reproducible():
    kwargs = dict(n_components=4, n_features=3, return_params=True)
    X1, y1, p1 = make_gaussian_mixture(100, random_state=7, **kwargs)
    X2, y2, p2 = make_gaussian_mixture(100, random_state=7, **kwargs)
    X3, y3, p3 = make_gaussian_mixture(
        100, random_state=np.random.RandomState(7), **kwargs
    )
    for X, y, p in [(X2, y2, p2), (X3, y3, p3)]:
        assert_array_equal(X, X1)
        assert_array_equal(y, y1)
        for key in p1:
            assert_array_equal(p[key], p1[key])

    X4, _ = make_gaussian_mixture(100, n_components=4, n_features=3, random_state=8)
    assert not np.allclose(X4, X1)


def test_make_gaussian_mixture_consumes_given_random_state():
    rng = np.random.RandomState(0)
    X1, _ = make_gaussian_mixture(20, random_state=rng)
    X2, _ = make_gaussian_mixture(20, random_state=rng)
    assert not np.allclose(X1, X2)


def test_make_gaussian_mixture_accepts_numpy_integers():
    X, y = make_gaussian_mixture(
        np.int64(10),
        n_components=np.int32(2),
        n_features=np.int64(3),
        separation=np.float32(2.0),
        random_state=0,
    )
    assert X.shape == (10, 3)


def test_make_gaussian_mixture_keyword_only():
    with pytest.raises(TypeError):
        make_gaussian_mixture(100, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples must be an integer >= 1, got 0"),
        ({"n_samples": 10.5}, "n_samples must be an integer >= 1, got 10.5"),
        ({"n_samples": "10"}, "n_samples must be an integer >= 1, got '10'"),
        ({"n_samples": True}, "n_samples must be an integer >= 1, got True"),
        ({"n_components": 0}, "n_components must be an integer >= 1, got 0"),
        ({"n_components": -2}, "n_components must be an integer >= 1, got -2"),
        ({"n_features": 0}, "n_features must be an integer >= 1, got 0"),
        ({"n_features": None}, "n_features must be an integer >= 1, got None"),
        ({"covariance_type": "blob"}, "got 'blob'"),
        ({"covariance_type": "E", "n_features": 2}, "at most 1 feature"),
        ({"covariance_type": None}, "covariance_type must be one of"),
        ({"separation": -1.0}, "separation must be a finite number >= 0, got -1.0"),
        ({"separation": np.inf}, "separation must be a finite number >= 0, got inf"),
        ({"separation": np.nan}, "separation must be a finite number >= 0, got nan"),
        ({"separation": "far"}, "separation must be a finite number >= 0, got 'far'"),
        (
            {"weights": [0.5, 0.5]},
            "weights must have shape (n_components,) = (3,), got an array of "
            "shape (2,)",
        ),
        ({"weights": [0.5, 0.6, -0.1]}, "weights must be finite and non-negative"),
        ({"weights": [0.5, np.nan, 0.5]}, "weights must be finite and non-negative"),
        ({"weights": [0.2, 0.2, 0.2]}, "weights must sum to 1, got [0.2, 0.2, 0.2]"),
        ({"weights": ["a", "b", "c"]}, "weights must be an array-like of 3"),
    ],
)
def test_make_gaussian_mixture_bad_arguments(kwargs, match):
    kwargs = {"n_samples": 10, "n_components": 3, **kwargs}
    n_samples = kwargs.pop("n_samples")
    with pytest.raises(ValueError, match=re.escape(match)):
        make_gaussian_mixture(n_samples, random_state=0, **kwargs)


@pytest.mark.parametrize("n_components", [1, 3])
def test_make_gaussian_mixture_separation_beyond_float64_is_refused(n_components):
    # A finite separation near the float64 limit overflowed with numpy's
    # RuntimeWarning and returned infinite means and samples.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="pass a smaller separation"):
            make_gaussian_mixture(
                10, n_components=n_components, separation=1.7e308, random_state=0
            )


def test_make_gaussian_mixture_weights_sum_message_prints_a_plain_number():
    with pytest.raises(ValueError, match=r"which sums to 1\.1\. Divide"):
        make_gaussian_mixture(10, weights=[0.2, 0.3, 0.6], random_state=0)


# --------------------------------------------------------------------------
# documentation


def test_docstring_examples():
    failures, attempted = doctest.testmod(
        datasets_base, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert attempted > 0
    assert failures == 0


@pytest.mark.parametrize("name", ["EEE", "VEV", "EVI", "EII"])
def test_make_gaussian_mixture_mclust_structures(name):
    from gmm_estimators.covariance import get_covariance_model

    _, _, params = make_gaussian_mixture(
        50,
        n_components=3,
        n_features=3,
        covariance_type=name,
        random_state=0,
        return_params=True,
    )
    covariances = params["covariances"]
    assert covariances.shape == (3, 3, 3)
    assert np.all(np.linalg.eigvalsh(covariances) > 0)
    volumes = np.linalg.det(covariances) ** (1 / 3)
    if name[0] == "E":  # equal volume
        np.testing.assert_allclose(volumes, volumes[0], rtol=1e-10)
    if name[2] == "I":  # axis-aligned
        off = (
            covariances
            - np.eye(3) * np.diagonal(covariances, axis1=1, axis2=2)[:, None, :]
        )
        np.testing.assert_allclose(off, 0, atol=1e-14)
    assert get_covariance_model(name).max_n_features is None
