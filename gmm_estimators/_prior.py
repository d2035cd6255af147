"""Conjugate prior of Fraley and Raftery (2007) for every covariance structure.

A normal prior on each component mean and a conjugate prior on the
covariance turn EM's maximum-likelihood estimate into a maximum a posteriori
(MAP) estimate. The prior's scale is set from the data's own spread, so unlike
the absolute ``reg_covar`` it regularises in the data's units, and it keeps a
component from collapsing onto a few duplicated rows (integer-valued data).

The prior
---------
For every component ``k`` (``d`` features, ``K`` components)::

    mu_k | Sigma_k ~ N(mu_p, Sigma_k / kappa)

and, on the covariance, according to the structure's ``prior_family`` (a
``covariance.PriorForm``, which knows the shape of the scale and the count):

* ``"matrix"`` (VVV, EEE and the other structures with orientations): the
  inverse Wishart kernel ``|Sigma|^(-(nu + d + 1) / 2) exp(-tr(Sigma^-1 Lambda) / 2)``;
* ``"diagonal"`` (VVI, EEI, VEI, EVI): an inverse gamma
  ``IG(nu / 2, zeta_j / 2)`` on each variance ``delta_j^2``;
* ``"spherical"`` (VII, EII, and the one-feature V and E): an inverse gamma
  ``IG(nu / 2, zeta / 2)`` on the variance ``sigma^2``.

All three are the same expression in ``Sigma``,
``-2 log p = c log|Sigma| + tr(Sigma^-1 L) + const``, with ``c`` and ``L``
of each form tabulated in ``covariance._priors``, the forms' one home.

Where the components share the whole covariance (EEE, EEI, EII, E:
``equal_covariance``) the covariance prior is one prior on the one matrix;
where they share only the volume ``|Sigma_k|`` (EVI, EVE, EEV, EVV:
``equal_volume``) the determinant term counts once and the scale term once
per component; otherwise both count once per component.

The MAP M-step
--------------
With ``n_k``, ``xbar_k`` and the scatter ``W_k`` about ``xbar_k`` from the
E-step, the means are ``mu_k = (n_k xbar_k + kappa mu_p) / (n_k + kappa)``
whatever the structure, and minimising the expected complete-data negative
log-posterior over the covariances is minimising

    sum_k [ m_k log|Sigma_k| + tr(Sigma_k^-1 W'_k) ]

with the *effective counts* ``m_k = n_k + 1 + a c`` (the 1 is the mean prior's
``|Sigma_k|^(-1/2)``; it is absent when ``kappa = 0``) and the *augmented
scatter* ``W'_k = W_k + s_k e_k e_k^T + b L``, with ``e_k = xbar_k - mu_p``
and ``s_k = kappa n_k / (n_k + kappa)``, where ``a = 1 / K`` for
``equal_volume`` structures (1 otherwise) and ``b = 1 / K`` for
``equal_covariance`` structures (1 otherwise). That is
exactly the maximum-likelihood objective with ``(m_k, W'_k)`` in place of
``(n_k, W_k)``, so every structure's own M-step (``CovarianceModel.m_step``)
computes the MAP covariances unchanged, including the constrained ones with
inner iterations. For VVV this is the closed form
``Sigma_k = (Lambda + W_k + s_k e_k e_k^T) / (nu + n_k + d + 2)``.
Per kind of scatter (``CovarianceModel.scatter``) the augmentation is:

* ``"full"`` ``(K, d, d)``: ``W_k + s_k (xbar_k - mu_p)(xbar_k - mu_p)^T + b L``
  with ``s_k = kappa n_k / (n_k + kappa)``;
* ``"diag"`` ``(K, d)``: ``diag(W_k) + s_k (xbar_k - mu_p)**2 + b diag(L)``;
* ``"pooled"`` ``(d, d)``: ``sum_k W_k + sum_k s_k (xbar_k - mu_p)(xbar_k - mu_p)^T
  + (sum_k b) L``: the pooled within-component scatter (which the pooled
  accumulator builds from the total scatter) plus the sum of the
  per-component terms, which need only the component sums and ``n_k``.

Mixing proportions stay ``n_k / n`` (there is no prior on them, as in mclust).

mclust's defaults (``mclust::defaultPrior``)
--------------------------------------------
``mu_p`` the data mean, ``kappa = 0.01``, ``nu = d + 2``, and the scale
``var(X) / K^(2/d)`` (the sample covariance matrix) for the ellipsoidal
structures, ``mean_j var(X_j) / K^(2/d)`` (one number: the average variance)
for the diagonal and spherical ones; when ``n <= d`` the ellipsoidal scale is
the diagonal of the variances. Sample weights enter as frequency weights
(weighted mean, covariance with denominator ``sum(w) - 1``, ``n = sum(w)``).

Agreement with mclust
---------------------
mclust 6.0 implements the prior for 10 of the 14 multivariate structures
plus E and V. With the defaults above, EM here gives mclust's
``me(..., prior = priorControl())`` estimate (same start, same number of
iterations: equal to rounding) for VVV, EEE, VVI, VII, E and V. mclust's EM
routines deviate from the prior they state for the six others; the rule above
is kept because it is the MAP step of one coherent prior (so the EM objective
below never decreases), and each deviation is reproduced exactly by a
different ``ConjugatePrior`` (``nu = d + 2``):

* EII (``meeiip``): the scale is left out of the variance update, as with
  ``scale=0``;
* VEI (``meveip``): the volumes count ``n_k + (nu + 3) / d`` instead of
  ``n_k + nu + 3``, as with ``dof = (nu + 3) / d - 3``;
* VEV (``mevevp``): the scale and mean-shrinkage terms are added to the
  scatter but the counts stay ``n_k``, as with ``dof = -(d + 2)``;
* EVI and EEV (``meevip``, ``meeevp``): the mean prior's count enters once in
  total instead of once per component, as with ``dof = nu - K`` (EVI) and
  ``dof = nu + 1 - K`` (EEV);
* EEI (``meeeip``): as EVI (``dof = nu - K``), and in addition the means are
  left unshrunk, which no prior reproduces (agreement to about 1e-5 in the
  log-likelihood on Old Faithful and iris).

mclust's one-step ``mstep`` routines differ again in places (``mstepEEI`` and
``mstepEVI`` count the mean prior per component, as here; ``mstepEEV`` drops
the shrinkage). For VEE, EVE, VVE and EVV, which mclust fits only without a
prior, the rule above is the natural extension (the same prior, the
structure's own M-step). ``tests/test_prior.py`` checks all of this against
reference numbers from mclust.

The EM objective
----------------
EM on the posterior increases ``log L(theta) + log p(theta)`` at every
iteration (the log-likelihood alone may decrease slightly);
:func:`log_prior_density` gives ``log p`` up to an additive constant. BIC and
AIC are computed, as mclust does, from the log-likelihood at the MAP estimate.

References
----------
Fraley, C. and Raftery, A. E. (2007). Bayesian regularization for normal
mixture estimation and model-based clustering. Journal of Classification
24(2), 155-181.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np

from ._engine._data import check_squares_fit, check_weight_sum_for_prior
from ._engine._representation import (
    data_mean,
    frequency_covariance,
    scatter_about_mean,
)
from ._prior_map import (
    log_prior_density,
    map_m_step_inputs,
    minimum_dof,
    prior_counts,
)
from .covariance import get_covariance_model
from .covariance._priors import prior_form_of

__all__ = [
    "ConjugatePrior",
    "finite_number",
    "prior_outweighs_data",
    "resolve_prior",
]


#: mclust's ``shrinkage`` (``priorControl``'s ``shrinkage``).
_DEFAULT_SHRINKAGE = 0.01


class ConjugatePrior:
    """Conjugate prior on the means and covariances (Fraley and Raftery 2007).

    Pass an instance as ``GaussianMixture(prior=...)`` (or ``prior="default"``
    for all of mclust's defaults) to fit by maximum a posteriori EM instead of
    maximum likelihood. Every hyperparameter left at None is set from the
    training data at fit time as mclust's ``defaultPrior`` does.

    Parameters
    ----------
    mean : array-like of shape (n_features,), default=None
        Prior mean ``mu_p`` of every component mean. None: the (weighted)
        mean of the training data.
    shrinkage : float, default=0.01
        ``kappa >= 0``: the prior on a component mean is
        ``N(mu_p, Sigma_k / kappa)``, worth ``kappa`` observations. 0 makes the
        mean prior flat (ML means, and no determinant term from it). A
        value above a component's share of the data's weight (its rows'
        worth over ``K``) draws every mean to ``mu_p``, and warns.
    dof : float, default=None
        Degrees of freedom ``nu`` of the covariance prior. None: ``d + 2``.
        Values down to the limit where the prior adds no count
        (``-(d + 2)`` for an unconstrained structure with ``shrinkage > 0``)
        are accepted, so that the prior can be switched off gradually; a
        proper inverse Wishart needs ``nu > d - 1``. A value whose count
        outweighs the rows a covariance is estimated from (``K`` times the
        count per component against the data's weight) sets the covariances
        to the prior's scale, and warns.
    scale : float, array-like of shape (n_features,) or \
            (n_features, n_features), default=None
        Scale of the covariance prior: the inverse Wishart's ``Lambda`` for
        the structures with orientations, the inverse gammas' ``zeta`` for
        the axis-aligned and spherical ones. A number means that number times
        the identity, a vector a diagonal matrix; it is turned into the form
        the structure's prior takes (the diagonal for the diagonal structures,
        the mean of the diagonal for the spherical ones). None:
        ``cov(X) / K^(2/d)`` for the structures with orientations and
        ``mean_j var(X_j) / K^(2/d)`` for the others.

    See Also
    --------
    GaussianMixture : Takes the prior as ``prior=``.

    Notes
    -----
    With ``d`` features, the MAP means are
    ``mu_k = (n_k xbar_k + kappa mu_p) / (n_k + kappa)`` and, for the
    unconstrained structure, with ``s_k = kappa n_k / (n_k + kappa)`` and
    ``e_k = xbar_k - mu_p``,
    ``Sigma_k = (Lambda + W_k + s_k e_k e_k^T) / (nu + n_k + d + 2)``,
    ``W_k`` being the scatter of component ``k`` about its sample mean
    ``xbar_k``. The other structures apply their own M-step to that
    prior-augmented scatter with effective counts in place of ``n_k``; the
    module ``gmm_estimators._prior`` documents the counts for every structure
    and where (and how) mclust's implementation differs: with the defaults
    the fits equal mclust's for VVV, EEE, VVI, VII, E and V, and differ by a
    different count or scale in mclust's routines for EII, VEI, VEV, EVI, EEV
    and EEI. For the structures mclust fits without a prior only (VEE, EVE,
    VVE, EVV) this is the natural extension of the same prior.

    The fitted model's BIC and AIC use the log-likelihood at the MAP
    estimate, as mclust's do.

    References
    ----------
    Fraley, C. and Raftery, A. E. (2007). Bayesian regularization for normal
    mixture estimation and model-based clustering. Journal of Classification
    24(2), 155-181.

    Examples
    --------
    >>> from gmm_estimators import ConjugatePrior, GaussianMixture
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> X = load_old_faithful(return_X_y=True)
    >>> prior = ConjugatePrior().resolve(X, n_components=2, covariance_type="VVV")
    >>> prior.dof, prior.shrinkage
    (4.0, 0.01)
    >>> gm = GaussianMixture(2, prior="default", random_state=0).fit(X)
    >>> gm.collapsed_components_.size
    0
    """

    def __init__(self, mean=None, shrinkage=_DEFAULT_SHRINKAGE, dof=None, scale=None):
        self.mean = mean
        self.shrinkage = shrinkage
        self.dof = dof
        self.scale = scale

    def __repr__(self):
        defaults = {"mean": None, "shrinkage": 0.01, "dof": None, "scale": None}
        changed = [
            f"{name}={value!r}"
            for name, value in vars(self).items()
            if not _same(value, defaults.get(name))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f), getattr(other, f)) for f in vars(self))

    __hash__ = None  # mutable, compared by value

    def get_params(self, deep=True):
        """The hyperparameters, as scikit-learn's estimators expose theirs.

        With them, ``GaussianMixture(prior=ConjugatePrior())`` has nested
        parameters such as ``prior__shrinkage`` that ``GridSearchCV`` can set.

        Parameters
        ----------
        deep : bool, default=True
            Ignored: a prior holds no estimators.

        Returns
        -------
        params : dict
        """
        return {
            "mean": self.mean,
            "shrinkage": self.shrinkage,
            "dof": self.dof,
            "scale": self.scale,
        }

    def set_params(self, **params):
        """Set hyperparameters by name.

        Parameters
        ----------
        **params : dict
            Any of ``mean``, ``shrinkage``, ``dof`` and ``scale``.

        Returns
        -------
        self : ConjugatePrior
        """
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}; valid "
                    f"parameters are {sorted(valid)}."
                )
            setattr(self, name, value)
        return self

    def resolve(self, X, n_components, covariance_type="full", sample_weight=None):
        """The prior with every hyperparameter set, as a fit on X would use it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, complete (a fit with missing values resolves its
            prior from its own estimates of the data's mean and scatter).
        n_components : int
            Number of components ``K``, at least 1 (the default scale
            shrinks with it).
        covariance_type : str, default='full'
            A registered covariance structure; it decides the form of the
            scale.
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights.

        Returns
        -------
        prior : ConjugatePrior
            A new instance with ``mean`` of shape (n_features,), float
            ``shrinkage`` and ``dof``, and ``scale`` in the structure's form:
            a ``(d, d)`` matrix, a ``(d,)`` vector (diagonal structures) or a
            float (spherical structures).
        """
        from sklearn.utils import check_array
        from sklearn.utils.validation import _check_sample_weight

        if isinstance(n_components, bool) or not isinstance(n_components, Integral):
            raise TypeError(
                f"n_components must be an int, got {type(n_components).__name__} "
                f"{n_components!r}."
            )
        if n_components < 1:
            raise ValueError(f"n_components must be at least 1, got {n_components}.")
        X = check_array(X, dtype=[np.float64, np.float32])
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        model = get_covariance_model(covariance_type)
        return resolve_prior(self, model, _summary(X, sample_weight), n_components)

    # The EM engine's seam: a resolved prior in ``EMOptions.prior`` gives the
    # MAP M-step its inputs and the objective its log-density through these
    # two methods (the engine imports nothing of this module).
    def map_m_step_inputs(self, model, center, nk, means, scatter):
        """MAP means, prior-augmented scatter and effective counts of this prior.

        The prior must be resolved (:meth:`resolve`); see
        :func:`map_m_step_inputs` for the parameters and the maths.

        Parameters
        ----------
        model : CovarianceModel
        center : ndarray of shape (n_features,)
        nk : ndarray of shape (n_components,)
        means : ndarray of shape (n_components, n_features)
        scatter : ndarray

        Returns
        -------
        means, scatter, counts : ndarray
        """
        return map_m_step_inputs(self, model, center, nk, means, scatter)

    def log_density(self, model, center, params):
        """``log p(theta)`` of engine parameters, up to an additive constant.

        The prior must be resolved (:meth:`resolve`); see
        :func:`log_prior_density`.

        Parameters
        ----------
        model : CovarianceModel
        center : ndarray of shape (n_features,)
        params : Params

        Returns
        -------
        log_density : float
        """
        return log_prior_density(self, model, center, params)


def _summary(X, sample_weight):
    """What :func:`resolve_prior` reads of the data (as the engine's source).

    Data whose squares (or their weighted sum) overflow float64 get the
    clear error of ``fit``, not an infinite scale.
    """
    weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    # An overflow is reported below by check_squares_fit, in the data's terms.
    with np.errstate(over="ignore", invalid="ignore"):
        weight_sum = float(weights.sum())
        center = weights @ X.astype(np.float64) / weight_sum
        centred = X.astype(np.float64) - center
        summary = SimpleNamespace(
            X=X,
            sample_weight=sample_weight,
            n_features=X.shape[1],
            center=center,
            weight_sum=weight_sum,
            total_scatter=(centred * weights[:, np.newaxis]).T @ centred,
        )
    check_squares_fit(summary)
    return summary


def _same(a, b):
    if a is None or b is None:
        return a is b
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):  # pragma: no cover - exotic objects
        return a == b


# --------------------------------------------------------------------------
# Resolution of the hyperparameters


def resolve_prior(prior, model, data, n_components):
    """Validate a prior and fill in mclust's defaults from the training data.

    Parameters
    ----------
    prior : None, "default" or ConjugatePrior
        The estimator's ``prior`` parameter.
    model : CovarianceModel
        The structure being fitted.
    data : FitData
        The training data's summaries (weighted mean and total scatter).
    n_components : int

    Returns
    -------
    resolved : ConjugatePrior or None
        A new instance in the data's units with every hyperparameter set and
        the scale in the form of ``model.prior_family`` (see
        :meth:`ConjugatePrior.resolve`); None when ``prior`` is None.
    """
    if prior is None:
        return None
    if isinstance(prior, str) and prior == "default":
        prior = ConjugatePrior()
    if not isinstance(prior, ConjugatePrior):
        raise TypeError(
            "prior must be None, 'default' or a ConjugatePrior instance; got "
            f"{prior!r}."
        )
    d = data.n_features
    K = int(n_components)
    form = prior_form_of(model)
    check_weight_sum_for_prior(data.weight_sum)

    shrinkage = prior.shrinkage
    if not finite_number(shrinkage) or shrinkage < 0:
        raise ValueError(
            f"ConjugatePrior shrinkage must be a finite number >= 0; got {shrinkage!r}."
        )
    shrinkage = float(shrinkage)

    if prior.mean is None:
        mean = data_mean(data)
    else:
        mean = _as_floats(prior.mean)
        if mean is not None:
            mean = mean.reshape(-1)
        if mean is None or mean.shape != (d,) or not np.all(np.isfinite(mean)):
            raise ValueError(
                f"ConjugatePrior mean must be {d} finite numbers (one per feature); "
                f"got {prior.mean!r}."
            )
        # The M-step adds n kappa / (n + kappa) times the squared offsets of
        # the means from it, at most min(kappa, n): beyond float64 it failed
        # as if the rows were too few for a covariance.
        offset = np.abs(mean - np.asarray(data.center, dtype=np.float64))
        factor = max(min(shrinkage, data.weight_sum), 1.0)
        with np.errstate(over="ignore"):
            squared = float(np.sum(offset * offset)) * factor
        if not np.isfinite(squared):
            raise ValueError(
                f"ConjugatePrior mean lies up to {float(offset.max()):.3g} from the "
                "data's centre: its squared distance to the components' means "
                "overflows float64. Give a mean in the data's units, near the "
                "rows (mean=None takes the data's weighted mean)."
            )

    dof = float(d + 2) if prior.dof is None else prior.dof
    if not finite_number(dof):
        raise ValueError(f"ConjugatePrior dof must be a finite number; got {dof!r}.")
    dof = float(dof)
    smallest = minimum_dof(model, d, K, shrinkage)
    if dof < smallest:
        raise ValueError(
            f"ConjugatePrior dof={dof!r} is below {smallest!r}, the smallest value "
            f"for covariance_type {model.name!r} with n_features={d}, "
            f"n_components={K} and shrinkage={shrinkage!r}: it would give the "
            "components a negative prior count. Use dof=None for mclust's d + 2."
        )

    if prior.scale is None:
        # n as frequency weights count it (rows of weight 0 count for none).
        scale = form.default_scale(
            data_covariance(data), float(K) ** (-2.0 / d), data.weight_sum
        )
    else:
        scale = form.scale_from_matrix(_scale_as_matrix(prior.scale, d))
    return ConjugatePrior(mean=mean, shrinkage=shrinkage, dof=dof, scale=scale)


def prior_outweighs_data(prior, models, data, n_components):
    """The warning owed when the values given to a prior outweigh the rows.

    A ``dof`` of 1e12 left every covariance at the prior's scale and a
    ``shrinkage`` of 1e12 every mean at the prior's mean, silently: the
    user asked for a fit of the data and got the prior back. The prior's
    counts are weighed against the rows each estimate is made from: a
    shared covariance against every row, one of its own (or a mean) against
    a component's share of them, ``1 / K`` of the weight; so against the
    data's weight, ``K`` times the count per component (a shared count,
    ``_prior_map.prior_counts``, is already divided among the ``K``). Only
    the values given are weighed: mclust's defaults (``dof = d + 2``,
    ``shrinkage = 0.01``) outweigh tiny weights by design.

    Parameters
    ----------
    prior : object
        The estimator's ``prior`` parameter (not resolved).
    models : sequence of CovarianceModel
        The structures fitted; those the prior outweighs are named when
        there are several (a search).
    data : source
        The training data (``n_features``, ``weight_sum``).
    n_components : int

    Returns
    -------
    message : str or None
        None when there is nothing to say, or when a value is invalid
        (``resolve_prior`` names it).
    """
    if not isinstance(prior, ConjugatePrior):
        return None
    d, weight, K = data.n_features, float(data.weight_sum), int(n_components)
    models = list(models)
    said = []
    dof = prior.dof
    if finite_number(dof):
        counts = [K * prior_counts(m, d, K, 0.0, float(dof)) for m in models]
        heavy = [(m.name, c) for m, c in zip(models, counts, strict=True) if c > weight]
        if heavy:
            which = (
                f" ({', '.join(name for name, _ in heavy)})" if len(models) > 1 else ""
            )
            said.append(
                f"ConjugatePrior dof={dof:g} counts as up to "
                f"{max(c for _, c in heavy):.3g} observations of the prior's "
                f"scale in the covariances{which}, more than the data's "
                f"{weight:.3g} rows' worth that estimate them: the prior, not "
                "the rows, sets the covariances. Use a smaller dof (dof=None "
                f"for mclust's d + 2 = {d + 2})."
            )
    shrinkage = prior.shrinkage
    if finite_number(shrinkage) and shrinkage != _DEFAULT_SHRINKAGE:
        if K * shrinkage > weight:
            said.append(
                f"ConjugatePrior shrinkage={shrinkage:g} counts the prior's mean "
                f"as {shrinkage:.3g} rows in each of the {K} components, more "
                f"than their share of the data's {weight:.3g} rows' worth: the "
                "prior, not the rows, sets the means. Use a smaller shrinkage "
                "(mclust's default is 0.01)."
            )
    return " ".join(said) or None


def finite_number(value):
    """Whether a hyperparameter is a finite real number (``True`` is not one)."""
    return (
        isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    )


def data_covariance(data):
    """The data's covariance for the default priors.

    Its scatter about its weighted mean over ``max(sum(w) - 1, sum(w) / 2)``
    (:func:`~._engine._representation.frequency_covariance`, R's ``var()``
    with frequency weights); with missing values, each feature's variance
    over the rows observing it (``MissingValuesSource.observed_covariance``).
    """
    observed = getattr(data, "observed_covariance", None)
    if observed is not None:
        return observed()
    return frequency_covariance(scatter_about_mean(data), data.weight_sum)


def _as_floats(value):
    """``value`` as a float64 array, or None when it is no array of real numbers."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):  # strings, ragged lists, complex numbers
        return None


def _scale_as_matrix(scale, d):
    """A user scale (number, vector or matrix) as a symmetric matrix, validated."""
    array = _as_floats(scale)
    if array is None:
        raise ValueError(
            "ConjugatePrior scale must be a number, a vector of n_features "
            f"numbers or an n_features x n_features matrix of them; got {scale!r}."
        )
    if not np.isfinite(array).all():
        raise ValueError(
            f"ConjugatePrior scale must be finite; got {scale!r}. Give a positive "
            "number, vector or positive-definite matrix (None: mclust's default, "
            "from the data)."
        )
    if array.ndim == 0:
        matrix = float(array) * np.eye(d)
    elif array.shape == (d,):
        matrix = np.diag(array)
    elif array.shape == (d, d):
        matrix = 0.5 * (array + array.T)
        if not np.allclose(array, array.T):
            raise ValueError(
                f"ConjugatePrior scale must be a symmetric matrix; got {scale!r}."
            )
    else:
        raise ValueError(
            "ConjugatePrior scale must be a number, a vector of n_features "
            f"numbers or an n_features x n_features matrix (n_features={d}); got "
            f"an array of shape {array.shape}."
        )
    if not np.all(np.isfinite(matrix)) or np.linalg.eigvalsh(matrix)[0] < -1e-12 * max(
        np.abs(matrix).max(), 1e-300
    ):
        raise ValueError(
            "ConjugatePrior scale must be finite and positive semi-definite "
            f"(non-negative for a number or a vector); got {scale!r}."
        )
    return matrix
