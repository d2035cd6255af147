"""The thorough search on large data: the sample it explores, then the refits.

With more rows than ``_engine._sampling.sample_size``, the thorough search
explores a uniform sample of them (:func:`search_sample`) and every
candidate it finds is then refitted on all rows (:func:`refitted_on`). Rows
of weight zero are never explored; where they are the only rows left out,
the candidates' fits only label them.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._engine import ArraySource, Params
from .._engine._sampling import StartingSample
from ._search import fit_candidate
from ._sound_alternatives import sound_alternative

__all__ = ["refitted_on", "search_sample"]


def search_sample(data, init, n_components, random_state):
    """The in-memory source the thorough search explores.

    ``init`` is the source the starts come from: ``data`` itself in memory,
    or the in-memory sample of streamed or Dask rows. Of that sample, or of
    the rows of ``data`` in memory, the sample of a streamed fit
    (``_engine._sampling``: at most ``sample_size(n_components)`` rows
    chosen by their values, the same rows in the same order as a memory map
    or Dask array of the same data would give), only the rows of positive
    weight, with their weights and the centre of every row.
    """
    if init is not data:
        return _positive_rows(init)
    sample = StartingSample.of(
        data.n_rows, n_components, random_state, data.sample_weight
    )
    if sample.is_every_row:
        return _positive_rows(data)
    return _rows_of(data, sample.positions_in(data.X, data.sample_weight))


def _positive_rows(data):
    """``data``, or its rows of positive weight when some weigh nothing.

    A row of weight zero counts for nothing in a fit, but the search's starts
    and proposals saw it (the hierarchical start reads the weights relative
    to their mean, a proposal's partition labels every row): the table
    differed from that of the same data without those rows, by up to 1.7
    units of log-likelihood, and with where they lay.
    """
    weights = data.sample_weight
    if weights is None or weights.min() > 0:
        return data
    return _rows_of(data, np.flatnonzero(weights > 0))


def _rows_of(data, rows):
    """An in-memory source of some of ``data``'s rows, centred as ``data``."""
    weights = None if data.sample_weight is None else data.sample_weight[rows]
    return ArraySource.from_arrays(
        data.X[rows], weights, cache_features=True, center=data.center
    )


def refitted_on(data, explored, outcomes, settings):
    """Each candidate found on a sample, refitted on every row of ``data``.

    EM from the sample's fit (grid-style: one start, the candidate's own
    stopping rule) on the full source; a candidate that failed on the sample
    stays failed. Where the search ``explored`` every row of positive weight,
    its fits are those of ``data``: they only label every row.
    """
    weights = data.sample_weight
    if weights is not None and explored.n_rows == np.count_nonzero(weights):
        for row, best, error, seconds in outcomes:
            # A cell's sound alternative may become the pick: labelled too.
            for fitted in (best, None if best is None else sound_alternative(best)):
                if fitted is not None:
                    fitted.labels_ = fitted.predict(data.X)
            yield row, best, error, seconds
        return
    # The steps of the sample's rows are not those of every row (a sample
    # may miss the rows that make a step small): no flat stop in a refit.
    one_start = {**settings, "initializers": None, "lattice_steps": None}
    # A cell's sound alternative (_sound_alternatives) is not refitted: the
    # refit is a new estimator, and the pick weighs the refitted cells only.
    for row, best, error, seconds in outcomes:
        if best is None:
            yield row, best, error, seconds
            continue
        start = Params(
            np.asarray(best.weights_, np.float64),
            np.asarray(best.means_, np.float64) - data.center,
            np.asarray(best.covariances_, np.float64),
            np.asarray(best.precisions_cholesky_, np.float64),
        )
        row, best, error, took = fit_candidate(
            data, row["n_components"], row["covariance_type"], [start], one_start
        )
        yield row, best, error, seconds + took
