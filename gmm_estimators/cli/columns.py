"""The columns to model (``--columns``, ``--drop``, by name or index), and
how messages name them."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import re
import shlex

from .errors import CLIError
from .library import LISTED_FEATURES, ONE_FEATURE

__all__ = ["choose_columns", "drop_item", "in_data_terms"]


def choose_columns(names, columns, drop, source):
    """0-based indices of the columns to model, from ``--columns`` and ``--drop``.

    Each item is a column name or, failing that, a 0-based index. Unknown
    items are errors that list the available columns.
    """
    chosen = list(range(len(names)))
    if columns is not None:
        chosen = _resolve(columns, names, "--columns", source)
        repeated = sorted({names[j] for j in chosen if chosen.count(j) > 1})
        if repeated:
            raise CLIError(
                f"--columns lists {', '.join(map(repr, repeated))} more than once"
            )
    if drop is not None:
        dropped = set(_resolve(drop, names, "--drop", source))
        chosen = [j for j in chosen if j not in dropped]
    if not chosen:
        raise CLIError(
            f"no columns of {source} left to model after --columns/--drop; "
            f"available: {_available(names)}"
        )
    return chosen


def _available(names):
    return ", ".join(f"{j} {name!r}" for j, name in enumerate(names))


def _resolve(spec, names, option, source):
    items = [item.strip() for item in spec.split(",")]
    if not all(items):
        raise CLIError(
            f"{option} {spec!r}: expected comma-separated column names or 0-based "
            "indices"
        )
    indices = []
    for item in items:
        if names.count(item) > 1:
            places = [str(j) for j, name in enumerate(names) if name == item]
            raise CLIError(
                f"{option}: {source} has several columns named {item!r} (0-based "
                f"indices {', '.join(places)}); name one by its index instead"
            )
        if item in names:
            indices.append(names.index(item))
        elif item.isascii() and item.isdigit() and int(item) < len(names):
            indices.append(int(item))
        else:
            raise CLIError(
                f"{option}: {source} has no column {item!r}; its columns (0-based "
                f"index and name) are {_available(names)}"
            )
    return indices


def drop_option(items):
    """``--drop ITEMS`` as a shell word, ``--drop=ITEMS`` where ITEMS starts with -.

    argparse reads a value that starts with a dash (a column named ``-b``)
    as another option: ``--drop -b`` failed with "expected one argument".
    """
    quoted = shlex.quote(items)
    return f"--drop={quoted}" if items.startswith("-") else f"--drop {quoted}"


def drop_item(data, j):
    """How ``--drop`` names feature ``j``: its header, or its 0-based index."""
    name = data.feature_names[j]
    if data.named and name and "," not in name and name == name.strip():
        return name
    return str(data.columns[j]) if data.columns is not None else name


# The library's mentions of columns of X, both forms in one pattern: a
# name put in for one is never read again as a mention (a header "feature 9").
_MENTION = re.compile(f"{LISTED_FEATURES.pattern}|{ONE_FEATURE.pattern}")
_LEAVE_OUT = "(e.g. sklearn.feature_selection.VarianceThreshold)"
# The rows' span of too few dimensions (``_data_span.data_warning``).
_SPAN = re.compile(r"\bthe rows of X span\b")
_PROJECT = re.compile(
    r"Leave the dependent features out, or project X onto its span "
    r"\(e\.g\. sklearn\.decomposition\.PCA\(n_components=(\d+)\)\)\."
)


def in_data_terms(message, data):
    """A library warning about columns of ``data.X``, in the file's terms.

    ``feature(s) 2 of X`` becomes ``column(s) 3 ('c')``, ``feature 2``
    ``column 3 ('c')``, and the remedy of leaving columns out names
    ``--drop``, not a scikit-learn transformer (nor, for rows spanning too
    few dimensions, a projection by PCA). A mention of a column the
    data do not have is left as it is.
    """
    n_features = len(data.feature_names)
    listed = []

    def rewrite(match):
        indices = match[1].split(", ") if match[1] is not None else [match[2]]
        found = [int(j) for j in indices if j.strip().isdigit()]
        if len(found) != len(indices) or not all(j < n_features for j in found):
            return match[0]
        if match[1] is None:
            return data.column(found[0])
        listed.extend(found)
        # "column 3 ('c')" or "feature 'c'": the noun once, as "(s)".
        named = [data.column(j).split(" ", 1) for j in found]
        return f"{named[0][0]}(s) " + ", ".join(rest for _, rest in named)

    message = _MENTION.sub(rewrite, message)
    if listed and _LEAVE_OUT in message:
        items = ",".join(drop_item(data, j) for j in listed)
        message = message.replace(_LEAVE_OUT, f"({drop_option(items)})")
    message = _SPAN.sub("the rows of the data span", message)
    return _PROJECT.sub(
        r"Leave the dependent columns out (--drop), or model the data's first "
        r"\1 principal component(s) instead.",
        message,
    )
