"""GaussianMixtureRegressor: regression by the conditional of a joint mixture."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import re
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._conditional import ConditionalMixture, conditional_gaussians
from ._engine._data import relative_weights
from ._engine._sources import check_not_chunks
from ._engine._validation import validate_data
from ._fitted import fitted_model, unfitted_on_failure
from ._gaussian_mixture import Count, GaussianMixture
from ._initialization import INITIALIZERS
from ._pickling import PortablePickle
from ._sampling import check_draw_count
from ._warn import as_wrapped_mixture, relabel_columns, reworded
from .covariance import RegisteredCovarianceType

__all__ = ["GaussianMixtureRegressor"]


def _in_terms_of_x_and_y(message, n_features):
    """A joint mixture's warning about columns of ``[X, y]``, in X's and y's terms.

    The regressor fits a ``GaussianMixture`` to ``[X, y]``: its warnings
    count the targets as more features, and address that mixture.
    """
    # The joint rows on a hyperplane: targets that X determines exactly.
    message = re.sub(
        r"\bthe rows of X span (\d+) of the (\d+) dimensions of its varying "
        r"features( \(\d+ rows\))?: some features are linear functions of "
        r"others, or there are too few rows\.",
        r"the rows of [X, y] span \1 of the \2 dimensions of their varying "
        r"columns\3: y (or a feature of X) is a linear function of the other "
        r"columns, or there are too few rows.",
        message,
    )
    message = re.sub(
        r"Leave the dependent features out, or project X onto its span "
        r"\(e\.g\. sklearn\.decomposition\.PCA\(n_components=\d+\)\)\.",
        "Leave dependent features of X out; targets that X determines exactly "
        "need no mixture (sklearn.linear_model.LinearRegression fits them).",
        message,
    )
    message = relabel_columns(
        message, lambda j: ("X", j) if j < n_features else ("y", j - n_features)
    )
    return as_wrapped_mixture(
        message, "GaussianMixtureRegressor", "its joint mixture of [X, y], mixture_"
    )


def _check_target_squares_fit(Y):
    """Name y, not the joint data's X, when the targets' squares overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        centred = Y - Y.mean(axis=0)
        spread = np.einsum("ij,ij->j", centred, centred)
    if not np.all(np.isfinite(spread)):
        raise ValueError(
            f"y has values of magnitude up to {np.abs(Y).max():.3g}: their squares "
            "overflow float64, so no covariance can be estimated from them. "
            "Rescale y (e.g. divide it by a power of ten; the predictions scale "
            "with it)."
        )


class GaussianMixtureRegressor(PortablePickle, RegressorMixin, BaseEstimator):
    """Gaussian mixture regression: the conditional of a joint mixture.

    A Gaussian mixture is fitted to the joint data ``[X, y]``; predictions
    are the conditional distribution of ``y`` given ``X``, itself a Gaussian
    mixture whose components are linear regressions and whose weights depend
    on ``X``. The prediction is its mean; :meth:`predict` also gives its
    standard deviation and :meth:`sample_y` draws from it, so the model
    captures multi-modal and heteroscedastic targets. Several targets are
    predicted jointly. Missing inputs (NaN in ``X``) are marginalised out, in
    ``fit`` and in prediction (a row with no input at all gets the targets'
    marginal distribution).

    Parameters
    ----------
    n_components : int, default=2
        Number of mixture components.
    covariance_type : str, default='full'
        Covariance structure of the joint mixture; any of
        :func:`available_covariance_types` (the regression needs the
        covariance between inputs and targets, so axis-aligned structures
        predict the targets' component means only).
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance.
    max_iter : int, default=100
        EM iterations.
    tol : float, default=1e-3
        EM convergence threshold.
    n_init : int, default=1
        Number of EM starts.
    init_params : str, default='kmeans'
        Initialiser of :class:`GaussianMixture`.
    random_state : int, RandomState instance or None, default=None
        Seeds the fit. (:meth:`sample_y` has its own ``random_state``, 0 by
        default, as scikit-learn's ``GaussianProcessRegressor``.)

    Attributes
    ----------
    mixture_ : GaussianMixture
        The joint mixture over ``n_features_in_ + n_targets_`` features (inputs
        first).
    n_targets_ : int
        Number of targets.
    n_iter_ : int
        EM iterations of the joint mixture's kept run.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    condition : The conditional mixture behind the predictions.
    GaussianMixture : The joint mixture.

    Notes
    -----
    With joint components ``N((mu_kx, mu_ky), [[S_k,xx, S_k,xy], [S_k,yx,
    S_k,yy]])``, the conditional of ``y`` given ``x`` is the mixture with
    weights ``w_k(x)`` proportional to ``pi_k N(x | mu_kx, S_k,xx)``, means
    ``m_k(x) = mu_ky + S_k,yx S_k,xx^{-1} (x - mu_kx)`` and covariances
    ``C_k = S_k,yy - S_k,yx S_k,xx^{-1} S_k,xy``. The prediction is
    ``sum_k w_k(x) m_k(x)``; its variance, by the law of total variance,
    ``sum_k w_k(x) (C_k + m_k(x) m_k(x)^T) - m(x) m(x)^T``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixtureRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> y = np.where(X[:, 0] < 0, -X[:, 0], 2 * X[:, 0]) + 0.1 * rng.randn(200)
    >>> reg = GaussianMixtureRegressor(n_components=2, random_state=0).fit(X, y)
    >>> reg.predict([[-2.0], [2.0]]).round(1)
    array([2., 4.])
    """

    _parameter_constraints: dict = {
        "n_components": [Count()],
        "covariance_type": [RegisteredCovarianceType()],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(INITIALIZERS))],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=2,
        *,
        covariance_type="full",
        reg_covar=1e-6,
        max_iter=100,
        tol=1e-3,
        n_init=1,
        init_params="kmeans",
        random_state=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    @unfitted_on_failure
    def fit(self, X, y):
        """Fit the joint mixture of ``[X, y]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs; NaN marks missing values (marginalised by EM; a row
            needs at least one observed input or target).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets, finite.

        Returns
        -------
        self : object
            The fitted regressor.
        """
        return self._fit(X, y)

    def _fit(self, X, y):
        check_not_chunks(self, X, method="fit")
        X, y = validate_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
            ensure_all_finite="allow-nan",
            ensure_min_samples=2,
        )
        self._y_ndim = np.ndim(y)
        Y = np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1)
        _check_target_squares_fit(Y)
        # Imported here: model_selection imports the estimators' modules.
        from .model_selection._candidates import check_types_fit

        check_types_fit(
            [self.covariance_type],
            X.shape[1] + Y.shape[1],
            parameter="covariance_type",
            remedy="(use 'EII' or 'VII' instead of 'E' or 'V')",
            data=(
                f"the joint mixture of X and y ({X.shape[1]} + {Y.shape[1]} "
                "columns) has"
            ),
        )
        self.n_targets_ = Y.shape[1]
        joint = GaussianMixture(
            self.n_components,
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            max_iter=self.max_iter,
            tol=self.tol,
            n_init=self.n_init,
            init_params=self.init_params,
            random_state=self.random_state,
        )
        reword = partial(_in_terms_of_x_and_y, n_features=X.shape[1])
        with reworded(reword, errors=True):
            self.mixture_ = joint.fit(np.hstack([X.astype(np.float64), Y]))
        self.n_iter_ = self.mixture_.n_iter_
        return self

    def conditional(self, X):
        """The mixture of the targets given each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs; NaN entries are marginalised out.

        Returns
        -------
        conditional : ConditionalMixture
            Over the ``n_targets_`` targets.
        """
        check_is_fitted(self)
        check_not_chunks(self, X)
        X = validate_data(
            self,
            X,
            reset=False,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )
        mixture = self.mixture_
        n_components, n_joint = mixture.means_.shape
        d, t = X.shape[1], self.n_targets_
        full = fitted_model(mixture).to_full(
            np.asarray(mixture.covariances_, np.float64), n_components, n_joint
        )
        joint = np.full((X.shape[0], n_joint), np.nan)
        joint[:, :d] = X
        n = X.shape[0]
        weights = np.empty((n, n_components))
        means = np.empty((n, n_components, t))
        log_marginal = np.empty(n)
        covariances = None
        for pattern, resp, cond_means, cond_covs, log_norm in conditional_gaussians(
            joint, mixture.weights_, mixture.means_, full
        ):
            # The targets are the last t of the pattern's missing features.
            targets = slice(pattern.missing.size - t, None)
            weights[pattern.rows] = resp
            means[pattern.rows] = cond_means[:, :, targets]
            log_marginal[pattern.rows] = log_norm
            covs = cond_covs[:, targets, targets]
            if covariances is None:
                covariances = covs
            elif not np.array_equal(covariances, covs):
                # Rows with different missing inputs have different
                # conditional covariances: keep one per row via the widest
                # shape (rare; only with NaN in X).
                covariances = _per_row(covariances, n, pattern.rows, covs)
        return ConditionalMixture(
            weights, means, covariances, np.arange(d, d + t), log_marginal
        )

    def predict(self, X, return_std=False):
        """Conditional mean of the targets given X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard deviation of each target under the
            conditional distribution.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_targets)
        y_std : ndarray of the same shape, only with ``return_std=True``
        """
        conditional = self.conditional(X)
        mean = self._shape_y(conditional.mean())
        if not return_std:
            return mean
        covariance = conditional.covariance()
        std = np.sqrt(np.maximum(np.diagonal(covariance, axis1=1, axis2=2), 0.0))
        return mean, self._shape_y(std)

    def sample_y(self, X, n_samples=1, random_state=0):
        """Draw targets from their conditional distribution given X.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
        n_samples : int, default=1
            Draws per row of X.
        random_state : int, RandomState instance or None, default=0
            Seed of the draws (scikit-learn's ``GaussianProcessRegressor``
            convention).

        Returns
        -------
        y_samples : ndarray of shape (n_samples_X, n_samples) or \
                (n_samples_X, n_targets, n_samples)
        """
        n_samples = check_draw_count(n_samples)
        conditional = self.conditional(X)
        rng = check_random_state(random_state)
        draws = conditional.sample(n_samples, rng)  # (n, s, t)
        if self._y_ndim == 1:
            return draws[:, :, 0]
        return draws.transpose(0, 2, 1)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination ``R^2`` of :meth:`predict` on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            ``1 - sum (y - y_pred)^2 / sum (y - mean(y))^2`` (averaged uniformly
            over targets), as :func:`sklearn.metrics.r2_score`.
        """
        return super().score(X, y, sample_weight=relative_weights(sample_weight, y))

    def _shape_y(self, values):
        return values[:, 0] if self._y_ndim == 1 else values


# Conditional covariances differ between rows only when inputs are missing;
# then the ConditionalMixture holds one (K, t, t) stack per row.


def _per_row(covariances, n, rows, covs):
    if covariances.ndim == 3:
        covariances = np.broadcast_to(covariances, (n, *covariances.shape)).copy()
    covariances[rows] = covs
    return covariances
