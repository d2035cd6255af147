"""``gmm-estimators fit`` (gmm_estimators/cli/cmd_fit.py)."""

import io
import math
import re
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from gmm_estimators import GaussianMixture
from gmm_estimators.cli import main
from gmm_estimators.datasets import load_old_faithful


def test_fit_prints_components(data_csv, blobs, capsys, tmp_path):
    path = tmp_path / "m.joblib"
    argv = ["fit", str(data_csv), "-k", "2", "--covariance-type", "diag"]
    assert main([*argv, "--save", str(path)]) == 0
    out, _ = capsys.readouterr()
    model = joblib.load(path)
    assert model.covariance_type == "diag" and model.n_components == 2
    assert "120 rows x 3 features (alpha, beta, gamma)" in out
    assert "mean alpha" in out and "Covariance of component 1:" in out
    frame = pd.DataFrame(blobs, columns=["alpha", "beta", "gamma"])
    assert f"BIC {model.bic(frame):.2f}" in out
    for weight in model.weights_:
        assert f"{weight:.4f}" in out


def test_fit_prints_the_models_parameter_count(tmp_path, capsys):
    # With equal proportions K=3 full on 2 features has 15 free parameters,
    # not 17: the count printed is the model's own, the one BIC uses.
    path = tmp_path / "m.joblib"
    argv = ["fit", "-k", "3", "-t", "VVV", "--equal-proportions", "--save", str(path)]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    model = joblib.load(path)
    assert model.equal_proportions and model.n_parameters_ == 15
    printed = int(re.search(r"(\d+) free parameters", out).group(1))
    assert printed == model.n_parameters_
    X = load_old_faithful(as_frame=True, return_X_y=True)
    log_likelihood = model.score(X) * len(X)
    bic = -2 * log_likelihood + printed * math.log(len(X))
    assert f"BIC {bic:.2f}" in out
    assert "equal_proportions=True" in out
    assert main(["score", "-m", str(path), "-q"]) == 0
    out, _ = capsys.readouterr()
    assert re.search(r"free parameters\s+15\n", out)


def test_fit_with_prior(tmp_path):
    path = tmp_path / "m.joblib"
    assert main(["fit", "-k", "2", "--prior", "-q", "--save", str(path)]) == 0
    assert joblib.load(path).prior == "default"


def test_fit_tied_prints_one_shared_covariance(capsys):
    assert main(["fit", "-k", "2", "-t", "tied", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert out.count("Covariance shared by all components:") == 1


def test_fit_plot(tmp_path, capsys, one_line_error):
    pytest.importorskip("matplotlib")
    plot_path = tmp_path / "fit.svg"
    assert main(["fit", "-k", "2", "--plot", str(plot_path), "-q"]) == 0
    assert plot_path.read_text().lstrip().startswith("<?xml")
    assert capsys.readouterr().err == ""  # no feature-name warning
    assert main(["fit", "-k", "2", "--plot", str(tmp_path / "fit.nope")]) == 2
    one_line_error("unknown image format")


def test_fit_plot_without_pandas(tmp_path, without_pandas):
    # No extra installs pandas: the plot of the named bundled data raised
    # ModuleNotFoundError.
    pytest.importorskip("matplotlib")
    plot_path = tmp_path / "fit.svg"
    assert main(["fit", "-k", "2", "--plot", str(plot_path), "-q"]) == 0
    assert plot_path.read_text().lstrip().startswith("<?xml")
    with pytest.raises(ModuleNotFoundError):
        import pandas  # noqa: F401


def test_plot_format_needing_a_missing_program_is_refused_before_fitting(
    tmp_path, monkeypatch, one_line_error
):
    # pgf was accepted, and failed after the fit had been printed and the
    # model saved ('xelatex' not found); without its LaTeX program it is
    # neither accepted nor offered.
    pytest.importorskip("matplotlib")
    from matplotlib import rcParams

    import gmm_estimators.cli.plots as cli_plots

    program = rcParams["pgf.texsystem"]
    real_which = cli_plots.shutil.which
    monkeypatch.setattr(
        cli_plots.shutil,
        "which",
        lambda name, *a, **k: None if name == program else real_which(name, *a, **k),
    )
    model = tmp_path / "m.joblib"
    argv = ["fit", "-k", "2", "--save", str(model), "--plot", str(tmp_path / "p.pgf")]
    assert main(argv) == 2
    one_line_error("--plot", "p.pgf", program, "not on PATH", ".png")
    assert not model.exists()
    assert main(["fit", "-k", "2", "--plot", str(tmp_path / "p.nope")]) == 2
    line = one_line_error("unknown image format")
    assert ".png" in line and ".pgf" not in line


@pytest.mark.parametrize("command", [["fit", "-k", "2"], ["select", "-K", "2"]])
def test_save_and_plot_to_the_same_file_is_refused_before_fitting(
    command, tmp_path, monkeypatch, one_line_error
):
    # The plot, written last, replaced the model, and both were reported saved.
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    argv = [*command, "--save", "same.png", "--plot", "./same.png"]
    assert main(argv) == 2
    one_line_error("--save same.png and --plot ./same.png", "the same file")
    assert not (tmp_path / "same.png").exists()


def test_save_to_standard_output_is_refused(tmp_path, monkeypatch, one_line_error):
    # '-' wrote a pickle to a file named '-'.
    monkeypatch.chdir(tmp_path)
    assert main(["fit", "-k", "1", "--save", "-"]) == 2
    one_line_error("--save -", "binary", "give a file name")
    assert list(tmp_path.iterdir()) == []


def test_spurious_components_are_marked_with_a_hint_in_options(
    spurious_csv, tmp_path, capsys
):
    # Spurious components were named only by the library's warning, in its
    # parameters (prior='default'); the table did not mark them.
    data, options = spurious_csv
    model = tmp_path / "m.joblib"
    assert main(["fit", str(data), *options, "--save", str(model)]) == 0
    out, err = capsys.readouterr()
    spurious = joblib.load(model).spurious_components_
    assert len(spurious) and not len(joblib.load(model).collapsed_components_)
    marked = re.findall(r"^(\d+) \(spurious\)", out, flags=re.M)
    assert [int(k) for k in marked] == list(spurious)
    hints = [line for line in err.splitlines() if "hint:" in line]
    assert len(hints) == 1
    assert "--prior" in hints[0] and "avoid spurious components" in hints[0]
    assert "prior='default'" not in hints[0]
    assert "--reg-covar" not in hints[0]  # it does not avoid a local maximum
    # --quiet keeps the library's warning, and so the hint in options.
    assert main(["fit", str(data), *options, "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "spurious" in err
    assert len([line for line in err.splitlines() if "hint: --prior" in line]) == 1


def test_fit_reports_the_estimators_errors(one_line_error):
    # A structure defined for one feature only: the remedy was in Python's
    # terms ("Use covariance_type='EII'"), it is in the options'.
    assert main(["fit", "-k", "2", "-t", "E"]) == 2
    line = one_line_error("-t E is mclust's one-feature model", "Use -t EII")
    assert "covariance_type" not in line and "n_features" not in line
    assert main(["fit", "-k", "500"]) == 2
    one_line_error("272 rows", "-k 272")


def test_fit_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("u,v\n0,1\n1,0\n2,2\n5,5\n"))
    assert main(["fit", "-", "-k", "1", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean u" in out


def test_fit_chosen_columns(tmp_path, blobs, capsys):
    # An identifier and a text column are left out; the rest by index.
    path = tmp_path / "d.csv"
    lines = ["id,species,alpha,beta,gamma"] + [
        f"{i},s{i % 2}," + ",".join(f"{v:.6f}" for v in row)
        for i, row in enumerate(blobs)
    ]
    path.write_text("\n".join(lines) + "\n")
    saved = tmp_path / "m.joblib"
    argv = ["fit", str(path), "-k", "2", "--drop", "id,1", "--save", str(saved)]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    assert "120 rows x 3 features (alpha, beta, gamma)" in out
    model = joblib.load(saved)
    np.testing.assert_array_equal(model.feature_names_in_, ["alpha", "beta", "gamma"])
    assert model.feature_names_in_.dtype == object
    argv = ["fit", str(path), "-k", "2", "--columns", "gamma,2", "--save", str(saved)]
    assert main(argv) == 0
    model = joblib.load(saved)
    np.testing.assert_array_equal(model.feature_names_in_, ["gamma", "alpha"])
    direct = GaussianMixture(2, random_state=0).fit(np.round(blobs[:, [2, 0]], 6))
    np.testing.assert_allclose(model.means_, direct.means_)


def test_plot_of_data_with_missing_values_draws_the_complete_rows(tmp_path, capsys):
    # fit reads rows with missing values; the plot refused them after the fit
    # had been printed (and select suggested exactly that command).
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 6]
    X[::10, 0] = np.nan
    data = tmp_path / "holes.csv"
    pd.DataFrame(X, columns=["a", "b"]).to_csv(data, index=False)
    plot = tmp_path / "fit.png"
    assert main(["fit", str(data), "-k", "2", "--plot", str(plot)]) == 0
    assert plot.exists()
    assert "its 72 complete rows" in capsys.readouterr().out
    X[:, 1] = np.nan
    X[::10, 1] = 1.0  # every row now misses a value
    pd.DataFrame(X, columns=["a", "b"]).to_csv(data, index=False)
    assert main(["fit", str(data), "-k", "1", "--plot", str(plot)]) == 2
    assert "every row has one" in capsys.readouterr().err


def test_a_format_note_of_matplotlib_is_a_program_warning(tmp_path, capsys):
    # PostScript drops transparency: matplotlib logged it on a bare line,
    # even with --quiet.
    plot = tmp_path / "fit.eps"
    assert main(["fit", "-k", "2", "--plot", str(plot)]) == 0
    err = capsys.readouterr().err
    assert "gmm-estimators: warning: The PostScript backend" in err
    assert main(["fit", "-k", "2", "-q", "--plot", str(plot)]) == 0
    assert capsys.readouterr().err == ""


def test_piped_data_without_dash_get_a_note(tmp_path, monkeypatch, capsys):
    # `cat data.csv | gmm-estimators fit -k 2 -q` fitted the bundled data in
    # silence; a pipe or a file on standard input now gets a note, a terminal
    # or /dev/null none, and '-' reads the pipe.
    import os

    class Stdin:
        def __init__(self, fd):
            self._fd = fd

        def fileno(self):
            return self._fd

    read, write = os.pipe()
    os.close(write)
    master, terminal = os.openpty()
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd, noted in ((read, True), (terminal, False), (devnull, False)):
            monkeypatch.setattr(sys, "stdin", Stdin(fd))
            assert main(["fit", "-k", "1", "-q"]) == 0
            out, err = capsys.readouterr()
            assert "mean eruptions" in out
            note = "note: no data file given, so the bundled Old Faithful data are"
            assert (note in err) is noted, err
            if noted:
                assert "give - as the data file" in err and len(err.splitlines()) == 1
    finally:
        for fd in (read, master, terminal, devnull):
            os.close(fd)
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n3,4\n2,2\n")
    with path.open() as file:
        monkeypatch.setattr(sys, "stdin", file)
        assert main(["fit", "-k", "1", "-q", "--columns", "x"]) == 2
        err = capsys.readouterr().err.splitlines()
        assert "note: no data file given" in err[0] and "no column 'x'" in err[1]
        assert main(["fit", "-k", "1", "-q", str(path)]) == 0
        assert "note" not in capsys.readouterr().err


@pytest.mark.parametrize("command", [["fit", "-k", "1"], ["select", "-K", "1"]])
def test_warnings_name_the_files_columns_and_drop(command, tmp_path, capsys):
    # The library's warning said "feature(s) 1, 3 of X ... (e.g.
    # sklearn.feature_selection.VarianceThreshold)": Python terms for a
    # command-line user.
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=40), np.full(40, 5.0)] * 2)
    path = tmp_path / "c.csv"
    pd.DataFrame(X, columns=["a", "b", "c", "d"]).to_csv(path, index=False)
    assert main([command[0], str(path), *command[1:]]) == 0
    _, err = capsys.readouterr()
    (line,) = [line for line in err.splitlines() if "constant" in line]
    assert "column(s) 2 ('b'), 4 ('d') are constant" in line
    assert "(--drop b,d)." in line
    # Columns a and c are the same: the rows span one of their two
    # dimensions, said after the constant columns (which hid it) and with
    # the command's remedy, not scikit-learn's PCA.
    assert "the rows of the data span 1 of the 2 dimensions" in line
    assert line.endswith(
        "Leave the dependent columns out (--drop), or model the data's first "
        "1 principal component(s) instead."
    )
    assert "of X" not in line and "sklearn" not in line


def test_a_header_that_reads_as_a_feature_is_named_once(tmp_path, capsys):
    # The name put in for "feature(s) 1 of X" was read again as a mention:
    # a header "feature 1" became "column 2 ('feature 1')" inside the quote,
    # and "feature 9" an IndexError.
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=40), np.full(40, 5.0), rng.normal(size=40)])
    for names in (["feature 0", "feature 1", "feature 2"], ["a", "feature 9", "c"]):
        path = tmp_path / "f.csv"
        pd.DataFrame(X, columns=names).to_csv(path, index=False)
        assert main(["fit", str(path), "-k", "1", "-t", "diag", "-q"]) == 0
        _, err = capsys.readouterr()
        (line,) = [line for line in err.splitlines() if "constant" in line]
        assert f"column(s) 2 ('{names[1]}') are constant" in line
        assert line.endswith(f"(--drop '{names[1]}').")


@pytest.mark.parametrize("command", ["fit", "select"])
def test_wide_data_show_the_first_and_last_features(tmp_path, capsys, command):
    # 60 features: every mean and covariance was printed (6.7 MB for 500
    # features, which no terminal shows); as numpy and pandas summarise,
    # the first six and last three are shown, and the note says so.
    rng = np.random.default_rng(0)
    path = tmp_path / "wide.csv"
    frame = pd.DataFrame(
        rng.normal(size=(200, 60)), columns=[f"x{j}" for j in range(60)]
    )
    frame.to_csv(path, index=False)
    model_path = tmp_path / "m.joblib"
    argv = [command, str(path), "--save", str(model_path)]
    argv += ["-k", "2"] if command == "fit" else ["--max-components", "2", "-t", "VVI"]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    shown = ["x0", "x1", "x2", "x3", "x4", "x5", "...", "x57", "x58", "x59"]
    assert f"({', '.join(shown)})" in out
    header = next(line for line in out.splitlines() if line.startswith("component"))
    means = [f"mean {name}" if name != "..." else name for name in shown]
    assert [cell.strip() for cell in header.split("  ") if cell.strip()][2:] == means
    assert (
        "(showing 9 of 60 features; --save MODEL.joblib keeps every parameter)" in out
    )
    assert len(out) < 10_000
    # The saved model keeps every feature.
    assert joblib.load(model_path).means_.shape[1] == 60
    if command == "fit":
        # Each covariance: rows and columns x0..x5, ..., x57..x59.
        rows = [line.split()[0] for line in out.splitlines() if re.match(r"  \S", line)]
        assert rows == shown * 2


def test_narrow_data_show_every_feature(capsys):
    assert main(["fit", "-k", "2"]) == 0
    out, _ = capsys.readouterr()
    assert "showing" not in out and "..." not in out


def test_a_collapsed_fit_is_told_in_the_commands_terms_once(tmp_path, capsys):
    # The library's warning ended in Python's remedies (prior='default',
    # reg_covar, "stored in collapsed_components_"), and the hint below it
    # said the same in options; with -k 1 the hint advised fewer components.
    rng = np.random.default_rng(1)
    path = tmp_path / "ints.csv"
    pd.DataFrame(rng.integers(1, 4, size=(40, 2)), columns=["a", "b"]).to_csv(
        path, index=False
    )
    assert main(["fit", str(path), "-k", "3"]) == 0
    err = capsys.readouterr().err
    assert "collapsed" in err
    for python in ("prior=", "reg_covar,", "collapsed_components_", "Remedies"):
        assert python not in err
    (hint,) = [line for line in err.splitlines() if "hint:" in line]
    assert "--prior" in hint and "fewer components (-k)" in hint
    rows = tmp_path / "na.csv"
    rows.write_text("a,b\n1,2\n2,\n3,\n4,\n5,6\n")
    assert main(["fit", str(rows), "-k", "1"]) == 0
    hints = [line for line in capsys.readouterr().err.splitlines() if "hint:" in line]
    assert hints and all("fewer components" not in line for line in hints)


def test_convergence_warnings_name_the_options(capsys):
    assert main(["fit", "-k", "3", "--max-iter", "1", "-q"]) == 0
    err = capsys.readouterr().err
    assert "--max-iter" in err and "--n-init" in err and "max_iter" not in err
    assert main(["select", "-K", "3", "-t", "VVV", "--max-iter", "1", "-q"]) == 0
    err = capsys.readouterr().err
    assert "(K=2, VVV) did not converge in 1 iteration(s); increase --max-iter" in err
    assert "n_components=" not in err and "max_iter" not in err


def test_a_remedy_the_command_gives_works_as_given(tmp_path, capsys):
    # "gunzip -k data.csv" refuses a name without .gz; "--drop -b" reads -b
    # as an option.
    import gzip

    packed = tmp_path / "data.csv"
    packed.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n5,7\n"))
    assert main(["fit", str(packed), "-k", "1"]) == 2
    assert f"gunzip -c {packed} > plain.csv" in capsys.readouterr().err
    named = tmp_path / "neg.csv"
    named.write_text("a,-b,c\n1,x,2\n2,y,3\n3,z,5\n4,w,4\n")
    assert main(["fit", str(named), "-k", "1"]) == 2
    err = capsys.readouterr().err
    assert err.rstrip().endswith("--drop=-b")
    assert main(["fit", str(named), "-k", "1", "--drop=-b", "-q"]) == 0


def test_contradictory_flags_are_refused(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n3,4\n5,7\n")
    assert main(["fit", str(path), "-k", "1", "--header", "--no-header"]) == 2
    assert "--header and --no-header contradict" in capsys.readouterr().err
    for top in ("1", "10"):  # 10, the default, passed argparse's group
        assert main(["select", str(path), "-K", "1", "--top", top, "--all"]) == 2
        assert "not allowed with argument --top" in capsys.readouterr().err
    assert main(["select", str(path), "-K", "1", "--all", "--top", "10"]) == 2
    assert "not allowed with argument --all" in capsys.readouterr().err
    # The same flag twice is no contradiction.
    assert main(["fit", str(path), "-k", "1", "--header", "--header", "-q"]) == 0


def test_the_hint_names_what_is_left_to_try():
    from gmm_estimators.cli.models import refit_hint

    # Under --prior a spurious fit's warning has no remedy of its own left
    # (the command drops the library's): the hint must give one.
    assert refit_hint([], [1], prior=True) == "fewer components (-k)"
    assert refit_hint([0], [], prior=True, fewer=False) == "a larger --reg-covar"
    assert refit_hint([0], [], fewer=False) == (
        "--prior (mclust's conjugate prior) or a larger --reg-covar"
    )
