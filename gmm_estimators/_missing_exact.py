"""Rows with missing values by pattern, and under an ill-conditioned covariance.

:class:`PatternIndex` holds the rows sorted by missingness pattern, as the
E-step (``_missing.e_step_groups``) reads them, group by group.

``_missing.e_step_groups`` reads a row's observed block through the full
precision less the Schur complement of its missing part: one product per
row, as for complete data. That difference cancels terms of the order of the
covariance's condition number; beyond :data:`_EXACT_CONDITION` the terms of
each missingness pattern come from its observed block of the covariance
instead (:func:`exact_group`). Rows beyond the float range take their limit
(:func:`nearest_limit`), and far rows' ties of rounding are ordered
(:func:`separate_ties`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._conditional import _LOG_2PI, PatternGaussians, missing_patterns
from .covariance._linalg import _safe_cholesky as safe_cholesky

__all__ = [
    "PatternIndex",
    "exact_group",
    "ill_conditioned",
    "nearest_limit",
    "separate_ties",
]


@dataclass
class PatternIndex:
    """Rows with NaN sorted by missingness pattern, as the E-step reads them.

    Built once per fit. Patterns are ordered by their number of missing
    features and rows are permuted so that each pattern's rows are
    contiguous; missing entries are stored as 0.

    Attributes
    ----------
    X : ndarray of shape (n, d)
        The sorted rows, missing entries 0 (float64).
    observed : ndarray of shape (n, d)
        1.0 where observed, 0.0 where missing.
    n_observed : ndarray of shape (n,)
        Observed features per row.
    sample_weight : ndarray of shape (n,) or None
        Sorted like ``X``.
    missing : list of ndarray of int
        The missing features of each pattern.
    starts : ndarray of shape (P + 1,)
        Row ``starts[p]`` is the first of pattern ``p``; ``starts[P] = n``.
    order : ndarray of shape (n,)
        ``X = original[order]``.
    """

    X: np.ndarray
    observed: np.ndarray
    n_observed: np.ndarray
    sample_weight: np.ndarray | None
    missing: list
    starts: np.ndarray
    order: np.ndarray

    @classmethod
    def from_array(cls, X, sample_weight=None):
        patterns = sorted(missing_patterns(X), key=lambda p: p.missing.size)
        order = np.concatenate([p.rows for p in patterns])
        starts = np.concatenate([[0], np.cumsum([p.rows.size for p in patterns])])
        sorted_X = np.asarray(X, dtype=np.float64)[order]
        mask = np.isnan(sorted_X)
        sorted_X[mask] = 0.0
        observed = (~mask).astype(np.float64)
        weights = None if sample_weight is None else sample_weight[order]
        return cls(
            sorted_X,
            observed,
            observed.sum(axis=1),
            weights,
            [p.missing for p in patterns],
            starts,
            order,
        )

    @cached_property
    def n_distinct(self):
        """Distinct rows (values and pattern), found once for every start."""
        return np.unique(np.column_stack([self.X, self.observed]), axis=0).shape[0]

    def groups(self, entries_per_row):
        """Runs of patterns with as many missing features, bounded in rows.

        Yields ``(first, last)`` pattern ranges: equal numbers ``m`` of
        missing features, and at most ``budget / entries_per_row(m)`` rows
        unless one pattern alone has more.
        """
        n_patterns = len(self.missing)
        first = 0
        while first < n_patterns:
            m = self.missing[first].size
            budget = max(1, _GROUP_ENTRIES // entries_per_row(m))
            last = first + 1
            while (
                last < n_patterns
                and self.missing[last].size == m
                and self.starts[last + 1] - self.starts[first] <= budget
            ):
                last += 1
            yield first, last
            first = last


# Entries of the largest temporary of a group of rows in the E-step.
_GROUP_ENTRIES = 2**19


# Condition number of a covariance's correlation matrix beyond which rows
# with missing values are read from each pattern's observed block of the
# covariance (exact_group): the observed block's distance as the full
# precision less its missing part's Schur complement cancels terms of the
# order of that number (numerics.rst), which at 2e9 left the observed-data
# log-likelihood off by 0.004 per row and EM's bound going down.
_EXACT_CONDITION = 1e6


def ill_conditioned(covariances):
    """Per component, whether its correlation matrix is beyond ``_EXACT_CONDITION``.

    A covariance with a zero, negative or non-finite variance is too.
    """
    with np.errstate(all="ignore"):
        scale = np.sqrt(np.diagonal(covariances, axis1=-2, axis2=-1))
        correlations = covariances / (scale[:, :, None] * scale[:, None, :])
        finite = np.all(np.isfinite(correlations), axis=(1, 2))
        values = np.linalg.eigvalsh(np.where(finite[:, None, None], correlations, 0.0))
    return ~finite | (values[:, 0] * _EXACT_CONDITION < values[:, -1])


def exact_group(index, first, last, log_weights, means, covariances):
    """``_missing.e_step_groups``' terms of patterns ``first:last`` from ``Sigma_oo``.

    Returns the weighted log-densities ``(n_g, K)``, the expected residuals
    ``(K, n_g, d)`` and the conditional covariances ``(K, P, m, m)`` of the
    components given.

    Each pattern's observed block of every covariance is factorised
    (``Sigma_oo = L L^T``): the distance is ``|L^-1 r_o|^2``, ``log det
    Sigma_oo`` that of ``L``, the conditional mean of the missing features
    ``Sigma_mo Sigma_oo^-1 r_o`` and their covariance ``Sigma_mm - A A^T``
    with ``A = Sigma_mo L^-T``. Nothing of the full covariance is inverted,
    so an ill-conditioned one costs no more digits than its observed block
    and the missing features' conditional spread.
    """
    n_components, d = means.shape
    # As the fast path's factorisation (safe_cholesky) reads them.
    covariances = np.where(np.isfinite(covariances), covariances, 0.0)
    start, stop = index.starts[first], index.starts[last]
    counts = np.diff(index.starts[first : last + 1])
    missing = np.stack(index.missing[first:last])  # (P, m)
    n_patterns, m = missing.shape
    kept = np.ones((n_patterns, d), dtype=bool)
    kept[np.arange(n_patterns)[:, None], missing] = False
    observed = np.nonzero(kept)[1].reshape(n_patterns, d - m)  # (P, q)
    q = d - m

    def block(a, b):
        return covariances[:, a[:, :, None], b[:, None, :]]

    # Counted, not inferred: a pattern may observe nothing (q = 0).
    n_blocks = n_components * n_patterns
    factors = safe_cholesky(block(observed, observed).reshape(n_blocks, q, q))[0]
    factors = factors.reshape(n_components, n_patterns, q, q)
    inverse = np.tril(np.linalg.inv(factors))  # L^-1
    log_det = 2.0 * np.log(np.diagonal(factors, axis1=-2, axis2=-1)).sum(axis=-1)
    spread = block(missing, observed) @ inverse.swapaxes(-1, -2)  # A, (K, P, m, q)
    cond_covs = block(missing, missing) - spread @ spread.swapaxes(-1, -2)
    regression = spread @ inverse  # Sigma_mo Sigma_oo^-1, (K, P, m, q)
    # Each row's pattern's terms gathered per row (the group's budget counts
    # them): no loop over patterns, which may be as many as rows.
    pattern = np.repeat(np.arange(n_patterns), counts)
    n_rows = stop - start
    taken = np.arange(n_rows)[:, np.newaxis]
    seen = observed[pattern]  # (n, q)
    residual = index.X[start:stop][taken, seen][np.newaxis] - means[:, seen]
    whitened = (inverse[:, pattern] @ residual[..., np.newaxis])[..., 0]
    distances = np.einsum("knq,knq->nk", whitened, whitened) + log_det[:, pattern].T
    expected = np.zeros((n_components, n_rows, d))
    shape = (n_components, n_rows)
    np.put_along_axis(expected, np.broadcast_to(seen, (*shape, q)), residual, axis=2)
    if m:
        shift = (regression[:, pattern] @ residual[..., np.newaxis])[..., 0]
        hidden = np.broadcast_to(missing[pattern], (*shape, m))
        np.put_along_axis(expected, hidden, shift, axis=2)
    distances += index.n_observed[start:stop, np.newaxis] * _LOG_2PI
    return -0.5 * distances + log_weights, expected, cond_covs


def separate_ties(weighted, X, weights, means, covariances, floor):
    """Far rows' ties of rounding among equal precisions, ordered in place.

    Only rows whose values are large enough for their rounding to pass a
    difference of the tolerance are examined, pattern by pattern
    (``PatternGaussians.separate_ties``).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        size = np.abs(np.max(weighted, axis=1)) * (X.shape[1] + 1)
    rows = np.flatnonzero(~(size <= 1e-10 / (16 * np.finfo(np.float64).eps)))
    if not rows.size:
        return
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    for pattern in missing_patterns(X[rows]):
        gaussians = PatternGaussians(
            means, covariances, pattern.observed, pattern.missing
        )
        taken = rows[pattern.rows]
        observed = X[np.ix_(taken, pattern.observed)]
        weighted[taken] = gaussians.separate_ties(
            weighted[taken], observed, log_weights, floor
        )


def nearest_limit(rows, weights, means, covariances, floor):
    """The limit of the weighted log-densities of rows beyond the float range.

    ``rows`` (NaN where missing) overflow every component's distance: the
    limit of their responsibilities puts them on their nearest components,
    ``-floor`` there and ``-inf`` elsewhere (``PatternGaussians.nearest_limit``).
    """
    with np.errstate(divide="ignore"):
        log_weights = np.log(weights)
    limit = np.empty((rows.shape[0], weights.shape[0]))
    for pattern in missing_patterns(rows):
        gaussians = PatternGaussians(
            means, covariances, pattern.observed, pattern.missing
        )
        residuals = gaussians.residuals(rows[np.ix_(pattern.rows, pattern.observed)])
        limit[pattern.rows] = gaussians.nearest_limit(residuals, log_weights, floor)
    return limit
