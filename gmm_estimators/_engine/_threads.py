"""Threads: row blocks on a thread pool, BLAS held to one thread."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache

# threadpoolctl is a dependency of scikit-learn itself, so always present.
from threadpoolctl import ThreadpoolController

__all__ = ["block_mapper", "one_blas_thread"]


@contextmanager
def block_mapper(data, model, n_components):
    """A ``map`` over row blocks that uses one thread per core when it pays.

    Blocks are independent, so they run on a thread pool (numpy releases the
    GIL in its kernels) while BLAS is held to one thread: on the small
    per-block products, block-level parallelism is faster than BLAS's own and
    does not oversubscribe the cores. Holding BLAS to one thread also makes
    results bitwise reproducible whatever the machine's thread settings. The
    number of worker threads is BLAS's own setting, so ``threadpoolctl``
    limits and ``OMP_NUM_THREADS`` apply.
    """
    n_blocks = sum(1 for _ in data.blocks(model, n_components))
    # Asking the BLAS libraries for their setting costs more than a small
    # fit's E-step: not needed when there is one block to map.
    n_threads = 1 if n_blocks <= 1 else min(n_blocks, _blas_threads())
    with one_blas_thread():
        if n_threads <= 1:
            yield map
            return
        with ThreadPoolExecutor(n_threads) as executor:
            yield executor.map


def one_blas_thread():
    """Context in which BLAS runs on one thread.

    The engine's own threads work on row blocks (:func:`block_mapper`); the
    hierarchical merges, whose products are tiny, run inside this context, and
    so do the initialisers: scikit-learn's k-means
    parallelises with OpenMP, whose threads would otherwise compete for the
    cores with BLAS threads left spinning by the previous product.
    """
    return _threadpool_controller().limit(limits=1, user_api="blas")


@lru_cache(maxsize=1)
def _threadpool_controller():
    # Scanning the loaded libraries is slow; do it once per process.
    return ThreadpoolController()


def _blas_threads():
    info = _threadpool_controller().info()
    threads = [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]
    return max(threads, default=1)
