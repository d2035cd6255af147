"""A cell's best sound fit, kept beside a spurious fit of higher likelihood.

A cell (one number of components and one structure) of the thorough search
holds the fit of highest likelihood that is not degenerate, spurious or not,
as mclust's table reports it (see ``_search._soundness``). The pick passes
over a spurious fit; if the cell had also reached a sound fit, that fit is
what the pick should weigh for the cell. It was lost: on ``aids2`` (public
data, 2,843 rows) VEV with 6 components reached a sound fit at BIC 97,704.9
and then a spurious one at 95,683.8, and the pick fell to EVE with 9 at
101,414.7.

A spurious cell's challengers need only beat its sound alternative (or,
without one, nothing: ``_search._incumbent``), so a sound fit reached
after the spurious one is kept too. The kept alternative travels on the
cell's estimator (outcomes cross
processes as they are); :func:`pick_with_alternatives` reads it once the
table is collected: where a sound alternative ranks first among the sound
fits, its row replaces the cell's, so that the chosen model is the row
ranked first and every other row still reports its cell's best fit.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._candidates import results_table

__all__ = ["is_sound", "kept_of", "pick_with_alternatives", "sound_alternative"]

_ATTRIBUTE = "_sound_alternative"


def is_sound(outcome):
    """Whether ``(row, estimator, ...)`` is fitted, neither degenerate nor spurious."""
    row, estimator = outcome[0], outcome[1]
    return estimator is not None and not (row["degenerate"] or row["spurious"])


def sound_alternative(estimator):
    """The sound fit kept beside a cell's spurious ``estimator``, or None."""
    found = getattr(estimator, _ATTRIBUTE, None)
    return None if found is None else found[1]


def _alternative_of(outcome):
    estimator = outcome[1]
    return None if estimator is None else getattr(estimator, _ATTRIBUTE, None)


def kept_of(new, old, soundness):
    """The outcome a cell keeps of ``new`` and ``old``, with its sound alternative.

    ``soundness`` orders outcomes (``_search._soundness``). When the kept
    outcome is spurious, the best sound fit of the two (or of their own
    alternatives), by likelihood, is kept on its estimator.
    """
    kept, other = (new, old) if soundness(new) > soundness(old) else (old, new)
    if kept[1] is None or not kept[0]["spurious"] or kept[0]["degenerate"]:
        return kept
    candidates = [_alternative_of(kept), _alternative_of(other)]
    if is_sound(other):
        candidates.append(other[:2])
    candidates = [c for c in candidates if c is not None]
    if candidates:
        best = max(candidates, key=lambda c: c[0]["log_likelihood"])
        # The sound fit's own alternative (None) is not carried twice.
        setattr(kept[1], _ATTRIBUTE, (best[0], best[1]))
    return kept


def pick_with_alternatives(rows, estimators, criterion, n_features, units_shift):
    """The results table; the pick's cell holds its sound fit if that ranks first.

    Parameters
    ----------
    rows : list of dict
        One per cell, in order (``fit_time`` set).
    estimators : list
        The cells' fitted estimators (None where a fit failed); their
        alternatives are read and removed.
    criterion, n_features, units_shift
        As for ``_candidates.results_table``.

    Returns
    -------
    results : dict of ndarray
        ``results_table`` of the rows, one replaced when its sound
        alternative ranks first.
    estimators : list
        Likewise.
    """
    extra_rows, cells = [], []
    for index, estimator in enumerate(estimators):
        alternative = None
        if estimator is not None:
            alternative = getattr(estimator, _ATTRIBUTE, None)
            if alternative is not None:
                delattr(estimator, _ATTRIBUTE)
        if alternative is not None:
            extra_rows.append({**alternative[0], "fit_time": rows[index]["fit_time"]})
            cells.append((index, alternative[1]))
    if extra_rows:
        ranked = results_table(rows + extra_rows, criterion, n_features, units_shift)
        first = int(np.argmin(ranked["rank"]))
        if first >= len(rows):
            index, estimator = cells[first - len(rows)]
            row = extra_rows[first - len(rows)]
            rows, estimators = list(rows), list(estimators)
            rows[index], estimators[index] = row, estimator
    return results_table(rows, criterion, n_features, units_shift), estimators
