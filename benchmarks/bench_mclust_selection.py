"""Benchmark the default model search against R's ``Mclust()`` on mclust's fixtures.

For each data set of ``tests/fixtures/mclust/selection`` (issue 13: Old
Faithful, iris, diabetes, banknote, thyroid and a seeded set of three
elongated clusters) the script times

* ``ours``: ``GaussianMixtureIC(n_components=9, random_state=0, n_jobs=1)``
  with the package's default settings (K = 1..9, all 14 structures), or the
  settings given by ``--search``, ``--init-params``, ``--tol``,
  ``--max-iter``, ``--n-init``;
* ``mclust``: ``Mclust(X, G = 1:9)``, mclust's default search over the same
  grid. With ``--live`` it runs in ``Rscript`` now, on the same CSV file
  (warm-up run, then ``--repeats`` timed runs, the median counts); otherwise
  the time recorded in the fixture's ``summary.csv`` is used (its median of 5
  runs, on the machine named in the fixture's ``versions.txt``).

Ours is the median of ``--repeats`` runs after an untimed warm-up. The table
gives both wall-clock times, the ratio ``mclust / ours`` (above 1: ours is
faster), both picks and both BICs in the package's lower-is-better sign
(mclust's ``2 log L - p log n`` negated), their difference (negative: ours is
better), and the number of (K, structure) cells in which our BIC is more than
one unit worse than mclust's (the test's check (ii), see
``tests/test_mclust_selection.py``, whose helpers this script uses).

BLAS is limited to one thread by default (``--threads 0`` keeps the library
settings), as R's reference BLAS runs on one.

Usage, from the repository root::

    PYTHONPATH=. python benchmarks/bench_mclust_selection.py            # ~1 min
    PYTHONPATH=. python benchmarks/bench_mclust_selection.py --live     # + R runs
    PYTHONPATH=. python benchmarks/bench_mclust_selection.py \\
        --init-params hc --tol 1e-5 --dataset faithful --dataset thyroid --list-cells
    PYTHONPATH=. python benchmarks/bench_mclust_selection.py --live \\
        --dataset none --sizes 2000 5000 10000                       # ~2 min

``--sizes`` adds seeded data of those many rows (four clusters of unequal
spread in 2 to 4 dimensions, a random linear map applied: the issue's
"n <= 10,000"), timed against ``Mclust()`` live; they have no recorded BIC
table, so their cells are not compared.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from test_mclust_selection import (  # noqa: E402
    DATASETS,
    SELECTION,
    TOLERANCE,
    compare,
    load_selection_fixture,
    run_search,
)

# Runs in one Rscript per data set; prints "key value" lines.
R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
repeats <- as.integer(args[2])
suppressPackageStartupMessages(library(mclust))
X <- as.matrix(read.csv(args[1]))
fit <- Mclust(X, G = 1:9, verbose = FALSE)
times <- replicate(repeats, {
  gc()
  system.time(Mclust(X, G = 1:9, verbose = FALSE))[["elapsed"]]
})
cat("seconds", median(times), "\n")
cat("model", fit$modelName, "\n")
cat("K", fit$G, "\n")
cat("bic", sprintf("%.10f", fit$bic), "\n")
cat("version", as.character(packageVersion("mclust")), "\n")
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dataset",
        action="append",
        choices=[*DATASETS, "none"],
        help="data set to run (repeatable; all by default; none: only --sizes)",
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[],
        help="also seeded data of these numbers of rows (needs --live)",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="time Mclust() in Rscript now instead of using the recorded time",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (3)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS and OpenMP threads during our searches (1); 0 keeps the defaults",
    )
    parser.add_argument("--search", help="GaussianMixtureIC search")
    parser.add_argument("--init-params", help="GaussianMixtureIC init_params")
    parser.add_argument("--tol", type=float, help="GaussianMixtureIC tol")
    parser.add_argument("--max-iter", type=int, help="GaussianMixtureIC max_iter")
    parser.add_argument("--n-init", type=int, help="GaussianMixtureIC n_init")
    parser.add_argument(
        "--list-cells",
        action="store_true",
        help="after the table, list each data set's cells worse than mclust's",
    )
    return parser.parse_args(argv)


def search_settings(args):
    """The settings that differ from GaussianMixtureIC's defaults."""
    settings = {
        "search": args.search,
        "init_params": args.init_params,
        "tol": args.tol,
        "max_iter": args.max_iter,
        "n_init": args.n_init,
    }
    return {key: value for key, value in settings.items() if value is not None}


def time_ours(X, settings, repeats):
    """Median wall-clock seconds of the search after a warm-up, and the last fit."""
    selector = run_search(X, n_jobs=1, **settings)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        selector = run_search(X, n_jobs=1, **settings)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), selector


def seeded_data(n_rows, seed=1):
    """Four clusters of unequal spread through a random linear map (2 to 4-D)."""
    from sklearn.datasets import make_blobs

    n_features = 2 + n_rows % 3
    X, _ = make_blobs(
        n_samples=n_rows,
        n_features=n_features,
        centers=4,
        cluster_std=[1.0, 2.0, 0.5, 1.5],
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    return X @ rng.normal(size=(n_features, n_features))


def time_mclust_live(name, repeats, path=None):
    """Run ``Mclust(X, G = 1:9)`` in Rscript: median seconds, model, K, BIC."""
    command = [
        shutil.which("Rscript"),
        "-e",
        R_SCRIPT,
        str(path or SELECTION / f"data_{name}.csv"),
        str(repeats),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise RuntimeError(f"Rscript failed on {name}:\n{output.stderr}")
    values = dict(line.split(None, 1) for line in output.stdout.splitlines() if line)
    return {key: value.strip() for key, value in values.items()}


def markdown_table(headers, rows):
    """Format ``rows`` (lists of str) as an aligned Markdown table."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        padded = [c.ljust(w) for c, w in zip(cells, widths, strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def main(argv=None):
    """Run the benchmark and print its table."""
    args = parse_args(argv)
    names = args.dataset or list(DATASETS)
    settings = search_settings(args)
    live = args.live and shutil.which("Rscript") is not None
    if args.live and not live:
        print("Rscript not found: using the recorded mclust times.")
    recorded_on = (SELECTION / "versions.txt").read_text().strip().splitlines()
    print(f"# bench_mclust_selection  ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    print(
        f"- ours: GaussianMixtureIC(n_components=9, random_state=0, n_jobs=1, "
        f"{', '.join(f'{k}={v!r}' for k, v in settings.items()) or 'defaults'})"
    )
    print(
        "- mclust: Mclust(X, G = 1:9), "
        + ("timed live" if live else f"recorded ({'; '.join(recorded_on)})")
    )
    print(
        f"- threads: {args.threads or 'library defaults'}; "
        f"median of {args.repeats} runs after a warm-up"
    )
    print(
        "- BIC in the package's sign (lower is better); d BIC = ours - mclust's; "
        f"worse = cells more than {TOLERANCE:g} worse than mclust's"
    )
    print()

    headers = [
        "data", "n", "d", "ours s", "mclust s", "mclust/ours",
        "ours pick", "ours BIC", "mclust pick", "mclust BIC", "d BIC", "worse",
    ]  # fmt: skip
    rows, details = [], []
    limits = threadpool_limits(args.threads) if args.threads else None
    try:
        for n_rows in args.sizes if live else []:
            X = seeded_data(n_rows)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "data.csv"
                header = ",".join(f"x{j}" for j in range(X.shape[1]))
                np.savetxt(path, X, delimiter=",", header=header, comments="")
                r = time_mclust_live(f"seeded {n_rows}", args.repeats, path)
            seconds, selector = time_ours(X, settings, args.repeats)
            ours_bic = float(selector.criterion_)
            mclust_bic = -float(r["bic"])
            rows.append([
                f"seeded-{n_rows}", str(n_rows), str(X.shape[1]), f"{seconds:.2f}",
                r["seconds"], f"{float(r['seconds']) / seconds:.2f}",
                f"{selector.covariance_type_},{selector.n_components_}",
                f"{ours_bic:.2f}", f"{r['model']},{r['K']}", f"{mclust_bic:.2f}",
                f"{ours_bic - mclust_bic:+.2f}", "-",
            ])  # fmt: skip
            print(f"  seeded {n_rows}: done", file=sys.stderr, flush=True)
        for name in names:
            if name == "none":
                continue
            fixture = load_selection_fixture(name)
            seconds, selector = time_ours(fixture.X, settings, args.repeats)
            result = compare(fixture, selector)
            if live:
                r = time_mclust_live(name, args.repeats)
                mclust_seconds = float(r["seconds"])
                mclust_pick = (r["model"], int(r["K"]))
                mclust_bic = -float(r["bic"])
            else:
                mclust_seconds = fixture.mclust_seconds
                mclust_pick = result.mclust_pick
                mclust_bic = result.mclust_best
            n, d = fixture.X.shape
            rows.append([
                name, str(n), str(d), f"{seconds:.2f}", f"{mclust_seconds:.2f}",
                f"{mclust_seconds / seconds:.2f}",
                f"{result.pick[0]},{result.pick[1]}", f"{result.pick_bic:.2f}",
                f"{mclust_pick[0]},{mclust_pick[1]}", f"{mclust_bic:.2f}",
                f"{result.pick_bic - mclust_bic:+.2f}",
                f"{len(result.worse)}/{result.n_compared}",
            ])  # fmt: skip
            details.append((name, result))
            print(f"  {name}: done", file=sys.stderr, flush=True)
    finally:
        if limits is not None:
            limits.restore_original_limits()
    print(markdown_table(headers, rows))
    if args.list_cells:
        for name, result in details:
            print(
                f"\n{name}: {len(result.worse)} of {result.n_compared} cells more "
                f"than {TOLERANCE:g} worse than mclust's (ours vs mclust's BIC)"
            )
            for model, k, ours, theirs in sorted(
                result.worse, key=lambda cell: cell[3] - cell[2]
            ):
                print(
                    f"  {model} K={k}: {ours:.2f} vs {theirs:.2f} "
                    f"({ours - theirs:+.2f})"
                )


if __name__ == "__main__":
    main()
