"""The M-step: new parameters from summed statistics."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from dataclasses import dataclass

import numpy as np

from ..covariance._linalg import (
    all_finite,
    any_true,
    errors_ignored,
    errors_restored,
    strict_factorisation,
)
from ..covariance._registry import from_user_code
from ..exceptions import DegenerateStepError
from ._data import empty_component_guard

__all__ = ["DegenerateStepError", "Params", "m_step"]


@dataclass
class Params:
    """Mixture parameters in the centred coordinates of the engine."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray
    # Per-component E-step offset used in place of log(weights) when set
    # (the variational mixture's E[log pi_k] and Wishart terms).
    log_weights: np.ndarray | None = None
    # The uniform noise component (mclust's): its mixing proportion and the
    # log of its hypervolume, or None without one. With a noise component
    # ``weights`` are the Gaussian proportions and sum to
    # ``1 - noise_proportion``; the E-step adds the column
    # ``log(noise_proportion) - noise_log_volume`` after the Gaussian ones.
    noise_proportion: float | None = None
    noise_log_volume: float | None = None
    # The means in the data's own coordinates as stored on a fitted model
    # (``means + center`` when None): the exact form of the distances
    # measures the rows as given against them (``covariance._exact``).
    raw_means: np.ndarray | None = None
    # Whether a start given by hand (``weights_init``, ``precisions_init``)
    # may lie outside the structure (covariances the structure's M-step
    # moves, such as unequal volumes for EII; unequal weights, which equal
    # proportions move): the first M-step, which imposes the structure, may
    # then lower the objective once (``run_em``). False for every M-step's
    # parameters and for starts inside the structure, whose fall is checked.
    given: bool = False


_LARGEST_SQUARE_ROOT = math.sqrt(np.finfo(np.float64).max)


def _feature_variances(data):
    """The data's per-feature variances (None when the source has none)."""
    scatter = getattr(data, "total_scatter", None)
    if scatter is None or np.ndim(scatter) != 2:
        return None
    return np.diagonal(scatter) / data.weight_sum


def _precisions_fit(precisions_cholesky, n_features):
    """Whether the precisions ``P P^T`` of these factors are finite.

    Each entry is a sum of ``d`` products of the factors' entries: finite
    when every entry is below ``sqrt(max / d)``.
    """
    limit = _LARGEST_SQUARE_ROOT / math.sqrt(n_features)
    factors = np.asarray(precisions_cholesky)
    if factors.size <= 64:
        # In Python (numpy's reductions cost more on a few entries); NaN,
        # which compares below nothing, fails as numpy's maximum did.
        return all(map(limit.__gt__, map(abs, factors.ravel().tolist())))
    return float(np.abs(factors).max(initial=0.0)) < limit


def _degenerate_components(nk, model, scatter):
    """Components whose scatter is singular or not finite, by index.

    ``scatter`` is laid out as ``model``'s statistics form says (its
    ``layout``), not as its shape suggests: a pooled ``(d, d)`` scatter has
    the shape of ``K`` diagonals when ``K == d``.
    """
    K = nk.shape[0]
    try:
        scatter = np.asarray(scatter, dtype=np.float64)
        matrices = model.scatter.layout.matrices(scatter, K)
        bad = []
        for k in range(K):
            matrix = matrices[k]
            if not np.all(np.isfinite(matrix)) or not nk[k] > 0:
                bad.append(k)
                continue
            values = np.linalg.eigvalsh(0.5 * (matrix + matrix.T))
            if values[0] <= 1e-12 * max(values[-1], 0.0):
                bad.append(k)
        return bad
    except (np.linalg.LinAlgError, ValueError):
        return list(range(K))


# Data variances below this leave no room for a component narrower than the
# data by float64's resolution: its precision (the inverse variance)
# overflows, and a breakdown of the step names the units, not the rows.
_TINY_UNITS = float(np.finfo(np.float64).tiny / np.finfo(np.float64).eps)
# Data whose squared deviations, summed over rows and features, come within
# this factor of float64's largest number are too large for the structures'
# sums (traces of pooled scatters). Measured: every structure fits data up
# to a sum of float64's largest (d = 20 and 300, two components), so the
# factor is only the sum's own rounding; a larger one would blame the units
# for fits that fail for another reason (VEV on fewer rows than features).
_SQUARE_HEADROOM = 2.0


def _near_largest_square(variances, weight_sum):
    """Whether the data's squared deviations, summed, near float64's largest."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.sum(variances)) * float(weight_sum)
    return not total < np.finfo(np.float64).max / _SQUARE_HEADROOM


def _raise_degenerate(
    nk,
    scatter,
    model,
    reg_covar,
    cause=None,
    *,
    finite=True,
    data=None,
):
    what = (
        "has no finite maximum"
        if finite
        else "got non-finite statistics (rows beyond the dtype's range, or "
        "components collapsing)"
    )
    variances = None if data is None else _feature_variances(data)
    if variances is not None:
        tiny = np.flatnonzero((variances > 0) & (variances < _TINY_UNITS))
        if tiny.size:
            j = int(tiny[np.argmin(variances[tiny])])
            raise DegenerateStepError(
                f"The M-step of covariance_type {model.name!r} {what}: the "
                f"data's units are too small to square (feature {j} has "
                f"variance {variances[j]:.3g}, within float64's resolution of "
                "its smallest normal number), so the precisions of its "
                "components overflow. Rescale X (e.g. StandardScaler, or "
                "multiply it by a power of ten)."
            ) from cause
        if _near_largest_square(variances, data.weight_sum):
            raise DegenerateStepError(
                f"The M-step of covariance_type {model.name!r} {what}: the "
                "data's units are too large (the squared deviations summed "
                f"over its {variances.size} features and {data.weight_sum:.3g} "
                "rows' worth of weight come within a factor "
                f"{_SQUARE_HEADROOM:g} of float64's largest number), so the "
                "structure's sums overflow. Rescale X (e.g. StandardScaler, or "
                "divide it by a power of ten)."
            ) from cause
    bad = _degenerate_components(nk, model, scatter)
    if not bad and from_user_code(model):
        # Every component's scatter is finite and non-singular: a structure
        # from user code whose M-step fails there is at fault, not the rows
        # (the message blamed "too few distinct rows" and advised reg_covar).
        raise ValueError(
            f"The m_step of covariance_type {model.name!r} (registered in user "
            f"code) {what} although every component's scatter is finite and "
            "non-singular: check that it returns finite, symmetric "
            "positive-definite covariances of its param_shape."
        ) from cause
    bad = bad or list(range(nk.shape[0]))
    raise DegenerateStepError(
        f"The M-step of covariance_type {model.name!r} {what}: component(s) "
        f"{bad} rest on too few distinct rows for a covariance "
        f"(reg_covar={reg_covar:.3g}), so their likelihood is unbounded. "
        f"{reg_covar_remedy(reg_covar)}, use fewer components, or pass "
        "prior='default'."
    ) from cause


def reg_covar_remedy(reg_covar):
    """The advice on ``reg_covar`` of a degenerate step: set it, or raise it."""
    if reg_covar > 0:
        return (
            f"Increase reg_covar (now {reg_covar!r}, in the data's squared units: "
            "small against data of large variance)"
        )
    return "Set reg_covar > 0 (in the data's squared units)"


def m_step(
    model,
    data,
    stats,
    reg_covar,
    *,
    equal_proportions=False,
    previous=None,
    prior=None,
    noise_log_volume=None,
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
    prior : object or None, default=None
        A resolved prior (``_prior.ConjugatePrior``): the step is then the
        MAP step, the structure's own M-step applied to the means,
        prior-augmented scatter and effective counts that
        ``prior.map_m_step_inputs(model, center, nk, means, scatter)``
        returns.
    noise_log_volume : float or None, default=None
        With a noise component, the log of its hypervolume: ``stats`` then
        carry ``noise_count`` (``sum_i w_i r_i0``) and ``gaussian_scatter``
        (``sum_i w_i (1 - r_i0) x_i x_i^T``), the proportions are
        ``N_k / (sum_k N_k + N_0)`` and the noise proportion
        ``N_0 / (sum_k N_k + N_0)`` (mclust's ``me*`` with ``Vinv``).

    Returns
    -------
    params : Params
        Covariances and precisions consistent with each other: a component
        that had to be regularised to be factorised stores the covariance of
        its regularised precision.
    jittered : ndarray of shape (K,), dtype=bool
        Components whose covariance had to be regularised to be factorised.

    Raises
    ------
    DegenerateStepError
        When the statistics or the structure's M-step break down (components
        on too few distinct rows with ``reg_covar=0``).
    """
    # scikit-learn's guard against empty components, kept for identical
    # results; relative to the weights' scale (1 without weights), so that a
    # common factor of the weights changes nothing.
    scale = getattr(data, "weight_scale", 1.0)
    nk = stats.nk + empty_component_guard(data)
    total_scatter = data.total_scatter
    if noise_log_volume is not None:
        # The scatter of the rows weighted by their Gaussian responsibilities.
        total_scatter = stats.gaussian_scatter
    # One error state for the whole step (numpy's per-call overhead is the
    # cost on small data): statistics of collapsing components overflow,
    # and the structures' inner iterations divide by their variances.
    token = errors_ignored()
    try:
        means, scatter = stats.finalize(nk, total_scatter)
        n_features = means.shape[1]
        scatter = model.scatter.layout.without_negative_variances(np.asarray(scatter))
        strict = reg_covar == 0
        if strict:
            # The rounding of an exact zero is no variance (the statistics
            # form's without_rounding). With reg_covar > 0 it is swamped, and
            # results stay as they were bit for bit.
            cleaned = getattr(stats, "without_rounding", None)
            if cleaned is not None and np.ndim(total_scatter) == 2:
                scatter = cleaned(scatter, total_scatter)
        counts = nk
        if prior is not None:
            means, scatter, counts = prior.map_m_step_inputs(
                model, data.center, nk, means, scatter
            )
        # Tested in Python: on the small arrays of a small fit numpy's
        # reductions cost more than the check (_linalg.all_finite).
        if not (all_finite(means) and all_finite(scatter)):
            _raise_degenerate(
                counts, scatter, model, reg_covar, finite=False, data=data
            )
        # The structure sees counts and scatter in units of the weights'
        # scale (their mean: rows' worth), so its inner iterations and
        # thresholds do not depend on a common factor of the weights either
        # (beyond rounding). Not under a prior: its pseudo-counts and scatter
        # are in the data's units (a common factor of the weights changes the
        # MAP fit), and divided by the scale of tiny weights they overflowed.
        if scale != 1.0 and prior is None:
            counts, scatter = counts / scale, scatter / scale
        # Strict also for the structure's own step: without reg_covar, a
        # component without scatter borrows the data's variances (seed starts,
        # one row each), in any units.
        with strict_factorisation(strict, _feature_variances(data) if strict else None):
            covariances = _structure_m_step(
                model, counts, scatter, reg_covar, previous, means.shape, data
            )
            precisions_cholesky, jittered = model.precision_cholesky(covariances)
        _check_user_positive(model, counts, scatter, reg_covar, jittered)
        if not _precisions_fit(precisions_cholesky, n_features):
            # Components shrunk towards points without reg_covar (n == K):
            # their precisions (the factors' squares) would overflow to inf.
            _raise_degenerate(counts, scatter, model, reg_covar, data=data)
    finally:
        errors_restored(token)
    if any_true(np.asarray(jittered)):
        # Store what the precision says: the regularised covariance.
        covariances = model.covariances_from_cholesky(precisions_cholesky)
    if noise_log_volume is not None:
        return _with_noise(
            stats,
            nk,
            means,
            covariances,
            precisions_cholesky,
            jittered,
            equal_proportions,
            noise_log_volume,
        )
    if equal_proportions:
        weights = np.full(nk.shape[0], 1.0 / nk.shape[0])
    else:
        weights = nk / nk.sum()
    params = Params(weights, means, covariances, precisions_cholesky)
    return params, jittered


def structure_covariances(model, counts, scatter, reg_covar, shape, previous=None):
    """A structure's M-step alone, checked as within EM's (EDDA's one step).

    ``scatter`` is in the layout of the structure's statistics form. Raises
    as :func:`m_step` does where the structure's result is not a covariance
    of its shape, and, for a structure from user code, where it is not
    symmetric positive definite on rows that are not singular.
    """
    covariances = _structure_m_step(model, counts, scatter, reg_covar, previous, shape)
    if from_user_code(model):
        jittered = model.precision_cholesky(covariances)[1]
        _check_user_positive(model, counts, scatter, reg_covar, jittered)
    return covariances


def _structure_m_step(model, counts, scatter, reg_covar, previous, shape, data=None):
    """The structure's own M-step, its result checked (shape, finite).

    ``shape`` is that of the means, ``(K, d)``; ``data`` the source, whose
    variances a breakdown reads (see :func:`_raise_degenerate`).
    """
    n_components, n_features = shape
    try:
        covariances = model.m_step(counts, scatter, reg_covar, previous=previous)
    except np.linalg.LinAlgError as error:
        _raise_degenerate(counts, scatter, model, reg_covar, error, data=data)
    except ValueError as error:
        # scipy's check of finite input, reached when an inner iteration
        # overflows on components without spread (VEE on duplicated rows).
        if "infs or NaNs" not in str(error):
            raise
        _raise_degenerate(counts, scatter, model, reg_covar, error, data=data)
    expected = tuple(model.param_shape(n_components, n_features))
    if np.shape(covariances) != expected:
        # A ValueError, as the structure's other faults: a search leaves the
        # candidate out and says so, and the command line says it on one line.
        where = " (registered in user code)" if from_user_code(model) else ""
        raise ValueError(
            f"The m_step of covariance_type {model.name!r}{where} returned an "
            f"array of shape {np.shape(covariances)}; its param_shape is "
            f"{expected}: return the shape param_shape gives (the family's)."
        )
    if not all_finite(np.asarray(covariances)):
        if from_user_code(model) and not _degenerate_components(counts, model, scatter):
            full = np.asarray(model.to_full(covariances, n_components, n_features))
            which = np.flatnonzero(~np.isfinite(full).all(axis=(1, 2))).tolist()
            raise ValueError(
                f"The m_step of covariance_type {model.name!r} (registered in "
                f"user code) returned NaN or infinite values for component(s) "
                f"{which}, although every component's scatter is finite and "
                "non-singular: return finite covariances."
            )
        _raise_degenerate(counts, scatter, model, reg_covar, data=data)
    if from_user_code(model):
        _check_symmetric(model, covariances, n_components, n_features)
    return covariances


def _check_symmetric(model, covariances, n_components, n_features):
    """Raise when a user structure's M-step returns asymmetric covariances.

    The factorisation reads one triangle: the fit would use another matrix
    than the one it stores (``covariances_``), silently.
    """
    full = np.asarray(model.to_full(covariances, n_components, n_features))
    gap = np.abs(full - np.swapaxes(full, -1, -2))
    # In units of the two variances an entry couples: rebuilt as V L V^T, a
    # near-zero covariance differs between the triangles by their rounding.
    variances = np.abs(np.diagonal(full, axis1=-2, axis2=-1))
    scale = np.sqrt(variances[..., :, np.newaxis] * variances[..., np.newaxis, :])
    if np.any(gap > 1e-10 * scale):
        raise ValueError(
            f"The m_step of covariance_type {model.name!r} (registered in user "
            "code) returned covariances that are not symmetric: return "
            "symmetric matrices (e.g. 0.5 * (C + C.swapaxes(-1, -2)))."
        )


def _check_user_positive(model, counts, scatter, reg_covar, jittered):
    """Raise when a user structure's M-step is not positive definite on sound rows.

    Nothing to judge for the package's own structures, or where no component
    had to be regularised (every M-step calls it).

    A component whose covariance had to be regularised is read as collapsed
    (on too few rows); where every component's scatter is finite and
    non-singular, the structure's M-step is at fault, not the rows. Beside
    singular components, through a shared shape or orientation collapsed
    rows can leave a component of sound rows singular too (a copy of VEV on
    6 rows in 3-D was told to mend itself): the structure is judged again on
    its sound components alone, where their scatter can be taken apart.
    """
    if not (any_true(np.asarray(jittered)) and from_user_code(model)):
        return
    singular = _degenerate_components(counts, model, scatter)
    culprits = [int(k) for k in np.flatnonzero(jittered) if k not in singular]
    if culprits and singular:
        sound = [k for k in range(counts.shape[0]) if k not in singular]
        own = model.scatter.layout.components(scatter, sound)
        if own is None:
            return  # one pooled scatter: the collapse is the rows' doing
        try:
            alone = model.m_step(counts[sound].copy(), own.copy(), reg_covar)
            _, again = model.precision_cholesky(alone)
        except (ValueError, np.linalg.LinAlgError):
            return
        culprits = [sound[i] for i in np.flatnonzero(again)]
    if culprits:
        raise ValueError(
            f"The m_step of covariance_type {model.name!r} (registered in user "
            "code) returned covariances that are not positive definite for "
            f"component(s) {culprits}, although their scatter is finite and "
            "non-singular: return symmetric positive-definite covariances "
            "(variances > 0)."
        )


def _with_noise(
    stats,
    nk,
    means,
    covariances,
    precisions_cholesky,
    jittered,
    equal_proportions,
    noise_log_volume,
):
    """The parameters of an M-step with a noise component."""
    noise_count = float(stats.noise_count)
    total = float(nk.sum()) + noise_count
    noise_proportion = noise_count / total
    if equal_proportions:
        weights = np.full(nk.shape[0], (1.0 - noise_proportion) / nk.shape[0])
    else:
        weights = nk / total
    params = Params(
        weights,
        means,
        covariances,
        precisions_cholesky,
        noise_proportion=noise_proportion,
        noise_log_volume=float(noise_log_volume),
    )
    return params, jittered
