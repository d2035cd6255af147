"""The features' grids: their steps at a value, and the sample's bound on them."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from gmm_estimators._feature_values import FeatureValues, _step_bounds, local_steps


def test_the_step_of_an_uneven_grid_is_read_at_the_value():
    # log(1 + count): 0.69 from 0 to 1, 0.41 from 1 to 2, ... 0.025 near 40.
    grid = np.log1p(np.arange(41.0))
    gaps = np.diff(grid)
    every = np.ones(grid.size, bool)
    steps = local_steps(grid, [0.0, 0.01, np.log(2.0), grid[20], grid[-1]], every)
    # The smallest gap among the value and its two neighbours each side.
    assert_allclose(steps, [gaps[1], gaps[1], gaps[2], gaps[21], gaps[-1]])
    # An even grid's step everywhere, and inf for a grid of one value.
    assert_array_equal(
        local_steps(np.arange(5.0), [0.0, 2.4, 2.6, 9.0], np.ones(5, bool)), 1.0
    )
    assert_array_equal(local_steps(np.array([3.0]), [3.0, 0.0], [True]), np.inf)


def test_a_spike_among_continuous_values_is_no_grid_value():
    # A value repeated among continuous ones (a floor, a censoring value):
    # its neighbours hold one row each, so its step is the feature's
    # smallest, however far its nearest neighbour; read as a grid, without
    # ties, it would be its neighbours' gaps.
    rng = np.random.default_rng(0)
    grid = np.unique(np.r_[rng.normal(size=200), 6.0])
    tied = grid == 6.0
    assert grid[-2] < 3.5  # its nearest neighbour is far
    assert local_steps(grid, [6.0], tied=tied)[0] == np.diff(grid).min()
    every = np.ones(grid.size, bool)
    assert local_steps(grid, [6.0], every)[0] == np.diff(grid[-3:-1])[0]


def test_gaps_between_scattered_values_are_no_grid():
    # Newcomb's times: integers 16 to 40, each tied, and outliers at -44
    # and -2, one row each. Their gaps (42, 18) are no steps of the grid:
    # the outliers are still recorded to 1.
    values = np.r_[-44.0, -2.0, np.arange(16.0, 41.0)]
    counts = np.r_[1, 1, np.full(25, 3)]
    steps = local_steps(values, [-44.0, -2.0, 16.0, 30.0], tied=counts > 1)
    assert_array_equal(steps, 1.0)
    assert local_steps(values, [-44.0], counts > 0)[0] == 18.0  # read as a grid
    # Tied values with uneven steps keep theirs.
    grid = np.log1p(np.arange(10.0))
    tied = np.ones(10, bool)
    assert_allclose(local_steps(grid, [0.0], tied=tied), np.log(1.5))
    tied[2] = False  # a value of one row in the windows of 0 and of 1
    assert_allclose(local_steps(grid, [0.0, 0.7], tied=tied), np.diff(grid).min())


@pytest.mark.parametrize("seed", range(20))
def test_the_samples_bound_is_above_the_datas_step(seed):
    # The gate of the lattice rule: a component narrower than the data's
    # grid at the value nearest its mean is narrower than the bound read
    # from any sample of the values, inside or beyond the sample's range.
    rng = np.random.default_rng(seed)
    values = np.unique(
        np.round(rng.lognormal(size=300) * 10 ** rng.uniform(-3, 3), rng.integers(0, 4))
    )
    if values.size < 3:
        values = np.r_[values, values[-1] + 1.0, values[-1] + 3.0]
    sample = np.unique(rng.choice(values, size=max(2, values.size // 5)))
    if sample.size < 2:
        sample = values[[0, -1]]
    span = values[-1] - values[0]
    points = rng.uniform(values[0] - 0.1 * span, values[-1] + 0.1 * span, 500)
    points = np.r_[points, values, sample]
    nearest = values[np.abs(values[:, None] - points).argmin(axis=0)]
    every = np.ones(values.size, bool)  # the longest steps it can give
    assert (local_steps(values, nearest, every) <= _step_bounds(sample, points)).all()


def test_the_grid_samples_then_reads_every_value_of_positive_weight():
    X = np.c_[np.r_[np.zeros(50), np.ones(50)], np.arange(100.0) / 7]
    grid = FeatureValues([0, 1])
    grid.sample(X)
    assert grid.sampled_gap(0) == 1.0
    assert grid.sampled_gap(1) == pytest.approx(1 / 7)
    w = np.r_[np.ones(99), 0.0]
    X[-1, 0] = 0.5  # weight zero: not a value of the grid
    grid.gather(lambda: [(X[:60], w[:60], None), (X[60:], w[60:], None)])
    assert grid.gaps()[0] == 1.0
    assert_array_equal(grid.steps_at(0, [0.0, 0.4, 1.0]), 1.0)
    # The rows on each value are counted over the blocks: feature 1's
    # values hold one row each, so its steps are its smallest.
    assert_array_equal(grid._counts[0], [50, 49])
    assert_allclose(grid.steps_at(1, [0.0, 5.0]), 1 / 7)
