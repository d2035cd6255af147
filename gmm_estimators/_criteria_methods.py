"""A fitted mixture's information criteria on data: BIC, AIC and ICL."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from . import _criteria as criteria
from ._engine._estep import log_likelihood_terms, weighted_totals

__all__ = ["InformationCriteria"]


class InformationCriteria:
    """``bic``, ``aic`` and ``icl`` of a fitted mixture, and its free parameters.

    The formulas are ``_criteria``'s. Of the estimator it reads what
    ``BaseMixture`` declares: ``_covariance_model``, ``_fixed_proportions``,
    ``_noise_parameters`` and ``_blockwise`` (the rows' log-likelihood
    terms, block by block).
    """

    def _n_parameters(self):
        """Free parameters of the fitted model, as its fit counted them."""
        return criteria.fitted_free_parameters(self)

    def _free_parameters(self, n_components, n_features, model=None):
        """Free parameters of this estimator's model (or ``model``) of that size."""
        noise = self._noise_parameters()
        return criteria.n_free_parameters(
            self._covariance_model() if model is None else model,
            n_components,
            n_features,
            fixed_proportions=self._fixed_proportions(),
            noise=noise is not None,
            noise_volume=None if noise is None else noise[0],
        )

    def _weighted_log_likelihood(self, X, sample_weight):
        """``(sum_i w_i log p(x_i), sum_i w_i, sum_i w_i log z_i,MAP)`` of X."""
        terms = np.asarray(self._blockwise(X, log_likelihood_terms))
        return weighted_totals(terms.reshape(-1, 2), sample_weight)

    def bic(self, X, sample_weight=None):
        """Bayesian information criterion on X (lower is better).

        ``BIC = -2 log L + p log n`` with ``p`` the number of free parameters.
        mclust reports ``2 log L - p log n``: the same number with the sign
        flipped. With a prior, ``L`` is the likelihood at the MAP estimate
        (as in mclust).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights, as in :meth:`fit` and ``GaussianMixtureIC``:
            ``log L = sum_i w_i log p(x_i)`` and ``n = sum_i w_i``.

        Returns
        -------
        bic : float
        """
        log_likelihood, n, _ = self._weighted_log_likelihood(X, sample_weight)
        return criteria.bic(log_likelihood, self._n_parameters(), n)

    def aic(self, X, sample_weight=None):
        """Akaike information criterion on X (lower is better).

        ``AIC = -2 log L + 2 p``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights: ``log L = sum_i w_i log p(x_i)``.

        Returns
        -------
        aic : float
        """
        log_likelihood, _, _ = self._weighted_log_likelihood(X, sample_weight)
        return criteria.aic(log_likelihood, self._n_parameters())

    def icl(self, X, sample_weight=None):
        """Integrated completed likelihood criterion on X (lower is better).

        ``ICL = BIC - 2 sum_i w_i log z_i,MAP`` (Biernacki, Celeux and Govaert,
        2000), ``z_i,MAP`` the posterior probability of the row's most probable
        component: BIC plus a penalty for overlap. mclust reports ``-ICL``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights, as in :meth:`bic`.

        Returns
        -------
        icl : float
            Never below ``bic(X, sample_weight)``.
        """
        log_l, n, map_term = self._weighted_log_likelihood(X, sample_weight)
        return criteria.icl(criteria.bic(log_l, self._n_parameters(), n), map_term)
