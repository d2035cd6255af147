"""The data's standardised coordinates and its own span in them.

The degenerate-fit test (``_degenerate``) reads rows in coordinates where
every varying feature has unit variance, within the span of the data's
correlation matrix (its eigenvectors of eigenvalue above
:data:`DATA_RANK_FLOOR` times the largest); the thorough search's
regularisation unit reads the same span (:func:`thinnest_correlation`).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools

import numpy as np

__all__ = ["DATA_RANK_FLOOR", "coordinates", "data_rank", "thinnest_correlation"]

#: Correlation eigenvalues at most this times the largest are outside the
#: data's span (collinear or constant directions of the whole data).
DATA_RANK_FLOOR = 1e-10


def coordinates(total_scatter, weight_sum):
    """Standardised coordinates of the rows and the data's own span in them.

    Returns ``(varying, scale, rotation)``: the features that vary, their
    standard deviations, and the orthonormal eigenvectors of the data's
    correlation matrix whose eigenvalue is above ``DATA_RANK_FLOOR`` times the
    largest (collinear or constant directions of the whole data dropped).
    They depend on the data alone: a search judges hundreds of fits of the
    same data, so they are kept for the last few (read-only arrays).
    """
    total_scatter = np.ascontiguousarray(total_scatter, dtype=np.float64)
    return _coordinates_of(
        total_scatter.tobytes(), total_scatter.shape, float(weight_sum)
    )


@functools.lru_cache(maxsize=8)
def _coordinates_of(scatter_bytes, shape, weight_sum):
    total_scatter = np.frombuffer(scatter_bytes, dtype=np.float64).reshape(shape)
    var = np.diag(total_scatter) / weight_sum
    varying = var > 0
    scale, rotation = np.ones(0), np.zeros((0, 0))
    if varying.any():
        scale = np.sqrt(var[varying])
        sub = total_scatter[np.ix_(varying, varying)] / weight_sum
        corr = sub / np.outer(scale, scale)
        eigenvalues, vectors = np.linalg.eigh(corr)
        keep = eigenvalues > DATA_RANK_FLOOR * eigenvalues[-1]
        # Scaled so that the data's own correlation is the identity in the span.
        rotation = vectors[:, keep] / np.sqrt(eigenvalues[keep])
    for array in (varying, scale, rotation):
        array.flags.writeable = False
    return varying, scale, rotation


def data_rank(total_scatter, weight_sum):
    """``r``: the dimension of the span of the data (see ``_degenerate``'s Notes).

    Parameters
    ----------
    total_scatter : ndarray of shape (n_features, n_features)
        ``sum_i w_i (x_i - mean)(x_i - mean)^T``.
    weight_sum : float

    Returns
    -------
    rank : int
        The number of eigenvalues of the data's correlation matrix above
        ``DATA_RANK_FLOOR`` times the largest.
    """
    return coordinates(np.asarray(total_scatter, np.float64), weight_sum)[2].shape[1]


def thinnest_correlation(total_scatter, weight_sum):
    """The smallest eigenvalue of the data's correlation matrix in its span.

    Of the data of :func:`data_rank`'s arguments; in ``(0, 1]``, and 1 when
    fewer than two features vary. (The columns of :func:`coordinates`'
    rotation are the eigenvectors over the square roots of the eigenvalues.)
    """
    rotation = coordinates(np.asarray(total_scatter, np.float64), weight_sum)[2]
    if rotation.shape[0] < 2:
        return 1.0
    return float(1.0 / np.max(np.einsum("ij,ij->j", rotation, rotation)))
