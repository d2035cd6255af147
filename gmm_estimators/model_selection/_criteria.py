"""Information criteria as scikit-learn scorers (lower-is-better BIC, AIC, ICL)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import inspect

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils._metadata_requests import (
    MetadataRequest,
    _MetadataRequester,
    _routing_enabled,
)
from sklearn.utils.validation import _check_sample_weight

from .. import _criteria
from .._criteria import icl as icl_from_bic
from .._engine._estep import weighted_sum
from .._warn import warn_user
from ..exceptions import DegenerateFitWarning

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


def icl(estimator, X, sample_weight=None):
    """Integrated completed likelihood criterion of a fitted mixture (lower is better).

    ``ICL = BIC - 2 sum_i sum_k c_ik log z_ik`` (Biernacki, Celeux and Govaert,
    2000), where ``z_ik`` are the posterior probabilities (``predict_log_proba``)
    and ``c_ik`` the one-hot most-probable labelling. The second term,
    ``-2 sum_i log z_i,MAP`` (mclust's ``icl``; not twice the classification
    entropy ``-sum_i sum_k z_ik log z_ik``, which also counts the rows' other
    components), penalises rows that are not clearly assigned: ICL adds to
    BIC a penalty for components that overlap, and so prefers well-separated
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
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights (those of a weighted fit): every sum is weighted and
        ``n`` is the sum of the weights, as in ``GaussianMixture.bic``.

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
    if hasattr(mixture, "icl"):
        return float(mixture.icl(X, sample_weight=sample_weight))
    log_resp = _log_posteriors(mixture, X)
    # sum_k c_ik log z_ik is the log posterior of the MAP component.
    map_log_resp = np.max(log_resp, axis=1).astype(np.float64)
    if sample_weight is None:
        return icl_from_bic(float(mixture.bic(X)), float(map_log_resp.sum()))
    sample_weight = _checked_weights(sample_weight, X)
    return float(_bic(mixture, X, sample_weight)) - 2.0 * float(
        weighted_sum(sample_weight, map_log_resp)
    )


def _checked_weights(sample_weight, X):
    """Weights for a mixture whose criteria take none (scikit-learn's), checked.

    As the package's own mixtures check them: one finite, non-negative
    weight per row (a mismatch broadcast, a negative weight reached a log).
    """
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )


def _takes_weights(method):
    return "sample_weight" in inspect.signature(method).parameters


def _bic(mixture, X, sample_weight):
    """``mixture.bic`` with weights, also for mixtures whose bic takes none."""
    if sample_weight is None:
        return mixture.bic(X)
    if _takes_weights(mixture.bic):
        return mixture.bic(X, sample_weight=sample_weight)
    sample_weight = _checked_weights(sample_weight, X)
    log_likelihood = float(weighted_sum(sample_weight, mixture.score_samples(X)))
    return _criteria.bic(
        log_likelihood,
        _criteria.fitted_free_parameters(mixture),
        float(sample_weight.sum()),
    )


def _aic(mixture, X, sample_weight):
    """``mixture.aic`` with weights, also for mixtures whose aic takes none."""
    if sample_weight is None:
        return mixture.aic(X)
    if _takes_weights(mixture.aic):
        return mixture.aic(X, sample_weight=sample_weight)
    sample_weight = _checked_weights(sample_weight, X)
    log_likelihood = float(weighted_sum(sample_weight, mixture.score_samples(X)))
    return _criteria.aic(log_likelihood, _criteria.fitted_free_parameters(mixture))


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
    """Collapsed and spurious components of a fit, or None if it is sound."""
    flagged = [
        np.asarray(getattr(mixture, name), dtype=np.intp).ravel()
        for name in ("collapsed_components_", "spurious_components_")
        if getattr(mixture, name, None) is not None
    ]
    if not flagged:
        return None
    flagged = np.unique(np.concatenate(flagged))
    return flagged if flagged.size else None


def _score(name, criterion, estimator, X, sample_weight=None):
    mixture, Xt = _final_step(estimator, X)
    collapsed = _degenerate_components(mixture)
    if collapsed is not None:
        params = ", ".join(f"{k}={v!r}" for k, v in _changed_params(estimator).items())
        warn_user(
            f"{name}: the candidate {{{params}}} is a degenerate fit (component(s) "
            f"{collapsed.tolist()} collapsed or spurious), so its "
            f"criterion is not meaningful; it gets the worst score {WORST_SCORE}. "
            "Reduce n_components, increase reg_covar, or add jitter to "
            "discretised data.",
            DegenerateFitWarning,
        )
        return WORST_SCORE
    return -float(criterion(mixture, Xt, sample_weight))


def _bic_score(estimator, X, y=None, sample_weight=None):
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
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights of the rows (those of a weighted fit): the
        criterion's log-likelihood is the weighted sum and ``n`` the sum of
        the weights. ``GridSearchCV(...).fit(X, sample_weight=w)`` passes
        them on by itself; with metadata routing enabled, request them with
        ``set_score_request(sample_weight=True)`` (see :class:`CriterionScorer`).

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
    return _score("bic_score", _bic, estimator, X, sample_weight)


def _aic_score(estimator, X, y=None, sample_weight=None):
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
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights of the rows (those of a weighted fit): the
        criterion's log-likelihood is the weighted sum and ``n`` the sum of
        the weights. ``GridSearchCV(...).fit(X, sample_weight=w)`` passes
        them on by itself; with metadata routing enabled, request them with
        ``set_score_request(sample_weight=True)`` (see :class:`CriterionScorer`).

    Returns
    -------
    score : float

    See Also
    --------
    bic_score, icl_score

    Examples
    --------
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import aic_score
    >>> X = load_old_faithful(return_X_y=True)
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> bool(aic_score(gm, X) == -gm.aic(X))
    True
    """
    return _score("aic_score", _aic, estimator, X, sample_weight)


def _icl_score(estimator, X, y=None, sample_weight=None):
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
    sample_weight : array-like of shape (n_samples,), default=None
        Frequency weights of the rows (those of a weighted fit): the
        criterion's log-likelihood is the weighted sum and ``n`` the sum of
        the weights. ``GridSearchCV(...).fit(X, sample_weight=w)`` passes
        them on by itself; with metadata routing enabled, request them with
        ``set_score_request(sample_weight=True)`` (see :class:`CriterionScorer`).

    Returns
    -------
    score : float

    See Also
    --------
    icl, bic_score

    Examples
    --------
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import icl, icl_score
    >>> X = load_old_faithful(return_X_y=True)
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> bool(icl_score(gm, X) == -icl(gm, X))
    True
    """
    return _score("icl_score", icl, estimator, X, sample_weight)


class CriterionScorer(_MetadataRequester):
    """An information criterion as a scikit-learn scorer that takes sample weights.

    :data:`bic_score`, :data:`aic_score` and :data:`icl_score` are instances:
    call them as ``scorer(estimator, X, y=None, sample_weight=None)``. They
    accept ``sample_weight``, so ``GridSearchCV(...).fit(X, sample_weight=w)``
    passes the weights of the evaluated rows to them (single or multi-metric
    ``scoring``). With ``sklearn.set_config(enable_metadata_routing=True)``,
    scikit-learn routes metadata only on request: use
    ``scoring=bic_score.set_score_request(sample_weight=True)`` (and
    ``GaussianMixture().set_fit_request(sample_weight=True)`` for the fits).

    Parameters
    ----------
    function : callable
        ``function(estimator, X, y=None, sample_weight=None)``.

    See Also
    --------
    bic_score, aic_score, icl_score

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.model_selection import bic_score
    >>> X = np.array([[0.1], [0.2], [0.3], [1.1], [1.2], [1.3]])
    >>> w = [2, 1, 1, 1, 1, 1]
    >>> gm = GaussianMixture(random_state=0).fit(X, sample_weight=w)
    >>> bool(bic_score(gm, X, sample_weight=w) == -gm.bic(X, sample_weight=w))
    True
    """

    def __init__(self, function):
        self._function = function
        self.__name__ = function.__name__.lstrip("_")
        self.__doc__ = function.__doc__
        self.__wrapped__ = function

    def __call__(self, estimator, X, y=None, sample_weight=None):
        return self._function(estimator, X, y, sample_weight=sample_weight)

    def __repr__(self):
        return self.__name__

    def __copy__(self):
        scorer = type(self).__new__(type(self))
        scorer.__dict__.update(self.__dict__)
        return scorer

    def __reduce__(self):
        # Pickled by name: the module-level scorers stay singletons.
        if "_metadata_request" not in self.__dict__:
            return self.__name__
        return (_scorer_with_request, (self.__name__, self._requests))

    def _accept_sample_weight(self):
        return True

    def set_score_request(self, *, sample_weight=None):
        """A copy of this scorer that requests ``sample_weight`` (metadata routing).

        Unlike scikit-learn's scorers this returns a *copy*, so the shared
        module-level scorer is never changed.

        Parameters
        ----------
        sample_weight : bool, str or None, default=None
            Whether the scorer receives ``sample_weight`` when routing is
            enabled (True), does not (False), raises if it is passed (None),
            or receives the metadata of that name (str).

        Returns
        -------
        scorer : CriterionScorer
        """
        if not _routing_enabled():
            raise RuntimeError(
                "This method is only available when metadata routing is enabled."
                " You can enable it using"
                " sklearn.set_config(enable_metadata_routing=True)."
            )
        return _scorer_with_request(self.__name__, {"sample_weight": sample_weight})

    def _get_metadata_request(self):
        if "_metadata_request" in self.__dict__:
            return self._metadata_request
        requests = MetadataRequest(owner=self)
        requests.score.add_request(param="sample_weight", alias=None)
        return requests


def _scorer_with_request(name, requests):
    scorer = copy.copy(globals()[name])
    scorer._requests = requests
    scorer._metadata_request = MetadataRequest(owner=scorer)
    scorer._metadata_request.score.add_request(
        param="sample_weight", alias=requests["sample_weight"]
    )
    return scorer


#: Negated BIC as a scorer (see :func:`_bic_score`).
bic_score = CriterionScorer(_bic_score)
#: Negated AIC as a scorer (see :func:`_aic_score`).
aic_score = CriterionScorer(_aic_score)
#: Negated ICL as a scorer (see :func:`_icl_score`).
icl_score = CriterionScorer(_icl_score)
