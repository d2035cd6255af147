"""BLAS held to one thread by the engine, and given back."""

import threading

from threadpoolctl import ThreadpoolController, threadpool_limits

from gmm_estimators._engine import _threads
from gmm_estimators._engine._threads import limits_in_turn, one_blas_thread


def _blas_threads():
    info = ThreadpoolController().info()
    return [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]


def test_nested_contexts_restore_the_setting():
    with threadpool_limits(limits=2, user_api="blas"):
        original = _blas_threads()
        with one_blas_thread():
            with one_blas_thread():
                inner = _blas_threads()
            middle = _blas_threads()
        assert (inner, middle) == ([1] * len(original),) * 2
        assert _blas_threads() == original


class _Setting:
    """A process-wide BLAS setting whose limiters save and restore it."""

    def __init__(self):
        self.threads = 2

    def limit(self, limits, user_api):
        setting, saved = self, self.threads

        class Limiter:
            def restore_original_limits(self):
                setting.threads = saved

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.restore_original_limits()

        self.threads = limits
        return Limiter()


def _interleave(enter):
    """Enter from two threads, leave in the order entered (T1 in, T2 in, T1 out)."""
    events = [threading.Event() for _ in range(3)]

    def first():
        with enter():
            events[0].set()
            events[1].wait()
        events[2].set()

    def second():
        events[0].wait()
        with enter():
            events[1].set()
            events[2].wait()

    threads = [threading.Thread(target=f) for f in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_contexts_in_worker_threads_leave_the_process_setting_as_it_was(monkeypatch):
    # Each context saved the setting on entry and restored it on exit:
    # entered from a scheduler's threads (predictions of a Dask array on its
    # threaded scheduler) and left in the order entered, the second restored
    # the first's limit and the process stayed on one BLAS thread.
    setting = _Setting()
    monkeypatch.setattr(_threads, "_threadpool_controller", lambda: setting)
    _interleave(one_blas_thread)
    assert setting.threads == 2


def test_code_that_sets_the_limits_itself_takes_turns_in_worker_threads():
    # scikit-learn's k-means saves and restores the setting itself: from a
    # grid search's threads (joblib's threading backend) its restores
    # interleaved as above. Outside the main thread it takes turns.
    held, tried = threading.Event(), []

    def holder():
        with limits_in_turn():
            held.set()
            while not tried:
                threading.Event().wait(0.01)

    def other():
        held.wait()
        tried.append(_threads._TURNS.acquire(blocking=False))

    threads = [threading.Thread(target=f) for f in (holder, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tried == [False]
    with limits_in_turn():  # the main thread does not wait for a turn
        assert _threads._TURNS.acquire(blocking=False)
        _threads._TURNS.release()
