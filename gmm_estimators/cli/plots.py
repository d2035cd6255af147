"""Saving plots from the command line (matplotlib, imported lazily)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import logging
import os
import shutil
import sys

from .errors import PROG, CLIError
from .output import check_output_path

__all__ = ["check_plot_path", "new_axes", "save_figure"]

_NEEDS_MATPLOTLIB = (
    "--plot requires matplotlib: pip install matplotlib (or, from a clone of the "
    'gmm_estimators repository, pip install ".[plot]")'
)


def check_plot_path(path, *, inputs=(), save=None):
    """Fail before any work if ``path`` cannot receive a plot.

    The path must be writable, not one of ``inputs`` nor the ``--save`` file
    ``save`` (the plot, written last, would replace the model), and name a
    format matplotlib can write here: pgf needs a LaTeX program that
    matplotlib runs only when saving, after all the work.
    """
    if path is None:
        return
    check_output_path(path, "--plot", inputs=inputs)
    if save not in (None, "-") and os.path.realpath(save) == os.path.realpath(path):
        raise CLIError(
            f"--save {save} and --plot {path} name the same file: the plot would "
            "overwrite the model; give them different file names"
        )
    try:
        from matplotlib import rcParams
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise CLIError(_NEEDS_MATPLOTLIB) from None
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    # A copy: matplotlib returns its own registry.
    supported = dict(FigureCanvasBase.get_supported_filetypes())
    program = rcParams["pgf.texsystem"]
    if shutil.which(program) is None:
        # Not offered when it cannot be written.
        supported.pop("pgf", None)
        if extension == "pgf":
            raise CLIError(
                f"--plot {path}: the pgf format needs {program} (LaTeX, "
                "matplotlib's rcParams['pgf.texsystem']), which is not on PATH; "
                "install it, or choose another format, e.g. .pdf, .svg or .png"
            )
    if extension not in supported:
        raise CLIError(
            f"--plot {path}: unknown image format {extension!r}; use a name ending "
            f"in one of {', '.join('.' + ext for ext in sorted(supported))}"
        )


def new_axes():
    """An Axes on a figure that no GUI backend ever shows."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError(_NEEDS_MATPLOTLIB) from None
    fig = Figure(figsize=(7.0, 5.0))
    return fig, fig.subplots()


class _Notes(logging.Handler):
    """matplotlib's logged notes while a figure is saved, kept for the CLI."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def save_figure(fig, path, *, quiet=False):
    """Save ``fig`` to ``path``; matplotlib's notes as the program's warnings.

    A format's limits (PostScript drops transparency) are logged by
    matplotlib on a bare line of its own: they are printed as
    ``gmm-estimators: warning: ...``, or not at all with ``--quiet``.
    """
    notes = _Notes()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(notes)
    propagate, logger.propagate = logger.propagate, False
    try:
        _save(fig, path)
    finally:
        logger.removeHandler(notes)
        logger.propagate = propagate
    if not quiet:
        for message in dict.fromkeys(notes.messages):
            print(f"{PROG}: warning: {' '.join(message.split())}", file=sys.stderr)


def _save(fig, path):
    try:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    except OSError as exc:
        raise CLIError(f"cannot write plot {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # unknown image format
        raise CLIError(f"cannot write plot {path}: {exc}") from None
    except RuntimeError as exc:  # a format needing a program (pgf: LaTeX)
        raise CLIError(
            f"cannot write plot {path}: {exc}. Choose another format, e.g. .png."
        ) from None
