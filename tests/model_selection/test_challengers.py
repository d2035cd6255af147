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


def test_partitions_found_by_the_proposals_start_the_richer_structures(monkeypatch):
    # After the split and merge proposals, a partition they brought to a
    # sound fit starts every structure with more free parameters than that
    # fit, once, best criterion first; a partition some fit of that K had
    # before the proposals starts none (6-D seeded data: VEE with 6
    # components reached mclust's cell only from VII's partition).
    rng = np.random.RandomState(1)
    X = np.vstack(
        [
            rng.randn(70, 2) * [1.0, 0.3],
            rng.randn(50, 2) + [3, 1],
            rng.randn(40, 2) * 0.5 + [0, 4],
        ]
    )
    calls = []
    real_share = _thorough._share_new_partitions
    real_improve = _thorough.improve_from_partition

    def share(data, outcomes, found, n_components, settings):
        offered = []

        def improve(data, labels, k, targets, settings):
            offered.append((labels.tobytes(), set(targets)))
            return real_improve(data, labels, k, targets, settings)

        # The fits as they are now (the pick sets its estimator's labels_).
        before = {
            name: (dict(row), None if fit is None else fit.labels_.copy())
            for name, (row, fit, _, _) in outcomes.items()
        }
        monkeypatch.setattr(_thorough, "improve_from_partition", improve)
        try:
            real_share(data, outcomes, found, n_components, settings)
        finally:
            monkeypatch.setattr(_thorough, "improve_from_partition", real_improve)
        after = {name: dict(outcome[0]) for name, outcome in outcomes.items()}
        calls.append((before, set(found), offered, after, n_components))

    monkeypatch.setattr(_thorough, "_share_new_partitions", share)
    types = ["EII", "VII", "EEE", "VVV"]
    selector = GaussianMixtureIC(
        n_components=[1, 2, 3, 4], covariance_types=types, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        selector.fit(X)
    assert len(calls) == 4
    n_offered = 0
    for before, found, offered, after, n_components in calls:
        new = sorted(
            (
                (row, labels)
                for row, labels in before.values()
                if labels is not None
                and not (row["degenerate"] or row["spurious"])
                and labels.tobytes() not in found
                and np.unique(labels).size == n_components
            ),
            key=lambda fit: fit[0]["bic"],
        )
        sources = {}
        for row, labels in new:
            sources.setdefault(labels.tobytes(), row)
        assert [labels for labels, _ in offered] == list(sources)
        for labels, targets in offered:
            richer = {
                name
                for name, (row, fit_labels) in before.items()
                if fit_labels is None
                or row["n_parameters"] > sources[labels]["n_parameters"]
            }
            assert targets == richer
            n_offered += len(targets)
        # A challenger replaces a fit only when it is better.
        for name, row in after.items():
            old = before[name][0]
            if not (row["degenerate"] or old["degenerate"]):
                assert row["log_likelihood"] >= old["log_likelihood"] - 1e-9 * abs(
                    old["log_likelihood"]
                )
    assert n_offered > 0
