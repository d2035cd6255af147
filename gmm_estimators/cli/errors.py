"""Errors and warnings of the command line, each reported on one line."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import re
import sys

PROG = "gmm-estimators"

__all__ = [
    "PROG",
    "CLIError",
    "in_option_terms",
    "one_line",
    "report_warnings",
    "sentences",
]

#: The estimators' parameters and Python values, as the command line's options.
_OPTION_TERMS = (
    (r"\buse covariance_types=None\b", "leave out --covariance-types"),
    (r"\bcovariance_types\b", "--covariance-types"),
    (r"\bcovariance_type[= ]'(\w+)'", r"-t \1"),
    (r"\bn_features=(\d+)", r"\1 features"),
    (r"\bX has (\d+) features\b", r"the data have \1 features"),
    # Only where the value is the option's (relative to the data's spread):
    # "every covariance is reg_covar=... alone" states the absolute value.
    (r"\breg_covar=([-+\d.e]+) \(relative", r"--reg-covar \1 (relative"),
    (
        r"\bsmaller reg_covar, e\.g\. reg_covar=",
        "smaller --reg-covar, e.g. --reg-covar ",
    ),
    # A collapsed or spurious fit: its remedies follow in the command's own
    # hint (options, not parameters), and a saved model keeps the indices.
    (
        r" Remedies: use fewer components, use prior='default' \([^)]*\), "
        r"increase reg_covar, or add jitter to discretised data\.",
        " Discretised data can also take a little jitter.",
    ),
    (r" Remedies: use fewer components or prior='default'\.", ""),
    (r" Remedies: use fewer components, or fit more rows\.", " More rows help too."),
    (r" The indices are stored in \w+_components_\.", ""),
    (
        r"\bBest performing initialization did not converge\. Try different init "
        r"parameters, or increase max_iter, tol, or check for degenerate data\.",
        "The fit did not converge. Try other starts (--init, --n-init), a larger "
        "--max-iter or --tol, or check for degenerate data.",
    ),
    (r"\(n_components=(\d+), -t (\w+)\)", r"(K=\1, \2)"),
    (
        r"\bin max_iter=(\d+) iterations; increase max_iter or tol\.",
        r"in \1 iteration(s); increase --max-iter or --tol.",
    ),
)


class CLIError(Exception):
    """A problem with the user's input, reported in one line with exit code 2."""


def refused_value(where, reason=""):
    """The error for a value the model does not accept, at ``where``."""
    return CLIError(
        f"{where}, which the model does not accept{reason}; remove or impute "
        "such rows first"
    )


def one_line(exc):
    """The message of ``exc`` with its whitespace (newlines) collapsed."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def in_option_terms(text):
    """An estimator's message with its remedies in the command line's terms.

    ``Use covariance_type='EII'`` becomes ``Use -t EII``, and
    ``use covariance_types=None`` ``leave out --covariance-types``: the
    estimators decide what they accept, and say it in Python.
    """
    for pattern, replacement in _OPTION_TERMS:
        text = re.sub(pattern, replacement, text)
    return text


def sentences(exc, count=2):
    """The first ``count`` sentences of an exception's message, on one line.

    scikit-learn's validation messages carry paragraphs of advice for Python
    users after the two sentences that say what is wrong; a one-line error of
    the command line keeps those two.
    """
    found = re.findall(r".+?[.!?](?=\s|$)", one_line(exc))
    return " ".join(s.strip() for s in found[:count]) if found else one_line(exc)


def report_warnings(caught, *, skip=(), terms=None):
    """Print captured warnings as one line each on stderr (duplicates once).

    ``terms``, when given, rewrites each message too (the data's columns by
    their file's names, ``io.in_data_terms``).
    """
    seen = set()
    for warning in caught:
        if issubclass(warning.category, tuple(skip)):
            continue
        message = in_option_terms(" ".join(str(warning.message).split()))
        if terms is not None:
            message = terms(message)
        if message in seen:
            continue
        seen.add(message)
        print(f"{PROG}: warning: {message}", file=sys.stderr)
