"""The selector's fit: its search, run again for swamped clusters, and a failed fit."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from .._fitted import forget_fit
from .._warn import warn_user
from ._progress import one_bar
from ._swamped import pick_warnings, swamp_remedy

#: What describes the data of ``results_``.
INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


def fit_selector(selector, search, X, sample_weight):
    """Run the selector's search; a failed fit leaves no earlier pick behind.

    ``search(X, sample_weight, reg_covar)`` is the selector's one search
    with ``reg_covar`` relative; it sets the fitted attributes.

    When no candidate is sound, ``results_`` lists this fit's candidates (as
    the error says) and the selector is not fitted; an error before the
    search leaves nothing of an earlier fit (its ``best_estimator_`` kept
    beside the new ``n_features_in_`` predicted with the wrong model).
    """
    earlier = vars(selector).get("results_")
    try:
        _search_with_remedy(selector, search, X, sample_weight)
    except BaseException:
        # This fit's results_ stay (with the data they describe), an
        # earlier fit's do not.
        fresh = vars(selector).get("results_") is not earlier
        forget_fit(selector, keep=("results_", *INPUT_ATTRIBUTES) if fresh else ())
        raise
    return selector


def _search_with_remedy(selector, search, X, sample_weight):
    # Clusters far apart for their own spread: the search runs again with
    # reg_covar relative to theirs (swamp_remedy); the last sound one stays.
    # One progress bar for every search, erased before the warnings.
    with one_bar():
        settings, relative = _searches(selector, search, X, sample_weight)
    for message, category in pick_warnings(selector, settings, relative):
        warn_user(message, category)


def _searches(selector, search, X, sample_weight):
    relative = selector.reg_covar
    settings = search(X, sample_weight, relative)
    for _ in range(2):
        lowered = swamp_remedy(selector, settings, relative, X, sample_weight)
        if not lowered:
            break
        state, previous = dict(vars(selector)), settings
        try:
            settings = search(X, sample_weight, lowered)
        except ValueError:  # no sound candidate at the lower value
            vars(selector).update(state)
            settings = previous
            break
        relative = lowered
    return settings, relative
