"""Starts of EM: initial responsibilities from a partition of the rows.

- ``_partitions``: k-means, k-means++, random and random-from-data starts,
  the canonical row order that makes them independent of the rows' order,
  and the registry ``INITIALIZERS`` of ``init_params`` values;
- ``_hierarchical``: mclust's model-based hierarchical agglomeration
  (``init_params="hc"``), one tree per subset of rows cut at every K.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from ._hierarchical import HierarchicalTree
from ._partitions import INITIALIZERS, CanonicalRows, initial_responsibilities

__all__ = [
    "INITIALIZERS",
    "CanonicalRows",
    "HierarchicalTree",
    "initial_responsibilities",
]
