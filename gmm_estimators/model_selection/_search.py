"""The selector's candidates: fitted from shared starts, or as challengers.

``fit_candidate`` fits one (K, structure) candidate from its starts,
each a challenger of the fit the cell already has; ``grid_search`` fits
every candidate from the starts it shares with the other structures of
its K. The thorough search (``_thorough``) adds its challengers through
:func:`improve_from_partition` and :func:`follow_mclust_path`. Both
searches yield ``(row, estimator, error, seconds)`` per candidate.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
from time import perf_counter

import numpy as np
from sklearn.base import clone

from .. import _criteria
from .._collapse import component_check, with_breakdown
from .._engine import (
    block_mapper,
    fit_restarts,
    higher_beyond_rounding,
    one_blas_thread,
    run_em,
)
from .._fitted import set_fitted_attributes, stored_params
from .._gaussian_mixture import GaussianMixture
from .._warn import silenced
from ..covariance import adopt_structures, get_covariance_model
from ..exceptions import DegenerateFitWarning
from ._final_estep import final_e_step
from ._sound_alternatives import kept_of, sound_alternative
from ._starts import (
    _shared_starts,
    _starts_of,
    candidate_options,
    has_mclust_path,
    partition_of_labels,
    path_starts_of,
    starts_from_partitions,
)
from ._tasks import task


def _judge(model, data, run, options):
    """The run's collapse verdict, kept on it as ``run.component_check``.

    The check's E-step pass also gives the criteria's terms
    (``verdict.terms``, see ``_final_estep.final_e_step``).
    """
    run.component_check = component_check(
        model,
        data,
        run.params,
        run.jittered,
        options.prior,
        terms=True,
        collapsing=run.collapsing,
    )
    if run.breakdown is not None:
        # Ranked as the fit will be flagged (_fitted), not as sound.
        run.component_check = with_breakdown(run.component_check, model, run.params)
    return run.component_check


def _judged_or_first_stop(model, data, run, options):
    """The run, judged; or where mclust's rule stopped it, if that is sound.

    Where the rule never held, the flattest iterate of the run's first
    plateau stands in for that stop (``EMResult.first_stop``).

    EM goes on past the relative rule alone on a plateau (or while a thin
    component regains weight, see ``EMOptions.converged``), and from there
    can creep to a collapsed component; mclust stops on the plateau and
    reports that fit (Michelson's speeds of light, V with 5 components:
    BIC 1198.2, where EM going on collapses a component onto 10 tied
    rows). A collapsed run is replaced by its first stop when that is sound.
    """
    collapsed = _judge(model, data, run, options).collapsed
    early = run.at_first_stop() if collapsed.size else None
    if early is not None and not _judge(model, data, early, options).collapsed.size:
        return early
    return run


class _NotBetter(Exception):
    """Every start of a challenger was abandoned below the incumbent."""


def _loses_unjudged(run, bar):
    """Whether a challenger is set aside without the collapse check.

    Abandoned, or ending at or below ``bar`` (the best sound objective so
    far, or the incumbent's): it loses whatever its verdict, so the check (a
    pass over the data) is not needed.
    """
    return run.abandoned or (bar > -np.inf and run.lower_bound <= bar)


def _challenge(model, data, starts, options, mapper, incumbent, abandon=True):
    """EM from each start in turn, each a challenger of the best so far.

    Runs are ordered by degeneracy (no collapsed component, see
    ``_collapse.component_check``), then by their objective: a spurious run
    keeps its cell when its likelihood is the higher, flagged (the pick
    never takes it), as mclust's table would show it. A run whose
    extrapolated limit falls more than one unit of log-likelihood below the
    best run so far that is not degenerate (or below ``incumbent``, the mean
    objective of such a fit made earlier) is abandoned. Returns the best
    complete run that beats ``incumbent``, or None, and the best run judged
    sound (neither collapsed nor spurious; None if none, or if it is the
    first), which a spurious first keeps beside it
    (``_sound_alternatives``). ``abandon=False`` runs every start to its end
    (no proposal follows to recover a run abandoned on an extrapolation that
    a saddle misled).
    """
    best, best_key, sound = None, None, None
    slack = 1.0 / data.weight_sum
    for params in starts:
        # Judged against the best sound run: a sound run below a spurious
        # best is still the cell's alternative (_sound_alternatives).
        bar = incumbent if sound is None else max(incumbent, sound.lower_bound)
        run = run_em(
            model,
            data,
            params,
            dataclasses.replace(
                options, abandon_below=bar - slack if abandon else -np.inf
            ),
            mapper=mapper,
        )
        if _loses_unjudged(run, bar):
            continue
        run = _judged_or_first_stop(model, data, run, options)
        collapsed = run.component_check.collapsed
        key = (not collapsed.size, run.lower_bound)
        # Beyond rounding, as restarts: one optimum reached with the
        # components in another order differs in bits that the units set,
        # and the run kept sets the proposals' labels.
        if incumbent > -np.inf and not (
            key[0] and higher_beyond_rounding(key[1], incumbent)
        ):
            continue
        if key[0] and not run.component_check.spurious.size:
            if sound is None or higher_beyond_rounding(
                run.lower_bound, sound.lower_bound
            ):
                sound = run
        if best is None or _beats(key, best_key):
            best, best_key = run, key
    return best, (None if sound is best else sound)


def _beats(key, best_key):
    """Whether ``(sound, objective)`` beats ``best_key`` (sound first)."""
    if key[0] != best_key[0]:
        return key[0] > best_key[0]
    return higher_beyond_rounding(key[1], best_key[1])


def fit_candidate(
    data, n_components, covariance_type, starts, settings, incumbent=-np.inf
):
    """Fit one candidate from its shared starts; its results-table row.

    With several initialisers the starts are run as challengers of each
    other and of ``incumbent`` (see :func:`_challenge`; abandoned early only
    in the thorough search, whose proposals follow); if none beats it, the
    error is a ``_NotBetter``.
    """
    # In a worker process: the structures registered in user code.
    adopt_structures(settings.get("structures"), replace=True)
    start = perf_counter()
    row = {
        "n_components": n_components,
        "covariance_type": covariance_type,
        "bic": np.nan,
        "aic": np.nan,
        "icl": np.nan,
        "log_likelihood": np.nan,
        "n_parameters": -1,
        "converged": False,
        "degenerate": False,
        "spurious": False,
    }
    best, error, sound = None, None, None
    if isinstance(starts, Exception):
        error = starts
    else:
        try:
            model = get_covariance_model(covariance_type)
            options = candidate_options(settings, model, data, n_components)
            with block_mapper(data, model, n_components) as mapper:
                if settings.get("initializers"):
                    # Only the thorough search's proposals recover a start
                    # abandoned on a misleading extrapolation; the shared
                    # starts of a noise search run to their end.
                    result, sound = _challenge(
                        model,
                        data,
                        starts,
                        options,
                        mapper,
                        incumbent,
                        abandon=settings.get("search") == "thorough",
                    )
                    if result is None:
                        raise _NotBetter("no start beat the incumbent fit")
                else:
                    result = fit_restarts(
                        model,
                        data,
                        ((params, -np.inf) for params in starts),
                        options,
                        mapper=mapper,
                    )
                    if result.n_iter:
                        _judge(model, data, result, options)
            best = _fitted_candidate(
                model, data, options, result, settings, row, n_components
            )
        except (ValueError, np.linalg.LinAlgError, _NotBetter) as caught:
            best, error = None, caught
    if best is not None and sound is not None and row["spurious"]:
        # A sound run that lost the challenge to a spurious one: kept beside
        # it, for the pick (_sound_alternatives).
        other = dict(row)
        try:
            fitted = _fitted_candidate(
                model, data, options, sound, settings, other, n_components
            )
        except (ValueError, np.linalg.LinAlgError):
            fitted = None
        if fitted is not None:
            # The table's likelihood decides (a prior's MAP ranked the runs).
            new = kept_of(
                (row, best, None, 0.0), (other, fitted, None, 0.0), _soundness
            )
            row, best = new[0], new[1]
    return row, best, error, perf_counter() - start


def _fitted_candidate(model, data, options, result, settings, row, n_components):
    """The ``GaussianMixture`` of an EM result; ``row`` gets its criteria."""
    # The fit equals GaussianMixture(**these params).fit(X).
    best = GaussianMixture(
        n_components,
        covariance_type=row["covariance_type"],
        tol=settings["tol"],
        reg_covar=settings["reg_covar"],
        max_iter=settings["max_iter"],
        n_init=settings["n_init"],
        init_params=settings["init_params"],
        # Its own copy: set_params(prior__...) on the selector must
        # not change a fitted candidate's hyperparameters.
        prior=clone(settings["prior"], safe=False),
        noise=settings["noise"],
        noise_volume=settings["noise_volume"],
        noise_init=settings["noise_init"],
        random_state=settings["random_state"],
    )
    # The table reports the verdict (its degenerate and spurious
    # columns); the pick's own warning comes at the end.
    with silenced(DegenerateFitWarning):
        count = _criteria.n_free_parameters(
            model,
            *result.params.means.shape,
            noise=settings["noise"],
            noise_volume=settings["noise_volume"],
        )
        dtype = data.X.dtype
        set_fitted_attributes(best, model, data, options, result, dtype, None, count)
    best.n_features_in_ = data.n_features
    verdict = getattr(result, "component_check", None)
    params, terms = result.params, None if verdict is None else verdict.terms
    if (stored := stored_params(best, model, params, data.center)) is not None:
        params, terms = stored, None  # the table scores the model as stored
    best.labels_, log_likelihood, map_log_resp = final_e_step(
        model, data, params, terms
    )
    n_parameters = best.n_parameters_
    bic = _criteria.bic(log_likelihood, n_parameters, data.weight_sum)
    row.update(
        bic=bic,
        aic=_criteria.aic(log_likelihood, n_parameters),
        icl=_criteria.icl(bic, map_log_resp),
        log_likelihood=log_likelihood,
        n_parameters=n_parameters,
        converged=bool(best.converged_),
        degenerate=bool(len(best.collapsed_components_)),
        spurious=bool(len(best.spurious_components_)),
    )
    return best


def _soundness(outcome):
    """Sort key of a candidate's fits: fitted, not degenerate, then likelihood.

    A spurious fit (bounded, but with a component far narrower than the
    others or an orientation on too few rows) is not degenerate here: it
    keeps its cell when its likelihood is the higher, flagged, and the pick
    passes over it. Preferring a poorer sound fit instead left, on mclust's
    data sets of at most 50 rows, cells far below mclust's values (mclust
    reports such fits; 42 cells of 27 sets against 32), and changed no pick.
    """
    row, best, _, _ = outcome
    if best is None:
        return (0, -np.inf)
    flagged = row["degenerate"]
    return (1 if flagged else 2, row["log_likelihood"])


def _incumbent(outcome):
    """The objective a challenger must beat: the fit's own, unless degenerate.

    With a prior, the MAP objective (``lower_bound_``). A spurious fit's
    cell is challenged from its sound alternative (or from nothing): a
    sound fit below the spurious one is what the pick can take
    (``_sound_alternatives``), and one above takes the cell.
    """
    row, best, _, _ = outcome
    if best is None or row["degenerate"]:
        return -np.inf
    if row["spurious"]:
        alternative = sound_alternative(best)
        return -np.inf if alternative is None else alternative.lower_bound_
    return best.lower_bound_


def improve_from_partition(data, labels, n_components, outcomes, settings):
    """Refit every structure whose partition differs from ``labels`` from it.

    ``outcomes`` is updated in place where the new fit is better (see
    :func:`_soundness`).
    """
    refit = [
        name
        for name, (_, best, _, _) in outcomes.items()
        if best is None or not np.array_equal(best.labels_, labels)
    ]
    if not refit:
        return
    start = perf_counter()
    with one_blas_thread():
        starts = starts_from_partitions(
            data,
            [partition_of_labels(labels, n_components)],
            n_components,
            refit,
            settings,
        )
    seconds = (perf_counter() - start) / len(refit)
    for name in refit:
        if isinstance(starts[name], Exception):
            continue
        old = outcomes[name]
        new = fit_candidate(
            data, n_components, name, starts[name], settings, _incumbent(old)
        )
        took = old[3] + new[3] + seconds
        kept = kept_of(new, old, _soundness)
        outcomes[name] = (*kept[:3], took)


# Log-likelihood units below the incumbent at which the mclust path is
# abandoned (see follow_mclust_path); its cost is then about a sixth of the
# search on small data (0.08 s with 5 units, 2.3 s without abandoning, of 9).
_PATH_SLACK = 100.0
# Iterations along the path before EM with the structure's own M-step takes
# over from where it is: the path picks the basin early, while a slowly
# converging one (700 to 960 iterations for VVE with 7 to 9 components on
# 5,000 rows of 4 clusters) cost a sixth of the whole search.
_PATH_MAX_ITER = 200


def follow_mclust_path(data, start, n_components, name, outcomes, settings):
    """One more challenger: EM along mclust's own M-step, then the structure's.

    For structures with an inner iteration (``CovarianceModel.mclust_path``:
    EVE, VVE), EM with mclust's inner algorithm from ``start`` can end in
    another local maximum than EM with the package's; for EEV and VEV,
    EM from mclust's first M-step (the tied axes of a start group along the
    coordinate axes) can. The thorough search follows it from the first
    initialiser's partition (mclust's hierarchical one unless that failed):
    from the structure's own first M-step where the path can leave it
    (:func:`fit_shared_candidate`, EVE and VVE), and from mclust's own, for
    EVE and VVE from the identity (last, see ``_thorough.thorough_search``). From
    where the path ends (converged, or, for EVE and VVE, after
    ``_PATH_MAX_ITER`` iterations), EM with the structure itself is the
    challenger of ``outcomes[name]`` (updated in place when better, see
    :func:`_soundness`). Its time counts for the candidate either way.
    """
    start_time = perf_counter()
    model = get_covariance_model(name)
    old = outcomes[name]
    incumbent = _incumbent(old)
    # The path is abandoned only once its extrapolated limit falls far below
    # the incumbent (_PATH_SLACK units of log-likelihood): the paths that end
    # better often start slower, and a slack of 5 or 20 units lost two of the
    # three cells it wins on mclust's data sets (crabs, chevron). Like every
    # challenger it is judged from its tenth iteration (the slack and cost
    # above were measured from the third; on crabs the path now runs 866
    # iterations instead of 802, and no cell changed).
    # A path that leaves the structure's EM only at its start (EEV's and
    # VEV's, ``mclust_path_from_own_start``) is mclust's own run of the
    # cell, from mclust's own start: never abandoned. It exists only where
    # a start group leaves axes free, and it climbs slowly (MASS's biopsy,
    # EEV with 9 components: 12 iterations in, its log-likelihood lay 283
    # units below the incumbent's, its extrapolation beyond the 100 units of
    # slack; it ended 134 units above it, at mclust's).
    # It runs to its end too: after its first M-step it is the structure's own
    # EM, which the challenge from where it ends would abandon (one unit).
    slack, max_iter = np.inf, settings["max_iter"]
    if model.mclust_path_from_own_start:
        slack, max_iter = _PATH_SLACK, min(settings["max_iter"], _PATH_MAX_ITER)
    options = dataclasses.replace(
        candidate_options(settings, model, data, n_components),
        abandon_below=incumbent - slack / data.weight_sum,
        max_iter=max_iter,
    )
    try:
        with block_mapper(data, model, n_components) as mapper:
            run = run_em(model.mclust_path, data, start, options, mapper=mapper)
    except (ValueError, np.linalg.LinAlgError):
        run = None
    seconds = perf_counter() - start_time
    if run is None or run.abandoned or not run.n_iter:
        outcomes[name] = (*old[:3], old[3] + seconds)
        return
    new = fit_candidate(data, n_components, name, [run.params], settings, incumbent)
    kept = kept_of(new, old, _soundness)
    outcomes[name] = (*kept[:3], old[3] + new[3] + seconds)


def fit_shared_candidate(
    data, n_components, covariance_type, starts, settings, path_start=None
):
    """:func:`fit_candidate`, then mclust's path where the starts are shared.

    With the thorough search's shared starts (the thorough search itself,
    and the noise search, which has no proposals), structures with an
    mclust path (EVE, VVE, EEV, VEV) are also challenged along it
    (:func:`follow_mclust_path`) from the structure's own M-step on the
    first initialiser's partition (``starts[0]``, where the path can leave
    it: ``mclust_path_from_own_start``), then from ``path_start`` when
    given (mclust's own first M-step on that partition): on MASS's
    geyser with noise, VVE with 6 components ended 3 BIC units below
    mclust's cell without the path
    (``tests/fixtures/mclust/noise/make_noise_path_fixture.R``).
    """
    outcome = fit_candidate(data, n_components, covariance_type, starts, settings)
    model = get_covariance_model(covariance_type)  # adopted by fit_candidate
    if (
        settings.get("initializers")
        and has_mclust_path(model, n_components)
        and isinstance(starts, list)
    ):
        outcomes = {covariance_type: outcome}
        own = starts[0] if model.mclust_path_from_own_start else None
        for start in (own, path_start):
            if start is not None:
                follow_mclust_path(
                    data, start, n_components, covariance_type, outcomes, settings
                )
        outcome = outcomes[covariance_type]
    return outcome


def grid_search(data, canonical, ks, types, settings, too_many, parallel, fresh_state):
    """Every candidate fitted independently from the shared starts.

    ``fresh_state()`` gives the ``random_state`` of each task (see
    ``GaussianMixtureIC._random_state_for_candidates``). Yields every
    candidate's ``(row, estimator, error, seconds)``.
    """
    shared = {}
    for k, outcome in zip(
        ks,
        parallel(
            task(_shared_starts)(
                data.init_source(),
                canonical,
                k,
                types,
                {**settings, "random_state": fresh_state()},
            )
            for k in ks
        ),
        strict=True,
    ):
        shared[k] = outcome
    for k, error in too_many.items():
        shared[k] = (error, 0.0)
    candidates = [(k, t) for k in sorted(shared) for t in types]
    outcomes = parallel(
        task(fit_shared_candidate)(
            data,
            k,
            t,
            _starts_of(shared[k][0], t),
            {**settings, "random_state": fresh_state()},
            path_starts_of(shared[k][0]).get(t),
        )
        for k, t in candidates
    )
    for (k, _), (row, estimator, error, seconds) in zip(
        candidates, outcomes, strict=True
    ):
        yield row, estimator, error, seconds + shared[k][1] / len(types)
