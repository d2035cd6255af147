"""BaseMixture: the scikit-learn API around the EM engine."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
import math
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._collapse import record_collapse
from ._criteria_methods import InformationCriteria
from ._data_span import data_warning, rows_span
from ._engine import (
    EMOptions,
    Params,
    block_mapper,
    fit_restarts,
    log_normalizer,
    reduce_blocks,
    row_argmax,
)
from ._engine._data import check_squares_fit
from ._engine._estep import (
    flat_log_responsibilities,
    flat_responsibilities,
    weighted_mean,
)
from ._engine._sources import check_not_chunks, make_source, prediction_source
from ._fit_starts import check_continuable, check_enough_samples, new_starts
from ._fitted import (
    check_fitted_values,
    fitted_model,
    set_fitted_attributes,
    unchanged_on_failure,
)
from ._initialization import INITIALIZERS
from ._missing import MissingValuesSource
from ._noise import resolve_noise, rows_for_noise
from ._offered import offered_if
from ._online import (
    batch_prior,
    batch_source,
    has_step_sizes,
    online_step,
    params_digest,
    state_from_model,
    state_of_fit,
    step_size,
    update_judge,
)
from ._pickling import PortablePickle
from ._prior import prior_outweighs_data, resolve_prior
from ._sampling import check_draw_count, draw_rows
from ._verbose import VerboseMonitor
from ._warn import warn_user
from .exceptions import DegenerateFitWarning


class BaseMixture(
    PortablePickle, InformationCriteria, DensityMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base class for mixture models fitted by EM on sufficient statistics.

    A density estimator, as scikit-learn's mixtures are: with the default of
    one component a clusterer's common checks could not pass (``check_clustering``
    sets ``n_clusters``, not ``n_components``). ``fit`` still sets ``labels_``
    and ``fit_predict`` returns them.

    Subclasses provide the covariance structure (:meth:`_covariance_model`),
    the user-supplied starting parameters (:meth:`_initial_parameters`) and,
    if they have such parameters, the prior (:meth:`_prior_parameter`) and
    fixed proportions (:meth:`_fixed_proportions`): those four methods are
    everything this class reads of a subclass besides the parameters declared
    in its own ``_parameter_constraints``. The EM loop and the restarts are
    the engine's (``_engine.fit_restarts``); this class turns them into the
    scikit-learn API: validation, the final E-step that makes
    ``fit_predict`` agree with ``fit().predict``, prediction, sampling and the
    information criteria.
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
        "learning_decay": [Interval(Real, 0.5, 1.0, closed="right")],
        "learning_offset": [Interval(Real, 0.0, None, closed="left")],
        "forgetting_factor": [None, Interval(Real, 0.0, 1.0, closed="left")],
    }

    @abstractmethod
    def _covariance_model(self):
        """The registered covariance structure of this estimator."""

    @abstractmethod
    def _initial_parameters(self, n_features, model):
        """Validated ``(weights, means, precisions)`` given by the user, or None."""

    #: Whether NaN in X are missing values this estimator models (else refused).
    _accepts_missing = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A noise component and missing values cannot be combined yet.
        tags.input_tags.allow_nan = (
            self._accepts_missing and self._noise_parameters() is None
        )
        return tags

    def _prior_parameter(self):
        """The conjugate prior asked for (None, 'default' or a ConjugatePrior)."""
        return None

    def _fixed_proportions(self):
        """Whether the mixing proportions stay at ``1 / n_components``."""
        return False

    def _noise_parameters(self):
        """``(noise_volume, noise_init)`` of a noise component, or None without one."""
        return None

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
            Non-negative frequency weights: weight 2 is the row twice (but the
            degeneracy checks count rows, not weights). None: every row 1.

        Returns
        -------
        self : object
            The fitted mixture.
        """
        self.fit_predict(X, y, sample_weight=sample_weight)
        return self

    @offered_if(has_step_sizes)
    @_fit_context(prefer_skip_nested_validation=True)
    @unchanged_on_failure
    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the mixture with one mini-batch (stepwise online EM).

        The first call on an unfitted mixture fits the batch as :meth:`fit`
        does. Each later call computes the batch's responsibilities under
        the current parameters, folds the batch's sufficient statistics into
        a running average with step size ``eta_t`` and does one M-step
        (Cappé and Moulines, 2009). Called after :meth:`fit`, it continues
        from the statistics of the fit's last M-step, as from a first batch
        of the fit's rows (from the fitted parameters when they were set by
        hand since). Every batch may have missing values (NaN), as in
        :meth:`fit`: a later batch then contributes the expected statistics
        of its missing entries given the observed ones. A batch that fails
        validation (another number of features, a row with nothing
        observed, no rows) raises and leaves the model as it was. ``labels_``
        are those of the last batch's rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A mini-batch of rows, held in memory. NaN marks a missing value
            (missing at random), in the first batch as in later ones; every
            row needs one observed value.
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights of the batch's rows.

        Returns
        -------
        self : object
            The updated mixture.

        Notes
        -----
        With sufficient statistics ``s`` per unit weight (shares, means and
        scatters about them of each component, in the structure's form,
        averaged as pooled variances are) and
        ``s(B)`` those of batch ``B``, the update is
        ``s <- (1 - eta_t) s + eta_t s(B)``, then the M-step reads ``s``.
        By default ``eta_t = (t + learning_offset)^(-learning_decay)`` for the
        ``t``-th update, which decreases so that the estimates settle;
        ``forgetting_factor=lambda`` instead keeps ``eta = 1 - lambda``
        constant: an exponential window over about ``1 / (1 - lambda)``
        batches, which follows drifting clusters. ``lower_bound_`` is the
        batch's mean log-likelihood under the parameters before the update
        (a held-out score for the stream); each update adds one to ``n_iter_``.
        ``set_params`` between batches (``reg_covar``, step sizes, ``prior``)
        applies from the next update; a ``prior`` set after a fit without one
        takes mclust's defaults from the batch, as :meth:`fit` of it would,
        and a prior changed keeps those already resolved from the data.
        """
        check_not_chunks(self, X, method="partial_fit")  # before fit's check
        model = self._covariance_model()  # (no noise: see has_step_sizes)
        state = getattr(self, "_online_state", None)
        if hasattr(self, "means_"):
            check_continuable(self, model, "partial_fit", noise=False)
        if state is None and not hasattr(self, "means_"):
            # Keeps its statistics (state_of_fit); the labels as fit's.
            self.labels_ = self._labels(self._fit(X, sample_weight))
            return self
        if state is None or state.fitted != params_digest(self):
            # No statistics, or parameters set by hand since: read them, on
            # the stream's schedule so far.
            state = state_from_model(self, model, state)
        # Validated (NaN are missing values, as in the first batch) and
        # centred on the running statistics' centre.
        batch = batch_source(self, X, sample_weight, state.center)
        asked, fitted = self._prior_parameter(), getattr(self, "prior_", None)
        prior = batch_prior(asked, fitted, model, batch, self.n_components)
        options = EMOptions(
            reg_covar=self.reg_covar,
            tol=self.tol,
            max_iter=1,
            equal_proportions=self._fixed_proportions(),
            prior=prior,
        )
        result, state = online_step(
            model,
            batch,
            self._params_from_attributes(batch.center),
            state,
            step_size(self, state.n_updates),
            options,
        )
        # The model changes only once the whole step succeeded.
        result.lower_bounds = [*getattr(self, "lower_bounds_", []), result.lower_bound]
        result.n_iter = int(getattr(self, "n_iter_", 0)) + 1
        dtype = np.asarray(self.means_).dtype
        judge = update_judge(self, batch, state, self._record_collapse, prior)
        count = self._free_parameters(*np.shape(self.means_))
        set_fitted_attributes(self, model, batch, options, result, dtype, judge, count)
        # As MiniBatchKMeans.partial_fit: the labels of the rows just seen.
        self.labels_ = self._labels(batch)
        self._online_state = dataclasses.replace(state, fitted=params_digest(self))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @unchanged_on_failure
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
        source = self._fit(X, sample_weight)
        # A final E-step so that fit_predict(X) always equals fit(X).predict(X).
        self.labels_ = self._labels(source)
        return self.labels_

    def _fit(self, X, sample_weight):
        """Everything :meth:`fit_predict` does but its final E-step.

        Returns
        -------
        source : data source
            The validated training data as the engine reads it.
        """
        # The one dispatch on the input's type (in memory, memory map or other
        # sliceable array, Dask; NaN in memory are missing values): make_source.
        noise = self._noise_parameters() is not None
        source = make_source(
            self,
            rows_for_noise(X, noise),
            sample_weight,
            n_components=self.n_components,
            random_state=self.random_state,
            stream=not noise,
            missing=MissingValuesSource.from_arrays if self._accepts_missing else None,
        )
        check_enough_samples(self.n_components, source.X, source.sample_weight)
        check_squares_fit(source)
        # Streamed rows: read through their in-memory sample, as the selector.
        init = source.init_source()
        span = {} if init is source else {"span": rows_span(init)}
        prior, model = self._prior_parameter(), self._covariance_model()
        span.update(model=model, n_components=self.n_components)
        if swamped := data_warning(self.reg_covar, source, prior, **span):
            warn_user(swamped, UserWarning)
        if outweighs := prior_outweighs_data(prior, [model], source, self.n_components):
            warn_user(outweighs, UserWarning)
        user_init = self._initial_parameters(source.n_features, model)
        # Resolved once per fit: mclust's defaults come from the training data.
        options = self._em_options(model, source)
        noise_mask = None
        if self._noise_parameters() is not None:
            # The noise component: its hypervolume and initial rows (_noise).
            log_volume, noise_mask = resolve_noise(
                source.X, source.sample_weight, *self._noise_parameters()
            )
            options = dataclasses.replace(options, noise_log_volume=log_volume)
        monitor = (
            VerboseMonitor(self.verbose, self.verbose_interval)
            if self.verbose
            else None
        )
        with block_mapper(source, model, self.n_components) as mapper:
            starts = self._starts(
                model, source, options, user_init, mapper, noise_mask=noise_mask
            )
            best = fit_restarts(
                model, source, starts, options, mapper=mapper, monitor=monitor
            )
        if best.breakdown is not None:
            message = best.breakdown_message(type(self).__name__, self.reg_covar)
            warn_user(message, DegenerateFitWarning)
        elif not best.converged and self.max_iter > 0:
            warn_user(
                "Best performing initialization did not converge. Try different "
                "init parameters, or increase max_iter, tol, or check for "
                "degenerate data.",
                ConvergenceWarning,
            )
        count = self._free_parameters(self.n_components, source.n_features)
        judge, dtype = self._record_collapse, source.X.dtype
        set_fitted_attributes(self, model, source, options, best, dtype, judge, count)
        # The running statistics of partial_fit (a fit that is refused
        # keeps the previous ones, which its parameters still match).
        self._online_state = state_of_fit(self, model, source, best)
        return source

    def _record_collapse(self, model, data, params, jittered, check=None):
        """Judge and record the fit's collapsed and spurious components."""
        record_collapse(self, model, data, params, jittered, check)

    def _em_options(self, model, source):
        """The M-step and objective of this estimator (``_engine.EMOptions``)."""
        return EMOptions(
            reg_covar=self.reg_covar,
            tol=self.tol,
            max_iter=self.max_iter,
            equal_proportions=self._fixed_proportions(),
            # Resolved once per fit: mclust's defaults come from the data.
            prior=resolve_prior(
                self._prior_parameter(), model, source, self.n_components
            ),
        )

    def _starts(self, model, source, options, user_init, mapper, noise_mask=None):
        """The ``n_init`` starts (or the previous fit), made one at a time.

        With a noise component, ``noise_mask`` marks the rows that start as
        noise; the initialiser partitions the other rows (mclust's
        ``initialization = list(noise = ...)``).
        """
        if self.warm_start and hasattr(self, "converged_"):
            noise = self._noise_parameters() is not None
            how = "fit with warm_start=True"
            check_continuable(self, model, how, source, noise=noise)
            params, bound = self._params_from_attributes(source.center), None
            if noise and params.noise_log_volume != options.noise_log_volume:
                # This fit's volume (its data, its noise_volume): with the
                # last fit's, the first E-step gave the last bound back and
                # EM stopped there. That bound, another model's, is unknown
                # here (with reg_covar=0 a lower first one read as a fall).
                params.noise_log_volume, bound = options.noise_log_volume, -np.inf
            yield params, self.lower_bound_ if bound is None else bound
            return
        yield from new_starts(
            self, model, source, options, user_init, mapper, noise_mask
        )

    # ----------------------------------------------------- fitted parameters
    @property
    def full_covariances_(self):
        """Every component's covariance as a full matrix, whatever the structure.

        ``covariances_`` keeps scikit-learn's shape for each structure
        (``(K, d, d)``, ``(d, d)``, ``(K, d)`` or ``(K,)``); this is the same
        fitted covariances as a ``(n_components, n_features, n_features)``
        array, for code that needs matrices (ellipses, sampling, export).

        Returns
        -------
        covariances : ndarray of shape (n_components, n_features, n_features)
        """
        check_is_fitted(self)
        n_components, n_features = np.shape(self.means_)
        return fitted_model(self).to_full(
            np.asarray(self.covariances_), n_components, n_features
        )

    def _params_from_attributes(self, center):
        """Fitted attributes as engine parameters centred on ``center``."""

        # C-contiguous float64 copies: the memory layout of loaded or
        # user-set attributes then cannot change the rounding of predictions.
        def array(values):
            return np.ascontiguousarray(values, dtype=np.float64)

        means = array(self.means_)
        covariances = array(self.covariances_)
        precisions_cholesky = array(self.precisions_cholesky_)
        if np.asarray(self.covariances_).dtype != np.float64:
            # Rounded to a narrower dtype one by one, a covariance and its
            # precision factor drift apart by the rounding times the
            # covariance's condition number (a percent of a log-density on a
            # collapsed float32 component). The densities reported are those
            # of the stored covariances: their factor, in float64.
            derived, jittered = fitted_model(self).precision_cholesky(covariances)
            if not np.any(jittered):
                precisions_cholesky = np.ascontiguousarray(derived)
        params = Params(
            array(self.weights_),
            means - center,
            covariances,
            precisions_cholesky,
            raw_means=means,
        )
        if getattr(self, "noise_volume_", None) is not None:
            params.noise_proportion = float(self.noise_proportion_)
            params.noise_log_volume = math.log(self.noise_volume_)
        return params

    # ----------------------------------------------------------- prediction
    def _blockwise(self, X, reduce):
        """Apply ``reduce(weighted log-densities)`` to each block of X and stack.

        ``X`` is validated here (see ``_engine._sources.prediction_source``),
        or is the training source itself. A Dask array gives a Dask array.
        """
        # The training source comes from fit_predict, which has just fitted
        # the model: only the user's data needs the (not free) fitted check.
        training = hasattr(X, "init_source")
        if not training:
            check_is_fitted(self)
            check_fitted_values(self, fitted_model(self))
        center = np.asarray(self.weights_, np.float64) @ np.asarray(
            self.means_, np.float64
        )
        if training:  # the training data, already validated
            source = X.one_pass(center)
        else:
            source = prediction_source(
                self,
                X,
                center,
                missing=MissingValuesSource.for_prediction
                if self._accepts_missing
                else None,
            )
        # Centred on the source's centre (rounded to X's dtype), as the rows.
        params = self._params_from_attributes(source.center)
        return reduce_blocks(fitted_model(self), source, params, reduce)

    def _labels(self, X):
        """Most probable component of each row of X (or a source); -1 for noise."""
        labels = self._blockwise(X, row_argmax)
        if getattr(self, "noise_volume_", None) is not None:
            # np.where keeps a Dask array a Dask array.
            labels = np.where(labels == self.means_.shape[0], -1, labels)
        return labels

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
        return self._blockwise(X, log_normalizer)

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood of X under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the mean. A row of weight zero counts
            for nothing, even where its log-likelihood is ``-inf``; a common
            factor of the weights changes nothing (they are divided by their
            largest before the sums).

        Returns
        -------
        log_likelihood : float
        """
        if sample_weight is None:
            return float(np.average(self.score_samples(X)))
        log_prob = np.asarray(self.score_samples(X), dtype=np.float64)
        # Validated there (non-negative, not all zero); the mean of the
        # weights divided by their largest, whose scale cancels (no inf/inf).
        return weighted_mean(log_prob, sample_weight)

    def predict(self, X):
        """Most probable component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Component indices; -1 for the rows more probably noise, with a
            noise component.
        """
        return self._labels(X)

    def predict_proba(self, X):
        """Posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components [+ 1])
            Rows sum to one. With a noise component, its posterior
            probability is the last column.
        """
        parts = self._blockwise(X, flat_responsibilities)
        return parts.reshape(_num_rows(X), -1)

    def predict_log_proba(self, X):
        """Log posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_resp : ndarray of shape (n_samples, n_components [+ 1])
            With a noise component, its column is the last.
        """
        return self._blockwise(X, flat_log_responsibilities).reshape(_num_rows(X), -1)

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

        Notes
        -----
        With a noise component the samples are drawn from the Gaussian
        components only, in proportions ``weights_ / weights_.sum()``.
        """
        check_is_fitted(self)
        n_samples = check_draw_count(n_samples)
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        check_fitted_values(self, fitted_model(self))
        n_components, n_features = self.means_.shape
        weights = np.asarray(self.weights_, np.float64)
        if getattr(self, "noise_volume_", None) is not None:
            weights = weights / weights.sum()
        full = fitted_model(self).to_full(
            np.asarray(self.covariances_, np.float64), n_components, n_features
        )
        return draw_rows(weights, self.means_, full, n_samples, rng)


def _num_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)
