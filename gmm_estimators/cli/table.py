"""A CSV table's rows, read a block at a time, and its cells as numbers."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import io
import re
from itertools import chain
from operator import itemgetter

import numpy as np

from .errors import CLIError

__all__ = [
    "DECIMAL_COMMA",
    "MISSING_TOKENS",
    "count_lines",
    "csv_float",
    "has_header",
    "is_number",
    "numeric_block",
    "read_numbers",
    "table_blocks",
]

#: Cells read as missing (lower case): pandas' default markers, Excel's
#: (``#N/A``) among them, and ``?``.
MISSING_TOKENS = (
    "", "na", "nan", "n/a", "null", "none", "?", "#n/a", "#n/a n/a", "#na",
    "<na>", "-nan", "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan",
)  # fmt: skip
#: What formats a number for reading: separators, units, a typographic minus.
NUMBER_FORMATTING = str.maketrans(
    {"\u2212": "-", **{c: None for c in ", '\u00a0\u202f%$\u20ac\u00a3"}}
)
#: A number written with a decimal comma: 0,5 or -1.234,5 or 2,5e3.
DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+(?:[eE][+-]?\d+)?")
#: Cells of a block of rows, whose strings are all that is held of them at a
#: time (small blocks are also read faster than large ones).
_BLOCK_CELLS = 1 << 11
#: Characters of text put through one io.StringIO at a time (4 bytes each there).
_CHUNK = 1 << 18


def csv_float(cell):
    """``float(cell)`` for a number as a CSV file writes it, else ValueError.

    Python reads digit-group underscores (PEP 515) and any Unicode decimal
    digit, so ``2023_01`` would be 202301 and ``\uff15`` 5; R's read.csv,
    pandas and spreadsheets read such cells as text, and so does this.
    """
    if "_" in cell or not cell.isascii():
        raise ValueError(f"not a number in a CSV file: {cell!r}")
    return float(cell)


def is_number(cell, formatted=False):
    """A number, a missing cell, or a number written with a decimal comma.

    Only for detecting a header: a decimal comma is reported when the column
    is converted (``io._non_numeric``). ``formatted`` also takes a number
    formatted for reading (thousands separators ``5,941.72``, units ``50%``):
    below a header (taken for text there, they made the header a row of
    data, blamed for not being numeric), not in it (``5%,50%,95%`` names
    columns).
    """
    try:
        csv_float(cell)
    except ValueError:
        if cell.lower() in MISSING_TOKENS or DECIMAL_COMMA.fullmatch(cell):
            return True
        return formatted and _formatted_number(cell)
    return True


def _formatted_number(cell):
    """Whether ``cell`` is a number once its formatting is taken out."""
    if not any(c.isdigit() for c in cell):
        return False
    try:
        csv_float(cell.translate(NUMBER_FORMATTING))
    except ValueError:
        return False
    return True


def has_header(rows):
    """A first row with a text cell where the second row has a number (or none).

    Or pandas' header of a frame without column names: an empty index cell,
    then 0, 1, 2, ... (``pd.DataFrame(array).to_csv(path)``), or without the
    index (``to_csv(path, index=False)``, the remedy a row index is given):
    0, 1, 2, ... above a row that is not all whole numbers.
    """
    first = rows[0]
    if not first[0] and first[1:] == [str(j) for j in range(len(first) - 1)]:
        return True
    if (
        len(first) > 1
        and len(rows) > 1
        and first == [str(j) for j in range(len(first))]
        and not all(cell.strip().lstrip("+-").isdigit() for cell in rows[1])
    ):
        return True
    if len(rows) == 1:
        return not all(is_number(cell) for cell in first)
    second = rows[1]
    return any(
        not is_number(a) and is_number(b, formatted=True)
        for a, b in zip(first, second, strict=False)
    )


def _plain(cells):
    """Whether no cell of ``cells`` (str, or tuples of str) is one csv_float refuses."""
    if cells and not isinstance(cells[0], str):
        cells = map("".join, cells)
    text = "".join(cells)
    return text.isascii() and "_" not in text


def count_lines(text):
    """The number of lines of ``text`` (universal newlines): no table has more rows."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def _lines(text):
    """The lines of ``text`` as ``io.StringIO(text, newline=None)`` gives them.

    Universal newlines: old Mac files end their lines with CR alone. The
    text goes through it in pieces of about :data:`_CHUNK` characters
    that end with a line, since its buffer holds 4 bytes a character.
    """

    def pieces():
        start = 0
        while start < len(text):
            at = start + _CHUNK
            lf = text.find("\n", at)
            cr = text.find("\r", at, len(text) if lf < 0 else lf)
            if cr >= 0:  # a line that ends with CR, or with CR LF
                end = cr + 2 if text.startswith("\n", cr + 1) else cr + 1
            else:
                end = len(text) if lf < 0 else lf + 1
            yield io.StringIO(text[start:end], newline=None)
            start = end

    return chain.from_iterable(pieces())


def table_blocks(text, delimiter, source):
    """A CSV table's rows, stripped, as ``(lines, rows)`` a block at a time.

    ``lines`` holds the file line where each row starts. A blank line is
    skipped; a record of empty cells (``,,``) is a row of missing values,
    kept between rows so that predict's output stays one row per data row
    (before and after them, dropped). A block has 2 rows or more, and about
    :data:`_BLOCK_CELLS` cells if its rows are as long as the first.
    """
    reader = csv.reader(_lines(text), delimiter=delimiter)
    lines, rows, filled, size, start = [], [], 0, None, 1
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append(cells)
                lines.append(start)  # where the record starts
                filled = len(rows)  # empty records after it may end the table
                size = size or max(2, _BLOCK_CELLS // len(cells))
                if filled >= size:
                    yield lines, rows
                    lines, rows, filled = [], [], 0
            elif len(cells) > 1 and size:
                rows.append(cells)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CLIError(
            f"{source}, line {reader.line_num}: malformed CSV ({exc})"
        ) from None
    if filled:
        yield lines[:filled], rows[:filled]


def read_numbers(blocks, n_columns, chosen, capacity, keep_bad):
    """The chosen columns of the rows of ``blocks`` as float64, a block at a time.

    A row of other than ``n_columns`` fields stops the conversion, but the
    blocks are read to their end: a malformed record further on comes first.

    Parameters
    ----------
    blocks : iterable of (list of int, list of list of str)
        The data rows (:func:`table_blocks` without the header).
    n_columns : int
        The fields of a row.
    chosen : list of int
        The columns to convert.
    capacity : int
        No fewer than the rows (:func:`count_lines`).
    keep_bad : callable
        ``keep_bad(kept, found)`` adds to the list ``kept`` of a column's
        non-numeric cells those of ``found`` (row, text) that the messages read.

    Returns
    -------
    X : ndarray of shape (n_rows, len(chosen))
    lines : ndarray of shape (n_rows,)
        The line where each row starts.
    bad : dict
        The non-numeric cells kept of each column (its index in ``chosen``).
    texts : dict
        The text of each infinite cell, by its (row, index in ``chosen``).
    ragged : tuple or None
        The line and cells of the first row of other than ``n_columns`` fields.
    """
    X = np.empty((capacity, len(chosen)))
    lines = np.empty(capacity, dtype=np.int64)
    n, bad, texts, ragged = 0, {}, {}, None
    for block_lines, rows in blocks:
        if ragged is None and rows and set(map(len, rows)) != {n_columns}:
            ragged = next(
                (line, cells)
                for line, cells in zip(block_lines, rows, strict=True)
                if len(cells) != n_columns
            )
        if ragged is not None:
            continue
        stop = n + len(rows)
        lines[n:stop] = block_lines
        if chosen:
            X[n:stop], found, infinite = numeric_block(rows, chosen)
            for k, cells in found.items():
                keep_bad(bad.setdefault(k, []), [(n + i, cell) for i, cell in cells])
            texts.update(((n + i, k), cell) for i, k, cell in infinite)
        n = stop
    if n < 0.9 * capacity:  # many lines were not rows (blank, multi-line cells)
        return X[:n].copy(), lines[:n].copy(), bad, texts, ragged
    return X[:n], lines[:n], bad, texts, ragged


def numeric_block(rows, chosen):
    """The ``chosen`` cells of ``rows`` as float64 (NaN where missing), and odd ones.

    Returns
    -------
    values : ndarray of shape (len(rows), len(chosen))
    bad : dict
        The row and text of each cell that is neither a number nor missing,
        in a list for each column with any (its index in ``chosen``).
    infinite : list of (int, int, str)
        The row, column and text of each infinite value.
    """
    shape = (len(rows), len(chosen))
    cells = list(map(itemgetter(*chosen), rows))
    try:  # all numbers, as is usual
        if not _plain(cells):
            raise ValueError("a cell that csv_float refuses")
        values = np.array(cells, dtype=np.float64).reshape(shape)
    except ValueError:
        pass
    else:
        infinite = np.argwhere(np.isinf(values)).tolist()
        return values, {}, [(i, k, rows[i][chosen[k]]) for i, k in infinite]
    # Missing or non-numeric cells: read as numpy's strings (trailing NULs
    # dropped), a cell at a time in a block where csv_float refuses one.
    cells = np.array(cells, dtype=str).reshape(shape)
    missing = np.isin(np.char.lower(cells), MISSING_TOKENS)
    bad = {}
    try:
        if not _plain(cells.ravel().tolist()):
            raise ValueError("a cell that csv_float refuses")
        values = np.where(missing, "nan", cells).astype(np.float64)
    except ValueError:
        values = np.full(shape, np.nan)
        for k in range(shape[1]):
            for i in np.flatnonzero(~missing[:, k]).tolist():
                try:
                    values[i, k] = csv_float(str(cells[i, k]))
                except ValueError:
                    bad.setdefault(k, []).append((i, str(cells[i, k])))
    infinite = np.argwhere(np.isinf(values)).tolist()
    return values, bad, [(i, k, str(cells[i, k])) for i, k in infinite]
