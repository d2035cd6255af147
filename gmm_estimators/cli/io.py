"""Reading data: CSV files, standard input and the bundled data.

A CSV file is read with :mod:`csv` a block of rows at a time; the columns to
model are chosen by name or 0-based index (``--columns``, ``--drop``) before
any number is parsed, so an identifier or label column never gets in the
way; only the chosen columns are converted, block by block, into one float64
array. A column that is not numeric is reported with its likely cause: a
wrong delimiter, decimal commas, or a text column to leave out.

Missing cells (empty, ``NA``, ``NaN``...) become NaN and infinite ones stay
infinite. The package's mixtures marginalise over missing values;
:func:`check_observed` refuses what they cannot use (a row with nothing
observed, a column empty in every row) by its line or header, and
:func:`report_missing` prints one note with the number of missing cells.
Whether an estimator accepts the values is its decision, and
:func:`explain_values` turns a refusal into an error naming the file, line
and column.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import io
import re
import shlex
import sys
from contextlib import contextmanager
from itertools import chain

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

from .columns import choose_columns, drop_item, drop_option
from .errors import PROG, CLIError, in_option_terms, one_line, refused_value, sentences
from .formatting import elided_names
from .table import (
    DECIMAL_COMMA,
    NUMBER_FORMATTING,
    count_lines,
    has_header,
    is_number,
    read_numbers,
    table_blocks,
)
from .text import read_text

__all__ = [
    "BUNDLED",
    "Dataset",
    "check_observed",
    "explain_values",
    "load_data",
    "read_csv",
    "report_missing",
]

BUNDLED = "the bundled Old Faithful data"
#: The field separators detected, and how an option names each.
DELIMITERS = {",": "','", ";": "';'", "\t": "tab"}
# Numbers that read as well with thousands separators: 1,000 or 12,345,678.
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")
# Excel's first line naming the separator, as some of its exports write it.
_EXCEL_SEPARATOR = re.compile(r'"?sep=([^\r\n])"?[ \t]*(?=[\r\n]|\Z)', re.IGNORECASE)
_UNCLOSED_QUOTE = (
    '; a quote (") there is not closed, so the lines after it were read as '
    "one field: close or remove it"
)


class Dataset:
    """Numeric data to model, with where each value came from.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
        The values (float64); NaN where a cell was missing.
    feature_names : list of str
        Names of the columns of ``X``: the header's, or ``x0, x1, ...``.
    source : str
        The file name (or a description such as :data:`BUNDLED`).
    named : bool
        True if ``feature_names`` come from the data (a header row or the
        bundled data set), False if they were made up.
    columns : list of int, default=None
        For a file: the 0-based column of the file holding each feature.
    lines : ndarray of int, default=None
        For a file: the line of the file holding each row.
    file_names : list of str, default=None
        The names of all the columns of the file or bundled data, chosen or not.
    texts : dict, default=None
        For a file: the text of each infinite cell, by its ``(row, feature)``.
    """

    def __init__(
        self,
        X,
        feature_names,
        source,
        *,
        named,
        columns=None,
        lines=None,
        file_names=None,
        texts=None,
    ):
        self.X = X
        self.feature_names = list(feature_names)
        self.source = source
        self.named = named
        self.columns = columns
        self.lines = lines
        self.file_names = file_names
        self.texts = texts or {}

    def describe(self):
        n, d = self.X.shape
        names = ", ".join(elided_names(self.feature_names))
        return (
            f"Data: {self.source}: {n} row{'s' if n != 1 else ''} x {d} "
            f"feature{'s' if d != 1 else ''} ({names})"
        )

    def column(self, j):
        """How the messages name feature ``j``: ``column 3 ('c')``."""
        if self.columns is None:
            return f"feature {self.feature_names[j]!r}"
        number = self.columns[j] + 1
        if not self.named:
            return f"column {number}"
        return f"column {number} ({self.feature_names[j]!r})"

    def first_non_finite(self, *, infinite=False):
        """Where the first missing or infinite value is (``infinite``: the
        first infinite one) and what it is, or None."""
        bad = np.isinf(self.X) if infinite else ~np.isfinite(self.X)
        if not bad.any():
            return None
        i, j = np.argwhere(bad)[0]
        where = self.source
        if self.lines is not None:
            where += f", line {self.lines[i]}"
        value = self.X[i, j]
        if np.isnan(value):
            return f"{where}, {self.column(j)}: missing value"
        # As the file has it: '1e309' overflows, and 'inf' reads the same.
        text = self.texts.get((i, j), str(value))
        what = (
            "an infinite value"
            if text.lstrip("+-").lower() in ("inf", "infinity")
            else "a number beyond the range of a 64-bit float (about 1.8e308)"
        )
        return f"{where}, {self.column(j)} has {text!r}: {what}"


@contextmanager
def explain_values(data, action):
    """Report an estimator's ``ValueError`` on ``data`` in the data's terms.

    The estimator decides what it accepts. If it refuses the data and they
    hold a missing (NaN) or infinite value, the error names the first such
    value's line and column, quoting an infinite cell as the file has it,
    and for a missing one the estimator's reason; any other
    ``ValueError`` is reported as ``cannot <action> <source>: <message>``.
    numpy's floating-point warnings are not printed: scikit-learn's check of
    the values sums them, and ``inf`` with ``-inf`` would warn before the
    error that names the cell.
    """
    try:
        with np.errstate(invalid="ignore"):
            yield
    except ValueError as exc:
        text = str(exc)
        # Only a refusal of the values themselves is blamed on the first
        # missing or infinite cell (not a bad option on data with some NaN:
        # scikit-learn's parameter errors quote the option's value, 'nan').
        # Quoted words are the user's own values (an option given as 'nan').
        bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", text).lower()
        about_values = not isinstance(exc, InvalidParameterError) and any(
            word in bare for word in ("nan", "missing", "infinit", "inf ")
        )
        infinite = "infinit" in text.lower() and np.isinf(data.X).any()
        where = data.first_non_finite(infinite=infinite) if about_values else None
        if where is None:
            message = in_option_terms(one_line(exc))
            raise CLIError(f"cannot {action} {data.source}: {message}") from None
        # The estimator's reason for a missing value; an infinite one needs
        # none (scikit-learn's speaks of dtype('float64')).
        reason = f" ({sentences(exc)})" if where.endswith("missing value") else ""
        raise refused_value(where, reason) from None


def check_observed(data, *, fitting, drop=None):
    """Refuse rows without any value and, to fit a model, empty columns.

    A row with every chosen cell missing carries no information; a column
    missing in every row has no distribution to estimate. Both are named by
    their line or header, with the remedy (``--drop`` for a column, extended
    with the ``--drop`` already given).
    """
    missing = np.isnan(data.X)
    if not missing.any():
        return
    empty = np.flatnonzero(missing.all(axis=0)) if fitting else []
    if len(empty):
        several = len(empty) > 1
        items = ",".join(drop_item(data, j) for j in empty)
        if drop:
            items = f"{drop},{items}"
        raise CLIError(
            f"{data.source}: {', '.join(data.column(j) for j in empty)} "
            f"{'are' if several else 'is'} empty (missing in every row), so "
            f"{'their distributions' if several else 'its distribution'} cannot be "
            f"estimated; leave {'them' if several else 'it'} out with "
            f"{drop_option(items)}"
        )
    rows = np.flatnonzero(missing.all(axis=1))
    if len(rows):
        lines = [str(data.lines[i]) for i in rows[:5]] if data.lines is not None else []
        listed = ", ".join(lines) + (
            f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        )
        raise CLIError(
            f"{data.source}, line{'s' if len(rows) > 1 else ''} {listed}: no value "
            "in any column modelled (every cell missing); remove such rows, which "
            "carry no information"
        )


def report_missing(data, *, quiet=False):
    """One note on stderr saying how many cells were missing and what that means."""
    missing = np.isnan(data.X)
    n_cells = int(missing.sum())
    if quiet or not n_cells:
        return
    n_rows, total = int(missing.any(axis=1).sum()), missing.shape[0]
    print(
        f"{PROG}: note: {data.source}: {n_cells} missing cell"
        f"{'s' if n_cells > 1 else ''} (empty, NA, ...) in {n_rows} of {total} "
        f"row{'s' if total > 1 else ''}, treated as missing values and "
        "marginalised out (each row counts through its observed values)",
        file=sys.stderr,
    )


def load_data(path, *, delimiter=None, columns=None, drop=None, header=None):
    """The data of a command: a CSV file, standard input (``-``) or the bundled data.

    Parameters
    ----------
    path : str or None
        File name, ``"-"`` for standard input, None for the bundled Old
        Faithful data.
    delimiter : str, default=None
        Field separator; detected among comma, semicolon and tab if None.
    columns, drop : str, default=None
        Comma-separated names or 0-based indices of the columns to keep, and
        of those to leave out (applied after ``columns``).
    header : bool or list of str, default=None
        Whether the first row names the columns; detected if None. A list
        (a model's features): detected, or a first row holding these names.

    Returns
    -------
    data : Dataset
    """
    if path is not None:
        options = dict(delimiter=delimiter, columns=columns, drop=drop, header=header)
        return read_csv(path, **options)
    from ..datasets import load_old_faithful

    bunch = load_old_faithful()
    names = list(bunch.feature_names)
    chosen = choose_columns(names, columns, drop, BUNDLED)
    X = np.asarray(bunch.data, dtype=np.float64)[:, chosen]
    chosen_names = [names[j] for j in chosen]
    return Dataset(X, chosen_names, BUNDLED, named=True, file_names=names)


def _in_order(names, cells):
    """Whether ``names`` appear among ``cells`` in the same order."""
    remaining = iter(cells)
    return all(name in remaining for name in names)


def _sniff(head):
    """The delimiter among comma, semicolon and tab; comma if none stands out.

    Lines before the table with none of them (a title) are sniffed only if
    the whole fails.
    """
    lines = head.splitlines(keepends=True)
    has_one = (any(c in line for c in ",;\t") for line in lines)
    table = next((i for i, found in enumerate(has_one) if found), 0)
    for start in dict.fromkeys((0, table)):
        try:
            return (
                csv.Sniffer().sniff("".join(lines[start:]), delimiters=",;\t").delimiter
            )
        except csv.Error:
            pass
    return ","


def read_csv(path, *, delimiter=None, columns=None, drop=None, header=None):
    """Read the chosen columns of a CSV file as numbers.

    Parameters
    ----------
    path : str
        File name, or ``"-"`` for standard input.
    delimiter : str, default=None
        Field separator; if None, the one a first line such as Excel's
        ``sep=;`` names, or else detected among comma, semicolon and tab.
        A ``sep=`` line is skipped either way.
    columns, drop, header : default=None
        See :func:`load_data`.

    Returns
    -------
    data : Dataset
        The values (float64; NaN for missing cells), the column names (from
        the header row if there is one, else ``x0, x1, ...``) and where each
        value came from.

    Raises
    ------
    CLIError
        If the file cannot be read, is empty, ragged or has no data rows,
        if a column is unknown, or if a chosen column is not numeric.
    """
    text, source = read_text(path)
    given = delimiter is not None
    excel = _EXCEL_SEPARATOR.match(text)
    if excel:
        # Blanked, not removed, so that lines keep their numbers.
        text = text[excel.end() :]
        delimiter = delimiter or excel.group(1)
    if delimiter is None:
        delimiter = _sniff(text[:65536])
    blocks = table_blocks(text, delimiter, source)
    first_lines, first_rows = next(blocks, ([], []))
    if not first_rows:
        raise CLIError(f"{source} contains no data")
    first = first_rows[0]
    n_columns = len(first)
    named = header if isinstance(header, bool) else has_header(first_rows)
    # Names that look like numbers (years): printed once the file is read.
    in_order = not named and bool(header) and _in_order(header, first)
    named = named or in_order
    unnamed_first = named and not first[0]
    skip = 1 if named else 0
    if named:
        names = [cell or f"column {j + 1}" for j, cell in enumerate(first)]
    else:
        names = [f"x{j}" for j in range(n_columns)]
    try:  # reported after the errors of the file's shape, as they come first
        chosen, refusal = _chosen_columns(names, columns, drop, source), None
    except CLIError as exc:
        chosen, refusal = [], exc
    # Converted a block of rows at a time: only a block's strings are held.
    head, header_line = first_rows[:2], first_lines[0]
    blocks = chain([(first_lines[skip:], first_rows[skip:])], blocks)
    del first_lines, first_rows
    X, lines, bad, texts, ragged = read_numbers(
        blocks, n_columns, chosen, count_lines(text), _keep_bad
    )
    if ragged is not None:
        line, cells = ragged
        again = table_blocks(text, delimiter, source)
        hint = _ragged_hint(again, line, cells, source, delimiter)
        raise CLIError(
            f"{source}, line {line}: expected {n_columns} field"
            f"{'s' if n_columns != 1 else ''} like the first "
            f"row, found {len(cells)}{hint}"
        )
    if in_order:
        # The same cells could be a row of data: say which was read.
        print(
            f"{PROG}: note: {source}: line {header_line} ({', '.join(first)}) "
            "holds the "
            "model's feature names in order and is read as a header; pass "
            "--no-header if it is a row of data",
            file=sys.stderr,
        )
    if not len(lines):
        raise CLIError(f"{source} has a header ({', '.join(names)}) but no data rows")
    if refusal is not None:
        raise refusal
    data = Dataset(
        X,
        [names[j] for j in chosen],
        source,
        named=named,
        columns=chosen,
        lines=lines,
        file_names=names,
        texts=texts,
    )
    for k in sorted(bad):
        if header is False and {i for i, _ in bad[k]} == {0} and has_header(head):
            raise CLIError(
                f"{source}: {data.column(k)} is not numeric (line {lines[0]} has "
                f"{bad[k][0][1]!r}): line {lines[0]} looks like a header, which "
                "--no-header reads as a row of data; leave out --no-header"
            )
        raise _non_numeric(data, k, bad[k], text, delimiter, given)
    if unnamed_first and columns is None:  # not when chosen by --columns
        _refuse_row_index(data, drop)
    return data


def _chosen_columns(names, columns, drop, source):
    """The columns to read (:func:`choose_columns`), whose names differ."""
    chosen = choose_columns(names, columns, drop, source)
    chosen_names = [names[j] for j in chosen]
    duplicated = sorted({n for n in chosen_names if chosen_names.count(n) > 1})
    if duplicated:
        raise CLIError(
            f"{source} has several columns named {', '.join(map(repr, duplicated))}; "
            "rename them, or choose one with --columns (0-based indices)"
        )
    return chosen


def _keep_bad(kept, found):
    """Add to a column's non-numeric cells kept those of ``found`` that tell.

    The first, the first past the first row, the first decimal comma and
    the first that is not also a thousands separator are all that the
    messages (:func:`_non_numeric`) read, and a text column holds many.
    """
    for i, cell in found:
        commas = [c for _, c in kept if DECIMAL_COMMA.fullmatch(c)]
        comma = DECIMAL_COMMA.fullmatch(cell)
        if (
            not kept
            or (i and all(row == 0 for row, _ in kept))
            or (comma and not commas)
            or (
                comma
                and not _THOUSANDS.fullmatch(cell)
                and all(_THOUSANDS.fullmatch(c) for c in commas)
            )
        ):
            kept.append((i, cell))


def _ragged_hint(blocks, line, cells, source, delimiter):
    """What likely made the row of ``cells`` on ``line`` differ from the first.

    A quote left open, a decimal comma in a one-column file, a ``#`` comment
    line, lines of one field (a title) before a header, or a header without
    the column of row names. ``blocks`` are the table's (:func:`table_blocks`)
    read again: of rows past the first of more than one field, only their
    lengths are looked at.
    """
    rows = ((n, row) for block in blocks for n, row in zip(*block, strict=True))
    first_line, first = next(rows)
    n_columns = len(first)
    if any("\n" in cell for cell in cells):
        return _UNCLOSED_QUOTE
    # One column, then a comma between digits: a decimal comma.
    if (
        delimiter == ","
        and n_columns == 1
        and any(
            DECIMAL_COMMA.fullmatch(f"{a},{b}")
            for a, b in zip(cells, cells[1:], strict=False)
        )
    ):
        return (
            "; if ',' is a decimal comma there, convert decimal commas to "
            "points (e.g. with your spreadsheet's export settings)"
        )
    firsts = ((first_line, first), (line, cells))
    comment = [n for n, row in firsts if row[0].startswith("#")]
    if comment:
        # CSV has no comments: '# written by ...' is a row of its own.
        remedy = _filter_command(source, "grep -v '^#'")
        return (
            f"; line {comment[0]} starts with '#', a comment, which CSV does not "
            f"have: remove such lines (e.g. {remedy})"
        )
    # From the first row of more than one field: its index and line, the line
    # before it, its first two rows, and whether all rows from it have as
    # many fields; and whether all rows but the first have one field more.
    start, before, rest = (
        (0, None, [first]) if n_columns > 1 else (None, first_line, [])
    )
    even = one_more = True
    for i, (n, row) in enumerate(rows, 1):
        one_more = one_more and len(row) == n_columns + 1
        if start is None and len(row) > 1:
            start, start_line = i, n
        if start is None:
            before = n
            continue
        if len(rest) < 2:
            rest.append(row)
        even = even and len(row) == len(rest[0])
    # A title (lines of one field) before a header: no option leaves it out.
    if start and has_header(rest) and even:
        what = (
            f"line {first_line} ({first[0]!r}) is"
            if start == 1
            else (f"lines {first_line}-{before} are")
        )
        remedy = _filter_command(source, f"tail -n +{start_line}")
        return (
            f"; {what} not part of the table, which starts with its header on "
            f"line {start_line}: remove the line{'s' if start > 1 else ''} "
            f"before the header (e.g. {remedy})"
        )
    if one_more:
        # R's write.table: a header without the column of row names.
        return (
            "; every other row has one field more than the first, as when "
            "row names have no header: name that column (a name such as "
            f"id first on line {first_line}) and leave it out with --drop id"
        )
    return ""


def _filter_command(source, command):
    """How to run a filter ``command`` on the data: ``command FILE > data.csv``."""
    if source == "standard input":
        return f"{command} FILE > data.csv"
    return f"{command} {shlex.quote(source)} > data.csv"


def _refuse_row_index(data, drop):
    """Refuse a first column, without a header, that numbers the rows.

    pandas' ``to_csv`` writes its index so (0, 1, 2, ...), and R's
    ``write.csv`` its row names (1, 2, 3, ...): modelled, such a column
    would be a feature that only says where a row is in the file.
    """
    if 0 not in data.columns:  # left out already
        return
    values = data.X[:, data.columns.index(0)]
    n = len(values)
    if not any(np.array_equal(values, np.arange(a, a + n)) for a in (0, 1)):
        return
    shown = [str(int(v)) for v in values]
    if n > 3:
        shown[1:-1] = [shown[1], "..."]
    # By name where a column is named "0" (pandas' first unnamed column),
    # which --drop 0 would mean.
    index = "column 1" if "0" in data.file_names else "0"
    item = f"{drop},{index}" if drop else index
    raise CLIError(
        f"{data.source}: column 1 has no header and holds {', '.join(shown)}: "
        "a row index (as pandas' to_csv and R's write.csv write it), not a "
        f"feature; leave it out with {drop_option(item)}, or write the "
        "file without it (to_csv(..., index=False), write.csv(..., "
        "row.names=FALSE))"
    )


def _non_numeric(data, j, bad, text, delimiter, given):
    """The error for a column with non-numeric cells, naming the likely cause.

    A cell holding another usual separator (or a space, when each line was
    read as one field), when every line splits on it into as many fields,
    means the delimiter is wrong; a cell such as ``0,5``
    means a decimal comma; anything else is a text column.
    """
    i, cell = bad[0]
    if "\n" in cell:
        return CLIError(
            f"{data.source}, line {data.lines[i]}, {data.column(j)} has a field "
            f"running over several lines ({cell.splitlines()[0]!r}...)"
            f"{_UNCLOSED_QUOTE}"
        )
    candidates = dict(DELIMITERS)
    if len(data.file_names) == 1:
        # Whole lines read as one field: a space-separated file, such as
        # numpy.savetxt writes by default. Only then, since a text column
        # ("New York") may hold one space on every line of a real CSV. So
        # is a file separated by pipes, as database exports are.
        candidates.update({" ": "' '", "|": "'|'"})
    for other, option in candidates.items():
        if other != delimiter and other in cell and _splits_evenly(text, other):
            shown = candidates.get(delimiter, repr(delimiter))
            used = (
                f"--delimiter {shown}" if given else f"the detected delimiter {shown}"
            )
            return CLIError(
                f"{data.source}: {used} looks wrong: line {data.lines[i]} has the "
                f"field {cell!r}, and every line splits evenly on {option}; use "
                f"--delimiter {option}"
            )
    if len(data.file_names) == 1 and _splits_on_blank_runs(text):
        convert = "awk -v OFS=, '{$1=$1; print}'"
        if data.source == "standard input":
            how = f"... | {convert} | {PROG} ... -"
        else:
            how = f"{convert} {shlex.quote(data.source)} > data.csv"
        return CLIError(
            f"{data.source}: its columns are separated by blanks (aligned "
            "columns of fixed-width exports, or R's write.table output), which "
            "a one-character --delimiter does not read here; convert it to "
            f"CSV first, e.g. {how}"
        )
    commas = [(i, cell) for i, cell in bad if DECIMAL_COMMA.fullmatch(cell)]
    if commas:
        i, cell = commas[0]
        if all(_THOUSANDS.fullmatch(cell) for _, cell in commas):
            # '1,000' reads as a thousands separator as well as a decimal comma.
            return CLIError(
                f"{data.source}, line {data.lines[i]}, {data.column(j)} has "
                f"{cell!r}: a comma in a number is not read; if it separates "
                "thousands, remove it (1,000 -> 1000); if it is a decimal comma, "
                "convert it to a point (1,5 -> 1.5), e.g. in your spreadsheet's "
                "export settings"
            )
        how = "your spreadsheet's export settings"
        if delimiter != "," and data.source != "standard input":
            # 1.234,5: the thousands points go first, then the comma.
            script = "s/,/./g"
            if any("." in cell for _, cell in commas):
                script = r"s/\.//g; s/,/./g"
            source = shlex.quote(data.source)
            how = f"sed '{script}' {source} > fixed.csv, or {how}"
        return CLIError(
            f"{data.source}, line {data.lines[i]}, {data.column(j)} has {cell!r}: "
            f"decimal commas are not read; convert them to points (e.g. with {how})"
        )
    plain = cell.translate(NUMBER_FORMATTING)
    if any(c.isdigit() for c in cell) and is_number(plain):
        # 1,234.5  1 234  12%  $5  -1.5 with a Unicode minus: a number
        # formatted for reading, not text.
        return CLIError(
            f"{data.source}, line {data.lines[i]}, {data.column(j)} has {cell!r}: "
            "numbers with thousands separators, units or signs such as % $ or "
            f"the Unicode minus are not read; write plain numbers ({plain}), e.g. "
            "in your spreadsheet's export settings, or leave this column out "
            f"with {drop_option(drop_item(data, j))}"
        )
    drop = drop_option(drop_item(data, j))
    return CLIError(
        f"{data.source}: {data.column(j)} is not numeric (line {data.lines[i]} "
        f"has {cell!r}{_python_number_hint(cell)}); choose numeric columns with "
        f"--columns or leave this one out with {drop}"
    )


def _python_number_hint(cell):
    """Why a cell that Python's float() would read is not a number here."""
    try:
        float(cell)
    except ValueError:
        return ""
    if "_" in cell:
        return ": underscores are not read in numbers"
    return ": only the digits 0-9 are read in numbers"


def _splits_on_blank_runs(text):
    """Whether the lines split on runs of blanks into columns of numbers.

    Every line after the first into as many fields (more than one), whose
    last two are numbers on every such line (a column of city names such as
    "New York" is text, not two columns); the first line (a header) into as
    many fields or one fewer: R's ``write.table`` writes its row names
    without a header.
    """
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or len({len(fields) for fields in lines[1:]}) != 1:
        return False
    width = len(lines[1])
    if width < 2 or len(lines[0]) not in (width, width - 1):
        return False
    try:
        for fields in lines[1:]:
            for field in fields[-2:]:
                float(field.strip('"'))
    except ValueError:
        return False
    return True


def _splits_evenly(text, delimiter):
    """Whether every non-blank line has the same number (>1) of fields."""
    counts = set()
    try:
        for row in csv.reader(io.StringIO(text, newline=None), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                counts.add(len(row))
                if len(counts) > 1:
                    return False
    except csv.Error:
        return False
    return len(counts) == 1 and counts.pop() > 1
