"""The thorough search on large data: its sample of the rows, then the refits."""

import warnings

import numpy as np

from gmm_estimators.model_selection import GaussianMixtureIC


def test_selector_search_sample_does_not_depend_on_row_order(three_blobs):
    # > 10_000 rows: the thorough search explores a sample of the rows.
    X = three_blobs(12000)
    perm = np.random.RandomState(0).permutation(X.shape[0])
    kw = dict(n_components=3, covariance_types=["VVV", "VII", "VEV"], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = GaussianMixtureIC(**kw).fit(X)
        b = GaussianMixtureIC(**kw).fit(X[perm])
    np.testing.assert_allclose(a.results_["bic"], b.results_["bic"], rtol=1e-9)
    np.testing.assert_array_equal(a.labels_[perm], b.labels_)
