"""The E-step: weighted log-densities, responsibilities and statistics per block."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from functools import partial

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from ..covariance._exact import PrecisionGuard, log_density_floor
from ..covariance._linalg import einsum, errors_ignored, errors_restored, ones
from ._stats import block_statistics
from ._threads import block_mapper

__all__ = [
    "block_log_prob",
    "em_step",
    "flat_log_responsibilities",
    "flat_responsibilities",
    "log_normalizer",
    "log_prob_function",
    "log_responsibilities",
    "map_terms",
    "normalize_log_prob",
    "responsibilities",
    "row_argmax",
    "row_max",
    "row_max_argmax",
]

_LOG_2PI = math.log(2.0 * math.pi)


_EXP_FLOOR = {np.float64: -575.0, np.float32: -60.0}


def log_prob_function(model, params, dtype, *, center=None, errstate=True):
    """``log pi_k + log N(x | mu_k, Sigma_k)`` as a function of a block.

    What depends only on the parameters is computed once here, not per block.
    Every value returned meets the precision policy of ``covariance._exact``
    (``TOLERANCE`` relative to the row's log-density, see
    ``doc/numerics.rst``): the structure's fast form computes the block, and
    the rows whose error estimate is too large are recomputed with the
    exact form.

    Parameters
    ----------
    center : ndarray of shape (d,) or None, default=None
        The centre of the rows and of ``params.means``; the exact form works
        in the data's own coordinates. None: the origin.
    errstate : bool, default=True
        Whether the set-up and ``log_prob`` set numpy's error state
        themselves (overflow and invalid ignored: rows beyond the float
        range); False when the caller has every error ignored for both (the
        E-step, once per step and per block on another thread).

    Returns
    -------
    form : StatisticsForm
        The statistics the distances' by-product feeds (the structure decides
        once, in ``CovarianceModel.block_kernel``).
    log_prob : callable
        ``log_prob(X, features=None, norms=None, raw=None)`` for a centred
        block ``X`` of ``dtype`` returns the weighted log-densities, shape
        (n, K), and the structure's by-product for the block's accumulator
        (see ``CovarianceModel.mahalanobis``). ``features`` are that
        by-product when already known (``ArraySource.features``): the
        distances of the feature forms then start from them. ``norms`` are
        the norms of the centred rows (the source's ``row_norms``) and
        ``raw(index)`` returns the block's rows at ``index`` as given; both
        are computed from ``X`` when not given.
    """
    # One error state for the whole set-up (the guard's included: see
    # PrecisionGuard): a weight of zero has the log -inf, parameters far
    # beyond the data overflow the bounds to inf.
    if errstate:
        with np.errstate(all="ignore"):
            kernel, guard, center = _set_up(model, params, dtype, center)
    else:
        kernel, guard, center = _set_up(model, params, dtype, center)
    weighted_log_densities = kernel.distances

    def log_prob_in_errstate(X, features=None, norms=None, raw=None):
        # Only the forms with features are ever given them.
        if features is None:
            values, aux = weighted_log_densities(X)
        else:
            values, aux = weighted_log_densities(X, features)
        if norms is None:
            norms = np.sqrt(einsum("ij,ij->i", X, X, dtype=np.float64))
        if raw is None:

            def raw(index):
                return np.asarray(X[index], dtype=np.float64) + center

        guard.fix(values, norms, raw, X)
        return values, aux

    if errstate:

        def log_prob(X, features=None, norms=None, raw=None):
            with np.errstate(over="ignore", invalid="ignore"):
                return log_prob_in_errstate(X, features, norms, raw)

    else:
        log_prob = log_prob_in_errstate
    if params.noise_proportion is None:
        return kernel.form, log_prob
    return kernel.form, _with_noise_column(log_prob, params)


def _set_up(model, params, dtype, center):
    """The kernel and precision guard of one E-step, and ``center`` as an array."""
    n_features = params.means.shape[1]
    log_det = model.log_det_cholesky(params.precisions_cholesky, n_features)
    if params.log_weights is not None:
        log_weights = params.log_weights
    else:
        log_weights = np.log(params.weights)
    offset = log_det + log_weights - 0.5 * n_features * _LOG_2PI
    kernel = model.block_kernel(
        params.means, params.precisions_cholesky, dtype, scale=-0.5, offset=offset
    )
    guard, center = _guard(model, params, dtype, kernel, offset, center)
    return kernel, guard, center


def _guard(model, params, dtype, kernel, offset, center):
    """The precision guard of one E-step, and ``center`` as an array."""
    n_features = params.means.shape[1]
    center = np.zeros(n_features) if center is None else np.asarray(center)
    raw_means = params.raw_means
    if raw_means is None:
        # Only the exact form reads them, rarely: formed when first needed.
        def raw_means():
            return np.asarray(params.means, dtype=np.float64) + center

    guard = PrecisionGuard(
        model,
        params.means,
        params.precisions_cholesky,
        dtype if kernel.dtype is None else kernel.dtype,
        residual=kernel.residual,
        raw_means=raw_means,
        scale=-0.5,
        offset=offset,
        precisions=kernel.precisions,
    )
    return guard, center


def _with_noise_column(log_prob, params):
    """``log_prob`` with the noise component's column appended (the last).

    The uniform density ``1 / V`` weighted by its proportion is the same
    constant ``log(pi_0) - log(V)`` for every row (mclust's ``Vinv``).
    """
    with np.errstate(divide="ignore"):
        constant = (
            math.log(params.noise_proportion)
            if params.noise_proportion > 0
            else -np.inf
        )
    constant -= params.noise_log_volume

    def log_prob_with_noise(X, features=None, norms=None, raw=None):
        gaussian, aux = log_prob(X, features, norms, raw)
        n_rows, n_components = gaussian.shape
        out = np.empty((n_rows, n_components + 1), dtype=gaussian.dtype)
        out[:, :n_components] = gaussian
        out[:, n_components] = constant
        return out, aux

    return log_prob_with_noise


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
    n_rows, n_components = values.shape
    maximum = values[:, 0].copy()
    # The labels in the smallest unsigned type that holds them, cast once at
    # the end: four times fewer bytes per pass than intp.
    small = np.min_scalar_type(n_components - 1).type
    labels = np.zeros(n_rows, dtype=small)
    new_label = np.empty(n_rows, dtype=small)
    for k in range(1, n_components):
        column = values[:, k]
        # Strictly greater: ties go to the first component, as argmax. Every
        # label so far is below k, so k where greater is the larger of the
        # two: a masked copy (np.copyto with where) is several times slower.
        np.multiply(column > maximum, small(k), out=new_label)
        np.maximum(labels, new_label, out=labels)
        np.maximum(maximum, column, out=maximum)
    return maximum, labels.astype(np.intp)


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
    sums = shifted @ ones(shifted.shape[1], shifted.dtype)
    return shift, sums


def log_normalizer(weighted, maximum=None):
    """Per-row ``log sum_k exp(weighted)``; ``weighted`` is overwritten.

    ``maximum`` is :func:`row_max` of ``weighted`` when already known.
    Rows whose every log-density is below the dtype's range (see
    ``covariance._exact``) get ``-inf``.
    """
    floor = log_density_floor(weighted.dtype)
    shift, sums = _exp_shifted(weighted, maximum)
    return _below_floor_is_inf(shift + np.log(sums), floor)


def log_responsibilities(weighted):
    """``log r_ik`` from weighted log-densities (not overwritten).

    A row beyond the dtype's range of every component has ``-floor`` at its
    nearest components (``covariance._exact``): its log-responsibilities are
    those of the limit, 0 or ``log(1/m)`` there and ``-inf`` elsewhere, not
    ``inf - inf``.
    """
    shift, sums = _exp_shifted(weighted.copy())
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        # The shift first: log(sums) is lost against a shift near -floor.
        log_resp = (weighted - shift[:, np.newaxis]) - np.log(sums)[:, np.newaxis]
    floor = log_density_floor(weighted.dtype)
    # The -floor of overflowed components in a row where another column is
    # within range (a noise component's constant): their limit is 0, not
    # exp(-1.8e308) read as a finite log.
    beyond = (weighted <= -floor) & (shift > -floor)[:, np.newaxis]
    if beyond.any():
        log_resp[beyond] = -np.inf
    return log_resp


def _below_floor_is_inf(log_norm, floor):
    """Rows whose every log-density overflowed (see ``covariance._exact``): -inf."""
    # Usually none: one reduction tells (fmin skips NaN, which compares
    # below nothing, so it finds the smallest of the rows that can).
    if not _FMIN(log_norm, initial=np.inf) <= -floor:
        return log_norm
    beyond = log_norm <= -floor
    if beyond.any():
        log_norm[beyond] = -np.inf
    return log_norm


_FMIN = np.fmin.reduce


def normalize_log_prob(weighted, maximum=None):
    """Responsibilities and per-row log-likelihood from weighted log-densities.

    ``weighted`` is overwritten by the responsibilities; ``maximum`` is
    :func:`row_max` of it when already known.

    One exponential per entry: ``r = e / e.sum()``, ``log p = m + log e.sum()``
    with ``e = exp(wlp - max)``.
    """
    shift, sums = _exp_shifted(weighted, maximum)
    resp = weighted
    # One division per row, not per entry: division is several times slower
    # than multiplication.
    resp *= (1.0 / sums)[:, np.newaxis]
    return resp, _below_floor_is_inf(
        shift + np.log(sums), log_density_floor(weighted.dtype)
    )


def responsibilities(weighted):
    """Posterior probabilities ``r_ik`` as reported; ``weighted`` is overwritten.

    :func:`normalize_log_prob` floors the exponent of far components for
    speed inside EM (``exp(-575)`` in float64, ``exp(-60)``, about 1e-26, in
    float32). Reported by ``predict_proba`` that floor would be a wrong
    probability, orders of magnitude above ``exp(predict_log_proba)`` (and
    scikit-learn's), so the floored entries get ``exp(log r_ik)``; every
    other entry is that of :func:`normalize_log_prob`.
    """
    shift = row_max(weighted)
    with np.errstate(invalid="ignore"):
        # The entries _exp_shifted floors (a row without a finite maximum
        # gives NaN here and is left as normalize_log_prob has it).
        floored = (weighted - shift[:, np.newaxis]) < _EXP_FLOOR[weighted.dtype.type]
    exact = None
    if floored.any():
        with np.errstate(under="ignore"):
            exact = np.exp(log_responsibilities(weighted)[floored])
    resp = normalize_log_prob(weighted, shift)[0]
    if exact is not None:
        resp[floored] = exact
    return resp


def _raw_rows(data, rows):
    """``raw(index)``: the rows of a block at ``index`` as given (float64)."""

    def raw(index):
        start = rows.start or 0
        return data.raw(start + np.asarray(index))

    return raw


def block_log_prob(data, log_prob_of, rows, features=None):
    """``log_prob_of`` of a block of ``data``, with the source's norms and raw rows."""
    X = data.centred(rows)
    return X, log_prob_of(X, features, data.row_norms(rows, X), _raw_rows(data, rows))


def _block_step(data, params, log_prob_of, form, rows, entropy=False, errstate=True):
    """E-step and sufficient statistics of one block of rows.

    The sample weights are divided by the source's ``weight_scale`` (their
    mean) for the block's sums, which are multiplied back at the end, so a
    common factor of the weights changes the sums only by rounding (no bit
    for a power of two) and cannot overflow them.

    ``log_prob_of`` sets no error state (``log_prob_function(...,
    errstate=False)``): one is set here for the whole block, in the thread
    that computes it (rows beyond the float range overflow their distances
    and statistics, which the precision guard and the statistics handle),
    unless ``errstate`` is False (the E-step's own covers this thread).
    """
    if not errstate:
        return _block_step_in_errstate(data, params, log_prob_of, form, rows, entropy)
    with np.errstate(all="ignore"):
        return _block_step_in_errstate(data, params, log_prob_of, form, rows, entropy)


def _block_step_in_errstate(data, params, log_prob_of, form, rows, entropy):
    X, (log_prob, aux) = block_log_prob(
        data, log_prob_of, rows, data.features(form, rows)
    )
    resp, row_log_likelihood = normalize_log_prob(log_prob)
    w = data.weights_of(rows)
    scale = getattr(data, "weight_scale", 1.0)
    if w is not None and scale != 1.0:
        w = w / scale
    noise = params.noise_proportion is not None
    if entropy:
        # sum_i w_i sum_k r_ik log r_ik, before r is weighted; the E-step
        # floors every r above zero, so the log is finite.
        row_entropy = (resp * np.log(resp)) @ ones(resp.shape[1], resp.dtype)
        block_entropy = scale * float(
            row_entropy.sum(dtype=np.float64)
            if w is None
            else w @ row_entropy.astype(np.float64)
        )
    if w is None:
        log_likelihood = float(row_log_likelihood.sum(dtype=np.float64))
    else:
        row_log_likelihood = row_log_likelihood.astype(np.float64)
        log_likelihood = scale * float(w @ row_log_likelihood)
        if log_likelihood != log_likelihood:  # only then: 0 * -inf
            log_likelihood = scale * float(weighted_sum(w, row_log_likelihood))
        resp *= w[:, np.newaxis].astype(resp.dtype)
    if noise:
        # The noise column is the last; the Gaussian statistics read the others.
        noise_count = scale * float(resp[:, -1].sum(dtype=np.float64))
        resp = np.ascontiguousarray(resp[:, :-1])
        gaussian_scatter = scale * _gaussian_scatter(X, resp)
    stats = block_statistics(
        form, params.means, params.precisions_cholesky, X, resp, aux, w, errstate=False
    )
    if w is not None:
        stats.rescale(scale)
    if entropy:
        stats.entropy = block_entropy
    if noise:
        stats.noise_count = noise_count
        stats.gaussian_scatter = gaussian_scatter
    return log_likelihood, stats


def _gaussian_scatter(X, weighted_resp):
    """``sum_i w_i (1 - r_i0) x_i x_i^T`` of a centred block, in float64.

    With a noise component the rows' Gaussian responsibilities do not sum to
    one, so the total scatter that the pooled statistics subtract from
    (``PooledScatter.finalize``) is this one, not the data's.
    """
    X = X.astype(np.float64, copy=False)
    row_weights = weighted_resp.sum(axis=1, dtype=np.float64)
    return (X.T * row_weights) @ X


def em_step(model, data, params, mapper=map, *, entropy=False):
    """One E-step over all blocks with the accumulation of the M-step inputs.

    Parameters
    ----------
    mapper : callable, default=map
        ``mapper(func, blocks)`` applies ``func`` to every block and yields
        the results in block order (see ``_threads.block_mapper``).
    entropy : bool, default=False
        Also accumulate ``sum_i w_i sum_k r_ik log r_ik`` as
        ``stats.entropy`` (the variational lower bound needs it).

    With a noise component (``params.noise_proportion`` set), the
    responsibilities have one more column, the noise's, whose weighted sum
    is accumulated as ``stats.noise_count`` (the M-step's ``N_0``).

    Returns
    -------
    log_likelihood : float
        ``sum_i w_i log p(x_i)`` under ``params``.
    stats : accumulator
        Sufficient statistics of the responsibilities under ``params``.
    """
    # Sources that read their rows in pages or on other machines (memory
    # maps, Dask chunks: ``_sources``) run this function on each part and add.
    own_step = getattr(data, "em_step", None)
    # One numpy error state for the E-step in this thread (overflow of rows
    # beyond the float range, which the precision guard and the statistics
    # handle; the log -inf of a weight of zero): its set-up and, unless the
    # mapper runs them on other threads, its blocks (on small data setting
    # it costs as much as a ufunc call, several times per step).
    token = errors_ignored()
    try:
        if own_step is not None:
            return own_step(model, params, mapper, entropy=entropy)
        return _em_step(model, data, params, mapper, entropy)
    finally:
        errors_restored(token)


def _em_step(model, data, params, mapper, entropy):
    """:func:`em_step` of an in-memory source, within numpy's error state."""
    n_components = params.weights.shape[0]
    dtype = data.X.dtype
    form, log_prob_of = log_prob_function(
        model, params, dtype, center=data.center, errstate=False
    )
    data.cache_features(form)
    step = partial(
        _block_step,
        data,
        params,
        log_prob_of,
        form,
        entropy=entropy,
        errstate=mapper is not map,
    )
    # Partial sums are added in block order, so the result does not depend on
    # how many threads computed them.
    log_likelihood = total_entropy = noise_count = gaussian_scatter = 0.0
    noise = params.noise_proportion is not None
    # The first block's statistics start the sum when they were accumulated
    # onto zeros and not rescaled since (weights of scale one): adding them
    # to zeros again would change no bit (no sum is -0.0), and on small data
    # a single block is the rule.
    stats = (
        None
        if getattr(data, "weight_scale", 1.0) == 1.0
        else form.new_statistics(params.means, params.precisions_cholesky)
    )
    for block_log_likelihood, block_stats in mapper(
        step, data.blocks(model, n_components)
    ):
        log_likelihood += block_log_likelihood
        if stats is None:
            stats = block_stats
        else:
            stats += block_stats
        if entropy:
            total_entropy += block_stats.entropy
        if noise:
            noise_count += block_stats.noise_count
            gaussian_scatter = gaussian_scatter + block_stats.gaussian_scatter
    if stats is None:  # no rows
        stats = form.new_statistics(params.means, params.precisions_cholesky)
    if entropy:
        stats.entropy = total_entropy
    if noise:
        stats.noise_count = noise_count
        stats.gaussian_scatter = gaussian_scatter
    return log_likelihood, stats


def reduce_blocks(model, source, params, reduce):
    """``reduce(weighted log-densities)`` of every block of ``source``, stacked.

    One pass of the E-step without statistics: prediction, scoring and the
    selector's criteria. ``params`` are centred on ``source.center``. With a
    noise component the weighted log-densities have its column last.
    """
    own_reduce = getattr(source, "reduce_blocks", None)
    if own_reduce is not None:  # streaming and Dask sources (``_sources``)
        return own_reduce(model, params, reduce)
    _, log_prob_of = log_prob_function(
        model, params, source.X.dtype, center=source.center
    )

    def block(rows):
        return reduce(block_log_prob(source, log_prob_of, rows)[1][0])

    n_components = params.weights.shape[0]
    with block_mapper(source, model, n_components) as mapper:
        blocks = source.blocks(model, n_components)
        return np.concatenate(list(mapper(block, blocks)))


def map_terms(top, labels, log_norm):
    """Per row ``[log p(x), log z_MAP, label]``, flattened (float64).

    From each row's largest weighted log-density ``top`` (at component
    ``labels``) and its log-normaliser ``log_norm``: the criteria's terms
    and the MAP labels of one block. As :func:`log_likelihood_terms`,
    ``log z_MAP`` is 0 where ``log p`` is not finite (a row beyond the
    dtype's range of every component, see ``covariance._exact``).
    """
    # Written into one array: np.column_stack costs a copy of each column.
    terms = np.empty((log_norm.shape[0], 3))
    terms[:, 0] = log_norm
    log_norm = terms[:, 0]
    # log z of the MAP component: its weighted log-density minus log p(x).
    map_log_resp = np.subtract(top, log_norm, out=terms[:, 1])
    outside = ~np.isfinite(log_norm)
    if outside.any():
        map_log_resp[outside] = 0.0
    terms[:, 2] = labels
    return terms.ravel()


def log_likelihood_terms(weighted_log_prob):
    """Per row ``[log p(x), log z_MAP]``, flattened: a ``reduce`` for the criteria.

    ``log z_MAP`` is the log posterior of the row's most probable component
    (0 where ``log p`` is not finite).
    """
    top = row_max(weighted_log_prob).astype(np.float64)
    log_norm = log_normalizer(weighted_log_prob).astype(np.float64)
    with np.errstate(invalid="ignore"):
        map_log_resp = np.where(np.isfinite(log_norm), top - log_norm, 0.0)
    return np.column_stack([log_norm, map_log_resp]).ravel()


def weighted_sum(weights, values):
    """``sum_i w_i v_i`` over the first axis; a row of weight zero counts for nothing.

    Even where its value is ``-inf`` (a row beyond the float range of every
    component): ``0 * -inf`` is NaN.
    """
    positive = (np.asarray(weights) > 0).reshape(-1, *([1] * (np.ndim(values) - 1)))
    return weights @ np.where(positive, values, 0.0)


def _scaled_sums(values, sample_weight):
    """``(sum_i s_i v_i, sum_i s_i, top)`` with ``s = w / top``, ``top = max w``.

    Divided by their largest, the weights cannot overflow a sum whatever
    their scale; rows of weight zero are left out.
    """
    weights = _check_sample_weight(
        sample_weight,
        values.reshape(values.shape[0], -1)[:, :1],
        dtype=np.float64,
        ensure_non_negative=True,
    )
    top = float(np.max(weights, initial=0.0)) or 1.0
    scaled = weights / top
    positive = scaled > 0
    return scaled[positive] @ values[positive], float(np.sum(scaled)), top


def weighted_mean(values, sample_weight):
    """``sum_i w_i v_i / sum_i w_i`` (see :func:`_scaled_sums`): the scale cancels."""
    total, weight_sum, _ = _scaled_sums(values, sample_weight)
    return float(total) / weight_sum


def weighted_totals(terms, sample_weight=None):
    """``(sum_i w_i log p_i, sum_i w_i, sum_i w_i log z_i,MAP)`` of the terms.

    The weights are divided by their largest before the sums (and the sums
    multiplied back, see :func:`_scaled_sums`), so a common factor of them
    cannot overflow; rows of weight zero count for nothing, even where
    ``log p`` is ``-inf``.

    Parameters
    ----------
    terms : ndarray of shape (n, 2)
        :func:`log_likelihood_terms` of every row.
    sample_weight : array-like of shape (n,) or None
    """
    if sample_weight is None:
        totals = terms.sum(axis=0)
        return float(totals[0]), float(terms.shape[0]), float(totals[1])
    scaled, scaled_sum, top = _scaled_sums(terms, sample_weight)
    with np.errstate(over="ignore"):
        totals, weight_sum = scaled * top, scaled_sum * top
        # The criteria double the log-likelihood.
        doubled = 2.0 * totals
    # Beyond float64 only once multiplied back: a sum no float holds (a
    # log-likelihood that was -inf already is the rows' own).
    overflowed = np.isfinite(scaled) & ~np.isfinite(doubled)
    if not math.isfinite(weight_sum) or overflowed.any():
        raise ValueError(
            f"The sample weights sum to {scaled_sum:.6g} x {top:.3g}: the "
            "weights' sum or twice the weighted log-likelihood is beyond the "
            "float64 range, so the criteria (which read the weights as counts "
            "of rows) cannot be computed. Rescale sample_weight: BIC and ICL "
            "depend on the weights' sum."
        )
    return float(totals[0]), weight_sum, float(totals[1])


def flat_responsibilities(weighted):
    """:func:`responsibilities` of a block, flattened (a ``reduce_blocks`` reduce)."""
    return responsibilities(weighted).ravel()


def flat_log_responsibilities(weighted):
    """:func:`log_responsibilities` of a block, flattened (``reduce_blocks``)."""
    return log_responsibilities(weighted).ravel()
