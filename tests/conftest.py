"""Shared pytest fixtures for the gmm_estimators test suite."""

import importlib.util
import os

# One BLAS and OpenMP thread per xdist worker, set before numpy and scipy load
# their BLAS: with ``-n 2`` on two cores each worker's BLAS would otherwise
# start a thread per core, four spinning threads on two cores (the suite took
# 230 s instead of 213 s). Tests of thread-count invariance set their own
# limits (threadpoolctl) inside this one.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

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
def three_blobs():
    """``three_blobs(n, seed=3)``: n rows of three overlapping 2-D blobs."""

    def draw(n, seed=3):
        rng = np.random.RandomState(seed)
        centres = np.array([[0.0, 0.0], [1.5, 1.5], [0.0, 1.5]])
        return centres[rng.randint(3, size=n)] + rng.randn(n, 2)

    return draw


@pytest.fixture(autouse=True)
def _registry_as_found():
    """Every test leaves the covariance registry as it found it.

    A structure a test registers, or that unpickling adopts, would otherwise
    be offered to every later test in the same process (and carried by its
    pickles).
    """
    from gmm_estimators.covariance import available_covariance_types, unregister

    before = set(available_covariance_types())
    yield
    for name in set(available_covariance_types()) - before:
        unregister(name)


@pytest.fixture
def rng():
    """A fresh, seeded random number generator for each test."""
    return np.random.RandomState(0)


# ------------------------------------------------------------------ scheduling
# With two workers the suite's wall time is that of the busier worker: a long
# test dealt out last keeps one worker busy while the other idles. So the tests
# that take seconds are dealt out first, each to the worker with the least long
# work so far, at the head of that worker's share, and at the end the workers
# steal short tests from each other (``--dist worksteal``). This changes only
# the order in which tests run; every test runs, with the same fixtures.
# Measured CPU seconds on the 2-core machine (approximate; only their order
# matters):
_MCLUST = "tests/test_mclust_selection.py::test_default_search_reaches_mclust"
_LONG_TESTS = {
    f"{_MCLUST}[thyroid]": 22,
    "tests/test_gaussian_mixture.py::test_sklearn_structure_sensitive_checks["
    "GaussianMixture(covariance_type='EVE',n_components=3)-"
    "check_sample_weight_equivalence_on_dense_data]": 11,
    f"{_MCLUST}[iris]": 10,
    f"{_MCLUST}[banknote]": 9,
    "tests/engine/test_dask.py::test_local_cluster_with_two_worker_processes": 8,
    f"{_MCLUST}[diabetes]": 8,
    "tests/cli/test_app.py::test_no_arguments_selects_on_old_faithful": 7,
    f"{_MCLUST}[elongated]": 7,
    f"{_MCLUST}[faithful]": 6,
    "tests/model_selection/test_model_selection.py::test_selector_picks_true_model": 3,
}


def pytest_collection_modifyitems(config, items):
    """Deal the long tests out first, longest first, to the least loaded worker."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return  # not an xdist worker: the order does not matter
    n_workers = int(workerinput["workercount"])
    long = sorted(
        (item for item in items if item.nodeid in _LONG_TESTS),
        key=lambda item: -_LONG_TESTS[item.nodeid],
    )
    rest = [item for item in items if item.nodeid not in _LONG_TESTS]
    heads, loads = [[] for _ in range(n_workers)], [0] * n_workers
    for item in long:
        worker = loads.index(min(loads))
        heads[worker].append(item)
        loads[worker] += _LONG_TESTS[item.nodeid]
    # worksteal hands the first len(items) // n_workers tests to the first
    # worker, the next share to the second, and so on.
    ordered, remaining = [], len(items)
    for worker, head in enumerate(heads):
        share = max(remaining // (n_workers - worker), len(head))
        ordered += head + rest[: share - len(head)]
        rest = rest[share - len(head) :]
        remaining -= share
    items[:] = ordered + rest


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``-n 2`` balances by work stealing (pytest-xdist's ``--dist worksteal``).

    The default ``load`` scheduling keeps a worker's batch while it runs long
    tests, so the long tests dealt out above could end up on one worker.
    """
    if config.getoption("dist") == "load":
        from xdist.scheduler import WorkStealingScheduling

        return WorkStealingScheduling(config, log)
    return None


class _NoPandas:
    """A meta-path finder that refuses to import pandas (see ``without_pandas``)."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("No module named 'pandas'", name="pandas")
        return None


@pytest.fixture
def without_pandas(monkeypatch):
    """Run as if pandas were not installed (no extra of the package needs it).

    pandas leaves ``sys.modules`` (scikit-learn then takes nothing for a
    DataFrame) and its import fails; the modules come back afterwards.
    """
    import sys

    for name in [m for m in sys.modules if m == "pandas" or m.startswith("pandas.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoPandas(), *sys.meta_path])


@pytest.fixture
def random_clusters():
    """``random_clusters(seed)``: ``(X, k, rng)``, k seeded clusters of unequal
    spread about 10 (300, 700 or 1,500 rows, 2 to 4 features and components),
    and the ``RandomState`` that drew the sizes, for what a test draws next.
    """

    def draw(seed):
        rng = np.random.RandomState(seed)
        n = int(rng.choice([300, 700, 1500]))
        d, k = int(rng.randint(2, 5)), int(rng.randint(2, 5))
        g = np.random.RandomState(seed)
        centers, labels = g.randn(k, d) * 4, g.randint(k, size=n)
        scales = g.uniform(0.5, 1.5, size=(k, d))
        X = centers[labels] + g.randn(n, d) * scales[labels] + 10.0
        return X, k, rng

    return draw
