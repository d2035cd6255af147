"""GaussianMixtureIC: the number of components and the structure, by BIC."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, DensityMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from .._data_span import data_warning, rows_span
from .._engine._data import check_squares_fit
from .._engine._sources import make_source, per_row_like
from .._initialization import INITIALIZERS
from .._initialization._hierarchical import few_distinct_rows
from .._missing import MissingValuesSource
from .._noise import rows_for_noise
from .._pickling import PortablePickle
from .._prior import ConjugatePrior, prior_outweighs_data
from .._prior_params import NestedPriorParams
from .._warn import warn_user
from ..covariance import get_covariance_model, structures_to_carry
from ._candidates import (
    candidate_ks,
    candidate_types,
    check_search_prior,
    collect_outcomes,
    feasible_counts,
    raise_no_sound_candidate,
    search_settings,
    starting_rows,
    warn_failed_user_structures,
)
from ._chosen_model import ChosenModel
from ._fit_state import fit_selector
from ._progress import thorough_progress, ticking, with_progress
from ._sample import refitted_on, search_sample
from ._search import grid_search
from ._sound_alternatives import pick_with_alternatives
from ._tasks import N_JOBS_CONSTRAINT, task_runner
from ._thorough import thorough_search

_CRITERIA = ("bic", "aic", "icl")


class GaussianMixtureIC(
    NestedPriorParams,
    PortablePickle,
    ChosenModel,
    ClusterMixin,
    DensityMixin,
    BaseEstimator,
):
    """Gaussian mixture with the number of components and covariance chosen by BIC.

    Fits a Gaussian mixture for every number of components in
    ``n_components`` and every structure in ``covariance_types``, computes
    BIC, AIC and ICL *in-sample* (on the training data, as mclust does) and
    keeps the candidate with the lowest ``criterion``. Degenerate fits (a
    component resting on a lower-dimensional set of rows, see
    ``GaussianMixture.collapsed_components_``), spurious fits (a component
    far narrower than another, ``spurious_components_``) and candidates that
    could not be fitted are reported in ``results_`` and never chosen. The
    estimator then predicts, scores and samples with the chosen model.

    The default ``search="thorough"`` looks for the best optimum of every
    candidate, as mclust does and further (see Notes): hierarchical (mclust's
    ``hc``) and k-means starts shared by all structures, the best partition
    of each number of components tried by every structure, split and merge
    proposals between neighbouring numbers of components, and EM run to
    mclust's relative tolerance. ``search="grid"`` fits each candidate
    exactly as ``GaussianMixture`` with the same settings would, which
    ``GridSearchCV(GaussianMixture(), grid, scoring=bic_score,
    cv=InSampleSplit())`` also does, only several times faster.

    Parameters
    ----------
    n_components : int or sequence of int, default=9
        Numbers of components to try: an int ``K`` means ``1, 2, ..., K``; a
        sequence (list, tuple, range) lists them.
    covariance_types : str, sequence of str or None, default=None
        Covariance structures to try, by any registered name or alias (see
        :func:`~gmm_estimators.available_covariance_types`). None means every
        structure registered when ``fit`` runs that is defined for the data's
        number of features (for one feature, mclust's one-feature ``"E"`` and
        ``"V"`` only, as in mclust; with no more distinct rows than features,
        the axis-aligned ones only, ``EII``, ``VII``, ``EEI``, ``VEI``,
        ``EVI`` and ``VVI``, as in mclust: no covariance matrix can be
        estimated from so few rows). A structure whose fit fails on the data
        is reported as failed in ``results_``.
    criterion : {"bic", "aic", "icl"}, default="bic"
        The criterion minimised (lower-is-better form, see Notes).
    search : {"thorough", "grid"}, default="thorough"
        ``"thorough"``: the search described in Notes, whose fits reach
        mclust's optimum or a better one. With ``noise=True`` (no proposals
        yet) each candidate is fitted from its hierarchical and k-means
        starts (EVE and VVE also along mclust's paths), with missing values
        from the grid's starts; ``tol``, ``max_iter`` and ``reg_covar`` keep
        the thorough search's meaning below. ``"grid"``: every candidate is exactly
        ``GaussianMixture(n_components, covariance_type=..., tol=tol,
        reg_covar=reg_covar, max_iter=max_iter, n_init=n_init,
        init_params=init_params, ...)`` fitted on X, its starts shared
        between structures.
    n_init : int, default=1
        Starts of the initialiser per candidate (for the thorough search with
        the default ``init_params``, the number of k-means starts besides
        the one hierarchical start). The best is kept.
    init_params : str or None, default=None
        Initialiser of the starting partitions, any accepted by
        ``GaussianMixture`` (``'kmeans'``, ``'k-means++'``, ``'random'``,
        ``'random_from_data'``, ``'hc'``, ``'mclust_hc'``). It runs once per
        number of components and start, shared by all structures; the
        hierarchical ones build their tree once and cut it at every number
        of components, as mclust does. None means ``'mclust_hc'`` and
        ``'kmeans'`` for the thorough search (see Notes), ``'kmeans'``
        (GaussianMixture's default) for the grid's starts (also those of
        ``search="thorough"`` with missing values).
    max_iter : int or None, default=None
        Maximum EM iterations per start. None means 1000 for the thorough
        search (EM then stops on ``tol``), 100 for the grid search.
    tol : float or None, default=None
        The stopping rule of EM. Thorough search: mclust's relative change
        of the log-likelihood, ``|L_t - L_{t-1}| / (1 + min(|L_t|, n)) <
        tol``, ``L`` in standardised units (see Notes), ``n`` the weights'
        sum; None means ``1e-5``, mclust's default. Grid search:
        scikit-learn's absolute change of the mean log-likelihood per row;
        None means ``1e-3``, GaussianMixture's default, which often stops
        long before the optimum (see the user guide).
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance. Thorough search: in units
        of the data's thinnest spread (smallest feature variance times the
        smallest eigenvalue of its correlation), or of the chosen clusters'
        own narrowest variance when it makes up most of it (the search then
        runs again, at most twice): scale-free (``best_estimator_`` shows the
        absolute value). Grid search: in the data's units, as GaussianMixture's.
    prior : None, 'default' or ConjugatePrior, default=None
        Conjugate prior of every candidate, as ``GaussianMixture``'s
        ``prior``: None fits by maximum likelihood; ``'default'`` (mclust's
        ``priorControl()``) or a :class:`~gmm_estimators.ConjugatePrior` makes
        each candidate a maximum a posteriori fit, its hyperparameters
        resolved from the data for that candidate's number of components and
        structure. Its scale is in the data's units, so it keeps components
        from collapsing onto duplicated or integer-valued rows; the criteria
        then use the log-likelihood at the MAP estimate, as mclust's do.
    noise : bool, default=False
        If True, every candidate has mclust's uniform noise component beside
        its Gaussian components (see ``GaussianMixture``'s ``noise``): one
        hypervolume and one initial noise mask for all candidates, whose
        rows start as noise while the initialiser partitions the others.
        Noise rows get the label -1. Candidates with no Gaussian component
        (mclust's ``G = 0``) are not fitted.
    noise_volume : float or None, default=None
        The noise's hypervolume; None computes mclust's ``hypvol``.
    noise_init : 'nnclean' or array-like of bool, default='nnclean'
        The rows that start as noise (see ``GaussianMixture``).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation. Every number of components starts from the
        same state (a RandomState instance is copied, not consumed), like the
        candidates of a grid search.
    n_jobs : int, default=None
        Candidates fitted in parallel with joblib; None means 1 unless in a
        :obj:`joblib.parallel_backend` context, -1 means all processors. The
        results do not depend on it.
    verbose : int, default=0
        If positive, print one line per candidate: number of components,
        covariance type, criterion, convergence, degeneracy and seconds.
    progress : bool, default=False
        If True and standard error is a terminal, show one progress bar over
        the candidates (with :mod:`tqdm`, when it is installed: the ``cli``
        extra brings it). Nothing is shown when the output is piped.

    Attributes
    ----------
    best_estimator_ : GaussianMixture
        The chosen fitted model, fitted on the validated array (so it has no
        ``feature_names_in_``). With ``search="grid"`` its parameters are
        those of a plain ``GaussianMixture`` that reproduces it; with the
        thorough search they name its structure, ``reg_covar`` (absolute) and
        ``tol``, but a plain refit does not reproduce the search's starts:
        pass ``means_init``, ``weights_init`` and ``precisions_init`` from it
        to continue from the optimum (with a noise component, whose
        proportion these do not carry, fit a copy with ``warm_start=True``).
    n_components_ : int
        Number of components of the chosen model.
    covariance_type_ : str
        Covariance type of the chosen model, as named in ``covariance_types``.
    criterion_ : float
        Value of ``criterion`` for the chosen model (lower-is-better form).
    best_index_ : int
        Row of the chosen model in ``results_``.
    results_ : dict of ndarray
        One entry per candidate, in the order number of components then
        covariance type; ``pandas.DataFrame(results_)`` makes a table. Keys:
        ``"n_components"``, ``"covariance_type"``, ``"bic"``, ``"aic"``,
        ``"icl"`` (lower-is-better), ``"log_likelihood"`` (total, summed over
        rows), ``"n_parameters"``, ``"converged"``, ``"degenerate"`` (a
        collapsed component), ``"spurious"`` (a spurious component),
        ``"fit_time"`` (seconds, including an equal share of the shared
        initialisation and, in the thorough search, of the proposals tried)
        and ``"rank"`` (1 is the chosen model; degenerate and spurious
        candidates rank after every sound one, and candidates that could not
        be fitted, whose criteria are NaN and ``n_parameters`` -1, rank last).
    n_iter_ : int
        EM iterations of the chosen model's kept start.
    labels_ : ndarray of shape (n_samples,)
        Most probable component of each training row under the chosen model.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :term:`fit`, when ``X`` has string
        column names.

    See Also
    --------
    GaussianMixture : The model fitted for each candidate.
    bic_score : The same criterion as a ``GridSearchCV`` scorer.
    InSampleSplit : The splitter that makes ``GridSearchCV`` compute it in-sample.

    Notes
    -----
    With ``log L`` the total log-likelihood of the training data, ``p`` the
    number of free parameters and ``n`` the number of rows,

    * ``BIC = -2 log L + p log n``,
    * ``AIC = -2 log L + 2 p``,
    * ``ICL = BIC - 2 sum_i sum_k c_ik log z_ik`` (``z`` the posterior
      probabilities, ``c`` the one-hot MAP labels).

    These are scikit-learn's lower-is-better forms; mclust reports
    ``2 log L - p log n``, the same BIC with the sign flipped. With
    ``sample_weight`` (frequency weights), ``log L`` and the ICL term are
    weighted sums and ``n`` is the sum of the weights, so a row of integer
    weight ``w`` counts exactly as ``w`` copies of it.

    The criteria are computed in-sample, which is what BIC is: an
    approximation of the log marginal likelihood of the model given *all* the
    data. scikit-learn's gallery example instead scores BIC on held-out
    cross-validation folds, where the likelihood is that of a fifth of the
    rows under a model fitted to the rest and the penalty uses the fold's
    size; that mixes two different ideas of model choice and can pick a
    different model.

    **The thorough search.** For each number of components ``K``:

    1. the starting partitions -- mclust's own hierarchical tree (cut at
       every ``K``; see below) and ``n_init`` k-means partitions -- are
       computed once and every structure starts from its own M-step on
       each; the starts after the first are *challengers*: EM on one is
       abandoned once, after ten iterations, the Aitken extrapolation of
       its log-likelihood falls one unit below the best sound fit so far
       (Böhning et al. 1994), so a start that leads nowhere costs about ten
       iterations; EVE and VVE also follow mclust's inner algorithm from
       the hc start first; EEV and VEV also try a small group's free axes
       (fewer rows than features) in the other order;
    2. the MAP partition of the best sound candidate of this ``K`` (by
       ``criterion``) starts, as a challenger, every structure whose own
       partition differs (twice at most, while the best partition changes);

    then, between neighbouring numbers of components, the best sound fit of
    ``K - 1`` with each of its components in turn (largest
    ``N_k log det Sigma_k`` first) split across its principal axis, and the best
    of ``K + 1`` with its two most overlapping components merged (Ueda et
    al. 2000), start every structure of ``K`` as challengers, as do each
    structure's own fits of ``K - 1`` (each component split in turn) and
    ``K + 1`` (merged); at each ``K``, the partitions these proposals
    brought to sound fits then start, as challengers, every structure with
    more free parameters than the fit that reached them; last, EVE, VVE,
    EEV and VEV follow mclust's path again, from its own first M-step. A fit
    replaces another when it is not degenerate and the other is, or when
    neither is and its likelihood is higher (a spurious fit keeps its cell,
    flagged, as in mclust's table; the pick
    passes over it, or takes the best sound fit the search reached for the
    cell, whose row then replaces it).

    The hierarchical start (``'mclust_hc'``) is mclust's own tree (its
    quantile classes on one feature), so every structure starts where mclust
    starts it. On data recorded to a fixed
    precision many merges cost exactly the same and mclust breaks such ties
    by the rows' order; so does this start (``'hc'`` merges identical rows
    first and does not depend on the order). The search can therefore
    depend on the order of such rows, as mclust does.

    EM stops on mclust's relative rule, with ``L`` the log-likelihood in
    standardised units (``L + (n/2) sum_j log v_j``, ``v_j`` the variance of
    feature ``j``): like the relative ``reg_covar`` it does not depend on
    the units (X times ``c`` shifts every criterion by ``2 n d log c`` and
    changes no decision); ``|L|`` capped at ``n`` keeps it about as tight as
    mclust's (see the user guide). scikit-learn's ``tol=1e-3`` on the mean
    log-likelihood stops EEE with 3 components on Old Faithful after 7
    iterations at BIC 2342.8; the relative rule runs to 2314.3, mclust's.

    With more rows than ``max(10_000, 50 K)`` the search explores a sample
    of that many and refits every candidate on all rows from its fit.

    The degenerate and spurious tests (``gmm_estimators._degenerate``) are
    scale-free and follow the structure: a component is degenerate when the
    rows carrying 99 % of its weight do not spread as the parameters it
    estimates alone need (``CovarianceModel.own_spread``); spurious when it
    feeds on a lattice line, fits an orientation of its own to at most
    ``d`` rows, or is ``1e-6`` times narrower than another component in
    some direction (Hathaway 1985, tclust's ``restr.fact``). See the user
    guide's *Model selection that finds the optimum*.

    References: Fraley and Raftery (2002), Model-based clustering,
    discriminant analysis and density estimation, JASA 97:611-631; Ueda,
    Nakano, Ghahramani and Hinton (2000), SMEM algorithm for mixture
    models, Neural Computation 12:2109-2128; Böhning, Dietz, Schaub,
    Schlattmann and Lindsay (1994), The distribution of the likelihood ratio
    for mixtures of densities from the one-parameter exponential family,
    Ann. Inst. Statist. Math. 46:373-388.

    Candidates do not raise their own ``ConvergenceWarning`` or
    ``DegenerateFitWarning``: the ``converged``, ``degenerate`` and
    ``spurious`` columns of ``results_`` report them, and only a chosen model
    that did not converge is warned about. If every candidate is degenerate,
    spurious or failed, ``fit`` raises a ``ValueError`` rather than choose
    such a model: include smaller numbers of components, use
    ``prior="default"``, increase ``reg_covar`` or add jitter to discretised
    data.

    Examples
    --------
    >>> from gmm_estimators.datasets import load_old_faithful
    >>> from gmm_estimators.model_selection import GaussianMixtureIC
    >>> X = load_old_faithful(return_X_y=True)
    >>> selector = GaussianMixtureIC(
    ...     n_components=4, covariance_types=["full", "tied"], random_state=0
    ... ).fit(X)
    >>> selector.n_components_, selector.covariance_type_
    (3, 'tied')
    >>> round(selector.criterion_, 1)
    2314.3
    >>> best = selector.best_index_
    >>> selector.n_components_, int(selector.results_["rank"][best])
    (3, 1)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "covariance_types": [None, str, "array-like"],
        "criterion": [StrOptions(set(_CRITERIA))],
        "search": [StrOptions({"thorough", "grid"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "init_params": [None, StrOptions(set(INITIALIZERS))],
        "max_iter": [None, Interval(Integral, 0, None, closed="left")],
        "tol": [None, Interval(Real, 0.0, None, closed="left")],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "prior": [None, StrOptions({"default"}), ConjugatePrior],
        "noise": ["boolean"],
        "noise_volume": [None, Interval(Real, 0.0, None, closed="neither")],
        "noise_init": [StrOptions({"nnclean"}), "array-like"],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
        "progress": ["boolean"],
    }

    def __init__(
        self,
        *,
        n_components=9,
        covariance_types=None,
        criterion="bic",
        search="thorough",
        n_init=1,
        init_params=None,
        max_iter=None,
        tol=None,
        reg_covar=1e-6,
        prior=None,
        noise=False,
        noise_volume=None,
        noise_init="nnclean",
        random_state=None,
        n_jobs=None,
        verbose=0,
        progress=False,
    ):
        self.n_components = n_components
        self.covariance_types = covariance_types
        self.criterion = criterion
        self.search = search
        self.n_init = n_init
        self.init_params = init_params
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.prior = prior
        self.noise = noise
        self.noise_volume = noise_volume
        self.noise_init = noise_init
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.progress = progress

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # As GaussianMixture's: noise and missing values cannot be combined yet.
        tags.input_tags.allow_nan = not self.noise
        return tags

    def _random_state_for_candidates(self):
        """The ``random_state`` each task receives, as a grid search's clone would.

        A RandomState instance is copied, so every number of components starts
        from the same state and the user's instance is never consumed.
        """
        if isinstance(self.random_state, np.random.RandomState):
            return copy.deepcopy(self.random_state)
        return self.random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit every candidate and keep the best non-degenerate one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights, used by every fit and by the
            criteria.

        Returns
        -------
        self : object
            The fitted selector.
        """
        return fit_selector(self, self._search_once, X, sample_weight)

    def _search_once(self, X, sample_weight, reg_covar):
        """One search with the relative ``reg_covar``; sets the fitted attributes."""
        ks = candidate_ks(self.n_components)
        X = rows_for_noise(X, self.noise)
        # Validation and the data source (in memory, streamed from a memory
        # map or sliceable array, or Dask chunks): ``_engine._sources``.
        data = make_source(
            self,
            X,
            sample_weight,
            n_components=max(ks),
            random_state=self._random_state_for_candidates(),
            cache_features=True,
            missing=MissingValuesSource.from_arrays,
            stream=not self.noise,
        )
        X, sample_weight = data.X, data.sample_weight
        # Streamed data: the starts come from an in-memory sample.
        init = data.init_source()
        types = candidate_types(
            self.covariance_types, X.shape[1], few_rows=_few_rows(init)
        )
        n_usable = X.shape[0]
        if sample_weight is not None:
            n_usable = int(np.count_nonzero(sample_weight))
        # The feature variances (scale of reg_covar and of the relative rule)
        # from the rows the starts see: all of them, or a streamed sample. The
        # proposals know no noise rows nor missing values yet: those fits search
        # the grid (noise from the thorough search's starts). Streamed and Dask
        # data are searched on the starts' sample, then refitted on every row.
        missing = isinstance(data, MissingValuesSource)
        thorough = self.search == "thorough" and not (self.noise or missing)
        if thorough:
            # Many rows in memory: searched on a sample too, as mclust starts
            # from a subset (``sample_size``, deterministic given random_state);
            # and only on rows of positive weight (see ``_sample``).
            rs = self._random_state_for_candidates()
            init = search_sample(data, init, max(ks), rs)
        check_squares_fit(init)
        settings = search_settings(
            {**self.get_params(), "reg_covar": reg_covar},
            init,
            thorough,
            relative=self.search == "thorough",
            shared=self.search == "thorough" and self.noise and not missing,
        )
        span = rows_span(init)  # read once: the warning and reg_covar's advice
        # Said of the user's reg_covar only: a search run again with a lower
        # one (_fit_state) said it again, with another number each time.
        if reg_covar == self.reg_covar and (
            swamped := data_warning(
                settings["reg_covar"],
                init,
                self.prior,
                span,
                relative=reg_covar if self.search == "thorough" else None,
                types=types,
            )
        ):
            warn_user(swamped, UserWarning)
        if reg_covar == self.reg_covar and (
            # With one component, on every row's weight: the least the prior
            # can weigh among the candidates (each component's share of the
            # rows shrinks with K).
            outweighs := prior_outweighs_data(
                self.prior, [get_covariance_model(t) for t in types], data, 1
            )
        ):
            warn_user(outweighs, UserWarning)
        settings["span"] = None if span is None else span[0]
        # The features constant in the rows (their centre is their value:
        # a scatter of exactly zero), which no fit's rounding can tell.
        scatter = getattr(init, "total_scatter", None)
        settings["constant"] = None if scatter is None else np.diag(scatter) == 0
        settings["weight_sum"] = data.weight_sum  # of every row: what a fit costs
        noise = {"noise": self.noise, "noise_init": self.noise_init}
        settings.update(structures=structures_to_carry(types), missing=missing, **noise)
        settings["noise_volume"] = self.noise_volume
        canonical, n_usable = starting_rows(
            data, init, settings, self.noise_volume, self.noise_init, n_usable
        )
        parallel = task_runner(self.n_jobs, settings["structures"])
        feasible, too_many = feasible_counts(ks, n_usable, settings.get("noise_mask"))
        check_search_prior(self.prior, init, types, feasible)
        candidates = [(k, t) for k in ks for t in types]
        sampled = init.n_rows < data.n_rows
        bar = thorough and thorough_progress(
            feasible, settings, self.progress, len(candidates) if sampled else 0
        )
        # What both searches take after their rows.
        common = (canonical, feasible, types, settings, too_many, parallel)
        common += (self._random_state_for_candidates,)
        if thorough:
            outcomes = thorough_search(init, *common, bar and bar.update)
            if sampled:
                outcomes = refitted_on(
                    data,
                    init,
                    outcomes,
                    {**settings, "random_state": self._random_state_for_candidates()},
                )
                if bar:
                    outcomes = ticking(outcomes, bar.update)
        else:
            outcomes = grid_search(data, *common)
        if not thorough:
            outcomes = with_progress(outcomes, len(candidates), self.progress)
        rows, estimators, errors = collect_outcomes(
            outcomes, type(self).__name__, self.criterion, self.verbose
        )
        warn_failed_user_structures(rows, errors)
        if bar:
            bar.close()
        shift = 2.0 * data.weight_sum * settings["relative_offset"]
        self.results_, estimators = pick_with_alternatives(
            rows, estimators, self.criterion, X.shape[1], shift
        )
        order = np.argsort(self.results_["rank"], kind="stable")
        best = int(order[0])
        flags = self.results_["degenerate"][best] or self.results_["spurious"][best]
        if estimators[best] is None or flags:
            raise_no_sound_candidate(
                type(self).__name__, self.results_, errors, self.prior
            )
        self.best_index_ = best
        self.best_estimator_ = estimators[best]
        # The search held compact labels (_final_estep); the pick's as fit's.
        self.best_estimator_.labels_ = self.best_estimator_.labels_.astype(np.intp)
        self.n_components_ = int(self.results_["n_components"][best])
        self.covariance_type_ = str(self.results_["covariance_type"][best])
        self.criterion_ = float(self.results_[self.criterion][best])
        self.n_iter_ = int(self.best_estimator_.n_iter_)
        # Searched on an in-memory sample of all the rows: as Dask input gives.
        self.labels_ = per_row_like(data.X, self.best_estimator_.labels_)
        return settings


def _few_rows(source):
    """Whether the rows of positive weight are no more, distinct, than features."""
    X, weights = np.asarray(source.X), source.sample_weight
    if weights is not None:
        X = X[np.asarray(weights) > 0]
    return few_distinct_rows(X)
