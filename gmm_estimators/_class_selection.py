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

from functools import partial

import numpy as np

from ._adaptation import structure_of
from ._collapse import covariances_less, spread_in
from ._criteria import n_free_parameters
from ._warn import reworded, warn_user
from .exceptions import DegenerateFitWarning, NoSoundCandidateError
from .model_selection import GaussianMixtureIC
from .model_selection._candidates import (
    candidate_ks,  # noqa: F401  (the one list of K)
    rank_results,
)
from .model_selection._candidates import candidate_types as selector_candidate_types

__all__ = [
    "distinct_rows",
    "axis_aligned",
    "candidate_ks",
    "candidate_types",
    "plain",
    "select_mixture",
]


def distinct_rows(X, y_index, weights, n_classes):
    """Each class's number of distinct rows of positive weight.

    What the candidate filters count: rows repeated, or one row weighted by
    its count (frequency weights), give the same number, and so does any
    common factor of the weights.
    """
    counts = np.zeros(n_classes, dtype=np.intp)
    for c in range(n_classes):
        rows = X[(y_index == c) & (weights > 0)]
        counts[c] = np.unique(rows, axis=0).shape[0] if rows.shape[0] else 0
    return counts


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


def select_mixture(
    classifier, X, sample_weight, ks, types, n_rows, what, data_covariance=None
):
    """The BIC choice among ``ks`` x ``types`` on X, skipping overfull models.

    With ``data_covariance`` (that of every class's rows, for one class's
    mixture), a chosen mixture with a component whose covariance is singular
    in the span of all the data (``_collapse.spread_in``: a class on a line
    or a few points of a plane) is not kept: its structure is left out and
    the choice made again. Judged on the class's rows alone, whose own span
    is the line, such a component looks sound, yet its density is used in
    every direction of the data (mclust's MclustDA gets NA for those
    models). When every structure is singular there, the first choice is
    kept, with those components in ``collapsed_components_`` and a
    ``DegenerateFitWarning``.

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
    types, first = list(types), None
    while True:
        # The selector speaks of its X: one class's rows, not the user's X.
        with reworded(
            partial(_of_part, what=what) if data_covariance is not None else str
        ):
            chosen = _select(classifier, X, sample_weight, ks, types, n_rows, what)
        first = first or chosen
        mixture = chosen[0]
        singular = _singular_in_data(mixture, data_covariance)
        if not singular.size:
            return chosen
        types.remove(mixture.covariance_type)
        if types:
            continue
        # Every structure tried is singular there: the first choice, flagged.
        mixture = first[0]
        singular = _singular_in_data(mixture, data_covariance)
        mixture.collapsed_components_ = np.union1d(
            mixture.collapsed_components_, singular
        ).astype(np.intp)
        warn_user(
            f"The mixture of {what}: component(s) {singular.tolist()} have a "
            "covariance singular in the span of the data (the class's rows lie "
            "on a few points, a line or a plane of it), so its density, used in "
            "every direction, is unbounded. Add a spherical or diagonal "
            "structure ('VII', 'VVI') to covariance_types, use model_type='EDDA' "
            "with a structure shared by the classes ('EEE'), or give the class "
            "more varied rows.",
            DegenerateFitWarning,
        )
        return first


def _of_part(message, what):
    """A warning about some of the rows, said of them (``what``)."""
    return f"The rows of {what}: {message}"


def _singular_in_data(mixture, data_covariance):
    """Components whose covariance, less reg_covar, does not spread in the data."""
    if data_covariance is None:
        return np.array([], dtype=np.intp)
    full = covariances_less(
        structure_of(mixture.covariance_type),
        mixture.covariances_,
        mixture.means_.shape,
        mixture.reg_covar,
    )
    return np.flatnonzero(~spread_in(full, data_covariance))


def _select(classifier, X, sample_weight, ks, types, n_rows, what):
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
        except NoSoundCandidateError as error:  # every candidate unsound
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
                f"{int(n_rows)} distinct rows."
            )
        )
        raise ValueError(
            f"No mixture could be fitted to {what}: {detail} Allow fewer "
            "components or simpler covariance structures, increase reg_covar, "
            "or give it more rows."
        )
    keys = [key for key in tables[0] if key != "rank"]
    results = {key: np.concatenate([table[key] for table in tables]) for key in keys}
    # Ranked as each selector ranked its own (ties, then simpler structures).
    n_features = best.best_estimator_.means_.shape[1]
    results["rank"] = rank_results(results, "bic", n_features)
    return best.best_estimator_, results


def plain(label):
    """A label as a plain Python value, for messages."""
    return label.item() if isinstance(label, np.generic) else label


def candidate_types(covariance_types, n_features):
    """Validated structure names: one name or the selector's list of them."""
    if isinstance(covariance_types, str):
        covariance_types = [covariance_types]
    # Any sequence, a NumPy array of names included (not ``or ()``: the
    # truth value of an array is ambiguous).
    for name in () if covariance_types is None else covariance_types:
        structure_of(name)  # an unknown name: the registry's own error
    return selector_candidate_types(covariance_types, n_features)


def axis_aligned(name, n_features):
    """Whether a structure's covariances are diagonal (no (d, d) matrices)."""
    return structure_of(name).axis_aligned(n_features)
