"""The EM engine: plain functions on arrays, one pass over row blocks each.

One call of :func:`em_step` reads the data once: for every block it computes
the component log-densities under the current parameters (E-step), the
responsibilities, the block's contribution to the log-likelihood, and adds the
block's sufficient statistics (see ``_stats``). The M-step then turns the
summed statistics into new parameters. Temporaries are per block
(block x K x d at most), never n x K x d; the n x K responsibilities exist
only when a caller asks for them.

Data enter these functions centred on their weighted mean (``FitData``); the
parameters handled here (:class:`Params`) live in the same centred
coordinates. Keeping the data centred is what lets the moment formulas of the
diagonal and pooled structures keep their precision for data far from the
origin.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

# threadpoolctl is a dependency of scikit-learn itself, so always present.
from threadpoolctl import ThreadpoolController

from ._prior import map_m_step_inputs
from ._stats import block_features, make_accumulator

__all__ = [
    "FitData",
    "Params",
    "block_mapper",
    "em_step",
    "log_normalizer",
    "log_prob_function",
    "m_step",
    "normalize_log_prob",
    "one_blas_thread",
    "row_argmax",
    "row_max",
    "row_max_argmax",
]

# Rows per block are chosen so that the block's largest temporary stays near
# this size: small enough to stay near a core's L2 cache between the steps
# that reuse it and to bound memory, large enough that numpy's per-call
# overhead (and the GIL it holds) is small next to the work, so that block
# threads scale.
_BLOCK_BYTES = 4 * 2**20
_MIN_BLOCK_ROWS = 64
_LOG_2PI = math.log(2.0 * math.pi)
_EXP_FLOOR = {np.float64: -575.0, np.float32: -60.0}


@dataclass
class Params:
    """Mixture parameters in the centred coordinates of the engine."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    # [variational] Per-component E-step offset used in place of
    # log(weights) (BayesianGaussianMixture's E[log pi_k] plus its Wishart
    # terms, see _variational.log_weight_offset); None for log(weights).
    log_weights: np.ndarray | None = None


@dataclass
class FitData:
    """Training data and what stays constant during a fit.

    Attributes
    ----------
    X : ndarray of shape (n, d)
        The data as given (float32 or float64), not centred.
    sample_weight : ndarray of shape (n,) or None
    center : ndarray of shape (d,)
        Weighted mean of ``X`` (float64); blocks are centred on it.
    total_scatter : ndarray of shape (d, d) or None
        ``sum_i w_i (x_i - center)(x_i - center)^T`` in float64.
    weight_sum : float
        ``sum_i w_i`` (``n`` without weights).
    centred_X : ndarray of shape (n, d) or None
        ``X - center`` in the data's dtype. A fit reads the centred rows on
        every EM iteration (and the selector on every candidate), so they are
        computed once, at the price of one more copy of the data; without
        them (a single pass, as in prediction) each block is centred when read.
    feature_cache : dict or None
        Whole-data features of the accumulator forms (``_stats.block_features``),
        by form, filled by :meth:`cache_features`; None disables the cache. Only
        the selector enables it: its candidates read the same features on
        every iteration of every candidate, while a single fit would trade
        ``m`` more copies of the data for the cheaper part of its iteration.
    """

    X: np.ndarray
    sample_weight: np.ndarray | None
    center: np.ndarray
    total_scatter: np.ndarray | None
    weight_sum: float
    centred_X: np.ndarray | None = None
    feature_cache: dict | None = None

    @classmethod
    def from_arrays(cls, X, sample_weight=None, *, cache_features=False):
        """Summarise the training data (two passes: mean, then scatter)."""
        weight_sum = float(X.shape[0] if sample_weight is None else sample_weight.sum())
        center = np.zeros(X.shape[1])
        for rows in row_blocks(X.shape[0], X.shape[1]):
            w = None if sample_weight is None else sample_weight[rows]
            center += _weighted_column_sums(X[rows].astype(np.float64), w)
        center /= weight_sum
        centred_X = X - center.astype(X.dtype)
        # Blocks are views of it: nothing downstream may write to them.
        centred_X.flags.writeable = False
        total_scatter = np.zeros((X.shape[1],) * 2)
        for rows in row_blocks(X.shape[0], X.shape[1]):
            Xc = centred_X[rows].astype(np.float64, copy=False)
            w = None if sample_weight is None else sample_weight[rows]
            weighted = Xc if w is None else Xc * w[:, np.newaxis]
            total_scatter += weighted.T @ Xc
        cache = {} if cache_features else None
        return cls(
            X, sample_weight, center, total_scatter, weight_sum, centred_X, cache
        )

    @property
    def n_features(self):
        return self.X.shape[1]

    def centred(self, rows):
        """The rows of a block, centred, in the data's dtype (read-only use)."""
        if self.centred_X is not None:
            return self.centred_X[rows]
        return self.X[rows] - self.center.astype(self.X.dtype)

    def cache_features(self, form):
        """Compute the features of ``form`` for all rows, if cached and affordable.

        Called before blocks are mapped, so that threads only read the cache.
        The budget is scikit-learn's ``working_memory``.
        """
        compute = block_features(form)
        if (
            self.feature_cache is None
            or compute is None
            or form in self.feature_cache
            or self.centred_X is None
        ):
            return
        probe = compute(self.centred_X[:1])
        if probe.nbytes * self.X.shape[0] > get_config()["working_memory"] * 2**20:
            return
        features = compute(self.centred_X)
        features.flags.writeable = False
        self.feature_cache[form] = features

    def features(self, form, rows):
        """The cached features of ``form`` for a block of rows, or None."""
        if self.feature_cache is None or form not in self.feature_cache:
            return None
        return self.feature_cache[form][:, rows]

    def weights_of(self, rows):
        return None if self.sample_weight is None else self.sample_weight[rows]

    def blocks(self, model, n_components):
        """Row slices for a structure's per-block work (see :func:`block_width`)."""
        width = block_width(model, n_components, self.n_features)
        return row_blocks(self.X.shape[0], width, self.X.dtype.itemsize)


def block_width(model, n_components, n_features):
    """Entries per row of the largest temporary of a block.

    Structures with per-component scatter matrices hold the whitened
    residuals ``(n, K, d + 1)``; the others only ``(n, K)`` log-densities and
    ``(n, d)`` data.
    """
    if model.scatter == "full":
        return n_components * (n_features + 1)
    return n_components + n_features


def _weighted_column_sums(X, w):
    return X.sum(axis=0) if w is None else w @ X


def row_blocks(n_rows, row_width, itemsize=8):
    """Slices over ``n_rows`` sized so a ``block x row_width`` array is small.

    The budget is the smaller of the engine's cache-friendly default and
    scikit-learn's ``working_memory`` setting, so
    ``sklearn.config_context(working_memory=...)`` bounds it too.
    """
    budget = min(_BLOCK_BYTES, get_config()["working_memory"] * 2**20)
    rows = max(_MIN_BLOCK_ROWS, int(budget // (itemsize * max(row_width, 1))))
    # Blocks of equal size: a short last block would leave a thread idle.
    n_blocks = max(1, -(-n_rows // rows))
    return gen_batches(n_rows, max(_MIN_BLOCK_ROWS, -(-n_rows // n_blocks)))


def log_prob_function(model, params, dtype):
    """``log pi_k + log N(x | mu_k, Sigma_k)`` as a function of a block.

    What depends only on the parameters is computed once here, not per block.

    Returns
    -------
    log_prob : callable
        ``log_prob(X, features=None)`` for a centred block ``X`` of ``dtype``
        returns the weighted log-densities, shape (n, K), and the structure's
        by-product for the block's accumulator (see
        ``CovarianceModel.mahalanobis``). ``features`` are that by-product
        when already known (``FitData.features``): the distances of the
        feature forms then start from them.
    """
    n_features = params.means.shape[1]
    log_det = model.log_det_cholesky(params.precisions_cholesky, n_features)
    # [variational] params.log_weights, when set, replaces log(weights).
    if params.log_weights is not None:
        log_weights = params.log_weights
    else:
        with np.errstate(divide="ignore"):
            log_weights = np.log(params.weights)
    offset = log_det + log_weights - 0.5 * n_features * _LOG_2PI
    weighted_log_densities = model.distance_function(
        params.means, params.precisions_cholesky, dtype, scale=-0.5, offset=offset
    )

    def log_prob(X, features=None):
        # Only the forms with features are ever given them.
        if features is None:
            return weighted_log_densities(X)
        return weighted_log_densities(X, features)

    return log_prob


def row_max(values):
    """Maximum of each row over the short component axis.

    A column loop: numpy's ``max(axis=1)`` over a short axis is several times
    slower.
    """
    maximum = values[:, 0].copy()
    for k in range(1, values.shape[1]):
        np.maximum(maximum, values[:, k], out=maximum)
    return maximum


def row_max_argmax(values):
    """Maximum of each row and its first component: numpy's max and argmax (no NaN).

    numpy's ``argmax`` over a short axis costs a function call per row, about
    ten times the work of this column loop.
    """
    maximum = values[:, 0].copy()
    labels = np.zeros(values.shape[0], dtype=np.intp)
    for k in range(1, values.shape[1]):
        column = values[:, k]
        # Strictly greater: ties go to the first component, as argmax.
        np.copyto(labels, k, where=column > maximum)
        np.maximum(maximum, column, out=maximum)
    return maximum, labels


def row_argmax(values):
    """First component at each row's maximum, ``np.argmax(values, axis=1)``."""
    return row_max_argmax(values)[1]


def _exp_shifted(weighted, maximum=None):
    """Overwrite ``weighted`` by ``exp(weighted - max)``; the shift and row sums.

    ``log sum_k exp(weighted) = shift + log(sums)``.
    """
    shift = row_max(weighted) if maximum is None else maximum.copy()
    shift[~np.isfinite(shift)] = 0.0
    # In place: a fresh array per large block costs page faults that double
    # the time of the whole normalisation.
    shifted = weighted
    shifted -= shift[:, np.newaxis]
    # Far components would get subnormal responsibilities, and arithmetic on
    # subnormals is slow enough to dominate the whole step on well-separated
    # data: floor the exponent where the result stays normal (< 1e-250 in
    # float64, 1e-26 in float32; no effect at the data's precision).
    np.maximum(shifted, _EXP_FLOOR[shifted.dtype.type], out=shifted)
    np.exp(shifted, out=shifted)
    # A matrix-vector product: several times faster than sum(axis=1).
    sums = shifted @ np.ones(shifted.shape[1], dtype=shifted.dtype)
    return shift, sums


def log_normalizer(weighted, maximum=None):
    """Per-row ``log sum_k exp(weighted)``; ``weighted`` is overwritten.

    ``maximum`` is :func:`row_max` of ``weighted`` when already known.
    """
    shift, sums = _exp_shifted(weighted, maximum)
    return shift + np.log(sums)


def normalize_log_prob(weighted):
    """Responsibilities and per-row log-likelihood from weighted log-densities.

    ``weighted`` is overwritten by the responsibilities.

    One exponential per entry: ``r = e / e.sum()``, ``log p = m + log e.sum()``
    with ``e = exp(wlp - max)``.
    """
    shift, sums = _exp_shifted(weighted)
    resp = weighted
    # One division per row, not per entry: division is several times slower
    # than multiplication.
    resp *= (1.0 / sums)[:, np.newaxis]
    return resp, shift + np.log(sums)


def _block_step(data, params, log_prob_of, form, rows, entropy=False):
    """E-step and sufficient statistics of one block of rows."""
    X = data.centred(rows)
    log_prob, aux = log_prob_of(X, data.features(form, rows))
    resp, row_log_likelihood = normalize_log_prob(log_prob)
    w = data.weights_of(rows)
    if entropy:
        # [variational] sum_i w_i sum_k r_ik log r_ik, before r is weighted.
        # The E-step floors every r above zero (_EXP_FLOOR), so the log is finite.
        row_entropy = (resp * np.log(resp)) @ np.ones(resp.shape[1], resp.dtype)
        stats_entropy = float(
            row_entropy.sum(dtype=np.float64)
            if w is None
            else w @ row_entropy.astype(np.float64)
        )
    if w is None:
        log_likelihood = float(row_log_likelihood.sum(dtype=np.float64))
    else:
        log_likelihood = float(w @ row_log_likelihood.astype(np.float64))
        resp *= w[:, np.newaxis].astype(resp.dtype)
    stats = make_accumulator(form, params.means, params.precisions_cholesky)
    stats.add_block(X, resp, aux)
    if entropy:
        # [variational] carried on the accumulator, which adds it across blocks.
        stats.entropy = stats_entropy
    return log_likelihood, stats


def em_step(model, data, params, mapper=map, *, entropy=False):
    """One E-step over all blocks with the accumulation of the M-step inputs.

    Parameters
    ----------
    mapper : callable, default=map
        ``mapper(func, blocks)`` applies ``func`` to every block and yields
        the results in block order (see :func:`block_mapper`).
    entropy : bool, default=False
        [variational] Also accumulate ``sum_i w_i sum_k r_ik log r_ik`` as
        ``stats.entropy`` (the variational lower bound needs it).

    Returns
    -------
    log_likelihood : float
        ``sum_i w_i log p(x_i)`` under ``params``.
    stats : accumulator
        Sufficient statistics of the responsibilities under ``params``.
    """
    n_components = params.weights.shape[0]
    dtype = data.X.dtype
    # The same arguments as distance_function's own call, so both choose the
    # same form and the accumulator matches the distances' by-product.
    form = model.block_form(params.means, params.precisions_cholesky, dtype)
    log_prob_of = log_prob_function(model, params, dtype)
    data.cache_features(form)
    step = partial(_block_step, data, params, log_prob_of, form, entropy=entropy)
    # Partial sums are added in block order, so the result does not depend on
    # how many threads computed them.
    log_likelihood = 0.0
    stats = make_accumulator(form, params.means, params.precisions_cholesky)
    total_entropy = 0.0  # [variational]
    for block_log_likelihood, block_stats in mapper(
        step, data.blocks(model, n_components)
    ):
        log_likelihood += block_log_likelihood
        stats += block_stats
        if entropy:  # [variational]
            total_entropy += block_stats.entropy
    if entropy:  # [variational]
        stats.entropy = total_entropy
    return log_likelihood, stats


@contextmanager
def block_mapper(data, model, n_components):
    """A ``map`` over row blocks that uses one thread per core when it pays.

    Blocks are independent, so they run on a thread pool (numpy releases the
    GIL in its kernels) while BLAS is held to one thread: on the small
    per-block products, block-level parallelism is faster than BLAS's own and
    does not oversubscribe the cores. Holding BLAS to one thread also makes
    results bitwise reproducible whatever the machine's thread settings. The
    number of worker threads is BLAS's own setting, so ``threadpoolctl``
    limits and ``OMP_NUM_THREADS`` apply.
    """
    n_blocks = sum(1 for _ in data.blocks(model, n_components))
    n_threads = min(n_blocks, _blas_threads())
    with one_blas_thread():
        if n_threads <= 1:
            yield map
            return
        with ThreadPoolExecutor(n_threads) as executor:
            yield executor.map


def one_blas_thread():
    """Context in which BLAS runs on one thread.

    The engine's own threads work on row blocks (:func:`block_mapper`); the
    hierarchical merges, whose products are tiny, run inside this context, and
    so do the initialisers: scikit-learn's k-means
    parallelises with OpenMP, whose threads would otherwise compete for the
    cores with BLAS threads left spinning by the previous product.
    """
    return _threadpool_controller().limit(limits=1, user_api="blas")


@lru_cache(maxsize=1)
def _threadpool_controller():
    # Scanning the loaded libraries is slow; do it once per process.
    return ThreadpoolController()


def _blas_threads():
    info = _threadpool_controller().info()
    threads = [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]
    return max(threads, default=1)


def statistics_from_resp(model, data, resp_of_rows, n_components, mapper=map):
    """Sufficient statistics for given responsibilities (initialisation).

    Exact to rounding: the first pass finds each component's mean, the second
    accumulates scatter about those means. Structures with one scatter matrix
    per component first try a single pass of raw moments, kept when their
    cancellation is negligible (see ``_covariance._moment_form_is_accurate``).

    Parameters
    ----------
    resp_of_rows : callable
        ``resp_of_rows(rows)`` returns the (unweighted) responsibilities of
        the rows of a slice, shape (rows, K).
    mapper : callable, default=map
        As in :func:`em_step`.
    """

    def accumulate(scatter, means):
        def block(rows):
            resp = resp_of_rows(rows).astype(data.X.dtype, copy=False)
            w = data.weights_of(rows)
            if w is not None:
                resp = resp * w[:, np.newaxis]
            stats = make_accumulator(scatter, means)
            stats.add_block(data.centred(rows), resp, data.features(scatter, rows))
            return stats

        data.cache_features(scatter)

        total = make_accumulator(scatter, means)
        for stats in mapper(block, data.blocks(model, n_components)):
            total += stats
        return total

    no_means = np.zeros((n_components, data.n_features))
    if model.scatter == "full":
        moments = accumulate("full-moments", no_means)
        if _moments_are_accurate(model, data, moments):
            return moments
    moments = accumulate("pooled", no_means)
    nk_reg = moments.nk + 10 * np.finfo(data.X.dtype).eps
    return accumulate(model.scatter, moments.sums / nk_reg[:, np.newaxis])


def _moments_are_accurate(model, data, moments):
    """Whether raw moments give every component's scatter to rounding.

    Their cancellation is that of the moment form of the distances under the
    Gaussians they estimate, so the same test applies.
    """
    nk = moments.nk + 10 * np.finfo(data.X.dtype).eps
    means, scatter = moments.finalize(nk)
    if np.any(moments.nk <= 0):
        return False
    precisions_cholesky, jittered = model.precision_cholesky(
        scatter / nk[:, np.newaxis, np.newaxis]
    )
    return (
        not jittered.any()
        and model.block_form(means, precisions_cholesky, data.X.dtype) == "full-moments"
    )


def m_step(
    model,
    data,
    stats,
    reg_covar,
    *,
    equal_proportions=False,
    previous=None,
    prior=None,
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
    prior : ConjugatePrior or None, default=None
        A resolved conjugate prior (``_prior.resolve_prior``): the step is
        then the MAP step, the structure's own M-step applied to the
        prior-augmented scatter with effective counts (see ``_prior``).

    Returns
    -------
    params : Params
    jittered : ndarray of shape (K,), dtype=bool
        Components whose covariance had to be regularised to be factorised.
    """
    # scikit-learn's guard against empty components, kept for identical results.
    nk = stats.nk + 10 * np.finfo(data.X.dtype).eps
    means, scatter = stats.finalize(nk, data.total_scatter)
    counts = nk
    if prior is not None:
        means, scatter, counts = map_m_step_inputs(
            prior, model, data.center, nk, means, scatter
        )
    covariances = model.m_step(counts, scatter, reg_covar, previous=previous)
    precisions_cholesky, jittered = model.precision_cholesky(covariances)
    if equal_proportions:
        weights = np.full(nk.shape[0], 1.0 / nk.shape[0])
    else:
        weights = nk / nk.sum()
    params = Params(weights, means, covariances, precisions_cholesky)
    return params, jittered
