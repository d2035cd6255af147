"""The final E-step of a selector's candidate: labels and the criteria's terms."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmm_estimators import GaussianMixture
from gmm_estimators._engine import ArraySource, Params
from gmm_estimators.covariance import get_covariance_model
from gmm_estimators.model_selection._final_estep import final_e_step


@pytest.mark.parametrize("weighted", [False, True])
def test_labels_log_likelihood_and_map_term_are_scipys(weighted):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(80, 2), rng.randn(70, 2) * 0.6 + [3.0, 1.0]]) + 50.0
    weights = rng.uniform(0.5, 2.0, len(X)) if weighted else None
    gm = GaussianMixture(2, random_state=0).fit(X, sample_weight=weights)
    data = ArraySource.from_arrays(X, weights)
    params = Params(
        gm.weights_, gm.means_ - data.center, gm.covariances_, gm.precisions_cholesky_
    )
    labels, log_likelihood, map_term = final_e_step(
        get_covariance_model("full"), data, params
    )
    # Oracle: scipy's densities in the data's own coordinates.
    weighted_log = np.column_stack(
        [
            np.log(w) + multivariate_normal(m, c).logpdf(X)
            for w, m, c in zip(gm.weights_, gm.means_, gm.covariances_, strict=True)
        ]
    )
    per_row = logsumexp(weighted_log, axis=1)
    map_log_resp = weighted_log.max(axis=1) - per_row
    w = np.ones(len(X)) if weights is None else weights
    np.testing.assert_array_equal(labels, weighted_log.argmax(axis=1))
    np.testing.assert_allclose(log_likelihood, w @ per_row, rtol=1e-12)
    np.testing.assert_allclose(map_term, w @ map_log_resp, rtol=1e-9, atol=1e-9)


def test_candidates_hold_one_byte_a_row_and_the_pick_intp():
    # Every candidate's labels live until the search ends: as intp, 126
    # candidates held 1 KB a row (10 GB at 1e7 rows). They are the smallest
    # signed type that holds -1 (noise) to K; the pick's are fit's intp.
    from gmm_estimators.model_selection import GaussianMixtureIC
    from gmm_estimators.model_selection._final_estep import compact_label_dtype

    assert compact_label_dtype(1) == compact_label_dtype(127) == np.int8
    assert compact_label_dtype(128) == np.int16
    assert compact_label_dtype(40_000) == np.int32
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(60, 2), rng.randn(60, 2) + 5.0])
    data = ArraySource.from_arrays(X)
    gm = GaussianMixture(2, random_state=0).fit(X)
    params = Params(
        gm.weights_, gm.means_ - data.center, gm.covariances_, gm.precisions_cholesky_
    )
    labels, _, _ = final_e_step(get_covariance_model("full"), data, params)
    assert labels.dtype == np.int8
    np.testing.assert_array_equal(labels, gm.predict(X))
    selector = GaussianMixtureIC(n_components=3, random_state=0).fit(X)
    assert selector.labels_.dtype == selector.best_estimator_.labels_.dtype == np.intp
    np.testing.assert_array_equal(selector.labels_, selector.predict(X))
