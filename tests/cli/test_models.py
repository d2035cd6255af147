"""Model files and feature names (gmm_estimators/cli/models.py)."""

import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

from gmm_estimators import GaussianMixture
from gmm_estimators.cli import main
from gmm_estimators.model_selection import GaussianMixtureIC


def test_bad_model_file(tmp_path, data_csv, one_line_error):
    assert main(["score", "-m", str(data_csv)]) == 2
    one_line_error("not a model file")
    assert main(["sample", "-m", str(tmp_path / "missing.joblib")]) == 2
    one_line_error("no such file")
    assert main(["sample", "-m", str(tmp_path)]) == 2
    one_line_error("is a directory")
    not_a_mixture = tmp_path / "list.joblib"
    joblib.dump([1, 2, 3], not_a_mixture)
    assert main(["sample", "-m", str(not_a_mixture)]) == 2
    one_line_error("holds a list, not a fitted Gaussian mixture")
    unfitted = tmp_path / "unfitted.joblib"
    joblib.dump(GaussianMixture(2), unfitted)
    assert main(["sample", "-m", str(unfitted)]) == 2
    one_line_error("not a fitted Gaussian mixture")


@pytest.mark.parametrize("command", ["predict", "score", "sample"])
def test_a_model_from_another_version_is_a_one_line_error(
    tmp_path, blobs, data_csv, command, one_line_error
):
    # An attribute that another version did not save: a traceback (exit 1)
    # on predict and score before.
    model = GaussianMixture(2, random_state=0).fit(
        pd.DataFrame(blobs, columns=["alpha", "beta", "gamma"])
    )
    del model.precisions_cholesky_
    path = tmp_path / "old.joblib"
    joblib.dump(model, path)
    argv = [command, "-m", str(path)] + ([str(data_csv)] if command != "sample" else [])
    assert main(argv) == 2
    one_line_error("lacks precisions_cholesky_", "fit and save it again")


def test_a_fitted_selector_file_is_accepted(tmp_path, blobs, capsys, read_output_csv):
    path = tmp_path / "selector.joblib"
    selector = GaussianMixtureIC(n_components=2, covariance_types=["VVV"])
    joblib.dump(selector.fit(blobs), path)
    assert main(["sample", "-m", str(path), "-n", "3"]) == 0
    header, values = read_output_csv(capsys.readouterr().out)
    assert header == ["x0", "x1", "x2", "component"] and values.shape == (3, 4)


def test_feature_names_are_sklearns_attribute(model_file, blobs):
    # The names set by the command line behave as if fitted on a DataFrame.
    model = joblib.load(model_file)
    assert model.feature_names_in_.dtype == object
    assert list(model.feature_names_in_) == ["alpha", "beta", "gamma"]
    assert model.n_features_in_ == 3
    frame = pd.DataFrame(blobs, columns=["alpha", "beta", "gamma"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labels = model.predict(frame)
    reference = GaussianMixture(2, random_state=0).fit(np.round(blobs, 6))
    np.testing.assert_array_equal(labels, reference.predict(blobs))
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(frame.rename(columns={"alpha": "a"}))
