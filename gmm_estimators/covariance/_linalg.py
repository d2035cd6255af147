"""Batched linear algebra shared by the covariance structures."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import contextvars
import functools
import math

import numpy as np

# numpy's einsum and linalg functions check, convert and dispatch their
# arguments in Python, which on the (K, d) arrays of an EM iteration on small
# data costs more than the arithmetic: the hot paths call the C functions
# beneath them, the same computation (the same bits). Should numpy move
# them, the public functions serve.
try:
    from numpy._core.multiarray import c_einsum as einsum
except ImportError:  # pragma: no cover - numpy's layout changed
    einsum = np.einsum
try:
    from numpy.linalg import _umath_linalg
except ImportError:  # pragma: no cover
    _umath_linalg = None
# What np.errstate does on entering and leaving (a new error object made
# from the current one, set in numpy's context variable, then reset),
# without its Python layers: each LAPACK call sets one, and on small data
# np.errstate costs more than the factorisation.
try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover
    _extobj_contextvar = _make_extobj = None


def _numpy_internals_work():
    """Whether numpy's private paths above answer as its public ones here.

    Checked once on import, so that a numpy whose internals changed their
    signatures falls back to the public functions instead of failing.
    """
    if _extobj_contextvar is None or _umath_linalg is None:
        return False
    try:
        _extobj_contextvar.reset(_extobj_contextvar.set(_make_extobj(all="ignore")))
        a = np.array([[[4.0, 2.0], [2.0, 3.0]]])
        factor = _umath_linalg.cholesky_lo(a, signature="d->d")
        return bool(np.array_equal(factor, np.linalg.cholesky(a)))
    except Exception:  # pragma: no cover - any change: the public paths
        return False


if not _numpy_internals_work():  # pragma: no cover
    _extobj_contextvar = _make_extobj = _umath_linalg = None


def errors_ignored():
    """Enter ``np.errstate(all="ignore")``; returns what :func:`errors_restored` takes.

    numpy's own two steps without its Python layers (see above): the engine
    sets this state on every E- and M-step, where np.errstate costs as much
    as a ufunc call. Use as ``token = errors_ignored()``, then ``try: ...
    finally: errors_restored(token)``.
    """
    if _extobj_contextvar is None:  # pragma: no cover
        state = np.errstate(all="ignore")
        state.__enter__()
        return state
    return _extobj_contextvar.set(_make_extobj(all="ignore"))


def errors_restored(token):
    """Leave the error state :func:`errors_ignored` entered."""
    if _extobj_contextvar is None:  # pragma: no cover
        token.__exit__(None, None, None)
    else:
        _extobj_contextvar.reset(token)


def _not_positive_definite(err, flag):
    raise np.linalg.LinAlgError("Matrix is not positive definite")


def _singular(err, flag):
    raise np.linalg.LinAlgError("Singular matrix")


def _no_convergence(err, flag):
    raise np.linalg.LinAlgError("Eigenvalues did not converge")


def _svd_no_convergence(err, flag):
    raise np.linalg.LinAlgError("SVD did not converge")


# Entries up to which Python's own loop over ``tolist()`` answers a test of
# every entry faster than numpy's reductions (about 2 us a call, whatever
# the size): the tests of the parameters on every iteration.
_FEW = 64


def all_finite(array):
    """``np.isfinite(array).all()`` (real arrays), in Python for a few entries."""
    if array.size <= _FEW:
        return all(map(math.isfinite, array.ravel().tolist()))
    return bool(np.isfinite(array).all())


def any_true(mask):
    """``mask.any()``, in Python for a few entries."""
    if mask.size <= _FEW:
        return any(mask.ravel().tolist())
    return bool(mask.any())


def all_true(mask):
    """``mask.all()``, in Python for a few entries."""
    if mask.size <= _FEW:
        return all(mask.ravel().tolist())
    return bool(mask.all())


# numpy.linalg's error state: LAPACK's failure is flagged invalid.
_LAPACK_ERRORS = {
    "invalid": "call",
    "over": "ignore",
    "divide": "ignore",
    "under": "ignore",
}


def _lapack(name, callback, signature, public):
    """``public`` (a numpy.linalg function of one float64 stack) as its gufunc.

    What ``public`` does for a float64 array: the gufunc within an error
    state that turns LAPACK's failure (flagged invalid) into ``LinAlgError``.
    Other input goes to ``public`` itself.
    """
    gufunc = getattr(_umath_linalg, name, None)
    if gufunc is None:  # pragma: no cover - numpy's layout changed
        return public

    def call(a):
        if type(a) is not np.ndarray or a.dtype != np.float64 or a.ndim < 2:
            return public(a)
        if _extobj_contextvar is None:  # pragma: no cover
            with np.errstate(call=callback, **_LAPACK_ERRORS):
                return gufunc(a, signature=signature)
        token = _extobj_contextvar.set(_make_extobj(call=callback, **_LAPACK_ERRORS))
        try:
            return gufunc(a, signature=signature)
        finally:
            _extobj_contextvar.reset(token)

    return call


#: ``np.linalg.cholesky``, ``inv``, ``eigh`` (its values and vectors, a
#: tuple), ``eigvalsh`` and ``svd`` (``full_matrices=True``, a tuple) of
#: float64 stacks, without numpy's Python layers (see above).
cholesky = _lapack("cholesky_lo", _not_positive_definite, "d->d", np.linalg.cholesky)
inv = _lapack("inv", _singular, "d->d", np.linalg.inv)
eigh = _lapack("eigh_lo", _no_convergence, "d->dd", np.linalg.eigh)
eigvalsh = _lapack("eigvalsh_lo", _no_convergence, "d->d", np.linalg.eigvalsh)
svd = _lapack("svd_f", _svd_no_convergence, "d->ddd", np.linalg.svd)

# Relative jitter ladder used when a covariance is numerically not positive
# definite; the first rung is the float64 resolution of the matrix' scale.
_JITTER_RUNGS = (1e-15, 1e-12, 1e-9, 1e-6, 1e-3)
# The least variance a component without any borrows from the data: its
# first rung, 1e-300, has a precision of 1e300, finite for any d below 1e8.
_SMALLEST_BORROWED = 1e-285
_EPS = float(np.finfo(np.float64).eps)

# A Cholesky pivot ``L_jj^2`` at most this many ``d eps`` of its feature's
# variance ``A_jj`` (what is left of feature j after the earlier ones,
# scale-free) is a rank lost to rounding: Cholesky may succeed, but the
# inverse it gives is not the matrix's (``A @ inv`` off the identity by order
# one, even indefinite). Such a matrix gets variance added (_safe_cholesky).
_RANK_ROUNDING = 4.0
# Without reg_covar nothing keeps a covariance away from that rank loss, and
# pivots a little above rounding (1e-14 of the variance) leave the inverse
# off by a percent: there, a pivot below 1e-12 of the variance counts as
# lost too (see strict_factorisation). With reg_covar > 0 such a pivot is
# the regularisation itself (collinear features of variance 1e6 and more at
# the default 1e-6), a sound fit that scikit-learn factorises alike.
_STRICT_RANK = 1e-12
# Within strict_factorisation also a covariance whose smallest eigenvalue,
# in the data's units (each feature divided by its standard deviation in the
# data), is below this fraction of its largest counts as singular: its
# precision then holds entries that float64 cannot pair with the
# covariance's (on 0/1 data an eigenvalue rounded to zero, precision @
# covariance off the identity by 1e16), however sound each feature's pivot.
# In the data's units, so that features in units far apart (dollars beside
# proportions) are not flagged: a collapsed component's spread is tiny
# against the data's in some direction whatever the units.
_STRICT_CONDITION = 1e-13
# None: not strict; otherwise the data's feature variances (empty: unknown).
_STRICT = contextvars.ContextVar("strict_factorisation", default=None)


class strict_factorisation:
    """Within the block, :func:`_safe_cholesky` also regularises pivots below
    1e-12 of their feature's variance and covariances of condition number
    beyond 1e13 in the data's units (the M-step without ``reg_covar``).

    ``feature_variances`` are the data's per-feature variances (the units);
    None: every feature in its own units. With ``strict=False`` the block is
    not strict (even within a strict one).

    A class rather than a generator (contextlib): every M-step enters one,
    and on small data the generator's machinery cost more than the step's
    factorisation.
    """

    __slots__ = ("_token", "_value")

    def __init__(self, strict=True, feature_variances=None):
        value = None
        if strict:
            value = np.zeros(0)
            if feature_variances is not None:
                value = np.asarray(feature_variances, dtype=np.float64).ravel()
        self._value = value
        self._token = None

    def __enter__(self):
        # Not strict where nothing is: the variable already says so.
        if self._value is not None or _STRICT.get() is not None:
            self._token = _STRICT.set(self._value)

    def __exit__(self, *exc_info):
        if self._token is not None:
            _STRICT.reset(self._token)
            self._token = None


def _strict_units(n_features):
    """The data's feature variances within strict_factorisation (ones if unknown).

    A feature without variance in the data (constant) takes the largest:
    any spread a component gives it is then measured against the data's.
    """
    units = _STRICT.get()
    if units is None or units.shape != (n_features,):
        return np.ones(n_features)
    usable = np.isfinite(units) & (units > 0)
    if not usable.any():
        return np.ones(n_features)
    return np.where(usable, units, units[usable].max())


def _factor(matrices):
    """``np.linalg.cholesky`` where its inverse is the matrix's; None elsewhere.

    A factor with a pivot ``L_jj^2`` at most :data:`_RANK_ROUNDING` ``d eps``
    of ``A_jj`` (:data:`_STRICT_RANK` within :func:`strict_factorisation`)
    is a rank lost to rounding: Cholesky may still succeed, but the inverse
    it gives is not the matrix's.
    """
    try:
        chol = cholesky(matrices)
    except np.linalg.LinAlgError:
        return None
    # Every M-step factorises, and on small data numpy's calls cost more than
    # the test: array methods, and Python's arithmetic (the same IEEE
    # products and comparisons) for a few pivots.
    pivots = chol.diagonal(axis1=-2, axis2=-1)
    variances = matrices.diagonal(axis1=-2, axis2=-1)
    strict = _STRICT.get() is not None
    ratio = _STRICT_RANK if strict else _RANK_ROUNDING * matrices.shape[-1] * _EPS
    if pivots.size <= _FEW:
        lost = any(
            pivot * pivot <= ratio * variance
            for pivot, variance in zip(
                pivots.ravel().tolist(), variances.ravel().tolist(), strict=True
            )
        )
    else:
        lost = bool((pivots**2 <= ratio * variances).any())
    if lost:
        return None
    if strict:
        inverse_sd = 1.0 / np.sqrt(_strict_units(matrices.shape[-1]))
        scaled = matrices * inverse_sd[:, np.newaxis] * inverse_sd
        values = eigvalsh(scaled)
        if np.any(values[..., 0] <= _STRICT_CONDITION * values[..., -1]):
            return None
    return chol


def _safe_cholesky(matrices):
    """Lower Cholesky factors of a stack of symmetric matrices, never failing.

    A matrix that is not numerically positive definite (Cholesky fails, or a
    pivot is lost to rounding, see :func:`_factor`) gets an increasing
    multiple of its own scale added to the diagonal; matrices that needed it
    are reported so the caller can flag the components as degenerate.

    Parameters
    ----------
    matrices : ndarray of shape (K, d, d)

    Returns
    -------
    chol : ndarray of shape (K, d, d)
        Lower-triangular factors.
    jittered : ndarray of shape (K,), dtype=bool
    """
    matrices = np.asarray(matrices, dtype=np.float64)
    jittered = np.zeros(matrices.shape[0], dtype=bool)
    chol = _factor(matrices)
    if chol is not None:
        return chol, jittered
    chol = np.empty_like(matrices)
    n_features = matrices.shape[-1]
    eye = np.eye(n_features)
    # A zero matrix (a component on identical rows without reg_covar) borrows
    # the largest scale of the stack: jitter relative to zero would give a
    # precision that overflows.
    diagonals = np.diagonal(matrices, axis1=-2, axis2=-1)
    fallback = _borrowed_scale(diagonals, n_features)
    for k, matrix in enumerate(matrices):
        matrix = np.where(np.isfinite(matrix), matrix, 0.0)
        scale = np.abs(np.diag(matrix)).max(initial=0.0)
        added = scale * eye if scale > 0 else np.diag(fallback)
        for rung in (0.0, *_JITTER_RUNGS):
            factor = _factor(matrix + rung * added)
            if factor is not None:
                chol[k] = factor
                jittered[k] = rung > 0
                break
        else:  # pragma: no cover - the last rung is diagonally dominant
            chol[k] = np.sqrt(np.diag(added)) * eye
            jittered[k] = True
    return chol, jittered


def _borrowed_scale(values, n_features):
    """The variance per feature that a component without any borrows.

    Within :func:`strict_factorisation`, the data's feature variances (each
    feature its own: the stack's largest variance, borrowed on every
    feature, swamped features in small units); else the stack's largest
    (finite) ``values`` if positive; else 1. Seed starts without reg_covar
    (one row per component) leave every variance zero, and an absolute 1
    then overflowed the E-step of data in units of 1e148 and swamped data
    in units of 1e-100 (every component as wide as the data's span a
    million times over: both went to the mean). The data's variances are
    floored at :data:`_SMALLEST_BORROWED`, so that the first rung's
    precision stays finite on data whose variances are near 1e-300 (below,
    the fit is no longer the same in any units).
    """
    known = _STRICT.get()
    if known is None or not known.size:
        values = np.asarray(values, dtype=np.float64)
        largest = np.abs(values[np.isfinite(values)]).max(initial=0.0)
        return np.full(n_features, largest if largest > 0 else 1.0)
    units = _strict_units(known.size)
    if n_features != known.size:
        # One variance for every feature (EII, VII): the data's mean one.
        units = np.full(n_features, units.mean())
    return np.maximum(units, _SMALLEST_BORROWED)


def inverse_triangular(matrices, *, lower):
    """Inverses of a stack of triangular matrices, exactly triangular.

    One batched LAPACK call instead of a Python loop of triangular solves
    (whose per-call overhead dominates for small ``d``); the unused triangle
    is zeroed so that the factors stay exactly triangular.
    """
    inverse = inv(np.asarray(matrices, dtype=np.float64))
    # np.tril/np.triu with the triangle's mask built once per size: they
    # rebuild it on every call, which costs as much as the inversion itself
    # for the small matrices of every E- and M-step.
    return np.where(_triangle(inverse.shape[-1], lower), inverse, 0.0)


@functools.cache
def _triangle(n_features, lower):
    """Mask of the lower (or upper) triangle, diagonal included (read-only)."""
    mask = np.tri(n_features, dtype=bool)
    if not lower:
        mask = np.ascontiguousarray(mask.T)
    mask.flags.writeable = False
    return mask


def _precision_cholesky_from_cov_cholesky(cov_chol):
    """Upper factors ``P`` with ``P @ P.T = inv(L @ L.T)`` for lower ``L``."""
    return inverse_triangular(cov_chol, lower=True).swapaxes(-1, -2)


def _flip(matrices):
    return matrices[..., ::-1, ::-1]


def _precision_cholesky_from_precisions(precisions):
    """Upper factors ``P`` with ``P @ P.T = precision`` (a stack of matrices)."""
    # Cholesky of the reversed matrix gives the upper factor after reversal.
    return np.ascontiguousarray(_flip(np.linalg.cholesky(_flip(precisions))))


def _check_spd(matrices, what):
    for k, matrix in enumerate(matrices):
        if not np.allclose(matrix, matrix.T) or np.linalg.eigvalsh(matrix).min() <= 0:
            where = f" (component {k})" if len(matrices) > 1 else ""
            raise ValueError(
                f"'{what}' precision{where} should be symmetric, positive-definite."
                " Pass inverse covariance matrices."
            )


def _check_positive(values, what):
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise ValueError(
            f"'{what}' precision should be positive and finite; got minimum "
            f"{float(np.min(values))!r}."
        )


def _tiny_beside_largest(values):
    """Entries at most :data:`_STRICT_CONDITION` of their row's largest."""
    return values <= _STRICT_CONDITION * np.max(values, axis=-1, keepdims=True)


def _positive_sqrt_inverse(variances, across_features=False):
    """``1 / sqrt(v)`` with non-positive variances floored to a tiny value.

    With ``across_features`` (one variance vector per component, the last
    axis), within :func:`strict_factorisation` a variance below
    :data:`_STRICT_CONDITION` of its component's largest, each in the data's
    units, is floored and flagged too: without reg_covar nothing bounds it
    (a constant feature).
    """
    variances = np.asarray(variances, dtype=np.float64)
    bad = ~(variances > 0) | ~np.isfinite(variances)
    if across_features and _STRICT.get() is not None and variances.ndim == 2:
        # Tiny both in its own units and in the data's: one variance vector
        # per component stores a spherical structure too (EII), whose equal
        # variances are tiny in the data's units on a feature of large ones.
        with np.errstate(invalid="ignore"):
            raw = np.where(bad, 0.0, variances)
            in_data_units = raw / _strict_units(variances.shape[-1])
            bad |= _tiny_beside_largest(raw) & _tiny_beside_largest(in_data_units)
    if any_true(bad):
        n_features = variances.shape[-1] if across_features else 1
        scale = _borrowed_scale(np.where(bad, 0.0, variances), n_features)
        if not across_features:
            scale = scale[0]
        variances = np.where(
            bad, np.maximum(scale * _JITTER_RUNGS[0], variances), variances
        )
    jittered = bad.reshape(bad.shape[0], -1).any(axis=1)
    return 1.0 / np.sqrt(variances), jittered


@functools.lru_cache(maxsize=64)
def ones(n, dtype):
    """``np.ones(n, dtype)``, built once per size (read-only).

    The right-hand side of the matrix-vector products that sum over a short
    axis: ``np.ones`` with a dtype costs more than the product on small data.
    """
    vector = np.ones(n, dtype=dtype)
    vector.flags.writeable = False
    return vector


@functools.cache
def outer_product_columns(n_features):
    """Row/column indices of the upper triangle, the pairs of ``vech``.

    Cached (read-only arrays): every E- and M-step of the moment form asks.
    """
    rows, cols = np.triu_indices(n_features)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def moment_features(X):
    """Every row's moments up to order two, feature-major, shape (m, n).

    Rows of the result: the products ``x_i x_j`` for ``i <= j`` in
    :func:`outer_product_columns` order, then the ``d`` coordinates, then a
    row of ones (``m = d (d + 1) / 2 + d + 1``). Every moment-form quantity is
    then a single matrix product: distances ``coefficients @ features``
    (:func:`_moment_coefficients`) and the M-step's sums
    ``features @ weighted_resp`` (``_stats.MomentScatter``). The feature-major
    layout makes every product one contiguous vector operation over the rows,
    several times faster than row-major slices or gathers with index arrays.
    """
    n, d = X.shape
    n_pairs = d * (d + 1) // 2
    features = np.empty((n_pairs + d + 1, n), dtype=X.dtype)
    columns = features[n_pairs : n_pairs + d]
    columns[...] = X.T
    features[-1] = 1.0
    start = 0
    for i in range(d):
        stop = start + d - i
        np.multiply(columns[i], columns[i:], out=features[start:stop])
        start = stop
    return features


def diagonal_features(X):
    """Every row's squares, coordinates and a one, feature-major, shape (2d + 1, n).

    The diagonal analogue of :func:`moment_features`: distances are
    ``coefficients @ features`` (:func:`_diagonal_coefficients`) and the
    diagonal accumulator's sums are ``features @ weighted_resp``. The
    feature-major layout gives component-major distances, whose reductions
    over components (``_em.normalize_log_prob``) are contiguous vector
    operations, about twice as fast as on row-major ``(n, K)`` distances.
    """
    n, d = X.shape
    features = np.empty((2 * d + 1, n), dtype=X.dtype)
    columns = features[d : 2 * d]
    columns[...] = X.T
    np.multiply(columns, columns, out=features[:d])
    features[-1] = 1.0
    return features


# Entries of a chunk of d x d matrices in scaled_inverse_error (8 MiB each).
_INVERSE_CHUNK = 2**20


def scaled_inverse_error(covariances, precisions):
    """Largest entry of ``S_k P_k C_k S_k^-1 - I`` over a stack of matrices.

    ``S_k`` holds the standard deviations of ``C_k``: read in the
    covariances' own scale, features in different units are not
    ill-conditioned, and the rounding of each stored entry costs about
    ``eps`` times the condition number of ``C_k``'s correlation matrix. NaN
    when a matrix holds a non-finite entry or a zero variance. Components are
    taken in chunks of :data:`_INVERSE_CHUNK` entries (memory stays bounded
    for many large components).

    Parameters
    ----------
    covariances, precisions : ndarray of shape (K, d, d)

    Returns
    -------
    error : float
    """
    n_components, d = covariances.shape[0], covariances.shape[-1]
    step = max(1, _INVERSE_CHUNK // max(d * d, 1))
    error = 0.0
    with np.errstate(all="ignore"):
        for start in range(0, n_components, step):
            C = np.asarray(covariances[start : start + step], dtype=np.float64)
            P = np.asarray(precisions[start : start + step], dtype=np.float64)
            root = np.sqrt(np.diagonal(C, axis1=1, axis2=2))
            outer = root[:, :, np.newaxis] * root[:, np.newaxis, :]
            product = (P * outer) @ (C / outer)
            product[:, np.arange(d), np.arange(d)] -= 1.0
            chunk = float(np.abs(product).max(initial=0.0))
            if chunk != chunk:  # NaN: not inverses at all
                return chunk
            error = max(error, chunk)
    return error


# A responsibility below exp(-_SEPARATED) of the largest is zero to every
# digit the precision policy asks of a row's log-density.
_SEPARATED = 50.0


# Relative rounding of a float64 log-density, in epsilons per feature and
# one: that of the whitened form's sum of squares.
_LOG_DENSITY_EPSILONS = 16.0


def rounding_bound(values, live, n_features):
    """A bound of the rounding of float64 weighted log-densities, per row.

    A few ``(d + 1) eps`` of each row's largest value among the ``live``
    components (boolean, shape (K,)): the ``bound`` of :func:`separate_ties`
    for values computed exactly by the whitened form. Call under
    ``np.errstate(all="ignore")``.
    """
    top = np.max(np.where(live, values, -np.inf), axis=1)
    return _LOG_DENSITY_EPSILONS * (n_features + 1) * _EPS * np.abs(top)


def separate_ties(values, bound, raw_rows, precisions, raw_means, offset, floor):
    """Order, in place, components of equal precision whose values tie in rounding.

    ``values`` are ``offset_k - dist_ik / 2``. Far from the data they are so
    large that their rounding swamps their differences, which for equal
    precisions ``L`` are linear in ``x``: ``l_k - l_j = offset_k - offset_j +
    (mu_k - mu_j)' L (x - (mu_k + mu_j) / 2)``, computed with ``x`` scaled by
    a power of two (no cancellation, no overflow). On the rows whose largest
    values lie within ``2 bound`` of each other, a component of the same
    precision as the largest and more than ``_SEPARATED`` below it by that
    difference is set below it (by at least one unit in the last place), so
    that its responsibility is zero as it is exactly; rows beyond the float
    range (``-floor`` at their nearest components) keep ``-floor`` only at
    the nearest along their direction.

    Parameters
    ----------
    values : ndarray of shape (n, K)
    bound : ndarray of shape (n,)
        Absolute error bound of each row's values.
    raw_rows : callable
        ``raw_rows(index)``: the rows at ``index`` in the coordinates of
        ``raw_means`` (float64).
    precisions : ndarray of shape (K, d, d)
    raw_means : ndarray of shape (K, d)
    offset : ndarray of shape (K,)
    floor : float

    Returns
    -------
    values : ndarray of shape (n, K)
    """
    live = np.isfinite(offset)
    if np.count_nonzero(live) < 2 or values.shape[0] == 0:
        return values
    with np.errstate(all="ignore"):
        current = np.where(live, values.astype(np.float64), -np.inf)
        top = current.max(axis=1)
        close = (current >= (top - 2.0 * bound)[:, np.newaxis]) & live
        rows = np.flatnonzero((close.sum(axis=1) >= 2) & np.isfinite(top))
        if not rows.size:
            return values
        reference = np.argmax(current[rows], axis=1)
        K = offset.shape[0]
        same = np.all(
            precisions.reshape(K, 1, -1) == precisions.reshape(1, K, -1), axis=2
        )
        eligible = close[rows] & same[reference]
        kept = eligible.sum(axis=1) >= 2
        rows, reference, eligible = rows[kept], reference[kept], eligible[kept]
        if not rows.size:
            return values
        x = np.asarray(raw_rows(rows), dtype=np.float64)
        _, exponents = np.frexp(np.maximum(np.abs(x).max(axis=1), 1.0))
        down = np.ldexp(1.0, -exponents)[:, np.newaxis, np.newaxis]
        steps = raw_means[np.newaxis] - raw_means[reference][:, np.newaxis]
        midpoints = (raw_means[np.newaxis] + raw_means[reference][:, np.newaxis]) / 2
        pulled = np.einsum("nkd,nde->nke", steps, precisions[reference])
        scaled = x[:, np.newaxis] * down - midpoints * down  # (n, K, d)
        linear = np.where(eligible, np.einsum("nke,nke->nk", pulled, scaled), -np.inf)
        gaps = (offset - offset[reference][:, np.newaxis]) + np.ldexp(
            linear, exponents[:, np.newaxis]
        )
        gaps = np.where(eligible, gaps, -np.inf)
        best = gaps.max(axis=1, keepdims=True)
        # Beyond the float range the linear term's sign decides the limit.
        limit = np.where(linear >= linear.max(axis=1, keepdims=True), -floor, -np.inf)
        base = current[rows, np.argmax(gaps, axis=1)].astype(values.dtype)
        base = base[:, np.newaxis]
        below = best - gaps
        new = (base - below).astype(values.dtype)
        nudged = np.nextafter(base, values.dtype.type(-np.inf))
        new = np.where((below > _SEPARATED) & (new >= base), nudged, new)
        new = np.where(below > 0, np.minimum(new, base), base)
        beyond = (top[rows] <= -floor)[:, np.newaxis]
        new = np.where(beyond, limit, new)
        changed = eligible & (np.isfinite(best) | beyond)
        block = values[rows]
        block[changed] = new[changed]
        values[rows] = block
    return values
