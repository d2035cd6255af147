"""Sufficient statistics of given responsibilities (the starts of EM)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..covariance._forms import POOLED
from ._data import empty_component_guard

__all__ = ["block_statistics", "merged_moments", "statistics_from_resp"]


def merged_moments(first, second, between=None):
    """Weights, means and scatters of the union of two weighted parts.

    Chan et al.'s (1979) pairwise update, per component: the scatters about
    each part's own mean add, plus the spread of the two means, so no raw
    second moment is formed (it would cancel for parts far from the origin).

    Parameters
    ----------
    first, second : tuple
        ``(weight, means, scatter)``: weights of shape (K,), means (K, d) and
        scatters about those means, in any form linear in the matrices.
    between : callable or None, default=None
        ``between(c, delta)``: ``c_k delta_k delta_k^T`` in the scatters'
        form; None for full ``(K, d, d)`` matrices.

    Returns
    -------
    weight, means, scatter
        A component of weight zero in both parts keeps ``second``'s mean.
    """
    (a, mean_a, scatter_a), (b, mean_b, scatter_b) = first, second
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    total = a + b
    positive = total > 0
    share = np.divide(b, total, out=np.ones_like(total), where=positive)
    # a * (b / total), not (a * b) / total: weights near 1e300 (which the
    # engine's weight scale handles) would overflow the product.
    spread = a * share * positive
    delta = mean_b - mean_a
    means = mean_a + share[:, np.newaxis] * delta
    if between is None:
        outer = spread[:, np.newaxis, np.newaxis] * (
            delta[:, :, np.newaxis] * delta[:, np.newaxis, :]
        )
    else:
        outer = between(spread, delta)
    return total, means, scatter_a + scatter_b + outer


def statistics_from_resp(model, data, resp_of_rows, n_components, mapper=map):
    """Sufficient statistics for given responsibilities (initialisation).

    Exact to rounding: the first pass finds each component's mean, the second
    accumulates scatter about those means (with the exact variant of the
    structure's form, when it has one). Structures with one scatter matrix
    per component first try a single pass of raw moments, kept when their
    cancellation is negligible (see ``covariance._forms._moment_form_is_accurate``).

    Parameters
    ----------
    resp_of_rows : callable
        ``resp_of_rows(rows)`` returns the (unweighted) responsibilities of
        the rows of a slice, shape (rows, K).
    mapper : callable, default=map
        As in :func:`em_step`.
    """

    own = getattr(data, "start_statistics", None)
    if own is not None:
        # Rows with missing entries: their expected statistics (``_missing``).
        return own(model, resp_of_rows, n_components)
    scale = getattr(data, "weight_scale", 1.0)
    # In float64 whatever the rows' dtype: once per start, and float32 sums
    # of rows far apart (a sentinel 1e4 beside a blob of sd 0.5) lose the
    # small directions of a scatter to the large ones' rounding.
    narrow = data.X.dtype != np.float64

    def accumulate(form, means):
        def block(rows):
            resp = resp_of_rows(rows).astype(np.float64, copy=False)
            w = data.weights_of(rows)
            X = data.centred(rows)
            features = None if narrow else data.features(form, rows)
            if narrow:
                X = X.astype(np.float64)
            if w is not None:
                # Weights near one for the sums, multiplied back (exact).
                resp = resp * (w / scale)[:, np.newaxis]
            stats = block_statistics(form, means, None, X, resp, features, w)
            if w is not None:
                stats.rescale(scale)
            return stats

        if not narrow:
            data.cache_features(form)

        total = form.new_statistics(means)
        for stats in mapper(block, data.blocks(model, n_components)):
            total += stats
        return total

    no_means = np.zeros((n_components, data.n_features))
    quick = model.scatter.moment_variant
    if quick is not None:
        moments = accumulate(quick, no_means)
        if _moments_are_accurate(model, data, moments, quick):
            return moments
    # The first moments (the pooled form's sums) give the means, then the
    # structure's own statistics are summed about them.
    moments = accumulate(POOLED, no_means)
    nk_reg = moments.nk + empty_component_guard(data)
    # About those means the exact variant (when the form has one) cannot
    # cancel, whatever the geometry; it is one pass, so precision is cheap.
    form = model.scatter.exact_variant or model.scatter
    return accumulate(form, moments.sums / nk_reg[:, np.newaxis])


def block_statistics(
    form, means, precisions_cholesky, X, weighted_resp, aux, w, *, errstate=True
):
    """One block's statistics of ``form`` about ``means`` (its whitening).

    ``aux`` is the E-step's by-product for the block (or None: computed
    here). A row of weight zero adds nothing, but its features may overflow
    (a row beyond the float range of its squares, and ``0 * inf`` is NaN):
    a block whose sums are not finite is summed again over its other rows.
    Overflow is silent: within numpy's error state set here, or with
    ``errstate=False`` by the caller (the E-step, once per block).
    """
    stats = form.new_statistics(means, precisions_cholesky)
    if errstate:
        with np.errstate(over="ignore", invalid="ignore"):
            stats.add_block(X, weighted_resp, aux)
    else:
        stats.add_block(X, weighted_resp, aux)
    if w is not None and not stats.is_finite() and not np.all(w > 0):
        kept = w > 0
        stats = form.new_statistics(means, precisions_cholesky)
        stats.add_block(X[kept], weighted_resp[kept])
    return stats


def _moments_are_accurate(model, data, moments, form):
    """Whether raw moments give every component's scatter to rounding.

    Their cancellation is that of the moment form of the distances under the
    Gaussians they estimate, so the same test applies.
    """
    nk = moments.nk + empty_component_guard(data)
    means, scatter = moments.finalize(nk)
    if np.any(moments.nk <= 0):
        return False
    precisions_cholesky, jittered = model.precision_cholesky(
        scatter / nk[:, np.newaxis, np.newaxis]
    )
    # Accurate exactly when the structure itself would use this form for
    # the E-step of these parameters.
    # (Summed in float64, see statistics_from_resp.) Precisions of data in
    # tiny units can overflow in the kernel's accuracy test, which then
    # answers False: silently, as within the E-step's error state.
    with np.errstate(over="ignore", invalid="ignore"):
        kernel = model.block_kernel(means, precisions_cholesky, np.float64)
    return not jittered.any() and kernel.form is form and kernel.dtype is None
