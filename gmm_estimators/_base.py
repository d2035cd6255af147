"""BaseMixture: the scikit-learn API around the EM engine."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real
from time import perf_counter

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _em, _missing
from ._initialization import INITIALIZERS, CanonicalRows, initial_responsibilities
from ._prior import log_prior_density, resolve_prior
from .exceptions import DegenerateFitWarning

# A component is collapsed when its covariance has an eigenvalue below this
# fraction of the data's own variance in the same direction (a generalised
# eigenvalue of the pair (component covariance, data covariance)).
COLLAPSE_RATIO = 1e-6


class BaseMixture(ClusterMixin, DensityMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class for mixture models fitted by EM on sufficient statistics.

    Subclasses provide the covariance structure (:meth:`_covariance_model`)
    and the user-supplied starting parameters (:meth:`_initial_parameters`);
    everything else (restarts, convergence, the final E-step that makes
    ``fit_predict`` agree with ``fit().predict``, prediction, sampling and the
    information criteria) lives here.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(INITIALIZERS))],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "verbose_interval": [Interval(Integral, 1, None, closed="left")],
    }

    @abstractmethod
    def _covariance_model(self):
        """The registered covariance structure of this estimator."""

    @abstractmethod
    def _initial_parameters(self, n_features, model):
        """Validated ``(weights, means, precisions)`` given by the user, or None."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # MISSING-VALUES HOOK (issue 18)
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, sample_weight=None):
        """Estimate the mixture's parameters with the EM algorithm.

        The model is fitted ``n_init`` times from different starts and the run
        with the largest log-likelihood is kept. Each run alternates E- and
        M-steps until the mean log-likelihood gains less than ``tol`` or
        ``max_iter`` iterations are done (then a ``ConvergenceWarning`` is
        raised). With ``warm_start=True`` a second call continues from the
        previous solution.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, one row per observation. NaN marks a missing value
            (missing at random): EM then maximises the likelihood of the
            observed values; every row needs one observed value.
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights: a weight of 2 is the same as the row
            appearing twice. None gives every row weight 1.

        Returns
        -------
        self : object
            The fitted mixture.
        """
        self.fit_predict(X, y, sample_weight=sample_weight)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit the mixture to X and return the most probable component of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Component labels, identical to ``fit(X).predict(X)``.
        """
        X = self._fit(X, sample_weight)
        # A final E-step so that fit_predict(X) always equals fit(X).predict(X).
        self.labels_ = self._blockwise(X, _em.row_argmax)
        return self.labels_

    def _fit(self, X, sample_weight, data=None):
        """Everything :meth:`fit_predict` does but its final E-step.

        Parameters
        ----------
        data : _em.FitData or None, default=None
            The summary of ``X`` and ``sample_weight`` (centred copy, mean,
            scatter), when the caller has it already: the selector computes
            it once for all candidates.

        Returns
        -------
        X : ndarray
            The validated training data.
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
        self._check_enough_samples(X, sample_weight)
        # MISSING-VALUES HOOK (issue 18): data with NaN take the EM of _missing.
        if _missing.has_missing(X):
            _missing.fit(self, X, sample_weight)
            return X
        model = self._covariance_model()
        user_init = self._initial_parameters(X.shape[1], model)
        if data is None:
            data = _em.FitData.from_arrays(X, sample_weight)
        # Resolved once per fit: mclust's defaults come from the training data.
        self.prior_ = resolve_prior(
            getattr(self, "prior", None), model, data, self.n_components
        )

        with _em.block_mapper(data, model, self.n_components) as mapper:
            best = self._best_run(model, data, user_init, mapper)
        self.converged_ = best["converged"]
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different "
                "init parameters, or increase max_iter, tol, or check for "
                "degenerate data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self._set_fitted_parameters(best["params"], data.center, X.dtype)
        self.n_iter_ = best["n_iter"]
        self.lower_bound_ = best["lower_bound"] if best["n_iter"] else -np.inf
        self.lower_bounds_ = best["lower_bounds"]
        self._record_collapse(model, data, best["params"], best["jittered"])
        self.n_parameters_ = self._n_parameters()
        return X

    def _best_run(self, model, data, user_init, mapper):
        """EM from ``n_init`` starts (or the previous fit); the best run."""
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        n_init = self.n_init if do_init else 1
        random_state = check_random_state(self.random_state)
        # The initialiser's view of the rows is the same for every start.
        canonical = (
            CanonicalRows.of(data.X, data.sample_weight)
            if do_init and any(value is None for value in user_init)
            else None
        )
        best = None
        for init in range(n_init):
            self._print_verbose_msg_init_beg(init)
            if do_init:
                params = self._start(
                    model, data, user_init, random_state, mapper, canonical
                )
                lower_bound = -np.inf
            else:
                params = self._params_from_attributes(data.center)
                lower_bound = self.lower_bound_
            run = self._run_em(model, data, params, lower_bound, mapper)
            # As scikit-learn: without iterations the last start is kept.
            if (
                best is None
                or self.max_iter == 0
                or run["lower_bound"] > best["lower_bound"]
                or best["lower_bound"] == -np.inf
            ):
                best = run
        return best

    def _check_enough_samples(self, X, sample_weight):
        n_samples = X.shape[0]
        if n_samples < self.n_components:
            raise ValueError(
                "Expected n_samples >= n_components but got "
                f"n_components = {self.n_components}, n_samples = {n_samples}. "
                "Reduce n_components or provide more samples."
            )
        if sample_weight is not None:
            n_weighted = int(np.count_nonzero(sample_weight))
            if n_weighted < self.n_components:
                raise ValueError(
                    f"Only {n_weighted} samples have a positive sample_weight, fewer "
                    f"than n_components = {self.n_components}. Reduce n_components "
                    "or give more samples a positive weight."
                )

    def _start(self, model, data, user_init, random_state, mapper=map, canonical=None):
        """Starting parameters: from the initialiser, then the user's overrides."""
        weights, means, precisions = user_init
        n_components, d = self.n_components, data.n_features
        if weights is None or means is None or precisions is None:
            resp_of_rows = initial_responsibilities(
                self.init_params,
                data.X,
                n_components,
                data.sample_weight,
                random_state,
                canonical=canonical,
            )
            stats = _em.statistics_from_resp(
                model, data, resp_of_rows, n_components, mapper
            )
            params, _ = self._m_step(model, data, stats)
        else:
            params = _em.Params(None, None, None, None)
        if weights is not None:
            params.weights = np.asarray(weights, dtype=np.float64)
        if means is not None:
            params.means = np.asarray(means, dtype=np.float64) - data.center
        if precisions is not None:
            precisions = np.asarray(precisions, dtype=np.float64)
            params.precisions_cholesky = model.precision_cholesky_from_precisions(
                precisions
            )
            params.covariances = model.covariances_from_cholesky(
                params.precisions_cholesky
            )
        assert params.means.shape == (n_components, d)
        return params

    def _m_step(self, model, data, stats, previous=None):
        """The engine's M-step with this estimator's options."""
        return _em.m_step(
            model,
            data,
            stats,
            self.reg_covar,
            equal_proportions=getattr(self, "equal_proportions", False),
            previous=previous,
            prior=self.prior_,
        )

    def _run_em(self, model, data, params, lower_bound, mapper=map):
        """One EM run from ``params``; returns its best state and history."""
        lower_bounds = []
        jittered = np.zeros(self.n_components, dtype=bool)
        converged = False
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):
            previous = lower_bound
            log_likelihood, stats = _em.em_step(model, data, params, mapper)
            if self.prior_ is not None:
                # MAP-EM increases the log posterior, not the likelihood alone.
                log_likelihood += log_prior_density(
                    self.prior_, model, data.center, params
                )
            params, jittered = self._m_step(model, data, stats, params.covariances)
            lower_bound = log_likelihood / data.weight_sum
            lower_bounds.append(lower_bound)
            change = lower_bound - previous
            self._print_verbose_msg_iter_end(n_iter, change)
            if abs(change) < self.tol:
                converged = True
                break
        if self.max_iter:
            self._print_verbose_msg_init_end(lower_bound, converged)
        return {
            "params": params,
            "jittered": jittered,
            "lower_bound": lower_bound,
            "lower_bounds": lower_bounds,
            "n_iter": n_iter,
            "converged": converged,
        }

    # ----------------------------------------------------- fitted parameters
    def _set_fitted_parameters(self, params, center, dtype):
        model = self._covariance_model()
        self.weights_ = params.weights.astype(dtype)
        self.means_ = (params.means + center).astype(dtype)
        self.covariances_ = np.asarray(params.covariances).astype(dtype)
        self.precisions_cholesky_ = np.asarray(params.precisions_cholesky).astype(dtype)
        self.precisions_ = model.precisions_from_cholesky(
            np.asarray(params.precisions_cholesky, dtype=np.float64)
        ).astype(dtype)

    def _params_from_attributes(self, center):
        """Fitted attributes as engine parameters centred on ``center``."""

        # C-contiguous float64 copies: the memory layout of loaded or
        # user-set attributes then cannot change the rounding of predictions.
        def array(values):
            return np.ascontiguousarray(values, dtype=np.float64)

        return _em.Params(
            array(self.weights_),
            array(self.means_) - center,
            array(self.covariances_),
            array(self.precisions_cholesky_),
        )

    def _record_collapse(self, model, data, params, jittered):
        """Flag components whose covariance is tiny against the data's spread."""
        d = data.n_features
        data_cov = data.total_scatter / data.weight_sum
        # Directions where the data itself has no spread (constant or collinear
        # features) are not a collapse of one component: floor them.
        floor = max(self.reg_covar, 1e-12 * max(np.trace(data_cov) / d, 1e-300))
        data_cov = data_cov + floor * np.eye(d)
        full = model.to_full(params.covariances, self.n_components, d)
        ratios = np.array(
            [linalg.eigh(cov, data_cov, eigvals_only=True)[0] for cov in full]
        )
        collapsed = np.flatnonzero(jittered | (ratios < COLLAPSE_RATIO))
        self.collapsed_components_ = collapsed
        if collapsed.size:
            listed = ", ".join(
                f"{k} (smallest variance ratio {ratios[k]:.2g})" for k in collapsed
            )
            warnings.warn(
                f"{type(self).__name__}: component(s) {listed} collapsed: their "
                f"covariance has an eigenvalue below {COLLAPSE_RATIO:g} times the "
                "data's variance in that direction, typically because the "
                "component sits on duplicated or integer-valued rows. Its "
                "likelihood is unbounded, so BIC/AIC of this fit are not "
                "meaningful. Remedies: use fewer components, increase reg_covar "
                "(in the data's units), or add jitter to discretised data. The "
                "indices are stored in collapsed_components_.",
                DegenerateFitWarning,
                stacklevel=4,
            )

    # ----------------------------------------------------------- prediction
    def _validated(self, X):
        check_is_fitted(self)
        return validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",  # MISSING-VALUES HOOK (issue 18)
        )

    def _blockwise(self, X, reduce):
        """Apply ``reduce(weighted log-densities)`` to each block of X and stack."""
        # MISSING-VALUES HOOK (issue 18): marginal densities over observed features.
        if _missing.has_missing(X):
            return reduce(_missing.weighted_log_prob(self, X))
        model = self._covariance_model()
        center = np.asarray(self.weights_, np.float64) @ np.asarray(
            self.means_, np.float64
        )
        params = self._params_from_attributes(center)
        data = _em.FitData(X, None, center, None, float(X.shape[0]))
        log_prob_of = _em.log_prob_function(model, params, X.dtype)

        def block(rows):
            return reduce(log_prob_of(data.centred(rows))[0])

        n_components = self.means_.shape[0]
        with _em.block_mapper(data, model, n_components) as mapper:
            blocks = data.blocks(model, n_components)
            return np.concatenate(list(mapper(block, blocks)))

    def score_samples(self, X):
        """Log-likelihood of each sample under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p(x)`` for each row.
        """
        X = self._validated(X)
        return self._blockwise(X, _em.log_normalizer)

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood of X under the model.

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
        return float(np.average(self.score_samples(X), weights=sample_weight))

    def predict(self, X):
        """Most probable component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = self._validated(X)
        return self._blockwise(X, _em.row_argmax)

    def predict_proba(self, X):
        """Posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Rows sum to one.
        """
        X = self._validated(X)
        parts = self._blockwise(X, lambda wlp: _em.normalize_log_prob(wlp)[0].ravel())
        return parts.reshape(X.shape[0], -1)

    def predict_log_proba(self, X):
        """Log posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_resp : ndarray of shape (n_samples, n_components)
        """
        X = self._validated(X)

        def log_resp(wlp):
            log_norm = _em.log_normalizer(wlp.copy())
            with np.errstate(under="ignore"):
                return (wlp - log_norm[:, np.newaxis]).ravel()

        return self._blockwise(X, log_resp).reshape(X.shape[0], -1)

    def sample(self, n_samples=1, random_state=None):
        """Draw samples from the fitted mixture.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to generate.
        random_state : int, RandomState instance or None, default=None
            Source of randomness. None uses the estimator's ``random_state``,
            as scikit-learn does, so that a fixed seed gives the same draw;
            pass a seed or a shared ``RandomState`` to make calls differ.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Generated samples, grouped by component.
        y : ndarray of shape (n_samples,)
            Component of each sample.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples!r}. The sampling "
                "requires at least one sample."
            )
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        n_components, n_features = self.means_.shape
        counts = rng.multinomial(n_samples, np.asarray(self.weights_, np.float64))
        full = self._covariance_model().to_full(
            np.asarray(self.covariances_, np.float64), n_components, n_features
        )
        factors = np.linalg.cholesky(full)
        X = np.vstack(
            [
                mean + rng.standard_normal(size=(count, n_features)) @ factor.T
                for mean, factor, count in zip(
                    self.means_, factors, counts, strict=True
                )
            ]
        )
        y = np.repeat(np.arange(n_components), counts)
        return X, y

    # ------------------------------------------------------ model selection
    def _n_parameters(self):
        """Number of free parameters of the fitted model."""
        n_components, n_features = self.means_.shape
        covariance = self._covariance_model().n_parameters(n_components, n_features)
        n_weights = 0 if getattr(self, "equal_proportions", False) else n_components - 1
        return int(covariance + n_components * n_features + n_weights)

    def bic(self, X):
        """Bayesian information criterion on X (lower is better).

        ``BIC = -2 log L + p log n`` with ``p`` the number of free parameters.
        mclust reports ``2 log L - p log n``: the same number with the sign
        flipped. With a prior, ``L`` is the likelihood at the MAP estimate
        (as in mclust).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        bic : float
        """
        n = _num_rows(X)
        return -2 * self.score(X) * n + self._n_parameters() * math.log(n)

    def aic(self, X):
        """Akaike information criterion on X (lower is better).

        ``AIC = -2 log L + 2 p``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        aic : float
        """
        return -2 * self.score(X) * _num_rows(X) + 2 * self._n_parameters()

    # ------------------------------------------------------------- verbose
    def _print_verbose_msg_init_beg(self, n_init):
        if self.verbose >= 1:
            print(f"Initialization {n_init}")
            self._init_prev_time = self._iter_prev_time = perf_counter()

    def _print_verbose_msg_iter_end(self, n_iter, diff_ll):
        if self.verbose and n_iter % self.verbose_interval == 0:
            if self.verbose == 1:
                print(f"  Iteration {n_iter}")
            else:
                now = perf_counter()
                print(
                    f"  Iteration {n_iter}\t time lapse "
                    f"{now - self._iter_prev_time:.5f}s\t ll change {diff_ll:.5f}"
                )
                self._iter_prev_time = now

    def _print_verbose_msg_init_end(self, lower_bound, converged):
        message = "converged" if converged else "did not converge"
        if self.verbose == 1:
            print(f"Initialization {message}.")
        elif self.verbose >= 2:
            elapsed = perf_counter() - self._init_prev_time
            print(
                f"Initialization {message}. time lapse {elapsed:.5f}s\t lower bound "
                f"{lower_bound:.5f}."
            )


def _num_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)
