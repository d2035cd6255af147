"""Out-of-core fits: peak memory and time of a memory-mapped fit against in memory.

Three measurements, each in a fresh subprocess so that its peak resident
memory (``VmHWM`` of ``/proc/self/status``, which counts the pages of a
memory map the process touched) is its own:

1. ``memmap``: a full-covariance fit of an ``n x d`` float32 array in a
   ``.npy`` memory map on disk, ``K`` components, ``--iters`` EM iterations
   from a fixed start (``means_init``/``precisions_init`` from a k-means on a
   sample, the same for every run);
2. ``memory``: the same fit with the array loaded in memory first;
3. ``default-init``: a default fit (k-means start) of an in-memory float64
   array (the issue's 5,000,000 x 16, 610 MiB), peak memory above the data.

The file is written block by block and read once before the timed runs, so
both fits read it from the page cache. Ratios are printed; nothing is
asserted.

Usage::

    PYTHONPATH=. python benchmarks/bench_out_of_core.py             # small
    PYTHONPATH=. python benchmarks/bench_out_of_core.py --n 40000000  # the issue's
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time, warnings
import numpy as np
from gmm_estimators import GaussianMixture

def peak_rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) * 1024
    return 0

def reset_peak():
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS, so the
    # peak measured is the fit's, not the loading's.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass

def current_rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) * 1024
    return 0

args = json.loads(sys.argv[1])
warnings.simplefilter("ignore")
if args["mode"] == "default-init":
    rng = np.random.RandomState(0)
    n, d, k = args["n"], args["d"], args["k"]
    centers = rng.uniform(-10, 10, size=(k, d))
    X = np.empty((n, d))
    for start in range(0, n, 1_000_000):
        stop = min(n, start + 1_000_000)
        X[start:stop] = centers[rng.randint(k, size=stop - start)]
        X[start:stop] += rng.randn(stop - start, d)
    reset_peak()
    base = current_rss()
    t = time.perf_counter()
    model = GaussianMixture(k, max_iter=args["iters"], tol=0, random_state=0,
                            init_params=args["init"]).fit(X)
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "peak": peak_rss(), "base": base,
                      "data": X.nbytes, "lower_bound": model.lower_bound_}))
    sys.exit()
if args["mode"] == "memory":
    X = np.load(args["path"])  # read into memory, not mapped
else:
    X = np.load(args["path"], mmap_mode="r")
start = np.load(args["start"])
reset_peak()
base = current_rss()
model = GaussianMixture(
    args["k"], covariance_type="full", max_iter=args["iters"], tol=0,
    weights_init=start["weights"], means_init=start["means"],
    precisions_init=start["precisions"],
)
t = time.perf_counter()
model.fit(X)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "peak": peak_rss(), "base": base,
                  "data": X.shape[0] * X.shape[1] * X.dtype.itemsize,
                  "lower_bound": model.lower_bound_}))
"""


def run_child(args):
    env = dict(os.environ)
    env["PYTHONPATH"] = (
        str(Path(__file__).resolve().parents[1])
        + os.pathsep
        + env.get("PYTHONPATH", "")
    )
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_data(path, n, d, k, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.uniform(-10, 10, size=(k, d))
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    for start in range(0, n, 1_000_000):
        stop = min(n, start + 1_000_000)
        block = centers[rng.randint(k, size=stop - start)]
        block += rng.randn(stop - start, d)
        X[start:stop] = block
    X.flush()
    del X


def write_start(path, data_path, k):
    from sklearn.cluster import KMeans

    X = np.load(data_path, mmap_mode="r")
    rows = np.sort(np.random.RandomState(1).choice(X.shape[0], 20_000, replace=False))
    sample = np.asarray(X[rows], dtype=np.float64)
    labels = KMeans(k, n_init=1, random_state=0).fit(sample).labels_
    means = np.array([sample[labels == j].mean(0) for j in range(k)])
    precisions = np.array(
        [
            np.linalg.inv(np.cov(sample[labels == j].T) + 1e-6 * np.eye(X.shape[1]))
            for j in range(k)
        ]
    )
    weights = np.bincount(labels, minlength=k) / labels.size
    np.savez(path, weights=weights, means=means, precisions=precisions)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4_000_000)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--init-n", type=int, default=5_000_000)
    parser.add_argument("--dir", default=None, help="where to write the data file")
    parser.add_argument("--skip-init", action="store_true")
    parser.add_argument(
        "--modes", default="memmap,memory", help="comma-separated: memmap,memory"
    )
    args = parser.parse_args()
    gib = args.n * args.d * 4 / 2**30
    print(
        f"# out-of-core: n={args.n:,} d={args.d} K={args.k} float32 "
        f"({gib:.2f} GiB), {args.iters} iterations, full covariance"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = os.path.join(tmp, "X.npy")
        start = os.path.join(tmp, "start.npz")
        t = time.perf_counter()
        write_data(path, args.n, args.d, args.k)
        write_start(start, path, args.k)
        print(f"# data written in {time.perf_counter() - t:.0f} s")
        with open(path, "rb") as f:  # into the page cache
            while f.read(2**26):
                pass
        common = {"path": path, "start": start, "k": args.k, "iters": args.iters}
        rows = {}
        for mode in args.modes.split(","):
            rows[mode] = run_child({**common, "mode": mode})
        print(
            f"{'mode':<10}{'s/iter':>10}{'peak RSS MiB':>14}{'above start MiB':>17}"
            f"{'peak/data':>11}{'mean log-lik':>16}"
        )
        for mode, r in rows.items():
            print(
                f"{mode:<10}{r['seconds'] / args.iters:>10.2f}"
                f"{r['peak'] / 2**20:>14.0f}{(r['peak'] - r['base']) / 2**20:>17.0f}"
                f"{r['peak'] / r['data']:>11.3f}{r['lower_bound']:>16.8f}"
            )
        if len(rows) == 2:
            ratio = rows["memmap"]["seconds"] / rows["memory"]["seconds"]
            print(f"time ratio memmap / memory: {ratio:.2f}  (target <= 1.5)")
            print(
                "peak RSS of the memmap fit / data: "
                f"{rows['memmap']['peak'] / rows['memmap']['data']:.3f}"
                "  (target <= 0.20)"
            )
            diff = abs(rows["memmap"]["lower_bound"] - rows["memory"]["lower_bound"])
            print(f"|log-lik difference|: {diff:.2e}")
    if not args.skip_init:
        print(
            f"\n# default start in memory: n={args.init_n:,} d={args.d} "
            f"K={args.k} float64, max_iter=2"
        )
        print(
            f"{'init':<10}{'seconds':>10}{'data MiB':>10}{'extra MiB':>11}"
            f"{'extra/data':>12}"
        )
        for init in ("kmeans", "hc"):
            r = run_child(
                {
                    "mode": "default-init",
                    "n": args.init_n,
                    "d": args.d,
                    "k": args.k,
                    "iters": 2,
                    "init": init,
                }
            )
            extra = r["peak"] - r["base"]
            print(
                f"{init:<10}{r['seconds']:>10.1f}{r['data'] / 2**20:>10.0f}"
                f"{extra / 2**20:>11.0f}{extra / r['data']:>12.3f}"
            )
        print("(target: extra/data <= 0.25)")


if __name__ == "__main__":
    main()
