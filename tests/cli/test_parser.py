"""Options of the command line (gmm_estimators/cli/parser.py)."""

import pytest

from gmm_estimators import GaussianMixture
from gmm_estimators.cli import build_parser, main
from gmm_estimators.cli.cmd_fit import estimator_params
from gmm_estimators.model_selection._candidates import DEFAULT_STOPPING

COMMANDS = ("select", "fit", "predict", "sample", "score")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(f"usage: gmm-estimators {command}")


@pytest.mark.parametrize("command", ["select", "fit", "predict", "score"])
def test_data_commands_choose_columns(command):
    args = build_parser().parse_args(
        [command, "d.csv", "--columns", "a,1", "--drop", "id"]
        + {"fit": ["-k", "2"], "predict": ["-m", "x"], "score": ["-m", "x"]}.get(
            command, []
        )
    )
    assert (args.columns, args.drop) == ("a,1", "id")


def test_estimator_defaults_are_the_estimators():
    # Options not given are not passed: the estimator's own defaults apply
    # (the CLI hard-codes no tol, max_iter, ...); only the seed is the CLI's.
    for argv in (["select"], ["fit", "-k", "2"]):
        args = build_parser().parse_args(argv)
        assert estimator_params(args) == {"random_state": 0}
    args = build_parser().parse_args(
        ["select", "--tol", "1e-5", "--init", "hc", "--n-init", "3", "--prior"]
    )
    assert estimator_params(args) == {
        "tol": 1e-5,
        "init_params": "hc",
        "n_init": 3,
        "random_state": 0,
        "prior": "default",
    }
    # The help shows the estimators' defaults, read from them.
    help_select = build_parser()._subparsers._group_actions[0].choices["select"]
    text = " ".join(help_select.format_help().split())
    # The selector's None is worded as what it resolves to under each search.
    for search, stopping in DEFAULT_STOPPING.items():
        assert f"{stopping['max_iter']} ({search})" in text
        assert f"{stopping['tol']:g}" in text
    assert "relative to the data's thinnest spread (thorough)" in text
    assert "(default: None)" not in text
    help_fit = build_parser()._subparsers._group_actions[0].choices["fit"]
    text = " ".join(help_fit.format_help().split())
    assert f"(default: {GaussianMixture().max_iter})" in text


def test_init_params_alias():
    args = build_parser().parse_args(["select", "--init-params", "random"])
    assert args.init_params == "random"


@pytest.mark.parametrize("command", ["select", "fit"])
def test_unknown_start_method_is_refused_before_the_data_are_read(
    command, tmp_path, one_line_error
):
    # The data file does not exist: the option's error comes first, naming
    # the methods the library accepts.
    extra = ["-k", "2"] if command == "fit" else []
    absent = str(tmp_path / "absent.csv")
    assert main([command, absent, "--init", "bogus", *extra]) == 2
    line = one_line_error("--init 'bogus'", "init_params", "kmeans", "hc")
    assert "absent.csv" not in line


def test_usage_errors_exit_2(capsys):
    assert main(["fit"]) == 2  # -k is required
    _, err = capsys.readouterr()
    assert "the following arguments are required: -k" in err
    assert main(["select", "-K", "0"]) == 2
    _, err = capsys.readouterr()
    assert "positive integer" in err
    assert main(["select", "--tol", "-1"]) == 2
    assert "number >= 0" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert "'frobnicate' is neither a command" in capsys.readouterr().err


def test_n_jobs_zero_is_a_usage_error(capsys):
    # joblib gives n_jobs=0 no meaning; it is refused before any data are read.
    for value in ("0", "abc"):
        assert main(["select", "--n-jobs", value]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert "argument --n-jobs: expected a non-zero integer" in err
        assert "Traceback" not in err
    assert build_parser().parse_args(["select", "--n-jobs", "-1"]).n_jobs == -1


@pytest.mark.parametrize(
    "argv",
    [
        ["select", "-K", "2", "--n-jobs", "2147483648"],
        ["select", "-K", "9223372036854775808"],
        ["fit", "-k", "2", "--max-iter", "99999999999999999999"],
    ],
)
def test_integers_beyond_c_ints_are_usage_errors(argv, capsys):
    # numpy and joblib read counts as C ints: these ended in an OverflowError
    # traceback once the data were read.
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error: argument" in err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        # -k without a command: select ran, and said only that -k is unknown.
        (["data.csv", "-k", "2"], "-k is not an option of select (run when no "),
        (["select", "-k", "2"], "-k is not an option of select but of fit"),
        (["fit", "-k", "2", "-K", "3"], "-K is not an option of fit but of select"),
        (["data.csv", "fit", "-k", "2"], "a command comes first: gmm-estimators fit"),
    ],
)
def test_an_option_of_another_command_names_it(argv, fragment, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "unrecognized arguments" in err and fragment in err
    assert "Traceback" not in err


def test_an_option_of_several_other_commands_is_not_sent_to_one(capsys):
    # -q belongs to four commands: naming the first (select) sent a user of
    # sample to another command.
    assert main(["sample", "-m", "model.joblib", "-q"]) == 2
    err = capsys.readouterr().err
    assert (
        "-q is not an option of sample (only of select, fit, predict and score)" in err
    )
    assert "gmm-estimators select" not in err


@pytest.mark.parametrize(
    "argv",
    [["fit", "-k", "2", "--", "-data.csv", "-q"], ["--", "-data.csv", "-K", "2"]],
)
def test_an_option_of_this_command_after_the_separator_is_said_to_be_read_as_a_file(
    argv, capsys
):
    # "-q is not an option of fit (only of select, predict and score)": fit
    # takes -q; given after --, it is read as a data file.
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "arguments after -- are data files, not options: put -" in err
    assert "is not an option of" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        # Another command's option after "--" was said to go before "--",
        # where it fails again (-K is select's, not fit's); where the option
        # itself had been read as the data file, its value was left
        # unexplained ("unrecognized arguments: 3").
        (
            ["fit", "data.csv", "-k", "2", "--", "-K", "3"],
            "-K is not an option of fit but of select: gmm-estimators select ... "
            "(and arguments after -- are data files, not options)",
        ),
        (
            ["fit", "-k", "2", "--", "-K", "3"],
            "arguments after -- are data files, not options: -K was read as the "
            "data file, and -K is not an option of fit but of select",
        ),
        (
            ["--", "-K", "3"],
            "arguments after -- are data files, not options: -K was read as the "
            "data file; put it before --",
        ),
    ],
)
def test_an_option_after_the_separator_is_said_to_be_read_as_a_file(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["predict", "sample"])
def test_more_digits_than_float64_holds_is_a_usage_error(command, capsys):
    # --digits 99 printed about 55 digits of each number's binary expansion.
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "-m", "model.joblib", "--digits", "18"])
    assert exit_info.value.code == 2
    assert "from 1 to 17" in capsys.readouterr().err
    args = build_parser().parse_args([command, "-m", "model.joblib", "--digits", "17"])
    assert args.digits == 17
