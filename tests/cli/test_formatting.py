"""Text output (gmm_estimators/cli/formatting.py) and the package's layout."""

import math
import re
import warnings
from pathlib import Path

import numpy as np

import gmm_estimators.cli
from gmm_estimators import GaussianMixture
from gmm_estimators.cli.formatting import (
    column_texts,
    components_text,
    fixed,
    fmt,
    format_table,
)


def test_numbers():
    assert fmt(None) == "-" and fixed(None) == "-"
    assert fmt(True) == "yes" and fmt(np.bool_(False)) == "no"
    assert fmt(np.int64(12)) == "12"
    assert fmt(1 / 3, 3) == "0.333"
    assert fmt(math.nan) == "-" and fmt(-math.inf) == "-inf"
    assert fixed(2.0, 3) == "2.000" and fixed(math.inf) == "inf"


def test_format_table_aligns_columns():
    table = format_table(["name", "value"], [["a", "1"], ["long", "10.5"]], "<>")
    assert table.splitlines() == [
        "name  value",
        "----  -----",
        "a         1",
        "long   10.5",
    ]


def test_components_text_full_covariances():
    X = np.r_[
        np.random.RandomState(0).normal(size=(30, 2)),
        [[8, 8]] * 3 + 0.1 * np.random.RandomState(1).normal(size=(3, 2)),
    ]
    model = GaussianMixture(2, covariance_type="spherical", random_state=0).fit(X)
    text = components_text(model, ["u", "v"], covariances=True)
    assert "mean u" in text and text.count("Covariance of component") == 2
    # A spherical covariance printed as a full matrix: zeros off the diagonal.
    block = text.split("Covariance of component 0:")[1].splitlines()
    assert block[2].split()[1:] == [fmt(model.covariances_[0]), "0"]


def test_equal_covariances_of_a_full_fit_are_not_called_shared():
    # Two rows, two components: both full covariances are reg_covar alone,
    # which was printed as "Covariance shared by all components".
    X = np.array([[1.0, 2.0], [3.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each component collapses on one row
        full = GaussianMixture(2, covariance_type="full", random_state=0).fit(X)
        tied = GaussianMixture(2, covariance_type="EII", random_state=0).fit(X)
    text = components_text(full, ["a", "b"], covariances=True)
    assert "shared" not in text
    assert text.count("Covariance of every component (equal in this fit):") == 1
    text = components_text(tied, ["a", "b"], covariances=True)
    assert text.count("Covariance shared by all components:") == 1


def test_no_copy_of_library_logic():
    # The command line asks the library (n_parameters_, the selector's choice
    # of structures) instead of recomputing; it sets no thread policy and no
    # private attributes on models.
    root = Path(gmm_estimators.cli.__file__).parent
    source = "\n".join(path.read_text() for path in root.glob("*.py"))
    for pattern in (
        r"threadpool",
        r"max_n_features",
        r"\.n_parameters\(",
        r"setattr\(",
        r"_gmm_cli",
    ):
        assert not re.search(pattern, source), pattern
    private = [
        p.name for p in root.glob("*.py") if re.search(r"from \.\.\_", p.read_text())
    ]
    assert private == ["library.py"]


def test_digits_by_feature_add_the_decades_between_magnitude_and_spread():
    from gmm_estimators.cli.formatting import digits_by_feature

    magnitudes = np.array([1.7e9, 300.0, 3.0, 1e300, 5.0, np.nan])
    spreads = np.array([60.0, 1.0, 1.0, 1e-300, 0.0, 1.0])
    # 1.7e9 / 60 is 2.8e7: 8 decades, 6 beyond the two a value may dwarf its
    # spread by; 300 / 1 one; 3 / 1 none; float64 at most 17; no spread or
    # no value, none.
    assert digits_by_feature(magnitudes, spreads, 8) == [14, 9, 8, 17, 8, 8]


def test_a_covariance_columns_decimal_points_align():
    # Six significant digits each, right-aligned: 0.16982 above 0.938718.
    texts = column_texts([0.16982, 0.938718, 36.02497, 0.0])
    assert texts == ["0.169820", "0.938718", "36.024970", "0"]
    points = {len(t) - t.index(".") for t in texts if "." in t}
    assert len(points) == 1
    # No more decimals than a value needs (R's print of c(0.86376, 1.5)).
    assert column_texts([0.86376, 1.5, 0.0]) == ["0.86376", "1.50000", "0"]
    assert column_texts([2.0, 3.0]) == ["2", "3"]
    assert column_texts([3e-5, 1.0]) == ["0.00003", "1.00000"]
    # Values too far apart for one column of decimals keep their own form.
    assert column_texts([1e-14, 3.5]) == [fmt(1e-14), fmt(3.5)]
    assert column_texts([2e15, 1.0]) == [fmt(2e15), fmt(1.0)]
    assert column_texts([np.nan, 0.0]) == ["-", "0"]
