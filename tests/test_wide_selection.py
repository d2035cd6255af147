"""No more rows than features: mclust's rule and its EII tree.

mclust's ``mclustBIC`` with its default models fits only the six axis-aligned
structures when ``n <= d`` (no covariance matrix can be estimated from so few
rows; regularisation alone would set the criteria off the rows' span), and
starts them from ``hc(modelName = "EII")``, Ward's criterion. The reference is
``fixtures/mclust/wide`` (``make_wide_fixtures.R``, mclust 6).
"""

import csv
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.cluster.hierarchy import fcluster, linkage

from gmm_estimators._initialization._hc_merge import labels_from_merges
from gmm_estimators._initialization._hc_ward import ward_merges
from gmm_estimators._initialization._partitions import initial_responsibilities
from gmm_estimators.covariance import available_covariance_types, get_covariance_model
from gmm_estimators.model_selection import GaussianMixtureIC

WIDE = Path(__file__).parent / "fixtures" / "mclust" / "wide"
SETS = ("noise", "clusters", "square")


def _data(name):
    return np.loadtxt(WIDE / f"data_{name}.csv", delimiter=",", skiprows=1)


def _bic_table(name):
    """mclust's BIC (its sign: higher is better) by (K, model), NA left out."""
    with open(WIDE / f"bic_{name}.csv", newline="") as handle:
        return {
            (int(row["K"]), row["model"]): float(row["bic"])
            for row in csv.DictReader(handle)
            if row["bic"] != "NA"
        }


def _same_partition(a, b):
    """Whether two labellings group the rows alike (labels may differ)."""
    pairs = set(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True))
    return len(pairs) == len(set(a)) == len(set(b))


@pytest.mark.parametrize("name", SETS)
def test_default_search_reaches_mclust_with_no_more_rows_than_features(name):
    X = _data(name)
    assert X.shape[0] <= X.shape[1]
    table = _bic_table(name)
    selector = GaussianMixtureIC(random_state=0).fit(X)
    tried = set(selector.results_["covariance_type"].tolist())
    models = map(get_covariance_model, available_covariance_types())
    aligned = {
        m.name
        for m in models
        if m.axis_aligned(X.shape[1]) and (m.max_n_features or X.shape[1]) >= X.shape[1]
    }
    assert tried == aligned == {model for _, model in table}
    # The pick is mclust's best or better, and no cell ends more than one
    # BIC unit below mclust's (ours is lower-is-better: -mclust's).
    assert selector.criterion_ <= -max(table.values()) + 1.0
    worse = [
        (k, t, bic, -table[k, t])
        for k, t, bic in zip(
            selector.results_["n_components"].tolist(),
            selector.results_["covariance_type"].tolist(),
            selector.results_["bic"].tolist(),
            strict=True,
        )
        if (k, t) in table and bic > -table[k, t] + 1.0
    ]
    assert not worse, worse
    # Asked for them by name, full covariances are still fitted.
    named = GaussianMixtureIC(
        n_components=[1], covariance_types=["VVV", "EII"], random_state=0
    )
    with pytest.warns(UserWarning, match="span"):
        named.fit(X)
    assert set(named.results_["covariance_type"].tolist()) == {"VVV", "EII"}


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("init_params", ["mclust_hc", "hc"])
def test_hierarchical_starts_cut_mclusts_eii_tree(name, init_params):
    X = _data(name)
    with open(WIDE / f"hc_{name}.csv", newline="") as handle:
        classes = np.array(
            [[int(v) for v in row] for row in list(csv.reader(handle))[1:]]
        )
    for k in range(1, 10):
        resp = initial_responsibilities(
            init_params, X, k, None, np.random.RandomState(0)
        )(np.arange(X.shape[0]))
        assert _same_partition(resp.argmax(axis=1), classes[:, k - 1]), k


def test_ward_merges_are_scipys_ward_tree_and_weights_are_repeated_rows():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(40, 5)) + np.repeat(rng.normal(size=(4, 5)) * 3, 10, axis=0)
    tree = linkage(Z, method="ward")
    for k in range(1, 12):
        merges = ward_merges(Z, np.ones(len(Z)), k)
        ours = labels_from_merges(merges, len(Z))
        assert _same_partition(ours, fcluster(tree, k, "maxclust")), k
        # Groups named by their smallest row, the smaller name first.
        assert np.all(merges[:, 0] < merges[:, 1])
    # A row of weight w is w copies of it: the copies merge first, at no cost.
    counts = rng.integers(1, 4, size=len(Z)).astype(float)
    repeated = np.repeat(Z, counts.astype(int), axis=0)
    owner = np.repeat(np.arange(len(Z)), counts.astype(int))
    tree = linkage(repeated, method="ward")
    for k in range(1, 12):
        ours = labels_from_merges(ward_merges(Z, counts, k), len(Z))
        theirs = fcluster(tree, k, "maxclust")
        assert _same_partition(ours[owner], theirs), k
    # Stopping early is the same tree's cut.
    full = ward_merges(Z, counts, 1)
    assert_array_equal(ward_merges(Z, counts, 6), full[: len(Z) - 6])


def test_duplicated_rows_count_once_for_the_rule():
    # 60 rows, but 20 distinct in 30 features: duplicates add no rank, so no
    # covariance matrix can be estimated still (mclust counts n, and would
    # fit all 14 structures here, each full one on singular groups).
    X = np.repeat(_data("noise"), 3, axis=0)
    assert X.shape[0] > X.shape[1]
    selector = GaussianMixtureIC(n_components=2, random_state=0).fit(X)
    tried = {
        get_covariance_model(t).axis_aligned(X.shape[1])
        for t in selector.results_["covariance_type"].tolist()
    }
    assert tried == {True}
    # Weights of zero take a row out of the count.
    weights = np.r_[np.ones(40), np.zeros(20)]
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(60, 50))
    selector = GaussianMixtureIC(n_components=1, random_state=0)
    selector.fit(wide, sample_weight=weights)
    assert all(
        get_covariance_model(t).axis_aligned(50)
        for t in selector.results_["covariance_type"].tolist()
    )
