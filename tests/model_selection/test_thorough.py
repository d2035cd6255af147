"""The thorough search's steps after the first fits (``_thorough``)."""

import warnings

import numpy as np

from gmm_estimators.model_selection import GaussianMixtureIC, _thorough


def _canonical(labels):
    """A partition, its groups numbered in the order of their first row."""
    numbers = {}
    return tuple(numbers.setdefault(label, len(numbers)) for label in labels.tolist())


def test_partitions_found_by_the_proposals_start_the_richer_structures(monkeypatch):
    # After the split and merge proposals, a partition they brought to a
    # sound fit starts every structure with more free parameters than that
    # fit whose partition differs, once, best criterion first; a partition
    # some fit of that K had before the proposals starts none (6-D seeded
    # data: VEE with 6 components reached mclust's cell only from VII's
    # partition). Partitions are the same whatever their groups' numbers.
    rng = np.random.RandomState(1)
    X = np.vstack(
        [
            rng.randn(70, 2) * [1.0, 0.3],
            rng.randn(50, 2) + [3, 1],
            rng.randn(40, 2) * 0.5 + [0, 4],
        ]
    )
    calls, at_proposals = [], {}
    real_share = _thorough._share_new_partitions
    real_improve = _thorough.improve_from_partition
    real_proposals = _thorough._split_and_merge

    def proposals(data, per_k, settings, tick=None):
        for k, outcomes in per_k.items():
            at_proposals[k] = {
                _canonical(o[1].labels_) for o in outcomes.values() if o[1] is not None
            }
        return real_proposals(data, per_k, settings, tick)

    def share(data, outcomes, found, n_components, settings):
        offered = []

        def improve(data, labels, k, targets, settings):
            # Each cell as it is when this partition is offered.
            cells = {
                name: (
                    o[0]["n_parameters"],
                    None if o[1] is None else _canonical(o[1].labels_),
                )
                for name, o in outcomes.items()
            }
            offered.append((_canonical(labels), set(targets), cells))
            result = real_improve(data, labels, k, targets, settings)
            challenged.update(targets)  # each cell's fit after this challenge
            return result

        challenged = {}
        # The fits as they are now (the pick sets its estimator's labels_).
        before = {
            name: (dict(row), None if fit is None else _canonical(fit.labels_))
            for name, (row, fit, _, _) in outcomes.items()
        }
        monkeypatch.setattr(_thorough, "improve_from_partition", improve)
        try:
            real_share(data, outcomes, found, n_components, settings)
        finally:
            monkeypatch.setattr(_thorough, "improve_from_partition", real_improve)
        # The cells keep what the challenges left in them.
        for name, outcome in challenged.items():
            assert outcomes[name] is outcome
        after = {name: dict(outcome[0]) for name, outcome in outcomes.items()}
        found = {tuple(np.frombuffer(key, dtype=np.intp).tolist()) for key in found}
        calls.append((before, found, offered, after, n_components))

    monkeypatch.setattr(_thorough, "_share_new_partitions", share)
    monkeypatch.setattr(_thorough, "_split_and_merge", proposals)
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
        # "New": held by no fit of this K before the proposals.
        assert found == at_proposals[n_components]
        new = sorted(
            (
                (row, labels)
                for row, labels in before.values()
                if labels is not None
                and not (row["degenerate"] or row["spurious"])
                and labels not in found
                and len(set(labels)) == n_components
            ),
            key=lambda fit: fit[0]["bic"],
        )
        sources = {}
        for row, labels in new:
            sources.setdefault(labels, row)
        assert [labels for labels, _, _ in offered] == list(sources)
        for labels, targets, cells in offered:
            richer = {
                name
                for name, (n_parameters, partition) in cells.items()
                if (partition is None or n_parameters > sources[labels]["n_parameters"])
                and partition != labels
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
