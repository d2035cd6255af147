"""The covariance-structure contract: what every structure provides."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from abc import ABC, abstractmethod

import numpy as np

from ._forms import (
    WHITENED,
    BlockKernel,
    bound_distances,
    fast_statistics_are_accurate,
)
from ._linalg import scaled_inverse_error
from ._priors import INVERSE_WISHART
from ._spread import EVERY_DIRECTION

# Multiples of the storage dtype's resolution added to the diagonal of a
# covariance that its rounding leaves indefinite (see CovarianceModel.rounded).
_ROUNDING_JITTER = (2.0, 8.0, 32.0, 128.0, 512.0, 2048.0, 8192.0)


class CovarianceModel(ABC):
    """Contract every covariance structure fulfils.

    Attributes
    ----------
    name : str
        mclust's three-letter name (``"VVV"``).
    aliases : tuple of str
        Other accepted names (scikit-learn's ``"full"``).
    scatter : StatisticsForm
        Which weighted scatter the M-step needs: one ``(d, d)`` matrix per
        component (``WHITENED``), its diagonal only ``(K, d)`` (``DIAGONAL``),
        or the pooled within-component matrix ``(d, d)`` (``POOLED``). The EM
        engine accumulates exactly that, through the form's own methods.
    description : str
        One line for documentation and tables.
    max_n_features : int or None
        Largest number of features the structure is defined for (mclust's
        one-feature ``"E"`` and ``"V"``: 1); None for any.
    prior_family : PriorForm
        The conjugate prior the covariance takes (``covariance._priors``):
        inverse Wishart on a covariance matrix (``INVERSE_WISHART``), inverse
        gamma on each variance of a diagonal covariance
        (``DIAGONAL_INVERSE_GAMMA``), or inverse gamma on the one variance of
        a spherical covariance (``SPHERICAL_INVERSE_GAMMA``).
    equal_volume : bool
        Whether every component has the same ``|Sigma_k|``; the determinant
        term of the covariance prior then counts once, not once per component.
    equal_covariance : bool
        Whether every component has the same covariance; the scale term of the
        covariance prior then counts once too.
    own_spread : OwnSpread
        When a component's likelihood has no bound: what the rows it rests
        on must span (``covariance._spread``); the degenerate-fit test reads
        it. A structure from user code inherits its family's and sets
        another where its covariance estimates less from a component's own
        rows; the public rules, from the strictest:

        - ``EVERY_DIRECTION`` (the default, the full family's): a covariance
          of its own in every direction, unbounded on rows that lie on a
          hyperplane;
        - ``EVERY_AXIS`` (the diagonal family's): variances of its own along
          every feature (free variances beside a fixed correlation too),
          unbounded on rows at one value of a feature;
        - ``SOME_SPREAD_ONLY`` (the spherical family's): one scale of its
          own (a volume over a known or shared shape), unbounded on rows at
          one point only;
        - ``BOUNDED``: covariances that stay away from singular whatever the
          rows (a floor on the variances, a known covariance); no component
          is flagged collapsed. ``register`` sets it for a structure that
          estimates no covariance parameter (``n_parameters`` 0) and does
          not set ``own_spread`` itself.

        The tied family's rule judges the pooled scatter that its one shared
        covariance is estimated from.
    mclust_path : CovarianceModel or None
        The same structure with mclust's own M-step where that can lead EM
        elsewhere: for structures whose M-step is an inner iteration with
        local optima (EVE, VVE), mclust's inner algorithm; for those whose
        M-step chooses axes within a tied eigenspace (EEV, VEV), the
        coordinate axes nearest them (see ``other_ties``): mclust's choice
        for a start group on one distinct row, whose scatter is zero (for
        other ties mclust's SVD picks a basis no rule reproduces). The
        thorough search runs it as one more challenger (then EM with the
        structure itself from where it ends) from its own first M-step on
        the hierarchical partition (``m_step`` with ``previous=None``,
        mclust's cold start), and from the structure's where
        ``mclust_path_from_own_start``. None for the others.
    mclust_path_from_own_start : bool
        Whether EM along ``mclust_path`` from the structure's own first
        M-step can differ from EM with the structure itself (True for EVE
        and VVE, whose inner algorithm differs at every M-step; False for
        EEV and VEV, whose paths differ where a hard start partition leaves
        axes free, hardly ever on EM's soft responsibilities).
    other_ties : CovarianceModel or None
        For structures whose M-step chooses axes within a tied eigenspace of
        a component's scatter (EEV, VEV, when a component rests on fewer
        distinct rows than features, as a small group of a hierarchical
        start does): the same structure with the opposite choice, an equally
        good maximiser of that M-step whose EM path can end elsewhere. In the
        thorough search its M-step on an initial partition is one more start
        wherever it differs. None for the others.

    See Also
    --------
    register : Make a structure available to the estimators by name.

    Examples
    --------
    Every method works on all components at once:

    >>> import numpy as np
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> model = get_covariance_model("VVV")
    >>> model.param_shape(2, 3), model.n_parameters(2, 3)
    ((2, 3, 3), 12)
    >>> covariances = np.array([np.eye(3), 4 * np.eye(3)])
    >>> P, jittered = model.precision_cholesky(covariances)
    >>> np.diagonal(P, axis1=1, axis2=2)
    array([[1. , 1. , 1. ],
           [0.5, 0.5, 0.5]])
    >>> jittered
    array([False, False])
    """

    name = None
    aliases = ()
    scatter = WHITENED
    description = ""
    max_n_features = None
    prior_family = INVERSE_WISHART
    equal_volume = False
    equal_covariance = False
    own_spread = EVERY_DIRECTION
    mclust_path = None
    mclust_path_from_own_start = True
    other_ties = None

    # -- sizes ---------------------------------------------------------------
    @abstractmethod
    def param_shape(self, n_components, n_features):
        """Shape of ``covariances_``, ``precisions_`` and their Cholesky."""

    def axis_aligned(self, n_features):
        """Whether the covariances are diagonal: no ``(d, d)`` matrices stored."""
        shape = self.param_shape(n_features + 1, n_features)
        return n_features == 1 or tuple(shape[-2:]) != (n_features, n_features)

    def per_feature_precisions(self, precisions_cholesky, n_features):
        """Each component's precisions as a vector ``(K, d)``, or None.

        None (the default) where they are not diagonal; the axis-aligned
        families give them, and the E-step's checks then read no matrices.
        """
        return None

    @abstractmethod
    def n_parameters(self, n_components, n_features):
        """Number of free covariance parameters (for BIC and AIC)."""

    # -- M-step --------------------------------------------------------------
    @abstractmethod
    def m_step(self, nk, scatter, reg_covar, previous=None):
        """Covariance parameters from weighted scatter.

        Parameters
        ----------
        nk : ndarray of shape (K,)
            Summed (weighted) responsibilities; under a prior
            (``prior='default'``), plus the prior's count, beside a
            ``scatter`` that holds its scale: the same M-step then gives the
            MAP estimate.
        scatter : ndarray
            ``sum_i w_i r_ik (x_i - xbar_k)(x_i - xbar_k)^T`` in the layout of
            the structure's statistics form (``self.scatter.layout``): one
            matrix per component ``(K, d, d)`` (the full family), their
            diagonals ``(K, d)`` (the diagonal and spherical families), or
            their sum ``(d, d)`` (the tied family).
        reg_covar : float
            Added to the diagonal of every covariance.
        previous : ndarray of shape ``param_shape(K, d)`` or None
            The covariances of the parameters that produced the
            responsibilities (None at initialisation). Structures whose
            M-step is a non-convex inner iteration (EVE, VVE) start from them
            too, so that the result is never worse than them: every EM
            iteration is then a generalised EM step that cannot decrease the
            likelihood. Closed-form structures ignore it.

        Returns
        -------
        covariances : ndarray of shape ``param_shape(K, d)``
        """

    # -- factorisations ------------------------------------------------------
    @abstractmethod
    def precision_cholesky(self, covariances):
        """Cholesky factors of the precisions, and which components needed jitter.

        Returns
        -------
        precisions_cholesky : ndarray of shape ``param_shape``
        jittered : ndarray of shape (K,), dtype=bool
            Components whose covariance was not numerically positive definite
            and was regularised to be factorised.
        """

    @abstractmethod
    def precision_cholesky_from_precisions(self, precisions):
        """Cholesky factors of user-supplied precisions."""

    @abstractmethod
    def precisions_from_cholesky(self, precisions_cholesky):
        """``P @ P.T`` in the structure's own shape."""

    @abstractmethod
    def covariances_from_cholesky(self, precisions_cholesky):
        """Covariances ``inv(P @ P.T)`` in the structure's own shape."""

    @abstractmethod
    def log_det_cholesky(self, precisions_cholesky, n_features):
        """``log det P`` per component, shape (K,): half the precision's log det."""

    # -- distances -----------------------------------------------------------
    def block_kernel(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        """The distances of one E-step and the statistics form they feed.

        By default the structure's own ``scatter`` form and
        :meth:`distance_function`; a structure with several ways to compute
        its distances (the full ones: whitened residuals or raw moments)
        decides here, once per E-step, and returns the matching form.

        Parameters are those of :meth:`distance_function`.

        The statistics are the structure's ``scatter`` form, or its
        ``exact_variant`` when the moments would lose precision for these
        parameters (``_forms.fast_statistics_are_accurate``).

        Returns
        -------
        kernel : BlockKernel
        """
        form = self.scatter
        if form.exact_variant is not None and not fast_statistics_are_accurate(
            self, means, precisions_cholesky, dtype
        ):
            form = form.exact_variant
        return BlockKernel(
            form,
            self.distance_function(
                means, precisions_cholesky, dtype, scale=scale, offset=offset
            ),
        )

    def distance_function(
        self, means, precisions_cholesky, dtype, *, scale=1.0, offset=None
    ):
        """:meth:`mahalanobis` with the parameters bound, for many blocks.

        One E-step evaluates the same parameters on every block of rows;
        structures compute what depends only on the parameters once here.
        The E-step wants ``-dist / 2`` plus a per-component constant, so the
        function can return that affine transform of the distances directly:
        structures whose distances are one matrix product fold it into the
        product.

        Parameters
        ----------
        means : ndarray of shape (K, d)
            Centred means.
        precisions_cholesky : ndarray
        dtype : numpy dtype
            dtype of the blocks.
        scale : float, default=1.0
            Factor applied to every distance.
        offset : ndarray of shape (K,) or None, default=None
            Added to the distances to each component after scaling.

        Returns
        -------
        distances : callable
            ``distances(X)`` returns what ``mahalanobis(X, means,
            precisions_cholesky)`` returns, its first output (a fresh array)
            transformed to ``scale * dist + offset``. The forms with
            features (see :meth:`mahalanobis`) also accept them,
            ``distances(X, features)``.
        """
        return bound_distances(
            self.mahalanobis, means, precisions_cholesky, dtype, scale, offset
        )

    @abstractmethod
    def mahalanobis(self, X, means, precisions_cholesky):
        """Squared Mahalanobis distances of every row to every component.

        Parameters
        ----------
        X : ndarray of shape (n, d)
            A block of centred rows.
        means : ndarray of shape (K, d)
            Centred means, same dtype as ``X``.
        precisions_cholesky : ndarray
            Same dtype as ``X``.

        Returns
        -------
        dist : ndarray of shape (n, K)
        aux : ndarray or None
            What the block's accumulator (:meth:`block_form`) needs besides
            the rows. For ``"full"``: the whitened residuals
            ``(x - mu_k) @ P_k`` followed by a constant 1, shape
            ``(n, K, d + 1)``, so that one symmetric product per component
            yields ``N_k``, the sums and the scatter, well conditioned
            (``_stats.WhitenedScatter``). For ``"full-moments"``: the rows'
            :func:`moment_features`, shape ``(d (d + 1) / 2 + d + 1, n)``
            (``_stats.MomentScatter``). For ``"diag"``: the rows'
            :func:`diagonal_features`, shape ``(2 d + 1, n)``
            (``_stats.DiagonalScatter``). None otherwise.
        """

    # -- conversions ---------------------------------------------------------
    @abstractmethod
    def to_full(self, covariances, n_components, n_features):
        """The covariances as a ``(K, d, d)`` stack."""

    def own_variance_bounds(self, covariances, n_components, n_features):
        """Upper bounds of each component's own variance along each feature.

        What the thorough search's flat stop reads
        (``_engine.EMOptions.lattice_steps``): bounds of the weighted
        variance of the rows each component holds, from the covariances its
        M-step fitted to them. Only a structure whose covariance is the
        component's own scatter plus ``reg_covar`` gives them (VVV, VVI;
        VII and V, whose variance is the mean over the features, times
        ``d``); under a shared volume, shape or orientation a fitted
        variance can fall below the rows' own, and the default, None, says
        nothing is known.

        Returns
        -------
        bounds : ndarray of shape (K, d) or None
        """
        return None

    @abstractmethod
    def check_precisions(self, precisions, n_components, n_features):
        """Validate user ``precisions_init``; return it as a float array."""

    # -- storage -------------------------------------------------------------
    def inverse_error(self, covariances, precisions, n_components, n_features):
        """How far stored covariances and precisions are from each other's inverse.

        The largest entry of ``S P C S^-1 - I`` over the components, with
        ``S`` the covariance's standard deviations (``_linalg``'s
        ``scaled_inverse_error``): scale-free, and about ``eps`` times the
        condition number of the correlation matrix for entries rounded one
        by one. NaN when either holds a non-finite value or a covariance a
        zero variance. The families compute it in their own shapes (one
        matrix when shared, elementwise when axis-aligned).

        Parameters
        ----------
        covariances, precisions : ndarray of shape ``param_shape(K, d)``
        n_components, n_features : int

        Returns
        -------
        error : float
        """
        full = (
            self.to_full(np.asarray(values), n_components, n_features)
            for values in (covariances, precisions)
        )
        return scaled_inverse_error(*full)

    def rounded(self, covariances, dtype):
        """The covariances in ``dtype``, positive definite as stored.

        Rounding an ill-conditioned covariance to a narrower dtype (a
        collapsed component fitted on float32 data) moves its eigenvalues by
        about that dtype's resolution times the largest, which can leave it
        indefinite. Such a component gets a few times that resolution times
        its largest variance added to its diagonal
        (:meth:`with_added_variance`), increasing until the rounded matrix
        factorises in float64.

        Parameters
        ----------
        covariances : ndarray of shape ``param_shape(K, d)``
            In float64.
        dtype : numpy dtype

        Returns
        -------
        covariances : ndarray of dtype ``dtype``
        regularised : ndarray of bool
            The components (one entry for a shared covariance) that needed
            the added variance; one False entry in float64.
        """
        covariances = np.asarray(covariances, dtype=np.float64)
        stored = covariances.astype(dtype)
        if np.dtype(dtype) == np.float64:
            # The engine's covariances factorise: nothing to round.
            return stored, np.zeros(1, dtype=bool)
        _, regularised = self.precision_cholesky(stored.astype(np.float64))
        if not np.any(regularised):
            return stored, regularised
        resolution = float(np.finfo(dtype).eps)
        for multiple in _ROUNDING_JITTER:
            amounts = np.where(regularised, multiple * resolution, 0.0)
            stored = self.with_added_variance(covariances, amounts).astype(dtype)
            _, failed = self.precision_cholesky(stored.astype(np.float64))
            if not np.any(failed):
                break
        return stored, regularised

    def with_added_variance(self, covariances, amounts):
        """Covariances with ``amounts[k]`` times their largest variance added.

        Added to the diagonal of component ``k`` (``amounts`` has one entry
        per component, one for a shared covariance). The representation
        families implement it; a structure outside them keeps its covariances
        (which :meth:`rounded` then stores as rounded). The regularised
        covariance need not keep the structure's constraints (a common shape,
        say) exactly: it is that of a component flagged collapsed.
        """
        return covariances

    def __repr__(self):
        return f"<covariance model {self.name}>"
