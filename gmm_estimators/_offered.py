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
        name = f"{type(obj).__name__!r}"
        missing = f"This {name} has no attribute {self.method.__name__!r}"
        try:
            offered = self.check(obj)
        except AttributeError:
            raise  # the check's own words: why it is not offered
        except Exception as error:
            # As available_if: hasattr() must answer False, not raise.
            raise AttributeError(missing) from error
        if not offered:
            raise AttributeError(missing)
        return MethodType(self.method, obj)
