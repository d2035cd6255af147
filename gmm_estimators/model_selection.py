"""Model selection for Gaussian mixtures: scorers, an in-sample splitter, a selector.

Three tools, from the most to the least scikit-learn-generic:

- :func:`bic_score`, :func:`aic_score` and :func:`icl_score` are scorers
  ``scorer(estimator, X, y=None)`` for :class:`~sklearn.model_selection.GridSearchCV`
  and friends (a dict of them gives multi-metric search). They accept a bare
  mixture or a :class:`~sklearn.pipeline.Pipeline` whose last step is a
  mixture, give a degenerate fit the worst score, and return the *negated*
  criterion because scikit-learn maximises scores. :func:`icl` computes the
  integrated completed likelihood criterion itself.
- :class:`InSampleSplit` is a one-split cross-validator whose train and test
  sets are both the whole data, so that ``GridSearchCV(..., cv=InSampleSplit())``
  computes information criteria the way they are defined: in-sample.
- :class:`GaussianMixtureIC` searches numbers of components and covariance
  structures in one call, sharing the k-means initialisation of each number of
  components between all structures, and never chooses a degenerate fit.

Sign conventions
----------------
Everything in this package follows scikit-learn's *lower-is-better* form:

* ``BIC = -2 log L + p log n``,
* ``AIC = -2 log L + 2 p``,
* ``ICL = BIC - 2 sum_i sum_k c_ik log z_ik``, with ``z_ik`` the posterior
  probability of component ``k`` for row ``i`` and ``c_ik`` the one-hot
  most-probable (MAP) labelling; the added term, minus twice the summed log
  posterior of each row's MAP component, penalises uncertain classifications,
  so ``ICL >= BIC``, with equality when posteriors are 0 or 1.

``log L`` is the total (not mean) log-likelihood and ``p`` the number of free
parameters. R's mclust reports ``2 log L - p log n``, which is the same number
with the sign flipped (higher is better); the scorers here return ``-BIC``,
``-AIC`` and ``-ICL``, which therefore *equal* mclust's values. The selector's
``criterion_`` and ``results_`` use the lower-is-better form, like
:meth:`GaussianMixture.bic`.

In-sample criteria versus held-out scores
-----------------------------------------
BIC is an in-sample criterion: the model is fitted to all ``n`` rows and the
log-likelihood of those same rows is penalised by ``p log n``; it approximates
``-2`` times the log marginal likelihood of the model. scikit-learn's gallery
example *Gaussian Mixture Model Selection* instead runs ``GridSearchCV`` with
its default 5-fold cross-validation and a BIC scorer, so each score is the
log-likelihood of a *held-out* fold (``n / 5`` rows) under a model fitted to
the other folds, penalised by ``p log(n / 5)``. That is a hybrid: held-out
likelihood already penalises overfitting, the penalty then counts it again with
the fold's size, and fitting on 80% of the data changes which models can be
supported. It can choose a different model than BIC proper (see the example
``plot_grid_search_pipeline.py``). Pass ``cv=InSampleSplit()`` to compute the
criterion as Schwarz and mclust define it, or use :class:`GaussianMixtureIC`,
which does so by construction and is much faster.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import dataclasses
import inspect
import math
import sys
import warnings
from numbers import Integral, Real
from time import perf_counter

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import BaseCrossValidator
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_is_fitted,
    validate_data,
)

from . import _em, _missing
from ._covariance import available_covariance_types, get_covariance_model
from ._gaussian_mixture import GaussianMixture
from ._initialization import INITIALIZERS, CanonicalRows, initial_responsibilities
from ._prior import ConjugatePrior, resolve_prior
from .exceptions import DegenerateFitWarning

__all__ = [
    "WORST_SCORE",
    "GaussianMixtureIC",
    "InSampleSplit",
    "aic_score",
    "bic_score",
    "icl",
    "icl_score",
]

#: Score the scorers give a degenerate fit. ``GridSearchCV`` ranks it last;
#: it also warns that some test scores are non-finite, which is expected.
WORST_SCORE = -np.inf

_CRITERIA = ("bic", "aic", "icl")


# ---------------------------------------------------------------------------
# Criteria and scorers


def _final_step(estimator, X):
    """The mixture that does the scoring and X as that mixture sees it."""
    if isinstance(estimator, Pipeline):
        if len(estimator) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator[-1]
    if not hasattr(estimator, "bic"):
        raise TypeError(
            "Expected a fitted Gaussian mixture (an estimator with a bic method) or "
            f"a Pipeline ending with one; got {type(estimator).__name__}."
        )
    return estimator, X


def _log_posteriors(mixture, X):
    if hasattr(mixture, "predict_log_proba"):
        return mixture.predict_log_proba(X)
    # scikit-learn's mixtures have no predict_log_proba; the MAP posterior is
    # at least 1 / n_components, so its logarithm is always finite.
    with np.errstate(divide="ignore"):
        return np.log(mixture.predict_proba(X))


def icl(estimator, X):
    """Integrated completed likelihood criterion of a fitted mixture (lower is better).

    ``ICL = BIC - 2 sum_i sum_k c_ik log z_ik`` (Biernacki, Celeux and Govaert,
    2000), where ``z_ik`` are the posterior probabilities (``predict_log_proba``)
    and ``c_ik`` the one-hot most-probable labelling. The second term,
    ``-2 sum_i log z_i,MAP``, is a classification entropy: ICL adds to BIC a
    penalty for components that overlap, and so prefers well-separated
    clusters.

    Parameters
    ----------
    estimator : fitted mixture or Pipeline
        A fitted :class:`~gmm_estimators.GaussianMixture` (or any mixture with
        ``bic`` and ``predict_log_proba`` or ``predict_proba``), or a fitted
        :class:`~sklearn.pipeline.Pipeline` whose last step is one; then X is
        transformed by the preceding steps first.
    X : array-like of shape (n_samples, n_features)
        Data on which to evaluate the criterion, usually the training data.

    Returns
    -------
    icl : float
        The criterion in scikit-learn's lower-is-better form; mclust reports
        ``-icl``. Always ``>= estimator.bic(X)``.

    See Also
    --------
    icl_score : The negated criterion, as a scorer for ``GridSearchCV``.

    Examples
    --------
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import icl
    >>> X = load_old_faithful(return_X_y=True)
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> round(gm.bic(X), 1), round(icl(gm, X), 1)
    (2322.2, 2322.7)
    """
    mixture, X = _final_step(estimator, X)
    log_resp = _log_posteriors(mixture, X)
    # sum_k c_ik log z_ik is the log posterior of the MAP component.
    map_log_resp = float(np.max(log_resp, axis=1).sum(dtype=np.float64))
    return float(mixture.bic(X)) - 2.0 * map_log_resp


def _changed_params(estimator, prefix=""):
    """Parameters that differ from their defaults, named as in a grid search."""
    if isinstance(estimator, Pipeline):
        changed = {}
        for name, step in estimator.steps:
            if hasattr(step, "get_params"):
                changed.update(_changed_params(step, f"{prefix}{name}__"))
        return changed
    init = type(estimator).__init__
    init = getattr(init, "deprecated_original", init)
    defaults = {
        p.name: p.default
        for p in inspect.signature(init).parameters.values()
        if p.default is not inspect.Parameter.empty
    }
    changed = {}
    for key, value in estimator.get_params(deep=False).items():
        if key in defaults and repr(value) == repr(defaults[key]):
            continue
        changed[prefix + key] = value
    return changed


def _degenerate_components(mixture):
    collapsed = getattr(mixture, "collapsed_components_", None)
    if collapsed is None:
        return None
    collapsed = np.asarray(collapsed)
    return collapsed if collapsed.size else None


def _score(name, criterion, estimator, X):
    mixture, Xt = _final_step(estimator, X)
    collapsed = _degenerate_components(mixture)
    if collapsed is not None:
        params = ", ".join(f"{k}={v!r}" for k, v in _changed_params(estimator).items())
        warnings.warn(
            f"{name}: the candidate {{{params}}} is a degenerate fit (component(s) "
            f"{collapsed.tolist()} collapsed onto too few distinct points), so its "
            f"criterion is not meaningful; it gets the worst score {WORST_SCORE}. "
            "Reduce n_components, increase reg_covar, or add jitter to "
            "discretised data.",
            DegenerateFitWarning,
            stacklevel=3,
        )
        return WORST_SCORE
    return -float(criterion(mixture, Xt))


def bic_score(estimator, X, y=None):
    """Negated Bayesian information criterion, a scorer for ``GridSearchCV``.

    Returns ``-estimator.bic(X)`` (higher is better, equal to mclust's BIC).
    A degenerate fit (non-empty ``collapsed_components_``) gets
    :data:`WORST_SCORE` (``-inf``) and a
    :class:`~gmm_estimators.DegenerateFitWarning` naming the candidate's
    parameters; ``GridSearchCV`` then ranks it last (and warns that some
    scores are non-finite). If *every* candidate is degenerate they tie and
    ``GridSearchCV`` refits the first one: check ``cv_results_``, or use
    :class:`GaussianMixtureIC`, which raises instead. Mixtures without
    ``collapsed_components_`` (scikit-learn's) are scored as they are.

    Parameters
    ----------
    estimator : fitted mixture or Pipeline
        A fitted mixture with a ``bic`` method, or a fitted
        :class:`~sklearn.pipeline.Pipeline` whose last step is one; X is then
        transformed by the preceding steps before scoring.
    X : array-like of shape (n_samples, n_features)
        Data to score; use ``cv=InSampleSplit()`` so that it is the training
        data, as BIC requires.
    y : Ignored
        Not used, present for the scorer protocol.

    Returns
    -------
    score : float

    See Also
    --------
    aic_score, icl_score, InSampleSplit, GaussianMixtureIC

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import InSampleSplit, bic_score
    >>> X = load_old_faithful(return_X_y=True)
    >>> search = GridSearchCV(
    ...     GaussianMixture(random_state=0),
    ...     {"n_components": [1, 2, 3], "covariance_type": ["full", "tied"]},
    ...     scoring=bic_score,
    ...     cv=InSampleSplit(),
    ... ).fit(X)
    >>> search.best_params_
    {'covariance_type': 'full', 'n_components': 2}
    >>> round(float(search.best_score_), 1)
    -2322.2
    """
    return _score("bic_score", lambda m, Xt: m.bic(Xt), estimator, X)


def aic_score(estimator, X, y=None):
    """Negated Akaike information criterion, a scorer for ``GridSearchCV``.

    Returns ``-estimator.aic(X)`` (higher is better). Degenerate fits get
    :data:`WORST_SCORE` with a warning, as in :func:`bic_score`.

    Parameters
    ----------
    estimator : fitted mixture or Pipeline
        A fitted mixture with an ``aic`` method, or a fitted Pipeline ending
        with one.
    X : array-like of shape (n_samples, n_features)
        Data to score (the training data for an in-sample criterion).
    y : Ignored
        Not used, present for the scorer protocol.

    Returns
    -------
    score : float

    See Also
    --------
    bic_score, icl_score
    """
    return _score("aic_score", lambda m, Xt: m.aic(Xt), estimator, X)


def icl_score(estimator, X, y=None):
    """Negated integrated completed likelihood criterion, a scorer.

    Returns ``-icl(estimator, X)`` (higher is better, equal to mclust's ICL).
    Degenerate fits get :data:`WORST_SCORE` with a warning, as in
    :func:`bic_score`.

    Parameters
    ----------
    estimator : fitted mixture or Pipeline
        A fitted mixture, or a fitted Pipeline ending with one.
    X : array-like of shape (n_samples, n_features)
        Data to score (the training data for an in-sample criterion).
    y : Ignored
        Not used, present for the scorer protocol.

    Returns
    -------
    score : float

    See Also
    --------
    icl, bic_score
    """
    return _score("icl_score", icl, estimator, X)


# ---------------------------------------------------------------------------
# Splitter


class InSampleSplit(BaseCrossValidator):
    """One split whose training and test sets are both the whole data.

    Information criteria such as BIC, AIC and ICL are in-sample: they
    penalise the log-likelihood of the very data the model was fitted to.
    ``GridSearchCV(..., scoring=bic_score, cv=InSampleSplit())`` therefore
    computes them as defined, instead of on held-out folds.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.model_selection import InSampleSplit
    >>> cv = InSampleSplit()
    >>> cv
    InSampleSplit()
    >>> [(train.tolist(), test.tolist()) for train, test in cv.split(np.zeros((3, 2)))]
    [([0, 1, 2], [0, 1, 2])]
    >>> cv.get_n_splits()
    1
    """

    def split(self, X, y=None, groups=None):
        """Yield the single split ``(arange(n), arange(n))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; only its number of rows is used.
        y : Ignored
            Not used, present for API consistency.
        groups : Ignored
            Not used, present for API consistency.

        Yields
        ------
        train : ndarray of shape (n_samples,)
        test : ndarray of shape (n_samples,)
        """
        n_samples = _num_samples(X)
        yield np.arange(n_samples), np.arange(n_samples)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits: always 1.

        Parameters
        ----------
        X, y, groups : Ignored
            Not used, present for API consistency.

        Returns
        -------
        n_splits : int
        """
        return 1


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


def _final_e_step(mixture, X, sample_weight):
    """Labels, total log-likelihood and ``sum_i w_i log z_i,MAP``, in one pass.

    The selector's candidates need both the labels of ``fit`` and the terms
    of the criteria; one E-step over X gives them together.
    """

    def reduce(weighted_log_prob):
        top, labels = _em.row_max_argmax(weighted_log_prob)
        log_norm = _em.log_normalizer(weighted_log_prob, top).astype(np.float64)
        # log z of the MAP component: its weighted log-density minus log p(x).
        return np.column_stack([log_norm, top - log_norm, labels]).ravel()

    per_row = mixture._blockwise(X, reduce).reshape(-1, 3)
    labels = per_row[:, 2].astype(np.intp)
    terms = per_row[:, :2]
    terms = terms.sum(axis=0) if sample_weight is None else sample_weight @ terms
    return labels, terms[0], terms[1]


def _shared_starts(data, canonical, n_components, covariance_types, settings):
    """Starting parameters of every structure for one number of components.

    The initial partitions (``n_init`` of them) are drawn once, exactly as
    ``GaussianMixture.fit`` draws them (same initialiser, same canonical row
    order, same random stream); each structure's start is then the package's
    own M-step on that partition. Structures that need the same kind of
    scatter share the sufficient statistics.

    ``data`` is the summary of the data (``_em.FitData``) and ``canonical``
    the initialisers' view of its rows (``CanonicalRows``), both computed once
    for every candidate. BLAS is held to one thread, as in
    ``GaussianMixture.fit``.

    Returns
    -------
    starts : dict or Exception
        ``{covariance_type: [(weights, means, precisions), ...] or Exception}``,
        or the error that made the initial partition impossible.
    seconds : float
    """
    start = perf_counter()
    with _em.one_blas_thread():
        starts = _starts_from_partitions(
            data, canonical, n_components, covariance_types, settings
        )
    return starts, perf_counter() - start


def _starts_from_partitions(data, canonical, n_components, covariance_types, settings):
    """The ``starts`` of :func:`_shared_starts`."""
    random_state = check_random_state(settings["random_state"])
    try:
        partitions = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(settings["n_init"]):
                partitions.append(
                    initial_responsibilities(
                        settings["init_params"],
                        data.X,
                        n_components,
                        data.sample_weight,
                        random_state,
                        canonical=canonical,
                    )
                )
    except (ValueError, np.linalg.LinAlgError) as error:
        return error

    starts = {name: [] for name in covariance_types}
    # Structures with per-component matrices first: their raw moments, when
    # accurate, hold the statistics of every other structure too.
    covariance_types = sorted(
        covariance_types, key=lambda name: get_covariance_model(name).scatter != "full"
    )
    for resp_of_rows in partitions:
        statistics = {}  # by the kind of scatter the structures need
        for name in covariance_types:
            if isinstance(starts[name], Exception):
                continue
            try:
                model = get_covariance_model(name)
                full = statistics.get("full")
                if model.scatter not in statistics and hasattr(full, "coarsened"):
                    statistics[model.scatter] = full.coarsened(model.scatter)
                if model.scatter not in statistics:
                    statistics[model.scatter] = _em.statistics_from_resp(
                        model, data, resp_of_rows, n_components
                    )
                stats = copy.deepcopy(statistics[model.scatter])
                # The prior is resolved per structure (its scale takes the
                # structure's form), exactly as GaussianMixture.fit resolves it.
                params, _ = _em.m_step(
                    model,
                    data,
                    stats,
                    settings["reg_covar"],
                    prior=resolve_prior(settings["prior"], model, data, n_components),
                )
                precisions = model.precisions_from_cholesky(params.precisions_cholesky)
            except (ValueError, np.linalg.LinAlgError) as error:
                starts[name] = error
                continue
            starts[name].append(
                (params.weights, params.means + data.center, precisions)
            )
    return starts


def _starts_of(shared, covariance_type):
    """One structure's starts, or the error that prevents them."""
    return shared if isinstance(shared, Exception) else shared[covariance_type]


def _fit_candidate(data, n_components, covariance_type, starts, settings):
    """Fit one candidate from its shared starts; its results-table row."""
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
    }
    best, error = None, None
    if isinstance(starts, Exception):
        error = starts
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", DegenerateFitWarning)
                for weights, means, precisions in starts:
                    mixture = GaussianMixture(
                        n_components,
                        covariance_type=covariance_type,
                        tol=settings["tol"],
                        reg_covar=settings["reg_covar"],
                        max_iter=settings["max_iter"],
                        n_init=1,
                        init_params=settings["init_params"],
                        prior=settings["prior"],
                        weights_init=weights,
                        means_init=means,
                        precisions_init=precisions,
                        random_state=settings["random_state"],
                    )
                    # fit() without its final E-step, done below with the
                    # criteria's.
                    mixture._validate_params()
                    mixture._fit(data.X, data.sample_weight, data)
                    # The same rule as GaussianMixture's n_init restarts.
                    if (
                        best is None
                        or settings["max_iter"] == 0
                        or mixture.lower_bound_ > best.lower_bound_
                        or best.lower_bound_ == -np.inf
                    ):
                        best = mixture
        except (ValueError, np.linalg.LinAlgError) as caught:
            best, error = None, caught
    if best is not None:
        # The fit equals GaussianMixture(**these params).fit(X): make the
        # estimator's parameters say so instead of listing the shared starts.
        best.set_params(
            n_init=settings["n_init"],
            weights_init=None,
            means_init=None,
            precisions_init=None,
        )
        best.labels_, log_likelihood, map_log_resp = _final_e_step(
            best, data.X, data.sample_weight
        )
        n_parameters = best._n_parameters()
        bic = -2.0 * log_likelihood + n_parameters * math.log(data.weight_sum)
        row.update(
            bic=bic,
            aic=-2.0 * log_likelihood + 2.0 * n_parameters,
            icl=bic - 2.0 * map_log_resp,
            log_likelihood=log_likelihood,
            n_parameters=n_parameters,
            converged=bool(best.converged_),
            degenerate=bool(len(best.collapsed_components_)),
        )
    return row, best, error, perf_counter() - start


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

    Fits a :class:`~gmm_estimators.GaussianMixture` for every number of
    components in ``n_components`` and every structure in
    ``covariance_types``, computes BIC, AIC and ICL *in-sample* (on the
    training data, as mclust does) and keeps the candidate with the lowest
    ``criterion``. Degenerate fits (a component collapsed onto too few
    distinct points, see ``GaussianMixture.collapsed_components_``) and
    candidates that could not be fitted are reported in ``results_`` and never
    chosen. The estimator then predicts, scores and samples with the chosen
    model.

    It is equivalent to ``GridSearchCV(GaussianMixture(), grid,
    scoring=bic_score, cv=InSampleSplit())`` but several times faster: the
    initial partition (k-means by default) of each number of components is
    computed once and shared by all covariance structures, each structure
    starting from the package's own M-step on it. The chosen model equals a
    plain ``GaussianMixture(n_components_, covariance_type=covariance_type_,
    ...)`` fitted with the same settings and ``random_state``.

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
    n_init : int, default=1
        Starts per candidate; the one with the highest likelihood is kept.
    init_params : str, default='kmeans'
        Initialiser of the starting partitions, any accepted by
        ``GaussianMixture`` (``'kmeans'``, ``'k-means++'``, ``'random'``,
        ``'random_from_data'``, ``'hc'``). It runs once per number of
        components and start, shared by all covariance structures; ``'hc'``
        builds its tree once per start and cuts it at every number of
        components, as mclust does.
    max_iter : int, default=100
        Maximum EM iterations per start.
    tol : float, default=1e-3
        Convergence threshold on the mean log-likelihood gain.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, in the data's units.
    prior : None, 'default' or ConjugatePrior, default=None
        Conjugate prior of every candidate, as ``GaussianMixture``'s
        ``prior``: None fits by maximum likelihood; ``'default'`` (mclust's
        ``priorControl()``) or a :class:`~gmm_estimators.ConjugatePrior` makes
        each candidate a maximum a posteriori fit, its hyperparameters
        resolved from the data for that candidate's number of components and
        structure. Its scale is in the data's units, so it keeps components
        from collapsing onto duplicated or integer-valued rows; the criteria
        then use the log-likelihood at the MAP estimate, as mclust's do.
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
        The chosen fitted model. Its parameters are those of a plain
        ``GaussianMixture`` that reproduces it (``n_init``, ``random_state``
        and no ``*_init``), and it was fitted on the validated array, so it
        has no ``feature_names_in_``.
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
        rows), ``"n_parameters"``, ``"converged"``, ``"degenerate"``,
        ``"fit_time"`` (seconds, including an equal share of the shared
        initialisation) and ``"rank"`` (1 is the chosen model; degenerate
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

    Candidates do not raise their own ``ConvergenceWarning`` or
    ``DegenerateFitWarning``: the ``converged`` and ``degenerate`` columns of
    ``results_`` report them, and only a chosen model that did not converge
    is warned about. If every candidate is degenerate or failed, ``fit``
    raises a ``ValueError`` rather than choose a degenerate model: include
    smaller numbers of components, increase ``reg_covar`` or add jitter to
    discretised data.

    Examples
    --------
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import GaussianMixtureIC
    >>> X = load_old_faithful(return_X_y=True)
    >>> selector = GaussianMixtureIC(
    ...     n_components=4, covariance_types=["full", "tied"], random_state=0
    ... ).fit(X)
    >>> selector.n_components_, selector.covariance_type_
    (2, 'full')
    >>> round(selector.criterion_, 1)
    2322.2
    >>> int(selector.results_["rank"][0]), selector.results_["covariance_type"][0]
    (7, 'full')
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "covariance_types": [None, str, "array-like"],
        "criterion": [StrOptions(set(_CRITERIA))],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(INITIALIZERS))],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "prior": [None, StrOptions({"default"}), ConjugatePrior],
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
        n_init=1,
        init_params="kmeans",
        max_iter=100,
        tol=1e-3,
        reg_covar=1e-6,
        prior=None,
        random_state=None,
        n_jobs=None,
        verbose=0,
        progress=False,
    ):
        self.n_components = n_components
        self.covariance_types = covariance_types
        self.criterion = criterion
        self.n_init = n_init
        self.init_params = init_params
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.prior = prior
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.progress = progress

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # MISSING-VALUES HOOK (issue 18)
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
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2,
            ensure_all_finite="allow-nan",  # MISSING-VALUES HOOK (issue 18)
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        ks = _candidate_ks(self.n_components)
        types = _candidate_types(self.covariance_types, X.shape[1])
        n_usable = (
            X.shape[0]
            if sample_weight is None
            else int(np.count_nonzero(sample_weight))
        )
        settings = {
            "n_init": self.n_init,
            "init_params": self.init_params,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "reg_covar": self.reg_covar,
            "prior": self.prior,
        }

        # MISSING-VALUES HOOK (issue 18): with NaN, the shared starts come from
        # the rows with each missing value replaced by its feature's mean, and
        # every candidate fits X itself (GaussianMixture's missing-value EM);
        # the criteria use the observed-data likelihood.
        missing = _missing.has_missing(X)
        if missing:
            _missing.check_fit_input(X)
        X_starts = _missing.mean_imputed(X, sample_weight) if missing else X
        data = _em.FitData.from_arrays(X_starts, sample_weight, cache_features=True)
        canonical = CanonicalRows.of(X_starts, sample_weight)
        if missing:
            data = dataclasses.replace(data, X=X)
        parallel = Parallel(n_jobs=self.n_jobs, return_as="generator")
        feasible = [k for k in ks if k <= n_usable]
        shared = {}
        for k, outcome in zip(
            feasible,
            parallel(
                delayed(_shared_starts)(
                    data,
                    canonical,
                    k,
                    types,
                    {**settings, "random_state": self._random_state_for_candidates()},
                )
                for k in feasible
            ),
            strict=True,
        ):
            shared[k] = outcome
        for k in ks:
            if k not in shared:
                shared[k] = (
                    ValueError(
                        f"n_components={k} exceeds the {n_usable} samples with a "
                        "positive weight."
                    ),
                    0.0,
                )

        candidates = [(k, t) for k in ks for t in types]
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
        rows, estimators, errors = [], [], []
        outcomes = _with_progress(outcomes, len(candidates), self.progress)
        for (k, _), (row, estimator, error, seconds) in zip(
            candidates, outcomes, strict=True
        ):
            row["fit_time"] = seconds + shared[k][1] / len(types)
            rows.append(row)
            estimators.append(estimator)
            errors.append(error)
            if self.verbose:
                self._print_candidate(row, error)

        self.results_ = self._results_table(rows)
        order = np.argsort(self.results_["rank"], kind="stable")
        best = int(order[0])
        if estimators[best] is None or self.results_["degenerate"][best]:
            self._raise_no_sound_candidate(errors)

        self.best_index_ = best
        self.best_estimator_ = estimators[best]
        self.n_components_ = int(self.results_["n_components"][best])
        self.covariance_type_ = str(self.results_["covariance_type"][best])
        self.criterion_ = float(self.results_[self.criterion][best])
        self.n_iter_ = int(self.best_estimator_.n_iter_)
        self.labels_ = self.best_estimator_.labels_
        if not self.best_estimator_.converged_ and self.max_iter > 0:
            warnings.warn(
                f"The selected model (n_components={self.n_components_}, "
                f"covariance_type={self.covariance_type_!r}) did not converge in "
                f"max_iter={self.max_iter} iterations; increase max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

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
        results["fit_time"] = np.array([r["fit_time"] for r in rows], dtype=np.float64)

        value = results[self.criterion]
        failed = ~np.isfinite(value)
        group = np.where(failed, 2, np.where(results["degenerate"], 1, 0))
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
        return validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",  # MISSING-VALUES HOOK (issue 18)
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
        resp : ndarray of shape (n_samples, n_components_)
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
