"""The registry of covariance structures: names, aliases and validation."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

from sklearn.utils._param_validation import StrOptions

from ._contract import CovarianceModel
from ._spread import BOUNDED

_REGISTRY = {}
# Names of the structures registered only to read a pickle that carried them
# (``_carrying``): looked up by name, not offered by default.
_UNLISTED = set()


def register(model):
    """Register a covariance structure under its name and aliases.

    Parameters
    ----------
    model : CovarianceModel
        Instance to register. Its ``name`` and every entry of ``aliases`` must
        not be taken already.

    Returns
    -------
    model : CovarianceModel
        The registered instance (so the function can decorate instances).

    See Also
    --------
    unregister : Remove it again.

    Examples
    --------
    A spherical structure whose variance is known (nothing is estimated):

    >>> import numpy as np
    >>> from gmm_estimators import GaussianMixture
    >>> from gmm_estimators.covariance import SphericalCovariance, register, unregister
    >>> class KnownVariance(SphericalCovariance):
    ...     name = "known-variance"
    ...     def n_parameters(self, n_components, n_features):
    ...         return 0
    ...     def m_step(self, nk, scatter, reg_covar, previous=None):
    ...         return np.full(nk.shape[0], 0.25 + reg_covar)
    >>> _ = register(KnownVariance())
    >>> X = np.array([[0.0, 0.1], [0.2, 0.0], [5.0, 5.1], [5.2, 4.9]])
    >>> gm = GaussianMixture(2, covariance_type="known-variance", random_state=0)
    >>> gm.fit(X).covariances_
    array([0.250001, 0.250001])
    >>> _ = unregister("known-variance")
    """
    if isinstance(model, type):
        raise TypeError(
            f"register() takes an instance of a structure, got the class "
            f"{model.__name__}: pass {model.__name__}()."
        )
    if not isinstance(model, CovarianceModel):
        raise TypeError(
            "register() takes a CovarianceModel instance (subclass one of the "
            "families, e.g. FullCovariance or DiagonalCovariance); got "
            f"{type(model).__name__}."
        )
    if not isinstance(model.aliases, (tuple, list)):
        # A str would register each of its characters.
        raise TypeError(
            f"{type(model).__name__}.aliases must be a tuple of strings, got "
            f"{model.aliases!r}: write aliases = ({model.aliases!r},)."
        )
    keys = (model.name, *model.aliases)
    bad = [key for key in keys if not (isinstance(key, str) and key)]
    if bad:
        raise ValueError(
            f"A covariance structure's name and aliases must be non-empty "
            f"strings; {type(model).__name__} has {bad!r}: set the class "
            "attribute name (and aliases) to the strings covariance_type "
            "will take."
        )
    # Lists of names are written comma-separated (the command line's
    # --covariance-types), and read with the spaces around them dropped.
    odd = [key for key in keys if "," in key or key != key.strip()]
    if odd:
        raise ValueError(
            f"A covariance structure's name and aliases may not hold a comma "
            f"or begin or end with a space; {type(model).__name__} has "
            f"{odd!r}: lists of names are written 'a,b'."
        )
    taken = [key for key in keys if key in _REGISTRY]
    if taken and all(_REGISTRY[key].name in _UNLISTED for key in taken):
        # Carried in by a pickle only: the user's own registration replaces it.
        for key in taken:
            if key in _REGISTRY:
                unregister(key)
        taken = []
    if taken:
        own = not from_user_code(_REGISTRY[taken[0]])
        raise ValueError(
            f"Covariance type {taken[0]!r} is already registered"
            + (
                " (one of the package's own structures); choose another name."
                if own
                else "; choose another name (or unregister the existing structure "
                "first)."
            )
        )
    if _estimates_nothing(model, _probed_counts(model)):
        # A fixed covariance cannot collapse: its rows need span nothing (a
        # known-variance structure was flagged on a component of repeated
        # rows, and the selector never chose it).
        model.own_spread = BOUNDED
    for key in keys:
        _REGISTRY[key] = model
    return model


# The sizes (n_components, n_features) at which register reads n_parameters.
_PROBED_SIZES = ((1, 1), (2, 3), (5, 4))


def _probed_counts(model):
    """``n_parameters`` at :data:`_PROBED_SIZES`; None where the structure refuses.

    A structure may refuse some sizes, as the one-feature ones do: their fit
    reports it. Raises when a count is not a whole number >= 0: BIC's
    penalty would take a fraction, or the results' integer column truncate it.
    """
    counts = []
    for k, d in _PROBED_SIZES:
        try:
            count = model.n_parameters(k, d)
        except Exception:  # the fit reports a size the structure refuses
            counts.append(None)
            continue
        whole = isinstance(count, Integral) or (
            isinstance(count, Real) and float(count).is_integer()
        )
        if not (whole and count >= 0):
            raise ValueError(
                f"{type(model).__name__}.n_parameters({k}, {d}) returned "
                f"{count!r}: it must be the number of free covariance "
                "parameters, a whole number >= 0 (integer division: "
                "d * (d + 1) // 2)."
            )
        counts.append(count)
    return counts


def _estimates_nothing(model, counts):
    """Whether a structure estimates no covariance parameter (``counts`` all
    0 at every probed size) and leaves ``own_spread`` to its family (a
    fixed, known covariance)."""
    # Set by the user's class or a base of it from user code (not by a
    # family, whose rule stands for an estimated covariance).
    if any(
        "own_spread" in vars(cls) and _defined_in_user_code(cls)
        for cls in type(model).__mro__
    ) or "own_spread" in vars(model):
        return False
    return all(count == 0 for count in counts)


def unregister(covariance_type):
    """Remove a registered structure (its name and every alias).

    Parameters
    ----------
    covariance_type : str
        Its name or any of its aliases.

    Returns
    -------
    model : CovarianceModel
        The structure removed.

    Raises
    ------
    ValueError
        For one of the package's own structures (``"VVV"``, ``"full"``...).

    Notes
    -----
    Worker processes that joblib reuses keep the structures they were sent.
    The selector sends its structures with every task, so one registered
    again under its name (mended) reaches them; an estimator that
    ``GridSearchCV(n_jobs=2)`` pickles to a worker finds the name known
    there already and keeps the first definition. Register a mended
    structure under a new name to use it there in the same session.

    Examples
    --------
    >>> from gmm_estimators.covariance import (
    ...     available_covariance_types,
    ...     get_covariance_model,
    ...     register,
    ...     unregister,
    ... )
    >>> class Diagonal(type(get_covariance_model("VVI"))):
    ...     name, aliases = "my-diag", ("my-diagonal",)
    >>> _ = register(Diagonal())
    >>> unregister("my-diagonal").name
    'my-diag'
    >>> "my-diag" in available_covariance_types(aliases=True)
    False
    """
    model = get_covariance_model(covariance_type)
    if not from_user_code(model):
        # Estimators, pickles and the selector's defaults name them: removed,
        # "full" was gone for the session and another "VVV" could take it.
        raise ValueError(
            f"{covariance_type!r} is one of the package's own covariance "
            "structures and cannot be unregistered; register yours under "
            "another name."
        )
    for key in (model.name, *model.aliases):
        _REGISTRY.pop(key, None)
    _UNLISTED.discard(model.name)
    return model


def from_user_code(model):
    """Whether a structure is defined outside this package (registered by a user)."""
    return _defined_in_user_code(type(model))


def _defined_in_user_code(cls):
    return not cls.__module__.startswith("gmm_estimators.")


def get_covariance_model(covariance_type):
    """Return the registered structure for a name or alias.

    Parameters
    ----------
    covariance_type : str
        A registered name (``"VVV"``) or alias (``"full"``).

    Returns
    -------
    model : CovarianceModel

    Examples
    --------
    >>> from gmm_estimators.covariance import get_covariance_model
    >>> model = get_covariance_model("full")
    >>> model.name, model.description
    ('VVV', 'ellipsoidal, varying volume, shape and orientation')
    >>> get_covariance_model("VVV") is model
    True
    """
    try:
        return _REGISTRY[covariance_type]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown covariance_type {covariance_type!r}; expected one of "
            f"{available_covariance_types(aliases=True)}."
        ) from None


class RegisteredCovarianceType(StrOptions):
    """Parameter constraint: a name or alias in the registry *when checked*.

    scikit-learn's ``StrOptions`` freezes its options when it is made; this
    one reads the registry at validation time, so a structure registered by
    user code after import is accepted by every estimator's ``fit``.

    Examples
    --------
    >>> from gmm_estimators.covariance import RegisteredCovarianceType
    >>> constraint = RegisteredCovarianceType()
    >>> constraint.is_satisfied_by("VEV"), constraint.is_satisfied_by("VVX")
    (True, False)
    """

    def __init__(self):
        super().__init__(set())

    @property
    def options(self):
        return set(_REGISTRY)

    @options.setter
    def options(self, value):
        # StrOptions.__init__ assigns the frozen set; the registry is the truth.
        pass

    def __str__(self):
        names = ", ".join(
            repr(name) for name in available_covariance_types(aliases=True)
        )
        return f"a str among {{{names}}}"


def available_covariance_types(*, aliases=False):
    """List the registered covariance structures.

    Parameters
    ----------
    aliases : bool, default=False
        If True, list every accepted string (names and aliases); otherwise
        one canonical name per structure, in registration order.

    Returns
    -------
    names : list of str

    Notes
    -----
    A structure registered in another process reaches this one inside the
    pickle of a fitted model that uses it (see :func:`register`); it is then
    known by name but not listed here, so loading a model changes no default
    search.

    Examples
    --------
    >>> from gmm_estimators.covariance import available_covariance_types
    >>> available_covariance_types()[:4]
    ['VVV', 'EEE', 'VVI', 'VII']
    >>> "full" in available_covariance_types(aliases=True)
    True
    """
    if aliases:
        return [key for key, model in _REGISTRY.items() if model.name not in _UNLISTED]
    seen = []
    for model in _REGISTRY.values():
        if model.name not in seen and model.name not in _UNLISTED:
            seen.append(model.name)
    return seen
