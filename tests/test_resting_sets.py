"""The rows each component rests on (``_resting_sets``)."""

import numpy as np

from gmm_estimators import _resting_rows as R
from gmm_estimators import _resting_sets as RS
from gmm_estimators._data_span import coordinates
from gmm_estimators.covariance._spread import (
    EVERY_DIRECTION,
    NOTHING,
    NOTHING_BUT_AXES,
    NOTHING_BUT_VOLUME,
)


def test_resting_rows_bound_the_pooled_scatter_from_below(rng):
    """The pooled pass may be skipped: its scatter contains the resting rows'."""
    X = np.vstack([rng.randn(200, 3), rng.randn(150, 3) + 3.0])
    resp = rng.dirichlet(np.ones(3), size=X.shape[0])
    Xc = X - X.mean(axis=0)
    total = Xc.T @ Xc
    varying, scale, rotation = coordinates(total, float(X.shape[0]))
    means = (resp.T @ Xc) / resp.sum(axis=0)[:, None]
    shift = means[:, varying] / scale

    def blocks():
        return [(Xc, None, resp)]

    floors = R.resting_floor(R.log_weight_histogram(resp), resp.sum(axis=0))
    _, _, resting, _ = RS.judge_resting_sets(
        blocks,
        floors,
        varying,
        scale,
        shift,
        rotation,
        [0, 1, 2],
        EVERY_DIRECTION,
        {},
        float(X.shape[0]),
    )
    within, count = R.pooled_within_scatter(blocks, varying, scale, shift, [0, 1, 2])
    assert count == X.shape[0] + 4
    gap = np.linalg.eigvalsh(within - sum(resting.values()))
    assert gap.min() >= -1e-12 * np.abs(within).max()
    # Whatever the shared part needs (every direction, every feature, or
    # some spread for one volume), the resting rows' part bounds it below.
    for rule in (NOTHING, NOTHING_BUT_AXES, NOTHING_BUT_VOLUME):
        assert rule.pooled_spread(sum(resting.values()), X.shape[0], rotation) <= (
            rule.pooled_spread(within, X.shape[0], rotation) + 1e-12
        )
