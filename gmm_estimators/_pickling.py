"""What an estimator's pickle carries to another process, and what it leaves out."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from .covariance import adopt_packed, available_covariance_types, packed_structures

# The state entries that name an estimator's own covariance structures.
_OWN = ("covariance_type", "covariance_types", "_fitted_structure")


def _own_names(state):
    names = []
    for key in _OWN:
        value = state.get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list | tuple):
            names.extend(name for name in value if isinstance(name, str))
    return names


def _is_fitted(state):
    """scikit-learn's convention: a public attribute ending in ``_``."""
    return any(key.endswith("_") and not key.startswith("_") for key in state)


class PortablePickle:
    """Mixin: the estimator's pickle works in another process.

    A worker process (``GridSearchCV(n_jobs=2)``, ``cross_val_score``,
    joblib) or a later session imports the package afresh, so a structure
    registered in user code reaches it only inside the estimator.

    - An unfitted estimator is a template that meta-estimators reconfigure
      in their workers (``set_params(covariance_type=...)``): it carries
      every structure registered in user code, and on arrival they are
      registered as in the sender (listed, or only known by name).
    - A fitted estimator is a model, used, saved and loaded: it carries only
      the structures it names or was fitted with (its sub-estimators carry
      their own). On arrival they are known by name but not offered to
      default searches (``available_covariance_types``), so loading a model
      changes no other result.

    Fitted attributes held as Dask collections (``labels_`` of a fit on a
    Dask array) are graphs over the cluster's data, which another process
    cannot compute: they are left out.
    """

    def __getstate__(self):
        # A copy: object.__getstate__ returns the instance's own __dict__.
        state = dict(super().__getstate__())
        for key in [
            k for k, value in state.items() if hasattr(value, "__dask_graph__")
        ]:
            del state[key]
        own = _own_names(state)
        fitted = _is_fitted(state)
        packed = packed_structures(own if fitted else None, needed=own)
        if packed:
            state["_carried_structures"] = packed
            # As in this process: a structure a loaded model brought stays
            # unlisted in a worker too, so n_jobs changes no default search.
            listed = [] if fitted else available_covariance_types()
            state["_carried_listed"] = [name for name in packed if name in listed]
        return state

    def __setstate__(self, state):
        packed = state.pop("_carried_structures", None)
        # Pickles of earlier versions carried every structure, listed.
        listed = state.pop("_carried_listed", True)
        adopt_packed(packed, _own_names(state), listed=listed)
        super().__setstate__(state)
