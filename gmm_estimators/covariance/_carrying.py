"""Covariance structures registered in user code, carried between processes.

A worker process (joblib's ``loky``, ``GridSearchCV(n_jobs=2)``) or a later
session imports the package afresh: a structure registered in user code
reaches it only inside what is sent or saved. Estimators pickle the
structures they may need (``_pickling.PortablePickle``); these functions
pack them and register them on arrival.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

from ._registry import _REGISTRY, _UNLISTED, from_user_code, register, unregister


def structures_to_carry(names=None):
    """The registered structures among ``names`` another process would not know.

    Parameters
    ----------
    names : iterable of str or None, default=None
        Covariance types (names or aliases); None: every registered one.

    Returns
    -------
    structures : dict
        ``{name: model}`` for those defined outside this package.
    """
    carried = {}
    for name in list(_REGISTRY) if names is None else names:
        model = _REGISTRY.get(name) if isinstance(name, str) else None
        if model is not None and from_user_code(model):
            carried[model.name] = model
    return carried


def adopt_structures(structures, *, listed=True, replace=False):
    """Register carried structures (:func:`structures_to_carry`) not known here.

    Parameters
    ----------
    structures : dict or None
        ``{name: model}``; those already registered under their name are
        left alone, unless ``replace``.
    listed : bool or collection of str, default=True
        Whether they are offered by default (``available_covariance_types``)
        as in the process that sent them, or the names of those that are;
        the others are only known by name (a saved model's own structure).
    replace : bool, default=False
        Whether a structure registered here from user code under a carried
        name gives way to the carried model (a task's, sent by the process
        that runs the search): a worker reused after the user unregistered
        a structure and registered a mended one under the same name kept
        the first, and ``n_jobs=2`` scored another model than ``n_jobs=1``.
        A loaded pickle leaves the process's own registrations alone.
    """
    for model in (structures or {}).values():
        offered = listed if isinstance(listed, bool) else model.name in listed
        known = _REGISTRY.get(model.name)
        stale = replace and known is not None and known is not model
        if stale and from_user_code(known):
            unregister(model.name)
        if model.name not in _REGISTRY:
            register(model)
            if not offered:
                _UNLISTED.add(model.name)
        elif offered:
            _UNLISTED.discard(_REGISTRY[model.name].name)


def _dumps():
    # With cloudpickle (joblib's own dependency, or vendored in older
    # joblib) a structure defined in a script's __main__ travels by value,
    # as loky would send it; one in a module, by name.
    try:
        from cloudpickle import dumps
    except ImportError:  # pragma: no cover - joblib < 1.5 vendors it
        try:
            from joblib.externals.cloudpickle import dumps
        except ImportError:
            dumps = pickle.dumps
    return dumps


def _pickled(structures):
    """``(name, bytes, None)`` per structure, or ``(name, None, error)``.

    ``structures`` is ``{name: model}`` (:func:`structures_to_carry`),
    pickled as a worker process or a saved estimator receives them.
    """
    dumps = _dumps()
    for name, model in structures.items():
        try:
            data = dumps(model)
        except Exception as error:
            yield name, None, error
        else:
            yield name, data, None


def unpicklable_structure(structures):
    """The first of ``structures`` that cannot be pickled, with the error.

    ``structures`` as in :func:`_pickled`; returns ``(name, error)``, or
    None when each pickles.
    """
    for name, _, error in _pickled(structures or {}):
        if error is not None:
            return name, error
    return None


def unpicklable_message(name, error, consequence, remedy=""):
    """The error of a structure that cannot be pickled, with the remedies."""
    return (
        f"The covariance structure {name!r}, registered in user code, cannot "
        f"be pickled ({error}), {consequence}: {remedy}keep objects such as "
        "locks, files or clients out of the structure's attributes and of the "
        "globals its methods read."
    )


def packed_structures(names=None, needed=()):
    """The structures registered in user code among ``names``, each pickled apart.

    Each apart, so that a process that cannot import one it does not need
    still loads the estimator (:func:`adopt_packed`). One that cannot be
    pickled is left out, unless it is among ``needed`` (the estimator's own).

    Parameters
    ----------
    names : iterable of str or None, default=None
        Covariance types; None: every structure registered in user code.
    needed : iterable of str, default=()
        The estimator's own covariance types.

    Returns
    -------
    packed : dict
        ``{name: bytes}``.

    Raises
    ------
    TypeError
        When a needed structure cannot be pickled.
    """
    needed = {
        _REGISTRY[name].name
        for name in needed
        if isinstance(name, str) and name in _REGISTRY
    }
    packed = {}
    for name, data, error in _pickled(structures_to_carry(names)):
        if error is None:
            packed[name] = data
        elif name in needed:
            raise TypeError(
                unpicklable_message(
                    name, error, "and this estimator needs it in the pickle"
                )
            ) from error
    return packed


def adopt_packed(packed, needed=(), *, listed=True):
    """Register the structures of :func:`packed_structures` not known here.

    A structure whose code this process cannot import is skipped, unless
    its name is among ``needed`` (the estimator's own): then an
    ``ImportError`` (``ModuleNotFoundError`` when its module is missing)
    names the structure and the remedy. ``listed`` as in
    :func:`adopt_structures`.
    """
    models = {}
    for name, blob in (packed or {}).items():
        if not isinstance(blob, bytes):  # a model itself (older pickles)
            models[name] = blob
            continue
        try:
            models[name] = pickle.loads(blob)
        except (ImportError, AttributeError) as error:
            if name in needed:
                kind = (
                    ModuleNotFoundError
                    if isinstance(error, ModuleNotFoundError)
                    else ImportError
                )
                raised = kind(
                    f"This estimator needs the covariance structure {name!r}, "
                    f"registered in user code, whose class cannot be imported "
                    f"here ({error}). Make the module that defines it "
                    "importable under the same name (on sys.path) before "
                    "loading; a structure defined in a script's __main__ "
                    "travels inside the pickle instead."
                )
                # Read by the command line, which says it in its own terms.
                raised.structure, raised.cause = name, str(error)
                raise raised from error
    adopt_structures(models, listed=listed)
