"""Text output: numbers, fixed-width tables, a mixture's components."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from .library import full_covariances, shares_covariance

__all__ = [
    "column_texts",
    "components_text",
    "digits_by_feature",
    "GAP",
    "elided",
    "elided_names",
    "fixed",
    "fmt",
    "format_table",
]

# Beyond this many features a table shows the first _HEAD and the last
# _TAIL with "..." between, as numpy and pandas summarise: on 500 features
# every covariance was printed whole (6.7 MB), which no terminal shows.
_MOST_SHOWN, _HEAD, _TAIL = 12, 6, 3
GAP = "..."


def elided(n_features):
    """The feature positions shown, with None where the rest are left out."""
    if n_features <= _MOST_SHOWN:
        return list(range(n_features))
    return [*range(_HEAD), None, *range(n_features - _TAIL, n_features)]


def elided_names(names):
    """The names shown (:func:`elided`), :data:`GAP` where the rest are left out."""
    return [GAP if j is None else names[j] for j in elided(len(names))]


def _elision_note(n_features):
    """The line that says some features were left out, or ''."""
    if n_features <= _MOST_SHOWN:
        return ""
    return (
        f"(showing {_HEAD + _TAIL} of {n_features} features; --save MODEL.joblib "
        "keeps every parameter)"
    )


def fmt(value, digits=6):
    """A compact number: integers as such, others with ``digits`` significant."""
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return "-" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return f"{value:.{digits}g}"


def digits_by_feature(magnitudes, spreads, digits):
    """Significant digits per feature, more where its values dwarf its spread.

    ``digits`` of a value ``|x|`` round it to steps of ``|x| 10^(1 - digits)``;
    where ``|x|`` is more than a hundred times the feature's spread, that step
    grows past ``10^(3 - digits)`` spreads, and a feature far from zero
    compared with its spread (Unix timestamps, ``1e12 + N(0, 1)``) rounds to a
    grid coarser than its rows (a sample of two bursts of timestamps an hour
    apart, 60 s wide each, took 10 values). Such a feature gets the decades
    beyond those two, so that its steps stay below ``10^(3 - digits)`` of its
    spread; ordinary features keep ``digits``.

    Parameters
    ----------
    magnitudes : ndarray of shape (n_features,)
        The largest absolute value written of each feature.
    spreads : ndarray of shape (n_features,)
        The scale of each feature that must stay legible (its narrowest
        component's standard deviation); zero or NaN adds nothing.
    digits : int

    Returns
    -------
    list of int
        At most 17 (float64 round-trips).
    """
    magnitudes = np.asarray(magnitudes, dtype=np.float64)
    spreads = np.asarray(spreads, dtype=np.float64)
    extra = np.zeros(magnitudes.shape)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        far = np.isfinite(magnitudes) & (spreads > 0) & (magnitudes > 100 * spreads)
        extra[far] = np.ceil(np.log10(magnitudes[far] / spreads[far])) - 2
    return [int(min(digits + e, 17)) for e in extra]


def _component_spreads(model):
    """Each feature's smallest standard deviation over the components, or None."""
    if not hasattr(model, "full_covariances_"):  # a mixture of another package
        return None
    variances = np.diagonal(full_covariances(model), axis1=1, axis2=2)
    return np.sqrt(np.min(variances, axis=0))


def fixed(value, decimals=2):
    """A number with a fixed number of decimals (criteria, log-likelihoods)."""
    if value is None:
        return "-"
    value = float(value)
    if not math.isfinite(value):
        return "-" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return f"{value:.{decimals}f}"


def format_table(headers, rows, align=None):
    """A fixed-width text table.

    Parameters
    ----------
    headers : list of str
    rows : list of list of str
    align : str, default=None
        One character per column, ``"<"`` or ``">"``; right-aligned by
        default.

    Returns
    -------
    table : str
        A header line, a rule and one line per row, without trailing spaces.
    """
    align = align or ">" * len(headers)
    widths = [
        max(len(str(cell)) for cell in [header, *[row[j] for row in rows]])
        for j, header in enumerate(headers)
    ]
    lines = [
        "  ".join(
            f"{header:{a}{w}}"
            for header, a, w in zip(headers, align, widths, strict=True)
        ),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        lines.append(
            "  ".join(
                f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True)
            )
        )
    return "\n".join(line.rstrip() for line in lines)


def components_text(model, feature_names, *, covariances=False):
    """Weights and means of a fitted mixture, and optionally its covariances.

    Collapsed and spurious components are marked so in the table.
    Covariances are printed as full matrices whatever the structure; one
    matrix when all components have the same, said to be shared only if the
    structure makes it so.
    """
    means = np.asarray(model.means_, dtype=np.float64)
    weights = np.asarray(model.weights_, dtype=np.float64)
    n_components = means.shape[0]
    flagged = {int(k): "spurious" for k in getattr(model, "spurious_components_", ())}
    flagged.update(
        {int(k): "collapsed" for k in getattr(model, "collapsed_components_", ())}
    )
    shown = elided(means.shape[1])
    headers = ["component", "weight"] + [
        GAP if j is None else f"mean {feature_names[j]}" for j in shown
    ]
    spreads = _component_spreads(model)
    digits = (
        [5] * means.shape[1]
        if spreads is None
        else digits_by_feature(np.abs(means).max(axis=0), spreads, 5)
    )
    rows = [
        [str(k) + (f" ({flagged[k]})" if k in flagged else ""), f"{weights[k]:.4f}"]
        + [GAP if j is None else fmt(means[k, j], digits[j]) for j in shown]
        for k in range(n_components)
    ]
    text = format_table(headers, rows, "<" + ">" * (len(headers) - 1))
    if covariances:
        text += "\n\n" + _covariances_text(model, feature_names)
    note = _elision_note(means.shape[1])
    return text + ("\n" + note if note else "")


def column_texts(values, digits=6):
    """A column of numbers with one number of decimals, so that points align.

    As R prints a matrix: as many decimals as the value needing most of
    them has once written with ``digits`` significant digits (trailing
    zeros dropped), at most :data:`_MOST_DECIMALS` (beyond, or for values
    past ``1e15``, each keeps :func:`fmt`'s form); an exact zero is ``0``.
    """
    values = np.asarray(values, dtype=np.float64)
    shown = values[np.isfinite(values) & (values != 0)]
    if not shown.size or np.abs(shown).max() >= 1e15:
        return [fmt(x, digits) for x in values]
    decimals = max(_decimals(f"{float(x):.{digits}g}") for x in shown)
    if decimals > _MOST_DECIMALS:
        return [fmt(x, digits) for x in values]
    # An exact zero (off the diagonal of an axis-aligned structure) stays "0".
    return ["0" if x == 0 else fixed(x, decimals) for x in values]


def _decimals(text):
    """Decimal places of a number as ``%g`` wrote it (``1e-05``: 5)."""
    mantissa, _, exponent = text.partition("e")
    places = len(mantissa.partition(".")[2])
    return max(places - int(exponent or 0), 0)


# Decimals of a column of covariances before each value keeps its own form.
_MOST_DECIMALS = 10


def _covariances_text(model, feature_names):
    full = full_covariances(model)
    n_components = full.shape[0]
    width = max(10, *(len(name) for name in feature_names))
    equal = n_components > 1 and np.allclose(full, full[:1], rtol=1e-12, atol=0)
    # Equal in a fit of a structure that lets them differ (VVV): not shared.
    shared = "shared by all components"
    if not shares_covariance(getattr(model, "covariance_type", None)):
        shared = "of every component (equal in this fit)"
    shown = elided(len(feature_names))
    names = elided_names(feature_names)
    blocks = []
    for k in range(1 if equal else n_components):
        title = shared if equal else f"of component {k}"
        lines = [f"Covariance {title}:"]
        lines.append(
            " " * (width + 2) + "  ".join(f"{name:>{width}}" for name in names)
        )
        columns = [None if j is None else column_texts(full[k][:, j]) for j in shown]
        for i, name in zip(shown, names, strict=True):
            cells = [
                GAP if i is None or column is None else column[i] for column in columns
            ]
            lines.append(
                f"  {name:<{width}}" + "  ".join(f"{cell:>{width}}" for cell in cells)
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
