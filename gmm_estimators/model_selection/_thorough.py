"""The thorough search: shared starts, the best partitions, split and merge.

``thorough_search`` fits every structure of each number of components from
the shared starts and the best partition found at that K
(:func:`_search_k`), then challenges the fits with split and merge
proposals between neighbouring numbers of components and the partitions
those found (:func:`_split_and_merge`, :func:`_share_new_partitions`), and
last with mclust's own paths. Each challenger is a candidate fit of
``_search`` that replaces a cell's fit only when it is better.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._engine import one_blas_thread
from ._search import (
    fit_candidate,
    fit_shared_candidate,
    follow_mclust_path,
    improve_from_partition,
)
from ._sound_alternatives import is_sound
from ._starts import (
    _shared_starts,
    _starts_of,
    merge_proposal,
    path_starts_of,
    split_proposals,
)
from ._tasks import task


def _search_k(data, canonical, n_components, covariance_types, settings):
    """The thorough search at one number of components.

    1. Every structure is fitted from the initialisers' partitions (shared
       by all structures, as in the grid search).
    2. The partition (MAP labels) of the best sound candidate of this number
       of components, by ``settings["criterion"]``, starts every structure
       whose own partition differs; a structure keeps the better of its two
       fits (sound before degenerate, then the higher likelihood). Repeated
       while it finds a new best partition, at most ``settings["rounds"]``
       times.

    Returns
    -------
    outcomes : dict
        ``{covariance_type: (row, estimator, error, seconds)}``.
    path_starts : dict
        ``{covariance_type: Params}``: mclust's own first M-step on the first
        initialiser's partition, for the structures with an mclust path (the
        thorough search follows them last, see :func:`thorough_search`).
    """
    # _shared_starts and fit_candidate adopt the structures registered in
    # user code (in a worker process).
    shared, seconds = _shared_starts(
        data, canonical, n_components, covariance_types, settings
    )
    outcomes = {}
    for name in covariance_types:
        starts = _starts_of(shared, name)
        row, best, error, took = fit_shared_candidate(
            data, n_components, name, starts, settings
        )
        outcomes[name] = (row, best, error, took + seconds / len(covariance_types))
    tried = set()
    for _ in range(settings["rounds"]):
        labels = _best_partition(outcomes, settings["criterion"], n_components)
        if labels is None or labels.tobytes() in tried:
            break
        tried.add(labels.tobytes())
        improve_from_partition(data, labels, n_components, outcomes, settings)
    return outcomes, path_starts_of(shared)


def _best_partition(outcomes, criterion, n_components):
    """MAP labels of the best sound candidate, if they use every component."""
    best = _best_sound(outcomes, criterion)
    if best is None or np.unique(best.labels_).size < n_components:
        return None
    return best.labels_


def _best_sound(outcomes, criterion):
    """The fitted estimator of the best sound candidate, or None."""
    sound = [o for o in outcomes.values() if is_sound(o)]
    if not sound:
        return None
    return min(sound, key=lambda o: o[0][criterion])[1]


def _split_and_merge(data, per_k, settings, tick=None):
    """Proposals between neighbouring numbers of components (in place).

    Upwards, the best sound fit of ``K - 1`` components with each of its
    components split in turn starts every structure of ``K``; downwards,
    the best of ``K + 1`` with two components merged. Then every
    structure's own sound fit of ``K - 1`` (each of its components split
    in turn) and ``K + 1`` (merged) starts that structure at ``K``. Each
    proposal is a challenger of the fits already made (see
    :func:`improve_from_partition`).
    """
    ks = sorted(per_k)
    X = np.asarray(data.X, dtype=np.float64)
    # The split is chosen in standardised units (see split_proposals).
    log_units = 2.0 * settings["relative_offset"]

    def proposals(estimator, upward):
        if upward:
            return split_proposals(estimator, X, log_units)
        return [merge_proposal(estimator, X)]

    moves = [(k, k - 1, True) for k in ks if k - 1 in per_k]
    moves += [(k, k + 1, False) for k in ks[::-1] if k + 1 in per_k]
    # Every component split in turn: with more components than clusters,
    # which cluster takes two decides the basin (8 clusters in 4-D, VEI with
    # 9: the worst-fitting split ended 283 BIC units below mclust's fit).
    # Every proposal is a full challenger, abandoned from the tenth
    # iteration as the others: split starts often cross a saddle (changes
    # shrinking, then growing), and abandoning those past the first from the
    # third iteration left cells far worse than mclust's on unseen data
    # (3,000 rows of satellite images, VII with 5: 116 BIC units; 4,014 rows
    # of wages, EEI with 9: 66; both now better than mclust's). The short
    # trials saved a quarter of the search's time on small data.
    for k, source, upward in moves:
        if tick is not None:
            tick()
        estimator = _best_sound(per_k[source], settings["criterion"])
        if estimator is None:
            continue
        _try(data, proposals(estimator, upward), k, per_k[k], settings)
    # Then each structure from its own neighbours (SMEM per model): on
    # mclust's fixtures this halves the cells left below mclust's optimum
    # for a third more EM. Each of its components split in turn, as above:
    # the worst-fitting alone left 3 cells of 126 up to 179 BIC units below
    # mclust's on 8,000 rows of 4 clusters in 5-D (VII and VVE with 8 and
    # 9 components), none this way, for 6 % more time on the extra sets.
    for k, source, upward in moves:
        if tick is not None:
            tick()
        for name, (row, estimator, _, _) in per_k[source].items():
            if not is_sound((row, estimator)):
                continue
            own = {name: per_k[k][name]}
            _try(data, proposals(estimator, upward), k, own, settings)
            per_k[k][name] = own[name]


def _partition_key(labels):
    """A partition as bytes, whatever the order of its components.

    Components are numbered by their first row: EM from one partition
    with its components in another order reaches the same fit.
    """
    values, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(values.size, dtype=np.intp)
    rank[np.argsort(first)] = np.arange(values.size)
    return rank[inverse].tobytes()


def _partitions(outcomes):
    """The MAP partition (:func:`_partition_key`) of each fitted candidate."""
    return {
        name: _partition_key(outcome[1].labels_)
        for name, outcome in outcomes.items()
        if outcome[1] is not None
    }


def _share_new_partitions(data, outcomes, found, n_components, settings):
    """The partitions the proposals found start the richer structures (in place).

    A sound fit of ``outcomes`` whose partition none had before the split
    and merge proposals (``found``: :func:`_partition_key` of each) starts, as a
    challenger, every structure with more free parameters than its own
    whose partition differs, best criterion first (see
    :func:`improve_from_partition`). The proposals move each structure
    alone, and a simpler one can reach the basin a richer one misses from
    its own neighbours: on 6-D seeded data of many clusters, VEE and VEI
    with 6 components and VVI with 5 ended 1,120, 546 and 280 BIC units
    below mclust's cells, and reach them from the partition VII found. A
    quarter more time on small data; offered to every structure, not only
    the richer ones, it gained no further cell on 33 data sets for half as
    much again. Partitions are compared whatever the order of their
    components (one partition reached by two structures with the
    components numbered apart is tried once, and not on a structure that
    has it).
    """
    keys = _partitions(outcomes)
    # The fits as the proposals left them: a challenge below may replace one.
    new = sorted(
        (
            (outcome[0], outcome[1].labels_, keys[name])
            for name, outcome in outcomes.items()
            if is_sound(outcome) and keys[name] not in found
        ),
        key=lambda fit: fit[0][settings["criterion"]],
    )
    tried = set()
    for row, labels, key in new:
        if key in tried or np.unique(labels).size < n_components:
            continue
        tried.add(key)
        richer = {
            name: outcome
            for name, outcome in outcomes.items()
            if (outcome[1] is None or outcome[0]["n_parameters"] > row["n_parameters"])
            and keys.get(name) != key
        }
        improve_from_partition(data, labels, n_components, richer, settings)
        outcomes.update(richer)
        keys.update(_partitions(richer))


def _try(data, proposals, n_components, outcomes, settings):
    """Each proposal's labels start the structures of ``outcomes`` (in place).

    Labels that leave a component empty are passed over.
    """
    for labels in proposals:
        if labels is None or np.unique(labels).size < n_components:
            continue
        improve_from_partition(data, labels, n_components, outcomes, settings)


def thorough_search(
    data, canonical, ks, types, settings, too_many, parallel, fresh_state, tick=None
):
    """The thorough search: one task per number of components.

    See ``_search.grid_search`` for the arguments; the steps are those of
    ``GaussianMixtureIC``'s Notes (:func:`_search_k`, then
    :func:`_split_and_merge` between neighbouring numbers of components and
    :func:`_share_new_partitions` at each).
    ``tick()``, when given, is called after each number of components and
    each split or merge move and after each K's shared new partitions (see
    ``_progress.thorough_progress``).
    """
    per_k, path_starts = {}, {}
    for k, (outcome, starts) in zip(
        ks,
        parallel(
            task(_search_k)(
                data,
                canonical,
                k,
                types,
                {
                    **settings,
                    "random_state": fresh_state(),
                },
            )
            for k in ks
        ),
        strict=True,
    ):
        per_k[k], path_starts[k] = outcome, starts
        if tick is not None:
            tick()
    later = None  # the settings of the challengers after the first fits
    if settings["split_merge"]:
        later = {**settings, "random_state": fresh_state()}
        found = {
            k: set(_partitions(outcomes).values()) for k, outcomes in per_k.items()
        }
        with one_blas_thread():
            _split_and_merge(data, per_k, later, tick)
            for k in ks:
                _share_new_partitions(data, per_k[k], found[k], k, later)
                if tick is not None:
                    tick()
    # mclust's own path from its first M-step, last: it can only raise a
    # cell's likelihood (sound first). Before the proposals, its better fits
    # raised the bar below which they are abandoned, and a better split was
    # dropped (doc's selection.rst, step 5).
    if any(path_starts.values()):
        later = later or {**settings, "random_state": fresh_state()}
        with one_blas_thread():
            for k in ks:
                for name, start in path_starts[k].items():
                    follow_mclust_path(data, start, k, name, per_k[k], later)
    for k in sorted(set(ks) | set(too_many)):
        for t in types:
            if k in per_k:
                yield per_k[k][t]
            else:
                yield fit_candidate(data, k, t, too_many[k], settings)
