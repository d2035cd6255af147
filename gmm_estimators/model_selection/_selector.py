"""GaussianMixtureIC: the number of components and the structure, by BIC."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import dataclasses
import math
import sys
import warnings
from numbers import Integral, Real
from time import perf_counter

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    check_is_fitted,
    validate_data,
)

from .._base import component_check, set_fitted_attributes
from .._engine import (
    Params,
    block_mapper,
    fit_restarts,
    log_normalizer,
    one_blas_thread,
    reduce_blocks,
    row_max_argmax,
    run_em,
)
from .._engine._sources import is_streamed, make_source
from .._gaussian_mixture import GaussianMixture
from .._initialization import INITIALIZERS, CanonicalRows
from .._missing import MissingValuesSource
from .._noise import resolve_noise
from .._prior import ConjugatePrior
from .._warn import warn_user
from ..covariance import available_covariance_types, get_covariance_model
from ..exceptions import DegenerateFitWarning
from ._starts import (
    _shared_starts,
    _starts_of,
    candidate_options,
    partition_of_labels,
    starts_from_partitions,
)

_CRITERIA = ("bic", "aic", "icl")



# ---------------------------------------------------------------------------
# The selector


def _candidate_ks(n_components):
    """The numbers of components to try, sorted and unique."""
    if isinstance(n_components, Integral) and not isinstance(n_components, bool):
        return list(range(1, int(n_components) + 1))
    values = list(n_components) if not isinstance(n_components, str) else None
    if not values or not all(
        isinstance(k, Integral) and not isinstance(k, bool) and k >= 1 for k in values
    ):
        raise ValueError(
            "n_components must be a positive int K (meaning 1, ..., K) or a "
            f"non-empty sequence of positive ints; got {n_components!r}."
        )
    return sorted({int(k) for k in values})


def _max_n_features(name):
    return getattr(get_covariance_model(name), "max_n_features", None)


def _candidate_types(covariance_types, n_features):
    """Covariance type names to try, each structure once, validated now.

    None means every registered structure defined for ``n_features``; for
    one feature, only the one-feature structures (mclust's ``"E"`` and
    ``"V"``) when any are registered, as mclust does, since every other
    structure reduces to one of them.
    """
    registered = available_covariance_types(aliases=True)
    if covariance_types is None:
        names = available_covariance_types()
        fitting = [
            t
            for t in names
            if _max_n_features(t) is None or _max_n_features(t) >= n_features
        ]
        univariate = [t for t in names if _max_n_features(t) == 1]
        return univariate if n_features == 1 and univariate else fitting
    names = [covariance_types] if isinstance(covariance_types, str) else None
    if names is None:
        names = list(covariance_types)
    unknown = [t for t in names if not isinstance(t, str) or t not in registered]
    if not names or unknown:
        raise ValueError(
            "covariance_types must be None or a non-empty sequence of registered "
            f"covariance types {registered}; got {covariance_types!r}"
            + (f" (unknown: {unknown!r})." if unknown else ".")
        )
    seen = {}
    for name in names:
        model = get_covariance_model(name)
        if model.name in seen:
            raise ValueError(
                f"covariance_types lists the structure {model.name!r} twice (as "
                f"{seen[model.name]!r} and {name!r}); list each structure once."
            )
        seen[model.name] = name
        limit = _max_n_features(name)
        if limit is not None and n_features > limit:
            raise ValueError(
                f"covariance_types includes {name!r}, which is defined for at most "
                f"{limit} feature(s), but X has {n_features} features; remove it "
                "or use covariance_types=None for every structure that fits."
            )
    return names


def _feature_variances(X, sample_weight):
    """The (weighted) variance of every feature.

    The thorough search's ``reg_covar`` is in units of the smallest positive
    one, and its stopping rule reads the log-likelihood in standardised units,
    so that multiplying the data by a constant changes no fit.
    """
    X = np.asarray(X, dtype=np.float64)
    variance = np.cov(X, rowvar=False, aweights=sample_weight, bias=True)
    return np.atleast_1d(np.diag(np.atleast_2d(variance)))


def _final_e_step(model, source, params):
    """Labels, total log-likelihood and ``sum_i w_i log z_i,MAP``, in one pass.

    The selector's candidates need both the labels of ``fit`` and the terms
    of the criteria; one E-step over the data gives them together.
    """

    def reduce(weighted_log_prob):
        top, labels = row_max_argmax(weighted_log_prob)
        log_norm = log_normalizer(weighted_log_prob, top).astype(np.float64)
        # log z of the MAP component: its weighted log-density minus log p(x).
        return np.column_stack([log_norm, top - log_norm, labels]).ravel()

    per_row = reduce_blocks(model, source, params, reduce).reshape(-1, 3)
    labels = per_row[:, 2].astype(np.intp)
    if params.noise_proportion is not None:
        # The noise column is the last: scikit-learn's label for noise is -1.
        labels[labels == params.means.shape[0]] = -1
    terms = per_row[:, :2]
    weights = source.sample_weight
    terms = terms.sum(axis=0) if weights is None else weights @ terms
    if hasattr(terms, "compute"):  # Dask: the sums come back, labels stay lazy
        terms = terms.compute()
    return labels, terms[0], terms[1]


class _NotBetter(Exception):
    """Every start of a challenger was abandoned below the incumbent."""


def _challenge(model, data, starts, options, mapper, incumbent):
    """EM from each start in turn, each a challenger of the best so far.

    Runs are ordered by soundness (no collapsed or spurious component, see
    ``_base.component_check``), then by their objective. A run whose
    extrapolated limit falls more than one unit of log-likelihood below the
    best sound run so far (or below ``incumbent``, the mean objective of a
    sound fit made earlier) is abandoned. Returns the best complete run that
    beats ``incumbent``, or None.
    """
    best, best_key = None, None
    slack = 1.0 / data.weight_sum
    for params in starts:
        bar = incumbent
        if best is not None and best_key[0]:
            bar = max(bar, best.lower_bound)
        run = run_em(
            model,
            data,
            params,
            dataclasses.replace(options, abandon_below=bar - slack),
            mapper=mapper,
        )
        if run.abandoned:
            continue
        run.component_check = component_check(
            model, data, run.params, run.jittered, options.prior
        )
        collapsed, spurious, _ = run.component_check
        key = (not (collapsed.size or spurious.size), run.lower_bound)
        if incumbent > -np.inf and not (key[0] and key[1] > incumbent):
            continue
        if best is None or key > best_key:
            best, best_key = run, key
    return best


def _fit_candidate(
    data, n_components, covariance_type, starts, settings, incumbent=-np.inf
):
    """Fit one candidate from its shared starts; its results-table row.

    In the thorough search the starts are run as challengers of each other
    and of ``incumbent`` (see :func:`_challenge`); if none beats it, the
    error is a ``_NotBetter``.
    """
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
    best, error = None, None
    if isinstance(starts, Exception):
        error = starts
    else:
        try:
            model = get_covariance_model(covariance_type)
            options = candidate_options(settings, model, data, n_components)
            with block_mapper(data, model, n_components) as mapper:
                if settings.get("initializers"):
                    result = _challenge(
                        model, data, starts, options, mapper, incumbent
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
            # The fit equals GaussianMixture(**these params).fit(X).
            best = GaussianMixture(
                n_components,
                covariance_type=covariance_type,
                tol=settings["tol"],
                reg_covar=settings["reg_covar"],
                max_iter=settings["max_iter"],
                n_init=settings["n_init"],
                init_params=settings["init_params"],
                prior=settings["prior"],
                noise=settings["noise"],
                noise_volume=settings["noise_volume"],
                noise_init=settings["noise_init"],
                random_state=settings["random_state"],
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DegenerateFitWarning)
                set_fitted_attributes(
                    best, model, data, options, result, data.X.dtype
                )
            best.n_features_in_ = data.n_features
        except (ValueError, np.linalg.LinAlgError, _NotBetter) as caught:
            best, error = None, caught
    if best is not None:
        best.labels_, log_likelihood, map_log_resp = _final_e_step(
            model, data, result.params
        )
        n_parameters = best.n_parameters_
        bic = -2.0 * log_likelihood + n_parameters * math.log(data.weight_sum)
        row.update(
            bic=bic,
            aic=-2.0 * log_likelihood + 2.0 * n_parameters,
            icl=bic - 2.0 * map_log_resp,
            log_likelihood=log_likelihood,
            n_parameters=n_parameters,
            converged=bool(best.converged_),
            degenerate=bool(len(best.collapsed_components_)),
            spurious=bool(len(best.spurious_components_)),
        )
    return row, best, error, perf_counter() - start


def _soundness(outcome):
    """Sort key of a candidate's fits: fitted, not degenerate, then likelihood."""
    row, best, _, _ = outcome
    if best is None:
        return (0, -np.inf)
    flagged = row["degenerate"] or row["spurious"]
    return (1 if flagged else 2, row["log_likelihood"])


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
    """
    shared, seconds = _shared_starts(
        data, canonical, n_components, covariance_types, settings
    )
    outcomes = {}
    for name in covariance_types:
        row, best, error, took = _fit_candidate(
            data, n_components, name, _starts_of(shared, name), settings
        )
        outcomes[name] = (row, best, error, took + seconds / len(covariance_types))
    tried = set()
    for _ in range(settings["rounds"]):
        labels = _best_partition(outcomes, settings["criterion"], n_components)
        if labels is None or labels.tobytes() in tried:
            break
        tried.add(labels.tobytes())
        improve_from_partition(data, labels, n_components, outcomes, settings)
    return outcomes


def _best_partition(outcomes, criterion, n_components):
    """MAP labels of the best sound candidate, if they use every component."""
    sound = [
        o
        for o in outcomes.values()
        if o[1] is not None and not (o[0]["degenerate"] or o[0]["spurious"])
    ]
    if not sound:
        return None
    row, best, _, _ = min(sound, key=lambda o: o[0][criterion])
    labels = best.labels_
    if np.unique(labels).size < n_components:
        return None
    return labels


def _best_sound(outcomes, criterion):
    """The fitted estimator of the best sound candidate, or None."""
    sound = [
        o
        for o in outcomes.values()
        if o[1] is not None and not (o[0]["degenerate"] or o[0]["spurious"])
    ]
    if not sound:
        return None
    return min(sound, key=lambda o: o[0][criterion])[1]


def split_proposal(estimator, X):
    """Labels with one more component: the worst-fitting one split in two.

    The component with the largest ``N_k log det(Sigma_k)`` (the lowest
    density over its rows, the largest share of the classification entropy)
    is cut through its mean across its principal axis.
    """
    labels = estimator.labels_
    n_components, d = estimator.means_.shape
    full = estimator._covariance_model().to_full(
        np.asarray(estimator.covariances_, np.float64), n_components, d
    )
    counts = np.bincount(labels, minlength=n_components)
    log_dets = np.linalg.slogdet(full)[1]
    score = np.where(counts > d + 1, counts * log_dets, -np.inf)
    k = int(np.argmax(score))
    if not np.isfinite(score[k]):
        return None
    axis = np.linalg.eigh(full[k])[1][:, -1]
    rows = labels == k
    side = (X[rows] - estimator.means_[k]) @ axis > 0
    if side.all() or not side.any():
        return None
    new = labels.copy()
    new[np.flatnonzero(rows)[side]] = n_components
    return new


def merge_proposal(estimator, X):
    """Labels with one component fewer: the two most overlapping ones merged.

    The overlap of components ``a`` and ``b`` is the cosine of their columns
    of responsibilities, ``r_a . r_b / (|r_a| |r_b|)`` (Ueda et al. 2000).
    """
    resp = estimator.predict_proba(X)
    norms = np.linalg.norm(resp, axis=0)
    overlap = resp.T @ resp / np.maximum(np.outer(norms, norms), 1e-300)
    np.fill_diagonal(overlap, -np.inf)
    a, b = np.unravel_index(int(np.argmax(overlap)), overlap.shape)
    a, b = min(a, b), max(a, b)
    labels = estimator.labels_.copy()
    labels[labels == b] = a
    labels[labels > b] -= 1
    return labels


def _split_and_merge(data, per_k, settings):
    """Proposals between neighbouring numbers of components (in place).

    Upwards, the best sound fit of ``K - 1`` components with one component
    split starts every structure of ``K``; downwards, the best of ``K + 1``
    with two components merged. Each proposal is a challenger of the fits
    already made (see :func:`improve_from_partition`).
    """
    ks = sorted(per_k)
    X = np.asarray(data.X, dtype=np.float64)
    moves = [(k, k - 1, split_proposal) for k in ks if k - 1 in per_k]
    moves += [(k, k + 1, merge_proposal) for k in reversed(ks) if k + 1 in per_k]
    for k, source, propose in moves:
        estimator = _best_sound(per_k[source], settings["criterion"])
        if estimator is None:
            continue
        labels = propose(estimator, X)
        if labels is None or np.unique(labels).size < k:
            continue
        improve_from_partition(data, labels, k, per_k[k], settings)


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
        incumbent = (
            old[0]["log_likelihood"] / data.weight_sum
            if old[1] is not None
            and not (old[0]["degenerate"] or old[0]["spurious"])
            else -np.inf
        )
        new = _fit_candidate(
            data, n_components, name, starts[name], settings, incumbent
        )
        took = old[3] + new[3] + seconds
        kept = new if _soundness(new) > _soundness(old) else old
        outcomes[name] = (*kept[:3], took)


def _refitted_on(data, outcomes, settings):
    """Each candidate found on a sample, refitted on every row of ``data``.

    EM from the sample's fit (grid-style: one start, the candidate's own
    stopping rule) on the full source; a candidate that failed on the sample
    stays failed.
    """
    one_start = {**settings, "initializers": None}
    for row, best, error, seconds in outcomes:
        if best is None:
            yield row, best, error, seconds
            continue
        start = Params(
            np.asarray(best.weights_, np.float64),
            np.asarray(best.means_, np.float64) - data.center,
            np.asarray(best.covariances_, np.float64),
            np.asarray(best.precisions_cholesky_, np.float64),
        )
        row, best, error, took = _fit_candidate(
            data, row["n_components"], row["covariance_type"], [start], one_start
        )
        yield row, best, error, seconds + took


def _with_progress(iterable, total, enabled):
    """``iterable`` behind a terminal progress bar when asked and possible."""
    if not enabled or not sys.stderr.isatty():
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc="candidates", unit="fit", leave=False)


class GaussianMixtureIC(ClusterMixin, DensityMixin, BaseEstimator):
    """Gaussian mixture with the number of components and covariance chosen by BIC.

    Fits a Gaussian mixture for every number of components in
    ``n_components`` and every structure in ``covariance_types``, computes
    BIC, AIC and ICL *in-sample* (on the training data, as mclust does) and
    keeps the candidate with the lowest ``criterion``. Degenerate fits (a
    component resting on a lower-dimensional set of rows, see
    ``GaussianMixture.collapsed_components_``), spurious fits (a component
    far narrower than another, ``spurious_components_``) and candidates that
    could not be fitted are reported in ``results_`` and never chosen. The
    estimator then predicts, scores and samples with the chosen model.

    The default ``search="thorough"`` looks for the best optimum of every
    candidate, as mclust does and further (see Notes): hierarchical (mclust's
    ``hc``) and k-means starts shared by all structures, the best partition
    of each number of components tried by every structure, split and merge
    proposals between neighbouring numbers of components, and EM run to
    mclust's relative tolerance. ``search="grid"`` fits each candidate
    exactly as ``GaussianMixture`` with the same settings would, which
    ``GridSearchCV(GaussianMixture(), grid, scoring=bic_score,
    cv=InSampleSplit())`` also does, only several times faster.

    Parameters
    ----------
    n_components : int or sequence of int, default=9
        Numbers of components to try: an int ``K`` means ``1, 2, ..., K``; a
        sequence (list, tuple, range) lists them.
    covariance_types : str, sequence of str or None, default=None
        Covariance structures to try, by any registered name or alias (see
        :func:`~gmm_estimators.available_covariance_types`). None means every
        structure registered when ``fit`` runs that is defined for the data's
        number of features (for one feature, mclust's one-feature ``"E"`` and
        ``"V"`` only, as in mclust). A structure whose fit fails on the data is
        reported as failed in ``results_``.
    criterion : {"bic", "aic", "icl"}, default="bic"
        The criterion minimised (lower-is-better form, see Notes).
    search : {"thorough", "grid"}, default="thorough"
        ``"thorough"``: the search described in Notes, whose fits reach
        mclust's optimum or a better one. ``"grid"``: every candidate is
        exactly ``GaussianMixture(n_components, covariance_type=..., tol=tol,
        reg_covar=reg_covar, max_iter=max_iter, n_init=n_init,
        init_params=init_params, ...)`` fitted on X, its starts shared
        between structures.
    n_init : int, default=1
        Starts of the initialiser per candidate (for the thorough search with
        the default ``init_params``, the number of k-means starts besides
        the one hierarchical start). The best is kept.
    init_params : str or None, default=None
        Initialiser of the starting partitions, any accepted by
        ``GaussianMixture`` (``'kmeans'``, ``'k-means++'``, ``'random'``,
        ``'random_from_data'``, ``'hc'``). It runs once per number of
        components and start, shared by all covariance structures; ``'hc'``
        builds its tree once per start and cuts it at every number of
        components, as mclust does. None means ``'hc'`` and ``'kmeans'``
        for the thorough search, ``'kmeans'`` (GaussianMixture's default)
        for the grid search.
    max_iter : int or None, default=None
        Maximum EM iterations per start. None means 1000 for the thorough
        search (EM then stops on ``tol``), 100 for the grid search.
    tol : float or None, default=None
        The stopping rule of EM. Thorough search: mclust's relative change
        of the log-likelihood, ``|L_t - L_{t-1}| / (1 + |L_t|) < tol``, with
        ``L`` the total log-likelihood of the data in standardised units (see
        Notes); None means ``1e-5``, mclust's default. Grid search:
        scikit-learn's absolute change of the mean log-likelihood per row;
        None means ``1e-3``, GaussianMixture's default, which often stops
        long before the optimum (see the user guide).
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance. Thorough search: in units
        of the data's smallest per-feature variance, so that the search does
        not depend on the data's units (the chosen ``best_estimator_`` shows
        the absolute value). Grid search: in the data's units, as
        GaussianMixture's.
    prior : None, 'default' or ConjugatePrior, default=None
        Conjugate prior of every candidate, as ``GaussianMixture``'s
        ``prior``: None fits by maximum likelihood; ``'default'`` (mclust's
        ``priorControl()``) or a :class:`~gmm_estimators.ConjugatePrior` makes
        each candidate a maximum a posteriori fit, its hyperparameters
        resolved from the data for that candidate's number of components and
        structure. Its scale is in the data's units, so it keeps components
        from collapsing onto duplicated or integer-valued rows; the criteria
        then use the log-likelihood at the MAP estimate, as mclust's do.
    noise : bool, default=False
        If True, every candidate has mclust's uniform noise component beside
        its Gaussian components (see ``GaussianMixture``'s ``noise``): one
        hypervolume and one initial noise mask for all candidates, whose
        rows start as noise while the initialiser partitions the others.
        Noise rows get the label -1. Candidates with no Gaussian component
        (mclust's ``G = 0``) are not fitted.
    noise_volume : float or None, default=None
        The noise's hypervolume; None computes mclust's ``hypvol``.
    noise_init : 'nnclean' or array-like of bool, default='nnclean'
        The rows that start as noise (see ``GaussianMixture``).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation. Every number of components starts from the
        same state (a RandomState instance is copied, not consumed), like the
        candidates of a grid search.
    n_jobs : int, default=None
        Candidates fitted in parallel with joblib; None means 1 unless in a
        :obj:`joblib.parallel_backend` context, -1 means all processors. The
        results do not depend on it.
    verbose : int, default=0
        If positive, print one line per candidate: number of components,
        covariance type, criterion, convergence, degeneracy and seconds.
    progress : bool, default=False
        If True and standard error is a terminal, show one progress bar over
        the candidates (with :mod:`tqdm`, when it is installed: the ``cli``
        extra brings it). Nothing is shown when the output is piped.

    Attributes
    ----------
    best_estimator_ : GaussianMixture
        The chosen fitted model, fitted on the validated array (so it has no
        ``feature_names_in_``). With ``search="grid"`` its parameters are
        those of a plain ``GaussianMixture`` that reproduces it; with the
        thorough search they name its structure, ``reg_covar`` (absolute) and
        ``tol``, but a plain refit does not reproduce the search's starts:
        pass ``means_init``, ``weights_init`` and ``precisions_init`` from it
        to continue from the optimum.
    n_components_ : int
        Number of components of the chosen model.
    covariance_type_ : str
        Covariance type of the chosen model, as named in ``covariance_types``.
    criterion_ : float
        Value of ``criterion`` for the chosen model (lower-is-better form).
    best_index_ : int
        Row of the chosen model in ``results_``.
    results_ : dict of ndarray
        One entry per candidate, in the order number of components then
        covariance type; ``pandas.DataFrame(results_)`` makes a table. Keys:
        ``"n_components"``, ``"covariance_type"``, ``"bic"``, ``"aic"``,
        ``"icl"`` (lower-is-better), ``"log_likelihood"`` (total, summed over
        rows), ``"n_parameters"``, ``"converged"``, ``"degenerate"`` (a
        collapsed component), ``"spurious"`` (a spurious component),
        ``"fit_time"`` (seconds, including an equal share of the shared
        initialisation and, in the thorough search, of the proposals tried)
        and ``"rank"`` (1 is the chosen model; degenerate and spurious
        candidates rank after every sound one, and candidates that could not
        be fitted, whose criteria are NaN and ``n_parameters`` -1, rank last).
    n_iter_ : int
        EM iterations of the chosen model's kept start.
    labels_ : ndarray of shape (n_samples,)
        Most probable component of each training row under the chosen model.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    GaussianMixture : The model fitted for each candidate.
    bic_score : The same criterion as a ``GridSearchCV`` scorer.
    InSampleSplit : The splitter that makes ``GridSearchCV`` compute it in-sample.

    Notes
    -----
    With ``log L`` the total log-likelihood of the training data, ``p`` the
    number of free parameters and ``n`` the number of rows,

    * ``BIC = -2 log L + p log n``,
    * ``AIC = -2 log L + 2 p``,
    * ``ICL = BIC - 2 sum_i sum_k c_ik log z_ik`` (``z`` the posterior
      probabilities, ``c`` the one-hot MAP labels).

    These are scikit-learn's lower-is-better forms; mclust reports
    ``2 log L - p log n``, the same BIC with the sign flipped. With
    ``sample_weight`` (frequency weights), ``log L`` and the ICL term are
    weighted sums and ``n`` is the sum of the weights, so a row of integer
    weight ``w`` counts exactly as ``w`` copies of it.

    The criteria are computed in-sample, which is what BIC is: an
    approximation of the log marginal likelihood of the model given *all* the
    data. scikit-learn's gallery example instead scores BIC on held-out
    cross-validation folds, where the likelihood is that of a fifth of the
    rows under a model fitted to the rest and the penalty uses the fold's
    size; that mixes two different ideas of model choice and can pick a
    different model.

    **The thorough search.** For each number of components ``K``:

    1. the starting partitions -- mclust's model-based hierarchical
       agglomeration (``hc``, one tree cut at every ``K``) and ``n_init``
       k-means partitions -- are computed once and every structure starts
       from its own M-step on each; the starts after the first are
       *challengers*: EM on a challenger is abandoned as soon as the Aitken
       extrapolation of its log-likelihood falls one unit below the best
       sound fit so far (Böhning et al. 1994), so a start that leads nowhere
       costs a few iterations;
    2. the MAP partition of the best sound candidate of this ``K`` (by
       ``criterion``) starts, as a challenger, every structure whose own
       partition differs (twice at most, while the best partition changes);

    then, between neighbouring numbers of components, the best sound fit of
    ``K - 1`` with its component of largest ``N_k log det Sigma_k`` split
    across its principal axis, and the best of ``K + 1`` with its two most
    overlapping components merged (Ueda et al. 2000), start every structure
    of ``K`` as challengers. A fit replaces another when it is sound and
    the other is not, or when both are and its likelihood is higher.

    EM stops on mclust's relative rule. The log-likelihood ``L`` in it is that
    of the data in standardised units (``L + (n/2) sum_j log v_j`` with
    ``v_j`` the variance of feature ``j``), so that the rule, like the
    relative ``reg_covar``, does not depend on the data's units: multiplying
    X by a constant shifts every criterion by ``2 n d log c`` and changes no
    decision. scikit-learn's absolute default ``tol=1e-3`` on the mean
    log-likelihood stops EEE with 3 components on Old Faithful after 7
    iterations at BIC 2342.8; the relative rule runs to 2314.3, mclust's
    value.

    The degenerate and spurious tests (module ``gmm_estimators._degenerate``)
    are scale-free: a component is degenerate when the rows carrying 99 % of
    its weight span a lower-dimensional set (at most ``d`` distinct rows, a
    lattice line of integer data) or hold fewer than ``d + 1`` rows' worth of
    responsibility; spurious when its variance in some direction is below
    ``1e-6`` times another component's (the eigenvalue-ratio bound of
    Hathaway 1985, tclust's ``restr.fact``).

    References: Fraley and Raftery (2002), Model-based clustering,
    discriminant analysis and density estimation, JASA 97:611-631; Ueda,
    Nakano, Ghahramani and Hinton (2000), SMEM algorithm for mixture
    models, Neural Computation 12:2109-2128; Böhning, Dietz, Schaub,
    Schlattmann and Lindsay (1994), The distribution of the likelihood ratio
    for mixtures of densities from the one-parameter exponential family,
    Ann. Inst. Statist. Math. 46:373-388.

    Candidates do not raise their own ``ConvergenceWarning`` or
    ``DegenerateFitWarning``: the ``converged``, ``degenerate`` and
    ``spurious`` columns of ``results_`` report them, and only a chosen model
    that did not converge is warned about. If every candidate is degenerate,
    spurious or failed, ``fit`` raises a ``ValueError`` rather than choose
    such a model: include
    smaller numbers of components, use ``prior="default"``, increase
    ``reg_covar`` or add jitter to discretised data.

    Examples
    --------
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import GaussianMixtureIC
    >>> X = load_old_faithful(return_X_y=True)
    >>> selector = GaussianMixtureIC(
    ...     n_components=4, covariance_types=["full", "tied"], random_state=0
    ... ).fit(X)
    >>> selector.n_components_, selector.covariance_type_
    (3, 'tied')
    >>> round(selector.criterion_, 1)
    2314.3
    >>> best = selector.best_index_
    >>> selector.n_components_, int(selector.results_["rank"][best])
    (3, 1)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "covariance_types": [None, str, "array-like"],
        "criterion": [StrOptions(set(_CRITERIA))],
        "search": [StrOptions({"thorough", "grid"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [None, StrOptions(set(INITIALIZERS))],
        "max_iter": [None, Interval(Integral, 0, None, closed="left")],
        "tol": [None, Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "prior": [None, StrOptions({"default"}), ConjugatePrior],
        "noise": ["boolean"],
        "noise_volume": [None, Interval(Real, 0.0, None, closed="neither")],
        "noise_init": [StrOptions({"nnclean"}), "array-like"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "progress": ["boolean"],
    }

    def __init__(
        self,
        *,
        n_components=9,
        covariance_types=None,
        criterion="bic",
        search="thorough",
        n_init=1,
        init_params=None,
        max_iter=None,
        tol=None,
        reg_covar=1e-6,
        prior=None,
        noise=False,
        noise_volume=None,
        noise_init="nnclean",
        random_state=None,
        n_jobs=None,
        verbose=0,
        progress=False,
    ):
        self.n_components = n_components
        self.covariance_types = covariance_types
        self.criterion = criterion
        self.search = search
        self.n_init = n_init
        self.init_params = init_params
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.prior = prior
        self.noise = noise
        self.noise_volume = noise_volume
        self.noise_init = noise_init
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.progress = progress

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _random_state_for_candidates(self):
        """The ``random_state`` each task receives, as a grid search's clone would.

        A RandomState instance is copied, so every number of components starts
        from the same state and the user's instance is never consumed.
        """
        if isinstance(self.random_state, np.random.RandomState):
            return copy.deepcopy(self.random_state)
        return self.random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit every candidate and keep the best non-degenerate one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights, used by every fit and by the
            criteria.

        Returns
        -------
        self : object
            The fitted selector.
        """
        ks = _candidate_ks(self.n_components)
        # Validation and the data source (in memory, streamed from a memory
        # map or sliceable array, or Dask chunks): ``_engine._sources``.
        data = make_source(
            self,
            X,
            sample_weight,
            n_components=max(ks),
            random_state=self._random_state_for_candidates(),
            cache_features=True,
            missing=MissingValuesSource.from_arrays,
        )
        X, sample_weight = data.X, data.sample_weight
        # Streamed data: the starts come from an in-memory sample.
        init = data.init_source()
        types = _candidate_types(self.covariance_types, X.shape[1])
        n_usable = (
            X.shape[0]
            if sample_weight is None
            else int(np.count_nonzero(sample_weight))
        )
        # The feature variances (scale of reg_covar and of the relative rule)
        # from the rows the starts see: all of them, or a streamed sample.
        # The thorough search knows no noise rows nor missing values yet:
        # those fits search the grid. Streamed and Dask data are searched on
        # the in-memory sample the starts come from (all rows when they are
        # few), each candidate then refitted on every row.
        thorough = (
            self.search == "thorough"
            and not self.noise
            and not isinstance(data, MissingValuesSource)
        )
        settings = self._settings(init.X, init.sample_weight, thorough)
        settings.update(
            noise=self.noise,
            noise_volume=self.noise_volume,
            noise_init=self.noise_init,
        )

        if self.noise:
            # One hypervolume and one initial noise mask for every candidate
            # (the rows as given: NaN there are refused with a clear error).
            log_volume, mask = resolve_noise(
                getattr(data, "X_missing", X),
                sample_weight,
                self.noise_volume,
                self.noise_init,
            )
            settings.update(noise_log_volume=log_volume, noise_mask=mask)
            kept = None if sample_weight is None else sample_weight[~mask]
            canonical = CanonicalRows.of(init.X[~mask], kept)
            n_usable = int(np.count_nonzero(~mask if kept is None else kept))
        else:
            # With missing values, the starts see each NaN as its feature's mean.
            canonical = CanonicalRows.of(init.X, init.sample_weight)
        parallel = Parallel(n_jobs=self.n_jobs, return_as="generator")
        feasible = [k for k in ks if k <= n_usable]
        too_many = {
            k: ValueError(
                f"n_components={k} exceeds the {n_usable} samples with a "
                "positive weight."
            )
            for k in ks
            if k not in feasible
        }
        candidates = [(k, t) for k in ks for t in types]
        if thorough:
            outcomes = self._thorough(
                init, canonical, feasible, types, settings, too_many, parallel
            )
            if init.n_rows < data.n_rows:
                outcomes = _refitted_on(
                    data,
                    outcomes,
                    {**settings, "random_state": self._random_state_for_candidates()},
                )
        else:
            outcomes = self._grid(
                data, canonical, feasible, types, settings, too_many, parallel
            )
        rows, estimators, errors = [], [], []
        outcomes = _with_progress(outcomes, len(candidates), self.progress)
        for (row, estimator, error, seconds) in outcomes:
            row["fit_time"] = seconds
            rows.append(row)
            estimators.append(estimator)
            errors.append(error)
            if self.verbose:
                self._print_candidate(row, error)

        self.results_ = self._results_table(rows)
        order = np.argsort(self.results_["rank"], kind="stable")
        best = int(order[0])
        if (
            estimators[best] is None
            or self.results_["degenerate"][best]
            or self.results_["spurious"][best]
        ):
            self._raise_no_sound_candidate(errors)

        self.best_index_ = best
        self.best_estimator_ = estimators[best]
        self.n_components_ = int(self.results_["n_components"][best])
        self.covariance_type_ = str(self.results_["covariance_type"][best])
        self.criterion_ = float(self.results_[self.criterion][best])
        self.n_iter_ = int(self.best_estimator_.n_iter_)
        self.labels_ = self.best_estimator_.labels_
        if not self.best_estimator_.converged_ and settings["max_iter"] > 0:
            warn_user(
                f"The selected model (n_components={self.n_components_}, "
                f"covariance_type={self.covariance_type_!r}) did not converge in "
                f"max_iter={settings['max_iter']} iterations; increase max_iter "
                "or tol.",
                ConvergenceWarning,
            )
        return self

    def _settings(self, X, sample_weight, thorough):
        """The resolved settings of every candidate (see the class's Notes)."""
        if self.init_params is not None:
            initializers = [(self.init_params, self.n_init)]
        elif thorough:
            initializers = [("hc", 1), ("kmeans", self.n_init)]
        else:
            initializers = [("kmeans", self.n_init)]
        reg_covar = self.reg_covar
        variances = _feature_variances(X, sample_weight)
        if thorough:
            positive = variances[variances > 0]
            reg_covar *= float(positive.min()) if positive.size else 1.0
        return {
            "search": "thorough" if thorough else "grid",
            "n_init": self.n_init,
            "init_params": initializers[0][0],
            "initializers": initializers if thorough else None,
            "max_iter": self.max_iter
            if self.max_iter is not None
            else (1000 if thorough else 100),
            "tol": self.tol if self.tol is not None else (1e-5 if thorough else 1e-3),
            "relative_tol": thorough,
            # The relative rule reads the log-likelihood in standardised units.
            "relative_offset": 0.5 * float(np.log(variances[variances > 0]).sum()),
            "reg_covar": reg_covar,
            "prior": self.prior,
            "criterion": self.criterion,
            "rounds": 2,
            "split_merge": True,
        }

    def _grid(self, data, canonical, ks, types, settings, too_many, parallel):
        """Every candidate fitted independently from the shared starts."""
        shared = {}
        for k, outcome in zip(
            ks,
            parallel(
                delayed(_shared_starts)(
                    data.init_source(),
                    canonical,
                    k,
                    types,
                    {**settings, "random_state": self._random_state_for_candidates()},
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
            delayed(_fit_candidate)(
                data,
                k,
                t,
                _starts_of(shared[k][0], t),
                {**settings, "random_state": self._random_state_for_candidates()},
            )
            for k, t in candidates
        )
        for (k, _), (row, estimator, error, seconds) in zip(
            candidates, outcomes, strict=True
        ):
            yield row, estimator, error, seconds + shared[k][1] / len(types)

    def _thorough(self, data, canonical, ks, types, settings, too_many, parallel):
        """The thorough search: one task per number of components."""
        per_k = dict(
            zip(
                ks,
                parallel(
                    delayed(_search_k)(
                        data,
                        canonical,
                        k,
                        types,
                        {
                            **settings,
                            "random_state": self._random_state_for_candidates(),
                        },
                    )
                    for k in ks
                ),
                strict=True,
            )
        )
        if settings["split_merge"]:
            with one_blas_thread():
                _split_and_merge(
                    data,
                    per_k,
                    {**settings, "random_state": self._random_state_for_candidates()},
                )
        for k in sorted(set(ks) | set(too_many)):
            for t in types:
                if k in per_k:
                    yield per_k[k][t]
                else:
                    yield _fit_candidate(data, k, t, too_many[k], settings)

    def _results_table(self, rows):
        results = {
            "n_components": np.array([r["n_components"] for r in rows], dtype=np.intp),
            "covariance_type": np.array(
                [r["covariance_type"] for r in rows], dtype=object
            ),
        }
        for key in ("bic", "aic", "icl", "log_likelihood"):
            results[key] = np.array([r[key] for r in rows], dtype=np.float64)
        results["n_parameters"] = np.array(
            [r["n_parameters"] for r in rows], dtype=np.intp
        )
        results["converged"] = np.array([r["converged"] for r in rows], dtype=bool)
        results["degenerate"] = np.array([r["degenerate"] for r in rows], dtype=bool)
        results["spurious"] = np.array([r["spurious"] for r in rows], dtype=bool)
        results["fit_time"] = np.array([r["fit_time"] for r in rows], dtype=np.float64)

        value = results[self.criterion]
        failed = ~np.isfinite(value)
        flagged = results["degenerate"] | results["spurious"]
        group = np.where(failed, 2, np.where(flagged, 1, 0))
        order = np.lexsort(
            (
                np.arange(len(rows)),
                results["n_parameters"],
                np.where(failed, 0.0, value),
                group,
            )
        )
        rank = np.empty(len(rows), dtype=np.intp)
        rank[order] = np.arange(1, len(rows) + 1)
        results["rank"] = rank
        return results

    def _raise_no_sound_candidate(self, errors):
        n_degenerate = int(self.results_["degenerate"].sum())
        n_failed = sum(error is not None for error in errors)
        first_error = next((e for e in errors if e is not None), None)
        raise ValueError(
            f"{type(self).__name__} found no sound candidate among "
            f"{len(errors)}: {n_degenerate} fit(s) are degenerate (a component "
            f"collapsed) and {n_failed} could not be fitted"
            + (f" (first error: {first_error})" if first_error is not None else "")
            + ". It never selects a degenerate model: include smaller numbers of "
            "components in n_components, increase reg_covar, or add jitter to "
            "discretised data. results_ lists every candidate."
        ) from first_error

    def _print_candidate(self, row, error):
        status = (
            f"failed: {error}"
            if error is not None
            else f"{self.criterion}={row[self.criterion]:.6g} "
            f"converged={row['converged']} degenerate={row['degenerate']}"
        )
        print(
            f"[{type(self).__name__}] n_components={row['n_components']} "
            f"covariance_type={row['covariance_type']!r} {status} "
            f"({row['fit_time']:.2f}s)"
        )

    # ------------------------------------------------- delegation to the winner
    def _validated(self, X):
        check_is_fitted(self)
        if is_streamed(X):  # Dask arrays, memory maps: the estimator validates
            return X
        return validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )

    def predict(self, X):
        """Most probable component of each sample under the chosen model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = self._validated(X)
        return self.best_estimator_.predict(X)

    def predict_proba(self, X):
        """Posterior probability of each component under the chosen model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components_ [+ 1])
            With ``noise=True``, the noise's probability is the last column.
        """
        X = self._validated(X)
        return self.best_estimator_.predict_proba(X)

    def predict_log_proba(self, X):
        """Log posterior probability of each component under the chosen model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_resp : ndarray of shape (n_samples, n_components_)
        """
        X = self._validated(X)
        return self.best_estimator_.predict_log_proba(X)

    def score_samples(self, X):
        """Log-likelihood of each sample under the chosen model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
        """
        X = self._validated(X)
        return self.best_estimator_.score_samples(X)

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood of X under the chosen model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the mean.

        Returns
        -------
        log_likelihood : float
        """
        X = self._validated(X)
        return self.best_estimator_.score(X, sample_weight=sample_weight)

    def bic(self, X):
        """Bayesian information criterion of the chosen model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bic : float
        """
        X = self._validated(X)
        return self.best_estimator_.bic(X)

    def aic(self, X):
        """Akaike information criterion of the chosen model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        aic : float
        """
        X = self._validated(X)
        return self.best_estimator_.aic(X)

    def sample(self, n_samples=1, random_state=None):
        """Draw samples from the chosen model.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Source of randomness; None uses the selector's ``random_state``.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        check_is_fitted(self)
        return self.best_estimator_.sample(n_samples, random_state=random_state)

