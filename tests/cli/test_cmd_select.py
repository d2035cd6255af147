"""``gmm-estimators select`` (gmm_estimators/cli/cmd_select.py)."""

import io
import shlex
import sys

import joblib
import numpy as np
import pytest

from gmm_estimators import GaussianMixture
from gmm_estimators.cli import main
from gmm_estimators.datasets import load_old_faithful
from gmm_estimators.model_selection import GaussianMixtureIC


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_select_quiet_all_and_criterion(capsys):
    argv = [
        "select",
        "-K",
        "3",
        "-t",
        "VVV,spherical",
        "--criterion",
        "aic",
        "-q",
        "--all",
    ]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    assert "[GaussianMixtureIC]" not in out and "Data:" not in out
    header, *rest = out.splitlines()
    assert header.split()[:4] == ["rank", "K", "structure", "AIC"]
    table = rest[1:7]
    assert [int(line.split()[0]) for line in table] == [1, 2, 3, 4, 5, 6]
    X = load_old_faithful(return_X_y=True)
    selector = GaussianMixtureIC(
        n_components=3,
        covariance_types=["VVV", "spherical"],
        criterion="aic",
        random_state=0,
    ).fit(X)
    assert (
        f"Selected model: K={selector.n_components_}, "
        f"covariance_type={selector.covariance_type_}"
    ) in out
    assert f"AIC {selector.criterion_:.2f}" in out


def test_select_top_rows(capsys):
    assert main(["select", "-K", "4", "-t", "VVV,EEE,VII", "--top", "3", "-q"]) == 0
    out, _ = capsys.readouterr()
    table = out.split("\n\n")[0].splitlines()
    assert len(table) == 2 + 3


def test_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    pytest.importorskip("tqdm")
    argv = ["select", "-K", "2", "-t", "VVV,VII,EEE"]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(argv) == 0
    # One bar on stderr, which moves as the thorough search goes: 2 numbers
    # of components, 4 split-and-merge steps and the partitions they found
    # shared at each number of components; stdout holds the report.
    shown = terminal.getvalue()
    assert "search" in shown and "0/8" in shown and "2/8" in shown
    assert "6/8" in shown and "8/8" in shown
    assert "search:" not in capsys.readouterr().out
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([*argv, "--search", "grid"]) == 0
    # The grid search counts its 6 candidates.
    assert "candidates" in terminal.getvalue() and "6/6" in terminal.getvalue()
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([*argv, "--quiet"]) == 0
    assert terminal.getvalue() == ""
    monkeypatch.undo()
    assert main(argv) == 0  # captured stderr is not a terminal
    assert capsys.readouterr().err == ""


def test_next_command_reproduces_the_selected_model(tmp_path, capsys):
    saved = tmp_path / "best.joblib"
    argv = ["select", "-K", "3", "-t", "VVV,VVI", "--tol", "1e-4", "--n-init", "2"]
    argv += ["--init", "random_from_data", "--random-state", "3"]
    assert main([*argv, "--save", str(saved)]) == 0
    out, _ = capsys.readouterr()
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("Next: gmm-estimators fit -k ")
    command = shlex.split(last.removeprefix("Next: ").split("  (")[0])
    assert command[-2:] == ["--plot", "fit.png"]
    assert {"--tol", "--n-init", "--init", "--random-state"} <= set(command)
    again = tmp_path / "again.joblib"
    assert main([*command[1:-2], "-q", "--save", str(again)]) == 0
    selected, refitted = joblib.load(saved), joblib.load(again)
    assert refitted.get_params() == selected.get_params()
    # The same mixture: the thorough search may have reached it from another
    # structure's partition, so its components can come in another order.
    order = np.lexsort(selected.means_.T)
    again_order = np.lexsort(refitted.means_.T)
    np.testing.assert_allclose(
        refitted.means_[again_order], selected.means_[order], rtol=1e-5
    )


def test_select_options_reach_the_selector(capsys):
    argv = ["select", "-K", "3", "-t", "VVV,EEE", "--init", "hc", "--n-init", "1"]
    assert main([*argv, "--tol", "1e-5", "--max-iter", "300", "-q"]) == 0
    out, _ = capsys.readouterr()
    X = load_old_faithful(return_X_y=True)
    selector = GaussianMixtureIC(
        n_components=3,
        covariance_types=["VVV", "EEE"],
        init_params="hc",
        tol=1e-5,
        max_iter=300,
        random_state=0,
    ).fit(X)
    assert f"BIC {selector.criterion_:.2f}" in out
    assert main(["select", "-K", "2", "--init", "bogus"]) == 2
    _, err = capsys.readouterr()
    assert "init_params" in err and "bogus" in err and "kmeans" in err


def test_select_save_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model_path = tmp_path / "best.joblib"
    plot_path = tmp_path / "bic.png"
    argv = ["select", "-K", "3", "-t", "VVV,EEE"]
    argv += ["--save", str(model_path), "--plot", str(plot_path)]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    assert f"Saved the selected model to {model_path}" in out
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = joblib.load(model_path)
    assert isinstance(model, GaussianMixture)
    assert f"Selected model: K={model.n_components}," in out
    # The bundled data's names travel with the model.
    np.testing.assert_array_equal(model.feature_names_in_, ["eruptions", "waiting"])


def test_select_with_prior(tmp_path, capsys):
    # With these starts (seed 0, the grid search) diagonal models of 5 and 6
    # components collapse onto tied waiting times; mclust's conjugate prior
    # keeps them sound.
    argv = ["select", "-K", "6", "-t", "diag", "--init-params", "random_from_data"]
    argv += ["--search", "grid"]
    assert main([*argv, "--all"]) == 0
    out, err = capsys.readouterr()
    assert "degenerate candidates" in out
    assert "spurious candidate" not in out  # none in this table
    assert "hint: --prior" in err
    # --quiet: no notes, hints included.
    assert main([*argv, "-q", "--all"]) == 0
    assert "hint" not in capsys.readouterr().err
    path = tmp_path / "best.joblib"
    assert main([*argv, "--prior", "--all", "--save", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "under mclust's default conjugate prior" in out
    assert "degenerate candidate" not in out
    assert "hint" not in err
    assert "--prior --plot fit.png" in out.splitlines()[-1]
    model = joblib.load(path)
    assert model.prior == "default"
    X = load_old_faithful(return_X_y=True)
    selector = GaussianMixtureIC(
        n_components=6,
        covariance_types=["diag"],
        search="grid",
        init_params="random_from_data",
        prior="default",
        random_state=0,
    ).fit(X)
    assert model.n_components == selector.n_components_
    assert f"BIC {selector.criterion_:.2f}" in out
    np.testing.assert_allclose(model.means_, selector.best_estimator_.means_)


def test_the_footnote_counts_the_flagged_rows_of_the_table(write_data, capsys):
    # Rounded rows: the table flags a degenerate and a spurious candidate;
    # the footnote counted the degenerate ones only.
    X = np.round(np.random.RandomState(11).randn(40, 2), 1)
    path = write_data("rounded.csv", ["a", "b"], X, fmt="{:.1f}")
    assert main(["select", str(path), "-K", "3", "--search", "grid", "--all"]) == 0
    out = capsys.readouterr().out
    rows = out.splitlines()
    spurious = sum(line.rstrip().endswith(" spurious") for line in rows)
    degenerate = sum(line.rstrip().endswith(" degenerate") for line in rows)
    assert spurious and degenerate
    note = f"{degenerate} degenerate candidate" + ("s" if degenerate > 1 else "")
    note += ": a component collapsed onto too few distinct points; "
    note += f"{spurious} spurious candidate" + ("s" if spurious > 1 else "")
    assert f"({note}: a component far narrower than another; never selected)" in out


def test_select_with_csv_and_too_many_components(data_csv, capsys, one_line_error):
    assert main(["select", str(data_csv), "-K", "2", "-t", "VVV", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean alpha" in out
    assert main(["select", str(data_csv), "-K", "500", "-t", "VVV"]) == 2
    one_line_error("120 rows", "--max-components 120")
    assert main(["select", "--min-components", "3", "-K", "2"]) == 2
    one_line_error("--min-components (3) is larger than --max-components (2)")


def test_select_too_few_rows_suggests_a_range_that_runs(
    write_data, blobs, capsys, one_line_error
):
    # The remedy printed must run: with --min-components above the number of
    # rows, lowering --max-components alone would fail again.
    path = write_data("few.csv", ["alpha", "beta", "gamma"], blobs[:4])
    assert main(["select", str(path), "-q", "-t", "VVV"]) == 2
    one_line_error("few.csv has 4 rows", "use --max-components 4 or fewer")
    assert main(["select", str(path), "-q", "-t", "VVV", "--min-components", "6"]) == 2
    line = one_line_error("few.csv has 4 rows")
    remedy = line.split("use e.g. ")[1].split()
    assert remedy == ["--min-components", "1", "--max-components", "4"]
    assert main(["select", str(path), "-q", "-t", "VVV", *remedy]) == 0
    assert "Selected model: K=1" in capsys.readouterr().out


def test_select_covariance_types_are_validated_by_the_selector(one_line_error):
    assert main(["select", "-K", "2", "-t", "VVV,bogus"]) == 2
    one_line_error("bogus", "VVV")
    # mclust's one-feature structure on two features: the selector's message.
    assert main(["select", "-K", "2", "-t", "VVV,E"]) == 2
    one_line_error("'E'", "at most 1 feature", "2 features")
    assert main(["select", "-t", ","]) == 2
    one_line_error("--covariance-types is empty")


def test_select_one_feature_uses_mclust_univariate_models(write_data, capsys):
    values = np.r_[np.linspace(0, 1, 10), np.linspace(5, 6, 10)]
    path = write_data("one.csv", ["x"], values[:, None], "{:.3f}")
    assert main(["select", str(path), "-K", "3"]) == 0
    out, _ = capsys.readouterr()
    # The selector chose the structures (covariance_types=None).
    assert "2 covariance structures (E, V)" in out
    assert "Selected model: K=2" in out


def test_next_command_with_default_settings_runs(capsys):
    # The default search starts from mclust's own tree ("mclust_hc"), which
    # the chosen model reports as its init_params: the command must accept it.
    assert main(["select", "-K", "2", "-t", "VVV,EEE"]) == 0
    out, _ = capsys.readouterr()
    command = shlex.split(out.rstrip().splitlines()[-1].removeprefix("Next: "))
    command = command[: command.index("--plot")]
    assert ["--init", "mclust_hc"] == command[command.index("--init") :][:2]
    assert main([*command[1:], "-q"]) == 0


def test_unknown_covariance_type_is_refused_before_the_data_are_read(
    tmp_path, one_line_error
):
    # fit's -t refuses an unknown name at once; select read the whole file,
    # then quoted the selector's Python message (covariance_types=None).
    missing = tmp_path / "not-read-yet.csv"
    assert main(["select", str(missing), "-t", "VVV,vvv,Full"]) == 2
    line = one_line_error("--covariance-types", "'vvv', 'Full'", "VVV, full")
    assert "not-read-yet" not in line and "covariance_types" not in line


@pytest.mark.parametrize("seed", [20, 1])
def test_next_line_says_the_bic_its_command_reaches(tmp_path, capsys, seed):
    # Random blobs (seed 20: the thorough search's pick, reached by a split or
    # merge, is not what `fit` reaches from its own start).
    rng = np.random.default_rng(seed)
    d, k, n = rng.integers(1, 4), rng.integers(1, 4), rng.integers(30, 200)
    X = np.vstack(
        [rng.normal(rng.normal(0, 4, d), rng.uniform(0.3, 2), (n, d)) for _ in range(k)]
    )
    path = tmp_path / "blobs.csv"
    np.savetxt(path, X, delimiter=",")
    assert main(["select", str(path), "-K", "4"]) == 0
    out = capsys.readouterr().out
    selected = out.split("Selected model: ")[1].splitlines()[0].split("BIC ")[-1]
    line = out.rstrip().splitlines()[-1]
    command, note = line.removeprefix("Next: ").split("  (", 1)
    command = shlex.split(command)[1:]
    assert main([*command[:-2], "-q"]) == 0
    refitted = capsys.readouterr().out.split("BIC ")[1].split(",")[0]
    if refitted == selected:
        assert note.startswith("refits the chosen settings: its covariances")
    else:
        assert f"reaches BIC {refitted}, not the searched model's {selected}" in note


def test_next_line_from_standard_input_asks_for_the_data_again(monkeypatch, capsys):
    # Standard input is spent by select: the fit command it suggests reads
    # it again, so the line says to pipe the same data into it.
    rows = np.random.default_rng(0).normal(size=(40, 2))
    text = "u,v\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main(["select", "-", "-K", "2", "-t", "VVV"]) == 0
    line = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert line.startswith("Next: gmm-estimators fit - -k ")
    assert "pipe the same data into it" in line
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    command = shlex.split(line.removeprefix("Next: ").split("  (")[0])
    assert main([*command[1:-2], "-q"]) == 0


def test_no_sound_candidate_shows_the_table_and_advises_in_options(write_data, capsys):
    # Every candidate degenerate: the error quoted the selector's advice in
    # Python terms (n_components, prior='default', results_), and the
    # candidates were not shown.
    flags = np.random.default_rng(0).integers(0, 2, size=(50, 1))
    data = write_data("binary.csv", ["flag"], flags, "{:.0f}")
    argv = ["select", str(data), "-K", "3", "--min-components", "3"]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    table = [line for line in out.splitlines() if line.lstrip()[:1].isdigit()]
    assert len(table) == 2 and all(line.endswith("degenerate") for line in table)
    assert "Selected model" not in out
    (line,) = err.splitlines()
    assert line.startswith("gmm-estimators: error: no sound candidate among the 2")
    for option in ("--min-components 1", "--prior", "--reg-covar"):
        assert option in line
    for python in ("n_components", "prior='default'", "results_"):
        assert python not in line


def test_a_one_feature_structure_is_refused_in_the_options_terms(one_line_error):
    # The selector's remedy, "use covariance_types=None", is Python's.
    assert main(["select", "-K", "2", "-t", "VVV,E"]) == 2
    line = one_line_error(
        "--covariance-types includes 'E'",
        "at most 1 feature",
        "remove it or leave out --covariance-types",
    )
    assert "covariance_types" not in line and "=None" not in line
    assert main(["select", "-K", "2", "-t", "E,V", "--columns", "waiting", "-q"]) == 0


def test_next_command_leaves_plot_out_without_matplotlib(monkeypatch, capsys):
    # After the README's core install (no matplotlib) the quick start's
    # Next: line offered --plot fit.png, which exits with status 2.
    from gmm_estimators.cli import cmd_select

    monkeypatch.setattr(cmd_select, "_has_matplotlib", lambda: False)
    argv = ["select", "-K", "2", "-t", "EEE", "--search", "grid", "--all"]
    assert main(argv) == 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    assert last.startswith("Next: gmm-estimators fit -k 2 -t EEE")
    assert "--plot" not in last.split("  (")[0]
    assert "pip install matplotlib for --plot" in last
    assert "a plot of the components" not in last


def test_reg_covar_advice_is_in_the_options_terms(capsys):
    # The warnings named reg_covar=... as Python does, beside a help text
    # where --reg-covar of select is relative to the data's thinnest spread.
    from gmm_estimators.cli import main

    assert main(["select", "-K", "2", "-q", "-t", "VVV", "--reg-covar", "10"]) == 0
    err = capsys.readouterr().err
    assert "--reg-covar 10 (relative to the data's thinnest spread" in err
    assert "reg_covar=" not in err.replace("--reg-covar", "")
