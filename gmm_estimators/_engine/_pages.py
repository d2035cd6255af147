"""What a page (or chunk) of a streamed array gives its source's summary.

The streamed sources (``_sources.StreamSource``, ``_dask.DaskSource``) read
their rows page by page: each page is validated when read
(:func:`check_page`), summarised as its weight, mean and scatter about that
mean (:func:`summarise_part`), and the parts merged (:func:`merge_summaries`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_array

from ._data import ArraySource
from ._stats import merged_moments

__all__ = ["check_page", "merge_summaries", "summarise_part"]


def merge_summaries(parts):
    """Weighted mean and scatter of the union of parts (Chan et al.'s update).

    Parameters
    ----------
    parts : iterable of (weight_sum, mean, scatter)
        Each part's total weight, weighted mean and scatter about that mean.

    Returns
    -------
    weight_sum, mean, scatter
    """
    weight_sum, mean, scatter = 0.0, None, None
    for part_weight, part_mean, part_scatter in parts:
        if part_weight <= 0:
            continue
        if mean is None:
            weight_sum, mean, scatter = part_weight, part_mean, part_scatter
            continue
        # One component: the union of two parts (merged_moments). Squares
        # beyond float64 are named by check_squares_fit, not numpy's warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            merged = merged_moments(
                (np.array([weight_sum]), mean[np.newaxis], scatter[np.newaxis]),
                (
                    np.array([part_weight]),
                    part_mean[np.newaxis],
                    part_scatter[np.newaxis],
                ),
            )
        weight_sum, mean, scatter = float(merged[0][0]), merged[1][0], merged[2][0]
    return weight_sum, mean, scatter


def summarise_part(block, w):
    """``(weight_sum, mean, scatter)`` of an in-memory part (zeros if empty)."""
    d = block.shape[1]
    # A total beyond float64 is named by check_squares_fit, not numpy's warning.
    with np.errstate(over="ignore"):
        weight_sum = float(block.shape[0] if w is None else np.sum(w))
    if block.shape[0] == 0 or weight_sum <= 0:
        return 0.0, np.zeros(d), np.zeros((d, d))
    # About the part's mean: merged as means and scatters about them.
    part = ArraySource.from_arrays(block, w, bulk=False)
    return weight_sum, part.center, part.total_scatter


def check_page(block, dtype, name, *, where, first_row=0):
    """Validate one page (or chunk) of a streamed array, NaN refused clearly.

    scikit-learn's own message for NaN says the estimator does not accept
    missing values, which is true of streamed data only: in-memory arrays
    with NaN are fitted (and predicted) by marginalising the missing values.
    This one says which path refuses them and what to do instead.

    Parameters
    ----------
    block : array-like of shape (rows, d)
    dtype : dtype
    name : str
        The estimator's class name.
    where : str
        What the rows are read from: ``"Dask array"`` or a memory map.
    first_row : int or None, default=0
        Index of the block's first row in the whole array (None if unknown).
    """
    block = check_array(
        block,
        dtype=dtype,
        ensure_min_samples=0,
        ensure_all_finite="allow-nan",
        input_name="X",
        estimator=name,
    )
    # check_array has rejected inf: a non-finite sum is NaN (or an overflow,
    # which the scan tells apart), so a page without NaN is read once more,
    # not twice.
    if (
        block.dtype.kind == "f"
        and not np.isfinite(np.sum(block))
        and np.isnan(block).any()
    ):
        row = int(np.flatnonzero(np.isnan(block).any(axis=1))[0])
        found = "" if first_row is None else f"; for example row {first_row + row}"
        load = "X.compute()" if where == "Dask array" else "np.asarray(X)"
        raise ValueError(
            f"Input X contains NaN (missing values{found}), but {name} streams "
            f"this {where} block by block, and streamed data cannot have "
            "missing values: only "
            f"arrays held in memory can. Load it with {load} if it fits in memory "
            "(missing values are then marginalised), drop the rows with NaN, or "
            "impute them first, for example with GaussianMixtureImputer fitted "
            "on a sample of the rows."
        )
    return block
