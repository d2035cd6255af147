"""Variational Bayes for Gaussian mixtures: the M-step and the lower bound.

The variational posterior of :class:`BayesianGaussianMixture` is, per
component ``k``, a Beta (Dirichlet process) or Dirichlet factor on the
weights, a Gaussian on the mean with precision ``beta_k Lambda_k`` around
``m_k``, and a Wishart on the precision ``Lambda_k`` with ``nu_k`` degrees of
freedom and scale ``inv(nu_k Sigma_k)``. Everything here is a plain function
of the sufficient statistics the engine accumulates (``_stats``): ``N_k``,
the component means ``xbar_k`` and the weighted scatter ``W_k`` about them,
in the form the structure asks for (one matrix per component, their diagonals,
or the pooled matrix). The formulas and their simplifications are
scikit-learn's (``sklearn/mixture/_bayesian_mixture.py``, after Bishop 2006,
chapter 10, and Blei and Jordan 2006), so both give the same numbers.

Coordinates: the engine works on data centred on their weighted mean, so the
prior mean enters as ``mean - center``; nothing else depends on the origin.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln

from ._engine import Params
from .covariance._linalg import all_finite

__all__ = [
    "check_prior_range",
    "VariationalParams",
    "VariationalPrior",
    "expected_log_weights",
    "log_dirichlet_norm",
    "log_weight_offset",
    "log_wishart_norm",
    "lower_bound",
    "m_step",
    "mean_weights",
]


@dataclass
class VariationalPrior:
    """Resolved hyperparameters, in the data's units (scikit-learn's ``*_prior_``).

    Attributes
    ----------
    process : bool
        True for the (truncated, stick-breaking) Dirichlet process prior,
        False for the Dirichlet distribution.
    weight_concentration : float
        ``gamma`` of the Dirichlet process or ``alpha_0`` of the Dirichlet.
    mean_precision : float
        ``beta_0``.
    mean : ndarray of shape (d,)
        ``m_0``, in data coordinates.
    degrees_of_freedom : float
        ``nu_0``.
    covariance : float or ndarray
        ``Psi_0``: ``(d, d)`` for full and tied, ``(d,)`` for diag, a number
        for spherical (scikit-learn's shapes).
    """

    process: bool
    weight_concentration: float
    mean_precision: float
    mean: np.ndarray
    degrees_of_freedom: float
    covariance: object


@dataclass
class VariationalParams(Params):
    """Engine parameters plus the variational posterior's own.

    ``means``, ``covariances`` and ``precisions_cholesky`` are scikit-learn's
    ``means_`` (centred), ``covariances_`` (the Wishart's expected covariance,
    ``W_k^-1 / nu_k``) and ``precisions_cholesky_``; ``weights`` the posterior
    mean weights; ``log_weights`` the E-step's per-component offset
    (:func:`log_weight_offset`).
    """

    weight_concentration: object = None
    mean_precision: np.ndarray | None = None
    degrees_of_freedom: object = None


def log_dirichlet_norm(dirichlet_concentration):
    """``log C(alpha) = log Gamma(sum alpha) - sum log Gamma(alpha)``."""
    return gammaln(np.sum(dirichlet_concentration)) - np.sum(
        gammaln(dirichlet_concentration)
    )


def log_wishart_norm(degrees_of_freedom, log_det_precisions_chol, n_features):
    """Log normaliser of Wishart distributions, without the ``log pi`` term.

    ``-(nu log|L| + nu d/2 log 2 + sum_j log Gamma((nu - j) / 2))`` with
    ``log|L|`` the log-determinant of the scale's Cholesky factor.
    """
    return -(
        degrees_of_freedom * log_det_precisions_chol
        + degrees_of_freedom * n_features * 0.5 * math.log(2.0)
        + np.sum(
            gammaln(0.5 * (degrees_of_freedom - np.arange(n_features)[:, np.newaxis])),
            0,
        )
    )


def check_prior_range(
    weight_concentration,
    degrees_of_freedom,
    n_components,
    n_features,
    weight_sum,
    process,
):
    """Raise when a prior's normalisers, or its posterior's, leave float64.

    The lower bound reads ``digamma``, ``log Gamma`` and ``log B`` of the
    weight concentrations and ``log Gamma`` of the degrees of freedom, at
    the prior's values and up to those plus the data's weight: a
    ``weight_concentration_prior`` below about 5.6e-309 (``digamma`` of it
    is -inf) or a ``degrees_of_freedom_prior`` of 1e307 made it -inf at the
    first iteration, reported as an unbounded likelihood.
    """
    with np.errstate(all="ignore"):
        concentrations = np.array(
            [weight_concentration, weight_concentration + weight_sum]
        )
        terms = [digamma(concentrations), gammaln(n_components * concentrations)]
        if process == "dirichlet_process":
            terms.append(betaln(1.0, concentrations))
        if not all(np.isfinite(term).all() for term in terms):
            raise ValueError(
                f"weight_concentration_prior={weight_concentration!r} gives the "
                "variational bound's normalisers (digamma, log Gamma) no finite "
                "value in float64; use a value between 1e-300 and 1e300."
            )
        freedoms = np.array([degrees_of_freedom, degrees_of_freedom + weight_sum])
        norms = log_wishart_norm(freedoms, np.zeros(2), n_features)
        if not np.isfinite(norms).all():
            raise ValueError(
                f"degrees_of_freedom_prior={degrees_of_freedom!r} gives the "
                "Wishart normaliser (log Gamma of half of it) no finite value "
                "in float64; use a value below 1e300."
            )


def _prior_matrix(prior, n_features):
    """``Psi_0`` as a ``(d, d)`` matrix, from a matrix, a vector or a number."""
    covariance = np.asarray(prior.covariance, dtype=np.float64)
    if covariance.ndim == 2:
        return covariance
    return np.broadcast_to(covariance, (n_features,)) * np.eye(n_features)


def m_step(model, prior, center, stats, total_scatter, reg_covar, dtype):
    """The variational posterior from summed sufficient statistics.

    Parameters
    ----------
    model : CovarianceModel
        One of scikit-learn's four structures (full, tied, diag, spherical).
    prior : VariationalPrior
    center : ndarray of shape (d,)
        The engine's centre; the returned means are relative to it.
    stats : accumulator
        ``_stats`` accumulator of the E-step's responsibilities.
    total_scatter : ndarray of shape (d, d) or None
        The centred data's scatter (the pooled form needs it).
    reg_covar : float
    dtype : numpy dtype
        The data's dtype (scikit-learn's ``10 eps`` guard on ``N_k``).

    Returns
    -------
    params : VariationalParams
    jittered : ndarray of bool
        Components whose covariance had to be regularised to be factorised.

    Raises
    ------
    ValueError
        When the posterior scatter overflows float64 (the data's own squares
        are checked before any fit, so the priors or ``reg_covar`` do).

    Notes
    -----
    With ``N_k`` the responsibilities' sums (plus ``10 eps``), ``xbar_k`` and
    ``W_k`` their means and scatter, and ``S_k = W_k / N_k + reg_covar I`` the
    maximum-likelihood covariance (scikit-learn's):

    * weights: Dirichlet ``alpha_k = alpha_0 + N_k``; Dirichlet process
      ``(1 + N_k, gamma + sum_{j > k} N_j)``;
    * means: ``beta_k = beta_0 + N_k``,
      ``m_k = (beta_0 m_0 + N_k xbar_k) / beta_k``;
    * precisions: ``nu_k = nu_0 + N_k`` and the expected covariance
      ``Sigma_k = (Psi_0 + N_k S_k + (beta_0 N_k / beta_k)
      (xbar_k - m_0)(xbar_k - m_0)^T) / nu_k``; its diagonal for 'diag', the
      mean of the diagonal for 'spherical', and for 'tied'
      ``nu = nu_0 + N / K`` with the sum over components divided by ``K``.

    The three forms are one computation here: the posterior scatter is
    assembled in the structure's scatter form and handed to the structure's
    own M-step with the counts ``nu_0 + N_k``.
    """
    nk = stats.nk + 10 * np.finfo(dtype).eps
    xbar, scatter = stats.finalize(nk, total_scatter)
    n_components, n_features = xbar.shape

    if prior.process:
        tail = np.hstack((np.cumsum(nk[::-1])[-2::-1], 0))
        weight_concentration = (1.0 + nk, prior.weight_concentration + tail)
    else:
        weight_concentration = prior.weight_concentration + nk

    mean_precision = prior.mean_precision + nk
    prior_mean = np.asarray(prior.mean, dtype=np.float64) - center
    means = (prior.mean_precision * prior_mean + nk[:, np.newaxis] * xbar) / (
        mean_precision[:, np.newaxis]
    )

    shift = xbar - prior_mean
    spread = nk * prior.mean_precision / mean_precision
    # Per component, the posterior scatter adds to W_k the prior's Psi_0,
    # N_k reg_covar I and the spread of xbar_k about m_0; the structure's
    # form reduces those matrices as it reduces scatter (diagonals, sum).
    with np.errstate(over="ignore", invalid="ignore"):
        added = (
            _prior_matrix(prior, n_features)
            + (reg_covar * nk)[:, np.newaxis, np.newaxis] * np.eye(n_features)
            + spread[:, np.newaxis, np.newaxis]
            * (shift[:, :, np.newaxis] * shift[:, np.newaxis, :])
        )
        posterior = scatter + model.scatter.from_full(added)
    if not all_finite(posterior):
        # The data's own squares fit (checked before any fit): the priors
        # or reg_covar are what overflow.
        raise ValueError(
            "The variational posterior's scatter overflows float64: it adds to "
            "the data's scatter covariance_prior, reg_covar times the counts "
            "and the pull of mean_prior, whose distance to the components' "
            "means enters squared. Here covariance_prior is up to "
            f"{np.max(np.abs(prior.covariance)):.3g}, reg_covar={reg_covar:.3g} "
            f"and mean_prior is up to {np.max(np.abs(shift)):.3g} from a "
            "component's mean along a feature. Pass a smaller covariance_prior "
            "or reg_covar, a mean_prior nearer the data (None takes their "
            "mean), or rescale X."
        )
    counts = prior.degrees_of_freedom + nk
    covariances = model.m_step(counts, posterior, 0.0)
    if model.equal_covariance:
        degrees_of_freedom = prior.degrees_of_freedom + np.sum(nk) / n_components
    else:
        degrees_of_freedom = counts
    precisions_cholesky, jittered = model.precision_cholesky(covariances)
    if np.any(jittered):
        # Store what the precision says: the regularised covariance (as the
        # maximum-likelihood M-step does), positive definite.
        covariances = model.covariances_from_cholesky(precisions_cholesky)

    params = VariationalParams(
        weights=mean_weights(weight_concentration, prior.process),
        means=means,
        covariances=covariances,
        precisions_cholesky=precisions_cholesky,
        weight_concentration=weight_concentration,
        mean_precision=mean_precision,
        degrees_of_freedom=degrees_of_freedom,
    )
    params.log_weights = log_weight_offset(model, params, prior.process)
    return params, jittered


def mean_weights(weight_concentration, process):
    """Posterior mean mixing weights (scikit-learn's ``weights_``)."""
    if process:
        a, b = weight_concentration
        total = a + b
        weights = a / total * np.hstack((1, np.cumprod(b / total)[:-1]))
        return weights / np.sum(weights)
    return weight_concentration / np.sum(weight_concentration)


def expected_log_weights(weight_concentration, process):
    """``E[log pi_k]`` under the posterior (scikit-learn's ``_estimate_log_weights``).

    Dirichlet: ``psi(alpha_k) - psi(sum alpha)``. Dirichlet process, stick
    breaking with ``v_k ~ Beta(a_k, b_k)``: ``E[log v_k] + sum_{j < k}
    E[log(1 - v_j)]``.
    """
    if process:
        a, b = weight_concentration
        digamma_sum = digamma(a + b)
        return (
            digamma(a)
            - digamma_sum
            + np.hstack((0, np.cumsum(digamma(b) - digamma_sum)[:-1]))
        )
    return digamma(weight_concentration) - digamma(np.sum(weight_concentration))


def _log_lambda(degrees_of_freedom, n_features):
    """``E[log|Lambda|] - log|nu Sigma|^-1``: ``d log 2 + sum_j psi((nu - j) / 2)``."""
    return n_features * np.log(2.0) + np.sum(
        digamma(0.5 * (degrees_of_freedom - np.arange(n_features)[:, np.newaxis])), 0
    )


def log_weight_offset(model, params, process):
    """The E-step's per-component offset in place of ``log pi_k``.

    The variational E-step's log responsibilities are, up to the row's
    normaliser, ``E[log pi_k] + E[log N(x | mu_k, Lambda_k^-1)]``. With the
    precision Cholesky factor ``P_k`` of ``Sigma_k`` (so ``E[Lambda_k] =
    P_k P_k^T``) this is the Gaussian log-density under ``(m_k, Sigma_k)``
    plus ``E[log pi_k] - d/2 log nu_k + (log Lambda~_k - d / beta_k) / 2``
    (:func:`_log_lambda`): a distance with the usual scale and a
    per-component offset, which the engine computes blockwise.

    Returns
    -------
    offset : ndarray of shape (K,)
    """
    n_features = params.means.shape[1]
    nu = params.degrees_of_freedom
    return (
        expected_log_weights(params.weight_concentration, process)
        - 0.5 * n_features * np.log(nu)
        + 0.5 * (_log_lambda(nu, n_features) - n_features / params.mean_precision)
    )


def lower_bound(model, params, entropy, process):
    """The variational lower bound, up to scikit-learn's dropped constants.

    Parameters
    ----------
    model : CovarianceModel
    params : VariationalParams
        The posterior after the M-step.
    entropy : float
        ``sum_i w_i sum_k r_ik log r_ik`` of the E-step's responsibilities.
    process : bool

    Returns
    -------
    lower_bound : float
        ``-entropy - sum_k log B(nu_k) - log C(weights) - d/2 sum_k log beta_k``
        (``B`` the Wishart normaliser, counted ``K`` times for 'tied'; ``C``
        the Dirichlet normaliser, or minus the sum of the Beta functions'
        logs for the Dirichlet process), scikit-learn's
        ``_compute_lower_bound``.
    """
    n_components, n_features = params.means.shape
    nu = params.degrees_of_freedom
    log_det = model.log_det_cholesky(
        params.precisions_cholesky, n_features
    ) - 0.5 * n_features * np.log(nu)
    wishart = log_wishart_norm(nu, log_det, n_features)
    if model.equal_covariance:
        log_wishart = n_components * float(np.sum(wishart))
    else:
        log_wishart = float(np.sum(wishart))
    if process:
        log_norm_weight = -np.sum(betaln(*params.weight_concentration))
    else:
        log_norm_weight = log_dirichlet_norm(params.weight_concentration)
    return float(
        -entropy
        - log_wishart
        - log_norm_weight
        - 0.5 * n_features * np.sum(np.log(params.mean_precision))
    )


@dataclass(frozen=True)
class VariationalOptions:
    """The variational M-step and lower bound, in the engine's options shape.

    ``_engine.run_em`` runs the same E-step (a distance with a per-component
    offset, ``Params.log_weights``) and calls these instead of maximum
    likelihood's M-step and objective.
    """

    prior: VariationalPrior
    reg_covar: float
    tol: float
    max_iter: int

    #: The lower bound needs ``sum_i w_i sum_k r_ik log r_ik``.
    needs_entropy = True
    #: Restarts always run to the end (no challenger is abandoned).
    abandon_below = -np.inf

    def converged(
        self, lower_bound, change, weight_sum, last_change=None, earlier_change=None
    ):
        """scikit-learn's rule: the bound changes by less than ``tol``."""
        return abs(change) < self.tol

    def m_step(self, model, source, stats, previous=None):
        return m_step(
            model,
            self.prior,
            source.center,
            stats,
            source.total_scatter,
            self.reg_covar,
            source.X.dtype,
        )

    def objective(self, model, source, log_likelihood, stats, before, after):
        # As scikit-learn: the E-step's responsibilities with the posterior of
        # the M-step that follows; not divided by the number of rows.
        return lower_bound(model, after, stats.entropy, self.prior.process)

    def fitted_attributes(self, params):
        return {
            "weight_concentration_": params.weight_concentration,
            "mean_precision_": params.mean_precision,
            "degrees_of_freedom_": params.degrees_of_freedom,
        }
