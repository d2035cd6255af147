"""What the benchmark scripts share: command-line parsing and the machine probe.

Every script describes the machine it ran on (CPU, libraries, BLAS thread
pools, load average, matrix-multiply rate) and parses a few common options
(``--quick``, ``--seed``, ``--repeats``, ``--json``, case overrides) the same
way; they live here once. The scripts are run from the repository root as
``python benchmarks/bench_*.py``, which puts this directory on ``sys.path``.
"""

import argparse
import importlib
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import scipy
import sklearn
from threadpoolctl import threadpool_info

MATMUL_SIZE = 4_000
QUICK_MATMUL_SIZE = 2_000
MATMUL_REPEATS = 3
ENV_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
)


# ------------------------------------------------------------------ arguments
def make_parser(doc):
    """An argument parser described by the first paragraph of ``doc``."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0])


def add_quick(parser, help):
    parser.add_argument("--quick", action="store_true", help=help)


def add_seed(parser, help="random seed"):
    parser.add_argument("--seed", type=int, default=0, help=help)


def add_repeats(parser, default, help):
    parser.add_argument("--repeats", type=int, default=default, help=help)


def add_json(parser):
    parser.add_argument("--json", type=Path, help="write raw results to this file")


def case_from_args(args, full, quick):
    """The case's sizes: ``quick`` or ``full``, then any ``--key`` override."""
    case = dict(quick if args.quick else full)
    for key in case:
        if getattr(args, key) is not None:
            case[key] = getattr(args, key)
    return case


# -------------------------------------------------------------- machine probe
def cpu_model():
    """Return the CPU model name from /proc/cpuinfo, or the platform's guess."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """The 1, 5 and 15 minute load averages, formatted (``?`` where unknown)."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return ", ".join(f"{x:.2f}" for x in load)


def machine_info(ours_module):
    """Describe the machine, the libraries and the BLAS.

    Parameters
    ----------
    ours_module : str
        Module of the estimator under test.

    Returns
    -------
    info : dict
    """
    module = importlib.import_module(ours_module)
    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "ours_module": ours_module,
        "ours_version": getattr(module, "__version__", "unknown"),
        "ours_file": getattr(module, "__file__", "unknown"),
        "env": {name: os.environ.get(name) for name in ENV_VARS},
        "threadpools": threadpool_info(),
    }


def matmul_gflops(dtype, size, repeats=MATMUL_REPEATS):
    """Best matrix-multiply rate of ``size x size`` products.

    Parameters
    ----------
    dtype : str
        Floating dtype of the operands.
    size : int
        Order of the square matrices.
    repeats : int
        Timed products after one warm-up product; the fastest is kept.

    Returns
    -------
    gflops : float
        ``2 * size**3`` flops divided by the best time, in GFLOP/s.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(dtype)
    b = rng.standard_normal((size, size)).astype(dtype)
    out = a @ b
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best / 1e9


def header_lines(title, info, gflops, size):
    """Lines describing the machine, libraries, BLAS and matmul rates."""
    lines = [
        f"# {title}  ({time.strftime('%Y-%m-%d %H:%M:%S')})",
        f"- CPU: {info['cpu']}; cpu_count={info['cpu_count']}, "
        f"usable={info['usable_cpus']}",
        f"- {info['platform']}, Python {info['python']}",
        f"- numpy {info['numpy']}, scipy {info['scipy']}, "
        f"scikit-learn {info['sklearn']}",
        f"- ours: {info['ours_module']} {info['ours_version']} ({info['ours_file']})",
        "- env: "
        + ", ".join(
            f"{k}={'unset' if v is None else v}" for k, v in info["env"].items()
        ),
    ]
    for pool in info["threadpools"]:
        lines.append(
            f"- threadpool: {pool.get('user_api')} {pool.get('internal_api')} "
            f"{pool.get('version')} arch={pool.get('architecture')} "
            f"threads={pool.get('num_threads')} "
            f"layer={pool.get('threading_layer')} ({pool.get('filepath')})"
        )
    rates = ", ".join(f"{dtype} {rate:.1f}" for dtype, rate in gflops.items())
    lines.append(f"- matmul GFLOP/s ({size}x{size}, best of {MATMUL_REPEATS}): {rates}")
    return lines


def r_description(version_script):
    """Versions of R, mclust and R's BLAS, or None if R/mclust cannot run.

    ``version_script`` is the R code printing them, one per line.
    """
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    try:
        output = subprocess.run(
            [rscript, "-e", version_script],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if output.returncode != 0:
        return None
    return [line.strip() for line in output.stdout.splitlines() if line.strip()]


# --------------------------------------------------------------------- output
def markdown_table(headers, rows):
    """Format ``rows`` (lists of str) as an aligned Markdown table."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        padded = [c.ljust(w) for c, w in zip(cells, widths, strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])
