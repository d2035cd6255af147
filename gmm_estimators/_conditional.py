"""Marginals and conditionals of Gaussian mixtures, on plain parameter arrays.

Everything here works on mixture parameters in full-matrix form: weights
``(K,)``, means ``(K, d)`` and covariances ``(K, d, d)`` (any covariance
structure converts with ``get_covariance_model(t).to_full``). Rows with
missing entries (NaN) are grouped by their missingness pattern, so that the
work for all rows that miss the same features is a few matrix products over
all components at once.

For one Gaussian with the features split into observed ``o`` and missing
``m``,

* the marginal of ``x_o`` is ``N(mu_o, S_oo)``;
* the conditional of ``x_m`` given ``x_o`` is ``N(mu_m + B (x_o - mu_o), C)``
  with the regression coefficients ``B = S_mo S_oo^{-1}`` and the Schur
  complement ``C = S_mm - S_mo S_oo^{-1} S_om``.

For a mixture, the conditional is again a mixture: component ``k`` keeps its
conditional Gaussian and gets the weight
``pi_k N(x_o | mu_ko, S_k,oo) / sum_j pi_j N(x_o | mu_jo, S_j,oo)``.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from ._condition_inputs import as_float_parameters, checked_given, mixture_parameters
from ._sampling import check_draw_count
from ._warn import warn_user
from .covariance._exact import log_density_floor
from .covariance._exact_form import overflow_limit

# Blocks of a positive definite matrix: only rounding can make one fail to
# factorise, and then the structures' jittered factorisation takes over.
from .covariance._linalg import _safe_cholesky as safe_cholesky
from .covariance._linalg import rounding_bound, separate_ties

__all__ = [
    "ConditionalMixture",
    "condition",
    "conditional_gaussians",
    "marginal_log_prob",
    "missing_patterns",
]

_LOG_2PI = math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------
# Patterns


def log_normalize(weighted, fallback=None):
    """Row-wise ``log sum_k exp`` and the normalised responsibilities.

    Parameters
    ----------
    weighted : ndarray of shape (n, K)
        Weighted log-densities; rows may hold ``-inf``.
    fallback : ndarray of shape (K,) or None, default=None
        Log-weights of the responsibilities of a row whose every entry is
        ``-inf`` (beyond the float range of every component: it tells
        nothing), normalised; equal weights when None. Its ``log_norm`` is
        ``-inf``.

    Returns
    -------
    resp : ndarray of shape (n, K)
    log_norm : ndarray of shape (n,)
    """
    top = weighted.max(axis=1)
    top[~np.isfinite(top)] = 0.0
    shifted = np.exp(weighted - top[:, np.newaxis])
    sums = shifted.sum(axis=1)
    lost = ~(sums > 0)
    if lost.any():
        prior = np.zeros(weighted.shape[1]) if fallback is None else fallback
        prior = np.exp(prior - np.max(prior))
        shifted[lost] = prior / prior.sum()
        sums[lost] = 1.0
        top[lost] = -np.inf
    with np.errstate(divide="ignore"):
        return shifted / sums[:, np.newaxis], top + np.log(sums)


@dataclass
class Pattern:
    """The rows sharing one missingness pattern.

    Attributes
    ----------
    observed : ndarray of int
        Indices of the observed features.
    missing : ndarray of int
        Indices of the missing features.
    rows : ndarray of int
        Indices of the rows with this pattern, in increasing order.
    """

    observed: np.ndarray
    missing: np.ndarray
    rows: np.ndarray


def missing_patterns(X):
    """Group the rows of ``X`` by which of their entries are NaN.

    Parameters
    ----------
    X : ndarray of shape (n, d)

    Returns
    -------
    patterns : list of Pattern
        One per distinct pattern; complete rows form a pattern with no
        missing features. Every row is in exactly one pattern.
    """
    mask = np.isnan(X)
    if not mask.any():
        d = X.shape[1]
        return [Pattern(np.arange(d), np.arange(0), np.arange(X.shape[0]))]
    patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    splits = np.cumsum(np.bincount(inverse, minlength=len(patterns)))[:-1]
    return [
        Pattern(np.flatnonzero(~pattern), np.flatnonzero(pattern), rows)
        for pattern, rows in zip(patterns, np.split(order, splits), strict=True)
    ]


# ---------------------------------------------------------------------------
# Per-pattern Gaussian algebra


class PatternGaussians:
    """The marginal and conditional Gaussians of every component for one pattern.

    Parameters
    ----------
    means : ndarray of shape (K, d)
    covariances : ndarray of shape (K, d, d)
    observed, missing : ndarray of int
        Feature indices, together a partition of ``range(d)``.

    Attributes
    ----------
    inv_cholesky : ndarray of shape (K, o, o)
        ``L^{-1}`` for the lower Cholesky factor ``L`` of ``S_oo``.
    log_det : ndarray of shape (K,)
        ``log det S_oo / 2``.
    coefficients : ndarray of shape (K, m, o)
        ``B = S_mo S_oo^{-1}``.
    covariances : ndarray of shape (K, m, m)
        Conditional covariances ``S_mm - B S_om``.
    """

    def __init__(self, means, covariances, observed, missing):
        self.means = means
        self.observed = observed
        self.missing = missing
        s_oo = covariances[:, observed][:, :, observed]
        chol, self.jittered = safe_cholesky(s_oo)
        # A batched LAPACK inverse; the factor is triangular, so is its inverse.
        self.inv_cholesky = np.tril(np.linalg.inv(chol))
        self.log_det = np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        s_mo = covariances[:, missing][:, :, observed]
        # S_mo L^{-T}: the regression in whitened coordinates.
        whitened = s_mo @ self.inv_cholesky.transpose(0, 2, 1)
        self.coefficients = whitened @ self.inv_cholesky
        s_mm = covariances[:, missing][:, :, missing]
        conditional = s_mm - whitened @ whitened.transpose(0, 2, 1)
        self.covariances = 0.5 * (conditional + conditional.transpose(0, 2, 1))

    def residuals(self, X_observed):
        """``x_o - mu_ko`` of shape (K, n, o) for observed rows (n, o)."""
        return X_observed[np.newaxis, :, :] - self.means[:, np.newaxis, self.observed]

    def log_densities(self, residuals):
        """``log N(x_o | mu_ko, S_k,oo)`` of shape (n, K)."""
        whitened = residuals @ self.inv_cholesky.transpose(0, 2, 1)
        distances = np.einsum("kno,kno->nk", whitened, whitened)
        n_observed = self.observed.size
        return -0.5 * (distances + n_observed * _LOG_2PI) - self.log_det

    def nearest_limit(self, residuals, log_weights, floor=None):
        """Weighted log-densities standing for rows beyond the float range.

        Their distances overflow for every component; the responsibilities'
        limit rests on the nearest components (the smallest distance, read
        in coordinates scaled by a power of two per row), as in the engine
        (``covariance._exact``): ``-floor`` there, ``-inf`` elsewhere.
        """
        largest = np.abs(residuals).max(axis=(0, 2))
        scale = np.ldexp(1.0, -np.frexp(largest)[1])
        whitened = (residuals * scale[:, np.newaxis]) @ self.inv_cholesky.transpose(
            0, 2, 1
        )
        distances = np.einsum("kno,kno->nk", whitened, whitened)
        live = ~np.isneginf(log_weights)
        if floor is None:
            floor = log_density_floor(np.float64)
        return overflow_limit(distances, live, floor)

    def separate_ties(self, weighted, X_observed, log_weights, floor=None):
        """Order, in place, the ties of rounding among equal precisions.

        ``weighted`` are the rows' weighted log-densities; far rows round
        the differences of components with one covariance away (see
        ``covariance._linalg.separate_ties``). The bound of their rounding
        is a few ``d eps`` of the largest (the whitened form's).
        """
        n_observed = self.observed.size
        with np.errstate(all="ignore"):
            bound = rounding_bound(weighted, ~np.isneginf(log_weights), n_observed)
            if not np.any(bound > 1e-10):
                return weighted
            precisions = self.inv_cholesky.transpose(0, 2, 1) @ self.inv_cholesky
        offset = log_weights - self.log_det - 0.5 * n_observed * _LOG_2PI
        return separate_ties(
            weighted, bound, lambda rows: X_observed[rows], precisions,
            self.means[:, self.observed], offset,
            log_density_floor(np.float64) if floor is None else floor,
        )  # fmt: skip

    def conditional_means(self, residuals):
        """``mu_km + B_k (x_o - mu_ko)`` of shape (n, K, m)."""
        # Values too far from the mixture for float64 overflow to inf or NaN,
        # which the callers name (ConditionalMixture's check, the imputer).
        with np.errstate(over="ignore", invalid="ignore"):
            shift = residuals @ self.coefficients.transpose(0, 2, 1)  # (K, n, m)
            means = shift + self.means[:, np.newaxis, self.missing]
        return means.transpose(1, 0, 2)


def marginal_log_prob(X, weights, means, covariances, patterns=None):
    """Weighted log-densities of each row over its observed features.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Rows with NaN where a value is missing.
    weights : ndarray of shape (K,)
    means : ndarray of shape (K, d)
    covariances : ndarray of shape (K, d, d)
    patterns : list of Pattern or None, default=None
        :func:`missing_patterns` of ``X`` when already known.

    Returns
    -------
    weighted_log_prob : ndarray of shape (n, K)
        ``log pi_k + log N(x_o | mu_ko, S_k,oo)``; a row with nothing observed
        gets ``log pi_k`` (its marginal density is 1).

    Notes
    -----
    ``log p(x_o) = logsumexp_k`` of the result: the observed-data
    log-likelihood of the row.
    """
    weights, means, covariances = as_float_parameters(weights, means, covariances)
    X = np.asarray(X, dtype=np.float64)
    if patterns is None:
        patterns = missing_patterns(X)
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    out = np.empty((X.shape[0], weights.shape[0]))
    for pattern in patterns:
        if pattern.observed.size == 0:
            out[pattern.rows] = log_weights
            continue
        gaussians = PatternGaussians(
            means, covariances, pattern.observed, pattern.missing
        )
        observed = X[np.ix_(pattern.rows, pattern.observed)]
        residuals = gaussians.residuals(observed)
        weighted = gaussians.log_densities(residuals) + log_weights
        out[pattern.rows] = gaussians.separate_ties(weighted, observed, log_weights)
    return out


def conditional_gaussians(
    X, weights, means, covariances, patterns=None, on_singular=None
):
    """The conditional mixture of the missing entries of each row.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Rows with NaN where a value is missing.
    weights, means, covariances :
        Mixture parameters in full-matrix form.
    patterns : list of Pattern or None, default=None
    on_singular : callable or None, default=None
        Called with the indices of the components whose covariance of a
        pattern's observed features is singular (its factor got a ridge),
        for each pattern that has some.

    Yields
    ------
    pattern : Pattern
    resp : ndarray of shape (n_p, K)
        Conditional weights ``p(k | x_o)`` of the pattern's rows.
    means : ndarray of shape (n_p, K, m)
        Conditional means of the missing features per component.
    covariances : ndarray of shape (K, m, m)
        Conditional covariances (the same for every row of the pattern).
    log_norm : ndarray of shape (n_p,)
        ``log p(x_o)`` of each row.
    """
    weights, means, covariances = as_float_parameters(weights, means, covariances)
    X = np.asarray(X, dtype=np.float64)
    if patterns is None:
        patterns = missing_patterns(X)
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    for pattern in patterns:
        n_rows = pattern.rows.size
        if pattern.observed.size == 0:
            yield (
                pattern,
                np.broadcast_to(weights, (n_rows, weights.size)).copy(),
                np.broadcast_to(means, (n_rows, *means.shape)).copy(),
                covariances.copy(),
                np.zeros(n_rows),
            )
            continue
        gaussians = PatternGaussians(
            means, covariances, pattern.observed, pattern.missing
        )
        if on_singular is not None and gaussians.jittered.any():
            on_singular(np.flatnonzero(gaussians.jittered))
        observed = X[np.ix_(pattern.rows, pattern.observed)]
        residuals = gaussians.residuals(observed)
        with np.errstate(over="ignore", invalid="ignore"):
            weighted = gaussians.log_densities(residuals) + log_weights
        far = ~np.isfinite(weighted).any(axis=1) & np.isfinite(residuals).all(
            axis=(0, 2)
        )
        if far.any():
            weighted[far] = gaussians.nearest_limit(residuals[:, far], log_weights)
        gaussians.separate_ties(weighted, observed, log_weights)
        resp, log_norm = log_normalize(weighted, log_weights)
        log_norm[far] = -np.inf
        yield (
            pattern,
            resp,
            gaussians.conditional_means(residuals),
            gaussians.covariances,
            log_norm,
        )


# ---------------------------------------------------------------------------
# The public conditional


@dataclass
class ConditionalMixture:
    """A Gaussian mixture over some features given the values of the others.

    One mixture per conditioning row: the weights and means depend on the
    row; the components' covariances depend only on which features are
    given, so rows given the same features share them.
    Returned by :func:`condition`.

    Attributes
    ----------
    weights : ndarray of shape (n_samples, n_components)
        ``p(k | x_given)`` for each row; rows sum to one.
    means : ndarray of shape (n_samples, n_components, n_targets)
        Conditional mean of each component for each row.
    covariances : ndarray of shape (n_components, n_targets, n_targets) or \
            (n_samples, n_components, n_targets, n_targets)
        Conditional covariance of each component; one stack per row when
        the rows condition on different features (missing inputs of
        :meth:`GaussianMixtureRegressor.conditional
        <gmm_estimators.GaussianMixtureRegressor.conditional>`).
    features : ndarray of int of shape (n_targets,)
        Indices (in the original mixture) of the features this mixture is over.
    log_marginal : ndarray of shape (n_samples,)
        ``log p(x_given)``, the marginal log-density of each conditioning row.

    See Also
    --------
    condition : Builds it from a fitted mixture or its parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import condition
    >>> weights = np.array([0.5, 0.5])
    >>> means = np.array([[0.0, 0.0], [10.0, 10.0]])
    >>> covariances = np.array([np.eye(2), np.eye(2)])
    >>> cond = condition((weights, means, covariances), [[0.0], [10.0]], [0])
    >>> cond.weights.round(3)
    array([[1., 0.],
           [0., 1.]])
    >>> cond.mean().round(3)
    array([[ 0.],
           [10.]])
    >>> cond.covariance().round(3)
    array([[[1.]],
    <BLANKLINE>
           [[1.]]])
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    features: np.ndarray
    log_marginal: np.ndarray

    def __post_init__(self):
        # Built by hand, it may be no mixture (NaN weights gave NaN means);
        # log_marginal may be -inf (a row beyond every component's range).
        weights, means = np.asarray(self.weights), np.asarray(self.means)
        covariances = np.asarray(self.covariances)
        n_rows, n_components = weights.shape if weights.ndim == 2 else (-1, -1)
        n_targets = means.shape[-1] if means.ndim == 3 else -1
        stack = (n_components, n_targets, n_targets)
        if (
            weights.ndim != 2
            or means.shape != (n_rows, n_components, n_targets)
            or covariances.shape not in (stack, (n_rows, *stack))
        ):
            raise ValueError(
                "ConditionalMixture expects weights (n_samples, n_components), "
                "means (n_samples, n_components, n_targets) and covariances "
                "(n_components, n_targets, n_targets) or one such stack per "
                f"row; got shapes {weights.shape}, {means.shape} and "
                f"{covariances.shape}. Build it with condition()."
            )
        for name, values in (
            ("weights", weights),
            ("means", means),
            ("covariances", covariances),
        ):
            if not np.isfinite(values).all():
                raise ValueError(
                    f"ConditionalMixture's {name} are not finite. Built by "
                    "condition(), the given values lie too far from the mixture "
                    "for float64 (rescale the data); built by hand, pass finite "
                    "arrays."
                )
        if np.any(weights < 0):
            raise ValueError(
                "ConditionalMixture's weights should be non-negative. Build it "
                "with condition()."
            )

    def mean(self):
        """Conditional mean ``E[x_target | x_given]`` of each row.

        Returns
        -------
        mean : ndarray of shape (n_samples, n_targets)
        """
        return np.einsum("nk,nkm->nm", self.weights, self.means)

    def covariance(self):
        """Conditional covariance of each row, by the law of total variance.

        ``sum_k w_k (C_k + m_k m_k^T) - m m^T`` with ``m`` the mixture mean.

        Returns
        -------
        covariance : ndarray of shape (n_samples, n_targets, n_targets)
        """
        mean = self.mean()
        per_row = "nkab" if self.covariances.ndim == 4 else "kab"
        within = np.einsum(f"nk,{per_row}->nab", self.weights, self.covariances)
        spread = self.means - mean[:, np.newaxis, :]
        between = np.einsum("nk,nka,nkb->nab", self.weights, spread, spread)
        return within + between

    def sample(self, n_draws=1, random_state=None):
        """Draw from each row's conditional mixture.

        Parameters
        ----------
        n_draws : int, default=1
            Draws per conditioning row.
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        samples : ndarray of shape (n_samples, n_draws, n_targets)
        """
        n_draws = check_draw_count(n_draws, "n_draws")
        rng = check_random_state(random_state)
        n_rows, n_components, n_targets = self.means.shape
        # Component of every draw by inverse CDF of each row's weights.
        cumulative = np.cumsum(self.weights, axis=1)
        cumulative[:, -1] = 1.0
        uniform = rng.uniform(size=(n_rows, n_draws))
        components = (uniform[:, :, np.newaxis] > cumulative[:, np.newaxis, :]).sum(
            axis=2
        )
        components = np.minimum(components, n_components - 1)
        covariances = self.covariances
        factors = safe_cholesky(covariances.reshape(-1, n_targets, n_targets))[0]
        factors = factors.reshape(covariances.shape)
        noise = rng.standard_normal(size=(n_rows, n_draws, n_targets))
        rows = np.arange(n_rows)[:, np.newaxis]
        centres = self.means[rows, components]  # (n, n_draws, m)
        chosen = (
            factors[rows, components] if covariances.ndim == 4 else factors[components]
        )
        return centres + np.einsum("nsab,nsb->nsa", chosen, noise)


def _warn_singular_given(singular):
    """Say which components' covariances of the given features are singular.

    Their densities of the given values are degenerate: the factor gets a
    ridge (``_safe_cholesky``), and the conditional weights are those of
    its limit, a row on the component's support taking (nearly) all the
    weight and a row off it none, set by the ridge, not by the mixture.
    """
    if len(singular):
        listed = ", ".join(str(int(k)) for k in singular)
        warn_user(
            f"the covariance of the given features is singular in component(s) "
            f"{listed}: no density of the given values exists there, and their "
            "conditional weights are those of a small ridge added to it (a row "
            "on the component's support takes nearly all the weight, a row "
            "off it none). A given feature is a linear function of the others "
            "in that component: condition on fewer features, or add a ridge to "
            "the covariances (covariances + c * I).",
            UserWarning,
        )


def condition(mixture, X_given, given_features):
    """Condition a Gaussian mixture on the values of some of its features.

    Parameters
    ----------
    mixture : fitted GaussianMixture, GaussianMixtureIC, or tuple
        The joint mixture: a fitted estimator of this package (or of
        scikit-learn), or ``(weights, means, covariances)`` with full
        ``(K, d, d)`` symmetric positive semi-definite covariances and
        non-negative weights (read as proportions: divided by their sum).
    X_given : array-like of shape (n_samples, n_given)
        Values of the given features, one row per conditioning point, in the
        order of ``given_features``; no missing values.
    given_features : array-like of int or of bool
        Indices of the given features in the mixture (``n_given`` of them),
        or a boolean mask of length ``n_features``.

    Returns
    -------
    conditional : ConditionalMixture
        The mixture of the other features (in increasing index order) given
        each row of ``X_given``.

    Raises
    ------
    ValueError
        If ``mixture`` has a noise component (``noise=True``): its uniform
        density has no conditional of this form, and leaving it out would
        give confident Gaussian conditionals where the model says a point is
        noise. Fit with ``noise=False``, or pass the Gaussian part as a
        tuple to condition it alone.

    See Also
    --------
    GaussianMixtureRegressor : Regression with this conditional.
    GaussianMixtureImputer : Imputation with this conditional.

    Notes
    -----
    With ``g`` the given and ``t`` the target features, component ``k`` of the
    conditional is ``N(mu_kt + S_k,tg S_k,gg^{-1} (x_g - mu_kg),
    S_k,tt - S_k,tg S_k,gg^{-1} S_k,gt)`` with weight proportional to
    ``pi_k N(x_g | mu_kg, S_k,gg)``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import condition
    >>> weights = np.array([1.0])
    >>> means = np.zeros((1, 2))
    >>> covariances = np.array([[[1.0, 0.5], [0.5, 1.0]]])
    >>> cond = condition((weights, means, covariances), [[2.0]], [0])
    >>> cond.mean()
    array([[1.]])
    >>> cond.covariances
    array([[[0.75]]])
    """
    weights, means, covariances = mixture_parameters(mixture)
    n_features = means.shape[1]
    given, X_given = checked_given(mixture, X_given, given_features, n_features)
    targets = np.setdiff1d(np.arange(n_features), given)
    if targets.size == 0:
        raise ValueError(
            "given_features lists every feature; leave at least one feature to "
            "condition on the others."
        )
    X = np.full((X_given.shape[0], n_features), np.nan)
    X[:, given] = X_given
    given = np.sort(given)
    pattern = Pattern(given, targets, np.arange(X.shape[0]))
    (_, resp, cond_means, cond_covs, log_norm) = next(
        conditional_gaussians(
            X,
            weights,
            means,
            covariances,
            patterns=[pattern],
            on_singular=_warn_singular_given,
        )
    )
    return ConditionalMixture(resp, cond_means, cond_covs, targets, log_norm)
