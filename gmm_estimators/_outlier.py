"""GaussianMixtureOutlierDetector: mclust's noise component as an outlier detector."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._engine._sources import check_not_chunks
from ._engine._validation import validate_data
from ._fitted import unfitted_on_failure
from ._initialization import INITIALIZERS
from ._pickling import PortablePickle
from ._warn import names_checked
from .exceptions import NoSoundCandidateError
from .model_selection._tasks import N_JOBS_CONSTRAINT

__all__ = ["GaussianMixtureOutlierDetector"]


class GaussianMixtureOutlierDetector(PortablePickle, OutlierMixin, BaseEstimator):
    """Outlier detection with a Gaussian mixture and a uniform noise component.

    Fits mclust's noise model (Banfield and Raftery 1993; Fraley and Raftery
    1998): Gaussian clusters plus a uniform density over the data's region,
    whose mixing proportion EM estimates, the number of components and the
    covariance structure chosen by BIC with
    :class:`~gmm_estimators.model_selection.GaussianMixtureIC`. Outliers
    are the rows the noise explains better than the clusters; they do not
    pull the clusters' means and covariances, since they are fitted as noise.

    Parameters
    ----------
    n_components : int or sequence of int, default=5
        Numbers of Gaussian components to try (``K`` means ``1, ..., K``). One
        number and one covariance type fix the model.
    covariance_types : str, sequence of str or None, default=None
        Structures to try (see ``GaussianMixtureIC``); None tries every one.
    contamination : 'auto' or float, default='auto'
        ``'auto'``: a row is an outlier when the noise component's posterior
        probability exceeds that of the clusters together, that is when
        ``sum_k pi_k N(x | mu_k, Sigma_k) < pi_0 / V``. A float in
        ``(0, 0.5]``: that fraction of the training rows, those of lowest
        density, are outliers.
    noise_volume : float or None, default=None
        The noise's hypervolume ``V``; None computes mclust's ``hypvol`` of
        the training data.
    noise_init : 'nnclean' or array-like of bool, default='nnclean'
        The training rows that start as noise (see ``GaussianMixture``).
    init_params : str, default='hc'
        Initialiser of the clusters' starting partition (mclust's
        hierarchical agglomeration by default).
    n_init : int, default=1
        Starts per candidate.
    max_iter : int, default=200
        Maximum EM iterations per start.
    tol : float, default=1e-5
        The stopping rule of EM, as ``GaussianMixtureIC``'s for ``search``:
        mclust's relative change of the log-likelihood (thorough), or the
        absolute change of the mean log-likelihood per row (grid).
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, as ``GaussianMixtureIC``'s
        for ``search``: relative to the data's thinnest spread (thorough, so
        that the detector does not depend on the data's units), or in the
        data's units (grid).
    search : {"thorough", "grid"}, default="thorough"
        The selector's search (see ``GaussianMixtureIC``), from the starts
        of ``init_params`` shared across structures. ``"thorough"`` fits
        every candidate to convergence with scale-free settings; ``"grid"``
        fits each as
        ``GaussianMixture(noise=True, ...)`` with these settings in their
        own meaning, whose absolute ``reg_covar`` makes the outcome depend
        on the data's units (on data in units of 1e-3, the clusters'
        variances near 1e-6 are swamped).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation.
    n_jobs : int, default=None
        Candidates fitted in parallel (see ``GaussianMixtureIC``).

    Attributes
    ----------
    mixture_ : GaussianMixture
        The chosen fitted mixture, with ``noise=True``.
    selector_ : GaussianMixtureIC
        The fitted selector (its ``results_`` list every candidate).
    n_iter_ : int
        EM iterations of the chosen mixture's kept start.
    offset_ : float
        The threshold on :meth:`score_samples`: ``log(pi_0) - log(V)`` with
        ``contamination='auto'``, the ``contamination`` quantile of the
        training scores otherwise. ``decision_function = score_samples -
        offset_``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    GaussianMixture : The mixture, with ``noise=True``.
    sklearn.ensemble.IsolationForest : A tree-based detector.
    sklearn.neighbors.LocalOutlierFactor : A density-ratio detector.

    Notes
    -----
    When every candidate collapses (a component on duplicated or discretised
    rows), the selection is repeated with mclust's default conjugate prior
    (``prior='default'``); ``mixture_.prior_`` then holds it.

    ``fit`` takes no ``sample_weight``: the nearest-neighbour start
    (``noise_init='nnclean'``) is not defined for weighted rows.

    The score of a row is the log-density of the clusters,
    ``s(x) = log sum_k pi_k N(x | mu_k, Sigma_k)``: the noise's constant
    density is left out, so that the score keeps ranking rows far from every
    cluster (the full mixture density is flat there). The noise posterior
    exceeds one half exactly when ``s(x) < log(pi_0 / V)``, so with
    ``contamination='auto'``, ``offset_ = log(pi_0 / V)``. With one cluster
    the outliers are then mclust's noise classification; with more they are
    the rows of it whose noise posterior also exceeds one half: a row where
    noise is the most probable column but below one half (between two
    clusters) is an inlier here and noise in mclust's classification, which
    is ``mixture_.predict(X) == -1``.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixtureOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> X = np.vstack([rng.normal(size=(100, 2)), [[8.0, 8.0], [-8.0, 7.0]]])
    >>> detector = GaussianMixtureOutlierDetector(
    ...     n_components=1, covariance_types="full", noise_init=np.arange(102) >= 100
    ... ).fit(X)
    >>> detector.predict([[0.0, 0.0], [8.0, -8.0]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "covariance_types": [None, str, "array-like"],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0.0, 0.5, closed="right"),
        ],
        "noise_volume": [None, Interval(Real, 0.0, None, closed="neither")],
        "noise_init": [StrOptions({"nnclean"}), "array-like"],
        "init_params": [StrOptions(set(INITIALIZERS))],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "search": [StrOptions({"thorough", "grid"})],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        n_components=5,
        covariance_types=None,
        contamination="auto",
        noise_volume=None,
        noise_init="nnclean",
        init_params="hc",
        n_init=1,
        max_iter=200,
        tol=1e-5,
        reg_covar=1e-6,
        search="thorough",
        random_state=None,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.covariance_types = covariance_types
        self.contamination = contamination
        self.noise_volume = noise_volume
        self.noise_init = noise_init
        self.init_params = init_params
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.search = search
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __setstate__(self, state):
        # Pickled before ``search`` existed: their fits were the grid's.
        state.setdefault("search", "grid")
        super().__setstate__(state)

    @_fit_context(prefer_skip_nested_validation=True)
    @unfitted_on_failure
    def fit(self, X, y=None):
        """Fit the noise-component mixture and the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted detector.
        """
        return self._fit(X)

    def _fit(self, X):
        from .model_selection import GaussianMixtureIC

        check_not_chunks(self, X, method="fit")
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        try:
            self.selector_ = self._selector(GaussianMixtureIC, None).fit(X)
        except NoSoundCandidateError:
            # Every candidate collapsed (duplicated or discretised rows): select
            # again under mclust's default conjugate prior, which keeps every
            # covariance away from zero.
            try:
                self.selector_ = self._selector(GaussianMixtureIC, "default").fit(X)
            except NoSoundCandidateError as error:
                units = (
                    "reg_covar against the data's squared units"
                    if self.search == "grid"
                    else "reg_covar (relative to the data's thinnest spread)"
                )
                raise ValueError(
                    f"{type(self).__name__} found no sound mixture with a noise "
                    "component, neither as given nor under mclust's default "
                    "prior (prior='default', its second try). The noise may "
                    "take every row: check noise_volume and noise_init against "
                    f"the data, {units}, and try fewer components. Last "
                    f"search: {error}"
                ) from error
        self.mixture_ = self.selector_.best_estimator_
        if hasattr(self, "feature_names_in_"):
            # As fitted on the detector's columns (it scores them with them).
            for fitted in (self.selector_, self.mixture_):
                fitted.feature_names_in_ = self.feature_names_in_
        self.n_iter_ = int(self.mixture_.n_iter_)
        if self.contamination == "auto":
            proportion = float(self.mixture_.noise_proportion_)
            self.offset_ = (
                math.log(proportion) - math.log(self.mixture_.noise_volume_)
                if proportion > 0
                else -np.inf
            )
        else:
            self.offset_ = float(
                np.percentile(self._score(X), 100.0 * self.contamination)
            )
        return self

    def _selector(self, selector_class, prior):
        return selector_class(
            n_components=self.n_components,
            covariance_types=self.covariance_types,
            n_init=self.n_init,
            init_params=self.init_params,
            max_iter=self.max_iter,
            tol=self.tol,
            reg_covar=self.reg_covar,
            prior=prior,
            # "thorough": the selector's noise search, scale-free (tol and
            # reg_covar relative to the data's spread); "grid": each
            # candidate is GaussianMixture's fit of these settings.
            search=self.search,
            noise=True,
            noise_volume=self.noise_volume,
            noise_init=self.noise_init,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        )

    def _score(self, X):
        """Log-density of the Gaussian components of validated X.

        ``log sum_k pi_k N(x | mu_k, Sigma_k)`` is the mixture's density
        (noise included) times the posterior mass of the Gaussian
        components; in logs, both exact far into the tails.
        """
        mixture = self.mixture_
        # X was validated against the detector's names, which mixture_ carries.
        with names_checked():
            log_resp = mixture.predict_log_proba(X)[:, : mixture.n_components]
            return mixture.score_samples(X) + logsumexp(log_resp, axis=1)

    def score_samples(self, X):
        """Log-density of the clusters at each row (higher is more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``log sum_k pi_k N(x | mu_k, Sigma_k)``, without the noise.
        """
        check_is_fitted(self)
        check_not_chunks(self, X)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self._score(X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        decision : ndarray of shape (n_samples,)
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
        """
        decision = self.decision_function(X)
        is_inlier = np.ones(decision.shape[0], dtype=int)
        is_inlier[decision < 0] = -1
        return is_inlier

    def fit_predict(self, X, y=None):
        """Fit and return +1 for inliers, -1 for outliers of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        is_inlier : ndarray of shape (n_samples,)
        """
        return self.fit(X).predict(X)
