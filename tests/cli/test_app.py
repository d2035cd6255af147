"""The entry points: ``main``, ``python -m gmm_estimators``, the default run."""

import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np

import gmm_estimators
from gmm_estimators.cli import main

COMMANDS = ("select", "fit", "predict", "sample", "score")


def test_end_to_end_in_subprocess(tmp_path, blobs):
    # `python -m gmm_estimators` on a CSV with an id column, output piped:
    # no progress bar, nothing on stderr, and a model that knows its features.
    path = tmp_path / "with id.csv"
    lines = ["id,alpha,beta,gamma"] + [
        f"r{i}," + ",".join(f"{v:.6f}" for v in row) for i, row in enumerate(blobs)
    ]
    path.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m.joblib"
    root = Path(gmm_estimators.__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    argv = ["select", str(path), "--drop", "id", "-K", "2", "-t", "VVV,VII"]
    result = subprocess.run(
        [sys.executable, "-m", "gmm_estimators", *argv, "--save", str(model)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "120 rows x 3 features (alpha, beta, gamma)" in result.stdout
    assert "Selected model: K=2" in result.stdout
    assert (
        result.stdout.rstrip()
        .splitlines()[-1]
        .startswith(f"Next: gmm-estimators fit '{path}' --drop id -k 2")
    )
    fitted = joblib.load(model)
    np.testing.assert_array_equal(fitted.feature_names_in_, ["alpha", "beta", "gamma"])


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("usage: gmm-estimators")
    for command in COMMANDS:
        assert command in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"gmm-estimators {gmm_estimators.__version__}"
    )


def test_no_arguments_selects_on_old_faithful(capsys):
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert "Old Faithful" in out
    assert "272 rows x 2 features (eruptions, waiting)" in out
    # A report, not a log: no line per candidate, no progress off a terminal.
    assert "[GaussianMixtureIC]" not in out and err == ""
    assert "Compared 126 candidates" in out
    assert "rank  K  structure" in out
    assert "Selected model: K=" in out
    assert "mean eruptions" in out
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("Next: gmm-estimators fit -k ") and "--plot" in last


def test_options_without_command_run_select(capsys):
    assert main(["-q", "-K", "2", "-t", "VVV"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("rank  K  structure")
    assert "Selected model: K=" in out
    assert "Next:" not in out


def test_data_file_without_command_runs_select(
    data_csv, tmp_path, monkeypatch, capsys, one_line_error
):
    # The help promises that select runs without a command: also when the
    # first argument is a data file (not "invalid choice: 'data.csv'").
    assert main([str(data_csv), "-q", "-K", "2", "-t", "VVV"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("rank  K  structure") and "mean alpha" in out
    # A name that looks like a file is one, even if it does not exist...
    assert main([str(tmp_path / "nope.csv")]) == 2
    one_line_error("nope.csv: no such file")
    # ...and an existing file without an extension too.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "measurements").write_text(data_csv.read_text())
    assert main(["measurements", "-q", "-K", "1", "-t", "VVV"]) == 0
    assert "Selected model: K=1" in capsys.readouterr().out
    # A misspelt command is still a usage error naming the commands.
    assert main(["fitt", "-k", "2"]) == 2
    assert "invalid choice: 'fitt'" in capsys.readouterr().err
    # The help says so.
    assert main(["--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "'gmm-estimators data.csv' means 'gmm-estimators select data.csv'" in (
        help_text
    )


def test_module_main_is_the_cli():
    import gmm_estimators.__main__ as module

    assert module.main is main
