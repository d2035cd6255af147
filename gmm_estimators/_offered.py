"""Methods an estimator offers only under some of its parameters."""

# Authors: The gmm_estimators developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
from types import MethodType

__all__ = ["offered_if"]


class offered_if:
    """A method offered only where ``check(estimator)`` holds (``hasattr``).

    As scikit-learn's ``available_if``, but an ``AttributeError`` that the
    check raises to say why (a noise component has no ``partial_fit``, a
    variational fit no ``bic``) reaches the caller as it is, instead of a
    generic "has no attribute" that hides the reason in the error's cause.

    Parameters
    ----------
    check : callable
        ``check(estimator)``: true when the method is offered; it may raise
        an ``AttributeError`` that says why not.
    """

    def __init__(self, check):
        self.check = check
        self.method = None

    def __call__(self, method):
        self.method = method
        functools.update_wrapper(self, method)
        return self

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.method  # the class's attribute: its docstring
        if not self.check(obj):
            raise AttributeError(
                f"This {type(obj).__name__!r} has no attribute {self.method.__name__!r}"
            )
        return MethodType(self.method, obj)
