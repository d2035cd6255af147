"""Threads: row blocks on a thread pool, BLAS held to one thread."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache

# threadpoolctl is a dependency of scikit-learn itself, so always present.
from threadpoolctl import ThreadpoolController

__all__ = ["block_mapper", "limits_in_turn", "one_blas_thread"]


@contextmanager
def block_mapper(data, model, n_components):
    """A ``map`` over row blocks that uses one thread per core when it pays.

    Blocks are independent, so they run on a thread pool (numpy releases the
    GIL in its kernels) while BLAS is held to one thread: on the small
    per-block products, block-level parallelism is faster than BLAS's own and
    does not oversubscribe the cores. Holding BLAS to one thread also makes
    results bitwise reproducible whatever the machine's thread settings. The
    number of worker threads is BLAS's own setting, so ``threadpoolctl``
    limits and ``OMP_NUM_THREADS`` apply. Outside the main thread the blocks
    are mapped in turn and BLAS is left as the caller's scheduler set it.
    """
    n_blocks = sum(1 for _ in data.blocks(model, n_components))
    # Asking the BLAS libraries for their setting costs more than a small
    # fit's E-step: not needed when there is one block to map. In another
    # thread than the main one a scheduler (Dask's, joblib's) owns the
    # cores: no pool of its own.
    in_main = _in_main_thread()
    n_threads = 1 if n_blocks <= 1 or not in_main else min(n_blocks, _blas_threads())
    with one_blas_thread():
        if n_threads <= 1:
            yield map
            return
        with ThreadPoolExecutor(n_threads) as executor:
            yield executor.map


@contextmanager
def one_blas_thread():
    """Context in which BLAS runs on one thread.

    The engine's own threads work on row blocks (:func:`block_mapper`); the
    hierarchical merges, whose products are tiny, run inside this context, and
    so do the initialisers: scikit-learn's k-means
    parallelises with OpenMP, whose threads would otherwise compete for the
    cores with BLAS threads left spinning by the previous product.

    BLAS's setting is the process's, and a context that saves it on entry
    and restores it on exit, entered from several threads at once (a Dask
    or joblib threading scheduler), can restore in the wrong order and
    leave the process on one thread. So only the main thread sets it (the
    first context entered limits it, the last one left restores it); in
    other threads, whose scheduler owns the cores, nothing is changed.
    """
    global _holders, _limiter
    if not _in_main_thread():
        yield
        return
    with _LOCK:
        if not _holders:
            _limiter = _threadpool_controller().limit(limits=1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _LOCK:
            _holders -= 1
            if not _holders:
                _limiter.restore_original_limits()
                _limiter = None


# The contexts of one_blas_thread now open, and the limiter the first set.
_LOCK = threading.Lock()
_holders = 0
_limiter = None


@contextmanager
def limits_in_turn():
    """Context in which code that sets BLAS's limits itself takes turns.

    scikit-learn's k-means saves and restores BLAS's setting around its
    iterations; from several worker threads at once the restores interleave
    as above. Outside the main thread such code runs one thread at a time.
    """
    if _in_main_thread():
        yield
        return
    with _TURNS:
        yield


_TURNS = threading.RLock()


def _in_main_thread():
    """Whether this thread owns the process's cores (no scheduler's worker)."""
    return threading.current_thread() is threading.main_thread()


@lru_cache(maxsize=1)
def _threadpool_controller():
    # Scanning the loaded libraries is slow; do it once per process.
    return ThreadpoolController()


def _blas_threads():
    info = _threadpool_controller().info()
    threads = [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]
    return max(threads, default=1)
