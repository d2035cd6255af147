"""Benchmark the two ways of applying a round of Givens rotations (EVE, VVE).

The Jacobi sweeps of the common orientation (``covariance._orientation``)
rotate ``d / 2`` disjoint planes per round. Applied as one dense orthogonal
matrix, a round is two batched products, ``O(K d^3)``; applied to the paired
rows and columns (``covariance._givens``), a few elementwise operations and
one gather, ``O(K d^2)``. The package switches from the first to the second
at ``PAIRS_FROM_FEATURES`` features; this script measures both forms on the
same scatter matrices, in one thread, and prints the time of one sweep, the
ratio and the largest difference of their results (rounding only).

A second table times a whole EVE/VVE M-step (``_common_orientation``, up to
its convergence) with each form, from the same statistics.

Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_givens.py
    PYTHONPATH=. python benchmarks/bench_givens.py --quick
"""

import time
from functools import partial

import numpy as np
from _common import (
    QUICK_MATMUL_SIZE,
    add_quick,
    add_repeats,
    add_seed,
    header_lines,
    machine_info,
    make_parser,
    markdown_table,
    matmul_gflops,
)
from threadpoolctl import threadpool_limits

from gmm_estimators.covariance import _orientation

FULL_D = (8, 16, 32, 48, 64, 96, 128, 200, 300)
QUICK_D = (8, 32, 64, 128)


def parse_args(argv=None):
    """Parse the command line."""
    parser = make_parser(__doc__)
    add_quick(parser, help=f"d in {QUICK_D} only")
    add_repeats(parser, 5, "runs of each timing, the best counts (default: 5)")
    add_seed(parser)
    parser.add_argument(
        "--components", type=int, default=5, help="K (default: %(default)s)"
    )
    return parser.parse_args(argv)


def statistics(rng, n_components, d):
    """Counts and scatter matrices of ``K`` anisotropic components."""
    nk = rng.uniform(5 * d, 20 * d, n_components)
    scatter = np.empty((n_components, d, d))
    for k in range(n_components):
        rows = rng.normal(size=(3 * d, d)) * rng.uniform(0.1, 10.0, d)
        scatter[k] = rows.T @ rows * (nk[k] / (3 * d))
    return nk, scatter


def one_sweep(sweep, nk, scatter):
    """The time of one sweep from the features' axes, and its result."""
    d = scatter.shape[-1]
    variances = np.maximum(scatter.diagonal(axis1=1, axis2=2) / nk[:, None], 1e-300)
    first, second, rounds = _orientation._jacobi_rounds(d)
    inverse = 1.0 / variances
    weights = inverse[:, first] - inverse[:, second]
    identity = np.eye(d)
    start = time.perf_counter()
    axes, rotated = sweep(identity.copy(), scatter.copy(), weights, rounds, identity)
    return time.perf_counter() - start, axes @ rotated[0] @ axes.T


def whole_m_step(threshold, nk, scatter, equal_volume):
    """The time of one common-orientation M-step with the switch at ``threshold``."""
    saved = _orientation.PAIRS_FROM_FEATURES
    _orientation.PAIRS_FROM_FEATURES = threshold
    try:
        start = time.perf_counter()
        covariances, trace = _orientation._common_orientation(
            nk, scatter, equal_volume, _orientation._ORIENTATION_TOL, 100
        )
        return time.perf_counter() - start, covariances, len(trace) - 1
    finally:
        _orientation.PAIRS_FROM_FEATURES = saved


def best(repeats, run):
    """The fastest of ``repeats`` runs of ``run()`` and its last result."""
    times, result = [], None
    for _ in range(repeats):
        seconds, *result = run()
        times.append(seconds)
    return min(times), result


def main(argv=None):
    """Run the benchmark and print both tables."""
    args = parse_args(argv)
    info = machine_info("gmm_estimators")
    gflops = {"float64": matmul_gflops(np.float64, QUICK_MATMUL_SIZE)}
    print("\n".join(header_lines("bench_givens", info, gflops, QUICK_MATMUL_SIZE)))
    print(f"\nK = {args.components}, one thread, best of {args.repeats}\n")
    rng = np.random.default_rng(args.seed)
    sizes = QUICK_D if args.quick else FULL_D
    sweep_rows, step_rows = [], []
    with threadpool_limits(1):
        for d in sizes:
            nk, scatter = statistics(rng, args.components, d)
            dense, (dense_out,) = best(
                args.repeats,
                partial(one_sweep, _orientation._sweep_dense, nk, scatter),
            )
            pairs, (pairs_out,) = best(
                args.repeats,
                partial(one_sweep, _orientation._sweep_in_pairs, nk, scatter),
            )
            gap = np.abs(dense_out - pairs_out).max() / np.abs(dense_out).max()
            sweep_rows.append(
                [
                    str(d),
                    f"{dense * 1e3:.2f}",
                    f"{pairs * 1e3:.2f}",
                    f"{dense / pairs:.2f}",
                    f"{gap:.1e}",
                ]
            )
            for equal_volume, name in ((True, "EVE"), (False, "VVE")):
                timed = {}
                for label, threshold in (("dense", 10**9), ("pairs", 2)):
                    timed[label] = best(
                        max(1, args.repeats // 2),
                        partial(whole_m_step, threshold, nk, scatter, equal_volume),
                    )
                (t_dense, (_, n_dense)), (t_pairs, (_, n_pairs)) = (
                    timed["dense"],
                    timed["pairs"],
                )
                step_rows.append(
                    [
                        name,
                        str(d),
                        f"{n_dense} / {n_pairs}",
                        f"{t_dense * 1e3:.1f}",
                        f"{t_pairs * 1e3:.1f}",
                        f"{t_dense / t_pairs:.2f}",
                    ]
                )
            print(f"  d={d} done", flush=True)
    print()
    print(
        markdown_table(
            ["d", "dense ms/sweep", "pairs ms/sweep", "dense / pairs", "max rel diff"],
            sweep_rows,
        )
    )
    print()
    print(
        markdown_table(
            ["model", "d", "sweeps dense / pairs", "dense ms", "pairs ms", "ratio"],
            step_rows,
        )
    )
    print(
        f"\nThe package mixes pairs from d = {_orientation.PAIRS_FROM_FEATURES} on "
        "(dense / pairs above 1: the pairs are faster)."
    )


if __name__ == "__main__":
    main()
