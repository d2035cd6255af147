"""The text of a data file: its bytes read and decoded as UTF-8.

What is not UTF-8 text is named with the remedy: a gzip-compressed file, a
spreadsheet workbook, UTF-16 text, a binary file (a model given as data, a
NumPy array), or another encoding (Latin-1).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import shlex
import sys

from .errors import CLIError

__all__ = ["read_text"]


def read_text(path):
    """The text of a file or of standard input: UTF-8, byte-order mark dropped."""
    source = "standard input" if path == "-" else path
    try:
        if path == "-":
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:  # a text stream (tests, embedding programs)
                return sys.stdin.read(), source
            raw = buffer.read()
        else:
            with open(path, "rb") as file:
                raw = file.read()
    except FileNotFoundError:
        raise CLIError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or exc}") from None
    return _decode(raw, path, source), source


def _decode(raw, path, source):
    """Bytes as UTF-8 text, or an error that says how to convert them."""
    if raw[:2] == b"\x1f\x8b":
        # gunzip names its output by dropping .gz; another name it refuses.
        remedy = (
            "gunzip -c FILE | ..."
            if path == "-"
            else f"gunzip -k {shlex.quote(path)}"
            if path.endswith(".gz")
            else f"gunzip -c {shlex.quote(path)} > plain.csv"
        )
        raise CLIError(
            f"cannot read {source}: it is gzip-compressed; decompress it first "
            f"(e.g. {remedy})"
        )
    convert = (
        "pipe it through iconv -f latin1 -t utf-8"
        if path == "-"
        else f"iconv -f latin1 -t utf-8 {shlex.quote(path)} > utf8.csv"
    )
    # A workbook (.xlsx and .ods are ZIP archives, .xls an OLE2 file) holds
    # bytes that are not UTF-8: without this, the advice would be iconv.
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise CLIError(
            f"cannot read {source}: it is a spreadsheet workbook (Excel or "
            "OpenDocument) or another archive, not a CSV text file; export the "
            "sheet as CSV first (e.g. 'Save As' > 'CSV UTF-8' in your spreadsheet)"
        )
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or _utf16_without_mark(raw[:4096]):
        raise CLIError(
            f"cannot read {source}: it is UTF-16 text, not a UTF-8 text (CSV) "
            "file; re-save it as UTF-8 (e.g. 'CSV UTF-8' in your spreadsheet's "
            "export settings)"
        )
    if b"\x00" in raw[:4096]:
        # A model file given as data, a NumPy array, any other binary file.
        kind = "a binary file"
        remedy = "give the data as comma-, semicolon- or tab-separated UTF-8 text"
        if raw[:1] == b"\x80" and raw[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            kind = "a Python pickle (a saved model?)"
            remedy = "give a model with --model MODEL.joblib, and the data as CSV"
        elif raw[:6] == b"\x93NUMPY":
            kind = "a NumPy .npy file"
            remedy = (
                "write the array as CSV first (numpy.savetxt(FILE, X, delimiter=','))"
            )
        raise CLIError(
            f"cannot read {source}: it is {kind}, not a CSV text file; {remedy}"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CLIError(
            f"cannot read {source}: not a UTF-8 text (CSV) file (line {line} has "
            f"the byte 0x{raw[exc.start]:02x}); re-save it as UTF-8 (for a "
            f"Latin-1 file: {convert})"
        ) from None


def _utf16_without_mark(head):
    """UTF-16 text without its byte-order mark: every other byte of ASCII is 0.

    The zero bytes of other binary files fall on both parities.
    """
    head = head[: len(head) // 2 * 2]
    if b"\x00" not in head:
        return False
    even, odd = head[0::2], head[1::2]
    return max(even.count(0), odd.count(0)) >= 0.9 * len(even) and min(
        even.count(0), odd.count(0)
    ) <= 0.1 * len(even)
