"""The entry points: ``main``, ``python -m gmm_estimators``, the default run."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

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
    # A missing file without an extension was only "invalid choice": it is
    # named as neither a command nor a file.
    assert main(["mydata_typo", "-q"]) == 2
    err = capsys.readouterr().err
    assert "'mydata_typo' is neither a command" in err and "nor an existing" in err
    assert "invalid choice" not in err
    # The help says so.
    assert main(["--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "'gmm-estimators data.csv' means 'gmm-estimators select data.csv'" in (
        help_text
    )


def test_module_main_is_the_cli():
    import gmm_estimators.__main__ as module

    assert module.main is main


def test_a_reader_that_leaves_early_does_not_stop_the_files(tmp_path):
    # `... | head -1`: the pipe closes while the report is printed. The
    # command stopped there, before --save and --plot, or complained of a
    # broken pipe at exit.
    saved, plot = tmp_path / "model.joblib", tmp_path / "fit.png"
    command = [sys.executable, "-m", "gmm_estimators", "fit", "-k", "2"]
    command += ["--save", str(saved), "--plot", str(plot)]
    environment = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    process.stdout.close()  # the reader is gone before the first line
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors.decode()
    assert b"Broken pipe" not in errors and b"Traceback" not in errors
    assert saved.exists() and plot.exists()


def test_one_feature_next_command_runs_without_a_plot(tmp_path, capsys):
    # --plot needs two features: the suggested command failed.
    data = tmp_path / "one.csv"
    rng = np.random.RandomState(0)
    values = np.r_[rng.randn(40), rng.randn(40) + 6]
    data.write_text("x\n" + "\n".join(f"{v:.6f}" for v in values) + "\n")
    assert main(["select", str(data), "-K", "2"]) == 0
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    command = shlex.split(last.removeprefix("Next: ").split("  (")[0])
    assert "--plot" not in command
    assert main([*command[1:], "-q"]) == 0


def test_dash_output_pipes_the_csv(tmp_path, model_file):
    # In a pipeline, `sample -o -` wrote a file named '-' and nothing to the pipe.
    command = [sys.executable, "-m", "gmm_estimators", "sample", "-m", str(model_file)]
    root = Path(gmm_estimators.__file__).resolve().parents[1]
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(
        [*command, "-n", "3", "-o", "-"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": path,
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "alpha,beta,gamma,component"
    assert len(result.stdout.splitlines()) == 1 + 3
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_named(model_file, monkeypatch, capsys):
    # `sample ... > /dev/full` said "error: [Errno 28] No space left on
    # device", without saying what could not be written.
    for argv in (
        ["sample", "-m", str(model_file), "-n", "5000"],
        ["fit", "-k", "1"],
    ):
        with open("/dev/full", "w") as full:
            monkeypatch.setattr(sys, "stdout", full)
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert err == (
                "gmm-estimators: error: cannot write to standard output: No space "
                "left on device\n"
            )


def test_out_of_memory_names_remedies_the_command_has(monkeypatch, capsys):
    # It asked for "fewer rows (-n)", an option of sample only, where the
    # cost was many columns (a d x d matrix per check, 2.98 GiB at 20,000).
    from gmm_estimators import cli

    def exhausted(args):
        raise MemoryError("Unable to allocate 2.98 GiB")

    monkeypatch.setattr(cli, "_run", exhausted)
    assert cli.main(["fit", "-k", "2"]) == 2
    err = capsys.readouterr().err
    assert "out of memory (Unable to allocate 2.98 GiB)" in err
    assert "--columns" in err and "-n for sample" in err
    assert "Traceback" not in err
