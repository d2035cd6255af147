"""MAP adaptation of a fitted mixture to new data (Reynolds, Quatieri and Dunn 2000).

A *universal background model* (UBM) is a mixture fitted on pooled data; a
class (a speaker, a language, a genre) is then modelled by adapting the UBM's
parameters towards that class's data by maximum a posteriori estimation,
each component moving only as far as the data it explains allow.
:func:`adapt_mixture` does one or more such steps and returns a new fitted
:class:`~gmm_estimators.GaussianMixture` with the background's structure.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._collapse import (
    component_check,
    covariances_less,
    mixture_covariance,
    spread_in,
    store_verdict,
)
from ._criteria import n_free_parameters
from ._engine import ArraySource, Params
from ._engine._data import check_squares_fit, check_weight_sum
from ._engine._sources import check_not_chunks
from ._engine._validation import validate_data
from ._gaussian_mixture import GaussianMixture
from ._warn import names_checked

# The one place where this module and the classifier's (_edda,
# _class_selection) reach into the covariance structures: ``structure_of``.
# A structure gives ``scatter`` (the statistics form its M-step takes),
# ``m_step``, ``to_full``, ``precision_cholesky``,
# ``precisions_from_cholesky``, ``param_shape``, ``n_parameters`` and
# ``max_n_features``.
from .covariance import get_covariance_model

__all__ = ["adapt_mixture"]

_ADAPTABLE = ("weights", "means", "covariances")

def structure_of(covariance_type):
    """The covariance structure object of a ``covariance_type`` name."""
    return get_covariance_model(covariance_type)


def scatter_in_kind(model, full_scatter):
    """Reduce ``(K, d, d)`` scatter matrices to what ``model.m_step`` takes."""
    return model.scatter.from_full(full_scatter)


def mixture_from_parameters(
    template, weights, means, covariances, *, n_iter=0, feature_names=None
):
    """A fitted ``GaussianMixture`` with the given parameters.

    Parameters
    ----------
    template : GaussianMixture
        Unfitted or fitted; its parameters (``covariance_type``,
        ``reg_covar``...) are copied with :func:`sklearn.base.clone`.
    weights, means : ndarray
    covariances : ndarray
        In the structure's own shape (``param_shape(K, d)``).
    n_iter : int, default=0
        Stored as ``n_iter_``.
    feature_names : ndarray of str or None, default=None
        Stored as ``feature_names_in_`` (the background's, for an adapted
        mixture): later calls then check the names of DataFrame inputs.

    Returns
    -------
    mixture : GaussianMixture
        With every fitted attribute of a fitted mixture set except
        ``labels_`` (it was not fitted on rows).
    """
    mixture = clone(template)
    model = structure_of(mixture.covariance_type)
    covariances = np.asarray(covariances, dtype=np.float64)
    precisions_cholesky, jittered = model.precision_cholesky(covariances)
    mixture.weights_ = np.asarray(weights, dtype=np.float64)
    mixture.means_ = np.asarray(means, dtype=np.float64)
    mixture.covariances_ = covariances
    mixture.precisions_cholesky_ = np.asarray(precisions_cholesky)
    mixture.precisions_ = model.precisions_from_cholesky(mixture.precisions_cholesky_)
    n_components, n_features = mixture.means_.shape
    mixture.n_features_in_ = n_features
    if feature_names is not None:
        mixture.feature_names_in_ = np.asarray(feature_names, dtype=object)
    mixture.converged_ = True
    mixture.n_iter_ = int(n_iter)
    mixture.lower_bound_ = -np.inf
    mixture.lower_bounds_ = []
    mixture.prior_ = None
    mixture.collapsed_components_ = np.flatnonzero(jittered)
    mixture.spurious_components_ = np.array([], dtype=np.intp)
    mixture.n_parameters_ = n_free_parameters(
        model,
        n_components,
        n_features,
        fixed_proportions=mixture.get_params()["equal_proportions"],
    )
    return mixture


def _check_adapt(adapt):
    names = (adapt,) if isinstance(adapt, str) else tuple(adapt)
    unknown = [name for name in names if name not in _ADAPTABLE]
    if not names or unknown:
        raise ValueError(
            "adapt must name one or more of 'weights', 'means' and 'covariances' "
            f"(a string or a sequence of them); got {adapt!r}."
        )
    return set(names)


@validate_params(
    {
        "mixture": [GaussianMixture],
        # An iterator passes, to be refused with the remedy (check_not_chunks).
        "X": ["array-like", Iterator],
        "sample_weight": ["array-like", None],
        "relevance_factor": [Interval(Real, 0, None, closed="left")],
        "adapt": [str, list, tuple],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def adapt_mixture(
    mixture,
    X,
    *,
    sample_weight=None,
    relevance_factor=16.0,
    adapt=("means",),
    n_iter=1,
):
    """Adapt a fitted mixture to new data by MAP estimation (GMM-UBM).

    The recipe of Reynolds, Quatieri and Dunn (2000) for speaker
    verification: each component of a background mixture moves towards the
    new data in proportion to how much of the data it explains, so that
    components the data do not reach keep the background's parameters. The
    result is a new mixture with the same number of components and
    covariance structure; ``mixture`` is not modified.

    Parameters
    ----------
    mixture : GaussianMixture
        The fitted background mixture (the UBM). It is also the prior: every
        step shrinks towards its parameters.
    X : array-like of shape (n_samples, n_features)
        Data to adapt to (the frames of one class), without missing values.
        If the background was fitted on a DataFrame, a DataFrame ``X`` must
        have the same columns in the same order (as for the background's
        own methods); the adapted mixture keeps ``feature_names_in_``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative frequency weights of the rows.
    relevance_factor : float, default=16.0
        The relevance factor ``r`` (Reynolds et al. use 16): the number of
        pseudo-observations the background's parameters are worth in each
        component. 0 gives the maximum-likelihood M-step of the adapted
        parameters (one EM step from the background); large values keep the
        background.
    adapt : str or sequence of str, default=('means',)
        Which parameters are adapted, among ``'weights'``, ``'means'`` and
        ``'covariances'``; the others keep the background's values. Adapting
        the means only is the usual choice for speaker and language
        recognition.
    n_iter : int, default=1
        Number of adaptation steps. Each recomputes the component posteriors
        under the current adapted mixture; the prior stays the background.
        Reynolds et al. use one.

    Returns
    -------
    adapted : GaussianMixture
        A fitted mixture with the background's parameters (``covariance_type``,
        ``reg_covar``...) and the adapted ``weights_``, ``means_`` and
        ``covariances_``, and the background's ``feature_names_in_`` if it
        has them. It has no ``labels_``; ``n_iter_`` is ``n_iter``. With the
        covariances adapted and a ``relevance_factor`` negligible against a
        component's rows (0: the rows' own covariance, as in a fit), a
        component that rests on too few of ``X``'s rows, or whose own
        covariance was re-estimated from less than one row's worth of weight
        (more than the background's ``relevance_factor``), is listed in
        ``collapsed_components_`` (spurious ones in
        ``spurious_components_``), with a
        :class:`~gmm_estimators.exceptions.DegenerateFitWarning`.

    Raises
    ------
    ValueError
        If the background has a noise component, if ``X`` has missing values
        (NaN) or another number of features, or if ``X``'s feature names
        differ from the background's.

    See Also
    --------
    GaussianMixtureClassifier : ``model_type='UBM'`` trains every class by
        adaptation from one background mixture.
    GaussianMixture : The background model.

    Notes
    -----
    With ``gamma_ik`` the posterior of component ``k`` for row ``i`` under
    the current mixture and ``w_i`` the sample weights, the statistics are
    ``n_k = sum_i w_i gamma_ik``, ``xbar_k = sum_i w_i gamma_ik x_i / n_k``
    and ``alpha_k = n_k / (n_k + r)``. The adapted parameters are

    * ``mu_k' = alpha_k xbar_k + (1 - alpha_k) mu_k``;
    * ``pi_k' \\propto alpha_k n_k / N + (1 - alpha_k) pi_k``
      (``N = sum_i w_i``), normalised to sum to one;
    * ``Sigma_k' = [sum_i w_i gamma_ik (x_i - mu_k')(x_i - mu_k')^T
      + r (Sigma_k + (mu_k - mu_k')(mu_k - mu_k')^T)] / (n_k + r)``,
      the covariance of the data pooled with ``r`` pseudo-observations from
      the background's component. With ``mu_k'`` adapted this is Reynolds
      et al.'s ``alpha_k E_k[x x^T] + (1 - alpha_k)(Sigma_k + mu_k mu_k^T)
      - mu_k' mu_k'^T``; with the means kept, the scatter is about ``mu_k``.

    ``mu_k, Sigma_k, pi_k`` are the background's. For a constrained
    structure (``'tied'``, ``'EII'``, ``'VEV'``...), the bracketed scatter
    with counts ``n_k + r`` goes through that structure's own M-step, which
    imposes the constraint (the scatter of diagonal structures is its
    diagonal, that of pooled ones its sum over components); for ``'full'``
    and ``'diag'`` this is exactly the formula above. The background's
    ``reg_covar`` is taken out of ``Sigma_k`` before pooling and added once
    after, so a component that no row reaches (``n_k = 0``) keeps the
    background's parameters exactly.

    References
    ----------
    D. A. Reynolds, T. F. Quatieri and R. B. Dunn (2000). Speaker
    verification using adapted Gaussian mixture models. *Digital Signal
    Processing* 10, 19-41.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixture, adapt_mixture
    >>> rng = np.random.RandomState(0)
    >>> background = GaussianMixture(2, random_state=0).fit(
    ...     np.r_[rng.randn(200, 2) - 4, rng.randn(200, 2) + 4])
    >>> X_class = rng.randn(50, 2) + [5, 4]
    >>> adapted = adapt_mixture(background, X_class, relevance_factor=16)
    >>> moved = np.abs(adapted.means_ - background.means_).sum(axis=1)
    >>> bool(moved[np.argmax(background.means_[:, 0])] > 0.5)
    True
    >>> bool(moved[np.argmin(background.means_[:, 0])] < 1e-6)
    True
    """
    check_is_fitted(mixture)
    if getattr(mixture, "noise_volume_", None) is not None:
        raise ValueError(
            "adapt_mixture adapts Gaussian components; this background has a "
            "noise component (noise=True). Fit the background with noise=False."
        )
    which = _check_adapt(adapt)
    if "weights" in which and mixture.get_params().get("equal_proportions", False):
        raise ValueError(
            "adapt includes 'weights', but the background keeps its proportions "
            "at 1 / n_components (equal_proportions=True). Leave 'weights' out "
            "of adapt, or fit the background with equal_proportions=False."
        )
    # Validated against the background as its own methods would (number of
    # features, and feature names when it was fitted on a DataFrame): this
    # is the one check, and the one warning, of X's names.
    check_not_chunks(None, X, name="adapt_mixture")
    X = validate_data(
        mixture, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan"
    )
    if np.isnan(X).any():
        raise ValueError(
            "adapt_mixture does not support missing values (NaN) in X: MAP "
            f"adaptation needs every feature of every row ({int(np.isnan(X).sum())}"
            " NaN found). Drop the rows with NaN, or impute them first, for "
            "example with GaussianMixtureImputer fitted on the background's data."
        )
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    total = float(sample_weight.sum())
    if total <= 0:
        raise ValueError(
            "adapt_mixture needs at least one row with a positive sample_weight; "
            "every weight is zero."
        )
    # As a fit refuses them: the rows' sums would lose their digits.
    check_weight_sum(sample_weight)
    # Work on data centred on their weighted mean: second moments keep their
    # precision for data far from the origin. Squares beyond float64 are
    # named as a fit names them (the covariances would be inf).
    source = ArraySource.from_arrays(X, sample_weight)
    check_squares_fit(source)
    # Rows of weight zero count for nothing, wherever they lie.
    _check_reach(mixture, X[sample_weight > 0])
    center = source.center
    r = float(relevance_factor)
    # X was checked above; the mixtures below see its validated array.
    with names_checked():
        current, reached, effective = _adapt_steps(
            mixture, X, sample_weight, r, which, int(n_iter), center
        )
        current.lower_bound_ = current.score(X, sample_weight=sample_weight)
    current.lower_bounds_ = [current.lower_bound_]
    if "covariances" in which:
        _judge_adapted(current, mixture, source, reached, effective)
    return current


def _check_reach(mixture, X):
    """Raise when the rows' squared distances to the background overflow.

    The background's densities at the rows (its responsibilities, the
    adapted covariances) square each row's offset from every mean: beyond
    about 1e154 in the data's units no float holds them, whatever the rows'
    own spread (rows near 1e155, a background near 0).
    """
    means = np.asarray(mixture.means_, dtype=np.float64)
    with np.errstate(over="ignore"):
        reach = (np.abs(X).max() + np.abs(means).max()) * np.sqrt(X.shape[1])
    if not reach < np.sqrt(np.finfo(np.float64).max) / 2:
        raise ValueError(
            f"The rows of X lie up to {np.abs(X).max():.3g} from the origin and "
            f"the background's means up to {np.abs(means).max():.3g}: their "
            "squared distances overflow float64, so no density of the rows "
            "under the background can be computed. Rescale X together with "
            "the background's training data (the same scaler for both)."
        )


def _judge_adapted(adapted, background, source, reached, effective):
    """Flag the components whose adapted covariance collapsed onto the rows.

    A component is judged on the rows (``source``) as a fit is
    (``_collapse``), when the last step reached it and its covariance, less
    ``reg_covar``, has lost its spread in the span of the background
    (``_collapse.spread_in`` with the covariance the background implies,
    where the adapted density is used): the background's ``r``
    pseudo-observations keep it spread unless ``r`` is negligible against
    the rows (``relevance_factor=0`` gives the rows' own covariance). Such a
    component is collapsed even when the rows, read in their own span (a
    line, a few points), look sound. So is a covariance of its own
    re-estimated from less than one row's worth of weight that outweighs the
    background's pseudo-observations (``effective``): with
    ``relevance_factor=0`` a component the rows barely reach (6e-7 rows'
    worth) moved its mean and covariance to those of the rows' faint tails,
    spread but unflagged. A covariance shared by the components is pooled
    from every row, and is not judged so.
    """
    model = structure_of(adapted.covariance_type)
    covariances = np.asarray(adapted.covariances_)
    precisions_cholesky = np.asarray(adapted.precisions_cholesky_)
    params = Params(
        adapted.weights_,
        adapted.means_ - source.center,
        covariances,
        precisions_cholesky,
    )
    reg = float(adapted.reg_covar)
    span = mixture_covariance(
        background.weights_,
        background.means_,
        covariances_less(model, background.covariances_, background.means_.shape, reg),
    )
    less = covariances_less(model, covariances, adapted.means_.shape, reg)
    thin = reached & (effective < 1.0) & (not model.equal_covariance)
    judged = reached & (~spread_in(less, span) | thin)
    if not judged.any():  # every covariance spread: the rows need no reading
        return
    # A component regularised to be factorised (mixture_from_parameters)
    # stays collapsed whatever the rows say.
    jittered = np.zeros(adapted.weights_.shape[0], dtype=bool)
    jittered[adapted.collapsed_components_] = True
    verdict = component_check(model, source, params, jittered)
    kept = judged | jittered
    collapsed = verdict.collapsed[kept[verdict.collapsed]]
    spurious = verdict.spurious[judged[verdict.spurious]]
    # Far narrower than another, and on a point or a line of the span
    # itself (one row, or rows repeated, with relevance_factor=0): collapsed.
    spurious = spurious[spread_in(less[spurious], span, relative_to_own=True)]
    # The rows are read in their own span: rows on a few points or a line
    # of the background's space look sound there, yet the covariance they
    # gave is singular in the space where the adapted density is used.
    reasons = dict(verdict.reasons)
    singular = np.setdiff1d(np.flatnonzero(judged), np.r_[collapsed, spurious])
    for k in singular:
        reasons[int(k)] = (
            f"it was re-estimated from {effective[k]:.2g} rows' worth of weight, "
            "less than one row"
            if thin[k]
            else "its covariance, less reg_covar, is singular in the span of the "
            "data: the rows it was re-estimated from lie on a few points, a "
            "line or a plane of it"
        )
    store_verdict(
        adapted,
        np.union1d(collapsed, singular).astype(np.intp),
        spurious,
        reasons,
        collapsed_advice=(
            "Its covariance was re-estimated from too few of the rows adapted "
            "to. Remedies: a larger relevance_factor (the background's "
            "pseudo-observations keep every covariance spread), 'covariances' "
            "left out of adapt, or more rows."
        ),
        spurious_advice=(
            "Remedies: a relevance_factor > 0, or 'covariances' left out of adapt."
        ),
    )


def _adapt_steps(mixture, X, sample_weight, r, which, n_iter, center):
    """``n_iter`` MAP steps from ``mixture`` (see :func:`adapt_mixture`).

    Returns the adapted mixture, which components the last step reached and
    the rows' worth of weight that re-estimated each there (``inf`` where the
    background's ``r`` pseudo-observations outweigh it).
    """
    model = structure_of(mixture.covariance_type)
    total = float(sample_weight.sum())
    n_rows = int(np.count_nonzero(sample_weight))
    K, d = mixture.means_.shape
    reg = float(mixture.reg_covar)
    weights0 = np.asarray(mixture.weights_, dtype=np.float64)
    means0 = np.asarray(mixture.means_, dtype=np.float64)
    covariances0 = np.asarray(mixture.covariances_, dtype=np.float64)
    # The background's covariances without its reg_covar, which the
    # structure's M-step adds back once.
    full0 = model.to_full(covariances0, K, d) - reg * np.eye(d)
    Xc = X - center
    # The background's means relative to the rows' centre; the adapted means
    # are the background's plus alpha times the shift, so a component no
    # row reaches keeps its mean exactly, however far the rows are.
    mu0 = means0 - center
    current, effective = mixture, None
    for step in range(n_iter):
        resp = current.predict_proba(X) * sample_weight[:, np.newaxis]
        nk = resp.sum(axis=0)
        reached = nk > 0
        # Rows' worth of weight, in rows (a common factor of the weights,
        # which r = 0 does not see, changes nothing), where the rows
        # outweigh the background's r pseudo-observations (alpha > 1/2):
        # otherwise the background's parameters hold the component.
        effective = np.where(nk > r, nk * n_rows / total, np.inf)
        alpha = nk / (nk + r) if r > 0 else (nk > 0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            xbar = (resp.T @ Xc) / nk[:, np.newaxis]
        xbar[nk <= 0] = mu0[nk <= 0]
        if "means" in which:
            moved = alpha[:, np.newaxis] * (xbar - mu0)
            means, mu = means0 + moved, mu0 + moved
        else:
            means, mu = means0, mu0
        if "weights" in which and r > 0:
            weights = alpha * nk / total + (1 - alpha) * weights0
            weights = weights / weights.sum()
        elif "weights" in which:
            # The maximum-likelihood step: a component no row reaches gets
            # no weight, as one whose responsibilities merely underflow.
            weights = nk / nk.sum()
        else:
            weights = weights0
        if "covariances" in which:
            scatter = np.empty((K, d, d))
            for k in range(K):
                residual = Xc - mu[k]
                scatter[k] = (residual * resp[:, k, np.newaxis]).T @ residual
                shift = mu0[k] - mu[k]
                scatter[k] += r * (full0[k] + np.outer(shift, shift))
            counts = nk + r
            # A component with no data and r = 0 keeps the background's: a
            # pseudo-row of it, of a weight negligible against the rows (one
            # of weight 1 entered a covariance shared by the components,
            # 'tied' or 'EII', as a row of the background's covariance).
            # Counted in units of the total weight, which the M-step's
            # estimates do not depend on, so that it cannot underflow.
            empty = counts <= 0
            if empty.any():
                counts, scatter = counts / total, scatter / total
                negligible = np.finfo(np.float64).eps ** 2
                counts[empty] = negligible
                scatter[empty] = full0[empty] * negligible
            covariances = model.m_step(
                counts, scatter_in_kind(model, scatter), reg, previous=covariances0
            )
        else:
            covariances = covariances0
        current = mixture_from_parameters(
            mixture,
            weights,
            means,
            covariances,
            n_iter=step + 1,
            feature_names=getattr(mixture, "feature_names_in_", None),
        )
    return current, reached, effective
