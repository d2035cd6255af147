"""Prior forms: the conjugate prior a structure's covariance takes.

Each structure names its form in ``CovarianceModel.prior_family``; code
outside this package (the conjugate prior of ``_prior``, the variational
mixture) asks the form instead of comparing kinds:

* :data:`INVERSE_WISHART` (``"matrix"``, the structures with orientations):
  an inverse Wishart kernel ``|Sigma|^(-(nu + d + 1) / 2)
  exp(-tr(Sigma^-1 Lambda) / 2)`` on the covariance matrix, its scale a
  ``(d, d)`` matrix;
* :data:`DIAGONAL_INVERSE_GAMMA` (``"diagonal"``, the axis-aligned
  structures): an inverse gamma ``IG(nu / 2, zeta_j / 2)`` on each variance,
  its scale a ``(d,)`` vector;
* :data:`SPHERICAL_INVERSE_GAMMA` (``"spherical"``): an inverse gamma
  ``IG(nu / 2, zeta / 2)`` on the one variance, its scale a number.

All three are the same expression in ``Sigma``,
``-2 log p = c log|Sigma| + tr(Sigma^-1 L) + const``, with

=============  =====================  =============================
form           ``c``                  ``L``
=============  =====================  =============================
matrix         ``nu + d + 1``         ``Lambda``
diagonal       ``nu + 2``             ``diag(zeta_1, ..., zeta_d)``
spherical      ``(nu + 2) / d``       ``(zeta / d) I``
=============  =====================  =============================

so the MAP M-step needs of a form only ``c`` as a function of ``nu``
(:meth:`PriorForm.count_per_unit_dof`) and ``L`` (:meth:`PriorForm.scale_matrix`);
see ``gmm_estimators._prior`` for the step itself.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.utils import check_array

__all__ = [
    "DIAGONAL_INVERSE_GAMMA",
    "INVERSE_WISHART",
    "SPHERICAL_INVERSE_GAMMA",
    "PriorForm",
    "prior_form_of",
]


class PriorForm:
    """The form of a covariance structure's conjugate prior.

    A small stateless object: the forms differ in the shape of the prior's
    scale and in the count the prior adds to each component. Subclasses
    implement every method; the three instances of this module are the ones
    the registered structures use.

    Attributes
    ----------
    name : str
        ``"matrix"``, ``"diagonal"`` or ``"spherical"``, for messages.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> form = get_covariance_model("diag").prior_family
    >>> form.name
    'diagonal'
    >>> form.scale_from_matrix(np.diag([1.0, 4.0]))
    array([1., 4.])
    >>> form.scale_matrix(np.array([1.0, 4.0]), 2)
    array([[1., 0.],
           [0., 4.]])
    """

    name = None

    def count_per_unit_dof(self, n_features):
        """``dc/dnu`` and ``c`` at ``nu = 0`` of the determinant term's count ``c``.

        Parameters
        ----------
        n_features : int

        Returns
        -------
        slope, intercept : float
        """
        raise NotImplementedError

    def default_scale(self, covariance, factor, n_rows):
        """mclust's ``defaultPrior`` scale, in this form.

        Parameters
        ----------
        covariance : ndarray of shape (d, d)
            The data's (weighted) covariance matrix.
        factor : float
            ``K^(-2/d)``.
        n_rows : float
            Rows of the data, the sum of their weights with frequency weights
            (mclust keeps only the diagonal when ``n <= d``).

        Returns
        -------
        scale : ndarray or float
        """
        raise NotImplementedError

    def scale_from_matrix(self, matrix):
        """A symmetric ``(d, d)`` scale matrix in this form."""
        raise NotImplementedError

    def scale_matrix(self, scale, n_features):
        """``L``: the form's scale as the ``(d, d)`` matrix of ``tr(Sigma^-1 L)``."""
        raise NotImplementedError

    def empirical_covariance_prior(self, covariance):
        """scikit-learn's default ``covariance_prior`` (variational mixture).

        Parameters
        ----------
        covariance : ndarray of shape (d, d)
            The data's empirical covariance.

        Returns
        -------
        covariance_prior : ndarray or float
            The matrix, its diagonal, or the mean of its diagonal.
        """
        raise NotImplementedError

    def check_covariance_prior(self, value, n_features, covariance_type):
        """A user's ``covariance_prior`` (variational mixture), validated.

        Parameters
        ----------
        value : float or array-like
        n_features : int
        covariance_type : str
            For messages.

        Returns
        -------
        covariance_prior : ndarray or float
        """
        raise NotImplementedError

    def __repr__(self):
        return f"<prior form {self.name}>"


def _check_shape(array, shape, name):
    if array.shape != shape:
        raise ValueError(f"{name} should have shape {shape}, but got {array.shape}.")


def _as_array(value, shape, covariance_type):
    if np.ndim(value) == 0:
        # check_array's own message ("Input should have at least 1
        # dimension") names neither the parameter nor the shape.
        example = (
            f"value * np.eye({shape[0]})"
            if len(shape) == 2
            else f"np.full({shape[0]}, value)"
        )
        raise ValueError(
            f"covariance_prior for covariance_type {covariance_type!r} should be "
            f"an array of shape {shape}; got {value!r}. A number is the prior "
            f"of the spherical structures only: pass {example}."
        )
    return check_array(
        value,
        dtype=[np.float64, np.float32],
        ensure_2d=False,
        input_name="covariance_prior",
    )


class _InverseWishart(PriorForm):
    name = "matrix"

    def count_per_unit_dof(self, n_features):
        return 1.0, n_features + 1.0

    def default_scale(self, covariance, factor, n_rows):
        # mclust: var(data) when n > p, otherwise the diagonal of it.
        if n_rows > covariance.shape[0]:
            return factor * covariance
        return factor * np.diag(np.diag(covariance))

    def scale_from_matrix(self, matrix):
        return matrix

    def scale_matrix(self, scale, n_features):
        return np.asarray(scale, dtype=np.float64)

    def empirical_covariance_prior(self, covariance):
        return np.atleast_2d(covariance)

    def check_covariance_prior(self, value, n_features, covariance_type):
        prior = _as_array(value, (n_features, n_features), covariance_type)
        _check_shape(prior, (n_features, n_features), "covariance_prior")
        if not np.allclose(prior, prior.T) or np.linalg.eigvalsh(prior).min() <= 0:
            raise ValueError(
                f"covariance_prior for covariance_type {covariance_type!r} "
                "should be symmetric, positive-definite; pass a covariance "
                "matrix."
            )
        return prior


class _DiagonalInverseGamma(PriorForm):
    name = "diagonal"

    def count_per_unit_dof(self, n_features):
        return 1.0, 2.0

    def default_scale(self, covariance, factor, n_rows):
        # One number, the average variance (mclust uses the same zeta for
        # every variance of a diagonal structure).
        d = covariance.shape[0]
        return np.full(d, factor * float(np.trace(covariance)) / d)

    def scale_from_matrix(self, matrix):
        return np.diag(matrix).copy()

    def scale_matrix(self, scale, n_features):
        return np.diag(np.broadcast_to(np.asarray(scale, np.float64), n_features))

    def empirical_covariance_prior(self, covariance):
        return np.diag(covariance).copy()

    def check_covariance_prior(self, value, n_features, covariance_type):
        prior = _as_array(value, (n_features,), covariance_type)
        _check_shape(prior, (n_features,), "covariance_prior")
        if np.any(prior <= 0):
            raise ValueError(
                f"covariance_prior for covariance_type {covariance_type!r} "
                f"should be positive, but got minimum {prior.min()!r}."
            )
        return prior


class _SphericalInverseGamma(PriorForm):
    name = "spherical"

    def count_per_unit_dof(self, n_features):
        return 1.0 / n_features, 2.0 / n_features

    def default_scale(self, covariance, factor, n_rows):
        return factor * float(np.trace(covariance)) / covariance.shape[0]

    def scale_from_matrix(self, matrix):
        return float(np.trace(matrix)) / matrix.shape[0]

    def scale_matrix(self, scale, n_features):
        return (float(scale) / n_features) * np.eye(n_features)

    def empirical_covariance_prior(self, covariance):
        return float(np.diag(covariance).copy().mean())

    def check_covariance_prior(self, value, n_features, covariance_type):
        # One number, or an array or list holding one (scikit-learn takes
        # np.array(2.0) and [2.0] too).
        number = value
        if not isinstance(value, Real) and not isinstance(value, str | bytes):
            try:
                array = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                array = None
            if array is not None and array.size == 1:
                number = float(array.ravel()[0])
        if not isinstance(number, Real) or not (number > 0 and np.isfinite(number)):
            raise ValueError(
                "covariance_prior for covariance_type "
                f"{covariance_type!r} should be a positive number, "
                f"but got {value!r}."
            )
        return number


#: Inverse Wishart on a covariance matrix (VVV, EEE and every structure with
#: orientations).
INVERSE_WISHART = _InverseWishart()
#: Inverse gamma on each variance of a diagonal covariance (VVI, EEI, VEI, EVI).
DIAGONAL_INVERSE_GAMMA = _DiagonalInverseGamma()
#: Inverse gamma on the one variance of a spherical covariance (VII, EII, E, V).
SPHERICAL_INVERSE_GAMMA = _SphericalInverseGamma()

_BY_NAME = {
    form.name: form
    for form in (INVERSE_WISHART, DIAGONAL_INVERSE_GAMMA, SPHERICAL_INVERSE_GAMMA)
}


def prior_form_of(model):
    """The :class:`PriorForm` of a structure.

    A structure declares it as ``prior_family``; the names ``"matrix"``,
    ``"diagonal"`` and ``"spherical"`` are accepted for the forms of this
    module.

    Parameters
    ----------
    model : CovarianceModel

    Returns
    -------
    form : PriorForm

    Examples
    --------
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> from gmm_estimators.covariance._priors import prior_form_of
    >>> prior_form_of(get_covariance_model("EII")).name
    'spherical'
    """
    form = getattr(model, "prior_family", INVERSE_WISHART)
    if isinstance(form, PriorForm):
        return form
    if isinstance(form, str) and form in _BY_NAME:
        return _BY_NAME[form]
    raise ValueError(
        f"Covariance structure {model.name!r} declares prior_family={form!r}; "
        f"expected a PriorForm or one of {tuple(_BY_NAME)}."
    )
