"""Sphinx configuration for the gmm_estimators documentation.

Build with::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

The build needs no network access: there is no intersphinx, and the gallery
examples use only the bundled data.
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
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

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
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
except ImportError:  # pragma: no cover
    html_theme = "alabaster"
    html_theme_options = {"description": "Gaussian mixtures for scikit-learn"}

html_title = f"gmm_estimators {release}"
html_static_path = []
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


def setup(app):
    app.connect("builder-inited", _write_cli_pages)
    # Before numpydoc (priority 500) turns the docstring into reST.
    app.connect(
        "autodoc-process-docstring", _escape_fitted_names_in_types, priority=400
    )
