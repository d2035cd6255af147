"""``--import MODULE``: structures of the user's own on the command line."""

import subprocess
import sys
import textwrap

import pytest

from gmm_estimators.cli import main
from gmm_estimators.cli.imports import requested_modules

STRUCTURE = textwrap.dedent(
    """
    import numpy as np
    from gmm_estimators.covariance import SphericalCovariance, register


    class Floored(SphericalCovariance):
        name = "{name}"

        def n_parameters(self, n_components, n_features):
            return n_components

        def m_step(self, nk, scatter, reg_covar, previous=None):
            variances = scatter.sum(axis=1) / (nk * scatter.shape[1])
            return np.maximum(variances, 0.2) + reg_covar


    register(Floored())
    """
)


@pytest.fixture(autouse=True)
def own_path(monkeypatch):
    """``sys.path`` as it was after each test (a file's directory joins it)."""
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.fixture
def structure_module(tmp_path, request):
    """A module file registering a structure; a name of its own per test
    (an imported module is not run again)."""
    stem = "floored_" + request.node.name.replace("[", "_").strip("]").replace("-", "_")
    path = tmp_path / f"{stem}.py"
    path.write_text(STRUCTURE.format(name=stem.replace("_", "-")))
    yield path, stem.replace("_", "-")
    sys.modules.pop(stem, None)


def test_the_modules_are_read_before_parsing():
    argv = ["fit", "--import", "a", "--import=b.c", "x.csv", "--", "--import", "d"]
    assert requested_modules(argv) == ["a", "b.c"]


def test_fit_and_select_take_a_structure_from_an_imported_file(
    structure_module, data_csv, capsys
):
    # -t refused the name (argparse's invalid choice): no option loaded the
    # code that registers it. Refused without it, with the remedy.
    path, name = structure_module
    assert main(["fit", str(data_csv), "-k", "2", "-t", name, "-q"]) == 2
    assert "--import the module that registers it" in capsys.readouterr().err
    assert (
        main(["fit", "--import", str(path), str(data_csv), "-k", "2", "-t", name]) == 0
    )
    assert name in capsys.readouterr().out
    argv = ["select", "--import", str(path), str(data_csv), "--max-components", "2"]
    assert main([*argv, "--covariance-types", f"{name},VII"]) == 0
    out = capsys.readouterr().out
    assert name in out
    # The command it suggests next imports the module too.
    suggested = next(line for line in out.splitlines() if line.startswith("Next:"))
    assert f"--import {path}" in suggested


def test_a_model_of_such_a_structure_names_the_remedy_where_its_code_is_missing(
    structure_module, data_csv, tmp_path
):
    # The library's message (make the module importable) was lost: "is not a
    # model file saved by ... (ModuleNotFoundError)".
    path, name = structure_module
    model = tmp_path / "model.joblib"
    assert main(["fit", "--import", str(path), str(data_csv), "-k", "2", "-t", name,
                 "--save", str(model), "-q"]) == 0  # fmt: skip
    command = [sys.executable, "-m", "gmm_estimators", "score", "--model", str(model)]
    fresh = subprocess.run(
        [*command, str(data_csv)], capture_output=True, text=True, cwd="/"
    )
    assert fresh.returncode == 2
    assert f"needs the covariance structure '{name}'" in fresh.stderr
    assert "--import" in fresh.stderr
    imported = subprocess.run(
        [*command, "--import", str(path), str(data_csv)],
        capture_output=True, text=True, cwd="/",
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "BIC" in imported.stdout


@pytest.mark.parametrize(
    "argv, said",
    [
        (["--import", "no_such_module_here"], "no such module here"),
        (["--import", "/no/such/file.py"], "no such file"),
        (["--import="], "needs a module name"),
    ],
)
def test_a_module_that_cannot_be_imported_is_one_line(argv, said, one_line_error):
    assert main(["select", *argv]) == 2
    one_line_error("--import", said)


def test_a_module_that_fails_names_its_error(tmp_path, one_line_error):
    broken = tmp_path / "broken_structures.py"
    broken.write_text("raise RuntimeError('half written')\n")
    assert main(["select", "--import", str(broken)]) == 2
    one_line_error("importing it failed", "RuntimeError: half written")
    assert "broken_structures" not in sys.modules


def test_a_file_imported_under_its_stem_reaches_worker_processes(
    structure_module, data_csv, capsys, monkeypatch, tmp_path
):
    # Its directory was not on the path: --n-jobs 2 ended in a traceback
    # (No module named ..., BrokenProcessPool).
    path, name = structure_module
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    argv = ["select", "--import", str(path), str(data_csv), "--n-jobs", "2", "-q"]
    assert (
        main([*argv, "--covariance-types", f"{name},VII", "--max-components", "2"]) == 0
    )


def test_a_file_named_as_a_module_already_imported_is_refused(tmp_path, one_line_error):
    # It was skipped silently (the structures it registers then unknown).
    shadow = tmp_path / "random.py"
    shadow.write_text("raise RuntimeError('never run')\n")
    assert main(["select", "--import", str(shadow)]) == 2
    one_line_error("a module named 'random' is already imported", "rename the file")


def test_an_abbreviated_import_option_is_refused(structure_module, data_csv, capsys):
    # argparse accepted --imp, which the modules' reading (before parsing)
    # did not see.
    path, _ = structure_module
    assert (
        main(["score", "--imp", str(path), "--model", "x.joblib", str(data_csv)]) == 2
    )
    assert "write --import in full" in capsys.readouterr().err


def test_an_error_over_lines_is_said_on_one(tmp_path, one_line_error):
    broken = tmp_path / "two_lines_structures.py"
    broken.write_text("raise ValueError('first line\\nsecond line')\n")
    assert main(["select", "--import", str(broken)]) == 2
    one_line_error("ValueError: first line second line")


def test_a_module_that_registers_nothing_is_noted(tmp_path, data_csv, capsys):
    empty = tmp_path / "registers_nothing.py"
    empty.write_text("VALUE = 1\n")
    try:
        argv = ["fit", "--import", str(empty), str(data_csv), "-k", "1", "-q"]
        assert main(argv) == 0
        assert "registered no covariance structure" in capsys.readouterr().err
        # Given again, it was imported already: not noted again.
        assert main([*argv[:3], *argv[1:]]) == 0
        assert "registered no" not in capsys.readouterr().err
    finally:
        sys.modules.pop("registers_nothing", None)


@pytest.mark.parametrize(
    "file_name, said",
    [
        # Its classes would carry a dotted module name no import can find.
        ("my.structures.py", "is not a module name"),
        # Taken by the standard library: workers would import that one.
        ("this.py", "is taken by another module"),
    ],
)
def test_a_file_whose_name_cannot_be_imported_again_is_refused(
    file_name, said, tmp_path, one_line_error
):
    path = tmp_path / file_name
    path.write_text(STRUCTURE.format(name="never-registered"))
    assert main(["select", "--import", str(path)]) == 2
    one_line_error(said, "rename the file")


def test_a_path_without_py_is_told_the_two_forms(tmp_path, one_line_error):
    # importlib said "the 'package' argument is required".
    assert main(["select", "--import", str(tmp_path / "structures")]) == 2
    one_line_error("give a module name", "the path of a .py file")
