"""Warnings point at the line of user code that caused them."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gmm_estimators import DegenerateFitWarning, GaussianMixture


def _caught(category, action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return [w for w in caught if issubclass(w.category, category)]


def test_convergence_warning_points_at_the_callers_line(rng):
    X = rng.randn(200, 2)
    for call in (
        lambda: GaussianMixture(2, max_iter=1, random_state=0).fit(X),
        lambda: GaussianMixture(2, max_iter=1, random_state=0).fit_predict(X),
        lambda: make_pipeline(
            StandardScaler(), GaussianMixture(2, max_iter=1, random_state=0)
        ).fit(X),
    ):
        caught = _caught(ConvergenceWarning, call)
        assert caught, "expected a ConvergenceWarning"
        assert caught[0].filename == __file__


def test_degenerate_warning_points_at_the_callers_line(rng):
    X = np.vstack([rng.randn(100, 2), np.tile([[5.0, 5.0]], (20, 1))])
    caught = _caught(
        DegenerateFitWarning,
        lambda: GaussianMixture(3, reg_covar=1e-12, random_state=0).fit(X),
    )
    assert caught, "expected a DegenerateFitWarning"
    assert caught[0].filename == __file__


def test_selector_warnings_point_at_the_callers_line_after_a_second_search():
    # Tight clusters far apart: the thorough search runs twice (reg_covar
    # relative to the clusters' own spread the second time); the warnings
    # about the chosen model are those of the search kept, issued once, at
    # the user's line.
    from gmm_estimators.model_selection import GaussianMixtureIC

    rng = np.random.RandomState(0)
    X = np.vstack([0.001 * rng.randn(50, 1), 0.001 * rng.randn(50, 1) + 5.0])
    # One iteration: both searches' picks have not converged.
    selector = GaussianMixtureIC(
        n_components=2, covariance_types=["E"], max_iter=1, random_state=0
    )
    caught = _caught(ConvergenceWarning, lambda: selector.fit(X))
    assert len(caught) == 1
    assert caught[0].filename == __file__
    # The search kept is the second: its reg_covar is below the data's unit.
    assert selector.best_estimator_.reg_covar < 1e-6 * 5.0**2 / 4 * 1e-3


def test_silenced_warnings_are_the_threads_own():
    # One thread silences the package's warnings of a category while another
    # warns: the other's warning reaches the user, and no filter is left.
    import threading

    from gmm_estimators._warn import silenced, warn_user

    inside, done = threading.Event(), threading.Event()

    def quiet():
        with silenced(ConvergenceWarning):
            warn_user("dropped", ConvergenceWarning)
            inside.set()
            done.wait(10)

    filters = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=quiet)
        worker.start()
        assert inside.wait(10)
        warn_user("kept", ConvergenceWarning)
        done.set()
        worker.join()
    assert [str(w.message) for w in caught] == ["kept"]
    assert warnings.filters == filters


def test_selectors_fitted_in_threads_leave_the_warnings_filters_alone():
    # The selector once silenced its candidates' warnings by swapping the
    # process-wide filters (warnings.catch_warnings): fits overlapping in
    # threads restored each other's lists and left "ignore" filters behind.
    from concurrent.futures import ThreadPoolExecutor

    from gmm_estimators.model_selection import GaussianMixtureIC

    rng = np.random.RandomState(0)
    # Three distinct rows: the starts of K >= 4 warn of empty components,
    # and the candidates of collapsed components.
    X = np.repeat(rng.randn(3, 2), 8, axis=0)

    def fit(seed):
        GaussianMixtureIC(
            n_components=[4, 5],
            covariance_types=["VVV", "EII"],
            search="grid",
            init_params="kmeans",
            random_state=seed,
        ).fit(X + 1e-3 * np.random.RandomState(seed).randn(*X.shape))

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("default")
        before = list(warnings.filters)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fit, range(24)))
        # Not even rebuilt: with one job the candidates run without
        # scikit-learn's joblib wrapper, which resets the filters around each
        # task and adds them back (their patterns compiled).
        assert warnings.filters == before


def test_rewordings_apply_in_their_thread_only():
    # The regressor rewords its joint mixture's warnings; a fit in another
    # thread at the same time keeps its own words (warnings.catch_warnings
    # would have swapped the process-wide filters under it).
    import threading

    from gmm_estimators._warn import reworded, warn_user

    seen = {}

    def other():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warn_user("feature 2 is constant", UserWarning)
        seen["other"] = [str(w.message) for w in caught]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with reworded(lambda message: message.replace("feature 2", "target 0")):
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
            warn_user("feature 2 is constant", UserWarning)
    assert [str(w.message) for w in caught] == ["target 0 is constant"]
    assert seen["other"] == ["feature 2 is constant"]


def test_a_wrapped_mixtures_warnings_advise_no_prior():
    # The regressor and the imputer take no prior: each remedy naming one is
    # left out of their mixture's warnings, which name them and mixture_.
    from types import SimpleNamespace

    from gmm_estimators._engine._run import EMResult
    from gmm_estimators._warn import as_wrapped_mixture

    run = SimpleNamespace(breakdown="x")
    stopped = EMResult.breakdown_message(run, "GaussianMixture")
    message = as_wrapped_mixture(stopped, "GaussianMixtureImputer")
    assert message.startswith("GaussianMixtureImputer (its mixture_): EM stopped")
    assert "prior" not in message and message.endswith("use fewer components.")
