"""Choosing the columns to model: ``--columns`` and ``--drop``, by name or index."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from .errors import CLIError

__all__ = ["choose_columns"]


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
