"""Dask: a fit on a local cluster against the same fit in memory.

The data (``n x d`` float64, Gaussian clusters) is generated chunk by chunk
on the workers of a ``distributed.LocalCluster`` and persisted there; the
in-memory fit reads the same numbers gathered on the client. Both fits start
from the same parameters (``means_init``, ``weights_init``,
``precisions_init``), run ``--iters`` EM iterations with ``tol=0`` and must
agree to 1e-10 in mean log-likelihood. The script prints the time per
iteration with 1 and 2 worker processes, the ratio to the in-memory fit, and
the bytes a chunk sends per iteration (its statistics) against the bytes of
its rows, to check the cost model of ``doc/scaling.rst``.

Usage::

    PYTHONPATH=. python benchmarks/bench_dask.py               # 2,000,000 rows
    PYTHONPATH=. python benchmarks/bench_dask.py --n 10000000  # the issue's
"""

import argparse
import pickle
import time
import warnings

import numpy as np


def make_data(n, d, k, chunk_rows):
    import dask.array as da

    rng = np.random.RandomState(0)
    centers = rng.uniform(-10, 10, size=(k, d))

    def block(block_id=None):
        i = block_id[0]
        r = np.random.RandomState(1000 + i)
        rows = min(chunk_rows, n - i * chunk_rows)
        return centers[r.randint(k, size=rows)] + r.randn(rows, d)

    chunks = (
        (chunk_rows,) * (n // chunk_rows)
        + ((n % chunk_rows,) if n % chunk_rows else ()),
        (d,),
    )
    return da.map_blocks(block, chunks=chunks, dtype=np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    from distributed import Client, LocalCluster

    from gmm_estimators import GaussianMixture

    print(
        f"# Dask vs in memory: n={args.n:,} d={args.d} K={args.k} full covariance, "
        f"{args.iters} iterations, chunks of {args.chunk_rows:,} rows"
    )
    rows = {}
    X_memory = None
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            X = make_data(args.n, args.d, args.k, args.chunk_rows).persist()
            client.wait_for_workers(workers)
            if X_memory is None:
                X_memory = X.compute()
                sample = X_memory[:: max(1, args.n // 20_000)]
                start = GaussianMixture(args.k, max_iter=0, random_state=0).fit(sample)
                init = dict(
                    weights_init=start.weights_,
                    means_init=start.means_,
                    precisions_init=start.precisions_,
                )
            model = GaussianMixture(args.k, max_iter=args.iters, tol=0, **init)
            t = time.perf_counter()
            model.fit(X)
            rows[f"dask, {workers} worker(s)"] = (
                time.perf_counter() - t,
                model.lower_bound_,
            )
    model = GaussianMixture(args.k, max_iter=args.iters, tol=0, **init)
    t = time.perf_counter()
    model.fit(X_memory)
    rows["in memory"] = (time.perf_counter() - t, model.lower_bound_)
    reference = rows["in memory"]
    print(f"{'fit':<20}{'s/iter':>9}{'ratio':>8}{'mean log-lik':>20}{'|diff|':>10}")
    for name, (seconds, bound) in rows.items():
        print(
            f"{name:<20}{seconds / args.iters:>9.2f}{seconds / reference[0]:>8.2f}"
            f"{bound:>20.12f}{abs(bound - reference[1]):>10.1e}"
        )
    one, two = rows["dask, 1 worker(s)"][0], rows["dask, 2 worker(s)"][0]
    print(f"speed-up 1 -> 2 workers: {one / two:.2f}")
    # The cost model: what one chunk sends back per iteration.
    from gmm_estimators._engine import em_step
    from gmm_estimators._engine._data import ArraySource

    chunk = ArraySource.from_arrays(X_memory[: args.chunk_rows])
    params = model._params_from_attributes(chunk.center)
    _, stats = em_step(model._covariance_model(), chunk, params)
    sent = len(pickle.dumps(stats)) + 8
    print(
        f"per chunk and iteration: statistics {sent / 1024:.1f} KiB sent back, "
        f"parameters {len(pickle.dumps(params)) / 1024:.1f} KiB sent, rows "
        f"{args.chunk_rows * args.d * 8 / 2**20:.0f} MiB stay on the worker"
    )


if __name__ == "__main__":
    main()
