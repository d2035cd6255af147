"""The selector's progress bar on a terminal (tqdm, when installed)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import sys


def thorough_progress(ks, settings, enabled):
    """The thorough search's progress bar (see :func:`progress_bar`), or None.

    The search knows its candidates only at the end: the bar counts the
    steps ``_search.thorough_search`` reports to its ``tick``, numbers of
    components and split-and-merge moves.
    """
    moves = 2 * sum(1 for k in ks if k - 1 in ks)
    steps = len(ks) + (2 * moves if settings["split_merge"] else 0)
    return progress_bar(steps, enabled, "search", "step")


def progress_bar(total, enabled, desc="candidates", unit="fit"):
    """A terminal progress bar when asked and possible, else None."""
    if not enabled or not sys.stderr.isatty():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # Every step is shown: there are at most a few hundred, each far longer
    # than the redraw.
    return tqdm(total=total, desc=desc, unit=unit, leave=False, mininterval=0)


def with_progress(iterable, total, enabled):
    """``iterable`` behind a terminal progress bar when asked and possible."""
    bar = progress_bar(total, enabled)
    if bar is None:
        yield from iterable
        return
    try:
        for item in iterable:
            yield item
            bar.update()
    finally:
        bar.close()
