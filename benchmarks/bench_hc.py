"""Benchmark the model-based hierarchical agglomeration (``init_params="hc"``).

Times ``gmm_estimators``' agglomeration under mclust's VVV criterion on the
2,000-row subset it works on (``_initialization._hierarchical.MAX_ROWS``), for
d = 2, 4 and 8, on seeded data: five well-separated anisotropic Gaussian
clusters and 5% of uniform noise. Two things are timed on our side:

* ``hc_merges``: the agglomeration of the transformed distinct rows into one
  group (the whole tree), the part that R's mclust runs in Fortran;
* ``hc_labels``: the whole initialiser (distinct rows, SVD transformation,
  agglomeration, cut), here cut at one group so that it also builds the whole
  tree.

When ``Rscript`` and the R package mclust are available, mclust's
``hc(X, modelName = "VVV", use = "SVD")`` (the transformation ``Mclust()``
uses for its initialisation, ``mclust.options("hcUse")``) is timed on the
same data in a fresh ``Rscript`` per case, and its partition at five groups
is compared with ours. Without R the mclust columns are skipped.

Timings are the best of ``--repeats`` runs (``time.perf_counter`` in Python,
``system.time`` elapsed in R, both excluding start-up and data loading).

Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_hc.py            # d = 2, 4, 8
    PYTHONPATH=. python benchmarks/bench_hc.py --d 4 --repeats 5 --no-r
"""

import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy
import sklearn
from _common import (
    add_repeats,
    add_seed,
    cpu_model,
    load_average,
    make_parser,
    markdown_table,
    r_description,
)
from sklearn.metrics import adjusted_rand_score

from gmm_estimators._initialization._hierarchical import (
    MAX_ROWS,
    hc_labels,
    hc_merges,
    svd_transform,
)

N_CLUSTERS = 5
NOISE = 0.05

# Runs in a fresh Rscript per case; prints "key value" lines and writes the
# partition at k groups (int32) next to the data.
R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
workdir <- args[1]
n <- as.integer(args[2]); d <- as.integer(args[3])
repeats <- as.integer(args[4]); k <- as.integer(args[5])
suppressPackageStartupMessages(library(mclust))
con <- file(file.path(workdir, "X.bin"), "rb")
X <- matrix(readBin(con, "double", n * d, size = 8, endian = "little"), n, d)
close(con)
best <- Inf
for (i in seq_len(repeats)) {
  gc()
  seconds <- system.time(tree <- hc(X, modelName = "VVV", use = "SVD"))
  best <- min(best, seconds[["elapsed"]])
}
cat("seconds", format(best, digits = 17), "\n")
writeBin(as.integer(hclass(tree, k)), file.path(workdir, "labels.bin"),
         size = 4, endian = "little")
"""

R_VERSION_SCRIPT = r"""
suppressPackageStartupMessages(library(mclust))
cat("R:", R.version.string, "\n")
cat("mclust:", as.character(packageVersion("mclust")), "\n")
"""


def parse_args(argv=None):
    """Parse the command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    args : argparse.Namespace
    """
    parser = make_parser(__doc__)
    parser.add_argument(
        "--d",
        type=int,
        action="append",
        help="number of features (repeatable; default: 2, 4 and 8)",
    )
    parser.add_argument(
        "--n", type=int, default=MAX_ROWS, help="rows (default: %(default)s)"
    )
    add_repeats(
        parser, 3, "runs of each timing, the best counts (default: %(default)s)"
    )
    add_seed(parser, help="data seed")
    parser.add_argument("--no-r", action="store_true", help="do not run mclust")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.n < N_CLUSTERS:
        parser.error(f"--repeats must be >= 1 and --n >= {N_CLUSTERS}")
    args.d = args.d or [2, 4, 8]
    return args


def make_data(n, d, seed):
    """Well-separated anisotropic Gaussian clusters plus uniform noise.

    Returns
    -------
    X : ndarray of shape (n, d)
    """
    rng = np.random.default_rng([seed, d])
    centres = 8.0 * rng.standard_normal((N_CLUSTERS, d))
    labels = rng.integers(N_CLUSTERS, size=n)
    X = centres[labels] + rng.standard_normal((n, d)) @ (0.3 + rng.random((d, d)))
    n_noise = int(NOISE * n)
    X[:n_noise] = rng.uniform(X.min(axis=0), X.max(axis=0), size=(n_noise, d))
    return X


def best_time(function, repeats):
    """Best wall-clock seconds of ``repeats`` calls, and the last result."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_r(X, repeats, k):
    """Best seconds of mclust's ``hc`` on ``X`` and its partition at ``k``."""
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        script = workdir / "bench.R"
        script.write_text(R_SCRIPT)
        # Column-major doubles for R's matrix().
        np.ascontiguousarray(X.T).tofile(workdir / "X.bin")
        n, d = X.shape
        command = [shutil.which("Rscript"), str(script), str(workdir)]
        command += [str(n), str(d), str(repeats), str(k)]
        output = subprocess.run(command, capture_output=True, text=True)
        if output.returncode != 0:
            raise RuntimeError(f"Rscript failed:\n{output.stderr}")
        values = dict(line.split() for line in output.stdout.splitlines() if line)
        labels = np.fromfile(workdir / "labels.bin", dtype="<i4")
    return float(values["seconds"]), labels


def time_case(n, d, args, with_r):
    """Time one case; returns a dict of the measured figures."""
    X = make_data(n, d, args.seed)
    distinct, counts = np.unique(X, axis=0, return_counts=True)
    Z = svd_transform(distinct, counts.astype(float))(distinct)
    merges_s, _ = best_time(lambda: hc_merges(Z, counts.astype(float)), args.repeats)
    labels_s, _ = best_time(lambda: hc_labels(X, 1), args.repeats)
    result = {"d": d, "n": n, "distinct": len(distinct)}
    result.update(hc_merges_s=merges_s, hc_labels_s=labels_s)
    if with_r:
        result["mclust_s"], r_labels = run_r(X, args.repeats, N_CLUSTERS)
        ours = hc_labels(X, N_CLUSTERS)
        result["same_partition"] = adjusted_rand_score(r_labels, ours) == 1.0
    return result


def main(argv=None):
    """Run the benchmark and print the report.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments.

    Returns
    -------
    results : list of dict
        One dict of figures per case.
    """
    args = parse_args(argv)
    r_lines = None if args.no_r else r_description(R_VERSION_SCRIPT)
    load = load_average()
    print(f"# bench_hc  ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    print(f"- CPU: {cpu_model()}; cpu_count={os.cpu_count()}")
    print(f"- {platform.platform()}, Python {platform.python_version()}")
    print(
        f"- numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}"
    )
    if r_lines is None:
        reason = "--no-r" if args.no_r else "needs Rscript and the R package mclust"
        print(f"- mclust: skipped ({reason})")
    else:
        print("\n".join(f"- {line}" for line in r_lines))
    print(f"- load average before the run: {load}")
    print(
        f"\n{args.n} rows, {N_CLUSTERS} clusters and {NOISE:.0%} noise, best of "
        f"{args.repeats}, seed {args.seed}\n",
        flush=True,
    )

    results = []
    for d in args.d:
        results.append(time_case(args.n, d, args, r_lines is not None))
        print(f"  d={d} done", flush=True)

    headers = ["d", "rows (distinct)", "ours hc_merges s", "ours hc_labels s"]
    if r_lines is not None:
        headers += ["mclust hc() s", "mclust / ours", "same partition at 5"]
    rows = []
    for result in results:
        row = [
            str(result["d"]),
            f"{result['n']} ({result['distinct']})",
            f"{result['hc_merges_s']:.3f}",
            f"{result['hc_labels_s']:.3f}",
        ]
        if r_lines is not None:
            row += [
                f"{result['mclust_s']:.3f}",
                f"{result['mclust_s'] / result['hc_labels_s']:.1f}",
                "yes" if result["same_partition"] else "NO",
            ]
        rows.append(row)
    print()
    print(markdown_table(headers, rows))
    if r_lines is not None:
        print(
            "\nmclust / ours: mclust's hc() over our hc_labels (above 1: ours is "
            "faster)."
        )
    return results


if __name__ == "__main__":
    main()
