"""Which candidates the selector tries, and the scale of their settings."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np

from .._data_span import rows_thinnest_correlation, thinnest_correlation
from .._feature_values import smallest_gaps
from .._initialization import CanonicalRows
from .._missing import has_missing, mean_imputed
from .._noise import resolve_noise, too_few_outside_noise
from .._prior import ConjugatePrior, finite_number, resolve_prior
from .._prior_map import minimum_dof
from .._warn import warn_user
from ..covariance import available_covariance_types, get_covariance_model
from ..covariance._priors import prior_form_of
from ..covariance._registry import from_user_code
from ..exceptions import DegenerateStepError, NoSoundCandidateError
from ._progress import report_line


def candidate_ks(n_components):
    """The numbers of components to try, sorted and unique."""
    if isinstance(n_components, Integral) and not isinstance(n_components, bool):
        return list(range(1, int(n_components) + 1))
    iterable = not isinstance(n_components, str | bool) and hasattr(
        n_components, "__iter__"
    )
    values = list(n_components) if iterable else None
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


def candidate_types(covariance_types, n_features, few_rows=False):
    """Covariance type names to try, each structure once, validated now.

    None means every registered structure defined for ``n_features``; for
    one feature, only the one-feature structures (mclust's ``"E"`` and
    ``"V"``) when any are registered, as mclust does, since every other
    structure reduces to one of them. With ``few_rows`` (no more distinct
    rows of positive weight than features:
    ``_initialization._hierarchical.few_distinct_rows``), None means the
    axis-aligned structures only, as mclust's ``mclustBIC`` does: no
    covariance matrix can be estimated from so few rows, and off their span
    regularisation alone would set the criteria (on 20 rows of 200 features
    the search also ran for more than ten minutes).
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
        if n_features == 1 and univariate:
            return univariate
        if few_rows:
            aligned = [
                t for t in fitting if get_covariance_model(t).axis_aligned(n_features)
            ]
            return aligned or fitting
        return fitting
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
    check_types_fit(names, n_features)
    return names


def check_types_fit(
    names,
    n_features,
    parameter="covariance_types",
    remedy="or use covariance_types=None for every structure that fits",
    data="X has",
):
    """Refuse a structure defined for fewer features than X has.

    ``parameter``, ``remedy`` and ``data`` (what has ``n_features``) in the
    caller's terms (the imputer has no ``covariance_types=None``, the
    regressor fits ``[X, y]``).
    """
    for name in names:
        limit = _max_n_features(name)
        if limit is not None and n_features > limit:
            raise ValueError(
                f"{parameter} includes {name!r}, which is defined for at most "
                f"{limit} feature(s), but {data} {n_features} features; remove it "
                f"{remedy}."
            )


def feature_covariance(X, sample_weight):
    """The (weighted) covariance of the features, constant ones at zero.

    Its diagonal, the feature variances, sets the units of the thorough
    search's stopping rule (the log-likelihood in standardised units), and
    with the correlations the unit of its ``reg_covar``
    (:func:`regularisation_unit`), so that multiplying the data by a
    constant changes no fit.
    """
    X = np.asarray(X, dtype=np.float64)
    if sample_weight is not None:
        # Rows of weight zero count for nothing (their squares may not even
        # be finite): the same sums, without them.
        positive = np.asarray(sample_weight) > 0
        X, sample_weight = X[positive], np.asarray(sample_weight)[positive]
        if sample_weight.size:
            # A common factor changes nothing; weights summing below the
            # smallest float (1e-320 each) would divide by zero.
            sample_weight = sample_weight / sample_weight.max()
    with np.errstate(over="ignore", invalid="ignore"):
        # The rounding of a constant feature's mean at 1e200 has squares
        # beyond float64 (zeroed below); overflowing spreads the fit names.
        covariance = np.atleast_2d(
            np.cov(X, rowvar=False, aweights=sample_weight, bias=True)
        )
    # A constant feature has no variance: the rounding of its mean (1e-33
    # for a column of 0.7, exactly 0 for one of 2.0) would otherwise set
    # reg_covar and the units of the stopping rule, differently at each scale.
    if X.shape[0]:
        constant = np.ptp(X, axis=0) == 0
        covariance[constant, :] = covariance[:, constant] = 0.0
    return covariance


def regularisation_unit(covariance, thinnest=None):
    """The thorough search's unit of ``reg_covar``: the data's thinnest spread.

    The smallest positive feature variance times the smallest eigenvalue of
    the data's correlation matrix in its span (``_data_span``, the span the
    degenerate test reads): a lower bound of the data covariance's smallest
    eigenvalue there, unchanged in units of the data. A feature nearly a
    linear function of others (a price and the midpoint of its range; points
    near a tilted plane) leaves the data a direction far thinner than any
    feature: in units of the feature variances alone, ``reg_covar`` was a
    sizeable part of the components' variance there (14 BIC units on K = 1
    of five features near a plane, and 54 of 124 cells more than one unit
    below mclust's).

    Parameters
    ----------
    covariance : ndarray of shape (n_features, n_features)
        :func:`feature_covariance` of the data.
    thinnest : float or None, default=None
        The correlation's eigenvalue along a direction the rows spread but
        the span drops (``_data_span.rows_thinnest_correlation``: rows 1e-5
        of their spread off a plane; a unit read from the span alone swamped
        that direction, 2,700 BIC units from mclust's pick); None reads the
        span of ``covariance``.

    Returns
    -------
    unit : float
    """
    variances = np.diag(covariance)
    positive = variances > 0
    if not positive.any():
        return 1.0
    if thinnest is None:
        varying = covariance[np.ix_(positive, positive)]
        # A covariance is the scatter of a unit weight.
        thinnest = thinnest_correlation(varying, 1.0)
    return float(variances[positive].min()) * thinnest


def results_table(rows, criterion, n_features=None, units_shift=0.0):
    """The ``results_`` of the selector: one array per column, ranked.

    With ``n_features``, ties (see :func:`rank_candidates`) between
    structures of as many parameters go to the one of fewer parameters at
    one more component (EEE before VVV with one component, as mclust).
    ``units_shift`` is what the criteria lose in standardised units
    (``2 n c``, ``c`` the relative rule's offset): ties are read there.
    """
    results = {
        "n_components": np.array([r["n_components"] for r in rows], dtype=np.intp),
        "covariance_type": np.array([r["covariance_type"] for r in rows], dtype=object),
    }
    for key in ("bic", "aic", "icl", "log_likelihood"):
        results[key] = np.array([r[key] for r in rows], dtype=np.float64)
    results["n_parameters"] = np.array([r["n_parameters"] for r in rows], dtype=np.intp)
    results["converged"] = np.array([r["converged"] for r in rows], dtype=bool)
    results["degenerate"] = np.array([r["degenerate"] for r in rows], dtype=bool)
    results["spurious"] = np.array([r["spurious"] for r in rows], dtype=bool)
    results["fit_time"] = np.array([r["fit_time"] for r in rows], dtype=np.float64)

    results["rank"] = rank_results(results, criterion, n_features, units_shift)
    return results


def rank_results(results, criterion, n_features=None, units_shift=0.0):
    """The ``rank`` column of a table of candidates (:func:`rank_candidates`).

    Sound fits first, ties to fewer parameters, then (with ``n_features``)
    to fewer at one more component (EEE before VVV with one component, as
    mclust); one-component fits of one model tie (:func:`_one_component_ties`).
    The selector's table and the classifier's joined tables rank alike.
    """
    flagged = results["degenerate"] | results.get(
        "spurious", np.zeros_like(results["degenerate"])
    )
    complexity = None
    if n_features is not None:
        complexity = np.array(
            [
                get_covariance_model(name).n_parameters(int(k) + 1, n_features)
                for name, k in zip(
                    results["covariance_type"], results["n_components"], strict=True
                )
            ],
            dtype=np.intp,
        )
    return rank_candidates(
        _one_component_ties(results, criterion, flagged, units_shift),
        flagged,
        results["n_parameters"],
        complexity,
        units_shift,
    )


#: One-component fits of one covariance form and as many parameters within
#: this (relative, in standardised units) of the best of them are one model
#: (:func:`_one_component_ties`): their solvers' rounding reached 3e-8 on
#: rows 1e-6 off a plane; a structure of the same form and count that is
#: another model (a registered shrinkage estimator) differs by far more.
ONE_MODEL_TOLERANCE = 1e-6


def _one_component_ties(results, criterion, flagged, units_shift=0.0):
    """The criteria to rank by: one-component fits of one model tied exactly.

    With one component the constraints between components say nothing, and
    structures of the same covariance form (``prior_form_of``: a matrix, a
    diagonal, a sphere) and as many parameters are one model (EEE, EVE,
    VVV, ...): their fits differ by the rounding of their solvers only. On
    data nearly flat in some direction that rounding exceeds
    :data:`TIE_TOLERANCE` (1e-4 BIC units on rows 1e-6 off a plane, 3e-8
    relative), and the label among them followed it, and the rows' order.
    Those within :data:`ONE_MODEL_TOLERANCE` of their group's best (its
    flagged fits apart from its sound ones) rank by that best value, so
    the tie rule picks the label.
    """
    values = np.array(results[criterion], dtype=np.float64)
    groups = {}
    for index in np.flatnonzero(np.isfinite(values)):
        key = one_model_key(results, index)
        if key is not None:
            groups.setdefault((*key, bool(flagged[index])), []).append(index)
    for members in groups.values():
        best = values[members].min()
        reach = ONE_MODEL_TOLERANCE * max(abs(best - units_shift), 1.0)
        values[[m for m in members if values[m] - best <= reach]] = best
    return values


def one_model_key(results, index):
    """What makes row ``index`` of a table one model with others, or None.

    One-component fits of the same covariance form (``prior_form_of``) and
    as many parameters share the key (see :func:`_one_component_ties`);
    other rows, and structures no longer registered, have none.
    """
    if int(results["n_components"][index]) != 1:
        return None
    try:
        model = get_covariance_model(results["covariance_type"][index])
    except ValueError:
        return None
    return prior_form_of(model), int(results["n_parameters"][index])


# Criteria closer than this (relative) are tied: the same model reached by
# two structures in closed form (EEE, EEV, VVV with one component) differs
# by rounding (1e-12 relative measured), far below any difference a
# criterion can mean. (One-component fits of one model whose inner
# iterations leave them further apart tie through _one_component_ties.)
TIE_TOLERANCE = 1e-9


def rank_candidates(values, flagged, n_parameters, complexity=None, units_shift=0.0):
    """Ranks (1 = best): sound fits by criterion, then flagged ones, then failed.

    ``values`` are lower-is-better criteria (NaN or inf: the fit failed),
    ``flagged`` marks degenerate or spurious fits. Values within
    :data:`TIE_TOLERANCE` (relative, of the value less ``units_shift``:
    the criterion in standardised units, so that ties do not depend on the
    data's units) of the first of a run are ties, broken by fewer
    parameters, then by smaller ``complexity`` when given, then by order:
    the pick does not depend on rounding.
    """
    values = np.asarray(values, dtype=np.float64)
    failed = ~np.isfinite(values)
    group = np.where(failed, 2, np.where(flagged, 1, 0))
    index = np.arange(values.size)
    extra = np.zeros(values.size) if complexity is None else complexity
    order = np.lexsort(
        (index, extra, n_parameters, np.where(failed, 0.0, values), group)
    )
    start = 0
    while start < order.size:
        first = order[start]
        end = start + 1
        if not failed[first]:
            reach = TIE_TOLERANCE * max(abs(values[first] - units_shift), 1.0)
            while (
                end < order.size
                and group[order[end]] == group[first]
                and values[order[end]] - values[first] <= reach
            ):
                end += 1
        run = order[start:end]
        order[start:end] = run[np.lexsort((index[run], extra[run], n_parameters[run]))]
        start = end
    rank = np.empty(values.size, dtype=np.intp)
    rank[order] = np.arange(1, values.size + 1)
    return rank


#: What ``tol=None`` and ``max_iter=None`` mean: mclust's relative rule and
#: its tolerance where the settings take the thorough search's meaning,
#: GaussianMixture's defaults for the grid.
DEFAULT_STOPPING = {
    "thorough": {"tol": 1e-5, "max_iter": 1000},
    "grid": {"tol": 1e-3, "max_iter": 100},
}


#: The thorough search's starts when ``init_params=None``: mclust's
#: hierarchical partition and ``n_init`` k-means ones.
THOROUGH_INITIALIZERS = ("mclust_hc", "kmeans")


def search_settings(params, rows, thorough, relative=None, shared=False):
    """The resolved settings of every candidate (see the selector's Notes).

    ``params`` are the selector's parameters (``get_params()``); ``rows``
    the source of the rows the starts see, whose feature variances (and,
    without missing values, their spread along the data's thinnest
    directions) scale ``reg_covar`` and the relative stopping rule.
    ``thorough`` runs the thorough search's starts and proposals;
    ``relative`` (``thorough`` when None) gives ``tol``, ``max_iter`` and
    ``reg_covar`` the thorough search's meaning: ``search="thorough"`` on
    data the thorough search cannot take yet (missing values, a noise
    component) fits the grid's candidates, converged and regularised as
    the thorough search's. ``shared`` gives such candidates the thorough
    search's shared starts (hierarchical and k-means, each run to its end)
    without its proposals: with a noise component, k-means starts alone
    left a quarter of the cells on Old Faithful more than one BIC unit
    below mclust's.
    """
    relative = thorough if relative is None else relative
    stopping = DEFAULT_STOPPING["thorough" if relative else "grid"]
    if params["init_params"] is not None:
        initializers = [(params["init_params"], params["n_init"])]
    elif thorough or shared:
        hierarchical, kmeans = THOROUGH_INITIALIZERS
        initializers = [(hierarchical, 1), (kmeans, params["n_init"])]
    else:
        initializers = [("kmeans", params["n_init"])]
    reg_covar = params["reg_covar"]
    sample_weight = rows.sample_weight
    X, observed = _imputed_and_observed(
        getattr(rows, "X_missing", rows.X), sample_weight
    )
    covariance = feature_covariance(X, sample_weight)
    variances = np.diag(covariance)
    if relative:
        # The rows are read where none is missing (mean-filled rows would
        # spread along a dependency).
        thinnest = rows_thinnest_correlation(rows) if observed.all() else None
        reg_covar *= regularisation_unit(covariance, thinnest)
    return {
        "search": "thorough" if thorough else "grid",
        # reg_covar in units of the data's thinnest spread, tol mclust's
        # relative rule: the thorough search's meaning of the parameters.
        "relative_units": relative,
        "n_init": params["n_init"],
        "init_params": initializers[0][0],
        "initializers": initializers if thorough or shared else None,
        "max_iter": params["max_iter"]
        if params["max_iter"] is not None
        else stopping["max_iter"],
        "tol": params["tol"] if params["tol"] is not None else stopping["tol"],
        "relative_tol": relative,
        # The relative rule reads the log-likelihood in standardised units;
        # a prior's log|Sigma_k| moves with every feature's unit, observed
        # or not (see _starts.relative_offset).
        "relative_offset": _standardising_offset(variances, observed),
        "every_feature_offset": _standardising_offset(variances, observed, False),
        "reg_covar": reg_covar,
        "prior": params["prior"],
        "criterion": params["criterion"],
        "rounds": 2,
        "split_merge": True,
        "lattice_steps": _lattice_steps(X, sample_weight) if thorough else None,
    }


def _lattice_steps(X, sample_weight):
    """``EMOptions.lattice_steps``: each feature's smallest step, or None.

    The smallest gap between two distinct values of each feature among the
    rows the starts see (``_feature_values.smallest_gaps``: 0 for a constant
    feature or one of too many values to be a lattice, where nothing
    stops). Only for unweighted rows, where responsibilities are rows'
    worth (see ``_engine.EMOptions.lattice_steps``).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    sample_weight : ndarray of shape (n,) or None

    Returns
    -------
    steps : ndarray of shape (d,) or None
    """
    if sample_weight is not None:
        return None
    X = np.asarray(X)
    gaps = smallest_gaps(lambda: [(X, None, None)], range(X.shape[1]))
    return np.array([gaps[j] for j in range(X.shape[1])])


def _imputed_and_observed(X, sample_weight):
    """``X`` with each NaN at its feature's mean, and each feature's observed share.

    The share is the weight of the rows observing the feature over all rows'
    (1 for every feature of complete data).
    """
    X = np.asarray(X)
    if not has_missing(X):
        return X, np.ones(X.shape[1])
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    w = np.where(w > 0, w, 0.0)
    observed = (w @ ~np.isnan(X)) / w.sum()
    return mean_imputed(X, sample_weight), observed


def _standardising_offset(variances, observed, shares=True):
    """What the mean log-likelihood gains per row in standardised units.

    ``0.5 sum_j f_j log v_j`` over the features of positive variance, with
    ``f_j`` the share of rows observing feature ``j``: a row's
    log-likelihood changes by ``-log s`` per *observed* feature of unit
    ``s``, so the share keeps the relative rule free of the data's units when
    values are missing (mean imputation shrinks the variance by that share;
    it is divided back out). ``shares=False`` counts every feature once
    (``f_j = 1`` in the sum), as a covariance's log-determinant moves.
    """
    positive = (variances > 0) & (observed > 0)
    observed_variances = variances[positive] / observed[positive]
    log_variances = np.log(observed_variances)
    if shares:
        log_variances = observed[positive] * log_variances
    return 0.5 * float(log_variances.sum())


def raise_no_sound_candidate(name, results, errors, prior=None):
    """The error of a search whose every candidate is degenerate, spurious or failed.

    Under a ``prior`` the degenerate candidates have an empty component (the
    prior bounds every covariance), so its remedies are not offered again.
    """
    degenerate = np.asarray(results["degenerate"], dtype=bool)
    spurious = np.asarray(results["spurious"], dtype=bool) & ~degenerate
    n_failed = sum(error is not None for error in errors)
    first_error = next((e for e in errors if e is not None), None)
    raise NoSoundCandidateError(
        f"{name} found no sound candidate among {len(errors)}: "
        f"{int(degenerate.sum())} fit(s) are degenerate (a component "
        f"collapsed), {int(spurious.sum())} spurious (a component far "
        "narrower than another, or oriented by too few rows) and "
        f"{n_failed} could not be fitted"
        + (f" (first error: {first_error})" if first_error is not None else "")
        + ". It never selects a degenerate or spurious model: include smaller "
        "numbers of components in n_components, "
        + (
            "pass prior='default' (mclust's conjugate prior), increase "
            "reg_covar, or add jitter to discretised data."
            if prior is None
            else "or fit more rows (under the prior a degenerate candidate "
            "has a component that describes no row)."
        )
        + " results_ lists every candidate."
    ) from first_error


def candidate_line(name, criterion, row, error):
    """The verbose line of one candidate."""
    status = (
        f"failed: {error}"
        if error is not None
        else f"{criterion}={row[criterion]:.6g} "
        f"converged={row['converged']} degenerate={row['degenerate']}"
    )
    return (
        f"[{name}] n_components={row['n_components']} "
        f"covariance_type={row['covariance_type']!r} {status} "
        f"({row['fit_time']:.2f}s)"
    )


def collect_outcomes(outcomes, name, criterion, verbose):
    """``(rows, estimators, errors)`` of the candidates' outcomes, in order.

    Each outcome is ``(row, estimator, error, seconds)``; the row gains
    ``fit_time``, and with ``verbose`` each candidate prints its line.
    """
    rows, estimators, errors = [], [], []
    for row, estimator, error, seconds in outcomes:
        row["fit_time"] = seconds
        rows.append(row)
        estimators.append(estimator)
        errors.append(error)
        if verbose:
            report_line(candidate_line(name, criterion, row, error))
    return rows, estimators, errors


def warn_failed_user_structures(rows, errors):
    """Warn once per structure from user code whose candidates failed.

    A failed candidate is left out of the search (a row without criterion);
    for a built-in structure that is a fit that breaks down on its rows. A
    structure registered in user code whose M-step raises, or returns what
    is not a covariance, would vanish from the search silently: its first
    error is said. A breakdown on the rows (``DegenerateStepError``) is
    not its fault and is not said.
    """
    failed = {}
    for row, error in zip(rows, errors, strict=True):
        name = row["covariance_type"]
        if error is None or isinstance(error, DegenerateStepError):
            continue
        if not from_user_code(get_covariance_model(name)):
            continue
        first, count = failed.get(name, (error, 0))
        failed[name] = (first, count + 1)
    for name, (first, count) in failed.items():
        total = sum(row["covariance_type"] == name for row in rows)
        warn_user(
            f"{count} of the {total} candidates of covariance_type {name!r} "
            "(registered in user code) failed and are left out of the search; "
            f"the first: {type(first).__name__}: {str(first).rstrip('.')}. Mend "
            "the structure, or leave it out of covariance_types.",
            UserWarning,
        )


def starting_rows(data, init, settings, noise_volume, noise_init, n_usable):
    """The rows the starts cluster, and how many rows of positive weight.

    With a noise component, one hypervolume and one initial noise mask serve
    every candidate (``settings`` gains them) and the starts cluster the
    rows outside the mask; with missing values, the starts see each NaN as
    its feature's mean.
    """
    if not settings["noise"]:
        return CanonicalRows.of(init.X, init.sample_weight), n_usable
    # The rows as given: NaN there are refused with a clear error.
    log_volume, mask = resolve_noise(
        getattr(data, "X_missing", data.X), data.sample_weight, noise_volume, noise_init
    )
    settings.update(noise_log_volume=log_volume, noise_mask=mask)
    kept = None if data.sample_weight is None else data.sample_weight[~mask]
    n_usable = int(np.count_nonzero(~mask if kept is None else kept))
    return CanonicalRows.of(init.X[~mask], kept), n_usable


def feasible_counts(ks, n_usable, noise_mask=None):
    """The numbers of components the rows can start, and an error for the others.

    When no number asked for is feasible, the search is refused up front:
    no candidate's remedies (a prior, reg_covar, jitter) would help.

    Parameters
    ----------
    ks : list of int
        The numbers of components asked for.
    n_usable : int
        Rows of positive weight (outside the initial noise mask with a noise
        component, see :func:`starting_rows`).
    noise_mask : ndarray of bool or None
        The initial noise mask, with a noise component.

    Returns
    -------
    feasible : list of int
    too_many : dict
        ``{n_components: ValueError}`` for the others.
    """

    def error(k):
        if noise_mask is not None:
            return too_few_outside_noise(noise_mask, n_usable, k)
        return ValueError(
            f"n_components={k} exceeds the {n_usable} rows of weight >0: reduce "
            "n_components."
        )

    feasible = [k for k in ks if k <= n_usable]
    too_many = {k: error(k) for k in ks if k not in feasible}
    if not feasible:
        raise too_many[min(ks)]  # the most lenient number asked for
    return feasible, too_many


def check_search_prior(prior, data, types, ks):
    """Raise the error of a prior that fits no candidate, before the search.

    Every check of ``_prior.resolve_prior`` that does not depend on the
    candidate; an explicit ``dof`` (whose floor depends on the structure
    and K) is held to the most lenient candidate of ``types`` (names) and
    ``ks``: below it, no candidate can take the prior, and each one's
    failure would bury the reason in a ``NoSoundCandidateError``.
    """
    explicit = isinstance(prior, ConjugatePrior) and finite_number(prior.dof)
    common = prior
    if explicit:
        common = ConjugatePrior(**{**prior.get_params(), "dof": None})
    resolve_prior(common, get_covariance_model("VVV"), data, 1)
    if not (explicit and types and ks):
        return
    d = data.n_features
    pairs = [(get_covariance_model(t), k) for t in types for k in ks]
    floors = [minimum_dof(m, d, k, prior.shrinkage) for m, k in pairs]
    model, k = pairs[int(np.argmin(floors))]
    try:
        resolve_prior(prior, model, data, k)
    except ValueError as error:
        raise ValueError(f"No candidate of the search can take it: {error}") from None
