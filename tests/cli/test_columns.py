"""Choosing columns with --columns and --drop (gmm_estimators/cli/columns.py)."""

import numpy as np
import pytest

from gmm_estimators.cli import main
from gmm_estimators.cli.io import load_data, read_csv


def test_columns_and_drop(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,a,b,c\n1,10,20,30\n2,11,21,31\n")
    data = read_csv(str(path), columns="c,1")
    assert data.feature_names == ["c", "a"]
    np.testing.assert_array_equal(data.X, [[30, 10], [31, 11]])
    data = read_csv(str(path), drop="id,b")
    assert data.feature_names == ["a", "c"]
    data = read_csv(str(path), columns="a,b,c", drop="2")
    assert data.feature_names == ["a", "c"]
    bundled = load_data(None, columns="waiting")
    assert bundled.feature_names == ["waiting"] and bundled.X.shape == (272, 1)


@pytest.mark.parametrize(
    "options, fragments",
    [
        (["--columns", "a,z"], ["--columns", "no column 'z'", "0 'id', 1 'a'"]),
        (["--drop", "7"], ["--drop", "no column '7'", "3 'c'"]),
        (["--columns", "a,,b"], ["comma-separated"]),
        (["--columns", "a,1"], ["'a' more than once"]),
        (["--columns", "a", "--drop", "a"], ["no columns", "left"]),
    ],
)
def test_column_errors_name_the_available_columns(
    options, fragments, tmp_path, one_line_error
):
    path = tmp_path / "d.csv"
    path.write_text("id,a,b,c\n1,10,20,30\n2,11,21,31\n")
    assert main(["fit", str(path), "-k", "1", *options]) == 2
    one_line_error(*fragments)


def test_bundled_data_unknown_column(one_line_error):
    assert main(["fit", "-k", "1", "--columns", "duration"]) == 2
    one_line_error("no column 'duration'", "0 'eruptions', 1 'waiting'")


def test_an_ambiguous_column_name_is_refused_by_drop_and_columns(
    tmp_path, one_line_error
):
    # --drop a dropped the first of two columns named 'a' and fitted the
    # other; the plain read already refuses the ambiguity.
    path = tmp_path / "dup.csv"
    path.write_text("a,a,b\n1,10,2\n3,30,4\n5,50,7\n")
    for option in ("--drop", "--columns"):
        assert main(["fit", str(path), option, "a", "-k", "1"]) == 2
        one_line_error(option, "several columns named 'a'", "indices 0, 1")
    assert main(["fit", str(path), "--columns", "1,2", "-k", "1", "-q"]) == 0


def test_a_digit_of_another_script_is_a_name_not_an_index(tmp_path, one_line_error):
    # "²".isdigit() is True, and int("²") failed with Python's own message.
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n3,5\n4,4\n")
    assert main(["fit", str(path), "-k", "1", "--columns", "²"]) == 2
    one_line_error("--columns", "no column '²'")
