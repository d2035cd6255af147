"""Checking output paths and writing CSV (gmm_estimators/cli/output.py)."""

from gmm_estimators.cli import main


def test_output_path_checked_before_work(tmp_path, one_line_error):
    target = tmp_path / "no" / "m.joblib"
    assert main(["fit", "-k", "1", "--save", str(target)]) == 2
    one_line_error("--save", "does not exist")


def test_unwritable_output_fails_before_any_work(tmp_path, monkeypatch, one_line_error):
    # Checked before the search (it used to fail after it, the work lost),
    # by opening the file: the permission bits do not say what root may not
    # write (/sys, a read-only file system), which failed after the search.
    import errno

    import gmm_estimators.cli.output as cli_output

    def refused(path, mode="r"):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(cli_output, "open", refused, raising=False)
    target = tmp_path / "model.joblib"
    assert main(["select", "--save", str(target), "-K", "9"]) == 2
    one_line_error("--save", "permission denied")
    assert not target.exists()


def test_checking_an_output_path_leaves_no_file_behind(tmp_path):
    from gmm_estimators.cli.output import check_output_path

    target = tmp_path / "model.joblib"
    check_output_path(str(target), "--save")
    assert not target.exists()
    target.write_bytes(b"kept")
    check_output_path(str(target), "--save")
    assert target.read_bytes() == b"kept"
