"""scikit-learn's ``validate_data``, with errors that name non-numeric columns."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils.validation import validate_data as _sklearn_validate_data

from .._warn import warn_user

__all__ = ["validate_data"]

# dtype kinds a Gaussian mixture reads as numbers: booleans, integers, floats.
_NUMERIC_KINDS = "biuf"


def validate_data(estimator, X="no_validation", y="no_validation", **check_params):
    """``sklearn.utils.validation.validate_data``, naming columns that are not numbers.

    A DataFrame with a date, duration, text or category column made numpy
    raise ``DTypePromotionError`` ("The DType Float64DType could not be
    promoted by DateTime64DType") or "could not convert string to float";
    the error now names the columns, their dtypes and what to do.
    """
    _warn_of_integers_float64_merges(X)
    try:
        # Its finiteness test sums X first: values near the float range
        # overflow the sum (numpy's RuntimeWarning) before an exact test
        # finds them finite, and the squares' check names the range.
        with np.errstate(over="ignore", invalid="ignore"):
            return _sklearn_validate_data(estimator, X=X, y=y, **check_params)
    except (TypeError, ValueError) as error:
        # Only a failed conversion (numpy's DTypePromotionError is a
        # TypeError): an object column of numbers beside a NaN fails on the
        # NaN, and sklearn's message says so.
        converting = isinstance(error, TypeError) or "convert" in str(error)
        message = _non_numeric_message(X) if converting else None
        if message is None:
            text = str(error)
            if text.startswith("Input contains NaN") and _is_labels(y):
                # Labels of objects (strings with a missing one): scikit-learn
                # names no input; X's NaN are named "Input X".
                text = "Input y contains NaN"
            message = _missing_message(estimator, text)
            if message is None and text.startswith("Input X contains infinity"):
                message = _infinite_message(estimator, X, text)
        if message is None:
            raise
        raise ValueError(message) from error


def _warn_of_integers_float64_merges(X):
    """Warn when integer columns hold values that float64 merges.

    Beyond 2**53 float64 does not hold every integer: 60 distinct rows near
    2**62 became 8 rows, fitted without a word. Arrays in memory and the
    integer columns of a DataFrame are read (a memory map is left unread:
    reading it whole would break the bounded memory of out-of-core fits).
    """
    if isinstance(X, np.memmap):
        return
    columns = []
    if isinstance(X, np.ndarray):
        if X.dtype.kind in "iu" and X.ndim == 2 and X.size and _beyond(X):
            columns = [(None, X)]
    elif hasattr(X, "dtypes") and hasattr(X, "columns"):
        for name, dtype in zip(X.columns, X.dtypes, strict=True):
            # Most integer columns are far below 2**53: their extremes (no
            # copy, missing entries skipped) say so on every predict call.
            if getattr(dtype, "kind", "O") in "iu" and _beyond(X[name]):
                # A nullable integer column's missing entries are not numbers.
                values = np.asarray(X[name].dropna())
                if values.dtype.kind in "iu":
                    columns.append((name, values))
    merged = [(name, values) for name, values in columns if not _exact(values)]
    if not merged:
        return
    largest = max(max(abs(int(v.max())), abs(int(v.min()))) for _, v in merged)
    names = [name for name, _ in merged if name is not None]
    where = f" (columns {names})" if names else ""
    warn_user(
        f"X holds integers up to {float(largest):.3g} in magnitude{where}, "
        "beyond 2**53, where float64 (in which the mixture computes) cannot "
        "hold every integer: nearby values are merged. Subtract an offset "
        "(for example X - X.min(axis=0), and the same offset from the rows "
        "you predict), or divide by a power of two where the values span "
        "more than 2**53.",
        UserWarning,
    )


def _beyond(values):
    """Whether some integer of ``values`` (an array or a column) exceeds 2**53."""
    limit = 2**53
    largest, smallest = values.max(), values.min()
    try:
        return int(largest) > limit or int(smallest) < -limit
    except (TypeError, ValueError):  # an all-missing column has no extremes
        return False


def _exact(values):
    """Whether every integer of ``values`` (some beyond 2**53) is a float64.

    float64 holds larger integers with enough trailing zero bits; near the
    type's own limit the round trip overflows it (numpy's "invalid value"),
    and the comparison then says what matters.
    """
    with np.errstate(invalid="ignore"):
        back = values.astype(np.float64).astype(values.dtype)
    return bool(np.array_equal(back, values))


def _is_labels(y):
    """Whether ``y`` was given as an array of objects (labels, not numbers)."""
    if isinstance(y, str) and y == "no_validation":
        return False
    try:
        return np.asarray(y).dtype.kind == "O"
    except (TypeError, ValueError):  # ragged: scikit-learn's own error stands
        return False


def _missing_message(estimator, text):
    """The package's words for scikit-learn's refusal of NaN, or None.

    scikit-learn's suggests supervised gradient boosting; the package fits
    missing values itself in some estimators and imputes them in another.
    """
    name = type(estimator).__name__
    if text.startswith("Input X contains NaN"):
        return (
            f"X contains missing values (NaN), which {name} does not take. Impute "
            "them first (gmm_estimators.GaussianMixtureImputer, in a pipeline), "
            "or fit gmm_estimators.GaussianMixture, which fits them as they are."
        )
    if text.startswith("Input y contains NaN"):
        return (
            f"y contains NaN (missing labels or targets): {name} needs y for "
            "every row it is fitted on. Leave out the rows whose y is missing."
        )
    return None


def _infinite_message(estimator, X, text):
    """scikit-learn's refusal of infinite values, with where they are and remedies."""
    where = ""
    try:
        values = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):  # pragma: no cover - scikit-learn read it
        values = None
    if values is not None and values.ndim == 2:
        with np.errstate(over="ignore", invalid="ignore"):
            rows, columns = np.nonzero(np.isinf(values))
        if rows.size:
            shown = ", ".join(
                f"({r}, {c})"
                for r, c in zip(rows[:5].tolist(), columns[:5].tolist(), strict=True)
            )
            more = f" and {rows.size - 5} more" if rows.size > 5 else ""
            where = f" The (row, column) positions: {shown}{more}."
    remedy = "remove those rows"
    if get_tags(estimator).input_tags.allow_nan:
        remedy += (
            f", or replace the values by NaN to mark them as missing, which "
            f"{type(estimator).__name__} fits"
        )
    return (
        f"{text}{where} A Gaussian density is not defined at an infinite "
        f"value: {remedy}."
    )


def _kind(dtype):
    """numpy's kind of a column's dtype (pandas' extension dtypes have one too)."""
    return getattr(dtype, "kind", "O")


def _non_numeric_message(X):
    """The error for ``X``'s columns that are not numbers, or None."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):
        columns = [
            (str(name), str(dtype))
            for name, dtype in zip(X.columns, list(dtypes), strict=True)
            if _kind(dtype) not in _NUMERIC_KINDS
        ]
    else:
        dtype = getattr(X, "dtype", None)
        if not isinstance(dtype, np.dtype) or dtype.kind not in "mMSUV":
            return None
        columns = [("every column", str(dtype))]
    if not columns:
        return None
    listed = ", ".join(f"{name!r} ({dtype})" for name, dtype in columns[:5])
    more = f" and {len(columns) - 5} more" if len(columns) > 5 else ""
    return (
        f"X has columns that are not numbers: {listed}{more}. A Gaussian "
        "mixture models numeric features: convert them (dates and durations "
        "to numbers of days, for example; categories to indicator columns "
        "with sklearn.preprocessing.OneHotEncoder) or drop them."
    )
