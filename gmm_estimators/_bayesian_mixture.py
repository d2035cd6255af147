"""BayesianGaussianMixture: variational Bayes on the blockwise EM engine."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _variational
from ._base import BaseMixture
from ._collapse import component_check, store_verdict
from ._degenerate import EMPTY_WEIGHT
from ._engine import ArraySource, statistics_from_resp
from ._engine._representation import data_mean
from ._engine._validation import validate_data
from ._fit_starts import initial_parameters
from ._fitted import fitted_model, store_covariances
from ._gaussian_mixture import Count
from ._offered import offered_if
from ._prior import data_covariance
from ._variational import VariationalPrior
from ._variational import log_dirichlet_norm as _log_dirichlet_norm
from ._variational import log_wishart_norm as _log_wishart_norm
from .covariance import get_covariance_model
from .covariance._priors import prior_form_of

__all__ = ["BayesianGaussianMixture"]

# scikit-learn's four structures, by either name: the Wishart posterior is
# conjugate for them only.
_STRUCTURES = {"full", "tied", "diag", "spherical", "VVV", "EEE", "VVI", "VII"}


class _VariationalStructures(StrOptions):
    """The structures with a variational update, and why only these.

    scikit-learn's message listed the names alone: a user asking for 'VEV'
    or a structure registered in user code learnt no reason or remedy.
    """

    def __str__(self):
        return (
            f"{super().__str__()}: the four structures whose conjugate "
            "posterior has a closed-form variational update (the other "
            "registered structures, mclust's constrained ones and those "
            "registered in user code, have none; fit them with "
            "GaussianMixture, or search them with GaussianMixtureIC)"
        )


# Re-exported under scikit-learn's private names, for code written against it.
_log_dirichlet_norm = _log_dirichlet_norm
_log_wishart_norm = _log_wishart_norm


# Beyond this total weight, gammaln of the counts (the Wishart and Dirichlet
# normalisers of the lower bound) overflows float64.
_LARGEST_WEIGHT_SUM = 1e300


def _no_information_criteria(estimator):
    # The variational fit has no maximum likelihood: no BIC, AIC or ICL, as
    # in scikit-learn. A call says so, and what to use instead.
    raise AttributeError(
        f"{type(estimator).__name__} has no bic, aic or icl: a variational fit "
        "has no maximum-likelihood estimate for them to score. Compare "
        "variational fits by lower_bound_, or select among GaussianMixture "
        "fits with GaussianMixtureIC."
    )


class BayesianGaussianMixture(BaseMixture):
    """Variational Bayesian estimation of a Gaussian mixture.

    A drop-in replacement for :class:`sklearn.mixture.BayesianGaussianMixture`:
    the same parameters, defaults, fitted attributes and results from the
    same start, computed by the blockwise engine of :class:`GaussianMixture`
    (each variational E-step is one pass of large matrix products over row
    blocks, the M-step updates the posterior from the summed statistics).
    Beyond scikit-learn it accepts sample weights and float32 data stays
    float32, and ``fit`` sets ``labels_`` as a clusterer does.

    The posterior puts a Dirichlet process (or Dirichlet distribution) prior
    on the weights, so that with a small ``weight_concentration_prior`` the
    components the data do not need get weights near zero: ``n_components``
    is an upper bound, and the number of components actually used is
    inferred.

    Parameters
    ----------
    n_components : int, default=1
        Number of components (an upper bound on the number used).
    covariance_type : {'full', 'tied', 'diag', 'spherical'}, default='full'
        Covariance structure; mclust's names of the same structures
        (``'VVV'``, ``'EEE'``, ``'VVI'``, ``'VII'``) are accepted too.
    tol : float, default=1e-3
        Iterations stop when the lower bound (a total over the rows, not a
        mean, as in scikit-learn) gains less than this.
    reg_covar : float, default=1e-6
        Non-negative value added to the diagonal of the covariance of each
        component's data (scikit-learn's ``S_k``) before the posterior update.
    max_iter : int, default=100
        Maximum number of iterations per start.
    n_init : int, default=1
        Number of starts; the one with the largest lower bound is kept.
    init_params : {'kmeans', 'k-means++', 'random', 'random_from_data', 'hc', \
            'mclust_hc'}, default='kmeans'
        How starting responsibilities are drawn (see :class:`GaussianMixture`).
    weight_concentration_prior_type : {'dirichlet_process', \
            'dirichlet_distribution'}, default='dirichlet_process'
        The prior on the weights: a stick-breaking Dirichlet process truncated
        at ``n_components``, or a symmetric Dirichlet distribution.
    weight_concentration_prior : float or None, default=None
        Concentration ``gamma`` (process) or ``alpha_0`` (distribution), > 0;
        None gives ``1 / n_components``. Small values favour few active
        components, large values many.
    mean_precision_prior : float or None, default=None
        ``beta_0`` > 0, how strongly means are pulled to ``mean_prior``;
        None gives 1.
    mean_prior : array-like of shape (n_features,) or None, default=None
        ``m_0``, the prior mean of the means; None gives the (weighted) mean
        of the data.
    degrees_of_freedom_prior : float or None, default=None
        ``nu_0`` of the Wishart prior on the precisions, above
        ``n_features - 1``; None gives ``n_features``.
    covariance_prior : float or array-like or None, default=None
        ``Psi_0``, the prior covariance: shape ``(n_features, n_features)``
        for 'full' and 'tied', ``(n_features,)`` for 'diag', a number for
        'spherical'. None gives the (weighted) empirical covariance of the
        data (with ``ddof=1``: the scatter divided by ``sum(w) - 1``, or by
        ``sum(w) / 2`` when that is larger, for weights summing to less than
        2), its diagonal, or the diagonal's mean.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and :meth:`sample`.
    warm_start : bool, default=False
        If True, each ``fit`` continues from the previous posterior.
    verbose : int, default=0
        1 prints each start and iteration; 2 adds timings and the change of
        the lower bound.
    verbose_interval : int, default=10
        Iterations between two progress lines.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Posterior mean weights.
    means_ : ndarray of shape (n_components, n_features)
        Posterior means ``m_k`` of the component means.
    covariances_ : ndarray
        Expected covariances ``(nu_k W_k)^-1`` of the Wishart posteriors, in
        the shape of ``covariance_type``: ``(n_components, n_features,
        n_features)``, ``(n_features, n_features)``, ``(n_components,
        n_features)`` or ``(n_components,)``.
    precisions_ : ndarray
        Their inverses, same shape.
    precisions_cholesky_ : ndarray
        Upper-triangular factors with ``precision = P @ P.T``, same shape.
    converged_ : bool
        Whether the kept run reached ``tol``.
    n_iter_ : int
        Iterations of the kept run.
    lower_bound_ : float
        Lower bound on the model evidence of the training data at the end of
        the kept run (``-inf`` with ``max_iter=0``), up to constants.
    lower_bounds_ : list of float
        Its value at every iteration of the kept run; never decreasing
        while ``reg_covar`` is negligible against the data's variances.
    weight_concentration_prior_ : float
        The concentration used.
    weight_concentration_ : ndarray of shape (n_components,) or tuple
        Posterior Dirichlet parameters, or for the Dirichlet process the pair
        of arrays of the Beta parameters ``(a_k, b_k)`` of the sticks.
    mean_precision_prior_ : float
        ``beta_0`` used.
    mean_precision_ : ndarray of shape (n_components,)
        Posterior ``beta_k = beta_0 + N_k``.
    mean_prior_ : ndarray of shape (n_features,)
        ``m_0`` used.
    degrees_of_freedom_prior_ : float
        ``nu_0`` used.
    degrees_of_freedom_ : ndarray of shape (n_components,) or float
        Posterior ``nu_k = nu_0 + N_k`` (one number ``nu_0 + N / K`` for
        'tied').
    covariance_prior_ : float or ndarray
        ``Psi_0`` used, in the shape given for ``covariance_prior``.
    labels_ : ndarray of shape (n_samples,)
        Most probable component of each training row.
    n_parameters_ : int
        Number of free parameters of the mixture's point estimate.
    collapsed_components_ : ndarray of int
        Components that hold rows but whose expected covariance was singular
        and had to be regularised to be factorised (a singular or
        ill-conditioned ``covariance_prior``, e.g. the default with a
        constant or collinear feature and ``reg_covar=0``); fit then warns
        with a :class:`~gmm_estimators.DegenerateFitWarning`. Usually empty:
        the Wishart prior keeps every covariance positive definite, so a
        component on a few rows is sound; and the components the posterior
        *empties* (less than ``1e-8`` of the rows' weight: the unused ones
        when ``n_components`` is an upper bound) are the method working, not
        a collapse, so they are never listed and give no warning.
    spurious_components_ : ndarray of int
        Components that hold rows and are far narrower than another one
        (see :class:`GaussianMixture`); emptied components are not compared.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.mixture.BayesianGaussianMixture : The estimator this one replaces.
    GaussianMixture : Maximum-likelihood mixture, for BIC/AIC selection.

    Notes
    -----
    Mean-field variational inference (Bishop 2006, section 10.2; Blei and
    Jordan 2006 for the process) alternates

    * the E-step, ``log r_ik = E[log pi_k] + E[log N(x_i | mu_k,
      Lambda_k^-1)] - log Z_i`` with ``E[log N] = log N(x_i | m_k, Sigma_k) -
      d/2 log nu_k + (d log 2 + sum_j psi((nu_k - j)/2) - d / beta_k) / 2``,
      a Mahalanobis distance with a per-component offset, computed blockwise
      like the maximum-likelihood E-step;
    * the M-step, the posterior from ``N_k = sum_i w_i r_ik``, the component
      means and the weighted scatter: ``beta_k = beta_0 + N_k``, ``m_k =
      (beta_0 m_0 + N_k xbar_k) / beta_k``, ``nu_k = nu_0 + N_k`` and
      ``nu_k Sigma_k = Psi_0 + N_k S_k + beta_0 N_k / beta_k (xbar_k - m_0)
      (xbar_k - m_0)^T``; the weights' posterior is ``alpha_0 + N_k``
      (distribution) or the sticks' ``Beta(1 + N_k, gamma + sum_{j>k} N_j)``
      (process).

    The lower bound is scikit-learn's: ``-sum_ik w_i r_ik log r_ik`` minus
    the log normalisers of the Wishart, weight and mean posteriors.
    Predictions (:meth:`predict`, :meth:`predict_proba`,
    :meth:`score_samples`) use the variational E-step's log-densities, as
    scikit-learn does; :meth:`sample` draws from the point estimate
    (``weights_``, ``means_``, ``covariances_``).

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import BayesianGaussianMixture
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [12, 4], [10, 7]])
    >>> bgm = BayesianGaussianMixture(n_components=2, random_state=42).fit(X)
    >>> bgm.means_.round(1)
    array([[2.5, 2.3],
           [8.5, 4.5]])
    >>> bgm.predict([[0, 0], [9, 3]])
    array([0, 1])
    """

    _parameter_constraints: dict = {
        **BaseMixture._parameter_constraints,
        "n_components": [Count()],
        "covariance_type": [_VariationalStructures(_STRUCTURES)],
        "weight_concentration_prior_type": [
            StrOptions({"dirichlet_process", "dirichlet_distribution"})
        ],
        "weight_concentration_prior": [
            None,
            Interval(Real, 0.0, None, closed="neither"),
        ],
        "mean_precision_prior": [None, Interval(Real, 0.0, None, closed="neither")],
        "mean_prior": [None, "array-like"],
        "degrees_of_freedom_prior": [None, Interval(Real, 0.0, None, closed="neither")],
        "covariance_prior": [
            None,
            "array-like",
            Interval(Real, 0.0, None, closed="neither"),
        ],
    }

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=None,
        mean_precision_prior=None,
        mean_prior=None,
        degrees_of_freedom_prior=None,
        covariance_prior=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # The variational E-step has no observed-data form yet: NaN are refused
    # (impute them first, e.g. with GaussianMixtureImputer).
    _accepts_missing = False

    # ------------------------------------------------ hooks of BaseMixture
    def _covariance_model(self):
        return get_covariance_model(self.covariance_type)

    def _initial_parameters(self, n_features, model):
        # No *_init parameters: every start comes from init_params.
        return None, None, None

    @property
    def _process(self):
        return self.weight_concentration_prior_type == "dirichlet_process"

    @property
    def _fitted_process(self):
        # The fitted posterior's own form (the sticks' pair of arrays, or one
        # Dirichlet array), not the parameter, which set_params may change.
        return isinstance(self.weight_concentration_, tuple)

    def _starts(self, model, source, options, user_init, mapper, noise_mask=None):
        if (
            self.warm_start
            and hasattr(self, "converged_")
            and self._fitted_process != self._process
        ):
            fitted = ("dirichlet_distribution", "dirichlet_process")[
                self._fitted_process
            ]
            raise ValueError(
                f"{type(self).__name__}: fit with warm_start=True continues from "
                "the fitted parameters, but weight_concentration_prior_type="
                f"{self.weight_concentration_prior_type!r}, the fit has "
                f"{fitted!r}. Fit again from scratch (warm_start=False, or a new "
                "estimator), or restore the settings of the fit."
            )
        yield from super()._starts(
            model, source, options, user_init, mapper, noise_mask
        )

    def _em_options(self, model, source):
        """The variational M-step and lower bound, priors resolved on the data."""
        if source.weight_sum > _LARGEST_WEIGHT_SUM:
            raise ValueError(
                f"sample_weight sums to {source.weight_sum:.3g}: the variational "
                "lower bound holds log-gamma functions of the counts (about "
                "N log N), which overflow float64 beyond a total of about "
                f"{_LARGEST_WEIGHT_SUM:.0e}. The weights are frequencies that "
                "weigh the data against the priors (a common factor changes the "
                "fit): give them as counts, or divide them by a common factor "
                "knowing that it weakens the data against the priors."
            )
        # The priors' defaults come from the (weighted) training data.
        self._resolve_priors(source)
        return _variational.VariationalOptions(
            prior=self._prior(),
            reg_covar=self.reg_covar,
            tol=self.tol,
            max_iter=self.max_iter,
        )

    def _params_from_attributes(self, center):
        """The fitted posterior as engine parameters centred on ``center``."""
        base = super()._params_from_attributes(center)
        concentration = self.weight_concentration_
        process = self._fitted_process
        if process:
            concentration = tuple(np.asarray(c, np.float64) for c in concentration)
        else:
            concentration = np.asarray(concentration, np.float64)
        params = _variational.VariationalParams(
            weights=base.weights,
            means=base.means,
            covariances=base.covariances,
            precisions_cholesky=base.precisions_cholesky,
            weight_concentration=concentration,
            mean_precision=np.asarray(self.mean_precision_, np.float64),
            degrees_of_freedom=np.asarray(self.degrees_of_freedom_, np.float64),
        )
        params.log_weights = _variational.log_weight_offset(
            fitted_model(self), params, process
        )
        return params

    def _store_posterior(self, options, params, center, dtype):
        """The posterior ``params`` as fitted attributes (scikit-learn's helpers)."""
        for name, value in options.fitted_attributes(params).items():
            setattr(self, name, value)
        self.weights_ = params.weights.astype(dtype)
        self.means_ = (params.means + center).astype(dtype)
        store_covariances(self, self._covariance_model(), params, dtype)

    def _record_collapse(self, model, data, params, jittered, check=None):
        """Store ``collapsed_components_`` and ``spurious_components_``; warn.

        Called by ``_fitted.set_fitted_attributes`` after every fit in place
        of ``_collapse.record_collapse``, whose verdict is maximum
        likelihood's. A variational posterior differs in two ways:

        * it *empties* the components the data do not need (``N_k -> 0``,
          their posterior falls back to the prior): that is the method
          working (``n_components`` is an upper bound), not a collapse;
        * its Wishart prior adds ``covariance_prior`` to every component's
          scatter, so the lower bound is bounded and a component on a few
          rows or a lattice line keeps a sound covariance: the check runs
          with the bounded rules of a MAP fit (``_degenerate``).

        What remains degenerate is a component that holds rows and whose
        expected covariance was singular all the same (a singular
        ``covariance_prior``, from a constant or collinear feature, with a
        negligible ``reg_covar``), so that it had to be regularised to be
        factorised. Spurious components (far narrower than another
        component that holds rows) are reported as for
        :class:`GaussianMixture`.
        """
        if check is None:
            check = component_check(model, data, params, jittered, prior=self._prior())
        _, spurious, reasons, _ = check
        # The M-step's N_k plus scikit-learn's 10 eps: beta_k - beta_0. The
        # guard is in the data's dtype: 1.2e-6 for float32, more than
        # EMPTY_WEIGHT of fewer than 120 rows, so it is not a weight here.
        nk = np.asarray(params.mean_precision, np.float64) - self.mean_precision_prior_
        guard = 10 * np.finfo(data.X.dtype).eps
        emptied = nk < EMPTY_WEIGHT * data.weight_sum + guard
        # One flag for a shared covariance is every component's.
        regularised = np.broadcast_to(np.asarray(jittered, bool), nk.shape)
        collapsed = np.flatnonzero((regularised & ~emptied) | ~np.isfinite(nk))
        spurious = np.array(
            [k for k in spurious if not emptied[k] and k not in collapsed],
            dtype=np.intp,
        )
        reason = "its expected covariance was singular and had to be regularised"
        store_verdict(
            self,
            collapsed,
            spurious,
            {**reasons, **{int(k): reason for k in collapsed}},
            collapsed_advice=(
                "The lower bound and the densities of this fit depend on that "
                "regularisation. The Wishart prior keeps covariances positive "
                "definite only when covariance_prior is: its default, the "
                "data's covariance, is singular (to rounding) when a feature "
                "is constant, features are collinear or clusters lie far "
                "apart along a few directions. Remedies: drop or combine such "
                "features, pass a well-conditioned covariance_prior, or "
                "increase reg_covar."
            ),
            spurious_advice=(
                "A component far narrower than the others is more often a "
                "local optimum on discretised data than a real cluster. "
                "Remedies: more starts (n_init), a smaller "
                "weight_concentration_prior (fewer components in use), or a "
                "covariance_prior and degrees_of_freedom_prior that pull the "
                "covariances towards the data's scale."
            ),
        )

    bic = offered_if(_no_information_criteria)(BaseMixture.bic)
    aic = offered_if(_no_information_criteria)(BaseMixture.aic)
    # ICL is BIC plus the classification entropy: no BIC, no ICL.
    icl = offered_if(_no_information_criteria)(BaseMixture.icl)

    # ----------------------------------------------------------- priors
    def _prior(self):
        return VariationalPrior(
            process=self._process,
            weight_concentration=self.weight_concentration_prior_,
            mean_precision=self.mean_precision_prior_,
            mean=self.mean_prior_,
            degrees_of_freedom=self.degrees_of_freedom_prior_,
            covariance=self.covariance_prior_,
        )

    def _resolve_priors(self, data):
        """Set the ``*_prior_`` attributes: the given values or the data's defaults."""
        model = self._covariance_model()
        n_features = data.n_features
        self.weight_concentration_prior_ = (
            1.0 / self.n_components
            if self.weight_concentration_prior is None
            else self.weight_concentration_prior
        )
        self.mean_precision_prior_ = (
            1.0 if self.mean_precision_prior is None else self.mean_precision_prior
        )
        if self.mean_prior is None:
            self.mean_prior_ = data_mean(data)
        else:
            self.mean_prior_ = check_array(
                self.mean_prior,
                dtype=[np.float64, np.float32],
                ensure_2d=False,
                input_name="mean_prior",
            )
            _check_shape(self.mean_prior_, (n_features,), "mean_prior")
        if self.degrees_of_freedom_prior is None:
            self.degrees_of_freedom_prior_ = n_features
        elif self.degrees_of_freedom_prior > n_features - 1.0:
            self.degrees_of_freedom_prior_ = self.degrees_of_freedom_prior
        else:
            raise ValueError(
                "The parameter 'degrees_of_freedom_prior' should be greater than "
                f"{n_features - 1}, but got {self.degrees_of_freedom_prior:.3f}. "
                "The Wishart prior needs more degrees of freedom than "
                "n_features - 1; leave it None for n_features."
            )
        self.covariance_prior_ = self._resolve_covariance_prior(model, data)
        _variational.check_prior_range(
            self.weight_concentration_prior_,
            self.degrees_of_freedom_prior_,
            self.n_components,
            n_features,
            data.weight_sum,
            self.weight_concentration_prior_type,
        )

    def _resolve_covariance_prior(self, model, data):
        # The structure's prior form knows the shape of Psi_0 (a matrix, a
        # vector of variances or one variance).
        form = prior_form_of(model)
        if self.covariance_prior is None:
            # np.cov's ddof=1 with frequency weights, kept a covariance for
            # normalised weights: the conjugate prior's rule.
            return form.empirical_covariance_prior(data_covariance(data))
        return form.check_covariance_prior(
            self.covariance_prior, data.n_features, self.covariance_type
        )

    # ---------------------------------- scikit-learn's private interface
    # scikit-learn's own tests and some user code call these on the
    # estimator; they behave as scikit-learn's, on whole arrays.
    def _check_parameters(self, X, xp=None):
        """Validate the hyperparameters and set the ``*_prior_`` attributes from X."""
        X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        self._resolve_priors(ArraySource.from_arrays(X))

    def _initialize_parameters(self, X, random_state, xp=None):
        """The start of ``init_params`` as fitted attributes (priors resolved)."""
        X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        source = ArraySource.from_arrays(X)
        model = self._covariance_model()
        options = self._em_options(model, source)
        params = initial_parameters(
            self.init_params,
            self.n_components,
            model,
            source,
            options,
            (None, None, None),
            check_random_state(random_state),
            map,
            None,
        )
        self._store_posterior(options, params, source.center, X.dtype)

    def _initialize(self, X, resp):
        """The posterior after one M-step from responsibilities ``resp``."""
        X = check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        resp = np.asarray(resp, dtype=np.float64)
        source = ArraySource.from_arrays(X)
        model = self._covariance_model()
        options = self._em_options(model, source)
        stats = statistics_from_resp(
            model, source, lambda rows: resp[rows], self.n_components
        )
        params, _ = options.m_step(model, source, stats)
        self._store_posterior(options, params, source.center, X.dtype)

    def _estimate_log_weights(self, xp=None):
        """``E[log pi_k]`` under the fitted posterior."""
        return _variational.expected_log_weights(
            self.weight_concentration_, self._fitted_process
        )

    def _estimate_weighted_log_prob(self, X, xp=None):
        """The variational E-step's ``log r_ik + log Z_i``, shape (n, K)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        values = self._blockwise(X, lambda wlp: np.asarray(wlp).ravel())
        return values.reshape(X.shape[0], -1)

    def _estimate_log_prob(self, X, xp=None):
        """``E[log N(x_i | mu_k, Lambda_k^-1)]`` up to scikit-learn's constants."""
        return self._estimate_weighted_log_prob(X) - self._estimate_log_weights()

    def _compute_lower_bound(self, log_resp, log_prob_norm):
        """The lower bound for log responsibilities under the fitted posterior."""
        log_resp = np.asarray(log_resp, dtype=np.float64)
        entropy = float(np.sum(np.exp(log_resp) * log_resp))
        model = fitted_model(self)
        params = self._params_from_attributes(np.zeros(self.means_.shape[1]))
        return _variational.lower_bound(model, params, entropy, self._fitted_process)


def _check_shape(array, shape, name):
    if array.shape != shape:
        raise ValueError(f"{name} should have shape {shape}, but got {array.shape}.")
