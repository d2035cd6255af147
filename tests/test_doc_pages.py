"""The documentation's own checks: the Getting Started doctests and the
checker of built HTML pages (doc/check_built_html.py)."""

import doctest
import importlib.util
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

DOC = Path(__file__).resolve().parents[1] / "doc"


def test_getting_started_doctests():
    # The scikit-learn comparison (agreement to 1e-10 from the same explicit
    # start, row-order independence, the effect of tol) is a doctest of the
    # page itself, so the page cannot drift from the code. Tiny fits: one
    # BLAS/OpenMP thread is much faster than waking a pool (k-means).
    with threadpool_limits(limits=1):
        result = doctest.testfile(
            str(DOC / "getting_started.rst"),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
            verbose=False,
        )
    assert result.attempted >= 15
    assert result.failed == 0


@pytest.fixture(scope="module")
def checker():
    spec = importlib.util.spec_from_file_location(
        "check_built_html", DOC / "check_built_html.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(head="", body="<h1>Title</h1>"):
    return f"<html><head><title>Title</title>{head}</head><body>{body}</body></html>"


def _api_page(name, h1=None):
    h1 = name.replace(".", ".<wbr>") if h1 is None else h1
    return (
        f"<html><head><title>{name} &#8212; docs</title></head><body>"
        f'<h1>{h1}<a class="headerlink" href="#x">#</a></h1></body></html>'
    )


def _build(tmp_path, pages, files=()):
    for relative, text in pages.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for relative in files:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("/* */")
    return tmp_path


def test_check_built_html_accepts_a_local_build(tmp_path, checker):
    root = _build(
        tmp_path,
        {
            "index.html": _page(
                '<script src="_static/a.js?v=1"></script>'
                '<link rel="stylesheet" href="_static/a.css">'
                '<link rel="next" href="https://example.org/next.html">'
                '<script src="_static/mathjax/tex-chtml.js"></script>',
                '<h1>Home</h1><span class="math">\\(x\\)</span>',
            ),
            "generated/pkg.mod.Thing.html": _api_page("pkg.mod.Thing"),
        },
        files=["_static/a.js", "_static/a.css", "_static/mathjax/tex-chtml.js"],
    )
    problems, counts = checker.check_build(root)
    assert problems == []
    assert counts["pages"] == 2 and counts["API pages"] == 1
    assert checker.main([str(root)]) == 0


@pytest.mark.parametrize(
    "head, body, expected",
    [
        ('<script src="https://cdn.example.org/x.js"></script>', "", "remote"),
        ('<script src="//cdn.example.org/x.js"></script>', "", "remote"),
        ('<link rel="stylesheet" href="http://example.org/x.css">', "", "remote"),
        ("<style>@import 'https://fonts.example.org/f.css';</style>", "", "remote"),
        ('<script src="_static/missing.js"></script>', "", "missing"),
        ('<script src="../../outside.js"></script>', "", "outside"),
        ("", '<span class="math">\\(x\\)</span>', "MathJax"),
    ],
)
def test_check_built_html_reports_pages_that_need_the_network(
    tmp_path, checker, head, body, expected
):
    root = _build(tmp_path / "html", {"index.html": _page(head, "<h1>T</h1>" + body)})
    problems, _ = checker.check_build(root)
    assert len(problems) == 1
    assert expected in problems[0]
    assert checker.main([str(root)]) == 1


@pytest.mark.parametrize(
    "h1, expected",
    [
        ("pkg.<wbr>mod.<wbr>Thi", "not the object's whole name"),
        ("pkg.mod.Thing", "<wbr>"),
    ],
)
def test_check_built_html_reports_api_titles_that_are_cut_or_clipped(
    tmp_path, checker, h1, expected
):
    root = _build(
        tmp_path,
        {
            "index.html": _page(),
            "generated/pkg.mod.Thing.html": _api_page("pkg.mod.Thing", h1),
        },
    )
    problems, _ = checker.check_build(root)
    assert len(problems) == 1
    assert expected in problems[0]


def test_check_built_html_reports_remote_fonts_in_stylesheets(tmp_path, checker):
    root = _build(tmp_path, {"index.html": _page()})
    (root / "_static").mkdir()
    (root / "_static" / "theme.css").write_text(
        "@font-face { src: url('https://fonts.example.org/a.woff2'); }"
    )
    problems, _ = checker.check_build(root)
    assert problems == [
        "_static/theme.css: stylesheet loads a remote resource: "
        "https://fonts.example.org/a.woff2"
    ]
