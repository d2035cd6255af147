"""Command line: ``gmm-estimators`` or ``python -m gmm_estimators``.

Subcommands::

    select [DATA.csv]                 choose K and the covariance structure (BIC)
    fit [DATA.csv] -k K               fit one mixture and print its components
    predict --model M [DATA.csv]      labels and component probabilities (CSV)
    sample --model M -n N             draw from a fitted mixture (CSV)
    score --model M [DATA.csv]        log-likelihood, BIC and AIC of the data

Without a data file the bundled Old Faithful data are used. Without a
command ``select`` runs: on the bundled data without any argument, and on a
data file given first (``gmm-estimators data.csv`` is ``gmm-estimators
select data.csv``). Errors in the input are
reported on one line (``gmm-estimators: error: ...``) with exit status 2.

Modules: :mod:`.parser` (options), :mod:`.io` (reading CSV),
:mod:`.columns` (choosing columns), :mod:`.output` (output paths, writing
CSV), :mod:`.text` (a data file's bytes as UTF-8 text), :mod:`.models`
(model files and feature names), :mod:`.formatting` (tables), :mod:`.plots`,
one module per command (:mod:`.cmd_select`, :mod:`.cmd_fit`,
:mod:`.cmd_model` for predict, sample and score), :mod:`.imports` (the
user's modules of ``--import``) and :mod:`.library`, the only one that uses
private modules of the package.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import difflib
import importlib
import os
import sys

from .errors import PROG, CLIError, one_line
from .imports import import_user_modules, requested_modules
from .parser import COMMANDS, build_parser

__all__ = ["build_parser", "main"]


def _is_data_argument(first):
    """Whether the first argument starts a ``select`` without its command.

    An option (other than --help and --version), standard input ``-``, an
    existing path, or a name that looks like a file (a directory part or an
    extension, such as ``data.csv``) rather than a misspelt command.
    """
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return False
    if first.startswith("-"):
        return True
    return (
        os.path.exists(first)
        or os.sep in first
        or "/" in first
        or bool(os.path.splitext(first)[1])
    )


def _neither_command_nor_file(first):
    """The usage error for a first word that is neither a command nor a file.

    None for an option, or for a word close to a command (a misspelt
    command gets argparse's list of commands).
    """
    if first in COMMANDS or first.startswith("-"):
        return None
    if difflib.get_close_matches(first, COMMANDS, n=1, cutoff=0.6):
        return None
    return (
        f"argument COMMAND: {first!r} is neither a command ({', '.join(COMMANDS)}) "
        "nor an existing data file; check the file name, or give a command first"
    )


def _unknown_arguments(parser, argv, extras, implied):
    """The usage error for arguments the command does not take.

    Names the command that takes them, if another one does (``-k`` is
    ``fit``'s, not that of the ``select`` run without a command), or says to
    put a command given after the data first.
    """
    command = argv[0]
    subparsers = next(
        action for action in parser._actions if action.dest == "command"
    ).choices
    message = f"unrecognized arguments: {' '.join(extras)}"
    ran = f"{command} (run when no command is given)" if implied else command
    after = argv[argv.index("--") + 1 :] if "--" in argv else []
    ours = subparsers[command]._option_string_actions

    def owners_of(option):
        return [
            name
            for name, sub in subparsers.items()
            if name != command and option in sub._option_string_actions
        ]

    def is_option(word):
        option = word.split("=")[0]
        return option in ours or bool(owners_of(option))

    def not_ours(option):
        # Whose option it is, when another command's (None when this one's).
        owners = owners_of(option)
        if option in ours or not owners:
            return None
        if len(owners) == 1:
            return (
                f"{option} is not an option of {ran} but of {owners[0]}: "
                f"{PROG} {owners[0]} ..."
            )
        others = f"{', '.join(owners[:-1])} and {owners[-1]}"
        return f"{option} is not an option of {ran} (only of {others})"

    separated = "arguments after -- are data files, not options"
    for extra in extras:
        if extra in subparsers:
            return (
                f"{message}; a command comes first: {PROG} {extra} "
                f"{' '.join(a for a in argv[1:] if a != extra)}"
            )
        option = extra.split("=")[0]
        if extra in after and is_option(extra):
            # An option given after "--": read as a file. Another command's
            # is named as such first: before "--" it would fail again.
            elsewhere = not_ours(option)
            if elsewhere is not None:
                return f"{message}; {elsewhere} (and {separated})"
            return f"{message}; {separated}: put {option} before --"
        if option.startswith("-") and (elsewhere := not_ours(option)) is not None:
            return f"{message}; {elsewhere}"
    taken = [word for word in after if is_option(word) and word not in extras]
    if taken:
        # The option itself was read as the data file, its value left over.
        option = taken[0].split("=")[0]
        elsewhere = not_ours(option)
        if elsewhere is not None:
            return (
                f"{message}; {separated}: {option} was read as the data file, "
                f"and {elsewhere}"
            )
        return (
            f"{message}; {separated}: {option} was read as the data file; put "
            "it before --"
        )
    return message


def _run(args):
    module = importlib.import_module(f".{COMMANDS[args.command][0]}", __name__)
    return getattr(module, f"cmd_{args.command}")(args) or 0


class _ReaderMayLeave:
    """Standard output that outlives its reader (``| head``).

    Once the pipe is closed, what is printed goes nowhere and the command
    goes on: the files it was asked to write (``--save``, ``--plot``) are
    still written, and no flush at exit complains. Another failure to write
    is an error that names standard output.
    """

    def __init__(self, stream):
        self._stream = stream
        self._gone = False

    def _leave(self):
        self._gone = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def write(self, text):
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._leave()
            except OSError as exc:
                self._fail(exc)
        return len(text)

    def flush(self):
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._leave()
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc):
        """A full disk (``> /dev/full``): an error that names standard output.

        What is left in the buffer is dropped, so that the flush at exit
        does not fail again.
        """
        self._leave()
        raise CLIError(
            f"cannot write to standard output: {exc.strerror or exc}"
        ) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv=None):
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` if None. Without
        a command (no arguments, options only, or a data file first: an
        existing path, or a name with a directory or a file extension)
        ``select`` runs, on the bundled Old Faithful data unless a file is
        given.

    Returns
    -------
    status : int
        0 on success, 2 for invalid arguments or input data.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    implied = not argv or _is_data_argument(argv[0])
    if implied:
        # No command: `select`, with the data file and options given.
        argv = ["select", *argv]
    try:
        # Before the parser, whose choices of structure they may extend.
        import_user_modules(argv)
    except CLIError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser()
    try:
        if not implied and (unknown := _neither_command_nor_file(argv[0])):
            parser.error(unknown)
        args, extras = parser.parse_known_args(argv)
        if extras:
            parser.error(_unknown_arguments(parser, argv, extras, implied))
        if getattr(args, "imports", []) != requested_modules(argv):
            # An abbreviation argparse accepted (--imp): read too late.
            parser.error(
                "write --import in full: its modules are imported before the "
                "other options are read"
            )
    except SystemExit as exc:  # --help, --version or a usage error
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    stdout = sys.stdout
    if hasattr(stdout, "fileno"):
        try:
            stdout.fileno()
            sys.stdout = _ReaderMayLeave(stdout)
        except (OSError, ValueError):  # not a file (captured output)
            pass
    try:
        status = _run(args)
        sys.stdout.flush()
        return status
    except CLIError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        # Invalid combinations caught by the estimators' own validation.
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
    except MemoryError as exc:
        print(
            f"{PROG}: error: out of memory ({one_line(exc) or 'no detail'}); use "
            "fewer columns (--columns, --drop: the checks of every fit hold a "
            "columns-by-columns matrix), fewer rows (a subset of the data; "
            "-n for sample) or fewer components",
            file=sys.stderr,
        )
    finally:
        sys.stdout = stdout
    return 2
