"""The selector's tasks: run in this thread, or by joblib's workers."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
from numbers import Integral

from joblib import effective_n_jobs
from sklearn.utils._param_validation import Interval
from sklearn.utils.parallel import Parallel, delayed

from ..covariance._carrying import unpicklable_message, unpicklable_structure

#: ``n_jobs`` as joblib reads it: None, a positive count, or -1, -2, ...
#: (all cores, all but one, ...). Zero means nothing to joblib, which only
#: says so when the first parallel call is made.
N_JOBS_CONSTRAINT = [
    None,
    Interval(Integral, None, -1, closed="right"),
    Interval(Integral, 1, None, closed="left"),
]


def task(func):
    """``task(func)(*args, **kwargs)``: the call as ``(func, args, kwargs)``."""

    def call(*args, **kwargs):
        return func, args, kwargs

    return call


def task_runner(n_jobs, structures=None):
    """A function that runs an iterable of tasks, yielding results in order.

    ``structures`` are the structures registered in user code that the
    tasks carry (``covariance.structures_to_carry``): when one cannot be
    pickled for the worker processes, the error names it and the remedies.

    With one job (``joblib.effective_n_jobs``, which reads an active
    ``joblib.parallel_config``), or a single task, the tasks run in this
    thread, lazily, one after the other; otherwise no more workers start
    than there are tasks. scikit-learn's joblib wrapper, needed to carry its
    configuration and the warnings filters to other workers, would also
    reset the process-wide warnings filters around each task, which fits
    running in other threads at that moment would see.
    """
    if effective_n_jobs(n_jobs) == 1:
        return _run_here

    def run_in_workers(tasks):
        tasks = list(tasks)
        # No more workers than tasks: joblib starts every worker asked for
        # (n_jobs=64 for two candidates began 64 processes, 1.3 GB).
        jobs = min(effective_n_jobs(n_jobs), len(tasks))
        if jobs <= 1:
            return _run_here(tasks)
        parallel = Parallel(n_jobs=jobs, return_as="generator")
        results = parallel(
            delayed(func)(*args, **kwargs) for func, args, kwargs in tasks
        )
        return _explained(results, structures, n_jobs)

    return run_in_workers


def _run_here(tasks):
    """The tasks' results, each run in this thread when it is asked for."""
    return (func(*args, **kwargs) for func, args, kwargs in tasks)


def _explained(results, structures, n_jobs):
    """``results``, with joblib's bare pickling error explained."""
    try:
        yield from results
    except pickle.PicklingError as error:
        unpicklable = unpicklable_structure(structures)
        if unpicklable is None:
            raise
        name, cause = unpicklable
        raise TypeError(
            unpicklable_message(
                name,
                cause,
                f"so it cannot reach the worker processes of n_jobs={n_jobs}",
                "use n_jobs=1, or ",
            )
        ) from error
