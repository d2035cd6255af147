"""The selector's tasks: run in this thread, or by joblib's workers."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

from joblib import effective_n_jobs
from sklearn.utils._param_validation import Interval
from sklearn.utils.parallel import Parallel, delayed

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


def task_runner(n_jobs):
    """A function that runs an iterable of tasks, yielding results in order.

    With one job (``joblib.effective_n_jobs``, which reads an active
    ``joblib.parallel_config``) the tasks run in this thread, lazily, one
    after the other. scikit-learn's joblib wrapper, needed to carry its
    configuration and the warnings filters to other workers, would also
    reset the process-wide warnings filters around each task, which fits
    running in other threads at that moment would see.
    """
    if effective_n_jobs(n_jobs) == 1:

        def run_here(tasks):
            return (func(*args, **kwargs) for func, args, kwargs in tasks)

        return run_here
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")

    def run_in_workers(tasks):
        return parallel(delayed(func)(*args, **kwargs) for func, args, kwargs in tasks)

    return run_in_workers
