"""The precision policy of the distances: a per-row error estimate and the exact form.

The fast forms of the squared Mahalanobis distances (raw moments, the
diagonal expansion ``x^2 p - 2 x mu p + mu^2 p``, the tied expansion) evaluate
terms as large as ``(|x| + |mu|)' |Lambda| (|x| + |mu|)`` and let them cancel
down to the distance. With the rounding errors of their terms behaving as
independent, the error of one distance is at most about

    B_ik = c eps rho_k (||x_i|| + ||mu_k||)^2,

with ``x_i`` and ``mu_k`` centred on the data's mean, ``eps`` the unit
roundoff of the dtype the distances are computed in, ``rho_k`` the spectral
norm of ``abs(Lambda_k)`` (the precision's entries in absolute value) and
``c = 4`` (calibrated on clusters far from the data's centre, 1 to 16
features: the measured error stayed below a third of the estimate). The
estimate covers the rounding of centring too (one subtraction: at most
``eps |x|`` on a centred coordinate). The whitened form, whose rounding is
that of the residuals ``(x - mu_k) P_k`` (error ``delta_ik = c eps sqrt(rho_k)
(||x_i|| + ||mu_k||)``), has the distance error ``2 sqrt(dist_ik) delta_ik +
delta_ik^2``.

A row's log-density is ``log sum_k exp(l_ik)`` with ``l_ik = offset_k -
dist_ik / 2``; its error is at most the largest error of the ``l_ik`` over
the components that can matter for that row (those whose ``l_ik`` can come
within ``exp(-50)`` of the row's largest, given the estimates).
:class:`PrecisionGuard` recomputes every row whose estimate exceeds
``TOLERANCE`` (1e-10 in float64, 1e-4 in float32) times
``max(1, |log p(x_i)|)`` with the exact form: the residual ``x - mu_k`` in
the data's own coordinates (not centred), in float64, then multiplied by the
precision's Cholesky factor. That form's error is a few ``d eps`` relative to
the distance itself, whatever the distance of the row from the data.

The checks cost little. A block is first checked with its largest row norm
(for ordinary data the estimate holds for every row at once), if need be in
each feature's own units too (``_feature_units``). Otherwise each row is
checked from its norm alone, with a lower bound of ``|log p|`` that needs
only the norm (``O(n)``); the rows still in doubt are checked component by
component on the fast form's values; those that fail are recomputed.

Rows whose distances overflow float64 (beyond about ``1e154`` standard
deviations) have the log-density ``-inf``; their responsibilities are the
limit along the row's direction: the components with the smallest distance
(computed with the row scaled by a power of two) share them.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import math

import numpy as np

from ._exact_form import exact_values
from ._linalg import einsum, separate_ties
from ._precision_forms import precision_form

__all__ = ["TOLERANCE", "PrecisionGuard", "log_density_floor"]

#: Relative precision guaranteed for every reported log-density, by the dtype
#: the distances are computed in.
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}

# Components whose weighted log-density is below the row's largest by more
# than this (after the error estimates) contribute less than exp(-50) relative.
_IRRELEVANT = 50.0

# Factor of eps in the error estimate (see the module's docstring).
_ROUNDING_CONSTANT = 4.0

# Blocks with at most this many (rows x K x d x d) entries are recomputed
# whole with the exact form once the one-comparison check fails: on them the
# staged row checks cost more numpy calls than the exact form itself.
_SMALL_BLOCK_WORK = 2**16


class _cached:
    """``functools.cached_property`` without its lock.

    Python 3.10 and 3.11 take a lock on every first read, a cost the guard
    (built on every E-step) pays several times per step. Two threads that
    read one at once compute the same value twice, which is harmless.
    """

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value


# The answer of rows_to_recompute for a block without such rows (read-only).
_NO_ROWS = np.zeros(0, dtype=np.intp)
_NO_ROWS.flags.writeable = False


def log_density_floor(dtype):
    """The finite value that stands for a log-density below the dtype's range.

    Rows whose distances overflow get ``-floor`` for their nearest
    components and ``-inf`` for the others, so that normalising gives the
    limiting responsibilities; the log-normaliser then reports ``-inf``.
    """
    return _dtype_constants(dtype)[1]


@functools.lru_cache(maxsize=16)
def _dtype_constants(dtype):
    """``(eps, floor, tolerance)`` of a dtype, looked up once per dtype.

    ``np.finfo`` resolves its argument on every call, which the E-step's
    set-up and every block's normalisation would pay.
    """
    info = np.finfo(dtype)
    tolerance = TOLERANCE.get(np.dtype(dtype).type, TOLERANCE[np.float64])
    return float(info.eps), float(info.max), tolerance


class PrecisionGuard:
    """The per-row precision check of one E-step and the exact form it falls back on.

    Parameters
    ----------
    model : CovarianceModel
    means : ndarray of shape (K, d)
        Centred means (float64).
    precisions_cholesky : ndarray
        In the structure's own shape.
    dtype : numpy dtype
        dtype of the centred blocks (their rounding bounds the precision).
    residual : bool
        Whether the fast form is the whitened residuals (``BlockKernel.residual``).
    raw_means : ndarray of shape (K, d) or callable
        The means in the data's own coordinates (or a function returning
        them, called when first needed); the exact form measures the rows as
        given against them.
    scale, offset :
        The affine transform ``scale * dist + offset`` of the distances the
        E-step asks for.
    precisions : ndarray of shape (K, d, d) or (K, d), or None, default=None
        ``factors @ factors^T`` when the caller has them (the kernel's,
        ``BlockKernel.precisions``), or their diagonals (axis-aligned
        structures); formed here otherwise.

    Notes
    -----
    Construct it within ``np.errstate(all="ignore")`` (the E-step's set-up,
    ``_engine._estep.log_prob_function``, does): the bounds of parameters far
    beyond the data overflow to inf, which is what they should say.
    """

    def __init__(
        self,
        model,
        means,
        precisions_cholesky,
        dtype,
        *,
        residual,
        raw_means,
        scale=1.0,
        offset=None,
        precisions=None,
    ):
        # Built on every E-step, where numpy's per-call overhead on arrays of
        # K entries is the cost: only what the common path (:meth:`holds_for`
        # on a block's largest row norm) reads is computed here; the staged
        # row checks compute the rest when first needed (the cached
        # properties below). For the same reason the caller sets the error
        # state (see the class's docstring).
        n_components, n_features = means.shape
        precisions_cholesky = np.asarray(precisions_cholesky, dtype=np.float64)
        means = np.asarray(means, dtype=np.float64)
        self.raw_means = raw_means
        self._dtype, self._means = dtype, means
        self._eps, self.floor, self.tolerance = _dtype_constants(dtype)
        self.scale = float(scale)
        self.offset = (
            np.zeros(n_components)
            if offset is None
            else np.asarray(offset, dtype=np.float64)
        )
        self.residual = residual
        self._model, self._cholesky = model, precisions_cholesky
        self._shape = (n_components, n_features)
        if precisions is None:
            # Axis-aligned: every check reads the diagonals (_precision_forms).
            precisions = model.per_feature_precisions(precisions_cholesky, n_features)
        if precisions is None:
            self.factors = self._full_factors()
            precisions = self.factors @ np.swapaxes(self.factors, -1, -2)
        self._precisions = precision_form(precisions)
        # The bound of :meth:`holds_for` over every component, weight zero or
        # not, and without the NaN-to-inf of reaches(): it is at least the
        # live components' (or NaN, which clears nothing), so a block it
        # clears the exact bound clears too.
        largest_row_sum = float(self._precisions.absolute_row_sums().max())
        self._quick_factor = (
            abs(self.scale) * _ROUNDING_CONSTANT * self._eps * largest_row_sum
        ) * (2.0 if residual else 1.0)
        self.mean_norms = np.sqrt(einsum("kd,kd->k", means, means))
        self._quick_mean = float(self.mean_norms.max())

    @_cached
    def factors(self):
        """The precision factors as full ``(K, d, d)`` float64 matrices."""
        with np.errstate(all="ignore"):
            return self._full_factors()

    def _full_factors(self):
        factors = self._model.to_full(self._cholesky, *self._shape)
        return np.asarray(factors, dtype=np.float64)

    @_cached
    def _reach(self):
        with np.errstate(all="ignore"):
            return self._precisions.reaches()

    @_cached
    def factor(self):
        """Expanded forms: ``|error of scale * dist| <= factor * (|x| + |mu_k|)^2``."""
        with np.errstate(all="ignore"):
            return abs(self.scale) * _ROUNDING_CONSTANT * self._eps * self._reach

    @_cached
    def live(self):
        """The components that can hold rows (weight above zero)."""
        return np.flatnonzero(self.offset > -np.inf)

    @_cached
    def _worst_factor(self):
        """The live components' largest factor (twice it for the residual forms)."""
        if self.live.size == self.offset.shape[0]:  # no component of weight zero
            worst = self.factor
        else:
            worst = self.factor[self.live]
        return float(worst.max()) * (2.0 if self.residual else 1.0)

    @_cached
    def _largest_mean(self):
        """The live components' largest mean norm."""
        if self.live.size == self.offset.shape[0]:
            return float(self.mean_norms.max())
        return float(self.mean_norms[self.live].max())

    @_cached
    def residual_factor(self):
        """Residual forms: the residual's error is at most this times |x| + |mu_k|."""
        with np.errstate(over="ignore", invalid="ignore"):
            return _ROUNDING_CONSTANT * self._eps * np.sqrt(self._reach)

    @_cached
    def _top_offset(self):
        """The largest live offset plus ``log`` of their number (the staged checks)."""
        return float(self.offset[self.live].max()) + math.log(self.live.size)

    @_cached
    def lowest(self):
        """The smallest eigenvalue of any live precision (computed when needed)."""
        return float(np.min(self._precisions.smallest_eigenvalues(self.live)))

    @_cached
    def _shares_precisions(self):
        """Whether two live components have one precision (ties to order)."""
        live = self._precisions.entries(self.live)
        equal = (live[:, np.newaxis] == live[np.newaxis]).all(axis=2)
        return int(np.count_nonzero(equal)) > self.live.size

    @_cached
    def _feature_units(self):
        """This guard's checks in each feature's own units, or None.

        Every bound above holds in any coordinates ``x / u`` with positive
        per-feature units ``u``: the error terms ``(|x| + |mu|)' |Lambda|
        (|x| + |mu|)`` are the same in them, and are at most ``rho(U |Lambda|
        U) (||x / u|| + ||mu / u||)^2`` with ``U = diag(u)``. In the data's
        own units that bound pairs the largest precision with the largest
        coordinate, so with features in units orders of magnitude apart (a
        distance in km beside a magnitude, Old Faithful's minutes beside
        its eruptions' length) it is as many orders too loose, and the
        exact form recomputed most blocks for nothing. Here ``u_j`` is a
        power of two (exact scaling) near ``1 / sqrt(max_k Lambda_k,jj)``,
        the standard deviation of feature ``j`` given the others in its
        narrowest live component; None when every feature gets the same
        unit (the bound would be the same) or a precision is not finite and
        positive on its diagonal.
        """
        live = self.live
        if not live.size:
            return None
        diagonal = self._precisions.diagonals()
        if live.size < diagonal.shape[0]:
            diagonal = diagonal[live]
        # In Python: d entries, where numpy's calls cost more than the work.
        exponents = []
        for top in diagonal.max(axis=0).tolist():
            if not (0.0 < top < math.inf):
                return None
            # top = m 2^e with m in [0.5, 1): u^2 top lies in [0.5, 2).
            exponents.append(math.frexp(top)[1] // 2)
        if min(exponents) == max(exponents):
            return None
        units = np.array([math.ldexp(1.0, -e) for e in exponents])
        inverse = np.array([math.ldexp(1.0, e) for e in exponents])
        # Built lazily, within the E-step's blocks: the error state the
        # class's Notes ask for is set here (parameters far beyond the data
        # overflow, means within 2^-1022 of a unit underflow).
        with np.errstate(all="ignore"):
            return _RescaledChecks(
                inverse,
                self._model,
                self._means * inverse,
                self._cholesky,
                self._dtype,
                residual=self.residual,
                raw_means=None,
                scale=self.scale,
                offset=self.offset,
                precisions=self._precisions.in_units(units),
            )

    def _checks_for(self, row_norms, centred):
        """The guard whose checks a block takes, its rows' norms in its units,
        the largest of them (0 without rows) and its quick bound there.

        This one while its own bound clears the block's largest row (the
        common case, no more work); otherwise the guard in the features'
        own units (:attr:`_feature_units`), when it exists, the centred
        rows are given and its bound at the block's largest row is the
        smaller.
        """
        if row_norms.shape[0] == 0:
            return self, row_norms, 0.0, 0.0
        largest_norm = float(row_norms.max())
        # The fast forms compute in the block's dtype: from this norm on the
        # squares of a row's terms overflow it (float32 query rows centred
        # on a centre near 2^65 have finite float64 norms), and their values
        # are not finite, whatever any bound says. Such rows (and NaN ones)
        # count as infinitely far: the exact form decides them.
        limit = 0.5 * math.sqrt(self.floor) - self._quick_mean
        if not largest_norm < limit:
            row_norms = np.where(row_norms < limit, row_norms, np.inf)
            largest_norm = math.inf
        bound = self._quick_bound(largest_norm)
        if centred is None or bound <= self.tolerance:
            return self, row_norms, largest_norm, bound
        units = self._feature_units
        if units is None:
            return self, row_norms, largest_norm, bound
        # Every caller ignores overflow and invalid values (the class's
        # Notes): a norm beyond the float range is inf.
        scaled = np.asarray(centred, dtype=np.float64) * units.inverse_units
        norms = np.sqrt(einsum("ij,ij->i", scaled, scaled))
        if not largest_norm < math.inf:
            # Rows whose squares overflow in the data's units (where the
            # fast form computes them, above) have values that are not
            # finite, however small their norms in the features' units.
            norms = np.where(np.isfinite(row_norms), norms, row_norms)
        largest = float(norms.max())
        # The smaller bound decides: the features' units are no tighter for
        # every block (up to about 2 d looser where the units hardly differ).
        rescaled = units._quick_bound(largest)
        if not rescaled < bound:
            return self, row_norms, largest_norm, bound
        return units, norms, largest, rescaled

    # -- the checks -----------------------------------------------------------
    def _quick_bound(self, largest_norm):
        """The error bound over every component at the block's largest row norm.

        Weight zero or not: it clears ordinary blocks without the live
        components' own (see ``__init__``). A product, not ``** 2``: a
        Python float's power raises OverflowError where the product is inf.
        """
        reach = largest_norm + self._quick_mean
        return self._quick_factor * reach * reach

    def holds_for(self, row_norm):
        """Whether the fast form is precise enough for every row up to ``row_norm``."""
        if not self.live.size:
            return True
        # Python floats: numpy's error state does not apply, and a power
        # raises OverflowError where a product is inf (the bound fails).
        reach = row_norm + self._largest_mean
        bound = self._worst_factor * reach * reach
        return bool(bound <= self.tolerance)

    def _doubtful_from_norms(self, row_norms):
        """Rows not cleared by their norm alone (``O(n)``)."""
        with np.errstate(over="ignore", invalid="ignore"):
            reach = row_norms + self._largest_mean
            error = self._worst_factor * reach * reach
            # log p <= top_offset + scale * lowest * (|x| - max |mu|)^2: when
            # that is negative, |log p| is at least its size.
            far = np.maximum(row_norms - self._largest_mean, 0.0)
            ceiling = self._top_offset - abs(self.scale) * self.lowest * far * far
            size = np.maximum(1.0, -ceiling)
            return np.flatnonzero(
                ~(error <= self.tolerance * size) | ~np.isfinite(row_norms)
            )

    def _column_bound(self, column, k, row_norms):
        """Error estimate of the transformed distances to component ``k``."""
        reach = row_norms + self.mean_norms[k]
        if not self.residual:
            return self.factor[k] * reach * reach
        delta = self.residual_factor[k] * reach
        distances = (column - self.offset[k]) * (1.0 / self.scale)
        np.maximum(distances, 0.0, out=distances)
        np.sqrt(distances, out=distances)
        return abs(self.scale) * delta * (2.0 * distances + delta)

    def _rows_to_recompute(self, values, row_norms):
        """Rows whose values are not precise enough, component by component."""
        n = values.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            columns, bounds = [], []
            lowest_top = np.full(n, -np.inf)
            top = np.full(n, -np.inf)
            bad = np.zeros(n, dtype=bool)
            for k in self.live:
                column = values[:, k].astype(np.float64)
                bound = self._column_bound(column, k, row_norms)
                # A distance that overflowed: the exact form decides the row.
                bad |= np.isnan(column) | np.isinf(column) | np.isnan(bound)
                columns.append(column)
                bounds.append(bound)
                np.fmax(lowest_top, column - bound, out=lowest_top)
                np.fmax(top, column + bound, out=top)
            threshold = lowest_top - _IRRELEVANT
            error = np.zeros(n)
            for column, bound in zip(columns, bounds, strict=True):
                relevant = ~(column + bound < threshold)
                np.fmax(error, np.where(relevant, bound, 0.0), out=error)
            # |log p| is at least the smaller of |lowest_top| and |top| unless
            # the interval holds zero.
            size = np.where(
                (lowest_top > 0) | (top < 0),
                np.minimum(np.abs(lowest_top), np.abs(top)),
                0.0,
            )
            bad |= ~(error <= self.tolerance * np.maximum(1.0, size))
        return np.flatnonzero(bad)

    def rows_to_recompute(self, values, row_norms, largest_norm=None):
        """Rows of a block whose values ``scale * dist + offset`` are imprecise.

        Parameters
        ----------
        values : ndarray of shape (n, K)
            From the fast form.
        row_norms : ndarray of shape (n,)
            Norms of the centred rows (float64).
        largest_norm : float or None, default=None
            ``row_norms.max()`` when the caller has it.

        Returns
        -------
        rows : ndarray of int
        """
        if values.shape[0] == 0:
            return _NO_ROWS
        if largest_norm is None:
            largest_norm = float(row_norms.max())
        if self._quick_bound(largest_norm) <= self.tolerance:
            return _NO_ROWS
        if not self.live.size or self.holds_for(largest_norm):
            return _NO_ROWS
        n_rows, n_components = values.shape
        if n_rows * n_components * self._shape[1] ** 2 <= _SMALL_BLOCK_WORK:
            return np.arange(n_rows)
        if self._cleared_by_failing_components(values, row_norms, largest_norm):
            return _NO_ROWS
        doubtful = self._doubtful_from_norms(row_norms)
        if doubtful.size == 0:
            return doubtful
        if doubtful.size < values.shape[0]:
            values, row_norms = values[doubtful], row_norms[doubtful]
        else:
            doubtful = None
        unclear = self._unclear_from_top(values, row_norms)
        if unclear.size == 0:
            return unclear
        bad = unclear[
            self._rows_to_recompute(np.asarray(values[unclear]), row_norms[unclear])
        ]
        return bad if doubtful is None else doubtful[bad]

    def _cleared_by_failing_components(self, values, row_norms, largest_norm):
        """Whether the components the block's largest row fails clear every row.

        The usual reason the one-comparison check fails is one narrow
        component (a large precision) among components whose bounds hold at
        the block's largest row norm, hence for every row. Only the failing
        components' columns are then examined, against a bound of each row's
        ``|log p|`` and a relevance threshold from the row's largest value
        that hold whatever the other columns hold: a few passes over the
        rows in all, where the staged checks make a few per component (half
        an E-step's time on 10,000 rows of 5 full components in 3-D).

        Every test here is at least as strict as the staged checks' (the
        worst bound of any component stands for each component's own, and
        floating-point rounding is monotone), so when this clears the block
        they would have cleared every row too: the values are the same
        either way. Otherwise (False) the staged checks decide. The
        whitened form's bounds depend on each distance and are left to them.
        """
        if self.residual:
            return False
        live = self.live
        reach = largest_norm + self.mean_norms[live]
        bounds = self.factor[live] * reach * reach
        worst = float(bounds.max())
        # inf or NaN: some distance may have overflowed.
        if not worst < math.inf:
            return False
        failing = live[~(bounds <= self.tolerance)]
        if 2 * failing.size > live.size:
            return False  # the staged checks cost about as much
        with np.errstate(over="ignore", invalid="ignore"):
            top = values[:, live[0]].astype(np.float64)
            for k in live[1:]:
                np.maximum(top, values[:, k], out=top)
            # NaN and +inf propagate to the maximum: the staged checks send
            # such a row to the exact form. A -inf does not: a failing
            # column's is checked below, and a passing column's distance is
            # at most about tolerance / eps (its bound holds), far from
            # overflowing any dtype.
            if not bool(np.isfinite(top).all()):
                return False
            # log p lies within [top - worst, top + worst + log K]; a
            # component below the threshold cannot matter for the row.
            threshold = (top - worst) - _IRRELEVANT
            for k in failing:
                column = np.asarray(values[:, k], dtype=np.float64)
                if not bool(np.isfinite(column).all()):
                    return False
                bound = self._column_bound(column, k, row_norms)
                relevant = np.flatnonzero(~(column + bound < threshold))
                if not relevant.size:
                    continue
                row_top = top[relevant]
                low = row_top - worst
                high = row_top + (worst + math.log(live.size))
                size = np.where(low > 0, low, np.where(high < 0, -high, 0.0))
                allowed = self.tolerance * np.maximum(1.0, size)
                if not bool(np.all(bound[relevant] <= allowed)):
                    return False
        return True

    def _unclear_from_top(self, values, row_norms):
        """Rows not cleared by their largest value and worst component (``O(n K)``).

        The row's largest value bounds ``|log p|`` from below, the worst
        component's estimate bounds the error from above; only the rows this
        cannot clear are examined component by component.
        """
        n = values.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            top = np.full(n, -np.inf, dtype=values.dtype)
            for k in self.live:
                np.fmax(top, values[:, k], out=top)
            top = top.astype(np.float64)
            reach = row_norms + self._largest_mean
            if self.residual:
                delta = float(np.max(self.residual_factor[self.live])) * reach
                # The components that can matter are within _IRRELEVANT of
                # the top: their distances are at most this.
                spread = (self._top_offset - top + _IRRELEVANT + 1.0) / abs(self.scale)
                distances = np.sqrt(np.maximum(spread, 0.0))
                error = abs(self.scale) * delta * (2.0 * distances + delta)
            else:
                error = self._worst_factor * reach * reach
            log_k = math.log(self.live.size)
            size = np.where(
                top > 0, top, np.where(top + log_k < 0, -(top + log_k), 0.0)
            )
            clear = (error <= self.tolerance * np.maximum(1.0, size)) & np.isfinite(top)
        return np.flatnonzero(~clear)

    # -- the exact form -------------------------------------------------------
    def _raw_means(self):
        # One read of the attribute: the blocks of one E-step may be mapped
        # over threads, and another may have replaced the function already.
        raw_means = self.raw_means
        if callable(raw_means):
            raw_means = raw_means()
        raw_means = np.asarray(raw_means, dtype=np.float64)
        self.raw_means = raw_means
        return raw_means

    def values(self, raw_rows):
        """``scale * dist + offset`` from the exact form, float64, shape (n, K).

        Rows whose distances overflow get ``-floor`` (with ``scale < 0``) for
        their nearest components and ``-inf`` for the others.
        """
        return exact_values(
            raw_rows, self._raw_means(), self.factors, self.scale, self.offset,
            self.floor,
        )  # fmt: skip

    def fix(self, values, row_norms, raw_rows, centred=None):
        """Recompute, in place, the rows of ``values`` the fast form got imprecise.

        Parameters
        ----------
        values : ndarray of shape (n, K)
            ``scale * dist + offset`` from a fast form (possibly a view).
        row_norms : ndarray of shape (n,)
            Norms of the centred rows.
        raw_rows : callable
            ``raw_rows(index)`` returns the rows at those positions as given
            (not centred).
        centred : ndarray of shape (n, d) or None, default=None
            The centred rows: when given, rows the bound in the data's own
            units does not clear are checked in the features' own units
            (:attr:`_feature_units`).

        Returns
        -------
        values : ndarray of shape (n, K)
        """
        checks, row_norms, largest_norm, rounding = self._checks_for(row_norms, centred)
        if not rounding <= self.tolerance:  # else no row (rows_to_recompute)
            bad = checks.rows_to_recompute(values, row_norms, largest_norm)
            if bad.size:
                exact = self.values(raw_rows(bad))
                with np.errstate(over="ignore"):
                    values[bad] = exact.astype(values.dtype, copy=False)
        # Values off by more than the tolerance in absolute terms may tie
        # where they differ (shared precisions far from the data).
        if (
            self.scale == -0.5
            and not rounding <= self.tolerance
            and self._shares_precisions
        ):
            with np.errstate(over="ignore", invalid="ignore"):
                reach = row_norms + checks._quick_mean
                bound = checks._quick_factor * reach * reach
            separate_ties(
                values, bound, raw_rows, self._precisions.matrices, self._raw_means(),
                self.offset, self.floor,
            )  # fmt: skip
        return values


class _RescaledChecks(PrecisionGuard):
    """A guard's checks in per-feature units (:attr:`PrecisionGuard._feature_units`).

    Its means and precisions are those of the data's guard divided and
    multiplied by the units; the exact form stays the data's guard's, in
    the data's own coordinates, so this one has none.

    Parameters
    ----------
    inverse_units : ndarray of shape (d,)
        ``1 / u``: a row's coordinates in these units are ``x * inverse_units``.
    *args, **kwargs
        As :class:`PrecisionGuard`'s, with the rescaled means and precisions.
    """

    def __init__(self, inverse_units, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inverse_units = inverse_units

    @property
    def factors(self):
        # The data's guard's factors would be in the data's coordinates.
        raise TypeError("the exact form is the data's guard's, not its checks'")

    def values(self, raw_rows):
        raise TypeError("the exact form is the data's guard's, not its checks'")

    def fix(self, values, row_norms, raw_rows, centred=None):
        raise TypeError("the data's guard fixes values; this one only checks them")
