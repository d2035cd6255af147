"""The spurious test's measure: how much narrower a component is than another.

For fitted covariances ``S_k``, the smallest generalised eigenvalue of
``(S_k, S_j)`` over the other components ``j`` (Hathaway 1985; the
``restr.fact`` of tclust): ``_degenerate`` calls a component spurious when it
falls below ``SPURIOUS_RATIO``.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["smallest_variance_ratios"]


def smallest_variance_ratios(full, components):
    """Per component ``k``, ``min_j`` of the smallest eigenvalue of ``(S_k, S_j)``.

    The generalised eigenvalues of ``S_k`` relative to ``S_j``, over the other
    ``components`` ``j``: those of ``L_j^-1 S_k L_j^-T`` with ``S_j = L_j
    L_j^T``, all pairs in one batched eigenvalue call. A pair whose ``S_j``
    cannot be factorised or holds non-finite values is left out, as is a
    component with no pair (its ratio is ``inf``).
    """
    smallest = {k: np.inf for k in components}
    if len(components) < 2:
        return smallest
    matrices = full[components]
    finite = np.all(np.isfinite(matrices.reshape(len(components), -1)), axis=1)
    factors = _cholesky_factors(full, components, finite)
    pairs = [
        (k, j)
        for index, k in enumerate(components)
        if finite[index]
        for j in factors
        if j != k
    ]
    if not pairs:
        return smallest
    inverse = dict(
        zip(factors, np.linalg.inv(np.stack(list(factors.values()))), strict=True)
    )
    left = np.stack([inverse[j] for _, j in pairs])
    targets = np.stack([full[k] for k, _ in pairs])
    whitened = left @ targets @ np.swapaxes(left, -1, -2)
    values = np.linalg.eigvalsh(0.5 * (whitened + np.swapaxes(whitened, -1, -2)))
    for (k, _), value in zip(pairs, values[:, 0], strict=True):
        smallest[k] = min(smallest[k], float(value))
    return smallest


def _cholesky_factors(full, components, finite):
    """``{j: cholesky(full[j])}`` for the finite ``components`` that have one.

    One batched factorisation; component by component only when some matrix
    cannot be factorised.
    """
    usable = [j for j, ok in zip(components, finite, strict=True) if ok]
    if not usable:
        return {}
    try:
        return dict(zip(usable, np.linalg.cholesky(full[usable]), strict=True))
    except np.linalg.LinAlgError:
        pass
    factors = {}
    for j in usable:
        try:
            factors[j] = np.linalg.cholesky(full[j])
        except np.linalg.LinAlgError:
            continue
    return factors
