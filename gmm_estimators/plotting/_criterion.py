"""plot_criterion: BIC (AIC, ICL) against K, one line per structure."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..covariance import get_covariance_model
from ..model_selection._candidates import ONE_MODEL_TOLERANCE, one_model_key
from ._common import (
    _CRITERION_LABELS,
    _MARKERS,
    _check_ax,
    _component_colors,
    _import_matplotlib,
    _is_mixture,
    _package_classes,
)

# ----------------------------------------------------------------------------
# plot_criterion


def _one_model_tie(results, eligible, values, chosen):
    """The table's pick among one-component fits of one model tied with ``chosen``.

    The selector ranks such fits (the same covariance form and as many
    parameters, ``model_selection._candidates``) as tied and labels the tie
    by its rule (EEE before VVV); their values differ by their solvers'
    rounding. A table's ``rank`` then decides among those within
    ``ONE_MODEL_TOLERANCE`` of the plotted criterion's range (a difference
    the plot cannot show): the circle is the selector's pick.
    """
    ranks = results.get("rank")
    if ranks is None or "n_parameters" not in results or len(ranks) != len(values):
        return chosen
    key = one_model_key(results, chosen)
    if key is None:
        return chosen
    span = float(np.ptp(values[eligible])) if eligible.size > 1 else 0.0
    reach = ONE_MODEL_TOLERANCE * span
    tied = [
        int(i)
        for i in eligible
        if values[i] - values[chosen] <= reach and one_model_key(results, i) == key
    ]
    return tied[int(np.argmin(np.asarray(ranks)[tied]))]


def _results_table(selector_or_results):
    """``(results dict, selection or None)`` from a fitted selector or a table.

    ``selection`` is ``(criterion name, n_components, covariance_type)`` of
    the model the estimator chose, or None.
    """
    if hasattr(selector_or_results, "get_params"):  # an estimator
        return _estimator_results(selector_or_results)
    if hasattr(selector_or_results, "to_dict") and hasattr(
        selector_or_results, "columns"
    ):  # a DataFrame
        frame = selector_or_results
        return {column: list(frame[column]) for column in frame.columns}, None
    if isinstance(selector_or_results, dict):
        scalar = [k for k, v in selector_or_results.items() if np.ndim(v) != 1]
        if scalar:
            raise ValueError(
                "plot_criterion expects a results table, one sequence per column "
                f"(as GaussianMixtureIC's results_); column(s) {scalar} are not "
                "one-dimensional."
            )
        return dict(selector_or_results), None
    raise TypeError(
        "plot_criterion expects a fitted GaussianMixtureIC, its results_ dict or a "
        f"DataFrame of it; got {type(selector_or_results).__name__}."
    )


def _estimator_results(estimator):
    """The results table and choice of an estimator that selected a mixture."""
    classes = _package_classes()
    name = type(estimator).__name__
    if isinstance(estimator, classes["outlier"]) or (
        getattr(estimator, "selector_", None) is not None
    ):
        # The outlier detector keeps its GaussianMixtureIC in selector_.
        check_is_fitted(estimator, "selector_")
        return _estimator_results(estimator.selector_)
    if isinstance(estimator, classes["classifier"]):
        check_is_fitted(estimator, "results_")
        background = getattr(estimator, "background_", None)
        if background is not None:  # UBM: the background's selection
            chosen = (
                "bic",
                int(background.n_components),
                str(background.covariance_type),
            )
            return dict(estimator.results_), chosen
        raise TypeError(
            f"plot_criterion plots one selection against the number of "
            f"components, but {name}(model_type={estimator.model_type!r}) "
            + (
                "fits one Gaussian per class: its results_ compare covariance "
                "structures only."
                if "n_components" not in estimator.results_
                else "selected a mixture per class: its results_ stack the "
                "selections, with a 'class' column. Plot one class's rows, e.g. "
                "plot_criterion({key: numpy.asarray(column)[mask] for key, column "
                "in clf.results_.items()}) with mask = "
                "numpy.asarray(clf.results_['class']) == clf.classes_[0]."
            )
        )
    if isinstance(estimator, classes["imputer"]):
        check_is_fitted(estimator, "results_")
        if estimator.results_ is None:
            raise ValueError(
                f"{name} fitted a single candidate (n_components="
                f"{estimator.n_components_}, covariance_type="
                f"{estimator.covariance_type_!r}): there is no selection to plot. "
                "Give it several n_components or covariance types."
            )
        chosen = ("bic", int(estimator.n_components_), str(estimator.covariance_type_))
        return dict(estimator.results_), chosen
    if isinstance(estimator, classes["selector"]):
        check_is_fitted(estimator, "results_")
    results = getattr(estimator, "results_", None)
    if isinstance(results, dict) or (
        hasattr(results, "to_dict") and hasattr(results, "columns")
    ):
        results, _ = _results_table(results)
        chosen = None
        criterion = _selector_criterion(estimator)
        if criterion is not None and hasattr(estimator, "n_components_"):
            chosen = (
                criterion,
                int(estimator.n_components_),
                str(getattr(estimator, "covariance_type_", "")),
            )
        return results, chosen
    advice = (
        " A single mixture has no model selection to plot: fit a "
        "GaussianMixtureIC over several n_components and covariance types."
        if _is_mixture(estimator)
        else ""
    )
    raise TypeError(
        "plot_criterion needs a fitted GaussianMixtureIC (its results_), an "
        "estimator that selected its mixture with one (the outlier detector, the "
        "imputer), or a results_ dict or DataFrame; got "
        f"{name}.{advice}"
    )


def _selector_criterion(selector):
    """Name of the criterion a selector optimised."""
    for attribute in ("criterion_", "criterion"):
        value = getattr(selector, attribute, None)
        if isinstance(value, str):
            return value.lower()
    return None


def plot_criterion(
    selector_or_results,
    *,
    criterion="bic",
    ax=None,
    mclust_sign=False,
    legend=True,
):
    """Plot an information criterion against the number of components.

    One line per covariance structure, as R mclust's BIC plot. Candidates
    whose fit was degenerate (a collapsed component) or spurious (a component
    far narrower than the others) are drawn as hollow markers and left out of
    the lines: a selector never picks them. The selected model is circled.

    Parameters
    ----------
    selector_or_results : fitted GaussianMixtureIC, dict or DataFrame
        A fitted selector, or its ``results_`` (a dict of lists, or a
        :class:`pandas.DataFrame` of it) with at least the keys
        ``"n_components"``, ``"covariance_type"`` and ``criterion``;
        ``"degenerate"`` and ``"spurious"`` are used when present.
        Estimators that selected their mixture with a selector are accepted
        too: the outlier detector (its ``selector_``), the imputer, and the
        UBM classifier (its background's selection).
    criterion : str, default="bic"
        Column to plot: ``"bic"``, ``"aic"``, ``"icl"`` (or any numeric column
        of the results).
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created if None.
    mclust_sign : bool, default=False
        If False, plot the criterion as scikit-learn and this package compute
        it, lower is better (``BIC = -2 log L + p log n``). If True, plot its
        negative as R mclust does (``2 log L - p log n``), higher is better.
        The axis label states which.
    legend : bool, default=True
        Add a legend of the structures.

    Returns
    -------
    ax : matplotlib Axes
        The Axes drawn on. ``ax.lines`` holds exactly one line per covariance
        structure, in the order the structures appear in the results.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If a selector (or an estimator that holds one) is given that is not
        fitted.
    TypeError
        If the estimator did not select a mixture, such as a single fitted
        ``GaussianMixture``.
    ValueError
        If the results lack a required column, or stack several classes'
        selections.

    See Also
    --------
    gmm_estimators.model_selection.GaussianMixtureIC : The selector.

    Notes
    -----
    The circled model is the selector's choice when ``criterion`` is the one
    the selector optimised; otherwise (or for a plain results table) it is the
    non-degenerate candidate with the lowest BIC, AIC or ICL, whichever is
    plotted, but among one-component fits of one model whose values differ
    by a millionth of the plotted range (their solvers' rounding) the one the
    table's ``rank`` puts first, as the selector labels that tie. Another
    column (``log_likelihood``, ``n_parameters``) is plotted with no model
    circled and no better or worse in its label. Candidates
    whose value is not finite are not drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from gmm_estimators.plotting import plot_criterion
    >>> results = {
    ...     "n_components": [1, 2, 3, 1, 2, 3],
    ...     "covariance_type": ["VVV"] * 3 + ["VII"] * 3,
    ...     "bic": [2607.6, 2322.2, 2349.1, 4024.7, 3458.3, 3336.6],
    ...     "degenerate": [False, False, True, False, False, False],
    ... }
    >>> ax = plot_criterion(results)
    >>> len(ax.lines)
    2
    """
    plt = _import_matplotlib()
    _check_ax(ax)
    results, selection = _results_table(selector_or_results)
    if not isinstance(criterion, str):
        raise ValueError(f"criterion should be a column name, got {criterion!r}.")
    for key in ("n_components", "covariance_type", criterion):
        if key not in results:
            numeric = [
                name
                for name, values in results.items()
                if name not in ("n_components", "rank")
                and len(values)
                and isinstance(values[0], Real)
                and not isinstance(values[0], bool | np.bool_)
            ]
            what = "criterion" if key == criterion else "column"
            raise ValueError(
                f"The results have no {what} {key!r}; available numeric columns: "
                f"{numeric}."
            )
    if "class" in results and len({str(c) for c in results["class"]}) > 1:
        raise ValueError(
            "The results stack the selections of several classes (column "
            "'class'): plot one class's rows at a time."
        )
    lengths = {
        len(results[column])
        for column in ("n_components", "covariance_type", criterion)
        + tuple(c for c in ("degenerate", "spurious") if c in results)
    }
    if len(lengths) > 1:
        raise ValueError("The results' columns do not all have the same length.")
    with np.errstate(invalid="ignore"):
        counts = np.asarray(results["n_components"], dtype=np.float64)
    if not np.all(np.isfinite(counts) & (counts == np.round(counts))):
        raise ValueError(
            "The results' n_components column should hold whole numbers; "
            "got a missing or fractional value."
        )
    n_components = counts.astype(np.int64)
    structures = [str(value) for value in results["covariance_type"]]
    values = np.asarray(results[criterion], dtype=np.float64)

    def flags(column):
        if column not in results:
            return np.zeros(values.shape, dtype=bool)
        return np.asarray(
            [bool(v) if v is not None else False for v in results[column]],
            dtype=bool,
        )

    # A spurious fit is never picked either (it was drawn, and circled, as
    # the best model when it had the lowest criterion).
    spurious = flags("spurious")
    degenerate = flags("degenerate") | spurious
    if not len(values):
        raise ValueError(
            "The results have no rows: there is no candidate to plot. Pass the "
            "results_ of a fitted selector."
        )
    if not np.isfinite(values).any():
        # Each non-finite candidate is left out; all of them left an empty plot.
        raise ValueError(
            f"No candidate has a finite {criterion!r}: every fit failed, so "
            "there is nothing to plot (the results' rows say why)."
        )
    sign = -1.0 if mclust_sign else 1.0
    shown = sign * values

    # The model to circle.
    chosen = None
    if selection is not None and selection[0] == criterion.lower():
        _, chosen_k, chosen_type = selection
        for i in range(len(values)):
            if n_components[i] == chosen_k and structures[i] == chosen_type:
                chosen = i
                break
    # Other columns (log_likelihood, n_parameters, fit_time) choose nothing.
    is_criterion = criterion.lower() in _CRITERION_LABELS
    if chosen is None and is_criterion:
        eligible = np.flatnonzero(~degenerate & np.isfinite(values))
        if eligible.size:
            chosen = int(eligible[np.argmin(values[eligible])])
            chosen = _one_model_tie(results, eligible, values, chosen)

    if ax is None:
        _, ax = plt.subplots()
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    order = list(dict.fromkeys(structures))
    colors = _component_colors(len(order))
    any_degenerate = False
    for i, structure in enumerate(order):
        rows = np.array([j for j, s in enumerate(structures) if s == structure])
        rows = rows[np.argsort(n_components[rows], kind="stable")]
        marker = _MARKERS[i % len(_MARKERS)]
        good = ~degenerate[rows] & np.isfinite(values[rows])
        line_values = np.where(good, shown[rows], np.nan)
        ax.plot(
            n_components[rows],
            line_values,
            marker=marker,
            color=colors[i],
            label=_structure_label(structure),
            markersize=6,
            linewidth=1.5,
        )
        bad = degenerate[rows] & np.isfinite(values[rows])
        if bad.any():
            any_degenerate = True
            ax.scatter(
                n_components[rows][bad],
                shown[rows][bad],
                marker=marker,
                facecolors="none",
                edgecolors=[colors[i]],
                s=45,
                linewidths=1.5,
                zorder=3,
                label="_nolegend_",
            )
    handles = [line for line in ax.lines]
    if any_degenerate:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="none",
                markeredgecolor="0.3",
                label=(
                    "degenerate or spurious (not selectable)"
                    if spurious.any()
                    else "degenerate (not selectable)"
                ),
            )
        )
    if chosen is not None:
        ax.scatter(
            [n_components[chosen]],
            [shown[chosen]],
            s=260,
            facecolors="none",
            edgecolors="black",
            linewidths=2.0,
            zorder=4,
            label="_nolegend_",
        )
        ax.annotate(
            f"K={n_components[chosen]}, {structures[chosen]}",
            (n_components[chosen], shown[chosen]),
            xytext=(10, 10),
            textcoords="offset points",
            fontsize="small",
            fontweight="bold",
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markerfacecolor="none",
                markeredgecolor="black",
                markersize=12,
                markeredgewidth=2,
                label="selected",
            )
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of components K")
    ax.set_ylabel(_criterion_label(criterion, mclust_sign))
    name = _CRITERION_LABELS.get(criterion.lower(), (criterion, ""))[0]
    ax.set_title(f"Model selection by {name}" if is_criterion else f"{name} by K")
    ax.grid(True, alpha=0.3)
    if legend:
        if len(order) > 6:  # many structures: keep the legend off the lines
            ax.legend(
                handles=handles,
                fontsize="small",
                loc="upper left",
                bbox_to_anchor=(1.02, 1.0),
                borderaxespad=0.0,
            )
        else:
            ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.8)
    return ax


def _structure_label(structure):
    try:
        model = get_covariance_model(structure)
    except ValueError:
        return structure
    if structure == model.name and model.aliases:
        return f"{model.name} ({model.aliases[0]})"
    if structure != model.name:
        return f"{structure} ({model.name})"
    return structure


def _criterion_label(criterion, mclust_sign):
    name, formula = _CRITERION_LABELS.get(criterion.lower(), (criterion, None))
    if formula is None:
        return f"-{name}" if mclust_sign else name
    if mclust_sign:
        return f"-{name} = -({formula}), mclust's sign: higher is better"
    return f"{name} = {formula}: lower is better"
