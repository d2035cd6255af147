"""The selector's progress bar on a terminal (tqdm, when installed)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from contextlib import contextmanager
from contextvars import ContextVar

# The bars of the fit under way (see one_bar); None outside a fit.
_FIT_BARS = ContextVar("gmm_estimators_fit_bars", default=None)


@contextmanager
def one_bar():
    """One bar for every search of the block, closed when it ends.

    A search run again (the swamped clusters' remedy) extends the bar
    instead of starting a second one from 0, and the bar is erased when the
    block ends, errors and KeyboardInterrupt included, so that no message
    lands on a half-drawn bar.
    """
    bars = []
    token = _FIT_BARS.set(bars)
    try:
        yield
    finally:
        _FIT_BARS.reset(token)
        for bar in bars:
            bar.close()


class _Shared:
    """The fit's bar lent to one search: its ``close`` is ``one_bar``'s."""

    def __init__(self, bar):
        self.update = bar.update

    def close(self):
        pass


def report_line(line):
    """Print a ``verbose`` line on standard output above the bar, if any."""
    bars = _FIT_BARS.get() or ()
    for bar in bars:
        bar.clear()
    print(line)
    if bars:
        sys.stdout.flush()
    for bar in bars:
        bar.refresh()


def thorough_progress(ks, settings, enabled, refits=0):
    """The thorough search's progress bar (see :func:`progress_bar`), or None.

    The search knows its candidates only at the end: the bar counts the
    steps ``_thorough.thorough_search`` reports to its ``tick``, numbers of
    components, split-and-merge moves and each number of components again
    (the partitions the moves found, shared), then the ``refits`` of the
    candidates found on a sample on every row (see :func:`ticking`), which
    on large data take as long as the search.
    """
    moves = 2 * sum(1 for k in ks if k - 1 in ks)
    # Each K once more after the moves: the partitions they found, shared.
    steps = len(ks) + (2 * moves + len(ks) if settings["split_merge"] else 0)
    return progress_bar(steps + refits, enabled, "search", "step")


def ticking(iterable, tick):
    """``iterable``, calling ``tick()`` after each of its items."""
    for item in iterable:
        yield item
        tick()


def progress_bar(total, enabled, desc="candidates", unit="fit"):
    """A terminal progress bar when asked and possible, else None.

    Within :func:`one_bar`, the second search's steps are added to the
    first one's bar.
    """
    if not enabled or not sys.stderr.isatty():
        return None
    bars = _FIT_BARS.get()
    if bars:
        bars[0].total += total
        bars[0].refresh()
        return _Shared(bars[0])
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    # Every step is shown: there are at most a few hundred, each far longer
    # than the redraw.
    bar = tqdm(total=total, desc=desc, unit=unit, leave=False, mininterval=0)
    if bars is None:
        return bar
    bars.append(bar)
    return _Shared(bar)


def with_progress(iterable, total, enabled):
    """``iterable`` behind a terminal progress bar when asked and possible."""
    bar = progress_bar(total, enabled)
    if bar is None:
        yield from iterable
        return
    try:
        yield from ticking(iterable, bar.update)
    finally:
        bar.close()
