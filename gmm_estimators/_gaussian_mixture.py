"""GaussianMixture: the drop-in replacement for scikit-learn's estimator."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseMixture
from ._prior import ConjugatePrior
from ._prior_params import NestedPriorParams
from .covariance import RegisteredCovarianceType, get_covariance_model


class Count(Interval):
    """Parameter constraint: an int of at least ``low``, but not a bool.

    ``Interval(Integral, ...)`` lets ``True`` through (bool is an Integral),
    and a count of ``True`` reached the engine as numpy's "an integer is
    required".

    Parameters
    ----------
    low : int, default=1
        The smallest count allowed.

    Examples
    --------
    >>> from gmm_estimators._gaussian_mixture import Count
    >>> Count().is_satisfied_by(2), Count().is_satisfied_by(True)
    (True, False)
    """

    def __init__(self, low=1):
        super().__init__(Integral, low, None, closed="left")

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)


class GaussianMixture(NestedPriorParams, BaseMixture):
    """Gaussian mixture model fitted by expectation-maximisation.

    A drop-in replacement for :class:`sklearn.mixture.GaussianMixture`: the
    same parameters, fitted attributes and results from the same starting
    point, computed with a blockwise sufficient-statistics EM engine that is
    faster and bounded in memory. Beyond scikit-learn it accepts sample
    weights, offers mclust's covariance structures by name, sets ``labels_``
    as a clusterer does, and reports collapsed components instead of failing.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components.
    covariance_type : str, default='full'
        Covariance structure: scikit-learn's ``'full'``, ``'tied'``, ``'diag'``
        and ``'spherical'`` (with scikit-learn's attribute shapes), or a
        registered mclust name such as ``'VVV'`` (same as ``'full'``),
        ``'EEE'`` (``'tied'``), ``'VVI'`` (``'diag'``) and ``'VII'``
        (``'spherical'``); see :func:`available_covariance_types`.
    tol : float, default=1e-3
        EM stops when the mean log-likelihood per row gains less than this
        (scikit-learn's default and rule). It often stops well before the
        optimum: on Old Faithful, ``covariance_type="EEE"`` with 3 components
        stops after 7 iterations at BIC 2342.8, while ``tol=1e-6,
        max_iter=1000`` runs 59 iterations to 2314.3 (mclust's value).
        Tighten it when the parameters, the likelihood or a criterion matter;
        :class:`~gmm_estimators.model_selection.GaussianMixtureIC` uses
        mclust's relative rule (``1e-5``) by default.
    reg_covar : float, default=1e-6
        Non-negative value added to the diagonal of every covariance, in the
        data's squared units.
    max_iter : int, default=100
        Maximum number of EM iterations per start.
    n_init : int, default=1
        Number of starts; the run with the highest log-likelihood is kept.
        Runs within ``1e-12`` (relative) of each other reach one optimum: the
        first is kept, so that the components' order does not depend on the
        rounding that the row order or the blocks leave.
    init_params : {'kmeans', 'k-means++', 'random', 'random_from_data', 'hc', \
            'mclust_hc'}, default='kmeans'
        How starting responsibilities are drawn: from a k-means labelling,
        from k-means++ seeds, at random, from randomly chosen rows, or
        (``'hc'``) from model-based hierarchical agglomeration as R's mclust
        starts EM (unconstrained Gaussian merge criterion on the SVD-scaled
        data, Ward's, mclust's EII, with no more distinct rows than
        features; tree cut at ``n_components`` groups; beyond 2000 distinct rows a
        weighted subset is agglomerated and the other rows are assigned to the
        nearest group, see ``gmm_estimators._initialization._hierarchical``).
        With sample weights, each method honours the weights, and no method
        depends on the order of the rows except ``'mclust_hc'``: the same
        agglomeration started as ``Mclust()`` starts it, from one group per row
        (identical rows included) with ties of equal cost broken by the rows' order as
        mclust breaks them, so that its partitions are mclust's (a weighted
        row is one group of its weight). ``GaussianMixtureIC`` uses it. Data
        read in pages (memory maps, other on-disk or Dask arrays, in-memory
        arrays too large to start from whole, see :ref:`scaling`) start from
        a sample of rows chosen by their values, which does not depend on
        their order either (``'mclust_hc'`` sees the sample in the order of
        its rows' keys).
    weights_init : array-like of shape (n_components,), default=None
        Starting mixing proportions, summing to 1. With ``noise=True`` they
        are the Gaussian components' proportions relative to each other
        (``weights_ / weights_.sum()`` of a noise fit); the noise proportion
        starts from ``noise_init``. To continue a noise fit where it ended,
        fit it (or a copy) with ``warm_start=True``.
    means_init : array-like of shape (n_components, n_features), default=None
        Starting means.
    precisions_init : array-like, default=None
        Starting precisions (inverse covariances), in the shape of
        ``precisions_`` for the chosen ``covariance_type``. They need not
        satisfy the structure's constraints; the first M-step imposes them.
    equal_proportions : bool, default=False
        If True, the mixing proportions are fixed at ``1 / n_components``
        (mclust's ``equalPro``) instead of being estimated; the model then has
        ``n_components - 1`` fewer free parameters for :meth:`bic` and
        :meth:`aic`.
    prior : None, 'default' or ConjugatePrior, default=None
        None fits by maximum likelihood. Otherwise EM finds the maximum a
        posteriori estimate under the conjugate prior of Fraley and Raftery
        (2007): ``'default'`` is mclust's ``priorControl()`` (prior mean the
        data mean, shrinkage 0.01, ``n_features + 2`` degrees of freedom, scale
        the data's covariance over ``n_components^(2/n_features)``); a
        :class:`ConjugatePrior` sets any of these. Its scale is in the data's
        units, so it stops components from collapsing onto duplicated or
        integer-valued rows where ``reg_covar`` would have to be tuned to the
        data. Available for every ``covariance_type``; :meth:`bic` and
        :meth:`aic` then use the log-likelihood at the MAP estimate.
    noise : bool, default=False
        If True, add mclust's uniform noise component (Banfield and Raftery
        1993): a constant density ``1 / V`` over the data's region, with its
        own mixing proportion estimated by EM beside the Gaussian
        components. Rows more probably noise than any component get the
        label -1 (scikit-learn's convention for noise), and the noise's
        posterior probability is the last column of :meth:`predict_proba`.
        False gives exactly the fit without it. See :ref:`outliers`.
    noise_volume : float or None, default=None
        The hypervolume ``V``, in the data's units to the power
        ``n_features``. None computes mclust's ``hypvol`` of the training
        data: the smaller of the volumes of its bounding box and of its
        bounding box in principal-component coordinates (the axes of the
        ``sample_weight``-weighted covariance, rows of weight zero left out).
        Used only with ``noise=True``.
    noise_init : 'nnclean' or array-like of bool of shape (n_samples,), \
            default='nnclean'
        The training rows that start as noise; the initialiser partitions
        the others. ``'nnclean'`` is Byers and Raftery's (1998)
        nearest-neighbour clutter removal with ``k = 5`` (prabclus's
        ``NNclean``, the start mclust recommends; when it finds no clutter,
        the noise starts on the most isolated row); a boolean mask marks
        them directly, at least one row of positive weight (a noise
        proportion of 0 is a fixed point of EM). Used only with
        ``noise=True``. ``'nnclean'`` reads the rows of positive weight
        without their weights: a common factor on ``sample_weight`` leaves
        the start unchanged, but a row of weight 2
        is not two rows there (repeated, it is its own nearest neighbour), so
        the start, and with it the local optimum EM reaches, can differ from
        the fit on repeated rows; a mask gives both fits the same noise rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and :meth:`sample`.
    warm_start : bool, default=False
        If True, each ``fit`` continues from the previous solution with a
        single start.
    verbose : int, default=0
        1 prints each start and iteration; 2 adds timings and the change in
        the log-likelihood.
    verbose_interval : int, default=10
        Iterations between two progress lines.
    learning_decay : float, default=0.6
        ``kappa`` in (0.5, 1] of the step size ``(t + t0)^(-kappa)`` of
        :meth:`partial_fit` (stepwise online EM; Cappé and Moulines, 2009).
        With 1, every later batch weighs the same and the first batch (or
        the model :meth:`fit` gave) weighs as much as ``learning_offset``
        batches: 1 with ``learning_offset=1`` makes the statistics the plain
        average over the batches (each batch's statistics per unit weight,
        whatever its size).
    learning_offset : float, default=2.0
        ``t0 >= 0`` of that step size: larger values damp the first updates;
        0 discards the first batch at the first update (``eta_1 = 1``).
    forgetting_factor : float or None, default=None
        If set, :meth:`partial_fit` uses the constant step ``1 -
        forgetting_factor`` instead: the statistics are an exponentially
        weighted average over about ``1 / (1 - forgetting_factor)`` recent
        batches, so the model follows clusters that drift. 0 forgets
        everything but the last batch.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixing proportions of the Gaussian components (all ``1 / n_components``
        with ``equal_proportions=True``). With a noise component they are
        mclust's ``pro`` without its last entry: they sum to
        ``1 - noise_proportion_`` (all ``(1 - noise_proportion_) /
        n_components`` with ``equal_proportions=True``).
    noise_proportion_ : float
        Mixing proportion of the noise component (0.0 without one).
    noise_volume_ : float or None
        Hypervolume ``V`` of the noise component, whose density is ``1 / V``
        (mclust's ``1 / Vinv``); None without one.
    means_ : ndarray of shape (n_components, n_features)
        Component means.
    covariances_ : ndarray
        Component covariances; shape ``(n_components, n_features, n_features)``
        for 'full' and the other structures with orientations (VEE, EVE, VVE,
        EEV, VEV, EVV), ``(n_features, n_features)`` for 'tied',
        ``(n_components, n_features)`` for 'diag' and the other axis-aligned
        structures (EII, EEI, VEI, EVI; one row per component even where the
        rows are equal), ``(n_components,)`` for 'spherical' and the
        one-feature 'E' and 'V'.
    full_covariances_ : ndarray of shape (n_components, n_features, n_features)
        The same covariances as full matrices whatever the structure (a
        read-only property), for code that needs ``(K, d, d)`` matrices, such
        as scikit-learn's ``make_ellipses``.
    precisions_ : ndarray
        Inverses of the covariances, same shape.
    precisions_cholesky_ : ndarray
        Upper-triangular factors with ``precision = P @ P.T``, same shape.
    converged_ : bool
        Whether the kept run reached ``tol``.
    n_iter_ : int
        Iterations of the kept run.
    lower_bound_ : float
        Mean log-likelihood of the training data at the last E-step of the
        kept run (``-inf`` with ``max_iter=0``). With a ``prior``, the
        objective MAP-EM increases: ``(log L + log p(theta)) / n``, the log
        prior density up to an additive constant; restarts are compared on it.
    lower_bounds_ : list of float
        Its value at every iteration of the kept run; never decreasing with
        ``reg_covar=0`` (the variance ``reg_covar`` adds makes each M-step
        slightly short of the maximiser, so the values may then fall a
        little, as scikit-learn's do), but from the first value to the
        second when ``weights_init`` or ``precisions_init`` lie outside the
        structure (unequal volumes for EII, say): the first M-step imposes
        it.
    prior_ : ConjugatePrior or None
        The prior the fit used, every hyperparameter set (mclust's defaults
        computed from the training data), in the data's units; its scale is
        a matrix, a vector (axis-aligned structures) or a number (spherical
        structures). None without a ``prior``.
    labels_ : ndarray of shape (n_samples,)
        Most probable component of each training row (after
        :meth:`partial_fit`, of the rows of its batch); -1 for noise. For a
        Dask array, a lazy Dask array over it (left out of a pickle).
    n_parameters_ : int
        Number of free parameters of the fitted model, the ``p`` of
        :meth:`bic` and :meth:`aic` (mixing proportions count ``K - 1``, or 0
        with ``equal_proportions=True``; a noise component adds 2, its
        proportion and its hypervolume, as mclust counts, or 1 when
        ``noise_volume`` is given).
    collapsed_components_ : ndarray of int
        Degenerate components: those resting on a lower-dimensional set of
        rows (at most ``n_features`` distinct rows, or rows on a line or
        plane), judged from the responsibilities whatever the data's scale,
        and those whose covariance had to be regularised to be factorised;
        empty for a sound fit. Rows streamed from a memory map or a Dask
        array are judged on the starting sample (see the scaling guide).
    spurious_components_ : ndarray of int
        Components, not collapsed, whose variance in some direction is below
        ``1e-6`` times another component's in the same direction (a bound on
        the eigenvalue ratios across components, Hathaway 1985); empty for a
        sound fit. See ``gmm_estimators._degenerate``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    sklearn.mixture.GaussianMixture : The estimator this one replaces.
    ConjugatePrior : The conjugate prior taken by ``prior``.

    Notes
    -----
    The density is ``p(x) = sum_k pi_k N(x | mu_k, Sigma_k)``. EM alternates

    * the E-step, responsibilities ``r_ik = pi_k N(x_i | mu_k, Sigma_k) / p(x_i)``;
    * the M-step, ``N_k = sum_i w_i r_ik``, ``pi_k = N_k / sum_i w_i``,
      ``mu_k = sum_i w_i r_ik x_i / N_k`` and the covariance from the weighted
      scatter ``W_k = sum_i w_i r_ik (x_i - mu_k)(x_i - mu_k)^T`` under the
      chosen structure (``Sigma_k = W_k / N_k + reg_covar I`` for 'full').

    With ``noise=True`` the density is ``p(x) = pi_0 / V + sum_k pi_k
    N(x | mu_k, Sigma_k)`` with ``pi_0 + sum_k pi_k = 1`` (Banfield and
    Raftery 1993; Fraley and Raftery 1998): the E-step has one more column,
    ``r_i0 = (pi_0 / V) / p(x_i)``, and the M-step sets ``pi_0 = N_0 / sum_i
    w_i`` and ``pi_k = N_k / sum_i w_i``; means and covariances are those of
    the Gaussian columns.

    With a ``prior`` the M-step is the MAP step: ``mu_k = (N_k xbar_k +
    kappa mu_p) / (N_k + kappa)`` and, for 'full',
    ``Sigma_k = (Lambda_p + W_k + kappa N_k / (N_k + kappa)
    (xbar_k - mu_p)(xbar_k - mu_p)^T) / (nu + N_k + d + 2)``; the other
    structures apply their own M-step to that prior-augmented scatter with
    effective counts in place of ``N_k`` (see :class:`ConjugatePrior`).

    Both steps are computed together in one pass over blocks of rows: each
    block adds its sufficient statistics, so memory (beyond one centred copy
    of ``X``) stays bounded by the block size and the result does not depend
    on it.

    Examples
    --------
    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixture
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [2, 2],
    ...               [10, 2], [10, 4], [10, 0], [9, 2]])
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> gm.means_
    array([[9.75, 2.  ],
           [1.25, 2.  ]])
    >>> gm.predict([[0, 0], [12, 3]])
    array([1, 0])
    """

    _parameter_constraints: dict = {
        **BaseMixture._parameter_constraints,
        "n_components": [Count()],
        # Read from the registry when fit runs: structures registered after
        # import are accepted.
        "covariance_type": [RegisteredCovarianceType()],
        "weights_init": ["array-like", None],
        "means_init": ["array-like", None],
        "precisions_init": ["array-like", None],
        "equal_proportions": ["boolean"],
        "prior": [None, StrOptions({"default"}), ConjugatePrior],
        "noise": ["boolean"],
        "noise_volume": [None, Interval(Real, 0.0, None, closed="neither")],
        "noise_init": [StrOptions({"nnclean"}), "array-like"],
    }

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        equal_proportions=False,
        prior=None,
        noise=False,
        noise_volume=None,
        noise_init="nnclean",
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
        learning_decay=0.6,
        learning_offset=2.0,
        forgetting_factor=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.equal_proportions = equal_proportions
        self.prior = prior
        self.noise = noise
        self.noise_volume = noise_volume
        self.noise_init = noise_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.learning_decay = learning_decay
        self.learning_offset = learning_offset
        self.forgetting_factor = forgetting_factor

    def _covariance_model(self):
        return get_covariance_model(self.covariance_type)

    def _prior_parameter(self):
        return self.prior

    def _fixed_proportions(self):
        return self.equal_proportions

    def _noise_parameters(self):
        return (self.noise_volume, self.noise_init) if self.noise else None

    def _initial_parameters(self, n_features, model):
        """Validated copies of the ``*_init`` parameters (never written back)."""
        n_components = self.n_components
        weights = means = precisions = None
        if self.weights_init is not None:
            weights = _check_weights(self.weights_init, n_components, self.noise)
        if self.means_init is not None:
            means = check_array(
                self.means_init,
                dtype=[np.float64, np.float32],
                **_ANY_SHAPE,
                input_name="means_init",
            )
            if means.shape != (n_components, n_features):
                raise ValueError(
                    f"means_init should have shape {(n_components, n_features)} "
                    f"(n_components, n_features), but got {means.shape}."
                )
        if self.precisions_init is not None:
            precisions = model.check_precisions(
                self.precisions_init, n_components, n_features
            )
        return weights, means, precisions


# check_array lets an array of any shape through, so that a wrong shape gets
# the message naming the parameter and the shape expected.
_ANY_SHAPE = dict(
    ensure_2d=False, allow_nd=True, ensure_min_samples=0, ensure_min_features=0
)


def _check_weights(weights, n_components, noise=False):
    weights = check_array(
        weights,
        dtype=[np.float64, np.float32],
        **_ANY_SHAPE,
        input_name="weights_init",
    )
    if weights.shape != (n_components,):
        raise ValueError(
            f"weights_init should have shape ({n_components},), but got "
            f"{weights.shape}."
        )
    if np.any(weights < 0.0) or np.any(weights > 1.0):
        raise ValueError(
            "weights_init should be in the range [0, 1], but got max value "
            f"{weights.max():.5f}, min value {weights.min():.5f}."
        )
    atol = 1e-6 if weights.dtype == np.float32 else 1e-8
    if abs(1.0 - float(weights.sum())) > atol:
        raise ValueError(
            f"weights_init should be normalized (sum to 1), but got "
            f"sum(weights) = {weights.sum():.5f}."
            + (
                " With noise=True they are the Gaussian proportions relative "
                "to each other: pass weights_ / weights_.sum() of a noise fit, "
                "or continue it with warm_start=True."
                if noise
                else ""
            )
        )
    return weights
