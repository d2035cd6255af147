"""Shared pytest fixtures for the gmm_estimators test suite."""

import importlib.util
import os

import numpy as np
import pytest

# scikit-learn's common check ``check_array_api_input`` only runs (with numpy
# arrays) when SciPy's array-API mode is on; it must be set before SciPy loads.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Never open a window: use the non-interactive backend when matplotlib is
# available. Set before any test imports matplotlib.
if importlib.util.find_spec("matplotlib") is not None:
    os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def old_faithful():
    """The Old Faithful data as a float64 array of shape (272, 2)."""
    from gmm_estimators.datasets import load_old_faithful

    return load_old_faithful(return_X_y=True)


@pytest.fixture
def rng():
    """A fresh, seeded random number generator for each test."""
    return np.random.RandomState(0)
