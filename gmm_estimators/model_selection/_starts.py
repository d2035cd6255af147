"""Starts of the selector's candidates: shared per number of components, or proposed."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from time import perf_counter

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from .._data_span import data_rank
from .._degenerate import rows_worth_floor
from .._engine import (
    EMOptions,
    one_blas_thread,
    statistics_from_resp,
)
from .._fit_starts import add_noise_statistics, partition_outside_noise
from .._initialization import initial_responsibilities
from .._noise import too_few_outside_noise
from .._prior import resolve_prior
from .._prior_map import log_det_weight
from .._warn import silenced
from ..covariance import adopt_structures, get_covariance_model
from ._candidates import TIE_TOLERANCE


def _shared_starts(data, canonical, n_components, covariance_types, settings):
    """Starting parameters of every structure for one number of components.

    The initial partitions (``n_init`` of them) are drawn once, exactly as
    ``GaussianMixture.fit`` draws them (same initialiser, same canonical row
    order, same random stream); each structure's start is then the package's
    own M-step on that partition. Structures that need the same kind of
    scatter share the sufficient statistics.

    ``data`` is the data source (``_engine.ArraySource``) and ``canonical``
    the initialisers' view of its rows (``CanonicalRows``), both computed once
    for every candidate. BLAS is held to one thread, as in
    ``GaussianMixture.fit``.

    Returns
    -------
    starts : dict or Exception
        ``{covariance_type: [Params, ...] or Exception}`` (engine parameters,
        centred on the source's centre), or the error that made the initial
        partition impossible. With ``settings["initializers"]`` it also holds
        the starts of the mclust paths under the key ``MCLUST_PATH`` (not a
        name): read them with :func:`path_starts_of`, the others with
        :func:`_starts_of`.
    seconds : float
    """
    # In a worker process: the structures registered in user code.
    adopt_structures(settings.get("structures"), replace=True)
    start = perf_counter()
    with one_blas_thread():
        starts = _starts_from_partitions(
            data, canonical, n_components, covariance_types, settings
        )
    return starts, perf_counter() - start


def _starts_from_partitions(data, canonical, n_components, covariance_types, settings):
    """The ``starts`` of :func:`_shared_starts`."""
    partitions = initial_partitions(data, canonical, n_components, settings)
    if isinstance(partitions, Exception):
        return partitions
    return starts_from_partitions(
        data,
        partitions,
        n_components,
        covariance_types,
        settings,
        mclust_paths=bool(settings.get("initializers")),
    )


def initial_partitions(data, canonical, n_components, settings):
    """The initialisers' partitions of one number of components, or the error.

    ``settings["initializers"]`` lists ``(method, count)`` pairs (default:
    ``[(settings["init_params"], settings["n_init"])]``); every draw uses the
    one random stream, in that order.
    """
    random_state = check_random_state(settings["random_state"])
    initializers = settings.get("initializers") or [
        (settings["init_params"], settings["n_init"])
    ]
    partitions = []
    try:
        # Too few distinct rows for the components: the candidate's fit
        # reports the empty components itself.
        with silenced(ConvergenceWarning):
            for method, count in initializers:
                for _ in range(count):
                    if settings.get("noise_mask") is not None:
                        partitions.append(
                            _partition_outside_noise(
                                data,
                                canonical,
                                n_components,
                                {**settings, "init_params": method},
                                random_state,
                            )
                        )
                        continue
                    partitions.append(
                        initial_responsibilities(
                            method,
                            data.X,
                            n_components,
                            data.sample_weight,
                            random_state,
                            canonical=canonical,
                            copies=settings.get("prior") is not None,
                        )
                    )
    except (ValueError, np.linalg.LinAlgError) as error:
        if not partitions:
            return error
    return partitions


def partition_of_labels(labels, n_components):
    """``resp_of_rows`` of a hard partition given by row labels."""

    def resp_of_rows(rows):
        block = labels[rows]
        resp = np.zeros((block.shape[0], n_components))
        resp[np.arange(block.shape[0]), block] = 1.0
        return resp

    return resp_of_rows


def starts_from_partitions(
    data, partitions, n_components, covariance_types, settings, mclust_paths=False
):
    """Each structure's M-step on each partition (``{type: [Params] or error}``).

    With ``mclust_paths``, also the start of each mclust path (structures
    with ``CovarianceModel.mclust_path``), read by :func:`path_starts_of`.
    """
    starts = {name: [] for name in covariance_types}
    # Starts with a tied basis ordered the other way, after all the others.
    other_ties = {name: [] for name in covariance_types}
    failures = {}  # the last error of each structure, named if none starts
    # mclust's own first M-step on the first partition, for the structures
    # with an mclust path (see _search.follow_mclust_path).
    path_starts = {}
    # Structures with per-component matrices first: their raw moments, when
    # accurate, hold the statistics of every other structure too.
    covariance_types = sorted(
        covariance_types,
        key=lambda name: not get_covariance_model(name).scatter.contains_others,
    )
    for resp_of_rows in partitions:
        statistics = {}  # by the statistics form the structures read
        wide = []  # statistics that may hold those of narrower forms
        for name in covariance_types:
            if isinstance(starts[name], Exception):
                continue
            try:
                model = get_covariance_model(name)
                form = model.scatter
                if form not in statistics:
                    derived = (form.derived_from(stats) for stats in wide)
                    derived = next((s for s in derived if s is not None), None)
                    if derived is None:
                        derived = statistics_from_resp(
                            model, data, resp_of_rows, n_components
                        )
                        if form.contains_others:
                            wide.append(derived)
                    statistics[form] = derived
                stats = copy.deepcopy(statistics[form])
                if settings.get("noise_mask") is not None:
                    add_noise_statistics(stats, data, settings["noise_mask"])
                # The prior is resolved per structure (its scale takes the
                # structure's form), exactly as GaussianMixture.fit resolves it.
                options = candidate_options(settings, model, data, n_components)
                # The thorough search's starts only: a grid search's fit is
                # GaussianMixture.fit's.
                untouched = None
                if model.other_ties is not None and settings.get("initializers"):
                    untouched = copy.deepcopy(stats)
                path_stats = None
                if (
                    mclust_paths
                    and has_mclust_path(model, n_components)
                    and name not in path_starts
                ):
                    path_stats = copy.deepcopy(stats)
                params, _ = options.m_step(model, data, stats)
                if path_stats is not None:
                    path_starts[name] = _mclust_path_start(
                        options, model, data, path_stats, params
                    )
                if untouched is not None:
                    other = _other_ties_start(options, model, data, untouched, params)
                    if other is not None:
                        other_ties[name].append(other)
            except (ValueError, np.linalg.LinAlgError, FloatingPointError) as error:
                # A grid search fails the candidate as GaussianMixture.fit
                # would; the thorough search tries its other partitions.
                if not settings.get("initializers") or len(partitions) == 1:
                    starts[name] = error
                failures[name] = error
                continue
            starts[name].append(params)
    for name in covariance_types:
        if isinstance(starts[name], list):
            starts[name].extend(other_ties[name])
        if isinstance(starts[name], list) and not starts[name]:
            cause = f": {failures[name]}" if name in failures else "."
            starts[name] = ValueError(
                f"no start of {name!r} with {n_components} components could be "
                f"computed from the initial partitions{cause}"
            )
    # None where mclust's first M-step failed or is the structure's own.
    path_starts = {name: p for name, p in path_starts.items() if p is not None}
    if path_starts:
        starts[MCLUST_PATH] = path_starts
    return starts


def has_mclust_path(model, n_components):
    """Whether mclust's path can end elsewhere than the structure's own EM.

    Only for structures that have one (``CovarianceModel.mclust_path``), and
    not with one component: every structure's M-step is then a function of
    the one scatter (EVE's and VVE's orientation its eigenvectors, whose
    inner iteration mclust's path runs from the identity, O(d^3) a step:
    seconds at 60 features, minutes at 500; EEV's and VEV's free axes lie
    where every variance is equal), so the path can only reach that fit
    again.
    """
    return model.mclust_path is not None and n_components > 1


def _mclust_path_start(options, model, data, stats, params):
    """mclust's first M-step (``model.mclust_path``'s) on ``stats``, or None.

    mclust starts the inner iteration of EVE and VVE from the identity and
    runs it to convergence; the path followed from the structure's own
    M-step instead left mclust's at the first step (see
    ``covariance._orientation._mm_orientation``). EEV's and VEV's differs
    where a start group leaves axes free (``model.other_ties``): mclust's
    SVD leaves the coordinate axes of a group on one distinct row, and on
    MASS's biopsy (three integer features) EEV with 9 components climbs
    from there to mclust's 6980.9, from the package's own choice, either
    order, to 7249.9. None where it equals ``params``, the structure's own.
    """
    try:
        start = options.m_step(model.mclust_path, data, stats)[0]
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None
    if np.array_equal(start.precisions_cholesky, params.precisions_cholesky):
        return None
    return start


def _other_ties_start(options, model, data, stats, params):
    """``model.other_ties``' M-step on ``stats``, if it differs from ``params``.

    A hierarchical start's small groups (fewer rows than features) leave
    EEV's and VEV's axes free within their scatter's null space; which
    common-shape variance goes to which free axis decides the basin EM
    climbs (boot's frets, EEV with 4 components: 653.3 one way, 678.9 the
    other, from mclust's own partition). Both are tried.
    """
    try:
        other, _ = options.m_step(model.other_ties, data, stats)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None
    if np.array_equal(other.precisions_cholesky, params.precisions_cholesky):
        return None
    return other


def candidate_options(settings, model, data, n_components):
    """The EM options of one candidate, its prior resolved on the data.

    In the thorough search a run ends, flagged collapsed, once a component has
    held fewer rows' worth of responsibility than its structure needs (the
    threshold of ``_degenerate``) for ``_engine.COLLAPSE_PATIENCE`` iterations
    without regaining weight (``EMOptions.collapse_below``): EM on it only
    creeps towards an unbounded limit, where mclust stops on a singular
    covariance (under an equal volume, towards a bounded needle: spurious while
    another component spreads, ``_collapse``). Only on unweighted rows without
    a prior, where the responsibilities' sums are rows' worth and the threshold
    applies. On such rows a run also ends once a component has narrowed onto
    one value of a feature or one point that its structure calls degenerate
    (``EMOptions.lattice_steps``, the data's smallest steps:
    ``settings["lattice_steps"]``); the collapse check then judges the fit.
    """
    prior = resolve_prior(settings["prior"], model, data, n_components)
    collapse_below, lattice_steps = 0.0, None
    scatter = getattr(data, "total_scatter", None)
    if (
        settings.get("search") == "thorough"
        and prior is None
        and data.sample_weight is None
        and scatter is not None
    ):
        rank = data_rank(scatter, data.weight_sum)
        if rank:
            collapse_below = max(rows_worth_floor(model.own_spread, rank), 0.0)
    if settings.get("search") == "thorough" and prior is None:
        # The structure says where it can tell (own_variance_bounds).
        lattice_steps = settings.get("lattice_steps")
    return EMOptions(
        reg_covar=settings["reg_covar"],
        tol=settings["tol"],
        max_iter=settings["max_iter"],
        relative_tol=settings.get("relative_tol", False),
        relative_offset=_relative_offset(settings, model, data, prior, n_components),
        prior=prior,
        noise_log_volume=settings.get("noise_log_volume"),
        collapse_below=collapse_below,
        lattice_steps=lattice_steps,
        abandon_after=settings.get("abandon_after", EMOptions.abandon_after),
    )


def _relative_offset(settings, model, data, prior, n_components):
    """``EMOptions.relative_offset``: the objective in standardised units.

    With a prior the objective holds ``log p``, whose ``log|Sigma_k|`` terms
    move with the units as the log-likelihood does: without their share the
    relative rule's size ``|L + log p|`` depended on the units (Old Faithful
    at ``X * 2**-20``: EEV with 3 components alone ended 6.3 BIC units away).
    """
    offset = settings.get("relative_offset", 0.0)
    if prior is None:
        return offset
    # The log-likelihood moves with the observed features' units only (the
    # offset's shares), log|Sigma_k| with every feature's.
    every = settings.get("every_feature_offset", offset)
    share = log_det_weight(prior, model, n_components) / data.weight_sum
    return offset + every * share


# The noise component (issue 16): the initialiser partitions the rows outside
# the initial noise mask, whose rows start in the noise, exactly as
# ``GaussianMixture.fit`` starts it (``_fit_starts``).


def _partition_outside_noise(data, canonical, n_components, settings, random_state):
    keep = ~settings["noise_mask"]
    weights = None if data.sample_weight is None else data.sample_weight[keep]
    X_kept = data.X[keep]
    if X_kept.shape[0] < n_components:
        mask = settings["noise_mask"]
        raise too_few_outside_noise(mask, X_kept.shape[0], n_components)
    return partition_outside_noise(
        settings["init_params"],
        X_kept,
        keep,
        n_components,
        weights,
        random_state,
        canonical,
    )


def _starts_of(shared, covariance_type):
    """One structure's starts, or the error that prevents them."""
    return shared if isinstance(shared, Exception) else shared[covariance_type]


# The key of the mclust paths' starts in starts_from_partitions' dict: not a
# structure's name (a string).
MCLUST_PATH = ("mclust_path",)


def path_starts_of(shared):
    """The starts of the structures' mclust paths, ``{covariance_type: Params}``."""
    return {} if isinstance(shared, Exception) else shared.get(MCLUST_PATH, {})


def split_proposal(estimator, X, log_units=0.0):
    """Labels with one more component: the worst-fitting one split in two.

    The first of :func:`split_proposals`; None when that component cannot be
    cut (too few rows, or every row on one side).
    """
    return next(split_proposals(estimator, X, log_units, count=1), None)


def split_proposals(estimator, X, log_units=0.0, count=None):
    """Labels with one more component: each component split in two in turn.

    Components are taken from the worst-fitting, the largest
    ``N_k (log det(Sigma_k) - log_units)`` (the lowest density over its
    rows, the largest share of the classification entropy), down; each is
    cut through its mean across its principal axis. ``log_units`` is the
    log-determinant of the data's units, ``sum_j log v_j`` over the feature
    variances: the order is then that on standardised data, whatever the
    units (``log det`` moves by ``d log c^2`` when X is multiplied by ``c``,
    by more for the components of more rows). Components of at most
    ``d + 1`` rows, and cuts that leave one side empty, are skipped.
    ``count`` limits the components tried (None: all).
    """
    labels = estimator.labels_
    n_components, d = estimator.means_.shape
    full = get_covariance_model(estimator.covariance_type).to_full(
        np.asarray(estimator.covariances_, np.float64), n_components, d
    )
    counts = np.bincount(labels, minlength=n_components)
    log_dets = np.linalg.slogdet(full)[1]
    score = np.where(counts > d + 1, counts * (log_dets - log_units), -np.inf)
    tried = 0
    while np.isfinite(best := score.max()) and (count is None or tried < count):
        tried += 1
        # Scores equal in exact arithmetic (components of equal counts in the
        # equal-volume structures) differ by a rounding that a change of
        # units moves: ties as the criteria's (standardised units, so
        # relative with a floor of one), and the first of them, whatever the
        # units.
        tied = score >= best - TIE_TOLERANCE * max(abs(best), 1.0)
        k = int(np.flatnonzero(tied)[0])
        score[k] = -np.inf
        axis, spread = _split_axis(full[k])
        rows = labels == k
        # Rows on the cut in exact arithmetic (lattice values at the mean)
        # round to either side as the units do: within 1e-9 of the spread
        # they stay.
        side = (X[rows] - estimator.means_[k]) @ axis > _CUT_TOLERANCE * spread
        if side.all() or not side.any():
            continue
        new = labels.copy()
        new[np.flatnonzero(rows)[side]] = n_components
        yield new


# Of a component's standard deviation along its split axis (see
# split_proposals and _split_axis).
_CUT_TOLERANCE = 1e-9


def _split_axis(covariance):
    """The principal axis of ``covariance`` and the standard deviation along it.

    Among principal variances tied to ``_CUT_TOLERANCE`` (equal variances
    on a lattice), which eigenvector comes last is the units' rounding: the
    coordinate axis nearest their span is taken, the last feature among
    equal ones, its largest entry positive (the side that starts the new
    component). A spherical component keeps eigh's axis of a multiple of
    the identity, the last feature, as before.
    """
    values, vectors = np.linalg.eigh(covariance)
    spread = float(np.sqrt(max(values[-1], 0.0)))
    tied = values >= values[-1] * (1.0 - _CUT_TOLERANCE)
    if tied.sum() < 2:
        return vectors[:, -1], spread
    span = vectors[:, tied]
    lengths = np.einsum("ij,ij->i", span, span)
    longest = lengths >= lengths.max() * (1.0 - _CUT_TOLERANCE)
    nearest = int(np.flatnonzero(longest)[-1])
    axis = span @ span[nearest]
    axis /= np.sqrt(axis @ axis)
    top = np.abs(axis)
    first = int(np.argmax(top >= top.max() * (1.0 - _CUT_TOLERANCE)))
    if axis[first] < 0:
        axis = -axis
    return axis, spread


def merge_proposal(estimator, X):
    """Labels with one component fewer: the two most overlapping ones merged.

    The overlap of components ``a`` and ``b`` is the cosine of their columns
    of responsibilities, ``r_a . r_b / (|r_a| |r_b|)`` (Ueda et al. 2000),
    compared by its logarithm from the log-responsibilities: between
    clusters far apart the products underflow, every overlap was 0 and the
    first pair by index was merged, so the proposal (and cells 28 BIC units
    apart) depended on the row order and on rescalings by powers of two.
    """
    log_resp = estimator.predict_log_proba(X)
    log_norms = 0.5 * logsumexp(2.0 * log_resp, axis=0)
    pairs = logsumexp(log_resp[:, :, np.newaxis] + log_resp[:, np.newaxis, :], axis=0)
    with np.errstate(invalid="ignore"):  # an empty column: -inf - -inf
        overlap = pairs - log_norms[:, np.newaxis] - log_norms[np.newaxis, :]
    overlap[np.isnan(overlap)] = -np.inf
    np.fill_diagonal(overlap, -np.inf)
    a, b = np.unravel_index(int(np.argmax(overlap)), overlap.shape)
    a, b = min(a, b), max(a, b)
    labels = estimator.labels_.copy()
    labels[labels == b] = a
    labels[labels > b] -= 1
    return labels
