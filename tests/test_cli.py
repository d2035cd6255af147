"""Tests of the command line (gmm_estimators/__main__.py), run in-process."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

import gmm_estimators
from gmm_estimators import GaussianMixture
from gmm_estimators.__main__ import main, read_csv
from gmm_estimators.datasets import load_old_faithful, make_gaussian_mixture

COMMANDS = ("select", "fit", "predict", "sample", "score")


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_gaussian_mixture(120, n_components=2, n_features=3, random_state=0)
    return X


@pytest.fixture
def data_csv(tmp_path, blobs):
    path = tmp_path / "data.csv"
    lines = ["alpha,beta,gamma"] + [",".join(f"{v:.6f}" for v in row) for row in blobs]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def model_file(tmp_path, data_csv, capsys):
    path = tmp_path / "model.joblib"
    assert main(["fit", str(data_csv), "-k", "2", "--save", str(path), "-q"]) == 0
    capsys.readouterr()
    return path


def _read_output_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array(rows[1:], dtype=float)


def _assert_one_line_error(capsys, *fragments):
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gmm-estimators: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# ----------------------------------------------------------------------------
# help


def test_module_help_in_subprocess():
    root = Path(gmm_estimators.__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "gmm_estimators", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: gmm-estimators")
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(f"usage: gmm-estimators {command}")


# ----------------------------------------------------------------------------
# select


def test_no_arguments_selects_on_old_faithful(capsys):
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert "Old Faithful" in out
    assert "272 rows x 2 features (eruptions, waiting)" in out
    # A progress line per candidate.
    assert out.count("[GaussianMixtureIC]") >= 9
    assert "rank  K  structure" in out
    assert "Selected model: K=" in out
    assert "mean eruptions" in out


def test_options_without_command_run_select(capsys):
    assert main(["-q", "-K", "2", "-t", "VVV"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("rank  K  structure")
    assert "Selected model: K=" in out


def test_select_quiet_all_and_criterion(capsys):
    from gmm_estimators.model_selection import GaussianMixtureIC

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


def test_select_save_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model_path = tmp_path / "best.joblib"
    plot_path = tmp_path / "bic.png"
    argv = [
        "select",
        "-K",
        "3",
        "-t",
        "VVV,EEE",
        "--save",
        str(model_path),
        "--plot",
        str(plot_path),
    ]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    assert f"Saved the selected model to {model_path}" in out
    assert plot_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = joblib.load(model_path)
    assert isinstance(model, GaussianMixture)
    assert f"Selected model: K={model.n_components}," in out


def test_select_with_prior(tmp_path, capsys):
    from gmm_estimators.model_selection import GaussianMixtureIC

    # With these starts (seed 0) diagonal models of 5 and 6 components collapse
    # onto tied waiting times; mclust's conjugate prior keeps them sound.
    argv = ["select", "-K", "6", "-t", "diag", "--init-params", "random_from_data"]
    assert main([*argv, "-q", "--all"]) == 0
    out, err = capsys.readouterr()
    assert "degenerate candidates" in out
    assert "hint: --prior" in err
    path = tmp_path / "best.joblib"
    assert main([*argv, "--prior", "--all", "--save", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "under mclust's default conjugate prior" in out
    assert "degenerate=True" not in out and "degenerate candidate" not in out
    assert "hint" not in err
    model = joblib.load(path)
    assert model.prior == "default"
    X = load_old_faithful(return_X_y=True)
    selector = GaussianMixtureIC(
        n_components=6,
        covariance_types=["diag"],
        init_params="random_from_data",
        prior="default",
        random_state=0,
    ).fit(X)
    assert model.n_components == selector.n_components_
    assert f"BIC {selector.criterion_:.2f}" in out
    np.testing.assert_allclose(model.means_, selector.best_estimator_.means_)


def test_select_with_csv_and_too_many_components(data_csv, capsys):
    assert main(["select", str(data_csv), "-K", "2", "-t", "VVV", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean alpha" in out
    assert main(["select", str(data_csv), "-K", "500", "-t", "VVV"]) == 2
    _assert_one_line_error(capsys, "120 rows", "--max-components 120")


def test_select_unknown_covariance_type(capsys):
    assert main(["select", "-t", "VVV,bogus"]) == 2
    _assert_one_line_error(capsys, "bogus", "VVV")
    # mclust's one-feature structure on two features.
    assert main(["select", "-t", "VVV,E"]) == 2
    _assert_one_line_error(capsys, "covariance type E", "at most 1 feature")


def test_select_one_feature_uses_mclust_univariate_models(tmp_path, capsys):
    path = tmp_path / "one.csv"
    values = np.r_[np.linspace(0, 1, 10), np.linspace(5, 6, 10)]
    path.write_text("x\n" + "\n".join(f"{v:.3f}" for v in values) + "\n")
    assert main(["select", str(path), "-K", "3"]) == 0
    out, _ = capsys.readouterr()
    assert "2 covariance structures (E, V)" in out
    assert "Selected model: K=2" in out


# ----------------------------------------------------------------------------
# fit, predict, sample, score


def test_fit_prints_components(data_csv, blobs, capsys, tmp_path):
    path = tmp_path / "m.joblib"
    argv = [
        "fit",
        str(data_csv),
        "-k",
        "2",
        "--covariance-type",
        "diag",
        "--save",
        str(path),
    ]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    model = joblib.load(path)
    assert model.covariance_type == "diag" and model.n_components == 2
    assert "120 rows x 3 features (alpha, beta, gamma)" in out
    assert "mean alpha" in out and "Covariance of component 1:" in out
    assert f"BIC {model.bic(blobs):.2f}" in out
    for weight in model.weights_:
        assert f"{weight:.4f}" in out


def test_fit_with_prior(tmp_path, capsys):
    path = tmp_path / "m.joblib"
    assert main(["fit", "-k", "2", "--prior", "-q", "--save", str(path)]) == 0
    assert joblib.load(path).prior == "default"


def test_fit_tied_prints_one_shared_covariance(capsys):
    assert main(["fit", "-k", "2", "-t", "tied", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert out.count("Covariance shared by all components:") == 1


def test_fit_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    plot_path = tmp_path / "fit.svg"
    assert main(["fit", "-k", "2", "--plot", str(plot_path), "-q"]) == 0
    assert plot_path.read_text().lstrip().startswith("<?xml")
    assert main(["fit", "-k", "2", "--plot", str(tmp_path / "fit.nope")]) == 2
    _assert_one_line_error(capsys, "unknown image format")


def test_predict_round_trip(model_file, data_csv, blobs, capsys, tmp_path):
    assert main(["predict", "--model", str(model_file), str(data_csv)]) == 0
    out, _ = capsys.readouterr()
    header, values = _read_output_csv(out)
    assert header == ["label", "proba_0", "proba_1"]
    model = joblib.load(model_file)
    np.testing.assert_array_equal(values[:, 0], model.predict(blobs))
    np.testing.assert_allclose(values[:, 1:], model.predict_proba(blobs), atol=1e-5)
    # --output writes the same to a file.
    output = tmp_path / "labels.csv"
    argv = ["predict", "-m", str(model_file), str(data_csv), "-o", str(output)]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    assert output.read_text() == out


def test_sample(model_file, capsys):
    assert main(["sample", "--model", str(model_file), "-n", "7"]) == 0
    out, _ = capsys.readouterr()
    header, values = _read_output_csv(out)
    assert header == ["alpha", "beta", "gamma", "component"]
    assert values.shape == (7, 4)
    assert set(values[:, 3]) <= {0.0, 1.0}
    # Same seed, same rows; another seed, other rows.
    assert main(["sample", "-m", str(model_file), "-n", "7"]) == 0
    assert capsys.readouterr().out == out
    argv = ["sample", "-m", str(model_file), "-n", "7", "--random-state", "1"]
    assert main(argv) == 0
    assert capsys.readouterr().out != out


def test_score(model_file, data_csv, blobs, capsys):
    assert main(["score", "--model", str(model_file), str(data_csv)]) == 0
    out, _ = capsys.readouterr()
    model = joblib.load(model_file)
    assert f"{model.score(blobs):.4f}" in out
    assert f"{model.bic(blobs):.2f}" in out
    assert f"{model.aic(blobs):.2f}" in out


def test_model_from_select_is_usable(tmp_path, capsys):
    path = tmp_path / "m.joblib"
    assert main(["select", "-K", "2", "-t", "VVV", "-q", "--save", str(path)]) == 0
    assert main(["score", "-m", str(path), "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean log-likelihood" in out


def test_predict_wrong_number_of_columns(model_file, capsys):
    # The model has 3 features; the bundled data have 2.
    assert main(["predict", "-m", str(model_file)]) == 2
    _assert_one_line_error(capsys, "2 columns", "3 features")


def test_bad_model_file(tmp_path, data_csv, capsys):
    assert main(["score", "-m", str(data_csv)]) == 2
    _assert_one_line_error(capsys, "not a model file")
    assert main(["sample", "-m", str(tmp_path / "missing.joblib")]) == 2
    _assert_one_line_error(capsys, "no such file")
    not_a_mixture = tmp_path / "list.joblib"
    joblib.dump([1, 2, 3], not_a_mixture)
    assert main(["sample", "-m", str(not_a_mixture)]) == 2
    _assert_one_line_error(capsys, "not a fitted Gaussian mixture")


# ----------------------------------------------------------------------------
# reading CSV


def test_csv_without_header_and_other_delimiters(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1.5;2\n3;4e1\n\n5;-6\n")
    data = read_csv(str(path))
    assert data.feature_names == ["x0", "x1"]
    np.testing.assert_array_equal(data.X, [[1.5, 2], [3, 40], [5, -6]])
    path.write_text("a\tb\n1\t2\n3\t4\n")
    data = read_csv(str(path))
    assert data.feature_names == ["a", "b"]
    path.write_text("a b\n1 2\n3 4\n")
    assert read_csv(str(path), delimiter=" ").X.shape == (2, 2)


def test_csv_from_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("u,v\n0,1\n1,0\n2,2\n5,5\n"))
    assert main(["fit", "-", "-k", "1", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean u" in out


@pytest.mark.parametrize(
    "content, fragments",
    [
        ("a,b,c\n1,2,x\n3,4,5\n", ["column 3 ('c') is not numeric", "'x'"]),
        ("a,b\n1,2\n3,\n4,5\n", ["line 3", "column 2 ('b')", "missing value"]),
        ("a,b\n1,NaN\n3,4\n4,5\n", ["line 2", "column 2 ('b')", "missing value"]),
        ("a,b\n1,NA\n3,4\n4,5\n", ["line 2", "missing value"]),
        ("1,2\n3,inf\n", ["line 2", "infinite"]),
        ("a,b\n1,2\n", ["1 data row", "at least 2"]),
        ("a,b\n", ["0 data rows"]),
        ("", ["contains no data"]),
        ("a,b\n1,2\n3,4,5\n", ["line 3", "expected 2 fields", "found 3"]),
    ],
    ids=[
        "non-numeric",
        "empty-cell",
        "nan",
        "NA",
        "inf",
        "one-row",
        "header-only",
        "empty-file",
        "ragged",
    ],
)
@pytest.mark.parametrize("command", ["select", "fit", "score"])
def test_bad_csv(command, content, fragments, tmp_path, capsys, model_file):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    extra = {"select": [], "fit": ["-k", "1"], "score": ["-m", str(model_file)]}
    assert main([command, str(path), *extra[command]]) == 2
    _assert_one_line_error(capsys, "bad.csv", *fragments)


def test_missing_data_file(capsys, tmp_path):
    missing = tmp_path / "nope.csv"
    for argv in (["select", str(missing)], ["fit", str(missing), "-k", "2"]):
        assert main(argv) == 2
        _assert_one_line_error(capsys, "nope.csv", "no such file")


def test_usage_errors_exit_2(capsys):
    assert main(["fit"]) == 2  # -k is required
    _, err = capsys.readouterr()
    assert "the following arguments are required: -k" in err
    assert main(["select", "-K", "0"]) == 2
    _, err = capsys.readouterr()
    assert "positive integer" in err
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err
