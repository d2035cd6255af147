"""The selector's progress bar: one per fit, erased on errors, under verbose lines."""

import io
import re
import sys

import numpy as np
import pytest

from gmm_estimators.model_selection import GaussianMixtureIC, _selector

pytest.importorskip("tqdm")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _blobs(spread=1.0):
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(20, spread, (60, 2))])


def test_bar_erased_when_the_search_fails(monkeypatch):
    def failing(*args):
        args[-1]()  # the bar has moved
        raise ValueError("search failed")

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(_selector, "thorough_search", failing)
    try:
        GaussianMixtureIC(n_components=[1, 2], progress=True).fit(_blobs())
    except ValueError as exc:
        # Read while the error propagates: the caller's message comes next.
        assert "search failed" in str(exc)
        shown = terminal.getvalue()
    assert "1/" in shown
    # The last thing drawn is the blank line that erases the bar.
    assert shown.endswith("\r") and shown.rsplit("\r", 2)[-2].strip() == ""


@pytest.mark.parametrize("search", ["thorough", "grid"])
def test_verbose_lines_start_their_own_line(monkeypatch, search):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(sys, "stdout", terminal)
    selector = GaussianMixtureIC(
        n_components=[1, 2],
        covariance_types=["VVV", "EII"],
        search=search,
        progress=True,
        verbose=1,
    )
    selector.fit(_blobs())
    shown = terminal.getvalue()
    starts = [m.start() for m in re.finditer(r"\[GaussianMixtureIC\]", shown)]
    assert len(starts) == 4
    # Each line after a newline or the carriage return that erased the bar,
    # never glued to the bar's text.
    assert all(shown[i - 1] in "\r\n" for i in starts)
    assert shown.rsplit("\r", 2)[-2].strip() == ""


def test_searched_again_extends_the_one_bar(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    # Tight clusters far apart: the thorough search runs again with a
    # smaller reg_covar (the swamped clusters' remedy).
    selector = GaussianMixtureIC(
        n_components=[1, 2],
        covariance_types=["VVV", "EII"],
        reg_covar=0.1,
        progress=True,
    )
    with pytest.warns(UserWarning):
        selector.fit(_blobs(0.05))
    totals = {int(t) for t in re.findall(r"\d+/(\d+) \[", terminal.getvalue())}
    assert len(totals) > 1  # searched again
    # The bar started once and never went back to 0.
    assert len(re.findall(r" 0/\d+ \[", terminal.getvalue())) == 1


def test_refits_on_every_row_move_the_bar_to_its_end(monkeypatch):
    # Above the sample size the search explores a sample, then refits every
    # candidate on all rows: the bar counts those refits too, instead of
    # sitting at its end while they run.
    from gmm_estimators._engine import _sampling

    monkeypatch.setattr(_sampling, "sample_size", lambda n_components: 60)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    refits = []
    refitted_on = _selector.refitted_on

    def counting(*args, **kwargs):
        for outcome in refitted_on(*args, **kwargs):
            refits.append(terminal.getvalue())
            yield outcome

    monkeypatch.setattr(_selector, "refitted_on", counting)
    GaussianMixtureIC(
        n_components=[1, 2], covariance_types=["VVV", "EII"], progress=True
    ).fit(_blobs())
    assert len(refits) == 4
    shown = [
        (int(done), int(total))
        for done, total in re.findall(r"(\d+)/(\d+) \[", terminal.getvalue())
    ]
    total = shown[-1][1]
    # The search's own steps (2 numbers of components; a split and a merge,
    # each in both passes of the proposals; the partitions they found,
    # shared at each number of components) and one per refit; the bar was
    # short of its end while the refits ran.
    assert total == 2 + 4 + 2 + 4
    before_refits = [int(d) for d, _ in re.findall(r"(\d+)/(\d+) \[", refits[0])]
    assert max(before_refits) < total
    assert shown[-1] == (total, total)
