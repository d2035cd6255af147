"""The M-step: new parameters from summed statistics."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass

import numpy as np

__all__ = ["Params", "m_step"]


@dataclass
class Params:
    """Mixture parameters in the centred coordinates of the engine."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    # Per-component E-step offset used in place of log(weights) when set
    # (the variational mixture's E[log pi_k] and Wishart terms).
    log_weights: np.ndarray | None = None
    # The uniform noise component (mclust's): its mixing proportion and the
    # log of its hypervolume, or None without one. With a noise component
    # ``weights`` are the Gaussian proportions and sum to
    # ``1 - noise_proportion``; the E-step adds the column
    # ``log(noise_proportion) - noise_log_volume`` after the Gaussian ones.
    noise_proportion: float | None = None
    noise_log_volume: float | None = None


def m_step(
    model,
    data,
    stats,
    reg_covar,
    *,
    equal_proportions=False,
    previous=None,
    prior=None,
    noise_log_volume=None,
):
    """New parameters from summed statistics.

    Parameters
    ----------
    equal_proportions : bool, default=False
        Keep every mixing proportion at ``1 / K`` instead of ``N_k / N``.
    previous : ndarray or None, default=None
        Covariances of the parameters whose E-step produced ``stats``; the
        structures with a non-convex inner iteration (EVE, VVE) also start
        from them, so the step never decreases the likelihood.
    prior : object or None, default=None
        A resolved prior (``_prior.ConjugatePrior``): the step is then the
        MAP step, the structure's own M-step applied to the means,
        prior-augmented scatter and effective counts that
        ``prior.map_m_step_inputs(model, center, nk, means, scatter)``
        returns.
    noise_log_volume : float or None, default=None
        With a noise component, the log of its hypervolume: ``stats`` then
        carry ``noise_count`` (``sum_i w_i r_i0``) and ``gaussian_scatter``
        (``sum_i w_i (1 - r_i0) x_i x_i^T``), the proportions are
        ``N_k / (sum_k N_k + N_0)`` and the noise proportion
        ``N_0 / (sum_k N_k + N_0)`` (mclust's ``me*`` with ``Vinv``).

    Returns
    -------
    params : Params
    jittered : ndarray of shape (K,), dtype=bool
        Components whose covariance had to be regularised to be factorised.
    """
    # scikit-learn's guard against empty components, kept for identical results.
    nk = stats.nk + 10 * np.finfo(data.X.dtype).eps
    total_scatter = data.total_scatter
    if noise_log_volume is not None:
        # The scatter of the rows weighted by their Gaussian responsibilities.
        total_scatter = stats.gaussian_scatter
    means, scatter = stats.finalize(nk, total_scatter)
    counts = nk
    if prior is not None:
        means, scatter, counts = prior.map_m_step_inputs(
            model, data.center, nk, means, scatter
        )
    covariances = model.m_step(counts, scatter, reg_covar, previous=previous)
    precisions_cholesky, jittered = model.precision_cholesky(covariances)
    if noise_log_volume is not None:
        return _with_noise(
            stats,
            nk,
            means,
            covariances,
            precisions_cholesky,
            jittered,
            equal_proportions,
            noise_log_volume,
        )
    if equal_proportions:
        weights = np.full(nk.shape[0], 1.0 / nk.shape[0])
    else:
        weights = nk / nk.sum()
    params = Params(weights, means, covariances, precisions_cholesky)
    return params, jittered


def _with_noise(
    stats,
    nk,
    means,
    covariances,
    precisions_cholesky,
    jittered,
    equal_proportions,
    noise_log_volume,
):
    """The parameters of an M-step with a noise component."""
    noise_count = float(stats.noise_count)
    total = float(nk.sum()) + noise_count
    noise_proportion = noise_count / total
    if equal_proportions:
        weights = np.full(nk.shape[0], (1.0 - noise_proportion) / nk.shape[0])
    else:
        weights = nk / total
    params = Params(
        weights,
        means,
        covariances,
        precisions_cholesky,
        noise_proportion=noise_proportion,
        noise_log_volume=float(noise_log_volume),
    )
    return params, jittered
