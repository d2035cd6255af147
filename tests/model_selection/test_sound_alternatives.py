"""A cell's best sound fit, kept beside a spurious one of higher likelihood."""

import numpy as np
import pytest

from gmm_estimators.model_selection._search import _soundness
from gmm_estimators.model_selection._sound_alternatives import (
    kept_of,
    pick_with_alternatives,
)


class _Fit:
    """Stands for a fitted estimator: the functions only carry it."""

    def __init__(self, name):
        self.name = name


def _outcome(name, log_likelihood, spurious=False, degenerate=False, k=2, t="VVV"):
    n_parameters = 10
    bic = -2.0 * log_likelihood + n_parameters * np.log(100.0)
    row = {
        "n_components": k,
        "covariance_type": t,
        "bic": bic,
        "aic": -2.0 * log_likelihood + 2 * n_parameters,
        "icl": bic,
        "log_likelihood": log_likelihood,
        "n_parameters": n_parameters,
        "converged": True,
        "degenerate": degenerate,
        "spurious": spurious,
    }
    return row, _Fit(name), None, 0.0


def _alternative(outcome):
    found = getattr(outcome[1], "_sound_alternative", None)
    return None if found is None else found[1].name


def test_a_spurious_fit_keeps_the_cells_best_sound_fit_beside_it():
    sound = _outcome("sound", -60.0)
    spurious = _outcome("spurious", -50.0, spurious=True)
    kept = kept_of(spurious, sound, _soundness)
    assert kept[1].name == "spurious" and _alternative(kept) == "sound"
    # A later, better spurious fit takes the cell and carries the alternative.
    better = _outcome("better spurious", -40.0, spurious=True)
    kept = kept_of(better, kept, _soundness)
    assert kept[1].name == "better spurious" and _alternative(kept) == "sound"
    # A better sound fit that still loses the cell becomes the alternative;
    # a worse one does not.
    kept = kept_of(_outcome("worse sound", -70.0), kept, _soundness)
    assert _alternative(kept) == "sound"
    kept = kept_of(_outcome("better sound", -55.0), kept, _soundness)
    assert kept[1].name == "better spurious" and _alternative(kept) == "better sound"
    # A sound fit that wins the cell needs no alternative.
    kept = kept_of(_outcome("best", -30.0), kept, _soundness)
    assert kept[1].name == "best" and _alternative(kept) is None


def test_degenerate_fits_are_no_alternative():
    kept = kept_of(
        _outcome("spurious", -50.0, spurious=True),
        _outcome("collapsed", -60.0, degenerate=True),
        _soundness,
    )
    assert kept[1].name == "spurious" and _alternative(kept) is None


def _table(alternative_log_likelihood):
    sound = _outcome("A", -100.0, k=1)
    cell = kept_of(
        _outcome("B spurious", -50.0, spurious=True, k=2),
        _outcome("B sound", alternative_log_likelihood, k=2),
        _soundness,
    )
    rows = [{**sound[0], "fit_time": 1.0}, {**cell[0], "fit_time": 2.0}]
    return pick_with_alternatives(rows, [sound[1], cell[1]], "bic", 2, 0.0)


def test_the_pick_takes_a_cells_sound_fit_when_it_ranks_first():
    results, estimators = _table(-80.0)
    # Cell B's sound fit (BIC 160 + penalty) beats cell A's: its row replaces
    # the spurious fit's, ranked first; the cell's time is kept.
    assert [e.name for e in estimators] == ["A", "B sound"]
    assert results["rank"].tolist() == [2, 1]
    assert not results["spurious"][1]
    assert results["log_likelihood"][1] == -80.0
    assert results["fit_time"].tolist() == [1.0, 2.0]
    assert not any(hasattr(e, "_sound_alternative") for e in estimators)


def test_a_sound_fit_that_ranks_below_the_pick_leaves_the_cells_row():
    results, estimators = _table(-120.0)
    assert [e.name for e in estimators] == ["A", "B spurious"]
    assert results["rank"].tolist() == [1, 2]
    assert results["spurious"][1] and results["log_likelihood"][1] == -50.0
    assert not any(hasattr(e, "_sound_alternative") for e in estimators)


@pytest.mark.parametrize("criterion", ["bic", "aic", "icl"])
def test_the_alternative_is_ranked_by_the_selectors_criterion(criterion):
    # Cell A and cell B's sound fit order differently under each criterion:
    # the pick (rank 1) follows the selector's.
    a = _outcome("A", -100.0, k=1)
    a[0].update(n_parameters=5, bic=210.0, aic=230.0, icl=260.0)
    b_sound = _outcome("B sound", -95.0)
    b_sound[0].update(n_parameters=12, bic=220.0, aic=214.0, icl=250.0)
    cell = kept_of(_outcome("B spurious", -50.0, spurious=True), b_sound, _soundness)
    rows = [{**a[0], "fit_time": 0.0}, {**cell[0], "fit_time": 0.0}]
    results, estimators = pick_with_alternatives(
        rows, [a[1], cell[1]], criterion, 2, 0.0
    )
    first = int(np.argmin(results["rank"]))
    winner = {"bic": "A", "aic": "B sound", "icl": "B sound"}[criterion]
    assert estimators[first].name == winner
    expected = min(r[criterion] for r in (a[0], b_sound[0]))
    assert results[criterion][first] == expected


def test_a_spurious_cell_is_challenged_from_its_sound_alternative():
    # Challengers of a spurious fit must beat its sound alternative, not the
    # spurious fit itself: a sound fit between the two is one the pick can
    # take (it was dropped, as was any sound fit with no alternative yet).
    from gmm_estimators.model_selection._search import _incumbent

    sound = _outcome("sound", -60.0)
    sound[1].lower_bound_ = -0.60
    spurious = _outcome("spurious", -50.0, spurious=True)
    spurious[1].lower_bound_ = -0.50
    assert _incumbent(sound) == -0.60
    assert _incumbent(spurious) == -np.inf
    kept = kept_of(spurious, sound, _soundness)
    assert _incumbent(kept) == -0.60
    collapsed = _outcome("collapsed", -40.0, degenerate=True)
    assert _incumbent(collapsed) == -np.inf


def test_a_challenge_keeps_its_sound_run_in_either_order(monkeypatch):
    # A spurious run that leads a challenge raised the bar for the runs after
    # it: a sound run below it was abandoned when it came second, and kept
    # as the alternative only when it came first.
    import dataclasses
    from types import SimpleNamespace

    from gmm_estimators.model_selection import _search

    def run(lower_bound, spurious):
        check = SimpleNamespace(
            collapsed=np.array([], dtype=int),
            spurious=np.array([0] if spurious else [], dtype=int),
        )
        return SimpleNamespace(
            lower_bound=lower_bound, abandoned=False, component_check=check
        )

    def run_em(model, data, params, options, mapper=None):
        result = run(*params)
        result.abandoned = result.lower_bound < options.abandon_below
        return result

    monkeypatch.setattr(_search, "run_em", run_em)
    monkeypatch.setattr(_search, "_judged_or_first_stop", lambda m, d, r, o: r)

    @dataclasses.dataclass
    class Options:
        abandon_below: float = -np.inf

    data = SimpleNamespace(weight_sum=100.0)
    for starts in ([(-0.6, False), (-0.5, True)], [(-0.5, True), (-0.6, False)]):
        best, sound = _search._challenge(None, data, starts, Options(), None, -np.inf)
        assert best.lower_bound == -0.5
        assert sound is not None and sound.lower_bound == -0.6
