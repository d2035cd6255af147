"""GaussianMixtureClassifier: mclust's MclustDA and EDDA, and GMM-UBM classification."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._adaptation import _check_adapt, adapt_mixture
from ._adapted_ratios import far_log_ratios
from ._class_labels import checked_priors, encoded_classes
from ._class_limits import limit_scores
from ._class_selection import (
    axis_aligned,
    candidate_ks,
    candidate_types,
    distinct_rows,
    plain,
    select_mixture,
)
from ._criteria import bic
from ._edda import (
    classes_log_likelihood,
    fit_edda,
    log_or_minus_inf,
    separate_class_ties,
    shared_precision_log_odds,
)
from ._engine import ArraySource
from ._engine._data import check_squares_fit, check_units_square, relative_weights
from ._engine._sources import check_not_chunks
from ._engine._validation import validate_data
from ._fitted import forget_fit, unfitted_on_failure
from ._gaussian_mixture import GaussianMixture
from ._pickling import PortablePickle
from ._warn import names_checked
from .model_selection._candidates import feature_covariance
from .model_selection._tasks import N_JOBS_CONSTRAINT

__all__ = ["GaussianMixtureClassifier"]

_MODEL_TYPES = ("MclustDA", "EDDA", "UBM")
# Every fitted attribute; some model types set only some of them.


def _score_samples(mixture, X):
    """``mixture.score_samples`` of the classifier's validated array ``X``.

    The mixtures carry the classifier's ``feature_names_in_`` (for users who
    score them on DataFrames); ``X`` was checked against them already.
    """
    with names_checked():
        return mixture.score_samples(X)


def _check_variances_normal(X, weights):
    """Raise when a feature varies but its variance underflows float64.

    Data in units of 1e-160 have subnormal or zero variances: every class
    covariance, and ``reg_covar`` in units of them, loses its precision or
    vanishes (EDDA classified 82% of well-separated rows right, MclustDA
    blamed ``reg_covar=0``), as far from the units' invariance as the
    overflow of squares that the fit names for large units.
    """
    # Classes far apart (a MclustDA fit) may overflow the whole data's
    # covariance: only an underflow is read here.
    with np.errstate(over="ignore", invalid="ignore"):
        variances = np.diag(feature_covariance(X[weights > 0], None))
    check_units_square(X, weights, variances)


class GaussianMixtureClassifier(PortablePickle, ClassifierMixin, BaseEstimator):
    """Classifier with a Gaussian mixture density per class (mclust's MclustDA).

    Each class ``c`` gets a density ``p(x | c)`` and a prior ``pi_c``; a row
    is assigned to the class of largest posterior
    ``pi_c p(x | c) / sum_j pi_j p(x | j)``. Three ways to model the
    densities (``model_type``):

    * ``'MclustDA'`` (mclust's default): a Gaussian mixture per class, its
      number of components and covariance structure chosen by BIC with
      :class:`~gmm_estimators.model_selection.GaussianMixtureIC` on that
      class's rows. Fix either or both with ``n_components`` and
      ``covariance_types``.
    * ``'EDDA'`` (eigenvalue decomposition discriminant analysis, Bensmail
      and Celeux 1996): one Gaussian per class, the classes' covariances
      constrained jointly by one structure chosen by BIC among
      ``covariance_types``. ``'VVV'`` is quadratic discriminant analysis,
      ``'EEE'`` linear discriminant analysis, the other 12 structures lie
      in between.
    * ``'UBM'`` (Reynolds, Quatieri and Dunn 2000): one background mixture
      fitted on all rows (chosen by BIC like a class of MclustDA), then each
      class's mixture adapted from it by MAP estimation
      (:func:`~gmm_estimators.adapt_mixture`). The decision function is the
      log-likelihood ratio against the background. This is the recipe of
      speaker and language recognition, where classes have many rows
      (frames) and a shared structure.

    Parameters
    ----------
    model_type : {'MclustDA', 'EDDA', 'UBM'}, default='MclustDA'
        How the class densities are modelled, see above.
    n_components : int or sequence of int, default=5
        Numbers of components tried for each class's mixture (MclustDA) or
        for the background (UBM): an int ``K`` means ``1, ..., K`` (mclust's
        ``G = 1:5``); a sequence lists them, so ``[3]`` fixes three
        components. Numbers larger than a class's count of rows are skipped.
        Not used by EDDA (one component per class).
    covariance_types : str, sequence of str or None, default=None
        Covariance structures tried (any registered name or alias). None
        means every registered structure: mclust's 14 and any registered in
        user code (for one feature, mclust's ``'E'`` and ``'V'``). For
        MclustDA each class chooses its own; a class with no more distinct
        rows (of positive weight) than features only tries the axis-aligned
        structures, as in mclust. For
        EDDA, the structure shared by the classes; for UBM, the
        background's.
    priors : array-like of shape (n_classes,), default=None
        Class priors, in the order of ``classes_``; normalised to sum to
        one. None uses the (weighted) class proportions of the training
        data. A class of prior 0 is never predicted: its column of
        ``decision_function`` is ``-inf`` (with two classes the difference
        is then ``+inf`` or ``-inf`` for every row, which ranks nothing).
    relevance_factor : float, default=16.0
        UBM only: the relevance factor of the MAP adaptation (see
        :func:`~gmm_estimators.adapt_mixture`).
    adapt : str or sequence of str, default=('weights', 'means')
        UBM only: which parameters of the background are adapted to each
        class, among ``'weights'``, ``'means'`` and ``'covariances'``. The
        weights by default, unlike :func:`~gmm_estimators.adapt_mixture`: a
        background of few components (as BIC chooses them) has components
        that each fit one class already, which adapting the means alone
        leaves the same in every class model (see Notes).
    n_init : int, default=1
        EM starts of each candidate mixture (MclustDA and UBM).
    init_params : str or None, default=None
        Initialiser of each candidate mixture, as in
        :class:`~gmm_estimators.GaussianMixture`; ``'hc'`` is mclust's. None
        means the selector's default (mclust's hierarchical start and
        k-means starts, see
        :class:`~gmm_estimators.model_selection.GaussianMixtureIC`).
    max_iter : int or None, default=None
        EM iterations per start; None means the selector's default (1000).
    tol : float or None, default=None
        EM stopping threshold, as ``GaussianMixtureIC``'s ``tol``; None means
        mclust's relative change of the log-likelihood below ``1e-5``.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, in units of the data's
        thinnest spread (the smallest feature variance times the smallest
        eigenvalue of the features' correlation), as in
        :class:`~gmm_estimators.model_selection.GaussianMixtureIC`'s default
        search: the classifier does not depend on the data's units (the
        fitted ``mixtures_`` show the absolute value). Set it to 0 for the
        unregularised estimates (EDDA then equals scikit-learn's
        discriminant analyses).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation of every candidate mixture.
    n_jobs : int, default=None
        Candidates of each selection fitted in parallel with joblib.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    priors_ : ndarray of shape (n_classes,)
        Class priors used for prediction.
    mixtures_ : list of GaussianMixture
        The fitted density of each class, in the order of ``classes_``. For
        EDDA, one-component mixtures whose covariance is the class's
        covariance under the jointly fitted structure.
    covariance_type_ : str
        EDDA: the chosen structure. MclustDA: not set (see ``mixtures_``).
        UBM: the background's structure.
    background_ : GaussianMixture
        UBM only: the background mixture.
    results_ : dict of ndarray
        The candidates and their criteria (lower-is-better BIC), one entry per
        row; ``pandas.DataFrame(results_)`` makes a table. MclustDA: the
        ``results_`` of every class's
        :class:`~gmm_estimators.model_selection.GaussianMixtureIC` stacked,
        with a ``"class"`` column; ``"rank"`` is the rank within the class.
        EDDA: one row per structure with ``"covariance_type"``, ``"bic"``,
        ``"log_likelihood"``, ``"n_parameters"``, ``"degenerate"`` and
        ``"rank"``. UBM: the background's selection.
    n_iter_ : int or ndarray of shape (n_classes,)
        EM iterations: of each class's chosen mixture (MclustDA), of the
        background (UBM); 1 for EDDA (one M-step on the labels).
    log_likelihood_ : float
        MclustDA and EDDA: total log-likelihood of the training data under
        the fitted mixture of classes ``sum_i log sum_c p_c p(x_i | c)``,
        ``p_c`` the training proportions (as mclust's ``loglik``).
    n_parameters_ : int
        MclustDA and EDDA: number of free parameters of the classifier
        (mclust's ``df``): the class densities' plus ``n_classes - 1``.
    bic_ : float
        MclustDA and EDDA: ``-2 log_likelihood_ + n_parameters_ log n``, the
        negative of mclust's ``bic``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis : EDDA with
        the ``'VVV'`` structure.
    sklearn.discriminant_analysis.LinearDiscriminantAnalysis : EDDA with
        ``'EEE'``.
    adapt_mixture : The MAP adaptation used by ``model_type='UBM'``.
    gmm_estimators.model_selection.GaussianMixtureIC : The per-class selection.

    Notes
    -----
    The posterior of class ``c`` is
    ``P(c | x) = pi_c p(x | c) / sum_j pi_j p(x | j)`` (Bayes' rule);
    ``decision_function`` returns ``log pi_c + log p(x | c)``, minus the
    background's ``log p(x)`` for UBM, so that its largest entry is the
    prediction.

    *EDDA.* With one-hot responsibilities (the labels), fitting a
    ``C``-component mixture is a single M-step: class means, and the
    structure's covariance M-step on the class scatter matrices. ``'VVV'``
    gives each class its own covariance, ``'EEE'`` the pooled one, the
    other structures constrain volumes, shapes and orientations. As in
    mclust, the structure is chosen by the BIC of that ``C``-component
    mixture, ``-2 sum_i log sum_c p_c N(x_i | mu_c, Sigma_c) + (C d + q)
    log n`` with ``q`` the structure's covariance parameters (the
    proportions are not counted, mclust's ``equalPro``).

    *MclustDA.* Each class's mixture is the BIC choice among
    ``n_components`` x ``covariance_types`` on that class's rows. When
    ``n_components`` offers a choice, candidates of several components with
    at least as many free parameters as the class has distinct rows are
    not tried:
    their likelihood is nearly unbounded and their BIC meaningless. The
    classifier's ``bic_`` counts every class's parameters plus the
    ``C - 1`` proportions, as mclust's ``MclustDA`` reports.

    *UBM.* The background ``p_0`` is fitted on all rows; class ``c``'s
    mixture is its MAP adaptation to the rows of class ``c``; with the
    default ``adapt=('weights', 'means')`` the classes share the
    background's covariances. Adapting the means alone, Reynolds et al.'s
    choice for speaker models of 2,048 components, suits a background of
    many components that every class spreads over; with the few components
    BIC picks, a class whose rows sit on a component that already fits them
    moves nothing, its log-likelihood ratio is about zero, and the priors
    decide (on standardised wine, 5-fold accuracy 0.35 with the means alone,
    0.96 with the weights too: ``benchmarks/bench_classifier.py --quick``).
    ``decision_function`` is ``log pi_c + log p_c(x) - log
    p_0(x)``, the log-likelihood ratio plus the log prior; averaged over
    the frames of an utterance (with equal priors) it is the utterance
    score of speaker and language recognition.

    References
    ----------
    H. Bensmail and G. Celeux (1996). Regularized Gaussian discriminant
    analysis through eigenvalue decomposition. *JASA* 91, 1743-1748.

    C. Fraley and A. E. Raftery (2002). Model-based clustering, discriminant
    analysis, and density estimation. *JASA* 97, 611-631.

    D. A. Reynolds, T. F. Quatieri and R. B. Dunn (2000). Speaker
    verification using adapted Gaussian mixture models. *Digital Signal
    Processing* 10, 19-41.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from gmm_estimators import GaussianMixtureClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> edda = GaussianMixtureClassifier("EDDA").fit(X, y)
    >>> edda.covariance_type_
    'VEV'
    >>> round(edda.score(X, y), 3)
    0.98
    >>> da = GaussianMixtureClassifier(
    ...     n_components=2, covariance_types=["VVV", "EEE"], random_state=0
    ... ).fit(X, y)
    >>> [m.n_components for m in da.mixtures_]  # as mclust's MclustDA
    [2, 1, 1]
    >>> da.predict_proba(X[:2]).round(3)
    array([[1., 0., 0.],
           [1., 0., 0.]])
    """

    _parameter_constraints: dict = {
        "model_type": [StrOptions(set(_MODEL_TYPES))],
        "n_components": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "covariance_types": [None, str, "array-like"],
        "priors": ["array-like", None],
        "relevance_factor": [Interval(Real, 0, None, closed="left")],
        "adapt": [str, list, tuple],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [None, *GaussianMixture._parameter_constraints["init_params"]],
        "max_iter": [None, Interval(Integral, 0, None, closed="left")],
        "tol": [None, Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        model_type="MclustDA",
        *,
        n_components=5,
        covariance_types=None,
        priors=None,
        relevance_factor=16.0,
        adapt=("weights", "means"),
        n_init=1,
        init_params=None,
        max_iter=None,
        tol=None,
        reg_covar=1e-6,
        random_state=None,
        n_jobs=None,
    ):
        self.model_type = model_type
        self.n_components = n_components
        self.covariance_types = covariance_types
        self.priors = priors
        self.relevance_factor = relevance_factor
        self.adapt = adapt
        self.n_init = n_init
        self.init_params = init_params
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    @unfitted_on_failure
    def fit(self, X, y, sample_weight=None):
        """Fit the density of every class and the class priors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes; no missing labels).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights of the rows: used by every density
            fit, by the criteria and by the estimated priors.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        # Nothing of an earlier fit survives: a UBM refit showed EDDA's bic_,
        # and a failed refit's new classes_ mislabelled the old mixtures_.
        forget_fit(self)
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        check_not_chunks(self, X, method="fit")
        # Row-major, as make_source reads rows (EDDA sums the classes' rows).
        X, y = validate_data(
            self, X, y, dtype=np.float64, order="C", ensure_min_samples=2
        )
        classes, y_index = encoded_classes(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        # Squares (or weights times squares) beyond float64 are named as a
        # fit names them, before any class is fitted: of each class, whose
        # own scatter MclustDA and a UBM estimate (a UBM's background fit
        # names the whole data's), and of the whole data for EDDA, whose
        # regularisation reads the data's covariance.
        groups = [y_index == c for c in range(classes.size)]
        if self.model_type == "EDDA":
            groups = [np.ones(X.shape[0], dtype=bool)]
        for rows in groups:
            rows = rows & (weights > 0)
            if rows.any():  # a class of weight zero is refused below
                w = None if sample_weight is None else sample_weight[rows]
                check_squares_fit(ArraySource.from_arrays(X[rows], w))
        _check_variances_normal(X, weights)
        if self.model_type == "UBM":
            _check_adapt(self.adapt)  # fail before any fitting
        n_features = X.shape[1]
        ks = candidate_ks(self.n_components)
        types = candidate_types(self.covariance_types, n_features)
        n_rows = distinct_rows(X, y_index, weights, classes.size)
        class_weight = np.bincount(y_index, weights=weights, minlength=classes.size)
        for c, count in enumerate(n_rows):
            if count < 1:
                raise ValueError(
                    f"Class {plain(classes[c])!r} has no row with a positive "
                    "sample_weight, so its density cannot be estimated. Remove "
                    "the class's rows or give some of them a positive weight."
                )
        self.classes_ = classes
        proportions = class_weight / class_weight.sum()
        self.priors_ = checked_priors(self.priors, proportions, self.classes_)

        if self.model_type == "EDDA":
            self._fit_edda(X, y_index, weights, types, proportions)
        elif self.model_type == "MclustDA":
            self._fit_mclustda(X, y_index, sample_weight, ks, types, n_rows)
        else:
            self._fit_ubm(X, y_index, sample_weight, ks, types)
        if self.model_type == "EDDA":
            self.n_iter_ = 1  # one M-step on the labels
        elif self.model_type == "MclustDA":
            self.n_iter_ = np.array([m.n_iter_ for m in self.mixtures_])
        else:
            self.n_iter_ = int(self.background_.n_iter_)
        names = getattr(self, "feature_names_in_", None)
        for mixture in (*self.mixtures_, getattr(self, "background_", None)):
            # As fitted on the classifier's columns (scored on its arrays).
            if mixture is not None and names is not None:
                mixture.feature_names_in_ = names
        if self.model_type != "UBM":
            log_density = self._class_log_likelihood(X)
            log_likelihood = classes_log_likelihood(weights, log_density, proportions)
            self.log_likelihood_ = log_likelihood
            self.bic_ = bic(log_likelihood, self.n_parameters_, weights.sum())
        return self

    def _fit_mclustda(self, X, y_index, sample_weight, ks, types, n_rows):
        n_features = X.shape[1]
        # Every class is checked before any is fitted: an impossible request
        # fails at once, naming the class that makes it impossible.
        plans = []
        for c, label in enumerate(self.classes_):
            feasible = [k for k in ks if k <= n_rows[c]]
            if not feasible:
                raise ValueError(
                    f"Class {plain(label)!r} has {int(n_rows[c])} distinct row(s) "
                    "with a positive weight, fewer than the smallest number of "
                    f"components tried (n_components={self.n_components!r}); allow "
                    "fewer components or give the class more rows."
                )
            if n_rows[c] < 2:
                raise ValueError(
                    f"Class {plain(label)!r} has 1 distinct row with a positive "
                    "weight; MclustDA needs at least 2 rows per class to estimate a "
                    "covariance. Remove the class, give it more rows, or use "
                    "model_type='EDDA' with a structure shared by the classes "
                    "(such as 'EEE') or model_type='UBM'."
                )
            class_types = types
            if n_rows[c] <= n_features:
                # mclust's rule: too few rows for a covariance matrix.
                class_types = [t for t in types if axis_aligned(t, n_features)]
                if not class_types:
                    raise ValueError(
                        f"Class {plain(label)!r} has {int(n_rows[c])} distinct "
                        f"row(s), no more than n_features = {n_features}, so only "
                        "axis-aligned covariance structures ('EII', 'VII', 'EEI', "
                        "'VEI', 'EVI', 'VVI') can be estimated for it; "
                        f"covariance_types={self.covariance_types!r} has none. Add "
                        "one of them."
                    )
            plans.append((feasible, class_types))
        mixtures, tables = [], []
        n_parameters = self.classes_.size - 1
        # Each class's density is used in every direction of the data.
        data_covariance = feature_covariance(X, sample_weight)
        for c, (label, (feasible, class_types)) in enumerate(
            zip(self.classes_, plans, strict=True)
        ):
            rows = y_index == c
            weights = None if sample_weight is None else sample_weight[rows]
            mixture, table = select_mixture(
                self,
                X[rows],
                weights,
                feasible,
                class_types,
                n_rows[c],
                f"class {plain(label)!r}",
                data_covariance,
            )
            mixtures.append(mixture)
            n_parameters += int(mixture.n_parameters_)
            size = len(table["rank"])
            tables.append({"class": np.array([label] * size, dtype=object), **table})
        self.mixtures_ = mixtures
        self.results_ = {
            key: np.concatenate([table[key] for table in tables]) for key in tables[0]
        }
        self.n_parameters_ = n_parameters

    def _fit_ubm(self, X, y_index, sample_weight, ks, types):
        weights = np.ones(len(X)) if sample_weight is None else sample_weight
        n_rows = distinct_rows(X, np.zeros(len(X), dtype=np.intp), weights, 1)[0]
        feasible = [k for k in ks if k <= n_rows]
        if not feasible:
            raise ValueError(
                f"The background has {int(n_rows)} distinct row(s) with a positive "
                "weight, fewer than the smallest number of components tried "
                f"(n_components={self.n_components!r}); allow fewer components "
                "or give it more rows."
            )
        self.background_, self.results_ = select_mixture(
            self, X, sample_weight, feasible, types, n_rows, "the background (all rows)"
        )
        self.covariance_type_ = self.background_.covariance_type
        self.mixtures_ = [
            adapt_mixture(
                self.background_,
                X[y_index == c],
                sample_weight=None
                if sample_weight is None
                else sample_weight[y_index == c],
                relevance_factor=self.relevance_factor,
                adapt=self.adapt,
            )
            for c in range(self.classes_.size)
        ]

    def _fit_edda(self, X, y_index, weights, types, proportions):
        (
            self.results_,
            self.covariance_type_,
            self.mixtures_,
            self.n_parameters_,
        ) = fit_edda(X, y_index, weights, types, proportions, self.reg_covar)

    # ----------------------------------------------------------- prediction
    def _validated(self, X):
        check_is_fitted(self)
        check_not_chunks(self, X)
        return validate_data(self, X, reset=False, dtype=np.float64, order="C")

    def _class_log_likelihood(self, X):
        return np.column_stack(
            [np.asarray(_score_samples(m, X), np.float64) for m in self.mixtures_]
        )

    def _joint_log_likelihood(self, X):
        return self._joint_and_ratio_rows(X)[0]

    def _joint_and_ratio_rows(self, X):
        """``log pi_c + log p(x | c)``, and the rows that hold ratios instead.

        UBM rows far from the data hold each class's exact ratio to the
        background, ``log p(x | c) - log p_0(x)`` (``_adapted_ratios``): a
        common shift of a row changes no posterior, and decision_function
        subtracts the background only from the other rows. None: no such row.
        """
        log_density = self._class_log_likelihood(X)
        ratio_rows = None
        if self.model_type == "UBM" and isinstance(log_density, np.ndarray):
            found = far_log_ratios(X, log_density, self.mixtures_, self.background_)
            if found is not None:
                ratio_rows, log_density[found[0]] = found
        if isinstance(log_density, np.ndarray):
            # A row beyond the float range of every class's density it may
            # have (-inf for each class of positive prior) gets the limit of
            # its posterior (_class_limits), not NaN.
            possible = self.priors_ > 0
            lost = np.isneginf(log_density[:, possible]).all(axis=1)
            if lost.any():
                log_density[lost] = limit_scores(X[lost], self.mixtures_, possible)
            log_priors = log_or_minus_inf(self.priors_)
            if self.model_type == "EDDA":
                joint = log_density + log_priors
                joint = separate_class_ties(joint, X, self.mixtures_, log_priors)
                return joint, ratio_rows
        return log_density + log_or_minus_inf(self.priors_), ratio_rows

    def class_log_likelihood(self, X):
        """Log-density of each row under each class's mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_density : ndarray of shape (n_samples, n_classes)
            ``log p(x | c)``, in the order of ``classes_``.
        """
        return self._class_log_likelihood(self._validated(X))

    def decision_function(self, X):
        """Log prior plus class log-likelihood (minus the background's for UBM).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            ``log pi_c + log p(x | c)``, minus ``log p_0(x)`` of the
            background for ``model_type='UBM'`` (the log-likelihood ratio).
            With two classes, the difference of the second and first columns
            (positive means ``classes_[1]``); EDDA's two classes of one
            covariance give it as their linear form, exact far from the data.
        """
        X = self._validated(X)
        if self.model_type == "EDDA" and self.classes_.size == 2:
            log_odds = shared_precision_log_odds(
                X, self.mixtures_, log_or_minus_inf(self.priors_)
            )
            if log_odds is not None:
                return log_odds
        scores, ratio_rows = self._joint_and_ratio_rows(X)
        if self.classes_.size == 2:
            # The background's density cancels in the difference (subtracted
            # first, two -inf of a row beyond its float range made NaN).
            return scores[:, 1] - scores[:, 0]
        if self.model_type == "UBM":
            background = _score_samples(self.background_, X)
            # Beyond the float range of the background's density the ratio
            # is unknown: taken as one (the classes' limits then decide).
            background[np.isneginf(background)] = 0.0
            if ratio_rows is not None:
                background[ratio_rows] = 0.0
            scores = scores - background[:, np.newaxis]
        return scores

    def score(self, X, y, sample_weight=None):
        """Accuracy: the fraction of rows whose predicted class is ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the fraction.

        Returns
        -------
        accuracy : float
        """
        return super().score(X, y, sample_weight=relative_weights(sample_weight, y))

    def predict(self, X):
        """Class of largest posterior probability of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._validated(X)
        return self.classes_[np.argmax(self._joint_log_likelihood(X), axis=1)]

    def predict_log_proba(self, X):
        """Log posterior probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._validated(X)
        joint = self._joint_log_likelihood(X)
        # Shifted by the row's largest value first: far rows have joint
        # log-likelihoods of -1e15 and beyond, where log(2) is below their
        # spacing, and joint - logsumexp(joint) gave rows summing to 2.
        shifted = joint - joint.max(axis=1, keepdims=True)
        return shifted - logsumexp(shifted, axis=1, keepdims=True)

    def predict_proba(self, X):
        """Posterior probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one.
        """
        return np.exp(self.predict_log_proba(X))
