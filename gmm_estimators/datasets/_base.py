"""Bundled data and synthetic Gaussian mixtures."""

# Copyright (c) 2026, The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import io
import numbers
from importlib import resources

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ..covariance import available_covariance_types, get_covariance_model

__all__ = ["load_old_faithful", "make_gaussian_mixture"]

_DATA_PACKAGE = "gmm_estimators.datasets"
_OLD_FAITHFUL_FILE = "old_faithful.csv"

_OLD_FAITHFUL_DESCR = """\
.. _old_faithful_dataset:

Old Faithful geyser data
------------------------

**Data Set Characteristics:**

:Number of Instances: 272
:Number of Attributes: 2 numeric, no target
:Attribute Information:
    - eruptions: eruption time in minutes (to three decimals for most rows)
    - waiting: waiting time to the next eruption in minutes (whole minutes)
:Missing Attribute Values: None
:Source: R's ``datasets`` package (``faithful``)

Waiting time between eruptions and the duration of the eruption for the Old
Faithful geyser in Yellowstone National Park, Wyoming, USA. The two features
show two clear groups (short and long eruptions), which makes the data the
classic two-dimensional example for Gaussian mixture models.

The waiting times are whole minutes, so many rows share exactly the same
value (for example 14 rows have a waiting time of 83 minutes). A mixture
component can collapse onto such a set of tied values, which makes its
likelihood grow without bound; regularise the covariances or use a
conjugate prior when fitting many components to these data.

The data are bundled with the package as ``datasets/data/old_faithful.csv``,
an unchanged copy of the data frame distributed with R.

References
~~~~~~~~~~

- Härdle, W. (1991). *Smoothing Techniques with Implementation in S*.
  New York: Springer.
- Azzalini, A. and Bowman, A. W. (1990). A look at some data on the Old
  Faithful geyser. *Applied Statistics*, 39, 357-365.
"""


def _read_old_faithful():
    """Return ``(data, feature_names)`` parsed from the bundled CSV file."""
    resource = resources.files(_DATA_PACKAGE).joinpath("data", _OLD_FAITHFUL_FILE)
    text = resource.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    feature_names = [name.strip() for name in next(reader)]
    rows = [row for row in reader if row]
    data = np.asarray(rows, dtype=np.float64)
    return data, feature_names


def load_old_faithful(*, as_frame=False, return_X_y=False):
    """Load the Old Faithful geyser data (272 eruptions, 2 features).

    The data set has no target: it is the standard two-feature example for
    fitting Gaussian mixtures. It is read from a copy bundled inside the
    package, so no network access is needed.

    ==============   ==================
    Samples total    272
    Dimensionality   2
    Features         real, positive
    Target           none
    ==============   ==================

    Read more in the ``DESCR`` attribute of the returned object.

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` and ``frame`` are a :class:`pandas.DataFrame` with
        columns ``"eruptions"`` and ``"waiting"`` (float64). Requires pandas,
        which is not a required dependency of ``gmm_estimators``; it is part
        of the ``test`` extra (``pip install ".[test]"`` from a clone).

    return_X_y : bool, default=False
        If True, return only the data (a float64 array of shape (272, 2), or
        a DataFrame when ``as_frame=True``) instead of a Bunch. The data set
        has no target, so there is no ``y`` to return.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (272, 2) or DataFrame
            Eruption time and waiting time to the next eruption, both in
            minutes, as float64. A DataFrame if ``as_frame=True``.
        feature_names : list of str
            ``["eruptions", "waiting"]``.
        frame : DataFrame of shape (272, 2) or None
            The data as a DataFrame if ``as_frame=True``, else None.
        DESCR : str
            Description of the data set, with its provenance.

    X : ndarray of shape (272, 2) or DataFrame
        Only returned if ``return_X_y=True``.

    See Also
    --------
    make_gaussian_mixture : Draw samples from a random Gaussian mixture.

    Notes
    -----
    The data are R's ``faithful`` data frame from the ``datasets`` package
    (Härdle 1991; Azzalini and Bowman 1990). The waiting times are recorded
    in whole minutes: the many tied values make it easy for a mixture with
    several components to put a degenerate (collapsed) component on them.

    References
    ----------
    .. [1] Härdle, W. (1991). Smoothing Techniques with Implementation in S.
       New York: Springer.
    .. [2] Azzalini, A. and Bowman, A. W. (1990). A look at some data on the
       Old Faithful geyser. Applied Statistics, 39, 357-365.

    Examples
    --------
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> faithful = load_old_faithful()
    >>> faithful.data.shape
    (272, 2)
    >>> faithful.feature_names
    ['eruptions', 'waiting']
    >>> faithful.data[0].tolist()
    [3.6, 79.0]
    >>> X = load_old_faithful(return_X_y=True)
    >>> X.dtype
    dtype('float64')
    """
    data, feature_names = _read_old_faithful()

    frame = None
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "load_old_faithful(as_frame=True) requires pandas, which is not "
                "installed. Install it with 'pip install pandas' (it is part of "
                "the 'test' extra: 'pip install \".[test]\"' from a clone of the "
                "gmm_estimators repository), or call "
                "load_old_faithful(as_frame=False) to get a NumPy array."
            ) from exc
        frame = pd.DataFrame(data, columns=list(feature_names))
        data = frame

    if return_X_y:
        return data

    return Bunch(
        data=data,
        feature_names=list(feature_names),
        frame=frame,
        DESCR=_OLD_FAITHFUL_DESCR,
    )


def _check_int(value, name, min_value):
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, numbers.Integral)
        or value < min_value
    ):
        raise ValueError(f"{name} must be an integer >= {min_value}, got {value!r}.")
    return int(value)


def _random_rotation(rng, n_features):
    """Draw a rotation matrix uniformly (Haar measure) from O(d)."""
    Z = rng.standard_normal(size=(n_features, n_features))
    Q, R = np.linalg.qr(Z)
    # Fix the signs so that the distribution is uniform.
    return Q * np.sign(np.diag(R))


def _random_scales(rng, size):
    """Random variances, log-uniform between 0.25 and 4 (std 0.5 to 2)."""
    return np.exp(rng.uniform(np.log(0.25), np.log(4.0), size=size))


def _random_full_covariance(rng, n_features):
    Q = _random_rotation(rng, n_features)
    variances = _random_scales(rng, n_features)
    cov = (Q * variances) @ Q.T
    # Symmetrise exactly: the product is symmetric only up to rounding.
    return 0.5 * (cov + cov.T)


def _random_covariances(rng, covariance_type, n_components, n_features):
    """Random covariances of a registered structure, as a (K, d, d) array.

    One random anisotropic covariance per component is projected on the
    structure by the structure's own M-step (each matrix counting as the
    scatter of one observation), so every registered structure, mclust's
    included, is available without a branch per type.
    """
    model = get_covariance_model(covariance_type)
    raw = np.stack(
        [_random_full_covariance(rng, n_features) for _ in range(n_components)]
    )
    scatter = model.scatter.from_full(raw)
    covariances = model.m_step(np.ones(n_components), scatter, reg_covar=0.0)
    return model.to_full(covariances, n_components, n_features)


def _check_weights(weights, n_components):
    try:
        weights = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"weights must be an array-like of {n_components} non-negative "
            f"numbers summing to 1, got {weights!r}."
        ) from exc
    if weights.shape != (n_components,):
        raise ValueError(
            f"weights must have shape (n_components,) = ({n_components},), "
            f"got an array of shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"weights must be finite and non-negative, got {weights.tolist()!r}."
        )
    total = weights.sum()
    if not np.isclose(total, 1.0, rtol=0.0, atol=1e-6):
        raise ValueError(
            f"weights must sum to 1, got {weights.tolist()!r} which sums to "
            f"{float(total)!r}. Divide them by their sum first."
        )
    return weights / total


def make_gaussian_mixture(
    n_samples=500,
    *,
    n_components=3,
    n_features=2,
    covariance_type="full",
    separation=4.0,
    weights=None,
    random_state=None,
    return_params=False,
):
    """Draw samples from a random Gaussian mixture.

    A mixture with random means and random covariances of the requested
    structure is drawn first; then each sample picks a component with
    probability given by ``weights`` and is drawn from that component.

    Parameters
    ----------
    n_samples : int, default=500
        Number of samples to draw. Must be >= 1.

    n_components : int, default=3
        Number of mixture components. Must be >= 1.

    n_features : int, default=2
        Dimension of the samples. Must be >= 1.

    covariance_type : str, default="full"
        Structure of the random covariance matrices: any registered name
        (see :func:`gmm_estimators.available_covariance_types`), for instance
        mclust's ``"VEV"``; a random anisotropic covariance per component is
        projected on the structure by its M-step. scikit-learn's names:

        - ``"full"``: each component has its own anisotropic covariance, a
          random rotation times random axis variances;
        - ``"tied"``: all components share one such covariance;
        - ``"diag"``: each component has its own random axis-aligned
          variances;
        - ``"spherical"``: each component has its own random single variance.

        Variances along the principal axes are drawn log-uniformly between
        0.25 and 4 (standard deviations between 0.5 and 2).

    separation : float, default=4.0
        Average distance between the component means, in standard
        deviations: the means are scaled so that the mean pairwise distance
        between them is ``separation`` times the root mean variance of the
        components. Must be finite and >= 0; 0 puts all means at one point.

    weights : array-like of shape (n_components,), default=None
        Mixing proportions; non-negative and summing to 1. If None, all
        components have the same weight ``1 / n_components``.

    random_state : int, RandomState instance or None, default=None
        Controls the random mixture and the samples. Pass an int for
        reproducible output.

    return_params : bool, default=False
        If True, also return the true parameters of the mixture.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The samples, float64.

    y : ndarray of shape (n_samples,)
        The integer index of the component each sample was drawn from.

    params : dict
        Only returned if ``return_params=True``. The true mixture parameters:

        - ``"weights"``: ndarray of shape (n_components,);
        - ``"means"``: ndarray of shape (n_components, n_features);
        - ``"covariances"``: ndarray of shape
          (n_components, n_features, n_features), always full matrices
          whatever ``covariance_type``.

    See Also
    --------
    load_old_faithful : A small real data set with two groups.
    sklearn.datasets.make_blobs : Isotropic Gaussian blobs.

    Notes
    -----
    Let :math:`\\Sigma_k` be the drawn covariances and
    :math:`\\bar\\sigma^2 = \\frac{1}{Kd}\\sum_k \\operatorname{tr}\\Sigma_k`
    their mean variance. Means are first drawn from a standard normal
    distribution and then rescaled so that the average of
    :math:`\\lVert\\mu_j - \\mu_k\\rVert` over pairs :math:`j < k` equals
    ``separation`` :math:`\\times\\,\\bar\\sigma`. The separation is an
    average: two given components can be closer than that.

    Examples
    --------
    >>> from gmm_estimators.datasets import make_gaussian_mixture
    >>> X, y = make_gaussian_mixture(200, n_components=3, random_state=0)
    >>> X.shape, y.shape
    ((200, 2), (200,))
    >>> sorted(set(y.tolist()))
    [0, 1, 2]
    >>> X, y, params = make_gaussian_mixture(
    ...     100, n_components=2, n_features=3, covariance_type="diag",
    ...     return_params=True, random_state=0)
    >>> params["means"].shape, params["covariances"].shape
    ((2, 3), (2, 3, 3))
    >>> params["weights"].tolist()
    [0.5, 0.5]
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_components = _check_int(n_components, "n_components", 1)
    n_features = _check_int(n_features, "n_features", 1)
    known = available_covariance_types(aliases=True)
    if not isinstance(covariance_type, str) or covariance_type not in known:
        raise ValueError(
            f"covariance_type must be one of {known}, got {covariance_type!r}."
        )
    max_features = get_covariance_model(covariance_type).max_n_features
    if max_features is not None and n_features > max_features:
        raise ValueError(
            f"covariance_type {covariance_type!r} is defined for at most "
            f"{max_features} feature(s), got n_features={n_features}."
        )
    if (
        isinstance(separation, bool | np.bool_)
        or not isinstance(separation, numbers.Real)
        or not np.isfinite(separation)
        or separation < 0
    ):
        raise ValueError(
            f"separation must be a finite number >= 0, got {separation!r}."
        )
    if weights is None:
        weights = np.full(n_components, 1.0 / n_components)
    else:
        weights = _check_weights(weights, n_components)

    rng = check_random_state(random_state)

    covariances = _random_covariances(rng, covariance_type, n_components, n_features)
    mean_std = np.sqrt(np.trace(covariances, axis1=1, axis2=2).mean() / n_features)

    # A separation near the float64 limit overflows: refused below, not warned.
    with np.errstate(over="ignore", invalid="ignore"):
        means = rng.standard_normal(size=(n_components, n_features))
        if n_components > 1:
            means -= means.mean(axis=0)
            diff = means[:, np.newaxis, :] - means[np.newaxis, :, :]
            dist = np.sqrt((diff**2).sum(axis=-1))
            mean_dist = dist[np.triu_indices(n_components, k=1)].mean()
            means *= separation * mean_std / mean_dist
        else:
            # One component: its mean is at a random point at the same scale.
            means *= separation * mean_std / np.sqrt(2.0 * n_features)

        y = rng.choice(n_components, size=n_samples, p=weights).astype(np.intp)
        X = np.empty((n_samples, n_features), dtype=np.float64)
        for k in range(n_components):
            mask = y == k
            n_k = int(mask.sum())
            if n_k == 0:
                continue
            chol = np.linalg.cholesky(covariances[k])
            X[mask] = means[k] + rng.standard_normal(size=(n_k, n_features)) @ chol.T
    if not (np.all(np.isfinite(means)) and np.all(np.isfinite(X))):
        raise ValueError(
            f"separation={separation!r} puts the means beyond the float64 range "
            "(the samples overflow to infinity); pass a smaller separation."
        )

    if return_params:
        params = {
            "weights": weights.copy(),
            "means": means,
            "covariances": covariances,
        }
        return X, y, params
    return X, y
