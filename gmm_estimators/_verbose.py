"""EM progress messages of ``verbose`` estimators (scikit-learn's wording)."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from time import perf_counter

__all__ = ["VerboseMonitor"]


class VerboseMonitor:
    """Prints EM progress as scikit-learn's mixtures do.

    The engine's restarts (``_engine.fit_restarts``) call :meth:`start` at
    each start, :meth:`iteration` after each EM iteration and :meth:`end`
    when a run stops.

    Parameters
    ----------
    verbose : int
        1 prints the starts and every ``verbose_interval``-th iteration; 2 and
        more add timings, the change of the objective and the lower bound.
    verbose_interval : int
        Iterations between two messages.

    Examples
    --------
    >>> from gmm_estimators._verbose import VerboseMonitor
    >>> monitor = VerboseMonitor(verbose=1, verbose_interval=2)
    >>> monitor.start(0)
    Initialization 0
    >>> monitor.iteration(1, 0.5)
    >>> monitor.iteration(2, 0.25)
      Iteration 2
    >>> monitor.end(-1.5, converged=True)
    Initialization converged.
    """

    def __init__(self, verbose, verbose_interval):
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self._init_prev_time = self._iter_prev_time = perf_counter()

    def start(self, index):
        """A new start (``index`` counts from 0)."""
        if self.verbose >= 1:
            print(f"Initialization {index}")
            self._init_prev_time = self._iter_prev_time = perf_counter()

    def iteration(self, n_iter, change):
        """Iteration ``n_iter`` changed the objective by ``change``."""
        if self.verbose and n_iter % self.verbose_interval == 0:
            if self.verbose == 1:
                print(f"  Iteration {n_iter}")
            else:
                now = perf_counter()
                print(
                    f"  Iteration {n_iter}\t time lapse "
                    f"{now - self._iter_prev_time:.5f}s\t ll change {change:.5f}"
                )
                self._iter_prev_time = now

    def end(self, lower_bound, converged):
        """The run stopped at ``lower_bound``, converged or not."""
        message = "converged" if converged else "did not converge"
        if self.verbose == 1:
            print(f"Initialization {message}.")
        elif self.verbose >= 2:
            elapsed = perf_counter() - self._init_prev_time
            print(
                f"Initialization {message}. time lapse {elapsed:.5f}s\t lower bound "
                f"{lower_bound:.5f}."
            )
