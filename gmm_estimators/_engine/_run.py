"""The EM loop: one run from given parameters, and the best of several starts.

Every estimator and the selector fit through :func:`fit_restarts`; nothing
else iterates E- and M-steps.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from dataclasses import dataclass, field

import numpy as np

from ..covariance._linalg import any_true
from ._estep import em_step
from ._mstep import DegenerateStepError, m_step, reg_covar_remedy
from ._rounding import decrease_slack, fell_by_rounding, unsound

__all__ = [
    "COLLAPSE_PATIENCE",
    "FLAT_PATIENCE",
    "FLAT_ROWS",
    "EMOptions",
    "EMResult",
    "fit_restarts",
    "run_em",
]


@dataclass(frozen=True)
class EMOptions:
    """What an EM run needs besides the structure, the data and a start.

    Attributes
    ----------
    reg_covar : float
        Added to the diagonal of every covariance (see the structures).
    tol : float
        Stop when the change of the objective is below this (see
        ``relative_tol``).
    max_iter : int
        Iterations per run; 0 keeps the start.
    equal_proportions : bool
        Keep every mixing proportion at ``1 / K``.
    prior : object or None
        A resolved prior (MAP-EM), or None (maximum likelihood). The engine
        calls two of its methods: ``map_m_step_inputs`` in the M-step and
        ``log_density(model, center, params)`` in the objective (see
        ``_prior.ConjugatePrior``).
    noise_log_volume : float or None
        With a uniform noise component, the log of its hypervolume ``V``
        (the starts carry its proportion, see ``Params``); None without one.
    relative_tol : bool
        False (scikit-learn's rule): stop when the *mean* objective per unit
        of weight changes by less than ``tol`` in absolute value. True
        (mclust's rule): stop when the *total* objective ``L`` changes by
        less than ``tol`` relative to its size,
        ``|L_t - L_{t-1}| / (1 + min(|L_t|, n)) < tol`` (``n`` the weights'
        sum), a rule that does not depend on the data's units nor, for
        large data, on the number of rows.
    relative_offset : float
        Added to the mean objective before it divides the change in the
        relative rule: ``|L_t - L_{t-1}| / (1 + |L_t + n c|) < tol``. With
        ``c`` half the sum of the log variances of the features, ``L + n c``
        is the log-likelihood of the data in standardised units, so the rule
        does not depend on the data's units.
    abandon_below : float
        A challenger's bar (the selector's starts after the first): the run
        stops early, marked ``abandoned``, once its Aitken extrapolation of
        the limit of the mean objective, ``l_t + c_t a / (1 - a)`` with
        ``c_t = l_t - l_{t-1}`` and ``a = c_t / c_{t-1}``, falls below this.
        ``-inf`` (the default) never abandons.
    abandon_after : int
        The iteration from which ``abandon_below`` applies (at least 3: the
        extrapolation needs two changes):
        Aitken's extrapolation assumes changes that shrink geometrically,
        and a run crossing a saddle (changes shrinking, then growing again)
        looks doomed after three iterations and can end best (5 clusters
        in 3,000 rows, EEV with 2 components: 9.7 BIC units above mclust's
        cell when abandoned at the third).
    collapse_below : float
        The run stops, listing the components in ``EMResult.collapsing``,
        once a component's responsibilities have summed to less than this,
        without regaining weight, for :data:`COLLAPSE_PATIENCE` iterations in
        a row (before the run has converged). The selector sets it to the
        rows' worth below which ``_degenerate`` calls a component
        degenerate: EM on a component stuck there creeps towards an
        unbounded limit (for hundreds of iterations with VVE and EVE on
        small data). A component that regains weight restarts its count, as
        one that dips below and recovers can end sound, and while a
        component below it regains weight the run is not converged. 0 (the
        default) never stops.
    lattice_steps : ndarray of shape (d,) or None
        The data's smallest step between two values of each feature (0:
        none) on unweighted rows: the run stops, listing the components in
        ``EMResult.flat``, once a component has stayed narrowed onto one
        value for :data:`FLAT_PATIENCE` iterations (read every fourth: at
        two readings in a row). Narrowed along feature ``j`` means an own
        standard deviation (bounded by the fitted covariance:
        ``CovarianceModel.own_variance_bounds``, VVV, VVI and VII only)
        below ``step_j sqrt(FLAT_ROWS / N_k)``: the rows off the value
        nearest its mean are at least half a step from it, so they hold
        less than ``4 FLAT_ROWS`` rows' worth of its responsibility, all of
        them shared with other components, which take them as it narrows
        further. Whether one value of one feature or of every feature (one
        point) is where the structure is degenerate, the structure says
        (``OwnSpread.narrowed``); the collapse check then judges the fit as
        usual. On lattice data these crawls were most of the thorough
        search's iterations. None (the default) never stops.
    """

    reg_covar: float
    tol: float
    max_iter: int
    equal_proportions: bool = False
    prior: object = None
    noise_log_volume: float | None = None
    relative_tol: bool = False
    abandon_below: float = -np.inf
    relative_offset: float = 0.0
    collapse_below: float = 0.0
    abandon_after: int = 10
    # An array: left out of the generated comparison and hash.
    lattice_steps: object = field(default=None, compare=False)

    #: Whether the E-step accumulates the responsibilities' entropy.
    needs_entropy = False
    #: Whether :meth:`objective` is that of the E-step's parameters alone
    #: (the variational bound reads the M-step's posterior too).
    objective_of_e_step = True

    @property
    def monotone(self):
        """Whether the objective can never decrease (beyond rounding).

        EM (and MAP-EM) maximise exactly without ``reg_covar``; with it the
        M-step's covariances are not the maximiser's and the objective may
        fall a little.
        """
        return self.reg_covar == 0

    def converged(
        self, lower_bound, change, weight_sum, last_change=np.inf, earlier_change=np.inf
    ):
        """Whether a change of the mean objective meets the stopping rule.

        The relative rule also asks Aitken's estimate of the gain still to
        come (``c_t a / (1 - a)``, ``a = c_t / c_{t-1}``, in total
        log-likelihood units) to meet it or to stay below
        :data:`_PROJECTED_GAIN`: EM crawling along a plateau makes small
        changes that shrink slowly, and stopping there left fits far below
        the optimum (breast cancer data, EEE with 3 components: 3040.1
        instead of 2886.5 BIC units). A change that grows again (the crawl
        speeding up) is not converged either, nor, until the estimate meets
        the relative rule itself, is one whose estimate grew since the last
        iteration (``earlier_change`` is ``c_{t-2}``): on a geometric tail
        it shrinks with the changes, and it grows where the changes slow
        down as EM nears the edge of a plateau. On the logarithms of Engel's
        food expenditure data (quantreg, 235 rows), VEV with 2 components
        stopped at iteration 66 with 0.062 still to come by the estimate,
        2.7 below the optimum that EM reaches by iteration 125 (mclust's
        cell, whose rule in the data's units is 35 times stricter there).
        """
        if not self.relative_tol:
            return abs(change) < self.tol
        # In Python floats (no numpy error state to set on every iteration:
        # they overflow to inf and give NaN silently, as numpy did within
        # one); _projected_limit divides only by positive numbers.
        lower_bound, change = float(lower_bound), float(change)
        weight_sum, last_change = float(weight_sum), float(last_change)
        earlier_change = float(earlier_change)
        bound = self._relative_bound(lower_bound, weight_sum)
        if not abs(change * weight_sum) < bound:
            return False
        if change <= 0.0 or not math.isfinite(last_change):
            return True
        # inf (not converged) when the change grows again.
        gap = _projected_limit(0.0, change, last_change) * weight_sum
        if gap < bound:
            return True
        grew = math.isfinite(earlier_change) and gap > (
            _projected_limit(0.0, last_change, earlier_change) * weight_sum
        )
        return not grew and gap < _PROJECTED_GAIN

    def _relative_bound(self, lower_bound, weight_sum):
        total = (lower_bound + self.relative_offset) * weight_sum
        # |L| capped at n: in standardised units |L| is about 1.4 d n, and
        # the rule was then looser than mclust's on data of small variance
        # (randu, VVI with 4 components: stopped at iteration 31 of a crawl
        # that gains 21 BIC units by iteration 290; mclust goes on).
        return self.tol * (1.0 + min(abs(total), weight_sum))

    def stops_plainly(self, lower_bound, change, weight_sum, factor=1.0):
        """Whether the relative rule alone (mclust's) would stop here.

        :meth:`converged` also asks the gain still to come to be small and
        a thin component not to be regaining weight; a run that goes on
        past this point records it (``EMResult.first_stop``). With a
        ``factor``, whether the change is within that many times the rule's
        bound (a plateau, see :data:`PLATEAU_FACTOR`).
        """
        if not self.relative_tol:
            return False
        lower_bound, weight_sum = float(lower_bound), float(weight_sum)
        bound = self._relative_bound(lower_bound, weight_sum)
        return abs(float(change) * weight_sum) < factor * bound

    def m_step(self, model, source, stats, previous=None):
        """The M-step with these options."""
        return m_step(
            model,
            source,
            stats,
            self.reg_covar,
            equal_proportions=self.equal_proportions,
            previous=previous,
            prior=self.prior,
            noise_log_volume=self.noise_log_volume,
        )

    def objective(self, model, source, log_likelihood, stats, before, after):
        """The quantity EM increases, per unit of weight, for one iteration.

        ``log_likelihood`` is that of ``before``, the parameters of the
        E-step (with a prior, MAP-EM increases the log posterior).
        """
        if self.prior is not None:
            log_likelihood += self.prior.log_density(model, source.center, before)
        return log_likelihood / source.weight_sum

    def fitted_attributes(self, params):
        """Attributes of the fitted estimator beyond the mixture's parameters."""
        if self.noise_log_volume is None:
            return {
                "prior_": self.prior,
                "noise_proportion_": 0.0,
                "noise_volume_": None,
            }
        return {
            "prior_": self.prior,
            "noise_proportion_": float(params.noise_proportion),
            # A volume the user gave, as given (``_noise.LogVolume``).
            "noise_volume_": getattr(self.noise_log_volume, "volume", None)
            or float(np.exp(self.noise_log_volume)),
        }


@dataclass
class EMResult:
    """The state a run ended in, and its history.

    ``params`` are centred on the source's centre. ``lower_bound`` is the
    mean objective at the last E-step (``-inf`` without iterations);
    ``lower_bounds`` its value at every iteration; ``jittered`` flags the
    components whose covariance had to be regularised to be factorised.
    ``breakdown`` says why the run stopped early at the last sound
    parameters (an unbounded likelihood), or is None. ``collapsing`` lists
    the components that ended the run under ``EMOptions.collapse_below``, or
    is None; ``flat`` those that ended it under ``EMOptions.lattice_steps``, or
    is None. ``first_stop`` keeps where the relative rule alone first held
    when the run went on (:meth:`at_first_stop`); if it never held, the
    flattest iterate of the run's first plateau (its changes within
    :data:`PLATEAU_FACTOR` times the rule's bound); or None.
    ``statistics`` are the summed statistics whose M-step gave ``params``
    (the last E-step but one's when the run ended on an E-step), or None
    when ``params`` are the start or were restored after a breakdown: an
    online update continues from them (``_online``), which the parameters
    alone cannot give (a constrained structure's covariances do not hold
    the per-component scatters, and a prior's pull is in them).
    """

    params: object
    jittered: np.ndarray
    lower_bound: float
    lower_bounds: list = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False
    abandoned: bool = False
    breakdown: str | None = None
    collapsing: np.ndarray | None = None
    first_stop: tuple | None = None
    statistics: object = None
    flat: np.ndarray | None = None

    def at_first_stop(self):
        """The run as it was where the relative rule alone first held, or None.

        ``first_stop`` is ``(params, jittered, n_iter, ruled)`` of that
        iteration when the run went on past it (see
        ``EMOptions.stops_plainly``; ``ruled`` True), or of its first
        plateau's flattest iterate when the rule never held (``ruled``
        False). Only a stop where the rule held is ``converged``: a plateau's
        changes were within ``PLATEAU_FACTOR`` times the rule's bound, not
        within it.
        """
        if self.first_stop is None:
            return None
        params, jittered, n_iter, ruled = self.first_stop
        bounds = self.lower_bounds[:n_iter]
        return EMResult(params, jittered, bounds[-1], bounds, n_iter, converged=ruled)

    def breakdown_message(self, name, reg_covar=0.0):
        """The warning for a run that stopped at its last sound parameters."""
        return (
            f"{name}: EM stopped early because {self.breakdown}; the fit keeps "
            "the last parameters whose objective was computed (lower_bounds_ "
            "never decreases). The likelihood is unbounded: some component "
            f"rests on too few distinct rows. {reg_covar_remedy(reg_covar)}, "
            "use fewer components, or pass prior='default'."
        )


#: How many times the relative rule's bound the changes of a plateau stay
#: within. The rule caps ``|L|`` at ``n`` in standardised units, so it is
#: several times stricter than mclust's own in the data's units (4 times on
#: Old Faithful, 5.6 on Michelson's speeds of light): a run can crawl along
#: a plateau where mclust stops, never meet the rule, and go on to collapse.
PLATEAU_FACTOR = 10.0

#: Changes of a plateau within this (relative) of each other are ties.
_FLAT_TIE = 1e-6

#: Iterations in a row a component must stay below ``collapse_below``
#: without regaining weight (more than ``_REGAIN`` of it) to end the run.
COLLAPSE_PATIENCE = 50
_REGAIN = 1e-3

#: Iterations in a row a component must stay narrowed onto one value (see
#: ``EMOptions.lattice_steps``) to end the run.
FLAT_PATIENCE = 8
#: Rows' worth of responsibility (a quarter of the bound: see
#: ``EMOptions.lattice_steps``) a narrowed component may hold off its value.
FLAT_ROWS = 0.1
# Every this many iterations the components' spreads are read: a component
# narrowed onto one value stays there, and reading them every iteration cost
# as much as the crawls it saved on data without a lattice.
_FLAT_CHECK_EVERY = 4

# Log-likelihood units (a fifth of a BIC unit) that Aitken's estimate of the
# gain still to come may reach when the relative rule stops a run: far below
# what a model choice can notice, far above the rounding of a converged run.
_PROJECTED_GAIN = 0.1


def run_em(
    model, source, params, options, *, lower_bound=-np.inf, mapper=map, monitor=None
):
    """EM from ``params`` until convergence or ``options.max_iter`` iterations.

    Parameters
    ----------
    model : CovarianceModel
    source : ArraySource
        The data (see ``_data``).
    params : Params
        The start, centred on ``source.center``.
    options : EMOptions
        Or any object with the same methods: another M-step and objective
        (the variational mixture's posterior update and lower bound).
    lower_bound : float, default=-inf
        The objective of ``params`` if known (a warm start continues from it).
    mapper : callable, default=map
        Maps a function over row blocks (``_threads.block_mapper``).
    monitor : object or None, default=None
        Told of progress: ``monitor.iteration(n_iter, change)`` after every
        iteration and ``monitor.end(lower_bound, converged)`` at the end.

    Returns
    -------
    result : EMResult
    """
    lower_bounds = []
    jittered = np.zeros(params.means.shape[0], dtype=bool)
    converged = abandoned = False
    breakdown = None
    n_iter = 0
    last_change = earlier_change = np.inf
    collapse_below = getattr(options, "collapse_below", 0.0)
    collapsing, thin_run, last_nk = None, 0, None
    lattice_steps = getattr(options, "lattice_steps", None)
    flat, flat_run = None, 0
    # Where mclust's rule alone would have stopped, should the run go on;
    # failing that, the flattest iterate of its first plateau: Michelson's
    # speeds of light, V with 5 components, crawl with changes of 0.0022 at
    # best (mclust's bound 0.0053, ours 0.00095) before collapsing onto 10
    # tied rows, and mclust's fit is on that plateau.
    first_stop = plateau = None
    flattest, plateau_over = np.inf, False
    plain = getattr(options, "stops_plainly", None) or (lambda *_, **__: False)
    slack = decrease_slack(source) if getattr(options, "monotone", False) else None
    # A start given by hand may lie outside the structure (EII with unequal
    # volumes) and fit better than any member: the first M-step imposes the
    # structure, and a fall of the objective there is no breakdown (it was
    # read as one: the run stopped and returned the start, which breaks the
    # structure, with every component called collapsed).
    given = getattr(params, "given", False)
    # The parameters of the last recorded objective (and their flags).
    sound = (params, jittered)
    # The statistics whose M-step gave params (None: the start).
    made_by = None
    for n_iter in range(1, options.max_iter + 1):
        previous = lower_bound
        # em_step sets numpy's error state itself.
        log_likelihood, stats = em_step(
            model, source, params, mapper, entropy=options.needs_entropy
        )
        try:
            updated, new_jittered = options.m_step(
                model, source, stats, params.covariances
            )
        except DegenerateStepError as error:
            # No finite maximiser: params (whose objective this E-step
            # computed) are the last sound ones.
            updated, new_jittered, breakdown = None, jittered, str(error)
        after = params if updated is None else updated
        current = options.objective(model, source, log_likelihood, stats, params, after)
        reason = unsound(current, previous, None if given and n_iter == 2 else slack)
        if reason is not None:
            # params (from the last M-step) are worse than their start or
            # not finite: keep the start, whose objective was recorded. A
            # finite fall within the means' rounding is convergence there
            # (NaN and +inf are breakdowns).
            if np.isfinite(current) and fell_by_rounding(
                current, previous, model, params
            ):
                converged = True
            else:
                breakdown = f"{reason} at iteration {n_iter}"
            if (
                n_iter == 1
                and np.isfinite(current)
                and getattr(options, "objective_of_e_step", False)
            ):
                # A warm start whose objective is below the bound it came
                # with (its last M-step broke down, unseen until now): it is
                # kept, and this is its objective, not the bound's.
                lower_bound = current
                lower_bounds.append(current)
            params, jittered = sound[0], sound[1] | new_jittered
            made_by = None
            n_iter -= 1
            break
        lower_bound = current
        lower_bounds.append(lower_bound)
        if updated is None:
            break
        sound = (params, jittered)
        params, jittered, made_by = updated, new_jittered, stats
        change = lower_bound - previous
        if monitor is not None:
            monitor.iteration(n_iter, change)
        nk = None if collapse_below <= 0 else np.asarray(stats.nk, np.float64)
        if options.converged(
            lower_bound, change, source.weight_sum, last_change, earlier_change
        ) and not _regaining_thin(nk, last_nk, collapse_below):
            converged = True
            break
        # Once a first plateau has ended without the rule, it is where
        # mclust's looser rule would have stopped: a later stop is not.
        if (
            first_stop is None
            and not plateau_over
            and plain(lower_bound, change, source.weight_sum)
        ):
            first_stop = (params, jittered, n_iter, True)
        elif first_stop is None and not plateau_over:
            if plain(lower_bound, change, source.weight_sum, factor=PLATEAU_FACTOR):
                # Changes within _FLAT_TIE of each other are ties, kept by
                # the first: on a plateau neighbours differ by little more
                # than their rounding, which a change of units moves.
                if abs(change) < flattest * (1.0 - _FLAT_TIE):
                    plateau, flattest = (params, jittered, n_iter, False), abs(change)
            elif plateau is not None:
                plateau_over = True
        if options.abandon_below > -np.inf and n_iter >= max(options.abandon_after, 3):
            if _projected_limit(lower_bound, change, last_change) < (
                options.abandon_below
            ):
                abandoned = True
                break
        if collapse_below > 0:
            thin = nk < collapse_below
            if last_nk is not None:
                # A thin component that regains weight may yet end sound:
                # only one that stays thin without regaining any counts.
                thin &= nk <= last_nk + _REGAIN
            thin_run = np.where(thin, thin_run + 1, 0)
            last_nk = nk
            if any_true(thin_run >= COLLAPSE_PATIENCE):
                collapsing = np.flatnonzero(thin_run >= COLLAPSE_PATIENCE)
                break
        if lattice_steps is not None and n_iter % _FLAT_CHECK_EVERY == 0:
            flat_run = np.where(
                _flat_components(model, params, stats.nk, lattice_steps),
                flat_run + _FLAT_CHECK_EVERY,
                0,
            )
            if any_true(flat_run >= FLAT_PATIENCE):
                flat = np.flatnonzero(flat_run >= FLAT_PATIENCE)
                break
        earlier_change, last_change = last_change, change
    if monitor is not None and options.max_iter:
        monitor.end(lower_bound, converged)
    return EMResult(
        params,
        jittered,
        lower_bound,
        lower_bounds,
        n_iter,
        converged,
        abandoned,
        breakdown,
        collapsing,
        plateau if first_stop is None else first_stop,
        made_by,
        flat,
    )


def _flat_components(model, params, nk, steps):
    """Components narrowed onto one value, as the structure reads it.

    See ``EMOptions.lattice_steps``: along feature ``j``, the component's own
    standard deviation (its bound, ``CovarianceModel.own_variance_bounds``;
    none for the constrained structures) below ``steps_j sqrt(FLAT_ROWS /
    N_k)`` (constant features and those read as continuous, a step of 0,
    say nothing).

    Parameters
    ----------
    model : CovarianceModel
    params : Params
        From the M-step of the statistics whose weights are ``nk``.
    nk : ndarray of shape (K,)
        The components' rows' worth of responsibility.
    steps : ndarray of shape (d,)

    Returns
    -------
    narrowed : ndarray of shape (K,), dtype=bool
    """
    n_components, n_features = params.means.shape
    bounds = model.own_variance_bounds(params.covariances, n_components, n_features)
    known = None if bounds is None else steps > 0
    if known is None or not known.any():
        return np.zeros(n_components, dtype=bool)
    # Standard deviations, not variances: the square of a step far from
    # one overflows or underflows where the data do not.
    spreads = np.sqrt(np.maximum(bounds, 0.0))
    nk = np.asarray(nk, dtype=np.float64)
    # Components of less than a row's worth are collapse_below's to judge.
    scale = np.sqrt(FLAT_ROWS / np.maximum(nk, 1.0))[:, np.newaxis]
    flat = spreads[:, known] < steps[known] * scale
    return model.own_spread.narrowed(flat) & (nk >= 1.0)


def _regaining_thin(nk, last_nk, collapse_below):
    """Whether a component below ``collapse_below`` is regaining weight.

    The change of the objective can fall below ``tol`` while a component
    passes through too few rows' worth on its way back (5.5 rows' worth in
    6-D, sound at 30400.9 when EM went on): not converged, nor collapsed.
    """
    if nk is None or last_nk is None:
        return False
    return any_true((nk < collapse_below) & (nk > last_nk + _REGAIN))


def _projected_limit(lower_bound, change, last_change):
    """Aitken's extrapolation of the objective's limit (``inf`` if unsure)."""
    if not (0.0 < change < last_change):
        return np.inf
    rate = change / last_change
    return lower_bound + change * rate / (1.0 - rate)


def fit_restarts(model, source, starts, options, *, mapper=map, monitor=None):
    """EM from every start; the run with the highest objective.

    Parameters
    ----------
    starts : iterable of (Params, float)
        Starting parameters and their objective (``-inf`` unless known),
        produced lazily so that only one start is held at a time.
    monitor : object or None, default=None
        As in :func:`run_em`, and ``monitor.start(index)`` before each run.

    Returns
    -------
    result : EMResult
        The best run. As scikit-learn: without iterations the last start is
        kept, and a run is preferred to one whose objective is ``-inf``.
    """
    best = None
    for index, (params, lower_bound) in enumerate(starts):
        if monitor is not None:
            monitor.start(index)
        run = run_em(
            model,
            source,
            params,
            options,
            lower_bound=lower_bound,
            mapper=mapper,
            monitor=monitor,
        )
        if (
            best is None
            or options.max_iter == 0
            or higher_beyond_rounding(run.lower_bound, best.lower_bound)
            or best.lower_bound == -np.inf
        ):
            best = run
    return best


#: Objectives of two runs within this of each other (relative) are one
#: optimum: the first run is kept.
_RESTART_TIE = 1e-12


def higher_beyond_rounding(value, best):
    """Whether ``value`` beats ``best`` by more than their rounding.

    Two starts that reach one optimum with the components in another order
    differ in the last bits of their objective, and which bits depends on
    the row order and the blocks (1e-16 relative): the one kept, and with it
    the components' order, changed with them (``predict`` on 726 of 1,500
    rows). Within :data:`_RESTART_TIE` the earlier start is kept.
    """
    return value > best + _RESTART_TIE * abs(best)
