"""The run loop's bookkeeping, driven by scripted objectives.

``run_em`` keeps where mclust's relative rule alone would have stopped a run
that went on (``EMResult.first_stop``), or failing that the flattest iterate
of the run's first plateau. These tests replace the E-step and the options by
stubs whose objective follows a script, so that each state of that logic is
reached on purpose rather than through a data set that happens to reach it.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from gmm_estimators._engine import _run

#: The relative rule's bound in the stubs' units (changes of the objective).
BOUND = 1.0


class _ScriptedOptions:
    """EM options whose objective after iteration ``t`` is ``objectives[t - 1]``.

    The full rule (``converged``) never holds, so the run goes on to
    ``max_iter``; mclust's rule alone (``stops_plainly``) holds for changes
    within ``BOUND`` (times ``factor``).
    """

    needs_entropy = False
    monotone = False
    collapse_below = 0.0

    def __init__(self, objectives, abandon_below=-np.inf, abandon_after=10):
        self.objectives = objectives
        self.max_iter = len(objectives)
        self.steps = 0
        self.abandon_below = abandon_below
        self.abandon_after = abandon_after

    def m_step(self, model, source, stats, previous=None):
        self.steps += 1
        # Each iterate is told apart by the M-step that made it.
        made = SimpleNamespace(
            means=np.zeros((2, 1)), covariances=None, step=self.steps
        )
        return made, np.zeros(2, dtype=bool)

    def objective(self, model, source, log_likelihood, stats, before, after):
        return log_likelihood

    def converged(
        self, lower_bound, change, weight_sum, last_change=np.inf, earlier_change=np.inf
    ):
        return False

    def stops_plainly(self, lower_bound, change, weight_sum, factor=1.0):
        return abs(change) < factor * BOUND


def _run_script(changes, monkeypatch, **options):
    objectives = list(np.cumsum(changes) - 1000.0)
    calls = iter(objectives)
    monkeypatch.setattr(_run, "em_step", lambda *args, **kwargs: (next(calls), None))
    start = SimpleNamespace(means=np.zeros((2, 1)), covariances=None, step=0)
    source = SimpleNamespace(weight_sum=1.0)
    return _run.run_em(None, source, start, _ScriptedOptions(objectives, **options))


@pytest.mark.parametrize(
    "changes, kept_step, ruled",
    [
        # The rule alone holds at the third iterate: kept, and converged.
        ([100.0, 50.0, 0.5, 3.0, 0.2, 40.0], 3, True),
        # Never within the bound; changes within ten times it from the
        # third iterate to the fifth (the flattest, 2.0), then the plateau
        # ends: a later change within the bound itself (0.5) is on the way
        # elsewhere and is not kept.
        ([100.0, 50.0, 5.0, 3.0, 2.0, 4.0, 20.0, 0.5, 30.0], 5, False),
        # Ties within the relative _FLAT_TIE go to the first of them.
        ([100.0, 2.0, 2.0 * (1 - 1e-9), 50.0], 2, False),
    ],
)
def test_first_stop_or_flattest_iterate_of_the_first_plateau(
    changes, kept_step, ruled, monkeypatch
):
    run = _run_script(changes, monkeypatch)
    assert run.n_iter == len(changes)
    early = run.at_first_stop()
    assert early.params.step == kept_step
    assert early.n_iter == kept_step
    assert early.lower_bound == run.lower_bounds[kept_step - 1]
    assert early.lower_bounds == run.lower_bounds[:kept_step]
    # converged keeps its meaning: a plateau's changes were within ten
    # times the rule's bound, not within it.
    assert early.converged is ruled


def test_no_plateau_no_first_stop(monkeypatch):
    # Every change beyond ten times the bound: nothing to fall back on.
    run = _run_script([100.0, 50.0, 30.0, 20.0, 15.0, 11.0], monkeypatch)
    assert run.first_stop is None
    assert run.at_first_stop() is None


#: A challenger crossing a saddle, modelled on one of the search (5 clusters
#: in 3,000 rows, EEV with 2 components, from a split: 418 units gained
#: after the third iteration, ending 4.9 above the incumbent): changes
#: shrink, then grow as EM leaves the saddle.
SADDLE = [100.0, 63.1, 14.6, 6.3, 4.4, 4.5, 5.7, 8.4, 13.1, 21.5, 36.2, 59.4]
SADDLE += [105.6, 95.6, 57.5, 14.5, 2.9, 0.4, 0.05, 0.004]


@pytest.mark.parametrize("abandon_after", [3, 10])
def test_a_challenger_is_not_judged_by_its_first_iterations(abandon_after, monkeypatch):
    # Aitken's extrapolation at the third iteration (rate 14.6 / 63.1) puts
    # the limit 400 units below the incumbent; the run ends above it.
    start = -1000.0 + SADDLE[0]
    incumbent = -1000.0 + sum(SADDLE) - 4.9
    run = _run_script(
        SADDLE, monkeypatch, abandon_below=incumbent - 1.0, abandon_after=abandon_after
    )
    if abandon_after == 3:
        assert run.abandoned and run.n_iter == 3
        assert run.lower_bound < start + 100.0
    else:
        assert not run.abandoned and run.n_iter == len(SADDLE)
        assert run.lower_bound > incumbent


def test_a_doomed_challenger_is_abandoned_after_its_trial(monkeypatch):
    # Geometric changes (rate 0.5) to a limit 50 units below the incumbent:
    # abandoned at the tenth iteration, not run to convergence.
    changes = [100.0 * 0.5**t for t in range(40)]
    limit = -1000.0 + sum(changes)
    run = _run_script(changes, monkeypatch, abandon_below=limit + 50.0)
    assert run.abandoned and run.n_iter == 10
