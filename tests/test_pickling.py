"""What an estimator's pickle carries (``_pickling.PortablePickle``)."""

import pickle
import threading

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from gmm_estimators import (
    GaussianMixture,
    GaussianMixtureClassifier,
    GaussianMixtureImputer,
    GaussianMixtureOutlierDetector,
    GaussianMixtureRegressor,
    available_covariance_types,
)
from gmm_estimators.covariance import (
    SphericalCovariance,
    get_covariance_model,
    register,
    unregister,
)
from gmm_estimators.model_selection import GaussianMixtureIC


class Known(SphericalCovariance):
    name = "pickled-known"
    aliases = ("pickled-known-alias",)

    def n_parameters(self, n_components, n_features):
        return 0

    def m_step(self, nk, scatter, reg_covar, previous=None):
        return np.full(nk.shape[0], 0.25 + reg_covar)


class Locked(Known):
    name, aliases = "pickled-locked", ()

    def __init__(self):
        self.lock = threading.Lock()


def _registered(model):
    try:
        return get_covariance_model(model.name) is not None
    except ValueError:
        return False


@pytest.fixture
def known():
    model = register(Known())
    yield model
    if _registered(model):
        unregister(model.name)


def _blobs(rng):
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    return np.vstack([c + 0.5 * rng.standard_normal((40, 2)) for c in centres])


UNFITTED = [
    GaussianMixture(2, covariance_type="pickled-known"),
    GaussianMixtureIC(covariance_types=["pickled-known", "VII"]),
    GaussianMixtureImputer(covariance_type="pickled-known"),
    GaussianMixtureRegressor(covariance_type="pickled-known"),
    GaussianMixtureClassifier(covariance_types=["pickled-known"]),
    GaussianMixtureOutlierDetector(covariance_types="pickled-known"),
]


@pytest.mark.parametrize("estimator", UNFITTED, ids=lambda e: type(e).__name__)
def test_every_estimator_carries_user_structures_to_a_fresh_process(known, estimator):
    # A worker process (cross_val_score(n_jobs=2)) imports the package
    # afresh. Only the mixtures carried user structures: the selector, the
    # imputer, the regressor, the classifier and the outlier detector failed
    # there with "must be a str among ..." (or GridSearchCV scored them NaN).
    payload = pickle.dumps(estimator)
    unregister(known.name)
    pickle.loads(payload)
    # A template is reconfigured in the worker: its structures are offered
    # there as in the sender.
    assert "pickled-known" in available_covariance_types()


def test_a_fitted_model_carries_only_its_own_structures_unlisted(known, rng):
    # Loading a plain 'full' model registered every user structure of the
    # saving session, and a default search then picked one of them.
    X = _blobs(rng)
    full = pickle.dumps(GaussianMixture(3, random_state=0).fit(X))
    own = GaussianMixture(3, covariance_type="pickled-known-alias", random_state=0)
    own_payload = pickle.dumps(own.fit(X))
    unregister(known.name)
    pickle.loads(full)
    assert not _registered(known)
    loaded = pickle.loads(own_payload)
    assert_array_equal(loaded.predict(X), own.predict(X))
    # Known by name (and alias), not offered to default searches.
    assert get_covariance_model("pickled-known-alias").name == "pickled-known"
    assert "pickled-known" not in available_covariance_types(aliases=True)
    search = GaussianMixtureIC(n_components=3, random_state=0).fit(X)
    assert "pickled-known" not in set(search.results_["covariance_type"])
    # The user's own registration replaces the carried one, listed.
    register(Known())
    assert "pickled-known" in available_covariance_types()


def test_a_structure_that_cannot_be_pickled_breaks_only_its_own_models(known, rng):
    X = _blobs(rng)
    locked = register(Locked())
    try:
        plain = GaussianMixture(3, random_state=0).fit(X)
        assert_array_equal(pickle.loads(pickle.dumps(plain)).predict(X), plain.labels_)
        # A template carries every structure it can.
        pickle.loads(pickle.dumps(GaussianMixture(3)))
        own = GaussianMixture(3, covariance_type="pickled-locked", random_state=0)
        with pytest.raises(TypeError, match="'pickled-locked'.*cannot be pickled"):
            pickle.dumps(own.fit(X))
    finally:
        unregister(locked.name)


def test_a_search_in_worker_processes_names_a_structure_that_cannot_be_pickled(
    known, rng
):
    # joblib said only "Could not pickle the task to send it to the workers."
    X = _blobs(rng)
    locked = register(Locked())
    try:
        # Two numbers of components: two tasks, run by the workers (a single
        # task runs in this process).
        search = GaussianMixtureIC(
            n_components=[1, 2], covariance_types=["pickled-locked", "VII"], n_jobs=2
        )
        with pytest.raises(TypeError) as caught:
            search.fit(X)
        message = str(caught.value)
        for part in ("'pickled-locked'", "cannot be pickled", "lock", "n_jobs=1"):
            assert part in message, message
        # One process needs no pickle.
        search.set_params(n_jobs=1).fit(X)
        assert "pickled-locked" in set(search.results_["covariance_type"])
    finally:
        unregister(locked.name)


def test_a_dask_fits_lazy_labels_are_left_out_of_its_pickle(rng):
    da = pytest.importorskip("dask.array")
    X = _blobs(rng)
    model = GaussianMixture(3, random_state=0).fit(da.from_array(X, chunks=40))
    assert hasattr(model.labels_, "__dask_graph__")
    loaded = pickle.loads(pickle.dumps(model))
    assert not hasattr(loaded, "labels_")
    assert_array_equal(loaded.predict(X), model.labels_.compute())


def test_pickling_leaves_the_estimator_as_it_was(known, rng):
    # The state of object.__getstate__ is the instance's own __dict__: the
    # carried structures were written into the live estimator.
    model = GaussianMixture(3, random_state=0).fit(_blobs(rng))
    template = GaussianMixture(3)
    before = (set(vars(model)), set(vars(template)))
    pickle.dumps(model)
    pickle.dumps(template)
    assert (set(vars(model)), set(vars(template))) == before


def test_a_template_keeps_a_loaded_structure_unlisted_in_workers(known, rng):
    # A structure a loaded model brought in unlisted became listed in every
    # worker a template was sent to: a default search there tried one more
    # structure than the same search with n_jobs=1.
    X = _blobs(rng)
    own = GaussianMixture(3, covariance_type="pickled-known", random_state=0)
    saved = pickle.dumps(own.fit(X))
    unregister(known.name)
    pickle.loads(saved)  # known by name, unlisted
    template = pickle.dumps(GaussianMixtureIC(n_components=3))
    unregister(known.name)  # as in a fresh worker
    pickle.loads(template)
    assert get_covariance_model("pickled-known").name == "pickled-known"
    assert "pickled-known" not in available_covariance_types()
