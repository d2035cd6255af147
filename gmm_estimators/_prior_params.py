"""``set_params`` of the estimators that take a ``prior``.

``prior__shrinkage`` (any ``prior__*``) sets a parameter of the prior
object, which ``GridSearchCV`` does on every candidate. ``prior=None`` and
``prior='default'`` hold no object: scikit-learn's own ``set_params`` then
fails inside, with a ``str`` or ``None`` that has no ``set_params``.
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause


class NestedPriorParams:
    """Refuses ``prior__*`` by name when the prior is not an object."""

    def set_params(self, **params):
        """Set the parameters of this estimator (scikit-learn's, checked).

        Parameters
        ----------
        **params : dict
            Estimator parameters, ``prior__*`` for those of a
            :class:`~gmm_estimators.ConjugatePrior`.

        Returns
        -------
        self : estimator instance
        """
        nested = sorted(name for name in params if name.startswith("prior__"))
        # The prior this call leaves, as scikit-learn sets the plain
        # parameters before the nested ones.
        prior = params.get("prior", getattr(self, "prior", None))
        if nested and not hasattr(prior, "set_params"):
            raise ValueError(
                f"{', '.join(nested)} sets a parameter of the prior, but "
                f"prior={prior!r} has none. Pass a ConjugatePrior, which is "
                "what prior='default' stands for: "
                "set_params(prior=ConjugatePrior(), prior__shrinkage=...), or "
                f"start from {type(self).__name__}(prior=ConjugatePrior()) to "
                "search prior__shrinkage with GridSearchCV."
            )
        return super().set_params(**params)
