"""The uniform noise component: its hypervolume and its initial rows.

mclust's noise component (Banfield and Raftery 1993; Fraley and Raftery
1998) is a uniform density ``1 / V`` over the data's region. This module
computes ``V`` as mclust's ``hypvol`` does and the initial noise rows as
prabclus's ``NNclean`` (Byers and Raftery 1998), the start mclust's
documentation recommends, and validates what the user gives instead.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Real

import numpy as np
from scipy.special import gammaln
from sklearn.neighbors import NearestNeighbors

__all__ = [
    "LogVolume",
    "hypervolume",
    "log_hypervolume",
    "nn_clean",
    "resolve_noise",
    "rows_for_noise",
    "too_few_outside_noise",
]


# Singular values of the standardised rows below this many eps (times d) of
# the largest are rounding (see _flat_beyond_rounding).
_ROUNDING_MARGIN = 64.0
# The share of the rows' own rounding (``eps / 2`` of every value, as a
# Frobenius norm in standardised units) at or below which a singular value
# is rounding: a linear dependency of rows far from the origin leaves at
# most 0.56 of it (300 seeded sets translated by 1e2 to 1e12, then scaled
# by nine factors from 1e-3 to 1e3; float32 rows 0.35), independent rows of
# sd 1 beside 1e15 at least 3.3 (2 to 5 features). Beside 1e16, where the
# values hold a bit or two of that spread, such rows read as flat.
_OWN_ROUNDING_SHARE = 1.0


class LogVolume(float):
    """``log V`` of a volume the user gave, which remembers ``V`` itself.

    The fitted ``noise_volume_`` is then the user's float, not ``exp(log
    V)``, which rounds 1000.0 to 999.9999999999998.
    """

    volume = None

    @classmethod
    def of(cls, volume):
        """``log(volume)``, carrying ``volume``."""
        out = cls(math.log(volume))
        out.volume = float(volume)
        return out


def log_hypervolume(X, sample_weight=None):
    """Log of mclust's ``hypvol(X)``: the smaller of two box volumes.

    The boxes are the data's bounding box and its bounding box in principal
    component coordinates (rows centred, rotated onto the eigenvectors of
    the covariance, as R's ``princomp`` scores). One feature: the range.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Positive frequency weights: the principal axes are those of the
        weighted covariance, so that a row of weight 2 counts as the row
        twice and a common factor changes nothing (the boxes' extents read
        the rows themselves).

    Returns
    -------
    log_volume : float
        ``-inf`` when the data have no spread along some axis of both boxes,
        or span fewer dimensions than their features beyond rounding
        (features that are exact linear functions of others leave only
        rounding across their span, ``1e-13`` of their extent: no volume).
    """
    X = np.asarray(X)
    # The rows' own precision: that of their dtype (float32 rows hold a
    # dependency to float32's eps), at least float64's, in which they are read.
    eps = np.finfo(np.float64).eps
    if np.issubdtype(X.dtype, np.floating):
        eps = max(eps, float(np.finfo(X.dtype).eps))
    X = X.astype(np.float64, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        box = float(np.sum(np.log(np.ptp(X, axis=0))))
        if X.shape[1] == 1 or box == -np.inf:
            return box
        if sample_weight is None or np.ptp(sample_weight) == 0:
            # Equal weights: the unweighted axes.
            centred = X - X.mean(axis=0)
            # A second pass: the mean of rows far from the origin (1e15) is
            # rounded, and the offset left would turn the axes with the
            # row order.
            centred -= centred.mean(axis=0)
            scaled, raw = centred, X
        else:
            w = np.asarray(sample_weight, dtype=np.float64)
            # Relative weights: the same axes for any common factor.
            w = w / w.max()
            centred = X - (w @ X) / w.sum()
            centred -= (w @ centred) / w.sum()
            scaled = centred * np.sqrt(w)[:, np.newaxis]
            raw = X * np.sqrt(w)[:, np.newaxis]
        if _flat_beyond_rounding(scaled, raw, eps):
            return -np.inf
        # Right singular vectors: the eigenvectors of the (weighted) covariance.
        _, _, vt = np.linalg.svd(scaled, full_matrices=False)
        box_pc = float(np.sum(np.log(np.ptp(centred @ vt.T, axis=0))))
    return min(box, box_pc)


def _flat_beyond_rounding(scaled, raw, eps):
    """Whether centred rows span fewer dimensions than their features.

    Read on the columns standardised (so that neither the features' units
    nor a far row in another feature decide): a singular value below
    :data:`_ROUNDING_MARGIN` times ``d eps`` of the largest is rounding; so
    is one below :data:`_OWN_ROUNDING_SHARE` of the rows' own rounding in
    those units (``eps / 2`` of each value of ``raw``, the rows before
    centring, as a Frobenius norm: smooth in the units, where an ulp moves
    by a factor of two). Far from the origin the rows hold their offsets
    from each other to an ulp of their values: translated by 1e4, a feature
    that is a linear function of the others left 3e-13 of its spread across
    the span, read as a volume (the noise took every row).
    """
    spread = np.sqrt(np.einsum("ij,ij->j", scaled, scaled))
    singular = np.linalg.svd(scaled / spread, compute_uv=False)
    own = np.sqrt(np.einsum("ij,ij->j", raw, raw)) / spread
    own = 0.5 * eps * float(np.sqrt(own @ own))
    d = scaled.shape[1]
    return bool(
        singular[-1] <= _ROUNDING_MARGIN * d * np.finfo(np.float64).eps * singular[0]
        or singular[-1] <= _OWN_ROUNDING_SHARE * own
    )


# The logs of the largest float and of the smallest normal one.
_LOG_HUGE = math.log(np.finfo(np.float64).max)
_LOG_TINY = math.log(np.finfo(np.float64).tiny)


def hypervolume(X):
    """mclust's ``hypvol(X)``: the volume of the region of the noise component.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    volume : float
        ``min`` of the bounding box's volume and of the principal-axes
        box's volume.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators._noise import hypervolume
    >>> hypervolume(np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 3.0], [2.0, 3.0]]))
    6.0
    """
    return float(np.exp(log_hypervolume(X)))


def nn_clean(X, n_neighbors=5, *, tol=1e-3, max_iter=1000):
    """Noise rows by Byers and Raftery's nearest-neighbour clutter removal.

    prabclus's ``NNclean(X, k)``: the distance ``D_k`` of each row to its
    ``k``-th nearest neighbour is modelled as a mixture of the ``D_k`` of two
    homogeneous Poisson processes, dense (features) and sparse (clutter),
    whose volume ``alpha_d D_k^d`` is Gamma(``k``, ``lambda``) distributed;
    EM estimates the two intensities and a row is noise when its ``D_k``
    is more probable under the sparse process (equal weights, as prabclus).
    EM stops on prabclus's relative rule, its log-likelihood read in units
    of the largest ``D_k`` (prabclus reads it in the data's units, where a
    factor on ``X`` can move the mask), so the mask does not depend on
    the units.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_neighbors : int, default=5
        ``k``.
    tol : float, default=1e-3
        prabclus's relative convergence threshold.
    max_iter : int, default=1000

    Returns
    -------
    noise : ndarray of shape (n_samples,), dtype=bool
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    k = min(int(n_neighbors), n - 1)
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    # Column 0 is the row itself (or a duplicate at distance 0: the same
    # multiset of distances either way).
    kth = distances[:, k]
    positive = kth[kth > 0]
    if positive.size == 0:  # every row has k duplicates: all dense
        return np.zeros(n, dtype=bool)
    # Distances in units of the largest: D_k^d neither overflows nor
    # underflows (data in units of 1e110 in 3-D: 1e330), and the posterior
    # does not depend on the units (lambda scales as their d-th power).
    # Rows with k duplicates (discretised data) have D_k = 0, below the
    # data's resolution: counted at the smallest distance observed, they
    # are the densest rows (at 0, log D_k and the intensities were infinite
    # and every row of Old Faithful's waiting times was called noise).
    unit = float(positive.max())
    kth = np.maximum(kth, positive.min()) / unit
    log_alpha = math.log(2.0) + 0.5 * d * math.log(math.pi) - math.log(d)
    log_alpha -= float(gammaln(d / 2.0))
    alpha = math.exp(log_alpha)
    volume = kth**d

    def log_density(lam):
        # log of prabclus's dDk without the terms common to both processes
        # (the constants and (d k - 1) log D_k, which cancel in the posterior).
        return -lam * alpha * volume + k * math.log(lam * alpha)

    threshold = kth.min() + np.ptp(kth) / 3.0
    sparse = kth > threshold
    if sparse.all() or not sparse.any():
        return np.zeros(n, dtype=bool)
    p = 0.5
    lambda1 = k / (alpha * np.mean(volume[~sparse]))
    lambda2 = k / (alpha * np.mean(volume[sparse]))
    if not (np.isfinite(lambda1) and lambda1 > 0 and np.isfinite(lambda2)):
        return np.zeros(n, dtype=bool)
    loglik_old, loglik_new = 0.0, 1.0
    for _ in range(max_iter):
        if not abs((loglik_new - loglik_old) / loglik_new) > tol:
            break
        delta = _posterior(log_density(lambda1), log_density(lambda2), p)
        p = float(delta.sum() / n)
        if p > 0:
            lambda1 = k * delta.sum() / (alpha * np.sum(volume * delta))
        if p < 1:
            lambda2 = k * np.sum(1 - delta) / (alpha * np.sum(volume * (1 - delta)))
        if p <= 0:
            lambda1 = lambda2 / 2
        if p >= 1:
            lambda2 = 2 * lambda1
        loglik_old = loglik_new
        # prabclus's convergence quantity, in units of the largest D_k: in
        # the data's units (prabclus's) it gains n k d log(unit), and its
        # relative change, which stops the loop, would depend on the units.
        loglik_new = float(
            np.sum(
                -p * lambda1 * alpha * volume * delta
                - (1 - p) * lambda2 * alpha * volume * (1 - delta)
                + delta * k * math.log(lambda1 * alpha)
                + (1 - delta) * k * math.log(lambda2 * alpha)
            )
        )
    probs = _posterior(log_density(lambda1), log_density(lambda2), 0.5)
    # round(probs) == 0: the sparse process is more probable.
    return probs < 0.5


def _posterior(log_a, log_b, p):
    """``p a / (p a + (1 - p) b)`` from logs, 0 where both vanish (prabclus)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        la = np.log(p) + log_a if p > 0 else np.full_like(log_a, -np.inf)
        lb = np.log1p(-p) + log_b if p < 1 else np.full_like(log_b, -np.inf)
        out = 1.0 / (1.0 + np.exp(lb - la))
    return np.where(np.isnan(out), 0.0, out)


def rows_for_noise(X, noise):
    """``X`` as a noise fit reads it: a memory map whole, in memory.

    The noise's hypervolume and initial rows read every row at once, so a
    memory map is read as an in-memory array rather than by pages (other
    streamed rows are refused by :func:`resolve_noise`).
    """
    if noise and isinstance(X, np.memmap):
        return np.asarray(X)
    return X


def resolve_noise(X, sample_weight, noise_volume, noise_init):
    """Validated ``(log V, initial noise mask)`` of a fit with a noise component.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray or None
    noise_volume : float or None
        The hypervolume, or None for :func:`hypervolume` of ``X``.
    noise_init : 'nnclean' or array-like of bool
        The initial noise rows: :func:`nn_clean` of ``X`` or a mask.

    Returns
    -------
    log_volume : float
    mask : ndarray of shape (n_samples,), dtype=bool
    """
    if not isinstance(X, np.ndarray):
        # Streamed rows (a memory map, an HDF5 or zarr array, Dask chunks):
        # the noise's hypervolume and initial mask read every row at once.
        raise ValueError(
            "noise=True needs the rows in memory; got rows read page by page "
            "(an HDF5 or zarr array, Dask chunks). "
            "Load them first: np.asarray(X) for an HDF5/zarr array, "
            "X.compute() for a Dask array."
        )
    n = X.shape[0]
    if np.isnan(X).any():
        raise ValueError(
            "A noise component and missing values (NaN) cannot be combined yet: "
            "impute the missing values first (GaussianMixtureImputer), or fit "
            "without noise."
        )
    # Rows of weight zero count for nothing: not in the region, nor noise.
    kept = None
    if sample_weight is not None and not np.all(np.asarray(sample_weight) > 0):
        kept = np.asarray(sample_weight) > 0
    rows = X if kept is None else X[kept]
    if noise_volume is None:
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64)
            weights = weights if kept is None else weights[kept]
        log_volume = log_hypervolume(rows, weights)
        if not np.isfinite(log_volume):
            raise ValueError(
                "The data's hypervolume (mclust's hypvol) is "
                f"{math.exp(log_volume) if log_volume < 0 else math.inf!r}: the "
                "rows have no spread along some axis beyond the rounding of their "
                "values, so a uniform noise density is undefined. Pass a positive "
                "noise_volume, or remove constant features and features that are "
                "linear functions of others (rows far from the origin for their "
                "spread: subtract an offset first)."
            )
        if not _LOG_TINY <= log_volume <= _LOG_HUGE:
            # noise_volume_ (and the volume a user would pass) is a float.
            raise ValueError(
                "The data's hypervolume (mclust's hypvol) is "
                f"exp({log_volume:.1f}), beyond the floating-point range "
                f"(about 1e-308 to 1e308): the data's units are too "
                f"{'large' if log_volume > 0 else 'small'} for the noise "
                "component's uniform density, which is one over it. Rescale "
                "the data (for example with StandardScaler)."
            )
    else:
        if (
            isinstance(noise_volume, bool)
            or not isinstance(noise_volume, Real)
            or not (np.isfinite(noise_volume) and noise_volume > 0)
        ):
            raise ValueError(
                "noise_volume must be a positive finite number (the hypervolume "
                "of the data's region, in the data's units to the power "
                f"n_features) or None for mclust's hypvol; got {noise_volume!r}."
            )
        log_volume = LogVolume.of(noise_volume)
    if isinstance(noise_init, str):
        if noise_init != "nnclean":
            raise ValueError(
                "noise_init must be 'nnclean' or a boolean mask of the rows; "
                f"got {noise_init!r}."
            )
        mask = nn_clean(rows)
        if not mask.any() and rows.shape[0] > 1:
            # No clutter found (a lattice, evenly spread rows): the noise
            # starts on the row farthest from its neighbours, as a
            # proportion of 0 is a fixed point of EM that it never leaves.
            mask[_most_isolated_row(rows)] = True
        if kept is not None:
            mask, chosen = np.zeros(n, dtype=bool), mask
            mask[kept] = chosen
    else:
        mask = np.asarray(noise_init)
        if mask.ndim != 1 or mask.shape[0] != n:
            raise ValueError(
                f"noise_init must be a boolean mask with one entry per row of X "
                f"({n} rows); got an array of shape {mask.shape}."
            )
        if mask.dtype != bool:
            if not np.all(np.isin(mask, (0, 1))):
                raise ValueError(
                    "noise_init must be a boolean mask (True for the rows that "
                    "start as noise); got values other than 0/1 and True/False."
                )
            mask = mask.astype(bool)
        marked = mask if kept is None else mask & kept
        if not marked.any():
            raise ValueError(
                "noise_init marks no row (of positive weight) as noise: the noise "
                "component would start with proportion 0, which EM never leaves. "
                "Mark at least one row, or use noise_init='nnclean'."
            )
    return log_volume, mask


def _most_isolated_row(X, n_neighbors=5):
    """A row farthest from its ``n_neighbors``-th nearest other point.

    Among the distinct rows (duplicates are one point: on a lattice every
    row has ``k`` of them at distance 0); one of all rows when they are one.
    """
    points, first = np.unique(X, axis=0, return_index=True)
    if points.shape[0] < 2:
        return 0
    k = min(int(n_neighbors), points.shape[0] - 1)
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
    return int(first[np.argmax(distances[:, k])])


def too_few_outside_noise(mask, n_kept, n_components):
    """The error of an initial noise mask that leaves too few rows to cluster.

    ``mask`` marks the rows that start as noise, ``n_kept`` counts those of
    positive weight outside it, and ``n_components`` is the smallest number
    of components asked for. One wording for ``fit``, the selector and the
    outlier detector.
    """
    n_rows, marked = mask.shape[0], int(np.count_nonzero(mask))
    return ValueError(
        f"noise_init marks {marked} of the {n_rows} rows as noise, leaving "
        f"{n_kept} row(s) of positive weight outside it: fewer than "
        f"n_components={n_components}. Pass a noise_init mask that marks fewer "
        "rows as noise, or reduce n_components."
    )
