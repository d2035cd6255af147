"""Sphinx configuration for the gmm_estimators documentation.

Build with::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

The build needs no network access: there is no intersphinx, and the gallery
examples use only the bundled data. The built pages need none either: MathJax
is copied into the build from the ``sphinx-mathjax-offline`` package (a
``docs`` extra) instead of being loaded from a CDN, and no page links a remote
script, stylesheet or font; ``doc/check_built_html.py`` checks both after the
build.
"""

import contextlib
import io
import os
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent
ROOT = DOC.parent
# Document the checkout, installed or not.
sys.path.insert(0, str(ROOT))

os.environ.setdefault("MPLBACKEND", "Agg")

import gmm_estimators  # noqa: E402

# The examples fit small models: matrix products of a few hundred rows, where
# waking BLAS threads costs far more than it saves (ten times the run time on a
# busy machine). One BLAS thread keeps the gallery fast and its timings honest.
try:
    from threadpoolctl import threadpool_limits

    _BLAS_LIMIT = threadpool_limits(limits=1, user_api="blas")
except ImportError:  # pragma: no cover
    pass

# -- Project -------------------------------------------------------------------

project = "gmm_estimators"
author = "The gmm_estimators developers"
copyright = "2026, The gmm_estimators developers"
release = gmm_estimators.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Copies MathJax 3 into _static/mathjax of the build (its import name has
    # hyphens; Sphinx imports it by name all the same).
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# Formulas render offline: MathJax from the build, never from a CDN. The
# extension sets the same path; saying it here keeps Sphinx's default (a CDN
# URL) from ever coming back.
mathjax_path = "mathjax/tex-chtml.js"

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
language = "en"
default_role = "literal"
pygments_style = "sphinx"

# No intersphinx: the build must work offline. References to scikit-learn,
# NumPy or matplotlib objects render as plain code.
intersphinx_mapping = {}

# -- autodoc / autosummary / numpydoc ---------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ----------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every example, not only those whose name starts with "plot".
    "filename_pattern": r".*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 1,
    "default_thumb_file": None,
    "capture_repr": ("_repr_html_", "__repr__"),
    # The execution-times page loads jQuery and DataTables from CDNs; each
    # example states its own run time, so the page is not written.
    "write_computation_times": False,
    # "Examples using ..." sections in the API pages, and links from the
    # examples' code to the API pages (local, no network).
    "doc_module": ("gmm_estimators",),
    "backreferences_dir": "generated",
    "reference_url": {"gmm_estimators": None},
}

# -- HTML ---------------------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        # Five header links and "More" overflow the navbar below ~1100 px
        # wide; the first four are Getting started ... API reference.
        "header_links_before_dropdown": 4,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
except ImportError:  # pragma: no cover
    html_theme = "alabaster"
    html_theme_options = {"description": "Gaussian mixtures for scikit-learn"}

html_title = f"gmm_estimators {release}"
html_static_path = ["_static"]
# Lets long dotted names in page titles wrap instead of being cut off.
html_css_files = ["gmm_estimators.css"]
html_show_sourcelink = False

# -- Generated pages -------------------------------------------------------------------


def _write_cli_pages(app):
    """Write the command line's help texts and a sample session for cli.rst."""
    from gmm_estimators.cli import build_parser, main

    os.environ["COLUMNS"] = "88"  # argparse wraps its help to the terminal
    out = DOC / "generated" / "cli"
    out.mkdir(parents=True, exist_ok=True)
    parser = build_parser()
    texts = {"gmm-estimators": parser.format_help()}
    subparsers = next(
        action for action in parser._actions if action.dest == "command"
    )
    for name, subparser in subparsers.choices.items():
        texts[f"gmm-estimators-{name}"] = subparser.format_help()
    for name, text in texts.items():
        (out / f"{name}.txt").write_text(text)

    # A short, real session on the bundled data (a few seconds).
    buffer = io.StringIO()
    argv = ["select", "--max-components", "4", "--covariance-types",
            "VVV,EEE,VVI,VII", "--quiet"]
    with contextlib.redirect_stdout(buffer):
        status = main(argv)
    if status != 0:
        raise RuntimeError(f"gmm-estimators {' '.join(argv)} exited with {status}")
    session = f"$ gmm-estimators {' '.join(argv)}\n{buffer.getvalue()}"
    (out / "select-session.txt").write_text(session)


_PARAM_LINE = re.compile(r"^(\s*[\w*][\w*, ]* : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![\\`\w])([A-Za-z]\w*[A-Za-z0-9])_(?=[,)\s]|$)")


def _escape_fitted_names_in_types(app, what, name, obj, options, lines):
    """Escape ``n_features_in_`` in numpydoc type specs before numpydoc runs.

    Docstrings say ``ndarray of shape (n_features_in_,)`` as scikit-learn's
    do; in reStructuredText a word ending with ``_`` is a link to a target of
    that name, which does not exist. Only the type part of parameter lines is
    touched, outside ``inline literals``.
    """
    for i, line in enumerate(lines):
        match = _PARAM_LINE.match(line)
        if not match:
            continue
        head, spec = match.groups()
        parts = spec.split("``")
        parts[::2] = [_TRAILING_UNDERSCORE.sub(r"\1\\_", part) for part in parts[::2]]
        lines[i] = head + "``".join(parts)


_H1 = re.compile(r"(<h1>)(.*?)(<a class=\"headerlink\")", re.DOTALL)
# An API object's dotted name as the text of a link or heading.
_DOTTED_NAME_TEXT = re.compile(r">(gmm_estimators(?:\.\w+)+)<")


def _break_after_dots(match):
    return ">" + match.group(1).replace(".", ".<wbr>") + "<"


def _breakable_dotted_titles(app, pagename, templatename, context, doctree):
    """Let the dotted names of API objects break after each dot.

    An API page's heading is the object's whole dotted name, such as
    ``gmm_estimators.model_selection.GaussianMixtureIC``: one word, wider
    than the article column in the theme's heading font, which the theme
    clips. A ``<wbr>`` after each dot offers a line break there (the
    stylesheet breaks anywhere only as a last resort); the text, the
    ``<title>`` and the search index are unchanged. The same goes for the
    names in the navigation sidebar.
    """
    body = context.get("body")
    if body and pagename.startswith("generated/"):

        def add_breaks(match):
            head, title, tail = match.groups()
            return head + title.replace(".", ".<wbr>") + tail

        context["body"] = _H1.sub(add_breaks, body, count=1)

    toctree = context.get("generate_toctree_html")
    if toctree is not None and not getattr(toctree, "_breaks_dotted_names", False):
        from markupsafe import Markup

        def generate_toctree_html(*args, **kwargs):
            html = str(toctree(*args, **kwargs))
            return Markup(_DOTTED_NAME_TEXT.sub(_break_after_dots, html))

        generate_toctree_html._breaks_dotted_names = True
        context["generate_toctree_html"] = generate_toctree_html


def setup(app):
    app.connect("builder-inited", _write_cli_pages)
    # After the theme's handlers (priority 500), which add its toctree helper.
    app.connect("html-page-context", _breakable_dotted_titles, priority=900)
    # Before numpydoc (priority 500) turns the docstring into reST.
    app.connect(
        "autodoc-process-docstring", _escape_fitted_names_in_types, priority=400
    )
