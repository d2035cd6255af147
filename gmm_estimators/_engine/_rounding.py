"""What rounding may cost EM's objective: the monotonicity check's slack.

EM cannot lower its objective in exact arithmetic; a fall beyond what
rounding explains means the parameters have left floating point's reach (a
component collapsing onto its rows), while a fall within it is convergence.
:func:`run_em <gmm_estimators._engine._run.run_em>` asks :func:`unsound`
after each iteration and, for a finite fall, :func:`fell_by_rounding`.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "decrease_slack",
    "density_rounding_fall",
    "fell_by_rounding",
    "mean_rounding_fall",
    "unsound",
]

# A decrease of the objective beyond this (relative) is not rounding: EM
# cannot decrease it, so the parameters have left floating point's reach.
_DECREASE_SLACK = 1e-9

# The same bound in machine epsilons of the dtype the E-step runs in, when
# larger: float32 rows give sound runs (no collapse) whose objective falls by
# up to 7e-7 relative, 6 of float32's epsilons, from one iteration to the next.
_DECREASE_EPSILONS = 64


def decrease_slack(source):
    """The relative fall of the objective that is rounding, for ``source``."""
    dtype = np.dtype(getattr(getattr(source, "X", None), "dtype", np.float64))
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    return max(_DECREASE_SLACK, _DECREASE_EPSILONS * float(np.finfo(dtype).eps))


# Relative error, in epsilons of their dtype, of the M-step's means (sums of
# weighted rows over their weight) besides their own rounding.
_MEAN_EPSILONS = 16


def mean_rounding_fall(model, params):
    """What the rounding of ``params``' means may cost the objective (per unit weight).

    EM's step cannot lower the objective in exact arithmetic; the means it
    stores are its maximiser rounded, each coordinate within
    :data:`_MEAN_EPSILONS` epsilons of itself, which lowers the expected
    complete-data log-likelihood by ``N_k / 2 u' Lambda_k u`` at most
    (``u`` the rounding, a quadratic about the maximiser) for component
    ``k``. A tight cluster far from the data's centre (sd 1e-3 at 1e10: its
    mean's rounding 2e-3 of its deviation) loses more than the relative
    slack allows; its fall is rounding, not a collapse. A component whose
    deviation is within a few roundings of its mean has left floating
    point's reach instead (a collapse): its fall is not excused.
    """
    means = np.asarray(params.means)
    if means.dtype.kind != "f":
        return 0.0
    n_components, d = means.shape
    rounding = _MEAN_EPSILONS * float(np.finfo(means.dtype).eps) * np.abs(means)
    with np.errstate(all="ignore"):
        precisions = model.to_full(
            np.asarray(model.precisions_from_cholesky(params.precisions_cholesky)),
            n_components,
            d,
        )
        # |Lambda| entrywise: a bound of u' Lambda u for any signs of u.
        losses = np.einsum("ki,kij,kj->k", rounding, np.abs(precisions), rounding)
    within = np.isfinite(losses) & (losses <= d)
    weights = np.asarray(params.weights, np.float64)
    return float(0.5 * (weights[within] * losses[within]).sum())


# Error of a log-density, in epsilons per unit of its covariance's condition
# number (scaled to unit variances: van der Sluis) and per feature squared:
# the backward error of the Cholesky factor, in the quadratic form (about d
# per row) and the log-determinant.
_DENSITY_EPSILONS = 1.0
# Covariances beyond this condition are singular (``_linalg``'s strict
# factorisation): a fall under them is a breakdown, never excused.
_SINGULAR_CONDITION = 1e13


def density_rounding_fall(model, params):
    """What rounding in the log-densities may cost the objective (per unit weight).

    A log-density under a covariance of condition ``kappa`` (of its
    correlation form) is computed to about ``d^2 eps kappa``: a sound fit
    on nearly dependent features (one feature the sum of two others up to
    noise 1e-4 of their spread, ``kappa`` about 1e9, with ``reg_covar=0``)
    sees its converged objective fall by 2e-9 relative from one iteration
    to the next, beyond the relative slack and far within this. Components
    whose condition is beyond :data:`_SINGULAR_CONDITION` have left
    floating point's reach: their fall is not excused. Below it, a fall
    excused here ends the run as converged, and a component collapsing onto
    a lower-dimensional set is flagged by the collapse check after the fit
    (``_collapse``), as the rows it rests on show.
    """
    n_components, d = np.shape(params.means)
    with np.errstate(all="ignore"):
        full = model.to_full(
            np.asarray(params.covariances, np.float64), n_components, d
        )
        scale = np.sqrt(np.diagonal(full, axis1=1, axis2=2))
        correlation = full / (scale[:, :, np.newaxis] * scale[:, np.newaxis, :])
        if not np.all(np.isfinite(correlation)):
            return 0.0
        values = np.linalg.eigvalsh(correlation)
    smallest, largest = values[:, 0], values[:, -1]
    if np.any(smallest <= largest / _SINGULAR_CONDITION):
        return 0.0
    weights = np.asarray(params.weights, np.float64)
    eps = float(np.finfo(np.float64).eps)
    conditions = largest / smallest
    return float(_DENSITY_EPSILONS * d * d * eps * (weights * conditions).sum())


def unsound(current, previous, slack):
    """Why an iteration's objective is impossible for EM, or None.

    A non-finite objective (NaN or ``+inf``) is never sound; when the
    objective cannot decrease (``slack`` not None: ``options.monotone``), a
    decrease beyond rounding (``slack``, relative) means the parameters have
    left floating point's reach (a component collapsing onto its rows),
    unless the rounding of the parameters' means explains it
    (:func:`fell_by_rounding`).
    """
    if current != current or current == np.inf:
        return f"the objective became {current!r}"
    if slack is not None and current < previous - slack * max(1.0, abs(previous)):
        return f"the objective fell from {previous!r} to {current!r}"
    return None


def fell_by_rounding(current, previous, model, params):
    """Whether a fall of the objective to ``current`` is the rounding of ``params``.

    Of their means (:func:`mean_rounding_fall`) or of the log-densities
    under their covariances (:func:`density_rounding_fall`). EM can then
    gain nothing beyond rounding: the run has converged, at the parameters
    before the fall.
    """
    fall = previous - current
    if fall <= mean_rounding_fall(model, params):
        return True
    return bool(fall <= density_rounding_fall(model, params))
