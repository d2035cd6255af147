"""The selector's fitted face: it predicts, scores and samples with the chosen model."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._engine._sources import check_not_chunks, is_streamed
from .._engine._validation import validate_data

__all__ = ["ChosenModel"]


class ChosenModel:
    """The methods of a selector that ask its chosen model (``best_estimator_``).

    Fitted when a model is chosen: ``results_`` alone (no sound one) is not.
    The data are checked against the selector's ``n_features_in_`` and
    feature names, then passed on.
    """

    def __sklearn_is_fitted__(self):
        return "best_estimator_" in vars(self)

    def _validated(self, X):
        check_is_fitted(self)
        check_not_chunks(self, X)
        if is_streamed(X):  # Dask, memory maps: read in blocks, only checked here
            validate_data(self, X, reset=False, skip_check_array=True)
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
        log_resp : ndarray of shape (n_samples, n_components_ [+ 1])
            With ``noise=True``, the noise's log-probability is the last column.
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

    def bic(self, X, sample_weight=None):
        """Bayesian information criterion of the chosen model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights, as in ``GaussianMixture.bic``.

        Returns
        -------
        bic : float
        """
        X = self._validated(X)
        return self.best_estimator_.bic(X, sample_weight=sample_weight)

    def aic(self, X, sample_weight=None):
        """Akaike information criterion of the chosen model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights, as in ``GaussianMixture.aic``.

        Returns
        -------
        aic : float
        """
        X = self._validated(X)
        return self.best_estimator_.aic(X, sample_weight=sample_weight)

    def icl(self, X, sample_weight=None):
        """Integrated completed likelihood of the chosen model on X (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights, as in ``GaussianMixture.icl``.

        Returns
        -------
        icl : float
        """
        X = self._validated(X)
        return self.best_estimator_.icl(X, sample_weight=sample_weight)

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
        state = self.random_state if random_state is None else random_state
        return self.best_estimator_.sample(n_samples, random_state=state)
