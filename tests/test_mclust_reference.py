"""Agreement with R's mclust on fixed data sets (reference values in fixtures).

``tests/fixtures/mclust/make_fixtures.R`` ran ``mclust::me`` (EM to a relative
tolerance of 1e-10) for each of mclust's 14 covariance structures, K in
{2, 3}, on three data sets (Old Faithful, iris, a simulated 3-D set), each run
starting from a saved hard partition. Here the same EM is run from the same
partition: the starting parameters are the package's own M-step on the
one-hot responsibilities, which is what ``me`` does first.

Asserted, for every fixture row:

* the number of free parameters equals mclust's ``df``;
* closed-form structures reach mclust's log-likelihood (relative 1e-6), and
  BIC is mclust's with the sign flipped (mclust reports ``2 logL - p log n``);
* structures with an iterative M-step (VEI, VEE, EVE, VVE, VEV) reach at least
  mclust's log-likelihood (minus relative 1e-6); BIC is compared where the
  log-likelihoods agree.

A structure that is not registered makes its rows fail (not skip).
"""

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gmm_estimators import GaussianMixture
from gmm_estimators import _engine as _em
from gmm_estimators.covariance import get_covariance_model

FIXTURES = Path(__file__).parent / "fixtures" / "mclust"

MODELS = (
    "EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE",
    "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV",
)  # fmt: skip
ITERATIVE = {"VEI", "VEE", "EVE", "VVE", "VEV"}
RTOL = 1e-6


def _read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def load_data(name):
    with open(FIXTURES / f"data_{name}.csv", newline="") as handle:
        return np.loadtxt(handle, delimiter=",", skiprows=1)


def load_partition(name, n_components):
    rows = _read_rows(FIXTURES / f"partition_{name}_K{n_components}.csv")
    return np.array([int(row["cl"]) for row in rows]) - 1


REFERENCE = _read_rows(FIXTURES / "me_reference.csv")


def _row_id(row):
    return f"{row['dataset']}-{row['model']}-K{row['K']}"


def start_from_partition(X, labels, covariance_type):
    """weights_init, means_init, precisions_init of the M-step on a hard partition."""
    n_components = labels.max() + 1
    model = get_covariance_model(covariance_type)
    data = _em.ArraySource.from_arrays(X)
    one_hot = np.eye(n_components)[labels]
    stats = _em.statistics_from_resp(
        model, data, lambda rows: one_hot[rows], n_components
    )
    params, _ = _em.m_step(model, data, stats, reg_covar=0.0)
    weights = params.weights / params.weights.sum()
    means = params.means + data.center
    precisions = model.precisions_from_cholesky(params.precisions_cholesky)
    return weights, means, precisions


def fit_from_partition(X, labels, covariance_type):
    weights, means, precisions = start_from_partition(X, labels, covariance_type)
    gm = GaussianMixture(
        n_components=labels.max() + 1,
        covariance_type=covariance_type,
        reg_covar=0.0,
        tol=1e-10,
        max_iter=5000,
        weights_init=weights,
        means_init=means,
        precisions_init=precisions,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no collapse
        gm.fit(X)
    return gm


def test_fixture_covers_every_model_data_set_and_k():
    seen = {(row["dataset"], row["model"], int(row["K"])) for row in REFERENCE}
    expected = {
        (name, model, k)
        for name in ("faithful", "iris", "sim3d")
        for model in MODELS
        for k in (2, 3)
    }
    assert seen == expected
    assert all(row["return_code"] == "0" for row in REFERENCE)


def test_faithful_fixture_is_the_bundled_data():
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    np.testing.assert_array_equal(load_data("faithful"), X)


@pytest.mark.parametrize("row", REFERENCE, ids=_row_id)
def test_em_matches_mclust(row):
    name, model, n_components = row["dataset"], row["model"], int(row["K"])
    X = load_data(name)
    labels = load_partition(name, n_components)
    n, d = X.shape
    assert (n, d) == (int(row["n"]), int(row["d"]))
    mclust_loglik = float(row["loglik"])
    mclust_bic = float(row["bic"])

    gm = fit_from_partition(X, labels, model)

    # Free parameters: the structure's count plus means and weights.
    n_parameters = (
        get_covariance_model(model).n_parameters(n_components, d)
        + n_components * d
        + n_components
        - 1
    )
    assert n_parameters == int(row["df"])

    loglik = gm.score(X) * n
    bic = gm.bic(X)
    assert_allclose(bic, -2 * loglik + n_parameters * math.log(n), rtol=1e-12)
    if model in ITERATIVE:
        assert loglik >= mclust_loglik - RTOL * abs(mclust_loglik), (
            f"{model}: log-likelihood {loglik!r} below mclust's {mclust_loglik!r}"
        )
        if not math.isclose(loglik, mclust_loglik, rel_tol=RTOL):
            return
    else:
        assert_allclose(loglik, mclust_loglik, rtol=RTOL)
    # mclust's BIC is 2 logL - p log n, ours -2 logL + p log n.
    assert_allclose(bic, -mclust_bic, rtol=RTOL)
