"""Output files: paths checked before any work, and CSV to a file or stdout."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import os
import sys

from .errors import CLIError

__all__ = ["check_output_path", "write_csv"]


def check_output_path(path, option, *, inputs=(), stdout=False):
    """Fail before any work if ``path`` cannot be written or is one of ``inputs``.

    ``-`` is standard output where a CSV goes (``stdout``), as it is standard
    input for the data; elsewhere (a model, a plot) it is refused rather than
    written to a file named ``-``.
    """
    if path is None or (path == "-" and stdout):
        return
    if path == "-":
        what = {
            "--save": "a model is a binary file (a joblib pickle)",
            "--plot": "a plot is an image file",
        }.get(option, f"{option} writes a file")
        raise CLIError(
            f"{option} -: {what}, of no use on a terminal or in a pipe; '-' "
            "(standard output) is only for the CSV of predict and sample "
            "(--output -): give a file name"
        )
    for given in inputs:
        if given not in (None, "-") and os.path.exists(path) and os.path.exists(given):
            if os.path.samefile(path, given):
                raise CLIError(
                    f"{option} {path} is the input file {given}, which writing "
                    "would destroy; choose another name"
                )
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CLIError(f"{option} {path}: directory {directory} does not exist")
    if os.path.isdir(path):
        raise CLIError(f"{option} {path}: is a directory")
    # Opened for appending (which changes nothing) and removed again if it
    # was not there: the permission bits do not tell what root may not write
    # (a read-only file system, /sys), found only after the whole search.
    existed = os.path.exists(path)
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise CLIError(f"{option} {path}: {reason}; choose a writable path") from None
    if not existed:
        os.remove(path)


def write_csv(rows, header, output):
    """Write rows (lists of strings) as CSV to a file, or to stdout if None."""
    if output is None:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise CLIError(f"cannot write {output}: {exc.strerror or exc}") from None
