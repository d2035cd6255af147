"""The final E-step of a selector's candidate: its labels and criteria terms."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._engine import log_normalizer, map_terms, reduce_blocks, row_max_argmax
from .._engine._estep import weighted_sum

__all__ = ["compact_label_dtype", "final_e_step", "row_terms"]


def row_terms(weighted_log_prob):
    """Per row ``[log p(x), log z_MAP, label]``, flattened (a block's reduce).

    The values of the collapse check's pass (``_engine.map_terms``), when
    the check did not keep its blocks. ``weighted_log_prob`` is overwritten.
    """
    top, labels = row_max_argmax(weighted_log_prob)
    return map_terms(top, labels, log_normalizer(weighted_log_prob, top))


def final_e_step(model, source, params, per_row=None):
    """Labels, total log-likelihood and ``sum_i w_i log z_i,MAP``.

    The selector's candidates need both the labels of ``fit`` and the terms
    of the criteria. ``per_row`` are the stacked :func:`row_terms` of the
    source's blocks when the collapse check computed them in its own pass;
    otherwise one more E-step over the data gives them.
    """
    if per_row is None:
        per_row = reduce_blocks(model, source, params, row_terms)
    per_row = per_row.reshape(-1, 3)
    # Every candidate's labels live until the search ends (its proposals
    # read them): one byte a row up to 127 components, not eight
    # (126 candidates held 1 KB a row). The pick's become ``intp`` again.
    labels = per_row[:, 2].astype(compact_label_dtype(params.means.shape[0]))
    if params.noise_proportion is not None:
        # The noise column is the last: scikit-learn's label for noise is -1.
        labels[labels == params.means.shape[0]] = -1
    terms = per_row[:, :2]
    weights = source.sample_weight
    terms = _sum_of_rows(terms) if weights is None else weighted_sum(weights, terms)
    if hasattr(terms, "compute"):  # Dask: the sums come back, labels stay lazy
        terms = terms.compute()
    return labels, terms[0], terms[1]


def compact_label_dtype(n_components):
    """The smallest signed integer type holding labels ``-1 .. n_components``."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_components <= np.iinfo(dtype).max:
            return dtype
    return np.intp


def _sum_of_rows(terms):
    """``terms.sum(axis=0)`` of the ``(n, 2)`` terms.

    numpy sums rows laid out one after the other (row-major) by adding them
    in order, one at a time: the last row of their running sums
    (``np.add.accumulate``) is the same additions at half the cost. Other
    layouts (pairwise sums down a column) and arrays (Dask's, lazy) keep
    ``sum``.
    """
    if (
        type(terms) is not np.ndarray
        or not terms.shape[0]
        or terms.strides[0] < terms.strides[1]
    ):
        return terms.sum(axis=0)
    return np.add.accumulate(terms, axis=0)[-1]
