"""Warnings that point at the user's line, not at the package's internals."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import re
import sys
import warnings
from contextlib import contextmanager
from contextvars import ContextVar

import sklearn

__all__ = [
    "as_wrapped_mixture",
    "names_checked",
    "relabel_columns",
    "reworded",
    "silenced",
    "warn_user",
]

# The categories :func:`warn_user` drops in the current thread (see silenced).
_SILENCED = ContextVar("gmm_estimators_silenced", default=())
# The rewordings :func:`warn_user` applies in the current thread (reworded).
_REWORDED = ContextVar("gmm_estimators_reworded", default=())

# Frames in these directories are internals: the package itself, and
# scikit-learn's wrappers (``_fit_context``, ``GridSearchCV``, ...) and joblib
# that call into it.
_INTERNAL = tuple(
    os.path.dirname(path) + os.sep
    for path in (__file__, sklearn.__file__, warnings.__file__)
)


# scikit-learn's warnings about X's feature names, given or missing.
_FEATURE_NAMES_WARNING = r"X (does not have valid|has) feature names"


@contextmanager
def names_checked():
    """scikit-learn's feature-name warnings dropped within the block.

    For an estimator that validated ``X`` against its own
    ``feature_names_in_`` and passes the validated array to the mixtures it
    holds, which carry the same names (for users who call them on
    DataFrames): their check would warn that the array has no names.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", _FEATURE_NAMES_WARNING, UserWarning)
        yield


def warn_user(message, category):
    """``warnings.warn`` attributed to the first frame outside the internals.

    A fixed ``stacklevel`` is right for one call path only; the same warning
    reached through ``fit``, ``fit_predict``, a pipeline or a grid search
    would point at different internals. Walking the stack finds the user's
    own line whichever way it came. Categories :func:`silenced` here are
    dropped; the rewordings of :func:`reworded` are applied.
    """
    if issubclass(category, _SILENCED.get()):
        return
    for reword in _REWORDED.get():
        message = reword(message)
    frame = sys._getframe(1)
    level = 2  # 1 would be this function, 2 its caller
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


@contextmanager
def silenced(*categories):
    """Drop the package's own warnings of ``categories`` within the block.

    For internal fits whose outcome the caller reports itself (the
    selector's candidates, its starts). ``warnings.catch_warnings`` would
    swap the process-wide filter list: fits running in threads at the same
    time then restore each other's lists, and a filter could stay behind
    for good, swallowing the user's later warnings. A context variable is
    the current thread's (or task's) own.
    """
    token = _SILENCED.set(_SILENCED.get() + tuple(categories))
    try:
        yield
    finally:
        _SILENCED.reset(token)


@contextmanager
def reworded(reword, *, errors=False):
    """Pass the package's own warnings through ``reword(message)`` in the block.

    For an estimator whose internal fit speaks of another array (the
    regressor's joint mixture of ``[X, y]`` names the targets as more
    features of X). A context variable, for the reason given in
    :func:`silenced`. ``errors``: a ``ValueError`` raised in the block
    leaves it with its message reworded too (the same exception, its type
    kept), for rewordings that translate rather than add context.
    """
    token = _REWORDED.set((*_REWORDED.get(), reword))
    try:
        yield
    except ValueError as error:
        if errors and error.args and isinstance(error.args[0], str):
            error.args = (reword(error.args[0]), *error.args[1:])
        raise
    finally:
        _REWORDED.reset(token)


def as_wrapped_mixture(message, owner, mixture="its mixture_"):
    """A wrapped ``GaussianMixture``'s warning, addressed to its ``owner``.

    The estimators that fit a ``GaussianMixture`` inside (the regressor, the
    imputer) keep it as ``mixture_`` and take no ``prior``: the warning names
    the owner, points at ``mixture_``'s attributes, and leaves out the prior
    among its remedies.
    """
    message = message.replace("GaussianMixture:", f"{owner} ({mixture}):")
    message = re.sub(r"stored in (\w+_components_)", r"stored in mixture_.\1", message)
    message = message.replace(
        "use prior='default' (mclust's conjugate prior, in the data's units), ", ""
    )
    message = message.replace(", or pass prior='default'", "")
    return message.replace(" or prior='default'", "")


# How the package's warnings name columns of their data, and the noun of
# each array a wrapping estimator names them in.
_LISTED = re.compile(r"feature\(s\) ([\d, ]+) of X")
_BRACKETED = re.compile(r"\(\[([\d, ]+)\]\)")
_ONE = re.compile(r"\bfeature (\d+)\b(?! of )")
# An error's "Feature j of X ... Rescale X" (check_units_square).
_CAPITALISED = re.compile(r"\bFeature (\d+) of X\b")
_NOUNS = {"X": "feature", "y": "target"}


def relabel_columns(message, name):
    """A warning about the columns of a wrapped mixture's data, in the user's.

    An estimator that fits a mixture to other columns than the user's (the
    imputer leaves out its empty columns, the regressor joins ``[X, y]``)
    rewrites each column the warning names, ``feature j``, ``feature(s) i,
    j of X`` or ``([i, j])``: ``name(j)`` gives ``(array, index)``, the array
    ``"X"`` or ``"y"`` and the column's index in it.
    """

    def words(text):
        arrays = {}
        for j in text.split(", "):
            array, index = name(int(j))
            arrays.setdefault(array, []).append(str(index))
        return " and ".join(
            f"{_NOUNS[array]}(s) {', '.join(indices)} of {array}"
            for array, indices in arrays.items()
        )

    def one(match):
        array, index = name(int(match[1]))
        return f"{_NOUNS[array]} {index} of {array}"

    def capitalised(match):
        array, index = name(int(match[1]))
        return f"{_NOUNS[array].capitalize()} {index} of {array}"

    found = _CAPITALISED.search(message)
    if found and name(int(found[1]))[0] == "y":
        message = message.replace("Rescale X", "Rescale y")
    message = _CAPITALISED.sub(capitalised, message)
    message = _LISTED.sub(lambda m: words(m[1]), message)
    message = _BRACKETED.sub(lambda m: f"({words(m[1])})", message)
    return _ONE.sub(one, message)
