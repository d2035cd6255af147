"""Information criteria as scikit-learn scorers (lower-is-better BIC, AIC, ICL)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect

import numpy as np
from sklearn.pipeline import Pipeline

from .._criteria import icl as icl_from_bic
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
    return icl_from_bic(float(mixture.bic(X)), map_log_resp)


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
        warn_user(
            f"{name}: the candidate {{{params}}} is a degenerate fit (component(s) "
            f"{collapsed.tolist()} collapsed onto too few distinct points), so its "
            f"criterion is not meaningful; it gets the worst score {WORST_SCORE}. "
            "Reduce n_components, increase reg_covar, or add jitter to "
            "discretised data.",
            DegenerateFitWarning,
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
    return _score("icl_score", icl, estimator, X)
