"""``predict``, ``sample`` and ``score`` (gmm_estimators/cli/cmd_model.py)."""

import re

import joblib
import numpy as np
import pandas as pd

from gmm_estimators.cli import main


def _frame(X):
    return pd.DataFrame(X, columns=["alpha", "beta", "gamma"])


def test_predict_round_trip(
    model_file, data_csv, blobs, capsys, tmp_path, read_output_csv
):
    assert main(["predict", "--model", str(model_file), str(data_csv)]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no warning about feature names
    header, values = read_output_csv(out)
    assert header == ["label", "proba_0", "proba_1"]
    model = joblib.load(model_file)
    np.testing.assert_array_equal(values[:, 0], model.predict(_frame(blobs)))
    np.testing.assert_allclose(
        values[:, 1:], model.predict_proba(_frame(blobs)), atol=1e-5
    )
    # --output writes the same to a file.
    output = tmp_path / "labels.csv"
    argv = ["predict", "-m", str(model_file), str(data_csv), "-o", str(output)]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    assert output.read_text() == out


def test_predict_labels_noise_rows_as_the_model_does(
    write_data, blobs, tmp_path, capsys, read_output_csv
):
    # A model with a noise component: its rows are labelled -1, as by
    # model.predict, and its column is named (argmax gave label K, a
    # component that does not exist, and an unnamed proba_K).
    from gmm_estimators import GaussianMixture

    model = GaussianMixture(2, noise=True, random_state=0).fit(_frame(blobs))
    path = tmp_path / "noise.joblib"
    joblib.dump(model, path)
    queries = np.r_[blobs[:3], np.full((1, 3), 1e3)]
    data = write_data("queries.csv", ["alpha", "beta", "gamma"], queries)
    assert main(["predict", "-m", str(path), str(data)]) == 0
    header, values = read_output_csv(capsys.readouterr().out)
    assert header == ["label", "proba_0", "proba_1", "proba_noise"]
    expected = model.predict(_frame(np.round(queries, 6)))
    assert expected[-1] == -1
    np.testing.assert_array_equal(values[:, 0], expected)


def test_predict_and_score_one_row(
    model_file, write_data, blobs, capsys, read_output_csv
):
    path = write_data("one.csv", ["alpha", "beta", "gamma"], blobs[:1])
    assert main(["predict", "-m", str(model_file), str(path)]) == 0
    out, _ = capsys.readouterr()
    header, values = read_output_csv(out)
    model = joblib.load(model_file)
    assert values.shape == (1, 3)
    assert values[0, 0] == model.predict(_frame(np.round(blobs[:1], 6)))[0]
    assert main(["score", "-m", str(model_file), str(path)]) == 0
    out, _ = capsys.readouterr()
    assert f"{model.score(_frame(np.round(blobs[:1], 6))):.4f}" in out
    assert "1 row x 3 features" in out


def test_sample(model_file, capsys, read_output_csv):
    assert main(["sample", "--model", str(model_file), "-n", "7"]) == 0
    out, _ = capsys.readouterr()
    header, values = read_output_csv(out)
    # The column names come from the model's feature_names_in_.
    assert header == ["alpha", "beta", "gamma", "component"]
    assert values.shape == (7, 4)
    assert set(values[:, 3]) <= {0.0, 1.0}
    # Same seed, same rows; another seed, other rows.
    assert main(["sample", "-m", str(model_file), "-n", "7"]) == 0
    assert capsys.readouterr().out == out
    argv = ["sample", "-m", str(model_file), "-n", "7", "--random-state", "1"]
    assert main(argv) == 0
    assert capsys.readouterr().out != out


def test_sample_random_state_none_draws_fresh_rows(model_file, capsys):
    # The model was fitted with --random-state 0; 'none' must not fall back
    # on that seed (sample(random_state=None) would), or every run repeats.
    argv = ["sample", "-m", str(model_file), "-n", "7", "--random-state", "none"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out != first
    assert main(["sample", "-m", str(model_file), "-n", "7"]) == 0
    assert capsys.readouterr().out != first


def test_sample_without_names(write_data, blobs, tmp_path, capsys, read_output_csv):
    path = write_data("plain.csv", None, blobs)
    model = tmp_path / "m.joblib"
    assert main(["fit", str(path), "-k", "2", "-q", "--save", str(model)]) == 0
    assert not hasattr(joblib.load(model), "feature_names_in_")
    capsys.readouterr()
    assert main(["sample", "-m", str(model), "-n", "2"]) == 0
    header, _ = read_output_csv(capsys.readouterr().out)
    assert header == ["x0", "x1", "x2", "component"]


def test_sample_label_column_has_a_name_of_its_own(
    write_data, blobs, tmp_path, capsys, read_output_csv
):
    # A feature named 'component' gave two columns of that name.
    path = write_data("c.csv", ["component", "component_", "b"], blobs)
    model = tmp_path / "m.joblib"
    assert main(["fit", str(path), "-k", "2", "-q", "--save", str(model)]) == 0
    capsys.readouterr()
    assert main(["sample", "-m", str(model), "-n", "3"]) == 0
    out, err = capsys.readouterr()
    header, values = read_output_csv(out)
    assert header == ["component", "component_", "b", "component__"]
    assert set(values[:, 3]) <= {0.0, 1.0}
    assert "feature named 'component'" in err and "'component__'" in err


def test_score(model_file, data_csv, blobs, capsys):
    assert main(["score", "--model", str(model_file), str(data_csv)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    model = joblib.load(model_file)
    X = _frame(blobs)
    assert f"{model.score(X):.4f}" in out
    assert f"{model.bic(X):.2f}" in out
    assert f"{model.aic(X):.2f}" in out
    assert re.search(rf"free parameters +{model.n_parameters_}\n", out)


def test_model_from_select_is_usable(tmp_path, capsys):
    path = tmp_path / "m.joblib"
    assert main(["select", "-K", "2", "-t", "VVV", "-q", "--save", str(path)]) == 0
    assert main(["score", "-m", str(path), "-q"]) == 0
    out, _ = capsys.readouterr()
    assert "mean log-likelihood" in out


def test_predict_wrong_number_of_columns(write_data, model_file, one_line_error):
    # The model has 3 features; this file 2 and no header.
    path = write_data("two.csv", None, np.ones((3, 2)))
    assert main(["predict", "-m", str(model_file), str(path)]) == 2
    one_line_error("2 columns", "3 features")


def test_header_must_match_the_models_feature_names(
    tmp_path, write_data, blobs, capsys, one_line_error
):
    abc = write_data("abc.csv", ["a", "b", "c"], blobs)
    xyz = write_data("xyz.csv", ["x", "y", "z"], blobs)
    model = tmp_path / "m.joblib"
    assert main(["fit", str(abc), "-k", "2", "-q", "--save", str(model)]) == 0
    capsys.readouterr()
    for command in ("predict", "score"):
        assert main([command, "-m", str(model), str(xyz)]) == 2
        one_line_error("xyz.csv has the columns x,y,z", "fitted on a,b,c")
    # Same names in another order: refused too.
    cab = write_data("cab.csv", ["c", "a", "b"], blobs)
    assert main(["score", "-m", str(model), str(cab)]) == 2
    one_line_error("c,a,b", "a,b,c", "--columns a,b,c")
    # ... and accepted once the columns are chosen.
    assert main(["score", "-m", str(model), str(cab), "--columns", "a,b,c"]) == 0
    # Without a header, the columns are taken in order.
    plain = write_data("plain.csv", None, blobs)
    assert main(["score", "-m", str(model), str(plain), "-q"]) == 0


def test_bundled_data_in_another_order_get_the_columns_remedy(
    tmp_path, capsys, one_line_error
):
    # A file got "choose them with --columns ...", the bundled data no remedy.
    model = tmp_path / "m.joblib"
    argv = ["fit", "-k", "2", "-q", "--columns", "waiting,eruptions"]
    assert main([*argv, "--save", str(model)]) == 0
    capsys.readouterr()
    assert main(["score", "-m", str(model)]) == 2
    one_line_error(
        "the bundled Old Faithful data has the columns eruptions,waiting",
        "choose them with --columns waiting,eruptions",
    )
    argv = ["score", "-m", str(model), "-q", "--columns", "waiting,eruptions"]
    assert main(argv) == 0


def test_a_selector_saved_from_python_keeps_its_column_check(
    tmp_path, write_data, blobs, capsys, one_line_error
):
    # The CLI takes the selector's chosen model, fitted on the validated
    # array and so without names: a file with its columns swapped was scored.
    from gmm_estimators.model_selection import GaussianMixtureIC

    selector = GaussianMixtureIC(n_components=2, covariance_types="VVV")
    model = tmp_path / "selector.joblib"
    joblib.dump(selector.fit(pd.DataFrame(blobs, columns=["a", "b", "c"])), model)
    cab = write_data("cab.csv", ["c", "a", "b"], blobs[:, [2, 0, 1]])
    for command in ("predict", "score"):
        assert main([command, "-m", str(model), str(cab)]) == 2
        one_line_error("c,a,b", "fitted on a,b,c", "--columns a,b,c")
    assert main(["score", "-m", str(model), str(cab), "--columns", "a,b,c", "-q"]) == 0
    assert not hasattr(joblib.load(model).best_estimator_, "feature_names_in_")


def test_predict_drops_an_id_column(
    tmp_path, model_file, blobs, capsys, read_output_csv, one_line_error
):
    path = tmp_path / "new.csv"
    lines = ["id,alpha,beta,gamma"] + [
        f"row{i}," + ",".join(f"{v:.6f}" for v in row) for i, row in enumerate(blobs)
    ]
    path.write_text("\n".join(lines) + "\n")
    assert main(["predict", "-m", str(model_file), str(path)]) == 2
    one_line_error("column 1 ('id') is not numeric", "--drop")
    assert main(["predict", "-m", str(model_file), str(path), "--drop", "id"]) == 0
    _, values = read_output_csv(capsys.readouterr().out)
    model = joblib.load(model_file)
    np.testing.assert_array_equal(values[:, 0], model.predict(_frame(blobs)))


def test_models_of_other_kinds_sample_and_score(tmp_path, data_csv, blobs, capsys):
    # scikit-learn's mixtures draw from their own random_state; variational
    # mixtures have no BIC or AIC.
    from sklearn.mixture import GaussianMixture as SklearnMixture

    from gmm_estimators import BayesianGaussianMixture

    sklearn_file = tmp_path / "sklearn.joblib"
    joblib.dump(SklearnMixture(2, random_state=0).fit(blobs), sklearn_file)
    assert main(["sample", "-m", str(sklearn_file), "-n", "3"]) == 0
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 4 and "Traceback" not in err
    # Its score names the count its BIC used ("free parameters -" stood
    # beside a BIC).
    assert main(["score", "-m", str(sklearn_file), str(data_csv), "-q"]) == 0
    out, _ = capsys.readouterr()
    fitted = joblib.load(sklearn_file)
    count = int(re.search(r"free parameters\s+(\d+)", out).group(1))
    assert count == fitted._n_parameters()  # scikit-learn's own count
    bic = float(re.search(r"BIC\s+(\S+)", out).group(1))
    total = float(re.search(r"total log-likelihood\s+(\S+)", out).group(1))
    n_rows = int(re.search(r"rows\s+(\d+)", out).group(1))
    assert abs(bic - (-2 * total + count * np.log(n_rows))) <= 0.02
    variational_file = tmp_path / "variational.joblib"
    joblib.dump(
        BayesianGaussianMixture(n_components=2, random_state=0).fit(blobs),
        variational_file,
    )
    assert main(["score", "-m", str(variational_file), str(data_csv), "-q"]) == 0
    out, _ = capsys.readouterr()
    assert re.search(r"BIC\s+-", out) and "mean log-likelihood" in out


def test_sample_far_too_many_rows_is_one_line(model_file, one_line_error):
    assert main(["sample", "-m", str(model_file), "-n", str(10**13)]) == 2
    one_line_error("too many rows")


def test_predict_notes_missing_cells(model_file, tmp_path, capsys, read_output_csv):
    # predict marginalises over missing cells, says so once on stderr, and
    # keeps its CSV on stdout clean.
    path = tmp_path / "gaps.csv"
    path.write_text("alpha,beta,gamma\n0.1,NA,0.3\n,,1.5\n0.2,0.4,0.6\n")
    assert main(["predict", "-m", str(model_file), str(path)]) == 0
    out, err = capsys.readouterr()
    header, values = read_output_csv(out)
    assert values.shape == (3, 3) and np.isfinite(values).all()
    assert err.splitlines() == [
        f"gmm-estimators: note: {path}: 3 missing cells (empty, NA, ...) in 2 of "
        "3 rows, treated as missing values and marginalised out (each row counts "
        "through its observed values)"
    ]


def test_score_of_rows_beyond_every_density_is_an_error(
    model_file, tmp_path, one_line_error
):
    # The log-likelihood of a row at 1e200 is -inf: score printed -inf and
    # a BIC of inf, with exit status 0.
    path = tmp_path / "far.csv"
    # Named by its line in the file, as every other error names a row.
    path.write_text("alpha,beta,gamma\n\n1e200,1,1\n0.1,0.2,0.3\n")
    assert main(["score", "-m", str(model_file), str(path), "-q"]) == 2
    one_line_error("1 data row(s)", "(line 3)", "floating-point range")


def test_an_option_value_that_reads_nan_is_not_blamed_on_missing_cells(
    tmp_path, one_line_error
):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,2\n,3\n2,4\n3,1\n4,2\n5,5\n")
    assert main(["fit", str(path), "-k", "1", "--init", "nan"]) == 2
    line = one_line_error("init_params")
    assert "missing value" not in line


def test_inf_and_minus_inf_give_the_error_alone(model_file, tmp_path, one_line_error):
    # scikit-learn's finiteness check sums the values: inf + -inf made numpy
    # print "RuntimeWarning: invalid value encountered in reduce" and a source
    # line on stderr before the one-line error, for predict and score.
    import warnings

    path = tmp_path / "inf.csv"
    path.write_text("alpha,beta,gamma\n0.1,0.2,0.3\ninf,-inf,1\n")
    for command in ("predict", "score"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main([command, "-m", str(model_file), str(path)]) == 2
        assert [str(w.message) for w in caught] == []
        one_line_error("line 3", "infinite value")


def test_predict_of_rows_beyond_every_density_is_an_error(
    model_file, tmp_path, one_line_error
):
    # Every component's density of a row at 1e200 is 0: predict printed a
    # label with probability 1 for it (exit status 0), where score refuses it.
    path = tmp_path / "far.csv"
    path.write_text("alpha,beta,gamma\n0.1,0.2,0.3\n1e200,1,1\n")
    assert main(["predict", "-m", str(model_file), str(path)]) == 2
    one_line_error("1 data row(s)", "(line 3)", "floating-point range")


def test_an_output_that_is_an_input_file_is_refused(
    model_file, data_csv, tmp_path, one_line_error
):
    # predict -o DATA overwrote the data it had just read, fit --save DATA the
    # data with a pickle, sample -o MODEL the model: each input was lost.
    before = data_csv.read_bytes(), model_file.read_bytes()
    same = tmp_path / "." / data_csv.name  # another spelling of the same file
    cases = [
        (
            ["predict", "-m", str(model_file), str(data_csv), "-o", str(same)],
            "--output",
        ),
        (
            ["predict", "-m", str(model_file), str(data_csv), "-o", str(model_file)],
            "--output",
        ),
        (["sample", "-m", str(model_file), "-o", str(model_file)], "--output"),
        (["fit", str(data_csv), "-k", "1", "--save", str(same)], "--save"),
        (["select", str(data_csv), "-K", "1", "--plot", str(same)], "--plot"),
    ]
    for argv, option in cases:
        assert main(argv) == 2
        one_line_error(option, "is the input file", "choose another name")
    assert (data_csv.read_bytes(), model_file.read_bytes()) == before


def test_header_of_numbers_is_recognised_from_the_model(tmp_path, capsys):
    # A model fitted with --header on columns named by years: predict and
    # score read that header as a data row (one output row too many).
    path = tmp_path / "years.csv"
    path.write_text("2019,2020\n1.5,2.5\n3.5,4.5\n2.5,1.5\n6.5,0.5\n")
    model = tmp_path / "years.joblib"
    assert main(["fit", str(path), "-k", "1", "--header", "--save", str(model)]) == 0
    capsys.readouterr()
    assert main(["predict", "-m", str(model), str(path)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 + 4
    assert "read as a header" in err and "--no-header" in err
    # Only the names in the model's order make a header: a first row of the
    # same values in another order is data (it was dropped silently).
    path.write_text("2020,2019\n1.5,2.5\n")
    assert main(["predict", "-m", str(model), str(path)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 + 2 and "read as a header" not in err
    path.write_text("2019,2020\n1.5,2.5\n3.5,4.5\n2.5,1.5\n6.5,0.5\n")
    assert main(["score", "-m", str(model), str(path)]) == 0
    assert "4 rows x 2 features (2019, 2020)" in capsys.readouterr().out
    # --no-header still reads the first row as data.
    assert main(["predict", "-m", str(model), str(path), "--no-header"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 5


def test_predict_quiet_drops_the_missing_values_note(model_file, tmp_path, capsys):
    # Every other command that reads data had --quiet for this note.
    path = tmp_path / "gaps.csv"
    path.write_text("alpha,beta,gamma\n0.1,NA,0.3\n0.2,0.4,0.6\n")
    assert main(["predict", "-m", str(model_file), str(path)]) == 0
    assert "missing cell" in capsys.readouterr().err
    assert main(["predict", "-m", str(model_file), str(path), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and len(out.splitlines()) == 3


def test_score_and_predict_warn_of_a_collapsed_model(tmp_path, capsys):
    # A saved model with a collapsed component was scored and used as if
    # sound; fit had warned of it, the model file carries it silently.
    path = tmp_path / "tied.csv"
    path.write_text("a,b\n" + "0,0\n" * 5 + "1,2\n2,1\n3,3\n")
    model = tmp_path / "m.joblib"
    assert main(["fit", str(path), "-k", "2", "-q", "--save", str(model)]) == 0
    collapsed = joblib.load(model).collapsed_components_
    assert len(collapsed) == 1
    capsys.readouterr()
    for command, consequence in (
        ("score", "the log-likelihood, BIC and AIC are not meaningful"),
        ("predict", "the probabilities of those components, are not meaningful"),
    ):
        # Even with --quiet: the output would otherwise pass for sound.
        assert main([command, "-m", str(model), str(path), "-q"]) == 0
        out, err = capsys.readouterr()
        assert out
        (line,) = err.splitlines()
        assert line.startswith(f"gmm-estimators: warning: model {model}: ")
        assert f"component {collapsed[0]} of 2 is collapsed" in line
        assert consequence in line
        assert "--prior" in line and "prior='default'" not in line


def test_score_warns_of_a_spurious_model(spurious_csv, tmp_path, capsys):
    data, options = spurious_csv
    model = tmp_path / "m.joblib"
    assert main(["fit", str(data), *options, "-q", "--save", str(model)]) == 0
    (spurious,) = joblib.load(model).spurious_components_
    capsys.readouterr()
    assert main(["score", "-m", str(model), str(data)]) == 0
    err = capsys.readouterr().err
    assert f"component {spurious} of 5 is spurious" in err
    assert "not meaningful" in err and "collapsed" not in err


def test_sound_model_gets_no_warning(model_file, data_csv, capsys):
    assert main(["score", "-m", str(model_file), str(data_csv)]) == 0
    assert capsys.readouterr().err == ""


def test_sample_says_a_noise_component_is_not_drawn(blobs, tmp_path, capsys):
    # The library draws from the Gaussian components only (documented
    # there); the command line said nothing, the rows passed for the model's.
    from gmm_estimators import GaussianMixture

    model = GaussianMixture(2, noise=True, random_state=0).fit(_frame(blobs))
    assert model.noise_proportion_ > 0
    path = tmp_path / "noise.joblib"
    joblib.dump(model, path)
    assert main(["sample", "-m", str(path), "-n", "5"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 + 5
    (line,) = err.splitlines()
    assert line.startswith(f"gmm-estimators: note: model {path} has a noise component")
    assert "Gaussian components only" in line
    assert main(["sample", "--help"]) == 0
    assert "Gaussian components only" in " ".join(capsys.readouterr().out.split())


def test_sample_of_a_model_without_noise_has_no_note(model_file, capsys):
    assert main(["sample", "-m", str(model_file), "-n", "2"]) == 0
    assert capsys.readouterr().err == ""


def test_dash_output_is_standard_output(
    model_file, data_csv, tmp_path, monkeypatch, capsys
):
    # '-o -' wrote a file named '-' (and nothing to standard output).
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["predict", "-m", str(model_file), str(data_csv)],
        ["sample", "-m", str(model_file), "-n", "4"],
    ):
        assert main(argv) == 0
        expected = capsys.readouterr().out
        assert main([*argv, "-o", "-"]) == 0
        assert capsys.readouterr().out == expected
        assert not (tmp_path / "-").exists()


def test_sample_writes_digits_within_each_features_spread(
    write_data, tmp_path, capsys, read_output_csv
):
    # Unix timestamps, two bursts an hour apart and a minute wide: at 8
    # significant digits the draws fell on a 100 s grid (10 distinct values
    # in 1,000), and fit's table showed both means as 1.7e+09.
    rng = np.random.RandomState(0)
    t = np.r_[1.7e9 + 60 * rng.randn(100), 1.7e9 + 3600 + 60 * rng.randn(100)]
    X = np.column_stack([t, rng.randn(200)])
    path = write_data("ts.csv", ["t", "x"], X, "{:.3f}")
    model = tmp_path / "ts.joblib"
    assert main(["fit", str(path), "-k", "2", "--save", str(model)]) == 0
    table = capsys.readouterr().out
    assert "1700003" in table and "1700000" in table
    assert main(["sample", "-m", str(model), "-n", "500", "--random-state", "0"]) == 0
    _, drawn = read_output_csv(capsys.readouterr().out)
    fitted = joblib.load(model)
    # At least 8 digits within the narrowest spread: far below it.
    step = np.diff(np.unique(drawn[:, 0])).min()
    assert np.unique(drawn[:, 0]).size == 500
    assert step < 1e-3 * np.sqrt(fitted.covariances_[:, 0, 0].min())
