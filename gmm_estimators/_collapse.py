"""A fit's collapsed and spurious components: the judgement and its record.

:func:`component_check` runs the scale-free tests of ``_degenerate`` on
engine parameters (two passes of the E-step over the data's blocks);
:func:`record_collapse` stores the verdict as the estimator's
``collapsed_components_`` and ``spurious_components_`` and warns about it.
``_base.set_fitted_attributes`` calls it after every fit; the selector
judges its runs with :func:`component_check` and hands the verdict on.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._degenerate import check_blocks
from ._engine import log_prob_function, normalize_log_prob
from ._warn import warn_user
from .exceptions import DegenerateFitWarning

__all__ = ["component_check", "record_collapse"]


def component_check(model, data, params, jittered, prior=None):
    """Collapsed and spurious components of engine parameters, with reasons.

    With a ``prior`` (a MAP fit, whose objective is bounded) only empty and
    jittered components count as collapsed; see ``_degenerate``. Two passes
    of the E-step over the data's blocks; memory stays that of a block.

    Returns
    -------
    collapsed, spurious : ndarray of int
    reasons : dict
        ``{component: explanation}``.
    """
    n_components, d = params.means.shape
    if not hasattr(data, "centred"):
        # Streamed and Dask data: judged on the in-memory sample the starts
        # come from (same centre), not by more passes over every row.
        data = data.init_source()
    _, log_prob_of = log_prob_function(model, params, data.X.dtype)

    def blocks():
        for rows in data.blocks(model, n_components):
            Xc = data.centred(rows)
            resp, _ = normalize_log_prob(log_prob_of(Xc)[0])
            # With a noise component its column is the last: the Gaussian
            # components' own responsibilities are the others.
            resp = resp[:, :n_components]
            yield Xc.astype(np.float64, copy=False), data.weights_of(rows), resp

    full = model.to_full(np.asarray(params.covariances), n_components, d)
    check = check_blocks(
        blocks,
        data.total_scatter,
        data.weight_sum,
        params.means,
        full,
        own_spread=model.own_spread,
        bounded=prior is not None,
    )
    reasons = dict(check.reasons)
    for k in np.flatnonzero(jittered):
        reasons.setdefault(
            int(k), "its covariance had to be regularised to be factorised"
        )
    collapsed = np.array(
        sorted(set(check.degenerate.tolist()) | set(np.flatnonzero(jittered))),
        dtype=np.intp,
    )
    spurious = np.setdiff1d(check.spurious, collapsed)
    return collapsed, spurious, reasons


def record_collapse(estimator, model, data, params, jittered, check=None):
    """Flag degenerate and spurious components (see ``_degenerate``).

    Stores ``collapsed_components_`` (components resting on a
    lower-dimensional set of rows, or whose covariance had to be jittered to
    be factorised) and ``spurious_components_`` (components far narrower than
    another one), and warns about both.
    """
    if check is None:
        check = component_check(
            model, data, params, jittered, getattr(estimator, "prior_", None)
        )
    collapsed, spurious, reasons = check
    estimator.collapsed_components_ = collapsed
    estimator.spurious_components_ = spurious
    if collapsed.size:
        listed = "; ".join(f"{k} ({reasons[k]})" for k in collapsed)
        warn_user(
            f"{type(estimator).__name__}: component(s) {listed} collapsed. "
            "Such a component sits on duplicated, integer-valued or too few "
            "rows; its likelihood is unbounded, so BIC/AIC of this fit are not "
            "meaningful. Remedies: use fewer components, use prior='default' "
            "(mclust's conjugate prior, in the data's units), increase "
            "reg_covar, or add jitter to discretised data. The indices are "
            "stored in collapsed_components_.",
            DegenerateFitWarning,
        )
    if spurious.size:
        listed = "; ".join(f"{k} ({reasons[k]})" for k in spurious)
        warn_user(
            f"{type(estimator).__name__}: component(s) {listed} spurious. "
            "A component far narrower than the others is typical of a local "
            "maximum on discretised data rather than of a real cluster. "
            "Remedies: use fewer components or prior='default'. The indices "
            "are stored in spurious_components_.",
            DegenerateFitWarning,
        )
