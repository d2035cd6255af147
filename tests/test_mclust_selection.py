"""Model selection against mclust 6 (issue 13): the default search reaches mclust.

``tests/fixtures/mclust/selection/make_selection_fixtures.R`` ran
``mclustBIC(X, G = 1:9)`` (all 14 structures) and ``Mclust(X, G = 1:9)`` on six
public or seeded data sets (see the fixtures' README). Here
``GaussianMixtureIC(n_components=9, random_state=0)`` with its default settings
searches the same grid, and for every data set:

(i) the chosen model's BIC is at most mclust's best plus one unit (mclust
    reports ``2 log L - p log n``, higher is better; ours is minus that, so the
    bound is ``-mclust_best + 1``);
(ii) at most 2 % of the (K, structure) cells end more than one unit worse than
    mclust's cell, counting cells where both BICs are finite and ours is not
    degenerate (and these must be at least 80 % of the cells mclust fitted, so
    that calling cells degenerate cannot pass the check);
(iii) the chosen model is not degenerate;

and our parameter counts are mclust's ``df`` in every cell. One test per data
set runs the search once and reports every check that fails. A data set on
which the defaults do not pass yet is marked ``xfail(strict=True)`` (issue
13): its test fails the suite as soon as it passes, so that the mark is
removed together with the fix.

The helpers (``load_selection_fixture``, ``run_search``, ``compare``) also
serve ``benchmarks/bench_mclust_selection.py`` and ad-hoc analyses::

    result = compare(fixture, run_search(fixture.X, init_params="hc"))
    print(result.failures())
"""

import csv
import math
import pickle
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from gmm_estimators.model_selection import GaussianMixtureIC

SELECTION = Path(__file__).parent / "fixtures" / "mclust" / "selection"

# mclust's 14 structures, then its two of one feature (the only ones it
# fits to one feature: their cells are NaN elsewhere, the others' there).
MODELS = (
    "EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE",
    "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV", "E", "V",
)  # fmt: skip
KS = tuple(range(1, 10))
TOLERANCE = 1.0  # BIC units
MAX_WORSE_FRACTION = 0.02


def _read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


SUMMARY = {row["dataset"]: row for row in _read_rows(SELECTION / "summary.csv")}
DATASETS = tuple(SUMMARY)


@dataclass(frozen=True)
class SelectionFixture:
    """mclust's results on one data set.

    ``bic`` and ``df`` are (9, 16) arrays indexed by ``K - 1`` and the position
    of the structure in ``MODELS``; ``bic`` has mclust's sign (higher is
    better) and NaN where mclust could not fit.
    """

    name: str
    X: np.ndarray
    bic: np.ndarray
    df: np.ndarray
    best_model: str
    best_k: int
    best_bic: float
    best_loglik: float
    mclust_seconds: float


def read_bic_table(path):
    """A ``bic_<set>.csv`` of mclust: (9, 16) arrays of BIC (NaN for NA) and df."""
    bic = np.full((len(KS), len(MODELS)), np.nan)
    df = np.zeros((len(KS), len(MODELS)), dtype=int)
    for row in _read_rows(path):
        cell = (int(row["K"]) - 1, MODELS.index(row["model"]))
        bic[cell] = np.nan if row["bic"] == "NA" else float(row["bic"])
        df[cell] = int(row["df"])
    return bic, df


@cache
def load_selection_fixture(name):
    """The data and mclust's BIC table, best model and time for data set ``name``."""
    with open(SELECTION / f"data_{name}.csv", newline="") as handle:
        X = np.loadtxt(handle, delimiter=",", skiprows=1, ndmin=2)
    bic, df = read_bic_table(SELECTION / f"bic_{name}.csv")
    summary = SUMMARY[name]
    return SelectionFixture(
        name=name,
        X=X,
        bic=bic,
        df=df,
        best_model=summary["best_model"],
        best_k=int(summary["best_K"]),
        best_bic=float(summary["best_bic"]),
        best_loglik=float(summary["best_loglik"]),
        mclust_seconds=float(summary["mclust_seconds"]),
    )


def run_search(X, **params):
    """``GaussianMixtureIC(n_components=9, random_state=0, **params)`` fitted on X.

    Only the settings in ``params`` differ from the defaults. A chosen model
    that did not converge is the search's to report (its ``converged``
    column), not this helper's, so ``ConvergenceWarning`` is silenced.
    """
    selector = GaussianMixtureIC(n_components=9, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        selector.fit(X)
    return selector


def our_tables(selector):
    """Our BIC (lower is better), degeneracy and parameter counts as (9, 16) arrays."""
    results = selector.results_
    bic = np.full((len(KS), len(MODELS)), np.nan)
    degenerate = np.zeros(bic.shape, dtype=bool)
    n_parameters = np.full(bic.shape, -1)
    for i, (k, name) in enumerate(
        zip(results["n_components"], results["covariance_type"], strict=True)
    ):
        cell = (int(k) - 1, MODELS.index(str(name)))
        bic[cell] = results["bic"][i]
        degenerate[cell] = results["degenerate"][i]
        n_parameters[cell] = results["n_parameters"][i]
    return bic, degenerate, n_parameters


@dataclass(frozen=True)
class Comparison:
    """Our search against mclust's table on one data set (both in our sign)."""

    pick: tuple  # (covariance_type, K)
    pick_bic: float
    pick_degenerate: bool
    mclust_pick: tuple
    mclust_best: float  # minus mclust's best BIC: lower is better, as ours
    n_mclust_finite: int  # cells mclust could fit
    n_compared: int  # cells finite on both sides, ours not degenerate
    worse: tuple  # ((model, K, ours, mclust's), ...) more than TOLERANCE worse
    df_mismatch: tuple  # ((model, K, ours, mclust's), ...) parameter counts

    @property
    def worse_fraction(self):
        return len(self.worse) / max(self.n_compared, 1)

    def failures(self):
        """What fails checks (i)-(iii) and the parameter counts; empty if none."""
        problems = []
        if self.pick_degenerate:
            problems.append(f"(iii) the pick {self.pick} is degenerate")
        if not self.pick_bic <= self.mclust_best + TOLERANCE:
            problems.append(
                f"(i) picked {self.pick} with BIC {self.pick_bic:.3f}; mclust "
                f"picked {self.mclust_pick} with {self.mclust_best:.3f}"
            )
        if self.n_compared < 0.8 * self.n_mclust_finite:
            problems.append(
                f"(ii) only {self.n_compared} of mclust's {self.n_mclust_finite} "
                "fitted cells are finite and not degenerate here"
            )
        if self.worse_fraction > MAX_WORSE_FRACTION:
            cells = ", ".join(
                f"{m} K={k} {ours:.2f} vs {theirs:.2f}"
                for m, k, ours, theirs in self.worse
            )
            problems.append(
                f"(ii) {len(self.worse)} of {self.n_compared} cells "
                f"({100 * self.worse_fraction:.1f} %) more than {TOLERANCE} worse "
                f"than mclust's: {cells}"
            )
        if self.df_mismatch:
            problems.append(f"parameter counts differ: {self.df_mismatch}")
        return problems


def compare(fixture, selector):
    """Compare a fitted search with mclust's results on the same data."""
    ours, degenerate, n_parameters = our_tables(selector)
    theirs = -fixture.bic
    comparable = np.isfinite(ours) & np.isfinite(theirs) & ~degenerate
    worse = comparable & (ours > theirs + TOLERANCE)
    counted = n_parameters >= 0
    return Comparison(
        pick=(selector.covariance_type_, selector.n_components_),
        pick_bic=float(selector.results_["bic"][selector.best_index_]),
        pick_degenerate=bool(selector.results_["degenerate"][selector.best_index_]),
        mclust_pick=(fixture.best_model, fixture.best_k),
        mclust_best=-fixture.best_bic,
        n_mclust_finite=int(np.isfinite(theirs).sum()),
        n_compared=int(comparable.sum()),
        worse=tuple(
            (MODELS[j], i + 1, float(ours[i, j]), float(theirs[i, j]))
            for i, j in zip(*np.nonzero(worse), strict=True)
        ),
        df_mismatch=tuple(
            (MODELS[j], i + 1, int(n_parameters[i, j]), int(fixture.df[i, j]))
            for i, j in zip(
                *np.nonzero(counted & (n_parameters != fixture.df)), strict=True
            )
        ),
    )


# Data sets on which the current defaults fail a check (issue 13).
FAILING_WITH_DEFAULTS = set()


def _cases():
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True, reason="issue 13: more than 2% of the cells below mclust's"
            ),
        )
        if name in FAILING_WITH_DEFAULTS
        else name
        for name in DATASETS
    ]


# ------------------------------------------------------- the fixtures themselves


@pytest.mark.parametrize("name", DATASETS)
def test_fixture_is_complete_and_consistent(name):
    fixture = load_selection_fixture(name)
    n, d = fixture.X.shape
    summary = SUMMARY[name]
    assert (n, d) == (int(summary["n"]), int(summary["d"]))
    assert np.isfinite(fixture.X).all()
    # The structures mclust fits to d features: its NA cells among them.
    fitted = fixture.df.any(axis=0)
    assert fitted.sum() == (2 if d == 1 else 14)
    assert int(np.isnan(fixture.bic[:, fitted]).sum()) == int(summary["n_na"])
    # Mclust's choice is the best cell of mclustBIC's table, and its BIC is
    # 2 logL - df log n.
    j = MODELS.index(fixture.best_model)
    assert fixture.bic[fixture.best_k - 1, j] == pytest.approx(fixture.best_bic)
    assert fixture.best_bic == pytest.approx(np.nanmax(fixture.bic))
    assert fixture.best_bic == pytest.approx(
        2 * fixture.best_loglik - fixture.df[fixture.best_k - 1, j] * math.log(n)
    )
    # One component: every structure of a family has the same likelihood.
    for family in (fixture.bic[0, :2], fixture.bic[0, 2:6], fixture.bic[0, 6:14]):
        np.testing.assert_allclose(family, family[0], rtol=1e-9)


def test_faithful_fixture_is_the_bundled_data():
    from gmm_estimators.datasets import load_old_faithful

    X = load_old_faithful(return_X_y=True)
    np.testing.assert_array_equal(load_selection_fixture("faithful").X, X)


# ------------------------------------------------------ the default search (i-iii)


@pytest.mark.parametrize("name", _cases())
def test_default_search_reaches_mclust(name):
    """Checks (i)-(iii) and mclust's parameter counts for the default search.

    One test per data set runs the search once and makes every check, listing
    all that fail.
    """
    fixture = load_selection_fixture(name)
    result = compare(fixture, run_search(fixture.X))
    problems = result.failures()
    assert not problems, f"{name}:\n" + "\n".join(problems)


# ------------------------------------------- the search's hierarchical start


def _same_partition(a, b):
    """Whether two labellings are the same partition (up to group names)."""
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


@pytest.mark.parametrize("name", DATASETS)
def test_search_hc_start_is_mclusts_partition(name):
    # make_hc_fixtures.R: hclass(hc(X), 1:9), Mclust()'s own starts. The
    # selector's "mclust_hc" start must be exactly these partitions,
    # including on data with tied merge costs (values on a lattice).
    from gmm_estimators._initialization import initial_responsibilities

    X = load_selection_fixture(name).X
    expected = np.loadtxt(SELECTION / f"hc_{name}.csv", delimiter=",", skiprows=1)
    for k in KS:
        resp = initial_responsibilities("mclust_hc", X, k, None, 0)(slice(None))
        labels = np.argmax(resp, axis=1)
        assert _same_partition(labels, expected[:, k - 1]), k


EXTRA = Path(__file__).parents[1] / "benchmarks" / "data" / "mclust_extra"


@pytest.mark.parametrize("name", ["faithful_reversed", "geyser", "cats", "women"])
def test_hc_start_breaks_ties_as_mclust(name):
    # Identical rows (Old Faithful reversed, geyser, cats) and rows on a
    # lattice (women) give merges of equal cost; mclust's Fortran takes the
    # last pair i < j of its scan (largest j, then i) and moves the last group
    # into the freed place. Breaking them otherwise left 9 of geyser's and 11
    # of Old Faithful reversed's cells more than 1 BIC unit below mclust's.
    from gmm_estimators._initialization import initial_responsibilities

    X = np.loadtxt(EXTRA / f"data_{name}.csv", delimiter=",", skiprows=1)
    expected = np.loadtxt(SELECTION / f"hc_{name}.csv", delimiter=",", skiprows=1)
    for k in KS:
        resp = initial_responsibilities("mclust_hc", X, k, None, 0)(slice(None))
        labels = np.argmax(resp, axis=1)
        assert _same_partition(labels, expected[:, k - 1]), k


def test_vve_along_mclusts_path_reaches_mclusts_cells():
    # USArrests (R's datasets, 50 x 4), VVE with 6 and 7 components: EM from
    # mclust's hierarchical start with the package's own M-step ends 7.7 and
    # 8.7 BIC units above mclust's cells (1671.08, 1696.67); EM along
    # mclust's own inner iteration reaches mclust's maxima, and the
    # structure's M-step then improves on them (``mclust_path``).
    X = np.loadtxt(EXTRA / "data_usarrests.csv", delimiter=",", skiprows=1)
    bic, _ = read_bic_table(EXTRA / "bic_usarrests.csv")
    selector = GaussianMixtureIC(
        n_components=[6, 7], covariance_types=["VVE"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = selector.fit(X).results_["bic"]
    theirs = -bic[[5, 6], MODELS.index("VVE")]
    assert np.all(ours <= theirs + TOLERANCE), (ours, theirs)


def _mstep_references():
    """mclust's EVE and VVE M-steps on its hc partitions (make_mstep_fixtures.R)."""
    table = np.genfromtxt(
        SELECTION / "mstep_paths.csv", delimiter=",", names=True, dtype=None,
        encoding="utf-8",
    )  # fmt: skip
    cases = {}
    for row in table:
        key = (row["set"].strip('"'), row["model"].strip('"'), int(row["K"]))
        cases.setdefault(key, []).append(row)
    return cases


@pytest.mark.parametrize("model_name", ["EVE", "VVE"])
def test_mclust_paths_first_m_step_is_mclusts(model_name):
    # mclust's first M-step runs its inner iteration from the identity until
    # its objective's relative change is below sqrt(eps); the path's first
    # M-step (its start in the thorough search) does the same. Both stop a
    # slow iteration (up to 300 inner iterations here) by their own reading
    # of the objective, 4e-3 of the largest entry apart at most on these
    # partitions; stopped after 10 iterations it was up to 26 % away.
    from gmm_estimators.covariance import get_covariance_model

    path = get_covariance_model(model_name).mclust_path
    for (name, model, K), rows in _mstep_references().items():
        if model != model_name:
            continue
        X = np.loadtxt(SELECTION / f"data_{name}.csv", delimiter=",", skiprows=1)
        hc = np.loadtxt(SELECTION / f"hc_{name}.csv", delimiter=",", skiprows=1)
        labels = hc[:, K - 1].astype(int) - 1
        d = X.shape[1]
        theirs = np.zeros((K, d, d))
        for row in rows:
            theirs[row["k"] - 1, row["i"] - 1, row["j"] - 1] = row["value"]
        nk = np.bincount(labels, minlength=K).astype(float)
        scatter = np.array(
            [np.cov(X[labels == k].T, bias=True) * nk[k] for k in range(K)]
        )
        ours = path.m_step(nk, scatter, 0.0)
        gap = np.abs(ours - theirs).max() / np.abs(theirs).max()
        assert gap < 1e-2, (name, K, gap)
        if model_name == "EVE":
            # A majorisation of EVE's objective: both reach its minimum.
            ours_value, their_value = (
                _m_step_objective(nk, scatter, c) for c in (ours, theirs)
            )
            excess = ours_value - their_value
            assert excess <= 1e-7 * (abs(their_value) + nk.sum() * d)


def _m_step_objective(nk, scatter, covariances):
    """``sum_k n_k log det S_k + tr(S_k^-1 W_k)``, which an M-step minimises."""
    return sum(
        n * np.linalg.slogdet(c)[1] + np.trace(np.linalg.solve(c, w))
        for n, w, c in zip(nk, scatter, covariances, strict=True)
    )


def test_mclust_path_starts_from_mclusts_own_first_m_step():
    # attenu (R's datasets, 166 x 3), VVE with 5 components: mclust's first
    # M-step runs its inner iteration from the identity. The path started
    # from the package's own first M-step ended 10 BIC units above mclust's
    # cell (1498.94 against 1488.81); from mclust's own first M-step it
    # reaches it (1488.59).
    X = np.loadtxt(EXTRA / "data_attenu.csv", delimiter=",", skiprows=1)
    bic, _ = read_bic_table(EXTRA / "bic_attenu.csv")
    selector = GaussianMixtureIC(
        n_components=[5], covariance_types=["VVE"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        table = selector.fit(X).results_
    assert not (table["degenerate"] | table["spurious"]).any()
    theirs = -bic[4, MODELS.index("VVE")]
    assert table["bic"][0] <= theirs + TOLERANCE, (table["bic"], theirs)


def test_each_structure_tries_every_split_of_its_own_fit():
    # 8,000 seeded rows of 4 clusters in 5-D (the extra benchmark's
    # s_four8k_5d): VVE with 9 components ended 125 BIC units above mclust's
    # cell when its own 8-component fit had only its worst-fitting component
    # split; splitting each in turn, as for the best fit of any structure,
    # reaches mclust's cells.
    X = np.loadtxt(EXTRA / "data_s_four8k_5d.csv", delimiter=",", skiprows=1)
    bic, _ = read_bic_table(EXTRA / "bic_s_four8k_5d.csv")
    selector = GaussianMixtureIC(
        n_components=[7, 8, 9], covariance_types=["VVV", "VVE"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        table = selector.fit(X).results_
    vve = table["covariance_type"] == "VVE"
    assert not (table["degenerate"][vve] | table["spurious"][vve]).any()
    theirs = -bic[[6, 7, 8], MODELS.index("VVE")]
    assert np.all(table["bic"][vve] <= theirs + TOLERANCE), (table["bic"][vve], theirs)


def test_mclust_path_hands_over_to_the_structures_em(monkeypatch):
    # The path runs at most _PATH_MAX_ITER iterations; EM with the
    # structure's own M-step then continues from where it stopped (the
    # hand-over's start is the path's last parameters).
    from gmm_estimators.model_selection import _search

    X = np.loadtxt(EXTRA / "data_usarrests.csv", delimiter=",", skiprows=1)
    monkeypatch.setattr(_search, "_PATH_MAX_ITER", 3)
    runs = []
    run_em = _search.run_em

    def spy(model, data, params, options, **kwargs):
        result = run_em(model, data, params, options, **kwargs)
        runs.append((model, params, options.max_iter, result))
        return result

    monkeypatch.setattr(_search, "run_em", spy)
    selector = GaussianMixtureIC(
        n_components=[6], covariance_types=["VVE"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        selector.fit(X)
    path = [
        i
        for i, run in enumerate(runs)
        if run[0] is _search.get_covariance_model("VVE").mclust_path
    ]
    # Two paths: from the structure's own first M-step with the shared
    # starts, and from mclust's own first M-step after the proposals.
    assert len(path) == 2 and path[-1] == len(runs) - 2
    for index in path:
        model, _, max_iter, result = runs[index]
        assert max_iter == 3 and result.n_iter == 3 and not result.abandoned
        after = runs[index + 1]
        assert after[0].name == "VVE" and after[2] > 3
        assert after[1] is result.params


def test_a_better_spurious_fit_keeps_its_cell_flagged_and_is_not_picked():
    # USArrests, VEV with 8 components: from mclust's partition EM reaches
    # mclust's cell (1739.03), with two components of at most d rows' worth
    # turned to their own orientations (spurious); sound fits of that cell
    # are 10 BIC units poorer. The cell shows the better fit, flagged, as
    # mclust's table does, and the pick passes over it.
    X = np.loadtxt(EXTRA / "data_usarrests.csv", delimiter=",", skiprows=1)
    bic, _ = read_bic_table(EXTRA / "bic_usarrests.csv")
    selector = GaussianMixtureIC(
        n_components=[8], covariance_types=["VEV", "VII"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results = selector.fit(X).results_
    vev = list(results["covariance_type"]).index("VEV")
    assert results["spurious"][vev] and not results["degenerate"][vev]
    assert results["bic"][vev] <= -bic[7, MODELS.index("VEV")] + TOLERANCE
    assert selector.covariance_type_ == "VII"


def _mclust_cells(name):
    """mclust's BIC (the package's sign) of each (K, model) it fitted on ``name``."""
    return {
        (int(row["K"]), row["model"]): -float(row["bic"])
        for row in _read_rows(SELECTION / f"bic_{name}.csv")
        if row["bic"] != "NA"
    }


def _our_cells(results):
    """Our BIC and degenerate flag of each (K, model) of a search's table."""
    return {
        (int(k), str(name)): (bic, degenerate)
        for k, name, bic, degenerate in zip(
            results["n_components"],
            results["covariance_type"],
            results["bic"],
            results["degenerate"],
            strict=True,
        )
    }


def test_one_feature_starts_from_mclusts_quantile_classes():
    # mclust's acidity data (one feature): Mclust() starts every model from
    # qclass(x, K), not from hc. With the hc tree instead, the V cells of 3
    # and 4 components ended 5.9 and 6.5 BIC units below mclust's.
    from gmm_estimators._initialization import initial_responsibilities

    X = np.loadtxt(SELECTION / "data_acidity.csv", delimiter=",", skiprows=1, ndmin=2)
    expected = np.loadtxt(SELECTION / "qclass_acidity.csv", delimiter=",", skiprows=1)
    for k in KS:
        resp = initial_responsibilities("mclust_hc", X, k, None, 0)(slice(None))
        assert _same_partition(np.argmax(resp, axis=1), expected[:, k - 1]), k
    theirs = _mclust_cells("acidity")
    selector = run_search(X)
    for cell, (bic, degenerate) in _our_cells(selector.results_).items():
        if not degenerate and cell in theirs:
            assert bic <= theirs[cell] + TOLERANCE, cell
    results = selector.results_
    assert results["bic"][selector.best_index_] <= min(theirs.values()) + TOLERANCE


def test_tied_axes_of_a_small_start_group_are_tried_both_ways():
    # Frets' heads (boot::frets, 25 rows in 4-D). mclust's tree cut at 4
    # groups has groups of 3 rows, whose scatter leaves EEV's first M-step
    # free to turn the axes within a 2-D null space. The package's own
    # choice climbed to BIC 678.9, mclust's to 653.30, its pick;
    # the default search picked VVV with 2 (655.43) instead.
    X = np.loadtxt(SELECTION / "data_frets.csv", delimiter=",", skiprows=1)
    theirs = _mclust_cells("frets")
    selector = GaussianMixtureIC(
        n_components=[4], covariance_types=["EEV"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        selector.fit(X)
    results = selector.results_
    assert not (results["degenerate"][0] or results["spurious"][0])
    assert results["bic"][0] <= theirs[4, "EEV"] + TOLERANCE
    assert selector.criterion_ <= min(theirs.values()) + TOLERANCE


def test_axes_of_a_start_group_on_one_distinct_row_follow_the_features(
    monkeypatch,
):
    # MASS's biopsy, three integer features (683 rows, many repeated).
    # mclust's tree cut at 9 groups has five groups on one distinct row:
    # their zero scatter leaves EEV's first M-step free to turn every axis,
    # and mclust's SVD leaves the coordinate axes, from which EM climbs to
    # BIC 6980.9; from either order of the package's own choice it ended at
    # 7249.9, 269 units worse. The table shows mclust's fit, flagged
    # spurious as the package's policy judges it (components oriented by
    # one repeated row): EEE is picked. mclust's run climbs slowly (73
    # iterations): it is never abandoned nor cut at the cap of EVE's and
    # VVE's paths, which the package's own EM would then abandon.
    from gmm_estimators.model_selection import _search

    monkeypatch.setattr(_search, "_PATH_MAX_ITER", 5)
    X = np.loadtxt(SELECTION / "data_biopsy3.csv", delimiter=",", skiprows=1)
    theirs = _mclust_cells("biopsy3")
    selector = GaussianMixtureIC(
        n_components=[9], covariance_types=["EEV", "EEE"], random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        selector.fit(X)
    cells = _our_cells(selector.results_)
    bic, degenerate = cells[9, "EEV"]
    assert not degenerate
    assert bic <= theirs[9, "EEV"] + TOLERANCE
    assert selector.covariance_type_ == "EEE"


def test_a_run_that_crawls_to_a_collapse_keeps_its_plateau():
    # Michelson's speeds of light (R's morley$Speed, many ties). From
    # mclust's quantile classes EM with V and 5 components crawls along a
    # plateau (changes of 0.0022 at best, within mclust's bound of 0.0053 but
    # never within the package's stricter 0.00095), then collapses a
    # component onto the 10 rows at 810. mclust stops on the plateau (BIC
    # 1198.17); keeping only the collapsed end left the cell's best sound
    # fit at 1202.75.
    X = np.loadtxt(SELECTION / "data_michelson.csv", delimiter=",", skiprows=1, ndmin=2)
    theirs = _mclust_cells("michelson")
    results = run_search(X).results_
    cells = _our_cells(results)
    bic, degenerate = cells[5, "V"]
    assert not degenerate
    assert bic <= theirs[5, "V"] + TOLERANCE
    # The plateau's changes were within ten times the rule's bound, not
    # within it: the fit kept is not reported converged.
    cells_in_order = zip(
        results["n_components"], results["covariance_type"], strict=True
    )
    assert not results["converged"][list(cells_in_order).index((5, "V"))]
    for cell, (bic, degenerate) in cells.items():
        if not degenerate and cell in theirs:
            assert bic <= theirs[cell] + TOLERANCE, cell


def test_em_goes_on_while_the_gain_still_to_come_grows():
    # The logarithms of Engel's food expenditure data (quantreg, 235 rows).
    # From mclust's start, EM for VEV with 2 components crosses a plateau:
    # its changes shrink ever more slowly (the rate from 0.90 to 0.99, then
    # above 1) and Aitken's estimate of the gain to come grows from 0.050
    # to past 4 before EM speeds up again. The relative rule (in standardised
    # units, where it is 35 times looser than mclust's in the data's) and an
    # estimate below 0.1 stopped it at iteration 66, at BIC 43.20 against
    # mclust's 37.77, which EM reaches by iteration 125.
    X = np.loadtxt(SELECTION / "data_engel_log.csv", delimiter=",", skiprows=1)
    theirs = _mclust_cells("engel_log")
    selector = GaussianMixtureIC(
        n_components=[2], covariance_types=["VEV"], random_state=0
    ).fit(X)
    results = selector.results_
    assert not results["degenerate"][0]
    assert results["bic"][0] <= theirs[2, "VEV"] + TOLERANCE
    assert results["converged"][0]


@cache
def _michelson_plateau_pick():
    """Michelson's speeds, V with 5 components only: the pick and its warnings."""
    X = np.loadtxt(SELECTION / "data_michelson.csv", delimiter=",", skiprows=1, ndmin=2)
    selector = GaussianMixtureIC(
        n_components=[5], covariance_types=["V"], random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        selector.fit(X)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    return selector, messages


def test_a_plateau_pick_is_warned_about_as_a_plateau():
    # Michelson's speeds with V and 5 components only: the pick is the
    # plateau's fit, not converged by the rule, after far fewer iterations
    # than max_iter; the warning says so rather than "increase max_iter".
    selector, messages = _michelson_plateau_pick()
    assert not selector.best_estimator_.converged_
    assert selector.best_estimator_.n_iter_ < 1000
    assert len(messages) == 1
    assert "on a plateau where the stopping rule never held" in messages[0]
    assert "increase max_iter" not in messages[0]


def test_a_plateau_pick_is_not_said_to_be_near_a_maximum():
    # Going on from the plateau collapsed a component: the likelihood rises
    # all the way to the collapsed fit, so no maximum lies ahead for the
    # pick's criterion to be "a little below" (on slid the collapsed fit is
    # 4,783 BIC units higher). The warning says the fit is the plateau's.
    _, messages = _michelson_plateau_pick()
    assert len(messages) == 1
    assert "collapsed a component" in messages[0]
    assert "not a maximum of the likelihood" in messages[0]
    assert "a little below" not in messages[0]


def test_counts_are_not_fitted_by_a_component_per_count():
    # R's discoveries (100 yearly counts, 0 to 12). E with 9 components put
    # six components each on one count, at a shared variance (0.045) under
    # the counts' grid's (1/12): 2 BIC units better than mclust's pick (V
    # with 2), where mclust cannot fit E beyond 7 components. That cell is a
    # spurious fit of the grid, and the pick is mclust's.
    X = np.loadtxt(
        SELECTION / "data_discoveries.csv", delimiter=",", skiprows=1, ndmin=2
    )
    theirs = _mclust_cells("discoveries")
    selector = run_search(X)
    results = selector.results_
    cells = list(zip(results["n_components"], results["covariance_type"], strict=True))
    e9 = cells.index((9, "E"))
    assert results["spurious"][e9]
    best = selector.best_index_
    assert not results["spurious"][best] and not results["degenerate"][best]
    assert (selector.covariance_type_, selector.n_components_) == ("V", 2)
    assert selector.criterion_ <= min(theirs.values()) + TOLERANCE


def test_the_pick_weighs_a_cells_sound_fit_beside_its_spurious_one():
    # MASS's Boston (5 features): EEV with 5 components reaches a sound fit
    # at BIC 7386.2, then a spurious one (one component thin on few rows) of
    # higher likelihood takes the cell, as mclust's table would report it.
    # The pick passed over the cell to EEV with 4 at 7430.5; it now takes
    # the cell's sound fit, whose row replaces the spurious one (rank 1).
    X = np.loadtxt(EXTRA / "data_boston5.csv", delimiter=",", skiprows=1)
    selector = GaussianMixtureIC(n_components=[4, 5], random_state=0).fit(X)
    results, best = selector.results_, selector.best_index_
    assert (selector.covariance_type_, selector.n_components_) == ("EEV", 5)
    assert selector.criterion_ == results["bic"][best] < 7430.5 - 1.0
    assert results["rank"][best] == 1
    assert not (results["spurious"][best] or results["degenerate"][best])
    estimator = selector.best_estimator_
    assert not estimator.spurious_components_.size
    assert not estimator.collapsed_components_.size
    assert_allclose(estimator.bic(X), selector.criterion_, rtol=1e-9)
    assert_array_equal(selector.labels_, estimator.predict(X))
    # No private attribute stays on any fit, nor in the pickle.
    assert "_sound_alternative" not in vars(estimator)
    assert b"_sound_alternative" not in pickle.dumps(selector)
