"""The precisions a precision guard reads: full matrices or axis-aligned diagonals.

The guard of every E-step (``_exact.PrecisionGuard``) bounds the rounding of
the fast distances with a few summaries of the precisions: each one's reach
(the largest absolute row sum), the smallest eigenvalue of the live ones,
whether two are equal, their diagonals, and the same in per-feature units.
An axis-aligned structure's precisions are diagonal, and every summary
reads off its ``(K, d)`` diagonals; formed as ``(K, d, d)`` matrices they
cost a ``K d^3`` product and ``K d^2`` memory per E-step (100 MB and most of
a fit's time at 2,000 features), which only the exact form's rare paths
need (:attr:`matrices`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["DiagonalPrecisions", "FullPrecisions", "precision_form"]


def precision_form(precisions):
    """The summaries of ``(K, d, d)`` matrices, or of ``(K, d)`` diagonals."""
    if np.ndim(precisions) == 2:
        return DiagonalPrecisions(precisions)
    return FullPrecisions(precisions)


class FullPrecisions:
    """Summaries of precision matrices ``(K, d, d)``."""

    def __init__(self, matrices):
        self.matrices = matrices

    def absolute_row_sums(self):
        """``sum_j |Lambda_k,ij|`` (K, d); may overflow to inf."""
        return np.abs(self.matrices).sum(axis=2)

    def reaches(self):
        """``||abs(Lambda_k)||_inf`` per component, a bound of ``rho_k``.

        The largest absolute row sum bounds the spectral norm of
        ``abs(Lambda_k)`` from above (by at most ``sqrt(d)``), without an
        eigendecomposition. The sums may overflow to ``inf``: call under
        ``np.errstate(over="ignore")``.
        """
        reach = self.absolute_row_sums().max(axis=1)
        return np.where(np.isnan(reach), np.inf, reach)

    def smallest_eigenvalues(self, live):
        """Smallest eigenvalue of each live precision (0 where not finite)."""
        precisions = self.matrices[live]
        K = precisions.shape[0]
        finite = np.all(np.isfinite(precisions.reshape(K, -1)), axis=1)
        smallest = np.zeros(K)
        if finite.any():
            values = np.linalg.eigvalsh(precisions[finite])[:, 0]
            smallest[finite] = np.maximum(values, 0.0)
        return smallest

    def entries(self, live):
        """The live precisions' entries, one row per component."""
        return self.matrices[live].reshape(live.size, -1)

    def diagonals(self):
        return self.matrices.diagonal(axis1=1, axis2=2)

    def in_units(self, units):
        """The precisions of the rows ``x / units`` (``U Lambda U``)."""
        return self.matrices * np.multiply.outer(units, units)


class DiagonalPrecisions(FullPrecisions):
    """Summaries of diagonal precisions, from their diagonals ``(K, d)``.

    Each equals :class:`FullPrecisions`' on the matrices with these
    diagonals (a diagonal matrix's row sums and eigenvalues are its entries).
    """

    def __init__(self, diagonals):
        self._diagonals = diagonals

    @property
    def matrices(self):
        """The ``(K, d, d)`` matrices, formed once when first asked for."""
        matrices = self.__dict__.get("_matrices")
        if matrices is None:
            K, d = self._diagonals.shape
            matrices = np.zeros((K, d, d))
            matrices[:, np.arange(d), np.arange(d)] = self._diagonals
            self.__dict__["_matrices"] = matrices
        return matrices

    def absolute_row_sums(self):
        return np.abs(self._diagonals)

    def smallest_eigenvalues(self, live):
        diagonals = self._diagonals[live]
        finite = np.all(np.isfinite(diagonals), axis=1)
        smallest = np.zeros(diagonals.shape[0])
        if finite.any():
            smallest[finite] = np.maximum(diagonals[finite].min(axis=1), 0.0)
        return smallest

    def entries(self, live):
        return self._diagonals[live]

    def diagonals(self):
        return self._diagonals

    def in_units(self, units):
        return self._diagonals * (units * units)
