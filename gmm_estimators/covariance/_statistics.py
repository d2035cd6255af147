"""Sufficient statistics of a Gaussian mixture, accumulated over row blocks.

For responsibilities ``r`` and sample weights ``w`` the M-step of every
covariance structure needs only

* ``N_k = sum_i w_i r_ik``,
* the weighted mean of each component, and
* the weighted scatter about that mean, in the form the structure asks for
  (its :class:`~gmm_estimators.covariance.StatisticsForm`): one ``(d, d)``
  matrix per component, their diagonals, or the pooled within-component
  matrix.

Every accumulator here holds plain sums, so blocks of rows (or chunks on
other machines) are combined by addition; ``finalize`` turns the sums into
M-step inputs. All sums are kept in float64 whatever the data's dtype.

Numerical care: per-component scatter matrices are accumulated in the
whitened coordinates ``(x - mu_k) @ P_k`` of the parameters that produced the
responsibilities. Those coordinates are centred near zero with unit spread,
so subtracting the mean correction loses no precision even for float32 data
far from the origin or for very tight components. The diagonal and pooled
forms work on data already centred on its weighted mean by the engine.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools

import numpy as np

from ._linalg import (
    diagonal_features,
    einsum,
    inverse_triangular,
    moment_features,
    ones,
    outer_product_columns,
)

__all__ = [
    "DiagonalResidualScatter",
    "DiagonalScatter",
    "MomentScatter",
    "PooledResidualScatter",
    "PooledScatter",
    "WhitenedScatter",
]

_EPS = float(np.finfo(np.float64).eps)

# Entries of the per-block residual temporaries of the exact accumulators.
_RESIDUAL_ENTRIES = 2**18


def _correction_outer(sums, nk_reg, nk, means=None):
    """The mean correction ``raw - scatter`` per component, ``(K, d, d)``.

    With ``xbar = s / nk_reg`` (``nk_reg`` is ``nk`` plus scikit-learn's
    ``10 * eps`` guard), ``sum r (g - xbar)(g - xbar)^T`` equals
    ``raw - (2 - nk / nk_reg) xbar s^T``. Computed without forming ``s s^T``
    or ``nk^2``: every factor stays of the size of the data times the
    weights, so a common factor of the weights cannot overflow it.
    ``means`` are ``sums / nk_reg[:, np.newaxis]`` when the caller has them.
    """
    if means is None:
        means = sums / nk_reg[:, np.newaxis]
    weight = 2.0 - nk / nk_reg
    return (weight[:, np.newaxis, np.newaxis] * means[:, :, np.newaxis]) * sums[
        :, np.newaxis, :
    ]


@functools.cache
def _triangle_positions(n_features):
    """Flat positions of the ``vech`` pairs ``(i, j)`` and of ``(j, i)`` (read-only)."""
    rows, cols = outer_product_columns(n_features)
    upper, lower = rows * n_features + cols, cols * n_features + rows
    upper.flags.writeable = lower.flags.writeable = False
    return upper, lower


def _column_sums(values):
    # A matrix-vector product: several times faster than sum(axis=0) on the
    # tall, narrow responsibilities.
    return ones(values.shape[0], values.dtype) @ values


def _feature_sums(features, weighted_resp):
    """Each component's sums of the features, ``(features @ weighted_resp).T`` (K, m).

    The E-step's responsibilities are a transposed view of component-major
    ``(K, n)`` values: BLAS then sums the same products in the same order
    (one thread, as in the engine: bit for bit the same sums) but faster
    with the components as the output's rows, 15 to 30 % on blocks of 8
    features' moments. Row-major responsibilities (the starts' one-hot
    labels) keep the first product: the other rounds differently there; so
    do operands of two dtypes (float32 responsibilities of float32 rows
    against float64 features), which numpy casts through another path.
    """
    by_component = weighted_resp.T
    if by_component.flags.c_contiguous and features.dtype == weighted_resp.dtype:
        return by_component @ features.T
    return (features @ weighted_resp).T


class _Accumulator:
    """Common bookkeeping: ``nk`` and addition."""

    _fields = ()
    # The per-row features add_block reads (see block_features), if any.
    features = None

    def __init__(self, n_components, n_features):
        self.n_components = n_components
        self.n_features = n_features
        self.nk = np.zeros(n_components)

    def __iadd__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        for field in ("nk", *self._fields):
            setattr(self, field, getattr(self, field) + getattr(other, field))
        return self

    def is_finite(self):
        """Whether every sum is finite."""
        return all(
            np.isfinite(getattr(self, field)).all() for field in ("nk", *self._fields)
        )

    def without_rounding(self, scatter, total_scatter):
        """``scatter`` from :meth:`finalize`, its rounding of an exact zero at zero.

        Called by the M-step without ``reg_covar`` only. The forms that
        subtract a mean correction leave a residue where a component's
        scatter is exactly zero (one row each: a seed start). The pooled
        form's broke the start of data in units below ``2**-460``
        (:meth:`PooledResidualScatter.without_rounding`); the others' gave
        the same fit in any units (seed starts of every structure from
        ``2**-475`` to ``2**490``, ``tests/test_numerics.py``), and stay as
        they are.
        """
        return scatter

    def rescale(self, factor):
        """Multiply every sum by ``factor`` (in place; exact for a power of two).

        Blocks are accumulated with sample weights divided by the source's
        ``weight_scale`` (see ``_engine._data``); this brings their sums back
        to the weights as given.
        """
        if factor != 1.0:
            for field in ("nk", *self._fields):
                setattr(self, field, getattr(self, field) * factor)
        return self


class WhitenedScatter(_Accumulator):
    """One scatter matrix per component, summed in whitened coordinates.

    Parameters
    ----------
    means : ndarray of shape (K, d)
        Centred reference means (those of the E-step).
    precisions_cholesky : ndarray of shape (K, d, d) or None
        Reference whitening; None means the identity (used at initialisation,
        where the reference means are the exact weighted means).
    """

    _fields = ("sums", "raw")

    def __init__(self, means, precisions_cholesky=None):
        n_components, n_features = means.shape
        super().__init__(n_components, n_features)
        self.means = np.asarray(means, dtype=np.float64)
        self.precisions_cholesky = precisions_cholesky
        self.sums = np.zeros((n_components, n_features))
        self.raw = np.zeros((n_components, n_features, n_features))

    def add_block(self, X, weighted_resp, whitened=None):
        """Add rows ``X`` (centred) with weights ``w * r`` of shape (n, K).

        ``whitened`` holds ``[(x - mu_k) @ P_k, 1]`` of shape (n, K, d + 1)
        when the E-step produced it (it is scaled in place); otherwise the
        residuals about the reference means are formed here.
        """
        d = self.n_features
        if whitened is None:
            whitened = np.empty((X.shape[0], self.n_components, d + 1), X.dtype)
            np.subtract(
                X[:, np.newaxis, :], self.means.astype(X.dtype), out=whitened[:, :, :d]
            )
            if self.precisions_cholesky is not None:
                # In the reference whitening, as the E-step's by-product.
                whitened[:, :, :d] = np.einsum(
                    "nkd,kde->nke",
                    whitened[:, :, :d],
                    np.asarray(self.precisions_cholesky, dtype=X.dtype),
                )
            whitened[:, :, d] = 1.0
        # Scaling the augmented rows by sqrt(w r) turns every sum we need into
        # one symmetric product per component: [[S, s], [s^T, N]].
        whitened *= np.sqrt(weighted_resp)[:, :, np.newaxis]
        by_component = whitened.transpose(1, 0, 2)  # (K, n, d + 1) view
        # Same buffer on both sides: numpy dispatches to a symmetric rank-k update.
        products = np.matmul(by_component.transpose(0, 2, 1), by_component)
        self.raw += products[:, :d, :d]
        self.sums += products[:, :d, d]
        self.nk += products[:, d, d]

    def finalize(self, nk_reg, total_scatter=None):
        """Means and per-component scatter about them, in data coordinates."""
        shift = self.sums / nk_reg[:, np.newaxis]
        scatter = self.raw - _correction_outer(self.sums, nk_reg, self.nk, shift)
        scatter = 0.5 * (scatter + scatter.transpose(0, 2, 1))
        if self.precisions_cholesky is None:
            return self.means + shift, scatter
        # Undo the whitening: x - mu = g @ inv(P), so W = inv(P)^T C inv(P).
        unwhiten = inverse_triangular(self.precisions_cholesky, lower=False)
        means = self.means + einsum("kd,kde->ke", shift, unwhiten)
        scatter = unwhiten.swapaxes(1, 2) @ scatter @ unwhiten
        return means, 0.5 * (scatter + scatter.transpose(0, 2, 1))


class MomentScatter(_Accumulator):
    """One scatter matrix per component, from raw second moments.

    Accumulates ``N_k``, ``sum_i w_i r_ik x_i`` and the upper triangle of
    ``sum_i w_i r_ik x_i x_i'`` as one ``(m, n) @ (n, K)`` product per block of
    the moment features the moment form of the distances already computed.
    Rows are centred on the data's mean; the structure only uses this form
    when the cancellation in ``raw - N xbar xbar'`` is negligible at the
    data's precision (see ``covariance._forms._moment_form_is_accurate``).
    """

    _fields = ("sums", "raw")
    features = staticmethod(moment_features)

    def __init__(self, means, precisions_cholesky=None):
        n_components, n_features = means.shape
        super().__init__(n_components, n_features)
        self.sums = np.zeros((n_components, n_features))
        self.raw = np.zeros((n_components, n_features * (n_features + 1) // 2))

    def add_block(self, X, weighted_resp, features=None):
        """``features`` is :func:`moment_features` of the rows."""
        if features is None:
            features = moment_features(X)
        moments = _feature_sums(features, weighted_resp)
        n_pairs = self.raw.shape[1]
        self.raw += moments[:, :n_pairs]
        self.sums += moments[:, n_pairs:-1]
        self.nk += moments[:, -1]

    def coarsened(self, accumulator):
        """The statistics of an accumulator needing less, or None.

        The diagonal and pooled accumulators sum over the same centred rows:
        the diagonal one sums the squares (the diagonal of the raw moments),
        the pooled one only the first moments.
        """
        if accumulator not in (DiagonalScatter, PooledScatter):
            return None
        stats = accumulator(np.zeros((self.n_components, self.n_features)))
        stats.nk, stats.sums = self.nk.copy(), self.sums.copy()
        if accumulator is DiagonalScatter:
            rows, cols = outer_product_columns(self.n_features)
            stats.squares = self.raw[:, rows == cols].copy()
        return stats

    def finalize(self, nk_reg, total_scatter=None):
        d = self.n_features
        upper, lower = _triangle_positions(d)
        raw = np.zeros((self.n_components, d, d))
        # Flat positions: one index array per triangle costs less than two.
        flat = raw.reshape(self.n_components, d * d)
        flat[:, upper] = self.raw
        flat[:, lower] = self.raw
        means = self.sums / nk_reg[:, np.newaxis]
        scatter = raw - _correction_outer(self.sums, nk_reg, self.nk, means)
        return means, scatter


class DiagonalScatter(_Accumulator):
    """Diagonal of each component's scatter, from first and second moments."""

    _fields = ("sums", "squares")
    features = staticmethod(diagonal_features)

    def __init__(self, means, precisions_cholesky=None):
        n_components, n_features = means.shape
        super().__init__(n_components, n_features)
        self.sums = np.zeros((n_components, n_features))
        self.squares = np.zeros((n_components, n_features))

    def add_block(self, X, weighted_resp, features=None):
        """``features`` is :func:`diagonal_features` of the rows."""
        if features is None:
            features = diagonal_features(X)
        moments = _feature_sums(features, weighted_resp)
        d = self.n_features
        self.squares += moments[:, :d]
        self.sums += moments[:, d : 2 * d]
        self.nk += moments[:, -1]

    def finalize(self, nk_reg, total_scatter=None):
        means = self.sums / nk_reg[:, np.newaxis]
        weight = (2.0 - self.nk / nk_reg)[:, np.newaxis]
        scatter = self.squares - weight * means * self.sums
        return means, np.maximum(scatter, 0.0)


class PooledScatter(_Accumulator):
    """Pooled within-component scatter: total scatter minus between-component.

    The total scatter ``sum_i w_i x_i x_i^T`` of the centred data does not
    depend on the responsibilities, so the engine computes it once per fit and
    passes it to :meth:`finalize`; each block only adds first moments.
    """

    _fields = ("sums",)

    def __init__(self, means, precisions_cholesky=None):
        n_components, n_features = means.shape
        super().__init__(n_components, n_features)
        self.sums = np.zeros((n_components, n_features))

    def add_block(self, X, weighted_resp, whitened=None):
        self.nk += _column_sums(weighted_resp)
        self.sums += weighted_resp.T @ X

    def finalize(self, nk_reg, total_scatter=None):
        means = self.sums / nk_reg[:, np.newaxis]
        weight = 2.0 - self.nk / nk_reg
        between = (means.T * weight) @ self.sums
        scatter = total_scatter - between
        return self.sums / nk_reg[:, np.newaxis], 0.5 * (scatter + scatter.T)


class DiagonalResidualScatter(_Accumulator):
    """Diagonal of each component's scatter, summed about reference means.

    The exact variant of :class:`DiagonalScatter`: the residuals ``x - mu_k``
    of every row to every component (``n K d`` entries per block) are
    squared and summed, so nothing cancels however far a component lies from
    the data's centre compared with its spread. A structure uses it when the
    moments would lose precision (``_forms.fast_statistics_are_accurate``).
    """

    _fields = ("sums", "squares")

    def __init__(self, means, precisions_cholesky=None):
        n_components, n_features = means.shape
        super().__init__(n_components, n_features)
        self.means = np.asarray(means, dtype=np.float64)
        self.sums = np.zeros((n_components, n_features))
        self.squares = np.zeros((n_components, n_features))

    def add_block(self, X, weighted_resp, aux=None):
        weighted_resp = np.asarray(weighted_resp, dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        self.nk += _column_sums(weighted_resp)
        step = max(1, _RESIDUAL_ENTRIES // max(self.means.size, 1))
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            # Component-major (K, rows, d): one batched product per sum.
            residuals = X[np.newaxis, rows, :] - self.means[:, np.newaxis, :]
            resp = np.ascontiguousarray(weighted_resp[rows].T)[:, np.newaxis, :]
            self.sums += (resp @ residuals)[:, 0, :]
            np.square(residuals, out=residuals)
            self.squares += (resp @ residuals)[:, 0, :]

    def finalize(self, nk_reg, total_scatter=None):
        shift = self.sums / nk_reg[:, np.newaxis]
        weight = (2.0 - self.nk / nk_reg)[:, np.newaxis]
        scatter = self.squares - weight * shift * self.sums
        return self.means + shift, np.maximum(scatter, 0.0)


class PooledResidualScatter(_Accumulator):
    """Pooled within-component scatter, summed about reference means.

    The exact variant of :class:`PooledScatter`, whose ``total - between``
    cancels when the components lie far apart compared with their spread.
    With ``r_i`` a row's responsibilities and ``m_i = sum_k r_ik mu_k``,

        sum_k r_ik (x_i - mu_k)(x_i - mu_k)' = (x_i - m_i)(x_i - m_i)'
            + 1/2 sum_kl r_ik r_il (mu_k - mu_l)(mu_k - mu_l)',

    a sum of positive semi-definite terms: one ``(d, d)`` product of the
    residuals to the rows' mixed means and a ``(K, K)`` product of the
    responsibilities per block.
    """

    _fields = ("sums", "within", "pairs")

    def __init__(self, means, precisions_cholesky=None):
        n_components, n_features = means.shape
        super().__init__(n_components, n_features)
        self.means = np.asarray(means, dtype=np.float64)
        self.sums = np.zeros((n_components, n_features))
        self.within = np.zeros((n_features, n_features))
        self.pairs = np.zeros((n_components, n_components))

    def add_block(self, X, weighted_resp, aux=None):
        X64 = np.asarray(X, dtype=np.float64)
        weighted_resp = np.asarray(weighted_resp, dtype=np.float64)
        row_weights = weighted_resp.sum(axis=1)
        positive = row_weights > 0
        resp = np.zeros_like(weighted_resp)
        resp[positive] = weighted_resp[positive] / row_weights[positive, np.newaxis]
        residuals = X64 - resp @ self.means
        self.within += (residuals * row_weights[:, np.newaxis]).T @ residuals
        self.pairs += weighted_resp.T @ resp
        self.nk += weighted_resp.sum(axis=0)
        self.sums += weighted_resp.T @ X64

    def finalize(self, nk_reg, total_scatter=None):
        differences = self.means[:, np.newaxis, :] - self.means[np.newaxis, :, :]
        between = 0.5 * np.einsum(
            "kl,kld,kle->de", self.pairs, differences, differences
        )
        scatter = self.within + between
        means = self.sums / nk_reg[:, np.newaxis]
        # About the new means: minus sum_k N_k (xbar_k - mu_k)(xbar_k - mu_k)'.
        shift = means - self.means
        scatter -= (shift.T * (self.nk * (2.0 - self.nk / nk_reg))) @ shift
        return means, 0.5 * (scatter + scatter.T)

    def without_rounding(self, scatter, total_scatter):
        """The pooled scatter with the variances below its rounding at zero.

        Summed about the components' means, a component on one row has the
        scatter of the rounding of its mean: the empty-component guard
        (``10 eps`` of weight) shifts the mean by ``10 eps`` of the row, about
        ``(10 eps)^2`` of the total's variance (a seed start). Variances
        below ``(100 eps)^2`` of their feature's total (a spread of 100 ulps
        of the data's) are that rounding: zero. Left as it was, about
        ``1e-29`` of the feature's variance in any units, it was subnormal
        in units below ``2**-460``: the precision overflowed and the start
        raised (EEE, EEI, EII without ``reg_covar``). At zero, the component
        borrows the data's variances in any units
        (``_linalg._borrowed_scale``). float32 rows, whose guard is float32's
        ``10 eps``, leave a larger residue, kept: they cannot reach such
        units, and a floor at their guard's shift would zero spreads of a
        millionth of the data's.
        """
        floor = (100.0 * _EPS) ** 2 * np.abs(np.diagonal(total_scatter))
        return _variances_at_zero(scatter, floor)


def _variances_at_zero(scatter, floor):
    """``scatter`` with the variances at or below ``floor`` and their row and
    column at zero (a zero variance bounds its covariances); NaN is left for
    the M-step's finiteness check.
    """
    lost = np.diagonal(scatter) <= floor
    if not lost.any():
        return scatter
    scatter = np.array(scatter, dtype=np.float64)
    scatter[lost, :] = 0.0
    scatter[:, lost] = 0.0
    return scatter
