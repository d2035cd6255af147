"""Fixtures of the command-line tests: small data files and a fitted model."""

import csv
import io

import numpy as np
import pytest

from gmm_estimators.cli import main
from gmm_estimators.datasets import make_gaussian_mixture


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_gaussian_mixture(120, n_components=2, n_features=3, random_state=0)
    return X


def _write_csv(path, header, X, fmt="{:.6f}"):
    lines = [",".join(header)] if header else []
    lines += [",".join(fmt.format(v) for v in row) for row in X]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def write_data(tmp_path):
    """``write_data(name, header, X)``: a CSV file in the test's directory."""

    def write(name, header, X, fmt="{:.6f}"):
        return _write_csv(tmp_path / name, header, X, fmt)

    return write


@pytest.fixture
def data_csv(tmp_path, blobs):
    return _write_csv(tmp_path / "data.csv", ["alpha", "beta", "gamma"], blobs)


@pytest.fixture
def model_file(tmp_path, data_csv, capsys):
    path = tmp_path / "model.joblib"
    assert main(["fit", str(data_csv), "-k", "2", "--save", str(path), "-q"]) == 0
    capsys.readouterr()
    return path


@pytest.fixture
def spurious_csv(tmp_path):
    """Integer data, and the fit options that leave a spurious component.

    Rounded to integers, EEV with 5 components from seed 44 puts component 0
    on a handful of rows: spurious, not collapsed.
    """
    rng = np.random.default_rng(44)
    X = np.round(np.vstack([rng.normal(0, 2, (60, 2)), rng.normal(5, 2, (60, 2))]))
    path = _write_csv(tmp_path / "integers.csv", ["a", "b"], X, "{:.0f}")
    return path, ["-k", "5", "-t", "EEV", "--random-state", "44"]


@pytest.fixture
def read_output_csv():
    def read(text):
        rows = list(csv.reader(io.StringIO(text)))
        return rows[0], np.array(rows[1:], dtype=float)

    return read


@pytest.fixture
def one_line_error(capsys):
    """Check that the command wrote one error line containing every fragment."""

    def check(*fragments):
        _, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("gmm-estimators: error: ")
        assert "Traceback" not in err
        for fragment in fragments:
            assert fragment in lines[0]
        return lines[0]

    return check


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """One BLAS thread: the data here are tiny, and tests run two at a time.

    Results do not depend on it; it only keeps the suite fast on a busy machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
