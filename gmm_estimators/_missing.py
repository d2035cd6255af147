"""EM for Gaussian mixtures on data with values missing at random (NaN).

The observed-data log-likelihood of a row is the mixture's marginal density
over its observed features. EM for it (Ghahramani and Jordan, 1994) differs
from the complete-data EM only in its statistics:

* E-step: responsibilities from the marginal densities
  ``r_ik ∝ pi_k N(x_io | mu_ko, S_k,oo)``;
* the missing entries are replaced, per component, by their conditional
  expectation ``xhat_ik,m = mu_km + B_k (x_io - mu_ko)`` and the scatter gets
  their conditional covariance ``C_k = S_k,mm - B_k S_k,om``:
  ``sum_i r_ik ((xhat_ik - mu)(xhat_ik - mu)^T + C_ik)``;
* M-step: the covariance structure's own M-step on that expected scatter,
  so every registered structure (and the conjugate prior) works unchanged.

Rows are grouped by missingness pattern, and patterns with the same number
``m`` of missing features are handled together: one batched factorisation
of their ``m x m`` precision blocks, and per row the product with the full
precision that complete data need too, plus ``m x m`` work (see
:func:`e_step`). The sums are taken about the current means, which keeps the
scatter's mean correction small.

Plain functions, and the engine's data sources for such rows:
:class:`MissingValuesSource` for fitting (the engine's loop, restarts and
M-step run unchanged on it) and :class:`MissingRows` for prediction (marginal
densities over the observed features).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass

import numpy as np

from ._conditional import (
    _LOG_2PI,
    log_normalize,
)
from ._engine import ArraySource, one_blas_thread, reduce_blocks
from ._engine._constant import observed_range, within_range
from ._engine._estep import weighted_sum
from ._engine._representation import (
    compute_dtype,
    frequency_covariance,
    representable_center,
    scatter_about_mean,
)
from ._missing_exact import (
    PatternIndex,
    exact_group,
    ill_conditioned,
    nearest_limit,
    separate_ties,
)
from .covariance._exact import log_density_floor
from .covariance._linalg import _safe_cholesky as safe_cholesky

__all__ = [
    "ExpectedStatistics",
    "check_fit_input",
    "check_missing",
    "e_step",
    "e_step_groups",
    "observed_means",
    "start_statistics",
    "MissingValuesSource",
    "MissingRows",
    "PatternIndex",
    "has_missing",
    "mean_imputed",
]


def has_missing(X):
    """Whether a validated float array has any NaN."""
    return bool(np.isnan(X).any()) if X.dtype.kind == "f" else False


def check_missing(X, *, allow_empty_rows=False):
    """Refuse rows (and features) without any observed value.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    allow_empty_rows : bool, default=False
        Whether rows with nothing observed are accepted (imputation can fill
        them from the unconditional mixture; likelihoods cannot use them).
    """
    mask = np.isnan(X)
    empty_rows = np.flatnonzero(mask.all(axis=1))
    if empty_rows.size and not allow_empty_rows:
        listed = ", ".join(map(str, empty_rows[:10])) + (
            ", ..." if empty_rows.size > 10 else ""
        )
        raise ValueError(
            f"{empty_rows.size} row(s) of X have no observed value (every entry is "
            f"NaN): rows {listed}. A row with nothing observed carries no "
            "information about the mixture; drop these rows first."
        )
    return mask


def check_fit_input(X, sample_weight=None):
    """Refuse rows, and features of no row of positive weight, without a value (fit)."""
    positive = slice(None) if sample_weight is None else sample_weight > 0
    empty = np.flatnonzero(check_missing(X)[positive].all(axis=0))
    if empty.size:
        rows = "row" if sample_weight is None else "row of positive weight"
        raise ValueError(
            f"Feature(s) {empty.tolist()} of X are missing (NaN) in every {rows}, so "
            "their distribution cannot be estimated. Drop these columns first "
            "(GaussianMixtureImputer does so, see its keep_empty_features)."
        )


# ---------------------------------------------------------------------------
# Statistics


@dataclass
class ExpectedStatistics:
    """Expected sufficient statistics of the complete data, as plain sums.

    Sums are about reference means ``reference`` (those of the E-step), which
    keeps the scatter's mean correction small; blocks add.

    Attributes
    ----------
    nk : ndarray of shape (K,)
        ``sum_i w_i r_ik``.
    sums : ndarray of shape (K, d)
        ``sum_i w_i r_ik (xhat_ik - ref_k)``.
    raw : ndarray of shape (K, d, d)
        ``sum_i w_i r_ik ((xhat_ik - ref_k)(xhat_ik - ref_k)^T + C_ik)``.
    reference : ndarray of shape (K, d)
    """

    nk: np.ndarray
    sums: np.ndarray
    raw: np.ndarray
    reference: np.ndarray

    def __iadd__(self, other):
        self.nk = self.nk + other.nk
        self.sums = self.sums + other.sums
        self.raw = self.raw + other.raw
        return self

    def rescale(self, factor):
        """Multiply every sum by ``factor`` (in place; exact for a power of two)."""
        self.nk, self.sums, self.raw = (
            self.nk * factor,
            self.sums * factor,
            self.raw * factor,
        )

    def finalize(self, nk_reg):
        """Means and the expected scatter about them, ``(K, d)`` and ``(K, d, d)``.

        ``nk_reg`` is ``nk`` with scikit-learn's ``10 eps`` guard, as in the
        complete-data M-step.
        """
        shift = self.sums / nk_reg[:, np.newaxis]
        # (2 / n - N / n^2) s s^T, formed as (2 - N / n) (s / n) s^T: no
        # square of the weights, which a common factor could overflow.
        weight = 2.0 - self.nk / nk_reg
        scatter = (
            self.raw
            - (weight[:, np.newaxis, np.newaxis] * shift[:, :, np.newaxis])
            * self.sums[:, np.newaxis, :]
        )
        return self.reference + shift, 0.5 * (scatter + scatter.transpose(0, 2, 1))


def _inverse_and_log_det(matrices):
    """Inverses and ``log det`` of a stack of SPD matrices (never raises)."""
    chol = safe_cholesky(matrices)[0]
    inv_chol = np.tril(np.linalg.inv(chol))
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)
    return inv_chol.swapaxes(-1, -2) @ inv_chol, log_det


def e_step_groups(index, weights, means, covariances):
    """The per-group terms of the E-step (see :func:`e_step`).

    Yields
    ------
    rows : slice
        The group's rows in ``index`` order.
    weighted_log_prob : ndarray of shape (n_g, K)
        ``log pi_k + log N(x_o | mu_ko, S_k,oo)``.
    expected : ndarray of shape (K, n_g, d)
        ``E[x | x_o, k] - mu_k``.
    group : tuple
        The group's missing features ``(P, m)``, their conditional
        covariances ``(K, P, m, m)`` and the rows per pattern ``(P,)``.
    """
    n_components, d = means.shape
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    precisions, log_det_cov = _inverse_and_log_det(covariances)
    # The ill-conditioned components' terms come from each pattern's
    # observed block (``_missing_exact``), whose temporaries the group's
    # budget counts too.
    exact = np.flatnonzero(ill_conditioned(covariances))
    for first, last in index.groups(
        lambda m: n_components * (d + m * m) + exact.size * d * (d - m)
    ):
        m = index.missing[first].size
        start, stop = index.starts[first], index.starts[last]
        counts = np.diff(index.starts[first : last + 1])
        rows = slice(start, stop)
        # (K, n, d) residuals with missing entries 0, and Lambda r.
        residuals = (index.X[np.newaxis, rows] - means[:, np.newaxis]) * index.observed[
            np.newaxis, rows
        ]
        lam_r = residuals @ precisions
        log_dens = np.einsum("knd,knd->nk", residuals, lam_r) + log_det_cov
        expected = residuals
        missing = np.stack(index.missing[first:last])  # (P, m)
        cond_covs = None
        if m:
            blocks = precisions[:, missing[:, :, None], missing[:, None, :]]
            cond_covs, log_det_mm = _inverse_and_log_det(blocks)  # (K, P, m, m)
            pattern_of_row = np.repeat(np.arange(last - first), counts)
            row_missing = np.broadcast_to(
                missing[pattern_of_row], (n_components, stop - start, m)
            )
            lam_r_m = np.take_along_axis(lam_r, row_missing, axis=2)  # (K, n, m)
            shift = (cond_covs[:, pattern_of_row] @ lam_r_m[..., None])[..., 0]
            log_dens -= np.einsum("knm,knm->nk", shift, lam_r_m)
            log_dens += log_det_mm[:, pattern_of_row].T
            np.put_along_axis(expected, row_missing, -shift, axis=2)
        log_dens += index.n_observed[rows, np.newaxis] * _LOG_2PI
        weighted_log_prob = -0.5 * log_dens + log_weights
        if exact.size:
            exact_wlp, exact_expected, exact_covs = exact_group(
                index, first, last, log_weights[exact], means[exact], covariances[exact]
            )
            weighted_log_prob[:, exact] = exact_wlp
            expected[exact] = exact_expected
            if cond_covs is not None:
                cond_covs[exact] = exact_covs
        yield (rows, weighted_log_prob, expected, (missing, cond_covs, counts))


def marginal_weighted_log_prob(index, weights, means, covariances):
    """``log pi_k + log N(x_o | mu_ko, S_k,oo)`` of every row, in X's order.

    The vectorised counterpart of ``_conditional.marginal_log_prob``.
    """
    out = np.empty((index.X.shape[0], weights.shape[0]))
    for rows, weighted_log_prob, _, _ in e_step_groups(
        index, weights, means, covariances
    ):
        out[index.order[rows]] = weighted_log_prob
    return out


def e_step(index, weights, means, covariances, weight_scale=1.0, *, reference=None):
    """Observed-data log-likelihood and expected statistics of rows with NaN.

    Parameters
    ----------
    index : PatternIndex
        The rows (centred or not: ``means`` in the same coordinates). No row
        may be entirely missing.
    weights, means, covariances : ndarray
        Parameters in full-matrix form, ``(K,)``, ``(K, d)``, ``(K, d, d)``.
    weight_scale : float, default=1.0
        The mean of the positive weights (``_engine._data.weight_scale``):
        the sample weights are divided by it for the sums, which are
        multiplied back at the end, so a common factor of the weights
        changes the sums only by rounding and cannot overflow them.
    reference : ndarray of shape (K, d) or None, default=None
        ``means`` in the coordinates of the statistics (the engine's centred
        ones, where ``index`` and ``means`` are the data's own). None:
        ``means``.

    Returns
    -------
    log_likelihood : float
        ``sum_i w_i log p(x_io)``.
    stats : ExpectedStatistics

    Notes
    -----
    With the precision ``Lambda = Sigma^{-1}`` and ``r`` the residual
    ``x - mu`` with its missing entries set to 0, the conditional
    expectation of the residual on the missing features is
    ``e_m = -Lambda_mm^{-1} (Lambda r)_m``, their conditional covariance is
    ``Lambda_mm^{-1}``, the observed block's Mahalanobis distance is
    ``r^T Lambda r - (Lambda r)_m^T Lambda_mm^{-1} (Lambda r)_m`` and
    ``log det Sigma_oo = log det Sigma + log det Lambda_mm``. Patterns with
    the same number ``m`` of missing features are handled together: one
    batched factorisation of their ``m x m`` blocks, and per row a product
    with the full precision (as for complete data) plus ``m x m`` work.
    """
    n_components, d = means.shape
    stats = ExpectedStatistics(
        np.zeros(n_components),
        np.zeros((n_components, d)),
        np.zeros((n_components, d, d)),
        np.array(means if reference is None else reference, dtype=np.float64),
    )
    conditional_scatter = np.zeros((n_components, d * d))
    log_likelihood = 0.0
    for rows, weighted_log_prob, expected, group in e_step_groups(
        index, weights, means, covariances
    ):
        missing, cond_covs, counts = group
        resp, log_norm = log_normalize(weighted_log_prob)
        w = None if index.sample_weight is None else index.sample_weight[rows]
        if w is not None and weight_scale != 1.0:
            w = w / weight_scale
        if w is None:
            log_likelihood += float(log_norm.sum())
        else:
            log_likelihood += float(weighted_sum(w, log_norm))
            resp *= w[:, np.newaxis]
        stats.nk += resp.sum(axis=0)
        stats.sums += np.einsum("nk,knd->kd", resp, expected)
        weighted = expected * resp.T[:, :, np.newaxis]
        stats.raw += weighted.transpose(0, 2, 1) @ expected
        if missing.size:
            # sum_i r_ik C_k,p(i), each pattern's block added at its features.
            pattern_nk = np.add.reduceat(resp, counts.cumsum() - counts, axis=0)
            blocks = cond_covs * pattern_nk.T[:, :, None, None]
            positions = (missing[:, :, None] * d + missing[:, None, :]).ravel()
            for k in range(n_components):
                conditional_scatter[k] += np.bincount(
                    positions, weights=blocks[k].ravel(), minlength=d * d
                )
    stats.raw += conditional_scatter.reshape(n_components, d, d)
    if index.sample_weight is not None and weight_scale != 1.0:
        stats.rescale(weight_scale)
        log_likelihood *= weight_scale
    return log_likelihood, stats


def observed_means(X0, observed, w):
    """Each feature's weighted mean over the rows that observe it.

    ``X0`` holds the rows with missing entries 0, ``observed`` is 1 where a
    value is observed, ``w`` the rows' weights. A feature no row of positive
    weight observes (or whose sum overflows) gets 0; the others' means lie
    within their observed values (:func:`_engine._data.within_range`: a
    constant's is its value). Returns the means and the observed weight of
    each feature.
    """
    observed_weight = w @ observed
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        means = (w @ X0) / observed_weight
    inside = within_range(means, *observed_range(X0, observed, w))
    return np.where(np.isfinite(means), inside, 0.0), observed_weight


def start_statistics(index, resp, weight_scale=1.0, center=None):
    """Expected statistics of a start's partition of rows with NaN.

    The partition (``resp``, from an initialiser) gives no parameters yet,
    so the missing entries are filled as by one E-step under per-feature
    variances: each component's mean and variance of every feature are its
    responsibility-weighted moments over the rows that observe the feature,
    a missing entry is expected at that mean with that variance as its
    conditional variance. Each feature's moments are shrunk towards the
    whole data's by one row's worth of weight (the mean weight of a
    distinct row, so that integer weights equal repeated rows), so a
    component whose rows never observe a feature starts with the data's
    mean and variance there, not with none: the observed-data likelihood
    does not depend on them, EM keeps what it starts from, and a start
    whose scatter were zero there would be a collapse made by the start.

    Parameters
    ----------
    index : PatternIndex
        The rows of positive weight (``MissingValuesSource.fit_index``).
    resp : ndarray of shape (n, K)
        The partition's responsibilities (unweighted), in ``index``'s order.
    weight_scale : float, default=1.0
        As in :func:`e_step`: the weights are divided by it for the sums,
        which are multiplied back.
    center : ndarray of shape (d,) or None, default=None
        The centre of the statistics' coordinates (``index`` holds the rows
        as given); None: the origin.

    Returns
    -------
    stats : ExpectedStatistics
        About the components' start means.
    """
    X0, observed = index.X, index.observed
    if center is not None:
        X0 = (X0 - center) * observed
    n_rows, d = X0.shape
    w = (
        np.ones(n_rows)
        if index.sample_weight is None
        else np.asarray(index.sample_weight, np.float64) / weight_scale
    )
    missing = 1.0 - observed
    data_mean, observed_w = observed_means(X0, observed, w)
    spread = w @ ((X0 - data_mean) * observed) ** 2
    data_var = np.divide(spread, observed_w, out=np.zeros(d), where=observed_w > 0)
    # Per distinct row: integer weights then shrink as repeated rows do.
    one_row = w.sum() / max(index.n_distinct, 1)
    a = resp * w[:, np.newaxis]
    nk = a.sum(axis=0)
    component_w = a.T @ observed + one_row
    means = (a.T @ X0 + one_row * data_mean) / component_w
    n_components = resp.shape[1]
    sums = np.empty((n_components, d))
    raw = np.empty((n_components, d, d))
    for k in range(n_components):
        residual = (X0 - means[k]) * observed
        weighted = residual * a[:, k, np.newaxis]
        spread = (weighted * residual).sum(axis=0)
        variance = (
            spread + one_row * (data_var + (data_mean - means[k]) ** 2)
        ) / component_w[k]
        sums[k] = weighted.sum(axis=0)
        raw[k] = weighted.T @ residual
        # The missing entries' conditional variances, on the diagonal.
        raw[k][np.diag_indices(d)] += (a[:, k] @ missing) * variance
    stats = ExpectedStatistics(nk, sums, raw, means)
    if index.sample_weight is not None and weight_scale != 1.0:
        stats.rescale(weight_scale)
    return stats


# ---------------------------------------------------------------------------
# M-step for any registered structure


def observed_log_likelihood(X, weights, means, covariances, sample_weight=None):
    """``sum_i w_i log p(x_io)`` for full-matrix parameters (tests, oracles)."""
    from ._conditional import marginal_log_prob

    weighted = marginal_log_prob(X, weights, means, covariances)
    per_row = log_normalize(weighted)[1]
    return float(per_row.sum() if sample_weight is None else sample_weight @ per_row)


# ---------------------------------------------------------------------------
# The data source of the engine for rows with missing values


def mean_imputed(X, sample_weight=None):
    """X with each NaN replaced by its feature's (weighted) observed mean."""
    mask = np.isnan(X)
    w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    means, _ = observed_means(np.where(mask, 0.0, X), ~mask, w)
    return np.where(mask, means.astype(X.dtype), X)


class _FormStatistics:
    """Expected statistics seen through a structure's statistics form.

    The engine's M-step reads ``nk`` and ``finalize(nk_reg, total_scatter)``;
    the expected scatter is per component, and the form reduces it to what
    the structure's M-step takes.
    """

    def __init__(self, stats, form):
        self.stats = stats
        self.form = form
        self.nk = stats.nk

    def finalize(self, nk_reg, total_scatter=None):
        means, scatter = self.stats.finalize(nk_reg)
        return means, self.form.from_full(scatter)


class MissingValuesSource(ArraySource):
    """A data source whose rows have missing values (NaN).

    To everything that reads rows block by block (the initialisers, the
    prior's defaults, the collapse check) it is the array with each missing
    value replaced by its feature's mean; a start's statistics are its own
    (:meth:`start_statistics`), EM reads only rows of positive weight; its
    E-step (:meth:`e_step`) is the observed-data one, by missingness
    pattern, with the expected statistics of :func:`e_step`. The engine's
    loop, restarts and M-step are unchanged.
    """

    index = None
    fit_index = None
    fit_rows = None
    missing_mask = None

    @classmethod
    def from_arrays(
        cls, X, sample_weight=None, *, cache_features=False, center=None, batch=False
    ):
        """The source of ``X`` with NaN (validated: no row without a value).

        ``center`` imposes the centre (a ``partial_fit`` batch is centred on
        the running statistics'); ``batch`` accepts features missing in every
        row (a later batch: the model's conditionals fill them), which
        ``fit`` refuses.
        """
        if batch:
            check_missing(X)
        else:
            check_fit_input(X, sample_weight)
        source = super().from_arrays(
            mean_imputed(X, sample_weight), sample_weight, center=center
        )
        source.X_missing = X
        source.missing_mask = np.isnan(X)
        # Each feature's variance over the rows that observe it (the filled
        # entries, at the observed mean, add nothing to the scatter).
        observed = np.ones(len(X)) if sample_weight is None else sample_weight
        observed = observed @ ~source.missing_mask
        with np.errstate(all="ignore"):  # NaN: a feature no row observes
            source.observed_variances = np.diag(scatter_about_mean(source)) / observed
        # The rows as given: the E-step measures them against the means in
        # the same coordinates (see _reduce_marginal).
        rows = X.astype(np.float64)
        source.index = PatternIndex.from_array(rows, sample_weight)
        # EM reads only the rows of positive weight: a row of weight zero
        # adds nothing, and one too large to square would add NaN.
        positive = None if sample_weight is None else sample_weight > 0
        if positive is None or positive.all():
            source.fit_rows, source.fit_index = slice(None), source.index
        else:
            source.fit_rows = np.flatnonzero(positive)
            source.fit_index = PatternIndex.from_array(
                rows[positive], sample_weight[positive]
            )
        return source

    def observed_covariance(self):
        """The data's covariance for the default priors (``_prior.data_covariance``).

        Each feature's variance over the rows that observe it (the entries
        filled at its mean add nothing to the scatter but would count in the
        denominator, shrinking a prior with the share missing: 4.5 to 0.2 for
        a feature 95 % missing), and the filled data's correlations between
        them, which keep the matrix positive semi-definite.
        """
        weights = self.sample_weight
        if weights is None:
            weights = np.ones(self.missing_mask.shape[0])
        observed = np.asarray(weights, np.float64) @ ~self.missing_mask
        # About the mean: the filled entries, at it, add nothing.
        scatter = np.asarray(scatter_about_mean(self), np.float64)
        diagonal = np.diag(scatter)
        spread = diagonal > 0
        variances = np.where(spread, frequency_covariance(diagonal, observed), 0.0)
        root = np.sqrt(np.where(spread, diagonal, 1.0))
        deviation = np.sqrt(variances)
        covariance = scatter / np.outer(root, root) * np.outer(deviation, deviation)
        np.fill_diagonal(covariance, variances)
        return covariance

    def start_statistics(self, model, resp_of_rows, n_components):
        """A start's statistics from a partition (:func:`start_statistics`)."""
        resp = resp_of_rows(slice(None)).astype(np.float64, copy=False)
        index = self.fit_index
        stats = start_statistics(
            index, resp[self.fit_rows][index.order], self.weight_scale, self.center
        )
        return _FormStatistics(stats, model.scatter)

    def em_step(self, model, params, mapper=map, *, entropy=False):
        """The observed-data E-step and expected statistics (``_estep.em_step``)."""
        if entropy:
            raise ValueError(
                "Missing values are not supported by the variational mixture; "
                "impute them first (GaussianMixtureImputer) or use GaussianMixture."
            )
        if params.noise_proportion is not None:
            raise ValueError(_NOISE_AND_NAN)
        n_components, d = params.means.shape
        full = model.to_full(params.covariances, n_components, d)
        log_likelihood, stats = e_step(
            self.fit_index,
            params.weights,
            params.means + self.center,
            full,
            self.weight_scale,
            reference=params.means,
        )
        return log_likelihood, _FormStatistics(stats, model.scatter)

    def reduce_blocks(self, model, params, reduce):
        """``reduce`` of every row's weighted log-densities (:class:`MissingRows`)."""
        return MissingRows(self.X_missing, self.center).reduce_blocks(
            model, params, reduce
        )

    def one_pass(self, center):
        """The rows, with their NaN, for one pass centred on ``center``."""
        return MissingRows(self.X_missing, center)

    @classmethod
    def for_prediction(cls, X, center):
        """Rows with NaN to predict: marginal densities over observed features."""
        check_missing(X)
        return MissingRows(X, center)


class MissingRows:
    """Rows, some with missing values, for one pass of the E-step (prediction).

    The complete rows take the engine's path and its precision guard; only
    the rows with NaN are read through their marginal densities, in the
    data's own coordinates: a row's value does not depend on which rows
    share its call.
    """

    def __init__(self, X, center):
        self.X = X
        # The complete rows' source rounds the centre to their dtype, and the
        # parameters are centred on it: one centre for both (NaN alone made
        # float32 rows' dtype float64 here, another centre than theirs).
        complete = X[~np.isnan(X).any(axis=1)]
        dtype = compute_dtype(complete) if complete.size else np.float64
        self.center = representable_center(center, dtype)

    def reduce_blocks(self, model, params, reduce):
        """``reduce`` of the weighted log-densities of every row, stacked."""
        if params.noise_proportion is not None:  # a noise model fitted without NaN
            raise ValueError(_NOISE_AND_NAN)
        incomplete = np.isnan(self.X).any(axis=1)
        parts = []
        if not incomplete.all():
            complete = ArraySource.for_prediction(self.X[~incomplete], self.center)
            parts.append((~incomplete, reduce_blocks(model, complete, params, reduce)))
        if incomplete.any():
            raw_means = params.raw_means
            if raw_means is None:
                raw_means = params.means + self.center
            rows = self.X[incomplete].astype(np.float64)
            marginal = _reduce_marginal(
                rows, model, params, raw_means, reduce, self.X.dtype
            )
            parts.append((incomplete, marginal))
        if len(parts) == 1:
            return parts[0][1]
        return _interleave(parts, self.X.shape[0])


def _interleave(parts, n_rows):
    """The per-row outputs of ``(rows mask, output)`` parts in the rows' order.

    An output holds as many entries per row as ``reduce`` gives (one,
    ``K`` flattened, or more), rows first.
    """
    first = parts[0][1]
    width = first.size // int(np.count_nonzero(parts[0][0]))
    dtype = np.result_type(*(part for _, part in parts))
    out = np.empty((n_rows, width), dtype=dtype)
    for rows, part in parts:
        out[rows] = part.reshape(-1, width)
    if first.ndim == 1:
        return out.reshape(-1)
    return out.reshape(n_rows, *first.shape[1:])


_NOISE_AND_NAN = (
    "A noise component and missing values (NaN) cannot be combined yet; impute "
    "the missing values first (GaussianMixtureImputer) or fit without noise."
)


def _reduce_marginal(X, model, params, raw_means, reduce, dtype):
    """``reduce`` of the marginal weighted log-densities of rows with NaN.

    ``X`` holds the rows as given (float64) and ``raw_means`` the means in
    the same coordinates: the residual ``x - mu`` is then one rounding,
    where rows and means centred on the data's centre would lose ``eps``
    times the means' distance from it (every digit of a narrow component
    far from the centre).
    """
    n_components, d = params.means.shape
    full = model.to_full(np.asarray(params.covariances, np.float64), n_components, d)
    floor = log_density_floor(dtype)
    raw_means = np.asarray(raw_means, np.float64)
    index = PatternIndex.from_array(X)
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore"):
        weighted = marginal_weighted_log_prob(index, params.weights, raw_means, full)
        # NaN (inf - inf) is an overflowed component; below the dtype's range is -inf.
        weighted[np.isnan(weighted) | (weighted < -floor)] = -np.inf
    # Rows beyond the float range of every component take their limit.
    far = np.flatnonzero(~np.isfinite(weighted).any(axis=1))
    if far.size:
        weighted[far] = nearest_limit(X[far], params.weights, raw_means, full, floor)
    separate_ties(weighted, X, params.weights, raw_means, full, floor)
    return reduce(weighted.astype(dtype))
