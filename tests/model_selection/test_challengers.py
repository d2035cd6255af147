"""How long the thorough search's challengers run before they may be abandoned."""

import warnings

import numpy as np

from gmm_estimators._engine import EMOptions
from gmm_estimators.model_selection import GaussianMixtureIC, _search, _thorough


def test_every_challenger_runs_ten_iterations_before_it_may_be_abandoned(
    monkeypatch,
):
    # Every challenger (starts after the first, the best partition, splits
    # and merges) may be abandoned only from its tenth iteration, the splits
    # past the first too: as short trials of three they were cut off while
    # crossing a saddle (satellite images, VII with 5 components, 116 BIC
    # units worse than mclust's cell); runs that are not challengers never
    # abandon.
    rng = np.random.RandomState(0)
    X = np.vstack(
        [rng.randn(60, 2), rng.randn(50, 2) + [4, 0], rng.randn(40, 2) + [0, 5]]
    )
    assert EMOptions.abandon_after == 10
    ranks = []
    real_split = _thorough.split_proposals

    def ranked_splits(*args, **kwargs):
        for rank, labels in enumerate(real_split(*args, **kwargs)):
            ranks.append(rank)
            yield labels

    runs = []
    real_run = _search.run_em

    def spy(model, data, params, options, **kwargs):
        split = ranks[-1] if ranks and ranks[-1] is not None else None
        runs.append((options.abandon_below, options.abandon_after, split))
        return real_run(model, data, params, options, **kwargs)

    real_improve = _thorough.improve_from_partition

    def improve(*args, **kwargs):
        result = real_improve(*args, **kwargs)
        ranks.append(None)  # runs after this are not of that split
        return result

    monkeypatch.setattr(_thorough, "split_proposals", ranked_splits)
    monkeypatch.setattr(_search, "run_em", spy)
    monkeypatch.setattr(_thorough, "improve_from_partition", improve)
    selector = GaussianMixtureIC(
        n_components=[1, 2, 3, 4], covariance_types=["VVV", "EEE"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        selector.fit(X)
    challengers = [(after, split) for below, after, split in runs if below > -np.inf]
    later_splits = [after for after, split in challengers if split]
    others = [after for after, split in challengers if not split]
    assert later_splits and set(later_splits) == {10}
    assert others and set(others) == {10}


def test_mclust_paths_are_followed_only_with_more_than_one_component(monkeypatch):
    # With one component every structure's fit is a function of the one
    # scatter, and EVE's path ran an O(d^3) inner iteration to reach it
    # again (seconds at 60 features, minutes at 500).
    from gmm_estimators.model_selection import _starts

    followed, started = [], []
    real_follow = _search.follow_mclust_path
    real_start = _starts._mclust_path_start

    def follow(data, start, n_components, *args, **kwargs):
        followed.append(n_components)
        return real_follow(data, start, n_components, *args, **kwargs)

    def path_start(options, model, data, stats, params):
        started.append(params.means.shape[0])
        return real_start(options, model, data, stats, params)

    # Followed from the shared starts (_search) and last (_thorough).
    monkeypatch.setattr(_search, "follow_mclust_path", follow)
    monkeypatch.setattr(_thorough, "follow_mclust_path", follow)
    monkeypatch.setattr(_starts, "_mclust_path_start", path_start)
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(60, 3), rng.randn(50, 3) + [4, 0, 1]])
    selector = GaussianMixtureIC(
        n_components=[1, 2], covariance_types=["EVE", "VVV"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        selector.fit(X)
    assert followed and set(followed) == {2}
    assert started and set(started) == {2}
    # The one-component cells are the structures' own fits: all one model.
    results = selector.results_
    one = np.asarray(results["bic"])[np.asarray(results["n_components"]) == 1]
    assert one.size == 2
    np.testing.assert_allclose(one, one[0], rtol=1e-12)
