"""Reading data (gmm_estimators/cli/io.py)."""

import sys

import numpy as np
import pandas as pd
import pytest

from gmm_estimators.cli import main
from gmm_estimators.cli.errors import CLIError
from gmm_estimators.cli.io import load_data, read_csv


def test_csv_without_header_and_other_delimiters(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("1.5;2\n3;4e1\n\n5;-6\n")
    data = read_csv(str(path))
    assert data.feature_names == ["x0", "x1"] and not data.named
    np.testing.assert_array_equal(data.X, [[1.5, 2], [3, 40], [5, -6]])
    path.write_text("a\tb\n1\t2\n3\t4\n")
    data = read_csv(str(path))
    assert data.feature_names == ["a", "b"] and data.named
    path.write_text("a b\n1 2\n3 4\n")
    assert read_csv(str(path), delimiter=" ").X.shape == (2, 2)


def test_header_detection_with_a_text_column(tmp_path):
    # A text column does not make every first row a header.
    path = tmp_path / "t.csv"
    path.write_text("setosa,1,2\nversicolor,3,4\n")
    data = read_csv(str(path), drop="0")
    assert not data.named
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4]])
    path.write_text("species,a,b\nsetosa,1,2\n")
    data = read_csv(str(path), columns="a,b")
    assert data.named and data.feature_names == ["a", "b"]
    np.testing.assert_array_equal(data.X, [[1, 2]])


def test_duplicated_header_names(tmp_path, one_line_error):
    path = tmp_path / "d.csv"
    path.write_text("a,a,b\n1,2,3\n4,5,6\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("several columns named 'a'")
    assert read_csv(str(path), columns="1,2").feature_names == ["a", "b"]


def test_missing_values_are_nan_until_the_estimator_decides(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,NA\n,3\n4,5\n")
    data = read_csv(str(path))
    assert np.isnan(data.X[0, 1]) and np.isnan(data.X[1, 0])
    assert data.first_non_finite() == f"{path}, line 2, column 2 ('b'): missing value"


def test_spreadsheet_missing_markers_are_missing_values(tmp_path):
    # Excel writes #N/A (pandas reads it, and these, as missing): it was
    # refused as a column that is not numeric, with the advice to drop it.
    markers = ["#N/A", "#NA", "<NA>", "#N/A N/A", "-NaN", "1.#IND", "-1.#QNAN"]
    path = tmp_path / "d.csv"
    rows = [f"{m},{i}.5" for i, m in enumerate(markers)]
    path.write_text("a,b\n" + "\n".join(rows) + "\n2.5,1\n")
    data = read_csv(str(path))
    assert np.isnan(data.X[: len(markers), 0]).all()
    assert data.X[len(markers), 0] == 2.5
    assert not np.isnan(data.X[:, 1]).any()


BAD_CSV = {
    # The exact remedy: --drop takes a name or a 0-based index, not "3".
    "non-numeric": (
        "a,b,c\n1,2,x\n3,4,5\n",
        ["column 3 ('c') is not numeric", "'x'", "--drop c"],
    ),
    "inf": ("1,2\n3,inf\n", ["line 2", "infinite"]),
    "header-only": ("a,b\n", ["no data rows"]),
    "empty-file": ("", ["contains no data"]),
    "ragged": ("a,b\n1,2\n3,4,5\n", ["line 3", "expected 2 fields", "found 3"]),
}


def _clean_like(content):
    """A well-formed file with the same columns, to fit the model for `score`."""
    first = content.splitlines()[0] if content else "a,b"
    n_fields = len(first.split(","))
    header = [first] if first[:1].isalpha() else []
    rows = [
        ",".join(str((i * 7 + j * 3) % 5 + j) for j in range(n_fields))
        for i in range(8)
    ]
    return "\n".join(header + rows) + "\n"


@pytest.mark.parametrize("case", list(BAD_CSV))
@pytest.mark.parametrize("command", ["select", "fit", "score"])
def test_bad_csv(command, case, tmp_path, capsys, one_line_error):
    content, fragments = BAD_CSV[case]
    path = tmp_path / "bad.csv"
    path.write_text(content)
    extra = {"select": ["-K", "2", "-t", "VVV"], "fit": ["-k", "1"]}.get(command)
    if command == "score":
        clean = tmp_path / "clean.csv"
        clean.write_text(_clean_like(content))
        model = tmp_path / "m.joblib"
        assert main(["fit", str(clean), "-k", "1", "-q", "--save", str(model)]) == 0
        capsys.readouterr()
        extra = ["-m", str(model)]
    assert main([command, str(path), *extra]) == 2
    one_line_error("bad.csv", *fragments)


MISSING_CELLS = {
    "empty-cell": "a,b\n1,2\n3,\n4,5\n2,2.5\n3.5,4\n",
    "nan": "a,b\n1,NaN\n3,4\n4,5\n2,2.5\n3.5,4\n",
    "NA": "a,b\n1,NA\n3,4\n4,5\n2,2.5\n3.5,4\n",
}


@pytest.mark.parametrize("case", list(MISSING_CELLS))
@pytest.mark.parametrize("command", ["select", "fit", "score"])
def test_missing_cells_are_modelled(command, case, tmp_path, capsys):
    """Empty, NaN and NA cells are missing values: EM uses the observed ones."""
    path = tmp_path / "missing.csv"
    path.write_text(MISSING_CELLS[case])
    extra = {"select": ["-K", "2", "-t", "VVV"], "fit": ["-k", "1"]}.get(command)
    if command == "score":
        clean = tmp_path / "clean.csv"
        clean.write_text(_clean_like(MISSING_CELLS[case]))
        model = tmp_path / "m.joblib"
        assert main(["fit", str(clean), "-k", "1", "-q", "--save", str(model)]) == 0
        extra = ["-m", str(model)]
    capsys.readouterr()
    assert main([command, str(path), *extra]) == 0
    out, err = capsys.readouterr()
    assert "nan" not in out.lower()
    # One note says what was done with the missing cell; --quiet drops it.
    assert [line for line in err.splitlines() if "note" in line] == [
        "gmm-estimators: note: "
        f"{path}: 1 missing cell (empty, NA, ...) in 1 of 5 rows, treated as "
        "missing values and marginalised out (each row counts through its "
        "observed values)"
    ]
    assert main([command, str(path), *extra, "-q"]) == 0
    assert "note" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["select"], ["select", "-K", "1", "-t", "VVV"], ["fit", "-k", "1"]],
    ids=["select", "select-K1", "fit"],
)
def test_one_row_is_too_few_to_fit(argv, write_data, one_line_error):
    # No remedy that then fails (select used to suggest --max-components 1).
    path = write_data("bad.csv", ["a", "b"], np.ones((1, 2)))
    assert main([argv[0], str(path), *argv[1:]]) == 2
    line = one_line_error("bad.csv has only 1 data row", "at least 2 rows")
    assert "--max-components" not in line and "GaussianMixture" not in line


def test_missing_data_file(tmp_path, one_line_error):
    missing = tmp_path / "nope.csv"
    for argv in (["select", str(missing)], ["fit", str(missing), "-k", "2"]):
        assert main(argv) == 2
        one_line_error("nope.csv", "no such file")
    assert main(["fit", str(tmp_path), "-k", "2"]) == 2
    one_line_error("is a directory")


def test_not_utf8(tmp_path, one_line_error):
    path = tmp_path / "b.csv"
    path.write_bytes(b"\xff\xfe\x00a")
    with pytest.raises(CLIError, match="UTF-16 text, not a UTF-8.*re-save it as UTF-8"):
        read_csv(str(path))
    # Latin-1: the line of the first bad byte, and how to convert the file.
    path.write_bytes("a,b\n1,2\ngr\xf6\xdfe,3\n".encode("latin-1"))
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error(
        "not a UTF-8 text",
        "line 3 has the byte 0xf6",
        "re-save it as UTF-8",
        f"iconv -f latin1 -t utf-8 {path}",
    )


def test_binary_file_is_not_called_utf16(tmp_path, model_file, one_line_error):
    # NUL bytes on both parities are a binary file, not UTF-16 text: a model
    # given as data, a NumPy array, random bytes each get their own remedy.
    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros((5, 2)))
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 4000).astype("u1"))
    cases = [
        (model_file, "Python pickle", "--model"),
        (npy, "NumPy .npy file", "numpy.savetxt"),
        (garbage, "binary file", "UTF-8 text"),
    ]
    for path, kind, remedy in cases:
        assert main(["fit", str(path), "-k", "1"]) == 2
        line = one_line_error(kind, "not a CSV text file", remedy)
        assert "UTF-16" not in line


def test_spreadsheet_workbook_is_named(tmp_path, one_line_error):
    # A newcomer's data.xlsx (a ZIP archive) or data.xls (OLE2): export it as
    # CSV, not convert it with iconv as if it were Latin-1 text.
    import zipfile

    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + "1,2" * 500)
    old = tmp_path / "data.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)))
    for workbook in (path, old):
        assert main(["fit", str(workbook), "-k", "1"]) == 2
        line = one_line_error("spreadsheet workbook", "export the sheet as CSV")
        assert "iconv" not in line and "header" not in line


def test_standard_input_is_read_as_a_file(monkeypatch, capsys, one_line_error):
    # A byte-order mark is dropped, gzip and non-UTF-8 bytes are named, and
    # old Mac line endings (CR alone) are lines, on stdin as in files.
    import gzip
    import io as io_module

    class Stdin:
        def __init__(self, raw):
            self.buffer = io_module.BytesIO(raw)

    text = "a,b\n1,2\n3,4\n5,6\n2,2\n"
    monkeypatch.setattr(sys, "stdin", Stdin(b"\xef\xbb\xbf" + text.encode()))
    assert main(["fit", "-", "-k", "1", "-q", "--columns", "a,b"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", Stdin(text.replace("\n", "\r").encode()))
    assert main(["fit", "-", "-k", "1", "-q"]) == 0
    assert "mean a" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", Stdin(gzip.compress(text.encode())))
    assert main(["fit", "-", "-k", "1"]) == 2
    one_line_error("gzip-compressed", "gunzip -c")
    monkeypatch.setattr(sys, "stdin", Stdin("a,b\ngr\xf6\xdfe,1\n".encode("latin-1")))
    assert main(["fit", "-", "-k", "1"]) == 2
    one_line_error("not a UTF-8 text", "line 2", "iconv -f latin1 -t utf-8")


def test_only_a_refusal_of_the_values_blames_a_missing_cell(write_data, one_line_error):
    X = np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 6.0], [7.0, 8.0], [2.0, 2.0]])
    path = write_data("somenan.csv", ["a", "b"], X, fmt="{}")
    assert main(["fit", str(path), "-k", "2", "--init", "foo"]) == 2
    line = one_line_error("--init 'foo'", "init_params")
    assert "missing value" not in line
    # The CLI checks --init before reading; a parameter the estimator alone
    # refuses on these data is not blamed on their missing cell either.
    from sklearn.utils._param_validation import InvalidParameterError

    from gmm_estimators.cli.io import explain_values

    data = load_data(str(path))
    refusal = "The 'tol' parameter of GaussianMixture must be >= 0. Got nan."
    with pytest.raises(CLIError, match="cannot fit") as caught:
        with explain_values(data, "fit"):
            raise InvalidParameterError(refusal)
    assert "missing value" not in str(caught.value)
    empty = write_data(
        "empty.csv",
        ["a", "b", "c"],
        np.c_[X[:, :1], X[:, :1], np.full(5, np.nan)],
        fmt="{}",
    )
    assert main(["fit", str(empty), "-k", "1"]) == 2
    one_line_error("every row", "--drop")


DECIMAL_COMMAS = "a;b\n0,1;0,2\n1,3;0,4\n0,5;1,6\n5,1;5,2\n5,3;4,4\n"


@pytest.mark.parametrize("options", [[], ["--delimiter", ";"]])
def test_decimal_commas_are_named(options, tmp_path, one_line_error):
    # A European export: the header is found and the decimal comma named,
    # with or without --delimiter (not "column 1 is not numeric, line 1").
    path = tmp_path / "euro.csv"
    path.write_text(DECIMAL_COMMAS)
    assert main(["fit", str(path), "-k", "2", *options]) == 2
    line = one_line_error(
        "euro.csv, line 2, column 1 ('a') has '0,1'",
        "decimal commas are not read; convert them to points",
        f"sed 's/,/./g' {path} > fixed.csv",
    )
    assert "--drop" not in line and "line 1" not in line
    # Also after a text column, and in a file of one column, where ',' is
    # taken for the delimiter.
    path.write_text("id;x\nr1;2\nr2;-1.234,5\n")
    assert main(["fit", str(path), "-k", "1", "--drop", "id"]) == 2
    # Thousands points go first: s/,/./g alone gave -1.234.5.
    one_line_error(
        "line 3, column 2 ('x') has '-1.234,5'",
        "decimal commas",
        f"sed 's/\\.//g; s/,/./g' {path} > fixed.csv",
    )
    path.write_text("x\n0,1\n0,5\n0,7\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("line 2", "if ',' is a decimal comma", "convert")
    # A plain ragged file gets no such hint.
    path.write_text("a,b\n1,2\n3,4,5\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    assert "a decimal comma" not in one_line_error("expected 2 fields")


@pytest.mark.parametrize(
    "content, given, fragments",
    [
        ("a,b\n1,2\n3,4\n5,6\n", ";", ["--delimiter ';' looks wrong", "','"]),
        ("a;b\n1;2\n3;4\n", ",", ["--delimiter ',' looks wrong", "'a;b'", "';'"]),
        ("a\tb\n1\t2\n3\t4\n", ";", ["'a\\tb'", "use --delimiter tab"]),
    ],
)
def test_wrong_delimiter_is_named(content, given, fragments, tmp_path, one_line_error):
    path = tmp_path / "d.csv"
    path.write_text(content)
    assert main(["fit", str(path), "-k", "1", "--delimiter", given]) == 2
    line = one_line_error("d.csv: ", "every line splits evenly on", *fragments)
    assert "not numeric" not in line and "decimal comma" not in line


@pytest.mark.parametrize(
    "text",
    [
        # Right-aligned columns (fixed-width exports).
        "     a       b\n   0.126   -0.132\n   0.640    0.105\n  -0.536    0.362\n",
        # R's write.table: quoted, row names without a header.
        '"a" "b"\n"1" 0.1257 -0.1321\n"2" 0.6404 0.1049\n"3" -0.5 0.36\n',
    ],
)
def test_columns_separated_by_blanks_are_named_with_a_conversion(
    text, tmp_path, one_line_error
):
    # "column 1 is not numeric ... leave this one out with --drop 0" dropped
    # the only column.
    path = tmp_path / "aligned.txt"
    path.write_text(text)
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error("aligned.txt: ", "separated by blanks", "awk -v OFS=,")
    assert "--drop" not in line and "not numeric" not in line
    converted = tmp_path / "data.csv"
    converted.write_text(
        "\n".join(",".join(row.split()) for row in text.splitlines()) + "\n"
    )
    if text.startswith('"'):  # the row names then need a name of their own
        converted.write_text('"id",' + converted.read_text())
        assert main(["fit", str(converted), "-k", "1", "-q", "--drop", "id"]) == 0
    else:
        assert main(["fit", str(converted), "-k", "1", "-q"]) == 0


def test_a_column_of_names_with_blanks_is_text_not_blank_separated_columns(
    tmp_path, one_line_error
):
    path = tmp_path / "cities.txt"
    path.write_text("city\nNew York\nLos Angeles\nSan Diego\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error("cities.txt: ", "not numeric")
    assert "separated by blanks" not in line


@pytest.mark.parametrize("header", [None, "x y"])
def test_space_separated_file_names_the_delimiter(header, tmp_path, one_line_error):
    # numpy.savetxt's default output: the remedy is --delimiter ' ', not
    # "choose numeric columns with --columns".
    path = tmp_path / "saved.txt"
    X = np.random.RandomState(0).normal(size=(6, 2))
    np.savetxt(path, X, header=header or "", comments="")
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error("saved.txt: ", "every line splits evenly on ' '")
    assert "use --delimiter ' '" in line
    assert "not numeric" not in line and "--columns" not in line
    assert main(["fit", str(path), "-k", "1", "--delimiter", " ", "-q"]) == 0
    # A text column holding one space on every line of a real CSV is still
    # a text column.
    path.write_text("id,x\nNew York,1\nLos Angeles,2\nSan Diego,3\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("column 1 ('id') is not numeric", "--drop id")


def test_empty_column_is_named_by_its_header(tmp_path, one_line_error):
    # Named by header and 1-based column, with the --drop that removes it
    # (adding to a --drop given); no Python class as a remedy.
    path = tmp_path / "e.csv"
    path.write_text("id,a,b,c\nr1,1,2,\nr2,3,4,\nr3,5,7,\n")
    for command in (["fit", "-k", "1"], ["select", "-K", "1"]):
        assert main([command[0], str(path), *command[1:], "--drop", "id"]) == 2
        line = one_line_error(
            "e.csv: column 4 ('c') is empty (missing in every row)",
            "leave it out with --drop id,c",
        )
        assert "GaussianMixtureImputer" not in line and "[" not in line
    assert main(["fit", str(path), "-k", "1", "--drop", "id,c"]) == 0
    # Without a header: the 0-based index that --drop takes.
    path.write_text("1,,2\n3,,4\n5,,7\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("column 2 is empty", "--drop 1")


def test_infinite_value_is_named_after_missing_ones(tmp_path, one_line_error):
    # Missing cells are accepted: the refusal names the infinite cell.
    path = tmp_path / "i.csv"
    path.write_text("a,b\n1,NA\n3,4\n5,inf\n2,2\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error("i.csv, line 4, column 2 ('b') has 'inf': an infinite value")
    assert "missing value" not in line


def test_infinite_value_is_named_before_too_few_rows(tmp_path, one_line_error):
    # Three rows and select's 9 components: the error advised fewer
    # components, and the next run only then named the infinite cell.
    path = tmp_path / "i.csv"
    path.write_text("a,b\n1,2\n3,inf\n4,5\n")
    for argv in (["select"], ["select", "-K", "2"], ["fit", "-k", "5"]):
        assert main([argv[0], str(path), *argv[1:]]) == 2
        line = one_line_error("i.csv, line 3, column 2 ('b') has 'inf'")
        assert "too few" not in line


@pytest.mark.parametrize(
    "cell, what",
    [
        ("1e309", "'1e309': a number beyond the range of a 64-bit float"),
        ("-1.5E+400", "'-1.5E+400': a number beyond the range of a 64-bit float"),
        ("-Infinity", "'-Infinity': an infinite value"),
    ],
)
def test_infinite_cell_is_quoted_as_written(cell, what, tmp_path, one_line_error):
    # The error said "infinite value (inf)" for a cell holding 1e309, and
    # quoted scikit-learn ("... too large for dtype('float64').").
    path = tmp_path / "big.csv"
    path.write_text(f"a,b\n1,2\n2,3\n3,1\n{cell},4\n5,5\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error(f"big.csv, line 5, column 1 ('a') has {what}", "remove or")
    assert "dtype" not in line and "(inf)" not in line


def test_row_without_any_value_is_named_by_its_line(tmp_path, one_line_error):
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n3,NA\nNA,\n5,7\n2,2\n")
    for argv in (["fit", "-k", "1"], ["select", "-K", "1", "-t", "VVV"]):
        assert main([argv[0], str(path), *argv[1:]]) == 2
        one_line_error("r.csv, line 4: no value in any column", "remove such rows")


def test_thousands_separators_are_not_called_decimal_commas(tmp_path, one_line_error):
    # The advice to turn every comma into a point made 1,000 into 1.
    path = tmp_path / "thousands.csv"
    path.write_text("a;b\n1,000;2\n3,500;4\n2,100;3\n6,000;1\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error("'1,000'", "separates thousands", "decimal comma")
    assert "sed" not in line


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_formatted_numbers_under_a_header_are_named_not_the_header(
    delimiter, tmp_path, one_line_error
):
    # '5,941.72' was text to the header test, so the header read as a row
    # of data and the error blamed it: "column 1 is not numeric (line 1 has
    # 'x')".
    quote = '"' if delimiter == "," else ""
    rows = [["5,941.72", "3,603.42"], ["7,320.29", "5,370.50"], ["1,204.00", "9.5"]]
    body = "".join(
        delimiter.join(f"{quote}{cell}{quote}" for cell in row) + "\n" for row in rows
    )
    path = tmp_path / "formatted.csv"
    path.write_text(f"x{delimiter}y\n" + body)
    assert main(["select", str(path), "-K", "1"]) == 2
    line = one_line_error("line 2", "'5,941.72'", "thousands separators", "5941.72")
    assert "line 1" not in line


@pytest.mark.parametrize("header", ["5%,50%,95%", "$1,$2,$3"])
def test_a_header_of_formatted_numbers_is_still_a_header(header, tmp_path, capsys):
    # Reading formatted numbers as numbers under a header made a header of
    # them a row of data, refused as numbers with units.
    rng = np.random.default_rng(0)
    path = tmp_path / "h.csv"
    rows = "".join(
        ",".join(f"{x:.4f}" for x in row) + "\n" for row in rng.normal(size=(20, 3))
    )
    path.write_text(header + "\n" + rows)
    assert main(["fit", str(path), "-k", "1", "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean " + header.split(",")[1] in out


@pytest.mark.parametrize(
    "cell, hint",
    [
        ("2023_01", "underscores are not read"),
        ("1_000", "underscores are not read"),
        ("\uff15", "only the digits 0-9"),  # FULLWIDTH DIGIT FIVE
        ("\u0663", "only the digits 0-9"),  # ARABIC-INDIC DIGIT THREE
    ],
)
@pytest.mark.parametrize("missing", [False, True])
def test_python_only_numbers_are_not_numeric(
    cell, hint, missing, tmp_path, one_line_error
):
    # Python's float() reads PEP 515 underscores and any Unicode digit: a
    # period code 2023_01 was modelled as 202301, where R's read.csv, pandas
    # and spreadsheets read it as text. (A missing cell takes the other path.)
    assert float(cell) > 0
    path = tmp_path / "odd.csv"
    other = "NA" if missing else "4"
    path.write_text(f"a,b\n1,2\n3,{other}\n{cell},6\n2,2\n", encoding="utf-8")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error(
        f"column 1 ('a') is not numeric (line 4 has {cell!r}", hint, "--drop"
    )
    # Without a header, the first row of such cells is data, not names.
    path.write_text(f"{cell},1\n{cell},2\n", encoding="utf-8")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("column 1 is not numeric (line 1", hint)


def test_utf16_without_a_byte_order_mark_is_named(tmp_path, one_line_error):
    path = tmp_path / "utf16.csv"
    path.write_bytes("a,b\n1.5,2\n3.5,4\n2.1,3\n6,1\n".encode("utf-16-le"))
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("UTF-16")


def test_comment_line_is_named(tmp_path, one_line_error):
    # A '#' line before the header, or among the rows, was reported only as
    # a row with the wrong number of fields, at the line after the comment.
    for text, comment in (
        ("# written by a logger\na,b\n1,2\n3,4\n2,5\n", 1),
        ("a,b\n1,2\n# restarted\n3,4\n2,5\n", 3),
    ):
        path = tmp_path / "commented.csv"
        path.write_text(text)
        assert main(["fit", str(path), "-k", "1"]) == 2
        one_line_error(f"line {comment} starts with '#'", f"grep -v '^#' {path}")


def test_row_of_empty_cells_is_a_row_of_missing_values(
    tmp_path, model_file, one_line_error
):
    # ',,' between rows was skipped like a blank line: predict wrote one row
    # fewer than the data had (its labels shifted against the input), where
    # 'NA,NA,NA' is refused. Empty records before and after the data are
    # still dropped (spreadsheet exports pad with them).
    path = tmp_path / "gap.csv"
    path.write_text(",,\nalpha,beta,gamma\n1,2,3\n,,\n3,4,1\n2,5,2\n,,\n\n")
    assert main(["predict", "-m", str(model_file), str(path)]) == 2
    one_line_error("line 4", "no value in any column")
    data = read_csv(str(path))
    assert data.X.shape == (4, 3)
    assert np.isnan(data.X[1]).all() and not np.isnan(data.X[[0, 2, 3]]).any()
    assert list(data.lines) == [3, 4, 5, 6]


def test_unclosed_quote_is_named_at_its_line(tmp_path, one_line_error):
    # A quote left open swallows the lines after it into one field: the error
    # named the last line swallowed and a ragged row or a text cell.
    path = tmp_path / "quote.csv"
    for text, fragment in (
        ('a,b\n1,2\n"3,4\n5,6\n', "expected 2 fields"),
        ('a,b\n1,2\n3,"4\n5,6\n7,8\n', "column 2 ('b')"),
    ):
        path.write_text(text)
        assert main(["fit", str(path), "-k", "1"]) == 2
        one_line_error(f"{path}, line 3", fragment, 'a quote (") there is not closed')
    # A quoted line break in a column left out is CSV, and lines still count.
    path.write_text('a,note,b\n1,"two\nlines",2\n3,x,1\n4,y,5\n,z,\n')
    data = read_csv(str(path), drop="note")
    assert list(data.lines) == [2, 4, 5, 6]


def test_header_of_numbers_needs_the_header_option(tmp_path, capsys):
    # Column names such as years look like numbers: the header was read as a
    # data row (one row too many, the years in the means) with no remedy.
    path = tmp_path / "years.csv"
    path.write_text("2019,2020\n1.5,2.5\n3.5,4.5\n2.5,1.5\n6.5,0.5\n")
    assert read_csv(str(path)).X.shape == (5, 2)  # detected: no header
    data = read_csv(str(path), header=True)
    assert data.named and data.feature_names == ["2019", "2020"]
    assert data.X.shape == (4, 2) and list(data.lines) == [2, 3, 4, 5]
    assert main(["fit", str(path), "-k", "1", "--header", "-q"]) == 0
    assert "mean 2019" in capsys.readouterr().out
    # --no-header reads a first row of text as data, and says it is not numeric.
    assert main(["fit", str(path), "-k", "1", "--no-header", "-q"]) == 0
    path.write_text("a,b\n1,2\n3,4\n")
    assert main(["fit", str(path), "-k", "1", "--no-header"]) == 2
    assert "line 1 has 'a'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "cell, plain",
    [("1,234.5", "1234.5"), ("\u22121.5", "-1.5"), ("12%", "12"), ("1 234", "1234")],
)
def test_formatted_number_is_not_called_text(tmp_path, one_line_error, cell, plain):
    # A number formatted for reading was called a text column, with the
    # advice to leave the column out.
    path = tmp_path / "formatted.csv"
    path.write_text(f'a,b\n"{cell}",2\n3,4\n5,1\n', encoding="utf-8")
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error("line 2, column 1 ('a')", f"write plain numbers ({plain})")
    assert "is not numeric" not in line


def test_pipe_separated_file_is_told_its_delimiter(tmp_path, one_line_error):
    # Read as one column, it was called a text column to leave out.
    path = tmp_path / "pipes.csv"
    for text in ("a|b\n1.5|2\n3|4\n5|1\n", "1.5|2\n3|4\n5|1\n"):
        path.write_text(text)
        assert main(["fit", str(path), "-k", "1"]) == 2
        line = one_line_error("every line splits evenly on '|'", "--delimiter '|'")
        assert "not numeric" not in line
    assert main(["fit", str(path), "-k", "1", "--delimiter", "|", "-q"]) == 0


def test_header_without_the_row_names_column_is_named(tmp_path, one_line_error):
    # R's write.table writes no header for its column of row names: every row
    # has one field more than the header, reported as one ragged row.
    path = tmp_path / "from_r.csv"
    path.write_text('"a","b"\n"r1",1.5,2\n"r2",3,4\n"r3",5,1\n')
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("line 2", "one field more than the first", "--drop id")
    path.write_text('id,"a","b"\n"r1",1.5,2\n"r2",3,4\n"r3",5,1\n')
    assert main(["fit", str(path), "-k", "1", "--drop", "id", "-q"]) == 0


def test_row_index_without_a_header_is_refused(tmp_path, capsys, one_line_error):
    # pandas' to_csv writes its index (0, 1, ...) under an empty header cell,
    # R's write.csv its row names (1, 2, ...): both were modelled as a feature.
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(20, 2), rng.randn(20, 2) + 5]
    path = tmp_path / "pandas.csv"
    pd.DataFrame(X, columns=["a", "b"]).to_csv(path)
    assert main(["fit", str(path), "-k", "2"]) == 2
    one_line_error("column 1 has no header", "0, 1, ..., 39", "row index", "--drop 0")
    # The remedy runs, and extends a --drop already given.
    assert main(["fit", str(path), "-k", "2", "--drop", "0"]) == 0
    assert "40 rows x 2 features (a, b)" in capsys.readouterr().out
    assert main(["fit", str(path), "-k", "1", "--drop", "b"]) == 2
    one_line_error("--drop b,0")
    assert main(["fit", str(path), "-k", "1", "--columns", "a,b", "-q"]) == 0
    capsys.readouterr()
    path.write_text('"","a","b"\n"1",1.5,2\n"2",3,4\n"3",5,1\n')  # R's write.csv
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("holds 1, 2, 3: a row index", "--drop 0")
    # An unnamed first column that does not number the rows is data.
    path.write_text(",a,b\n3,1.5,2\n1,3,4\n2,5,1\n")
    assert main(["fit", str(path), "-k", "1", "-q"]) == 0
    assert "mean column 1" in capsys.readouterr().out
    # A frame without column names: its header ",0,1" was read as a row of
    # data (the index modelled as x0), and --drop 0 named the column "0".
    path.write_text(",0,1\n0,1.5,2\n1,3,4\n2,5,1\n3,2,2\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("column 1 has no header", "row index", "--drop 'column 1'")
    assert main(["fit", str(path), "-k", "1", "--drop", "column 1"]) == 0
    assert "4 rows x 2 features (0, 1)" in capsys.readouterr().out
    # Chosen by --columns, the column is the user's to model.
    assert main(["fit", str(path), "-k", "1", "-q", "--columns", "0,1"]) == 0
    capsys.readouterr()


def test_excel_separator_line_names_the_delimiter(tmp_path, one_line_error):
    # Excel's 'sep=;' first line was read as data ("column 1 is not numeric
    # (line 1 has 'sep=')"); it names the delimiter, and lines keep their
    # numbers in the file.
    path = tmp_path / "excel.csv"
    path.write_bytes(b'\xef\xbb\xbf"sep=;"\r\na;b\r\n1;2\r\n3;4\r\n5;1\r\n')
    data = read_csv(str(path))
    assert data.feature_names == ["a", "b"] and list(data.lines) == [3, 4, 5]
    path.write_text("sep=;\na;b\n1,5;2\n3;4\n5;1\n")
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("line 3, column 1 ('a') has '1,5'", "decimal commas")
    # --delimiter given wins over the line, which is skipped all the same.
    path.write_text("sep=,\na;b\n1;2\n3;4\n5;1\n")
    data = read_csv(str(path), delimiter=";")
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4], [5, 1]])
    path.write_text("sep=\t\na\tb\n1\t2\n3\t4\n")
    assert read_csv(str(path)).feature_names == ["a", "b"]
    path.write_text("sep=,\nx\n1,2.5\n2,3.5\n3,1.5\n")  # row names, no header
    assert main(["fit", str(path), "-k", "1"]) == 2
    one_line_error("line 3: expected 1 field", "id first on line 2")


@pytest.mark.parametrize(
    "text, fragments",
    [
        (
            "Measurements 2024\na,b\n1,2\n1.5,2.5\n3,0.5\n",
            ["line 2: expected 1 field", "line 1 ('Measurements 2024') is not part"],
        ),
        # The delimiter is sniffed from the table, not from the title.
        (
            "Measurements\na;b;c\n1;2;3\n1.5;2.5;3\n3;0.5;3\n",
            ["line 2: expected 1 field", "found 3", "header on line 2"],
        ),
        (
            "Station 4\nJune 2024\n\na\tb\tc\n1\t2\t3\n1.5\t2.5\t3\n",
            ["lines 1-2 are not part", "header on line 4", "tail -n +4"],
        ),
    ],
)
def test_title_before_the_header_is_named(text, fragments, tmp_path, one_line_error):
    # A title line before the header got the hint of a header without row
    # names (or none, or 'column 1 is not numeric'), whose --drop cannot help.
    path = tmp_path / "titled.csv"
    path.write_text(text)
    assert main(["fit", str(path), "-k", "1"]) == 2
    line = one_line_error(*fragments, "remove the line", f"{path} > data.csv")
    assert "--drop" not in line and "row names" not in line


def test_no_header_on_a_file_with_a_header_names_the_option(tmp_path, one_line_error):
    # The remedy was --columns or --drop, which leave the header row in.
    path = tmp_path / "h.csv"
    path.write_text("a,b\n1,2\n3,4\n5,1\n")
    assert main(["fit", str(path), "-k", "1", "--no-header"]) == 2
    line = one_line_error("line 1 looks like a header", "leave out --no-header")
    assert "--drop" not in line
    # A text column is still one, with or without the option.
    path.write_text("id,b\nx,1\ny,3\nz,5\n")
    assert main(["fit", str(path), "-k", "1", "--no-header"]) == 2
    line = one_line_error("column 1 is not numeric (line 1 has 'id')", "--drop")
    assert "looks like a header" not in line


def test_reading_holds_little_more_than_the_numbers(tmp_path):
    # Cells are converted a block of rows at a time: the whole file held as
    # lists of str and then as a numpy str array took 26 times the float64
    # values (125 MB here); the reader now keeps the text, X and the lines.
    import tracemalloc

    X = np.random.default_rng(0).normal(size=(200_000, 3))
    path = tmp_path / "big.csv"
    np.savetxt(path, X, fmt="%.5f", delimiter=",", header="a,b,c", comments="")
    tracing = tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        data = read_csv(str(path))
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if not tracing:
            tracemalloc.stop()
    np.testing.assert_allclose(data.X, X, atol=1e-5)
    assert data.lines[0] == 2 and data.lines[-1] == 200_001
    assert peak < 4 * data.X.nbytes, f"peak {peak / 1e6:.1f} MB"


_ROWS = "".join(f"{i},{i / 4}\n" for i in range(40))
_BIG_QUOTED = '"' + "x" * 140_000 + "\n"  # beyond the csv module's field limit
IN_BLOCKS = {
    "values": "a,b\n" + _ROWS + "1e309,-inf\n\n,\n" + _ROWS + ",\n\n",
    "late-text-in-first-column": "a,b\n" + _ROWS + "1,x\n" + _ROWS + "y,2\n",
    "late-decimal-comma": "a;b\n" + _ROWS.replace(",", ";") + "1,000;1\n2,5;3\n",
    "ragged-after-many": "a,b\n" + _ROWS + ",,,\n" + _ROWS,
    "ragged-empty-records-at-the-end": "a,b\n" + _ROWS + ",,,\n\n,,,,\n",
    "malformed-after-ragged": "a,b\n1,2,3\n" + _ROWS + _BIG_QUOTED,
    "malformed-after-text": "a,b\n1,x\n" + _ROWS + _BIG_QUOTED,
    "title-then-header": "Title\nsub\n\na,b\n" + _ROWS,
    "mac-line-ends": "a,b\r" + _ROWS.replace("\n", "\r") + "2,inf\r",
    "row-index": ",0\n" + "".join(f"{i},{i % 3}\n" for i in range(40)),
}


@pytest.mark.parametrize("case", list(IN_BLOCKS))
def test_blocks_of_a_few_rows_read_as_one(case, tmp_path, monkeypatch):
    # Blocks of 2 rows and text put through io.StringIO a few characters at
    # a time give the same data or the same message as one block.
    from gmm_estimators.cli import table

    path = tmp_path / "blocks.csv"
    path.write_text(IN_BLOCKS[case], newline="")

    def read():
        try:
            data = read_csv(str(path))
        except CLIError as exc:
            return str(exc)
        texts = {(int(i), int(j)): text for (i, j), text in data.texts.items()}
        return data.X.tobytes(), data.lines.tolist(), data.feature_names, texts

    whole = read()
    monkeypatch.setattr(table, "_BLOCK_CELLS", 3)
    monkeypatch.setattr(table, "_CHUNK", 5)
    assert read() == whole
    if case == "values":
        _, lines, _, texts = whole
        # The blank line 43 is skipped, the empty record on line 44 is a row;
        # those at the end are dropped.
        assert lines[40:43] == [42, 44, 45] and len(lines) == 82
        assert texts == {(40, 0): "1e309", (40, 1): "-inf"}
    elif case.startswith("malformed"):
        assert "malformed CSV (field larger than field limit" in whole
    elif case == "late-text-in-first-column":
        assert "column 1 ('a') is not numeric (line 83 has 'y')" in whole


def test_a_frame_written_without_its_index_keeps_its_header(tmp_path):
    # pd.DataFrame(X).to_csv(path, index=False), the remedy the CLI gives for
    # a row index, writes the header 0,1,2: it was read as a row of data.
    X = np.random.RandomState(0).randn(5, 3)
    path = tmp_path / "frame.csv"
    pd.DataFrame(X).to_csv(path, index=False)
    data = read_csv(str(path))
    assert data.named and data.feature_names == ["0", "1", "2"]
    np.testing.assert_allclose(data.X, X)
    # Whole numbers 0, 1, 2 above whole numbers are data (a 0/1/2 coding),
    # and one column of 0 is too.
    path.write_text("0,1,2\n2,0,1\n1,1,0\n")
    assert read_csv(str(path)).X.shape == (3, 3)
    path.write_text("0\n0.5\n1.5\n")
    assert read_csv(str(path)).X.shape == (3, 1)
