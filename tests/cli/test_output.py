"""Checking output paths and writing CSV (gmm_estimators/cli/output.py)."""

from gmm_estimators.cli import main


def test_output_path_checked_before_work(tmp_path, one_line_error):
    target = tmp_path / "no" / "m.joblib"
    assert main(["fit", "-k", "1", "--save", str(target)]) == 2
    one_line_error("--save", "does not exist")


def test_unwritable_output_fails_before_any_work(tmp_path, monkeypatch, one_line_error):
    # Checked before the search (it used to fail after it, the work lost).
    import os

    import gmm_estimators.cli.output as cli_output

    def no_write(path, mode):
        return not (mode & os.W_OK)

    monkeypatch.setattr(cli_output.os, "access", no_write)
    target = tmp_path / "model.joblib"
    assert main(["select", "--save", str(target), "-K", "9"]) == 2
    one_line_error("--save", "permission denied")
