"""Information criteria: the free-parameter count, BIC, AIC and ICL.

The one home of these formulas: the estimators' ``bic``/``aic``, the
classifier's ``bic_`` and EDDA table, and the selector's results table all
compute them here, so that a criterion means the same number everywhere.
All are in scikit-learn's lower-is-better form; mclust reports
``2 log L - p log n`` (its ``bic``), the same number with the sign flipped.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math

from ._warn import warn_user

__all__ = ["aic", "bic", "icl", "n_free_parameters"]


def n_free_parameters(
    model,
    n_components,
    n_features,
    *,
    fixed_proportions=False,
    noise=False,
    noise_volume=None,
):
    """Free parameters of a mixture: covariances, means and proportions.

    The one count behind ``n_parameters_``, BIC, AIC and ICL everywhere.

    Parameters
    ----------
    model : CovarianceModel
        The covariance structure (it counts its own parameters).
    n_components, n_features : int
    fixed_proportions : bool, default=False
        Whether the proportions stay at ``1 / K`` (then they are not free).
    noise : bool, default=False
        Whether the mixture has a uniform noise component (``GaussianMixture``'s
        ``noise``): its proportion is one more parameter.
    noise_volume : float or None, default=None
        The noise component's hypervolume when given; None when it is
        estimated from the data, one more parameter (mclust's
        ``nMclustParams(noise = TRUE)``).

    Returns
    -------
    n_parameters : int
        ``q(K, d) + K d + (K - 1)``, without the last term when the
        proportions are fixed, plus the noise component's one or two.

    Examples
    --------
    >>> from gmm_estimators._criteria import n_free_parameters
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> n_free_parameters(get_covariance_model("full"), 2, 3)
    19
    >>> n_free_parameters(get_covariance_model("EII"), 2, 3, fixed_proportions=True)
    7
    """
    covariance = model.n_parameters(n_components, n_features)
    n_weights = 0 if fixed_proportions else n_components - 1
    n_noise = (1 + (noise_volume is None)) if noise else 0
    return int(covariance + n_components * n_features + n_weights + n_noise)


def fitted_free_parameters(mixture):
    """A fitted mixture's free-parameter count, from its public attributes.

    Its ``n_parameters_`` (what its fit counted, whatever ``set_params`` did
    since), or for mixtures without one (scikit-learn's, or assembled by
    hand) the count of its ``covariance_type`` at the size of its ``means_``.
    """
    count = getattr(mixture, "n_parameters_", None)
    if count is not None:
        return int(count)
    from .covariance import get_covariance_model  # the registry, at call time

    model = get_covariance_model(mixture.covariance_type)
    n_components, n_features = (int(n) for n in mixture.means_.shape)
    return n_free_parameters(model, n_components, n_features)


def bic(log_likelihood, n_parameters, n_samples):
    """Bayesian information criterion ``-2 log L + p log n`` (lower is better).

    Parameters
    ----------
    log_likelihood : float
        Total (weighted) log-likelihood ``log L`` of the data.
    n_parameters : int
        Free parameters ``p``.
    n_samples : float
        Number of rows ``n`` (their total weight with frequency weights).

    Returns
    -------
    bic : float

    Examples
    --------
    >>> from gmm_estimators._criteria import bic
    >>> round(bic(-100.0, 5, 50), 4)
    219.5601

    With frequency weights that sum to less than one row (relative weights,
    such as ``1e-20`` each), ``log n`` is negative and the penalty rewards
    parameters: a ``UserWarning`` says so.
    """
    if n_samples < 1:
        warn_user(
            f"BIC of rows whose sample_weight sums to {n_samples:.3g}: weights "
            "are frequencies (a weight of 2 counts a row twice) and n is their "
            "sum, so the penalty p log(n) is negative and favours the most "
            "complex model. If the weights are relative, rescale them to sum "
            "to the number of rows.",
            UserWarning,
        )
    return -2 * log_likelihood + n_parameters * math.log(n_samples)


def aic(log_likelihood, n_parameters):
    """Akaike information criterion ``-2 log L + 2 p`` (lower is better).

    Parameters
    ----------
    log_likelihood : float
        Total (weighted) log-likelihood of the data.
    n_parameters : int
        Free parameters ``p``.

    Returns
    -------
    aic : float

    Examples
    --------
    >>> from gmm_estimators._criteria import aic
    >>> aic(-100.0, 5)
    210.0
    """
    return -2 * log_likelihood + 2 * n_parameters


def icl(bic_value, map_log_resp):
    """Integrated completed likelihood ``BIC - 2 sum_i log z_i,MAP`` (lower is better).

    Parameters
    ----------
    bic_value : float
        The fit's :func:`bic`.
    map_log_resp : float
        ``sum_i log z_i,MAP``: the (weighted) sum over rows of the log
        posterior probability of each row's most probable component (at most
        0, so ``ICL >= BIC``).

    Returns
    -------
    icl : float

    Examples
    --------
    >>> from gmm_estimators._criteria import icl
    >>> icl(219.5, -1.5)
    222.5
    """
    return bic_value - 2.0 * map_log_resp
