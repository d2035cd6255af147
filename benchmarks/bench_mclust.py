"""Benchmark the VVV EM iteration of ``gmm_estimators`` against R's mclust.

Optional: it needs ``Rscript`` on the PATH and the R package mclust; without
them it prints that the comparison was skipped and exits with status 0.

Both sides run the EM algorithm of the unconstrained model (mclust's ``VVV``,
scikit-learn's ``full``) on the same seeded data from the same starting
partition, a k-means labelling computed once in Python and handed to R:

* ``ours``: ``gmm_estimators.GaussianMixture(K, covariance_type="VVV", tol=0,
  reg_covar=0, max_iter=m)`` started from the weights, means and precisions of
  that partition (the M-step on it);
* ``mclust me()``: ``me(modelName="VVV", data=X, z=unmap(cl),
  control=emControl(tol=c(0, ...), itmax=c(m, ...)))``, mclust's compiled EM
  loop, the one ``Mclust()`` runs; its first step is the M-step on the
  partition;
* ``mclust estep+mstep``: the same iterations as a loop of R calls,
  ``for (i in 1:m) {ms <- mstep("VVV", X, z); z <- estep("VVV", X,
  ms$parameters)$z}``.

mclust's VVV M-step adds nothing to the covariances, hence ``reg_covar=0`` on
our side. After ``m`` iterations both sides have run ``m`` M-steps and ``m``
E-steps, and the log-likelihood of the last E-step (of the parameters of the
``m - 1``-th M-step after the start) is ``me()``'s ``loglik``, the loop's
``estep(...)$loglik`` and our ``lower_bound_ * n``: the three must agree.

Seconds per iteration are ``(t(m) - t(1)) / (m - 1)`` from the best of the
interleaved repeats for ``ours`` and ``me()`` (removing each side's fixed cost:
validation, copies of the data, set-up) and ``t(m) / m`` for the loop of R
calls. The issue's target is an iteration 20 times faster than mclust's.

Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_mclust.py --quick   # n = 20,000: ~20 s
    PYTHONPATH=. python benchmarks/bench_mclust.py           # n = 200,000
"""

import json
import shutil
import subprocess
import tempfile
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from _common import (
    MATMUL_SIZE,
    QUICK_MATMUL_SIZE,
    add_json,
    add_quick,
    add_repeats,
    add_seed,
    case_from_args,
    header_lines,
    load_average,
    machine_info,
    make_parser,
    markdown_table,
    matmul_gflops,
    r_description,
)
from bench_em import (
    KMEANS_SUBSAMPLE,
    Contender,
    relative_difference,
    summarise,
    time_contenders,
)
from bench_em import make_data as make_clustered_data
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

FULL = {"n": 200_000, "d": 16, "k": 16}
QUICK = {"n": 20_000, "d": 16, "k": 16}
COVARIANCE_TYPE = "VVV"
OURS_MODULE = "gmm_estimators"
TARGET_RATIO = 20.0
REL_TOLERANCE = 1e-6

# Runs in a fresh Rscript per repeat; prints "key value" lines.
R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
workdir <- args[1]
n <- as.integer(args[2]); d <- as.integer(args[3]); K <- as.integer(args[4])
iters <- as.integer(args[5]); loop <- as.logical(args[6])
suppressPackageStartupMessages(library(mclust))
con <- file(file.path(workdir, "X.bin"), "rb")
X <- matrix(readBin(con, "double", n * d, size = 8, endian = "little"), n, d)
close(con)
con <- file(file.path(workdir, "labels.bin"), "rb")
cl <- readBin(con, "integer", n, size = 4, endian = "little") + 1L
close(con)
z0 <- unmap(cl)
stopifnot(ncol(z0) == K)
emit <- function(key, value) cat(key, format(value, digits = 17), "\n")
# tol = 0: never converged, so exactly itmax iterations.
control <- function(m) {
  emControl(tol = c(0, sqrt(.Machine$double.eps)), itmax = c(m, .Machine$integer.max))
}
for (m in unique(c(1L, iters))) {
  gc()
  seconds <- system.time(
    fit <- me(data = X, modelName = "VVV", z = z0, control = control(m))
  )[["elapsed"]]
  emit(sprintf("me_%d_seconds", m), seconds)
  emit(sprintf("me_%d_loglik", m), fit$loglik)
  emit(sprintf("me_%d_iterations", m), abs(attr(fit, "info")[["iterations"]]))
}
if (loop) {
  gc()
  z <- z0
  seconds <- system.time(for (i in seq_len(iters)) {
    ms <- mstep(data = X, modelName = "VVV", z = z)
    es <- estep(data = X, modelName = "VVV", parameters = ms$parameters)
    z <- es$z
  })[["elapsed"]]
  emit("loop_seconds", seconds)
  emit("loop_loglik", es$loglik)
}
"""

R_VERSION_SCRIPT = r"""
suppressPackageStartupMessages(library(mclust))
cat("R:", R.version.string, "\n")
cat("mclust:", as.character(packageVersion("mclust")), "\n")
cat("BLAS:", extSoftVersion()[["BLAS"]], "\n")
cat("LAPACK:", La_library(), La_version(), "\n")
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
    add_quick(parser, help=f"case {QUICK} instead of {FULL}")
    parser.add_argument("--n", type=int, help="override the number of rows")
    parser.add_argument("--d", type=int, help="override the number of features")
    parser.add_argument("--k", type=int, help="override the number of components")
    parser.add_argument(
        "--iters",
        type=int,
        default=6,
        help="EM iterations of the long runs (>= 2); each side is also timed "
        "with 1 (default: %(default)s)",
    )
    add_repeats(
        parser, 2, "interleaved repeats, the best counts (default: %(default)s)"
    )
    add_seed(parser, help="data and k-means seed")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="BLAS/OpenMP threads for ours; 0 keeps the libraries' defaults "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--no-loop",
        action="store_true",
        help="do not time the loop of R estep/mstep calls (only me())",
    )
    add_json(parser)
    args = parser.parse_args(argv)
    if args.iters < 2 or args.repeats < 1:
        parser.error("--iters must be >= 2 and --repeats >= 1")
    return args


def starting_partition(X, k, seed):
    """k-means labels of every row, the centres fitted on a subsample.

    Returns
    -------
    labels : ndarray of shape (n,), dtype=int32
    """
    rng = np.random.default_rng(seed)
    size = min(len(X), KMEANS_SUBSAMPLE)
    sub = X[rng.choice(len(X), size, replace=False)]
    kmeans = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(sub)
    labels = kmeans.predict(X).astype(np.int32)
    counts = np.bincount(labels, minlength=k)
    if counts.min() <= X.shape[1]:
        raise RuntimeError(
            f"a k-means cluster has {counts.min()} rows, too few for a full "
            f"covariance in {X.shape[1]} dimensions; try another --seed"
        )
    return labels


def partition_parameters(X, labels, k):
    """The maximum-likelihood M-step on a hard partition (as mclust's mstep).

    Returns
    -------
    init : dict
        ``weights_init``, ``means_init`` and ``precisions_init`` (full
        matrices), without any regularisation.
    """
    n, d = X.shape
    weights = np.empty(k)
    means = np.empty((k, d))
    precisions = np.empty((k, d, d))
    for j in range(k):
        rows = X[labels == j]
        weights[j] = len(rows) / n
        means[j] = rows.mean(axis=0)
        centred = rows - means[j]
        covariance = centred.T @ centred / len(rows)
        precision = np.linalg.inv(covariance)
        precisions[j] = 0.5 * (precision + precision.T)
    return {"weights_init": weights, "means_init": means, "precisions_init": precisions}


def run_r(workdir, case, iters, loop):
    """One Rscript run: me() with 1 and ``iters`` iterations, and the loop.

    Returns
    -------
    values : dict
        ``{"me_1_seconds": ..., "me_6_loglik": ..., "loop_seconds": ...}``.
    """
    script = Path(workdir) / "bench.R"
    script.write_text(R_SCRIPT)
    command = [
        shutil.which("Rscript"),
        str(script),
        str(workdir),
        str(case["n"]),
        str(case["d"]),
        str(case["k"]),
        str(iters),
        "TRUE" if loop else "FALSE",
    ]
    output = subprocess.run(command, capture_output=True, text=True)
    if output.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{output.stderr}")
    values = {}
    for line in output.stdout.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            values[key] = float(value)
    return values


def time_ours(X, init, case, iters, seed):
    """Best times of our fits with 1 and ``iters`` iterations (one repeat)."""
    params = {
        "n_components": case["k"],
        "covariance_type": COVARIANCE_TYPE,
        "tol": 0.0,
        "reg_covar": 0.0,
        "max_iter": iters,
        "n_init": 1,
        "random_state": seed,
        **init,
    }
    contender = Contender("ours", OURS_MODULE, X, params)
    times, estimators = time_contenders([contender], 1, with_one_iter=True)
    return contender, times["ours"], estimators["ours"]


def main(argv=None):
    """Run the comparison and print the report.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments.

    Returns
    -------
    result : dict or None
        Everything printed, or None when R/mclust is not available.
    """
    args = parse_args(argv)
    r_lines = r_description(R_VERSION_SCRIPT)
    if r_lines is None:
        print(
            "bench_mclust: R/mclust not available, skipped (needs Rscript on the "
            "PATH and the R package mclust)."
        )
        return None
    case = case_from_args(args, FULL, QUICK)
    n, d, k, m = case["n"], case["d"], case["k"], args.iters

    size = QUICK_MATMUL_SIZE if args.quick else MATMUL_SIZE
    gflops = {"float64": matmul_gflops("float64", size)}
    lines = header_lines("bench_mclust", machine_info(OURS_MODULE), gflops, size)
    lines += [f"- {line}" for line in r_lines]
    load = load_average()
    lines.append(
        f"- load average before the run: {load}; ours limited to "
        f"{args.threads if args.threads else 'the default number of'} thread(s)"
    )
    print("\n".join(lines), flush=True)
    print(
        f"\ncase: VVV EM, n={n}, d={d}, K={k}, {m} iterations (and 1), best of "
        f"{args.repeats} interleaved repeats, seed {args.seed}",
        flush=True,
    )

    X = make_clustered_data(n, d, k, "float64", args.seed)
    labels = starting_partition(X, k, args.seed)
    init = partition_parameters(X, labels, k)

    r_runs, ours_times = [], {"fit": [], "one_iter": []}
    with tempfile.TemporaryDirectory() as workdir:
        # Column-major doubles for R's matrix(); 0-based int32 labels.
        np.ascontiguousarray(X.T).tofile(Path(workdir) / "X.bin")
        labels.tofile(Path(workdir) / "labels.bin")
        for repeat in range(args.repeats):
            r_runs.append(run_r(workdir, case, m, not args.no_loop))
            # A fresh context each time: threadpoolctl applies limits on creation.
            limits = threadpool_limits(args.threads) if args.threads else nullcontext()
            with limits:
                contender, times, estimator = time_ours(X, init, case, m, args.seed)
            for key in ours_times:
                ours_times[key] += times[key]
            print(
                f"  [{repeat + 1}/{args.repeats}] mclust me(): 1 iter "
                f"{r_runs[-1]['me_1_seconds']:.2f} s, {m} iter "
                f"{r_runs[-1][f'me_{m}_seconds']:.2f} s; ours: 1 iter "
                f"{times['one_iter'][0]:.3f} s, {m} iter {times['fit'][0]:.3f} s",
                flush=True,
            )

    ours = summarise(contender, ours_times, estimator, "em")
    if ours["n_iter"] != m:
        raise RuntimeError(f"ours ran {ours['n_iter']} iterations, not {m}")
    ours_loglik = float(estimator.lower_bound_) * n
    best = {
        key: min(run[key] for run in r_runs) for key in r_runs[0] if "seconds" in key
    }
    last = r_runs[-1]
    for count in {1, m}:
        if int(last[f"me_{count}_iterations"]) != count:
            raise RuntimeError(f"me() ran {last[f'me_{count}_iterations']} iterations")
    flops = 4.0 * n * k * d**2  # model flops per VVV iteration

    sides = [
        {
            "side": "ours",
            "method": "GaussianMixture(covariance_type='VVV', tol=0, reg_covar=0)",
            "s_per_iter": ours["time_s"],
            "loglik": ours_loglik,
        },
        {
            "side": "mclust",
            "method": "me(modelName='VVV')",
            "s_per_iter": (best[f"me_{m}_seconds"] - best["me_1_seconds"]) / (m - 1),
            "loglik": last[f"me_{m}_loglik"],
        },
    ]
    if not args.no_loop:
        sides.append(
            {
                "side": "mclust",
                "method": "mstep + estep (R loop)",
                "s_per_iter": best["loop_seconds"] / m,
                "loglik": last["loop_loglik"],
            }
        )
    rows = []
    for side in sides:
        side["ratio"] = side["s_per_iter"] / sides[0]["s_per_iter"]
        side["gflops"] = flops / side["s_per_iter"] / 1e9
        side["rel_diff"] = relative_difference(side["loglik"], ours_loglik)
        flag = " (!)" if side["rel_diff"] > REL_TOLERANCE else ""
        rows.append(
            [
                side["side"],
                side["method"],
                f"{side['s_per_iter']:.4g}",
                f"{side['ratio']:.1f}" if side is not sides[0] else "1",
                f"{side['gflops']:.2f} ({side['gflops'] / gflops['float64']:.1%})",
                f"{side['loglik']:.8f}",
                "-" if side is sides[0] else f"{side['rel_diff']:.1e}{flag}",
            ]
        )
    headers = [
        "side",
        "method",
        "s/iter",
        "ratio to ours",
        "GFLOP/s (of matmul)",
        f"loglik after {m} iter",
        "rel diff vs ours",
    ]
    print(f"\n## Results (VVV, n={n}, d={d}, K={k})\n")
    print(markdown_table(headers, rows))
    ratio = sides[1]["ratio"]
    print(
        f"\ns/iter: ours and me() (t({m}) - t(1)) / {m - 1}, the R loop t({m}) / {m}; "
        f"best of {args.repeats}. GFLOP/s by the model 4 n K d^2 flops per iteration."
        f"\nloglik: total log-likelihood computed by the {m}-th E-step (our "
        "lower_bound_ * n), same start, same iterations."
        f"\nmclust me() / ours = {ratio:.1f}x per iteration (target >= "
        f"{TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})"
    )
    flagged = [s["method"] for s in sides[1:] if s["rel_diff"] > REL_TOLERANCE]
    if flagged:
        print(f"(!) log-likelihoods disagree beyond {REL_TOLERANCE:g}: {flagged}")
    result = {
        "case": {**case, "iters": m, "repeats": args.repeats, "seed": args.seed},
        "r": r_lines,
        "matmul_gflops": gflops,
        "r_runs": r_runs,
        "ours": ours,
        "sides": sides,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
        print(f"\nraw results written to {args.json}")
    return result


if __name__ == "__main__":
    main()
