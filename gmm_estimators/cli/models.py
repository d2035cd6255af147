"""Model files, and the feature names a model carries.

Feature names
-------------
The command line fits on the float array it read, then records the CSV
header in the model's public ``feature_names_in_`` attribute: an object
ndarray of str, exactly what scikit-learn stores when an estimator is fitted
on a :class:`pandas.DataFrame` (``n_features_in_`` is already set by ``fit``).
One code path, with or without pandas installed, and the same for ``fit`` and
for the model chosen by ``select`` (the selector fits its candidates on the
validated array, so they carry no names of their own). In Python the saved
model then accepts a DataFrame with these columns and refuses one with
others, as any scikit-learn estimator fitted on a DataFrame does. Data without
a header (made-up names ``x0, x1, ...``) leave the attribute unset.

Before applying a model to a CSV with a header, :func:`check_model_features`
compares the header with ``feature_names_in_`` and fails with both lists if
they differ. The model is then called on the array, and scikit-learn's
warning that the array has no feature names, redundant after that check, is
silenced (``library.names_checked``, the library's own guard).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import sys
import warnings

import numpy as np

from .errors import PROG, CLIError

__all__ = [
    "check_model_features",
    "load_model",
    "model_feature_names",
    "refit_hint",
    "save_model",
    "set_feature_names",
    "unsound_components",
    "unsound_kinds",
    "warn_if_unsound",
]

_NEEDED = ("predict_proba", "score_samples", "sample", "means_", "n_features_in_")


def load_model(path):
    """A fitted Gaussian mixture from a joblib file, or a one-line error."""
    import joblib

    try:
        model = joblib.load(path)
    except FileNotFoundError:
        raise CLIError(f"cannot read model {path}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"cannot read model {path}: it is a directory") from None
    except ImportError as exc:
        structure = getattr(exc, "structure", None)
        if structure is None:
            raise CLIError(
                f"{path} is not a model file saved by '{PROG} fit --save' or "
                f"joblib.dump (ImportError: {exc})"
            ) from None
        raise CLIError(
            f"{path} needs the covariance structure {structure!r}, defined in "
            f"user code that cannot be imported here ({exc.cause}): give its "
            "module with --import MODULE (a name on the path, or its .py file)"
        ) from None
    except Exception as exc:  # unpickling can fail in many ways
        raise CLIError(
            f"{path} is not a model file saved by '{PROG} fit --save' or "
            f"joblib.dump ({type(exc).__name__})"
        ) from None
    if hasattr(model, "best_estimator_"):
        names = getattr(model, "feature_names_in_", None)
        model = model.best_estimator_
        if names is not None and not hasattr(model, "feature_names_in_"):
            # The chosen model was fitted on the validated array: the
            # selector's names are its own, and the header check needs them.
            model = copy.copy(model)
            model.feature_names_in_ = names
    if not all(hasattr(model, name) for name in _NEEDED):
        raise CLIError(
            f"{path} holds a {type(model).__name__}, not a fitted Gaussian mixture; "
            f"save one with '{PROG} fit --save' or '{PROG} select --save'"
        )
    _check_usable(model, path)
    return model


def _check_usable(model, path):
    """A one-line error for a model its code cannot use (another version's).

    One density on one row tells; other failures are the data's, reported
    where the data are read.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # feature names, far rows
            model.score_samples(np.zeros((1, int(model.n_features_in_))))
    except AttributeError as exc:
        missing = getattr(exc, "name", None) or exc
        raise CLIError(
            f"{path} holds a {type(model).__name__} that this version cannot use "
            f"(it lacks {missing}): it was saved by another version of its "
            "library; fit and save it again"
        ) from None
    except Exception:  # judged on the real data instead
        pass


def save_model(model, path):
    import joblib

    try:
        joblib.dump(model, path)
    except OSError as exc:
        raise CLIError(f"cannot write model {path}: {exc.strerror or exc}") from None


def set_feature_names(model, data):
    """Record the data's column names in ``model.feature_names_in_``.

    Only for named data (a header row, or the bundled data); see the module
    docstring for why the names are set after fitting.
    """
    if data.named:
        model.feature_names_in_ = np.asarray(data.feature_names, dtype=object)
    return model


def model_feature_names(model):
    """The model's ``feature_names_in_`` as a list, or ``x0, x1, ...``."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return [f"x{j}" for j in range(model.n_features_in_)]


def check_model_features(model, data):
    """Fail unless the data have the model's features.

    Data with a header must have exactly the model's ``feature_names_in_``
    (in order); data without one, or a model without names, must have the
    model's number of features.
    """
    expected = int(model.n_features_in_)
    fitted = getattr(model, "feature_names_in_", None)
    if data.named and fitted is not None:
        fitted = [str(name) for name in fitted]
        if data.feature_names != fitted:
            message = (
                f"{data.source} has the columns {','.join(data.feature_names)} but "
                f"the model was fitted on {','.join(fitted)}"
            )
            available = data.file_names or []
            if set(fitted) <= set(available):
                message += f"; choose them with --columns {','.join(fitted)}"
            raise CLIError(message)
        return
    got = data.X.shape[1]
    if got != expected:
        raise CLIError(
            f"{data.source} has {got} column{'s' if got != 1 else ''} but the model "
            f"was fitted on {expected} feature{'s' if expected != 1 else ''}"
        )


def unsound_components(model):
    """The model's collapsed and spurious components, as two sorted lists.

    Models saved by other packages (scikit-learn's) carry neither attribute
    and count as sound.
    """
    return tuple(
        sorted(int(k) for k in getattr(model, name, ()))
        for name in ("collapsed_components_", "spurious_components_")
    )


def refit_hint(collapsed, spurious, *, prior=False, fewer=True):
    """The options that avoid such components, in the command line's terms.

    Returns
    -------
    remedies : str
        Such as ``--prior (mclust's conjugate prior), fewer components (-k)
        or a larger --reg-covar``. A larger ``--reg-covar`` is left out for
        spurious components alone (a local maximum, which it does not
        avoid), ``--prior`` when the model already has it (``prior``), and
        fewer components when there is one (``fewer=False``); empty when
        nothing is left.
    """
    remedies = [] if prior else ["--prior (mclust's conjugate prior)"]
    if fewer:
        remedies.append("fewer components (-k)")
    if collapsed:
        remedies.append("a larger --reg-covar")
    if len(remedies) <= 1:
        return "".join(remedies)
    return f"{', '.join(remedies[:-1])} or {remedies[-1]}"


def unsound_kinds(collapsed, spurious):
    """``collapsed``, ``spurious`` or ``collapsed and spurious``."""
    kinds = (("collapsed", collapsed), ("spurious", spurious))
    return " and ".join(kind for kind, indices in kinds if indices)


def _flagged(indices, n_components, kind, why):
    """``component 3 of 5 is spurious (why)`` or ``12 of its 60 components...``."""
    if len(indices) == 1:
        return f"component {indices[0]} of {n_components} is {kind} ({why})"
    listed = ", ".join(str(k) for k in indices[:10])
    if len(indices) > 10:
        listed += f" and {len(indices) - 10} more"
    return (
        f"{len(indices)} of its {n_components} components are {kind} ({why}: {listed})"
    )


def warn_if_unsound(model, path, consequence):
    """Say on stderr that a saved model has collapsed or spurious components.

    ``fit`` warns of them when it fits; a model file carries them silently,
    so ``predict`` and ``score`` say it again, with what it means for their
    output (``consequence``) and the options that refit a sound model. The
    warning is printed even with ``--quiet``, as ``fit``'s is.
    """
    collapsed, spurious = unsound_components(model)
    if not (collapsed or spurious):
        return
    n_components = len(model.means_)
    parts = []
    if collapsed:
        why = "unbounded likelihood"
        parts.append(_flagged(collapsed, n_components, "collapsed", why))
    if spurious:
        why = "far narrower than the others"
        parts.append(_flagged(spurious, n_components, "spurious", why))
    remedies = refit_hint(
        collapsed,
        spurious,
        prior=getattr(model, "prior", None) is not None,
        fewer=n_components > 1,
    )
    print(
        f"{PROG}: warning: model {path}: {' and '.join(parts)}, so {consequence} "
        f"not meaningful; refit it with {remedies}",
        file=sys.stderr,
    )
