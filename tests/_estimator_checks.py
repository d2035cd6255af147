"""scikit-learn's common checks, full or restricted to the structure-sensitive ones.

The full set of common checks tests the estimator's API code (parameters,
validation, pickling, fitted attributes, ...), which is shared by every
covariance structure of a representation family; it runs once per family
(and per estimator class or configuration). The other structures run the
checks whose outcome depends on the fitted numbers, that is on their own
M-step: :data:`STRUCTURE_SENSITIVE_CHECKS` through
:func:`structure_sensitive_checks`.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

STRUCTURE_SENSITIVE_CHECKS = frozenset(
    {
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_methods_subset_invariance",
        "check_methods_sample_order_invariance",
        "check_estimators_dtypes",
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weights_invariance",
        "check_clustering",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_estimators_pickle",
    }
)


def check_name(check):
    """The name of a check function (or of the function a partial wraps)."""
    check = getattr(check, "func", check)
    return check.__name__


def structure_sensitive_checks(estimators, **kwargs):
    """``parametrize_with_checks(estimators)`` keeping the sensitive checks.

    The test ids are those ``parametrize_with_checks`` gives, estimator and
    check: ``test_x[GaussianMixture(...)-check_fit_idempotent]``.
    """
    mark = parametrize_with_checks(estimators, **kwargs)
    argnames, params = mark.args
    ids = mark.kwargs["ids"]
    kept, names = [], []
    for param in params:
        values = getattr(param, "values", param)  # a pytest.param or a tuple
        if check_name(values[1]) in STRUCTURE_SENSITIVE_CHECKS:
            kept.append(param)
            names.append("-".join(str(ids(value)) for value in values))
    return pytest.mark.parametrize(argnames, kept, ids=names)
