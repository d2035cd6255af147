"""The classifier's model choice: candidate lists and the BIC choice among them.

:class:`~gmm_estimators.GaussianMixtureClassifier` fits a mixture per class
(MclustDA) or one background mixture (UBM), each chosen by BIC among numbers
of components and covariance structures with
:class:`~gmm_estimators.model_selection.GaussianMixtureIC`. This module
turns the classifier's ``n_components`` and ``covariance_types`` into
candidate lists, leaves out the candidates a class has too few rows for,
and ranks the candidates' results (also EDDA's, see ``_edda``).
"""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np

from ._adaptation import structure_of
from ._criteria import n_free_parameters
from .covariance import available_covariance_types
from .model_selection import GaussianMixtureIC

__all__ = [
    "axis_aligned",
    "candidate_ks",
    "candidate_types",
    "plain",
    "rank",
    "select_mixture",
]


def _selector(classifier, ks, types):
    # With one component every start gives the same fit (all rows belong
    # to it): skip the initialiser's work (k-means) and its restarts.
    single = list(ks) == [1]
    return GaussianMixtureIC(
        n_components=ks,
        covariance_types=types,
        n_init=1 if single else classifier.n_init,
        init_params="random" if single else classifier.init_params,
        max_iter=classifier.max_iter,
        tol=classifier.tol,
        reg_covar=classifier.reg_covar,
        random_state=classifier.random_state,
        n_jobs=classifier.n_jobs,
    )


def select_mixture(classifier, X, sample_weight, ks, types, n_rows, what):
    """The BIC choice among ``ks`` x ``types`` on X, skipping overfull models.

    When ``ks`` offers a choice, a candidate of several components with
    at least as many free parameters as rows (with a positive weight) is
    not tried: components can then rest on a handful of rows each, the
    likelihood is unbounded or nearly so and BIC meaningless. Each number
    of components is one :class:`GaussianMixtureIC` (which shares its
    starts among the structures); the candidate of lowest BIC over all
    of them is kept.

    Returns
    -------
    mixture : GaussianMixture
    results : dict of ndarray
        Every tried candidate, ranked.
    """
    n_features = X.shape[1]
    allowed = {
        k: [
            t
            for t in types
            if k == 1
            or len(ks) == 1
            or n_free_parameters(structure_of(t), k, n_features) < n_rows
        ]
        for k in ks
    }
    # The numbers of components that allow every structure are searched
    # by one selector (its starts and proposals move between them); the
    # others, each with the structures it allows.
    whole = [k for k in ks if len(allowed[k]) == len(types)]
    groups = [(whole, list(types))] if whole else []
    groups += [([k], allowed[k]) for k in ks if k not in whole and allowed[k]]
    groups.sort(key=lambda group: min(group[0]))
    best, tables, errors = None, [], []
    for group, group_types in groups:
        selector = _selector(classifier, group, group_types)
        try:
            selector.fit(X, sample_weight=sample_weight)
        except ValueError as error:  # every candidate degenerate or failed
            errors.append(f"n_components={group}: {error}")
            continue
        tables.append(selector.results_)
        # Groups ascend: on a tie the smaller number of components stays.
        if best is None or selector.criterion_ < best.criterion_:
            best = selector
    if best is None:
        detail = (
            " ".join(errors)
            if errors
            else (
                "every candidate has at least as many free parameters as its "
                f"{int(n_rows)} rows."
            )
        )
        raise ValueError(
            f"No mixture could be fitted to {what}: {detail} Allow fewer "
            "components or simpler covariance structures, increase reg_covar, "
            "or give it more rows."
        )
    keys = [key for key in tables[0] if key != "rank"]
    results = {key: np.concatenate([table[key] for table in tables]) for key in keys}
    results["rank"] = rank(
        results["bic"], results["degenerate"], results["n_parameters"]
    )
    return best.best_estimator_, results


def plain(label):
    """A label as a plain Python value, for messages."""
    return label.item() if isinstance(label, np.generic) else label


def rank(bic, degenerate, n_parameters):
    """Ranks (1 = best): sound fits by BIC, then degenerate ones, then failed.

    Ties are broken by fewer parameters, then by order.
    """
    failed = ~np.isfinite(bic)
    group = np.where(failed, 2, np.where(degenerate, 1, 0))
    order = np.lexsort(
        (np.arange(bic.size), n_parameters, np.where(failed, 0.0, bic), group)
    )
    rank = np.empty(bic.size, dtype=np.intp)
    rank[order] = np.arange(1, bic.size + 1)
    return rank


def candidate_ks(n_components):
    """Numbers of components: ``K`` means ``1..K``; a sequence lists them."""
    if isinstance(n_components, Integral) and not isinstance(n_components, bool):
        return list(range(1, int(n_components) + 1))
    values = None if isinstance(n_components, str) else list(n_components)
    if not values or not all(
        isinstance(k, Integral) and not isinstance(k, bool) and k >= 1 for k in values
    ):
        raise ValueError(
            "n_components must be a positive int K (meaning 1, ..., K) or a "
            f"non-empty sequence of positive ints; got {n_components!r}."
        )
    return sorted({int(k) for k in values})


def candidate_types(covariance_types, n_features):
    """Validated structure names, each structure once."""
    if covariance_types is None:
        names = available_covariance_types()
        limits = {t: structure_of(t).max_n_features for t in names}
        univariate = [t for t in names if limits[t] == 1]
        if n_features == 1 and univariate:
            return univariate
        return [t for t in names if limits[t] is None or limits[t] >= n_features]
    names = [covariance_types] if isinstance(covariance_types, str) else None
    if names is None:
        names = list(covariance_types)
    if not names or not all(isinstance(t, str) for t in names):
        raise ValueError(
            "covariance_types must be None, a covariance type name or a non-empty "
            f"sequence of them; got {covariance_types!r}."
        )
    seen, unique = set(), []
    for name in names:
        model = structure_of(name)  # raises for an unknown name
        limit = model.max_n_features
        if limit is not None and n_features > limit:
            raise ValueError(
                f"covariance_types includes {name!r}, which is defined for at most "
                f"{limit} feature(s), but X has {n_features} features; remove it."
            )
        if model.name not in seen:
            seen.add(model.name)
            unique.append(name)
    return unique


def axis_aligned(name, n_features):
    """Whether a structure's covariances are diagonal (no (d, d) matrices)."""
    shape = structure_of(name).param_shape(n_features + 1, n_features)
    return n_features == 1 or tuple(shape[-2:]) != (n_features, n_features)
