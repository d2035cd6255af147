"""``--import MODULE``: the user's modules that register covariance structures.

A structure defined in user code is registered when its module runs
(``gmm_estimators.covariance.register``). The command line imports the
modules named by ``--import`` before it builds its parser, so that ``-t``
offers their structures and a model file that needs one loads. Read from
the raw arguments, before parsing: the parser's choices of structure depend
on them.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import importlib.util
import os
import sys

from .errors import PROG, CLIError, one_line

__all__ = ["OPTION", "import_user_modules", "requested_modules"]

OPTION = "--import"


def requested_modules(argv):
    """The modules named by ``--import MODULE`` or ``--import=MODULE``, in order.

    Arguments after ``--`` are data, not options.
    """
    names, words = [], iter(argv)
    for word in words:
        if word == "--":
            break
        if word == OPTION:
            name = next(words, None)
            if name is not None:
                names.append(name)
        elif word.startswith(OPTION + "="):
            names.append(word[len(OPTION) + 1 :])
    return names


def import_user_modules(argv):
    """Import every module of ``--import``; a one-line ``CLIError`` if one fails.

    A name is a module on the path (``mystructures``, ``pkg.structures``),
    looked up in the current directory too, or a ``.py`` file, imported
    under its stem (the name its structures' classes carry in a saved
    model, which Python then loads with that module on its path).
    """
    from ..covariance import available_covariance_types

    for name in requested_modules(argv):
        if not name:
            raise CLIError(f"{OPTION} needs a module name or a .py file")
        if not name.endswith(".py") and ("/" in name or os.sep in name):
            raise CLIError(
                f"{OPTION} {name}: give a module name (mystructures, "
                "pkg.structures) or the path of a .py file"
            )
        before = set(available_covariance_types(aliases=True))
        loaded = set(sys.modules)
        try:
            if name.endswith(".py"):
                _import_file(name)
            else:
                _import_module(name)
            new = set(sys.modules) - loaded
            if new and set(available_covariance_types(aliases=True)) == before:
                # Not an error: a module may do other work. One imported
                # before (given twice) has said what it registers.
                print(
                    f"{PROG}: note: {OPTION} {name} registered no covariance "
                    "structure (gmm_estimators.covariance.register)",
                    file=sys.stderr,
                )
        except CLIError:
            raise
        except Exception as exc:  # the user's module may raise anything
            raise CLIError(
                f"{OPTION} {name}: importing it failed "
                f"({type(exc).__name__}: {one_line(exc)})"
            ) from None


def _import_module(name):
    here = os.getcwd()
    if here not in sys.path and "" not in sys.path:
        # An installed entry point does not search the current directory,
        # as `python -m` does.
        sys.path.append(here)
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.split(".")[0] == exc.name.split(".")[0]:
            raise CLIError(
                f"{OPTION} {name}: no such module here; run from the directory "
                "that holds it, put that directory on PYTHONPATH, or give the "
                "path of its .py file"
            ) from None
        raise


def _import_file(path):
    if not os.path.isfile(path):
        raise CLIError(f"{OPTION} {path}: no such file")
    stem = os.path.splitext(os.path.basename(path))[0]
    if not stem.isidentifier():
        # Its classes would carry a dotted module name that no import (a
        # worker's, a saved model's) can find.
        raise CLIError(
            f"{OPTION} {path}: {stem!r} is not a module name; rename the file "
            "(letters, digits and underscores)"
        )
    loaded = sys.modules.get(stem)
    if loaded is not None:
        if os.path.realpath(getattr(loaded, "__file__", "") or "") == (
            os.path.realpath(path)
        ):
            return
        raise CLIError(
            f"{OPTION} {path}: a module named {stem!r} is already imported "
            f"(from {getattr(loaded, '__file__', None) or 'Python itself'}); "
            "rename the file"
        )
    # Its directory on the path, last: worker processes (--n-jobs) find its
    # classes by the module's name, and the modules installed stay first
    # (a matplotlib.py beside it hid matplotlib).
    directory = os.path.dirname(os.path.realpath(path))
    if directory not in sys.path:
        sys.path.append(directory)
    importlib.invalidate_caches()  # a directory listed before the file was written
    found = importlib.util.find_spec(stem)
    if found is None or os.path.realpath(found.origin or "") != os.path.realpath(path):
        raise CLIError(
            f"{OPTION} {path}: the name {stem!r} is taken by another module "
            f"({getattr(found, 'origin', None)}), which worker processes and "
            "saved models would import instead; rename the file"
        )
    # Found under its name, as workers and saved models will find it.
    importlib.import_module(stem)
