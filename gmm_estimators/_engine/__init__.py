"""The EM engine: plain functions on arrays and additive statistics.

It imports nothing from the estimators. Modules, one job each:

- ``_data``: data sources, the only code that reads rows (row blocks of
  centred data with their weights);
- ``_threads``: row blocks on a thread pool with BLAS held to one thread;
- ``_estep``: weighted log-densities, responsibilities and the block's
  sufficient statistics, in one pass over the blocks;
- ``_stats``: the statistics of given responsibilities (starts of EM);
- ``_mstep``: parameters from summed statistics;
- ``_run``: the EM loop and the best of several starts.

The statistics themselves (what a structure's M-step reads, and how blocks
add up) belong to the covariance structures: ``covariance.StatisticsForm``.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._data import ArraySource, row_blocks
from ._estep import (
    block_log_prob,
    em_step,
    log_normalizer,
    log_prob_function,
    map_terms,
    normalize_log_prob,
    reduce_blocks,
    row_argmax,
    row_max,
    row_max_argmax,
)
from ._mstep import DegenerateStepError, Params, m_step
from ._run import (
    COLLAPSE_PATIENCE,
    FLAT_PATIENCE,
    EMOptions,
    EMResult,
    fit_restarts,
    higher_beyond_rounding,
    run_em,
)
from ._stats import merged_moments, statistics_from_resp
from ._threads import block_mapper, one_blas_thread

__all__ = [
    "COLLAPSE_PATIENCE",
    "FLAT_PATIENCE",
    "ArraySource",
    "DegenerateStepError",
    "EMOptions",
    "EMResult",
    "Params",
    "block_log_prob",
    "block_mapper",
    "em_step",
    "fit_restarts",
    "higher_beyond_rounding",
    "log_normalizer",
    "log_prob_function",
    "m_step",
    "map_terms",
    "merged_moments",
    "normalize_log_prob",
    "one_blas_thread",
    "reduce_blocks",
    "row_argmax",
    "row_blocks",
    "row_max",
    "row_max_argmax",
    "run_em",
    "statistics_from_resp",
]
