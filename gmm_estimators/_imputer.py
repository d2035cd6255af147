"""GaussianMixtureImputer: missing values from a mixture's conditionals."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.impute import MissingIndicator
from sklearn.utils import check_random_state
from sklearn.utils._missing import is_scalar_nan
from sklearn.utils._param_validation import Interval, MissingValues, StrOptions
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    _check_feature_names_in,
    check_is_fitted,
)

from ._engine import one_blas_thread
from ._engine._sources import check_not_chunks, is_streamed
from ._engine._validation import validate_data
from ._fitted import fitted_model, unfitted_on_failure
from ._gaussian_mixture import Count, GaussianMixture
from ._initialization import INITIALIZERS
from ._missing_fill import fill_missing
from ._pickling import PortablePickle
from ._warn import as_wrapped_mixture, relabel_columns, reworded
from .covariance import RegisteredCovarianceType, get_covariance_model
from .covariance._linalg import _safe_cholesky as safe_cholesky
from .exceptions import NoSoundCandidateError

__all__ = ["GaussianMixtureImputer"]

# Numbers of components tried when n_components is None.
_DEFAULT_CANDIDATES = (1, 2, 3, 4, 5)


def _remedies(ks, types, X):
    """What to try when no candidate of the imputer's search is sound.

    ``X`` is what the search fitted (the non-empty features): its features
    are named by their indices there, which the caller's ``reworded``
    relabels as the user's columns.
    """
    remedies = []
    # A feature observed in one row gives every component that holds the
    # row a variance from that row alone (a collapse), whatever the
    # structure, unless it shares one variance with the other features.
    once = np.flatnonzero(np.count_nonzero(~np.isnan(X), axis=0) < 2)
    if once.size:
        named = ", ".join(str(int(j)) for j in once)
        remedies.append(
            f"use covariance_type='spherical' or leave out feature(s) {named} "
            "of X (observed in one row only)"
        )
    if min(ks) > 1:
        remedies.append("include smaller numbers of components")
    from ._class_selection import axis_aligned  # imports the selector

    if not once.size and not all(axis_aligned(t, X.shape[1]) for t in types):
        # A full covariance needs more rows in general position than
        # features in every component.
        remedies.append("use covariance_type='diag' or 'spherical'")
    remedies += ["add rows", "add jitter to discretised data"]
    return f"Remedies: {'; '.join(remedies[:-1])}; or {remedies[-1]}."


class GaussianMixtureImputer(PortablePickle, TransformerMixin, BaseEstimator):
    """Impute missing values from the conditionals of a Gaussian mixture.

    A Gaussian mixture is fitted to the data with its missing entries by EM
    on the observed-data likelihood (values missing at random); each missing
    entry is then replaced by its conditional expectation given the row's
    observed entries (or, with ``sample_posterior=True``, by a draw from the
    conditional distribution, for multiple imputation). Unlike one Gaussian
    (a linear regression on the other features), the mixture captures
    clusters and non-linear dependence.

    Parameters
    ----------
    missing_values : float, default=np.nan
        The placeholder of missing values; only ``np.nan`` is supported (the
        parameter follows scikit-learn's imputers). Replace another
        placeholder first, for example ``X[X == -1] = np.nan``.
    n_components : int, array-like of int or None, default=None
        Number of components. None chooses it by BIC among 1 to 5; a list
        chooses among its values. The choice is made by
        :class:`~gmm_estimators.model_selection.GaussianMixtureIC` on the
        observed-data likelihood; it never picks a fit whose component
        collapsed.
    covariance_type : str or list of str, default='full'
        Covariance structure (any of :func:`available_covariance_types`, with
        aliases); a list chooses among them by BIC together with the number
        of components.
    sample_posterior : bool, default=False
        If True, each missing entry is drawn from its conditional
        distribution given the row's observed entries instead of being set
        to its conditional mean. Several imputations with different
        ``random_state`` then give multiple imputation.
    add_indicator : bool, default=False
        If True, a :class:`~sklearn.impute.MissingIndicator` is appended to
        the output (one column per feature with missing values in ``fit``).
    keep_empty_features : bool, default=False
        Features missing in every row of ``fit`` carry no information and are
        left out of the mixture. With False they are dropped from the output
        of :meth:`transform`; with True they are kept and filled with 0 (the
        convention of scikit-learn's imputers).
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, in the data's squared units.
    max_iter : int, default=100
        EM iterations per fit.
    tol : float, default=1e-3
        EM convergence threshold on the mean log-likelihood.
    n_init : int, default=1
        Starts per candidate mixture.
    init_params : str, default='kmeans'
        Initialiser of :class:`GaussianMixture` (run on the data with each
        missing entry replaced by its feature's mean).
    random_state : int, RandomState instance or None, default=None
        Seeds the fits and the draws of ``sample_posterior``. With an int
        seed, :meth:`transform` draws the same values on every call; pass a
        ``RandomState`` instance to make successive calls differ.

    Attributes
    ----------
    mixture_ : GaussianMixture
        The fitted (or chosen) mixture, over the non-empty features.
    n_components_ : int
        Its number of components.
    covariance_type_ : str
        Its covariance structure.
    n_iter_ : int
        EM iterations of the kept run of ``mixture_``.
    results_ : dict of ndarray or None
        The candidates compared by BIC, the ``results_`` table of
        :class:`~gmm_estimators.model_selection.GaussianMixtureIC`; None when
        ``n_components`` and ``covariance_type`` are both fixed.
    indicator_ : MissingIndicator or None
        The indicator appended with ``add_indicator=True``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    GaussianMixture : The mixture, which fits data with NaN directly.
    condition : The conditional mixture used for the imputation.
    sklearn.impute.IterativeImputer : Imputation by chained regressions.

    Notes
    -----
    For a row with observed features ``o`` and missing features ``m``, the
    imputed value is the conditional mean

    ``E[x_m | x_o] = sum_k p(k | x_o) (mu_km + S_k,mo S_k,oo^{-1} (x_o - mu_ko))``

    with ``p(k | x_o)`` proportional to ``pi_k N(x_o | mu_ko, S_k,oo)``. With
    ``sample_posterior=True`` a component is drawn from ``p(k | x_o)`` and the
    values from its Gaussian conditional. A row with nothing observed
    carries nothing to fit: ``fit`` leaves it out, and :meth:`transform`
    fills it with the mixture's mean (or a draw from the mixture). Rows are
    grouped by missingness pattern: the work is a few matrix products per
    pattern.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixtureImputer
    >>> X = np.array([[1.0, 2.0], [2.0, 4.1], [3.0, np.nan], [4.0, 7.9], [5.0, 10.1]])
    >>> imputer = GaussianMixtureImputer(n_components=1).fit(X)
    >>> imputer.transform(X)[2].round(1)
    array([3., 6.])
    """

    _parameter_constraints: dict = {
        "missing_values": [MissingValues(numeric_only=True)],
        "n_components": [Count(), "array-like", None],
        "covariance_type": [
            RegisteredCovarianceType(),
            list,
            tuple,
        ],
        "sample_posterior": ["boolean"],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [StrOptions(set(INITIALIZERS))],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        missing_values=np.nan,
        n_components=None,
        covariance_type="full",
        sample_posterior=False,
        add_indicator=False,
        keep_empty_features=False,
        reg_covar=1e-6,
        max_iter=100,
        tol=1e-3,
        n_init=1,
        init_params="kmeans",
        random_state=None,
    ):
        self.missing_values = missing_values
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.sample_posterior = sample_posterior
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.init_params = init_params
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _check_missing_values(self):
        if not is_scalar_nan(self.missing_values):
            raise ValueError(
                f"{type(self).__name__} supports only missing_values=np.nan; got "
                f"{self.missing_values!r}. Replace the placeholder by NaN first, "
                "for example X = np.where(X == placeholder, np.nan, X)."
            )

    def _candidates(self):
        if self.n_components is None:
            ks = list(_DEFAULT_CANDIDATES)
        elif isinstance(self.n_components, Integral):
            ks = [int(self.n_components)]
        else:
            ks = np.asarray(self.n_components).ravel().tolist()
            if not ks or not all(
                isinstance(k, Integral) and not isinstance(k, bool) and k >= 1
                for k in ks
            ):
                raise ValueError(
                    "n_components must be None, a positive int or a non-empty list "
                    f"of positive ints; got {self.n_components!r}."
                )
        types = (
            [self.covariance_type]
            if isinstance(self.covariance_type, str)
            else list(self.covariance_type)
        )
        if not types:
            raise ValueError("covariance_type is an empty list; give at least one.")
        for name in types:
            get_covariance_model(name)  # a clear error for an unknown name
        return ks, types

    @_fit_context(prefer_skip_nested_validation=True)
    @unfitted_on_failure
    def fit(self, X, y=None):
        """Fit the Gaussian mixture (chosen by BIC unless fixed) to X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with NaN where values are missing.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        return self._fit(X)

    def _fit(self, X):
        self._check_missing_values()
        check_not_chunks(self, X, method="fit")
        X = validate_data(
            self,
            X,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            ensure_min_samples=2,
        )
        ks, types = self._candidates()
        mask = np.isnan(X)
        self._empty_features = mask.all(axis=0)
        if self._empty_features.all():
            raise ValueError(
                "Every feature of X is missing (NaN) in every row; there is nothing "
                "to fit the mixture to."
            )
        kept = X[:, ~self._empty_features]
        # A row with no observed value carries nothing to fit (the mixture
        # would refuse it); transform fills such rows with the mixture's mean.
        observed_rows = ~np.isnan(kept).all(axis=1)
        if observed_rows.sum() < 2:
            raise ValueError(
                "X has fewer than 2 rows with an observed value; there is nothing "
                "to fit the mixture to."
            )
        kept = kept[observed_rows]
        params = {
            "reg_covar": self.reg_covar,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "n_init": self.n_init,
            "init_params": self.init_params,
            "random_state": self.random_state,
        }
        # The mixture's warnings name the columns of X (the empty ones left
        # out of its data).
        columns = np.flatnonzero(~self._empty_features)
        relabel = partial(relabel_columns, name=lambda j: ("X", columns[j]))
        with reworded(relabel, errors=True):
            if len(ks) == 1 and len(types) == 1:
                self.mixture_ = GaussianMixture(
                    ks[0], covariance_type=types[0], **params
                )
                with reworded(partial(as_wrapped_mixture, owner=type(self).__name__)):
                    self.mixture_.fit(kept)
                self.results_ = None
            else:
                # Imported here: model_selection imports the estimators' modules.
                from .model_selection import GaussianMixtureIC
                from .model_selection._candidates import check_types_fit

                check_types_fit(
                    types,
                    kept.shape[1],
                    parameter="covariance_type",
                    remedy="(for example use 'VII' or 'EII' instead of 'V' or 'E')",
                )

                # search="grid": each candidate is GaussianMixture's fit of these
                # settings, in their documented meaning whether or not X has
                # missing values (the thorough search, taken on complete data,
                # read reg_covar relative to the data's spread and tol as
                # mclust's relative rule).
                selector = GaussianMixtureIC(
                    n_components=ks, covariance_types=types, search="grid", **params
                )
                try:
                    selector.fit(kept)
                except NoSoundCandidateError as error:
                    # The selector's remedies named its own prior and results_.
                    raise NoSoundCandidateError(
                        f"{type(self).__name__} found no sound mixture among "
                        f"n_components={ks} and covariance_type={types}: every fit "
                        "is degenerate (a component collapsed), spurious (a component "
                        "far narrower than another) or failed. "
                        + _remedies(ks, types, kept)
                    ) from error
                self.mixture_ = selector.best_estimator_
                self.results_ = selector.results_
        self.n_components_ = int(self.mixture_.n_components)
        self.covariance_type_ = str(self.mixture_.covariance_type)
        self.n_iter_ = int(self.mixture_.n_iter_)
        if self.add_indicator:
            self.indicator_ = MissingIndicator(
                missing_values=np.nan, error_on_new=False
            ).fit(X)
        else:
            self.indicator_ = None
        return self

    def transform(self, X):
        """Replace the missing values of X by conditional means (or draws).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with NaN where values are missing.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            X without missing values; features empty in ``fit`` are dropped
            (or filled with 0 if ``keep_empty_features=True``), and the
            missing indicator is appended if ``add_indicator=True``.
        """
        check_is_fitted(self)
        check_not_chunks(self, X, method="transform")
        if is_streamed(X):
            # Read into memory first: the output is, and scikit-learn's copy
            # check asks Dask for may_share_memory (a FutureWarning).
            X = np.asarray(X)
        X = validate_data(
            self,
            X,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            reset=False,
            copy=True,
        )
        # The indicator reads the missing entries as given, before filling.
        indicator = None if self.indicator_ is None else self.indicator_.transform(X)
        kept = X[:, ~self._empty_features]
        if np.isnan(kept).any():
            kept = self._impute(kept)
        if self.keep_empty_features:
            out = X
            out[:, ~self._empty_features] = kept
            # Only the missing entries of the empty features become 0: an
            # imputer never changes an observed value (scikit-learn's too).
            empty = out[:, self._empty_features]
            empty[np.isnan(empty)] = 0.0
            out[:, self._empty_features] = empty
        else:
            out = kept
        if indicator is not None:
            out = np.hstack([out, indicator.astype(out.dtype)])
        return out

    def _impute(self, X):
        """Fill the NaN of X in place (see ``_missing_fill.fill_missing``)."""
        mixture = self.mixture_
        n_components, n_features = mixture.means_.shape
        full = fitted_model(mixture).to_full(
            np.asarray(mixture.covariances_, np.float64), n_components, n_features
        )
        weights = np.asarray(mixture.weights_, np.float64)
        means = np.asarray(mixture.means_, np.float64)
        draw = None
        if self.sample_posterior:
            rng = check_random_state(self.random_state)

            def draw(resp, means, covariances, pattern_of_row):
                return _draw(resp, means, covariances, pattern_of_row, rng)

        missing = np.isnan(X)
        with one_blas_thread():
            filled = fill_missing(X, weights, means, full, draw)
        # Observed values near float64's limit (1e308) overflow the
        # conditional means (NaN, or inf where the mean itself is beyond it):
        # said by name, never returned.
        bad = missing & ~np.isfinite(filled)
        if bad.any():
            rows = np.flatnonzero(bad.any(axis=1))
            shown = ", ".join(str(i) for i in rows[:5]) + (
                ", ..." if rows.size > 5 else ""
            )
            largest = float(np.nanmax(np.abs(np.where(missing, np.nan, X)[rows])))
            # The output's dtype (float32 rows are filled in float32).
            kind = np.dtype(filled.dtype).name
            raise ValueError(
                f"{type(self).__name__}: the conditional means of the missing "
                f"entries of row(s) {shown} overflow {kind}: their observed "
                f"values (up to {largest:.3g} in magnitude) lie too far from "
                f"the mixture for {kind}. Check those rows (values this large "
                "are often placeholders: set them to NaN), or rescale X before "
                "fitting (e.g. StandardScaler in a pipeline with the imputer)."
            )
        return filled

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; None uses ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        input_features = _check_feature_names_in(self, input_features)
        names = (
            input_features
            if self.keep_empty_features
            else input_features[~self._empty_features]
        )
        if self.indicator_ is not None:
            names = np.concatenate(
                [names, self.indicator_.get_feature_names_out(input_features)]
            )
        return np.asarray(names, dtype=object)


def _draw(resp, means, covariances, pattern_of_row, rng):
    """One draw per row from its conditional mixture.

    ``resp`` (n, K), ``means`` (n, K, m), ``covariances`` (K, P, m, m) with
    each row's pattern in ``pattern_of_row``.
    """
    n_rows, n_components, m = means.shape
    cumulative = np.cumsum(resp, axis=1)
    cumulative[:, -1] = 1.0
    components = (rng.uniform(size=(n_rows, 1)) > cumulative).sum(axis=1)
    components = np.minimum(components, n_components - 1)
    factors = safe_cholesky(covariances.reshape(-1, m, m))[0].reshape(covariances.shape)
    noise = rng.standard_normal(size=(n_rows, m))
    rows = np.arange(n_rows)
    chosen = factors[components, pattern_of_row]  # (n, m, m)
    return means[rows, components] + np.einsum("nab,nb->na", chosen, noise)
